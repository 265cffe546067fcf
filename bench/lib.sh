# bench/lib.sh: shared by the benchmark scripts (source it; needs $work).
# bench_run NAME REPEAT CMD...: runs CMD REPEAT times with its output in $work/NAME.out and
# prints "NAME seconds peakKB" of the fastest run (GNU time's %e and %M).
bench_run() {
    local name="$1" rep="$2"; shift 2
    local best="" out
    for _ in $(seq 1 "$rep"); do
        out="$( { /usr/bin/time -f "%e %M" "$@" > "$work/$name.out"; } 2>&1 | tail -1)"
        if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if float('${out% *}') < float('${best% *}') else 1)"; then
            best="$out"
        fi
    done
    echo "$name $best"
}
