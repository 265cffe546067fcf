/* fuzz_hello_build.c: covers td_client_hello_build() in src/wire/tls_codec.c with parameters
 * taken from the input (suite, group, share, version lists; SNI; ALPN; GREASE; padding), and
 * reads every hello it builds back with td_client_flight_parse(): a built hello must parse,
 * with the same suites in the same order. */
#include "wire/td_reader.h"
#include "wire/tls_client.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t take_list(td_reader_t *r, uint16_t *out, size_t cap)
{
    uint8_t n = 0;
    size_t k = 0;
    if (td_reader_u8(r, &n) < 0) {
        return 0;
    }
    while (k < n && k < cap && td_reader_u16(r, &out[k]) == 0) {
        k++;
    }
    return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t buf[20000], scratch[20000];
    static td_client_flight_t ch;
    static const uint16_t share_ok[] = { 23, 24, 29, 0x11ec };
    uint16_t ciphers[128], groups[32], shares[4], versions[8], sigalgs[32];
    uint8_t rnd[96] = { 0 }, flags = 0, pad_hi = 0, sni_len = 0;
    char sni[64] = "";
    td_reader_t r;
    td_reader_init(&r, data, size);
    if (td_reader_u8(&r, &flags) < 0 || td_reader_u8(&r, &pad_hi) < 0) {
        return 0;
    }
    td_hello_params_t p;
    memset(&p, 0, sizeof(p));
    p.ciphers = ciphers;
    p.n_ciphers = take_list(&r, ciphers, 128);
    p.groups = groups;
    p.n_groups = take_list(&r, groups, 32);
    p.versions = versions;
    p.n_versions = take_list(&r, versions, 8);
    p.sigalgs = sigalgs;
    p.n_sigalgs = take_list(&r, sigalgs, 32);
    p.share_groups = shares;
    for (size_t i = 0; i < (size_t)(flags & 3); i++) {
        shares[i] = share_ok[(flags >> (2 + i)) & 3];
    }
    p.n_share_groups = flags & 3;
    p.share_random = rnd;
    p.share_random_len = sizeof(rnd);
    if (td_reader_u8(&r, &sni_len) == 0 && sni_len < sizeof(sni)) {
        td_bytes_t b;
        if (td_reader_bytes(&r, sni_len, &b) == 0) {
            for (size_t i = 0; i < b.len; i++) {
                sni[i] = (char)(b.p[i] == 0 ? 'a' : b.p[i]);
            }
            sni[b.len] = '\0';
        }
    }
    static const char *const alpn[] = { "h2", "http/1.1" };
    p.random = rnd;
    p.sni = sni;
    p.alpn = alpn;
    p.n_alpn = (flags >> 4) & 1 ? 2 : 0;
    p.grease = (flags >> 5) & 1;
    p.empty_key_share = (flags >> 6) & 1;
    p.ec_point_formats = (flags >> 7) & 1;
    p.record_version = 0x0301;
    p.pad_to = (size_t)pad_hi * 16;
    size_t len = 0;
    if (td_client_hello_build(&p, buf, sizeof(buf), &len) != 0) {
        return 0;
    }
    td_client_flight_parse(buf, len, scratch, sizeof(scratch), &ch);
    if (!ch.has_hello || ch.decode_error) {
        __builtin_trap(); /* we built something we cannot read */
    }
    size_t off = p.grease ? 1 : 0;
    for (size_t i = 0; i < p.n_ciphers && i + off < TD_CH_MAX; i++) {
        if (ch.ciphers[i + off] != ciphers[i]) {
            __builtin_trap();
        }
    }
    return 0;
}
