#!/bin/bash
# bench/pcap.sh [SIZE_MB]: `tlsdoctor pcap` against cat and tshark on the same >= 1 GB capture of
# real TLS traffic, in one run. The base capture is recorded from the lab with tcpdump on lo:
# curl downloading over TLS from openssl s_server (-WWW), plus failing handshakes (an expired
# certificate, plain HTTP on the TLS port, a closed port). It is recorded in a network namespace
# of its own (unshare -n) whose lo has a 1,500-byte MTU and no GSO, so the packets are those of
# an Ethernet link, not 16 KB loopback segments (MTU=65536 for the old behaviour). It is
# repeated, shifted in time, to SIZE_MB (default 1024) and to 100 MB, to show that peak memory
# does not grow with the file.
# Then the real-traffic corpus: every public capture of ../shared/data/pcaps merged and
# repeated to REAL_MB (default 1024) with rewritten addresses (bench/realcorpus.py), against
# cat and tshark extracting the same fields (version, cipher, group, SNI, alerts); packets/s and
# handshakes/s from tlsdoctor's JSON summary. tlsdoctor also runs with --threads 2 (flows
# sharded over two threads) and with --json (one line per connection).
# Prints wall time, MB/s and peak memory of each command and the ratios. cat and tlsdoctor
# are the best of REPEAT (3) runs; tshark runs once (it is slow).
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb="${1:-1024}"
[ "$size_mb" = --record-only ] || [ "$size_mb" -gt 0 ] 2>/dev/null || { echo "usage: bench/pcap.sh [SIZE_MB]" >&2; exit 2; }
bin="${TLSDOCTOR:-build/release/tlsdoctor}"
[ -x "$bin" ] || { echo "bench: build first: make release" >&2; exit 3; }
for t in tcpdump tshark curl openssl /usr/bin/time; do
    command -v "$t" >/dev/null || { echo "bench: needs $t (scripts/install-deps.sh)" >&2; exit 3; }
done
work="${BENCH_DIR:-/tmp/tdbench}"
certs="$work/pki"
mkdir -p "$work"
tests/lab/lab.sh certs "$certs" >/dev/null
mtu="${MTU:-1500}"
base="$work/base-mtu$mtu.pcap"
if [ "$mtu" != 65536 ] && [ -z "${TD_IN_NETNS:-}" ] && [ ! -f "$base" ] && unshare -n true 2>/dev/null; then
    # Record in a private network namespace: lo with the MTU asked for, GSO off.
    echo "recording $base in a network namespace, MTU $mtu ..."
    TD_IN_NETNS=1 unshare -n bash -c "ip link set lo up && ip link set lo mtu $mtu &&
        ip link set lo gso_max_size $mtu gso_max_segs 1 && exec bash '$PWD/bench/pcap.sh' --record-only" ||
        { echo "bench: recording failed" >&2; exit 3; }
fi
if [ ! -f "$base" ]; then
    echo "recording $base from the lab ..."
    www="$work/www"; mkdir -p "$www"
    head -c 300000 /dev/urandom > "$www/file.bin"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    (cd "$www" && exec openssl s_server -quiet -WWW -accept "127.0.0.1:$port" \
        -cert "$certs/good.pem" -cert_chain "$certs/int.pem" -key "$certs/good.key") >/dev/null 2>&1 & srv=$!
    (cd "$www" && exec openssl s_server -quiet -WWW -accept "127.0.0.1:$((port+1))" \
        -cert "$certs/expired.pem" -cert_chain "$certs/int.pem" -key "$certs/expired.key") >/dev/null 2>&1 & srv2=$!
    tcpdump -i lo -U -s 0 -w "$base" "tcp portrange $port-$((port+2))" 2>"$work/tcpdump.err" & tp=$!
    sleep 2
    for i in $(seq 1 20); do
        curl -s -o /dev/null --cacert "$certs/root.pem" --resolve "good.lab.test:$port:127.0.0.1" \
            "https://good.lab.test:$port/file.bin" || true
        if [ $((i % 4)) -eq 0 ]; then
            curl -s -o /dev/null -m 2 --cacert "$certs/root.pem" \
                --resolve "x.lab.test:$((port+1)):127.0.0.1" "https://x.lab.test:$((port+1))/file.bin" || true
            curl -s -o /dev/null -m 2 "http://127.0.0.1:$port/" || true
            curl -s -o /dev/null -m 2 "https://127.0.0.1:$((port+2))/" || true
        fi
    done
    sleep 1
    kill -INT $tp; wait $tp || true
    kill $srv $srv2; wait $srv $srv2 2>/dev/null || true
