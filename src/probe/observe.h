/* observe.h: the observations a diagnosis collects, one struct per layer. Probes fill them;
 * diagnose/ reads them; report/ prints them. Facts only: no field here is a verdict. */
#ifndef TD_OBSERVE_H
#define TD_OBSERVE_H

#include "../wire/http_codec.h"
#include "../wire/sniff.h"
#include "../wire/tls_codec.h"

#define TD_MAX_ADDRS 16
#define TD_MAX_CERTS 8

typedef enum td_step {
    TD_STEP_NOT_RUN = 0, /* an earlier layer failed, or the deadline passed */
    TD_STEP_DONE,        /* the probe ran; its fields say what happened */
    TD_STEP_SKIPPED,     /* not applicable (e.g. DNS for an IP literal) */
} td_step_t;

/* How a read from the peer ended. */
typedef enum td_read_end {
    TD_END_NONE = 0,
    TD_END_ENOUGH,  /* we stopped reading: we had what we needed */
    TD_END_EOF,     /* the peer closed (FIN) */
    TD_END_RESET,   /* the peer reset (RST) */
    TD_END_TIMEOUT, /* the step deadline passed */
    TD_END_ERROR,   /* another socket error */
} td_read_end_t;

const char *td_read_end_name(td_read_end_t e);

typedef struct td_obs_dns {
    td_step_t step;
    const char *skip_reason; /* static, when skipped */
    int ok;
    int timed_out;
    char error[128]; /* resolver's message when it failed */
    int nxdomain;
    int n_addrs;
    char addrs[TD_MAX_ADDRS][64];
    int families[TD_MAX_ADDRS];
    int n_cnames;
    char cnames[4][256]; /* the CNAME chain, first alias first */
    int addrs_dropped;   /* addresses past TD_MAX_ADDRS: counted, not kept */
    int cnames_dropped;  /* CNAMEs past the four kept */
    int n_expect;
    char expect_addrs[8][64]; /* from --expect-addr */
    char expect_cname[256];   /* from --expect-cname */
    char servers[128];        /* from --dns-servers; "" = the system's resolvers */
    double ms;
} td_obs_dns_t;

/* The handshake with every other address of the name, to catch one different backend. */
typedef struct td_obs_peer {
    char addr[64];
    int ok;
    int alert; /* -1 none */
    char version[16];
    char leaf_sha256[72];
    char leaf_subject[256];
    int leaf_matches_host;
    char error[128];
} td_obs_peer_t;

typedef enum td_tcp_result {
    TD_TCP_OK = 0,
    TD_TCP_REFUSED,
    TD_TCP_TIMEOUT,
    TD_TCP_UNREACHABLE,
    TD_TCP_ERROR,
} td_tcp_result_t;

const char *td_tcp_result_name(td_tcp_result_t r);

typedef struct td_obs_tcp_attempt {
    char addr[64];
    uint16_t port;
    td_tcp_result_t result;
    int err; /* errno */
    double ms;
} td_obs_tcp_attempt_t;

typedef struct td_obs_tcp {
    td_step_t step;
    int n;
    td_obs_tcp_attempt_t a[TD_MAX_ADDRS];
    int chosen; /* index of the address used for later layers, -1 none */
} td_obs_tcp_t;

/* A raw exchange: we sent bytes (a ClientHello or an HTTP request) and read the reply. */
typedef struct td_obs_exchange {
    td_step_t step;
    int connected;
    td_tcp_result_t connect_result;
    size_t sent;
    size_t received;
    td_read_end_t end;
    td_sniff_t sniff;
    td_server_flight_t flight;
    td_http_head_t head;  /* parsed when the reply is an HTTP response */
    double first_byte_ms; /* -1 when nothing came back */
    double ms;
    double connect_ms; /* when TCP connected and our bytes went out, from the start; -1 never */
} td_obs_exchange_t;

