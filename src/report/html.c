/* html.c: the report as one self-contained HTML page (issue 16): verdict and fix, a handshake
 * ladder per probe in inline SVG, layers, findings, clients and proxies, the certificate chain,
 * the matrix and the raw JSON. Rendering only. Every string that came from the network or a
 * file goes through td__html_esc(); the page loads nothing and runs only the fixed script below,
 * pinned by its hash in the Content-Security-Policy. */
#define _POSIX_C_SOURCE 200809L
#include "report.h"

#include "../kb/kb.h"

#include <errno.h>
#include <openssl/evp.h>
#include <string.h>
#include <time.h>

/* The only script: copies the text of the element a button names. Built from no data. */
static const char copy_script[] =
        "document.querySelectorAll('button.copy').forEach(function(b){"
        "b.addEventListener('click',function(){"
        "var t=document.getElementById(b.getAttribute('data-for'));if(!t){return;}"
        "var s=t.textContent;var done=function(){b.textContent='copied';};"
        "if(navigator.clipboard&&window.isSecureContext){"
        "navigator.clipboard.writeText(s).then(done,function(){});}else{"
        "var r=document.createRange();r.selectNodeContents(t);var g=window.getSelection();"
        "g.removeAllRanges();g.addRange(r);try{document.execCommand('copy');done();}"
        "catch(e){}}});});"
        /* Printing opens the findings (not the raw JSON: it can be long). */
        "window.addEventListener('beforeprint',function(){"
        "document.querySelectorAll('details.f').forEach(function(d){d.open=true;});});";

static const char style_sheet[] =
        ":root{color-scheme:light dark;--fg:#1b1f24;--bg:#fff;--mute:#5b636d;--line:#d0d7de;"
        "--ok:#1a7f37;--warn:#9a6700;--fail:#cf222e;--code:#f6f8fa;--acc:#0550ae}\n"
        "@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--mute:#9198a1;"
        "--line:#3d444d;--ok:#3fb950;--warn:#d29922;--fail:#f85149;--code:#161b22;"
        "--acc:#58a6ff}}\n"
        "body{font:15px/1.45 system-ui,sans-serif;color:var(--fg);background:var(--bg);"
        "max-width:60rem;margin:1.5rem auto;padding:0 1rem}\n"
        "h1{font-size:1.4rem;margin:.2rem 0}h2{font-size:1.15rem;border-bottom:1px solid "
        "var(--line);padding-bottom:.2rem;margin-top:2rem}h3{font-size:1rem;margin:1.2rem 0 "
        ".3rem}\n"
        ".mute{color:var(--mute)}.ok{color:var(--ok)}.warn{color:var(--warn)}"
        ".fail{color:var(--fail)}.unknown{color:var(--warn)}.not_run,.skipped{color:var(--mute)}\n"
        ".verdict{border:2px solid var(--line);border-radius:6px;padding:.6rem 1rem}"
        ".verdict.v-fail{border-color:var(--fail)}.verdict.v-warn,.verdict.v-unknown{"
        "border-color:var(--warn)}.verdict.v-ok{border-color:var(--ok)}"
        ".verdict h2{border:0;margin:.2rem 0}\n"
        "pre,code{font:13px/1.4 ui-monospace,monospace;background:var(--code)}"
        "pre{padding:.5rem;overflow-x:auto;white-space:pre-wrap;word-break:break-word}\n"
        "pre.fix{user-select:all;border-left:3px solid var(--acc)}\n"
        "button.copy{font:inherit;font-size:.85rem;padding:.1rem .6rem;cursor:pointer}\n"
        "table{border-collapse:collapse;width:100%;font-size:.9rem}"
        "th,td{border:1px solid var(--line);padding:.2rem .4rem;text-align:left;"
        "vertical-align:top;word-break:break-word}th{background:var(--code)}\n"
        "th,table.layers td:nth-child(-n+3){white-space:nowrap}\n"
        "tr.broken td{background:rgba(207,34,46,.12)}\n"
        "svg.ladder{width:100%;height:auto;max-width:54rem;display:block}\n"
        "svg.ladder text{font:12px ui-monospace,monospace;fill:var(--fg)}"
        "svg.ladder text.t{fill:var(--mute)}\n"
        "svg.ladder .peer{stroke:var(--mute);stroke-width:2}"
        "svg.ladder .arrow line{stroke:var(--fg);stroke-width:1.5}"
        "svg.ladder .arrow polygon{fill:var(--fg)}\n"
        "svg.ladder .arrow.bad line{stroke:var(--fail)}svg.ladder .arrow.bad polygon{fill:"
        "var(--fail)}svg.ladder .arrow.bad text{fill:var(--fail)}\n"
        "svg.ladder .silence line{stroke:var(--warn);stroke-dasharray:5 4;stroke-width:2}"
        "svg.ladder .silence text{fill:var(--warn)}svg.ladder .note.bad text{fill:var(--fail)}\n"
        "details{margin:.4rem 0}summary{cursor:pointer}\n"
        "@media print{button.copy{display:none}"
        "body{max-width:none;margin:0}a{color:inherit}}\n";

