/* query.c: checks the exporter's /probe query: target (once, printable ASCII, at most 300
 * bytes, a HOST:PORT td_target_parse accepts) and profile (once, quick or full); anything else
 * is refused with a reason. Parses; never does I/O, never judges a target. */
#include "query.h"

#include "../util/td_util.h"

#include <string.h>

static void fail(td_probe_query_t *q, const char *msg)
{
    if (q->error[0] == '\0') {
        td_strlcpy(q->error, msg, sizeof(q->error));
    }
}

/* Printable ASCII only: no control bytes, spaces or NULs (which a decoded %00 would make), no
 * bytes above 0x7e. */
static int printable(const char *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c <= 0x20 || c >= 0x7f) {
            return 0;
        }
    }
    return 1;
}

static int equals(const char *s, size_t n, const char *lit)
{
    return n == strlen(lit) && memcmp(s, lit, n) == 0;
}

void td__probe_query_arg(td_probe_query_t *q, const char *key, size_t key_len, const char *value,
                         size_t value_len)
{
    if (key == NULL || memchr(key, '\0', key_len) != NULL) {
        fail(q, "malformed query string");
    } else if (equals(key, key_len, "target")) {
        if (q->has_target) {
            fail(q, "target given twice");
        } else if (value == NULL || value_len == 0) {
            fail(q, "empty target (target=HOST:PORT)");
        } else if (value_len > TD_PROBE_MAX_TARGET) {
            fail(q, "target too long (at most 300 bytes)");
        } else if (!printable(value, value_len)) {
            fail(q, "target holds control bytes, spaces or non-ASCII bytes");
        } else {
            memcpy(q->target, value, value_len);
            q->target[value_len] = '\0';
        }
        q->has_target = 1;
    } else if (equals(key, key_len, "profile")) {
        if (q->has_profile) {
            fail(q, "profile given twice");
        } else if (value != NULL && equals(value, value_len, "quick")) {
            q->profile = TD_PROFILE_QUICK;
        } else if (value != NULL && equals(value, value_len, "full")) {
            q->profile = TD_PROFILE_FULL;
        } else {
            fail(q, "profile must be quick or full");
        }
        q->has_profile = 1;
    } else {
        fail(q, "unknown query parameter (target=HOST:PORT and profile=quick|full only)");
    }
}

int td__probe_query_finish(td_probe_query_t *q, td_target_t *target)
{
    td_errinfo_t err;
    memset(&err, 0, sizeof(err));
    if (q->error[0] == '\0' && !q->has_target) {
        fail(q, "no target (target=HOST:PORT)");
    }
    if (q->error[0] == '\0' && td_target_parse(q->target, target, &err) < 0) {
        char msg[sizeof(q->error)];
        td_fmt(msg, sizeof(msg), "bad target: %s", err.message);
        fail(q, msg);
    }
    return q->error[0] == '\0' ? 0 : -1;
}

double td__probe_deadline(const char *scrape_timeout, double max_s)
{
    const char *h = scrape_timeout;
    char num[16];
    unsigned long whole = 0;
    if (h == NULL) {
        return max_s;
    }
    size_t n = strspn(h, "0123456789");
    if (n == 0 || n >= sizeof(num)) {
        return max_s;
    }
    memcpy(num, h, n);
    num[n] = '\0';
    if (td_parse_uint(num, 86400, &whole) < 0) {
        return max_s;
    }
    /* Tenths are enough: Prometheus writes the timeout as a decimal ("10", "9.5"). */
    double frac = h[n] == '.' && h[n + 1] >= '0' && h[n + 1] <= '9' ? (h[n + 1] - '0') / 10.0 : 0;
    double scrape = (double)whole + frac;
    double mine = scrape > 1.0 ? scrape - 0.5 : scrape * 0.5;
    return mine > 0 && mine < max_s ? mine : max_s;
}
