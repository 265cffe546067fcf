/* tls.c: OpenSSL client handshake and one HTTP exchange, non-blocking with poll() deadlines.
 * Errors are drained at the call site into the observation (curl's vtls/openssl.c approach);
 * nothing here decides what is wrong. */
#define _POSIX_C_SOURCE 200809L
#include "tls.h"

#include "../util/td_x509.h"
#include "net.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>

struct td_tls_conn {
    SSL_CTX *ctx;
    SSL *ssl;
    int fd;
};

static int obs_index = -1;
static pthread_once_t obs_index_once = PTHREAD_ONCE_INIT;

static void obs_index_init(void)
{
    obs_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

static td_obs_tls_t *obs_of(const SSL *ssl)
{
    return SSL_get_ex_data(ssl, obs_index);
}

static void info_cb(const SSL *ssl, int where, int ret)
{
    td_obs_tls_t *o = obs_of(ssl);
    if (o == NULL || (where & SSL_CB_ALERT) == 0) {
        return;
    }
    int desc = ret & 0xff;
    if (where & SSL_CB_READ) {
        if (o->alert_received < 0 || o->alert_received == 0) {
            o->alert_received = desc;
        }
    } else if (o->alert_sent < 0) {
        o->alert_sent = desc;
    }
}

/* Records each handshake message, alert and ChangeCipherSpec with its time: facts for the
 * report's ladder. buf is the message as OpenSSL framed it (the peer's bytes when read). */
static void msg_cb(int write_p, int version, int content_type, const void *buf, size_t len,
                   SSL *ssl, void *arg)
{
    td_obs_tls_t *o = obs_of(ssl);
    td_reader_t r;
    uint8_t b0 = 0, b1 = 0;
    (void)version;
    (void)arg;
    if (o == NULL || (content_type != SSL3_RT_HANDSHAKE && content_type != SSL3_RT_ALERT &&
                      content_type != SSL3_RT_CHANGE_CIPHER_SPEC)) {
        return;
    }
    td_reader_init(&r, buf, len);
    if (td_reader_u8(&r, &b0) < 0) {
        return;
    }
    if (content_type == SSL3_RT_ALERT && td_reader_u8(&r, &b1) < 0) {
        return;
    }
    if (o->n_msgs >= (int)TD_ARRAY_LEN(o->msgs)) {
        o->msgs_truncated = 1;
        return;
    }
    td_tls_msg_t *m = &o->msgs[o->n_msgs++];
    m->sent = write_p != 0;
    m->content_type = (uint8_t)content_type;
    m->type = content_type == SSL3_RT_ALERT ? b1 : b0;
    m->ms = td_now_ms() - o->started_ms;
}

static int client_cert_cb(SSL *ssl, X509 **x509, EVP_PKEY **pkey)
{
    td_obs_tls_t *o = obs_of(ssl);
    (void)x509;
    (void)pkey;
    if (o != NULL) {
        o->cert_requested = 1;
    }
    return 0; /* we have none to offer */
}

/* What OpenSSL waits for after ret: POLLIN or POLLOUT, or 0 when it is not waiting (an error:
 * *ssl_err says which). */
static short io_want(SSL *ssl, int ret, int *ssl_err)
{
    *ssl_err = SSL_get_error(ssl, ret);
    return *ssl_err == SSL_ERROR_WANT_READ    ? POLLIN
           : *ssl_err == SSL_ERROR_WANT_WRITE ? POLLOUT
                                              : 0;
}

static int wait_io(SSL *ssl, int fd, int ret, double deadline_ms, int *ssl_err)
{
    short ev = io_want(ssl, ret, ssl_err);
    if (ev == 0) {
        return -1;
    }
    if (td_now_ms() >= deadline_ms) {
        return -2;
    }
    td__wait_fd(fd, ev, deadline_ms);
    return 0;
}

static void record_error(td_obs_tls_t *o, int ssl_err)
{
    unsigned long e = ERR_peek_last_error();
    if (e != 0) {
        o->ossl_error = e;
        o->ossl_reason = ERR_GET_REASON(e);
        ERR_error_string_n(e, o->ossl_text, sizeof(o->ossl_text));
    } else if (ssl_err == SSL_ERROR_SYSCALL) {
        o->sys_errno = errno;
        if (errno == 0) {
            o->eof = 1;
            td_strlcpy(o->ossl_text, "connection closed by peer without alert",
                       sizeof(o->ossl_text));
        } else {
            td_fmt(o->ossl_text, sizeof(o->ossl_text), "socket error: %s", strerror(errno));
        }
    } else if (ssl_err == SSL_ERROR_ZERO_RETURN) {
        o->eof = 1;
        td_strlcpy(o->ossl_text, "peer sent close_notify", sizeof(o->ossl_text));
    }
    /* OpenSSL 3 reports an EOF mid-handshake as "unexpected eof while reading". */
    if (o->ossl_reason == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
        o->eof = 1;
    }
    ERR_clear_error();
}

static void leaf_facts(SSL *ssl, const char *match_host, td_obs_tls_t *o)
{
    X509 *leaf = SSL_get0_peer_certificate(ssl);
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
    o->peer_certs = chain != NULL ? sk_X509_num(chain) : 0;
    if (leaf == NULL) {
        return;
    }
    td_x509_sha256_hex(leaf, o->leaf_sha256, sizeof(o->leaf_sha256));
    char buf[256];
    if (X509_NAME_oneline(X509_get_subject_name(leaf), buf, sizeof(buf)) != NULL) {
        td_escape(o->leaf_subject, sizeof(o->leaf_subject), (const uint8_t *)buf, strlen(buf));
    }
    o->leaf_matches_host = td_x509_valid_for(leaf, match_host);
}

static void handshake(const td_endpoint_t *ep, td_tls_mode_t mode, const char *ciphers,
                      uint16_t min_version, double deadline_ms, td_obs_tls_t *obs,
                      td_tls_conn_t **conn_out);

void td__tls_connect(const td_endpoint_t *ep, td_tls_mode_t mode, double deadline_ms,
                     td_obs_tls_t *obs, td_tls_conn_t **conn_out)
{
    handshake(ep, mode, NULL, 0, deadline_ms, obs, conn_out);
}

/* The socket BIO's callback while a capture runs: keeps what was read, counts what was
 * written before the first byte back. Returns ret unchanged (OpenSSL's contract). */
static long capture_cb(BIO *b, int oper, const char *argp, size_t len, int argi, long argl, int ret,
                       size_t *processed)
{
    td_tls_capture_t *c = (td_tls_capture_t *)BIO_get_callback_arg(b);
    (void)len;
    (void)argi;
    (void)argl;
    if (c == NULL || ret <= 0 || processed == NULL || *processed == 0) {
        return ret;
    }
    if (oper == (BIO_CB_READ | BIO_CB_RETURN)) {
        if (c->received == 0) {
            c->first_byte_at = td_now_ms();
        }
        if (c->buf == NULL && c->cap > 0) {
            c->buf = td_malloc(c->cap); /* on the first byte: a silent server costs nothing */
            c->cap = c->buf != NULL ? c->cap : 0;
        }
        size_t keep = c->cap - c->len < *processed ? c->cap - c->len : *processed;
        if (keep > 0) {
            memcpy(c->buf + c->len, argp, keep);
            c->len += keep;
        }
        c->received += *processed;
    } else if (oper == (BIO_CB_WRITE | BIO_CB_RETURN) && c->received == 0) {
        if (c->sent == 0) {
            c->sent_at = td_now_ms();
        }
        c->sent += *processed;
    }
    return ret;
}

static void capture_start(SSL *ssl, td_tls_capture_t *cap)
{
    BIO *b = SSL_get_rbio(ssl);
    if (cap != NULL && b != NULL) {
        BIO_set_callback_arg(b, (char *)cap);
        BIO_set_callback_ex(b, capture_cb);
    }
}

static void capture_stop(SSL *ssl)
{
    BIO *b = ssl != NULL ? SSL_get_rbio(ssl) : NULL;
    if (b != NULL) {
        BIO_set_callback_ex(b, NULL);
        BIO_set_callback_arg(b, NULL);
    }
}

void td__tls_handshake(const char *addr, uint16_t port, const char *sni, const char *match_host,
                       td_tls_mode_t mode, double deadline_ms, td_obs_tls_t *obs,
                       td_tls_conn_t **conn_out)
{
    const td_endpoint_t ep = { .addr = addr, .port = port, .sni = sni, .host = match_host };
    handshake(&ep, mode, NULL, 0, deadline_ms, obs, conn_out);
}

void td__tls_handshake_policy(const td_endpoint_t *ep, const char *ciphers, uint16_t min_version,
                              double deadline_ms, td_obs_tls_t *obs, td_tls_conn_t **conn_out)
{
    handshake(ep, TD_TLS_MODERN, ciphers, min_version, deadline_ms, obs, conn_out);
}

/* A client context of mode (with ciphers and min_version: a client's policy); NULL with the
 * error recorded in obs. */
static SSL_CTX *new_ctx(td_tls_mode_t mode, const char *ciphers, uint16_t min_version,
                        td_obs_tls_t *obs)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL) {
        record_error(obs, SSL_ERROR_SSL);
        return NULL;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_info_callback(ctx, info_cb);
    SSL_CTX_set_msg_callback(ctx, msg_cb);
    SSL_CTX_set_client_cert_cb(ctx, client_cert_cb);
    /* Only http/1.1: the session is used for an HTTP/1.1 request. */
    static const unsigned char alpn[] = { 8, 'h', 't', 't', 'p', '/', '1', '.', '1' };
    (void)SSL_CTX_set_alpn_protos(ctx, alpn, sizeof(alpn));
    if (mode == TD_TLS_LEGACY) {
        /* OpenSSL 3 needs security level 0 for TLS 1.0/1.1 (SHA-1/MD5 handshake signatures). */
        SSL_CTX_set_security_level(ctx, 0);
        (void)SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
        (void)SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0");
        SSL_CTX_set_options(ctx, SSL_OP_LEGACY_SERVER_CONNECT);
    } else if (ciphers != NULL) {
        /* A client the local OpenSSL can be: its cipher string and lowest version. */
        if (SSL_CTX_set_cipher_list(ctx, ciphers) != 1 ||
            (min_version != 0 && SSL_CTX_set_min_proto_version(ctx, min_version) != 1)) {
            record_error(obs, SSL_ERROR_SSL);
            SSL_CTX_free(ctx);
            return NULL;
        }
    }
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
    /* Buffers only while a record is in transit: a fleet scan keeps thousands of handshakes
     * waiting at once, and a waiting one then holds no write buffer (-5.5 KiB each). */
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    return ctx;
}

