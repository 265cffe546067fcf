/* tlsdoctor.h: the only public header of libtlsdoctor.
 * It declares options, the diagnosis entry point, the read-only report and the error codes.
 * It must never expose internal structures: handles are opaque. */
#ifndef TLSDOCTOR_H
#define TLSDOCTOR_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TD_VERSION        "0.1.0"
#define TD_SCHEMA_VERSION 1

#if defined(__GNUC__)
#    define TD_API      __attribute__((visibility("default")))
#    define TD_MUST_USE __attribute__((warn_unused_result))
#else
#    define TD_API
#    define TD_MUST_USE
#endif

/* Error codes of the tool itself (never of the target: what the target does is an observation).
 * Grouped by category: usage, resource, io/timeout, decode, tls-library, internal.
 * Append only. */
#define TD_ERR_MAP(X)                                    \
    X(USAGE, -1, "invalid usage or option")              \
    X(TARGET, -2, "cannot parse the target")             \
    X(CAFILE, -3, "cannot read the CA file")             \
    X(NOMEM, -20, "out of memory")                       \
    X(LIMIT, -21, "a configured size limit was reached") \
    X(IO, -40, "input/output error")                     \
    X(TIMEOUT, -41, "deadline reached")                  \
    X(DECODE, -60, "malformed input")                    \
    X(TLSLIB, -80, "TLS library error")                  \
    X(INTERNAL, -100, "internal error")

enum {
    TD_OK = 0,
#define TD__ERR_ENUM(name, val, msg) TD_E_##name = (val),
    TD_ERR_MAP(TD__ERR_ENUM)
#undef TD__ERR_ENUM
};

/** Returns a static human message for a TD_E_* code (or "unknown error"). Thread-safe. */
TD_API const char *td_strerror(int code);
/** Returns the static symbolic name of a TD_E_* code, e.g. "TD_E_TIMEOUT". Thread-safe. */
TD_API const char *td_err_name(int code);

/** Severity of a finding. Closed set. */
typedef enum td_severity {
    TD_SEV_OK = 0,
    TD_SEV_WARN = 1,
    TD_SEV_FAIL = 2,
    /* Something the verdict depends on was not observed (a deadline, a skipped step): the
     * verdict is "unknown", never a pass. Ranks above warn and below fail. */
    TD_SEV_UNKNOWN = 3,
} td_severity_t;

/** Layers, in the order a diagnosis walks them. Closed set. */
typedef enum td_layer {
    TD_LAYER_DNS = 0,
    TD_LAYER_TCP,
    TD_LAYER_PROTO,
    TD_LAYER_TLS,
    TD_LAYER_CERT,
    TD_LAYER_HTTP,
    TD_LAYER__COUNT
} td_layer_t;

/** Static lower-case name of a layer ("dns", "tcp", ...). */
TD_API const char *td_layer_name(td_layer_t layer);
/** Static name of a severity ("ok", "warn", "fail"). */
TD_API const char *td_severity_name(td_severity_t sev);

/** Optional detail about a TD_E_* failure, filled by the callee when non-NULL. */
typedef struct td_errinfo {
    int code; /* the TD_E_* code */
    char message[256];
} td_errinfo_t;

/** Options of one diagnosis. Zero means default for every field; td_options_init() fills the
 * defaults. Fields are only ever appended. Strings are borrowed for the duration of the call. */
