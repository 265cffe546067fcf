/* Unit tests for src/api.c: option validation, allocation failure, report accessors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

/* cmocka.h needs the three headers above first. */
#include <cmocka.h>

#include <string.h>

#include "tlsdoctor.h"
#include "util/td_util.h"

static void *fail_alloc(size_t n)
{
    (void)n;
    return NULL;
}

static void usage_errors(void **state)
{
    (void)state;
    td_options_t o;
    td_report_t *r = (td_report_t *)1;
    td_errinfo_t e;
    td_options_init(&o);
    assert_int_equal(td_diagnose(&o, &r, &e), TD_E_USAGE);
    assert_null(r);
    o.host = "127.0.0.1";
    o.timeout_s = 1e9;
    assert_int_equal(td_diagnose(&o, &r, &e), TD_E_USAGE);
    o.timeout_s = 1;
    o.ca_file = "/nonexistent.pem";
    assert_int_equal(td_diagnose(&o, &r, &e), TD_E_CAFILE);
    assert_non_null(strstr(e.message, "nonexistent"));
    o.ca_file = NULL;
    o.connect_to = "[::1";
    assert_int_equal(td_diagnose(&o, &r, &e), TD_E_USAGE);
}

static void allocation_failure(void **state)
{
    (void)state;
    td_options_t o;
    td_report_t *r = NULL;
    td_options_init(&o);
    o.host = "127.0.0.1";
    td__set_allocator(fail_alloc);
    int rc = td_diagnose(&o, &r, NULL);
    td__set_allocator(NULL);
    assert_int_equal(rc, TD_E_NOMEM);
    assert_null(r);
}

static void accessors_on_null(void **state)
{
    (void)state;
    assert_int_equal(td_report_finding_count(NULL), 0);
    assert_null(td_report_finding(NULL, 0));
    assert_null(td_report_root_cause(NULL));
    assert_int_equal(td_report_worst(NULL), TD_SEV_OK);
    td_report_free(NULL);
    assert_string_equal(td_err_name(TD_E_TIMEOUT), "TD_E_TIMEOUT");
    assert_string_equal(td_strerror(TD_E_CAFILE), "cannot read the CA file");
    assert_string_equal(td_err_name(-12345), "TD_E_UNKNOWN");
    assert_string_equal(td_layer_name(TD_LAYER_CERT), "cert");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(usage_errors),
        cmocka_unit_test(allocation_failure),
        cmocka_unit_test(accessors_on_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
