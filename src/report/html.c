/* html.c: the self-contained HTML report: verdict and fix first, then the handshake drawn as a
 * ladder in inline SVG, the layer table, the client and proxy tables, the certificate chain,
 * the matrix, and the raw evidence folded. One file: no network access, no external script,
 * style sheet or font. Every string from the network or a file is escaped here. Rendering
 * only: never judges, never probes. */
#include "report.h"

#include "../kb/kb.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Writes s as HTML text (also safe inside a double-quoted attribute and SVG <text>): the five
 * markup characters become entities; control bytes (a terminal escape, a bell) become visible
 * "\xNN" text, so nothing in a certificate or a header can style the page or a terminal. */
static void esc_n(FILE *f, const char *s, size_t n)
{
    for (size_t i = 0; i < n && s[i] != '\0'; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            if (c < 0x20 || c == 0x7f) {
                fprintf(f, "\\x%02x", c);
            } else {
                fputc(c, f);
            }
        }
    }
}

void td__html_esc(FILE *f, const char *s)
{
    if (s != NULL) {
        esc_n(f, s, (size_t)-1);
    }
}

static void esc(FILE *f, const char *s)
{
    if (s != NULL) {
        esc_n(f, s, (size_t)-1);
    }
}

/* One cell of text: <td>escaped</td>. */
static void td_cell(FILE *f, const char *cls, const char *s)
{
    if (cls != NULL) {
        fprintf(f, "<td class=\"%s\">", cls);
    } else {
        fputs("<td>", f);
    }
    esc(f, s);
    fputs("</td>", f);
}

static const char *status_class(td_layer_status_t s)
{
    switch (s) {
    case TD_LS_OK:
        return "ok";
    case TD_LS_WARN:
        return "warn";
    case TD_LS_FAIL:
        return "fail";
    case TD_LS_UNKNOWN:
        return "unknown";
    default:
        return "dim";
    }
}

static const char *sev_class(td_severity_t s)
{
    return s == TD_SEV_FAIL      ? "fail"
           : s == TD_SEV_WARN    ? "warn"
           : s == TD_SEV_UNKNOWN ? "unknown"
                                 : "ok";
}

/* The page's own style and script: static text, nothing from data. The script only wires the
 * copy buttons; the page reads the same without it. */
static const char page_head[] =
        "<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<meta name=\"color-scheme\" content=\"light dark\">\n"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
        "<style>\n"
        ":root{--bg:#fff;--fg:#1b1f24;--dim:#5b6570;--line:#d0d7de;--ok:#1a7f37;--warn:#9a6700;"
        "--fail:#cf222e;--unknown:#8250df;--box:#f6f8fa}\n"
        "@media (prefers-color-scheme: dark){:root{--bg:#0d1117;--fg:#e6edf3;--dim:#8d96a0;"
        "--line:#30363d;--ok:#3fb950;--warn:#d29922;--fail:#f85149;--unknown:#a371f7;"
        "--box:#161b22}}\n"
        "body{background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,sans-serif;"
        "margin:0 auto;max-width:1000px;padding:1em}\n"
        "h1{font-size:1.3em}h2{font-size:1.1em;margin-top:1.6em;border-bottom:1px solid "
        "var(--line)}\n"
        "code,pre,.mono{font-family:ui-monospace,monospace;font-size:.9em}\n"
        "pre{background:var(--box);padding:.6em;overflow-x:auto;white-space:pre-wrap;"
        "word-break:break-word}\n"
        "table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid var(--line);"
        "padding:.25em .5em;text-align:left;vertical-align:top}\n"
        ".ok{color:var(--ok)}.warn{color:var(--warn)}.fail{color:var(--fail)}"
        ".unknown{color:var(--unknown)}.dim{color:var(--dim)}\n"
        ".verdict{border-left:6px solid currentColor;background:var(--box);padding:.6em 1em}\n"
        ".verdict p,.verdict .fix{color:var(--fg)}\n"
        ".fix{position:relative}.fix button{float:right;font:inherit;font-size:.85em}\n"
        "svg.ladder{width:100%;height:auto;max-width:860px;display:block}\n"
        "svg.ladder text{fill:var(--fg);font:12px ui-monospace,monospace}\n"
        "svg.ladder .party{stroke:var(--dim);stroke-width:2}\n"
        "svg.ladder .arrow line{stroke-width:1.6}svg.ladder .arrow.ok line{stroke:var(--ok)}\n"
        "svg.ladder .arrow.ok polygon{fill:var(--ok)}svg.ladder .arrow.fail "
        "line{stroke:var(--fail)}"
        "\n"
        "svg.ladder .arrow.fail polygon{fill:var(--fail)}svg.ladder .note line{stroke:var(--fail);"
        "stroke-dasharray:5 4}\n"
        "svg.ladder .note.unknown line{stroke:var(--unknown)}svg.ladder text.t{fill:var(--dim)}\n"
        "tr.failing td{background:color-mix(in srgb,var(--fail) 12%,transparent)}\n"
        "@media print{button{display:none}details{display:block}details>*{display:block}"
        "body{max-width:none}}\n"
        "</style>\n";

