/* proxies.c: what each proxy or CDN in front of the diagnosed origin would show, and the
 * recommended mode. Judged from observations and findings only; no I/O. Facts: Cloudflare
 * modes [CFFLEX][CFFULL][CFSTRICT][CFSSLONLY][CF520..CF526], AWS ALB [ALB-TG][ALB-TS]
 * [ISTIO-31421], nginx [NGX-SRC proxy_ssl_*], HAProxy [HAP-CHK] (../shared/failure-kb.md). */
#include "diagnose.h"

#include "../kb/kb.h"
#include "../kb/proxies.h"
#include "../wire/tls_codec.h"

#include <string.h>

/* Whether any finding has the fact (a TD_PF_* bit from its rule). */
static bool has_fact(const td_report_t *r, unsigned fact)
{
    for (size_t i = 0; i < r->n; i++) {
        if ((r->f[i].proxy_facts & fact) != 0) {
            return true;
        }
    }
    return false;
}

/* Whether a failing finding fails the proxy mode m too: the rule's proxy_effect says (a
 * property of the rule in rules.c, never an id compared here). m NULL: any proxy. */
static bool counts(const td_report_t *r, const td_finding_store_t *f, const td_proxy_mode_t *m)
{
    switch (f->proxy_effect) {
    case TD_PROXY_UNAFFECTED: /* our clock, some clients' hellos */
    case TD_PROXY_RELAYED:    /* the origin's own answer: passed through */
        return false;
    case TD_PROXY_NAME_CHECK:
        return m == NULL || m->verifies_name;
    case TD_PROXY_TLS13_HELLO:
        return m == NULL || m->max_version >= TD_V_TLS13;
    case TD_PROXY_IF_OPENSSL_FAILS:
        /* Measured: nginx 1.22 and HAProxy 2.6 get through to a TLS 1.0 static-RSA origin and
         * accept a CN-only certificate (OpenSSL's name check falls back to the CN); Cloudflare
         * and ALB offer TLS 1.0 too [CFCIPH][ALB-TG], and Cloudflare matches CN or SAN [CF526]. */
        return r->obs.tls.step != TD_STEP_DONE || !r->obs.tls.ok;
    case TD_PROXY_FAILS:
    case TD_PROXY_TIMES_OUT:
    case TD_PROXY_REFUSED_LATE:
        break;
    }
    return true;
}

static const td_finding_store_t *first_fail_in(const td_report_t *r, td_layer_t layer,
                                               const td_proxy_mode_t *m)
{
    for (size_t i = 0; i < r->n; i++) {
        const td_finding_store_t *f = &r->f[i];
        if (f->pub.layer == layer && f->pub.severity == TD_SEV_FAIL && counts(r, f, m)) {
            return f;
        }
    }
    return NULL;
}

/* The facts every proxy outcome is decided from, for one proxy mode. */
typedef struct origin_state {
    const td_proxy_mode_t *m;
    const td_finding_store_t *dns, *tcp, *proto, *tls, *cert, *http;
    const td_finding_store_t *relayed; /* the origin's own answer that a proxy passes on */
    const td_finding_store_t *cf_cert; /* the first certificate failure Cloudflare's edge sees */
    const td_client_verdict_t *cf_client, *alb_client; /* from the matrix, when it ran */
    bool cf_origin_ca; /* issued by Cloudflare Origin CA: trusted by Cloudflare only */
    bool sni_required, default_cert_wrong, tls13_only;
    bool p80_run, p80_ok, p80_refused, p80_timeout, p80_redirects_https;
    bool p80_head_unended; /* an HTTP status line whose head stopped before its end */
    int p80_status;
    size_t head_bytes;     /* the HTTPS response head, as read */
    bool head_capped;      /* it had not ended when we stopped reading */
    bool head_stalled;     /* it stopped coming before it ended: a proxy waits for its timeout */
    bool http_not_ok;      /* an HTTP exchange ran and brought no usable answer */
    bool tls12_only_works; /* our TLS 1.3-style hello was refused, a TLS 1.2-style one answered */
} origin_state_t;

