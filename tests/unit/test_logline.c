/* Unit tests for src/passive/logline.c and logscan.c: each format's failure lines -> causes,
 * noise lines that must not match, format detection, and bad input (binary, 10 MB line,
 * truncated gzip) counted, never fatal. Fixtures: tests/fixtures/logs/ (lab_* were recorded
 * from real nginx and HAProxy in tests/lab). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

/* cmocka.h needs the three headers above first. */
#include <cmocka.h>

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "fixture.h"
#include "passive/logline.h"
#include "passive/logscan.h"
#include "tlsdoctor.h"

#define MAX_EV 64

struct collected {
    size_t n;
    uint64_t line[MAX_EV];
    char cause[MAX_EV][48];
    char client[MAX_EV][64];
    char server[MAX_EV][160];
    int alert[MAX_EV];
    int64_t time[MAX_EV];
};

static void collect(const td_log_event_t *ev, void *user)
{
    struct collected *c = user;
    if (c->n < MAX_EV) {
        c->line[c->n] = ev->line;
        snprintf(c->cause[c->n], sizeof(c->cause[0]), "%s", ev->cause);
        snprintf(c->client[c->n], sizeof(c->client[0]), "%s", ev->client);
        snprintf(c->server[c->n], sizeof(c->server[0]), "%s", ev->server);
        c->alert[c->n] = ev->alert;
        c->time[c->n] = ev->time;
    }
    c->n++;
}

static td_logs_summary_t *scan(const char *path, td_log_format_t fmt, struct collected *c)
{
    const char *files[1] = { path };
    td_logs_options_t o;
    td_logs_summary_t *s = NULL;
    memset(&o, 0, sizeof(o));
    memset(c, 0, sizeof(*c));
    o.format = fmt;
    assert_int_equal(td_logs_scan(&o, files, 1, collect, c, &s, NULL), 0);
    /* The mapped read (what the CLI uses) finds exactly the same events. */
    struct collected *m = calloc(1, sizeof(*m));
    td_logs_summary_t *ms = NULL;
    assert_non_null(m);
    o.map_files = 1;
    assert_int_equal(td_logs_scan(&o, files, 1, collect, m, &ms, NULL), 0);
    assert_int_equal(m->n, c->n);
    for (size_t i = 0; i < c->n && i < MAX_EV; i++) {
        assert_int_equal(m->line[i], c->line[i]);
        assert_string_equal(m->cause[i], c->cause[i]);
    }
    td_logs_summary_free(ms);
    free(m);
    return s;
}

/* One nginx "plain HTTP to the TLS port" failure line, numbered i. */
static void put_plain_http(FILE *f, int i)
{
    fprintf(f,
            "2026/11/20 10:00:02 [info] 23#23: *%d client sent plain HTTP request to "
            "HTTPS port while reading client request headers, client: 10.0.0.%d, "
            "server: a\n",
            i, i % 200);
}

/* The summary's text says the file ended early (a read error counted, not fatal). */
/* The file ended early, and the zeros read past its cut are not counted as lines of it. */
static void assert_ended_early(const td_logs_summary_t *s)
{
    char text[4096];
    FILE *mem = fmemopen(text, sizeof(text), "w");
    assert_non_null(mem);
    assert_int_equal(td_logs_summary_write_text(s, mem, 0), 0);
    fclose(mem);
    assert_non_null(strstr(text, "ended early"));
    assert_null(strstr(text, "unreadable"));
}

/* A mapped file truncated while it is scanned (logrotate's copytruncate): SIGBUS on the pages
 * past the new end is caught, the scan keeps what it read and counts a read error. */
static void truncate_on_first(const td_log_event_t *ev, void *user)
{
    const char *path = user;
    (void)ev;
    if (path[0] != '\0') {
        assert_int_equal(truncate(path, 0), 0);
        ((char *)user)[0] = '\0';
    }
}

static void mapped_file_truncated(void **state)
{
    (void)state;
    char path[] = "/tmp/tdlogsmapXXXXXX";
    FILE *f = temp_file(path);
    assert_non_null(f);
    /* 16 MB: several 4 MiB windows, so pages past the first one are touched after the cut. */
    for (int i = 0; i < 120000; i++) {
        put_plain_http(f, i);
    }
    fclose(f);
    char arg[sizeof(path)];
    memcpy(arg, path, sizeof(path));
    const char *files[1] = { path };
    td_logs_options_t o;
    td_logs_summary_t *s = NULL;
    memset(&o, 0, sizeof(o));
    o.map_files = 1;
    assert_int_equal(td_logs_scan(&o, files, 1, truncate_on_first, arg, &s, NULL), 0);
    /* Cut to 0 bytes at the first event: everything after it reads as zeros. */
    assert_int_equal(td_logs_summary_events(s), 1);
    assert_ended_early(s);
    td_logs_summary_free(s);
    unlink(path);
}