static const char page_script[] =
        "<script>\n"
        "document.querySelectorAll('button.copy').forEach(function(b){\n"
        "  b.addEventListener('click',function(){\n"
        "    var t=b.parentNode.querySelector('.fixtext');\n"
        "    if(!t){return;}\n"
        "    var done=function(){b.textContent='copied';};\n"
        "    if(navigator.clipboard&&window.isSecureContext){\n"
        "      navigator.clipboard.writeText(t.textContent).then(done,function(){});\n"
        "    }else{var r=document.createRange();r.selectNodeContents(t);\n"
        "      var s=window.getSelection();s.removeAllRanges();s.addRange(r);\n"
        "      try{document.execCommand('copy');done();}catch(e){}}\n"
        "  });\n"
        "});\n"
        "</script>\n";

void td__html_begin(FILE *f, const char *title)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n", f);
    fputs(page_head, f);
    fputs("<title>", f);
    esc(f, title);
    fputs("</title>\n</head>\n<body>\n", f);
}

void td__html_end(FILE *f)
{
    time_t now = time(NULL);
    struct tm tm;
    char when[40] = "";
    if (gmtime_r(&now, &tm) != NULL) {
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
    }
    fprintf(f, "<p class=\"dim\">tlsdoctor %s, %s</p>\n", TD_VERSION, when);
    fputs(page_script, f);
    fputs("</body>\n</html>\n", f);
}

void td__html_pre(FILE *f, const char *text)
{
    fputs("<pre>", f);
    esc(f, text);
    fputs("</pre>\n", f);
}

/* ---- the handshake ladder ---- */

enum { DIR_NOTE = 0, DIR_C2S = 1, DIR_S2C = -1 };

typedef struct ladder_ev {
    int dir;
    int bad;       /* 1 failure (red), 2 not observed (violet), 0 fine */
    double ms;     /* -1 unknown */
    int estimated; /* the time is derived from another connection's measurement */
    char label[220];
} ladder_ev_t;

typedef struct ladder {
    const char *title;
    const char *caption;
    ladder_ev_t ev[20];
    int n;
} ladder_t;

static ladder_ev_t *ev_add(ladder_t *l, int dir, int bad, double ms, const char *fmt, ...)
        TD_PRINTF(5, 6);

static ladder_ev_t *ev_add(ladder_t *l, int dir, int bad, double ms, const char *fmt, ...)
{
    if (l->n >= (int)(sizeof(l->ev) / sizeof(l->ev[0]))) {
        return NULL;
    }
    ladder_ev_t *e = &l->ev[l->n++];
    memset(e, 0, sizeof(*e));
    e->dir = dir;
    e->bad = bad;
    e->ms = ms;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->label, sizeof(e->label), fmt, ap);
    va_end(ap);
    return e;
}

/* The TCP connection of the TCP layer: SYN and what came back. Returns the connect time in
 * ms, or -1 when there was no connection (and the ladder ends). */
static double ladder_tcp(ladder_t *l, const td_obs_t *o, int estimated)
{
    const td_obs_tcp_t *t = &o->tcp;
    if (t->step != TD_STEP_DONE || t->n == 0) {
        ev_add(l, DIR_NOTE, 2, -1, "no TCP connection was tried (%s)",
               o->deadline_hit ? "the deadline passed first" : "step not run");
        return -1;
    }
    const td_obs_tcp_attempt_t *a = &t->a[t->chosen >= 0 ? t->chosen : t->n - 1];
    ev_add(l, DIR_C2S, 0, 0, "SYN to %s port %u", a->addr, (unsigned)a->port);
    ladder_ev_t *e = NULL;
    switch (a->result) {
    case TD_TCP_OK:
        e = ev_add(l, DIR_S2C, 0, a->ms, "SYN-ACK");
        break;
    case TD_TCP_REFUSED:
        ev_add(l, DIR_S2C, 1, a->ms, "RST: connection refused (nothing listens on the port)");
        return -1;
    case TD_TCP_TIMEOUT:
        ev_add(l, DIR_NOTE, 1, a->ms, "silence: no answer to the SYN until the deadline");
        return -1;
    default:
        ev_add(l, DIR_NOTE, 1, a->ms, "%s (%s)", td_tcp_result_name(a->result),
               a->err != 0 ? strerror(a->err) : "no error code");
        return -1;
    }
    if (e != NULL) {
        e->estimated = estimated;
    }
    return a->ms;
}

