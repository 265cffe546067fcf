/* logscan.c: reads log files (plain, gzip, standard input) in bounded chunks, finds candidate
 * lines with literal anchors (memmem over the chunk, so the cost does not grow with the
 * number of lines that cannot match), parses candidates, and aggregates events in tables of
 * fixed capacity. Memory is bounded whatever the input. Never judges beyond the cause table. */
#define _GNU_SOURCE /* memmem, memrchr */
#include "tlsdoctor.h"

#include "../kb/causes.h"
#include "../util/td_mapguard.h"
#include "logline.h"
#include "logscan.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#ifdef TD_HAVE_HYPERSCAN
#    include <hs/hs.h>
#endif

#define CHUNK     (4u << 20)  /* bytes read at a time */
#define MAX_LINE  (64u << 10) /* longer lines are skipped and counted */
#define MAX_CANDS (1u << 16)
#define WINDOW    (256u << 10) /* one thread over a mapping: bytes found and parsed at a time */

static uint64_t hash_str(const char *a, const char *b)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *a != '\0'; a++) {
        h = (h ^ (uint8_t)*a) * 1099511628211ull;
    }
    h = (h ^ 0xff) * 1099511628211ull;
    for (; *b != '\0'; b++) {
        h = (h ^ (uint8_t)*b) * 1099511628211ull;
    }
    return h;
}

/* Adds one to (key, cause) in a fixed-capacity open-addressing table; when full, counts in
 * *overflow instead (the count is evidence, not dropped silently). Returns the entry's index,
 * or cap if it was counted as overflow. */
static size_t table_add(td_logs_pair_t *t, size_t cap, size_t *used, uint64_t *overflow,
                        const char *key, const char *cause)
{
    uint64_t h = hash_str(key, cause);
    for (size_t i = 0; i < cap; i++) {
        size_t at = (h + i) & (cap - 1);
        td_logs_pair_t *e = &t[at];
        if (e->count == 0) {
            if (*used * 10 >= cap * 7) {
                (*overflow)++;
                return cap;
            }
            td_strlcpy(e->key, key, sizeof(e->key));
            e->cause = cause;
            e->count = 1;
            (*used)++;
            return at;
        }
        if (e->cause == cause && strcmp(e->key, key) == 0) {
            e->count++;
            return at;
        }
    }
    (*overflow)++;
    return cap;
}

/* table_add behind a small memo of recent pairs: entries never move, so an entry whose key and
 * cause are this pair's is the one table_add would find, without its FNV hash of both strings
 * (a byte at a time: a tenth of the time spent per failure line). */
static void table_add_memo(td_logs_pair_t *t, size_t cap, size_t *used, uint64_t *overflow,
                           uint32_t memo[64], const char *key, const char *cause)
{
    uint32_t h = (uint32_t)((uintptr_t)cause >> 3);
    for (const char *k = key; *k != '\0'; k++) {
        h = h * 31 + (uint8_t)*k;
    }
    uint32_t *slot = &memo[(h ^ (h >> 11)) & 63];
    if (*slot != 0) {
        td_logs_pair_t *e = &t[*slot - 1];
        if (e->cause == cause && strcmp(e->key, key) == 0) {
            e->count++;
            return;
        }
    }
    size_t at = table_add(t, cap, used, overflow, key, cause);
    if (at < cap) {
        *slot = (uint32_t)at + 1;
    }
}

static void client_ip(const char *client, char *dst, size_t cap)
{
    /* "1.2.3.4:5678" -> "1.2.3.4"; IPv6 and bare addresses are kept. */
    const char *colon = strchr(client, ':');
    if (colon != NULL && strchr(colon + 1, ':') == NULL) {
        size_t n = (size_t)(colon - client);
        td_strlcpy(dst, client, n + 1 < cap ? n + 1 : cap);
    } else {
        td_strlcpy(dst, client, cap);
    }
}

/* ev is the caller's own copy: its cause is rewritten in place to the catalogue's pointer (one
 * per id), so the tables can compare pointers. */
