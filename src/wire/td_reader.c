/* td_reader.c: bounds-checked reading and capacity-checked writing.
 * Every check is written as "n > left" so it cannot overflow; a failed call moves nothing. */
#include "td_reader.h"

#include <string.h>

/* The external definitions of the inline ones in td_reader.h. */
extern inline void td_reader_init(td_reader_t *r, const uint8_t *p, size_t len);
extern inline size_t td_reader_left(const td_reader_t *r);
extern inline uint16_t td_be16(const uint8_t *p);
extern inline uint32_t td_be32(const uint8_t *p);
extern inline int td_reader_u8(td_reader_t *r, uint8_t *v);
extern inline int td_reader_u16(td_reader_t *r, uint16_t *v);
extern inline int td_reader_u32(td_reader_t *r, uint32_t *v);
extern inline int td_reader_bytes(td_reader_t *r, size_t n, td_bytes_t *view);
extern inline int td_reader_skip(td_reader_t *r, size_t n);

size_t td_reader_pos(const td_reader_t *r)
{
    return r->origin + r->off;
}

static int need(const td_reader_t *r, size_t n)
{
    return n > r->len - r->off ? TD_E_DECODE : 0;
}

int td_reader_u24(td_reader_t *r, uint32_t *v)
{
    TD_TRY(need(r, 3));
    const uint8_t *p = r->base + r->off;
    *v = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
    r->off += 3;
    return 0;
}

int td_reader_vec(td_reader_t *r, int width, size_t min, size_t max, td_reader_t *sub)
{
    size_t save = r->off;
    size_t len = 0;
    int rc = 0;
    switch (width) {
    case 1: {
        uint8_t v = 0;
        rc = td_reader_u8(r, &v);
        len = v;
        break;
    }
    case 2: {
        uint16_t v = 0;
        rc = td_reader_u16(r, &v);
        len = v;
        break;
    }
    case 3: {
        uint32_t v = 0;
        rc = td_reader_u24(r, &v);
        len = v;
        break;
    }
    default:
        return TD_E_INTERNAL;
    }
    if (rc < 0 || len < min || len > max || need(r, len) < 0) {
        r->off = save;
        return TD_E_DECODE;
    }
    sub->base = r->base + r->off;
    sub->len = len;
    sub->off = 0;
    sub->origin = r->origin + r->off;
    r->off += len;
    return 0;
}

int td_reader_done(const td_reader_t *r)
{
    return r->off == r->len ? 0 : TD_E_DECODE;
}

void td_writer_init(td_writer_t *w, uint8_t *buf, size_t cap)
{
    memset(w, 0, sizeof(*w));
    w->buf = buf;
    w->cap = cap;
}

int td_writer_bytes(td_writer_t *w, const void *p, size_t n)
{
    if (w->failed || n > w->cap - w->len) {
        w->failed = 1;
        return TD_E_LIMIT;
    }
    if (n > 0) {
        memcpy(w->buf + w->len, p, n);
    }
    w->len += n;
    return 0;
}

int td_writer_u8(td_writer_t *w, uint8_t v)
{
    return td_writer_bytes(w, &v, 1);
}

int td_writer_u16(td_writer_t *w, uint16_t v)
{
    uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
    return td_writer_bytes(w, b, 2);
}