/* A mapped file past 4 MiB runs as two threads (finder, parser): the same events on the same
 * line numbers as read(), across chunk boundaries (scan() compares them). */
static void mapped_pipeline_same(void **state)
{
    (void)state;
    char path[] = "/tmp/tdlogspipeXXXXXX";
    FILE *f = temp_file(path);
    assert_non_null(f);
    for (int i = 0; i < 100000; i++) { /* ~15 MB: four chunks and more */
        if (i % 2000 == 1999) {
            put_plain_http(f, i);
        } else {
            fprintf(f,
                    "2026/11/20 10:00:01 [notice] 23#23: *%d an ordinary line of the error log "
                    "that names no failure at all, padded to a realistic length\n",
                    i);
        }
    }
    fclose(f);
    struct collected c;
    td_logs_summary_t *s = scan(path, TD_LOG_NGINX, &c);
    assert_int_equal(c.n, 50);
    assert_int_equal(c.line[0], 2000);
    assert_int_equal(c.line[49], 100000);
    td_logs_summary_free(s);
    unlink(path);
}

/* Pinned to one CPU, a mapped file is scanned in one thread in small steps that end on a
 * newline: the same events, lines, bytes and unreadable lines as read() and as the two threads,
 * with a 300 KB line (longer than a step, shorter than a chunk: not unreadable) and a 5 MB line
 * (longer than a chunk: one unreadable line) among them. */
static void mapped_one_cpu_same(void **state)
{
    (void)state;
    char path[] = "/tmp/tdlogs1cpuXXXXXX";
    FILE *f = temp_file(path);
    assert_non_null(f);
    for (int i = 0; i < 60000; i++) {
        if (i == 20000 || i == 40000) {
            for (int k = 0; k < (i == 20000 ? 300000 : 5000000); k++) {
                fputc('a' + k % 26, f);
            }
            fputc('\n', f);
        } else if (i % 1000 == 999) {
            put_plain_http(f, i);
        } else {
            fprintf(f, "2026/11/20 10:00:01 [notice] 23#23: *%d an ordinary line\n", i);
        }
    }
    fclose(f);
    cpu_set_t all, one;
    assert_int_equal(sched_getaffinity(0, sizeof(all), &all), 0);
    CPU_ZERO(&one);
    CPU_SET(sched_getcpu() >= 0 ? sched_getcpu() : 0, &one);
    const char *files[1] = { path };
    td_logs_summary_t *s[3] = { NULL, NULL, NULL };
    struct collected *c = calloc(3, sizeof(*c));
    assert_non_null(c);
    for (int k = 0; k < 3; k++) { /* read(), mapped on one CPU, mapped on all */
        td_logs_options_t o;
        memset(&o, 0, sizeof(o));
        o.format = TD_LOG_NGINX;
        o.map_files = k > 0;
        assert_int_equal(sched_setaffinity(0, sizeof(cpu_set_t), k == 1 ? &one : &all), 0);
        assert_int_equal(td_logs_scan(&o, files, 1, collect, &c[k], &s[k], NULL), 0);
    }
    assert_int_equal(sched_setaffinity(0, sizeof(all), &all), 0);
    assert_int_equal(c[0].n, 60);
    assert_int_equal(s[0]->bad_lines, 1);
    assert_int_equal(s[0]->lines, 60000);
    for (int k = 1; k < 3; k++) {
        assert_int_equal(c[k].n, c[0].n);
        for (size_t i = 0; i < c[0].n && i < MAX_EV; i++) {
            assert_int_equal(c[k].line[i], c[0].line[i]);
            assert_string_equal(c[k].cause[i], c[0].cause[i]);
        }
        assert_int_equal(s[k]->lines, s[0]->lines);
        assert_int_equal(s[k]->bytes, s[0]->bytes);
        assert_int_equal(s[k]->bad_lines, s[0]->bad_lines);
    }
    for (int k = 0; k < 3; k++) {
        td_logs_summary_free(s[k]);
    }
    free(c);
    unlink(path);
}

