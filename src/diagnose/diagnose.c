/* diagnose.c: runs the rule table over observations and orders the findings so the root
 * cause (the earliest failing layer's first finding) comes first. Never does I/O. */
#include "diagnose.h"

#include "../kb/fixes.h"
#include "../kb/kb.h"

#include <string.h>

static int rank(const td_report_t *r, const td_finding_store_t *f)
{
    (void)r;
    /* Failures before warnings; within a severity, by layer, then table order (stable). */
    /* fail 3, unknown 2, warn 1, ok 0: the higher, the earlier; summaries and hygiene after
     * the specific findings of the same severity. */
    return (3 - td__severity_rank(f->pub.severity)) * 100 + (f->rank_last ? 50 : 0) +
           (int)f->pub.layer;
}

/* An earlier finding matches unless: an exact id, or a prefix when it ends in '.'. */
static bool explained(const td_report_t *r, const char *unless)
{
    size_t n = strlen(unless);
    bool prefix = n > 0 && unless[n - 1] == '.';
    for (size_t i = 0; i < r->n; i++) {
        if (prefix ? strncmp(r->f[i].pub.id, unless, n) == 0
                   : strcmp(r->f[i].pub.id, unless) == 0) {
            return true;
        }
    }
    return false;
}

static bool failed(const td_report_t *r)
{
    for (size_t i = 0; i < r->n; i++) {
        if (r->f[i].pub.severity == TD_SEV_FAIL) {
            return true;
        }
    }
    return false;
}

static bool word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* The word w (a placeholder or a command name) at fix[i], not part of a longer word. */
static bool word_at(const char *fix, size_t i, const char *w)
{
    size_t n = strlen(w);
    return strncmp(fix + i, w, n) == 0 && (i == 0 || !word_char(fix[i - 1])) &&
           !word_char(fix[i + n]);
}

/* Length of the command that starts at p: up to the next ';', ". ", ')' or '\0'. */
static size_t command_len(const char *p)
{
    size_t n = 0;
    while (p[n] != '\0' && p[n] != ';' && p[n] != ')' && !(p[n] == '.' && p[n + 1] == ' ')) {
        n++;
    }
    return n;
}

static bool command_has(const char *p, const char *needle)
{
    size_t n = command_len(p), k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++) {
        if (strncmp(p + i, needle, k) == 0) {
            return true;
        }
    }
    return false;
}

