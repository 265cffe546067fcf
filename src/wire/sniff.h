/* sniff.h: classifies the first bytes a port sends back (TLS, plain HTTP, another protocol's
 * banner, SSLv2, unknown). Pure function of the bytes: no I/O, no verdict. */
#ifndef TD_SNIFF_H
#define TD_SNIFF_H

#include "td_reader.h"

typedef enum td_sniff_class {
    TD_SNIFF_EMPTY = 0, /* no bytes */
    TD_SNIFF_TLS,       /* a TLS record (handshake, alert, ...) */
    TD_SNIFF_SSLV2,     /* an SSLv2 record */
    TD_SNIFF_HTTP,      /* "HTTP/1.x NNN" status line */
    TD_SNIFF_HTML,      /* HTML without a status line (HTTP/0.9 style) */
    TD_SNIFF_BANNER,    /* another protocol's greeting: see proto */
    TD_SNIFF_UNKNOWN,   /* none of the above */
} td_sniff_class_t;

typedef struct td_sniff {
    td_sniff_class_t cls;
    const char *proto;         /* static: "tls", "http", "ssh", "smtp", "ftp", ... */
    int http_status;           /* for TD_SNIFF_HTTP */
    int plain_http_page;       /* body holds nginx's "plain HTTP request was sent to HTTPS port" */
    int tls_alert;             /* -1 or the alert description when the first record is an alert */
    const char *page_software; /* static: the server whose built-in page this is ("nginx",
                                  "apache", "haproxy", "iis", "envoy", or "go" for Go's
                                  net/http), NULL when none is recognised */
    const char *page_sign;     /* static: the phrase that recognised it */
    char printable[96];        /* escaped start of the reply */
} td_sniff_t;

/** Classifies buf. Always succeeds. */
void td_sniff_classify(const uint8_t *buf, size_t len, td_sniff_t *out);
/** Whether td_sniff_classify says TD_SNIFF_TLS for these bytes (a record header's content type
 * and version major): without the printable copy, for callers that need only the class. */
bool td_sniff_is_tls(const uint8_t *buf, size_t len);
/** Which page signs (the phrases of servers' built-in pages) buf holds: bit i for the i-th
 * (td__sniff_page_sign). For tests and fuzzing. */
uint32_t td__sniff_page_signs(const uint8_t *buf, size_t len);
/** The i-th page sign, NULL past the last. */
const char *td__sniff_page_sign(size_t i);
/** Static name of a class. */
const char *td_sniff_class_name(td_sniff_class_t c);

#endif
