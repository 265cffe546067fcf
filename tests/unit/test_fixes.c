/* Unit tests for the fixes per server software (src/kb/fixes.c), the software recognition
 * (td__server_software) and the placeholders in verify commands (td__fill_placeholders). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

/* cmocka.h needs the three headers above first. */
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagnose/diagnose.h"
#include "kb/fixes.h"

static const char *const servers[] = { TD_FIX_SERVERS };

/* Words that only a fix for that server may contain: its name and its directives. */
static const struct {
    const char *server;
    const char *words[12];
} own[] = {
    { "nginx",
      { "nginx", "ssl_certificate", "ssl_protocols", "ssl_ciphers", "server_name ", "proxy_ssl",
        "ssl_reject_handshake", "ssl_verify_client", "ssl_ecdh_curve", "add_header", NULL } },
    { "apache",
      { "Apache", "SSLProtocol", "SSLCertificate", "SSLCipherSuite", "SSLVerifyClient", "SSLEngine",
        "apachectl", "VirtualHost", "a2enmod", NULL } },
    { "haproxy",
      { "HAProxy", "haproxy", "ssl-min-ver", "ssl-default-bind", "crt-list", "strict-sni", NULL } },
    { "lighttpd",
      { "lighttpd", "ssl.pemfile", "ssl.privkey", "ssl.ca-file", "ssl.openssl", "ssl.verifyclient",
        NULL } },
    { "iis", { "IIS", "SCHANNEL", "certlm.msc", "netsh", NULL } },
    { "caddy", { "Caddy", "caddy", NULL } },
    { "traefik", { "Traefik", "traefik", "minVersion", "certResolver", "tls.options", NULL } },
    { "envoy", { "Envoy", "envoy", "common_tls_context", "tls_params", "tls_certificates", NULL } },
};

/* The fix diagnose would show for rule on server. */
static const char *fix_for(const td_rule_t *rule, const char *server)
{
    const char *f = td_fix_for(rule->id, server);
    return f != NULL ? f : rule->fix;
}

static void no_other_servers_directives(void **state)
{
    (void)state;
    size_t n = 0;
    const td_rule_t *rules = td__rules(&n);
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t s = 0; s < TD_ARRAY_LEN(servers); s++) {
            const char *text = fix_for(&rules[i], servers[s]);
            for (size_t k = 0; k < TD_ARRAY_LEN(own); k++) {
                if (strcmp(own[k].server, servers[s]) == 0) {
                    continue;
                }
                for (size_t w = 0; own[k].words[w] != NULL; w++) {
                    if (strstr(text, own[k].words[w]) != NULL) {
                        printf("%s for %s names %s's \"%s\": %s\n", rules[i].id, servers[s],
                               own[k].server, own[k].words[w], text);
                        bad++;
                    }
                }
            }
        }
    }
    assert_int_equal(bad, 0);
}

/* The findings whose fix is a server setting have a row for each of the eight servers, in
 * that server's own words. */
static void each_server_has_its_own_fix(void **state)
{
    (void)state;
    const char *ids[] = { "cert.chain.missing_intermediate",
                          "cert.expired",
                          "cert.hostname.mismatch",
                          "cert.self_signed",
                          "tls.version.legacy_only",
                          "tls.version.obsolete_enabled",
                          "tls.version.no_common",
                          "tls.version.tls13_only",
                          "tls.cipher.no_common",
                          "proto.plain_http",
                          "tls.client_cert.required" };
    for (size_t i = 0; i < TD_ARRAY_LEN(ids); i++) {
        const char *neutral = td_fix_for(ids[i], "*");
        assert_non_null(neutral);
        for (size_t k = 0; k < TD_ARRAY_LEN(own); k++) {
            const char *f = td_fix_for(ids[i], own[k].server);
            if (f == NULL || f == neutral || strstr(f, own[k].words[0]) == NULL) {
                printf("%s: no fix of %s's own\n", ids[i], own[k].server);
            }
            assert_non_null(f);
            assert_ptr_not_equal(f, neutral);
            bool named = false;
            for (size_t w = 0; own[k].words[w] != NULL; w++) {
                named = named || strstr(f, own[k].words[w]) != NULL;
            }
            assert_true(named);
        }
    }
    /* Unknown software: the rule's generic text; known without a row: the neutral one. */
    assert_null(td_fix_for("cert.expired", NULL));
    assert_ptr_equal(td_fix_for("tls.sni.required", "lighttpd"),
                     td_fix_for("tls.sni.required", "*"));
}

/* Every row leaves room for the filled placeholders in a finding's 600-byte fix. */
static void rows_fit(void **state)
{
    (void)state;
    size_t n = 0;
    const td_rule_t *rules = td__rules(&n);
    for (size_t i = 0; i < n; i++) {
        for (size_t s = 0; s < TD_ARRAY_LEN(servers); s++) {
            const char *f = fix_for(&rules[i], servers[s]);
            if (strlen(f) > 500) {
                printf("%s for %s: %zu bytes\n", rules[i].id, servers[s], strlen(f));
            }
            assert_true(strlen(f) <= 500);
        }
    }
}

