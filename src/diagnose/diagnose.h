/* diagnose.h: judges observations into findings. Rules are a const table (id, layer,
 * severity, match function, fix); the earliest failing layer's first match is the root
 * cause. Never does I/O. */
#ifndef TD_DIAGNOSE_H
#define TD_DIAGNOSE_H

#include "../probe/observe.h"

#define TD_MAX_FINDINGS 48

/* How a finding bears on a proxy or CDN in front of the origin (proxies.c): a property of the
 * rule, so that proxies.c never compares finding ids. */
typedef enum td_proxy_effect {
    TD_PROXY_FAILS = 0,    /* the proxy's own connection fails the same way (the default) */
    TD_PROXY_TIMES_OUT,    /* ... the same way, by waiting for the origin until its timeout */
    TD_PROXY_UNAFFECTED,   /* about this client or some clients only: our clock, browsers' hellos */
    TD_PROXY_RELAYED,      /* the origin's own HTTP answer: a proxy passes it through unchanged */
    TD_PROXY_NAME_CHECK,   /* fails only proxies that check the host name in the certificate */
    TD_PROXY_TLS13_HELLO,  /* fails only proxies whose hello offers TLS 1.3 */
    TD_PROXY_REFUSED_LATE, /* fails, but a TLS 1.3 origin may refuse only after the handshake,
                              when some proxies have sent the request (client certificates) */
    TD_PROXY_IF_OPENSSL_FAILS, /* a client policy (TLS 1.0 only, CN without SAN): proxies built on
                                  OpenSSL 3 or offering what it offers fail only when our own
                                  OpenSSL handshake at its defaults failed too */
} td_proxy_effect_t;

/* Facts about a finding that change what a proxy in front does (a rule's proxy_facts, a bit
 * set): proxies.c asks for the fact, never for an id. */
enum {
    /* The origin needs SNI: a proxy that sends none is refused [CF-SNI][ALB-TS]. */
    TD_PF_SNI_REQUIRED = 1u << 0,
    /* Without SNI the origin shows another site's certificate. */
    TD_PF_DEFAULT_CERT_WRONG = 1u << 1,
    /* Only TLS 1.3 is offered: proxies whose hello stops at TLS 1.2 fail. */
    TD_PF_TLS13_ONLY = 1u << 2,
    /* A chain-trust failure only: an edge that trusts its own origin CA (Cloudflare's Origin
     * CA [OCA-NAMES]) does not have it; an expiry or a wrong name it still has [CF526]. */
    TD_PF_TRUST_ONLY = 1u << 3,
    /* The response head is larger than some clients accept: a proxy that accepts at least
     * the head's size passes it (the limits are in proxies.c, from [CF520] and HAProxy's
     * tune.bufsize). */
    TD_PF_HEAD_SIZE = 1u << 4,
    /* The response head stopped coming: when it stalled (not closed), a proxy times out. */
    TD_PF_SLOW_IF_STALLED = 1u << 5,
};

typedef struct td_finding_store {
    td_finding_t pub;               /* strings point into the arrays below or at static text */
    td_proxy_effect_t proxy_effect; /* the rule's */
    unsigned proxy_facts;           /* the rule's: TD_PF_* */
    char cause[400];
    char evidence[800];
    char fix[600];
    bool rank_last; /* from the rule */
} td_finding_store_t;

#define TD_MAX_PROXIES 16

/* What one proxy or CDN configuration in front of this origin would show. */
typedef struct td_proxy_outcome {
    const char *proxy; /* static: "Cloudflare", "AWS ALB", ... */
    const char *mode;  /* static: "Full (strict)", "verify on, server_name on", ... */
    char result[64];   /* "OK", "525", "502", "redirect loop", ... */
    char why[200];
} td_proxy_outcome_t;

/* Whether one real client (kb/clients.c) can connect, from the matrix and its own hello. */
typedef struct td_client_verdict {
    const char *id, *name, *source; /* static, from the profile */
    int current;                    /* a client in wide use today */
    int legacy;                     /* an old release, kept for reference */
    int proxy;                      /* a proxy's connection to origins (proxies rows) */
    int known;                      /* 0: not observed in this run (ok means nothing) */
    const char *basis;              /* static: "handshake", "hello", "predicted", "not_observed" */
    int ok;                         /* connects */
    int predicted_ok;               /* what the matrix alone said */
    int confirmed;                  /* its hello was sent and the server's answer is used */
    int mismatch;                   /* the answer differed from the prediction */
    uint16_t version, cipher, group;
    char why[300]; /* why it fails, or a caveat when it connects */
} td_client_verdict_t;

