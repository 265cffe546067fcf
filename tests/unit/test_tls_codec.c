/* Unit tests for src/wire/tls_codec.c: the ClientHello builder and the server-flight parser,
 * on replies recorded from real servers (tests/fixtures/NAME.hex, see capture.py). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

/* cmocka.h needs the three headers above first. */
#include <cmocka.h>

#include <dirent.h>

#include "fixture.h"
#include "kb/clients.h"
#include "probe/observe.h"
#include "wire/tls_client.h"
#include "wire/tls_codec.h"

static uint8_t scratch[17 * 1024];

static const void *find(const void *hay, size_t n, const void *needle, size_t m)
{
    const uint8_t *h = hay;
    for (size_t i = 0; m <= n && i <= n - m; i++) {
        if (memcmp(h + i, needle, m) == 0) {
            return h + i;
        }
    }
    return NULL;
}

static void parse(const uint8_t *p, size_t n, td_server_flight_t *f)
{
    td_server_flight_parse(p, n, scratch, sizeof(scratch), f);
}

/* Walks our ClientHello with the reader: every length must be consistent and SNI present. */
static void hello_roundtrip(void **state)
{
    (void)state;
    uint8_t rnd[32] = { 1 }, share[32] = { 2 }, buf[2048];
    size_t len = 0;
    td_hello_params_t p;
    td_hello_params_default(&p, "example.com", TD_V_TLS13, rnd, share);
    assert_int_equal(td_client_hello_build(&p, buf, sizeof(buf), &len), 0);
    td_reader_t r, rec, hs, exts, ext;
    uint8_t type = 0;
    uint16_t ver = 0, etype = 0;
    td_reader_init(&r, buf, len);
    assert_int_equal(td_reader_u8(&r, &type), 0);
    assert_int_equal(type, 22);
    assert_int_equal(td_reader_u16(&r, &ver), 0);
    assert_int_equal(td_reader_vec(&r, 2, 1, 16384, &rec), 0);
    assert_int_equal(td_reader_done(&r), 0);
    assert_int_equal(td_reader_u8(&rec, &type), 0);
    assert_int_equal(type, 1);
    assert_int_equal(td_reader_vec(&rec, 3, 1, 0xffffff, &hs), 0);
    assert_int_equal(td_reader_done(&rec), 0);
    assert_int_equal(td_reader_skip(&hs, 2 + 32), 0);
    td_reader_t v;
    assert_int_equal(td_reader_vec(&hs, 1, 0, 32, &v), 0);
    assert_int_equal(td_reader_vec(&hs, 2, 2, 0xfffe, &v), 0);
    assert_int_equal(v.len % 2, 0);
    assert_int_equal(td_reader_vec(&hs, 1, 1, 255, &v), 0);
    assert_int_equal(td_reader_vec(&hs, 2, 0, 0xffff, &exts), 0);
    assert_int_equal(td_reader_done(&hs), 0);
    int saw_sni = 0, saw_sv = 0, saw_ks = 0;
    while (td_reader_left(&exts) > 0) {
        assert_int_equal(td_reader_u16(&exts, &etype), 0);
        assert_int_equal(td_reader_vec(&exts, 2, 0, 0xffff, &ext), 0);
        saw_sni |=
                etype == TD_EXT_SERVER_NAME && find(ext.base, ext.len, "example.com", 11) != NULL;
        saw_sv |= etype == TD_EXT_SUPPORTED_VERSIONS;
        saw_ks |= etype == TD_EXT_KEY_SHARE && ext.len == 2 + 4 + 32;
    }
    assert_true(saw_sni && saw_sv && saw_ks);
    /* Capped at TLS 1.2: no supported_versions and no key_share. */
    td_hello_params_default(&p, NULL, TD_V_TLS12, rnd, share);
    assert_int_equal(td_client_hello_build(&p, buf, sizeof(buf), &len), 0);
    assert_null(find(buf, len, "\x00\x2b\x00", 3));
}