static td_obs_t *new_obs(const char *host, unsigned port, const char *connect_to, const char *addr,
                         unsigned aport)
{
    td_obs_t *o = calloc(1, sizeof(*o));
    assert_non_null(o);
    strcpy(o->host, host);
    o->port = (uint16_t)port;
    strcpy(o->connect_to, connect_to);
    o->tcp.step = TD_STEP_DONE;
    o->tcp.n = 1;
    o->tcp.chosen = 0;
    strcpy(o->tcp.a[0].addr, addr);
    o->tcp.a[0].port = (uint16_t)aport;
    o->tls.alert_received = o->nosni.alert_received = o->legacy.alert_received = -1;
    return o;
}

static void fill(const td_obs_t *o, const char *in, const char *want)
{
    char buf[600];
    td_strlcpy(buf, in, sizeof(buf));
    td__fill_placeholders(o, buf, sizeof(buf));
    assert_string_equal(buf, want);
}

static void verify_commands_keep_the_name(void **state)
{
    (void)state;
    td_obs_t *o = new_obs("www.a.test", 8443, "127.0.0.1:9443", "127.0.0.1", 9443);
    fill(o, "Verify: curl -v https://HOST:PORT/",
         "Verify: curl --connect-to www.a.test:8443:127.0.0.1:9443 -v https://www.a.test:8443/");
    fill(o, "openssl s_client -connect HOST:PORT -servername HOST -verify_hostname HOST -showcerts",
         "openssl s_client -connect 127.0.0.1:9443 -servername www.a.test -verify_hostname "
         "www.a.test -showcerts");
    fill(o, "Verify with: openssl s_client -connect HOST:PORT -tls1_2.",
         "Verify with: openssl s_client -connect 127.0.0.1:9443 -servername www.a.test "
         "-tls1_2.");
    fill(o, "Verify: tlsdoctor HOST:PORT",
         "Verify: tlsdoctor www.a.test:8443 --connect-to 127.0.0.1:9443");
    fill(o, "verify with: nc -vz -w 5 HOST PORT; dig +short HOST; ss -ltnp | grep :PORT",
         "verify with: nc -vz -w 5 127.0.0.1 9443; dig +short www.a.test; ss -ltnp | grep :8443");
    /* Words that merely contain a placeholder stay as they are. */
    fill(o, "ip route get ADDRESS; HOSTNAME ORIGIN_IP", "ip route get ADDRESS; HOSTNAME ORIGIN_IP");
    /* curl without a URL to the target (client certificates) gets no --connect-to. */
    fill(o, "(curl --cert FILE --key FILE); ok", "(curl --cert FILE --key FILE); ok");
    free(o);
    /* IPv6 address. */
    o = new_obs("www.a.test", 443, "[2001:db8::1]", "2001:db8::1", 443);
    fill(o, "curl -sI https://HOST:PORT/; openssl s_client -connect HOST:PORT -servername HOST",
         "curl --connect-to www.a.test:443:[2001:db8::1]:443 -sI https://www.a.test:443/; openssl "
         "s_client -connect [2001:db8::1]:443 -servername www.a.test");
    free(o);
    /* The CA file the run used goes into the commands (a path with odd characters does not). */
    o = new_obs("www.a.test", 443, "127.0.0.1", "127.0.0.1", 443);
    strcpy(o->cert.store, "/tmp/lab/root.pem");
    fill(o, "curl -v https://HOST:PORT/; openssl s_client -connect HOST:PORT; tlsdoctor HOST:PORT",
         "curl --connect-to www.a.test:443:127.0.0.1:443 --cacert /tmp/lab/root.pem -v "
         "https://www.a.test:443/; openssl s_client -connect 127.0.0.1:443 -servername "
         "www.a.test -CAfile /tmp/lab/root.pem; tlsdoctor www.a.test:443 --connect-to "
         "127.0.0.1:443 --ca-file /tmp/lab/root.pem");
    strcpy(o->cert.store, "/tmp/a b;rm.pem");
    fill(o, "tlsdoctor HOST:PORT", "tlsdoctor www.a.test:443 --connect-to 127.0.0.1:443");
    free(o);
    /* Without --connect-to: the name everywhere, nothing added. */
    o = new_obs("www.a.test", 443, "", "192.0.2.1", 443);
    fill(o,
         "curl -v https://HOST:PORT/; openssl s_client -connect HOST:PORT -tls1_2; tlsdoctor "
         "HOST:PORT",
         "curl -v https://www.a.test:443/; openssl s_client -connect www.a.test:443 -tls1_2; "
         "tlsdoctor www.a.test:443");
    free(o);
}

/* A whole diagnosis: lighttpd found from its Server header, a TLS 1.0-only server, reached
 * with --connect-to: lighttpd's directive, no nginx, a verify command that checks the name. */
