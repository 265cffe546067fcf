/* causes.c: the failure-cause catalogue used by `logs` (and meant for `explain`).
 * Wording is the project's own, from ../shared/failure-kb.md and ../shared/log-formats.md;
 * source keys in brackets. Never does I/O. */
#include "causes.h"

#include <openssl/sslerr.h>
#include <string.h>

static const td_cause_t causes[] = {
    /* [NGX-SRC 497][OSSL 0x9C][log-formats §1, §2 AH01996, §4 "not SSL (40)"] */
    { "client.plain_http_to_tls_port", "A client sent plain HTTP to the TLS port.",
      "a health checker, load balancer target group or client configured with http:// "
      "for an https:// port",
      "tlsdoctor HOST:PORT  (and check the health-check / target-group protocol)" },
    { "client.tls_to_plain_port", "A client sent a TLS ClientHello to a plain-HTTP port.",
      "a client or proxy configured with https:// for an http:// port",
      "tlsdoctor HOST:PORT  (expect proto.plain_http when the port is plain HTTP)" },
    { "client.not_tls", "A client sent bytes that are not TLS to the TLS port.",
      "a port scanner, another protocol, or a proxy speaking plain TCP",
      "look at the client addresses: scanners hit many ports" },
    /* [failure-kb §3 alert 40, §4.1 0xC1][CROWDSEC-1262] */
    { "tls.cipher.no_common",
      "The client and the server had no cipher suite (or signature "
      "algorithm) in common.",
      "old clients against a modern cipher list, or a server restricted too far",
      "tlsdoctor HOST:PORT (the proto and tls layers show what the server accepts)" },
    { "tls.version.no_common",
      "The client offered only TLS versions the server does not "
      "accept (or the reverse).",
      "legacy clients (TLS 1.0/1.1) after the server dropped them, or a TLS 1.3-only server",
      "tlsdoctor HOST:PORT" },
    { "tls.group.no_common", "The client's key share or groups were not acceptable.",
      "a post-quantum or exotic key share the server refuses, or a middlebox",
      "tlsdoctor HOST:PORT" },
    { "client.inappropriate_fallback",
      "A client retried at a lower TLS version with TLS_FALLBACK_SCSV and was refused "
      "(RFC 7507).",
      "a client whose first attempt failed (network trouble or a middlebox), or an attack",
      "check the same client's earlier lines" },
    /* [failure-kb §3 alert 112][NGX-SRC ssl_reject_handshake] */
    { "tls.sni.unrecognized_name", "The SNI name is not served here (handshake rejected).",
      "clients using a name that has no server block, or no SNI at all",
      "tlsdoctor NAME --connect-to HOST:PORT" },
    /* [HTTPD-KERNEL AH02032][failure-kb §6 "421"] */
    { "client.sni_host_mismatch",
      "A request's Host header named a virtual host with a different TLS setup than the "
      "SNI name (Apache AH02032, 421 Misdirected Request).",
      "HTTP/2 connection reuse across names sharing a certificate, or clients without SNI "
      "landing on the default vhost (Apache 2.4.64+)",
      "tlsdoctor NAME --connect-to HOST:PORT for each name; align the vhosts' SSL settings" },
    /* [MITM-46][failure-kb §7.5] */
    { "client.cert_rejected",
      "Clients rejected the server's certificate (alert 42/46/48 "
      "received by the server).",
      "clients that do not trust the chain: a missing intermediate, a private CA, an "
      "expired certificate or a TLS-intercepting proxy on the client side",
      "tlsdoctor HOST:PORT  (the cert layer shows what clients see)" },
    { "tls.client_cert.required", "A client did not present the required client certificate.",
      "mutual TLS configured while some clients have no certificate",
      "tlsdoctor HOST:PORT  (expect tls.client_cert.required)" },
    { "client.cert_invalid", "A client certificate failed verification.",
      "an expired client certificate or one from a CA the server does not trust",
      "openssl verify -CAfile CLIENT_CA.pem client.pem" },
    /* [NGX-SRC peer closed][HAP-CONN][log-formats §2 AH02006] */
    { "client.closed_in_handshake",
      "The client closed or reset the connection during the "
      "handshake without an alert.",
      "clients that distrust the certificate silently, port scanners, health checks "
      "that only open TCP, or a middlebox dropping the handshake",
      "tlsdoctor HOST:PORT" },
    { "client.handshake_timeout", "A client started a handshake and stopped answering.",
      "slow or vanished clients, scanners, or an MTU black hole on the client's path",
      "tlsdoctor HOST:PORT from the client's network" },
    /* [CF525]..[CF524] */
    { "tls.handshake.failed", "The TLS handshake failed.",
      "see the raw reason; run an active diagnosis", "tlsdoctor HOST:PORT" },
    { "cert.chain.verify_failed", "The peer certificate failed verification.",
      "an upstream or origin certificate that is expired, self-signed or for another name",
      "tlsdoctor HOST:PORT" },
    { "tcp.connect.refused", "The origin refused the connection (Cloudflare 521).",
      "the origin web server is down or blocks the CDN's addresses",
      "tlsdoctor HOST --connect-to ORIGIN_IP" },
    { "tcp.connect.timeout", "The origin did not answer in time (Cloudflare 522).",
      "a firewall dropping the CDN's addresses, or an overloaded origin",
      "tlsdoctor HOST --connect-to ORIGIN_IP" },
    { "tcp.connect.unreachable", "The origin is unreachable (Cloudflare 523).",
      "a wrong origin address in DNS or a routing problem",
      "tlsdoctor HOST --connect-to ORIGIN_IP" },
    { "http.response.empty",
      "The origin returned an empty or invalid response (Cloudflare "
      "520).",
      "an origin crash or a response the CDN cannot parse",
      "tlsdoctor HOST --connect-to ORIGIN_IP" },
    { "http.response.timeout",
      "The origin took too long to answer (Cloudflare 524, ALB "
      "504).",
      "a slow application behind the TLS terminator",
      "tlsdoctor HOST --connect-to ORIGIN_IP (the http layer shows time to first byte)" },
    { "upstream.target_failed",
      "The load balancer could not get a response from its target "
      "(502/503).",
      "targets down, TLS to the target failing, or no registered targets",
      "tlsdoctor TARGET_IP:PORT" },
    { "http.response.non_http",
      "The upstream's reply was not valid HTTP (Envoy UPE: an upstream protocol error).",
      "a head the proxy refuses (too large, malformed) or a non-HTTP service on that port",
      "tlsdoctor UPSTREAM:PORT (the http layer shows the response head)" },
    /* A proxy's own TLS connection to its upstream [NGX-SRC upstream SSL certificate ...] */
    { "upstream.cert.expired", "The upstream's certificate is expired (seen by the proxy).",
      "a backend certificate that was not renewed, or an internal CA's expired intermediate",
      "tlsdoctor HOST:PORT  (HOST:PORT of the upstream)" },
    { "upstream.cert.untrusted",
      "The proxy does not trust the upstream's certificate issuer (self-signed, private CA, "
      "missing intermediate).",
      "proxy_ssl_trusted_certificate / the proxy's CA file lacks the upstream's CA, or the "
      "upstream sends its leaf without the intermediate",
      "tlsdoctor HOST:PORT  (HOST:PORT of the upstream)" },
    { "upstream.cert.hostname_mismatch",
      "The upstream's certificate does not cover the name the proxy checks (or the IP it "
      "connects to).",
      "proxy_ssl_name / SNI not set to the upstream's name, or an IP-only upstream without IP "
      "SANs",
      "tlsdoctor NAME --connect-to HOST:PORT" },
    { "upstream.cert.verify_failed", "The upstream's certificate failed the proxy's verification.",
      "see the verify reason: expired, untrusted issuer or name", "tlsdoctor HOST:PORT" },
    { "upstream.handshake_failed", "The proxy's TLS handshake with its upstream failed.",
      "no version or cipher in common with the backend, SNI not sent (proxy_ssl_server_name "
      "off), or the backend requiring a client certificate",
      "tlsdoctor HOST:PORT  (HOST:PORT of the upstream)" },
    { "upstream.closed_in_handshake",
      "The upstream closed the connection during the proxy's handshake.",
      "a backend that rejects the proxy's hello silently (no SNI, old protocol) or is not TLS",
      "tlsdoctor HOST:PORT  (HOST:PORT of the upstream)" },
    { "upstream.plain_http", "The proxy spoke TLS to an upstream that answers in plain text.",
      "proxy_pass https:// (or a TLS backend setting) for a backend port that speaks plain HTTP",
      "curl -sv http://HOST:PORT/ -o /dev/null" },
    { "tls.alpn.no_common", "No ALPN protocol in common (alert 120).",
      "an h2-only listener and an http/1.1-only client (or the reverse), or a gRPC client on "
      "a non-h2 port",
      "tlsdoctor HOST:PORT" },
    { "client.closed_request",
      "The client closed the connection before the load balancer "
      "answered (ALB 460).",
      "client time-outs shorter than the application's response time",
      "compare the target processing times in the same lines" },
};

