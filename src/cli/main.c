/* main.c: the tlsdoctor command: parses options, calls the library, prints, exits.
 * A thin client of tlsdoctor.h (curl's src/ over lib/); the only place that calls exit codes. */
#define _POSIX_C_SOURCE 200809L
#include "tlsdoctor.h"

#include "../util/td_atomic.h"
#include "../util/td_util.h"
#include "cli.h"

#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char usage_text[] =
        "Usage: tlsdoctor [OPTIONS] HOST[:PORT] | https://HOST[:PORT]/PATH\n"
        "       tlsdoctor matrix [OPTIONS] HOST[:PORT]   (the same with --matrix)\n"
        "       tlsdoctor lab [--no-color] [-v]\n"
        "       tlsdoctor logs FILE... [--format F] [--json] [--since TIME] [--top N] [--html F]\n"
        "       tlsdoctor pcap FILE... [--json] [--filter BPF] [--port N]... [--top N] [--html F]\n"
        "                      [--threads N]\n"
        "       tlsdoctor listen [ADDR:]PORT [--cert F --key F | --name N] [--like HOST[:PORT]]\n"
        "                        [--json] [--count N] [--duration S]   (what clients send)\n"
        "       tlsdoctor explain [--json] TEXT...   (a code, an error, a whole log line; - reads "
        "stdin)\n"
        "       tlsdoctor scan [FILE|-] [--json] [--profile quick|full] [--concurrency N] ...\n"
        "       tlsdoctor changes --db FILE [--since RUN|TIME] [--json]\n"
        "       tlsdoctor exporter [--listen ADDR:PORT] [--max-probes N] [--probe-timeout S]\n"
        "\n"
        "Finds why a TLS handshake fails: walks DNS, TCP, the protocol on the port, the TLS\n"
        "handshake, the certificate chain and HTTP, and names the root cause first.\n"
        "\n"
        "Options:\n"
        "  --sni NAME             send NAME as SNI (default: HOST; none for an IP)\n"
        "  --connect-to ADDR[:PORT]\n"
        "                         connect to ADDR but keep HOST for SNI, Host header and\n"
        "                         certificate name checks (test an origin behind a CDN)\n"
        "  --resolve ADDR[,ADDR]  use these addresses for HOST instead of DNS (like curl's)\n"
        "  --expect-addr ADDR     HOST must resolve to ADDR (repeat for several)\n"
        "  --expect-cname NAME    HOST's CNAME chain must contain NAME (e.g. the LB's name)\n"
        "  --dns-servers ADDR[:PORT][,...]\n"
        "                         ask these DNS servers instead of the system's (like curl's)\n"
        "  --ca-file FILE         trust the PEM certificates in FILE instead of the system store\n"
        "  --timeout SECONDS      deadline for the whole diagnosis (default 30; more than 0,\n"
        "                         at most 86400; decimals allowed: 0.5)\n"
        "  --step-timeout SECONDS deadline for each network step (default 8; same range)\n"
        "  --warn-days DAYS       warn when the certificate expires within DAYS (default 21;\n"
        "                         0-3650, 0 turns the warning off)\n"
        "  --matrix               also ask which versions, cipher suites, groups, ALPN and\n"
        "                         SNI answers the server accepts (own ClientHellos, suites by\n"
        "                         elimination), whether large or TLS 1.3-style hellos fail,\n"
        "                         and which real clients (browsers, curl, Java, Android, IE,\n"
        "                         Cloudflare, AWS ALB) can connect\n"
        "  --parallel N           connections kept open at once by the matrix and by the real\n"
        "                         clients' hellos of every run (default 4, 1-16)\n"
        "  --http-port N          also probe plain HTTP on port N (CDN Off/Flexible modes; "
        "default\n"
        "                         80 when the target port is 443)\n"
        "  --json                 print the JSON report (docs/json.md, schema_version 1)\n"
        "  --db FILE              also store this diagnosis in the history database FILE\n"
        "                         (SQLite, created when missing; docs/store.md), as a run of\n"
        "                         one target: `tlsdoctor changes --db FILE` compares runs\n"
        "  --html FILE            also write the report as one self-contained HTML page\n"
        "                         (the handshake drawn as a ladder; no external resources);\n"
        "                         written to a temporary file and renamed: all or nothing\n"
        "  --now UNIXTIME         judge dates as if the local clock said UNIXTIME (testing;\n"
        "                         1-32503680000)\n"
        "  --no-color             no colours (also when NO_COLOR is set or not a terminal)\n"
        "  -v, --verbose          print progress on standard error\n"
        "  -h, --help             this help\n"
        "  -V, --version          print the version\n"
        "\n";

static const char usage_listen[] =
        "  listen [ADDR:]PORT     serve TLS on ADDR:PORT (127.0.0.1 unless ADDR is given; port 0\n"
        "                         takes a free one) and report, per client, what it sent first\n"
        "                         (ClientHello with JA4, plain HTTP, a PROXY header, another\n"
        "                         protocol, nothing) and how it reacted to the certificate\n"
        "                         (request, alert, close, silence), with finding ids:\n"
        "     --cert FILE --key FILE  present this chain (PEM, leaf first) and key\n"
        "     --name NAME         else a generated self-signed certificate for NAME\n"
        "                         (default localhost); --save-cert FILE writes it out\n"
        "     --like HOST[:PORT]  diagnose HOST (with the matrix) first, then answer with its\n"
        "                         versions, suites, groups and real certificate chain; without\n"
        "                         its key the handshake stops after the certificate: a client\n"
        "                         that refuses the chain says so with its alert, one that\n"
        "                         goes on is listen.like.past_certificate (it accepted the\n"
        "                         chain or checks it later: GnuTLS with TLS 1.3, curl's name)\n"
        "     --ca-file FILE      trust anchors for the --like diagnosis\n"
        "     --connect-to ADDR[:PORT]  reach the --like server there, keeping HOST for SNI\n"
        "     --json              one JSON line per client, then a summary line\n"
        "     --count N           stop after N clients;  --duration S  stop after S seconds\n"
        "     --max-clients N     clients served at once (1-256, default 16)\n"
        "     --client-timeout S  deadline per client (default 10)\n"
        "     --max-bytes N       bytes read per client (1024-16777216, default 65536)\n"
        "     --mss N             TCP MSS advertised to clients (88-65535): reproduce a small\n"
        "                         path to see hellos that need several segments\n"
        "   exit status: 0 no client with a failure, 1 some, 3 usage or set-up error\n";

