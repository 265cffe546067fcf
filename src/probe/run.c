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
#include <errno.h>
#include <pthread.h>
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

/* ---- the probe context --------------------------------------------------------------------- */

/* The side probes of a TLS port: short, independent of the main handshake, each writing only
 * its own observation. With --parallel above 1 each runs in its own thread beside the main
 * handshake (a path with latency then costs a few round trips instead of twenty); deadlines
 * are computed before they start, so no thread touches the shared step bookkeeping. */
struct side {
    td_obs_t *obs;
    td_endpoint_t ep; /* the main connection's address, port, SNI and host */
    int parallel;
    double dl_short, dl_step, deadline, step;
    bool plain, port80, tls12, nosni, clients;
    pthread_t th[6];
    bool started[6];
};

/* What a line of the plan says about its step. */
enum {
    PLAN_FULL = 1u << TD_PROFILE_FULL,   /* the step runs in the full profile */
    PLAN_QUICK = 1u << TD_PROFILE_QUICK, /* ... in the quick profile */
    PLAN_ALL = PLAN_FULL | PLAN_QUICK,
    PLAN_CLOSING = 1u << 8,       /* runs after an early end too, in order, each once */
    PLAN_ONE_ADDR = 1u << 9,      /* tcp: the first address that accepts, not all of them */
    PLAN_NO_MSS_RETRY = 1u << 10, /* proto: no small-segment retry beside a stalled hello */
    PLAN_KEEP_CONN = 1u << 11     /* tcp: the chosen connection stays open for the handshake */
};

/* One target's run: what every step of the plan reads and writes. */
typedef struct probe {
    const td_options_t *opt;
    td_obs_t *obs;
    td_errinfo_t *err;
    int rc; /* < 0: an error that ends the run (the closing steps still run) */
    double t0, deadline, step;
    X509_STORE *store;
    char connect_host[256];
    int tcp_fd;       /* the TCP step's connection kept for the handshake (PLAN_KEEP_CONN), or -1 */
    td_endpoint_t ep; /* port, SNI and host from the start; the address from "tcp" on */
    td_tls_conn_t *conn, *legacy_conn, *nosni_conn;
    bool side_running;   /* the side probes run in their threads */
    unsigned step_flags; /* the running step's line of the plan (PLAN_*) */
    struct side side;
    char detail[256];
    size_t at; /* the plan's position, for a run that returns while a step waits */
    /* the quick profile's one connection while its handshake waits */
    td_tls_hs_t hs;
    bool hs_running;
    td_tls_capture_t cap;
} probe_t;

/* The deadline of one step named name: step_ms, cut by the overall deadline. Records the step,
 * and when the overall deadline cut it short (its timeout then says nothing of the server:
 * diagnose/ reports the deadline instead). */
static double step_dl(probe_t *p, const char *name, double step_ms)
{
    p->obs->cur_step = name;
    if (td_now_ms() + step_ms > p->deadline) {
        p->obs->shortened_step = name;
    }
    return td__step_deadline(p->deadline, step_ms);
}

/* The plain-HTTP probes get at most 3 s: a silent port would only make us wait. */
static double short_step(const probe_t *p)
{
    return p->step < 3000 ? p->step : 3000;
}

static bool out_of_time(probe_t *p)
{
    td_obs_t *obs = p->obs;
    if (td_now_ms() >= p->deadline) {
        obs->deadline_hit = 1;
        if (obs->deadline_step == NULL) {
            obs->deadline_step = obs->cur_step != NULL ? obs->cur_step : "start";
        }
        return true;
    }
    return false;
}

static void progress(const probe_t *p, const char *step, const char *detail)
{
    if (p->opt->verbose > 0) {
        fprintf(stderr, "tlsdoctor: %-5s %s\n", step, detail);
    }
}

/* p's endpoint with another port, SNI or path. */
static td_endpoint_t ep_with(const td_endpoint_t *ep, uint16_t port, const char *sni,
                             const char *path)
{
    td_endpoint_t e = *ep;
    e.port = port;
    e.sni = sni;
    e.path = path;
    return e;
}

/* Our first hello was closed or reset unanswered: older-style hellos may still work. */
static bool hello_refused(const td_obs_t *obs)
{
    return obs->sniff.connected && obs->sniff.received == 0 &&
           (obs->sniff.end == TD_END_EOF || obs->sniff.end == TD_END_RESET);
}

/* Follows 3xx answers on the same host (same address we connected to), up to TD_MAX_HOPS,
 * stopping when a URL repeats. Records hops only; diagnose/ judges loops and downgrades. */
