/* main.c: the tlsdoctor command: parses options, calls the library, prints, exits.
 * A thin client of tlsdoctor.h (curl's src/ over lib/); the only place that calls exit codes. */
#define _POSIX_C_SOURCE 200809L
#include "tlsdoctor.h"

#include "../util/td_util.h"

#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Exit codes (monitoring-plugin convention); documented in --help and docs/tlsdoctor.1. */
enum {
    EXIT_HEALTHY = 0,
    EXIT_WARN = 1,
    EXIT_FAIL = 2,
    EXIT_TOOL = 3,
};

static const char usage_text[] =
        "Usage: tlsdoctor [OPTIONS] HOST[:PORT] | https://HOST[:PORT]/PATH\n"
        "       tlsdoctor lab [--no-color] [-v]\n"
        "\n"
        "Finds why a TLS handshake fails: walks DNS, TCP, the protocol on the port, the TLS\n"
        "handshake, the certificate chain and HTTP, and names the root cause first.\n"
        "\n"
        "Options:\n"
        "  --sni NAME             send NAME as SNI (default: HOST; none for an IP)\n"
        "  --connect-to ADDR[:PORT]\n"
        "                         connect to ADDR but keep HOST for SNI, Host header and\n"
        "                         certificate name checks (test an origin behind a CDN)\n"
        "  --ca-file FILE         trust the PEM certificates in FILE instead of the system store\n"
        "  --timeout SECONDS      deadline for the whole diagnosis (default 30)\n"
        "  --step-timeout SECONDS deadline for each network step (default 8)\n"
        "  --warn-days DAYS       warn when the certificate expires within DAYS (default 21)\n"
        "  --json                 print the JSON report (docs/json.md, schema_version 1)\n"
        "  --no-color             no colours (also when NO_COLOR is set or not a terminal)\n"
        "  -v, --verbose          print progress on standard error\n"
        "  -h, --help             this help\n"
        "  -V, --version          print the version\n"
        "\n"
        "Commands:\n"
        "  lab                    start built-in broken servers on 127.0.0.1 and diagnose each\n"
        "\n"
        "Exit status:\n"
        "  0  healthy            1  warnings only\n"
        "  2  failure found      3  usage or internal error (nothing diagnosed)\n"
        "\n"
        "Examples:\n"
        "  tlsdoctor example.com\n"
        "  tlsdoctor www.example.com --connect-to 203.0.113.10:443   # origin behind a CDN\n"
        "  tlsdoctor https://internal.example:8443/health --ca-file corp-root.pem --json\n";

static int use_color(int no_color_flag)
{
    const char *nc = getenv("NO_COLOR");
    return !no_color_flag && (nc == NULL || nc[0] == '\0') && isatty(STDOUT_FILENO);
}

static int parse_seconds(const char *s, double *out)
{
    char *end = NULL;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || !(v > 0) || v > 86400) {
        return -1;
    }
    *out = v;
    return 0;
}

/* fmt is always a literal with one %s. */
static int die_usage(const char *fmt, const char *arg)
{
    char msg[512];
    td_fmt(msg, sizeof(msg), "%s", fmt);
    char *at = strstr(msg, "%s");
    if (at != NULL) {
        *at = '\0';
        fprintf(stderr, "tlsdoctor: %s%s%s\n", msg, arg, at + 2);
    } else {
        fprintf(stderr, "tlsdoctor: %s\n", msg);
    }
    fprintf(stderr, "Try 'tlsdoctor --help' for more information.\n");
    return EXIT_TOOL;
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

int main(int argc, char **argv)
{
    enum { O_SNI = 256, O_CONNECT_TO, O_CA_FILE, O_TIMEOUT, O_STEP, O_WARN, O_JSON, O_NOCOLOR };
    static const struct option longopts[] = {
        { "sni", required_argument, NULL, O_SNI },
        { "connect-to", required_argument, NULL, O_CONNECT_TO },
        { "ca-file", required_argument, NULL, O_CA_FILE },
        { "timeout", required_argument, NULL, O_TIMEOUT },
        { "step-timeout", required_argument, NULL, O_STEP },
        { "warn-days", required_argument, NULL, O_WARN },
        { "json", no_argument, NULL, O_JSON },
        { "no-color", no_argument, NULL, O_NOCOLOR },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    td_options_t opt;
    td_target_t target;
    td_errinfo_t err;
    int json = 0, no_color = 0, c;

    /* OpenSSL writes to sockets with write(): a peer that closed must not kill us. */
    (void)signal(SIGPIPE, SIG_IGN);
    if (argc >= 2 && strcmp(argv[1], "lab") == 0) {
        return run_lab(argc, argv);
    }
    td_options_init(&opt);
    memset(&err, 0, sizeof(err));
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":vhV", longopts, NULL)) != -1) {
        switch (c) {
        case O_SNI:
            opt.sni = optarg;
            break;
        case O_CONNECT_TO:
            opt.connect_to = optarg;
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
                return die_usage("invalid --timeout '%s' (seconds, > 0)", optarg);
            }
            break;
        case O_STEP:
            if (parse_seconds(optarg, &opt.step_timeout_s) < 0) {
                return die_usage("invalid --step-timeout '%s' (seconds, > 0)", optarg);
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
        case O_NOCOLOR:
            no_color = 1;
            break;
        case 'v':
            opt.verbose = 1;
            break;
        case 'h':
            fputs(usage_text, stdout);
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
    td_report_t *r = NULL;
    int rc = td_diagnose(&opt, &r, &err);
    if (rc < 0) {
        fprintf(stderr, "tlsdoctor: %s\n", err.message[0] ? err.message : td_strerror(rc));
        return EXIT_TOOL;
    }
    rc = json ? td_report_write_json(r, stdout)
              : td_report_write_text(r, stdout, use_color(no_color));
    td_severity_t worst = td_report_worst(r);
    td_report_free(r);
    if (rc < 0) {
        fprintf(stderr, "tlsdoctor: cannot write the report: %s\n", td_strerror(rc));
        return EXIT_TOOL;
    }
    return worst == TD_SEV_FAIL ? EXIT_FAIL : worst == TD_SEV_WARN ? EXIT_WARN : EXIT_HEALTHY;
}
