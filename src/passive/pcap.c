/* pcap.c: `tlsdoctor pcap`. capfile.c reads the file (pcap or pcapng, link types mixed or
 * not); every header from the link layer to TCP is decoded here through td_reader; the first
 * bytes of each direction of each TCP connection are reassembled into a bounded window and
 * handed to the TLS codecs. Memory depends on the number of concurrent flows (capped, oldest
 * evicted first), never on the size of the file.
 *
 * Link types: Ethernet, Linux cooked v1 / v2, raw IP, IPv4 / IPv6, BSD null / loopback, PPP,
 * PPP in HDLC framing, PPPoE, Cisco HDLC. Inside: 802.1Q / 802.1ad / QinQ tags, MPLS, PPPoE
 * sessions, IP-in-IP (4in4, 6in4, 4in6, 6in6), GRE (also with Ethernet, ERSPAN II / III, PPP),
 * VXLAN, Geneve, GTP-U, CAPWAP data (802.3 or 802.11 frames). IP fragments are counted and
 * skipped. */
#include "pcap.h"

#include "capfile.h"

#include "../../include/tlsdoctor.h"
#include "../util/td_mapguard.h"
#include "../util/td_x509.h"
#include "../wire/sniff.h"

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define WINDOW        (64u * 1024u) /* bytes kept per direction */
#define MAX_FLOWS     (1u << 18)    /* concurrent flows before the oldest is evicted */
#define BUF_BUDGET    (256u << 20)  /* bytes of stream buffers before the oldest is evicted */
#define IDLE_SECONDS  120.0         /* a flow quiet this long (capture time) is finished */
#define MAX_INTERVALS 16
#define SPARE_FLOWS   1024  /* finished flows kept for reuse */
#define SPARE_BUF     16384 /* stream buffers up to this size stay with a spare flow */
#define SPARE_WINDOWS 128   /* WINDOW-sized stream buffers kept for reuse (8 MB) */

typedef struct addr_key {
    uint8_t a[16], b[16]; /* client, server (IPv4 mapped into the first 4 bytes) */
    uint16_t pa, pb;
    uint8_t v6;
} addr_key_t;

typedef struct dir_state {
    int have_base;
    uint32_t base; /* sequence number of the first payload byte */
    uint8_t *buf;
    size_t cap;  /* what the buffer budget counts: 4 KB doubled as the stream grows */
    size_t phys; /* allocated: cap, or WINDOW once cap is over SPARE_BUF */
    uint32_t iv_lo[MAX_INTERVALS], iv_hi[MAX_INTERVALS]; /* filled byte ranges [lo, hi) */
    int n_iv;
} dir_state_t;

typedef struct flow {
    addr_key_t key;
    struct flow *hnext;         /* hash chain */
    struct flow *older, *newer; /* LRU list by last packet time */
    dir_state_t d[2];           /* 0 client->server, 1 server->client */
    td_pcap_facts_t t;          /* TCP facts so far */
    uint32_t isn;               /* the client's SYN sequence number (t.syn set) */
} flow_t;

/* Row lookup by key for the bounded lists of the summary (top lists, failing servers): linear
 * probing over twice the rows, the whole key's hash kept, the row's key compared on a hash
 * match. A lookup answers what the strcmp scan of the rows did (a key longer than the row's key
 * field matches no row, as before); handshake-dense traffic fills fail_clients, fail_servers
 * and the server table, and the scan cost 64 to 256 strcmp per connection. */
typedef struct key_slot {
    uint32_t h;
    uint16_t row; /* row index + 1; 0 empty */
} key_slot_t;

enum {
    TOP_OUTCOMES,
    TOP_FINDINGS,
    TOP_CLIENTS,
    TOP_SERVERS,
    TOP_SNI,
    TOP_VERSIONS,
    TOP_CIPHERS,
    TOP_JA4,
    N_TOPS
};

typedef struct scanner {
    const td_pcap_options_t *opt;
    td_pcap_summary_t *sum;
    td_pcap_conn_cb cb;
    void *user;
    flow_t **buckets;
    size_t nbuckets;
    size_t nflows;
    uint64_t buf_bytes;
    flow_t *oldest, *newest;
    flow_t *spare; /* finished flows kept for reuse, chained by hnext */
    size_t nspare;
    uint8_t *windows[SPARE_WINDOWS]; /* WINDOW-sized buffers kept for reuse */
    size_t nwindows;
    struct cert_entry *certs; /* CERT_CACHE decoded certificates */
    uint64_t cert_tick;
    /* --threads: the first thread's certificate cache serves all (OpenSSL's d2i_X509 is the
     * costliest call per distinct certificate), under cert_lock; certs_of is that scanner. */
    struct scanner *certs_of;
    pthread_mutex_t *cert_lock;
    /* Flow and buffer limits (with --threads, split between the threads: team_scan). */
    size_t max_flows;
    uint64_t buf_budget;
    pthread_mutex_t *cb_lock;              /* serializes the connection callback between threads */
    struct fp_memo *fp_client, *fp_server; /* FP_MEMO fingerprints each */
    double now;
    uint8_t scratch[2][WINDOW + 1024];
    td_pcap_conn_t work;   /* the connection being finished (one at a time) */
    atomic_int *cb_failed; /* the connection callback failed: shared by the --threads threads, so
                              that none calls it again after one's failure */
    key_slot_t top_ix[N_TOPS][2 * TD_PCAP_TOP]; /* rows of the summary's top lists by key */
    key_slot_t server_ix[2 * TD_PCAP_SERVERS];  /* rows of sum->servers by address:port */
} scanner_t;

/* ---- top lists ----------------------------------------------------------------------- */

/* A new row for key (in no row yet), or the count of the rest when the list is full. */
static void top_append(td_pcap_top_t *t, const char *key, uint64_t first)
{
    if (t->used < TD_PCAP_TOP) {
        td_strlcpy(t->row[t->used].key, key, sizeof(t->row[0].key));
        t->row[t->used].first = first;
        t->row[t->used++].n = 1;
    } else {
        t->other++;
    }
}

void td__pcap_top_add(td_pcap_top_t *t, const char *key)
{
    for (size_t i = 0; i < t->used; i++) {
        if (strcmp(t->row[i].key, key) == 0) {
            t->row[i].n++;
            return;
        }
    }
    top_append(t, key, 0);
}

static uint32_t str_hash(const char *k)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *k != '\0'; k++) {
        h = (h ^ (uint8_t)*k) * 16777619u;
    }
    return h;
}

/* The row of key among rows (stride bytes apart, the key string at the start of each), -1
 * when none; *slot is where key's entry is or goes. */
static int key_find(const key_slot_t *ix, size_t nslots, uint32_t h, const char *key,
                    const char *rows, size_t stride, size_t *slot)
{
    size_t i = h & (nslots - 1);
    while (ix[i].row != 0) {
        if (ix[i].h == h && strcmp(rows + (size_t)(ix[i].row - 1) * stride, key) == 0) {
            *slot = i;
            return ix[i].row - 1;
        }
        i = (i + 1) & (nslots - 1);
    }
    *slot = i;
    return -1;
}

/* td__pcap_top_add(t, key) through the list's index, first: when the key was first counted. */
static void top_count(scanner_t *s, int which, td_pcap_top_t *t, const char *key, uint64_t first)
{
    key_slot_t *ix = s->top_ix[which];
    uint32_t h = str_hash(key);
    size_t slot = 0;
    int row = key_find(ix, TD_ARRAY_LEN(s->top_ix[0]), h, key, t->row[0].key, sizeof(t->row[0]),
                       &slot);
    if (row >= 0) {
        t->row[row].n++;
        return;
    }
    if (t->used < TD_PCAP_TOP) {
        ix[slot].h = h;
        ix[slot].row = (uint16_t)(t->used + 1);
    }
    top_append(t, key, first);
}

/* ---- flow table ---------------------------------------------------------------------- */

static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    return x ^ (x >> 33);
}

static inline uint64_t end_hash(const uint8_t *a, uint16_t port)
{
    uint64_t w0, w1;
    memcpy(&w0, a, 8);
    memcpy(&w1, a + 8, 8);
    return mix64(w0 ^ mix64(w1 ^ ((uint64_t)port << 48)));
}

static uint64_t key_hash(const addr_key_t *k)
{
    /* Each endpoint mixed on its own (8-byte words), summed: the same for both directions. */
    return end_hash(k->a, k->pa) + end_hash(k->b, k->pb);
}

static inline bool addr_eq(const uint8_t *x, const uint8_t *y)
{
    uint64_t x0, x1, y0, y1;
    memcpy(&x0, x, 8);
    memcpy(&x1, x + 8, 8);
    memcpy(&y0, y, 8);
    memcpy(&y1, y + 8, 8);
    return ((x0 ^ y0) | (x1 ^ y1)) == 0;
}

/* 0: same direction, 1: reversed, -1: different flow. */
static int key_match(const addr_key_t *f, const addr_key_t *k)
{
    if (f->v6 != k->v6) {
        return -1;
    }
    /* Two 8-byte words per address, no memcmp call per chain entry and direction. */
    if (f->pa == k->pa && f->pb == k->pb && addr_eq(f->a, k->a) && addr_eq(f->b, k->b)) {
        return 0;
    }
    if (f->pa == k->pb && f->pb == k->pa && addr_eq(f->a, k->b) && addr_eq(f->b, k->a)) {
        return 1;
    }
    return -1;
}

static void lru_unlink(scanner_t *s, flow_t *f)
{
    if (f->older != NULL) {
        f->older->newer = f->newer;
    } else {
        s->oldest = f->newer;
    }
    if (f->newer != NULL) {
        f->newer->older = f->older;
    } else {
        s->newest = f->older;
    }
    f->older = f->newer = NULL;
}

static void lru_push(scanner_t *s, flow_t *f)
{
    f->older = s->newest;
    f->newer = NULL;
    if (s->newest != NULL) {
        s->newest->newer = f;
    } else {
        s->oldest = f;
    }
    s->newest = f;
}

static size_t contiguous(const dir_state_t *d)
{
    uint32_t end = 0;
    bool grew = true;
    while (grew) {
        grew = false;
        for (int i = 0; i < d->n_iv; i++) {
            if (d->iv_lo[i] <= end && d->iv_hi[i] > end) {
                end = d->iv_hi[i];
                grew = true;
            }
        }
    }
    return end;
}

static uint32_t covered_end(const dir_state_t *d)
{
    uint32_t e = 0;
    for (int i = 0; i < d->n_iv; i++) {
        e = d->iv_hi[i] > e ? d->iv_hi[i] : e;
    }
    return e;
}

static void fmt_addr(const addr_key_t *k, int side, char *out, size_t cap)
{
    const uint8_t *a = side == 0 ? k->a : k->b;
    if (!k->v6 && cap >= 16) {
        /* Dotted decimal as inet_ntop writes it, without its sprintf per flow end. */
        char *p = out;
        for (int i = 0; i < 4; i++) {
            unsigned v = a[i];
            if (v >= 100) {
                *p++ = (char)('0' + v / 100);
                v %= 100;
                *p++ = (char)('0' + v / 10);
            } else if (v >= 10) {
                *p++ = (char)('0' + v / 10);
            }
            *p++ = (char)('0' + v % 10);
            *p++ = i < 3 ? '.' : '\0';
        }
        return;
    }
    if (inet_ntop(k->v6 ? AF_INET6 : AF_INET, a, out, (socklen_t)cap) == NULL) {
        td_strlcpy(out, "?", cap);
    }
}

/* The digests are fetched once: EVP_get_digestbyname() per call made OpenSSL 3 look the
 * algorithm up under its store's read-write lock for every ClientHello (a profile of
 * handshake-dense traffic showed the locks on the hot path). */
static EVP_MD *g_md5, *g_sha256;
static pthread_once_t g_md_once = PTHREAD_ONCE_INIT;

static void md_fetch(void)
{
    g_md5 = EVP_MD_fetch(NULL, "MD5", NULL);
    g_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static void hex_digest(int sha256, const char *in, char *out, size_t hexlen)
{
    uint8_t d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    static const char hx[] = "0123456789abcdef";
    out[0] = '\0';
    pthread_once(&g_md_once, md_fetch);
    const EVP_MD *md = sha256 ? g_sha256 : g_md5;
    if (md == NULL || EVP_Digest(in, strlen(in), d, &n, md, NULL) != 1) {
        return;
    }
    size_t w = 0;
    for (unsigned int i = 0; i < n && w + 2 <= hexlen; i++) {
        out[w++] = hx[d[i] >> 4];
        out[w++] = hx[d[i] & 15];
    }
    out[w] = '\0';
}

static void ja4_hash(const char *in, char out[13])
{
    if (in[0] == '\0') {
        memcpy(out, "000000000000", 13);
        return;
    }
    char full[65];
    hex_digest(1, in, full, 12);
    td_strlcpy(out, full, 13);
}

/* Decoded certificates, kept by their DER bytes: d2i_X509() (OpenSSL's key decoders, under
 * read-write locks, with many small allocations; about 0.3 ms a certificate with OpenSSL 3.0)
 * was half the time of `tlsdoctor pcap` on real traffic, where a few server certificates recur
 * in thousands of handshakes. A fixed table of CERT_CACHE entries, CERT_WAYS-way set
 * associative, the least recently used entry of a set replaced: bounded memory, and two
 * recurring certificates whose hashes meet do not evict each other on every handshake (a
 * direct-mapped table decoded 920 times on the 1 GB real corpus, 276 on 200 MB). The last
 * CERT_HOSTS host names checked against an entry are kept with their answers (X509_check_host
 * decodes the SAN extension on every call, about 0.1 M instructions; one name per entry left
 * 328 calls on the 205 MB corpus, where a wildcard certificate serves several names). */
#define CERT_CACHE 2048
#define CERT_WAYS  4
#define CERT_HOSTS 4

typedef struct cert_entry {
    uint8_t *der; /* NULL: an empty slot */
    size_t len;
    X509 *x;       /* NULL in a used slot: bytes d2i_X509 did not decode (kept as such) */
    uint64_t used; /* tick of the last lookup */
    td_pcap_cert_t facts;
    char host[CERT_HOSTS][128]; /* the last names checked ("" none; longer ones not kept) */
    int host_ok[CERT_HOSTS];
    int host_next; /* the slot the next name replaces */
} cert_entry_t;

static uint64_t der_hash(const uint8_t *p, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 29;
    }
    for (; i < n; i++) {
        h = (h ^ p[i]) * 0x100000001b3ull;
    }
    return h ^ (h >> 32);
}