static void ladder_end(ladder_t *l, td_read_end_t end, double ms, int received)
{
    switch (end) {
    case TD_END_EOF:
        ev_add(l, DIR_S2C, received ? 0 : 1, ms, "FIN: the server closed the connection%s",
               received ? "" : " without a byte");
        break;
    case TD_END_RESET:
        ev_add(l, DIR_S2C, 1, ms, "RST: the server reset the connection");
        break;
    case TD_END_TIMEOUT:
        ev_add(l, DIR_NOTE, 1, ms, "silence until the step deadline (%.0f ms)", ms);
        break;
    case TD_END_ERROR:
        ev_add(l, DIR_NOTE, 1, ms, "socket error");
        break;
    default:
        break;
    }
}

/* Our raw ClientHello (the proto step) and the server's first flight as it came. */
static void ladder_sniff(ladder_t *l, const td_obs_t *o)
{
    const td_obs_exchange_t *x = &o->sniff;
    l->title = "Our first ClientHello and the server's first flight";
    l->caption = "The ClientHello the diagnosis sends itself, read byte by byte. Times in ms "
                 "since the SYN; ~ marks a time taken from the TCP layer's own connection.";
    double t0 = ladder_tcp(l, o, 1);
    if (t0 < 0) {
        return;
    }
    if (x->step != TD_STEP_DONE) {
        ev_add(l, DIR_NOTE, 2, -1, "ClientHello not sent: %s",
               o->deadline_hit ? "the deadline passed first" : "step not run");
        return;
    }
    if (!x->connected) {
        ev_add(l, DIR_NOTE, 1, x->ms, "the hello's own connection failed: %s",
               td_tcp_result_name(x->connect_result));
        return;
    }
    ladder_ev_t *e = ev_add(l, DIR_C2S, 0, t0, "ClientHello (%zu bytes%s%s)", x->sent,
                            o->sni[0] ? ", SNI " : ", no SNI", o->sni);
    if (e != NULL) {
        e->estimated = 1;
    }
    double tr = x->first_byte_ms >= 0 ? t0 + x->first_byte_ms : -1;
    const td_server_flight_t *fl = &x->flight;
    if (x->received == 0) {
        ladder_end(l, x->end, x->ms, 0);
        return;
    }
    if (x->sniff.cls != TD_SNIFF_TLS && x->sniff.cls != TD_SNIFF_SSLV2) {
        e = ev_add(l, DIR_S2C, 1, tr, "%zu bytes of %s, not TLS: \"%s\"", x->received,
                   x->sniff.proto != NULL ? x->sniff.proto : "another protocol",
                   x->sniff.printable);
    } else if (fl->sslv2) {
        e = ev_add(l, DIR_S2C, 1, tr, "SSLv2 SERVER-HELLO");
    } else if (fl->has_server_hello) {
        e = ev_add(l, DIR_S2C, 0, tr, "%s %s %s%s%s",
                   fl->is_hrr ? "HelloRetryRequest" : "ServerHello", td_version_name(fl->version),
                   td_cipher_name(fl->cipher), fl->group != 0 ? " " : "",
                   fl->group != 0 ? td_group_name(fl->group) : "");
        if (fl->has_certificate) {
            ev_add(l, DIR_S2C, 0, tr, "Certificate (%d certificate%s, %u bytes)", fl->cert_count,
                   fl->cert_count == 1 ? "" : "s", (unsigned)fl->cert_bytes);
        }
        if (fl->has_ske) {
            ev_add(l, DIR_S2C, 0, tr, "ServerKeyExchange%s%s", fl->ske_group ? " " : "",
                   fl->ske_group ? td_group_name(fl->ske_group) : "");
        }
        if (fl->has_cert_request) {
            ev_add(l, DIR_S2C, 0, tr, "CertificateRequest (a client certificate is asked for)");
        }
        if (fl->has_done) {
            ev_add(l, DIR_S2C, 0, tr, "ServerHelloDone");
        }
        if (fl->encrypted) {
            ev_add(l, DIR_S2C, 0, tr,
                   "encrypted handshake: EncryptedExtensions, Certificate, "
                   "Finished (TLS 1.3)");
        }
    }
    if (fl->has_alert) {
        ev_add(l, DIR_S2C, 1, tr, "Alert %s %u %s", fl->alert_level == 1 ? "warning" : "fatal",
               (unsigned)fl->alert_desc, td_alert_name(fl->alert_desc));
    }
    if (fl->decode_error) {
        ev_add(l, DIR_S2C, 1, tr, "malformed: %s at byte %zu",
               fl->error_field != NULL ? fl->error_field : "a field", fl->error_offset);
    }
    if (x->end != TD_END_ENOUGH) {
        ladder_end(l, x->end, x->ms, 1);
    }
}

