/* sniff.c: first-bytes classifier. A table of greetings (open set) rather than a switch.
 * Must never read past len and never decide what is wrong: that is diagnose/'s job. */
#define _GNU_SOURCE /* memmem */
#include "sniff.h"

#include <pthread.h>
#include <string.h>

struct banner {
    const char *prefix;
    const char *proto;
};

/* Greetings servers send unprompted or in answer to garbage, by protocol specification:
 * SSH RFC 4253 §4.2, SMTP RFC 5321 §4.2, FTP RFC 959, POP3 RFC 1939, IMAP RFC 9051,
 * RFB (VNC) RFC 6143, Redis RESP error replies, SIP RFC 3261, RTSP RFC 2326. */
static const struct banner banners[] = {
    { "SSH-", "ssh" },       { "+OK", "pop3" },   { "* OK", "imap" },     { "* PREAUTH", "imap" },
    { "RFB ", "vnc" },       { "-ERR", "redis" }, { "-NOAUTH", "redis" }, { "SIP/2.0 ", "sip" },
    { "RTSP/1.0 ", "rtsp" }, { "AMQP", "amqp" },
};

/* Phrases of the servers' own built-in pages (error pages, the answer to plain HTTP on a TLS
 * port). Servers that hide their Server header still send these. Sources:
 * nginx src/http/ngx_http_special_response.c (ngx_http_msg497 and the "<center>nginx</center>"
 * error tail); Apache mod_ssl ssl_engine_kernel.c (AH01996, ../shared/log-formats.md) and
 * server/core.c ap_psignature ("<address>Apache"); HAProxy src/http_htx.c default 503 / 504
 * messages; IIS HTTP.sys's "Bad Request - Invalid Hostname" page. Apache httpd's canned
 * error texts (modules/http/http_protocol.c get_canned_error_string), which stay when
 * ServerSignature is off; IIS's own 404 page ("404 - File or directory not found."); Envoy's
 * local replies (source/common/router/router.cc: "no healthy upstream", "upstream connect
 * error or disconnect/reset before headers"); Go net/http's answer to plain HTTP on a TLS port
 * (net/http server.go: "Client sent an HTTP request to an HTTPS server."), which Caddy and
 * Traefik send: it names Go, not the product. */
static const struct page_sign {
    const char *phrase;
    const char *software;
} page_signs[] = {
    { "plain HTTP request was sent to HTTPS port", "nginx" },
    { "<center>nginx", "nginx" },
    { "speaking plain HTTP to an SSL-enabled server port", "apache" },
    { "<address>Apache", "apache" },
    { "No server is available to handle this request", "haproxy" },
    { "The server didn't respond in time", "haproxy" },
    { "Bad Request - Invalid Hostname", "iis" },
    { "The requested URL was not found on this server", "apache" },
    { "Your browser sent a request that this server could not understand", "apache" },
    { "404 - File or directory not found.", "iis" },
    { "no healthy upstream", "envoy" },
    { "upstream connect error or disconnect/reset before headers", "envoy" },
    { "Client sent an HTTP request to an HTTPS server.", "go" },
};

static bool has_prefix(const uint8_t *buf, size_t len, const char *lit)
{
    td_text_t t;
    td_text_init(&t, (const char *)buf, len);
    return td_text_lit(&t, lit, false);
}

static bool contains(const uint8_t *buf, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    if (n == 0 || n > len) {
        return false;
    }
    /* glibc's memmem, not a memcmp at every offset: a 64 KB HTTP page times every page sign
     * made this 11% of `tlsdoctor pcap` on real traffic. */
    return memmem(buf, len, needle, n) != NULL;
}

/* Every page sign in one pass (Wu-Manber): a window as long as the shortest sign (SIGN_MIN)
 * moves on by how far the 2 bytes at its end are from the end of any sign's first SIGN_MIN
 * bytes; where they end one, the signs ending so are compared whole. A memmem per sign
 * (13 passes over a 64 KB page) was 7% of the instructions of `tlsdoctor pcap` on real
 * traffic. Pairs are hashed into SIGN_HASH entries (a collision only shortens a shift). */
#define SIGN_MIN  13 /* the shortest sign; none may be shorter (test_sniff finds each alone) */
#define SIGN_HASH 4096

static uint8_t sign_shift[SIGN_HASH];
static uint16_t sign_end[SIGN_HASH]; /* bit i: sign i's first SIGN_MIN bytes end in this pair */
static pthread_once_t sign_once = PTHREAD_ONCE_INIT;

static unsigned pair_hash(uint8_t a, uint8_t b)
{
    return ((unsigned)a << 4 ^ b) & (SIGN_HASH - 1);
}

static void sign_tables(void)
{
    memset(sign_shift, SIGN_MIN - 1, sizeof(sign_shift));
    for (size_t i = 0; i < TD_ARRAY_LEN(page_signs); i++) {
        const uint8_t *p = (const uint8_t *)page_signs[i].phrase;
        for (size_t j = 0; j + 1 < SIGN_MIN; j++) {
            unsigned h = pair_hash(p[j], p[j + 1]);
            uint8_t sh = (uint8_t)(SIGN_MIN - 2 - j);
            sign_shift[h] = sh < sign_shift[h] ? sh : sign_shift[h];
        }
        sign_end[pair_hash(p[SIGN_MIN - 2], p[SIGN_MIN - 1])] |= (uint16_t)(1u << i);
    }
}