static pthread_once_t shared_once = PTHREAD_ONCE_INIT;
/* modern, legacy, and modern without session tickets for the one-connection handshake of the
 * quick profile (td__tls_hs_begin_capture): it never resumes, and a TLS 1.2 server then neither
 * encrypts a ticket nor does the client keep one. */
static SSL_CTX *shared[3];

static void shared_init(void)
{
    static td_obs_tls_t scratch; /* errors here only mean: no shared context */
    shared[0] = new_ctx(TD_TLS_MODERN, NULL, 0, &scratch);
    shared[1] = new_ctx(TD_TLS_LEGACY, NULL, 0, &scratch);
    shared[2] = new_ctx(TD_TLS_MODERN, NULL, 0, &scratch);
    if (shared[2] != NULL) {
        SSL_CTX_set_options(shared[2], SSL_OP_NO_TICKET);
        /* Whole records per read (3 reads instead of 13 per handshake, strace -c) */
        SSL_CTX_set_read_ahead(shared[2], 1);
    }
}

/* The process-wide context of a fixed mode, with a reference for the caller; NULL when it
 * could not be made (the caller then makes its own). */
static SSL_CTX *shared_ctx(td_tls_mode_t mode, bool no_tickets)
{
    (void)pthread_once(&shared_once, shared_init);
    SSL_CTX *ctx = shared[mode == TD_TLS_LEGACY ? 1 : no_tickets ? 2 : 0];
    return ctx != NULL && SSL_CTX_up_ref(ctx) == 1 ? ctx : NULL;
}

