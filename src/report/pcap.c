/* pcap.c (report): renders one captured connection as a JSON line and the capture summary as
 * text or JSON: counts by outcome and finding id, top failing clients, servers and SNI names,
 * versions and ciphers in use. Rendering only. */
#include "tlsdoctor.h"

#include "../passive/pcap.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One fwrite per line, so that lines written by several threads at once stay whole. */
static int dump_line(json_t *j, FILE *f)
{
    char *text = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(j);
    if (text == NULL) {
        return TD_E_IO;
    }
    size_t n = strlen(text);
    text[n] = '\n'; /* over the NUL: the length is known */
    int rc = fwrite(text, 1, n + 1, f) == n + 1 ? 0 : TD_E_IO;
    td_free(text); /* jansson's default allocator is malloc */
    return rc;
}

static json_t *u16_array(const uint16_t *v, int n, int skip_grease)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++) {
        if (!skip_grease || !td_is_grease(v[i])) {
            json_array_append_new(a, json_integer(v[i]));
        }
    }
    return a;
}
/* One side's alerts: its first plaintext alert, then the count of encrypted ones (after its
 * ChangeCipherSpec: level and description unknown). */
static void alerts_add(json_t *a, const char *from, int has, int level, int desc, int n_enc)
{
    if (has) {
        json_array_append_new(a, json_pack("{s:s, s:i, s:i, s:b}", "from", from, "level", level,
                                           "description", desc, "encrypted", 0));
    }
    if (n_enc > 0) {
        json_array_append_new(a, json_pack("{s:s, s:n, s:n, s:b, s:i}", "from", from, "level",
                                           "description", "encrypted", 1, "count", n_enc));
    }
}

static int conn_json_jansson(const td_pcap_conn_t *c, FILE *f)
{
    const td_client_flight_t *ch = &c->ch;
    const td_server_flight_t *sh = &c->sh;
    json_t *j = json_pack("{s:s, s:f, s:f, s:s, s:i, s:s, s:i, s:s, s:o}", "type", "connection",
                          "ts", c->t.ts_first, "duration", c->t.ts_last - c->t.ts_first, "client",
                          c->t.client, "client_port", c->t.cport, "server", c->t.server,
                          "server_port", c->t.sport, "outcome", c->outcome, "finding",
                          c->finding ? json_string(c->finding) : json_null());
    json_object_set_new(j, "result", json_string(c->result != NULL ? c->result : "incomplete"));
    json_object_set_new(j, "evidence", json_string(c->evidence));
    json_object_set_new(j, "preamble_bytes", json_integer((json_int_t)c->preamble_client));
    json_object_set_new(
            j, "tcp",
            json_pack("{s:b, s:b, s:b, s:b, s:b, s:b, s:I, s:I, s:i, s:i, s:b, s:b}", "syn",
                      c->t.syn, "syn_ack", c->t.synack, "fin_client", c->t.fin_client, "fin_server",
                      c->t.fin_server, "rst_client", c->t.rst_client, "rst_server", c->t.rst_server,
                      "bytes_client", (json_int_t)c->t.bytes_client, "bytes_server",
                      (json_int_t)c->t.bytes_server, "retrans_client", c->t.retrans_client,
                      "retrans_server", c->t.retrans_server, "gap",
                      c->t.gap_client || c->t.gap_server, "ended_idle", c->t.evicted_idle));
    if (ch->has_hello) {
        json_t *h = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:s, s:s, s:s, s:s}", "sni", ch->sni,
                              "legacy_version", td_version_name(ch->legacy_version), "versions",
                              u16_array(ch->versions, ch->n_versions, 1), "ciphers",
                              u16_array(ch->ciphers, ch->n_ciphers, 1), "groups",
                              u16_array(ch->groups, ch->n_groups, 1), "extensions",
                              u16_array(ch->exts, ch->n_exts, 1), "alpn", ch->alpn, "ja3", c->ja3,
                              "ja3_md5", c->ja3_md5, "ja4", c->ja4);
        json_object_set_new(j, "client_hello", h);
    } else {
        json_object_set_new(j, "client_hello", json_null());
    }
    if (sh->has_server_hello) {
        uint16_t group = sh->group != 0 ? sh->group : sh->ske_group;
        json_object_set_new(j, "server_hello",
                            json_pack("{s:s, s:s, s:i, s:s, s:b, s:s, s:s}", "version",
                                      td_version_name(sh->version), "cipher",
                                      td_cipher_name(sh->cipher), "cipher_id", sh->cipher, "group",
                                      /* TLS <= 1.2: the ECDHE curve of ServerKeyExchange */
                                      td_group_name(group), "hello_retry_request",
                                      sh->is_hrr || sh->hrr_seen, "alpn", sh->alpn, "ja4s",
                                      c->ja4s));
        json_object_set_new(json_object_get(j, "server_hello"), "group_id", json_integer(group));
    } else {
        json_object_set_new(j, "server_hello", json_null());
    }
    json_t *alerts = json_array();
    alerts_add(alerts, "client", ch->has_alert, ch->alert_level, ch->alert_desc, ch->enc_alerts);
    alerts_add(alerts, "server", sh->has_alert, sh->alert_level, sh->alert_desc, sh->enc_alerts);
    json_object_set_new(j, "alerts", alerts);
    json_t *certs = json_array();
    for (int i = 0; i < c->n_certs; i++) {
        json_array_append_new(certs,
                              json_pack("{s:s, s:s, s:s, s:I, s:I}", "subject", c->certs[i].subject,
                                        "issuer", c->certs[i].issuer, "sans", c->certs[i].sans,
                                        "not_before", (json_int_t)c->certs[i].not_before,
                                        "not_after", (json_int_t)c->certs[i].not_after));
    }
    json_object_set_new(j, "certificates", certs);
    return dump_line(j, f);
}

