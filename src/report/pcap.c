/* pcap.c (report): renders one captured connection as a JSON line and the capture summary as
 * text or JSON: counts by outcome and finding id, top failing clients, servers and SNI names,
 * versions and ciphers in use. Rendering only. */
#include "tlsdoctor.h"

#include "../passive/pcap.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static int dump_line(json_t *j, FILE *f)
{
    int rc = json_dumpf(j, f, JSON_COMPACT | JSON_ENSURE_ASCII) == 0 && fputc('\n', f) != EOF
                     ? 0
                     : TD_E_IO;
    json_decref(j);
    return rc;
}

static json_t *u16_array(const uint16_t *v, int n, int skip_grease)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++) {
        if (!skip_grease || !td_is_grease(v[i])) {
            json_array_append_new(a, json_integer(v[i]));
        }
    }
    return a;
}

int td_pcap_conn_write_json(const td_pcap_conn_t *c, FILE *f)
{
    const td_client_flight_t *ch = &c->ch;
    const td_server_flight_t *sh = &c->sh;
    json_t *j = json_pack("{s:s, s:f, s:f, s:s, s:i, s:s, s:i, s:s, s:o}", "type", "connection",
                          "ts", c->t.ts_first, "duration", c->t.ts_last - c->t.ts_first, "client",
                          c->t.client, "client_port", c->t.cport, "server", c->t.server,
                          "server_port", c->t.sport, "outcome", c->outcome, "finding",
                          c->finding ? json_string(c->finding) : json_null());
    json_object_set_new(j, "evidence", json_string(c->evidence));
    json_object_set_new(j, "preamble_bytes", json_integer((json_int_t)c->preamble_client));
    json_object_set_new(
            j, "tcp",
            json_pack("{s:b, s:b, s:b, s:b, s:b, s:b, s:I, s:I, s:i, s:i, s:b, s:b}", "syn",
                      c->t.syn, "syn_ack", c->t.synack, "fin_client", c->t.fin_client, "fin_server",
                      c->t.fin_server, "rst_client", c->t.rst_client, "rst_server", c->t.rst_server,
                      "bytes_client", (json_int_t)c->t.bytes_client, "bytes_server",
                      (json_int_t)c->t.bytes_server, "retrans_client", c->t.retrans_client,
                      "retrans_server", c->t.retrans_server, "gap",
                      c->t.gap_client || c->t.gap_server, "ended_idle", c->t.evicted_idle));
    if (ch->has_hello) {
        json_t *h = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:s, s:s, s:s, s:s}", "sni", ch->sni,
                              "legacy_version", td_version_name(ch->legacy_version), "versions",
                              u16_array(ch->versions, ch->n_versions, 1), "ciphers",
                              u16_array(ch->ciphers, ch->n_ciphers, 1), "groups",
                              u16_array(ch->groups, ch->n_groups, 1), "extensions",
                              u16_array(ch->exts, ch->n_exts, 1), "alpn", ch->alpn, "ja3", c->ja3,
                              "ja3_md5", c->ja3_md5, "ja4", c->ja4);
        json_object_set_new(j, "client_hello", h);
    } else {
        json_object_set_new(j, "client_hello", json_null());
    }
    if (sh->has_server_hello) {
        json_object_set_new(j, "server_hello",
                            json_pack("{s:s, s:s, s:i, s:s, s:b, s:s, s:s}", "version",
                                      td_version_name(sh->version), "cipher",
                                      td_cipher_name(sh->cipher), "cipher_id", sh->cipher, "group",
                                      td_group_name(sh->group), "hello_retry_request", sh->is_hrr,
                                      "alpn", sh->alpn, "ja4s", c->ja4s));
    } else {
        json_object_set_new(j, "server_hello", json_null());
    }
    json_t *alerts = json_array();
    if (ch->has_alert) {
        json_array_append_new(alerts, json_pack("{s:s, s:i, s:i}", "from", "client", "level",
                                                ch->alert_level, "description", ch->alert_desc));
    }
    if (sh->has_alert) {
        json_array_append_new(alerts, json_pack("{s:s, s:i, s:i}", "from", "server", "level",
                                                sh->alert_level, "description", sh->alert_desc));
    }
    json_object_set_new(j, "alerts", alerts);
    json_t *certs = json_array();
    for (int i = 0; i < c->n_certs; i++) {
        json_array_append_new(certs,
                              json_pack("{s:s, s:s, s:s, s:I, s:I}", "subject", c->certs[i].subject,
                                        "issuer", c->certs[i].issuer, "sans", c->certs[i].sans,
                                        "not_before", (json_int_t)c->certs[i].not_before,
                                        "not_after", (json_int_t)c->certs[i].not_after));
    }
    json_object_set_new(j, "certificates", certs);
    return dump_line(j, f);
}

static int by_n(const void *a, const void *b)
{
    const td_pcap_count_t *x = a, *y = b;
    return x->n < y->n ? 1 : x->n > y->n ? -1 : strcmp(x->key, y->key);
}

static size_t sorted(const td_pcap_top_t *t, td_pcap_count_t *out, int top)
{
    memcpy(out, t->row, t->used * sizeof(*out));
    qsort(out, t->used, sizeof(*out), by_n);
    return t->used < (size_t)top ? t->used : (size_t)top;
}

