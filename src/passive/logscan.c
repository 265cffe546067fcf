/* logscan.c: reads log files (plain, gzip, standard input) in bounded chunks, finds candidate
 * lines with literal anchors (memmem over the chunk, so the cost does not grow with the
 * number of lines that cannot match), parses candidates, and aggregates events in tables of
 * fixed capacity. Memory is bounded whatever the input. Never judges beyond the cause table. */
#define _GNU_SOURCE /* memmem, memrchr */
#include "tlsdoctor.h"

#include "../kb/causes.h"
#include "logline.h"
#include "logscan.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
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
 * *overflow instead (the count is evidence, not dropped silently). */
static void table_add(td_logs_pair_t *t, size_t cap, size_t *used, uint64_t *overflow,
                      const char *key, const char *cause)
{
    uint64_t h = hash_str(key, cause);
    for (size_t i = 0; i < cap; i++) {
        td_logs_pair_t *e = &t[(h + i) & (cap - 1)];
        if (e->count == 0) {
            if (*used * 10 >= cap * 7) {
                (*overflow)++;
                return;
            }
            td_strlcpy(e->key, key, sizeof(e->key));
            e->cause = cause;
            e->count = 1;
            (*used)++;
            return;
        }
        if (e->cause == cause && strcmp(e->key, key) == 0) {
            e->count++;
            return;
        }
    }
    (*overflow)++;
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
    table_add(s->clients, TD_LOGS_CLIENTS, &s->clients_used, &s->clients_overflow, ip[0] ? ip : "-",
              ev->cause);
    table_add(s->servers, TD_LOGS_SERVERS, &s->servers_used, &s->servers_overflow,
              ev->server[0] ? ev->server : "-", ev->cause);
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
    int error;    /* the compressed stream is truncated or corrupt: counted, not fatal */
    int io_errno; /* reading failed (EISDIR, EIO, ...): the file cannot be read */
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
        /* Nothing copied: the kernel maps the page cache. Falls back to read() if it cannot. */
        void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, r->fd, 0);
        if (m != MAP_FAILED) {
            (void)madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
            r->map = m;
            r->map_len = (size_t)st.st_size;
        }
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
    m->cands[m->nc++] = ls;
    return 0;
}
#endif

struct scan {
    td_logs_summary_t *s;
    td_log_format_t fmt;
    td_logline_state_t st;
    const char *file;
    uint64_t line; /* lines completed before the chunk being scanned */
    td_log_event_cb cb;
    void *user;
    const char **cands;
#ifdef TD_HAVE_HYPERSCAN
    anchor_db_t hs;
    td_log_format_t hs_fmt;
#endif
};

