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
# Numeric options: every value out of range is a usage error (exit 3) that says what is
# allowed; none overflows (UBSan aborts this build on signed overflow).
check since_overflow 3 "invalid --since '99999999999999999999d'" "$bin" logs --since 99999999999999999999d /dev/null
check since_range_text 3 "1 s to 100 years" "$bin" logs --since 36501d /dev/null
check since_zero 3 "invalid --since" "$bin" logs --since 0h /dev/null
check since_sign 3 "invalid --since" "$bin" logs --since -5m /dev/null
check since_bad_month 3 "invalid --since" "$bin" logs --since 2026-13-01 /dev/null
check since_bad_hour 3 "invalid --since" "$bin" logs --since 2026-11-22T-1:00 /dev/null
check since_long_year 3 "invalid --since" "$bin" logs --since 99999999999-01-01 /dev/null
check since_max_ok 0 "No failed handshakes" "$bin" logs --since 36500d /dev/null
check since_date_ok 0 "No failed handshakes" "$bin" logs --since 2026-11-22T10:00:05Z /dev/null
check timeout_inf 3 "at most 86400" "$bin" --timeout inf example.com
check timeout_nan 3 "invalid --timeout" "$bin" --timeout nan example.com
check timeout_exp 3 "invalid --timeout" "$bin" --timeout 1e9 example.com
check timeout_zero 3 "more than 0" "$bin" --timeout 0 example.com
check step_timeout_big 3 "invalid --step-timeout" "$bin" --step-timeout 86401 example.com
check warn_days_big 3 "(0-3650)" "$bin" --warn-days 99999999999999999999 example.com
check now_big 3 "1-32503680000" "$bin" --now 99999999999999999999 example.com
check parallel_sign 3 "(1-16)" "$bin" --parallel +4 example.com
check parallel_overflow 3 "(1-16)" "$bin" --parallel 99999999999999999999 example.com
check dns_servers_port 3 "ports 1-65535" "$bin" --dns-servers 127.0.0.1:99999 example.com
check dns_servers_port6 3 "ports 1-65535" "$bin" --dns-servers '[::1]:0' example.com
check connect_to_port 3 "invalid --connect-to" "$bin" --connect-to 127.0.0.1:65536 example.com
check target_port_zero 3 "invalid port" "$bin" example.com:0
check target_port_huge 3 "invalid port" "$bin" example.com:99999999999999999999
check via_port 3 "invalid --via" "$bin" compare example.com --via 127.0.0.1:99999 --via dns
check pcap_port 3 "invalid --port '70000' (1-65535)" "$bin" pcap --port 70000 /dev/null
check pcap_top 3 "invalid --top" "$bin" pcap --top 1001 /dev/null
check logs_top 3 "(1-1000)" "$bin" logs --top 99999999999999999999 /dev/null
# User arguments reach stderr escaped: no raw escape byte, the bytes shown as \x1b.
esc=$'\x1b[31m'
no_raw_escape() { # NAME CMD...: exit 3, "\x1b" in the output and no raw ESC byte
    local name="$1"; shift
    local out rc
    out="$(timeout 60 "$@" 2>&1)"; rc=$?
    if [ "$rc" -eq 3 ] && grep -qF '\x1b[31m' <<<"$out" && ! grep -q $'\x1b' <<<"$out"; then
        echo "ok   $name"
    else
        echo "FAIL $name: exit $rc, output:"; printf '%s\n' "$out" | od -c | head -5
        fails=$((fails + 1))
    fi
}
no_raw_escape escape_unknown_option "$bin" "--x$esc" example.com
no_raw_escape escape_logs_option "$bin" logs "--x$esc"
no_raw_escape escape_pcap_option "$bin" pcap "--x$esc"
no_raw_escape escape_bad_value "$bin" --timeout "1$esc" example.com
no_raw_escape escape_sni "$bin" --sni "a$esc" example.com
no_raw_escape escape_extra_arg "$bin" example.com "b$esc"
no_raw_escape escape_logs_file "$bin" logs "/nonexistent/$esc"
no_raw_escape escape_pcap_file "$bin" pcap "/nonexistent/$esc"
no_raw_escape escape_compare_via "$bin" compare example.com --via "$esc" --via dns
# Read errors exit 3 with a message naming the file (README: 3 = usage or read error).
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
check logs_directory 3 "Is a directory" "$bin" logs "$work"
check logs_missing 3 "cannot open '$work/none.log'" "$bin" logs "$work/none.log"
check pcap_directory 3 "$work" "$bin" pcap "$work"
check pcap_missing 3 "No such file" "$bin" pcap "$work/none.pcap"
good_pcap="$(dirname "$0")/../../fuzz/corpus/pcap/curl.pcap"
head -c 30 "$good_pcap" > "$work/cut-in-record-header.pcap"
check pcap_cut_before_first_packet 3 "no packet could be read" "$bin" pcap "$work/cut-in-record-header.pcap"
{ head -c 24 "$good_pcap"; printf '\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\x7f\xff\xff\xff\x7f'; } > "$work/garbage-record.pcap"
check pcap_garbage_first_record 3 "no packet could be read" "$bin" pcap "$work/garbage-record.pcap"
head -c 10 "$good_pcap" > "$work/cut-in-file-header.pcap"
check pcap_cut_in_file_header 3 "cut-in-file-header.pcap" "$bin" pcap "$work/cut-in-file-header.pcap"
check pcap_empty_file 3 "/dev/null" "$bin" pcap /dev/null
# A file the user may not read: as root, run as nobody (setpriv) when the binary is reachable.
as_user=()
if [ "$(id -u)" -eq 0 ]; then
    chmod 755 "$work"
    if command -v setpriv >/dev/null &&
        setpriv --reuid=65534 --regid=65534 --clear-groups "$bin" --version >/dev/null 2>&1; then
        as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
    fi
fi
if [ "$(id -u)" -ne 0 ] || [ "${#as_user[@]}" -gt 0 ]; then
    echo "secret" > "$work/unreadable.log"; chmod 000 "$work/unreadable.log"
    check logs_unreadable 3 "Permission denied" "${as_user[@]}" "$bin" logs "$work/unreadable.log"
    cp "$good_pcap" "$work/unreadable.pcap"; chmod 000 "$work/unreadable.pcap"
    check pcap_unreadable 3 "Permission denied" "${as_user[@]}" "$bin" pcap "$work/unreadable.pcap"
else
    echo "skip logs_unreadable, pcap_unreadable: root, and nobody cannot run $bin"
fi
echo "cli: $fails failed"
[ "$fails" -eq 0 ]
