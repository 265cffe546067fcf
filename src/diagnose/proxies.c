/* proxies.c: what each proxy or CDN in front of the diagnosed origin would show, and the
 * recommended mode. Judged from observations and findings only; no I/O. Facts: Cloudflare
 * modes [CFFLEX][CFFULL][CFSTRICT][CFSSLONLY][CF520..CF526], AWS ALB [ALB-TG][ALB-TS]
 * [ISTIO-31421], nginx [NGX-SRC proxy_ssl_*], HAProxy [HAP-CHK] (../shared/failure-kb.md). */
#include "diagnose.h"

#include "../kb/kb.h"

#include <string.h>

static bool has(const td_report_t *r, const char *id)
{
    for (size_t i = 0; i < r->n; i++) {
        if (strcmp(r->f[i].pub.id, id) == 0) {
            return true;
        }
    }
    return false;
}

static const td_finding_t *first_fail_in(const td_report_t *r, td_layer_t layer)
{
    for (size_t i = 0; i < r->n; i++) {
        /* Findings about some clients only (which clients fail; hellos larger than a packet,
         * which proxies' OpenSSL does not send): Cloudflare's and ALB's own hellos decide for
         * them when the matrix ran (tls_path). */
        bool per_client = strncmp(r->f[i].pub.id, "tls.clients.", 12) == 0 ||
                          strcmp(r->f[i].pub.id, "tls.hello.large_intolerant") == 0;
        if (r->f[i].pub.layer == layer && r->f[i].pub.severity == TD_SEV_FAIL && !per_client) {
            return &r->f[i].pub;
        }
    }
    return NULL;
}

/* The facts every proxy outcome is decided from. */
typedef struct origin_state {
    const td_finding_t *dns, *tcp, *proto, *tls, *cert, *http;
    const td_finding_t *cf_cert; /* the first certificate failure Cloudflare's edge sees */
    const td_client_verdict_t *cf_client, *alb_client; /* from the matrix, when it ran */
    bool cf_origin_ca; /* issued by Cloudflare Origin CA: trusted by Cloudflare only */
    bool sni_required, default_cert_wrong, tls13_only;
    bool p80_run, p80_ok, p80_refused, p80_timeout, p80_redirects_https;
    bool p80_head_unended; /* an HTTP status line whose head stopped before its end */
    int p80_status;
    size_t head_bytes; /* the HTTPS response head, as read */
    bool head_capped;  /* it had not ended when we stopped reading */
    bool head_stalled; /* it stopped coming before it ended: a proxy waits for its timeout */
} origin_state_t;

static const td_client_verdict_t *client(const td_report_t *r, const char *id)
{
    for (int i = 0; i < r->n_clients; i++) {
        if (strcmp(r->clients[i].id, id) == 0) {
            return &r->clients[i];
        }
    }
    return NULL;
}

