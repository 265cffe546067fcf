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
#   RTT_MS=50 bench/matrix.sh: every tool talks to the server through bench/delayproxy.py (a
#   50 ms round trip; connections are still counted at the server's port, one per client
#   connection). testssl.sh is bounded by TESTSSL_TIMEOUT seconds (default 900); a run cut
#   short is marked "timeout" and its ratio is a lower bound. SCENARIOS picks the servers.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${TLSDOCTOR:-build/release/tlsdoctor}"
[ -x "$bin" ] || { echo "bench: build first: make release" >&2; exit 3; }
for t in sslscan testssl tcpdump /usr/bin/time; do
    command -v "$t" >/dev/null || { echo "bench: needs $t (scripts/install-deps.sh)" >&2; exit 3; }
done
work="${BENCH_DIR:-/tmp/tdbench}"
mkdir -p "$work"
rtt="${RTT_MS:-0}" testssl_timeout="${TESTSSL_TIMEOUT:-900}"
export work bin rtt testssl_timeout
tests/lab/lab.sh certs "$work/pki" >/dev/null

one_server() { # runs inside lab.sh run: LAB_PORT, LAB_HOST, LAB_CERTS
    local to="$LAB_PORT"
    if [ "$rtt" != 0 ]; then
        . bench/lib.sh
        delay_start "$LAB_PORT" "$rtt"
        trap delay_stop EXIT
        to="$DELAY_PORT"
    fi
    # measure NAME CMD...: prints "NAME seconds cpu connections"
    measure() {
        local name="$1"; shift
        local cap="$work/$name.pcap" tp=""
        if [ "$(id -u)" = 0 ]; then
            tcpdump -i lo -n -U --immediate-mode -w "$cap" "tcp dst port $LAB_PORT and tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn" \
                >/dev/null 2>&1 & tp=$!
            sleep 1
        fi
        local t rc=0
        /usr/bin/time -o "$work/$name.time" -f "%e %U %S" "$@" > "$work/$name.out" 2>/dev/null || rc=$?
        t="$(tail -1 "$work/$name.time")"
        local conns="n/a"
        if [ -n "$tp" ]; then
            sleep 1; kill "$tp"; wait "$tp" 2>/dev/null || true
            conns="$(tcpdump -r "$cap" -n 2>/dev/null | wc -l)"
        fi
        set -- $t
        local note=""; [ "$rc" = 124 ] && note=" timeout"
        echo "$name $1 $(python3 -c "print(round($2 + $3, 2))") $conns$note"
    }
    measure tlsdoctor "$bin" matrix "$LAB_HOST" --connect-to "127.0.0.1:$to" \
        --ca-file "$LAB_CERTS/root.pem" --json
    measure sslscan sslscan --no-colour "127.0.0.1:$to"
    (cd "$work" && measure testssl timeout "$testssl_timeout" testssl --quiet --color 0 \
        --warnings off -p -E -P -c "127.0.0.1:$to")
}
export -f one_server

[ "$rtt" != 0 ] && echo "through bench/delayproxy.py, round trip $rtt ms"
printf "%-14s %-10s %9s %7s %6s\n" server tool seconds cpu_s conns
for scen in ${SCENARIOS:-modern_nginx tls10_only many_ciphers}; do
    res="$(tests/lab/lab.sh run "$scen" "$work/pki" -- bash -c one_server)"
    echo "$res" | while read -r name sec cpu conns note; do
        printf "%-14s %-10s %9s %7s %6s %s\n" "$scen" "$name" "$sec" "$cpu" "$conns" "${note:-}"
    done
    echo "$res" | python3 -c '
import sys
rows = {l.split()[0]: l.split()[1:] for l in sys.stdin if l.strip()}
td = float(rows["tlsdoctor"][0])
for peer in ("sslscan", "testssl"):
    bound = ">=" if rows[peer][-1] == "timeout" else ""
    print("%-14s %s is %s%.0fx slower than tlsdoctor (wall)" % ("", peer, bound, float(rows[peer][0]) / max(td, 0.001)))
'
done