static int hs_run(td_tls_hs_t *h);
static void hs_finish(td_tls_hs_t *h, bool ok);

/* Sets up the connection and the SSL object and starts the handshake: 1 when it waits for
 * h->fd (h->events) until h->deadline_ms, 0 when it is over (*conn_out and obs filled). */
static int hs_begin(td_tls_hs_t *h, const td_endpoint_t *ep, td_tls_mode_t mode,
                    const char *ciphers, uint16_t min_version, double deadline_ms,
                    td_obs_tls_t *obs, td_tls_conn_t **conn_out, td_tls_capture_t *cap)
{
    const char *sni = ep->sni;
    int err = 0;
    memset(h, 0, sizeof(*h));
    h->match_host = ep->host;
    h->deadline_ms = deadline_ms;
    h->obs = obs;
    h->conn_out = conn_out;
    h->fd = -1;

    memset(obs, 0, sizeof(*obs));
    obs->step = TD_STEP_DONE;
    obs->alert_received = -1;
    obs->alert_sent = -1;
    obs->started_ms = td_now_ms();
    obs->connect_ms = -1;
    *conn_out = NULL;
    if (sni != NULL) {
        td_strlcpy(obs->sni, sni, sizeof(obs->sni));
    }
    (void)pthread_once(&obs_index_once, obs_index_init); /* diagnoses may run in threads */
    td_tls_conn_t *c = h->c = td_calloc(1, sizeof(*c));
    if (c == NULL) {
        td_strlcpy(obs->ossl_text, "out of memory", sizeof(obs->ossl_text));
        hs_finish(h, false);
        return 0;
    }
    c->fd = -1;
    ERR_clear_error();
    /* The two fixed modes share one context each for the process (OpenSSL 3's SSL_CTX_new costs
     * more than a loopback handshake: measured for the fleet scan); a configured context is
     * safe to share between threads. A client's policy gets its own. */
    c->ctx = ciphers == NULL ? shared_ctx(mode, cap != NULL) : NULL;
    if (c->ctx == NULL) {
        c->ctx = new_ctx(mode, ciphers, min_version, obs);
    }
    if (c->ctx == NULL) {
        hs_finish(h, false);
        return 0;
    }
    td_tcp_result_t tr = TD_TCP_OK;
    if (cap != NULL && cap->fd >= 0) {
        c->fd = cap->fd; /* the TCP step's connection */
        cap->fd = -1;
    } else {
        tr = td__connect_mss(ep->addr, ep->port, deadline_ms, ep->mss, &c->fd, &err);
    }
    if (tr != TD_TCP_OK) {
        obs->sys_errno = err;
        obs->timed_out = tr == TD_TCP_TIMEOUT;
        td_fmt(obs->ossl_text, sizeof(obs->ossl_text), "connect: %s", td_tcp_result_name(tr));
        hs_finish(h, false);
        return 0;
    }
    obs->connect_ms = td_now_ms() - obs->started_ms;
    c->ssl = SSL_new(c->ctx);
    if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1) {
        record_error(obs, SSL_ERROR_SSL);
        hs_finish(h, false);
        return 0;
    }
    SSL_set_ex_data(c->ssl, obs_index, obs);
    if (sni != NULL && sni[0] != '\0') {
        (void)SSL_set_tlsext_host_name(c->ssl, obs->sni); /* obs->sni: a non-const copy */
    }
    capture_start(c->ssl, cap);
    h->fd = c->fd;
    return hs_run(h);
}

