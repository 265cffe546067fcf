#!/bin/bash
# bench/ab.sh ROUNDS FILE "label:command" ...: each command run on FILE, alternated round by
# round (so all see the same load), /usr/bin/time; prints min and median wall and CPU
# (user + system) seconds per label. For comparing binaries or options on this noisy VM.
#   bench/ab.sh 9 F "old:/tmp/td-old pcap --no-color" "new:build/release/tlsdoctor pcap --no-color"
set -u
[ $# -ge 3 ] || { echo "usage: bench/ab.sh ROUNDS FILE LABEL:COMMAND..." >&2; exit 2; }
rounds=$1 file=$2
shift 2
t=$(mktemp)
trap 'rm -f "$t"' EXIT
declare -A wall cpu
for _ in $(seq "$rounds"); do
    for spec in "$@"; do
        label=${spec%%:*} cmd=${spec#*:}
        # shellcheck disable=SC2086 # the command is split into words on purpose
        /usr/bin/time -o "$t" -f "%e %U %S" $cmd "$file" >/dev/null 2>&1
        read -r e u s < <(tail -1 "$t")
        wall[$label]+="$e " cpu[$label]+="$(echo "$u + $s" | bc) "
    done
done
stats() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {printf "min %s median %s", a[1], a[int((NR+1)/2)]}'; }
for spec in "$@"; do
    label=${spec%%:*}
    echo "$label: wall $(echo "${wall[$label]}" | stats), cpu $(echo "${cpu[$label]}" | stats)"
done
