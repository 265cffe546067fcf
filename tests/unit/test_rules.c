/* Unit tests for src/diagnose/: every rule on synthetic observations, and root-cause ranking.
 * A new rule = one row in rules.c + one case here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

/* cmocka.h needs the three headers above first. */
#include <cmocka.h>

#include <string.h>

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <stdlib.h>

#include "diagnose/diagnose.h"
#include "kb/clients.h"
#include "report/report.h"

static td_report_t *r;

static int setup(void **state)
{
    (void)state;
    r = calloc(1, sizeof(*r));
    return r == NULL;
}

static int teardown(void **state)
{
    (void)state;
    free(r);
    return 0;
}

/* A healthy observation set, each test breaks one thing. */
static void healthy(td_obs_t *o)
{
    memset(o, 0, sizeof(*o));
    strcpy(o->host, "a.test");
    strcpy(o->sni, "a.test");
    strcpy(o->path, "/");
    o->port = 443;
    o->now = 1800000000;
    o->dns.step = TD_STEP_DONE;
    o->dns.ok = 1;
    o->dns.n_addrs = 1;
    strcpy(o->dns.addrs[0], "192.0.2.1");
    o->tcp.step = TD_STEP_DONE;
    o->tcp.n = 1;
    o->tcp.chosen = 0;
    strcpy(o->tcp.a[0].addr, "192.0.2.1");
    o->sniff.step = TD_STEP_DONE;
    o->sniff.connected = 1;
    o->sniff.received = 100;
    o->sniff.sniff.cls = TD_SNIFF_TLS;
    o->sniff.flight.has_server_hello = 1;
    o->sniff.flight.version = TD_V_TLS12;
    o->tls.step = TD_STEP_DONE;
    o->tls.ok = 1;
    o->tls.alert_received = -1;
    o->tls.alert_sent = -1;
    o->tls.leaf_matches_host = 1;
    strcpy(o->tls.version, "TLSv1.3");
    o->legacy.alert_received = -1;
    o->nosni.alert_received = -1;
    o->cert.step = TD_STEP_DONE;
    o->cert.n = 2;
    o->cert.name_match = 1;
    o->cert.warn_days = 21;
    o->cert.now = o->now;
    for (int i = 0; i < 2; i++) {
        o->cert.c[i].not_before = o->now - 86400;
        o->cert.c[i].not_after = o->now + 90 * 86400;
        strcpy(o->cert.c[i].key_type, "EC");
        o->cert.c[i].key_bits = 256;
    }
    o->cert.c[1].is_ca = 1;
    o->cert.c[0].n_sans = 1;
    strcpy(o->cert.c[0].sans, "DNS:good.example");
    o->cert.c[0].issued_by = 2;
    o->http.step = TD_STEP_DONE;
    o->http.result = TD_HTTP_OK;
    o->http.head.status = 200;
    o->http.alert = -1;
    strcpy(o->http.head.hsts, "max-age=63072000; includeSubDomains; preload");
}

static const char *root_id(void)
{
    td__diagnose(r);
    return r->has_root ? r->f[0].pub.id : "none";
}

static bool has(const char *id)
{
    for (size_t i = 0; i < r->n; i++) {
        if (strcmp(r->f[i].pub.id, id) == 0) {
            return true;
        }
    }
    return false;
}

static void healthy_has_no_finding(void **state)
{
    (void)state;
    healthy(&r->obs);
    assert_string_equal(root_id(), "none");
    assert_int_equal(r->n, 0);
}

static void layers(void **state)
{
    (void)state;
    td_obs_t *o = &r->obs;
    healthy(o);
    o->dns.ok = 0;
    o->dns.nxdomain = 1;
    assert_string_equal(root_id(), "dns.resolve.nxdomain");
    assert_int_equal(r->n, 1);
    o->dns.nxdomain = 0;
    assert_string_equal(root_id(), "dns.resolve.failed");
    healthy(o);
    o->dns.ok = 0;
    o->dns.timed_out = 1;
    assert_string_equal(root_id(), "dns.resolve.timeout");
    healthy(o);
    o->tcp.chosen = -1;
    o->tcp.a[0].result = TD_TCP_REFUSED;
    assert_string_equal(root_id(), "tcp.connect.refused");
    o->tcp.a[0].result = TD_TCP_TIMEOUT;
    assert_string_equal(root_id(), "tcp.connect.timeout");
    o->tcp.a[0].result = TD_TCP_UNREACHABLE;
    assert_string_equal(root_id(), "tcp.connect.unreachable");
    o->tcp.a[0].result = TD_TCP_ERROR;
    assert_string_equal(root_id(), "tcp.connect.failed");
    healthy(o);
    o->tcp.n = 2;
    o->tcp.a[1].result = TD_TCP_REFUSED;
    assert_string_equal(root_id(), "tcp.connect.partial");
    assert_int_equal(r->f[0].pub.severity, TD_SEV_WARN);
}

static void dns_path(void **state)
{
    (void)state;
    td_obs_t *o = &r->obs;
    healthy(o);
    strcpy(o->dns.expect_addrs[0], "192.0.2.1");
    o->dns.n_expect = 1;
    assert_string_equal(root_id(), "none");
    strcpy(o->dns.expect_addrs[0], "198.51.100.9");
    assert_string_equal(root_id(), "dns.record.unexpected_addr");
    assert_non_null(strstr(r->f[0].pub.evidence, "192.0.2.1 not in the expected set"));
    healthy(o);
    strcpy(o->dns.expect_cname, "my-alb-123.elb.amazonaws.com");
    strcpy(o->dns.cnames[0], "my-alb-123.elb.amazonaws.com");
    o->dns.n_cnames = 1;
    assert_string_equal(root_id(), "none");
    strcpy(o->dns.cnames[0], "i-0abc.compute.internal");
    assert_string_equal(root_id(), "dns.record.unexpected_cname");
    /* Two backends: the second with another certificate. */
    healthy(o);
    strcpy(o->tls.leaf_sha256, "aaaa");
    o->n_peers = 1;
    o->peers[0].ok = 1;
    strcpy(o->peers[0].version, "TLSv1.3");
    strcpy(o->peers[0].leaf_sha256, "aaaa");
    assert_string_equal(root_id(), "none");
    strcpy(o->peers[0].leaf_sha256, "bbbb");
    assert_string_equal(root_id(), "tls.backends.differ");
    o->peers[0].ok = 0;
    o->peers[0].alert = 40;
    assert_string_equal(root_id(), "tls.backends.differ");
    assert_non_null(strstr(r->f[0].pub.evidence, "handshake_failure"));
}

