/* fuzz_report.c: covers the judge and the renderers of a diagnosis with hostile observations:
 * td__diagnose() and its rule table (src/diagnose/rules.c, clients.c), td__client_verdicts(),
 * td__proxies(), td_report_write_json() (src/report/json.c, matrix.c),
 * td_report_write_text() (src/report/text.c, summary.c) and td_report_write_html() (html.c).
 * Network replies go through the real parsers (sniff, server flight, HTTP head); every other
 * string field is filled from the input, once escaped as the probes store them and once raw.
 * Traps when: the JSON written is not one valid JSON document (checked with jansson), the
 * escaped pass fails to render, the text report of the escaped pass (no colour) carries a
 * control byte other than newline and tab, or the HTML page of either pass carries a control
 * byte or markup from data (a second <script>, an <img>). */
#include "diagnose/diagnose.h"
#include "util/td_util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct in {
    const uint8_t *p;
    size_t len, off;
    int raw; /* 1: strings are copied as they are, not escaped */
} in_t;

static unsigned u8(in_t *in)
{
    return in->off < in->len ? in->p[in->off++] : 0;
}

static unsigned u16(in_t *in)
{
    unsigned hi = u8(in);
    return hi << 8 | u8(in);
}

/* -1 (none) or an alert or code in 0..254. */
static int opt_code(in_t *in)
{
    unsigned v = u8(in);
    return v == 255 ? -1 : (int)v;
}

/* A string field: a length byte, then that many bytes (any value). */
static void str(in_t *in, char *dst, size_t cap)
{
    size_t n = u8(in);
    if (n > in->len - in->off) {
        n = in->len - in->off;
    }
    const uint8_t *s = in->p + in->off;
    in->off += n;
    if (in->raw) {
        n = n < cap - 1 ? n : cap - 1;
        memcpy(dst, s, n);
        dst[n] = '\0';
    } else {
        td_escape(dst, cap, s, n);
    }
}

/* A blob for the wire parsers: a 16-bit length, then the bytes. */
static void blob(in_t *in, const uint8_t **p, size_t *n)
{
    size_t want = u16(in) & 0x3fff;
    *n = want < in->len - in->off ? want : in->len - in->off;
    *p = in->p + in->off;
    in->off += *n;
}

static void exchange(in_t *in, td_obs_exchange_t *x)
{
    static uint8_t scratch[17 * 1024];
    const uint8_t *b;
    size_t n;
    x->step = (td_step_t)(u8(in) % 3);
    x->connected = (int)(u8(in) & 1);
    x->connect_result = (td_tcp_result_t)(u8(in) % 5);
    x->end = (td_read_end_t)(u8(in) % 6);
    blob(in, &b, &n);
    x->sent = 200;
    x->received = n;
    td_sniff_classify(b, n, &x->sniff);
    td_server_flight_parse(b, n, scratch, sizeof(scratch), &x->flight);
    if (x->sniff.cls == TD_SNIFF_HTTP) {
        (void)td_http_head_parse(b, n, &x->head);
    }
    x->first_byte_ms = n > 0 ? 12.5 : -1;
    x->ms = 20;
}

static void tls(in_t *in, td_obs_tls_t *t)
{
    unsigned f = u8(in);
    t->step = (td_step_t)(f % 3);
    t->ok = (f >> 2) & 1;
    t->timed_out = (f >> 3) & 1;
    t->eof = (f >> 4) & 1;
    t->cert_requested = (f >> 5) & 1;
    t->leaf_matches_host = (f >> 6) & 1;
    str(in, t->sni, sizeof(t->sni));
    str(in, t->version, sizeof(t->version));
    str(in, t->cipher, sizeof(t->cipher));
    str(in, t->group, sizeof(t->group));
    str(in, t->alpn, sizeof(t->alpn));
    str(in, t->ossl_text, sizeof(t->ossl_text));
    str(in, t->leaf_subject, sizeof(t->leaf_subject));
    str(in, t->leaf_sha256, sizeof(t->leaf_sha256));
    t->alert_received = opt_code(in);
    t->alert_sent = opt_code(in);
    t->ossl_reason = (int)u16(in);
    t->ossl_error = t->ossl_reason != 0 ? 0x0A000000ul | (unsigned long)t->ossl_reason : 0;
    t->sys_errno = (int)(u8(in) % 120);
    t->peer_certs = (int)(u8(in) % 12);
    t->ms = 30;
}

