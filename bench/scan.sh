#!/bin/bash
# bench/scan.sh: the fleet scan, side by side in one run. One nginx with N_LISTENERS (default
# 200) TLS listeners on 127.0.1.1 ... 127.0.1.N port 8443, certificates in turn: ECDSA healthy,
# RSA healthy, ECDSA expired, ECDSA chain without its intermediate, ECDSA wrong name. On the
# same list of those N targets:
#   tlsdoctor scan --profile quick and --profile full, sslscan --targets (its default scan,
#   sequential by design) and testssl.sh --file --parallel (its default run).
# sslscan and testssl.sh are slow: they run on the first SSLSCAN_N (default 20) and TESTSSL_N
# (default 4) targets and their time is extrapolated linearly to N, said so in the output.
# sslscan is sequential, so linear is exact up to noise; testssl.sh --parallel runs the subset
# at once, and linear holds only when the subset already saturates the CPUs (2 cores here: it
# does, check its cpu_s against wall_s x cores in the output).
# Then the quick profile's throughput on QUICK_TARGETS (default 5000) distinct target lines
# (each listener under many paths: every line is its own connection and handshake), the CPU
# per quick target against `openssl s_client` with verification (one process per handshake,
# 50 runs), and the memory with CONNS (default 2000) connections in flight to a silent
# listener (VmRSS once all are established; also with CONNS/20 for the marginal cost of one
# connection). Servers are started and stopped by PID.
# The ceiling: bench/handshake_ceiling.c, CEIL_THREADS (default 4) threads of bare
# SSL_connect + chain/name verification with one shared SSL_CTX against the same N listeners for
# CEIL_SECONDS (default 10): the handshake rate this machine reaches with the servers on it; the
# quick profile's rate is printed as a fraction of it.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${TLSDOCTOR:-build/release/tlsdoctor}"
[ -x "$bin" ] || { echo "bench: build first: cmake --preset release && cmake --build --preset release" >&2; exit 3; }
for t in nginx sslscan testssl /usr/bin/time python3 openssl cc; do
    command -v "$t" >/dev/null || { echo "bench: needs $t (scripts/install-deps.sh)" >&2; exit 3; }
done
work="${BENCH_DIR:-/tmp/tdbench-scan}"
N="${N_LISTENERS:-200}" SSLSCAN_N="${SSLSCAN_N:-20}" TESTSSL_N="${TESTSSL_N:-4}"
QUICK_TARGETS="${QUICK_TARGETS:-5000}" CONNS="${CONNS:-2000}" CONC="${CONCURRENCY:-256}"
rm -rf "$work/ngx" && mkdir -p "$work/ngx/tmp"
tests/lab/lab.sh certs "$work/pki" >/dev/null
c="$work/pki"
cat "$c/rsa.pem" "$c/int.pem" > "$work/rsa.full.pem"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

# --- the servers ---------------------------------------------------------------------------
srv=""
for i in $(seq 1 "$N"); do
    case $((i % 5)) in
    1) crt="$c/good.full.pem" key="$c/good.key" ;;
    2) crt="$work/rsa.full.pem" key="$c/rsa.key" ;;
    3) crt="$c/expired.full.pem" key="$c/expired.key" ;;
    4) crt="$c/good.pem" key="$c/good.key" ;;
    0) crt="$c/wrongname.full.pem" key="$c/wrongname.key" ;;
    esac
    srv+="    server { listen 127.0.1.$i:8443 ssl; ssl_certificate $crt; ssl_certificate_key $key; location / { return 200 \"ok\\n\"; } }