static const td_client_verdict_t *client(const td_report_t *r, const char *id)
{
    for (int i = 0; i < r->n_clients; i++) {
        /* Only a verdict from this proxy's own hello or handshake (not "not observed"). */
        if (strcmp(r->clients[i].id, id) == 0 && r->clients[i].known) {
            return &r->clients[i];
        }
    }
    return NULL;
}

/* A response head too large for some proxies only: one that ended within limit bytes is no
 * HTTP failure for a proxy that accepts that much. */
static bool head_fits(const origin_state_t *s, size_t limit)
{
    return s->http != NULL && (s->http->proxy_facts & TD_PF_HEAD_SIZE) != 0 && !s->head_capped &&
           s->head_bytes <= limit;
}

static void state_of(const td_report_t *r, const char *proxy, const char *mode, origin_state_t *s)
{
    const td_obs_t *o = &r->obs;
    memset(s, 0, sizeof(*s));
    s->m = td_proxy_mode(proxy, mode);
    s->cf_client = client(r, "cloudflare");
    s->alb_client = client(r, "aws_alb");
    s->dns = first_fail_in(r, TD_LAYER_DNS, s->m);
    s->tcp = first_fail_in(r, TD_LAYER_TCP, s->m);
    s->proto = first_fail_in(r, TD_LAYER_PROTO, s->m);
    s->tls = first_fail_in(r, TD_LAYER_TLS, s->m);
    s->cert = first_fail_in(r, TD_LAYER_CERT, s->m);
    s->http = first_fail_in(r, TD_LAYER_HTTP, s->m);
    s->http_not_ok = o->http.step == TD_STEP_DONE && o->http.result != TD_HTTP_OK;
    /* A proxy whose hello stops at TLS 1.2 sends what got through: the refusal of the TLS
     * 1.3-style hello is not its failure, but the certificate was not seen (run.c). */
    s->tls12_only_works =
            s->proto != NULL && o->tls12.step == TD_STEP_DONE && o->tls12.flight.has_server_hello &&
            o->tls12.flight.version <= TD_V_TLS12 && s->m != NULL && s->m->max_version < TD_V_TLS13;
    if (s->tls12_only_works) {
        s->proto = NULL;
    }
    s->head_bytes = o->http.head_bytes;
    s->head_capped = o->http.head_capped;
    s->head_stalled =
            o->http.result == TD_HTTP_HEAD_INCOMPLETE && o->http.head_end == TD_END_TIMEOUT;
    /* 520 for response headers over 128 KB [CF520]: a smaller head goes through. HAProxy:
     * tune.bufsize 16384 less tune.maxrewrite 1024 (see rules.c http_head_too_large). */
    if ((strcmp(proxy, "Cloudflare") == 0 && head_fits(s, 128 * 1024)) ||
        (strcmp(proxy, "HAProxy server ... ssl") == 0 && head_fits(s, 16384 - 1024))) {
        s->http = NULL;
    }
    for (size_t i = 0; i < r->n && s->relayed == NULL; i++) {
        if (r->f[i].proxy_effect == TD_PROXY_RELAYED) {
            s->relayed = &r->f[i];
        }
    }
    s->sni_required = has_fact(r, TD_PF_SNI_REQUIRED);
    s->default_cert_wrong = has_fact(r, TD_PF_DEFAULT_CERT_WRONG);
    s->tls13_only = has_fact(r, TD_PF_TLS13_ONLY);
    for (int i = 0; i < o->cert.n; i++) {
        /* [OCA-NAMES]: the Origin CA's name is in OU. */
        if (td_is_cloudflare_origin_ca(o->cert.c[i].issuer)) {
            s->cf_origin_ca = true;
        }
    }
    /* Cloudflare's edge trusts its Origin CA: the trust findings do not apply to it; an
     * expired certificate or a wrong name still does [OCA-NAMES][CF526]. */
    for (size_t i = 0; i < r->n && s->cf_cert == NULL; i++) {
        const td_finding_store_t *f = &r->f[i];
        bool skip = s->cf_origin_ca && (f->proxy_facts & TD_PF_TRUST_ONLY) != 0;
        if (f->pub.layer == TD_LAYER_CERT && f->pub.severity == TD_SEV_FAIL && !skip &&
            counts(r, f, s->m)) {
            s->cf_cert = f;
        }
    }
    const td_obs_exchange_t *p = &o->port80;
    if (p->step == TD_STEP_DONE) {
        s->p80_run = true;
        s->p80_refused = !p->connected && p->connect_result == TD_TCP_REFUSED;
        s->p80_timeout = !p->connected && p->connect_result == TD_TCP_TIMEOUT;
        /* A head cut by our own read limit (8 KiB) may still end; one the server stopped
         * sending (timeout, close) never does. */
        bool http = p->connected && p->sniff.cls == TD_SNIFF_HTTP;
        s->p80_head_unended =
                http && !p->head.complete &&
                (p->end == TD_END_TIMEOUT || p->end == TD_END_EOF || p->end == TD_END_RESET);
        s->p80_ok = http && !s->p80_head_unended;
        s->p80_status = p->sniff.http_status;
        s->p80_redirects_https = s->p80_ok && p->head.status >= 300 && p->head.status < 400 &&
                                 strncmp(p->head.location, "https://", 8) == 0;
    }
}