struct want {
    uint64_t line;
    const char *cause;
};

static void expect_file(const char *name, const struct want *w, size_t n, td_log_format_t fmt)
{
    char path[512];
    struct collected c;
    snprintf(path, sizeof(path), "%s/logs/%s", TD_FIXTURES_DIR, name);
    td_logs_summary_t *s = scan(path, fmt, &c);
    if (c.n != n) {
        for (size_t i = 0; i < c.n && i < MAX_EV; i++) {
            fprintf(stderr, "  got line %llu %s\n", (unsigned long long)c.line[i], c.cause[i]);
        }
        fail_msg("%s: %zu events, want %zu", name, c.n, n);
    }
    for (size_t i = 0; i < n; i++) {
        if (c.line[i] != w[i].line || strcmp(c.cause[i], w[i].cause) != 0) {
            fail_msg("%s event %zu: line %llu %s, want line %llu %s", name, i,
                     (unsigned long long)c.line[i], c.cause[i], (unsigned long long)w[i].line,
                     w[i].cause);
        }
    }
    assert_int_equal(td_logs_summary_events(s), n);
    td_logs_summary_free(s);
}

static void nginx_error(void **state)
{
    (void)state;
    static const struct want w[] = {
        { 2, "tls.cipher.no_common" },          { 3, "client.plain_http_to_tls_port" },
        { 4, "client.plain_http_to_tls_port" }, { 5, "client.closed_in_handshake" },
        { 6, "upstream.handshake_failed" },     { 7, "client.cert_rejected" },
        { 8, "tls.version.no_common" },         { 9, "client.handshake_timeout" },
        { 12, "tls.sni.unrecognized_name" }
    };
    expect_file("nginx_error.log", w, sizeof(w) / sizeof(w[0]), TD_LOG_AUTO);
    struct collected c;
    char path[512];
    snprintf(path, sizeof(path), "%s/logs/nginx_error.log", TD_FIXTURES_DIR);
    td_logs_summary_free(scan(path, TD_LOG_NGINX, &c));
    assert_string_equal(c.client[0], "198.51.100.7");
    assert_string_equal(c.server[4], "104.109.129.184:443"); /* upstream side */
    assert_int_equal(c.alert[4], 80);
    assert_int_equal(c.time[0], 1795168802); /* 2026-11-20 10:00:02 UTC */
}

static void nginx_access(void **state)
{
    (void)state;
    static const struct want w[] = { { 2, "client.plain_http_to_tls_port" },
                                     { 4, "client.tls_to_plain_port" } };
    expect_file("nginx_access.log", w, 2, TD_LOG_NGINX);
}

static void lab_recorded(void **state)
{
    (void)state;
    static const struct want ng[] = { { 5, "client.closed_in_handshake" },
                                      { 6, "client.cert_rejected" },
                                      { 7, "client.plain_http_to_tls_port" },
                                      { 9, "tls.sni.unrecognized_name" } };
    struct collected c;
    char path[512];
    snprintf(path, sizeof(path), "%s/logs/lab_nginx_error.log", TD_FIXTURES_DIR);
    td_logs_summary_free(scan(path, TD_LOG_AUTO, &c));
    /* The recorded file has one more line per run order; check the causes are all there. */
    for (size_t i = 0; i < sizeof(ng) / sizeof(ng[0]); i++) {
        int found = 0;
        for (size_t j = 0; j < c.n; j++) {
            found |= strcmp(c.cause[j], ng[i].cause) == 0;
        }
        if (!found) {
            fail_msg("lab nginx log: no %s", ng[i].cause);
        }
    }
    snprintf(path, sizeof(path), "%s/logs/lab_haproxy.log", TD_FIXTURES_DIR);
    td_logs_summary_free(scan(path, TD_LOG_AUTO, &c));
    assert_int_equal(c.n, 3);
    assert_string_equal(c.cause[0], "client.closed_in_handshake");
    assert_string_equal(c.cause[1], "tls.handshake.failed");
}

/* Recorded from the lab's lighttpd and Apache (tests/integration/logs_lab.sh with
 * LAB_SAVE_LOG): the causes each names, one event per connection. */
