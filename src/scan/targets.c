/* targets.c: the fleet scan's target lines. Untrusted text: every form is checked and a bad
 * line is reported with why, never fatal. Never does I/O. */
#include "scan.h"

#include "../util/td_util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static bool is_ip(const char *s)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* Copies [p, p+n) trimmed into dst (cap bytes); false when it does not fit. */
static bool copy_trim(char *dst, size_t cap, const char *p, size_t n)
{
    while (n > 0 && is_space(*p)) {
        p++;
        n--;
    }
    while (n > 0 && is_space(p[n - 1])) {
        n--;
    }
    if (n >= cap) {
        return false;
    }
    memcpy(dst, p, n);
    dst[n] = '\0';
    return true;
}

static void lower_copy(char *dst, size_t cap, const char *src)
{
    size_t i = 0;
    for (; src[i] != '\0' && i + 1 < cap; i++) {
        dst[i] = (char)tolower((unsigned char)src[i]);
    }
    dst[i] = '\0';
}

/* FNV-1a over the bytes, then SplitMix64's finaliser: stable across machines and versions
 * (--shard and --resume depend on it: never change it). */
static uint64_t hash_str(const char *s)
{
    uint64_t h = 14695981039346656037ULL;
    for (; *s != '\0'; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 31;
    return h;
}

/* HOST[:PORT] or a URL into t; why on failure. */
static int parse_target(const char *s, td_scan_target_t *t, char *why, size_t cap)
{
    td_target_t tg;
    td_errinfo_t e = { 0 };
    if (td_target_parse(s, &tg, &e) < 0) {
        td_fmt(why, cap, "%s", e.message);
        return -1;
    }
    if (tg.host[0] == '\0') {
        td_fmt(why, cap, "no host name");
        return -1;
    }
    td_strlcpy(t->host, tg.host, sizeof(t->host));
    t->plain_http = tg.scheme_http;
    t->port = tg.port != 0 ? tg.port : tg.scheme_http ? 80 : 443;
    td_strlcpy(t->path, tg.path[0] != '\0' ? tg.path : "/", sizeof(t->path));
    return 0;
}

/* ADDR or ADDR:PORT or [V6]:PORT, as --connect-to takes it. */
static int parse_addr(const char *s, td_scan_target_t *t, char *why, size_t cap)
{
    td_target_t a;
    td_errinfo_t e = { 0 };
    if (strstr(s, "://") != NULL || td_target_parse(s, &a, &e) < 0 || a.host[0] == '\0' ||
        strcmp(a.path, "/") != 0) {
        td_fmt(why, cap, "invalid address '%.64s' (expected ADDR[:PORT])", s);
        return -1;
    }
    if (strlen(s) >= sizeof(t->connect_to)) {
        td_fmt(why, cap, "address too long");
        return -1;
    }
    td_strlcpy(t->connect_to, s, sizeof(t->connect_to));
    return 0;
}

/* zgrab2's input: ip,name,tag,port (name, tag and port optional; ip may be empty when a name
 * is given). */
static int parse_csv(const char *s, td_scan_target_t *t, char *why, size_t cap)
{
    char f[4][256];
    int n = 0;
    const char *p = s;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);
        if (n == 4) {
            td_fmt(why, cap, "more than 4 CSV fields (ip,name,tag,port)");
            return -1;
        }
        if (!copy_trim(f[n], sizeof(f[n]), p, len)) {
            td_fmt(why, cap, "CSV field %d too long", n + 1);
            return -1;
        }
        n++;
        if (comma == NULL) {
            break;
        }
        p = comma + 1;
    }
    for (; n < 4; n++) {
        f[n][0] = '\0';
    }
    const char *ip = f[0], *name = f[1], *port = f[3];
    if (ip[0] != '\0' && !is_ip(ip)) {
        td_fmt(why, cap, "CSV field 1 '%.64s' is not an IP address", ip);
        return -1;
    }
    if (ip[0] == '\0' && name[0] == '\0') {
        td_fmt(why, cap, "CSV line with neither ip nor name");
        return -1;
    }
    const char *host = name[0] != '\0' ? name : ip;
    if (strchr(host, ':') != NULL && !is_ip(host)) {
        td_fmt(why, cap, "invalid name '%.64s'", host);
        return -1;
    }
    char tgt[300];
    td_fmt(tgt, sizeof(tgt), strchr(host, ':') != NULL ? "[%s]" : "%s", host);
    if (parse_target(tgt, t, why, cap) < 0 || strcmp(t->path, "/") != 0) {
        td_fmt(why, cap, "invalid name '%.64s'", host);
        return -1;
    }
    if (port[0] != '\0') {
        char *end = NULL;
        unsigned long v = strtoul(port, &end, 10);
        if (end == port || *end != '\0' || v == 0 || v > 65535 || !isdigit((unsigned char)*port)) {
            td_fmt(why, cap, "CSV field 4 '%.16s' is not a port (1-65535)", port);
            return -1;
        }
        t->port = (uint16_t)v;
    }
    if (name[0] != '\0' && ip[0] != '\0') {
        td_fmt(t->connect_to, sizeof(t->connect_to), strchr(ip, ':') != NULL ? "[%s]" : "%s", ip);
    }
    return 0;
}