static void put(td_report_t *r, const char *proxy, const char *mode, const char *result,
                const char *why)
{
    if (r->n_proxies >= TD_MAX_PROXIES) {
        return;
    }
    td_proxy_outcome_t *p = &r->proxies[r->n_proxies++];
    p->proxy = proxy;
    p->mode = mode;
    td_strlcpy(p->result, result, sizeof(p->result));
    td_strlcpy(p->why, why, sizeof(p->why));
}

/* What a proxy answers when each step to the origin fails. A proxy waits for a silent origin
 * until its own timeout: that is not what our step timeout saw, so a slow HTTP answer is a
 * condition ("504 (if slower than 60 s)"), a stalled handshake a timeout status. */
typedef struct proxy_codes {
    const char *refused, *timeout; /* TCP */
    const char *tls, *tls_timeout; /* the handshake */
    const char *tls_late;          /* a refusal that may come after the handshake */
    const char *http, *http_slow;  /* no usable HTTP answer; none before the proxy's timeout */
} proxy_codes_t;

/* [CF521][CF522][CF525][CF520][CF524] */
static const proxy_codes_t cf_codes = { .refused = "521",
                                        .timeout = "522",
                                        .tls = "525",
                                        .tls_timeout = "525",
                                        .tls_late = "525",
                                        .http = "520",
                                        .http_slow = "524 (if slower than 100 s)" };
/* [ALB-TS]: 502 on a TLS handshake error or timeout; 504 when no connection in 10 s or no
 * answer within the idle timeout (60 s by default). */
static const proxy_codes_t alb_codes = { .refused = "502",
                                         .timeout = "504",
                                         .tls = "502",
                                         .tls_timeout = "502",
                                         .tls_late = "502",
                                         .http = "502",
                                         .http_slow = "504 (if slower than 60 s)" };
/* Measured with nginx 1.22: "upstream timed out ... while SSL handshaking" is 504;
 * proxy_read_timeout is 60 s by default [NGX-SRC]. */
static const proxy_codes_t ngx_codes = { .refused = "502",
                                         .timeout = "504",
                                         .tls = "502",
                                         .tls_timeout = "504",
                                         .tls_late = "502",
                                         .http = "502",
                                         .http_slow = "504 (if slower than 60 s)" };
/* Measured with HAProxy 2.6: every failure before the request is sent ("SC", "sC") is 503;
 * after it, 502 ("SH") or 504 at "timeout server". A TLS 1.3 origin that refuses the missing
 * client certificate after its Finished gives either, depending on timing. */
static const proxy_codes_t hap_codes = { .refused = "503",
                                         .timeout = "503",
                                         .tls = "503",
                                         .tls_timeout = "503",
                                         .tls_late = "502 or 503",
                                         .http = "502",
                                         .http_slow = "504 (if slower than timeout server)" };

/* The common path of a TLS-speaking proxy: TCP, then the handshake, then HTTP. Returns true
 * when it wrote a failure into result/why. */
