/* matrix.c: the handshake matrix. Our own ClientHellos (wire/tls_codec.c) ask the server what
 * it accepts, and the first flight of its reply answers; no handshake is finished, so the
 * local OpenSSL's limits do not matter. Cipher suites are found by elimination (offer all,
 * drop the chosen one, repeat): a connection per accepted suite plus one, not one per suite.
 * Independent chains of probes run on a few threads, each keeping one connection open, so at
 * most `parallel` connections are open at once. Facts only: nothing here judges. */
#include "matrix.h"

#include "../kb/clients.h"
#include "../util/td_x509.h"
#include "exchange.h"
#include "net.h"
#include "tls.h"

#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#define HELLO_CAP   8192
#define WRONG_SNI   "tlsdoctor-unknown-name.invalid"
#define LARGE_HELLO 1800 /* bytes of handshake: more than one 1500-byte packet */

typedef struct mx {
    const char *addr;
    uint16_t port;
    const char *sni;  /* the SNI of the "right name" probes; NULL for an IP literal */
    const char *host; /* what certificates are checked against */
    double deadline;
    double step;
    atomic_int conns;
    atomic_int client_conns;
    td_obs_matrix_t *m;
    const td_obs_t *obs;     /* the diagnosis so far: which versions the first hellos saw */
    td_obs_clients_t *quick; /* td__clients_run: where its hellos' replies go */
} mx_t;

static const uint16_t versions_all[TD_MX_NVERSIONS] = { TD_V_SSL3, TD_V_TLS10, TD_V_TLS11,
                                                        TD_V_TLS12, TD_V_TLS13 };

/* Curves offered with ECDHE suites up to TLS 1.2 (IANA Supported Groups; RFC 8422 §5.1.1). */
static const uint16_t ec_groups[] = {
    TD_GROUP_X25519, TD_GROUP_SECP256R1, TD_GROUP_SECP384R1, 25, 30, 26, 27, 28
};
/* Groups for TLS 1.3 (RFC 8446 §4.2.7; RFC 7919 FFDHE; draft-ietf-tls-ecdhe-mlkem). */
static const uint16_t groups13_all[] = { TD_GROUP_X25519,
                                         TD_GROUP_SECP256R1,
                                         TD_GROUP_SECP384R1,
                                         25,
                                         30,
                                         256,
                                         257,
                                         258,
                                         259,
                                         260,
                                         0x11ec,
                                         0x11eb,
                                         0x11ed };
/* Signature algorithms (RFC 8446 §4.2.3), including SHA-1 and PKCS#1 for old servers. */
static const uint16_t sigalgs_all[] = { 0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0804,
                                        0x0805, 0x0806, 0x0809, 0x080a, 0x080b, 0x0401,
                                        0x0501, 0x0601, 0x0203, 0x0201, 0x0402, 0x0202 };
static const uint16_t only13[] = { TD_V_TLS13 };
static const uint16_t share_x25519[] = { TD_GROUP_X25519 };
static const uint16_t share_p256[] = { TD_GROUP_SECP256R1 };

int td_mx_version_index(uint16_t v)
{
    for (int i = 0; i < TD_MX_NVERSIONS; i++) {
        if (versions_all[i] == v) {
            return i;
        }
    }
    return -1;
}

const char *td_mx_end_name(td_mx_end_t e)
{
    switch (e) {
    case TD_MX_NOT_RUN:
        return "not-run";
    case TD_MX_HELLO:
        return "hello";
    case TD_MX_ALERT:
        return "alert";
    case TD_MX_CLOSED:
        return "closed";
    case TD_MX_RESET:
        return "reset";
    case TD_MX_TIMEOUT:
        return "timeout";
    case TD_MX_MALFORMED:
        return "malformed";
    case TD_MX_CONNECT_FAILED:
        return "connect-failed";
    }
    return "?";
}