void td__fill_placeholders(const td_obs_t *o, char *fix, size_t cap)
{
    char out[sizeof(((td_finding_store_t *)0)->fix) + 256];
    char name_port[320], addr_port[320], addr[72], aport[8], port[8];
    const td_obs_tcp_attempt_t *a = o->tcp.chosen >= 0 ? &o->tcp.a[o->tcp.chosen] : NULL;
    /* With --connect-to, the address connected to; the name stays in URLs, -servername,
     * -verify_hostname and Host, so that the command checks what clients check. */
    bool via = o->connect_to[0] != '\0' && a != NULL;
    td_fmt(port, sizeof(port), "%u", (unsigned)o->port);
    td_fmt(name_port, sizeof(name_port), strchr(o->host, ':') ? "[%s]:%u" : "%s:%u", o->host,
           (unsigned)o->port);
    td_strlcpy(addr, via ? a->addr : o->host, sizeof(addr));
    td_fmt(aport, sizeof(aport), "%u", via ? (unsigned)a->port : (unsigned)o->port);
    td_fmt(addr_port, sizeof(addr_port), strchr(addr, ':') ? "[%s]:%s" : "%s:%s", addr, aport);
    /* A CA file given with --ca-file goes into the commands too: they check the chain. */
    const char *ca = o->cert.store;
    bool has_ca = ca[0] == '/' && strlen(ca) <= 100;
    for (size_t k = 0; has_ca && ca[k] != '\0'; k++) {
        has_ca = word_char(ca[k]) || ca[k] == '/' || ca[k] == '.' || ca[k] == '-';
    }
    size_t addr_until = 0; /* inside "nc ...": HOST and PORT are the address connected to */
    out[0] = '\0';
    for (size_t i = 0; fix[i] != '\0' && strlen(out) + 1 < sizeof(out);) {
        if (strncmp(fix + i, "-connect HOST:PORT", 18) == 0 && !word_char(fix[i + 18])) {
            /* openssl s_client -connect: the address; the name as SNI. */
            td_fmt_append(out, sizeof(out), "-connect %s", addr_port);
            if (via && !command_has(fix + i, "-servername")) {
                td_fmt_append(out, sizeof(out), " -servername %s", o->host);
            }
            if (has_ca) {
                td_fmt_append(out, sizeof(out), " -CAfile %s", ca);
            }
            i += 18;
        } else if (word_at(fix, i, "curl") && (via || has_ca) && command_has(fix + i, "://HOST")) {
            td_fmt_append(out, sizeof(out), "curl");
            if (via) {
                td_fmt_append(out, sizeof(out), " --connect-to %s:%s", name_port, addr_port);
            }
            if (has_ca) {
                td_fmt_append(out, sizeof(out), " --cacert %s", ca);
            }
            i += 4;
        } else if (strncmp(fix + i, "tlsdoctor HOST:PORT", 19) == 0 && !word_char(fix[i + 19])) {
            td_fmt_append(out, sizeof(out), "tlsdoctor %s", name_port);
            if (via) {
                td_fmt_append(out, sizeof(out), " --connect-to %s", addr_port);
            }
            if (has_ca) {
                td_fmt_append(out, sizeof(out), " --ca-file %s", ca);
            }
            i += 19;
        } else if (word_at(fix, i, "nc")) {
            addr_until = i + command_len(fix + i);
            td_fmt_append(out, sizeof(out), "nc");
            i += 2;
        } else if (word_at(fix, i, "HOST") && fix[i + 4] == ':' && word_at(fix, i + 5, "PORT")) {
            td_fmt_append(out, sizeof(out), "%s", i < addr_until ? addr_port : name_port);
            i += 9;
        } else if (word_at(fix, i, "HOST")) {
            td_fmt_append(out, sizeof(out), "%s", i < addr_until ? addr : o->host);
            i += 4;
        } else if (word_at(fix, i, "PORT")) {
            td_fmt_append(out, sizeof(out), "%s", i < addr_until ? aport : port);
            i += 4;
        } else {
            size_t w = strlen(out);
            out[w] = fix[i++];
            out[w + 1] = '\0';
        }
    }
    td_strlcpy(fix, out, cap);
}

struct sw_sign {
    const char *needle; /* in a Server header, case-insensitive prefix match */
    const char *name;   /* NULL: a product we have no fixes for, though the prefix says more */
};

/* Server header values (each product's default, from its documentation or source): nginx
 * "nginx/1.x" (server_tokens), OpenResty and Tengine are nginx builds; Apache httpd
 * "Apache/2.4.x (Debian)" (ServerTokens), but Tomcat's "Apache-Coyote/1.1" is not httpd;
 * lighttpd "lighttpd/1.4.x" (server.tag); IIS "Microsoft-IIS/10.0", and HTTP.sys itself
 * "Microsoft-HTTPAPI/2.0" when it answers before IIS; Caddy "Caddy" (caddyhttp server.go
 * sets it on every response); Envoy "envoy" (HttpConnectionManager server_name default),
 * Istio's sidecars and gateways "istio-envoy". HAProxy and Traefik send none of their own. */
static const struct sw_sign sw_signs[] = {
    { "nginx", "nginx" },       { "openresty", "nginx" },       { "tengine", "nginx" },
    { "apache-coyote", NULL },  { "apache", "apache" },         { "lighttpd", "lighttpd" },
    { "microsoft-iis", "iis" }, { "microsoft-httpapi", "iis" }, { "haproxy", "haproxy" },
    { "caddy", "caddy" },       { "envoy", "envoy" },           { "istio-envoy", "envoy" },
    { "traefik", "traefik" },
};

static const char *sw_from_header(const char *v)
{
    for (size_t i = 0; i < TD_ARRAY_LEN(sw_signs); i++) {
        size_t n = strlen(sw_signs[i].needle);
        size_t k = 0;
        while (k < n && v[k] != '\0' && (char)(v[k] | 0x20) == sw_signs[i].needle[k]) {
            k++;
        }
        if (k == n) {
            return sw_signs[i].name;
        }
    }
    return NULL;
}

