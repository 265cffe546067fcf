/* listen.c (report): one client of `tlsdoctor listen` as text or a compact JSON line, and the
 * summary (clients by fingerprint and reaction, findings by id). Rendering only; every string
 * from a client was escaped when it was recorded. */
#include "tlsdoctor.h"

#include "../kb/kb.h"
#include "../listen/listen.h"

#include <jansson.h>
#include <string.h>

/* Names (or hex) of the non-GREASE values, at most show of them then "(+N more)". */
static void u16_names(char *out, size_t cap, const uint16_t *v, int n,
                      const char *(*name)(uint16_t), int show)
{
    int shown = 0, more = 0;
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (!td_is_grease(v[i]) && shown++ >= show) {
            more++;
        } else if (!td_is_grease(v[i])) {
            const char *s = name != NULL ? name(v[i]) : NULL;
            if (s != NULL && strcmp(s, "unknown") != 0) {
                td_fmt_append(out, cap, "%s%s", out[0] ? " " : "", s);
            } else {
                td_fmt_append(out, cap, "%s0x%04x", out[0] ? " " : "", (unsigned)v[i]);
            }
        }
    }
    if (more > 0) {
        td_fmt_append(out, cap, " (+%d more)", more);
    }
}

static int count_real(const uint16_t *v, int n)
{
    int k = 0;
    for (int i = 0; i < n; i++) {
        k += !td_is_grease(v[i]);
    }
    return k;
}

static void shares_text(const td_client_flight_t *h, char *out, size_t cap)
{
    out[0] = '\0';
    for (int i = 0; i < h->n_shares; i++) {
        if (!td_is_grease(h->share_groups[i])) {
            td_fmt_append(out, cap, "%s%s (%u bytes)", out[0] ? ", " : "",
                          td_group_name(h->share_groups[i]), (unsigned)h->share_lens[i]);
        }
    }
    if (out[0] == '\0') {
        td_strlcpy(out, "none", cap);
    }
}

static const char *sev_word(td_severity_t s)
{
    return s == TD_SEV_FAIL ? "FAIL" : s == TD_SEV_WARN ? "WARN" : s == TD_SEV_OK ? "info" : "?";
}

int td_listen_client_write_text(const td_listen_client_t *c, FILE *f, int color)
{
    const char *b = color ? "\033[1m" : "", *r = color ? "\033[0m" : "";
    const td_client_first_t *fi = &c->first;
    const td_client_flight_t *h = &fi->hello;
    fprintf(f, "%s#%lu %s:%u%s  %.0f ms  %s%s -> %s\n", b, c->index, c->peer, c->peer_port, r,
            c->ms, fi->proxy.version ? "PROXY header + " : "", td_first_kind_name(fi->kind),
            c->reaction != NULL ? c->reaction : "?");
    if (fi->proxy.version > 0) {
        fprintf(f, "  proxy    v%d %s %s:%u -> %s:%u%s\n", fi->proxy.version, fi->proxy.family,
                fi->proxy.src, fi->proxy.sport, fi->proxy.dst, fi->proxy.dport,
                fi->proxy.malformed ? " (malformed)" : "");
    }
    fprintf(f, "  sent     %s%s%s\n", td_first_kind_name(fi->kind),
            fi->kind == TD_FIRST_HTTP || fi->kind == TD_FIRST_H2C ? ": " : "",
            fi->kind == TD_FIRST_HTTP || fi->kind == TD_FIRST_H2C ? fi->request_line : "");
    if (fi->kind == TD_FIRST_OTHER || fi->kind == TD_FIRST_UNKNOWN) {
        fprintf(f, "           %s \"%s\"\n", fi->proto, fi->printable);
    }
    if (h->has_hello) {
        char v[200], list[1200], sh[300];
        u16_names(v, sizeof(v), h->versions, h->n_versions, td_version_name, 16);
        fprintf(f, "  hello    versions %s (legacy %s), SNI %s, ALPN %s\n",
                v[0] ? v : "(none: legacy only)", td_version_name(h->legacy_version),
                h->has_sni ? h->sni : "(none)", h->alpn[0] ? h->alpn : "(none)");
        u16_names(list, sizeof(list), h->ciphers, h->n_ciphers, td_cipher_name, 6);
        fprintf(f, "           %d suites: %s\n", count_real(h->ciphers, h->n_ciphers), list);
        u16_names(list, sizeof(list), h->groups, h->n_groups, td_group_name, 128);
        shares_text(h, sh, sizeof(sh));
        fprintf(f, "           groups: %s; key shares: %s\n", list[0] ? list : "(none)", sh);
        u16_names(list, sizeof(list), h->sigalgs, h->n_sigalgs, NULL, 128);
        fprintf(f, "           %d signature algorithms: %s\n", count_real(h->sigalgs, h->n_sigalgs),
                list[0] ? list : "(none)");
        u16_names(list, sizeof(list), h->exts, h->n_exts, NULL, 128);
        fprintf(f, "           %d extensions: %s\n", count_real(h->exts, h->n_exts), list);
        fprintf(f, "           %zu bytes in %d record%s, %d TCP segment%s (MSS %d)\n",
                c->hello_bytes, h->records, h->records == 1 ? "" : "s", c->hello_segments,
                c->hello_segments == 1 ? "" : "s", c->mss);
        fprintf(f, "           JA4 %s\n           JA4_r %s\n", c->ja4, c->ja4_r);
    }
    fprintf(f, "  reaction %s\n", c->reaction_text);
    for (int i = 0; i < c->n_findings; i++) {
        const char *col = !color                            ? ""
                          : c->f[i].severity == TD_SEV_FAIL ? "\033[31m"
                          : c->f[i].severity == TD_SEV_WARN ? "\033[33m"
                                                            : "";
        fprintf(f, "  %s%s%s %s  %s\n           %s\n           fix: %s\n", col,
                sev_word(c->f[i].severity), r, c->f[i].id, c->f[i].title, c->f[i].evidence,
                c->f[i].fix);
    }
    return ferror(f) ? TD_E_IO : 0;
}

