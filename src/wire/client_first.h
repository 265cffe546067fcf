/* client_first.h: what a client sends first on a port we serve: a TLS ClientHello, plain HTTP
 * (and its request line), a PROXY protocol header (v1 text or v2 binary) before either, another
 * protocol's opening (SSH, SMTP, ...), or nothing yet. Pure function of the bytes: no I/O, no
 * verdict. */
#ifndef TD_CLIENT_FIRST_H
#define TD_CLIENT_FIRST_H

#include "tls_client.h"

typedef enum td_first_kind {
    TD_FIRST_NONE = 0, /* no bytes */
    TD_FIRST_TLS,      /* a TLS record (a ClientHello unless the flight says otherwise) */
    TD_FIRST_SSLV2,    /* an SSLv2-compatible CLIENT-HELLO */
    TD_FIRST_HTTP,     /* an HTTP/1.x request line */
    TD_FIRST_H2C,      /* the HTTP/2 connection preface in clear text */
    TD_FIRST_OTHER,    /* another protocol: see proto */
    TD_FIRST_UNKNOWN,  /* none of the above */
} td_first_kind_t;

/* The PROXY protocol header (haproxy.org proxy-protocol.txt, versions 1 and 2). */
typedef struct td_proxy_header {
    int version;    /* 0 none, 1 text, 2 binary */
    int malformed;  /* the signature was there but the header did not parse */
    size_t len;     /* bytes of the header: what the client sends next starts there */
    int local;      /* v2 LOCAL command or v1 "UNKNOWN": no addresses (a health check) */
    char family[8]; /* "TCP4", "TCP6", "UNIX", "UNKNOWN", "" */
    char src[64];   /* escaped source address */
    char dst[64];   /* escaped destination address */
    uint16_t sport, dport;
} td_proxy_header_t;

typedef struct td_client_first {
    td_first_kind_t kind;
    const char *proto;        /* static: "tls", "sslv2", "http", "h2c", "ssh", "smtp", ... */
    int need_more;            /* more bytes could change the answer (an incomplete hello/line) */
    td_proxy_header_t proxy;  /* a PROXY header before the rest */
    char request_line[256];   /* escaped HTTP request line (CRLF not kept), "" none */
    char printable[96];       /* escaped start of what followed the PROXY header */
    td_client_flight_t hello; /* parsed when kind is TD_FIRST_TLS or TD_FIRST_SSLV2 */
} td_client_first_t;

/* The longest PROXY v1 header (spec §2.1: 107 bytes with CRLF) and the longest first line we
 * wait for before calling plain text unknown. */
#define TD_PROXY_V1_MAX   107
#define TD_FIRST_LINE_MAX 8192

/** Classifies the first len bytes a client sent. scratch (caller-owned, at least 64 KiB for a
 * full hello) reassembles a ClientHello split over records. Always succeeds. */
void td_client_first_classify(const uint8_t *buf, size_t len, uint8_t *scratch, size_t scratch_cap,
                              td_client_first_t *out);

/** Static name of a kind ("none", "tls", "sslv2", "http", "h2c", "other", "unknown"). */
const char *td_first_kind_name(td_first_kind_t k);

#endif
