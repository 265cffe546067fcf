#!/bin/bash
# tests/integration/real_proxies.sh [SCENARIO...]: tlsdoctor's proxy predictions checked against
# the real proxies. For each lab origin scenario (default: every one `lab.sh list` prints), puts
# Debian's nginx and HAProxy in front of the origin in the documented configurations, sends one
# request through each with curl, and asserts that the `proxies` row tlsdoctor predicts for that
# configuration matches what the proxy did. Prints a table: scenario x configuration, observed
# vs predicted. Environment: TLSDOCTOR (the binary), LAB_CERTS_DIR (the lab PKI).
#
# Configurations (proxy/mode in the JSON):
#   a  nginx `proxy_pass https://127.0.0.1:PORT;` defaults (no verification, no SNI)
#        -> "nginx proxy_pass https://" / "verify off, server_name off (defaults)"
#   b  nginx + proxy_ssl_verify on; proxy_ssl_trusted_certificate ROOT; proxy_ssl_server_name on;
#        proxy_ssl_name NAME;  -> "nginx proxy_pass https://" / "verify on, server_name on"
#   c  HAProxy `server s 127.0.0.1:PORT ssl verify none`
#        -> "HAProxy server ... ssl" / "verify none"
#   d  HAProxy `... ssl verify required ca-file ROOT sni str(NAME) verifyhost NAME`
#        -> "HAProxy server ... ssl" / "verify required, sni and verifyhost"
#   e  HAProxy `... ssl verify required ca-file ROOT` (no SNI, no name check)
#        -> "HAProxy server ... ssl" / "verify required"
#
# How an observation maps to a predicted `result`: "OK" means the proxy reached the origin and
# relayed the origin's own answer, whatever its status (200, a 301 redirect, a 421 or a 503 the
# origin itself sent). A status code means the proxy itself answered with that code because it
# could not get an answer from the origin. Which of the two happened is read from the proxy's
# own log, not guessed from the code: nginx writes an [error] line for the request into that
# server's error_log (e.g. "... while SSL handshaking to upstream"); HAProxy's termination state
# is "----" only when the server's response was passed through (e.g. "SC--": server-side
# connection failure). A result "502 or 503" matches either code (HAProxy's answer to a
# TLS 1.3 origin that refuses the missing client certificate after the handshake depends on
# timing); "504 (if slower than 60 s)" is a condition on the origin's speed, which tlsdoctor
# cannot see past its own step timeout: the relayed answer matches it too. A result "unknown"
# (tlsdoctor did not observe what the row depends on) is shown and not asserted.
#
# Timeouts are short (connect/handshake 3 s) but longer than any lab origin's intended delay
# (slow_tls answers after 3.5 s: read timeouts are 10 s), so a timeout is the origin's, not ours.
# No scenario is skipped: every lab server is something a proxy could have as its origin
# (two_backends and intercepted are reached on 127.0.0.1, their real-server address).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
lab="$here/../lab/lab.sh"

if [ "${1:-}" = "--inner" ]; then
    # Runs inside `lab.sh run`: LAB_PORT, LAB_HOST, LAB_CERTS, LAB_RUNDIR are set.
    scen="$2"; out="$3"; bin="$4"
    d="$LAB_RUNDIR/px"; mkdir -p "$d/tmp"
    root="$LAB_CERTS/root.pem"; name="$LAB_HOST"; port="$LAB_PORT"
    ports=()
    for _ in 1 2 3 4 5; do
        ports+=("$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')")
    done
    na=${ports[0]} nb=${ports[1]} hc=${ports[2]} hd=${ports[3]} he=${ports[4]}
    cat > "$d/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/nginx-main.log error;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $d/tmp;
    proxy_temp_path $d/tmp;
    fastcgi_temp_path $d/tmp;
    uwsgi_temp_path $d/tmp;
    scgi_temp_path $d/tmp;
    proxy_connect_timeout 3s;
    proxy_send_timeout 10s;
    proxy_read_timeout 10s;
    proxy_ssl_session_reuse off;
    server {
        listen 127.0.0.1:$na;
        error_log $d/nginx-a.log error;
        location / { proxy_pass https://127.0.0.1:$port; }
    }
    server {
        listen 127.0.0.1:$nb;
        error_log $d/nginx-b.log error;
        location / {
            proxy_pass https://127.0.0.1:$port;
            proxy_ssl_verify on;
            proxy_ssl_trusted_certificate $root;
            proxy_ssl_server_name on;
            proxy_ssl_name $name;
        }
    }
}
CONF
    cat > "$d/haproxy.cfg" <<CONF
