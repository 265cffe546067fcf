/* pcap.h: one TCP connection as read from a capture, and the summary of a capture scan.
 * Filled by passive/pcap.c (facts) and passive/pcapjudge.c (outcome and finding id);
 * rendered by report/pcap.c. */
#ifndef TD_PCAP_H
#define TD_PCAP_H

#include "../wire/tls_client.h"

#include <stdio.h>

#define TD_PCAP_TOP 64 /* distinct keys kept per top list */

typedef struct td_pcap_cert {
    char subject[160];
    char issuer[160];
    char sans[256];
    int64_t not_before, not_after;
} td_pcap_cert_t;

/* What the TCP layer showed: kept per flow while it is open (small, so that many concurrent
 * flows fit). */
typedef struct td_pcap_facts {
    double ts_first, ts_last; /* capture time, Unix seconds */
    char client[48], server[48];
    uint16_t cport, sport;
    int syn, synack, fin_client, fin_server, rst_client, rst_server;
    int first_close; /* who sent the first FIN or RST: 0 nobody, 1 client, 2 server */
    uint64_t bytes_client, bytes_server; /* payload bytes seen */
    int retrans_client, retrans_server;
    int retrans_server_large;       /* retransmitted server segments of >= 1000 bytes */
    int gap_client, gap_server;     /* a hole stopped reassembly */
    int trunc_client, trunc_server; /* over the per-direction window */
    int evicted_idle;               /* ended by idle eviction or end of capture */
    int capture_ended;              /* still open when the capture ended (or evicted for room):
                                       not quiet for the idle time, so no sign of a stall */
} td_pcap_facts_t;

typedef struct td_pcap_conn {
    td_pcap_facts_t t;
    size_t preamble_client, preamble_server; /* bytes before TLS (CONNECT, SOCKS, STARTTLS) */
    /* content */
    td_client_flight_t ch;
    td_server_flight_t sh;
    const char *server_page; /* built-in page of a plain-HTTP reply (wire/sniff.c) */
    int server_http;         /* the server answered in HTTP */
    int server_http_status;
    int server_tls;                         /* the server's first bytes are TLS */
    char ja3[TD_CH_MAX_CIPHERS * 6 + 1024]; /* every suite of a hello, in decimal */
    char ja3_md5[33];
    char ja4[40];
    char ja4s[32];
    int n_certs;
    td_pcap_cert_t certs[3];
    int cert_name_ok; /* -1 not checked, 0 leaf does not cover the SNI, 1 covers */
    /* judgment (pcapjudge.c) */
    const char *outcome; /* static: "established", "alert", "no_answer", ... (the cause) */
    const char *result;  /* static: "established", "failed", "incomplete" or "not_tls" */
    const char *finding; /* static finding id, NULL when healthy or not TLS */
    char evidence[256];
} td_pcap_conn_t;

typedef struct td_pcap_count {
    char key[64];
    uint64_t n;
    uint64_t first; /* packets read when the key was first counted (merging --threads) */
} td_pcap_count_t;

typedef struct td_pcap_top {
    td_pcap_count_t row[TD_PCAP_TOP];
    size_t used;
    uint64_t other;
} td_pcap_top_t;

/* Per server (address:port) with failing handshakes: counts by cause (finding id), first and
 * last failure (capture time), and the client JA4 fingerprints that failed. Bounded: the first
 * TD_PCAP_SERVERS failing servers get a row, later ones count in servers_other. */
#define TD_PCAP_SERVERS     256
#define TD_PCAP_SERVER_KEYS 8

typedef struct td_pcap_server {
    char server[64]; /* address:port */
    char sni[64];    /* the SNI of the earliest failing handshake that sent one */
    double sni_ts;   /* its capture time */
    uint64_t first;  /* packets read at its first failure (merging --threads) */
    uint64_t failures;
    double first_failure, last_failure;
    td_pcap_count_t causes[TD_PCAP_SERVER_KEYS];
    td_pcap_count_t ja4[TD_PCAP_SERVER_KEYS];
    int n_causes, n_ja4;
    uint64_t causes_other, ja4_other;
} td_pcap_server_t;

struct td_pcap_summary {
    size_t files;
    uint64_t bytes, packets, non_ip, non_tcp, fragments, truncated_packets, decode_errors;
    uint64_t conns, tls_conns, evicted_full, peak_flows, peak_buffer_bytes;
    int top;
    td_pcap_top_t outcomes, findings, fail_clients, fail_servers, fail_sni, versions, ciphers, ja4;
    char link_types[128];
    char first_error[256];
    td_pcap_server_t servers[TD_PCAP_SERVERS];
    size_t n_servers;
    uint64_t servers_other; /* failures of servers past the table */
};

/** Decides outcome, finding and evidence for a finished connection (no I/O). */
void td__pcap_judge(td_pcap_conn_t *c);
/** Writes title and the rows of t by count, most first, at most top (report/pcap.c). */
void td__pcap_top_write_text(FILE *f, const char *title, const td_pcap_top_t *t, int top);
/** The same as a JSON array of {key, count} (a new jansson reference). */
struct json_t;
struct json_t *td__pcap_top_json(const td_pcap_top_t *t, int top);
/** Adds one to key's row of a top list (bounded: unknown keys past the limit count as other). */
void td__pcap_top_add(td_pcap_top_t *t, const char *key);
/* The connection's JSON line built with jansson: what td_pcap_conn_write_json writes directly
 * must be byte for byte the same (fuzz_pcap checks). */
int td__pcap_conn_write_json_jansson(const td_pcap_conn_t *c, FILE *f);

#endif
