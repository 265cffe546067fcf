/* rules.c: the rule table. Each rule reads observations and, when it matches, writes
 * evidence (and may refine cause and fix). Adding a cause = one row + one test.
 * Facts behind the texts: ../shared/failure-kb.md, keys cited per rule. Never does I/O. */
#include "diagnose.h"

#include "../kb/kb.h"

#include <errno.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define EV(...)     td_fmt(out->evidence, out->evidence_cap, __VA_ARGS__)
#define EV_ADD(...) td_fmt_append(out->evidence, out->evidence_cap, __VA_ARGS__)
#define CAUSE(...)  td_fmt(out->cause, out->cause_cap, __VA_ARGS__)

static const td_obs_tcp_attempt_t *first_attempt(const td_obs_t *o)
{
    return o->tcp.n > 0 ? &o->tcp.a[0] : NULL;
}

/* ---- DNS ---------------------------------------------------------------------------- */

static bool dns_nxdomain(const td_obs_t *o, td_rule_out_t *out)
{
    if (o->dns.step != TD_STEP_DONE || o->dns.ok || !o->dns.nxdomain) {
        return false;
    }
    EV("resolver answered: %s for %s", o->dns.error, o->host);
    return true;
}

static bool dns_timeout(const td_obs_t *o, td_rule_out_t *out)
{
    if (o->dns.step != TD_STEP_DONE || o->dns.ok || !o->dns.timed_out) {
        return false;
    }
    EV("no DNS answer for %s within %.0f ms (%s)", o->host, o->dns.ms, o->dns.error);
    return true;
}

static bool dns_failed(const td_obs_t *o, td_rule_out_t *out)
{
    if (o->dns.step != TD_STEP_DONE || o->dns.ok) {
        return false;
    }
    EV("resolver error for %s: %s", o->host, o->dns.error);
    return true;
}

static bool dns_unexpected_addr(const td_obs_t *o, td_rule_out_t *out)
{
    if (o->dns.n_expect == 0 || !o->dns.ok) {
        return false;
    }
    int unexpected = 0;
    out->evidence[0] = '\0';
    for (int i = 0; i < o->dns.n_addrs; i++) {
        bool found = false;
        for (int j = 0; j < o->dns.n_expect; j++) {
            found |= strcmp(o->dns.addrs[i], o->dns.expect_addrs[j]) == 0;
        }
        if (!found) {
            EV_ADD("%s%s", unexpected++ ? ", " : "", o->dns.addrs[i]);
        }
    }
    if (unexpected == 0) {
        return false;
    }
    EV_ADD(" not in the expected set (");
    for (int j = 0; j < o->dns.n_expect; j++) {
        EV_ADD("%s%s", j ? ", " : "", o->dns.expect_addrs[j]);
    }
    EV_ADD(")%s", o->dns.step == TD_STEP_SKIPPED ? " [addresses given, not resolved]" : "");
    return true;
}

static bool dns_unexpected_cname(const td_obs_t *o, td_rule_out_t *out)
{
    if (o->dns.expect_cname[0] == '\0' || o->dns.step != TD_STEP_DONE || !o->dns.ok) {
        return false;
    }
    for (int i = 0; i < o->dns.n_cnames; i++) {
        if (strcasecmp(o->dns.cnames[i], o->dns.expect_cname) == 0) {
            return false;
        }
    }
    EV("CNAME chain of %s: ", o->host);
    if (o->dns.n_cnames == 0) {
        EV_ADD("none (A/AAAA records directly)");
    }
    for (int i = 0; i < o->dns.n_cnames; i++) {
        EV_ADD("%s%s", i ? " -> " : "", o->dns.cnames[i]);
    }
    EV_ADD("; expected %s", o->dns.expect_cname);
    return true;
}

/* ---- TCP ---------------------------------------------------------------------------- */

static bool tcp_all_failed_with(const td_obs_t *o, td_tcp_result_t want, td_rule_out_t *out)
{
    if (o->tcp.step != TD_STEP_DONE || o->tcp.chosen >= 0 || o->tcp.n == 0) {
        return false;
    }
    const td_obs_tcp_attempt_t *a = first_attempt(o);
    if (a->result != want) {
        return false;
    }
    out->evidence[0] = '\0';
    for (int i = 0; i < o->tcp.n; i++) {
        EV_ADD("%s%s port %u: %s after %.0f ms (%s)", i > 0 ? "; " : "", o->tcp.a[i].addr,
               (unsigned)o->tcp.a[i].port, td_tcp_result_name(o->tcp.a[i].result), o->tcp.a[i].ms,
               strerror(o->tcp.a[i].err));
    }
    return true;
}

static bool tcp_refused(const td_obs_t *o, td_rule_out_t *out)
{
    return tcp_all_failed_with(o, TD_TCP_REFUSED, out);
}

static bool tcp_timeout(const td_obs_t *o, td_rule_out_t *out)
{
    return tcp_all_failed_with(o, TD_TCP_TIMEOUT, out);
}

static bool tcp_unreachable(const td_obs_t *o, td_rule_out_t *out)
{
    return tcp_all_failed_with(o, TD_TCP_UNREACHABLE, out);
}

static bool tcp_failed(const td_obs_t *o, td_rule_out_t *out)
{
    return tcp_all_failed_with(o, TD_TCP_ERROR, out);
}

static bool tcp_partial(const td_obs_t *o, td_rule_out_t *out)
{
    if (o->tcp.step != TD_STEP_DONE || o->tcp.chosen < 0) {
        return false;
    }
    int bad = 0;
    out->evidence[0] = '\0';
    for (int i = 0; i < o->tcp.n; i++) {
        if (o->tcp.a[i].result != TD_TCP_OK) {
            EV_ADD("%s%s: %s", bad > 0 ? "; " : "", o->tcp.a[i].addr,
                   td_tcp_result_name(o->tcp.a[i].result));
            bad++;
        }
    }
    if (bad == 0) {
        return false;
    }
    EV_ADD(" (%d of %d addresses; diagnosis continued on %s)", bad, o->tcp.n,
           o->tcp.a[o->tcp.chosen].addr);
    return true;
}

/* ---- Protocol on the port ----------------------------------------------------------- */

static bool sniffed(const td_obs_t *o)
{
    return o->sniff.step == TD_STEP_DONE && o->sniff.connected;
}

/* The overall deadline cut this step's wait below --step-timeout: a timeout in it says nothing
 * about the server (diag.deadline reports it instead). */
static bool cut_short(const td_obs_t *o, const char *step)
{
    return o->deadline_hit && o->shortened_step != NULL && strcmp(o->shortened_step, step) == 0;
}

static void plain_probe_evidence(const td_obs_t *o, td_rule_out_t *out)
{
    if (o->plain.step != TD_STEP_DONE || !o->plain.connected) {
        return;
    }
    if (o->plain.sniff.cls == TD_SNIFF_HTTP) {
        EV_ADD("; a plain HTTP request got HTTP status %d", o->plain.sniff.http_status);
    } else if (o->plain.sniff.cls == TD_SNIFF_TLS) {
        EV_ADD("; a plain HTTP request got a TLS record back");
    } else {
        EV_ADD("; a plain HTTP request got %s (%s)", td_sniff_class_name(o->plain.sniff.cls),
               td_read_end_name(o->plain.end));
    }
}

static bool proto_plain_http(const td_obs_t *o, td_rule_out_t *out)
{
    if (!sniffed(o) ||
        (o->sniff.sniff.cls != TD_SNIFF_HTTP && o->sniff.sniff.cls != TD_SNIFF_HTML)) {
        return false;
    }
    CAUSE("Port %u answers in plain HTTP, not TLS: the server listens without TLS on this "
          "port (OpenSSL reports this as \"wrong version number\", browsers as "
          "ERR_SSL_PROTOCOL_ERROR).",
          (unsigned)o->port);
    EV("our ClientHello was answered with \"%s\"", o->sniff.sniff.printable);
    if (o->sniff.sniff.http_status > 0) {
        EV_ADD(" (HTTP status %d)", o->sniff.sniff.http_status);
    }
    plain_probe_evidence(o, out);
    return true;
}

static bool proto_banner(const td_obs_t *o, td_rule_out_t *out)
{
    if (!sniffed(o) || o->sniff.sniff.cls != TD_SNIFF_BANNER) {
        return false;
    }
    CAUSE("Port %u is served by another protocol (%s), not TLS.", (unsigned)o->port,
          o->sniff.sniff.proto);
    EV("first bytes: \"%s\"", o->sniff.sniff.printable);
    return true;
}

/* An http:// target whose port answers in TLS. */
static bool proto_tls_on_http(const td_obs_t *o, td_rule_out_t *out)
{
    const td_obs_exchange_t *x = &o->plain;
    if (!o->plain_target || !x->connected) {
        return false;
    }
    if (x->sniff.cls == TD_SNIFF_HTTP && x->sniff.plain_http_page) {
        EV("a plain HTTP GET to port %u got HTTP %d with nginx's \"The plain HTTP request was "
           "sent to HTTPS port\" page: the port is an HTTPS port",
           (unsigned)o->port, x->sniff.http_status);
        return true;
    }
    if (x->sniff.cls != TD_SNIFF_TLS && x->sniff.cls != TD_SNIFF_SSLV2) {
        return false;
    }
    EV("a plain HTTP GET to port %u got a TLS %s back (\"%s\")", (unsigned)o->port,
       x->sniff.tls_alert >= 0 ? "alert" : "record", x->sniff.printable);
    return true;
}

static bool proto_sslv2(const td_obs_t *o, td_rule_out_t *out)
{
    if (!sniffed(o) || o->sniff.sniff.cls != TD_SNIFF_SSLV2) {
        return false;
    }
    EV("first bytes: \"%s\" (SSLv2 record header)", o->sniff.sniff.printable);
    return true;
}

/* The first exchange stalled, the one with MSS 536 got the server's flight. */
static bool mtu_confirmed(const td_obs_t *o)
{
    const td_obs_exchange_t *x = &o->small_mss;
    return x->step == TD_STEP_DONE && x->connected && x->flight.has_server_hello &&
           x->received > o->sniff.received;
}

static bool proto_mtu(const td_obs_t *o, td_rule_out_t *out)
{
    if (!sniffed(o) || !mtu_confirmed(o)) {
        return false;
    }
    EV("with our default MSS the ClientHello (%zu bytes) got %zu bytes back in %.0f ms, then "
       "nothing until the deadline; with MSS 536 the server's first flight arrived (%zu bytes, "
       "ServerHello %s): full-size segments from the server are lost on the path and the ICMP "
       "\"fragmentation needed\" does not reach it",
       o->sniff.sent, o->sniff.received, o->sniff.ms, o->small_mss.received,
       td_version_name(o->small_mss.flight.version));
    return true;
}

static bool proto_silent(const td_obs_t *o, td_rule_out_t *out)
{
    if (!sniffed(o) || o->sniff.received != 0 || o->sniff.end != TD_END_TIMEOUT ||
        cut_short(o, "proto")) {
        return false;
    }
    EV("TCP connected, ClientHello of %zu bytes sent, no byte back in %.0f ms", o->sniff.sent,
       o->sniff.ms);
    return true;
}

static bool proto_reset(const td_obs_t *o, td_rule_out_t *out)
{
    if (td__mx_older_hello_works(o)) {
        return false; /* the matrix found the cause: tls.hello.version_intolerant */
    }
    if (!sniffed(o) || o->sniff.received != 0 || o->sniff.end != TD_END_RESET) {
        return false;
    }
    EV("TCP connected, ClientHello of %zu bytes sent (SNI %s), connection reset after %.0f ms "
       "with no TLS alert",
       o->sniff.sent, o->sni[0] != '\0' ? o->sni : "none", o->sniff.ms);
    plain_probe_evidence(o, out);
    return true;
}

static bool proto_closed(const td_obs_t *o, td_rule_out_t *out)
{
    if (td__mx_older_hello_works(o)) {
        return false; /* the matrix found the cause: tls.hello.version_intolerant */
    }
    if (!sniffed(o) || o->sniff.received != 0 || o->sniff.end != TD_END_EOF) {
        return false;
    }
    EV("TCP connected, ClientHello of %zu bytes sent, connection closed (FIN) after %.0f ms "
       "with no reply",
       o->sniff.sent, o->sniff.ms);
    plain_probe_evidence(o, out);
    return true;
}

static bool proto_unknown(const td_obs_t *o, td_rule_out_t *out)
{
    if (!sniffed(o) || o->sniff.sniff.cls != TD_SNIFF_UNKNOWN) {
        return false;
    }
    EV("first %zu bytes back: \"%s\"", o->sniff.received, o->sniff.sniff.printable);
    return true;
}

static bool proto_tls_stalled(const td_obs_t *o, td_rule_out_t *out)
{
    if (!sniffed(o) || o->sniff.sniff.cls != TD_SNIFF_TLS || !o->sniff.flight.need_more ||
        o->sniff.end != TD_END_TIMEOUT || o->sniff.flight.has_server_hello ||
        cut_short(o, "proto")) {
        return false;
    }
    EV("only %zu bytes of the server's first TLS flight arrived in %.0f ms (records complete: "
       "%d); the rest never came",
       o->sniff.received, o->sniff.ms, o->sniff.flight.records);
    return true;
}

static bool proto_tls_malformed(const td_obs_t *o, td_rule_out_t *out)
{
    if (!sniffed(o) || o->sniff.sniff.cls != TD_SNIFF_TLS || !o->sniff.flight.decode_error) {
        return false;
    }
    EV("malformed %s at byte %zu of the reply", o->sniff.flight.error_field,
       o->sniff.flight.error_offset);
    return true;
}

