/* scan.c: the fleet scan. The calling thread streams the target lines (parse, dedup, shard,
 * resume, rate) into a bounded queue. Worker threads with small stacks run the ordinary
 * diagnosis, one target at a time, under the per-target deadline. When a diagnosis waits on
 * its server (the quick profile's handshake: td__diagnose_resume returns a wait), the target is
 * parked in an epoll set and its worker takes other work; a poller thread hands it back to a
 * worker when its socket is ready or its deadline passed. Workers start when work finds no
 * idle one (at most --concurrency) and end after a short idle time, so a waiting target costs
 * its sockets and state, not a thread; a step that blocks (DNS, a full-profile probe) keeps its
 * worker, as before. Results are written one line at a time under a lock. Why not one event
 * loop for every step: docs/scan.md. */
#define _POSIX_C_SOURCE 200809L
#include "scan.h"

#include "../api.h"
#include "../diagnose/diagnose.h"
#include "../report/report.h"
#include "../util/td_util.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#define TD_SCAN_STACK     (256 * 1024) /* per worker; the diagnosis needs well under this */
#define TD_SCAN_MAX_CAUSE 512          /* distinct root causes kept for the table */
#define TD_SCAN_EXAMPLES  3
#define TD_SCAN_IDLE_MS   100 /* a worker with nothing to do this long ends (but the last few) */
#define TD_SCAN_KEEP      4   /* workers kept however idle */

typedef struct job {
    td_scan_target_t t;
    uint64_t lineno;
} job_t;

/* A target in flight: its diagnosis, and while it waits on its server, its place in the list of
 * parked targets (or in the ready list once the poller handed it back). */
typedef struct run {
    job_t *j;
    td_diag_run_t *d; /* NULL: td__diagnose_begin failed (rc, e) */
    int rc;
    td_errinfo_t e;
    double t0;
    td_probe_wait_t w;
    bool parked;
    struct run *prev, *next;
} run_t;

typedef struct cause_row {
    const char *id; /* static: the rule table's id */
    uint64_t count;
    int sev;
    char example[TD_SCAN_EXAMPLES][128];
} cause_row_t;

typedef struct host_slot {
    char key[256];
    int n;
} host_slot_t;

typedef struct scan {
    const td_scan_options_t *opt;
    FILE *out, *errf;
    /* the queue: producer -> workers */
    pthread_mutex_t mu;
    pthread_cond_t can_put, can_get, idle, hosts_cv;
    job_t **q;
    size_t qcap, qhead, qlen;
    bool closed;
    int in_flight;             /* targets started and not finished, parked ones included */
    int conc;                  /* at most that many in flight */
    run_t *ready, *ready_tail; /* parked targets handed back by the poller */
    run_t *parked;             /* waiting in the epoll set */
    int epfd;                  /* -1: no epoll, targets wait in their worker */
    int n_workers, idle_workers;
    pthread_cond_t workers_gone;
    pthread_attr_t attr; /* the workers' small stacks */
    bool poller_stop;
    /* per-host limit */
    host_slot_t *hosts;
    int n_hosts;
    /* output */
    pthread_mutex_t out_mu;
    bool out_closed; /* after an interrupted scan's summary: late results are dropped */
    /* counts (under mu) */
    uint64_t lines, nonblank, targets, done, invalid, dups, other_shard, resumed, errors,
            not_started;
    uint64_t verdict[4]; /* ok, warn, fail, unknown */
    uint64_t abandoned;
    bool eof, interrupted;
    int worst_rank;
    cause_row_t causes[TD_SCAN_MAX_CAUSE];
    int n_causes;
    double t0;
} scan_t;

/* Exit codes ranked: 0 healthy < 1 warnings < 3 unknown < 2 failure. */
static int rank_of_exit(int code)
{
    return code == 2 ? 3 : code == 3 ? 2 : code == 1 ? 1 : 0;
}

static int exit_of_rank(int rank)
{
    static const int ex[4] = { 0, 1, 3, 2 };
    return ex[rank];
}

static bool stop_asked(const scan_t *s)
{
    return s->opt->stop != NULL && *s->opt->stop != 0;
}

/* ---- per-host limit ------------------------------------------------------------------------ */