static bool tls_path(const origin_state_t *s, const td_client_verdict_t *v, const proxy_codes_t *c,
                     char *res, size_t rcap, char *why, size_t wcap)
{
    const td_finding_store_t *f = s->dns != NULL ? s->dns : s->tcp;
    if (f != NULL) {
        bool to = f->proxy_effect == TD_PROXY_TIMES_OUT;
        td_strlcpy(res, to ? c->timeout : c->refused, rcap);
        td_fmt(why, wcap, "%s", f->pub.id);
        return true;
    }
    /* A verdict that failed only for want of an HTTP answer (clients.c http_refuses) is no
     * handshake failure: the HTTP step below judges it. */
    bool http_only = v != NULL && !v->ok && v->version != 0 && s->http_not_ok;
    if (v != NULL && !http_only) {
        /* This proxy's own ClientHello was sent: its answer decides the handshake. */
        if (!v->ok) {
            td_strlcpy(res, c->tls, rcap);
            td_fmt(why, wcap, "its own ClientHello fails: %s", v->why);
            return true;
        }
    } else {
        f = s->proto != NULL ? s->proto : s->tls;
        /* Our OpenSSL handshake waited in vain (e.g. zero-length records forever, which our
         * own parser calls malformed): OpenSSL-based proxies wait too, until their timeout. */
        if (s->tls != NULL && s->tls->proxy_effect == TD_PROXY_TIMES_OUT) {
            f = s->tls;
        }
        if (f != NULL) {
            bool to = f->proxy_effect == TD_PROXY_TIMES_OUT;
            bool late = f->proxy_effect == TD_PROXY_REFUSED_LATE;
            td_strlcpy(res, to ? c->tls_timeout : late ? c->tls_late : c->tls, rcap);
            td_fmt(why, wcap, to ? "the TLS handshake stalls: %s" : "TLS handshake fails: %s",
                   f->pub.id);
            return true;
        }
    }
    if (s->http != NULL) {
        bool slow = s->http->proxy_effect == TD_PROXY_TIMES_OUT ||
                    ((s->http->proxy_facts & TD_PF_SLOW_IF_STALLED) != 0 && s->head_stalled);
        td_strlcpy(res, slow ? c->http_slow : c->http, rcap);
        td_fmt(why, wcap, "%s", s->http->pub.id);
        return true;
    }
    return false;
}

/* The why of an OK row: what the proxy relays, when it is not a plain success. */
static const char *ok_why(const origin_state_t *s, const char *otherwise, char *buf, size_t cap)
{
    if (s->relayed == NULL) {
        return otherwise;
    }
    td_fmt(buf, cap, "the origin's own answer is passed through (%s)", s->relayed->pub.id);
    return buf;
}

