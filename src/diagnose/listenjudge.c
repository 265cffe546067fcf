/* listenjudge.c: what one client of `tlsdoctor listen` did, in words and finding ids, from the
 * facts listen.c recorded. The ids are the active diagnosis' and the logs' where the meaning is
 * the same (docs/json.md); alert meanings from RFC 8446 §6.2. Never does I/O. */
#include "../listen/listen.h"

#include "../kb/kb.h"

#include <openssl/sslerr.h>
#include <stdio.h>
#include <string.h>

/* A finding: id, layer, severity and title, from this table (an open set: a table, not code). */
typedef struct listen_rule {
    const char *id;
    td_layer_t layer;
    td_severity_t severity;
    const char *title;
    const char *fix; /* the change to make, in general words (the evidence is per client) */
} listen_rule_t;

enum {
    R_TCP_ONLY,
    R_SILENT,
    R_PLAIN_HTTP,
    R_NOT_TLS,
    R_PROXY,
    R_HELLO_BAD,
    R_LEGACY,
    R_NO_SNI,
    R_SPLIT,
    R_UNTRUSTED,
    R_CERT_REJECTED,
    R_EXPIRED,
    R_NO_VERSION,
    R_NO_CIPHER,
    R_FAILED,
    R_CLOSED,
    R_TIMEOUT,
    R_CHAIN_OK,
    R_NO_REQUEST,
    R_SNI_REFUSED,
};

