/* explain.c: matching pasted text against the knowledge base: log lines through the log
 * parsers, codes (OpenSSL hex, alert N, verify N, curl (N), ERR_*), bare numbers, names and
 * aliases, then edit distance for near misses. Bounded work on any input; no I/O. */
#define _GNU_SOURCE /* memmem */
#include "tlsdoctor.h"

#include "../kb/causes.h"
#include "../passive/logline.h"
#include "explain.h"

#include <string.h>

#define SCAN_MAX 4096 /* bytes of the input that are examined */

static void add(td_explain_t *x, const td_kb_entry_t *e, const char *how)
{
    if (e == NULL || x->n >= TD_EXPLAIN_MAX) {
        return;
    }
    for (size_t i = 0; i < x->n; i++) {
        if (x->m[i].entry == e) {
            return;
        }
    }
    x->m[x->n].entry = e;
    x->m[x->n].how = how;
    x->n++;
}

static const td_kb_entry_t *by_number(td_kb_kind_t kind, int number)
{
    size_t n = 0;
    const td_kb_entry_t *t = td_kb_entries(&n);
    for (size_t i = 0; i < n; i++) {
        if (t[i].kind == kind && t[i].number == number) {
            return &t[i];
        }
    }
    return NULL;
}

static char up(char c)
{
    return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

/* Case-insensitive substring search, bounded. */
static const char *ifind(const char *p, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; m > 0 && m <= n && i <= n - m; i++) {
        size_t j = 0;
        while (j < m && up(p[i + j]) == up(needle[j])) {
            j++;
        }
        if (j == m) {
            return p + i;
        }
    }
    return NULL;
}

static int read_int(const char *p, const char *end, int maxdigits)
{
    int v = 0, d = 0;
    while (p < end && *p >= '0' && *p <= '9' && d < maxdigits) {
        v = v * 10 + (*p - '0');
        p++;
        d++;
    }
    return d > 0 && (p == end || *p < '0' || *p > '9') ? v : -1;
}

/* Every "KEY<digits>" occurrence: e.g. "alert number 40", "verify error:num=20". */
static void codes_after(td_explain_t *x, const char *s, size_t n, const char *key,
                        td_kb_kind_t kind)
{
    const char *p = s, *end = s + n;
    while (p < end) {
        const char *k = ifind(p, (size_t)(end - p), key);
        if (k == NULL) {
            return;
        }
        const char *v = k + strlen(key);
        while (v < end && *v == ' ') {
            v++;
        }
        int num = read_int(v, end, 3);
        if (num >= 0) {
            add(x, by_number(kind, num), "code");
        }
        p = k + 1;
    }
}

static void openssl_hex(td_explain_t *x, const char *s, size_t n)
{
    const char *p = s, *end = s + n;
    while (p < end) {
        const char *e = ifind(p, (size_t)(end - p), "error:");
        if (e == NULL) {
            return;
        }
        int reason = td_ossl_reason_at(e, (size_t)(end - e));
        if (reason >= 1000 && reason < 1256) {
            add(x, by_number(TD_KB_ALERT, reason - 1000), "code");
        } else if (reason >= 0) {
            add(x, by_number(TD_KB_OPENSSL, reason), "code");
        }
        p = e + 6;
    }
}

static void host_port_from(td_explain_t *x, const char *server)
{
    /* "host:port", "host", "https://host:port/..."; listen addresses name nobody. */
    if (server[0] == '\0' || strncmp(server, "0.0.0.0", 7) == 0 || server[0] == '_' ||
        strchr(server, '/') != NULL) {
        return;
    }
    const char *colon = strrchr(server, ':');
    size_t hl = colon != NULL ? (size_t)(colon - server) : strlen(server);
    if (hl == 0 || hl >= sizeof(x->host)) {
        return;
    }
    memcpy(x->host, server, hl);
    x->host[hl] = '\0';
    td_strlcpy(x->port, colon != NULL ? colon + 1 : "443", sizeof(x->port));
}

