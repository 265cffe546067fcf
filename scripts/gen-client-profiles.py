#!/usr/bin/env python3
"""Generates src/kb/client_profiles.inc: real clients' ClientHellos and acceptance policies.

A client profile is two things (issue 11, point 2):
  - its hello: versions, cipher suites in wire order, groups, key shares, signature algorithms,
    ALPN, SNI, GREASE and the hello's length, all read from real ClientHello bytes in
    tests/fixtures/hellos/<fixture>.hex (one hex line per file, a whole TLS record);
  - its acceptance policy: what the client checks after the ServerHello and in the certificate
    (smallest DH group and RSA key, SHA-1, CN fallback, EKU, TLS 1.0/1.1 signatures), each
    profile with a policy_source naming where each value comes from.

Where the hello bytes come from, in order of preference:
  (a) captured here from the real local client with tests/fixtures/hellos/record.py (a TCP
      listener on 127.0.0.1 that keeps the first ClientHello and closes), on Debian 12;
  (b) testssl.sh's etc/client-simulation.txt (github.com/testssl/testssl.sh, branch 3.3dev,
      commit 9fdf8028; Debian's testssl.sh 3.0 package has the older entries with the same
      bytes), captured by Qualys SSL Labs (api.ssllabs.com/api/v3/getClients) or by testssl.sh's
      authors with Wireshark;
  (c) one of the above edited as the vendor documents its defaults: the edits are listed in
      the profile's "edit" and its source says so.

The policy values are from the clients' documentation and source code, and for the local
clients from handshakes measured here on 2026-11-28 against `openssl s_server` on 127.0.0.1
(see tests/fixtures/hellos/README.md). Measured on Debian 12's OpenSSL 3.0.19: its default
security level is 2 (RSA-1024 leaf: "EE certificate key too weak"; 1024-bit DHE: "dh key too
small"; a SHA-1-signed leaf: "CA signature digest algorithm too weak").

The old `floor` (0x0303, "OpenSSL 3 aborts TLS 1.0/1.1") of curl_openssl3 was wrong for static
RSA: Debian 12's curl completes a TLS 1.0 AES128-SHA handshake (measured: HTTP 200). What
OpenSSL 3 refuses at security level >= 1 is the MD5-SHA1 signature of a TLS 1.0/1.1
ServerKeyExchange ("legacy sigalg disallowed or unsupported"), i.e. (EC)DHE below TLS 1.2: that
is no_signed_kx_below12 now. floor stays for a client that refuses a version its hello still
offers for another reason (Safari and TLS 1.0/1.1).

The file is included twice: once for the arrays, once with TD_PROFILE_ROWS defined for the
table rows. Run: scripts/gen-client-profiles.py > src/kb/client_profiles.inc
"""
import os
import struct
import sys

# Sent in every run, not only by the matrix (the default run's connection budget is small):
# current browsers, and the local clients the tests check verdicts against (Debian's
# Chromium, gnutls-cli, Python: a real handshake with its policy). curl/OpenSSL 3 and .NET are
# the diagnosis' own handshake (OpenSSL's defaults). Cloudflare and ALB: src/kb/clients.c.
DEFAULT_RUN = {"chrome", "firefox", "safari", "chromium_debian", "gnutls_cli", "python3_ssl"}

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, "..", "tests", "fixtures", "hellos")

TESTSSL = "testssl.sh etc/client-simulation.txt (3.3dev 9fdf8028)"
LOCAL = "captured on Debian 12 with tests/fixtures/hellos/record.py"

# TLS_RSA_* (static RSA key exchange) suites that appear in the hellos below.
RSA_KEX = {0x0004, 0x0005, 0x000a, 0x002f, 0x0035, 0x003c, 0x003d, 0x009c, 0x009d}
TRIPLE_DES = {0x000a, 0xc008, 0xc012, 0x0016, 0x0013}

# OpenSSL 3.0 policy shared by clients built on Debian 12's system OpenSSL (level 2).
OSSL3_DEBIAN = dict(no_signed_kx_below12=1, min_dh_bits=2048, min_rsa_bits=2048,
                    rejects_sha1_certs=1, no_cn_fallback=0, needs_server_auth_eku=1, verifies=1)