static const listen_rule_t rules[] = {
    [R_TCP_ONLY] = { .id = "listen.client.tcp_only",
                     .layer = TD_LAYER_TCP,
                     .severity = TD_SEV_WARN,
                     .title = "Opened TCP and closed without a byte (a TCP health check)",
                     .fix = "Nothing, if it is a TCP health check; make it an HTTPS check if the "
                            "server logs these connections as failed handshakes." },
    [R_SILENT] = { .id = "listen.client.silent",
                   .layer = TD_LAYER_PROTO,
                   .severity = TD_SEV_FAIL,
                   .title = "Sent nothing: it waits for the server to speak first",
                   .fix = "Point the client at the port of its own protocol, or make it speak TLS "
                          "first (implicit TLS, e.g. SMTPS on 465 rather than STARTTLS on 587)." },
    [R_PLAIN_HTTP] = { .id = "client.plain_http_to_tls_port",
                       .layer = TD_LAYER_PROTO,
                       .severity = TD_SEV_FAIL,
                       .title = "Plain HTTP sent to the TLS port",
                       .fix = "Set the health check or target-group protocol to HTTPS (or point it "
                              "at the plain-HTTP port)." },
    [R_NOT_TLS] = { .id = "client.not_tls",
                    .layer = TD_LAYER_PROTO,
                    .severity = TD_SEV_FAIL,
                    .title = "Another protocol sent to the TLS port",
                    .fix = "Point that client at the port of its own protocol; scanners hit many "
                           "ports and can be ignored." },
    [R_PROXY] = { .id = "listen.client.proxy_header",
                  .layer = TD_LAYER_PROTO,
                  .severity = TD_SEV_FAIL,
                  .title = "A PROXY protocol header before what the client sent",
                  .fix = "Turn on PROXY protocol on the server (nginx: listen ... proxy_protocol; "
                         "HAProxy: accept-proxy) or turn it off on the load balancer: both sides "
                         "must agree." },
    [R_HELLO_BAD] = { .id = "listen.client.hello_malformed",
                      .layer = TD_LAYER_PROTO,
                      .severity = TD_SEV_FAIL,
                      .title = "The ClientHello is malformed or never completed",
                      .fix = "Capture the connection (tlsdoctor pcap) to see whether the client or "
                             "a middlebox truncates the hello." },
    [R_LEGACY] = { .id = "listen.client.legacy_only",
                   .layer = TD_LAYER_TLS,
                   .severity = TD_SEV_FAIL,
                   .title = "The client offers only TLS 1.0 / 1.1 (or older)",
                   .fix = "Upgrade or configure the client for TLS 1.2 (Java 7: "
                          "-Dhttps.protocols=TLSv1.2; old .NET: SchUseStrongCrypto); keep TLS 1.0 "
                          "on the server only as a stopgap." },
    [R_NO_SNI] = { .id = "listen.client.no_sni",
                   .layer = TD_LAYER_TLS,
                   .severity = TD_SEV_WARN,
                   .title = "No SNI: a server that requires SNI will refuse it",
                   .fix = "Make the client send SNI (HAProxy: check-sni / sni on the server line; "
                          "curl and browsers send it for names, not for IP addresses), or make the "
                          "default certificate cover its name." },
    [R_SPLIT] = { .id = "listen.client.hello_split",
                  .layer = TD_LAYER_TLS,
                  .severity = TD_SEV_WARN,
                  .title = "The ClientHello needs more than one TCP segment",
                  .fix = "Check the firewalls, IDS and load balancers on the path for ClientHello "
                         "reassembly (tlsdoctor matrix HOST shows tls.hello.large_intolerant); as "
                         "a test, disable the client's post-quantum key share." },
    [R_UNTRUSTED] = { .id = "listen.client.untrusted_issuer",
                      .layer = TD_LAYER_CERT,
                      .severity = TD_SEV_FAIL,
                      .title = "The client does not trust the certificate's issuer",
                      .fix = "Add the issuing root to the client's trust store, or serve a chain "
                             "that ends at a root it trusts (with every intermediate)." },
    [R_CERT_REJECTED] = { .id = "client.cert_rejected",
                          .layer = TD_LAYER_CERT,
                          .severity = TD_SEV_FAIL,
                          .title = "The client rejected the certificate",
                          .fix = "See why with the same client's verbose mode; serve the full "
                                 "chain with a name and dates it accepts." },
    [R_EXPIRED] = { .id = "cert.expired",
                    .layer = TD_LAYER_CERT,
                    .severity = TD_SEV_FAIL,
                    .title = "The client says the certificate has expired",
                    .fix = "Renew the certificate (or fix the client's clock if the certificate is "
                           "valid)." },
    [R_NO_VERSION] = { .id = "tls.version.no_common",
                       .layer = TD_LAYER_TLS,
                       .severity = TD_SEV_FAIL,
                       .title = "No TLS version in common",
                       .fix = "Enable a TLS version both sides support (TLS 1.2 at least) on the "
                              "side that lacks it." },
    [R_NO_CIPHER] = { .id = "tls.cipher.no_common",
                      .layer = TD_LAYER_TLS,
                      .severity = TD_SEV_FAIL,
                      .title = "No cipher suite in common",
                      .fix = "Enable a suite both sides support (an ECDHE-AES-GCM suite on TLS "
                             "1.2)." },
    [R_FAILED] = { .id = "tls.handshake.failed",
                   .layer = TD_LAYER_TLS,
                   .severity = TD_SEV_FAIL,
                   .title = "The handshake failed",
                   .fix = "Read the alert and OpenSSL's error; run the client in its verbose mode "
                          "against this listener." },
    [R_CLOSED] = { .id = "client.closed_in_handshake",
                   .layer = TD_LAYER_TLS,
                   .severity = TD_SEV_FAIL,
                   .title = "The client closed during the handshake without an alert",
                   .fix = "Run the client in its verbose mode: a silent close after the "
                          "certificate is usually a trust or name failure it does not report with "
                          "an alert." },
    [R_TIMEOUT] = { .id = "client.handshake_timeout",
                    .layer = TD_LAYER_TLS,
                    .severity = TD_SEV_FAIL,
                    .title = "The client stopped answering during the handshake",
                    .fix = "Look for a middlebox dropping the server's flight (MTU black hole) or "
                           "a client stuck on OCSP / CRL fetching." },
    [R_CHAIN_OK] = { .id = "listen.like.past_certificate",
                     .layer = TD_LAYER_CERT,
                     .severity = TD_SEV_OK,
                     .title = "The client went on past the real server's certificate chain",
                     .fix = "Nothing for the chain: the failure against the real server, if any, "
                            "is after the certificate (its signature, or a name check the client "
                            "makes later)." },
    [R_NO_REQUEST] = { .id = "listen.client.no_request",
                       .layer = TD_LAYER_HTTP,
                       .severity = TD_SEV_OK,
                       .title = "Handshake completed, but no request followed",
                       .fix = "Nothing: clients such as openssl s_client, gnutls-cli without "
                              "input, or a TLS health check stop after the handshake." },
    [R_SNI_REFUSED] = { .id = "tls.sni.unrecognized_name",
                        .layer = TD_LAYER_TLS,
                        .severity = TD_SEV_FAIL,
                        .title = "Refused without SNI, as the copied server refuses it",
                        .fix = "Make the client send SNI, or give the server a default "
                               "certificate for clients without it." },
};