static void lab_recorded_more(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        const char *causes[6];
        size_t events;
    } cases[] = {
        { "lab_lighttpd_error.log",
          { "client.plain_http_to_tls_port", "tls.version.no_common", "tls.cipher.no_common" },
          3 },
        { "lab_apache_error.log",
          { "client.plain_http_to_tls_port", "tls.version.no_common", "tls.cipher.no_common",
            "client.cert_rejected", "client.closed_in_handshake" },
          6 },
    };
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        struct collected c;
        char path[512];
        snprintf(path, sizeof(path), "%s/logs/%s", TD_FIXTURES_DIR, cases[k].file);
        td_logs_summary_free(scan(path, TD_LOG_AUTO, &c));
        if (c.n != cases[k].events) {
            fail_msg("%s: %zu events, want %zu", cases[k].file, c.n, cases[k].events);
        }
        for (size_t i = 0; i < 6 && cases[k].causes[i] != NULL; i++) {
            int found = 0;
            for (size_t j = 0; j < c.n; j++) {
                found |= strcmp(c.cause[j], cases[k].causes[i]) == 0;
            }
            if (!found) {
                fail_msg("%s: no %s", cases[k].file, cases[k].causes[i]);
            }
        }
        assert_string_equal(c.client[0], cases[k].file[4] == 'l' ? "127.0.0.1" : c.client[0]);
    }
}

/* Collectors' prefixes, lines without their date or first bracket, and the formats added for
 * issue 14: each line alone gives its cause, client and side. */
