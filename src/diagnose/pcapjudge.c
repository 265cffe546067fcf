/* pcapjudge.c: the outcome of one captured connection and its finding id, from the facts
 * passive/pcap.c collected. The ids are those of the active diagnosis where the meaning is
 * the same (docs/json.md); alert meanings from RFC 8446 §6.2 and ../shared/failure-kb.md. */
#include "../passive/pcap.h"

#include "../kb/kb.h"

#include <string.h>

#define EV(...) td_fmt(c->evidence, sizeof(c->evidence), __VA_ARGS__)

static void set(td_pcap_conn_t *c, const char *outcome, const char *finding)
{
    c->outcome = outcome;
    c->finding = finding;
}

/* A fatal alert the server sent in answer to the ClientHello. */
static const char *server_alert_finding(const td_pcap_conn_t *c)
{
    switch (c->sh.alert_desc) {
    case 112: /* unrecognized_name: no certificate / virtual host for the SNI */
        return "tls.sni.unrecognized_name";
    case 70: /* protocol_version: no version in common */
        return "tls.version.no_common";
    case 71: /* insufficient_security: the client's suites are all too weak for it */
        return "tls.cipher.no_common";
    case 116: /* certificate_required (TLS 1.3) */
        return "tls.client_cert.required";
    case 40:
        if (c->sh.has_cert_request) {
            return "tls.client_cert.required";
        }
        return "tls.handshake.failed";
    default:
        return "tls.handshake.failed";
    }
}

/* A fatal alert the client sent: it rejected what the server offered. */
static const char *client_alert_finding(const td_pcap_conn_t *c)
{
    switch (c->ch.alert_desc) {
    case 45: /* certificate_expired */
        return "cert.expired";
    case 42: /* bad_certificate */
    case 43: /* unsupported_certificate */
    case 44: /* certificate_revoked */
    case 46: /* certificate_unknown */
    case 48: /* unknown_ca */
        return "cert.rejected_by_client";
    default:
        return "tls.handshake.failed";
    }
}

/* A plaintext alert that ends the handshake: fatal (RFC 5246 §7.2), or close_notify. A
 * warning such as unrecognized_name (level 1, RFC 6066 §3) lets the handshake go on. */
static bool ends(int has, uint8_t level, uint8_t desc)
{
    return has && (level != 1 || desc == 0);
}

static bool cert_dates(td_pcap_conn_t *c)
{
    if (c->n_certs == 0) {
        return false;
    }
    const td_pcap_cert_t *leaf = &c->certs[0];
    int64_t t = (int64_t)c->t.ts_first;
    if (leaf->not_after != 0 && t > leaf->not_after) {
        set(c, c->outcome, "cert.expired");
        EV("leaf %s expired %lld s before the capture", leaf->subject,
           (long long)(t - leaf->not_after));
        return true;
    }
    if (leaf->not_before != 0 && t < leaf->not_before) {
        set(c, c->outcome, "cert.not_yet_valid");
        EV("leaf %s valid only %lld s after the capture", leaf->subject,
           (long long)(leaf->not_before - t));
        return true;
    }
    if (c->cert_name_ok == 0) {
        set(c, c->outcome, "cert.hostname.mismatch");
        EV("SNI %s not in leaf %s (%s)", c->ch.sni, leaf->subject, leaf->sans);
        return true;
    }
    return false;
}

