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

/* Candidate matches, ranked before they are kept (ranks_before), ties in the order found. */
typedef struct cand {
    const td_kb_entry_t *e;
    int tier;
    size_t len;
    const char *how;
} cand_t;

typedef struct cands {
    cand_t c[64];
    size_t n;
    char folded[SCAN_MAX]; /* the input folded once (fold()), searched with memmem */
} cands_t;

static void add(cands_t *cs, const td_kb_entry_t *e, const char *how, size_t len)
{
    if (e == NULL) {
        return;
    }
    for (size_t i = 0; i < cs->n; i++) {
        if (cs->c[i].e == e) {
            if (len > cs->c[i].len) {
                cs->c[i].len = len;
            }
            return;
        }
    }
    if (cs->n < TD_ARRAY_LEN(cs->c)) {
        cs->c[cs->n].e = e;
        cs->c[cs->n].tier = td_kb_tier(e);
        cs->c[cs->n].len = len;
        cs->c[cs->n].how = how;
        cs->n++;
    }
}

/* Wrappers ("it failed, see below") after everything else; then the longest text matched,
 * a specific reason counting 10 bytes more than a family message of the same length. */
static bool ranks_before(const cand_t *a, const cand_t *b)
{
    bool wa = a->tier <= 1, wb = b->tier <= 1;
    if (wa != wb) {
        return wb;
    }
    size_t sa = a->len + (a->tier >= 3 ? 10 : 0), sb = b->len + (b->tier >= 3 ? 10 : 0);
    return sa > sb;
}

static void keep_ranked(td_explain_t *x, cands_t *cs)
{
    for (size_t i = 1; i < cs->n; i++) {
        cand_t c = cs->c[i];
        size_t j = i;
        while (j > 0 && ranks_before(&c, &cs->c[j - 1])) {
            cs->c[j] = cs->c[j - 1];
            j--;
        }
        cs->c[j] = c;
    }
    for (size_t i = 0; i < cs->n && x->n < TD_EXPLAIN_MAX; i++) {
        x->m[x->n].entry = cs->c[i].e;
        x->m[x->n].how = cs->c[i].how;
        x->n++;
    }
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

/* Folded for matching: case, and '_' / '-' read as a space, so that CERTIFICATE_VERIFY_FAILED,
 * "certificate-verify-failed" and "certificate verify failed" meet. */
static char fold(char c)
{
    return (c == '_' || c == '-') ? ' ' : up(c);
}

/* Folded substring search over m bytes of needle, bounded. */
static const char *ifindn(const char *p, size_t n, const char *needle, size_t m)
{
    for (size_t i = 0; m > 0 && m <= n && i <= n - m; i++) {
        size_t j = 0;
        while (j < m && fold(p[i + j]) == fold(needle[j])) {
            j++;
        }
        if (j == m) {
            return p + i;
        }
    }
    return NULL;
}

static const char *ifind(const char *p, size_t n, const char *needle)
{
    return ifindn(p, n, needle, strlen(needle));
}

#define GLOB_GAP 160 /* bytes a '*' may cover, never across a line */

/* m bytes of needle, folded, in the folded text fs. */
static const char *ffind(const char *fs, size_t n, const char *needle, size_t m)
{
    char f[256];
    if (m == 0 || m > sizeof(f) || m > n) {
        return NULL;
    }
    for (size_t i = 0; i < m; i++) {
        f[i] = fold(needle[i]);
    }
    return memmem(fs, n, f, m);
}

/* Pattern search in the folded text fs: '*' matches a run of up to GLOB_GAP bytes on the
 * same line. Returns the number of literal bytes matched (0: no match). */
static size_t glob_match(const char *fs, size_t n, const char *pat)
{
    const char *star = strchr(pat, '*');
    if (star == NULL) {
        size_t l = strlen(pat);
        return ffind(fs, n, pat, l) != NULL ? l : 0;
    }
    size_t first = (size_t)(star - pat);
    const char *p = fs, *end = fs + n;
    while (p < end) {
        const char *h = ffind(p, (size_t)(end - p), pat, first);
        if (h == NULL) {
            return 0;
        }
        const char *at = h + first;
        const char *piece = star + 1;
        size_t lit = first;
        bool ok = true;
        while (ok && *piece != '\0') {
            const char *next = strchr(piece, '*');
            size_t len = next != NULL ? (size_t)(next - piece) : strlen(piece);
            size_t win = (size_t)(end - at) < GLOB_GAP + len ? (size_t)(end - at) : GLOB_GAP + len;
            const char *nl = memchr(at, '\n', win);
            if (nl != NULL) {
                win = (size_t)(nl - at);
            }
            const char *f = ffind(at, win, piece, len);
            if (f == NULL) {
                ok = false;
                break;
            }
            at = f + len;
            lit += len;
            piece = next != NULL ? next + 1 : piece + len;
        }
        if (ok) {
            return lit;
        }
        p = h + 1;
    }
    return 0;
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
static void codes_after(cands_t *cs, const char *s, size_t n, const char *key, td_kb_kind_t kind)
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
            add(cs, by_number(kind, num), "code", strlen(key) + 2);
        }
        p = k + 1;
    }
}

