#!/usr/bin/env python3
"""Generates src/kb/client_profiles.inc: the ClientHello parameters of real clients.

Input: testssl.sh's etc/client-simulation.txt (Debian package testssl.sh, /etc/testssl/), whose
entries hold ClientHello bytes captured from each client (most from Qualys SSL Labs' client list,
https://api.ssllabs.com/api/v3/getClients, the rest captured with Wireshark by testssl.sh's
authors). We keep facts only: versions, cipher suites in wire order, groups, key shares,
signature algorithms, ALPN and whether SNI is sent. The file is included twice: once for the
arrays, once with TD_PROFILE_ROWS defined for the table rows. Run: scripts/gen-client-profiles.py >
src/kb/client_profiles.inc
"""
import re
import struct
import sys

SRC = "/etc/testssl/client-simulation.txt"
# (testssl name, our id, our display name, in wide use today[, (lowest version it completes
# although its hello offers lower ones, why)])
PICK = [
    ("Chrome 101 (Win 10)", "chrome", "Chrome 101 (Windows 10)", 1),
    ("Firefox 100 (Win 10)", "firefox", "Firefox 100 (Windows 10)", 1),
    ("Safari 15.4 (macOS 12.3.1)", "safari", "Safari 15.4 (macOS 12.3)", 1),
    ("OpenSSL 3.0.3 (git)", "curl_openssl3", "curl / OpenSSL 3.0 defaults", 1),
    ("Java 17.0.3 (OpenJDK)", "java17", "Java 17.0.3 (OpenJDK)", 1),
    ("Java 8u161", "java8", "Java 8u161", 0),
    ("Android 7.0 (native)", "android7", "Android 7.0", 0),
    ("Android 4.4.2", "android44", "Android 4.4.2", 0),
    ("IE 11 Win 7", "ie11_win7", "IE 11 / Windows 7", 0),
    ("OpenSSL 1.0.2e", "openssl102", "OpenSSL 1.0.2e", 0),
]


# Sent in every run, not only by the matrix: the current browsers (Cloudflare and ALB are in
# src/kb/clients.c).
DEFAULT_RUN = {"chrome", "firefox", "safari"}
# Acceptance policy (see clients.h). Browsers: verify, no CN fallback (Chrome 58, Safari/iOS 13,
# Firefox's mozilla::pkix never used the CN when SANs exist and, since 2019, not at all), EKU
# serverAuth. curl/OpenSSL 3: the local OpenSSL with its defaults; verifies, CN fallback kept.
BROWSER = (".verifies = 1, .no_cn_fallback = 1, .needs_server_auth_eku = 1, "
           ".rejects_sha1_certs = 1, .min_rsa_bits = 1024")
BASE_POLICY = {
    "chrome": BROWSER, "firefox": BROWSER, "safari": BROWSER,
    "curl_openssl3": ('.verifies = 1, .needs_server_auth_eku = 1, .rejects_sha1_certs = 1, '
                      '.openssl_ciphers = "DEFAULT", .no_signed_kx_below12 = 1'),
}


def entries(text):
    cur = {}
    for line in text.splitlines():
        m = re.match(r'\s*(\w+)\+=\((.*)\)\s*$', line)
        if not m:
            continue
        k, v = m.group(1), m.group(2).strip()
        if k == "names":
            if cur:
                yield cur
            cur = {}
        cur[k] = v.strip('"')
    if cur:
        yield cur


def u16s(b):
    return [struct.unpack(">H", b[i:i + 2])[0] for i in range(0, len(b) - 1, 2)]


def parse_hello(hexs):
    b = bytes.fromhex(hexs)
    rec_ver = struct.unpack(">H", b[1:3])[0]
    h = b[5:]
    assert h[0] == 1
    body = h[4:4 + int.from_bytes(h[1:4], "big")]
    legacy = struct.unpack(">H", body[0:2])[0]
    p = 34
    p += 1 + body[p]
    n = struct.unpack(">H", body[p:p + 2])[0]
    ciphers = u16s(body[p + 2:p + 2 + n])
    p += 2 + n
    p += 1 + body[p]
    out = {"rec": rec_ver, "legacy": legacy, "ciphers": ciphers, "groups": [], "shares": [],
           "sigalgs": [], "versions": [], "alpn": [], "sni": False, "epf": False, "ri": False}
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
    grease = lambda v: (v & 0x0f0f) == 0x0a0a and (v >> 8) == (v & 0xff)
    for k in ("ciphers", "groups", "shares", "versions"):
        out[k] = [v for v in out[k] if not grease(v)]
    return out