/* The full OpenSSL handshake at modern defaults, then the HTTP request on that connection. */
static void ladder_tls(ladder_t *l, const td_obs_t *o)
{
    const td_obs_tls_t *t = &o->tls;
    const td_obs_http_t *h = &o->http;
    l->title = "Full handshake (OpenSSL, modern defaults) and the HTTP request";
    l->caption = "Times in ms since the SYN; ~ marks a time taken from the TCP layer's own "
                 "connection or derived from a duration.";
    double t0 = ladder_tcp(l, o, 1);
    if (t0 < 0) {
        return;
    }
    if (t->step != TD_STEP_DONE) {
        ev_add(l, DIR_NOTE, 2, -1, "handshake not tried: %s",
               o->deadline_hit ? "the deadline passed first" : "step not run");
        return;
    }
    ladder_ev_t *e =
            ev_add(l, DIR_C2S, 0, t0, "ClientHello%s%s", t->sni[0] ? " SNI " : " no SNI", t->sni);
    if (e != NULL) {
        e->estimated = 1;
    }
    if (t->ok) {
        ev_add(l, DIR_S2C, 0, -1, "ServerHello %s %s%s%s", t->version, t->cipher,
               t->group[0] ? " " : "", t->group);
        ev_add(l, DIR_S2C, 0, -1, "Certificate (%d certificate%s)%s", t->peer_certs,
               t->peer_certs == 1 ? "" : "s", t->cert_requested ? ", CertificateRequest" : "");
        if (o->cert.step == TD_STEP_DONE && o->cert.verify_code != 0) {
            ev_add(l, DIR_NOTE, 1, -1,
                   "chain check fails: %s (a verifying client sends an "
                   "alert here)",
                   o->cert.verify_text);
        }
        ev_add(l, DIR_S2C, 0, -1, "Finished");
        ev_add(l, DIR_C2S, 0, t->ms,
               "Finished: handshake complete (this probe does not "
               "verify)");
    } else {
        if (t->peer_certs > 0) {
            ev_add(l, DIR_S2C, 0, -1, "ServerHello, Certificate (%d certificate%s)", t->peer_certs,
                   t->peer_certs == 1 ? "" : "s");
        }
        if (t->alert_sent >= 0) {
            ev_add(l, DIR_C2S, 1, t->ms, "Alert %d %s (we refuse: %s)", t->alert_sent,
                   td_alert_name(t->alert_sent), t->ossl_text[0] ? t->ossl_text : "no reason");
        }
        if (t->alert_received >= 0) {
            ev_add(l, DIR_S2C, 1, t->ms, "Alert %d %s", t->alert_received,
                   td_alert_name(t->alert_received));
        } else if (t->timed_out) {
            ev_add(l, DIR_NOTE, 1, t->ms, "silence until the step deadline");
        } else if (t->eof) {
            ev_add(l, DIR_S2C, 1, t->ms, "FIN: closed during the handshake, no alert");
        } else if (t->alert_sent < 0) {
            ev_add(l, DIR_NOTE, 1, t->ms, "handshake failed: %s",
                   t->ossl_text[0] ? t->ossl_text : "no reason given");
        }
        return;
    }
    if (h->step != TD_STEP_DONE) {
        ev_add(l, DIR_NOTE, 2, -1, "HTTP request not sent: %s",
               o->deadline_hit ? "the deadline passed first" : "step not run");
        return;
    }
    e = ev_add(l, DIR_C2S, 0, t->ms, "GET %s HTTP/1.1 (Host: %s)", o->path, o->host);
    if (e != NULL) {
        e->estimated = 1;
    }
    double tr = h->ttfb_ms >= 0 ? t->ms + h->ttfb_ms : -1;
    double tend = t->ms + h->ms;
    if (h->result == TD_HTTP_OK) {
        e = ev_add(l, DIR_S2C, h->head.status >= 500 ? 1 : 0, tr, "HTTP %d %s%s%s", h->head.status,
                   h->head.reason, h->head.server[0] ? " (Server: " : "", h->head.server);
        if (e != NULL && h->head.server[0]) {
            td_fmt_append(e->label, sizeof(e->label), ")");
        }
    } else if (h->result == TD_HTTP_TLS_ALERT) {
        ev_add(l, DIR_S2C, 1, tr, "Alert %d %s instead of a response", h->alert,
               td_alert_name(h->alert));
    } else if (h->result == TD_HTTP_HEAD_INCOMPLETE) {
        ev_add(l, DIR_S2C, 1, tr, "a response head that never ends (%zu bytes read%s)",
               h->head_bytes, h->head_capped ? ", stopped at the cap" : "");
    } else if (h->result == TD_HTTP_TIMEOUT) {
        ev_add(l, DIR_NOTE, 1, tend, "silence: no response head until the step deadline");
    } else if (h->result == TD_HTTP_RESET) {
        ev_add(l, DIR_S2C, 1, tend, "RST instead of a response");
    } else if (h->result == TD_HTTP_EMPTY) {
        ev_add(l, DIR_S2C, 1, tend, "FIN: closed without a response");
    } else {
        ev_add(l, DIR_S2C, 1, tr, "%s: \"%s\"", td_http_result_name(h->result), h->first);
    }
}