const char *td_mx_reply_text(const td_mx_reply_t *r, char *buf, size_t cap)
{
    if (r->end == TD_MX_HELLO) {
        td_fmt(buf, cap, "%s %s%s%s%s", td_version_name(r->version), td_cipher_name(r->cipher),
               r->group ? " " : "", r->group ? td_group_name(r->group) : "",
               r->hrr ? " (HelloRetryRequest)" : "");
    } else if (r->end == TD_MX_ALERT) {
        td_fmt(buf, cap, "alert %d (%s)", r->alert, td_alert_name(r->alert));
    } else if (r->end == TD_MX_MALFORMED) {
        td_fmt(buf, cap, "a malformed reply (%s)", r->malformed);
    } else {
        td_fmt(buf, cap, "%s", td_mx_end_name(r->end));
    }
    return buf;
}

static bool out_of_time(const mx_t *x)
{
    return td_now_ms() >= x->deadline;
}

/* The reply of one exchange, in short. */
static void summarize(const td_obs_exchange_t *e, size_t sent, td_mx_reply_t *r)
{
    const td_server_flight_t *f = &e->flight;
    memset(r, 0, sizeof(*r));
    r->alert = -1;
    r->sent = sent;
    if (!e->connected) {
        r->end = TD_MX_CONNECT_FAILED;
    } else if (f->has_server_hello && !f->decode_error) {
        r->end = TD_MX_HELLO;
        r->version = f->version;
        r->cipher = f->cipher;
        r->group = f->group != 0 ? f->group : f->ske_group;
        r->hrr = f->is_hrr;
        r->dh_bits = f->dh_bits;
        td_strlcpy(r->alpn, f->alpn, sizeof(r->alpn));
    } else if (f->has_alert) {
        r->end = TD_MX_ALERT;
        r->alert = f->alert_desc;
    } else if (f->sslv2) {
        r->end = TD_MX_MALFORMED;
        td_strlcpy(r->malformed, "SSLv2 ServerHello", sizeof(r->malformed));
    } else if (f->decode_error) {
        r->end = TD_MX_MALFORMED;
        td_strlcpy(r->malformed, f->error_field != NULL ? f->error_field : "?",
                   sizeof(r->malformed));
    } else if (e->received > 0 && e->sniff.cls != TD_SNIFF_TLS) {
        r->end = TD_MX_MALFORMED;
        td_strlcpy(r->malformed, "not TLS", sizeof(r->malformed));
    } else if (e->received > 0 && e->end != TD_END_TIMEOUT) {
        r->end = TD_MX_MALFORMED; /* a record or message cut off by a close */
        td_strlcpy(r->malformed, "truncated", sizeof(r->malformed));
    } else if (e->end == TD_END_RESET) {
        r->end = TD_MX_RESET;
    } else if (e->end == TD_END_EOF) {
        r->end = TD_MX_CLOSED;
    } else {
        r->end = TD_MX_TIMEOUT;
    }
}

/* One connection: hello out, reply in. Returns false when it could not even be tried. */
static bool probe(mx_t *x, const td_hello_params_t *hp, td_mx_reply_t *r, td_leaf_fn leaf,
                  void *user)
{
    uint8_t *buf = td_malloc(HELLO_CAP);
    td_obs_exchange_t *e = td_calloc(1, sizeof(*e));
    size_t len = 0;
    bool ok = false;
    memset(r, 0, sizeof(*r));
    r->alert = -1;
    if (buf != NULL && e != NULL && !out_of_time(x) &&
        td_client_hello_build(hp, buf, HELLO_CAP, &len) == 0) {
        atomic_fetch_add(&x->conns, 1);
        td__exchange_raw(x->addr, x->port, buf, len, td__step_deadline(x->deadline, x->step), e,
                         leaf, user);
        summarize(e, len, r);
        ok = true;
    }
    td_free(e);
    td_free(buf);
    return ok;
}

/* Randoms for one hello: 32 for Random and session id, 64 for two X25519 shares. */
typedef struct rnd {
    uint8_t b[96];
} rnd_t;

static void rnd_fill(rnd_t *r)
{
    if (RAND_bytes(r->b, sizeof(r->b)) != 1) {
        memset(r->b, 0x5a, sizeof(r->b)); /* still a valid hello; randomness is not needed */
    }
}

/* The base of every version probe: one version, every suite we know for it, every group and
 * signature algorithm, SNI, ec_point_formats and renegotiation_info. */