/* ---- TLS ---------------------------------------------------------------------------- */

static bool tls_ran(const td_obs_t *o)
{
    return o->tls.step == TD_STEP_DONE;
}

static void handshake_evidence(const td_obs_tls_t *t, td_rule_out_t *out)
{
    if (t->alert_received >= 0) {
        EV_ADD("server sent alert %d (%s)", t->alert_received, td_alert_name(t->alert_received));
    } else if (t->alert_sent >= 0) {
        EV_ADD("we sent alert %d (%s)", t->alert_sent, td_alert_name(t->alert_sent));
    } else if (t->eof) {
        EV_ADD("connection closed without an alert");
    } else if (t->timed_out) {
        EV_ADD("no handshake before the deadline");
    }
    if (t->ossl_text[0] != '\0') {
        EV_ADD("; OpenSSL: %s", t->ossl_text);
    }
}

static bool legacy_version(const char *v)
{
    return strcmp(v, "TLSv1") == 0 || strcmp(v, "TLSv1.1") == 0 || strcmp(v, "SSLv3") == 0;
}

/* A handshake that works only in a weakened form (every suite, security level 0, TLS 1.0+) is
 * evidence for the cause, never a pass. */
static void weakened_evidence(const td_obs_t *o, td_rule_out_t *out)
{
    if (o->legacy.step != TD_STEP_DONE) {
        return;
    }
    if (o->legacy.ok) {
        EV_ADD("; only a weakened handshake (every suite, security level 0, TLS 1.0+) "
               "completed: %s %s%s%s",
               o->legacy.version, o->legacy.cipher, o->legacy.kx_bits > 0 ? ", key exchange " : "",
               o->legacy.kx_type);
        if (o->legacy.kx_bits > 0) {
            EV_ADD(" %d bits", o->legacy.kx_bits);
        }
    } else {
        EV_ADD("; a weakened handshake (every suite, security level 0, TLS 1.0+) also failed");
    }
}

static bool tls_legacy_only(const td_obs_t *o, td_rule_out_t *out)
{
    if (!tls_ran(o)) {
        return false;
    }
    const td_server_flight_t *f = &o->sniff.flight;
    /* OpenSSL 3 with its defaults (curl) completes TLS 1.0/1.1 with static-RSA key exchange
     * (no handshake signature to refuse): that is not a pass, browsers refuse TLS < 1.2. */
    bool by_default = o->tls.ok && legacy_version(o->tls.version);
    bool by_legacy = !o->tls.ok && o->legacy.ok && legacy_version(o->legacy.version);
    bool by_hello = !o->tls.ok && f->has_server_hello && !f->is_hrr && f->version <= TD_V_TLS11;
    if (!by_default && !by_legacy && !by_hello) {
        return false;
    }
    const char *v = by_default  ? o->tls.version
                    : by_legacy ? o->legacy.version
                                : td_version_name(f->version);
    CAUSE("The server only speaks %s; current browsers (Chrome 84+, Firefox 78+, Safari 14+), "
          "Python, Go and Java 21 require TLS 1.2 or newer, and so do Cloudflare's and nginx's "
          "upstream defaults in practice.",
          v);
    if (by_default) {
        EV("OpenSSL 3 with its defaults (as curl) completed %s %s only because the key exchange "
           "is static RSA (no signature for its security level to refuse)",
           o->tls.version, o->tls.cipher);
        if (f->has_server_hello && !f->is_hrr) {
            EV_ADD("; offered TLS 1.0-1.3, server chose %s (%s)", td_version_name(f->version),
                   td_cipher_name(f->cipher));
        }
        return true;
    }
    EV("modern handshake (TLS 1.2+) failed: ");
    handshake_evidence(&o->tls, out);
    if (by_hello) {
        EV_ADD("; offered TLS 1.0-1.3, server chose %s (%s)", td_version_name(f->version),
               td_cipher_name(f->cipher));
    }
    if (by_legacy) {
        EV_ADD("; legacy handshake succeeded with %s %s", o->legacy.version, o->legacy.cipher);
    }
    return true;
}

static bool tls_client_cert(const td_obs_t *o, td_rule_out_t *out)
{
    if (!tls_ran(o) || !o->tls.cert_requested) {
        return false;
    }
    bool http_refused = o->http.step == TD_STEP_DONE &&
                        (o->http.result == TD_HTTP_TLS_ALERT || o->http.result == TD_HTTP_EMPTY ||
                         o->http.result == TD_HTTP_RESET);
    if (o->tls.ok && !http_refused) {
        return false;
    }
    EV("server sent a CertificateRequest; we sent no client certificate; ");
    if (!o->tls.ok) {
        handshake_evidence(&o->tls, out);
    } else {
        /* RFC 8446 §4.4.2.4: in TLS 1.3 the rejection arrives after the client's Finished. */
        EV_ADD("handshake completed (%s) but the first read got ", o->tls.version);
        if (o->http.alert >= 0) {
            EV_ADD("alert %d (%s)", o->http.alert, td_alert_name(o->http.alert));
        } else {
            EV_ADD("%s", td_http_result_name(o->http.result));
        }
    }
    return true;
}

static bool tls_alert_is(const td_obs_t *o, int alert, td_rule_out_t *out)
{
    if (!tls_ran(o) || o->tls.ok || o->tls.alert_received != alert) {
        return false;
    }
    handshake_evidence(&o->tls, out);
    weakened_evidence(o, out);
    return true;
}

static bool tls_unrecognized_name(const td_obs_t *o, td_rule_out_t *out)
{
    if (!tls_alert_is(o, 112, out)) {
        return false;
    }
    CAUSE("The server does not serve the name \"%s\" sent as SNI (alert 112 "
          "unrecognized_name).",
          o->tls.sni[0] != '\0' ? o->tls.sni : "(none)");
    return true;
}

static bool tls_no_common_version(const td_obs_t *o, td_rule_out_t *out)
{
    return tls_alert_is(o, 70, out);
}

static bool tls_no_common_cipher(const td_obs_t *o, td_rule_out_t *out)
{
    if (tls_alert_is(o, 40, out) || tls_alert_is(o, 71, out)) {
        return true;
    }
    return false;
}

static bool tls_closed(const td_obs_t *o, td_rule_out_t *out)
{
    if (!tls_ran(o) || o->tls.ok || !o->tls.eof || o->tls.alert_received >= 0) {
        return false;
    }
    EV("the server closed the connection during the handshake without a TLS alert");
    if (o->tls.ossl_text[0] != '\0') {
        EV_ADD("; OpenSSL: %s", o->tls.ossl_text);
    }
    weakened_evidence(o, out);
    return true;
}

static bool tls_timeout(const td_obs_t *o, td_rule_out_t *out)
{
    if (!tls_ran(o) || o->tls.ok || !o->tls.timed_out || cut_short(o, "tls")) {
        return false;
    }
    EV("the OpenSSL handshake did not finish within the step deadline (%.0f ms)", o->tls.ms);
    return true;
}

static bool tls_failed(const td_obs_t *o, td_rule_out_t *out)
{
    if (!tls_ran(o) || o->tls.ok || cut_short(o, "tls")) {
        return false;
    }
    handshake_evidence(&o->tls, out);
    weakened_evidence(o, out);
    return true;
}

/* [OSSL-SEC] security level 2 (Debian 12's default) refuses DH groups under 2048 bits; Chrome
 * removed DHE suites (Chrome 53), Firefox too (Firefox 78). */
static bool tls_dh_weak(const td_obs_t *o, td_rule_out_t *out)
{
    if (!tls_ran(o)) {
        return false;
    }
    bool refused = !o->tls.ok && o->tls.ossl_reason == SSL_R_DH_KEY_TOO_SMALL;
    const td_obs_tls_t *t = o->tls.ok ? &o->tls : &o->legacy;
    bool small = t->ok && strcmp(t->kx_type, "DH") == 0 && t->kx_bits > 0 && t->kx_bits < 2048;
    if (!refused && !small) {
        return false;
    }
    if (small) {
        CAUSE("The server's DHE group has %d bits: OpenSSL 3 at security level 2 (curl, Python on "
              "Debian 12) refuses groups under 2048 bits, and Chrome and Firefox offer no DHE "
              "suites at all.",
              t->kx_bits);
    }
    EV("%s", refused ? "OpenSSL 3 with its defaults refused the handshake: " : "");
    if (refused) {
        handshake_evidence(&o->tls, out);
    } else {
        EV_ADD("%s %s with a %d-bit DH group", t->version, t->cipher, t->kx_bits);
    }
    weakened_evidence(o, out);
    return true;
}

static bool tls_backends_differ(const td_obs_t *o, td_rule_out_t *out)
{
    if (o->n_peers == 0 || !o->tls.ok || o->tcp.chosen < 0) {
        return false;
    }
    int differ = 0;
    out->evidence[0] = '\0';
    for (int i = 0; i < o->n_peers; i++) {
        const td_obs_peer_t *p = &o->peers[i];
        if (p->ok && strcmp(p->leaf_sha256, o->tls.leaf_sha256) == 0 &&
            strcmp(p->version, o->tls.version) == 0) {
            continue;
        }
        if (differ++ == 0) {
            EV_ADD("%s: %s, certificate %s (sha256 %.16s...)", o->tcp.a[o->tcp.chosen].addr,
                   o->tls.version, o->tls.leaf_subject, o->tls.leaf_sha256);
        }
        if (p->ok) {
            EV_ADD("; %s: %s, certificate %s (sha256 %.16s...)%s", p->addr, p->version,
                   p->leaf_subject, p->leaf_sha256,
                   p->leaf_matches_host ? "" : ", not valid for the name");
        } else {
            EV_ADD("; %s: handshake failed (%s)", p->addr,
                   p->alert >= 0 ? td_alert_name(p->alert) : p->error);
        }
    }
    return differ > 0;
}

static bool tls_tls13_only(const td_obs_t *o, td_rule_out_t *out)
{
    /* Only after a ServerHello: the TLS 1.2 hello also follows a refused first hello. */
    if (!o->sniff.flight.has_server_hello || o->tls12.step != TD_STEP_DONE || !o->tls12.connected ||
        (o->tls12.flight.has_server_hello && o->tls12.flight.version <= TD_V_TLS12)) {
        return false;
    }
    EV("offered TLS 1.0-1.3: server chose TLSv1.3; offered at most TLS 1.2: ");
    if (o->tls12.flight.has_alert) {
        EV_ADD("alert %d (%s)", o->tls12.flight.alert_desc,
               td_alert_name(o->tls12.flight.alert_desc));
    } else {
        EV_ADD("%s", td_read_end_name(o->tls12.end));
    }
    return true;
}

static bool tls_sni_required(const td_obs_t *o, td_rule_out_t *out)
{
    /* A timeout says nothing about SNI: only a refusal (alert, close, reset) counts. */
    if (o->nosni.step != TD_STEP_DONE || o->nosni.ok || o->nosni.timed_out) {
        return false;
    }
    EV("with SNI \"%s\": handshake ok; without SNI: ", o->sni);
    handshake_evidence(&o->nosni, out);
    return true;
}

static bool tls_sni_default_cert(const td_obs_t *o, td_rule_out_t *out)
{
    if (o->nosni.step != TD_STEP_DONE || !o->nosni.ok || o->nosni.leaf_matches_host ||
        !(o->tls.ok ? o->tls.leaf_matches_host : o->legacy.leaf_matches_host)) {
        return false;
    }
    EV("with SNI \"%s\" the certificate matches; without SNI the server presents %s "
       "(sha256 %.16s...), which does not cover %s",
       o->sni, o->nosni.leaf_subject, o->nosni.leaf_sha256, o->host);
    return true;
}

/* ---- Certificate -------------------------------------------------------------------- */

static bool have_cert(const td_obs_t *o)
{
    return o->cert.step == TD_STEP_DONE && o->cert.n > 0;
}

/* The leaf's validity at time t: -1 not yet valid, 0 valid, 1 expired. */
static int validity_at(const td_obs_t *o, int64_t t)
{
    const td_cert_info_t *c = &o->cert.c[0];
    return t < c->not_before ? -1 : t > c->not_after ? 1 : 0;
}

static bool cert_clock(const td_obs_t *o, td_rule_out_t *out)
{
    /* The dates fail by our clock but pass by the server's Date header: our clock is the
     * cause [failure-kb §5 ERR_CERT_DATE_INVALID, §4.2 code 9]. */
    if (!have_cert(o) || o->http.server_date == 0 || validity_at(o, o->now) == 0 ||
        validity_at(o, o->http.server_date) != 0) {
        return false;
    }
    char ours[40], theirs[40];
    td_fmt_utc(ours, sizeof(ours), "%Y-%m-%d %H:%M:%S UTC", o->now);
    td_fmt_utc(theirs, sizeof(theirs), "%Y-%m-%d %H:%M:%S UTC", o->http.server_date);
    int64_t skew = o->now - o->http.server_date;
    CAUSE("This machine's clock is %s by %lld days: by the server's clock the certificate is "
          "valid.",
          skew > 0 ? "ahead" : "behind", (long long)((skew > 0 ? skew : -skew) / 86400));
    EV("local time %s, server Date header %s; the certificate is %s by local time and valid by "
       "the server's",
       ours, theirs, validity_at(o, o->now) > 0 ? "expired" : "not yet valid");
    return true;
}

