#!/usr/bin/env python3
"""Cross-checks `tlsdoctor pcap --json` against tshark's dissection of the same captures.

    tshark_check.py TLSDOCTOR CAPTURE...

Per connection (client address and port, as tshark sees the ClientHello): the SNI, the
negotiated version (supported_versions of the last ServerHello, else its version), the cipher
suite, the group (key_share of the ServerHello, else the named curve of ServerKeyExchange), the
alerts (which sides sent one; level and description of the plaintext ones) and the outcome
(established or not). tshark has no outcome, so this one is derived from its records: a
ServerHello that is not a HelloRetryRequest, then TLS 1.3: application data from the client
and a CCS or application data from the server; TLS <= 1.2: a ChangeCipherSpec from both; and
no plaintext fatal alert.

Agreement must reach 99% of the compared fields; every disagreement that is known and explained
is listed in EXCEPTIONS with its reason and does not count. Exits 77 when tshark is missing, 1
when agreement is below 99% or an unexplained mismatch remains."""
import json
import shutil
import subprocess
import sys

if shutil.which("tshark") is None:
    print("tshark not installed")
    sys.exit(77)
binary = sys.argv[1]
files = [f for f in sys.argv[2:] if not f.endswith((".json", ".snap"))]

HRR = "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c"

# (file name part, client port or None, field): why tlsdoctor and tshark differ there.
EXCEPTIONS = {
    ("tls13-draft14", 54049, "cipher"):
        "the draft-14 ServerHello has no session id: tshark reads it with the final layout and "
        "takes two bytes of the random for the suite (0xacad)",
    ("tls-fingerprint-alert", 54684, "outcome"):
        "the server's first segment arrives after its second: tlsdoctor reassembles it, tshark "
        "leaves the records as continuation data",
    ("tls-subjectaltname", 59691, "outcome"):
        "port reused after a RST: tshark takes the new server segments for retransmissions and "
        "does not dissect them; tlsdoctor reads the handshake",
    ("tls-subjectaltname", 60000, "alerts"):
        "the encrypted alert comes after the first 64 KiB of the server's stream, all that "
        "tlsdoctor keeps per direction",
    ("tls-subjectaltname", 60038, "alerts"):
        "the encrypted alert comes after the first 64 KiB of the server's stream",
    ("http2-data-reassembly", 49178, "alerts"):
        "the encrypted alert comes after the first 64 KiB of the server's stream",
}