static cert_entry_t *cert_get(cert_entry_t *cache, uint64_t *tick, const uint8_t *der, size_t len)
{
    cert_entry_t *set = &cache[(der_hash(der, len) & (CERT_CACHE / CERT_WAYS - 1)) * CERT_WAYS];
    cert_entry_t *e = &set[0];
    for (int w = 0; w < CERT_WAYS; w++) {
        if (set[w].der != NULL && set[w].len == len && memcmp(set[w].der, der, len) == 0) {
            set[w].used = ++*tick;
            return set[w].x != NULL ? &set[w] : NULL;
        }
        if (set[w].used < e->used) {
            e = &set[w];
        }
    }
    /* Bytes that do not decode are kept too (x NULL): a truncated or damaged certificate recurs
     * like a good one, and its d2i_X509 cost as much (23 of 144 calls on the 205 MB real
     * corpus, repeated with every copy of it). */
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    uint8_t *copy = td_malloc(len);
    if (copy == NULL) {
        X509_free(x);
        return NULL;
    }
    memcpy(copy, der, len);
    X509_free(e->x);
    td_free(e->der);
    e->x = x;
    e->der = copy;
    e->len = len;
    e->used = ++*tick;
    for (int i = 0; i < CERT_HOSTS; i++) {
        e->host[i][0] = '\0';
    }
    e->host_next = 0;
    if (x == NULL) {
        return NULL;
    }
    td_pcap_cert_t *pc = &e->facts;
    memset(pc, 0, sizeof(*pc)); /* td_x509_sans_text appends to pc->sans */
    td_x509_name_text(X509_get_subject_name(x), pc->subject, sizeof(pc->subject));
    td_x509_name_text(X509_get_issuer_name(x), pc->issuer, sizeof(pc->issuer));
    pc->not_before = td_asn1_time_unix(X509_get0_notBefore(x));
    pc->not_after = td_asn1_time_unix(X509_get0_notAfter(x));
    (void)td_x509_sans_text(x, pc->sans, sizeof(pc->sans));
    return e;
}

/* Whether the certificate covers host (X509_check_host), the last answer kept. */
static int cert_host_ok(cert_entry_t *e, const char *host)
{
    size_t n = strlen(host);
    for (int i = 0; n < sizeof(e->host[0]) && i < CERT_HOSTS; i++) {
        if (e->host[i][0] != '\0' && strcmp(e->host[i], host) == 0) {
            return e->host_ok[i];
        }
    }
    int ok = X509_check_host(e->x, host, n, 0, NULL) == 1;
    if (n < sizeof(e->host[0])) {
        memcpy(e->host[e->host_next], host, n + 1);
        e->host_ok[e->host_next] = ok;
        e->host_next = (e->host_next + 1) % CERT_HOSTS;
    }
    return ok;
}

static void cert_cache_free(cert_entry_t *cache)
{
    for (int i = 0; i < CERT_CACHE; i++) {
        X509_free(cache[i].x);
        td_free(cache[i].der);
    }
}

/* Fingerprints by their inputs: the JA3 MD5, the JA4 and JA4S hashes (SHA-256) and their
 * strings cost more than the rest of a connection's parse, and real traffic repeats a few
 * client and server hellos. Direct-mapped, FP_MEMO slots per table, the key (the exact
 * inputs) kept and compared whole, so a hit gives the same strings as computing them. */
#define FP_MEMO 1024

typedef struct fp_memo {
    uint8_t *key;
    size_t len;
    char out[2][40];
    char *ja3; /* client table: the JA3 string (NULL when it could not be kept) */
    int ja3_rc;
} fp_memo_t;

/* The slot of key in memo, with its strings when they were computed before (1) or not (0:
 * the caller computes and fills e->out, and the key is stored if memory allows). */
static int fp_memo_get(fp_memo_t *memo, const uint8_t *key, size_t len, fp_memo_t **slot)
{
    fp_memo_t *e = &memo[der_hash(key, len) & (FP_MEMO - 1)];
    *slot = e;
    if (e->key != NULL && e->len == len && memcmp(e->key, key, len) == 0) {
        return 1;
    }
    td_free(e->key);
    td_free(e->ja3);
    e->ja3 = NULL;
    e->key = td_malloc(len);
    e->len = e->key != NULL ? len : 0;
    if (e->key != NULL) {
        memcpy(e->key, key, len);
    }
    memset(e->out, 0, sizeof(e->out));
    return 0;
}

static void fp_memo_free(fp_memo_t *memo)
{
    for (int i = 0; memo != NULL && i < FP_MEMO; i++) {
        td_free(memo[i].key);
        td_free(memo[i].ja3);
    }
}

static size_t put_u16s(uint8_t *k, size_t at, const uint16_t *v, int n)
{
    uint16_t cnt = (uint16_t)n;
    memcpy(k + at, &cnt, 2);
    memcpy(k + at + 2, v, (size_t)n * 2);
    return at + 2 + (size_t)n * 2;
}

/* The values of v that are not GREASE, and their count. */
static size_t put_u16s_nogrease(uint8_t *k, size_t at, const uint16_t *v, int n)
{
    uint16_t cnt = 0;
    for (int i = 0; i < n; i++) {
        if (!td_is_grease(v[i])) {
            memcpy(k + at + 2 + (size_t)cnt * 2, &v[i], 2);
            cnt++;
        }
    }
    memcpy(k + at, &cnt, 2);
    return at + 2 + (size_t)cnt * 2;
}

/* JA3 (string and MD5), JA4 of a ClientHello; JA4S of a ServerHello. */
static void fingerprints(scanner_t *s, td_pcap_conn_t *c)
{
    char a[16], b[TD_CH_MAX_CIPHERS * 5 + 8], cc[900], hb[13], hc[13];
    if (c->ch.has_hello) {
        const td_client_flight_t *ch = &c->ch;
        fp_memo_t *e = NULL;
        /* The JA3 string is the version, suites, extensions and groups without GREASE, and
         * the point formats, in decimal: those values are the key (building the string was
         * 6% of the instructions), then what JA4 adds: the supported versions, signature
         * algorithms, ALPN and SNI. A hit gives the JA3 string kept with the key. */
        uint8_t ck[2 * (TD_CH_MAX_CIPHERS + 5 * TD_CH_MAX + 16 + 8) + sizeof(ch->alpn_first)];
        size_t cn = 0;
        memcpy(ck, &ch->legacy_version, 2);
        cn = put_u16s_nogrease(ck, 2, ch->ciphers, ch->n_ciphers);
        cn = put_u16s_nogrease(ck, cn, ch->exts, ch->n_exts);
        cn = put_u16s_nogrease(ck, cn, ch->groups, ch->n_groups);
        ck[cn++] = (uint8_t)ch->n_point_formats;
        memcpy(ck + cn, ch->point_formats, (size_t)ch->n_point_formats);
        cn += (size_t)ch->n_point_formats;
        cn = put_u16s(ck, cn, ch->versions, ch->n_versions);
        cn = put_u16s(ck, cn, ch->sigalgs, ch->n_sigalgs);
        size_t cal = ch->alpn_first_len < sizeof(ch->alpn_first) ? ch->alpn_first_len
                                                                 : sizeof(ch->alpn_first);
        ck[cn++] = (uint8_t)cal;
        memcpy(ck + cn, ch->alpn_first, cal);
        cn += cal;
        ck[cn++] = (uint8_t)(ch->has_sni != 0);
        bool hit = fp_memo_get(s->fp_client, ck, cn, &e) == 1 && e->ja3 != NULL;
        int rc = 0;
        if (hit) {
            td_strlcpy(c->ja3, e->ja3, sizeof(c->ja3));
            rc = e->ja3_rc;
        } else {
            rc = td_ja3_string(ch, c->ja3, sizeof(c->ja3));
            size_t jl = strlen(c->ja3) + 1;
            if ((e->ja3 = td_malloc(jl)) != NULL) {
                memcpy(e->ja3, c->ja3, jl);
            }
            e->ja3_rc = rc;
            if (rc == 0) {
                hex_digest(0, c->ja3, e->out[0], 32);
            }
        }
        if (rc == 0) {
            td_strlcpy(c->ja3_md5, e->out[0], sizeof(c->ja3_md5));
        }
        if (hit) {
            td_strlcpy(c->ja4, e->out[1], sizeof(c->ja4));
        } else if (td_ja4_parts(ch, a, sizeof(a), b, sizeof(b), cc, sizeof(cc)) == 0) {
            ja4_hash(b, hb);
            ja4_hash(cc, hc);
            td_fmt(c->ja4, sizeof(c->ja4), "%s_%s_%s", a, hb, hc);
            td_strlcpy(e->out[1], c->ja4, sizeof(e->out[1]));
        }
        if (c->sh.has_server_hello) {
            const td_server_flight_t *sh = &c->sh;
            uint8_t key[8 + 2 * 33 + 40];
            size_t n = 0;
            memcpy(key, &sh->version, 2);
            memcpy(key + 2, &sh->cipher, 2);
            n = put_u16s(key, 4, sh->exts, sh->n_exts);
            size_t al = sh->alpn_raw_len < sizeof(sh->alpn_raw) ? sh->alpn_raw_len
                                                                : sizeof(sh->alpn_raw);
            key[n++] = (uint8_t)al;
            memcpy(key + n, sh->alpn_raw, al);
            n += al;
            fp_memo_t *se = NULL;
            if (fp_memo_get(s->fp_server, key, n, &se) == 1) {
                td_strlcpy(c->ja4s, se->out[0], sizeof(c->ja4s));
            } else if (td_ja4s_parts(sh, a, sizeof(a), b, sizeof(b), cc, sizeof(cc)) == 0) {
                ja4_hash(cc, hc);
                td_fmt(c->ja4s, sizeof(c->ja4s), "%s_%s_%s", a, b, hc);
                td_strlcpy(se->out[0], c->ja4s, sizeof(se->out[0]));
            }
        }
    }
}

/* The certificates of a TLS <= 1.2 flight, decoded by OpenSSL from the DER views. */
static void read_certs(scanner_t *s, td_pcap_conn_t *c)
{
    c->cert_name_ok = -1;
    if (c->sh.n_certs == 0) {
        return;
    }
    scanner_t *cs = s->certs_of != NULL ? s->certs_of : s;
    if (s->cert_lock != NULL) {
        pthread_mutex_lock(s->cert_lock);
    }
    for (int i = 0; i < c->sh.n_certs && c->n_certs < (int)TD_ARRAY_LEN(c->certs); i++) {
        cert_entry_t *e = cert_get(cs->certs, &cs->cert_tick, c->sh.certs[i].p, c->sh.certs[i].len);
        if (e == NULL) {
            break;
        }
        c->certs[c->n_certs++] = e->facts;
        if (i == 0 && c->ch.has_sni) {
            c->cert_name_ok = cert_host_ok(e, c->ch.sni);
        }
    }
    if (s->cert_lock != NULL) {
        pthread_mutex_unlock(s->cert_lock);
    }
}

static void count_add(td_pcap_count_t *rows, int *n, uint64_t *other, const char *key,
                      uint64_t first)
{
    for (int i = 0; i < *n; i++) {
        if (strcmp(rows[i].key, key) == 0) {
            rows[i].n++;
            return;
        }
    }
    if (*n < TD_PCAP_SERVER_KEYS) {
        td_strlcpy(rows[*n].key, key, sizeof(rows[0].key));
        rows[*n].first = first;
        rows[(*n)++].n = 1;
    } else {
        (*other)++;
    }
}

static void sni_pick(td_pcap_server_t *sv, const char *sni, double ts)
{
    if (sv->sni[0] == '\0' || ts < sv->sni_ts || (ts == sv->sni_ts && strcmp(sni, sv->sni) < 0)) {
        td_strlcpy(sv->sni, sni, sizeof(sv->sni));
        sv->sni_ts = ts;
    }
}

/* One failing handshake of server (address:port) into the per-server summary. */
static void server_fail(scanner_t *s, const char *server, const td_pcap_conn_t *c, uint64_t first)
{
    td_pcap_summary_t *sum = s->sum;
    td_pcap_server_t *sv = NULL;
    uint32_t h = str_hash(server);
    size_t slot = 0;
    int row = key_find(s->server_ix, TD_ARRAY_LEN(s->server_ix), h, server, sum->servers[0].server,
                       sizeof(sum->servers[0]), &slot);
    if (row >= 0) {
        sv = &sum->servers[row];
    }
    if (sv == NULL) {
        if (sum->n_servers == TD_PCAP_SERVERS) {
            sum->servers_other++;
            return;
        }
        s->server_ix[slot].h = h;
        s->server_ix[slot].row = (uint16_t)(sum->n_servers + 1);
        sv = &sum->servers[sum->n_servers++];
        td_strlcpy(sv->server, server, sizeof(sv->server));
        sv->first = first;
        sv->first_failure = c->t.ts_first;
        sv->last_failure = c->t.ts_first;
    }
    sv->failures++;
    if (c->t.ts_first < sv->first_failure) {
        sv->first_failure = c->t.ts_first;
    }
    if (c->t.ts_first > sv->last_failure) {
        sv->last_failure = c->t.ts_first;
    }
    /* The SNI of the earliest failing handshake that has one (the same whatever the order
     * connections finish in, so --threads gives the same). */
    if (c->ch.sni[0] != '\0') {
        char sni[sizeof(sv->sni)];
        td_strlcpy(sni, c->ch.sni, sizeof(sni));
        sni_pick(sv, sni, c->t.ts_first);
    }
    count_add(sv->causes, &sv->n_causes, &sv->causes_other, c->finding, first);
    count_add(sv->ja4, &sv->n_ja4, &sv->ja4_other, c->ja4[0] ? c->ja4 : "(no ClientHello)", first);
}

