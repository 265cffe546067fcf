/* monitor.c: the monitoring commands of tlsdoctor: `changes` (what changed between runs of the
 * history), `exporter` (Prometheus) and --db for one diagnosis. A thin client of tlsdoctor.h:
 * options in, library calls, exit status out. */
#define _POSIX_C_SOURCE 200809L
#include "../util/td_util.h"
#include "cli.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int store_one(const char *db, const char *target, const td_report_t *r, const char *error,
              double seconds)
{
    td_store_t *s = NULL;
    td_errinfo_t err;
    int64_t run = 0;
    memset(&err, 0, sizeof(err));
    int rc = td_store_open(db, 0, &s, &err);
    if (rc == 0) {
        rc = td_store_run_begin(s, "diagnose", &run, &err);
    }
    if (rc == 0) {
        rc = td_store_add(s, run, target, r, error, seconds, &err);
    }
    if (rc == 0) {
        rc = td_store_run_end(s, run, &err);
    }
    td_store_close(s);
    return rc < 0 ? tool_error(&err, rc) : 0;
}

int scan_store_begin(const char *db, td_store_sink_t *sink)
{
    td_errinfo_t err;
    memset(&err, 0, sizeof(err));
    memset(sink, 0, sizeof(*sink));
    int rc = td_store_open(db, 0, &sink->store, &err);
    if (rc == 0) {
        rc = td_store_run_begin(sink->store, "scan", &sink->run_id, &err);
    }
    if (rc < 0) {
        td_store_close(sink->store);
        sink->store = NULL;
        return tool_error(&err, rc);
    }
    return 0;
}

int scan_store_end(td_store_sink_t *sink)
{
    td_errinfo_t err;
    memset(&err, 0, sizeof(err));
    int rc = td_store_run_end(sink->store, sink->run_id, &err);
    td_store_close(sink->store);
    sink->store = NULL;
    if (sink->failed) {
        return tool_error(&sink->err, TD_E_IO);
    }
    return rc < 0 ? tool_error(&err, rc) : 0;
}

/* --since of `changes`: digits only are a run number, anything else a time (as logs --since:
 * a UTC date or a duration back from now). */
static int parse_baseline(const char *v, int64_t *run, int64_t *when)
{
    unsigned long n = 0;
    if (v[0] != '\0' && strspn(v, "0123456789") == strlen(v)) {
        if (td_parse_uint(v, 4000000000ul, &n) < 0 || n == 0) {
            return -1;
        }
        *run = (int64_t)n;
        return 0;
    }
    return parse_since(v, when);
}

static const char changes_usage[] =
        "Usage: tlsdoctor changes --db FILE [--since RUN|TIME] [--json] [--no-color]\n"
        "What changed per target between runs of the history (docs/store.md).\n"
        "  --since RUN|TIME  a run number (digits), a UTC date 2026-11-22[T10:00[:00]] or a\n"
        "                    duration back from now (90s, 30m, 24h, 7d); default: each\n"
        "                    target's previous result\n"
        "Exit status: 0 nothing got worse, 1 warnings, 2 something newly failing, 3 usage\n"
        "error or unreadable database.\n";

static const char exporter_usage[] =
        "Usage: tlsdoctor exporter [--listen ADDR:PORT] [--max-probes N] [--probe-timeout S]\n"
        "                          [--ca-file FILE] [--resolve ADDR[,ADDR]] [--warn-days N]\n"
        "                          [--step-timeout S]\n"
        "Prometheus exporter (docs/exporter.md): GET "
        "/probe?target=HOST:PORT[&profile=quick|full],\n"
        "GET /metrics. Listens on 127.0.0.1:9615 by default; at most 8 probes at once, 20 s\n"
        "each (lowered to Prometheus' scrape timeout). Stops on SIGINT or SIGTERM.\n";

static int is_help(const char *a)
{
    return strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0;
}

