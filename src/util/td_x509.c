/* td_x509.c: X.509 fields as text (see td_x509.h). */
#include "td_x509.h"

#include <openssl/x509v3.h>
#include <string.h>
#include <time.h>

int64_t td_asn1_time_unix(const ASN1_TIME *t)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1) {
        return 0;
    }
    return (int64_t)timegm(&tm);
}

void td_x509_name_text(const X509_NAME *n, char *out, size_t cap)
{
    BIO *b = BIO_new(BIO_s_mem());
    out[0] = '\0';
    if (b == NULL) {
        return;
    }
    if (X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
        char *p = NULL;
        long len = BIO_get_mem_data(b, &p);
        if (len > 0 && p != NULL) {
            td_escape(out, cap, (const uint8_t *)p, (size_t)len);
        }
    }
    BIO_free(b);
}

int td_x509_sans_text(X509 *x, char *out, size_t cap)
{
    int n = 0, left_out = 0;
    GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    for (int i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
        char one[260];
        one[0] = '\0';
        if (g->type == GEN_DNS) {
            const ASN1_IA5STRING *s = g->d.dNSName;
            td_escape(one, sizeof(one), ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s));
        } else if (g->type == GEN_IPADD) {
            const ASN1_OCTET_STRING *s = g->d.iPAddress;
            const unsigned char *d = ASN1_STRING_get0_data(s);
            if (ASN1_STRING_length(s) == 4) {
                td_fmt(one, sizeof(one), "IP:%u.%u.%u.%u", d[0], d[1], d[2], d[3]);
            } else {
                td_strlcpy(one, "IP:(v6)", sizeof(one));
            }
        } else {
            continue;
        }
        n++;
        /* Whole names only, with room left to say how many did not fit. */
        if (left_out > 0 || strlen(out) + strlen(one) + 1 + 20 >= cap) {
            left_out++;
            continue;
        }
        td_fmt_append(out, cap, "%s%s", out[0] != '\0' ? "," : "", one);
    }
    if (left_out > 0) {
        td_fmt_append(out, cap, " (+%d more)", left_out);
    }
    GENERAL_NAMES_free(gens);
    return n;
}

void td_x509_sha256_hex(X509 *x, char *out, size_t cap)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    out[0] = '\0';
    if (X509_digest(x, EVP_sha256(), md, &mdlen) == 1) {
        for (unsigned int i = 0; i < mdlen && i * 2 + 2 < cap; i++) {
            td_fmt_append(out, cap, "%02x", md[i]);
        }
    }
}

bool td_x509_valid_for(X509 *x, const char *name)
{
    if (name == NULL || name[0] == '\0') {
        return false;
    }
    int ip = X509_check_ip_asc(x, name, 0); /* -2: not an IP address literal */
    return ip == -2 ? X509_check_host(x, name, 0, 0, NULL) == 1 : ip == 1;
}
