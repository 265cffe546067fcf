/* Unit tests for src/store/store.c: schema creation and migration checks, a report stored and
 * read back as the rows `changes` compares, and a writer killed with SIGKILL halfway: the
 * database stays readable and keeps every committed target. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

/* cmocka.h needs the three headers above first. */
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "diagnose/diagnose.h"
#include "store/store.h"
#include "util/td_util.h"

static char dir[64];

static void path_in(char *buf, size_t cap, const char *name)
{
    td_fmt(buf, cap, "%s/%s", dir, name);
}

/* A report as a diagnosis fills it (the fields the history keeps). */
static td_report_t *fake_report(const char *root, const char *leaf)
{
    td_report_t *r = td_calloc(1, sizeof(*r));
    assert_non_null(r);
    r->obs.now = 1800000000;
    r->n = 2;
    r->has_root = root[0] != '\0';
    r->f[0].pub.id = root[0] != '\0' ? root : "http.hsts.incomplete";
    r->f[0].pub.severity = root[0] != '\0' ? TD_SEV_FAIL : TD_SEV_OK;
    r->f[0].pub.layer = TD_LAYER_CERT;
    r->f[1].pub.id = "http.hsts.incomplete";
    r->f[1].pub.severity = TD_SEV_OK;
    r->f[1].pub.layer = TD_LAYER_HTTP;
    r->obs.tls.ok = 1;
    td_strlcpy(r->obs.tls.version, "TLSv1.3", sizeof(r->obs.tls.version));
    td_strlcpy(r->obs.tls.cipher, "TLS_AES_128_GCM_SHA256", sizeof(r->obs.tls.cipher));
    r->obs.cert.step = TD_STEP_DONE;
    r->obs.cert.n = 2;
    td_strlcpy(r->obs.cert.c[0].sha256, leaf, sizeof(r->obs.cert.c[0].sha256));
    td_strlcpy(r->obs.cert.c[0].issuer, "CN=int", sizeof(r->obs.cert.c[0].issuer));
    td_strlcpy(r->obs.cert.c[0].key_type, "EC", sizeof(r->obs.cert.c[0].key_type));
    r->obs.cert.c[0].key_bits = 256;
    r->obs.cert.c[0].not_before = 1800000000 - 86400;
    r->obs.cert.c[0].not_after = 1800000000 + 89 * 86400;
    td_strlcpy(r->obs.cert.c[1].sha256, "11:22", sizeof(r->obs.cert.c[1].sha256));
    r->obs.dns.n_addrs = 2;
    td_strlcpy(r->obs.dns.addrs[0], "192.0.2.9", sizeof(r->obs.dns.addrs[0]));
    td_strlcpy(r->obs.dns.addrs[1], "192.0.2.1", sizeof(r->obs.dns.addrs[1]));
    r->n_clients = 3;
    r->clients[0] = (td_client_verdict_t){ .id = "chrome", .known = 1, .ok = 1 };
    r->clients[1] = (td_client_verdict_t){ .id = "firefox", .known = 1, .ok = root[0] == '\0' };
    r->clients[2] = (td_client_verdict_t){ .id = "java8", .known = 0 };
    return r;
}

static void schema_and_reopen(void **state)
{
    (void)state;
    char p[128];
    td_store_t *s = NULL;
    td_errinfo_t e;
    path_in(p, sizeof(p), "a.db");
    assert_int_equal(td_store_open(p, TD_STORE_READONLY, &s, &e), TD_E_IO); /* missing */
    assert_int_equal(td_store_open(p, 0, &s, &e), 0);
    td_store_close(s);
    assert_int_equal(td_store_open(p, 0, &s, &e), 0); /* migrations run once */
    td_store_close(s);
    assert_int_equal(td_store_open(p, TD_STORE_READONLY, &s, &e), 0);
    int64_t run = 0;
    assert_int_equal(td_store_run_begin(s, "scan", &run, &e), TD_E_USAGE);
    td_store_close(s);
    /* A schema newer than the tool's, and a database of something else, are refused. */
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "UPDATE schema_version SET version = 99", 0, 0, 0), 0);
    sqlite3_close(db);
    assert_int_equal(td_store_open(p, 0, &s, &e), TD_E_IO);
    assert_non_null(strstr(e.message, "newer"));
    path_in(p, sizeof(p), "other.db");
    assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE t (x)", 0, 0, 0), 0);
    sqlite3_close(db);
    assert_int_equal(td_store_open(p, 0, &s, &e), TD_E_IO);
    assert_non_null(strstr(e.message, "not a tlsdoctor history"));
}