static void add(td_listen_client_t *c, int rule, const char *fmt, ...) TD_PRINTF(3, 4);

static void add(td_listen_client_t *c, int rule, const char *fmt, ...)
{
    if (c->n_findings >= TD_LISTEN_MAX_FINDINGS) {
        return;
    }
    va_list ap;
    int i = c->n_findings++;
    c->f[i].id = rules[rule].id;
    c->f[i].title = rules[rule].title;
    c->f[i].severity = rules[rule].severity;
    c->f[i].layer = rules[rule].layer;
    c->f[i].fix = rules[rule].fix;
    va_start(ap, fmt);
    (void)vsnprintf(c->f[i].evidence, sizeof(c->f[i].evidence), fmt, ap);
    va_end(ap);
}

static void react(td_listen_client_t *c, const char *reaction, const char *fmt, ...)
        TD_PRINTF(3, 4);

static void react(td_listen_client_t *c, const char *reaction, const char *fmt, ...)
{
    va_list ap;
    c->reaction = reaction;
    va_start(ap, fmt);
    (void)vsnprintf(c->reaction_text, sizeof(c->reaction_text), fmt, ap);
    va_end(ap);
}

/* The highest version the hello offers: supported_versions (RFC 8446 §4.2.1), else
 * legacy_version. GREASE values are not versions. */
static uint16_t max_offered(const td_client_flight_t *h)
{
    uint16_t best = 0;
    for (int i = 0; i < h->n_versions; i++) {
        if (!td_is_grease(h->versions[i]) && h->versions[i] > best && h->versions[i] <= 0x0304) {
            best = h->versions[i];
        }
    }
    return best != 0 ? best : h->legacy_version;
}

static void offered_versions(const td_client_flight_t *h, char *out, size_t cap)
{
    out[0] = '\0';
    for (int i = 0; i < h->n_versions; i++) {
        if (!td_is_grease(h->versions[i])) {
            td_fmt_append(out, cap, "%s%s", out[0] ? ", " : "", td_version_name(h->versions[i]));
        }
    }
    if (out[0] == '\0') {
        td_fmt(out, cap, "up to %s (no supported_versions)", td_version_name(h->legacy_version));
    }
}

static void judge_hello(td_listen_client_t *c)
{
    const td_client_flight_t *h = &c->first.hello;
    char vers[160];
    offered_versions(h, vers, sizeof(vers));
    if (max_offered(h) < 0x0303) {
        add(c, R_LEGACY,
            "offered %s: servers with the current defaults (TLS 1.2 minimum: OpenSSL 3, nginx, "
            "Cloudflare, AWS ELBSecurityPolicy-TLS13-1-2-2021-06) refuse it",
            vers);
    }
    if (!h->has_sni) {
        add(c, R_NO_SNI,
            "no server_name extension: a server with several certificates sends its default "
            "one, and one that requires SNI (HAProxy strict-sni, nginx ssl_reject_handshake) "
            "refuses it");
    }
    size_t one_segment = 1448; /* MSS 1460 less the 12-byte timestamp option (Ethernet) */
    /* A PROXY header's segment counts in hello_segments: then only the size can tell. */
    if (c->hello_segments > 1 && c->first.proxy.version == 0) {
        add(c, R_SPLIT,
            "the hello (%zu bytes in %d record%s) arrived in %d TCP segments (MSS %d): a "
            "middlebox that reads only the first segment cannot see the SNI or drops it",
            c->hello_bytes, h->records, h->records == 1 ? "" : "s", c->hello_segments, c->mss);
    } else if (c->hello_bytes > one_segment) {
        add(c, R_SPLIT,
            "the hello is %zu bytes in %d record%s: more than one %zu-byte segment on an "
            "Ethernet path (here one segment of MSS %d carried it); middleboxes that cannot "
            "reassemble it drop it",
            c->hello_bytes, h->records, h->records == 1 ? "" : "s", one_segment, c->mss);
    }
}