/* One TLS message OpenSSL sent or read (its msg_callback), in order: the report's ladder. */
typedef struct td_tls_msg {
    uint8_t sent;         /* 1 we sent it, 0 the server did */
    uint8_t content_type; /* 20 change_cipher_spec, 21 alert, 22 handshake */
    uint8_t type;         /* the handshake message type, or the alert description */
    double ms;            /* from the start of the probe (td_obs_tls_t.started_ms) */
} td_tls_msg_t;

#define TD_TLS_MAX_MSGS 24

typedef struct td_obs_tls {
    td_step_t step;
    int ok;
    char sni[256]; /* "" when none was sent */
    char version[16];
    char cipher[64];
    char group[32];
    char alpn[32];
    char kx_type[16];   /* the server's ephemeral key: "DH", "EC", "X25519", ... "" none (RSA) */
    int kx_bits;        /* its size in bits, 0 unknown */
    int alert_received; /* -1 none */
    int alert_sent;     /* -1 none */
    unsigned long ossl_error; /* packed OpenSSL error, 0 none */
    int ossl_reason;
    char ossl_text[256];
    int sys_errno;
    int timed_out;
    int eof;            /* peer closed without an alert */
    int cert_requested; /* server sent CertificateRequest */
    int peer_certs;     /* certificates the server sent */
    char leaf_sha256[72];
    char leaf_subject[256];
    int leaf_matches_host;
    double ms;
    double started_ms; /* td_now_ms() when the probe began: the origin of the times below */
    double connect_ms; /* when TCP connected, from started_ms; -1 never */
    int n_msgs;
    int msgs_truncated; /* more messages than msgs[] holds */
    td_tls_msg_t msgs[TD_TLS_MAX_MSGS];
} td_obs_tls_t;

typedef struct td_cert_info {
    char subject[256];
    char issuer[256];
    char sans[512]; /* comma separated, escaped; ends "(+N more)" when not all fit */
    int n_sans;     /* every DNS and IP name, listed or not */
    int64_t not_before;
    int64_t not_after;
    char key_type[16];
    int key_bits;
    char sig_alg[64];
    int sig_sha1;
    char sha256[100];
    int is_ca;
    int self_issued;
    int self_signed; /* self-issued and its signature verifies with its own key */
    char aia_ca_issuers[200];
    int issued_by;       /* 1 + the index of the sent certificate that issued this one; 0 none */
    int eku_present;     /* has an extendedKeyUsage extension */
    int eku_server_auth; /* ... allowing serverAuth (or anyExtendedKeyUsage) */
    int ku_present;      /* has a keyUsage extension */
    unsigned ku;         /* its bits (X509_get_key_usage: KU_DIGITAL_SIGNATURE 0x80, ...) */
} td_cert_info_t;

typedef struct td_obs_cert {
    td_step_t step;
    const char *source; /* "tls" or "tls_legacy": which handshake delivered it */
    int n;              /* certificates kept in c[]: the first TD_MAX_CERTS sent */
    int sent;           /* certificates the server sent */
    int truncated;      /* sent > n */
    td_cert_info_t c[TD_MAX_CERTS];
    char store[256]; /* "system" or the CA file path or "in-memory" */
    int verify_code; /* X509_V_* with time checks off; 0 = chain trusted */
    char verify_text[128];
    int verify_depth;
    int built_chain_len;
    char name_checked[256];
    int name_is_ip;
    int name_match;
    int64_t now;
    int warn_days;
} td_obs_cert_t;

typedef enum td_http_result {
    TD_HTTP_OK = 0,
    TD_HTTP_EMPTY,    /* connection closed with no bytes */
    TD_HTTP_NON_HTTP, /* bytes that are not an HTTP response */
    TD_HTTP_TIMEOUT,  /* no complete head before the deadline */
    TD_HTTP_RESET,
    TD_HTTP_TLS_ALERT, /* an alert arrived instead of a response */
    TD_HTTP_WRITE_FAILED,
    TD_HTTP_HEAD_INCOMPLETE, /* a response started but its head never ended (deadline, close, cap)
                              */
} td_http_result_t;

