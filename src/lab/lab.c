/* lab.c: `tlsdoctor lab`: in-process servers on 127.0.0.1 with known defects, certificates
 * generated in memory at start, each diagnosed through td_diagnose() exactly like a real
 * target. Needs no network and no external program. Never binds anything but 127.0.0.1. */
#define _POSIX_C_SOURCE 200809L
#include "tlsdoctor.h"

#include "../util/td_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define DAY (24L * 3600L)

typedef enum lab_kind {
    LAB_TLS = 0,
    LAB_PLAIN_HTTP,
    LAB_SILENT,
    LAB_CLOSED,
} lab_kind_t;

typedef struct lab_server {
    lab_kind_t kind;
    int fd;
    uint16_t port;
    SSL_CTX *ctx;
    int stop[2];
    pthread_t th;
    int running;
    int held[16];
    int n_held;
} lab_server_t;

/* ---- certificates ------------------------------------------------------------------- */

typedef struct lab_pki {
    EVP_PKEY *root_key, *int_key, *leaf_key, *other_root_key, *other_int_key;
    X509 *root, *inter, *good, *expired, *future, *self, *wrong, *other_root, *other_int,
            *other_leaf;
} lab_pki_t;

static int add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    if (e == NULL) {
        return -1;
    }
    int ok = X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
    return ok == 1 ? 0 : -1;
}

static X509 *make_cert(EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key, const char *cn,
                       const char *san, int is_ca, long nb, long na, long serial)
{
    X509 *x = X509_new();
    if (x == NULL) {
        return NULL;
    }
    X509_NAME *name = X509_get_subject_name(x);
    int ok = X509_set_version(x, 2) == 1 &&
             ASN1_INTEGER_set(X509_get_serialNumber(x), serial) == 1 &&
             X509_gmtime_adj(X509_getm_notBefore(x), nb) != NULL &&
             X509_gmtime_adj(X509_getm_notAfter(x), na) != NULL && X509_set_pubkey(x, key) == 1 &&
             X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                        (const unsigned char *)"tlsdoctor lab", -1, -1, 0) == 1 &&
             X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1,
                                        0) == 1 &&
             X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) : name) == 1;
    if (ok) {
        ok = add_ext(x, issuer, NID_basic_constraints, is_ca ? "critical,CA:TRUE" : "CA:FALSE") ==
                     0 &&
             add_ext(x, issuer, NID_key_usage,
                     is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature") == 0 &&
             add_ext(x, issuer, NID_subject_key_identifier, "hash") == 0 &&
             (issuer == NULL || add_ext(x, issuer, NID_authority_key_identifier, "keyid") == 0) &&
             (san == NULL || add_ext(x, issuer, NID_subject_alt_name, san) == 0);
    }
    if (!ok || X509_sign(x, issuer_key, EVP_sha256()) == 0) {
        X509_free(x);
        return NULL;
    }
    return x;
}

static void pki_free(lab_pki_t *p)
{
    X509 *certs[] = { p->root, p->inter, p->good,       p->expired,   p->future,
                      p->self, p->wrong, p->other_root, p->other_int, p->other_leaf };
    EVP_PKEY *keys[] = { p->root_key, p->int_key, p->leaf_key, p->other_root_key,
                         p->other_int_key };
    for (size_t i = 0; i < TD_ARRAY_LEN(certs); i++) {
        X509_free(certs[i]);
    }
    for (size_t i = 0; i < TD_ARRAY_LEN(keys); i++) {
        EVP_PKEY_free(keys[i]);
    }
}