def arr(name, vals):
    if not vals:
        return ""
    return "static const uint16_t %s[] = { %s };\n" % (name, ", ".join("0x%04x" % v for v in vals))


def main():
    text = open(SRC, encoding="utf-8", errors="replace").read()
    by_name = {e["names"]: e for e in entries(text)}
    print("/* client_profiles.inc: GENERATED by scripts/gen-client-profiles.py; do not edit.")
    print(" * Source of every value: the ClientHello bytes in testssl.sh's etc/client-simulation.txt")
    print(" * (Debian testssl.sh 3.0, /etc/testssl/), captured from each client by Qualys SSL Labs")
    print(" * (api.ssllabs.com/api/v3/getClients) or by testssl.sh's authors with Wireshark. */")
    rows = []
    print("#ifndef TD_PROFILE_ROWS")
    for pick in PICK:
        tname, ident, disp, cur = pick[:4]
        floor, floor_why = pick[4] if len(pick) > 4 else (0, None)
        e = by_name[tname]
        h = parse_hello(e["handshakebytes"])
        sni = e.get("sni", "") != ""
        lo = int(e["lowest_protocol"], 16)
        hi = int(e["highest_protocol"], 16)
        print(arr("c_%s" % ident, h["ciphers"]), end="")
        print(arr("g_%s" % ident, h["groups"]), end="")
        print(arr("k_%s" % ident, h["shares"]), end="")
        print(arr("s_%s" % ident, h["sigalgs"]), end="")
        print(arr("v_%s" % ident, h["versions"]), end="")
        alpn = ", ".join('"%s"' % a for a in h["alpn"])
        if h["alpn"]:
            print("static const char *const a_%s[] = { %s };" % (ident, alpn))
        def ref(prefix, key):
            return ("%s_%s, TD_ARRAY_LEN(%s_%s)" % (prefix, ident, prefix, ident)) if h[key] else "NULL, 0"
        def arrs(prefix, key, field, count):
            if not h[key]:
                return ""
            return " .%s = %s_%s, .%s = TD_ARRAY_LEN(%s_%s)," % (field, prefix, ident, count, prefix, ident)
        row = ('    { .id = "%s", .name = "%s", .source = "testssl.sh client-simulation.txt: %s",\n'
               '      .min_version = 0x%04x, .max_version = 0x%04x, .sends_sni = %d,\n'
               '      .record_version = 0x%04x, .legacy_version = 0x%04x,\n     ' % (
                   ident, disp, tname, lo, hi, 1 if sni else 0, h["rec"], h["legacy"]))
        row += arrs("c", "ciphers", "ciphers", "n_ciphers") + arrs("g", "groups", "groups", "n_groups")
        row += arrs("k", "shares", "shares", "n_shares") + arrs("s", "sigalgs", "sigalgs", "n_sigalgs")
        row += arrs("v", "versions", "versions", "n_versions")
        if h["alpn"]:
            row += " .alpn = a_%s, .n_alpn = TD_ARRAY_LEN(a_%s)," % (ident, ident)
        row += ('\n      .ec_point_formats = %d, .renegotiation_info = %d, .current = %d, .legacy = %d' % (
            1 if h["epf"] else 0, 1 if h["ri"] else 0, cur, 0 if cur else 1))
        if ident in DEFAULT_RUN:
            row += ",\n      .default_run = 1"
        if ident in BASE_POLICY:
            row += ",\n      " + BASE_POLICY[ident]
        if floor:
            row += ',\n      .floor = 0x%04x, .floor_why = "%s"' % (floor, floor_why)
        row += " },"
        rows.append(row)
    print("#else")
    print("\n".join(rows))
    print("#endif")


if __name__ == "__main__":
    sys.exit(main())