static void record(td_logs_summary_t *s, td_log_event_t *ev, td_log_event_cb cb, void *user)
{
    /* A small cache in front of the catalogue's string compares: parsers use few ids. */
    size_t slot = ((uintptr_t)ev->cause >> 3) % TD_ARRAY_LEN(s->cause_cache_in);
    if (s->cause_cache_in[slot] != ev->cause) {
        s->cause_cache_in[slot] = ev->cause;
        s->cause_cache_out[slot] = td_cause_get(ev->cause)->id;
    }
    ev->cause = s->cause_cache_out[slot];
    if (s->since != 0 && ev->time != 0 && ev->time < s->since) {
        s->before_since++;
        return;
    }
    s->events++;
    for (size_t i = 0; i < TD_ARRAY_LEN(s->causes); i++) {
        if (s->causes[i].cause == NULL || s->causes[i].cause == ev->cause) {
            s->causes[i].cause = ev->cause;
            s->causes[i].count++;
            if (s->causes[i].example[0] == '\0') {
                td_strlcpy(s->causes[i].example, ev->reason, sizeof(s->causes[i].example));
            }
            break;
        }
    }
    char ip[64];
    client_ip(ev->client, ip, sizeof(ip));
    table_add_memo(s->clients, TD_LOGS_CLIENTS, &s->clients_used, &s->clients_overflow,
                   s->pair_memo[0], ip[0] ? ip : "-", ev->cause);
    table_add_memo(s->servers, TD_LOGS_SERVERS, &s->servers_used, &s->servers_overflow,
                   s->pair_memo[1], ev->server[0] ? ev->server : "-", ev->cause);
    if (ev->time != 0) {
        int64_t hour = ev->time / 3600;
        for (size_t i = 0; i < TD_LOGS_HOURS; i++) {
            td_logs_hour_t *h = &s->hours[(size_t)((uint64_t)hour + i) % TD_LOGS_HOURS];
            if (h->count == 0 || h->hour == hour) {
                h->hour = hour;
                h->count++;
                break;
            }
        }
    }
    if (cb != NULL) {
        cb(ev, user);
    }
}

struct reader {
    char *map; /* a regular file mapped whole (opt->map_files): chunks are windows of it */
    size_t map_len;
    size_t map_off;
    int fd;
    gzFile gz;
    int is_gz;
    int eof;
    int error;           /* the compressed stream is truncated or corrupt: counted, not fatal */
    int io_errno;        /* reading failed (EISDIR, EIO, ...): the file cannot be read */
    td_mapguard_t guard; /* of the mapping: a page that vanished (file truncated) reads zeros */
};

static int reader_open(struct reader *r, const char *path, bool map)
{
    memset(r, 0, sizeof(*r));
    r->fd = strcmp(path, "-") == 0 ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0) {
        return TD_E_IO;
    }
    struct stat st;
    if (fstat(r->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(r->fd);
        errno = EISDIR;
        return TD_E_IO;
    }
    uint8_t magic[2];
    ssize_t n = pread(r->fd, magic, 2, 0);
    if (n == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
        r->gz = gzdopen(r->fd, "rb");
        if (r->gz == NULL) {
            close(r->fd);
            return TD_E_IO;
        }
        (void)gzbuffer(r->gz, 1u << 18);
        r->is_gz = 1;
    } else if (map && n == 2 && S_ISREG(st.st_mode) && (uint64_t)st.st_size <= SIZE_MAX) {
        /* Nothing copied: the kernel maps the page cache. Falls back to read() if it cannot.
         * The opening thread reads it (reader_close leaves the guard). */
        r->map = td_mapguard_map(r->fd, (size_t)st.st_size, &r->guard);
        r->map_len = r->map != NULL ? (size_t)st.st_size : 0;
    } else if (n < 0 && errno == ESPIPE) {
        /* Standard input from a pipe: zlib detects gzip itself and passes plain text through. */
        r->gz = gzdopen(r->fd, "rb");
        if (r->gz == NULL) {
            close(r->fd);
            return TD_E_IO;
        }
        r->is_gz = 1;
    }
    return 0;
}

static ssize_t reader_read(struct reader *r, char *buf, size_t n)
{
    if (r->is_gz) {
        int got = gzread(r->gz, buf, (unsigned)n);
        if (got < 0) {
            int errnum = 0;
            (void)gzerror(r->gz, &errnum);
            if (errnum == Z_ERRNO) {
                r->io_errno = errno != 0 ? errno : EIO;
            } else {
                r->error = 1;
            }
            return -1;
        }
        if (got == 0) {
            int errnum = 0;
            (void)gzerror(r->gz, &errnum);
            /* A truncated gzip stream ends without its trailer. */
            if (errnum != Z_OK && errnum != Z_STREAM_END) {
                r->error = 1;
            }
        }
        return got;
    }
    for (;;) {
        ssize_t got = read(r->fd, buf, n);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < 0) {
            r->io_errno = errno;
        }
        return got;
    }
}

