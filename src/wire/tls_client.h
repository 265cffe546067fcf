/* tls_client.h: parser for what a client sends first (the ClientHello flight, RFC 8446 §4.1.2,
 * RFC 5246 §7.4.1.2) and the JA3 / JA4 fingerprint inputs derived from it. Used by passive/
 * on captured streams. Never allocates; never judges. */
#ifndef TD_TLS_CLIENT_H
#define TD_TLS_CLIENT_H

#include "tls_codec.h"

#define TD_CH_MAX         128
#define TD_CH_MAX_CIPHERS 1024 /* real hellos carry up to a few hundred suites */

typedef struct td_client_flight {
    int records;      /* complete records read */
    int need_more;    /* the ClientHello is incomplete in the bytes given */
    int non_tls;      /* the first byte is not a TLS record */
    int sslv2_hello;  /* an SSLv2-compatible CLIENT-HELLO (RFC 5246 §E.2) */
    int http_request; /* the bytes start with an HTTP/1.x request line or the h2 preface */
    int has_hello;    /* a complete ClientHello was parsed */
    int decode_error; /* a field was malformed */
    const char *error_field;
    uint16_t record_version;
    uint16_t legacy_version;
    uint16_t ciphers[TD_CH_MAX_CIPHERS]; /* wire order, GREASE included */
    int n_ciphers;
    uint16_t exts[TD_CH_MAX]; /* extension types, wire order, GREASE included */
    int n_exts;
    uint16_t groups[TD_CH_MAX];
    int n_groups;
    uint8_t point_formats[16];
    int n_point_formats;
    uint16_t sigalgs[TD_CH_MAX]; /* wire order */
    int n_sigalgs;
    uint16_t versions[16]; /* supported_versions */
    int n_versions;
    char sni[256]; /* escaped host_name, "" when absent */
    int has_sni;
    char alpn[128];         /* offered ALPN names, comma separated, escaped */
    uint8_t alpn_first[32]; /* the first ALPN name as sent (JA4) */
    size_t alpn_first_len;
    int ccs;              /* ChangeCipherSpec seen after the hello */
    int second_hello;     /* a plaintext ClientHello after the CCS (answer to an HRR) */
    int app_data;         /* application_data (or encrypted handshake after CCS) seen */
    int app_records;      /* how many such records */
    size_t first_app_len; /* length of the first one (an encrypted alert is 19 bytes) */
    int has_alert;        /* a plaintext alert from the client */
    uint8_t alert_level, alert_desc;
    uint16_t share_groups[16]; /* key_share entries (RFC 8446 §4.2.8), wire order */
    uint16_t share_lens[16];   /* ... and the size of each key_exchange */
    int n_shares;              /* entries kept (at most 16) */
    int shares_malformed;      /* the key_share extension did not parse to its end */
    size_t hello_len;          /* bytes of the ClientHello message (header included) */
    int enc_alerts;            /* alert records after its ChangeCipherSpec: encrypted, not read */
} td_client_flight_t;

/** Parses a client's byte stream from its first byte. scratch (caller-owned) reassembles a
 * ClientHello split over records. Never fails: problems are in the result. */
void td_client_flight_parse(const uint8_t *buf, size_t len, uint8_t *scratch, size_t scratch_cap,
                            td_client_flight_t *out);

/** Offset of the first TLS handshake record carrying hs_type (1 ClientHello, 2 ServerHello)
 * within the first max_scan bytes, for TLS behind a preamble (HTTP CONNECT, SOCKS, STARTTLS);
 * len when there is none. */
size_t td_tls_find_handshake(const uint8_t *buf, size_t len, uint8_t hs_type, size_t max_scan);

/** RFC 8701 GREASE value (0x?a?a with both bytes equal). */
bool td_is_grease(uint16_t v);

/** The JA3 string (salesforce/ja3): "Version,Ciphers,Extensions,Groups,PointFormats" in decimal,
 * GREASE removed. Returns 0 or TD_E_LIMIT. */
TD_MUST_USE int td_ja3_string(const td_client_flight_t *c, char *out, size_t cap);

/** The three JA4 inputs (FoxIO JA4 technical details): a = "t13d1516h2", b = sorted cipher list
 * ("002f,0035,..."), c = sorted extensions without SNI/ALPN, then "_" and the signature
 * algorithms in wire order (no "_" when there are none). Hashing is the caller's. */
TD_MUST_USE int td_ja4_parts(const td_client_flight_t *c, char *a, size_t acap, char *b,
                             size_t bcap, char *cc, size_t ccap);

/** The JA4 fingerprint ("t13d1516h2_8daaf6152771_e5627efa2ab1") and its raw form JA4_r (the
 * three parts unhashed, joined by "_"). Returns 0 or TD_E_LIMIT. */
TD_MUST_USE int td_ja4_string(const td_client_flight_t *c, char *ja4, size_t cap, char *ja4_r,
                              size_t rcap);

/** JA4S inputs: a = "t120500h2"-style prefix... see FoxIO JA4S: version, extension count,
 * ALPN; b = cipher as 4 hex; c = extensions in wire order, comma separated. */
TD_MUST_USE int td_ja4s_parts(const td_server_flight_t *s, char *a, size_t acap, char *b,
                              size_t bcap, char *cc, size_t ccap);

#endif
