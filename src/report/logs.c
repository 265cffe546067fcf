/* logs.c: renders a log-scan summary (text or JSON) and single events (JSON lines): counts
 * per cause, top clients and servers, failures per hour, and the interpretation with the
 * command that confirms it. Rendering only. */
#include "tlsdoctor.h"

#include "../kb/causes.h"
#include "../passive/logscan.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct ranked {
    const td_logs_pair_t *e;
} ranked_t;

static int by_count(const void *a, const void *b)
{
    const td_logs_pair_t *x = ((const ranked_t *)a)->e, *y = ((const ranked_t *)b)->e;
    return x->count < y->count ? 1 : x->count > y->count ? -1 : strcmp(x->key, y->key);
}

/* The top n entries of a table, largest first, into out (caller-owned, n entries). */
static size_t top_of(const td_logs_pair_t *t, size_t cap, size_t n, ranked_t *out)
{
    size_t k = 0;
    for (size_t i = 0; i < cap; i++) {
        if (t[i].count == 0) {
            continue;
        }
        if (k < n) {
            out[k++].e = &t[i];
            qsort(out, k, sizeof(*out), by_count);
        } else if (t[i].count > out[n - 1].e->count) {
            out[n - 1].e = &t[i];
            qsort(out, k, sizeof(*out), by_count);
        }
    }
    return k;
}

static size_t sorted_causes(const td_logs_summary_t *s, td_logs_cause_count_t *out)
{
    size_t n = 0;
    for (size_t i = 0; i < TD_LOGS_CAUSES && s->causes[i].cause != NULL; i++) {
        out[n++] = s->causes[i];
    }
    for (size_t i = 1; i < n; i++) {
        td_logs_cause_count_t t = out[i];
        size_t j = i;
        while (j > 0 && out[j - 1].count < t.count) {
            out[j] = out[j - 1];
            j--;
        }
        out[j] = t;
    }
    return n;
}

/* The server most often seen with cause, for the confirm command. */
static const char *server_for(const td_logs_summary_t *s, const char *cause)
{
    const td_logs_pair_t *best = NULL;
    for (size_t i = 0; i < TD_LOGS_SERVERS; i++) {
        const td_logs_pair_t *e = &s->servers[i];
        /* A listen address such as 0.0.0.0:443 names no server a client could reach. */
        bool wildcard = strncmp(e->key, "0.0.0.0", 7) == 0 || strncmp(e->key, "[::]", 4) == 0 ||
                        strcmp(e->key, "-") == 0 || strcmp(e->key, "_") == 0;
        if (e->count > 0 && e->cause == cause && !wildcard &&
            (best == NULL || e->count > best->count)) {
            best = e;
        }
    }
    return best != NULL ? best->key : NULL;
}

static void confirm_cmd(const td_cause_t *c, const char *server, char *dst, size_t cap)
{
    const char *tpl = c->confirm;
    const char *at = strstr(tpl, "HOST:PORT");
    if (at == NULL) {
        td_strlcpy(dst, tpl, cap);
        return;
    }
    if (server == NULL) {
        server = "YOUR-SERVER-NAME"; /* the log named no reachable server */
    }
    /* "name:443" stays; a bare name gets :443. */
    char target[200];
    td_fmt(target, sizeof(target), strchr(server, ':') != NULL ? "%s" : "%s:443", server);
    td_fmt(dst, cap, "%.*s%s%s", (int)(at - tpl), tpl, target, at + 9);
}

typedef struct interp {
    char text[512];
    char command[300];
} interp_t;

/* Interpretations: the dominant cause, and a single address behind most of one cause. */
static size_t interpret(const td_logs_summary_t *s, interp_t *out, size_t max)
{
    td_logs_cause_count_t causes[TD_LOGS_CAUSES];
    size_t nc = sorted_causes(s, causes), k = 0;
    for (size_t i = 0; i < nc && k < max && i < 3; i++) {
        const td_cause_t *c = td_cause_get(causes[i].cause);
        const char *server = server_for(s, causes[i].cause);
        /* Who sends most of this cause? */
        const td_logs_pair_t *top = NULL;
        size_t distinct = 0;
        for (size_t j = 0; j < TD_LOGS_CLIENTS; j++) {
            const td_logs_pair_t *e = &s->clients[j];
            if (e->count == 0 || e->cause != causes[i].cause || strcmp(e->key, "-") == 0) {
                continue;
            }
            distinct++;
            if (top == NULL || e->count > top->count) {
                top = e;
            }
        }
        double share = 100.0 * (double)causes[i].count / (double)(s->events ? s->events : 1);
        if (top != NULL && distinct > 1 && top->count >= 3 && top->count * 2 >= causes[i].count) {
            td_fmt(out[k].text, sizeof(out[k].text),
                   "%llu of %llu %s events (%.0f%% of all failures) come from one address, %s: "
                   "%s Likely %s.",
                   (unsigned long long)top->count, (unsigned long long)causes[i].count,
                   causes[i].cause, share, top->key, c->meaning, c->likely);
        } else if (top != NULL && distinct == 1) {
            td_fmt(out[k].text, sizeof(out[k].text),
                   "all %llu %s events (%.0f%% of all failures) come from %s: %s Likely %s.",
                   (unsigned long long)causes[i].count, causes[i].cause, share, top->key,
                   c->meaning, c->likely);
        } else {
            td_fmt(out[k].text, sizeof(out[k].text),
                   "%llu %s events (%.0f%% of all failures) from %zu addresses: %s Likely %s.",
                   (unsigned long long)causes[i].count, causes[i].cause, share, distinct,
                   c->meaning, c->likely);
        }
        confirm_cmd(c, server, out[k].command, sizeof(out[k].command));
        k++;
    }
    return k;
}