static void reader_close(struct reader *r)
{
    if (r->map != NULL) {
        td_mapguard_leave(&r->guard);
        (void)munmap(r->map, r->map_len);
    }
    if (r->is_gz) {
        (void)gzclose(r->gz); /* closes fd */
    } else if (r->fd >= 0) {
        close(r->fd);
    }
}

static int cmp_ptr(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    return x < y ? -1 : x > y;
}

#ifdef TD_HAVE_HYPERSCAN
/* One Hyperscan literal database per format: all anchors in one pass (Teddy / FDR), instead
 * of one memmem pass per anchor. Built once per file scan. */
typedef struct anchor_db {
    hs_database_t *db;
    hs_scratch_t *scratch;
} anchor_db_t;

static int anchor_db_build(const char *const *anchors, anchor_db_t *a)
{
    const char *exprs[16];
    unsigned flags[16], ids[16];
    size_t lens[16];
    unsigned n = 0;
    hs_compile_error_t *cerr = NULL;
    memset(a, 0, sizeof(*a));
    for (; anchors[n] != NULL && n < 16; n++) {
        exprs[n] = anchors[n];
        lens[n] = strlen(anchors[n]);
        flags[n] = 0;
        ids[n] = n;
    }
    if (hs_compile_lit_multi(exprs, flags, ids, lens, n, HS_MODE_BLOCK, NULL, &a->db, &cerr) !=
        HS_SUCCESS) {
        hs_free_compile_error(cerr);
        return -1;
    }
    if (hs_alloc_scratch(a->db, &a->scratch) != HS_SUCCESS) {
        hs_free_database(a->db);
        a->db = NULL;
        return -1;
    }
    return 0;
}

static void anchor_db_free(anchor_db_t *a)
{
    if (a->scratch != NULL) {
        hs_free_scratch(a->scratch);
    }
    if (a->db != NULL) {
        hs_free_database(a->db);
    }
}

struct match_ctx {
    const char *base, *end;
    const char **cands;
    const char **ends; /* of each candidate line: its newline, or the end */
    size_t nc;
    const char *line_start, *line_end; /* the last candidate line */
    int overflow;
};

static int on_match(unsigned int id, unsigned long long from, unsigned long long to,
                    unsigned int flags, void *user)
{
    struct match_ctx *m = user;
    (void)id;
    (void)from;
    (void)flags;
    const char *hit = m->base + to - 1;
    if (hit >= m->line_start && hit < m->line_end) {
        return 0; /* another anchor on the same line */
    }
    if (m->nc == MAX_CANDS) {
        m->overflow = 1;
        return 1; /* stop: the caller parses every line of this chunk */
    }
    const char *ls = memrchr(m->base, '\n', (size_t)(hit - m->base));
    ls = ls != NULL ? ls + 1 : m->base;
    const char *nl = memchr(hit, '\n', (size_t)(m->end - hit));
    m->line_start = ls;
    m->line_end = nl != NULL ? nl + 1 : m->end;
    m->ends[m->nc] = nl != NULL ? nl : m->end;
    m->cands[m->nc++] = ls;
    return 0;
}
#endif

/* Where the anchors matched in one chunk: the candidate lines in order, with their index among
 * the chunk's lines; or "parse every line" (a format without anchors, or too many matches). */
struct found {
    const char **start; /* MAX_CANDS line starts */
    const char **end;   /* MAX_CANDS line ends (the newline, or the chunk's end) */
    uint64_t *index;    /* MAX_CANDS: lines before it in the chunk */
    size_t n;
    uint64_t lines; /* lines in the chunk */
    bool every;     /* parse every line of the chunk instead */
};

/* The candidate finder of one thread: a Hyperscan database for the format, or memmem passes. */
struct finder {
#ifdef TD_HAVE_HYPERSCAN
    anchor_db_t hs;
    td_log_format_t hs_fmt;
#else
    int unused;
#endif
};

/* The parsing side: parser state, line numbers, the summary. */
struct scan {
    td_logs_summary_t *s;
    td_log_format_t fmt;
    td_logline_state_t st;
    const char *file;
    uint64_t line; /* lines completed before the chunk being scanned */
    td_log_event_cb cb;
    void *user;
    char *map;            /* the mapped file, or NULL */
    size_t dropped;       /* mapped bytes before this were handed back (MADV_DONTNEED) */
    td_mapguard_t *guard; /* the mapping's, or NULL */
};