static void emit_line(struct scan *sc, const char *p, size_t n, uint64_t line_no)
{
    td_log_event_t ev[2];
    if (n > MAX_LINE) {
        sc->s->bad_lines++;
        return;
    }
    if (memchr(p, '\0', n) != NULL) {
        sc->s->bad_lines++; /* binary garbage in a line that looked like a candidate */
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
#        define TD_NO_CLONES 1 /* the resolver would run before the sanitizer's runtime */
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

/* Scans [p, end): whole lines only (end is just after a newline, or the end of input). */
static void scan_lines(struct scan *sc, const char *p, const char *end)
{
    const char *const *anchors = td_logline_anchors(sc->fmt);
    const char *const *all_anchors = anchors;
    (void)all_anchors;
    if (anchors == NULL) {
        /* No prefilter for this format: every line is parsed. */
        parse_every_line(sc, p, end);
        return;
    }
    size_t nc = 0;
    bool overflow = false;
#ifdef TD_HAVE_HYPERSCAN
    if (sc->hs.db == NULL || sc->hs_fmt != sc->fmt) {
        anchor_db_free(&sc->hs);
        sc->hs_fmt = sc->fmt;
        (void)anchor_db_build(anchors, &sc->hs);
    }
    if (sc->hs.db != NULL && (size_t)(end - p) <= 0xffffffffu) {
        struct match_ctx m = { p, end, sc->cands, 0, NULL, NULL, 0 };
        (void)hs_scan(sc->hs.db, p, (unsigned)(end - p), 0, sc->hs.scratch, on_match, &m);
        nc = m.nc;
        overflow = m.overflow != 0;
        anchors = NULL;
    }
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
            sc->cands[nc++] = ls;
            const char *nl = memchr(hit, '\n', (size_t)(end - hit));
            q = nl != NULL ? nl + 1 : end;
        }
    }
    if (overflow) {
        /* Too many candidates to sort cheaply: parse every line of this chunk instead. */
        parse_every_line(sc, p, end);
        return;
    }
    /* Hyperscan reports matches in order of their end, so its candidates are already sorted;
     * the memmem passes (one per anchor) are not. */
    bool sorted = true;
    for (size_t i = 1; i < nc && sorted; i++) {
        sorted = sc->cands[i - 1] <= sc->cands[i];
    }
    if (!sorted) {
        qsort(sc->cands, nc, sizeof(sc->cands[0]), cmp_ptr);
    }
    const char *counted = p;
    const char *prev = NULL;
    for (size_t i = 0; i < nc; i++) {
        const char *ls = sc->cands[i];
        if (ls == prev) {
            continue;
        }
        prev = ls;
        sc->line += count_lines(counted, ls);
        const char *nl = memchr(ls, '\n', (size_t)(end - ls));
        const char *le = nl != NULL ? nl : end;
        emit_line(sc, ls, (size_t)(le - ls), sc->line + 1);
        sc->line++;
        counted = nl != NULL ? nl + 1 : end;
    }
    sc->line += count_lines(counted, end);
    if (end > p && end[-1] != '\n' && counted < end) {
        sc->line++; /* a last line without a newline */
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

/* A mapped file that shrinks while it is scanned (logrotate's copytruncate) raises SIGBUS on
 * the pages past its new end. While a mapped file is scanned, this thread's handler jumps back
 * to scan_file, which ends that file with a read error. A SIGBUS outside such a scan (another
 * thread's) gets the default action, as it would have without this handler. A file that grows
 * meanwhile is read up to its size when it was opened. */
static _Thread_local sigjmp_buf *bus_jump;

static void on_sigbus(int sig)
{
    if (bus_jump != NULL) {
        siglongjmp(*bus_jump, 1);
    }
    (void)signal(sig, SIG_DFL);
    (void)raise(sig);
}

/* Reads and scans every chunk of an open file: windows of the mapping, or read() into buf. */
static void scan_chunks(struct scan *sc, struct reader *r, char *buf, const td_logs_options_t *opt,
                        double *last)
{
    td_logs_summary_t *s = sc->s;
    size_t have = 0;       /* bytes in buf not yet scanned */
    bool skipping = false; /* inside an over-long line */
    for (;;) {
        ssize_t got;
        if (r->map != NULL) {
            /* A window of the mapping; the carried bytes are the ones just before it. */
            size_t w =
                    r->map_len - r->map_off < CHUNK - have ? r->map_len - r->map_off : CHUNK - have;
            buf = r->map + r->map_off - have;
            r->map_off += w;
            got = (ssize_t)w;
        } else {
            got = reader_read(r, buf + have, CHUNK - have);
        }
        if (got < 0) {
            break;
        }
        s->bytes += (uint64_t)got;
        size_t len = have + (size_t)got;
        bool last_chunk = got == 0;
        if (len == 0) {
            break;
        }
        if (sc->fmt == TD_LOG_AUTO) {
            sc->fmt = td_logline_detect(buf, len);
            if (sc->fmt == TD_LOG_AUTO) {
                sc->fmt = TD_LOG_NGINX; /* the most common; its anchors stay cheap */
                s->undetected_files++;
            }
        }
        const char *start = buf;
        const char *end = buf + len;
        if (skipping) {
            const char *nl = memchr(start, '\n', len);
            if (nl == NULL) {
                have = 0; /* still inside the long line: drop it all */
                if (last_chunk) {
                    break;
                }
                continue;
            }
            start = nl + 1;
            skipping = false;
            sc->line++;
        }
        const char *cut = last_chunk ? end : memrchr(start, '\n', (size_t)(end - start));
        if (cut == NULL) {
            /* No newline in a full buffer: a line longer than the buffer. */
            s->bad_lines++;
            skipping = true;
            have = 0;
            continue;
        }
        if (!last_chunk) {
            cut++;
        }
        scan_lines(sc, start, cut);
        have = (size_t)(end - cut);
        if (r->map == NULL) {
            memmove(buf, cut, have);
        }
        if (opt->progress) {
            s->lines = s->lines_done + sc->line;
            progress(s, last);
        }
        if (last_chunk) {
            break;
        }
    }
}

static int scan_file(td_logs_summary_t *s, const td_logs_options_t *opt, const char *path,
                     td_log_event_cb cb, void *user, char *buf, const char **cands,
                     td_errinfo_t *err)
{
    struct reader r;
    struct scan sc;
    double last = td_now_ms();
    if (reader_open(&r, path, opt->map_files != 0) < 0) {
        td_errinfo_set(err, TD_E_IO, "cannot open '%s': %s", path, strerror(errno));
        return TD_E_IO;
    }
    int rc = 0;
    memset(&sc, 0, sizeof(sc));
    sc.s = s;
    sc.file = path;
    sc.cb = cb;
    sc.user = user;
    sc.cands = cands;
    sc.fmt = opt->format;
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    td_logline_state_init(&sc.st, tm.tm_year + 1900);

    struct sigaction bus_old;
    sigjmp_buf jb;
    bool guarded = false;
    if (r.map != NULL) {
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_sigbus;
        sigemptyset(&sa.sa_mask);
        guarded = sigaction(SIGBUS, &sa, &bus_old) == 0;
        if (!guarded) {
            (void)munmap(r.map, r.map_len); /* no guard, no mapping: read() instead */
            r.map = NULL;
        }
    }
    /* After the jump only r and sc are read: both live in memory (their addresses are passed to
     * the functions the signal interrupts), so their values are the ones stored last. */
    if (guarded && sigsetjmp(jb, 1) != 0) {
        /* The file shrank under the mapping: what was read is kept, the rest is lost. */
        r.error = 1;
    } else {
        bus_jump = guarded ? &jb : NULL;
        scan_chunks(&sc, &r, buf, opt, &last);
    }
    bus_jump = NULL;
    if (guarded) {
        (void)sigaction(SIGBUS, &bus_old, NULL);
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
    anchor_db_free(&sc.hs);
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
    const char **cands = td_calloc(MAX_CANDS, sizeof(*cands));
    if (s == NULL || buf == NULL || cands == NULL) {
        td_errinfo_set(err, TD_E_NOMEM, "out of memory");
        rc = TD_E_NOMEM;
        goto out;
    }
    s->since = opt.since;
    s->top = opt.top;
    s->files = n_files;
    for (size_t i = 0; i < n_files; i++) {
        TD_TRY_OUT(scan_file(s, &opt, files[i], cb, user, buf, cands, err));
    }
    *out = s;
    s = NULL;
out:
    td_free(buf);
    td_free(cands);
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