static void hello_limits(void **state)
{
    (void)state;
    uint8_t rnd[32] = { 0 }, buf[2048];
    size_t len = 0;
    td_hello_params_t p;
    td_hello_params_default(&p, "x", TD_V_TLS13, rnd, rnd);
    assert_int_equal(td_client_hello_build(&p, buf, 100, &len), TD_E_LIMIT);
    p.n_ciphers = 0;
    assert_int_equal(td_client_hello_build(&p, buf, sizeof(buf), &len), TD_E_USAGE);
    td_hello_params_default(&p, "x", TD_V_TLS13, rnd, rnd);
    p.pad_to = 512;
    assert_int_equal(td_client_hello_build(&p, buf, sizeof(buf), &len), 0);
    assert_int_equal(len, 512 + 5); /* RFC 7685 padding to a 512-byte handshake */
}

static void tls13_reply(void **state)
{
    (void)state;
    uint8_t in[4096];
    size_t n = load_hex("sh_tls13_nginx", in, sizeof(in));
    td_server_flight_t f;
    parse(in, n, &f);
    assert_true(f.has_server_hello);
    assert_int_equal(f.version, TD_V_TLS13);
    assert_int_equal(f.legacy_version, TD_V_TLS12);
    assert_true(f.encrypted);
    assert_false(f.decode_error);
    assert_int_equal(f.group, TD_GROUP_X25519);
}

static void tls12_reply(void **state)
{
    (void)state;
    uint8_t in[4096];
    size_t n = load_hex("sh_tls12_nginx", in, sizeof(in));
    td_server_flight_t f;
    parse(in, n, &f);
    assert_true(f.has_server_hello);
    assert_int_equal(f.version, TD_V_TLS12);
    assert_true(f.has_certificate);
    assert_int_equal(f.cert_count, 2); /* leaf + intermediate */
    assert_true(f.has_ske);
    assert_true(f.has_done);
    assert_int_equal(f.downgrade_sentinel, 0); /* nginx 1.22 default: no TLS 1.3 at all */
    n = load_hex("sh_tls12_haproxy", in, sizeof(in));
    parse(in, n, &f);
    assert_int_equal(f.cert_count, 1);
    n = load_hex("sh_tls10_openssl", in, sizeof(in));
    parse(in, n, &f);
    assert_int_equal(f.version, TD_V_TLS10);
    assert_string_equal(td_version_name(f.version), "TLSv1");
}

static void alerts(void **state)
{
    (void)state;
    uint8_t in[64];
    td_server_flight_t f;
    size_t n = load_hex("alert_nosni_nginx", in, sizeof(in));
    parse(in, n, &f);
    assert_true(f.has_alert);
    assert_int_equal(f.alert_level, 2);
    assert_int_equal(f.alert_desc, 112);
    n = load_hex("alert_tls13only_nginx", in, sizeof(in));
    parse(in, n, &f);
    assert_int_equal(f.alert_desc, 70);
    /* An alert record cut after the level byte. */
    parse(in, 6, &f);
    assert_false(f.has_alert);
    assert_true(f.need_more);
    static const uint8_t short_alert[] = { 0x15, 0x03, 0x03, 0x00, 0x01, 0x02 };
    parse(short_alert, sizeof(short_alert), &f);
    assert_true(f.decode_error);
    assert_string_equal(f.error_field, "alert");
}

/* Every prefix and every start offset: never a crash, never a ServerHello from a fragment. */
static void prefixes_and_shifts(void **state)
{
    (void)state;
    uint8_t in[4096];
    size_t n = load_hex("sh_tls12_nginx", in, sizeof(in));
    td_server_flight_t f;
    for (size_t i = 0; i < n; i++) {
        parse(in, i, &f);
        assert_false(f.has_done);
        if (i < 5 + 4 + 38) {
            assert_false(f.has_server_hello);
        }
    }
    for (size_t s = 1; s < n; s++) {
        parse(in + s, n - s, &f);
    }
}