/* The mapped file shrank under the scan: what is read from here on are zeros, not lines. */
static bool cut_short(const struct scan *sc)
{
    return sc->guard != NULL && td_mapguard_hit(sc->guard);
}

/* Scanned pages leave the mapping every 8 MiB (they stay in the page cache), so the resident
 * size does not grow with the file. */
#define DROP_EVERY (8u << 20)

static void emit_line(struct scan *sc, const char *p, size_t n, uint64_t line_no)
{
    td_log_event_t ev[2];
    if (n > MAX_LINE) {
        sc->s->bad_lines++;
        return;
    }
    if (memchr(p, '\0', n) != NULL) {
        if (!cut_short(sc)) {
            sc->s->bad_lines++; /* binary garbage in a line that looked like a candidate */
        }
        return;
    }
    int k = td_logline_parse(sc->fmt, &sc->st, p, n, line_no, ev);
    for (int i = 0; i < k; i++) {
        ev[i].file = sc->file;
        record(sc->s, &ev[i], sc->cb, sc->user);
    }
}

/* Built twice, for AVX2 and plain x86-64 (or the target's default), picked at load time: the
 * count touches every byte of the file, so the wider vectors halve its cost. */
#if defined(__has_feature)
#    if __has_feature(address_sanitizer)
#        define TD_NO_CLONES 1 /* no ifunc in sanitizer builds: they measure nothing */
#    endif
#endif
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__SANITIZE_ADDRESS__) && \
        !defined(TD_NO_CLONES)
__attribute__((target_clones("avx2", "default")))
#endif
static size_t
count_lines(const char *p, const char *end)
{
    /* 32 bytes per step in a vector (GCC/clang vector extensions: AVX2 in the avx2 clone, two
     * SSE2 halves otherwise): a lane is -1 where the byte is a newline, subtracted into byte
     * counters that are summed every 255 steps, before one could overflow. */
    typedef unsigned char v32 __attribute__((vector_size(32)));
    size_t n = 0;
    size_t len = (size_t)(end - p);
    const unsigned char *u = (const unsigned char *)p;
    size_t i = 0;
    const v32 nl = { '\n', '\n', '\n', '\n', '\n', '\n', '\n', '\n', '\n', '\n', '\n',
                     '\n', '\n', '\n', '\n', '\n', '\n', '\n', '\n', '\n', '\n', '\n',
                     '\n', '\n', '\n', '\n', '\n', '\n', '\n', '\n', '\n', '\n' };
    while (len - i >= 32) {
        size_t steps = (len - i) / 32 < 255 ? (len - i) / 32 : 255;
        v32 acc = { 0 };
        for (size_t k = 0; k < steps; k++, i += 32) {
            v32 x;
            memcpy(&x, u + i, 32);
            acc -= (v32)(x == nl);
        }
        unsigned char lanes[32];
        memcpy(lanes, &acc, 32);
        for (size_t k = 0; k < 32; k++) {
            n += lanes[k];
        }
    }
    for (; i < len; i++) {
        n += u[i] == '\n';
    }
    return n;
}

/* Parses every line of [p, end): for formats without anchors, or too many candidates. */
static void parse_every_line(struct scan *sc, const char *p, const char *end)
{
    const char *q = p;
    while (q < end) {
        const char *nl = memchr(q, '\n', (size_t)(end - q));
        const char *le = nl != NULL ? nl : end;
        sc->line++;
        emit_line(sc, q, (size_t)(le - q), sc->line);
        q = le + 1;
    }
}

static void progress(const td_logs_summary_t *s, double *last)
{
    double now = td_now_ms();
    if (now - *last < 500) {
        return;
    }
    *last = now;
    fprintf(stderr, "\rtlsdoctor logs: %.1f MB read, %llu lines, %llu failures   ",
            (double)s->bytes / 1e6, (unsigned long long)s->lines, (unsigned long long)s->events);
}

/* Finds the candidate lines of [p, end) (whole lines: end is just after a newline, or the end
 * of input) and numbers them. Reads the chunk, writes only f and fd. */
