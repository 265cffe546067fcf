/* listen.c: the `tlsdoctor listen` server. Accepts clients (a bounded number at once, each under
 * a deadline and a byte cap), reads what each sends first through the bounded parsers, hands the
 * bytes to OpenSSL through memory BIOs (so that nothing the client sends escapes the record) and
 * records how the client reacts: a request, an alert, a close, silence. Facts only: the meaning
 * is diagnose/listenjudge.c's. */
#define _GNU_SOURCE /* accept4 */
#include "listen.h"

#include "../probe/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SCRATCH_CAP  (64 * 1024)
#define REQUEST_CAP  8192
#define LATE_WAIT_MS 3000.0
#define IO_CHUNK     16384

struct server {
    td_listen_options_t o;
    const td_listen_like_t *like;
    SSL_CTX *ctx;
    int lfd;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int active;
    td__listen_fn fn;
    void *user;
};

struct job {
    struct server *s;
    int fd;
    struct sockaddr_storage ss;
    double t0;
    td_listen_client_t c;
};

/* ---- first bytes ---------------------------------------------------------------------- */

/* What reading the first bytes keeps between reads. */
struct first_state {
    td_client_first_t *f;
    uint8_t *scratch;
};

static bool first_enough(const uint8_t *buf, size_t len, double *deadline_ms, void *user)
{
    struct first_state *st = user;
    (void)deadline_ms;
    td_client_first_classify(buf, len, st->scratch, SCRATCH_CAP, st->f);
    return !st->f->need_more;
}

static bool any_bytes(const uint8_t *buf, size_t len, double *deadline_ms, void *user)
{
    (void)buf;
    (void)deadline_ms;
    (void)user;
    return len > 0;
}

static void tcp_facts(int fd, td_listen_client_t *c)
{
    struct tcp_info ti;
    socklen_t n = sizeof(ti);
    memset(&ti, 0, sizeof(ti));
    c->hello_segments = -1;
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &n) == 0 &&
        n >= offsetof(struct tcp_info, tcpi_data_segs_in) + sizeof(ti.tcpi_data_segs_in)) {
        c->hello_segments = (int)ti.tcpi_data_segs_in;
        c->mss = (int)ti.tcpi_advmss; /* what we advertised: it bounds the client's segments */
    }
}

/* ---- TLS through memory BIOs ---------------------------------------------------------- */

static void info_cb(const SSL *ssl, int where, int ret)
{
    td_listen_client_t *c = SSL_get_app_data(ssl);
    if ((where & SSL_CB_ALERT) == 0 || c == NULL || c->handshake_ok) {
        return;
    }
    int desc = ret & 0xff;
    if ((where & SSL_CB_READ) != 0) {
        if (c->alert_received < 0) {
            c->alert_received = desc;
        }
    } else if (c->alert_sent < 0) {
        c->alert_sent = desc;
    }
}

static void msg_cb(int write_p, int version, int content_type, const void *buf, size_t len,
                   SSL *ssl, void *arg)
{
    td_listen_client_t *c = SSL_get_app_data(ssl);
    (void)version;
    (void)arg;
    if (c != NULL && write_p && content_type == SSL3_RT_HANDSHAKE && len > 0 &&
        ((const uint8_t *)buf)[0] == SSL3_MT_CERTIFICATE) {
        c->cert_sent = 1;
    }
}

/* Sends what OpenSSL wrote into the memory BIO. A client that went away is not our error. */
static void flush_out(BIO *wb, int fd, double deadline_ms)
{
    uint8_t tmp[IO_CHUNK];
    while (BIO_ctrl_pending(wb) > 0) {
        int n = BIO_read(wb, tmp, sizeof(tmp));
        if (n <= 0 || td__send_all(fd, tmp, (size_t)n, deadline_ms) < 0) {
            (void)BIO_reset(wb);
            return;
        }
    }
}

/* Reads what the client sends next into rb. Returns how reading ended: TD_END_ENOUGH when
 * bytes came. */
