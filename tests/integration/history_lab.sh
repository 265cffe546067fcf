#!/bin/bash
# tests/integration/history_lab.sh: the history and `tlsdoctor changes` against the real lab.
# One origin keeps its address (LAB_USE_PORT) while its server is swapped: healthy nginx,
# healthy again, then nginx with an expired certificate, then healthy again. Each run is
# stored with --db (TD_HISTORY_SCAN=1: with `tlsdoctor scan --db` and a second, unchanged
# origin); `changes` must say nothing changed (exit 0), then newly_failing with the root
# cause cert.expired and a new certificate (exit 2), then fixed (exit 0).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${TLSDOCTOR:?set TLSDOCTOR to the binary}"
certs="${LAB_CERTS_DIR:?}"
if [ "${TD_HISTORY_SCAN:-0}" = 1 ] && [ -z "${STABLE_PORT:-}" ]; then
    # A second origin that stays healthy through every run: the scan covers both, and only
    # the swapped one may change.
    exec "$here/../lab/lab.sh" run healthy "$certs" -- bash -c 'STABLE_PORT=$LAB_PORT exec "$0"' "$0"
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/tdhist.XXXXXX")"
trap 'rm -rf "$work"' EXIT
db="$work/history.db"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
export bin db work STABLE_PORT

record() { # SCENARIO: serve it on $port, store one run
    LAB_USE_PORT="$port" "$here/../lab/lab.sh" run "$1" "$certs" -- bash -c '
        if [ "${TD_HISTORY_SCAN:-0}" = 1 ]; then
            printf "good.lab.test:%s 127.0.0.1\ngood.lab.test:%s 127.0.0.1\n" "$LAB_PORT" \
                "$STABLE_PORT" > "$work/targets"
            "$bin" scan --db "$db" --ca-file "$LAB_CERTS/root.pem" --step-timeout 3 \
                "$work/targets" > "$work/scan.out"
        else
            "$bin" "good.lab.test:$LAB_PORT" --connect-to 127.0.0.1 --ca-file "$LAB_CERTS/root.pem" \
                --step-timeout 3 --db "$db" > /dev/null
        fi
        rc=$?
        [ "$rc" -le 2 ] || { echo "run failed with status $rc"; exit 1; }'
}

check() { # WANT_STATUS KIND[=AFTER],... (empty: no change at all) [CHANGES OPTIONS...]
    local want="$1" kinds="$2"
    shift 2
    set +e
    "$bin" changes --db "$db" --json "$@" > "$work/changes.json"
    local rc=$?
    set -e
    "$bin" changes --db "$db" --no-color "$@" || true
    python3 - "$rc" "$want" "$kinds" "$work/changes.json" <<'PY'
import json, os, sys
rc, want, kinds, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
doc = json.load(open(path))
got = [(c["kind"], c["after"]) for c in doc["changes"]]
ok = rc == want == doc["exit_code"]
stable = os.environ.get("STABLE_PORT")
if stable and any(c["target"].endswith(":%s 127.0.0.1" % stable) and c["kind"] != "new_target"
                  for c in doc["changes"]):
    print("the origin that did not change has changes")
    ok = False
wanted = [k for k in kinds.split(",") if k]
if not wanted and got:
    ok = False
for k in wanted:
    kind, _, after = k.partition("=")
    if not any(g[0] == kind and (not after or g[1] == after) for g in got):
        ok = False
print("changes: status %d (want %d), %s" % (rc, want, got))
sys.exit(0 if ok else 1)
PY
}

record healthy
check 0 "new_target=ok"
record healthy
check 0 ""
record expired
check 2 "newly_failing=cert.expired,cert_new"
record healthy
check 0 "fixed,cert_new"
# Against the second run as the baseline: the same certificate, healthy again: no change.
check 0 "" --since 2
# The database is whole and readable by the sqlite3 command line too.
[ "$(sqlite3 "$db" 'PRAGMA integrity_check')" = ok ]
want_results=4
[ -z "${STABLE_PORT:-}" ] || want_results=8
[ "$(sqlite3 "$db" 'SELECT count(*) FROM results')" = "$want_results" ]
[ "$(sqlite3 "$db" "SELECT count(*) FROM results WHERE run_id = 3 AND root_cause = 'cert.expired'")" = 1 ]
echo "history_lab: ok"
