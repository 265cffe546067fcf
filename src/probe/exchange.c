/* exchange.c: one connection, our bytes out, their first bytes in, classified by sniff.c and
 * tls_codec.c. The reply buffer is bounded; a server that drips or floods cannot hold us past
 * the deadline. */
#include "exchange.h"

#include "net.h"
#include "tls.h"

#include <openssl/rand.h>
#include <string.h>

#define REPLY_CAP (20 * 1024)
#define GRACE_MS  300.0

struct reply_state {
    uint8_t scratch[17 * 1024];
    int grace_set;
};

static bool tls_enough(const uint8_t *buf, size_t len, double *deadline, void *user)
{
    struct reply_state *st = user;
    if (buf[0] < 20 || buf[0] > 23) {
        /* Not TLS: give the rest of the greeting a short grace period, then stop. */
        if (!st->grace_set) {
            double g = td_now_ms() + GRACE_MS;
            if (g < *deadline) {
                *deadline = g;
            }
            st->grace_set = 1;
        }
        return len >= 4096;
    }
    td_server_flight_t f;
    td_server_flight_parse(buf, len, st->scratch, sizeof(st->scratch), &f);
    if (f.decode_error || f.has_alert || f.non_tls || f.sslv2) {
        return true;
    }
    if (f.has_server_hello && (f.is_hrr || f.version == TD_V_TLS13 || f.has_done || f.encrypted)) {
        return true;
    }
    return false;
}

static bool plain_enough(const uint8_t *buf, size_t len, double *deadline, void *user)
{
    struct reply_state *st = user;
    if (buf[0] >= 20 && buf[0] <= 23 && len >= 7) {
        return true; /* a TLS record, e.g. an alert: classified from the header alone */
    }
    if (!st->grace_set) {
        double g = td_now_ms() + GRACE_MS;
        if (g < *deadline) {
            *deadline = g;
        }
        st->grace_set = 1;
    }
    return len >= 8192;
}

/* Classifies the reply (len bytes) into obs: its class, an HTTP head, a TLS flight. leaf (may be
 * NULL) sees the first certificate of a TLS <= 1.2 reply while scratch is alive. */
static void classify(const uint8_t *reply, size_t len, uint8_t *scratch, size_t scratch_cap,
                     td_obs_exchange_t *obs, td_leaf_fn leaf, void *user)
{
    td_sniff_classify(reply, len, &obs->sniff);
    if (obs->sniff.cls == TD_SNIFF_HTTP) {
        int hrc = td_http_head_parse(reply, len, &obs->head);
        (void)hrc; /* a partial or odd head still leaves what was parsed */
    }
    if (obs->sniff.cls == TD_SNIFF_TLS || obs->sniff.cls == TD_SNIFF_SSLV2) {
        td_server_flight_parse(reply, len, scratch, scratch_cap, &obs->flight);
        if (leaf != NULL && obs->flight.n_certs > 0) {
            leaf(obs->flight.certs[0].p, obs->flight.certs[0].len, user);
        }
        /* The views point into scratch, which the caller frees. */
        memset(obs->flight.certs, 0, sizeof(obs->flight.certs));
    }
}

void td__xchg_from_handshake(const td_tls_capture_t *cap, const td_obs_tls_t *tls,
                             td_read_end_t end, td_obs_exchange_t *obs)
{
    memset(obs, 0, sizeof(*obs));
    obs->step = TD_STEP_DONE;
    obs->connected = tls->connect_ms >= 0;
    obs->connect_result = obs->connected ? TD_TCP_OK : TD_TCP_ERROR;
    obs->connect_ms = tls->connect_ms;
    obs->sent = cap->sent;
    obs->received = cap->received;
    obs->end = end;
    obs->first_byte_ms =
            cap->received > 0 && cap->sent_at > 0 ? cap->first_byte_at - cap->sent_at : -1;
    obs->ms = tls->ms;
    td_sniff_classify(NULL, 0, &obs->sniff);
    if (cap->len > 0) {
        struct reply_state *st = td_malloc(sizeof(*st));
        if (st != NULL) {
            classify(cap->buf, cap->len, st->scratch, sizeof(st->scratch), obs, NULL, NULL);
        }
        td_free(st);
    }
}

