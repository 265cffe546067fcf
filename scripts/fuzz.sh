#!/bin/sh
# scripts/fuzz.sh [BUILD_DIR] [SECONDS] [TARGET...]: runs each libFuzzer target of BUILD_DIR
# (default build/asan, configured with TD_FUZZ=ON and clang) for SECONDS (default 600), one
# at a time at nice 19, and prints executions and final coverage per target. New inputs go to
# BUILD_DIR/fuzz/corpus-NAME (the seeds in fuzz/corpus/NAME stay untouched); a crash is saved
# as BUILD_DIR/fuzz/crash-NAME-* and makes the script exit 1. `make fuzz` runs this with
# FUZZ_SECONDS.
set -u
build="${1:-build/asan}"
secs="${2:-600}"
[ $# -ge 2 ] && shift 2 || shift $#
src="$(cd "$(dirname "$0")/.." && pwd)"
dir="$build/fuzz"
if [ $# -eq 0 ]; then
    set -- $(cd "$dir" && ls fuzz_* 2>/dev/null | grep -v '\.' | sed 's/^fuzz_//')
fi
if [ $# -eq 0 ]; then
    echo "fuzz.sh: no fuzz target in $dir (configure with --preset asan)" >&2
    exit 1
fi
failed=0
printf '%-14s %8s %12s %8s %8s  %s\n' target seconds execs cov ft result
for t in "$@"; do
    mkdir -p "$dir/corpus-$t"
    log="$dir/fuzz-$t.log"
    start=$(date +%s)
    nice -n 19 "$dir/fuzz_$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$dir/crash-$t-" \
        "$dir/corpus-$t" "$src/fuzz/corpus/$t" >"$log" 2>&1
    rc=$?
    took=$(( $(date +%s) - start ))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1)
    cov=$(printf '%s' "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
    ft=$(printf '%s' "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
    if [ "$rc" -eq 0 ]; then
        result=ok
    else
        result="FAILED (exit $rc, see $log)"
        failed=1
    fi
    printf '%-14s %8s %12s %8s %8s  %s\n' "$t" "$took" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$result"
done
exit $failed
