/* json.c: the JSON document of docs/json.md (schema_version 1), built with jansson.
 * Rendering only; field names are public contract and only ever appended. */
#include "report.h"

#include "../kb/kb.h"

#include <jansson.h>
#include <string.h>

static json_t *finding_json(const td_finding_t *x)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", x->id, "severity",
                     td_severity_name(x->severity), "layer", td_layer_name(x->layer), "title",
                     x->title, "cause", x->cause, "evidence", x->evidence, "fix", x->fix);
}

static json_t *tls_json(const td_obs_tls_t *t)
{
    if (t->step != TD_STEP_DONE) {
        return json_null();
    }
    json_t *j = json_pack("{s:b, s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:b, s:i, s:f}", "ok", t->ok,
                          "sni", t->sni, "version", t->version, "cipher", t->cipher, "group",
                          t->group, "alpn", t->alpn, "timed_out", t->timed_out,
                          "closed_without_alert", t->eof, "client_cert_requested",
                          t->cert_requested, "peer_certificates", t->peer_certs, "ms", t->ms);
    json_object_set_new(j, "alert_received",
                        t->alert_received >= 0 ? json_pack("{s:i, s:s}", "code", t->alert_received,
                                                           "name", td_alert_name(t->alert_received))
                                               : json_null());
    json_object_set_new(j, "alert_sent",
                        t->alert_sent >= 0 ? json_pack("{s:i, s:s}", "code", t->alert_sent, "name",
                                                       td_alert_name(t->alert_sent))
                                           : json_null());
    json_object_set_new(j, "openssl_error",
                        t->ossl_text[0] ? json_pack("{s:i, s:s}", "reason", t->ossl_reason, "text",
                                                    t->ossl_text)
                                        : json_null());
    json_object_set_new(j, "leaf_sha256", json_string(t->leaf_sha256));
    json_object_set_new(j, "leaf_matches_host", json_boolean(t->leaf_matches_host));
    return j;
}

static json_t *exchange_json(const td_obs_exchange_t *x)
{
    if (x->step != TD_STEP_DONE) {
        return json_null();
    }
    json_t *j =
            json_pack("{s:b, s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:f, s:f}", "connected",
                      x->connected, "connect", td_tcp_result_name(x->connect_result), "sent",
                      (json_int_t)x->sent, "received", (json_int_t)x->received, "ended",
                      td_read_end_name(x->end), "class", td_sniff_class_name(x->sniff.cls),
                      "protocol", x->sniff.proto != NULL ? x->sniff.proto : "none", "first_bytes",
                      x->sniff.printable, "first_byte_ms", x->first_byte_ms, "ms", x->ms);
    if (x->sniff.cls == TD_SNIFF_HTTP) {
        json_object_set_new(j, "http_status", json_integer(x->sniff.http_status));
        json_object_set_new(j, "plain_http_page", json_boolean(x->sniff.plain_http_page));
    }
    const td_server_flight_t *f = &x->flight;
    if (f->has_server_hello) {
        json_object_set_new(j, "server_hello",
                            json_pack("{s:s, s:s, s:s, s:b, s:s}", "version",
                                      td_version_name(f->version), "cipher",
                                      td_cipher_name(f->cipher), "group",
                                      f->group ? td_group_name(f->group) : "",
                                      "hello_retry_request", f->is_hrr, "alpn", f->alpn));
    }
    if (f->has_alert) {
        json_object_set_new(j, "alert",
                            json_pack("{s:i, s:i, s:s}", "level", f->alert_level, "code",
                                      f->alert_desc, "name", td_alert_name(f->alert_desc)));
    }
    if (f->decode_error) {
        json_object_set_new(j, "decode_error",
                            json_pack("{s:s, s:I}", "field", f->error_field, "offset",
                                      (json_int_t)f->error_offset));
    }
    return j;
}

static json_t *cert_json(const td_obs_cert_t *c)
{
    if (c->step != TD_STEP_DONE) {
        return json_null();
    }
    json_t *chain = json_array();
    for (int i = 0; i < c->n; i++) {
        const td_cert_info_t *x = &c->c[i];
        json_array_append_new(
                chain,
                json_pack("{s:s, s:s, s:s, s:I, s:I, s:s, s:i, s:s, s:s, s:b, s:b, s:b}", "subject",
                          x->subject, "issuer", x->issuer, "san", x->sans, "not_before",
                          (json_int_t)x->not_before, "not_after", (json_int_t)x->not_after,
                          "key_type", x->key_type, "key_bits", x->key_bits, "signature_algorithm",
                          x->sig_alg, "sha256", x->sha256, "is_ca", x->is_ca, "self_issued",
                          x->self_issued, "self_signed", x->self_signed));
    }
    return json_pack("{s:s, s:o, s:i, s:b, s:s, s:i, s:s, s:s, s:b, s:I}", "source",
                     c->source != NULL ? c->source : "", "chain", chain, "sent", c->sent,
                     "truncated", c->truncated, "trust_store", c->store, "verify_code",
                     c->verify_code, "verify_text", c->verify_text, "name_checked", c->name_checked,
                     "name_match", c->name_match, "checked_at", (json_int_t)c->now);
}

