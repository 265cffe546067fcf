/* causes.h: what a failure reason seen in a log (an OpenSSL reason code or text, a TLS alert
 * number, a server's own message) means, as a finding id shared with active diagnosis where
 * the meaning is the same. Data only. */
#ifndef TD_KB_CAUSES_H
#define TD_KB_CAUSES_H

#include "../util/td_util.h"

typedef struct td_cause {
    const char *id;      /* finding id, e.g. "tls.cipher.no_common" */
    const char *meaning; /* one sentence, server's point of view */
    const char *likely;  /* the usual reason behind it */
    const char *confirm; /* how to confirm; "HOST:PORT" is replaced with the server seen */
} td_cause_t;

/* The catalogue entry for id, or the generic "tls.handshake.failed" entry. Never NULL. */
const td_cause_t *td_cause_get(const char *id);

/* Cause of an OpenSSL SSL-library reason number (e.g. SSL_R_NO_SHARED_CIPHER, or 1000+N for
 * a received alert N). NULL when unknown. */
const char *td_cause_of_ossl_reason(int reason);

/* Cause of a TLS alert number received by the logging side. NULL when unknown. */
const char *td_cause_of_alert(int alert);

/* Cause from message text (case-insensitive substring table), for logs without codes. */
const char *td_cause_of_text(const char *p, size_t len);

/* Decodes the OpenSSL error code at e, which points at "error:XXXXXXXX" (OpenSSL 3 or 1.1.1
 * packing, left bytes from e on), into the SSL reason number; -1 when the 8 hex digits are not
 * there or the library is not SSL. */
int td_ossl_reason_at(const char *e, size_t left);

#endif