uint32_t td__sniff_page_signs(const uint8_t *buf, size_t len)
{
    _Static_assert(TD_ARRAY_LEN(page_signs) <= 16, "sign_end holds 16 signs");
    pthread_once(&sign_once, sign_tables);
    uint32_t found = 0;
    for (size_t end = SIGN_MIN - 1; end < len;) {
        unsigned h = pair_hash(buf[end - 1], buf[end]);
        if (sign_shift[h] != 0) {
            end += sign_shift[h];
            continue;
        }
        size_t at = end + 1 - SIGN_MIN;
        for (unsigned m = sign_end[h]; m != 0; m &= m - 1) {
            unsigned i = (unsigned)__builtin_ctz(m);
            size_t n = strlen(page_signs[i].phrase);
            if (n <= len - at && memcmp(buf + at, page_signs[i].phrase, n) == 0) {
                found |= 1u << i;
            }
        }
        end++;
    }
    return found;
}

const char *td__sniff_page_sign(size_t i)
{
    return i < TD_ARRAY_LEN(page_signs) ? page_signs[i].phrase : NULL;
}

static void page_software(const uint8_t *buf, size_t len, td_sniff_t *out)
{
    uint32_t found = td__sniff_page_signs(buf, len);
    out->plain_http_page = (found & 1u) != 0;
    if (found != 0) {
        /* The first sign of the table that the page holds. */
        unsigned i = (unsigned)__builtin_ctz(found);
        out->page_software = page_signs[i].software;
        out->page_sign = page_signs[i].phrase;
    }
}

static bool smtp_or_ftp(const uint8_t *buf, size_t len, td_sniff_t *out)
{
    /* "220 " / "220-" greeting: SMTP and FTP share it; the text tells them apart. */
    if (len < 4 || !(buf[0] == '2' || buf[0] == '4' || buf[0] == '5') || buf[1] < '0' ||
        buf[1] > '9' || buf[2] < '0' || buf[2] > '9' || (buf[3] != ' ' && buf[3] != '-')) {
        return false;
    }
    size_t scan = len < 512 ? len : 512;
    if (contains(buf, scan, "SMTP") || contains(buf, scan, "smtp") ||
        contains(buf, scan, "Postfix") || contains(buf, scan, "Exim")) {
        out->proto = "smtp";
    } else if (contains(buf, scan, "FTP") || contains(buf, scan, "ftp")) {
        out->proto = "ftp";
    } else {
        out->proto = "smtp-or-ftp";
    }
    return true;
}

bool td_sniff_is_tls(const uint8_t *buf, size_t len)
{
    /* RFC 8446 §5.1: content types 20..23, record version major 3. */
    return len > 0 && buf[0] >= 20 && buf[0] <= 23 && (len < 2 || buf[1] == 0x03);
}

void td_sniff_classify(const uint8_t *buf, size_t len, td_sniff_t *out)
{
    memset(out, 0, sizeof(*out));
    out->tls_alert = -1;
    out->proto = "none";
    td_escape(out->printable, sizeof(out->printable), buf, len < 64 ? len : 64);
    if (len == 0) {
        out->cls = TD_SNIFF_EMPTY;
        return;
    }
    if (td_sniff_is_tls(buf, len)) {
        out->cls = TD_SNIFF_TLS;
        out->proto = "tls";
        if (buf[0] == 21 && len >= 7) {
            out->tls_alert = buf[6];
        }
        return;
    }
    /* SSLv2 (RFC 6101 appendix E): 2-byte length with the high bit, then SERVER-HELLO (4) or
     * ERROR (0). */
    if ((buf[0] & 0x80) != 0 && len >= 3 && (buf[2] == 0x04 || buf[2] == 0x00)) {
        out->cls = TD_SNIFF_SSLV2;
        out->proto = "sslv2";
        return;
    }
    if (has_prefix(buf, len, "HTTP/")) {
        td_text_t t;
        unsigned long major = 0, minor = 0, status = 0;
        td_text_init(&t, (const char *)buf, len);
        out->cls = TD_SNIFF_HTTP;
        out->proto = "http";
        if (td_text_lit(&t, "HTTP/", false) && td_text_uint(&t, 1, &major) == 0 &&
            td_text_lit(&t, ".", false) && td_text_uint(&t, 1, &minor) == 0 &&
            td_text_lit(&t, " ", false) && td_text_uint(&t, 3, &status) == 0) {
            out->http_status = (int)status;
        }
        page_software(buf, len, out);
        return;
    }
    for (size_t i = 0; i < TD_ARRAY_LEN(banners); i++) {
        if (has_prefix(buf, len, banners[i].prefix)) {
            out->cls = TD_SNIFF_BANNER;
            out->proto = banners[i].proto;
            return;
        }
    }
    if (smtp_or_ftp(buf, len, out)) {
        out->cls = TD_SNIFF_BANNER;
        return;
    }
    {
        td_text_t t;
        td_text_init(&t, (const char *)buf, len);
        td_text_skip_ws(&t);
        if (td_text_lit(&t, "<!DOCTYPE", true) || td_text_lit(&t, "<html", true)) {
            out->cls = TD_SNIFF_HTML;
            out->proto = "http";
            page_software(buf, len, out);
            return;
        }
    }
    out->cls = TD_SNIFF_UNKNOWN;
    out->proto = "unknown";
}

const char *td_sniff_class_name(td_sniff_class_t c)
{
    switch (c) {
    case TD_SNIFF_EMPTY:
        return "empty";
    case TD_SNIFF_TLS:
        return "tls";
    case TD_SNIFF_SSLV2:
        return "sslv2";
    case TD_SNIFF_HTTP:
        return "http";
    case TD_SNIFF_HTML:
        return "html";
    case TD_SNIFF_BANNER:
        return "banner";
    case TD_SNIFF_UNKNOWN:
        return "unknown";
    default:
        return "?";
    }
}