/* The handshake message type a stream starts with (a TLS handshake record), -1 otherwise. */
static int first_hs_type(const dir_state_t *d)
{
    if (d->buf == NULL || d->n_iv == 0 || contiguous(d) < 6 || d->buf[0] != TD_CT_HANDSHAKE ||
        d->buf[1] != 3) {
        return -1;
    }
    return d->buf[5];
}

/* Without the SYN the first sender was taken for the client. Content decides when it can (a
 * ClientHello, a ServerHello); otherwise a well-known port below 1024 is the server's. */
static bool reversed_by_content(const flow_t *f)
{
    if (f->t.syn || f->t.synack) {
        return false;
    }
    int h0 = first_hs_type(&f->d[0]), h1 = first_hs_type(&f->d[1]);
    if (h0 == TD_HS_CLIENT_HELLO || h1 == TD_HS_SERVER_HELLO) {
        return false;
    }
    if (h1 == TD_HS_CLIENT_HELLO || h0 == TD_HS_SERVER_HELLO) {
        return true;
    }
    return f->key.pa < 1024 && f->key.pb >= 1024;
}

static void swap_int(int *a, int *b)
{
    int t = *a;
    *a = *b;
    *b = t;
}

static void swap_facts(td_pcap_facts_t *t)
{
    char tmp[sizeof(t->client)];
    memcpy(tmp, t->client, sizeof(tmp));
    memcpy(t->client, t->server, sizeof(tmp));
    memcpy(t->server, tmp, sizeof(tmp));
    uint16_t p = t->cport;
    t->cport = t->sport;
    t->sport = p;
    swap_int(&t->fin_client, &t->fin_server);
    swap_int(&t->rst_client, &t->rst_server);
    swap_int(&t->retrans_client, &t->retrans_server);
    swap_int(&t->gap_client, &t->gap_server);
    swap_int(&t->trunc_client, &t->trunc_server);
    uint64_t b = t->bytes_client;
    t->bytes_client = t->bytes_server;
    t->bytes_server = b;
    t->retrans_server_large = 0; /* counted for the other side: unknown */
    t->first_close = t->first_close == 0 ? 0 : 3 - t->first_close;
}

/* "address:port" as td_fmt(out, cap, "%s:%u") writes it, without a vsnprintf per failing
 * connection (1.4% of the instructions on the real corpus). */
static void addr_port(char *out, size_t cap, const char *addr, uint16_t port)
{
    char tmp[sizeof(((td_pcap_facts_t *)0)->server) + 8];
    size_t n = strlen(addr);
    if (n >= sizeof(tmp) - 7) { /* not from fmt_addr: the general way */
        td_fmt(out, cap, "%s:%u", addr, (unsigned)port);
        return;
    }
    memcpy(tmp, addr, n);
    tmp[n++] = ':';
    n += td_dec(tmp + n, port);
    tmp[n] = '\0';
    td_strlcpy(out, tmp, cap);
}

static void finish(scanner_t *s, flow_t *f)
{
    td_pcap_conn_t *c = &s->work;
    /* Zeroed but for ch and sh, which their parsers below clear whole, and the JA3 string past
     * its first byte (7 KB, written and read as a string): clearing all 13 KB per connection
     * was 15% of the instructions counted by callgrind (which counts rep stosb per byte). */
    _Static_assert(offsetof(td_pcap_conn_t, sh) ==
                                   offsetof(td_pcap_conn_t, ch) + sizeof(td_client_flight_t) &&
                           offsetof(td_pcap_conn_t, server_page) ==
                                   offsetof(td_pcap_conn_t, sh) + sizeof(td_server_flight_t) &&
                           offsetof(td_pcap_conn_t, ja3_md5) ==
                                   offsetof(td_pcap_conn_t, ja3) + sizeof(c->ja3),
                   "finish() clears td_pcap_conn_t around ch, sh and ja3");
    memset(c, 0, offsetof(td_pcap_conn_t, ch));
    memset(&c->server_page, 0,
           offsetof(td_pcap_conn_t, ja3) - offsetof(td_pcap_conn_t, server_page));
    c->ja3[0] = '\0';
    memset(c->ja3_md5, 0, sizeof(*c) - offsetof(td_pcap_conn_t, ja3_md5));
    c->t = f->t;
    td_pcap_summary_t *sum = s->sum;
    int rev = reversed_by_content(f);
    const dir_state_t *dc = &f->d[rev], *ds = &f->d[!rev];
    if (rev) {
        swap_facts(&c->t);
    }
    size_t n0 = contiguous(dc), n1 = contiguous(ds);
    c->t.gap_client = n0 < covered_end(dc);
    c->t.gap_server = n1 < covered_end(ds);
    const uint8_t *b0 = dc->buf, *b1 = ds->buf;
    td_client_flight_parse(b0, n0, s->scratch[0], sizeof(s->scratch[0]), &c->ch);
    td_server_flight_parse(b1, n1, s->scratch[1], sizeof(s->scratch[1]), &c->sh);
    /* TLS after a preamble (an HTTP CONNECT, a SOCKS exchange, a STARTTLS dialogue): found by
     * content, and both directions parsed from their first handshake record. */
    if (!c->ch.has_hello && n0 > 0) {
        size_t co = td_tls_find_handshake(b0, n0, TD_HS_CLIENT_HELLO, 4096);
        if (co > 0 && co < n0) {
            td_client_flight_t ch;
            td_reader_t r0;
            td_bytes_t v0;
            td_reader_init(&r0, b0, n0);
            if (td_reader_skip(&r0, co) == 0 &&
                td_reader_bytes(&r0, td_reader_left(&r0), &v0) == 0) {
                td_client_flight_parse(v0.p, v0.len, s->scratch[0], sizeof(s->scratch[0]), &ch);
                if (ch.has_hello) {
                    c->ch = ch;
                    c->preamble_client = co;
                    size_t so = td_tls_find_handshake(b1, n1, TD_HS_SERVER_HELLO, 4096);
                    td_reader_t r1;
                    td_bytes_t v1;
                    td_reader_init(&r1, b1, n1);
                    if (so < n1 && td_reader_skip(&r1, so) == 0 &&
                        td_reader_bytes(&r1, td_reader_left(&r1), &v1) == 0) {
                        c->preamble_server = so;
                        td_server_flight_parse(v1.p, v1.len, s->scratch[1], sizeof(s->scratch[1]),
                                               &c->sh);
                    }
                }
            }
        }
    }
    if (n1 > 0 && c->preamble_client == 0) {
        if (td_sniff_is_tls(b1, n1)) {
            c->server_tls = 1; /* what td_sniff_classify says, without its printable copy */
        } else {               /* not TLS: what else (server_tls stays 0, as cleared above) */
            td_sniff_t sn;
            td_sniff_classify(b1, n1, &sn);
            c->server_http = sn.cls == TD_SNIFF_HTTP || sn.cls == TD_SNIFF_HTML;
            c->server_http_status = sn.http_status;
            c->server_page = sn.page_sign;
        }
    }
    fingerprints(s, c);
    read_certs(s, c);
    td__pcap_judge(c);
    /* The views into the scratch buffers die with this call. */
    memset(c->sh.certs, 0, sizeof(c->sh.certs));

    uint64_t at = sum->packets; /* with --threads, set by the owner from the span's count */
    sum->conns++;
    if (c->ch.has_hello) {
        sum->tls_conns++;
    }
    top_count(s, TOP_OUTCOMES, &sum->outcomes, c->outcome, at);
    if (c->finding != NULL) {
        char sni[64];
        top_count(s, TOP_FINDINGS, &sum->findings, c->finding, at);
        top_count(s, TOP_CLIENTS, &sum->fail_clients, c->t.client, at);
        addr_port(sni, sizeof(sni), c->t.server, c->t.sport);
        top_count(s, TOP_SERVERS, &sum->fail_servers, sni, at);
        if (c->result != NULL && strcmp(c->result, "failed") == 0) {
            server_fail(s, sni, c, at);
        }
        if (c->ch.sni[0] != '\0') {
            top_count(s, TOP_SNI, &sum->fail_sni, c->ch.sni, at);
        }
    }
    if (c->sh.has_server_hello && !c->sh.is_hrr) {
        top_count(s, TOP_VERSIONS, &sum->versions, td_version_name(c->sh.version), at);
        top_count(s, TOP_CIPHERS, &sum->ciphers, td_cipher_name(c->sh.cipher), at);
    }
    if (c->ja4[0] != '\0') {
        top_count(s, TOP_JA4, &sum->ja4, c->ja4, at);
    }
    if (s->cb != NULL) {
        bool lock = s->cb_lock != NULL && !s->opt->cb_concurrent;
        if (lock) {
            pthread_mutex_lock(s->cb_lock);
        }
        if (!atomic_load_explicit(s->cb_failed, memory_order_relaxed) && s->cb(c, s->user) < 0) {
            atomic_store_explicit(s->cb_failed, 1, memory_order_relaxed);
        }
        if (lock) {
            pthread_mutex_unlock(s->cb_lock);
        }
    }
}

/* Stream buffers over SPARE_BUF are allocated WINDOW bytes at once and kept for reuse (up to
 * SPARE_WINDOWS): growing them 16 -> 32 -> 64 KB copied their bytes twice more, and freeing
 * them made malloc hand the heap top back and fault it in again (on the 1 GB real corpus two
 * thirds of the 45,000 page faults were in the stream copy). */
static uint8_t *window_get(scanner_t *s)
{
    return s->nwindows > 0 ? s->windows[--s->nwindows] : td_malloc(WINDOW);
}

static void buf_release(scanner_t *s, uint8_t *buf, size_t phys)
{
    if (buf != NULL && phys == WINDOW && s->nwindows < SPARE_WINDOWS) {
        s->windows[s->nwindows++] = buf;
    } else {
        td_free(buf);
    }
}

/* Finished flows are kept for reuse (up to SPARE_FLOWS, with their first stream buffers):
 * handshake-dense traffic otherwise calls malloc and free three times per connection. */
static void flow_free(scanner_t *s, flow_t *f)
{
    bool keep = s->nspare < SPARE_FLOWS;
    for (int i = 0; i < 2; i++) {
        s->buf_bytes -= f->d[i].cap;
        if (!keep || f->d[i].phys > SPARE_BUF) {
            buf_release(s, f->d[i].buf, f->d[i].phys);
            f->d[i].buf = NULL;
            f->d[i].cap = 0;
            f->d[i].phys = 0;
        }
    }
    if (!keep) {
        td_free(f);
        return;
    }
    f->hnext = s->spare;
    s->spare = f;
    s->nspare++;
}

static flow_t *flow_alloc(scanner_t *s)
{
    flow_t *f = s->spare;
    if (f == NULL) {
        return td_calloc(1, sizeof(*f));
    }
    s->spare = f->hnext;
    s->nspare--;
    uint8_t *buf[2] = { f->d[0].buf, f->d[1].buf };
    size_t cap[2] = { f->d[0].cap, f->d[1].cap };
    memset(f, 0, sizeof(*f));
    for (int i = 0; i < 2; i++) {
        f->d[i].buf = buf[i];
        f->d[i].cap = f->d[i].phys = cap[i];
        s->buf_bytes += cap[i];
    }
    return f;
}

static void spare_free(scanner_t *s)
{
    while (s->spare != NULL) {
        flow_t *f = s->spare;
        s->spare = f->hnext;
        td_free(f->d[0].buf);
        td_free(f->d[1].buf);
        td_free(f);
    }
    s->nspare = 0;
    while (s->nwindows > 0) {
        td_free(s->windows[--s->nwindows]);
    }
}

/* idle: 0 closed (FIN, RST, port reuse), 1 quiet for IDLE_SECONDS, 2 end of the capture or
 * evicted for room. */
static void flow_remove(scanner_t *s, flow_t *f, int idle)
{
    f->t.evicted_idle = idle != 0;
    f->t.capture_ended = idle == 2;
    finish(s, f);
    size_t b = key_hash(&f->key) & (s->nbuckets - 1);
    for (flow_t **pp = &s->buckets[b]; *pp != NULL; pp = &(*pp)->hnext) {
        if (*pp == f) {
            *pp = f->hnext;
            break;
        }
    }
    lru_unlink(s, f);
    s->nflows--;
    flow_free(s, f);
}

