/* td_util.c: clocks, bounded formatting, escaping and error helpers.
 * Nothing here may allocate or do network I/O. */
#define _POSIX_C_SOURCE 200809L
#include "td_util.h"

#include <math.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

double td_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

TD_PRINTF(4, 0) static size_t vfmt_at(char *dst, size_t cap, size_t at, const char *fmt, va_list ap)
{
    if (cap == 0 || at >= cap) {
        return 0;
    }
    int n = vsnprintf(dst + at, cap - at, fmt, ap);
    if (n < 0) {
        dst[at] = '\0';
        return 0;
    }
    if ((size_t)n >= cap - at) {
        return cap - at - 1;
    }
    return (size_t)n;
}

size_t td_fmt(char *dst, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t n = vfmt_at(dst, cap, 0, fmt, ap);
    va_end(ap);
    return n;
}

size_t td_fmt_append(char *dst, size_t cap, const char *fmt, ...)
{
    size_t at = strnlen(dst, cap);
    va_list ap;
    va_start(ap, fmt);
    size_t n = vfmt_at(dst, cap, at, fmt, ap);
    va_end(ap);
    return n;
}

void td_fmt_utc(char *dst, size_t cap, const char *fmt, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (cap == 0) {
        return;
    }
    /* fmt is checked at every call site by the format(strftime) attribute in td_util.h. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    size_t n = gmtime_r(&tt, &tm) != NULL ? strftime(dst, cap, fmt, &tm) : 0;
#pragma GCC diagnostic pop
    if (n == 0) {
        td_strlcpy(dst, "?", cap);
    }
}

void td_strlcpy(char *dst, const char *src, size_t cap)
{
    if (cap == 0) {
        return;
    }
    size_t n = src != NULL ? strnlen(src, cap - 1) : 0;
    if (n > 0) {
        memcpy(dst, src, n);
    }
    dst[n] = '\0';
}

/* Bytes kept as they are by td_escape: printable ASCII except '\\', '<' and '>'. */
static bool escape_keeps(uint8_t c)
{
    return c >= 0x20 && c < 0x7f && c != '\\' && c != '<' && c != '>';
}

/* True when all 8 bytes at p are kept (SWAR: no byte below 0x20 or above 0x7e, none equal
 * to '\\', '<' or '>'), so plain text is checked a word at a time. */
static bool word_keeps(const uint8_t *p)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    uint64_t x;
    memcpy(&x, p, 8);
    uint64_t bad = (x - ones * 0x20) | x | (x + ones * 0x01); /* < 0x20, >= 0x80, == 0x7f */
    uint64_t bs = x ^ (ones * '\\'), lt = x ^ (ones * '<'), gt = x ^ (ones * '>');
    bad |= (bs - ones) & ~bs;
    bad |= (lt - ones) & ~lt;
    bad |= (gt - ones) & ~gt;
    return (bad & highs) == 0;
}

/* The same test as word_keeps on 16 bytes (GCC/clang vectors: SSE2 on x86-64). */
static bool block_keeps(const uint8_t *p)
{
    typedef uint8_t v16 __attribute__((vector_size(16)));
    v16 x;
    memcpy(&x, p, 16);
    v16 bad = (v16)((x < 0x20) | (x > 0x7e) | (x == '\\') | (x == '<') | (x == '>'));
    uint64_t w[2];
    memcpy(w, &bad, 16);
    return (w[0] | w[1]) == 0;
}

void td_escape(char *dst, size_t cap, const uint8_t *src, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    if (cap == 0) {
        return;
    }
    size_t i = 0;
    while (i < len) {
        /* A run of kept bytes is copied at once: log reasons and names are mostly plain. */
        size_t run = 0;
        size_t room = cap - 1 - o;
        size_t most = len - i < room ? len - i : room;
        while (run + 16 <= most && block_keeps(src + i + run)) {
            run += 16;
        }
        while (run + 8 <= most && word_keeps(src + i + run)) {
            run += 8;
        }
        /* The tail as one word that overlaps the bytes already checked. */
        if (run < most && run + 8 > most && most >= 8 && word_keeps(src + i + most - 8)) {
            run = most;
        }
        while (i + run < len && run < room && escape_keeps(src[i + run])) {
            run++;
        }
        memcpy(dst + o, src + i, run);
        o += run;
        i += run;
        if (i >= len || o + 1 >= cap) {
            break;
        }
        /* src[i] is not kept. '<' and '>' too: a network string must never open a tag where a
         * report is shown as HTML (a certificate name "<script>", a Server header). */
        if (o + 4 >= cap) {
            break;
        }
        uint8_t c = src[i++];
        dst[o++] = '\\';
        dst[o++] = 'x';
        dst[o++] = hex[c >> 4];
        dst[o++] = hex[c & 15];
    }
    dst[o] = '\0';
}

