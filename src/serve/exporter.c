/* exporter.c: the Prometheus exporter's HTTP endpoint (libmicrohttpd, a thread per
 * connection): /probe?target=HOST:PORT[&profile=quick|full] diagnoses one target under a
 * deadline and a limit on probes at once; /metrics is the exporter's own health. A query is
 * checked whole before anything runs: the target never reaches a shell, a path or a label. */
#define _POSIX_C_SOURCE 200809L
#include "../util/td_util.h"
#include "query.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#define TD_EXPORTER_DEFAULT_LISTEN "127.0.0.1:9615"

/* Outcome counters of /metrics: closed label sets. */
enum { PR_SUCCESS, PR_FAILURE, PR_ERROR, PR__COUNT };
enum { RJ_BAD_REQUEST, RJ_BUSY, RJ_NOT_FOUND, RJ__COUNT };

struct td_exporter {
    struct MHD_Daemon *d;
    td_exporter_options_t opt;
    uint16_t port;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int in_flight;
    uint64_t probes[PR__COUNT];
    uint64_t rejected[RJ__COUNT];
    uint64_t metrics_scrapes;
    double probe_seconds;
    int64_t started;
};

/* libmicrohttpd's iterator over the decoded query parameters. */
static enum MHD_Result query_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                 size_t key_size, const char *value, size_t value_size)
{
    (void)kind;
    td__probe_query_arg(cls, key, key_size, value, value_size);
    return MHD_YES;
}

/* ---- answers ------------------------------------------------------------------------ */

static void free_buf(void *p)
{
    td_free(p);
}

static enum MHD_Result reply_owned(struct MHD_Connection *c, unsigned status, char *body,
                                   size_t len, const char *type)
{
    struct MHD_Response *r =
            MHD_create_response_from_buffer_with_free_callback(len, body, free_buf);
    if (r == NULL) {
        td_free(body);
        return MHD_NO;
    }
    (void)MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned status, const char *msg)
{
    char line[400];
    size_t n = td_fmt(line, sizeof(line), "%s\n", msg);
    char *body = td_malloc(n + 1);
    if (body == NULL) {
        return MHD_NO;
    }
    memcpy(body, line, n + 1);
    return reply_owned(c, status, body, n, "text/plain; charset=utf-8");
}

static const char om_type[] = "application/openmetrics-text; version=1.0.0; charset=utf-8";

static void count_reject(td_exporter_t *x, int why)
{
    pthread_mutex_lock(&x->mu);
    x->rejected[why]++;
    pthread_mutex_unlock(&x->mu);
}

/* Waits for a probe slot until deadline_ms (monotonic); 0 when one was taken. */
static int take_slot(td_exporter_t *x, double deadline_ms)
{
    pthread_mutex_lock(&x->mu);
    while (x->in_flight >= x->opt.max_probes) {
        double left = deadline_ms - td_now_ms();
        if (left <= 0) {
            pthread_mutex_unlock(&x->mu);
            return -1;
        }
        struct timespec ts;
        (void)clock_gettime(CLOCK_REALTIME, &ts);
        double add = left < 100 ? left : 100;
        ts.tv_nsec += (long)(add * 1e6);
        ts.tv_sec += ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        (void)pthread_cond_timedwait(&x->cv, &x->mu, &ts);
    }
    x->in_flight++;
    pthread_mutex_unlock(&x->mu);
    return 0;
}

static void give_slot(td_exporter_t *x, int outcome, double seconds)
{
    pthread_mutex_lock(&x->mu);
    x->in_flight--;
    x->probes[outcome]++;
    x->probe_seconds += seconds;
    pthread_cond_signal(&x->cv);
    pthread_mutex_unlock(&x->mu);
}

