/* client_first.c: classifies a client's first bytes, through td_reader / td_text only.
 * Sources: the PROXY protocol specification (haproxy.org/download/2.8/doc/proxy-protocol.txt,
 * §2.1 text header, §2.2 binary header), RFC 9112 §3 (request line), RFC 9113 §3.4 (the h2
 * preface), RFC 4253 §4.2 (SSH identification), RFC 5321 §4.1.1 (SMTP EHLO / HELO).
 * Never decides what is wrong: that is diagnose/'s job. */
#include "client_first.h"

#include <string.h>

static const uint8_t proxy_v2_sig[12] = { 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
                                          0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a };

/* What clients of other protocols send first (open set: a table, not a switch). */
static const struct {
    const char *prefix;
    const char *proto;
} openings[] = {
    { "SSH-", "ssh" },          { "EHLO ", "smtp" },
    { "HELO ", "smtp" },        { "STARTTLS", "smtp" },
    { "USER ", "ftp-or-pop3" }, { "CAPA", "pop3" },
    { "PING", "redis" },        { "*1\r\n$4\r\nPING", "redis" },
    { "QUIT", "text" },
};

static const char *const methods[] = { "GET ",    "POST ",     "HEAD ",  "PUT ",
                                       "DELETE ", "OPTIONS ",  "PATCH ", "CONNECT ",
                                       "TRACE ",  "PROPFIND ", "MKCOL " };

/* True when buf is a proper prefix of lit: more bytes could still make it lit. */
static bool prefix_of(const uint8_t *buf, size_t len, const char *lit)
{
    size_t n = strlen(lit);
    return len < n && memcmp(buf, lit, len) == 0;
}

/* Reads one space-terminated token of at most max bytes into out (escaped). */
static int token(td_text_t *t, size_t max, char *out, size_t cap)
{
    td_bytes_t v;
    TD_TRY(td_text_until(t, " \r", max, &v));
    td_escape(out, cap, v.p, v.len);
    return 0;
}

static int port_field(td_text_t *t, uint16_t *port)
{
    unsigned long v = 0;
    TD_TRY(td_text_uint(t, 5, &v));
    TD_ENSURE(v <= 65535, TD_E_DECODE);
    *port = (uint16_t)v;
    return 0;
}

/* §2.1: "PROXY" SP ("TCP4" | "TCP6" | "UNKNOWN") [SP src SP dst SP sport SP dport] CRLF, at
 * most 107 bytes. Returns 0, TD_E_DECODE (malformed) or TD_E_LIMIT (no CRLF yet). */
static int proxy_v1(const uint8_t *buf, size_t len, td_proxy_header_t *p)
{
    td_text_t all, t;
    td_bytes_t line;
    td_text_init(&all, (const char *)buf, len);
    if (td_text_line(&all, TD_PROXY_V1_MAX, &line) < 0) {
        size_t scan = len < TD_PROXY_V1_MAX ? len : TD_PROXY_V1_MAX;
        return memchr(buf, '\n', scan) == NULL && len < TD_PROXY_V1_MAX ? TD_E_LIMIT : TD_E_DECODE;
    }
    /* td_text_line accepts a bare LF; the specification wants CRLF. */
    TD_ENSURE(line.len + 2 <= all.off && buf[line.len] == '\r', TD_E_DECODE);
    p->len = all.off;
    td_text_init(&t, (const char *)line.p, line.len);
    TD_ENSURE(td_text_lit(&t, "PROXY ", false), TD_E_DECODE);
    TD_TRY(token(&t, 7, p->family, sizeof(p->family)));
    if (strcmp(p->family, "UNKNOWN") == 0) {
        p->local = 1;
        return 0; /* the rest of the line is to be ignored (§2.1) */
    }
    TD_ENSURE(strcmp(p->family, "TCP4") == 0 || strcmp(p->family, "TCP6") == 0, TD_E_DECODE);
    TD_ENSURE(td_text_lit(&t, " ", false), TD_E_DECODE);
    TD_TRY(token(&t, 39, p->src, sizeof(p->src)));
    TD_ENSURE(td_text_lit(&t, " ", false), TD_E_DECODE);
    TD_TRY(token(&t, 39, p->dst, sizeof(p->dst)));
    TD_ENSURE(td_text_lit(&t, " ", false), TD_E_DECODE);
    TD_TRY(port_field(&t, &p->sport));
    TD_ENSURE(td_text_lit(&t, " ", false), TD_E_DECODE);
    TD_TRY(port_field(&t, &p->dport));
    TD_ENSURE(td_text_left(&t) == 0, TD_E_DECODE);
    return 0;
}