static bool log_line(td_explain_t *x, const char *s, size_t n)
{
    td_log_format_t fmt = td_logline_detect(s, n);
    if (fmt == TD_LOG_AUTO) {
        return false;
    }
    td_logline_state_t st;
    td_log_event_t ev[2];
    td_logline_state_init(&st, 2026);
    /* Feed line by line (a paste may hold two lines, e.g. AH02008 + SSL Library Error). */
    int got = 0;
    td_log_event_t last;
    size_t off = 0;
    uint64_t line = 0;
    while (off < n) {
        const char *nl = memchr(s + off, '\n', n - off);
        size_t len = (nl != NULL ? (size_t)(nl - s) : n) - off;
        int k = td_logline_parse(fmt, &st, s + off, len, ++line, ev);
        if (k > 0) {
            last = ev[k - 1];
            got = 1;
        }
        off += len + 1;
    }
    if (td_logline_flush(&st, &ev[0]) > 0) {
        last = ev[0];
        got = 1;
    }
    if (!got) {
        return false;
    }
    x->from_log = 1;
    td_strlcpy(x->log_format, td_log_format_name(fmt), sizeof(x->log_format));
    td_strlcpy(x->log_cause, last.cause, sizeof(x->log_cause));
    td_strlcpy(x->log_reason, last.reason, sizeof(x->log_reason));
    host_port_from(x, last.server);
    if (last.alert >= 0) {
        add(x, by_number(TD_KB_ALERT, last.alert), "log line");
    }
    /* The server's own message, then entries whose findings name the event's cause (not for
     * the generic cause: it would match everything). */
    size_t ne = 0;
    const td_kb_entry_t *t = td_kb_entries(&ne);
    for (size_t i = 0; i < ne; i++) {
        for (size_t a = 0;
             t[i].kind == TD_KB_LOGMSG && a < TD_KB_MAX_ALIASES && t[i].aliases[a] != NULL; a++) {
            if (ifind(s, n, t[i].aliases[a]) != NULL) {
                add(x, &t[i], "log line");
            }
        }
    }
    const char *cause = td_cause_get(last.cause)->id;
    for (size_t i = 0; i < ne && x->n < 2 && strcmp(cause, "tls.handshake.failed") != 0; i++) {
        const char *f = strstr(t[i].findings, cause);
        if (f != NULL && t[i].kind != TD_KB_CLOUDFLARE && t[i].kind != TD_KB_CURL) {
            add(x, &t[i], "log line");
        }
    }
    return true;
}

/* Upper-cased letters and digits only, at most cap-1 of them. */
static size_t norm(const char *s, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < cap; i++) {
        char c = up(s[i]);
        if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
            out[k++] = c;
        }
    }
    out[k] = '\0';
    return k;
}

static size_t distance(const char *a, size_t la, const char *b, size_t lb)
{
    size_t row[65];
    for (size_t j = 0; j <= lb; j++) {
        row[j] = j;
    }
    for (size_t i = 1; i <= la; i++) {
        size_t prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cur = row[j];
            size_t sub = prev + (a[i - 1] != b[j - 1]);
            size_t del = row[j] + 1, ins = row[j - 1] + 1;
            row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
            prev = cur;
        }
    }
    return row[lb];
}