static void judge(td_pcap_conn_t *c)
{
    const td_client_flight_t *ch = &c->ch;
    const td_server_flight_t *sh = &c->sh;
    c->evidence[0] = '\0';
    c->finding = NULL;
    bool no_server_bytes = c->t.bytes_server == 0;

    if (c->t.syn && !c->t.synack && c->t.bytes_client == 0 && c->t.bytes_server == 0) {
        if (c->t.rst_server) {
            set(c, "refused", "tcp.connect.refused");
            EV("SYN answered by RST");
        } else {
            set(c, "filtered", "tcp.connect.timeout");
            EV("SYN without SYN-ACK");
        }
        return;
    }
    if (ch->http_request) {
        if (c->server_tls || (c->server_page != NULL && strstr(c->server_page, "plain HTTP"))) {
            set(c, "http_to_tls_port", "http.response.plain_http_page");
            EV("client sent an HTTP request; the server answered %s",
               c->server_tls ? "in TLS" : "with its \"plain HTTP to HTTPS port\" page");
        } else {
            set(c, "http", NULL);
        }
        return;
    }
    if (!ch->has_hello) {
        bool tls_seen = c->server_tls || (ch->records > 0 && !ch->non_tls);
        if (!c->t.syn && !ch->sslv2_hello && !ch->need_more && tls_seen) {
            /* The capture began after the ClientHello: TLS, but no handshake to judge. */
            set(c, "midstream", NULL);
            EV("the capture began inside the connection (no SYN, no ClientHello)%s",
               sh->has_server_hello ? "; the ServerHello was captured" : "");
            return;
        }
        if (ch->sslv2_hello) {
            set(c, "sslv2_hello", NULL);
            EV("an SSLv2 CLIENT-HELLO that could not be read");
        } else if (c->t.bytes_client == 0) {
            set(c, c->t.synack ? "no_data" : "tcp_only", NULL);
        } else if (ch->need_more) {
            set(c, "client_hello_incomplete", NULL);
            EV("ClientHello not complete in %llu bytes%s", (unsigned long long)c->t.bytes_client,
               c->t.gap_client ? " (a gap in the client's stream)" : "");
        } else {
            set(c, "other", NULL);
        }
        return;
    }
    /* From here on a ClientHello was seen. */
    if (c->server_http) {
        set(c, "tls_to_plain_port", "proto.plain_http");
        EV("ClientHello answered with HTTP %d", c->server_http_status);
        return;
    }
    if (no_server_bytes) {
        if (c->t.first_close == 1) {
            set(c, "no_answer", "proto.silent");
            EV("ClientHello%s, no reply; the client gave up after %.1f s",
               c->t.retrans_client ? " (retransmitted)" : "", c->t.ts_last - c->t.ts_first);
        } else if (c->t.rst_server) {
            set(c, "reset_after_hello", "proto.reset");
            EV("RST from the server right after the ClientHello");
        } else if (c->t.fin_server) {
            set(c, "closed_after_hello", "proto.closed");
            EV("FIN from the server right after the ClientHello");
        } else if (c->t.capture_ended && !c->t.retrans_client) {
            set(c, "incomplete", NULL);
            EV("the capture ended %.1f s after the ClientHello, before any reply",
               c->t.ts_last - c->t.ts_first);
        } else {
            set(c, "no_answer", "proto.silent");
            EV("ClientHello%s, no reply in %.1f s", c->t.retrans_client ? " (retransmitted)" : "",
               c->t.ts_last - c->t.ts_first);
        }
        return;
    }
    if (sh->sslv2) {
        set(c, "sslv2_server", "proto.sslv2");
        return;
    }
    if (sh->non_tls) {
        set(c, "other", "proto.unknown");
        EV("reply to the ClientHello is not TLS");
        return;
    }
    bool sh_alert = ends(sh->has_alert, sh->alert_level, sh->alert_desc);
    bool ch_alert = ends(ch->has_alert, ch->alert_level, ch->alert_desc);
    if (sh_alert && !sh->has_server_hello) {
        set(c, "alert", server_alert_finding(c));
        EV("server alert %u %s (level %u) in answer to the ClientHello", sh->alert_desc,
           td_alert_name(sh->alert_desc), sh->alert_level);
        return;
    }
    /* The server chose a version below TLS 1.2 although the client offered 1.2 or later: a
     * server that had 1.2 would have chosen it (RFC 8446 §4.1.3), so it has only legacy
     * versions, whatever the client then did about it. */
    uint16_t offered = ch->legacy_version;
    for (int i = 0; i < ch->n_versions; i++) {
        if (!td_is_grease(ch->versions[i]) && ch->versions[i] > offered) {
            offered = ch->versions[i];
        }
    }
    bool legacy = sh->has_server_hello && sh->version < TD_V_TLS12 && offered >= TD_V_TLS12;
    if (legacy && (ch_alert || sh_alert)) {
        set(c, "alert", "tls.version.legacy_only");
        EV("client offered up to %s; the server chose %s", td_version_name(offered),
           td_version_name(sh->version));
        if (ch_alert) {
            td_fmt_append(c->evidence, sizeof(c->evidence), "; client alert %u %s", ch->alert_desc,
                          td_alert_name(ch->alert_desc));
        }
        return;
    }
    if (ch_alert) {
        set(c, "alert", client_alert_finding(c));
        EV("client alert %u %s (level %u)%s", ch->alert_desc, td_alert_name(ch->alert_desc),
           ch->alert_level, c->n_certs > 0 ? " after the server's certificate" : "");
        if (c->n_certs > 0) {
            td_fmt_append(c->evidence, sizeof(c->evidence), ": %s issued by %s",
                          c->certs[0].subject, c->certs[0].issuer);
        }
        return;
    }
    if (sh_alert) {
        set(c, "alert", server_alert_finding(c));
        EV("server alert %u %s (level %u) after its ServerHello", sh->alert_desc,
           td_alert_name(sh->alert_desc), sh->alert_level);
        return;
    }
    /* TLS 1.3 encrypts the client's alert: one record of an alert's size (2 bytes + content
     * type + 16-byte tag = 19, RFC 8446 §5.2) and nothing more is a client that gave up. */
    if (sh->has_server_hello && td_version_is_tls13(sh->version) && ch->app_records == 1 &&
        ch->first_app_len <= 19 + 4 && (c->t.fin_client || c->t.rst_client)) {
        set(c, "client_rejected", "cert.rejected_by_client");
        EV("TLS 1.3: the client answered the server's flight with one %zu-byte encrypted "
           "record (an alert's size) and closed",
           ch->first_app_len);
        return;
    }
    /* TLS 1.3: the client's Finished is an application_data record (its CCS may come before
     * its second ClientHello); TLS <= 1.2: its ChangeCipherSpec. */
    bool client_done = td_version_is_tls13(sh->version) ? ch->app_data : (ch->app_data || ch->ccs);
    bool established =
            sh->has_server_hello && !sh->is_hrr && client_done && (sh->encrypted || sh->ccs);
    if (established) {
        set(c, "established", NULL);
        if (!cert_dates(c) && legacy) {
            /* Completed, but on TLS 1.0 / 1.1 although the client had 1.2 or later. */
            set(c, "established", "tls.version.legacy_only");
            EV("established on %s; the client offered up to %s", td_version_name(sh->version),
               td_version_name(offered));
        }
        return;
    }
    if (legacy) {
        bool closed = c->t.rst_server || c->t.fin_server || c->t.rst_client || c->t.fin_client;
        set(c, closed ? "closed_during_handshake" : "incomplete", "tls.version.legacy_only");
        EV("client offered up to %s; the server chose %s", td_version_name(offered),
           td_version_name(sh->version));
        return;
    }
    if (sh->need_more || (sh->has_server_hello && !sh->encrypted && !sh->has_done)) {
        if (c->t.retrans_server_large > 0) {
            set(c, "stalled", "proto.mtu_blackhole");
            EV("server flight stalled after %llu bytes; %d large server segments retransmitted",
               (unsigned long long)c->t.bytes_server, c->t.retrans_server_large);
        } else if (c->t.rst_server || c->t.rst_client || c->t.fin_server || c->t.fin_client) {
            set(c, "closed_during_handshake", "tls.handshake.closed");
            EV("%s during the handshake, no alert",
               c->t.rst_server || c->t.rst_client ? "RST" : "FIN");
        } else if (c->t.capture_ended) {
            set(c, "incomplete", NULL);
            EV("the capture ended with the server's flight incomplete (%llu bytes), no close",
               (unsigned long long)c->t.bytes_server);
        } else {
            set(c, "stalled", "proto.tls_stalled");
            EV("server flight incomplete after %llu bytes", (unsigned long long)c->t.bytes_server);
        }
        return;
    }
    if (c->t.rst_server || c->t.fin_server || c->t.rst_client || c->t.fin_client) {
        set(c, "closed_during_handshake", "tls.handshake.closed");
        EV("the connection closed before both sides finished the handshake");
        (void)cert_dates(c);
        return;
    }
    set(c, "incomplete", NULL);
    (void)cert_dates(c);
}

void td__pcap_judge(td_pcap_conn_t *c)
{
    judge(c);
    /* established / failed (outcome is the cause) / incomplete (the capture ended first). */
    if (strcmp(c->outcome, "established") == 0) {
        c->result = "established";
    } else if (strcmp(c->outcome, "midstream") == 0) {
        c->result = "incomplete";
    } else if (!c->ch.has_hello && !c->ch.sslv2_hello && !c->ch.need_more && c->finding == NULL) {
        c->result = "not_tls";
    } else {
        c->result = c->finding != NULL ? "failed" : "incomplete";
    }
}