static void version_params(const mx_t *x, uint16_t v, const uint16_t *suites, size_t n,
                           const rnd_t *rnd, td_hello_params_t *p)
{
    memset(p, 0, sizeof(*p));
    p->record_version = v == TD_V_SSL3 ? TD_V_SSL3 : TD_V_TLS10;
    p->legacy_version = v >= TD_V_TLS12 ? TD_V_TLS12 : v;
    p->random = rnd->b;
    p->session_id = rnd->b;
    p->session_id_len = 32;
    p->ciphers = suites;
    p->n_ciphers = n;
    p->sigalgs = sigalgs_all;
    p->n_sigalgs = TD_ARRAY_LEN(sigalgs_all);
    p->sni = x->sni;
    p->ec_point_formats = 1;
    p->renegotiation_info = 1;
    p->share_random = rnd->b + 32;
    p->share_random_len = 64;
    if (v == TD_V_TLS13) {
        p->versions = only13;
        p->n_versions = 1;
        p->groups = groups13_all;
        p->n_groups = TD_ARRAY_LEN(groups13_all);
        p->share_groups = share_x25519;
        p->n_share_groups = 1;
    } else {
        p->groups = ec_groups;
        p->n_groups = TD_ARRAY_LEN(ec_groups);
    }
}

/* Every suite we know for version v: the five TLS 1.3 suites, or all the others. */
static size_t suites_for(uint16_t v, uint16_t *out, size_t cap)
{
    size_t n_table = 0, n = 0;
    const td_cipher_info_t *t = td_cipher_table(&n_table);
    for (size_t i = 0; i < n_table && n < cap; i++) {
        bool is13 = (t[i].flags & TD_CS_TLS13) != 0;
        if (is13 == (v == TD_V_TLS13)) {
            out[n++] = t[i].code;
        }
    }
    return n;
}

static bool remove_code(uint16_t *list, size_t *n, uint16_t code)
{
    for (size_t i = 0; i < *n; i++) {
        if (list[i] == code) {
            memmove(&list[i], &list[i + 1], (*n - i - 1) * sizeof(*list));
            (*n)--;
            return true;
        }
    }
    return false;
}

/* The server accepted version v with this reply: it said v, or (TLS 1.3) asked for a share. */
static bool accepted_as(const td_mx_reply_t *r, uint16_t v)
{
    return r->end == TD_MX_HELLO && r->version == v;
}

/* TLS <= 1.2 curves: offer the server's ECDHE suites and every curve; its ServerKeyExchange
 * names one; ask again with the curves not yet named first. The named ones stay at the end of
 * the list: with an ECDSA certificate the client must also list the certificate's curve (RFC
 * 8422 §5.1), so dropping it would end the search early. A server that imposes its own order
 * names a known curve again, which ends the search: its list may then be longer. */
static void tls12_groups(mx_t *x, const td_mx_version_t *mv)
{
    uint16_t ecdhe[TD_MX_MAX_SUITES], left[TD_ARRAY_LEN(ec_groups)];
    uint16_t offer[TD_ARRAY_LEN(ec_groups)];
    size_t n_ecdhe = 0, n_left = TD_ARRAY_LEN(ec_groups);
    td_obs_matrix_t *m = x->m;
    for (int i = 0; i < mv->n_suites; i++) {
        const td_cipher_info_t *c = td_cipher_info(mv->suites[i]);
        if (c != NULL && (c->flags & TD_CS_ECDHE)) {
            ecdhe[n_ecdhe++] = mv->suites[i];
        }
    }
    memcpy(left, ec_groups, sizeof(left));
    while (n_ecdhe > 0 && n_left > 0 && m->n_groups12 < TD_MX_MAX_GROUPS) {
        rnd_t rnd;
        td_hello_params_t p;
        td_mx_reply_t r;
        size_t n_offer = n_left;
        memcpy(offer, left, n_left * sizeof(*left));
        for (int i = 0; i < m->n_groups12; i++) {
            offer[n_offer++] = m->groups12[i];
        }
        rnd_fill(&rnd);
        version_params(x, mv->version, ecdhe, n_ecdhe, &rnd, &p);
        p.groups = offer;
        p.n_groups = n_offer;
        if (!probe(x, &p, &r, NULL, NULL) || r.end != TD_MX_HELLO || r.group == 0 ||
            !remove_code(left, &n_left, r.group)) {
            break; /* refused, or a curve named before */
        }
        m->groups12[m->n_groups12++] = r.group;
    }
}

