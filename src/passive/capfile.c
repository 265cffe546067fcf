/* capfile.c: pcap (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap-04.html) and pcapng
 * (draft-ietf-opsawg-pcapng: Section Header, Interface Description, Enhanced / Simple /
 * obsolete Packet blocks; every other block is skipped) read through td_reader. A regular file
 * is mapped whole (no read() copy; pages already read are dropped from the mapping every
 * DROP_EVERY bytes, so the resident size stays bounded); anything else (a pipe, a device) is
 * read in chunks into one bounded buffer. */
#include "capfile.h"

#include "../../include/tlsdoctor.h"
#include "../util/td_mapguard.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define BUF_SIZE   (4u << 20)
#define DROP_EVERY (8u << 20) /* mapped bytes behind the reader handed back at a time */

typedef struct iface {
    uint16_t linktype;
    double tick; /* seconds per timestamp unit */
    int64_t offset;
} iface_t;

struct td_capfile {
    FILE *f;
    uint8_t *buf;
    size_t have, pos;    /* bytes in buf, bytes consumed */
    size_t map_len;      /* > 0: buf is the whole file, mapped */
    size_t dropped;      /* mapped bytes before this were handed back (MADV_DONTNEED) */
    int span;            /* td_capfile_span: borrows the mapping, drops nothing, stops at end */
    size_t end;          /* span: no record starts at or after this offset */
    td_mapguard_t guard; /* a page of the mapping that vanished (file truncated) reads zeros */
    int eof;
    int ng;   /* pcapng */
    int swap; /* file byte order is little-endian (td_reader reads big-endian) */
    int nano; /* pcap nanosecond timestamps */
    uint16_t linktype;
    iface_t ifaces[TD_CAP_MAX_IFACES];
    uint32_t n_ifaces;
    int dead;
};

static uint32_t sw32(const td_capfile_t *cf, uint32_t v)
{
    return cf->swap ? __builtin_bswap32(v) : v;
}

static uint16_t sw16(const td_capfile_t *cf, uint16_t v)
{
    return cf->swap ? __builtin_bswap16(v) : v;
}

/* Makes at least n bytes available at buf + pos. 0 ok, 1 fewer left in the file. */
static int need_more(td_capfile_t *cf, size_t n);

/* 0 when n bytes from pos are in buf (reading more when the file is not mapped). Inline: it is
 * called twice per packet, and almost always answers from the first test. */
static inline int need(td_capfile_t *cf, size_t n)
{
    return cf->have - cf->pos >= n ? 0 : need_more(cf, n);
}

static int need_more(td_capfile_t *cf, size_t n)
{
    if (cf->map_len > 0) {
        return 1; /* the whole file is there */
    }
    if (cf->pos > 0) {
        memmove(cf->buf, cf->buf + cf->pos, cf->have - cf->pos);
        cf->have -= cf->pos;
        cf->pos = 0;
    }
    while (!cf->eof && cf->have < n) {
        size_t got = fread(cf->buf + cf->have, 1, BUF_SIZE - cf->have, cf->f);
        cf->have += got;
        if (got == 0) {
            cf->eof = 1;
        }
    }
    return cf->have - cf->pos >= n ? 0 : 1;
}

static int fail(td_capfile_t *cf, char *err, size_t errcap, int rc, const char *msg)
{
    cf->dead = 1;
    if (cf->map_len > 0 && td_mapguard_hit(&cf->guard)) {
        msg = "the file shrank while it was read"; /* what looked damaged were its zeros */
        rc = TD_E_IO;
    }
    td_strlcpy(err, msg, errcap);
    return rc;
}