static void cloudflare(td_report_t *r)
{
    char res[64], why[200], buf[200];
    origin_state_t st;
    const origin_state_t *s = &st;
    /* Off and Flexible talk plain HTTP to port 80 [CFFLEX][CF521][CF522]. */
    for (int flexible = 0; flexible <= 1; flexible++) {
        const char *mode = flexible ? "Flexible" : "Off";
        state_of(r, "Cloudflare", mode, &st);
        if (!s->p80_run) {
            put(r, "Cloudflare", mode, "not checked",
                "port 80 was not probed (target port is not 443)");
        } else if (s->p80_refused) {
            put(r, "Cloudflare", mode, "521", "port 80 refuses connections");
        } else if (s->p80_timeout) {
            put(r, "Cloudflare", mode, "522", "port 80 does not answer");
        } else if (s->p80_head_unended) {
            put(r, "Cloudflare", mode, "520",
                "port 80 starts an HTTP response whose head never ends");
        } else if (!s->p80_ok) {
            put(r, "Cloudflare", mode, "520", "port 80 does not answer in HTTP");
        } else if (s->p80_redirects_https && flexible) {
            put(r, "Cloudflare", mode, "redirect loop",
                "the origin redirects HTTP to HTTPS; Flexible fetches HTTP again: "
                "ERR_TOO_MANY_REDIRECTS");
        } else {
            td_fmt(why, sizeof(why), "port 80 answers HTTP %d%s", s->p80_status,
                   flexible ? "; visitor-to-edge only is encrypted" : "; no HTTPS for visitors");
            put(r, "Cloudflare", mode, "OK", why);
        }
    }
    /* Full: TLS without validation [CFFULL][CF525]. */
    state_of(r, "Cloudflare", "Full", &st);
    if (tls_path(s, s->cf_client, &cf_codes, res, sizeof(res), why, sizeof(why))) {
        put(r, "Cloudflare", "Full", res, why);
    } else {
        put(r, "Cloudflare", "Full", "OK",
            ok_why(s, "the handshake works; the certificate is not checked", buf, sizeof(buf)));
    }
    /* Full (strict) and Strict (SSL-only origin pull): plus validation [CFSTRICT][CF526]. Our
     * own clock is not the edge's: cert.clock.client_wrong does not count (proxy_effect). */
    for (int ssl_only = 0; ssl_only <= 1; ssl_only++) {
        const char *mode = ssl_only ? "Strict (SSL-only origin pull)" : "Full (strict)";
        state_of(r, "Cloudflare", mode, &st);
        if (tls_path(s, s->cf_client, &cf_codes, res, sizeof(res), why, sizeof(why))) {
            put(r, "Cloudflare", mode, res, why);
        } else if (s->cf_cert != NULL) {
            td_fmt(why, sizeof(why), "certificate fails validation: %s", s->cf_cert->pub.id);
            put(r, "Cloudflare", mode, "526", why);
        } else {
            put(r, "Cloudflare", mode, "OK",
                ok_why(s,
                       s->cf_origin_ca ? "Cloudflare Origin CA certificate: trusted by "
                                         "Cloudflare (not by browsers)"
                                       : "handshake and certificate validate",
                       buf, sizeof(buf)));
        }
    }
}

static void aws_alb(td_report_t *r)
{
    char res[64], why[200], buf[200];
    origin_state_t st;
    const origin_state_t *s = &st;
    state_of(r, "AWS ALB", "HTTPS target group", &st);
    if (head_fits(s, SIZE_MAX) && !s->sni_required && !s->tls13_only && s->dns == NULL &&
        s->tcp == NULL && s->proto == NULL && s->tls == NULL) {
        td_fmt(why, sizeof(why), "a %zu-byte response head: ALB documents no limit for it",
               s->head_bytes);
        put(r, "AWS ALB", "HTTPS target group", "not checked", why);
        return;
    }
    /* HTTPS target groups do not validate certificates [ALB-TG]; 502 on TLS errors, 504 when
     * no connection within 10 s [ALB-TS]. */
    if (tls_path(s, s->alb_client, &alb_codes, res, sizeof(res), why, sizeof(why))) {
        put(r, "AWS ALB", "HTTPS target group", res, why);
    } else if (s->tls12_only_works) {
        put(r, "AWS ALB", "HTTPS target group", "OK",
            "its hello offers at most TLS 1.2: a TLS 1.2-style hello gets a ServerHello where our "
            "TLS 1.3-style one is refused; ALB does not validate target certificates");
    } else if (s->sni_required) {
        put(r, "AWS ALB", "HTTPS target group", "502 likely",
            "the target refuses clients without SNI; ALB re-encryption is reported to send none");
    } else if (s->tls13_only) {
        /* [ALB-TG]: targets get ELBSecurityPolicy-2016-08 (TLS 1.0-1.2); [ALB-NOTE]: a TLS 1.3
         * listener policy is said to switch targets to a TLS 1.3 policy. */
        put(r, "AWS ALB", "HTTPS target group", "502 likely",
            "TLS 1.3-only target: the documented target policy ELBSecurityPolicy-2016-08 stops "
            "at TLS 1.2 (and HTTPS health checks fail)");
    } else {
        put(r, "AWS ALB", "HTTPS target group", "OK",
            ok_why(s,
                   s->cert != NULL
                           ? "the certificate problem is ignored: ALB does not validate targets"
                           : "handshake works; ALB does not validate target certificates",
                   buf, sizeof(buf)));
    }
}

/* One row for a proxy that we model fully from its facts (kb/proxies.c): nginx and HAProxy,
 * both checked against the real programs (tests/integration/real_proxies.sh). */
