/* tls.h: a real handshake with OpenSSL and an HTTP/1.1 request over it. Verification is off
 * during the handshake so that the chain is always seen; cert.c checks it afterwards. */
#ifndef TD_TLS_PROBE_H
#define TD_TLS_PROBE_H

#include "../kb/kb.h"
#include "endpoint.h"
#include "observe.h"

#include <openssl/ssl.h>

typedef struct td_tls_conn td_tls_conn_t;

typedef enum td_tls_mode {
    TD_TLS_MODERN = 0, /* OpenSSL defaults: TLS 1.2+, default security level */
    TD_TLS_LEGACY,     /* TLS 1.0+ at security level 0, all ciphers */
} td_tls_mode_t;

/* As td__tls_connect with OpenSSL's defaults, but with a client's own cipher string (TLS 1.2
 * and below) and lowest version (0: the default). */
void td__tls_handshake_policy(const td_endpoint_t *ep, const char *ciphers, uint16_t min_version,
                              double deadline_ms, td_obs_tls_t *obs, td_tls_conn_t **conn_out);

/* Handshakes with ep (ep->sni NULL: none sent; ep->host: the name the leaf is compared with
 * for leaf_matches_host; ep->mss applied). On return *conn (may be NULL) holds the connection,
 * owned by the caller, freed with td__tls_conn_free(); after a failed handshake it holds only
 * the certificates the server sent (its socket is already closed). Always fills obs. */
void td__tls_connect(const td_endpoint_t *ep, td_tls_mode_t mode, double deadline_ms,
                     td_obs_tls_t *obs, td_tls_conn_t **conn);

/* What the server sent during a handshake, as it came off the socket: the quick profile takes
 * the protocol layer's facts from its one connection (exchange.c classifies the bytes as it
 * does our own hello's reply). buf (cap bytes) is allocated when the first byte arrives and
 * freed by the caller (td_free); bytes past cap are counted, not kept. */
typedef struct td_tls_capture {
    int fd; /* a socket already connected to ep, handed over (closed with the connection); -1:
             * connect */
    uint8_t *buf;
    size_t cap;
    size_t len;      /* bytes kept in buf */
    size_t received; /* bytes read in all */
    size_t sent;     /* bytes written before the first byte came back: our ClientHello */
    double sent_at, first_byte_at; /* td_now_ms() of the first write and the first byte, 0 none */
} td_tls_capture_t;

/* A handshake that waits outside: td__tls_connect with OpenSSL's defaults (TD_TLS_MODERN),
 * recording into cap what the server sent until the handshake ended; the caller waits for fd
 * to be ready for events (or for the deadline) however it likes (poll() for one target, the
 * fleet scan's epoll for thousands) and calls td__tls_hs_continue(). */
typedef struct td_tls_hs {
    int fd;       /* what to wait for while a call returns 1 */
    short events; /* POLLIN or POLLOUT */
    double deadline_ms;
    /* private */
    const char *match_host; /* borrowed from the endpoint: must outlive the handshake */
    td_obs_tls_t *obs;      /* its started_ms is the handshake's start */
    td_tls_conn_t *c;
    td_tls_conn_t **conn_out;
} td_tls_hs_t;

/* Starts the handshake in h: 1 while it waits (h->fd, h->events, until h->deadline_ms), 0 when
 * it is over (*conn and obs as td__tls_connect leaves them).
 * obs, conn, cap and ep->host must stay valid until it is over. */
int td__tls_hs_begin_capture(td_tls_hs_t *h, const td_endpoint_t *ep, double deadline_ms,
                             td_obs_tls_t *obs, td_tls_conn_t **conn, td_tls_capture_t *cap);
/* Goes on after a wait (whether fd became ready or the deadline passed): 1 or 0 as above. */
int td__tls_hs_continue(td_tls_hs_t *h);

/* td__tls_connect with the endpoint's values one by one. */
void td__tls_handshake(const char *addr, uint16_t port, const char *sni, const char *match_host,
                       td_tls_mode_t mode, double deadline_ms, td_obs_tls_t *obs,
                       td_tls_conn_t **conn);

/* The certificates the server sent, leaf first; borrowed from conn. */
STACK_OF(X509) * td__tls_conn_chain(td_tls_conn_t *conn);

/* Sends GET path with Host and reads the response head before the deadline. */
void td__tls_http_get(td_tls_conn_t *conn, const char *host, uint16_t port, const char *path,
                      double deadline_ms, td_obs_http_t *obs);

void td__tls_conn_free(td_tls_conn_t *conn);

#endif
