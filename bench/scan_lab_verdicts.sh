#!/bin/bash
# bench/scan_lab_verdicts.sh: the quick profile's verdict over every lab scenario
# (tests/lab/lab.sh), one line each: scenario, verdict, root cause, finding ids, layer statuses.
# Run it with two binaries and diff the outputs when the quick profile changes:
#   TLSDOCTOR=/tmp/td-before bench/scan_lab_verdicts.sh > before.txt
#   TLSDOCTOR=build/release/tlsdoctor bench/scan_lab_verdicts.sh > after.txt; diff before.txt after.txt
# PROFILE=full for the full profile. Servers are started and stopped by lab.sh (by PID).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$(realpath "${TLSDOCTOR:-build/release/tlsdoctor}")"
certs="${LAB_CERTS_DIR:-/tmp/tdbench-lab-certs}"
mkdir -p "$certs"
for s in $(tests/lab/lab.sh list); do
    # shellcheck disable=SC2016 # expanded by the inner shell, where lab.sh sets LAB_*
    line=$(TD_BIN="$bin" TD_PROFILE="${PROFILE:-quick}" tests/lab/lab.sh run "$s" "$certs" -- sh -c \
        'echo "$LAB_HOST:$LAB_PORT 127.0.0.1" | "$TD_BIN" scan --json --no-progress --profile "$TD_PROFILE" --ca-file "$LAB_CERTS/root.pem" --step-timeout 2 --timeout 6 - 2>/dev/null | head -1' 2>/dev/null || true)
    printf '%s ' "$s"
    printf '%s\n' "$line" | python3 -c '
import json, sys
t = sys.stdin.read().strip()
if not t:
    print("NO-OUTPUT"); sys.exit()
d = json.loads(t)
rc = d.get("root_cause") or {}
print(d.get("verdict"), rc.get("id") if isinstance(rc, dict) else rc,
      ",".join(sorted(f.get("id", "?") for f in d.get("findings", []))),
      " ".join("%s=%s" % (l["layer"], l["status"]) for l in d.get("layers", [])))'
done