static int pki_make(lab_pki_t *p)
{
    const char *lab_san = "DNS:*.lab.test";
    p->root_key = EVP_EC_gen("P-256");
    p->int_key = EVP_EC_gen("P-256");
    p->leaf_key = EVP_EC_gen("P-256");
    p->other_root_key = EVP_EC_gen("P-256");
    p->other_int_key = EVP_EC_gen("P-256");
    if (!p->root_key || !p->int_key || !p->leaf_key || !p->other_root_key || !p->other_int_key) {
        return TD_E_TLSLIB;
    }
    p->root = make_cert(p->root_key, NULL, p->root_key, "tlsdoctor lab root", NULL, 1, -DAY,
                        3650 * DAY, 1);
    p->inter = make_cert(p->int_key, p->root, p->root_key, "tlsdoctor lab intermediate", NULL, 1,
                         -DAY, 1825 * DAY, 2);
    p->good =
            make_cert(p->leaf_key, p->inter, p->int_key, "lab.test", lab_san, 0, -DAY, 90 * DAY, 3);
    p->expired = make_cert(p->leaf_key, p->inter, p->int_key, "lab.test", lab_san, 0, -120 * DAY,
                           -30 * DAY, 4);
    p->future = make_cert(p->leaf_key, p->inter, p->int_key, "lab.test", lab_san, 0, 30 * DAY,
                          120 * DAY, 5);
    p->self = make_cert(p->leaf_key, NULL, p->leaf_key, "self.lab.test", lab_san, 0, -DAY, 90 * DAY,
                        6);
    p->wrong = make_cert(p->leaf_key, p->inter, p->int_key, "www.example.net",
                         "DNS:www.example.net,DNS:example.net", 0, -DAY, 90 * DAY, 7);
    p->other_root = make_cert(p->other_root_key, NULL, p->other_root_key, "Unknown Private Root",
                              NULL, 1, -DAY, 3650 * DAY, 8);
    p->other_int = make_cert(p->other_int_key, p->other_root, p->other_root_key,
                             "Unknown Private Intermediate", NULL, 1, -DAY, 1825 * DAY, 9);
    p->other_leaf = make_cert(p->leaf_key, p->other_int, p->other_int_key, "lab.test", lab_san, 0,
                              -DAY, 90 * DAY, 10);
    if (!p->root || !p->inter || !p->good || !p->expired || !p->future || !p->self || !p->wrong ||
        !p->other_root || !p->other_int || !p->other_leaf) {
        return TD_E_TLSLIB;
    }
    return 0;
}

static char *pem_of(X509 *x)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *out = NULL;
    if (b != NULL && PEM_write_bio_X509(b, x) == 1) {
        char *p = NULL;
        long n = BIO_get_mem_data(b, &p);
        out = td_malloc((size_t)n + 1);
        if (out != NULL) {
            memcpy(out, p, (size_t)n);
            out[n] = '\0';
        }
    }
    BIO_free(b);
    return out;
}

/* ---- servers ------------------------------------------------------------------------ */

static SSL_CTX *server_ctx(X509 *leaf, EVP_PKEY *key, X509 *chain1, int tls10_only)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL) {
        return NULL;
    }
    if (SSL_CTX_use_certificate(ctx, leaf) != 1 || SSL_CTX_use_PrivateKey(ctx, key) != 1) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    if (chain1 != NULL) {
        X509_up_ref(chain1);
        if (SSL_CTX_add0_chain_cert(ctx, chain1) != 1) {
            X509_free(chain1);
            SSL_CTX_free(ctx);
            return NULL;
        }
    }
    if (tls10_only) {
        SSL_CTX_set_security_level(ctx, 0);
        (void)SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0");
        (void)SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
        (void)SSL_CTX_set_max_proto_version(ctx, TLS1_VERSION);
    }
    return ctx;
}

