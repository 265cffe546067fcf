/* fuzz_cert.c: covers the certificate facts on DER input: td__cert_examine() and
 * td__cert_info() in src/probe/cert.c (names, dates, key, signature algorithm, AIA, CA flags,
 * a verification run against an empty or self-made store) and the X.509 text helpers of
 * src/util/td_x509.c (td_x509_name_text, td_x509_sans_text, td_x509_sha256_hex,
 * td_x509_valid_for, td_asn1_time_unix).
 * Input: one flags byte, a name-length byte and that many bytes of host name (checked against
 * the leaf), then DER certificates back to back (leaf first) as a server sends them.
 * Traps when a text fact (subject, issuer, SANs, AIA) holds a byte that is not printable ASCII:
 * they are shown on terminals and must arrive escaped. Deterministic: fixed clock, no store
 * from the system. */
#include "probe/cert.h"
#include "util/td_x509.h"

#include <openssl/x509.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_printable(const char *s)
{
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f) {
            __builtin_trap();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static td_obs_cert_t obs;
    char name[80];
    if (size < 2) {
        return 0;
    }
    uint8_t flags = data[0];
    size_t nlen = data[1] < sizeof(name) - 1 ? data[1] : sizeof(name) - 1;
    if (nlen > size - 2) {
        nlen = size - 2;
    }
    for (size_t i = 0; i < nlen; i++) {
        name[i] = data[2 + i] != 0 ? (char)data[2 + i] : 'a';
    }
    name[nlen] = '\0';
    const unsigned char *p = data + 2 + nlen;
    long left = (long)(size - 2 - nlen);

    STACK_OF(X509) *chain = sk_X509_new_null();
    X509_STORE *store = X509_STORE_new();
    if (chain == NULL || store == NULL) {
        goto out;
    }
    while (left > 0 && sk_X509_num(chain) < 12) {
        const unsigned char *q = p;
        X509 *x = d2i_X509(NULL, &q, left);
        if (x == NULL) {
            break;
        }
        left -= (long)(q - p);
        p = q;
        if (sk_X509_push(chain, x) <= 0) {
            X509_free(x);
            break;
        }
    }
    /* Bit 0: trust the last certificate sent, so chains can verify (or fail on their own
     * merits: signature, purpose, CA flags). */
    int n = sk_X509_num(chain);
    if ((flags & 1) && n > 0) {
        (void)X509_STORE_add_cert(store, sk_X509_value(chain, n - 1));
    }
    memset(&obs, 0, sizeof(obs));
    td__cert_examine(chain, store, name, 1764000000 + (int64_t)(flags >> 1) * 86400 * 30, &obs);
    for (int i = 0; i < obs.n; i++) {
        check_printable(obs.c[i].subject);
        check_printable(obs.c[i].issuer);
        check_printable(obs.c[i].sans);
        check_printable(obs.c[i].aia_ca_issuers);
        check_printable(obs.c[i].key_type);
        check_printable(obs.c[i].sig_alg);
    }
    for (int i = 0; i < n; i++) {
        X509 *x = sk_X509_value(chain, i);
        char buf[600] = "";
        (void)td_x509_sans_text(x, buf, sizeof(buf));
        check_printable(buf);
        (void)td_x509_valid_for(x, name);
        (void)td_asn1_time_unix(X509_get0_notAfter(x));
    }
out:
    sk_X509_pop_free(chain, X509_free);
    X509_STORE_free(store);
    return 0;
}