int td_capfile_open(const char *path, td_capfile_t **out, char *err, size_t errcap)
{
    *out = NULL;
    td_capfile_t *cf = td_calloc(1, sizeof(*cf));
    if (cf == NULL) {
        td_strlcpy(err, "out of memory", errcap);
        return TD_E_NOMEM;
    }
    if (strcmp(path, "-") == 0) {
        /* Standard input (a pipe from tcpdump -w -): read, never mapped. */
        int fd = dup(STDIN_FILENO);
        cf->f = fd >= 0 ? fdopen(fd, "rb") : NULL;
        if (cf->f == NULL && fd >= 0) {
            close(fd);
        }
    } else {
        cf->f = fopen(path, "rb");
    }
    if (cf->f == NULL) {
        td_fmt(err, errcap, "%s", strerror(errno));
        td_capfile_close(cf);
        return TD_E_IO;
    }
    struct stat st;
    if (fstat(fileno(cf->f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
        (uint64_t)st.st_size <= SIZE_MAX) {
        /* The opening thread reads it (td_capfile_close leaves the guard). */
        uint8_t *m = td_mapguard_map(fileno(cf->f), (size_t)st.st_size, &cf->guard);
        if (m != NULL) {
            cf->buf = m;
            cf->map_len = cf->have = (size_t)st.st_size;
            cf->eof = 1;
        }
    }
    cf->end = SIZE_MAX;
    if (cf->buf == NULL && (cf->buf = td_malloc(BUF_SIZE)) == NULL) {
        td_strlcpy(err, "out of memory", errcap);
        td_capfile_close(cf);
        return TD_E_NOMEM;
    }
    uint32_t magic = 0;
    td_reader_t r;
    if (need(cf, 24) != 0) {
        td_strlcpy(err, "too short for a capture file", errcap);
        td_capfile_close(cf);
        return TD_E_IO;
    }
    td_reader_init(&r, cf->buf, 24);
    if (td_reader_u32(&r, &magic) < 0) {
        td_capfile_close(cf);
        return TD_E_IO;
    }
    if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d || magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1) {
        uint32_t lt = 0;
        cf->swap = magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1;
        cf->nano = magic == 0xa1b23c4d || magic == 0x4d3cb2a1;
        if (td_reader_skip(&r, 16) < 0 || td_reader_u32(&r, &lt) < 0) {
            td_capfile_close(cf);
            return TD_E_IO;
        }
        cf->linktype = (uint16_t)(sw32(cf, lt) & 0xffff); /* upper bits: FCS length */
        cf->pos = 24;
    } else if (magic == 0x0a0d0d0a) {
        cf->ng = 1; /* the Section Header Block is read as the first block */
    } else {
        td_strlcpy(err, "unknown file format (neither pcap nor pcapng)", errcap);
        td_capfile_close(cf);
        return TD_E_IO;
    }
    *out = cf;
    return 0;
}

static int next_pcap(td_capfile_t *cf, td_cappkt_t *p, char *err, size_t errcap)
{
    if (need(cf, 16) != 0) {
        return cf->have == cf->pos ? 0
                                   : fail(cf, err, errcap, TD_E_DECODE, "truncated record header");
    }
    td_reader_t r;
    uint32_t sec = 0, frac = 0, incl = 0, orig = 0;
    td_reader_init(&r, cf->buf + cf->pos, 16);
    if (td_reader_u32(&r, &sec) < 0 || td_reader_u32(&r, &frac) < 0 ||
        td_reader_u32(&r, &incl) < 0 || td_reader_u32(&r, &orig) < 0) {
        return fail(cf, err, errcap, TD_E_DECODE, "record header");
    }
    incl = sw32(cf, incl);
    if (incl > TD_CAP_MAX_RECORD) {
        return fail(cf, err, errcap, TD_E_DECODE, "damaged record (length over 1 MiB)");
    }
    if (need(cf, 16 + (size_t)incl) != 0) {
        return fail(cf, err, errcap, TD_E_DECODE, "truncated packet record");
    }
    p->ts = (double)sw32(cf, sec) + (double)sw32(cf, frac) / (cf->nano ? 1e9 : 1e6);
    p->caplen = incl;
    p->origlen = sw32(cf, orig);
    p->linktype = cf->linktype;
    p->iface = 0;
    p->data = cf->buf + cf->pos + 16;
    cf->pos += 16 + (size_t)incl;
    return 1;
}

/* Interface Description Block body: LinkType, reserved, SnapLen, options (if_tsresol 9,
 * if_tsoffset 14). */
static void read_idb(td_capfile_t *cf, td_reader_t *b)
{
    uint16_t lt = 0;
    iface_t *i = &cf->ifaces[cf->n_ifaces];
    if (cf->n_ifaces >= TD_CAP_MAX_IFACES) {
        return;
    }
    cf->n_ifaces++;
    i->tick = 1e-6;
    i->offset = 0;
    if (td_reader_u16(b, &lt) < 0 || td_reader_skip(b, 6) < 0) {
        i->linktype = 0xffff;
        return;
    }
    i->linktype = sw16(cf, lt);
    while (td_reader_left(b) >= 4) {
        uint16_t code = 0, len = 0;
        td_bytes_t v;
        if (td_reader_u16(b, &code) < 0 || td_reader_u16(b, &len) < 0) {
            return;
        }
        code = sw16(cf, code);
        len = sw16(cf, len);
        if (code == 0 || td_reader_bytes(b, len, &v) < 0 ||
            td_reader_skip(b, (4u - len % 4u) % 4u) < 0) {
            return;
        }
        if (code == 9 && len >= 1) {
            uint8_t res = v.p[0];
            double base = (res & 0x80) ? 2.0 : 10.0;
            double t = 1.0;
            for (int k = 0; k < (res & 0x7f) && k < 64; k++) {
                t /= base;
            }
            i->tick = t;
        } else if (code == 14 && len == 8) {
            uint64_t o = 0;
            for (int k = 0; k < 8; k++) {
                o = cf->swap ? o | (uint64_t)v.p[k] << (8 * k) : o << 8 | v.p[k];
            }
            i->offset = (int64_t)o;
        }
    }
}

static int next_pcapng(td_capfile_t *cf, td_cappkt_t *p, char *err, size_t errcap)
{
    for (;;) {
        if (cf->pos >= cf->end) {
            return 0; /* a span's end (the blocks from here are the next span's) */
        }
        if (need(cf, 12) != 0) {
            return cf->have == cf->pos ? 0 : fail(cf, err, errcap, TD_E_DECODE, "truncated block");
        }
        /* Type, total length, and (a section header's) byte-order magic: one view. */
        td_reader_t r;
        td_bytes_t hv;
        td_reader_init(&r, cf->buf + cf->pos, 12);
        if (td_reader_bytes(&r, 12, &hv) < 0) {
            return fail(cf, err, errcap, TD_E_DECODE, "block header");
        }
        uint32_t type = td_be32(hv.p);
        if (type == 0x0a0d0d0a) { /* a new section: byte order and interfaces anew */
            uint32_t bom = td_be32(hv.p + 8);
            if (bom != 0x1a2b3c4d && bom != 0x4d3c2b1a) {
                return fail(cf, err, errcap, TD_E_DECODE, "section header byte-order magic");
            }
            cf->swap = bom == 0x4d3c2b1a;
            cf->n_ifaces = 0;
        }
        type = sw32(cf, type);
        uint32_t len = sw32(cf, td_be32(hv.p + 4));
        if (len < 12 || len % 4 != 0 || len > TD_CAP_MAX_RECORD) {
            return fail(cf, err, errcap, TD_E_DECODE, "damaged block length");
        }
        if (need(cf, len) != 0) {
            return fail(cf, err, errcap, TD_E_DECODE, "truncated block");
        }
        td_reader_t b;
        td_reader_init(&b, cf->buf + cf->pos + 8, len - 12);
        cf->pos += len;
        if (type == 1) {
            read_idb(cf, &b);
            continue;
        }
        uint32_t iid = 0, hi = 0, lo = 0, cap = 0, orig = 0;
        if (type == 6) { /* Enhanced Packet Block: interface, time high, low, lengths */
            td_bytes_t e;
            if (td_reader_bytes(&b, 20, &e) < 0) {
                return fail(cf, err, errcap, TD_E_DECODE, "enhanced packet block");
            }
            iid = sw32(cf, td_be32(e.p));
            hi = td_be32(e.p + 4);
            lo = td_be32(e.p + 8);
            cap = sw32(cf, td_be32(e.p + 12));
            orig = td_be32(e.p + 16);
        } else if (type == 2) { /* obsolete Packet Block: 16-bit interface, drops */
            uint16_t i16 = 0;
            if (td_reader_u16(&b, &i16) < 0 || td_reader_skip(&b, 2) < 0 ||
                td_reader_u32(&b, &hi) < 0 || td_reader_u32(&b, &lo) < 0 ||
                td_reader_u32(&b, &cap) < 0 || td_reader_u32(&b, &orig) < 0) {
                return fail(cf, err, errcap, TD_E_DECODE, "packet block");
            }
            iid = sw16(cf, i16);
            cap = sw32(cf, cap);
        } else if (type == 3) { /* Simple Packet Block: interface 0, no time */
            if (td_reader_u32(&b, &orig) < 0) {
                return fail(cf, err, errcap, TD_E_DECODE, "simple packet block");
            }
            cap = sw32(cf, orig);
            if (cap > td_reader_left(&b)) {
                cap = (uint32_t)td_reader_left(&b);
            }
        } else {
            continue; /* statistics, name resolution, custom, ... */
        }
        td_bytes_t data;
        if (iid >= cf->n_ifaces) {
            return fail(cf, err, errcap, TD_E_DECODE, "packet of an undeclared interface");
        }
        if (td_reader_bytes(&b, cap, &data) < 0) {
            return fail(cf, err, errcap, TD_E_DECODE, "packet longer than its block");
        }
        const iface_t *in = &cf->ifaces[iid];
        uint64_t t = (uint64_t)sw32(cf, hi) << 32 | sw32(cf, lo);
        p->ts = (double)t * in->tick + (double)in->offset;
        p->caplen = cap;
        p->origlen = sw32(cf, orig);
        p->linktype = in->linktype;
        p->iface = iid;
        p->data = data.p;
        return 1;
    }
}

int td_capfile_next(td_capfile_t *cf, td_cappkt_t *p, char *err, size_t errcap)
{
    if (cf->dead) {
        return 0;
    }
    if (cf->map_len == 0 && ferror(cf->f)) { /* ferror takes the FILE lock: read path only */
        return fail(cf, err, errcap, TD_E_IO, "read error");
    }
    /* A page of the mapping vanished (the file shrank): while the caller read the last packet,
     * or while this call read the next record's header, which then was zeros. fail() says so. */
    if (cf->map_len > 0 && td_mapguard_hit(&cf->guard)) {
        return fail(cf, err, errcap, TD_E_IO, "read error");
    }
    if (cf->pos >= cf->end) {
        return 0; /* a span's end: the records from here are the next span's */
    }
    if (cf->map_len > 0 && !cf->span && cf->pos - cf->dropped >= DROP_EVERY) {
        /* The packets handed out before this call are dead: their pages leave the mapping
         * (they stay in the page cache), so the resident size does not grow with the file. */
        td_capfile_drop(cf, cf->pos);
    }
    int rc = cf->ng ? next_pcapng(cf, p, err, errcap) : next_pcap(cf, p, err, errcap);
    if (rc == 1 && cf->map_len > 0 && td_mapguard_hit(&cf->guard)) {
        return fail(cf, err, errcap, TD_E_IO, "read error");
    }
    return rc;
}

void td_capfile_close(td_capfile_t *cf)
{
    if (cf == NULL) {
        return;
    }
    if (cf->span) {
        td_mapguard_leave(&cf->guard);
        td_free(cf);
        return;
    }
    if (cf->f != NULL) {
        fclose(cf->f);
    }
    if (cf->map_len > 0) {
        td_mapguard_leave(&cf->guard);
        munmap(cf->buf, cf->map_len);
    } else {
        td_free(cf->buf);
    }
    td_free(cf);
}

/* ---- spans: one mapped capture read by several threads ---------------------------------- */

int td_capfile_prime(td_capfile_t *cf, char *err, size_t errcap)
{
    if (cf->map_len == 0) {
        td_strlcpy(err, "not mapped", errcap);
        return TD_E_IO;
    }
    while (cf->ng && cf->map_len - cf->pos >= 12) {
        /* The leading blocks (section header, interfaces, ...) up to the first packet block,
         * one at a time: next_pcapng stops at cf->end. */
        uint32_t raw = td_be32(cf->buf + cf->pos), type = sw32(cf, raw);
        if (raw != 0x0a0d0d0a && (type == 2 || type == 3 || type == 6)) {
            break;
        }
        size_t at = cf->pos;
        td_cappkt_t p;
        cf->end = at + 1;
        if (next_pcapng(cf, &p, err, errcap) != 0 || cf->pos == at) {
            cf->dead = 0; /* damage: the first span meets it again and says so */
            cf->pos = at;
            break;
        }
    }
    cf->end = SIZE_MAX;
    td_mapguard_leave(&cf->guard); /* spans enter their own guards, on their own threads */
    return 0;
}

size_t td_capfile_offset(const td_capfile_t *cf)
{
    return cf->pos;
}

size_t td_capfile_size(const td_capfile_t *cf)
{
    return cf->map_len;
}

td_capfile_t *td_capfile_span(const td_capfile_t *state, size_t start, size_t end)
{
    td_capfile_t *sp = td_malloc(sizeof(*sp));
    if (sp == NULL) {
        return NULL;
    }
    memcpy(sp, state, sizeof(*sp));
    sp->f = NULL;
    sp->span = 1;
    sp->dead = 0;
    sp->pos = start;
    sp->end = end;
    sp->dropped = 0;
    td_mapguard_init(&sp->guard, sp->buf, sp->map_len);
    return sp;
}

struct td_mapguard *td_capfile_guard(td_capfile_t *cf)
{
    return &cf->guard;
}

void td_capfile_set_state(td_capfile_t *dst, const td_capfile_t *src)
{
    dst->swap = src->swap;
    dst->n_ifaces = src->n_ifaces;
    memcpy(dst->ifaces, src->ifaces, src->n_ifaces * sizeof(src->ifaces[0]));
}

int td_capfile_same_state(const td_capfile_t *a, const td_capfile_t *b)
{
    if (a->swap != b->swap || a->n_ifaces != b->n_ifaces) {
        return 0;
    }
    for (uint32_t i = 0; i < a->n_ifaces; i++) { /* field by field: iface_t has padding */
        const iface_t *x = &a->ifaces[i], *y = &b->ifaces[i];
        if (x->linktype != y->linktype || x->tick != y->tick || x->offset != y->offset) {
            return 0;
        }
    }
    return 1;
}

int td_capfile_shrank(td_capfile_t *cf)
{
    return cf != NULL && cf->map_len > 0 && td_mapguard_hit(&cf->guard);
}

/* Whether a record (pcap) or block (pcapng) can start at off: its header and length are sane,
 * and so are the next ones (a chain of up to 8 ending at most at the end of the file). */
static int plausible(const td_capfile_t *cf, size_t off)
{
    for (int k = 0; k < 8; k++) {
        if (off == cf->map_len) {
            return k > 0;
        }
        const uint8_t *h = cf->buf + off;
        if (!cf->ng) {
            if (cf->map_len - off < 16) {
                return 0;
            }
            uint32_t frac = sw32(cf, td_be32(h + 4)), incl = sw32(cf, td_be32(h + 8));
            uint32_t orig = sw32(cf, td_be32(h + 12));
            if (incl > TD_CAP_MAX_RECORD || orig < incl || orig > 1u << 18 ||
                frac >= (cf->nano ? 1000000000u : 1000000u) || cf->map_len - off - 16 < incl) {
                return 0;
            }
            off += 16 + (size_t)incl;
        } else {
            if (cf->map_len - off < 12) {
                return 0;
            }
            uint32_t type = sw32(cf, td_be32(h)), len = sw32(cf, td_be32(h + 4));
            if ((type == 0 || type > 10) && td_be32(h) != 0x0a0d0d0a) {
                return 0;
            }
            if (len < 12 || len % 4 != 0 || len > TD_CAP_MAX_RECORD || len > cf->map_len - off ||
                sw32(cf, td_be32(h + len - 4)) != len) {
                return 0;
            }
            off += len;
        }
    }
    return 1;
}

void td_capfile_sync(td_capfile_t *cf)
{
    size_t step = cf->ng ? 4 : 1;
    size_t off = cf->pos;
    if (cf->ng && off % 4 != 0) {
        off += 4 - off % 4;
    }
    while (off < cf->end && off < cf->map_len && !plausible(cf, off)) {
        off += step;
    }
    cf->pos = off < cf->end ? off : cf->end;
}

void td_capfile_drop(td_capfile_t *cf, size_t upto)
{
    long ps = sysconf(_SC_PAGESIZE);
    size_t pg = ps > 0 ? (size_t)ps : 4096;
    upto &= ~(pg - 1);
    if (cf->map_len > 0 && upto > cf->dropped && upto <= cf->map_len) {
        (void)madvise(cf->buf + cf->dropped, upto - cf->dropped, MADV_DONTNEED);
        cf->dropped = upto;
    }
}

const char *td_linktype_name(uint16_t lt)
{
    switch (lt) {
    case 0:
        return "NULL";
    case 1:
        return "EN10MB";
    case 9:
        return "PPP";
    case 12:
    case 14:
    case 101:
        return "RAW";
    case 50:
        return "PPP_SERIAL";
    case 51:
        return "PPP_ETHER";
    case 104:
        return "C_HDLC";
    case 108:
        return "LOOP";
    case 113:
        return "LINUX_SLL";
    case 228:
        return "IPV4";
    case 229:
        return "IPV6";
    case 276:
        return "LINUX_SLL2";
    default:
        return "other";
    }
}