int run_changes(int argc, char **argv)
{
    const char *db = NULL;
    int json = 0, no_color = 0;
    int64_t since_run = 0, since_time = 0;
    td_errinfo_t err;
    memset(&err, 0, sizeof(err));
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (is_help(a)) {
            fputs(changes_usage, stdout);
            return EXIT_HEALTHY;
        }
        if (strcmp(a, "--json") == 0) {
            json = 1;
        } else if (strcmp(a, "--no-color") == 0) {
            no_color = 1;
        } else if (strcmp(a, "--db") == 0 || strcmp(a, "--since") == 0) {
            if (i + 1 >= argc) {
                return die_usage("option '%s' needs a value", a);
            }
            const char *v = argv[++i];
            if (strcmp(a, "--db") == 0) {
                db = v;
            } else if (parse_baseline(v, &since_run, &since_time) < 0) {
                return die_usage("invalid --since '%s' (a run number, a UTC date "
                                 "2026-11-22[T10:00[:00]] or a duration 90s, 30m, 24h, 7d)",
                                 v);
            }
        } else {
            return die_usage("unknown option '%s' (changes --db FILE [--since RUN|TIME] "
                             "[--json])",
                             a);
        }
    }
    if (db == NULL) {
        return die_usage("%s", "changes needs --db FILE (the history a scan with --db wrote)");
    }
    if (access(db, R_OK) != 0) {
        return die_usage("cannot read the history database '%s'", db);
    }
    td_store_t *s = NULL;
    td_changes_t *x = NULL;
    int rc = td_store_open(db, TD_STORE_READONLY, &s, &err);
    if (rc == 0) {
        rc = td_changes(s, since_run, since_time, &x, &err);
    }
    td_store_close(s);
    if (rc < 0) {
        return tool_error(&err, rc);
    }
    rc = json ? td_changes_write_json(x, stdout)
              : td_changes_write_text(x, stdout, use_color(no_color));
    int status = td_changes_exit_code(x);
    td_changes_free(x);
    if (rc < 0 || fflush(stdout) != 0) {
        fprintf(stderr, "tlsdoctor: cannot write the output\n");
        return EXIT_TOOL;
    }
    return status; /* 0 nothing worse, 1 warnings, 2 newly failing */
}

int run_exporter(int argc, char **argv)
{
    td_exporter_options_t o;
    td_errinfo_t err;
    memset(&o, 0, sizeof(o));
    memset(&err, 0, sizeof(err));
    td_options_init(&o.base);
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        static const char *const with_value[] = { "--listen",        "--max-probes",
                                                  "--probe-timeout", "--ca-file",
                                                  "--resolve",       "--warn-days",
                                                  "--step-timeout" };
        int known = 0;
        if (is_help(a)) {
            fputs(exporter_usage, stdout);
            return EXIT_HEALTHY;
        }
        for (size_t k = 0; k < TD_ARRAY_LEN(with_value); k++) {
            known |= strcmp(a, with_value[k]) == 0;
        }
        if (!known) {
            return die_usage("unknown option '%s' (exporter [--listen ADDR:PORT] [--max-probes "
                             "N] [--probe-timeout S] [--ca-file FILE] [--resolve ADDR] "
                             "[--warn-days N] [--step-timeout S])",
                             a);
        }
        if (i + 1 >= argc) {
            return die_usage("option '%s' needs a value", a);
        }
        const char *v = argv[++i];
        unsigned long n = 0;
        if (strcmp(a, "--listen") == 0) {
            o.listen = v;
        } else if (strcmp(a, "--max-probes") == 0) {
            if (td_parse_uint(v, 256, &n) < 0 || n == 0) {
                return die_usage("invalid --max-probes '%s' (1-256)", v);
            }
            o.max_probes = (int)n;
        } else if (strcmp(a, "--probe-timeout") == 0) {
            if (parse_seconds(v, &o.probe_timeout_s) < 0 || o.probe_timeout_s > 3600) {
                return die_usage("invalid --probe-timeout '%s' (seconds, more than 0, at most "
                                 "3600)",
                                 v);
            }
        } else if (strcmp(a, "--step-timeout") == 0) {
            if (parse_seconds(v, &o.base.step_timeout_s) < 0) {
                return die_usage("invalid --step-timeout '%s' (seconds: more than 0, at most "
                                 "86400)",
                                 v);
            }
        } else if (strcmp(a, "--ca-file") == 0) {
            if (access(v, R_OK) != 0) {
                return die_usage("cannot read CA file '%s' (check the path and permissions)", v);
            }
            o.base.ca_file = v;
        } else if (strcmp(a, "--resolve") == 0) {
            o.base.resolve = v;
        } else if (td_parse_uint(v, 3650, &n) < 0) {
            return die_usage("invalid --warn-days '%s' (0-3650)", v);
        } else {
            o.base.warn_days = n == 0 ? -1 : (int)n;
        }
    }
    /* SIGINT and SIGTERM are taken by sigwait below: blocked before the server's threads
     * start, so that they inherit the mask and the signal comes here. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    (void)pthread_sigmask(SIG_BLOCK, &set, NULL);
    td_exporter_t *x = NULL;
    int rc = td_exporter_start(&o, &x, &err);
    if (rc < 0) {
        return rc == TD_E_USAGE ? die_usage("%s", err.message) : tool_error(&err, rc);
    }
    printf("tlsdoctor exporter: listening on port %u (%s)\n", (unsigned)td_exporter_port(x),
           o.listen != NULL ? o.listen : "127.0.0.1");
    (void)fflush(stdout);
    int sig = 0;
    (void)sigwait(&set, &sig);
    fprintf(stderr, "tlsdoctor exporter: signal %d, stopping after the probes in flight\n", sig);
    td_exporter_stop(x);
    return EXIT_HEALTHY;
}
