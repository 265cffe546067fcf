#!/bin/bash
# tests/integration/mtu_netns.sh BIN CERTDIR: an MTU black hole made by the test itself:
#   client ns --(veth, MTU 1500)-- router ns --(MTU 1000 toward the client)-- ... server ns
# The router's link toward the client is small, and an nftables rule on the router drops the ICMP
# "fragmentation needed" it sends back to the server, so the server's full-size segments die
# silently. Real nginx in the server ns; tlsdoctor in the client ns must name
# proto.mtu_blackhole. All addresses live only inside the namespaces made here (10.213.x, the
# project's own test hosts); everything is removed on exit. Skipped (exit 77) with a reason
# only where network namespaces cannot be made.
set -euo pipefail
bin="$1"; certs="$2"
tag="td$$"
c="${tag}c"; r="${tag}r"; s="${tag}s"
cleanup() {
    [ -n "${spid:-}" ] && kill "$spid" 2>/dev/null || true
    for n in "$c" "$r" "$s"; do ip netns del "$n" 2>/dev/null || true; done
    [ -n "${rundir:-}" ] && rm -rf "$rundir"
}
trap cleanup EXIT
if [ "$(id -u)" -ne 0 ] || ! ip netns add "$c" 2>/dev/null; then
    echo "SKIP: network namespaces need root and iproute2 (ip netns add failed)"
    exit 77
fi
command -v nft >/dev/null || { echo "nft not found: run scripts/install-deps.sh" >&2; exit 1; }
ip netns add "$r"; ip netns add "$s"
ip link add "${tag}c0" type veth peer name "${tag}r0"
ip link add "${tag}r1" type veth peer name "${tag}s0"
ip link set "${tag}c0" netns "$c"; ip link set "${tag}r0" netns "$r"
ip link set "${tag}r1" netns "$r"; ip link set "${tag}s0" netns "$s"
ip -n "$c" addr add 10.213.1.2/24 dev "${tag}c0"
ip -n "$r" addr add 10.213.1.1/24 dev "${tag}r0"
ip -n "$r" addr add 10.213.2.1/24 dev "${tag}r1"
ip -n "$s" addr add 10.213.2.2/24 dev "${tag}s0"
for n in "$c" "$r" "$s"; do ip -n "$n" link set lo up; done
ip -n "$c" link set "${tag}c0" up; ip -n "$r" link set "${tag}r0" up
ip -n "$r" link set "${tag}r1" up; ip -n "$s" link set "${tag}s0" up
# The small hop: the router's side toward the client.
ip -n "$r" link set "${tag}r0" mtu 1000
ip -n "$c" route add default via 10.213.1.1
ip -n "$s" route add default via 10.213.2.1
ip netns exec "$r" sysctl -qw net.ipv4.ip_forward=1
# The router drops the ICMP "fragmentation needed" (type 3 code 4) it generates itself.
ip netns exec "$r" nft add table inet tdmtu
ip netns exec "$r" nft add chain inet tdmtu out '{ type filter hook output priority 0; }'
ip netns exec "$r" nft add rule inet tdmtu out icmp type destination-unreachable icmp code frag-needed drop
# No segmentation offload on the server side: segments leave at the negotiated MSS.
ip netns exec "$s" ip link set "${tag}s0" gso_max_size 65536 2>/dev/null || true

# A certificate flight well over 1000 bytes: the leaf, the intermediate and the root.
cat "$certs/good.pem" "$certs/int.pem" "$certs/root.pem" > "$certs/mtu-chain.pem"
# nginx, not the single-threaded s_server: the small-segment retry runs beside the first
# ClientHello, and s_server would serve it only after the stalled first connection closed.
rundir="$(mktemp -d "${TMPDIR:-/tmp}/tdmtu.XXXXXX")"
mkdir -p "$rundir/tmp"
cat > "$rundir/nginx.conf" <<CONF
master_process off;
worker_processes 1;
pid $rundir/nginx.pid;
error_log $rundir/error.log;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $rundir/tmp;
    proxy_temp_path $rundir/tmp;
    fastcgi_temp_path $rundir/tmp;
    uwsgi_temp_path $rundir/tmp;
    scgi_temp_path $rundir/tmp;
    server {
        listen 10.213.2.2:4433 ssl;
        ssl_certificate $certs/mtu-chain.pem;
        ssl_certificate_key $certs/good.key;
        ssl_protocols TLSv1.2;
        location / { return 200 "ok\n"; }
    }
}
CONF
ip netns exec "$s" nginx -p "$rundir" -c "$rundir/nginx.conf" -g 'daemon off;' >/dev/null 2>&1 &
spid=$!
for _ in $(seq 1 50); do
    if ip netns exec "$c" bash -c 'exec 3<>/dev/tcp/10.213.2.2/4433' 2>/dev/null; then break; fi
    sleep 0.1
done
# Small packets pass (the TCP handshake worked above); the certificate flight must not.
out="$(ip netns exec "$c" "$bin" good.lab.test --connect-to 10.213.2.2:4433 \
        --ca-file "$certs/root.pem" --json --timeout 30 --step-timeout 4)" || true
python3 - "$out" <<'PY'
import json, sys
doc = json.loads(sys.argv[1])
root = doc["root_cause"]["id"] if doc["root_cause"] else "none"
print("root cause: %s (expected proto.mtu_blackhole)" % root)
if root != "proto.mtu_blackhole":
    print(json.dumps(doc["observations"]["sniff"], indent=1))
    print(json.dumps(doc["observations"]["small_mss"], indent=1))
    sys.exit(1)
print(doc["root_cause"]["evidence"])
PY
