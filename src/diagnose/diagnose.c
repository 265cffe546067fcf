/* diagnose.c: runs the rule table over observations and orders the findings so the root
 * cause (the earliest failing layer's first finding) comes first. Never does I/O. */
#include "diagnose.h"

#include "../kb/fixes.h"
#include "../kb/kb.h"

#include <string.h>

static int rank(const td_report_t *r, const td_finding_store_t *f)
{
    (void)r;
    /* Failures before warnings; within a severity, by layer, then table order (stable). */
    /* fail 3, unknown 2, warn 1, ok 0: the higher, the earlier; summaries and hygiene after
     * the specific findings of the same severity. */
    return (3 - td__severity_rank(f->pub.severity)) * 100 + (f->rank_last ? 50 : 0) +
           (int)f->pub.layer;
}

/* An earlier finding matches unless: an exact id, or a prefix when it ends in '.'. */
static bool explained(const td_report_t *r, const char *unless)
{
    size_t n = strlen(unless);
    bool prefix = n > 0 && unless[n - 1] == '.';
    for (size_t i = 0; i < r->n; i++) {
        if (prefix ? strncmp(r->f[i].pub.id, unless, n) == 0
                   : strcmp(r->f[i].pub.id, unless) == 0) {
            return true;
        }
    }
    return false;
}

static bool failed(const td_report_t *r)
{
    for (size_t i = 0; i < r->n; i++) {
        if (r->f[i].pub.severity == TD_SEV_FAIL) {
            return true;
        }
    }
    return false;
}

/* Replaces the placeholders HOST:PORT, HOST and PORT in a fix with the diagnosed target, so
 * that the verification command can be pasted as it is. With --connect-to, HOST:PORT is the
 * address actually connected to (the name stays in -servername / Host). */
static void fill_placeholders(const td_obs_t *o, char *fix, size_t cap)
{
    char out[sizeof(((td_finding_store_t *)0)->fix)];
    char hostport[320];
    char port[8];
    const td_obs_tcp_attempt_t *a = o->tcp.chosen >= 0 ? &o->tcp.a[o->tcp.chosen] : NULL;
    td_fmt(port, sizeof(port), "%u", (unsigned)o->port);
    if (o->connect_to[0] != '\0' && a != NULL) {
        td_fmt(hostport, sizeof(hostport), strchr(a->addr, ':') ? "[%s]:%u" : "%s:%u", a->addr,
               (unsigned)a->port);
    } else {
        td_fmt(hostport, sizeof(hostport), strchr(o->host, ':') ? "[%s]:%u" : "%s:%u", o->host,
               (unsigned)o->port);
    }
    size_t w = 0;
    out[0] = '\0';
    for (size_t i = 0; fix[i] != '\0' && w + 1 < sizeof(out);) {
        const char *rep = NULL;
        size_t skip = 0;
        if (strncmp(fix + i, "HOST:PORT", 9) == 0) {
            rep = hostport;
            skip = 9;
        } else if (strncmp(fix + i, "HOST", 4) == 0) {
            rep = o->host;
            skip = 4;
        } else if (strncmp(fix + i, "PORT", 4) == 0) {
            rep = port;
            skip = 4;
        }
        if (rep != NULL) {
            td_fmt_append(out, sizeof(out), "%s", rep);
            w = strlen(out);
            i += skip;
        } else {
            out[w++] = fix[i++];
            out[w] = '\0';
        }
    }
    td_strlcpy(fix, out, cap);
}

struct sw_sign {
    const char *needle; /* in a Server header, case-insensitive prefix match */
    const char *name;
};

/* Server header values of the servers we have fixes for. */
static const struct sw_sign sw_signs[] = { { "nginx", "nginx" },       { "openresty", "nginx" },
                                           { "tengine", "nginx" },     { "apache", "apache" },
                                           { "lighttpd", "lighttpd" }, { "microsoft-iis", "iis" },
                                           { "haproxy", "haproxy" } };

static const char *sw_from_header(const char *v)
{
    for (size_t i = 0; i < TD_ARRAY_LEN(sw_signs); i++) {
        size_t n = strlen(sw_signs[i].needle);
        size_t k = 0;
        while (k < n && v[k] != '\0' && (char)(v[k] | 0x20) == sw_signs[i].needle[k]) {
            k++;
        }
        if (k == n) {
            return sw_signs[i].name;
        }
    }
    return NULL;
}