/* Connects, sends out, reads the reply and classifies it. leaf (may be NULL) sees the first
 * certificate of a TLS <= 1.2 reply while the buffers are alive. */
static void exchange_core(const char *addr, uint16_t port, const uint8_t *out, size_t out_len,
                          bool plain, double deadline_ms, int mss, td_obs_exchange_t *obs,
                          td_leaf_fn leaf, void *user)
{
    int fd = -1, err = 0;
    double t0 = td_now_ms();
    struct reply_state *st = td_calloc(1, sizeof(*st));
    uint8_t *reply = td_malloc(REPLY_CAP);

    memset(obs, 0, sizeof(*obs));
    obs->step = TD_STEP_DONE;
    obs->first_byte_ms = -1;
    obs->connect_ms = -1;
    td_sniff_classify(NULL, 0, &obs->sniff); /* "empty" until something arrives */
    if (st == NULL || reply == NULL || out == NULL) {
        obs->end = TD_END_ERROR;
        goto out;
    }
    obs->connect_result = td__connect_mss(addr, port, deadline_ms, mss, &fd, &err);
    if (obs->connect_result != TD_TCP_OK) {
        obs->end = TD_END_ERROR;
        goto out;
    }
    obs->connected = 1;
    obs->connect_ms = td_now_ms() - t0;
    if (td__send_all(fd, out, out_len, deadline_ms) < 0) {
        /* The peer may have sent something (a banner) and closed: still read it. */
        obs->sent = 0;
    } else {
        obs->sent = out_len;
    }
    double sent_at = td_now_ms();
    double first = -1;
    obs->end = td__read_until(fd, reply, REPLY_CAP, deadline_ms, plain ? plain_enough : tls_enough,
                              st, &obs->received, &first);
    if (first >= 0) {
        obs->first_byte_ms = first - sent_at;
    }
    classify(reply, obs->received, st->scratch, sizeof(st->scratch), obs, leaf, user);
out:
    td__close(fd);
    obs->ms = td_now_ms() - t0;
    td_free(reply);
    td_free(st);
}

void td__exchange_raw(const char *addr, uint16_t port, const uint8_t *hello, size_t len,
                      double deadline_ms, td_obs_exchange_t *obs, td_leaf_fn leaf, void *user)
{
    exchange_core(addr, port, hello, len, false, deadline_ms, 0, obs, leaf, user);
}

void td__xchg(const td_endpoint_t *ep, td_exchange_kind_t kind, double deadline_ms,
              td_obs_exchange_t *obs)
{
    uint8_t out[2048];
    size_t out_len = 0;
    int rc = 0;
    if (kind == TD_XCHG_PLAIN_HTTP) {
        rc = td_http_request_build((char *)out, sizeof(out), ep->host, ep->port, 0,
                                   ep->path != NULL ? ep->path : "/", &out_len);
    } else {
        uint8_t rnd[64];
        td_hello_params_t hp;
        rc = RAND_bytes(rnd, sizeof(rnd)) == 1 ? 0 : TD_E_TLSLIB;
        if (rc == 0) {
            td_hello_params_default(&hp, ep->sni, kind == TD_XCHG_HELLO ? TD_V_TLS13 : TD_V_TLS12,
                                    rnd, rnd + 32);
            rc = td_client_hello_build(&hp, out, sizeof(out), &out_len);
        }
    }
    exchange_core(ep->addr, ep->port, rc == 0 ? out : NULL, out_len, kind == TD_XCHG_PLAIN_HTTP,
                  deadline_ms, ep->mss, obs, NULL, NULL);
}
