/* Unit tests for src/diagnose/explain.c: every kind of input maps to the right entry, log
 * lines give their host and port, near misses are matched, and any bytes (binary, 1 MB,
 * empty) get an answer or "unknown" without a crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

/* cmocka.h needs the three headers above first. */
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "diagnose/explain.h"
#include "tlsdoctor.h"

static td_explain_t *run(const char *s)
{
    td_explain_t *x = NULL;
    assert_int_equal(td_explain(s, strlen(s), &x), 0);
    assert_non_null(x);
    return x;
}

struct ecase {
    const char *in;
    const char *first; /* name of the first match, NULL: unknown */
    const char *kind;
};

static void table(void **state)
{
    (void)state;
    static const struct ecase cases[] = {
        { "525", "Cloudflare 525", "cloudflare" },
        { "Error 522", "Cloudflare 522", "cloudflare" },
        { "40", "handshake_failure", "tls_alert" },
        { "alert 112", "unrecognized_name", "tls_alert" },
        { "unknown_ca", "unknown_ca", "tls_alert" },
        { "tlsv1 alert protocol version", "protocol_version", "tls_alert" },
        { "error:0A00010B:SSL routines::wrong version number", "wrong version number",
          "openssl_reason" },
        { "error:14094410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure",
          "handshake_failure", "tls_alert" },
        { "verify error:num=20:unable to get local issuer certificate",
          "unable to get local issuer certificate", "openssl_verify" },
        { "Verify return code: 62 (hostname mismatch)", "hostname mismatch", "openssl_verify" },
        /* The specific reason comes first; the curl code is explained too (below). */
        { "curl: (35) OpenSSL/3.0.2: error:0A00010B:SSL routines::wrong version number",
          "wrong version number", "openssl_reason" },
        /* The reason inside curl's message comes first, the exit code after it. */
        { "curl: (60) SSL certificate problem: self signed certificate", "self-signed certificate",
          "openssl_verify" },
        { "NET::ERR_CERT_AUTHORITY_INVALID", "ERR_CERT_AUTHORITY_INVALID", "browser" },
        { "err_ssl_version_or_cipher_mismatch", "ERR_SSL_VERSION_OR_CIPHER_MISMATCH", "browser" },
        { "-113", "ERR_SSL_VERSION_OR_CIPHER_MISMATCH", "browser" },
        { "ERR_SSL_PROTOCL_ERROR", "ERR_SSL_PROTOCOL_ERROR", "browser" }, /* fuzzy */
        { "400 The plain HTTP request was sent to HTTPS port",
          "nginx 497 / 400 The plain HTTP request was sent to HTTPS port", "http_status" },
        { "what is this", NULL, NULL },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        td_explain_t *x = run(cases[i].in);
        if (cases[i].first == NULL) {
            assert_int_equal(x->n, 0);
            assert_true(x->n_suggest > 0);
        } else {
            if (x->n == 0 || strcmp(x->m[0].entry->name, cases[i].first) != 0) {
                fail_msg("'%s': first match %s, want %s", cases[i].in,
                         x->n ? x->m[0].entry->name : "(none)", cases[i].first);
            }
            assert_string_equal(td_kb_kind_name(x->m[0].entry->kind), cases[i].kind);
        }
        td_explain_free(x);
    }
}

static void several_matches(void **state)
{
    (void)state;
    td_explain_t *x = run("curl: (35) OpenSSL/3.0.2: error:0A00010B:SSL routines::wrong version "
                          "number");
    int curl = 0;
    for (size_t i = 0; i < x->n; i++) {
        curl |= strcmp(x->m[i].entry->name, "curl 35: SSL connect error") == 0;
    }
    assert_true(curl);
    td_explain_free(x);
    /* A bare number is every code it can be. */
    x = run("20");
    assert_true(x->n >= 2);
    td_explain_free(x);
}

static void log_lines(void **state)
{
    (void)state;
    td_explain_t *x = run("Jan 17 04:03:37 SV5-F5-5600-2 warning tmm1[23068]: 01260013:4: SSL "
                          "Handshake failed for TCP 10.160.23.133:50365 -> 10.156.1.150:443");
    assert_true(x->from_log);
    assert_string_equal(x->log_format, "f5");
    assert_string_equal(x->host, "10.156.1.150");
    assert_string_equal(x->port, "443");
    assert_string_equal(x->m[0].entry->name, "F5 01260013 SSL Handshake failed");
    td_explain_free(x);
    x = run("2019/05/16 23:02:56 [info] 6#6: *7398 client sent plain HTTP request to HTTPS port "
            "while reading client request headers, client: 10.8.0.1, server: www.example.com, "
            "request: \"GET / HTTP/1.1\", host: \"35.226.0.43:443\"");
    assert_true(x->from_log);
    assert_string_equal(x->log_cause, "client.plain_http_to_tls_port");
    assert_string_equal(x->host, "www.example.com");
    td_explain_free(x);
    /* Apache's two-line failure pasted together. */
    x = run("[Thu Jul 02 12:57:33.140961 2020] [ssl:info] [pid 63754:tid 1] [client "
            "206.124.10.54:26081] AH02008: SSL library error 1 in handshake (server "
            "www.artsyvisions.com:443)\n[Thu Jul 02 12:57:33.141019 2020] [ssl:info] [pid "
            "63754:tid 1] SSL Library Error: error:14094412:SSL routines:ssl3_read_bytes:sslv3 "
            "alert bad certificate (SSL alert number 42)");
    assert_string_equal(x->log_cause, "client.cert_rejected");
    assert_string_equal(x->host, "www.artsyvisions.com");
    td_explain_free(x);
}

static void any_bytes(void **state)
{
    (void)state;
    td_explain_t *x = NULL;
    assert_int_equal(td_explain("", 0, &x), 0);
    assert_int_equal(x->n, 0);
    td_explain_free(x);
    assert_int_equal(td_explain(NULL, 0, &x), 0);
    td_explain_free(x);
    size_t big = 1 << 20;
    char *buf = malloc(big);
    for (size_t i = 0; i < big; i++) {
        buf[i] = (char)(i * 131 + (i >> 7));
    }
    assert_int_equal(td_explain(buf, big, &x), 0);
    td_explain_free(x);
    memset(buf, 'A', big);
    assert_int_equal(td_explain(buf, big, &x), 0);
    td_explain_free(x);
    free(buf);
    static const char nul[] = { '5', '2', '\0', '5' };
    assert_int_equal(td_explain(nul, sizeof(nul), &x), 0);
    td_explain_free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table),
        cmocka_unit_test(several_matches),
        cmocka_unit_test(log_lines),
        cmocka_unit_test(any_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
