#!/usr/bin/env python3
"""tests/integration/real_clients.py: real clients from Debian as ground truth for tlsdoctor's
per-client verdicts (issue 11, "client cross-check").

For each lab scenario (tests/lab/lab.sh), on 127.0.0.1 only and bounded in time, run
  curl                 curl with the system OpenSSL 3.0 (default security level), --cacert ROOT
  s_client             openssl s_client -verify_return_error -verify_hostname NAME -CAfile ROOT
  python3              Debian's /usr/bin/python3, ssl.create_default_context(cafile=ROOT)
  py_upstr             the same with upstream CPython's defaults (minimum TLS 1.2, its cipher
                       string), which Debian's build replaces with OpenSSL's
  gnutls               gnutls-cli --x509cafile ROOT --sni-hostname/--verify-hostname NAME
  chromium             Debian's Chromium, headless, one browser for the whole run, driven over
                       the DevTools protocol on --remote-debugging-pipe (fds 3 and 4: no port),
                       a throwaway HOME whose NSS database trusts the lab root, one browser
                       context per scenario (no cache, HSTS or session shared between scenarios)
and record "connected" (handshake done, certificate and name verified, an HTTP response of any
status) or the exact error. Then run `tlsdoctor HOST --connect-to 127.0.0.1:PORT --ca-file ROOT
--json` (the default run) and assert that its top-level `clients[id].ok` equals what the real
client did (`ok: null`, or no such id, is a disagreement):
  curl, s_client, python3 -> curl_openssl3   py_upstr -> python3_ssl   gnutls -> gnutls_cli
  chromium -> chromium_debian
Prints a table scenario x client (real / tool) and the disagreements.

For Chromium "connected" means a response to the first request from the origin (a redirect
counts; where it leads does not). The clients run at the same time, and tlsdoctor alongside
them, so that a silent server costs one timeout; against openssl s_server (one connection at a
time) everything runs one after the other. Scenarios run --jobs at a time (default 3): most of
the wall time is clients waiting out silent servers.

  real_clients.py [--scenarios a,b,...] [--jobs N] [--observe-only] [--markdown FILE]
                  [--matrix-fallback]

Environment: TLSDOCTOR (the binary; not needed with --observe-only), LAB_CERTS_DIR (the lab PKI),
TD_CLIENT_TIMEOUT (seconds per client, default 6, at most 10), TD_NO_CHROMIUM=1 to leave
Chromium out. Exit 0 when every verdict agrees, 1 otherwise, 77 when no client could run.
--matrix-fallback (development only): when the default run has no top-level `clients`, read
`tlsdoctor matrix`'s `matrix.clients` ("connects") instead.
"""
import argparse
import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
LAB = os.path.join(HERE, "..", "lab", "lab.sh")
DEBIAN_PYTHON = "/usr/bin/python3"  # Debian's own, not a pyenv or venv interpreter
CLIENTS = ["curl", "s_client", "python3", "py_upstr", "gnutls", "chromium"]
# Debian's python3 is built --with-ssl-default-suites=openssl: OpenSSL's defaults, curl's hello
# and curl's outcomes. python3_ssl is upstream CPython (3.10+: TLS 1.2 minimum, its own cipher
# string), run here as Debian's python3 with exactly those two settings of upstream's ssl.py.
TOOL_ID = {"curl": "curl_openssl3", "s_client": "curl_openssl3", "python3": "curl_openssl3",
           "py_upstr": "python3_ssl", "gnutls": "gnutls_cli", "chromium": "chromium_debian"}
UPSTREAM_CIPHERS = ("@SECLEVEL=2:ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:!aNULL:!eNULL:!aDSS:"
                    "!SHA1:!AESCCM")  # CPython Modules/_ssl.c PY_SSL_DEFAULT_CIPHER_STRING
# Scenarios that are not one origin behind one address.
SKIP = {
    "two_backends": "one name on two addresses (127.0.0.1 and 127.0.0.2, TD_RESOLVE): "
                    "a client reaches one of them, so there is no single real outcome",
    "intercepted": "127.0.0.1 is the plain healthy origin (same as 'healthy'); the defect is on "
                   "127.0.0.2 and only shows when compared (integration.compare_interception)",
}
# Hostile HTTP servers (issue 12.7): TLS and the certificate are those of 'healthy'; what is wrong
# is the HTTP head or body after it, which each client's HTTP parser (not its TLS policy) decides.
for _s in ("head_drip", "head_closed", "head_endless", "head_10mb", "body_1gb"):
    SKIP[_s] = ("the handshake and certificate are the healthy ones; the defect is in the HTTP "
                "head or body, not a per-client TLS verdict (integration.hostile_%s)" % _s)
