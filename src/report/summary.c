/* summary.c: per-layer one-line summaries shared by the text and JSON renderers.
 * Rendering only. */
#include "report.h"

#include "../kb/kb.h"

#include <string.h>
#include <time.h>

const char *td__layer_status_name(td_layer_status_t s)
{
    switch (s) {
    case TD_LS_OK:
        return "ok";
    case TD_LS_WARN:
        return "warn";
    case TD_LS_FAIL:
        return "fail";
    case TD_LS_NOT_RUN:
        return "not_run";
    case TD_LS_SKIPPED:
        return "skipped";
    case TD_LS_UNKNOWN:
        return "unknown";
    default:
        return "?";
    }
}

static td_layer_status_t worst_in_layer(const td_report_t *r, td_layer_t layer)
{
    td_layer_status_t s = TD_LS_OK;
    for (size_t i = 0; i < r->n; i++) {
        if (r->f[i].pub.layer != layer) {
            continue;
        }
        if (r->f[i].pub.severity == TD_SEV_FAIL) {
            return TD_LS_FAIL;
        }
        if (r->f[i].pub.severity == TD_SEV_WARN) {
            s = TD_LS_WARN;
        }
    }
    return s;
}

static td_layer_status_t summary_tls(const td_obs_t *o, char *buf, size_t cap, double *ms)
{
    const td_obs_tls_t *t = o->tls.ok || !o->legacy.ok ? &o->tls : &o->legacy;
    if (o->tls.step != TD_STEP_DONE) {
        td_fmt(buf, cap, "not run");
        return TD_LS_NOT_RUN;
    }
    *ms = t->ms;
    if (t->ok) {
        td_fmt(buf, cap, "%s %s%s%s%s%s%s", t->version, t->cipher, t->group[0] ? " " : "", t->group,
               t->alpn[0] ? " alpn " : "", t->alpn, t == &o->legacy ? " (legacy)" : "");
    } else if (t->alert_received >= 0) {
        td_fmt(buf, cap, "failed: alert %d %s", t->alert_received,
               td_alert_name(t->alert_received));
    } else {
        td_fmt(buf, cap, "failed: %s", t->ossl_text[0] ? t->ossl_text : "no handshake");
    }
    return TD_LS_OK;
}

static void summary_proto(const td_obs_t *o, char *buf, size_t cap)
{
    const td_obs_exchange_t *x = &o->sniff;
    if (x->received == 0) {
        td_fmt(buf, cap, "no reply to ClientHello (%s)", td_read_end_name(x->end));
    } else if (x->sniff.cls == TD_SNIFF_TLS && x->flight.has_server_hello) {
        td_fmt(buf, cap, "TLS: ServerHello %s %s", td_version_name(x->flight.version),
               td_cipher_name(x->flight.cipher));
    } else if (x->sniff.cls == TD_SNIFF_TLS && x->flight.has_alert) {
        td_fmt(buf, cap, "TLS: alert %d %s", x->flight.alert_desc,
               td_alert_name(x->flight.alert_desc));
    } else if (x->sniff.cls == TD_SNIFF_HTTP) {
        td_fmt(buf, cap, "plain HTTP (status %d)", x->sniff.http_status);
    } else {
        td_fmt(buf, cap, "%s: \"%.40s\"", x->sniff.proto, x->sniff.printable);
    }
    if (o->plain.step == TD_STEP_DONE && o->plain.connected) {
        const td_sniff_t *p = &o->plain.sniff;
        if (p->cls == TD_SNIFF_TLS) {
            td_fmt_append(buf, cap, "; plain HTTP request -> TLS %s",
                          p->tls_alert >= 0 ? "alert" : "record");
        } else if (p->cls == TD_SNIFF_HTTP) {
            td_fmt_append(buf, cap, "; plain HTTP request -> HTTP %d%s", p->http_status,
                          p->plain_http_page ? " \"plain HTTP request was sent to HTTPS port\""
                                             : "");
        } else {
            td_fmt_append(buf, cap, "; plain HTTP request -> %s", td_read_end_name(o->plain.end));
        }
    }
}

static td_layer_status_t layer_summary(const td_report_t *r, td_layer_t layer, char *buf,
                                       size_t cap, double *ms);

/* A layer with no finding is shown as passing only when it was observed working. */
td_layer_status_t td__layer_summary(const td_report_t *r, td_layer_t layer, char *buf, size_t cap,
                                    double *ms)
{
    td_layer_status_t s = layer_summary(r, layer, buf, cap, ms);
    char why[96];
    if (s == TD_LS_OK && !td__layer_observed(&r->obs, layer, why, sizeof(why))) {
        td_fmt_append(buf, cap, "%s(not observed: %s)", buf[0] != '\0' ? " " : "", why);
        return TD_LS_UNKNOWN;
    }
    return s;
}

