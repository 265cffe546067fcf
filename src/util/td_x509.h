/* td_x509.h: X.509 fields as text, shared by the active certificate probe (probe/cert.c) and
 * the capture reader (passive/pcap.c). OpenSSL does the decoding; these only format. */
#ifndef TD_X509_H
#define TD_X509_H

#include "td_util.h"

#include <openssl/x509.h>

/** Unix seconds of an ASN.1 time, 0 when absent or invalid. */
int64_t td_asn1_time_unix(const ASN1_TIME *t);
/** RFC 2253 text of a name, escaped, "" on failure. */
void td_x509_name_text(const X509_NAME *n, char *out, size_t cap);
/** The subjectAltName DNS names and IPv4 addresses ("IP:a.b.c.d"), comma separated and
 * escaped, appended to out; names that do not fit whole are counted in a final " (+N more)".
 * Returns how many names there are, listed or not. */
int td_x509_sans_text(X509 *x, char *out, size_t cap);

/** Lower-case hex SHA-256 of the DER certificate (64 characters), "" on failure. */
void td_x509_sha256_hex(X509 *x, char *out, size_t cap);
/** True when the certificate is valid for name: an IP address literal against its IP SANs,
 * anything else as a host name (RFC 6125 matching by OpenSSL). */
bool td_x509_valid_for(X509 *x, const char *name);

#endif
