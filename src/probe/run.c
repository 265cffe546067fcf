/* run.c: walks the layers in order (DNS, TCP, protocol, TLS, certificate, HTTP) under one
 * overall deadline, each step with its own. Records observations; never judges, except to
 * decide that a later layer cannot run (no address, no connection, not TLS). */
#define _POSIX_C_SOURCE 200809L
#include "cert.h"

#include "../kb/clients.h"
#include "dns.h"
#include "exchange.h"
#include "matrix.h"
#include "net.h"
#include "observe.h"
#include "tls.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Splits "a,b,c" into at most 8 entries of 64 bytes. */
static void split_list(const char *s, char (*out)[64], int *n)
{
    *n = 0;
    while (*s != '\0' && *n < 8) {
        const char *comma = strchr(s, ',');
        size_t len = comma != NULL ? (size_t)(comma - s) : strlen(s);
        if (len > 0 && len < 64) {
            memcpy(out[*n], s, len);
            out[*n][len] = '\0';
            (*n)++;
        }
        if (comma == NULL) {
            break;
        }
        s = comma + 1;
    }
}

static bool out_of_time(td_obs_t *obs, double deadline);

/* The deadline of one step named name: the step timeout, cut by the overall deadline. Records
 * the step, and when the overall deadline cut it short (its timeout then says nothing of the
 * server: diagnose/ reports the deadline instead). */
static double step_dl(td_obs_t *obs, const char *name, double deadline, double step)
{
    obs->cur_step = name;
    if (td_now_ms() + step > deadline) {
        obs->shortened_step = name;
    }
    return td__step_deadline(deadline, step);
}

/* Follows 3xx answers on the same host (same address we connected to), up to TD_MAX_HOPS,
 * stopping when a URL repeats. Records hops only; diagnose/ judges loops and downgrades. */
static void follow_redirects(const td_options_t *opt, td_obs_t *obs, const char *addr,
                             uint16_t connect_port, const char *sni, double deadline, double step)
{
    td_obs_redirects_t *rd = &obs->redirects;
    int status = obs->http.result == TD_HTTP_OK ? obs->http.head.status : 0;
    char location[256];
    td_strlcpy(location, obs->http.head.location, sizeof(location));
    td_fmt(rd->hop[0].url, sizeof(rd->hop[0].url), "%s://%s:%u%s",
           obs->plain_target ? "http" : "https", opt->host, (unsigned)opt->port, opt->path);
    rd->hop[0].status = status;
    td_strlcpy(rd->hop[0].location, location, sizeof(rd->hop[0].location));
    rd->n = 1;
    int scheme_https = !obs->plain_target;
    uint16_t cur_port = opt->port;
    while (status >= 300 && status < 400 && location[0] != '\0' && rd->n < TD_MAX_HOPS &&
           !out_of_time(obs, deadline)) {
        td_target_t t;
        if (location[0] == '/') {
            td_strlcpy(t.host, opt->host, sizeof(t.host));
            t.port = cur_port;
            td_strlcpy(t.path, location, sizeof(t.path));
            t.scheme_http = !scheme_https;
        } else if (td_target_parse(location, &t, NULL) < 0) {
            break;
        }
        if (strcasecmp(t.host, opt->host) != 0) {
            rd->left_host = 1;
            break;
        }
        if (t.port == 0) {
            t.port = t.scheme_http ? 80 : 443;
        }
        /* The same port as the target means the address we already use (--connect-to). */
        uint16_t port = t.port == opt->port ? connect_port : t.port;
        td_obs_redirects_t *h = rd;
        char url[300];
        td_fmt(url, sizeof(url), "%s://%s:%u%s", t.scheme_http ? "http" : "https", t.host,
               (unsigned)t.port, t.path);
        for (int i = 0; i < h->n; i++) {
            if (strcmp(h->hop[i].url, url) == 0) {
                h->loop = 1;
            }
        }
        td_strlcpy(h->hop[h->n].url, url, sizeof(h->hop[0].url));
        status = 0;
        location[0] = '\0';
        if (t.scheme_http) {
            td_obs_exchange_t x;
            td__exchange_path(TD_XCHG_PLAIN_HTTP, addr, port, NULL, opt->host, t.path,
                              step_dl(obs, "http", deadline, step), 0, &x);
            /* A head the server stopped sending (not our read limit) is no answer. */
            if (x.sniff.cls == TD_SNIFF_HTTP && (x.head.complete || x.end == TD_END_ENOUGH)) {
                status = x.head.status;
                td_strlcpy(location, x.head.location, sizeof(location));
            }
        } else {
            td_obs_tls_t tl;
            td_obs_http_t hh;
            td_tls_conn_t *c = NULL;
            td__tls_handshake(addr, port, sni, opt->host, TD_TLS_MODERN,
                              step_dl(obs, "http", deadline, step), &tl, &c);
            if (tl.ok && c != NULL) {
                td__tls_http_get(c, opt->host, t.port, t.path, step_dl(obs, "http", deadline, step),
                                 &hh);
                if (hh.result == TD_HTTP_OK) {
                    status = hh.head.status;
                    td_strlcpy(location, hh.head.location, sizeof(location));
                }
            }
            td__tls_conn_free(c);
        }
        h->hop[h->n].status = status;
        td_strlcpy(h->hop[h->n].location, location, sizeof(h->hop[0].location));
        h->n++;
        scheme_https = !t.scheme_http;
        cur_port = t.port;
        if (h->loop) {
            break;
        }
    }
}