static json_t *u16_array(const uint16_t *v, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++) {
        if (!td_is_grease(v[i])) {
            json_array_append_new(a, json_integer(v[i]));
        }
    }
    return a;
}

static json_t *hello_json(const td_listen_client_t *c)
{
    const td_client_flight_t *h = &c->first.hello;
    json_t *shares = json_array();
    for (int i = 0; i < h->n_shares; i++) {
        if (!td_is_grease(h->share_groups[i])) {
            json_array_append_new(shares, json_pack("{s:i, s:s, s:i}", "group", h->share_groups[i],
                                                    "name", td_group_name(h->share_groups[i]),
                                                    "bytes", h->share_lens[i]));
        }
    }
    json_t *versions = json_array();
    for (int i = 0; i < h->n_versions; i++) {
        if (!td_is_grease(h->versions[i])) {
            json_array_append_new(versions, json_string(td_version_name(h->versions[i])));
        }
    }
    json_t *j = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s}", "legacy_version",
                          td_version_name(h->legacy_version), "versions", versions, "ciphers",
                          u16_array(h->ciphers, h->n_ciphers), "groups",
                          u16_array(h->groups, h->n_groups), "key_shares", shares,
                          "signature_algorithms", u16_array(h->sigalgs, h->n_sigalgs), "extensions",
                          u16_array(h->exts, h->n_exts), "sni",
                          h->has_sni ? json_string(h->sni) : json_null(), "alpn", h->alpn);
    json_object_set_new(j, "ja4", json_string(c->ja4));
    json_object_set_new(j, "ja4_r", json_string(c->ja4_r));
    json_object_set_new(j, "bytes", json_integer((json_int_t)c->hello_bytes));
    json_object_set_new(j, "records", json_integer(h->records));
    json_object_set_new(j, "segments", json_integer(c->hello_segments));
    json_object_set_new(j, "mss", json_integer(c->mss));
    return j;
}

static json_t *alert_json(int a)
{
    return a < 0 ? json_null() : json_pack("{s:i, s:s}", "code", a, "name", td_alert_name(a));
}

