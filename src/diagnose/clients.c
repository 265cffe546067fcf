/* clients.c: judges the handshake matrix: which real clients connect and with what, and the
 * findings only the matrix can show (old versions on, weak or no modern suites, intolerance to
 * large or TLS 1.3-style hellos, no HelloRetryRequest, clients that cannot connect). Pure:
 * reads td_obs_matrix_t, never does I/O. */
#include "diagnose.h"

#include "../kb/clients.h"
#include "../kb/kb.h"

#include <openssl/ssl.h>
#include <string.h>

#define EV(...)     td_fmt(out->evidence, out->evidence_cap, __VA_ARGS__)
#define EV_ADD(...) td_fmt_append(out->evidence, out->evidence_cap, __VA_ARGS__)
#define CAUSE(...)  td_fmt(out->cause, out->cause_cap, __VA_ARGS__)

static bool ran(const td_obs_t *o)
{
    return o->matrix.step == TD_STEP_DONE;
}

static const td_mx_version_t *mv(const td_obs_matrix_t *m, uint16_t v)
{
    int i = td_mx_version_index(v);
    return i >= 0 ? &m->v[i] : NULL;
}

/* The group a client and the server would agree on for version v and suite c: 0 when the suite
 * needs none, 0xffff when the matrix did not measure groups for v, 1 when there is none. */
static uint16_t common_group(const td_obs_matrix_t *m, const td_client_profile_t *p, uint16_t v,
                             uint16_t cipher)
{
    const td_cipher_info_t *ci = td_cipher_info(cipher);
    bool needs = v == TD_V_TLS13 || (ci != NULL && (ci->flags & TD_CS_ECDHE));
    if (!needs) {
        return 0;
    }
    const uint16_t *g = v == TD_V_TLS13 ? m->groups13 : m->groups12;
    int n = v == TD_V_TLS13 ? m->n_groups13 : m->n_groups12;
    if (n == 0 || (v != TD_V_TLS13 && v != TD_V_TLS12)) {
        return 0xffff; /* not measured (TLS 1.2 curves are asked for TLS 1.2 only) */
    }
    for (int i = 0; i < n; i++) {
        if (td_u16_in(p->groups, p->n_groups, g[i])) {
            return g[i];
        }
    }
    return 1;
}

static void range_text(uint16_t lo, uint16_t hi, char *out, size_t cap)
{
    if (lo == hi) {
        td_fmt(out, cap, "%s", td_version_name(lo));
    } else {
        td_fmt(out, cap, "%s-%s", td_version_name(lo), td_version_name(hi));
    }
}

static void server_versions(const td_obs_matrix_t *m, char *out, size_t cap)
{
    out[0] = '\0';
    for (int i = 0; i < TD_MX_NVERSIONS; i++) {
        if (m->v[i].n_suites > 0) {
            td_fmt_append(out, cap, "%s%s", out[0] ? ", " : "", td_version_name(m->v[i].version));
        }
    }
    if (out[0] == '\0') {
        td_fmt(out, cap, "no version at all");
    }
}