static void proto(void **state)
{
    (void)state;
    td_obs_t *o = &r->obs;
    struct {
        td_sniff_class_t cls;
        size_t received;
        td_read_end_t end;
        const char *want;
    } cases[] = {
        { TD_SNIFF_HTTP, 100, TD_END_EOF, "proto.plain_http" },
        { TD_SNIFF_HTML, 100, TD_END_EOF, "proto.plain_http" },
        { TD_SNIFF_BANNER, 30, TD_END_TIMEOUT, "proto.banner" },
        { TD_SNIFF_SSLV2, 30, TD_END_EOF, "proto.sslv2" },
        { TD_SNIFF_EMPTY, 0, TD_END_TIMEOUT, "proto.silent" },
        { TD_SNIFF_EMPTY, 0, TD_END_RESET, "proto.reset" },
        { TD_SNIFF_EMPTY, 0, TD_END_EOF, "proto.closed" },
        { TD_SNIFF_UNKNOWN, 9, TD_END_EOF, "proto.unknown" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        healthy(o);
        o->sniff.sniff.cls = cases[i].cls;
        o->sniff.received = cases[i].received;
        o->sniff.end = cases[i].end;
        o->sniff.sniff.proto = "x";
        o->tls.step = TD_STEP_NOT_RUN;
        o->cert.step = TD_STEP_NOT_RUN;
        o->http.step = TD_STEP_NOT_RUN;
        assert_string_equal(root_id(), cases[i].want);
    }
    healthy(o);
    o->sniff.flight.has_server_hello = 0;
    o->sniff.flight.need_more = 1;
    o->sniff.end = TD_END_TIMEOUT;
    o->tls.step = TD_STEP_NOT_RUN;
    assert_string_equal(root_id(), "proto.tls_stalled");
    /* Silent with the default MSS, the flight arrives with MSS 536: an MTU black hole. */
    healthy(o);
    o->sniff.received = 0;
    o->sniff.sniff.cls = TD_SNIFF_EMPTY;
    o->sniff.end = TD_END_TIMEOUT;
    o->sniff.flight.has_server_hello = 0;
    o->tls.step = TD_STEP_NOT_RUN;
    o->cert.step = TD_STEP_NOT_RUN;
    o->http.step = TD_STEP_NOT_RUN;
    assert_string_equal(root_id(), "proto.silent");
    o->small_mss.step = TD_STEP_DONE;
    o->small_mss.connected = 1;
    o->small_mss.received = 2076;
    o->small_mss.flight.has_server_hello = 1;
    assert_string_equal(root_id(), "proto.mtu_blackhole");
    assert_false(has("proto.silent"));
    healthy(o);
    o->sniff.flight.decode_error = 1;
    o->sniff.flight.error_field = "record.length";
    assert_string_equal(root_id(), "proto.tls_malformed");
}

static void tls_rules(void **state)
{
    (void)state;
    td_obs_t *o = &r->obs;
    healthy(o);
    o->tls.ok = 0;
    o->legacy.step = TD_STEP_DONE;
    o->legacy.ok = 1;
    strcpy(o->legacy.version, "TLSv1");
    assert_string_equal(root_id(), "tls.version.legacy_only");
    healthy(o);
    o->tls.ok = 0;
    o->tls.alert_received = 112;
    assert_string_equal(root_id(), "tls.sni.unrecognized_name");
    assert_false(has("tls.handshake.failed")); /* the fallback stays quiet */
    o->tls.alert_received = 70;
    assert_string_equal(root_id(), "tls.version.no_common");
    o->tls.alert_received = 40;
    assert_string_equal(root_id(), "tls.cipher.no_common");
    o->tls.alert_received = 40;
    o->tls.cert_requested = 1;
    assert_string_equal(root_id(), "tls.client_cert.required");
    healthy(o);
    o->tls.ok = 0;
    o->tls.eof = 1;
    assert_string_equal(root_id(), "tls.handshake.closed");
    healthy(o);
    o->tls.ok = 0;
    o->tls.timed_out = 1;
    assert_string_equal(root_id(), "tls.handshake.timeout");
    healthy(o);
    o->tls.ok = 0;
    o->tls.alert_received = 80;
    assert_string_equal(root_id(), "tls.handshake.failed");
    /* TLS 1.3 client-certificate refusal arrives on the first read. */
    healthy(o);
    o->tls.cert_requested = 1;
    o->http.result = TD_HTTP_TLS_ALERT;
    o->http.alert = 116;
    assert_string_equal(root_id(), "tls.client_cert.required");
    assert_false(has("http.response.empty"));
}

static void tls_warnings(void **state)
{
    (void)state;
    td_obs_t *o = &r->obs;
    healthy(o);
    o->tls12.step = TD_STEP_DONE;
    o->tls12.connected = 1;
    o->tls12.flight.has_alert = 1;
    o->tls12.flight.alert_desc = 70;
    assert_string_equal(root_id(), "tls.version.tls13_only");
    healthy(o);
    o->nosni.step = TD_STEP_DONE;
    o->nosni.alert_received = 112;
    assert_string_equal(root_id(), "tls.sni.required");
    o->nosni.timed_out = 1; /* a timeout is not a refusal */
    assert_string_equal(root_id(), "none");
    healthy(o);
    o->nosni.step = TD_STEP_DONE;
    o->nosni.ok = 1;
    o->nosni.leaf_matches_host = 0;
    assert_string_equal(root_id(), "tls.sni.default_cert_mismatch");
}

static void cert_rules(void **state)
{
    (void)state;
    td_obs_t *o = &r->obs;
    healthy(o);
    o->cert.c[0].not_after = o->now - 10;
    o->cert.name_match = 0;
    /* Both fail in the cert layer: the table order names expiry first. */
    assert_string_equal(root_id(), "cert.expired");
    assert_true(has("cert.hostname.mismatch"));
    healthy(o);
    o->cert.c[0].not_before = o->now + 10;
    assert_string_equal(root_id(), "cert.not_yet_valid");
    healthy(o);
    o->cert.n = 1;
    o->cert.c[0].self_signed = 1;
    o->cert.verify_code = X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT;
    assert_string_equal(root_id(), "cert.self_signed");
    assert_false(has("cert.chain.verify_failed"));
    /* Leaf only, issuer unknown: missing intermediate. */
    healthy(o);
    o->cert.n = 1;
    o->cert.verify_code = X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE;
    assert_string_equal(root_id(), "cert.chain.missing_intermediate");
    /* Leaf + CA, issuer of the CA unknown: untrusted root, not a missing intermediate. */
    healthy(o);
    o->cert.verify_code = X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY;
    assert_string_equal(root_id(), "cert.chain.untrusted_root");
    assert_false(has("cert.chain.missing_intermediate"));
    o->cert.verify_code = X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN;
    assert_string_equal(root_id(), "cert.chain.untrusted_root");
    /* A leaf minted by an inspecting proxy's CA. */
    healthy(o);
    o->cert.n = 1;
    o->cert.verify_code = X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY;
    strcpy(o->cert.c[0].issuer, "CN=Zscaler Root CA,O=Zscaler Inc.");
    assert_string_equal(root_id(), "cert.chain.intercepted");
    assert_false(has("cert.chain.missing_intermediate"));
    o->cert.verify_code = 0; /* the product's CA is installed: nothing to report */
    assert_string_equal(root_id(), "none");
    healthy(o);
    o->cert.verify_code = X509_V_ERR_CERT_REVOKED;
    assert_string_equal(root_id(), "cert.chain.verify_failed");
    healthy(o);
    strcpy(o->cert.c[0].key_type, "RSA");
    o->cert.c[0].key_bits = 1024;
    assert_string_equal(root_id(), "cert.key.weak");
    healthy(o);
    o->cert.c[0].sig_sha1 = 1;
    assert_string_equal(root_id(), "cert.signature.sha1");
    healthy(o);
    o->cert.c[0].not_before = o->now - 87 * 86400; /* a 90-day certificate, 3 days left */
    o->cert.c[0].not_after = o->now + 3 * 86400;
    assert_string_equal(root_id(), "cert.expiring_soon");
    assert_non_null(strstr(r->f[0].pub.cause, "3 days"));
    o->cert.warn_days = 0;
    assert_string_equal(root_id(), "none");
}

/* Certificates that only some clients refuse, and the expiry relative to the lifetime. */
static void cert_causes(void **state)
{
    (void)state;
    td_obs_t *o = &r->obs;
    healthy(o);
    o->cert.c[0].n_sans = 0; /* the name only in the CN: OpenSSL still matches it */
    assert_string_equal(root_id(), "cert.san.missing");
    healthy(o);
    o->cert.c[0].eku_present = 1;
    o->cert.c[0].eku_server_auth = 0;
    o->cert.verify_code = X509_V_ERR_INVALID_PURPOSE;
    assert_string_equal(root_id(), "cert.eku.no_server_auth");
    assert_false(has("cert.chain.verify_failed"));
    o->cert.c[0].eku_server_auth = 1;
    o->cert.verify_code = 0;
    assert_string_equal(root_id(), "none");
    /* The sent CA did not issue the leaf: not "untrusted root", not "missing intermediate". */
    healthy(o);
    o->cert.c[0].issued_by = 0;
    o->cert.verify_code = X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY;
    assert_string_equal(root_id(), "cert.chain.wrong_intermediate");
    assert_false(has("cert.chain.untrusted_root"));
    assert_false(has("cert.chain.missing_intermediate"));
    assert_true(has("cert.chain.extra_certs"));
    /* leaf, stray CA, issuer: a warning, and the stray one named. */
    healthy(o);
    o->cert.n = 3;
    o->cert.c[2] = o->cert.c[1];
    o->cert.c[0].issued_by = 3;
    strcpy(o->cert.c[1].subject, "CN=stray");
    assert_string_equal(root_id(), "cert.chain.misordered");
    assert_int_equal(r->f[0].pub.severity, TD_SEV_WARN);
    assert_true(has("cert.chain.extra_certs"));
    assert_non_null(strstr(r->f[1].pub.evidence, "CN=stray"));
    /* Key usage: ECDHE needs digitalSignature. */
    healthy(o);
    strcpy(o->tls.cipher, "ECDHE-ECDSA-AES128-GCM-SHA256");
    strcpy(o->tls.version, "TLSv1.2");
    o->cert.c[0].ku_present = 1;
    o->cert.c[0].ku = KU_KEY_ENCIPHERMENT;
    assert_string_equal(root_id(), "cert.key_usage.mismatch");
    o->cert.c[0].ku = KU_DIGITAL_SIGNATURE;
    assert_string_equal(root_id(), "none");
    /* A six-day certificate with three days left is not expiring soon (threshold: a third of
     * its lifetime, 2 days); with one day left it is. */
    healthy(o);
    o->cert.c[0].not_before = o->now - 3 * 86400;
    o->cert.c[0].not_after = o->now + 3 * 86400;
    assert_string_equal(root_id(), "none");
    o->cert.c[0].not_before = o->now - 5 * 86400;
    o->cert.c[0].not_after = o->now + 1 * 86400 - 60;
    assert_string_equal(root_id(), "cert.expiring_soon");
    assert_non_null(strstr(r->f[0].pub.cause, "23 hours"));
}

/* A weakened handshake is evidence, never a pass; what was not observed is never a pass. */
static void not_a_pass(void **state)
{
    (void)state;
    td_obs_t *o = &r->obs;
    /* OpenSSL's defaults complete TLS 1.0 with static RSA: still legacy-only. */
    healthy(o);
    strcpy(o->tls.version, "TLSv1");
    strcpy(o->tls.cipher, "AES128-SHA");
    o->sniff.flight.version = TD_V_TLS10;
    assert_string_equal(root_id(), "tls.version.legacy_only");
    /* The default handshake fails, the legacy retry (every suite, level 0) works. */
    healthy(o);
    o->tls.ok = 0;
    o->tls.alert_received = 40;
    o->legacy.step = TD_STEP_DONE;
    o->legacy.ok = 1;
    strcpy(o->legacy.version, "TLSv1.2");
    strcpy(o->legacy.cipher, "ARIA256-GCM-SHA384");
    assert_string_equal(root_id(), "tls.cipher.no_common");
    assert_non_null(strstr(r->f[0].pub.evidence, "only a weakened handshake"));
    o->tls.alert_received = -1;
    o->tls.alert_sent = 40;
    o->tls.ossl_reason = SSL_R_DH_KEY_TOO_SMALL;
    strcpy(o->legacy.cipher, "DHE-RSA-AES128-GCM-SHA256");
    strcpy(o->legacy.kx_type, "DH");
    o->legacy.kx_bits = 1024;
    assert_string_equal(root_id(), "tls.dh.weak");
    assert_int_equal(td_report_exit_code(r), 2);
    /* Any other failure of the default handshake with a working legacy one. */
    o->tls.ossl_reason = 0;
    o->tls.alert_sent = -1;
    assert_string_equal(root_id(), "tls.dh.weak"); /* the legacy retry saw a 1024-bit group */
    o->legacy.kx_bits = 3072;
    assert_string_equal(root_id(), "tls.handshake.failed");
    /* The deadline cut the walk before TLS: unknown (exit 3), no layer after it ticked. */
    healthy(o);
    o->deadline_hit = 1;
    o->deadline_step = "proto";
    o->shortened_step = "proto";
    o->timeout_ms = 2000;
    o->sniff.sniff.cls = TD_SNIFF_EMPTY;
    o->sniff.received = 0;
    o->sniff.end = TD_END_TIMEOUT;
    o->tls.step = TD_STEP_NOT_RUN;
    o->tls.ok = 0;
    o->cert.step = TD_STEP_NOT_RUN;
    o->http.step = TD_STEP_NOT_RUN;
    assert_string_equal(root_id(), "diag.deadline");
    assert_false(has("proto.silent")); /* the deadline, not the server, cut the wait */
    assert_int_equal(r->f[0].pub.severity, TD_SEV_UNKNOWN);
    assert_int_equal(r->f[0].pub.layer, TD_LAYER_PROTO);
    assert_int_equal(td_report_exit_code(r), 3);
    char line[256];
    double ms;
    assert_int_equal(td__layer_summary(r, TD_LAYER_TCP, line, sizeof(line), &ms), TD_LS_OK);
    assert_int_not_equal(td__layer_summary(r, TD_LAYER_TLS, line, sizeof(line), &ms), TD_LS_OK);
    assert_int_not_equal(td__layer_summary(r, TD_LAYER_PROTO, line, sizeof(line), &ms), TD_LS_OK);
    td__proxies(r);
    for (size_t i = 0; i < r->n_proxies; i++) {
        assert_string_not_equal(r->proxies[i].result, "OK");
    }
    /* A TCP connection was never tried (the deadline passed first): tcp is not ticked. */
    o->tcp.n = 0;
    o->tcp.chosen = -1;
    o->deadline_step = "tcp";
    assert_string_equal(root_id(), "diag.deadline");
    assert_int_equal(r->f[0].pub.layer, TD_LAYER_TCP);
    assert_int_not_equal(td__layer_summary(r, TD_LAYER_TCP, line, sizeof(line), &ms), TD_LS_OK);
    /* Without a deadline, a layer not observed with no rule to name it is still not a pass. */
    healthy(o);
    o->http.result = TD_HTTP_OK;
    o->http.step = TD_STEP_NOT_RUN;
    assert_string_equal(root_id(), "diag.not_observed");
    assert_int_equal(td_report_exit_code(r), 3);
}

static void http_rules_and_ranking(void **state)
{
    (void)state;
    td_obs_t *o = &r->obs;
    healthy(o);
    o->http.result = TD_HTTP_EMPTY;
    assert_string_equal(root_id(), "http.response.empty");
    o->http.result = TD_HTTP_NON_HTTP;
    assert_string_equal(root_id(), "http.response.non_http");
    o->http.result = TD_HTTP_TIMEOUT;
    assert_string_equal(root_id(), "http.response.timeout");
    healthy(o);
    o->http.head.status = 502;
    assert_string_equal(root_id(), "http.status.server_error");
    /* A later-layer failure outranks an earlier-layer warning. */
    o->tcp.n = 2;
    o->tcp.a[1].result = TD_TCP_REFUSED;
    o->http.result = TD_HTTP_EMPTY;
    assert_string_equal(root_id(), "http.response.empty");
    assert_true(has("tcp.connect.partial"));
}

static const char *proxy(const char *name, const char *mode)
{
    td__diagnose(r);
    td__proxies(r);
    for (size_t i = 0; i < r->n_proxies; i++) {
        if (strcmp(r->proxies[i].proxy, name) == 0 && strcmp(r->proxies[i].mode, mode) == 0) {
            return r->proxies[i].result;
        }
    }
    return "(missing)";
}

static void proxy_outcomes(void **state)
{
    (void)state;
    td_obs_t *o = &r->obs;
    healthy(o);
    assert_string_equal(proxy("Cloudflare", "Full (strict)"), "OK");
    assert_string_equal(proxy("Cloudflare", "Flexible"), "not checked");
    assert_non_null(strstr(r->recommended, "Full (strict)"));
    o->cert.c[0].not_after = o->now - 10; /* expired */
    assert_string_equal(proxy("Cloudflare", "Full"), "OK");
    assert_string_equal(proxy("Cloudflare", "Full (strict)"), "526");
    assert_string_equal(proxy("AWS ALB", "HTTPS target group"), "OK");
    assert_string_equal(proxy("nginx proxy_pass https://", "verify on, server_name on"), "502");
    /* A Cloudflare Origin CA certificate is untrusted publicly but fine for Full (strict). */
    healthy(o);
    o->cert.verify_code = X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY;
    strcpy(o->cert.c[1].issuer,
           "O=CloudFlare\\, Inc.,OU=CloudFlare Origin SSL Certificate Authority");
    assert_string_equal(proxy("Cloudflare", "Full (strict)"), "OK");
    /* Refused, and port 80 redirecting to HTTPS: Flexible loops. */
    healthy(o);
    o->tcp.chosen = -1;
    o->tcp.a[0].result = TD_TCP_REFUSED;
    o->port80.step = TD_STEP_DONE;
    o->port80.connected = 1;
    o->port80.sniff.cls = TD_SNIFF_HTTP;
    o->port80.head.status = 301;
    strcpy(o->port80.head.location, "https://a.test/");
    assert_string_equal(proxy("Cloudflare", "Full"), "521");
    assert_string_equal(proxy("Cloudflare", "Flexible"), "redirect loop");
    assert_string_equal(proxy("Cloudflare", "Off"), "OK");
    /* Port 80 starts a response and stops before the end of its head. */
    o->port80.end = TD_END_TIMEOUT;
    assert_string_equal(proxy("Cloudflare", "Flexible"), "520");
    o->port80.head.complete = 1;
    assert_string_equal(proxy("Cloudflare", "Flexible"), "redirect loop");
    o->port80.head.complete = 0;
    o->port80.end = TD_END_ENOUGH; /* our 8 KiB limit, not the server */
    assert_string_equal(proxy("Cloudflare", "Flexible"), "redirect loop");
    o->tcp.a[0].result = TD_TCP_TIMEOUT;
    assert_string_equal(proxy("Cloudflare", "Full"), "522");
    assert_string_equal(proxy("AWS ALB", "HTTPS target group"), "504");
    /* SNI required: nginx's defaults send none. */
    healthy(o);
    o->nosni.step = TD_STEP_DONE;
    o->nosni.alert_received = 112;
    assert_string_equal(
            proxy("nginx proxy_pass https://", "verify off, server_name off (defaults)"), "502");
    assert_string_equal(proxy("Cloudflare", "Full (strict)"), "OK");
}

static void clock_and_server_fixes(void **state)
{
    (void)state;
    td_obs_t *o = &r->obs;
    healthy(o);
    o->http.server_date = o->now;
    o->now += 400 * 86400; /* our clock runs ahead: the leaf looks expired */
    assert_string_equal(root_id(), "cert.clock.client_wrong");
    assert_false(has("cert.expired"));
    assert_true(has("http.date.skew"));
    o->http.server_date = o->now; /* the server agrees: really expired */
    assert_string_equal(root_id(), "cert.expired");
    /* The fix follows the server software. */
    healthy(o);
    o->cert.n = 1;
    o->cert.verify_code = X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE;
    strcpy(o->http.head.server, "Apache/2.4.57 (Debian)");
    assert_string_equal(root_id(), "cert.chain.missing_intermediate");
    assert_non_null(strstr(r->f[0].pub.fix, "SSLCertificateFile"));
    assert_string_equal(r->server_software, "apache");
    strcpy(o->http.head.server, "nginx/1.22.1");
    assert_string_equal(root_id(), "cert.chain.missing_intermediate");
    assert_non_null(strstr(r->f[0].pub.fix, "fullchain.pem"));
    assert_non_null(strstr(r->f[0].pub.fix, "a.test")); /* placeholders filled */
    strcpy(o->http.head.server, "");
    o->plain.sniff.plain_http_page = 1;
    o->plain.sniff.page_software = "nginx";
    o->plain.sniff.page_sign = "plain HTTP request was sent to HTTPS port";
    assert_string_equal(root_id(), "cert.chain.missing_intermediate");
    assert_string_equal(r->server_software, "nginx");
    o->plain.sniff.plain_http_page = 0;
    o->plain.sniff.page_software = NULL;
    assert_string_equal(root_id(), "cert.chain.missing_intermediate");
    assert_null(r->server_software);
    /* A proxy's placeholder certificate names the proxy and becomes the root cause. */
    strcpy(o->cert.c[0].subject, "CN=Kubernetes Ingress Controller Fake Certificate,O=Acme Co");
    strcpy(o->cert.c[0].sans, "ingress.local");
    assert_string_equal(root_id(), "cert.default_placeholder");
    assert_string_equal(r->server_software, "nginx");
    assert_non_null(strstr(r->f[0].pub.fix, "Ingress for a.test"));
    strcpy(o->cert.c[0].subject, "CN=TRAEFIK DEFAULT CERT");
    strcpy(o->cert.c[0].sans, "1f.2e.traefik.default");
    assert_string_equal(root_id(), "cert.default_placeholder");
    assert_string_equal(r->server_software, "traefik");
}

/* Every report renders, whatever ran or failed (a NULL string makes jansson refuse a whole
 * document: this caught an exchange that never connected). */
static void http_layer(void **state)
{
    (void)state;
    td_obs_t *o = &r->obs;
    healthy(o);
    strcpy(o->http.head.hsts, "max-age=63072000; includeSubDomains; preload");
    assert_string_equal(root_id(), "none");
    assert_int_equal(r->n, 0);
    o->http.head.hsts[0] = '\0';
    assert_string_equal(root_id(), "none"); /* informational only */
    assert_true(has("http.hsts.incomplete"));
    assert_int_equal(td_report_worst(r), TD_SEV_OK);
    strcpy(o->http.head.hsts, "max-age=300");
    assert_string_equal(root_id(), "none");
    assert_non_null(strstr(r->f[0].pub.cause, "max-age 300"));
    healthy(o);
    strcpy(o->http.head.hsts, "max-age=63072000; includeSubDomains; preload");
    o->http.head.status = 421;
    assert_string_equal(root_id(), "http.status.misdirected");
    o->http.head.status = 503;
    assert_string_equal(root_id(), "http.status.unavailable");
    assert_non_null(strstr(r->f[0].pub.cause, "without Retry-After"));
    strcpy(o->http.head.retry_after, "120");
    assert_string_equal(root_id(), "http.status.unavailable");
    assert_non_null(strstr(r->f[0].pub.cause, "Retry-After: 120"));
    healthy(o);
    strcpy(o->http.head.hsts, "max-age=63072000; includeSubDomains; preload");
    o->http.head.status = 400;
    o->http.plain_http_page = 1;
    assert_string_equal(root_id(), "http.response.plain_http_page");
}

/* Issue 12.2: a head that never ends or is too large is never "✓ http". */
static void http_head_size(void **state)
{
    (void)state;
    td_obs_t *o = &r->obs;
    healthy(o);
    o->http.head_complete = 1;
    o->http.head_bytes = 8192; /* nginx's 8 KiB buffer holds it */
    assert_string_equal(root_id(), "none");
    o->http.head_bytes = 8193;
    assert_string_equal(root_id(), "http.response.head_too_large");
    assert_non_null(strstr(r->f[0].pub.evidence, "8193 bytes of head"));
    assert_non_null(strstr(r->f[0].pub.evidence, "upstream sent too big header"));
    assert_null(strstr(r->f[0].pub.evidence, "HAProxy"));
    o->http.head_bytes = 20000;
    assert_string_equal(root_id(), "http.response.head_too_large");
    assert_non_null(strstr(r->f[0].pub.evidence, "HAProxy"));
    assert_non_null(strstr(r->f[0].pub.evidence, "browsers still accept it"));
    /* Endless: stopped at our cap without an end. */
    o->http.result = TD_HTTP_HEAD_INCOMPLETE;
    o->http.head_complete = 0;
    o->http.head_capped = 1;
    o->http.head_bytes = TD_HTTP_HEAD_CAP + 100;
    assert_string_equal(root_id(), "http.response.head_too_large");
    assert_non_null(strstr(r->f[0].pub.evidence, "ERR_RESPONSE_HEADERS_TOO_BIG"));
    assert_false(has("http.response.head_incomplete"));
    assert_false(has("http.hsts.incomplete"));
    /* Small and unfinished at the deadline, or closed. */
    o->http.head_capped = 0;
    o->http.head_bytes = 30;
    o->http.head_end = TD_END_TIMEOUT;
    o->http.head.valid = 1;
    assert_string_equal(root_id(), "http.response.head_incomplete");
    assert_non_null(strstr(r->f[0].pub.evidence, "deadline"));
    assert_non_null(strstr(r->f[0].pub.evidence, "status line \"200"));
    o->http.head_end = TD_END_EOF;
    assert_string_equal(root_id(), "http.response.head_incomplete");
    assert_non_null(strstr(r->f[0].pub.evidence, "closed"));
    char line[512];
    double ms = 0;
    assert_int_equal(td__layer_summary(r, TD_LAYER_HTTP, line, sizeof(line), &ms), TD_LS_FAIL);
    assert_non_null(strstr(line, "head never ended"));
    /* What proxies make of it: a stalled head is their read timeout (if it stays stalled
     * that long: we stopped at our deadline), a close a 502. */
    o->http.head_end = TD_END_TIMEOUT;
    assert_string_equal(proxy("nginx proxy_pass https://", "verify on, server_name on"),
                        "504 (if slower than 60 s)");
    o->http.head_end = TD_END_EOF;
    assert_string_equal(proxy("nginx proxy_pass https://", "verify on, server_name on"), "502");
    assert_string_equal(proxy("Cloudflare", "Full"), "520");
    /* A complete 20 KB head: over nginx's and HAProxy's buffers, under Cloudflare's 128 KB. */
    healthy(o);
    o->http.head_complete = 1;
    o->http.head_bytes = 20000;
    assert_string_equal(proxy("nginx proxy_pass https://", "verify on, server_name on"), "502");
    assert_string_equal(proxy("HAProxy server ... ssl", "verify none"), "502");
    assert_string_equal(proxy("Cloudflare", "Full (strict)"), "OK");
    assert_string_equal(proxy("AWS ALB", "HTTPS target group"), "not checked");
    o->http.head_bytes = 10000; /* under HAProxy's 15360 */
    assert_string_equal(proxy("HAProxy server ... ssl", "verify none"), "OK");
    o->http.head_bytes = 200000;
    assert_string_equal(proxy("Cloudflare", "Full (strict)"), "520");
}

/* Issue 11.5: per-finding proxy behaviour comes from the rule table (.proxy_effect), as
 * measured with nginx 1.22 and HAProxy 2.6 (tests/integration/real_proxies.sh). */
static void proxy_effects(void **state)
{
    (void)state;
    td_obs_t *o = &r->obs;
    const char *ngx = "nginx proxy_pass https://", *hap = "HAProxy server ... ssl";
    /* Our clock is wrong: the certificate is fine for every proxy. */
    healthy(o);
    o->http.server_date = o->now;
    o->now += 400 * 86400;
    assert_string_equal(proxy("Cloudflare", "Full (strict)"), "OK");
    assert_string_equal(proxy(ngx, "verify on, server_name on"), "OK");
    /* A stalled handshake: nginx times out (504), HAProxy answers 503. */
    healthy(o);
    o->sniff.sniff.cls = TD_SNIFF_EMPTY;
    o->sniff.received = 0;
    o->sniff.end = TD_END_TIMEOUT;
    o->sniff.flight.has_server_hello = 0;
    o->tls.step = TD_STEP_NOT_RUN;
    o->cert.step = TD_STEP_NOT_RUN;
    o->http.step = TD_STEP_NOT_RUN;
    assert_string_equal(proxy(ngx, "verify off, server_name off (defaults)"), "504");
    assert_string_equal(proxy(hap, "verify none"), "503");
    /* TLS 1.3 only: nginx before 1.23.4 offers TLS 1.2 at most; HAProxy gets through. */
    healthy(o);
    o->tls12.step = TD_STEP_DONE;
    o->tls12.connected = 1;
    o->tls12.flight.has_alert = 1;
    o->tls12.flight.alert_desc = 70;
    assert_string_equal(proxy(ngx, "verify off, server_name off (defaults)"), "502");
    assert_string_equal(proxy(hap, "verify none"), "OK");
    /* A certificate for another name: only proxies that check the name fail. */
    healthy(o);
    o->cert.name_match = 0;
    assert_string_equal(proxy(hap, "verify required"), "OK");
    assert_string_equal(proxy(hap, "verify required, sni and verifyhost"), "503");
    assert_string_equal(proxy(ngx, "verify on, server_name on"), "502");
    /* The TLS 1.3-style hello reset, a TLS 1.2-style one answered: nginx 1.22 gets through. */
    healthy(o);
    o->sniff.sniff.cls = TD_SNIFF_EMPTY;
    o->sniff.received = 0;
    o->sniff.end = TD_END_RESET;
    o->sniff.flight.has_server_hello = 0;
    o->tls.step = TD_STEP_NOT_RUN;
    o->cert.step = TD_STEP_NOT_RUN;
    o->http.step = TD_STEP_NOT_RUN;
    o->tls12.step = TD_STEP_DONE;
    o->tls12.connected = 1;
    o->tls12.flight.has_server_hello = 1;
    o->tls12.flight.version = TD_V_TLS12;
    assert_string_equal(root_id(), "proto.reset");
    assert_false(has("tls.version.tls13_only"));
    assert_string_equal(proxy(ngx, "verify off, server_name off (defaults)"), "OK");
    assert_string_equal(proxy(ngx, "verify on, server_name on"), "unknown");
    assert_string_equal(proxy(hap, "verify none"), "503");
    assert_string_equal(proxy("Cloudflare", "Full"), "525");
}

/* Issue 12.6: what is capped says so. */
static void cert_counts(void **state)
{
    (void)state;
    td_obs_t *o = &r->obs;
    healthy(o);
    o->cert.n = TD_MAX_CERTS;
    o->cert.sent = 200;
    o->cert.truncated = 1;
    for (int i = 2; i < TD_MAX_CERTS; i++) {
        o->cert.c[i] = o->cert.c[1];
    }
    strcpy(o->cert.c[0].subject, "CN=a.test");
    /* 200 certificates: more than GnuTLS clients take; the copies are stray certificates. */
    assert_string_equal(root_id(), "cert.chain.too_long");
    assert_true(has("cert.chain.extra_certs"));
    char line[512];
    double ms = 0;
    (void)td__layer_summary(r, TD_LAYER_CERT, line, sizeof(line), &ms);
    assert_non_null(strstr(line, "200 certs sent, 8 kept"));
}

static void redirects_and_speed(void **state)
{
    (void)state;
    td_obs_t *o = &r->obs;
    healthy(o);
    o->redirects.n = 2;
    strcpy(o->redirects.hop[0].url, "https://a.test:443/");
    o->redirects.hop[0].status = 301;
    strcpy(o->redirects.hop[1].url, "https://a.test:443/home");
    o->redirects.hop[1].status = 200;
    assert_string_equal(root_id(), "none");
    strcpy(o->redirects.hop[1].url, "http://a.test:80/home");
    assert_string_equal(root_id(), "http.redirect.to_http");
    o->redirects.n = 3;
    strcpy(o->redirects.hop[2].url, "https://a.test:443/");
    o->redirects.loop = 1;
    assert_string_equal(root_id(), "http.redirect.loop");
    assert_false(has("http.redirect.to_http"));
    assert_non_null(strstr(r->f[0].pub.evidence, "http <-> https"));
    healthy(o);
    o->http.ttfb_ms = 4500;
    assert_string_equal(root_id(), "http.response.slow");
    assert_non_null(strstr(r->f[0].pub.cause, "4.5 s"));
}

static void reports_render(void **state)
{
    (void)state;
    static char buf[1 << 16];
    td_obs_t *o = &r->obs;
    for (int k = 0; k < 4; k++) {
        healthy(o);
        if (k == 1) {
            o->port80.step = TD_STEP_DONE; /* refused: never classified */
            o->port80.connect_result = TD_TCP_REFUSED;
        } else if (k == 2) {
            o->tcp.chosen = -1;
            o->tcp.a[0].result = TD_TCP_REFUSED;
            o->sniff.step = TD_STEP_NOT_RUN;
            o->tls.step = TD_STEP_NOT_RUN;
        } else if (k == 3) {
            memset(o, 0, sizeof(*o));
        }
        if (o->sniff.sniff.proto == NULL) {
            o->sniff.sniff.proto = "none";
        }
        td__diagnose(r);
        td__proxies(r);
        FILE *f = fmemopen(buf, sizeof(buf), "w");
        assert_int_equal(td_report_write_json(r, f), 0);
        assert_int_equal(td_report_write_text(r, f, 1), 0);
        fclose(f);
    }
}

static void rule_table_is_sane(void **state)
{
    (void)state;
    size_t n = 0;
    const td_rule_t *t = td__rules(&n);
    assert_true(n >= 30);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(strchr(t[i].id, '.'));
        assert_true(strlen(t[i].fix) > 20);
        assert_true(i == 0 || t[i].layer >= t[i - 1].layer); /* table is in layer order */
        bool earlier = t[i].unless == NULL;
        for (size_t j = 0; j < i; j++) {
            assert_string_not_equal(t[i].id, t[j].id);
            /* "unless" can only name rules that run before this one. */
            if (t[i].unless != NULL) {
                size_t n = strlen(t[i].unless);
                earlier |= t[i].unless[n - 1] == '.' ? strncmp(t[j].id, t[i].unless, n) == 0
                                                     : strcmp(t[j].id, t[i].unless) == 0;
            }
        }
        if (!earlier) {
            fail_msg("%s: unless \"%s\" names no earlier rule", t[i].id, t[i].unless);
        }
    }
}