/* Writes s escaped for HTML text and attribute values (also inside SVG <text>). The report's
 * strings are already escaped for terminals (td_escape: control bytes become \xNN); a byte
 * below 0x20 or DEL that got here anyway is written the same way, never raw. */
static void put_esc_c(FILE *f, unsigned char c)
{
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
        if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
            fprintf(f, "\\x%02x", c);
        } else {
            (void)fputc(c, f);
        }
        break;
    }
}

void td__html_esc(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s != NULL ? s : ""); *p; p++) {
        put_esc_c(f, *p);
    }
}

/* The tag, with s escaped as its text. tag and cls are literals of this file. */
static void put_el(FILE *f, const char *tag, const char *cls, const char *s)
{
    if (cls != NULL) {
        fprintf(f, "<%s class=\"%s\">", tag, cls);
    } else {
        fprintf(f, "<%s>", tag);
    }
    td__html_esc(f, s);
    fprintf(f, "</%s>", tag);
}

static const char *sev_class(td_severity_t s)
{
    return s == TD_SEV_FAIL      ? "fail"
           : s == TD_SEV_WARN    ? "warn"
           : s == TD_SEV_UNKNOWN ? "unknown"
                                 : "ok";
}

/* ---- The ladder ---- */

typedef enum ev_kind {
    EV_C2S = 0, /* an arrow from the client to the server */
    EV_S2C,     /* an arrow from the server to the client */
    EV_SILENCE, /* nothing came until the deadline */
    EV_NOTE,    /* a line of text, no arrow */
} ev_kind_t;

typedef struct ladder_ev {
    ev_kind_t kind;
    int bad; /* an alert, a reset, a close without a word */
    double ms;
    char label[200];
} ladder_ev_t;

typedef struct ladder {
    int n;
    ladder_ev_t ev[48];
} ladder_t;

TD_PRINTF(5, 6)
static void add_ev(ladder_t *l, ev_kind_t kind, int bad, double ms, const char *fmt, ...)
{
    if (l->n >= (int)TD_ARRAY_LEN(l->ev)) {
        return;
    }
    ladder_ev_t *e = &l->ev[l->n++];
    va_list ap;
    e->kind = kind;
    e->bad = bad;
    e->ms = ms;
    va_start(ap, fmt);
    (void)vsnprintf(e->label, sizeof(e->label), fmt, ap);
    va_end(ap);
}

static const char *handshake_name(uint8_t t)
{
    switch (t) {
    case 1:
        return "ClientHello";
    case 2:
        return "ServerHello";
    case 4:
        return "NewSessionTicket";
    case 5:
        return "EndOfEarlyData";
    case 8:
        return "EncryptedExtensions";
    case 11:
        return "Certificate";
    case 12:
        return "ServerKeyExchange";
    case 13:
        return "CertificateRequest";
    case 14:
        return "ServerHelloDone";
    case 15:
        return "CertificateVerify";
    case 16:
        return "ClientKeyExchange";
    case 20:
        return "Finished";
    case 22:
        return "CertificateStatus";
    case 24:
        return "KeyUpdate";
    default:
        return "handshake message";
    }
}

static void tcp_open(ladder_t *l, int connected, td_tcp_result_t res, double connect_ms,
                     double end_ms, double deadline_ms)
{
    add_ev(l, EV_C2S, 0, 0, "SYN");
    if (connected) {
        add_ev(l, EV_S2C, 0, connect_ms, "SYN-ACK");
        return;
    }
    switch (res) {
    case TD_TCP_REFUSED:
        add_ev(l, EV_S2C, 1, end_ms, "RST: connection refused");
        break;
    case TD_TCP_TIMEOUT:
        add_ev(l, EV_SILENCE, 1, end_ms, "no SYN-ACK until the deadline (%.0f ms)", deadline_ms);
        break;
    case TD_TCP_UNREACHABLE:
        add_ev(l, EV_S2C, 1, end_ms, "ICMP: unreachable");
        break;
    default:
        add_ev(l, EV_NOTE, 1, end_ms, "the connection failed (%s)", td_tcp_result_name(res));
        break;
    }
}

/* Our own ClientHello (or a plain HTTP request: http) and the server's first flight, from the
 * exchange's parsed reply. */
