/* rules.c: the rule table. Each rule reads observations and, when it matches, writes
 * evidence (and may refine cause and fix). Adding a cause = one row + one test.
 * Facts behind the texts: ../shared/failure-kb.md, keys cited per rule. Never does I/O. */
#include "diagnose.h"

#include "../kb/kb.h"

#include <errno.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
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
    if (!sniffed(o) || o->sniff.received != 0 || o->sniff.end != TD_END_TIMEOUT) {
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
        o->sniff.end != TD_END_TIMEOUT || o->sniff.flight.has_server_hello) {
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

static bool tls_legacy_only(const td_obs_t *o, td_rule_out_t *out)
{
    if (!tls_ran(o) || o->tls.ok) {
        return false;
    }
    const td_server_flight_t *f = &o->sniff.flight;
    bool by_legacy = o->legacy.ok && legacy_version(o->legacy.version);
    bool by_hello = f->has_server_hello && !f->is_hrr && f->version <= TD_V_TLS11;
    if (!by_legacy && !by_hello) {
        return false;
    }
    const char *v = by_legacy ? o->legacy.version : td_version_name(f->version);
    CAUSE("The server only speaks %s; current clients (OpenSSL 3, browsers, curl, Cloudflare "
          "and nginx upstreams) require TLS 1.2 or newer.",
          v);
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
    if (!tls_ran(o) || o->tls.ok || o->legacy.ok || o->tls.alert_received != alert) {
        return false;
    }
    handshake_evidence(&o->tls, out);
    if (o->legacy.step == TD_STEP_DONE) {
        EV_ADD("; a legacy handshake (TLS 1.0+, all ciphers) also failed");
    }
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
    if (!tls_ran(o) || o->tls.ok || o->legacy.ok || !o->tls.eof || o->tls.alert_received >= 0) {
        return false;
    }
    EV("the server closed the connection during the handshake without a TLS alert");
    if (o->tls.ossl_text[0] != '\0') {
        EV_ADD("; OpenSSL: %s", o->tls.ossl_text);
    }
    return true;
}

static bool tls_timeout(const td_obs_t *o, td_rule_out_t *out)
{
    if (!tls_ran(o) || o->tls.ok || !o->tls.timed_out) {
        return false;
    }
    EV("the OpenSSL handshake did not finish within the step deadline (%.0f ms)", o->tls.ms);
    return true;
}

static bool tls_failed(const td_obs_t *o, td_rule_out_t *out)
{
    if (!tls_ran(o) || o->tls.ok || o->legacy.ok) {
        return false;
    }
    handshake_evidence(&o->tls, out);
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
    if (o->tls12.step != TD_STEP_DONE || !o->tls12.connected ||
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
       o->cert.n, o->cert.n == 1 ? "" : "s", top->issuer, o->cert.verify_code, o->cert.verify_text);
    if (top->aia_ca_issuers[0] != '\0') {
        EV_ADD("; the certificate names its issuer at %s", top->aia_ca_issuers);
    }
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
       o->cert.n, o->cert.n == 1 ? "" : "s", top->subject, top->issuer, o->cert.store,
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
    if (left < 0 || left > (int64_t)o->cert.warn_days * 86400) {
        return false;
    }
    char t[40];
    td_fmt_utc(t, sizeof(t), "%Y-%m-%d %H:%M:%S UTC", c->not_after);
    CAUSE("The certificate expires in %lld day%s (%s).", (long long)(left / 86400),
          left / 86400 == 1 ? "" : "s", t);
    EV("leaf %s notAfter %s; warning threshold %d days", c->subject, t, o->cert.warn_days);
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
             "clients' addresses; verify with: nc -vz -w 5 HOST PORT." },
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
      .unless = "proto.mtu_blackhole" },
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
      .unless = "proto.mtu_blackhole" },
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
             "it; until then clients can only connect by forcing TLS 1.2 (curl --tls-max 1.2)." },
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
             "x25519)." },
    /* [OSSL-SEC][NGX-CHANGES][CR-NEL]: TLS 1.0/1.1 refused by current clients. */
    { .id = "tls.version.legacy_only",
      .layer = TD_LAYER_TLS,
      .severity = TD_SEV_FAIL,
      .title = "only legacy TLS versions",
      .match = tls_legacy_only,
      .cause = "The server only speaks TLS 1.0/1.1.",
      .fix = "Enable TLS 1.2 and 1.3 (nginx: ssl_protocols TLSv1.2 TLSv1.3; Apache: SSLProtocol "
             "-all +TLSv1.2 +TLSv1.3; HAProxy: ssl-min-ver TLSv1.2), upgrading an old OpenSSL if "
             "needed. Verify with: openssl s_client -connect HOST:PORT -tls1_2." },
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
             "none; HAProxy: verify none)." },
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
             "filtered); verify with: openssl s_client -connect HOST:PORT -servername HOST." },
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
             "ssl_protocols TLSv1.2 TLSv1.3;)." },
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
             "send SNI (nginx: proxy_ssl_server_name on;)." },
    { .id = "tls.sni.default_cert_mismatch",
      .layer = TD_LAYER_TLS,
      .severity = TD_SEV_WARN,
      .title = "wrong default certificate",
      .match = tls_sni_default_cert,
      .cause = "Without SNI the server presents a certificate for other names, so clients and "
               "proxies that send no SNI fail name validation (Cloudflare Full strict: 526).",
      .fix = "Make the vhost for this name the default server (nginx: listen 443 ssl "
             "default_server;) or make the proxy send SNI (nginx: proxy_ssl_server_name on;)." },
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
      .layer = TD_LAYER_TLS,
      .severity = TD_SEV_FAIL,
      .title = "current clients cannot connect",
      .match = td__mx_current_clients_fail,
      .cause = "Clients in wide use today cannot connect.",
      .fix = "Offer what they need: TLS 1.2 and 1.3 with ECDHE-AES-GCM suites and x25519/P-256 "
             "(Mozilla's 'intermediate' configuration), a certificate for the name without SNI if "
             "a proxy in front sends none." },
    /* [RFC 8996]: TLS 1.0 and 1.1 deprecated; [RFC 7568]: SSLv3. */
    { .id = "tls.version.obsolete_enabled",
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
      .layer = TD_LAYER_TLS,
      .severity = TD_SEV_OK,
      .title = "legacy clients cannot connect",
      .match = td__mx_legacy_clients_fail,
      .cause = "Some legacy clients cannot connect; usually intended, listed so that it is a "
               "choice.",
      .fix = "Nothing to do unless one of them must be served; then add the version or suite it "
             "lacks for that service only." },
    /* [CR-NEL ERR_CERT_DATE_INVALID: "or the client clock is wrong"] */
    { .id = "cert.clock.client_wrong",
      .layer = TD_LAYER_CERT,
      .severity = TD_SEV_FAIL,
      .title = "client clock wrong",
      .match = cert_clock,
      .cause = "This machine's clock is wrong: by the server's clock the certificate is valid.",
      .fix = "Fix the local clock (timedatectl set-ntp true; chronyc makestep), then run again. "
             "Clients with the same clock problem see ERR_CERT_DATE_INVALID." },
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
             "(e.g. certbot). Check the record: dig HOST (Cloudflare addresses mean proxied)." },
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
      .unless = "cert.chain.intercepted" },
    /* [OSSL-VTXT 19/20][MITM-46] */
    { .id = "cert.chain.untrusted_root",
      .layer = TD_LAYER_CERT,
      .severity = TD_SEV_FAIL,
      .title = "untrusted root CA",
      .match = cert_untrusted_root,
      .cause = "The chain ends at a CA that the trust store does not contain (a private CA or an "
               "intercepting proxy's CA).",
      .fix = "Use a certificate from a publicly trusted CA, or add the private root to the "
             "clients' trust store (and test with --ca-file ROOT.pem); if the issuer is a "
             "security product, the connection is being intercepted." },
    /* [OSSL-VTXT 62][GOOG-SAN] */
    { .id = "cert.hostname.mismatch",
      .layer = TD_LAYER_CERT,
      .severity = TD_SEV_FAIL,
      .title = "host name mismatch",
      .match = cert_hostname,
      .cause = "The certificate does not cover the host name.",
      .fix = "Issue a certificate whose subjectAltName lists the name (certbot -d NAME), or fix "
             "the server block that answers for it (nginx server_name / ssl_certificate; Apache "
             "ServerName in the :443 vhost); browsers ignore the CN, only SANs count." },
    { .id = "cert.chain.verify_failed",
      .layer = TD_LAYER_CERT,
      .severity = TD_SEV_FAIL,
      .title = "chain verification failed",
      .match = cert_verify_other,
      .cause = "The certificate chain does not verify.",
      .fix = "Look up the OpenSSL verify code in the evidence (tlsdoctor explain CODE) and fix "
             "the chain accordingly.",
      .unless = "cert." },
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
    /* [CF524] */
    { .id = "http.response.timeout",
      .layer = TD_LAYER_HTTP,
      .severity = TD_SEV_FAIL,
      .title = "no HTTP response in time",
      .match = http_timeout,
      .cause = "The TLS session works but no HTTP response came before the deadline (a CDN shows "
               "524 after its read timeout).",
      .fix = "Profile the slow request in the application; raise proxy timeouts only as a stop "
             "gap." },
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
             "https://HOST:PORT/." },
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
             "with: curl -sIL --max-redirs 6 https://HOST:PORT/." },
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
};

const td_rule_t *td__rules(size_t *n)
{
    *n = TD_ARRAY_LEN(rules);
    return rules;
}