typedef struct td_options {
    const char *host;         /* name or IP literal to diagnose; required */
    uint16_t port;            /* TCP port; default 443 */
    const char *path;         /* HTTP path for the GET; default "/" */
    const char *sni;          /* SNI to send; default: host (none when host is an IP literal) */
    const char *connect_to;   /* "ADDR[:PORT]": connect there, keep host for SNI/Host/name checks */
    const char *ca_file;      /* PEM bundle of trust anchors; default: the system store */
    const char *ca_pem;       /* PEM trust anchors in memory (used by the lab); default none */
    double timeout_s;         /* deadline for the whole diagnosis in seconds; default 30 */
    double step_timeout_s;    /* deadline for each network step in seconds; default 8 */
    int warn_days;            /* warn when the leaf expires within this many days; default 21;
                               negative: never warn */
    int verbose;              /* 0 quiet, 1 progress lines on stderr; default 0 */
    int64_t now;              /* the time used for validity checks, Unix seconds; default: clock */
    const char *expect_addrs; /* "ADDR[,ADDR...]": the addresses HOST must resolve to; default
                                 none (not checked) */
    const char *expect_cname; /* a name the CNAME chain of HOST must contain; default none */
    const char *resolve;      /* "ADDR[,ADDR...]": use these addresses for HOST instead of DNS
                                 (curl's --resolve); default none */
    const char *dns_servers;  /* "ADDR[:PORT][,ADDR[:PORT]...]": ask these DNS servers instead of
                                 the system's (curl's --dns-servers); default none */
    int matrix;               /* 1: also run the handshake matrix (versions, suites, groups, ALPN,
                                 SNI, tolerance, client profiles); default 0 */
    int matrix_parallel;      /* connections the matrix keeps open at once; default 4, max 16 */
    int plain_http;           /* 1: the target is an http:// URL: probe plain HTTP (default port
                                 80), report TLS answering there; default 0 */
    uint16_t http_port;       /* the plain-HTTP port probed for CDN Off/Flexible modes; default
                                 80 when the target port is 443, else not probed */
    int profile;              /* TD_PROFILE_FULL (default): the whole diagnosis;
                                 TD_PROFILE_QUICK: one handshake, the chain and the verdict
                                 (the fleet scan's and the exporter's quick profile) */
} td_options_t;

/** Values of td_options_t.profile. */
enum { TD_PROFILE_FULL = 0, TD_PROFILE_QUICK = 1 };

/** Fills *opt with defaults (all fields zero, then defaults applied lazily). */
TD_API void td_options_init(td_options_t *opt);

/** Target parsed from "HOST", "HOST:PORT", "[V6]:PORT" or "https://host:port/path". */
typedef struct td_target {
    char host[256];
    uint16_t port;   /* 0 when not given */
    char path[512];  /* "/" when not given */
    int scheme_http; /* 1 when the URL scheme was http:// */
} td_target_t;

/** Parses a target string. Returns 0 or TD_E_TARGET (errinfo says why). */
TD_API TD_MUST_USE int td_target_parse(const char *s, td_target_t *out, td_errinfo_t *err);

/** One finding: a judged fact. All strings are borrowed from the report that holds it. */
typedef struct td_finding {
    const char *id; /* stable dotted id, e.g. "cert.chain.missing_intermediate" */
    td_severity_t severity;
    td_layer_t layer;
    const char *title;    /* short name */
    const char *cause;    /* one sentence: what is wrong */
    const char *evidence; /* the observed facts that prove it */
    const char *fix;      /* the concrete change to make */
} td_finding_t;

typedef struct td_report td_report_t;

/** Runs a full diagnosis of one target: DNS, TCP, protocol sniffing, TLS, certificate, HTTP.
 * Blocks until done or until opt->timeout_s has passed. On success *out is owned by the caller
 * and freed with td_report_free(). Returns TD_E_USAGE for bad options, TD_E_CAFILE when the CA
 * file cannot be read, TD_E_NOMEM. Behaviour of the target is never an error: it is in the
 * report. Thread-safe for distinct options and reports. */
TD_API TD_MUST_USE int td_diagnose(const td_options_t *opt, td_report_t **out, td_errinfo_t *err);

/** Number of findings; index 0 is the root cause when the report is not healthy. */
TD_API size_t td_report_finding_count(const td_report_t *r);
/** Borrowed until td_report_free(); NULL when i is out of range. */
TD_API const td_finding_t *td_report_finding(const td_report_t *r, size_t i);
/** The root cause (the first finding of the earliest failing layer), or NULL when healthy. */
TD_API const td_finding_t *td_report_root_cause(const td_report_t *r);
/** Worst severity of all findings (TD_SEV_OK when none), ranked ok < warn < unknown < fail. */
TD_API td_severity_t td_report_worst(const td_report_t *r);
/** The exit status for the verdict: 0 healthy, 1 warnings only, 2 failure found, 3 unknown
 * (something the verdict depends on was not observed and nothing failed). */
