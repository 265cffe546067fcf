/* certsigns.c: certificates that name the software or service that made them. Data only.
 *
 * Sources (facts, not text):
 *  - ingress-nginx generates "O=Acme Co, CN=Kubernetes Ingress Controller Fake Certificate"
 *    with SAN ingress.local and serves it when no Ingress has a usable TLS secret for the SNI
 *    name (kubernetes/ingress-nginx, docs user-guide/tls "Default SSL Certificate";
 *    issues #4674, #7153).
 *  - Traefik generates "CN=TRAEFIK DEFAULT CERT" with a SAN under .traefik.default when no
 *    router or store provides a certificate (doc.traefik.io/traefik/https/tls "Default
 *    Certificate"; traefik/traefik issues #3168, #8683).
 *  - Caddy's internal CA (tls internal, local HTTPS) issues from "Caddy Local Authority -
 *    ECC Intermediate" under "Caddy Local Authority - <year> ECC Root" (caddyserver.com/docs
 *    automatic-https "Local HTTPS"; caddyserver/caddy modules/caddypki/ca.go defaultRootCommonName
 *    and defaultIntermediateCommonName).
 *  - IIS's Web Management Service creates a self-signed "CN=WMSvc-SHA2-<machine>" certificate
 *    (learn.microsoft.com, "Configuring Remote Administration and Feature Delegation in IIS").
 *  - mod_ssl on Fedora / RHEL generates /etc/pki/tls/certs/localhost.crt with O=SomeOrganization
 *    and OU=SomeOrganizationalUnit (the mod_ssl package's post-install, sscg / make-dummy-cert).
 *  - Cloudflare Origin CA certificates are issued by "CloudFlare Origin SSL (ECC) Certificate
 *    Authority", trusted only by Cloudflare's edge (developers.cloudflare.com/ssl/origin-
 *    configuration/origin-ca). */
#include "kb.h"

#include <string.h>

static const td_placeholder_cert_t placeholders[] = {
    { "Kubernetes Ingress Controller Fake Certificate", "ingress-nginx (Kubernetes)", "nginx",
      "Give the Ingress for HOST a tls section (hosts: [HOST], secretName: ...) and check that "
      "the Secret exists in the Ingress's namespace with type kubernetes.io/tls (cert-manager: "
      "kubectl describe certificate -A); or set the controller's --default-ssl-certificate="
      "NAMESPACE/SECRET. The controller log names the secret it could not use: kubectl -n "
      "ingress-nginx logs deploy/ingress-nginx-controller | grep -i -e secret -e certificate." },
    { "TRAEFIK DEFAULT CERT", "Traefik", "traefik",
      "Give the router for HOST a certificate: tls.certResolver for ACME (check its log for a "
      "failed challenge) or an entry in the file provider's tls.certificates; or set "
      "tls.stores.default.defaultCertificate. Check the router's Host rule matches HOST." },
};

const td_placeholder_cert_t *td_placeholder_cert(const char *subject, const char *sans)
{
    for (size_t i = 0; i < TD_ARRAY_LEN(placeholders); i++) {
        if (strstr(subject, placeholders[i].needle) != NULL) {
            return &placeholders[i];
        }
    }
    if (strstr(sans, ".traefik.default") != NULL) {
        return &placeholders[1];
    }
    return NULL;
}

bool td_is_cloudflare_origin_ca(const char *issuer)
{
    return strstr(issuer, "CloudFlare Origin SSL") != NULL ||
           strstr(issuer, "Cloudflare Origin SSL") != NULL;
}

static const struct {
    const char *needle;
    int in_issuer; /* 1: look in the issuer, 0: in the subject */
    const char *software;
    const char *product;
} own_certs[] = {
    { "Caddy Local Authority", 1, "caddy", "Caddy's internal CA" },
    { "WMSvc-", 0, "iis", "IIS Web Management Service's self-signed certificate" },
    { "SomeOrganization", 0, "apache", "mod_ssl's generated localhost certificate (Fedora/RHEL)" },
};

const char *td_cert_software(const char *subject, const char *issuer, const char **product)
{
    for (size_t i = 0; i < TD_ARRAY_LEN(own_certs); i++) {
        if (strstr(own_certs[i].in_issuer ? issuer : subject, own_certs[i].needle) != NULL) {
            *product = own_certs[i].product;
            return own_certs[i].software;
        }
    }
    return NULL;
}