const td_cause_t *td_cause_get(const char *id)
{
    for (size_t i = 0; i < TD_ARRAY_LEN(causes); i++) {
        if (strcmp(causes[i].id, id) == 0) {
            return &causes[i];
        }
    }
    return td_cause_get("tls.handshake.failed");
}

const char *td_cause_of_alert(int alert)
{
    switch (alert) {
    case 40:
    case 71:
        return "tls.cipher.no_common";
    case 70:
        return "tls.version.no_common";
    case 42:
    case 43:
    case 44:
    case 45:
    case 46:
    case 48:
    case 49:
        return "client.cert_rejected";
    case 86:
        return "client.inappropriate_fallback";
    case 112:
        return "tls.sni.unrecognized_name";
    case 116:
        return "tls.client_cert.required";
    case 120:
        return "tls.alpn.no_common";
    default:
        return alert >= 0 ? "tls.handshake.failed" : NULL;
    }
}

/* OpenSSL reason numbers from <openssl/sslerr.h> [OSSL-TXT]. */
const char *td_cause_of_ossl_reason(int reason)
{
    if (reason >= 1000 && reason < 1256) {
        return td_cause_of_alert(reason - 1000); /* SSL_AD_REASON_OFFSET [OSSL-AD] */
    }
    switch (reason) {
    case SSL_R_HTTP_REQUEST:
        return "client.plain_http_to_tls_port";
    case SSL_R_HTTPS_PROXY_REQUEST:
    case SSL_R_WRONG_VERSION_NUMBER:
    case SSL_R_UNKNOWN_PROTOCOL:
    case SSL_R_PACKET_LENGTH_TOO_LONG:
    case SSL_R_RECORD_LENGTH_MISMATCH:
        return "client.not_tls";
    case SSL_R_NO_SHARED_CIPHER:
    case SSL_R_NO_SHARED_SIGNATURE_ALGORITHMS:
    case SSL_R_NO_SUITABLE_SIGNATURE_ALGORITHM:
    case SSL_R_LEGACY_SIGALG_DISALLOWED_OR_UNSUPPORTED:
        return "tls.cipher.no_common";
    case SSL_R_UNSUPPORTED_PROTOCOL:
    case SSL_R_VERSION_TOO_LOW:
    case SSL_R_NO_PROTOCOLS_AVAILABLE:
        return "tls.version.no_common";
    case SSL_R_BAD_KEY_SHARE:
    case SSL_R_NO_SUITABLE_KEY_SHARE:
        return "tls.group.no_common";
    case SSL_R_INAPPROPRIATE_FALLBACK:
        return "client.inappropriate_fallback";
    case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
        return "tls.client_cert.required";
    case SSL_R_CERTIFICATE_VERIFY_FAILED:
        return "cert.chain.verify_failed";
    case SSL_R_UNEXPECTED_EOF_WHILE_READING:
        return "client.closed_in_handshake";
    default:
        return NULL;
    }
}

