#!/usr/bin/env python3
"""Outcome per connection on real captures: each case names a capture (public, under
../shared/data/pcaps, or a fixture of tests/fixtures/pcap built from real packets by
make_fixtures.py) and the fields its connections must have.

    outcomes.py TLSDOCTOR PCAPS_DIR FIXTURES_DIR

Exits 1 on the first list of mismatches, 77 when the public captures are missing."""
import json
import os
import subprocess
import sys

binary, pcaps, fixtures = sys.argv[1:4]
if not os.path.isdir(pcaps):
    print("no public captures in %s: skipped" % pcaps)
    sys.exit(77)

ENC = {"encrypted": True}


def alerts(*items):
    return [dict(a) for a in items]


# (capture, client port or None for every TLS connection, {field: expected}).
# Fields: outcome, result, finding, version, cipher_id, group, hrr, client, ciphers (count),
# alerts (list of {from, level, description, encrypted} to be contained).
CASES = [
    # Encrypted close_notify after the CCS (TLS 1.2): healthy, the alert not decoded.
    ("P/wireshark-notes/tls/works/dump.pcapng", None,
     {"outcome": "established", "result": "established", "finding": None,
      "alerts": [{"from": "server", "encrypted": True, "level": None},
                 {"from": "client", "encrypted": True, "level": None}]}),
    ("P/wireshark/captures/tls12-aes256gcm.pcap", 50600,
     {"outcome": "established", "finding": None, "cipher_id": 0x00a9,
      "alerts": [{"from": "server", "encrypted": True}]}),
    # HelloRetryRequest + compatibility CCS, then the real ServerHello.
    ("P/suricata-verify/tests/bug-5758/input.pcap", 34792,
     {"outcome": "established", "version": "TLSv1.3", "hrr": True, "group": "secp256r1"}),
    ("P/suricata-verify/tests/tls/tls13-draft22/tls13_draft22.pcap", 41752,
     {"outcome": "established", "version": "TLSv1.3-draft-22", "hrr": True,
      "group": "secp256r1", "cipher_id": 0x1301}),
    # Pre-standard TLS 1.3 versions named, and the draft ServerHello layout read.
    ("P/suricata-verify/tests/tls/tls13-draft18/tls13_draft18.pcap", None,
     {"outcome": "established", "version": "TLSv1.3-draft-18", "cipher_id": 0x1301}),
    ("P/suricata-verify/tests/tls/tls13-draft19/tls13_draft19.pcap", None,
     {"outcome": "established", "version": "TLSv1.3-draft-19", "cipher_id": 0x1302}),
    ("P/suricata-verify/tests/tls/tls13-draft23/tls13_draft23.pcap", None,
     {"outcome": "established", "version": "TLSv1.3-draft-23", "group": "x25519"}),
    ("P/suricata-verify/tests/tls/tls13-draft28/tls13_draft28.pcap", None,
     {"outcome": "established", "version": "TLSv1.3-draft-28", "cipher_id": 0x1302}),
    ("P/wireshark/captures/tls13-20-chacha20poly1305.pcap", None,
     {"outcome": "established", "version": "TLSv1.3-draft-20", "cipher_id": 0x1303}),
    ("F/fizz_version.pcap", 38288, {"outcome": "established", "version": "TLSv1.3-fizz-26"}),
    # TLS 1.2 ECDHE: the curve of ServerKeyExchange is the group.
    ("P/wireshark-notes/tls/works/dump.pcapng", 42963,
     {"version": "TLSv1.2", "group": "secp256r1"}),
    ("P/wireshark/captures/tls12-dsb.pcapng", 46800, {"version": "TLSv1.2", "group": "secp256r1"}),
    # A completed TLS 1.0 handshake: established, with the legacy-version finding.
    ("P/wireshark-notes/tls/mysql-ssl.pcapng", None,
     {"outcome": "established", "result": "established", "finding": "tls.version.legacy_only",
      "version": "TLSv1"}),
    # TCP Fast Open, SYN data ignored by the server and sent again.
    ("P/suricata-verify/tests/tcp-fastopen-10-syn-data-ignore/input.pcap", 51615,
     {"outcome": "established", "version": "TLSv1.3"}),
    # Captures cut to the handshake packets: the capture ended, nothing failed.
    ("P/ja4/pcap/tls-handshake.pcapng", None, {"result": ("established", "incomplete")}),
    ("P/ja4/pcap/tls-sni.pcapng", None, {"result": ("established", "incomplete")}),
    # A warning alert (unrecognized_name, level 1) before the ServerHello is not fatal.
    ("F/warning_alert.pcap", 50600,
     {"outcome": "established", "finding": None,
      "alerts": [{"from": "server", "level": 1, "description": 112, "encrypted": False}]}),
    # A record that cannot be read later in the server's stream keeps the ServerHello.
    ("F/heartbeat_after_hello.pcap", 50600,
     {"outcome": "established", "version": "TLSv1.2", "cipher_id": 0x00a9}),
    ("F/plaintext_after_handshake.pcap", 50600,
     {"outcome": "established", "version": "TLSv1.2", "cipher_id": 0x00a9}),
    # 350 cipher suites: none cut (JA3 / JA4 checked below against their definitions).
    ("F/suites_350.pcap", 50600, {"outcome": "established", "ciphers": 350}),
    # Mid-stream: the direction from the content (ServerHello first; port 443 otherwise).
    ("F/midstream_server_first.pcap", None,
     {"client": "10.9.0.1", "server_port": 443, "outcome": "midstream", "result": "incomplete",
      "version": "TLSv1.3"}),
    ("F/midstream_appdata.pcap", None,
     {"client_port": 50600, "server_port": 443, "outcome": "midstream"}),
    # One pcapng, interfaces with different link types (Ethernet, raw IP): both connections.
    ("F/multi_linktype.pcapng", 38288, {"outcome": "established", "version": "TLSv1.3"}),
    ("F/multi_linktype.pcapng", 38290, {"outcome": "established", "version": "TLSv1.3"}),
]
# Encapsulations (make_fixtures.py): the connection inside is the one of the source capture.
for name in sorted(os.listdir(fixtures)):
    if name.startswith("encap_"):
        v6 = name in ("encap_6in4.pcap", "encap_vxlan6.pcap")
        CASES.append(("F/" + name, 64034 if v6 else 38288,
                      {"result": "incomplete", "version": "TLSv1.2"} if v6 else
                      {"outcome": "established", "version": "TLSv1.3", "cipher_id": 0x1301,
                       "client": "10.9.0.1"}))