/* Drives the handshake as far as the socket allows: 1 to wait again, 0 when over. */
static int hs_run(td_tls_hs_t *h)
{
    td_tls_conn_t *c = h->c;
    int ssl_err = 0;
    ERR_clear_error();
    errno = 0;
    int ret = SSL_connect(c->ssl);
    if (ret == 1) {
        hs_finish(h, true);
        return 0;
    }
    h->events = io_want(c->ssl, ret, &ssl_err);
    if (h->events == 0) {
        record_error(h->obs, ssl_err);
        leaf_facts(c->ssl, h->match_host, h->obs);
        hs_finish(h, false);
        return 0;
    }
    if (td_now_ms() >= h->deadline_ms) {
        h->obs->timed_out = 1;
        td_strlcpy(h->obs->ossl_text, "handshake deadline reached", sizeof(h->obs->ossl_text));
        leaf_facts(c->ssl, h->match_host, h->obs);
        hs_finish(h, false);
        return 0;
    }
    return 1;
}

int td__tls_hs_continue(td_tls_hs_t *h)
{
    return h->c != NULL ? hs_run(h) : 0;
}

/* The facts of a finished handshake (ok) or what is kept of a failed one; hands the
 * connection to *conn_out (or frees it) and leaves h finished. */
static void hs_finish(td_tls_hs_t *h, bool ok)
{
    td_tls_conn_t *c = h->c;
    td_obs_tls_t *obs = h->obs;
    h->c = NULL;
    h->fd = -1;
    if (ok) {
        capture_stop(c->ssl);
        obs->ok = 1;
        td_strlcpy(obs->version, SSL_get_version(c->ssl), sizeof(obs->version));
        td_strlcpy(obs->cipher, SSL_get_cipher_name(c->ssl), sizeof(obs->cipher));
        int g = (int)SSL_get_negotiated_group(c->ssl);
        const char *gn = g != 0 ? SSL_group_to_name(c->ssl, g) : NULL;
        td_strlcpy(obs->group, gn != NULL ? gn : "", sizeof(obs->group));
        const unsigned char *a = NULL;
        unsigned int alen = 0;
        SSL_get0_alpn_selected(c->ssl, &a, &alen);
        if (a != NULL) {
            td_escape(obs->alpn, sizeof(obs->alpn), a, alen);
        }
        EVP_PKEY *tmp = NULL;
        if (SSL_get_peer_tmp_key(c->ssl, &tmp) == 1 && tmp != NULL) {
            const char *tn = EVP_PKEY_get0_type_name(tmp);
            td_strlcpy(obs->kx_type, tn != NULL ? tn : "", sizeof(obs->kx_type));
            obs->kx_bits = EVP_PKEY_get_bits(tmp);
            EVP_PKEY_free(tmp);
        }
        leaf_facts(c->ssl, h->match_host, obs);
        obs->ms = td_now_ms() - obs->started_ms;
        *h->conn_out = c;
        return;
    }
    obs->ms = td_now_ms() - obs->started_ms;
    if (c != NULL) {
        capture_stop(c->ssl);
    }
    /* Keep the certificates when the server sent some: cert.c still checks them. The socket
     * is closed now: a server that serves one connection at a time (openssl s_server) waits
     * up to 0.5 s for our close before it accepts the next one. */
    if (c != NULL && c->ssl != NULL && SSL_get_peer_cert_chain(c->ssl) != NULL) {
        td__close(c->fd);
        c->fd = -1;
        *h->conn_out = c;
        return;
    }
    td__tls_conn_free(c);
}

