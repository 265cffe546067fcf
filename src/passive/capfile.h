/* capfile.h: a capture file read packet by packet, pcap (microsecond or nanosecond, either byte
 * order) or pcapng (every section and interface, each with its own link type and timestamp
 * resolution). libpcap cannot mix link types in one handle; this reader can, so a pcapng whose
 * interfaces differ (Ethernet and raw IP, say) is read whole. Every header goes through
 * td_reader; the file is read in chunks into one bounded buffer, so memory does not depend on
 * the file size. */
#ifndef TD_CAPFILE_H
#define TD_CAPFILE_H

#include "../wire/td_reader.h"

#include <stdint.h>

#define TD_CAP_MAX_RECORD (1u << 20) /* a larger packet record or pcapng block is damage */
#define TD_CAP_MAX_IFACES 256

typedef struct td_capfile td_capfile_t;

typedef struct td_cappkt {
    double ts;           /* Unix seconds */
    uint32_t caplen;     /* bytes in data */
    uint32_t origlen;    /* length on the wire */
    uint16_t linktype;   /* LINKTYPE_ value (tcpdump.org/linktypes.html) */
    uint32_t iface;      /* pcapng interface in its section; 0 for pcap */
    const uint8_t *data; /* valid until the next call */
} td_cappkt_t;

/** Opens path. 0, or TD_E_IO with a message in err (not a capture, unreadable). */
int td_capfile_open(const char *path, td_capfile_t **out, char *err, size_t errcap);
/** The next packet: 1, 0 at the end, TD_E_DECODE / TD_E_IO on damage (message in err); after
 * damage the file is not read further. */
int td_capfile_next(td_capfile_t *cf, td_cappkt_t *pkt, char *err, size_t errcap);
void td_capfile_close(td_capfile_t *cf);
/* Spans: a mapped capture read by several threads at once (pcap --threads). */
/** After td_capfile_open: reads pcapng's leading blocks (section header, interfaces), so that
 * cf holds the state the first packet is read with, and leaves the mapping's guard (each span
 * enters its own). 0, or TD_E_IO when the file is not mapped (read() input). */
int td_capfile_prime(td_capfile_t *cf, char *err, size_t errcap);
/** Offset of the next record or block. */
size_t td_capfile_offset(const td_capfile_t *cf);
/** The mapped size (0 when read()). */
size_t td_capfile_size(const td_capfile_t *cf);
/** A reader of state's mapping (state's byte order and interfaces, copied) from offset start,
 * handing out records that start before end. A thread reading it (or the packets it handed
 * out) enters its guard (td_capfile_guard). td_capfile_close leaves the guard on the calling
 * thread and frees the span (the mapping stays). NULL when out of memory. */
td_capfile_t *td_capfile_span(const td_capfile_t *state, size_t start, size_t end);
struct td_mapguard;
/** The guard of cf's mapping. */
struct td_mapguard *td_capfile_guard(td_capfile_t *cf);
/** dst reads the next record as src would (byte order, interface table). */
void td_capfile_set_state(td_capfile_t *dst, const td_capfile_t *src);
/** Moves a span's start to the first offset where a chain of sane headers begins (at most its
 * end): a guess, to be checked against where the span before it really ended. */
void td_capfile_sync(td_capfile_t *cf);
/** Whether a and b read the next record the same way (byte order, interface table). */
int td_capfile_same_state(const td_capfile_t *a, const td_capfile_t *b);
/** Whether a page of the mapping vanished under cf (the file shrank). */
int td_capfile_shrank(td_capfile_t *cf);
/** Hands the mapping's whole pages before upto back (MADV_DONTNEED; they stay in the page
 * cache), from where the last drop ended: nothing read later may point before upto. */
void td_capfile_drop(td_capfile_t *cf, size_t upto);
/** A short name of a LINKTYPE_ value ("EN10MB", "RAW", ...), "LINKTYPE_n" style otherwise. */
const char *td_linktype_name(uint16_t lt);

#endif
