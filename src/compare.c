/* compare.c: `tlsdoctor compare`: the same name diagnosed through several paths (through the
 * CDN and straight to the origin, through a proxy and direct) and the differences in
 * certificate, protocol and HTTP, with known TLS-interception products named by issuer.
 * Glue over td_diagnose(); judging per path stays in diagnose/. */
#include "diagnose/diagnose.h"
#include "kb/kb.h"
#include "report/report.h"
#include "util/td_util.h"

#include <jansson.h>
#include <string.h>

#define TD_COMPARE_MAX 4

typedef struct cmp_path {
    char via[300];
    td_report_t *r;
    const char *intercept; /* product name, or NULL */
} cmp_path_t;

typedef struct cmp_diff {
    char field[32];
    char values[TD_COMPARE_MAX][200];
} cmp_diff_t;

struct td_compare {
    size_t n;
    cmp_path_t p[TD_COMPARE_MAX];
    size_t n_diffs;
    cmp_diff_t d[16];
    char host[256];
};

static const char *interception_product(const td_obs_cert_t *c)
{
    for (int i = 0; i < c->n; i++) {
        const char *p = td_interception_product(c->c[i].issuer);
        if (p == NULL) {
            p = td_interception_product(c->c[i].subject);
        }
        if (p != NULL) {
            return p;
        }
    }
    return NULL;
}

typedef void (*field_fn)(const td_report_t *r, char *buf, size_t cap);

static void f_root(const td_report_t *r, char *b, size_t c)
{
    td_strlcpy(b, r->has_root ? r->f[0].pub.id : "healthy", c);
}
static void f_version(const td_report_t *r, char *b, size_t c)
{
    td_strlcpy(b, r->obs.tls.ok ? r->obs.tls.version : "(no handshake)", c);
}
static void f_cipher(const td_report_t *r, char *b, size_t c)
{
    td_strlcpy(b, r->obs.tls.ok ? r->obs.tls.cipher : "-", c);
}
static void f_leaf(const td_report_t *r, char *b, size_t c)
{
    td_fmt(b, c, "%s", r->obs.cert.n > 0 ? r->obs.cert.c[0].subject : "-");
}
static void f_issuer(const td_report_t *r, char *b, size_t c)
{
    td_fmt(b, c, "%s", r->obs.cert.n > 0 ? r->obs.cert.c[0].issuer : "-");
}
static void f_fingerprint(const td_report_t *r, char *b, size_t c)
{
    td_fmt(b, c, "%.47s", r->obs.cert.n > 0 ? r->obs.cert.c[0].sha256 : "-");
}
static void f_trust(const td_report_t *r, char *b, size_t c)
{
    td_fmt(b, c, "%s",
           r->obs.cert.n == 0             ? "-"
           : r->obs.cert.verify_code == 0 ? "trusted"
                                          : r->obs.cert.verify_text);
}
static void f_status(const td_report_t *r, char *b, size_t c)
{
    if (r->obs.http.step != TD_STEP_DONE) {
        td_strlcpy(b, "-", c);
    } else if (r->obs.http.result == TD_HTTP_OK) {
        td_fmt(b, c, "%d", r->obs.http.head.status);
    } else {
        td_strlcpy(b, td_http_result_name(r->obs.http.result), c);
    }
}
static void f_server(const td_report_t *r, char *b, size_t c)
{
    td_strlcpy(b, r->obs.http.head.server[0] ? r->obs.http.head.server : "-", c);
}

static const struct {
    const char *name;
    field_fn fn;
} fields[] = { { "root_cause", f_root },    { "tls_version", f_version },
               { "cipher", f_cipher },      { "leaf_subject", f_leaf },
               { "leaf_issuer", f_issuer }, { "leaf_sha256", f_fingerprint },
               { "trust", f_trust },        { "http_status", f_status },
               { "http_server", f_server } };

