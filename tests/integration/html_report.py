#!/usr/bin/env python3
"""tests/integration/html_report.py: the HTML report (--html, issue 16) looked at as a person
would: a lab scenario is diagnosed with --html, the page is checked with `tidy -errors`, then
loaded in real headless Chromium over the DevTools protocol (--remote-debugging-pipe: fds 3
and 4, no port opened). Asserts that the page loaded without console errors or exceptions
(a Content-Security-Policy violation is one: the page's only script is pinned by its hash),
that the verdict names the expected finding id, that the ladder's arrows are there, that the
copy button copies the fix, and that nothing from the network became markup. Saves a
screenshot next to the page.

  html_report.py report SCENARIO FINDING_ID [TLSDOCTOR ARGS...]
  html_report.py matrix SCENARIO FINDING_ID  tlsdoctor matrix --html: the matrix section too
  html_report.py compare                  tlsdoctor compare --html on the intercepted scenario
  html_report.py badpath                  missing directory, a directory, an unwritable place

Environment: TLSDOCTOR (the binary), LAB_CERTS_DIR (the lab PKI), HTML_OUT (where pages and
screenshots go; a temporary directory when unset).
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
LAB = os.path.join(HERE, "..", "lab", "lab.sh")


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


class Chromium:
    """One headless Chromium driven over --remote-debugging-pipe (NUL-terminated JSON)."""

    def __init__(self, home):
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()
        args = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                "--no-first-run", "--remote-debugging-pipe", "--user-data-dir=" + home,
                "--window-size=1000,1400"]
        # The pipes go to fds 3 (commands in) and 4 (answers out), as the protocol expects.
        self.proc = subprocess.Popen(
            ["sh", "-c", 'a=$1; b=$2; shift 2; exec "$@" 3<&"$a" 4>&"$b"', "sh",
             str(to_chrome_r), str(from_chrome_w)] + args,
            pass_fds=(to_chrome_r, from_chrome_w), stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, env=dict(os.environ, HOME=home))
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buf = b""
        self.next_id = 0
        self.events = []

    def _read_msg(self, deadline):
        while b"\0" not in self.buf:
            if time.time() > deadline:
                fail("Chromium did not answer in time")
            chunk = os.read(self.from_chrome, 65536)
            if not chunk:
                fail("Chromium closed the pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=None, timeout=20):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = time.time() + timeout
        while True:
            m = self._read_msg(deadline)
            if m.get("id") == self.next_id:
                if "error" in m:
                    fail("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, name, timeout=20):
        deadline = time.time() + timeout
        for i, m in enumerate(self.events):
            if m.get("method") == name:
                return self.events.pop(i)
        while True:
            m = self._read_msg(deadline)
            if m.get("method") == name:
                return m
            self.events.append(m)

    def close(self):
        try:
            self.call("Browser.close", timeout=5)
        except SystemExit:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.to_chrome)
        os.close(self.from_chrome)


def look(page, png, expect_id=None, checks=()):
    """Loads page in Chromium; returns the values of the checks (JS expressions)."""
    with tempfile.TemporaryDirectory() as home:
        c = Chromium(home)
        try:
            url = "file://" + os.path.abspath(page)
            c.call("Browser.grantPermissions", {"permissions": ["clipboardReadWrite",
                                                                "clipboardSanitizedWrite"]})
            target = c.call("Target.createTarget", {"url": "about:blank"})["targetId"]
            s = c.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            for m in ("Page.enable", "Runtime.enable", "Log.enable"):
                c.call(m, session=s)
            c.call("Page.navigate", {"url": url}, session=s)
            c.wait_event("Page.loadEventFired")

            def ev(expr):
                r = c.call("Runtime.evaluate", {"expression": expr, "returnByValue": True,
                                                "awaitPromise": True}, session=s)
                if "exceptionDetails" in r:
                    fail("evaluating %s: %s" % (expr, r["exceptionDetails"]))
                return r["result"].get("value")

            results = [ev(x) for x in checks]
            # The copy button: its fixed script copies the fix text.
            fix = ev("(document.querySelector('pre.fix')||{}).textContent||''")
            if fix:
                ev("document.querySelector('button.copy').click()")
                time.sleep(0.3)
                label = ev("document.querySelector('button.copy').textContent")
                if label != "copied":
                    fail("the copy button did not copy (label %r)" % label)
            shot = c.call("Page.captureScreenshot", {"format": "png"}, session=s)
            with open(png, "wb") as f:
                f.write(base64.b64decode(shot["data"]))
            time.sleep(0.2)
            c.call("Runtime.evaluate", {"expression": "1"}, session=s)  # drain events
            errors = []
            for m in c.events:
                p = m.get("params", {})
                if m.get("method") == "Runtime.exceptionThrown":
                    errors.append(p["exceptionDetails"].get("text"))
                elif m.get("method") == "Runtime.consoleAPICalled" and p.get("type") in (
                        "error", "assert"):
                    errors.append(str(p.get("args")))
                elif m.get("method") == "Log.entryAdded" and p["entry"]["level"] == "error":
                    errors.append(p["entry"].get("text"))
            if errors:
                fail("console errors in %s: %s" % (page, errors))
        finally:
            c.close()
    return results


COMMON = [
    "document.getElementById('verdict') ? document.getElementById('verdict').textContent : ''",
    "document.querySelectorAll('svg.ladder g.arrow').length",
    "document.querySelectorAll('script').length",
    "document.querySelectorAll('img, iframe, object, embed, link, b b, script[src]').length",
    "[...document.querySelectorAll('*')].filter(e => [...e.attributes].some("
    "a => a.name.startsWith('on'))).length",
]


def tidy(page):
    r = subprocess.run(["tidy", "-errors", "-q", page], capture_output=True, text=True)
    if r.returncode != 0:
        fail("tidy -errors on %s (exit %d):\n%s" % (page, r.returncode, r.stderr))


def diagnose_in_lab(scen, args, page, sub=None):
    """Runs tlsdoctor [sub] HOST --connect-to ... --html page inside lab.sh run."""
    certs = os.environ["LAB_CERTS_DIR"]
    cmd = ('"$0" %s "$LAB_HOST" --connect-to 127.0.0.1:$LAB_PORT --ca-file "$LAB_CERTS/root.pem"'
           ' --timeout 20 --step-timeout 3 --html "$1" --json "${@:2}" > "$1.json"; echo $? > "$1.rc"'
           % (sub or ""))
    subprocess.run([LAB, "run", scen, certs, "--", "bash", "-c", cmd, os.environ["TLSDOCTOR"],
                    page] + list(args), check=True, timeout=120)
    rc = int(open(page + ".rc").read())
    doc = json.load(open(page + ".json"))
    if not os.path.exists(page):
        fail("no page written (tlsdoctor exit %d)" % rc)
    return rc, doc


def check_common(vals, what):
    verdict, arrows, scripts, foreign, handlers = vals[:5]
    print("%s: verdict %r, %d arrows, %d scripts" % (what, verdict[:80], arrows, scripts))
    if arrows < 2:
        fail("%s: the ladder has %d arrows" % (what, arrows))
    if scripts != 1 or foreign != 0 or handlers != 0:
        fail("%s: markup from data: %d scripts, %d foreign elements, %d handlers" % (
            what, scripts, foreign, handlers))
    return verdict


def cmd_report(out, scen, expect, args, sub=None):
    page = os.path.join(out, "%s%s.html" % (scen, "-matrix" if sub else ""))
    rc, doc = diagnose_in_lab(scen, args, page, sub)
    want = doc["root_cause"]["id"] if doc.get("root_cause") else "healthy"
    if expect != want:
        fail("%s: root cause %s, expected %s" % (scen, want, expect))
    tidy(page)
    extra = ["document.querySelectorAll('#matrix').length",
             "((document.getElementById('chain')||{}).nextElementSibling||{})"
             ".nextElementSibling?.textContent || ''",
             "[...document.querySelectorAll('h2,h3,section')].map(e => e.id || e.tagName)"
             ".join(' ')"]
    vals = look(page, page[:-5] + ".png", checks=COMMON + extra)
    verdict = check_common(vals, scen)
    if expect == "healthy":
        if "HEALTHY" not in verdict:
            fail("%s: verdict %r is not HEALTHY" % (scen, verdict))
    elif expect not in verdict:
        fail("%s: the verdict does not name %s: %r" % (scen, expect, verdict))
    order = vals[7].split()
    want_order = [x for x in ("verdict", "ladder", "layers", "clients", "proxies", "chain",
                              "matrix", "raw") if x in order]
    if [x for x in order if x in want_order] != want_order:
        fail("%s: sections out of order: %s" % (scen, order))
    if sub == "matrix" and vals[5] != 1:
        fail("matrix: no matrix section")
    if scen == "escapes":
        html = open(page, encoding="utf-8").read()
        if any(ch in html for ch in "\x1b\x07") or "<script>alert" in html:
            fail("escapes: raw escape bytes or markup from the certificate in the page")
        chain = vals[6]
        if "script" not in chain or "evil" not in chain:
            fail("escapes: the hostile subject is not shown as text: %r" % chain[:200])
    print("ok: %s (exit %d) -> %s" % (scen, rc, page))


def cmd_compare(out):
    certs = os.environ["LAB_CERTS_DIR"]
    page = os.path.join(out, "compare.html")
    cmd = ('"$0" compare good.lab.test --via 127.0.0.1:$LAB_PORT --via 127.0.0.2:$LAB_PORT '
           '--ca-file "$LAB_CERTS/root.pem" --timeout 20 --html "$1" > /dev/null; echo $? > "$1.rc"')
    subprocess.run([LAB, "run", "intercepted", certs, "--", "bash", "-c", cmd,
                    os.environ["TLSDOCTOR"], page], check=True, timeout=120)
    rc = int(open(page + ".rc").read())
    if rc != 2:
        fail("compare: exit %d, expected 2 (interception)" % rc)
    tidy(page)
    vals = look(page, os.path.join(out, "compare.png"), checks=COMMON + [
        "document.querySelectorAll('#differences, #p1-verdict, #p2-verdict').length"])
    verdict = check_common(vals, "compare")
    if "Zscaler" not in verdict or vals[5] != 3:
        fail("compare: verdict %r, %d of the sections" % (verdict, vals[5]))
    print("ok: compare -> %s" % page)


def cmd_badpath(out):
    """Missing directory, a directory as FILE, an unwritable place: exit 3, a clear message,
    nothing left behind. Fails before any probing: the target is never contacted.
    Works in a directory of its own: the other cases run in parallel and write pages and
    screenshots into `out` while this one compares its listing (CI failed on that once)."""
    bin_ = os.environ["TLSDOCTOR"]
    out = os.path.join(out, "badpath")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    existing = os.path.join(out, "keep.html")
    with open(existing, "w") as f:
        f.write("old")
    cases = [os.path.join(out, "no-such-dir", "r.html"), out, "/proc/tlsdoctor-report.html"]
    for path in cases:
        before = set(os.listdir(out))
        r = subprocess.run([bin_, "127.0.0.1:9", "--timeout", "2", "--html", path],
                           capture_output=True, text=True, timeout=30)
        if r.returncode != 3 or "cannot write the HTML report" not in r.stderr:
            fail("--html %s: exit %d, %r" % (path, r.returncode, r.stderr))
        if set(os.listdir(out)) != before or os.path.exists(os.path.join(out, "no-such-dir")):
            fail("--html %s left files: %s" % (path, set(os.listdir(out)) - before))
        print("ok: --html %s: exit 3: %s" % (path, r.stderr.strip()))
    r = subprocess.run([bin_, "compare", "h.test", "--via", "127.0.0.1:9", "--via", "dns",
                        "--html", cases[0]], capture_output=True, text=True, timeout=30)
    if r.returncode != 3 or "cannot write the HTML report" not in r.stderr:
        fail("compare --html %s: exit %d, %r" % (cases[0], r.returncode, r.stderr))
    if open(existing).read() != "old":
        fail("an unrelated file changed")
    # A good path: written whole, mode from the umask, no temporary file left.
    page = os.path.join(out, "closed.html")
    r = subprocess.run([bin_, "127.0.0.1:9", "--timeout", "2", "--html", page],
                       capture_output=True, text=True, timeout=30)
    left = [n for n in os.listdir(out) if n.startswith("closed.html.")]
    if not os.path.exists(page) or left or not open(page).read().rstrip().endswith("</html>"):
        fail("--html %s: exit %d, temporary files %s" % (page, r.returncode, left))
    tidy(page)
    print("ok: closed port page written whole (exit %d)" % r.returncode)


def cmd_summary(out, kind):
    """pcap / logs --html: the summary page, tidy, Chromium: the headline, the summary, the
    folded JSON, no markup from data (the log names a server '<script>...')."""
    bin_ = os.environ["TLSDOCTOR"]
    here = os.path.dirname(os.path.abspath(__file__))
    page = os.path.join(out, kind + "-summary.html")
    if kind == "logs":
        src = os.path.join(out, "hostile.log")
        with open(src, "w") as f:
            for i, server in enumerate(("<script>alert(1)</script>.example", "0.0.0.0:443")):
                f.write("2026/11/22 10:00:0%d [info] 12#12: *%d SSL_do_handshake() failed (SSL: "
                        "error:0A000102:SSL routines::unsupported protocol) while SSL "
                        "handshaking, client: 10.0.0.%d, server: %s\n" % (i, i + 1, i + 1, server))
        want_rc, want = 1, "2 failed handshakes"
    else:
        src = os.path.join(here, "..", "fixtures", "pcap", "encap_vxlan.pcap")
        want_rc, want = 0, "No failed handshake"
    r = subprocess.run([bin_, kind, src, "--html", page], capture_output=True, text=True,
                       timeout=60)
    if r.returncode != want_rc or not os.path.exists(page):
        fail("%s --html: exit %d (expected %d), page %s: %s" % (
            kind, r.returncode, want_rc, os.path.exists(page), r.stderr))
    tidy(page)
    vals = look(page, page[:-5] + ".png", checks=[
        "document.getElementById('verdict').textContent",
        "document.querySelectorAll('pre.summary').length",
        "document.querySelectorAll('pre.json').length",
        "document.querySelectorAll('script').length",
        "document.querySelectorAll('img, iframe, object, embed, link, script[src]').length",
        "[...document.querySelectorAll('*')].filter(e => [...e.attributes].some("
        "a => a.name.startsWith('on'))).length",
        "(document.querySelector('pre.summary')||{}).textContent||''"])
    verdict, summaries, jsons, scripts, foreign, handlers, text = vals
    print("%s: verdict %r, %d summary, %d json, %d scripts" % (kind, verdict, summaries, jsons,
                                                            scripts))
    if want not in verdict or summaries != 1 or jsons != 1:
        fail("%s: verdict %r, %d summary sections, %d JSON sections" % (kind, verdict, summaries,
                                                                       jsons))
    if scripts != 1 or foreign != 0 or handlers != 0:
        fail("%s: markup from data: %d scripts, %d foreign, %d handlers" % (kind, scripts, foreign,
                                                                         handlers))
    if kind == "logs" and ("script" not in text or "tls.version.no_common" not in text):
        fail("logs: the cause tls.version.no_common or the hostile server name (as text) is "
             "missing from the summary")
    print("ok: %s summary -> %s" % (kind, page))


def cmd_scan(out):
    """scan --html: the summary page of a scan of a lab origin (an expired certificate)."""
    certs = os.environ["LAB_CERTS_DIR"]
    page = os.path.join(out, "scan-summary.html")
    cmd = ('printf "good.lab.test:%s 127.0.0.1:%s\\n" $LAB_PORT $LAB_PORT | "$0" scan '
           '--ca-file "$LAB_CERTS/root.pem" --no-progress --html "$1" > /dev/null; '
           'echo $? > "$1.rc"')
    subprocess.run([LAB, "run", "expired", certs, "--", "bash", "-c", cmd,
                    os.environ["TLSDOCTOR"], page], check=True, timeout=120)
    rc = int(open(page + ".rc").read())
    if rc != 2 or not os.path.exists(page):
        fail("scan --html: exit %d (expected 2), page %s" % (rc, os.path.exists(page)))
    tidy(page)
    vals = look(page, page[:-5] + ".png", checks=[
        "document.getElementById('verdict').textContent",
        "(document.querySelector('pre.summary')||{}).textContent||''",
        "document.querySelectorAll('pre.json').length",
        "document.querySelectorAll('script').length"])
    verdict, text, jsons, scripts = vals
    print("scan: verdict %r, %d json, %d scripts" % (verdict, jsons, scripts))
    if "1 of 1 targets" not in verdict or "cert.expired" not in text or jsons != 1 or scripts != 1:
        fail("scan --html: verdict %r, summary %r" % (verdict, text[:300]))
    print("ok: scan summary -> %s" % page)


def main():
    if len(sys.argv) < 2 or not os.environ.get("TLSDOCTOR"):
        print(__doc__, file=sys.stderr)
        sys.exit(3)
    out = os.environ.get("HTML_OUT") or tempfile.mkdtemp(prefix="tdhtml.")
    os.makedirs(out, exist_ok=True)
    what = sys.argv[1]
    if what == "report" and len(sys.argv) >= 4:
        cmd_report(out, sys.argv[2], sys.argv[3], sys.argv[4:])
    elif what == "matrix" and len(sys.argv) == 4:
        cmd_report(out, sys.argv[2], sys.argv[3], [], sub="matrix")
    elif what == "compare":
        cmd_compare(out)
    elif what == "badpath":
        cmd_badpath(out)
    elif what == "scan":
        cmd_scan(out)
    elif what in ("pcap", "logs"):
        cmd_summary(out, what)
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(3)


if __name__ == "__main__":
    main()
