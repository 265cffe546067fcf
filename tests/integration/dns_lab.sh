#!/bin/bash
# tests/integration/dns_lab.sh: the DNS layer against a real (tiny) DNS server on 127.0.0.1.
# tests/lab/dnsserver.py answers good.lab.test through a CNAME chain; tlsdoctor asks it with
# --dns-servers. The chain through the expected load balancer must pass; a chain through an old
# one must be dns.record.unexpected_cname (root cause, with the chain as evidence); an unknown
# name must be dns.resolve.nxdomain. The TLS server is the lab's healthy nginx.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${TLSDOCTOR:?}"; certs="${LAB_CERTS_DIR:?}"
tmp="$(mktemp -d)"; pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT

dns() { # NAME RECORD... : starts a server, sets $NAME to its port
    local var="$1"; shift
    python3 "$here/../lab/dnsserver.py" 0 "$@" >"$tmp/$var" 2>"$tmp/$var.err" &
    pids+=("$!")
    for _ in $(seq 50); do [ -s "$tmp/$var" ] && break; sleep 0.1; done
    [ -s "$tmp/$var" ] || { cat "$tmp/$var.err" >&2; echo "dns_lab: DNS server did not start" >&2; exit 3; }
    printf -v "$var" '%s' "$(head -1 "$tmp/$var")"
}
dns GOOD good.lab.test=CNAME:site.lb-new.lab.test site.lb-new.lab.test=A:127.0.0.1
dns OLD good.lab.test=CNAME:site.lb-old.lab.test site.lb-old.lab.test=A:127.0.0.1

export GOOD OLD
"$here/../lab/lab.sh" run healthy "$certs" -- bash -c '
    set -u
    run() { "$0" "good.lab.test:$LAB_PORT" --ca-file "$LAB_CERTS/root.pem" --json --timeout 20 "$@"; }
    a="$(run --dns-servers 127.0.0.1:$GOOD --expect-cname site.lb-new.lab.test)"; ra=$?
    b="$(run --dns-servers 127.0.0.1:$OLD --expect-cname site.lb-new.lab.test)"; rb=$?
    c="$("$0" "nosuch.lab.test:$LAB_PORT" --dns-servers 127.0.0.1:$GOOD --json --timeout 20)"; rc=$?
    python3 - "$a" "$ra" "$b" "$rb" "$c" "$rc" <<PY
import json, sys
a, ra, b, rb, c, rc = sys.argv[1:]
a, b, c = json.loads(a), json.loads(b), json.loads(c)
ids = lambda d: [f["id"] for f in d["findings"]]
root = lambda d: (d.get("root_cause") or {}).get("id")
print("good chain: exit %s cnames %s root %s" % (ra, a["observations"]["dns"]["cnames"], root(a)))
print("old chain:  exit %s cnames %s root %s" % (rb, b["observations"]["dns"]["cnames"], root(b)))
print("no name:    exit %s root %s" % (rc, root(c)))
ok = ra == "0" and a["observations"]["dns"]["cnames"] == ["site.lb-new.lab.test"]
ok = ok and "dns.record.unexpected_cname" not in ids(a)
ok = ok and a["observations"]["dns"]["addresses"] == ["127.0.0.1"]
ok = ok and rb == "2" and root(b) == "dns.record.unexpected_cname"
ok = ok and any("site.lb-old.lab.test" in f["evidence"] for f in b["findings"] if f["id"] == root(b))
ok = ok and rc == "2" and root(c) == "dns.resolve.nxdomain"
sys.exit(0 if ok else 1)
PY
' "$bin"
