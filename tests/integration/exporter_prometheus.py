#!/usr/bin/env python3
"""The exporter under a real Prometheus (see exporter_prometheus.sh, which starts the two lab
origins and sets GOOD_PORT, BAD_PORT, LAB_CERTS). Starts the exporter and Prometheus on free
ports of 127.0.0.1, waits (bounded) until Prometheus has scraped both targets, then asserts
through its HTTP API: probe success 1 and root cause "none" for the healthy origin, success 0
and root cause cert.expired for the expired one."""
import json, os, shutil, socket, subprocess, sys, tempfile, time, urllib.parse, urllib.request

from exporter_util import free_port, stop

BIN = os.environ["TLSDOCTOR"]
CERTS = os.environ["LAB_CERTS"]
GOOD, BAD = os.environ["GOOD_PORT"], os.environ["BAD_PORT"]
DEADLINE = time.monotonic() + 75


def wait_connect(port, proc, what):
    while time.monotonic() < DEADLINE:
        if proc.poll() is not None:
            sys.exit("%s exited early (status %s)" % (what, proc.returncode))
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit("%s did not listen on %d" % (what, port))


tmp = tempfile.mkdtemp(prefix="tdprom.")
procs = []
try:
    exp_port, prom_port = free_port(), free_port()
    exp = subprocess.Popen([BIN, "exporter", "--listen", "127.0.0.1:%d" % exp_port,
                            "--ca-file", os.path.join(CERTS, "root.pem"), "--resolve", "127.0.0.1",
                            "--step-timeout", "3", "--probe-timeout", "8"],
                           stdout=open(os.path.join(tmp, "exporter.out"), "w"),
                           stderr=subprocess.STDOUT)
    procs.append(exp)
    wait_connect(exp_port, exp, "exporter")
    targets = ["good.lab.test:%s" % GOOD, "expired.lab.test:%s" % BAD]
    # The multi-target pattern of blackbox_exporter: the target becomes ?target=, the address
    # the exporter's (the same relabelling as deploy/prometheus/prometheus.yml).
    cfg = """global:
  scrape_interval: 2s
  scrape_timeout: 2s
scrape_configs:
  - job_name: tlsdoctor
    metrics_path: /probe
    params:
      profile: [quick]
    static_configs:
      - targets: [%s]
    relabel_configs:
      - source_labels: [__address__]
        target_label: __param_target
      - source_labels: [__param_target]
        target_label: instance
      - target_label: __address__
        replacement: 127.0.0.1:%d
  - job_name: tlsdoctor_exporter
    static_configs:
      - targets: ['127.0.0.1:%d']
""" % (", ".join("'%s'" % t for t in targets), exp_port, exp_port)
    with open(os.path.join(tmp, "prometheus.yml"), "w") as f:
        f.write(cfg)
    prom = subprocess.Popen(["prometheus", "--config.file", os.path.join(tmp, "prometheus.yml"),
                             "--storage.tsdb.path", os.path.join(tmp, "data"),
                             "--web.listen-address", "127.0.0.1:%d" % prom_port,
                             "--log.level", "warn"],
                            stdout=open(os.path.join(tmp, "prometheus.log"), "w"),
                            stderr=subprocess.STDOUT)
    procs.append(prom)
    wait_connect(prom_port, prom, "prometheus")

    def query(q):
        url = "http://127.0.0.1:%d/api/v1/query?%s" % (prom_port, urllib.parse.urlencode({"query": q}))
        with urllib.request.urlopen(url, timeout=5) as r:
            doc = json.load(r)
        assert doc["status"] == "success", doc
        return doc["data"]["result"]

    got = {}
    while time.monotonic() < DEADLINE:
        try:
            res = query('tlsdoctor_probe_success{job="tlsdoctor"}')
        except OSError:
            res = []
        got = {r["metric"]["instance"]: r["value"][1] for r in res}
        try:
            own = query('tlsdoctor_exporter_probes_total{outcome="success"}')
        except OSError:
            own = []
        if len(got) == 2 and own and float(own[0]["value"][1]) >= 1:
            break
        time.sleep(0.5)
    else:
        with urllib.request.urlopen("http://127.0.0.1:%d/api/v1/targets" % prom_port, timeout=5) as r:
            print(r.read().decode()[:3000])
        sys.exit("Prometheus did not scrape both targets in time: %s" % got)
    print("probe_success:", got)
    roots = {r["metric"]["instance"]: r["metric"]["id"]
             for r in query('tlsdoctor_probe_root_cause{job="tlsdoctor"}')}
    print("root causes:", roots)
    up = {r["metric"]["instance"]: r["value"][1] for r in query("up")}
    print("up:", up)
    ok = True
    want = {targets[0]: ("1", "none"), targets[1]: ("0", "cert.expired")}
    for t, (succ, root) in want.items():
        if got.get(t) != succ or roots.get(t) != root:
            print("FAIL %s: success %s root %s, want %s %s" % (t, got.get(t), roots.get(t), succ, root))
            ok = False
    if any(v != "1" for v in up.values()) or len(up) != 3:
        print("FAIL: a scrape failed (up): %s" % up)
        ok = False
    # The exporter's own health, scraped by the second job.
    probes = query('tlsdoctor_exporter_probes_total{outcome="success"}')
    if not probes or float(probes[0]["value"][1]) < 1:
        print("FAIL: tlsdoctor_exporter_probes_total not scraped: %s" % probes)
        ok = False
    sys.exit(0 if ok else 1)
finally:
    for p in reversed(procs):
        stop(p)
    shutil.rmtree(tmp, ignore_errors=True)
