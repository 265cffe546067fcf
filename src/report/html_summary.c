/* html_summary.c: the `pcap`, `logs` and `scan` summaries as self-contained HTML pages (--html), in
 * the frame of html.c: the headline counts, the summary as the text report lays it out, and the
 * JSON summary folded. Every string from a capture or a log is escaped by td__html_esc. Rendering
 * only. */
#include "report.h"

#include <string.h>

static int pcap_text(const void *s, FILE *m)
{
    return td_pcap_summary_write_text((const td_pcap_summary_t *)s, m, 0);
}

static int pcap_json(const void *s, FILE *m)
{
    return td_pcap_summary_write_json((const td_pcap_summary_t *)s, m);
}

static int logs_text(const void *s, FILE *m)
{
    return td_logs_summary_write_text((const td_logs_summary_t *)s, m, 0);
}

static int logs_json(const void *s, FILE *m)
{
    return td_logs_summary_write_json((const td_logs_summary_t *)s, m);
}

int td__html_summary(FILE *f, const char *title, const char *headline, int bad,
                     int (*text)(const void *obj, FILE *m), int (*json)(const void *obj, FILE *m),
                     const void *obj)
{
    td__html_begin(f, title);
    fputs("<header><h1>", f);
    td__html_esc(f, title);
    fprintf(f, "</h1></header>\n<section class=\"verdict v-%s\" id=\"verdict\"><h2>",
            bad ? "fail" : "ok");
    td__html_esc(f, headline);
    fputs("</h2></section>\n<section id=\"summary\"><h2>Summary</h2>\n", f);
    int rc = td__html_pre_of(f, text, obj, "summary");
    fputs("</section>\n<section id=\"raw\"><details><summary>The summary as JSON "
          "(docs/json.md)</summary>\n",
          f);
    if (rc == 0) {
        rc = td__html_pre_of(f, json, obj, "json");
    }
    fputs("</details></section>\n", f);
    int end = td__html_end(f);
    return rc != 0 ? rc : end;
}

int td_pcap_summary_write_html(const td_pcap_summary_t *s, FILE *f)
{
    char head[160];
    uint64_t n = td_pcap_summary_failures(s);
    td_fmt(head, sizeof(head), "%llu connection%s with a failure or a finding",
           (unsigned long long)n, n == 1 ? "" : "s");
    return td__html_summary(f, "tlsdoctor pcap", n > 0 ? head : "No failed handshake found", n > 0,
                            pcap_text, pcap_json, s);
}

int td_logs_summary_write_html(const td_logs_summary_t *s, FILE *f)
{
    char head[160];
    uint64_t n = td_logs_summary_events(s);
    td_fmt(head, sizeof(head), "%llu failed handshake%s or TLS error%s in the logs",
           (unsigned long long)n, n == 1 ? "" : "s", n == 1 ? "" : "s");
    return td__html_summary(f, "tlsdoctor logs", n > 0 ? head : "No failed handshake found", n > 0,
                            logs_text, logs_json, s);
}