const char *td__server_software(const td_obs_t *o, char *evidence, size_t cap)
{
    const struct {
        const td_http_head_t *h;
        const char *where;
    } heads[] = { { &o->http.head, "HTTPS response" },
                  { &o->plain.head, "plain HTTP reply" },
                  { &o->port80.head, "port 80 reply" } };
    for (size_t i = 0; i < TD_ARRAY_LEN(heads); i++) {
        const char *sw = sw_from_header(heads[i].h->server);
        if (sw != NULL) {
            td_fmt(evidence, cap, "Server: %s (%s)", heads[i].h->server, heads[i].where);
            return sw;
        }
    }
    /* The servers' own built-in pages, which they send with or without a Server header
     * (wire/sniff.c lists the phrases and their sources). */
    const struct {
        const char *sw;
        const char *sign;
        const char *where;
    } pages[] = { { o->http.page_software, o->http.page_sign, "HTTPS response" },
                  { o->plain.sniff.page_software, o->plain.sniff.page_sign,
                    "reply to plain HTTP on the TLS port" },
                  { o->port80.sniff.page_software, o->port80.sniff.page_sign, "port 80 reply" } };
    for (size_t i = 0; i < TD_ARRAY_LEN(pages); i++) {
        if (pages[i].sw != NULL) {
            td_fmt(evidence, cap, "built-in page \"%s\" (%s)", pages[i].sign, pages[i].where);
            return pages[i].sw;
        }
    }
    /* A proxy's generated placeholder certificate (kb/certsigns.c). */
    if (o->cert.step == TD_STEP_DONE && o->cert.n > 0) {
        const td_placeholder_cert_t *p =
                td_placeholder_cert(o->cert.c[0].subject, o->cert.c[0].sans);
        if (p != NULL) {
            td_fmt(evidence, cap, "%s's placeholder certificate (%s)", p->product,
                   o->cert.c[0].subject);
            return p->software;
        }
    }
    return NULL;
}

void td__diagnose(td_report_t *r)
{
    r->server_software =
            td__server_software(&r->obs, r->server_evidence, sizeof(r->server_evidence));
    size_t n = 0;
    const td_rule_t *rules = td__rules(&n);
    r->n = 0;
    r->has_root = 0;
    for (size_t i = 0; i < n && r->n < TD_MAX_FINDINGS; i++) {
        td_finding_store_t *f = &r->f[r->n];
        memset(f, 0, sizeof(*f));
        td_strlcpy(f->cause, rules[i].cause, sizeof(f->cause));
        const char *specific = td_fix_for(rules[i].id, r->server_software);
        td_strlcpy(f->fix, specific != NULL ? specific : rules[i].fix, sizeof(f->fix));
        td_rule_out_t out = { f->cause, sizeof(f->cause), f->evidence,   sizeof(f->evidence),
                              f->fix,   sizeof(f->fix),   rules[i].layer };
        if (rules[i].unless != NULL && explained(r, rules[i].unless)) {
            continue;
        }
        if (rules[i].only_without_fail && failed(r)) {
            continue;
        }
        if (!rules[i].match(&r->obs, &out)) {
            continue;
        }
        fill_placeholders(&r->obs, f->fix, sizeof(f->fix));
        f->pub.id = rules[i].id;
        f->pub.severity = rules[i].severity;
        f->pub.layer = out.layer;
        f->rank_last = rules[i].rank_last;
        f->pub.title = rules[i].title;
        r->n++;
    }
    /* Stable insertion sort by rank: n is small. */
    for (size_t i = 1; i < r->n; i++) {
        td_finding_store_t tmp = r->f[i];
        size_t j = i;
        while (j > 0 && rank(r, &r->f[j - 1]) > rank(r, &tmp)) {
            r->f[j] = r->f[j - 1];
            j--;
        }
        r->f[j] = tmp;
    }
    for (size_t i = 0; i < r->n; i++) {
        r->f[i].pub.cause = r->f[i].cause;
        r->f[i].pub.evidence = r->f[i].evidence;
        r->f[i].pub.fix = r->f[i].fix;
    }
    /* Informational findings (severity ok) are never the root cause. */
    r->has_root = r->n > 0 && r->f[0].pub.severity != TD_SEV_OK;
}
