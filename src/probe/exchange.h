/* exchange.h: raw probes with our own bytes: a ClientHello or a plain HTTP request, and the
 * first bytes the port sends back. Facts only. */
#ifndef TD_EXCHANGE_H
#define TD_EXCHANGE_H

#include "endpoint.h"
#include "observe.h"

typedef enum td_exchange_kind {
    TD_XCHG_HELLO = 0,   /* our broad ClientHello (TLS 1.0..1.3) */
    TD_XCHG_HELLO_TLS12, /* the same capped at TLS 1.2 (no supported_versions) */
    TD_XCHG_PLAIN_HTTP,  /* a plain-text HTTP GET */
} td_exchange_kind_t;

/* Connects to ep (its mss applied), sends the probe of kind (a plain GET asks for ep->path),
 * reads the reply until it can be classified or the deadline. Always fills obs. */
void td__xchg(const td_endpoint_t *ep, td_exchange_kind_t kind, double deadline_ms,
              td_obs_exchange_t *obs);

struct td_tls_capture;

/* The exchange an OpenSSL handshake made (tls.c's capture of what the server sent), as
 * td__xchg would record our own hello's: the quick profile's protocol facts from its one
 * connection. tls is that handshake's observation (connection time, duration); end says how
 * it stopped (TD_END_ENOUGH: the handshake completed). */
void td__xchg_from_handshake(const struct td_tls_capture *cap, const td_obs_tls_t *tls,
                             td_read_end_t end, td_obs_exchange_t *obs);

/* Called with the DER of the server's first certificate (TLS <= 1.2), valid for the call. */
typedef void (*td_leaf_fn)(const uint8_t *der, size_t len, void *user);

/* Sends prebuilt bytes (a ClientHello) and reads the TLS reply like TD_XCHG_HELLO. The
 * certificate views in obs->flight are cleared: use leaf to look at the certificate. */
void td__exchange_raw(const char *addr, uint16_t port, const uint8_t *hello, size_t len,
                      double deadline_ms, td_obs_exchange_t *obs, td_leaf_fn leaf, void *user);

#endif
