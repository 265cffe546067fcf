/* store.c: the history database (SQLite, WAL): runs, targets and one result per target and run,
 * each result in its own transaction so that a killed scan loses only the targets in flight.
 * Stores and reads facts; what changed is judged by diagnose/changes.c. Schema: docs/store.md. */
#include "store.h"

#include "../diagnose/diagnose.h"
#include "../util/td_util.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct td_store {
    sqlite3 *db;
    pthread_mutex_t mu;
    int readonly;
};

/* Schema migrations: migrations[i] takes the schema from version i to i + 1. Append only; the
 * version is in schema_version (docs/store.md says what each version holds). */
static const char *const migrations[] = {
    /* 0 -> 1 */
    "CREATE TABLE schema_version (version INTEGER NOT NULL);"
    "INSERT INTO schema_version VALUES (0);"
    "CREATE TABLE runs ("
    "  id INTEGER PRIMARY KEY,"
    "  started_at INTEGER NOT NULL,"
    "  finished_at INTEGER,"
    "  command TEXT NOT NULL,"
    "  tool_version TEXT NOT NULL,"
    "  targets INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE targets ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  first_run INTEGER NOT NULL REFERENCES runs(id));"
    "CREATE TABLE results ("
    "  id INTEGER PRIMARY KEY,"
    "  run_id INTEGER NOT NULL REFERENCES runs(id),"
    "  target_id INTEGER NOT NULL REFERENCES targets(id),"
    "  stored_at INTEGER NOT NULL,"
    "  checked_at INTEGER NOT NULL,"
    "  seconds REAL NOT NULL,"
    "  diagnosed INTEGER NOT NULL,"
    "  error TEXT NOT NULL DEFAULT '',"
    "  verdict TEXT NOT NULL,"
    "  exit_code INTEGER NOT NULL,"
    "  root_cause TEXT NOT NULL DEFAULT '',"
    "  tls_version TEXT NOT NULL DEFAULT '',"
    "  cipher TEXT NOT NULL DEFAULT '',"
    "  leaf_sha256 TEXT NOT NULL DEFAULT '',"
    "  leaf_subject TEXT NOT NULL DEFAULT '',"
    "  leaf_issuer TEXT NOT NULL DEFAULT '',"
    "  leaf_key TEXT NOT NULL DEFAULT '',"
    "  chain TEXT NOT NULL DEFAULT '',"
    "  not_before INTEGER NOT NULL DEFAULT 0,"
    "  not_after INTEGER NOT NULL DEFAULT 0,"
    "  lifetime INTEGER NOT NULL DEFAULT 0,"
    "  addrs TEXT NOT NULL DEFAULT '',"
    "  UNIQUE (run_id, target_id));"
    "CREATE INDEX results_by_target ON results (target_id, run_id);"
    "CREATE TABLE findings ("
    "  result_id INTEGER NOT NULL REFERENCES results(id),"
    "  pos INTEGER NOT NULL,"
    "  id TEXT NOT NULL,"
    "  severity TEXT NOT NULL,"
    "  layer TEXT NOT NULL,"
    "  PRIMARY KEY (result_id, pos));"
    "CREATE TABLE client_verdicts ("
    "  result_id INTEGER NOT NULL REFERENCES results(id),"
    "  client TEXT NOT NULL,"
    "  ok INTEGER NOT NULL,"
    "  why TEXT NOT NULL DEFAULT '',"
    "  PRIMARY KEY (result_id, client));",
};

#define TD_STORE_SCHEMA ((int)TD_ARRAY_LEN(migrations))

static int db_error(td_store_t *s, td_errinfo_t *err, const char *what)
{
    td_errinfo_set(err, TD_E_IO, "history database: %s: %s", what,
                   s->db != NULL ? sqlite3_errmsg(s->db) : "cannot open");
    return TD_E_IO;
}

static int exec(td_store_t *s, const char *sql, td_errinfo_t *err)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        td_errinfo_set(err, TD_E_IO, "history database: %s", msg != NULL ? msg : "error");
        sqlite3_free(msg);
        return TD_E_IO;
    }
    return 0;
}