int td_listen_client_write_json(const td_listen_client_t *c, FILE *f)
{
    const td_client_first_t *fi = &c->first;
    json_t *j = json_pack(
            "{s:s, s:I, s:s, s:i, s:I, s:f, s:I, s:b, s:s, s:s}", "type", "client", "index",
            (json_int_t)c->index, "peer", c->peer, "peer_port", c->peer_port, "time",
            (json_int_t)c->time, "ms", c->ms, "bytes", (json_int_t)c->bytes_in, "capped", c->capped,
            "reaction", c->reaction != NULL ? c->reaction : "?", "reaction_text", c->reaction_text);
    json_object_set_new(j, "first_bytes",
                        json_pack("{s:s, s:s, s:s}", "kind", td_first_kind_name(fi->kind), "proto",
                                  fi->proto, "printable", fi->printable));
    json_object_set_new(j, "request_line",
                        fi->request_line[0] ? json_string(fi->request_line) : json_null());
    json_object_set_new(j, "proxy",
                        fi->proxy.version == 0
                                ? json_null()
                                : json_pack("{s:i, s:b, s:s, s:s, s:i, s:s, s:i}", "version",
                                            fi->proxy.version, "malformed", fi->proxy.malformed,
                                            "family", fi->proxy.family, "src", fi->proxy.src,
                                            "sport", fi->proxy.sport, "dst", fi->proxy.dst, "dport",
                                            fi->proxy.dport));
    json_object_set_new(j, "client_hello", fi->hello.has_hello ? hello_json(c) : json_null());
    json_object_set_new(
            j, "handshake",
            !c->handshake_ran
                    ? json_null()
                    : json_pack("{s:b, s:s, s:s, s:s, s:s, s:o, s:o, s:b, s:b, s:s, s:o, s:i}",
                                "ok", c->handshake_ok, "version", c->version, "cipher", c->cipher,
                                "group", c->group, "alpn", c->alpn, "alert_received",
                                alert_json(c->alert_received), "alert_sent",
                                alert_json(c->alert_sent), "certificate_sent", c->cert_sent, "like",
                                c->like, "error", c->tls_error, "late_alert",
                                alert_json(c->late_alert), "late_encrypted_records",
                                c->late_encrypted));
    json_object_set_new(j, "request", c->request_seen ? json_string(c->request) : json_null());
    json_t *fs = json_array();
    for (int i = 0; i < c->n_findings; i++) {
        json_array_append_new(fs, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "id", c->f[i].id,
                                            "severity", td_severity_name(c->f[i].severity), "layer",
                                            td_layer_name(c->f[i].layer), "title", c->f[i].title,
                                            "evidence", c->f[i].evidence, "fix", c->f[i].fix));
    }
    json_object_set_new(j, "findings", fs);
    int rc = json_dumpf(j, f, JSON_COMPACT | JSON_ENSURE_ASCII) == 0 && fputc('\n', f) != EOF &&
                             fflush(f) == 0
                     ? 0
                     : TD_E_IO;
    json_decref(j);
    return rc;
}

int td_listen_summary_write_text(const td_listen_summary_t *s, FILE *f, int color)
{
    const char *b = color ? "\033[1m" : "", *r = color ? "\033[0m" : "";
    fprintf(f, "\n%sSummary%s: %llu client%s, %llu with a failure, %.1f s\n", b, r,
            (unsigned long long)s->clients, s->clients == 1 ? "" : "s",
            (unsigned long long)s->failures, s->ms / 1000.0);
    if (s->like[0] != '\0') {
        fprintf(f, "  %s\n", s->like);
    }
    td__pcap_top_write_text(f, "Clients by fingerprint (JA4, or what was sent) and reaction",
                            &s->fingerprints, TD_PCAP_TOP);
    td__pcap_top_write_text(f, "Reactions", &s->reactions, TD_PCAP_TOP);
    td__pcap_top_write_text(f, "Findings", &s->findings, TD_PCAP_TOP);
    td__pcap_top_write_text(f, "SNI", &s->sni, TD_PCAP_TOP);
    return ferror(f) ? TD_E_IO : 0;
}

int td_listen_summary_write_json(const td_listen_summary_t *s, FILE *f)
{
    json_t *j = json_pack("{s:s, s:i, s:I, s:I, s:f, s:s, s:s}", "type", "summary",
                          "schema_version", TD_SCHEMA_VERSION, "clients", (json_int_t)s->clients,
                          "failures", (json_int_t)s->failures, "ms", s->ms, "listening",
                          s->listening, "like", s->like);
    json_object_set_new(j, "fingerprints", td__pcap_top_json(&s->fingerprints, TD_PCAP_TOP));
    json_object_set_new(j, "reactions", td__pcap_top_json(&s->reactions, TD_PCAP_TOP));
    json_object_set_new(j, "findings", td__pcap_top_json(&s->findings, TD_PCAP_TOP));
    json_object_set_new(j, "sni", td__pcap_top_json(&s->sni, TD_PCAP_TOP));
    int rc = json_dumpf(j, f, JSON_COMPACT | JSON_ENSURE_ASCII) == 0 && fputc('\n', f) != EOF
                     ? 0
                     : TD_E_IO;
    json_decref(j);
    return rc;
}
