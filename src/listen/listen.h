/* listen.h: one client of `tlsdoctor listen`, as recorded by the listener (facts: what it
 * sent, how the handshake went, what it did next) and then judged by diagnose/listenjudge.c
 * (reaction and findings). Rendered by report/listen.c. */
#ifndef TD_LISTEN_H
#define TD_LISTEN_H

#include "../passive/pcap.h"
#include "../probe/observe.h"
#include "../wire/client_first.h"

#define TD_LISTEN_MAX_FINDINGS 8

/* The --like server: what the real server accepted (from the matrix) and the chain it sent. */
typedef struct td_listen_like {
    char host[256];
    uint16_t port;
    unsigned versions;    /* bit i set: td_obs_matrix_t.v[i] accepted */
    char ciphers[2048];   /* OpenSSL cipher string for TLS <= 1.2 */
    char suites13[256];   /* TLS 1.3 suites (SSL_CTX_set_ciphersuites) */
    char groups[256];     /* OpenSSL group list, "" when none was learnt */
    int server_order;     /* the server imposes its own suite order */
    int sni_required;     /* the server refused the hello without SNI: so does the copy (alert
                             112 unrecognized_name) */
    char root_cause[128]; /* the diagnosis' root cause id, "" when healthy */
    char notes[400];      /* what could not be copied (suites OpenSSL lacks, ...) */
    void *chain;          /* STACK_OF(X509) *: the chain as the server sent it; owned */
} td_listen_like_t;

/* What a client did after it connected. */
struct td_listen_client {
    /* facts (listen.c) */
    unsigned long index; /* 1 for the first client */
    char peer[64];       /* its address */
    uint16_t peer_port;
    int64_t time;            /* Unix seconds when it connected */
    double ms;               /* from accept to the end */
    size_t bytes_in;         /* bytes read from it, all stages */
    int capped;              /* stopped at --max-bytes */
    td_read_end_t first_end; /* how reading the first bytes stopped */
    td_client_first_t first; /* what it sent first (the hello, parsed, when TLS) */
    char ja4[40];
    char ja4_r[1600];
    int hello_segments; /* TCP segments with data up to the end of the hello, -1 unknown */
    size_t hello_bytes; /* bytes up to the end of the hello (records included) */
    int mss;            /* the MSS in force on the connection (TCP_INFO), 0 unknown */
    int handshake_ran;
    int handshake_ok;
    char version[16], cipher[64], group[32], alpn[64];
    int alert_received; /* from the client, -1 none */
    int alert_sent;     /* by us, -1 none */
    int ossl_reason;    /* OpenSSL reason of our failure, 0 none */
    char tls_error[160];
    td_read_end_t hs_end;      /* how the client's side ended when the handshake failed */
    int cert_sent;             /* our Certificate message was written */
    int like;                  /* --like: the real chain was presented without its key */
    int late_alert;            /* a plaintext alert read after OpenSSL stopped, -1 none */
    int late_encrypted;        /* encrypted records read after OpenSSL stopped */
    size_t late_first_len;     /* the length of the first one */
    td_read_end_t late_end;    /* how that reading ended */
    int request_seen;          /* a complete request line arrived after the handshake */
    char request[256];         /* escaped, "" none */
    td_read_end_t request_end; /* how waiting for it ended */
    /* judgment (diagnose/listenjudge.c) */
    const char *reaction; /* static: "request", "alert", "closed", ... */
    char reaction_text[200];
    int n_findings;
    struct {
        const char *id, *title, *fix; /* static */
        td_severity_t severity;
        td_layer_t layer;
        char evidence[300];
    } f[TD_LISTEN_MAX_FINDINGS];
};

/* Counts over all clients (the top lists of passive/pcap.h). */
struct td_listen_summary {
    uint64_t clients, failures;
    double ms;
    char listening[600]; /* the set-up line */
    char like[300];      /* --like: "HOST:PORT: root cause ID", "" without --like */
    td_pcap_top_t reactions, findings, fingerprints, sni;
};

/* Called once per client when it is done, never concurrently. */
typedef void (*td__listen_fn)(td_listen_client_t *c, void *user);

/* Accepts clients until opt's count, duration or stop flag says so, at most opt->max_clients at
 * once, each under opt->client_timeout_s, and calls fn for each. like (may be NULL) makes the
 * server copy a real server. Returns 0, TD_E_USAGE (bad address, cert, key), TD_E_IO (cannot
 * bind), TD_E_TLSLIB. */
TD_MUST_USE int td__listen_run(const td_listen_options_t *opt, const td_listen_like_t *like,
                               td__listen_fn fn, void *user, td_errinfo_t *err);

/* Fills like from a diagnosis with the matrix (versions, suites, groups) and fetches the
 * server's chain with one more handshake. Returns 0 or TD_E_* (err says why). */
TD_MUST_USE int td__listen_like_init(td_listen_like_t *like, const td_obs_t *obs, double timeout_s,
                                     td_errinfo_t *err);
void td__listen_like_dispose(td_listen_like_t *like);

/* Judges one client: reaction and findings (no I/O). */
void td__listen_judge(td_listen_client_t *c);

#endif
