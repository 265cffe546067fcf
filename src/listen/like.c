/* like.c: `listen --like HOST[:PORT]`: the real server's accepted versions, suites and groups
 * (from a diagnosis with the handshake matrix) turned into OpenSSL settings, and its certificate
 * chain fetched with one more handshake. Facts and configuration only; no verdict. */
#include "listen.h"

#include "../probe/tls.h"

#include <string.h>

static void add_name(char *list, size_t cap, const char *name)
{
    if (strstr(list, name) == NULL) {
        td_fmt_append(list, cap, "%s%s", list[0] != '\0' ? ":" : "", name);
    }
}

/* Suites and groups the server accepted, in OpenSSL's names. A suite OpenSSL cannot speak is
 * noted: the copy is then narrower than the server. */
static void copy_matrix(td_listen_like_t *like, const td_obs_matrix_t *m)
{
    for (int i = 0; i < TD_MX_NVERSIONS; i++) {
        const td_mx_version_t *v = &m->v[i];
        if (v->n_suites == 0) {
            continue;
        }
        like->versions |= 1u << i;
        if (v->order == 1) {
            like->server_order = 1;
        }
        for (int k = 0; k < v->n_suites; k++) {
            const td_cipher_info_t *ci = td_cipher_info(v->suites[k]);
            if (ci == NULL || ci->openssl[0] == '\0') {
                td_fmt_append(
                        like->notes, sizeof(like->notes), "%s0x%04x",
                        like->notes[0] ? ", " : "suites OpenSSL lacks: ", (unsigned)v->suites[k]);
            } else if ((ci->flags & TD_CS_TLS13) != 0) {
                add_name(like->suites13, sizeof(like->suites13), ci->iana);
            } else {
                add_name(like->ciphers, sizeof(like->ciphers), ci->openssl);
            }
        }
    }
    for (int i = 0; i < m->n_groups13 + m->n_groups12; i++) {
        uint16_t g = i < m->n_groups13 ? m->groups13[i] : m->groups12[i - m->n_groups13];
        const char *n = td_group_name(g);
        /* OpenSSL 3.0 calls the NIST curves by their SEC names too, but not the PQ hybrids. */
        if (strcmp(n, "unknown") != 0 && strstr(n, "MLKEM") == NULL && strstr(n, "Kyber") == NULL) {
            add_name(like->groups, sizeof(like->groups), n);
        }
    }
    /* A server that answers the named hello but not the one without SNI requires SNI. */
    if (m->sni_host.ran && m->sni_host.r.end == TD_MX_HELLO && m->sni_none.ran &&
        m->sni_none.r.end != TD_MX_HELLO && m->sni_none.r.end != TD_MX_TIMEOUT &&
        m->sni_none.r.end != TD_MX_NOT_RUN) {
        like->sni_required = 1;
    }
    if (like->ciphers[0] != '\0') {
        /* The server's own policy decides, not ours: any level the copy needs. */
        td_fmt_append(like->ciphers, sizeof(like->ciphers), ":@SECLEVEL=0");
    }
}

int td__listen_like_init(td_listen_like_t *like, const td_obs_t *obs, double timeout_s,
                         td_errinfo_t *err)
{
    td_obs_tls_t t;
    td_tls_conn_t *conn = NULL;
    memset(like, 0, sizeof(*like));
    td_strlcpy(like->host, obs->host, sizeof(like->host));
    like->port = obs->port;
    if (obs->matrix.step != TD_STEP_DONE || obs->tcp.chosen < 0) {
        td_errinfo_set(err, TD_E_USAGE, "--like: no TLS server answered on %s:%u (%s)", obs->host,
                       obs->port,
                       obs->matrix.skip_reason != NULL ? obs->matrix.skip_reason : "no matrix");
        return TD_E_USAGE;
    }
    copy_matrix(like, &obs->matrix);
    td__tls_handshake(obs->tcp.a[obs->tcp.chosen].addr, obs->port,
                      obs->sni[0] != '\0' ? obs->sni : NULL, obs->host, TD_TLS_LEGACY,
                      td_now_ms() + timeout_s * 1000.0, &t, &conn);
    STACK_OF(X509) *sent = conn != NULL ? td__tls_conn_chain(conn) : NULL;
    STACK_OF(X509) *copy = sk_X509_new_null();
    for (int i = 0; copy != NULL && sent != NULL && i < sk_X509_num(sent); i++) {
        X509 *x = sk_X509_value(sent, i);
        if (X509_up_ref(x) != 1 || sk_X509_push(copy, x) <= 0) {
            break;
        }
    }
    td__tls_conn_free(conn);
    if (copy == NULL || sk_X509_num(copy) == 0) {
        sk_X509_pop_free(copy, X509_free);
        td_errinfo_set(err, TD_E_USAGE, "--like: %s:%u sent no certificate", obs->host, obs->port);
        return TD_E_USAGE;
    }
    like->chain = copy;
    return 0;
}

void td__listen_like_dispose(td_listen_like_t *like)
{
    if (like->chain != NULL) {
        sk_X509_pop_free((STACK_OF(X509) *)like->chain, X509_free);
        like->chain = NULL;
    }
}