/* What the matrix alone says about one client. */
static void predict(const td_obs_matrix_t *m, const td_client_profile_t *p, td_client_verdict_t *cv)
{
    char cr[40], sv[80];
    const td_mx_version_t *use = NULL;
    for (int i = TD_MX_NVERSIONS - 1; i >= 0; i--) {
        const td_mx_version_t *x = &m->v[i];
        if (x->n_suites > 0 && x->version >= p->min_version && x->version <= p->max_version) {
            use = x;
            break;
        }
    }
    range_text(p->min_version, p->max_version, cr, sizeof(cr));
    server_versions(m, sv, sizeof(sv));
    if (use == NULL) {
        td_fmt(cv->why, sizeof(cv->why),
               "no TLS version in common: the client speaks %s, the "
               "server %s",
               cr, sv);
        return;
    }
    bool no_group = false;
    /* The server's order when it keeps one, else the client's. */
    int n = use->order == 1 ? use->n_suites : (int)p->n_ciphers;
    for (int k = 0; k < n; k++) {
        uint16_t c = use->order == 1 ? use->suites[k] : p->ciphers[k];
        bool both = use->order == 1 ? td_u16_in(p->ciphers, p->n_ciphers, c)
                                    : td_u16_in(use->suites, (size_t)use->n_suites, c);
        if (!both) {
            continue;
        }
        uint16_t g = common_group(m, p, use->version, c);
        if (g == 1) {
            no_group = true;
            continue;
        }
        cv->predicted_ok = 1;
        cv->version = use->version;
        cv->cipher = c;
        cv->group = g == 0xffff ? 0 : g;
        return;
    }
    if (no_group) {
        td_fmt(cv->why, sizeof(cv->why), "no key-exchange group in common at %s",
               td_version_name(use->version));
    } else {
        td_fmt(cv->why, sizeof(cv->why),
               "no cipher suite in common at %s (the highest version "
               "both speak, which the server picks)",
               td_version_name(use->version));
    }
}

static void verdict_init(td_client_verdict_t *cv, const td_client_profile_t *p)
{
    memset(cv, 0, sizeof(*cv));
    cv->id = p->id;
    cv->name = p->name;
    cv->current = p->current;
    cv->legacy = p->legacy;
    cv->proxy = p->proxy;
    cv->source = p->source;
}

/* What a client checks after the ServerHello (version floor, signed key exchange below TLS
 * 1.2, DH size) and in the certificate, when it verifies. Returns true and says why when it
 * refuses. version/cipher 0: the handshake was OpenSSL's, which enforced the first part. */
