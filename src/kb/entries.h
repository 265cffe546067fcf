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
} td_kb_kind_t;

#define TD_KB_MAX_CAUSES  5
#define TD_KB_MAX_ALIASES 6

typedef struct td_kb_entry {
    td_kb_kind_t kind;
    int number;                             /* code number, -1 none */
    const char *name;                       /* canonical name */
    const char *aliases[TD_KB_MAX_ALIASES]; /* other spellings, matched case-insensitively */
    const char *meaning;
    const char *causes[TD_KB_MAX_CAUSES]; /* most likely first */
    const char *findings;                 /* related finding ids, comma separated */
    const char *next;                     /* command; HOST and PORT are placeholders */
} td_kb_entry_t;

const td_kb_entry_t *td_kb_entries(size_t *n);
const char *td_kb_kind_name(td_kb_kind_t k);

#endif
