/* bench/store_insert.c: the history's insert rate. Diagnoses one real target once, then stores
 * that report N times with td_store_add (one transaction per target, as a scan does) and
 * prints targets written per second, then times `changes` over the result. Public API only.
 *   td_bench_store HOST PORT CA_FILE DB N */
#include "tlsdoctor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: td_bench_store HOST PORT CA_FILE DB N\n");
        return 3;
    }
    td_options_t o;
    td_errinfo_t e;
    td_report_t *r = NULL;
    td_store_t *s = NULL;
    td_changes_t *x = NULL;
    int64_t run = 0;
    long n = strtol(argv[5], NULL, 10);
    memset(&e, 0, sizeof(e));
    td_options_init(&o);
    o.host = argv[1];
    o.port = (uint16_t)strtol(argv[2], NULL, 10);
    o.connect_to = "127.0.0.1";
    o.ca_file = argv[3];
    double t0 = now_s();
    if (td_diagnose(&o, &r, &e) < 0) {
        fprintf(stderr, "diagnose: %s\n", e.message);
        return 3;
    }
    double diag = now_s() - t0;
    if (td_store_open(argv[4], 0, &s, &e) < 0) {
        fprintf(stderr, "open: %s\n", e.message);
        return 3;
    }
    /* Two runs, so that `changes` has something to compare. */
    double t1 = now_s();
    for (int k = 0; k < 2; k++) {
        if (td_store_run_begin(s, "bench", &run, &e) < 0) {
            fprintf(stderr, "run: %s\n", e.message);
            return 3;
        }
        for (long i = 0; i < n / 2; i++) {
            char t[64];
            snprintf(t, sizeof(t), "host%ld.example:443", i);
            if (td_store_add(s, run, t, r, NULL, diag, &e) < 0) {
                fprintf(stderr, "add: %s\n", e.message);
                return 3;
            }
        }
        if (td_store_run_end(s, run, &e) < 0) {
            return 3;
        }
    }
    double ins = now_s() - t1;
    td_store_close(s);
    double t2 = now_s();
    if (td_store_open(argv[4], TD_STORE_READONLY, &s, &e) < 0 || td_changes(s, 0, 0, &x, &e) < 0) {
        fprintf(stderr, "changes: %s\n", e.message);
        return 3;
    }
    double chg = now_s() - t2;
    printf("findings=%zu diagnosis=%.3fs inserted=%ld in %.3fs = %.0f targets/s; changes over "
           "%ld targets: %.3fs (%zu changes)\n",
           td_report_finding_count(r), diag, (n / 2) * 2, ins, (double)((n / 2) * 2) / ins, n / 2,
           chg, td_changes_count(x));
    td_changes_free(x);
    td_store_close(s);
    td_report_free(r);
    return 0;
}