static void add_reason(cands_t *cs, int reason)
{
    if (reason >= 1000 && reason < 1256) {
        add(cs, by_number(TD_KB_ALERT, reason - 1000), "code", 30);
    } else if (reason >= 0) {
        add(cs, by_number(TD_KB_OPENSSL, reason), "code", 30);
    }
}

static void openssl_hex(cands_t *cs, const char *s, size_t n)
{
    const char *p = s, *end = s + n;
    while (p < end) {
        const char *e = ifind(p, (size_t)(end - p), "error:");
        if (e == NULL) {
            return;
        }
        add_reason(cs, td_ossl_reason_at(e, (size_t)(end - e)));
        p = e + 6;
    }
}

/* BoringSSL's packed decimal codes as Envoy and gRPC print them: "TLS error: 268436501:SSL
 * routines:..." is library 16 (SSL) in the top byte; reasons from 1000 up are received alerts
 * (the same offset as OpenSSL's), the others are numbered differently and left to the text. */
static void boringssl_decimal(cands_t *cs, const char *s, size_t n)
{
    const char *p = s, *end = s + n;
    while (p < end) {
        const char *k = ifind(p, (size_t)(end - p), ":SSL");
        if (k == NULL) {
            return;
        }
        const char *b = k;
        while (b > s && b[-1] >= '0' && b[-1] <= '9' && k - b < 10) {
            b--;
        }
        if (k - b >= 9) {
            unsigned long long v = 0;
            for (const char *q = b; q < k; q++) {
                v = v * 10 + (unsigned)(*q - '0');
            }
            if ((v >> 24) == 16 && (v & 0xFFF) >= 1000) {
                add_reason(cs, (int)(v & 0xFFF));
            }
        }
        p = k + 4;
    }
}

static bool host_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == '_';
}

/* Sets the target from "host[:port]" at p if it looks like a name or an address a client
 * could reach (a dot or a colon in it, not a placeholder, not a documentation site). */
static bool set_target(td_explain_t *x, const char *p, const char *end, const char *defport)
{
    const char *h = p;
    bool v6 = h < end && *h == '[';
    if (v6) {
        const char *rb = memchr(h, ']', (size_t)(end - h) < 48 ? (size_t)(end - h) : 48);
        if (rb == NULL) {
            return false;
        }
        h++;
        p = rb;
    } else {
        while (p < end && host_char(*p)) {
            p++;
        }
    }
    size_t hl = (size_t)(p - h);
    while (!v6 && hl > 0 && (h[hl - 1] == '.' || h[hl - 1] == '-')) {
        hl--; /* Node writes "Host: name." */
    }
    if (hl < 3 || hl >= sizeof(x->host) || (!v6 && memchr(h, '.', hl) == NULL)) {
        return false;
    }
    /* Documentation sites quoted in messages, and placeholders, name no server. */
    static const char *const skip[] = { "curl.se", "curl.haxx.se", "x.x.x.x", "nodejs.org",
                                        "support.mozilla.org" };
    for (size_t i = 0; i < TD_ARRAY_LEN(skip); i++) {
        if (strlen(skip[i]) <= hl && memcmp(skip[i], h, strlen(skip[i])) == 0) {
            return false;
        }
    }
    if (strncmp(h, "0.0.0.0", 7) == 0) {
        return false;
    }
    memcpy(x->host, h, hl);
    x->host[hl] = '\0';
    if (v6) {
        p++;
    }
    const char *port = defport;
    char buf[8];
    if (p < end && *p == ':' && p + 1 < end && p[1] >= '0' && p[1] <= '9') {
        size_t k = 0;
        for (const char *q = p + 1; q < end && *q >= '0' && *q <= '9' && k + 1 < sizeof(buf); q++) {
            buf[k++] = *q;
        }
        buf[k] = '\0';
        port = buf;
    } else if (p + 6 < end && memcmp(p, " port ", 6) == 0 && p[6] >= '0' && p[6] <= '9') {
        size_t k = 0;
        for (const char *q = p + 6; q < end && *q >= '0' && *q <= '9' && k + 1 < sizeof(buf); q++) {
            buf[k++] = *q;
        }
        buf[k] = '\0';
        port = buf;
    }
    td_strlcpy(x->port, port, sizeof(x->port));
    return true;
}