/* hash: key_hash(k), computed once per packet by the caller (it also picks the owner). */
static flow_t *flow_get(scanner_t *s, const addr_key_t *k, uint64_t hash, uint32_t seq,
                        int syn_only, int synack, int create, int *dir)
{
    size_t b = hash & (s->nbuckets - 1);
    for (flow_t *f = s->buckets[b]; f != NULL; f = f->hnext) {
        int m = key_match(&f->key, k);
        if (m >= 0) {
            /* A retransmitted SYN (same ISN; with TCP Fast Open it carried data, RFC 7413)
             * belongs to the flow. */
            bool same_syn = syn_only && m == 0 && f->t.syn && f->isn == seq;
            if (same_syn || !(syn_only && (f->t.bytes_client > 0 || f->t.fin_client ||
                                           f->t.rst_client || f->t.rst_server))) {
                *dir = m;
                return f;
            }
            /* A new SYN on a used 4-tuple: the port was reused; the old flow is done. */
            flow_remove(s, f, 0);
            break;
        }
    }
    /* Only a SYN or data starts a flow: the last ACK after both FINs does not. */
    if (!create) {
        return NULL;
    }
    while (s->nflows >= s->max_flows && s->oldest != NULL) {
        s->sum->evicted_full++;
        flow_remove(s, s->oldest, 2);
    }
    flow_t *f = flow_alloc(s);
    if (f == NULL) {
        return NULL;
    }
    td_pcap_facts_t *c = &f->t;
    /* The client is the SYN sender; without a SYN, the first sender unless it sent SYN-ACK. */
    int reversed = synack && !syn_only;
    if (reversed) {
        memcpy(f->key.a, k->b, 16);
        memcpy(f->key.b, k->a, 16);
        f->key.pa = k->pb;
        f->key.pb = k->pa;
        f->key.v6 = k->v6;
    } else {
        f->key = *k;
    }
    *dir = reversed;
    fmt_addr(&f->key, 0, c->client, sizeof(c->client));
    fmt_addr(&f->key, 1, c->server, sizeof(c->server));
    c->cport = f->key.pa;
    c->sport = f->key.pb;
    c->ts_first = s->now;
    f->hnext = s->buckets[b];
    s->buckets[b] = f;
    lru_push(s, f);
    s->nflows++;
    if (s->nflows > s->sum->peak_flows) {
        s->sum->peak_flows = s->nflows;
    }
    return f;
}

/* Puts [seq, seq+len) of one direction into its window. Returns 1 when every byte was
 * already there (a retransmission). */
static int stream_add(scanner_t *s, dir_state_t *d, uint32_t seq, const uint8_t *p, size_t len,
                      int *trunc)
{
    if (!d->have_base) {
        d->have_base = 1;
        d->base = seq;
    }
    uint32_t off = seq - d->base; /* modulo 2^32: wraps like TCP */
    if (off >= WINDOW && d->n_iv == 0) {
        /* No byte yet and far from the SYN's number: the SYN seen was another one (several
         * SYN-ACKs with different ISNs); the stream starts here. */
        d->base = seq;
        off = 0;
    }
    if (off >= WINDOW) {
        *trunc = 1;
        return 0;
    }
    uint32_t end = off + (uint32_t)len;
    if (end > WINDOW) {
        end = WINDOW;
        *trunc = 1;
    }
    /* Retransmission: the range is inside one filled interval. */
    for (int i = 0; i < d->n_iv; i++) {
        if (d->iv_lo[i] <= off && end <= d->iv_hi[i]) {
            return 1;
        }
    }
    if (end > d->cap) {
        size_t ncap = d->cap == 0 ? 4096 : d->cap;
        while (ncap < end) {
            ncap *= 2;
        }
        ncap = ncap > WINDOW ? WINDOW : ncap;
        if (ncap > d->phys) {
            size_t nphys = ncap > SPARE_BUF ? WINDOW : ncap;
            uint8_t *nb = nphys == WINDOW ? window_get(s) : td_malloc(nphys);
            if (nb == NULL) {
                *trunc = 1;
                return 0;
            }
            if (d->buf != NULL) {
                memcpy(nb, d->buf, d->cap);
                buf_release(s, d->buf, d->phys);
            }
            d->buf = nb;
            d->phys = nphys;
        }
        s->buf_bytes += ncap - d->cap;
        d->cap = ncap;
    }
    memcpy(d->buf + off, p, end - off);
    /* Merge into the interval list (first bytes win on overlap is moot: same bytes). */
    uint32_t lo = off, hi = end;
    for (int i = 0; i < d->n_iv;) {
        if (d->iv_lo[i] <= hi && lo <= d->iv_hi[i]) {
            lo = d->iv_lo[i] < lo ? d->iv_lo[i] : lo;
            hi = d->iv_hi[i] > hi ? d->iv_hi[i] : hi;
            d->iv_lo[i] = d->iv_lo[d->n_iv - 1];
            d->iv_hi[i] = d->iv_hi[d->n_iv - 1];
            d->n_iv--;
        } else {
            i++;
        }
    }
    if (d->n_iv < MAX_INTERVALS) {
        d->iv_lo[d->n_iv] = lo;
        d->iv_hi[d->n_iv] = hi;
        d->n_iv++;
    } else {
        *trunc = 1;
    }
    return 0;
}

/* ---- packet decoding ------------------------------------------------------------------ */

typedef struct tcp_pkt {
    addr_key_t k;
    uint32_t seq;
    uint8_t flags;
    td_bytes_t payload;
} tcp_pkt_t;

enum { TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_RST = 0x04, TCP_ACK = 0x10 };

#define MAX_ENCAP 6 /* nested encapsulations followed */

static int decode_frame(scanner_t *s, uint16_t lt, td_reader_t *r, tcp_pkt_t *t, int depth);
static int decode_ether(scanner_t *s, td_reader_t *r, tcp_pkt_t *t, int depth);
static int decode_ethertype(scanner_t *s, uint16_t et, td_reader_t *r, tcp_pkt_t *t, int depth);

static int truncated(scanner_t *s)
{
    s->sum->truncated_packets++;
    return 1;
}

static int decode_ip(scanner_t *s, td_reader_t *r, tcp_pkt_t *t, int depth);

/* UDP tunnels, by destination port (either port for GTP-U and CAPWAP, whose two ends use the
 * same one): VXLAN 4789 (RFC 7348), Geneve 6081 (RFC 8926), GTP-U 2152 (3GPP TS 29.281),
 * CAPWAP data 5247 (RFC 5415 §4.3; RFC 5416 §3 for 802.11 frames). 0 decoded, 1 skip. */
static int decode_udp(scanner_t *s, td_reader_t *l4, tcp_pkt_t *t, int depth)
{
    uint16_t sp = 0, dp = 0;
    if (td_reader_u16(l4, &sp) < 0 || td_reader_u16(l4, &dp) < 0 || td_reader_skip(l4, 4) < 0) {
        return truncated(s);
    }
    if (dp == 4789) { /* flags(1) reserved(3) VNI(3) reserved(1), then Ethernet */
        return td_reader_skip(l4, 8) < 0 ? truncated(s) : decode_ether(s, l4, t, depth + 1);
    }
    if (dp == 6081) { /* ver+optlen(1) flags(1) protocol(2) VNI(3) rsvd(1) options */
        uint8_t vo = 0;
        uint16_t proto = 0;
        if (td_reader_u8(l4, &vo) < 0 || td_reader_skip(l4, 1) < 0 ||
            td_reader_u16(l4, &proto) < 0 || td_reader_skip(l4, 4 + (size_t)(vo & 0x3f) * 4) < 0) {
            return truncated(s);
        }
        return decode_ethertype(s, proto, l4, t, depth + 1);
    }
    if (dp == 2152 || sp == 2152) {
        uint8_t fl = 0, type = 0;
        if (td_reader_u8(l4, &fl) < 0 || td_reader_u8(l4, &type) < 0 || td_reader_skip(l4, 6) < 0) {
            return truncated(s);
        }
        if ((fl >> 5) != 1 || type != 0xff) { /* GTPv1, G-PDU only */
            s->sum->non_tcp++;
            return 1;
        }
        if (fl & 0x07) { /* sequence, N-PDU, next extension type */
            uint8_t next = 0;
            if (td_reader_skip(l4, 3) < 0 || td_reader_u8(l4, &next) < 0) {
                return truncated(s);
            }
            for (int n = 0; next != 0 && n < 8; n++) { /* extension headers, 4-byte units */
                uint8_t units = 0;
                if (td_reader_u8(l4, &units) < 0 || units == 0 ||
                    td_reader_skip(l4, (size_t)units * 4 - 2) < 0 || td_reader_u8(l4, &next) < 0) {
                    return truncated(s);
                }
            }
        }
        return decode_ip(s, l4, t, depth + 1);
    }
    if (dp == 5247 || sp == 5247) {
        uint8_t pre = 0, b1 = 0, b2 = 0;
        if (td_reader_u8(l4, &pre) < 0 || td_reader_u8(l4, &b1) < 0 || td_reader_u8(l4, &b2) < 0) {
            return truncated(s);
        }
        size_t hlen = (size_t)(b1 >> 3) * 4; /* HLEN: 5 bits, 4-byte words */
        int tbit = b2 & 0x01;                /* T: native frame of WBID */
        int wbid = (b2 >> 1) & 0x1f;         /* bits 18-22 */
        if ((pre >> 4) != 0 || (pre & 0x0f) != 0 || hlen < 8 || td_reader_skip(l4, hlen - 3) < 0) {
            return truncated(s);
        }
        if (tbit && wbid == 1) { /* native IEEE 802.11 (RFC 5416 §3) */
            uint16_t fc = 0;
            uint8_t llc[6];
            td_bytes_t v;
            if (td_reader_u16(l4, &fc) < 0) {
                return truncated(s);
            }
            uint8_t fc0 = (uint8_t)(fc >> 8), fc1 = (uint8_t)fc;
            if (((fc0 >> 2) & 3) != 2) { /* data frames only */
                s->sum->non_ip++;
                return 1;
            }
            size_t hdr = 22u + ((fc1 & 3) == 3 ? 6u : 0u) + ((fc0 & 0x80) ? 2u : 0u);
            if (td_reader_skip(l4, hdr) < 0 || td_reader_bytes(l4, 6, &v) < 0) {
                return truncated(s);
            }
            memcpy(llc, v.p, 6);
            uint16_t et = 0;
            if (memcmp(llc, "\xaa\xaa\x03\x00\x00\x00", 6) != 0 || td_reader_u16(l4, &et) < 0) {
                s->sum->non_ip++;
                return 1;
            }
            return decode_ethertype(s, et, l4, t, depth + 1);
        }
        return decode_ether(s, l4, t, depth + 1); /* 802.3 */
    }
    s->sum->non_tcp++;
    return 1;
}

/* GRE (RFC 2784, RFC 2890 key and sequence, RFC 2637 enhanced GRE for PPTP); ERSPAN II / III
 * carry Ethernet after 8 / 12 bytes. */
static int decode_gre(scanner_t *s, td_reader_t *l4, tcp_pkt_t *t, int depth)
{
    uint16_t fl = 0, proto = 0;
    if (td_reader_u16(l4, &fl) < 0 || td_reader_u16(l4, &proto) < 0) {
        return truncated(s);
    }
    size_t opt = ((fl & 0x8000) ? 4u : 0u) + ((fl & 0x2000) ? 4u : 0u) + ((fl & 0x1000) ? 4u : 0u) +
                 (((fl & 7) == 1 && (fl & 0x0080)) ? 4u : 0u);
    if (td_reader_skip(l4, opt) < 0) {
        return truncated(s);
    }
    if (proto == 0x88be || proto == 0x22eb) {
        if (td_reader_skip(l4, proto == 0x88be ? 8 : 12) < 0) {
            return truncated(s);
        }
        return decode_ether(s, l4, t, depth + 1);
    }
    if (proto == 0x880b) { /* PPP */
        return decode_frame(s, 9, l4, t, depth + 1);
    }
    return decode_ethertype(s, proto, l4, t, depth + 1);
}

/* IPv4 (RFC 791) / IPv6 (RFC 8200) down to TCP (RFC 9293), through IP-in-IP (4, 41), GRE (47)
 * and UDP tunnels. 0 ok, 1 not TCP / fragment / skipped. */