static void host_key(const td_scan_target_t *t, char *key, size_t cap)
{
    td_target_t a;
    if (t->connect_to[0] != '\0' && td_target_parse(t->connect_to, &a, NULL) == 0) {
        td_strlcpy(key, a.host, cap);
    } else {
        td_strlcpy(key, t->host, cap);
    }
    for (char *p = key; *p != '\0'; p++) {
        *p = (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
    }
}

/* Waits for a free connection slot of key (at most opt->per_host in flight). */
static void host_acquire(scan_t *s, const char *key)
{
    pthread_mutex_lock(&s->mu);
    for (;;) {
        int free_i = -1, hit = -1;
        for (int i = 0; i < s->n_hosts; i++) {
            if (s->hosts[i].n == 0 && free_i < 0) {
                free_i = i;
            } else if (s->hosts[i].n > 0 && strcmp(s->hosts[i].key, key) == 0) {
                hit = i;
                break;
            }
        }
        if (hit >= 0 && s->hosts[hit].n < s->opt->per_host) {
            s->hosts[hit].n++;
            break;
        }
        if (hit < 0) {
            int i = free_i >= 0 ? free_i : s->n_hosts++; /* n_hosts <= concurrency */
            td_strlcpy(s->hosts[i].key, key, sizeof(s->hosts[i].key));
            s->hosts[i].n = 1;
            break;
        }
        pthread_cond_wait(&s->hosts_cv, &s->mu);
    }
    pthread_mutex_unlock(&s->mu);
}

static void host_release(scan_t *s, const char *key)
{
    pthread_mutex_lock(&s->mu);
    for (int i = 0; i < s->n_hosts; i++) {
        if (s->hosts[i].n > 0 && strcmp(s->hosts[i].key, key) == 0) {
            s->hosts[i].n--;
            break;
        }
    }
    pthread_cond_broadcast(&s->hosts_cv);
    pthread_mutex_unlock(&s->mu);
}

/* ---- results ------------------------------------------------------------------------------- */

static void count_cause(scan_t *s, const td_finding_t *root, int sev, const char *line)
{
    const char *id = root != NULL ? root->id : NULL;
    if (id == NULL) {
        return;
    }
    cause_row_t *row = NULL;
    for (int i = 0; i < s->n_causes; i++) {
        if (strcmp(s->causes[i].id, id) == 0) {
            row = &s->causes[i];
            break;
        }
    }
    if (row == NULL && s->n_causes < TD_SCAN_MAX_CAUSE) {
        row = &s->causes[s->n_causes++];
        row->id = id; /* static storage of the rule table */
        row->sev = sev;
    }
    if (row == NULL) {
        return;
    }
    if (row->count < TD_SCAN_EXAMPLES) {
        td_strlcpy(row->example[row->count], line, sizeof(row->example[0]));
    }
    row->count++;
}

static int sev_index(td_severity_t sev)
{
    return sev == TD_SEV_WARN ? 1 : sev == TD_SEV_FAIL ? 2 : sev == TD_SEV_UNKNOWN ? 3 : 0;
}

/* Writes one result line; text mode: only targets that are not healthy. */
/* Not inlined into worker(): its 2.4 KiB line buffer would widen the worker's frame for the
 * whole diagnosis below it, and every waiting worker's stack would keep that page. */
__attribute__((noinline)) static void write_result(scan_t *s, const td_scan_target_t *t,
                                                   const td_report_t *r, const td_errinfo_t *e)
{
    char *line = NULL;
    if (s->opt->json) {
        if (r != NULL) {
            line = td__report_json_line(r, t->line);
        } else {
            json_t *j = json_pack("{s:i, s:s, s:{s:s, s:s}, s:s, s:i}", "schema_version",
                                  TD_SCHEMA_VERSION, "target_line", t->line, "error", "code",
                                  td_err_name(e->code), "message", e->message, "verdict", "unknown",
                                  "exit_code", 3);
            line = j != NULL ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII)
                             : NULL;
            json_decref(j);
        }
    } else {
        char buf[TD_SCAN_MAX_LINE + 400];
        const td_finding_t *root = r != NULL ? td_report_root_cause(r) : NULL;
        td_severity_t w = r != NULL ? td_report_worst(r) : TD_SEV_UNKNOWN;
        if (r != NULL && w == TD_SEV_OK) {
            return;
        }
        td_fmt(buf, sizeof(buf), "%-7s %-36s %s", td_severity_name(w),
               root != NULL ? root->id
               : r == NULL  ? td_err_name(e->code)
                            : "-",
               t->line);
        size_t n = strlen(buf) + 1;
        line = td_malloc(n);
        if (line != NULL) {
            memcpy(line, buf, n);
        }
    }
    if (line == NULL) {
        return;
    }
    pthread_mutex_lock(&s->out_mu);
    if (!s->out_closed) {
        if (s->opt->progress && !s->opt->json) {
            fputs("\r\033[K", s->errf); /* the progress line gives way */
        }
        fputs(line, s->out);
        fputc('\n', s->out);
        fflush(s->out); /* a killed scan keeps every finished line: --resume reads them */
    }
    pthread_mutex_unlock(&s->out_mu);
    td_free(line);
}

/* ---- targets in flight ----------------------------------------------------------------- */

static void *worker(void *arg);
static void wait_ms(pthread_cond_t *cv, pthread_mutex_t *mu, long ms);

/* Starts one more worker when there is work no idle worker will take. Under mu. */
static void maybe_spawn(scan_t *s, int want)
{
    while (want-- > 0 && s->idle_workers == 0 && s->n_workers < s->conc) {
        /* SIGINT and SIGTERM stay with the calling thread (its handler sets *opt->stop): a
         * worker's poll() or connect() is never cut short by them. */
        sigset_t block, old;
        sigemptyset(&block);
        sigaddset(&block, SIGINT);
        sigaddset(&block, SIGTERM);
        (void)pthread_sigmask(SIG_BLOCK, &block, &old);
        pthread_t th;
        int rc = pthread_create(&th, &s->attr, worker, s);
        (void)pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (rc != 0) {
            return; /* the workers there are take the work in turn */
        }
        s->n_workers++;
    }
}

static void ready_push(scan_t *s, run_t *r)
{
    r->next = NULL;
    if (s->ready_tail != NULL) {
        s->ready_tail->next = r;
    } else {
        s->ready = r;
    }
    s->ready_tail = r;
}

