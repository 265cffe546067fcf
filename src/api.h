/* api.h: td_diagnose() in three parts, for a driver that waits itself. The fleet scan keeps
 * thousands of diagnoses waiting on their servers without a thread each: begin, then resume
 * until it returns 0, waiting between the calls for w->fd (w->events) or w->deadline_ms, then
 * end, which judges. td_diagnose() is the same with a poll() between the calls. */
#ifndef TD_API_H
#define TD_API_H

#include "probe/observe.h"
#include "tlsdoctor.h"

typedef struct td_diag_run td_diag_run_t;

/* As td_diagnose's first half; opt's strings must stay valid until td__diagnose_end. */
TD_MUST_USE int td__diagnose_begin(const td_options_t *opt, td_diag_run_t **out, td_errinfo_t *err);
/* 1: waits for *w; 0: the facts are in (call td__diagnose_end). */
int td__diagnose_resume(td_diag_run_t *d, td_probe_wait_t *w);
/* Judges and frees d; *out and the return value as td_diagnose's (the run's errors went to the
 * err given to td__diagnose_begin). */
TD_MUST_USE int td__diagnose_end(td_diag_run_t *d, td_report_t **out);

#endif