static void state_of(const td_report_t *r, origin_state_t *s)
{
    const td_obs_t *o = &r->obs;
    memset(s, 0, sizeof(*s));
    s->cf_client = client(r, "cloudflare");
    s->alb_client = client(r, "aws_alb");
    s->dns = first_fail_in(r, TD_LAYER_DNS);
    s->tcp = first_fail_in(r, TD_LAYER_TCP);
    s->proto = first_fail_in(r, TD_LAYER_PROTO);
    s->tls = first_fail_in(r, TD_LAYER_TLS);
    s->cert = first_fail_in(r, TD_LAYER_CERT);
    s->http = first_fail_in(r, TD_LAYER_HTTP);
    s->head_bytes = o->http.head_bytes;
    s->head_capped = o->http.head_capped;
    s->head_stalled =
            o->http.result == TD_HTTP_HEAD_INCOMPLETE && o->http.head_end == TD_END_TIMEOUT;
    s->sni_required = has(r, "tls.sni.required");
    s->default_cert_wrong = has(r, "tls.sni.default_cert_mismatch");
    s->tls13_only = has(r, "tls.version.tls13_only");
    for (int i = 0; i < o->cert.n; i++) {
        /* [OCA-NAMES]: the Origin CA's name is in OU. */
        if (td_is_cloudflare_origin_ca(o->cert.c[i].issuer)) {
            s->cf_origin_ca = true;
        }
    }
    /* Cloudflare's edge trusts its Origin CA: the trust findings do not apply to it; an
     * expired certificate or a wrong name still does [OCA-NAMES][CF526]. */
    static const char *const trust_only[] = { "cert.origin_ca_direct", "cert.chain.untrusted_root",
                                              "cert.chain.verify_failed",
                                              "cert.chain.missing_intermediate" };
    for (size_t i = 0; i < r->n && s->cf_cert == NULL; i++) {
        const td_finding_t *f = &r->f[i].pub;
        bool skip = false;
        for (size_t k = 0; s->cf_origin_ca && k < TD_ARRAY_LEN(trust_only); k++) {
            skip = skip || strcmp(f->id, trust_only[k]) == 0;
        }
        if (f->layer == TD_LAYER_CERT && f->severity == TD_SEV_FAIL && !skip) {
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

/* The common path of a TLS-speaking proxy: TCP, then the handshake, then HTTP. Returns true
 * when it wrote a failure into result/why. */
static bool tls_path(const origin_state_t *s, const td_client_verdict_t *v, const char *refused,
                     const char *timeout, const char *tls_fail, const char *http_empty,
                     const char *http_slow, char *res, size_t rcap, char *why, size_t wcap)
{
    const td_finding_t *f = s->dns != NULL ? s->dns : s->tcp;
    if (f != NULL) {
        bool to = strcmp(f->id, "tcp.connect.timeout") == 0;
        td_strlcpy(res, to ? timeout : refused, rcap);
        td_fmt(why, wcap, "%s", f->id);
        return true;
    }
    if (v != NULL) {
        /* The matrix sent this proxy's own ClientHello: its answer decides the handshake. */
        if (!v->ok) {
            td_strlcpy(res, tls_fail, rcap);
            td_fmt(why, wcap, "its own ClientHello fails: %s", v->why);
            return true;
        }
    } else {
        f = s->proto != NULL ? s->proto : s->tls;
        if (f != NULL) {
            td_strlcpy(res, tls_fail, rcap);
            td_fmt(why, wcap, "TLS handshake fails: %s", f->id);
            return true;
        }
    }
    if (s->http != NULL) {
        bool slow = strcmp(s->http->id, "http.response.timeout") == 0 ||
                    (strcmp(s->http->id, "http.response.head_incomplete") == 0 && s->head_stalled);
        td_strlcpy(res, slow ? http_slow : http_empty, rcap);
        td_fmt(why, wcap, "%s", s->http->id);
        return true;
    }
    return false;
}

/* A response head too large for some proxies only: one that ended within limit bytes is no
 * HTTP failure for a proxy that accepts that much. */
static bool head_fits(const origin_state_t *s, size_t limit)
{
    return s->http != NULL && strcmp(s->http->id, "http.response.head_too_large") == 0 &&
           !s->head_capped && s->head_bytes <= limit;
}

static void cloudflare(td_report_t *r, const origin_state_t *in)
{
    char res[64], why[200];
    /* 520 for response headers over 128 KB [CF520]: a smaller head goes through. */
    origin_state_t st = *in;
    if (head_fits(in, 128 * 1024)) {
        st.http = NULL;
    }
    const origin_state_t *s = &st;
    /* Off and Flexible talk plain HTTP to port 80 [CFFLEX][CF521][CF522]. */
    for (int flexible = 0; flexible <= 1; flexible++) {
        const char *mode = flexible ? "Flexible" : "Off";
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
    if (tls_path(s, s->cf_client, "521", "522", "525", "520", "524 (if slower than 100 s)", res,
                 sizeof(res), why, sizeof(why))) {
        put(r, "Cloudflare", "Full", res, why);
    } else {
        put(r, "Cloudflare", "Full", "OK", "the handshake works; the certificate is not checked");
    }
    /* Full (strict) and Strict (SSL-only origin pull): plus validation [CFSTRICT][CF526]. */
    for (int ssl_only = 0; ssl_only <= 1; ssl_only++) {
        const char *mode = ssl_only ? "Strict (SSL-only origin pull)" : "Full (strict)";
        if (tls_path(s, s->cf_client, "521", "522", "525", "520", "524 (if slower than 100 s)", res,
                     sizeof(res), why, sizeof(why))) {
            put(r, "Cloudflare", mode, res, why);
        } else if (s->cf_cert != NULL) {
            td_fmt(why, sizeof(why), "certificate fails validation: %s", s->cf_cert->id);
            put(r, "Cloudflare", mode, "526", why);
        } else {
            put(r, "Cloudflare", mode, "OK",
                s->cf_origin_ca ? "Cloudflare Origin CA certificate: trusted by Cloudflare "
                                  "(not by browsers)"
                                : "handshake and certificate validate");
        }
    }
}

static void aws_alb(td_report_t *r, const origin_state_t *s)
{
    char res[64], why[200];
    if (head_fits(s, SIZE_MAX) && !s->sni_required && !s->tls13_only && s->dns == NULL &&
        s->tcp == NULL && s->proto == NULL && s->tls == NULL) {
        td_fmt(why, sizeof(why), "a %zu-byte response head: ALB documents no limit for it",
               s->head_bytes);
        put(r, "AWS ALB", "HTTPS target group", "not checked", why);
        return;
    }
    /* HTTPS target groups do not validate certificates [ALB-TG]; 502 on TLS errors, 504 when
     * no connection within 10 s [ALB-TS]. */
    if (tls_path(s, s->alb_client, "502", "504", "502", "502", "504", res, sizeof(res), why,
                 sizeof(why))) {
        put(r, "AWS ALB", "HTTPS target group", res, why);
    } else if (s->sni_required) {
        put(r, "AWS ALB", "HTTPS target group", "502 likely",
            "the target refuses clients without SNI; ALB re-encryption is reported to send none");
    } else if (s->tls13_only) {
        put(r, "AWS ALB", "HTTPS target group", "unhealthy",
            "TLS 1.3-only target: ALB HTTPS health checks fail (503 when no target is healthy)");
    } else {
        put(r, "AWS ALB", "HTTPS target group", "OK",
            s->cert != NULL ? "the certificate problem is ignored: ALB does not validate targets"
                            : "handshake works; ALB does not validate target certificates");
    }
}

static void nginx_proxy(td_report_t *r, const origin_state_t *s)
{
    char res[64], why[200];
    /* Defaults: proxy_ssl_server_name off (no SNI), proxy_ssl_verify off [NGX-SRC]. */
    if (tls_path(s, NULL, "502", "504", "502", "502", "504", res, sizeof(res), why, sizeof(why))) {
        put(r, "nginx proxy_pass https://", "verify off, server_name off (defaults)", res, why);
        put(r, "nginx proxy_pass https://", "verify on, server_name on", res, why);
        return;
    }
    put(r, "nginx proxy_pass https://", "verify off, server_name off (defaults)",
        s->sni_required ? "502" : "OK",
        s->sni_required ? "no SNI sent; the origin refuses it (\"SSL alert number 112/40\")"
                        : "no SNI and no verification: the handshake suffices");
    if (s->cert != NULL) {
        td_fmt(why, sizeof(why), "\"upstream SSL certificate verify error\": %s", s->cert->id);
        put(r, "nginx proxy_pass https://", "verify on, server_name on", "502", why);
    } else {
        put(r, "nginx proxy_pass https://", "verify on, server_name on", "OK",
            "the certificate validates (with proxy_ssl_trusted_certificate set)");
    }
    if (s->sni_required || s->default_cert_wrong) {
        put(r, "nginx proxy_pass https://", "verify on, server_name off", "502",
            s->sni_required ? "no SNI sent; the origin refuses it"
                            : "no SNI: the default certificate does not match the name");
    }
}

static void haproxy(td_report_t *r, const origin_state_t *in)
{
    char res[64], why[200];
    /* tune.bufsize 16384 less tune.maxrewrite 1024 (see rules.c http_head_too_large). */
    origin_state_t st = *in;
    if (head_fits(in, 16384 - 1024)) {
        st.http = NULL;
    }
    const origin_state_t *s = &st;
    /* A server line with "ssl": no SNI unless "sni" is set; failures mark the server down
     * (L6RSP / L6TOUT) and requests get 503 [HAP-CHK]. */
    if (tls_path(s, NULL, "503", "503", "503", "502", "504", res, sizeof(res), why, sizeof(why))) {
        put(r, "HAProxy server ... ssl", "verify none", res, why);
        put(r, "HAProxy server ... ssl", "verify required", res, why);
        return;
    }
    put(r, "HAProxy server ... ssl", "verify none", s->sni_required ? "503" : "OK",
        s->sni_required ? "no SNI unless \"sni req.hdr(host)\" is set; the origin refuses it"
                        : "handshake works; nothing verified");
    if (s->cert != NULL) {
        td_fmt(why, sizeof(why), "\"SSL handshake failure\" (verify): %s", s->cert->id);
        put(r, "HAProxy server ... ssl", "verify required", "503", why);
    } else {
        put(r, "HAProxy server ... ssl", "verify required", "OK",
            "validates with ca-file (add verifyhost or sni for the name)");
    }
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
               s->cert->id);
    } else if (s->p80_ok) {
        td_fmt(r->recommended, sizeof(r->recommended),
               "Only Flexible (plain HTTP to the origin) works. Enable TLS on the origin (fix %s) "
               "to reach Full, then a valid certificate for Full (strict).",
               (s->dns     ? s->dns
                : s->tcp   ? s->tcp
                : s->proto ? s->proto
                           : s->tls)
                       ->id);
    } else {
        td_fmt(r->recommended, sizeof(r->recommended), "No mode works until %s is fixed.",
               (s->dns     ? s->dns
                : s->tcp   ? s->tcp
                : s->proto ? s->proto
                           : s->tls)
                       ->id);
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
    state_of(r, &s);
    cloudflare(r, &s);
    aws_alb(r, &s);
    nginx_proxy(r, &s);
    haproxy(r, &s);
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
    if (missing[0] != '\0' && strncmp(r->recommended, "Cloudflare Full (strict)", 24) == 0) {
        td_fmt(r->recommended, sizeof(r->recommended),
               "Unknown: %s not observed working; run again with a longer --timeout.", missing);
    }
}
