/* tls_codec.h: our own TLS ClientHello builder and the parsers for what a server sends first
 * (record headers, ServerHello / HelloRetryRequest, Alert, Certificate list sizes).
 * Enough to learn the server's choice without finishing a handshake. Never allocates, never
 * judges: a malformed reply is reported as data (offset + field). */
#ifndef TD_TLS_CODEC_H
#define TD_TLS_CODEC_H

#include "td_reader.h"

/* RFC 8446 §5.1 ContentType. */
enum {
    TD_CT_CHANGE_CIPHER_SPEC = 20,
    TD_CT_ALERT = 21,
    TD_CT_HANDSHAKE = 22,
    TD_CT_APPLICATION_DATA = 23,
};

/* RFC 8446 §4 HandshakeType (subset we read). */
enum {
    TD_HS_CLIENT_HELLO = 1,
    TD_HS_SERVER_HELLO = 2,
    TD_HS_CERTIFICATE = 11,
    TD_HS_SERVER_KEY_EXCHANGE = 12,
    TD_HS_CERTIFICATE_REQUEST = 13,
    TD_HS_SERVER_HELLO_DONE = 14,
};

/* Protocol versions on the wire. */
enum {
    TD_V_SSL3 = 0x0300,
    TD_V_TLS10 = 0x0301,
    TD_V_TLS11 = 0x0302,
    TD_V_TLS12 = 0x0303,
    TD_V_TLS13 = 0x0304,
};

/* Extension code points (IANA TLS ExtensionType registry). */
enum {
    TD_EXT_SERVER_NAME = 0,
    TD_EXT_SUPPORTED_GROUPS = 10,
    TD_EXT_EC_POINT_FORMATS = 11,
    TD_EXT_SIGNATURE_ALGORITHMS = 13,
    TD_EXT_ALPN = 16,
    TD_EXT_PADDING = 21,
    TD_EXT_SUPPORTED_VERSIONS = 43,
    TD_EXT_KEY_SHARE = 51,
    TD_EXT_RENEGOTIATION_INFO = 0xff01,
};

/* Named groups. */
enum {
    TD_GROUP_SECP256R1 = 23,
    TD_GROUP_SECP384R1 = 24,
    TD_GROUP_X25519 = 29,
    TD_GROUP_X25519MLKEM768 = 0x11ec,
};

#define TD_HELLO_MAX_LIST 128

/** What to put in a ClientHello. Pointers are borrowed for the call. */
typedef struct td_hello_params {
    uint16_t record_version;   /* record layer version, usually 0x0301 */
    uint16_t legacy_version;   /* ClientHello.legacy_version, 0x0303 for TLS 1.2/1.3 */
    const uint8_t *random;     /* 32 bytes */
    const uint8_t *session_id; /* 0..32 bytes */
    size_t session_id_len;
    const uint16_t *ciphers; /* non-empty */
    size_t n_ciphers;
    const uint16_t *versions; /* supported_versions; omitted when n_versions is 0 */
    size_t n_versions;
    const uint16_t *groups; /* supported_groups; omitted when 0 */
    size_t n_groups;
    const uint16_t *share_groups; /* key_share entries; omitted when n_share_groups is 0 */
    size_t n_share_groups;
    const uint8_t *share_random; /* random bytes used as x25519 shares (32 per entry) */
    size_t share_random_len;
    const uint16_t *sigalgs; /* signature_algorithms; omitted when 0 */
    size_t n_sigalgs;
    const char *sni;         /* server_name host_name; NULL for none */
    const char *const *alpn; /* ALPN protocol names; omitted when n_alpn is 0 */
    size_t n_alpn;
    int ec_point_formats;   /* 1 to send ec_point_formats [uncompressed] */
    int renegotiation_info; /* 1 to send an empty renegotiation_info */
    size_t pad_to;          /* RFC 7685 padding to make the handshake this long; 0 none */
    int grease;             /* 1: RFC 8701 GREASE values first in suites, extensions, groups,
                               versions (and an empty GREASE key share is NOT sent) */
    int empty_key_share;    /* 1: a key_share with no entries when n_share_groups is 0, which asks
                               a TLS 1.3 server to name its group in a HelloRetryRequest
                               (RFC 8446 §4.2.8) */
} td_hello_params_t;

