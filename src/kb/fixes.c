/* fixes.c: per-server fixes. Directives as documented by each server; facts on defaults from
 * ../shared/failure-kb.md §2 [NGX-SRC][HTTPD-KERNEL]. Never does I/O.
 *
 * Directive sources: nginx.org/en/docs/http/ngx_http_ssl_module.html; httpd.apache.org/docs/
 * 2.4/mod/mod_ssl.html; HAProxy configuration manual (crt, ssl-min-ver, verify,
 * ssl-default-bind-options, ssl-default-bind-ciphers); lighttpd wiki Docs_SSL (ssl.pemfile,
 * ssl.privkey, ssl.ca-file, ssl.openssl.ssl-conf-cmd, ssl.verifyclient.*); caddyserver.com/
 * docs/caddyfile/directives/tls (tls <cert_file> <key_file>, protocols, client_auth mode);
 * doc.traefik.io/traefik/https/tls (tls.certificates certFile/keyFile, tls.options minVersion
 * / cipherSuites / clientAuth.clientAuthType); envoyproxy.io extensions.transport_sockets.tls.
 * v3 (DownstreamTlsContext common_tls_context tls_certificates certificate_chain, tls_params
 * tls_minimum_protocol_version, require_client_certificate; filter_chain_match server_names);
 * IIS / Windows: learn.microsoft.com "TLS registry settings" (SCHANNEL\Protocols), "netsh
 * http show sslcert", IIS Manager Bindings and SSL Settings, Nartac IIS Crypto.
 *
 * Rows for server "*" are the finding's fix without any server's commands: they are shown
 * when the server software is known but has no row of its own, so that one server's
 * directives are never shown as if they were another's (tests/unit/test_fixes.c checks every
 * rule against every server). */
#include "fixes.h"

#include <string.h>

struct fix_row {
    const char *id;
    const char *server;
    const char *fix;
};

#define VERIFY_CHAIN                                                                        \
    " Verify (expect \"Verify return code: 0 (ok)\"): openssl s_client -connect HOST:PORT " \
    "-servername HOST -verify_hostname HOST -showcerts </dev/null"
#define VERIFY_DATES                                                                              \
    " Verify: echo | openssl s_client -connect HOST:PORT -servername HOST 2>/dev/null | openssl " \
    "x509 -noout -dates -subject"
#define VERIFY_DIAG " Verify: tlsdoctor HOST:PORT"
#define VERIFY_TLS12 \
    " Verify: openssl s_client -connect HOST:PORT -servername HOST -tls1_2 </dev/null"
#define VERIFY_CURL " Verify: curl -v https://HOST:PORT/"

/* One minimum-version setting per server, shared by the version findings. */
#define MIN12_NGINX  "nginx: ssl_protocols TLSv1.2 TLSv1.3; in the http or server block"
#define MIN12_APACHE "Apache httpd: SSLProtocol -all +TLSv1.2 +TLSv1.3"
#define MIN12_HAPROXY                                                                             \
    "HAProxy: ssl-default-bind-options ssl-min-ver TLSv1.2 in global (or ssl-min-ver TLSv1.2 on " \
    "the bind line)"