static td_read_end_t feed_in(int fd, BIO *rb, td_listen_client_t *c, size_t max_bytes,
                             double deadline_ms)
{
    uint8_t tmp[IO_CHUNK];
    size_t n = 0, room = max_bytes > c->bytes_in ? max_bytes - c->bytes_in : 0;
    double first = 0;
    if (room == 0) {
        c->capped = 1;
        return TD_END_ENOUGH;
    }
    td_read_end_t e = td__read_until(fd, tmp, room < sizeof(tmp) ? room : sizeof(tmp), deadline_ms,
                                     any_bytes, NULL, &n, &first);
    if (n > 0) {
        c->bytes_in += n;
        if (BIO_write(rb, tmp, (int)n) != (int)n) {
            return TD_END_ERROR;
        }
        return TD_END_ENOUGH;
    }
    return e == TD_END_ENOUGH ? TD_END_EOF : e;
}

static void ossl_error(td_listen_client_t *c)
{
    unsigned long e = ERR_peek_last_error();
    if (e != 0 && ERR_GET_LIB(e) == ERR_LIB_SSL) {
        c->ossl_reason = ERR_GET_REASON(e);
    }
    if (e != 0) {
        ERR_error_string_n(e, c->tls_error, sizeof(c->tls_error));
    }
    ERR_clear_error();
}

/* After OpenSSL stopped (our alert went out, or --like could not sign): what the client sends
 * now says whether it had already refused the certificate. Records are read through the
 * bounded record reader; TLS 1.3 alerts are encrypted, so only their count and size are known. */
static void read_late(int fd, td_listen_client_t *c, size_t max_bytes, double deadline_ms)
{
    uint8_t buf[4096];
    size_t got = 0, n = 0;
    double first = 0, until = td_now_ms() + LATE_WAIT_MS;
    if (until > deadline_ms) {
        until = deadline_ms;
    }
    size_t room = max_bytes > c->bytes_in ? max_bytes - c->bytes_in : 0;
    if (room > sizeof(buf)) {
        room = sizeof(buf);
    }
    c->late_end = TD_END_NONE;
    while (got < room) {
        td_read_end_t e =
                td__read_until(fd, buf + got, room - got, until, any_bytes, NULL, &n, &first);
        got += n;
        if (e != TD_END_ENOUGH) {
            c->late_end = e;
            break;
        }
    }
    c->bytes_in += got;
    td_reader_t r;
    td_reader_init(&r, buf, got);
    for (;;) {
        uint8_t type = 0, desc = 0, level = 0;
        uint16_t ver = 0;
        td_reader_t frag;
        if (td_tls_record_next(&r, 16384 + 256, &type, &ver, &frag) != TD_REC_OK) {
            break;
        }
        if (type == TD_CT_ALERT && c->late_alert < 0 && td_reader_u8(&frag, &level) == 0 &&
            td_reader_u8(&frag, &desc) == 0) {
            c->late_alert = desc;
        } else if (type == TD_CT_APPLICATION_DATA) {
            if (c->late_encrypted++ == 0) {
                c->late_first_len = td_reader_left(&frag);
            }
        }
    }
}

