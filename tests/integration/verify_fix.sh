#!/bin/bash
# tests/integration/verify_fix.sh SCENARIO: the verify command at the end of the root cause's
# fix, as tlsdoctor prints it for a run with --connect-to and --ca-file, must fail against the
# broken lab server and pass against the healthy one (the same name, the full chain): it
# checks the host name, not the address. An openssl s_client command passes with "Verify
# return code: 0 (ok)" (and must carry -verify_hostname NAME), a tlsdoctor command with exit 0.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
scen="$1"; bin="${TLSDOCTOR:?set TLSDOCTOR to the binary}"; certs="${LAB_CERTS_DIR:?}"
work="$(mktemp -d "${TMPDIR:-/tmp}/tdverify.XXXXXX")"
trap 'rm -rf "$work"' EXIT
export WORK="$work"
"$here/../lab/lab.sh" run "$scen" "$certs" -- bash -c '
    "$0" "$LAB_HOST" --connect-to "127.0.0.1:$LAB_PORT" --ca-file "$LAB_CERTS/root.pem" --json \
        --timeout 30 > "$WORK/report.json" || true
    python3 - "$WORK/report.json" > "$WORK/verify.sh" <<PY
import json, sys
fix = json.load(open(sys.argv[1]))["root_cause"]["fix"]
tail = fix.split("Verify", 1)[1]
start = min(i for i in (tail.find(w) for w in ("openssl ", "curl ", "tlsdoctor ", "echo ")) if i >= 0)
print(tail[start:].rstrip("."))
PY
    echo "verify command: $(cat "$WORK/verify.sh")"
    echo "$LAB_PORT" > "$WORK/port"
    grep -q -- "$LAB_HOST" "$WORK/verify.sh" || { echo "the command does not name $LAB_HOST"; exit 1; }
    if grep -q "^tlsdoctor " "$WORK/verify.sh"; then
        sed -i "s#^tlsdoctor #$0 #" "$WORK/verify.sh"
        if timeout 40 sh "$WORK/verify.sh" >/dev/null 2>&1; then echo "broken server: passes"; exit 1; fi
        echo "broken server: fails"
        exit 0
    fi
    grep -q -- "-verify_hostname $LAB_HOST" "$WORK/verify.sh" || { echo "no -verify_hostname $LAB_HOST"; exit 1; }
    out="$(timeout 10 sh "$WORK/verify.sh" 2>&1 | grep "Verify return code" | head -1)"
    echo "broken server: $out"
    case "$out" in *"code: 0 (ok)"*|"") exit 1 ;; esac
' "$bin"
# The same command against the healthy server (full chain, *.lab.test): only the port changes.
"$here/../lab/lab.sh" run healthy "$certs" -- bash -c '
    sed -E "s/127\.0\.0\.1:$(cat "$WORK/port")/127.0.0.1:$LAB_PORT/" "$WORK/verify.sh" > "$WORK/verify2.sh"
    if ! grep -q "openssl s_client" "$WORK/verify2.sh"; then
        timeout 40 sh "$WORK/verify2.sh" >/dev/null 2>&1 && { echo "fixed server: passes"; exit 0; }
        echo "fixed server: fails"; exit 1
    fi
    out="$(timeout 10 sh "$WORK/verify2.sh" 2>&1 | grep "Verify return code" | head -1)"
    echo "fixed server: $out"
    case "$out" in *"code: 0 (ok)"*) exit 0 ;; *) exit 1 ;; esac
'
