#!/bin/bash
# tests/integration/expect_root.sh SCENARIO EXPECTED_ID: runs the real tlsdoctor binary with
# --json against one real-server lab scenario and asserts the root-cause finding id
# ("none" = healthy). Extra checks: the exit code matches the verdict; an optional third
# argument "PROXY/MODE=RESULT;..." asserts what proxies in front would show. Environment:
# TD_EXPECT_FINDINGS=ID,... findings besides the root; TD_EXPECT_SOFTWARE=NAME the server
# software detected; TD_EXPECT_FIX=TEXT the root cause's fix contains TEXT, no other server's
# directive, and verifies the host name (not the --connect-to address).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
scen="$1"; expect="$2"; proxies="${3:-}"; bin="${TLSDOCTOR:?set TLSDOCTOR to the binary}"; certs="${LAB_CERTS_DIR:?}"
"$here/../lab/lab.sh" run "$scen" "$certs" -- bash -c '
    set +e
    extra=()
    # TD_NOW_OFFSET_DAYS: judge dates as if the local clock were that many days off.
    if [ -n "${TD_NOW_OFFSET_DAYS:-}" ]; then
        extra+=(--now "$(( $(date +%s) + TD_NOW_OFFSET_DAYS * 86400 ))")
    fi
    # TD_RESOLVE: reach the name through these addresses (several backends) instead.
    if [ -n "${TD_RESOLVE:-}" ]; then
        target=("$LAB_HOST:$LAB_PORT" --resolve "$TD_RESOLVE")
    elif [ -n "${TD_SCHEME:-}" ]; then
        # TD_SCHEME=http: the target as an http:// URL (probed as plain HTTP).
        target=("$TD_SCHEME://$LAB_HOST/" --connect-to "127.0.0.1:$LAB_PORT")
    else
        target=("$LAB_HOST" --connect-to "127.0.0.1:$LAB_PORT")
    fi
    out="$("$0" "${target[@]}" --ca-file "$LAB_CERTS/root.pem" \
          --json --timeout 30 --step-timeout "${TD_STEP:-3}" "${extra[@]}")"
    rc=$?
    printf "%s\n" "$out" > "$LAB_RUNDIR/report.json"
    python3 - "$1" "$rc" "$LAB_RUNDIR/report.json" "$2" <<PY
import json, sys
expect, rc, path, proxies = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
doc = json.load(open(path))
root = doc["root_cause"]["id"] if doc["root_cause"] else "none"
ok = root == expect and doc["schema_version"] == 1 and rc == doc["exit_code"]
got = {p["proxy"] + "/" + p["mode"]: p["result"] for p in doc["proxies"]}
import os
ids = [f["id"] for f in doc["findings"]]
for want in filter(None, os.environ.get("TD_EXPECT_FINDINGS", "").split(",")):
    if want not in ids:
        ok = False
        print("finding %s missing (got %s)" % (want, ids))
want_sw = os.environ.get("TD_EXPECT_SOFTWARE", "")
if want_sw:
    sw = doc["server_software"]
    if sw is None or sw["name"] != want_sw:
        ok = False
        print("server software %s, want %s" % (sw, want_sw))
    else:
        print("server software: %s (%s)" % (sw["name"], sw["evidence"]))
want_fix = os.environ.get("TD_EXPECT_FIX", "")
if want_fix:
    fix = doc["root_cause"]["fix"] if doc["root_cause"] else ""
    own = {"nginx": ["nginx", "ssl_protocols", "ssl_certificate"],
           "apache": ["Apache", "SSLProtocol", "SSLCertificate", "apachectl"],
           "haproxy": ["HAProxy", "haproxy", "ssl-min-ver"],
           "lighttpd": ["lighttpd", "ssl.pemfile", "ssl.openssl"],
           "iis": ["IIS", "SCHANNEL"], "caddy": ["Caddy", "caddy"],
           "traefik": ["Traefik", "minVersion"], "envoy": ["Envoy", "tls_params"]}
    bad = [w for sw, words in own.items() if sw != want_sw for w in words if w in fix]
    if want_fix not in fix or bad:
        ok = False
        print("fix lacks %r or names another server: %s: %s" % (want_fix, bad, fix))
    if os.environ["LAB_HOST"] not in fix or "https://127.0.0.1" in fix:
        ok = False
        print("the verify command does not check %s: %s" % (os.environ["LAB_HOST"], fix))
    print("fix: %s" % fix)
for want in filter(None, proxies.split(";")):
    key, result = want.rsplit("=", 1)
    if got.get(key) != result:
        ok = False
        print("proxy %s: %s, want %s" % (key, got.get(key), result))
print("root cause: %s (expected %s), exit %d, verdict %s" % (root, expect, rc, doc["verdict"]))
if not ok:
    print(json.dumps(doc["findings"], indent=1)[:3000])
    print(json.dumps(doc["layers"], indent=1))
sys.exit(0 if ok else 1)
PY
'  "$bin" "$expect" "$proxies"