static json_t *top_json(const td_pcap_top_t *t, int top)
{
    td_pcap_count_t rows[TD_PCAP_TOP];
    size_t n = sorted(t, rows, top);
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(
                a, json_pack("{s:s, s:I}", "key", rows[i].key, "count", (json_int_t)rows[i].n));
    }
    return a;
}

int td_pcap_summary_write_json(const td_pcap_summary_t *s, FILE *f)
{
    json_t *j = json_pack(
            "{s:s, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:s}", "type",
            "summary", "schema_version", 1, "files", (json_int_t)s->files, "bytes",
            (json_int_t)s->bytes, "packets", (json_int_t)s->packets, "connections",
            (json_int_t)s->conns, "tls_connections", (json_int_t)s->tls_conns, "failures",
            (json_int_t)td_pcap_summary_failures(s), "non_ip", (json_int_t)s->non_ip, "non_tcp",
            (json_int_t)s->non_tcp, "ip_fragments", (json_int_t)s->fragments, "peak_flows",
            (json_int_t)s->peak_flows, "link_types", s->link_types, "read_error", s->first_error);
    json_object_set_new(j, "evicted_flows", json_integer((json_int_t)s->evicted_full));
    json_object_set_new(j, "truncated_packets", json_integer((json_int_t)s->truncated_packets));
    json_object_set_new(j, "outcomes", top_json(&s->outcomes, TD_PCAP_TOP));
    json_object_set_new(j, "findings", top_json(&s->findings, TD_PCAP_TOP));
    json_object_set_new(j, "top_failing_clients", top_json(&s->fail_clients, s->top));
    json_object_set_new(j, "top_failing_servers", top_json(&s->fail_servers, s->top));
    json_object_set_new(j, "top_failing_sni", top_json(&s->fail_sni, s->top));
    json_object_set_new(j, "versions", top_json(&s->versions, s->top));
    json_object_set_new(j, "ciphers", top_json(&s->ciphers, s->top));
    json_object_set_new(j, "ja4", top_json(&s->ja4, s->top));
    return dump_line(j, f);
}

static void top_text(FILE *f, const char *title, const td_pcap_top_t *t, int top)
{
    td_pcap_count_t rows[TD_PCAP_TOP];
    size_t n = sorted(t, rows, top);
    if (n == 0) {
        return;
    }
    fprintf(f, "\n%s\n", title);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "  %10llu  %s\n", (unsigned long long)rows[i].n, rows[i].key);
    }
    if (t->other > 0) {
        fprintf(f, "  %10llu  (others)\n", (unsigned long long)t->other);
    }
}

int td_pcap_summary_write_text(const td_pcap_summary_t *s, FILE *f, int color)
{
    const char *b = color ? "\033[1m" : "", *r = color ? "\033[0m" : "";
    uint64_t fails = td_pcap_summary_failures(s);
    fprintf(f,
            "%stlsdoctor pcap%s  %zu file(s), %llu packets, %llu TCP connections (%llu with a "
            "ClientHello), %llu with a finding\n",
            b, r, s->files, (unsigned long long)s->packets, (unsigned long long)s->conns,
            (unsigned long long)s->tls_conns, (unsigned long long)fails);
    fprintf(f, "link: %s; skipped: %llu non-IP, %llu non-TCP, %llu IP fragments, %llu truncated\n",
            s->link_types[0] ? s->link_types : "-", (unsigned long long)s->non_ip,
            (unsigned long long)s->non_tcp, (unsigned long long)s->fragments,
            (unsigned long long)s->truncated_packets);
    if (s->first_error[0] != '\0') {
        fprintf(f, "read stopped early: %s\n", s->first_error);
    }
    if (s->evicted_full > 0) {
        fprintf(f, "note: %llu flows were evicted early to bound memory (peak %llu flows)\n",
                (unsigned long long)s->evicted_full, (unsigned long long)s->peak_flows);
    }
    top_text(f, "outcomes", &s->outcomes, TD_PCAP_TOP);
    top_text(f, "findings", &s->findings, TD_PCAP_TOP);
    top_text(f, "failing clients", &s->fail_clients, s->top);
    top_text(f, "failing servers", &s->fail_servers, s->top);
    top_text(f, "failing SNI names", &s->fail_sni, s->top);
    top_text(f, "versions chosen", &s->versions, s->top);
    top_text(f, "ciphers chosen", &s->ciphers, s->top);
    top_text(f, "client fingerprints (JA4)", &s->ja4, s->top);
    if (fails > 0) {
        fprintf(f, "\nnext: tlsdoctor pcap FILE --json | grep '\"finding\":\"ID\"' lists those "
                   "connections; tlsdoctor SERVER:PORT diagnoses a server now.\n");
    }
    return ferror(f) ? TD_E_IO : 0;
}

/* The top lists for the other summaries that count with td_pcap_top_t (listen). */
void td__pcap_top_write_text(FILE *f, const char *title, const td_pcap_top_t *t, int top)
{
    top_text(f, title, t, top);
}

struct json_t *td__pcap_top_json(const td_pcap_top_t *t, int top)
{
    return top_json(t, top);
}