static void find_lines(struct finder *fd, td_log_format_t fmt, const char *p, const char *end,
                       struct found *f)
{
    const char *const *anchors = td_logline_anchors(fmt);
    f->n = 0;
    f->lines = 0;
    f->every = anchors == NULL; /* no prefilter for this format: every line is parsed */
    if (f->every) {
        return;
    }
    size_t nc = 0;
    bool overflow = false;
#ifdef TD_HAVE_HYPERSCAN
    if (fd->hs.db == NULL || fd->hs_fmt != fmt) {
        anchor_db_free(&fd->hs);
        fd->hs_fmt = fmt;
        (void)anchor_db_build(anchors, &fd->hs);
    }
    if (fd->hs.db != NULL && (size_t)(end - p) <= 0xffffffffu) {
        struct match_ctx m = { p, end, f->start, f->end, 0, NULL, NULL, 0 };
        (void)hs_scan(fd->hs.db, p, (unsigned)(end - p), 0, fd->hs.scratch, on_match, &m);
        nc = m.nc;
        overflow = m.overflow != 0;
        anchors = NULL;
    }
#else
    (void)fd;
#endif
    for (size_t a = 0; anchors != NULL && anchors[a] != NULL && !overflow; a++) {
        size_t alen = strlen(anchors[a]);
        const char *q = p;
        while (q < end) {
            const char *hit = memmem(q, (size_t)(end - q), anchors[a], alen);
            if (hit == NULL) {
                break;
            }
            const char *ls = memrchr(p, '\n', (size_t)(hit - p));
            ls = ls != NULL ? ls + 1 : p;
            if (nc == MAX_CANDS) {
                overflow = true;
                break;
            }
            f->start[nc++] = ls;
            const char *nl = memchr(hit, '\n', (size_t)(end - hit));
            q = nl != NULL ? nl + 1 : end;
        }
    }
    if (overflow) {
        /* Too many candidates to sort cheaply: parse every line of this chunk instead. */
        f->every = true;
        return;
    }
    /* Hyperscan reports matches in order of their end, so its candidates are already sorted;
     * the memmem passes (one per anchor) are not. */
    bool sorted = true;
    for (size_t i = 1; i < nc && sorted; i++) {
        sorted = f->start[i - 1] <= f->start[i];
    }
    if (!sorted) {
        qsort(f->start, nc, sizeof(f->start[0]), cmp_ptr);
    }
    /* One entry per line, each with its end and its index. */
    const char *counted = p;
    uint64_t line = 0;
    size_t k = 0;
    for (size_t i = 0; i < nc; i++) {
        const char *ls = f->start[i];
        if (ls < counted) {
            /* A line already taken: two anchors on one line, or (a mapped file truncated
             * under the scan turns pages into zeros) a start found after its newline went. */
            continue;
        }
        line += count_lines(counted, ls);
        /* Hyperscan's callback found the line's end already. */
        const char *le = anchors == NULL ? f->end[i] : memchr(ls, '\n', (size_t)(end - ls));
        const char *nl = le != NULL && le < end ? le : NULL;
        f->start[k] = ls;
        f->end[k] = nl != NULL ? nl : end;
        f->index[k] = line;
        k++;
        line++;
        counted = nl != NULL ? nl + 1 : end;
    }
    line += count_lines(counted, end);
    if (end > p && end[-1] != '\n' && counted < end) {
        line++; /* a last line without a newline */
    }
    f->n = k;
    f->lines = line;
}

/* Parses the lines find_lines found in [p, end), in order. */
static void emit_found(struct scan *sc, const char *p, const char *end, const struct found *f)
{
    if (f->every) {
        parse_every_line(sc, p, end);
        return;
    }
    for (size_t i = 0; i < f->n && !cut_short(sc); i++) {
        emit_line(sc, f->start[i], (size_t)(f->end[i] - f->start[i]), sc->line + f->index[i] + 1);
    }
    sc->line += f->lines;
}

/* One step of the walk over a file: whole lines to scan (start == NULL: none this step) and
 * what the step counted on the way. */
struct job {
    const char *start, *end;
    uint64_t bytes;     /* read in this step */
    uint64_t pre_lines; /* lines completed before start (the end of an over-long line) */
    uint64_t bad_lines; /* an over-long line begun */
    td_log_format_t fmt;
    bool undetected; /* the format was guessed */
    bool last;       /* the walk is over after this step */
};

/* Walks a file in chunks of whole lines: windows of the mapping, or read() into buf with the
 * partial last line carried to the front. */
