/* Unit tests for the HTML report (src/report/html.c) and the all-or-nothing file writer
 * (src/util/td_atomic.c): hostile strings in every place the network fills stay text, the
 * ladder draws the recorded messages, the page has one script, and a failed write leaves
 * nothing behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

/* cmocka.h needs the three headers above first. */
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diagnose/diagnose.h"
#include "util/td_atomic.h"
#include "util/td_util.h"

static const char hostile[] = "\x1b[2J<script>alert(1)</script>\"'&<img src=x onerror=y>";

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + 1, needle)) {
        n++;
    }
    return n;
}

/* Renders r into a string (owned by the caller, free()). */
static char *render(const td_report_t *r)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(td_report_write_html(r, f), 0);
    long len = ftell(f);
    assert_true(len > 0);
    char *s = calloc(1, (size_t)len + 1);
    assert_non_null(s);
    rewind(f);
    assert_int_equal(fread(s, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    return s;
}

static td_report_t *hostile_report(void)
{
    td_report_t *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    td_obs_t *o = &r->obs;
    td_strlcpy(o->host, "h.test", sizeof(o->host));
    o->port = 443;
    td_strlcpy(o->sni, hostile, sizeof(o->sni));
    o->step_timeout_ms = 8000;
    /* A handshake that got ServerHello, Certificate and then an alert. */
    td_obs_tls_t *t = &o->tls;
    t->step = TD_STEP_DONE;
    t->alert_received = 40;
    t->alert_sent = -1;
    t->connect_ms = 1;
    t->ms = 9;
    const td_tls_msg_t msgs[] = {
        { 1, 22, 1, 1.1 }, { 0, 22, 2, 3.0 }, { 0, 22, 11, 3.2 }, { 0, 21, 40, 6.0 }
    };
    memcpy(t->msgs, msgs, sizeof(msgs));
    t->n_msgs = 4;
    /* A certificate whose names are hostile (raw bytes: html.c must not rely on td_escape). */
    td_obs_cert_t *c = &o->cert;
    c->step = TD_STEP_DONE;
    c->n = c->sent = 1;
    td_strlcpy(c->c[0].subject, hostile, sizeof(c->c[0].subject));
    td_strlcpy(c->c[0].issuer, hostile, sizeof(c->c[0].issuer));
    td_strlcpy(c->c[0].sans, hostile, sizeof(c->c[0].sans));
    c->verify_code = 20;
    td_strlcpy(c->verify_text, hostile, sizeof(c->verify_text));
    /* The root cause, its evidence and fix quoting the network. */
    td_finding_store_t *s = &r->f[0];
    td_fmt(s->cause, sizeof(s->cause), "cause %s", hostile);
    td_fmt(s->evidence, sizeof(s->evidence), "</pre>%s", hostile);
    td_fmt(s->fix, sizeof(s->fix), "fix %s", hostile);
    s->pub = (td_finding_t){ .id = "tls.alert.handshake_failure",
                             .severity = TD_SEV_FAIL,
                             .layer = TD_LAYER_TLS,
                             .title = "handshake failure",
                             .cause = s->cause,
                             .evidence = s->evidence,
                             .fix = s->fix };
    r->n = 1;
    r->has_root = 1;
    return r;
}

static void test_hostile_strings_stay_text(void **state)
{
    (void)state;
    td_report_t *r = hostile_report();
    char *s = render(r);
    assert_int_equal(count(s, "<script"), 1); /* ours, at the end */
    assert_null(strstr(s, "<img"));
    assert_null(strstr(s, "\x1b"));
    assert_null(strstr(s, "onerror=y>"));
    assert_true(count(s, "&lt;script&gt;alert(1)&lt;/script&gt;") >= 4);
    assert_non_null(strstr(s, "&quot;&#39;&amp;&lt;img"));
    assert_non_null(strstr(s, "\\x1b[2J"));
    assert_non_null(strstr(s, "Content-Security-Policy"));
    assert_non_null(strstr(s, "default-src 'none'"));
    free(s);
    free(r);
}

static void test_ladder_draws_messages(void **state)
{
    (void)state;
    td_report_t *r = hostile_report();
    char *s = render(r);
    /* SYN, SYN-ACK, ClientHello, ServerHello+Certificate (one flight), the alert. */
    assert_int_equal(count(s, "<g class=\"arrow"), 5);
    assert_int_equal(count(s, "<g class=\"arrow s2c bad\">"), 1);
    assert_non_null(strstr(s, "ServerHello, Certificate"));
    assert_non_null(strstr(s, "Alert 40 handshake_failure"));
    assert_non_null(strstr(s, "class=\"broken\"")); /* the failing link of the chain */
    assert_non_null(strstr(s, "id=\"fix-0\""));
    free(s);
    free(r);
}

static void test_silence_until_deadline(void **state)
{
    (void)state;
    td_report_t *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    td_obs_exchange_t *x = &r->obs.sniff;
    x->step = TD_STEP_DONE;
    x->connected = 1;
    x->connect_ms = 0.5;
    x->sent = 260;
    x->end = TD_END_TIMEOUT;
    x->first_byte_ms = -1;
    x->ms = 8000;
    char *s = render(r);
    assert_int_equal(count(s, "<g class=\"arrow"), 3);
    assert_int_equal(count(s, "<g class=\"silence\">"), 1);
    assert_non_null(strstr(s, "silence until the deadline (8000 ms)"));
    assert_non_null(strstr(s, "HEALTHY")); /* no findings: healthy */
    free(s);
    free(r);
}

static void test_atomic_write(void **state)
{
    (void)state;
    char dir[] = "/tmp/td_atomic.XXXXXX", path[256], why[200];
    td_atomic_file_t a;
    assert_non_null(mkdtemp(dir));
    td_fmt(path, sizeof(path), "%s/page.html", dir);
    /* Written whole on commit, nothing else left. */
    assert_int_equal(td_atomic_open(&a, path, why, sizeof(why)), 0);
    fputs("one", a.f);
    assert_int_equal(access(path, F_OK), -1); /* not before the commit */
    assert_int_equal(td_atomic_commit(&a, why, sizeof(why)), 0);
    FILE *f = fopen(path, "r");
    char buf[8] = "";
    assert_non_null(f);
    assert_non_null(fgets(buf, sizeof(buf), f));
    fclose(f);
    assert_string_equal(buf, "one");
    /* Aborted: the old file stays and the temporary one is gone. */
    assert_int_equal(td_atomic_open(&a, path, why, sizeof(why)), 0);
    fputs("two", a.f);
    char tmp[sizeof(a.tmp)];
    td_strlcpy(tmp, a.tmp, sizeof(tmp));
    td_atomic_abort(&a);
    assert_int_equal(access(tmp, F_OK), -1);
    f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(buf, sizeof(buf), f));
    fclose(f);
    assert_string_equal(buf, "one");
    /* A missing directory and a directory as the file: errors, nothing created. */
    td_fmt(path, sizeof(path), "%s/missing/page.html", dir);
    assert_int_equal(td_atomic_open(&a, path, why, sizeof(why)), TD_E_IO);
    assert_non_null(strstr(why, "directory"));
    assert_int_equal(td_atomic_open(&a, dir, why, sizeof(why)), TD_E_IO);
    assert_string_equal(why, "not a regular file");
    td_fmt(path, sizeof(path), "%s/page.html", dir);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0); /* empty: no temporary file was left */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostile_strings_stay_text),
        cmocka_unit_test(test_ladder_draws_messages),
        cmocka_unit_test(test_silence_until_deadline),
        cmocka_unit_test(test_atomic_write),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