def run(path):
    out = subprocess.run([binary, "pcap", path, "--json"], capture_output=True, text=True,
                         timeout=120)
    conns = [json.loads(l) for l in out.stdout.splitlines()]
    return [c for c in conns if c.get("type") == "connection"], out.returncode


def field(c, name):
    sh = c.get("server_hello") or {}
    return {"version": sh.get("version"), "cipher_id": sh.get("cipher_id"),
            "group": sh.get("group"), "hrr": sh.get("hello_retry_request"),
            "ciphers": len((c.get("client_hello") or {}).get("ciphers", []))}.get(name, c.get(name))


bad = []
for cap, port, want in CASES:
    path = cap.replace("P/", pcaps + "/", 1).replace("F/", fixtures + "/", 1)
    conns, rc = run(path)
    n_bad = len(bad)
    sel = [c for c in conns if (port is None or c["client_port"] == port) and
           (c["client_hello"] or c["outcome"] == "midstream")]
    if not sel:
        bad.append("%s port %s: no connection" % (cap, port))
    for c in sel:
        for k, v in want.items():
            got = field(c, k)
            if k == "alerts":
                for a in v:
                    if not any(all(x.get(kk) == vv for kk, vv in a.items()) for x in got):
                        bad.append("%s %s: alert %s not in %s" % (cap, c["client_port"], a, got))
            elif isinstance(v, tuple):
                if got not in v:
                    bad.append("%s %s: %s %r, want one of %r" % (cap, c["client_port"], k, got, v))
            elif got != v:
                bad.append("%s %s: %s %r, want %r" % (cap, c["client_port"], k, got, v))
    print("%-4s %s %s" % ("ok" if len(bad) == n_bad else "FAIL", cap, port or ""))

# JA3 / JA4 of the 350-suite hello, from their definitions.
import hashlib  # noqa: E402

c = [c for c in run(fixtures + "/suites_350.pcap")[0] if c["client_hello"]][0]["client_hello"]
ja3 = c["ja3"].split(",")
if len(ja3[1].split("-")) != 350 or hashlib.md5(c["ja3"].encode()).hexdigest() != c["ja3_md5"]:
    bad.append("suites_350: JA3 %r" % c["ja3"][:80])
suites = sorted("%04x" % v for v in c["ciphers"])
want_b = hashlib.sha256(",".join(suites).encode()).hexdigest()[:12]
if c["ja4"].split("_")[1] != want_b or c["ja4"][4:6] != "99":
    bad.append("suites_350: JA4 %s, want cipher hash %s and count 99" % (c["ja4"], want_b))

# Unreadable input exits 3 (docs/tlsdoctor.1).
garbage = os.path.join(os.environ.get("TMPDIR", "/tmp"), "td-outcomes-garbage.pcap")
with open(garbage, "wb") as f:
    f.write(b"this is not a capture\n" * 10)
for p in (garbage, garbage + ".missing"):
    rc = subprocess.run([binary, "pcap", p], capture_output=True).returncode
    if rc != 3:
        bad.append("%s: exit %d, want 3" % (p, rc))
os.unlink(garbage)

# The summary per failing server: cause, count, first / last failure, failing client JA4s;
# healthy and merely flagged (legacy-version) connections give no row.
def summary(*caps):
    paths = [c.replace("P/", pcaps + "/", 1) for c in caps]
    out = subprocess.run([binary, "pcap", "--json", *paths], capture_output=True, text=True,
                         timeout=120).stdout.splitlines()
    return json.loads(out[-1])


s = summary("P/wireshark-notes/ssl3/sslv2.pcapng", "P/wireshark-notes/tls/http2-16-ssl.pcapng",
            "P/wireshark-notes/tls/works/dump.pcapng", "P/wireshark/captures/tls12-dsb.pcapng",
            "P/wireshark-notes/tls/mysql-ssl.pcapng")
rows = {v["server"]: v for v in s.get("failing_servers", [])}
want = {"127.0.0.1:4433": ("proto.sslv2", "ts2i000000_000000000000_000000000000"),
        "::1:443": ("tcp.connect.refused", "(no ClientHello)")}
if set(rows) != set(want):
    bad.append("summary: failing servers %s, want %s" % (sorted(rows), sorted(want)))
for srv, (cause, ja4) in want.items():
    v = rows.get(srv, {})
    if ([c["key"] for c in v.get("causes", [])] != [cause] or v.get("failures") != 1 or
            [j["key"] for j in v.get("failing_ja4", [])] != [ja4] or
            not 0 < v.get("first_failure", 0) <= v.get("last_failure", 0)):
        bad.append("summary: %s row %s" % (srv, v))
print("%-4s summary per failing server" % ("ok" if not any(b.startswith("summary") for b in bad)
                                           else "FAIL"))

for b in bad:
    print("FAIL " + b)
sys.exit(1 if bad else 0)