static void reply(in_t *in, td_mx_reply_t *r)
{
    static const uint16_t versions[] = { 0x0300, 0x0301, 0x0302, 0x0303, 0x0304, 0x7f1c };
    r->end = (td_mx_end_t)(u8(in) % 8);
    r->alert = opt_code(in);
    r->version = versions[u8(in) % TD_ARRAY_LEN(versions)];
    r->cipher = (uint16_t)u16(in);
    r->group = (uint16_t)u16(in);
    r->hrr = (int)(u8(in) & 1);
    r->dh_bits = (int)u8(in) * 16;
    str(in, r->alpn, sizeof(r->alpn));
    str(in, r->malformed, sizeof(r->malformed));
    r->sent = 517;
}

static void fill(in_t *in, td_obs_t *o)
{
    unsigned f = u8(in);
    str(in, o->host, sizeof(o->host));
    o->port = (uint16_t)u16(in);
    str(in, o->path, sizeof(o->path));
    str(in, o->sni, sizeof(o->sni));
    str(in, o->connect_to, sizeof(o->connect_to));
    o->host_is_ip = (int)(f & 1);
    o->deadline_hit = (int)((f >> 1) & 1);
    o->now = 1764000000;
    o->total_ms = 1000;

    td_obs_dns_t *d = &o->dns;
    f = u8(in);
    d->step = (td_step_t)(f % 3);
    d->skip_reason = d->step == TD_STEP_SKIPPED ? "an IP address" : NULL;
    d->ok = (int)((f >> 2) & 1);
    d->timed_out = (int)((f >> 3) & 1);
    d->nxdomain = (int)((f >> 4) & 1);
    str(in, d->error, sizeof(d->error));
    d->n_addrs = (int)(u8(in) % 4);
    for (int i = 0; i < d->n_addrs; i++) {
        str(in, d->addrs[i], sizeof(d->addrs[i]));
        d->families[i] = (u8(in) & 1) ? 10 : 2;
    }
    d->n_cnames = (int)(u8(in) % 3);
    for (int i = 0; i < d->n_cnames; i++) {
        str(in, d->cnames[i], sizeof(d->cnames[i]));
    }
    d->n_expect = (int)(u8(in) % 3);
    for (int i = 0; i < d->n_expect; i++) {
        str(in, d->expect_addrs[i], sizeof(d->expect_addrs[i]));
    }
    str(in, d->expect_cname, sizeof(d->expect_cname));
    str(in, d->servers, sizeof(d->servers));

    td_obs_tcp_t *t = &o->tcp;
    t->step = (td_step_t)(u8(in) % 3);
    t->n = (int)(u8(in) % 3);
    for (int i = 0; i < t->n; i++) {
        str(in, t->a[i].addr, sizeof(t->a[i].addr));
        t->a[i].port = (uint16_t)u16(in);
        t->a[i].result = (td_tcp_result_t)(u8(in) % 5);
        t->a[i].err = (int)(u8(in) % 120);
        t->a[i].ms = 1.5;
    }
    t->chosen = t->n > 0 ? (int)(u8(in) % (unsigned)(t->n + 1)) - 1 : -1;

    exchange(in, &o->sniff);
    exchange(in, &o->plain);
    exchange(in, &o->port80);
    exchange(in, &o->tls12);
    exchange(in, &o->small_mss);
    tls(in, &o->tls);
    tls(in, &o->legacy);
    tls(in, &o->nosni);

    td_obs_cert_t *c = &o->cert;
    f = u8(in);
    c->step = (td_step_t)(f % 3);
    c->source = (f >> 2) & 1 ? "tls_legacy" : "tls";
    c->truncated = (int)((f >> 3) & 1);
    c->name_is_ip = (int)((f >> 4) & 1);
    c->name_match = (int)((f >> 5) & 1);
    c->n = (int)(u8(in) % 4);
    for (int i = 0; i < c->n; i++) {
        td_cert_info_t *ci = &c->c[i];
        unsigned g = u8(in);
        str(in, ci->subject, sizeof(ci->subject));
        str(in, ci->issuer, sizeof(ci->issuer));
        str(in, ci->sans, sizeof(ci->sans));
        ci->n_sans = (int)(u8(in) % 5);
        ci->not_before = o->now - (int64_t)u16(in) * 3600;
        ci->not_after = o->now + ((int64_t)u16(in) - 0x8000) * 3600;
        str(in, ci->key_type, sizeof(ci->key_type));
        ci->key_bits = (int)u16(in);
        str(in, ci->sig_alg, sizeof(ci->sig_alg));
        str(in, ci->sha256, sizeof(ci->sha256));
        str(in, ci->aia_ca_issuers, sizeof(ci->aia_ca_issuers));
        ci->sig_sha1 = (int)(g & 1);
        ci->is_ca = (int)((g >> 1) & 1);
        ci->self_issued = (int)((g >> 2) & 1);
        ci->self_signed = (int)((g >> 3) & 1);
    }
    str(in, c->store, sizeof(c->store));
    c->verify_code = (int)(u8(in) % 100);
    str(in, c->verify_text, sizeof(c->verify_text));
    c->verify_depth = (int)(u8(in) % 4);
    c->built_chain_len = (int)(u8(in) % 4);
    str(in, c->name_checked, sizeof(c->name_checked));
    c->now = o->now;
    c->warn_days = (int)(u8(in) % 60);

    td_obs_http_t *h = &o->http;
    const uint8_t *b;
    size_t n;
    h->step = (td_step_t)(u8(in) % 3);
    h->result = (td_http_result_t)(u8(in) % 7);
    blob(in, &b, &n);
    (void)td_http_head_parse(b, n, &h->head);
    h->received = n;
    h->alert = opt_code(in);
    str(in, h->first, sizeof(h->first));
    h->ttfb_ms = 40;
    h->server_date = (u8(in) & 1) ? o->now - (int64_t)u16(in) * 60 : 0;
    h->plain_http_page = (int)(u8(in) & 1);

    o->n_peers = (int)(u8(in) % 3);
    for (int i = 0; i < o->n_peers; i++) {
        td_obs_peer_t *p = &o->peers[i];
        str(in, p->addr, sizeof(p->addr));
        p->ok = (int)(u8(in) & 1);
        p->alert = opt_code(in);
        str(in, p->version, sizeof(p->version));
        str(in, p->leaf_sha256, sizeof(p->leaf_sha256));
        str(in, p->leaf_subject, sizeof(p->leaf_subject));
        p->leaf_matches_host = (int)(u8(in) & 1);
        str(in, p->error, sizeof(p->error));
    }

    td_obs_redirects_t *rd = &o->redirects;
    rd->n = (int)(u8(in) % 4);
    for (int i = 0; i < rd->n; i++) {
        str(in, rd->hop[i].url, sizeof(rd->hop[i].url));
        rd->hop[i].status = (int)u16(in) % 600;
        str(in, rd->hop[i].location, sizeof(rd->hop[i].location));
    }
    f = u8(in);
    rd->loop = (int)(f & 1);
    rd->left_host = (int)((f >> 1) & 1);

    td_obs_matrix_t *m = &o->matrix;
    f = u8(in);
    m->step = (td_step_t)(f % 3);
    if (m->step != TD_STEP_DONE) {
        m->skip_reason = m->step == TD_STEP_SKIPPED ? "not asked" : NULL;
        return;
    }
    static const uint16_t mv[TD_MX_NVERSIONS] = { 0x0300, 0x0301, 0x0302, 0x0303, 0x0304 };
    m->connections = (int)u8(in);
    m->parallel = 4;
    for (int i = 0; i < TD_MX_NVERSIONS; i++) {
        td_mx_version_t *v = &m->v[i];
        v->version = mv[i];
        reply(in, &v->first);
        v->n_suites = (int)(u8(in) % 5);
        for (int k = 0; k < v->n_suites; k++) {
            v->suites[k] = (uint16_t)u16(in);
        }
        v->order = (int)(u8(in) % 3) - 1;
        v->truncated = (int)(u8(in) & 1);
    }
    m->n_groups13 = (int)(u8(in) % 4);
    for (int i = 0; i < m->n_groups13; i++) {
        m->groups13[i] = (uint16_t)u16(in);
    }
    m->n_groups12 = (int)(u8(in) % 4);
    for (int i = 0; i < m->n_groups12; i++) {
        m->groups12[i] = (uint16_t)u16(in);
    }
    reply(in, &m->hrr_probe);
    reply(in, &m->p256_share);
    reply(in, &m->alpn_h2);
    reply(in, &m->alpn_http11);
    reply(in, &m->large);
    reply(in, &m->modern);
    td_mx_sni_t *snis[3] = { &m->sni_host, &m->sni_none, &m->sni_wrong };
    static const char *const sent[3] = { "host", "none", "wrong" };
    for (int i = 0; i < 3; i++) {
        td_mx_sni_t *s = snis[i];
        f = u8(in);
        s->ran = (int)(f & 1);
        s->sent = sent[i];
        s->via_openssl = (int)((f >> 1) & 1);
        s->has_cert = (int)((f >> 2) & 1);
        s->covers_host = (int)((f >> 3) & 1);
        str(in, s->name, sizeof(s->name));
        reply(in, &s->r);
        str(in, s->leaf_sha256, sizeof(s->leaf_sha256));
        str(in, s->subject, sizeof(s->subject));
        str(in, s->sans, sizeof(s->sans));
    }
    m->n_clients = (int)(u8(in) % (TD_MX_MAX_CLIENTS + 1));
    for (int i = 0; i < m->n_clients; i++) {
        f = u8(in);
        m->clients[i].sent = (int)(f & 1);
        m->clients[i].no_version = (int)((f >> 1) & 1);
        m->clients[i].no_suite = (int)((f >> 2) & 1);
        reply(in, &m->clients[i].r);
    }
}