/* The blocking form: waits in poll() between the steps. */
static void handshake(const td_endpoint_t *ep, td_tls_mode_t mode, const char *ciphers,
                      uint16_t min_version, double deadline_ms, td_obs_tls_t *obs,
                      td_tls_conn_t **conn_out)
{
    td_tls_hs_t h;
    int more = hs_begin(&h, ep, mode, ciphers, min_version, deadline_ms, obs, conn_out, NULL);
    while (more) {
        td__wait_fd(h.fd, h.events, h.deadline_ms);
        more = hs_run(&h);
    }
}

int td__tls_hs_begin_capture(td_tls_hs_t *h, const td_endpoint_t *ep, double deadline_ms,
                             td_obs_tls_t *obs, td_tls_conn_t **conn_out, td_tls_capture_t *cap)
{
    return hs_begin(h, ep, TD_TLS_MODERN, NULL, 0, deadline_ms, obs, conn_out, cap);
}

STACK_OF(X509) * td__tls_conn_chain(td_tls_conn_t *conn)
{
    return conn != NULL && conn->ssl != NULL ? SSL_get_peer_cert_chain(conn->ssl) : NULL;
}

/* Counts a response head as it streams in: its end (the first empty line, RFC 9112 §2.1; a bare
 * LF ends a line too, §2.2), its size and its longest line. Bytes after the end are not head. */