TD_API int td_report_exit_code(const td_report_t *r);
/** Writes the JSON document described in docs/json.md. Returns 0 or TD_E_IO/TD_E_NOMEM. */
TD_API TD_MUST_USE int td_report_write_json(const td_report_t *r, FILE *f);
/** Writes the human report. color: 1 to use ANSI colours. Returns 0 or TD_E_IO. */
TD_API TD_MUST_USE int td_report_write_text(const td_report_t *r, FILE *f, int color);
/** Writes the report as one self-contained HTML page (no external resources; the handshake
 * drawn as inline SVG; every network string escaped). Uses a temporary file (tmpfile()) for
 * the raw evidence. Returns 0 or TD_E_IO. */
TD_API TD_MUST_USE int td_report_write_html(const td_report_t *r, FILE *f);
/** Frees a report; NULL is a no-op. */
TD_API void td_report_free(td_report_t *r);

/** Runs the built-in lab: in-process TLS servers with known defects on 127.0.0.1, each diagnosed
 * with td_diagnose(). Writes a table to f. *all_ok is set to 1 when every scenario got its
 * expected root cause. Sets SIGPIPE to SIG_IGN for the process. Returns 0 or a TD_E_* code
 * when the lab could not be set up. */
TD_API TD_MUST_USE int td_lab_run(FILE *f, int color, int verbose, int *all_ok);

/* ---- logs: server and load-balancer logs of failed handshakes ------------------------ */

/** Log formats. Closed set. */
typedef enum td_log_format {
    TD_LOG_AUTO = 0,   /* detected per file from its first lines */
    TD_LOG_NGINX,      /* nginx error log and access log (status 497/400) */
    TD_LOG_APACHE,     /* Apache httpd 2.4 error log (mod_ssl) */
    TD_LOG_HAPROXY,    /* HAProxy (syslog or raw) */
    TD_LOG_F5,         /* F5 BIG-IP LTM /var/log/ltm */
    TD_LOG_ALB,        /* AWS Application Load Balancer access log */
    TD_LOG_CLOUDFLARE, /* Cloudflare Logpush http_requests (JSON lines) */
    TD_LOG_LIGHTTPD,   /* lighttpd 1.4 error log (mod_openssl) */
    TD_LOG_CADDY,      /* Caddy (JSON, or its text log) */
    TD_LOG_TRAEFIK,    /* Traefik (logfmt, JSON or its console format) */
    TD_LOG_GO,         /* other Go servers: "http: TLS handshake error from ..." */
    TD_LOG_ENVOY,      /* Envoy / Istio access log (default format, response flags) */
    TD_LOG_IIS,        /* IIS HTTP.sys HTTPERR log */
    TD_LOG_ELB,        /* AWS Classic Load Balancer access log */
    TD_LOG_MAIL,       /* Postfix and Dovecot (syslog) */
    TD_LOG_INGRESS,    /* ingress-nginx controller: nginx lines and its access format */
    TD_LOG__COUNT
} td_log_format_t;

/** Static name of a format ("nginx", ...); td_log_format_parse() is the reverse (-1 unknown). */
TD_API const char *td_log_format_name(td_log_format_t f);
TD_API int td_log_format_parse(const char *name);

/** One failed handshake (or related failure) read from a log line. Strings are copies, escaped;
 * the struct is borrowed for the duration of the callback. */
typedef struct td_log_event {
    const char *format; /* static format name */
    const char *file;   /* borrowed: the path given, "-" for standard input */
    uint64_t line;      /* 1-based line number */
    int64_t time;       /* Unix seconds, 0 when the line has no parsable time */
    char client[64];    /* client address as logged (IP, or IP:port) */
    char server[160];   /* server name or address as logged, "" unknown */
    const char *cause;  /* finding id, static (e.g. "client.plain_http_to_tls_port") */
    const char *side;   /* "client" (the logger is the TLS server) or "upstream" */
    int alert;          /* TLS alert number from the line, -1 none */
    char reason[240];   /* the raw reason text */
} td_log_event_t;