/* After the handshake: the request line, then a short answer so that the client finishes. */
static void read_request(SSL *ssl, BIO *rb, BIO *wb, int fd, td_listen_client_t *c,
                         size_t max_bytes, double deadline_ms)
{
    char req[REQUEST_CAP];
    size_t got = 0;
    c->request_end = TD_END_NONE;
    while (got < sizeof(req)) {
        ERR_clear_error();
        int n = SSL_read(ssl, req + got, (int)(sizeof(req) - got));
        flush_out(wb, fd, deadline_ms);
        if (n > 0) {
            got += (size_t)n;
            if (memchr(req, '\n', got) != NULL) {
                break;
            }
            continue;
        }
        int e = SSL_get_error(ssl, n);
        if (e == SSL_ERROR_ZERO_RETURN) {
            c->request_end = TD_END_EOF;
            break;
        }
        if (e != SSL_ERROR_WANT_READ) {
            c->request_end = TD_END_ERROR;
            ossl_error(c);
            break;
        }
        td_read_end_t end = feed_in(fd, rb, c, max_bytes, deadline_ms);
        if (end != TD_END_ENOUGH || c->capped) {
            c->request_end = end;
            break;
        }
    }
    const char *nl = memchr(req, '\n', got);
    if (got > 0) {
        size_t line = nl != NULL ? (size_t)(nl - req) : got;
        if (line > 0 && req[line - 1] == '\r') {
            line--;
        }
        td_escape(c->request, sizeof(c->request), (const uint8_t *)req, line < 200 ? line : 200);
        c->request_seen = nl != NULL;
    }
    if (nl != NULL) {
        char body[256], resp[512];
        td_fmt(body, sizeof(body), "tlsdoctor listen: %s %s, request seen\n", c->version,
               c->cipher);
        td_fmt(resp, sizeof(resp),
               "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
               "Connection: close\r\n\r\n%s",
               strlen(body), body);
        ERR_clear_error();
        if (SSL_write(ssl, resp, (int)strlen(resp)) > 0) {
            (void)SSL_shutdown(ssl);
        }
        flush_out(wb, fd, deadline_ms);
    }
}

static void serve_tls(struct job *j, const uint8_t *bytes, size_t len, double deadline_ms)
{
    td_listen_client_t *c = &j->c;
    SSL *ssl = SSL_new(j->s->ctx);
    BIO *rb = BIO_new(BIO_s_mem()), *wb = BIO_new(BIO_s_mem());
    if (ssl == NULL || rb == NULL || wb == NULL) {
        td_strlcpy(c->tls_error, "out of memory", sizeof(c->tls_error));
        BIO_free(rb);
        BIO_free(wb);
        SSL_free(ssl);
        return;
    }
    BIO_set_mem_eof_return(rb, -1);
    BIO_set_mem_eof_return(wb, -1);
    SSL_set_bio(ssl, rb, wb);
    SSL_set_accept_state(ssl);
    SSL_set_app_data(ssl, c);
    SSL_set_info_callback(ssl, info_cb);
    SSL_set_msg_callback(ssl, msg_cb);
    c->handshake_ran = 1;
    c->like = j->s->like != NULL;
    if (len > 0 && BIO_write(rb, bytes, (int)len) != (int)len) {
        td_strlcpy(c->tls_error, "out of memory", sizeof(c->tls_error));
        SSL_free(ssl);
        return;
    }
    for (;;) {
        ERR_clear_error();
        int r = SSL_do_handshake(ssl);
        flush_out(wb, j->fd, deadline_ms);
        if (r == 1) {
            c->handshake_ok = 1;
            break;
        }
        int e = SSL_get_error(ssl, r);
        if (e != SSL_ERROR_WANT_READ) {
            ossl_error(c);
            break;
        }
        c->hs_end = feed_in(j->fd, rb, c, j->s->o.max_bytes, deadline_ms);
        if (c->hs_end != TD_END_ENOUGH || c->capped) {
            break;
        }
        c->hs_end = TD_END_NONE;
    }
    if (c->handshake_ok) {
        const uint8_t *alpn = NULL;
        unsigned alpn_len = 0;
        int nid = (int)SSL_get_negotiated_group(ssl);
        td_strlcpy(c->version, SSL_get_version(ssl), sizeof(c->version));
        td_strlcpy(c->cipher, SSL_get_cipher_name(ssl), sizeof(c->cipher));
        td_strlcpy(c->group, nid > 0 ? OBJ_nid2sn(nid) : "", sizeof(c->group));
        SSL_get0_alpn_selected(ssl, &alpn, &alpn_len);
        td_escape(c->alpn, sizeof(c->alpn), alpn, alpn_len);
        read_request(ssl, rb, wb, j->fd, c, j->s->o.max_bytes, deadline_ms);
    } else if (c->alert_received < 0 && c->hs_end == TD_END_NONE && !c->capped) {
        read_late(j->fd, c, j->s->o.max_bytes, deadline_ms);
    }
    SSL_free(ssl);
}