int td_compare(const td_options_t *base, const char *const *vias, size_t n, td_compare_t **out,
               td_errinfo_t *err)
{
    *out = NULL;
    if (n < 2 || n > TD_COMPARE_MAX) {
        td_errinfo_set(err, TD_E_USAGE, "compare needs 2 to %d --via paths", TD_COMPARE_MAX);
        return TD_E_USAGE;
    }
    td_compare_t *x = td_calloc(1, sizeof(*x));
    if (x == NULL) {
        return TD_E_NOMEM;
    }
    td_strlcpy(x->host, base->host != NULL ? base->host : "", sizeof(x->host));
    for (size_t i = 0; i < n; i++) {
        td_options_t o = *base;
        /* "dns" (or "-"): the path clients take, through normal resolution. */
        o.connect_to = (strcmp(vias[i], "dns") == 0 || strcmp(vias[i], "-") == 0) ? NULL : vias[i];
        td_strlcpy(x->p[i].via, vias[i], sizeof(x->p[i].via));
        int rc = td_diagnose(&o, &x->p[i].r, err);
        if (rc < 0) {
            x->n = i;
            td_compare_free(x);
            return rc;
        }
        x->p[i].intercept = interception_product(&x->p[i].r->obs.cert);
        x->n = i + 1;
    }
    for (size_t k = 0; k < TD_ARRAY_LEN(fields) && x->n_diffs < TD_ARRAY_LEN(x->d); k++) {
        cmp_diff_t *d = &x->d[x->n_diffs];
        bool differ = false;
        for (size_t i = 0; i < x->n; i++) {
            fields[k].fn(x->p[i].r, d->values[i], sizeof(d->values[i]));
            differ |= i > 0 && strcmp(d->values[i], d->values[0]) != 0;
        }
        if (differ) {
            td_strlcpy(d->field, fields[k].name, sizeof(d->field));
            x->n_diffs++;
        }
    }
    *out = x;
    return 0;
}

size_t td_compare_differences(const td_compare_t *x)
{
    return x != NULL ? x->n_diffs : 0;
}

const char *td_compare_interception(const td_compare_t *x)
{
    for (size_t i = 0; x != NULL && i < x->n; i++) {
        if (x->p[i].intercept != NULL) {
            return x->p[i].intercept;
        }
    }
    return NULL;
}

int td_compare_write_text(const td_compare_t *x, FILE *f, int color)
{
    const char *b = color ? "\033[1m" : "", *rs = color ? "\033[0m" : "";
    fprintf(f, "%stlsdoctor compare%s %s through %zu paths\n\n", b, rs, x->host, x->n);
    for (size_t i = 0; i < x->n; i++) {
        const td_report_t *r = x->p[i].r;
        fprintf(f, "  path %zu via %-24s root cause: %s\n", i + 1, x->p[i].via,
                r->has_root ? r->f[0].pub.id : "(none: healthy)");
    }
    for (size_t i = 0; i < x->n; i++) {
        if (x->p[i].intercept != NULL) {
            fprintf(f,
                    "\n%sTLS interception%s: path %zu (via %s) presents a certificate issued "
                    "by %s, a TLS-inspecting product: %s\n",
                    b, rs, i + 1, x->p[i].via, x->p[i].intercept,
                    x->p[i].r->obs.cert.n > 0 ? x->p[i].r->obs.cert.c[0].issuer : "");
            fprintf(f, "  Clients on that path trust it only with the product's CA installed; "
                       "pinning clients, curl and servers behind it fail (alerts 42/46/48).\n");
        }
    }
    if (x->n_diffs == 0) {
        fprintf(f, "\nNo difference in certificate, protocol or HTTP between the paths.\n");
    } else {
        fprintf(f, "\n%sdifferences%s\n", b, rs);
        for (size_t k = 0; k < x->n_diffs; k++) {
            fprintf(f, "  %s\n", x->d[k].field);
            for (size_t i = 0; i < x->n; i++) {
                fprintf(f, "    path %zu: %s\n", i + 1, x->d[k].values[i]);
            }
        }
    }
    return ferror(f) ? TD_E_IO : 0;
}