/* The schema version, 0 for an empty database, -1 when the file holds other tables. */
static int schema_version(td_store_t *s, int *version, td_errinfo_t *err)
{
    sqlite3_stmt *st = NULL;
    int tables = 0, has_version = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT name FROM sqlite_master WHERE type = 'table'", -1, &st,
                           NULL) != SQLITE_OK) {
        return db_error(s, err, "not a database");
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        tables++;
        if (name != NULL && strcmp(name, "schema_version") == 0) {
            has_version = 1;
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        return db_error(s, err, "not a database");
    }
    if (tables == 0) {
        *version = 0;
        return 0;
    }
    if (!has_version) {
        td_errinfo_set(err, TD_E_IO,
                       "history database: the file holds other tables (not a "
                       "tlsdoctor history)");
        return TD_E_IO;
    }
    if (sqlite3_prepare_v2(s->db, "SELECT version FROM schema_version", -1, &st, NULL) !=
                SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return db_error(s, err, "cannot read the schema version");
    }
    *version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return 0;
}

static int migrate(td_store_t *s, td_errinfo_t *err)
{
    int v = 0, rc = 0;
    /* IMMEDIATE: two processes opening a new database at once must not both create it. */
    TD_TRY(exec(s, "BEGIN IMMEDIATE", err));
    TD_TRY_OUT(schema_version(s, &v, err));
    if (v > TD_STORE_SCHEMA) {
        td_errinfo_set(err, TD_E_IO,
                       "history database: schema version %d is newer than this tool's (%d)", v,
                       TD_STORE_SCHEMA);
        rc = TD_E_IO;
        goto out;
    }
    for (; v < TD_STORE_SCHEMA; v++) {
        char sql[64];
        TD_TRY_OUT(exec(s, migrations[v], err));
        td_fmt(sql, sizeof(sql), "UPDATE schema_version SET version = %d", v + 1);
        TD_TRY_OUT(exec(s, sql, err));
    }
    return exec(s, "COMMIT", err);
out:
    (void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int td_store_open(const char *path, int flags, td_store_t **out, td_errinfo_t *err)
{
    *out = NULL;
    if (path == NULL || path[0] == '\0') {
        td_errinfo_set(err, TD_E_USAGE, "no history database given");
        return TD_E_USAGE;
    }
    td_store_t *s = td_calloc(1, sizeof(*s));
    if (s == NULL) {
        td_errinfo_set(err, TD_E_NOMEM, "out of memory");
        return TD_E_NOMEM;
    }
    int rc = 0;
    s->readonly = (flags & TD_STORE_READONLY) != 0;
    (void)pthread_mutex_init(&s->mu, NULL);
    int oflags = s->readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(path, &s->db, oflags | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
        char e[300];
        td_escape(e, sizeof(e), (const uint8_t *)path, strlen(path));
        td_errinfo_set(err, TD_E_IO, "history database %s: %s", e,
                       s->db != NULL ? sqlite3_errmsg(s->db) : "cannot open");
        rc = TD_E_IO;
        goto out;
    }
    /* Another process (a scan writing while `changes` reads) holds the lock only briefly. */
    (void)sqlite3_busy_timeout(s->db, 10000);
    if (!s->readonly) {
        /* WAL: readers never block the writer; NORMAL: a commit survives the process being
         * killed (only a power loss may lose the last transactions, never corrupt). */
        TD_TRY_OUT(exec(s, "PRAGMA journal_mode = WAL", err));
        TD_TRY_OUT(exec(s, "PRAGMA synchronous = NORMAL", err));
        TD_TRY_OUT(exec(s, "PRAGMA foreign_keys = ON", err));
        TD_TRY_OUT(migrate(s, err));
    } else {
        int v = 0;
        TD_TRY_OUT(schema_version(s, &v, err));
        if (v != TD_STORE_SCHEMA) {
            td_errinfo_set(
                    err, TD_E_IO, "history database: schema version %d, this tool reads %d%s", v,
                    TD_STORE_SCHEMA, v < TD_STORE_SCHEMA ? " (a scan with --db migrates it)" : "");
            rc = TD_E_IO;
            goto out;
        }
    }
    *out = s;
    return 0;
out:
    td_store_close(s);
    return rc;
}

void td_store_close(td_store_t *s)
{
    if (s == NULL) {
        return;
    }
    (void)sqlite3_close(s->db);
    (void)pthread_mutex_destroy(&s->mu);
    td_free(s);
}

int td_store_run_begin(td_store_t *s, const char *command, int64_t *run_id, td_errinfo_t *err)
{
    sqlite3_stmt *st = NULL;
    int rc = 0;
    *run_id = 0;
    if (s->readonly) {
        td_errinfo_set(err, TD_E_USAGE, "history database opened read only");
        return TD_E_USAGE;
    }
    pthread_mutex_lock(&s->mu);
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO runs (started_at, command, tool_version) VALUES (?, ?, ?)",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = db_error(s, err, "cannot start a run");
        goto out;
    }
    sqlite3_bind_int64(st, 1, (sqlite3_int64)time(NULL));
    sqlite3_bind_text(st, 2, command != NULL ? command : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, TD_VERSION, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = db_error(s, err, "cannot start a run");
        goto out;
    }
    *run_id = (int64_t)sqlite3_last_insert_rowid(s->db);
out:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

int td_store_run_end(td_store_t *s, int64_t run_id, td_errinfo_t *err)
{
    sqlite3_stmt *st = NULL;
    int rc = 0;
    pthread_mutex_lock(&s->mu);
    if (sqlite3_prepare_v2(s->db, "UPDATE runs SET finished_at = ? WHERE id = ?", -1, &st, NULL) !=
        SQLITE_OK) {
        rc = db_error(s, err, "cannot end the run");
        goto out;
    }
    sqlite3_bind_int64(st, 1, (sqlite3_int64)time(NULL));
    sqlite3_bind_int64(st, 2, (sqlite3_int64)run_id);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = db_error(s, err, "cannot end the run");
    }
out:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

void td__hist_row_from_report(const td_report_t *r, const char *target, int64_t run_id,
                              td_hist_row_t *row)
{
    memset(row, 0, sizeof(*row));
    row->run_id = run_id;
    td_strlcpy(row->target, target, sizeof(row->target));
    row->time = r->obs.now;
    row->diagnosed = 1;
    row->exit_code = td_report_exit_code(r);
    const td_finding_t *root = td_report_root_cause(r);
    td_strlcpy(row->root_cause, root != NULL ? root->id : "", sizeof(row->root_cause));
    for (size_t i = 0; i < r->n; i++) {
        td_fmt_append(row->findings, sizeof(row->findings), "%s%s", i > 0 ? "," : "",
                      r->f[i].pub.id);
    }
    const td_obs_tls_t *t = r->obs.tls.ok ? &r->obs.tls : r->obs.legacy.ok ? &r->obs.legacy : NULL;
    if (t != NULL) {
        td_strlcpy(row->version, t->version, sizeof(row->version));
        td_strlcpy(row->cipher, t->cipher, sizeof(row->cipher));
    }
    const td_obs_cert_t *c = &r->obs.cert;
    if (c->step == TD_STEP_DONE && c->n > 0) {
        td_strlcpy(row->leaf_sha256, c->c[0].sha256, sizeof(row->leaf_sha256));
        td_strlcpy(row->issuer, c->c[0].issuer, sizeof(row->issuer));
        td_fmt(row->key, sizeof(row->key), "%s %d", c->c[0].key_type, c->c[0].key_bits);
        row->not_before = c->c[0].not_before;
        row->not_after = c->c[0].not_after;
        for (int i = 1; i < c->n; i++) {
            td_fmt_append(row->chain, sizeof(row->chain), "%s%s", i > 1 ? "," : "", c->c[i].sha256);
        }
    }
    for (int i = 0; i < r->n_clients; i++) {
        const td_client_verdict_t *v = &r->clients[i];
        if (!v->known) {
            continue;
        }
        char *list = v->ok ? row->clients_ok : row->clients_fail;
        size_t cap = v->ok ? sizeof(row->clients_ok) : sizeof(row->clients_fail);
        td_fmt_append(list, cap, "%s%s", list[0] != '\0' ? "," : "", v->id);
    }
    /* Sorted, so that the same set always reads the same. */
    char addrs[TD_MAX_ADDRS][64];
    int n = r->obs.dns.n_addrs < TD_MAX_ADDRS ? r->obs.dns.n_addrs : TD_MAX_ADDRS;
    memcpy(addrs, r->obs.dns.addrs, sizeof(addrs[0]) * (size_t)n);
    qsort(addrs, (size_t)n, sizeof(addrs[0]), cmp_str);
    for (int i = 0; i < n; i++) {
        td_fmt_append(row->addrs, sizeof(row->addrs), "%s%s", i > 0 ? "," : "", addrs[i]);
    }
}

static const char *const verdicts[] = { "ok", "warn", "fail", "unknown" };

/* Inserts the result row; the caller holds the transaction. */
static int insert_result(td_store_t *s, int64_t run_id, int64_t target_id, const td_report_t *r,
                         const td_hist_row_t *row, double seconds, td_errinfo_t *err,
                         int64_t *result_id)
{
    sqlite3_stmt *st = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(
                s->db,
                "INSERT INTO results (run_id, target_id, stored_at, checked_at, seconds, "
                "diagnosed, error, verdict, exit_code, root_cause, tls_version, cipher, "
                "leaf_sha256, leaf_subject, leaf_issuer, leaf_key, chain, not_before, not_after, "
                "lifetime, addrs) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                -1, &st, NULL) != SQLITE_OK) {
        return db_error(s, err, "cannot store a result");
    }
    int k = 1;
    sqlite3_bind_int64(st, k++, run_id);
    sqlite3_bind_int64(st, k++, target_id);
    sqlite3_bind_int64(st, k++, (sqlite3_int64)time(NULL));
    sqlite3_bind_int64(st, k++, row->time != 0 ? row->time : (sqlite3_int64)time(NULL));
    sqlite3_bind_double(st, k++, seconds);
    sqlite3_bind_int(st, k++, row->diagnosed);
    sqlite3_bind_text(st, k++, row->error, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, k++, row->diagnosed ? verdicts[row->exit_code & 3] : "not_diagnosed", -1,
                      SQLITE_STATIC);
    sqlite3_bind_int(st, k++, row->exit_code);
    sqlite3_bind_text(st, k++, row->root_cause, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, k++, row->version, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, k++, row->cipher, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, k++, row->leaf_sha256, -1, SQLITE_STATIC);
    const char *subject = r != NULL && r->obs.cert.step == TD_STEP_DONE && r->obs.cert.n > 0
                                  ? r->obs.cert.c[0].subject
                                  : "";
    sqlite3_bind_text(st, k++, subject, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, k++, row->issuer, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, k++, row->key[0] != '\0' ? row->key : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, k++, row->chain, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, k++, row->not_before);
    sqlite3_bind_int64(st, k++, row->not_after);
    sqlite3_bind_int64(st, k++,
                       row->not_after > row->not_before ? row->not_after - row->not_before : 0);
    sqlite3_bind_text(st, k++, row->addrs, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = db_error(s, err, "cannot store a result");
    }
    sqlite3_finalize(st);
    *result_id = (int64_t)sqlite3_last_insert_rowid(s->db);
    return rc;
}

/* Findings and client verdicts of one result; the caller holds the transaction. */
static int insert_details(td_store_t *s, int64_t result_id, const td_report_t *r, td_errinfo_t *err)
{
    sqlite3_stmt *st = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO findings (result_id, pos, id, severity, layer) VALUES "
                           "(?, ?, ?, ?, ?)",
                           -1, &st, NULL) != SQLITE_OK) {
        return db_error(s, err, "cannot store findings");
    }
    for (size_t i = 0; i < r->n && rc == 0; i++) {
        const td_finding_t *f = &r->f[i].pub;
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, result_id);
        sqlite3_bind_int(st, 2, (int)i);
        sqlite3_bind_text(st, 3, f->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, td_severity_name(f->severity), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, td_layer_name(f->layer), -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE) {
            rc = db_error(s, err, "cannot store findings");
        }
    }
    sqlite3_finalize(st);
    if (rc < 0) {
        return rc;
    }
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO client_verdicts (result_id, client, ok, why) VALUES "
                           "(?, ?, ?, ?)",
                           -1, &st, NULL) != SQLITE_OK) {
        return db_error(s, err, "cannot store client verdicts");
    }
    for (int i = 0; i < r->n_clients && rc == 0; i++) {
        const td_client_verdict_t *v = &r->clients[i];
        if (!v->known) {
            continue; /* not observed in this run: no verdict to keep */
        }
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, result_id);
        sqlite3_bind_text(st, 2, v->id, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 3, v->ok ? 1 : 0);
        sqlite3_bind_text(st, 4, v->why, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE) {
            rc = db_error(s, err, "cannot store client verdicts");
        }
    }
    sqlite3_finalize(st);
    return rc;
}