static void frames_and_formats(void **state)
{
    (void)state;
    static const struct {
        const char *line;
        td_log_format_t fmt;
        const char *cause;
        const char *client;
    } cases[] = {
        { "nginx  | 2026/11/20 10:00:02 [crit] 23#23: *1 SSL_do_handshake() failed (SSL: "
          "error:0A0000C1:SSL routines::no shared cipher) while SSL handshaking, client: "
          "198.51.100.7, server: 0.0.0.0:443",
          TD_LOG_NGINX, "tls.cipher.no_common", "198.51.100.7" },
        { "[pod/web-1/nginx] [info] 7#7: *9 peer closed connection in SSL handshake while SSL "
          "handshaking, client: 10.1.2.3, server: 0.0.0.0:443",
          TD_LOG_NGINX, "client.closed_in_handshake", "10.1.2.3" },
        { "<134>10.0.0.5:41000 [20/Nov/2026:10:00:00.001] fe/1: SSL handshake failure",
          TD_LOG_HAPROXY, "tls.handshake.failed", "10.0.0.5:41000" },
        { "Thu Oct 23 15:17:56.000000 2014] [ssl:info] [pid 18839] [client 36.226.119.50:2360] "
          "AH01996: SSL handshake failed: HTTP spoken on HTTPS port; trying to send HTML error "
          "page",
          TD_LOG_APACHE, "client.plain_http_to_tls_port", "36.226.119.50:2360" },
        { "2026/11/20 10:05:05 [error] 23#23: *5 upstream SSL certificate verify error: "
          "(10:certificate has expired) while SSL handshaking to upstream, client: 172.17.0.1, "
          "server: localhost, request: \"GET / HTTP/1.1\", upstream: \"https://10.0.0.9:443/\"",
          TD_LOG_NGINX, "upstream.cert.expired", "172.17.0.1" },
        { "2026/11/20 10:05:06 [error] 23#23: *6 upstream SSL certificate does not match "
          "\"api.internal\" while SSL handshaking to upstream, client: 172.17.0.1, server: x",
          TD_LOG_NGINX, "upstream.cert.hostname_mismatch", "172.17.0.1" },
        { "2026/11/20 10:05:07 [info] 23#23: *7 client sent invalid method while reading client "
          "request line, client: 192.0.2.4, server: _, request: \"SSH-2.0-Go\"",
          TD_LOG_NGINX, "client.not_tls", "192.0.2.4" },
        { "2026-11-28 09:09:41: (mod_openssl.c.3275) SSL: 1 error:0A000102:SSL "
          "routines::unsupported protocol (127.0.0.1)",
          TD_LOG_LIGHTTPD, "tls.version.no_common", "127.0.0.1" },
        { "{\"level\":\"debug\",\"ts\":1689233379.62,\"logger\":\"http.stdlib\",\"msg\":\"http: "
          "TLS handshake error from 2.3.209.219:60067: remote error: tls: unknown certificate\"}",
          TD_LOG_CADDY, "client.cert_rejected", "2.3.209.219:60067" },
        { "time=\"2022-03-17T16:31:51+01:00\" level=debug msg=\"http: TLS handshake error from "
          "[::1]:62917: tls: client using inappropriate protocol fallback\"",
          TD_LOG_TRAEFIK, "client.inappropriate_fallback", "[::1]:62917" },
        { "[2026-11-20T10:00:00.000Z] \"GET / HTTP/1.1\" 503 UF,URX "
          "upstream_reset_before_response_started{connection_failure,TLS_error:_268435581:SSL_"
          "routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED} - \"TLS_error:_268435581:SSL_"
          "routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED\" 0 91 4 - \"-\" \"curl/8\" \"id\" "
          "\"web\" \"10.0.0.7:443\"",
          TD_LOG_ENVOY, "upstream.cert.verify_failed", "" },
        { "2026-11-20 10:00:00 198.51.100.2 50123 10.0.0.4 443 - - - - - Timer_ConnectionIdle -",
          TD_LOG_IIS, "client.handshake_timeout", "198.51.100.2" },
        { "2026-11-20T10:00:00.000000Z my-elb 198.51.100.3:2817 - -1 -1 -1 504 0 0 0 \"GET "
          "https://www.example.com:443/ HTTP/1.1\" \"curl/8\" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2",
          TD_LOG_ELB, "http.response.timeout", "198.51.100.3:2817" },
        { "Jan 23 15:46:04 mx postfix/smtps/smtpd[5]: SSL_accept error from "
          "scanner.example[167.94.138.43]: Connection reset by peer",
          TD_LOG_MAIL, "client.closed_in_handshake", "167.94.138.43" },
        { "Feb  1 08:12:14 bigip warning tmm[9244]: 01260026:4: No shared ciphers between SSL "
          "peers 192.168.99.86.32962:192.168.20.230.636.",
          TD_LOG_F5, "tls.cipher.no_common", "192.168.99.86.32962" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *l = cases[i].line;
        td_log_format_t d = td_logline_detect(l, strlen(l));
        if (d != cases[i].fmt) {
            fail_msg("case %zu detected as %s", i, td_log_format_name(d));
        }
        td_logline_state_t st;
        td_log_event_t ev[2];
        td_logline_state_init(&st, 2026);
        int k = td_logline_parse(d, &st, l, strlen(l), 1, ev);
        if (k == 0) {
            k = td_logline_flush(&st, &ev[0]);
        }
        if (k == 0 || strcmp(ev[0].cause, cases[i].cause) != 0 ||
            strcmp(ev[0].client, cases[i].client) != 0) {
            fail_msg("case %zu: %s %s, want %s %s", i, k ? ev[0].cause : "(none)",
                     k ? ev[0].client : "", cases[i].cause, cases[i].client);
        }
    }
}

static void apache(void **state)
{
    (void)state;
    /* AH02008 + its "SSL Library Error" line are one event, at the AH02008 line. */
    static const struct want w[] = { { 1, "client.cert_rejected" },
                                     { 4, "tls.handshake.failed" },
                                     { 5, "client.plain_http_to_tls_port" },
                                     { 6, "client.closed_in_handshake" },
                                     { 7, "client.sni_host_mismatch" } };
    expect_file("apache_error.log", w, 5, TD_LOG_AUTO);
}

static void haproxy(void **state)
{
    (void)state;
    static const struct want w[] = { { 1, "client.closed_in_handshake" },
                                     { 2, "tls.version.no_common" },
                                     { 3, "client.handshake_timeout" },
                                     { 4, "tls.handshake.failed" } };
    expect_file("haproxy.log", w, 4, TD_LOG_AUTO);
}

static void f5(void **state)
{
    (void)state;
    /* 01260009 (reason) pairs with the 01260013 (addresses) that follows. */
    static const struct want w[] = { { 1, "tls.handshake.failed" },
                                     { 3, "client.not_tls" },
                                     { 6, "tls.cipher.no_common" },
                                     { 8, "client.inappropriate_fallback" } };
    expect_file("f5_ltm.log", w, 4, TD_LOG_AUTO);
    struct collected c;
    char path[512];
    snprintf(path, sizeof(path), "%s/logs/f5_ltm.log", TD_FIXTURES_DIR);
    td_logs_summary_free(scan(path, TD_LOG_F5, &c));
    assert_string_equal(c.client[1], "10.160.23.134:50366");
    assert_string_equal(c.server[1], "10.156.1.150:443");
    assert_int_equal(c.alert[1], 40);
}

static void alb_and_cloudflare(void **state)
{
    (void)state;
    static const struct want alb[] = { { 2, "upstream.target_failed" },
                                       { 3, "http.response.timeout" } };
    expect_file("alb.log", alb, 2, TD_LOG_AUTO);
    static const struct want cf[] = { { 2, "tls.handshake.failed" },
                                      { 3, "cert.chain.verify_failed" },
                                      { 4, "tcp.connect.timeout" } };
    expect_file("cloudflare.jsonl", cf, 3, TD_LOG_AUTO);
}

static void detection(void **state)
{
    (void)state;
    static const struct {
        const char *line;
        td_log_format_t fmt;
    } cases[] = {
        { "2026/11/20 10:00:01 [info] 1#1: *1 x, client: 1.2.3.4, server: a\n", TD_LOG_NGINX },
        { "[Thu Oct 23 15:17:55.926067 2014] [ssl:info] [pid 1] AH02008: x\n", TD_LOG_APACHE },
        { "Dec  3 18:27:14 h haproxy[1]: 1.2.3.4:5 [03/Dec/2012:17:35:10.380] f/b: x\n",
          TD_LOG_HAPROXY },
        { "Jan 17 03:37:54 h warning tmm[1]: 01260013:4: SSL Handshake failed\n", TD_LOG_F5 },
        { "{\"ClientIP\":\"1.2.3.4\",\"EdgeResponseStatus\":200}\n", TD_LOG_CLOUDFLARE },
        { "random words\nmore words\n", TD_LOG_AUTO },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        td_log_format_t f = td_logline_detect(cases[i].line, strlen(cases[i].line));
        if (f != cases[i].fmt) {
            fail_msg("case %zu detected as %s", i, td_log_format_name(f));
        }
    }
}

static void noise_and_prefixes(void **state)
{
    (void)state;
    static const char *const lines[] = {
        "2026/11/20 11:00:02 [error] 23#23: *9 open() \"/x\" failed (2: No such file), client: "
        "1.2.3.4, server: localhost, request: \"GET /SSL HTTP/1.1\"",
        "2026/11/20 11:00:03 [crit] 23#23: *10 SSL_read() failed (SSL: error:0A000126:SSL "
        "routines::unexpected eof while reading) while processing HTTP/2 connection, client: "
        "1.2.3.4",
        "192.0.2.1 - - [20/Nov/2026:10:00:05 +0000] \"GET /SSL-guide HTTP/1.1\" 200 612",
        "192.0.2.1 - - [20/Nov/2026:10:00:07 +0000] \"GET /a HTTP/1.1\" 400 157",
    };
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        td_logline_state_t st;
        td_log_event_t ev[2];
        td_logline_state_init(&st, 2026);
        assert_int_equal(td_logline_parse(TD_LOG_NGINX, &st, lines[i], strlen(lines[i]), 1, ev), 0);
    }
    /* Every prefix of every fixture line of every format: no crash (ASan), at most 2 events. */
    static const char *const files[] = {
        "nginx_error.log", "apache_error.log", "haproxy.log",
        "f5_ltm.log",      "alb.log",          "cloudflare.jsonl"
    };
    static const td_log_format_t fmts[] = { TD_LOG_NGINX, TD_LOG_APACHE, TD_LOG_HAPROXY,
                                            TD_LOG_F5,    TD_LOG_ALB,    TD_LOG_CLOUDFLARE };
    for (size_t f = 0; f < 6; f++) {
        char path[512], line[4096];
        snprintf(path, sizeof(path), "%s/logs/%s", TD_FIXTURES_DIR, files[f]);
        FILE *fp = fopen(path, "r");
        assert_non_null(fp);
        while (fgets(line, sizeof(line), fp) != NULL) {
            size_t n = strcspn(line, "\n");
            for (size_t k = 0; k <= n; k++) {
                td_logline_state_t st;
                td_log_event_t ev[2];
                td_logline_state_init(&st, 2026);
                char *copy = malloc(k + 1); /* exact size: ASan catches any overread */
                memcpy(copy, line, k);
                int r = td_logline_parse(fmts[f], &st, copy, k, 1, ev);
                assert_true(r >= 0 && r <= 2);
                free(copy);
            }
        }
        fclose(fp);
    }
}

