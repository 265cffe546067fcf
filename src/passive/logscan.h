/* logscan.h: the summary of a log scan (fixed-size tables), shared with report/logs.c. */
#ifndef TD_LOGSCAN_H
#define TD_LOGSCAN_H

#include "../util/td_util.h"

#define TD_LOGS_CLIENTS (1u << 16)
#define TD_LOGS_SERVERS (1u << 12)
#define TD_LOGS_HOURS   2048u
#define TD_LOGS_CAUSES  48u

typedef struct td_logs_pair {
    char key[64];      /* client IP or server */
    const char *cause; /* static finding id */
    uint64_t count;
} td_logs_pair_t;

typedef struct td_logs_cause_count {
    const char *cause;
    uint64_t count;
    char example[160];
} td_logs_cause_count_t;

typedef struct td_logs_hour {
    int64_t hour; /* Unix time / 3600 */
    uint64_t count;
} td_logs_hour_t;

struct td_logs_summary {
    int64_t since;
    int top;
    size_t files;
    int undetected_files;
    int formats[TD_LOG__COUNT];
    uint64_t bytes, lines, lines_done, bad_lines, read_errors, events, before_since;
    char last_read_error[256];
    td_logs_cause_count_t causes[TD_LOGS_CAUSES];
    td_logs_pair_t clients[TD_LOGS_CLIENTS];
    size_t clients_used;
    uint64_t clients_overflow;
    td_logs_pair_t servers[TD_LOGS_SERVERS];
    size_t servers_used;
    uint64_t servers_overflow;
    td_logs_hour_t hours[TD_LOGS_HOURS];
    const char *cause_cache_in[16];
    const char *cause_cache_out[16];
    uint32_t pair_memo[2][64]; /* recent (key, cause) -> 1 + its entry (clients, servers) */
};

#endif