static const char usage_commands[] =
        "Commands:\n"
        "  lab                    start built-in broken servers on 127.0.0.1 and diagnose each\n"
        "  logs FILE...           read server / load-balancer logs (plain, gzip, - for stdin)\n"
        "                         and count failed handshakes by cause, client, server, hour:\n"
        "     --format F          auto (default), nginx, apache, haproxy, f5, alb, cloudflare,\n"
        "                         lighttpd, caddy, traefik, go, envoy, iis, elb, mail,\n"
        "                         ingress-nginx\n"
        "     --since TIME        only events at or after TIME: 2026-11-22[T10:00[:00]] (UTC)\n"
        "                         (years 1970-9999) or a duration back from now: 90s,\n"
        "                         30m, 24h, 7d (at most 100 years)\n"
        "     --top N             rows in the top lists (1-1000, default 10)\n"
        "     --json              JSON lines: one per event, then a summary line\n"
        "   exit status: 0 no failure found, 1 failures found, 3 usage or read error (a\n"
        "   missing file, a directory, an I/O error)\n"
        "  pcap FILE...           what happened to each TLS handshake in pcap / pcapng captures\n"
        "     --json              one line per connection, then the summary\n"
        "     --filter BPF        only packets the BPF filter keeps\n"
        "     --port N            only connections on port N (1-65535; up to 16 times)\n"
        "     --top N             rows in the top lists (1-1000, default 10)\n"
        "     --threads N         flows split by hash over N threads (1-64, default 1), which\n"
        "                         also share the decoding (spans of the file); same summary,\n"
        "                         connection lines in another order; a pipe or stdin is read\n"
        "                         by one\n"
        "   exit status: 0 no failure found, 1 failures found, 3 usage or read error (a\n"
        "   missing file, not a capture, or damaged before its first packet; a capture\n"
        "   cut after some packets is read up to the damage and says so)\n"
        "  compare HOST --via A --via B [--html FILE]\n"
        "                         diagnose HOST through each path (ADDR[:PORT] or dns: e.g. the\n"
        "                         CDN and the origin) and list differences in certificate,\n"
        "                         protocol and HTTP; names TLS-interception products\n"
        "   exit status: 0 same, 1 differences, 2 interception seen, 3 usage error\n"
        "  explain TEXT...        what a Cloudflare 52x, a TLS alert, an OpenSSL error or verify\n"
        "                         code, a curl exit code, a browser error or a log line means,\n"
        "                         its likely causes and the command to run next\n"
        "   exit status: 0 explained, 1 unknown (closest entries shown), 3 usage error\n";

/* The monitoring commands (monitor.c). */
static const char usage_monitor[] =
        "  changes --db FILE      what changed per target between runs of the history: newly\n"
        "                         failing (with the root cause), fixed, root cause changed, new\n"
        "                         certificate, expiry inside a third of its lifetime, clients\n"
        "                         newly failing, addresses (docs/store.md)\n"
        "     --since RUN|TIME    against run RUN (digits) or the state at TIME (as logs\n"
        "                         --since) instead of each target's previous result\n"
        "     --json              the changes as JSON\n"
        "   exit status: 0 nothing got worse, 1 warnings, 2 something newly failing,\n"
        "   3 usage error or unreadable database\n"
        "  exporter               Prometheus exporter (docs/exporter.md): GET /probe?target=\n"
        "                         HOST:PORT[&profile=quick|full] diagnoses the target and\n"
        "                         answers OpenMetrics (root cause as a label); /metrics is its\n"
        "                         own health; 400 for a malformed query\n"
        "     --listen ADDR:PORT  where to listen (default 127.0.0.1:9615; [V6]:PORT)\n"
        "     --max-probes N      probes at once (1-256, default 8); more wait, then 503\n"
        "     --probe-timeout S   deadline per probe (default 20, at most 3600; lowered to\n"
        "                         Prometheus' scrape timeout minus 0.5 s)\n"
        "     --ca-file FILE, --resolve ADDR[,ADDR], --warn-days N, --step-timeout S\n"
        "                         as for a diagnosis, for every probe\n"
        "   runs until SIGINT or SIGTERM; exit status 0, or 3 on usage errors or when it\n"
        "   cannot listen\n";

static const char usage_scan[] =
        "  scan [FILE|-]          diagnose every target of FILE (default: stdin), one per line:\n"
        "                         HOST[:PORT], an https:// or http:// URL, \"HOST[:PORT] ADDR\"\n"
        "                         (connect to ADDR with HOST's name) or zgrab2's "
        "ip,name,tag,port;\n"
        "                         # comments; duplicates scanned once; bad lines reported, "
        "skipped\n"
        "     --json              one compact JSON line per target, then a summary line\n"
        "     --profile P         quick (one handshake, the chain, the verdict; HTTP and side\n"
        "                         probes not checked) or full (default: the whole diagnosis)\n"
        "     --concurrency N     diagnoses in flight (1-4096, default 64)\n"
        "     --per-host N        at most N in flight to one address or name (default no limit)\n"
        "     --rate N[/s]        start at most N targets per second (default no limit)\n"
        "     --shard I/N         only the targets whose line hash modulo N is I (0-based; the\n"
        "                         same set on every retry: Kubernetes Indexed Jobs, GNU parallel)\n"
        "     --resume FILE       skip the targets already in FILE (an earlier --json output)\n"
        "     --db FILE           also store every result in the history database FILE\n"
        "                         (SQLite; docs/store.md): `tlsdoctor changes --db FILE`\n"
        "     --ca-file, --timeout (default 10), --step-timeout (default 5), --warn-days, --now\n"
        "                         as for one target; --no-progress: no progress line on stderr\n"
        "     --html FILE         the summary also as one self-contained HTML page\n"
        "   exit status: that of the worst target (2 > 3 > 1 > 0); 3 also for a usage error or\n"
        "   a file with no target. SIGINT / SIGTERM: no new target starts, those in flight get\n"
        "   one step timeout, the summary is written, the status is at least 3 (not every\n"
        "   target was seen); a second signal exits at once\n";

/* After the commands and listen's options. */
static const char usage_exit[] =
        "\n"
        "Exit status:\n"
        "  0  healthy            1  warnings only\n"
        "  2  failure found      3  usage or internal error (nothing diagnosed)\n"
        "\n"
        "Examples:\n"
        "  tlsdoctor example.com\n"
        "  tlsdoctor www.example.com --connect-to 203.0.113.10:443   # origin behind a CDN\n"
        "  tlsdoctor https://internal.example:8443/health --ca-file corp-root.pem --json\n";

int use_color(int no_color_flag)
{
    const char *nc = getenv("NO_COLOR");
    return !no_color_flag && (nc == NULL || nc[0] == '\0') && isatty(STDOUT_FILENO);
}

/* SECONDS of --timeout and --step-timeout: a decimal number, > 0 and at most 86400 (one
 * day). Only digits and one '.': no sign, exponent, hex, "inf" or "nan" from strtod. */
int parse_seconds(const char *s, double *out)
{
    char *end = NULL;
    size_t digits = strspn(s, "0123456789.");
    if (s[0] == '\0' || s[digits] != '\0' || strchr(s, '.') != strrchr(s, '.') ||
        strcmp(s, ".") == 0) {
        return -1;
    }
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || !(v > 0) || v > 86400) {
        return -1;
    }
    *out = v;
    return 0;
}

/* One argument for stderr: control bytes, backslashes and non-ASCII bytes become \xNN
 * (td_escape), so a hostile argument cannot drive the terminal. Returns buf. */
static const char *esc(char *buf, size_t cap, const char *arg)
{
    td_escape(buf, cap, (const uint8_t *)arg, strlen(arg));
    return buf;
}

