/* entries.h: the explain knowledge base: what a pasted code or message means, its likely
 * causes in order, and the command that tells them apart. Data only. */
#ifndef TD_KB_ENTRIES_H
#define TD_KB_ENTRIES_H

#include "../util/td_util.h"

typedef enum td_kb_kind {
    TD_KB_CLOUDFLARE = 0, /* Cloudflare 52x/530 */
    TD_KB_ALERT,          /* TLS alert */
    TD_KB_OPENSSL,        /* OpenSSL SSL-library reason */
    TD_KB_VERIFY,         /* OpenSSL X509 verify code */
    TD_KB_CURL,           /* curl exit code */
    TD_KB_BROWSER,        /* Chrome net error */
    TD_KB_HTTP,           /* HTTP status with a TLS meaning (495, 496, 497, 421, 502...) */
    TD_KB_LOGMSG,         /* a server's own log message (F5 01260013, AH02008, ...) */
    TD_KB_GO,             /* Go crypto/tls and crypto/x509 */
    TD_KB_NSS,            /* NSS: Firefox, curl-nss */
    TD_KB_GNUTLS,         /* GnuTLS: git, apt, wget, gnutls-cli */
    TD_KB_JAVA,           /* Java JSSE / PKIX, Android */
    TD_KB_DOTNET,         /* .NET SslPolicyErrors, SChannel SEC_E_* */
    TD_KB_NODE,           /* Node.js codes */
    TD_KB_PYTHON,         /* Python ssl / requests */
    TD_KB_APPLE,          /* NSURLError, SecureTransport */
    TD_KB_PROXY,          /* Envoy/Istio, Caddy, Traefik, load balancers */
    TD_KB_DB,             /* PostgreSQL, MySQL */
    TD_KB_MAIL,           /* Postfix, Dovecot */
    TD_KB_NET,            /* transport words: reset, timeout */
} td_kb_kind_t;

#define TD_KB_MAX_CAUSES  5
#define TD_KB_MAX_ALIASES 10

typedef struct td_kb_entry {
    td_kb_kind_t kind;
    int number;                             /* code number, -1 none */
    const char *name;                       /* canonical name */
    const char *aliases[TD_KB_MAX_ALIASES]; /* other spellings, matched case-insensitively */
    const char *meaning;
    const char *causes[TD_KB_MAX_CAUSES]; /* most likely first */
    const char *findings;                 /* related finding ids, comma separated */
    const char *next;                     /* command; HOST and PORT are placeholders */
    const char *tells; /* the fact that tells the likely causes apart, NULL none */
    const char *check; /* the command that shows that fact; HOST and PORT placeholders */
    int tier;          /* 3 a specific reason, 2 a family message, 1 a wrapper; 0: by kind */
} td_kb_entry_t;

/* The tier of an entry (its own, or its kind's default). */
int td_kb_tier(const td_kb_entry_t *e);

const td_kb_entry_t *td_kb_entries(size_t *n);
const char *td_kb_kind_name(td_kb_kind_t k);

#endif
