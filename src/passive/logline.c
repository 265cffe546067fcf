/* logline.c: parsers for the failure lines of nginx, Apache httpd, HAProxy, F5 BIG-IP, AWS ALB
 * and Classic ELB, Cloudflare, lighttpd, Caddy/Traefik/Go servers, Envoy, IIS HTTPERR, Postfix
 * and Dovecot logs. Shapes from ../shared/log-formats.md (sources cited there). A line that
 * is not a failure is not an error: it yields no event. Never reads past the line. */
#include "tlsdoctor.h"

#include "logline.h"

#include "../kb/causes.h"

#include <string.h>
#include <time.h>

void td_logline_state_init(td_logline_state_t *st, int f5_year)
{
    memset(st, 0, sizeof(*st));
    st->f5_year = f5_year;
}

/* ---- small text helpers ---------------------------------------------------------------- */

static inline const char *find(const char *p, size_t n, const char *needle)
{
    return td_memfind(p, n, needle, strlen(needle));
}

/* Copies the text after key up to any byte of stop (or the end), escaped. */
static bool copy_after(const char *p, size_t n, const char *key, const char *stop, char *dst,
                       size_t cap)
{
    const char *k = find(p, n, key);
    if (k == NULL) {
        return false;
    }
    const char *v = k + strlen(key);
    const char *end = p + n;
    const char *e = v;
    char s0 = stop[0], s1 = stop[0] != '\0' ? stop[1] : '\0';
    while (e < end && *e != s0 && (s1 == '\0' || *e != s1)) {
        e++;
    }
    td_escape(dst, cap, (const uint8_t *)v, (size_t)(e - v));
    return true;
}

/* Unix time of a UTC date (mon 0-11), without timegm's locks and normalisation calls: the
 * days-from-civil arithmetic of the proleptic Gregorian calendar (H. Hinnant,
 * "chrono-Compatible Low-Level Date Algorithms"). Days past the month's end carry over as
 * timegm's do. */
static int64_t mk_utc(int y, int mon, int d, int h, int mi, int s)
{
    int64_t yy = (int64_t)y - (mon < 2);
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;
    int64_t m = mon + 1;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = era * 146097 + doe - 719468;
    return days * 86400 + (int64_t)h * 3600 + (int64_t)mi * 60 + s;
}

static bool digits(td_text_t *t, int n, unsigned long *v)
{
    size_t save = t->off;
    if (td_text_uint(t, n, v) < 0 || t->off - save != (size_t)n) {
        t->off = save;
        return false;
    }
    return true;
}

/* Two ASCII digits at p. */
static inline bool two_digits(const char *p, int *v)
{
    if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9') {
        return false;
    }
    *v = (p[0] - '0') * 10 + (p[1] - '0');
    return true;
}

/* "YYYY/MM/DD HH:MM:SS" (nginx error log) or "YYYY-MM-DDTHH:MM:SS" (ALB, ISO 8601). */
static int64_t parse_ymd(const char *p, size_t n)
{
    /* The usual shape by direct byte checks (it is parsed on every failure line); anything
     * else takes the general path below, which gives the same result on this shape. */
    int y0, y1, mo_, d_, h_, mi_, s_;
    if (n >= 19 && (n == 19 || p[19] < '0' || p[19] > '9') && (p[4] == '/' || p[4] == '-') &&
        (p[7] == '/' || p[7] == '-') && (p[10] == ' ' || p[10] == 'T') && p[13] == ':' &&
        p[16] == ':' && two_digits(p, &y0) && two_digits(p + 2, &y1) && two_digits(p + 5, &mo_) &&
        two_digits(p + 8, &d_) && two_digits(p + 11, &h_) && two_digits(p + 14, &mi_) &&
        two_digits(p + 17, &s_)) {
        return mo_ < 1 || mo_ > 12 ? 0 : mk_utc(y0 * 100 + y1, mo_ - 1, d_, h_, mi_, s_);
    }
    td_text_t t;
    unsigned long y, mo, d, h, mi, s;
    td_text_init(&t, p, n);
    if (!digits(&t, 4, &y) || !(td_text_lit(&t, "/", false) || td_text_lit(&t, "-", false)) ||
        !digits(&t, 2, &mo) || !(td_text_lit(&t, "/", false) || td_text_lit(&t, "-", false)) ||
        !digits(&t, 2, &d) || !(td_text_lit(&t, " ", false) || td_text_lit(&t, "T", false)) ||
        !digits(&t, 2, &h) || !td_text_lit(&t, ":", false) || !digits(&t, 2, &mi) ||
        !td_text_lit(&t, ":", false) || !digits(&t, 2, &s) || mo < 1 || mo > 12) {
        return 0;
    }
    return mk_utc((int)y, (int)mo - 1, (int)d, (int)h, (int)mi, (int)s);
}

/* "DD/Mon/YYYY:HH:MM:SS" (nginx access log, HAProxy). */
static int64_t parse_dmy(const char *p, size_t n)
{
    td_text_t t;
    unsigned long y, d, h, mi, s;
    td_text_init(&t, p, n);
    if (!digits(&t, 2, &d) || !td_text_lit(&t, "/", false)) {
        return 0;
    }
    int mon = -1;
    if (td_text_month(&t, &mon) < 0) {
        return 0;
    }
    if (!td_text_lit(&t, "/", false) || !digits(&t, 4, &y) || !td_text_lit(&t, ":", false) ||
        !digits(&t, 2, &h) || !td_text_lit(&t, ":", false) || !digits(&t, 2, &mi) ||
        !td_text_lit(&t, ":", false) || !digits(&t, 2, &s)) {
        return 0;
    }
    return mk_utc((int)y, mon, (int)d, (int)h, (int)mi, (int)s);
}

/* "Www Mmm DD HH:MM:SS[.uuuuuu] YYYY" (Apache) or, with year < 0, "Mmm dd HH:MM:SS" (syslog). */
static int64_t parse_syslogish(const char *p, size_t n, int year)
{
    td_text_t t;
    unsigned long d, h, mi, s, y = (unsigned long)(year > 0 ? year : 1970);
    td_text_init(&t, p, n);
    if (year == 0) { /* Apache: weekday first */
        if (n < 4) {
            return 0;
        }
        t.off = 4;
    }
    int mon = -1;
    if (td_text_month(&t, &mon) < 0) {
        return 0;
    }
    td_text_skip_ws(&t);
    if (td_text_uint(&t, 2, &d) < 0 || !td_text_lit(&t, " ", false) || !digits(&t, 2, &h) ||
        !td_text_lit(&t, ":", false) || !digits(&t, 2, &mi) || !td_text_lit(&t, ":", false) ||
        !digits(&t, 2, &s)) {
        return 0;
    }
    if (year == 0) {
        if (td_text_lit(&t, ".", false)) {
            unsigned long frac;
            (void)frac;
            if (td_text_uint(&t, 9, &frac) < 0) {
                return 0;
            }
        }
        if (!td_text_lit(&t, " ", false) || !digits(&t, 4, &y)) {
            return 0;
        }
    }
    return mk_utc((int)y, mon, (int)d, (int)h, (int)mi, (int)s);
}

/* Fills cause, alert and reason from an OpenSSL-style message: numeric codes first (they do
 * not change between versions [failure-kb §4.1]), text second. */
static void cause_from_message(const char *p, size_t n, td_log_event_t *ev)
{
    const char *a = find(p, n, "alert number ");
    ev->alert = -1;
    if (a != NULL) {
        td_text_t t;
        unsigned long v = 0;
        td_text_init(&t, a + 13, (size_t)(p + n - (a + 13)));
        if (td_text_uint(&t, 3, &v) == 0 && v < 256) {
            ev->alert = (int)v;
        }
    }
    const char *e = find(p, n, "error:");
    if (e != NULL) {
        int reason = td_ossl_reason_at(e, (size_t)(p + n - e));
        const char *id = reason >= 0 ? td_cause_of_ossl_reason(reason) : NULL;
        if (id != NULL) {
            ev->cause = id;
            return;
        }
    }
    if (ev->alert >= 0) {
        ev->cause = td_cause_of_alert(ev->alert);
        return;
    }
    const char *id = td_cause_of_text(p, n);
    ev->cause = id != NULL ? id : "tls.handshake.failed";
}

static void event_init(td_log_event_t *ev, td_log_format_t fmt, uint64_t line)
{
    memset(ev, 0, sizeof(*ev));
    ev->format = td_log_format_name(fmt);
    ev->line = line;
    ev->alert = -1;
    ev->side = "client";
    ev->cause = "tls.handshake.failed";
}

static bool starts(const char *p, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    return n >= m && memcmp(p, lit, m) == 0;
}

/* ---- framing added by collectors ------------------------------------------------------- */

static bool name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
}