typedef void (*td_log_event_cb)(const td_log_event_t *ev, void *user);

/** Options of a log scan. Zero means default. */
typedef struct td_logs_options {
    td_log_format_t format; /* default TD_LOG_AUTO */
    int64_t since;          /* ignore events before this Unix time; 0 = all */
    int top;                /* rows in top lists; default 10 */
    int progress;           /* 1: progress line on stderr (a terminal) */
    /* 1: read regular files through mmap instead of read() (no copy; a file larger than 4 MiB
     * is then scanned by two threads). Installs, once per process, a SIGBUS handler: a file
     * truncated under the scan ends with a read error counted in the summary, and a SIGBUS
     * anywhere else goes to the handler installed before it. */
    int map_files;
} td_logs_options_t;

typedef struct td_logs_summary td_logs_summary_t;

/** Scans files (plain or gzip; "-" is standard input) and calls cb (may be NULL) for every
 * event. Memory is bounded whatever the input size. On success *out is owned by the caller
 * (td_logs_summary_free). A file that cannot be opened or read (missing, a directory, an I/O
 * error) is TD_E_IO with err naming it; unreadable lines and truncated or corrupt gzip data
 * are counted in the summary, not errors. */
TD_API TD_MUST_USE int td_logs_scan(const td_logs_options_t *opt, const char *const *files,
                                    size_t n_files, td_log_event_cb cb, void *user,
                                    td_logs_summary_t **out, td_errinfo_t *err);
TD_API uint64_t td_logs_summary_events(const td_logs_summary_t *s);
TD_API TD_MUST_USE int td_logs_summary_write_text(const td_logs_summary_t *s, FILE *f, int color);
TD_API TD_MUST_USE int td_logs_summary_write_json(const td_logs_summary_t *s, FILE *f);
/** Writes one event as a JSON line. */
TD_API TD_MUST_USE int td_log_event_write_json(const td_log_event_t *ev, FILE *f);
/** The summary as one self-contained HTML page (the frame of td_report_write_html: no external
 * resource, every string escaped): headline, the summary, the JSON folded. 0 or TD_E_IO. */
TD_API TD_MUST_USE int td_logs_summary_write_html(const td_logs_summary_t *s, FILE *f);
TD_API void td_logs_summary_free(td_logs_summary_t *s);

/* ---- pcap: what happened to each handshake in a capture -------------------------------- */

typedef struct td_pcap_options {
    const char *filter; /* a BPF filter applied by libpcap; default none */
    uint16_t ports[16]; /* only connections with one of these ports; n_ports 0 = all */
    int n_ports;
    int top;           /* rows in top lists; default 10 */
    int progress;      /* 1: progress line on stderr for large files */
    int threads;       /* the file's decoding and its flows (by hash) shared by this many threads;
                          0 or 1: one; at most TD_PCAP_MAX_THREADS; regular files only (else one) */
    int cb_concurrent; /* with threads, 1: the connection callback may run in several threads at
                          once (it must be thread-safe); 0: the calls are serialized */
} td_pcap_options_t;

#define TD_PCAP_MAX_THREADS 64

typedef struct td_pcap_summary td_pcap_summary_t;
typedef struct td_pcap_conn td_pcap_conn_t;
/** Called once per TCP connection when it ends (close, idle, eviction, end of input). A
 * negative return stops the callbacks and makes td_pcap_scan fail with TD_E_IO. */
typedef int (*td_pcap_conn_cb)(const td_pcap_conn_t *c, void *user);

/** Reads pcap / pcapng files through libpcap and judges every TCP connection in them. Memory
 * is bounded by the number of concurrent flows, whatever the file size. A file that cannot be
 * opened (missing, wrong magic) or that ends before its first packet is TD_E_IO naming it;
 * an invalid filter TD_E_USAGE; a file truncated after some packets is read up to the damage
 * and noted in the summary. */
TD_API TD_MUST_USE int td_pcap_scan(const td_pcap_options_t *opt, const char *const *files,
                                    size_t n_files, td_pcap_conn_cb cb, void *user,
                                    td_pcap_summary_t **out, td_errinfo_t *err);