struct walker {
    struct reader *r;
    char *buf;         /* read() only: CHUNK bytes */
    const char *carry; /* the partial last line of the previous chunk */
    size_t have;       /* its length */
    bool skipping;     /* inside an over-long line */
    td_log_format_t fmt;
    size_t window; /* mapped, one thread: steps of about this size (0: CHUNK) */
};

static void walk_next(struct walker *w, struct job *j)
{
    struct reader *r = w->r;
    memset(j, 0, sizeof(*j));
    j->fmt = w->fmt;
    ssize_t got;
    const char *buf;
    if (r->map != NULL && td_mapguard_hit(&r->guard)) {
        j->last = true; /* the mapped file shrank: the rest is gone */
        return;
    }
    if (r->map != NULL) {
        /* A window of the mapping; the carried bytes are the ones just before it. */
        size_t room = CHUNK - w->have;
        size_t n = r->map_len - r->map_off < room ? r->map_len - r->map_off : room;
        /* A smaller step where it ends on a newline (otherwise the full chunk, as above, so
         * over-long lines and format detection see the same bytes): its bytes are found,
         * counted and parsed while they are still in the core's cache. */
        size_t small = w->window > w->have ? w->window - w->have : 0;
        if (small < n && w->fmt != TD_LOG_AUTO && !w->skipping &&
            memrchr(r->map + r->map_off, '\n', small) != NULL) {
            n = small;
        }
        buf = r->map + r->map_off - w->have;
        r->map_off += n;
        got = (ssize_t)n;
    } else {
        if (w->have > 0 && w->carry != w->buf) {
            memmove(w->buf, w->carry, w->have);
        }
        got = reader_read(r, w->buf + w->have, CHUNK - w->have);
        buf = w->buf;
    }
    if (got < 0) {
        j->last = true;
        return;
    }
    j->bytes = (uint64_t)got;
    size_t len = w->have + (size_t)got;
    bool last_chunk = got == 0;
    if (len == 0) {
        j->last = true;
        return;
    }
    if (w->fmt == TD_LOG_AUTO) {
        w->fmt = td_logline_detect(buf, len);
        if (w->fmt == TD_LOG_AUTO) {
            w->fmt = TD_LOG_NGINX; /* the most common; its anchors stay cheap */
            j->undetected = true;
        }
        j->fmt = w->fmt;
    }
    const char *start = buf;
    const char *end = buf + len;
    j->last = last_chunk;
    if (w->skipping) {
        const char *nl = memchr(start, '\n', len);
        if (nl == NULL) {
            w->have = 0; /* still inside the long line: drop it all */
            return;
        }
        start = nl + 1;
        w->skipping = false;
        j->pre_lines = 1;
    }
    const char *cut = last_chunk ? end : memrchr(start, '\n', (size_t)(end - start));
    if (cut == NULL) {
        /* No newline in a full buffer: a line longer than the buffer. */
        j->bad_lines = 1;
        w->skipping = true;
        w->have = 0;
        return;
    }
    if (!last_chunk) {
        cut++;
    }
    j->start = start;
    j->end = cut;
    w->carry = cut;
    w->have = (size_t)(end - cut);
}

/* The parsing side of one step. */
static void consume(struct scan *sc, const struct job *j, const struct found *f,
                    const td_logs_options_t *opt, double *last)
{
    td_logs_summary_t *s = sc->s;
    if (cut_short(sc)) {
        return; /* read after the cut: nothing of the file */
    }
    s->bytes += j->bytes;
    s->bad_lines += j->bad_lines;
    if (j->undetected) {
        s->undetected_files++;
    }
    sc->fmt = j->fmt;
    sc->line += j->pre_lines;
    if (j->start != NULL) {
        emit_found(sc, j->start, j->end, f);
        if (sc->map != NULL) {
            /* Everything before this chunk's end is done with, in both threads: the next
             * window starts there. */
            size_t upto = (size_t)(j->end - sc->map) & ~(size_t)(DROP_EVERY - 1);
            if (upto > sc->dropped) {
                (void)madvise(sc->map + sc->dropped, upto - sc->dropped, MADV_DONTNEED);
                sc->dropped = upto;
            }
        }
        if (opt->progress) {
            s->lines = s->lines_done + sc->line;
            progress(s, last);
        }
    }
}

/* A mapped file larger than a chunk is scanned by two threads: a finder thread walks the chunks
 * and finds the candidate lines (Hyperscan and the line count touch every byte), this thread
 * parses them in order (the parsers keep state across lines, the callback runs here). Two
 * slots: the finder fills one while the parser empties the other. */