def tshark(path, flt, fields):
    cmd = ["tshark", "-n", "-r", path, "-Y", flt, "-T", "fields", "-E", "separator=\t",
           "-E", "occurrence=a", "-E", "aggregator=,"]
    # Dissect TLS on every port, as tlsdoctor classifies by content.
    cmd += ["-o", "tls.desegment_ssl_records:TRUE", "-o", "tcp.desegment_tcp_streams:TRUE"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    rows = []
    for line in out.stdout.splitlines():
        r = line.split("\t")
        rows.append(r + [""] * (len(fields) - len(r)))
    return rows


def vname(v):
    if v is None:
        return None
    names = {0x0300: "SSLv3", 0x0301: "TLSv1", 0x0302: "TLSv1.1", 0x0303: "TLSv1.2",
             0x0304: "TLSv1.3"}
    if v in names:
        return names[v]
    if v >> 8 == 0x7f:
        return "TLSv1.3-draft-%02d" % (v & 0xff)
    if v >> 8 == 0xfb:
        return "TLSv1.3-fizz-%d" % (v & 0xff)
    return "unknown"


def first(s):
    return s.split(",")[0] if s else ""


def num(s):
    s = first(s)
    return int(s, 16) if s.startswith("0x") else int(s) if s else None


def excepted(path, port, field):
    for (part, p, f), why in EXCEPTIONS.items():
        if part in path and f == field and (p is None or p == port):
            return why
    return None


FIELDS = ["ip.src", "ipv6.src", "tcp.srcport", "ip.dst", "ipv6.dst", "tcp.dstport",
          "tls.record.content_type", "tls.handshake.type", "tls.handshake.extensions_server_name",
          "tls.handshake.ciphersuite", "tls.handshake.version",
          "tls.handshake.extensions.supported_version", "tls.handshake.extensions_key_share_group",
          "tls.handshake.server_named_curve", "tls.alert_message.level",
          "tls.alert_message.desc", "tls.handshake.random", "tls.record.opaque_type"]

compared = agree = 0
unexplained = []
explained = []
for path in files:
    ours = {}
    out = subprocess.run([binary, "pcap", path, "--json"], capture_output=True, text=True,
                         timeout=300)
    for line in out.stdout.splitlines():
        d = json.loads(line)
        if d.get("type") == "connection" and d["client_hello"]:
            ours[(d["client"], d["client_port"])] = d
    conns = {}
    for r in tshark(path, "tls && !quic", FIELDS):
        src, sport, dst, dport = first(r[0] or r[1]), num(r[2]), first(r[3] or r[4]), num(r[5])
        types = [t for t in r[7].split(",") if t]
        # TLS 1.3 records: the outer type is opaque_type (23), content_type the inner one.
        rtypes = [t for t in r[6].split(",") + r[17].split(",") if t]
        if "1" in types and (src, sport) not in conns:
            conns[(src, sport)] = {"server": (dst, dport), "sni": first(r[8]), "cipher": None,
                                   "version": None, "group": None, "sh": False,
                                   "after": {}, "alerts": {}, "hrr": False}
        key, side = None, None
        if (src, sport) in conns:
            key, side = (src, sport), "client"
        elif (dst, dport) in conns:
            key, side = (dst, dport), "server"
        if key is None:
            continue
        c = conns[key]
        if side == "server" and "2" in types:
            is_hrr = first(r[16]).replace(":", "") == HRR
            c["hrr"] |= is_hrr
            c["cipher"] = num(r[9])
            sv = [num(x) for x in r[11].split(",") if x]
            v = sv[-1] if sv else num(r[10])
            c["version"] = vname(v)
            g = num(r[12])
            if not is_hrr:
                c["sh"] = True
                c["group"] = g
        if side == "server" and "12" in types and num(r[13]) is not None:
            c["group"] = num(r[13])
        if c["sh"]:
            c["after"].setdefault(side, set()).update(rtypes)
        if "21" in rtypes:
            lvl, desc = num(r[14]), num(r[15])
            c["alerts"].setdefault(side, (lvl, desc))
    for key, w in conns.items():
        d = ours.get(key)
        port = key[1]
        checks = []
        if d is None:
            checks.append(("seen", False, "tshark sees a ClientHello, tlsdoctor does not"))
        else:
            sh = d["server_hello"] or {}
            checks.append(("sni", d["client_hello"]["sni"] == w["sni"],
                           "SNI %r, tshark %r" % (d["client_hello"]["sni"], w["sni"])))
            if w["cipher"] is not None:
                checks.append(("cipher", sh.get("cipher_id") == w["cipher"],
                               "cipher %r, tshark %r" % (sh.get("cipher_id"), w["cipher"])))
                checks.append(("version", sh.get("version") == w["version"],
                               "version %r, tshark %r" % (sh.get("version"), w["version"])))
            if w["group"] is not None:
                checks.append(("group", sh.get("group_id") == w["group"],
                               "group %r, tshark %r" % (sh.get("group_id"), w["group"])))
            for side, (lvl, desc) in w["alerts"].items():
                mine = [a for a in d["alerts"] if a["from"] == side]
                ok = any(a["encrypted"] or (lvl is None) or
                         (a["level"] == lvl and a["description"] == desc) for a in mine)
                if lvl is None and not mine:
                    # tshark could not read it (encrypted) and neither could we count it:
                    # only a mismatch when we saw no alert record from that side at all.
                    ok = False
                checks.append(("alerts", ok, "%s alert %r/%r, ours %r" % (side, lvl, desc, mine)))
            fatal = any(lvl == 2 for lvl, _ in w["alerts"].values() if lvl is not None)
            # TLS 1.3: application data (the encrypted Finished) from the client after the
            # ServerHello; before: a ChangeCipherSpec from both sides.
            cl, sv = w["after"].get("client", set()), w["after"].get("server", set())
            if (w["version"] or "").startswith("TLSv1.3"):
                est = w["sh"] and "23" in cl and bool(sv & {"20", "23"}) and not fatal
            else:
                est = w["sh"] and "20" in cl and "20" in sv and not fatal
            got = d["result"] == "established"
            checks.append(("outcome", est == got, "result %s (%s), tshark's records say %s" %
                           (d["result"], d["outcome"], "established" if est else "not")))
        for field, ok, msg in checks:
            compared += 1
            if ok:
                agree += 1
                continue
            why = excepted(path, port, field)
            line = "  %s %s: %s" % (path, key, msg)
            if why:
                agree += 1
                explained.append(line + "  [exception: %s]" % why)
            else:
                unexplained.append(line)
    print("%-60s %4d handshakes" % (path[-60:], len(conns)))
for line in explained:
    print(line)
for line in unexplained:
    print("MISMATCH" + line)
rate = 100.0 * agree / compared if compared else 100.0
print("total: %d fields compared, %d agree (%.2f%% with the listed exceptions), %d unexplained"
      % (compared, agree, rate, len(unexplained)))
sys.exit(0 if rate >= 99.0 and not unexplained else 1)
