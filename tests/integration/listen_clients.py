#!/usr/bin/env python3
"""listen_clients.py: real clients from Debian against `tlsdoctor listen` (issue 17).

  listen_clients.py clients   curl (with and without the CA, TLS 1.0 only where the local
                              OpenSSL allows it), openssl s_client (no SNI, -tls1_2, a hello in
                              two segments through --mss), python3 ssl (trusted, untrusted,
                              behind a PROXY header), gnutls-cli (trusted, untrusted), wget,
                              plain curl http://, ssh, a TCP-only check, a silent client and
                              headless Chromium (when chromium and certutil are installed)
  listen_clients.py like      run by `lab.sh run tls10_only`: `listen --like` the TLS 1.0-only
                              server, then curl at TLS 1.0 (trusted, untrusted) and curl and
                              s_client at TLS 1.2+
  listen_clients.py like_sni  run by `lab.sh run sni_required`: `listen --like` nginx with
                              ssl_reject_handshake; s_client without and with SNI

Each case runs the real client once and asserts the reaction `listen --json` reported for its
connection and the finding ids. Environment: TLSDOCTOR (the binary), LAB_CERTS_DIR (lab.sh
certs). Everything on 127.0.0.1; every process bounded in time and stopped by PID.
"""
import json
import os
import queue
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

TD = os.environ["TLSDOCTOR"]
CERTS = os.environ["LAB_CERTS_DIR"]
ROOT = os.path.join(CERTS, "root.pem")
NAME = "good.lab.test"
CLIENT_TIMEOUT = 3


class Listener:
    """`tlsdoctor listen 0 --json ARGS`, its JSON lines collected by a thread."""

    def __init__(self, args, ready_timeout=30):
        self.proc = subprocess.Popen([TD, "listen", "0", "--json", "--client-timeout",
                                      str(CLIENT_TIMEOUT)] + args, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.lines = queue.Queue()
        self.stderr = []
        ready = queue.Queue()

        def out():
            for raw in self.proc.stdout:
                self.lines.put(json.loads(raw))

        def err():
            for raw in self.proc.stderr:
                text = raw.decode(errors="replace").rstrip()
                self.stderr.append(text)
                m = re.search(r"listening on \S+:(\d+) ", text)
                if m:
                    ready.put(int(m.group(1)))
            ready.put(None)

        self.readers = [threading.Thread(target=out, daemon=True),
                        threading.Thread(target=err, daemon=True)]
        for t in self.readers:
            t.start()
        try:
            self.port = ready.get(timeout=ready_timeout)
        except queue.Empty:
            self.port = None
        if self.port is None:
            self.stop()
            raise RuntimeError("listen did not start: %s" % "\n".join(self.stderr))

    def take(self, wait):
        """The client lines of one case: the first within wait s, then any more within 1 s."""
        got = []
        try:
            got.append(self.lines.get(timeout=wait))
            while True:
                got.append(self.lines.get(timeout=1))
        except queue.Empty:
            pass
        return [g for g in got if g.get("type") == "client"]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=CLIENT_TIMEOUT + 10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for t in self.readers:
            t.join(timeout=5)
        # Under ASan/UBSan a leak or an error report fails the run: exit status 0 or 1 only.
        if self.proc.returncode not in (0, 1) or any("Sanitizer" in e for e in self.stderr):
            print("FAIL listener exit %s: %s" % (self.proc.returncode, "\n".join(self.stderr[-20:])))
            return None
        summary = None
        while not self.lines.empty():
            line = self.lines.get()
            if line.get("type") == "summary":
                summary = line
        return summary


def run(cmd, timeout=30, env=None):
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout,
                           env=env)
        return p.returncode
    except subprocess.TimeoutExpired:
        return "timeout"


def curl(port, *extra, url_host=NAME, path="/"):
    return run(["curl", "-sS", "-o", "/dev/null", "--max-time", "10", "--resolve",
                "%s:%d:127.0.0.1" % (NAME, port)] + list(extra) +
               ["https://%s:%d%s" % (url_host, port, path)])


def s_client(port, *extra):
    return run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port] + list(extra))


def gnutls(port, *extra):
    return run(["gnutls-cli", "-p", str(port), "127.0.0.1", "--sni-hostname", NAME,
                "--verify-hostname", NAME] + list(extra))


def python_get(port, cafile=None, proxy=None):
    try:
        ctx = ssl.create_default_context(cafile=cafile)
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        if proxy:
            s.sendall(proxy)
        t = ctx.wrap_socket(s, server_hostname=NAME)
        t.sendall(b"GET /py HTTP/1.1\r\nHost: " + NAME.encode() + b"\r\n\r\n")
        t.recv(100)
        t.close()
        return 0
    except (OSError, ssl.SSLError) as e:
        return type(e).__name__


