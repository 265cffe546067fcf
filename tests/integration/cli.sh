#!/bin/bash
# tests/integration/cli.sh BIN: bad input on the command line gets a clear message and the
# documented exit code (3 usage/internal, 2 failure found), never a crash or a hang.
set -uo pipefail
bin="$1"
fails=0
check() { # NAME WANT_RC WANT_TEXT CMD...
    local name="$1" want_rc="$2" want_text="$3"; shift 3
    local out rc
    out="$(timeout 60 "$@" 2>&1)"; rc=$?
    if [ "$rc" -ne "$want_rc" ] || ! grep -qF -- "$want_text" <<<"$out"; then
        echo "FAIL $name: exit $rc (want $want_rc), output:"; echo "$out" | head -20
        fails=$((fails + 1))
    else
        echo "ok   $name"
    fi
}
check help 0 "Exit status" "$bin" --help
check version 0 "tlsdoctor 0." "$bin" --version
check no_target 3 "no target given" "$bin"
check bad_port 3 "invalid port" "$bin" example.com:99999
check bad_port_text 3 "invalid port" "$bin" example.com:https
check bad_scheme 3 "unsupported URL scheme" "$bin" ftp://example.com/
check missing_ca 3 "cannot read CA file" "$bin" --ca-file /nonexistent/ca.pem example.com
check bad_timeout 3 "invalid --timeout" "$bin" --timeout -1 example.com
check bad_option 3 "unknown option" "$bin" --frobnicate example.com
check missing_value 3 "needs a value" "$bin" example.com --sni
check bad_connect_to 3 "invalid --connect-to" "$bin" --connect-to '[::1' example.com
check bad_parallel 3 "invalid --parallel" "$bin" --parallel 0 example.com
check bad_parallel_big 3 "invalid --parallel" "$bin" matrix --parallel 99 example.com
check matrix_no_target 3 "no target given" "$bin" matrix
check help_matrix 0 "--matrix" "$bin" --help
# A name that cannot resolve: a DNS-layer root cause (NXDOMAIN, or a resolver timeout where no
# resolver is reachable), exit 2, within the deadline.
check unknown_host 2 '"id": "dns.resolve.' "$bin" --json --timeout 10 no-such-host.invalid
# DNS path check through the real resolver path (/etc/hosts): localhost is not 127.0.0.2.
check expect_addr 2 '"id": "dns.record.unexpected_addr"' "$bin" --json --timeout 5 --expect-addr 127.0.0.2 localhost:1
# JSON is valid and carries the schema version even for a refused port.
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
check refused_json 2 '"schema_version": 1' "$bin" --json --timeout 5 "127.0.0.1:$port"
NO_COLOR=1 check no_color 2 "tcp.connect.refused" "$bin" --timeout 5 "127.0.0.1:$port"
on_tty() { # runs "$@" with standard output on a pseudo-terminal and prints what it wrote
    python3 - "$@" <<'PY'
import os, subprocess, sys
m, s = os.openpty()
p = subprocess.Popen(sys.argv[1:], stdout=s, stderr=s, stdin=subprocess.DEVNULL)
os.close(s)
out = b""
while True:
    try:
        chunk = os.read(m, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
p.wait(timeout=60)
sys.stdout.write(out.decode("utf-8", "replace"))
PY
}
if NO_COLOR= on_tty "$bin" --timeout 5 "127.0.0.1:$port" | grep -q $'\033\['; then
    echo "ok   color_on_tty"
else
    echo "FAIL color_on_tty: no colour on a terminal"; fails=$((fails + 1))
fi
if NO_COLOR=1 on_tty "$bin" --timeout 5 "127.0.0.1:$port" | grep -q $'\033\['; then
    echo "FAIL no_color_env: colour despite NO_COLOR"; fails=$((fails + 1))
else
    echo "ok   no_color_env"
fi
if "$bin" --timeout 5 "127.0.0.1:$port" | grep -q $'\033\['; then
    echo "FAIL color_on_pipe: colour written to a pipe"; fails=$((fails + 1))
else
    echo "ok   no_color_on_pipe"
fi
# explain: known input 0, unknown 1 with suggestions, any bytes on stdin never crash.
check explain_cf 0 "Cloudflare 525" "$bin" explain 525
check explain_log 0 "tlsdoctor 10.156.1.150:443" "$bin" explain "Jan 17 03:37:54 bigip warning tmm[1]: 01260013:4: SSL Handshake failed for TCP 10.160.23.133:50365 -> 10.156.1.150:443"
check explain_unknown 1 "closest entries" "$bin" explain "qwertyuiop"
check explain_json 0 '"known": true' "$bin" explain --json ERR_CERT_DATE_INVALID
check explain_empty_args 3 "give the code" "$bin" explain
out="$(head -c 1048576 /dev/urandom | timeout 30 "$bin" explain - 2>&1)"; rc=$?
if [ "$rc" -le 1 ]; then echo "ok   explain_binary_1mb"; else echo "FAIL explain_binary_1mb: exit $rc"; echo "$out" | tail -3; fails=$((fails + 1)); fi
echo "cli: $fails failed"
[ "$fails" -eq 0 ]
