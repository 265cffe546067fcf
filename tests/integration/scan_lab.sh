#!/bin/bash
# tests/integration/scan_lab.sh: `tlsdoctor scan` against real origins on 127.0.0.1: one nginx
# with a healthy, an expired, a chain-incomplete, a wrong-name and a self-signed server, a
# closed port, a silent listener and a name that does not resolve. Asserts the root cause of
# each target, the bad-input handling (line numbers, duplicates once, empty file), shards under
# GNU parallel (union = the unsharded scan, no target twice), --resume, SIGINT (the summary is
# written within the step timeout plus a margin), the exit status of the worst target, and that
# targets waiting on a silent server hold no thread each (parked in the scan's epoll set).
# Environment: TLSDOCTOR (the binary), LAB_CERTS_DIR (lab.sh certs). Servers stopped by PID.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${TLSDOCTOR:?set TLSDOCTOR to the binary}"
certs="${LAB_CERTS_DIR:?}"
"$here/../lab/lab.sh" certs "$certs" >/dev/null
command -v parallel >/dev/null || { echo "GNU parallel not installed (scripts/install-deps.sh)"; exit 1; }
work="$(mktemp -d)"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
wait_port() {
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "port $1 never opened"; exit 1
}
fail() { echo "FAIL: $*"; exit 1; }

# --- the origins ---------------------------------------------------------------------------
declare -A port
srv=""
add() { # NAME CERT KEY
    port[$1]="$(free_port)"
    srv+="    server { listen 127.0.0.1:${port[$1]} ssl; server_name _; ssl_certificate $2; ssl_certificate_key $3; location / { return 200 \"ok\\n\"; } }
"
}
add healthy "$certs/good.full.pem" "$certs/good.key"
add expired "$certs/expired.full.pem" "$certs/expired.key"
add chain "$certs/good.pem" "$certs/good.key"
add name "$certs/wrongname.full.pem" "$certs/wrongname.key"
add self "$certs/self.pem" "$certs/self.key"
mkdir -p "$work/ngx/tmp"
cat > "$work/ngx/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $work/ngx/nginx.pid;
error_log $work/ngx/error.log warn;
events { worker_connections 512; }
http {
    access_log off;
    client_body_temp_path $work/ngx/tmp;
    proxy_temp_path $work/ngx/tmp;
    fastcgi_temp_path $work/ngx/tmp;
    uwsgi_temp_path $work/ngx/tmp;
    scgi_temp_path $work/ngx/tmp;
$srv}
CONF
nginx -p "$work/ngx" -c "$work/ngx/nginx.conf" -e "$work/ngx/error.log" >"$work/ngx/out.log" 2>&1 &
pids+=($!)
# A silent listener: accepts, never answers.
port[silent]="$(free_port)"
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(128); keep = []
while True:
    c, _ = s.accept(); keep.append(c)
' "${port[silent]}" &
pids+=($!)
port[closed]="$(free_port)"
for k in healthy expired chain name self silent; do wait_port "${port[$k]}"; done

# --- the target list: every form, duplicates, comments, bad lines ---------------------------
T="$work/targets.txt"
{
    echo "# the lab fleet"
    echo
    echo "good.lab.test:${port[healthy]} 127.0.0.1"
    echo "GOOD.lab.test:${port[healthy]} 127.0.0.1   # the same target, another spelling"
    echo "127.0.0.1,good.lab.test,tag,${port[healthy]}"
    echo "https://good.lab.test:${port[healthy]}/ 127.0.0.1"
    echo "this line has three fields"
    echo "expired.lab.test:${port[expired]} 127.0.0.1"
    echo "good.lab.test:${port[chain]} 127.0.0.1"
    echo "127.0.0.1,good.lab.test,,${port[name]}"
    echo "https://good.lab.test:${port[self]}/x 127.0.0.1"
    echo "127.0.0.1:${port[closed]}"
    echo "host.that.does.not.exist.invalid"
    echo "good.lab.test:99999"
    echo "good.lab.test:${port[silent]} 127.0.0.1"
    # distinct targets (paths differ) for the shard test
    for i in $(seq 1 40); do echo "https://good.lab.test:${port[healthy]}/p$i 127.0.0.1"; done
} > "$T"
distinct=$((1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 40))   # healthy expired chain name self closed nx silent + 40

