/* query.h: the exporter's /probe query, checked whole before anything runs (query.c). Pure:
 * fed the decoded key/value pairs libmicrohttpd split, never does I/O. */
#ifndef TD_SERVE_QUERY_H
#define TD_SERVE_QUERY_H

#include "tlsdoctor.h"

#include <stddef.h>

#define TD_PROBE_MAX_TARGET 300

typedef struct td_probe_query {
    char target[TD_PROBE_MAX_TARGET + 1];
    int has_target;
    int profile; /* TD_PROFILE_* */
    int has_profile;
    char error[200]; /* the first problem found, for the 400 answer; "" none */
} td_probe_query_t;

/* One decoded parameter (value NULL: no '='; lengths exclude any terminator, and a key or
 * value holding a NUL is refused). Records the first problem in q->error. */
void td__probe_query_arg(td_probe_query_t *q, const char *key, size_t key_len, const char *value,
                         size_t value_len);

/* After every parameter: a target is required and must parse. Returns 0, or -1 with q->error
 * set. */
int td__probe_query_finish(td_probe_query_t *q, td_target_t *target);

/* The probe's deadline in seconds: max_s, lowered to Prometheus' scrape timeout (the
 * X-Prometheus-Scrape-Timeout-Seconds header, NULL when absent) minus half a second. */
double td__probe_deadline(const char *scrape_timeout, double max_s);

#endif