struct td_report {
    td_obs_t obs;
    td_finding_store_t f[TD_MAX_FINDINGS];
    size_t n;
    int has_root;                /* f[0] is the root cause */
    const char *server_software; /* "nginx", "apache", ... or NULL: fixes are generic */
    char server_evidence[160];
    td_proxy_outcome_t proxies[TD_MAX_PROXIES];
    size_t n_proxies;
    char recommended[400];
    td_client_verdict_t clients[TD_MX_MAX_CLIENTS];
    int n_clients;
    bool pages; /* allocated with td_zalloc_pages (api.c) */
};

/* The server software, from HTTP Server headers and error pages; NULL when unknown. */
const char *td__server_software(const td_obs_t *o, char *evidence, size_t cap);

/* Fills r->proxies and r->recommended from r->obs and r->f. */
void td__proxies(td_report_t *r);

/* Text a rule writes when it matches. Cause and fix start as the rule's defaults. */
typedef struct td_rule_out {
    char *cause;
    size_t cause_cap;
    char *evidence;
    size_t evidence_cap;
    char *fix;
    size_t fix_cap;
    td_layer_t layer; /* starts as the rule's layer; a rule about the whole run may move it */
} td_rule_out_t;

typedef struct td_rule {
    const char *id;
    td_layer_t layer;
    td_severity_t severity;
    const char *title;
    bool (*match)(const td_obs_t *o, td_rule_out_t *out);
    const char *cause; /* default one-sentence cause */
    const char *fix;   /* default fix */
    /* Skip this rule when an earlier finding explains it: an id, or an id prefix ending in
     * '.' (e.g. "tls." for a catch-all that only speaks when no other TLS failure did). */
    const char *unless;
    /* Only when no other rule found a failure (evaluated after all the others): a summary such
     * as "current clients cannot connect", or "the verdict is unknown". */
    bool only_without_fail;
    /* Ranks after the specific findings of its severity: a summary of other findings (which
     * clients fail) or hygiene (old versions still on) is never what to fix first. */
    bool rank_last;
    td_proxy_effect_t proxy_effect; /* what a proxy in front sees; default TD_PROXY_FAILS */
    unsigned proxy_facts;           /* TD_PF_*: facts a proxy's behaviour depends on */
} td_rule_t;

/* Whether a layer was observed working. When not, why says what was not observed. */
bool td__layer_observed(const td_obs_t *o, td_layer_t layer, char *why, size_t cap);

/* The rule table, in priority order within each layer. */
const td_rule_t *td__rules(size_t *n);

/* Fills out with one verdict per client profile: from the matrix when it ran, else from the
 * few hellos and handshakes of every run (the others not observed); returns how many. */
int td__client_verdicts(const td_obs_t *o, td_client_verdict_t *out, int cap);

/* Matrix rules (clients.c). */
bool td__mx_obsolete_versions(const td_obs_t *o, td_rule_out_t *out);
bool td__mx_no_modern_cipher(const td_obs_t *o, td_rule_out_t *out);
bool td__mx_weak_ciphers(const td_obs_t *o, td_rule_out_t *out);
/* The TLS 1.3-style hello fails where an older-style one works. */
bool td__mx_older_hello_works(const td_obs_t *o);
bool td__mx_version_intolerant(const td_obs_t *o, td_rule_out_t *out);
bool td__mx_large_intolerant(const td_obs_t *o, td_rule_out_t *out);
bool td__mx_no_hrr(const td_obs_t *o, td_rule_out_t *out);
bool td__mx_current_clients_fail(const td_obs_t *o, td_rule_out_t *out);
bool td__mx_legacy_clients_fail(const td_obs_t *o, td_rule_out_t *out);

/* Replaces the placeholders HOST:PORT, HOST and PORT in a fix with the diagnosed target, so
 * that its commands can be pasted as they are and pass once the fix is made. With
 * --connect-to, URLs keep the host name and curl gets --connect-to NAME:PORT:ADDR:PORT,
 * openssl s_client -connect gets the address with -servername NAME, tlsdoctor gets
 * --connect-to ADDR:PORT, and nc the address. A --ca-file goes into curl (--cacert), s_client
 * (-CAfile) and tlsdoctor (--ca-file) as well. */
void td__fill_placeholders(const td_obs_t *o, char *fix, size_t cap);

/* Runs every rule on r->obs and orders r->f: the root cause first, then by layer. */
void td__diagnose(td_report_t *r);

#endif