/* A client that spoke plain HTTP gets the answer a TLS server with an HTTP fallback gives
 * (nginx's 497 page in spirit), so that a health checker logs a status rather than a reset. */
static void answer_plain_http(int fd, double deadline_ms)
{
    static const char resp[] = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n"
                               "Content-Length: 63\r\nConnection: close\r\n\r\n"
                               "tlsdoctor listen: plain HTTP was sent to this TLS port (use TLS)";
    if (td__send_all(fd, resp, sizeof(resp) - 1, deadline_ms) < 0) {
        return; /* the client left: its reaction is already recorded */
    }
}

static void serve(struct job *j)
{
    td_listen_client_t *c = &j->c;
    struct server *s = j->s;
    double deadline = j->t0 + s->o.client_timeout_s * 1000.0;
    size_t len = 0;
    double first_ms = -1;
    uint8_t *buf = td_malloc(s->o.max_bytes), *scratch = td_malloc(SCRATCH_CAP);
    td_client_first_t *f = td_calloc(1, sizeof(*f));
    struct first_state st = { .f = f, .scratch = scratch };
    if (buf == NULL || f == NULL || scratch == NULL) {
        td_strlcpy(c->tls_error, "out of memory", sizeof(c->tls_error));
        td_free(buf);
        td_free(f);
        td_free(scratch);
        return;
    }
    c->first_end = td__read_until(j->fd, buf, s->o.max_bytes, deadline, first_enough, &st, &len,
                                  &first_ms);
    c->bytes_in = len;
    td_client_first_classify(buf, len, scratch, SCRATCH_CAP, f);
    c->first = *f;
    c->capped = len == s->o.max_bytes && f->need_more;
    if (f->hello.has_hello) {
        tcp_facts(j->fd, c);
        c->hello_bytes = (size_t)f->hello.records * 5 + f->hello.hello_len;
        if (td_ja4_string(&f->hello, c->ja4, sizeof(c->ja4), c->ja4_r, sizeof(c->ja4_r)) < 0) {
            c->ja4[0] = '\0';
        }
    }
    if (f->kind == TD_FIRST_TLS && !c->capped) {
        serve_tls(j, buf + f->proxy.len, len - f->proxy.len, deadline);
    } else if (f->kind == TD_FIRST_HTTP) {
        answer_plain_http(j->fd, deadline);
    }
    td_free(buf);
    td_free(f);
    td_free(scratch);
}

static void *client_thread(void *arg)
{
    struct job *j = arg;
    struct server *s = j->s;
    serve(j);
    j->c.ms = td_now_ms() - j->t0;
    td__close(j->fd);
    td__listen_judge(&j->c);
    pthread_mutex_lock(&s->mu);
    s->fn(&j->c, s->user);
    s->active--;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    td_free(j);
    return NULL;
}

/* ---- certificates ----------------------------------------------------------------------- */

/* A self-signed certificate for name (a DNS name or an IP literal), valid from an hour ago for
 * 30 days, P-256. */
