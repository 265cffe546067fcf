/* proxies.h: what each proxy or CDN configuration does when it connects to an origin, with the
 * documentation (or the real-program test) each fact rests on. Data only; diagnose/proxies.c
 * judges from it. */
#ifndef TD_KB_PROXIES_H
#define TD_KB_PROXIES_H

#include "../util/td_util.h"

typedef struct td_proxy_mode {
    const char *proxy, *mode; /* exactly as in the JSON `proxies` rows */
    bool tls;                 /* speaks TLS to the origin */
    bool sends_sni;           /* sends the host name in SNI */
    bool verifies_chain;      /* the chain must reach a trusted root, within its dates */
    bool verifies_name;       /* the certificate must name the host */
    uint16_t max_version;     /* the highest TLS version its hello offers by default */
    const char *source;       /* where this is documented (URLs) or how it was measured */
} td_proxy_mode_t;

/* The facts for one proxy and mode; NULL when unknown. */
const td_proxy_mode_t *td_proxy_mode(const char *proxy, const char *mode);

#endif