static void ladder_exchange(ladder_t *l, const td_obs_exchange_t *x, const char *what, int http,
                            double deadline_ms)
{
    tcp_open(l, x->connected, x->connect_result, x->connect_ms, x->ms, deadline_ms);
    if (!x->connected) {
        return;
    }
    double at = x->connect_ms;
    add_ev(l, EV_C2S, 0, at, "%s (%zu bytes)", what, x->sent);
    const td_server_flight_t *fl = &x->flight;
    double rx = x->first_byte_ms >= 0 ? at + x->first_byte_ms : x->ms;
    if (x->received > 0) {
        if (x->sniff.cls == TD_SNIFF_TLS && fl->has_server_hello) {
            add_ev(l, EV_S2C, 0, rx, "%s %s %s%s%s",
                   fl->is_hrr ? "HelloRetryRequest" : "ServerHello", td_version_name(fl->version),
                   td_cipher_name(fl->cipher), fl->group ? " " : "",
                   fl->group ? td_group_name(fl->group) : "");
            if (fl->has_certificate) {
                add_ev(l, EV_S2C, 0, rx, "Certificate (%d certificates, %u bytes)", fl->cert_count,
                       (unsigned)fl->cert_bytes);
            }
            if (fl->has_ske || fl->has_cert_request || fl->has_done) {
                add_ev(l, EV_S2C, 0, rx, "%s%s%s", fl->has_ske ? "ServerKeyExchange " : "",
                       fl->has_cert_request ? "CertificateRequest " : "",
                       fl->has_done ? "ServerHelloDone" : "");
            }
            if (fl->encrypted) {
                add_ev(l, EV_S2C, 0, rx,
                       "encrypted flight (EncryptedExtensions, Certificate, "
                       "CertificateVerify, Finished)");
            }
        }
        if (x->sniff.cls == TD_SNIFF_TLS && fl->has_alert) {
            add_ev(l, EV_S2C, 1, rx, "Alert %s %d %s", fl->alert_level == 2 ? "fatal" : "warning",
                   fl->alert_desc, td_alert_name(fl->alert_desc));
        }
        if (x->sniff.cls == TD_SNIFF_HTTP) {
            /* After a ClientHello an HTTP answer is the wrong protocol. */
            add_ev(l, EV_S2C, !http || x->head.status >= 500, rx, "HTTP %d %s (%zu bytes)",
                   x->head.status, x->head.reason, x->received);
        } else if (x->sniff.cls != TD_SNIFF_TLS || (!fl->has_server_hello && !fl->has_alert)) {
            add_ev(l, EV_S2C, 1, rx, "%zu bytes, not a TLS reply: %s \"%s\"", x->received,
                   td_sniff_class_name(x->sniff.cls), x->sniff.printable);
        }
    }
    switch (x->end) {
    case TD_END_EOF:
        add_ev(l, EV_S2C, x->received == 0, x->ms, "FIN: the server closed%s",
               x->received == 0 ? " without a word" : "");
        break;
    case TD_END_RESET:
        add_ev(l, EV_S2C, 1, x->ms, "RST: the server reset the connection");
        break;
    case TD_END_TIMEOUT:
        add_ev(l, EV_SILENCE, 1, x->ms, "%s until the deadline (%.0f ms)",
               x->received == 0 ? "silence" : "nothing more", x->ms);
        break;
    case TD_END_ENOUGH:
        add_ev(l, EV_NOTE, 0, x->ms, "we had enough and closed");
        break;
    default:
        break;
    }
}

/* Orders the events by time, keeping the order of equal times (insertion sort: a few dozen
 * events). */
static void sort_events(ladder_t *l)
{
    for (int i = 1; i < l->n; i++) {
        ladder_ev_t e = l->ev[i];
        int j = i;
        for (; j > 0 && l->ev[j - 1].ms > e.ms; j--) {
            l->ev[j] = l->ev[j - 1];
        }
        l->ev[j] = e;
    }
}

/* An OpenSSL handshake from its recorded messages; consecutive messages in one direction
 * within a millisecond are one flight, one arrow. Then the HTTP request when it ran on this
 * connection. */