static void progress(const td_options_t *opt, const char *step, const char *detail)
{
    if (opt->verbose > 0) {
        fprintf(stderr, "tlsdoctor: %-5s %s\n", step, detail);
    }
}

static bool out_of_time(td_obs_t *obs, double deadline)
{
    if (td_now_ms() >= deadline) {
        obs->deadline_hit = 1;
        if (obs->deadline_step == NULL) {
            obs->deadline_step = obs->cur_step != NULL ? obs->cur_step : "start";
        }
        return true;
    }
    return false;
}

/* The handshake matrix, after the diagnosis (it reads what the first hellos saw). It gets the
 * rest of the overall deadline; the matrix itself stops asking when that passes. */
static void run_matrix(const td_options_t *opt, td_obs_t *obs, const char *addr, uint16_t port,
                       const char *sni, double deadline, double step)
{
    char detail[96];
    if (out_of_time(obs, deadline)) {
        return;
    }
    progress(opt, "matrix", "versions, suites, groups, ALPN, SNI, client profiles");
    td__matrix_run(addr, port, sni, opt->host, opt->matrix_parallel, deadline, step, obs,
                   &obs->matrix);
    if (td_now_ms() >= deadline) {
        obs->deadline_hit = 1;
    }
    td_fmt(detail, sizeof(detail), "%d connections in %.0f ms", obs->matrix.connections,
           obs->matrix.ms);
    progress(opt, "matrix", detail);
}

/* An http:// target: a plain GET; its reply fills the HTTP layer as a TLS target's would. */
static void plain_target(const td_options_t *opt, td_obs_t *obs, const char *addr, uint16_t port,
                         double deadline, double step)
{
    td_obs_exchange_t *x = &obs->plain;
    td_obs_http_t *h = &obs->http;
    td__exchange_path(TD_XCHG_PLAIN_HTTP, addr, port, NULL, opt->host, opt->path,
                      step_dl(obs, "http", deadline, step), 0, x);
    progress(opt, "http", td_sniff_class_name(x->sniff.cls));
    if (!x->connected || x->sniff.cls == TD_SNIFF_TLS || x->sniff.cls == TD_SNIFF_SSLV2) {
        return; /* TLS on a plain-HTTP port: diagnose/ says so; no HTTP layer */
    }
    h->step = TD_STEP_DONE;
    h->received = x->received;
    h->ms = x->ms;
    h->ttfb_ms = x->first_byte_ms;
    h->alert = -1;
    td_strlcpy(h->first, x->sniff.printable, sizeof(h->first)); /* already escaped */
    h->head_bytes = x->received;
    h->head_complete = x->head.complete;
    h->head_end = x->end;
    if (x->sniff.cls == TD_SNIFF_HTTP && !x->head.complete && x->end != TD_END_ENOUGH) {
        h->result = TD_HTTP_HEAD_INCOMPLETE;
        h->head = x->head;
    } else if (x->sniff.cls == TD_SNIFF_HTTP) {
        h->result = TD_HTTP_OK;
        h->head = x->head;
        h->plain_http_page = x->sniff.plain_http_page;
        h->page_software = x->sniff.page_software;
        h->page_sign = x->sniff.page_sign;
        if (h->head.date[0] != '\0' && td_http_date_parse(h->head.date, &h->server_date) < 0) {
            h->server_date = 0;
        }
    } else if (x->received == 0) {
        h->result = x->end == TD_END_RESET     ? TD_HTTP_RESET
                    : x->end == TD_END_TIMEOUT ? TD_HTTP_TIMEOUT
                                               : TD_HTTP_EMPTY;
    } else {
        h->result = TD_HTTP_NON_HTTP;
    }
}