global
    maxconn 64
    log stdout format raw local0 info
defaults
    mode http
    log global
    log-format "%ft %ST %tsc %[bc_err_str]"
    timeout connect 3s
    timeout client 10s
    timeout server 10s
frontend c
    bind 127.0.0.1:$hc
    default_backend c
backend c
    server s 127.0.0.1:$port ssl verify none
frontend d
    bind 127.0.0.1:$hd
    default_backend d
backend d
    server s 127.0.0.1:$port ssl verify required ca-file $root sni str($name) verifyhost $name
frontend e
    bind 127.0.0.1:$he
    default_backend e
backend e
    server s 127.0.0.1:$port ssl verify required ca-file $root
CONF
    : > "$d/nginx-a.log"; : > "$d/nginx-b.log"
    nginx -p "$d" -c "$d/nginx.conf" -e "$d/nginx-main.log" >"$d/nginx.out" 2>&1 &
    npid=$!
    haproxy -f "$d/haproxy.cfg" -db >"$d/haproxy.log" 2>&1 &
    hpid=$!
    stop() {
        for p in "$npid" "$hpid"; do kill "$p" 2>/dev/null || true; done
        for p in "$npid" "$hpid"; do
            for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
            kill -9 "$p" 2>/dev/null || true
        done
    }
    trap stop EXIT
    for fp in "$na:$npid" "$hc:$hpid"; do
        ok=0
        for _ in $(seq 1 100); do
            kill -0 "${fp#*:}" 2>/dev/null || break
            if (exec 3<>"/dev/tcp/127.0.0.1/${fp%%:*}") 2>/dev/null; then ok=1; break; fi
            sleep 0.1
        done
        if [ $ok = 0 ]; then
            echo "proxy did not start:"; cat "$d"/nginx.out "$d"/nginx-main.log "$d"/haproxy.log; exit 3
        fi
    done
    # The requests run in parallel (each proxy's worst case is a timeout); one each.
    cpids=()
    for c in a:$na b:$nb c:$hc d:$hd e:$he; do
        curl -s -o /dev/null -w '%{http_code}' --max-time 30 -H "Host: $name" \
            "http://127.0.0.1:${c#*:}/" > "$d/status-${c%%:*}" 2>/dev/null &
        cpids+=($!)
    done
    for p in "${cpids[@]}"; do wait "$p" || true; done
    # tlsdoctor's prediction, the way a user runs it against the origin.
    "$bin" "$name" --connect-to "127.0.0.1:$port" --ca-file "$root" --json --timeout 30 \
        --step-timeout "${TD_STEP:-3}" > "$d/report.json" || true
    stop; trap - EXIT
    python3 - "$scen" "$d" "$out" <<'PY'
import json, re, sys
scen, d, out = sys.argv[1:4]
rows = {"a": ("nginx proxy_pass https://", "verify off, server_name off (defaults)"),
        "b": ("nginx proxy_pass https://", "verify on, server_name on"),
        "c": ("HAProxy server ... ssl", "verify none"),
        "d": ("HAProxy server ... ssl", "verify required, sni and verifyhost"),
        "e": ("HAProxy server ... ssl", "verify required")}
try:
    doc = json.load(open(d + "/report.json"))
    pred = {(p["proxy"], p["mode"]): (p["result"], p["why"]) for p in doc["proxies"]}
    root = doc["root_cause"]["id"] if doc["root_cause"] else "none"
