/* clients.c: the client table (who connects, who does not, and why) in text and JSON, for
 * every run and for the matrix. Rendering only. */
#include "report.h"

#include "../kb/kb.h"

#include <jansson.h>
#include <string.h>

void td__clients_write_text(const td_report_t *r, FILE *f, int color)
{
    const char *bold = color ? "\033[1m" : "", *rs = color ? "\033[0m" : "";
    const char *red = color ? "\033[31m" : "", *green = color ? "\033[32m" : "";
    const char *dim = color ? "\033[2m" : "";
    char buf[160];
    if (r->n_clients == 0) {
        return;
    }
    fprintf(f,
            "\n%sclients%s (how each was judged: its own handshake, its own hello, or a "
            "prediction from the matrix)\n",
            bold, rs);
    for (int i = 0; i < r->n_clients; i++) {
        const td_client_verdict_t *c = &r->clients[i];
        if (!c->known) {
            continue;
        }
        if (c->ok) {
            td_fmt(buf, sizeof(buf), "%s%s%s%s%s", td_version_name(c->version),
                   c->cipher ? " " : "", c->cipher ? td_cipher_name(c->cipher) : "",
                   c->group ? " " : "", c->group ? td_group_name(c->group) : "");
        }
        fprintf(f, "  %-46s %s%-4s%s %s%s%s %s(%s%s)%s\n", c->name, c->ok ? green : red,
                c->ok ? "ok" : "FAIL", rs, c->ok ? buf : c->why, c->ok && c->why[0] ? "; " : "",
                c->ok ? c->why : "", dim, c->basis != NULL ? c->basis : "?",
                c->legacy  ? ", legacy"
                : c->proxy ? ", proxy"
                           : "",
                rs);
    }
    int unknown = 0;
    for (int i = 0; i < r->n_clients; i++) {
        unknown += !r->clients[i].known;
    }
    if (unknown > 0) {
        fprintf(f,
                "  %s%d more client profile%s not observed in this run: tlsdoctor matrix HOST "
                "sends each one's hello%s\n",
                dim, unknown, unknown == 1 ? "" : "s", rs);
    }
}

json_t *td__clients_json(const td_report_t *r)
{
    json_t *a = json_array();
    for (int i = 0; i < r->n_clients; i++) {
        const td_client_verdict_t *c = &r->clients[i];
        json_t *j =
                json_pack("{s:s, s:s, s:b, s:b, s:b, s:o, s:s, s:b, s:b, s:s, s:s}", "id", c->id,
                          "name", c->name, "current", c->current, "legacy", c->legacy, "proxy",
                          c->proxy, "ok", c->known ? json_boolean(c->ok) : json_null(), "basis",
                          c->basis != NULL ? c->basis : "not_observed", "confirmed", c->confirmed,
                          "prediction_differed", c->mismatch, "why", c->why, "source", c->source);
        /* "connects": the matrix object's name for "ok" since schema 1. */
        json_object_set_new(j, "connects", c->known ? json_boolean(c->ok) : json_null());
        if (c->known && c->ok) {
            json_object_set_new(j, "version", json_string(td_version_name(c->version)));
            json_object_set_new(j, "cipher",
                                c->cipher ? json_string(td_cipher_name(c->cipher)) : json_null());
            json_object_set_new(j, "group",
                                c->group ? json_string(td_group_name(c->group)) : json_null());
        }
        json_array_append_new(a, j);
    }
    return a;
}
