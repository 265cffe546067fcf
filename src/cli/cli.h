/* cli.h: helpers of the tlsdoctor command shared by its files (main.c, monitor.c). Only the
 * command line: messages to stderr, exit statuses. */
#ifndef TD_CLI_H
#define TD_CLI_H

#include "tlsdoctor.h"

#include <stdint.h>

/* Exit codes (monitoring-plugin convention); documented in --help and docs/tlsdoctor.1. */
enum {
    EXIT_HEALTHY = 0,
    EXIT_WARN = 1,
    EXIT_FAIL = 2,
    EXIT_TOOL = 3,
};

int use_color(int no_color_flag);
int parse_seconds(const char *s, double *out);
int parse_since(const char *s, int64_t *out);
int die_usage(const char *fmt, const char *arg);
int tool_error(const td_errinfo_t *err, int rc);

/* monitor.c: `changes`, `exporter`, and --db for one diagnosis. */
int run_changes(int argc, char **argv);
int run_exporter(int argc, char **argv);
/* Stores one diagnosis (r NULL: not diagnosed, why in err) as a run of one target. Returns 0
 * or EXIT_TOOL after saying why. */
int store_one(const char *db, const char *target, const td_report_t *r, const char *error,
              double seconds);
/* scan --db: opens the history and starts a run into sink (0, or EXIT_TOOL after saying
 * why); ends the run and closes (0, or EXIT_TOOL when a result could not be stored). */
int scan_store_begin(const char *db, td_store_sink_t *sink);
int scan_store_end(td_store_sink_t *sink);

#endif
