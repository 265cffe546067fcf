/* Unit tests for src/wire/target.c: what users type as a target. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

/* cmocka.h needs the three headers above first. */
#include <cmocka.h>

#include <string.h>

#include "tlsdoctor.h"

struct tcase {
    const char *in;
    int rc;
    const char *host;
    unsigned port;
    const char *path;
};

static void targets(void **state)
{
    (void)state;
    static const struct tcase cases[] = {
        { "example.com", 0, "example.com", 0, "/" },
        { "example.com:8443", 0, "example.com", 8443, "/" },
        { "https://example.com:444/a/b?c=d", 0, "example.com", 444, "/a/b?c=d" },
        { "HTTPS://Example.com", 0, "Example.com", 0, "/" },
        { "http://example.com", 0, "example.com", 80, "/" },
        { "[2001:db8::1]:443", 0, "2001:db8::1", 443, "/" },
        { "10.0.0.2", 0, "10.0.0.2", 0, "/" },
        { "example.com:0", TD_E_TARGET, NULL, 0, NULL },
        { "example.com:65536", TD_E_TARGET, NULL, 0, NULL },
        { "example.com:44x", TD_E_TARGET, NULL, 0, NULL },
        { "example.com:", TD_E_TARGET, NULL, 0, NULL },
        { "[::1", TD_E_TARGET, NULL, 0, NULL },
        { "ftp://example.com/", TD_E_TARGET, NULL, 0, NULL },
        { "exa mple.com", TD_E_TARGET, NULL, 0, NULL },
        { "", TD_E_TARGET, NULL, 0, NULL },
        { ":443", TD_E_TARGET, NULL, 0, NULL },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        td_target_t t;
        td_errinfo_t e;
        memset(&e, 0, sizeof(e));
        int rc = td_target_parse(cases[i].in, &t, &e);
        if (rc != cases[i].rc) {
            fail_msg("'%s': rc %d, want %d", cases[i].in, rc, cases[i].rc);
        }
        if (rc == 0) {
            assert_string_equal(t.host, cases[i].host);
            assert_int_equal(t.port, cases[i].port);
            assert_string_equal(t.path, cases[i].path);
        } else {
            assert_true(e.message[0] != '\0'); /* says what went wrong */
        }
    }
}

static void long_host(void **state)
{
    (void)state;
    char big[400];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    td_target_t t;
    assert_int_equal(td_target_parse(big, &t, NULL), TD_E_TARGET);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(targets),
        cmocka_unit_test(long_host),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