static void judge_alert(td_listen_client_t *c, int alert, const char *when)
{
    const char *name = td_alert_name(alert);
    react(c, "alert", "sent alert %d (%s) %s", alert, name, when);
    switch (alert) {
    case 48: /* unknown_ca */
        add(c, R_UNTRUSTED,
            "alert 48 (unknown_ca) %s: the issuer of the certificate is not in the client's "
            "trust store (a private CA, a missing intermediate, or the root not installed)",
            when);
        break;
    case 42: /* bad_certificate */
    case 43: /* unsupported_certificate */
    case 44: /* certificate_revoked */
    case 46: /* certificate_unknown */
        add(c, R_CERT_REJECTED, "alert %d (%s) %s: the client refused the certificate", alert, name,
            when);
        break;
    case 45: /* certificate_expired */
        add(c, R_EXPIRED, "alert 45 (certificate_expired) %s", when);
        break;
    case 70: /* protocol_version */
        add(c, R_NO_VERSION, "alert 70 (protocol_version) %s: the client refused our version",
            when);
        break;
    default:
        add(c, R_FAILED, "alert %d (%s) %s", alert, name, when);
        break;
    }
}

static void judge_handshake(td_listen_client_t *c)
{
    const char *when = c->cert_sent ? "after our certificate" : "before our certificate";
    if (c->handshake_ok) {
        if (c->request_seen) {
            react(c, "request", "%s %s, then sent: %s", c->version, c->cipher, c->request);
        } else {
            react(c, "no_request", "%s %s, then %s without a request", c->version, c->cipher,
                  c->request_end == TD_END_TIMEOUT ? "stayed silent until the deadline" : "closed");
            add(c, R_NO_REQUEST, "handshake %s %s completed; %s", c->version, c->cipher,
                c->request[0] ? c->request : "no bytes of a request");
        }
        return;
    }
    if (c->alert_received >= 0) {
        judge_alert(c, c->alert_received, when);
        return;
    }
    if (c->late_alert >= 0) {
        judge_alert(c, c->late_alert, when);
        return;
    }
    if (c->like && c->cert_sent) {
        if (c->late_encrypted > 0) {
            react(c, "alert", "sent one encrypted record (%zu bytes) after our certificate",
                  c->late_first_len);
            add(c, R_CERT_REJECTED,
                "right after the real chain it sent an encrypted record of %zu bytes (a TLS 1.3 "
                "alert; which one is encrypted) and closed: it refused the chain",
                c->late_first_len);
        } else {
            react(c, "past_certificate",
                  "went on past the real certificate chain without refusing it; the handshake "
                  "stopped at the server's signature (tlsdoctor does not hold that key)");
            add(c, R_CHAIN_OK,
                "no alert after the real chain: the client accepted its trust and dates, or "
                "checks them only later (GnuTLS with TLS 1.3 checks after the signature; curl "
                "checks the name after the handshake), which this copy cannot reach (%s)",
                c->tls_error[0] ? c->tls_error : "no signature");
        }
        return;
    }
    if (c->alert_sent >= 0 && !c->cert_sent) {
        char vers[160];
        offered_versions(&c->first.hello, vers, sizeof(vers));
        react(c, "refused", "we refused its hello: alert %d (%s)", c->alert_sent,
              td_alert_name(c->alert_sent));
        if (c->alert_sent == 112) {
            add(c, R_SNI_REFUSED,
                "no server_name in its hello; the server copied with --like refuses such hellos, "
                "so this client fails against it with alert 112 (unrecognized_name)");
        } else if (c->alert_sent == 70) {
            add(c, R_NO_VERSION, "it offered %s; this server %s", vers,
                c->like ? "(a copy of the --like server) accepts none of them" : "refused them");
        } else if (c->ossl_reason == SSL_R_NO_SHARED_CIPHER) {
            add(c, R_NO_CIPHER, "none of its %d suites is accepted here (%s)",
                c->first.hello.n_ciphers, c->tls_error);
        } else {
            add(c, R_FAILED, "we sent alert %d (%s): %s", c->alert_sent,
                td_alert_name(c->alert_sent), c->tls_error);
        }
        return;
    }
    switch (c->hs_end) {
    case TD_END_EOF:
    case TD_END_RESET:
        react(c, "closed", "%s %s without an alert", c->hs_end == TD_END_EOF ? "closed" : "reset",
              when);
        add(c, R_CLOSED, "%s %s, no alert: %s", c->hs_end == TD_END_EOF ? "closed" : "reset", when,
            c->cert_sent ? "clients that distrust a certificate silently (some Java and Go "
                           "programs, browsers showing an interstitial) do this"
                         : "it gave up before seeing our certificate");
        break;
    case TD_END_TIMEOUT:
        react(c, "timeout", "stayed silent %s until the deadline", when);
        add(c, R_TIMEOUT, "no answer %s before the deadline", when);
        break;
    default:
        react(c, "failed", "the handshake failed: %s", c->tls_error[0] ? c->tls_error : "?");
        add(c, R_FAILED, "%s", c->tls_error[0] ? c->tls_error : "the handshake failed");
        break;
    }
}

