/* cert.h: facts about a certificate chain as sent, and OpenSSL's verification of it against
 * a trust store. No verdicts: "expired" is decided by diagnose/ from the dates. */
#ifndef TD_CERT_PROBE_H
#define TD_CERT_PROBE_H

#include "observe.h"

#include <openssl/x509.h>

/* Loads the trust store: ca_pem (in memory) if set, else ca_file if set, else the system
 * default paths. Returns 0 and *store (owned by the caller, X509_STORE_free), or TD_E_CAFILE. */
TD_MUST_USE int td__trust_store_load(const char *ca_file, const char *ca_pem, X509_STORE **store,
                                     td_errinfo_t *err);

/* Extracts one certificate's facts. */
void td__cert_info(X509 *x, td_cert_info_t *out);

/* Fills obs from chain (leaf first, borrowed) and store. name is the host name checked. */
void td__cert_examine(STACK_OF(X509) * chain, X509_STORE *store, const char *name, int64_t now,
                      td_obs_cert_t *obs);

#endif