size_t td_logline_unframe(const char *p, size_t n)
{
    size_t off = 0;
    for (int round = 0; round < 4 && off < n; round++) {
        const char *q = p + off;
        size_t m = n - off;
        if (m > 2 && q[0] == '<') { /* syslog priority */
            size_t i = 1;
            while (i < m && i < 5 && q[i] >= '0' && q[i] <= '9') {
                i++;
            }
            if (i > 1 && i < m && q[i] == '>') {
                off += i + 1;
                continue;
            }
        }
        if (m > 6 && memcmp(q, "[pod/", 5) == 0) { /* kubectl logs --prefix */
            const char *rb = memchr(q, ']', m < 256 ? m : 256);
            if (rb != NULL && rb + 1 < q + m && rb[1] == ' ') {
                off += (size_t)(rb - q) + 2;
                continue;
            }
        }
        size_t i = 0; /* docker compose: "name  | " */
        while (i < m && i < 64 && name_char(q[i])) {
            i++;
        }
        if (i > 0 && i < m && q[i] == ' ') {
            size_t j = i;
            while (j < m && q[j] == ' ') {
                j++;
            }
            if (j + 1 < m && q[j] == '|' && q[j + 1] == ' ') {
                off += j + 2;
                continue;
            }
        }
        if (m > 20 && q[4] == '-' && q[10] == 'T') { /* CRI: "TIME stdout F " */
            const char *sp = memchr(q, ' ', m < 48 ? m : 48);
            if (sp != NULL && (size_t)(q + m - sp) > 10 &&
                (memcmp(sp, " stdout ", 8) == 0 || memcmp(sp, " stderr ", 8) == 0) &&
                (sp[8] == 'F' || sp[8] == 'P') && sp[9] == ' ') {
                off += (size_t)(sp - q) + 10;
                continue;
            }
        }
        break;
    }
    return off;
}

/* The cause of a failure on the proxy's own connection to its upstream (nginx proxy_pass
 * https, Postfix smtp, Envoy, Traefik): the same reason, seen from the other side. */
static const char *upstream_cause(const char *msg, size_t mlen, const char *cause)
{
    if (find(msg, mlen, "does not match") != NULL || find(msg, mlen, "hostname mismatch") != NULL ||
        find(msg, mlen, "is valid for") != NULL || find(msg, mlen, "IP SANs") != NULL ||
        find(msg, mlen, "not valid for any names") != NULL) {
        return "upstream.cert.hostname_mismatch";
    }
    if (find(msg, mlen, "has expired") != NULL ||
        find(msg, mlen, "expired or is not yet") != NULL) {
        return "upstream.cert.expired";
    }
    if (find(msg, mlen, "self signed") != NULL || find(msg, mlen, "self-signed") != NULL ||
        find(msg, mlen, "local issuer") != NULL || find(msg, mlen, "unknown authority") != NULL ||
        find(msg, mlen, "issuer certificate") != NULL ||
        find(msg, mlen, "verify the first certificate") != NULL) {
        return "upstream.cert.untrusted";
    }
    if (strcmp(cause, "client.not_tls") == 0 ||
        strcmp(cause, "client.plain_http_to_tls_port") == 0) {
        return "upstream.plain_http";
    }
    if (strcmp(cause, "client.closed_in_handshake") == 0) {
        return "upstream.closed_in_handshake";
    }
    if (strcmp(cause, "cert.chain.verify_failed") == 0 ||
        find(msg, mlen, "certificate verify") != NULL) {
        return "upstream.cert.verify_failed";
    }
    return "upstream.handshake_failed";
}

/* ---- nginx ---------------------------------------------------------------------------- */

/* Start of the message of an nginx error-log line, with or without its date (a line posted
 * without it, or relayed by syslog): after "PID#TID: " and an optional "*CONN ". */
static const char *nginx_msg(const char *p, size_t n)
{
    const char *end = p + n;
    for (const char *h = p; h < end && h < p + 200;) {
        h = memchr(h, '#', (size_t)(end - h));
        if (h == NULL) {
            break;
        }
        const char *a = h, *b = h + 1;
        while (a > p && a[-1] >= '0' && a[-1] <= '9') {
            a--;
        }
        while (b < end && *b >= '0' && *b <= '9') {
            b++;
        }
        if (a < h && b > h + 1 && b + 1 < end && b[0] == ':' && b[1] == ' ') {
            const char *m = b + 2;
            if (m < end && *m == '*') {
                const char *d = m + 1;
                while (d < end && *d >= '0' && *d <= '9') {
                    d++;
                }
                if (d > m + 1 && d < end && *d == ' ') {
                    m = d + 1;
                }
            }
            return m;
        }
        h++;
    }
    /* No pid: "*CONN MESSAGE" or the message itself. */
    const char *star = find(p, n < 64 ? n : 64, "*");
    if (star != NULL && star + 1 < end && star[1] >= '0' && star[1] <= '9') {
        const char *d = star + 1;
        while (d < end && *d >= '0' && *d <= '9') {
            d++;
        }
        if (d < end && *d == ' ') {
            return d + 1;
        }
    }
    static const char *const starts_[] = { "SSL_do_handshake() failed", "peer closed connection",
                                           "client sent plain HTTP",    "upstream SSL certificate",
                                           "SSL_read() failed",         "client SSL certificate" };
    for (size_t i = 0; i < TD_ARRAY_LEN(starts_); i++) {
        const char *k = find(p, n < 200 ? n : 200, starts_[i]);
        if (k != NULL) {
            return k;
        }
    }
    return NULL;
}

/* Error log [log-formats §1]: "YYYY/MM/DD HH:MM:SS [level] pid#tid: *conn MESSAGE, client: IP,
 * server: NAME[, request: ...][, upstream: "URL"]". Access log (combined): status 497, or 400
 * for a request line that is a TLS record ("\x16\x03..."). */
static int parse_nginx(const char *p, size_t n, uint64_t line, td_log_event_t *ev)
{
    event_init(ev, TD_LOG_NGINX, line);
    bool dated = n > 20 && p[4] == '/' && p[7] == '/' && p[10] == ' ';
    const char *msg = (dated || memchr(p, '"', n < 40 ? n : 40) == NULL ||
                       find(p, n < 200 ? n : 200, "] \"") == NULL)
                              ? nginx_msg(p, n)
                              : NULL;
    if (msg != NULL) {
        const char *client = find(msg, (size_t)(p + n - msg), ", client: ");
        size_t mlen = (size_t)((client != NULL ? client : p + n) - msg);
        bool ssl = find(msg, mlen, "SSL") != NULL || find(msg, mlen, "plain HTTP") != NULL ||
                   find(msg, mlen, "handshake rejected") != NULL;
        bool relevant = ssl && (find(msg, mlen, "handshak") != NULL ||
                                find(msg, mlen, "plain HTTP request") != NULL ||
                                find(msg, mlen, "SSL certificate") != NULL);
        /* After the handshake: only alerts (a TLS 1.3 client rejecting the certificate) and
         * integrity failures; a client that just went away is not a failure. */
        bool io = starts(msg, mlen, "SSL_read() failed") || starts(msg, mlen, "SSL_write() failed");
        if (io) {
            relevant =
                    find(msg, mlen, "alert") != NULL || find(msg, mlen, "bad record mac") != NULL;
        }
        /* Not TLS at all: a TLS hello on a plain port, an SSH banner, an HTTP/2 preface. */
        bool invalid = starts(msg, mlen, "client sent invalid method") ||
                       starts(msg, mlen, "client sent invalid request");
        if (invalid) {
            const char *req = find(p, n, "request: \"");
            req = req != NULL ? req + 10 : NULL;
            size_t rl = req != NULL ? (size_t)(p + n - req) : 0;
            bool tls = rl >= 8 && memcmp(req, "\\x16\\x03", 8) == 0;
            bool other = rl >= 4 && (memcmp(req, "SSH-", 4) == 0 || memcmp(req, "PRI ", 4) == 0 ||
                                     memcmp(req, "\\x", 2) == 0);
            if (!tls && !other) {
                return 0;
            }
            ev->cause = tls ? "client.tls_to_plain_port" : "client.not_tls";
            relevant = true;
        }
        if (!relevant) {
            return 0;
        }
        ev->time = dated ? parse_ymd(p, n) : 0;
        td_escape(ev->reason, sizeof(ev->reason), (const uint8_t *)msg, mlen);
        /* nginx's own fixed messages first (cheap prefix checks), OpenSSL codes second. */
        static const struct {
            const char *prefix;
            const char *cause;
        } fixed[] = {
            { "client sent plain HTTP request", "client.plain_http_to_tls_port" },
            { "peer closed connection", "client.closed_in_handshake" },
            { "client closed connection", "client.closed_in_handshake" },
            { "handshake rejected", "tls.sni.unrecognized_name" },
            { "client timed out", "client.handshake_timeout" },
            { "client sent no required SSL certificate", "tls.client_cert.required" },
            { "client SSL certificate verify error", "client.cert_invalid" },
            { "upstream SSL certificate", "upstream.cert.verify_failed" },
        };
        const char *known = NULL;
        for (size_t i = 0; i < TD_ARRAY_LEN(fixed) && known == NULL && !invalid; i++) {
            if (starts(msg, mlen, fixed[i].prefix)) {
                known = fixed[i].cause;
            }
        }
        if (invalid) {
            /* cause set above */
        } else if (known != NULL) {
            ev->cause = known;
        } else {
            cause_from_message(msg, mlen, ev);
        }
        if (find(msg, mlen, "to upstream") != NULL || starts(msg, mlen, "upstream SSL")) {
            ev->side = "upstream";
            ev->cause = upstream_cause(msg, mlen, ev->cause);
            if (!copy_after(p, n, "upstream: \"https://", "/\"", ev->server, sizeof(ev->server))) {
                copy_after(p, n, ", server: ", ",", ev->server, sizeof(ev->server));
            }
        } else {
            copy_after(p, n, ", server: ", ",", ev->server, sizeof(ev->server));
            if (ev->server[0] == '\0' || strcmp(ev->server, " ") == 0) {
                copy_after(p, n, "host: \"", "\"", ev->server, sizeof(ev->server));
            }
        }
        copy_after(p, n, ", client: ", ",", ev->client, sizeof(ev->client));
        return 1;
    }
    /* Access log: IP - USER [time] "REQUEST" STATUS ... */
    const char *lb = memchr(p, '[', n < 128 ? n : 128);
    const char *q1 = find(p, n, "] \"");
    if (lb == NULL || q1 == NULL) {
        return 0;
    }
    const char *req = q1 + 3;
    const char *q2 = find(req, (size_t)(p + n - req), "\" ");
    if (q2 == NULL || (size_t)(p + n - q2) < 5) {
        return 0;
    }
    const char *st = q2 + 2;
    bool tls_req = (size_t)(q2 - req) >= 8 && memcmp(req, "\\x16\\x03", 8) == 0;
    /* ingress-nginx's access format adds "[upstream-name] [alternative] ADDR LEN TIME STATUS"
     * after the request time: a 502/503/504 there is the controller failing its upstream. */
    bool ingress = find(st, (size_t)(p + n - st), "] [") != NULL;
    if (memcmp(st, "497", 3) == 0 && (st + 3 == p + n || st[3] == ' ')) {
        ev->cause = "client.plain_http_to_tls_port";
    } else if (memcmp(st, "400", 3) == 0 && tls_req) {
        ev->cause = "client.tls_to_plain_port";
    } else if (ingress && (memcmp(st, "502 ", 4) == 0 || memcmp(st, "503 ", 4) == 0 ||
                           memcmp(st, "504 ", 4) == 0)) {
        ev->cause = st[2] == '4' ? "http.response.timeout" : "upstream.target_failed";
        ev->side = "upstream";
        const char *rb = find(st, (size_t)(p + n - st), "] [");
        const char *rb2 = rb != NULL ? memchr(rb + 3, ']', (size_t)(p + n - rb - 3)) : NULL;
        if (rb2 != NULL && rb2 + 2 < p + n) {
            const char *a = rb2 + 2, *e = a;
            while (e < p + n && *e != ' ') {
                e++;
            }
            td_escape(ev->server, sizeof(ev->server), (const uint8_t *)a, (size_t)(e - a));
        }
    } else {
        return 0;
    }
    ev->time = parse_dmy(lb + 1, (size_t)(p + n - lb - 1));
    const char *sp = memchr(p, ' ', (size_t)(lb - p));
    td_escape(ev->client, sizeof(ev->client), (const uint8_t *)p,
              (size_t)((sp != NULL ? sp : lb) - p));
    td_escape(ev->reason, sizeof(ev->reason), (const uint8_t *)req - 1, (size_t)(st + 3 - req + 1));
    return 1;
}