static int decode_ip(scanner_t *s, td_reader_t *r, tcp_pkt_t *t, int depth)
{
    uint8_t vihl = 0, proto = 0;
    td_reader_t ipr = *r;
    if (depth > MAX_ENCAP) {
        s->sum->non_ip++;
        return 1;
    }
    memset(&t->k, 0, sizeof(t->k));
    if (td_reader_u8(&ipr, &vihl) < 0) {
        return truncated(s);
    }
    td_reader_t l4;
    if ((vihl >> 4) == 4) {
        /* The rest of the header as one view (one bounds check, not eleven): tos, total
         * length, id, flags + fragment offset, ttl, protocol, checksum, source, destination,
         * options. */
        td_bytes_t h;
        size_t ihl = (size_t)(vihl & 15) * 4;
        if (ihl < 20 || td_reader_bytes(&ipr, ihl - 1, &h) < 0) {
            return truncated(s);
        }
        uint16_t total = td_be16(h.p + 1), frag = td_be16(h.p + 5);
        proto = h.p[8];
        if ((frag & 0x3fff) != 0) { /* MF set or an offset: a fragment */
            s->sum->fragments++;
            return 1;
        }
        memcpy(t->k.a, h.p + 11, 4);
        memcpy(t->k.b, h.p + 15, 4);
        /* The IP total length bounds the payload (Ethernet pads short frames). */
        size_t avail = td_reader_left(&ipr);
        size_t want = total >= ihl ? (size_t)total - ihl : 0;
        td_bytes_t rest;
        if (td_reader_bytes(&ipr, want < avail ? want : avail, &rest) < 0) {
            return 1;
        }
        td_reader_init(&l4, rest.p, rest.len);
    } else if ((vihl >> 4) == 6) {
        uint16_t plen = 0;
        td_bytes_t src, dst;
        if (td_reader_skip(&ipr, 3) < 0 || td_reader_u16(&ipr, &plen) < 0 ||
            td_reader_u8(&ipr, &proto) < 0 || td_reader_skip(&ipr, 1) < 0 ||
            td_reader_bytes(&ipr, 16, &src) < 0 || td_reader_bytes(&ipr, 16, &dst) < 0) {
            return truncated(s);
        }
        t->k.v6 = 1;
        memcpy(t->k.a, src.p, 16);
        memcpy(t->k.b, dst.p, 16);
        size_t avail = td_reader_left(&ipr);
        td_bytes_t rest;
        if (td_reader_bytes(&ipr, plen < avail ? plen : avail, &rest) < 0) {
            return 1;
        }
        td_reader_init(&l4, rest.p, rest.len);
        /* Extension headers: hop-by-hop, routing, destination options; fragment skips. */
        for (int hops = 0; hops < 8 && (proto == 0 || proto == 43 || proto == 60 || proto == 44);
             hops++) {
            uint8_t next = 0, hlen = 0;
            if (proto == 44) {
                s->sum->fragments++;
                return 1;
            }
            if (td_reader_u8(&l4, &next) < 0 || td_reader_u8(&l4, &hlen) < 0 ||
                td_reader_skip(&l4, (size_t)hlen * 8 + 6) < 0) {
                return truncated(s);
            }
            proto = next;
        }
    } else {
        s->sum->non_ip++;
        return 1;
    }
    switch (proto) {
    case 6:
        break;
    case 4:  /* IPv4 in IP (RFC 2003) */
    case 41: /* IPv6 in IP (RFC 4213) */
        return decode_ip(s, &l4, t, depth + 1);
    case 47:
        return decode_gre(s, &l4, t, depth);
    case 17:
        return decode_udp(s, &l4, t, depth);
    default:
        s->sum->non_tcp++;
        return 1;
    }
    /* TCP: ports, sequence, ack, data offset, flags, window, checksum, urgent (one view),
     * then the options. */
    td_bytes_t th;
    if (td_reader_bytes(&l4, 20, &th) < 0 || (th.p[12] >> 4) < 5 ||
        td_reader_skip(&l4, (size_t)(th.p[12] >> 4) * 4 - 20) < 0) {
        return truncated(s);
    }
    t->k.pa = td_be16(th.p);
    t->k.pb = td_be16(th.p + 2);
    t->seq = (uint32_t)td_be16(th.p + 4) << 16 | td_be16(th.p + 6);
    t->flags = th.p[13];
    if (td_reader_bytes(&l4, td_reader_left(&l4), &t->payload) < 0) {
        return 1;
    }
    return 0;
}

/* EtherType dispatch: IPv4, IPv6, 802.1Q / 802.1ad / QinQ tags, MPLS (RFC 3032: labels up to
 * bottom-of-stack, then IP by its version nibble), PPPoE session (RFC 2516), Ethernet in GRE /
 * Geneve (0x6558). */
static int decode_ethertype(scanner_t *s, uint16_t et, td_reader_t *r, tcp_pkt_t *t, int depth)
{
    for (int tags = 0; et == 0x8100 || et == 0x88a8 || et == 0x9100; tags++) {
        if (tags > 4 || td_reader_skip(r, 2) < 0 || td_reader_u16(r, &et) < 0) {
            return truncated(s);
        }
    }
    switch (et) {
    case 0x0800:
    case 0x86dd:
        return decode_ip(s, r, t, depth);
    case 0x8847:
    case 0x8848: {
        uint32_t label = 0;
        for (int n = 0; n < 16; n++) {
            if (td_reader_u32(r, &label) < 0) {
                return truncated(s);
            }
            if (label & 0x100) {
                break;
            }
        }
        if (!(label & 0x100)) {
            s->sum->non_ip++;
            return 1;
        }
        uint8_t first = 0;
        td_reader_t peek = *r;
        if (td_reader_u8(&peek, &first) < 0) {
            return truncated(s);
        }
        if ((first >> 4) == 4 || (first >> 4) == 6) {
            return decode_ip(s, r, t, depth + 1);
        }
        if (first == 0) { /* pseudowire control word, then Ethernet (RFC 4448) */
            return td_reader_skip(r, 4) < 0 ? truncated(s) : decode_ether(s, r, t, depth + 1);
        }
        s->sum->non_ip++;
        return 1;
    }
    case 0x8864: /* PPPoE session: ver/type, code, session, length; then PPP */
        if (td_reader_skip(r, 6) < 0) {
            return truncated(s);
        }
        return decode_frame(s, 51, r, t, depth + 1);
    case 0x6558:
        return decode_ether(s, r, t, depth + 1);
    default:
        s->sum->non_ip++;
        return 1;
    }
}

static int decode_ether(scanner_t *s, td_reader_t *r, tcp_pkt_t *t, int depth)
{
    uint16_t et = 0;
    if (depth > MAX_ENCAP) {
        s->sum->non_ip++;
        return 1;
    }
    if (td_reader_skip(r, 12) < 0 || td_reader_u16(r, &et) < 0) {
        return truncated(s);
    }
    return decode_ethertype(s, et, r, t, depth);
}

/* PPP protocol numbers (RFC 1661 / 1332 / 5072): IPv4 0x0021, IPv6 0x0057. */
static int decode_ppp_proto(scanner_t *s, uint16_t proto, td_reader_t *r, tcp_pkt_t *t, int depth)
{
    if (proto == 0x0021 || proto == 0x0057) {
        return decode_ip(s, r, t, depth);
    }
    s->sum->non_ip++;
    return 1;
}

/* A frame of one link type (LINKTYPE_ values, tcpdump.org/linktypes.html) down to TCP. */
static int decode_frame(scanner_t *s, uint16_t lt, td_reader_t *r, tcp_pkt_t *t, int depth)
{
    uint16_t et = 0;
    switch (lt) {
    case 1: /* Ethernet */
        return decode_ether(s, r, t, depth);
    case 113: /* Linux cooked v1: 16 bytes, protocol last */
        if (td_reader_skip(r, 14) < 0 || td_reader_u16(r, &et) < 0) {
            return truncated(s);
        }
        return decode_ethertype(s, et, r, t, depth);
    case 276: /* Linux cooked v2: 20 bytes, protocol first */
        if (td_reader_u16(r, &et) < 0 || td_reader_skip(r, 18) < 0) {
            return truncated(s);
        }
        return decode_ethertype(s, et, r, t, depth);
    case 0:   /* BSD null: host-order address family */
    case 108: /* OpenBSD loop: network-order address family */
        /* The IP version nibble that follows tells IPv4 from IPv6 on every platform. */
        return td_reader_skip(r, 4) < 0 ? truncated(s) : decode_ip(s, r, t, depth);
    case 12:
    case 14:
    case 101: /* raw IP */
    case 228: /* IPv4 */
    case 229: /* IPv6 */
        return decode_ip(s, r, t, depth);
    case 9:   /* PPP: optional address/control 0xff 0x03, then the protocol */
    case 50:  /* PPP in HDLC-like framing */
    case 51:  /* PPPoE payload (also the PPP of a PPPoE session) */
    case 104: /* Cisco HDLC: address, control, then an EtherType */
    {
        uint8_t a = 0, b = 0;
        td_reader_t peek = *r;
        if (td_reader_u8(&peek, &a) < 0 || td_reader_u8(&peek, &b) < 0) {
            return truncated(s);
        }
        if (lt == 104) {
            return td_reader_skip(r, 2) < 0 || td_reader_u16(r, &et) < 0
                           ? truncated(s)
                           : decode_ethertype(s, et, r, t, depth);
        }
        if (a == 0xff && b == 0x03 && td_reader_skip(r, 2) < 0) {
            return truncated(s);
        }
        uint8_t p0 = 0, p1 = 0;
        if (td_reader_u8(r, &p0) < 0) {
            return truncated(s);
        }
        /* Protocol field compression (RFC 1661 §6.5): one byte when it is odd. */
        if ((p0 & 1) == 0 && td_reader_u8(r, &p1) < 0) {
            return truncated(s);
        }
        uint16_t proto = (p0 & 1) ? p0 : (uint16_t)(p0 << 8 | p1);
        return decode_ppp_proto(s, proto, r, t, depth);
    }
    default:
        s->sum->non_ip++;
        return 1;
    }
}

static bool port_wanted(const td_pcap_options_t *o, const addr_key_t *k)
{
    if (o->n_ports == 0) {
        return true;
    }
    for (int i = 0; i < o->n_ports; i++) {
        if (o->ports[i] == k->pa || o->ports[i] == k->pb) {
            return true;
        }
    }
    return false;
}

/* Idle flows and the buffer budget: evict from the old end. */
static void evict(scanner_t *s)
{
    while (s->oldest != NULL &&
           (s->now - s->oldest->t.ts_last > IDLE_SECONDS || s->buf_bytes > s->buf_budget)) {
        int full = s->buf_bytes > s->buf_budget;
        s->sum->evicted_full += full ? 1u : 0u;
        flow_remove(s, s->oldest, full ? 2 : 1);
    }
}

/* One decoded TCP packet of a flow this scanner follows (s->now is its time). */
static void on_tcp(scanner_t *s, const tcp_pkt_t *pt, uint64_t hash)
{
    const tcp_pkt_t t = *pt;
    int syn = (t.flags & TCP_SYN) != 0, ack = (t.flags & TCP_ACK) != 0;
    int dir = 0;
    flow_t *f =
            flow_get(s, &t.k, hash, t.seq, syn && !ack, syn && ack, syn || t.payload.len > 0, &dir);
    if (f == NULL) {
        evict(s); /* time goes on with every TCP packet, tracked or not */
        return;
    }
    td_pcap_facts_t *c = &f->t;
    c->ts_last = s->now;
    if (s->newest != f) { /* already last: unlinking touched two other flows for nothing */
        lru_unlink(s, f);
        lru_push(s, f);
    }
    dir_state_t *d = &f->d[dir];
    uint32_t seq = t.seq;
    if (syn) {
        if (dir == 0 && !ack) {
            c->syn = 1;
            f->isn = seq;
        } else if (dir == 1 && ack) {
            c->synack = 1;
        }
        d->have_base = 1;
        d->base = seq + 1;
        seq++;
    }
    if ((t.flags & (TCP_RST | TCP_FIN)) && c->first_close == 0) {
        c->first_close = dir == 0 ? 1 : 2;
    }
    if (t.flags & TCP_RST) {
        *(dir == 0 ? &c->rst_client : &c->rst_server) = 1;
    }
    if (t.flags & TCP_FIN) {
        *(dir == 0 ? &c->fin_client : &c->fin_server) = 1;
    }
    if (t.payload.len > 0) {
        int trunc = 0;
        *(dir == 0 ? &c->bytes_client : &c->bytes_server) += t.payload.len;
        if (stream_add(s, d, seq, t.payload.p, t.payload.len, &trunc)) {
            if (dir == 0) {
                c->retrans_client++;
            } else {
                c->retrans_server++;
                c->retrans_server_large += t.payload.len >= 1000;
            }
        }
        if (trunc) {
            *(dir == 0 ? &c->trunc_client : &c->trunc_server) = 1;
        }
        if (s->buf_bytes > s->sum->peak_buffer_bytes) {
            s->sum->peak_buffer_bytes = s->buf_bytes;
        }
    }
    /* Done: RST, or FIN both ways. */
    if ((t.flags & TCP_RST) || (c->fin_client && c->fin_server)) {
        flow_remove(s, f, 0);
    }
    evict(s);
}

static void on_packet(scanner_t *s, const td_cappkt_t *h)
{
    td_reader_t r;
    tcp_pkt_t t;
    s->sum->packets++;
    s->now = h->ts;
    td_reader_init(&r, h->data, h->caplen);
    if (decode_frame(s, h->linktype, &r, &t, 0) != 0 || !port_wanted(s->opt, &t.k)) {
        return;
    }
    on_tcp(s, &t, key_hash(&t.k));
}

/* --filter: a BPF program per link type (libpcap compiles it for a dead handle of that DLT;
 * the file itself is read by capfile.c, which can mix link types). */
typedef struct bpf_cache {
    uint16_t lt[8];
    struct bpf_program prog[8];
    int n;
} bpf_cache_t;

static int lt_to_dlt(uint16_t lt)
{
    return lt == 101 ? DLT_RAW : lt;
}

