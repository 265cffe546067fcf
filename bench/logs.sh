#!/bin/bash
# bench/logs.sh [SIZE_MB]: `tlsdoctor logs` against grep and wc on the same >= 1 GB log, in one
# run. The log repeats lines recorded from the real-server lab (tests/fixtures/logs/lab_*.log
# and the documented vendor lines) between ordinary access-log lines, 1 failure line in 20.
# Prints wall time, MB/s and peak memory of each command and the ratios. The file is read once
# first so every command sees it in the page cache. Each time is the best of REPEAT (5) runs.
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb="${1:-1024}"
bin="${TLSDOCTOR:-build/release/tlsdoctor}"
[ -x "$bin" ] || { echo "bench: build first: make release" >&2; exit 3; }
command -v /usr/bin/time >/dev/null || { echo "bench: needs /usr/bin/time (apt-get install time)" >&2; exit 3; }
work="${BENCH_DIR:-/tmp/tdbench}"
mkdir -p "$work"
log="$work/bench-${size_mb}m.log"
if [ ! -f "$log" ]; then
    echo "generating $log ($size_mb MB) ..."
    python3 - "$log" "$size_mb" <<'PY'
import sys
path, mb = sys.argv[1], int(sys.argv[2])
fail = [l.rstrip("\n") for f in ("tests/fixtures/logs/lab_nginx_error.log",
                                  "tests/fixtures/logs/nginx_error.log")
        for l in open(f) if "SSL" in l or "plain HTTP" in l or "handshake" in l]
access = ['192.0.2.%d - - [20/Nov/2026:10:%02d:%02d +0000] "GET /static/app.%d.js HTTP/1.1" 200 %d '
          '"https://www.example.com/" "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36"'
          % (i % 250, i % 60, (i * 7) % 60, i, 1000 + i) for i in range(400)]
block, i = [], 0
while sum(len(l) + 1 for l in block) < (1 << 20):
    block.extend(access[(i * 19 + k) % len(access)] for k in range(19))
    block.append(fail[i % len(fail)])
    i += 1
data = ("\n".join(block) + "\n").encode()
with open(path, "wb") as f:
    for _ in range(mb):
        f.write(data)
PY
fi
bytes=$(stat -c %s "$log")
cat "$log" > /dev/null
. bench/lib.sh
run() { # NAME CMD...: "NAME seconds peakKB output", the best of $REPEAT (5) runs
    local name="$1"; shift
    echo "$(bench_run "$name" "${REPEAT:-5}" "$@") $(head -c 60 "$work/$name.out" | tr '\n' ' ')"
}
results=()
results+=("$(run cat_devnull sh -c "cat '$log' > /dev/null")")
results+=("$(run wc_l wc -l "$log")")
results+=("$(run grep_c_SSL grep -c SSL "$log")")
results+=("$(run grep_cE_3 grep -cE 'SSL|plain HTTP|" 497 ' "$log")")
results+=("$(run tlsdoctor "$bin" logs --no-color "$log")")
printf '%-12s %9s %10s %12s  %s\n' command seconds MB/s peak_MB "output (start)"
tl=""
for r in "${results[@]}"; do
    read -r name secs kb rest <<<"$r"
    mbs=$(python3 -c "print('%.0f' % ($bytes/1e6/max($secs,0.001)))")
    printf '%-12s %9s %10s %12s  %s\n' "$name" "$secs" "$mbs" "$((kb / 1024))" "${rest:0:50}"
    [ "$name" = tlsdoctor ] && tl="$secs"
done
echo
for r in "${results[@]}"; do
    read -r name secs _ <<<"$r"
    [ "$name" = tlsdoctor ] && continue
    python3 -c "print('tlsdoctor vs %-11s: %.2fx the time' % ('$name', $tl / max($secs, 0.001)))"
done
echo "file: $log, $((bytes / 1000000)) MB, $(cat "$work/wc_l.out" | cut -d' ' -f1) lines"