/* ---- Apache httpd mod_ssl [log-formats §2] ---------------------------------------------- */

static bool apache_header(const char *p, size_t n, td_log_event_t *ev)
{
    /* "[Www Mmm DD ...] [ssl:LEVEL] ...", also with its first bracket lost in a paste. */
    bool bare = starts(p, n, "SSL Library Error: "); /* pasted without its header */
    if (!bare && (n < 30 || (p[0] != '[' && find(p, n < 80 ? n : 80, "] [") == NULL) ||
                  (find(p, n, "[ssl:") == NULL && find(p, n, "SSL Library Error") == NULL &&
                   find(p, n, "] AH0") == NULL))) {
        return false;
    }
    ev->time = p[0] == '[' ? parse_syslogish(p + 1, n - 1, 0) : parse_syslogish(p, n, 0);
    copy_after(p, n, "[client ", "]", ev->client, sizeof(ev->client));
    return true;
}

/* Apache writes a plain-HTTP connection twice (the "http request" library error, then
 * AH01996): the second line of the same client within a few lines is the same event. */
static int apache_emit(td_logline_state_t *st, td_log_event_t *out, int k, const td_log_event_t *ev)
{
    if (strcmp(ev->cause, "client.plain_http_to_tls_port") == 0 && st->last_cause != NULL &&
        strcmp(st->last_cause, ev->cause) == 0 && ev->line - st->last_line <= 3 &&
        (strcmp(st->last_client, ev->client) == 0 || ev->client[0] == '\0')) {
        st->last_line = ev->line;
        return k;
    }
    out[k] = *ev;
    st->last_line = ev->line;
    st->last_cause = ev->cause;
    td_strlcpy(st->last_client, ev->client, sizeof(st->last_client));
    return k + 1;
}

static int parse_apache(td_logline_state_t *st, const char *p, size_t n, uint64_t line,
                        td_log_event_t out[2])
{
    td_log_event_t ev;
    int emitted = 0;
    event_init(&ev, TD_LOG_APACHE, line);
    if (!apache_header(p, n, &ev)) {
        return 0;
    }
    const char *lib = find(p, n, "SSL Library Error: ");
    if (st->has_pending && (lib == NULL || line - st->pending_line > 2)) {
        /* no reason line followed: keep the generic cause */
        emitted = apache_emit(st, out, emitted, &st->pending);
        st->has_pending = 0;
    }
    if (lib != NULL) {
        size_t len = (size_t)(p + n - lib - 19);
        if (st->has_pending) {
            /* The reason for the AH02008 line just before. */
            td_log_event_t *pe = &st->pending;
            td_escape(pe->reason, sizeof(pe->reason), (const uint8_t *)lib + 19, len);
            cause_from_message(lib + 19, len, pe);
            st->has_pending = 0;
            return apache_emit(st, out, emitted, pe);
        }
        td_escape(ev.reason, sizeof(ev.reason), (const uint8_t *)lib + 19, len);
        cause_from_message(lib + 19, len, &ev);
        return apache_emit(st, out, emitted, &ev);
    }
    const char *ah = find(p, n, "] AH0");
    if (ah == NULL) {
        return emitted;
    }
    const char *msg = ah + 2;
    size_t mlen = (size_t)(p + n - msg);
    td_escape(ev.reason, sizeof(ev.reason), (const uint8_t *)msg, mlen);
    copy_after(p, n, "(server ", ",)", ev.server, sizeof(ev.server));
    if (starts(msg, mlen, "AH02008:")) {
        /* The reason is on the next line: hold the event until then. */
        st->pending = ev;
        st->pending_line = line;
        st->has_pending = 1;
        return emitted;
    }
    if (starts(msg, mlen, "AH01996:")) {
        ev.cause = "client.plain_http_to_tls_port";
    } else if (starts(msg, mlen, "AH02006:")) {
        ev.cause = "client.closed_in_handshake";
    } else if (starts(msg, mlen, "AH02009:") || starts(msg, mlen, "AH02010:") ||
               starts(msg, mlen, "AH02039:")) {
        ev.cause = "client.cert_invalid";
    } else if (starts(msg, mlen, "AH02032:") || starts(msg, mlen, "AH02033:")) {
        ev.cause = starts(msg, mlen, "AH02032:") ? "client.sni_host_mismatch"
                                                 : "tls.sni.unrecognized_name";
    } else if (starts(msg, mlen, "AH02261:")) {
        /* Renegotiation for a per-directory client certificate (impossible in TLS 1.3). */
        ev.cause = "tls.client_cert.required";
    } else if (starts(msg, mlen, "AH02004:")) {
        ev.side = "upstream";
        ev.cause = "upstream.cert.expired";
    } else if (starts(msg, mlen, "AH02005:")) {
        ev.side = "upstream";
        ev.cause = "upstream.cert.hostname_mismatch";
    } else if (starts(msg, mlen, "AH02003:")) {
        ev.side = "upstream";
        ev.cause = "upstream.handshake_failed";
    } else {
        return emitted;
    }
    return apache_emit(st, out, emitted, &ev);
}

/* ---- HAProxy [log-formats §3] ----------------------------------------------------------- */

/* HAProxy's connection error strings (fc_err_str) that concern TLS. */
static const char *haproxy_message(const char *p, size_t n)
{
    static const char *const msgs[] = {
        "SSL handshake failure",
        "Connection closed during SSL handshake",
        "Connection error during SSL handshake",
        "Timeout during SSL handshake",
        "Too many SSL connections",
        "SSL client CA chain cannot be verified",
        "SSL client certificate not trusted",
        "Server presented an SSL certificate different",
        "SSL fatal error",
    };
    for (size_t i = 0; i < TD_ARRAY_LEN(msgs); i++) {
        const char *k = find(p, n, msgs[i]);
        if (k != NULL) {
            return k;
        }
    }
    return NULL;
}

/* HAProxy with a JSON log-format: the client in "client_ip"/"src", the error string in any
 * field. */
static int parse_haproxy_json(const char *p, size_t n, td_log_event_t *ev)
{
    const char *msg = haproxy_message(p, n);
    if (msg == NULL) {
        return 0;
    }
    const char *e = msg;
    while (e < p + n && *e != '"') {
        e++;
    }
    td_escape(ev->reason, sizeof(ev->reason), (const uint8_t *)msg, (size_t)(e - msg));
    cause_from_message(msg, (size_t)(e - msg), ev);
    if (strcmp(ev->cause, "tls.cipher.no_common") == 0 &&
        find(msg, (size_t)(e - msg), "error:") == NULL) {
        ev->cause = "tls.handshake.failed";
    }
    if (!copy_after(p, n, "\"client_ip\":\"", "\"", ev->client, sizeof(ev->client))) {
        copy_after(p, n, "\"src\":\"", "\"", ev->client, sizeof(ev->client));
    }
    copy_after(p, n, "\"frontend_name\":\"", "\"", ev->server, sizeof(ev->server));
    return 1;
}

