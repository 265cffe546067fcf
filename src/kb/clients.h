/* clients.h: real clients' ClientHello parameters, to tell which clients can talk to a server.
 * Data only; every profile names its source. */
#ifndef TD_KB_CLIENTS_H
#define TD_KB_CLIENTS_H

#include "../util/td_util.h"

typedef struct td_client_profile {
    const char *id;     /* stable: "chrome", "aws_alb", ... (JSON) */
    const char *name;   /* for people */
    const char *source; /* where the values come from */
    uint16_t min_version, max_version;
    int sends_sni;
    uint16_t record_version, legacy_version;
    const uint16_t *ciphers; /* in the client's order */
    size_t n_ciphers;
    const uint16_t *groups;
    size_t n_groups;
    const uint16_t *shares; /* TLS 1.3 key shares sent */
    size_t n_shares;
    const uint16_t *sigalgs;
    size_t n_sigalgs;
    const uint16_t *versions; /* supported_versions, when sent */
    size_t n_versions;
    const char *const *alpn;
    size_t n_alpn;
    int ec_point_formats, renegotiation_info;
    int current;           /* 1: a client in wide use today; 0: a legacy one */
    uint16_t floor;        /* the lowest version it completes although its hello offers lower
                              ones (a policy check after the ServerHello); 0 none */
    const char *floor_why; /* why, when floor is set */
    /* ---- Acceptance policy: what the client checks after the ServerHello and in the
     * certificate. Zero means "not checked". Set with designated initializers. ---- */
    int legacy;                /* 1: an old release, kept for reference and marked legacy */
    int no_signed_kx_below12;  /* aborts (EC)DHE at TLS 1.0/1.1 (MD5-SHA1 signatures refused);
                                  static-RSA key exchange there still completes */
    int min_dh_bits;           /* finite-field DHE groups smaller than this are refused */
    int min_rsa_bits;          /* RSA certificate keys smaller than this are refused */
    int rejects_sha1_certs;    /* SHA-1 signatures on certificates below the root refused */
    int no_cn_fallback;        /* never matches the host against the subject CN: a
                                  subjectAltName is required */
    int needs_server_auth_eku; /* an extendedKeyUsage without serverAuth is refused */
    int verifies;              /* checks the chain and the name at all (ALB to targets: no) */
    /* Where the local OpenSSL can be this client: a real handshake with this policy replaces
     * the prediction. NULL: no. */
    const char *openssl_ciphers; /* TLS 1.2 cipher string, e.g. "DEFAULT" */
    uint16_t openssl_min;        /* lowest version, e.g. TD_V_TLS12 */
    const char *policy_source;   /* where the policy values come from */
    int proxy;                   /* a proxy's or CDN's connections to origins: shown on the
                                    proxies rows, never counted as a client that fails */
    int default_run;             /* judged in every run, not only by the matrix: its hello is
                                    sent, or, with openssl_ciphers, a real handshake is made (a
                                    few: the connection budget of a default run is small) */
    /* ---- Hello facts added with the 2026 profiles (appended: existing fields unchanged) ---- */
    int max_chain_certs; /* refuses a server that sends more certificates than this; 0 none */
    int grease;          /* the real hello carries RFC 8701 GREASE values */
    uint16_t hello_len;  /* bytes of the real ClientHello handshake message (header included;
                            what td_hello_params_t.pad_to would make it), e.g. ~1.7 KB for a
                            hello with an X25519MLKEM768 share */
} td_client_profile_t;

/* The profiles, in report order. At most TD_MX_MAX_CLIENTS (observe.h). */
const td_client_profile_t *td_kb_clients(size_t *n);

#endif