static int by_hour(const void *a, const void *b)
{
    const td_logs_hour_t *x = a, *y = b;
    return x->hour < y->hour ? -1 : x->hour > y->hour;
}

static size_t sorted_hours(const td_logs_summary_t *s, td_logs_hour_t *out)
{
    size_t n = 0;
    for (size_t i = 0; i < TD_LOGS_HOURS; i++) {
        if (s->hours[i].count > 0) {
            out[n++] = s->hours[i];
        }
    }
    qsort(out, n, sizeof(*out), by_hour);
    return n;
}

static void formats_text(const td_logs_summary_t *s, char *buf, size_t cap)
{
    buf[0] = '\0';
    for (int f = 1; f < TD_LOG__COUNT; f++) {
        if (s->formats[f] > 0) {
            td_fmt_append(buf, cap, "%s%s", buf[0] ? ", " : "",
                          td_log_format_name((td_log_format_t)f));
        }
    }
}

int td_logs_summary_write_text(const td_logs_summary_t *s, FILE *f, int color)
{
    const char *b = color ? "\033[1m" : "", *rs = color ? "\033[0m" : "";
    char fm[128];
    td_logs_cause_count_t causes[TD_LOGS_CAUSES];
    ranked_t top[64];
    formats_text(s, fm, sizeof(fm));
    fprintf(f, "%stlsdoctor logs%s: %zu file%s (%s), %.1f MB, %llu lines, %llu failures", b, rs,
            s->files, s->files == 1 ? "" : "s", fm[0] ? fm : "no format", (double)s->bytes / 1e6,
            (unsigned long long)s->lines, (unsigned long long)s->events);
    if (s->bad_lines > 0) {
        fprintf(f, ", %llu unreadable lines skipped", (unsigned long long)s->bad_lines);
    }
    if (s->before_since > 0) {
        fprintf(f, ", %llu before --since", (unsigned long long)s->before_since);
    }
    fprintf(f, "\n");
    if (s->read_errors > 0) {
        fprintf(f,
                "warning: %s ended early (truncated or corrupt compressed data, or the file "
                "shrank while it was read)\n",
                s->last_read_error);
    }
    if (s->undetected_files > 0) {
        fprintf(f,
                "note: the format of %d file%s was not recognised; read as nginx (use --format)\n",
                s->undetected_files, s->undetected_files == 1 ? "" : "s");
    }
    if (s->events == 0) {
        fprintf(f, "\nNo failed handshakes found.\n");
        return ferror(f) ? TD_E_IO : 0;
    }
    size_t nc = sorted_causes(s, causes);
    fprintf(f, "\n%scauses%s\n", b, rs);
    for (size_t i = 0; i < nc; i++) {
        fprintf(f, "  %10llu  %-32s %s\n", (unsigned long long)causes[i].count, causes[i].cause,
                td_cause_get(causes[i].cause)->meaning);
        fprintf(f, "              e.g. %s\n", causes[i].example);
    }
    size_t n = top_of(s->clients, TD_LOGS_CLIENTS, (size_t)(s->top < 64 ? s->top : 64), top);
    fprintf(f, "\n%stop clients%s\n", b, rs);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "  %10llu  %-40s %s\n", (unsigned long long)top[i].e->count, top[i].e->key,
                top[i].e->cause);
    }
    if (s->clients_overflow > 0) {
        fprintf(f, "  (%llu events from addresses beyond the table's capacity not ranked)\n",
                (unsigned long long)s->clients_overflow);
    }
    n = top_of(s->servers, TD_LOGS_SERVERS, (size_t)(s->top < 64 ? s->top : 64), top);
    fprintf(f, "\n%stop servers%s\n", b, rs);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "  %10llu  %-40s %s\n", (unsigned long long)top[i].e->count, top[i].e->key,
                top[i].e->cause);
    }
    td_logs_hour_t *hours = td_calloc(TD_LOGS_HOURS, sizeof(*hours));
    if (hours != NULL) {
        size_t nh = sorted_hours(s, hours);
        fprintf(f, "\n%sper hour%s\n", b, rs);
        for (size_t i = nh > 48 ? nh - 48 : 0; i < nh; i++) {
            char h[32];
            td_fmt_utc(h, sizeof(h), "%Y-%m-%d %H:00Z", (hours[i].hour) * 3600);
            fprintf(f, "  %s  %10llu\n", h, (unsigned long long)hours[i].count);
        }
        if (nh > 48) {
            fprintf(f, "  (last 48 of %zu hours)\n", nh);
        }
        td_free(hours);
    }
    interp_t in[3];
    size_t ni = interpret(s, in, 3);
    fprintf(f, "\n%sinterpretation%s\n", b, rs);
    for (size_t i = 0; i < ni; i++) {
        fprintf(f, "  - %s\n    confirm: %s\n", in[i].text, in[i].command);
    }
    return ferror(f) ? TD_E_IO : 0;
}

