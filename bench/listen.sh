#!/bin/bash
# bench/listen.sh [CLIENTS] [CONCURRENCY]: `tlsdoctor listen` under load from real TLS clients
# (python3 ssl: handshake, GET, read the answer), against `openssl s_server -www` as the
# baseline that records nothing. Prints wall time, clients per second, latency p50 / p99 and
# the server's peak memory (GNU time's %M). Defaults: 2000 clients, 16 at once. 127.0.0.1
# only; every process is stopped by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-2000}"
conc="${2:-16}"
bin="${TLSDOCTOR:-build/release/tlsdoctor}"
[ -x "$bin" ] || { echo "bench: build first: make release" >&2; exit 3; }
work="${BENCH_DIR:-/tmp/tdbench}"
mkdir -p "$work"
certs="$work/pki"
tests/lab/lab.sh certs "$certs" >/dev/null

load() { # load PORT: N clients, CONC at once; prints "seconds clients/s p50_ms p99_ms failures"
    python3 - "$1" "$n" "$conc" <<'EOF'
import socket, ssl, sys, threading, time
port, n, conc = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
lat, fails, lock, left = [], [0], threading.Lock(), [n]
def worker():
    while True:
        with lock:
            if left[0] == 0:
                return
            left[0] -= 1
        t = time.monotonic()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                with ctx.wrap_socket(s, server_hostname="good.lab.test") as c:
                    c.sendall(b"GET / HTTP/1.1\r\nHost: good.lab.test\r\n\r\n")
                    c.recv(4096)
            with lock:
                lat.append((time.monotonic() - t) * 1000)
        except OSError:
            with lock:
                fails[0] += 1
t0 = time.monotonic()
ts = [threading.Thread(target=worker) for _ in range(conc)]
[t.start() for t in ts]
[t.join() for t in ts]
wall = time.monotonic() - t0
lat.sort()
p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] if lat else -1
print("%.2f %.0f %.1f %.1f %d" % (wall, n / wall, p(0.5), p(0.99), fails[0]))
EOF
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

echo "clients $n, $conc at once; $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
# tlsdoctor listen: --count N makes it stop (and print its summary) after the last client.
/usr/bin/time -o "$work/listen.time" -f "%e %M" "$bin" listen 0 --json --count "$n" \
    --max-clients "$conc" --cert "$certs/good.full.pem" --key "$certs/good.key" \
    > "$work/listen.jsonl" 2> "$work/listen.err" &
lp=$!
for _ in $(seq 1 100); do grep -q "listening on" "$work/listen.err" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\) .*/\1/p' "$work/listen.err")
[ -n "$port" ] || { kill "$lp"; echo "bench: listen did not start" >&2; exit 3; }
r=$(load "$port")
wait "$lp" || true
echo "tlsdoctor listen: seconds clients/s p50_ms p99_ms failures = $r; peak KB $(cut -d' ' -f2 "$work/listen.time");" \
     "client lines $(grep -c '"type":"client"' "$work/listen.jsonl")"

port=$(free_port)
openssl s_server -quiet -www \
    -accept "127.0.0.1:$port" -cert "$certs/good.pem" -cert_chain "$certs/int.pem" \
    -key "$certs/good.key" > /dev/null 2>&1 < /dev/null &
sp=$!
for _ in $(seq 1 100); do python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),1)" 2>/dev/null && break; sleep 0.1; done
r=$(load "$port")
peak=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$sp/status")
kill "$sp"; wait "$sp" 2>/dev/null || true
echo "openssl s_server -www: seconds clients/s p50_ms p99_ms failures = $r; peak KB $peak"
