#!/usr/bin/env python3
"""tests/integration/html_report.py: the HTML report looked at as a person would.

For lab scenarios (healthy, a missing intermediate, TLS 1.0 only, a silent server, a
certificate whose names hold HTML and terminal escapes) it writes `tlsdoctor --html`, checks
the page with `tidy -errors`, opens it in real headless Chromium (Debian's, over the DevTools
protocol on --remote-debugging-pipe) and asserts from the DOM: no console error or exception,
the verdict names the expected finding id, the ladders have their arrows (and the expected
failure arrow or silence), the certificate's `<script>` and `<img onerror>` are text (one
script element: the page's own; no img), and no request left the page. It also writes an
unwritable path and a missing directory: exit 3, a clear message, no file left.

  html_report.py --tlsdoctor BIN [--screenshot PNG] [--certs DIR]
"""
import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from real_clients import Chromium  # noqa: E402  (one Chromium driver for every test)

LAB = os.path.join(HERE, "..", "lab", "lab.sh")

# scenario -> (expected root-cause finding id or None for healthy, a class the ladders must
# show: "fail" for a red arrow, "note" for silence until a deadline, "" for none)
CASES = {
    "healthy": (None, ""),
    "matrix:tls10_only": ("tls.version.legacy_only", "fail"),
    "missing_intermediate": ("cert.chain.missing_intermediate", ""),
    "tls10_only": ("tls.version.legacy_only", "fail"),
    "silent": ("proto.silent", "note"),
    "escapes": ("cert.hostname.mismatch", ""),
}


def render(binary, case, certs, out):
    scenario = case.split(":")[-1]
    matrix = "matrix " if case.startswith("matrix:") else ""
    cmd = ('"$0" ' + matrix + 'good.lab.test --connect-to 127.0.0.1:$LAB_PORT --ca-file "$LAB_CERTS/root.pem" '
           '--timeout 8 --step-timeout 3 --html "$1" --json')
    p = subprocess.run([LAB, "run", scenario, certs, "--", "bash", "-c", cmd, binary, out],
                       capture_output=True, text=True, timeout=120)
    doc = json.loads(p.stdout) if p.stdout.strip().startswith("{") else None
    return p.returncode, doc, p.stderr


def look(chromium, path, shot=None):
    """Opens path in a fresh browser context; returns (facts from the DOM, console errors)."""
    ctx = chromium.send("Target.createBrowserContext", {"disposeOnDetach": True})["browserContextId"]
    sid = None
    try:
        tid = chromium.send("Target.createTarget", {"url": "about:blank", "browserContextId": ctx})["targetId"]
        sid = chromium.send("Target.attachToTarget", {"targetId": tid, "flatten": True})["sessionId"]
        for dom in ("Runtime", "Log", "Page", "Network"):
            chromium.send(dom + ".enable", {}, sid)
        chromium.send("Emulation.setDeviceMetricsOverride",
                      {"width": 1000, "height": 900, "deviceScaleFactor": 1, "mobile": False}, sid)
        chromium.send("Page.navigate", {"url": "file://" + path}, sid, timeout=20)
        end = time.time() + 10
        while time.time() < end:
            with chromium.cv:
                if any(e.get("sessionId") == sid and e["method"] == "Page.loadEventFired"
                       for e in chromium.events):
                    break
            time.sleep(0.05)
        time.sleep(0.3)  # late console messages
        js = """JSON.stringify({
  verdict: (document.querySelector('.verdict') || {}).getAttribute ?
           document.querySelector('.verdict').getAttribute('data-finding') : null,
  verdict_text: (document.querySelector('.verdict strong') || {}).textContent || '',
  ladders: document.querySelectorAll('svg.ladder').length,
  arrows: document.querySelectorAll('svg.ladder g.arrow').length,
  fail_arrows: document.querySelectorAll('svg.ladder g.arrow.fail').length,
  notes: document.querySelectorAll('svg.ladder g.note').length,
  labels: Array.from(document.querySelectorAll('svg.ladder text')).map(t => t.textContent),
  scripts: document.querySelectorAll('script').length,
  imgs: document.querySelectorAll('img').length,
  bold_in_table: document.querySelectorAll('table b').length,
  layers: document.querySelectorAll('table.layers tr[data-layer]').length,
  chain_rows: document.querySelectorAll('table.chain tr').length,
  copy: document.querySelectorAll('button.copy').length,
  body: document.body.innerText
})"""
        r = chromium.send("Runtime.evaluate", {"expression": js, "returnByValue": True}, sid)
        facts = json.loads(r["result"]["value"])
        if shot:
            chromium.send("Emulation.setDeviceMetricsOverride",
                          {"width": 1000, "height": 1400, "deviceScaleFactor": 1, "mobile": False}, sid)
            png = chromium.send("Page.captureScreenshot", {"format": "png"}, sid, timeout=20)
            with open(shot, "wb") as f:
                f.write(base64.b64decode(png["data"]))
        errors, requests = [], []
        with chromium.cv:
            evs = [e for e in chromium.events if e.get("sessionId") == sid]
        for e in evs:
            p = e.get("params", {})
            if e["method"] == "Runtime.exceptionThrown":
                errors.append("exception: %s" % p.get("exceptionDetails", {}).get("text"))
            elif e["method"] == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                errors.append("console.%s" % p.get("type"))
            elif e["method"] == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                errors.append("log: %s" % p["entry"].get("text"))
            elif e["method"] == "Network.requestWillBeSent":
                url = p.get("request", {}).get("url", "")
                if not url.startswith("file://"):
                    requests.append(url)
        return facts, errors, requests
    finally:
        try:
            chromium.send("Target.disposeBrowserContext", {"browserContextId": ctx})
        except (RuntimeError, TimeoutError):
            pass


