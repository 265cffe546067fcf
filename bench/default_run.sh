#!/bin/bash
# bench/default_run.sh: the default run (`tlsdoctor HOST --connect-to 127.0.0.1:PORT --ca-file
# ROOT`, no matrix), before and after, in one run: the binary built from BEFORE (a commit,
# default ce3754ee, built once with the release preset in a temporary git worktree) and the
# current one (build/release/tlsdoctor, or $TLSDOCTOR), runs interleaved so that a busy machine
# slows both alike. Each lab scenario (default: modern_nginx healthy tls10_only) directly on
# loopback and through bench/delayproxy.py (RTT_MS, default 50 ms round trip).
#   wall: median and best of REPEAT runs (default 5), from fork to exit (date +%s%N);
#   own: median of the run's own total ("N ms in all": the probes, without process start-up);
#   conns: TCP connections of one more run of each binary (not timed): SYNs to the server's
#          port counted with tcpdump on lo (needs root; the proxy opens one upstream connection
#          per client connection, so the count is the same through it), plus the connect()s to
#          port 80 (the Cloudflare Flexible probe) counted with strace, since other processes
#          on a shared machine use port 80 too. Port 80 is refused in the lab and not behind
#          the proxy: on a real 50 ms path it would cost one more round trip.
# Then per-step times (the current binary's --json, through the proxy) and the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
work="${BENCH_DIR:-/tmp/tdbench}"
mkdir -p "$work"
export work
. bench/lib.sh
now="${TLSDOCTOR:-build/release/tlsdoctor}"
[ -x "$now" ] || { echo "bench: build first: make release" >&2; exit 3; }
now="$(realpath "$now")"
before_commit="${BEFORE:-ce3754ee}"
before="$(build_at "$before_commit")" || { echo "bench: cannot build $before_commit" >&2; exit 3; }
rep="${REPEAT:-5}" rtt="${RTT_MS:-50}"
for t in tcpdump python3 strace; do
    command -v "$t" >/dev/null || { echo "bench: needs $t (scripts/install-deps.sh)" >&2; exit 3; }
done
tests/lab/lab.sh certs "$work/pki" >/dev/null
export now before rep rtt

one_server() { # inside lab.sh run: LAB_PORT, LAB_HOST, LAB_CERTS
    . bench/lib.sh
    delay_start "$LAB_PORT" "$rtt"
    trap delay_stop EXIT
    local path port b s e
    for path in direct delay; do
        port="$LAB_PORT"; [ "$path" = delay ] && port="$DELAY_PORT"
        for b in before now; do : > "$work/dr.$b.$path.ms"; done
        for _ in $(seq 1 "$rep"); do
            for b in before now; do # interleaved
                s=$(date +%s%N)
                "${!b}" "$LAB_HOST" --connect-to "127.0.0.1:$port" --ca-file "$LAB_CERTS/root.pem" \
                    > "$work/dr.$b.$path.out" 2>&1 || true
                e=$(date +%s%N)
                # wall µs, and the run's own total ("N ms in all": probes only, no start-up)
                echo "$(( (e - s) / 1000 )),$(sed -n 's/^\([0-9]*\) ms in all.*/\1/p' "$work/dr.$b.$path.out" | tail -1)" \
                    >> "$work/dr.$b.$path.ms"
            done
        done
        # Connections: one more run of each, alone, under tcpdump (not during the timed runs).
        for b in before now; do
            syn_start "$LAB_PORT"
            strace -f -e trace=connect -o "$work/dr.strace" \
                "${!b}" "$LAB_HOST" --connect-to "127.0.0.1:$port" --ca-file "$LAB_CERTS/root.pem" \
                > /dev/null 2>&1 || true
            local syn p80
            syn="$(syn_stop)"
            p80="$(grep -c 'htons(80)' "$work/dr.strace" || true)"
            echo "$path $b ${syn#*:} $p80 $(tr '\n' ' ' < "$work/dr.$b.$path.ms")"
        done
    done
    # Where the time goes (current binary, through the proxy).
    "$now" "$LAB_HOST" --connect-to "127.0.0.1:$DELAY_PORT" --ca-file "$LAB_CERTS/root.pem" \
        --json > "$work/dr.steps.json" 2>/dev/null || true
    python3 - "$work/dr.steps.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
o = d.get("observations", {})
steps = ["%s %.0f" % (k, v["ms"]) for k, v in o.items() if isinstance(v, dict) and isinstance(v.get("ms"), (int, float)) and v["ms"] > 0]
print("steps " + ", ".join(steps) + "; total %.0f ms" % d.get("total_ms", 0))
PY
}
export -f one_server

echo "default run: before = $before_commit, now = $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src || echo '+changes'); RTT ${rtt} ms; ${rep} runs each"
for scen in ${SCENARIOS:-modern_nginx healthy tls10_only}; do
    tests/lab/lab.sh run "$scen" "$work/pki" -- bash -c one_server > "$work/dr.$scen.res"
    python3 - "$scen" "$work/dr.$scen.res" <<'PY'
import statistics, sys
scen, res = sys.argv[1], sys.argv[2]
rows, steps = {}, ""
for line in open(res):
    f = line.split()
    if f and f[0] == "steps":
        steps = line.strip()
        continue
    path, b, syn, p80 = f[0], f[1], f[2], int(f[3])
    ms = [int(x.split(",")[0]) / 1000.0 for x in f[4:]]
    own = [int(x.split(",")[1] or 0) for x in f[4:]]
    conns = "n/a + %d to :80" % p80
    if syn != "n/a":
        conns = "%d (%s to the server + %d to :80)" % (int(syn) + p80, syn, p80)
    rows[(path, b)] = (statistics.median(ms), min(ms), statistics.median(own), conns)
print("\n%s" % scen)
print("  %-7s %-7s %10s %10s %10s  %s" % ("path", "binary", "median_ms", "best_ms", "own_ms", "connections per run"))
for (path, b), (med, best, own, conns) in rows.items():
    print("  %-7s %-7s %10.0f %10.0f %10.0f  %s" % (path, b, med, best, own, conns))
for path in ("direct", "delay"):
    if (path, "before") in rows and (path, "now") in rows:
        print("  %-7s before/now (median) = %.2fx" % (path, rows[(path, "before")][0] / max(rows[(path, "now")][0], 0.001)))
if steps:
    print("  now via proxy, " + steps)
PY
done