/** One connection as a JSON line (docs/json.md, "pcap"). */
TD_API TD_MUST_USE int td_pcap_conn_write_json(const td_pcap_conn_t *c, FILE *f);
TD_API TD_MUST_USE int td_pcap_summary_write_text(const td_pcap_summary_t *s, FILE *f, int color);
TD_API TD_MUST_USE int td_pcap_summary_write_json(const td_pcap_summary_t *s, FILE *f);
/** Connections with a finding. */
TD_API uint64_t td_pcap_summary_failures(const td_pcap_summary_t *s);
/** The summary as one self-contained HTML page (as td_logs_summary_write_html). */
TD_API TD_MUST_USE int td_pcap_summary_write_html(const td_pcap_summary_t *s, FILE *f);
TD_API void td_pcap_summary_free(td_pcap_summary_t *s);

/* ---- compare: one name through several paths ------------------------------------------ */

typedef struct td_compare td_compare_t;

/** Diagnoses opt->host through each of vias (2 to 4: "ADDR[:PORT]" as --connect-to, or "dns"
 * for normal resolution) and compares certificate, protocol and HTTP. On success *out is owned
 * by the caller (td_compare_free). Returns 0, TD_E_USAGE, or what td_diagnose() returns. */
TD_API TD_MUST_USE int td_compare(const td_options_t *opt, const char *const *vias, size_t n,
                                  td_compare_t **out, td_errinfo_t *err);
/** Number of fields that differ between the paths. */
TD_API size_t td_compare_differences(const td_compare_t *x);
/** The TLS-interception product seen on some path (by certificate issuer), or NULL. */
TD_API const char *td_compare_interception(const td_compare_t *x);
TD_API TD_MUST_USE int td_compare_write_text(const td_compare_t *x, FILE *f, int color);
TD_API TD_MUST_USE int td_compare_write_json(const td_compare_t *x, FILE *f);
/** The comparison as one HTML page: the paths, the differences, then each path's report
 * (td_report_write_html's body). Returns 0 or TD_E_IO. */
TD_API TD_MUST_USE int td_compare_write_html(const td_compare_t *x, FILE *f);
TD_API void td_compare_free(td_compare_t *x);

/* ---- explain: what a pasted error means --------------------------------------------- */

typedef struct td_explain td_explain_t;

/** Explains any text: a Cloudflare code, a TLS alert (number or name), an OpenSSL error string
 * or verify code, a curl exit code, a browser error, or a whole log line (nginx, Apache,
 * HAProxy, F5, ALB, Cloudflare), with near misses matched fuzzily. input need not be
 * NUL-terminated and may hold any bytes; only its first 4 KiB are examined. On success *out
 * is owned by the caller (td_explain_free). Returns 0 or TD_E_NOMEM. */
TD_API TD_MUST_USE int td_explain(const char *input, size_t len, td_explain_t **out);
/** Number of knowledge-base entries matched (0: unknown; suggestions are in the output). */
TD_API size_t td_explain_match_count(const td_explain_t *x);
TD_API TD_MUST_USE int td_explain_write_text(const td_explain_t *x, FILE *f, int color);
TD_API TD_MUST_USE int td_explain_write_json(const td_explain_t *x, FILE *f);
TD_API void td_explain_free(td_explain_t *x);

/* ---- history: every diagnosis stored in SQLite, and what changed (docs/store.md) -------- */

typedef struct td_store td_store_t;

/** Flags of td_store_open(). */
enum { TD_STORE_READONLY = 1 /* an existing database, read only: no schema change */ };

/** Opens the history database at path (libsqlite3, WAL mode). Without TD_STORE_READONLY it is
 * created when missing and its schema created or migrated to the current version. On success
 * *out is owned by the caller (td_store_close). Returns TD_E_IO when the file cannot be opened,
 * is not a tlsdoctor history, or has a schema newer than this tool; TD_E_NOMEM. A store may
 * be used from several threads: calls on it are serialised. */
TD_API TD_MUST_USE int td_store_open(const char *path, int flags, td_store_t **out,
                                     td_errinfo_t *err);
