/* kb.h: the knowledge base: static facts (alert names, finding catalogue) shared by
 * probes, diagnosis and reports. Data only. */
#ifndef TD_KB_H
#define TD_KB_H

#include "../util/td_util.h"

/* Static IANA name of a TLS alert description ("handshake_failure"), "unknown" otherwise. */
const char *td_alert_name(int desc);

/* The TLS-inspecting product whose default CA name appears in a certificate name, or NULL. */
const char *td_interception_product(const char *name);

/* A software's built-in placeholder certificate, served when nothing is configured for the
 * name asked for. */
typedef struct td_placeholder_cert {
    const char *needle;   /* in the subject */
    const char *product;  /* for people: "ingress-nginx (Kubernetes)" */
    const char *software; /* for fixes: "nginx", "traefik" */
    const char *fix;      /* HOST is replaced by the host name */
} td_placeholder_cert_t;

/* The placeholder whose subject or SANs these are, or NULL. */
const td_placeholder_cert_t *td_placeholder_cert(const char *subject, const char *sans);

/* Certificates a server software makes for itself (not placeholders: they may be what the
 * operator chose): the software ("caddy", "iis", "apache") when the subject or issuer is one
 * of them, with *product set for people; NULL otherwise. */
const char *td_cert_software(const char *subject, const char *issuer, const char **product);

/* True when the issuer is Cloudflare's Origin CA (trusted by Cloudflare's edge only). */
bool td_is_cloudflare_origin_ca(const char *issuer);

#endif
