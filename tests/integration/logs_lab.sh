#!/bin/bash
# tests/integration/logs_lab.sh SERVER: real nginx, HAProxy, lighttpd or Apache from the lab
# logs failed handshakes caused by real clients (curl without the CA, curl speaking plain HTTP,
# openssl s_client with TLS 1.2 / TLS 1.0 / an unknown SNI / no cipher in common, gnutls-cli);
# `tlsdoctor logs --json` must find each cause, in the server's own format, one event per
# connection.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
server="$1"; bin="${TLSDOCTOR:?}"; certs="${LAB_CERTS_DIR:?}"
"$here/../lab/lab.sh" run "${server}_logging" "$certs" -- bash -c '
    set -u
    p=$LAB_PORT
    curl -s --max-time 5 --resolve logs.lab.test:$p:127.0.0.1 https://logs.lab.test:$p/ >/dev/null
    curl -s --max-time 5 http://127.0.0.1:$p/ >/dev/null
    echo | timeout 5 openssl s_client -connect 127.0.0.1:$p -servername logs.lab.test -tls1_2 >/dev/null 2>&1
    echo | timeout 5 openssl s_client -connect 127.0.0.1:$p -servername nope.test >/dev/null 2>&1
    if [ "$1" = lighttpd ] || [ "$1" = apache ]; then
        echo | timeout 5 openssl s_client -connect 127.0.0.1:$p -tls1 -cipher DEFAULT@SECLEVEL=0 >/dev/null 2>&1
        echo | timeout 5 openssl s_client -connect 127.0.0.1:$p -tls1_2 -cipher AES128-SHA >/dev/null 2>&1
        timeout 5 gnutls-cli -p $p 127.0.0.1 </dev/null >/dev/null 2>&1
    fi
    # The servers write their logs as the connections end; wait until the last one shows.
    log=$LAB_RUNDIR/error.log; want=4
    if [ "$1" = haproxy ]; then log=$LAB_RUNDIR/server.log; want=3; fi
    if [ "$1" = lighttpd ]; then want=3; fi
    if [ "$1" = apache ]; then want=6; fi
    for _ in $(seq 1 50); do [ "$(grep -c "SSL\|plain HTTP" "$log")" -ge $want ] && break; sleep 0.1; done
    [ -n "${LAB_SAVE_LOG:-}" ] && cp "$log" "$LAB_SAVE_LOG"
    "$0" logs --json "$log" > "$LAB_RUNDIR/events.jsonl"
    python3 - "$1" "$LAB_RUNDIR/events.jsonl" "$log" <<PY
import json, sys
server, path, log = sys.argv[1], sys.argv[2], sys.argv[3]
lines = [json.loads(l) for l in open(path)]
events = [l for l in lines if l["type"] == "event"]
summary = lines[-1]
causes = {}
for e in events:
    causes[e["cause"]] = causes.get(e["cause"], 0) + 1
print("%s: formats %s, causes %s" % (server, summary["formats"], causes))
if server == "nginx":
    want = {"client.cert_rejected": 1, "client.plain_http_to_tls_port": 1,
            "tls.version.no_common": 1, "tls.sni.unrecognized_name": 1}
    fmt = "nginx"
else:
    # HAProxy 2.6 logs handshake failures without the OpenSSL reason.
    want = {"tls.handshake.failed": 2, "client.closed_in_handshake": 1}
    fmt = "haproxy"
ok = True
if server == "lighttpd":
    # lighttpd 1.4.69 does not log the alerts curl and gnutls-cli send when they reject the
    # certificate (with SNI); the three it logs must be read.
    want = {"client.plain_http_to_tls_port": 1, "tls.version.no_common": 1,
            "tls.cipher.no_common": 1}
    fmt = "lighttpd"
if server == "apache":
    want = {"client.plain_http_to_tls_port": 1, "tls.version.no_common": 1,
            "tls.cipher.no_common": 1, "client.cert_rejected": 1}
    fmt = "apache"
    # One event per connection: the plain-HTTP connection is logged on two lines.
    if causes.get("client.plain_http_to_tls_port", 0) != 1:
        print("plain HTTP counted %d times" % causes.get("client.plain_http_to_tls_port", 0))
        ok = False
ok = ok and summary["formats"] == [fmt] and summary["type"] == "summary"
for e in events:
    if e["client"].startswith("<"):
        print("a syslog priority in the client address: %s" % e["client"])
        ok = False
for k, n in want.items():
    if causes.get(k, 0) < n:
        ok = False
        print("missing %s (want >= %d)" % (k, n))
if not ok:
    print(open(log).read()[-3000:])
sys.exit(0 if ok else 1)
PY
' "$bin" "$server"