int td_ossl_reason_at(const char *e, size_t left)
{
    unsigned long v = 0;
    if (left < 14) {
        return -1;
    }
    for (int i = 6; i < 14; i++) {
        char c = e[i];
        int d = (c >= '0' && c <= '9')   ? c - '0'
                : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                                         : -1;
        if (d < 0) {
            return -1;
        }
        v = v << 4 | (unsigned long)d;
    }
    /* OpenSSL 3: library in bits 23..30 (ERR_LIB_SSL = 20 -> 0x0A000000), reason in the low
     * 23 bits. OpenSSL 1.1.1: library in the top byte (0x14), reason in the low 12 bits. */
    if ((v >> 23) == 20) {
        return (int)(v & 0x7FFFFFul);
    }
    if ((v >> 24) == 20) {
        return (int)(v & 0xFFFul);
    }
    /* BoringSSL (Envoy, Chrome, Apple's logs): ERR_LIB_SSL is 16 in the top byte; its reasons
     * from 1000 up are received alerts as in OpenSSL, the lower ones are numbered otherwise. */
    if ((v >> 24) == 16 && (v & 0xFFFul) >= 1000) {
        return (int)(v & 0xFFFul);
    }
    return -1;
}

struct text_cause {
    const char *needle; /* lower case */
    const char *id;
};