/* A plain HTTP exchange (an http:// target). */
static void ladder_plain(ladder_t *l, const td_obs_t *o)
{
    const td_obs_exchange_t *x = &o->plain;
    l->title = "Plain HTTP request";
    l->caption = "Times in ms since the SYN; ~ marks a time taken from the TCP layer's own "
                 "connection.";
    double t0 = ladder_tcp(l, o, 1);
    if (t0 < 0) {
        return;
    }
    if (x->step != TD_STEP_DONE || !x->connected) {
        ev_add(l, DIR_NOTE, 2, -1, "HTTP request not sent");
        return;
    }
    ladder_ev_t *e = ev_add(l, DIR_C2S, 0, t0, "GET %s HTTP/1.1 (%zu bytes)", o->path, x->sent);
    if (e != NULL) {
        e->estimated = 1;
    }
    double tr = x->first_byte_ms >= 0 ? t0 + x->first_byte_ms : -1;
    if (x->received == 0) {
        ladder_end(l, x->end, x->ms, 0);
    } else if (x->head.valid) {
        ev_add(l, DIR_S2C, x->head.status >= 500, tr, "HTTP %d %s", x->head.status, x->head.reason);
    } else {
        ev_add(l, DIR_S2C, 1, tr, "%zu bytes of %s: \"%s\"", x->received,
               x->sniff.proto != NULL ? x->sniff.proto : "?", x->sniff.printable);
    }
}

static void ladder_write(FILE *f, const ladder_t *l, int index)
{
    const int W = 860, CX = 200, SX = 700, TOP = 46, ROW = 34;
    int h = TOP + ROW * l->n + 20;
    fprintf(f, "<h3>");
    esc(f, l->title);
    fprintf(f, "</h3>\n<p class=\"dim\">");
    esc(f, l->caption);
    fprintf(f, "</p>\n");
    fprintf(f,
            "<svg class=\"ladder\" id=\"ladder%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
            "aria-label=\"",
            index, W, h);
    esc(f, l->title);
    fprintf(f, "\" xmlns=\"http://www.w3.org/2000/svg\">\n");
    fprintf(f, "<text x=\"%d\" y=\"18\" text-anchor=\"middle\">client (tlsdoctor)</text>\n", CX);
    fprintf(f, "<text x=\"%d\" y=\"18\" text-anchor=\"middle\">server</text>\n", SX);
    fprintf(f, "<line class=\"party\" x1=\"%d\" y1=\"26\" x2=\"%d\" y2=\"%d\"/>\n", CX, CX, h - 8);
    fprintf(f, "<line class=\"party\" x1=\"%d\" y1=\"26\" x2=\"%d\" y2=\"%d\"/>\n", SX, SX, h - 8);
    for (int i = 0; i < l->n; i++) {
        const ladder_ev_t *e = &l->ev[i];
        int y = TOP + ROW * i + 12;
        const char *cls = e->bad == 1 ? "fail" : e->bad == 2 ? "unknown" : "ok";
        if (e->ms >= 0) {
            fprintf(f, "<text class=\"t\" x=\"4\" y=\"%d\">%s%.1f ms</text>\n", y + 4,
                    e->estimated ? "~" : "", e->ms);
        }
        if (e->dir == DIR_NOTE) {
            fprintf(f, "<g class=\"note %s\"><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>", cls,
                    CX, y, SX, y);
            fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", (CX + SX) / 2, y - 5);
        } else {
            int x1 = e->dir == DIR_C2S ? CX : SX, x2 = e->dir == DIR_C2S ? SX : CX;
            int tip = e->dir == DIR_C2S ? -9 : 9;
            fprintf(f,
                    "<g class=\"arrow %s\" data-dir=\"%s\"><line x1=\"%d\" y1=\"%d\" x2=\"%d\" "
                    "y2=\"%d\"/>",
                    cls, e->dir == DIR_C2S ? "c2s" : "s2c", x1, y, x2 + tip, y);
            fprintf(f, "<polygon points=\"%d,%d %d,%d %d,%d\"/>", x2, y, x2 + tip, y - 5, x2 + tip,
                    y + 5);
            fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", (CX + SX) / 2, y - 5);
        }
        esc(f, e->label);
        fprintf(f, "</text></g>\n");
    }
    fprintf(f, "</svg>\n");
}