/** Starts a run (one scan, or one diagnosis with --db); command is stored with it ("scan",
 * "diagnose"). The run is committed at once: a run killed later keeps the targets it stored.
 * Returns 0 and *run_id, or TD_E_IO. */
TD_API TD_MUST_USE int td_store_run_begin(td_store_t *s, const char *command, int64_t *run_id,
                                          td_errinfo_t *err);
/** Stores one target's result in its own transaction: root cause, findings, certificate,
 * version, suite, client verdicts, addresses. report NULL: the target could not be diagnosed
 * and error (may be NULL) says why. target is the line as scanned (the history's key).
 * Returns 0 or TD_E_IO (the database said why in err). */
TD_API TD_MUST_USE int td_store_add(td_store_t *s, int64_t run_id, const char *target,
                                    const td_report_t *report, const char *error, double seconds,
                                    td_errinfo_t *err);
/** Marks the run finished (its end time). Returns 0 or TD_E_IO. */
TD_API TD_MUST_USE int td_store_run_end(td_store_t *s, int64_t run_id, td_errinfo_t *err);
/** Closes the database; NULL is a no-op. */
TD_API void td_store_close(td_store_t *s);

/** Where a scan's results go when they are stored: td_store_scan_result's ctx. The caller
 * fills store and run_id (td_store_run_begin); failed and err say whether a result could not
 * be stored (the first error is kept; the scan goes on). */
typedef struct td_store_sink {
    td_store_t *store;
    int64_t run_id;
    uint64_t stored;
    int failed;
    td_errinfo_t err;
} td_store_sink_t;

/** A scan result callback (the fleet scan's td_scan_result_fn) that stores each result in
 * its own transaction: ctx is a td_store_sink_t; report NULL stores "not diagnosed". May be
 * called from several threads. */
TD_API void td_store_scan_result(void *ctx, const char *target_line, const td_report_t *report,
                                 double seconds);

typedef struct td_changes td_changes_t;

/** Compares each target's latest result with a baseline: by default its previous result;
 * since_run > 0: its latest result in that run or an earlier one; since_time > 0 (Unix
 * seconds): its latest result stored at or before that time. Targets not scanned after the
 * baseline are left out. On success *out is owned by the caller (td_changes_free). Returns 0,
 * TD_E_IO (a database error), TD_E_LIMIT (over a million changes), TD_E_NOMEM. */
TD_API TD_MUST_USE int td_changes(td_store_t *s, int64_t since_run, int64_t since_time,
                                  td_changes_t **out, td_errinfo_t *err);
/** Number of changes found. */
TD_API size_t td_changes_count(const td_changes_t *x);
/** 0 nothing got worse, 1 warnings (a change worth a look), 2 something newly failing. */
TD_API int td_changes_exit_code(const td_changes_t *x);
TD_API TD_MUST_USE int td_changes_write_text(const td_changes_t *x, FILE *f, int color);
/** The JSON document of docs/store.md ("changes"). */
TD_API TD_MUST_USE int td_changes_write_json(const td_changes_t *x, FILE *f);
TD_API void td_changes_free(td_changes_t *x);

/* ---- exporter: Prometheus multi-target probes (docs/exporter.md) ---------------------- */

/** Options of the exporter. Zero means default. Strings are borrowed until td_exporter_stop. */
typedef struct td_exporter_options {
    const char *listen;     /* "ADDR:PORT" or "[V6ADDR]:PORT"; default "127.0.0.1:9615";
                               port 0 picks a free one (td_exporter_port) */
    int max_probes;         /* probes running at once; default 8, at most 256 */
    double probe_timeout_s; /* deadline of each probe in seconds, lowered to Prometheus' scrape
                               timeout (less half a second) when the scrape says it; default 20 */
    td_options_t base;      /* what every probe starts from: ca_file, resolve, warn_days,
                               step_timeout_s (host, port and profile come from the query) */
} td_exporter_options_t;

typedef struct td_exporter td_exporter_t;