static void bad_input(void **state)
{
    (void)state;
    char dir[] = "/tmp/tdlogsXXXXXX";
    assert_non_null(mkdtemp(dir));
    char bin[300], longl[300], gz[300];
    snprintf(bin, sizeof(bin), "%s/garbage", dir);
    snprintf(longl, sizeof(longl), "%s/long.log", dir);
    snprintf(gz, sizeof(gz), "%s/trunc.gz", dir);
    FILE *f = fopen(bin, "wb");
    for (int i = 0; i < 1 << 20; i++) {
        fputc((int)(((unsigned)i * 7919u + ((unsigned)i >> 3)) & 0xffu), f);
    }
    fclose(f);
    /* A 10 MB line, then a real failure line that must still be found. */
    f = fopen(longl, "w");
    for (int i = 0; i < 10 << 20; i++) {
        fputc('x', f);
    }
    fputs("\n2026/11/20 10:00:02 [info] 23#23: *1 SSL_do_handshake() failed (SSL: "
          "error:0A0000C1:SSL routines::no shared cipher) while SSL handshaking, client: 1.2.3.4, "
          "server: a\n",
          f);
    fclose(f);
    gzFile g = gzopen(gz, "wb");
    for (int i = 0; i < 2000; i++) {
        gzprintf(g,
                 "2026/11/20 10:00:02 [info] 23#23: *%d client sent plain HTTP request to "
                 "HTTPS port while reading client request headers, client: 10.0.0.%d, "
                 "server: a\n",
                 i, i % 200);
    }
    gzclose(g);
    assert_int_equal(truncate(gz, 3000), 0);

    struct collected c;
    td_logs_summary_t *s = scan(bin, TD_LOG_AUTO, &c);
    assert_int_equal(c.n, 0); /* garbage yields no event */
    assert_true(td_logs_summary_events(s) == 0);
    td_logs_summary_free(s);
    s = scan(longl, TD_LOG_AUTO, &c);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.line[0], 2);
    assert_string_equal(c.cause[0], "tls.cipher.no_common");
    td_logs_summary_free(s);
    s = scan(gz, TD_LOG_AUTO, &c);
    assert_true(c.n > 0 && c.n < 2000); /* what was readable, then a counted read error */
    assert_ended_early(s);
    td_logs_summary_free(s);
    /* A missing file is a tool error that names the file. */
    const char *files[1] = { "/nonexistent/x.log" };
    td_logs_options_t o;
    td_errinfo_t e;
    memset(&o, 0, sizeof(o));
    memset(&e, 0, sizeof(e));
    assert_int_equal(td_logs_scan(&o, files, 1, NULL, NULL, &s, &e), TD_E_IO);
    assert_non_null(strstr(e.message, "/nonexistent/x.log"));
    unlink(bin);
    unlink(longl);
    unlink(gz);
    rmdir(dir);
}