static void store_and_compare(void **state)
{
    (void)state;
    char p[128];
    td_store_t *s = NULL;
    td_errinfo_t e;
    int64_t run = 0;
    path_in(p, sizeof(p), "b.db");
    assert_int_equal(td_store_open(p, 0, &s, &e), 0);
    td_report_t *ok = fake_report("", "AA:AA"), *bad = fake_report("cert.expired", "BB:BB");
    assert_int_equal(td_store_run_begin(s, "scan", &run, &e), 0);
    assert_int_equal(td_store_add(s, run, "a.test:443", ok, NULL, 0.5, &e), 0);
    assert_int_equal(td_store_add(s, run, "b.test:443", ok, NULL, 0.5, &e), 0);
    assert_int_equal(td_store_run_end(s, run, &e), 0);
    assert_int_equal(td_store_run_begin(s, "scan", &run, &e), 0);
    assert_int_equal(td_store_add(s, run, "a.test:443", bad, NULL, 0.5, &e), 0);
    assert_int_equal(td_store_add(s, run, "b.test:443", NULL, "cannot read the CA file", 0, &e), 0);
    assert_int_equal(td_store_run_end(s, run, &e), 0);
    td_changes_t *x = NULL;
    assert_int_equal(td_changes(s, 0, 0, &x, &e), 0);
    assert_int_equal(td_changes_exit_code(x), 2);
    assert_int_equal(x->targets, 2);
    int newly = 0, undiag = 0;
    for (size_t i = 0; i < x->n; i++) {
        newly += strcmp(x->v[i].kind, "newly_failing") == 0 &&
                 strcmp(x->v[i].target, "a.test:443") == 0 &&
                 strcmp(x->v[i].after, "cert.expired") == 0;
        undiag += strcmp(x->v[i].kind, "not_diagnosed") == 0;
    }
    assert_int_equal(newly, 1);
    assert_int_equal(undiag, 1);
    td_changes_free(x);
    /* Since run 2 (the latest): nothing was scanned after it. */
    assert_int_equal(td_changes(s, 2, 0, &x, &e), 0);
    assert_int_equal(x->n, 0);
    td_changes_free(x);
    /* The row keeps what changes.c compares. */
    td_hist_row_t row;
    td__hist_row_from_report(bad, "a.test:443", 2, &row);
    assert_string_equal(row.addrs, "192.0.2.1,192.0.2.9");
    assert_string_equal(row.clients_fail, "firefox");
    assert_string_equal(row.clients_ok, "chrome");
    assert_string_equal(row.chain, "11:22");
    assert_string_equal(row.key, "EC 256");
    td_store_close(s);
    td_free(ok);
    td_free(bad);
}

struct sink_thread {
    td_store_sink_t *sink;
    const td_report_t *r;
    int base;
};

static void *sink_worker(void *arg)
{
    struct sink_thread *t = arg;
    for (int i = 0; i < 50; i++) {
        char line[64];
        td_fmt(line, sizeof(line), "t%d-%d.test:443", t->base, i);
        td_store_scan_result(t->sink, line, i % 10 == 0 ? NULL : t->r, 0.1);
    }
    return NULL;
}