/* Message texts of nginx, Apache, HAProxy and F5 [log-formats §1-§4]; checked in order. */
static const struct text_cause texts[] = {
    { "plain http request to https port", "client.plain_http_to_tls_port" },
    { "http spoken on https port", "client.plain_http_to_tls_port" },
    { "speaking http to https port", "client.plain_http_to_tls_port" },
    { "http request", "client.plain_http_to_tls_port" },
    { "not ssl (", "client.not_tls" },
    { "speaking not ssl", "client.not_tls" },
    { "wrong version number", "client.not_tls" },
    { "unknown protocol", "client.not_tls" },
    { "no shared cipher", "tls.cipher.no_common" },
    { "no shared signature", "tls.cipher.no_common" },
    { "unsupported protocol", "tls.version.no_common" },
    { "unsupported version", "tls.version.no_common" },
    { "version too low", "tls.version.no_common" },
    { "protocol version", "tls.version.no_common" },
    { "bad key share", "tls.group.no_common" },
    { "fallback", "client.inappropriate_fallback" },
    { "handshake rejected", "tls.sni.unrecognized_name" },
    { "unrecognized name", "tls.sni.unrecognized_name" },
    { "bad certificate", "client.cert_rejected" },
    { "certificate unknown", "client.cert_rejected" },
    { "unknown ca", "client.cert_rejected" },
    { "no required ssl certificate", "tls.client_cert.required" },
    { "did not return a certificate", "tls.client_cert.required" },
    { "client ssl certificate verify error", "client.cert_invalid" },
    { "ssl client certificate not trusted", "client.cert_invalid" },
    { "ssl client ca chain cannot be verified", "client.cert_invalid" },
    { "client authentication failed", "client.cert_invalid" },
    { "certificate verify failed", "cert.chain.verify_failed" },
    { "timed out", "client.handshake_timeout" },
    { "timeout during ssl handshake", "client.handshake_timeout" },
    { "peer closed connection", "client.closed_in_handshake" },
    { "client closed connection", "client.closed_in_handshake" },
    { "connection closed during ssl handshake", "client.closed_in_handshake" },
    { "connection error during ssl handshake", "client.closed_in_handshake" },
    { "handshake stopped", "client.closed_in_handshake" },
    { "unexpected eof", "client.closed_in_handshake" },
    { "no application protocol", "tls.alpn.no_common" },
    { "access denied", "client.cert_rejected" },
    { "unknown certificate", "client.cert_rejected" },
    { "expired certificate", "client.cert_rejected" },
    { "first record does not look like a tls handshake", "client.not_tls" },
    { "unsupported sslv2 handshake", "client.not_tls" },
    { "packet length too long", "client.not_tls" },
    { "length too short", "client.not_tls" },
    { "encrypted length too long", "client.not_tls" },
    { "client offered only unsupported versions", "tls.version.no_common" },
    { "no cipher suite supported by both", "tls.cipher.no_common" },
    { "no suitable signature algorithm", "tls.cipher.no_common" },
    { "no certificate available for", "tls.sni.unrecognized_name" },
    { "missing server name", "tls.sni.unrecognized_name" },
    { "client didn't provide a certificate", "tls.client_cert.required" },
    { "failed to verify certificate", "client.cert_invalid" },
    { "reset by peer", "client.closed_in_handshake" },
    { "lost connection", "client.closed_in_handshake" },
    { "handshake failure", "tls.cipher.no_common" },
};

const char *td_cause_of_text(const char *p, size_t len)
{
    /* Lower-case once (bounded: reasons are short), then one search per needle. */
    char low[512];
    size_t n = len < sizeof(low) ? len : sizeof(low);
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        low[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    for (size_t i = 0; i < TD_ARRAY_LEN(texts); i++) {
        if (td_memfind(low, n, texts[i].needle, strlen(texts[i].needle)) != NULL) {
            return texts[i].id;
        }
    }
    return NULL;
}
