/* openmetrics.c: a report as OpenMetrics text for the exporter's /probe (docs/exporter.md).
 * Rendering only. Label values are finding ids, layer, version and client-profile names:
 * closed sets, never the target, and escaped all the same. */
#include "report.h"

#include "../util/td_util.h"

#include <string.h>

/* OpenMetrics label value: backslash, double quote and newline escaped. */
static void label(FILE *f, const char *v)
{
    for (; *v != '\0'; v++) {
        if (*v == '\\' || *v == '"') {
            fputc('\\', f);
            fputc(*v, f);
        } else if (*v == '\n') {
            fputs("\\n", f);
        } else {
            fputc(*v, f);
        }
    }
}

static void gauge(FILE *f, const char *name, const char *help)
{
    fprintf(f, "# TYPE %s gauge\n# HELP %s %s\n", name, name, help);
}

int td_report_write_openmetrics(const td_report_t *r, FILE *f)
{
    int code = td_report_exit_code(r);
    const td_finding_t *root = td_report_root_cause(r);

    gauge(f, "tlsdoctor_probe_success", "1 when the verdict is ok or warnings only");
    fprintf(f, "tlsdoctor_probe_success %d\n", code == 0 || code == 1);
    gauge(f, "tlsdoctor_probe_http_checked",
          "1 when the origin's HTTP answer was checked (full profile); 0 for the quick profile, "
          "whose success covers the handshake and the chain only");
    fprintf(f, "tlsdoctor_probe_http_checked %d\n", !r->obs.quick);
    gauge(f, "tlsdoctor_probe_exit_code",
          "The verdict as tlsdoctor's exit status: 0 ok, 1 warn, 2 fail, 3 unknown");
    fprintf(f, "tlsdoctor_probe_exit_code %d\n", code);
    gauge(f, "tlsdoctor_probe_root_cause",
          "The root cause: id is its finding id (docs/json.md), none when healthy");
    fputs("tlsdoctor_probe_root_cause{id=\"", f);
    label(f, root != NULL ? root->id : "none");
    fputs("\",layer=\"", f);
    label(f, root != NULL ? td_layer_name(root->layer) : "none");
    fputs("\"} 1\n", f);
    gauge(f, "tlsdoctor_probe_finding", "Every finding of the diagnosis, by id");
    for (size_t i = 0; i < r->n; i++) {
        const td_finding_t *x = &r->f[i].pub;
        fputs("tlsdoctor_probe_finding{id=\"", f);
        label(f, x->id);
        fputs("\",severity=\"", f);
        label(f, td_severity_name(x->severity));
        fputs("\",layer=\"", f);
        label(f, td_layer_name(x->layer));
        fputs("\"} 1\n", f);
    }
    gauge(f, "tlsdoctor_probe_duration_seconds", "Seconds the whole diagnosis took");
    fprintf(f, "tlsdoctor_probe_duration_seconds %.6f\n", r->obs.total_ms / 1000.0);
    gauge(f, "tlsdoctor_probe_layer_duration_seconds", "Seconds per layer, where measured");
    for (int l = 0; l < TD_LAYER__COUNT; l++) {
        char line[512];
        double ms = -1;
        (void)td__layer_summary(r, (td_layer_t)l, line, sizeof(line), &ms);
        if (ms >= 0) {
            fprintf(f, "tlsdoctor_probe_layer_duration_seconds{layer=\"%s\"} %.6f\n",
                    td_layer_name((td_layer_t)l), ms / 1000.0);
        }
    }
    const td_obs_tls_t *t = r->obs.tls.ok ? &r->obs.tls : r->obs.legacy.ok ? &r->obs.legacy : NULL;
    fputs("# TYPE tlsdoctor_tls_version info\n"
          "# HELP tlsdoctor_tls_version The negotiated TLS version and cipher suite\n",
          f);
    if (t != NULL) {
        fputs("tlsdoctor_tls_version_info{version=\"", f);
        label(f, t->version);
        fputs("\",cipher=\"", f);
        label(f, t->cipher);
        fputs("\"} 1\n", f);
    }
    const td_obs_cert_t *c = &r->obs.cert;
    if (c->step == TD_STEP_DONE && c->n > 0) {
        const td_cert_info_t *leaf = &c->c[0];
        gauge(f, "tlsdoctor_cert_not_after_timestamp_seconds",
              "The leaf certificate's notAfter, Unix seconds");
        fprintf(f, "tlsdoctor_cert_not_after_timestamp_seconds %lld\n", (long long)leaf->not_after);
        gauge(f, "tlsdoctor_cert_not_before_timestamp_seconds",
              "The leaf certificate's notBefore, Unix seconds");
        fprintf(f, "tlsdoctor_cert_not_before_timestamp_seconds %lld\n",
                (long long)leaf->not_before);
        gauge(f, "tlsdoctor_cert_lifetime_seconds",
              "notAfter - notBefore of the leaf: alert at a third of it, not at a day count");
        fprintf(f, "tlsdoctor_cert_lifetime_seconds %lld\n",
                (long long)(leaf->not_after - leaf->not_before));
        gauge(f, "tlsdoctor_cert_chain_sent", "Certificates the server sent");
        fprintf(f, "tlsdoctor_cert_chain_sent %d\n", c->sent);
    }
    gauge(f, "tlsdoctor_client_fails",
          "Per client profile observed in this run (src/kb/clients.c ids): 1 fails, 0 connects");
    for (int i = 0; i < r->n_clients; i++) {
        const td_client_verdict_t *v = &r->clients[i];
        if (!v->known) {
            continue; /* not observed: no sample rather than a guess */
        }
        fputs("tlsdoctor_client_fails{client=\"", f);
        label(f, v->id);
        fprintf(f, "\"} %d\n", v->ok ? 0 : 1);
    }
    return ferror(f) ? TD_E_IO : 0;
}