enum { AS_JSON, AS_TEXT, AS_TEXT_COLOUR, AS_HTML };

/* Renders r into memory in one of the formats. Returns the buffer (free it) or NULL; *rc is
 * the renderer's status. */
static char *render(const td_report_t *r, int as, size_t *len, int *rc)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (f == NULL) {
        *rc = 0;
        return NULL;
    }
    *rc = as == AS_JSON   ? td_report_write_json(r, f)
          : as == AS_HTML ? td_report_write_html(r, f)
                          : td_report_write_text(r, f, as == AS_TEXT_COLOUR);
    fclose(f);
    return buf;
}

/* 1 when buf holds a control byte other than newline and tab. */
static int has_control(const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)buf[i];
        if ((ch < 0x20 && ch != '\n' && ch != '\t') || ch == 0x7f) {
            return 1;
        }
    }
    return 0;
}

/* Renders r as JSON; traps unless it is one valid JSON document. Returns the renderer's
 * status. */
static int check_json(const td_report_t *r)
{
    size_t len = 0;
    int rc = 0;
    char *buf = render(r, AS_JSON, &len, &rc);
    if (buf != NULL && rc == 0) {
        json_error_t e;
        json_t *doc = json_loadb(buf, len, 0, &e);
        if (doc == NULL) {
            __builtin_trap(); /* the renderer said it succeeded but wrote invalid JSON */
        }
        json_decref(doc);
    }
    free(buf);
    return rc;
}