static int parse_haproxy(const char *p, size_t n, uint64_t line, td_log_event_t *ev)
{
    event_init(ev, TD_LOG_HAPROXY, line);
    const char *ssl = find(p, n, "SSL");
    if (ssl == NULL) {
        return 0;
    }
    if (n > 0 && p[0] == '{') {
        return parse_haproxy_json(p, n, ev);
    }
    /* "CLIENT_IP:PORT [DD/Mon/YYYY:HH:MM:SS.mmm] FRONTEND/BIND: MESSAGE" */
    const char *br = NULL;
    for (const char *q = p; q < p + n; q++) {
        q = memchr(q, '[', (size_t)(p + n - q));
        if (q == NULL) {
            break;
        }
        if (parse_dmy(q + 1, (size_t)(p + n - q - 1)) != 0) {
            br = q;
            break;
        }
    }
    if (br == NULL || br == p) {
        return 0;
    }
    ev->time = parse_dmy(br + 1, (size_t)(p + n - br - 1));
    const char *cend = br - 1;
    const char *cstart = cend;
    while (cstart > p && cstart[-1] != ' ') {
        cstart--;
    }
    /* A syslog priority written straight before the address ("<134>1.2.3.4:5678") is not
     * part of it. */
    if (cstart < cend && *cstart == '<') {
        const char *gt = memchr(cstart, '>', (size_t)(cend - cstart));
        if (gt != NULL && gt - cstart <= 4) {
            cstart = gt + 1;
        }
    }
    td_escape(ev->client, sizeof(ev->client), (const uint8_t *)cstart, (size_t)(cend - cstart));
    const char *rb = memchr(br, ']', (size_t)(p + n - br));
    if (rb == NULL || (size_t)(p + n - rb) < 3) {
        return 0;
    }
    const char *fe = rb + 2;
    const char *colon = find(fe, (size_t)(p + n - fe), ": ");
    const char *msg = NULL;
    if (colon != NULL && find(colon, (size_t)(p + n - colon), "SSL") != NULL &&
        memchr(fe, ' ', (size_t)(colon - fe)) == NULL) {
        td_escape(ev->server, sizeof(ev->server), (const uint8_t *)fe, (size_t)(colon - fe));
        msg = colon + 2;
    } else {
        /* A custom log-format: the frontend first, the error string somewhere after it. */
        const char *sp = memchr(fe, ' ', (size_t)(p + n - fe));
        td_escape(ev->server, sizeof(ev->server), (const uint8_t *)fe,
                  (size_t)((sp != NULL ? sp : p + n) - fe));
        msg = haproxy_message(fe, (size_t)(p + n - fe));
    }
    if (msg == NULL) {
        return 0;
    }
    size_t mlen = (size_t)(p + n - msg);
    if (find(msg, mlen, "SSL") == NULL) {
        return 0;
    }
    td_escape(ev->reason, sizeof(ev->reason), (const uint8_t *)msg, mlen);
    cause_from_message(msg, mlen, ev);
    if (strcmp(ev->cause, "tls.cipher.no_common") == 0 && find(msg, mlen, "error:") == NULL) {
        /* A bare "SSL handshake failure" says nothing about ciphers. */
        ev->cause = "tls.handshake.failed";
    }
    return 1;
}

/* ---- F5 BIG-IP [log-formats §4] -------------------------------------------------------- */

static void f5_addr_pair(const char *p, size_t n, td_log_event_t *ev)
{
    const char *tcp = find(p, n, " for TCP ");
    if (tcp == NULL) {
        return;
    }
    const char *a = tcp + 9;
    const char *arrow = find(a, (size_t)(p + n - a), " -> ");
    if (arrow == NULL) {
        return;
    }
    td_escape(ev->client, sizeof(ev->client), (const uint8_t *)a, (size_t)(arrow - a));
    const char *b = arrow + 4;
    const char *e = b;
    while (e < p + n && *e != ' ') {
        e++;
    }
    td_escape(ev->server, sizeof(ev->server), (const uint8_t *)b, (size_t)(e - b));
}

static int parse_f5(td_logline_state_t *st, const char *p, size_t n, uint64_t line,
                    td_log_event_t out[2])
{
    td_log_event_t ev;
    int emitted = 0;
    event_init(&ev, TD_LOG_F5, line);
    ev.time = parse_syslogish(p, n, st->f5_year);
    const char *d = find(p, n, "01260009:");
    const char *s = find(p, n, "01260013:");
    if (d != NULL) {
        /* "Connection error: FUNC:LINE: REASON (ALERT)": the addresses follow in 01260013. */
        if (st->has_pending) {
            out[emitted++] = st->pending;
        }
        const char *r = find(d, (size_t)(p + n - d), "Connection error: ");
        const char *msg = r != NULL ? r + 18 : d;
        size_t mlen = (size_t)(p + n - msg);
        td_escape(ev.reason, sizeof(ev.reason), (const uint8_t *)msg, mlen);
        const char *par = NULL;
        for (const char *q = msg + mlen; q > msg; q--) {
            if (q[-1] == '(') {
                par = q;
                break;
            }
        }
        ev.cause = td_cause_of_text(msg, mlen);
        if (par != NULL) {
            td_text_t t;
            unsigned long v = 0;
            td_text_init(&t, par, (size_t)(p + n - par));
            if (td_text_uint(&t, 3, &v) == 0 && v < 256) {
                ev.alert = (int)v; /* the alert BIG-IP sent */
            }
        }
        if (ev.cause == NULL) {
            ev.cause = ev.alert >= 0 ? td_cause_of_alert(ev.alert) : "tls.handshake.failed";
        }
        st->pending = ev;
        st->pending_line = line;
        st->has_pending = 1;
        return emitted;
    }
    if (s != NULL) {
        if (st->has_pending && line - st->pending_line <= 3) {
            ev.cause = st->pending.cause;
            ev.alert = st->pending.alert;
            td_strlcpy(ev.reason, st->pending.reason, sizeof(ev.reason));
            st->has_pending = 0;
        } else {
            if (st->has_pending) {
                out[emitted++] = st->pending;
                st->has_pending = 0;
            }
            td_escape(ev.reason, sizeof(ev.reason), (const uint8_t *)s + 12,
                      (size_t)(p + n - s - 12 > 0 ? p + n - s - 12 : 0));
        }
        f5_addr_pair(p, n, &ev);
        out[emitted++] = ev;
        return emitted;
    }
    const char *nc = find(p, n, "01260026:");
    if (nc != NULL) {
        /* "No shared ciphers between SSL peers CLIENT.PORT:VIP.PORT." : the reason of the
         * connection whose 01260013 follows (or alone, when that is not logged). */
        if (st->has_pending && line - st->pending_line <= 3) {
            if (strcmp(st->pending.cause, "tls.handshake.failed") == 0) {
                st->pending.cause = "tls.cipher.no_common";
            }
            return 0;
        }
        if (st->has_pending) {
            out[emitted++] = st->pending;
        }
        const char *m = find(nc, (size_t)(p + n - nc), ": ");
        m = m != NULL ? m + 2 : nc;
        const char *r = find(m, (size_t)(p + n - m), ": ");
        r = r != NULL ? r + 2 : m;
        td_escape(ev.reason, sizeof(ev.reason), (const uint8_t *)r, (size_t)(p + n - r));
        ev.cause = "tls.cipher.no_common";
        const char *peers = find(r, (size_t)(p + n - r), "peers ");
        if (peers != NULL) {
            const char *a = peers + 6, *c = memchr(a, ':', (size_t)(p + n - a));
            if (c != NULL) {
                td_escape(ev.client, sizeof(ev.client), (const uint8_t *)a, (size_t)(c - a));
                const char *e = c + 1;
                while (e < p + n && *e != ' ' && !(*e == '.' && (e + 1 == p + n || e[1] == ' '))) {
                    e++;
                }
                td_escape(ev.server, sizeof(ev.server), (const uint8_t *)c + 1,
                          (size_t)(e - c - 1));
            }
        }
        st->pending = ev;
        st->pending_line = line;
        st->has_pending = 1;
        return emitted;
    }
    return 0; /* other 0126xxxx lines: context only */
}

/* ---- AWS ALB access log [log-formats §5] ------------------------------------------------ */

/* Reads space-separated fields, with "quoted" fields kept whole (quotes dropped). */
static int alb_fields(const char *p, size_t n, td_bytes_t *f, int max)
{
    int k = 0;
    size_t i = 0;
    while (i < n && k < max) {
        while (i < n && p[i] == ' ') {
            i++;
        }
        if (i >= n) {
            break;
        }
        if (p[i] == '"') {
            size_t j = i + 1;
            while (j < n && p[j] != '"') {
                j++;
            }
            f[k].p = (const uint8_t *)p + i + 1;
            f[k].len = j - i - 1;
            i = j + 1;
        } else {
            size_t j = i;
            while (j < n && p[j] != ' ') {
                j++;
            }
            f[k].p = (const uint8_t *)p + i;
            f[k].len = j - i;
            i = j;
        }
        k++;
    }
    return k;
}

static bool field_is(const td_bytes_t *f, const char *s)
{
    return f->len == strlen(s) && memcmp(f->p, s, f->len) == 0;
}

