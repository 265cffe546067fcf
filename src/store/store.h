/* store.h: internals of the history database (store.c) shared with the tests. The public
 * calls (td_store_*, td_changes) are in tlsdoctor.h; the schema is in docs/store.md. */
#ifndef TD_STORE_H
#define TD_STORE_H

#include "../diagnose/changes.h"

/* The facts the history keeps of one report, as changes.c compares them. */
void td__hist_row_from_report(const td_report_t *r, const char *target, int64_t run_id,
                              td_hist_row_t *row);

#endif