/* A matrix where the server speaks TLS 1.2 (and optionally 1.0) with the given suites. */
static void matrix(td_obs_t *o, const uint16_t *suites12, int n12, int tls10)
{
    td_obs_matrix_t *m = &o->matrix;
    memset(m, 0, sizeof(*m));
    m->step = TD_STEP_DONE;
    static const uint16_t v[] = { TD_V_SSL3, TD_V_TLS10, TD_V_TLS11, TD_V_TLS12, TD_V_TLS13 };
    for (int i = 0; i < 5; i++) {
        m->v[i].version = v[i];
        m->v[i].order = -1;
        m->v[i].first.end = TD_MX_ALERT;
        m->v[i].first.alert = 70;
    }
    for (int k = 0; k < n12; k++) {
        m->v[3].suites[m->v[3].n_suites++] = suites12[k];
    }
    m->v[3].first.end = TD_MX_HELLO;
    m->v[3].first.version = TD_V_TLS12;
    if (tls10) {
        m->v[1].suites[m->v[1].n_suites++] = 0xc014;
        m->v[1].first.end = TD_MX_HELLO;
        m->v[1].first.version = TD_V_TLS10;
    }
    m->groups12[m->n_groups12++] = TD_GROUP_SECP256R1;
    m->modern.end = TD_MX_HELLO;
    m->large.end = TD_MX_HELLO;
    size_t n_profiles = 0;
    (void)td_kb_clients(&n_profiles);
    m->n_clients = (int)n_profiles;
}

