/* scan.h: the fleet scan's internals: one target line parsed, the stable hash of its
 * normalised form (dedup, --shard, --resume) and a set of such hashes. */
#ifndef TD_SCAN_H
#define TD_SCAN_H

#include "tlsdoctor.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TD_SCAN_MAX_LINE 2048 /* longer lines are reported and skipped */

/* One target line of the four forms: HOST[:PORT] (or [V6]:PORT), an https:// or http:// URL,
 * "HOST[:PORT] ADDR[:PORT]" and zgrab2's CSV "ip,name,tag,port". */
typedef struct td_scan_target {
    char line[TD_SCAN_MAX_LINE]; /* the line, trimmed, comment removed: what results name */
    char host[256];
    uint16_t port; /* default applied: 443, 80 for http:// */
    char path[512];
    char connect_to[300]; /* "" none */
    int plain_http;
    uint64_t hash; /* of the normalised form: same target, same hash, whatever the spelling */
} td_scan_target_t;

/* Parses one line (len bytes, any content, no NUL needed). Returns 1 for a target, 0 for a
 * blank or comment line, -1 for an unparsable one (why says what is wrong). */
int td__scan_parse_line(const char *line, size_t len, td_scan_target_t *t, char *why, size_t cap);

/* A growable set of 64-bit hashes (open addressing): 16 bytes per member at most. */
typedef struct td_hset {
    uint64_t *slot;
    size_t cap, n;
} td_hset_t;

/* Adds h; returns 1 when it was new, 0 when present, -1 out of memory. */
int td__hset_add(td_hset_t *s, uint64_t h);
bool td__hset_has(const td_hset_t *s, uint64_t h);
void td__hset_free(td_hset_t *s);

#endif