/* One version: the first offer, then elimination, then the order check. */
static void chain_version(mx_t *x, int vi)
{
    td_mx_version_t *mv = &x->m->v[vi];
    uint16_t offer[400];
    uint16_t v = versions_all[vi];
    size_t n = suites_for(v, offer, TD_ARRAY_LEN(offer));
    mv->version = v;
    mv->order = -1;
    while (n > 0) {
        rnd_t rnd;
        td_hello_params_t p;
        td_mx_reply_t r;
        if (mv->n_suites >= TD_MX_MAX_SUITES) {
            mv->truncated = 1;
            break;
        }
        rnd_fill(&rnd);
        version_params(x, v, offer, n, &rnd, &p);
        if (!probe(x, &p, &r, NULL, NULL)) {
            mv->truncated = mv->n_suites > 0;
            break;
        }
        if (mv->first.end == TD_MX_NOT_RUN) {
            mv->first = r;
        }
        if (!accepted_as(&r, v) || !remove_code(offer, &n, r.cipher)) {
            break; /* refused, another version, or a suite we did not offer */
        }
        mv->suites[mv->n_suites++] = r.cipher;
    }
    if (mv->n_suites >= 2 && !out_of_time(x)) {
        /* Offer the accepted suites in reverse: a server that keeps its own order still picks
         * its first; one that follows the client picks our first. */
        uint16_t rev[TD_MX_MAX_SUITES];
        rnd_t rnd;
        td_hello_params_t p;
        td_mx_reply_t r;
        for (int i = 0; i < mv->n_suites; i++) {
            rev[i] = mv->suites[mv->n_suites - 1 - i];
        }
        rnd_fill(&rnd);
        version_params(x, v, rev, (size_t)mv->n_suites, &rnd, &p);
        if (probe(x, &p, &r, NULL, NULL) && accepted_as(&r, v)) {
            mv->order = r.cipher == mv->suites[0] ? 1 : r.cipher == rev[0] ? 0 : -1;
        }
    }
    if (v == TD_V_TLS12 && !out_of_time(x)) {
        tls12_groups(x, mv);
    }
}

/* TLS 1.3 groups: no key share at all, so the server must name its group in a
 * HelloRetryRequest (RFC 8446 §4.1.4); drop it and ask again. */
static void chain_groups13(mx_t *x)
{
    td_obs_matrix_t *m = x->m;
    uint16_t groups[TD_ARRAY_LEN(groups13_all)];
    size_t n = TD_ARRAY_LEN(groups13_all);
    uint16_t suites[8];
    size_t n_suites = suites_for(TD_V_TLS13, suites, TD_ARRAY_LEN(suites));
    memcpy(groups, groups13_all, sizeof(groups));
    while (n > 0 && m->n_groups13 < TD_MX_MAX_GROUPS) {
        rnd_t rnd;
        td_hello_params_t p;
        td_mx_reply_t r;
        rnd_fill(&rnd);
        version_params(x, TD_V_TLS13, suites, n_suites, &rnd, &p);
        p.groups = groups;
        p.n_groups = n;
        p.n_share_groups = 0;
        p.empty_key_share = 1;
        if (!probe(x, &p, &r, NULL, NULL)) {
            break;
        }
        if (m->hrr_probe.end == TD_MX_NOT_RUN) {
            m->hrr_probe = r;
        }
        if (!accepted_as(&r, TD_V_TLS13) || r.group == 0 || !remove_code(groups, &n, r.group)) {
            break;
        }
        m->groups13[m->n_groups13++] = r.group;
    }
    bool has_x25519 = false, has_p256 = false;
    for (int i = 0; i < m->n_groups13; i++) {
        has_x25519 |= m->groups13[i] == TD_GROUP_X25519;
        has_p256 |= m->groups13[i] == TD_GROUP_SECP256R1;
    }
    if (has_x25519 && has_p256 && !out_of_time(x)) {
        /* Both supported, only a P-256 share sent: does the server take it or insist on its
         * preferred group with a HelloRetryRequest? */
        static const uint16_t two[] = { TD_GROUP_X25519, TD_GROUP_SECP256R1 };
        rnd_t rnd;
        td_hello_params_t p;
        rnd_fill(&rnd);
        version_params(x, TD_V_TLS13, suites, n_suites, &rnd, &p);
        p.groups = two;
        p.n_groups = 2;
        p.share_groups = share_p256;
        p.n_share_groups = 1;
        (void)probe(x, &p, &m->p256_share, NULL, NULL);
    }
}