static td_layer_status_t layer_summary(const td_report_t *r, td_layer_t layer, char *buf,
                                       size_t cap, double *ms)
{
    const td_obs_t *po = &r->obs;
    if (po->plain_target && (layer == TD_LAYER_TLS || layer == TD_LAYER_CERT)) {
        td_fmt(buf, cap, "skipped (http:// target)");
        return worst_in_layer(r, layer) == TD_LS_OK ? TD_LS_SKIPPED : worst_in_layer(r, layer);
    }
    if (po->plain_target && layer == TD_LAYER_PROTO) {
        if (po->plain.step != TD_STEP_DONE) {
            td_fmt(buf, cap, "not run");
            return TD_LS_NOT_RUN;
        }
        *ms = po->plain.ms;
        td_fmt(buf, cap, "plain HTTP GET answered by %s%s",
               td_sniff_class_name(po->plain.sniff.cls),
               po->plain.sniff.cls == TD_SNIFF_TLS ? " (a TLS port)" : "");
        return worst_in_layer(r, layer);
    }
    const td_obs_t *o = &r->obs;
    *ms = -1;
    buf[0] = '\0';
    td_layer_status_t worst = worst_in_layer(r, layer);
    switch (layer) {
    case TD_LAYER_DNS:
        if (o->dns.step == TD_STEP_SKIPPED) {
            td_fmt(buf, cap, "skipped (%s)", o->dns.skip_reason);
            return worst == TD_LS_OK ? TD_LS_SKIPPED : worst;
        }
        *ms = o->dns.ms;
        if (!o->dns.ok) {
            td_fmt(buf, cap, "%s", o->dns.error);
        } else {
            for (int i = 0; i < o->dns.n_addrs; i++) {
                td_fmt_append(buf, cap, "%s%s", i ? ", " : "", o->dns.addrs[i]);
            }
            if (o->dns.addrs_dropped > 0) {
                td_fmt_append(buf, cap, " (+%d more, not kept)", o->dns.addrs_dropped);
            }
        }
        return worst;
    case TD_LAYER_TCP:
        if (o->tcp.step != TD_STEP_DONE) {
            td_fmt(buf, cap, "not run");
            return TD_LS_NOT_RUN;
        }
        for (int i = 0; i < o->tcp.n; i++) {
            const td_obs_tcp_attempt_t *a = &o->tcp.a[i];
            td_fmt_append(buf, cap, "%s%s%s%s:%u %s", i ? ", " : "",
                          strchr(a->addr, ':') ? "[" : "", a->addr, strchr(a->addr, ':') ? "]" : "",
                          (unsigned)a->port, td_tcp_result_name(a->result));
            if (i == 0 || *ms < a->ms) {
                *ms = a->ms;
            }
        }
        return worst;
    case TD_LAYER_PROTO:
        if (o->sniff.step != TD_STEP_DONE) {
            td_fmt(buf, cap, "not run");
            return TD_LS_NOT_RUN;
        }
        *ms = o->sniff.ms;
        summary_proto(o, buf, cap);
        return worst;
    case TD_LAYER_TLS: {
        td_layer_status_t s = summary_tls(o, buf, cap, ms);
        return s == TD_LS_NOT_RUN && worst == TD_LS_OK ? s : worst;
    }
    case TD_LAYER_CERT:
        if (o->cert.step != TD_STEP_DONE || o->cert.n == 0) {
            td_fmt(buf, cap, "not run");
            return worst == TD_LS_OK ? TD_LS_NOT_RUN : worst;
        } else {
            char d[16];
            td_fmt_utc(d, sizeof(d), "%Y-%m-%d", o->cert.c[0].not_after);
            char kept[40] = "";
            if (o->cert.sent > o->cert.n) {
                td_fmt(kept, sizeof(kept), ", %d kept", o->cert.n);
            }
            td_fmt(buf, cap, "%s, %d cert%s sent%s, %s %d, expires %s, %s", o->cert.c[0].subject,
                   o->cert.sent, o->cert.sent == 1 ? "" : "s", kept, o->cert.c[0].key_type,
                   o->cert.c[0].key_bits, d,
                   o->cert.verify_code == 0 ? "chain trusted" : o->cert.verify_text);
        }
        return worst;
    case TD_LAYER_HTTP:
        if (o->quick && o->http.step != TD_STEP_DONE) {
            td_fmt(buf, cap, "not checked (quick profile)");
            return worst == TD_LS_OK ? TD_LS_SKIPPED : worst;
        }
        if (o->http.step != TD_STEP_DONE) {
            td_fmt(buf, cap, "not run");
            return worst == TD_LS_OK ? TD_LS_NOT_RUN : worst;
        }
        *ms = o->http.ms;
        if (o->http.result == TD_HTTP_OK) {
            td_fmt(buf, cap, "%d %s", o->http.head.status, o->http.head.reason);
            if (o->http.head.server[0]) {
                td_fmt_append(buf, cap, ", Server: %s", o->http.head.server);
            }
            td_fmt_append(buf, cap, ", ttfb %.1f ms", o->http.ttfb_ms);
            if (o->http.head_bytes > 8192) {
                td_fmt_append(buf, cap, ", head %zu bytes", o->http.head_bytes);
            }
        } else if (o->http.result == TD_HTTP_HEAD_INCOMPLETE) {
            td_fmt(buf, cap, "head never ended: %zu bytes, %s", o->http.head_bytes,
                   o->http.head_capped ? "we stopped reading" : td_read_end_name(o->http.head_end));
            if (o->http.head.valid) {
                td_fmt_append(buf, cap, " (status line %d %s)", o->http.head.status,
                              o->http.head.reason);
            }
        } else {
            td_fmt(buf, cap, "%s", td_http_result_name(o->http.result));
        }
        return worst;
    case TD_LAYER__COUNT:
    default:
        return TD_LS_NOT_RUN;
    }
}