# tlsdoctor's --step-timeout: longer than the lab's slowest answer (slow_tls, 3.5 s), as the
# clients' TIMEOUT is; not equal to it, because a dripping server costs the tool several steps.
TOOL_STEP = 5
PROGRAMS = {"curl": "curl", "s_client": "openssl", "python3": "python3", "py_upstr": "python3",
            "gnutls": "gnutls-cli"}
AVAILABLE = set()
TIMEOUT = min(float(os.environ.get("TD_CLIENT_TIMEOUT", "6")), 10.0)


def first_line(text, limit=160):
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:limit]
    return ""


def request(host):
    return ("GET / HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n" % host).encode()


def run_interactive(cmd, data, timeout):
    """Run CMD, write DATA to its stdin and keep stdin open (so that neither s_client nor
    gnutls-cli quits before the answer); stop at the first HTTP status line, at exit, or at
    the deadline. Returns (exit code or None, output, timed out)."""
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    out = bytearray()
    done = threading.Event()

    def reader():
        while True:
            chunk = p.stdout.read1(65536)
            if not chunk:
                break
            out.extend(chunk)
            if b"\nHTTP/1." in out or out.startswith(b"HTTP/1."):
                # the whole status line
                i = out.find(b"HTTP/1.")
                if out.find(b"\n", i) > 0:
                    break
        done.set()

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    try:
        p.stdin.write(data)
        p.stdin.flush()
    except OSError:
        pass
    timed_out = not done.wait(timeout)
    # Give the program a moment to exit on its own (it prints its error and exits).
    try:
        rc = p.wait(0.5)
    except subprocess.TimeoutExpired:
        rc = None
    if rc is None:
        p.kill()
        p.wait()
    try:
        p.stdin.close()
    except OSError:
        pass
    t.join(1)
    return rc, out.decode("latin-1"), timed_out


def status_line(text):
    for line in text.splitlines():
        if line.startswith("HTTP/1.") or line.startswith("HTTP/2"):
            return line.strip()
    return None


def res(ok, detail, version=None, cipher=None):
    return {"ok": ok, "detail": detail, "version": version, "cipher": cipher}


# --- the clients ------------------------------------------------------------------------------

def run_curl(host, port, root):
    url = "https://%s:%d/" % (host, port)
    cmd = ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", str(int(TIMEOUT)),
           "--cacert", root, "--resolve", "%s:%d:127.0.0.1" % (host, port), url]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT + 2)
    except subprocess.TimeoutExpired:
        return res(False, "timeout (%ds)" % TIMEOUT)
    code = p.stdout.strip()
    if p.returncode == 0:
        return res(True, "HTTP %s" % code)
    if code not in ("", "000"):  # a status line came; what followed it failed
        return res(True, "HTTP %s, then exit %d: %s" % (code, p.returncode, first_line(p.stderr)))
    return res(False, "exit %d: %s" % (p.returncode, first_line(p.stderr)))


def run_s_client(host, port, root):
    cmd = ["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-servername", host,
           "-CAfile", root, "-verify_return_error", "-verify_hostname", host]
    rc, out, timed_out = run_interactive(cmd, request(host), TIMEOUT)
    version = cipher = None
    m = re.search(r"New, (\S+), Cipher is (\S+)", out)
    if m and m.group(2) != "(NONE)":
        version, cipher = m.group(1), m.group(2)
        proto = re.search(r"^\s*Protocol\s*: (\S+)", out, re.M)  # "New, ..." names the suite's version
        if proto:
            version = proto.group(1)
    st = status_line(out)
    verr = re.search(r"verify error:num=(\d+):(.*)", out)
    vcode = re.search(r"Verify return code: (\d+) \((.*)\)", out)
    if st and not verr and (not vcode or vcode.group(1) == "0"):
        return res(True, st, version, cipher)
    if verr:
        return res(False, "verify error %s: %s" % (verr.group(1), verr.group(2).strip()), version, cipher)
    if vcode and vcode.group(1) != "0":
        return res(False, "verify return code %s: %s" % (vcode.group(1), vcode.group(2)), version, cipher)
    errs = re.findall(r"error:[0-9A-F]+:SSL routines:[^:]*:([^:\n]+)", out)
    if errs:
        return res(False, "; ".join(dict.fromkeys(errs)), version, cipher)
    if timed_out:
        return res(False, "timeout (%ds)" % TIMEOUT, version, cipher)
    if version:
        return res(False, "handshake done, no HTTP response", version, cipher)
    lines = [x for x in out.splitlines() if "errno" in x or "write:" in x or "read:" in x
             or "no peer certificate" in x]
    return res(False, (lines[0].strip() if lines else first_line(out)) or "exit %s" % rc)