/* ---- the sections ---- */

static void finding_block(FILE *f, const td_finding_t *x, const char *heading, int copy)
{
    fprintf(f, "<div class=\"verdict %s\" data-finding=\"", sev_class(x->severity));
    esc(f, x->id);
    fprintf(f, "\">\n<strong>");
    esc(f, heading);
    fprintf(f, ": <code class=\"finding-id\">");
    esc(f, x->id);
    fprintf(f, "</code> ");
    esc(f, x->title);
    fprintf(f, "</strong>\n<p>");
    esc(f, x->cause);
    fprintf(f, "</p>\n<p><b>Evidence:</b> <span class=\"evidence\">");
    esc(f, x->evidence);
    fprintf(f, "</span></p>\n<div class=\"fix\">%s<b>Fix:</b> <span class=\"fixtext\">",
            copy ? "<button type=\"button\" class=\"copy\">copy</button>" : "");
    esc(f, x->fix);
    fprintf(f, "</span></div>\n</div>\n");
}

static void section_verdict(FILE *f, const td_report_t *r)
{
    if (r->has_root) {
        const td_finding_t *rc = &r->f[0].pub;
        finding_block(f, rc,
                      rc->severity == TD_SEV_FAIL      ? "Root cause"
                      : rc->severity == TD_SEV_UNKNOWN ? "Verdict unknown"
                                                       : "Main issue",
                      1);
    } else {
        fprintf(f, "<div class=\"verdict ok\" data-finding=\"\"><strong>HEALTHY</strong>"
                   "<p>No problem found on any layer.</p></div>\n");
    }
}

static void section_layers(FILE *f, const td_report_t *r)
{
    char line[1024];
    fprintf(f, "<h2>Layers</h2>\n<table class=\"layers\">\n<tr><th>layer</th><th>status</th>"
               "<th>time</th><th>what was seen</th></tr>\n");
    for (int l = 0; l < TD_LAYER__COUNT; l++) {
        double ms = -1;
        td_layer_status_t s = td__layer_summary(r, (td_layer_t)l, line, sizeof(line), &ms);
        char t[32] = "";
        if (ms >= 0) {
            td_fmt(t, sizeof(t), "%.1f ms", ms);
        }
        fprintf(f, "<tr data-layer=\"%s\">", td_layer_name((td_layer_t)l));
        td_cell(f, NULL, td_layer_name((td_layer_t)l));
        td_cell(f, status_class(s), td__layer_status_name(s));
        td_cell(f, "mono", t);
        td_cell(f, NULL, line);
        fprintf(f, "</tr>\n");
    }
    fprintf(f, "</table>\n");
}