static int filter_pass(scanner_t *s, bpf_cache_t *bc, const td_cappkt_t *h, td_errinfo_t *err)
{
    int i = 0;
    while (i < bc->n && bc->lt[i] != h->linktype) {
        i++;
    }
    if (i == bc->n) {
        if (bc->n == (int)TD_ARRAY_LEN(bc->lt)) {
            return 0;
        }
        pcap_t *dead = pcap_open_dead(lt_to_dlt(h->linktype), 262144);
        if (dead == NULL) {
            return 0;
        }
        if (pcap_compile(dead, &bc->prog[i], s->opt->filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
            td_errinfo_set(err, TD_E_USAGE, "--filter '%s': %s", s->opt->filter, pcap_geterr(dead));
            pcap_close(dead);
            return -1;
        }
        pcap_close(dead);
        bc->lt[i] = h->linktype;
        bc->n++;
    }
    struct pcap_pkthdr ph = { .caplen = h->caplen, .len = h->origlen };
    return pcap_offline_filter(&bc->prog[i], &ph, h->data) != 0;
}

/* Link types as a file names them: the first 8 distinct ones, in the order seen. A small set of
 * LINKTYPE_ values (up to 8); lt_add returns whether lt was added now. */
typedef struct lt_set {
    uint16_t lt[8];
    int n;
} lt_set_t;

static bool lt_add(lt_set_t *set, uint16_t lt)
{
    for (int i = 0; i < set->n; i++) {
        if (set->lt[i] == lt) {
            return false;
        }
    }
    if (set->n == (int)TD_ARRAY_LEN(set->lt)) {
        return false;
    }
    set->lt[set->n++] = lt;
    return true;
}

/* The summary's list of link type names ("EN10MB,RAW"), each name once. */
static void lt_name_add(td_pcap_summary_t *sum, uint16_t lt)
{
    const char *name = td_linktype_name(lt);
    if (strstr(sum->link_types, name) == NULL) {
        td_fmt_append(sum->link_types, sizeof(sum->link_types), "%s%s",
                      sum->link_types[0] ? "," : "", name);
    }
}

static int scan_file(scanner_t *s, const char *path, td_errinfo_t *err)
{
    char ebuf[256] = "";
    td_capfile_t *cf = NULL;
    int rc = td_capfile_open(path, &cf, ebuf, sizeof(ebuf));
    if (rc < 0) {
        td_errinfo_set(err, rc, "%s: %s", path, ebuf);
        return rc;
    }
    bpf_cache_t bc = { .n = 0 };
    td_cappkt_t h;
    uint64_t n = 0, got = 0;
    lt_set_t seen = { .n = 0 };
    double t0 = td_now_ms();
    while ((rc = td_capfile_next(cf, &h, ebuf, sizeof(ebuf))) == 1) {
        got++;
        s->sum->bytes += h.caplen + 16;
        if (lt_add(&seen, h.linktype)) {
            lt_name_add(s->sum, h.linktype);
        }
        if (s->opt->filter != NULL) {
            int pass = filter_pass(s, &bc, &h, err);
            if (pass < 0) {
                rc = TD_E_USAGE;
                break;
            }
            if (pass == 0) {
                continue;
            }
        }
        on_packet(s, &h);
        if (s->opt->progress && (++n & 0xfffff) == 0) {
            fprintf(stderr, "\r%s: %llu packets, %llu MB, %.0f s", path,
                    (unsigned long long)s->sum->packets, (unsigned long long)(s->sum->bytes >> 20),
                    (td_now_ms() - t0) / 1000.0);
        }
    }
    for (int i = 0; i < bc.n; i++) {
        pcap_freecode(&bc.prog[i]);
    }
    td_capfile_close(cf);
    if (s->opt->progress && n >= 0x100000) {
        fprintf(stderr, "\n");
    }
    if (rc == TD_E_USAGE) {
        return rc;
    }
    if (rc < 0 && got == 0) {
        /* Not one packet could be read (a damaged header or record): nothing to judge, so
         * this is a read error, not an empty capture. */
        td_errinfo_set(err, TD_E_IO, "%s: no packet could be read: %s", path, ebuf);
        return TD_E_IO;
    }
    if (rc < 0) {
        /* A truncated file: what was read counts; the message is kept for the summary. */
        s->sum->decode_errors++;
        if (s->sum->first_error[0] == '\0') {
            td_fmt(s->sum->first_error, sizeof(s->sum->first_error), "%s: %s", path, ebuf);
        }
    }
    s->sum->files++;
    return 0;
}

static void scanner_free(scanner_t *s)
{
    if (s == NULL) {
        return;
    }
    spare_free(s);
    if (s->certs != NULL) {
        cert_cache_free(s->certs);
    }
    td_free(s->certs);
    fp_memo_free(s->fp_client);
    fp_memo_free(s->fp_server);
    td_free(s->fp_client);
    td_free(s->fp_server);
    td_free(s->buckets);
    td_free(s->sum);
    td_free(s);
}

static scanner_t *scanner_new(const td_pcap_options_t *opt, td_pcap_conn_cb cb, void *user)
{
    scanner_t *s = td_calloc(1, sizeof(*s));
    if (s == NULL) {
        return NULL;
    }
    s->opt = opt;
    s->sum = td_calloc(1, sizeof(*s->sum));
    s->cb = cb;
    s->user = user;
    s->max_flows = MAX_FLOWS;
    s->buf_budget = BUF_BUDGET;
    s->nbuckets = MAX_FLOWS;
    s->buckets = td_calloc(s->nbuckets, sizeof(*s->buckets));
    s->certs = td_calloc(CERT_CACHE, sizeof(*s->certs));
    s->fp_client = td_calloc(FP_MEMO, sizeof(*s->fp_client));
    s->fp_server = td_calloc(FP_MEMO, sizeof(*s->fp_server));
    if (s->sum == NULL || s->buckets == NULL || s->certs == NULL || s->fp_client == NULL ||
        s->fp_server == NULL) {
        scanner_free(s);
        return NULL;
    }
    s->sum->top = opt->top > 0 ? opt->top : 10;
    return s;
}

typedef struct scan_job {
    scanner_t *s;
    const char *const *files;
    size_t n;
    int rc;
    td_errinfo_t err;
} scan_job_t;

/* Every file, then the flows still open. */
static void *scan_run(void *arg)
{
    scan_job_t *j = arg;
    scanner_t *s = j->s;
    j->rc = 0;
    for (size_t i = 0; i < j->n && j->rc == 0; i++) {
        j->rc = scan_file(s, j->files[i], &j->err);
    }
    while (s->oldest != NULL) {
        flow_remove(s, s->oldest, 2);
    }
    return NULL;
}

/* ---- --threads: spans of the file decoded in parallel, flows followed by their owner ------ */

/* With N threads the file is cut into spans of SPAN_BYTES. Every thread decodes spans (capfile,
 * link layer to TCP) and follows the flows whose key hash (high half) % N is its number; the
 * packets a span holds for each owner are handed over as records (flow key, sequence number,
 * flags, payload pointer into the mapping, time, packet count). A span is judged before it is
 * followed, in file order: where it began must be where the span before it ended, read with
 * the same byte order and interface table (a span after the first one of a file starts where a
 * chain of sane headers begins, a guess); else it is decoded again from there. Owners follow the
 * spans in file order, and get a tick (time only) for the packets of other owners' flows when the
 * time moved on, so idle flows end where one thread ends them. Every thread both decodes and
 * follows: decoding, which is more than half of the work on handshake-dense traffic, is shared
 * too. Mapped pages are dropped once every owner followed the spans before them. */
#define SPAN_BYTES     (2u << 20)
#define SPAN_SLOTS     3 /* per thread */
#define PREFETCH_AHEAD 4096

typedef struct span_rec {
    tcp_pkt_t t;
    uint64_t hash;
    double ts;
    uint32_t at;    /* packets of the span read, this one included */
    uint32_t ticks; /* ticks of the list before this packet */
} span_rec_t;

/* Another owner's packet: only the time goes on (evict() at it). */
typedef struct span_tick {
    double ts;
    uint32_t at;
} span_tick_t;

typedef struct span_list {
    span_rec_t *rec;
    span_tick_t *tick;
    size_t n, cap, nt, tcap;
} span_list_t;

enum { SP_FREE, SP_TODO, SP_BUSY, SP_DONE, SP_LIVE };

typedef struct span_counts {
    uint64_t packets, bytes, non_ip, non_tcp, fragments, truncated_packets;
} span_counts_t;

typedef struct team_file {
    const char *path;
    td_capfile_t *cf;    /* owns the mapping; primed: the state its first packet is read with */
    td_capfile_t *state; /* where the spans judged so far ended: byte order, interfaces */
    unsigned gen;        /* changes when state does */
    size_t size, next;   /* next: where the next span to be cut begins (nominal) */
    size_t at;           /* where the spans judged so far ended */
    uint64_t got;        /* packets of the spans judged so far */
    int cut_all;         /* every span cut */
    int ended;           /* judged to the end (or to damage) */
    int refs;            /* spans not released */
    int stop_noted;      /* where reading stopped is in the summary (damage or a shrink) */
    lt_set_t lts;        /* link types named so far, as one thread names them */
} team_file_t;

typedef struct span {
    int st;
    uint64_t seq; /* spans are judged and followed in this order */
    team_file_t *file;
    size_t lo, hi; /* records that start in [lo, hi); lo is a guess unless exact */
    int exact;
    unsigned gen;     /* the file's state generation the span was read with */
    td_capfile_t *rd; /* its reader */
    size_t end;       /* where its last record ended */
    int rc;           /* damage (TD_E_DECODE / TD_E_IO) or a bad --filter (TD_E_USAGE) */
    char err[256];
    span_counts_t n;
    lt_set_t lts;     /* link types in the order first seen */
    span_list_t *own; /* records per owner */
    int refs;         /* owners still to follow it */
    uint64_t base;    /* packets read before it */
} span_t;

typedef struct team {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    const td_pcap_options_t *opt;
    const char *const *files;
    size_t nfiles, next_file;
    team_file_t *cur;     /* spans are being cut from it */
    team_file_t *open[4]; /* files with spans not released */
    int n_open;
    span_t *slot;
    int nslots, nt;
    uint64_t next_seq, judged;
    uint64_t followed[TD_PCAP_MAX_THREADS];
    scanner_t *own[TD_PCAP_MAX_THREADS];
    td_pcap_summary_t *pk; /* the packet-level facts (own[0]'s summary at the end) */
    int stop, rc;
    td_errinfo_t err;
    double t0;
    int progress_lines;
    size_t span_bytes; /* SPAN_BYTES, or TD_PCAP_SPAN_BYTES (tests: many spans in a small file) */
} team_t;

/* Room for one more element in *v (n used of *cap, each size bytes). 0, or -1 out of memory. */
static int grow(void **v, size_t n, size_t *cap, size_t size)
{
    if (n < *cap) {
        return 0;
    }
    size_t c = *cap ? 2 * *cap : 1024;
    void *r = td_malloc(c * size);
    if (r == NULL) {
        return -1;
    }
    if (n > 0) {
        memcpy(r, *v, n * size);
    }
    td_free(*v);
    *v = r;
    *cap = c;
    return 0;
}

/* Decodes sp (no lock held): dec is this thread's decoding scanner, bc its filter. */
static void span_decode(team_t *T, scanner_t *dec, bpf_cache_t *bc, span_t *sp)
{
    td_capfile_t *rd = sp->rd;
    int nt = T->nt;
    double last[TD_PCAP_MAX_THREADS];
    bool have[TD_PCAP_MAX_THREADS] = { false };
    td_mapguard_enter(td_capfile_guard(rd));
    if (!sp->exact) {
        td_capfile_sync(rd);
        sp->lo = td_capfile_offset(rd);
    }
    for (int i = 0; i < nt; i++) {
        sp->own[i].n = sp->own[i].nt = 0;
    }
    memset(&sp->n, 0, sizeof(sp->n));
    sp->lts.n = 0;
    sp->rc = 0;
    sp->err[0] = '\0';
    td_pcap_summary_t *ds = dec->sum;
    ds->non_ip = ds->non_tcp = ds->fragments = ds->truncated_packets = 0;
    td_cappkt_t h;
    td_errinfo_t ferr = { 0 };
    int rc;
    uintptr_t pf = 0; /* prefetched up to here */
    while ((rc = td_capfile_next(rd, &h, sp->err, sizeof(sp->err))) == 1) {
        uint32_t at = (uint32_t)++sp->n.packets;
        /* Every line of the span a few KB ahead: headers are read sparsely here and the
         * payload later by its owner, which the hardware prefetcher does not see as a stream. */
        uintptr_t at_data = (uintptr_t)h.data;
        if (pf < at_data) {
            pf = at_data;
        }
        for (uintptr_t e = at_data + h.caplen + PREFETCH_AHEAD; pf < e; pf += 64) {
            __builtin_prefetch((const void *)pf);
        }
        sp->n.bytes += h.caplen + 16;
        (void)lt_add(&sp->lts, h.linktype);
        if (T->opt->filter != NULL) {
            int pass = filter_pass(dec, bc, &h, &ferr);
            if (pass < 0) {
                rc = TD_E_USAGE;
                td_strlcpy(sp->err, ferr.message, sizeof(sp->err));
                break;
            }
            if (pass == 0) {
                continue;
            }
        }
        td_reader_t r;
        tcp_pkt_t t;
        td_reader_init(&r, h.data, h.caplen);
        if (decode_frame(dec, h.linktype, &r, &t, 0) != 0 || !port_wanted(T->opt, &t.k)) {
            continue;
        }
        uint64_t hash = key_hash(&t.k);
        int own = (int)((hash >> 32) % (uint64_t)nt);
        for (int i = 0; i < nt; i++) {
            span_list_t *l = &sp->own[i];
            if (i == own) {
                if (grow((void **)&l->rec, l->n, &l->cap, sizeof(*l->rec)) < 0) {
                    rc = TD_E_NOMEM;
                    break;
                }
                span_rec_t *x = &l->rec[l->n++];
                x->t = t;
                x->hash = hash;
                x->ts = h.ts;
                x->at = at;
                x->ticks = (uint32_t)l->nt;
            } else if (!have[i] || h.ts > last[i]) {
                /* (else its last evict() was at a later time: this one would end nothing) */
                if (grow((void **)&l->tick, l->nt, &l->tcap, sizeof(*l->tick)) < 0) {
                    rc = TD_E_NOMEM;
                    break;
                }
                l->tick[l->nt++] = (span_tick_t){ h.ts, at };
            } else {
                continue;
            }
            last[i] = h.ts;
            have[i] = true;
        }
        if (rc == TD_E_NOMEM) {
            td_strlcpy(sp->err, "out of memory", sizeof(sp->err));
            break;
        }
    }
    sp->rc = rc < 0 ? rc : 0;
    sp->end = td_capfile_offset(rd);
    sp->n.non_ip = ds->non_ip;
    sp->n.non_tcp = ds->non_tcp;
    sp->n.fragments = ds->fragments;
    sp->n.truncated_packets = ds->truncated_packets;
    td_mapguard_leave(td_capfile_guard(rd));
}

/* The first error stops the team: "a: b" (b may be empty). */
static void team_fail(team_t *T, int rc, const char *a, const char *b)
{
    if (T->rc == 0) {
        T->rc = rc;
        td_errinfo_set(&T->err, rc, "%s%s%s", a, b[0] ? ": " : "", b);
    }
    T->stop = 1;
    pthread_cond_broadcast(&T->cv);
}

/* The span numbered seq, if it holds a slot. */
static span_t *span_at(team_t *T, uint64_t seq)
{
    for (int i = 0; i < T->nslots; i++) {
        if (T->slot[i].st != SP_FREE && T->slot[i].seq == seq) {
            return &T->slot[i];
        }
    }
    return NULL;
}

/* The spans decoded, in order: checked against where the one before ended, then live. */
static void team_judge(team_t *T)
{
    for (;;) {
        span_t *sp = span_at(T, T->judged);
        if (sp == NULL || sp->st == SP_BUSY || sp->st == SP_LIVE) {
            return;
        }
        team_file_t *f = sp->file;
        if (f == NULL) { /* a file that could not be opened, in its place in the order */
            team_fail(T, sp->rc, sp->err, "");
        }
        if (f == NULL || f->ended || T->stop) {
            /* after damage, or stopping: nothing in it counts */
            for (int i = 0; i < T->nt; i++) {
                sp->own[i].n = sp->own[i].nt = 0;
            }
            memset(&sp->n, 0, sizeof(sp->n));
            sp->lts.n = 0;
            sp->end = sp->lo;
        } else {
            if (sp->st == SP_TODO) {
                return; /* not decoded yet */
            }
            if (sp->lo != f->at || sp->gen != f->gen) {
                /* A wrong guess: decoded again from where the span before it ended. */
                td_capfile_t *rd = td_capfile_span(f->state, f->at, sp->hi);
                if (rd == NULL) {
                    team_fail(T, TD_E_NOMEM, "out of memory", ""); /* sp->rd stays, closed later */
                    continue;
                }
                td_capfile_close(sp->rd);
                sp->rd = rd;
                sp->lo = f->at;
                sp->exact = 1;
                sp->gen = f->gen;
                sp->st = SP_TODO;
                pthread_cond_broadcast(&T->cv); /* any thread may decode it */
                return;
            }
            td_pcap_summary_t *pk = T->pk;
            sp->base = pk->packets;
            pk->packets += sp->n.packets;
            pk->bytes += sp->n.bytes;
            pk->non_ip += sp->n.non_ip;
            pk->non_tcp += sp->n.non_tcp;
            pk->fragments += sp->n.fragments;
            pk->truncated_packets += sp->n.truncated_packets;
            for (int k = 0; k < sp->lts.n; k++) {
                if (lt_add(&f->lts, sp->lts.lt[k])) {
                    lt_name_add(pk, sp->lts.lt[k]);
                }
            }
            f->got += sp->n.packets;
            f->at = sp->end;
            if (!td_capfile_same_state(sp->rd, f->state)) {
                td_capfile_set_state(f->state, sp->rd);
                f->gen++;
            }
            if (sp->rc == TD_E_USAGE || sp->rc == TD_E_NOMEM) {
                team_fail(T, sp->rc, sp->err, "");
            } else if (sp->rc < 0 && f->got == 0) {
                char what[1100];
                td_fmt(what, sizeof(what), "%s: no packet could be read", f->path);
                team_fail(T, TD_E_IO, what, sp->err);
            } else if (sp->rc < 0) {
                pk->decode_errors++;
                if (pk->first_error[0] == '\0') {
                    td_fmt(pk->first_error, sizeof(pk->first_error), "%s: %s", f->path, sp->err);
                }
                f->ended = 1;
                f->cut_all = 1;    /* the file is not read past its damage */
                f->stop_noted = 1; /* (a shrink seen again at release is this one) */
                pk->files++;
            } else if (f->cut_all && sp->hi == f->size) {
                f->ended = 1;
                pk->files++;
            }
            if (T->opt->progress && (pk->packets >> 20) != ((pk->packets - sp->n.packets) >> 20)) {
                fprintf(stderr, "\r%s: %llu packets, %llu MB, %.0f s", f->path,
                        (unsigned long long)pk->packets, (unsigned long long)(pk->bytes >> 20),
                        (td_now_ms() - T->t0) / 1000.0);
                T->progress_lines = 1;
            }
        }
        sp->st = SP_LIVE;
        sp->refs = T->nt;
        T->judged++;
        pthread_cond_broadcast(&T->cv);
    }
}

static void file_close(team_t *T, team_file_t *f)
{
    for (int i = 0; i < T->n_open; i++) {
        if (T->open[i] == f) {
            T->open[i] = T->open[--T->n_open];
            break;
        }
    }
    if (T->cur == f) {
        T->cur = NULL;
    }
    td_capfile_close(f->state);
    td_capfile_close(f->cf);
    td_free(f);
}

/* Owner t is done with sp: the last one frees its slot and the pages before it. */
static void span_release(team_t *T, span_t *sp)
{
    if (--sp->refs > 0) {
        return;
    }
    team_file_t *f = sp->file;
    if (f == NULL) { /* a file that could not be opened */
        sp->st = SP_FREE;
        pthread_cond_broadcast(&T->cv);
        return;
    }
    if (sp->rd != NULL && td_capfile_shrank(sp->rd) && !f->stop_noted) {
        /* A page vanished under an owner (the file shrank after this span was decoded): its
         * packets were read as zeros from there. */
        f->stop_noted = 1;
        T->pk->decode_errors++;
        if (T->pk->first_error[0] == '\0') {
            td_fmt(T->pk->first_error, sizeof(T->pk->first_error),
                   "%s: the file shrank while it was read", f->path);
        }
    }
    td_capfile_drop(f->cf, sp->end); /* spans are released in file order */
    td_capfile_close(sp->rd);
    sp->rd = NULL;
    sp->st = SP_FREE;
    if (--f->refs == 0 && (f->ended || T->stop) && f->cut_all) {
        file_close(T, f);
    }
    pthread_cond_broadcast(&T->cv);
}

/* A new span cut from the current file (opening the next file when it is done). 1 when one
 * was cut, 0 when there is no free slot or nothing left. */
static int team_cut(team_t *T)
{
    span_t *sp = NULL;
    for (int i = 0; i < T->nslots && sp == NULL; i++) {
        sp = T->slot[i].st == SP_FREE ? &T->slot[i] : NULL;
    }
    if (sp == NULL || T->stop) {
        return 0;
    }
    team_file_t *f = T->cur;
    while (f == NULL || f->cut_all) {
        if (T->next_file == T->nfiles || T->n_open == (int)TD_ARRAY_LEN(T->open)) {
            return 0;
        }
        const char *path = T->files[T->next_file++];
        char ebuf[256] = "";
        f = td_calloc(1, sizeof(*f));
        int rc = f != NULL ? 0 : TD_E_NOMEM;
        if (rc == 0) {
            f->path = path;
            rc = td_capfile_open(path, &f->cf, ebuf, sizeof(ebuf));
        }
        if (rc == 0) {
            rc = td_capfile_prime(f->cf, ebuf, sizeof(ebuf));
        }
        if (rc == 0 && (f->state = td_capfile_span(f->cf, 0, 0)) == NULL) {
            rc = TD_E_NOMEM;
        }
        if (rc < 0) {
            /* Said when the spans before it were judged, as one thread says it after reading
             * the files before; no file after it is read. */
            if (f != NULL) {
                td_capfile_close(f->state);
                td_capfile_close(f->cf);
                td_free(f);
            }
            for (int i = 0; i < T->nt; i++) {
                sp->own[i].n = sp->own[i].nt = 0;
            }
            sp->file = NULL;
            sp->rd = NULL;
            sp->rc = rc;
            if (rc == TD_E_NOMEM) {
                td_strlcpy(sp->err, "out of memory", sizeof(sp->err));
            } else {
                td_fmt(sp->err, sizeof(sp->err), "%s: %s", path, ebuf);
            }
            sp->seq = T->next_seq++;
            sp->st = SP_DONE;
            T->next_file = T->nfiles;
            T->cur = NULL;
            pthread_cond_broadcast(&T->cv);
            return 1;
        }
        f->size = td_capfile_size(f->cf);
        f->next = f->at = td_capfile_offset(f->cf);
        T->open[T->n_open++] = f;
        T->cur = f;
        if (f->next >= f->size) { /* a header and nothing else: one empty span */
            break;
        }
    }
    size_t hi = f->size - f->next > T->span_bytes ? f->next + T->span_bytes : f->size;
    td_capfile_t *rd = td_capfile_span(f->state, f->next, hi);
    if (rd == NULL) {
        team_fail(T, TD_E_NOMEM, "out of memory", "");
        return 0;
    }
    sp->file = f;
    sp->seq = T->next_seq++;
    sp->lo = f->next;
    sp->hi = hi;
    sp->exact = sp->lo == f->at && f->refs == 0; /* the file's first span */
    sp->gen = f->gen;
    sp->rd = rd;
    f->next = sp->hi;
    f->cut_all = f->next >= f->size;
    f->refs++;
    sp->st = SP_TODO;
    pthread_cond_broadcast(&T->cv);
    return 1;
}

static void span_tick(scanner_t *s, const span_t *sp, const span_tick_t *k)
{
    s->now = k->ts;
    s->sum->packets = sp->base + k->at;
    evict(s);
}

/* Owner s follows its flows in sp (list l): the packets and ticks in the order read. */
static void span_follow(scanner_t *s, span_t *sp, const span_list_t *l)
{
    if (l->n == 0 && l->nt == 0) {
        return;
    }
    td_mapguard_enter(td_capfile_guard(sp->rd));
    size_t k = 0;
    for (size_t i = 0; i < l->n; i++) {
        const span_rec_t *x = &l->rec[i];
        if (i + 4 < l->n) { /* the payload a few packets on: its lines are cold here */
            const uint8_t *p = l->rec[i + 4].t.payload.p;
            __builtin_prefetch(p);
            __builtin_prefetch(p + 64);
            __builtin_prefetch(p + 128);
        }
        for (; k < x->ticks; k++) {
            span_tick(s, sp, &l->tick[k]);
        }
        s->now = x->ts;
        s->sum->packets = sp->base + x->at;
        on_tcp(s, &x->t, x->hash);
    }
    for (; k < l->nt; k++) {
        span_tick(s, sp, &l->tick[k]);
    }
    td_mapguard_leave(td_capfile_guard(sp->rd));
}

typedef struct team_arg {
    team_t *T;
    int t;
} team_arg_t;

static void *team_run(void *arg)
{
    team_t *T = ((team_arg_t *)arg)->T;
    int t = ((team_arg_t *)arg)->t;
    scanner_t *s = T->own[t];
    /* The decoding scanner: only its options and its summary's packet counters are used. */
    scanner_t *dec = td_calloc(1, sizeof(*dec));
    td_pcap_summary_t *dsum = td_calloc(1, sizeof(*dsum));
    bpf_cache_t bc = { .n = 0 };
    if (dec != NULL) {
        dec->opt = T->opt;
        dec->sum = dsum;
    }
    pthread_mutex_lock(&T->mu);
    if (dec == NULL || dsum == NULL) {
        team_fail(T, TD_E_NOMEM, "out of memory", "");
    }
    for (;;) {
        team_judge(T);
        span_t *sp = span_at(T, T->followed[t]);
        if (sp != NULL && sp->st == SP_LIVE) { /* follow my flows in it */
            pthread_mutex_unlock(&T->mu);
            span_follow(s, sp, &sp->own[t]);
            pthread_mutex_lock(&T->mu);
            T->followed[t]++;
            span_release(T, sp);
            continue;
        }
        sp = NULL;
        for (int i = 0; i < T->nslots; i++) {
            const span_t *x = &T->slot[i];
            if (x->st == SP_TODO && !T->stop && !x->file->ended &&
                (sp == NULL || x->seq < sp->seq)) {
                sp = &T->slot[i];
            }
        }
        if (sp != NULL) { /* decode the oldest span waiting */
            sp->st = SP_BUSY;
            pthread_mutex_unlock(&T->mu);
            span_decode(T, dec, &bc, sp);
            pthread_mutex_lock(&T->mu);
            sp->st = SP_DONE;
            pthread_cond_broadcast(&T->cv);
            continue;
        }
        if (team_cut(T)) {
            continue;
        }
        if (T->followed[t] == T->next_seq &&
            (T->stop || (T->next_file == T->nfiles && (T->cur == NULL || T->cur->cut_all)))) {
            break; /* nothing left to cut, and every span cut followed */
        }
        pthread_cond_wait(&T->cv, &T->mu);
    }
    pthread_mutex_unlock(&T->mu);
    /* The flows still open end with the capture. */
    s->sum->packets = T->pk->packets;
    while (s->oldest != NULL) {
        flow_remove(s, s->oldest, 2);
    }
    for (int i = 0; i < bc.n; i++) {
        pcap_freecode(&bc.prog[i]);
    }
    td_free(dsum);
    td_free(dec);
    return NULL;
}

/* Merging the threads of --threads (each owns its flows). A bounded list gives rows to the first
 * keys counted and counts later ones as other; merged, the rows are again the first keys (by the
 * packet count at which each was first counted, then the key), the rest goes to other. That is what
 * one thread gives unless a list overflowed within a thread before a key of the merged first rows
 * reached it there (its count in that thread is then in other). */
static int by_first(const void *a, const void *b)
{
    const td_pcap_count_t *x = a, *y = b;
    if (x->first != y->first) {
        return x->first < y->first ? -1 : 1;
    }
    return strcmp(x->key, y->key);
}

/* rows[0..n) (keys may repeat) into at most cap rows of out, the rest into *other. */
static int rows_merge(td_pcap_count_t *rows, size_t n, td_pcap_count_t *out, size_t cap,
                      uint64_t *other)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) { /* duplicates summed into their first copy */
        size_t j = 0;
        while (j < m && strcmp(rows[j].key, rows[i].key) != 0) {
            j++;
        }
        if (j == m) {
            rows[m++] = rows[i];
        } else {
            rows[j].n += rows[i].n;
            rows[j].first = rows[i].first < rows[j].first ? rows[i].first : rows[j].first;
        }
    }
    qsort(rows, m, sizeof(*rows), by_first);
    size_t k = m < cap ? m : cap;
    memcpy(out, rows, k * sizeof(*out));
    for (size_t i = k; i < m; i++) {
        *other += rows[i].n;
    }
    return (int)k;
}

