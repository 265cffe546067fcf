/* diagnose.h: judges observations into findings. Rules are a const table (id, layer,
 * severity, match function, fix); the earliest failing layer's first match is the root
 * cause. Never does I/O. */
#ifndef TD_DIAGNOSE_H
#define TD_DIAGNOSE_H

#include "../probe/observe.h"

#define TD_MAX_FINDINGS 48

typedef struct td_finding_store {
    td_finding_t pub; /* strings point into the arrays below or at static text */
    char cause[400];
    char evidence[800];
    char fix[600];
} td_finding_store_t;

#define TD_MAX_PROXIES 16

/* What one proxy or CDN configuration in front of this origin would show. */
typedef struct td_proxy_outcome {
    const char *proxy; /* static: "Cloudflare", "AWS ALB", ... */
    const char *mode;  /* static: "Full (strict)", "verify on, server_name on", ... */
    char result[64];   /* "OK", "525", "502", "redirect loop", ... */
    char why[200];
} td_proxy_outcome_t;

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
} td_rule_t;

/* The rule table, in priority order within each layer. */
const td_rule_t *td__rules(size_t *n);

/* Runs every rule on r->obs and orders r->f: the root cause first, then by layer. */
void td__diagnose(td_report_t *r);

#endif