/* fmt is always a literal with one %s; arg (user input or a message naming it) is escaped. */
int die_usage(const char *fmt, const char *arg)
{
    char msg[512], e[1024];
    td_fmt(msg, sizeof(msg), "%s", fmt);
    char *at = strstr(msg, "%s");
    if (at != NULL) {
        *at = '\0';
        fprintf(stderr, "tlsdoctor: %s%s%s\n", msg, esc(e, sizeof(e), arg), at + 2);
    } else {
        fprintf(stderr, "tlsdoctor: %s\n", msg);
    }
    fprintf(stderr, "Try 'tlsdoctor --help' for more information.\n");
    return EXIT_TOOL;
}

/* The library could not do its work: say why on stderr; exit status 3. */
int tool_error(const td_errinfo_t *err, int rc)
{
    char e[1024];
    fprintf(stderr, "tlsdoctor: %s\n",
            esc(e, sizeof(e), err->message[0] ? err->message : td_strerror(rc)));
    return EXIT_TOOL;
}

/* --html FILE: the page goes to a temporary file next to FILE, renamed when complete. Opened
 * before the diagnosis so that a wrong path costs no probing. Returns 0 or EXIT_TOOL. */
static int html_open(td_atomic_file_t *a, const char *path)
{
    char why[256], e[1024];
    if (td_atomic_open(a, path, why, sizeof(why)) < 0) {
        fprintf(stderr, "tlsdoctor: cannot write the HTML report to '%s': %s\n",
                esc(e, sizeof(e), path), why);
        return EXIT_TOOL;
    }
    return 0;
}

/* Finishes the page: rc is the renderer's result. Returns 0 or EXIT_TOOL (nothing left). */
static int html_close(td_atomic_file_t *a, int rc)
{
    char why[256], e[1024];
    if (rc < 0) {
        td_atomic_abort(a);
        fprintf(stderr, "tlsdoctor: cannot write the HTML report to '%s': %s\n",
                esc(e, sizeof(e), a->path), td_strerror(rc));
        return EXIT_TOOL;
    }
    if (td_atomic_commit(a, why, sizeof(why)) < 0) {
        fprintf(stderr, "tlsdoctor: cannot write the HTML report to '%s': %s\n",
                esc(e, sizeof(e), a->path), why);
        return EXIT_TOOL;
    }
    return 0;
}

/* Names and paths that end up in the report (--sni, --expect-*, --resolve, --dns-servers,
 * --ca-file) may not hold control bytes: the report would otherwise echo them to a terminal. */
static int has_control(const char *s)
{
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f) {
            return 1;
        }
    }
    return 0;
}

/* --dns-servers "ADDR[:PORT][,...]" (IPv6 with a port: [ADDR]:PORT): each port, when given,
 * must be 1-65535. The addresses themselves are checked by the resolver. */
static int check_server_ports(const char *list)
{
    char item[300];
    while (*list != '\0') {
        size_t n = strcspn(list, ",");
        if (n == 0 || n >= sizeof(item)) {
            return -1;
        }
        memcpy(item, list, n);
        item[n] = '\0';
        list += list[n] == ',' ? n + 1 : n;
        const char *colon = strrchr(item, ':');
        const char *port = NULL;
        if (item[0] == '[') {
            const char *close = strchr(item, ']');
            if (close == NULL || (close[1] != '\0' && close[1] != ':')) {
                return -1;
            }
            port = close[1] == ':' ? close + 2 : NULL;
        } else if (colon != NULL && strchr(item, ':') == colon) {
            port = colon + 1; /* one colon: IPv4 or name with a port; more: a bare IPv6 */
        }
        unsigned long v = 0;
        if (port != NULL && (td_parse_uint(port, 65535, &v) < 0 || v == 0)) {
            return -1;
        }
    }
    return 0;
}

/* Reads exactly n decimal digits at s into *out. */
static int digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* --since: "2026-11-22", "2026-11-22T10:00", "2026-11-22 10:00:05" (UTC; a trailing Z is
 * allowed), years 1970-9999; or a duration back from now: N followed by s, m, h or d, from 1
 * second up to 100 years (3153600000 s). Checked arithmetic: no input overflows. */
int parse_since(const char *s, int64_t *out)
{
    static const int64_t max_back = 3153600000; /* 100 years of 365 days, in seconds */
    size_t n = strlen(s);
    if (n >= 2 && strchr("smhd", s[n - 1]) != NULL && strspn(s, "0123456789") == n - 1) {
        int64_t mult = s[n - 1] == 's' ? 1 : s[n - 1] == 'm' ? 60 : s[n - 1] == 'h' ? 3600 : 86400;
        int64_t v = 0;
        for (size_t i = 0; i + 1 < n; i++) {
            if (v > (max_back / mult) / 10) {
                return -1;
            }
            v = v * 10 + (s[i] - '0');
        }
        if (v == 0 || v > max_back / mult) {
            return -1;
        }
        *out = (int64_t)time(NULL) - v * mult;
        return 0;
    }
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
    if (n > 0 && s[n - 1] == 'Z') {
        n--;
    }
    if ((n != 10 && n != 16 && n != 19) || digits(s, 4, &y) < 0 || s[4] != '-' ||
        digits(s + 5, 2, &mo) < 0 || s[7] != '-' || digits(s + 8, 2, &d) < 0) {
        return -1;
    }
    if (n >= 16 && ((s[10] != 'T' && s[10] != ' ') || digits(s + 11, 2, &h) < 0 || s[13] != ':' ||
                    digits(s + 14, 2, &mi) < 0)) {
        return -1;
    }
    if (n == 19 && (s[16] != ':' || digits(s + 17, 2, &sec) < 0)) {
        return -1;
    }
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) {
        return -1;
    }
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    *out = (int64_t)timegm(&tm);
    return 0;
}

static void print_event(const td_log_event_t *ev, void *user)
{
    int *failed = user;
    if (td_log_event_write_json(ev, stdout) < 0) {
        *failed = 1;
    }
}

/* --top N of the scanning commands: 1..1000. Returns 0 or EXIT_TOOL (after the message). */
static int parse_top(const char *v, int *top)
{
    unsigned long t = 0;
    if (td_parse_uint(v, 1000, &t) < 0 || t == 0) {
        return die_usage("invalid --top '%s' (1-1000)", v);
    }
    *top = (int)t;
    return 0;
}

/* An operand of the file-reading commands: an unknown option, or one more file (at most
 * 256). Returns 0 or EXIT_TOOL (after the message). */
static int take_file(const char *cmd, const char *a, const char **files, size_t *n)
{
    if (a[0] == '-' && a[1] != '\0') {
        char e[1024];
        fprintf(stderr, "tlsdoctor: %s: unknown option '%s'\n", cmd, esc(e, sizeof(e), a));
        fprintf(stderr, "Try 'tlsdoctor --help' for more information.\n");
        return EXIT_TOOL;
    }
    if (*n >= 256) {
        return die_usage("too many files (at most 256): '%s'", a);
    }
    files[(*n)++] = a;
    return 0;
}

static int print_conn(const td_pcap_conn_t *c, void *user)
{
    (void)user;
    return td_pcap_conn_write_json(c, stdout);
}