common=(--ca-file "$certs/root.pem" --timeout 4 --step-timeout 1 --no-progress)
set +e
"$bin" scan "$T" --json --profile quick --concurrency 16 "${common[@]}" >"$work/all.jsonl" 2>"$work/all.err"
rc=$?
set -e
cat "$work/all.err"
[ "$rc" -eq 2 ] || fail "exit status $rc, want 2 (the worst target fails)"
grep -q "targets.txt:7: more than two fields" "$work/all.err" || fail "bad line 7 not reported with its number"
grep -q "targets.txt:14: invalid port" "$work/all.err" || fail "bad port on line 14 not reported"

python3 - "$work/all.jsonl" "$distinct" "${port[healthy]}" "${port[expired]}" "${port[chain]}" \
    "${port[name]}" "${port[self]}" "${port[closed]}" "${port[silent]}" <<'PY'
import json, sys
path, distinct = sys.argv[1], int(sys.argv[2])
ph, pe, pc, pn, ps, pcl, psi = sys.argv[3:10]
res, summ = {}, None
for l in open(path):
    d = json.loads(l)
    if "summary" in d:
        summ = d["summary"]; continue
    assert d["target_line"] not in res, "twice: " + d["target_line"]
    res[d["target_line"]] = d
def root(line):
    d = res[line]
    return d["root_cause"]["id"] if d["root_cause"] else "none"
want = {
    "good.lab.test:%s 127.0.0.1" % ph: "none",
    "expired.lab.test:%s 127.0.0.1" % pe: "cert.expired",
    "good.lab.test:%s 127.0.0.1" % pc: "cert.chain.missing_intermediate",
    "127.0.0.1,good.lab.test,,%s" % pn: "cert.hostname.mismatch",
    "https://good.lab.test:%s/x 127.0.0.1" % ps: "cert.self_signed",
    "127.0.0.1:%s" % pcl: "tcp.connect.refused",
    "good.lab.test:%s 127.0.0.1" % psi: "proto.silent",
}
ok = True
for line, rid in want.items():
    got = root(line)
    print("%-45s %s" % (line, got))
    if got != rid:
        ok = False; print("  want", rid)
nx = root("host.that.does.not.exist.invalid")
print("host.that.does.not.exist.invalid", nx)
if not nx.startswith("dns.resolve."):
    ok = False; print("  want dns.resolve.*")
h = res["good.lab.test:%s 127.0.0.1" % ph]
# the quick profile: HTTP shown as not checked, never as passing; the verdict still healthy
http = [l for l in h["layers"] if l["layer"] == "http"][0]
if h["profile"] != "quick" or "http" not in h["not_checked"] or http["status"] != "skipped" \
        or "not checked (quick profile)" not in http["summary"] or h["verdict"] != "healthy":
    ok = False; print("quick profile not reported:", h["profile"], http, h["verdict"])
if len(res) != distinct or summ["done"] != distinct or summ["duplicates"] != 3 \
        or summ["invalid_lines"] != 2 or summ["exit_code"] != 2 or summ["profile"] != "quick":
    ok = False; print("summary", summ, "results", len(res), "want", distinct)
print("summary:", {k: summ[k] for k in ("done", "duplicates", "invalid_lines", "fail", "exit_code")})
sys.exit(0 if ok else 1)
PY

# --- shards under GNU parallel: union = the unsharded scan, no target twice -----------------
N=4
parallel --halt never -j "$N" "$bin" scan "$T" --json --profile quick --shard {}/"$N" --concurrency 4 \
    "${common[@]}" ">" "$work/shard{}.jsonl" "2>/dev/null" ::: $(seq 0 $((N - 1))) || true
python3 - "$work/all.jsonl" "$N" "$work"/shard*.jsonl <<'PY'
import json, sys
def lines(p):
    out = []
    for l in open(p):
        d = json.loads(l)
        if "summary" not in d:
            out.append(d["target_line"])
    return out
allset = lines(sys.argv[1])
n = int(sys.argv[2])
shards = [lines(p) for p in sys.argv[3:]]
assert len(shards) == n, "a shard wrote nothing"
union = [t for s in shards for t in s]
dupes = len(union) - len(set(union))
print("shards:", [len(s) for s in shards], "union", len(set(union)), "unsharded", len(allset))
# the same target may be spelt differently in the two runs' first occurrence: none here
assert dupes == 0, "%d targets scanned in two shards" % dupes
assert set(union) == set(allset), "union differs: %s" % (set(union) ^ set(allset))
assert sum(1 for s in shards if s) >= 2, "sharding put everything in one shard"
PY