static json_t *layers_json(const td_report_t *r)
{
    json_t *a = json_array();
    char line[1024];
    for (int l = 0; l < TD_LAYER__COUNT; l++) {
        double ms = -1;
        td_layer_status_t s = td__layer_summary(r, (td_layer_t)l, line, sizeof(line), &ms);
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:o}", "layer",
                                           td_layer_name((td_layer_t)l), "status",
                                           td__layer_status_name(s), "summary", line, "ms",
                                           ms >= 0 ? json_real(ms) : json_null()));
    }
    return a;
}

static json_t *observations_json(const td_obs_t *o)
{
    json_t *dns = json_pack("{s:s, s:b, s:s, s:f}", "status",
                            o->dns.step == TD_STEP_SKIPPED ? "skipped"
                            : o->dns.step == TD_STEP_DONE  ? "done"
                                                           : "not_run",
                            "ok", o->dns.ok, "error", o->dns.error, "ms", o->dns.ms);
    json_t *addrs = json_array();
    for (int i = 0; i < o->dns.n_addrs; i++) {
        json_array_append_new(addrs, json_string(o->dns.addrs[i]));
    }
    json_object_set_new(dns, "addresses", addrs);
    json_t *cn = json_array();
    for (int i = 0; i < o->dns.n_cnames; i++) {
        json_array_append_new(cn, json_string(o->dns.cnames[i]));
    }
    json_object_set_new(dns, "cnames", cn);
    json_object_set_new(dns, "addresses_dropped", json_integer(o->dns.addrs_dropped));
    json_object_set_new(dns, "cnames_dropped", json_integer(o->dns.cnames_dropped));
    json_object_set_new(dns, "servers", json_string(o->dns.servers));
    json_t *hops = json_array();
    for (int i = 0; i < o->redirects.n; i++) {
        json_array_append_new(hops, json_pack("{s:s, s:i, s:s}", "url", o->redirects.hop[i].url,
                                              "status", o->redirects.hop[i].status, "location",
                                              o->redirects.hop[i].location));
    }
    json_t *peers = json_array();
    for (int i = 0; i < o->n_peers; i++) {
        const td_obs_peer_t *p = &o->peers[i];
        json_array_append_new(peers, json_pack("{s:s, s:b, s:s, s:s, s:s, s:b}", "address", p->addr,
                                               "ok", p->ok, "version", p->version, "leaf_sha256",
                                               p->leaf_sha256, "leaf_subject", p->leaf_subject,
                                               "leaf_matches_host", p->leaf_matches_host));
    }
    json_t *tcp = json_array();
    for (int i = 0; i < o->tcp.n; i++) {
        const td_obs_tcp_attempt_t *a = &o->tcp.a[i];
        json_array_append_new(tcp,
                              json_pack("{s:s, s:i, s:s, s:i, s:f}", "address", a->addr, "port",
                                        a->port, "result", td_tcp_result_name(a->result), "errno",
                                        a->err, "ms", a->ms));
    }
    json_t *http = json_null();
    if (o->http.step == TD_STEP_DONE) {
        const td_http_head_t *h = &o->http.head;
        http = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:f, s:I, s:f}", "result",
                         td_http_result_name(o->http.result), "status", h->status, "reason",
                         h->reason, "server", h->server, "date", h->date, "location", h->location,
                         "strict_transport_security", h->hsts, "ttfb_ms", o->http.ttfb_ms,
                         "server_date", (json_int_t)o->http.server_date, "ms", o->http.ms);
        json_object_set_new(http, "head",
                            json_pack("{s:I, s:b, s:b, s:s, s:I}", "bytes",
                                      (json_int_t)o->http.head_bytes, "complete",
                                      o->http.head_complete, "capped", o->http.head_capped, "ended",
                                      td_read_end_name(o->http.head_end), "longest_line",
                                      (json_int_t)o->http.longest_line));
    }
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
                     "dns", dns, "other_addresses", peers, "redirects", hops, "tcp", tcp, "sniff",
                     exchange_json(&o->sniff), "plain_http", exchange_json(&o->plain), "port80",
                     exchange_json(&o->port80), "hello_tls12", exchange_json(&o->tls12),
                     "small_mss", exchange_json(&o->small_mss), "tls", tls_json(&o->tls),
                     "tls_legacy", tls_json(&o->legacy), "tls_no_sni", tls_json(&o->nosni),
                     "certificate", cert_json(&o->cert), "http", http);
}