static bool http_date_skew(const td_obs_t *o, td_rule_out_t *out)
{
    if (o->http.step != TD_STEP_DONE || o->http.server_date == 0) {
        return false;
    }
    int64_t skew = o->now - o->http.server_date;
    if (skew < 0) {
        skew = -skew;
    }
    if (skew <= 300) {
        return false;
    }
    char ours[40], theirs[40];
    td_fmt_utc(ours, sizeof(ours), "%Y-%m-%d %H:%M:%S UTC", o->now);
    td_fmt_utc(theirs, sizeof(theirs), "%Y-%m-%d %H:%M:%S UTC", o->http.server_date);
    EV("local time %s, server Date header %s: %lld s apart", ours, theirs, (long long)skew);
    return true;
}

static bool cert_expired(const td_obs_t *o, td_rule_out_t *out)
{
    if (!have_cert(o)) {
        return false;
    }
    char t[40], n[40];
    td_fmt_utc(n, sizeof(n), "%Y-%m-%d %H:%M:%S UTC", o->now);
    for (int i = 0; i < o->cert.n; i++) {
        const td_cert_info_t *c = &o->cert.c[i];
        if (c->not_after < o->now) {
            td_fmt_utc(t, sizeof(t), "%Y-%m-%d %H:%M:%S UTC", c->not_after);
            int64_t days = (o->now - c->not_after) / 86400;
            CAUSE("The %s certificate expired on %s (%lld day%s ago).",
                  i == 0 ? "server" : "intermediate", t, (long long)days, days == 1 ? "" : "s");
            EV("certificate #%d %s: notAfter %s, now %s (OpenSSL verify code 10, browsers "
               "ERR_CERT_DATE_INVALID)",
               i, c->subject, t, n);
            return true;
        }
    }
    return false;
}

static bool cert_not_yet_valid(const td_obs_t *o, td_rule_out_t *out)
{
    if (!have_cert(o)) {
        return false;
    }
    char t[40], n[40];
    td_fmt_utc(n, sizeof(n), "%Y-%m-%d %H:%M:%S UTC", o->now);
    for (int i = 0; i < o->cert.n; i++) {
        const td_cert_info_t *c = &o->cert.c[i];
        if (c->not_before > o->now) {
            td_fmt_utc(t, sizeof(t), "%Y-%m-%d %H:%M:%S UTC", c->not_before);
            EV("certificate #%d %s: notBefore %s, now %s (OpenSSL verify code 9)", i, c->subject, t,
               n);
            return true;
        }
    }
    return false;
}

static bool cert_intercepted(const td_obs_t *o, td_rule_out_t *out)
{
    if (!have_cert(o) || o->cert.verify_code == 0) {
        return false; /* trusted: the product's CA is installed, which is the admin's choice */
    }
    for (int i = 0; i < o->cert.n; i++) {
        const char *p = td_interception_product(o->cert.c[i].issuer);
        if (p != NULL) {
            CAUSE("The connection is intercepted by %s: its CA, not the site's, issued the "
                  "certificate, and this machine does not trust it.",
                  p);
            EV("certificate #%d %s issued by %s; OpenSSL verify code %d: %s", i,
               o->cert.c[i].subject, o->cert.c[i].issuer, o->cert.verify_code, o->cert.verify_text);
            return true;
        }
    }
    return false;
}

static bool cert_placeholder(const td_obs_t *o, td_rule_out_t *out)
{
    if (!have_cert(o)) {
        return false;
    }
    const td_placeholder_cert_t *p = td_placeholder_cert(o->cert.c[0].subject, o->cert.c[0].sans);
    if (p == NULL) {
        return false;
    }
    CAUSE("The server answered with %s's built-in placeholder certificate: nothing is configured "
          "for this name, so the proxy fell back to its default.",
          p->product);
    EV("leaf subject %s, names %s; OpenSSL verify code %d: %s", o->cert.c[0].subject,
       o->cert.c[0].sans, o->cert.verify_code, o->cert.verify_text);
    td_strlcpy(out->fix, p->fix, out->fix_cap);
    return true;
}

static bool cert_origin_ca(const td_obs_t *o, td_rule_out_t *out)
{
    if (!have_cert(o) || o->cert.verify_code == 0 ||
        !td_is_cloudflare_origin_ca(o->cert.c[0].issuer)) {
        return false;
    }
    EV("leaf %s issued by %s; OpenSSL verify code %d: %s", o->cert.c[0].subject,
       o->cert.c[0].issuer, o->cert.verify_code, o->cert.verify_text);
    return true;
}

static bool cert_self_signed(const td_obs_t *o, td_rule_out_t *out)
{
    if (!have_cert(o) || !o->cert.c[0].self_signed || o->cert.verify_code == 0) {
        return false;
    }
    EV("leaf %s is its own issuer and not in the trust store (%s); OpenSSL verify code %d: %s",
       o->cert.c[0].subject, o->cert.store, o->cert.verify_code, o->cert.verify_text);
    return true;
}

static bool untrusted_code(int code)
{
    return code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
           code == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE ||
           code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT;
}

static bool cert_missing_intermediate(const td_obs_t *o, td_rule_out_t *out)
{
    if (!have_cert(o) || !untrusted_code(o->cert.verify_code) || o->cert.c[0].self_signed) {
        return false;
    }
    /* The top of the chain as sent is an end-entity certificate: no CA certificate was sent,
     * so its issuer (an intermediate) is what is missing. A complete chain ending in a CA the
     * store does not know is an untrusted root instead (see cert_untrusted_root). */
    const td_cert_info_t *top = &o->cert.c[o->cert.n - 1];
    if (top->is_ca) {
        return false;
    }
    EV("the server sent %d certificate%s, no CA certificate; issuer of the last one: %s; "
       "OpenSSL verify code %d: %s",
       o->cert.sent, o->cert.sent == 1 ? "" : "s", top->issuer, o->cert.verify_code,
       o->cert.verify_text);
    if (top->aia_ca_issuers[0] != '\0') {
        EV_ADD("; the certificate names its issuer at %s", top->aia_ca_issuers);
    }
    return true;
}

/* The leaf's issuer is not among the certificates sent, although CA certificates were sent: a
 * bundle from another CA (or another product line of the same CA). */
static bool cert_wrong_intermediate(const td_obs_t *o, td_rule_out_t *out)
{
    if (!have_cert(o) || o->cert.verify_code == 0 || o->cert.c[0].self_issued || o->cert.n < 2 ||
        o->cert.c[0].issued_by > 0) {
        return false;
    }
    EV("the leaf (%s) is issued by %s, but the %d other certificate%s sent ", o->cert.c[0].subject,
       o->cert.c[0].issuer, o->cert.n - 1, o->cert.n == 2 ? "" : "s");
    for (int i = 1; i < o->cert.n; i++) {
        EV_ADD("%s%s", i == 1 ? "(" : "; ", o->cert.c[i].subject);
    }
    EV_ADD(") did not issue it; OpenSSL verify code %d: %s", o->cert.verify_code,
           o->cert.verify_text);
    if (o->cert.c[0].aia_ca_issuers[0] != '\0') {
        EV_ADD("; the leaf names its issuer at %s", o->cert.c[0].aia_ca_issuers);
    }
    return true;
}

/* How far the leaf's issuer path through the sent certificates goes, as a bit set. */
static unsigned leaf_path(const td_obs_t *o)
{
    unsigned on = 0;
    for (int i = 0; i >= 0 && i < o->cert.n && !(on & (1u << i)); i = o->cert.c[i].issued_by - 1) {
        on |= 1u << i;
    }
    return on;
}

/* [GNUTLS-LIMITS] GnuTLS verifies at most 16 certificates by default
 * (gnutls_certificate_set_verify_limits); measured here with gnutls-cli 3.7.9: "Some constraint
 * limits were reached". OpenSSL stops at 100 KiB of certificate list (max_cert_list). */
static bool cert_too_long(const td_obs_t *o, td_rule_out_t *out)
{
    if (o->cert.step != TD_STEP_DONE || o->cert.sent <= 16) {
        return false;
    }
    EV("the server sent %d certificates (%d kept for the report); GnuTLS clients refuse more "
       "than 16",
       o->cert.sent, o->cert.n);
    return true;
}

static bool cert_misordered(const td_obs_t *o, td_rule_out_t *out)
{
    if (!have_cert(o)) {
        return false;
    }
    for (int i = 0; i + 1 < o->cert.n; i++) {
        int k = o->cert.c[i].issued_by - 1;
        if (k >= 0 && k != i + 1) {
            EV("certificate %d (%s) is issued by certificate %d (%s), not by the next one (%s); "
               "order sent: ",
               i, o->cert.c[i].subject, k, o->cert.c[k].subject, o->cert.c[i + 1].subject);
            for (int j = 0; j < o->cert.n; j++) {
                EV_ADD("%s%d %s", j ? ", " : "", j, o->cert.c[j].subject);
            }
            return true;
        }
    }
    return false;
}

static bool cert_extra(const td_obs_t *o, td_rule_out_t *out)
{
    if (!have_cert(o) || o->cert.n < 2) {
        return false;
    }
    unsigned on = leaf_path(o);
    int extra = 0;
    for (int i = 1; i < o->cert.n; i++) {
        if (!(on & (1u << i))) {
            EV_ADD("%s%s", extra++ ? "; " : "", o->cert.c[i].subject);
        }
    }
    if (extra == 0) {
        return false;
    }
    char list[400];
    td_strlcpy(list, out->evidence, sizeof(list));
    EV("%d certificate%s sent that %s not on the leaf's issuer path: %s", extra,
       extra == 1 ? "" : "s", extra == 1 ? "is" : "are", list);
    return true;
}

/* [CR-58-CN][APPLE-HT210176][GO115-CN]: the CN is not a name for these clients. */
static bool cert_no_san(const td_obs_t *o, td_rule_out_t *out)
{
    if (!have_cert(o) || o->cert.c[0].n_sans > 0 || o->cert.name_is_ip) {
        return false;
    }
    EV("leaf subject %s has no subjectAltName extension%s", o->cert.c[0].subject,
       o->cert.name_match ? "; the name matches only through the subject CN, which OpenSSL, curl "
                            "and Python still accept"
                          : "");
    return true;
}

static bool cert_eku(const td_obs_t *o, td_rule_out_t *out)
{
    if (!have_cert(o)) {
        return false;
    }
    for (int i = 0; i < o->cert.n; i++) {
        const td_cert_info_t *c = &o->cert.c[i];
        if (c->eku_present && !c->eku_server_auth &&
            (i == 0 || o->cert.c[i - 1].issued_by == i + 1)) {
            EV("certificate %d (%s) has an extendedKeyUsage without serverAuth", i, c->subject);
            if (o->cert.verify_code != 0) {
                EV_ADD("; OpenSSL verify code %d: %s", o->cert.verify_code, o->cert.verify_text);
            }
            return true;
        }
    }
    return false;
}

/* RFC 5280 §4.2.1.3 with RFC 8446 §4.4.2.4 / RFC 5246 §7.4.2: a key that signs the handshake
 * needs digitalSignature; static-RSA key exchange needs keyEncipherment. */
static bool cert_key_usage(const td_obs_t *o, td_rule_out_t *out)
{
    const td_obs_tls_t *t = o->tls.ok ? &o->tls : &o->legacy;
    if (!have_cert(o) || !o->cert.c[0].ku_present || !t->ok) {
        return false;
    }
    bool static_rsa = strcmp(t->version, "TLSv1.3") != 0 && strncmp(t->cipher, "ECDHE", 5) != 0 &&
                      strncmp(t->cipher, "DHE", 3) != 0;
    unsigned need = static_rsa ? KU_KEY_ENCIPHERMENT : KU_DIGITAL_SIGNATURE;
    if (o->cert.c[0].ku & need) {
        return false;
    }
    EV("the handshake (%s %s) uses the key for %s, but the leaf's keyUsage lacks %s", t->version,
       t->cipher, static_rsa ? "key transport" : "signatures",
       static_rsa ? "keyEncipherment" : "digitalSignature");
    return true;
}

static bool cert_untrusted_root(const td_obs_t *o, td_rule_out_t *out)
{
    if (!have_cert(o) || o->cert.verify_code == 0 || o->cert.c[0].self_signed) {
        return false;
    }
    const td_cert_info_t *top = &o->cert.c[o->cert.n - 1];
    bool root_sent = o->cert.verify_code == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN;
    bool chain_ends_in_ca = untrusted_code(o->cert.verify_code) && top->is_ca;
    if (!root_sent && !chain_ends_in_ca) {
        return false;
    }
    EV("chain of %d certificate%s ends at %s (issuer %s), which is not in the trust store "
       "(%s); OpenSSL verify code %d: %s",
       o->cert.sent, o->cert.sent == 1 ? "" : "s", top->subject, top->issuer, o->cert.store,
       o->cert.verify_code, o->cert.verify_text);
    return true;
}

static bool cert_hostname(const td_obs_t *o, td_rule_out_t *out)
{
    if (!have_cert(o) || o->cert.name_match) {
        return false;
    }
    CAUSE("The certificate is not valid for the name \"%s\".", o->cert.name_checked);
    EV("leaf subject %s; subjectAltName: %s (OpenSSL verify code 62, browsers "
       "ERR_CERT_COMMON_NAME_INVALID)",
       o->cert.c[0].subject, o->cert.c[0].n_sans > 0 ? o->cert.c[0].sans : "(none)");
    return true;
}

static bool cert_verify_other(const td_obs_t *o, td_rule_out_t *out)
{
    /* Codes explained by the specific rules above are not repeated here. */
    if (!have_cert(o) || o->cert.verify_code == 0 ||
        o->cert.verify_code == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT ||
        o->cert.verify_code == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ||
        untrusted_code(o->cert.verify_code)) {
        return false;
    }
    EV("OpenSSL verify code %d at depth %d: %s", o->cert.verify_code, o->cert.verify_depth,
       o->cert.verify_text);
    return true;
}

