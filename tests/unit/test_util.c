/* Unit tests for src/util/td_util.c: td_fmt_g17 against printf's "%.17g". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

/* cmocka.h needs the three headers above first. */
#include <cmocka.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util/td_util.h"

/* 1 when td_fmt_g17 wrote what printf writes; 0 when it declined (out of its range). */
static int same_as_printf(double v)
{
    char want[64], got[24];
    snprintf(want, sizeof(want), "%.17g", v);
    size_t n = td_fmt_g17(got, v);
    if (n == 0) {
        return 0;
    }
    if (strcmp(got, want) != 0 || n != strlen(want)) {
        fail_msg("td_fmt_g17(%a) = \"%s\", printf gives \"%s\"", v, got, want);
    }
    return 1;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void g17_chosen_values(void **state)
{
    (void)state;
    static const double in[] = {
        0.0,
        -0.0,
        1.0,
        0.1,
        0.5,
        1e-4,
        0.0001000000000000001,
        1e14,
        999999999999999.9,
        1700000000.0,
        1427213610.9551849,
        0.098356962203979492,
        0.14884233474731445,
        100000000000000.125, /* a tie at the 17th digit: to even */
        100000000000000.375,
        12345.678,
        9.9999999999999995,
        99999.999999999993,
        0.30000000000000004,
        -1234.5,
        3277008166.602142,
        28509138701.65835,
        2.5,
        1e-3,
        123456789012345.6,
    };
    for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
        assert_true(same_as_printf(in[i]));
    }
    /* Outside the range: declined, so the caller uses snprintf. */
    char out[24];
    assert_int_equal(td_fmt_g17(out, 1e15), 0);
    assert_int_equal(td_fmt_g17(out, 9.99e-5), 0);
    assert_int_equal(td_fmt_g17(out, INFINITY), 0);
    assert_int_equal(td_fmt_g17(out, NAN), 0);
}

/* A million values spread over the range by their exponent, and every 1/2^k fraction near a
 * capture time: each must print as printf prints it. */
static void g17_random_values(void **state)
{
    (void)state;
    int checked = 0;
    for (int i = 0; i < 1000000; i++) {
        uint64_t r = next();
        double mant = 1.0 + (double)(r >> 12) / 4503599627370496.0; /* [1, 2) */
        int e = (int)((r & 0xfff) % 64) - 14;                       /* 2^-14 .. 2^49 */
        double v = ldexp(mant, e);
        checked += same_as_printf(v);
        checked += same_as_printf(-v);
    }
    for (int k = 1; k <= 30; k++) {
        for (int j = 0; j < 1000; j++) {
            double v = 1700000000.0 + j + ldexp((double)(next() % (1u << k)), -k);
            checked += same_as_printf(v);
        }
    }
    assert_true(checked > 1900000); /* nearly all of them were in its range */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(g17_chosen_values),
        cmocka_unit_test(g17_random_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