static void ladder_tls(ladder_t *l, const td_obs_tls_t *t, const td_obs_http_t *h,
                       double deadline_ms)
{
    int connected = t->connect_ms >= 0;
    tcp_open(l, connected, t->timed_out ? TD_TCP_TIMEOUT : TD_TCP_ERROR, t->connect_ms, t->ms,
             deadline_ms);
    if (!connected) {
        return;
    }
    for (int i = 0; i < t->n_msgs; i++) {
        const td_tls_msg_t *m = &t->msgs[i];
        ev_kind_t k = m->sent ? EV_C2S : EV_S2C;
        if (m->content_type == 21) {
            add_ev(l, k, 1, m->ms, "Alert %d %s", m->type, td_alert_name(m->type));
            continue;
        }
        char label[200] = "";
        int j = i;
        for (; j < t->n_msgs; j++) {
            const td_tls_msg_t *n = &t->msgs[j];
            if (n->sent != m->sent || n->content_type == 21 || n->ms - m->ms > 1.0) {
                break;
            }
            const char *name = n->content_type == 20 ? "ChangeCipherSpec" : handshake_name(n->type);
            td_fmt_append(label, sizeof(label), "%s%s", j > i ? ", " : "", name);
            if (n->content_type == 22 && n->type == 2 && t->ok) {
                td_fmt_append(label, sizeof(label), " (%s %s)", t->version, t->cipher);
            }
            if (n->content_type == 22 && n->type == 11 && !n->sent && t->peer_certs > 0) {
                td_fmt_append(label, sizeof(label), " (%d)", t->peer_certs);
            }
        }
        add_ev(l, k, 0, m->ms, "%s", label);
        i = j - 1;
    }
    if (t->msgs_truncated) {
        add_ev(l, EV_NOTE, 0, t->ms, "more messages than the ladder keeps");
    }
    if (!t->ok) {
        if (t->timed_out) {
            add_ev(l, EV_SILENCE, 1, t->ms, "nothing more until the deadline (%.0f ms)", t->ms);
        } else if (t->eof) {
            add_ev(l, EV_S2C, 1, t->ms, "FIN: closed without an alert");
        } else if (t->sys_errno == ECONNRESET) {
            add_ev(l, EV_S2C, 1, t->ms, "RST: the server reset the connection");
        } else if (t->alert_received < 0) {
            add_ev(l, EV_NOTE, 1, t->ms, "handshake failed: %s", t->ossl_text);
        }
        return;
    }
    if (h == NULL || h->step != TD_STEP_DONE) {
        return;
    }
    double base = h->started_ms - t->started_ms;
    if (h->request_ms >= 0) {
        add_ev(l, EV_C2S, 0, base + h->request_ms, "GET (HTTP/1.1 request)");
    }
    if (h->result == TD_HTTP_OK || h->head.status > 0) {
        add_ev(l, EV_S2C, h->head.status >= 500, base + h->request_ms + h->ttfb_ms, "HTTP %d %s",
               h->head.status, h->head.reason);
    } else if (h->result == TD_HTTP_TIMEOUT) {
        add_ev(l, EV_SILENCE, 1, base + h->ms, "no HTTP answer until the deadline");
    } else {
        add_ev(l, EV_S2C, 1, base + h->ms, "no HTTP answer: %s", td_http_result_name(h->result));
    }
    /* TLS 1.3 tickets arrive after the handshake, while the request is on its way. */
    sort_events(l);
}

#define LAD_W   860
#define LAD_CX  120 /* the client's line */
#define LAD_SX  820 /* the server's line */
#define LAD_ROW 34

static void ladder_svg(FILE *f, const ladder_t *l, const char *title, const char *server)
{
    int h = 44 + LAD_ROW * l->n + 16;
    fprintf(f,
            "<svg class=\"ladder\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
            "role=\"img\" aria-label=\"",
            LAD_W, h);
    td__html_esc(f, title);
    fprintf(f, "\">\n<text x=\"%d\" y=\"16\" text-anchor=\"middle\">tlsdoctor</text>", LAD_CX);
    fprintf(f, "<text x=\"%d\" y=\"16\" text-anchor=\"end\">", LAD_W - 4);
    td__html_esc(f, server);
    fprintf(f, "</text>\n<line class=\"peer\" x1=\"%d\" y1=\"24\" x2=\"%d\" y2=\"%d\"/>", LAD_CX,
            LAD_CX, h - 8);
    fprintf(f, "<line class=\"peer\" x1=\"%d\" y1=\"24\" x2=\"%d\" y2=\"%d\"/>\n", LAD_SX, LAD_SX,
            h - 8);
    for (int i = 0; i < l->n; i++) {
        const ladder_ev_t *e = &l->ev[i];
        int y = 44 + LAD_ROW * i + 18;
        fprintf(f, "<text class=\"t\" x=\"4\" y=\"%d\">%.1f ms</text>", y + 4, e->ms);
        if (e->kind == EV_C2S || e->kind == EV_S2C) {
            int x1 = e->kind == EV_C2S ? LAD_CX : LAD_SX, x2 = e->kind == EV_C2S ? LAD_SX : LAD_CX;
            int d = x2 > x1 ? -9 : 9;
            fprintf(f, "<g class=\"arrow %s%s\"><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>",
                    e->kind == EV_C2S ? "c2s" : "s2c", e->bad ? " bad" : "", x1, y, x2 + d, y + 6);
            fprintf(f, "<polygon points=\"%d,%d %d,%d %d,%d\"/>", x2, y + 6, x2 + d, y + 1, x2 + d,
                    y + 11);
        } else if (e->kind == EV_SILENCE) {
            fprintf(f, "<g class=\"silence\"><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>",
                    LAD_SX - 4, y - 14, LAD_SX - 4, y + 14);
        } else {
            fprintf(f, "<g class=\"note%s\">", e->bad ? " bad" : "");
        }
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", (LAD_CX + LAD_SX) / 2,
                e->kind == EV_NOTE || e->kind == EV_SILENCE ? y + 4 : y - 3);
        td__html_esc(f, e->label);
        fputs("</text></g>\n", f);
    }
    fputs("</svg>\n", f);
}

