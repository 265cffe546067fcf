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
    int server_tls; /* the server's first bytes are TLS */
    char ja3[512];
    char ja3_md5[33];
    char ja4[40];
    char ja4s[32];
    int n_certs;
    td_pcap_cert_t certs[3];
    int cert_name_ok; /* -1 not checked, 0 leaf does not cover the SNI, 1 covers */
    /* judgment (pcapjudge.c) */
    const char *outcome; /* static: "established", "alert", "no_answer", ... */
    const char *finding; /* static finding id, NULL when healthy or not TLS */
    char evidence[256];
} td_pcap_conn_t;

typedef struct td_pcap_count {
    char key[64];
    uint64_t n;
} td_pcap_count_t;

typedef struct td_pcap_top {
    td_pcap_count_t row[TD_PCAP_TOP];
    size_t used;
    uint64_t other;
} td_pcap_top_t;

struct td_pcap_summary {
    size_t files;
    uint64_t bytes, packets, non_ip, non_tcp, fragments, truncated_packets, decode_errors;
    uint64_t conns, tls_conns, evicted_full, peak_flows, peak_buffer_bytes;
    int top;
    td_pcap_top_t outcomes, findings, fail_clients, fail_servers, fail_sni, versions, ciphers, ja4;
    char link_types[128];
    char first_error[256];
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

#endif
