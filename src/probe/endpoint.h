/* endpoint.h: where a probe connects and what it says there, the four to six values that every
 * exchange and handshake call used to carry one by one. */
#ifndef TD_ENDPOINT_H
#define TD_ENDPOINT_H

#include <stdint.h>

typedef struct td_endpoint {
    const char *addr; /* a numeric address */
    uint16_t port;
    const char *sni;  /* the SNI of a ClientHello or handshake; NULL: none sent */
    const char *host; /* the name: the Host header, and the name the leaf must match */
    const char *path; /* a plain-HTTP GET's path; NULL: "/" */
    int mss;          /* our advertised TCP MSS; 0: the kernel's choice */
} td_endpoint_t;

#endif