static void top_merge(td_pcap_top_t *d, const scan_job_t *jobs, int nt, size_t off,
                      td_pcap_count_t *tmp)
{
    size_t n = 0;
    uint64_t other = 0;
    for (int i = 0; i < nt; i++) {
        const td_pcap_top_t *x = (const td_pcap_top_t *)((const char *)jobs[i].s->sum + off);
        memcpy(tmp + n, x->row, x->used * sizeof(*tmp));
        n += x->used;
        other += x->other;
    }
    d->used = (size_t)rows_merge(tmp, n, d->row, TD_PCAP_TOP, &other);
    d->other = other;
}

static int by_server_first(const void *a, const void *b)
{
    const td_pcap_server_t *x = a, *y = b;
    if (x->first != y->first) {
        return x->first < y->first ? -1 : 1;
    }
    return strcmp(x->server, y->server);
}

/* One server's rows from another thread into a. */
static void server_add(td_pcap_server_t *a, const td_pcap_server_t *x)
{
    td_pcap_count_t rows[2 * TD_PCAP_SERVER_KEYS];
    a->failures += x->failures;
    a->first = x->first < a->first ? x->first : a->first;
    a->first_failure = x->first_failure < a->first_failure ? x->first_failure : a->first_failure;
    a->last_failure = x->last_failure > a->last_failure ? x->last_failure : a->last_failure;
    if (x->sni[0] != '\0') {
        sni_pick(a, x->sni, x->sni_ts);
    }
    memcpy(rows, a->causes, (size_t)a->n_causes * sizeof(rows[0]));
    memcpy(rows + a->n_causes, x->causes, (size_t)x->n_causes * sizeof(rows[0]));
    a->causes_other += x->causes_other;
    a->n_causes = rows_merge(rows, (size_t)(a->n_causes + x->n_causes), a->causes,
                             TD_PCAP_SERVER_KEYS, &a->causes_other);
    memcpy(rows, a->ja4, (size_t)a->n_ja4 * sizeof(rows[0]));
    memcpy(rows + a->n_ja4, x->ja4, (size_t)x->n_ja4 * sizeof(rows[0]));
    a->ja4_other += x->ja4_other;
    a->n_ja4 = rows_merge(rows, (size_t)(a->n_ja4 + x->n_ja4), a->ja4, TD_PCAP_SERVER_KEYS,
                          &a->ja4_other);
}