static void length_fields(void **state)
{
    (void)state;
    uint8_t in[4096];
    size_t n = load_hex("sh_tls13_nginx", in, sizeof(in));
    td_server_flight_t f;
    /* Record length one too big: the record is incomplete. */
    in[4]++;
    parse(in, n, &f);
    in[4]--;
    assert_true(f.need_more || f.decode_error);
    /* Record length past 2^14+256: malformed, at the length field. */
    uint8_t big[] = { 0x16, 0x03, 0x03, 0x48, 0x01, 0x02 };
    parse(big, sizeof(big), &f);
    assert_true(f.decode_error);
    assert_string_equal(f.error_field, "record.length");
    assert_int_equal(f.error_offset, 3);
    /* ServerHello session id length over 32. */
    in[5 + 4 + 2 + 32] = 33;
    parse(in, n, &f);
    assert_true(f.decode_error);
    assert_string_equal(f.error_field, "ServerHello.session_id");
}

/* Hostile replies (tests/lab/rawserver.py sh_dup_ext, zero_records). */
static void hostile_replies(void **state)
{
    (void)state;
    td_server_flight_t f;
    /* A TLS 1.2 ServerHello with renegotiation_info (0xff01) twice. */
    static const uint8_t dup[] = {
        0x16, 0x03, 0x03, 0x00, 0x36, 0x02, 0x00, 0x00, 0x32, 0x03, 0x03, 1,    2,    3,    4,
        5,    6,    7,    8,    9,    10,   11,   12,   13,   14,   15,   16,   17,   18,   19,
        20,   21,   22,   23,   24,   25,   26,   27,   28,   29,   30,   31,   32,   0x00, 0xc0,
        0x2f, 0x00, 0x00, 0x0a, 0xff, 0x01, 0x00, 0x01, 0x00, 0xff, 0x01, 0x00, 0x01, 0x00,
    };
    parse(dup, sizeof(dup), &f);
    assert_true(f.decode_error);
    assert_string_equal(f.error_field, "ServerHello.duplicate_extension");
    /* Zero-length handshake records. */
    static const uint8_t empty[] = { 0x16, 0x03, 0x03, 0x00, 0x00, 0x16, 0x03, 0x03, 0x00, 0x00 };
    parse(empty, sizeof(empty), &f);
    assert_true(f.decode_error);
    assert_string_equal(f.error_field, "record.empty");
    assert_false(f.need_more);
}

static void not_tls(void **state)
{
    (void)state;
    td_server_flight_t f;
    static const uint8_t http[] = "HTTP/1.1 400 Bad Request\r\n";
    parse(http, sizeof(http) - 1, &f);
    assert_true(f.non_tls);
    static const uint8_t v2[] = { 0x80, 0x2e, 0x04, 0x00, 0x01, 0x00, 0x02 };
    parse(v2, sizeof(v2), &f);
    assert_true(f.sslv2);
    parse(NULL, 0, &f);
    assert_int_equal(f.records, 0);
}

