/* cert.c: certificate facts (names, dates, keys, signature, fingerprint) and a verification
 * run with time checks off, so trust and dates are separate facts. Never judges. */
#include "cert.h"

#include "../util/td_x509.h"

#include "net.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static int store_load(const char *ca_file, const char *ca_pem, X509_STORE **store,
                      td_errinfo_t *err);

/* The last store loaded from a file (or the system's), kept for the next diagnosis of the
 * process while the file's size and mtime stay the same: the fleet scan would otherwise parse
 * the bundle once per target. The store is shared read-only (OpenSSL locks its lookups). */
static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static X509_STORE *cache_store;
static char cache_key[4096 + 64];

int td__trust_store_load(const char *ca_file, const char *ca_pem, X509_STORE **store,
                         td_errinfo_t *err)
{
    if (ca_pem != NULL) {
        return store_load(ca_file, ca_pem, store, err);
    }
    char key[sizeof(cache_key)];
    struct stat st;
    if (ca_file == NULL) {
        td_strlcpy(key, "system", sizeof(key));
    } else if (stat(ca_file, &st) == 0 && strlen(ca_file) < 4096) {
        td_fmt(key, sizeof(key), "%lld:%lld:%s", (long long)st.st_size, (long long)st.st_mtime,
               ca_file);
    } else {
        return store_load(ca_file, ca_pem, store, err); /* says why it cannot be read */
    }
    /* The lock is held while the bundle loads: a fleet scan starts thousands of diagnoses at
     * once, and each would otherwise miss the empty cache and parse its own copy (at 2,000
     * in flight that was the heap's high-water mark); they wait for the one load instead. */
    pthread_mutex_lock(&cache_mu);
    if (cache_store != NULL && strcmp(key, cache_key) == 0 && X509_STORE_up_ref(cache_store) == 1) {
        *store = cache_store;
        pthread_mutex_unlock(&cache_mu);
        return 0;
    }
    int rc = store_load(ca_file, ca_pem, store, err);
    if (rc == 0 && X509_STORE_up_ref(*store) == 1) {
        X509_STORE_free(cache_store);
        cache_store = *store;
        td_strlcpy(cache_key, key, sizeof(cache_key));
    }
    pthread_mutex_unlock(&cache_mu);
    return rc;
}

static int store_load(const char *ca_file, const char *ca_pem, X509_STORE **store,
                      td_errinfo_t *err)
{
    X509_STORE *st = X509_STORE_new();
    if (st == NULL) {
        return TD_E_NOMEM;
    }
    if (ca_pem != NULL) {
        BIO *b = BIO_new_mem_buf(ca_pem, -1);
        STACK_OF(X509_INFO) *infos = b != NULL ? PEM_X509_INFO_read_bio(b, NULL, NULL, NULL) : NULL;
        int added = 0;
        for (int i = 0; infos != NULL && i < sk_X509_INFO_num(infos); i++) {
            X509_INFO *xi = sk_X509_INFO_value(infos, i);
            if (xi->x509 != NULL && X509_STORE_add_cert(st, xi->x509) == 1) {
                added++;
            }
        }
        sk_X509_INFO_pop_free(infos, X509_INFO_free);
        BIO_free(b);
        if (added == 0) {
            X509_STORE_free(st);
            td_errinfo_set(err, TD_E_CAFILE, "no certificate in the in-memory CA bundle");
            return TD_E_CAFILE;
        }
    } else if (ca_file != NULL) {
        ERR_clear_error();
        if (X509_STORE_load_file(st, ca_file) != 1) {
            X509_STORE_free(st);
            td_errinfo_set(err, TD_E_CAFILE,
                           "cannot read CA file '%s': it must exist and hold PEM certificates",
                           ca_file);
            ERR_clear_error();
            return TD_E_CAFILE;
        }
    } else if (X509_STORE_set_default_paths(st) != 1) {
        X509_STORE_free(st);
        td_errinfo_set(err, TD_E_CAFILE, "cannot load the system trust store");
        return TD_E_CAFILE;
    }
    *store = st;
    return 0;
}

static void collect_aia(X509 *x, td_cert_info_t *out)
{
    AUTHORITY_INFO_ACCESS *aia = X509_get_ext_d2i(x, NID_info_access, NULL, NULL);
    for (int i = 0; aia != NULL && i < sk_ACCESS_DESCRIPTION_num(aia); i++) {
        ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(aia, i);
        if (OBJ_obj2nid(ad->method) == NID_ad_ca_issuers && ad->location->type == GEN_URI) {
            const ASN1_IA5STRING *u = ad->location->d.uniformResourceIdentifier;
            td_escape(out->aia_ca_issuers, sizeof(out->aia_ca_issuers), ASN1_STRING_get0_data(u),
                      (size_t)ASN1_STRING_length(u));
            break;
        }
    }
    AUTHORITY_INFO_ACCESS_free(aia);
}