static int parse_alb(const char *p, size_t n, uint64_t line, td_log_event_t *ev)
{
    td_bytes_t f[32];
    event_init(ev, TD_LOG_ALB, line);
    int k = alb_fields(p, n, f, (int)TD_ARRAY_LEN(f));
    /* Connection log: time client_ip client_port listener_port tls_protocol tls_cipher
     * latency "subject" validity serial tls_verify_status [conn_trace_id]. */
    if (k >= 11 && f[0].len > 20 && f[0].p[10] == 'T' && f[0].p[f[0].len - 1] == 'Z') {
        const td_bytes_t *vs = &f[10];
        if (vs->len < 7 || memcmp(vs->p, "Failed:", 7) != 0) {
            return 0;
        }
        ev->time = parse_ymd((const char *)f[0].p, f[0].len);
        td_fmt(ev->client, sizeof(ev->client), "%.*s", (int)f[1].len, (const char *)f[1].p);
        td_escape(ev->reason, sizeof(ev->reason), vs->p, vs->len);
        ev->cause = "client.cert_invalid";
        return 1;
    }
    /* 0 type 1 time 2 elb 3 client:port 4 target:port 5-7 times 8 elb_status 9 target_status
     * ... 12 request 13 user_agent 14 ssl_cipher 15 ssl_protocol 16 tg 17 trace 18 domain
     * ... 23 actions 24 redirect 25 error_reason */
    if (k < 16 || f[8].len != 3) {
        return 0;
    }
    const td_bytes_t *es = &f[8];
    bool lb_generated = field_is(&f[9], "-");
    if (field_is(es, "460")) {
        ev->cause = "client.closed_request";
    } else if (field_is(es, "504") && lb_generated) {
        ev->cause = "http.response.timeout";
    } else if ((field_is(es, "502") || field_is(es, "503")) && lb_generated) {
        ev->cause = "upstream.target_failed";
        ev->side = "upstream";
    } else {
        return 0;
    }
    ev->time = parse_ymd((const char *)f[1].p, f[1].len);
    td_escape(ev->client, sizeof(ev->client), f[3].p, f[3].len);
    if (k > 18 && !field_is(&f[18], "-")) {
        td_escape(ev->server, sizeof(ev->server), f[18].p, f[18].len);
    } else {
        td_escape(ev->server, sizeof(ev->server), f[2].p, f[2].len);
    }
    td_fmt(ev->reason, sizeof(ev->reason), "elb_status_code %.3s", (const char *)es->p);
    if (k > 25 && !field_is(&f[25], "-")) {
        td_fmt_append(ev->reason, sizeof(ev->reason), ", error_reason ");
        size_t at = strlen(ev->reason);
        td_escape(ev->reason + at, sizeof(ev->reason) - at, f[25].p, f[25].len);
    }
    if (!field_is(&f[4], "-")) {
        td_fmt_append(ev->reason, sizeof(ev->reason), ", target ");
        size_t at = strlen(ev->reason);
        td_escape(ev->reason + at, sizeof(ev->reason) - at, f[4].p, f[4].len);
    }
    return 1;
}

/* ---- Cloudflare Logpush http_requests, JSON lines [log-formats §6][failure-kb §1.1] ------ */

static bool json_str(const char *p, size_t n, const char *key, char *dst, size_t cap)
{
    char k[64];
    td_fmt(k, sizeof(k), "\"%s\":\"", key);
    return copy_after(p, n, k, "\"", dst, cap);
}

static int parse_cloudflare(const char *p, size_t n, uint64_t line, td_log_event_t *ev)
{
    event_init(ev, TD_LOG_CLOUDFLARE, line);
    const char *k = find(p, n, "\"EdgeResponseStatus\":");
    if (k == NULL) {
        return 0;
    }
    td_text_t t;
    unsigned long status = 0;
    td_text_init(&t, k + 21, (size_t)(p + n - k - 21));
    td_text_skip_ws(&t);
    if (td_text_uint(&t, 3, &status) < 0) {
        return 0;
    }
    switch (status) {
    case 520:
        ev->cause = "http.response.empty";
        break;
    case 521:
        ev->cause = "tcp.connect.refused";
        break;
    case 522:
        ev->cause = "tcp.connect.timeout";
        break;
    case 523:
        ev->cause = "tcp.connect.unreachable";
        break;
    case 524:
        ev->cause = "http.response.timeout";
        break;
    case 525:
        ev->cause = "tls.handshake.failed";
        break;
    case 526:
        ev->cause = "cert.chain.verify_failed";
        break;
    default:
        return 0;
    }
    ev->side = "upstream";
    json_str(p, n, "ClientIP", ev->client, sizeof(ev->client));
    json_str(p, n, "ClientRequestHost", ev->server, sizeof(ev->server));
    char ts[40];
    if (json_str(p, n, "EdgeStartTimestamp", ts, sizeof(ts))) {
        ev->time = parse_ymd(ts, strlen(ts));
    } else {
        const char *tk = find(p, n, "\"EdgeStartTimestamp\":");
        unsigned long v = 0;
        if (tk != NULL) {
            td_text_init(&t, tk + 21, (size_t)(p + n - tk - 21));
            if (td_text_uint(&t, 19, &v) == 0) {
                ev->time = (int64_t)(v > 100000000000ul ? v / 1000000000ul : v);
            }
        }
    }
    td_fmt(ev->reason, sizeof(ev->reason), "EdgeResponseStatus %lu", status);
    char origin[16];
    if (copy_after(p, n, "\"OriginResponseStatus\":", ",}", origin, sizeof(origin))) {
        td_fmt_append(ev->reason, sizeof(ev->reason), ", OriginResponseStatus %s", origin);
    }
    return 1;
}

/* ---- lighttpd 1.4 mod_openssl ----------------------------------------------------------- */

/* "YYYY-MM-DD HH:MM:SS: (mod_openssl.c.3275) SSL: 1 error:0A000102:SSL routines::unsupported
 * protocol (127.0.0.1)"; syslog relays keep the "(mod_openssl.c.N)" part. */
static int parse_lighttpd(const char *p, size_t n, uint64_t line, td_log_event_t *ev)
{
    event_init(ev, TD_LOG_LIGHTTPD, line);
    const char *mod = find(p, n, "mod_openssl.c.");
    if (mod == NULL) {
        mod = find(p, n, "mod_gnutls.c.");
    }
    if (mod == NULL) {
        mod = find(p, n, "mod_mbedtls.c.");
    }
    if (mod == NULL) {
        mod = find(p, n, "mod_wolfssl.c.");
    }
    if (mod == NULL) {
        return 0;
    }
    const char *ssl = find(mod, (size_t)(p + n - mod), ") SSL");
    if (ssl == NULL) {
        return 0;
    }
    const char *msg = ssl + 2;
    const char *end = p + n;
    /* The client address lighttpd appends: " (ADDR)" at the end. */
    if (end > msg && end[-1] == ')') {
        const char *lp = end - 1;
        while (lp > msg && *lp != '(') {
            lp--;
        }
        if (*lp == '(' && lp > msg && lp[-1] == ' ' && end - lp - 2 < 64 &&
            strspn(lp + 1, "0123456789abcdefABCDEF.:") >= (size_t)(end - lp - 2)) {
            td_escape(ev->client, sizeof(ev->client), (const uint8_t *)lp + 1,
                      (size_t)(end - lp - 2));
            end = lp - 1;
        }
    }
    size_t mlen = (size_t)(end - msg);
    if (find(msg, mlen, "error:") == NULL && find(msg, mlen, "reset by peer") == NULL &&
        find(msg, mlen, "alert") == NULL) {
        return 0;
    }
    if (n > 19 && p[4] == '-' && p[13] == ':') {
        ev->time = parse_ymd(p, n);
    }
    td_escape(ev->reason, sizeof(ev->reason), (const uint8_t *)msg, mlen);
    cause_from_message(msg, mlen, ev);
    return 1;
}

/* ---- Go servers: Caddy, Traefik, kubelet, etcd... [net/http server.go, crypto/tls] ------ */

static const struct {
    const char *text;
    int alert;
} go_alerts[] = {
    { "bad certificate", 42 },
    { "unsupported certificate", 43 },
    { "revoked certificate", 44 },
    { "expired certificate", 45 },
    { "unknown certificate authority", 48 },
    { "unknown certificate", 46 },
    { "access denied", 49 },
    { "handshake failure", 40 },
    { "protocol version not supported", 70 },
    { "internal error", 80 },
    { "unrecognized name", 112 },
    { "certificate required", 116 },
    { "no application protocol", 120 },
    { "illegal parameter", 47 },
    { "inappropriate fallback", 86 },
};

/* The time of a Go server's line: zap's "ts":SECONDS, "time":"ISO", logfmt time="ISO", or a
 * leading "YYYY/MM/DD HH:MM:SS" / ISO date. */
static int64_t go_time(const char *p, size_t n)
{
    const char *k = find(p, n, "\"ts\":");
    if (k != NULL) {
        td_text_t t;
        unsigned long v = 0;
        td_text_init(&t, k + 5, (size_t)(p + n - k - 5));
        if (td_text_uint(&t, 19, &v) == 0 && v > 1000000000ul) {
            return (int64_t)(v > 100000000000ul ? v / 1000 : v);
        }
    }
    static const char *const keys[] = { "\"time\":\"", "time=\"", "\"@timestamp\":\"" };
    for (size_t i = 0; i < TD_ARRAY_LEN(keys); i++) {
        k = find(p, n, keys[i]);
        if (k != NULL) {
            size_t l = strlen(keys[i]);
            return parse_ymd(k + l, (size_t)(p + n - k) - l);
        }
    }
    return n > 19 && p[4] == '/' ? parse_ymd(p, n) : n > 19 && p[4] == '-' ? parse_ymd(p, n) : 0;
}