def raw(port, data=b"", hold=0.0):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        if data:
            s.sendall(data)
        time.sleep(hold)
    return 0


def raw_flood(port, head, total=1 << 20):
    """Sends head, then filler until total bytes or until the listener stops reading."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.settimeout(CLIENT_TIMEOUT + 3)
        sent = 0
        try:
            s.sendall(head)
            while sent < total:
                sent += s.send(b"\x00" * 16384)
        except OSError:
            pass
    return sent


def ids(line):
    return {f["id"] for f in line.get("findings", [])}


def check(name, lines, reaction, want, absent=(), extra=None):
    """One line of the case must have the reaction, every wanted id and none of absent."""
    for line in lines:
        if line["reaction"] == reaction and set(want) <= ids(line) and not ids(line) & set(absent) \
                and (extra is None or extra(line)):
            print("ok   %-22s %s %s" % (name, reaction, " ".join(sorted(ids(line)))))
            return True
    print("FAIL %-22s want %s %s (absent %s); got %s" % (
        name, reaction, sorted(want), sorted(absent),
        [(l["reaction"], sorted(ids(l)), l["reaction_text"]) for l in lines] or "no client line"))
    return False


def tls10_possible():
    """Whether the local OpenSSL lets curl speak TLS 1.0 (SECLEVEL=0 in the cipher string)."""
    out = subprocess.run(["openssl", "ciphers", "-s", "-tls1", "DEFAULT@SECLEVEL=0"],
                         capture_output=True, text=True, timeout=10)
    return out.returncode == 0 and out.stdout.strip() != ""


def clients():
    ok = True
    ln = Listener(["--cert", os.path.join(CERTS, "good.full.pem"), "--key",
                   os.path.join(CERTS, "good.key"), "--mss", "1000"])
    wait = CLIENT_TIMEOUT + 5
    p = ln.port
    fail_free = ("listen.client.untrusted_issuer", "client.cert_rejected",
                 "client.closed_in_handshake", "listen.client.legacy_only")
    cases = [
        ("curl_trusted", lambda: curl(p, "--cacert", ROOT, path="/trusted"), "request", [],
         fail_free + ("listen.client.no_sni",),
         lambda l: l["request"] == "GET /trusted HTTP/1.1" and l["client_hello"]["sni"] == NAME),
        ("curl_untrusted", lambda: curl(p), "alert", ["listen.client.untrusted_issuer"], (),
         lambda l: l["handshake"]["alert_received"]["name"] == "unknown_ca"),
        ("curl_plain_http", lambda: run(["curl", "-sS", "-o", "/dev/null", "--max-time", "10",
                                         "http://127.0.0.1:%d/health" % p]),
         "plain_http", ["client.plain_http_to_tls_port"], (),
         lambda l: l["request_line"] == "GET /health HTTP/1.1"),
        ("s_client_no_sni", lambda: s_client(p, "-noservername", "-CAfile", ROOT), "no_request",
         ["listen.client.no_sni"], fail_free, lambda l: l["client_hello"]["sni"] is None),
        ("s_client_tls12", lambda: s_client(p, "-tls1_2", "-servername", NAME, "-CAfile", ROOT),
         "no_request", [], fail_free + ("listen.client.no_sni",),
         lambda l: l["handshake"]["version"] == "TLSv1.2"),
        # A 1024-byte ffdhe8192 key share: about 1.3 KB of hello, two segments at MSS 1000.
        ("s_client_two_segments",
         lambda: s_client(p, "-servername", NAME, "-groups", "ffdhe8192:x25519", "-CAfile", ROOT),
         "no_request", ["listen.client.hello_split"], fail_free,
         lambda l: l["client_hello"]["segments"] >= 2 and
         l["client_hello"]["key_shares"][0]["bytes"] == 1024),
        ("python3_trusted", lambda: python_get(p, ROOT), "request", [], fail_free,
         lambda l: l["request"] == "GET /py HTTP/1.1"),
        ("python3_untrusted", lambda: python_get(p), "alert", ["listen.client.untrusted_issuer"]),
        ("python3_proxy_header",
         lambda: python_get(p, ROOT, b"PROXY TCP4 192.0.2.7 192.0.2.8 40000 443\r\n"), "request",
         ["listen.client.proxy_header"], ("listen.client.hello_split",),
         lambda l: l["proxy"]["src"] == "192.0.2.7" and l["proxy"]["dport"] == 443),
        ("gnutls_trusted", lambda: gnutls(p, "--x509cafile", ROOT), "no_request", [], fail_free),
        ("gnutls_untrusted", lambda: gnutls(p), "alert", ["client.cert_rejected"], (),
         lambda l: l["handshake"]["alert_received"]["name"] == "bad_certificate"),
        # wget has no --resolve: by address, no SNI; the name check fails after the handshake.
        ("wget_by_address", lambda: run(["wget", "-q", "-O", "/dev/null", "--tries=1",
                                         "--timeout=10", "--ca-certificate=" + ROOT,
                                         "https://127.0.0.1:%d/" % p]),
         "no_request", ["listen.client.no_sni"]),
        ("ssh", lambda: run(["ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
                             "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=5",
                             "-p", str(p), "127.0.0.1", "true"], timeout=CLIENT_TIMEOUT + 5),
         "other_protocol", ["client.not_tls"], (), lambda l: l["first_bytes"]["proto"] == "ssh"),
        ("tcp_only", lambda: raw(p), "no_data", ["listen.client.tcp_only"]),
        # A hello that claims 16 MB and never ends: read up to --max-bytes (64 KiB), no more.
        ("endless_hello", lambda: raw_flood(p, b"\x16\x03\x01\x40\x00\x01\xff\xff\xff"),
         "hello_incomplete", ["listen.client.hello_malformed"], (),
         lambda l: l["bytes"] <= 65536),
        ("binary_garbage", lambda: raw(p, b"\x1b[2J\x00\xff\xfe<script>"), "other_protocol",
         ["client.not_tls"], (),
         lambda l: l["first_bytes"]["printable"].startswith("\\x1b[2J\\x00\\xff")),
        ("proxy_v2_local", lambda: raw(p, b"\r\n\r\n\x00\r\nQUIT\n\x20\x00\x00\x00"
                                          b"GET / HTTP/1.1\r\n\r\n"),
         "plain_http", ["listen.client.proxy_header", "client.plain_http_to_tls_port"], (),
         lambda l: l["proxy"]["version"] == 2 and l["proxy"]["family"] == "LOCAL"),
        ("silent", lambda: raw(p, hold=CLIENT_TIMEOUT + 1), "silent", ["listen.client.silent"]),
    ]
    if tls10_possible():
        cases.append(("curl_tls10_only",
                      lambda: curl(p, "--tlsv1.0", "--tls-max", "1.0", "--ciphers",
                                   "DEFAULT@SECLEVEL=0", "--cacert", ROOT, path="/old"),
                      "request", ["listen.client.legacy_only"], (),
                      lambda l: l["handshake"]["version"] == "TLSv1"))
    else:
        print("skip curl_tls10_only: the local OpenSSL offers no TLS 1.0 suite at SECLEVEL=0")
    for case in cases:
        name, fn, reaction, want = case[:4]
        absent = case[4] if len(case) > 4 else ()
        extra = case[5] if len(case) > 5 else None
        rc = fn()
        ok &= check("%s (rc %s)" % (name, rc), ln.take(wait), reaction, want, absent, extra)
    if shutil.which("chromium") and shutil.which("certutil"):
        ok &= chromium_case(ln, wait)
    else:
        print("skip chromium: chromium or certutil (libnss3-tools) not installed")
    summary = ln.stop()
    ok &= stops()
    if summary is None or summary["clients"] < len(cases):
        print("FAIL summary: %s" % summary)
        ok = False
    else:
        print("ok   summary: %d clients, %d with a failure" % (summary["clients"],
                                                              summary["failures"]))
    return ok


def stops():
    """--duration and --count end the listener by themselves, each with its summary line; a bad
    option or an unreadable key is a usage error (exit 3)."""
    ok = True
    for args, clients in ((["--duration", "1"], 0), (["--count", "1"], 1)):
        t0 = time.monotonic()
        ln = Listener(args)
        if clients:
            raw(ln.port, b"GET /one HTTP/1.1\r\n\r\n")
        try:
            ln.proc.wait(timeout=CLIENT_TIMEOUT + 10)
        except subprocess.TimeoutExpired:
            pass
        took = time.monotonic() - t0
        summary = ln.stop()
        good = summary is not None and summary["clients"] == clients and took < 10
        print("%s %-22s stopped after %.1f s, summary %s" % ("ok  " if good else "FAIL",
                                                             " ".join(args), took, summary))
        ok &= good
    for args in (["listen"], ["listen", "0", "--cert", ROOT], ["listen", "0", "--mss", "10"],
                 ["listen", "0", "--cert", ROOT, "--key", "/nonexistent"]):
        rc = run([TD] + args)
        print("%s %-22s exit %s" % ("ok  " if rc == 3 else "FAIL", " ".join(args[1:]), rc))
        ok &= rc == 3
    return ok


def chromium_case(ln, wait):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from real_clients import Chromium  # noqa: E402 (the same driver as the cross-check)
    with tempfile.TemporaryDirectory() as work:
        try:
            ch = Chromium(work, [ROOT])
        except (RuntimeError, TimeoutError, OSError, subprocess.SubprocessError) as e:
            print("skip chromium: does not start here (%s)" % e)
            return True
        try:
            ch.visit(NAME, ln.port)
        finally:
            ch.close() if hasattr(ch, "close") else ch.proc.kill()
            ch.proc.wait(timeout=10)
    # Chromium may open more than one connection (a preconnect): one must carry the request.
    return check("chromium", ln.take(wait), "request", [], ("listen.client.untrusted_issuer",),
                 lambda l: l["request"].startswith("GET / HTTP/1.1"))


def like():
    """`--like` the lab's TLS 1.0-only server (lab.sh run tls10_only sets LAB_PORT)."""
    ok = True
    ln = Listener(["--like", "127.0.0.1:%s" % os.environ["LAB_PORT"]], ready_timeout=120)
    p = ln.port
    wait = CLIENT_TIMEOUT + 5
    cases = [
        ("tls12_client", lambda: curl(p, "--tlsv1.2", "--cacert", ROOT), "refused",
         ["tls.version.no_common"], ()),
        # Only TLS 1.2 in legacy_version (no supported_versions): the copy answers TLS 1.0, as
        # the real server does, and s_client refuses that version with its alert.
        ("s_client_tls12", lambda: s_client(p, "-tls1_2", "-servername", NAME, "-CAfile", ROOT),
         "alert", ["tls.version.no_common"], ()),
    ]
    if tls10_possible():
        cases += [
            ("curl_tls10_trusted", lambda: curl(p, "--tlsv1.0", "--tls-max", "1.0", "--ciphers",
                                                "DEFAULT@SECLEVEL=0", "--cacert", ROOT),
             "past_certificate", ["listen.like.past_certificate", "listen.client.legacy_only"], ()),
            ("curl_tls10_untrusted", lambda: curl(p, "--tlsv1.0", "--tls-max", "1.0", "--ciphers",
                                                  "DEFAULT@SECLEVEL=0"),
             "alert", ["listen.client.untrusted_issuer"], ("listen.like.past_certificate",)),
        ]
    else:
        print("skip curl at TLS 1.0: the local OpenSSL offers no TLS 1.0 suite at SECLEVEL=0")
    for name, fn, reaction, want, absent in cases:
        rc = fn()
        ok &= check("%s (rc %s)" % (name, rc), ln.take(wait), reaction, want, absent)
    summary = ln.stop()
    if summary is None or "tls.version.legacy_only" not in summary["like"]:
        print("FAIL like summary: %s" % summary)
        ok = False
    else:
        print("ok   like summary: %s" % summary["like"])
    return ok