def bad_paths(binary, work):
    """A missing directory, and a path that is a directory (rename fails; root ignores
    permissions, so an unwritable directory would not fail here): exit 3, a clear message, no
    file nor temporary file left."""
    fails = []
    missing = os.path.join(work, "no-such-dir", "r.html")
    isdir = os.path.join(work, "adir")
    os.makedirs(isdir)
    for path, msg in ((missing, "cannot create"), (isdir, "cannot write")):
        before = set(os.listdir(work))
        p = subprocess.run([binary, "127.0.0.1:1", "--timeout", "2", "--html", path],
                           capture_output=True, text=True, timeout=30)
        left = sorted(set(os.listdir(work)) - before) + (os.listdir(isdir) if path == isdir else [])
        ok = p.returncode == 3 and msg in p.stderr and not left
        print("  %-20s exit %d, %r, left %s: %s" % (os.path.relpath(path, work), p.returncode,
              p.stderr.strip()[:90], left, "ok" if ok else "WRONG"))
        if not ok:
            fails.append("bad path %s: exit %d %r" % (path, p.returncode, p.stderr.strip()))
    return fails


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tlsdoctor", required=True)
    ap.add_argument("--certs")
    ap.add_argument("--screenshot")
    a = ap.parse_args()
    binary = os.path.abspath(a.tlsdoctor)
    work = tempfile.mkdtemp(prefix="td-html-")
    certs = a.certs or os.path.join(work, "certs")
    subprocess.run([LAB, "certs", certs], check=True, capture_output=True, timeout=120)
    failures = []
    pages = {}
    for s in CASES:
        out = os.path.join(work, s.replace(":", "_") + ".html")
        rc, doc, err = render(binary, s, certs, out)
        if not os.path.exists(out):
            failures.append("%s: no page written (exit %d: %s)" % (s, rc, err.strip()[:200]))
            continue
        t = subprocess.run(["tidy", "-errors", "-q", out], capture_output=True, text=True)
        if t.returncode != 0:
            failures.append("%s: tidy: %s" % (s, t.stderr.strip()[:300]))
        pages[s] = (out, doc)
    chromium = Chromium(work, [])
    try:
        print("Chromium: %s" % chromium.version)
        for s, (out, doc) in pages.items():
            want, mark = CASES[s]
            got_id = doc["root_cause"]["id"] if doc and doc.get("root_cause") else None
            shot = a.screenshot if s == "missing_intermediate" and a.screenshot else None
            facts, errors, requests = look(chromium, out, shot)
            problems = []
            if errors:
                problems.append("console errors %s" % errors)
            if requests:
                problems.append("network requests %s" % requests)
            if facts["verdict"] != (got_id or ""):
                problems.append("verdict %r but the JSON says %r" % (facts["verdict"], got_id))
            if want is not None and got_id != want:
                problems.append("root cause %r, expected %r" % (got_id, want))
            if want is None and s == "healthy" and not facts["verdict_text"].startswith("HEALTHY"):
                problems.append("healthy page says %r" % facts["verdict_text"])
            if facts["ladders"] < 2 or facts["arrows"] < 3:
                problems.append("ladders %d arrows %d" % (facts["ladders"], facts["arrows"]))
            if mark == "fail" and facts["fail_arrows"] == 0:
                problems.append("no failure arrow")
            if mark == "note" and facts["notes"] == 0:
                problems.append("no silence drawn")
            if s.startswith("matrix:") and "Handshake matrix" not in facts["body"]:
                problems.append("no matrix section")
            if facts["layers"] != 6:
                problems.append("layer rows %d" % facts["layers"])
            if facts["scripts"] != 1 or facts["imgs"] != 0 or facts["bold_in_table"] != 0:
                problems.append("markup from data: scripts %d imgs %d <b> %d" % (
                    facts["scripts"], facts["imgs"], facts["bold_in_table"]))
            if s == "escapes" and not ("script" in facts["body"] and "alert(1)" in facts["body"]
                                       and "onerror" in facts["body"]):
                problems.append("the certificate's <script> and <img onerror> are not shown as text")
            if want is not None and facts["copy"] == 0:
                problems.append("no copy button for the fix")
            print("%-22s verdict %-34s ladders %d arrows %2d fail %d notes %d: %s" % (
                s, facts["verdict"] or "HEALTHY", facts["ladders"], facts["arrows"],
                facts["fail_arrows"], facts["notes"], "; ".join(problems) or "ok"))
            failures += ["%s: %s" % (s, p) for p in problems]
    finally:
        chromium.close()
    failures += bad_paths(binary, work)
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures))
        return 1
    print("all %d pages render in Chromium without errors; tidy passes" % len(pages))
    return 0


if __name__ == "__main__":
    sys.exit(main())