static void section_clients(FILE *f, const td_report_t *r)
{
    char buf[200];
    if (r->n_clients > 0) {
        fprintf(f, "<h2>Clients</h2>\n<table class=\"clients\">\n<tr><th>client</th>"
                   "<th>result</th><th>how judged</th><th>detail</th></tr>\n");
        for (int i = 0; i < r->n_clients; i++) {
            const td_client_verdict_t *c = &r->clients[i];
            const char *res = !c->known ? "not observed" : c->ok ? "connects" : "fails";
            buf[0] = '\0';
            if (c->known && c->ok && c->version != 0) {
                td_fmt(buf, sizeof(buf), "%s %s%s%s", td_version_name(c->version),
                       c->cipher ? td_cipher_name(c->cipher) : "", c->group ? " " : "",
                       c->group ? td_group_name(c->group) : "");
            }
            if (c->why[0]) {
                td_fmt_append(buf, sizeof(buf), "%s%s", buf[0] ? "; " : "", c->why);
            }
            fprintf(f, "<tr>");
            td_cell(f, NULL, c->name);
            td_cell(f, !c->known ? "unknown" : c->ok ? "ok" : "fail", res);
            td_cell(f, "dim", c->basis != NULL ? c->basis : "?");
            td_cell(f, NULL, buf);
            fprintf(f, "</tr>\n");
        }
        fprintf(f, "</table>\n");
    }
    if (r->n_proxies > 0) {
        fprintf(f, "<h2>Proxies and CDNs in front of this origin</h2>\n<table class=\"proxies\">\n"
                   "<tr><th>proxy</th><th>mode</th><th>result</th><th>why</th></tr>\n");
        for (size_t i = 0; i < r->n_proxies; i++) {
            const td_proxy_outcome_t *p = &r->proxies[i];
            bool ok = strcmp(p->result, "OK") == 0;
            bool unk = strcmp(p->result, "unknown") == 0 || strcmp(p->result, "not checked") == 0;
            fprintf(f, "<tr>");
            td_cell(f, NULL, p->proxy);
            td_cell(f, NULL, p->mode);
            td_cell(f, ok ? "ok" : unk ? "unknown" : "fail", p->result);
            td_cell(f, NULL, p->why);
            fprintf(f, "</tr>\n");
        }
        fprintf(f, "</table>\n<p><b>Recommended:</b> ");
        esc(f, r->recommended);
        fprintf(f, "</p>\n");
    }
}

static void fmt_time(char *buf, size_t cap, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (t == 0 || gmtime_r(&tt, &tm) == NULL || strftime(buf, cap, "%Y-%m-%d", &tm) == 0) {
        td_fmt(buf, cap, "?");
    }
}

static void section_chain(FILE *f, const td_obs_t *o)
{
    const td_obs_cert_t *c = &o->cert;
    char nb[32], na[32], key[48];
    fprintf(f, "<h2>Certificate chain</h2>\n");
    if (c->step != TD_STEP_DONE || c->n == 0) {
        fprintf(f, "<p class=\"unknown\">No certificate was received, so the chain was not "
                   "checked.</p>\n");
        return;
    }
    /* OpenSSL reports the depth of the certificate it failed on: mark that link. */
    int failing = c->verify_code != 0 && c->verify_depth >= 0 && c->verify_depth < c->n
                          ? c->verify_depth
                          : -1;
    fprintf(f, "<p>As sent: %d certificate%s%s. ", c->sent, c->sent == 1 ? "" : "s",
            c->truncated ? " (only the first ones are listed)" : "");
    if (c->verify_code == 0) {
        fprintf(f, "<span class=\"ok\">As built: the chain verifies to a trust anchor of ");
        esc(f, c->store);
        fprintf(f, " (%d certificate%s).</span>", c->built_chain_len,
                c->built_chain_len == 1 ? "" : "s");
    } else {
        fprintf(f, "<span class=\"fail\">As built: it does not verify: ");
        esc(f, c->verify_text);
        fprintf(f, " (error %d at depth %d, against ", c->verify_code, c->verify_depth);
        esc(f, c->store);
        fprintf(f, ").</span>");
    }
    fprintf(f, " The name checked: <code>");
    esc(f, c->name_checked);
    fprintf(f, "</code> <span class=\"%s\">%s</span>.</p>\n", c->name_match ? "ok" : "fail",
            c->name_match ? "matches" : "does not match");
    fprintf(f, "<table class=\"chain\">\n<tr><th>#</th><th>subject</th><th>issuer</th>"
               "<th>names</th><th>valid</th><th>key, signature</th><th>issued by</th></tr>\n");
    for (int i = 0; i < c->n; i++) {
        const td_cert_info_t *x = &c->c[i];
        char idx[16], by[48];
        fmt_time(nb, sizeof(nb), x->not_before);
        fmt_time(na, sizeof(na), x->not_after);
        td_fmt(idx, sizeof(idx), "%d", i);
        td_fmt(key, sizeof(key), "%s %d, %s", x->key_type, x->key_bits, x->sig_alg);
        if (x->issued_by > 0) {
            td_fmt(by, sizeof(by), "#%d (sent)", x->issued_by - 1);
        } else {
            td_fmt(by, sizeof(by), "%s", x->self_signed ? "itself" : "not in what was sent");
        }
        char valid[80];
        bool expired = c->now > 0 && x->not_after > 0 && x->not_after < c->now;
        bool early = c->now > 0 && x->not_before > c->now;
        td_fmt(valid, sizeof(valid), "%s to %s%s", nb, na,
               expired ? " (expired)"
               : early ? " (not yet valid)"
                       : "");
        fprintf(f, "<tr%s>", i == failing || expired || early ? " class=\"failing\"" : "");
        td_cell(f, "mono", idx);
        td_cell(f, NULL, x->subject);
        td_cell(f, NULL, x->issuer);
        td_cell(f, NULL, x->sans);
        td_cell(f, expired || early ? "fail" : NULL, valid);
        td_cell(f, NULL, key);
        td_cell(f, NULL, by);
        fprintf(f, "</tr>\n");
    }
    fprintf(f, "</table>\n");
}

