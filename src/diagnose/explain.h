/* explain.h: turns a pasted code, message or log line into knowledge-base entries, the host
 * and port it names, and suggestions when nothing matches. No I/O. */
#ifndef TD_EXPLAIN_H
#define TD_EXPLAIN_H

#include "../kb/entries.h"

#define TD_EXPLAIN_MAX 8

typedef struct td_explain_match {
    const td_kb_entry_t *entry;
    const char *how; /* "exact", "code", "in text", "log line", "fuzzy" */
} td_explain_match_t;

struct td_explain {
    char input[200]; /* escaped, shortened copy of the input */
    size_t input_len;
    td_explain_match_t m[TD_EXPLAIN_MAX];
    size_t n;
    int from_log; /* the input parsed as a log line */
    char log_format[16];
    char log_cause[48]; /* finding id of the log event */
    char log_reason[240];
    char host[160]; /* target named by the input, "" none */
    char port[8];
    const td_kb_entry_t *suggest[3]; /* closest entries when nothing matched */
    size_t n_suggest;
};

#endif