PY_CLIENT = r"""
import json, socket, ssl, sys
root, host, port, t = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
upstream = sys.argv[5] if len(sys.argv) > 5 else ""
out = {"ok": False, "detail": "", "version": None, "cipher": None}
try:
    ctx = ssl.create_default_context(cafile=root)
    if upstream:
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_ciphers(upstream)
    with socket.create_connection(("127.0.0.1", port), timeout=t) as raw:
        with ctx.wrap_socket(raw, server_hostname=host) as s:
            out["version"], out["cipher"] = s.version(), s.cipher()[0]
            s.sendall(("GET / HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n" % host).encode())
            data = b""
            while b"\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            line = data.split(b"\r\n")[0].decode("latin-1")
            if line.startswith("HTTP/"):
                out["ok"], out["detail"] = True, line
            else:
                out["detail"] = "handshake done, no HTTP response (%r)" % line[:40]
except ssl.SSLCertVerificationError as e:
    out["detail"] = "SSLCertVerificationError: %s (%s)" % (e.verify_message, e.reason)
except ssl.SSLError as e:
    out["detail"] = "SSLError: %s" % (e.reason or e)
except OSError as e:
    out["detail"] = "%s: %s" % (type(e).__name__, e)
print(json.dumps(out))
"""


def run_python(host, port, root, upstream=""):
    py = DEBIAN_PYTHON if os.path.exists(DEBIAN_PYTHON) else sys.executable
    try:
        p = subprocess.run([py, "-c", PY_CLIENT, root, host, str(port), str(TIMEOUT), upstream],
                           capture_output=True, text=True, timeout=TIMEOUT + 3)
    except subprocess.TimeoutExpired:
        return res(False, "timeout (%ds)" % TIMEOUT)
    try:
        return json.loads(p.stdout)
    except ValueError:
        return res(False, "python3 crashed: %s" % first_line(p.stderr))


def run_python_upstream(host, port, root):
    return run_python(host, port, root, UPSTREAM_CIPHERS)


def run_gnutls(host, port, root):
    cmd = ["gnutls-cli", "--x509cafile", root, "-p", str(port), "--sni-hostname", host,
           "--verify-hostname", host, "127.0.0.1"]
    rc, out, timed_out = run_interactive(cmd, request(host), TIMEOUT)
    version = cipher = None
    m = re.search(r"- Description: \((TLS[0-9.]+)[^)]*\)-\(([^)]*)\)-\(([^)]*)\)(?:-\(([^)]*)\))?", out)
    if m:
        version = m.group(1)
        cipher = "-".join(x for x in m.group(2, 3, 4) if x)
    st = status_line(out)
    if st and "Handshake was completed" in out:
        return res(True, st, version, cipher)
    errs = [x.strip() for x in out.splitlines()
            if x.startswith("*** ") or "certificate is NOT trusted" in x or x.startswith("|<1>|")
            or x.startswith("Could not connect") or x.startswith("- Could not verify")]
    if errs:
        return res(False, " / ".join(dict.fromkeys(errs)), version, cipher)
    if timed_out:
        return res(False, "timeout (%ds)" % TIMEOUT, version, cipher)
    if "Handshake was completed" in out:
        return res(False, "handshake done, no HTTP response", version, cipher)
    return res(False, first_line(out.splitlines()[-1] if out.strip() else "") or "exit %s" % rc)


def high_fd(fd):
    hi = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return hi