static bool policy_refuses(const td_obs_t *o, const td_client_profile_t *p, uint16_t version,
                           uint16_t cipher, int dh_bits, char *why, size_t cap)
{
    const td_cipher_info_t *ci = cipher != 0 ? td_cipher_info(cipher) : NULL;
    bool signed_kx = ci != NULL && (ci->flags & (TD_CS_ECDHE | TD_CS_DHE)) &&
                     !(ci->flags & TD_CS_ANON); /* signed with MD5-SHA1 below TLS 1.2 */
    if (version != 0 && version < p->floor) {
        td_fmt(why, cap, "the server picks %s, which the client then refuses: %s",
               td_version_name(version), p->floor_why != NULL ? p->floor_why : "too old");
        return true;
    }
    if (p->no_signed_kx_below12 && version != 0 && version < TD_V_TLS12 && signed_kx) {
        td_fmt(why, cap,
               "the server picks %s with a signed key exchange (%s), whose MD5-SHA1 signature "
               "the client refuses",
               td_version_name(version), td_cipher_name(cipher));
        return true;
    }
    if (p->min_dh_bits > 0 && dh_bits > 0 && dh_bits < p->min_dh_bits) {
        td_fmt(why, cap, "the server's DH group has %d bits; the client needs %d", dh_bits,
               p->min_dh_bits);
        return true;
    }
    /* Past the ServerHello: what every TLS library we tried failed on, a client certificate
     * the server demands, a chain longer than the client takes. */
    if (o->tls.step == TD_STEP_DONE && !o->tls.ok && o->legacy.step == TD_STEP_DONE &&
        !o->legacy.ok && !o->tls.timed_out && o->tls.ossl_reason != SSL_R_DH_KEY_TOO_SMALL &&
        o->sniff.flight.has_server_hello && o->tls.alert_received != 40 &&
        o->tls.alert_received != 70 && o->tls.alert_received != 71 &&
        o->tls.alert_received != 112 && !o->tls.cert_requested) {
        td_fmt(why, cap,
               "the handshake fails after the ServerHello (OpenSSL, also at security "
               "level 0: %s)",
               o->tls.ossl_text[0] ? o->tls.ossl_text : "no reason given");
        return true;
    }
    if (o->tls.cert_requested &&
        (!o->tls.ok || (o->http.step == TD_STEP_DONE && o->http.result != TD_HTTP_OK))) {
        td_fmt(why, cap, "the server requires a client certificate, which it does not send");
        return true;
    }
    const td_obs_cert_t *c = &o->cert;
    if (p->max_chain_certs > 0 && c->sent > p->max_chain_certs) {
        td_fmt(why, cap, "the server sends %d certificates; the client takes at most %d", c->sent,
               p->max_chain_certs);
        return true;
    }
    if (!p->verifies || c->step != TD_STEP_DONE || c->n == 0) {
        return false;
    }
    const td_cert_info_t *leaf = &c->c[0];
    bool name_ok = p->sends_sni || o->nosni.step != TD_STEP_DONE ? c->name_match
                                                                 : o->nosni.leaf_matches_host;
    if (c->verify_code != 0) {
        td_fmt(why, cap, "the certificate does not verify: %s", c->verify_text);
    } else if (!name_ok) {
        td_fmt(why, cap, "the certificate%s is not valid for %s",
               p->sends_sni ? "" : " it gets without SNI", o->host);
    } else if (p->no_cn_fallback && leaf->n_sans == 0 && !c->name_is_ip) {
        td_fmt(why, cap, "the certificate has no subjectAltName and the client ignores the CN");
    } else if (p->needs_server_auth_eku && leaf->eku_present && !leaf->eku_server_auth) {
        td_fmt(why, cap, "the certificate's extended key usage has no serverAuth");
    } else if (p->min_rsa_bits > 0 && strcmp(leaf->key_type, "RSA") == 0 &&
               leaf->key_bits < p->min_rsa_bits) {
        td_fmt(why, cap, "the certificate's RSA key has %d bits; the client needs %d",
               leaf->key_bits, p->min_rsa_bits);
    } else if (o->now > leaf->not_after &&
               (o->http.server_date == 0 || o->http.server_date > leaf->not_after)) {
        td_fmt(why, cap, "the certificate has expired");
    } else if (o->now < leaf->not_before &&
               (o->http.server_date == 0 || o->http.server_date < leaf->not_before)) {
        td_fmt(why, cap, "the certificate is not valid yet");
    } else {
        for (int i = 0; i < c->n; i++) {
            if (p->rejects_sha1_certs && c->c[i].sig_sha1 && !c->c[i].self_signed) {
                td_fmt(why, cap, "certificate %d is signed with SHA-1", i);
                return true;
            }
        }
        return false;
    }
    return true;
}

/* An HTTP exchange that failed for us fails for every client that got that far. */
static bool http_refuses(const td_obs_t *o, char *why, size_t cap)
{
    /* A timeout is our patience, not the server's refusal: a client that waits longer gets an
     * answer (http.response.timeout / slow say so). */
    if (o->http.step != TD_STEP_DONE || o->http.result == TD_HTTP_OK ||
        o->http.result == TD_HTTP_TIMEOUT ||
        (o->http.result == TD_HTTP_HEAD_INCOMPLETE && o->http.head_end == TD_END_TIMEOUT)) {
        return false;
    }
    td_fmt(why, cap, "the handshake works but no HTTP response comes (%s)",
           td_http_result_name(o->http.result));
    return true;
}

/* No client can speak TLS here: no TCP connection, or the port answers something else (or
 * nothing). Writes why; false when that was not observed. */
static bool no_tls_for_anyone(const td_obs_t *o, char *why, size_t cap)
{
    if (o->tcp.n > 0 && o->tcp.chosen < 0) {
        td_fmt(why, cap, "no TCP connection (%s)", td_tcp_result_name(o->tcp.a[0].result));
        return true;
    }
    const td_obs_exchange_t *x = &o->sniff;
    if (x->step != TD_STEP_DONE || !x->connected) {
        return false;
    }
    if (x->received == 0 && x->end == TD_END_TIMEOUT) {
        if (o->deadline_hit && o->shortened_step != NULL &&
            strcmp(o->shortened_step, "proto") == 0) {
            return false; /* our deadline cut the wait: not observed */
        }
        td_fmt(why, cap, "no answer to a ClientHello within %.0f ms", x->ms);
        return true;
    }
    if (x->sniff.cls != TD_SNIFF_TLS && x->received > 0) {
        td_fmt(why, cap, "the port answers a ClientHello with %s, not TLS",
               td_sniff_class_name(x->sniff.cls));
        return true;
    }
    return false;
}

