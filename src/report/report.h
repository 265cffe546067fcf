/* report.h: shared helpers of the renderers. Rendering only: never judges, never probes. */
#ifndef TD_REPORT_H
#define TD_REPORT_H

#include "../diagnose/diagnose.h"

typedef enum td_layer_status {
    TD_LS_OK = 0,
    TD_LS_WARN,
    TD_LS_FAIL,
    TD_LS_NOT_RUN,
    TD_LS_SKIPPED,
    TD_LS_UNKNOWN, /* ran, but not observed working, and no finding explains it */
} td_layer_status_t;

const char *td__layer_status_name(td_layer_status_t s);

/* One-line summary of what a layer observed, its time in ms (-1 unknown) and its status. */
td_layer_status_t td__layer_summary(const td_report_t *r, td_layer_t layer, char *buf, size_t cap,
                                    double *ms);

/* The handshake matrix and client table (matrix.c). */
void td__matrix_write_text(const td_report_t *r, FILE *f, int color);
struct json_t;
struct json_t *td__matrix_json(const td_report_t *r);
/* The client table: every run, and the matrix's (clients.c). */
void td__clients_write_text(const td_report_t *r, FILE *f, int color);
struct json_t *td__clients_json(const td_report_t *r);

/* The HTML page (html.c): its head and style, the body of one diagnosis, its end and script.
 * compare.c puts several bodies in one page. */
void td__html_begin(FILE *f, const char *title);
/* Writes s escaped for HTML text and attribute values (and SVG text). */
void td__html_esc(FILE *f, const char *s);
/* pfx starts every element id ("" for one report; "p1-" ... in compare). */
void td__html_report_body(const td_report_t *r, FILE *f, const char *pfx);
int td__html_end(FILE *f);
/* What fn renders of obj, escaped, in a <pre> of class cls (NULL: none), streamed through a
 * temporary file (html.c). Returns 0 or fn's error / TD_E_IO. */
int td__html_pre_of(FILE *f, int (*fn)(const void *obj, FILE *m), const void *obj, const char *cls);
/* A summary page (html_summary.c): title, a headline (bad: drawn as a failure), what text()
 * renders of obj in a <pre> and what json() renders folded; every string escaped. 0 or
 * TD_E_IO. */
int td__html_summary(FILE *f, const char *title, const char *headline, int bad,
                     int (*text)(const void *obj, FILE *m), int (*json)(const void *obj, FILE *m),
                     const void *obj);

/* One compact JSON line of the report (no newline), with "target_line" when not NULL and
 * "profile"; td_free() it; NULL on failure (json.c). */
char *td__report_json_line(const td_report_t *r, const char *target_line);

#endif
