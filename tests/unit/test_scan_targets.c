/* Unit tests for src/scan/targets.c: the fleet scan's target lines (four forms, comments,
 * bad lines), the identity hash behind dedup, --shard and --resume, and the hash set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

/* cmocka.h needs the three headers above first. */
#include <cmocka.h>

#include <string.h>

#include "scan/scan.h"

static td_scan_target_t t1, t2; /* large: not on the stack */

static int parse(const char *line, td_scan_target_t *t)
{
    char why[256];
    return td__scan_parse_line(line, strlen(line), t, why, sizeof(why));
}

static void forms(void **state)
{
    (void)state;
    assert_int_equal(parse("example.com", &t1), 1);
    assert_string_equal(t1.host, "example.com");
    assert_int_equal(t1.port, 443);
    assert_string_equal(t1.connect_to, "");

    assert_int_equal(parse("  example.com:8443 203.0.113.10:9443  # origin", &t1), 1);
    assert_string_equal(t1.host, "example.com");
    assert_int_equal(t1.port, 8443);
    assert_string_equal(t1.connect_to, "203.0.113.10:9443");
    assert_string_equal(t1.line, "example.com:8443 203.0.113.10:9443");

    assert_int_equal(parse("http://example.com:8080/health#frag", &t1), 1);
    assert_int_equal(t1.plain_http, 1);
    assert_int_equal(t1.port, 8080);

    /* zgrab2: ip,name,tag,port; name and port optional */
    assert_int_equal(parse("192.0.2.1,example.com,prod,8443", &t1), 1);
    assert_string_equal(t1.host, "example.com");
    assert_string_equal(t1.connect_to, "192.0.2.1");
    assert_int_equal(t1.port, 8443);
    assert_int_equal(parse("2001:db8::1,,,", &t1), 1);
    assert_string_equal(t1.host, "2001:db8::1");
    assert_string_equal(t1.connect_to, "");
    assert_int_equal(parse("[2001:db8::1]:443", &t1), 1);
}

static void skipped_and_bad(void **state)
{
    (void)state;
    assert_int_equal(parse("", &t1), 0);
    assert_int_equal(parse("   \t", &t1), 0);
    assert_int_equal(parse("# a comment", &t1), 0);
    assert_int_equal(parse("a b c", &t1), -1);
    assert_int_equal(parse("example.com:0", &t1), -1);
    assert_int_equal(parse("example.com:99999", &t1), -1);
    assert_int_equal(parse("example.com nota:addr:x", &t1), -1);
    assert_int_equal(parse("notanip,example.com,,443", &t1), -1);
    assert_int_equal(parse("192.0.2.1,example.com,,port", &t1), -1);
    assert_int_equal(parse("1,2,3,4,5", &t1), -1);
    assert_int_equal(parse(",,,", &t1), -1);
    assert_int_equal(parse("exa\x01mple.com", &t1), -1);
    char why[64];
    const char nul[] = "a\0b";
    assert_int_equal(td__scan_parse_line(nul, 3, &t1, why, sizeof(why)), -1);
    char longline[TD_SCAN_MAX_LINE + 10];
    memset(longline, 'a', sizeof(longline) - 1);
    longline[sizeof(longline) - 1] = '\0';
    assert_int_equal(parse(longline, &t1), -1);
}

static void identity(void **state)
{
    (void)state;
    /* one target, four spellings */
    const char *same[] = { "example.com", "EXAMPLE.com:443", "https://example.com/",
                           ",example.com,,443" };
    assert_int_equal(parse(same[0], &t1), 1);
    for (size_t i = 1; i < sizeof(same) / sizeof(same[0]); i++) {
        assert_int_equal(parse(same[i], &t2), 1);
        assert_true(t1.hash == t2.hash);
    }
    /* other port, path, address or scheme: another target */
    const char *other[] = { "example.com:8443", "https://example.com/x", "example.com 192.0.2.1",
                            "http://example.com:443/" };
    for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
        assert_int_equal(parse(other[i], &t2), 1);
        assert_true(t1.hash != t2.hash);
    }
    /* the path keeps its case */
    assert_int_equal(parse("https://example.com/A", &t1), 1);
    assert_int_equal(parse("https://example.com/a", &t2), 1);
    assert_true(t1.hash != t2.hash);
    /* shards: stable, in range, and the spellings of one target agree */
    int s = td_scan_shard_of("example.com", 7);
    assert_true(s >= 0 && s < 7);
    assert_int_equal(td_scan_shard_of("EXAMPLE.COM:443", 7), s);
    assert_int_equal(td_scan_shard_of("a b c", 7), -1);
    assert_int_equal(td_scan_shard_of("example.com", 0), -1);
    int seen[4] = { 0 };
    char line[64];
    for (int i = 0; i < 400; i++) {
        snprintf(line, sizeof(line), "host%d.example", i);
        seen[td_scan_shard_of(line, 4)]++;
    }
    for (int i = 0; i < 4; i++) {
        assert_true(seen[i] > 50); /* 100 expected each */
    }
}

static void hash_set(void **state)
{
    (void)state;
    td_hset_t s = { 0 };
    assert_false(td__hset_has(&s, 42));
    for (uint64_t i = 0; i < 5000; i++) {
        assert_int_equal(td__hset_add(&s, i * 0x9e3779b97f4a7c15ULL), 1);
    }
    assert_int_equal(td__hset_add(&s, 0), 0); /* 0 was added first (i = 0) */
    for (uint64_t i = 0; i < 5000; i++) {
        assert_true(td__hset_has(&s, i * 0x9e3779b97f4a7c15ULL));
        assert_int_equal(td__hset_add(&s, i * 0x9e3779b97f4a7c15ULL), 0);
    }
    assert_int_equal((int)s.n, 5000);
    td__hset_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(forms),
        cmocka_unit_test(skipped_and_bad),
        cmocka_unit_test(identity),
        cmocka_unit_test(hash_set),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
