/* tls_client.c: the client's first flight, parsed through td_reader, and the JA3 / JA4
 * fingerprint strings. Sources: RFC 8446 §4.1.2 (ClientHello), §4.2 (extensions), RFC 6066 §3
 * (server_name), RFC 7301 §3.1 (ALPN), RFC 8701 (GREASE), RFC 5246 §E.2 (SSLv2-compatible
 * hello); JA3 per salesforce/ja3 README; JA4 / JA4S per FoxIO-LLC/ja4 technical_details. */
#include "tls_client.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

bool td_is_grease(uint16_t v)
{
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

static void ch_error(td_client_flight_t *c, const char *field)
{
    if (!c->decode_error) {
        c->decode_error = 1;
        c->error_field = field;
    }
}

static int u16_list(td_reader_t *r, int width, uint16_t *out, int *n, int max)
{
    td_reader_t l;
    if (td_reader_vec(r, width, 0, 0xffff, &l) < 0 || td_reader_left(&l) % 2 != 0) {
        return TD_E_DECODE;
    }
    while (td_reader_left(&l) > 0) {
        uint16_t v = 0;
        if (td_reader_u16(&l, &v) < 0) {
            return TD_E_DECODE;
        }
        if (*n < max) {
            out[(*n)++] = v;
        }
    }
    return 0;
}

/* RFC 6066 §3: ServerNameList, first host_name. */
static int ext_sni(td_reader_t *b, td_client_flight_t *c)
{
    td_reader_t list, name;
    uint8_t type = 0;
    if (td_reader_vec(b, 2, 1, 0xffff, &list) < 0) {
        return TD_E_DECODE;
    }
    while (td_reader_left(&list) > 0) {
        if (td_reader_u8(&list, &type) < 0 || td_reader_vec(&list, 2, 0, 0xffff, &name) < 0) {
            return TD_E_DECODE;
        }
        if (type == 0 && !c->has_sni) {
            td_bytes_t v;
            if (td_reader_bytes(&name, td_reader_left(&name), &v) < 0) {
                return TD_E_DECODE;
            }
            td_escape(c->sni, sizeof(c->sni), v.p, v.len);
            c->has_sni = 1;
        }
    }
    return 0;
}

/* RFC 7301 §3.1: ProtocolNameList. */
static int ext_alpn(td_reader_t *b, td_client_flight_t *c)
{
    td_reader_t list, name;
    if (td_reader_vec(b, 2, 0, 0xffff, &list) < 0) {
        return TD_E_DECODE;
    }
    for (bool first = true; td_reader_left(&list) > 0; first = false) {
        td_bytes_t v;
        char one[64];
        if (td_reader_vec(&list, 1, 0, 255, &name) < 0 ||
            td_reader_bytes(&name, td_reader_left(&name), &v) < 0) {
            return TD_E_DECODE;
        }
        /* JA4 takes the first value, even an empty one (then "00"). */
        if (first) {
            c->alpn_first_len = v.len < sizeof(c->alpn_first) ? v.len : sizeof(c->alpn_first);
            if (v.len > 0) {
                memcpy(c->alpn_first, v.p, c->alpn_first_len);
            }
        }
        td_escape(one, sizeof(one), v.p, v.len);
        td_fmt_append(c->alpn, sizeof(c->alpn), "%s%s", c->alpn[0] != '\0' ? "," : "", one);
    }
    return 0;
}

/* RFC 8446 §4.2.8: KeyShareClientHello { KeyShareEntry client_shares<0..2^16-1>; } with
 * KeyShareEntry { NamedGroup group; opaque key_exchange<1..2^16-1>; }. Entries are kept up
 * to the first malformed one, which only sets shares_malformed: the hello's other fields (and
 * the verdicts built on them before key shares were read) stay as they were. */
static void ext_key_share(td_reader_t *b, td_client_flight_t *c)
{
    td_reader_t list, ke;
    if (td_reader_vec(b, 2, 0, 0xffff, &list) < 0) {
        c->shares_malformed = 1;
        return;
    }
    while (td_reader_left(&list) > 0) {
        uint16_t g = 0;
        if (td_reader_u16(&list, &g) < 0 || td_reader_vec(&list, 2, 1, 0xffff, &ke) < 0) {
            c->shares_malformed = 1;
            return;
        }
        if (c->n_shares < (int)TD_ARRAY_LEN(c->share_groups)) {
            c->share_groups[c->n_shares] = g;
            c->share_lens[c->n_shares++] = (uint16_t)td_reader_left(&ke);
        }
    }
}

/*   struct {
 *       ProtocolVersion legacy_version; Random random; opaque legacy_session_id<0..32>;
 *       CipherSuite cipher_suites<2..2^16-2>; opaque legacy_compression_methods<1..2^8-1>;
 *       Extension extensions<8..2^16-1>;   (absent in SSL 3.0 / early TLS hellos)
 *   } ClientHello;                                                    RFC 8446 §4.1.2 */
static void parse_client_hello(td_reader_t *r, td_client_flight_t *c)
{
    td_reader_t sid, comp, exts;
    if (td_reader_u16(r, &c->legacy_version) < 0 || td_reader_skip(r, 32) < 0 ||
        td_reader_vec(r, 1, 0, 32, &sid) < 0) {
        ch_error(c, "ClientHello.random");
        return;
    }
    if (u16_list(r, 2, c->ciphers, &c->n_ciphers, TD_CH_MAX) < 0) {
        ch_error(c, "ClientHello.cipher_suites");
        return;
    }
    if (td_reader_vec(r, 1, 1, 255, &comp) < 0) {
        ch_error(c, "ClientHello.compression_methods");
        return;
    }
    c->has_hello = 1;
    if (td_reader_left(r) == 0) {
        return;
    }
    if (td_reader_vec(r, 2, 0, 0xffff, &exts) < 0) {
        ch_error(c, "ClientHello.extensions");
        return;
    }
    while (td_reader_left(&exts) > 0) {
        uint16_t type = 0;
        td_reader_t b;
        int rc = 0;
        if (td_reader_u16(&exts, &type) < 0 || td_reader_vec(&exts, 2, 0, 0xffff, &b) < 0) {
            ch_error(c, "ClientHello.extension");
            return;
        }
        if (c->n_exts < TD_CH_MAX) {
            c->exts[c->n_exts++] = type;
        }
        switch (type) {
        case TD_EXT_SERVER_NAME:
            rc = ext_sni(&b, c);
            break;
        case TD_EXT_ALPN:
            rc = ext_alpn(&b, c);
            break;
        case TD_EXT_SUPPORTED_GROUPS:
            rc = u16_list(&b, 2, c->groups, &c->n_groups, TD_CH_MAX);
            break;
        case TD_EXT_KEY_SHARE:
            ext_key_share(&b, c);
            break;
        case TD_EXT_SIGNATURE_ALGORITHMS:
            rc = u16_list(&b, 2, c->sigalgs, &c->n_sigalgs, TD_CH_MAX);
            break;
        case TD_EXT_SUPPORTED_VERSIONS: {
            td_reader_t l;
            rc = td_reader_vec(&b, 1, 0, 254, &l);
            while (rc == 0 && td_reader_left(&l) > 0) {
                uint16_t v = 0;
                rc = td_reader_u16(&l, &v);
                if (rc == 0 && c->n_versions < (int)TD_ARRAY_LEN(c->versions)) {
                    c->versions[c->n_versions++] = v;
                }
            }
            break;
        }
        case TD_EXT_EC_POINT_FORMATS: {
            td_reader_t l;
            rc = td_reader_vec(&b, 1, 0, 255, &l);
            while (rc == 0 && td_reader_left(&l) > 0) {
                uint8_t v = 0;
                rc = td_reader_u8(&l, &v);
                if (rc == 0 && c->n_point_formats < (int)TD_ARRAY_LEN(c->point_formats)) {
                    c->point_formats[c->n_point_formats++] = v;
                }
            }
            break;
        }
        default:
            break;
        }
        if (rc < 0) {
            ch_error(c, "ClientHello.extension_body");
            return;
        }
    }
}

static bool starts_with(const uint8_t *buf, size_t len, const char *lit)
{
    td_text_t t;
    td_text_init(&t, (const char *)buf, len);
    return td_text_lit(&t, lit, false);
}

static bool http_request_line(const uint8_t *buf, size_t len)
{
    static const char *const methods[] = { "GET ",    "POST ",       "HEAD ",  "PUT ",
                                           "DELETE ", "OPTIONS ",    "PATCH ", "CONNECT ",
                                           "TRACE ",  "PRI * HTTP/2" };
    for (size_t i = 0; i < TD_ARRAY_LEN(methods); i++) {
        if (starts_with(buf, len, methods[i])) {
            return true;
        }
    }
    return false;
}

void td_client_flight_parse(const uint8_t *buf, size_t len, uint8_t *scratch, size_t scratch_cap,
                            td_client_flight_t *c)
{
    td_reader_t r;
    size_t hs_len = 0;
    memset(c, 0, sizeof(*c));
    if (len == 0) {
        return;
    }
    if (http_request_line(buf, len)) {
        c->http_request = 1;
        c->non_tls = 1;
        return;
    }
    td_reader_init(&r, buf, len);
    /* SSLv2-compatible CLIENT-HELLO (RFC 5246 §E.2): 2-byte length with the high bit, then
     * msg_type 1, version, cipher_spec_length, session_id_length, challenge_length, the
     * 3-byte cipher specs, session id and challenge. TLS records may follow. */
    if ((buf[0] & 0x80) != 0 && len >= 3 && buf[2] == 0x01) {
        uint16_t hdr = 0, cs_len = 0, sid_len = 0, ch_len = 0;
        uint8_t mt = 0;
        td_reader_t body, specs;
        c->sslv2_hello = 1;
        if (td_reader_u16(&r, &hdr) < 0) {
            c->need_more = 1;
            return;
        }
        size_t blen = hdr & 0x7fff;
        td_bytes_t bv;
        if (td_reader_bytes(&r, blen, &bv) < 0) {
            c->need_more = 1;
            return;
        }
        td_reader_init(&body, bv.p, bv.len);
        if (td_reader_u8(&body, &mt) < 0 || td_reader_u16(&body, &c->legacy_version) < 0 ||
            td_reader_u16(&body, &cs_len) < 0 || td_reader_u16(&body, &sid_len) < 0 ||
            td_reader_u16(&body, &ch_len) < 0 || cs_len % 3 != 0) {
            ch_error(c, "SSLv2.CLIENT-HELLO");
            return;
        }
        td_bytes_t sv;
        if (td_reader_bytes(&body, cs_len, &sv) < 0) {
            ch_error(c, "SSLv2.cipher_specs");
            return;
        }
        td_reader_init(&specs, sv.p, sv.len);
        while (td_reader_left(&specs) >= 3) {
            uint8_t k = 0;
            uint16_t v = 0;
            if (td_reader_u8(&specs, &k) < 0 || td_reader_u16(&specs, &v) < 0) {
                break;
            }
            if (k == 0 && c->n_ciphers < TD_CH_MAX) { /* a TLS suite in SSLv2 clothing */
                c->ciphers[c->n_ciphers++] = v;
            }
        }
        c->has_hello = 1;
        c->records = 1;
        c->record_version = 0x0002;
    }
    while (td_reader_left(&r) > 0) {
        uint8_t type = 0;
        uint16_t ver = 0;
        td_reader_t frag;
        td_rec_t rec = td_tls_record_next(&r, 16384 + 2048, &type, &ver, &frag);
        if (rec == TD_REC_BAD_HEADER) {
            if (c->records == 0) {
                c->non_tls = 1;
            } else {
                ch_error(c, "record.header");
            }
            break;
        }
        if (rec != TD_REC_OK) {
            c->need_more = !c->has_hello;
            break;
        }
        if (c->records++ == 0) {
            c->record_version = ver;
        }
        if (type == TD_CT_HANDSHAKE && !c->has_hello && !c->ccs) {
            size_t n = td_reader_left(&frag);
            td_bytes_t v;
            if (n > scratch_cap - hs_len || td_reader_bytes(&frag, n, &v) < 0) {
                ch_error(c, "handshake.too_large");
                break;
            }
            memcpy(scratch + hs_len, v.p, v.len);
            hs_len += v.len;
            /* A complete ClientHello yet? msg_type(1) length(3) body. */
            td_reader_t hs;
            uint8_t mt = 0;
            td_reader_t body;
            td_reader_init(&hs, scratch, hs_len);
            if (td_reader_u8(&hs, &mt) == 0 && td_reader_vec(&hs, 3, 0, 0xffffff, &body) == 0) {
                if (mt != TD_HS_CLIENT_HELLO) {
                    ch_error(c, "handshake.not_client_hello");
                    break;
                }
                c->hello_len = 4 + td_reader_left(&body);
                parse_client_hello(&body, c);
                if (c->decode_error) {
                    break;
                }
            }
        } else if (type == TD_CT_CHANGE_CIPHER_SPEC) {
            c->ccs = 1;
        } else if (type == TD_CT_APPLICATION_DATA || (type == TD_CT_HANDSHAKE && c->ccs)) {
            if (c->app_records++ == 0) {
                c->first_app_len = td_reader_left(&frag);
            }
            c->app_data = 1;
        } else if (type == TD_CT_ALERT && !c->ccs && !c->has_alert) {
            if (td_reader_u8(&frag, &c->alert_level) == 0 &&
                td_reader_u8(&frag, &c->alert_desc) == 0) {
                c->has_alert = 1;
            }
        }
    }
    if (!c->has_hello && hs_len > 0 && !c->decode_error) {
        c->need_more = 1;
    }
}

size_t td_tls_find_handshake(const uint8_t *buf, size_t len, uint8_t hs_type, size_t max_scan)
{
    for (size_t i = 0; i < len && i < max_scan; i++) {
        td_reader_t r;
        uint8_t ct = 0, major = 0, minor = 0, mt = 0;
        uint16_t rlen = 0;
        td_reader_init(&r, buf, len);
        if (td_reader_skip(&r, i) < 0 || td_reader_u8(&r, &ct) < 0 || ct != TD_CT_HANDSHAKE ||
            td_reader_u8(&r, &major) < 0 || major != 3 || td_reader_u8(&r, &minor) < 0 ||
            minor > 4 || td_reader_u16(&r, &rlen) < 0 || rlen < 4 || rlen > 16384 ||
            td_reader_u8(&r, &mt) < 0 || mt != hs_type) {
            continue;
        }
        return i;
    }
    return len;
}

int td_ja3_string(const td_client_flight_t *c, char *out, size_t cap)
{
    out[0] = '\0';
    td_fmt_append(out, cap, "%u,", (unsigned)c->legacy_version);
    const struct {
        const uint16_t *v;
        int n;
    } lists[] = { { c->ciphers, c->n_ciphers },
                  { c->exts, c->n_exts },
                  { c->groups, c->n_groups } };
    for (size_t l = 0; l < TD_ARRAY_LEN(lists); l++) {
        int first = 1;
        for (int i = 0; i < lists[l].n; i++) {
            if (!td_is_grease(lists[l].v[i])) {
                td_fmt_append(out, cap, "%s%u", first ? "" : "-", (unsigned)lists[l].v[i]);
                first = 0;
            }
        }
        td_fmt_append(out, cap, ",");
    }
    for (int i = 0; i < c->n_point_formats; i++) {
        td_fmt_append(out, cap, "%s%u", i ? "-" : "", (unsigned)c->point_formats[i]);
    }
    return strlen(out) + 1 < cap ? 0 : TD_E_LIMIT;
}

static const char *ja4_version(uint16_t v)
{
    switch (v) {
    case TD_V_TLS13:
        return "13";
    case TD_V_TLS12:
        return "12";
    case TD_V_TLS11:
        return "11";
    case TD_V_TLS10:
        return "10";
    case TD_V_SSL3:
        return "s3";
    case 0x0002:
        return "s2";
    default:
        return "00";
    }
}

static bool alnum(uint8_t ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

/* First and last character of an ALPN value; "00" when none; hex digits when either end is
 * not alphanumeric (JA4 technical details, "ALPN Extension Value"). */
static void ja4_alpn(const uint8_t *v, size_t n, char out[3])
{
    static const char hex[] = "0123456789abcdef";
    if (n == 0) {
        memcpy(out, "00", 3);
    } else if (alnum(v[0]) && alnum(v[n - 1])) {
        out[0] = (char)v[0];
        out[1] = (char)v[n - 1];
        out[2] = '\0';
    } else {
        out[0] = hex[v[0] >> 4];
        out[1] = hex[v[n - 1] & 0x0f];
        out[2] = '\0';
    }
}

static void sort_u16(uint16_t *v, int n)
{
    for (int i = 1; i < n; i++) {
        uint16_t x = v[i];
        int j = i;
        while (j > 0 && v[j - 1] > x) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

int td_ja4_parts(const td_client_flight_t *c, char *a, size_t acap, char *b, size_t bcap, char *cc,
                 size_t ccap)
{
    uint16_t ciphers[TD_CH_MAX], exts[TD_CH_MAX];
    int nc = 0, ne = 0, ne_all = 0;
    uint16_t ver = c->legacy_version;
    uint16_t best = 0;
    for (int i = 0; i < c->n_versions; i++) {
        if (!td_is_grease(c->versions[i]) && c->versions[i] > best) {
            best = c->versions[i];
        }
    }
    if (best != 0) {
        ver = best;
    }
    for (int i = 0; i < c->n_ciphers; i++) {
        if (!td_is_grease(c->ciphers[i])) {
            ciphers[nc++] = c->ciphers[i];
        }
    }
    for (int i = 0; i < c->n_exts; i++) {
        if (td_is_grease(c->exts[i])) {
            continue;
        }
        ne_all++;
        if (c->exts[i] != TD_EXT_SERVER_NAME && c->exts[i] != TD_EXT_ALPN) {
            exts[ne++] = c->exts[i];
        }
    }
    char alpn[3];
    ja4_alpn(c->alpn_first, c->alpn_first_len, alpn);
    td_fmt(a, acap, "t%s%c%02d%02d%s", ja4_version(ver), c->has_sni ? 'd' : 'i', nc > 99 ? 99 : nc,
           ne_all > 99 ? 99 : ne_all, alpn);
    sort_u16(ciphers, nc);
    sort_u16(exts, ne);
    b[0] = '\0';
    for (int i = 0; i < nc; i++) {
        td_fmt_append(b, bcap, "%s%04x", i ? "," : "", (unsigned)ciphers[i]);
    }
    cc[0] = '\0';
    for (int i = 0; i < ne; i++) {
        td_fmt_append(cc, ccap, "%s%04x", i ? "," : "", (unsigned)exts[i]);
    }
    if (c->n_sigalgs > 0) {
        td_fmt_append(cc, ccap, "_");
        for (int i = 0; i < c->n_sigalgs; i++) {
            td_fmt_append(cc, ccap, "%s%04x", i ? "," : "", (unsigned)c->sigalgs[i]);
        }
    }
    return strlen(b) + 1 < bcap && strlen(cc) + 1 < ccap ? 0 : TD_E_LIMIT;
}

/* JA4's hash: the first 12 hex digits of SHA-256, "000000000000" for an empty list. */
static void ja4_hash12(const char *in, char out[13])
{
    static const char hx[] = "0123456789abcdef";
    uint8_t d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    memcpy(out, "000000000000", 13);
    if (in[0] == '\0' || EVP_Digest(in, strlen(in), d, &n, EVP_sha256(), NULL) != 1 || n < 6) {
        return;
    }
    for (int i = 0; i < 6; i++) {
        out[2 * i] = hx[d[i] >> 4];
        out[2 * i + 1] = hx[d[i] & 15];
    }
}

int td_ja4_string(const td_client_flight_t *c, char *ja4, size_t cap, char *ja4_r, size_t rcap)
{
    char a[16], b[TD_CH_MAX * 5 + 1], cc[TD_CH_MAX * 10 + 2], hb[13], hc[13];
    TD_TRY(td_ja4_parts(c, a, sizeof(a), b, sizeof(b), cc, sizeof(cc)));
    ja4_hash12(b, hb);
    ja4_hash12(cc, hc);
    td_fmt(ja4, cap, "%s_%s_%s", a, hb, hc);
    td_fmt(ja4_r, rcap, "%s_%s_%s", a, b, cc);
    return strlen(ja4) + 1 < cap && strlen(ja4_r) + 1 < rcap ? 0 : TD_E_LIMIT;
}

int td_ja4s_parts(const td_server_flight_t *s, char *a, size_t acap, char *b, size_t bcap, char *cc,
                  size_t ccap)
{
    char alpn[3];
    ja4_alpn(s->alpn_raw, s->alpn_raw_len, alpn);
    td_fmt(a, acap, "t%s%02d%s", ja4_version(s->version), s->n_exts > 99 ? 99 : s->n_exts, alpn);
    td_fmt(b, bcap, "%04x", (unsigned)s->cipher);
    cc[0] = '\0';
    for (int i = 0; i < s->n_exts; i++) {
        td_fmt_append(cc, ccap, "%s%04x", i ? "," : "", (unsigned)s->exts[i]);
    }
    return strlen(cc) + 1 < ccap ? 0 : TD_E_LIMIT;
}