/* The broad "any version" hello of td_hello_params_default, as sent by the first probe. */
static void modern_params(const mx_t *x, const rnd_t *rnd, td_hello_params_t *p)
{
    td_hello_params_default(p, x->sni, TD_V_TLS13, rnd->b, rnd->b + 32);
    p->share_random_len = 64;
}

static void chain_alpn(mx_t *x)
{
    static const char *const h2[] = { "h2", "http/1.1" };
    static const char *const h1[] = { "http/1.1" };
    rnd_t rnd;
    td_hello_params_t p;
    rnd_fill(&rnd);
    modern_params(x, &rnd, &p);
    p.alpn = h2;
    p.n_alpn = 2;
    (void)probe(x, &p, &x->m->alpn_h2, NULL, NULL);
    p.alpn = h1;
    p.n_alpn = 1;
    (void)probe(x, &p, &x->m->alpn_http11, NULL, NULL);
}

static void chain_tolerance(mx_t *x)
{
    static const uint16_t big_groups[] = { TD_GROUP_X25519MLKEM768, TD_GROUP_X25519,
                                           TD_GROUP_SECP256R1, TD_GROUP_SECP384R1 };
    static const uint16_t big_shares[] = { TD_GROUP_X25519MLKEM768, TD_GROUP_X25519 };
    rnd_t rnd;
    td_hello_params_t p;
    rnd_fill(&rnd);
    modern_params(x, &rnd, &p);
    p.grease = 1;
    (void)probe(x, &p, &x->m->modern, NULL, NULL);
    modern_params(x, &rnd, &p);
    p.groups = big_groups;
    p.n_groups = TD_ARRAY_LEN(big_groups);
    p.share_groups = big_shares;
    p.n_share_groups = TD_ARRAY_LEN(big_shares);
    p.pad_to = LARGE_HELLO;
    (void)probe(x, &p, &x->m->large, NULL, NULL);
}

/* The certificate of an SNI probe. */
static void sni_leaf(X509 *leaf, const char *host, td_mx_sni_t *s)
{
    s->has_cert = 1;
    td_x509_sha256_hex(leaf, s->leaf_sha256, sizeof(s->leaf_sha256));
    td_x509_name_text(X509_get_subject_name(leaf), s->subject, sizeof(s->subject));
    (void)td_x509_sans_text(leaf, s->sans, sizeof(s->sans));
    s->covers_host = td_x509_valid_for(leaf, host);
}

struct leaf_ctx {
    const char *host;
    td_mx_sni_t *s;
};

static void raw_leaf(const uint8_t *der, size_t len, void *user)
{
    struct leaf_ctx *c = user;
    const unsigned char *p = der;
    X509 *leaf = d2i_X509(NULL, &p, (long)len);
    if (leaf != NULL) {
        sni_leaf(leaf, c->host, c->s);
        X509_free(leaf);
    }
}

/* One SNI probe: our own hello capped at TLS 1.2 when the server speaks it (the certificate is
 * in the clear there), else an OpenSSL TLS 1.3 handshake. */