int td__pcap_conn_write_json_jansson(const td_pcap_conn_t *c, FILE *f)
{
    return conn_json_jansson(c, f);
}

/* The same line written directly (jansson built and freed about 60 objects per connection:
 * two thirds of `tlsdoctor pcap --json` on handshake-dense traffic). Byte for byte what
 * json_dumpf(JSON_COMPACT | JSON_ENSURE_ASCII) gives for the object above: keys in insertion
 * order, reals as "%.17g" (".0" added to an integral value), control characters as \uXXXX. A
 * string with a byte >= 0x80 (which jansson would check as UTF-8 and escape as \uXXXX) sends
 * the connection to the jansson writer. */
typedef struct jbuf {
    char *p;
    size_t len, cap;
    int oom, non_ascii;
    char stack[16384];
} jbuf_t;

static void jb_put(jbuf_t *b, const char *s, size_t n)
{
    if (b->len + n > b->cap) {
        size_t ncap = b->cap * 2 > b->len + n ? b->cap * 2 : b->len + n;
        char *np = td_malloc(ncap);
        if (np == NULL) {
            b->oom = 1;
            return;
        }
        memcpy(np, b->p, b->len);
        if (b->p != b->stack) {
            td_free(b->p);
        }
        b->p = np;
        b->cap = ncap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

#define JB_LIT(b, lit) jb_put((b), (lit), sizeof(lit) - 1)

/* Whether none of the 8 bytes of w needs escaping (a control byte or NUL, '"', '\\', a byte
 * >= 0x80): the usual word tests for a byte below a value and for a zero byte. */
static inline int jb_plain8(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    uint64_t low = (w - ones * 0x20) & ~w;       /* a byte < 0x20 (or >= 0x80) */
    uint64_t quote = (w ^ (ones * 0x22)) - ones; /* '"' gives a zero byte */
    quote &= ~(w ^ (ones * 0x22));
    uint64_t bslash = (w ^ (ones * 0x5c)) - ones; /* '\\' gives a zero byte */
    bslash &= ~(w ^ (ones * 0x5c));
    return ((low | quote | bslash | w) & highs) == 0;
}

static void jb_str(jbuf_t *b, const char *s)
{
    static const char hx[] = "0123456789ABCDEF";
    jb_put(b, "\"", 1);
    const char *run = s;
    size_t len = strlen(s);
    const char *end = s + len;
    while (end - s >= 8) { /* plain words stay in the run */
        uint64_t w;
        memcpy(&w, s, 8);
        if (!jb_plain8(w)) {
            break;
        }
        s += 8;
    }
    for (; *s != '\0'; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch >= 0x20 && ch != '"' && ch != '\\' && ch < 0x80) {
            continue;
        }
        jb_put(b, run, (size_t)(s - run));
        run = s + 1;
        char e[6] = { '\\', 0, 0, 0, 0, 0 };
        switch (ch) {
        case '"':
        case '\\':
            e[1] = (char)ch;
            jb_put(b, e, 2);
            break;
        case '\b':
            jb_put(b, "\\b", 2);
            break;
        case '\f':
            jb_put(b, "\\f", 2);
            break;
        case '\n':
            jb_put(b, "\\n", 2);
            break;
        case '\r':
            jb_put(b, "\\r", 2);
            break;
        case '\t':
            jb_put(b, "\\t", 2);
            break;
        default:
            if (ch >= 0x80) {
                b->non_ascii = 1;
                break;
            }
            e[1] = 'u';
            e[2] = '0';
            e[3] = '0';
            e[4] = hx[ch >> 4];
            e[5] = hx[ch & 15];
            jb_put(b, e, 6);
        }
    }
    jb_put(b, run, (size_t)(s - run));
    jb_put(b, "\"", 1);
}

static void jb_int(jbuf_t *b, long long v)
{
    char t[24];
    size_t n = 0;
    if (v < 0) {
        t[n++] = '-';
    }
    n += td_dec(t + n, v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v);
    jb_put(b, t, n);
}

static void jb_real(jbuf_t *b, double v)
{
    char t[40];
    size_t fast = td_fmt_g17(t, v); /* capture times and durations: printf's digits, faster */
    if (fast > 0) {
        if (strpbrk(t, ".e") == NULL) {
            memcpy(t + fast, ".0", 3);
            fast += 2;
        }
        jb_put(b, t, fast);
        return;
    }
    int n = snprintf(t, sizeof(t) - 2, "%.17g", v);
    if (n < 0 || n >= (int)sizeof(t) - 3 || strpbrk(t, "ni") != NULL) {
        b->non_ascii = 1; /* not expected (inf, nan): let jansson decide */
        return;
    }
    if (strpbrk(t, ".e") == NULL) {
        memcpy(t + n, ".0", 3);
        n += 2;
    }
    /* As jansson: no '+' and no leading zeros in the exponent ("1e-05" -> "1e-5"). */
    char *e = strchr(t, 'e');
    if (e != NULL) {
        char *start = e + 1, *end = e + 2;
        if (*start == '-') {
            start++;
        }
        while (*end == '0') {
            end++;
        }
        if (end != start) {
            memmove(start, end, strlen(end) + 1);
            n = (int)strlen(t);
        }
    }
    jb_put(b, t, (size_t)n);
}

static void jb_bool(jbuf_t *b, int v)
{
    if (v) {
        JB_LIT(b, "true");
    } else {
        JB_LIT(b, "false");
    }
}

/* [a,b,...] without the GREASE values: each number written into a small buffer, then put. */
static void jb_u16s(jbuf_t *b, const uint16_t *v, int n)
{
    char t[512];
    size_t len = 0;
    int first = 1;
    t[len++] = '[';
    for (int i = 0; i < n; i++) {
        if (td_is_grease(v[i])) {
            continue;
        }
        if (len > sizeof(t) - 8) {
            jb_put(b, t, len);
            len = 0;
        }
        if (!first) {
            t[len++] = ',';
        }
        first = 0;
        len += td_dec(t + len, v[i]);
    }
    t[len++] = ']';
    jb_put(b, t, len);
}

static void jb_alerts(jbuf_t *b, int *first, const char *from, int has, int level, int desc,
                      int n_enc)
{
    if (has) {
        jb_put(b, *first ? "{" : ",{", *first ? 1 : 2);
        JB_LIT(b, "\"from\":");
        jb_str(b, from);
        JB_LIT(b, ",\"level\":");
        jb_int(b, level);
        JB_LIT(b, ",\"description\":");
        jb_int(b, desc);
        JB_LIT(b, ",\"encrypted\":false}");
        *first = 0;
    }
    if (n_enc > 0) {
        jb_put(b, *first ? "{" : ",{", *first ? 1 : 2);
        JB_LIT(b, "\"from\":");
        jb_str(b, from);
        JB_LIT(b, ",\"level\":null,\"description\":null,\"encrypted\":true,\"count\":");
        jb_int(b, n_enc);
        jb_put(b, "}", 1);
        *first = 0;
    }
}

int td_pcap_conn_write_json(const td_pcap_conn_t *c, FILE *f)
{
    const td_client_flight_t *ch = &c->ch;
    const td_server_flight_t *sh = &c->sh;
    jbuf_t jb; /* 16 KiB on the stack: most lines fit, a longer one grows on the heap */
    jbuf_t *b = &jb;
    b->p = b->stack;
    b->len = 0;
    b->cap = sizeof(b->stack);
    b->oom = b->non_ascii = 0;
    JB_LIT(b, "{\"type\":\"connection\",\"ts\":");
    jb_real(b, c->t.ts_first);
    JB_LIT(b, ",\"duration\":");
    jb_real(b, c->t.ts_last - c->t.ts_first);
    JB_LIT(b, ",\"client\":");
    jb_str(b, c->t.client);
    JB_LIT(b, ",\"client_port\":");
    jb_int(b, c->t.cport);
    JB_LIT(b, ",\"server\":");
    jb_str(b, c->t.server);
    JB_LIT(b, ",\"server_port\":");
    jb_int(b, c->t.sport);
    JB_LIT(b, ",\"outcome\":");
    jb_str(b, c->outcome);
    JB_LIT(b, ",\"finding\":");
    if (c->finding != NULL) {
        jb_str(b, c->finding);
    } else {
        JB_LIT(b, "null");
    }
    JB_LIT(b, ",\"result\":");
    jb_str(b, c->result != NULL ? c->result : "incomplete");
    JB_LIT(b, ",\"evidence\":");
    jb_str(b, c->evidence);
    JB_LIT(b, ",\"preamble_bytes\":");
    jb_int(b, (long long)c->preamble_client);
    JB_LIT(b, ",\"tcp\":{\"syn\":");
    jb_bool(b, c->t.syn);
    JB_LIT(b, ",\"syn_ack\":");
    jb_bool(b, c->t.synack);
    JB_LIT(b, ",\"fin_client\":");
    jb_bool(b, c->t.fin_client);
    JB_LIT(b, ",\"fin_server\":");
    jb_bool(b, c->t.fin_server);
    JB_LIT(b, ",\"rst_client\":");
    jb_bool(b, c->t.rst_client);
    JB_LIT(b, ",\"rst_server\":");
    jb_bool(b, c->t.rst_server);
    JB_LIT(b, ",\"bytes_client\":");
    jb_int(b, (long long)c->t.bytes_client);
    JB_LIT(b, ",\"bytes_server\":");
    jb_int(b, (long long)c->t.bytes_server);
    JB_LIT(b, ",\"retrans_client\":");
    jb_int(b, c->t.retrans_client);
    JB_LIT(b, ",\"retrans_server\":");
    jb_int(b, c->t.retrans_server);
    JB_LIT(b, ",\"gap\":");
    jb_bool(b, c->t.gap_client || c->t.gap_server);
    JB_LIT(b, ",\"ended_idle\":");
    jb_bool(b, c->t.evicted_idle);
    JB_LIT(b, "},\"client_hello\":");
    if (ch->has_hello) {
        JB_LIT(b, "{\"sni\":");
        jb_str(b, ch->sni);
        JB_LIT(b, ",\"legacy_version\":");
        jb_str(b, td_version_name(ch->legacy_version));
        JB_LIT(b, ",\"versions\":");
        jb_u16s(b, ch->versions, ch->n_versions);
        JB_LIT(b, ",\"ciphers\":");
        jb_u16s(b, ch->ciphers, ch->n_ciphers);
        JB_LIT(b, ",\"groups\":");
        jb_u16s(b, ch->groups, ch->n_groups);
        JB_LIT(b, ",\"extensions\":");
        jb_u16s(b, ch->exts, ch->n_exts);
        JB_LIT(b, ",\"alpn\":");
        jb_str(b, ch->alpn);
        JB_LIT(b, ",\"ja3\":");
        jb_str(b, c->ja3);
        JB_LIT(b, ",\"ja3_md5\":");
        jb_str(b, c->ja3_md5);
        JB_LIT(b, ",\"ja4\":");
        jb_str(b, c->ja4);
        jb_put(b, "}", 1);
    } else {
        JB_LIT(b, "null");
    }
    JB_LIT(b, ",\"server_hello\":");
    if (sh->has_server_hello) {
        uint16_t group = sh->group != 0 ? sh->group : sh->ske_group;
        JB_LIT(b, "{\"version\":");
        jb_str(b, td_version_name(sh->version));
        JB_LIT(b, ",\"cipher\":");
        jb_str(b, td_cipher_name(sh->cipher));
        JB_LIT(b, ",\"cipher_id\":");
        jb_int(b, sh->cipher);
        JB_LIT(b, ",\"group\":");
        jb_str(b, td_group_name(group));
        JB_LIT(b, ",\"hello_retry_request\":");
        jb_bool(b, sh->is_hrr || sh->hrr_seen);
        JB_LIT(b, ",\"alpn\":");
        jb_str(b, sh->alpn);
        JB_LIT(b, ",\"ja4s\":");
        jb_str(b, c->ja4s);
        JB_LIT(b, ",\"group_id\":");
        jb_int(b, group);
        jb_put(b, "}", 1);
    } else {
        JB_LIT(b, "null");
    }
    JB_LIT(b, ",\"alerts\":[");
    int first = 1;
    jb_alerts(b, &first, "client", ch->has_alert, ch->alert_level, ch->alert_desc, ch->enc_alerts);
    jb_alerts(b, &first, "server", sh->has_alert, sh->alert_level, sh->alert_desc, sh->enc_alerts);
    JB_LIT(b, "],\"certificates\":[");
    for (int i = 0; i < c->n_certs; i++) {
        jb_put(b, i ? ",{" : "{", i ? 2 : 1);
        JB_LIT(b, "\"subject\":");
        jb_str(b, c->certs[i].subject);
        JB_LIT(b, ",\"issuer\":");
        jb_str(b, c->certs[i].issuer);
        JB_LIT(b, ",\"sans\":");
        jb_str(b, c->certs[i].sans);
        JB_LIT(b, ",\"not_before\":");
        jb_int(b, (long long)c->certs[i].not_before);
        JB_LIT(b, ",\"not_after\":");
        jb_int(b, (long long)c->certs[i].not_after);
        jb_put(b, "}", 1);
    }
    JB_LIT(b, "]}\n");
    int rc;
    if (b->oom || b->non_ascii) {
        rc = conn_json_jansson(c, f);
    } else {
        rc = fwrite(b->p, 1, b->len, f) == b->len ? 0 : TD_E_IO;
    }
    if (b->p != b->stack) {
        td_free(b->p);
    }
    return rc;
}

static int by_n(const void *a, const void *b)
{
    const td_pcap_count_t *x = a, *y = b;
    return x->n < y->n ? 1 : x->n > y->n ? -1 : strcmp(x->key, y->key);
}

static size_t sorted(const td_pcap_top_t *t, td_pcap_count_t *out, int top)
{
    memcpy(out, t->row, t->used * sizeof(*out));
    qsort(out, t->used, sizeof(*out), by_n);
    return t->used < (size_t)top ? t->used : (size_t)top;
}

static json_t *top_json(const td_pcap_top_t *t, int top)
{
    td_pcap_count_t rows[TD_PCAP_TOP];
    size_t n = sorted(t, rows, top);
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(
                a, json_pack("{s:s, s:I}", "key", rows[i].key, "count", (json_int_t)rows[i].n));
    }
    return a;
}