/** Starts serving /probe?target=HOST:PORT[&profile=quick|full] and /metrics (libmicrohttpd,
 * its own threads). Returns 0 with *out owned by the caller (td_exporter_stop), TD_E_USAGE
 * (a bad listen address or limit), TD_E_IO (cannot bind: err says why), TD_E_NOMEM. */
TD_API TD_MUST_USE int td_exporter_start(const td_exporter_options_t *opt, td_exporter_t **out,
                                         td_errinfo_t *err);
/** The port the exporter listens on. */
TD_API uint16_t td_exporter_port(const td_exporter_t *x);
/** Stops listening, waits for the probes in flight and frees; NULL is a no-op. */
TD_API void td_exporter_stop(td_exporter_t *x);
/** Writes a report as OpenMetrics text (the /probe body, without "# EOF"): probe success,
 * root cause, findings, certificate dates, seconds per layer, version, failing clients.
 * Returns 0 or TD_E_IO. */
TD_API TD_MUST_USE int td_report_write_openmetrics(const td_report_t *r, FILE *f);
/* ---- listen: what clients send and how they react to this server's certificate ---- */

/** Options of `tlsdoctor listen`. Zero means default for every field. Strings are borrowed for
 * the duration of td_listen(). */
typedef struct td_listen_options {
    const char *addr;         /* numeric address to bind; default 127.0.0.1 */
    uint16_t port;            /* TCP port; 0 takes a free port (on_ready says which) */
    const char *cert_file;    /* PEM certificate chain to present (leaf first); with key_file */
    const char *key_file;     /* PEM private key of cert_file */
    const char *name;         /* name of the generated self-signed certificate (no cert_file);
                                 default "localhost" */
    const char *save_cert;    /* write the generated certificate (PEM) here; default none */
    const char *like;         /* "HOST[:PORT]": diagnose that server (with the matrix) first and
                                 answer with its versions, suites, groups and certificate chain */
    const char *ca_file;      /* trust anchors for the --like diagnosis; default the system's */
    const char *connect_to;   /* "ADDR[:PORT]" for --like: connect there, keep HOST for SNI and
                                 names (as td_options_t.connect_to); default none */
    unsigned long count;      /* stop after this many clients; default 0: no limit */
    double duration_s;        /* stop accepting after this many seconds; default 0: no limit */
    int max_clients;          /* clients served at once; default 16, at most 256 */
    double client_timeout_s;  /* deadline of each client from accept; default 10 */
    size_t max_bytes;         /* bytes read from one client at most; default 65536 */
    int mss;                  /* TCP MSS advertised to clients (emulates a smaller path MTU);
                                 default 0: the kernel's */
    const volatile int *stop; /* when non-NULL and set (e.g. by SIGINT): stop accepting */
    /* Called with one line of text about the set-up ("listening on ADDR:PORT ..."), from the
     * calling thread; may be NULL. */
    void (*on_ready)(const char *line, void *user);
} td_listen_options_t;

typedef struct td_listen_client td_listen_client_t;
typedef struct td_listen_summary td_listen_summary_t;
/** Called once per client when it is done (never concurrently); the client is borrowed for the
 * call. */
typedef void (*td_listen_client_cb)(const td_listen_client_t *c, void *user);

/** Listens, records each client's first bytes, ClientHello and reaction to the handshake, judges
 * it and calls cb. Returns when opt->count clients were seen, opt->duration_s passed or *stop
 * was set, after the clients in progress finished (each within its deadline). On success *out is
 * owned by the caller (td_listen_summary_free). Returns TD_E_USAGE (bad option, certificate or
 * key), TD_E_IO (cannot bind), TD_E_TLSLIB, or what td_diagnose() returns for --like. */
TD_API TD_MUST_USE int td_listen(const td_listen_options_t *opt, td_listen_client_cb cb, void *user,
                                 td_listen_summary_t **out, td_errinfo_t *err);
/** One client in text (several lines, untrusted bytes escaped). */
TD_API TD_MUST_USE int td_listen_client_write_text(const td_listen_client_t *c, FILE *f, int color);
/** One client as one compact JSON line (docs/json.md, "listen"). */
TD_API TD_MUST_USE int td_listen_client_write_json(const td_listen_client_t *c, FILE *f);
/** The summary: clients by fingerprint and reaction, findings by id. */
TD_API TD_MUST_USE int td_listen_summary_write_text(const td_listen_summary_t *s, FILE *f,
                                                    int color);