static int run_pcap(int argc, char **argv)
{
    td_pcap_options_t opt;
    const char *files[256];
    size_t n = 0;
    int json = 0, no_color = 0;
    const char *html = NULL;
    td_atomic_file_t page;
    memset(&opt, 0, sizeof(opt));
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0) {
            json = 1;
        } else if (strcmp(a, "--no-color") == 0) {
            no_color = 1;
        } else if (strcmp(a, "--html") == 0) {
            if (i + 1 >= argc) {
                return die_usage("option '%s' needs a value", a);
            }
            html = argv[++i];
        } else if (strcmp(a, "--threads") == 0) {
            unsigned long t = 0;
            if (i + 1 >= argc) {
                return die_usage("option '%s' needs a value", a);
            }
            if (td_parse_uint(argv[++i], TD_PCAP_MAX_THREADS, &t) < 0 || t == 0) {
                return die_usage("invalid --threads '%s' (1-64)", argv[i]);
            }
            opt.threads = (int)t;
        } else if (strcmp(a, "--filter") == 0 || strcmp(a, "--port") == 0 ||
                   strcmp(a, "--top") == 0) {
            if (i + 1 >= argc) {
                return die_usage("option '%s' needs a value", a);
            }
            const char *v = argv[++i];
            unsigned long t = 0;
            if (strcmp(a, "--filter") == 0) {
                opt.filter = v;
            } else if (strcmp(a, "--port") == 0) {
                if (td_parse_uint(v, 65535, &t) < 0 || t == 0) {
                    return die_usage("invalid --port '%s' (1-65535)", v);
                }
                if (opt.n_ports >= (int)(sizeof(opt.ports) / sizeof(opt.ports[0]))) {
                    return die_usage("too many --port options (at most 16): '%s'", v);
                }
                opt.ports[opt.n_ports++] = (uint16_t)t;
            } else if (parse_top(v, &opt.top) != 0) {
                return EXIT_TOOL;
            }
        } else if (take_file("pcap", a, files, &n) != 0) {
            return EXIT_TOOL;
        }
    }
    if (n == 0) {
        return die_usage("%s", "pcap: no capture file given (pcap or pcapng; - for stdin)");
    }
    opt.progress = isatty(STDERR_FILENO);
    opt.cb_concurrent = 1; /* print_conn: one fwrite per line, lines stay whole */
    if (html != NULL && html_open(&page, html) != 0) {
        return EXIT_TOOL;
    }
    td_pcap_summary_t *s = NULL;
    td_errinfo_t err;
    memset(&err, 0, sizeof(err));
    int rc = td_pcap_scan(&opt, files, n, json ? print_conn : NULL, NULL, &s, &err);
    if (rc < 0) {
        if (html != NULL) {
            td_atomic_abort(&page);
        }
        return tool_error(&err, rc);
    }
    rc = json ? td_pcap_summary_write_json(s, stdout)
              : td_pcap_summary_write_text(s, stdout, use_color(no_color));
    if (html != NULL && html_close(&page, td_pcap_summary_write_html(s, page.f)) != 0) {
        td_pcap_summary_free(s);
        return EXIT_TOOL;
    }
    uint64_t fails = td_pcap_summary_failures(s);
    td_pcap_summary_free(s);
    if (rc < 0) {
        fprintf(stderr, "tlsdoctor: cannot write the output\n");
        return EXIT_TOOL;
    }
    return fails > 0 ? EXIT_WARN : EXIT_HEALTHY;
}

/* ---- listen --------------------------------------------------------------------------- */

static volatile sig_atomic_t listen_stop;

static void on_stop_signal(int sig)
{
    (void)sig;
    listen_stop = 1;
}

static void listen_ready(const char *line, void *user)
{
    char e[1024];
    (void)user;
    fprintf(stderr, "tlsdoctor: %s\n", esc(e, sizeof(e), line));
    fflush(stderr);
}

struct listen_out {
    int json, color, failed;
};

static void listen_client(const td_listen_client_t *c, void *user)
{
    struct listen_out *o = user;
    int rc = o->json ? td_listen_client_write_json(c, stdout)
                     : td_listen_client_write_text(c, stdout, o->color);
    if (!o->json) {
        fputc('\n', stdout);
        fflush(stdout);
    }
    o->failed |= rc < 0;
}

/* "[ADDR:]PORT", "[V6]:PORT": PORT 0-65535 (0 takes a free port). */
static int parse_listen_at(const char *s, char *addr, size_t cap, uint16_t *port)
{
    const char *colon = strrchr(s, ':');
    const char *p = colon != NULL ? colon + 1 : s;
    unsigned long v = 0;
    addr[0] = '\0';
    if (colon != NULL) {
        size_t n = (size_t)(colon - s);
        if (s[0] == '[' && n >= 2 && s[n - 1] == ']') {
            s++;
            n -= 2;
        }
        if (n == 0 || n >= cap) {
            return -1;
        }
        memcpy(addr, s, n);
        addr[n] = '\0';
    }
    if (td_parse_uint(p, 65535, &v) < 0) {
        return -1;
    }
    *port = (uint16_t)v;
    return 0;
}

static int run_listen(int argc, char **argv)
{
    td_listen_options_t opt;
    struct listen_out out = { 0, 0, 0 };
    char addr[128];
    int no_color = 0, have_at = 0;
    memset(&opt, 0, sizeof(opt));
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0) {
            out.json = 1;
            continue;
        }
        if (strcmp(a, "--no-color") == 0) {
            no_color = 1;
            continue;
        }
        if (a[0] != '-') {
            if (have_at || parse_listen_at(a, addr, sizeof(addr), &opt.port) < 0) {
                return die_usage("listen: invalid or repeated [ADDR:]PORT '%s'", a);
            }
            opt.addr = addr[0] ? addr : NULL;
            have_at = 1;
            continue;
        }
        if (i + 1 >= argc) {
            return die_usage("option '%s' needs a value", a);
        }
        const char *v = argv[++i];
        unsigned long n = 0;
        double d = 0;
        if (has_control(v)) {
            return die_usage("invalid value '%s' (control characters are not allowed)", v);
        }
        if (strcmp(a, "--cert") == 0) {
            opt.cert_file = v;
        } else if (strcmp(a, "--key") == 0) {
            opt.key_file = v;
        } else if (strcmp(a, "--name") == 0) {
            opt.name = v;
        } else if (strcmp(a, "--save-cert") == 0) {
            opt.save_cert = v;
        } else if (strcmp(a, "--like") == 0) {
            opt.like = v;
        } else if (strcmp(a, "--ca-file") == 0) {
            opt.ca_file = v;
        } else if (strcmp(a, "--connect-to") == 0) {
            opt.connect_to = v;
        } else if (strcmp(a, "--count") == 0) {
            if (td_parse_uint(v, 1000000000UL, &n) < 0 || n == 0) {
                return die_usage("invalid --count '%s' (1-1000000000)", v);
            }
            opt.count = n;
        } else if (strcmp(a, "--duration") == 0 || strcmp(a, "--client-timeout") == 0) {
            if (parse_seconds(v, &d) < 0) {
                return die_usage("invalid seconds '%s' (more than 0, at most 86400)", v);
            }
            if (a[2] == 'd') {
                opt.duration_s = d;
            } else if (d > 3600) {
                return die_usage("invalid --client-timeout '%s' (at most 3600)", v);
            } else {
                opt.client_timeout_s = d;
            }
        } else if (strcmp(a, "--max-clients") == 0) {
            if (td_parse_uint(v, 256, &n) < 0 || n == 0) {
                return die_usage("invalid --max-clients '%s' (1-256)", v);
            }
            opt.max_clients = (int)n;
        } else if (strcmp(a, "--max-bytes") == 0) {
            if (td_parse_uint(v, 16777216, &n) < 0 || n < 1024) {
                return die_usage("invalid --max-bytes '%s' (1024-16777216)", v);
            }
            opt.max_bytes = n;
        } else if (strcmp(a, "--mss") == 0) {
            if (td_parse_uint(v, 65535, &n) < 0 || n < 88) {
                return die_usage("invalid --mss '%s' (88-65535)", v);
            }
            opt.mss = (int)n;
        } else {
            return die_usage("listen: unknown option '%s'", a);
        }
    }
    if (!have_at) {
        return die_usage("%s", "listen: no [ADDR:]PORT given (e.g. 8443, or 0 for a free port)");
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop_signal;
    (void)sigaction(SIGINT, &sa, NULL);
    (void)sigaction(SIGTERM, &sa, NULL);
    opt.stop = &listen_stop;
    opt.on_ready = listen_ready;
    out.color = use_color(no_color);
    td_listen_summary_t *s = NULL;
    td_errinfo_t err;
    memset(&err, 0, sizeof(err));
    int rc = td_listen(&opt, listen_client, &out, &s, &err);
    if (rc < 0) {
        return tool_error(&err, rc);
    }
    rc = out.json ? td_listen_summary_write_json(s, stdout)
                  : td_listen_summary_write_text(s, stdout, out.color);
    uint64_t fails = td_listen_summary_failures(s);
    td_listen_summary_free(s);
    if (rc < 0 || out.failed) {
        fprintf(stderr, "tlsdoctor: cannot write the output\n");
        return EXIT_TOOL;
    }
    return fails > 0 ? EXIT_WARN : EXIT_HEALTHY;
}