def like_sni():
    """`--like` the lab's SNI-requiring nginx (lab.sh run sni_required): a hello without SNI is
    refused as nginx refuses it; one with SNI goes on to the real chain."""
    ok = True
    ln = Listener(["--like", "sni.lab.test:%s" % os.environ["LAB_PORT"], "--connect-to",
                   "127.0.0.1", "--ca-file", ROOT], ready_timeout=120)
    p = ln.port
    wait = CLIENT_TIMEOUT + 5
    rc = s_client(p, "-noservername")
    ok &= check("s_client_no_sni (rc %s)" % rc, ln.take(wait), "refused",
                ["tls.sni.unrecognized_name", "listen.client.no_sni"], (),
                lambda l: l["handshake"]["alert_sent"]["code"] == 112)
    rc = s_client(p, "-servername", "sni.lab.test", "-CAfile", ROOT)
    ok &= check("s_client_sni (rc %s)" % rc, ln.take(wait), "past_certificate",
                ["listen.like.past_certificate"], ("tls.sni.unrecognized_name",))
    summary = ln.stop()
    if summary is None or "tls.sni.required" not in summary["like"]:
        print("FAIL like summary: %s" % summary)
        ok = False
    else:
        print("ok   like summary: %s" % summary["like"])
    return ok


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else "clients"
    fn = {"clients": clients, "like": like, "like_sni": like_sni}[mode]
    sys.exit(0 if fn() else 1)
