#!/bin/bash
# tests/integration/matrix_lab.sh SCENARIO ROOT [CHECKS]: runs `tlsdoctor matrix` (--json)
# against one real-server lab scenario and asserts the root-cause finding id ("none" =
# healthy), then each CHECK (comma separated):
#   finding=ID          the finding is present
#   sslscan             the accepted (version, suite) pairs equal what sslscan reports
#   conns<=N            the matrix opened at most N connections besides the clients' hellos
#   client:ID=ok|fail   what the client table says for that client
#   order:VERSION=server|client   the suite order the matrix found
#   reply:VERSION=END   the first reply of a version probe (hello, alert, malformed, ...)
#   proxy:PROXY/MODE=RESULT   what that proxy in front would show
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
scen="$1"; expect="$2"; checks="${3:-}"; bin="${TLSDOCTOR:?set TLSDOCTOR to the binary}"
certs="${LAB_CERTS_DIR:?}"
if [[ ",$checks," == *",sslscan,"* ]] && ! command -v sslscan >/dev/null; then
    echo "sslscan not installed (scripts/install-deps.sh installs it)"; exit 77
fi
"$here/../lab/lab.sh" run "$scen" "$certs" -- bash -c '
    set +e
    "$0" matrix "$LAB_HOST" --connect-to "127.0.0.1:$LAB_PORT" --ca-file "$LAB_CERTS/root.pem" \
        --json --timeout 40 --step-timeout 3 > "$LAB_RUNDIR/report.json"
    rc=$?
    if [[ ",$2," == *",sslscan,"* ]]; then
        timeout 120 sslscan --no-colour --no-heartbleed --no-compression --no-fallback \
            --no-renegotiation --no-groups --no-check-certificate \
            --xml="$LAB_RUNDIR/sslscan.xml" "127.0.0.1:$LAB_PORT" >/dev/null 2>&1
    fi
    python3 - "$1" "$rc" "$LAB_RUNDIR" "$2" <<PY
import json, os, re, sys
expect, rc, rundir, checks = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
doc = json.load(open(os.path.join(rundir, "report.json")))
ok = True
def fail(msg):
    global ok
    ok = False
    print("FAIL:", msg)
root = doc["root_cause"]["id"] if doc["root_cause"] else "none"
if root != expect:
    fail("root cause %s, want %s" % (root, expect))
if rc != doc["exit_code"]:
    fail("exit %d but JSON exit_code %d" % (rc, doc["exit_code"]))
ids = [f["id"] for f in doc["findings"]]
m = doc["matrix"]
print("root cause %s; findings %s" % (root, ids))
if "connections" in m:
    print("matrix: %d connections (%d client hellos), %.0f ms" % (m["connections"], m["client_connections"], m["ms"]))
names = {"TLSv1": "TLSv1.0"}
ours = set()
for v in m.get("versions", []):
    for s in v["suites"]:
        ours.add((names.get(v["version"], v["version"]), s["code"]))
for c in filter(None, checks.split(",")):
    if c.startswith("finding="):
        if c[8:] not in ids:
            fail("finding %s missing" % c[8:])
    elif c == "sslscan":
        xml = open(os.path.join(rundir, "sslscan.xml")).read()
        theirs = set((a, int(b, 16)) for a, b in re.findall(r"<cipher [^>]*sslversion=\"([^\"]+)\"[^>]*id=\"(0x[0-9A-Fa-f]+)\"", xml))
        # sslscan tests only what the local OpenSSL can offer: a pair only we found is a
        # disagreement unless its suite is one that OpenSSL cannot offer at all.
        import subprocess
        listing = subprocess.run(["openssl", "ciphers", "-V", "ALL:COMPLEMENTOFALL:@SECLEVEL=0"],
                                 capture_output=True, text=True).stdout
        offerable = set(int(hi + lo, 16) for hi, lo in re.findall(r"0x([0-9A-F]{2}),0x([0-9A-F]{2})", listing))
        only_ours, only_theirs = ours - theirs, theirs - ours
        print("sslscan: %d pairs, tlsdoctor: %d pairs" % (len(theirs), len(ours)))
        if only_theirs:
            fail("sslscan accepted, tlsdoctor did not: %s" % sorted(only_theirs))
        missed = sorted("%s 0x%04x" % p for p in only_ours if p[1] in offerable)
        if missed:
            fail("tlsdoctor accepted, sslscan (which can offer them) did not: %s" % missed)
        excused = sorted("%s 0x%04x" % p for p in only_ours if p[1] not in offerable)
        if excused:
            print("found by tlsdoctor only (suites the local OpenSSL cannot offer): %s" % excused)
        if not theirs:
            fail("sslscan reported nothing: no comparison made")
    elif c.startswith("conns<="):
        n = m["connections"] - m["client_connections"]
        if n > int(c[7:]):
            fail("%d matrix connections, want <= %s" % (n, c[7:]))
    elif c.startswith("client:"):
        cid, want = c[7:].split("=")
        got = [x for x in m["clients"] if x["id"] == cid][0]
        if ("ok" if got["connects"] else "fail") != want:
            fail("client %s: %s (%s), want %s" % (cid, got["connects"], got["why"], want))
    elif c.startswith("order:"):
        ver, want = c[6:].split("=")
        got = [v for v in m["versions"] if v["version"] == ver][0]["order"]
        if got != want:
            fail("order %s: %s, want %s" % (ver, got, want))
    elif c.startswith("reply:"):
        ver, want = c[6:].split("=")
        first = [v for v in m["versions"] if v["version"] == ver][0]["first_reply"]
        if first is None or first["result"] != want:
            fail("first reply %s: %s, want %s" % (ver, first, want))
    elif c.startswith("proxy:"):
        key, want = c[6:].rsplit("=", 1)
        got = {p["proxy"] + "/" + p["mode"]: p["result"] for p in doc["proxies"]}.get(key)
        if got != want:
            fail("proxy %s: %s, want %s" % (key, got, want))
    else:
        fail("unknown check %s" % c)
sys.exit(0 if ok else 1)
PY
' "$bin" "$expect" "$checks"