/* How much of a response head td__tls_http_get reads before it stops: Chromium's limit for a
 * whole head (net/http/http_stream_parser.cc kMaxHeaderBufSize, 256 KiB; more is
 * ERR_RESPONSE_HEADERS_TOO_BIG). Only the first 16 KiB are kept; the rest is counted. */
#define TD_HTTP_HEAD_CAP (256 * 1024)

const char *td_http_result_name(td_http_result_t r);

typedef struct td_obs_http {
    td_step_t step;
    td_http_result_t result;
    td_http_head_t head;
    int alert;      /* -1 none */
    char first[96]; /* escaped start of the reply */
    size_t received;
    double ttfb_ms;
    int64_t server_date;       /* the Date header in Unix seconds, 0 when absent or invalid */
    int plain_http_page;       /* the body is nginx's "plain HTTP request was sent to HTTPS port" */
    const char *page_software; /* static: whose built-in page the reply is (sniff.c), or NULL */
    const char *page_sign;     /* static: the phrase that told */
    /* The head as read (RFC 9112 §2.1: it ends at the first empty line). */
    size_t head_bytes; /* bytes of head read: up to its end, or all read when it did not end */
    int head_complete; /* 1 when the empty line ending the head arrived */
    int head_capped;   /* 1 when we stopped at TD_HTTP_HEAD_CAP bytes without its end */
    td_read_end_t
            head_end;    /* how the read stopped: ENOUGH (head ended or cap), EOF, RESET, TIMEOUT */
    size_t longest_line; /* the longest line read (status line included, CRLF not) */
    double ms;
    double started_ms; /* td_now_ms() when the step began (compare td_obs_tls_t.started_ms) */
    double request_ms; /* when the request was written, from started_ms; -1 never */
} td_obs_http_t;

#define TD_MAX_HOPS 6

/* Redirects followed on the same host, the first GET being hop 0. */
typedef struct td_obs_redirects {
    int n;
    struct {
        char url[300];
        int status; /* 0: no HTTP answer */
        char location[256];
    } hop[TD_MAX_HOPS];
    int loop;      /* a URL came back */
    int left_host; /* the chain went to another host (not followed) */
} td_obs_redirects_t;

/* ---- The handshake matrix (matrix.c): what the server accepts, learned from our own
 * ClientHellos without finishing a handshake. ---- */

#define TD_MX_NVERSIONS   5 /* SSLv3, TLS 1.0, 1.1, 1.2, 1.3: index with td_mx_version_index() */
#define TD_MX_MAX_SUITES  128
#define TD_MX_MAX_GROUPS  16
#define TD_MX_MAX_CLIENTS 32

/* How one probe connection ended. */
typedef enum td_mx_end {
    TD_MX_NOT_RUN = 0,
    TD_MX_HELLO,         /* a ServerHello (or HelloRetryRequest) came back */
    TD_MX_ALERT,         /* an alert came back */
    TD_MX_CLOSED,        /* the server closed without a word */
    TD_MX_RESET,         /* the server reset the connection */
    TD_MX_TIMEOUT,       /* nothing decisive before the deadline */
    TD_MX_MALFORMED,     /* the reply did not parse (truncated, bad length, SSLv2, not TLS) */
    TD_MX_CONNECT_FAILED /* no TCP connection */
} td_mx_end_t;

const char *td_mx_end_name(td_mx_end_t e);

/* One probe's reply, in short. */
typedef struct td_mx_reply {
    td_mx_end_t end;
    int alert; /* alert description, -1 none */
    uint16_t version;
    uint16_t cipher;
    uint16_t group; /* TLS 1.3 key_share / HRR group, or TLS 1.2 ServerKeyExchange curve */
    int hrr;
    int dh_bits;
    char alpn[32];
    char malformed[48]; /* what did not parse: "sslv2", "record.length", "truncated", ... */
    size_t sent;        /* bytes of our ClientHello */
} td_mx_reply_t;