class Chromium:
    """One headless Chromium for the run, driven over --remote-debugging-pipe."""

    def __init__(self, workdir, roots):
        self.home = os.path.join(workdir, "home")
        db = os.path.join(self.home, ".pki", "nssdb")
        os.makedirs(db)
        subprocess.run(["certutil", "-d", "sql:" + db, "-N", "--empty-password"], check=True,
                       capture_output=True, timeout=30)
        for i, r in enumerate(roots):
            subprocess.run(["certutil", "-d", "sql:" + db, "-A", "-t", "C,,", "-n", "labroot%d" % i,
                            "-i", r], check=True, capture_output=True, timeout=30)
        cmd_r, self.cmd_w = os.pipe()
        self.res_r, res_w = os.pipe()
        # Moved above 4, so that the shell's redirections to 3 and 4 cannot clobber them.
        cmd_r, res_w = high_fd(cmd_r), high_fd(res_w)
        env = dict(os.environ, HOME=self.home)
        args = ["chromium", "--headless=new", "--no-sandbox", "--disable-gpu",
                "--remote-debugging-pipe", "--user-data-dir=" + os.path.join(workdir, "profile"),
                "--host-resolver-rules=MAP * 127.0.0.1", "--no-first-run",
                "--no-default-browser-check", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-extensions",
                "--disable-features=Translate,OptimizationHints,MediaRouter",
                "--disable-dev-shm-usage", "about:blank"]
        shell = 'exec "$0" "$@" 3<&%d 4>&%d %d<&- %d>&-' % (cmd_r, res_w, cmd_r, res_w)
        self.log = open(os.path.join(workdir, "chromium.log"), "wb")
        self.proc = subprocess.Popen(["bash", "-c", shell] + args, env=env, pass_fds=(cmd_r, res_w),
                                     stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log)
        os.close(cmd_r)
        os.close(res_w)
        self.next_id = 0
        self.replies = {}
        self.events = []
        self.cv = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        self.version = self.send("Browser.getVersion", timeout=20).get("product", "?")

    def _read(self):
        buf = b""
        while True:
            try:
                chunk = os.read(self.res_r, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                with self.cv:
                    self.replies[-1] = None  # closed
                    self.cv.notify_all()
                return
            buf += chunk
            while b"\0" in buf:
                msg, buf = buf.split(b"\0", 1)
                m = json.loads(msg)
                with self.cv:
                    if "id" in m:
                        self.replies[m["id"]] = m
                    else:
                        self.events.append(m)
                    self.cv.notify_all()

    def send(self, method, params=None, session=None, timeout=10):
        with self.cv:
            self.next_id += 1
            mid = self.next_id
        m = {"id": mid, "method": method, "params": params or {}}
        if session:
            m["sessionId"] = session
        os.write(self.cmd_w, json.dumps(m).encode() + b"\0")
        end = time.time() + timeout
        with self.cv:
            while mid not in self.replies:
                if -1 in self.replies:
                    raise RuntimeError("Chromium exited")
                left = end - time.time()
                if left <= 0:
                    raise TimeoutError(method)
                self.cv.wait(left)
            r = self.replies.pop(mid)
        if "error" in r:
            raise RuntimeError("%s: %s" % (method, r["error"].get("message")))
        return r.get("result", {})

    def visit(self, host, port, root=None):  # the root is in the NSS database already
        url = "https://%s:%d/" % (host, port)
        origin = url[:-1]
        ctx = self.send("Target.createBrowserContext", {"disposeOnDetach": True})["browserContextId"]
        sid = None
        try:
            tid = self.send("Target.createTarget", {"url": "about:blank", "browserContextId": ctx})["targetId"]
            sid = self.send("Target.attachToTarget", {"targetId": tid, "flatten": True})["sessionId"]
            self.send("Network.enable", {}, sid)
            nav_error = None
            try:
                nav = self.send("Page.navigate", {"url": url}, sid, timeout=TIMEOUT)
                nav_error = nav.get("errorText")
            except TimeoutError:
                nav_error = "timeout (%ds)" % TIMEOUT
            # The answer to the first request: a response (or a redirect response) from our
            # origin means TLS and the certificate were accepted; a failure has errorText.
            end = time.time() + 2
            while True:
                got, fail, sec = None, None, None
                with self.cv:
                    evs = [e for e in self.events if e.get("sessionId") == sid]
                for e in evs:
                    p = e.get("params", {})
                    if e["method"] == "Network.responseReceived" and p["response"]["url"].startswith(origin):
                        got = got or "HTTP %s" % p["response"]["status"]
                        sec = sec or p["response"].get("securityDetails")
                    elif e["method"] == "Network.requestWillBeSent" and p.get("redirectResponse") \
                            and p["redirectResponse"]["url"].startswith(origin):
                        got = got or "HTTP %s (redirect)" % p["redirectResponse"]["status"]
                        sec = sec or p["redirectResponse"].get("securityDetails")
                    elif e["method"] == "Network.loadingFailed" and p.get("type") == "Document":
                        fail = fail or p.get("errorText")
                if got or fail or nav_error or time.time() > end:
                    break
                time.sleep(0.05)
            version = sec.get("protocol") if sec else None
            cipher = sec.get("cipher") if sec else None
            if got:
                return res(True, got, version, cipher)
            return res(False, nav_error or fail or "no response", version, cipher)
        finally:
            try:
                self.send("Target.disposeBrowserContext", {"browserContextId": ctx})
            except (RuntimeError, TimeoutError):
                pass
            with self.cv:
                self.events = [e for e in self.events if e.get("sessionId") not in (sid, None)]

    def close(self):
        try:
            self.send("Browser.close", timeout=5)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.cmd_w)
        self.log.close()