static void ladders(FILE *f, const td_report_t *r, const char *pfx)
{
    const td_obs_t *o = &r->obs;
    ladder_t *l = td_calloc(1, sizeof(*l));
    char server[300];
    int drawn = 0;
    if (l == NULL) {
        return;
    }
    if (o->connect_to[0] != '\0') {
        td_strlcpy(server, o->connect_to, sizeof(server)); /* ADDR:PORT as given */
    } else {
        td_fmt(server, sizeof(server), "%s:%u", o->host, (unsigned)o->port);
    }
    fprintf(f, "<h2 id=\"%sladder\">Handshake ladder</h2>\n", pfx);
    struct {
        const td_obs_exchange_t *x;
        const char *title, *what;
        int http;
    } xs[] = {
        { &o->sniff, "Our ClientHello, read as far as the server's first flight", "ClientHello",
          0 },
        { &o->tls12, "A ClientHello capped at TLS 1.2", "ClientHello (TLS 1.2)", 0 },
        { &o->small_mss, "The ClientHello again with MSS 536", "ClientHello (MSS 536)", 0 },
        { o->plain_target ? &o->plain : NULL, "The plain HTTP request (an http:// target)",
          "GET (HTTP/1.1 request)", 1 },
    };
    for (size_t i = 0; i < TD_ARRAY_LEN(xs); i++) {
        if (xs[i].x == NULL || xs[i].x->step != TD_STEP_DONE) {
            continue;
        }
        memset(l, 0, sizeof(*l));
        ladder_exchange(l, xs[i].x, xs[i].what, xs[i].http, o->step_timeout_ms);
        put_el(f, "h3", NULL, xs[i].title);
        ladder_svg(f, l, xs[i].title, server);
        drawn++;
    }
    /* The HTTP request ran on the last handshake that worked before it. */
    const td_obs_tls_t *http_on = NULL;
    if (o->http.step == TD_STEP_DONE) {
        if (o->legacy.step == TD_STEP_DONE && o->legacy.ok && !o->tls.ok) {
            http_on = &o->legacy;
        } else if (o->tls.ok) {
            http_on = &o->tls;
        }
    }
    struct {
        const td_obs_tls_t *t;
        const char *title;
    } ts[] = {
        { &o->tls, "OpenSSL handshake with modern defaults" },
        { &o->legacy, "OpenSSL handshake allowing TLS 1.0 at security level 0" },
    };
    for (size_t i = 0; i < TD_ARRAY_LEN(ts); i++) {
        if (ts[i].t->step != TD_STEP_DONE || (i > 0 && o->tls.ok)) {
            continue;
        }
        memset(l, 0, sizeof(*l));
        ladder_tls(l, ts[i].t, http_on == ts[i].t ? &o->http : NULL, o->step_timeout_ms);
        put_el(f, "h3", NULL, ts[i].title);
        ladder_svg(f, l, ts[i].title, server);
        drawn++;
    }
    /* No exchange ran: the TCP connects are the whole story (refused, timed out). */
    int tcp_only = drawn == 0;
    for (int i = 0; tcp_only && i < o->tcp.n && i < 4; i++) {
        const td_obs_tcp_attempt_t *a = &o->tcp.a[i];
        char title[120];
        memset(l, 0, sizeof(*l));
        tcp_open(l, a->result == TD_TCP_OK, a->result, a->ms, a->ms, o->step_timeout_ms);
        td_fmt(title, sizeof(title), "TCP connect to %s port %u", a->addr, (unsigned)a->port);
        put_el(f, "h3", NULL, title);
        ladder_svg(f, l, title, server);
        drawn++;
    }
    if (drawn == 0) {
        fputs("<p class=\"mute\">No connection was attempted (an earlier layer failed).</p>\n", f);
    }
    td_free(l);
}

/* ---- The sections ---- */

static void put_fix(FILE *f, const char *fix, const char *pfx, int idx)
{
    fprintf(f,
            "<p><b>Fix</b> <button class=\"copy\" type=\"button\" data-for=\"%sfix-%d\">"
            "copy</button></p>\n<pre class=\"fix\" id=\"%sfix-%d\">",
            pfx, idx, pfx, idx);
    td__html_esc(f, fix);
    fputs("</pre>\n", f);
}

static void verdict(FILE *f, const td_report_t *r, const char *pfx)
{
    if (!r->has_root && r->obs.quick) {
        /* The quick profile did not look at HTTP: never say every layer is fine. */
        fprintf(f,
                "<section class=\"verdict v-ok\" id=\"%sverdict\"><h2 class=\"ok\">HANDSHAKE "
                "AND CHAIN OK</h2><p>No problem found in what the quick profile checks; HTTP and "
                "the side probes were not checked.</p></section>\n",
                pfx);
        return;
    }
    if (!r->has_root) {
        fprintf(f,
                "<section class=\"verdict v-ok\" id=\"%sverdict\"><h2 class=\"ok\">HEALTHY</h2>"
                "<p>No problem found on any layer.</p></section>\n",
                pfx);
        return;
    }
    const td_finding_t *rc = &r->f[0].pub;
    fprintf(f, "<section class=\"verdict v-%s\" id=\"%sverdict\"><h2 class=\"%s\">",
            sev_class(rc->severity), pfx, sev_class(rc->severity));
    fputs(rc->severity == TD_SEV_FAIL      ? "ROOT CAUSE"
          : rc->severity == TD_SEV_UNKNOWN ? "VERDICT UNKNOWN"
                                           : "MAIN ISSUE",
          f);
    fputs(": ", f);
    td__html_esc(f, rc->title);
    fputs("</h2>\n<p><code>", f);
    td__html_esc(f, rc->id);
    fprintf(f, "</code> <span class=\"mute\">(%s layer)</span></p>\n", td_layer_name(rc->layer));
    put_el(f, "p", NULL, rc->cause);
    fputs("<p><b>Evidence</b></p>", f);
    put_el(f, "pre", NULL, rc->evidence);
    put_fix(f, rc->fix, pfx, 0);
    fputs("</section>\n", f);
}