static int make_cert(const char *name, X509 **out_x, EVP_PKEY **out_k)
{
    int rc = TD_E_TLSLIB;
    EVP_PKEY *k = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    X509_NAME *nm = X509_NAME_new();
    X509V3_CTX v3;
    char san[300];
    uint8_t serial[16];
    BIGNUM *bn = NULL;
    if (k == NULL || x == NULL || nm == NULL ||
        X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_UTF8, (const unsigned char *)name, -1, -1,
                                   0) != 1 ||
        X509_NAME_add_entry_by_txt(nm, "O", MBSTRING_UTF8,
                                   (const unsigned char *)"tlsdoctor listen", -1, -1, 0) != 1) {
        goto out;
    }
    if (RAND_bytes(serial, sizeof(serial)) != 1) {
        goto out;
    }
    serial[0] &= 0x7f;
    bn = BN_bin2bn(serial, sizeof(serial), NULL);
    td_fmt(san, sizeof(san), "%s:%s", td__is_ip_literal(name) ? "IP" : "DNS", name);
    X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
    if (bn == NULL || X509_set_version(x, 2) != 1 ||
        BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL ||
        X509_set_subject_name(x, nm) != 1 || X509_set_issuer_name(x, nm) != 1 ||
        X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
        X509_gmtime_adj(X509_getm_notAfter(x), 30L * 86400) == NULL || X509_set_pubkey(x, k) != 1) {
        goto out;
    }
    static const char *const exts[][2] = {
        { "basicConstraints", "critical,CA:FALSE" },
        { "keyUsage", "critical,digitalSignature" },
        { "extendedKeyUsage", "serverAuth" },
        { "subjectKeyIdentifier", "hash" },
    };
    for (size_t i = 0; i <= TD_ARRAY_LEN(exts); i++) {
        X509_EXTENSION *e =
                X509V3_EXT_nconf(NULL, &v3, i < TD_ARRAY_LEN(exts) ? exts[i][0] : "subjectAltName",
                                 i < TD_ARRAY_LEN(exts) ? exts[i][1] : san);
        if (e == NULL || X509_add_ext(x, e, -1) != 1) {
            X509_EXTENSION_free(e);
            goto out;
        }
        X509_EXTENSION_free(e);
    }
    if (X509_sign(x, k, EVP_sha256()) <= 0) {
        goto out;
    }
    *out_x = x;
    *out_k = k;
    x = NULL;
    k = NULL;
    rc = 0;
out:
    BN_free(bn);
    X509_NAME_free(nm);
    X509_free(x);
    EVP_PKEY_free(k);
    return rc;
}

/* We speak HTTP/1.1 only: pick it when offered, else no ALPN (RFC 7301 §3.2 allows a server
 * to ignore protocols it does not support). */
static int alpn_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                   const unsigned char *in, unsigned int inlen, void *arg)
{
    static const unsigned char ours[] = { 8, 'h', 't', 't', 'p', '/', '1', '.', '1' };
    unsigned char *sel = NULL;
    (void)ssl;
    (void)arg;
    if (SSL_select_next_proto(&sel, outlen, ours, sizeof(ours), in, inlen) ==
        OPENSSL_NPN_NEGOTIATED) {
        *out = sel;
        return SSL_TLSEXT_ERR_OK;
    }
    return SSL_TLSEXT_ERR_NOACK;
}

/* --like a server that requires SNI: a hello without it is refused as that server refuses it
 * (OpenSSL calls this for every hello, with or without server_name). */
static int sni_required_cb(SSL *ssl, int *al, void *arg)
{
    (void)arg;
    if (SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name) == NULL) {
        *al = SSL_AD_UNRECOGNIZED_NAME;
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    return SSL_TLSEXT_ERR_OK;
}