/* Takes r out of the parked list and the epoll set. Under mu. */
static void unpark(scan_t *s, run_t *r)
{
    (void)epoll_ctl(s->epfd, EPOLL_CTL_DEL, r->w.fd, NULL);
    if (r->prev != NULL) {
        r->prev->next = r->next;
    } else {
        s->parked = r->next;
    }
    if (r->next != NULL) {
        r->next->prev = r->prev;
    }
    r->parked = false;
    r->prev = r->next = NULL;
}

/* Parks r until its socket is ready or its deadline passed; false when it cannot (the caller
 * then waits in its own thread). */
static bool park(scan_t *s, run_t *r)
{
    if (s->epfd < 0 || r->w.fd < 0) {
        return false;
    }
    pthread_mutex_lock(&s->mu);
    struct epoll_event ev = { .events = (uint32_t)r->w.events | EPOLLONESHOT, .data.ptr = r };
    bool ok = epoll_ctl(s->epfd, EPOLL_CTL_ADD, r->w.fd, &ev) == 0;
    if (ok) {
        r->parked = true;
        r->prev = NULL;
        r->next = s->parked;
        if (s->parked != NULL) {
            s->parked->prev = r;
        }
        s->parked = r;
    }
    pthread_mutex_unlock(&s->mu);
    return ok;
}

/* The poller: hands parked targets back to the workers when their socket is ready or their
 * deadline passed (checked every 10 ms: step deadlines are seconds). */
static void *poller(void *arg)
{
    scan_t *s = arg;
    struct epoll_event ev[256];
    for (;;) {
        int n = epoll_wait(s->epfd, ev, 256, 10);
        pthread_mutex_lock(&s->mu);
        int handed = 0;
        for (int i = 0; i < n; i++) {
            run_t *r = ev[i].data.ptr;
            if (r->parked) { /* only this thread unparks: still parked unless handed below */
                unpark(s, r);
                ready_push(s, r);
                handed++;
            }
        }
        double now = td_now_ms();
        for (run_t *r = s->parked, *next; r != NULL; r = next) {
            next = r->next;
            if (r->w.deadline_ms <= now) {
                unpark(s, r);
                ready_push(s, r);
                handed++;
            }
        }
        if (handed > 0) {
            pthread_cond_broadcast(&s->can_get);
            maybe_spawn(s, handed);
        }
        bool stop = s->poller_stop && s->parked == NULL;
        pthread_mutex_unlock(&s->mu);
        if (stop) {
            return NULL;
        }
    }
}

/* A new target: its per-host slot and the start of its diagnosis. */
static run_t *start_run(scan_t *s, job_t *j)
{
    run_t *r = td_calloc(1, sizeof(*r));
    if (r == NULL) {
        return NULL;
    }
    r->j = j;
    if (s->opt->per_host > 0) {
        char key[256];
        host_key(&j->t, key, sizeof(key));
        host_acquire(s, key);
    }
    td_options_t o = s->opt->diag;
    o.host = j->t.host;
    o.port = j->t.port;
    o.path = j->t.path;
    o.connect_to = j->t.connect_to[0] != '\0' ? j->t.connect_to : NULL;
    o.plain_http = j->t.plain_http;
    o.verbose = 0;
    r->t0 = td_now_ms();
    r->rc = td__diagnose_begin(&o, &r->d, &r->e);
    return r;
}

/* The end of a target: judged, written, counted, freed. */
static void finish_run(scan_t *s, run_t *r)
{
    job_t *j = r->j;
    td_report_t *rep = NULL;
    td_errinfo_t *e = &r->e;
    int rc = r->d != NULL ? td__diagnose_end(r->d, &rep) : r->rc;
    double secs = (td_now_ms() - r->t0) / 1000.0;
    if (s->opt->per_host > 0) {
        char key[256];
        host_key(&j->t, key, sizeof(key));
        host_release(s, key);
    }
    if (rc < 0) {
        rep = NULL;
        if (e->code == 0) {
            td_errinfo_set(e, rc, "%s", td_strerror(rc));
        }
    }
    write_result(s, &j->t, rep, e);
    if (s->opt->on_result != NULL) {
        s->opt->on_result(s->opt->ctx, j->t.line, rep, secs);
    }
    pthread_mutex_lock(&s->mu);
    s->done++;
    int code = rep != NULL ? td_report_exit_code(rep) : 3;
    if (rank_of_exit(code) > s->worst_rank) {
        s->worst_rank = rank_of_exit(code);
    }
    if (rep != NULL) {
        td_severity_t w = td_report_worst(rep);
        s->verdict[sev_index(w)]++;
        count_cause(s, td_report_root_cause(rep), (int)w, j->t.line);
    } else {
        s->errors++;
    }
    s->in_flight--;
    pthread_cond_broadcast(&s->idle);
    pthread_cond_signal(&s->can_get); /* a slot is free: a queued target may start */
    pthread_mutex_unlock(&s->mu);
    td_report_free(rep);
    td_free(j);
    td_free(r);
}