/* A reply in words: "TLSv1.3 TLS_AES_128_GCM_SHA256 x25519", "alert 40 (handshake_failure)",
 * "a malformed reply (truncated)", "reset", ... Returns buf. */
const char *td_mx_reply_text(const td_mx_reply_t *r, char *buf, size_t cap);

typedef struct td_mx_version {
    uint16_t version;
    td_mx_reply_t first; /* the reply to the first offer (every suite we know) */
    int n_suites;
    uint16_t suites[TD_MX_MAX_SUITES]; /* accepted, in the order the server chose them */
    int order;                         /* 1 the server's order, 0 the client's, -1 not known */
    int truncated;                     /* elimination stopped early (deadline or limit) */
} td_mx_version_t;

/* A handshake with a given SNI, read as far as the certificate. */
typedef struct td_mx_sni {
    int ran;
    const char *sent; /* static "host", "none" or "wrong" */
    char name[256];   /* the name sent, "" none */
    td_mx_reply_t r;
    int via_openssl; /* 1 when the certificate came from an OpenSSL handshake (TLS 1.3 only) */
    int has_cert;
    char leaf_sha256[72];
    char subject[256];
    char sans[512];
    int covers_host; /* the leaf is valid for the target host name */
} td_mx_sni_t;

/* A real client's ClientHello sent once (kb/clients.c), and what the server did with it. */
typedef struct td_mx_client {
    int sent;        /* 1 when the hello was sent */
    int no_version;  /* not sent: no version in common with what the matrix found */
    int no_suite;    /* not sent: no suite in common at any common version */
    td_mx_reply_t r; /* the server's reply */
} td_mx_client_t;

typedef struct td_obs_matrix {
    td_step_t step;
    const char *skip_reason; /* static */
    int connections;         /* connections the matrix opened */
    int client_connections;  /* of those, confirming handshakes with real clients' hellos */
    int parallel;            /* connections open at once, at most */
    double ms;
    td_mx_version_t v[TD_MX_NVERSIONS];
    /* TLS 1.3 groups, found by offering no key share: the server names its group in a
     * HelloRetryRequest; repeated without it. */
    int n_groups13;
    uint16_t groups13[TD_MX_MAX_GROUPS];
    td_mx_reply_t hrr_probe;  /* the first empty-key_share hello */
    td_mx_reply_t p256_share; /* a P-256 share while x25519 is offered too */
    int n_groups12;           /* TLS 1.2 ECDHE curves from ServerKeyExchange */
    uint16_t groups12[TD_MX_MAX_GROUPS];
    td_mx_reply_t alpn_h2;     /* offered h2, http/1.1 */
    td_mx_reply_t alpn_http11; /* offered http/1.1 */
    td_mx_sni_t sni_host, sni_none, sni_wrong;
    td_mx_reply_t large;  /* a hello larger than one packet (X25519MLKEM768 share) */
    td_mx_reply_t modern; /* a TLS 1.3-style hello (supported_versions 1.3..1.0, GREASE) */
    int n_clients;
    td_mx_client_t clients[TD_MX_MAX_CLIENTS]; /* in kb client profile order */
} td_obs_matrix_t;

/* Real clients in every run, not only the matrix: the hellos of the profiles marked
 * default_run (read as far as the server's first flight), and full OpenSSL handshakes with the
 * policy of the profiles the local OpenSSL can be (openssl_ciphers). Indexed by profile. */
typedef struct td_obs_clients {
    td_step_t step;
    int n; /* profiles */
    td_mx_client_t hello[TD_MX_MAX_CLIENTS];
    int handshake_ran[TD_MX_MAX_CLIENTS];
    td_obs_tls_t handshake[TD_MX_MAX_CLIENTS];
    int connections;
} td_obs_clients_t;