static int by_failures(const void *a, const void *b)
{
    const td_pcap_server_t *x = *(const td_pcap_server_t *const *)a;
    const td_pcap_server_t *y = *(const td_pcap_server_t *const *)b;
    if (x->failures != y->failures) {
        return x->failures < y->failures ? 1 : -1;
    }
    return strcmp(x->server, y->server);
}

/* The failing servers, most failures first; at most top of them. */
static size_t servers_sorted(const td_pcap_summary_t *s, const td_pcap_server_t **out, int top)
{
    for (size_t i = 0; i < s->n_servers; i++) {
        out[i] = &s->servers[i];
    }
    qsort(out, s->n_servers, sizeof(*out), by_failures);
    return s->n_servers < (size_t)top ? s->n_servers : (size_t)top;
}

static json_t *counts_json(const td_pcap_count_t *rows, int n)
{
    td_pcap_top_t t = { .used = (size_t)n };
    memcpy(t.row, rows, (size_t)n * sizeof(*rows));
    return top_json(&t, TD_PCAP_SERVER_KEYS);
}

static json_t *servers_json(const td_pcap_summary_t *s)
{
    const td_pcap_server_t *rows[TD_PCAP_SERVERS];
    size_t n = servers_sorted(s, rows, s->top);
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        const td_pcap_server_t *v = rows[i];
        json_t *o = json_pack("{s:s, s:s?, s:I, s:f, s:f}", "server", v->server, "sni",
                              v->sni[0] ? v->sni : NULL, "failures", (json_int_t)v->failures,
                              "first_failure", v->first_failure, "last_failure", v->last_failure);
        json_object_set_new(o, "causes", counts_json(v->causes, v->n_causes));
        json_object_set_new(o, "failing_ja4", counts_json(v->ja4, v->n_ja4));
        json_array_append_new(a, o);
    }
    return a;
}

