/* Unit tests for src/wire/td_reader.c: bounds, vectors, writer blocks, text cursor. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

/* cmocka.h needs the three headers above first. */
#include <cmocka.h>

#include <string.h>

#include "wire/td_reader.h"

static void reader_ints_and_bounds(void **state)
{
    (void)state;
    static const uint8_t in[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a };
    td_reader_t r;
    uint8_t a = 0;
    uint16_t b = 0;
    uint32_t c = 0, d = 0;
    td_reader_init(&r, in, sizeof(in));
    assert_int_equal(td_reader_u8(&r, &a), 0);
    assert_int_equal(a, 1);
    assert_int_equal(td_reader_u16(&r, &b), 0);
    assert_int_equal(b, 0x0203);
    assert_int_equal(td_reader_u24(&r, &c), 0);
    assert_int_equal(c, 0x040506);
    assert_int_equal(td_reader_u32(&r, &d), 0);
    assert_int_equal(d, 0x0708090a);
    assert_int_equal(td_reader_left(&r), 0);
    /* Nothing left: every read fails and the cursor does not move. */
    assert_int_equal(td_reader_u8(&r, &a), TD_E_DECODE);
    assert_int_equal(r.off, sizeof(in));
}

static void reader_failure_leaves_cursor(void **state)
{
    (void)state;
    static const uint8_t in[] = { 0xaa, 0xbb, 0xcc };
    td_reader_t r;
    uint32_t v = 0;
    td_bytes_t view;
    td_reader_init(&r, in, sizeof(in));
    assert_int_equal(td_reader_u32(&r, &v), TD_E_DECODE);
    assert_int_equal(r.off, 0);
    assert_int_equal(td_reader_bytes(&r, 4, &view), TD_E_DECODE);
    assert_int_equal(td_reader_skip(&r, (size_t)-1), TD_E_DECODE); /* no overflow */
    assert_int_equal(r.off, 0);
    assert_int_equal(td_reader_bytes(&r, 3, &view), 0);
    assert_ptr_equal(view.p, in);
}

static void reader_vec_limits(void **state)
{
    (void)state;
    static const uint8_t in[] = { 0x00, 0x03, 0x11, 0x22, 0x33, 0x99 };
    td_reader_t r, sub;
    uint8_t x = 0;
    td_reader_init(&r, in, sizeof(in));
    /* Too short for min, too long for max: rejected, cursor unchanged. */
    assert_int_equal(td_reader_vec(&r, 2, 4, 10, &sub), TD_E_DECODE);
    assert_int_equal(td_reader_vec(&r, 2, 0, 2, &sub), TD_E_DECODE);
    assert_int_equal(r.off, 0);
    assert_int_equal(td_reader_vec(&r, 2, 1, 3, &sub), 0);
    assert_int_equal(sub.len, 3);
    assert_int_equal(sub.origin, 2);
    assert_int_equal(td_reader_done(&sub), TD_E_DECODE);
    assert_int_equal(td_reader_u8(&sub, &x), 0);
    assert_int_equal(td_reader_pos(&sub), 3);
    assert_int_equal(td_reader_skip(&sub, 2), 0);
    assert_int_equal(td_reader_done(&sub), 0);
    assert_int_equal(td_reader_left(&r), 1);
    /* A length past the end of the input. */
    static const uint8_t bad[] = { 0x05, 0x01 };
    td_reader_init(&r, bad, sizeof(bad));
    assert_int_equal(td_reader_vec(&r, 1, 0, 255, &sub), TD_E_DECODE);
    assert_int_equal(r.off, 0);
    assert_int_equal(td_reader_vec(&r, 4, 0, 255, &sub), TD_E_INTERNAL);
}

static void writer_blocks(void **state)
{
    (void)state;
    uint8_t buf[16];
    td_writer_t w;
    td_writer_init(&w, buf, sizeof(buf));
    assert_int_equal(td_writer_open(&w, 2), 0);
    assert_int_equal(td_writer_u8(&w, 0xab), 0);
    assert_int_equal(td_writer_open(&w, 1), 0);
    assert_int_equal(td_writer_u16(&w, 0x0102), 0);
    assert_int_equal(td_writer_close(&w), 0);
    assert_int_equal(td_writer_close(&w), 0);
    static const uint8_t want[] = { 0x00, 0x04, 0xab, 0x02, 0x01, 0x02 };
    assert_int_equal(w.len, sizeof(want));
    assert_memory_equal(buf, want, sizeof(want));
    /* Closing with nothing open fails and is sticky. */
    assert_int_equal(td_writer_close(&w), TD_E_LIMIT);
    assert_int_equal(td_writer_u8(&w, 1), TD_E_LIMIT);
}

static void writer_capacity_and_prefix_overflow(void **state)
{
    (void)state;
    uint8_t buf[300];
    td_writer_t w;
    td_writer_init(&w, buf, 4);
    assert_int_equal(td_writer_u24(&w, 1), 0);
    assert_int_equal(td_writer_u16(&w, 1), TD_E_LIMIT);
    td_writer_init(&w, buf, sizeof(buf));
    assert_int_equal(td_writer_open(&w, 1), 0);
    for (int i = 0; i < 256; i++) {
        assert_int_equal(td_writer_u8(&w, 0), 0);
    }
    assert_int_equal(td_writer_close(&w), TD_E_LIMIT); /* 256 does not fit one byte */
}

static void text_cursor(void **state)
{
    (void)state;
    const char *s = "HTTP/1.1 200 OK\r\nServer: x\r\n\r\n";
    td_text_t t;
    td_bytes_t line;
    unsigned long v = 0;
    td_text_init(&t, s, strlen(s));
    assert_false(td_text_lit(&t, "http/2", true));
    assert_int_equal(t.off, 0);
    assert_true(td_text_lit(&t, "http/", true));
    assert_int_equal(td_text_uint(&t, 1, &v), 0);
    assert_int_equal(v, 1);
    assert_true(td_text_lit(&t, ".", false));
    assert_int_equal(td_text_uint(&t, 1, &v), 0);
    assert_true(td_text_lit(&t, " ", false));
    assert_int_equal(td_text_uint(&t, 2, &v), TD_E_DECODE); /* 3 digits > max 2 */
    assert_int_equal(td_text_uint(&t, 3, &v), 0);
    assert_int_equal(v, 200);
    assert_int_equal(td_text_line(&t, 100, &line), 0);
    assert_int_equal(line.len, 3); /* " OK" without CR */
    assert_int_equal(td_text_line(&t, 3, &line), TD_E_LIMIT);
    assert_int_equal(td_text_line(&t, 100, &line), 0);
    assert_int_equal(td_text_line(&t, 100, &line), 0);
    assert_int_equal(line.len, 0);
    assert_int_equal(td_text_line(&t, 100, &line), TD_E_DECODE);
}

static void escape_untrusted(void **state)
{
    (void)state;
    char out[32];
    static const uint8_t in[] = { 'a', 0x1b, '[', '3', '1', 'm', '\\', 0xff, '<', 'b', '>' };
    td_escape(out, sizeof(out), in, sizeof(in));
    assert_string_equal(out, "a\\x1b[31m\\x5c\\xff\\x3cb\\x3e");
    td_escape(out, 4, in, sizeof(in));
    assert_string_equal(out, "a");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reader_ints_and_bounds),
        cmocka_unit_test(reader_failure_leaves_cursor),
        cmocka_unit_test(reader_vec_limits),
        cmocka_unit_test(writer_blocks),
        cmocka_unit_test(writer_capacity_and_prefix_overflow),
        cmocka_unit_test(text_cursor),
        cmocka_unit_test(escape_untrusted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