/* What the quick profile did not check (docs/json.md "profile"). */
static const char *const quick_not_checked[] = {
    "http",      "other_addresses", "no_sni", "plain_http_on_tls_port", "port80", "tls12_hello",
    "small_mss", "clients",         "matrix"
};

/* The document of docs/json.md; NULL when a field could not be encoded. */
static json_t *report_doc(const td_report_t *r)
{
    const td_obs_t *o = &r->obs;
    td_severity_t worst = td_report_worst(r);
    json_t *findings = json_array();
    for (size_t i = 0; i < r->n; i++) {
        json_array_append_new(findings, finding_json(&r->f[i].pub));
    }
    json_t *doc = json_pack(
            "{s:i, s:{s:s, s:s}, s:{s:s, s:i, s:s, s:s, s:s}, s:s, s:i, s:o, s:o, s:o, s:o, "
            "s:f, s:b}",
            "schema_version", TD_SCHEMA_VERSION, "tool", "name", "tlsdoctor", "version", TD_VERSION,
            "target", "host", o->host, "port", o->port, "path", o->path, "sni", o->sni,
            "connect_to", o->connect_to, "verdict",
            worst == TD_SEV_OK ? "healthy" : td_severity_name(worst), "exit_code",
            td_report_exit_code(r), "root_cause",
            r->has_root ? finding_json(&r->f[0].pub) : json_null(), "findings", findings, "layers",
            layers_json(r), "observations", observations_json(o), "total_ms", o->total_ms,
            "deadline_hit", o->deadline_hit);
    if (doc == NULL) {
        return NULL;
    }
    json_t *px = json_array();
    for (size_t i = 0; i < r->n_proxies; i++) {
        const td_proxy_outcome_t *p = &r->proxies[i];
        json_array_append_new(px, json_pack("{s:s, s:s, s:s, s:s}", "proxy", p->proxy, "mode",
                                            p->mode, "result", p->result, "why", p->why));
    }
    json_object_set_new(doc, "proxies", px);
    json_object_set_new(doc, "recommended", json_string(r->recommended));
    json_object_set_new(doc, "server_software",
                        r->server_software != NULL
                                ? json_pack("{s:s, s:s}", "name", r->server_software, "evidence",
                                            r->server_evidence)
                                : json_null());
    json_object_set_new(doc, "matrix", td__matrix_json(r));
    json_object_set_new(doc, "clients", td__clients_json(r));
    if (o->quick) { /* only then: the full profile's document is unchanged */
        json_t *nc = json_array();
        for (size_t i = 0; i < TD_ARRAY_LEN(quick_not_checked); i++) {
            json_array_append_new(nc, json_string(quick_not_checked[i]));
        }
        json_object_set_new(doc, "profile", json_string("quick"));
        json_object_set_new(doc, "not_checked", nc);
    }
    return doc;
}

int td_report_write_json(const td_report_t *r, FILE *f)
{
    json_t *doc = report_doc(r);
    if (doc == NULL) {
        return TD_E_INTERNAL; /* a field could not be encoded (or out of memory) */
    }
    int rc = json_dumpf(doc, f,
                        JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII |
                                JSON_REAL_PRECISION(6));
    json_decref(doc);
    if (rc != 0 || fputc('\n', f) == EOF) {
        return TD_E_IO;
    }
    return 0;
}

char *td__report_json_line(const td_report_t *r, const char *target_line)
{
    json_t *doc = report_doc(r);
    if (doc == NULL) {
        return NULL;
    }
    if (target_line != NULL) {
        json_object_set_new(doc, "target_line", json_string(target_line));
    }
    json_object_set_new(doc, "profile", json_string(r->obs.quick ? "quick" : "full"));
    char *s = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII |
                                      JSON_REAL_PRECISION(6));
    json_decref(doc);
    return s;
}

int td_report_write_json_line(const td_report_t *r, const char *target_line, FILE *f)
{
    char *s = td__report_json_line(r, target_line);
    if (s == NULL) {
        return TD_E_INTERNAL;
    }
    int rc = fputs(s, f) == EOF || fputc('\n', f) == EOF ? TD_E_IO : 0;
    td_free(s); /* jansson's default allocator is malloc */
    return rc;
}