/* Every run without the matrix: the few hellos and handshakes it made; the rest not observed. */
static int quick_verdicts(const td_obs_t *o, td_client_verdict_t *out, int cap)
{
    size_t n_profiles = 0;
    const td_client_profile_t *profiles = td_kb_clients(&n_profiles);
    const td_obs_clients_t *q = &o->clients;
    int n = 0;
    char none_why[200] = "";
    if (o->plain_target) {
        return 0;
    }
    /* Not run (the deadline, or nothing to ask): every row "not observed", never a pass. */
    bool none_ran = q->step != TD_STEP_DONE && !no_tls_for_anyone(o, none_why, sizeof(none_why));
    int n_rows = q->step == TD_STEP_DONE ? q->n : (int)n_profiles;
    for (int i = 0; i < n_rows && i < (int)n_profiles && n < cap; i++) {
        const td_client_profile_t *p = &profiles[i];
        td_client_verdict_t *cv = &out[n++];
        char rt[80];
        verdict_init(cv, p);
        if (none_why[0] != '\0') {
            cv->known = 1;
            cv->basis = "predicted";
            td_strlcpy(cv->why, none_why, sizeof(cv->why));
            continue;
        }
        const td_obs_tls_t *hs = NULL;
        if (none_ran) {
            cv->basis = "not_observed";
            td_fmt(cv->why, sizeof(cv->why), "not observed: the run ended before the clients");
            continue;
        }
        if (p->openssl_ciphers != NULL && strcmp(p->openssl_ciphers, "DEFAULT") == 0 &&
            p->openssl_min <= TD_V_TLS10) {
            hs = &o->tls; /* OpenSSL's defaults: the diagnosis' own handshake */
        } else if (q->handshake_ran[i]) {
            hs = &q->handshake[i];
        }
        if (hs != NULL && hs->step == TD_STEP_DONE) {
            cv->known = 1;
            cv->basis = "handshake";
            cv->confirmed = 1;
            cv->ok = hs->ok;
            if (!hs->ok) {
                td_fmt(cv->why, sizeof(cv->why), "its handshake fails: %s",
                       hs->alert_received >= 0 ? td_alert_name(hs->alert_received)
                       : hs->ossl_text[0]      ? hs->ossl_text
                                               : "no handshake");
            } else {
                cv->version = td_version_by_ossl_name(hs->version);
            }
        } else if (hs != NULL && o->sniff.connected && o->sniff.received == 0 &&
                   (o->sniff.end == TD_END_RESET || o->sniff.end == TD_END_EOF)) {
            /* Not run because our TLS 1.3-style hello, like this client's, was refused. */
            cv->known = 1;
            cv->basis = "predicted";
            td_fmt(cv->why, sizeof(cv->why),
                   "a TLS 1.3-style ClientHello like its own was %s without a reply",
                   o->sniff.end == TD_END_RESET ? "reset" : "closed");
            continue;
        } else if (q->hello[i].sent) {
            const td_mx_reply_t *r = &q->hello[i].r;
            cv->known = 1;
            cv->basis = "hello";
            cv->confirmed = 1;
            cv->ok = r->end == TD_MX_HELLO && !r->hrr;
            if (cv->ok) {
                cv->version = r->version;
                cv->cipher = r->cipher;
                cv->group = r->group;
            } else {
                td_fmt(cv->why, sizeof(cv->why), "its ClientHello got %s%s",
                       td_mx_reply_text(r, rt, sizeof(rt)),
                       !p->sends_sni ? " (it sends no SNI)" : "");
            }
        } else {
            cv->basis = "not_observed";
            td_fmt(cv->why, sizeof(cv->why),
                   "not observed in this run: tlsdoctor matrix sends its hello");
            continue;
        }
        if (cv->ok &&
            (policy_refuses(o, p, hs != NULL ? 0 : cv->version, hs != NULL ? 0 : cv->cipher,
                            hs != NULL ? (strcmp(hs->kx_type, "DH") == 0 ? hs->kx_bits : 0)
                                       : q->hello[i].r.dh_bits,
                            cv->why, sizeof(cv->why)) ||
             http_refuses(o, cv->why, sizeof(cv->why)))) {
            cv->ok = 0;
        }
    }
    return n;
}

