/* td_util.h: internal helpers shared by every layer: allocation, guard macros, clocks,
 * bounded string formatting. Nothing here touches the network or judges anything. */
#ifndef TD_UTIL_H
#define TD_UTIL_H

#include "tlsdoctor.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef TD_TESTING
#    define TD_TESTABLE
#else
#    define TD_TESTABLE static
#endif

/* Number of elements of a true array; fails to compile for a pointer (picotls's ELEMENTSOF). */
#define TD_ARRAY_LEN(a)           \
    (sizeof(a) / sizeof((a)[0]) + \
     0 * sizeof(char[1 - 2 * __builtin_types_compatible_p(__typeof__(a), __typeof__(&(a)[0]))]))

#define TD_TRY(expr)         \
    do {                     \
        int td__rc = (expr); \
        if (td__rc < 0) {    \
            return td__rc;   \
        }                    \
    } while (0)

#define TD_TRY_OUT(expr) \
    do {                 \
        rc = (expr);     \
        if (rc < 0) {    \
            goto out;    \
        }                \
    } while (0)

#define TD_ENSURE(cond, code) \
    do {                      \
        if (!(cond)) {        \
            return (code);    \
        }                     \
    } while (0)

#if defined(__GNUC__)
#    define TD_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#    define TD_PRINTF(a, b)
#endif

/* All allocation goes through these so tests can swap or fail them. */
void *td_malloc(size_t n);
void *td_calloc(size_t n, size_t size);
void td_free(void *p);
/* A large zeroed block straight from the kernel (mmap): pages never written cost no memory,
 * where td_calloc writes every byte. *pages says how it was made (a calloc fallback for
 * small sizes, a failed mmap or the tests' allocator); td_free_pages needs it and the size. */
void *td_zalloc_pages(size_t size, bool *pages);
void td_free_pages(void *p, size_t size, bool pages);
typedef void *(*td_malloc_fn)(size_t);
/* Test hook: replaces the allocator (NULL restores malloc). */
void td__set_allocator(td_malloc_fn fn);

/* Monotonic milliseconds, for timings and deadlines. */
double td_now_ms(void);

/* snprintf that always terminates and never fails: truncates instead. Returns bytes written. */
size_t td_fmt(char *dst, size_t cap, const char *fmt, ...) TD_PRINTF(3, 4);
/* Appends to a NUL-terminated buffer, truncating. */
size_t td_fmt_append(char *dst, size_t cap, const char *fmt, ...) TD_PRINTF(3, 4);
/* v in decimal at out (no NUL): the number of digits written, at most 20. */
static inline size_t td_dec(char *out, uint64_t v)
{
    char d[20];
    size_t k = 0, n = 0;
    do {
        d[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    while (k > 0) {
        out[n++] = d[--k];
    }
    return n;
}

/* printf's "%.17g" of v, for finite v with 1e-4 <= |v| < 1e15 or v == 0 (capture times and
 * durations): the same characters (digits correctly rounded, ties to even), without printf's
 * multi-precision path. Returns the length written to out (at most 23 bytes and a NUL), or
 * 0 when v is outside that range (then use snprintf). */
size_t td_fmt_g17(char out[24], double v);
/* Formats Unix time t in UTC with strftime's fmt; "?" when it cannot. */
void td_fmt_utc(char *dst, size_t cap, const char *fmt, int64_t t)
        __attribute__((format(strftime, 3, 0)));
/* Copies a string, truncating, always terminated. */
void td_strlcpy(char *dst, const char *src, size_t cap);

/* Escapes untrusted bytes for a terminal, a log or HTML: printable ASCII is kept, the rest,
 * the backslash, '<' and '>' become \xNN. Always terminated. */
void td_escape(char *dst, size_t cap, const uint8_t *src, size_t len);

/* First occurrence of needle (m bytes) in hay (n bytes), or NULL. For the short haystacks of
 * log lines and reasons: memchr to the needle's first byte, then one memcmp. glibc's memmem
 * builds a shift table on every call, which costs more than the search on a 200-byte line. */
static inline const char *td_memfind(const char *hay, size_t n, const char *needle, size_t m)
{
    if (m == 0) {
        return hay;
    }
    if (n < m) {
        return NULL;
    }
    const char *p = hay;
    const char *last = hay + (n - m);
    while (p <= last) {
        p = memchr(p, (unsigned char)needle[0], (size_t)(last - p) + 1);
        if (p == NULL) {
            return NULL;
        }
        if (memcmp(p + 1, needle + 1, m - 1) == 0) {
            return p;
        }
        p++;
    }
    return NULL;
}

/* True when code is one of the n values in list (TLS code-point lists). */
bool td_u16_in(const uint16_t *list, size_t n, uint16_t code);

/* How bad a severity is: ok 0 < warn 1 < unknown 2 < fail 3 (the enum's values are contract and
 * not in that order). */
static inline int td__severity_rank(td_severity_t s)
{
    return s == TD_SEV_FAIL ? 3 : s == TD_SEV_UNKNOWN ? 2 : s == TD_SEV_WARN ? 1 : 0;
}

/* Parses a decimal unsigned integer of at most max; returns 0 or TD_E_DECODE. */
int td_parse_uint(const char *s, unsigned long max, unsigned long *out) TD_MUST_USE;

void td_errinfo_set(td_errinfo_t *e, int code, const char *fmt, ...) TD_PRINTF(3, 4);

#endif
