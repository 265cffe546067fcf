/* explain.c (report): renders an explanation as text or JSON, with the next command filled in
 * with the host and port the input named. Rendering only. */
#include "tlsdoctor.h"

#include "../diagnose/explain.h"
#include "../kb/causes.h"

#include <jansson.h>
#include <string.h>

static void next_cmd(const td_explain_t *x, const char *tpl, char *out, size_t cap)
{
    char hostport[200];
    out[0] = '\0';
    if (x->host[0] == '\0') {
        td_strlcpy(out, tpl, cap);
        return;
    }
    td_fmt(hostport, sizeof(hostport), "%s:%s", x->host, x->port);
    for (const char *p = tpl; *p != '\0';) {
        if (strncmp(p, "HOST:PORT", 9) == 0) {
            td_fmt_append(out, cap, "%s", hostport);
            p += 9;
        } else if (strncmp(p, "HOST", 4) == 0) {
            td_fmt_append(out, cap, "%s", x->host);
            p += 4;
        } else {
            td_fmt_append(out, cap, "%c", *p);
            p++;
        }
    }
}

static void code_text(const td_kb_entry_t *e, char *buf, size_t cap)
{
    buf[0] = '\0';
    if (e->number != -1 && e->kind != TD_KB_CLOUDFLARE && e->kind != TD_KB_HTTP &&
        e->kind != TD_KB_CURL) {
        td_fmt(buf, cap, " (%d)", e->number);
    }
}

int td_explain_write_text(const td_explain_t *x, FILE *f, int color)
{
    const char *b = color ? "\033[1m" : "", *rs = color ? "\033[0m" : "";
    char cmd[400], code[24];
    fprintf(f, "%sexplain%s: \"%s\"%s\n", b, rs, x->input,
            x->input_len > 150 ? " (shortened)" : "");
    if (x->from_log) {
        const td_cause_t *c = td_cause_get(x->log_cause);
        fprintf(f, "\n%s log line: %s%s%s\n  %s\n  reason in the line: %s\n", x->log_format, b,
                c->id, rs, c->meaning, x->log_reason);
        fprintf(f, "  likely: %s\n", c->likely);
        if (x->host[0] != '\0') {
            fprintf(f, "  server named in the line: %s:%s\n", x->host, x->port);
        }
    }
    for (size_t i = 0; i < x->n; i++) {
        const td_kb_entry_t *e = x->m[i].entry;
        code_text(e, code, sizeof(code));
        fprintf(f, "\n%s%s%s%s  [%s%s]\n  %s\n", b, e->name, code, rs, td_kb_kind_name(e->kind),
                strcmp(x->m[i].how, "fuzzy") == 0 ? ", closest match to what you typed" : "",
                e->meaning);
        fprintf(f, "  likely causes, most likely first:\n");
        for (size_t k = 0; k < TD_KB_MAX_CAUSES && e->causes[k] != NULL; k++) {
            fprintf(f, "    %zu. %s\n", k + 1, e->causes[k]);
        }
        if (e->findings[0] != '\0') {
            fprintf(f, "  tlsdoctor finding ids: %s\n", e->findings);
        }
        if (e->tells != NULL) {
            fprintf(f, "  what tells them apart: %s\n", e->tells);
        }
        if (e->check != NULL) {
            next_cmd(x, e->check, cmd, sizeof(cmd));
            fprintf(f, "  check: %s\n", cmd);
        }
        next_cmd(x, e->next, cmd, sizeof(cmd));
        fprintf(f, "  next: %s\n", cmd);
    }
    if (x->host[0] != '\0' && !x->from_log) {
        fprintf(f, "\nserver named in the input: %s:%s\n", x->host, x->port);
    }
    if (td_explain_match_count(x) == 0) {
        fprintf(f, "\nunknown: no entry matches this input.\n");
        if (x->n_suggest > 0) {
            fprintf(f, "closest entries:");
            for (size_t i = 0; i < x->n_suggest; i++) {
                fprintf(f, "%s %s", i ? "," : "", x->suggest[i]->name);
            }
            fprintf(f, "\n");
        }
        fprintf(f, "Try a code or message as it was shown, e.g.: tlsdoctor explain 525 | "
                   "'alert 40' | ERR_SSL_PROTOCOL_ERROR | 'verify error:num=20' | "
                   "'curl: (35)' | a whole log line\n");
    }
    return ferror(f) ? TD_E_IO : 0;
}

int td_explain_write_json(const td_explain_t *x, FILE *f)
{
    char cmd[400];
    json_t *ms = json_array();
    for (size_t i = 0; i < x->n; i++) {
        const td_kb_entry_t *e = x->m[i].entry;
        json_t *causes = json_array();
        for (size_t k = 0; k < TD_KB_MAX_CAUSES && e->causes[k] != NULL; k++) {
            json_array_append_new(causes, json_string(e->causes[k]));
        }
        char check[400];
        if (e->check != NULL) {
            next_cmd(x, e->check, check, sizeof(check));
        }
        next_cmd(x, e->next, cmd, sizeof(cmd));
        json_array_append_new(
                ms, json_pack("{s:s, s:s, s:o, s:s, s:s, s:o, s:s, s:s, s:o, s:o}", "kind",
                              td_kb_kind_name(e->kind), "name", e->name, "code",
                              e->number != -1 ? json_integer(e->number) : json_null(), "match",
                              x->m[i].how, "meaning", e->meaning, "likely_causes", causes,
                              "finding_ids", e->findings, "next", cmd, "distinguishing_fact",
                              e->tells != NULL ? json_string(e->tells) : json_null(), "check",
                              e->check != NULL ? json_string(check) : json_null()));
    }
    json_t *sug = json_array();
    for (size_t i = 0; i < x->n_suggest; i++) {
        json_array_append_new(sug, json_string(x->suggest[i]->name));
    }
    json_t *log = json_null();
    if (x->from_log) {
        const td_cause_t *c = td_cause_get(x->log_cause);
        log = json_pack("{s:s, s:s, s:s, s:s, s:s}", "format", x->log_format, "cause", c->id,
                        "meaning", c->meaning, "likely", c->likely, "reason", x->log_reason);
    }
    json_t *doc = json_pack(
            "{s:i, s:s, s:b, s:o, s:o, s:o, s:o}", "schema_version", TD_SCHEMA_VERSION, "input",
            x->input, "known", td_explain_match_count(x) > 0, "log_line", log, "target",
            x->host[0] ? json_pack("{s:s, s:s}", "host", x->host, "port", x->port) : json_null(),
            "matches", ms, "suggestions", sug);
    if (doc == NULL) {
        return TD_E_NOMEM;
    }
    int rc = json_dumpf(doc, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
    json_decref(doc);
    return rc != 0 || fputc('\n', f) == EOF ? TD_E_IO : 0;
}