int td_pcap_summary_write_json(const td_pcap_summary_t *s, FILE *f)
{
    json_t *j = json_pack(
            "{s:s, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:s}", "type",
            "summary", "schema_version", 1, "files", (json_int_t)s->files, "bytes",
            (json_int_t)s->bytes, "packets", (json_int_t)s->packets, "connections",
            (json_int_t)s->conns, "tls_connections", (json_int_t)s->tls_conns, "failures",
            (json_int_t)td_pcap_summary_failures(s), "non_ip", (json_int_t)s->non_ip, "non_tcp",
            (json_int_t)s->non_tcp, "ip_fragments", (json_int_t)s->fragments, "peak_flows",
            (json_int_t)s->peak_flows, "link_types", s->link_types, "read_error", s->first_error);
    json_object_set_new(j, "evicted_flows", json_integer((json_int_t)s->evicted_full));
    json_object_set_new(j, "truncated_packets", json_integer((json_int_t)s->truncated_packets));
    json_object_set_new(j, "outcomes", top_json(&s->outcomes, TD_PCAP_TOP));
    json_object_set_new(j, "findings", top_json(&s->findings, TD_PCAP_TOP));
    json_object_set_new(j, "top_failing_clients", top_json(&s->fail_clients, s->top));
    json_object_set_new(j, "top_failing_servers", top_json(&s->fail_servers, s->top));
    json_object_set_new(j, "top_failing_sni", top_json(&s->fail_sni, s->top));
    json_object_set_new(j, "versions", top_json(&s->versions, s->top));
    json_object_set_new(j, "ciphers", top_json(&s->ciphers, s->top));
    json_object_set_new(j, "ja4", top_json(&s->ja4, s->top));
    json_object_set_new(j, "failing_servers", servers_json(s));
    json_object_set_new(j, "failing_servers_other", json_integer((json_int_t)s->servers_other));
    return dump_line(j, f);
}