OSSL3_DEBIAN_WHY = ("measured here against Debian 12's curl 7.88.1 / OpenSSL 3.0.19 (default "
                    "security level 2): TLS 1.0 ECDHE-RSA-AES128-SHA fails 'legacy sigalg "
                    "disallowed', TLS 1.0 AES128-SHA completes; DH-1024 'dh key too small', "
                    "DH-2048 ok; RSA-1024 leaf 'EE certificate key too weak'; SHA-1-signed "
                    "leaf 'CA signature digest algorithm too weak'; CN-only leaf accepted; "
                    "clientAuth-only EKU 'unsuitable certificate purpose'")

# Each profile: id (JSON contract), name, fixture, current (in wide use), source text, edit
# (None or a dict: drop=[suites], groups_first=[...], shares=[...], versions=[...],
# sigalgs=[...], alpn=[...]), policy (clients.h fields), policy_source, openssl (cipher
# string, lowest version) when the local OpenSSL 3.0 can be this client.
PROFILES = [
    dict(id="chrome", name="Chrome 131+ (Google builds)", fixture="chromium_debian", current=1,
         source=("Debian Chromium 156 ClientHello " + LOCAL + ", minus its TLS_RSA_* suites, "
                 "which Google's Chrome builds dropped in Chrome 126 (chromestatus 'Remove "
                 "TLS_RSA_* cipher suites'; Debian's build still offers them). Same BoringSSL "
                 "hello as Chromium 137 in " + TESTSSL + ": X25519MLKEM768 share first"),
         edit=dict(drop=RSA_KEX),
         policy=dict(min_dh_bits=0, min_rsa_bits=1024, rejects_sha1_certs=1, no_cn_fallback=1,
                     needs_server_auth_eku=1, verifies=1),
         policy_source=("no DHE suite offered (removed in Chrome 53), so no DH floor; RSA < 1024 "
                        "refused (chromium net/cert/cert_verify_proc.cc, weak key; publicly "
                        "trusted certificates need 2048 by the Baseline Requirements); SHA-1 "
                        "certificates refused since Chrome 57; no CN fallback since Chrome 58; "
                        "EKU must allow serverAuth. Measured here with Debian Chromium 156 and a "
                        "local root: SHA-1-signed leaf ERR_CERT_INVALID, CN-only leaf "
                        "ERR_CERT_COMMON_NAME_INVALID, clientAuth-only EKU ERR_CERT_INVALID, "
                        "RSA-1024 leaf loads, RSA-768 leaf fails")),
    dict(id="firefox", name="Firefox 137 (Windows 11)", fixture="firefox137", current=1,
         source=TESTSSL + ": Firefox 137 (Win 11), X25519MLKEM768 share first",
         policy=dict(min_dh_bits=0, min_rsa_bits=1024, rejects_sha1_certs=1, no_cn_fallback=1,
                     needs_server_auth_eku=1, verifies=1),
         policy_source=("no DHE suite offered (removed in Firefox 78); mozilla::pkix accepts "
                        "RSA >= 1024 (NSSCertDBTrustDomain MIN_RSA_BITS_WEAK); SHA-1 "
                        "certificates refused since Firefox 52; no CN fallback (Firefox 48 for "
                        "public roots, Firefox 101 also for private roots, bug 1245280); EKU "
                        "must allow serverAuth (mozilla::pkix CheckExtendedKeyUsage)")),
    dict(id="safari", name="Safari 18.4 (macOS 15.4 / iOS 18.4)", fixture="safari184",
         current=1, source=TESTSSL + ": Safari 18.4 (macOS 15.4/iOS 18.4)",
         # The hello still lists TLS 1.0/1.1, but Safari does not load such pages: removal
         # announced in webkit.org/blog/8462 (from iOS 13.4 / macOS 10.15.4), the protocols
         # deprecated in iOS 15 / macOS 12 (Apple developer release notes); Safari shows a
         # "connection is not private" page instead. From documentation, not verified here.
         floor=(0x0303, "Safari no longer loads pages over TLS 1.0/1.1 (webkit.org/blog/8462)"),
         policy=dict(min_dh_bits=0, min_rsa_bits=2048, rejects_sha1_certs=1, no_cn_fallback=1,
                     needs_server_auth_eku=1, verifies=1),
         policy_source=("no DHE suite offered; Apple support HT210176 'Requirements for trusted "
                        "certificates in iOS 13 and macOS 10.15': RSA keys >= 2048 bits, SHA-2 "
                        "signatures (SHA-1 refused), the DNS name in subjectAltName (CN no "
                        "longer trusted), an EKU with id-kp-serverAuth")),
    dict(id="curl_openssl3", name="curl 7.88 / OpenSSL 3.0 (Debian 12)", fixture="curl_openssl3",
         current=1, source=("curl 7.88.1 with OpenSSL 3.0.19 (Debian 12) " + LOCAL +
                            "; curl 8 leaves the same OpenSSL defaults (cipher list DEFAULT)"),
         policy=OSSL3_DEBIAN, policy_source=OSSL3_DEBIAN_WHY,
         openssl=("DEFAULT", 0x0301)),
    dict(id="curl_openssl35", name="curl 8 / OpenSSL 3.5 defaults", fixture="openssl350",
         current=1,
         source=(TESTSSL + ": OpenSSL 3.5.0 (git), an s_client hello with TLS 1.2-1.3 (its "
                 "library defaults: X25519MLKEM768 share, ML-DSA signature algorithms); "
                 "curl does not change the library defaults"),
         policy=dict(no_signed_kx_below12=1, min_dh_bits=2048, min_rsa_bits=2048,
                     rejects_sha1_certs=1, no_cn_fallback=0, needs_server_auth_eku=1,
                     verifies=1),
         policy_source=(TESTSSL + " OpenSSL 3.5.0 entry: minDhBits 2048, minRsaBits 2048, "
                        "requiresSha2; the rest as OpenSSL 3.0 (same X509_check_host CN "
                        "fallback and ssl_server purpose check)")),
    dict(id="python3_ssl", name="Python 3.11 ssl (upstream build, OpenSSL 3.0)",
         fixture="python3_ssl", current=1,
         source=("Python 3.11.7 (pyenv, upstream build) ssl.create_default_context() with "
                 "OpenSSL 3.0.19 " + LOCAL + "; Python 3.12 has the same defaults "
                 "(_DEFAULT_CIPHERS, TLS 1.2 minimum since 3.10). Debian's own python3 is "
                 "built --with-ssl-default-suites=openssl: its hello is curl_openssl3's"),
         policy=OSSL3_DEBIAN,
         policy_source=("Lib/ssl.py and Modules/_ssl.c: PY_SSL_DEFAULT_CIPHER_STRING "
                        "'@SECLEVEL=2:ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:!aNULL:!eNULL:"
                        "!aDSS:!SHA1:!AESCCM', minimum TLS 1.2, hostname_checks_common_name "
                        "True; measured here as for curl_openssl3 (same results, plus TLS 1.0 "
                        "'protocol version' and a static-RSA-only TLS 1.2 server 'handshake "
                        "failure')"),
         openssl=("@SECLEVEL=2:ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:!aNULL:!eNULL:!aDSS:"
                  "!SHA1:!AESCCM", 0x0303)),
    dict(id="go124", name="Go 1.24 crypto/tls", fixture="go1178", current=1,
         source=("written from Go's documented defaults: " + TESTSSL + " go 1.17.8 hello "
                 "edited per the release notes: 1.18 client minimum TLS 1.2, 1.22 no RSA key "
                 "exchange by default, 1.23 no 3DES by default, 1.24 X25519MLKEM768 on by "
                 "default (sent as a share with X25519); not a capture of Go 1.24"),
         edit=dict(drop=RSA_KEX | TRIPLE_DES, versions=[0x0304, 0x0303],
                   groups_first=[0x11ec], shares=[0x11ec, 0x001d]),
         policy=dict(min_dh_bits=0, min_rsa_bits=1024, rejects_sha1_certs=1, no_cn_fallback=1,
                     needs_server_auth_eku=1, verifies=1),
         policy_source=("crypto/tls has no DHE; Go 1.24 release notes: RSA keys < 1024 bits "
                        "refused (GODEBUG rsa1024min); crypto/x509 refuses SHA-1 signatures "
                        "since Go 1.18 (x509sha1 removed in 1.24); no CN fallback since Go 1.15 "
                        "(x509ignoreCN removed in 1.17); Verify's default KeyUsages is "
                        "ExtKeyUsageServerAuth")),
    dict(id="java21", name="Java 21.0.6 (OpenJDK)", fixture="java21", current=1,
         source=TESTSSL + ": Java 21.0.6 (OpenJDK)",
         policy=dict(min_dh_bits=1024, min_rsa_bits=1024, rejects_sha1_certs=0, no_cn_fallback=0,
                     needs_server_auth_eku=1, verifies=1),
         policy_source=("java.security (JDK 21): jdk.tls.disabledAlgorithms 'DH keySize < 1024', "
                        "jdk.certpath.disabledAlgorithms 'RSA keySize < 1024' and 'SHA1 jdkCA & "
                        "usage TLSServer' (SHA-1 refused only below JDK cacerts roots, so 0 "
                        "here); sun.security.util.HostnameChecker falls back to the CN when "
                        "there is no DNS subjectAltName; EndEntityChecker requires serverAuth "
                        "in an EKU. Measured here with Debian's OpenJDK 17.0.15 (same "
                        "java.security rules): SHA-1-signed leaf under a local root and CN-only "
                        "leaf accepted, clientAuth-only EKU 'Extended key usage does not permit "
                        "use for TLS server authentication', RSA-1024 ok, RSA-768 'keysize "
                        "limits', DH-1024 ok, TLS 1.0 'protocol_version'")),
    dict(id="java17", name="Java 17.0.3 (OpenJDK)", fixture="java17", current=1,
         source=TESTSSL + ": Java 17.0.3 (OpenJDK) (also in Debian's testssl.sh 3.0)",
         policy=dict(min_dh_bits=1024, min_rsa_bits=1024, rejects_sha1_certs=0, no_cn_fallback=0,
                     needs_server_auth_eku=1, verifies=1),
         policy_source=("java.security (JDK 17): as java21, and measured with OpenJDK 17.0.15 "
                        "(see java21)")),
    dict(id="node22", name="Node.js 22 (https, bundled OpenSSL 3.0)", fixture="node20",
         current=1,
         source=("Node.js 20.20.2 https.get " + LOCAL + "; Node 22 has the same "
                 "tls.DEFAULT_CIPHERS (src/node_constants.h), TLS 1.2 minimum and OpenSSL 3.0 "
                 "line, so its hello should match: not a capture of Node 22"),
         policy=dict(no_signed_kx_below12=1, min_dh_bits=1024, min_rsa_bits=1024,
                     rejects_sha1_certs=1, no_cn_fallback=0, needs_server_auth_eku=1,
                     verifies=1),
         policy_source=("measured here with Node 20.20.2 (its bundled OpenSSL 3.0 at security "
                        "level 1): DH-1024 and RSA-1024 accepted, RSA-768 refused, SHA-1-signed "
                        "leaf refused, "
                        "CN-only leaf accepted (tls.checkServerIdentity falls back to the CN "
                        "without DNS SANs), clientAuth-only EKU INVALID_PURPOSE, TLS 1.0 "
                        "'protocol version'; level 1 refuses MD5-SHA1 like level 2"),
         # tls.DEFAULT_CIPHERS without its three TLS 1.3 names (OpenSSL's defaults there).
         openssl=("ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256:"
                  "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES256-GCM-SHA384:"
                  "DHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA256:DHE-RSA-AES128-SHA256:"
                  "ECDHE-RSA-AES256-SHA384:DHE-RSA-AES256-SHA384:ECDHE-RSA-AES256-SHA256:"
                  "DHE-RSA-AES256-SHA256:HIGH:!aNULL:!eNULL:!EXPORT:!DES:!RC4:!MD5:!PSK:!SRP:"
                  "!CAMELLIA:@SECLEVEL=1", 0x0303)),
    dict(id="dotnet8", name=".NET 8 HttpClient on Linux (system OpenSSL 3.0)",
         fixture="openssl30_sclient", current=1,
         source=("written from Microsoft's documentation (.NET on Linux uses the system OpenSSL "
                 "and its default cipher list and protocols unless CipherSuitesPolicy is set): "
                 "the hello of Debian 12's OpenSSL 3.0.19 defaults (openssl s_client) " + LOCAL +
                 ", without ALPN as for an HTTP/1.1 request; not a capture of .NET"),
         policy=dict(no_signed_kx_below12=1, min_dh_bits=2048, min_rsa_bits=0,
                     rejects_sha1_certs=0, no_cn_fallback=0, needs_server_auth_eku=1,
                     verifies=1),
         policy_source=("the handshake is the system OpenSSL's (Debian 12: level 2, DH >= "
                        "2048, MD5-SHA1 refused); the chain is checked by .NET's X509Chain, "
                        "not OpenSSL's level, so RSA size and SHA-1 are left unknown (0); "
                        "SslStream asks for the serverAuth application policy; host name "
                        "matching through X509_check_host with CN fallback (not verified here)"),
         openssl=("DEFAULT", 0x0301)),
    dict(id="android14", name="Android 13/14 (native)", fixture="android14", current=1,
         source=TESTSSL + ": Android 13/14 (native)",
         policy=dict(min_dh_bits=0, min_rsa_bits=1024, rejects_sha1_certs=0, no_cn_fallback=1,
                     needs_server_auth_eku=1, verifies=1),
         policy_source=("no DHE suite offered; conscrypt ChainStrengthAnalyzer.java: RSA "
                        "modulus >= 1024, signature blocklist MD2/MD4/MD5 only (SHA-1 not "
                        "refused there); conscrypt OkHostnameVerifier.java: 'Android-removed: "
                        "Ignore common name in hostname verification' (b/70278814, Android 9+); "
                        "serverAuth EKU checked by the platform TrustManagerImpl")),
    dict(id="gnutls_cli", name="GnuTLS 3.7 (gnutls-cli, Debian 12)", fixture="gnutls_cli",
         current=1, source="gnutls-cli 3.7.9 " + LOCAL,
         policy=dict(min_dh_bits=0, min_rsa_bits=1024, rejects_sha1_certs=1, no_cn_fallback=0,
                     needs_server_auth_eku=1, verifies=1, max_chain_certs=16),
         policy_source=("measured here with gnutls-cli 3.7.9 (priority NORMAL): a chain of 200 "
                        "certificates 'Some constraint limits were reached' (GnuTLS's default "
                        "verify limit is 16 certificates, gnutls_certificate_set_verify_limits); "
                        "RSA-1024 leaf "
                        "accepted, RSA-768 'insecure algorithm' (so a floor in 769..1024); "
                        "DH-1024 accepted, smaller groups not measured (0); TLS 1.0 ECDHE and static "
                        "RSA accepted, SHA-1-signed leaf 'insecure algorithm', CN-only leaf "
                        "accepted, clientAuth-only EKU 'does not match the intended purpose'")),
    dict(id="chromium_debian", name="Chromium 156 (Debian 12)", fixture="chromium_debian",
         current=1,
         source=("Debian Chromium 156.0.8078.108 headless " + LOCAL +
                 "; unlike Google's Chrome it still offers TLS_RSA_* suites"),
         policy=dict(min_dh_bits=0, min_rsa_bits=1024, rejects_sha1_certs=1, no_cn_fallback=1,
                     needs_server_auth_eku=1, verifies=1),
         policy_source="the Chrome engine, measured with this build: see chrome"),
    dict(id="java8", name="Java 8u161", fixture="java8", current=0,
         source=TESTSSL + ": Java 8u161",
         policy=dict(min_dh_bits=1024, min_rsa_bits=1024, verifies=1),
         policy_source=("java.security of 8u161: DH keySize < 1024 and RSA keySize < 1024 "
                        "disabled; others not recorded")),
    dict(id="android7", name="Android 7.0", fixture="android7", current=0,
         source=TESTSSL + ": Android 7.0 (native)",
         policy=dict(min_rsa_bits=1024, needs_server_auth_eku=1, verifies=1),
         policy_source="conscrypt ChainStrengthAnalyzer (RSA >= 1024); CN fallback still on"),
    dict(id="android44", name="Android 4.4.2", fixture="android44", current=0,
         source=TESTSSL + ": Android 4.4.2", policy=dict(verifies=1),
         policy_source="not recorded beyond verifying"),
    dict(id="ie11_win7", name="IE 11 / Windows 7", fixture="ie11_win7", current=0,
         source=TESTSSL + ": IE 11 Win 7", policy=dict(verifies=1),
         policy_source="not recorded beyond verifying"),
    dict(id="openssl102", name="OpenSSL 1.0.2e", fixture="openssl102", current=0,
         source=TESTSSL + ": OpenSSL 1.0.2e", policy=dict(verifies=1),
         policy_source=("OpenSSL 1.0.2 has no security levels and accepts any DH/RSA size; "
                        "an application must ask for verification (s_client does not)")),
]

