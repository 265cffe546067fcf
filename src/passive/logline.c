/* logline.c: parsers for the failure lines of nginx, Apache httpd, HAProxy, F5 BIG-IP, AWS ALB
 * and Cloudflare logs. Shapes from ../shared/log-formats.md (sources cited there). A line that
 * is not a failure is not an error: it yields no event. Never reads past the line. */
#define _GNU_SOURCE /* memmem */
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

static const char *find(const char *p, size_t n, const char *needle)
{
    return memmem(p, n, needle, strlen(needle));
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

static int64_t mk_utc(int y, int mon, int d, int h, int mi, int s)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mon;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    return (int64_t)timegm(&tm);
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

/* "YYYY/MM/DD HH:MM:SS" (nginx error log) or "YYYY-MM-DDTHH:MM:SS" (ALB, ISO 8601). */
static int64_t parse_ymd(const char *p, size_t n)
{
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

/* ---- nginx ---------------------------------------------------------------------------- */

/* Error log [log-formats §1]: "YYYY/MM/DD HH:MM:SS [level] pid#tid: *conn MESSAGE, client: IP,
 * server: NAME[, request: ...][, upstream: "URL"]". Access log (combined): status 497, or 400
 * for a request line that is a TLS record ("\x16\x03..."). */
static int parse_nginx(const char *p, size_t n, uint64_t line, td_log_event_t *ev)
{
    event_init(ev, TD_LOG_NGINX, line);
    if (n > 20 && p[4] == '/' && p[7] == '/' && p[10] == ' ') {
        const char *msg = find(p, n, ": *");
        if (msg == NULL) {
            return 0;
        }
        msg += 3;
        while (msg < p + n && *msg >= '0' && *msg <= '9') {
            msg++;
        }
        const char *client = find(msg, (size_t)(p + n - msg), ", client: ");
        size_t mlen = (size_t)((client != NULL ? client : p + n) - msg);
        bool ssl = find(msg, mlen, "SSL") != NULL || find(msg, mlen, "plain HTTP") != NULL ||
                   find(msg, mlen, "handshake rejected") != NULL;
        bool relevant = ssl && (find(msg, mlen, "handshak") != NULL ||
                                find(msg, mlen, "plain HTTP request") != NULL ||
                                find(msg, mlen, "SSL certificate") != NULL);
        if (!relevant) {
            return 0;
        }
        ev->time = parse_ymd(p, n);
        td_escape(ev->reason, sizeof(ev->reason), (const uint8_t *)msg + 1,
                  mlen > 0 ? mlen - 1 : 0);
        /* nginx's own fixed messages first (cheap prefix checks), OpenSSL codes second. */
        static const struct {
            const char *prefix;
            const char *cause;
        } fixed[] = {
            { " client sent plain HTTP request", "client.plain_http_to_tls_port" },
            { " peer closed connection", "client.closed_in_handshake" },
            { " client closed connection", "client.closed_in_handshake" },
            { " handshake rejected", "tls.sni.unrecognized_name" },
            { " client timed out", "client.handshake_timeout" },
            { " client sent no required SSL certificate", "tls.client_cert.required" },
            { " client SSL certificate verify error", "client.cert_invalid" },
        };
        const char *known = NULL;
        for (size_t i = 0; i < TD_ARRAY_LEN(fixed) && known == NULL; i++) {
            size_t l = strlen(fixed[i].prefix);
            if (mlen >= l && memcmp(msg, fixed[i].prefix, l) == 0) {
                known = fixed[i].cause;
            }
        }
        if (known != NULL) {
            ev->cause = known;
        } else {
            cause_from_message(msg, mlen, ev);
        }
        if (find(msg, mlen, "to upstream") != NULL) {
            ev->side = "upstream";
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
    if (memcmp(st, "497", 3) == 0 && (st + 3 == p + n || st[3] == ' ')) {
        ev->cause = "client.plain_http_to_tls_port";
    } else if (memcmp(st, "400", 3) == 0 && tls_req) {
        ev->cause = "client.tls_to_plain_port";
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

static bool starts(const char *p, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    return n >= m && memcmp(p, lit, m) == 0;
}

static bool apache_header(const char *p, size_t n, td_log_event_t *ev)
{
    if (n < 30 || p[0] != '[') {
        return false;
    }
    ev->time = parse_syslogish(p + 1, n - 1, 0);
    copy_after(p, n, "[client ", "]", ev->client, sizeof(ev->client));
    return true;
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
        out[emitted++] = st->pending; /* no reason line followed: keep the generic cause */
        st->has_pending = 0;
    }
    if (lib != NULL) {
        size_t len = (size_t)(p + n - lib - 19);
        if (st->has_pending) {
            /* The reason for the AH02008 line just before. */
            td_log_event_t *pe = &st->pending;
            td_escape(pe->reason, sizeof(pe->reason), (const uint8_t *)lib + 19, len);
            cause_from_message(lib + 19, len, pe);
            out[emitted++] = *pe;
            st->has_pending = 0;
            return emitted;
        }
        td_escape(ev.reason, sizeof(ev.reason), (const uint8_t *)lib + 19, len);
        cause_from_message(lib + 19, len, &ev);
        out[emitted++] = ev;
        return emitted;
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
    } else if (starts(msg, mlen, "AH02003:") || starts(msg, mlen, "AH02004:") ||
               starts(msg, mlen, "AH02005:")) {
        ev.side = "upstream";
        ev.cause = "cert.chain.verify_failed";
    } else {
        return emitted;
    }
    out[emitted++] = ev;
    return emitted;
}

/* ---- HAProxy [log-formats §3] ----------------------------------------------------------- */

static int parse_haproxy(const char *p, size_t n, uint64_t line, td_log_event_t *ev)
{
    event_init(ev, TD_LOG_HAPROXY, line);
    const char *ssl = find(p, n, "SSL");
    if (ssl == NULL) {
        return 0;
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
    td_escape(ev->client, sizeof(ev->client), (const uint8_t *)cstart, (size_t)(cend - cstart));
    const char *rb = memchr(br, ']', (size_t)(p + n - br));
    if (rb == NULL || (size_t)(p + n - rb) < 3) {
        return 0;
    }
    const char *fe = rb + 2;
    const char *colon = find(fe, (size_t)(p + n - fe), ": ");
    if (colon == NULL) {
        return 0;
    }
    td_escape(ev->server, sizeof(ev->server), (const uint8_t *)fe, (size_t)(colon - fe));
    const char *msg = colon + 2;
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
    return 0; /* 01260026 and others: context only */
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

/* ---- dispatch ------------------------------------------------------------------------ */

int td_logline_parse(td_log_format_t fmt, td_logline_state_t *st, const char *p, size_t n,
                     uint64_t line_no, td_log_event_t out[2])
{
    switch (fmt) {
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

static td_log_format_t detect_line(const char *p, size_t n)
{
    if (n > 20 && p[4] == '/' && p[7] == '/' && p[10] == ' ' && p[13] == ':' &&
        find(p, n, "] ") != NULL) {
        return TD_LOG_NGINX;
    }
    if (n > 2 && p[0] == '{' && find(p, n, "\"EdgeResponseStatus\"") != NULL) {
        return TD_LOG_CLOUDFLARE;
    }
    if (n > 30 && p[0] == '[' && (find(p, n, "] [ssl:") != NULL || find(p, n, "] [pid ") != NULL)) {
        return TD_LOG_APACHE;
    }
    if (find(p, n, " tmm") != NULL && find(p, n, ": 0126") != NULL) {
        return TD_LOG_F5;
    }
    if (find(p, n, "haproxy[") != NULL ||
        (find(p, n, "] ") != NULL && find(p, n, "SSL handshake") != NULL &&
         find(p, n, "/") != NULL)) {
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
    if (find(p, n, "] \"") != NULL && find(p, n, " - ") != NULL) {
        return TD_LOG_NGINX; /* combined access log */
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
    static const char *const nginx[] = { " SSL handshaking", "plain HTTP request",
                                         "SSL certificate",  "\" 497 ",
                                         "\\x16\\x03",       NULL };
    static const char *const apache[] = { "] [ssl:", NULL };
    static const char *const haproxy[] = {
        "SSL handshake",     "SSL client", "SSL certificate", "SSL fatal", "SSL connections",
        "SSL renegotiation", NULL
    };
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
    case TD_LOG_ALB:
    case TD_LOG_AUTO:
    case TD_LOG__COUNT:
    default:
        return NULL;
    }
}

const char *td_log_format_name(td_log_format_t f)
{
    static const char *const names[] = { "auto", "nginx", "apache",    "haproxy",
                                         "f5",   "alb",   "cloudflare" };
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