/* The small-segment retry of the first ClientHello, run in a thread beside it. */
struct mss_try {
    const char *addr;
    uint16_t port;
    const char *sni, *host;
    double deadline, delay_ms;
    atomic_int first_done;
    td_obs_exchange_t *out;
};

static void *mss_try_run(void *arg)
{
    struct mss_try *m = arg;
    double start = td_now_ms();
    /* Give the first attempt a head start: most servers answer within milliseconds, and a
     * second connection to them would be wasted. */
    while (!atomic_load(&m->first_done) && td_now_ms() - start < m->delay_ms) {
        /* 1 ms: the join after the first hello waits for this sleep to end. */
        struct timespec ts = { 0, 1000 * 1000 };
        (void)nanosleep(&ts, NULL);
    }
    if (!atomic_load(&m->first_done) && td_now_ms() < m->deadline) {
        td__exchange_mss(TD_XCHG_HELLO, m->addr, m->port, m->sni, m->host, m->deadline, 536,
                         m->out);
    }
    return NULL;
}

/* Real handshakes with the policy of the default_run profiles the local OpenSSL can be
 * (Python's cipher string and minimum; OpenSSL's defaults are the diagnosis' own handshake). */
static void client_handshakes(const td_options_t *opt, td_obs_t *obs, const char *addr,
                              uint16_t port, const char *sni, double deadline_ms)
{
    size_t n_profiles = 0;
    const td_client_profile_t *profiles = td_kb_clients(&n_profiles);
    /* Not obs->clients.n: td__clients_run may be filling it in another thread. */
    size_t n = n_profiles < TD_MX_MAX_CLIENTS ? n_profiles : TD_MX_MAX_CLIENTS;
    for (size_t i = 0; i < n && td_now_ms() < deadline_ms; i++) {
        const td_client_profile_t *p = &profiles[i];
        if (!p->default_run || p->openssl_ciphers == NULL ||
            (strcmp(p->openssl_ciphers, "DEFAULT") == 0 && p->openssl_min <= TD_V_TLS10)) {
            continue;
        }
        td_tls_conn_t *pc = NULL;
        td__tls_handshake_policy(addr, port, p->sends_sni ? sni : NULL, opt->host,
                                 p->openssl_ciphers, p->openssl_min, deadline_ms,
                                 &obs->clients.handshake[i], &pc);
        td__tls_conn_free(pc);
        obs->clients.handshake_ran[i] = 1;
    }
}

/* The side probes of a TLS port: short, independent of the main handshake, each writing only
 * its own observation. With --parallel above 1 each runs in its own thread beside the main
 * handshake (a path with latency then costs a few round trips instead of twenty); deadlines
 * are computed before they start, so no thread touches the shared step bookkeeping. */
struct side {
    const td_options_t *opt;
    td_obs_t *obs;
    const char *addr, *sni;
    uint16_t port;
    double dl_short, dl_step, deadline, step;
    bool plain, port80, tls12, nosni, clients;
    pthread_t th[6];
    bool started[6];
};

static void *side_plain(void *arg)
{
    struct side *d = arg;
    td__exchange(TD_XCHG_PLAIN_HTTP, d->addr, d->port, NULL, d->opt->host, d->dl_short,
                 &d->obs->plain);
    return NULL;
}

static void *side_port80(void *arg)
{
    struct side *d = arg;
    td__exchange(TD_XCHG_PLAIN_HTTP, d->addr, d->obs->http_port, NULL, d->opt->host, d->dl_short,
                 &d->obs->port80);
    return NULL;
}

static void *side_tls12(void *arg)
{
    struct side *d = arg;
    td__exchange(TD_XCHG_HELLO_TLS12, d->addr, d->port, d->sni, d->opt->host, d->dl_step,
                 &d->obs->tls12);
    return NULL;
}

static void *side_nosni(void *arg)
{
    struct side *d = arg;
    td_tls_conn_t *c = NULL;
    td__tls_handshake(d->addr, d->port, NULL, d->opt->host, TD_TLS_MODERN, d->dl_step,
                      &d->obs->nosni, &c);
    td__tls_conn_free(c);
    return NULL;
}

