#!/usr/bin/env python3
"""The exporter's limits against a real lab origin that accepts and never answers (lab.sh run
silent: LAB_PORT, LAB_CERTS). Asserts: a probe ends within its deadline plus a margin (and says
why: proto.silent or diag.deadline); with --max-probes 1 a second probe at the same moment is
refused with 503 before its scrape timeout; malformed queries get 400 with a reason; other
paths 404, other methods 405; /metrics counts what happened."""
import os, subprocess, sys, threading, time, urllib.error, urllib.request

from exporter_util import free_port, stop

BIN = os.environ["TLSDOCTOR"]
PORT = os.environ["LAB_PORT"]
CERTS = os.environ["LAB_CERTS"]


def get(url, headers=None, method="GET", timeout=30):
    req = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


ep = free_port()
exp = subprocess.Popen([BIN, "exporter", "--listen", "127.0.0.1:%d" % ep, "--max-probes", "1",
                        "--probe-timeout", "3", "--ca-file", os.path.join(CERTS, "root.pem"),
                        "--resolve", "127.0.0.1"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
ok = True
try:
    line = exp.stdout.readline().decode()
    if "listening on port %d" % ep not in line:
        sys.exit("exporter did not start: %r" % line)
    base = "http://127.0.0.1:%d" % ep
    target = "silent.lab.test:%s" % PORT

    # 1. The deadline: --probe-timeout 3, the origin never answers.
    t0 = time.monotonic()
    st, body = get(base + "/probe?target=" + target)
    took = time.monotonic() - t0
    root = [l for l in body.splitlines() if l.startswith("tlsdoctor_probe_root_cause")]
    print("silent origin: %d in %.2f s, %s" % (st, took, root))
    if st != 200 or took > 3 + 2 or not root or not any(
            ('id="proto.silent"' in l or 'id="diag.deadline"' in l) for l in root):
        print("FAIL: deadline or root cause")
        ok = False
    if "tlsdoctor_probe_success 0" not in body or not body.endswith("# EOF\n"):
        print("FAIL: success or OpenMetrics end")
        ok = False

    # 2. The concurrency limit: two probes at once with --max-probes 1 and a 2 s scrape
    # timeout: one probes, the other waits for the slot until a second before its deadline.
    results = []

    def probe():
        results.append(get(base + "/probe?target=" + target,
                           {"X-Prometheus-Scrape-Timeout-Seconds": "2"}))

    th = [threading.Thread(target=probe) for _ in range(2)]
    t0 = time.monotonic()
    for t in th:
        t.start()
    for t in th:
        t.join()
    took = time.monotonic() - t0
    codes = sorted(r[0] for r in results)
    print("two probes at once, --max-probes 1: %s in %.2f s" % (codes, took))
    if codes != [200, 503] or took > 2 + 2:
        print("FAIL: concurrency limit")
        ok = False

    # 3. Malformed queries: 400 with a reason, never a probe.
    bad = {
        "": "no target",
        "?target=": "empty target",
        "?target=a:1&target=b:2": "twice",
        "?target=a%0a.test:443": "control bytes",
        "?target=a%20b:443": "control bytes",
        "?target=%ff:443": "non-ASCII",
        "?target=a:99999": "bad target",
        "?target=a:443&profile=slow": "profile must be",
        "?target=a:443&module=tls": "unknown query parameter",
        "?target=" + "a" * 400 + ":443": "too long",
        "?target=a%00b:443": "control bytes",
    }
    for q, why in bad.items():
        st, body = get(base + "/probe" + q)
        if st != 400 or why not in body:
            print("FAIL: %r -> %d %r (want 400 %r)" % (q, st, body, why))
            ok = False
    st, _ = get(base + "/other")
    st2, _ = get(base + "/probe?target=a:1", method="POST")
    if st != 404 or st2 != 405:
        print("FAIL: /other %d (want 404), POST %d (want 405)" % (st, st2))
        ok = False
    st, m = get(base + "/metrics")
    want = ['tlsdoctor_exporter_rejected_total{reason="busy"} 1',
            'tlsdoctor_exporter_rejected_total{reason="bad_request"} %d' % (len(bad) + 1),
            'tlsdoctor_exporter_probes_total{outcome="failure"} 2',
            'tlsdoctor_exporter_probes_in_flight 0']
    for w in want:
        if w not in m:
            print("FAIL: /metrics lacks %r" % w)
            ok = False
    print("malformed queries: %d refused with 400" % len(bad))
finally:
    rc = stop(exp, 15)
    if rc != 0:
        print("FAIL: exporter exit status %s after SIGTERM" % rc)
        ok = False
sys.exit(0 if ok else 1)
