/* logline.h: one log line -> at most one failure event, per format (nginx, Apache, HAProxy,
 * F5, ALB, Cloudflare, lighttpd, Caddy/Traefik/Go, Envoy, IIS, Classic ELB, Postfix/Dovecot).
 * Parsers read through td_text, never allocate, never do I/O. Some formats spread one failure over
 * two lines (Apache AH02008 + "SSL Library Error", F5 01260009 + 01260013): the parser state pairs
 * them. */
#ifndef TD_LOGLINE_H
#define TD_LOGLINE_H

#include "../wire/td_reader.h"

typedef struct td_logline_state {
    int has_pending;
    uint64_t pending_line;
    td_log_event_t pending;
    int f5_year; /* F5 lines carry no year */
    /* The last event emitted: a second line about the same connection (Apache's AH01996 after
     * "SSL Library Error: ... http request") is not a second event. */
    uint64_t last_line;
    const char *last_cause;
    char last_client[64];
} td_logline_state_t;

/* Offset of a line's own content after a collector's prefix: a syslog priority "<N>", a
 * docker compose "name  | ", a kubectl "[pod/name/container] ", a CRI "TIME stdout F ". */
size_t td_logline_unframe(const char *p, size_t n);

void td_logline_state_init(td_logline_state_t *st, int f5_year);

/* Parses one line (without its newline) of format fmt. Returns the number of events written
 * to out (0, 1 or 2: a pending event may be flushed before the current one). */
int td_logline_parse(td_log_format_t fmt, td_logline_state_t *st, const char *p, size_t n,
                     uint64_t line_no, td_log_event_t out[2]);

/* Flushes a pending event at end of input. Returns 0 or 1. */
int td_logline_flush(td_logline_state_t *st, td_log_event_t *out);

/* Guesses the format of a file from its first bytes (several lines). TD_LOG_AUTO when unsure. */
td_log_format_t td_logline_detect(const char *p, size_t n);

/* Literal anchors: a line with none of them cannot produce an event of this format. NULL
 * (no prefilter: every line is parsed) for formats such as ALB. */
const char *const *td_logline_anchors(td_log_format_t fmt);

#endif