int td__client_verdicts(const td_obs_t *o, td_client_verdict_t *out, int cap)
{
    const td_obs_matrix_t *m = &o->matrix;
    size_t n_profiles = 0;
    const td_client_profile_t *profiles = td_kb_clients(&n_profiles);
    int n = 0;
    if (!ran(o)) {
        return quick_verdicts(o, out, cap);
    }
    for (int i = 0; i < m->n_clients && i < (int)n_profiles && n < cap; i++) {
        const td_client_profile_t *p = &profiles[i];
        const td_mx_client_t *mc = &m->clients[i];
        td_client_verdict_t *cv = &out[n++];
        char rt[80];
        verdict_init(cv, p);
        cv->known = 1;
        predict(m, p, cv);
        cv->ok = cv->predicted_ok;
        if (mc->sent) {
            const td_mx_reply_t *r = &mc->r;
            cv->confirmed = 1;
            cv->ok = r->end == TD_MX_HELLO;
            if (cv->ok) {
                cv->mismatch =
                        !cv->predicted_ok || r->cipher != cv->cipher || r->version != cv->version;
                cv->version = r->version;
                cv->cipher = r->cipher;
                cv->group = r->group;
                cv->why[0] = '\0';
            } else {
                cv->mismatch = cv->predicted_ok;
                td_fmt(cv->why, sizeof(cv->why), "its ClientHello got %s%s",
                       td_mx_reply_text(r, rt, sizeof(rt)),
                       !p->sends_sni && m->sni_none.ran && m->sni_none.r.end != TD_MX_HELLO
                               ? ": it sends no SNI, and the server refuses hellos without one"
                               : "");
            }
        }
        if (cv->ok && cv->version < p->floor) {
            cv->ok = 0;
            td_fmt(cv->why, sizeof(cv->why),
                   "the server picks %s, which the client then "
                   "refuses: %s",
                   td_version_name(cv->version), p->floor_why);
        }
        if (cv->ok && !p->sends_sni && m->sni_none.ran) {
            const td_mx_sni_t *s = &m->sni_none;
            if (s->r.end != TD_MX_HELLO) {
                cv->ok = 0;
                td_fmt(cv->why, sizeof(cv->why),
                       "it sends no SNI, and a hello without SNI got "
                       "%s",
                       td_mx_reply_text(&s->r, rt, sizeof(rt)));
            } else if (s->has_cert && !s->covers_host) {
                td_fmt(cv->why, sizeof(cv->why),
                       "it sends no SNI and gets the default "
                       "certificate (%s), not valid for %s; it connects only because it does "
                       "not verify names",
                       s->subject, o->host);
            }
        }
        cv->basis = mc->sent ? "hello" : "predicted";
        if (cv->ok && (policy_refuses(o, p, cv->version, cv->cipher, mc->sent ? mc->r.dh_bits : 0,
                                      cv->why, sizeof(cv->why)) ||
                       http_refuses(o, cv->why, sizeof(cv->why)))) {
            cv->ok = 0;
        }
    }
    return n;
}

/* ---- findings ---- */

