#!/bin/bash
# tests/integration/compare_lab.sh: `tlsdoctor compare` on one name through two paths of a
# real nginx: 127.0.0.1 serves the site's certificate, 127.0.0.2 one minted by a CA named like a
# TLS-inspecting proxy's. compare must name the product and the differing fields; the single
# diagnosis of path 2 must say cert.chain.intercepted.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${TLSDOCTOR:?}"; certs="${LAB_CERTS_DIR:?}"
"$here/../lab/lab.sh" run intercepted "$certs" -- bash -c '
    set -u
    out="$("$0" compare good.lab.test --via 127.0.0.1:$LAB_PORT --via 127.0.0.2:$LAB_PORT \
            --ca-file "$LAB_CERTS/root.pem" --json --timeout 20)"; rc=$?
    one="$("$0" good.lab.test --connect-to 127.0.0.2:$LAB_PORT --ca-file "$LAB_CERTS/root.pem" \
            --json --timeout 20)" || true
    python3 - "$out" "$rc" "$one" <<PY
import json, sys
doc, rc, one = json.loads(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
fields = [d["field"] for d in doc["differences"]]
paths = doc["paths"]
print("compare exit %d, interception %s, differences %s; single root cause %s" % (
    rc, [p["interception"] for p in paths], fields, one["root_cause"]["id"]))
ok = (rc == 2 and paths[0]["interception"] is None and paths[1]["interception"] == "Zscaler"
      and "leaf_issuer" in fields and "leaf_sha256" in fields and "root_cause" in fields
      and one["root_cause"]["id"] == "cert.chain.intercepted")
sys.exit(0 if ok else 1)
PY
' "$bin"