fi
[ "$size_mb" = --record-only ] && exit 0
make_big() { # MB OUT: the base capture repeated, shifted 10 s per copy
    [ -f "$2" ] && return 0
    echo "building $2 ($1 MB) ..."
    python3 - "$base" "$1" "$2" <<'PY'
import struct, sys
src, mb, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
data = open(src, "rb").read()
hdr, body = data[:24], data[24:]
endian = "<" if data[:4] == b"\xd4\xc3\xb2\xa1" else ">"
pkts, off = [], 0
while off + 16 <= len(body):
    ts, us, incl, orig = struct.unpack(endian + "IIII", body[off:off + 16])
    pkts.append((ts, us, body[off + 16:off + 16 + incl], orig))
    off += 16 + incl
span = pkts[-1][0] - pkts[0][0] + 10
with open(out, "wb") as f:
    f.write(hdr)
    written, k = 24, 0
    while written < mb * 1_000_000:
        chunk = b"".join(struct.pack(endian + "IIII", ts + k * span, us, len(p), orig) + p
                         for ts, us, p, orig in pkts)
        f.write(chunk)
        written += len(chunk)
        k += 1
PY
}
big="$work/tls-mtu$mtu-${size_mb}m.pcap"; small="$work/tls-mtu$mtu-100m.pcap"
make_big "$size_mb" "$big"
make_big 100 "$small"
bytes=$(stat -c %s "$big")
cat "$big" > /dev/null
. bench/lib.sh
results=()
results+=("$(bench_run cat_devnull "${REPEAT:-3}" sh -c "cat '$big' > /dev/null")")
results+=("$(bench_run tlsdoctor "${REPEAT:-3}" "$bin" pcap --no-color "$big")")
results+=("$(bench_run tlsdoctor_t2 "${REPEAT:-3}" "$bin" pcap --no-color --threads 2 "$big")")
results+=("$(bench_run tshark 1 tshark -n -r "$big" -Y 'tls.handshake.type == 1 || tls.handshake.type == 2 || tls.alert_message' -T fields -e tcp.stream -e tls.handshake.extensions_server_name -e tls.handshake.ciphersuite -e tls.alert_message.desc)")
small_run="$(bench_run tlsdoctor_100m 1 "$bin" pcap --no-color "$small")"
printf '%-16s %9s %10s %10s\n' command seconds MB/s peak_MB
tl=""
for r in "${results[@]}" "$small_run"; do
    read -r name secs kb <<<"$r"
    b=$bytes; [ "$name" = tlsdoctor_100m ] && b=$(stat -c %s "$small")
    mbs=$(python3 -c "print('%.0f' % ($b/1e6/max($secs,0.001)))")
    printf '%-16s %9s %10s %10s\n' "$name" "$secs" "$mbs" "$((kb / 1024))"
    [ "$name" = tlsdoctor ] && tl="$secs"
done
echo
for r in "${results[@]}"; do
    read -r name secs _ <<<"$r"
    [ "$name" = tlsdoctor ] && continue
    [ "$name" = tlsdoctor_t2 ] && {
        python3 -c "print('tlsdoctor --threads 2: %.2fx the speed of one thread' % ($tl / max($secs, 0.001)))"
        continue
    }
    python3 -c "print('tlsdoctor vs %-12s: %.2fx the time' % ('$name', $tl / max($secs, 0.001)))"
done
echo "file: $big, $((bytes / 1000000)) MB; tlsdoctor: $(grep -m1 'TCP connections' "$work/tlsdoctor.out")"

# ---- real traffic: the public captures, merged and repeated to REAL_MB ----
real_mb="${REAL_MB:-1024}"
pcaps="${PCAPS:-../shared/data/pcaps}"
real="$work/real-${real_mb}m.pcapng"
if [ -d "$pcaps" ]; then
    [ -f "$real" ] || python3 bench/realcorpus.py "$pcaps" "$real_mb" "$real"
    rbytes=$(stat -c %s "$real")
    cat "$real" > /dev/null
    "$bin" pcap --json "$real" > "$work/real.json" || true
    read -r rpk rhs < <(tail -1 "$work/real.json" | python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["packets"], s["tls_connections"])')
    real_res=()
    real_res+=("$(bench_run real_cat "${REPEAT:-3}" sh -c "cat '$real' > /dev/null")")
    real_res+=("$(bench_run real_tlsdoctor "${REPEAT:-3}" "$bin" pcap --no-color "$real")")
    real_res+=("$(bench_run real_tlsdoctor_t2 "${REPEAT:-3}" "$bin" pcap --no-color --threads 2 "$real")")
    real_res+=("$(bench_run real_td_json "${REPEAT:-3}" "$bin" pcap --json "$real")")
    real_res+=("$(bench_run real_tshark 1 tshark -n -r "$real" -Y 'tls.handshake.type == 1 || tls.handshake.type == 2 || tls.handshake.type == 12 || tls.alert_message' -T fields -e tcp.stream -e tls.handshake.extensions_server_name -e tls.handshake.version -e tls.handshake.extensions.supported_version -e tls.handshake.ciphersuite -e tls.handshake.extensions_key_share_group -e tls.handshake.server_named_curve -e tls.alert_message.level -e tls.alert_message.desc)")
    echo
    echo "real traffic: $real, $((rbytes / 1000000)) MB, $rpk packets, $rhs TLS connections"
    printf '%-16s %9s %10s %10s %12s %12s\n' command seconds MB/s peak_MB packets/s handshakes/s
    for r in "${real_res[@]}"; do
        read -r name secs kb <<<"$r"
        python3 -c "s=max($secs,0.001); print('%-16s %9s %10.0f %10d %12.0f %12.0f' % ('$name', '$secs', $rbytes/1e6/s, $kb//1024, $rpk/s, $rhs/s))"
    done
    read -r _ tl_s tl_kb <<<"${real_res[1]}"
    read -r _ t2_s _ <<<"${real_res[2]}"
    read -r _ ts_s ts_kb <<<"${real_res[4]}"
    python3 -c "print('tlsdoctor vs tshark: %.1fx faster, %.1fx less peak memory' % ($ts_s / max($tl_s, 0.001), $ts_kb / max($tl_kb, 1)))"
    python3 -c "print('tlsdoctor --threads 2 vs 1: %.2fx the speed' % ($tl_s / max($t2_s, 0.001)))"
fi