/* Renders r as text; returns 1 when a control byte (other than \n, \t) was written. */
static int text_has_control(const td_report_t *r, int color)
{
    size_t len = 0;
    int rc = 0;
    char *buf = render(r, color ? AS_TEXT_COLOUR : AS_TEXT, &len, &rc);
    int bad = buf != NULL && rc == 0 && !color && has_control(buf, len);
    free(buf);
    return bad;
}

/* Renders r as HTML (html.c); returns 1 when markup came from data: a control byte, a second
 * "<script" beside the page's own, or an "<img". The raw pass fills every string with the
 * input's bytes unescaped, so this is html.c's own escaping at work. */
static int html_has_markup_from_data(const td_report_t *r)
{
    size_t len = 0;
    int rc = 0, bad = 0;
    char *buf = render(r, AS_HTML, &len, &rc);
    if (buf != NULL && rc == 0) {
        int scripts = 0;
        for (const char *p = buf; (p = strstr(p, "<script")) != NULL; p++) {
            scripts++;
        }
        bad = has_control(buf, len) || scripts != 1 || strstr(buf, "<img") != NULL;
    }
    free(buf);
    return bad;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static td_report_t r;
    for (int raw = 0; raw < 2; raw++) {
        in_t in = { data, size, 0, raw };
        memset(&r, 0, sizeof(r));
        fill(&in, &r.obs);
        td__diagnose(&r);
        r.n_clients = td__client_verdicts(&r.obs, r.clients, TD_MX_MAX_CLIENTS);
        td__proxies(&r);
        int rc = check_json(&r);
        if (!raw && rc != 0) {
            __builtin_trap(); /* escaped observations must always render */
        }
        if (text_has_control(&r, 0) && !raw) {
            __builtin_trap(); /* an unescaped control byte would reach the terminal */
        }
        (void)text_has_control(&r, 1);
        if (html_has_markup_from_data(&r)) {
            __builtin_trap(); /* a string from the network became markup in the HTML page */
        }
    }
    return 0;
}