/** Builds a complete TLS record holding one ClientHello into buf. Returns 0 and *out_len, or
 * TD_E_LIMIT when it does not fit, TD_E_USAGE for invalid params. */
TD_MUST_USE int td_client_hello_build(const td_hello_params_t *p, uint8_t *buf, size_t cap,
                                      size_t *out_len);

/** Fills p with a broad "what does this server speak" hello: TLS 1.0..1.3 offered, modern and
 * legacy suites, x25519 / P-256 / P-384. The arrays it points at are static. max_version caps
 * the versions offered (e.g. TD_V_TLS12). random and share_random are caller-owned, 32 bytes. */
void td_hello_params_default(td_hello_params_t *p, const char *sni, uint16_t max_version,
                             const uint8_t *random32, const uint8_t *share32);

/** Result of reading a server's first flight. Views point into the parsed buffer. */
typedef struct td_server_flight {
    int records;   /* complete records read */
    int need_more; /* 1 when the last record or message is incomplete */
    int sslv2;     /* 1 when the reply is an SSLv2 SERVER-HELLO */
    int non_tls;   /* 1 when the first byte is not a TLS content type */
    int has_alert; /* first plaintext alert seen (a later fatal one replaces a warning) */
    uint8_t alert_level, alert_desc;
    int enc_alerts; /* alert records after ChangeCipherSpec (TLS <= 1.2): encrypted, not read */
    int hrr_seen;   /* a HelloRetryRequest came before the ServerHello kept here */
    int has_server_hello;
    int is_hrr;              /* ServerHello carried the HelloRetryRequest random */
    uint16_t record_version; /* version of the first record */
    uint16_t legacy_version; /* ServerHello.legacy_version */
    uint16_t version;        /* negotiated: supported_versions if present, else legacy */
    uint16_t cipher;
    uint16_t group;         /* from key_share (0 when absent) */
    int downgrade_sentinel; /* RFC 8446 §4.1.3: 1 for DOWNGRD\x01, 2 for DOWNGRD\x00 */
    char alpn[32];          /* selected ALPN (escaped), "" when none */
    int has_certificate;    /* TLS <= 1.2 Certificate message seen */
    int cert_count;
    uint32_t cert_bytes;  /* size of the Certificate message body */
    int has_ske;          /* ServerKeyExchange seen */
    uint16_t ske_group;   /* ECDHE named curve from ServerKeyExchange (RFC 8422 §5.4), 0 none */
    int dh_bits;          /* DHE prime size from ServerKeyExchange (RFC 5246 §7.4.3), 0 none */
    int has_cert_request; /* CertificateRequest seen */
    int has_done;         /* ServerHelloDone seen */
    int encrypted;        /* application_data records followed (TLS 1.3) */
    int ccs;              /* ChangeCipherSpec seen: later handshake records are encrypted */
    int n_exts;           /* ServerHello extension types in wire order (JA4S) */
    uint16_t exts[32];
    uint8_t alpn_raw[32]; /* selected ALPN as sent (alpn_raw_len bytes) */
    size_t alpn_raw_len;
    td_bytes_t certs[4]; /* the first DER certificates (TLS <= 1.2); views into scratch */
    int n_certs;
    int decode_error; /* 1 when a field was malformed */
    size_t error_offset;
    const char *error_field; /* static */
} td_server_flight_t;

/** Parses as much of a server's first flight as buf holds. scratch (caller-owned, at least
 * 16 KiB) reassembles handshake messages split over records. Never fails: problems are in
 * the result. */