static bool cert_weak_key(const td_obs_t *o, td_rule_out_t *out)
{
    if (!have_cert(o)) {
        return false;
    }
    for (int i = 0; i < o->cert.n; i++) {
        const td_cert_info_t *c = &o->cert.c[i];
        if ((strcmp(c->key_type, "RSA") == 0 && c->key_bits < 2048) ||
            (strcmp(c->key_type, "EC") == 0 && c->key_bits < 224)) {
            EV("certificate #%d %s has a %s key of %d bits (minimum: RSA 2048, EC 224; "
               "OpenSSL verify code 66 at security level 2)",
               i, c->subject, c->key_type, c->key_bits);
            return true;
        }
    }
    return false;
}

static bool cert_sha1(const td_obs_t *o, td_rule_out_t *out)
{
    if (!have_cert(o)) {
        return false;
    }
    for (int i = 0; i < o->cert.n; i++) {
        const td_cert_info_t *c = &o->cert.c[i];
        /* A root's own signature is never checked, so SHA-1 there is harmless. */
        if (c->sig_sha1 && !c->self_signed) {
            EV("certificate #%d %s is signed with %s", i, c->subject, c->sig_alg);
            return true;
        }
    }
    return false;
}

static bool cert_expiring(const td_obs_t *o, td_rule_out_t *out)
{
    if (!have_cert(o) || o->cert.warn_days <= 0) {
        return false;
    }
    const td_cert_info_t *c = &o->cert.c[0];
    int64_t left = c->not_after - o->now;
    /* Relative to the lifetime: short-lived certificates (6 to 47 days) are renewed at a third
     * of their life left (Let's Encrypt's and ACME clients' practice), so warning at a fixed
     * --warn-days would warn for their whole life. The threshold is the smaller one. */
    int64_t life = c->not_after - c->not_before;
    int64_t threshold = (int64_t)o->cert.warn_days * 86400;
    if (life > 0 && life / 3 < threshold) {
        threshold = life / 3;
    }
    if (left < 0 || left > threshold) {
        return false;
    }
    char t[40];
    td_fmt_utc(t, sizeof(t), "%Y-%m-%d %H:%M:%S UTC", c->not_after);
    if (left < 86400) {
        CAUSE("The certificate expires in %lld hour%s (%s).", (long long)(left / 3600),
              left / 3600 == 1 ? "" : "s", t);
    } else {
        CAUSE("The certificate expires in %lld day%s (%s).", (long long)(left / 86400),
              left / 86400 == 1 ? "" : "s", t);
    }
    EV("leaf %s notAfter %s, lifetime %.1f days; warning threshold %.1f days (the smaller of "
       "--warn-days %d and a third of the lifetime)",
       c->subject, t, (double)life / 86400, (double)threshold / 86400, o->cert.warn_days);
    return true;
}

/* ---- HTTP --------------------------------------------------------------------------- */

static bool http_result_is(const td_obs_t *o, td_http_result_t r, td_rule_out_t *out)
{
    if (o->http.step != TD_STEP_DONE || o->http.result != r) {
        return false;
    }
    if (o->tls.cert_requested) {
        return false; /* explained by tls.client_cert.required */
    }
    EV("GET %s over %s: %s after %.0f ms, %zu bytes", o->path,
       o->tls.ok ? o->tls.version : o->legacy.version, td_http_result_name(r), o->http.ms,
       o->http.received);
    if (o->http.received > 0) {
        EV_ADD(", first bytes \"%s\"", o->http.first);
    }
    if (o->http.alert >= 0) {
        EV_ADD(", alert %d (%s)", o->http.alert, td_alert_name(o->http.alert));
    }
    return true;
}

static bool http_empty(const td_obs_t *o, td_rule_out_t *out)
{
    return http_result_is(o, TD_HTTP_EMPTY, out) || http_result_is(o, TD_HTTP_RESET, out) ||
           http_result_is(o, TD_HTTP_TLS_ALERT, out);
}

static bool http_non_http(const td_obs_t *o, td_rule_out_t *out)
{
    return http_result_is(o, TD_HTTP_NON_HTTP, out);
}

static bool http_timeout(const td_obs_t *o, td_rule_out_t *out)
{
    return http_result_is(o, TD_HTTP_TIMEOUT, out);
}

/* Default limits on a response head behind a proxy or in a browser:
 * - nginx: proxy_buffer_size, default "4k|8k" (one memory page: 4 KiB on x86-64 and arm64
 *   Linux); a longer head is logged "upstream sent too big header while reading response
 *   header from upstream" and answered 502 (nginx.org/en/docs/http/ngx_http_proxy_module.html
 *   #proxy_buffer_size; src/http/ngx_http_upstream.c).
 * - HAProxy: tune.bufsize 16384 minus tune.maxrewrite 1024 reserved for rewrites; a response
 *   head that does not fit is refused with 502 (docs.haproxy.org configuration.html
 *   #3.2-tune.bufsize, #3.2-tune.maxrewrite).
 * - Chromium: kMaxHeaderBufSize 256 KiB (net/http/http_stream_parser.cc), then
 *   ERR_RESPONSE_HEADERS_TOO_BIG; curl stops at 300 KiB of headers (lib/http.c
 *   MAX_HTTP_RESP_HEADER_SIZE) or 100 KiB in one header line (CURL_MAX_HTTP_HEADER). */
#define NGX_HEAD_MAX_X86   4096
#define NGX_HEAD_MAX_LARGE 8192
#define HAPROXY_HEAD_MAX   (16384 - 1024)
#define BROWSER_HEAD_MAX   (256 * 1024)

static bool http_head_too_large(const td_obs_t *o, td_rule_out_t *out)
{
    if (o->http.step != TD_STEP_DONE || o->http.head_bytes <= NGX_HEAD_MAX_LARGE ||
        (o->http.result != TD_HTTP_OK && o->http.result != TD_HTTP_HEAD_INCOMPLETE)) {
        return false;
    }
    const td_obs_http_t *h = &o->http;
    if (h->head_capped) {
        CAUSE("The response head has not ended after %zu bytes: no proxy or browser accepts a "
              "head that large.",
              h->head_bytes);
        EV("GET %s: %zu bytes of head read without the empty line that ends it (we stop "
           "reading at %d); the longest line is %zu bytes",
           o->path, h->head_bytes, TD_HTTP_HEAD_CAP, h->longest_line);
    } else {
        CAUSE("The response head is %zu bytes: more than proxies accept with their default "
              "buffers.",
              h->head_bytes);
        EV("GET %s: %zu bytes of head (%s), the longest line %zu bytes", o->path, h->head_bytes,
           h->head_complete ? "complete" : "incomplete", h->longest_line);
    }
    EV_ADD("; nginx in front (proxy_buffer_size %d or %d bytes by default) logs \"upstream sent "
           "too big header\" and answers 502",
           NGX_HEAD_MAX_X86, NGX_HEAD_MAX_LARGE);
    if (h->head_bytes > HAPROXY_HEAD_MAX) {
        EV_ADD("; HAProxy (tune.bufsize 16384 less tune.maxrewrite 1024) answers 502");
    }
    if (h->head_bytes >= BROWSER_HEAD_MAX) {
        EV_ADD("; Chrome fails with ERR_RESPONSE_HEADERS_TOO_BIG (256 KiB), curl stops too");
    } else {
        EV_ADD("; browsers still accept it (Chrome up to 256 KiB)");
    }
    return true;
}

static bool http_head_incomplete(const td_obs_t *o, td_rule_out_t *out)
{
    if (o->http.step != TD_STEP_DONE || o->http.result != TD_HTTP_HEAD_INCOMPLETE) {
        return false;
    }
    const td_obs_http_t *h = &o->http;
    const char *how = h->head_end == TD_END_TIMEOUT ? "the step deadline passed"
                      : h->head_end == TD_END_RESET ? "the server reset the connection"
                      : h->head_end == TD_END_EOF   ? "the server closed the connection"
                                                    : "we stopped reading";
    EV("GET %s over %s: %zu bytes of head in %.0f ms, no empty line ending it; %s", o->path,
       o->tls.ok ? o->tls.version : o->legacy.version, h->head_bytes, h->ms, how);
    if (h->head.valid) {
        EV_ADD("; status line \"%d %s\"", h->head.status, h->head.reason);
    }
    /* nginx: proxy_read_timeout 60 s between two reads, then 504; a close before the head
     * ends is 502 "upstream prematurely closed connection while reading response header from
     * upstream" (ngx_http_proxy_module docs, ngx_http_upstream.c). HAProxy: timeout server
     * then 504, a close 502 (configuration.html, "timeout server"; termination states). */
    EV_ADD("; first bytes \"%s\"; nginx in front answers 502 (\"upstream prematurely closed "
           "connection\") when the server closes, 504 when it pauses longer than "
           "proxy_read_timeout (60 s); HAProxy answers 502 or 504 (timeout server); browsers "
           "show an error or keep waiting",
           h->first);
    return true;
}

static bool http_5xx(const td_obs_t *o, td_rule_out_t *out)
{
    if (o->http.step != TD_STEP_DONE || o->http.result != TD_HTTP_OK || o->http.head.status < 500 ||
        o->http.head.status == 503) {
        return false; /* 503 has its own rule */
    }
    CAUSE("The server answers GET %s with HTTP %d.", o->path, o->http.head.status);
    EV("status line: %d %s; Server: %s", o->http.head.status, o->http.head.reason,
       o->http.head.server[0] != '\0' ? o->http.head.server : "(none)");
    return true;
}

static bool http_status_is(const td_obs_t *o, int status)
{
    return o->http.step == TD_STEP_DONE && o->http.result == TD_HTTP_OK &&
           o->http.head.status == status;
}

static bool http_plain_page(const td_obs_t *o, td_rule_out_t *out)
{
    if (o->plain_target) {
        return false; /* the http:// URL itself points at a TLS port: proto.tls_on_http_port */
    }
    if (o->http.step != TD_STEP_DONE || !o->http.plain_http_page) {
        return false;
    }
    EV("GET %s over %s answered %d with nginx's \"The plain HTTP request was sent to HTTPS "
       "port\" page: something behind the TLS terminator sent plain HTTP to an nginx TLS port",
       o->path, o->tls.ok ? o->tls.version : o->legacy.version, o->http.head.status);
    return true;
}

static bool http_421(const td_obs_t *o, td_rule_out_t *out)
{
    if (!http_status_is(o, 421)) {
        return false;
    }
    EV("GET %s with SNI \"%s\" and Host \"%s\": 421 %s (Server: %s)", o->path,
       o->sni[0] ? o->sni : "(none)", o->host, o->http.head.reason,
       o->http.head.server[0] ? o->http.head.server : "-");
    return true;
}

static bool http_503(const td_obs_t *o, td_rule_out_t *out)
{
    if (!http_status_is(o, 503)) {
        return false;
    }
    if (o->http.head.retry_after[0] != '\0') {
        CAUSE("The server answers 503 Service Unavailable with Retry-After: %s.",
              o->http.head.retry_after);
        EV("503 %s, Retry-After: %s", o->http.head.reason, o->http.head.retry_after);
    } else {
        CAUSE("The server answers 503 Service Unavailable without Retry-After: crawlers and "
              "clients cannot tell maintenance from failure.");
        EV("503 %s, no Retry-After header", o->http.head.reason);
    }
    return true;
}

static void chain_evidence(const td_obs_t *o, td_rule_out_t *out)
{
    for (int i = 0; i < o->redirects.n; i++) {
        EV_ADD("%s%s -> %d", i ? "; " : "", o->redirects.hop[i].url, o->redirects.hop[i].status);
    }
}

static bool http_redirect_loop(const td_obs_t *o, td_rule_out_t *out)
{
    if (!o->redirects.loop) {
        return false;
    }
    out->evidence[0] = '\0';
    chain_evidence(o, out);
    bool mixed = false;
    for (int i = 0; i < o->redirects.n; i++) {
        mixed |= strncmp(o->redirects.hop[i].url, "http://", 7) == 0;
    }
    if (mixed) {
        EV_ADD(" (http <-> https: the application does not see that the client used HTTPS)");
    }
    return true;
}

static bool http_redirect_to_http(const td_obs_t *o, td_rule_out_t *out)
{
    if (o->redirects.loop) {
        return false;
    }
    for (int i = 0; i + 1 < o->redirects.n; i++) {
        if (strncmp(o->redirects.hop[i].url, "https://", 8) == 0 &&
            strncmp(o->redirects.hop[i + 1].url, "http://", 7) == 0) {
            EV("%s redirects to %s", o->redirects.hop[i].url, o->redirects.hop[i + 1].url);
            return true;
        }
    }
    return false;
}

static bool http_slow(const td_obs_t *o, td_rule_out_t *out)
{
    /* Proxy read timeouts [CF524][CFLIM][ALB-TS][NGX-SRC]: Cloudflare 100 s, ALB idle 60 s,
     * nginx proxy_read_timeout 60 s. Warn well before them. */
    if (o->http.step != TD_STEP_DONE || o->http.result != TD_HTTP_OK || o->http.ttfb_ms < 3000) {
        return false;
    }
    double s = o->http.ttfb_ms / 1000.0;
    CAUSE("The first byte of the response took %.1f s: %.0f%% of nginx's default "
          "proxy_read_timeout and of an AWS ALB's idle timeout (60 s), %.0f%% of Cloudflare's "
          "100 s before it shows 524.",
          s, 100.0 * s / 60.0, s);
    EV("GET %s: time to first byte %.0f ms", o->path, o->http.ttfb_ms);
    return true;
}