static int parse_go(td_log_format_t fmt, const char *p, size_t n, uint64_t line, td_log_event_t *ev)
{
    event_init(ev, fmt, line);
    const char *h = find(p, n, "TLS handshake error from ");
    const char *end = p + n;
    if (h == NULL) {
        /* A reverse proxy failing its upstream (Traefik): 'error="tls: failed to verify
         * certificate: x509: ..."', "... caused by: x509: ...". */
        const char *x = find(p, n, "x509: ");
        if (x == NULL) {
            x = find(p, n, "tls: failed to verify certificate");
        }
        if (x == NULL ||
            (find(p, n, "Bad Gateway") == NULL && find(p, n, "Internal Server Error") == NULL &&
             find(p, n, "error=") == NULL && find(p, n, "caused by") == NULL)) {
            return 0;
        }
        const char *e = x;
        while (e < end && *e != '"' && *e != '\\') {
            e++;
        }
        ev->side = "upstream";
        td_escape(ev->reason, sizeof(ev->reason), (const uint8_t *)x, (size_t)(e - x));
        ev->cause = upstream_cause(x, (size_t)(e - x), "cert.chain.verify_failed");
        ev->time = go_time(p, n);
        return 1;
    }
    const char *a = h + 25;
    const char *c = find(a, (size_t)(end - a), ": ");
    if (c == NULL) {
        return 0;
    }
    td_escape(ev->client, sizeof(ev->client), (const uint8_t *)a, (size_t)(c - a));
    const char *r = c + 2;
    const char *e = r;
    while (e < end && *e != '"' && *e != '\\') {
        e++;
    }
    /* JSON or logfmt ends the message with a quote; a text line may run to its end. */
    size_t rlen = (size_t)(e - r);
    td_escape(ev->reason, sizeof(ev->reason), (const uint8_t *)r, rlen);
    ev->time = go_time(p, n);
    if (rlen == 3 && memcmp(r, "EOF", 3) == 0) {
        ev->cause = "client.closed_in_handshake";
        return 1;
    }
    /* "remote error: tls: ALERT" (Go 1.x "remote error: ALERT" before 1.8) */
    const char *remote = find(r, rlen, "remote error: ");
    if (remote != NULL) {
        const char *t = remote + 14;
        if (starts(t, (size_t)(r + rlen - t), "tls: ")) {
            t += 5;
        }
        size_t tl = (size_t)(r + rlen - t);
        for (size_t i = 0; i < TD_ARRAY_LEN(go_alerts); i++) {
            if (starts(t, tl, go_alerts[i].text)) {
                ev->alert = go_alerts[i].alert;
                ev->cause = td_cause_of_alert(ev->alert);
                return 1;
            }
        }
    }
    const char *id = td_cause_of_text(r, rlen);
    if (id == NULL &&
        (find(r, rlen, "reset by peer") != NULL || find(r, rlen, "broken pipe") != NULL)) {
        id = "client.closed_in_handshake";
    }
    if (id == NULL && find(r, rlen, "i/o timeout") != NULL) {
        id = "client.handshake_timeout";
    }
    ev->cause = id != NULL ? id : "tls.handshake.failed";
    return 1;
}

/* ---- Envoy / Istio access log [access_log format, response flags] --------------------- */

/* Default and Istio text format: '[START] "METHOD PATH PROTO" CODE FLAGS DETAILS TERMINATION
 * "TRANSPORT_FAILURE_REASON" ...'; JSON: "response_flags", "upstream_transport_failure_reason". */