POLICY_FIELDS = ["no_signed_kx_below12", "min_dh_bits", "min_rsa_bits", "rejects_sha1_certs",
                 "no_cn_fallback", "needs_server_auth_eku", "verifies", "max_chain_certs"]


def u16s(b):
    return [struct.unpack(">H", b[i:i + 2])[0] for i in range(0, len(b) - 1, 2)]


def grease(v):
    return (v & 0x0f0f) == 0x0a0a and (v >> 8) == (v & 0xff)


def parse_hello(hexs):
    b = bytes.fromhex(hexs)
    assert b[0] == 22, "not a handshake record"
    rec_ver = struct.unpack(">H", b[1:3])[0]
    h = b[5:]
    assert h[0] == 1, "not a ClientHello"
    hs_len = 4 + int.from_bytes(h[1:4], "big")
    body = h[4:hs_len]
    legacy = struct.unpack(">H", body[0:2])[0]
    p = 34
    p += 1 + body[p]
    n = struct.unpack(">H", body[p:p + 2])[0]
    ciphers = u16s(body[p + 2:p + 2 + n])
    p += 2 + n
    p += 1 + body[p]
    out = {"rec": rec_ver, "legacy": legacy, "ciphers": ciphers, "groups": [], "shares": [],
           "sigalgs": [], "versions": [], "alpn": [], "sni": False, "epf": False, "ri": False,
           "grease": any(grease(c) for c in ciphers), "len": hs_len}
    if p + 2 <= len(body):
        end = p + 2 + struct.unpack(">H", body[p:p + 2])[0]
        p += 2
        while p + 4 <= end:
            t, l = struct.unpack(">HH", body[p:p + 4])
            d = body[p + 4:p + 4 + l]
            p += 4 + l
            if t == 0:
                out["sni"] = True
            elif t == 10:
                out["groups"] = u16s(d[2:])
            elif t == 11:
                out["epf"] = True
            elif t == 13:
                out["sigalgs"] = u16s(d[2:])
            elif t == 16:
                q, lst = 2, []
                while q < len(d):
                    lst.append(d[q + 1:q + 1 + d[q]].decode("ascii", "replace"))
                    q += 1 + d[q]
                out["alpn"] = lst
            elif t == 43:
                out["versions"] = u16s(d[1:])
            elif t == 51:
                q = 2
                while q + 4 <= len(d):
                    g, gl = struct.unpack(">HH", d[q:q + 4])
                    out["shares"].append(g)
                    q += 4 + gl
            elif t == 0xff01:
                out["ri"] = True
    for k in ("ciphers", "groups", "shares", "versions", "sigalgs"):
        out[k] = [v for v in out[k] if not grease(v)]
    return out