static int setup_like(SSL_CTX *ctx, const td_listen_like_t *like, td_errinfo_t *err)
{
    static const int ossl_versions[TD_MX_NVERSIONS] = { SSL3_VERSION, TLS1_VERSION, TLS1_1_VERSION,
                                                        TLS1_2_VERSION, TLS1_3_VERSION };
    static const uint64_t no_version[TD_MX_NVERSIONS] = { SSL_OP_NO_SSLv3, SSL_OP_NO_TLSv1,
                                                          SSL_OP_NO_TLSv1_1, SSL_OP_NO_TLSv1_2,
                                                          SSL_OP_NO_TLSv1_3 };
    STACK_OF(X509) *chain = like->chain;
    char groups[sizeof(like->groups)];
    td_strlcpy(groups, like->groups, sizeof(groups));
    int lo = -1, hi = -1;
    for (int i = 0; i < TD_MX_NVERSIONS; i++) {
        if ((like->versions & (1u << i)) != 0) {
            lo = lo < 0 ? i : lo;
            hi = i;
        }
    }
    if (lo < 0 || chain == NULL || sk_X509_num(chain) == 0) {
        td_errinfo_set(err, TD_E_USAGE, "--like: %s:%u accepted no TLS version we could copy",
                       like->host, like->port);
        return TD_E_USAGE;
    }
    SSL_CTX_set_min_proto_version(ctx, ossl_versions[lo]);
    SSL_CTX_set_max_proto_version(ctx, ossl_versions[hi]);
    for (int i = lo; i <= hi; i++) {
        if ((like->versions & (1u << i)) == 0) {
            SSL_CTX_set_options(ctx, no_version[i]);
        }
    }
    if (like->server_order) {
        SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
    }
    if (like->sni_required) {
        SSL_CTX_set_tlsext_servername_callback(ctx, sni_required_cb);
    }
    ERR_clear_error();
    if ((like->ciphers[0] != '\0' && SSL_CTX_set_cipher_list(ctx, like->ciphers) != 1) ||
        (like->suites13[0] != '\0' && SSL_CTX_set_ciphersuites(ctx, like->suites13) != 1) ||
        (like->groups[0] != '\0' && SSL_CTX_set1_groups_list(ctx, groups) != 1)) {
        td_errinfo_set(err, TD_E_TLSLIB, "--like: OpenSSL refused the server's settings (%s)",
                       ERR_reason_error_string(ERR_peek_last_error()));
        return TD_E_TLSLIB;
    }
    /* The real chain without its key: OpenSSL takes the certificate's public key in place of
     * the private key (SSL_CTX_use_cert_and_key with a NULL key), so the Certificate message
     * goes out as the real server sends it and the handshake stops where the key is needed. */
    STACK_OF(X509) *rest = sk_X509_dup(chain);
    X509 *leaf = rest != NULL ? sk_X509_shift(rest) : NULL;
    int ok = leaf != NULL && SSL_CTX_use_cert_and_key(ctx, leaf, NULL, rest, 1) == 1;
    sk_X509_free(rest);
    if (!ok) {
        td_errinfo_set(err, TD_E_TLSLIB, "--like: cannot present the server's chain (%s)",
                       ERR_reason_error_string(ERR_peek_last_error()));
        return TD_E_TLSLIB;
    }
    return 0;
}

static int setup_own_cert(SSL_CTX *ctx, const td_listen_options_t *o, td_errinfo_t *err, char *info,
                          size_t icap)
{
    if (o->cert_file != NULL) {
        const char *files[2] = { o->cert_file, o->key_file };
        for (int i = 0; i < 2; i++) {
            if (access(files[i], R_OK) != 0) {
                td_errinfo_set(err, TD_E_USAGE, "cannot read %s: %s", files[i], strerror(errno));
                return TD_E_USAGE;
            }
        }
        ERR_clear_error();
        if (SSL_CTX_use_certificate_chain_file(ctx, o->cert_file) != 1 ||
            SSL_CTX_use_PrivateKey_file(ctx, o->key_file, SSL_FILETYPE_PEM) != 1 ||
            SSL_CTX_check_private_key(ctx) != 1) {
            td_errinfo_set(err, TD_E_USAGE, "cannot use --cert %s / --key %s: %s", o->cert_file,
                           o->key_file, ERR_reason_error_string(ERR_peek_last_error()));
            return TD_E_USAGE;
        }
        td_fmt(info, icap, "certificate %s", o->cert_file);
        return 0;
    }
    X509 *x = NULL;
    EVP_PKEY *k = NULL;
    if (make_cert(o->name, &x, &k) < 0 || SSL_CTX_use_certificate(ctx, x) != 1 ||
        SSL_CTX_use_PrivateKey(ctx, k) != 1) {
        X509_free(x);
        EVP_PKEY_free(k);
        td_errinfo_set(err, TD_E_TLSLIB, "cannot generate a certificate for %s", o->name);
        return TD_E_TLSLIB;
    }
    int rc = 0;
    if (o->save_cert != NULL) {
        FILE *f = fopen(o->save_cert, "w");
        if (f == NULL || PEM_write_X509(f, x) != 1) {
            td_errinfo_set(err, TD_E_IO, "cannot write --save-cert %s", o->save_cert);
            rc = TD_E_IO;
        }
        if (f != NULL && fclose(f) != 0 && rc == 0) {
            td_errinfo_set(err, TD_E_IO, "cannot write --save-cert %s", o->save_cert);
            rc = TD_E_IO;
        }
    }
    td_fmt(info, icap, "a self-signed certificate for %s (generated%s%s)", o->name,
           o->save_cert != NULL ? ", saved to " : "", o->save_cert != NULL ? o->save_cert : "");
    X509_free(x);
    EVP_PKEY_free(k);
    return rc;
}