static void follow_redirects(probe_t *p)
{
    const td_options_t *opt = p->opt;
    td_obs_t *obs = p->obs;
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
           !out_of_time(p)) {
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
        uint16_t port = t.port == opt->port ? p->ep.port : t.port;
        char url[300];
        td_fmt(url, sizeof(url), "%s://%s:%u%s", t.scheme_http ? "http" : "https", t.host,
               (unsigned)t.port, t.path);
        for (int i = 0; i < rd->n; i++) {
            if (strcmp(rd->hop[i].url, url) == 0) {
                rd->loop = 1;
            }
        }
        td_strlcpy(rd->hop[rd->n].url, url, sizeof(rd->hop[0].url));
        status = 0;
        location[0] = '\0';
        if (t.scheme_http) {
            td_obs_exchange_t x;
            const td_endpoint_t e = ep_with(&p->ep, port, NULL, t.path);
            td__xchg(&e, TD_XCHG_PLAIN_HTTP, step_dl(p, "http", p->step), &x);
            /* A head the server stopped sending (not our read limit) is no answer. */
            if (x.sniff.cls == TD_SNIFF_HTTP && (x.head.complete || x.end == TD_END_ENOUGH)) {
                status = x.head.status;
                td_strlcpy(location, x.head.location, sizeof(location));
            }
        } else {
            td_obs_tls_t tl;
            td_obs_http_t hh;
            td_tls_conn_t *c = NULL;
            const td_endpoint_t e = ep_with(&p->ep, port, p->ep.sni, NULL);
            td__tls_connect(&e, TD_TLS_MODERN, step_dl(p, "http", p->step), &tl, &c);
            if (tl.ok && c != NULL) {
                td__tls_http_get(c, opt->host, t.port, t.path, step_dl(p, "http", p->step), &hh);
                if (hh.result == TD_HTTP_OK) {
                    status = hh.head.status;
                    td_strlcpy(location, hh.head.location, sizeof(location));
                }
            }
            td__tls_conn_free(c);
        }
        rd->hop[rd->n].status = status;
        td_strlcpy(rd->hop[rd->n].location, location, sizeof(rd->hop[0].location));
        rd->n++;
        scheme_https = !t.scheme_http;
        cur_port = t.port;
        if (rd->loop) {
            break;
        }
    }
}

/* The small-segment retry of the first ClientHello, run in a thread beside it. */
struct mss_try {
    td_endpoint_t ep; /* the main hello's, with MSS 536 */
    double deadline, delay_ms;
    pthread_mutex_t lock;
    pthread_cond_t done_cond; /* signalled when the first hello is answered */
    bool first_done;
    td_obs_exchange_t *out;
};

static void *mss_try_run(void *arg)
{
    struct mss_try *m = arg;
    /* Give the first attempt a head start: most servers answer within milliseconds, and a
     * second connection to them would be wasted. One wait, woken by the first hello's end (a
     * fleet scan runs thousands of these: no polling). */
    struct timespec until;
    (void)clock_gettime(CLOCK_REALTIME, &until);
    long long ns = until.tv_nsec + (long long)(m->delay_ms * 1e6);
    until.tv_sec += (time_t)(ns / 1000000000LL);
    until.tv_nsec = (long)(ns % 1000000000LL);
    (void)pthread_mutex_lock(&m->lock);
    while (!m->first_done && pthread_cond_timedwait(&m->done_cond, &m->lock, &until) != ETIMEDOUT) {
    }
    bool first_done = m->first_done;
    (void)pthread_mutex_unlock(&m->lock);
    if (!first_done && td_now_ms() < m->deadline) {
        td__xchg(&m->ep, TD_XCHG_HELLO, m->deadline, m->out);
    }
    return NULL;
}

/* Real handshakes with the policy of the default_run profiles the local OpenSSL can be
 * (Python's cipher string and minimum; OpenSSL's defaults are the diagnosis' own handshake). */
static void client_handshakes(const td_endpoint_t *ep, td_obs_t *obs, double deadline_ms)
{
    size_t n_profiles = 0;
    const td_client_profile_t *profiles = td_kb_clients(&n_profiles);
    /* Not obs->clients.n: td__clients_run may be filling it in another thread. */
    size_t n = n_profiles < TD_MX_MAX_CLIENTS ? n_profiles : TD_MX_MAX_CLIENTS;
    for (size_t i = 0; i < n && td_now_ms() < deadline_ms; i++) {
        const td_client_profile_t *cp = &profiles[i];
        if (!cp->default_run || cp->openssl_ciphers == NULL ||
            (strcmp(cp->openssl_ciphers, "DEFAULT") == 0 && cp->openssl_min <= TD_V_TLS10)) {
            continue;
        }
        td_tls_conn_t *pc = NULL;
        const td_endpoint_t e = ep_with(ep, ep->port, cp->sends_sni ? ep->sni : NULL, NULL);
        td__tls_handshake_policy(&e, cp->openssl_ciphers, cp->openssl_min, deadline_ms,
                                 &obs->clients.handshake[i], &pc);
        td__tls_conn_free(pc);
        obs->clients.handshake_ran[i] = 1;
    }
}

static void *side_plain(void *arg)
{
    struct side *d = arg;
    const td_endpoint_t e = ep_with(&d->ep, d->ep.port, NULL, NULL);
    td__xchg(&e, TD_XCHG_PLAIN_HTTP, d->dl_short, &d->obs->plain);
    return NULL;
}

static void *side_port80(void *arg)
{
    struct side *d = arg;
    const td_endpoint_t e = ep_with(&d->ep, d->obs->http_port, NULL, NULL);
    td__xchg(&e, TD_XCHG_PLAIN_HTTP, d->dl_short, &d->obs->port80);
    return NULL;
}

static void *side_tls12(void *arg)
{
    struct side *d = arg;
    td__xchg(&d->ep, TD_XCHG_HELLO_TLS12, d->dl_step, &d->obs->tls12);
    return NULL;
}

static void *side_nosni(void *arg)
{
    struct side *d = arg;
    td_tls_conn_t *c = NULL;
    const td_endpoint_t e = ep_with(&d->ep, d->ep.port, NULL, NULL);
    td__tls_connect(&e, TD_TLS_MODERN, d->dl_step, &d->obs->nosni, &c);
    td__tls_conn_free(c);
    return NULL;
}

