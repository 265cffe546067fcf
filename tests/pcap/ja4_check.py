#!/usr/bin/env python3
"""Checks `tlsdoctor pcap --json` against FoxIO's published JA4 / JA4S values.

    ja4_check.py TLSDOCTOR PCAPDIR EXPECTED.tsv

For every TCP row of the TSV whose capture exists: the connection (client address and port,
server address and port) must be found, with the same SNI, JA4 and (when published) JA4S.
Prints one line per capture and exits 1 on any mismatch, 77 when no capture is present."""
import collections
import json
import os
import subprocess
import sys

binary, pdir, tsv = sys.argv[1:4]
rows = collections.defaultdict(list)
with open(tsv) as f:
    head = f.readline().rstrip("\n").split("\t")
    for line in f:
        r = dict(zip(head, line.rstrip("\n").split("\t")))
        if r.get("transport") == "tcp" and r.get("ja4"):
            rows[r["pcap"]].append(r)
# Where the published value predates the current JA4 specification. The spec ("ALPN Extension
# Value") prints the first and last hex digits of a non-alphanumeric ALPN; FoxIO's Python
# reference still substitutes "99" (FoxIO-LLC/ja4 issue #326). The ALPN here is 0xba 0xad.
SPEC_OVERRIDES = {
    ("tls-non-ascii-alpn.pcapng", "t13d151699_8daaf6152771_e5627efa2ab1"):
        "t13d1516bd_8daaf6152771_e5627efa2ab1",
}
checked = bad = 0
for name, want in sorted(rows.items()):
    path = os.path.join(pdir, name)
    if not os.path.exists(path):
        continue
    out = subprocess.run([binary, "pcap", path, "--json"], capture_output=True, text=True)
    if out.returncode not in (0, 1):
        print("%s: exit %d: %s" % (name, out.returncode, out.stderr.strip()))
        bad += 1
        continue
    conns = {}
    for line in out.stdout.splitlines():
        d = json.loads(line)
        if d.get("type") == "connection" and d["client_hello"]:
            key = (d["client"], str(d["client_port"]), d["server"], str(d["server_port"]))
            conns.setdefault(key, d)
    miss = 0
    for r in want:
        key = (r["src"], r["src_port"], r["dst"], r["dst_port"])
        d = conns.get(key)
        got = None if d is None else (d["client_hello"]["sni"], d["client_hello"]["ja4"],
                                      (d["server_hello"] or {}).get("ja4s", ""))
        ja4 = SPEC_OVERRIDES.get((name, r["ja4"]), r["ja4"])
        exp = (r["tls_server_name"], ja4, r.get("ja4s", ""))
        checked += 1
        if got is None or got[0] != exp[0] or got[1] != exp[1] or (exp[2] and got[2] != exp[2]):
            miss += 1
            if miss <= 3:
                print("  %s %s: got %s, want %s" % (name, key, got, exp))
    bad += miss
    print("%-32s %3d connections checked, %d mismatches" % (name, len(want), miss))
if checked == 0:
    print("no capture of the TSV found under %s" % pdir)
    sys.exit(77)
print("total: %d checked, %d mismatches" % (checked, bad))
sys.exit(1 if bad else 0)