except (OSError, ValueError) as e:
    pred, root = {}, "no report (%s)" % e
hap = {}
for line in open(d + "/haproxy.log", errors="replace"):
    m = re.match(r"^([cde]) (-?\d+) (\S+) ?(.*)$", line.strip())
    if m:
        hap[m.group(1)] = (m.group(3), m.group(4))
with open(out, "a") as f:
    for k, (proxy, mode) in rows.items():
        status = open("%s/status-%s" % (d, k)).read().strip() or "000"
        if k in "ab":
            lines = [l.strip() for l in open("%s/nginx-%s.log" % (d, k), errors="replace") if l.strip()]
            generated = bool(lines)
            reason = ""
            if lines:
                reason = re.sub(r"^\S+ \S+ \[(\w+)\] \d+#\d+: \*\d+ ", r"[\1] ", lines[0])
                reason = reason.split(", client:")[0]
        else:
            tsc, err = hap.get(k, ("?", ""))
            generated = not tsc.startswith("-")
            reason = tsc + ("" if err in ("", "-", "Success") else " " + err)
        observed = ("OK (%s from the origin)" % status) if not generated else status
        want, why = pred.get((proxy, mode), ("(no row)", ""))
        # "502 or 503": either (the proxy's answer depends on timing); "504 (if slower than
        # 60 s)": a condition on the origin's speed that tlsdoctor cannot see past its own
        # step timeout, so a relayed answer also matches.
        conditional = "(if slower than" in want
        alts = re.sub(r"\s*\(if slower than [^)]*\)", "", want).split(" or ")
        relayed = not generated and status != "000"
        if want == "unknown":
            match = None  # tlsdoctor says it does not know: shown, not asserted
        elif want == "OK":
            match = relayed
        else:
            match = (generated and status in alts) or (conditional and relayed)
        f.write("\t".join([scen, k, proxy + " / " + mode, observed, reason, want, why,
                           "unasserted" if match is None else "ok" if match else "MISMATCH", root]) + "\n")
PY
    exit 0
fi

bin="${TLSDOCTOR:?set TLSDOCTOR to the binary}"; certs="${LAB_CERTS_DIR:?}"
for t in nginx haproxy curl python3; do
    command -v $t >/dev/null || { echo "$t not found: run scripts/install-deps.sh"; exit 3; }
done
if [ $# -gt 0 ]; then scens=("$@"); else mapfile -t scens < <("$lab" list); fi
table="$(mktemp "${TMPDIR:-/tmp}/tdproxies.XXXXXX")"
trap 'rm -f "$table"' EXIT
for s in "${scens[@]}"; do
    "$lab" run "$s" "$certs" -- "$0" --inner "$s" "$table" "$bin" || echo "$s: lab run failed ($?)"
done
python3 - "$table" "${scens[@]}" <<'PY'
import sys
path, scens = sys.argv[1], sys.argv[2:]
rows = [l.rstrip("\n").split("\t") for l in open(path)]
bad = 0
print("%-22s %-2s %-26s %-40s %-10s %s" % ("scenario", "", "observed", "reason (proxy log)", "predicted", ""))
for r in rows:
    scen, k, row, observed, reason, want, why, match, root = r
    print("%-22s %-2s %-26s %-40.40s %-10s %s" % (scen, k, observed, reason, want,
          "" if match == "ok" else "(not asserted: %s)" % why if match == "unasserted"
          else "<-- MISMATCH (%s; root %s)" % (why, root)))
    bad += match == "MISMATCH"
seen = {r[0] for r in rows}
for s in scens:
    if s not in seen:
        print("%s: no result" % s)
        bad += 1
print("%d of %d predictions match the real proxies (%d not asserted: tlsdoctor says unknown)"
      % (sum(r[7] == "ok" for r in rows), sum(r[7] != "unasserted" for r in rows),
         sum(r[7] == "unasserted" for r in rows)))
sys.exit(1 if bad else 0)
PY