"
done
cat > "$work/ngx/nginx.conf" <<CONF
daemon off;
master_process on;
worker_processes 2;
worker_rlimit_nofile 65536;
pid $work/ngx/nginx.pid;
error_log $work/ngx/error.log crit;
events { worker_connections 16384; }
http {
    access_log off;
    ssl_session_cache off;
    ssl_session_tickets off;
    client_body_temp_path $work/ngx/tmp;
    proxy_temp_path $work/ngx/tmp;
    fastcgi_temp_path $work/ngx/tmp;
    uwsgi_temp_path $work/ngx/tmp;
    scgi_temp_path $work/ngx/tmp;
$srv}
CONF
nginx -p "$work/ngx" -c "$work/ngx/nginx.conf" -e "$work/ngx/error.log" >"$work/ngx/out.log" 2>&1 &
pids+=($!)
# a silent listener for the memory measurement: accepts and never answers
python3 -c '
import socket, time, resource
h = resource.getrlimit(resource.RLIMIT_NOFILE)[1]; resource.setrlimit(resource.RLIMIT_NOFILE, (h, h))
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.2.1", 9443)); s.listen(4096); keep = []
end = time.time() + 3600
while time.time() < end:
    c, _ = s.accept(); keep.append(c)
' &
pids+=($!)
for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.1.$N/8443") 2>/dev/null && (exec 3<>/dev/tcp/127.0.2.1/9443) 2>/dev/null && break
    sleep 0.1
done
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