/* Runs r until it waits (parked) or ends. */
static void step_run(scan_t *s, run_t *r)
{
    while (r->d != NULL && td__diagnose_resume(r->d, &r->w) == 1) {
        if (park(s, r)) {
            return;
        }
        td__wait_ready(&r->w);
    }
    finish_run(s, r);
}

static void *worker(void *arg)
{
    scan_t *s = arg;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        run_t *r = NULL;
        job_t *j = NULL;
        if (s->ready != NULL) {
            r = s->ready;
            s->ready = r->next;
            if (s->ready == NULL) {
                s->ready_tail = NULL;
            }
            r->next = NULL;
        } else if (s->qlen > 0 && s->in_flight < s->conc) {
            j = s->q[s->qhead];
            s->qhead = (s->qhead + 1) % s->qcap;
            s->qlen--;
            s->in_flight++;
            pthread_cond_signal(&s->can_put);
        } else if (s->closed && s->in_flight == 0) {
            break;
        } else {
            s->idle_workers++;
            double since = td_now_ms();
            wait_ms(&s->can_get, &s->mu, TD_SCAN_IDLE_MS);
            s->idle_workers--;
            bool work = s->ready != NULL || (s->qlen > 0 && s->in_flight < s->conc);
            if (!work && td_now_ms() - since >= TD_SCAN_IDLE_MS && s->n_workers > TD_SCAN_KEEP) {
                break;
            }
            continue;
        }
        pthread_mutex_unlock(&s->mu);
        if (j != NULL) {
            r = start_run(s, j);
            if (r == NULL) { /* out of memory: the target counts as an error */
                pthread_mutex_lock(&s->mu);
                s->done++;
                s->errors++;
                s->in_flight--;
                pthread_cond_broadcast(&s->idle);
                pthread_mutex_unlock(&s->mu);
                td_free(j);
            }
        }
        if (r != NULL) {
            step_run(s, r);
        }
        pthread_mutex_lock(&s->mu);
    }
    s->n_workers--;
    pthread_cond_broadcast(&s->workers_gone);
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* ---- progress and summary ------------------------------------------------------------------ */

static int cmp_cause(const void *a, const void *b)
{
    const cause_row_t *x = a, *y = b;
    if (x->count != y->count) {
        return x->count < y->count ? 1 : -1;
    }
    return strcmp(x->id, y->id);
}

/* Under s->mu. */
static void progress_line(scan_t *s)
{
    double el = (td_now_ms() - s->t0) / 1000.0;
    double rate = el > 0 ? (double)s->done / el : 0;
    char buf[512], left[32] = "?";
    uint64_t todo = s->targets - s->done;
    if (s->eof && rate > 0) {
        td_fmt(left, sizeof(left), "%.0fs", (double)todo / rate);
    }
    td_fmt(buf, sizeof(buf), "%llu/%s%llu done, %.0f/s, %llu failed", (unsigned long long)s->done,
           s->eof ? "" : ">=", (unsigned long long)s->targets, rate,
           (unsigned long long)(s->verdict[2] + s->verdict[3] + s->errors));
    cause_row_t top[TD_SCAN_MAX_CAUSE];
    int n = s->n_causes;
    memcpy(top, s->causes, (size_t)n * sizeof(top[0]));
    qsort(top, (size_t)n, sizeof(top[0]), cmp_cause);
    for (int i = 0; i < n && i < 3; i++) {
        td_fmt_append(buf, sizeof(buf), "%s%s %llu", i == 0 ? " (" : ", ", top[i].id,
                      (unsigned long long)top[i].count);
    }
    td_fmt_append(buf, sizeof(buf), "%s, %s left", n > 0 ? ")" : "", left);
    pthread_mutex_lock(&s->out_mu);
    if (!s->out_closed) {
        fprintf(s->errf, "\r\033[K%s", buf);
        fflush(s->errf);
    }
    pthread_mutex_unlock(&s->out_mu);
}

/* The summary as one compact JSON line (no newline; td_free it), or NULL. */
static char *summary_json(const scan_t *s, const cause_row_t *rows, double el, int code)
{
    const td_scan_options_t *o = s->opt;
    json_t *causes = json_array();
    for (int i = 0; i < s->n_causes; i++) {
        json_t *ex = json_array();
        for (uint64_t k = 0; k < rows[i].count && k < TD_SCAN_EXAMPLES; k++) {
            json_array_append_new(ex, json_string(rows[i].example[k]));
        }
        json_array_append_new(causes,
                              json_pack("{s:s, s:s, s:I, s:o}", "id", rows[i].id, "severity",
                                        td_severity_name((td_severity_t)rows[i].sev), "count",
                                        (json_int_t)rows[i].count, "examples", ex));
    }
    char shard[32] = "";
    if (o->shard_count > 0) {
        td_fmt(shard, sizeof(shard), "%u/%u", o->shard_index, o->shard_count);
    }
    json_t *sum =
            json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
                      "s:I, s:b}",
                      "profile", o->diag.profile == TD_PROFILE_QUICK ? "quick" : "full", "shard",
                      shard, "lines", (json_int_t)s->lines, "targets", (json_int_t)s->targets,
                      "done", (json_int_t)s->done, "healthy", (json_int_t)s->verdict[0], "warn",
                      (json_int_t)s->verdict[1], "fail", (json_int_t)s->verdict[2], "unknown",
                      (json_int_t)s->verdict[3], "errors", (json_int_t)s->errors, "invalid_lines",
                      (json_int_t)s->invalid, "duplicates", (json_int_t)s->dups, "other_shards",
                      (json_int_t)s->other_shard, "resumed", (json_int_t)s->resumed, "not_started",
                      (json_int_t)s->not_started, "abandoned", (json_int_t)s->abandoned,
                      "interrupted", s->interrupted);
    if (sum != NULL) {
        json_object_set_new(sum, "seconds", json_real(el));
        json_object_set_new(sum, "targets_per_second",
                            json_real(el > 0 ? (double)s->done / el : 0.0));
        json_object_set_new(sum, "exit_code", json_integer(code));
        json_object_set_new(sum, "root_causes", causes);
    } else {
        json_decref(causes);
    }
    json_t *j = json_pack("{s:i, s:o}", "schema_version", TD_SCHEMA_VERSION, "summary", sum);
    if (j != NULL) {
        char *line = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII |
                                           JSON_REAL_PRECISION(6));
        json_decref(j);
        return line;
    }
    return NULL;
}