static enum MHD_Result serve_probe(td_exporter_t *x, struct MHD_Connection *c)
{
    td_probe_query_t q;
    td_target_t target;
    memset(&q, 0, sizeof(q));
    if (MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, query_arg, &q) < 0 ||
        td__probe_query_finish(&q, &target) < 0) {
        char msg[300];
        count_reject(x, RJ_BAD_REQUEST);
        td_fmt(msg, sizeof(msg), "400 bad request: %s",
               q.error[0] ? q.error : "malformed query string");
        return reply_text(c, MHD_HTTP_BAD_REQUEST, msg);
    }
    td_errinfo_t err;
    memset(&err, 0, sizeof(err));
    double start = td_now_ms();
    double budget = td__probe_deadline(
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Prometheus-Scrape-Timeout-Seconds"),
            x->opt.probe_timeout_s);
    if (take_slot(x, start + budget * 1000.0 - 1000.0) < 0) {
        count_reject(x, RJ_BUSY);
        return reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE,
                          "503 too many probes in flight (--max-probes): none ended before the "
                          "deadline");
    }
    td_options_t o = x->opt.base;
    o.host = target.host;
    o.port = target.port;
    o.path = target.path;
    o.plain_http = target.scheme_http;
    o.profile = q.profile;
    o.verbose = 0;
    o.timeout_s = budget - (td_now_ms() - start) / 1000.0;
    if (o.timeout_s < 0.1) {
        o.timeout_s = 0.1; /* never 0, which the library reads as its 30 s default */
    }
    if (o.step_timeout_s <= 0 || o.step_timeout_s > o.timeout_s) {
        o.step_timeout_s = o.timeout_s;
    }
    td_report_t *r = NULL;
    int rc = td_diagnose(&o, &r, &err);
    double seconds = (td_now_ms() - start) / 1000.0;
    if (rc < 0) {
        give_slot(x, PR_ERROR, seconds);
        char msg[400];
        td_fmt(msg, sizeof(msg), "500 cannot probe: %s",
               err.message[0] ? err.message : td_strerror(rc));
        return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, msg);
    }
    int code = td_report_exit_code(r);
    char *body = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&body, &len);
    int wrc = f != NULL ? td_report_write_openmetrics(r, f) : TD_E_NOMEM;
    if (f != NULL) {
        fputs("# EOF\n", f);
        if (fclose(f) != 0) {
            wrc = TD_E_NOMEM;
        }
    }
    td_report_free(r);
    give_slot(x, code <= 1 ? PR_SUCCESS : PR_FAILURE, seconds);
    if (wrc < 0 || body == NULL) {
        td_free(body);
        return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "500 out of memory");
    }
    return reply_owned(c, MHD_HTTP_OK, body, len, om_type);
}

