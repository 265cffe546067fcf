/* matrix.c: renders the handshake matrix and the client table, as text and as the "matrix"
 * member of the JSON document (docs/json.md). Rendering only. */
#include "report.h"

#include "../kb/kb.h"

#include <jansson.h>
#include <string.h>

static void group_list(const uint16_t *g, int n, char *out, size_t cap)
{
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        td_fmt_append(out, cap, "%s%s", i ? ", " : "", td_group_name(g[i]));
    }
    if (n == 0) {
        td_fmt(out, cap, "none");
    }
}

static void sni_text(const td_mx_sni_t *s, char *out, size_t cap)
{
    char rt[120];
    if (!s->ran) {
        td_fmt(out, cap, "not asked");
        return;
    }
    (void)td_mx_reply_text(&s->r, rt, sizeof(rt));
    if (!s->has_cert) {
        td_fmt(out, cap, "%s", rt);
        return;
    }
    td_fmt(out, cap, "certificate %.16s… %s, %s (%s)", s->leaf_sha256, s->subject,
           s->covers_host ? "valid for the host" : "NOT valid for the host",
           s->sans[0] ? s->sans : "no SANs");
}

void td__matrix_write_text(const td_report_t *r, FILE *f, int color)
{
    const td_obs_matrix_t *m = &r->obs.matrix;
    const char *bold = color ? "\033[1m" : "", *rs = color ? "\033[0m" : "";
    const char *green = color ? "\033[32m" : "";
    char buf[512];
    if (m->step != TD_STEP_DONE) {
        if (m->skip_reason != NULL) {
            fprintf(f, "\n%shandshake matrix%s: not run: %s\n", bold, rs, m->skip_reason);
        }
        return;
    }
    fprintf(f,
            "\n%shandshake matrix%s (%d connections, %d of them real clients' hellos, at "
            "most %d at once, %.0f ms)\n",
            bold, rs, m->connections, m->client_connections, m->parallel, m->ms);
    for (int i = TD_MX_NVERSIONS - 1; i >= 0; i--) {
        const td_mx_version_t *v = &m->v[i];
        if (v->n_suites == 0) {
            if (v->first.end == TD_MX_HELLO && v->first.version != v->version) {
                td_fmt(buf, sizeof(buf), "the server answered with %s",
                       td_version_name(v->first.version));
            } else {
                (void)td_mx_reply_text(&v->first, buf, sizeof(buf));
            }
            fprintf(f, "  %-8s no   (%s)\n", td_version_name(v->version), buf);
            continue;
        }
        fprintf(f, "  %-8s %syes%s  %d suite%s, %s order%s\n", td_version_name(v->version), green,
                rs, v->n_suites, v->n_suites == 1 ? "" : "s",
                v->order == 1   ? "server's"
                : v->order == 0 ? "client's"
                                : "unknown",
                v->truncated ? " (list cut short)" : "");
        for (int k = 0; k < v->n_suites; k++) {
            const td_cipher_info_t *ci = td_cipher_info(v->suites[k]);
            fprintf(f, "             0x%04x %-46s%s\n", v->suites[k], td_cipher_name(v->suites[k]),
                    td_cipher_is_weak(v->suites[k])     ? " weak"
                    : td_cipher_is_modern(v->suites[k]) ? ""
                    : ci != NULL                        ? " legacy"
                                                        : "");
        }
    }
    group_list(m->groups13, m->n_groups13, buf, sizeof(buf));
    fprintf(f, "  groups   TLS 1.3: %s\n", buf);
    group_list(m->groups12, m->n_groups12, buf, sizeof(buf));
    fprintf(f, "           TLS 1.2 ECDHE: %s\n", buf);
    if (m->p256_share.end != TD_MX_NOT_RUN) {
        (void)td_mx_reply_text(&m->p256_share, buf, sizeof(buf));
        fprintf(f, "           a P-256 key share with x25519 offered: %s\n", buf);
    }
    (void)td_mx_reply_text(&m->alpn_h2, buf, sizeof(buf));
    fprintf(f, "  ALPN     h2,http/1.1 -> %s; ", m->alpn_h2.alpn[0] ? m->alpn_h2.alpn : buf);
    (void)td_mx_reply_text(&m->alpn_http11, buf, sizeof(buf));
    fprintf(f, "http/1.1 -> %s\n",
            m->alpn_http11.alpn[0]              ? m->alpn_http11.alpn
            : m->alpn_http11.end == TD_MX_HELLO ? "(none selected)"
                                                : buf);
    const td_mx_sni_t *sn[3] = { &m->sni_host, &m->sni_none, &m->sni_wrong };
    const char *lab[3] = { "right name", "no SNI", "wrong name" };
    for (int i = 0; i < 3; i++) {
        sni_text(sn[i], buf, sizeof(buf));
        fprintf(f, "  %s %-10s %s\n", i == 0 ? "SNI     " : "        ", lab[i], buf);
    }
    (void)td_mx_reply_text(&m->modern, buf, sizeof(buf));
    fprintf(f, "  hello    TLS 1.3-style (%zu bytes): %s\n", m->modern.sent, buf);
    (void)td_mx_reply_text(&m->large, buf, sizeof(buf));
    fprintf(f, "           larger than a packet (%zu bytes): %s\n", m->large.sent, buf);
    td__clients_write_text(r, f, color);
}