static bool accepted(const td_obs_matrix_t *m, uint16_t v)
{
    const td_mx_version_t *x = mv(m, v);
    return x != NULL && x->n_suites > 0;
}

bool td__mx_obsolete_versions(const td_obs_t *o, td_rule_out_t *out)
{
    const td_obs_matrix_t *m = &o->matrix;
    if (!ran(o) || !(accepted(m, TD_V_TLS12) || accepted(m, TD_V_TLS13))) {
        return false;
    }
    EV("accepted by the server:");
    bool any = false;
    for (uint16_t v = TD_V_SSL3; v <= TD_V_TLS11; v++) {
        const td_mx_version_t *x = mv(m, v);
        if (x->n_suites > 0) {
            EV_ADD(" %s (%d suites, first %s)", td_version_name(v), x->n_suites,
                   td_cipher_name(x->suites[0]));
            any = true;
        }
    }
    return any;
}

bool td__mx_no_modern_cipher(const td_obs_t *o, td_rule_out_t *out)
{
    const td_obs_matrix_t *m = &o->matrix;
    int total = 0;
    if (!ran(o) || accepted(m, TD_V_TLS13)) {
        return false;
    }
    for (int i = 0; i < TD_MX_NVERSIONS; i++) {
        for (int k = 0; k < m->v[i].n_suites; k++) {
            if (td_cipher_is_modern(m->v[i].suites[k])) {
                return false;
            }
            total++;
        }
    }
    if (total == 0) {
        return false;
    }
    const td_mx_version_t *best = NULL;
    for (int i = 0; i < TD_MX_NVERSIONS; i++) {
        best = m->v[i].n_suites > 0 ? &m->v[i] : best;
    }
    EV("no TLS 1.3 and no ECDHE/DHE with AEAD among %d accepted suites; at %s the server "
       "offers:",
       total, td_version_name(best->version));
    for (int k = 0; k < best->n_suites && k < 6; k++) {
        EV_ADD(" %s", td_cipher_name(best->suites[k]));
    }
    return true;
}

bool td__mx_weak_ciphers(const td_obs_t *o, td_rule_out_t *out)
{
    const td_obs_matrix_t *m = &o->matrix;
    int n = 0;
    if (!ran(o)) {
        return false;
    }
    EV("accepted:");
    for (int i = 0; i < TD_MX_NVERSIONS; i++) {
        for (int k = 0; k < m->v[i].n_suites; k++) {
            if (td_cipher_is_weak(m->v[i].suites[k])) {
                if (n < 6) {
                    EV_ADD(" %s %s;", td_version_name(m->v[i].version),
                           td_cipher_name(m->v[i].suites[k]));
                }
                n++;
            }
        }
    }
    if (n > 6) {
        EV_ADD(" and %d more", n - 6);
    }
    return n > 0;
}

static bool some_plain_hello_accepted(const td_obs_matrix_t *m)
{
    for (int i = 0; i < TD_MX_NVERSIONS - 1; i++) {
        if (m->v[i].first.end == TD_MX_HELLO) {
            return true;
        }
    }
    return false;
}

/* Like for like: an older-style hello was accepted with a suite (and, for ECDHE, a curve) that
 * the TLS 1.3-style hello offers too. Otherwise its failure says only that it offered nothing
 * the server takes (an ARIA-only server), not that the style is refused. */
static bool same_offer_accepted(const td_obs_matrix_t *m)
{
    static const uint8_t zero[32];
    td_hello_params_t p;
    td_hello_params_default(&p, NULL, TD_V_TLS13, zero, zero); /* the modern probe's offer */
    bool curve_common = m->n_groups12 == 0;
    for (int g = 0; g < m->n_groups12 && !curve_common; g++) {
        curve_common = td_u16_in(p.groups, p.n_groups, m->groups12[g]);
    }
    for (int i = 0; i < TD_MX_NVERSIONS - 1; i++) {
        const td_mx_version_t *v = &m->v[i];
        if (v->first.end != TD_MX_HELLO) {
            continue;
        }
        for (int k = 0; k < v->n_suites; k++) {
            const td_cipher_info_t *ci = td_cipher_info(v->suites[k]);
            bool ecdhe = ci != NULL && (ci->flags & TD_CS_ECDHE);
            if (td_u16_in(p.ciphers, p.n_ciphers, v->suites[k]) && (!ecdhe || curve_common)) {
                return true;
            }
        }
    }
    return false;
}