# --- --resume: an interrupted output (last line cut), the rest is scanned once --------------
head -n 20 "$work/all.jsonl" > "$work/part.jsonl"
sed -n 21p "$work/all.jsonl" | cut -c1-50 >> "$work/part.jsonl"   # a line cut by the kill
set +e
"$bin" scan "$T" --json --profile quick --resume "$work/part.jsonl" "${common[@]}" >"$work/rest.jsonl" 2>/dev/null
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "resume: exit status $rc, want 2 (the worst of both runs)"
python3 - "$work/all.jsonl" "$work/part.jsonl" "$work/rest.jsonl" <<'PY'
import json, sys
def lines(p):
    out = []
    for l in open(p):
        try:
            d = json.loads(l)
        except ValueError:
            continue
        if "summary" not in d:
            out.append(d["target_line"])
    return out
a, p, r = lines(sys.argv[1]), lines(sys.argv[2]), lines(sys.argv[3])
summ = [d for d in map(json.loads, open(sys.argv[3])) if "summary" in d][0]["summary"]
print("resume: earlier", len(p), "now", len(r), "resumed", summ["resumed"])
assert not set(p) & set(r), "resumed targets scanned again"
assert set(p) | set(r) == set(a), "resume lost targets"
assert summ["resumed"] == len(p) == 20
PY

# --- empty input, exit status of the worst target -------------------------------------------
printf '# nothing\n\n' > "$work/empty.txt"
set +e
"$bin" scan "$work/empty.txt" --no-progress >"$work/e.out" 2>"$work/e.err"; rc=$?
: | "$bin" scan - --no-progress >/dev/null 2>>"$work/e.err"; rc2=$?
set -e
cat "$work/e.err"
[ "$rc" -eq 3 ] && [ "$rc2" -eq 3 ] || fail "empty input: exit $rc / $rc2, want 3"
grep -q "holds no target" "$work/e.err" || fail "empty input: no clear message"
echo "good.lab.test:${port[healthy]} 127.0.0.1" > "$work/ok.txt"
set +e
"$bin" scan "$work/ok.txt" "${common[@]}" > "$work/ok.out"; rc=$?
set -e
[ "$rc" -eq 0 ] || fail "one healthy target: exit $rc, want 0"
grep -q "healthy 1" "$work/ok.out" || fail "text summary lacks the count: $(cat "$work/ok.out")"

# --- the full profile on the same target: HTTP checked --------------------------------------
"$bin" scan "$work/ok.txt" --json --profile full "${common[@]}" > "$work/full.jsonl" || true
python3 - "$work/full.jsonl" <<'PY'
import json, sys
d = json.loads(open(sys.argv[1]).readline())
http = [l for l in d["layers"] if l["layer"] == "http"][0]
assert d["profile"] == "full" and "not_checked" not in d and http["status"] == "ok", (d["profile"], http)
assert "http.hsts.incomplete" in [f["id"] for f in d["findings"]]
print("full profile: http", http["status"], http["summary"])
PY

# --- the quick profile makes one connection to a healthy target ----------------------------
# openssl s_server -naccept 1 serves one connection and exits: a second connection (a separate
# TCP check, a raw hello before the handshake) would leave the handshake nothing to talk to.
port[one]="$(free_port)"
openssl s_server -quiet -naccept 1 -accept "127.0.0.1:${port[one]}" -cert "$certs/good.pem" \
    -key "$certs/good.key" -cert_chain "$certs/int.pem" </dev/null >"$work/one.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do ss -ltn | grep -q "127.0.0.1:${port[one]} " && break; sleep 0.1; done
echo "good.lab.test:${port[one]} 127.0.0.1" | "$bin" scan - --json --profile quick "${common[@]}" \
    > "$work/one.jsonl" 2>/dev/null || true
python3 - "$work/one.jsonl" <<'PY'
import json, sys
d = json.loads(open(sys.argv[1]).readline())
st = {l["layer"]: l["status"] for l in d["layers"]}
sh = d["observations"]["sniff"]["server_hello"]
print("one connection: verdict", d["verdict"], st, "ServerHello", sh)
assert d["verdict"] == "healthy" and st["proto"] == "ok" and st["tls"] == "ok" and st["cert"] == "ok", st
assert sh is not None and sh["version"] in ("TLSv1.2", "TLSv1.3"), sh
PY

