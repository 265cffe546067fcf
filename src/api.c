/* api.c: the library's public entry points: options, td_diagnose(), report accessors.
 * Glue only: probing lives in probe/, judging in diagnose/, rendering in report/. */
#include "api.h"
#include "diagnose/diagnose.h"
#include "util/td_util.h"

#include <string.h>

void td_options_init(td_options_t *opt)
{
    memset(opt, 0, sizeof(*opt));
}

static void apply_defaults(td_options_t *o)
{
    if (o->port == 0) {
        o->port = o->plain_http ? 80 : 443;
    }
    if (o->path == NULL || o->path[0] == '\0') {
        o->path = "/";
    }
    if (o->timeout_s <= 0) {
        o->timeout_s = 30;
    }
    if (o->step_timeout_s <= 0) {
        o->step_timeout_s = 8;
    }
    if (o->step_timeout_s > o->timeout_s) {
        o->step_timeout_s = o->timeout_s;
    }
    if (o->matrix_parallel <= 0) {
        o->matrix_parallel = 4;
    } else if (o->matrix_parallel > 16) {
        o->matrix_parallel = 16;
    }
    if (o->warn_days == 0) {
        o->warn_days = 21;
    } else if (o->warn_days < 0) {
        o->warn_days = 0; /* negative: no expiry warning */
    }
}

/* One diagnosis between its begin and its end (api.h). */
struct td_diag_run {
    td_options_t o;
    td_report_t *r;
    bool pages;
    td_probe_t *p;
};

int td__diagnose_begin(const td_options_t *opt, td_diag_run_t **out, td_errinfo_t *err)
{
    *out = NULL;
    if (opt == NULL || opt->host == NULL || opt->host[0] == '\0') {
        td_errinfo_set(err, TD_E_USAGE, "no host given");
        return TD_E_USAGE;
    }
    td_diag_run_t *d = td_calloc(1, sizeof(*d));
    if (d == NULL) {
        td_errinfo_set(err, TD_E_NOMEM, "out of memory");
        return TD_E_NOMEM;
    }
    d->o = *opt;
    apply_defaults(&d->o);
    if (d->o.timeout_s > 86400) {
        td_free(d);
        td_errinfo_set(err, TD_E_USAGE, "timeout out of range (at most 86400 seconds)");
        return TD_E_USAGE;
    }
    /* Zero pages from the kernel: a diagnosis in flight holds only the pages it wrote (the
     * report is ~190 KiB, mostly zeros until judged; the fleet scan keeps thousands). */
    d->r = td_zalloc_pages(sizeof(*d->r), &d->pages);
    if (d->r == NULL) {
        td_free(d);
        td_errinfo_set(err, TD_E_NOMEM, "out of memory");
        return TD_E_NOMEM;
    }
    int rc = td__probe_begin(&d->o, &d->r->obs, err, &d->p);
    if (rc < 0) {
        td_free_pages(d->r, sizeof(*d->r), d->pages);
        td_free(d);
        return rc;
    }
    *out = d;
    return 0;
}

int td__diagnose_resume(td_diag_run_t *d, td_probe_wait_t *w)
{
    return td__probe_resume(d->p, w);
}

int td__diagnose_end(td_diag_run_t *d, td_report_t **out)
{
    td_report_t *r = d->r;
    int rc = td__probe_end(d->p);
    bool pages = d->pages;
    td_free(d);
    *out = NULL;
    r->pages = pages;
    if (rc < 0) {
        td_free_pages(r, sizeof(*r), pages);
        return rc;
    }
    td__diagnose(r);
    r->n_clients = td__client_verdicts(&r->obs, r->clients, TD_MX_MAX_CLIENTS);
    td__proxies(r); /* uses the client verdicts for Cloudflare's and ALB's own hellos */
    *out = r;
    return 0;
}

int td_diagnose(const td_options_t *opt, td_report_t **out, td_errinfo_t *err)
{
    td_diag_run_t *d;
    *out = NULL;
    int rc = td__diagnose_begin(opt, &d, err);
    if (rc < 0) {
        return rc;
    }
    td_probe_wait_t w;
    while (td__diagnose_resume(d, &w) == 1) {
        td__wait_ready(&w);
    }
    return td__diagnose_end(d, out);
}

size_t td_report_finding_count(const td_report_t *r)
{
    return r != NULL ? r->n : 0;
}

const td_finding_t *td_report_finding(const td_report_t *r, size_t i)
{
    return r != NULL && i < r->n ? &r->f[i].pub : NULL;
}

const td_finding_t *td_report_root_cause(const td_report_t *r)
{
    return r != NULL && r->has_root ? &r->f[0].pub : NULL;
}

td_severity_t td_report_worst(const td_report_t *r)
{
    td_severity_t w = TD_SEV_OK;
    for (size_t i = 0; r != NULL && i < r->n; i++) {
        if (td__severity_rank(r->f[i].pub.severity) > td__severity_rank(w)) {
            w = r->f[i].pub.severity;
        }
    }
    return w;
}

int td_report_exit_code(const td_report_t *r)
{
    switch (td_report_worst(r)) {
    case TD_SEV_FAIL:
        return 2;
    case TD_SEV_UNKNOWN:
        return 3;
    case TD_SEV_WARN:
        return 1;
    case TD_SEV_OK:
    default:
        return 0;
    }
}

void td_report_free(td_report_t *r)
{
    if (r != NULL) {
        td_free_pages(r, sizeof(*r), r->pages);
    }
}

const char *td_layer_name(td_layer_t layer)
{
    static const char *const names[] = { "dns", "tcp", "proto", "tls", "cert", "http" };
    return (unsigned)layer < TD_ARRAY_LEN(names) ? names[layer] : "?";
}

const char *td_severity_name(td_severity_t sev)
{
    switch (sev) {
    case TD_SEV_OK:
        return "ok";
    case TD_SEV_WARN:
        return "warn";
    case TD_SEV_FAIL:
        return "fail";
    case TD_SEV_UNKNOWN:
        return "unknown";
    default:
        return "?";
    }
}