static enum MHD_Result serve_metrics(td_exporter_t *x, struct MHD_Connection *c)
{
    static const char *const outcome[] = { "success", "failure", "error" };
    static const char *const reason[] = { "bad_request", "busy", "not_found" };
    char *body = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&body, &len);
    if (f == NULL) {
        return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "500 out of memory");
    }
    struct rusage ru;
    memset(&ru, 0, sizeof(ru));
    (void)getrusage(RUSAGE_SELF, &ru);
    pthread_mutex_lock(&x->mu);
    x->metrics_scrapes++;
    fputs("# TYPE tlsdoctor_exporter_probes counter\n"
          "# HELP tlsdoctor_exporter_probes Probes answered, by outcome (success: verdict ok or "
          "warn; failure: fail or unknown; error: the tool could not probe)\n",
          f);
    for (int i = 0; i < PR__COUNT; i++) {
        fprintf(f, "tlsdoctor_exporter_probes_total{outcome=\"%s\"} %llu\n", outcome[i],
                (unsigned long long)x->probes[i]);
    }
    fputs("# TYPE tlsdoctor_exporter_rejected counter\n"
          "# HELP tlsdoctor_exporter_rejected Requests refused, by reason\n",
          f);
    for (int i = 0; i < RJ__COUNT; i++) {
        fprintf(f, "tlsdoctor_exporter_rejected_total{reason=\"%s\"} %llu\n", reason[i],
                (unsigned long long)x->rejected[i]);
    }
    fprintf(f,
            "# TYPE tlsdoctor_exporter_probe_seconds counter\n"
            "# HELP tlsdoctor_exporter_probe_seconds Seconds spent probing\n"
            "tlsdoctor_exporter_probe_seconds_total %.3f\n"
            "# TYPE tlsdoctor_exporter_probes_in_flight gauge\n"
            "# HELP tlsdoctor_exporter_probes_in_flight Probes running now\n"
            "tlsdoctor_exporter_probes_in_flight %d\n"
            "# TYPE tlsdoctor_exporter_max_probes gauge\n"
            "# HELP tlsdoctor_exporter_max_probes The limit on probes at once\n"
            "tlsdoctor_exporter_max_probes %d\n"
            "# TYPE tlsdoctor_exporter_max_rss_bytes gauge\n"
            "# HELP tlsdoctor_exporter_max_rss_bytes Peak resident memory of the process\n"
            "tlsdoctor_exporter_max_rss_bytes %lld\n"
            "# TYPE tlsdoctor_exporter_start_time_seconds gauge\n"
            "# HELP tlsdoctor_exporter_start_time_seconds When the exporter started, Unix "
            "seconds\n"
            "tlsdoctor_exporter_start_time_seconds %lld\n"
            "# TYPE tlsdoctor_exporter_build info\n"
            "# HELP tlsdoctor_exporter_build The tlsdoctor version\n"
            "tlsdoctor_exporter_build_info{version=\"%s\"} 1\n"
            "# EOF\n",
            x->probe_seconds, x->in_flight, x->opt.max_probes, (long long)ru.ru_maxrss * 1024,
            (long long)x->started, TD_VERSION);
    pthread_mutex_unlock(&x->mu);
    if (fclose(f) != 0 || body == NULL) {
        td_free(body);
        return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "500 out of memory");
    }
    return reply_owned(c, MHD_HTTP_OK, body, len, om_type);
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **req_cls)
{
    td_exporter_t *x = cls;
    (void)version;
    (void)upload_data;
    (void)req_cls;
    if (strcmp(method, "GET") != 0) {
        count_reject(x, RJ_BAD_REQUEST);
        return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "405 GET only");
    }
    if (*upload_data_size != 0) {
        count_reject(x, RJ_BAD_REQUEST);
        return reply_text(c, MHD_HTTP_BAD_REQUEST, "400 a GET has no body");
    }
    if (strcmp(url, "/probe") == 0) {
        return serve_probe(x, c);
    }
    if (strcmp(url, "/metrics") == 0) {
        return serve_metrics(x, c);
    }
    if (strcmp(url, "/") == 0) {
        return reply_text(c, MHD_HTTP_OK,
                          "tlsdoctor exporter: /probe?target=HOST:PORT[&profile=quick|full] "
                          "diagnoses a target (OpenMetrics); /metrics is the exporter's own "
                          "health. docs/exporter.md lists the metrics.");
    }
    count_reject(x, RJ_NOT_FOUND);
    return reply_text(c, MHD_HTTP_NOT_FOUND, "404 not found (/probe, /metrics)");
}

/* ---- start and stop ----------------------------------------------------------------- */

/* "ADDR:PORT" or "[V6ADDR]:PORT", numeric only (no name lookup for a listen address). */
static int parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len, int *v6)
{
    char addr[64];
    const char *colon;
    memset(ss, 0, sizeof(*ss));
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (close == NULL || close[1] != ':' || (size_t)(close - s - 1) >= sizeof(addr)) {
            return -1;
        }
        memcpy(addr, s + 1, (size_t)(close - s - 1));
        addr[close - s - 1] = '\0';
        colon = close + 1;
        *v6 = 1;
    } else {
        colon = strrchr(s, ':');
        if (colon == NULL || (size_t)(colon - s) >= sizeof(addr) || strchr(s, ':') != colon) {
            return -1;
        }
        memcpy(addr, s, (size_t)(colon - s));
        addr[colon - s] = '\0';
        *v6 = 0;
    }
    unsigned long port = 0;
    if (td_parse_uint(colon + 1, 65535, &port) < 0) {
        return -1;
    }
    if (*v6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, addr, &a->sin6_addr) != 1) {
            return -1;
        }
        *len = sizeof(*a);
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)ss;
        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)port);
        if (inet_pton(AF_INET, addr, &a->sin_addr) != 1) {
            return -1;
        }
        *len = sizeof(*a);
    }
    return 0;
}