static void top_text(FILE *f, const char *title, const td_pcap_top_t *t, int top)
{
    td_pcap_count_t rows[TD_PCAP_TOP];
    size_t n = sorted(t, rows, top);
    if (n == 0) {
        return;
    }
    fprintf(f, "\n%s\n", title);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "  %10llu  %s\n", (unsigned long long)rows[i].n, rows[i].key);
    }
    if (t->other > 0) {
        fprintf(f, "  %10llu  (others)\n", (unsigned long long)t->other);
    }
}

static void utc(double t, char *out, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (gmtime_r(&tt, &tm) == NULL || strftime(out, cap, "%Y-%m-%d %H:%M:%SZ", &tm) == 0) {
        td_strlcpy(out, "?", cap);
    }
}

/* Per failing server: count, first and last failure, causes, the client JA4s that failed. */
static void servers_text(FILE *f, const td_pcap_summary_t *s)
{
    const td_pcap_server_t *rows[TD_PCAP_SERVERS];
    size_t n = servers_sorted(s, rows, s->top);
    if (n == 0) {
        return;
    }
    fprintf(f, "\nfailing handshakes by server\n");
    for (size_t i = 0; i < n; i++) {
        const td_pcap_server_t *v = rows[i];
        char t0[32], t1[32];
        utc(v->first_failure, t0, sizeof(t0));
        utc(v->last_failure, t1, sizeof(t1));
        fprintf(f, "  %s%s%s%s  %llu failed, first %s, last %s\n", v->server, v->sni[0] ? " (" : "",
                v->sni, v->sni[0] ? ")" : "", (unsigned long long)v->failures, t0, t1);
        fprintf(f, "    causes:");
        for (int k = 0; k < v->n_causes; k++) {
            fprintf(f, "%s %s %llu", k ? "," : "", v->causes[k].key,
                    (unsigned long long)v->causes[k].n);
        }
        fprintf(f, "\n    client JA4:");
        for (int k = 0; k < v->n_ja4; k++) {
            fprintf(f, "%s %s %llu", k ? "," : "", v->ja4[k].key, (unsigned long long)v->ja4[k].n);
        }
        fprintf(f, "%s\n", v->ja4_other ? ", others" : "");
    }
    if (s->n_servers > n || s->servers_other > 0) {
        fprintf(f, "  (%zu more servers with failures not shown)\n",
                s->n_servers - n + (s->servers_other > 0 ? 1 : 0));
    }
}