# --- the lab ----------------------------------------------------------------------------------

HOLD = ("import json, os, sys; print(json.dumps({k: os.environ[k] for k in "
        "('LAB_PORT', 'LAB_HOST', 'LAB_CERTS', 'LAB_RUNDIR')}), flush=True); sys.stdin.read()")


class Scenario:
    """lab.sh run SCENARIO CERTS -- (a process that holds the server until we close its stdin)."""

    def __init__(self, name, certs):
        self.name = name
        self.p = subprocess.Popen([LAB, "run", name, certs, "--", sys.executable, "-c", HOLD],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = self.p.stdout.readline()  # lab.sh bounds the server's start to 10 s
        if not line:
            self.p.wait(10)
            raise RuntimeError("lab.sh run %s: %s" % (name, self.p.stderr.read().decode()[-400:]))
        env = json.loads(line)
        self.port, self.host = int(env["LAB_PORT"]), env["LAB_HOST"]
        self.certs, self.rundir = env["LAB_CERTS"], env["LAB_RUNDIR"]
        self.root = os.path.join(self.certs, "root.pem")

    def single_threaded(self):
        """True when the server is openssl s_server, which serves one connection at a time
        (the process listening on the port, as ss tells it)."""
        try:
            out = subprocess.run(["ss", "-Hltnp", "sport = :%d" % self.port], capture_output=True,
                                 text=True, timeout=10).stdout
        except (OSError, subprocess.TimeoutExpired):
            return True  # unknown: one client after the other is always safe
        return '"openssl"' in out

    def release(self):
        """Let lab.sh stop the server; its stop takes a while (it polls the PID), so the next
        scenario starts meanwhile and stop() collects it later."""
        try:
            self.p.stdin.close()
        except OSError:
            pass

    def stop(self):
        self.release()
        try:
            self.p.wait(15)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


def run_clients(sc, chromium, serial=None):
    fns = {n: f for n, f in (("curl", run_curl), ("s_client", run_s_client),
                             ("python3", run_python), ("py_upstr", run_python_upstream),
                             ("gnutls", run_gnutls)) if n in AVAILABLE}
    if chromium:
        fns["chromium"] = chromium.visit
    out = {}

    def one(name):
        t0 = time.time()
        try:
            r = fns[name](sc.host, sc.port, sc.root)
        except Exception as e:  # a harness problem, not a client verdict
            r = res(None, "harness error: %s: %s" % (type(e).__name__, e))
        r["ms"] = int((time.time() - t0) * 1000)
        out[name] = r

    if serial is None:
        serial = sc.single_threaded()
    if serial:
        for n in fns:
            one(n)
    else:
        ts = [threading.Thread(target=one, args=(n,)) for n in fns]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    return out


def tool_verdicts(sc, binary, matrix_fallback):
    try:
        return tool_run(sc, binary, matrix_fallback)
    except (subprocess.TimeoutExpired, ValueError, KeyError, OSError) as e:
        return None, "tlsdoctor: %s: %s" % (type(e).__name__, e)


def tool_run(sc, binary, matrix_fallback):
    base = [sc.host, "--connect-to", "127.0.0.1:%d" % sc.port, "--ca-file", sc.root, "--json",
            "--timeout", "30", "--step-timeout", "%g" % TOOL_STEP]
    p = subprocess.run([binary] + base, capture_output=True, text=True, timeout=90)
    try:
        doc = json.loads(p.stdout)
    except ValueError:
        return None, "no JSON (exit %d): %s" % (p.returncode, first_line(p.stderr))
    clients = doc.get("clients")
    how = "default run"
    if clients is None and matrix_fallback:
        p = subprocess.run([binary, "matrix"] + base, capture_output=True, text=True, timeout=120)
        mdoc = json.loads(p.stdout)
        clients = [dict(c, ok=c.get("connects")) for c in mdoc.get("matrix", {}).get("clients", [])]
        how = "matrix fallback"
    if clients is None:
        return None, "the report has no top-level 'clients' array"
    root = doc["root_cause"]["id"] if doc.get("root_cause") else "none"
    return {c["id"]: c for c in clients}, "%s, root cause %s" % (how, root)


def one_scenario(s, certs, chromium, binary, args, started, lock):
    """Start scenario S, run the clients and tlsdoctor against it, let the server go.
    Returns ((real, tool, how), the text to print)."""
    t0 = time.time()
    sc = Scenario(s, certs)
    with lock:
        started.append(sc)
    try:
        tool, how = None, "not run"
        if args.observe_only:
            real = run_clients(sc, chromium)
        elif sc.single_threaded():
            # s_server serves one connection at a time: one after the other.
            real = run_clients(sc, chromium, serial=True)
            tool, how = tool_verdicts(sc, binary, args.matrix_fallback)
        else:
            # The tool runs while the clients do (a silent server costs one timeout).
            got = {}
            th = threading.Thread(target=lambda: got.update(
                v=tool_verdicts(sc, binary, args.matrix_fallback)))
            th.start()
            real = run_clients(sc, chromium)
            th.join()
            tool, how = got.get("v", (None, "tlsdoctor did not run (see the error above)"))
    finally:
        sc.release()
    text = "%-22s %5.1f s  %s\n" % (s, time.time() - t0, how)
    for c in CLIENTS:
        r = real.get(c)
        if r is None:
            continue
        extra = " [%s %s]" % (r.get("version"), r.get("cipher")) if r.get("version") else ""
        t = ""
        if tool is not None:
            v = tool.get(TOOL_ID[c])
            t = "  tool: %s" % ("no such client" if v is None else
                                 "ok=%s basis=%s (%s)" % (json.dumps(v.get("ok")), v.get("basis"),
                                                         v.get("why", "")))
        text += "    %-9s %-4s %s%s%s\n" % (c, cell(r), r["detail"], extra, t)
    return (real, tool, how), text


def cell(r):
    if r is None:
        return "-"
    return "ok" if r["ok"] else ("FAIL" if r["ok"] is False else "err")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenarios", default="")
    ap.add_argument("--observe-only", action="store_true")
    ap.add_argument("--matrix-fallback", action="store_true")
    ap.add_argument("--markdown", default="")
    ap.add_argument("--jobs", type=int, default=int(os.environ.get("TD_CLIENT_JOBS", "3")))
    args = ap.parse_args()
    certs = os.environ.get("LAB_CERTS_DIR")
    if not certs:
        sys.exit("set LAB_CERTS_DIR to the lab PKI directory")
    binary = os.environ.get("TLSDOCTOR")
    if not args.observe_only and not binary:
        sys.exit("set TLSDOCTOR to the tlsdoctor binary (or pass --observe-only)")
    subprocess.run([LAB, "certs", certs], check=True)
    listed = subprocess.run([LAB, "list"], capture_output=True, text=True, check=True).stdout.split()
    names = [s for s in args.scenarios.split(",") if s] or listed
    for s in names:
        if s in SKIP:
            print("skip %s: %s" % (s, SKIP[s]))
    names = [s for s in names if s not in SKIP]

    for name, prog in PROGRAMS.items():
        if shutil.which(prog):
            AVAILABLE.add(name)
        else:
            print("%s not tested: %s not installed (scripts/install-deps.sh installs it)" % (name, prog))
    work = tempfile.mkdtemp(prefix="td-realclients.")
    chromium = None
    started = []
    try:
        if os.environ.get("TD_NO_CHROMIUM"):
            print("Chromium left out (TD_NO_CHROMIUM)")
        elif not shutil.which("chromium") or not shutil.which("certutil"):
            print("Chromium not tested: chromium or certutil (libnss3-tools) not installed")
        else:
            try:
                t0 = time.time()
                chromium = Chromium(work, [os.path.join(certs, "root.pem")])
                print("%s started in %.1f s" % (chromium.version, time.time() - t0))
            except Exception as e:
                print("Chromium not tested: it did not start (%s: %s)" % (type(e).__name__, e))
                if chromium is None:
                    log = os.path.join(work, "chromium.log")
                    if os.path.exists(log):
                        print(open(log, errors="replace").read()[-1500:])
        if not AVAILABLE and not chromium:
            print("nothing could be tested: no client program")
            sys.exit(77)
        results = {}
        lock = threading.Lock()
        todo = list(names)

        def worker():
            while True:
                with lock:
                    if not todo:
                        return
                    s = todo.pop(0)
                try:
                    r, text = one_scenario(s, certs, chromium, binary, args, started, lock)
                except Exception as e:  # a lab that did not start: a failure, not a verdict
                    r, text = ({}, None, "lab error: %s" % e), "%s: lab error: %s\n" % (s, e)
                with lock:
                    results[s] = r
                    sys.stdout.write(text)
                    sys.stdout.flush()

        ws = [threading.Thread(target=worker) for _ in range(max(1, args.jobs))]
        for w in ws:
            w.start()
        for w in ws:
            w.join()
        results = {s: results[s] for s in names if s in results}
    finally:
        for sc in started:
            sc.stop()
        if chromium:
            chromium.close()
        shutil.rmtree(work, ignore_errors=True)

    ran = [c for c in CLIENTS if any(c in r[0] for r in results.values())]
    if not results or not ran:
        print("nothing could be tested")
        sys.exit(77)
    # The table: real / tool for each client, '!' where they disagree.
    disagree = []
    w = max([22] + [len(s) + 2 for s in results])
    print("\n%-*s" % (w, "scenario") + "".join("%-12s" % c for c in ran))
    for s, (real, tool, how) in results.items():
        row = "%-*s" % (w, s)
        if not real:
            disagree.append((s, None, None, None, how))
        for c in ran:
            r = real.get(c)
            if r is None:
                row += "%-12s" % "-"
                continue
            t = "?"
            if tool is not None:
                v = tool.get(TOOL_ID[c])
                tok = None if v is None else v.get("ok")
                t = {True: "ok", False: "FAIL", None: "null"}[tok]
                if r["ok"] is None or tok is not r["ok"]:
                    disagree.append((s, c, cell(r), t, r["detail"]))
                    t += "!"
            elif not args.observe_only and c == ran[0]:
                disagree.append((s, None, None, None, how))
            row += "%-12s" % ("%s/%s" % (cell(r), t))
        print(row)
    if args.markdown:
        write_markdown(args.markdown, results, ran, chromium)
    if args.observe_only:
        print("\nobserve only: no comparison with tlsdoctor")
        return 1 if any(not real for real, _, _ in results.values()) else 0
    for s, (real, _, _) in results.items():
        same = [c for c in ("curl", "s_client", "python3") if c in real]
        if len(set(real[c]["ok"] for c in same)) > 1:
            print("note: %s: curl, s_client and python3 (all curl_openssl3) differ: %s"
                  % (s, "; ".join("%s %s" % (c, real[c]["detail"]) for c in same)))
    print("\n%d disagreement(s) between the real clients and tlsdoctor's verdicts" % len(disagree))
    if any(c is None for _, c, _, _, _ in disagree):
        print("(a scenario without verdicts counts once; the default run must print a top-level "
              "'clients' array)")
    for s, c, r, t, d in disagree:
        if c is None:
            print("  %s: no verdicts from tlsdoctor to compare: %s" % (s, d))
        else:
            print("  %s / %s (%s): real %s, tlsdoctor %s  -- %s" % (s, c, TOOL_ID[c], r, t, d))
    return 1 if disagree else 0


def write_markdown(path, results, ran, chromium):
    with open(path, "w") as f:
        f.write("| scenario | " + " | ".join(ran) + " |\n|---|" + "---|" * len(ran) + "\n")
        for s, (real, _, _) in results.items():
            cells = []
            for c in ran:
                r = real.get(c)
                if r is None:
                    cells.append("-")
                    continue
                v = " (%s %s)" % (r["version"], r["cipher"]) if r.get("version") and r["ok"] else ""
                cells.append("%s: %s%s" % ("**connects**" if r["ok"] else "fails", r["detail"].replace("|", "\\|"), v))
            f.write("| %s | %s |\n" % (s, " | ".join(cells)))


if __name__ == "__main__":
    sys.exit(main())