/* The scan's callback, from four threads at once, as the scan's workers call it. */
static void scan_callback_threads(void **state)
{
    (void)state;
    char p[128];
    td_errinfo_t e;
    td_store_sink_t sink;
    pthread_t th[4];
    struct sink_thread args[4];
    memset(&sink, 0, sizeof(sink));
    path_in(p, sizeof(p), "sink.db");
    assert_int_equal(td_store_open(p, 0, &sink.store, &e), 0);
    assert_int_equal(td_store_run_begin(sink.store, "scan", &sink.run_id, &e), 0);
    td_report_t *r = fake_report("", "DD:DD");
    for (int i = 0; i < 4; i++) {
        args[i] = (struct sink_thread){ .sink = &sink, .r = r, .base = i };
        assert_int_equal(pthread_create(&th[i], NULL, sink_worker, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
    }
    assert_int_equal(sink.failed, 0);
    assert_int_equal(sink.stored, 200);
    td_changes_t *x = NULL;
    assert_int_equal(td_changes(sink.store, 0, 0, &x, &e), 0);
    assert_int_equal(x->targets, 200);
    size_t warn = 0; /* the lines not diagnosed are new targets that warn */
    for (size_t i = 0; i < x->n; i++) {
        warn += x->v[i].level == TD_CHANGE_WARN;
    }
    assert_int_equal(warn, 20);
    td_changes_free(x);
    td_store_close(sink.store);
    td_free(r);
}

/* A writer storing targets as fast as it can, killed with SIGKILL while it writes: the file
 * must open, pass integrity_check and hold every target the writer reported committed. */
static void sigkill_halfway(void **state)
{
    (void)state;
    char p[128];
    int fds[2];
    path_in(p, sizeof(p), "kill.db");
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        td_store_t *s = NULL;
        td_errinfo_t e;
        int64_t run = 0;
        close(fds[0]);
        td_report_t *r = fake_report("cert.expired", "CC:CC");
        if (td_store_open(p, 0, &s, &e) < 0 || td_store_run_begin(s, "scan", &run, &e) < 0) {
            _exit(1);
        }
        for (int i = 0;; i++) {
            char t[64];
            td_fmt(t, sizeof(t), "host%d.test:443", i);
            if (td_store_add(s, run, t, r, NULL, 0.1, &e) < 0) {
                _exit(1);
            }
            if (write(fds[1], "x", 1) != 1) { /* one byte per committed target */
                _exit(1);
            }
        }
    }
    close(fds[1]);
    char buf[64];
    size_t committed = 0;
    while (committed < 300) {
        ssize_t n = read(fds[0], buf, sizeof(buf));
        assert_true(n > 0);
        committed += (size_t)n;
    }
    assert_int_equal(kill(pid, SIGKILL), 0);
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    while (read(fds[0], buf, sizeof(buf)) > 0) {
        committed++; /* bytes written before the kill: counted approximately, at least */
    }
    close(fds[0]);
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_open_v2(p, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), "ok");
    sqlite3_finalize(q);
    /* Every stored result is whole: its two findings came in the same transaction. */
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT count(*), (SELECT count(*) FROM findings), "
                                        "(SELECT targets FROM runs) FROM results",
                                        -1, &q, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    long long results = sqlite3_column_int64(q, 0);
    assert_true(results >= 300);
    assert_int_equal(sqlite3_column_int64(q, 1), results * 2);
    assert_int_equal(sqlite3_column_int64(q, 2), results);
    printf("SIGKILL after %lld committed targets: database ok\n", results);
    sqlite3_finalize(q);
    sqlite3_close(db);
    /* And the tool reads it. */
    td_store_t *s = NULL;
    td_changes_t *x = NULL;
    td_errinfo_t e;
    assert_int_equal(td_store_open(p, TD_STORE_READONLY, &s, &e), 0);
    assert_int_equal(td_changes(s, 0, 0, &x, &e), 0);
    assert_int_equal(x->targets, (size_t)results);
    td_changes_free(x);
    td_store_close(s);
}

static int setup(void **state)
{
    (void)state;
    td_fmt(dir, sizeof(dir), "/tmp/td_store_test.XXXXXX");
    return mkdtemp(dir) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    td_fmt(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(schema_and_reopen),
        cmocka_unit_test(store_and_compare),
        cmocka_unit_test(scan_callback_threads),
        cmocka_unit_test(sigkill_halfway),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