static void *side_clients(void *arg)
{
    struct side *d = arg;
    td__clients_run(d->addr, d->port, d->sni, d->opt->host, d->opt->matrix_parallel, d->deadline,
                    d->step, d->obs, &d->obs->clients);
    return NULL;
}

/* Beside the hellos, so that a server slow to answer them leaves the handshakes their time. */
static void *side_handshakes(void *arg)
{
    struct side *d = arg;
    client_handshakes(d->opt, d->obs, d->addr, d->port, d->sni, d->dl_step);
    return NULL;
}

static void side_start(struct side *d)
{
    void *(*const fn[6])(void *) = { side_plain, side_port80,  side_tls12,
                                     side_nosni, side_clients, side_handshakes };
    const bool on[6] = { d->plain, d->port80, d->tls12, d->nosni, d->clients, d->clients };
    for (int i = 0; i < 6; i++) {
        d->started[i] = false;
        if (on[i]) {
            d->started[i] = pthread_create(&d->th[i], NULL, fn[i], d) == 0;
            if (!d->started[i]) {
                (void)fn[i](d); /* no thread: do it here */
            }
        }
    }
}

static void side_join(struct side *d)
{
    for (int i = 0; i < 6; i++) {
        if (d->started[i]) {
            (void)pthread_join(d->th[i], NULL);
            d->started[i] = false;
        }
    }
}