# --- the lists -----------------------------------------------------------------------------
for i in $(seq 1 "$N"); do echo "good.lab.test:8443 127.0.1.$i"; done > "$work/targets.txt"
for i in $(seq 1 "$N"); do echo "127.0.1.$i:8443"; done > "$work/peers.txt"
head -n "$SSLSCAN_N" "$work/peers.txt" > "$work/sslscan.txt"
head -n "$TESTSSL_N" "$work/peers.txt" | sed 's/^\(.*\):8443$/--ip=\1 good.lab.test:8443/' > "$work/testssl.txt"
python3 - "$N" "$QUICK_TARGETS" > "$work/quick.txt" <<'PY'
import sys
n, total = int(sys.argv[1]), int(sys.argv[2])
for k in range(total):
    print("https://good.lab.test:8443/p%d 127.0.1.%d" % (k // n, k % n + 1))
PY
for i in $(seq 1 "$CONNS"); do echo "s$i.lab.test:9443 127.0.2.1"; done > "$work/silent.txt"

# measure NAME CMD...: "NAME wall cpu peak_rss_kb" (GNU time)
measure() {
    local name="$1"; shift
    /usr/bin/time -f "%e %U %S %M" -o "$work/$name.time" "$@" > "$work/$name.out" 2> "$work/$name.err" || true
    read -r wall u s rss < <(tail -1 "$work/$name.time")
    echo "$name $wall $(python3 -c "print(round($u+$s,2))") $rss"
}
# ceiling: "handshakes seconds per_second failed"
cc -O2 -o "$work/handshake_ceiling" bench/handshake_ceiling.c -lssl -lcrypto -lpthread
ceiling() {
    "$work/handshake_ceiling" "$work/peers.txt" good.lab.test "$c/root.pem" "${CEIL_THREADS:-4}" "${CEIL_SECONDS:-10}"
}
# per_second NAME TARGETS: the rate of a measured quick run and its fraction of the ceiling
per_second() {
    python3 -c "import sys; w=float(sys.argv[1]); n=int(sys.argv[2]); c=float(sys.argv[3]); print('%s: %d targets in %.2f s = %.0f targets/s = %.0f%% of the bare handshake ceiling (%.0f/s)' % (sys.argv[4], n, w, n / w, 100 * n / w / c, c))" "$(cut -d' ' -f2 <<<"$1")" "$2" "$3" "$(cut -d' ' -f1 <<<"$1")"
}
# rss_in_flight N: VmRSS (kB) of a quick scan of the first N silent targets once the listener
# holds all N connections (ss counts them; 0.5 s later, so that every hello is out)
rss_in_flight() {
    local n="$1" c=0 pid rss
    head -n "$n" "$work/silent.txt" > "$work/silent.$n.txt"
    "${scan[@]}" --profile quick --concurrency "$n" --timeout 8 --step-timeout 8 "$work/silent.$n.txt" > /dev/null 2>&1 &
    pid=$!
    for _ in $(seq 100); do
        c=$(ss -Htn state established '( sport = :9443 )' | wc -l)
        [ "$c" -ge "$n" ] && break
        sleep 0.1
    done
    sleep 0.5
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    sleep 0.5 # the listener's side of those connections leaves "established" (CLOSE-WAIT)
    echo "$rss $c"
}
# memory_row: CONNS silent targets in flight at once, and CONNS/20 for the process's fixed part:
# the whole VmRSS divided by CONNS, and the cost of one more connection (the slope between the
# two), which is what "per connection in flight" means once the libraries are loaded
memory_row() {
    local small=$((CONNS / 20)) big lo
    big=$(rss_in_flight "$CONNS")
    lo=$(rss_in_flight "$small")
    read -r rb cb <<<"$big"
    read -r rl cl <<<"$lo"
    echo "in flight: $cb connections VmRSS $rb kB = $((rb / CONNS)) KiB each; $cl connections $rl kB; marginal $(((rb - rl) / (CONNS - small))) KiB per connection (goal <= 64)"
}
scan=("$bin" scan --json --no-progress --ca-file "$c/root.pem" --concurrency "$CONC" --timeout 10 --step-timeout 5)
echo "# machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $(nginx -v 2>&1); sslscan $(sslscan --version 2>&1 | grep -o '[0-9]\.[0-9.]*' | head -1); testssl $(testssl --version 2>/dev/null | grep -o '3\.[0-9.a-z-]*' | head -1)"
echo "# name wall_s cpu_s peak_rss_kb   (targets)"
[ -n "${ONLY_CEILING:-}" ] && { ceiling; exit 0; }
[ -n "${ONLY_MEMORY:-}" ] && { memory_row; exit 0; }
if [ -n "${ONLY_FULL:-}" ]; then # the full profile against sslscan, alternated ROUNDS (2) times
    for r in $(seq 1 "${ROUNDS:-2}"); do
        f=$(measure full "${scan[@]}" --profile full "$work/targets.txt")
        ss=$(measure sslscan sslscan --no-colour --sni-name=good.lab.test --targets="$work/sslscan.txt")
        echo "round $r: $f ($N) | $ss ($SSLSCAN_N of $N) | load $(cut -d' ' -f1 /proc/loadavg)"
        python3 -c "import sys; f, s = float(sys.argv[1]), float(sys.argv[2]) * $N / $SSLSCAN_N; print('full %.2f s, sslscan %.1f s extrapolated: %.1fx (goal >= 10x)' % (f, s, s / f))" "$(cut -d' ' -f2 <<<"$f")" "$(cut -d' ' -f2 <<<"$ss")"
    done
    exit 0
fi
if [ -n "${AB:-}" ]; then # AB="BIN_A BIN_B": the quick run alternated ROUNDS (3) times, CPU per target
    for r in $(seq 1 "${ROUNDS:-3}"); do
        for b in $AB; do
            scan[0]="$b"
            # instructions (user + kernel) count the client's work whatever else runs
            m=$(measure "ab_$(basename "$b")" perf stat -x, -e instructions:u,instructions:k -o "$work/ab.perf" "${scan[@]}" --profile quick "$work/quick.txt")
            ins=$(awk -F, '/instructions/ {s += $1} END {print s}' "$work/ab.perf")
            echo "round $r $b: $m = $(python3 -c "print('%.3f ms CPU, %.2f M instructions per target' % ($(cut -d' ' -f3 <<<"$m") * 1000 / $QUICK_TARGETS, $ins / 1e6 / $QUICK_TARGETS))")"
        done
    done
    exit 0
fi
if [ -n "${ONLY_QUICK:-}" ]; then # iterate on the quick profile alone
    ceil=$(ceiling); echo "ceiling $ceil   (handshakes seconds per_second failed; ${CEIL_THREADS:-4} threads)"
    qt=$(measure quick_throughput "${scan[@]}" --profile quick "$work/quick.txt"); echo "$qt"
    per_second "$qt" "$QUICK_TARGETS" "$(cut -d' ' -f3 <<<"$ceil")"
    echo "cpu per quick target: $(python3 -c "print('%.3f ms' % ($(cut -d' ' -f3 <<<"$qt") * 1000 / $QUICK_TARGETS))")"
    memory_row
    exit 0
fi
q=$(measure quick "${scan[@]}" --profile quick "$work/targets.txt"); echo "$q   ($N)"
f=$(measure full "${scan[@]}" --profile full "$work/targets.txt"); echo "$f   ($N)"
ss=$(measure sslscan sslscan --no-colour --sni-name=good.lab.test --targets="$work/sslscan.txt"); echo "$ss   ($SSLSCAN_N of $N)"
ts=$(measure testssl testssl --file "$work/testssl.txt" --parallel --warnings off --quiet --color 0 --openssl-timeout 10); echo "$ts   ($TESTSSL_N of $N)"
ceil=$(ceiling); echo "ceiling $ceil   (handshakes seconds per_second failed; ${CEIL_THREADS:-4} threads)"
qt=$(measure quick_throughput "${scan[@]}" --profile quick "$work/quick.txt"); echo "$qt   ($QUICK_TARGETS)"
per_second "$qt" "$QUICK_TARGETS" "$(cut -d' ' -f3 <<<"$ceil")"
memory_row | tee "$work/memory.row"
# openssl s_client: one verified handshake per process
sc_start=$(date +%s.%N)
/usr/bin/time -f "%e %U %S %M" -o "$work/sclient.time" bash -c "for i in \$(seq 1 50); do openssl s_client -connect 127.0.1.1:8443 -servername good.lab.test -CAfile '$c/root.pem' -verify_return_error </dev/null >/dev/null 2>&1; done"
read -r scw scu scs _ < "$work/sclient.time"
: "$sc_start"

python3 - "$N" "$SSLSCAN_N" "$TESTSSL_N" "$QUICK_TARGETS" "$CONNS" "$q" "$f" "$ss" "$ts" "$qt" "$scu" "$scs" "$work" <<'PY'
import json, sys
n, nss, nts, nq, _ = map(int, sys.argv[1:6])
q, f, ss, ts, qt = [a.split() for a in sys.argv[6:11]]
scu, scs, work = float(sys.argv[11]), float(sys.argv[12]), sys.argv[13]
wall = lambda r: float(r[1])
cpu = lambda r: float(r[2])
ss200 = wall(ss) * n / nss
ts200 = wall(ts) * n / nts
def summ(name):
    for l in open("%s/%s.out" % (work, name)):
        d = json.loads(l)
        if "summary" in d:
            return d["summary"]
    return {}
sq, sf, sqt = summ("quick"), summ("full"), summ("quick_throughput")
print()
print("quick, %d targets: %.2f s wall, %.0f targets/s; verdicts healthy %s fail %s unknown %s"
      % (n, wall(q), n / wall(q), sq.get("healthy"), sq.get("fail"), sq.get("unknown")))
print("full,  %d targets: %.2f s wall, %.0f targets/s; verdicts healthy %s warn %s fail %s unknown %s"
      % (n, wall(f), n / wall(f), sf.get("healthy"), sf.get("warn"), sf.get("fail"), sf.get("unknown")))
print("sslscan --targets: %.2f s for %d -> %.1f s for %d (extrapolated)" % (wall(ss), nss, ss200, n))
print("testssl.sh --file --parallel: %.2f s for %d -> %.1f s for %d (extrapolated)" % (wall(ts), nts, ts200, n))
print("ratio full vs testssl.sh: %.0fx  (goal >= 100x)" % (ts200 / wall(f)))
print("ratio full vs sslscan:    %.0fx  (goal >= 10x)" % (ss200 / wall(f)))
print("quick throughput: %d targets in %.2f s = %.0f targets/s (goal >= 2000), done %s, cpu %.2f s"
      % (nq, wall(qt), nq / wall(qt), sqt.get("done"), cpu(qt)))
print("cpu per quick target: %.3f ms; openssl s_client (process per handshake): %.3f ms; ratio %.2f"
      % (cpu(qt) * 1000 / nq, (scu + scs) * 1000 / 50, (cpu(qt) / nq) / ((scu + scs) / 50)))
print("memory: " + open("%s/memory.row" % work).read().strip())
PY