/* The plain-HTTP request to the TLS port got no byte back: the connection was closed. */
static bool plain_closed_silently(const td_obs_t *o)
{
    return o->plain.step == TD_STEP_DONE && o->plain.connected && o->plain.received == 0 &&
           (o->plain.end == TD_END_EOF || o->plain.end == TD_END_RESET);
}

static bool tls_alert_seen(const td_obs_t *o, int alert)
{
    return o->tls.alert_received == alert || o->nosni.alert_received == alert ||
           o->legacy.alert_received == alert;
}

const char *td__server_software(const td_obs_t *o, char *evidence, size_t cap)
{
    const struct {
        const td_http_head_t *h;
        const char *where;
    } heads[] = { { &o->http.head, "HTTPS response" },
                  { &o->plain.head, "plain HTTP reply" },
                  { &o->port80.head, "port 80 reply" } };
    for (size_t i = 0; i < TD_ARRAY_LEN(heads); i++) {
        const char *sw = sw_from_header(heads[i].h->server);
        if (sw != NULL) {
            td_fmt(evidence, cap, "Server: %s (%s)", heads[i].h->server, heads[i].where);
            return sw;
        }
    }
    /* Envoy's router adds x-envoy-upstream-service-time (and other x-envoy-* headers) to the
     * responses it proxies, also when server_header_transformation hides its Server header
     * (envoyproxy.io, "HTTP header manipulation" / router filter headers set). */
    for (size_t i = 0; i < TD_ARRAY_LEN(heads); i++) {
        if (heads[i].h->x_envoy[0] != '\0') {
            td_fmt(evidence, cap, "header %s (%s)", heads[i].h->x_envoy, heads[i].where);
            return "envoy";
        }
    }
    /* The servers' own built-in pages, which they send with or without a Server header
     * (wire/sniff.c lists the phrases and their sources). Go's net/http page names no
     * product: it only helps below. */
    const struct {
        const char *sw;
        const char *sign;
        const char *where;
    } pages[] = { { o->http.page_software, o->http.page_sign, "HTTPS response" },
                  { o->plain.sniff.page_software, o->plain.sniff.page_sign,
                    "reply to plain HTTP on the TLS port" },
                  { o->port80.sniff.page_software, o->port80.sniff.page_sign, "port 80 reply" } };
    const char *go_page = NULL;
    for (size_t i = 0; i < TD_ARRAY_LEN(pages); i++) {
        if (pages[i].sw != NULL && strcmp(pages[i].sw, "go") == 0) {
            go_page = pages[i].sign;
        } else if (pages[i].sw != NULL) {
            td_fmt(evidence, cap, "built-in page \"%s\" (%s)", pages[i].sign, pages[i].where);
            return pages[i].sw;
        }
    }
    /* A proxy's generated placeholder certificate, or one a server makes for itself
     * (kb/certsigns.c). */
    if (o->cert.step == TD_STEP_DONE && o->cert.n > 0) {
        const td_placeholder_cert_t *p =
                td_placeholder_cert(o->cert.c[0].subject, o->cert.c[0].sans);
        if (p != NULL) {
            td_fmt(evidence, cap, "%s's placeholder certificate (%s)", p->product,
                   o->cert.c[0].subject);
            return p->software;
        }
        const char *product = NULL;
        const char *sw = td_cert_software(o->cert.c[0].subject, o->cert.c[0].issuer, &product);
        if (sw != NULL) {
            td_fmt(evidence, cap, "%s (subject %s, issuer %s)", product, o->cert.c[0].subject,
                   o->cert.c[0].issuer);
            return sw;
        }
    }
    /* Alert behaviour, tried on the real servers (nginx 1.22, HAProxy 2.6, Caddy 2.6,
     * lighttpd 1.4.69, Apache 2.4): HAProxy's strict-sni and nginx's ssl_reject_handshake
     * both refuse an unknown or missing SNI with alert 112 unrecognized_name, but nginx answers
     * plain HTTP on its TLS port with its 497 page (recognised above) while HAProxy closes
     * without a byte (OpenSSL's SSL_R_HTTP_REQUEST; HAProxy has no plain-HTTP handler on an ssl
     * bind). Caddy fails a hello it has no certificate for with alert 80 internal_error (Go
     * crypto/tls: an error from GetCertificate), and Go's net/http answers plain HTTP with
     * "Client sent an HTTP request to an HTTPS server."; Traefik always has a default
     * certificate, so it does not send that alert. */
    if (tls_alert_seen(o, 112) && plain_closed_silently(o)) {
        td_fmt(evidence, cap,
               "alert 112 unrecognized_name for an unknown or missing SNI, and plain HTTP on the "
               "TLS port closed without a reply (HAProxy strict-sni; nginx would answer its "
               "497 page)");
        return "haproxy";
    }
    /* HAProxy 2.x rewrites every HTTP/1 header name in lower case (its HTX representation;
     * the configuration manual's "option h1-case-adjust-bogus-client" exists for clients that
     * mind), and adds no Server header; nginx, Apache, lighttpd, IIS and Go servers write
     * "Content-Type". Envoy lowercases too but names itself above. */
    const td_http_head_t *hh = &o->http.head;
    if (o->http.step == TD_STEP_DONE && hh->valid && hh->complete && hh->server[0] == '\0' &&
        hh->headers >= 2 && hh->malformed_lines == 0 && hh->upper_names == 0) {
        td_fmt(evidence, cap,
               "HTTPS response with all %d header names in lower case and no Server header "
               "(HAProxy 2.x writes HTTP/1 header names in lower case)",
               hh->headers);
        return "haproxy";
    }
    if (go_page != NULL && tls_alert_seen(o, 80)) {
        td_fmt(evidence, cap,
               "alert 80 internal_error for a name without a certificate, and Go's plain-HTTP "
               "page \"%s\" (Caddy)",
               go_page);
        return "caddy";
    }
    return NULL;
}

