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

# delay_start TARGET_PORT RTT_MS: starts bench/delayproxy.py in front of 127.0.0.1:TARGET_PORT
# (lifetime bounded to 1 h) and sets DELAY_PORT and DELAY_PID; delay_stop stops it by its PID.
delay_start() {
    local pf="$work/delayproxy.$$.$1.port" here
    here="$(dirname "${BASH_SOURCE[0]}")"
    rm -f "$pf"
    python3 "$here/delayproxy.py" "$1" --rtt-ms "$2" --lifetime 3600 > "$pf" &
    DELAY_PID=$!
    for _ in $(seq 1 100); do [ -s "$pf" ] && break; sleep 0.05; done
    [ -s "$pf" ] || { echo "bench: delayproxy did not start" >&2; kill "$DELAY_PID"; return 1; }
    DELAY_PORT="$(head -1 "$pf")"
    rm -f "$pf"
}
delay_stop() {
    [ -n "${DELAY_PID:-}" ] || return 0
    kill "$DELAY_PID" 2>/dev/null || true
    wait "$DELAY_PID" 2>/dev/null || true
    DELAY_PID=""
}

# syn_start PORT...: counts SYNs to these ports on lo (tcpdump; needs root) until syn_stop,
# which prints "port:count ..." (or "n/a" without root).
syn_start() {
    SYN_PORTS="$*" SYN_PID="" SYN_CAP="$work/syn.$$.pcap"
    [ "$(id -u)" = 0 ] || return 0
    local f="" p
    for p in "$@"; do f="${f:+$f or }dst port $p"; done
    tcpdump -i lo -n -U --immediate-mode -w "$SYN_CAP" "tcp and ($f) and tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn" \
        >/dev/null 2>&1 & SYN_PID=$!
    sleep 1
}
syn_stop() {
    if [ -z "${SYN_PID:-}" ]; then echo "n/a"; return 0; fi
    sleep 0.5; kill "$SYN_PID"; wait "$SYN_PID" 2>/dev/null || true
    local p out=""
    for p in $SYN_PORTS; do
        out="$out $p:$(tcpdump -r "$SYN_CAP" -n "dst port $p" 2>/dev/null | wc -l)"
    done
    rm -f "$SYN_CAP"
    echo "${out# }"
}

# build_at COMMIT: builds tlsdoctor (release preset) from COMMIT in a temporary git worktree
# and prints the binary's path ($work/tlsdoctor-COMMIT, built once).
build_at() {
    local c="$1" bin="$work/tlsdoctor-$1" wt="$work/src-$1"
    if [ ! -x "$bin" ]; then
        git worktree add --detach "$wt" "$c" >/dev/null 2>&1 || return 1
        (cd "$wt" && cmake --preset release >/dev/null && nice cmake --build --preset release -j1 --target tlsdoctor >/dev/null) || return 1
        cp "$wt/build/release/tlsdoctor" "$bin"
        git worktree remove --force "$wt"
    fi
    echo "$bin"
}