bool td_u16_in(const uint16_t *list, size_t n, uint16_t code)
{
    for (size_t i = 0; i < n; i++) {
        if (list[i] == code) {
            return true;
        }
    }
    return false;
}

int td_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    unsigned long v = 0;
    if (s == NULL || *s == '\0') {
        return TD_E_DECODE;
    }
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9') {
            return TD_E_DECODE;
        }
        unsigned long d = (unsigned long)(*s - '0');
        if (v > (max - d) / 10) {
            return TD_E_DECODE;
        }
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

void td_errinfo_set(td_errinfo_t *e, int code, const char *fmt, ...)
{
    if (e == NULL) {
        return;
    }
    e->code = code;
    va_list ap;
    va_start(ap, fmt);
    (void)vfmt_at(e->message, sizeof(e->message), 0, fmt, ap);
    va_end(ap);
}

const char *td_strerror(int code)
{
    switch (code) {
    case TD_OK:
        return "success";
#define TD__ERR_MSG(name, val, msg) \
    case (val):                     \
        return (msg);
        TD_ERR_MAP(TD__ERR_MSG)
#undef TD__ERR_MSG
    default:
        return "unknown error";
    }
}

const char *td_err_name(int code)
{
    switch (code) {
    case TD_OK:
        return "TD_OK";
#define TD__ERR_NAME(name, val, msg) \
    case (val):                      \
        return "TD_E_" #name;
        TD_ERR_MAP(TD__ERR_NAME)
#undef TD__ERR_NAME
    default:
        return "TD_E_UNKNOWN";
    }
}

/* 128-bit products: GCC and clang have them (__extension__: not ISO C, said once). */
__extension__ typedef unsigned __int128 td_u128;

size_t td_fmt_g17(char out[24], double v)
{
    size_t n = 0;
    if (signbit(v)) {
        out[n++] = '-';
        v = -v;
    }
    if (v == 0.0) {
        out[n++] = '0';
        out[n] = '\0';
        return n;
    }
    if (!(v >= 1e-4 && v < 1e15)) {
        return 0;
    }
    /* v = m * 2^-k exactly, m < 2^53 (k >= 3 and <= 66 in this range). */
    int e = 0;
    double fr = frexp(v, &e);
    uint64_t m = (uint64_t)ldexp(fr, 53);
    int k = 53 - e;
    static const double p10[] = { 1e-4, 1e-3, 1e-2, 1e-1, 1e0,  1e1,  1e2,  1e3,  1e4, 1e5,
                                  1e6,  1e7,  1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14 };
    int x = -4; /* the decimal exponent: a guess here, checked on the exact digits below */
    while (x < 14 && v >= p10[x + 5]) {
        x++;
    }
    const td_u128 lo17 = (td_u128)10000000000000000ull; /* 10^16 */
    uint64_t digits = 0;
    for (int tries = 0;; tries++) {
        int s = 16 - x; /* digits after the decimal point: 17 significant in all */
        if (tries == 3 || x < -4 || x > 14 || s < 0) {
            return 0;
        }
        td_u128 p10s = 1;
        for (int i = 0; i < s; i++) {
            p10s *= 10;
        }
        td_u128 prod = (td_u128)m * p10s;
        td_u128 q = prod >> k, r = prod & (((td_u128)1 << k) - 1);
        td_u128 half = (td_u128)1 << (k - 1);
        if (r > half || (r == half && (q & 1) != 0)) {
            q++;
        }
        if (q >= lo17 * 10) {
            x++; /* rounded up to 10^17: one more integer digit */
            continue;
        }
        if (q < lo17) {
            x--;
            continue;
        }
        digits = (uint64_t)q;
        break;
    }
    char d[17];
    for (int i = 16; i >= 0; i--) {
        d[i] = (char)('0' + digits % 10);
        digits /= 10;
    }
    int last = 16; /* %g drops the fraction's trailing zeros */
    while (last > x && last > 0 && d[last] == '0') {
        last--;
    }
    if (x >= 0) {
        for (int i = 0; i <= x; i++) {
            out[n++] = d[i];
        }
        if (last > x) {
            out[n++] = '.';
            for (int i = x + 1; i <= last; i++) {
                out[n++] = d[i];
            }
        }
    } else {
        out[n++] = '0';
        out[n++] = '.';
        for (int i = 0; i < -x - 1; i++) {
            out[n++] = '0';
        }
        for (int i = 0; i <= last; i++) {
            out[n++] = d[i];
        }
    }
    out[n] = '\0';
    return n;
}
