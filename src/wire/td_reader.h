/* td_reader.h: the bounded cursors through which every untrusted byte is read (td_reader,
 * td_text) and our own messages are written (td_writer). Nothing else may do pointer
 * arithmetic on input. These never allocate and never judge. */
#ifndef TD_READER_H
#define TD_READER_H

#include "../util/td_util.h"

/** A view into borrowed bytes; lives as long as the buffer it points into. */
typedef struct td_bytes {
    const uint8_t *p;
    size_t len;
} td_bytes_t;

typedef struct td_reader {
    const uint8_t *base; /* borrowed: never freed by the reader */
    size_t len, off;
    size_t origin; /* offset of base in the whole message, for error reports */
} td_reader_t;

/* The small cursor calls are inline definitions (C99 inline; td_reader.c emits the external
 * ones): a capture scan calls them for every header of every packet, and the calls were a
 * seventh of `tlsdoctor pcap`'s time. Each check is "n > left", so it cannot overflow. */
inline void td_reader_init(td_reader_t *r, const uint8_t *p, size_t len)
{
    r->base = p;
    r->len = p != NULL ? len : 0;
    r->off = 0;
    r->origin = 0;
}

inline size_t td_reader_left(const td_reader_t *r)
{
    return r->len - r->off;
}

/* Absolute offset of the cursor in the whole message. */
size_t td_reader_pos(const td_reader_t *r);

/* Big-endian loads from bytes whose length a td_reader view already checked (a header read as
 * one td_reader_bytes view, then its fields): what td_reader_u16 / td_reader_u32 compute. */
inline uint16_t td_be16(const uint8_t *p)
{
    return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

inline uint32_t td_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

TD_MUST_USE inline int td_reader_u8(td_reader_t *r, uint8_t *v)
{
    if (1 > r->len - r->off) {
        return TD_E_DECODE;
    }
    *v = r->base[r->off];
    r->off += 1;
    return 0;
}

TD_MUST_USE inline int td_reader_u16(td_reader_t *r, uint16_t *v)
{
    if (2 > r->len - r->off) {
        return TD_E_DECODE;
    }
    *v = td_be16(r->base + r->off);
    r->off += 2;
    return 0;
}

TD_MUST_USE int td_reader_u24(td_reader_t *r, uint32_t *v);

TD_MUST_USE inline int td_reader_u32(td_reader_t *r, uint32_t *v)
{
    if (4 > r->len - r->off) {
        return TD_E_DECODE;
    }
    *v = td_be32(r->base + r->off);
    r->off += 4;
    return 0;
}

TD_MUST_USE inline int td_reader_bytes(td_reader_t *r, size_t n, td_bytes_t *view)
{
    if (n > r->len - r->off) {
        return TD_E_DECODE;
    }
    view->p = r->base + r->off;
    view->len = n;
    r->off += n;
    return 0;
}

TD_MUST_USE inline int td_reader_skip(td_reader_t *r, size_t n)
{
    if (n > r->len - r->off) {
        return TD_E_DECODE;
    }
    r->off += n;
    return 0;
}
/* Reads a width-byte (1..3) length, checks min <= len <= max and len <= left, gives sub exactly
 * those bytes and moves r past them. On failure r is unchanged. */
TD_MUST_USE int td_reader_vec(td_reader_t *r, int width, size_t min, size_t max, td_reader_t *sub);
/* Fails with TD_E_DECODE when bytes are left over. */
TD_MUST_USE int td_reader_done(const td_reader_t *r);

/** Writer with a hard capacity over caller-owned memory; length prefixes are reserved and
 * filled in when the block closes. */
#define TD_WRITER_MAX_DEPTH 8
typedef struct td_writer {
    uint8_t *buf;
    size_t cap, len;
    size_t open[TD_WRITER_MAX_DEPTH];
    int width[TD_WRITER_MAX_DEPTH];
    int depth;
    int failed; /* sticky: set by the first failure */
} td_writer_t;

void td_writer_init(td_writer_t *w, uint8_t *buf, size_t cap);
TD_MUST_USE int td_writer_u8(td_writer_t *w, uint8_t v);
TD_MUST_USE int td_writer_u16(td_writer_t *w, uint16_t v);
TD_MUST_USE int td_writer_u24(td_writer_t *w, uint32_t v);
TD_MUST_USE int td_writer_bytes(td_writer_t *w, const void *p, size_t n);
/* Opens a block with a width-byte length prefix (1..3). */
TD_MUST_USE int td_writer_open(td_writer_t *w, int width);
/* Closes the innermost block; TD_E_LIMIT when it is too big for its prefix. */
TD_MUST_USE int td_writer_close(td_writer_t *w);

/** Text cursor (after curl's strparse): moves only on success, every token is bounded. */
typedef struct td_text {
    const char *p;
    size_t len, off;
} td_text_t;

void td_text_init(td_text_t *t, const char *p, size_t len);
size_t td_text_left(const td_text_t *t);
/* Consumes lit when the input starts with it (case-insensitive when icase). */
bool td_text_lit(td_text_t *t, const char *lit, bool icase);
/* Reads a decimal number of at most maxdigits digits. */
TD_MUST_USE int td_text_uint(td_text_t *t, int maxdigits, unsigned long *v);
/* Reads up to (not including) any byte of stop, at most max bytes; at least one byte. */
TD_MUST_USE int td_text_until(td_text_t *t, const char *stop, size_t max, td_bytes_t *out);
/* Reads one line ending in "\n" (the "\r" before it is dropped); max bounds the line. Returns
 * TD_E_DECODE when no complete line is present, TD_E_LIMIT when longer than max. */
TD_MUST_USE int td_text_line(td_text_t *t, size_t max, td_bytes_t *line);
void td_text_skip_ws(td_text_t *t);
/* True when the len bytes at p start with lit (case-sensitive); never reads past len. */
bool td_bytes_prefix(const uint8_t *p, size_t len, const char *lit);
/* Reads an English month abbreviation ("Jan".."Dec", as in HTTP dates and logs) into 0..11. */
TD_MUST_USE int td_text_month(td_text_t *t, int *mon);

#endif