/* The summary as the text table. */
static void summary_text(const scan_t *s, const cause_row_t *rows, double el, int code, FILE *f,
                         int color)
{
    const td_scan_options_t *o = s->opt;
    const char *b = color ? "\033[1m" : "", *z = color ? "\033[0m" : "";
    fprintf(f, "\n%sScan summary%s (%s profile): %llu targets in %.1f s (%.0f/s)%s\n", b, z,
            o->diag.profile == TD_PROFILE_QUICK ? "quick" : "full", (unsigned long long)s->done, el,
            el > 0 ? (double)s->done / el : 0.0, s->interrupted ? ", INTERRUPTED" : "");
    if (o->shard_count > 0) {
        fprintf(f, "  shard %u/%u: %llu lines in other shards\n", o->shard_index, o->shard_count,
                (unsigned long long)s->other_shard);
    }
    /* The quick profile does not see HTTP: its "healthy" must not read as "clients reach it". */
    fprintf(f, "  %s %llu, warn %llu, fail %llu, unknown %llu, not diagnosed %llu\n",
            o->diag.profile == TD_PROFILE_QUICK
                    ? "handshake and chain ok (HTTP not checked: --profile full)"
                    : "healthy",
            (unsigned long long)s->verdict[0], (unsigned long long)s->verdict[1],
            (unsigned long long)s->verdict[2], (unsigned long long)s->verdict[3],
            (unsigned long long)s->errors);
    fprintf(f, "  lines %llu: invalid %llu, duplicates %llu, resumed %llu",
            (unsigned long long)s->lines, (unsigned long long)s->invalid,
            (unsigned long long)s->dups, (unsigned long long)s->resumed);
    if (s->interrupted) {
        fprintf(f, ", not started %llu, abandoned %llu", (unsigned long long)s->not_started,
                (unsigned long long)s->abandoned);
    }
    fputc('\n', f);
    if (s->n_causes > 0) {
        fprintf(f, "\n  %s%-8s %-7s %-36s %s%s\n", b, "count", "sev", "root cause", "examples", z);
        for (int i = 0; i < s->n_causes; i++) {
            fprintf(f, "  %-8llu %-7s %-36s ", (unsigned long long)rows[i].count,
                    td_severity_name((td_severity_t)rows[i].sev), rows[i].id);
            for (uint64_t k = 0; k < rows[i].count && k < TD_SCAN_EXAMPLES; k++) {
                fprintf(f, "%s%s", k ? ", " : "", rows[i].example[k]);
            }
            fputc('\n', f);
        }
    }
    fprintf(f, "  exit status %d\n", code);
}

/* What the summary renderers need, for td__html_summary's callbacks. */
typedef struct summary_args {
    const scan_t *s;
    const cause_row_t *rows;
    double el;
    int code;
} summary_args_t;

static int summary_text_cb(const void *obj, FILE *m)
{
    const summary_args_t *a = obj;
    summary_text(a->s, a->rows, a->el, a->code, m, 0);
    return ferror(m) ? TD_E_IO : 0;
}

static int summary_json_cb(const void *obj, FILE *m)
{
    const summary_args_t *a = obj;
    char *line = summary_json(a->s, a->rows, a->el, a->code);
    int rc = line != NULL && fputs(line, m) >= 0 ? 0 : TD_E_IO;
    td_free(line);
    return rc;
}

/* The summary as a self-contained HTML page on o->html (report/html_summary.c). */
static void summary_html(const scan_t *s, const cause_row_t *rows, double el, int code)
{
    char head[200];
    summary_args_t a = { s, rows, el, code };
    uint64_t bad = s->verdict[1] + s->verdict[2] + s->verdict[3] + s->errors;
    td_fmt(head, sizeof(head), "%llu of %llu targets with a finding or not diagnosed%s",
           (unsigned long long)bad, (unsigned long long)s->done,
           s->interrupted ? " (interrupted)" : "");
    (void)td__html_summary(s->opt->html, "tlsdoctor scan", head, s->verdict[2] + s->errors > 0,
                           summary_text_cb, summary_json_cb, &a);
}