static void names_and_fuzzy(td_explain_t *x, const char *s, size_t n)
{
    size_t ne = 0;
    const td_kb_entry_t *t = td_kb_entries(&ne);
    /* Names and aliases found in the text (digits-only aliases need an exact input); the
     * longest match first, so "plain HTTP request was sent to HTTPS port" beats "http
     * request". */
    struct hit {
        const td_kb_entry_t *e;
        size_t len;
    } hits[32];
    size_t nh = 0;
    for (size_t i = 0; i < ne; i++) {
        const char *cand[TD_KB_MAX_ALIASES + 1];
        size_t longest = 0;
        cand[0] = t[i].name;
        for (size_t a = 0; a < TD_KB_MAX_ALIASES; a++) {
            cand[a + 1] = t[i].aliases[a];
        }
        for (size_t a = 0; a <= TD_KB_MAX_ALIASES && cand[a] != NULL; a++) {
            size_t l = strlen(cand[a]);
            bool digits = strspn(cand[a], "0123456789") == l;
            bool found = (digits || l < 5) ? (l == n && ifind(s, n, cand[a]) == s)
                                           : ifind(s, n, cand[a]) != NULL;
            if (found && l > longest) {
                longest = l;
            }
        }
        if (longest > 0 && nh < TD_ARRAY_LEN(hits)) {
            hits[nh].e = &t[i];
            hits[nh].len = longest;
            nh++;
        }
    }
    for (size_t i = 1; i < nh; i++) {
        struct hit h = hits[i];
        size_t j = i;
        while (j > 0 && hits[j - 1].len < h.len) {
            hits[j] = hits[j - 1];
            j--;
        }
        hits[j] = h;
    }
    for (size_t i = 0; i < nh; i++) {
        add(x, hits[i].e, hits[i].len == n ? "exact" : "in text");
    }
    if (x->n > 0) {
        return;
    }
    /* Near misses: edit distance on normalised names. */
    char in[65], nm[65];
    size_t li = norm(s, n < 200 ? n : 200, in, sizeof(in));
    size_t best[3] = { (size_t)-1, (size_t)-1, (size_t)-1 };
    for (size_t i = 0; i < ne && li > 0; i++) {
        const char *cand[TD_KB_MAX_ALIASES + 1];
        cand[0] = t[i].name;
        for (size_t a = 0; a < TD_KB_MAX_ALIASES; a++) {
            cand[a + 1] = t[i].aliases[a];
        }
        size_t d = (size_t)-1;
        for (size_t a = 0; a <= TD_KB_MAX_ALIASES && cand[a] != NULL; a++) {
            size_t ln = norm(cand[a], strlen(cand[a]), nm, sizeof(nm));
            size_t v = distance(in, li, nm, ln);
            d = v < d ? v : d;
        }
        for (size_t k = 0; k < 3; k++) {
            if (d < best[k]) {
                for (size_t j = 2; j > k; j--) {
                    best[j] = best[j - 1];
                    x->suggest[j] = x->suggest[j - 1];
                }
                best[k] = d;
                x->suggest[k] = &t[i];
                break;
            }
        }
    }
    x->n_suggest = x->suggest[2] != NULL ? 3 : x->suggest[1] != NULL ? 2 : x->suggest[0] ? 1 : 0;
    /* Close enough to be the same thing typed with a slip. */
    if (x->suggest[0] != NULL && li >= 4 && best[0] <= (li >= 12 ? 3 : 1)) {
        add(x, x->suggest[0], "fuzzy");
        x->n_suggest = 0;
    }
}

static void bare_number(td_explain_t *x, const char *s, size_t n)
{
    const char *p = s;
    if (n > 0 && *p == '-') {
        p++; /* Chrome's -113 */
    }
    int v = read_int(p, s + n, 4);
    if (v < 0 || (size_t)(p - s) + 4 < n) {
        return;
    }
    if (p != s) {
        add(x, by_number(TD_KB_BROWSER, -v), "code");
        return;
    }
    add(x, by_number(TD_KB_CLOUDFLARE, v), "code");
    add(x, by_number(TD_KB_HTTP, v), "code");
    add(x, by_number(TD_KB_ALERT, v), "code");
    add(x, by_number(TD_KB_VERIFY, v), "code");
    add(x, by_number(TD_KB_CURL, v), "code");
}

int td_explain(const char *input, size_t len, td_explain_t **out)
{
    td_explain_t *x = td_calloc(1, sizeof(*x));
    *out = NULL;
    if (x == NULL) {
        return TD_E_NOMEM;
    }
    x->input_len = len;
    const char *s = input != NULL ? input : "";
    size_t n = input != NULL ? len : 0;
    while (n > 0 && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')) {
        s++;
        n--;
    }
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r')) {
        n--;
    }
    if (n > SCAN_MAX) {
        n = SCAN_MAX;
    }
    td_escape(x->input, sizeof(x->input), (const uint8_t *)s, n < 150 ? n : 150);
    if (n == 0) {
        *out = x;
        return 0;
    }
    if (memchr(s, '\0', n) == NULL) {
        (void)log_line(x, s, n);
    }
    openssl_hex(x, s, n);
    codes_after(x, s, n, "alert number", TD_KB_ALERT);
    codes_after(x, s, n, "alert ", TD_KB_ALERT);
    codes_after(x, s, n, "verify error:num=", TD_KB_VERIFY);
    codes_after(x, s, n, "verify return code:", TD_KB_VERIFY);
    codes_after(x, s, n, "verify ", TD_KB_VERIFY);
    codes_after(x, s, n, "curl: (", TD_KB_CURL);
    codes_after(x, s, n, "curl ", TD_KB_CURL);
    codes_after(x, s, n, "cloudflare ", TD_KB_CLOUDFLARE);
    codes_after(x, s, n, "error code ", TD_KB_CLOUDFLARE);
    bare_number(x, s, n);
    if (!x->from_log) {
        names_and_fuzzy(x, s, n);
    }
    *out = x;
    return 0;
}

size_t td_explain_match_count(const td_explain_t *x)
{
    return x != NULL ? x->n : 0;
}

void td_explain_free(td_explain_t *x)
{
    td_free(x);
}