static void layers(FILE *f, const td_report_t *r, const char *pfx)
{
    char line[1024];
    fprintf(f,
            "<h2 id=\"%slayers\">Layers</h2>\n<table "
            "class=\"layers\"><thead><tr><th>layer</th><th>status</th>"
            "<th>time</th><th>what was observed</th></tr></thead><tbody>\n",
            pfx);
    for (int i = 0; i < TD_LAYER__COUNT; i++) {
        double ms = -1;
        td_layer_status_t s = td__layer_summary(r, (td_layer_t)i, line, sizeof(line), &ms);
        fprintf(f, "<tr><td>%s</td><td class=\"%s\">%s</td><td>", td_layer_name((td_layer_t)i),
                td__layer_status_name(s), td__layer_status_name(s));
        if (ms >= 0) {
            fprintf(f, "%.1f&nbsp;ms", ms);
        }
        fputs("</td>", f);
        put_el(f, "td", NULL, line);
        fputs("</tr>\n", f);
    }
    fprintf(f, "</tbody></table>\n<p class=\"mute\">%.0f ms in all%s</p>\n", r->obs.total_ms,
            r->obs.deadline_hit ? " (the --timeout deadline cut the diagnosis short)" : "");
}

static void findings(FILE *f, const td_report_t *r, const char *pfx)
{
    size_t first = r->has_root ? 1 : 0;
    if (r->n <= first) {
        return;
    }
    fprintf(f, "<h2 id=\"%sfindings\">Other findings</h2>\n", pfx);
    for (size_t i = first; i < r->n; i++) {
        const td_finding_t *x = &r->f[i].pub;
        fprintf(f, "<details class=\"f\"><summary><span class=\"%s\">%s</span> <code>",
                sev_class(x->severity),
                x->severity == TD_SEV_OK ? "info" : td_severity_name(x->severity));
        td__html_esc(f, x->id);
        fputs("</code> ", f);
        td__html_esc(f, x->title);
        fputs("</summary>\n", f);
        put_el(f, "p", NULL, x->cause);
        put_el(f, "pre", NULL, x->evidence);
        put_fix(f, x->fix, pfx, (int)i);
        fputs("</details>\n", f);
    }
}

static void clients(FILE *f, const td_report_t *r, const char *pfx)
{
    char buf[200];
    int shown = 0;
    for (int i = 0; i < r->n_clients; i++) {
        shown += r->clients[i].known;
    }
    if (shown > 0) {
        fprintf(f,
                "<h2 id=\"%sclients\">Clients</h2>\n<table><thead><tr><th>client</th>"
                "<th>connects</th><th>with / why not</th><th>judged by</th></tr></thead>"
                "<tbody>\n",
                pfx);
        for (int i = 0; i < r->n_clients; i++) {
            const td_client_verdict_t *c = &r->clients[i];
            if (!c->known) {
                continue;
            }
            buf[0] = '\0';
            if (c->ok) {
                td_fmt(buf, sizeof(buf), "%s%s%s%s%s%s%s", td_version_name(c->version),
                       c->cipher ? " " : "", c->cipher ? td_cipher_name(c->cipher) : "",
                       c->group ? " " : "", c->group ? td_group_name(c->group) : "",
                       c->why[0] ? "; " : "", c->why);
            }
            fprintf(f, "<tr%s>", c->ok ? "" : " class=\"broken\"");
            put_el(f, "td", NULL, c->name);
            fprintf(f, "<td class=\"%s\">%s</td>", c->ok ? "ok" : "fail", c->ok ? "yes" : "NO");
            put_el(f, "td", NULL, c->ok ? buf : c->why);
            put_el(f, "td", "mute", c->basis != NULL ? c->basis : "?");
            fputs("</tr>\n", f);
        }
        fprintf(f, "</tbody></table>\n");
        if (shown < r->n_clients) {
            fprintf(f,
                    "<p class=\"mute\">%d more client profiles not observed in this run: "
                    "<code>tlsdoctor matrix HOST</code> sends each one's hello.</p>\n",
                    r->n_clients - shown);
        }
    }
    if (r->n_proxies > 0) {
        fprintf(f,
                "<h2 id=\"%sproxies\">Proxies and CDNs in front of this origin</h2>\n<table>"
                "<thead><tr><th>proxy</th><th>mode</th><th>result</th><th>why</th></tr></thead>"
                "<tbody>\n",
                pfx);
        for (size_t i = 0; i < r->n_proxies; i++) {
            const td_proxy_outcome_t *p = &r->proxies[i];
            int ok = strcmp(p->result, "OK") == 0;
            fprintf(f, "<tr%s>", ok ? "" : " class=\"broken\"");
            put_el(f, "td", NULL, p->proxy);
            put_el(f, "td", NULL, p->mode);
            put_el(f, "td", ok ? "ok" : "fail", p->result);
            put_el(f, "td", NULL, p->why);
            fputs("</tr>\n", f);
        }
        fputs("</tbody></table>\n<p>Recommended: ", f);
        td__html_esc(f, r->recommended);
        fputs("</p>\n", f);
    }
}