static void write_summary(scan_t *s)
{
    const td_scan_options_t *o = s->opt;
    double el = (td_now_ms() - s->t0) / 1000.0;
    cause_row_t *rows = s->causes;
    qsort(rows, (size_t)s->n_causes, sizeof(rows[0]), cmp_cause);
    int code = exit_of_rank(s->worst_rank);
    if (o->progress) {
        fputs("\r\033[K", s->errf);
    }
    if (o->html != NULL) {
        summary_html(s, rows, el, code);
    }
    if (o->json) {
        char *line = summary_json(s, rows, el, code);
        if (line != NULL) {
            fprintf(s->out, "%s\n", line);
            td_free(line);
        }
    } else {
        summary_text(s, rows, el, code, s->out, o->color);
    }
    fflush(s->out);
}

/* Reads one line into buf (without its newline; at most cap-1 bytes kept, the rest of a longer
 * line is read and dropped: memory does not grow with the input). Returns -1 at the end. */
static int read_line(FILE *f, char *buf, size_t cap, size_t *len, bool *too_long)
{
    size_t n = 0;
    int c;
    *too_long = false;
    while ((c = getc_unlocked(f)) != EOF && c != '\n') {
        if (n + 1 < cap) {
            buf[n++] = (char)c;
        } else {
            *too_long = true;
        }
    }
    buf[n] = '\0';
    *len = n;
    return c == EOF && n == 0 && !*too_long ? -1 : 0;
}

/* ---- resume -------------------------------------------------------------------------------- */

static int load_resume(scan_t *s, td_hset_t *done, td_errinfo_t *err)
{
    FILE *f = fopen(s->opt->resume, "r");
    if (f == NULL) {
        if (errno == ENOENT) {
            return 0; /* the first run of a retried shard: nothing to skip */
        }
        td_errinfo_set(err, TD_E_IO, "cannot read --resume file '%s'", s->opt->resume);
        return TD_E_IO;
    }
    /* A result line is at most a few tens of KiB; a longer one is not ours and is skipped. */
    size_t cap = 256 * 1024, n;
    char *buf = td_malloc(cap);
    td_scan_target_t *t = td_malloc(sizeof(*t)); /* not thread-local: see td_scan_shard_of */
    char why[160];
    bool too_long;
    while (buf != NULL && t != NULL && read_line(f, buf, cap, &n, &too_long) == 0) {
        json_t *j = too_long ? NULL : json_loadb(buf, n, 0, NULL);
        const char *line = json_string_value(json_object_get(j, "target_line"));
        /* A line cut short by a killed scan does not parse: that target runs again. */
        if (line != NULL && td__scan_parse_line(line, strlen(line), t, why, sizeof(why)) == 1) {
            if (td__hset_add(done, t->hash) < 0) {
                json_decref(j);
                td_free(t);
                td_free(buf);
                fclose(f);
                td_errinfo_set(err, TD_E_NOMEM, "out of memory");
                return TD_E_NOMEM;
            }
            json_t *ec = json_object_get(j, "exit_code");
            if (json_is_integer(ec) && rank_of_exit((int)json_integer_value(ec)) > s->worst_rank) {
                s->worst_rank = rank_of_exit((int)json_integer_value(ec));
            }
        }
        json_decref(j);
    }
    int bad = ferror(f) || buf == NULL || t == NULL;
    td_free(t);
    td_free(buf);
    fclose(f);
    if (bad) {
        td_errinfo_set(err, TD_E_IO, "error reading --resume file '%s'", s->opt->resume);
        return TD_E_IO;
    }
    return 0;
}

/* ---- the scan ------------------------------------------------------------------------------ */

static void sleep_ms(double ms)
{
    if (ms <= 0) {
        return;
    }
    struct timespec ts = { (time_t)(ms / 1000),
                           (long)((ms - (double)(time_t)(ms / 1000) * 1000) * 1e6) };
    (void)nanosleep(&ts, NULL);
}

/* Waits on cv (mu held) for at most ms milliseconds. */
static void wait_ms(pthread_cond_t *cv, pthread_mutex_t *mu, long ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += ms * 1000 * 1000;
    ts.tv_sec += ts.tv_nsec / 1000000000L;
    ts.tv_nsec %= 1000000000L;
    (void)pthread_cond_timedwait(cv, mu, &ts);
}