#define MIN12_LIGHTTPD "lighttpd: ssl.openssl.ssl-conf-cmd = (\"MinProtocol\" => \"TLSv1.2\")"
#define MIN12_IIS                                                                                 \
    "IIS / Windows: in SCHANNEL (HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\"   \
    "SCHANNEL\\Protocols) set TLS 1.2\\Server Enabled=1 and TLS 1.0 / TLS 1.1\\Server Enabled=0 " \
    "(or use IIS Crypto's Best Practices template), then reboot"
#define MIN12_CADDY                                                                         \
    "Caddy: tls { protocols tls1.2 tls1.3 } in the site block (TLS 1.2 is Caddy's default " \
    "minimum: remove an older protocols setting), then caddy reload"
#define MIN12_TRAEFIK                                                                             \
    "Traefik: tls.options.default.minVersion: VersionTLS12 in the dynamic configuration (and no " \
    "router pointing at an options set with an older minVersion)"
#define MIN12_ENVOY                                                                      \
    "Envoy: common_tls_context.tls_params.tls_minimum_protocol_version: TLSv1_2 in the " \
    "listener's DownstreamTlsContext"

static const struct fix_row rows[] = {
    { "cert.chain.missing_intermediate", "nginx",
      "nginx: point ssl_certificate at the full chain (leaf first, then intermediates), e.g. "
      "ssl_certificate /etc/letsencrypt/live/HOST/fullchain.pem; not cert.pem; then nginx -t "
      "&& nginx -s reload." VERIFY_CHAIN },
    { "cert.chain.missing_intermediate", "apache",
      "Apache httpd 2.4.8+: SSLCertificateFile must hold the leaf followed by the "
      "intermediates (fullchain.pem); on older versions add SSLCertificateChainFile "
      "chain.pem; then apachectl configtest && apachectl graceful." VERIFY_CHAIN },
    { "cert.chain.missing_intermediate", "haproxy",
      "HAProxy: the crt file must contain the leaf, then the intermediates, then the key "
      "(cat fullchain.pem privkey.pem > /etc/haproxy/certs/HOST.pem); then reload "
      "(systemctl reload haproxy)." VERIFY_CHAIN },
    { "cert.chain.missing_intermediate", "lighttpd",
      "lighttpd 1.4.53+: ssl.pemfile = fullchain.pem and ssl.privkey = privkey.pem (older: "
      "ssl.ca-file = chain.pem); then restart lighttpd." VERIFY_CHAIN },
    { "cert.chain.missing_intermediate", "iis",
      "IIS: import the intermediate certificate into the computer's Intermediate "
      "Certification Authorities store (certlm.msc), or import a .pfx that contains the "
      "chain, then re-bind the site certificate." VERIFY_CHAIN },
    { "cert.expired", "nginx",
      "nginx: renew (certbot renew, or your CA), make ssl_certificate point at the new "
      "fullchain.pem, then nginx -s reload — nginx keeps serving the old file until a "
      "reload." VERIFY_DATES },
    { "cert.expired", "apache",
      "Apache httpd: renew (certbot renew), point SSLCertificateFile/SSLCertificateKeyFile "
      "at the new files, then apachectl graceful." VERIFY_DATES },
    { "cert.expired", "haproxy",
      "HAProxy: renew, rebuild the crt bundle (fullchain + key), then systemctl reload "
      "haproxy (or set ssl cert over the runtime API)." VERIFY_DATES },
    { "cert.expired", "iis",
      "IIS: install the renewed certificate and change the site's https binding to it "
      "(IIS Manager > Bindings); expired certificates stay bound until changed." VERIFY_DATES },
    { "cert.hostname.mismatch", "nginx",
      "nginx: the server block whose server_name matches HOST must have a certificate "
      "listing HOST in subjectAltName (certbot --nginx -d HOST); check which block answers "
      "with nginx -T | grep -n 'server_name\\|ssl_certificate'." VERIFY_DIAG },
    { "cert.hostname.mismatch", "apache",
      "Apache httpd: the <VirtualHost *:443> with ServerName/ServerAlias HOST needs a "
      "certificate listing HOST; apachectl -S shows which vhost answers." VERIFY_DIAG },
    { "cert.hostname.mismatch", "haproxy",
      "HAProxy: add a crt for HOST to the bind line (or a crt-list); HAProxy picks the "
      "certificate by SNI among the loaded files." VERIFY_DIAG },
    { "cert.self_signed", "nginx",
      "nginx: replace the self-signed pair with a CA-issued one (certbot --nginx -d HOST), "
      "or behind Cloudflare install an Origin CA certificate." VERIFY_DIAG },
    { "cert.self_signed", "apache",
      "Apache httpd: replace the snakeoil/self-signed pair in SSLCertificateFile with a "
      "CA-issued certificate (certbot --apache -d HOST)." VERIFY_DIAG },
    { "cert.self_signed", "haproxy",
      "HAProxy: replace the self-signed crt with a CA-issued bundle (fullchain + "
      "key)." VERIFY_DIAG },
    { "tls.version.legacy_only", "nginx",
      "nginx: ssl_protocols TLSv1.2 TLSv1.3; (nginx built against OpenSSL 1.0.1+ is "
      "needed for TLS 1.2, 1.1.1+ for TLS 1.3: nginx -V)." VERIFY_DIAG },
    { "tls.version.legacy_only", "apache",
      "Apache httpd: SSLProtocol -all +TLSv1.2 +TLSv1.3 (mod_ssl with OpenSSL "
      "1.1.1+)." VERIFY_DIAG },
    { "tls.version.legacy_only", "haproxy",
      "HAProxy: ssl-default-bind-options ssl-min-ver TLSv1.2 in global (HAProxy 1.8+ with "
      "OpenSSL 1.1.1+)." VERIFY_DIAG },
    { "tls.version.legacy_only", "lighttpd",
      "lighttpd: ssl.openssl.ssl-conf-cmd = (\"MinProtocol\" => \"TLSv1.2\")." VERIFY_DIAG },
    { "tls.version.legacy_only", "iis",
      "IIS / Windows: enable TLS 1.2 in SCHANNEL (HKLM\\SYSTEM\\CurrentControlSet\\Control\\"
      "SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Server, Enabled=1) or with IIS "
      "Crypto, then reboot." VERIFY_DIAG },
    { "tls.version.tls13_only", "nginx", "nginx: ssl_protocols TLSv1.2 TLSv1.3;" VERIFY_DIAG },
    { "tls.version.tls13_only", "apache",
      "Apache httpd: SSLProtocol -all +TLSv1.2 +TLSv1.3" VERIFY_DIAG },
    { "tls.version.tls13_only", "haproxy",
      "HAProxy: ssl-min-ver TLSv1.2 on the bind line (not TLSv1.3)." VERIFY_DIAG },
    { "tls.cipher.no_common", "nginx",
      "nginx: ssl_ciphers with Mozilla's intermediate list, ssl_prefer_server_ciphers off, "
      "and ssl_ecdh_curve X25519:prime256v1:secp384r1;" VERIFY_DIAG },
    { "tls.cipher.no_common", "apache",
      "Apache httpd: SSLCipherSuite with Mozilla's intermediate list and SSLHonorCipherOrder "
      "off." VERIFY_DIAG },
    { "tls.cipher.no_common", "haproxy",
      "HAProxy: ssl-default-bind-ciphers / ssl-default-bind-ciphersuites with Mozilla's "
      "intermediate lists in global." VERIFY_DIAG },
    { "proto.plain_http", "nginx",
      "nginx: the listener on PORT lacks ssl: write listen PORT ssl; with ssl_certificate and "
      "ssl_certificate_key in that server block." VERIFY_DIAG },
    { "proto.plain_http", "apache",
      "Apache httpd: the <VirtualHost *:PORT> needs SSLEngine on, SSLCertificateFile and "
      "SSLCertificateKeyFile (a2enmod ssl; a2ensite default-ssl)." VERIFY_DIAG },
    { "proto.plain_http", "haproxy",
      "HAProxy: bind :PORT ssl crt /etc/haproxy/certs/HOST.pem (the ssl keyword is "
      "missing)." VERIFY_DIAG },
    { "tls.sni.required", "nginx",
      "nginx: the default server has ssl_reject_handshake on; give it a certificate instead "
      "(or make the proxies in front send SNI: proxy_ssl_server_name on)." VERIFY_DIAG },
    { "tls.sni.default_cert_mismatch", "nginx",
      "nginx: add default_server to the listen line of the HOST block (listen PORT ssl "
      "default_server;), or set proxy_ssl_server_name on; in the proxies in front." VERIFY_DIAG },
    { "tls.sni.default_cert_mismatch", "apache",
      "Apache httpd: the first <VirtualHost *:PORT> is the default without SNI: list the "
      "HOST vhost first (apachectl -S shows the order)." VERIFY_DIAG },
    { "tls.client_cert.required", "nginx",
      "nginx: ssl_verify_client optional; (or off) for public locations, and check "
      "$ssl_client_verify only where mutual TLS is needed." VERIFY_DIAG },
    { "tls.client_cert.required", "apache",
      "Apache httpd: SSLVerifyClient none at server level; require it only in the "
      "<Location> that needs it." VERIFY_DIAG },
    { "tls.client_cert.required", "haproxy",
      "HAProxy: verify optional on the bind line (instead of verify required), and check "
      "ssl_c_verify in ACLs where needed." VERIFY_DIAG },
    /* HAProxy sends its own 503 when no server of the backend is usable (configuration
     * manual, "5.2 Server and default-server options", and its default error pages). */
    { "http.status.unavailable", "haproxy",
      "HAProxy answered 503 itself: no server of the backend is up. Check the servers' state "
      "(echo 'show servers state' | socat stdio UNIX-CONNECT:/run/haproxy/admin.sock, or the "
      "stats page), the health check (option httpchk) and that the application listens; for "
      "planned maintenance use http-request return status 503 hdr Retry-After 3600." VERIFY_DIAG },
    { "http.status.unavailable", "nginx",
      "nginx: for planned maintenance, return 503 with add_header Retry-After 3600 always; "
      "an unreachable upstream shows as 502/504 in error.log (grep upstream)." VERIFY_DIAG },
    /* ---- Rows added for lighttpd, IIS, Caddy, Traefik, Envoy, and the neutral "*" rows ---- */
    { "cert.chain.missing_intermediate", "caddy",
      "Caddy: the cert_file of tls <cert_file> <key_file> must hold the leaf followed by the "
      "intermediates (fullchain.pem), then caddy reload; certificates Caddy obtains itself "
      "are always served with their chain." VERIFY_CHAIN },
    { "cert.chain.missing_intermediate", "traefik",
      "Traefik: the certFile of the tls.certificates entry (or the Kubernetes TLS secret's "
      "tls.crt) must hold the leaf followed by the intermediates (fullchain.pem); the file "
      "provider reloads it when it changes." VERIFY_CHAIN },
    { "cert.chain.missing_intermediate", "envoy",
      "Envoy: common_tls_context.tls_certificates[].certificate_chain must name the full chain "
      "(leaf then intermediates), e.g. filename: /etc/envoy/fullchain.pem; reload through SDS "
      "or a hot restart." VERIFY_CHAIN },
    { "cert.chain.missing_intermediate", "*",
      "Serve the full chain: the server's certificate file must hold the leaf followed by the "
      "intermediate certificates (fullchain.pem, not cert.pem); then reload the "
      "server." VERIFY_CHAIN },
    /* Rows for the findings added with issue 11/12 (wrong intermediate, weak DH, TLS on an
     * http:// port, an oversized response head). */
    { "cert.chain.wrong_intermediate", "nginx",
      "nginx: ssl_certificate must name the leaf followed by the intermediates of the CA that "
      "issued it (that CA's fullchain.pem, not a bundle from another CA), then nginx -s "
      "reload." VERIFY_CHAIN },
    { "cert.chain.wrong_intermediate", "apache",
      "Apache: SSLCertificateFile (2.4.8+) must hold the leaf then the intermediates of the CA "
      "that issued it; remove a SSLCertificateChainFile from another CA; then apachectl "
      "graceful." VERIFY_CHAIN },
    { "cert.chain.wrong_intermediate", "haproxy",
      "HAProxy: the crt PEM must hold the leaf, the intermediates of the CA that issued it and "
      "the key; replace the chain part, then reload HAProxy." VERIFY_CHAIN },
    { "cert.chain.wrong_intermediate", "*",
      "Replace the chain file with the intermediates of the CA that issued this certificate "
      "(the CA's download, or the URL in the certificate's Authority Information Access: "
      "openssl x509 -in cert.pem -noout -ext authorityInfoAccess), then reload the "
      "server." VERIFY_CHAIN },
    { "tls.dh.weak", "nginx",
      "nginx: drop DHE from ssl_ciphers (ECDHE suites only), or point ssl_dhparam at a "
      "2048-bit or larger group (the RFC 7919 ffdhe2048 file), then nginx -s reload." VERIFY_DIAG },
    { "tls.dh.weak", "apache",
      "Apache: drop DHE from SSLCipherSuite, or give a 2048-bit group with SSLOpenSSLConfCmd "
      "DHParameters /etc/ssl/ffdhe2048.pem, then apachectl graceful." VERIFY_DIAG },
    { "tls.dh.weak", "haproxy",
      "HAProxy: drop DHE from ssl-default-bind-ciphers, or set ssl-dh-param-file to a 2048-bit "
      "or larger group (tune.ssl.default-dh-param 2048), then reload." VERIFY_DIAG },
    { "tls.dh.weak", "*",
      "Offer ECDHE suites and drop DHE, or configure a 2048-bit or larger DH group (the RFC "
      "7919 ffdhe2048 parameters) in the server's TLS settings, then reload it." VERIFY_DIAG },
    { "cert.chain.too_long", "*",
      "Rebuild the chain file from the leaf and the intermediates that issued it (nothing "
      "else), then reload the server." VERIFY_CHAIN },
    { "proto.tls_on_http_port", "*",
      "This port is an HTTPS port: use https:// in the URL, or serve plain HTTP on this port "
      "(usually only to redirect to https://). Verify: curl -sv http://HOST:PORT/" },
    { "http.response.head_too_large", "*",
      "Shrink the response headers (large Set-Cookie, Content-Security-Policy, debug or "
      "tracing headers) below 4 KiB, or raise the buffer of the proxy in front. Verify: curl "
      "-sv -o /dev/null https://HOST:PORT/ 2>&1 | wc -c" },
    { "cert.expired", "lighttpd",
      "lighttpd: renew (certbot renew, or your CA), point ssl.pemfile / ssl.privkey at the new "
      "files, then systemctl restart lighttpd." VERIFY_DATES },
    { "cert.expired", "caddy",
      "Caddy renews the certificates it manages itself: check its log for failed ACME "
      "challenges (journalctl -u caddy | grep -i -e obtain -e renew); for tls <cert_file> "
      "<key_file> replace the files, then caddy reload." VERIFY_DATES },
    { "cert.expired", "traefik",
      "Traefik: check the certResolver's log for failed ACME renewals (the acme.json store); "
      "for a tls.certificates entry replace certFile/keyFile (the file provider reloads "
      "them)." VERIFY_DATES },
    { "cert.expired", "envoy",
      "Envoy: install the renewed chain at the path named by tls_certificates.certificate_chain "
      "and private_key, then reload (SDS picks up the change; static files need a hot "
      "restart)." VERIFY_DATES },
    { "cert.expired", "*",
      "Renew the certificate (certbot renew, or your CA's portal), install the new full-chain "
      "file and reload the server: servers keep the old certificate until they "
      "reload." VERIFY_DATES },
    { "cert.hostname.mismatch", "lighttpd",
      "lighttpd: give HOST its certificate in a $HTTP[\"host\"] == \"HOST\" { ssl.pemfile = ... "
      "ssl.privkey = ... } condition (chosen by SNI), or a certificate whose subjectAltName "
      "lists HOST." VERIFY_DIAG },
    { "cert.hostname.mismatch", "iis",
      "IIS: bind a certificate listing HOST to the site (IIS Manager > Bindings > https, host "
      "name HOST, Require Server Name Indication); netsh http show sslcert lists the "
      "bindings." VERIFY_DIAG },
    { "cert.hostname.mismatch", "caddy",
      "Caddy: add HOST to the site address (HOST { ... } in the Caddyfile) so that Caddy "
      "obtains a certificate for it, or pass one listing HOST with tls <cert_file> <key_file>; "
      "then caddy reload." VERIFY_DIAG },
    { "cert.hostname.mismatch", "traefik",
      "Traefik: the router for HOST needs rule Host(`HOST`) with tls.certResolver (or a "
      "tls.certificates entry listing HOST); without one Traefik serves its default "
      "certificate." VERIFY_DIAG },
    { "cert.hostname.mismatch", "envoy",
      "Envoy: add a filter chain with filter_chain_match.server_names: [HOST] and a "
      "certificate listing HOST in its tls_certificates." VERIFY_DIAG },
    { "cert.hostname.mismatch", "*",
      "Issue a certificate whose subjectAltName lists HOST (certbot -d HOST), or fix the "
      "virtual host that answers for HOST; browsers ignore the CN, only SANs "
      "count." VERIFY_DIAG },
    { "cert.self_signed", "lighttpd",
      "lighttpd: replace the self-signed ssl.pemfile with a CA-issued chain (certbot certonly "
      "--webroot -d HOST) and its ssl.privkey, then restart lighttpd." VERIFY_DIAG },
    { "cert.self_signed", "iis",
      "IIS: replace the self-signed certificate in the site's https binding with a CA-issued "
      "one (win-acme, or import a .pfx with the chain)." VERIFY_DIAG },
    { "cert.self_signed", "caddy",
      "Caddy: remove tls internal (or the self-signed tls <cert_file> <key_file>) from the site "
      "block so that Caddy obtains a public certificate for HOST, then caddy "
      "reload." VERIFY_DIAG },
    { "cert.self_signed", "traefik",
      "Traefik: give the router for HOST a tls.certResolver (ACME) or a CA-issued "
      "tls.certificates entry." VERIFY_DIAG },
    { "cert.self_signed", "envoy",
      "Envoy: point tls_certificates.certificate_chain / private_key at a CA-issued chain for "
      "HOST." VERIFY_DIAG },
    { "cert.self_signed", "*",
      "Install a certificate from a public CA for HOST (e.g. certbot -d HOST) or, behind "
      "Cloudflare, a Cloudflare Origin CA certificate; for private services, distribute the "
      "certificate to clients and test with --ca-file." VERIFY_DIAG },
    { "tls.version.legacy_only", "caddy", MIN12_CADDY "." VERIFY_TLS12 },
    { "tls.version.legacy_only", "traefik", MIN12_TRAEFIK "." VERIFY_TLS12 },
    { "tls.version.legacy_only", "envoy", MIN12_ENVOY "." VERIFY_TLS12 },
    { "tls.version.legacy_only", "*",
      "Enable TLS 1.2 and 1.3 in the server's TLS settings, upgrading an old TLS library if "
      "needed." VERIFY_TLS12 },
    { "tls.version.obsolete_enabled", "nginx", MIN12_NGINX "." VERIFY_DIAG },
    { "tls.version.obsolete_enabled", "apache", MIN12_APACHE "." VERIFY_DIAG },
    { "tls.version.obsolete_enabled", "haproxy", MIN12_HAPROXY "." VERIFY_DIAG },
    { "tls.version.obsolete_enabled", "lighttpd", MIN12_LIGHTTPD "." VERIFY_DIAG },
    { "tls.version.obsolete_enabled", "iis", MIN12_IIS "." VERIFY_DIAG },
    { "tls.version.obsolete_enabled", "caddy", MIN12_CADDY "." VERIFY_DIAG },
    { "tls.version.obsolete_enabled", "traefik", MIN12_TRAEFIK "." VERIFY_DIAG },
    { "tls.version.obsolete_enabled", "envoy", MIN12_ENVOY "." VERIFY_DIAG },
    { "tls.version.obsolete_enabled", "*",
      "Turn off SSLv3, TLS 1.0 and TLS 1.1 in the server's TLS settings unless a known old "
      "client needs them." VERIFY_DIAG },
    { "tls.version.no_common", "nginx", MIN12_NGINX "." VERIFY_TLS12 },
    { "tls.version.no_common", "apache", MIN12_APACHE "." VERIFY_TLS12 },
    { "tls.version.no_common", "haproxy", MIN12_HAPROXY "." VERIFY_TLS12 },
    { "tls.version.no_common", "lighttpd", MIN12_LIGHTTPD "." VERIFY_TLS12 },
    { "tls.version.no_common", "iis", MIN12_IIS "." VERIFY_TLS12 },
    { "tls.version.no_common", "caddy", MIN12_CADDY "." VERIFY_TLS12 },
    { "tls.version.no_common", "traefik", MIN12_TRAEFIK "." VERIFY_TLS12 },
    { "tls.version.no_common", "envoy", MIN12_ENVOY "." VERIFY_TLS12 },
    { "tls.version.no_common", "*",
      "Enable TLS 1.2 and TLS 1.3 in the server's TLS settings." VERIFY_TLS12 },
    { "tls.version.tls13_only", "lighttpd",
      "lighttpd: ssl.openssl.ssl-conf-cmd = (\"MinProtocol\" => \"TLSv1.2\") instead of "
      "TLSv1.3." VERIFY_TLS12 },
    { "tls.version.tls13_only", "iis",
      "IIS / Windows: enable TLS 1.2 in SCHANNEL (Protocols\\TLS 1.2\\Server Enabled=1) or "
      "with IIS Crypto, and do not tick \"Disable legacy TLS\" on the binding." VERIFY_TLS12 },
    { "tls.version.tls13_only", "caddy",
      "Caddy: tls { protocols tls1.2 tls1.3 } (not protocols tls1.3), then caddy "
      "reload." VERIFY_TLS12 },
    { "tls.version.tls13_only", "traefik",
      "Traefik: tls.options minVersion: VersionTLS12 (not VersionTLS13) for the routers of "
      "HOST." VERIFY_TLS12 },
    { "tls.version.tls13_only", "envoy",
      "Envoy: tls_params.tls_minimum_protocol_version: TLSv1_2 (not TLSv1_3)." VERIFY_TLS12 },
    { "tls.version.tls13_only", "*",
      "Unless every client is known to speak TLS 1.3, also enable TLS 1.2 in the server's TLS "
      "settings." VERIFY_TLS12 },
    { "tls.cipher.no_common", "lighttpd",
      "lighttpd: ssl.openssl.ssl-conf-cmd = (\"MinProtocol\" => \"TLSv1.2\", \"CipherString\" "
      "=> \"ECDHE+AESGCM:ECDHE+CHACHA20\") and ECDHE curves (\"Curves\" => "
      "\"X25519:prime256v1\")." VERIFY_DIAG },
    { "tls.cipher.no_common", "iis",
      "IIS / Windows: enable the ECDHE AES-GCM suites (IIS Crypto's Best Practices template, "
      "or Enable-TlsCipherSuite in PowerShell) and TLS 1.2, then reboot." VERIFY_DIAG },
    { "tls.cipher.no_common", "caddy",
      "Caddy: remove the ciphers and curves subdirectives of tls to get Caddy's defaults, "
      "then caddy reload." VERIFY_DIAG },
    { "tls.cipher.no_common", "traefik",
      "Traefik: remove cipherSuites and curvePreferences from the tls.options in use (Go's "
      "defaults are current), or list TLS_ECDHE_*_WITH_AES_128_GCM_SHA256." VERIFY_DIAG },
    { "tls.cipher.no_common", "envoy",
      "Envoy: remove tls_params.cipher_suites and ecdh_curves (the defaults are current), or "
      "include ECDHE-ECDSA-AES128-GCM-SHA256 / ECDHE-RSA-AES128-GCM-SHA256." VERIFY_DIAG },
    { "tls.cipher.no_common", "*",
      "Offer current suites and groups (Mozilla's 'intermediate' configuration: ECDHE with "
      "AES-GCM or ChaCha20, X25519 and P-256) and check that the certificate's key type "
      "matches the suites." VERIFY_DIAG },
    { "tls.cipher.no_common_modern", "*",
      "Enable TLS 1.3 and ECDHE with AES-GCM or ChaCha20 in the server's TLS settings "
      "(Mozilla's 'intermediate' configuration)." VERIFY_DIAG },
    { "tls.cipher.weak_enabled", "*",
      "Remove NULL, anonymous, export, RC4, DES and 3DES suites from the server's cipher list "
      "(Mozilla's 'intermediate' list has none)." VERIFY_DIAG },
    { "tls.group.no_hello_retry", "*",
      "Update the TLS library or the device in front of the server and check its supported "
      "groups (X25519, P-256)." VERIFY_DIAG },
    { "proto.plain_http", "lighttpd",
      "lighttpd: the $SERVER[\"socket\"] == \":PORT\" block needs ssl.engine = \"enable\" with "
      "ssl.pemfile and ssl.privkey (server.modules += (\"mod_openssl\"))." VERIFY_DIAG },
    { "proto.plain_http", "iis",
      "IIS: the site binding on PORT is of type http: add an https binding on PORT with a "
      "certificate (IIS Manager > Bindings)." VERIFY_DIAG },
    { "proto.plain_http", "caddy",
      "Caddy: the site address starts with http:// or names port PORT for plain HTTP: write "
      "https://HOST:PORT (or just HOST), then caddy reload." VERIFY_DIAG },
    { "proto.plain_http", "traefik",
      "Traefik: the router on the entryPoint for PORT needs tls (tls: {} or tls.certResolver) "
      "in its configuration." VERIFY_DIAG },
    { "proto.plain_http", "envoy",
      "Envoy: the listener on PORT has no transport_socket: add envoy.transport_sockets.tls "
      "with a DownstreamTlsContext and its tls_certificates." VERIFY_DIAG },
    { "proto.plain_http", "*",
      "Enable TLS on the listener for PORT (certificate and key), or point clients at the TLS "
      "port; a CDN in Flexible mode expects port 80 instead." VERIFY_DIAG },
    { "tls.client_cert.required", "lighttpd",
      "lighttpd: ssl.verifyclient.activate = \"disable\" (or ssl.verifyclient.enforce = "
      "\"disable\" to ask without requiring) outside the paths that need mutual "
      "TLS." VERIFY_DIAG },
    { "tls.client_cert.required", "iis",
      "IIS: SSL Settings > Client certificates: Ignore (or Accept) for the site, Require only "
      "on the applications that need it." VERIFY_DIAG },
    { "tls.client_cert.required", "caddy",
      "Caddy: tls { client_auth { mode verify_if_given } } (or remove client_auth) for public "
      "sites, then caddy reload." VERIFY_DIAG },
    { "tls.client_cert.required", "traefik",
      "Traefik: tls.options clientAuth.clientAuthType: VerifyClientCertIfGiven (or "
      "NoClientCert) for the routers of HOST." VERIFY_DIAG },
    { "tls.client_cert.required", "envoy",
      "Envoy: require_client_certificate: false in the DownstreamTlsContext (validate in the "
      "routes that need it)." VERIFY_DIAG },
    { "tls.client_cert.required", "*",
      "Clients must present a certificate from a CA the server trusts (curl --cert FILE --key "
      "FILE); if the service should be public, make client certificates optional in the "
      "server's TLS settings." VERIFY_DIAG },
    { "tls.sni.unrecognized_name", "nginx",
      "nginx: add a server block with server_name HOST; and its certificate to the listen "
      "PORT ssl servers (the default server has ssl_reject_handshake on)." VERIFY_DIAG },
    { "tls.sni.unrecognized_name", "haproxy",
      "HAProxy: the bind line has strict-sni and no crt for HOST: add a crt (or crt-list "
      "entry) for HOST." VERIFY_DIAG },
    { "tls.sni.unrecognized_name", "caddy",
      "Caddy: add HOST to a site address so that Caddy has a certificate for it, then caddy "
      "reload." VERIFY_DIAG },
    { "tls.sni.unrecognized_name", "envoy",
      "Envoy: add HOST to a filter chain's filter_chain_match.server_names, with its "
      "certificate." VERIFY_DIAG },
    { "tls.sni.unrecognized_name", "*",
      "Configure the name HOST on the server with its certificate, or check that DNS points "
      "at the right server." VERIFY_DIAG },
    { "tls.sni.required", "haproxy",
      "HAProxy: remove strict-sni from the bind line (the first crt is then the default), or "
      "make the proxies in front send SNI." VERIFY_DIAG },
    { "tls.sni.required", "*",
      "If clients without SNI matter, give the server a default certificate for names it "
      "does not know instead of refusing them, or make the proxy in front send "
      "SNI." VERIFY_DIAG },
    { "tls.sni.default_cert_mismatch", "haproxy",
      "HAProxy: the first certificate loaded on the bind line is the default: list HOST's crt "
      "first (or use default-crt in HAProxy 3.0+)." VERIFY_DIAG },
    { "tls.sni.default_cert_mismatch", "*",
      "Make the certificate for HOST the server's default one (served without SNI), or make "
      "the proxy in front send SNI." VERIFY_DIAG },
    { "tls.handshake.closed", "*",
      "Check the server's error log at the time of the test; a missing certificate or key on "
      "the listener is common." VERIFY_DIAG },
    { "tcp.connect.refused", "*",
      "Start the server or make it listen on PORT, and check that a firewall REJECT rule is "
      "not in the way; verify with: ss -ltnp | grep :PORT on the server." },
    { "tcp.connect.partial", "*",
      "Remove dead addresses from DNS or fix the listener on them (for AAAA records, make the "
      "server listen on IPv6 too)." },
    { "http.response.plain_http_page", "*",
      "Make the hop behind the TLS terminator speak TLS (an https:// upstream; ALB: an HTTPS "
      "target group) or point it at the server's plain-HTTP port." VERIFY_CURL },
    { "http.redirect.loop", "*",
      "Behind a TLS terminator the application sees plain HTTP and redirects to HTTPS again: "
      "make the terminator send X-Forwarded-Proto and the application trust it, or terminate "
      "TLS at the origin too (Cloudflare Full (strict)). Verify with: curl -sIL --max-redirs "
      "6 https://HOST:PORT/." },
    { "http.redirect.to_http", "*",
      "Redirect to https:// URLs only (check the application's base URL and the server's "
      "redirect rules)." VERIFY_CURL },
    { "http.response.slow", "*",
      "Profile the request in the application; keep responses well under the read timeouts "
      "of the proxies in front (ALB idle timeout, Cloudflare 100 s)." VERIFY_CURL },
    { "http.status.misdirected", "*",
      "Give the virtual hosts that share an address compatible TLS settings, or make clients "
      "send SNI equal to the Host header." VERIFY_CURL },
    { "http.hsts.incomplete", "nginx",
      "nginx: add_header Strict-Transport-Security \"max-age=31536000; includeSubDomains; "
      "preload\" always; once every subdomain serves HTTPS." VERIFY_CURL },
    { "http.hsts.incomplete", "apache",
      "Apache httpd: Header always set Strict-Transport-Security \"max-age=31536000; "
      "includeSubDomains; preload\" (mod_headers) once every subdomain serves "
      "HTTPS." VERIFY_CURL },
    { "http.hsts.incomplete", "haproxy",
      "HAProxy: http-response set-header Strict-Transport-Security \"max-age=31536000; "
      "includeSubDomains; preload\" in the frontend once every subdomain serves "
      "HTTPS." VERIFY_CURL },
    { "http.hsts.incomplete", "caddy",
      "Caddy: header Strict-Transport-Security \"max-age=31536000; includeSubDomains; "
      "preload\" in the site block once every subdomain serves HTTPS." VERIFY_CURL },
    { "http.hsts.incomplete", "*",
      "Send Strict-Transport-Security: max-age=31536000; includeSubDomains; preload once "
      "every subdomain serves HTTPS." VERIFY_CURL },
};

const char *td_fix_for(const char *id, const char *server)
{
    if (server == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < TD_ARRAY_LEN(rows); i++) {
        if (strcmp(rows[i].id, id) == 0 && strcmp(rows[i].server, server) == 0) {
            return rows[i].fix;
        }
    }
    /* Known software without a row of its own: the neutral text, never another server's. */
    for (size_t i = 0; i < TD_ARRAY_LEN(rows); i++) {
        if (strcmp(rows[i].id, id) == 0 && strcmp(rows[i].server, "*") == 0) {
            return rows[i].fix;
        }
    }
    return NULL;
}