static int run_logs(int argc, char **argv)
{
    td_logs_options_t opt;
    const char *files[256];
    size_t n = 0;
    int json = 0, no_color = 0, write_failed = 0;
    const char *html = NULL;
    td_atomic_file_t page;
    memset(&opt, 0, sizeof(opt));
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0) {
            json = 1;
        } else if (strcmp(a, "--no-color") == 0) {
            no_color = 1;
        } else if (strcmp(a, "--html") == 0) {
            if (i + 1 >= argc) {
                return die_usage("option '%s' needs a value", a);
            }
            html = argv[++i];
        } else if (strcmp(a, "--format") == 0 || strcmp(a, "--since") == 0 ||
                   strcmp(a, "--top") == 0) {
            if (i + 1 >= argc) {
                return die_usage("option '%s' needs a value", a);
            }
            const char *v = argv[++i];
            if (strcmp(a, "--format") == 0) {
                int f = td_log_format_parse(v);
                if (f < 0) {
                    return die_usage("unknown --format '%s' (auto, nginx, apache, haproxy, f5, "
                                     "alb, cloudflare, lighttpd, caddy, traefik, go, envoy, iis, "
                                     "elb, mail, ingress-nginx)",
                                     v);
                }
                opt.format = (td_log_format_t)f;
            } else if (strcmp(a, "--since") == 0) {
                if (parse_since(v, &opt.since) < 0) {
                    return die_usage("invalid --since '%s' (a UTC date 1970-9999: "
                                     "2026-11-22[T10:00[:00]], or a duration of 1 s to 100 "
                                     "years: 90s, 30m, 24h, 7d)",
                                     v);
                }
            } else if (parse_top(v, &opt.top) != 0) {
                return EXIT_TOOL;
            }
        } else if (take_file("logs", a, files, &n) != 0) {
            return EXIT_TOOL;
        }
    }
    if (n == 0) {
        return die_usage("%s", "logs: no file given (use - for standard input)");
    }
    opt.progress = !json && isatty(STDERR_FILENO);
    opt.map_files = 1; /* the CLI has no SIGBUS handler of its own */
    if (html != NULL && html_open(&page, html) != 0) {
        return EXIT_TOOL;
    }
    td_logs_summary_t *s = NULL;
    td_errinfo_t err;
    memset(&err, 0, sizeof(err));
    int rc = td_logs_scan(&opt, files, n, json ? print_event : NULL, &write_failed, &s, &err);
    if (rc < 0) {
        if (html != NULL) {
            td_atomic_abort(&page);
        }
        return tool_error(&err, rc);
    }
    rc = json ? td_logs_summary_write_json(s, stdout)
              : td_logs_summary_write_text(s, stdout, use_color(no_color));
    if (html != NULL && html_close(&page, td_logs_summary_write_html(s, page.f)) != 0) {
        td_logs_summary_free(s);
        return EXIT_TOOL;
    }
    uint64_t events = td_logs_summary_events(s);
    td_logs_summary_free(s);
    if (rc < 0 || write_failed) {
        fprintf(stderr, "tlsdoctor: cannot write the output\n");
        return EXIT_TOOL;
    }
    return events > 0 ? EXIT_WARN : EXIT_HEALTHY;
}

static int run_explain(int argc, char **argv)
{
    int json = 0, no_color = 0;
    static char text[1 << 20]; /* 1 MiB: more is cut (only 4 KiB are examined anyway) */
    size_t len = 0;
    int words = 0;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (strcmp(argv[i], "--no-color") == 0) {
            no_color = 1;
        } else if (strcmp(argv[i], "-") == 0) {
            len += fread(text + len, 1, sizeof(text) - 1 - len, stdin);
            words++;
        } else {
            size_t n = strlen(argv[i]);
            if (len > 0 && len < sizeof(text) - 1) {
                text[len++] = ' ';
            }
            n = n < sizeof(text) - 1 - len ? n : sizeof(text) - 1 - len;
            memcpy(text + len, argv[i], n);
            len += n;
            words++;
        }
    }
    if (words == 0) {
        return die_usage("%s", "explain: give the code, message or log line to explain");
    }
    td_explain_t *x = NULL;
    if (td_explain(text, len, &x) < 0) {
        fprintf(stderr, "tlsdoctor: out of memory\n");
        return EXIT_TOOL;
    }
    int rc = json ? td_explain_write_json(x, stdout)
                  : td_explain_write_text(x, stdout, use_color(no_color));
    size_t known = td_explain_match_count(x);
    td_explain_free(x);
    if (rc < 0) {
        fprintf(stderr, "tlsdoctor: cannot write the output\n");
        return EXIT_TOOL;
    }
    return known > 0 ? EXIT_HEALTHY : EXIT_WARN;
}