static void set_timeouts(int fd, int secs)
{
    struct timeval tv = { secs, 0 };
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static void serve_tls(lab_server_t *s, int c)
{
    static const char resp[] = "HTTP/1.1 200 OK\r\nServer: tlsdoctor-lab\r\nContent-Type: "
                               "text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n";
    SSL *ssl = SSL_new(s->ctx);
    if (ssl == NULL) {
        return;
    }
    (void)SSL_set_fd(ssl, c);
    if (SSL_accept(ssl) == 1) {
        char buf[4096];
        int n = SSL_read(ssl, buf, sizeof(buf));
        if (n > 0) {
            (void)SSL_write(ssl, resp, (int)sizeof(resp) - 1);
        }
        (void)SSL_shutdown(ssl);
    }
    SSL_free(ssl);
    ERR_clear_error();
}

static void serve_plain(int c)
{
    static const char resp[] = "HTTP/1.1 400 Bad Request\r\nServer: tlsdoctor-lab-plain\r\n"
                               "Content-Length: 0\r\nConnection: close\r\n\r\n";
    char buf[4096];
    (void)recv(c, buf, sizeof(buf), 0);
    (void)send(c, resp, sizeof(resp) - 1, MSG_NOSIGNAL);
}

static void *server_main(void *arg)
{
    lab_server_t *s = arg;
    for (;;) {
        struct pollfd p[2] = { { .fd = s->fd, .events = POLLIN },
                               { .fd = s->stop[0], .events = POLLIN } };
        if (poll(p, 2, -1) < 0) {
            continue;
        }
        if (p[1].revents != 0) {
            break;
        }
        int c = accept(s->fd, NULL, NULL);
        if (c < 0) {
            continue;
        }
        set_timeouts(c, 2);
        switch (s->kind) {
        case LAB_TLS:
            serve_tls(s, c);
            close(c);
            break;
        case LAB_PLAIN_HTTP:
            serve_plain(c);
            close(c);
            break;
        case LAB_SILENT:
            if (s->n_held < (int)TD_ARRAY_LEN(s->held)) {
                s->held[s->n_held++] = c; /* held open, never answered, closed at stop */
            } else {
                close(c);
            }
            break;
        case LAB_CLOSED:
        default:
            close(c);
            break;
        }
    }
    for (int i = 0; i < s->n_held; i++) {
        close(s->held[i]);
    }
    return NULL;
}

static int bind_loopback(uint16_t *port, int do_listen)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    if (fd < 0) {
        return -1;
    }
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || (do_listen && listen(fd, 16) < 0) ||
        getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

static int server_start(lab_server_t *s)
{
    if (s->kind == LAB_CLOSED) {
        /* Bound but never listening: connections are refused by the kernel. */
        s->fd = bind_loopback(&s->port, 0);
        return s->fd < 0 ? TD_E_IO : 0;
    }
    s->fd = bind_loopback(&s->port, 1);
    if (s->fd < 0 || pipe(s->stop) < 0) {
        return TD_E_IO;
    }
    if (pthread_create(&s->th, NULL, server_main, s) != 0) {
        return TD_E_INTERNAL;
    }
    s->running = 1;
    return 0;
}

static void server_stop(lab_server_t *s)
{
    if (s->running) {
        (void)write(s->stop[1], "x", 1);
        pthread_join(s->th, NULL);
        close(s->stop[0]);
        close(s->stop[1]);
    }
    if (s->fd >= 0) {
        close(s->fd);
    }
    SSL_CTX_free(s->ctx);
}

/* ---- scenarios ---------------------------------------------------------------------- */

typedef struct lab_scenario {
    const char *name;
    const char *defect;
    const char *expect; /* root-cause id, NULL for healthy */
    lab_kind_t kind;
} lab_scenario_t;

static const lab_scenario_t scenarios[] = {
    { "healthy", "full chain, valid, right name", NULL, LAB_TLS },
    { "expired", "leaf expired 30 days ago", "cert.expired", LAB_TLS },
    { "not-yet-valid", "leaf valid from in 30 days", "cert.not_yet_valid", LAB_TLS },
    { "self-signed", "self-signed leaf", "cert.self_signed", LAB_TLS },
    { "missing-intermediate", "leaf sent without its intermediate",
      "cert.chain.missing_intermediate", LAB_TLS },
    { "untrusted-root", "chain from an unknown private root", "cert.chain.untrusted_root",
      LAB_TLS },
    { "wrong-host", "certificate for www.example.net", "cert.hostname.mismatch", LAB_TLS },
    { "tls10-only", "only TLS 1.0 enabled", "tls.version.legacy_only", LAB_TLS },
    { "plain-http", "plain HTTP on the TLS port", "proto.plain_http", LAB_PLAIN_HTTP },
    { "closed-port", "nothing listening", "tcp.connect.refused", LAB_CLOSED },
    { "silent", "accepts, never answers", "proto.silent", LAB_SILENT },
};

static int setup_ctx(lab_server_t *s, const lab_pki_t *p, size_t i)
{
    switch (i) {
    case 0:
        s->ctx = server_ctx(p->good, p->leaf_key, p->inter, 0);
        break;
    case 1:
        s->ctx = server_ctx(p->expired, p->leaf_key, p->inter, 0);
        break;
    case 2:
        s->ctx = server_ctx(p->future, p->leaf_key, p->inter, 0);
        break;
    case 3:
        s->ctx = server_ctx(p->self, p->leaf_key, NULL, 0);
        break;
    case 4:
        s->ctx = server_ctx(p->good, p->leaf_key, NULL, 0);
        break;
    case 5:
        s->ctx = server_ctx(p->other_leaf, p->leaf_key, p->other_int, 0);
        break;
    case 6:
        s->ctx = server_ctx(p->wrong, p->leaf_key, p->inter, 0);
        break;
    case 7:
        s->ctx = server_ctx(p->good, p->leaf_key, p->inter, 1);
        break;
    default:
        return 0;
    }
    return s->ctx == NULL ? TD_E_TLSLIB : 0;
}

int td_lab_run(FILE *f, int color, int verbose, int *all_ok)
{
    lab_pki_t pki;
    lab_server_t servers[TD_ARRAY_LEN(scenarios)];
    size_t started = 0;
    int rc = 0, passed = 0;
    char *ca = NULL;
    const char *g = color ? "\033[32m" : "", *red = color ? "\033[31m" : "",
               *rs = color ? "\033[0m" : "", *b = color ? "\033[1m" : "";

    *all_ok = 0;
    /* Lab servers write to clients that hang up on purpose (the probes do). */
    (void)signal(SIGPIPE, SIG_IGN);
    memset(&pki, 0, sizeof(pki));
    memset(servers, 0, sizeof(servers));
    TD_TRY_OUT(pki_make(&pki));
    ca = pem_of(pki.root);
    if (ca == NULL) {
        rc = TD_E_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < TD_ARRAY_LEN(scenarios); i++) {
        servers[i].fd = -1;
        servers[i].kind = scenarios[i].kind;
        TD_TRY_OUT(setup_ctx(&servers[i], &pki, i));
        TD_TRY_OUT(server_start(&servers[i]));
        started++;
    }
    fprintf(f,
            "%stlsdoctor lab%s: %zu servers on 127.0.0.1 with known defects, each diagnosed "
            "like a real target\n\n",
            b, rs, TD_ARRAY_LEN(scenarios));
    fprintf(f, "  %-22s %-36s %-34s %s\n", "scenario", "defect", "root cause found", "time");
    for (size_t i = 0; i < TD_ARRAY_LEN(scenarios); i++) {
        char host[64], connect_to[64];
        td_options_t opt;
        td_report_t *r = NULL;
        td_errinfo_t err;
        memset(&err, 0, sizeof(err));
        td_fmt(host, sizeof(host), "%s.lab.test", scenarios[i].name);
        td_fmt(connect_to, sizeof(connect_to), "127.0.0.1:%u", (unsigned)servers[i].port);
        td_options_init(&opt);
        opt.host = host;
        opt.connect_to = connect_to;
        opt.ca_pem = ca;
        opt.timeout_s = 10;
        opt.step_timeout_s = 2;
        opt.verbose = verbose;
        double t0 = td_now_ms();
        int drc = td_diagnose(&opt, &r, &err);
        double ms = td_now_ms() - t0;
        const td_finding_t *root = drc == 0 ? td_report_root_cause(r) : NULL;
        const char *got = drc < 0 ? "(error)" : root != NULL ? root->id : "(none: healthy)";
        int ok = drc == 0 && ((scenarios[i].expect == NULL && root == NULL) ||
                              (scenarios[i].expect != NULL && root != NULL &&
                               strcmp(root->id, scenarios[i].expect) == 0));
        passed += ok;
        fprintf(f, "  %s%s%s %-20s %-36s %-34s %6.0f ms\n", ok ? g : red,
                ok ? "\xE2\x9C\x93" : "\xE2\x9C\x97", rs, scenarios[i].name, scenarios[i].defect,
                got, ms);
        if (!ok) {
            fprintf(f, "      expected %s\n",
                    scenarios[i].expect != NULL ? scenarios[i].expect : "(none: healthy)");
            if (drc < 0) {
                fprintf(f, "      error: %s\n", err.message);
            }
        }
        td_report_free(r);
    }
    fprintf(f, "\n%s%d of %zu scenarios got their expected root cause%s\n",
            passed == (int)TD_ARRAY_LEN(scenarios) ? g : red, passed, TD_ARRAY_LEN(scenarios), rs);
    fprintf(f, "Next: tlsdoctor HOST[:PORT] for a real server; --json for machines.\n");
    *all_ok = passed == (int)TD_ARRAY_LEN(scenarios);
out:
    for (size_t i = 0; i < started; i++) {
        server_stop(&servers[i]);
    }
    if (started < TD_ARRAY_LEN(scenarios) && servers[started].ctx != NULL) {
        SSL_CTX_free(servers[started].ctx);
    }
    td_free(ca);
    pki_free(&pki);
    return rc;
}