/* The matrix's hello options, read back with our ClientHello parser (wire/tls_client.c). */
static void matrix_hello_options(void **state)
{
    (void)state;
    static uint8_t buf[8192], sc[16384];
    static td_client_flight_t ch;
    uint8_t rnd[96] = { 3 };
    size_t len = 0, n_table = 0;
    const td_cipher_info_t *t = td_cipher_table(&n_table);
    uint16_t all[400];
    size_t n = 0;
    for (size_t i = 0; i < n_table; i++) {
        assert_true(i == 0 || t[i - 1].code < t[i].code); /* sorted, unique: binary search */
        if (!(t[i].flags & TD_CS_TLS13)) {
            all[n++] = t[i].code;
        }
    }
    assert_true(n > 300);
    td_hello_params_t p;
    td_hello_params_default(&p, "example.com", TD_V_TLS13, rnd, rnd + 32);
    p.ciphers = all;
    p.n_ciphers = n;
    p.grease = 1;
    p.n_share_groups = 0;
    p.empty_key_share = 1;
    assert_int_equal(td_client_hello_build(&p, buf, sizeof(buf), &len), 0);
    td_client_flight_parse(buf, len, sc, sizeof(sc), &ch);
    assert_true(ch.has_hello);
    assert_false(ch.decode_error);
    assert_true(td_is_grease(ch.ciphers[0]));
    assert_true(td_is_grease(ch.exts[0]));
    assert_true(td_is_grease(ch.groups[0]));
    assert_true(td_is_grease(ch.versions[0]));
    assert_int_equal(ch.versions[1], TD_V_TLS13);
    /* key_share with an empty client_shares vector: 00 33, length 2, vector length 0 */
    assert_non_null(find(buf, len, "\x00\x33\x00\x02\x00\x00", 6));

    /* X25519MLKEM768: 1184 + 32 bytes (0x04c0), padded to 1800 bytes of handshake. */
    static const uint16_t shares[] = { TD_GROUP_X25519MLKEM768, TD_GROUP_X25519 };
    td_hello_params_default(&p, "example.com", TD_V_TLS13, rnd, rnd + 32);
    p.share_groups = shares;
    p.n_share_groups = 2;
    p.share_random_len = 64;
    p.pad_to = 1800;
    assert_int_equal(td_client_hello_build(&p, buf, sizeof(buf), &len), 0);
    assert_int_equal(len, 5 + 1800);
    assert_non_null(find(buf, len, "\x11\xec\x04\xc0", 4));
    td_client_flight_parse(buf, len, sc, sizeof(sc), &ch);
    assert_true(ch.has_hello);
    assert_false(ch.decode_error);
}

/* ServerKeyExchange curve (RFC 8422 §5.4), checked by hand against the fixtures' bytes. */
static void ske_group(void **state)
{
    (void)state;
    uint8_t in[8192];
    td_server_flight_t f;
    size_t n = load_hex("sh_tls12_nginx", in, sizeof(in));
    parse(in, n, &f);
    assert_int_equal(f.cipher, 0xc02c);
    assert_int_equal(f.ske_group, TD_GROUP_X25519);
    assert_int_equal(f.dh_bits, 0);
    n = load_hex("sh_tls10_openssl", in, sizeof(in));
    parse(in, n, &f);
    assert_int_equal(f.ske_group, TD_GROUP_X25519);
}

/* A HelloRetryRequest recorded from openssl s_server -serverpref for a hello with no key share
 * (the matrix's group probe): the suite and the group it asks for. */
static void hello_retry_request(void **state)
{
    (void)state;
    uint8_t in[512];
    td_server_flight_t f;
    size_t n = load_hex("hrr_tls13_openssl", in, sizeof(in));
    parse(in, n, &f);
    assert_true(f.has_server_hello);
    assert_true(f.is_hrr);
    assert_int_equal(f.version, TD_V_TLS13);
    assert_int_equal(f.cipher, 0x1302);
    assert_int_equal(f.group, TD_GROUP_X25519);
    assert_true(f.ccs);
}

