/* Unit tests for src/diagnose/changes.c: what changed between two stored results. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

/* cmocka.h needs the three headers above first. */
#include <cmocka.h>

#include <string.h>

#include "diagnose/changes.h"
#include "util/td_util.h"

#define DAY 86400

static td_hist_row_t row(int64_t run, int code, const char *root, const char *leaf)
{
    td_hist_row_t r;
    memset(&r, 0, sizeof(r));
    r.run_id = run;
    r.time = 1800000000 + run * DAY;
    td_strlcpy(r.target, "example.test:443", sizeof(r.target));
    r.diagnosed = 1;
    r.exit_code = code;
    td_strlcpy(r.root_cause, root, sizeof(r.root_cause));
    td_strlcpy(r.leaf_sha256, leaf, sizeof(r.leaf_sha256));
    td_strlcpy(r.key, "EC 256", sizeof(r.key));
    td_strlcpy(r.issuer, "CN=int", sizeof(r.issuer));
    r.not_before = 1800000000 - 10 * DAY;
    r.not_after = 1800000000 + 80 * DAY; /* a 90-day certificate */
    td_strlcpy(r.addrs, "192.0.2.1", sizeof(r.addrs));
    td_strlcpy(r.clients_ok, "chrome,firefox", sizeof(r.clients_ok));
    return r;
}

static const td_change_t *find(const td_change_t *c, size_t n, const char *kind)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(c[i].kind, kind) == 0) {
            return &c[i];
        }
    }
    return NULL;
}

static void nothing_changed(void **state)
{
    (void)state;
    td_change_t c[TD_CHANGES_PER_TARGET];
    td_hist_row_t a = row(1, 0, "", "AA"), b = row(2, 0, "", "AA");
    assert_int_equal(td__changes_judge(&a, &b, c, TD_ARRAY_LEN(c)), 0);
}

static void newly_failing_and_fixed(void **state)
{
    (void)state;
    td_change_t c[TD_CHANGES_PER_TARGET];
    td_hist_row_t a = row(1, 0, "", "AA"), b = row(2, 2, "cert.expired", "BB");
    td_strlcpy(b.clients_fail, "chrome,firefox", sizeof(b.clients_fail));
    b.clients_ok[0] = '\0';
    size_t n = td__changes_judge(&a, &b, c, TD_ARRAY_LEN(c));
    const td_change_t *x = find(c, n, "newly_failing");
    assert_non_null(x);
    assert_int_equal(x->level, TD_CHANGE_FAIL);
    assert_string_equal(x->after, "cert.expired");
    assert_non_null(find(c, n, "cert_new"));
    /* The root cause explains the clients: no separate clients change. */
    assert_null(find(c, n, "clients_newly_failing"));
    n = td__changes_judge(&b, &a, c, TD_ARRAY_LEN(c));
    x = find(c, n, "fixed");
    assert_non_null(x);
    assert_int_equal(x->level, TD_CHANGE_INFO);
    assert_string_equal(x->before, "cert.expired");
}

static void root_cause_changed(void **state)
{
    (void)state;
    td_change_t c[TD_CHANGES_PER_TARGET];
    td_hist_row_t a = row(1, 2, "cert.expired", "AA"), b = row(2, 2, "tcp.connect.refused", "");
    size_t n = td__changes_judge(&a, &b, c, TD_ARRAY_LEN(c));
    const td_change_t *x = find(c, n, "root_cause_changed");
    assert_non_null(x);
    assert_int_equal(x->level, TD_CHANGE_WARN);
    assert_string_equal(x->before, "cert.expired");
    assert_null(find(c, n, "newly_failing"));
}