static void rendered_fix_for_lighttpd(void **state)
{
    (void)state;
    td_report_t *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    td_obs_t *o = new_obs("www.a.test", 8443, "127.0.0.1:9443", "127.0.0.1", 9443);
    r->obs = *o;
    free(o);
    o = &r->obs;
    o->dns.step = TD_STEP_SKIPPED;
    o->sniff.step = TD_STEP_DONE;
    o->sniff.connected = 1;
    o->sniff.received = 100;
    o->sniff.sniff.cls = TD_SNIFF_TLS;
    o->sniff.flight.has_server_hello = 1;
    o->sniff.flight.version = TD_V_TLS10;
    o->tls.step = TD_STEP_DONE;
    o->tls.alert_received = 70;
    o->tls.alert_sent = -1;
    o->legacy.step = TD_STEP_DONE;
    o->legacy.ok = 1;
    o->legacy.alert_received = -1;
    o->legacy.alert_sent = -1;
    strcpy(o->legacy.version, "TLSv1");
    o->http.step = TD_STEP_DONE;
    o->http.result = TD_HTTP_OK;
    o->http.head.status = 200;
    o->http.alert = -1;
    strcpy(o->http.head.server, "lighttpd/1.4.69");
    td__diagnose(r);
    assert_string_equal(r->server_software, "lighttpd");
    const char *fix = NULL;
    for (size_t i = 0; i < r->n; i++) {
        if (strcmp(r->f[i].pub.id, "tls.version.legacy_only") == 0) {
            fix = r->f[i].pub.fix;
        }
    }
    assert_non_null(fix);
    assert_non_null(strstr(fix, "ssl.openssl.ssl-conf-cmd"));
    assert_null(strstr(fix, "nginx"));
    assert_null(strstr(fix, "ssl_protocols"));
    assert_non_null(strstr(fix, "--connect-to 127.0.0.1:9443"));
    free(r);
}

static const char *software(td_obs_t *o)
{
    static char ev[200];
    const char *sw = td__server_software(o, ev, sizeof(ev));
    if (sw != NULL) {
        printf("  %s: %s\n", sw, ev);
    }
    return sw;
}

static void recognition(void **state)
{
    (void)state;
    td_obs_t *o = new_obs("www.a.test", 443, "", "192.0.2.1", 443);
    strcpy(o->http.head.server, "Caddy");
    assert_string_equal(software(o), "caddy");
    strcpy(o->http.head.server, "istio-envoy");
    assert_string_equal(software(o), "envoy");
    strcpy(o->http.head.server, "Microsoft-HTTPAPI/2.0");
    assert_string_equal(software(o), "iis");
    strcpy(o->http.head.server, "Apache-Coyote/1.1"); /* Tomcat, not httpd */
    assert_null(software(o));
    o->http.head.server[0] = '\0';
    strcpy(o->http.head.x_envoy, "x-envoy-upstream-service-time");
    assert_string_equal(software(o), "envoy");
    o->http.head.x_envoy[0] = '\0';
    o->http.page_software = "envoy";
    o->http.page_sign = "no healthy upstream";
    assert_string_equal(software(o), "envoy");
    o->http.page_software = NULL;
    /* Certificates a server made itself. */
    o->cert.step = TD_STEP_DONE;
    o->cert.n = 1;
    strcpy(o->cert.c[0].issuer, "CN=Caddy Local Authority - ECC Intermediate");
    assert_string_equal(software(o), "caddy");
    strcpy(o->cert.c[0].issuer, "CN=R11,O=Let's Encrypt,C=US");
    assert_null(software(o));
    /* Alert behaviour: alert 112 and a silent close to plain HTTP is HAProxy's strict-sni. */
    o->nosni.alert_received = 112;
    assert_null(software(o));
    o->plain.step = TD_STEP_DONE;
    o->plain.connected = 1;
    o->plain.end = TD_END_EOF;
    assert_string_equal(software(o), "haproxy");
    /* nginx's ssl_reject_handshake sends the same alert, but answers plain HTTP. */
    o->plain.received = 180;
    o->plain.sniff.page_software = "nginx";
    o->plain.sniff.page_sign = "plain HTTP request was sent to HTTPS port";
    assert_string_equal(software(o), "nginx");
    /* Go's plain-HTTP page and alert 80 for a name without a certificate: Caddy. */
    o->nosni.alert_received = 80;
    o->plain.sniff.page_software = "go";
    o->plain.sniff.page_sign = "Client sent an HTTP request to an HTTPS server.";
    assert_string_equal(software(o), "caddy");
    o->nosni.alert_received = -1;
    assert_null(software(o));
    /* HAProxy's own response over HTTP/1.1: lower-case names, no Server header. */
    o->plain.sniff.page_software = NULL;
    o->http.step = TD_STEP_DONE;
    o->http.head.valid = o->http.head.complete = 1;
    o->http.head.headers = 2;
    assert_string_equal(software(o), "haproxy");
    o->http.head.upper_names = 1; /* "Content-Type": nginx, Apache, Go, ... */
    assert_null(software(o));
    free(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(no_other_servers_directives),
        cmocka_unit_test(each_server_has_its_own_fix),
        cmocka_unit_test(rows_fit),
        cmocka_unit_test(verify_commands_keep_the_name),
        cmocka_unit_test(rendered_fix_for_lighttpd),
        cmocka_unit_test(recognition),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