/* JA4 (FoxIO spec): an empty first ALPN value gives "00"; the second value is not used. */
static void ja4_empty_first_alpn(void **state)
{
    (void)state;
    static uint8_t buf[2048], sc[4096];
    static td_client_flight_t ch;
    static const char *const alpn[] = { "ab", "h2" };
    uint8_t rnd[64] = { 5 };
    size_t len = 0;
    char a[64], b[256], c[512];
    td_hello_params_t p;
    td_hello_params_default(&p, "example.com", TD_V_TLS13, rnd, rnd + 32);
    p.alpn = alpn;
    p.n_alpn = 2;
    assert_int_equal(td_client_hello_build(&p, buf, sizeof(buf), &len), 0);
    td_client_flight_parse(buf, len, sc, sizeof(sc), &ch);
    assert_int_equal(td_ja4_parts(&ch, a, sizeof(a), b, sizeof(b), c, sizeof(c)), 0);
    assert_string_equal(a + strlen(a) - 2, "ab");
    /* 02 'a' 'b' 02 'h' '2' -> 00 | 01 'b' | 02 'h' '2': the list ["", "b", "h2"] */
    uint8_t *at = (uint8_t *)find(buf, len,
                                  "\x02"
                                  "ab\x02h2",
                                  6);
    assert_non_null(at);
    at[0] = 0;
    at[1] = 1;
    td_client_flight_parse(buf, len, sc, sizeof(sc), &ch);
    assert_true(ch.has_hello);
    assert_int_equal(td_ja4_parts(&ch, a, sizeof(a), b, sizeof(b), c, sizeof(c)), 0);
    assert_string_equal(a + strlen(a) - 2, "00");
}

static void cipher_properties(void **state)
{
    (void)state;
    assert_string_equal(td_cipher_name(0xc02f), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    assert_string_equal(td_cipher_info(0xc02f)->openssl, "ECDHE-RSA-AES128-GCM-SHA256");
    assert_true(td_cipher_is_modern(0xc02f));
    assert_true(td_cipher_is_modern(0x1301));
    assert_false(td_cipher_is_modern(0x002f)); /* RSA key exchange, CBC */
    assert_true(td_cipher_is_weak(0x000a));    /* 3DES */
    assert_true(td_cipher_is_weak(0x0005));    /* RC4 */
    assert_true(td_cipher_is_weak(0x0034));    /* anonymous DH */
    assert_false(td_cipher_is_weak(0xc030));
    assert_null(td_cipher_info(0x00ff)); /* a signalling value, not a suite */
    assert_null(td_cipher_info(0x5600));
    assert_string_equal(td_cipher_name(0x1a1a), "unknown"); /* GREASE */
}

static void strip_grease(const uint16_t *in, int n, uint16_t *out, int *m)
{
    *m = 0;
    for (int i = 0; i < n; i++) {
        if (!td_is_grease(in[i])) {
            out[(*m)++] = in[i];
        }
    }
}

static void assert_list(const uint16_t *got, int n_got, const uint16_t *want, size_t n_want)
{
    uint16_t g[TD_CH_MAX];
    int n = 0;
    strip_grease(got, n_got, g, &n);
    assert_int_equal(n, (int)n_want);
    for (int i = 0; i < n; i++) {
        assert_int_equal(g[i], want[i]);
    }
}

/* Every real ClientHello behind the client profiles (tests/fixtures/hellos/, see
 * scripts/gen-client-profiles.py) parses with our ClientHello parser. */
static void profile_fixtures_parse(void **state)
{
    (void)state;
    static uint8_t in[8192], sc[16384];
    static td_client_flight_t ch;
    char dir[512], name[300];
    snprintf(dir, sizeof(dir), "%s/hellos", TD_FIXTURES_DIR);
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n_files = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".hex") != 0) {
            continue;
        }
        snprintf(name, sizeof(name), "hellos/%.*s", (int)(l - 4), e->d_name);
        size_t n = load_hex(name, in, sizeof(in));
        td_client_flight_parse(in, n, sc, sizeof(sc), &ch);
        if (!ch.has_hello || ch.decode_error) {
            fail_msg("%s: hello %d, decode error in %s", name, ch.has_hello,
                     ch.error_field ? ch.error_field : "-");
        }
        assert_true(ch.n_ciphers > 0);
        n_files++;
    }
    closedir(d);
    assert_true(n_files >= 19);
}

/* Every client profile's hello, built by our codec as the matrix sends it (all its key shares,
 * padded to the real hello's length), parses back with the same lists. */