/* The flow-level facts of every thread into d (thread 0's summary); the packet-level ones
 * (packets, bytes, skipped, link types, damage) are counted once by the spans (team_scan).
 * peak_flows and peak_buffer_bytes become the sums of the threads' peaks. 0, or TD_E_NOMEM. */
static int summary_merge(td_pcap_summary_t *d, const scan_job_t *jobs, int nt)
{
    size_t cap = (size_t)nt * TD_PCAP_SERVERS;
    td_pcap_count_t *tmp = td_calloc((size_t)nt * TD_PCAP_TOP, sizeof(*tmp));
    td_pcap_server_t *sv = td_calloc(cap, sizeof(*sv));
    if (tmp == NULL || sv == NULL) {
        td_free(tmp);
        td_free(sv);
        return TD_E_NOMEM;
    }
    for (int i = 1; i < nt; i++) {
        const td_pcap_summary_t *x = jobs[i].s->sum;
        d->conns += x->conns;
        d->tls_conns += x->tls_conns;
        d->evicted_full += x->evicted_full;
        d->peak_flows += x->peak_flows;
        d->peak_buffer_bytes += x->peak_buffer_bytes;
    }
    static const size_t tops[] = {
        offsetof(td_pcap_summary_t, outcomes),     offsetof(td_pcap_summary_t, findings),
        offsetof(td_pcap_summary_t, fail_clients), offsetof(td_pcap_summary_t, fail_servers),
        offsetof(td_pcap_summary_t, fail_sni),     offsetof(td_pcap_summary_t, versions),
        offsetof(td_pcap_summary_t, ciphers),      offsetof(td_pcap_summary_t, ja4),
    };
    for (size_t t = 0; t < TD_ARRAY_LEN(tops); t++) {
        top_merge((td_pcap_top_t *)((char *)d + tops[t]), jobs, nt, tops[t], tmp);
    }
    size_t n = 0;
    uint64_t other = 0;
    for (int i = 0; i < nt; i++) {
        const td_pcap_summary_t *x = jobs[i].s->sum;
        other += x->servers_other;
        for (size_t k = 0; k < x->n_servers; k++) {
            size_t j = 0;
            while (j < n && strcmp(sv[j].server, x->servers[k].server) != 0) {
                j++;
            }
            if (j == n) {
                sv[n++] = x->servers[k];
            } else {
                server_add(&sv[j], &x->servers[k]);
            }
        }
    }
    qsort(sv, n, sizeof(*sv), by_server_first);
    d->n_servers = n < TD_PCAP_SERVERS ? n : TD_PCAP_SERVERS;
    memcpy(d->servers, sv, d->n_servers * sizeof(*sv));
    for (size_t i = d->n_servers; i < n; i++) {
        other += sv[i].failures;
    }
    d->servers_other = other;
    td_free(tmp);
    td_free(sv);
    return 0;
}

/* --threads reads mapped files in spans: regular files that map (not stdin, a pipe, or a file
 * mmap refuses; a file that cannot be opened at all is reported in its turn). */
static bool all_mapped(const char *const *files, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (strcmp(files[i], "-") == 0 || stat(files[i], &st) != 0 || !S_ISREG(st.st_mode)) {
            return false;
        }
        char ebuf[64];
        td_capfile_t *cf = NULL;
        bool read_not_mapped =
                td_capfile_open(files[i], &cf, ebuf, sizeof(ebuf)) == 0 && td_capfile_size(cf) == 0;
        td_capfile_close(cf);
        if (read_not_mapped) {
            return false;
        }
    }
    return true;
}

/* --threads N (N > 1): the team of team_run threads, this one included. */
static int team_scan(const td_pcap_options_t *opt, const char *const *files, size_t n,
                     scan_job_t *jobs, int nt, td_errinfo_t *err)
{
    team_t *T = td_calloc(1, sizeof(*T));
    span_t *slot = td_calloc((size_t)nt * SPAN_SLOTS, sizeof(*slot));
    td_pcap_summary_t *pk = td_calloc(1, sizeof(*pk));
    int rc = T != NULL && slot != NULL && pk != NULL ? 0 : TD_E_NOMEM;
    for (int i = 0; rc == 0 && i < nt * SPAN_SLOTS; i++) {
        slot[i].own = td_calloc((size_t)nt, sizeof(*slot[i].own));
        rc = slot[i].own != NULL ? 0 : TD_E_NOMEM;
    }
    if (rc == 0) {
        pthread_mutex_init(&T->mu, NULL);
        pthread_cond_init(&T->cv, NULL);
        T->opt = opt;
        T->files = files;
        T->nfiles = n;
        T->slot = slot;
        T->nslots = nt * SPAN_SLOTS;
        T->pk = pk;
        T->t0 = td_now_ms();
        const char *sb = getenv("TD_PCAP_SPAN_BYTES");
        unsigned long v = 0;
        T->span_bytes = sb != NULL && td_parse_uint(sb, SPAN_BYTES, &v) == 0 && v >= 16
                                ? (size_t)v
                                : SPAN_BYTES;
        for (int i = 0; i < nt; i++) {
            T->own[i] = jobs[i].s;
        }
        team_arg_t args[TD_PCAP_MAX_THREADS];
        pthread_t tids[TD_PCAP_MAX_THREADS];
        int started = 1;
        /* The threads wait for the lock until the team's size is known: with fewer threads
         * to be had than asked, the flows are shared by those there are. */
        pthread_mutex_lock(&T->mu);
        for (int i = 1; i < nt; i++) {
            args[i] = (team_arg_t){ T, i };
            if (pthread_create(&tids[i], NULL, team_run, &args[i]) != 0) {
                break;
            }
            started++;
        }
        T->nt = started;
        for (int i = 0; i < started; i++) { /* the limits split between the threads started */
            jobs[i].s->max_flows = MAX_FLOWS / (size_t)started;
            jobs[i].s->buf_budget = BUF_BUDGET / (uint64_t)started;
        }
        pthread_mutex_unlock(&T->mu);
        args[0] = (team_arg_t){ T, 0 };
        team_run(&args[0]);
        for (int i = 1; i < started; i++) {
            pthread_join(tids[i], NULL);
        }
        if (T->progress_lines) {
            fprintf(stderr, "\n");
        }
        rc = T->rc;
        if (rc < 0 && err != NULL) {
            *err = T->err;
        }
        while (T->n_open > 0) {
            file_close(T, T->open[0]);
        }
        /* The packet-level facts, counted once by the spans' decoders. */
        td_pcap_summary_t *d = jobs[0].s->sum;
        d->files = pk->files;
        d->bytes = pk->bytes;
        d->packets = pk->packets;
        d->non_ip = pk->non_ip;
        d->non_tcp = pk->non_tcp;
        d->fragments = pk->fragments;
        d->truncated_packets = pk->truncated_packets;
        d->decode_errors = pk->decode_errors;
        memcpy(d->link_types, pk->link_types, sizeof(d->link_types));
        memcpy(d->first_error, pk->first_error, sizeof(d->first_error));
        pthread_cond_destroy(&T->cv);
        pthread_mutex_destroy(&T->mu);
    } else {
        td_errinfo_set(err, TD_E_NOMEM, "out of memory");
    }
    for (int i = 0; slot != NULL && i < nt * SPAN_SLOTS; i++) {
        td_capfile_close(slot[i].rd);
        for (int k = 0; slot[i].own != NULL && k < nt; k++) {
            td_free(slot[i].own[k].rec);
            td_free(slot[i].own[k].tick);
        }
        td_free(slot[i].own);
    }
    td_free(slot);
    td_free(pk);
    td_free(T);
    return rc;
}

int td_pcap_scan(const td_pcap_options_t *opt, const char *const *files, size_t n,
                 td_pcap_conn_cb cb, void *user, td_pcap_summary_t **out, td_errinfo_t *err)
{
    static const td_pcap_options_t defaults = { 0 };
    *out = NULL;
    if (opt == NULL) {
        opt = &defaults;
    }
    int nt = opt->threads > 1 ? opt->threads : 1;
    nt = nt > TD_PCAP_MAX_THREADS ? TD_PCAP_MAX_THREADS : nt;
    if (nt > 1 && !all_mapped(files, n)) {
        nt = 1;
    }
    scan_job_t jobs[TD_PCAP_MAX_THREADS];
    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER, cert_lock = PTHREAD_MUTEX_INITIALIZER;
    atomic_int cb_failed = 0;
    memset(jobs, 0, sizeof(jobs));
    int rc = 0;
    for (int i = 0; i < nt; i++) {
        jobs[i].s = scanner_new(opt, cb, user);
        jobs[i].files = files;
        jobs[i].n = n;
        if (jobs[i].s == NULL) {
            rc = TD_E_NOMEM;
            continue;
        }
        jobs[i].s->cb_failed = &cb_failed;
        if (nt > 1) {
            jobs[i].s->cb_lock = &lock;
            jobs[i].s->cert_lock = &cert_lock;
            jobs[i].s->certs_of = i > 0 ? jobs[0].s : NULL;
        }
    }
    if (rc < 0) {
        td_errinfo_set(err, TD_E_NOMEM, "out of memory");
    } else if (nt == 1) {
        scan_run(&jobs[0]);
        rc = jobs[0].rc;
        if (rc < 0 && err != NULL) {
            *err = jobs[0].err;
        }
    } else {
        rc = team_scan(opt, files, n, jobs, nt, err);
    }
    td_pcap_summary_t *sum = NULL;
    if (rc == 0) {
        sum = jobs[0].s->sum;
        if (nt > 1 && summary_merge(sum, jobs, nt) < 0) {
            rc = TD_E_NOMEM;
            td_errinfo_set(err, TD_E_NOMEM, "out of memory");
        }
        jobs[0].s->sum = NULL;
    }
    for (int i = 0; i < nt; i++) {
        scanner_free(jobs[i].s);
    }
    if (rc < 0) {
        td_free(sum);
        return rc;
    }
    if (atomic_load(&cb_failed)) {
        td_free(sum);
        td_errinfo_set(err, TD_E_IO, "writing the connection lines failed");
        return TD_E_IO;
    }
    *out = sum;
    return 0;
}

void td_pcap_summary_free(td_pcap_summary_t *s)
{
    td_free(s);
}

uint64_t td_pcap_summary_failures(const td_pcap_summary_t *s)
{
    uint64_t n = 0;
    for (size_t i = 0; i < s->findings.used; i++) {
        n += s->findings.row[i].n;
    }
    return n + s->findings.other;
}