/* Permissive by default: every version from TLS 1.0 and every suite, so that the client's own
 * limits, not ours, decide; every group OpenSSL has, so that its key share is taken as sent. */
static int make_ctx(struct server *s, td_errinfo_t *err, char *info, size_t icap)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL) {
        td_errinfo_set(err, TD_E_TLSLIB, "cannot create a TLS context");
        return TD_E_TLSLIB;
    }
    s->ctx = ctx;
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_alpn_select_cb(ctx, alpn_cb, NULL);
    if (s->like != NULL) {
        TD_TRY(setup_like(ctx, s->like, err));
        td_fmt(info, icap, "the chain, versions, suites and groups of %s:%u", s->like->host,
               s->like->port);
        return 0;
    }
    char groups[] = "x25519:secp256r1:x448:secp521r1:secp384r1:ffdhe2048:ffdhe3072:ffdhe4096:"
                    "ffdhe6144:ffdhe8192";
    SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
    ERR_clear_error();
    if (SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0") != 1 ||
        SSL_CTX_set1_groups_list(ctx, groups) != 1) {
        ERR_clear_error();
    }
    return setup_own_cert(ctx, &s->o, err, info, icap);
}

/* ---- the accept loop -------------------------------------------------------------------- */

static int bind_listener(struct server *s, td_errinfo_t *err, uint16_t *port)
{
    struct sockaddr_storage ss;
    socklen_t sl = 0;
    int one = 1;
    if (td__addr_parse(s->o.addr, s->o.port, &ss, &sl) < 0) {
        td_errinfo_set(err, TD_E_USAGE, "not a numeric address: %s", s->o.addr);
        return TD_E_USAGE;
    }
    s->lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (s->lfd < 0) {
        td_errinfo_set(err, TD_E_IO, "socket: %s", strerror(errno));
        return TD_E_IO;
    }
    (void)setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    /* The MSS the listener advertises in its SYN-ACK bounds the client's segments: a smaller
     * path, reproduced. */
    if (s->o.mss > 0 &&
        setsockopt(s->lfd, IPPROTO_TCP, TCP_MAXSEG, &s->o.mss, sizeof(s->o.mss)) < 0) {
        td_errinfo_set(err, TD_E_USAGE, "--mss %d: %s", s->o.mss, strerror(errno));
        return TD_E_USAGE;
    }
    if (bind(s->lfd, (struct sockaddr *)&ss, sl) < 0 || listen(s->lfd, 64) < 0) {
        td_errinfo_set(err, TD_E_IO, "cannot listen on %s:%u: %s", s->o.addr, s->o.port,
                       strerror(errno));
        return TD_E_IO;
    }
    sl = sizeof(ss);
    if (getsockname(s->lfd, (struct sockaddr *)&ss, &sl) == 0) {
        *port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                              : ((struct sockaddr_in6 *)&ss)->sin6_port);
    }
    return 0;
}