SHARE_LEN = {0x11ec: 1216, 0x001d: 32, 0x0017: 65, 0x0018: 97}


def apply_edit(h, e):
    """A documented edit of a captured hello; the hello's length follows the edit."""
    if not e:
        return h
    n0 = len(h["ciphers"])
    h["ciphers"] = [c for c in h["ciphers"] if c not in e.get("drop", ())]
    h["len"] -= 2 * (n0 - len(h["ciphers"]))
    if "versions" in e:
        h["len"] += 2 * (len(e["versions"]) - len(h["versions"]))
        h["versions"] = list(e["versions"])
    if "groups_first" in e:
        add = [g for g in e["groups_first"] if g not in h["groups"]]
        h["groups"] = add + h["groups"]
        h["len"] += 2 * len(add)
    if "shares" in e:
        h["len"] += sum(4 + SHARE_LEN[g] for g in e["shares"])
        h["len"] -= sum(4 + SHARE_LEN[g] for g in h["shares"])
        h["shares"] = list(e["shares"])
    return h


def arr(name, vals):
    if not vals:
        return ""
    return "static const uint16_t %s[] = { %s };\n" % (name, ", ".join("0x%04x" % v for v in vals))


def cstr(s):
    return '"%s"' % s.replace("\\", "\\\\").replace('"', '\\"')


