/* Unit tests for src/wire/sniff.c (first-bytes classifier) and src/wire/http_codec.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

/* cmocka.h needs the three headers above first. */
#include <cmocka.h>

#include "fixture.h"
#include "wire/http_codec.h"
#include "wire/sniff.h"

struct sniff_case {
    const char *in;
    size_t len; /* 0: strlen */
    td_sniff_class_t cls;
    const char *proto;
};

static void classify_table(void **state)
{
    (void)state;
    static const struct sniff_case cases[] = {
        { "\x16\x03\x03\x00\x10", 5, TD_SNIFF_TLS, "tls" },
        { "\x15\x03\x01\x00\x02\x02\x28", 7, TD_SNIFF_TLS, "tls" },
        { "HTTP/1.0 400 Bad Request\r\n", 0, TD_SNIFF_HTTP, "http" },
        { "SSH-2.0-OpenSSH_9.2p1 Debian\r\n", 0, TD_SNIFF_BANNER, "ssh" },
        { "220 mail.example.com ESMTP Postfix\r\n", 0, TD_SNIFF_BANNER, "smtp" },
        { "220 (vsFTPd 3.0.3)\r\n", 0, TD_SNIFF_BANNER, "ftp" },
        { "220 ProFTPD Server ready.\r\n", 0, TD_SNIFF_BANNER, "ftp" },
        { "+OK Dovecot ready.\r\n", 0, TD_SNIFF_BANNER, "pop3" },
        { "* OK [CAPABILITY IMAP4rev1] ready\r\n", 0, TD_SNIFF_BANNER, "imap" },
        { "-ERR wrong number of arguments\r\n", 0, TD_SNIFF_BANNER, "redis" },
        { "  <!DOCTYPE html><html>", 0, TD_SNIFF_HTML, "http" },
        { "\x80\x2e\x04\x00", 4, TD_SNIFF_SSLV2, "sslv2" },
        { "\x00\x01\x02\x03", 4, TD_SNIFF_UNKNOWN, "unknown" },
        { "\x16\x02", 2, TD_SNIFF_UNKNOWN, "unknown" }, /* content type but not version 3 */
        { "", 0, TD_SNIFF_EMPTY, "none" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        td_sniff_t s;
        size_t len = cases[i].len != 0 ? cases[i].len : strlen(cases[i].in);
        td_sniff_classify((const uint8_t *)cases[i].in, len, &s);
        if (s.cls != cases[i].cls || strcmp(s.proto, cases[i].proto) != 0) {
            fail_msg("case %zu: got %s/%s", i, td_sniff_class_name(s.cls), s.proto);
        }
    }
}

static void alert_and_status(void **state)
{
    (void)state;
    td_sniff_t s;
    td_sniff_classify((const uint8_t *)"\x15\x03\x01\x00\x02\x02\x46", 7, &s);
    assert_int_equal(s.tls_alert, 70);
    uint8_t in[2048];
    size_t n = load_hex("http_python", in, sizeof(in));
    td_sniff_classify(in, n, &s);
    assert_int_equal(s.cls, TD_SNIFF_HTTP);
    assert_int_equal(s.http_status, 200); /* python http.server answering our GET */
    static const char nginx497[] = "HTTP/1.1 400 Bad Request\r\nServer: nginx\r\n\r\n<html><center>"
                                   "The plain HTTP request was sent to HTTPS port</center>";
    td_sniff_classify((const uint8_t *)nginx497, sizeof(nginx497) - 1, &s);
    assert_true(s.plain_http_page);
}

/* The servers' built-in pages name the server even without a Server header. */
static void page_software(void **state)
{
    (void)state;
    static const struct {
        const char *reply;
        const char *software;
    } cases[] = {
        /* mod_ssl's answer to plain HTTP on the TLS port (AH01996) */
        { "HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\n\r\n<p>Reason: You're speaking "
          "plain HTTP to an SSL-enabled server port.<br />",
          "apache" },
        { "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/html\r\n\r\n<html><body><h1>503 "
          "Service Unavailable</h1>\nNo server is available to handle this "
          "request.\n</body></html>",
          "haproxy" },
        { "HTTP/1.1 404 Not Found\r\n\r\n<html>\r\n<hr><center>nginx</center>\r\n</body>",
          "nginx" },
        { "<html><center>The plain HTTP request was sent to HTTPS port</center>", "nginx" },
        { "HTTP/1.1 400 Bad Request\r\n\r\n<h2>Bad Request - Invalid Hostname</h2>", "iis" },
        { "HTTP/1.1 200 OK\r\nServer: x\r\n\r\nnginx is not named in a center tag here", NULL },
        /* Apache 2.4.71's 404 with ServerSignature off; Envoy's and Go's (Caddy 2.6) replies,
         * as the real servers sent them. */
        { "HTTP/1.1 404 Not Found\r\n\r\n<h1>Not Found</h1>\n<p>The requested URL was not found "
          "on this server.</p>",
          "apache" },
        { "HTTP/1.1 503 Service Unavailable\r\nserver: envoy\r\n\r\nno healthy upstream", "envoy" },
        { "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n",
          "go" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        td_sniff_t s;
        td_sniff_classify((const uint8_t *)cases[i].reply, strlen(cases[i].reply), &s);
        if (cases[i].software == NULL) {
            assert_null(s.page_software);
        } else {
            assert_non_null(s.page_software);
            assert_string_equal(s.page_software, cases[i].software);
            assert_non_null(s.page_sign);
        }
    }
}

/* The one-pass search finds every sign wherever it is: at the start, at the end, cut short by
 * one byte (not found), overlapping another, all in one buffer. */
static void page_signs_one_pass(void **state)
{
    (void)state;
    char buf[4096];
    size_t n = 0;
    uint32_t all = 0;
    const char *sign;
    for (size_t i = 0; (sign = td__sniff_page_sign(i)) != NULL; i++) {
        size_t k = strlen(sign);
        all |= 1u << i;
        assert_int_equal(td__sniff_page_signs((const uint8_t *)sign, k), 1u << i);
        assert_int_equal(td__sniff_page_signs((const uint8_t *)sign, k - 1), 0);
        assert_int_equal(td__sniff_page_signs((const uint8_t *)sign + 1, k - 1), 0);
        memcpy(buf + n, "x<y", 3); /* between signs: bytes that start none */
        memcpy(buf + n + 3, sign, k);
        n += 3 + k;
    }
    assert_int_equal(td__sniff_page_signs((const uint8_t *)buf, n), all);
    /* "<center>nginx" inside nginx's plain-HTTP page: both, the table's first sign reported. */
    static const char page[] = "<center>The plain HTTP request was sent to HTTPS port</center>"
                               "<hr><center>nginx</center>";
    assert_int_equal(td__sniff_page_signs((const uint8_t *)page, sizeof(page) - 1), 3);
    char http[512];
    int hn = snprintf(http, sizeof(http), "HTTP/1.1 400 Bad Request\r\n\r\n%s", page);
    td_sniff_t sn;
    td_sniff_classify((const uint8_t *)http, (size_t)hn, &sn);
    assert_int_equal(sn.plain_http_page, 1);
    assert_string_equal(sn.page_sign, td__sniff_page_sign(0));
    assert_string_equal(sn.page_software, "nginx");
}

static void http_head(void **state)
{
    (void)state;
    static const char resp[] = "HTTP/1.1 301 Moved Permanently\r\nserver: nginx/1.22.1\r\n"
                               "Date: Sun, 22 Nov 2026 10:00:00 GMT\r\nLocation: https://x/\r\n"
                               "Strict-Transport-Security: max-age=63072000\r\nbroken\r\n\r\nbody";
    td_http_head_t h;
    assert_int_equal(td_http_head_parse((const uint8_t *)resp, sizeof(resp) - 1, &h), 0);
    assert_true(h.valid && h.complete);
    assert_int_equal(h.status, 301);
    assert_string_equal(h.reason, "Moved Permanently");
    assert_string_equal(h.server, "nginx/1.22.1");
    assert_string_equal(h.location, "https://x/");
    assert_string_equal(h.hsts, "max-age=63072000");
    assert_int_equal(h.malformed_lines, 1);
    /* Cut before the blank line: valid but incomplete. */
    assert_int_equal(td_http_head_parse((const uint8_t *)resp, 40, &h), 0);
    assert_false(h.complete);
    assert_int_equal(td_http_head_parse((const uint8_t *)"SSH-2.0-x\r\n", 11, &h), TD_E_DECODE);
    assert_int_equal(td_http_head_parse((const uint8_t *)"HTTP/1.1 99 x\r\n", 15, &h), TD_E_DECODE);
    for (size_t i = 0; i < sizeof(resp) - 1; i++) {
        int rc = td_http_head_parse((const uint8_t *)resp, i, &h);
        assert_true(rc == 0 || rc == TD_E_DECODE);
    }
    assert_string_equal(h.x_envoy, "");
    /* Envoy's router stamps the responses it proxies (the first x-envoy-* name is kept). */
    static const char envoy[] = "HTTP/1.1 200 OK\r\nX-Envoy-Upstream-Service-Time: 3\r\n"
                                "x-envoy-decorator-operation: a\r\n\r\n";
    assert_int_equal(td_http_head_parse((const uint8_t *)envoy, sizeof(envoy) - 1, &h), 0);
    assert_string_equal(h.x_envoy, "X-Envoy-Upstream-Service-Time");
    assert_int_equal(h.upper_names, 1);
}

static void http_date(void **state)
{
    (void)state;
    int64_t t = 0;
    assert_int_equal(td_http_date_parse("Sun, 06 Nov 1994 08:49:37 GMT", &t), 0);
    assert_int_equal(t, 784111777); /* RFC 9110 §5.6.7's example */
    assert_int_equal(td_http_date_parse("Sunday, 06-Nov-94 08:49:37 GMT", &t), TD_E_DECODE);
    assert_int_equal(td_http_date_parse("Sun, 06 Nov 1994 08:49:37 UTC", &t), TD_E_DECODE);
    assert_int_equal(td_http_date_parse("Sun, 36 Nov 1994 08:49:37 GMT", &t), TD_E_DECODE);
    assert_int_equal(td_http_date_parse("", &t), TD_E_DECODE);
}

static void http_request(void **state)
{
    (void)state;
    char buf[512];
    size_t n = 0;
    assert_int_equal(td_http_request_build(buf, sizeof(buf), "a.test", 443, 1, "/x", &n), 0);
    assert_non_null(strstr(buf, "GET /x HTTP/1.1\r\nHost: a.test\r\n"));
    assert_int_equal(td_http_request_build(buf, sizeof(buf), "::1", 8443, 1, "/", &n), 0);
    assert_non_null(strstr(buf, "Host: [::1]:8443\r\n"));
    assert_int_equal(td_http_request_build(buf, sizeof(buf), "a", 80, 0, "/a b", &n), TD_E_USAGE);
    assert_int_equal(td_http_request_build(buf, 20, "a", 80, 0, "/", &n), TD_E_LIMIT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(classify_table),      cmocka_unit_test(alert_and_status),
        cmocka_unit_test(http_head),           cmocka_unit_test(http_request),
        cmocka_unit_test(http_date),           cmocka_unit_test(page_software),
        cmocka_unit_test(page_signs_one_pass),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