static void peer_name(const struct sockaddr_storage *ss, td_listen_client_t *c)
{
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &a->sin_addr, c->peer, sizeof(c->peer));
        c->peer_port = ntohs(a->sin_port);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &a->sin6_addr, c->peer, sizeof(c->peer));
        c->peer_port = ntohs(a->sin6_port);
    }
}

static bool should_stop(const struct server *s, unsigned long accepted, double end_ms)
{
    return (s->o.stop != NULL && *s->o.stop) || (s->o.count > 0 && accepted >= s->o.count) ||
           (end_ms > 0 && td_now_ms() >= end_ms);
}

static void accept_loop(struct server *s)
{
    unsigned long accepted = 0;
    double end_ms = s->o.duration_s > 0 ? td_now_ms() + s->o.duration_s * 1000.0 : 0;
    while (!should_stop(s, accepted, end_ms)) {
        pthread_mutex_lock(&s->mu);
        while (s->active >= s->o.max_clients) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 200 * 1000000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            (void)pthread_cond_timedwait(&s->cv, &s->mu, &ts);
        }
        pthread_mutex_unlock(&s->mu);
        struct pollfd pf = { .fd = s->lfd, .events = POLLIN };
        if (poll(&pf, 1, 200) <= 0) {
            continue;
        }
        struct job *j = td_calloc(1, sizeof(*j));
        socklen_t sl = sizeof(struct sockaddr_storage);
        if (j == NULL) {
            continue;
        }
        j->fd = accept4(s->lfd, (struct sockaddr *)&j->ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (j->fd < 0) {
            td_free(j);
            continue;
        }
        j->s = s;
        j->t0 = td_now_ms();
        j->c.index = ++accepted;
        j->c.time = (int64_t)time(NULL);
        j->c.alert_received = j->c.alert_sent = j->c.late_alert = -1;
        peer_name(&j->ss, &j->c);
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_mutex_lock(&s->mu);
        s->active++;
        pthread_mutex_unlock(&s->mu);
        if (pthread_create(&t, &attr, client_thread, j) != 0) {
            pthread_mutex_lock(&s->mu);
            s->active--;
            pthread_mutex_unlock(&s->mu);
            td__close(j->fd);
            td_free(j);
        }
        pthread_attr_destroy(&attr);
    }
    pthread_mutex_lock(&s->mu);
    while (s->active > 0) {
        pthread_cond_wait(&s->cv, &s->mu);
    }
    pthread_mutex_unlock(&s->mu);
}

int td__listen_run(const td_listen_options_t *opt, const td_listen_like_t *like, td__listen_fn fn,
                   void *user, td_errinfo_t *err)
{
    struct server s;
    char info[400], line[600];
    uint16_t port = 0;
    int rc = 0;
    memset(&s, 0, sizeof(s));
    s.o = *opt;
    s.like = like;
    s.fn = fn;
    s.user = user;
    s.lfd = -1;
    pthread_mutex_init(&s.mu, NULL);
    pthread_cond_init(&s.cv, NULL);
    TD_TRY_OUT(make_ctx(&s, err, info, sizeof(info)));
    TD_TRY_OUT(bind_listener(&s, err, &port));
    if (s.o.on_ready != NULL) {
        td_fmt(line, sizeof(line), "listening on %s%s%s:%u with %s",
               strchr(s.o.addr, ':') ? "[" : "", s.o.addr, strchr(s.o.addr, ':') ? "]" : "", port,
               info);
        s.o.on_ready(line, user);
    }
    accept_loop(&s);
out:
    if (s.lfd >= 0) {
        td__close(s.lfd);
    }
    SSL_CTX_free(s.ctx);
    pthread_cond_destroy(&s.cv);
    pthread_mutex_destroy(&s.mu);
    return rc;
}