static void sni_probe(mx_t *x, const char *name, const char *label, bool raw, td_mx_sni_t *s)
{
    s->ran = 1;
    s->sent = label;
    td_strlcpy(s->name, name != NULL ? name : "", sizeof(s->name));
    if (raw) {
        rnd_t rnd;
        td_hello_params_t p;
        struct leaf_ctx c = { x->host, s };
        rnd_fill(&rnd);
        td_hello_params_default(&p, name, TD_V_TLS12, rnd.b, rnd.b + 32);
        (void)probe(x, &p, &s->r, raw_leaf, &c);
        return;
    }
    if (out_of_time(x)) {
        return;
    }
    td_obs_tls_t *t = td_calloc(1, sizeof(*t));
    td_tls_conn_t *conn = NULL;
    if (t == NULL) {
        return;
    }
    s->via_openssl = 1;
    atomic_fetch_add(&x->conns, 1);
    td__tls_handshake(x->addr, x->port, name, x->host, TD_TLS_LEGACY,
                      td__step_deadline(x->deadline, x->step), t, &conn);
    memset(&s->r, 0, sizeof(s->r));
    s->r.alert = t->alert_received;
    if (t->ok) {
        s->r.end = TD_MX_HELLO;
        s->r.version = td_version_by_ossl_name(t->version);
        STACK_OF(X509) *chain = conn != NULL ? td__tls_conn_chain(conn) : NULL;
        if (chain != NULL && sk_X509_num(chain) > 0) {
            sni_leaf(sk_X509_value(chain, 0), x->host, s);
        }
    } else {
        s->r.end = t->alert_received >= 0 ? TD_MX_ALERT
                   : t->timed_out         ? TD_MX_TIMEOUT
                   : t->eof               ? TD_MX_CLOSED
                                          : TD_MX_RESET;
    }
    td__tls_conn_free(conn);
    td_free(t);
}

static void chain_sni(mx_t *x)
{
    /* Our own hello capped at TLS 1.2, whose certificate is in the clear, unless the server
     * is known to speak only TLS 1.3: it chose 1.3 and refused the hello without
     * supported_versions (then OpenSSL finishes a TLS 1.3 handshake to see the certificate). */
    const td_server_flight_t *f = &x->obs->sniff.flight, *f12 = &x->obs->tls12.flight;
    bool tls13_alone = f->has_server_hello && f->version == TD_V_TLS13 &&
                       !(f12->has_server_hello && f12->version <= TD_V_TLS12);
    bool raw = !tls13_alone;
    if (x->sni != NULL) {
        sni_probe(x, x->sni, "host", raw, &x->m->sni_host);
    }
    sni_probe(x, NULL, "none", raw, &x->m->sni_none);
    sni_probe(x, WRONG_SNI, "wrong", raw, &x->m->sni_wrong);
}

/* ---- client profiles ---- */

static bool version_accepted(const td_obs_matrix_t *m, uint16_t v)
{
    int i = td_mx_version_index(v);
    return i >= 0 && m->v[i].n_suites > 0;
}

static void send_client_hello(mx_t *x, const td_client_profile_t *c, td_mx_client_t *mc);

/* Send client i's hello when the matrix leaves a connection possible: a version and a suite
 * in common. Otherwise the matrix alone says it fails, and no connection is spent. */
static void client_job(mx_t *x, int i)
{
    size_t n_profiles = 0;
    const td_client_profile_t *c = &td_kb_clients(&n_profiles)[i];
    td_mx_client_t *mc = &x->m->clients[i];
    bool any_version = false, any_suite = false;
    for (int vi = 0; vi < TD_MX_NVERSIONS; vi++) {
        uint16_t v = versions_all[vi];
        if (v < c->min_version || v > c->max_version || !version_accepted(x->m, v)) {
            continue;
        }
        any_version = true;
        for (int k = 0; k < x->m->v[vi].n_suites; k++) {
            any_suite |= td_u16_in(c->ciphers, c->n_ciphers, x->m->v[vi].suites[k]);
        }
    }
    mc->no_version = !any_version;
    mc->no_suite = any_version && !any_suite;
    if (!any_suite) {
        return;
    }
    send_client_hello(x, c, mc);
}