int td_writer_u24(td_writer_t *w, uint32_t v)
{
    uint8_t b[3] = { (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
    return td_writer_bytes(w, b, 3);
}

int td_writer_open(td_writer_t *w, int width)
{
    static const uint8_t zero[3] = { 0, 0, 0 };
    if (w->depth >= TD_WRITER_MAX_DEPTH || width < 1 || width > 3) {
        w->failed = 1;
        return TD_E_LIMIT;
    }
    w->open[w->depth] = w->len;
    w->width[w->depth] = width;
    TD_TRY(td_writer_bytes(w, zero, (size_t)width));
    w->depth++;
    return 0;
}

int td_writer_close(td_writer_t *w)
{
    if (w->failed || w->depth == 0) {
        w->failed = 1;
        return TD_E_LIMIT;
    }
    w->depth--;
    size_t at = w->open[w->depth];
    int width = w->width[w->depth];
    size_t body = w->len - at - (size_t)width;
    size_t limit = width == 1 ? 0xffu : width == 2 ? 0xffffu : 0xffffffu;
    if (body > limit) {
        w->failed = 1;
        return TD_E_LIMIT;
    }
    for (int i = width - 1; i >= 0; i--) {
        w->buf[at + (size_t)i] = (uint8_t)(body & 0xff);
        body >>= 8;
    }
    return 0;
}

void td_text_init(td_text_t *t, const char *p, size_t len)
{
    t->p = p;
    t->len = p != NULL ? len : 0;
    t->off = 0;
}

size_t td_text_left(const td_text_t *t)
{
    return t->len - t->off;
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

bool td_text_lit(td_text_t *t, const char *lit, bool icase)
{
    size_t n = strlen(lit);
    if (n > t->len - t->off) {
        return false;
    }
    const char *p = t->p + t->off;
    for (size_t i = 0; i < n; i++) {
        if (icase ? lower(p[i]) != lower(lit[i]) : p[i] != lit[i]) {
            return false;
        }
    }
    t->off += n;
    return true;
}

int td_text_uint(td_text_t *t, int maxdigits, unsigned long *v)
{
    size_t i = t->off;
    unsigned long acc = 0;
    int digits = 0;
    while (i < t->len && t->p[i] >= '0' && t->p[i] <= '9') {
        if (digits == maxdigits) {
            return TD_E_DECODE;
        }
        acc = acc * 10 + (unsigned long)(t->p[i] - '0');
        digits++;
        i++;
    }
    if (digits == 0) {
        return TD_E_DECODE;
    }
    t->off = i;
    *v = acc;
    return 0;
}

int td_text_until(td_text_t *t, const char *stop, size_t max, td_bytes_t *out)
{
    size_t i = t->off;
    while (i < t->len && strchr(stop, t->p[i]) == NULL) {
        if (t->p[i] == '\0' || i - t->off >= max) {
            return i - t->off >= max ? TD_E_LIMIT : TD_E_DECODE;
        }
        i++;
    }
    if (i == t->off) {
        return TD_E_DECODE;
    }
    out->p = (const uint8_t *)(t->p + t->off);
    out->len = i - t->off;
    t->off = i;
    return 0;
}

int td_text_line(td_text_t *t, size_t max, td_bytes_t *line)
{
    const char *start = t->p + t->off;
    size_t left = t->len - t->off;
    const char *nl = memchr(start, '\n', left);
    if (nl == NULL) {
        return left > max ? TD_E_LIMIT : TD_E_DECODE;
    }
    size_t n = (size_t)(nl - start);
    if (n > max) {
        return TD_E_LIMIT;
    }
    size_t keep = n;
    if (keep > 0 && start[keep - 1] == '\r') {
        keep--;
    }
    line->p = (const uint8_t *)start;
    line->len = keep;
    t->off += n + 1;
    return 0;
}

void td_text_skip_ws(td_text_t *t)
{
    while (t->off < t->len && (t->p[t->off] == ' ' || t->p[t->off] == '\t')) {
        t->off++;
    }
}

int td_text_month(td_text_t *t, int *mon)
{
    static const char *const months[12] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    for (int i = 0; i < 12; i++) {
        if (td_text_lit(t, months[i], false)) {
            *mon = i;
            return 0;
        }
    }
    return TD_E_DECODE;
}

bool td_bytes_prefix(const uint8_t *p, size_t len, const char *lit)
{
    td_text_t t;
    td_text_init(&t, (const char *)p, len);
    return td_text_lit(&t, lit, false);
}