void td__diagnose(td_report_t *r)
{
    r->server_software =
            td__server_software(&r->obs, r->server_evidence, sizeof(r->server_evidence));
    size_t n = 0;
    const td_rule_t *rules = td__rules(&n);
    r->n = 0;
    r->has_root = 0;
    /* Two passes: the rules that speak only when nothing failed (summaries, "not observed")
     * come after every other rule, wherever they stand in the table. */
    for (size_t k = 0; k < 2 * n && r->n < TD_MAX_FINDINGS; k++) {
        size_t i = k % n;
        if (rules[i].only_without_fail != (k >= n)) {
            continue;
        }
        td_finding_store_t *f = &r->f[r->n];
        memset(f, 0, sizeof(*f));
        td_strlcpy(f->cause, rules[i].cause, sizeof(f->cause));
        const char *specific = td_fix_for(rules[i].id, r->server_software);
        td_strlcpy(f->fix, specific != NULL ? specific : rules[i].fix, sizeof(f->fix));
        td_rule_out_t out = { f->cause, sizeof(f->cause), f->evidence,   sizeof(f->evidence),
                              f->fix,   sizeof(f->fix),   rules[i].layer };
        if (rules[i].unless != NULL && explained(r, rules[i].unless)) {
            continue;
        }
        if (rules[i].only_without_fail && failed(r)) {
            continue;
        }
        if (!rules[i].match(&r->obs, &out)) {
            continue;
        }
        td__fill_placeholders(&r->obs, f->fix, sizeof(f->fix));
        f->pub.id = rules[i].id;
        f->pub.severity = rules[i].severity;
        f->pub.layer = out.layer;
        f->rank_last = rules[i].rank_last;
        f->pub.title = rules[i].title;
        f->proxy_effect = rules[i].proxy_effect;
        f->proxy_facts = rules[i].proxy_facts;
        r->n++;
    }
    /* Stable insertion sort by rank: n is small. */
    for (size_t i = 1; i < r->n; i++) {
        td_finding_store_t tmp = r->f[i];
        size_t j = i;
        while (j > 0 && rank(r, &r->f[j - 1]) > rank(r, &tmp)) {
            r->f[j] = r->f[j - 1];
            j--;
        }
        r->f[j] = tmp;
    }
    for (size_t i = 0; i < r->n; i++) {
        r->f[i].pub.cause = r->f[i].cause;
        r->f[i].pub.evidence = r->f[i].evidence;
        r->f[i].pub.fix = r->f[i].fix;
    }
    /* Informational findings (severity ok) are never the root cause. */
    r->has_root = r->n > 0 && r->f[0].pub.severity != TD_SEV_OK;
}