/* Sends client c's ClientHello once and records the server's first reply in mc. */
static void send_client_hello(mx_t *x, const td_client_profile_t *c, td_mx_client_t *mc)
{
    uint16_t shares[4];
    size_t n_shares = 0;
    /* Its key shares as sent (x25519, P-256 and the ~1.2 KB X25519MLKEM768 one, which makes
     * current browsers' hellos larger than a packet), and its length: middleboxes that read one
     * segment fail exactly these. */
    for (size_t k = 0; k < c->n_shares && n_shares < 2; k++) {
        if (c->shares[k] == TD_GROUP_X25519 || c->shares[k] == TD_GROUP_SECP256R1 ||
            c->shares[k] == TD_GROUP_X25519MLKEM768) {
            shares[n_shares++] = c->shares[k];
        }
    }
    rnd_t rnd;
    td_hello_params_t p;
    rnd_fill(&rnd);
    memset(&p, 0, sizeof(p));
    p.record_version = c->record_version;
    p.legacy_version = c->legacy_version;
    p.random = rnd.b;
    p.session_id = rnd.b;
    p.session_id_len = c->n_versions > 0 ? 32 : 0;
    p.ciphers = c->ciphers;
    p.n_ciphers = c->n_ciphers;
    p.groups = c->groups;
    p.n_groups = c->n_groups;
    p.share_groups = shares;
    p.n_share_groups = n_shares;
    p.share_random = rnd.b + 32;
    p.share_random_len = 64;
    p.sigalgs = c->sigalgs;
    p.n_sigalgs = c->n_sigalgs;
    p.versions = c->versions;
    p.n_versions = c->n_versions;
    p.sni = c->sends_sni ? x->sni : NULL;
    p.alpn = c->alpn;
    p.n_alpn = c->n_alpn;
    p.ec_point_formats = c->ec_point_formats;
    p.renegotiation_info = c->renegotiation_info;
    p.grease = c->grease; /* as the real hello: RFC 8701 GREASE values */
    p.pad_to = c->hello_len;
    if (probe(x, &p, &mc->r, NULL, NULL)) {
        mc->sent = 1;
        atomic_fetch_add(&x->client_conns, 1);
    }
}

/* ---- a small pool: `parallel` threads take jobs in order ---- */

typedef enum job_kind {
    JOB_VERSION,
    JOB_GROUPS13,
    JOB_ALPN,
    JOB_SNI,
    JOB_TOLERANCE,
    JOB_CLIENT,
    JOB_CLIENT_QUICK /* every run: one default_run profile's hello, no matrix */
} job_kind_t;

typedef struct job {
    job_kind_t kind;
    int arg;
} job_t;

typedef struct pool {
    mx_t *x;
    const job_t *jobs;
    int n;
    atomic_int next;
} pool_t;

static void run_job(mx_t *x, const job_t *j)
{
    switch (j->kind) {
    case JOB_VERSION:
        chain_version(x, j->arg);
        break;
    case JOB_GROUPS13:
        chain_groups13(x);
        break;
    case JOB_ALPN:
        chain_alpn(x);
        break;
    case JOB_SNI:
        chain_sni(x);
        break;
    case JOB_TOLERANCE:
        chain_tolerance(x);
        break;
    case JOB_CLIENT:
        client_job(x, j->arg);
        break;
    case JOB_CLIENT_QUICK: {
        size_t n_profiles = 0;
        send_client_hello(x, &td_kb_clients(&n_profiles)[j->arg], &x->quick->hello[j->arg]);
        break;
    }
    }
}

static void *worker(void *arg)
{
    pool_t *pl = arg;
    for (;;) {
        int i = atomic_fetch_add(&pl->next, 1);
        if (i >= pl->n) {
            return NULL;
        }
        run_job(pl->x, &pl->jobs[i]);
    }
}

static void run_pool(mx_t *x, const job_t *jobs, int n, int parallel)
{
    pool_t pl = { .x = x, .jobs = jobs, .n = n };
    pthread_t th[16];
    int started = 0;
    atomic_init(&pl.next, 0);
    for (int i = 0; i < parallel && i < n && i < 16; i++) {
        if (pthread_create(&th[i], NULL, worker, &pl) != 0) {
            break;
        }
        started++;
    }
    if (started == 0) {
        worker(&pl); /* no thread: do it here, one connection at a time */
    }
    for (int i = 0; i < started; i++) {
        pthread_join(th[i], NULL);
    }
}