/* Captures what a text renderer writes into a string (the matrix table reads well as text). */
static char *capture(void (*fn)(const td_report_t *, FILE *, int), const td_report_t *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (m == NULL) {
        return NULL;
    }
    fn(r, m, 0);
    if (fclose(m) != 0) {
        td_free(buf); /* open_memstream's buffer: libc's malloc, which td_free frees */
        return NULL;
    }
    return buf;
}

static void section_evidence(FILE *f, const td_report_t *r)
{
    size_t first = r->has_root ? 1 : 0;
    if (r->n > first) {
        fprintf(f, "<h2>Other findings</h2>\n");
        for (size_t i = first; i < r->n; i++) {
            const td_finding_t *x = &r->f[i].pub;
            finding_block(f, x, td_severity_name(x->severity), 0);
        }
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (m != NULL) {
        int rc = td_report_write_json(r, m);
        if (fclose(m) == 0 && rc == 0 && buf != NULL) {
            fprintf(f, "<h2>Raw evidence</h2>\n<details><summary>the whole report as JSON "
                       "(docs/json.md)</summary>\n");
            td__html_pre(f, buf);
            fprintf(f, "</details>\n");
        }
        td_free(buf); /* open_memstream's buffer: libc's malloc, which td_free frees */
    }
}

/* The body of one report: used by the diagnosis page and by compare, once per path. */
void td__html_report_body(FILE *f, const td_report_t *r, int index)
{
    const td_obs_t *o = &r->obs;
    section_verdict(f, r);
    if (r->server_software != NULL) {
        fprintf(f, "<p>Server software: ");
        esc(f, r->server_software);
        fprintf(f, " (");
        esc(f, r->server_evidence);
        fprintf(f, "); the fixes are for it.</p>\n");
    }
    fprintf(f, "<h2>The handshake</h2>\n");
    ladder_t *l = td_calloc(1, sizeof(*l));
    if (l != NULL) {
        int k = index * 4;
        if (o->plain_target) {
            ladder_plain(l, o);
            ladder_write(f, l, k++);
        } else {
            ladder_sniff(l, o);
            ladder_write(f, l, k++);
            memset(l, 0, sizeof(*l));
            ladder_tls(l, o);
            ladder_write(f, l, k++);
        }
        td_free(l);
    }
    section_layers(f, r);
    section_clients(f, r);
    if (!o->plain_target) {
        section_chain(f, o);
    }
    if (o->matrix.step == TD_STEP_DONE) {
        char *m = capture(td__matrix_write_text, r);
        if (m != NULL) {
            fprintf(f, "<h2>Handshake matrix</h2>\n");
            td__html_pre(f, m);
            td_free(m);
        }
    }
    section_evidence(f, r);
    fprintf(f, "<p class=\"dim\">%.0f ms in all%s</p>\n", o->total_ms,
            o->deadline_hit ? " (the --timeout deadline cut the diagnosis short)" : "");
}

int td_report_write_html(const td_report_t *r, FILE *f)
{
    const td_obs_t *o = &r->obs;
    char title[400];
    td_fmt(title, sizeof(title), "tlsdoctor: %s:%u", o->host, (unsigned)o->port);
    td__html_begin(f, title);
    fprintf(f, "<h1>tlsdoctor: <span class=\"mono\">");
    esc(f, o->host);
    fprintf(f, ":%u</span>", (unsigned)o->port);
    if (o->connect_to[0] != '\0') {
        fprintf(f, " via <span class=\"mono\">");
        esc(f, o->connect_to);
        fprintf(f, "</span>");
    }
    if (o->sni[0] != '\0' && strcmp(o->sni, o->host) != 0) {
        fprintf(f, " (SNI <span class=\"mono\">");
        esc(f, o->sni);
        fprintf(f, "</span>)");
    }
    fprintf(f, "</h1>\n");
    td__html_report_body(f, r, 0);
    td__html_end(f);
    return ferror(f) ? TD_E_IO : 0;
}