void td__listen_judge(td_listen_client_t *c)
{
    const td_client_first_t *f = &c->first;
    c->n_findings = 0;
    if (f->proxy.version > 0) {
        add(c, R_PROXY,
            "a PROXY protocol v%d header%s (%s %s:%u -> %s:%u) before %s: a load balancer with "
            "proxy protocol on in front of a server that does not expect it (or the reverse)",
            f->proxy.version, f->proxy.malformed ? ", malformed," : "", f->proxy.family,
            f->proxy.src, f->proxy.sport, f->proxy.dst, f->proxy.dport,
            f->kind == TD_FIRST_TLS ? "the ClientHello" : "the rest");
    }
    switch (f->kind) {
    case TD_FIRST_NONE:
        if (c->first_end == TD_END_TIMEOUT) {
            react(c, "silent", "sent nothing before the deadline");
            add(c, R_SILENT,
                "connected and sent nothing for %.1f s: a client of a server-speaks-first "
                "protocol (SMTP, FTP, IMAP, POP3) or of STARTTLS, pointed at a TLS port",
                c->ms / 1000.0);
        } else {
            react(c, "no_data", "%s without sending a byte",
                  c->first_end == TD_END_RESET ? "reset" : "closed");
            add(c, R_TCP_ONLY,
                "connected and %s after %.0f ms with no data: a TCP health check or a port scan",
                c->first_end == TD_END_RESET ? "reset" : "closed", c->ms);
        }
        return;
    case TD_FIRST_HTTP:
    case TD_FIRST_H2C:
        react(c, "plain_http", "sent plain HTTP: %s", f->request_line);
        add(c, R_PLAIN_HTTP,
            "request line \"%s\": a health check or client configured with http:// for this "
            "https:// port",
            f->request_line);
        return;
    case TD_FIRST_OTHER:
    case TD_FIRST_UNKNOWN:
        react(c, "other_protocol", "sent %s: \"%s\"", f->proto, f->printable);
        add(c, R_NOT_TLS, "first bytes \"%s\" (%s), not a TLS record", f->printable, f->proto);
        return;
    case TD_FIRST_SSLV2:
    case TD_FIRST_TLS:
    default:
        break;
    }
    if (!f->hello.has_hello) {
        react(c, "hello_incomplete", "%s",
              f->hello.decode_error ? "sent a malformed ClientHello" : "never finished its hello");
        add(c, R_HELLO_BAD, "%s after %zu bytes%s%s",
            f->hello.decode_error ? "malformed" : "incomplete", c->bytes_in,
            f->hello.error_field ? " at " : "", f->hello.error_field ? f->hello.error_field : "");
        return;
    }
    judge_hello(c);
    if (f->kind == TD_FIRST_SSLV2) {
        react(c, "refused", "sent an SSLv2-compatible hello");
        add(c, R_NOT_TLS, "an SSLv2-compatible CLIENT-HELLO (RFC 5246 §E.2), refused here");
        return;
    }
    judge_handshake(c);
}