static void profile_hellos_roundtrip(void **state)
{
    (void)state;
    static uint8_t buf[8192], sc[16384];
    static td_client_flight_t ch;
    uint8_t rnd[128] = { 7 };
    size_t n_profiles = 0, len = 0;
    const td_client_profile_t *pr = td_kb_clients(&n_profiles);
    assert_true(n_profiles <= TD_MX_MAX_CLIENTS);
    for (size_t i = 0; i < n_profiles; i++) {
        const td_client_profile_t *c = &pr[i];
        assert_non_null(c->id);
        assert_non_null(c->source);
        assert_true(c->current || c->legacy);
        for (size_t j = 0; j < i; j++) {
            assert_string_not_equal(pr[j].id, c->id);
        }
        td_hello_params_t p;
        memset(&p, 0, sizeof(p));
        p.record_version = c->record_version;
        p.legacy_version = c->legacy_version;
        p.random = rnd;
        p.session_id = rnd;
        p.session_id_len = c->n_versions > 0 ? 32 : 0;
        p.ciphers = c->ciphers;
        p.n_ciphers = c->n_ciphers;
        p.groups = c->groups;
        p.n_groups = c->n_groups;
        p.share_groups = c->shares;
        p.n_share_groups = c->n_shares;
        p.share_random = rnd + 32;
        p.share_random_len = 96;
        p.sigalgs = c->sigalgs;
        p.n_sigalgs = c->n_sigalgs;
        p.versions = c->versions;
        p.n_versions = c->n_versions;
        p.sni = c->sends_sni ? "example.com" : NULL;
        p.alpn = c->alpn;
        p.n_alpn = c->n_alpn;
        p.ec_point_formats = c->ec_point_formats;
        p.renegotiation_info = c->renegotiation_info;
        p.grease = c->grease;
        p.pad_to = c->hello_len;
        if (td_client_hello_build(&p, buf, sizeof(buf), &len) != 0) {
            fail_msg("%s: the codec cannot build its hello", c->id);
        }
        td_client_flight_parse(buf, len, sc, sizeof(sc), &ch);
        if (!ch.has_hello || ch.decode_error) {
            fail_msg("%s: built hello does not parse back", c->id);
        }
        assert_true(len >= 5 + (size_t)c->hello_len);
        assert_int_equal(ch.legacy_version, c->legacy_version);
        assert_list(ch.ciphers, ch.n_ciphers, c->ciphers, c->n_ciphers);
        assert_list(ch.groups, ch.n_groups, c->groups, c->n_groups);
        assert_list(ch.sigalgs, ch.n_sigalgs, c->sigalgs, c->n_sigalgs);
        assert_list(ch.versions, ch.n_versions, c->versions, c->n_versions);
        assert_int_equal(ch.has_sni, c->sends_sni);
        assert_int_equal(ch.alpn[0] != '\0', c->n_alpn > 0);
        assert_int_equal(td_is_grease(ch.ciphers[0]), c->grease);
        if (c->n_versions > 0) {
            assert_int_equal(c->max_version, c->versions[0]);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hello_roundtrip),
        cmocka_unit_test(profile_fixtures_parse),
        cmocka_unit_test(profile_hellos_roundtrip),
        cmocka_unit_test(hello_limits),
        cmocka_unit_test(matrix_hello_options),
        cmocka_unit_test(ske_group),
        cmocka_unit_test(hello_retry_request),
        cmocka_unit_test(cipher_properties),
        cmocka_unit_test(ja4_empty_first_alpn),
        cmocka_unit_test(tls13_reply),
        cmocka_unit_test(tls12_reply),
        cmocka_unit_test(alerts),
        cmocka_unit_test(prefixes_and_shifts),
        cmocka_unit_test(length_fields),
        cmocka_unit_test(hostile_replies),
        cmocka_unit_test(not_tls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
