#!/bin/bash
# tests/integration/pcap_lab.sh: every lab defect seen from the wire. For each scenario a real
# server starts (lab.sh), tcpdump records the loopback traffic while curl connects, and
# `tlsdoctor pcap --json` must give curl's connection the expected outcome and finding id.
# Needs tcpdump and the right to capture on lo (exit 77 = skipped otherwise).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${TLSDOCTOR:?}"; certs="${LAB_CERTS_DIR:?}"
command -v tcpdump >/dev/null || { echo "tcpdump missing: skipped"; exit 77; }
command -v curl >/dev/null || { echo "curl missing: skipped"; exit 77; }
out="$(mktemp -d)"; trap 'rm -rf "$out"' EXIT
probe="$(mktemp -u)"
if ! timeout 5 tcpdump -i lo -c 1 -w "$probe" 'tcp port 9' >/dev/null 2>"$out/probe.err" & then :; fi
sleep 0.5; kill %1 2>/dev/null || true; wait 2>/dev/null || true
if grep -qi "permission\|not permitted" "$out/probe.err"; then echo "no capture permission: skipped"; exit 77; fi
rm -f "$probe"

# scenario  scheme  expected-outcome  expected-finding ("-" = none)
cases="healthy https established -
healthy http http_to_tls_port http.response.plain_http_page
expired https alert cert.expired
self_signed https alert cert.rejected_by_client
tls10_only https alert tls.version.legacy_only
plain_http https tls_to_plain_port proto.plain_http
reset_after_hello https reset_after_hello proto.reset
silent https no_answer proto.silent
closed_port https refused tcp.connect.refused"

fail=0
while read -r scen scheme want_outcome want_finding; do
    pcap="$out/$scen-$scheme.pcap"
    export PCAP="$pcap" SCHEME="$scheme"
    "$here/../lab/lab.sh" run "$scen" "$certs" -- bash -c '
        tcpdump -i lo -U -s 0 -w "$PCAP" "tcp port $LAB_PORT" 2>"$PCAP.err" & tp=$!
        for _ in $(seq 50); do grep -q "listening on" "$PCAP.err" 2>/dev/null && break; sleep 0.1; done
        sleep 1 # the kernel filter attaches after the message
        curl -s -o /dev/null -m 3 --cacert "$LAB_CERTS/root.pem" \
            --resolve "$LAB_HOST:$LAB_PORT:127.0.0.1" "$SCHEME://$LAB_HOST:$LAB_PORT/" || true
        sleep 1
        kill -INT $tp; wait $tp 2>/dev/null || true' </dev/null >/dev/null 2>&1 || true
    got="$("$bin" pcap "$pcap" --json </dev/null | python3 -c '
import json, sys
conns = [json.loads(l) for l in sys.stdin]
conns = [c for c in conns if c.get("type") == "connection"]
c = conns[0] if conns else {}
print(c.get("outcome", "none"), c.get("finding") or "-", len(conns))')" || true
    read -r outcome finding n <<<"$got"
    if [ "$outcome" = "$want_outcome" ] && [ "$finding" = "$want_finding" ]; then
        echo "ok   $scen/$scheme: $outcome $finding ($n connection(s))"
    else
        echo "FAIL $scen/$scheme: got $outcome $finding, want $want_outcome $want_finding"
        "$bin" pcap "$pcap" --json </dev/null | head -3 >&2 || true
        fail=1
    fi
done <<<"$cases"
exit $fail