static int run_compare(int argc, char **argv)
{
    td_options_t opt;
    td_target_t target;
    td_errinfo_t err;
    const char *vias[4];
    size_t n = 0;
    int json = 0, no_color = 0;
    const char *host_arg = NULL, *html = NULL;
    td_options_init(&opt);
    memset(&err, 0, sizeof(err));
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        bool has_value = strcmp(a, "--via") == 0 || strcmp(a, "--ca-file") == 0 ||
                         strcmp(a, "--timeout") == 0 || strcmp(a, "--sni") == 0 ||
                         strcmp(a, "--html") == 0;
        if (has_value && i + 1 >= argc) {
            return die_usage("option '%s' needs a value", a);
        }
        if (has_value && has_control(argv[i + 1])) {
            return die_usage("invalid value '%s' (control characters are not allowed)",
                             argv[i + 1]);
        }
        if (strcmp(a, "--via") == 0) {
            if (n == 4) {
                return die_usage("%s", "compare: at most 4 --via paths");
            }
            const char *v = argv[++i];
            td_target_t vt;
            if (strcmp(v, "dns") != 0 && strcmp(v, "-") != 0 && td_target_parse(v, &vt, NULL) < 0) {
                return die_usage("invalid --via '%s' (ADDR[:PORT] with a port 1-65535, or dns)", v);
            }
            vias[n++] = v;
        } else if (strcmp(a, "--ca-file") == 0) {
            opt.ca_file = argv[++i];
        } else if (strcmp(a, "--html") == 0) {
            html = argv[++i];
        } else if (strcmp(a, "--sni") == 0) {
            opt.sni = argv[++i];
        } else if (strcmp(a, "--timeout") == 0) {
            if (parse_seconds(argv[++i], &opt.timeout_s) < 0) {
                return die_usage("invalid --timeout '%s' (seconds: more than 0, at most 86400)",
                                 argv[i]);
            }
        } else if (strcmp(a, "--json") == 0) {
            json = 1;
        } else if (strcmp(a, "--no-color") == 0) {
            no_color = 1;
        } else if (a[0] == '-') {
            return die_usage("compare: unknown option '%s'", a);
        } else if (host_arg == NULL) {
            host_arg = a;
        } else {
            return die_usage("compare: unexpected argument '%s'", a);
        }
    }
    if (host_arg == NULL || n < 2) {
        return die_usage("%s", "compare: usage: tlsdoctor compare HOST[:PORT] --via ADDR[:PORT] "
                               "--via ADDR[:PORT] (or --via dns)");
    }
    if (td_target_parse(host_arg, &target, &err) < 0) {
        return die_usage("%s", err.message);
    }
    opt.host = target.host;
    opt.port = target.port;
    opt.path = target.path;
    td_atomic_file_t page;
    if (html != NULL && html_open(&page, html) != 0) {
        return EXIT_TOOL;
    }
    td_compare_t *x = NULL;
    int rc = td_compare(&opt, vias, n, &x, &err);
    if (rc < 0) {
        if (html != NULL) {
            td_atomic_abort(&page);
        }
        return tool_error(&err, rc);
    }
    rc = json ? td_compare_write_json(x, stdout)
              : td_compare_write_text(x, stdout, use_color(no_color));
    int code = td_compare_interception(x) != NULL ? EXIT_FAIL
               : td_compare_differences(x) > 0    ? EXIT_WARN
                                                  : EXIT_HEALTHY;
    if (html != NULL && html_close(&page, td_compare_write_html(x, page.f)) != 0) {
        code = EXIT_TOOL;
    }
    td_compare_free(x);
    if (rc < 0) {
        fprintf(stderr, "tlsdoctor: cannot write the output\n");
        return EXIT_TOOL;
    }
    return code;
}

static int run_lab(int argc, char **argv)
{
    int no_color = 0, verbose = 0, all_ok = 0;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--no-color") == 0) {
            no_color = 1;
        } else if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0) {
            verbose = 1;
        } else {
            return die_usage("lab: unknown option '%s'", argv[i]);
        }
    }
    int rc = td_lab_run(stdout, use_color(no_color), verbose, &all_ok);
    if (rc < 0) {
        fprintf(stderr, "tlsdoctor: lab could not start: %s\n", td_strerror(rc));
        return EXIT_TOOL;
    }
    return all_ok ? EXIT_HEALTHY : EXIT_FAIL;
}

/* ---- scan: the fleet scan ---------------------------------------------------------------- */

static volatile int scan_stop;

/* First SIGINT / SIGTERM: stop starting targets, write the summary; the second: leave now. */
static void scan_signal(int sig)
{
    if (scan_stop) {
        _exit(128 + sig);
    }
    scan_stop = 1;
}