bool td__mx_older_hello_works(const td_obs_t *o)
{
    const td_obs_matrix_t *m = &o->matrix;
    return ran(o) && m->modern.end != TD_MX_HELLO && m->modern.end != TD_MX_NOT_RUN &&
           some_plain_hello_accepted(m) && same_offer_accepted(m);
}

bool td__mx_version_intolerant(const td_obs_t *o, td_rule_out_t *out)
{
    const td_obs_matrix_t *m = &o->matrix;
    char rt[80];
    if (!td__mx_older_hello_works(o)) {
        return false;
    }
    EV("a TLS 1.2-style hello (no supported_versions) got a ServerHello; a TLS 1.3-style hello "
       "(supported_versions TLS 1.3-1.0, key_share, GREASE, %zu bytes) got %s",
       m->modern.sent, td_mx_reply_text(&m->modern, rt, sizeof(rt)));
    return true;
}

bool td__mx_large_intolerant(const td_obs_t *o, td_rule_out_t *out)
{
    const td_obs_matrix_t *m = &o->matrix;
    char rt[80];
    if (!ran(o) || m->large.end == TD_MX_HELLO || m->large.end == TD_MX_NOT_RUN ||
        m->modern.end != TD_MX_HELLO) {
        return false;
    }
    CAUSE("A ClientHello larger than one packet (%zu bytes, as browsers send with a "
          "post-quantum key share) fails, while a smaller one works: the server or a device in "
          "front of it reads only the first segment.",
          m->large.sent);
    EV("a %zu-byte hello got a ServerHello; a %zu-byte hello with an X25519MLKEM768 key share "
       "got %s",
       m->modern.sent, m->large.sent, td_mx_reply_text(&m->large, rt, sizeof(rt)));
    return true;
}

bool td__mx_no_hrr(const td_obs_t *o, td_rule_out_t *out)
{
    const td_obs_matrix_t *m = &o->matrix;
    char rt[80];
    if (!ran(o) || !accepted(m, TD_V_TLS13) || m->hrr_probe.end == TD_MX_HELLO ||
        m->hrr_probe.end == TD_MX_NOT_RUN) {
        return false;
    }
    EV("TLS 1.3 works with an x25519 key share; a hello with no key share (the server should "
       "name a group in a HelloRetryRequest, RFC 8446 §4.1.4) got %s",
       td_mx_reply_text(&m->hrr_probe, rt, sizeof(rt)));
    return true;
}

static bool clients_fail(const td_obs_t *o, td_rule_out_t *out, int current)
{
    td_client_verdict_t v[TD_MX_MAX_CLIENTS];
    int n = td__client_verdicts(o, v, TD_MX_MAX_CLIENTS), bad = 0;
    out->evidence[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (v[i].ok || !v[i].known || v[i].proxy || v[i].current != current) {
            continue; /* proxies' own hellos decide their rows, not this finding */
        }
        EV_ADD("%s%s: %s", bad > 0 ? "; " : "", v[i].name, v[i].why);
        bad++;
    }
    if (bad > 0 && current) {
        CAUSE("%d client%s in wide use today cannot connect (see the client table).", bad,
              bad == 1 ? "" : "s");
    }
    return bad > 0;
}

bool td__mx_current_clients_fail(const td_obs_t *o, td_rule_out_t *out)
{
    return clients_fail(o, out, 1);
}

bool td__mx_legacy_clients_fail(const td_obs_t *o, td_rule_out_t *out)
{
    return clients_fail(o, out, 0);
}
