/* Unit tests for src/probe/cert.c: facts and verification codes on certificates made here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

/* cmocka.h needs the three headers above first. */
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "probe/cert.h"

static EVP_PKEY *k_root, *k_int, *k_leaf, *k_rsa1024;
static X509 *root, *inter, *leaf, *self, *weak;

static void ext(X509 *x, X509 *iss, int nid, const char *v)
{
    X509V3_CTX c;
    X509V3_set_ctx(&c, iss != NULL ? iss : x, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &c, nid, v);
    assert_non_null(e);
    X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
}

static X509 *mk(EVP_PKEY *k, X509 *iss, EVP_PKEY *ik, const char *cn, const char *san, int ca,
                const EVP_MD *md)
{
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 30);
    X509_set_pubkey(x, k);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                               (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(iss != NULL ? iss : x));
    ext(x, iss, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
    if (san != NULL) {
        ext(x, iss, NID_subject_alt_name, san);
    }
    assert_true(X509_sign(x, ik, md) > 0);
    return x;
}

static int setup(void **state)
{
    (void)state;
    k_root = EVP_EC_gen("P-256");
    k_int = EVP_EC_gen("P-256");
    k_leaf = EVP_EC_gen("P-256");
    k_rsa1024 = EVP_RSA_gen(1024);
    root = mk(k_root, NULL, k_root, "Test Root", NULL, 1, EVP_sha256());
    inter = mk(k_int, root, k_root, "Test Int", NULL, 1, EVP_sha256());
    leaf = mk(k_leaf, inter, k_int, "leaf", "DNS:a.test,DNS:*.b.test,IP:192.0.2.1", 0,
              EVP_sha256());
    self = mk(k_leaf, NULL, k_leaf, "self", "DNS:a.test", 0, EVP_sha256());
    weak = mk(k_rsa1024, inter, k_int, "weak", "DNS:a.test", 0, EVP_sha1());
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    X509 *xs[] = { root, inter, leaf, self, weak };
    EVP_PKEY *ks[] = { k_root, k_int, k_leaf, k_rsa1024 };
    for (size_t i = 0; i < 5; i++) {
        X509_free(xs[i]);
    }
    for (size_t i = 0; i < 4; i++) {
        EVP_PKEY_free(ks[i]);
    }
    return 0;
}

static X509_STORE *store_with_root(void)
{
    X509_STORE *s = X509_STORE_new();
    X509_STORE_add_cert(s, root);
    return s;
}

static void examine(X509 **chain, int n, const char *name, td_obs_cert_t *o)
{
    STACK_OF(X509) *sk = sk_X509_new_null();
    for (int i = 0; i < n; i++) {
        sk_X509_push(sk, chain[i]);
    }
    X509_STORE *s = store_with_root();
    memset(o, 0, sizeof(*o));
    td__cert_examine(sk, s, name, (int64_t)time(NULL), o);
    X509_STORE_free(s);
    sk_X509_free(sk);
}

static void facts(void **state)
{
    (void)state;
    td_cert_info_t c;
    td__cert_info(leaf, &c);
    assert_string_equal(c.subject, "CN=leaf");
    assert_string_equal(c.issuer, "CN=Test Int");
    assert_string_equal(c.sans, "a.test,*.b.test,IP:192.0.2.1");
    assert_int_equal(c.n_sans, 3);
    assert_string_equal(c.key_type, "EC");
    assert_int_equal(c.key_bits, 256);
    assert_false(c.is_ca);
    assert_false(c.self_signed);
    assert_false(c.sig_sha1);
    assert_int_equal(strlen(c.sha256), 32 * 3 - 1);
    assert_true(c.not_after > c.not_before);
    td__cert_info(self, &c);
    assert_true(c.self_signed);
    td__cert_info(weak, &c);
    assert_string_equal(c.key_type, "RSA");
    assert_int_equal(c.key_bits, 1024);
    assert_true(c.sig_sha1);
    td__cert_info(root, &c);
    assert_true(c.is_ca);
    assert_true(c.self_signed);
}

static void verification_codes(void **state)
{
    (void)state;
    td_obs_cert_t o;
    X509 *full[] = { leaf, inter };
    examine(full, 2, "a.test", &o);
    assert_int_equal(o.verify_code, 0);
    assert_true(o.name_match);
    assert_int_equal(o.n, 2);
    examine(full, 2, "x.b.test", &o);
    assert_true(o.name_match);
    examine(full, 2, "y.x.b.test", &o); /* a wildcard covers one label only */
    assert_false(o.name_match);
    examine(full, 2, "192.0.2.1", &o);
    assert_true(o.name_is_ip);
    assert_true(o.name_match);
    X509 *leaf_only[] = { leaf };
    examine(leaf_only, 1, "a.test", &o);
    assert_int_equal(o.verify_code, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    X509 *selfc[] = { self };
    examine(selfc, 1, "a.test", &o);
    assert_int_equal(o.verify_code, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
}

static void trust_store_errors(void **state)
{
    (void)state;
    X509_STORE *s = NULL;
    td_errinfo_t e;
    memset(&e, 0, sizeof(e));
    assert_int_equal(td__trust_store_load("/nonexistent/ca.pem", NULL, &s, &e), TD_E_CAFILE);
    assert_non_null(strstr(e.message, "/nonexistent/ca.pem"));
    assert_int_equal(td__trust_store_load(NULL, "not a pem", &s, &e), TD_E_CAFILE);
    assert_int_equal(td__trust_store_load(NULL, NULL, &s, &e), 0);
    X509_STORE_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(facts),
        cmocka_unit_test(verification_codes),
        cmocka_unit_test(trust_store_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