# --- SIGINT on healthy targets: the exit status is unknown (3), never 0 -----------------------
for i in $(seq 1 2000); do echo "https://good.lab.test:${port[healthy]}/h$i 127.0.0.1"; done \
    > "$work/healthy_many.txt"
"$bin" scan "$work/healthy_many.txt" --json --profile quick --concurrency 2 \
    --ca-file "$certs/root.pem" --no-progress > "$work/int_healthy.jsonl" 2>/dev/null &
spid=$!
sleep 1
kill -INT "$spid"
set +e
wait "$spid"; rc=$?
set -e
python3 - "$work/int_healthy.jsonl" "$rc" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
s = [d for d in lines if "summary" in d][-1]["summary"]
bad = s["warn"] + s["fail"] + s["unknown"] + s["errors"]
print("SIGINT on healthy targets: done %d (not healthy %d), exit %s" % (s["done"], bad, sys.argv[2]))
assert s["interrupted"] and s["done"] < 2000 and bad == 0, s
assert int(sys.argv[2]) == 3 and s["exit_code"] == 3, "exit %s after an interrupted scan" % sys.argv[2]
PY

# --- SIGINT: no new target starts, the summary comes within the step timeout + margin -------
for i in $(seq 1 200); do echo "s$i.lab.test:${port[silent]} 127.0.0.1"; done > "$work/silent.txt"
"$bin" scan "$work/silent.txt" --json --profile quick --concurrency 4 --ca-file "$certs/root.pem" \
    --timeout 30 --step-timeout 2 --no-progress > "$work/int.jsonl" 2>/dev/null &
spid=$!
sleep 1
t0=$(date +%s.%N)
kill -INT "$spid"
set +e
wait "$spid"; rc=$?
set -e
t1=$(date +%s.%N)
python3 - "$work/int.jsonl" "$t0" "$t1" "$rc" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
summ = [d for d in lines if "summary" in d]
assert summ, "no summary after SIGINT"
s = summ[-1]["summary"]
el = float(sys.argv[3]) - float(sys.argv[2])
print("SIGINT: summary after %.1f s, done %d, not started %d, abandoned %d, exit %s"
      % (el, s["done"], s["not_started"], s["abandoned"], sys.argv[4]))
assert s["interrupted"] and s["done"] + s["abandoned"] + s["not_started"] <= 200
assert s["done"] < 200, "the scan ran to the end"
# not every target was seen: the status is never better than unknown (3), whatever finished
assert int(sys.argv[4]) in (2, 3) and s["exit_code"] == int(sys.argv[4]), "exit %s" % sys.argv[4]
# the in-flight diagnoses end within their own deadline: step 2 s (hello) + legacy 2 s + margin
assert el < 10, "took %.1f s" % el
PY

# --- waiting targets hold no thread: 150 silent targets in flight, a handful of threads -------
# The quick profile's handshake parks in the scan's epoll set while it waits (docs/scan.md);
# the workers that started them end after 100 ms without work. Were each waiting target to
# keep its worker (the design before), the process would have 150+ threads here.
head -n 150 "$work/silent.txt" > "$work/park.txt"
"$bin" scan "$work/park.txt" --json --profile quick --concurrency 150 --ca-file "$certs/root.pem" \
    --timeout 8 --step-timeout 6 --no-progress > "$work/park.jsonl" 2>/dev/null &
spid=$!
n=0
for _ in $(seq 60); do # until the listener holds all 150
    n=$(ss -Htn state established "( sport = :${port[silent]} )" | wc -l)
    [ "$n" -ge 150 ] && break
    sleep 0.1
done
sleep 1 # idle workers end after 100 ms
threads=$(awk '/^Threads:/ {print $2}' "/proc/$spid/status")
wait "$spid" || true
echo "parked: $n connections established, $threads threads while they wait"
[ "$n" -ge 150 ] || fail "only $n of 150 connections established"
[ "$threads" -le 16 ] || fail "$threads threads for 150 waiting targets: they are not parked"
python3 - "$work/park.jsonl" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
causes = [(d.get("root_cause") or {}).get("id") for d in lines if "target_line" in d]
assert len(causes) == 150 and set(causes) == {"proto.silent"}, causes[:5]
PY

echo "scan_lab: ok"