static const td_client_verdict_t *verdict(const char *id)
{
    r->n_clients = td__client_verdicts(&r->obs, r->clients, TD_MX_MAX_CLIENTS);
    for (int i = 0; i < r->n_clients; i++) {
        if (strcmp(r->clients[i].id, id) == 0) {
            return &r->clients[i];
        }
    }
    fail_msg("no client %s", id);
    return NULL;
}

/* Client verdicts from the matrix alone (no confirming hello sent). */
static void matrix_clients(void **state)
{
    (void)state;
    static const uint16_t modern12[] = { 0xc02f, 0xc030 };
    healthy(&r->obs);
    matrix(&r->obs, modern12, 2, 0);
    const td_client_verdict_t *c = verdict("chrome");
    assert_true(c->ok);
    assert_int_equal(c->version, TD_V_TLS12);
    assert_int_equal(c->cipher, 0xc02f); /* the client's order: its first common suite */
    assert_int_equal(c->group, TD_GROUP_SECP256R1);
    r->obs.matrix.v[3].order = 1; /* the server's order: its first */
    r->obs.matrix.v[3].suites[0] = 0xc030;
    r->obs.matrix.v[3].suites[1] = 0xc02f;
    assert_int_equal(verdict("chrome")->cipher, 0xc030);
    /* No curve in common for ECDHE: fails with that reason. */
    r->obs.matrix.groups12[0] = 30; /* x448 only */
    c = verdict("android44");
    assert_false(c->ok);
    assert_non_null(strstr(c->why, "group"));
    /* TLS 1.0 only with ECDHE: current browsers fail on the version, curl (OpenSSL 3) on the
     * MD5-SHA1 signature of the key exchange; with static RSA curl connects (as real curl
     * on Debian 12 does). */
    matrix(&r->obs, modern12, 0, 1);
    r->obs.matrix.v[3].first.end = TD_MX_ALERT;
    c = verdict("chrome");
    assert_false(c->ok);
    assert_non_null(strstr(c->why, "no TLS version in common"));
    c = verdict("curl_openssl3");
    assert_false(c->ok);
    assert_non_null(strstr(c->why, "MD5-SHA1"));
    assert_true(verdict("java8")->ok);
    r->obs.matrix.v[1].suites[0] = 0x002f; /* TLS_RSA_WITH_AES_128_CBC_SHA */
    assert_true(verdict("curl_openssl3")->ok);
    assert_false(verdict("chrome")->ok);
    /* A confirming hello that the server refused overrides the prediction. */
    matrix(&r->obs, modern12, 2, 0);
    size_t n = 0;
    const td_client_profile_t *pr = td_kb_clients(&n);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(pr[i].id, "aws_alb") == 0) {
            r->obs.matrix.clients[i].sent = 1;
            r->obs.matrix.clients[i].r.end = TD_MX_ALERT;
            r->obs.matrix.clients[i].r.alert = 112;
        }
    }
    r->obs.matrix.sni_none.ran = 1;
    r->obs.matrix.sni_none.r.end = TD_MX_ALERT;
    c = verdict("aws_alb");
    assert_false(c->ok);
    assert_true(c->mismatch);
    assert_non_null(strstr(c->why, "no SNI"));
}