static void *side_clients(void *arg)
{
    struct side *d = arg;
    td__clients_run(&d->ep, d->parallel, d->deadline, d->step, d->obs, &d->obs->clients);
    return NULL;
}

/* Beside the hellos, so that a server slow to answer them leaves the handshakes their time. */
static void *side_handshakes(void *arg)
{
    struct side *d = arg;
    client_handshakes(&d->ep, d->obs, d->dl_step);
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

/* ---- the steps ----------------------------------------------------------------------------- */

/* What a step tells the plan: go on, or skip to the closing steps (the run ends early: no
 * address, no connection, not TLS, out of time, or p->rc < 0). */
/* STEP_WAIT: the step waits for p->hs.fd (p->hs.events) until p->hs.deadline_ms; the driver
 * runs it again after the wait, and it goes on where it stopped. */
typedef enum step_next { STEP_NEXT = 0, STEP_END, STEP_WAIT } step_next_t;

/* The trust store and what the user expects of the name. */
static step_next_t step_setup(probe_t *p)
{
    const td_options_t *opt = p->opt;
    td_obs_t *obs = p->obs;
    p->rc = td__trust_store_load(opt->ca_file, opt->ca_pem, &p->store, p->err);
    if (p->rc < 0) {
        return STEP_END;
    }
    /* What the name must resolve to, when the user said so. */
    if (opt->expect_addrs != NULL) {
        split_list(opt->expect_addrs, obs->dns.expect_addrs, &obs->dns.n_expect);
    }
    if (opt->expect_cname != NULL) {
        td_strlcpy(obs->dns.expect_cname, opt->expect_cname, sizeof(obs->dns.expect_cname));
    }
    return STEP_NEXT;
}

static step_next_t step_dns(probe_t *p)
{
    const td_options_t *opt = p->opt;
    td_obs_t *obs = p->obs;
    if (opt->resolve != NULL && opt->connect_to == NULL) {
        obs->dns.step = TD_STEP_SKIPPED;
        obs->dns.skip_reason = "--resolve addresses";
        split_list(opt->resolve, obs->dns.addrs, &obs->dns.n_addrs);
        obs->dns.ok = obs->dns.n_addrs > 0;
        if (!obs->dns.ok) {
            td_errinfo_set(p->err, TD_E_USAGE, "--resolve needs ADDR[,ADDR...]");
            p->rc = TD_E_USAGE;
            return STEP_END;
        }
    } else if (td__is_ip_literal(p->connect_host)) {
        obs->dns.step = TD_STEP_SKIPPED;
        obs->dns.skip_reason = opt->connect_to != NULL ? "--connect-to address" : "IP literal";
        obs->dns.ok = 1;
        obs->dns.n_addrs = 1;
        td_strlcpy(obs->dns.addrs[0], p->connect_host, sizeof(obs->dns.addrs[0]));
    } else {
        progress(p, "dns", p->connect_host);
        p->rc = td__dns_resolve(p->connect_host, opt->dns_servers, step_dl(p, "dns", p->step),
                                &obs->dns);
        if (p->rc == TD_E_USAGE) {
            td_errinfo_set(p->err, TD_E_USAGE,
                           "--dns-servers needs ADDR[:PORT][,ADDR[:PORT]...] (IPv6: [ADDR]:PORT)");
        }
        if (p->rc < 0 || !obs->dns.ok) {
            return STEP_END;
        }
    }
    return STEP_NEXT;
}

/* TCP to the addresses of the name, in order; all of them (but PLAN_ONE_ADDR), so that one dead
 * backend behind a name is seen. The first that connects is the one the later steps use. */
static step_next_t step_tcp(probe_t *p)
{
    td_obs_t *obs = p->obs;
    const bool first_only = (p->step_flags & PLAN_ONE_ADDR) != 0;
    const bool keep = (p->step_flags & PLAN_KEEP_CONN) != 0;
    obs->tcp.step = TD_STEP_DONE;
    for (int i = 0; i < obs->dns.n_addrs && !out_of_time(p); i++) {
        td_obs_tcp_attempt_t *a = &obs->tcp.a[obs->tcp.n++];
        int fd = -1;
        double s = td_now_ms();
        td_strlcpy(a->addr, obs->dns.addrs[i], sizeof(a->addr));
        a->port = p->ep.port;
        a->result = td__connect(a->addr, p->ep.port, step_dl(p, "tcp", p->step), &fd, &a->err);
        a->ms = td_now_ms() - s;
        if (keep && a->result == TD_TCP_OK && p->tcp_fd < 0) {
            p->tcp_fd = fd;
            fd = -1;
        }
        td__close(fd);
        td_fmt(p->detail, sizeof(p->detail), "%s port %u: %s", a->addr, (unsigned)p->ep.port,
               td_tcp_result_name(a->result));
        progress(p, "tcp", p->detail);
        if (a->result == TD_TCP_OK && obs->tcp.chosen < 0) {
            obs->tcp.chosen = i;
            p->ep.addr = a->addr;
            if (first_only) {
                break;
            }
        }
    }
    return obs->tcp.chosen < 0 || out_of_time(p) ? STEP_END : STEP_NEXT;
}

/* An http:// target: a plain GET; its reply fills the HTTP layer as a TLS target's would, and
 * says whether TLS answers there instead. The run ends here for such a target. */
static step_next_t step_plain_target(probe_t *p)
{
    const td_options_t *opt = p->opt;
    td_obs_t *obs = p->obs;
    if (!opt->plain_http) {
        return STEP_NEXT;
    }
    td__close(p->tcp_fd); /* a plain GET makes its own connection */
    p->tcp_fd = -1;
    obs->plain_target = 1;
    td_obs_exchange_t *x = &obs->plain;
    td_obs_http_t *h = &obs->http;
    const td_endpoint_t e = ep_with(&p->ep, p->ep.port, NULL, opt->path);
    td__xchg(&e, TD_XCHG_PLAIN_HTTP, step_dl(p, "http", p->step), x);
    progress(p, "http", td_sniff_class_name(x->sniff.cls));
    if (!x->connected || x->sniff.cls == TD_SNIFF_TLS || x->sniff.cls == TD_SNIFF_SSLV2) {
        return STEP_END; /* TLS on a plain-HTTP port: diagnose/ says so; no HTTP layer */
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
    follow_redirects(p);
    return STEP_END;
}

/* What answers on the port: our ClientHello. Unless PLAN_NO_MSS_RETRY, when nothing has come
 * back after a short while, the same hello goes out again with small segments (MSS 536) alongside,
 * within the same step deadline: if only that one gets the server's flight, full-size packets are
 * lost on the way back, an MTU black hole [failure-kb §6, §7.1]; a silent server gets its verdict
 * within one step timeout. */
static step_next_t step_hello(probe_t *p)
{
    const td_options_t *opt = p->opt;
    const bool mss_retry = (p->step_flags & PLAN_NO_MSS_RETRY) == 0;
    td_obs_t *obs = p->obs;
    double hello_dl = step_dl(p, "proto", p->step);
    struct mss_try mt = { .ep = p->ep,
                          .deadline = hello_dl,
                          .delay_ms = p->step / 4 < 1000 ? p->step / 4 : 1000,
                          .out = &obs->small_mss };
    mt.ep.mss = 536;
    (void)pthread_mutex_init(&mt.lock, NULL);
    (void)pthread_cond_init(&mt.done_cond, NULL);
    pthread_t mss_thread;
    bool mss_started = mss_retry && pthread_create(&mss_thread, NULL, mss_try_run, &mt) == 0;
    td__xchg(&p->ep, TD_XCHG_HELLO, hello_dl, &obs->sniff);
    (void)pthread_mutex_lock(&mt.lock);
    mt.first_done = true;
    (void)pthread_cond_signal(&mt.done_cond);
    (void)pthread_mutex_unlock(&mt.lock);
    if (mss_started) {
        (void)pthread_join(mss_thread, NULL);
    }
    (void)pthread_cond_destroy(&mt.done_cond);
    (void)pthread_mutex_destroy(&mt.lock);
    td_fmt(p->detail, sizeof(p->detail), "ClientHello answered by %s (%s)",
           td_sniff_class_name(obs->sniff.sniff.cls), td_read_end_name(obs->sniff.end));
    progress(p, "proto", p->detail);
    bool stalled = obs->sniff.end == TD_END_TIMEOUT && !obs->sniff.flight.has_server_hello &&
                   (obs->sniff.received == 0 || obs->sniff.sniff.cls == TD_SNIFF_TLS);
    if (!stalled) {
        memset(&obs->small_mss, 0, sizeof(obs->small_mss)); /* only meaningful after a stall */
    } else if (obs->small_mss.step == TD_STEP_DONE) {
        td_fmt(p->detail, sizeof(p->detail), "again with MSS 536: %s, %zu bytes",
               td_read_end_name(obs->small_mss.end), obs->small_mss.received);
        progress(p, "proto", p->detail);
    }
    if (out_of_time(p)) {
        return STEP_END;
    }
    /* What a CDN in Off / Flexible mode would get: plain HTTP on port 80 (or --http-port) of
     * the same address. */
    obs->http_port = opt->http_port != 0 ? opt->http_port : opt->port == 443 ? 80 : 0;
    return STEP_NEXT;
}

/* A TLS port: the side probes run beside the main handshake unless --parallel 1 asks for one
 * connection at a time (then the steps below run them in turn). */
static step_next_t step_side_start(probe_t *p)
{
    const td_options_t *opt = p->opt;
    td_obs_t *obs = p->obs;
    p->side_running = obs->sniff.sniff.cls == TD_SNIFF_TLS && opt->matrix_parallel > 1;
    if (p->side_running) {
        double dl_short = step_dl(p, "plain", short_step(p));
        double dl_step = step_dl(p, "side", p->step);
        p->side = (struct side){ .obs = obs,
                                 .ep = p->ep,
                                 .parallel = opt->matrix_parallel,
                                 .dl_short = dl_short,
                                 .dl_step = dl_step,
                                 .deadline = p->deadline,
                                 .step = p->step,
                                 .plain = true,
                                 .port80 = obs->http_port != 0,
                                 .tls12 = obs->sniff.flight.has_server_hello &&
                                          obs->sniff.flight.version == TD_V_TLS13,
                                 .nosni = p->ep.sni != NULL,
                                 .clients = !opt->matrix };
        side_start(&p->side);
    }
    return STEP_NEXT;
}

/* Plain HTTP on the TLS port (a silent port would only make us wait again). */
static step_next_t step_plain(probe_t *p)
{
    td_obs_t *obs = p->obs;
    if (!p->side_running && !(obs->sniff.received == 0 && obs->sniff.end == TD_END_TIMEOUT)) {
        const td_endpoint_t e = ep_with(&p->ep, p->ep.port, NULL, NULL);
        td__xchg(&e, TD_XCHG_PLAIN_HTTP, step_dl(p, "plain", short_step(p)), &obs->plain);
    }
    return STEP_NEXT;
}

static step_next_t step_port80(probe_t *p)
{
    td_obs_t *obs = p->obs;
    if (!p->side_running && obs->http_port != 0 && !out_of_time(p)) {
        const td_endpoint_t e = ep_with(&p->ep, obs->http_port, NULL, NULL);
        td__xchg(&e, TD_XCHG_PLAIN_HTTP, step_dl(p, "port80", short_step(p)), &obs->port80);
    }
    return STEP_NEXT;
}

/* Our TLS 1.3-style hello refused without a word (reset, or closed with nothing back): a TLS
 * 1.2-style hello, as TLS 1.2-capped clients and proxies send (nginx before 1.23.4 to its
 * upstreams, AWS ALB to targets), tells whether those get through (proxies.c). */
static step_next_t step_tls12_after_refusal(probe_t *p)
{
    td_obs_t *obs = p->obs;
    if (obs->sniff.received == 0 &&
        (obs->sniff.end == TD_END_RESET || obs->sniff.end == TD_END_EOF) && !out_of_time(p)) {
        td__xchg(&p->ep, TD_XCHG_HELLO_TLS12, step_dl(p, "tls12", p->step), &obs->tls12);
    }
    return STEP_NEXT;
}

/* The layers below need TLS on the port. */
static step_next_t step_tls_gate(probe_t *p)
{
    return p->obs->sniff.sniff.cls != TD_SNIFF_TLS || out_of_time(p) ? STEP_END : STEP_NEXT;
}

/* A TLS 1.3 server: does a TLS 1.2-only hello get through too? */
static step_next_t step_tls12(probe_t *p)
{
    td_obs_t *obs = p->obs;
    if (!p->side_running && obs->sniff.flight.has_server_hello &&
        obs->sniff.flight.version == TD_V_TLS13) {
        td__xchg(&p->ep, TD_XCHG_HELLO_TLS12, step_dl(p, "tls12", p->step), &obs->tls12);
    }
    return STEP_NEXT;
}

/* After a failed handshake that is not a timeout, once more with every old version and cipher
 * allowed, which names what the server insists on. */
static step_next_t step_legacy(probe_t *p)
{
    td_obs_t *obs = p->obs;
    if (!obs->tls.ok && !obs->tls.timed_out && !out_of_time(p)) {
        td__tls_connect(&p->ep, TD_TLS_LEGACY, step_dl(p, "legacy", p->step), &obs->legacy,
                        &p->legacy_conn);
        td_fmt(p->detail, sizeof(p->detail), "legacy handshake %s %s",
               obs->legacy.ok ? "ok" : "failed", obs->legacy.version);
        progress(p, "tls", p->detail);
    }
    return STEP_NEXT;
}

static void handshake_progress(probe_t *p)
{
    td_obs_t *obs = p->obs;
    td_fmt(p->detail, sizeof(p->detail), "handshake %s %s %s", obs->tls.ok ? "ok" : "failed",
           obs->tls.version, obs->tls.ok ? obs->tls.cipher : obs->tls.ossl_text);
    progress(p, "tls", p->detail);
}

/* TLS with OpenSSL, then the legacy retry after a failure. */
static step_next_t step_handshake(probe_t *p)
{
    td__tls_connect(&p->ep, TD_TLS_MODERN, step_dl(p, "tls", p->step), &p->obs->tls, &p->conn);
    handshake_progress(p);
    return step_legacy(p);
}

/* Bytes of the server's reply kept from the one connection (a TLS 1.2 flight with an RSA
 * chain is 3-5 KiB; more is counted, not kept: the facts are in its first records). */
#define ONE_CONN_CAPTURE (8 * 1024)

/* One connection for the protocol and TLS layers (the quick profile): OpenSSL's handshake,
 * recording what the server sent, which then stands for our hello's reply (classified and
 * parsed the same way: the ServerHello's version, suite, group, extensions, ALPN). When the
 * handshake fails the raw hello runs after it (step_hello_unless_seen): there its facts (a
 * reset, an alert, plain HTTP, a malformed flight) name the cause. Not after silence: the
 * silence is the fact, the step deadline is spent, and our hello would only wait again. */
static step_next_t step_one_connection(probe_t *p)
{
    td_obs_t *obs = p->obs;
    int more;
    if (!p->hs_running) {
        p->cap = (td_tls_capture_t){ .fd = p->tcp_fd, .cap = ONE_CONN_CAPTURE };
        p->tcp_fd = -1; /* handed over */
        more = td__tls_hs_begin_capture(&p->hs, &p->ep, step_dl(p, "tls", p->step), &obs->tls,
                                        &p->conn, &p->cap);
    } else {
        more = td__tls_hs_continue(&p->hs);
    }
    p->hs_running = more != 0;
    if (more) {
        return STEP_WAIT;
    }
    td_tls_capture_t *cap = &p->cap;
    handshake_progress(p);
    bool silent =
            !obs->tls.ok && obs->tls.timed_out && obs->tls.connect_ms >= 0 && cap->received == 0;
    if (obs->tls.ok) {
        td__xchg_from_handshake(cap, &obs->tls, TD_END_ENOUGH, &obs->sniff);
    } else if (silent) {
        /* No byte back to the hello: what the protocol step would have seen. The step's name
         * follows (a deadline in it is the protocol step's), and the handshake is not
         * reported as run: it sent its hello and got nothing, the facts above. */
        td__xchg_from_handshake(cap, &obs->tls, TD_END_TIMEOUT, &obs->sniff);
        obs->cur_step = "proto";
        if (obs->shortened_step != NULL && strcmp(obs->shortened_step, "tls") == 0) {
            obs->shortened_step = "proto";
        }
        memset(&obs->tls, 0, sizeof(obs->tls));
        td__tls_conn_free(p->conn);
        p->conn = NULL;
    }
    td_free(cap->buf);
    cap->buf = NULL;
    return STEP_NEXT;
}

/* Our own hello, unless the protocol facts are already in (step_one_connection). */
static step_next_t step_hello_unless_seen(probe_t *p)
{
    return p->obs->sniff.step == TD_STEP_DONE ? STEP_NEXT : step_hello(p);
}

/* The chain the server sent, checked against the trust store. */
static step_next_t step_cert(probe_t *p)
{
    td_obs_t *obs = p->obs;
    STACK_OF(X509) *chain = td__tls_conn_chain(p->conn);
    obs->cert.source = "tls";
    if ((chain == NULL || sk_X509_num(chain) == 0) && p->legacy_conn != NULL) {
        chain = td__tls_conn_chain(p->legacy_conn);
        obs->cert.source = "tls_legacy";
    }
    if (chain != NULL && sk_X509_num(chain) > 0) {
        td__cert_examine(chain, p->store, p->opt->host, obs->now, &obs->cert);
        progress(p, "cert", obs->cert.verify_text);
    }
    return STEP_NEXT;
}

/* HTTP over the established session, then its redirects. */
static step_next_t step_http(probe_t *p)
{
    const td_options_t *opt = p->opt;
    td_obs_t *obs = p->obs;
    td_tls_conn_t *use = obs->tls.ok ? p->conn : obs->legacy.ok ? p->legacy_conn : NULL;
    if (use != NULL && !out_of_time(p)) {
        td__tls_http_get(use, opt->host, opt->port, opt->path, step_dl(p, "http", p->step),
                         &obs->http);
        td_fmt(p->detail, sizeof(p->detail), "%s status %d", td_http_result_name(obs->http.result),
               obs->http.head.status);
        progress(p, "http", p->detail);
    }
    if (obs->http.step == TD_STEP_DONE) {
        follow_redirects(p);
    }
    return STEP_NEXT;
}

/* Hang up first: a server that serves one connection at a time (openssl s_server) is still on
 * ours, and the side probes wait behind it. */
static void hang_up(probe_t *p)
{
    td__tls_conn_free(p->conn);
    td__tls_conn_free(p->legacy_conn);
    p->conn = p->legacy_conn = NULL;
}

static step_next_t step_side_join(probe_t *p)
{
    td_obs_t *obs = p->obs;
    if (!p->side_running) {
        return STEP_NEXT;
    }
    hang_up(p);
    side_join(&p->side);
    p->side_running = false;
    progress(p, "tls", "side probes done (plain HTTP, TLS 1.2 hello, no SNI, clients)");
    if (!obs->tls.ok && !obs->legacy.ok) {
        memset(&obs->nosni, 0, sizeof(obs->nosni)); /* only meaningful beside a handshake */
    } else if (!obs->tls.ok && p->ep.sni != NULL && !out_of_time(p)) {
        /* Only the legacy handshake works: without SNI in that form too. */
        const td_endpoint_t e = ep_with(&p->ep, p->ep.port, NULL, NULL);
        td__tls_connect(&e, TD_TLS_LEGACY, step_dl(p, "nosni", p->step), &obs->nosni,
                        &p->nosni_conn);
        td__tls_conn_free(p->nosni_conn);
        p->nosni_conn = NULL;
    }
    return STEP_NEXT;
}

/* The other addresses of the name: the same handshake, to catch one backend that differs. */
static step_next_t step_peers(probe_t *p)
{
    td_obs_t *obs = p->obs;
    for (int i = 0; i < obs->tcp.n && obs->n_peers < TD_MAX_ADDRS; i++) {
        if (i == obs->tcp.chosen || obs->tcp.a[i].result != TD_TCP_OK || out_of_time(p)) {
            continue;
        }
        td_obs_tls_t t;
        td_tls_conn_t *pc = NULL;
        td_obs_peer_t *peer = &obs->peers[obs->n_peers++];
        td_endpoint_t e = p->ep;
        e.addr = obs->tcp.a[i].addr;
        td__tls_connect(&e, TD_TLS_MODERN, step_dl(p, "peers", p->step), &t, &pc);
        td__tls_conn_free(pc);
        td_strlcpy(peer->addr, obs->tcp.a[i].addr, sizeof(peer->addr));
        peer->ok = t.ok;
        peer->alert = t.alert_received;
        td_strlcpy(peer->version, t.version, sizeof(peer->version));
        td_strlcpy(peer->leaf_sha256, t.leaf_sha256, sizeof(peer->leaf_sha256));
        td_strlcpy(peer->leaf_subject, t.leaf_subject, sizeof(peer->leaf_subject));
        peer->leaf_matches_host = t.leaf_matches_host;
        td_strlcpy(peer->error, t.ossl_text, sizeof(peer->error));
    }
    /* Single-threaded servers serve one connection at a time: hang up before the next. */
    hang_up(p);
    return STEP_NEXT;
}

/* The same server without SNI: SNI-required servers and default certificates. */
static step_next_t step_nosni(probe_t *p)
{
    td_obs_t *obs = p->obs;
    if (obs->nosni.step != TD_STEP_DONE && p->ep.sni != NULL && (obs->tls.ok || obs->legacy.ok) &&
        !out_of_time(p)) {
        const td_endpoint_t e = ep_with(&p->ep, p->ep.port, NULL, NULL);
        td__tls_connect(&e, obs->tls.ok ? TD_TLS_MODERN : TD_TLS_LEGACY,
                        step_dl(p, "nosni", p->step), &obs->nosni, &p->nosni_conn);
    }
    td__tls_conn_free(p->nosni_conn); /* a server that serves one connection at a time */
    p->nosni_conn = NULL;
    return STEP_NEXT;
}

/* Closing: a run that ended early still waits for its side probes; every connection closes
 * before the clients and the matrix run (a server that serves one at a time, like openssl
 * s_server, would otherwise not answer them). */
static step_next_t step_close(probe_t *p)
{
    if (p->side_running) {
        side_join(&p->side);
        p->side_running = false;
    }
    hang_up(p);
    td__tls_conn_free(p->nosni_conn);
    p->nosni_conn = NULL;
    td__close(p->tcp_fd);
    p->tcp_fd = -1;
    /* Which store verified and the warning window: written last, not in step_setup, so that
     * a diagnosis waiting for its server has not yet touched the report's certificate pages
     * (see td_obs_t; nothing reads them before the judge). */
    const td_options_t *opt = p->opt;
    td_strlcpy(p->obs->cert.store,
               opt->ca_pem != NULL    ? "in-memory"
               : opt->ca_file != NULL ? opt->ca_file
                                      : "system",
               sizeof(p->obs->cert.store));
    p->obs->cert.warn_days = opt->warn_days;
    return STEP_NEXT;
}

/* What real clients get, in every run: a few clients' own hellos, and a real handshake for the
 * clients the local OpenSSL can be (curl with the defaults is the handshake above). Also when
 * our first hello was refused: their own hellos may fare differently (a TLS 1.2-only one past
 * a TLS 1.3-intolerant box). Not after silence. */
static step_next_t step_clients(probe_t *p)
{
    const td_options_t *opt = p->opt;
    td_obs_t *obs = p->obs;
    if (!opt->matrix && p->rc == 0 && obs->tcp.chosen >= 0 && !obs->plain_target &&
        obs->clients.step != TD_STEP_DONE &&
        (obs->sniff.sniff.cls == TD_SNIFF_TLS || hello_refused(obs)) && !out_of_time(p)) {
        td__clients_run(&p->ep, opt->matrix_parallel, p->deadline, p->step, obs, &obs->clients);
        client_handshakes(&p->ep, obs, step_dl(p, "clients", p->step));
        td_fmt(p->detail, sizeof(p->detail), "%d connections for real clients' hellos",
               obs->clients.connections);
        progress(p, "tls", p->detail);
    }
    return STEP_NEXT;
}

/* The handshake matrix, after the diagnosis (it reads what the first hellos saw), when the
 * port answered TLS or refused our first hello (version intolerance); not after silence:
 * every probe would wait for its deadline. It gets the rest of the overall deadline. */
static step_next_t step_matrix(probe_t *p)
{
    const td_options_t *opt = p->opt;
    td_obs_t *obs = p->obs;
    if (!opt->matrix || p->rc != 0 || obs->tcp.chosen < 0 ||
        !(obs->sniff.sniff.cls == TD_SNIFF_TLS || hello_refused(obs)) || out_of_time(p)) {
        return STEP_NEXT;
    }
    progress(p, "matrix", "versions, suites, groups, ALPN, SNI, client profiles");
    td__matrix_run(&p->ep, opt->matrix_parallel, p->deadline, p->step, obs, &obs->matrix);
    if (td_now_ms() >= p->deadline) {
        obs->deadline_hit = 1;
    }
    td_fmt(p->detail, sizeof(p->detail), "%d connections in %.0f ms", obs->matrix.connections,
           obs->matrix.ms);
    progress(p, "matrix", p->detail);
    return STEP_NEXT;
}

static step_next_t step_matrix_skipped(probe_t *p)
{
    td_obs_t *obs = p->obs;
    if (p->opt->matrix && obs->matrix.step == TD_STEP_NOT_RUN) {
        obs->matrix.skip_reason = p->opt->profile == TD_PROFILE_QUICK
                                          ? "not checked (quick profile)"
                                  : obs->deadline_hit ? "the deadline passed before it could run"
                                                      : "no TLS answer on the port: nothing to ask";
    }
    return STEP_NEXT;
}

/* ---- the plan ------------------------------------------------------------------------------ */

typedef struct plan_step {
    const char *name;
    unsigned flags;
    step_next_t (*run)(probe_t *p);
} plan_step_t;

/* The diagnosis, layer by layer. A step that ends the run early (STEP_END) skips to the closing
 * steps. The quick profile (the fleet scan's) is the steps marked for it: one handshake, the
 * chain and the verdict, over one connection when the handshake completes (its bytes stand for
 * our hello's reply; our own hello runs only after a failure); no side probes, no second hello, no
 * HTTP, no port 80, no other addresses, no client profiles, no matrix; a failed handshake still
 * gets the legacy retry that names the version. A new probe is one step here. */
static const plan_step_t plan[] = {
    { "setup", PLAN_ALL, step_setup },
    { "dns", PLAN_ALL, step_dns },
    { "tcp", PLAN_FULL, step_tcp },
    { "tcp", PLAN_QUICK | PLAN_ONE_ADDR | PLAN_KEEP_CONN, step_tcp },
    { "plain_target", PLAN_ALL, step_plain_target },
    { "proto", PLAN_FULL, step_hello },
    { "tls", PLAN_QUICK, step_one_connection },
    { "proto", PLAN_QUICK | PLAN_NO_MSS_RETRY, step_hello_unless_seen },
    { "side", PLAN_FULL, step_side_start },
    { "plain", PLAN_FULL, step_plain },
    { "port80", PLAN_FULL, step_port80 },
    { "tls12", PLAN_FULL, step_tls12_after_refusal },
    { "tls_gate", PLAN_ALL, step_tls_gate },
    { "tls12", PLAN_FULL, step_tls12 },
    { "tls", PLAN_FULL, step_handshake },
    { "legacy", PLAN_QUICK, step_legacy },
    { "cert", PLAN_ALL, step_cert },
    { "http", PLAN_FULL, step_http },
    { "side", PLAN_FULL, step_side_join },
    { "peers", PLAN_FULL, step_peers },
    { "nosni", PLAN_FULL, step_nosni },
    { "close", PLAN_ALL | PLAN_CLOSING, step_close },
    { "clients", PLAN_FULL | PLAN_CLOSING, step_clients },
    { "matrix", PLAN_FULL | PLAN_CLOSING, step_matrix },
    { "matrix", PLAN_ALL | PLAN_CLOSING, step_matrix_skipped },
};

/* The run's fixed facts: target, SNI, where to connect. Returns 0 or TD_E_USAGE. */
static int probe_init(probe_t *p, const td_options_t *opt, td_obs_t *obs, td_errinfo_t *err)
{
    memset(p, 0, sizeof(*p));
    /* obs arrives zeroed (td_diagnose callocs the report): no memset here, so that a diagnosis
     * in flight touches only the pages of what it observed (the fleet scan keeps thousands in
     * flight; 90 KiB of observations written as zeros per target would be most of its memory). */
    p->opt = opt;
    p->obs = obs;
    p->err = err;
    p->tcp_fd = -1;
    p->t0 = td_now_ms();
    p->deadline = p->t0 + opt->timeout_s * 1000.0;
    p->step = opt->step_timeout_s * 1000.0;
    obs->quick = opt->profile == TD_PROFILE_QUICK;
    obs->started_ms = p->t0;
    obs->timeout_ms = opt->timeout_s * 1000.0;
    obs->step_timeout_ms = p->step;
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
    p->ep.port = opt->port;
    p->ep.sni = obs->sni[0] != '\0' ? obs->sni : NULL;
    p->ep.host = opt->host;
    td_strlcpy(p->connect_host, opt->host, sizeof(p->connect_host));
    if (opt->connect_to != NULL) {
        td_target_t ct;
        if (td_target_parse(opt->connect_to, &ct, err) < 0) {
            td_errinfo_set(err, TD_E_USAGE, "invalid --connect-to '%s': expected ADDR[:PORT]",
                           opt->connect_to);
            return TD_E_USAGE;
        }
        td_strlcpy(p->connect_host, ct.host, sizeof(p->connect_host));
        if (ct.port != 0) {
            p->ep.port = ct.port;
        }
        td_strlcpy(obs->connect_to, opt->connect_to, sizeof(obs->connect_to));
    }
    return 0;
}

int td__probe_begin(const td_options_t *opt, td_obs_t *obs, td_errinfo_t *err, td_probe_t **out)
{
    *out = NULL;
    probe_t *p = td_malloc(sizeof(*p));
    if (p == NULL) {
        td_errinfo_set(err, TD_E_NOMEM, "out of memory");
        return TD_E_NOMEM;
    }
    int rc = probe_init(p, opt, obs, err);
    if (rc < 0) {
        td_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

int td__probe_resume(probe_t *p, td_probe_wait_t *w)
{
    const unsigned profile = p->opt->profile == TD_PROFILE_QUICK ? PLAN_QUICK : PLAN_FULL;
    const size_t n = sizeof(plan) / sizeof(plan[0]);
    for (; p->at < n && !(plan[p->at].flags & PLAN_CLOSING); p->at++) {
        p->step_flags = plan[p->at].flags;
        if (!(plan[p->at].flags & profile)) {
            continue;
        }
        step_next_t r = plan[p->at].run(p);
        if (r == STEP_WAIT) {
            w->fd = p->hs.fd;
            w->events = p->hs.events;
            w->deadline_ms = p->hs.deadline_ms;
            return 1;
        }
        if (r == STEP_END) {
            break;
        }
    }
    for (; p->at < n; p->at++) { /* the closing steps, which never wait */
        p->step_flags = plan[p->at].flags;
        if ((plan[p->at].flags & PLAN_CLOSING) && (plan[p->at].flags & profile)) {
            (void)plan[p->at].run(p);
        }
    }
    return 0;
}

int td__probe_end(probe_t *p)
{
    X509_STORE_free(p->store);
    p->obs->total_ms = td_now_ms() - p->t0;
    int rc = p->rc;
    td_free(p);
    return rc;
}

void td__wait_ready(const td_probe_wait_t *w)
{
    td__wait_fd(w->fd, w->events, w->deadline_ms);
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