struct head_scan {
    size_t bytes;   /* head bytes seen, the ending empty line included */
    size_t line;    /* length of the current line so far */
    size_t longest; /* longest finished (or current) line, CR LF excluded */
    int last_cr;    /* the previous byte was CR */
    int complete;
};

/* Feeds n bytes; returns how many of them belong to the head. */
static size_t head_scan_feed(struct head_scan *h, const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n && !h->complete) {
        uint8_t c = p[i++];
        h->bytes++;
        if (c == '\n') {
            size_t len = h->line - (h->last_cr ? 1 : 0);
            if (len == 0) {
                h->complete = 1;
            }
            h->line = 0;
            h->last_cr = 0;
            continue;
        }
        h->line++;
        h->last_cr = c == '\r';
        size_t len = h->line - (h->last_cr ? 1 : 0);
        if (len > h->longest) {
            h->longest = len;
        }
    }
    return i;
}

/* The bytes are the start of a status line ("HTTP/1.1 200") still on its way. */
static bool status_line_start(const uint8_t *p, size_t n)
{
    static const char pat[] = "HTTP/#.# ###";
    if (n >= sizeof(pat) - 1) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (pat[i] == '#' ? (p[i] < '0' || p[i] > '9') : p[i] != (uint8_t)pat[i]) {
            return false;
        }
    }
    return true;
}