static void modelled(td_report_t *r, const char *proxy, const char *mode, const proxy_codes_t *c)
{
    char res[64], why[200], buf[200];
    origin_state_t st;
    const origin_state_t *s = &st;
    state_of(r, proxy, mode, &st);
    const td_proxy_mode_t *m = s->m;
    bool ngx = c == &ngx_codes;
    if (tls_path(s, NULL, c, res, sizeof(res), why, sizeof(why))) {
        put(r, proxy, mode, res, why);
    } else if (s->tls12_only_works && m->verifies_chain) {
        put(r, proxy, mode, "unknown",
            "its TLS 1.2-style hello gets a ServerHello (our TLS 1.3-style one is refused), but "
            "the certificate it would verify was not seen");
    } else if (s->tls12_only_works) {
        put(r, proxy, mode, "OK",
            "its hello offers at most TLS 1.2: a TLS 1.2-style hello gets a ServerHello where our "
            "TLS 1.3-style one is refused");
    } else if (s->tls13_only && m->max_version < TD_V_TLS13) {
        put(r, proxy, mode, c->tls,
            "the origin speaks only TLS 1.3; nginx before 1.23.4 (Debian 12: 1.22) offers at "
            "most TLS 1.2 upstream by default: set proxy_ssl_protocols TLSv1.2 TLSv1.3");
    } else if (s->sni_required && !m->sends_sni) {
        put(r, proxy, mode, c->tls,
            ngx ? "no SNI sent; the origin refuses it (\"SSL alert number 112/40\")"
                : "no SNI unless \"sni\" is set; the origin refuses it");
    } else if (m->verifies_chain && s->cert != NULL) {
        td_fmt(why, sizeof(why),
               ngx ? "\"upstream SSL certificate verify error\": %s"
                   : "\"SSL handshake failure\" (verify): %s",
               s->cert->pub.id);
        put(r, proxy, mode, c->tls, why);
    } else if (m->verifies_name && !m->sends_sni && s->default_cert_wrong) {
        put(r, proxy, mode, c->tls, "no SNI: the default certificate does not match the name");
    } else if (m->verifies_chain) {
        put(r, proxy, mode, "OK",
            ok_why(s,
                   m->verifies_name ? "the certificate validates for the name (with the CA file "
                                      "set)"
                                    : "the chain validates (with the CA file set); the name is "
                                      "not checked",
                   buf, sizeof(buf)));
    } else {
        put(r, proxy, mode, "OK",
            ok_why(s,
                   m->sends_sni ? "handshake works; nothing verified"
                                : "no SNI and no verification: the handshake suffices",
                   buf, sizeof(buf)));
    }
}

static void nginx_proxy(td_report_t *r)
{
    /* Defaults: proxy_ssl_server_name off (no SNI), proxy_ssl_verify off [NGX-SRC]. */
    modelled(r, "nginx proxy_pass https://", "verify off, server_name off (defaults)", &ngx_codes);
    modelled(r, "nginx proxy_pass https://", "verify on, server_name on", &ngx_codes);
    origin_state_t st;
    state_of(r, "nginx proxy_pass https://", "verify on, server_name off", &st);
    if (st.sni_required || st.default_cert_wrong) {
        modelled(r, "nginx proxy_pass https://", "verify on, server_name off", &ngx_codes);
    }
}

static void haproxy(td_report_t *r)
{
    /* A server line with "ssl": no SNI unless "sni" is set [HAP-CHK]. */
    modelled(r, "HAProxy server ... ssl", "verify none", &hap_codes);
    modelled(r, "HAProxy server ... ssl", "verify required", &hap_codes);
    modelled(r, "HAProxy server ... ssl", "verify required, sni and verifyhost", &hap_codes);
}

