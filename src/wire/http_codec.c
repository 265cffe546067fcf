/* http_codec.c: response head parsing (RFC 9112 §4 status-line, §5 field lines) and the one
 * request we send. Must never read past the buffer; oversized lines are an error, not a copy. */
#include "http_codec.h"

#include <string.h>
#include <time.h>

static void copy_value(char *dst, size_t cap, td_text_t *t, const td_bytes_t *line)
{
    td_text_skip_ws(t);
    size_t start = t->off;
    size_t end = line->len;
    while (end > start && (t->p[end - 1] == ' ' || t->p[end - 1] == '\t')) {
        end--;
    }
    td_escape(dst, cap, line->p + start, end - start);
}

struct header_slot {
    const char *name;
    size_t off;
    size_t cap;
};

int td_http_head_parse(const uint8_t *buf, size_t len, td_http_head_t *out)
{
    td_text_t t;
    td_bytes_t line;
    unsigned long major = 0, minor = 0, status = 0;
    const struct header_slot slots[] = {
        { "server:", offsetof(td_http_head_t, server), sizeof(out->server) },
        { "date:", offsetof(td_http_head_t, date), sizeof(out->date) },
        { "location:", offsetof(td_http_head_t, location), sizeof(out->location) },
        { "strict-transport-security:", offsetof(td_http_head_t, hsts), sizeof(out->hsts) },
        { "content-type:", offsetof(td_http_head_t, content_type), sizeof(out->content_type) },
        { "retry-after:", offsetof(td_http_head_t, retry_after), sizeof(out->retry_after) },
    };

    memset(out, 0, sizeof(*out));
    td_text_init(&t, (const char *)buf, len);
    int rc = td_text_line(&t, 8192, &line);
    if (rc == TD_E_LIMIT) {
        return rc;
    }
    td_text_t sl;
    /* The status line may be incomplete: parse what is there. */
    td_text_init(&sl, (const char *)buf, rc == 0 ? line.len : len);
    if (!td_text_lit(&sl, "HTTP/", false) || td_text_uint(&sl, 1, &major) < 0 ||
        !td_text_lit(&sl, ".", false) || td_text_uint(&sl, 1, &minor) < 0 ||
        !td_text_lit(&sl, " ", false) || td_text_uint(&sl, 3, &status) < 0 || status < 100) {
        return TD_E_DECODE;
    }
    out->valid = 1;
    out->status = (int)status;
    if (td_text_lit(&sl, " ", false)) {
        td_escape(out->reason, sizeof(out->reason), (const uint8_t *)sl.p + sl.off,
                  td_text_left(&sl));
    }
    if (rc < 0) {
        return 0;
    }
    while (td_text_line(&t, 8192, &line) == 0) {
        if (line.len == 0) {
            out->complete = 1;
            break;
        }
        td_text_t h;
        td_text_init(&h, (const char *)line.p, line.len);
        out->headers++;
        if (memchr(line.p, ':', line.len) == NULL) {
            out->malformed_lines++;
            continue;
        }
        for (size_t k = 0; k < line.len && line.p[k] != ':'; k++) {
            if (line.p[k] >= 'A' && line.p[k] <= 'Z') {
                out->upper_names++;
                break;
            }
        }
        if (out->x_envoy[0] == '\0' && td_text_lit(&h, "x-envoy-", true)) {
            const uint8_t *colon = memchr(line.p, ':', line.len);
            td_escape(out->x_envoy, sizeof(out->x_envoy), line.p, (size_t)(colon - line.p));
            continue;
        }
        for (size_t i = 0; i < TD_ARRAY_LEN(slots); i++) {
            if (td_text_lit(&h, slots[i].name, true)) {
                copy_value((char *)out + slots[i].off, slots[i].cap, &h, &line);
                break;
            }
        }
    }
    return 0;
}

int td_http_request_build(char *buf, size_t cap, const char *host, uint16_t port, int tls,
                          const char *path, size_t *out_len)
{
    char hostport[300];
    int bracket = strchr(host, ':') != NULL; /* IPv6 literal */
    if ((tls && port == 443) || (!tls && port == 80)) {
        td_fmt(hostport, sizeof(hostport), bracket ? "[%s]" : "%s", host);
    } else {
        td_fmt(hostport, sizeof(hostport), bracket ? "[%s]:%u" : "%s:%u", host, (unsigned)port);
    }
    for (const char *p = path; *p != '\0'; p++) {
        TD_ENSURE(*p > ' ' && *p < 0x7f, TD_E_USAGE);
    }
    size_t need = strlen(path) + strlen(hostport) + 128;
    TD_ENSURE(need < cap, TD_E_LIMIT);
    size_t n = td_fmt(buf, cap,
                      "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: tlsdoctor/" TD_VERSION
                      "\r\nAccept: */*\r\nConnection: close\r\n\r\n",
                      path, hostport);
    *out_len = n;
    return 0;
}

int td_http_date_parse(const char *s, int64_t *out)
{
    td_text_t t;
    unsigned long d = 0, y = 0, h = 0, mi = 0, sec = 0;
    int mon = -1;
    td_text_init(&t, s, strlen(s));
    /* "Www, " then "DD Mmm YYYY HH:MM:SS GMT" */
    if (td_text_left(&t) < 29 || s[3] != ',' || s[4] != ' ') {
        return TD_E_DECODE;
    }
    t.off = 5;
    if (td_text_uint(&t, 2, &d) < 0 || !td_text_lit(&t, " ", false)) {
        return TD_E_DECODE;
    }
    if (td_text_month(&t, &mon) < 0 || !td_text_lit(&t, " ", false) ||
        td_text_uint(&t, 4, &y) < 0 || !td_text_lit(&t, " ", false) ||
        td_text_uint(&t, 2, &h) < 0 || !td_text_lit(&t, ":", false) ||
        td_text_uint(&t, 2, &mi) < 0 || !td_text_lit(&t, ":", false) ||
        td_text_uint(&t, 2, &sec) < 0 || !td_text_lit(&t, " GMT", false) || d < 1 || d > 31 ||
        h > 23 || mi > 59 || sec > 60 || y < 1970) {
        return TD_E_DECODE;
    }
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = (int)y - 1900;
    tm.tm_mon = mon;
    tm.tm_mday = (int)d;
    tm.tm_hour = (int)h;
    tm.tm_min = (int)mi;
    tm.tm_sec = (int)sec;
    *out = (int64_t)timegm(&tm);
    return 0;
}
