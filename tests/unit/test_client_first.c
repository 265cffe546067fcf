/* Unit tests for src/wire/client_first.c (what a client sends first: PROXY header, HTTP, other
 * protocols, ClientHello) and the key_share / JA4 additions of src/wire/tls_client.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

/* cmocka.h needs the three headers above first. */
#include <cmocka.h>

#include "fixture.h"
#include "wire/client_first.h"

static uint8_t scratch[64 * 1024];
static td_client_first_t f;

static void classify(const void *p, size_t n)
{
    td_client_first_classify(p, n, scratch, sizeof(scratch), &f);
}

static void text_kinds(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        td_first_kind_t kind;
        const char *proto;
        int need_more;
    } cases[] = {
        { "GET /health HTTP/1.1\r\nHost: a\r\n\r\n", TD_FIRST_HTTP, "http", 0 },
        { "HEAD / HTTP/1.0\n", TD_FIRST_HTTP, "http", 0 },
        { "GET /no-end-yet", TD_FIRST_HTTP, "http", 1 },
        { "GE", TD_FIRST_UNKNOWN, "unknown", 1 },
        { "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", TD_FIRST_H2C, "h2c", 0 },
        { "SSH-2.0-OpenSSH_9.2\r\n", TD_FIRST_OTHER, "ssh", 0 },
        { "EHLO me\r\n", TD_FIRST_OTHER, "smtp", 0 },
        { "\x01\x02\x03", TD_FIRST_UNKNOWN, "unknown", 0 },
        { "PROX", TD_FIRST_UNKNOWN, "proxy", 1 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        classify(cases[i].in, strlen(cases[i].in));
        assert_int_equal(f.kind, cases[i].kind);
        assert_string_equal(f.proto, cases[i].proto);
        assert_int_equal(f.need_more, cases[i].need_more);
    }
    classify("GET /health HTTP/1.1\r\nHost: a\r\n\r\n", 34);
    assert_string_equal(f.request_line, "GET /health HTTP/1.1");
    classify("GET /\x1b[2J HTTP/1.1\r\n", 21);
    assert_string_equal(f.request_line, "GET /\\x1b[2J HTTP/1.1"); /* escaped */
    classify("", 0);
    assert_int_equal(f.kind, TD_FIRST_NONE);
}

static void proxy_v1(void **state)
{
    (void)state;
    const char *h = "PROXY TCP4 192.0.2.7 192.0.2.8 40000 443\r\nGET / HTTP/1.1\r\n";
    classify(h, strlen(h));
    assert_int_equal(f.proxy.version, 1);
    assert_int_equal(f.proxy.malformed, 0);
    assert_int_equal(f.proxy.len, 42);
    assert_string_equal(f.proxy.src, "192.0.2.7");
    assert_int_equal(f.proxy.dport, 443);
    assert_int_equal(f.kind, TD_FIRST_HTTP);
    /* Every prefix of the header asks for more bytes, never a wrong verdict. */
    for (size_t n = 1; n < 42; n++) {
        classify(h, n);
        assert_int_equal(f.need_more, 1);
    }
    static const char *const bad[] = {
        "PROXY TCP4 1.2.3.4 5.6.7.8 99999 443\r\n", /* port over 65535 */
        "PROXY TCP9 1.2.3.4 5.6.7.8 1 2\r\n",       /* unknown family */
        "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n",         /* LF without CR */
        "PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n",     /* trailing field */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        classify(bad[i], strlen(bad[i]));
        assert_int_equal(f.proxy.version, 1);
        assert_int_equal(f.proxy.malformed, 1);
    }
    char longer[200];
    memset(longer, 'a', sizeof(longer));
    memcpy(longer, "PROXY ", 6);
    classify(longer, sizeof(longer)); /* no CRLF within 107 bytes */
    assert_int_equal(f.proxy.malformed, 1);
    classify("PROXY UNKNOWN\r\n", 15);
    assert_int_equal(f.proxy.local, 1);
}

static void proxy_v2(void **state)
{
    (void)state;
    uint8_t h[16 + 12] = { 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49,
                           0x54, 0x0a, 0x21, 0x11, 0x00, 0x0c, 192,  0,    2,    7,
                           192,  0,    2,    8,    0x9c, 0x40, 0x01, 0xbb };
    classify(h, sizeof(h));
    assert_int_equal(f.proxy.version, 2);
    assert_int_equal(f.proxy.len, sizeof(h));
    assert_string_equal(f.proxy.family, "TCP4");
    assert_string_equal(f.proxy.dst, "192.0.2.8");
    assert_int_equal(f.proxy.sport, 40000);
    assert_int_equal(f.kind, TD_FIRST_NONE);
    for (size_t n = 1; n < sizeof(h); n++) {
        classify(h, n);
        assert_int_equal(f.need_more, 1);
    }
    h[12] = 0x31; /* version 3 */
    classify(h, sizeof(h));
    assert_int_equal(f.proxy.malformed, 1);
    h[12] = 0x21;
    h[15] = 0x0b; /* addresses longer than the block */
    classify(h, sizeof(h));
    assert_int_equal(f.proxy.malformed, 1);
}

static void hello_key_shares_and_ja4(void **state)
{
    (void)state;
    uint8_t buf[4096];
    char ja4[40], ja4_r[1600];
    size_t n = load_hex("hello_ffdhe8192_share", buf, sizeof(buf));
    classify(buf, n);
    assert_int_equal(f.kind, TD_FIRST_TLS);
    assert_int_equal(f.need_more, 0);
    assert_true(f.hello.has_hello);
    assert_int_equal(f.hello.n_shares, 1);
    assert_int_equal(f.hello.share_groups[0], 260); /* ffdhe8192 */
    assert_int_equal(f.hello.share_lens[0], 1024);
    assert_int_equal(f.hello.hello_len + 5, n);
    assert_int_equal(td_ja4_string(&f.hello, ja4, sizeof(ja4), ja4_r, sizeof(ja4_r)), 0);
    assert_int_equal(strlen(ja4), 36);
    assert_memory_equal(ja4, "t13d", 4);
    assert_memory_equal(ja4_r, ja4, 10);
    /* Cut at every length: incomplete, never a crash or a wrong hello. */
    for (size_t k = 1; k < n; k++) {
        classify(buf, k);
        assert_int_equal(f.kind, TD_FIRST_TLS);
        assert_false(f.hello.has_hello);
        assert_int_equal(f.need_more, 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(text_kinds),
        cmocka_unit_test(proxy_v1),
        cmocka_unit_test(proxy_v2),
        cmocka_unit_test(hello_key_shares_and_ja4),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
