/* target.c: parses what the user typed as a target ("host", "host:port", "[v6]:port",
 * "https://host:port/path"). Untrusted text through td_text; never allocates. */
#include "td_reader.h"

#include <string.h>

static bool host_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == ':' || c == '%';
}

int td_target_parse(const char *s, td_target_t *out, td_errinfo_t *err)
{
    td_text_t t;
    td_bytes_t host;
    memset(out, 0, sizeof(*out));
    td_strlcpy(out->path, "/", sizeof(out->path));
    if (s == NULL || *s == '\0') {
        td_errinfo_set(err, TD_E_TARGET, "empty target");
        return TD_E_TARGET;
    }
    size_t len = strnlen(s, 4096);
    td_text_init(&t, s, len);
    if (td_text_lit(&t, "https://", true)) {
        out->scheme_http = 0;
    } else if (td_text_lit(&t, "http://", true)) {
        out->scheme_http = 1;
        out->port = 80;
    } else if (memchr(s, '/', len) != NULL && strstr(s, "://") != NULL) {
        td_errinfo_set(err, TD_E_TARGET, "unsupported URL scheme in '%.64s' (use https://)", s);
        return TD_E_TARGET;
    }
    if (td_text_lit(&t, "[", false)) {
        if (td_text_until(&t, "]", 255, &host) < 0 || !td_text_lit(&t, "]", false)) {
            td_errinfo_set(err, TD_E_TARGET, "unterminated IPv6 literal in '%.64s'", s);
            return TD_E_TARGET;
        }
    } else {
        int rc = td_text_until(&t, ":/?#", 255, &host);
        if (rc < 0) {
            td_errinfo_set(err, TD_E_TARGET, "missing or too long host name in '%.64s'", s);
            return TD_E_TARGET;
        }
    }
    for (size_t i = 0; i < host.len; i++) {
        if (!host_char_ok((char)host.p[i])) {
            td_errinfo_set(err, TD_E_TARGET, "invalid character in host name at position %zu",
                           i + 1);
            return TD_E_TARGET;
        }
    }
    memcpy(out->host, host.p, host.len);
    out->host[host.len] = '\0';
    if (td_text_lit(&t, ":", false)) {
        unsigned long port = 0;
        if (td_text_uint(&t, 5, &port) < 0 || port == 0 || port > 65535) {
            td_errinfo_set(err, TD_E_TARGET, "invalid port in '%.64s' (expected 1-65535)", s);
            return TD_E_TARGET;
        }
        out->port = (uint16_t)port;
    }
    if (td_text_left(&t) > 0) {
        if (t.p[t.off] != '/') {
            td_errinfo_set(err, TD_E_TARGET, "unexpected '%c' after host in '%.64s'", t.p[t.off],
                           s);
            return TD_E_TARGET;
        }
        size_t n = td_text_left(&t);
        if (n >= sizeof(out->path)) {
            td_errinfo_set(err, TD_E_TARGET, "path too long");
            return TD_E_TARGET;
        }
        for (size_t i = 0; i < n; i++) {
            char c = t.p[t.off + i];
            if (c <= ' ' || c == 0x7f) {
                td_errinfo_set(err, TD_E_TARGET, "invalid character in path");
                return TD_E_TARGET;
            }
        }
        memcpy(out->path, t.p + t.off, n);
        out->path[n] = '\0';
    }
    return 0;
}
