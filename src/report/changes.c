/* changes.c (report): renders the changes between runs of the history as text or JSON
 * (docs/store.md). Rendering only: the changes were judged by diagnose/changes.c. */
#include "../diagnose/changes.h"
#include "../util/td_util.h"

#include <jansson.h>
#include <string.h>

int td_changes_write_text(const td_changes_t *x, FILE *f, int color)
{
    static const char *const tag[] = { "info", "WARN", "FAIL" };
    static const char *const col[] = { "\033[36m", "\033[33m", "\033[31m" };
    char since[64] = "";
    if (x->since_run > 0) {
        td_fmt(since, sizeof(since), " since run %lld", (long long)x->since_run);
    } else if (x->since_time > 0) {
        char t[32];
        td_fmt_utc(t, sizeof(t), "%Y-%m-%dT%H:%M:%SZ", x->since_time);
        td_fmt(since, sizeof(since), " since %s", t);
    }
    fprintf(f, "Changes%s (latest run %lld): %zu target%s compared, %zu change%s\n", since,
            (long long)x->latest_run, x->targets, x->targets == 1 ? "" : "s", x->n,
            x->n == 1 ? "" : "s");
    for (size_t i = 0; i < x->n; i++) {
        const td_change_t *c = &x->v[i];
        char target[600], detail[700];
        unsigned lv = (unsigned)c->level < 3 ? (unsigned)c->level : 0;
        /* Stored strings came from the network (subjects) or the scan list: escaped. */
        td_escape(target, sizeof(target), (const uint8_t *)c->target, strlen(c->target));
        td_escape(detail, sizeof(detail), (const uint8_t *)c->detail, strlen(c->detail));
        fprintf(f, "  %s%-4s%s  %s  %s: %s", color ? col[lv] : "", tag[lv], color ? "\033[0m" : "",
                target, c->kind, detail);
        if (c->from_run > 0) {
            fprintf(f, " [run %lld -> %lld]\n", (long long)c->from_run, (long long)c->to_run);
        } else {
            fprintf(f, " [run %lld]\n", (long long)c->to_run);
        }
    }
    if (x->n == 0) {
        fprintf(f, "  nothing changed\n");
    }
    return ferror(f) ? TD_E_IO : 0;
}

/* A stored string as JSON; bytes that are not UTF-8 (a hostile target line) become \xNN. */
static json_t *str_json(const char *s)
{
    json_t *j = json_string(s);
    if (j == NULL) {
        char e[2048];
        td_escape(e, sizeof(e), (const uint8_t *)s, strlen(s));
        j = json_string(e);
    }
    return j;
}

int td_changes_write_json(const td_changes_t *x, FILE *f)
{
    json_t *doc = json_object();
    json_t *list = json_array();
    if (doc == NULL || list == NULL) {
        json_decref(doc);
        json_decref(list);
        return TD_E_NOMEM;
    }
    json_object_set_new(doc, "schema_version", json_integer(1));
    json_object_set_new(doc, "latest_run", json_integer((json_int_t)x->latest_run));
    json_object_set_new(doc, "since_run",
                        x->since_run > 0 ? json_integer((json_int_t)x->since_run) : json_null());
    json_object_set_new(doc, "since_time",
                        x->since_time > 0 ? json_integer((json_int_t)x->since_time) : json_null());
    json_object_set_new(doc, "targets", json_integer((json_int_t)x->targets));
    json_object_set_new(doc, "exit_code", json_integer(td_changes_exit_code(x)));
    for (size_t i = 0; i < x->n; i++) {
        const td_change_t *c = &x->v[i];
        json_t *j = json_object();
        if (j == NULL) {
            continue;
        }
        json_object_set_new(j, "target", str_json(c->target));
        json_object_set_new(j, "kind", json_string(c->kind));
        json_object_set_new(j, "level", json_string(td__change_level_name(c->level)));
        json_object_set_new(j, "before", str_json(c->before));
        json_object_set_new(j, "after", str_json(c->after));
        json_object_set_new(j, "detail", str_json(c->detail));
        json_object_set_new(j, "from_run",
                            c->from_run > 0 ? json_integer((json_int_t)c->from_run) : json_null());
        json_object_set_new(j, "to_run", json_integer((json_int_t)c->to_run));
        json_array_append_new(list, j);
    }
    json_object_set_new(doc, "changes", list);
    int rc = json_dumpf(doc, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0 ? 0 : TD_E_IO;
    json_decref(doc);
    if (rc == 0 && fputc('\n', f) == EOF) {
        rc = TD_E_IO;
    }
    return rc;
}