static void put_date(FILE *f, int64_t t)
{
    char b[32] = "?";
    time_t tt = (time_t)t;
    struct tm tm;
    if (gmtime_r(&tt, &tm) != NULL) {
        (void)strftime(b, sizeof(b), "%Y-%m-%d", &tm);
    }
    fputs(b, f);
}

static void chain(FILE *f, const td_report_t *r, const char *pfx)
{
    const td_obs_cert_t *c = &r->obs.cert;
    if (c->step != TD_STEP_DONE || c->n == 0) {
        return;
    }
    /* The failing link: the depth OpenSSL's verification stopped at, when it is a sent one. */
    int bad = c->verify_code != 0 && c->verify_depth >= 0 && c->verify_depth < c->n
                      ? c->verify_depth
                      : -1;
    fprintf(f, "<h2 id=\"%schain\">Certificate chain</h2>\n<h3>As sent (%d certificate%s%s)</h3>\n",
            pfx, c->sent, c->sent == 1 ? "" : "s", c->truncated ? ", the first kept" : "");
    fputs("<table><thead><tr><th>#</th><th>subject</th><th>issuer</th><th>valid</th>"
          "<th>key, signature</th><th>issued by</th></tr></thead><tbody>\n",
          f);
    for (int i = 0; i < c->n; i++) {
        const td_cert_info_t *x = &c->c[i];
        int expired = x->not_after < c->now || x->not_before > c->now;
        fprintf(f, "<tr%s><td>%d</td><td>", i == bad || expired ? " class=\"broken\"" : "", i);
        td__html_esc(f, x->subject);
        if (i == 0 && x->sans[0] != '\0') {
            fputs("<br><span class=\"mute\">SAN: ", f);
            td__html_esc(f, x->sans);
            fputs("</span>", f);
        }
        fputs("</td>", f);
        put_el(f, "td", NULL, x->issuer);
        fprintf(f, "<td class=\"%s\">", expired ? "fail" : "");
        put_date(f, x->not_before);
        fputs(" to ", f);
        put_date(f, x->not_after);
        fprintf(f, "%s</td><td>",
                expired ? (x->not_after < c->now ? " (expired)" : " (not yet)") : "");
        td__html_esc(f, x->key_type);
        fprintf(f, " %d, ", x->key_bits);
        td__html_esc(f, x->sig_alg);
        fputs("</td><td>", f);
        if (x->self_signed) {
            fputs("itself (self-signed)", f);
        } else if (x->issued_by > 0) {
            fprintf(f, "#%d", x->issued_by - 1);
        } else {
            fputs("<span class=\"mute\">not sent</span>", f);
        }
        fprintf(f, "%s</td></tr>\n", i == bad ? " <b class=\"fail\">fails here</b>" : "");
    }
    fputs("</tbody></table>\n<h3>As built</h3>\n<p>", f);
    /* Follow the issued_by links the probe found among the sent certificates. */
    int seen = 0, at = 0;
    for (int guard = 0; at >= 0 && guard < c->n; guard++) {
        fprintf(f, "%s#%d ", seen ? " &rarr; " : "", at);
        td__html_esc(f, c->c[at].subject);
        seen++;
        at = c->c[at].self_signed ? -1 : c->c[at].issued_by - 1;
    }
    if (c->verify_code == 0) {
        fprintf(f, " &rarr; <span class=\"ok\">trusted");
        if (c->built_chain_len > seen) {
            fprintf(f, " (%d more from the trust store ", c->built_chain_len - seen);
            td__html_esc(f, c->store);
            fputs(")", f);
        }
        fputs("</span>", f);
    } else {
        fprintf(f, " &rarr; <b class=\"fail\">broken at depth %d: ", c->verify_depth);
        td__html_esc(f, c->verify_text);
        fprintf(f, " (X509 error %d)</b>", c->verify_code);
    }
    fputs("</p>\n<p class=\"mute\">Name checked: ", f);
    td__html_esc(f, c->name_checked);
    fprintf(f, " (%s); trust store: ", c->name_match ? "matches the leaf" : "NOT in the leaf");
    td__html_esc(f, c->store);
    fputs("</p>\n", f);
}