int td_exporter_start(const td_exporter_options_t *opt, td_exporter_t **out, td_errinfo_t *err)
{
    struct sockaddr_storage ss;
    socklen_t sl = 0;
    int v6 = 0;
    *out = NULL;
    td_exporter_t *x = td_calloc(1, sizeof(*x));
    if (x == NULL) {
        td_errinfo_set(err, TD_E_NOMEM, "out of memory");
        return TD_E_NOMEM;
    }
    x->opt = *opt;
    if (x->opt.listen == NULL || x->opt.listen[0] == '\0') {
        x->opt.listen = TD_EXPORTER_DEFAULT_LISTEN;
    }
    if (x->opt.max_probes <= 0) {
        x->opt.max_probes = 8;
    }
    if (x->opt.probe_timeout_s <= 0) {
        x->opt.probe_timeout_s = 20;
    }
    if (x->opt.max_probes > 256 || x->opt.probe_timeout_s > 3600) {
        td_errinfo_set(err, TD_E_USAGE,
                       "max probes (1-256) or probe timeout (at most 3600 s) "
                       "out of range");
        td_free(x);
        return TD_E_USAGE;
    }
    if (parse_listen(x->opt.listen, &ss, &sl, &v6) < 0) {
        char e[200];
        td_escape(e, sizeof(e), (const uint8_t *)x->opt.listen, strlen(x->opt.listen));
        td_errinfo_set(err, TD_E_USAGE, "bad listen address '%s' (ADDR:PORT or [V6ADDR]:PORT)", e);
        td_free(x);
        return TD_E_USAGE;
    }
    (void)pthread_mutex_init(&x->mu, NULL);
    (void)pthread_cond_init(&x->cv, NULL);
    x->started = (int64_t)time(NULL);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0);
    /* Probes wait for a slot rather than being refused at once, so connections beyond the
     * probe limit are allowed; a bounded number, each idle at most the probe deadline. */
    unsigned conn_limit = (unsigned)x->opt.max_probes * 4 + 16;
    unsigned idle = (unsigned)x->opt.probe_timeout_s + 10;
    x->d = MHD_start_daemon(flags, 0, NULL, NULL, answer, x, MHD_OPTION_SOCK_ADDR,
                            (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT, conn_limit,
                            MHD_OPTION_CONNECTION_TIMEOUT, idle, MHD_OPTION_LISTEN_BACKLOG_SIZE,
                            128u, MHD_OPTION_END);
    if (x->d == NULL) {
        char e[200];
        td_escape(e, sizeof(e), (const uint8_t *)x->opt.listen, strlen(x->opt.listen));
        td_errinfo_set(err, TD_E_IO,
                       "cannot listen on %s (in use, or not an address of this "
                       "host)",
                       e);
        (void)pthread_cond_destroy(&x->cv);
        (void)pthread_mutex_destroy(&x->mu);
        td_free(x);
        return TD_E_IO;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(x->d, MHD_DAEMON_INFO_BIND_PORT);
    x->port = info != NULL ? info->port : 0;
    (void)sl;
    *out = x;
    return 0;
}

uint16_t td_exporter_port(const td_exporter_t *x)
{
    return x != NULL ? x->port : 0;
}

void td_exporter_stop(td_exporter_t *x)
{
    if (x == NULL) {
        return;
    }
    MHD_stop_daemon(x->d); /* joins the connection threads: probes in flight end first */
    (void)pthread_cond_destroy(&x->cv);
    (void)pthread_mutex_destroy(&x->mu);
    td_free(x);
}