static json_t *pairs_json(const td_logs_pair_t *t, size_t cap, int topn)
{
    ranked_t top[64];
    json_t *a = json_array();
    size_t n = top_of(t, cap, (size_t)(topn < 64 ? topn : 64), top);
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(a, json_pack("{s:s, s:s, s:I}", "address", top[i].e->key, "cause",
                                           top[i].e->cause, "count", (json_int_t)top[i].e->count));
    }
    return a;
}

int td_logs_summary_write_json(const td_logs_summary_t *s, FILE *f)
{
    td_logs_cause_count_t causes[TD_LOGS_CAUSES];
    size_t nc = sorted_causes(s, causes);
    json_t *jc = json_array();
    for (size_t i = 0; i < nc; i++) {
        const td_cause_t *c = td_cause_get(causes[i].cause);
        json_array_append_new(jc, json_pack("{s:s, s:I, s:s, s:s}", "cause", causes[i].cause,
                                            "count", (json_int_t)causes[i].count, "meaning",
                                            c->meaning, "example", causes[i].example));
    }
    json_t *jh = json_array();
    td_logs_hour_t *hours = td_calloc(TD_LOGS_HOURS, sizeof(*hours));
    if (hours != NULL) {
        size_t nh = sorted_hours(s, hours);
        for (size_t i = 0; i < nh; i++) {
            json_array_append_new(jh, json_pack("{s:I, s:I}", "hour_start",
                                                (json_int_t)(hours[i].hour * 3600), "count",
                                                (json_int_t)hours[i].count));
        }
        td_free(hours);
    }
    interp_t in[3];
    size_t ni = interpret(s, in, 3);
    json_t *ji = json_array();
    for (size_t i = 0; i < ni; i++) {
        json_array_append_new(
                ji, json_pack("{s:s, s:s}", "text", in[i].text, "confirm", in[i].command));
    }
    json_t *fm = json_array();
    for (int k = 1; k < TD_LOG__COUNT; k++) {
        if (s->formats[k] > 0) {
            json_array_append_new(fm, json_string(td_log_format_name((td_log_format_t)k)));
        }
    }
    json_t *doc = json_pack(
            "{s:s, s:i, s:I, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o, "
            "s:o, s:o}",
            "type", "summary", "schema_version", TD_SCHEMA_VERSION, "files", (json_int_t)s->files,
            "formats", fm, "bytes", (json_int_t)s->bytes, "lines", (json_int_t)s->lines,
            "bad_lines", (json_int_t)s->bad_lines, "read_errors", (json_int_t)s->read_errors,
            "events", (json_int_t)s->events, "before_since", (json_int_t)s->before_since, "causes",
            jc, "top_clients", pairs_json(s->clients, TD_LOGS_CLIENTS, s->top), "top_servers",
            pairs_json(s->servers, TD_LOGS_SERVERS, s->top), "per_hour", jh, "interpretation", ji);
    if (doc == NULL) {
        return TD_E_NOMEM;
    }
    int rc = json_dumpf(doc, f, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
    json_decref(doc);
    return rc != 0 || fputc('\n', f) == EOF ? TD_E_IO : 0;
}

int td_log_event_write_json(const td_log_event_t *ev, FILE *f)
{
    json_t *doc =
            json_pack("{s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:o, s:s}", "type", "event",
                      "format", ev->format, "file", ev->file != NULL ? ev->file : "", "line",
                      (json_int_t)ev->line, "time", (json_int_t)ev->time, "client", ev->client,
                      "server", ev->server, "cause", ev->cause, "side", ev->side, "alert",
                      ev->alert >= 0 ? json_integer(ev->alert) : json_null(), "reason", ev->reason);
    if (doc == NULL) {
        return TD_E_NOMEM;
    }
    int rc = json_dumpf(doc, f, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
    json_decref(doc);
    return rc != 0 || fputc('\n', f) == EOF ? TD_E_IO : 0;
}