int td__scan_parse_line(const char *line, size_t len, td_scan_target_t *t, char *why, size_t cap)
{
    memset(t, 0, sizeof(*t));
    why[0] = '\0';
    /* A comment: '#' at the start or after a blank (a URL's fragment has none before it). */
    for (size_t i = 0; i < len; i++) {
        if (line[i] == '#' && (i == 0 || is_space(line[i - 1]))) {
            len = i;
            break;
        }
        if (line[i] == '\0' || ((unsigned char)line[i] < 0x20 && !is_space(line[i])) ||
            line[i] == 0x7f) {
            td_fmt(why, cap, "control character at column %zu", i + 1);
            return -1;
        }
    }
    if (!copy_trim(t->line, sizeof(t->line), line, len)) {
        td_fmt(why, cap, "line longer than %d bytes", TD_SCAN_MAX_LINE - 1);
        return -1;
    }
    if (t->line[0] == '\0') {
        return 0;
    }
    char *sp = t->line;
    while (*sp != '\0' && !is_space(*sp)) {
        sp++;
    }
    int rc;
    if (*sp != '\0') { /* "HOST[:PORT] ADDR" */
        char first[TD_SCAN_MAX_LINE], second[TD_SCAN_MAX_LINE];
        size_t n1 = (size_t)(sp - t->line);
        memcpy(first, t->line, n1);
        first[n1] = '\0';
        if (!copy_trim(second, sizeof(second), sp, strlen(sp))) {
            td_fmt(why, cap, "line too long");
            return -1;
        }
        for (const char *q = second; *q != '\0'; q++) {
            if (is_space(*q)) {
                td_fmt(why, cap, "more than two fields (expected HOST[:PORT] ADDR)");
                return -1;
            }
        }
        rc = parse_target(first, t, why, cap);
        if (rc == 0) {
            rc = parse_addr(second, t, why, cap);
        }
    } else if (strchr(t->line, ',') != NULL && strstr(t->line, "://") == NULL) {
        rc = parse_csv(t->line, t, why, cap);
    } else {
        rc = parse_target(t->line, t, why, cap);
    }
    if (rc < 0) {
        return -1;
    }
    /* The normalised form: scheme, lower-case host, port, path, lower-case address. */
    char host[256], addr[300], norm[1200];
    lower_copy(host, sizeof(host), t->host);
    lower_copy(addr, sizeof(addr), t->connect_to);
    td_fmt(norm, sizeof(norm), "%s://%s:%u%s %s", t->plain_http ? "http" : "https", host,
           (unsigned)t->port, t->path, addr);
    t->hash = hash_str(norm);
    return 1;
}

int td_scan_shard_of(const char *line, unsigned count)
{
    /* On the heap: 3 KiB is too much for a caller's stack, and a thread-local copy would be
     * zeroed into every thread's stack area (2,000 scan workers: 6 MiB for nothing). */
    td_scan_target_t *t = count != 0 && line != NULL ? td_malloc(sizeof(*t)) : NULL;
    char why[160];
    int shard = -1;
    if (t != NULL && td__scan_parse_line(line, strlen(line), t, why, sizeof(why)) == 1) {
        shard = (int)(t->hash % count);
    }
    td_free(t);
    return shard;
}

static size_t slot_of(uint64_t h, size_t cap)
{
    return (size_t)(h & (cap - 1));
}

bool td__hset_has(const td_hset_t *s, uint64_t h)
{
    if (s->cap == 0) {
        return false;
    }
    h = h != 0 ? h : 1; /* 0 marks an empty slot */
    for (size_t i = slot_of(h, s->cap);; i = (i + 1) & (s->cap - 1)) {
        if (s->slot[i] == 0) {
            return false;
        }
        if (s->slot[i] == h) {
            return true;
        }
    }
}

int td__hset_add(td_hset_t *s, uint64_t h)
{
    h = h != 0 ? h : 1;
    if ((s->n + 1) * 2 > s->cap) { /* at most half full */
        size_t cap = s->cap != 0 ? s->cap * 2 : 1024;
        uint64_t *ns = td_calloc(cap, sizeof(*ns));
        if (ns == NULL) {
            return -1;
        }
        for (size_t i = 0; i < s->cap; i++) {
            if (s->slot[i] != 0) {
                size_t j = slot_of(s->slot[i], cap);
                while (ns[j] != 0) {
                    j = (j + 1) & (cap - 1);
                }
                ns[j] = s->slot[i];
            }
        }
        td_free(s->slot);
        s->slot = ns;
        s->cap = cap;
    }
    for (size_t i = slot_of(h, s->cap);; i = (i + 1) & (s->cap - 1)) {
        if (s->slot[i] == h) {
            return 0;
        }
        if (s->slot[i] == 0) {
            s->slot[i] = h;
            s->n++;
            return 1;
        }
    }
}

void td__hset_free(td_hset_t *s)
{
    td_free(s->slot);
    s->slot = NULL;
    s->cap = s->n = 0;
}