static int parse_envoy(const char *p, size_t n, uint64_t line, td_log_event_t *ev)
{
    event_init(ev, TD_LOG_ENVOY, line);
    char flags[48] = "", code[8] = "", reason[200] = "";
    if (n > 0 && p[0] == '{') {
        if (!json_str(p, n, "response_flags", flags, sizeof(flags))) {
            return 0;
        }
        (void)json_str(p, n, "upstream_transport_failure_reason", reason, sizeof(reason));
        if (!copy_after(p, n, "\"response_code\":", ",}", code, sizeof(code))) {
            return 0;
        }
        (void)json_str(p, n, "downstream_remote_address", ev->client, sizeof(ev->client));
        (void)json_str(p, n, "upstream_host", ev->server, sizeof(ev->server));
        char ts[40];
        if (json_str(p, n, "start_time", ts, sizeof(ts))) {
            ev->time = parse_ymd(ts, strlen(ts));
        }
    } else {
        if (n < 30 || p[0] != '[') {
            return 0;
        }
        const char *q1 = find(p, n, "] \"");
        const char *q2 = q1 != NULL ? memchr(q1 + 3, '"', (size_t)(p + n - q1 - 3)) : NULL;
        if (q2 == NULL || q2 + 2 >= p + n) {
            return 0;
        }
        td_bytes_t f[8];
        int k = alb_fields(q2 + 2, (size_t)(p + n - q2 - 2), f, 8);
        if (k < 2) {
            return 0;
        }
        td_escape(code, sizeof(code), f[0].p, f[0].len);
        td_escape(flags, sizeof(flags), f[1].p, f[1].len);
        /* Istio: details, termination details, then the quoted transport failure reason. */
        for (int i = 2; i < k && i < 5; i++) {
            if (f[i].len > 4 && (memchr(f[i].p, ' ', f[i].len) != NULL || f[i].len > 20)) {
                td_escape(reason, sizeof(reason), f[i].p, f[i].len);
                break;
            }
            if (i == 2 && f[i].len > 0 &&
                find((const char *)f[i].p, f[i].len, "TLS_error") != NULL) {
                td_escape(reason, sizeof(reason), f[i].p, f[i].len);
                break;
            }
        }
        ev->time = parse_ymd(p + 1, n - 1);
        /* The Istio format ends with "UPSTREAM_HOST ... DOWNSTREAM_REMOTE"; keep the quoted
         * upstream host of the default format. */
        const char *last = NULL;
        for (const char *q = q2 + 1; q < p + n;) {
            const char *o = memchr(q, '"', (size_t)(p + n - q));
            if (o == NULL) {
                break;
            }
            const char *cl = memchr(o + 1, '"', (size_t)(p + n - o - 1));
            if (cl == NULL) {
                break;
            }
            last = o + 1;
            if (cl - last > 0 && cl - last < 160) {
                td_escape(ev->server, sizeof(ev->server), (const uint8_t *)last,
                          (size_t)(cl - last));
            }
            q = cl + 1;
        }
    }
    bool uf = strstr(flags, "UF") != NULL, uh = strstr(flags, "UH") != NULL,
         ut = strstr(flags, "UT") != NULL, uc = strstr(flags, "UC") != NULL,
         urx = strstr(flags, "URX") != NULL, upe = strstr(flags, "UPE") != NULL;
    if (!uf && !uh && !ut && !uc && !urx && !upe) {
        return 0;
    }
    ev->side = "upstream";
    td_fmt(ev->reason, sizeof(ev->reason), "response %s flags %s%s%s", code, flags,
           reason[0] ? " " : "", reason);
    if (reason[0] != '\0' && (find(reason, strlen(reason), "TLS") != NULL ||
                              find(reason, strlen(reason), "SSL") != NULL)) {
        /* BoringSSL names as upper case words with underscores. */
        char low[200];
        size_t l = strlen(reason);
        for (size_t i = 0; i < l; i++) {
            char ch = reason[i];
            low[i] = ch == '_' ? ' ' : (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
        }
        td_log_event_t tmp;
        event_init(&tmp, TD_LOG_ENVOY, line);
        cause_from_message(low, l, &tmp);
        ev->cause = upstream_cause(low, l, tmp.cause);
    } else if (ut) {
        ev->cause = "http.response.timeout";
    } else if (upe) {
        ev->cause = "http.response.non_http"; /* the upstream's reply did not parse */
    } else {
        ev->cause = "upstream.target_failed";
    }
    return 1;
}

/* ---- IIS HTTP.sys HTTPERR [date time c-ip c-port s-ip s-port cs-version cs-method cs-uri
 * sc-status s-siteid s-reason s-queuename] --------------------------------------------- */
static int parse_iis(const char *p, size_t n, uint64_t line, td_log_event_t *ev)
{
    event_init(ev, TD_LOG_IIS, line);
    td_bytes_t f[14];
    if (n == 0 || p[0] == '#' || alb_fields(p, n, f, 14) < 12) {
        return 0;
    }
    const td_bytes_t *reason = &f[11], *method = &f[7];
    bool no_request = field_is(method, "-");
    if (no_request && (field_is(reason, "Client_Reset") || field_is(reason, "Connection_Dropped") ||
                       field_is(reason, "Connection_Abandoned_By_ReqQueue"))) {
        ev->cause = "client.closed_in_handshake";
    } else if (no_request && field_is(reason, "Timer_ConnectionIdle")) {
        ev->cause = "client.handshake_timeout";
    } else {
        return 0;
    }
    char ts[24];
    td_fmt(ts, sizeof(ts), "%.10s %.8s", (const char *)f[0].p, (const char *)f[1].p);
    ev->time = parse_ymd(ts, strlen(ts));
    td_fmt(ev->client, sizeof(ev->client), "%.*s", (int)f[2].len, (const char *)f[2].p);
    td_fmt(ev->server, sizeof(ev->server), "%.*s:%.*s", (int)f[4].len, (const char *)f[4].p,
           (int)f[5].len, (const char *)f[5].p);
    td_fmt(ev->reason, sizeof(ev->reason), "HTTPERR %.*s, no request", (int)reason->len,
           (const char *)reason->p);
    return 1;
}

/* ---- AWS Classic Load Balancer [time elb client:port backend:port t t t elb_status
 * backend_status rx tx "request" "agent" cipher protocol] ------------------------------- */
static int parse_elb(const char *p, size_t n, uint64_t line, td_log_event_t *ev)
{
    event_init(ev, TD_LOG_ELB, line);
    td_bytes_t f[16];
    int k = alb_fields(p, n, f, 16);
    if (k < 11 || f[7].len != 3) {
        return 0;
    }
    const td_bytes_t *es = &f[7];
    bool backend_none = field_is(&f[8], "-") || field_is(&f[8], "0");
    if (field_is(es, "504") && backend_none) {
        ev->cause = "http.response.timeout";
    } else if ((field_is(es, "502") || field_is(es, "503")) && backend_none) {
        ev->cause = "upstream.target_failed";
    } else {
        return 0;
    }
    ev->side = "upstream";
    ev->time = parse_ymd((const char *)f[0].p, f[0].len);
    td_escape(ev->client, sizeof(ev->client), f[2].p, f[2].len);
    td_escape(ev->server, sizeof(ev->server), f[1].p, f[1].len);
    td_fmt(ev->reason, sizeof(ev->reason), "elb_status_code %.3s, backend ", (const char *)es->p);
    size_t at = strlen(ev->reason);
    td_escape(ev->reason + at, sizeof(ev->reason) - at, f[3].p, f[3].len);
    return 1;
}

/* ---- Postfix and Dovecot [smtpd tls_misc.c, dovecot login-common] --------------------- */

static void mail_time(const char *p, size_t n, int year, td_log_event_t *ev)
{
    if (n > 19 && p[4] == '-' && p[10] == 'T') {
        ev->time = parse_ymd(p, n);
    } else {
        ev->time = parse_syslogish(p, n, year);
    }
}

/* The cause of what Postfix writes after "SSL_accept error from NAME[IP]: ". */
static const char *mail_reason(const char *r, size_t rl)
{
    if (find(r, rl, "timed out") != NULL) {
        return "client.handshake_timeout";
    }
    if (find(r, rl, "lost connection") != NULL || find(r, rl, "reset by peer") != NULL ||
        find(r, rl, "Broken pipe") != NULL) {
        return "client.closed_in_handshake";
    }
    return NULL; /* "-1": the reason is on the next "TLS library problem" line */
}

static int parse_mail(td_logline_state_t *st, const char *p, size_t n, uint64_t line,
                      td_log_event_t out[2])
{
    td_log_event_t ev;
    int emitted = 0;
    event_init(&ev, TD_LOG_MAIL, line);
    mail_time(p, n, st->f5_year, &ev);
    const char *acc = find(p, n, "SSL_accept error from ");
    const char *con = find(p, n, "SSL_connect error to ");
    const char *lib = find(p, n, "TLS library problem: ");
    const char *stacked = find(p, n, "SSL: Stacked error: ");
    const char *dov = find(p, n, "SSL_accept() failed: ");
    const char *dov_reason = dov != NULL ? dov + 21 : NULL;
    if (dov == NULL) {
        dov = find(p, n, "SSL_read failed: "); /* an alert after the handshake */
        dov_reason = dov != NULL ? dov + 17 : NULL;
    }
    if (st->has_pending && (line - st->pending_line > 3 || acc != NULL || con != NULL)) {
        out[emitted++] = st->pending; /* no reason line followed */
        st->has_pending = 0;
    }
    if (acc != NULL || con != NULL) {
        const char *a = acc != NULL ? acc + 22 : con + 21;
        const char *lb = memchr(a, '[', (size_t)(p + n - a));
        const char *rb = lb != NULL ? memchr(lb, ']', (size_t)(p + n - lb)) : NULL;
        if (lb != NULL && rb != NULL) {
            td_escape(acc != NULL ? ev.client : ev.server,
                      acc != NULL ? sizeof(ev.client) : sizeof(ev.server), (const uint8_t *)lb + 1,
                      (size_t)(rb - lb - 1));
        }
        const char *r = rb != NULL ? find(rb, (size_t)(p + n - rb), ": ") : NULL;
        r = r != NULL ? r + 2 : p + n;
        size_t rl = (size_t)(p + n - r);
        td_escape(ev.reason, sizeof(ev.reason), (const uint8_t *)r, rl);
        const char *id = mail_reason(r, rl);
        if (con != NULL) {
            ev.side = "upstream";
        }
        if (id == NULL) {
            st->pending = ev;
            st->pending_line = line;
            st->has_pending = 1;
            return emitted;
        }
        ev.cause = con != NULL ? upstream_cause(r, rl, id) : id;
        out[emitted++] = ev;
        return emitted;
    }
    const char *reason = lib != NULL ? lib + 21 : stacked != NULL ? stacked + 20 : dov_reason;
    if (reason == NULL) {
        return emitted;
    }
    size_t rl = (size_t)(p + n - reason);
    const char *comma = NULL;
    if (dov != NULL) { /* "...: REASON (disconnected ...): user=<>, rip=..." or ", session=" */
        comma = find(reason, rl, " (");
        const char *c2 = find(reason, rl, ", session=");
        if (comma == NULL || (c2 != NULL && c2 < comma)) {
            comma = c2;
        }
        if (comma != NULL) {
            rl = (size_t)(comma - reason);
        }
        copy_after(p, n, "rip=", ",", ev.client, sizeof(ev.client));
        copy_after(p, n, "lip=", ",", ev.server, sizeof(ev.server));
    }
    bool unknown = dov != NULL && starts(reason, rl, "Unknown error");
    if (unknown && st->has_pending) {
        /* Dovecot's "Stacked error" line before it had the reason. */
        td_log_event_t pe = st->pending;
        st->has_pending = 0;
        td_strlcpy(pe.client, ev.client, sizeof(pe.client));
        td_strlcpy(pe.server, ev.server, sizeof(pe.server));
        out[emitted++] = pe;
        return emitted;
    }
    td_log_event_t *target = &ev;
    if ((lib != NULL || stacked != NULL) && st->has_pending && line - st->pending_line <= 3) {
        target = &st->pending;
    }
    td_escape(target->reason, sizeof(target->reason), (const uint8_t *)reason, rl);
    cause_from_message(reason, rl, target);
    if (unknown || (dov != NULL && find(reason, rl, "reset by peer") != NULL)) {
        target->cause = "client.closed_in_handshake";
    }
    if (strcmp(target->side, "upstream") == 0) {
        target->cause = upstream_cause(reason, rl, target->cause);
    }
    if (target == &st->pending) {
        out[emitted++] = st->pending;
        st->has_pending = 0;
        return emitted;
    }
    if (stacked != NULL) {
        /* Dovecot: the "Disconnected ... SSL_accept() failed" line with the address follows. */
        st->pending = ev;
        st->pending_line = line;
        st->has_pending = 1;
        return emitted;
    }
    out[emitted++] = ev;
    return emitted;
}

/* ---- dispatch ------------------------------------------------------------------------ */

int td_logline_parse(td_log_format_t fmt, td_logline_state_t *st, const char *p, size_t n,
                     uint64_t line_no, td_log_event_t out[2])
{
    size_t off = td_logline_unframe(p, n);
    p += off;
    n -= off;
    switch (fmt) {
    case TD_LOG_LIGHTTPD:
        return parse_lighttpd(p, n, line_no, &out[0]);
    case TD_LOG_INGRESS: {
        int k = parse_nginx(p, n, line_no, &out[0]);
        out[0].format = td_log_format_name(TD_LOG_INGRESS);
        return k;
    }
    case TD_LOG_CADDY:
    case TD_LOG_TRAEFIK:
    case TD_LOG_GO:
        return parse_go(fmt, p, n, line_no, &out[0]);
    case TD_LOG_ENVOY:
        return parse_envoy(p, n, line_no, &out[0]);
    case TD_LOG_IIS:
        return parse_iis(p, n, line_no, &out[0]);
    case TD_LOG_ELB:
        return parse_elb(p, n, line_no, &out[0]);
    case TD_LOG_MAIL:
        return parse_mail(st, p, n, line_no, out);
    case TD_LOG_NGINX:
        return parse_nginx(p, n, line_no, &out[0]);
    case TD_LOG_APACHE:
        return parse_apache(st, p, n, line_no, out);
    case TD_LOG_HAPROXY:
        return parse_haproxy(p, n, line_no, &out[0]);
    case TD_LOG_F5:
        return parse_f5(st, p, n, line_no, out);
    case TD_LOG_ALB:
        return parse_alb(p, n, line_no, &out[0]);
    case TD_LOG_CLOUDFLARE:
        return parse_cloudflare(p, n, line_no, &out[0]);
    case TD_LOG_AUTO:
    case TD_LOG__COUNT:
    default:
        return 0;
    }
}

int td_logline_flush(td_logline_state_t *st, td_log_event_t *out)
{
    if (!st->has_pending) {
        return 0;
    }
    *out = st->pending;
    st->has_pending = 0;
    return 1;
}

static bool iso_at(const char *p, size_t n)
{
    return n > 19 && p[4] == '-' && p[7] == '-' && p[10] == 'T' && p[13] == ':';
}

static td_log_format_t detect_line(const char *p, size_t n)
{
    size_t off = td_logline_unframe(p, n);
    p += off;
    n -= off;
    if (n > 20 && p[4] == '/' && p[7] == '/' && p[10] == ' ' && p[13] == ':' &&
        find(p, n, "] ") != NULL && find(p, n, "TLS handshake error") == NULL) {
        return TD_LOG_NGINX;
    }
    if (find(p, n, "TLS handshake error from") != NULL ||
        (find(p, n, "x509: ") != NULL && find(p, n, "traefik") != NULL)) {
        if (find(p, n, "\"logger\":\"http") != NULL || find(p, n, "caddy") != NULL) {
            return TD_LOG_CADDY;
        }
        if (find(p, n, "level=") != NULL || find(p, n, "traefik") != NULL ||
            find(p, n, " DBG ") != NULL || find(p, n, "log/log.go") != NULL) {
            return TD_LOG_TRAEFIK;
        }
        return TD_LOG_GO;
    }
    if (n > 2 && p[0] == '{' && find(p, n, "\"EdgeResponseStatus\"") != NULL) {
        return TD_LOG_CLOUDFLARE;
    }
    if (n > 2 && p[0] == '{' && find(p, n, "\"response_flags\"") != NULL) {
        return TD_LOG_ENVOY;
    }
    if ((n > 30 && (find(p, n, "] [ssl:") != NULL || find(p, n, "] [pid ") != NULL) &&
         (p[0] == '[' || find(p, n < 48 ? n : 48, "] [") != NULL)) ||
        starts(p, n, "SSL Library Error: ")) {
        return TD_LOG_APACHE;
    }
    if (find(p, n, "mod_openssl.c.") != NULL || find(p, n, "mod_gnutls.c.") != NULL ||
        find(p, n, "mod_mbedtls.c.") != NULL || find(p, n, "mod_wolfssl.c.") != NULL) {
        return TD_LOG_LIGHTTPD;
    }
    /* nginx error lines without their date: "[LEVEL] PID#TID: *CONN ...", or the message
     * alone. */
    if ((find(p, n < 40 ? n : 40, "] ") != NULL && nginx_msg(p, n) != NULL &&
         (find(p, n, "SSL") != NULL || find(p, n, "client sent") != NULL)) ||
        starts(p, n, "SSL_do_handshake() failed") || starts(p, n, "SSL_read() failed") ||
        find(p, n, "while SSL handshaking") != NULL) {
        return TD_LOG_NGINX;
    }
    if (find(p, n, " tmm") != NULL && find(p, n, ": 0126") != NULL) {
        return TD_LOG_F5;
    }
    if (find(p, n, "postfix/") != NULL || find(p, n, "dovecot") != NULL ||
        find(p, n, "imap-login:") != NULL || find(p, n, "pop3-login:") != NULL ||
        find(p, n, "TLS library problem") != NULL ||
        find(p, n, "TLS handshaking: SSL_accept") != NULL) {
        return TD_LOG_MAIL;
    }
    if (find(p, n, "haproxy[") != NULL ||
        (find(p, n, "] ") != NULL && find(p, n, "SSL handshake") != NULL &&
         find(p, n, "/") != NULL) ||
        (n > 2 && p[0] == '{' && haproxy_message(p, n) != NULL)) {
        return TD_LOG_HAPROXY;
    }
    static const char *const alb_types[] = { "http ", "https ", "h2 ", "grpcs ", "ws ", "wss " };
    for (size_t i = 0; i < TD_ARRAY_LEN(alb_types); i++) {
        size_t l = strlen(alb_types[i]);
        if (n > l + 20 && memcmp(p, alb_types[i], l) == 0 && p[l + 4] == '-' &&
            find(p, n, " app/") != NULL) {
            return TD_LOG_ALB;
        }
    }
    if (iso_at(p, n)) {
        const char *sp = memchr(p, ' ', n < 40 ? n : 40);
        td_bytes_t f[4];
        /* Connection log: "TIME CLIENT_IP CLIENT_PORT LISTENER_PORT ..." (no ip:port). */
        if (sp != NULL && alb_fields(p, n, f, 4) == 4 && memchr(f[1].p, ':', f[1].len) == NULL &&
            strspn((const char *)f[2].p, "0123456789") >= f[2].len &&
            (find(sp, (size_t)(p + n - sp), " TLSv") != NULL ||
             find(sp, (size_t)(p + n - sp), " Failed:") != NULL ||
             find(sp, (size_t)(p + n - sp), " Success") != NULL)) {
            return TD_LOG_ALB; /* connection log */
        }
        const char *sp2 = sp != NULL ? memchr(sp + 1, ' ', (size_t)(p + n - sp - 1)) : NULL;
        if (sp2 != NULL && memchr(sp + 1, '/', (size_t)(sp2 - sp - 1)) == NULL &&
            find(sp2, (size_t)(p + n - sp2), " \"") != NULL) {
            return TD_LOG_ELB;
        }
    }
    if (n > 30 && p[0] == '[' && iso_at(p + 1, n - 1) && find(p, n, "] \"") != NULL) {
        return TD_LOG_ENVOY;
    }
    if (n > 30 && p[4] == '-' && p[7] == '-' && p[10] == ' ' && p[13] == ':') {
        /* HTTPERR: date time c-ip c-port s-ip s-port version method uri status site reason q */
        td_bytes_t f[14];
        if (alb_fields(p, n, f, 14) >= 12 && f[3].len > 0 && f[5].len > 0 &&
            strspn((const char *)f[3].p, "0123456789") >= f[3].len &&
            strspn((const char *)f[5].p, "0123456789") >= f[5].len) {
            return TD_LOG_IIS;
        }
    }
    if (n > 8 && memcmp(p, "#Software: Microsoft HTTP API", n < 29 ? n : 29) == 0) {
        return TD_LOG_IIS;
    }
    if (find(p, n, "] \"") != NULL && find(p, n, " - ") != NULL) {
        /* ingress-nginx adds "[upstream-name] [alternative]" after the request time. */
        const char *q = find(p, n, "] \"");
        return find(q + 3, (size_t)(p + n - q - 3), "] [") != NULL ? TD_LOG_INGRESS : TD_LOG_NGINX;
    }
    return TD_LOG_AUTO;
}

td_log_format_t td_logline_detect(const char *p, size_t n)
{
    int votes[TD_LOG__COUNT] = { 0 };
    size_t off = 0;
    for (int lines = 0; lines < 200 && off < n; lines++) {
        const char *nl = memchr(p + off, '\n', n - off);
        size_t len = (nl != NULL ? (size_t)(nl - p) : n) - off;
        votes[detect_line(p + off, len)]++;
        off += len + 1;
    }
    int best = TD_LOG_AUTO;
    for (int f = 1; f < TD_LOG__COUNT; f++) {
        if (votes[f] > votes[best] || (best == TD_LOG_AUTO && votes[f] > 0)) {
            best = f;
        }
    }
    return (td_log_format_t)best;
}

const char *const *td_logline_anchors(td_log_format_t fmt)
{
    /* Long, specific anchors: memmem skips further per step on longer needles, so these cost
     * less than a short "SSL" although there are more of them (bench/logs.sh measures it).
     * Every failure message of each format contains one of its anchors [log-formats §1-§6]. */
    static const char *const nginx[] = {
        " SSL handshak", "plain HTTP request", "SSL certificate",     "\" 497 ",
        "\\x16\\x03",    "() failed (SSL:",    "client sent invalid", NULL
    };
    /* ingress-nginx: the same, and the controller's own 502/503/504 to its upstreams. */
    static const char *const ingress[] = { " SSL handshak",
                                           "plain HTTP request",
                                           "SSL certificate",
                                           "\" 497 ",
                                           "\\x16\\x03",
                                           "() failed (SSL:",
                                           "client sent invalid",
                                           "\" 502 ",
                                           "\" 503 ",
                                           "\" 504 ",
                                           NULL };
    static const char *const apache[] = { "] [ssl:", "SSL Library Error", NULL };
    static const char *const haproxy[] = {
        "SSL handshake",     "SSL client", "SSL certificate", "SSL fatal", "SSL connections",
        "SSL renegotiation", NULL
    };
    static const char *const lighttpd[] = { "mod_openssl.c.", "mod_gnutls.c.", "mod_mbedtls.c.",
                                            "mod_wolfssl.c.", NULL };
    static const char *const go[] = { "TLS handshake error from", "x509: ", "tls: failed to verify",
                                      NULL };
    static const char *const mail[] = { "SSL_accept",        "TLS library problem",
                                        "SSL_connect error", "SSL: Stacked error",
                                        "SSL_read failed",   NULL };
    static const char *const f5[] = { "01260", NULL };
    static const char *const cloudflare[] = { "\"EdgeResponseStatus\":52", NULL };
    switch (fmt) {
    case TD_LOG_NGINX:
        return nginx;
    case TD_LOG_APACHE:
        return apache;
    case TD_LOG_HAPROXY:
        return haproxy;
    case TD_LOG_F5:
        return f5;
    case TD_LOG_CLOUDFLARE:
        return cloudflare;
    case TD_LOG_LIGHTTPD:
        return lighttpd;
    case TD_LOG_INGRESS:
        return ingress;
    case TD_LOG_CADDY:
    case TD_LOG_TRAEFIK:
    case TD_LOG_GO:
        return go;
    case TD_LOG_MAIL:
        return mail;
    case TD_LOG_ENVOY:
    case TD_LOG_IIS:
    case TD_LOG_ELB:
    case TD_LOG_ALB:
    case TD_LOG_AUTO:
    case TD_LOG__COUNT:
    default:
        return NULL;
    }
}

const char *td_log_format_name(td_log_format_t f)
{
    static const char *const names[] = { "auto",  "nginx",   "apache",     "haproxy",
                                         "f5",    "alb",     "cloudflare", "lighttpd",
                                         "caddy", "traefik", "go",         "envoy",
                                         "iis",   "elb",     "mail",       "ingress-nginx" };
    return (unsigned)f < TD_ARRAY_LEN(names) ? names[f] : "?";
}

int td_log_format_parse(const char *name)
{
    for (int f = 0; f < TD_LOG__COUNT; f++) {
        if (strcmp(td_log_format_name((td_log_format_t)f), name) == 0) {
            return f;
        }
    }
    return -1;
}