int td_pcap_summary_write_text(const td_pcap_summary_t *s, FILE *f, int color)
{
    const char *b = color ? "\033[1m" : "", *r = color ? "\033[0m" : "";
    uint64_t fails = td_pcap_summary_failures(s);
    fprintf(f,
            "%stlsdoctor pcap%s  %zu file(s), %llu packets, %llu TCP connections (%llu with a "
            "ClientHello), %llu with a finding\n",
            b, r, s->files, (unsigned long long)s->packets, (unsigned long long)s->conns,
            (unsigned long long)s->tls_conns, (unsigned long long)fails);
    fprintf(f, "link: %s; skipped: %llu non-IP, %llu non-TCP, %llu IP fragments, %llu truncated\n",
            s->link_types[0] ? s->link_types : "-", (unsigned long long)s->non_ip,
            (unsigned long long)s->non_tcp, (unsigned long long)s->fragments,
            (unsigned long long)s->truncated_packets);
    if (s->first_error[0] != '\0') {
        fprintf(f, "read stopped early: %s\n", s->first_error);
    }
    if (s->evicted_full > 0) {
        fprintf(f, "note: %llu flows were evicted early to bound memory (peak %llu flows)\n",
                (unsigned long long)s->evicted_full, (unsigned long long)s->peak_flows);
    }
    top_text(f, "outcomes", &s->outcomes, TD_PCAP_TOP);
    top_text(f, "findings", &s->findings, TD_PCAP_TOP);
    top_text(f, "failing clients", &s->fail_clients, s->top);
    top_text(f, "failing servers", &s->fail_servers, s->top);
    top_text(f, "failing SNI names", &s->fail_sni, s->top);
    top_text(f, "versions chosen", &s->versions, s->top);
    top_text(f, "ciphers chosen", &s->ciphers, s->top);
    top_text(f, "client fingerprints (JA4)", &s->ja4, s->top);
    servers_text(f, s);
    if (fails > 0) {
        fprintf(f, "\nnext: tlsdoctor pcap FILE --json | grep '\"finding\":\"ID\"' lists those "
                   "connections; tlsdoctor SERVER:PORT diagnoses a server now.\n");
    }
    return ferror(f) ? TD_E_IO : 0;
}

/* The top lists for the other summaries that count with td_pcap_top_t (listen). */
void td__pcap_top_write_text(FILE *f, const char *title, const td_pcap_top_t *t, int top)
{
    top_text(f, title, t, top);
}

struct json_t *td__pcap_top_json(const td_pcap_top_t *t, int top)
{
    return top_json(t, top);
}