static void matrix_findings(void **state)
{
    (void)state;
    static const uint16_t modern12[] = { 0xc02f, 0xc030 };
    static const uint16_t old12[] = { 0x002f, 0x000a };
    healthy(&r->obs);
    matrix(&r->obs, modern12, 2, 0);
    assert_string_equal(root_id(), "none");
    matrix(&r->obs, modern12, 2, 1);
    assert_string_equal(root_id(), "tls.version.obsolete_enabled");
    matrix(&r->obs, old12, 2, 0);
    root_id();
    assert_true(has("tls.cipher.no_common_modern"));
    assert_true(has("tls.cipher.weak_enabled"));
    matrix(&r->obs, modern12, 2, 0);
    r->obs.matrix.large.end = TD_MX_RESET;
    assert_string_equal(root_id(), "tls.hello.large_intolerant");
    matrix(&r->obs, modern12, 2, 0);
    r->obs.matrix.modern.end = TD_MX_CLOSED;
    assert_string_equal(root_id(), "tls.hello.version_intolerant");
    matrix(&r->obs, modern12, 2, 0);
    r->obs.matrix.v[4].suites[r->obs.matrix.v[4].n_suites++] = 0x1301;
    r->obs.matrix.hrr_probe.end = TD_MX_ALERT;
    r->obs.matrix.hrr_probe.alert = 40;
    root_id();
    assert_true(has("tls.group.no_hello_retry"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(healthy_has_no_finding),
        cmocka_unit_test(layers),
        cmocka_unit_test(dns_path),
        cmocka_unit_test(proto),
        cmocka_unit_test(tls_rules),
        cmocka_unit_test(tls_warnings),
        cmocka_unit_test(cert_rules),
        cmocka_unit_test(cert_causes),
        cmocka_unit_test(not_a_pass),
        cmocka_unit_test(http_rules_and_ranking),
        cmocka_unit_test(proxy_outcomes),
        cmocka_unit_test(proxy_effects),
        cmocka_unit_test(clock_and_server_fixes),
        cmocka_unit_test(http_layer),
        cmocka_unit_test(http_head_size),
        cmocka_unit_test(cert_counts),
        cmocka_unit_test(redirects_and_speed),
        cmocka_unit_test(reports_render),
        cmocka_unit_test(rule_table_is_sane),
        cmocka_unit_test(matrix_clients),
        cmocka_unit_test(matrix_findings),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
