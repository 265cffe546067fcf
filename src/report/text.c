/* text.c: the human report: root cause first, one line per layer, then every finding with its
 * evidence and fix. Colour only when asked. Rendering only. */
#include "report.h"

#include <string.h>

#define C_RED   "\033[31m"
#define C_YEL   "\033[33m"
#define C_GRN   "\033[32m"
#define C_DIM   "\033[2m"
#define C_BOLD  "\033[1m"
#define C_RESET "\033[0m"

static const char *mark(td_layer_status_t s)
{
    switch (s) {
    case TD_LS_OK:
        return "\xE2\x9C\x93"; /* ✓ */
    case TD_LS_WARN:
        return "!";
    case TD_LS_FAIL:
        return "\xE2\x9C\x97"; /* ✗ */
    case TD_LS_SKIPPED:
        return "-";
    case TD_LS_UNKNOWN:
        return "?";
    case TD_LS_NOT_RUN:
    default:
        return "\xC2\xB7"; /* · */
    }
}

static const char *colour(td_layer_status_t s, int on)
{
    if (!on) {
        return "";
    }
    switch (s) {
    case TD_LS_OK:
        return C_GRN;
    case TD_LS_WARN:
        return C_YEL;
    case TD_LS_FAIL:
        return C_RED;
    default:
        return C_DIM;
    }
}

static td_layer_status_t sev_status(td_severity_t s)
{
    return s == TD_SEV_FAIL      ? TD_LS_FAIL
           : s == TD_SEV_WARN    ? TD_LS_WARN
           : s == TD_SEV_UNKNOWN ? TD_LS_UNKNOWN
                                 : TD_LS_OK;
}

int td_report_write_text(const td_report_t *r, FILE *f, int color)
{
    const td_obs_t *o = &r->obs;
    const char *rs = color ? C_RESET : "";
    const char *bold = color ? C_BOLD : "";
    char line[1024];

    fprintf(f, "%stlsdoctor %s%s  %s:%u", bold, TD_VERSION, rs, o->host, (unsigned)o->port);
    if (o->connect_to[0] != '\0') {
        fprintf(f, " via %s", o->connect_to);
    }
    if (o->sni[0] != '\0' && strcmp(o->sni, o->host) != 0) {
        fprintf(f, " (SNI %s)", o->sni);
    }
    fprintf(f, "\n");
    if (r->server_software != NULL) {
        fprintf(f, "server software: %s (%s); fixes below are for it\n", r->server_software,
                r->server_evidence);
    }
    fprintf(f, "\n");
    if (r->has_root) {
        const td_finding_t *rc = &r->f[0].pub;
        td_layer_status_t s = sev_status(rc->severity);
        fprintf(f, "%s%s %s: %s%s\n", colour(s, color),
                rc->severity == TD_SEV_FAIL      ? "ROOT CAUSE"
                : rc->severity == TD_SEV_UNKNOWN ? "VERDICT UNKNOWN"
                                                 : "MAIN ISSUE",
                rc->id, rc->title, rs);
        fprintf(f, "  %s\n", rc->cause);
        fprintf(f, "  evidence: %s\n", rc->evidence);
        fprintf(f, "  fix: %s\n\n", rc->fix);
    } else if (o->quick) {
        /* The quick profile did not look at HTTP: never say every layer is fine. */
        fprintf(f,
                "%sHANDSHAKE AND CHAIN OK%s: no problem found in what the quick profile checks "
                "(HTTP and the side probes were not checked: run the full diagnosis).\n\n",
                colour(TD_LS_OK, color), rs);
    } else {
        fprintf(f, "%sHEALTHY%s: no problem found on any layer.\n\n", colour(TD_LS_OK, color), rs);
    }
    for (int l = 0; l < TD_LAYER__COUNT; l++) {
        double ms = -1;
        td_layer_status_t s = td__layer_summary(r, (td_layer_t)l, line, sizeof(line), &ms);
        char t[32] = "";
        if (ms >= 0) {
            td_fmt(t, sizeof(t), "%8.1f ms", ms);
        }
        fprintf(f, "  %s%s%s %-5s %s  %s%s%s\n", colour(s, color), mark(s), rs,
                td_layer_name((td_layer_t)l), t, color ? C_DIM : "", line, rs);
    }
    if (r->n > 1 || (r->n == 1 && !r->has_root)) {
        fprintf(f, "\n%sother findings%s (i = for information)\n", bold, rs);
        for (size_t i = r->has_root ? 1 : 0; i < r->n; i++) {
            const td_finding_t *x = &r->f[i].pub;
            td_layer_status_t s = sev_status(x->severity);
            fprintf(f, "  %s%s %s%s  %s\n", colour(s, color),
                    x->severity == TD_SEV_OK ? "i" : mark(s), x->id, rs, x->cause);
            fprintf(f, "      evidence: %s\n", x->evidence);
            fprintf(f, "      fix: %s\n", x->fix);
        }
    }
    if (r->n_proxies > 0) {
        fprintf(f, "\n%sproxies and CDNs in front of this origin would show%s\n", bold, rs);
        for (size_t i = 0; i < r->n_proxies; i++) {
            const td_proxy_outcome_t *p = &r->proxies[i];
            bool ok = strcmp(p->result, "OK") == 0;
            fprintf(f, "  %-26s %-40s %s%-14s%s %s\n", p->proxy, p->mode,
                    colour(ok ? TD_LS_OK : TD_LS_FAIL, color), p->result, rs, p->why);
        }
        fprintf(f, "  recommended: %s\n", r->recommended);
    }
    if (r->obs.matrix.step != TD_STEP_DONE) {
        td__clients_write_text(r, f, color);
    }
    td__matrix_write_text(r, f, color);
    fprintf(f, "\n%.0f ms in all%s\n", o->total_ms,
            o->deadline_hit ? " (the --timeout deadline cut the diagnosis short)" : "");
    return ferror(f) ? TD_E_IO : 0;
}