def main():
    print("/* client_profiles.inc: GENERATED by scripts/gen-client-profiles.py; do not edit.")
    print(" * Hellos from tests/fixtures/hellos/ID.hex (captured here, or from testssl.sh's")
    print(" * client-simulation.txt); policies from the sources each row names. */")
    rows = []
    print("#ifndef TD_PROFILE_ROWS")
    for pr in PROFILES:
        ident = pr["id"]
        with open(os.path.join(FIX, pr["fixture"] + ".hex")) as f:
            h = parse_hello(f.read().strip())
        h = apply_edit(h, pr.get("edit"))
        if h["versions"]:
            lo, hi = min(h["versions"]), max(h["versions"])
        else:
            lo, hi = min(0x0301, h["legacy"]), h["legacy"]
            if pr["fixture"] in ("android44", "openssl102"):
                lo = 0x0300  # testssl: lowest_protocol SSLv3 for these two
        print(arr("c_%s" % ident, h["ciphers"]), end="")
        print(arr("g_%s" % ident, h["groups"]), end="")
        print(arr("k_%s" % ident, h["shares"]), end="")
        print(arr("s_%s" % ident, h["sigalgs"]), end="")
        print(arr("v_%s" % ident, h["versions"]), end="")
        if h["alpn"]:
            print("static const char *const a_%s[] = { %s };" % (
                ident, ", ".join(cstr(a) for a in h["alpn"])))

        def arrs(prefix, key, field, count):
            if not h[key]:
                return ""
            return " .%s = %s_%s, .%s = TD_ARRAY_LEN(%s_%s)," % (field, prefix, ident, count,
                                                                 prefix, ident)
        row = ('    { .id = "%s", .name = %s,\n      .source = %s,\n'
               '      .min_version = 0x%04x, .max_version = 0x%04x, .sends_sni = %d,\n'
               '      .record_version = 0x%04x, .legacy_version = 0x%04x,\n     ' % (
                   ident, cstr(pr["name"]), cstr(pr["source"]), lo, hi, 1 if h["sni"] else 0,
                   h["rec"], h["legacy"]))
        row += arrs("c", "ciphers", "ciphers", "n_ciphers") + arrs("g", "groups", "groups", "n_groups")
        row += arrs("k", "shares", "shares", "n_shares") + arrs("s", "sigalgs", "sigalgs", "n_sigalgs")
        row += arrs("v", "versions", "versions", "n_versions")
        if h["alpn"]:
            row += " .alpn = a_%s, .n_alpn = TD_ARRAY_LEN(a_%s)," % (ident, ident)
        row += ('\n      .ec_point_formats = %d, .renegotiation_info = %d, .current = %d, '
                '.legacy = %d,' % (1 if h["epf"] else 0, 1 if h["ri"] else 0, pr["current"],
                                   0 if pr["current"] else 1))
        if ident in DEFAULT_RUN:
            row += " .default_run = 1,"
        pol = pr["policy"]
        vals = ", ".join(".%s = %d" % (k, pol[k]) for k in POLICY_FIELDS if pol.get(k))
        if vals:
            row += "\n      " + vals + ","
        if pr.get("openssl"):
            row += "\n      .openssl_ciphers = %s,\n      .openssl_min = 0x%04x," % (
                cstr(pr["openssl"][0]), pr["openssl"][1])
        if pr.get("floor"):
            row += "\n      .floor = 0x%04x, .floor_why = %s," % (pr["floor"][0], cstr(pr["floor"][1]))
        row += "\n      .policy_source = %s," % cstr(pr["policy_source"])
        row += "\n      .grease = %d, .hello_len = %d }," % (1 if h["grease"] else 0, h["len"])
        rows.append(row)
    print("#else")
    print("\n".join(rows))
    print("#endif")


if __name__ == "__main__":
    sys.exit(main())
