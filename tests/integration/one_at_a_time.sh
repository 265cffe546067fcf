#!/bin/bash
# tests/integration/one_at_a_time.sh TLSDOCTOR CERTDIR: the default run against a server that
# serves one connection at a time (openssl s_server, lab scenario tls10_only, where the first
# OpenSSL handshake fails and the legacy one follows) never opens a connection while one of
# its earlier connections to that port is still open: s_server would not accept it until the
# earlier one was closed or 0.5 s had passed. Checked on the wire (tcpdump on lo): each SYN of
# ours comes after our FIN or RST of every earlier connection. With --parallel 1: by default a
# few short probes (real clients' hellos, each closed as soon as the reply is read) overlap on
# purpose, and a one-at-a-time server answers them in turn. Needs tcpdump and the right to
# capture on lo (exit 77 = skipped otherwise).
set -euo pipefail
bin="$1" certs="$2"
command -v tcpdump >/dev/null || { echo "tcpdump missing: skipped"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "capturing on lo needs root: skipped"; exit 77; }
here="$(cd "$(dirname "$0")" && pwd)"
export bin
"$here/../lab/lab.sh" run tls10_only "$certs" -- bash -c '
    set -u
    cap="$LAB_RUNDIR/cap.txt"
    tcpdump -i lo -n -tt -U --immediate-mode "tcp port $LAB_PORT" > "$cap" 2>"$LAB_RUNDIR/tcpdump.err" &
    tp=$!
    for _ in $(seq 1 50); do grep -q "listening on" "$LAB_RUNDIR/tcpdump.err" && break; sleep 0.1; done
    "$bin" "$LAB_HOST" --connect-to "127.0.0.1:$LAB_PORT" --ca-file "$LAB_CERTS/root.pem" \
        --json --timeout 30 --parallel 1 > "$LAB_RUNDIR/report.json"
    rc=$?
    sleep 0.5
    kill "$tp"; wait "$tp" 2>/dev/null
    dropped="$(sed -n "s/^\([0-9]*\) packets dropped by kernel.*/\1/p" "$LAB_RUNDIR/tcpdump.err")"
    python3 - "$cap" "$LAB_PORT" "$LAB_RUNDIR/report.json" "$rc" "${dropped:-0}" <<PY
import json, re, sys
cap, port, report, rc = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
dropped = int(sys.argv[5] or 0)
unseen_close = False
doc = json.load(open(report))
root = doc["root_cause"]["id"] if doc["root_cause"] else "none"
conns = {}  # our source port -> [syn time, time of our first FIN or RST]
pat = re.compile(r"^(\d+\.\d+) IP 127\.0\.0\.1\.(\d+) > 127\.0\.0\.1\.%s: Flags \[([^\]]*)\]" % port)
for line in open(cap):
    m = pat.match(line)
    if not m:
        continue
    t, src, flags = float(m.group(1)), m.group(2), m.group(3)
    c = conns.setdefault(src, [None, None])
    if flags == "S":
        c[0] = t
    elif ("F" in flags or "R" in flags) and c[1] is None:
        c[1] = t
ok = root == "tls.version.legacy_only" and rc == doc["exit_code"]
order = sorted((c for c in conns.values() if c[0] is not None), key=lambda c: c[0])
print("root cause %s, %d connections of ours" % (root, len(order)))
for i, (syn, end) in enumerate(order):
    for prev in order[:i]:
        if prev[1] is None or prev[1] > syn:
            ok = False
            unseen_close = unseen_close or prev[1] is None
            print("connection opened at %.6f while an earlier one (opened %.6f) was still open (closed %s)"
                  % (syn, prev[0], "%.6f" % prev[1] if prev[1] else "never"))
if len(order) < 4:
    ok = False
    print("expected at least 4 connections, saw %d" % len(order))
if not ok and unseen_close and dropped > 0:
    print("inconclusive: tcpdump dropped %d packets (a close may be among them)" % dropped)
    sys.exit(77)
sys.exit(0 if ok else 1)
PY
'