static int run_scan(int argc, char **argv)
{
    td_scan_options_t so;
    memset(&so, 0, sizeof(so));
    td_options_init(&so.diag);
    so.diag.timeout_s = 10; /* a fleet: shorter than one target's default */
    so.diag.step_timeout_s = 5;
    const char *file = NULL;
    const char *db = NULL; /* --db FILE: every result into the history (docs/store.md) */
    const char *html = NULL;
    td_atomic_file_t page;
    td_store_sink_t sink;
    int no_color = 0, no_progress = 0;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        int has_value = strcmp(a, "--concurrency") == 0 || strcmp(a, "--per-host") == 0 ||
                        strcmp(a, "--rate") == 0 || strcmp(a, "--profile") == 0 ||
                        strcmp(a, "--shard") == 0 || strcmp(a, "--resume") == 0 ||
                        strcmp(a, "--ca-file") == 0 || strcmp(a, "--timeout") == 0 ||
                        strcmp(a, "--step-timeout") == 0 || strcmp(a, "--warn-days") == 0 ||
                        strcmp(a, "--now") == 0 || strcmp(a, "--db") == 0 ||
                        strcmp(a, "--html") == 0;
        if (has_value && i + 1 >= argc) {
            return die_usage("option '%s' needs a value", a);
        }
        const char *v = has_value ? argv[++i] : NULL;
        unsigned long n = 0;
        if (strcmp(a, "--json") == 0) {
            so.json = 1;
        } else if (strcmp(a, "--no-color") == 0) {
            no_color = 1;
        } else if (strcmp(a, "--no-progress") == 0) {
            no_progress = 1;
        } else if (strcmp(a, "--concurrency") == 0) {
            if (td_parse_uint(v, 4096, &n) < 0 || n == 0) {
                return die_usage("invalid --concurrency '%s' (1-4096)", v);
            }
            so.concurrency = (int)n;
        } else if (strcmp(a, "--per-host") == 0) {
            if (td_parse_uint(v, 4096, &n) < 0 || n == 0) {
                return die_usage("invalid --per-host '%s' (1-4096)", v);
            }
            so.per_host = (int)n;
        } else if (strcmp(a, "--rate") == 0) {
            char num[32];
            size_t len = strcspn(v, "/");
            if (len == 0 || len >= sizeof(num) || (v[len] != '\0' && strcmp(v + len, "/s") != 0)) {
                return die_usage("invalid --rate '%s' (targets per second: N or N/s, 1-1000000)",
                                 v);
            }
            memcpy(num, v, len);
            num[len] = '\0';
            if (td_parse_uint(num, 1000000, &n) < 0 || n == 0) {
                return die_usage("invalid --rate '%s' (targets per second: N or N/s, 1-1000000)",
                                 v);
            }
            so.rate = (double)n;
        } else if (strcmp(a, "--profile") == 0) {
            if (strcmp(v, "quick") == 0) {
                so.diag.profile = TD_PROFILE_QUICK;
            } else if (strcmp(v, "full") == 0) {
                so.diag.profile = TD_PROFILE_FULL;
            } else {
                return die_usage("invalid --profile '%s' (quick or full)", v);
            }
        } else if (strcmp(a, "--shard") == 0) {
            char idx[16];
            unsigned long si = 0, sn = 0;
            size_t len = strcspn(v, "/");
            if (v[len] != '/' || len == 0 || len >= sizeof(idx)) {
                return die_usage("invalid --shard '%s' (I/N: 0 <= I < N <= 65536)", v);
            }
            memcpy(idx, v, len);
            idx[len] = '\0';
            if (td_parse_uint(idx, 65535, &si) < 0 || td_parse_uint(v + len + 1, 65536, &sn) < 0 ||
                sn == 0 || si >= sn) {
                return die_usage("invalid --shard '%s' (I/N: 0 <= I < N <= 65536)", v);
            }
            so.shard_index = (unsigned)si;
            so.shard_count = (unsigned)sn;
        } else if (strcmp(a, "--resume") == 0) {
            so.resume = v;
        } else if (strcmp(a, "--db") == 0) {
            db = v;
        } else if (strcmp(a, "--html") == 0) {
            html = v;
        } else if (strcmp(a, "--ca-file") == 0) {
            if (has_control(v) || access(v, R_OK) != 0) {
                return die_usage("cannot read CA file '%s' (check the path and permissions)", v);
            }
            so.diag.ca_file = v;
        } else if (strcmp(a, "--timeout") == 0 || strcmp(a, "--step-timeout") == 0) {
            double *dst = a[2] == 't' ? &so.diag.timeout_s : &so.diag.step_timeout_s;
            if (parse_seconds(v, dst) < 0) {
                return die_usage("invalid timeout '%s' (seconds: more than 0, at most 86400)", v);
            }
        } else if (strcmp(a, "--warn-days") == 0) {
            if (td_parse_uint(v, 3650, &n) < 0) {
                return die_usage("invalid --warn-days '%s' (0-3650)", v);
            }
            so.diag.warn_days = n == 0 ? -1 : (int)n;
        } else if (strcmp(a, "--now") == 0) {
            if (td_parse_uint(v, 32503680000UL, &n) < 0 || n == 0) {
                return die_usage("invalid --now '%s' (Unix seconds, 1-32503680000)", v);
            }
            so.diag.now = (int64_t)n;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_text, stdout);
            fputs(usage_commands, stdout);
            fputs(usage_scan, stdout);
            fputs(usage_exit, stdout);
            return EXIT_HEALTHY;
        } else if (a[0] == '-' && a[1] != '\0') {
            return die_usage("scan: unknown option '%s'", a);
        } else if (file != NULL) {
            return die_usage("scan: one target file only ('%s')", a);
        } else {
            file = a;
        }
    }
    if (so.diag.step_timeout_s > so.diag.timeout_s) {
        so.diag.step_timeout_s = so.diag.timeout_s;
    }
    if (file == NULL) {
        file = "-";
    }
    FILE *in = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
    if (in == NULL) {
        return die_usage("scan: cannot open '%s'", file);
    }
    if (html != NULL && html_open(&page, html) != 0) {
        if (in != stdin) {
            fclose(in);
        }
        return EXIT_TOOL;
    }
    so.html = html != NULL ? page.f : NULL;
    if (db != NULL) {
        if (scan_store_begin(db, &sink) != 0) {
            if (in != stdin) {
                fclose(in);
            }
            if (html != NULL) {
                td_atomic_abort(&page);
            }
            return EXIT_TOOL;
        }
        so.on_result = td_store_scan_result;
        so.ctx = &sink;
    }
    so.color = use_color(no_color);
    so.progress = !no_progress && isatty(STDERR_FILENO);
    so.stop = &scan_stop;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = scan_signal;
    (void)sigaction(SIGINT, &sa, NULL);
    (void)sigaction(SIGTERM, &sa, NULL);
    td_errinfo_t err;
    memset(&err, 0, sizeof(err));
    int code = EXIT_TOOL;
    int rc = td_scan(&so, in, strcmp(file, "-") == 0 ? "stdin" : file, stdout, stderr, &code, &err);
    if (in != stdin) {
        fclose(in);
    }
    if (html != NULL && rc < 0) {
        td_atomic_abort(&page); /* nothing was scanned: no page */
    } else if (html != NULL && html_close(&page, ferror(page.f) ? TD_E_IO : 0) != 0) {
        code = EXIT_TOOL;
    }
    /* The run is ended even after an error or a signal: its results stay in the history. */
    if (db != NULL && scan_store_end(&sink) != 0) {
        return EXIT_TOOL;
    }
    if (rc < 0) {
        return tool_error(&err, rc);
    }
    return code;
}

