#!/bin/bash
# bench/exporter.sh: the exporter's throughput and memory, and the history's insert rate.
#  1. A healthy lab nginx (tests/lab/lab.sh) and `tlsdoctor exporter --max-probes C`; curl
#     sends PROBES (default 10000) GET /probe?target=...&profile=PROFILE with C transfers at
#     once (curl -Z), in ten batches. Prints probes/s and the exporter's RSS (VmRSS) after each
#     batch: memory must not grow with the number of probes. Every answer must be a 200.
#  2. td_bench_store: one real diagnosis of the same origin stored INSERTS (default 10000)
#     times, one transaction per target as a scan writes them: targets written per second, to
#     set against the scan rate (the probes/s above is one diagnosis per probe).
#  3. `tlsdoctor scan` of SCAN_TARGETS (default 2000) lines on that origin, quick profile,
#     with and without --db: the scan rate with the history written, against without.
#   CONCURRENCY=8 PROBES=10000 PROFILE=quick INSERTS=10000 SCAN_TARGETS=2000 bench/exporter.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${TLSDOCTOR:-build/release/tlsdoctor}"
[ -x "$bin" ] || { echo "bench: build first: make release" >&2; exit 3; }
conc="${CONCURRENCY:-8}" probes="${PROBES:-10000}" profile="${PROFILE:-quick}"
inserts="${INSERTS:-10000}"
work="${BENCH_DIR:-/tmp/tdbench-exporter}"
mkdir -p "$work"
tests/lab/lab.sh certs "$work/pki" >/dev/null
if [ ! -x build/release/td_bench_store ]; then
    nice cmake --build --preset release -j1 --target td_bench_store >/dev/null
fi
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
export bin conc probes profile inserts work
tests/lab/lab.sh run healthy "$work/pki" -- bash -c '
set -euo pipefail
eport="$(python3 -c "import socket; s=socket.socket(); s.bind((\"127.0.0.1\",0)); print(s.getsockname()[1])")"
"$bin" exporter --listen "127.0.0.1:$eport" --max-probes "$conc" --resolve 127.0.0.1 \
    --ca-file "$LAB_CERTS/root.pem" --step-timeout 3 > "$work/exporter.log" 2>&1 &
pid=$!
trap "kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true" EXIT
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$eport") 2>/dev/null && break; sleep 0.1; done
rss() { awk "/^VmRSS/ {print \$2}" "/proc/$pid/status"; }
url="http://127.0.0.1:$eport/probe?target=good.lab.test:$LAB_PORT&profile=$profile"
batch=$((probes / 10))
: > "$work/urls"
for _ in $(seq "$batch"); do printf "url = \"%s\"\noutput = \"/dev/null\"\n" "$url" >> "$work/urls"; done
echo "exporter: $probes probes of good.lab.test (nginx, 127.0.0.1), profile=$profile, $conc at once"
echo "RSS before: $(rss) kB"
start=$(date +%s.%N)
for b in $(seq 10); do
    curl -s --no-progress-meter -Z --parallel-max "$conc" -w "%{http_code}\n" -K "$work/urls" > "$work/codes"
    bad=$(grep -vc "^200$" "$work/codes" || true)
    now=$(date +%s.%N)
    printf "after %6d probes: %6.1f probes/s so far, RSS %s kB, non-200 answers in batch: %s\n" \
        $((b * batch)) "$(echo "$b * $batch / ($now - $start)" | bc -l)" "$(rss)" "$bad"
done
end=$(date +%s.%N)
printf "total: %d probes in %.1f s = %.1f probes/s at concurrency %d\n" "$probes" \
    "$(echo "$end - $start" | bc -l)" "$(echo "$probes / ($end - $start)" | bc -l)" "$conc"
curl -s "http://127.0.0.1:$eport/metrics" | grep -E "^tlsdoctor_exporter_(probes_total|rejected_total|max_rss)"
rm -f "$work/history.db"*
echo "history: $inserts inserts of one real report of the same origin"
build/release/td_bench_store good.lab.test "$LAB_PORT" "$LAB_CERTS/root.pem" "$work/history.db" "$inserts"
ls -l "$work/history.db"
# 3. The scan with and without --db: SCAN_TARGETS distinct lines (hN.lab.test, all on this
#    origin), quick profile, concurrency 64.
nt="${SCAN_TARGETS:-2000}"
for i in $(seq 1 "$nt"); do printf "h%d.lab.test:%s 127.0.0.1\n" "$i" "$LAB_PORT"; done > "$work/targets"
for mode in plain db; do
    rm -f "$work/scan.db"*
    extra=()
    [ "$mode" = db ] && extra=(--db "$work/scan.db")
    s0=$(date +%s.%N)
    "$bin" scan "$work/targets" --profile quick --concurrency 64 --ca-file "$LAB_CERTS/root.pem" \
        --no-progress "${extra[@]}" > /dev/null 2>&1 || true
    s1=$(date +%s.%N)
    printf "scan %-5s %d targets in %.2f s = %.1f targets/s\n" "$mode" "$nt" \
        "$(echo "$s1 - $s0" | bc -l)" "$(echo "$nt / ($s1 - $s0)" | bc -l)"
done
[ -f "$work/scan.db" ] && echo "stored: $(sqlite3 "$work/scan.db" "SELECT count(*) FROM results") results"
'