int td__probe_all(const td_options_t *opt, td_obs_t *obs, td_errinfo_t *err)
{
    int rc = 0;
    X509_STORE *store = NULL;
    td_tls_conn_t *conn = NULL, *legacy_conn = NULL, *nosni_conn = NULL;
    double t0 = td_now_ms();
    double deadline = t0 + opt->timeout_s * 1000.0;
    double step = opt->step_timeout_s * 1000.0;
    char connect_host[256];
    uint16_t connect_port = opt->port;
    char detail[256];
    struct {
        bool concurrent;
        struct side d;
    } side = { .concurrent = false };

    /* obs arrives zeroed (td_diagnose callocs the report): no memset here, so that a diagnosis
     * in flight touches only the pages of what it observed (the fleet scan keeps thousands in
     * flight; 90 KiB of observations written as zeros per target would be most of its memory). */
    /* The quick profile (the fleet scan's): one handshake, the chain and the verdict. No side
     * probes, no second hello, no HTTP, no port 80, no other addresses, no client profiles, no
     * matrix; a failed handshake still gets the legacy retry that names the version. */
    const bool quick = opt->profile == TD_PROFILE_QUICK;
    obs->quick = quick;
    obs->started_ms = t0;
    obs->timeout_ms = opt->timeout_s * 1000.0;
    obs->step_timeout_ms = step;
    obs->tcp.chosen = -1;
    td_strlcpy(obs->host, opt->host, sizeof(obs->host));
    td_strlcpy(obs->path, opt->path, sizeof(obs->path));
    obs->port = opt->port;
    obs->host_is_ip = td__is_ip_literal(opt->host);
    obs->now = opt->now != 0 ? opt->now : (int64_t)time(NULL);
    if (opt->sni != NULL) {
        td_strlcpy(obs->sni, opt->sni, sizeof(obs->sni));
    } else if (!obs->host_is_ip) {
        td_strlcpy(obs->sni, opt->host, sizeof(obs->sni));
    }
    td_strlcpy(connect_host, opt->host, sizeof(connect_host));
    if (opt->connect_to != NULL) {
        td_target_t ct;
        if (td_target_parse(opt->connect_to, &ct, err) < 0) {
            td_errinfo_set(err, TD_E_USAGE, "invalid --connect-to '%s': expected ADDR[:PORT]",
                           opt->connect_to);
            return TD_E_USAGE;
        }
        td_strlcpy(connect_host, ct.host, sizeof(connect_host));
        if (ct.port != 0) {
            connect_port = ct.port;
        }
        td_strlcpy(obs->connect_to, opt->connect_to, sizeof(obs->connect_to));
    }
    TD_TRY_OUT(td__trust_store_load(opt->ca_file, opt->ca_pem, &store, err));
    td_strlcpy(obs->cert.store,
               opt->ca_pem != NULL    ? "in-memory"
               : opt->ca_file != NULL ? opt->ca_file
                                      : "system",
               sizeof(obs->cert.store));
    obs->cert.warn_days = opt->warn_days;

    /* What the name must resolve to, when the user said so. */
    if (opt->expect_addrs != NULL) {
        split_list(opt->expect_addrs, obs->dns.expect_addrs, &obs->dns.n_expect);
    }
    if (opt->expect_cname != NULL) {
        td_strlcpy(obs->dns.expect_cname, opt->expect_cname, sizeof(obs->dns.expect_cname));
    }

    /* DNS */
    if (opt->resolve != NULL && opt->connect_to == NULL) {
        obs->dns.step = TD_STEP_SKIPPED;
        obs->dns.skip_reason = "--resolve addresses";
        split_list(opt->resolve, obs->dns.addrs, &obs->dns.n_addrs);
        obs->dns.ok = obs->dns.n_addrs > 0;
        if (!obs->dns.ok) {
            td_errinfo_set(err, TD_E_USAGE, "--resolve needs ADDR[,ADDR...]");
            rc = TD_E_USAGE;
            goto out;
        }
    } else if (td__is_ip_literal(connect_host)) {
        obs->dns.step = TD_STEP_SKIPPED;
        obs->dns.skip_reason = opt->connect_to != NULL ? "--connect-to address" : "IP literal";
        obs->dns.ok = 1;
        obs->dns.n_addrs = 1;
        td_strlcpy(obs->dns.addrs[0], connect_host, sizeof(obs->dns.addrs[0]));
    } else {
        progress(opt, "dns", connect_host);
        rc = td__dns_resolve(connect_host, opt->dns_servers, step_dl(obs, "dns", deadline, step),
                             &obs->dns);
        if (rc == TD_E_USAGE) {
            td_errinfo_set(err, TD_E_USAGE,
                           "--dns-servers needs ADDR[:PORT][,ADDR[:PORT]...] (IPv6: [ADDR]:PORT)");
        }
        if (rc < 0) {
            goto out;
        }
        if (!obs->dns.ok) {
            goto out;
        }
    }

    /* TCP: every address, so that one dead backend behind a name is seen. */
    obs->tcp.step = TD_STEP_DONE;
    for (int i = 0; i < obs->dns.n_addrs && !out_of_time(obs, deadline); i++) {
        td_obs_tcp_attempt_t *a = &obs->tcp.a[obs->tcp.n++];
        int fd = -1;
        double s = td_now_ms();
        td_strlcpy(a->addr, obs->dns.addrs[i], sizeof(a->addr));
        a->port = connect_port;
        a->result = td__connect(a->addr, connect_port, step_dl(obs, "tcp", deadline, step), &fd,
                                &a->err);
        a->ms = td_now_ms() - s;
        td__close(fd);
        td_fmt(detail, sizeof(detail), "%s port %u: %s", a->addr, (unsigned)connect_port,
               td_tcp_result_name(a->result));
        progress(opt, "tcp", detail);
        if (a->result == TD_TCP_OK && obs->tcp.chosen < 0) {
            obs->tcp.chosen = i;
            if (quick) {
                break; /* the other addresses are not checked */
            }
        }
    }
    if (obs->tcp.chosen < 0 || out_of_time(obs, deadline)) {
        goto out;
    }
    const char *addr = obs->tcp.a[obs->tcp.chosen].addr;
    const char *sni = obs->sni[0] != '\0' ? obs->sni : NULL;

    /* An http:// target: what plain HTTP gets, and whether TLS answers there instead. */
    if (opt->plain_http) {
        obs->plain_target = 1;
        plain_target(opt, obs, addr, connect_port, deadline, step);
        if (obs->http.step == TD_STEP_DONE) {
            follow_redirects(opt, obs, addr, connect_port, sni, deadline, step);
        }
        goto out;
    }

    /* What answers on the port: our ClientHello. When nothing has come back after a short
     * while, the same hello goes out again with small segments (MSS 536) alongside, within the
     * same step deadline: if only that one gets the server's flight, full-size packets are lost
     * on the way back, an MTU black hole [failure-kb §6, §7.1]; a silent server gets its verdict
     * within one step timeout. */
    double hello_dl = step_dl(obs, "proto", deadline, step);
    struct mss_try mt = { .addr = addr,
                          .port = connect_port,
                          .sni = sni,
                          .host = opt->host,
                          .deadline = hello_dl,
                          .delay_ms = step / 4 < 1000 ? step / 4 : 1000,
                          .out = &obs->small_mss };
    atomic_init(&mt.first_done, 0);
    pthread_t mss_thread;
    bool mss_started = !quick && pthread_create(&mss_thread, NULL, mss_try_run, &mt) == 0;
    td__exchange(TD_XCHG_HELLO, addr, connect_port, sni, opt->host, hello_dl, &obs->sniff);
    atomic_store(&mt.first_done, 1);
    if (mss_started) {
        (void)pthread_join(mss_thread, NULL);
    }
    td_fmt(detail, sizeof(detail), "ClientHello answered by %s (%s)",
           td_sniff_class_name(obs->sniff.sniff.cls), td_read_end_name(obs->sniff.end));
    progress(opt, "proto", detail);
    bool stalled = obs->sniff.end == TD_END_TIMEOUT && !obs->sniff.flight.has_server_hello &&
                   (obs->sniff.received == 0 || obs->sniff.sniff.cls == TD_SNIFF_TLS);
    if (!stalled) {
        memset(&obs->small_mss, 0, sizeof(obs->small_mss)); /* only meaningful after a stall */
    } else if (obs->small_mss.step == TD_STEP_DONE) {
        td_fmt(detail, sizeof(detail), "again with MSS 536: %s, %zu bytes",
               td_read_end_name(obs->small_mss.end), obs->small_mss.received);
        progress(opt, "proto", detail);
    }
    if (out_of_time(obs, deadline)) {
        goto out;
    }
    /* What a CDN in Off / Flexible mode would get: plain HTTP on port 80 (or --http-port) of
     * the same address. */
    obs->http_port = opt->http_port != 0 ? opt->http_port : opt->port == 443 ? 80 : 0;
    /* A TLS port: the side probes run beside the main handshake unless --parallel 1 asks for
     * one connection at a time. */
    side.concurrent = !quick && obs->sniff.sniff.cls == TD_SNIFF_TLS && opt->matrix_parallel > 1;
    if (side.concurrent) {
        side.d = (struct side){
            .opt = opt,
            .obs = obs,
            .addr = addr,
            .sni = sni,
            .port = connect_port,
            .dl_short = step_dl(obs, "plain", deadline, step < 3000 ? step : 3000),
            .dl_step = step_dl(obs, "side", deadline, step),
            .deadline = deadline,
            .step = step,
            .plain = true,
            .port80 = obs->http_port != 0,
            .tls12 = obs->sniff.flight.has_server_hello && obs->sniff.flight.version == TD_V_TLS13,
            .nosni = sni != NULL,
            .clients = !opt->matrix
        };
        side_start(&side.d);
    }
    if (!quick && !side.concurrent &&
        !(obs->sniff.received == 0 && obs->sniff.end == TD_END_TIMEOUT)) {
        /* A silent port would only make us wait again. */
        td__exchange(TD_XCHG_PLAIN_HTTP, addr, connect_port, NULL, opt->host,
                     step_dl(obs, "plain", deadline, step < 3000 ? step : 3000), &obs->plain);
    }
    if (!quick && !side.concurrent && obs->http_port != 0 && !out_of_time(obs, deadline)) {
        td__exchange(TD_XCHG_PLAIN_HTTP, addr, obs->http_port, NULL, opt->host,
                     step_dl(obs, "port80", deadline, step < 3000 ? step : 3000), &obs->port80);
    }
    /* Our TLS 1.3-style hello refused without a word (reset, or closed with nothing back): a
     * TLS 1.2-style hello, as TLS 1.2-capped clients and proxies send (nginx before 1.23.4 to
     * its upstreams, AWS ALB to targets), tells whether those get through (proxies.c). */
    if (!quick && obs->sniff.received == 0 &&
        (obs->sniff.end == TD_END_RESET || obs->sniff.end == TD_END_EOF) &&
        !out_of_time(obs, deadline)) {
        td__exchange(TD_XCHG_HELLO_TLS12, addr, connect_port, sni, opt->host,
                     step_dl(obs, "tls12", deadline, step), &obs->tls12);
    }
    if (obs->sniff.sniff.cls != TD_SNIFF_TLS || out_of_time(obs, deadline)) {
        goto out;
    }
    if (!quick && !side.concurrent && obs->sniff.flight.has_server_hello &&
        obs->sniff.flight.version == TD_V_TLS13) {
        td__exchange(TD_XCHG_HELLO_TLS12, addr, connect_port, sni, opt->host,
                     step_dl(obs, "tls12", deadline, step), &obs->tls12);
    }

    /* TLS with OpenSSL. */
    td__tls_handshake(addr, connect_port, sni, opt->host, TD_TLS_MODERN,
                      step_dl(obs, "tls", deadline, step), &obs->tls, &conn);
    td_fmt(detail, sizeof(detail), "handshake %s %s %s", obs->tls.ok ? "ok" : "failed",
           obs->tls.version, obs->tls.ok ? obs->tls.cipher : obs->tls.ossl_text);
    progress(opt, "tls", detail);
    if (!obs->tls.ok && !obs->tls.timed_out && !out_of_time(obs, deadline)) {
        td__tls_handshake(addr, connect_port, sni, opt->host, TD_TLS_LEGACY,
                          step_dl(obs, "legacy", deadline, step), &obs->legacy, &legacy_conn);
        td_fmt(detail, sizeof(detail), "legacy handshake %s %s", obs->legacy.ok ? "ok" : "failed",
               obs->legacy.version);
        progress(opt, "tls", detail);
    }
    td_tls_conn_t *use = obs->tls.ok ? conn : obs->legacy.ok ? legacy_conn : NULL;
    STACK_OF(X509) *chain = td__tls_conn_chain(conn);
    obs->cert.source = "tls";
    if ((chain == NULL || sk_X509_num(chain) == 0) && legacy_conn != NULL) {
        chain = td__tls_conn_chain(legacy_conn);
        obs->cert.source = "tls_legacy";
    }
    if (chain != NULL && sk_X509_num(chain) > 0) {
        td__cert_examine(chain, store, opt->host, obs->now, &obs->cert);
        progress(opt, "cert", obs->cert.verify_text);
    }

    if (quick) {
        goto out; /* HTTP, other addresses and the no-SNI handshake are not checked */
    }
    /* HTTP over the established session. */
    if (use != NULL && !out_of_time(obs, deadline)) {
        td__tls_http_get(use, opt->host, opt->port, opt->path, step_dl(obs, "http", deadline, step),
                         &obs->http);
        td_fmt(detail, sizeof(detail), "%s status %d", td_http_result_name(obs->http.result),
               obs->http.head.status);
        progress(opt, "http", detail);
    }
    if (obs->http.step == TD_STEP_DONE) {
        follow_redirects(opt, obs, addr, connect_port, sni, deadline, step);
    }

    if (side.concurrent) {
        /* Hang up first: a server that serves one connection at a time (openssl s_server) is
         * still on ours, and the side probes wait behind it. */
        td__tls_conn_free(conn);
        td__tls_conn_free(legacy_conn);
        conn = legacy_conn = NULL;
        side_join(&side.d);
        side.concurrent = false;
        progress(opt, "tls", "side probes done (plain HTTP, TLS 1.2 hello, no SNI, clients)");
        if (!obs->tls.ok && !obs->legacy.ok) {
            memset(&obs->nosni, 0, sizeof(obs->nosni)); /* only meaningful beside a handshake */
        } else if (!obs->tls.ok && sni != NULL && !out_of_time(obs, deadline)) {
            /* Only the legacy handshake works: without SNI in that form too. */
            td__tls_handshake(addr, connect_port, NULL, opt->host, TD_TLS_LEGACY,
                              step_dl(obs, "nosni", deadline, step), &obs->nosni, &nosni_conn);
            td__tls_conn_free(nosni_conn);
            nosni_conn = NULL;
        }
    }

    /* The other addresses of the name: the same handshake, to catch one backend that differs. */
    for (int i = 0; i < obs->tcp.n && obs->n_peers < TD_MAX_ADDRS; i++) {
        if (i == obs->tcp.chosen || obs->tcp.a[i].result != TD_TCP_OK ||
            out_of_time(obs, deadline)) {
            continue;
        }
        td_obs_tls_t t;
        td_tls_conn_t *pc = NULL;
        td_obs_peer_t *p = &obs->peers[obs->n_peers++];
        td__tls_handshake(obs->tcp.a[i].addr, connect_port, sni, opt->host, TD_TLS_MODERN,
                          step_dl(obs, "peers", deadline, step), &t, &pc);
        td__tls_conn_free(pc);
        td_strlcpy(p->addr, obs->tcp.a[i].addr, sizeof(p->addr));
        p->ok = t.ok;
        p->alert = t.alert_received;
        td_strlcpy(p->version, t.version, sizeof(p->version));
        td_strlcpy(p->leaf_sha256, t.leaf_sha256, sizeof(p->leaf_sha256));
        td_strlcpy(p->leaf_subject, t.leaf_subject, sizeof(p->leaf_subject));
        p->leaf_matches_host = t.leaf_matches_host;
        td_strlcpy(p->error, t.ossl_text, sizeof(p->error));
    }

    /* Single-threaded servers serve one connection at a time: hang up first. */
    td__tls_conn_free(conn);
    td__tls_conn_free(legacy_conn);
    conn = legacy_conn = NULL;

    /* The same server without SNI: SNI-required servers and default certificates. */
    if (obs->nosni.step != TD_STEP_DONE && sni != NULL && (obs->tls.ok || obs->legacy.ok) &&
        !out_of_time(obs, deadline)) {
        td__tls_handshake(addr, connect_port, NULL, opt->host,
                          obs->tls.ok ? TD_TLS_MODERN : TD_TLS_LEGACY,
                          step_dl(obs, "nosni", deadline, step), &obs->nosni, &nosni_conn);
    }

    td__tls_conn_free(nosni_conn); /* a server that serves one connection at a time */
    nosni_conn = NULL;

out:
    if (side.concurrent) {
        side_join(&side.d); /* a path that left early: the side probes still finish */
    }
    td__tls_conn_free(conn);
    td__tls_conn_free(legacy_conn);
    td__tls_conn_free(nosni_conn);
    /* The matrix runs after the connections above are closed (a server that serves one at a
     * time, like openssl s_server, would otherwise not answer); when the port answered TLS, and
     * also when the first hello was closed or reset unanswered: older-style hellos may work
     * (version intolerance). Not after silence: every probe would wait for its deadline. */
    bool hello_refused = obs->sniff.connected && obs->sniff.received == 0 &&
                         (obs->sniff.end == TD_END_EOF || obs->sniff.end == TD_END_RESET);
    /* What real clients get, in every run: a few clients' own hellos, and a real handshake for
     * the clients the local OpenSSL can be (curl with the defaults is the handshake above).
     * Also when our first hello was refused: their own hellos may fare differently (a TLS
     * 1.2-only one past a TLS 1.3-intolerant box). Not after silence. */
    if (!quick && !opt->matrix && rc == 0 && obs->tcp.chosen >= 0 && !obs->plain_target &&
        obs->clients.step != TD_STEP_DONE &&
        (obs->sniff.sniff.cls == TD_SNIFF_TLS || hello_refused) && !out_of_time(obs, deadline)) {
        const char *caddr = obs->tcp.a[obs->tcp.chosen].addr;
        const char *csni = obs->sni[0] != '\0' ? obs->sni : NULL;
        td__clients_run(caddr, connect_port, csni, opt->host, opt->matrix_parallel, deadline, step,
                        obs, &obs->clients);
        client_handshakes(opt, obs, caddr, connect_port, csni,
                          step_dl(obs, "clients", deadline, step));
        td_fmt(detail, sizeof(detail), "%d connections for real clients' hellos",
               obs->clients.connections);
        progress(opt, "tls", detail);
    }

    if (!quick && opt->matrix && rc == 0 && obs->tcp.chosen >= 0 &&
        (obs->sniff.sniff.cls == TD_SNIFF_TLS || hello_refused)) {
        run_matrix(opt, obs, obs->tcp.a[obs->tcp.chosen].addr, connect_port,
                   obs->sni[0] != '\0' ? obs->sni : NULL, deadline, step);
    }
    if (opt->matrix && obs->matrix.step == TD_STEP_NOT_RUN) {
        obs->matrix.skip_reason = quick               ? "not checked (quick profile)"
                                  : obs->deadline_hit ? "the deadline passed before it could run"
                                                      : "no TLS answer on the port: nothing to ask";
    }
    X509_STORE_free(store);
    obs->total_ms = td_now_ms() - t0;
    return rc;
}

const char *td_http_result_name(td_http_result_t r)
{
    switch (r) {
    case TD_HTTP_OK:
        return "response";
    case TD_HTTP_EMPTY:
        return "empty";
    case TD_HTTP_NON_HTTP:
        return "non-http";
    case TD_HTTP_TIMEOUT:
        return "timeout";
    case TD_HTTP_RESET:
        return "reset";
    case TD_HTTP_TLS_ALERT:
        return "tls-alert";
    case TD_HTTP_WRITE_FAILED:
        return "write-failed";
    case TD_HTTP_HEAD_INCOMPLETE:
        return "head-incomplete";
    default:
        return "?";
    }
}
