#!/bin/bash
# bench/matrix.sh: the full handshake matrix of `tlsdoctor matrix` against sslscan and
# testssl.sh, on the same lab servers, in one run: a healthy nginx (Mozilla "intermediate"
# configuration), a TLS 1.0-only openssl s_server, and an s_server accepting every suite its
# OpenSSL has (ALL:COMPLEMENTOFALL:@SECLEVEL=0, TLS 1.0-1.3). For each tool: wall time, CPU
# (user+system, GNU time), and the TCP connections it opened (SYNs to the port, counted with
# tcpdump on lo; needs root, else "n/a"). Then the ratios against tlsdoctor.
#   testssl.sh runs what the matrix covers: -p (protocols), -E (each cipher per protocol),
#   -P (server preference), -c (client simulation). sslscan runs its default scan.
# tlsdoctor's time includes the whole diagnosis (DNS skipped, TCP, sniff, handshakes, HTTP)
# before the matrix.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${TLSDOCTOR:-build/release/tlsdoctor}"
[ -x "$bin" ] || { echo "bench: build first: make release" >&2; exit 3; }
for t in sslscan testssl tcpdump /usr/bin/time; do
    command -v "$t" >/dev/null || { echo "bench: needs $t (scripts/install-deps.sh)" >&2; exit 3; }
done
work="${BENCH_DIR:-/tmp/tdbench}"
mkdir -p "$work"
export work bin
tests/lab/lab.sh certs "$work/pki" >/dev/null

one_server() { # runs inside lab.sh run: LAB_PORT, LAB_HOST, LAB_CERTS
    # measure NAME CMD...: prints "NAME seconds cpu connections"
    measure() {
        local name="$1"; shift
        local cap="$work/$name.pcap" tp=""
        if [ "$(id -u)" = 0 ]; then
            tcpdump -i lo -n -U --immediate-mode -w "$cap" "tcp dst port $LAB_PORT and tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn" \
                >/dev/null 2>&1 & tp=$!
            sleep 1
        fi
        local t
        /usr/bin/time -o "$work/$name.time" -f "%e %U %S" "$@" > "$work/$name.out" 2>/dev/null || true
        t="$(tail -1 "$work/$name.time")"
        local conns="n/a"
        if [ -n "$tp" ]; then
            sleep 1; kill "$tp"; wait "$tp" 2>/dev/null || true
            conns="$(tcpdump -r "$cap" -n 2>/dev/null | wc -l)"
        fi
        set -- $t
        echo "$name $1 $(python3 -c "print(round($2 + $3, 2))") $conns"
    }
    measure tlsdoctor "$bin" matrix "$LAB_HOST" --connect-to "127.0.0.1:$LAB_PORT" \
        --ca-file "$LAB_CERTS/root.pem" --json
    measure sslscan sslscan --no-colour "127.0.0.1:$LAB_PORT"
    (cd "$work" && measure testssl testssl --quiet --color 0 --warnings off -p -E -P -c \
        "127.0.0.1:$LAB_PORT")
}
export -f one_server

printf "%-14s %-10s %9s %7s %6s\n" server tool seconds cpu_s conns
for scen in modern_nginx tls10_only many_ciphers; do
    res="$(tests/lab/lab.sh run "$scen" "$work/pki" -- bash -c one_server)"
    echo "$res" | while read -r name sec cpu conns; do
        printf "%-14s %-10s %9s %7s %6s\n" "$scen" "$name" "$sec" "$cpu" "$conns"
    done
    echo "$res" | python3 -c '
import sys
rows = {l.split()[0]: l.split()[1:] for l in sys.stdin if l.strip()}
td = float(rows["tlsdoctor"][0])
for peer in ("sslscan", "testssl"):
    print("%-14s %s is %.0fx slower than tlsdoctor (wall)" % ("", peer, float(rows[peer][0]) / max(td, 0.001)))
'
done