TD_API TD_MUST_USE int td_listen_summary_write_json(const td_listen_summary_t *s, FILE *f);
/** Clients with a finding of severity fail. */
TD_API uint64_t td_listen_summary_failures(const td_listen_summary_t *s);
TD_API void td_listen_summary_free(td_listen_summary_t *s);

/* ---- scan: many targets, one compact JSON line each ----------------------------------- */

/** Writes the report as one compact JSON line (newline-terminated): the fields of
 * td_report_write_json() plus "target_line" (when target_line is not NULL) and "profile".
 * Returns 0, TD_E_IO or TD_E_INTERNAL. Thread-safe for distinct reports (the caller serialises
 * writes to one FILE). */
TD_API TD_MUST_USE int td_report_write_json_line(const td_report_t *r, const char *target_line,
                                                 FILE *f);

/** Called once per target line of a scan, from the worker that diagnosed it: several threads
 * may call it at once (lock inside). report is NULL when the line could not be diagnosed (an
 * unparsable line, or td_diagnose() refused it); it is borrowed for the duration of the call.
 * seconds: the time the diagnosis took. */
typedef void (*td_scan_result_fn)(void *ctx, const char *target_line, const td_report_t *report,
                                  double seconds);

/** Options of a fleet scan. Zero means default for every field; fields are only appended. */
typedef struct td_scan_options {
    td_options_t diag;    /* template for every target (ca_file, timeouts, warn_days, now,
                             profile ...); host, port, path, connect_to, plain_http are set
                             per target line */
    int concurrency;      /* diagnoses in flight; default 64, at most 4096 */
    int per_host;         /* diagnoses in flight to one address (or name); default 0: no limit */
    double rate;          /* targets started per second; default 0: no limit */
    unsigned shard_index; /* with shard_count > 0: scan only the lines whose hash % count is
                             this index (0-based, ZMap semantics) */
    unsigned shard_count; /* 0: no sharding */
    const char *resume;   /* a JSONL output of an earlier scan: skip its target lines */
    int json;             /* 1: one compact JSON line per target on out, then a summary line;
                             0: a line per target that is not healthy, then a table */
    int progress;         /* 1: a live progress line on errf (a terminal) */
    int color;            /* 1: ANSI colours in the table */
    td_scan_result_fn on_result; /* optional, see td_scan_result_fn */
    void *ctx;                   /* passed to on_result */
    const volatile int *stop;    /* optional: when *stop becomes non-zero (a signal handler),
                                    no new target starts, those in flight get one step timeout
                                    to finish, then the summary is written */
    FILE *html;                  /* optional: the summary also as one self-contained HTML page
                                    (headline, the table of root causes, the JSON folded) */
} td_scan_options_t;

/** Reads target lines from in (HOST[:PORT], https:// or http:// URL, "HOST[:PORT] ADDR", or
 * zgrab2's "ip,name,tag,port" CSV; # comments and blank lines skipped), streaming, and
 * diagnoses each distinct target once with a bounded pool of workers. in_name names in in
 * messages. Unparsable lines are reported on errf with their line numbers and skipped.
 * *exit_code is the exit status of the worst target (as td_report_exit_code(): 2 failure, 3
 * unknown, 1 warnings, 0 healthy). Returns 0, TD_E_USAGE (no target at all: *exit_code 3 and
 * err says why), TD_E_IO (the resume file cannot be read) or TD_E_NOMEM. */
TD_API TD_MUST_USE int td_scan(const td_scan_options_t *opt, FILE *in, const char *in_name,
                               FILE *out, FILE *errf, int *exit_code, td_errinfo_t *err);

/** The shard (0 .. count-1) of a target line: a stable 64-bit hash of its normalised form
 * (FNV-1a, then a SplitMix64 finaliser) modulo count. Returns -1 for an unparsable line. */
TD_API int td_scan_shard_of(const char *line, unsigned count);

#ifdef __cplusplus
}
#endif
#endif