static void since_filter(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof(path), "%s/logs/nginx_error.log", TD_FIXTURES_DIR);
    const char *files[1] = { path };
    td_logs_options_t o;
    td_logs_summary_t *s = NULL;
    struct collected c;
    memset(&o, 0, sizeof(o));
    memset(&c, 0, sizeof(c));
    o.since = 1795172400; /* 2026-11-20 11:00:00 UTC */
    assert_int_equal(td_logs_scan(&o, files, 1, collect, &c, &s, NULL), 0);
    assert_int_equal(c.n, 3);
    char json[8192];
    FILE *mem = fmemopen(json, sizeof(json), "w");
    assert_int_equal(td_logs_summary_write_json(s, mem), 0);
    fclose(mem);
    assert_non_null(strstr(json, "\"before_since\":6"));
    td_logs_summary_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nginx_error),
        cmocka_unit_test(nginx_access),
        cmocka_unit_test(lab_recorded),
        cmocka_unit_test(lab_recorded_more),
        cmocka_unit_test(frames_and_formats),
        cmocka_unit_test(apache),
        cmocka_unit_test(haproxy),
        cmocka_unit_test(f5),
        cmocka_unit_test(alb_and_cloudflare),
        cmocka_unit_test(detection),
        cmocka_unit_test(noise_and_prefixes),
        cmocka_unit_test(bad_input),
        cmocka_unit_test(since_filter),
        cmocka_unit_test(mapped_file_truncated),
        cmocka_unit_test(mapped_pipeline_same),
        cmocka_unit_test(mapped_one_cpu_same),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