struct pipe {
    struct walker *w;
    struct finder fd;
    struct job job[2];
    struct found *found; /* [2] */
    int full[2];
    int stop;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t th;
};

static void pipe_post(struct pipe *pp, int i)
{
    pthread_mutex_lock(&pp->mu);
    pp->full[i] = 1;
    pthread_cond_broadcast(&pp->cv);
    pthread_mutex_unlock(&pp->mu);
}

static void *finder_main(void *arg)
{
    struct pipe *pp = arg;
    /* a file truncated under the scan: see walk_next (a new thread: enter cannot fail) */
    (void)td_mapguard_enter(&pp->w->r->guard);
    for (int i = 0;; i ^= 1) {
        pthread_mutex_lock(&pp->mu);
        while (pp->full[i] && !pp->stop) {
            pthread_cond_wait(&pp->cv, &pp->mu);
        }
        int stop = pp->stop;
        pthread_mutex_unlock(&pp->mu);
        if (stop) {
            break;
        }
        walk_next(pp->w, &pp->job[i]);
        if (pp->job[i].start != NULL) {
            find_lines(&pp->fd, pp->job[i].fmt, pp->job[i].start, pp->job[i].end, &pp->found[i]);
        }
        bool last = pp->job[i].last;
        pipe_post(pp, i);
        if (last) {
            break;
        }
    }
    td_mapguard_leave(&pp->w->r->guard);
    return NULL;
}

static int pipe_start(struct pipe *pp, struct walker *w, struct found *found)
{
    memset(pp, 0, sizeof(*pp));
    pp->w = w;
    pp->found = found;
    if (pthread_mutex_init(&pp->mu, NULL) != 0) {
        return -1;
    }
    if (pthread_cond_init(&pp->cv, NULL) != 0) {
        pthread_mutex_destroy(&pp->mu);
        return -1;
    }
    if (pthread_create(&pp->th, NULL, finder_main, pp) != 0) {
        pthread_cond_destroy(&pp->cv);
        pthread_mutex_destroy(&pp->mu);
        return -1;
    }
    return 0;
}

/* The parsing side: every step in order until the last. */
static void pipe_consume(struct pipe *pp, struct scan *sc, const td_logs_options_t *opt,
                         double *last)
{
    for (int i = 0;; i ^= 1) {
        pthread_mutex_lock(&pp->mu);
        while (!pp->full[i]) {
            pthread_cond_wait(&pp->cv, &pp->mu);
        }
        pthread_mutex_unlock(&pp->mu);
        consume(sc, &pp->job[i], &pp->found[i], opt, last);
        bool done = pp->job[i].last;
        pthread_mutex_lock(&pp->mu);
        pp->full[i] = 0;
        pthread_cond_broadcast(&pp->cv);
        pthread_mutex_unlock(&pp->mu);
        if (done) {
            break;
        }
    }
}

static void pipe_stop(struct pipe *pp)
{
    pthread_mutex_lock(&pp->mu);
    pp->stop = 1;
    pthread_cond_broadcast(&pp->cv);
    pthread_mutex_unlock(&pp->mu);
    pthread_join(pp->th, NULL);
    pthread_cond_destroy(&pp->cv);
    pthread_mutex_destroy(&pp->mu);
#ifdef TD_HAVE_HYPERSCAN
    anchor_db_free(&pp->fd.hs);
#endif
}

/* Everything in this thread: standard input, gzip, small files, or no second thread. */
static void scan_sequential(struct scan *sc, struct walker *w, struct finder *fd, struct found *f,
                            const td_logs_options_t *opt, double *last)
{
    struct job j;
    do {
        walk_next(w, &j);
        if (j.start != NULL) {
            find_lines(fd, j.fmt, j.start, j.end, f);
        }
        consume(sc, &j, f, opt, last);
    } while (!j.last);
}

/* The CPUs this process may run on (taskset, cgroup cpusets); 1 if unknown. */
static int cpus_usable(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) != 0) {
        return 1;
    }
    return CPU_COUNT(&set);
}