int main(int argc, char **argv)
{
    enum {
        O_SNI = 256,
        O_CONNECT_TO,
        O_CA_FILE,
        O_TIMEOUT,
        O_STEP,
        O_WARN,
        O_JSON,
        O_NOCOLOR,
        O_NOW,
        O_EXPECT_ADDR,
        O_EXPECT_CNAME,
        O_RESOLVE,
        O_DNS_SERVERS,
        O_MATRIX,
        O_PARALLEL,
        O_HTTP_PORT,
        O_DB,
        O_HTML
    };
    static const struct option longopts[] = {
        { "sni", required_argument, NULL, O_SNI },
        { "connect-to", required_argument, NULL, O_CONNECT_TO },
        { "ca-file", required_argument, NULL, O_CA_FILE },
        { "timeout", required_argument, NULL, O_TIMEOUT },
        { "step-timeout", required_argument, NULL, O_STEP },
        { "warn-days", required_argument, NULL, O_WARN },
        { "json", no_argument, NULL, O_JSON },
        { "no-color", no_argument, NULL, O_NOCOLOR },
        { "now", required_argument, NULL, O_NOW },
        { "expect-addr", required_argument, NULL, O_EXPECT_ADDR },
        { "expect-cname", required_argument, NULL, O_EXPECT_CNAME },
        { "resolve", required_argument, NULL, O_RESOLVE },
        { "dns-servers", required_argument, NULL, O_DNS_SERVERS },
        { "matrix", no_argument, NULL, O_MATRIX },
        { "parallel", required_argument, NULL, O_PARALLEL },
        { "http-port", required_argument, NULL, O_HTTP_PORT },
        { "db", required_argument, NULL, O_DB },
        { "html", required_argument, NULL, O_HTML },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    td_options_t opt;
    td_target_t target;
    td_errinfo_t err;
    int json = 0, no_color = 0, c;
    static char expect_addrs[600];
    const char *db = NULL;
    const char *html = NULL;
    td_atomic_file_t page;

    /* OpenSSL writes to sockets with write(): a peer that closed must not kill us. */
    (void)signal(SIGPIPE, SIG_IGN);
    if (argc >= 2 && strcmp(argv[1], "lab") == 0) {
        return run_lab(argc, argv);
    }
    if (argc >= 2 && strcmp(argv[1], "compare") == 0) {
        return run_compare(argc, argv);
    }
    if (argc >= 2 && strcmp(argv[1], "explain") == 0) {
        return run_explain(argc, argv);
    }
    if (argc >= 2 && strcmp(argv[1], "logs") == 0) {
        return run_logs(argc, argv);
    }
    if (argc >= 2 && strcmp(argv[1], "pcap") == 0) {
        return run_pcap(argc, argv);
    }
    if (argc >= 2 && strcmp(argv[1], "changes") == 0) {
        return run_changes(argc, argv);
    }
    if (argc >= 2 && strcmp(argv[1], "exporter") == 0) {
        return run_exporter(argc, argv);
    }
    if (argc >= 2 && strcmp(argv[1], "listen") == 0) {
        return run_listen(argc, argv);
    }
    if (argc >= 2 && strcmp(argv[1], "scan") == 0) {
        return run_scan(argc, argv);
    }
    td_options_init(&opt);
    memset(&err, 0, sizeof(err));
    if (argc >= 2 && strcmp(argv[1], "matrix") == 0) {
        opt.matrix = 1; /* "tlsdoctor matrix ARGS" is "tlsdoctor --matrix ARGS" */
        argv[1] = argv[0];
        argv++;
        argc--;
    }
    opterr = 0;
    int li = -1;
    while ((c = getopt_long(argc, argv, ":vhV", longopts, &li)) != -1) {
        if (optarg != NULL && has_control(optarg)) {
            char msg[160];
            td_fmt(msg, sizeof(msg), "invalid --%s '%%s' (control characters are not allowed)",
                   li >= 0 ? longopts[li].name : "option");
            return die_usage(msg, optarg);
        }
        li = -1;
        switch (c) {
        case O_SNI:
            opt.sni = optarg;
            break;
        case O_MATRIX:
            opt.matrix = 1;
            break;
        case O_PARALLEL: {
            unsigned long n = 0;
            if (td_parse_uint(optarg, 16, &n) < 0 || n < 1) {
                return die_usage("invalid --parallel '%s' (1-16)", optarg);
            }
            opt.matrix_parallel = (int)n;
            break;
        }
        case O_HTTP_PORT: {
            unsigned long n = 0;
            if (td_parse_uint(optarg, 65535, &n) < 0 || n < 1) {
                return die_usage("invalid --http-port '%s' (1-65535)", optarg);
            }
            opt.http_port = (uint16_t)n;
            break;
        }
        case O_CONNECT_TO:
            opt.connect_to = optarg;
            break;
        case O_DB:
            db = optarg;
            break;
        case O_CA_FILE:
            opt.ca_file = optarg;
            if (access(optarg, R_OK) != 0) {
                return die_usage("cannot read CA file '%s' (check the path and permissions)",
                                 optarg);
            }
            break;
        case O_TIMEOUT:
            if (parse_seconds(optarg, &opt.timeout_s) < 0) {
                return die_usage("invalid --timeout '%s' (seconds: more than 0, at most 86400)",
                                 optarg);
            }
            break;
        case O_STEP:
            if (parse_seconds(optarg, &opt.step_timeout_s) < 0) {
                return die_usage(
                        "invalid --step-timeout '%s' (seconds: more than 0, at most 86400)",
                        optarg);
            }
            break;
        case O_WARN: {
            unsigned long d = 0;
            if (td_parse_uint(optarg, 3650, &d) < 0) {
                return die_usage("invalid --warn-days '%s' (0-3650)", optarg);
            }
            opt.warn_days = d == 0 ? -1 : (int)d;
            break;
        }
        case O_JSON:
            json = 1;
            break;
        case O_HTML:
            html = optarg;
            break;
        case O_EXPECT_ADDR:
            /* Repeatable: collected into one comma-separated list. */
            if (expect_addrs[0] != '\0') {
                td_fmt_append(expect_addrs, sizeof(expect_addrs), ",");
            }
            td_fmt_append(expect_addrs, sizeof(expect_addrs), "%s", optarg);
            opt.expect_addrs = expect_addrs;
            break;
        case O_EXPECT_CNAME:
            opt.expect_cname = optarg;
            break;
        case O_RESOLVE:
            opt.resolve = optarg;
            break;
        case O_DNS_SERVERS:
            if (check_server_ports(optarg) < 0) {
                return die_usage("invalid --dns-servers '%s' (ADDR[:PORT][,...], IPv6 as "
                                 "[ADDR]:PORT, ports 1-65535)",
                                 optarg);
            }
            opt.dns_servers = optarg;
            break;
        case O_NOW: {
            unsigned long t = 0;
            if (td_parse_uint(optarg, 32503680000ul, &t) < 0 || t == 0) {
                return die_usage("invalid --now '%s' (Unix seconds, 1-32503680000)", optarg);
            }
            opt.now = (int64_t)t;
            break;
        }
        case O_NOCOLOR:
            no_color = 1;
            break;
        case 'v':
            opt.verbose = 1;
            break;
        case 'h':
            fputs(usage_text, stdout);
            fputs(usage_commands, stdout);
            fputs(usage_scan, stdout);
            fputs(usage_listen, stdout);
            fputs(usage_monitor, stdout);
            fputs(usage_exit, stdout);
            return EXIT_HEALTHY;
        case 'V':
            printf("tlsdoctor %s\n", TD_VERSION);
            return EXIT_HEALTHY;
        case ':':
            return die_usage("option '%s' needs a value", argv[optind - 1]);
        case '?':
        default:
            return die_usage("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc) {
        return die_usage("%s", "no target given");
    }
    if (optind + 1 < argc) {
        return die_usage("unexpected argument '%s' (one target at a time)", argv[optind + 1]);
    }
    if (td_target_parse(argv[optind], &target, &err) < 0) {
        return die_usage("%s", err.message);
    }
    opt.host = target.host;
    opt.port = target.port;
    opt.path = target.path;
    opt.plain_http = target.scheme_http; /* http://: plain HTTP is what the user asked about */
    if (opt.plain_http && opt.matrix) {
        return die_usage("%s", "the handshake matrix needs a TLS target (https:// or HOST[:PORT])");
    }
    if (html != NULL && html_open(&page, html) != 0) {
        return EXIT_TOOL;
    }
    td_report_t *r = NULL;
    double t0 = td_now_ms();
    int rc = td_diagnose(&opt, &r, &err);
    if (db != NULL) {
        /* --db: this diagnosis is a run of one target in the history; its key is the target
         * as given, with the --connect-to path when there is one. */
        char key[600];
        td_fmt(key, sizeof(key), "%s%s%s", argv[optind], opt.connect_to ? " --connect-to " : "",
               opt.connect_to ? opt.connect_to : "");
        if (store_one(db, key, r, rc < 0 ? err.message : NULL, (td_now_ms() - t0) / 1000.0) != 0) {
            if (html != NULL) {
                td_atomic_abort(&page);
            }
            td_report_free(r);
            return EXIT_TOOL;
        }
    }
    if (rc < 0) {
        if (html != NULL) {
            td_atomic_abort(&page);
        }
        return tool_error(&err, rc);
    }
    rc = json ? td_report_write_json(r, stdout)
              : td_report_write_text(r, stdout, use_color(no_color));
    int verdict = td_report_exit_code(r);
    if (html != NULL && html_close(&page, td_report_write_html(r, page.f)) != 0) {
        verdict = EXIT_TOOL;
    }
    td_report_free(r);
    if (rc < 0) {
        fprintf(stderr, "tlsdoctor: cannot write the report: %s\n", td_strerror(rc));
        return EXIT_TOOL;
    }
    return verdict; /* EXIT_HEALTHY, EXIT_WARN, EXIT_FAIL, or EXIT_TOOL (3) for "unknown" */
}