/* Writes what fn renders of obj, escaped, into a <pre> (of class cls when not NULL): through a
 * temporary file, so that no buffer is sized by the output. Returns 0, or fn's error / TD_E_IO
 * (then a line says it is not shown). */
int td__html_pre_of(FILE *f, int (*fn)(const void *obj, FILE *m), const void *obj, const char *cls)
{
    FILE *m = tmpfile();
    int c, rc = TD_E_IO;
    if (m == NULL) {
        fputs("<p class=\"mute\">(no temporary file: not shown)</p>\n", f);
        return rc;
    }
    rc = fn(obj, m);
    if (rc == 0 && (fflush(m) != 0 || fseek(m, 0, SEEK_SET) != 0)) {
        rc = TD_E_IO;
    }
    if (rc == 0) {
        fprintf(f, "<pre%s%s%s>", cls != NULL ? " class=\"" : "", cls != NULL ? cls : "",
                cls != NULL ? "\"" : "");
        while ((c = fgetc(m)) != EOF) {
            put_esc_c(f, (unsigned char)c);
        }
        fputs("</pre>\n", f);
    }
    (void)fclose(m);
    return rc;
}

static int matrix_text(const void *r, FILE *m)
{
    td__matrix_write_text((const td_report_t *)r, m, 0);
    return ferror(m) ? TD_E_IO : 0;
}

static int report_json(const void *r, FILE *m)
{
    return td_report_write_json((const td_report_t *)r, m);
}

static void matrix(FILE *f, const td_report_t *r, const char *pfx)
{
    if (r->obs.matrix.step != TD_STEP_DONE) {
        return;
    }
    fprintf(f, "<h2 id=\"%smatrix\">Handshake matrix</h2>\n", pfx);
    (void)td__html_pre_of(f, matrix_text, r, NULL);
}

static void raw(FILE *f, const td_report_t *r, const char *pfx)
{
    fprintf(f,
            "<h2 id=\"%sraw\">Raw evidence</h2>\n<details><summary>The JSON document "
            "(docs/json.md)</summary>\n",
            pfx);
    (void)td__html_pre_of(f, report_json, r, NULL);
    fputs("</details>\n", f);
}

/* The sha-256 of the script, base64, for the Content-Security-Policy. */
static void script_hash(char *out, size_t cap)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    unsigned char b64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
    out[0] = '\0';
    if (EVP_Digest(copy_script, sizeof(copy_script) - 1, md, &mdlen, EVP_sha256(), NULL) == 1) {
        (void)EVP_EncodeBlock(b64, md, (int)mdlen);
        td_fmt(out, cap, "%s", (const char *)b64);
    }
}

void td__html_begin(FILE *f, const char *title)
{
    char h[80];
    script_hash(h, sizeof(h));
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n", f);
    /* Nothing is fetched: no source is allowed but the inline style and our one script. */
    fprintf(f,
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'; script-src 'sha256-%s'; base-uri 'none'; "
            "form-action 'none'\">\n",
            h);
    fputs("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta name=\"generator\" content=\"tlsdoctor " TD_VERSION "\">\n<title>",
          f);
    td__html_esc(f, title);
    fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", style_sheet);
}

int td__html_end(FILE *f)
{
    fprintf(f, "<p class=\"mute\">tlsdoctor %s</p>\n<script>%s</script>\n</body>\n</html>\n",
            TD_VERSION, copy_script);
    return ferror(f) ? TD_E_IO : 0;
}

void td__html_report_body(const td_report_t *r, FILE *f, const char *pfx)
{
    const td_obs_t *o = &r->obs;
    fputs("<header><h1>tlsdoctor: ", f);
    td__html_esc(f, o->host);
    fprintf(f, ":%u</h1>\n<p class=\"mute\">", (unsigned)o->port);
    if (o->connect_to[0] != '\0') {
        fputs("via ", f);
        td__html_esc(f, o->connect_to);
        fputs(" ", f);
    }
    if (o->sni[0] != '\0' && strcmp(o->sni, o->host) != 0) {
        fputs("(SNI ", f);
        td__html_esc(f, o->sni);
        fputs(") ", f);
    }
    if (r->server_software != NULL) {
        fputs("server software: ", f);
        td__html_esc(f, r->server_software);
        fputs(" (", f);
        td__html_esc(f, r->server_evidence);
        fputs(")", f);
    }
    fputs("</p></header>\n", f);
    verdict(f, r, pfx);
    ladders(f, r, pfx);
    layers(f, r, pfx);
    findings(f, r, pfx);
    clients(f, r, pfx);
    chain(f, r, pfx);
    matrix(f, r, pfx);
    raw(f, r, pfx);
}

int td_report_write_html(const td_report_t *r, FILE *f)
{
    char title[300];
    td_fmt(title, sizeof(title), "tlsdoctor %s:%u: %s", r->obs.host, (unsigned)r->obs.port,
           r->has_root ? r->f[0].pub.id : "healthy");
    td__html_begin(f, title);
    td__html_report_body(r, f, "");
    return td__html_end(f);
}