void td__tls_http_get(td_tls_conn_t *conn, const char *host, uint16_t port, const char *path,
                      double deadline_ms, td_obs_http_t *obs)
{
    char req[1024];
    size_t req_len = 0;
    uint8_t buf[16384];  /* the start of the reply, kept for parsing */
    uint8_t more[16384]; /* the rest of a long head: counted, not kept */
    size_t got = 0;
    struct head_scan hs;
    int ssl_err = 0;
    double t0 = td_now_ms(), sent_at = 0;

    memset(obs, 0, sizeof(*obs));
    memset(&hs, 0, sizeof(hs));
    obs->step = TD_STEP_DONE;
    obs->alert = -1;
    obs->ttfb_ms = -1;
    obs->started_ms = t0;
    obs->request_ms = -1;
    td_obs_tls_t *tlsobs = obs_of(conn->ssl);
    if (td_http_request_build(req, sizeof(req), host, port, 1, path, &req_len) < 0) {
        obs->result = TD_HTTP_WRITE_FAILED;
        goto out;
    }
    for (;;) {
        ERR_clear_error();
        int ret = SSL_write(conn->ssl, req, (int)req_len);
        if (ret > 0) {
            break;
        }
        int w = wait_io(conn->ssl, conn->fd, ret, deadline_ms, &ssl_err);
        if (w < 0) {
            obs->result = w == -2 ? TD_HTTP_TIMEOUT : TD_HTTP_WRITE_FAILED;
            ERR_clear_error();
            goto out;
        }
    }
    sent_at = td_now_ms();
    obs->request_ms = sent_at - t0;
    /* Read until the head ends, the peer stops, the deadline passes or TD_HTTP_HEAD_CAP bytes
     * came without an end: an endless head costs time up to the deadline, never memory. */
    for (;;) {
        if (hs.complete) {
            obs->head_end = TD_END_ENOUGH;
            break;
        }
        if (hs.bytes >= TD_HTTP_HEAD_CAP) {
            obs->head_capped = 1;
            obs->head_end = TD_END_ENOUGH;
            break;
        }
        uint8_t *dst = got < sizeof(buf) ? buf + got : more;
        size_t room = got < sizeof(buf) ? sizeof(buf) - got : sizeof(more);
        ERR_clear_error();
        errno = 0;
        int ret = SSL_read(conn->ssl, dst, (int)room);
        if (ret > 0) {
            if (got == 0) {
                obs->ttfb_ms = td_now_ms() - sent_at;
            }
            (void)head_scan_feed(&hs, dst, (size_t)ret);
            if (dst == buf + got) {
                got += (size_t)ret;
            }
            continue;
        }
        int w = wait_io(conn->ssl, conn->fd, ret, deadline_ms, &ssl_err);
        if (w == 0) {
            continue;
        }
        if (w == -2) {
            obs->head_end = TD_END_TIMEOUT;
            obs->result = got == 0 ? TD_HTTP_TIMEOUT : TD_HTTP_NON_HTTP;
            break;
        }
        /* Closed, reset or an alert. */
        obs->head_end = TD_END_EOF;
        if (tlsobs != NULL && tlsobs->alert_received > 0) {
            obs->alert = tlsobs->alert_received;
        }
        if (ssl_err == SSL_ERROR_SYSCALL && errno == ECONNRESET) {
            obs->result = TD_HTTP_RESET;
            obs->head_end = TD_END_RESET;
        } else if (obs->alert > 0 && got == 0) {
            obs->result = TD_HTTP_TLS_ALERT;
        }
        ERR_clear_error();
        break;
    }
    obs->received = got;
    obs->head_bytes = hs.bytes;
    obs->head_complete = hs.complete;
    obs->longest_line = hs.longest;
    td_escape(obs->first, sizeof(obs->first), buf, got < 64 ? got : 64);
    if (obs->result == TD_HTTP_OK || obs->result == TD_HTTP_NON_HTTP ||
        (obs->result == TD_HTTP_RESET && got > 0)) {
        int prc = td_http_head_parse(buf, got, &obs->head);
        bool http = (prc == 0 && obs->head.valid) ||
                    (prc == TD_E_LIMIT && memcmp(buf, "HTTP/", 5) == 0);
        if (got == 0) {
            obs->result = TD_HTTP_EMPTY;
        } else if (http || (status_line_start(buf, got) && !hs.complete)) {
            /* A status line, or the start of one, and a head that did not end is never a
             * response (RFC 9112 §2.1). */
            obs->result = hs.complete ? TD_HTTP_OK : TD_HTTP_HEAD_INCOMPLETE;
        } else {
            obs->result = TD_HTTP_NON_HTTP;
        }
    }
    {
        td_sniff_t sn;
        td_sniff_classify(buf, got, &sn);
        obs->plain_http_page = sn.plain_http_page;
        obs->page_software = sn.page_software;
        obs->page_sign = sn.page_sign;
    }
    if (obs->head.date[0] != '\0' && td_http_date_parse(obs->head.date, &obs->server_date) < 0) {
        obs->server_date = 0;
    }
out:
    obs->ms = td_now_ms() - t0;
}

void td__tls_conn_free(td_tls_conn_t *conn)
{
    if (conn == NULL) {
        return;
    }
    if (conn->ssl != NULL) {
        SSL_free(conn->ssl);
    }
    if (conn->ctx != NULL) {
        SSL_CTX_free(conn->ctx);
    }
    td__close(conn->fd);
    td_free(conn);
}