/* Expiry warns inside the last third of the lifetime, once, whatever the lifetime. */
static void expiry_third_of_lifetime(void **state)
{
    (void)state;
    td_change_t c[TD_CHANGES_PER_TARGET];
    td_hist_row_t a = row(1, 0, "", "AA"), b = row(2, 0, "", "AA");
    a.time = b.not_after - 31 * DAY; /* 31 of 90 days left: outside */
    b.time = b.not_after - 29 * DAY; /* 29 left: inside */
    size_t n = td__changes_judge(&a, &b, c, TD_ARRAY_LEN(c));
    assert_non_null(find(c, n, "cert_expiring"));
    a.time = b.not_after - 28 * DAY; /* already inside at the previous run: no repeat */
    n = td__changes_judge(&a, &b, c, TD_ARRAY_LEN(c));
    assert_null(find(c, n, "cert_expiring"));
    /* A six-day certificate with three days left is not expiring; with one day left it is. */
    a = row(1, 0, "", "CC");
    b = row(2, 0, "", "CC");
    b.not_before = b.time - 3 * DAY;
    b.not_after = b.time + 3 * DAY;
    a.time = b.time - DAY;
    n = td__changes_judge(&a, &b, c, TD_ARRAY_LEN(c));
    assert_null(find(c, n, "cert_expiring"));
    b.time = b.not_after - DAY;
    n = td__changes_judge(&a, &b, c, TD_ARRAY_LEN(c));
    assert_non_null(find(c, n, "cert_expiring"));
}

static void clients_and_addresses(void **state)
{
    (void)state;
    td_change_t c[TD_CHANGES_PER_TARGET];
    td_hist_row_t a = row(1, 1, "", "AA"), b = row(2, 1, "", "AA");
    td_strlcpy(b.clients_ok, "chrome", sizeof(b.clients_ok));
    td_strlcpy(b.clients_fail, "firefox,safari", sizeof(b.clients_fail)); /* safari: not seen */
    td_strlcpy(b.addrs, "192.0.2.2", sizeof(b.addrs));
    size_t n = td__changes_judge(&a, &b, c, TD_ARRAY_LEN(c));
    const td_change_t *x = find(c, n, "clients_newly_failing");
    assert_non_null(x);
    assert_string_equal(x->after, "firefox");
    assert_string_equal(find(c, n, "addrs_appeared")->after, "192.0.2.2");
    assert_string_equal(find(c, n, "addrs_vanished")->before, "192.0.2.1");
}

static void new_and_undiagnosed(void **state)
{
    (void)state;
    td_change_t c[TD_CHANGES_PER_TARGET];
    td_hist_row_t a = row(1, 2, "proto.silent", ""), b = row(2, 0, "", "AA");
    size_t n = td__changes_judge(NULL, &a, c, TD_ARRAY_LEN(c));
    assert_int_equal(n, 1);
    assert_string_equal(c[0].kind, "new_target");
    assert_int_equal(c[0].level, TD_CHANGE_FAIL); /* added already failing */
    b.diagnosed = 0;
    td_strlcpy(b.error, "cannot read the CA file", sizeof(b.error));
    a.exit_code = 0;
    n = td__changes_judge(&a, &b, c, TD_ARRAY_LEN(c));
    assert_int_equal(n, 1);
    assert_string_equal(c[0].kind, "not_diagnosed");
    /* cap is honoured */
    b = row(2, 2, "cert.expired", "BB");
    assert_int_equal(td__changes_judge(&a, &b, c, 1), 1);
}

static void csv(void **state)
{
    (void)state;
    assert_true(td__csv_has("a,bb,c", "bb"));
    assert_false(td__csv_has("a,bb,c", "b"));
    assert_false(td__csv_has("", "a"));
    assert_false(td__csv_has("a", ""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nothing_changed),
        cmocka_unit_test(newly_failing_and_fixed),
        cmocka_unit_test(root_cause_changed),
        cmocka_unit_test(expiry_third_of_lifetime),
        cmocka_unit_test(clients_and_addresses),
        cmocka_unit_test(new_and_undiagnosed),
        cmocka_unit_test(csv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
