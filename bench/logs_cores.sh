#!/bin/bash
# bench/logs_cores.sh ROUNDS BIN...: `tlsdoctor logs` against `grep -c SSL` on one core
# (taskset -c 0) and on all cores, interleaved so every command sees the same load: each round
# runs every BIN then grep pinned, then every BIN then grep unpinned. Prints the median and best
# wall time and the median user and system time of each, with the load average before and after.
# The log is bench/logs.sh's (LOG=..., default /tmp/tdbench/bench-1024m.log: run bench/logs.sh
# 1024 once first). grep writes to a file: with its output on /dev/null GNU grep stops at the
# first match.
set -euo pipefail
rounds="${1:?usage: bench/logs_cores.sh ROUNDS BIN...}"
shift
[ $# -gt 0 ] || { echo "usage: bench/logs_cores.sh ROUNDS BIN..." >&2; exit 2; }
log="${LOG:-/tmp/tdbench/bench-1024m.log}"
[ -f "$log" ] || { echo "bench: no $log (run bench/logs.sh 1024 first)" >&2; exit 3; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cat "$log" > /dev/null
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
one() { # LABEL CMD...: appends "LABEL wall user sys"
    local label="$1"; shift
    /usr/bin/time -a -o "$tmp/times" -f "$label %e %U %S" "$@" > "$tmp/out" || true
}
for _ in $(seq 1 "$rounds"); do
    for b in "$@"; do one "1core $b" taskset -c 0 "$b" logs --no-color "$log"; done
    one "1core grep" taskset -c 0 grep -c SSL "$log"
    for b in "$@"; do one "all $b" "$b" logs --no-color "$log"; done
    one "all grep" grep -c SSL "$log"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$tmp/times" <<'PY'
import collections, statistics, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) == 5 and f[0] in ("1core", "all"):
        runs[(f[0], f[1])].append(tuple(map(float, f[2:])))
print("%-6s %-40s %5s %9s %9s %9s %9s" % ("cores", "command", "runs", "wall_med", "wall_best", "user_med", "sys_med"))
for (cores, cmd), v in runs.items():
    print("%-6s %-40s %5d %9.3f %9.3f %9.3f %9.3f" % (cores, cmd[-40:], len(v),
          statistics.median(x[0] for x in v), min(x[0] for x in v),
          statistics.median(x[1] for x in v), statistics.median(x[2] for x in v)))
PY
