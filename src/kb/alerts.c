/* alerts.c: names of TLS alert descriptions, for reports and explanations.
 * Data only; never decides anything. */
#include "kb.h"

#include <string.h>

/* RFC 8446 §6 / RFC 5246 §7.2 AlertDescription registry. */
static const struct {
    int code;
    const char *name;
} alert_names[] = { { 0, "close_notify" },
                    { 10, "unexpected_message" },
                    { 20, "bad_record_mac" },
                    { 21, "decryption_failed" },
                    { 22, "record_overflow" },
                    { 30, "decompression_failure" },
                    { 40, "handshake_failure" },
                    { 41, "no_certificate" },
                    { 42, "bad_certificate" },
                    { 43, "unsupported_certificate" },
                    { 44, "certificate_revoked" },
                    { 45, "certificate_expired" },
                    { 46, "certificate_unknown" },
                    { 47, "illegal_parameter" },
                    { 48, "unknown_ca" },
                    { 49, "access_denied" },
                    { 50, "decode_error" },
                    { 51, "decrypt_error" },
                    { 60, "export_restriction" },
                    { 70, "protocol_version" },
                    { 71, "insufficient_security" },
                    { 80, "internal_error" },
                    { 86, "inappropriate_fallback" },
                    { 90, "user_canceled" },
                    { 100, "no_renegotiation" },
                    { 109, "missing_extension" },
                    { 110, "unsupported_extension" },
                    { 111, "certificate_unobtainable" },
                    { 112, "unrecognized_name" },
                    { 113, "bad_certificate_status_response" },
                    { 114, "bad_certificate_hash_value" },
                    { 115, "unknown_psk_identity" },
                    { 116, "certificate_required" },
                    { 120, "no_application_protocol" } };

const char *td_alert_name(int desc)
{
    for (size_t i = 0; i < TD_ARRAY_LEN(alert_names); i++) {
        if (alert_names[i].code == desc) {
            return alert_names[i].name;
        }
    }
    return "unknown";
}

/* Default CA names of TLS-inspecting products (proxies, firewalls, antivirus, debugging
 * proxies), matched as substrings of the issuer or subject. */
static const struct {
    const char *needle;
    const char *product;
} interceptors[] = {
    { "Zscaler", "Zscaler" },
    { "Fortinet", "Fortinet FortiGate" },
    { "FortiGate", "Fortinet FortiGate" },
    { "Palo Alto", "Palo Alto Networks" },
    { "Netskope", "Netskope" },
    { "Blue Coat", "Symantec/Blue Coat ProxySG" },
    { "Sophos", "Sophos" },
    { "Kaspersky", "Kaspersky" },
    { "ESET SSL Filter", "ESET" },
    { "Avast", "Avast" },
    { "AVG Web", "AVG" },
    { "Bitdefender", "Bitdefender" },
    { "Cisco Umbrella", "Cisco Umbrella" },
    { "Check Point", "Check Point" },
    { "mitmproxy", "mitmproxy" },
    { "Charles Proxy", "Charles Proxy" },
    { "DO_NOT_TRUST_FiddlerRoot", "Fiddler" },
    { "PortSwigger", "Burp Suite" },
};

const char *td_interception_product(const char *name)
{
    for (size_t i = 0; i < TD_ARRAY_LEN(interceptors); i++) {
        if (strstr(name, interceptors[i].needle) != NULL) {
            return interceptors[i].product;
        }
    }
    return NULL;
}
