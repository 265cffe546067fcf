/* Unit tests for src/diagnose/listenjudge.c: facts about one `listen` client in, reaction and
 * finding ids out. No I/O: the facts are set by hand as listen.c would record them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

/* cmocka.h needs the three headers above first. */
#include <cmocka.h>

#include "listen/listen.h"

#include <string.h>

static td_listen_client_t c;

static void fresh(td_first_kind_t kind)
{
    memset(&c, 0, sizeof(c));
    c.alert_received = c.alert_sent = c.late_alert = -1;
    c.first.kind = kind;
    c.first.proto = kind == TD_FIRST_TLS ? "tls" : "none";
    c.hello_segments = 1;
    if (kind == TD_FIRST_TLS) {
        c.first.hello.has_hello = 1;
        c.first.hello.has_sni = 1;
        c.first.hello.legacy_version = 0x0303;
        c.first.hello.versions[0] = 0x0304;
        c.first.hello.versions[1] = 0x0303;
        c.first.hello.n_versions = 2;
        c.first.hello.records = 1;
        c.hello_bytes = 517;
        c.handshake_ran = 1;
    }
}

static bool has(const char *id)
{
    for (int i = 0; i < c.n_findings; i++) {
        if (strcmp(c.f[i].id, id) == 0) {
            return true;
        }
    }
    return false;
}

static void handshake_outcomes(void **state)
{
    (void)state;
    fresh(TD_FIRST_TLS);
    c.handshake_ok = 1;
    c.request_seen = 1;
    td__listen_judge(&c);
    assert_string_equal(c.reaction, "request");
    assert_int_equal(c.n_findings, 0);

    fresh(TD_FIRST_TLS);
    c.cert_sent = 1;
    c.alert_received = 48;
    td__listen_judge(&c);
    assert_string_equal(c.reaction, "alert");
    assert_true(has("listen.client.untrusted_issuer"));

    fresh(TD_FIRST_TLS);
    c.alert_received = 46;
    td__listen_judge(&c);
    assert_true(has("client.cert_rejected"));

    fresh(TD_FIRST_TLS);
    c.late_alert = 45;
    td__listen_judge(&c);
    assert_true(has("cert.expired"));

    fresh(TD_FIRST_TLS); /* we refused its version before any certificate */
    c.alert_sent = 70;
    td__listen_judge(&c);
    assert_string_equal(c.reaction, "refused");
    assert_true(has("tls.version.no_common"));

    fresh(TD_FIRST_TLS);
    c.cert_sent = 1;
    c.hs_end = TD_END_EOF;
    td__listen_judge(&c);
    assert_string_equal(c.reaction, "closed");
    assert_true(has("client.closed_in_handshake"));

    fresh(TD_FIRST_TLS);
    c.hs_end = TD_END_TIMEOUT;
    td__listen_judge(&c);
    assert_true(has("client.handshake_timeout"));
}

static void like_outcomes(void **state)
{
    (void)state;
    fresh(TD_FIRST_TLS); /* went on past the real chain: our side could not sign */
    c.like = c.cert_sent = 1;
    c.alert_sent = 80;
    td__listen_judge(&c);
    assert_string_equal(c.reaction, "past_certificate");
    assert_true(has("listen.like.past_certificate"));
    assert_false(has("client.cert_rejected"));

    fresh(TD_FIRST_TLS); /* TLS 1.3: one encrypted record right after the chain */
    c.like = c.cert_sent = 1;
    c.alert_sent = 80;
    c.late_encrypted = 1;
    c.late_first_len = 19;
    td__listen_judge(&c);
    assert_string_equal(c.reaction, "alert");
    assert_true(has("client.cert_rejected"));
    assert_false(has("listen.like.past_certificate"));
}

static void hello_findings(void **state)
{
    (void)state;
    fresh(TD_FIRST_TLS);
    c.handshake_ok = c.request_seen = 1;
    c.first.hello.n_versions = 0;
    c.first.hello.legacy_version = 0x0301; /* TLS 1.0 only */
    c.first.hello.has_sni = 0;
    c.hello_bytes = 1800; /* one segment on loopback, two on Ethernet */
    td__listen_judge(&c);
    assert_true(has("listen.client.legacy_only"));
    assert_true(has("listen.client.no_sni"));
    assert_true(has("listen.client.hello_split"));

    fresh(TD_FIRST_TLS);
    c.handshake_ok = c.request_seen = 1;
    c.first.hello.versions[2] = 0x1a1a; /* GREASE is not a version */
    c.first.hello.n_versions = 3;
    c.hello_segments = 2;
    td__listen_judge(&c);
    assert_false(has("listen.client.legacy_only"));
    assert_true(has("listen.client.hello_split"));
}

static void first_bytes(void **state)
{
    (void)state;
    fresh(TD_FIRST_HTTP);
    td_strlcpy(c.first.request_line, "GET /health HTTP/1.1", sizeof(c.first.request_line));
    c.first.proxy.version = 1;
    td__listen_judge(&c);
    assert_string_equal(c.reaction, "plain_http");
    assert_true(has("client.plain_http_to_tls_port"));
    assert_true(has("listen.client.proxy_header"));

    fresh(TD_FIRST_OTHER);
    c.first.proto = "ssh";
    td__listen_judge(&c);
    assert_string_equal(c.reaction, "other_protocol");
    assert_true(has("client.not_tls"));

    fresh(TD_FIRST_NONE);
    c.first_end = TD_END_TIMEOUT;
    td__listen_judge(&c);
    assert_true(has("listen.client.silent"));

    fresh(TD_FIRST_NONE);
    c.first_end = TD_END_EOF;
    td__listen_judge(&c);
    assert_string_equal(c.reaction, "no_data");
    assert_true(has("listen.client.tcp_only"));

    fresh(TD_FIRST_TLS);
    c.first.hello.has_hello = 0;
    c.first.hello.need_more = 1;
    td__listen_judge(&c);
    assert_string_equal(c.reaction, "hello_incomplete");
    assert_true(has("listen.client.hello_malformed"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(handshake_outcomes),
        cmocka_unit_test(like_outcomes),
        cmocka_unit_test(hello_findings),
        cmocka_unit_test(first_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
