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
/** A short name of a LINKTYPE_ value ("EN10MB", "RAW", ...), "LINKTYPE_n" style otherwise. */
const char *td_linktype_name(uint16_t lt);

#endif