static json_t *reply_json(const td_mx_reply_t *r)
{
    if (r->end == TD_MX_NOT_RUN) {
        return json_null();
    }
    json_t *j = json_pack("{s:s, s:I}", "result", td_mx_end_name(r->end), "hello_bytes",
                          (json_int_t)r->sent);
    if (r->end == TD_MX_HELLO) {
        json_object_set_new(j, "version", json_string(td_version_name(r->version)));
        json_object_set_new(j, "cipher", json_string(td_cipher_name(r->cipher)));
        json_object_set_new(j, "group",
                            r->group ? json_string(td_group_name(r->group)) : json_null());
        json_object_set_new(j, "hello_retry_request", json_boolean(r->hrr));
        json_object_set_new(j, "alpn", json_string(r->alpn));
    }
    if (r->alert >= 0) {
        json_object_set_new(
                j, "alert",
                json_pack("{s:i, s:s}", "code", r->alert, "name", td_alert_name(r->alert)));
    }
    if (r->end == TD_MX_MALFORMED) {
        json_object_set_new(j, "malformed", json_string(r->malformed));
    }
    return j;
}

static json_t *groups_json(const uint16_t *g, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++) {
        json_array_append_new(a, json_string(td_group_name(g[i])));
    }
    return a;
}

static json_t *sni_json(const td_mx_sni_t *s)
{
    if (!s->ran) {
        return json_null();
    }
    json_t *j = json_pack("{s:s, s:o, s:b}", "name", s->name, "reply", reply_json(&s->r),
                          "via_openssl", s->via_openssl);
    if (s->has_cert) {
        json_object_set_new(j, "leaf",
                            json_pack("{s:s, s:s, s:s, s:b}", "sha256", s->leaf_sha256, "subject",
                                      s->subject, "sans", s->sans, "valid_for_host",
                                      s->covers_host));
    }
    return j;
}

json_t *td__matrix_json(const td_report_t *r)
{
    const td_obs_matrix_t *m = &r->obs.matrix;
    if (m->step != TD_STEP_DONE) {
        return m->skip_reason != NULL ? json_pack("{s:s}", "skipped", m->skip_reason) : json_null();
    }
    json_t *versions = json_array();
    for (int i = 0; i < TD_MX_NVERSIONS; i++) {
        const td_mx_version_t *v = &m->v[i];
        json_t *suites = json_array();
        for (int k = 0; k < v->n_suites; k++) {
            const td_cipher_info_t *ci = td_cipher_info(v->suites[k]);
            json_array_append_new(suites,
                                  json_pack("{s:i, s:s, s:s, s:b, s:b}", "code", v->suites[k],
                                            "iana", td_cipher_name(v->suites[k]), "openssl",
                                            ci != NULL ? ci->openssl : "", "modern",
                                            td_cipher_is_modern(v->suites[k]), "weak",
                                            td_cipher_is_weak(v->suites[k])));
        }
        json_array_append_new(versions, json_pack("{s:s, s:b, s:o, s:s, s:b, s:o}", "version",
                                                  td_version_name(v->version), "accepted",
                                                  v->n_suites > 0, "suites", suites, "order",
                                                  v->order == 1   ? "server"
                                                  : v->order == 0 ? "client"
                                                                  : "unknown",
                                                  "truncated", v->truncated, "first_reply",
                                                  reply_json(&v->first)));
    }
    json_t *clients = td__clients_json(r);
    return json_pack("{s:i, s:i, s:i, s:f, s:o, s:{s:o, s:o, s:o, s:o}, s:{s:o, s:o}, "
                     "s:{s:o, s:o, s:o}, s:{s:o, s:o}, s:o}",
                     "connections", m->connections, "client_connections", m->client_connections,
                     "parallel", m->parallel, "ms", m->ms, "versions", versions, "groups", "tls13",
                     groups_json(m->groups13, m->n_groups13), "tls12",
                     groups_json(m->groups12, m->n_groups12), "empty_key_share",
                     reply_json(&m->hrr_probe), "p256_share", reply_json(&m->p256_share), "alpn",
                     "h2_http11", reply_json(&m->alpn_h2), "http11", reply_json(&m->alpn_http11),
                     "sni", "host", sni_json(&m->sni_host), "none", sni_json(&m->sni_none), "wrong",
                     sni_json(&m->sni_wrong), "tolerance", "tls13_style", reply_json(&m->modern),
                     "large", reply_json(&m->large), "clients", clients);
}