static int scan_file(td_logs_summary_t *s, const td_logs_options_t *opt, const char *path,
                     td_log_event_cb cb, void *user, char *buf, struct found *found,
                     td_errinfo_t *err)
{
    struct reader r;
    struct scan sc;
    struct finder fd;
    struct walker w;
    struct pipe pp;
    double last = td_now_ms();
    if (reader_open(&r, path, opt->map_files != 0) < 0) {
        td_errinfo_set(err, TD_E_IO, "cannot open '%s': %s", path, strerror(errno));
        return TD_E_IO;
    }
    int rc = 0;
    memset(&sc, 0, sizeof(sc));
    memset(&fd, 0, sizeof(fd));
    memset(&w, 0, sizeof(w));
    sc.s = s;
    sc.file = path;
    sc.cb = cb;
    sc.user = user;
    sc.fmt = opt->format;
    w.r = &r;
    w.buf = buf;
    w.fmt = opt->format;
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    td_logline_state_init(&sc.st, tm.tm_year + 1900);

    if (r.map != NULL) {
        sc.map = r.map;
        sc.guard = &r.guard;
    }
    /* Two threads only where the file is mapped, big enough to pay for the second, and a
     * second CPU can run it (pinned to one, the handoff is pure overhead). */
    if (r.map != NULL && r.map_len > CHUNK && cpus_usable() > 1 &&
        pipe_start(&pp, &w, found) == 0) {
        pipe_consume(&pp, &sc, opt, &last);
        pipe_stop(&pp);
    } else {
        w.window = r.map != NULL ? WINDOW : 0;
        scan_sequential(&sc, &w, &fd, &found[0], opt, &last);
    }
    if (r.map != NULL && td_mapguard_hit(&r.guard)) {
        r.error = 1; /* what was read is kept, the rest is lost */
    }
    td_log_event_t ev;
    if (td_logline_flush(&sc.st, &ev)) {
        ev.file = path;
        record(s, &ev, cb, user);
    }
    if (r.io_errno != 0) {
        td_errinfo_set(err, TD_E_IO, "cannot read '%s': %s", path, strerror(r.io_errno));
        rc = TD_E_IO;
    } else if (r.error) {
        s->read_errors++;
        td_strlcpy(s->last_read_error, path, sizeof(s->last_read_error));
    }
    s->lines_done += sc.line;
    s->lines = s->lines_done;
    s->formats[sc.fmt]++;
#ifdef TD_HAVE_HYPERSCAN
    anchor_db_free(&fd.hs);
#endif
    reader_close(&r);
    if (opt->progress) {
        fprintf(stderr, "\r%80s\r", "");
    }
    return rc;
}

int td_logs_scan(const td_logs_options_t *opt_in, const char *const *files, size_t n_files,
                 td_log_event_cb cb, void *user, td_logs_summary_t **out, td_errinfo_t *err)
{
    td_logs_options_t opt = *opt_in;
    int rc = 0;
    *out = NULL;
    if (opt.top <= 0) {
        opt.top = 10;
    }
    if ((unsigned)opt.format >= TD_LOG__COUNT || n_files == 0) {
        td_errinfo_set(err, TD_E_USAGE, "no input file or unknown format");
        return TD_E_USAGE;
    }
    td_logs_summary_t *s = td_calloc(1, sizeof(*s));
    char *buf = td_malloc(CHUNK);
    struct found found[2];
    bool found_ok = true;
    for (size_t k = 0; k < 2; k++) {
        memset(&found[k], 0, sizeof(found[k]));
        found[k].start = td_calloc(MAX_CANDS, sizeof(*found[k].start));
        found[k].end = td_calloc(MAX_CANDS, sizeof(*found[k].end));
        found[k].index = td_calloc(MAX_CANDS, sizeof(*found[k].index));
        found_ok = found_ok && found[k].start != NULL && found[k].end != NULL &&
                   found[k].index != NULL;
    }
    if (s == NULL || buf == NULL || !found_ok) {
        td_errinfo_set(err, TD_E_NOMEM, "out of memory");
        rc = TD_E_NOMEM;
        goto out;
    }
    s->since = opt.since;
    s->top = opt.top;
    s->files = n_files;
    for (size_t i = 0; i < n_files; i++) {
        TD_TRY_OUT(scan_file(s, &opt, files[i], cb, user, buf, found, err));
    }
    *out = s;
    s = NULL;
out:
    td_free(buf);
    for (size_t k = 0; k < 2; k++) {
        td_free(found[k].start);
        td_free(found[k].end);
        td_free(found[k].index);
    }
    td_free(s);
    return rc;
}

uint64_t td_logs_summary_events(const td_logs_summary_t *s)
{
    return s != NULL ? s->events : 0;
}

void td_logs_summary_free(td_logs_summary_t *s)
{
    td_free(s);
}