static void recommend(td_report_t *r, const origin_state_t *s)
{
    if (s->dns == NULL && s->tcp == NULL && s->proto == NULL && s->tls == NULL && s->cert == NULL) {
        td_strlcpy(r->recommended,
                   "Cloudflare Full (strict): the origin's TLS and certificate "
                   "validate; keep proxies verifying (proxy_ssl_verify on).",
                   sizeof(r->recommended));
    } else if (s->dns == NULL && s->tcp == NULL && s->proto == NULL && s->tls == NULL &&
               s->cf_cert == NULL) {
        td_strlcpy(r->recommended,
                   "Cloudflare Full (strict), with the record proxied: Cloudflare trusts the "
                   "origin's Origin CA certificate; clients that bypass Cloudflare do not.",
                   sizeof(r->recommended));
    } else if (s->dns == NULL && s->tcp == NULL && s->proto == NULL && s->tls == NULL) {
        td_fmt(r->recommended, sizeof(r->recommended),
               "Full works today but does not check the certificate. To reach Full (strict), "
               "fix %s (a Cloudflare Origin CA certificate also passes Full (strict)).",
               s->cert->pub.id);
    } else if (s->p80_ok) {
        td_fmt(r->recommended, sizeof(r->recommended),
               "Only Flexible (plain HTTP to the origin) works. Enable TLS on the origin (fix %s) "
               "to reach Full, then a valid certificate for Full (strict).",
               (s->dns     ? s->dns
                : s->tcp   ? s->tcp
                : s->proto ? s->proto
                           : s->tls)
                       ->pub.id);
    } else {
        td_fmt(r->recommended, sizeof(r->recommended), "No mode works until %s is fixed.",
               (s->dns     ? s->dns
                : s->tcp   ? s->tcp
                : s->proto ? s->proto
                           : s->tls)
                       ->pub.id);
    }
}

void td__proxies(td_report_t *r)
{
    origin_state_t s;
    r->n_proxies = 0;
    if (r->obs.plain_target) {
        td_strlcpy(r->recommended, "", sizeof(r->recommended));
        return; /* a plain-HTTP target: no TLS for a proxy to judge */
    }
    cloudflare(r);
    aws_alb(r);
    nginx_proxy(r);
    haproxy(r);
    state_of(r, "Cloudflare", "Full (strict)", &s);
    recommend(r, &s);
    /* A proxy's outcome is never better than what was observed: where a layer it depends on
     * was not seen working (a deadline, a skipped step), "OK" becomes "unknown". */
    char why[96], missing[160] = "";
    /* A failure explains the layers it stopped; after a deadline, only those before it. */
    bool explained = false;
    for (int l = TD_LAYER_TCP; l < TD_LAYER__COUNT; l++) {
        for (size_t i = 0; i < r->n; i++) {
            explained = explained || (r->f[i].pub.severity == TD_SEV_FAIL &&
                                      (!r->obs.deadline_hit || (int)r->f[i].pub.layer <= l));
        }
        if (!explained && !td__layer_observed(&r->obs, (td_layer_t)l, why, sizeof(why))) {
            td_fmt_append(missing, sizeof(missing), "%s%s", missing[0] ? ", " : "",
                          td_layer_name((td_layer_t)l));
        }
    }
    for (size_t i = 0; missing[0] != '\0' && i < r->n_proxies; i++) {
        td_proxy_outcome_t *p = &r->proxies[i];
        if (strcmp(p->result, "OK") == 0) {
            td_strlcpy(p->result, "unknown", sizeof(p->result));
            td_fmt(p->why, sizeof(p->why), "not observed: %s", missing);
        }
    }
    /* The quick profile did not read the origin's HTTP answer, which every proxy passes on or
     * fails on (a head that never ends is a 502): "OK" would be a pass not observed. */
    for (size_t i = 0; r->obs.quick && i < r->n_proxies; i++) {
        td_proxy_outcome_t *p = &r->proxies[i];
        if (strcmp(p->result, "OK") == 0) {
            td_strlcpy(p->result, "not checked", sizeof(p->result));
            td_fmt(p->why, sizeof(p->why),
                   "quick profile: the handshake and chain pass; the origin's HTTP answer was "
                   "not checked");
        }
    }
    if (missing[0] != '\0' && strncmp(r->recommended, "Cloudflare Full (strict)", 24) == 0) {
        td_fmt(r->recommended, sizeof(r->recommended),
               "Unknown: %s not observed working; run again with a longer --timeout.", missing);
    }
}