void td__cert_info(X509 *x, td_cert_info_t *out)
{
    memset(out, 0, sizeof(*out));
    td_x509_name_text(X509_get_subject_name(x), out->subject, sizeof(out->subject));
    td_x509_name_text(X509_get_issuer_name(x), out->issuer, sizeof(out->issuer));
    out->n_sans = td_x509_sans_text(x, out->sans, sizeof(out->sans));
    collect_aia(x, out);
    out->not_before = td_asn1_time_unix(X509_get0_notBefore(x));
    out->not_after = td_asn1_time_unix(X509_get0_notAfter(x));
    EVP_PKEY *pk = X509_get0_pubkey(x);
    if (pk != NULL) {
        int id = EVP_PKEY_get_base_id(pk);
        const char *t = id == EVP_PKEY_RSA       ? "RSA"
                        : id == EVP_PKEY_EC      ? "EC"
                        : id == EVP_PKEY_ED25519 ? "Ed25519"
                        : id == EVP_PKEY_ED448   ? "Ed448"
                        : id == EVP_PKEY_DSA     ? "DSA"
                                                 : "other";
        td_strlcpy(out->key_type, t, sizeof(out->key_type));
        out->key_bits = EVP_PKEY_get_bits(pk);
    }
    int sig = X509_get_signature_nid(x);
    td_strlcpy(out->sig_alg, OBJ_nid2ln(sig) != NULL ? OBJ_nid2ln(sig) : "unknown",
               sizeof(out->sig_alg));
    int mdnid = 0;
    if (X509_get_signature_info(x, &mdnid, NULL, NULL, NULL) == 1) {
        out->sig_sha1 = mdnid == NID_sha1;
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (X509_digest(x, EVP_sha256(), md, &mdlen) == 1) {
        for (unsigned int i = 0; i < mdlen; i++) {
            td_fmt_append(out->sha256, sizeof(out->sha256), "%s%02X", i > 0 ? ":" : "", md[i]);
        }
    }
    uint32_t xku = X509_get_extended_key_usage(x);
    out->eku_present = (X509_get_extension_flags(x) & EXFLAG_XKUSAGE) != 0;
    out->eku_server_auth = (xku & (XKU_SSL_SERVER | XKU_ANYEKU)) != 0;
    out->ku_present = (X509_get_extension_flags(x) & EXFLAG_KUSAGE) != 0;
    out->ku = X509_get_key_usage(x);
    out->is_ca = X509_check_ca(x) > 0;
    out->self_issued = X509_check_issued(x, x) == X509_V_OK;
    out->self_signed = X509_self_signed(x, 1) == 1;
    ERR_clear_error();
}

void td__cert_examine(STACK_OF(X509) * chain, X509_STORE *store, const char *name, int64_t now,
                      td_obs_cert_t *obs)
{
    obs->step = TD_STEP_DONE;
    obs->now = now;
    int n = chain != NULL ? sk_X509_num(chain) : 0;
    obs->sent = n;
    for (int i = 0; i < n; i++) {
        if (obs->n >= TD_MAX_CERTS) {
            obs->truncated = 1;
            break;
        }
        td__cert_info(sk_X509_value(chain, i), &obs->c[obs->n++]);
    }
    if (n == 0) {
        return;
    }
    /* Which sent certificate issued which: chain order, stray and wrong intermediates. */
    for (int i = 0; i < obs->n; i++) {
        X509 *x = sk_X509_value(chain, i);
        if (obs->c[i].self_issued) {
            continue; /* a root: its issuer is itself */
        }
        for (int j = 0; j < obs->n && obs->c[i].issued_by == 0; j++) {
            if (j != i && X509_check_issued(sk_X509_value(chain, j), x) == X509_V_OK) {
                obs->c[i].issued_by = j + 1;
            }
        }
    }
    ERR_clear_error();
    X509 *leaf = sk_X509_value(chain, 0);
    td_strlcpy(obs->name_checked, name, sizeof(obs->name_checked));
    obs->name_is_ip = td__is_ip_literal(name);
    obs->name_match = td_x509_valid_for(leaf, name);

    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    for (int i = 1; untrusted != NULL && i < n; i++) {
        (void)sk_X509_push(untrusted, sk_X509_value(chain, i));
    }
    if (ctx != NULL && X509_STORE_CTX_init(ctx, store, leaf, untrusted) == 1) {
        X509_VERIFY_PARAM *vp = X509_STORE_CTX_get0_param(ctx);
        /* Dates are judged separately from the certificates' own fields. */
        X509_VERIFY_PARAM_set_flags(vp, X509_V_FLAG_NO_CHECK_TIME);
        (void)X509_VERIFY_PARAM_set_purpose(vp, X509_PURPOSE_SSL_SERVER);
        int ok = X509_verify_cert(ctx);
        obs->verify_code = ok == 1 ? 0 : X509_STORE_CTX_get_error(ctx);
        obs->verify_depth = X509_STORE_CTX_get_error_depth(ctx);
        STACK_OF(X509) *built = X509_STORE_CTX_get0_chain(ctx);
        obs->built_chain_len = built != NULL ? sk_X509_num(built) : 0;
        td_strlcpy(obs->verify_text, X509_verify_cert_error_string(obs->verify_code),
                   sizeof(obs->verify_text));
    } else {
        obs->verify_code = -1;
        td_strlcpy(obs->verify_text, "verification could not run", sizeof(obs->verify_text));
    }
    ERR_clear_error();
    sk_X509_free(untrusted);
    X509_STORE_CTX_free(ctx);
}