/* RFC 6797 §6.1: Strict-Transport-Security: max-age=N[; includeSubDomains][; preload]. */
static long hsts_max_age(const char *v)
{
    const char *m = strstr(v, "max-age=");
    if (m == NULL) {
        return -1;
    }
    m += 8;
    if (*m == '"') {
        m++;
    }
    long age = 0;
    int digits = 0;
    while (*m >= '0' && *m <= '9' && digits < 11) {
        age = age * 10 + (*m - '0');
        m++;
        digits++;
    }
    return digits > 0 ? age : -1;
}

static bool http_hsts(const td_obs_t *o, td_rule_out_t *out)
{
    if (o->plain_target) {
        return false; /* HSTS is ignored over plain HTTP (RFC 6797 §8.1) */
    }
    if (o->http.step != TD_STEP_DONE || o->http.result != TD_HTTP_OK ||
        o->http.head.status >= 500) {
        return false;
    }
    const char *v = o->http.head.hsts;
    if (v[0] == '\0') {
        CAUSE("No Strict-Transport-Security header: browsers may still try plain HTTP first.");
        EV("GET %s: %d, no Strict-Transport-Security header", o->path, o->http.head.status);
        return true;
    }
    long age = hsts_max_age(v);
    bool subs = strstr(v, "includeSubDomains") != NULL || strstr(v, "includesubdomains") != NULL;
    bool preload = strstr(v, "preload") != NULL;
    if (age >= 31536000 && subs && preload) {
        return false; /* meets the preload list's requirements */
    }
    CAUSE("HSTS is set (max-age %ld s%s%s) but does not meet the preload requirements "
          "(max-age >= 31536000, includeSubDomains, preload).",
          age, subs ? ", includeSubDomains" : "", preload ? ", preload" : "");
    EV("Strict-Transport-Security: %s", v);
    return true;
}

/* Texts: own wording from ../shared/failure-kb.md; source keys in brackets. */
/* ---- What was observed: a layer not seen working is never a pass ------------------------ */

bool td__layer_observed(const td_obs_t *o, td_layer_t layer, char *why, size_t cap)
{
    const char *w = NULL;
    if (o->plain_target && (layer == TD_LAYER_TLS || layer == TD_LAYER_CERT)) {
        return true; /* not applicable to an http:// target */
    }
    if (o->quick && !o->plain_target && layer == TD_LAYER_HTTP) {
        return true; /* not checked by the quick profile: shown as such, never as passing */
    }
    if (o->plain_target && layer == TD_LAYER_PROTO) {
        if (o->plain.connected &&
            (o->plain.sniff.cls == TD_SNIFF_HTTP || o->plain.sniff.cls == TD_SNIFF_HTML)) {
            return true;
        }
        td_fmt(why, cap, "%s", o->plain.step == TD_STEP_NOT_RUN ? "not run" : "no HTTP reply");
        return false;
    }
    switch (layer) {
    case TD_LAYER_DNS:
        if ((o->dns.step == TD_STEP_SKIPPED || o->dns.step == TD_STEP_DONE) && o->dns.ok &&
            o->dns.n_addrs > 0) {
            return true;
        }
        w = o->dns.step == TD_STEP_NOT_RUN ? "not run" : "no address";
        break;
    case TD_LAYER_TCP:
        if (o->tcp.chosen >= 0) {
            return true;
        }
        w = o->tcp.n == 0 ? "no connection tried" : "no address accepted the connection";
        break;
    case TD_LAYER_PROTO:
        if (o->sniff.step == TD_STEP_DONE && o->sniff.connected &&
            o->sniff.sniff.cls == TD_SNIFF_TLS) {
            return true;
        }
        w = o->sniff.step == TD_STEP_NOT_RUN ? "not run" : "no TLS reply to our ClientHello";
        break;
    case TD_LAYER_TLS:
        if (o->tls.step == TD_STEP_DONE && o->tls.ok) {
            return true;
        }
        w = o->tls.step == TD_STEP_NOT_RUN
                    ? "not run"
                    : "the handshake with OpenSSL's defaults did not complete";
        break;
    case TD_LAYER_CERT:
        if (o->cert.step == TD_STEP_DONE && o->cert.n > 0 && o->cert.verify_code == 0 &&
            o->cert.name_match) {
            return true;
        }
        w = o->cert.step != TD_STEP_DONE || o->cert.n == 0 ? "no certificate examined"
                                                           : "the chain or the name did not verify";
        break;
    case TD_LAYER_HTTP:
        if (o->http.step == TD_STEP_DONE && o->http.result == TD_HTTP_OK) {
            return true;
        }
        w = o->http.step != TD_STEP_DONE ? "not run" : "no complete HTTP response";
        break;
    case TD_LAYER__COUNT:
    default:
        w = "?";
        break;
    }
    td_fmt(why, cap, "%s", w);
    return false;
}

/* Lists the layers not observed working; returns the first one, or TD_LAYER__COUNT. */
static td_layer_t unobserved(const td_obs_t *o, td_rule_out_t *out)
{
    td_layer_t first = TD_LAYER__COUNT;
    char why[96];
    for (int l = 0; l < TD_LAYER__COUNT; l++) {
        if (!td__layer_observed(o, (td_layer_t)l, why, sizeof(why))) {
            EV_ADD("%s%s (%s)", first == TD_LAYER__COUNT ? "" : ", ", td_layer_name((td_layer_t)l),
                   why);
            if (first == TD_LAYER__COUNT) {
                first = (td_layer_t)l;
            }
        }
    }
    return first;
}

static bool diag_deadline(const td_obs_t *o, td_rule_out_t *out)
{
    if (!o->deadline_hit) {
        return false;
    }
    EV("the --timeout deadline of %.1f s passed during the %s step; not observed: ",
       o->timeout_ms / 1000.0, o->deadline_step != NULL ? o->deadline_step : "last");
    td_layer_t first = unobserved(o, out);
    if (first == TD_LAYER__COUNT) {
        EV_ADD("none of the layers (later checks, e.g. other addresses or the matrix, were cut)");
    } else {
        out->layer = first;
    }
    return true;
}

static bool diag_not_observed(const td_obs_t *o, td_rule_out_t *out)
{
    char why[96];
    bool any = false;
    for (int l = 0; l < TD_LAYER__COUNT && !any; l++) {
        any = !td__layer_observed(o, (td_layer_t)l, why, sizeof(why));
    }
    if (!any) {
        return false;
    }
    EV("no rule named a cause, but these layers were not observed working: ");
    out->layer = unobserved(o, out);
    return true;
}