int td_compare_write_json(const td_compare_t *x, FILE *f)
{
    json_t *paths = json_array();
    for (size_t i = 0; i < x->n; i++) {
        const td_report_t *r = x->p[i].r;
        json_array_append_new(
                paths,
                json_pack("{s:s, s:o, s:o}", "via", x->p[i].via, "root_cause",
                          r->has_root ? json_string(r->f[0].pub.id) : json_null(), "interception",
                          x->p[i].intercept ? json_string(x->p[i].intercept) : json_null()));
    }
    json_t *diffs = json_array();
    for (size_t k = 0; k < x->n_diffs; k++) {
        json_t *vals = json_array();
        for (size_t i = 0; i < x->n; i++) {
            json_array_append_new(vals, json_string(x->d[k].values[i]));
        }
        json_array_append_new(diffs,
                              json_pack("{s:s, s:o}", "field", x->d[k].field, "values", vals));
    }
    json_t *doc = json_pack("{s:i, s:s, s:o, s:o}", "schema_version", TD_SCHEMA_VERSION, "host",
                            x->host, "paths", paths, "differences", diffs);
    if (doc == NULL) {
        return TD_E_INTERNAL;
    }
    int rc = json_dumpf(doc, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
    json_decref(doc);
    return rc != 0 || fputc('\n', f) == EOF ? TD_E_IO : 0;
}

int td_compare_write_html(const td_compare_t *x, FILE *f)
{
    char title[320];
    td_fmt(title, sizeof(title), "tlsdoctor compare %s", x->host);
    td__html_begin(f, title);
    fputs("<header><h1>tlsdoctor compare: ", f);
    td__html_esc(f, x->host);
    fprintf(f, "</h1><p class=\"mute\">through %zu paths</p></header>\n", x->n);
    fprintf(f, "<section class=\"verdict v-%s\" id=\"verdict\"><h2>",
            td_compare_interception(x) != NULL ? "fail"
            : x->n_diffs > 0                   ? "warn"
                                               : "ok");
    if (td_compare_interception(x) != NULL) {
        fputs("TLS interception: ", f);
        td__html_esc(f, td_compare_interception(x));
    } else if (x->n_diffs > 0) {
        fprintf(f, "%zu difference%s between the paths", x->n_diffs, x->n_diffs == 1 ? "" : "s");
    } else {
        fputs("No difference between the paths", f);
    }
    fputs("</h2>\n<table><thead><tr><th>path</th><th>via</th><th>root cause</th>"
          "<th>interception</th></tr></thead><tbody>\n",
          f);
    for (size_t i = 0; i < x->n; i++) {
        const td_report_t *r = x->p[i].r;
        fprintf(f, "<tr><td><a href=\"#path-%zu\">%zu</a></td><td>", i + 1, i + 1);
        td__html_esc(f, x->p[i].via);
        fputs("</td><td><code>", f);
        td__html_esc(f, r->has_root ? r->f[0].pub.id : "healthy");
        fputs("</code></td><td>", f);
        td__html_esc(f, x->p[i].intercept != NULL ? x->p[i].intercept : "");
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody></table></section>\n", f);
    if (x->n_diffs > 0) {
        fputs("<h2 id=\"differences\">Differences</h2>\n<table><thead><tr><th>field</th>", f);
        for (size_t i = 0; i < x->n; i++) {
            fprintf(f, "<th>path %zu</th>", i + 1);
        }
        fputs("</tr></thead><tbody>\n", f);
        for (size_t k = 0; k < x->n_diffs; k++) {
            fputs("<tr><td>", f);
            td__html_esc(f, x->d[k].field);
            fputs("</td>", f);
            for (size_t i = 0; i < x->n; i++) {
                fputs("<td>", f);
                td__html_esc(f, x->d[k].values[i]);
                fputs("</td>", f);
            }
            fputs("</tr>\n", f);
        }
        fputs("</tbody></table>\n", f);
    }
    for (size_t i = 0; i < x->n; i++) {
        fprintf(f, "<h2 id=\"path-%zu\">Path %zu via ", i + 1, i + 1);
        td__html_esc(f, x->p[i].via);
        fputs("</h2>\n<details><summary>the full diagnosis of this path</summary>\n", f);
        char pfx[16];
        td_fmt(pfx, sizeof(pfx), "p%zu-", i + 1);
        td__html_report_body(x->p[i].r, f, pfx);
        fputs("</details>\n", f);
    }
    return td__html_end(f);
}

void td_compare_free(td_compare_t *x)
{
    if (x == NULL) {
        return;
    }
    for (size_t i = 0; i < x->n; i++) {
        td_report_free(x->p[i].r);
    }
    td_free(x);
}