/* The probe context both entry points start from (counters set by the caller). */
static mx_t mx_for(const td_endpoint_t *ep, double deadline_ms, double step_ms, const td_obs_t *obs)
{
    return (mx_t){ .addr = ep->addr,
                   .port = ep->port,
                   .sni = ep->sni,
                   .host = ep->host,
                   .deadline = deadline_ms,
                   .step = step_ms,
                   .obs = obs };
}

/* Every run: the hellos of the profiles marked default_run, a few connections at a time. */
void td__clients_run(const td_endpoint_t *ep, int parallel, double deadline_ms, double step_ms,
                     const td_obs_t *obs, td_obs_clients_t *out)
{
    mx_t x = mx_for(ep, deadline_ms, step_ms, obs);
    x.quick = out; /* no matrix (x.m NULL): send_client_hello and probe() do not use it */
    size_t n_profiles = 0;
    const td_client_profile_t *profiles = td_kb_clients(&n_profiles);
    job_t jobs[TD_MX_MAX_CLIENTS];
    int n = 0;
    atomic_init(&x.conns, 0);
    atomic_init(&x.client_conns, 0);
    out->step = TD_STEP_DONE;
    out->n = (int)(n_profiles < TD_MX_MAX_CLIENTS ? n_profiles : TD_MX_MAX_CLIENTS);
    for (int i = 0; i < out->n; i++) {
        /* Profiles the local OpenSSL can be get a real handshake instead (run.c). */
        if (profiles[i].default_run && profiles[i].openssl_ciphers == NULL) {
            jobs[n++] = (job_t){ JOB_CLIENT_QUICK, i };
        }
    }
    run_pool(&x, jobs, n, parallel < 1 ? 1 : parallel > 16 ? 16 : parallel);
    out->connections = atomic_load(&x.conns);
}

void td__matrix_run(const td_endpoint_t *ep, int parallel, double deadline_ms, double step_ms,
                    const td_obs_t *obs, td_obs_matrix_t *m)
{
    mx_t x = mx_for(ep, deadline_ms, step_ms, obs);
    x.m = m;
    double t0 = td_now_ms();
    size_t n_profiles = 0;
    (void)td_kb_clients(&n_profiles);
    atomic_init(&x.conns, 0);
    atomic_init(&x.client_conns, 0);
    memset(m, 0, sizeof(*m));
    m->step = TD_STEP_DONE;
    m->parallel = parallel < 1 ? 1 : parallel > 16 ? 16 : parallel;
    m->hrr_probe.alert = m->p256_share.alert = -1;

    /* Longest chains first, so that the pool ends together. */
    job_t jobs[TD_MX_NVERSIONS + 4];
    int n = 0;
    jobs[n++] = (job_t){ JOB_VERSION, 3 };
    jobs[n++] = (job_t){ JOB_VERSION, 2 };
    jobs[n++] = (job_t){ JOB_VERSION, 1 };
    jobs[n++] = (job_t){ JOB_VERSION, 4 };
    jobs[n++] = (job_t){ JOB_GROUPS13, 0 };
    jobs[n++] = (job_t){ JOB_SNI, 0 };
    jobs[n++] = (job_t){ JOB_VERSION, 0 };
    jobs[n++] = (job_t){ JOB_ALPN, 0 };
    jobs[n++] = (job_t){ JOB_TOLERANCE, 0 };
    run_pool(&x, jobs, n, m->parallel);

    job_t cj[TD_MX_MAX_CLIENTS];
    m->n_clients = (int)(n_profiles < TD_MX_MAX_CLIENTS ? n_profiles : TD_MX_MAX_CLIENTS);
    for (int i = 0; i < m->n_clients; i++) {
        cj[i] = (job_t){ JOB_CLIENT, i };
    }
    run_pool(&x, cj, m->n_clients, m->parallel);

    m->connections = atomic_load(&x.conns);
    m->client_connections = atomic_load(&x.client_conns);
    m->ms = td_now_ms() - t0;
}