static void *progress_thread(void *arg)
{
    scan_t *s = arg;
    pthread_mutex_lock(&s->mu);
    while (!s->closed) { /* closed: the summary follows, abandoned diagnoses or not */
        progress_line(s);
        wait_ms(&s->idle, &s->mu, 250);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* Queues j; false when the scan is stopping (j is not queued). */
static bool enqueue(scan_t *s, job_t *j)
{
    pthread_mutex_lock(&s->mu);
    while (s->qlen == s->qcap && !stop_asked(s)) {
        wait_ms(&s->can_put, &s->mu, 100);
    }
    bool ok = !stop_asked(s);
    if (ok) {
        s->q[(s->qhead + s->qlen) % s->qcap] = j;
        s->qlen++;
        pthread_cond_signal(&s->can_get);
        if (s->in_flight < s->conc) {
            maybe_spawn(s, 1);
        }
    }
    pthread_mutex_unlock(&s->mu);
    return ok;
}

int td_scan(const td_scan_options_t *opt, FILE *in, const char *in_name, FILE *out, FILE *errf,
            int *exit_code, td_errinfo_t *err)
{
    *exit_code = 3;
    int conc = opt->concurrency > 0 ? opt->concurrency : 64;
    if (conc > 4096 || opt->per_host < 0 || opt->rate < 0 ||
        (opt->shard_count > 0 && opt->shard_index >= opt->shard_count)) {
        td_errinfo_set(err, TD_E_USAGE, "invalid scan options");
        return TD_E_USAGE;
    }
    scan_t *s = td_calloc(1, sizeof(*s));
    if (s == NULL) {
        td_errinfo_set(err, TD_E_NOMEM, "out of memory");
        return TD_E_NOMEM;
    }
    s->opt = opt;
    s->out = out;
    s->errf = errf;
    s->qcap = (size_t)conc * 2;
    s->conc = conc;
    s->epfd = -1;
    s->q = td_calloc(s->qcap, sizeof(*s->q));
    s->hosts = td_calloc((size_t)conc + 1, sizeof(*s->hosts));
    td_hset_t seen = { 0 }, resumed = { 0 };
    int rc = 0;
    if (s->q == NULL || s->hosts == NULL) {
        td_errinfo_set(err, TD_E_NOMEM, "out of memory");
        rc = TD_E_NOMEM;
        goto out;
    }
    pthread_mutex_init(&s->mu, NULL);
    pthread_mutex_init(&s->out_mu, NULL);
    pthread_cond_init(&s->can_put, NULL);
    pthread_cond_init(&s->can_get, NULL);
    pthread_cond_init(&s->idle, NULL);
    pthread_cond_init(&s->hosts_cv, NULL);
    pthread_cond_init(&s->workers_gone, NULL);
    pthread_attr_init(&s->attr);
    (void)pthread_attr_setstacksize(&s->attr, TD_SCAN_STACK);
    (void)pthread_attr_setdetachstate(&s->attr, PTHREAD_CREATE_DETACHED);
    if (opt->resume != NULL && (rc = load_resume(s, &resumed, err)) < 0) {
        goto out_sync;
    }
    s->t0 = td_now_ms();
    /* SIGINT and SIGTERM go to the calling thread only (its handler sets *opt->stop): the
     * poller, the progress thread and the workers (maybe_spawn) block them. */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    (void)pthread_sigmask(SIG_BLOCK, &block, &old);
    /* Without epoll (it cannot fail here but for lack of memory or descriptors) a waiting
     * target keeps its worker, as a thread per target did. */
    s->epfd = epoll_create1(EPOLL_CLOEXEC);
    pthread_t poll_th;
    bool polling = s->epfd >= 0 && pthread_create(&poll_th, NULL, poller, s) == 0;
    if (!polling && s->epfd >= 0) {
        close(s->epfd);
        s->epfd = -1;
    }
    pthread_mutex_lock(&s->mu);
    maybe_spawn(s, TD_SCAN_KEEP < conc ? TD_SCAN_KEEP : conc);
    bool started = s->n_workers > 0;
    pthread_mutex_unlock(&s->mu);
    if (!started) {
        (void)pthread_sigmask(SIG_SETMASK, &old, NULL);
        td_errinfo_set(err, TD_E_NOMEM, "cannot start a worker thread");
        rc = TD_E_NOMEM;
        goto out_poller;
    }
    pthread_t pth;
    bool progress = opt->progress && pthread_create(&pth, NULL, progress_thread, s) == 0;
    (void)pthread_sigmask(SIG_SETMASK, &old, NULL);

    char buf[TD_SCAN_MAX_LINE + 1];
    size_t n;
    bool too_long;
    uint64_t lineno = 0, queued = 0;
    char why[256];
    while (!stop_asked(s) && read_line(in, buf, sizeof(buf), &n, &too_long) == 0) {
        lineno++;
        job_t *j = td_malloc(sizeof(*j));
        if (j == NULL) {
            rc = TD_E_NOMEM;
            td_errinfo_set(err, rc, "out of memory");
            break;
        }
        int pr = td__scan_parse_line(buf, n, &j->t, why, sizeof(why));
        if (too_long) {
            pr = -1;
            td_fmt(why, sizeof(why), "line longer than %d bytes", TD_SCAN_MAX_LINE - 1);
            j->t.line[0] = '\0';
        }
        pthread_mutex_lock(&s->mu);
        s->lines = lineno;
        s->nonblank += pr != 0;
        if (pr < 0) {
            s->invalid++;
        }
        pthread_mutex_unlock(&s->mu);
        if (pr <= 0) {
            if (pr < 0) {
                pthread_mutex_lock(&s->out_mu);
                fprintf(errf, "%stlsdoctor scan: %s:%llu: %s (line skipped)\n",
                        opt->progress ? "\r\033[K" : "", in_name, (unsigned long long)lineno, why);
                pthread_mutex_unlock(&s->out_mu);
                if (opt->on_result != NULL) {
                    opt->on_result(opt->ctx, j->t.line, NULL, 0);
                }
            }
            td_free(j);
            continue;
        }
        j->lineno = lineno;
        int add = td__hset_add(&seen, j->t.hash);
        const char *skip =
                add < 0                                                                    ? "nomem"
                : add == 0                                                                 ? "dup"
                : opt->shard_count > 0 && j->t.hash % opt->shard_count != opt->shard_index ? "shard"
                : td__hset_has(&resumed, j->t.hash) ? "resumed"
                                                    : NULL;
        if (skip != NULL) {
            pthread_mutex_lock(&s->mu);
            s->dups += skip[0] == 'd';
            s->other_shard += skip[0] == 's';
            s->resumed += skip[0] == 'r';
            pthread_mutex_unlock(&s->mu);
            td_free(j);
            if (add < 0) {
                rc = TD_E_NOMEM;
                td_errinfo_set(err, rc, "out of memory");
                break;
            }
            continue;
        }
        if (opt->rate > 0) {
            double due = s->t0 + (double)queued * 1000.0 / opt->rate;
            while (td_now_ms() < due && !stop_asked(s)) {
                double left = due - td_now_ms();
                sleep_ms(left < 100 ? left : 100);
            }
        }
        pthread_mutex_lock(&s->mu);
        s->targets++;
        pthread_mutex_unlock(&s->mu);
        if (!enqueue(s, j)) {
            pthread_mutex_lock(&s->mu);
            s->targets--;
            pthread_mutex_unlock(&s->mu);
            td_free(j);
            break;
        }
        queued++;
    }

    pthread_mutex_lock(&s->mu);
    s->eof = true;
    if (stop_asked(s)) {
        /* Stop: nothing new starts; what is queued is dropped; those in flight get one step
         * timeout to finish, then the summary is written without them. */
        s->interrupted = true;
        while (s->qlen > 0) {
            job_t *j = s->q[s->qhead];
            s->qhead = (s->qhead + 1) % s->qcap;
            s->qlen--;
            s->not_started++;
            td_free(j);
        }
        double step = opt->diag.step_timeout_s > 0 ? opt->diag.step_timeout_s : 8;
        double until = td_now_ms() + step * 1000.0;
        while (s->in_flight > 0 && td_now_ms() < until) {
            wait_ms(&s->idle, &s->mu, 50);
        }
        s->abandoned = (uint64_t)s->in_flight;
    } else {
        while (s->qlen > 0 || s->in_flight > 0) {
            pthread_cond_wait(&s->idle, &s->mu);
        }
    }
    s->closed = true;
    pthread_cond_broadcast(&s->can_get);
    pthread_cond_broadcast(&s->idle);
    pthread_mutex_unlock(&s->mu);
    if (progress) {
        pthread_join(pth, NULL);
    }
    if (rc == 0 && s->nonblank == 0 && !s->interrupted) {
        td_errinfo_set(err, TD_E_USAGE,
                       "%s holds no target (one HOST[:PORT], URL, "
                       "\"HOST[:PORT] ADDR\" or ip,name,tag,port per line)",
                       in_name);
        rc = TD_E_USAGE;
    } else if (rc == 0 && s->targets == 0 && s->invalid > 0 && s->dups == 0 &&
               s->other_shard == 0 && s->resumed == 0) {
        td_errinfo_set(err, TD_E_USAGE, "%s: none of its %llu target lines could be parsed",
                       in_name, (unsigned long long)s->invalid);
        rc = TD_E_USAGE;
    }
    if (rc == 0) {
        pthread_mutex_lock(&s->mu);
        /* A scan stopped by a signal did not see every target (queued, abandoned or unread
         * lines): its status is never better than "unknown". */
        if (s->interrupted && s->worst_rank < rank_of_exit(3)) {
            s->worst_rank = rank_of_exit(3);
        }
        write_summary(s);
        *exit_code = exit_of_rank(s->worst_rank);
        pthread_mutex_unlock(&s->mu);
    }
    pthread_mutex_lock(&s->out_mu);
    s->out_closed = true; /* results of abandoned targets are not written after the summary */
    pthread_mutex_unlock(&s->out_mu);
    /* The abandoned ones end within their own deadline (parked ones: the poller hands them
     * back when it passes); then the workers end. */
    pthread_mutex_lock(&s->mu);
    while (s->in_flight > 0) {
        pthread_cond_wait(&s->idle, &s->mu);
    }
    pthread_cond_broadcast(&s->can_get);
    while (s->n_workers > 0) {
        wait_ms(&s->workers_gone, &s->mu, 100);
        pthread_cond_broadcast(&s->can_get);
    }
    pthread_mutex_unlock(&s->mu);
out_poller:
    if (polling) {
        pthread_mutex_lock(&s->mu);
        s->poller_stop = true;
        pthread_mutex_unlock(&s->mu);
        pthread_join(poll_th, NULL);
    }
    if (s->epfd >= 0) {
        close(s->epfd);
    }
out_sync:
    pthread_attr_destroy(&s->attr);
    pthread_cond_destroy(&s->workers_gone);
    pthread_cond_destroy(&s->hosts_cv);
    pthread_cond_destroy(&s->idle);
    pthread_cond_destroy(&s->can_get);
    pthread_cond_destroy(&s->can_put);
    pthread_mutex_destroy(&s->out_mu);
    pthread_mutex_destroy(&s->mu);
out:
    td__hset_free(&seen);
    td__hset_free(&resumed);
    td_free(s->hosts);
    td_free(s->q);
    td_free(s);
    return rc;
}
