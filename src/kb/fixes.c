/* fixes.c: per-server fixes. Directives as documented by each server; facts on defaults from
 * ../shared/failure-kb.md §2 [NGX-SRC][HTTPD-KERNEL]. Never does I/O. */
#include "fixes.h"

#include <string.h>

struct fix_row {
    const char *id;
    const char *server;
    const char *fix;
};

#define VERIFY_CHAIN \
    " Verify: openssl s_client -connect HOST:PORT -servername HOST -showcerts </dev/null"
#define VERIFY_DATES                                                                              \
    " Verify: echo | openssl s_client -connect HOST:PORT -servername HOST 2>/dev/null | openssl " \
    "x509 -noout -dates -subject"
#define VERIFY_DIAG " Verify: tlsdoctor HOST:PORT"

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
    return NULL;
}