void td_server_flight_parse(const uint8_t *buf, size_t len, uint8_t *scratch, size_t scratch_cap,
                            td_server_flight_t *out);

/** How reading one record ended (td_tls_record_next). */
typedef enum td_rec {
    TD_REC_OK = 0,     /* *frag holds the fragment; r is past the record */
    TD_REC_SHORT,      /* the record is not complete in the bytes; r is unchanged */
    TD_REC_BAD_HEADER, /* not a TLS content type or major version 3; r is after the header */
    TD_REC_BAD_LENGTH, /* the length is over max_len; r is at the length field */
} td_rec_t;

/** Reads one TLSPlaintext record (RFC 8446 §5.1): type, legacy_record_version, a length of at
 * most max_len and the fragment. */
td_rec_t td_tls_record_next(td_reader_t *r, size_t max_len, uint8_t *type, uint16_t *ver,
                            td_reader_t *frag);

/* Cipher suite properties (cipher_table.inc, from the IANA registry). */
enum {
    TD_CS_TLS13 = 1 << 0,   /* a TLS 1.3 suite (RFC 8446 §B.4): only in TLS 1.3 */
    TD_CS_TLS12 = 1 << 1,   /* defined for TLS 1.2 only (AEAD or SHA-2 MAC) */
    TD_CS_ECDHE = 1 << 2,   /* ephemeral elliptic-curve Diffie-Hellman key exchange */
    TD_CS_DHE = 1 << 3,     /* ephemeral finite-field Diffie-Hellman key exchange */
    TD_CS_AEAD = 1 << 4,    /* GCM, CCM or ChaCha20-Poly1305 */
    TD_CS_ANON = 1 << 5,    /* no server authentication */
    TD_CS_NULL = 1 << 6,    /* no encryption */
    TD_CS_RC4 = 1 << 7,     /* RC4, prohibited by RFC 7465 */
    TD_CS_DES = 1 << 8,     /* DES, 3DES, IDEA or RC2: 64-bit blocks (Sweet32) or weaker */
    TD_CS_EXPORT = 1 << 9,  /* export-grade (40/56-bit) */
    TD_CS_ECDSA = 1 << 10,  /* needs an ECDSA certificate */
    TD_CS_NOCERT = 1 << 11, /* PSK, SRP or Kerberos: no certificate-based server */
    TD_CS_DRAFT = 1 << 12,  /* a pre-standard code point (e.g. ChaCha20 draft) */
};

typedef struct td_cipher_info {
    uint16_t code;
    const char *iana;    /* IANA registry name */
    const char *openssl; /* OpenSSL's name, "" when OpenSSL has none */
    unsigned flags;      /* TD_CS_* */
} td_cipher_info_t;

/** The registry entry of a suite, or NULL when unknown. */
const td_cipher_info_t *td_cipher_info(uint16_t code);

/** The whole table, sorted by code. */
const td_cipher_info_t *td_cipher_table(size_t *n);

/** True for a suite with forward secrecy and AEAD: what current clients prefer (RFC 9325 §4.2). */
bool td_cipher_is_modern(uint16_t code);

/** True for a suite that current clients no longer offer: NULL, anonymous, export, RC4, DES/3DES.
 */
bool td_cipher_is_weak(uint16_t code);

/** True for TLS 1.3 and its pre-standard code points: drafts 0x7fNN, Facebook Fizz 0xfbNN. */
bool td_version_is_tls13(uint16_t v);

/** Static names ("TLSv1.3-draft-18", "TLSv1.3-fizz-26" for pre-standard TLS 1.3). */
const char *td_version_name(uint16_t v);
/** The version code of an OpenSSL version name ("TLSv1", "TLSv1.3", as SSL_get_version()
 * gives), 0 when unknown. */
uint16_t td_version_by_ossl_name(const char *name);
const char *td_cipher_name(uint16_t c);
const char *td_group_name(uint16_t g);

#endif