/* The server the pasted text names: a URL, "connect to HOST port N", "dial tcp HOST:PORT",
 * "-connect HOST:PORT", the name a mismatch message says was asked for, Firefox's and
 * Apple's "connection to NAME". Client addresses ("handshake error from ADDR") are not it. */
static void target_from_text(td_explain_t *x, const char *s, size_t n)
{
    static const struct {
        const char *key;
        const char *port;
    } keys[] = {
        { "https://", "443" },
        { "wss://", "443" },
        { "mqtts://", "8883" },
        { "tls://", "443" },
        { "grpcs://", "443" },
        { "dial tcp ", "443" },
        { "failed to connect to ", "443" },
        { "connect to ", "443" },
        { "-connect ", "443" },
        { "connecting to ", "443" },
        { "connection to server at \"", "5432" },
        { "during a connection to ", "443" },
        { "not valid for any names, but wanted to match ", "443" },
        { ", not ", "443" },
        { "cannot verify ", "443" },
        { "requested host name '", "443" },
        { "target host name '", "443" },
        { "dns name matching ", "443" },
        { "ip address ", "443" },
        { "host: ", "443" },
        { "pretending to be \"", "443" },
        { "pretending to be \xe2\x80\x9c", "443" },
        { "for https://", "443" },
        { "http://", "80" },
    };
    for (size_t i = 0; i < TD_ARRAY_LEN(keys) && x->host[0] == '\0'; i++) {
        const char *p = s, *end = s + n;
        while (p < end && x->host[0] == '\0') {
            const char *k = ifind(p, (size_t)(end - p), keys[i].key);
            if (k == NULL) {
                break;
            }
            (void)set_target(x, k + strlen(keys[i].key), end, keys[i].port);
            p = k + 1;
        }
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

static bool log_line(td_explain_t *x, cands_t *cs, const char *s, size_t n)
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
        add(cs, by_number(TD_KB_ALERT, last.alert), "log line", 30);
    }
    /* The server's own message, then entries whose findings name the event's cause (not for
     * the generic cause: it would match everything). */
    size_t ne = 0;
    const td_kb_entry_t *t = td_kb_entries(&ne);
    for (size_t i = 0; i < ne; i++) {
        for (size_t a = 0;
             t[i].kind == TD_KB_LOGMSG && a < TD_KB_MAX_ALIASES && t[i].aliases[a] != NULL; a++) {
            if (ifind(s, n, t[i].aliases[a]) != NULL) {
                add(cs, &t[i], "log line", strlen(t[i].aliases[a]));
            }
        }
    }
    const char *cause = td_cause_get(last.cause)->id;
    size_t added = 0;
    for (size_t i = 0; i < ne && added < 1 && strcmp(cause, "tls.handshake.failed") != 0; i++) {
        const char *f = strstr(t[i].findings, cause);
        size_t cl = strlen(cause);
        if (f != NULL && (f[cl] == ',' || f[cl] == '\0') && t[i].kind != TD_KB_CLOUDFLARE &&
            t[i].kind != TD_KB_CURL && t[i].kind != TD_KB_HTTP) {
            add(cs, &t[i], "log line", 1);
            added++;
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

/* Edit distance, or `limit` as soon as it cannot be below limit (the length difference is a
 * lower bound, and a row's minimum never decreases). */
static size_t distance(const char *a, size_t la, const char *b, size_t lb, size_t limit)
{
    if ((la > lb ? la - lb : lb - la) >= limit) {
        return limit;
    }
    size_t row[65];
    for (size_t j = 0; j <= lb; j++) {
        row[j] = j;
    }
    for (size_t i = 1; i <= la; i++) {
        size_t prev = row[0];
        row[0] = i;
        size_t low = row[0];
        for (size_t j = 1; j <= lb; j++) {
            size_t cur = row[j];
            size_t sub = prev + (a[i - 1] != b[j - 1]);
            size_t del = row[j] + 1, ins = row[j - 1] + 1;
            row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
            low = row[j] < low ? row[j] : low;
            prev = cur;
        }
        if (low >= limit) {
            return limit;
        }
    }
    return row[lb] < limit ? row[lb] : limit;
}

/* Names and aliases found in the text (digits-only and very short aliases need the whole
 * input), '*' patterns on one line. */
static void names(cands_t *cs, const char *s, size_t n, bool from_log)
{
    for (size_t i = 0; i < n; i++) {
        cs->folded[i] = fold(s[i]);
    }
    size_t ne = 0;
    const td_kb_entry_t *t = td_kb_entries(&ne);
    for (size_t i = 0; i < ne; i++) {
        /* A server's log line is not a CDN's error page nor a status seen by a browser. */
        if (from_log && (t[i].kind == TD_KB_CLOUDFLARE || t[i].kind == TD_KB_HTTP)) {
            continue;
        }
        const char *cand[TD_KB_MAX_ALIASES + 1];
        size_t longest = 0;
        cand[0] = t[i].name;
        for (size_t a = 0; a < TD_KB_MAX_ALIASES; a++) {
            cand[a + 1] = t[i].aliases[a];
        }
        for (size_t a = 0; a <= TD_KB_MAX_ALIASES && cand[a] != NULL; a++) {
            size_t l = strlen(cand[a]);
            bool digits = strspn(cand[a], "0123456789") == l;
            size_t found = 0;
            if (digits || l < 5) {
                found = (l == n && ifind(s, n, cand[a]) == s) ? l : 0;
            } else if (a == 0 && strchr(cand[a], '*') != NULL) {
                found = 0; /* a name is not a pattern */
            } else {
                found = glob_match(cs->folded, n, cand[a]);
            }
            if (found > longest) {
                longest = found;
            }
        }
        if (longest > 0) {
            add(cs, &t[i], longest == n ? "exact" : "in text", longest);
        }
    }
}

static void fuzzy(td_explain_t *x, const char *s, size_t n)
{
    size_t ne = 0;
    const td_kb_entry_t *t = td_kb_entries(&ne);
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
            size_t v = distance(in, li, nm, ln, d < best[2] ? d : best[2]);
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
        x->m[0].entry = x->suggest[0];
        x->m[0].how = "fuzzy";
        x->n = 1;
        x->n_suggest = 0;
    }
}

static void bare_number(cands_t *cs, const char *s, size_t n)
{
    const char *p = s;
    if (n > 0 && *p == '-') {
        p++; /* Chrome's -113 */
    }
    int v = read_int(p, s + n, 5);
    if (v < 0 || (size_t)(p - s) + 5 < n) {
        return;
    }
    if (p != s) {
        add(cs, by_number(TD_KB_BROWSER, -v), "code", n);
        add(cs, by_number(TD_KB_APPLE, -v), "code", n);
        add(cs, by_number(TD_KB_GNUTLS, -v), "code", n);
        return;
    }
    add(cs, by_number(TD_KB_CLOUDFLARE, v), "code", n);
    add(cs, by_number(TD_KB_HTTP, v), "code", n);
    add(cs, by_number(TD_KB_ALERT, v), "code", n);
    add(cs, by_number(TD_KB_VERIFY, v), "code", n);
    add(cs, by_number(TD_KB_CURL, v), "code", n);
}

int td_explain(const char *input, size_t len, td_explain_t **out)
{
    td_explain_t *x = td_calloc(1, sizeof(*x));
    *out = NULL;
    if (x == NULL) {
        return TD_E_NOMEM;
    }
    cands_t *cs = td_calloc(1, sizeof(*cs));
    if (cs == NULL) {
        td_free(x);
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
        td_free(cs);
        *out = x;
        return 0;
    }
    if (memchr(s, '\0', n) == NULL) {
        (void)log_line(x, cs, s, n);
    }
    openssl_hex(cs, s, n);
    boringssl_decimal(cs, s, n);
    codes_after(cs, s, n, "alert number", TD_KB_ALERT);
    codes_after(cs, s, n, "alert ", TD_KB_ALERT);
    codes_after(cs, s, n, "verify error:num=", TD_KB_VERIFY);
    codes_after(cs, s, n, "verify return code:", TD_KB_VERIFY);
    codes_after(cs, s, n, "verify ", TD_KB_VERIFY);
    codes_after(cs, s, n, "curl: (", TD_KB_CURL);
    codes_after(cs, s, n, "curl ", TD_KB_CURL);
    codes_after(cs, s, n, "curl error ", TD_KB_CURL);
    codes_after(cs, s, n, "pycurl error ", TD_KB_CURL);
    codes_after(cs, s, n, "cloudflare ", TD_KB_CLOUDFLARE);
    codes_after(cs, s, n, "error code ", TD_KB_CLOUDFLARE);
    codes_after(cs, s, n, "error code: ", TD_KB_CLOUDFLARE);
    bare_number(cs, s, n);
    names(cs, s, n, x->from_log != 0);
    keep_ranked(x, cs);
    td_free(cs);
    if (x->n == 0 && !x->from_log) {
        fuzzy(x, s, n);
    }
    if (x->host[0] == '\0' && memchr(s, '\0', n) == NULL) {
        target_from_text(x, s, n);
    }
    *out = x;
    return 0;
}

size_t td_explain_match_count(const td_explain_t *x)
{
    /* A parsed log line is an answer even when no entry matched: exit status and the JSON's
     * "known" both follow this count. */
    return x == NULL ? 0 : x->n > 0 ? x->n : (size_t)(x->from_log != 0);
}

void td_explain_free(td_explain_t *x)
{
    td_free(x);
}