static void ip_text(const uint8_t *a, size_t n, char *out, size_t cap)
{
    out[0] = '\0';
    if (n == 4) {
        td_fmt(out, cap, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
        return;
    }
    for (size_t i = 0; i + 1 < n; i += 2) {
        td_fmt_append(out, cap, "%s%x", i ? ":" : "", (unsigned)(a[i] << 8 | a[i + 1]));
    }
}

/* §2.2: signature(12) ver_cmd(1) fam(1) len(2) then len bytes: addresses, then TLVs. */
static int proxy_v2(const uint8_t *buf, size_t len, td_proxy_header_t *p)
{
    td_reader_t r, body;
    uint8_t ver_cmd = 0, fam = 0;
    td_bytes_t src, dst;
    uint16_t sport = 0, dport = 0;
    td_reader_init(&r, buf, len);
    if (td_reader_skip(&r, sizeof(proxy_v2_sig)) < 0 || td_reader_u8(&r, &ver_cmd) < 0 ||
        td_reader_u8(&r, &fam) < 0 || td_reader_vec(&r, 2, 0, 0xffff, &body) < 0) {
        return TD_E_LIMIT; /* not all of it yet */
    }
    p->len = td_reader_pos(&r);
    TD_ENSURE((ver_cmd >> 4) == 2 && (ver_cmd & 0x0f) <= 1, TD_E_DECODE);
    if ((ver_cmd & 0x0f) == 0) {
        p->local = 1; /* LOCAL: the proxy's own connection (a health check); no addresses */
        td_strlcpy(p->family, "LOCAL", sizeof(p->family));
        return 0;
    }
    size_t alen = (fam >> 4) == 1 ? 4 : (fam >> 4) == 2 ? 16 : (fam >> 4) == 3 ? 108 : 0;
    td_strlcpy(p->family,
               (fam >> 4) == 1   ? "TCP4"
               : (fam >> 4) == 2 ? "TCP6"
               : (fam >> 4) == 3 ? "UNIX"
                                 : "UNSPEC",
               sizeof(p->family));
    if (alen == 0) {
        return 0;
    }
    TD_TRY(td_reader_bytes(&body, alen, &src));
    TD_TRY(td_reader_bytes(&body, alen, &dst));
    if (alen == 108) {
        td_escape(p->src, sizeof(p->src), src.p, strnlen((const char *)src.p, 108));
        td_escape(p->dst, sizeof(p->dst), dst.p, strnlen((const char *)dst.p, 108));
        return 0;
    }
    TD_TRY(td_reader_u16(&body, &sport));
    TD_TRY(td_reader_u16(&body, &dport));
    ip_text(src.p, alen, p->src, sizeof(p->src));
    ip_text(dst.p, alen, p->dst, sizeof(p->dst));
    p->sport = sport;
    p->dport = dport;
    return 0;
}

/* The PROXY header, if any. Returns false when more bytes are needed to tell. */
static bool read_proxy(const uint8_t *buf, size_t len, td_proxy_header_t *p)
{
    int rc = 0;
    if (len < sizeof(proxy_v2_sig) && memcmp(buf, proxy_v2_sig, len) == 0) {
        return false;
    }
    if (len >= sizeof(proxy_v2_sig) && memcmp(buf, proxy_v2_sig, sizeof(proxy_v2_sig)) == 0) {
        p->version = 2;
        rc = proxy_v2(buf, len, p);
    } else if (td_bytes_prefix(buf, len, "PROXY ")) {
        p->version = 1;
        rc = proxy_v1(buf, len, p);
    } else {
        return !prefix_of(buf, len, "PROXY ");
    }
    if (rc == TD_E_LIMIT) {
        return false;
    }
    if (rc < 0) {
        p->malformed = 1;
        p->len = 0;
    }
    return true;
}

static void classify_text(const uint8_t *buf, size_t len, td_client_first_t *out)
{
    for (size_t i = 0; i < TD_ARRAY_LEN(methods); i++) {
        if (td_bytes_prefix(buf, len, methods[i])) {
            td_text_t t;
            td_bytes_t line;
            out->kind = TD_FIRST_HTTP;
            out->proto = "http";
            td_text_init(&t, (const char *)buf, len);
            int rc = td_text_line(&t, TD_FIRST_LINE_MAX, &line);
            if (rc == 0) {
                td_escape(out->request_line, sizeof(out->request_line), line.p, line.len);
            } else {
                size_t n = len < 200 ? len : 200;
                td_escape(out->request_line, sizeof(out->request_line), buf, n);
                out->need_more = rc != TD_E_LIMIT && len < TD_FIRST_LINE_MAX;
            }
            return;
        }
        if (prefix_of(buf, len, methods[i])) {
            out->need_more = 1;
        }
    }
    if (td_bytes_prefix(buf, len, "PRI * HTTP/2.0")) {
        out->kind = TD_FIRST_H2C;
        out->proto = "h2c";
        td_strlcpy(out->request_line, "PRI * HTTP/2.0", sizeof(out->request_line));
        return;
    }
    if (prefix_of(buf, len, "PRI * HTTP/2.0")) {
        out->need_more = 1;
    }
    for (size_t i = 0; i < TD_ARRAY_LEN(openings); i++) {
        if (td_bytes_prefix(buf, len, openings[i].prefix)) {
            out->kind = TD_FIRST_OTHER;
            out->proto = openings[i].proto;
            out->need_more = 0;
            return;
        }
        if (prefix_of(buf, len, openings[i].prefix)) {
            out->need_more = 1;
        }
    }
    out->kind = TD_FIRST_UNKNOWN;
    out->proto = "unknown";
}

void td_client_first_classify(const uint8_t *buf, size_t len, uint8_t *scratch, size_t scratch_cap,
                              td_client_first_t *out)
{
    memset(out, 0, sizeof(*out));
    out->proto = "none";
    if (len == 0) {
        return;
    }
    if (!read_proxy(buf, len, &out->proxy)) {
        out->kind = TD_FIRST_UNKNOWN;
        out->proto = "proxy";
        out->need_more = 1;
        td_escape(out->printable, sizeof(out->printable), buf, len < 64 ? len : 64);
        return;
    }
    const uint8_t *p = buf + out->proxy.len;
    size_t n = len - out->proxy.len;
    td_escape(out->printable, sizeof(out->printable), p, n < 64 ? n : 64);
    if (n == 0) {
        out->kind = TD_FIRST_NONE;
        out->need_more = 1; /* a PROXY header alone so far */
        return;
    }
    /* RFC 8446 §5.1 content types 20..23 with major version 3, or an SSLv2-compatible hello
     * (RFC 5246 §E.2): the flight parser tells the rest. */
    if ((p[0] >= 20 && p[0] <= 23 && (n < 2 || p[1] == 3)) ||
        ((p[0] & 0x80) != 0 && (n < 3 || p[2] == 0x01))) {
        td_client_flight_parse(p, n, scratch, scratch_cap, &out->hello);
        out->kind = out->hello.sslv2_hello ? TD_FIRST_SSLV2 : TD_FIRST_TLS;
        out->proto = out->hello.sslv2_hello ? "sslv2" : "tls";
        out->need_more = out->hello.need_more || n < 3;
        return;
    }
    classify_text(p, n, out);
}

const char *td_first_kind_name(td_first_kind_t k)
{
    switch (k) {
    case TD_FIRST_NONE:
        return "none";
    case TD_FIRST_TLS:
        return "tls";
    case TD_FIRST_SSLV2:
        return "sslv2";
    case TD_FIRST_HTTP:
        return "http";
    case TD_FIRST_H2C:
        return "h2c";
    case TD_FIRST_OTHER:
        return "other";
    case TD_FIRST_UNKNOWN:
        return "unknown";
    default:
        return "?";
    }
}
