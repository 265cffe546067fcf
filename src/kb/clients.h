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
} td_client_profile_t;

/* The profiles, in report order. At most TD_MX_MAX_CLIENTS (observe.h). */
const td_client_profile_t *td_kb_clients(size_t *n);

#endif