static int target_id_of(td_store_t *s, const char *target, int64_t run_id, int64_t *id,
                        td_errinfo_t *err)
{
    sqlite3_stmt *st = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO targets (name, first_run) VALUES (?, ?) ON CONFLICT(name) "
                           "DO UPDATE SET name = excluded.name RETURNING id",
                           -1, &st, NULL) != SQLITE_OK) {
        return db_error(s, err, "cannot store a target");
    }
    sqlite3_bind_text(st, 1, target, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, run_id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        rc = db_error(s, err, "cannot store a target");
    } else {
        *id = (int64_t)sqlite3_column_int64(st, 0);
        if (sqlite3_step(st) != SQLITE_DONE) {
            rc = db_error(s, err, "cannot store a target");
        }
    }
    sqlite3_finalize(st);
    return rc;
}

int td_store_add(td_store_t *s, int64_t run_id, const char *target, const td_report_t *report,
                 const char *error, double seconds, td_errinfo_t *err)
{
    int rc = 0;
    int64_t target_id = 0, result_id = 0;
    if (s->readonly || target == NULL) {
        td_errinfo_set(err, TD_E_USAGE, "history database opened read only or no target");
        return TD_E_USAGE;
    }
    td_hist_row_t *row = td_calloc(1, sizeof(*row));
    if (row == NULL) {
        td_errinfo_set(err, TD_E_NOMEM, "out of memory");
        return TD_E_NOMEM;
    }
    if (report != NULL) {
        td__hist_row_from_report(report, target, run_id, row);
    } else {
        row->run_id = run_id;
        row->exit_code = 3;
        td_strlcpy(row->error, error != NULL ? error : "not diagnosed", sizeof(row->error));
    }
    pthread_mutex_lock(&s->mu);
    if (exec(s, "BEGIN IMMEDIATE", err) < 0) {
        rc = TD_E_IO;
        goto unlock;
    }
    TD_TRY_OUT(target_id_of(s, target, run_id, &target_id, err));
    TD_TRY_OUT(insert_result(s, run_id, target_id, report, row, seconds, err, &result_id));
    if (report != NULL) {
        TD_TRY_OUT(insert_details(s, result_id, report, err));
    }
    {
        char sql[96];
        td_fmt(sql, sizeof(sql), "UPDATE runs SET targets = targets + 1 WHERE id = %lld",
               (long long)run_id);
        TD_TRY_OUT(exec(s, sql, err));
    }
    rc = exec(s, "COMMIT", err);
    if (rc == 0) {
        goto unlock;
    }
out:
    (void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
unlock:
    pthread_mutex_unlock(&s->mu);
    td_free(row);
    return rc;
}

void td_store_scan_result(void *ctx, const char *target_line, const td_report_t *report,
                          double seconds)
{
    td_store_sink_t *k = ctx;
    td_errinfo_t err;
    memset(&err, 0, sizeof(err));
    int rc = td_store_add(k->store, k->run_id, target_line, report,
                          report == NULL ? "the scan could not diagnose this line" : NULL, seconds,
                          &err);
    pthread_mutex_lock(&k->store->mu);
    if (rc < 0 && !k->failed) {
        k->failed = 1;
        k->err = err;
    } else if (rc == 0) {
        k->stored++;
    }
    pthread_mutex_unlock(&k->store->mu);
}

/* ---- reading back ------------------------------------------------------------------ */

#define ROW_COLUMNS                                                                              \
    "r.run_id, r.checked_at, t.name, r.diagnosed, r.error, r.exit_code, r.root_cause, "          \
    "(SELECT ifnull(group_concat(id, ','), '') FROM (SELECT id FROM findings WHERE result_id = " \
    "r.id ORDER BY pos)), "                                                                      \
    "r.tls_version, r.cipher, r.leaf_sha256, r.leaf_issuer, r.leaf_key, r.chain, r.not_before, " \
    "r.not_after, "                                                                              \
    "(SELECT ifnull(group_concat(client, ','), '') FROM (SELECT client FROM client_verdicts "    \
    "WHERE result_id = r.id AND ok = 0 ORDER BY client)), "                                      \
    "(SELECT ifnull(group_concat(client, ','), '') FROM (SELECT client FROM client_verdicts "    \
    "WHERE result_id = r.id AND ok = 1 ORDER BY client)), "                                      \
    "r.addrs, r.seconds, r.stored_at "

static void text_col(sqlite3_stmt *st, int i, char *dst, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    td_strlcpy(dst, t != NULL ? (const char *)t : "", cap);
}

static void read_row(sqlite3_stmt *st, td_hist_row_t *row)
{
    memset(row, 0, sizeof(*row));
    row->run_id = (int64_t)sqlite3_column_int64(st, 0);
    row->time = (int64_t)sqlite3_column_int64(st, 1);
    text_col(st, 2, row->target, sizeof(row->target));
    row->diagnosed = sqlite3_column_int(st, 3);
    text_col(st, 4, row->error, sizeof(row->error));
    row->exit_code = sqlite3_column_int(st, 5);
    text_col(st, 6, row->root_cause, sizeof(row->root_cause));
    text_col(st, 7, row->findings, sizeof(row->findings));
    text_col(st, 8, row->version, sizeof(row->version));
    text_col(st, 9, row->cipher, sizeof(row->cipher));
    text_col(st, 10, row->leaf_sha256, sizeof(row->leaf_sha256));
    text_col(st, 11, row->issuer, sizeof(row->issuer));
    text_col(st, 12, row->key, sizeof(row->key));
    text_col(st, 13, row->chain, sizeof(row->chain));
    row->not_before = (int64_t)sqlite3_column_int64(st, 14);
    row->not_after = (int64_t)sqlite3_column_int64(st, 15);
    text_col(st, 16, row->clients_fail, sizeof(row->clients_fail));
    text_col(st, 17, row->clients_ok, sizeof(row->clients_ok));
    text_col(st, 18, row->addrs, sizeof(row->addrs));
    row->seconds = sqlite3_column_double(st, 19);
}

#define TD_CHANGES_MAX 1000000

static int push_changes(td_changes_t *x, const td_change_t *v, size_t n, td_errinfo_t *err)
{
    if (n == 0) {
        return 0;
    }
    if (x->n + n > x->cap) {
        size_t cap = x->cap == 0 ? 64 : x->cap * 2;
        while (cap < x->n + n) {
            cap *= 2;
        }
        if (cap > TD_CHANGES_MAX) {
            td_errinfo_set(err, TD_E_LIMIT, "more than %d changes", TD_CHANGES_MAX);
            return TD_E_LIMIT;
        }
        td_change_t *nv = td_malloc(cap * sizeof(*nv));
        if (nv == NULL) {
            td_errinfo_set(err, TD_E_NOMEM, "out of memory");
            return TD_E_NOMEM;
        }
        if (x->n > 0) {
            memcpy(nv, x->v, x->n * sizeof(*nv));
        }
        td_free(x->v);
        x->v = nv;
        x->cap = cap;
    }
    memcpy(&x->v[x->n], v, n * sizeof(*v));
    x->n += n;
    return 0;
}

/* Each target's newest result (cur), then its baseline (prev), judged in name order. */
static int compare_all(td_store_t *s, td_changes_t *x, td_errinfo_t *err)
{
    sqlite3_stmt *cur = NULL, *prev = NULL, *latest = NULL;
    td_hist_row_t *rows = td_calloc(2, sizeof(*rows));
    td_change_t found[TD_CHANGES_PER_TARGET];
    int rc = 0;
    if (rows == NULL) {
        td_errinfo_set(err, TD_E_NOMEM, "out of memory");
        return TD_E_NOMEM;
    }
    if (sqlite3_prepare_v2(s->db, "SELECT ifnull(max(id), 0) FROM runs", -1, &latest, NULL) !=
                SQLITE_OK ||
        sqlite3_step(latest) != SQLITE_ROW) {
        rc = db_error(s, err, "cannot read the runs");
        goto out;
    }
    x->latest_run = (int64_t)sqlite3_column_int64(latest, 0);
    /* The newest result of every target: the row with the highest run for its target. */
    if (sqlite3_prepare_v2(s->db,
                           "SELECT " ROW_COLUMNS ", r.target_id FROM results r JOIN targets t ON "
                           "t.id = r.target_id WHERE r.run_id = (SELECT max(run_id) FROM results "
                           "WHERE target_id = r.target_id) ORDER BY t.name",
                           -1, &cur, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db,
                           "SELECT " ROW_COLUMNS " FROM results r JOIN targets t ON t.id = "
                           "r.target_id WHERE r.target_id = ?1 AND r.run_id < ?2 AND (?3 = 0 OR "
                           "r.run_id <= ?3) AND (?4 = 0 OR r.stored_at <= ?4) ORDER BY r.run_id "
                           "DESC LIMIT 1",
                           -1, &prev, NULL) != SQLITE_OK) {
        rc = db_error(s, err, "cannot read the results");
        goto out;
    }
    int step;
    while ((step = sqlite3_step(cur)) == SQLITE_ROW) {
        read_row(cur, &rows[1]);
        int64_t stored_at = (int64_t)sqlite3_column_int64(cur, 20);
        if ((x->since_run > 0 && rows[1].run_id <= x->since_run) ||
            (x->since_time > 0 && stored_at <= x->since_time)) {
            continue; /* not scanned after the baseline */
        }
        sqlite3_reset(prev);
        sqlite3_bind_int64(prev, 1, sqlite3_column_int64(cur, 21));
        sqlite3_bind_int64(prev, 2, rows[1].run_id);
        sqlite3_bind_int64(prev, 3, x->since_run);
        sqlite3_bind_int64(prev, 4, x->since_time);
        int ps = sqlite3_step(prev);
        if (ps != SQLITE_ROW && ps != SQLITE_DONE) {
            rc = db_error(s, err, "cannot read the results");
            goto out;
        }
        if (ps == SQLITE_ROW) {
            read_row(prev, &rows[0]);
        }
        x->targets++;
        size_t n = td__changes_judge(ps == SQLITE_ROW ? &rows[0] : NULL, &rows[1], found,
                                     TD_ARRAY_LEN(found));
        TD_TRY_OUT(push_changes(x, found, n, err));
    }
    if (step != SQLITE_DONE) {
        rc = db_error(s, err, "cannot read the results");
    }
out:
    sqlite3_finalize(latest);
    sqlite3_finalize(cur);
    sqlite3_finalize(prev);
    td_free(rows);
    return rc;
}

int td_changes(td_store_t *s, int64_t since_run, int64_t since_time, td_changes_t **out,
               td_errinfo_t *err)
{
    *out = NULL;
    td_changes_t *x = td_calloc(1, sizeof(*x));
    if (x == NULL) {
        td_errinfo_set(err, TD_E_NOMEM, "out of memory");
        return TD_E_NOMEM;
    }
    x->since_run = since_run > 0 ? since_run : 0;
    x->since_time = since_time > 0 ? since_time : 0;
    pthread_mutex_lock(&s->mu);
    /* One read transaction: a scan committing meanwhile is seen entirely or not at all. */
    int rc = exec(s, "BEGIN", err);
    if (rc == 0) {
        rc = compare_all(s, x, err);
        (void)sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    }
    pthread_mutex_unlock(&s->mu);
    if (rc < 0) {
        td_changes_free(x);
        return rc;
    }
    *out = x;
    return 0;
}

size_t td_changes_count(const td_changes_t *x)
{
    return x != NULL ? x->n : 0;
}

int td_changes_exit_code(const td_changes_t *x)
{
    int worst = 0;
    for (size_t i = 0; x != NULL && i < x->n; i++) {
        if ((int)x->v[i].level > worst) {
            worst = (int)x->v[i].level;
        }
    }
    return worst;
}

void td_changes_free(td_changes_t *x)
{
    if (x == NULL) {
        return;
    }
    td_free(x->v);
    td_free(x);
}