static const td_rule_t rules[] = {
    { .id = "dns.resolve.nxdomain",
      .layer = TD_LAYER_DNS,
      .severity = TD_SEV_FAIL,
      .title = "name does not exist",
      .match = dns_nxdomain,
      .cause = "The host name does not exist in DNS (NXDOMAIN).",
      .fix = "Check the spelling, then create the A/AAAA (or CNAME) record at the DNS provider; "
             "verify with: dig +short A HOST; dig +short AAAA HOST." },
    { .id = "dns.resolve.timeout",
      .layer = TD_LAYER_DNS,
      .severity = TD_SEV_FAIL,
      .title = "DNS timeout",
      .match = dns_timeout,
      .cause = "No DNS server answered for the name in time.",
      .fix = "Check /etc/resolv.conf and that UDP/TCP port 53 to the resolver is open; verify "
             "with: dig HOST." },
    { .id = "dns.resolve.failed",
      .layer = TD_LAYER_DNS,
      .severity = TD_SEV_FAIL,
      .title = "DNS failure",
      .match = dns_failed,
      .cause = "The name could not be resolved to any address.",
      .fix = "Check the zone's records and the resolver; verify with: dig HOST A; dig HOST AAAA.",
      .unless = "dns.resolve." },
    /* [CF523][failure-kb §1.1 "stale origin IP in DNS"] */
    { .id = "dns.record.unexpected_addr",
      .layer = TD_LAYER_DNS,
      .severity = TD_SEV_FAIL,
      .title = "DNS points elsewhere",
      .match = dns_unexpected_addr,
      .cause = "The name resolves to an address that is not the expected one (an instance instead "
               "of its load balancer, an old server, a stale record).",
      .fix = "Fix the A/AAAA (or CNAME) record at the DNS provider, then wait for its TTL; verify "
             "with: dig +short HOST." },
    { .id = "dns.record.unexpected_cname",
      .layer = TD_LAYER_DNS,
      .severity = TD_SEV_FAIL,
      .title = "CNAME points elsewhere",
      .match = dns_unexpected_cname,
      .cause = "The name's CNAME chain does not lead to the expected target (the CDN or load "
               "balancer name).",
      .fix = "Point the CNAME at the expected target (e.g. the load balancer's DNS name); verify "
             "with: dig HOST CNAME." },
    /* [CF521]: refused (RST) is what Cloudflare shows as 521. */
    { .id = "tcp.connect.refused",
      .layer = TD_LAYER_TCP,
      .severity = TD_SEV_FAIL,
      .title = "connection refused",
      .match = tcp_refused,
      .cause = "Nothing listens on the port: the connection was refused (TCP RST).",
      .fix = "Start the server or make it listen on this port (nginx: listen 443 ssl;), and check "
             "that a firewall REJECT rule is not in the way; verify with: ss -ltnp | grep :PORT "
             "on the server." },
    /* [CF522]: silence to SYN is a 522 on Cloudflare. */
    { .id = "tcp.connect.timeout",
      .layer = TD_LAYER_TCP,
      .severity = TD_SEV_FAIL,
      .title = "connection timed out (filtered)",
      .match = tcp_timeout,
      .cause = "The port did not answer the TCP SYN: a firewall or security group drops it, or the "
               "host is down.",
      .fix = "Allow the port in the host firewall / cloud security group / network ACL for the "
             "clients' addresses; verify with: nc -vz -w 5 HOST PORT.",
      .proxy_effect = TD_PROXY_TIMES_OUT },
    /* [CF523] */
    { .id = "tcp.connect.unreachable",
      .layer = TD_LAYER_TCP,
      .severity = TD_SEV_FAIL,
      .title = "network unreachable",
      .match = tcp_unreachable,
      .cause = "There is no route to the address.",
      .fix = "Check the address in DNS and the routing between client and server; verify with: "
             "ip route get ADDRESS; traceroute -T -p PORT ADDRESS." },
    { .id = "tcp.connect.failed",
      .layer = TD_LAYER_TCP,
      .severity = TD_SEV_FAIL,
      .title = "connection failed",
      .match = tcp_failed,
      .cause = "The TCP connection failed.",
      .fix = "Check the address and port; verify with: nc -vz HOST PORT.",
      .unless = "tcp.connect." },
    { .id = "tcp.connect.partial",
      .layer = TD_LAYER_TCP,
      .severity = TD_SEV_WARN,
      .title = "some addresses fail",
      .match = tcp_partial,
      .cause = "Some of the host's addresses do not accept connections, so some clients fail.",
      .fix = "Remove dead addresses from DNS or fix the listener on them (for AAAA records, make "
             "the server listen on IPv6: nginx listen [::]:443 ssl;)." },
    /* [NGX-SRC][OSSL-6805]: plain HTTP on the TLS port; "wrong version number". */
    { .id = "proto.plain_http",
      .layer = TD_LAYER_PROTO,
      .severity = TD_SEV_FAIL,
      .title = "plain HTTP on the TLS port",
      .match = proto_plain_http,
      .cause = "The port answers in plain HTTP, not TLS.",
      .fix = "Enable TLS on this listener (nginx: listen 443 ssl; with ssl_certificate and "
             "ssl_certificate_key; Apache: SSLEngine on in the :443 vhost; HAProxy: bind :443 ssl "
             "crt FILE), or point clients at the TLS port; a CDN in Flexible mode expects port "
             "80 instead. Verify with: openssl s_client -connect HOST:PORT -servername HOST." },
    /* The mirror image of proto.plain_http: curl says "(52) Empty reply from server" or
     * "Received HTTP/0.9 when not allowed", browsers ERR_EMPTY_RESPONSE /
     * ERR_INVALID_HTTP_RESPONSE. */
    { .id = "proto.tls_on_http_port",
      .layer = TD_LAYER_PROTO,
      .severity = TD_SEV_FAIL,
      .title = "TLS on a plain-HTTP port",
      .match = proto_tls_on_http,
      .cause = "The port of this http:// URL speaks TLS: plain HTTP clients get a TLS alert or "
               "record instead of a response (curl: empty reply; browsers: ERR_EMPTY_RESPONSE).",
      .fix = "Use https:// for this port, or serve plain HTTP on it (nginx: listen PORT; without "
             "ssl, usually with return 301 https://$host$request_uri;). Verify with: curl -sv "
             "http://HOST:PORT/ and tlsdoctor https://HOST:PORT/." },
    { .id = "proto.banner",
      .layer = TD_LAYER_PROTO,
      .severity = TD_SEV_FAIL,
      .title = "another protocol on the port",
      .match = proto_banner,
      .cause = "The port is served by another protocol, not TLS.",
      .fix = "Use the right port for HTTPS, or move the other service; for protocols with "
             "STARTTLS use: openssl s_client -starttls PROTO -connect HOST:PORT." },
    { .id = "proto.sslv2",
      .layer = TD_LAYER_PROTO,
      .severity = TD_SEV_FAIL,
      .title = "SSLv2 server",
      .match = proto_sslv2,
      .cause = "The server answers with SSL 2.0, which no current client supports.",
      .fix = "Replace or reconfigure the TLS stack to offer TLS 1.2 and TLS 1.3." },
    /* [failure-kb §6 PMTU black hole][PMTU-HB][PMTU-GROK] */
    { .id = "proto.mtu_blackhole",
      .layer = TD_LAYER_PROTO,
      .severity = TD_SEV_FAIL,
      .title = "MTU / PMTUD black hole",
      .match = proto_mtu,
      .cause = "Large packets from the server never arrive: a link on the path has a smaller MTU "
               "and the ICMP \"fragmentation needed\" messages that would tell the server are "
               "filtered, so the handshake stalls at the certificate flight.",
      .fix = "Allow ICMP type 3 code 4 (IPv6: type 2 \"packet too big\") through the firewalls on "
             "the path, or clamp the TCP MSS on the router or tunnel (iptables -t mangle -A "
             "FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu), or lower the "
             "server's interface MTU. Verify with: tlsdoctor HOST:PORT from the same network." },
    { .id = "proto.silent",
      .layer = TD_LAYER_PROTO,
      .severity = TD_SEV_FAIL,
      .title = "silent after connect",
      .match = proto_silent,
      .cause = "The port accepts TCP connections but never answers the ClientHello.",
      .fix = "Check that the process behind the port speaks TLS and is not hung or overloaded; "
             "a proxy or load balancer in TCP mode may have no healthy backend; if small "
             "requests work but the handshake stalls, suspect an MTU black hole. Verify with: "
             "openssl s_client -connect HOST:PORT -servername HOST -msg.",
      .unless = "proto.mtu_blackhole",
      .proxy_effect = TD_PROXY_TIMES_OUT },
    /* [failure-kb §7.2]: RST right after the ClientHello. */
    { .id = "proto.reset",
      .layer = TD_LAYER_PROTO,
      .severity = TD_SEV_FAIL,
      .title = "reset after ClientHello",
      .match = proto_reset,
      .cause = "The connection is reset right after the ClientHello, without a TLS alert.",
      .fix = "Check the server's error log for the handshake; an SNI-routing proxy or firewall "
             "may drop names it does not know, or the server may not read a ClientHello split "
             "over packets. Verify with: openssl s_client -connect HOST:PORT -servername HOST." },
    { .id = "proto.closed",
      .layer = TD_LAYER_PROTO,
      .severity = TD_SEV_FAIL,
      .title = "closed after ClientHello",
      .match = proto_closed,
      .cause = "The connection is closed right after the ClientHello, without a TLS alert.",
      .fix = "Check the server's error log: a TLS listener without a certificate, a proxy with "
             "no backend, or a filter on the SNI name closes like this." },
    { .id = "proto.unknown",
      .layer = TD_LAYER_PROTO,
      .severity = TD_SEV_FAIL,
      .title = "unknown reply",
      .match = proto_unknown,
      .cause = "The port answers with bytes that are neither TLS nor a known protocol.",
      .fix = "Check which program listens on the port (ss -ltnp on the server) and its "
             "configuration." },
    { .id = "proto.tls_stalled",
      .layer = TD_LAYER_PROTO,
      .severity = TD_SEV_FAIL,
      .title = "TLS reply stalled",
      .match = proto_tls_stalled,
      .cause = "The server started its TLS reply but the rest never arrived.",
      .fix = "Check for an overloaded server or a path MTU problem (large certificate flight "
             "dropped, ICMP \"fragmentation needed\" filtered): allow ICMP type 3 code 4 or clamp "
             "the TCP MSS.",
      .unless = "proto.mtu_blackhole",
      .proxy_effect = TD_PROXY_TIMES_OUT },
    { .id = "proto.tls_malformed",
      .layer = TD_LAYER_PROTO,
      .severity = TD_SEV_FAIL,
      .title = "malformed TLS reply",
      .match = proto_tls_malformed,
      .cause = "The server's TLS reply is malformed.",
      .fix = "Update the TLS library or the middlebox in front of the server; capture the "
             "exchange with tcpdump -w and inspect it." },
    /* [RFC 8446 §D.1][RFC 8701]: a server must answer a hello offering a version it does not
     * know with the highest it does; failing instead is version intolerance. */
    { .id = "tls.hello.version_intolerant",
      .layer = TD_LAYER_TLS,
      .severity = TD_SEV_FAIL,
      .title = "TLS 1.3-style hello refused",
      .match = td__mx_version_intolerant,
      .cause = "The server (or a device in front of it) fails a ClientHello that offers TLS 1.3, "
               "while an older-style hello works: every current browser and curl sends the new "
               "style.",
      .fix = "Update the server or the load balancer / firewall / TLS-inspecting device in front "
             "of "
             "it; until then clients can only connect by forcing TLS 1.2 (curl --tls-max 1.2).",
      .proxy_effect = TD_PROXY_TLS13_HELLO },
    /* [failure-kb: large hello / PQ key share]: middleboxes that read only the first segment. */
    { .id = "tls.hello.large_intolerant",
      .layer = TD_LAYER_TLS,
      .severity = TD_SEV_FAIL,
      .title = "large ClientHello refused",
      .match = td__mx_large_intolerant,
      .cause = "A ClientHello larger than one packet fails.",
      .fix = "Find the device that reads only the first TCP segment of the hello (WAF, IPS, "
             "SNI-routing load balancer) and update it; as a stop-gap clients can turn off the "
             "post-quantum key share (Chrome: chrome://flags/#enable-tls13-kyber; curl: --curves "
             "x25519).",
      .proxy_effect = TD_PROXY_UNAFFECTED },
    /* [OSSL-SEC][NGX-CHANGES][CR-NEL]: TLS 1.0/1.1 refused by current clients. */
    { .id = "tls.version.legacy_only",
      .layer = TD_LAYER_TLS,
      .severity = TD_SEV_FAIL,
      .title = "only legacy TLS versions",
      .match = tls_legacy_only,
      .cause = "The server only speaks TLS 1.0/1.1.",
      .fix = "Enable TLS 1.2 and 1.3 (nginx: ssl_protocols TLSv1.2 TLSv1.3; Apache: SSLProtocol "
             "-all +TLSv1.2 +TLSv1.3; HAProxy: ssl-min-ver TLSv1.2), upgrading an old OpenSSL if "
             "needed. Verify with: openssl s_client -connect HOST:PORT -tls1_2.",
      .proxy_effect = TD_PROXY_IF_OPENSSL_FAILS },
    /* [CONSCRYPT-777]: TLS 1.3 client-certificate rejection after the handshake. */
    { .id = "tls.client_cert.required",
      .layer = TD_LAYER_TLS,
      .severity = TD_SEV_FAIL,
      .title = "client certificate required",
      .match = tls_client_cert,
      .cause = "The server requires a client certificate (mutual TLS).",
      .fix = "Clients must present a certificate from a CA the server trusts (curl --cert "
             "FILE --key FILE); if the service should be public, turn client verification off "
             "or make it optional (nginx: ssl_verify_client off|optional; Apache: SSLVerifyClient "
             "none; HAProxy: verify none).",
      .proxy_effect = TD_PROXY_REFUSED_LATE },
    /* [failure-kb §3 alert 112][NGX-SRC ssl_reject_handshake] */
    { .id = "tls.sni.unrecognized_name",
      .layer = TD_LAYER_TLS,
      .severity = TD_SEV_FAIL,
      .title = "SNI name not served",
      .match = tls_unrecognized_name,
      .cause = "The server does not serve the name sent as SNI.",
      .fix = "Add a server block / vhost for this name with its certificate (nginx: server_name "
             "NAME; in a listen 443 ssl server), or check that DNS points at the right server." },
    /* [failure-kb §3 alert 70] */
    { .id = "tls.version.no_common",
      .layer = TD_LAYER_TLS,
      .severity = TD_SEV_FAIL,
      .title = "no common TLS version",
      .match = tls_no_common_version,
      .cause = "The server refused every TLS version we offer (alert 70 protocol_version).",
      .fix = "Enable TLS 1.2 and TLS 1.3 on the server (nginx: ssl_protocols TLSv1.2 TLSv1.3;)." },
    /* [CF525][failure-kb §3 alert 40]: no cipher suite in common. */
    /* [OSSL-SEC][OSSL-DHSMALL] */
    { .id = "tls.dh.weak",
      .layer = TD_LAYER_TLS,
      .severity = TD_SEV_FAIL,
      .title = "weak DH group",
      .match = tls_dh_weak,
      .cause = "The server's DHE group is too small for current clients: OpenSSL 3 at security "
               "level 2 refuses it (\"dh key too small\"), browsers offer no DHE at all.",
      .fix = "Prefer ECDHE suites and use a 2048-bit or larger DH group for DHE (nginx: "
             "ssl_dhparam with an ffdhe2048 file, or drop DHE from ssl_ciphers; Apache: "
             "SSLOpenSSLConfCmd DHParameters; HAProxy: ssl-dh-param-file). Verify with: openssl "
             "s_client -connect HOST:PORT -servername HOST." },
    { .id = "tls.cipher.no_common",
      .layer = TD_LAYER_TLS,
      .severity = TD_SEV_FAIL,
      .title = "no common cipher suite",
      .match = tls_no_common_cipher,
      .cause = "The server rejected the handshake parameters (alert 40/71): no cipher suite, group "
               "or signature algorithm in common, or a required SNI is missing.",
      .fix = "Offer current suites and ECDHE groups (Mozilla's intermediate profile; nginx: "
             "ssl_ciphers HIGH:!aNULL:!MD5; ssl_ecdh_curve X25519:prime256v1;); check "
             "the certificate's key type matches the suites. Verify with: openssl s_client "
             "-connect HOST:PORT -servername HOST." },
    { .id = "tls.handshake.closed",
      .layer = TD_LAYER_TLS,
      .severity = TD_SEV_FAIL,
      .title = "closed during handshake",
      .match = tls_closed,
      .cause = "The server closed the connection during the handshake without an alert.",
      .fix = "Check the server's error log at the time of the test (nginx logs handshake "
             "failures at info level); a missing certificate or key on the listener is common." },
    { .id = "tls.handshake.timeout",
      .layer = TD_LAYER_TLS,
      .severity = TD_SEV_FAIL,
      .title = "handshake timed out",
      .match = tls_timeout,
      .cause = "The TLS handshake did not finish in time.",
      .fix = "Check server load and the path MTU (large certificate flights lost when ICMP is "
             "filtered); verify with: openssl s_client -connect HOST:PORT -servername HOST.",
      .proxy_effect = TD_PROXY_TIMES_OUT },
    { .id = "tls.handshake.failed",
      .layer = TD_LAYER_TLS,
      .severity = TD_SEV_FAIL,
      .title = "handshake failed",
      .match = tls_failed,
      .cause = "The TLS handshake failed.",
      .fix = "Read the evidence's alert and OpenSSL reason with: tlsdoctor explain 'TEXT'; check "
             "the server's error log.",
      .unless = "tls." },
    { .id = "tls.backends.differ",
      .layer = TD_LAYER_TLS,
      .severity = TD_SEV_WARN,
      .title = "addresses differ",
      .match = tls_backends_differ,
      .cause = "The name's addresses do not serve the same TLS: some clients reach a backend with "
               "another certificate or version (one forgotten server, a node not updated).",
      .fix = "Deploy the same certificate and TLS settings to every backend; check each with: "
             "tlsdoctor HOST --connect-to ADDRESS." },
    /* [ALB-TLS13HC]: TLS 1.3-only targets fail ALB HTTPS health checks; older clients fail. */
    { .id = "tls.version.tls13_only",
      .layer = TD_LAYER_TLS,
      .severity = TD_SEV_WARN,
      .title = "TLS 1.3 only",
      .match = tls_tls13_only,
      .cause = "The server refuses TLS 1.2: clients without TLS 1.3 (Java 8, Android < 10, "
               "Windows < 11 schannel, AWS ALB HTTPS health checks) cannot connect.",
      .fix = "Unless every client is known to speak TLS 1.3, also enable TLS 1.2 (nginx: "
             "ssl_protocols TLSv1.2 TLSv1.3;).",
      .proxy_facts = TD_PF_TLS13_ONLY },
    /* [failure-kb §6 "No SNI → default cert"][NGX-SRC proxy_ssl_server_name] */
    { .id = "tls.sni.required",
      .layer = TD_LAYER_TLS,
      .severity = TD_SEV_WARN,
      .title = "SNI required",
      .match = tls_sni_required,
      .cause = "The server refuses clients that send no SNI; proxies that omit SNI by default "
               "(nginx proxy_pass without proxy_ssl_server_name on) and very old clients fail.",
      .fix = "If such clients matter, give the default server a certificate instead of rejecting "
             "(nginx: remove ssl_reject_handshake on from the default server), or make the proxy "
             "send SNI (nginx: proxy_ssl_server_name on;).",
      .proxy_facts = TD_PF_SNI_REQUIRED },
    { .id = "tls.sni.default_cert_mismatch",
      .layer = TD_LAYER_TLS,
      .severity = TD_SEV_WARN,
      .title = "wrong default certificate",
      .match = tls_sni_default_cert,
      .cause = "Without SNI the server presents a certificate for other names, so clients and "
               "proxies that send no SNI fail name validation (Cloudflare Full strict: 526).",
      .fix = "Make the vhost for this name the default server (nginx: listen 443 ssl "
             "default_server;) or make the proxy send SNI (nginx: proxy_ssl_server_name on;).",
      .proxy_facts = TD_PF_DEFAULT_CERT_WRONG },
    /* ---- handshake matrix (--matrix; diagnose/clients.c) ---- */
    { .id = "tls.group.no_hello_retry",
      .layer = TD_LAYER_TLS,
      .severity = TD_SEV_WARN,
      .title = "no HelloRetryRequest",
      .match = td__mx_no_hrr,
      .cause =
              "The server speaks TLS 1.3 but fails a client whose key share it does not pick "
              "instead "
              "of asking for another one (HelloRetryRequest), so clients that lead with a group it "
              "does not prefer fail.",
      .fix = "Update the TLS library or the device in front of the server; check its supported "
             "groups (nginx: ssl_ecdh_curve X25519:prime256v1:secp384r1;)." },
    { .id = "tls.cipher.no_common_modern",
      .rank_last = true,
      .layer = TD_LAYER_TLS,
      .severity = TD_SEV_WARN,
      .title = "no modern cipher suite",
      .match = td__mx_no_modern_cipher,
      .cause = "The server offers no forward-secret AEAD suite (and no TLS 1.3): browsers mark the "
               "connection obsolete and strict clients and policies refuse it.",
      .fix = "Enable TLS 1.3 and ECDHE with AES-GCM or ChaCha20 (nginx: ssl_protocols TLSv1.2 "
             "TLSv1.3; ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
             "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-"
             "POLY1305:"
             "ECDHE-RSA-CHACHA20-POLY1305;)." },
    { .id = "tls.clients.current_fail",
      .rank_last = true,
      .only_without_fail = true, /* a specific failure already names why they fail */
      .layer = TD_LAYER_TLS,
      .severity = TD_SEV_FAIL,
      .title = "current clients cannot connect",
      .match = td__mx_current_clients_fail,
      .cause = "Clients in wide use today cannot connect.",
      .fix = "Offer what they need: TLS 1.2 and 1.3 with ECDHE-AES-GCM suites and x25519/P-256 "
             "(Mozilla's 'intermediate' configuration), a certificate for the name without SNI if "
             "a proxy in front sends none.",
      .proxy_effect = TD_PROXY_UNAFFECTED },
    /* [RFC 8996]: TLS 1.0 and 1.1 deprecated; [RFC 7568]: SSLv3. */
    { .id = "tls.version.obsolete_enabled",
      .rank_last = true,
      .layer = TD_LAYER_TLS,
      .severity = TD_SEV_WARN,
      .title = "obsolete TLS versions on",
      .match = td__mx_obsolete_versions,
      .cause = "The server still accepts SSLv3, TLS 1.0 or TLS 1.1 (deprecated by RFC 8996 / RFC "
               "7568) "
               "next to TLS 1.2+.",
      .fix = "Turn them off unless a known old client needs them (nginx: ssl_protocols TLSv1.2 "
             "TLSv1.3; Apache: SSLProtocol -all +TLSv1.2 +TLSv1.3; HAProxy: ssl-min-ver "
             "TLSv1.2)." },
    /* [RFC 7465] RC4; [RFC 9325 §4.1] NULL, anonymous, export, 64-bit block ciphers. */
    { .id = "tls.cipher.weak_enabled",
      .rank_last = true,
      .layer = TD_LAYER_TLS,
      .severity = TD_SEV_WARN,
      .title = "weak cipher suites on",
      .match = td__mx_weak_ciphers,
      .cause = "The server accepts suites that current guidance forbids: NULL, anonymous, export, "
               "RC4 "
               "or DES/3DES.",
      .fix = "Remove them (nginx/Apache/HAProxy cipher string: append :!aNULL:!eNULL:!EXPORT:!RC4:"
             "!DES:!3DES:!MD5, or use Mozilla's 'intermediate' list)." },
    { .id = "tls.clients.legacy_fail",
      .rank_last = true,
      .layer = TD_LAYER_TLS,
      .severity = TD_SEV_OK,
      .title = "legacy clients cannot connect",
      .match = td__mx_legacy_clients_fail,
      .cause = "Some legacy clients cannot connect; usually intended, listed so that it is a "
               "choice.",
      .fix = "Nothing to do unless one of them must be served; then add the version or suite it "
             "lacks for that service only.",
      .proxy_effect = TD_PROXY_UNAFFECTED },
    /* [CR-NEL ERR_CERT_DATE_INVALID: "or the client clock is wrong"] */
    { .id = "cert.clock.client_wrong",
      .layer = TD_LAYER_CERT,
      .severity = TD_SEV_FAIL,
      .title = "client clock wrong",
      .match = cert_clock,
      .cause = "This machine's clock is wrong: by the server's clock the certificate is valid.",
      .fix = "Fix the local clock (timedatectl set-ntp true; chronyc makestep), then run again. "
             "Clients with the same clock problem see ERR_CERT_DATE_INVALID.",
      .proxy_effect = TD_PROXY_UNAFFECTED },
    /* [OSSL-VTXT 10][CR-NEL ERR_CERT_DATE_INVALID] */
    { .id = "cert.expired",
      .layer = TD_LAYER_CERT,
      .severity = TD_SEV_FAIL,
      .title = "certificate expired",
      .match = cert_expired,
      .cause = "The certificate has expired.",
      .fix = "Renew the certificate (certbot renew, or your CA's portal), install the new "
             "full-chain file and reload (nginx -s reload). Verify with: echo | openssl s_client "
             "-connect HOST:PORT -servername HOST 2>/dev/null | openssl x509 -noout -dates.",
      .unless = "cert.clock.client_wrong" },
    { .id = "cert.not_yet_valid",
      .layer = TD_LAYER_CERT,
      .severity = TD_SEV_FAIL,
      .title = "certificate not yet valid",
      .match = cert_not_yet_valid,
      .cause = "The certificate is not valid yet: its notBefore is in the future (or this "
               "machine's clock is behind).",
      .fix = "Check this machine's clock first (timedatectl; chronyc tracking); if it is right, "
             "the certificate was issued with a future start date: reissue it or wait, and "
             "check the server's clock.",
      .unless = "cert.clock.client_wrong" },
    /* [MITM-46][failure-kb §7.5] */
    { .id = "cert.chain.intercepted",
      .layer = TD_LAYER_CERT,
      .severity = TD_SEV_FAIL,
      .title = "TLS interception",
      .match = cert_intercepted,
      .cause = "A TLS-inspecting product issued the certificate.",
      .fix = "If the inspection is intended, install the product's root CA on this machine (and "
             "exempt "
             "pinned or mutual-TLS services from inspection); otherwise find the proxy or "
             "antivirus on "
             "the path. Compare paths with: tlsdoctor compare HOST --via dns --via ORIGIN_IP." },
    /* kb/certsigns.c: ingress-nginx's and Traefik's generated default certificates. */
    { .id = "cert.default_placeholder",
      .layer = TD_LAYER_CERT,
      .severity = TD_SEV_FAIL,
      .title = "proxy's placeholder certificate",
      .match = cert_placeholder,
      .cause = "The server answered with a proxy's built-in placeholder certificate.",
      .fix = "Configure a certificate for HOST on the proxy in front." },
    /* kb/certsigns.c: Cloudflare Origin CA, trusted by Cloudflare's edge only. */
    { .id = "cert.origin_ca_direct",
      .layer = TD_LAYER_CERT,
      .severity = TD_SEV_FAIL,
      .title = "Cloudflare Origin CA reached directly",
      .match = cert_origin_ca,
      .cause = "The server presents a Cloudflare Origin CA certificate. Only Cloudflare's edge "
               "trusts "
               "it: clients that reach this server directly (a DNS-only record, a test with "
               "--connect-to the origin) reject it, while Cloudflare in Full (strict) accepts it.",
      .fix = "Serve HOST through Cloudflare (a proxied record, SSL mode Full (strict)); if clients "
             "must "
             "reach the origin directly, install a publicly trusted certificate there instead "
             "(e.g. certbot). Check the record: dig HOST (Cloudflare addresses mean proxied).",
      .proxy_facts = TD_PF_TRUST_ONLY },
    /* [OSSL-VTXT 18][CR-NEL ERR_CERT_AUTHORITY_INVALID] */
    { .id = "cert.self_signed",
      .layer = TD_LAYER_CERT,
      .severity = TD_SEV_FAIL,
      .title = "self-signed certificate",
      .match = cert_self_signed,
      .cause = "The certificate is self-signed: no client trusts it unless told to.",
      .fix = "Install a certificate from a public CA (e.g. certbot -d HOST) or, behind "
             "Cloudflare, a Cloudflare Origin CA certificate; for private services, distribute "
             "the certificate to clients and test with --ca-file.",
      .unless = "cert.default_placeholder" },
    /* The served intermediate is not the leaf's issuer: told apart from a missing one and from
     * an untrusted root. */
    { .id = "cert.chain.wrong_intermediate",
      .layer = TD_LAYER_CERT,
      .severity = TD_SEV_FAIL,
      .title = "wrong intermediate certificate",
      .match = cert_wrong_intermediate,
      .cause = "The server sends an intermediate certificate that did not issue its certificate "
               "(a chain file from another CA or another issuing CA), so clients cannot build a "
               "chain to a trusted root.",
      .fix = "Replace the chain file with the intermediates of the CA that issued this "
             "certificate (the CA's download, or the one named in the certificate's Authority "
             "Information Access: openssl x509 -in cert.pem -noout -ext authorityInfoAccess); "
             "nginx: ssl_certificate fullchain.pem; Apache: SSLCertificateFile with the full "
             "chain; HAProxy: crt with leaf, intermediates and key. Verify with: openssl "
             "s_client -connect HOST:PORT -servername HOST -verify_return_error.",
      .unless = "cert.chain.intercepted" },
    /* [OSSL-VTXT 20/21][failure-kb §6 "Missing intermediate"] */
    { .id = "cert.chain.missing_intermediate",
      .layer = TD_LAYER_CERT,
      .severity = TD_SEV_FAIL,
      .title = "missing intermediate certificate",
      .match = cert_missing_intermediate,
      .cause = "The server sends its certificate without the intermediate CA certificate, so "
               "clients cannot build a chain to a trusted root (browsers may hide this by "
               "caching intermediates; curl, OpenSSL and proxies fail).",
      .fix = "Serve the full chain: nginx ssl_certificate must point at fullchain.pem (leaf "
             "then intermediates), Apache 2.4.8+ SSLCertificateFile with the full chain (older: "
             "SSLCertificateChainFile), HAProxy crt with leaf+intermediates+key in one PEM. "
             "Verify with: openssl s_client -connect HOST:PORT -servername HOST -showcerts.",
      .unless = "cert.chain.intercepted",
      .proxy_facts = TD_PF_TRUST_ONLY },
    /* [OSSL-VTXT 19/20][MITM-46] */
    { .id = "cert.chain.untrusted_root",
      .layer = TD_LAYER_CERT,
      .severity = TD_SEV_FAIL,
      .title = "untrusted root CA",
      .match = cert_untrusted_root,
      .unless = "cert.chain.wrong_intermediate",
      .cause = "The chain ends at a CA that the trust store does not contain (a private CA or an "
               "intercepting proxy's CA).",
      .fix = "Use a certificate from a publicly trusted CA, or add the private root to the "
             "clients' trust store (and test with --ca-file ROOT.pem); if the issuer is a "
             "security product, the connection is being intercepted.",
      .proxy_facts = TD_PF_TRUST_ONLY },
    /* [CR-58-CN] Chrome 58 removed the CN fallback; [APPLE-HT210176] Apple platforms since iOS 13
     * and macOS 10.15; [GO115-CN] Go 1.15. RFC 6125 §6.4.4 / CA/B BR 7.1.4.2.1. */
    { .id = "cert.san.missing",
      .layer = TD_LAYER_CERT,
      .severity = TD_SEV_FAIL,
      .title = "no subjectAltName",
      .match = cert_no_san,
      .cause = "The certificate has no subjectAltName: Chrome, Edge, Safari and Go ignore the "
               "subject CN and reject it as not valid for the name (ERR_CERT_COMMON_NAME_INVALID), "
               "although curl and OpenSSL still accept the CN.",
      .fix = "Reissue the certificate with the names in subjectAltName (openssl req -addext "
             "\"subjectAltName=DNS:HOST\"; every public CA and certbot do this). Verify with: "
             "openssl s_client -connect HOST:PORT -servername HOST </dev/null | openssl x509 "
             "-noout -ext subjectAltName.",
      .proxy_effect = TD_PROXY_IF_OPENSSL_FAILS },
    /* [OSSL-VTXT 26][RFC 5280 §4.2.1.12] */
    { .id = "cert.eku.no_server_auth",
      .layer = TD_LAYER_CERT,
      .severity = TD_SEV_FAIL,
      .title = "not for TLS servers (EKU)",
      .match = cert_eku,
      .cause = "The certificate's extended key usage does not include serverAuth (e.g. a "
               "client-authentication-only certificate), so every client refuses it for a "
               "server (OpenSSL verify code 26 \"unsupported certificate purpose\", browsers "
               "ERR_CERT_INVALID).",
      .fix = "Reissue the certificate with extendedKeyUsage = serverAuth (openssl: -addext "
             "\"extendedKeyUsage=serverAuth\"), and check that the intermediates allow it too. "
             "Verify with: openssl s_client -connect HOST:PORT -servername HOST "
             "-verify_return_error -purpose sslserver." },
    { .id = "cert.key_usage.mismatch",
      .layer = TD_LAYER_CERT,
      .severity = TD_SEV_WARN,
      .title = "key usage does not allow the handshake",
      .match = cert_key_usage,
      .cause = "The certificate's keyUsage does not allow what the handshake uses the key for; "
               "clients that enforce it (Chrome 124+ for RSA, Go, NSS) refuse the connection.",
      .fix = "Reissue with keyUsage = digitalSignature (ECDHE and TLS 1.3), plus keyEncipherment "
             "for RSA keys used with static-RSA suites. Verify with: openssl x509 -noout -ext "
             "keyUsage." },
    /* [OSSL-VTXT 62][GOOG-SAN] */
    { .id = "cert.hostname.mismatch",
      .layer = TD_LAYER_CERT,
      .severity = TD_SEV_FAIL,
      .title = "host name mismatch",
      .match = cert_hostname,
      .cause = "The certificate does not cover the host name.",
      .fix = "Issue a certificate whose subjectAltName lists the name (certbot -d NAME), or fix "
             "the server block that answers for it (nginx server_name / ssl_certificate; Apache "
             "ServerName in the :443 vhost); browsers ignore the CN, only SANs count.",
      .proxy_effect = TD_PROXY_NAME_CHECK },
    { .id = "cert.chain.verify_failed",
      .layer = TD_LAYER_CERT,
      .severity = TD_SEV_FAIL,
      .title = "chain verification failed",
      .match = cert_verify_other,
      .cause = "The certificate chain does not verify.",
      .fix = "Look up the OpenSSL verify code in the evidence (tlsdoctor explain CODE) and fix "
             "the chain accordingly.",
      .unless = "cert.",
      .proxy_facts = TD_PF_TRUST_ONLY },
    /* [OSSL-VTXT 66] */
    { .id = "cert.key.weak",
      .layer = TD_LAYER_CERT,
      .severity = TD_SEV_FAIL,
      .title = "weak key",
      .match = cert_weak_key,
      .cause = "A certificate key is too small for current clients.",
      .fix = "Reissue with an RSA 2048+ or ECDSA P-256 key: openssl req -newkey rsa:2048 ... or "
             "certbot --key-type ecdsa." },
    { .id = "cert.signature.sha1",
      .layer = TD_LAYER_CERT,
      .severity = TD_SEV_FAIL,
      .title = "SHA-1 signature",
      .match = cert_sha1,
      .cause = "A certificate in the chain is signed with SHA-1, which browsers and OpenSSL 3 "
               "reject.",
      .fix = "Reissue the certificate (and use a current intermediate) signed with SHA-256." },
    { .id = "cert.chain.too_long",
      .layer = TD_LAYER_CERT,
      .severity = TD_SEV_FAIL,
      .title = "too many certificates",
      .match = cert_too_long,
      .proxy_effect = TD_PROXY_UNAFFECTED, /* GnuTLS's limit: nginx and HAProxy use OpenSSL */
      .cause = "The server sends more certificates than some clients accept: GnuTLS-based "
               "clients (gnutls-cli, many Linux tools) refuse a list of more than 16.",
      .fix = "Send only the leaf and the intermediates that issued it: rebuild the chain file "
             "from the CA's leaf and intermediates. Verify with: openssl s_client -connect "
             "HOST:PORT -servername HOST -showcerts </dev/null | grep -c BEGIN" },
    /* RFC 8446 §4.4.2 / RFC 5246 §7.4.2: each certificate should certify the one before it;
     * clients reorder, but old ones and some libraries do not. */
    { .id = "cert.chain.misordered",
      .layer = TD_LAYER_CERT,
      .severity = TD_SEV_WARN,
      .title = "chain out of order",
      .match = cert_misordered,
      .cause = "The certificates are not sent in issuing order (leaf, then its issuer, then "
               "that one's issuer): current clients cope, older ones and some libraries fail.",
      .fix = "Order the chain file leaf first, then each issuer (cat leaf.pem intermediate.pem "
             "> fullchain.pem). Verify with: openssl s_client -connect HOST:PORT -servername "
             "HOST -showcerts." },
    { .id = "cert.chain.extra_certs",
      .layer = TD_LAYER_CERT,
      .severity = TD_SEV_WARN,
      .title = "stray certificates in the chain",
      .match = cert_extra,
      .cause = "The server sends certificates that are not on its certificate's issuer path: "
               "wasted bytes in every handshake, and a sign that the chain file was assembled "
               "from the wrong parts.",
      .fix = "Keep only the leaf and the intermediates that issued it in the chain file. Verify "
             "with: openssl s_client -connect HOST:PORT -servername HOST -showcerts." },
    { .id = "cert.expiring_soon",
      .layer = TD_LAYER_CERT,
      .severity = TD_SEV_WARN,
      .title = "certificate expires soon",
      .match = cert_expiring,
      .cause = "The certificate expires soon.",
      .fix = "Renew now and check that automatic renewal works (certbot renew --dry-run; "
             "systemctl list-timers | grep certbot)." },
    /* [CF520] */
    { .id = "http.response.empty",
      .layer = TD_LAYER_HTTP,
      .severity = TD_SEV_FAIL,
      .title = "empty HTTP reply",
      .match = http_empty,
      .cause = "The server completed the TLS handshake but closed without an HTTP response (a "
               "CDN shows 520).",
      .fix = "Check the application behind the TLS terminator (crashes, upstream errors) and its "
             "error log; verify with: curl -v https://HOST:PORT/." },
    { .id = "http.response.non_http",
      .layer = TD_LAYER_HTTP,
      .severity = TD_SEV_FAIL,
      .title = "non-HTTP reply",
      .match = http_non_http,
      .cause = "The server answered over TLS with something that is not an HTTP/1.x response (a "
               "CDN shows 520).",
      .fix = "Check what runs behind the TLS port; if it only speaks HTTP/2, make it accept "
             "HTTP/1.1 too." },
    /* nginx proxy_buffer_size, HAProxy tune.bufsize, Chromium kMaxHeaderBufSize: see
     * http_head_too_large. */
    { .id = "http.response.head_too_large",
      .layer = TD_LAYER_HTTP,
      .severity = TD_SEV_FAIL,
      .title = "HTTP response head too large",
      .match = http_head_too_large,
      .cause = "The response head is larger than proxies accept with default buffers.",
      .fix = "Shrink the response headers (large Set-Cookie, Content-Security-Policy, debug or "
             "tracing headers) below 4 KiB, or raise the proxy's buffer (nginx: "
             "proxy_buffer_size 16k; proxy_buffers 8 16k; HAProxy: tune.bufsize); verify with: "
             "curl -sv -o /dev/null https://HOST:PORT/ 2>&1 | wc -c.",
      .proxy_facts = TD_PF_HEAD_SIZE },
    /* RFC 9112 §2.1: a head ends with an empty line; without it there is no response. */
    { .id = "http.response.head_incomplete",
      .layer = TD_LAYER_HTTP,
      .severity = TD_SEV_FAIL,
      .title = "HTTP response head never ends",
      .match = http_head_incomplete,
      .cause = "The server starts an HTTP response but its head never ends (no empty line after "
               "the headers): no client or proxy gets a response.",
      .fix = "Check the application or proxy that writes the response (a handler that blocks or "
             "dies after the first headers, a streaming endpoint that never finishes its "
             "headers); verify with: curl -sv --max-time 10 https://HOST:PORT/.",
      .unless = "http.response.head_too_large",
      .proxy_facts = TD_PF_SLOW_IF_STALLED },
    /* [CF524] */
    { .id = "http.response.timeout",
      .layer = TD_LAYER_HTTP,
      .severity = TD_SEV_FAIL,
      .title = "no HTTP response in time",
      .match = http_timeout,
      .cause = "The TLS session works but no HTTP response came before the deadline (a CDN shows "
               "524 after its read timeout).",
      .fix = "Profile the slow request in the application; raise proxy timeouts only as a stop "
             "gap.",
      .proxy_effect = TD_PROXY_TIMES_OUT },
    /* [NGX-SRC 497][failure-kb §2.1 ASTROLIFT] */
    { .id = "http.response.plain_http_page",
      .layer = TD_LAYER_HTTP,
      .severity = TD_SEV_FAIL,
      .title = "plain HTTP sent to a TLS port behind the proxy",
      .match = http_plain_page,
      .cause = "The TLS terminator forwards requests in plain HTTP to a port where nginx expects "
               "TLS, so every request gets \"400 The plain HTTP request was sent to HTTPS port\".",
      .fix = "Make the hop behind the terminator speak TLS (nginx: proxy_pass https://...; ALB: an "
             "HTTPS target group) or point it at nginx's plain-HTTP port; verify with: curl -sv "
             "https://HOST:PORT/.",
      .proxy_effect = TD_PROXY_RELAYED },
    /* [CFREDIR][failure-kb §1.4 ERR_TOO_MANY_REDIRECTS] */
    { .id = "http.redirect.loop",
      .layer = TD_LAYER_HTTP,
      .severity = TD_SEV_FAIL,
      .title = "redirect loop",
      .match = http_redirect_loop,
      .cause = "The redirects come back to a URL already visited: browsers stop with "
               "ERR_TOO_MANY_REDIRECTS.",
      .fix = "Behind a TLS terminator (CDN in Flexible mode, load balancer, nginx) the application "
             "sees "
             "plain HTTP and redirects to HTTPS again: make it trust X-Forwarded-Proto (nginx: "
             "proxy_set_header X-Forwarded-Proto $scheme; Django SECURE_PROXY_SSL_HEADER; Rails "
             "config.assume_ssl), or terminate TLS at the origin too (Cloudflare Full (strict)). "
             "Verify "
             "with: curl -sIL --max-redirs 6 https://HOST:PORT/.",
      .proxy_effect = TD_PROXY_RELAYED },
    { .id = "http.redirect.to_http",
      .layer = TD_LAYER_HTTP,
      .severity = TD_SEV_WARN,
      .title = "HTTPS redirects to HTTP",
      .match = http_redirect_to_http,
      .cause = "An HTTPS URL redirects to plain HTTP: a downgrade, and a loop behind Cloudflare "
               "Full or "
               "with HSTS.",
      .fix = "Redirect to https:// URLs only (check the application's base URL / nginx return and "
             "rewrite rules)." },
    /* [CF524][ALB-TS] */
    { .id = "http.response.slow",
      .layer = TD_LAYER_HTTP,
      .severity = TD_SEV_WARN,
      .title = "slow first byte",
      .match = http_slow,
      .cause = "The response is slow to start.",
      .fix = "Profile the request in the application; keep responses well under the proxies' read "
             "timeouts (nginx proxy_read_timeout, ALB idle timeout, Cloudflare 100 s)." },
    /* [failure-kb §2.5 AH02032, §6 421] */
    { .id = "http.status.misdirected",
      .layer = TD_LAYER_HTTP,
      .severity = TD_SEV_WARN,
      .title = "421 Misdirected Request",
      .match = http_421,
      .cause = "The server answers 421 Misdirected Request: the Host does not match the TLS setup "
               "chosen by SNI.",
      .fix = "Give the virtual hosts that share an address compatible TLS settings, or make "
             "clients send SNI equal to the Host (Apache 2.4.64+: a request without SNI gets "
             "421 on name-based vhosts)." },
    { .id = "http.status.unavailable",
      .layer = TD_LAYER_HTTP,
      .severity = TD_SEV_WARN,
      .title = "503 Service Unavailable",
      .match = http_503,
      .cause = "The server answers 503.",
      .fix = "During planned maintenance send 503 with Retry-After (e.g. Retry-After: 3600) so "
             "search engines retry instead of dropping pages; otherwise check the application "
             "and the proxy's upstream health." },
    /* RFC 6797; preload requirements of hstspreload.org. */
    { .id = "http.hsts.incomplete",
      .rank_last = true,
      .layer = TD_LAYER_HTTP,
      .severity = TD_SEV_OK,
      .title = "HSTS missing or short",
      .match = http_hsts,
      .cause = "HSTS is missing or weaker than the preload requirements.",
      .fix = "Add Strict-Transport-Security: max-age=31536000; includeSubDomains; preload once "
             "every subdomain serves HTTPS (nginx: add_header Strict-Transport-Security \"...\" "
             "always;)." },
    { .id = "http.date.skew",
      .layer = TD_LAYER_HTTP,
      .severity = TD_SEV_WARN,
      .title = "clock skew",
      .match = http_date_skew,
      .cause = "This machine's clock and the server's Date header differ by more than 5 minutes.",
      .fix = "Check NTP on both sides (timedatectl; chronyc tracking): certificate validity, "
             "tokens and logs depend on the clocks." },
    { .id = "http.status.server_error",
      .layer = TD_LAYER_HTTP,
      .severity = TD_SEV_WARN,
      .title = "HTTP 5xx",
      .match = http_5xx,
      .cause = "The server answers with a 5xx status.",
      .fix = "Check the application's and the proxy's error logs for this request." },
    /* ---- The run itself: what was not observed is never counted as passing ---- */
    { .id = "diag.deadline",
      .layer = TD_LAYER_HTTP, /* moved to the first layer not observed */
      .severity = TD_SEV_UNKNOWN,
      .title = "deadline reached",
      .match = diag_deadline,
      .cause = "The overall deadline passed before every layer was checked: what was not "
               "observed is unknown, not passing.",
      .fix = "Run again with a longer --timeout (and --step-timeout if one step is slow); if "
             "the server itself is slow to answer, that is the problem to look at: tlsdoctor "
             "HOST:PORT --timeout 60 -v shows where the time goes." },
    { .id = "diag.not_observed",
      .layer = TD_LAYER_HTTP, /* moved to the first layer not observed */
      .severity = TD_SEV_UNKNOWN,
      .title = "layers not observed",
      .match = diag_not_observed,
      .cause = "Some layers could not be observed working and no rule explains why, so the "
               "verdict is unknown rather than healthy.",
      .fix = "Run again with -v to see each step; check the evidence and compare with: openssl "
             "s_client -connect HOST:PORT -servername HOST; curl -v https://HOST:PORT/. Please "
             "report the case: a rule is missing.",
      .unless = "diag.deadline",
      .only_without_fail = true },
};

const td_rule_t *td__rules(size_t *n)
{
    *n = TD_ARRAY_LEN(rules);
    return rules;
}
