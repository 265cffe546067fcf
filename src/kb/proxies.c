/* proxies.c: the proxy and CDN modes tlsdoctor predicts, and what each checks on the origin.
 * Every row names its source. The nginx and HAProxy rows are also measured: the integration
 * test tests/integration/real_proxies.sh puts Debian 12's nginx 1.22 and HAProxy 2.6 in front
 * of every lab origin and compares the predictions with what they return. */
#include "proxies.h"

#include "../wire/tls_codec.h"

#include <string.h>

/* Cloudflare. What each encryption mode does on the edge-to-origin leg:
 *  - Off: plain HTTP on both legs.
 *    https://developers.cloudflare.com/ssl/origin-configuration/ssl-modes/off/
 *  - Flexible: plain HTTP to the origin's port 80; no origin certificate at all.
 *    https://developers.cloudflare.com/ssl/origin-configuration/ssl-modes/flexible/
 *  - Full: TLS to the origin (for HTTPS visitors), but the certificate is not validated:
 *    expired, self-signed or for another name are all accepted. A failed handshake is 525.
 *    https://developers.cloudflare.com/ssl/origin-configuration/ssl-modes/full/
 *    https://developers.cloudflare.com/support/troubleshooting/http-status-codes/cloudflare-5xx-errors/error-525/
 *  - Full (strict): Full plus validation: within its dates, issued by a publicly trusted CA or
 *    by Cloudflare Origin CA, and naming the requested (or origin) host name. Failures are 526.
 *    https://developers.cloudflare.com/ssl/origin-configuration/ssl-modes/full-strict/
 *    https://developers.cloudflare.com/support/troubleshooting/http-status-codes/cloudflare-5xx-errors/error-526/
 *  - Strict (SSL-only origin pull, Enterprise): always TLS to the origin, validated as in
 *    Full (strict).
 * https://developers.cloudflare.com/ssl/origin-configuration/ssl-modes/ssl-only-origin-pull/ The
 * hello: Cloudflare's origin cipher list (TLS 1.3 AEAD suites, then ECDHE and RSA AES-GCM and
 * AES-CBC suites for TLS 1.2 and lower, 3DES for TLS 1.0 only), so TLS 1.0 to 1.3:
 *    https://developers.cloudflare.com/ssl/origin-configuration/cipher-suites/
 * (the suites themselves are the "cloudflare" profile in clients.c). SNI is the request host
 * unless an Origin Rule overrides it:
 *    https://developers.cloudflare.com/rules/origin-rules/features/ */
#define CF_MODES   "https://developers.cloudflare.com/ssl/origin-configuration/ssl-modes/"
#define CF_CIPHERS "https://developers.cloudflare.com/ssl/origin-configuration/cipher-suites/"

/* AWS Application Load Balancer, HTTPS target group: "the TLS connections to the targets use
 * the security settings from the ELBSecurityPolicy-2016-08 policy" (TLS 1.0 to 1.2), and the
 * load balancer "does not validate these certificates" (self-signed and expired certificates
 * work); a TLS handshake error or timeout to a target is a 502:
 *    https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-target-groups.html
 *    https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html
 *    https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-troubleshooting.html
 * No SNI to targets: reported, not documented (github.com/istio/istio/issues/31421). */
#define ALB_TG "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/"

/* nginx proxy_pass https://: proxy_ssl_verify off and proxy_ssl_server_name off by default
 * (https://nginx.org/en/docs/http/ngx_http_proxy_module.html). proxy_ssl_protocols defaults to
 * TLSv1 TLSv1.1 TLSv1.2 before 1.23.4, which turned TLSv1.3 on by default
 * (https://nginx.org/en/CHANGES, 1.23.4); Debian 12 ships 1.22 and Ubuntu 22.04 1.18, so a
 * TLS 1.3-only origin fails behind them (measured: 502, "alert protocol version"). */
#define NGX_DOC "https://nginx.org/en/docs/http/ngx_http_proxy_module.html; nginx.org/en/CHANGES"

/* HAProxy "server ... ssl": no SNI unless "sni" is set; "verify required" checks the chain
 * against "ca-file"; "verifyhost" checks the name:
 *    https://docs.haproxy.org/2.6/configuration.html#5.2-verify (and #5.2-sni, -verifyhost)
 * Measured with 2.6: without "sni" and "verifyhost" a certificate for another name passes;
 * its OpenSSL offers TLS 1.2 and 1.3; a failed handshake ends the attempt as "SC" and the
 * client gets 503. */
#define HAP_DOC "https://docs.haproxy.org/2.6/configuration.html#5.2"

static const td_proxy_mode_t modes[] = {
    { "Cloudflare", "Off", false, false, false, false, 0, CF_MODES "off/" },
    { "Cloudflare", "Flexible", false, false, false, false, 0, CF_MODES "flexible/" },
    { "Cloudflare", "Full", true, true, false, false, TD_V_TLS13, CF_MODES "full/; " CF_CIPHERS },
    { "Cloudflare", "Full (strict)", true, true, true, true, TD_V_TLS13,
      CF_MODES "full-strict/; " CF_CIPHERS },
    { "Cloudflare", "Strict (SSL-only origin pull)", true, true, true, true, TD_V_TLS13,
      CF_MODES "ssl-only-origin-pull/; " CF_CIPHERS },
    { "AWS ALB", "HTTPS target group", true, false, false, false, TD_V_TLS12,
      ALB_TG "load-balancer-target-groups.html; " ALB_TG "describe-ssl-policies.html" },
    { "nginx proxy_pass https://", "verify off, server_name off (defaults)", true, false, false,
      false, TD_V_TLS12, NGX_DOC },
    { "nginx proxy_pass https://", "verify on, server_name on", true, true, true, true, TD_V_TLS12,
      NGX_DOC },
    { "nginx proxy_pass https://", "verify on, server_name off", true, false, true, true,
      TD_V_TLS12, NGX_DOC },
    { "HAProxy server ... ssl", "verify none", true, false, false, false, TD_V_TLS13, HAP_DOC },
    { "HAProxy server ... ssl", "verify required", true, false, true, false, TD_V_TLS13, HAP_DOC },
    { "HAProxy server ... ssl", "verify required, sni and verifyhost", true, true, true, true,
      TD_V_TLS13, HAP_DOC },
};

const td_proxy_mode_t *td_proxy_mode(const char *proxy, const char *mode)
{
    for (size_t i = 0; i < TD_ARRAY_LEN(modes); i++) {
        if (strcmp(modes[i].proxy, proxy) == 0 && strcmp(modes[i].mode, mode) == 0) {
            return &modes[i];
        }
    }
    return NULL;
}