/** Index of a version in td_obs_matrix_t.v, -1 when not one of the five. */
int td_mx_version_index(uint16_t v);

/** Everything one diagnosis observed. Plain data, no pointers to free. */
typedef struct td_obs {
    char host[256];
    uint16_t port;
    char path[512];
    char sni[256];
    char connect_to[300];
    int host_is_ip;
    int64_t now;
    double started_ms;
    double total_ms;
    int deadline_hit;
    double timeout_ms;          /* the overall deadline (--timeout) */
    double step_timeout_ms;     /* each step's deadline (--step-timeout) */
    const char *cur_step;       /* static: the step running last ("dns", "tcp", "proto", ...) */
    const char *deadline_step;  /* static: the step running (or next) when the deadline passed */
    const char *shortened_step; /* static: the last step whose wait the overall deadline cut
                                   below --step-timeout: its timeout says nothing of the server */
    int plain_target;           /* the target is http://: plain HTTP, no TLS expected */
    uint16_t http_port;         /* the port of the port80 exchange (80 or --http-port) */
    int quick; /* TD_PROFILE_QUICK ran: one handshake, the chain and the verdict; HTTP and the
                  side probes were not checked */
    td_obs_dns_t dns;
    td_obs_tcp_t tcp;
    /* The header above, dns, tcp and tls fill the first two pages: a quick-profile diagnosis
     * waiting for its server touches only those of the report's ~25 (the report is zero pages
     * from the kernel; a fleet scan keeps thousands waiting: 8 KiB each instead of 20). */
    td_obs_tls_t tls;            /* OpenSSL handshake with modern defaults */
    td_obs_exchange_t sniff;     /* our ClientHello, first bytes back */
    td_obs_exchange_t plain;     /* a plain HTTP request to the same port */
    td_obs_exchange_t port80;    /* a plain HTTP request to port 80 or --http-port (what CDN
                                    Off / Flexible modes use) */
    td_obs_exchange_t tls12;     /* a hello capped at TLS 1.2, run when the server chose 1.3 */
    td_obs_exchange_t small_mss; /* the ClientHello again with MSS 536, when the first stalled */
    td_obs_tls_t legacy;         /* OpenSSL handshake allowing TLS 1.0+ at security level 0 */
    td_obs_tls_t nosni;          /* OpenSSL handshake without SNI */
    td_obs_cert_t cert;
    td_obs_http_t http;
    int n_peers;
    td_obs_peer_t peers[TD_MAX_ADDRS];
    td_obs_redirects_t redirects;
    td_obs_clients_t clients; /* every run */
    td_obs_matrix_t matrix;   /* only with --matrix */
} td_obs_t;

/** Runs every probe in layer order under opt's deadlines and fills obs, which must arrive
 * zeroed (calloc). Never judges. The driver waits itself (poll() for one target, the fleet
 * scan's epoll for thousands without a thread each): begin, then resume until it returns 0,
 * waiting between the calls for w->fd to be ready for w->events or for w->deadline_ms,
 * whichever comes first (td__wait_ready); then end, which returns 0, or TD_E_CAFILE /
 * TD_E_NOMEM / TD_E_TLSLIB when the tool cannot work. opt and obs must stay valid until then. */
typedef struct probe td_probe_t;
typedef struct td_probe_wait {
    int fd;
    short events; /* POLLIN / POLLOUT */
    double deadline_ms;
} td_probe_wait_t;
TD_MUST_USE int td__probe_begin(const td_options_t *opt, td_obs_t *obs, td_errinfo_t *err,
                                td_probe_t **p);
int td__probe_resume(td_probe_t *p, td_probe_wait_t *w);
int td__probe_end(td_probe_t *p);
/* The blocking wait between two resumes: poll() until w->fd is ready or w->deadline_ms. */
void td__wait_ready(const td_probe_wait_t *w);

#endif
