#!/bin/bash
# tests/integration/history_scan_kill.sh: `tlsdoctor scan --db` killed with SIGKILL halfway.
# 200 distinct target lines (hN.lab.test, covered by the lab's *.lab.test certificate) all
# reach one healthy lab nginx; once the database holds at least 20 results the scan gets
# SIGKILL. The database must then pass the sqlite3 shell's integrity_check, keep every result
# whole (each with its findings), show the run unfinished, and `tlsdoctor changes` must read it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${TLSDOCTOR:?set TLSDOCTOR to the binary}"
certs="${LAB_CERTS_DIR:?}"
command -v sqlite3 >/dev/null || { echo "sqlite3 not installed (scripts/install-deps.sh)"; exit 77; }
work="$(mktemp -d "${TMPDIR:-/tmp}/tdkill.XXXXXX")"
trap 'rm -rf "$work"' EXIT
export bin work
"$here/../lab/lab.sh" run healthy "$certs" -- bash -c '
set -euo pipefail
db="$work/history.db"
for i in $(seq 1 200); do printf "h%d.lab.test:%s 127.0.0.1\n" "$i" "$LAB_PORT"; done > "$work/targets"
"$bin" scan --db "$db" --ca-file "$LAB_CERTS/root.pem" --concurrency 2 --profile full \
    --timeout 10 --step-timeout 3 --no-progress "$work/targets" > "$work/scan.out" 2>&1 &
pid=$!
n=0
for _ in $(seq 1 600); do
    n="$(sqlite3 "$db" "SELECT count(*) FROM results" 2>/dev/null || echo 0)"
    [ "${n:-0}" -ge 20 ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
if ! kill -9 "$pid" 2>/dev/null; then
    echo "FAIL: the scan ended before it could be killed ($n results)"; cat "$work/scan.out"; exit 1
fi
wait "$pid" 2>/dev/null || true
[ "$n" -ge 20 ] || { echo "FAIL: only $n results before the deadline"; exit 1; }
check="$(sqlite3 "$db" "PRAGMA integrity_check")"
results="$(sqlite3 "$db" "SELECT count(*) FROM results")"
whole="$(sqlite3 "$db" "SELECT count(*) FROM results r WHERE NOT EXISTS (SELECT 1 FROM findings f WHERE f.result_id = r.id)")"
counted="$(sqlite3 "$db" "SELECT targets FROM runs WHERE id = 1")"
finished="$(sqlite3 "$db" "SELECT ifnull(finished_at, \"null\") FROM runs WHERE id = 1")"
echo "killed after >= $n results: integrity $check, $results results, $whole without findings, run counter $counted, finished_at $finished"
[ "$check" = ok ] && [ "$results" -ge "$n" ] && [ "$results" -lt 200 ] && [ "$whole" = 0 ] \
    && [ "$counted" = "$results" ] && [ "$finished" = null ] || { echo FAIL; exit 1; }
set +e
"$bin" changes --db "$db" --json > "$work/changes.json"
rc=$?
set -e
python3 - "$rc" "$results" "$work/changes.json" <<PY
import json, sys
rc, results, doc = int(sys.argv[1]), int(sys.argv[2]), json.load(open(sys.argv[3]))
kinds = {c["kind"] for c in doc["changes"]}
ok = rc == 0 and doc["targets"] == results and kinds <= {"new_target"}
print("changes: status %d, %d targets, kinds %s" % (rc, doc["targets"], sorted(kinds)))
sys.exit(0 if ok else 1)
PY
echo "history_scan_kill: ok"
'
