#!/usr/bin/env python3
"""Writes the seed corpora of fuzz_cert, fuzz_report, fuzz_logscan and fuzz_pcap_packets
from the repository's fixtures (run from the repository root; openssl must be installed):

    python3 fuzz/make_seeds.py
"""
import gzip
import os
import random
import struct
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
C = os.path.join(ROOT, "fuzz", "corpus")
FX = os.path.join(ROOT, "tests", "fixtures")


def put(target, name, data):
    os.makedirs(os.path.join(C, target), exist_ok=True)
    with open(os.path.join(C, target, name), "wb") as f:
        f.write(data)


def hexfix(name):
    return bytes.fromhex("".join(open(os.path.join(FX, name + ".hex")).read().split()))


# ---- cert: [flags][name length][name][DER...] ----
def der(args, tmp, key_args=("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256")):
    out = os.path.join(tmp, "c.der")
    subprocess.run(["openssl", "req", "-x509", "-nodes", *key_args, "-keyout",
                    os.path.join(tmp, "k.pem"), "-days", "30", "-outform", "DER", "-out", out,
                    *args], check=True, capture_output=True)
    return open(out, "rb").read()


with tempfile.TemporaryDirectory() as tmp:
    leaf = der(["-subj", "/CN=example.com/O=Example", "-addext",
                "subjectAltName=DNS:example.com,DNS:*.example.com,IP:127.0.0.1",
                "-addext", "authorityInfoAccess=caIssuers;URI:http://ca.example/ca.crt"], tmp)
    rsa = der(["-subj", "/CN=rsa.test"], tmp, ("-newkey", "rsa:1024", "-sha1"))
    esc = der(["-subj", "/CN=evil\\1b[31m.test", "-addext", "basicConstraints=critical,CA:TRUE"],
              tmp)
    # A CA and a leaf signed by it.
    subprocess.run(["openssl", "req", "-x509", "-nodes", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-keyout", os.path.join(tmp, "ca.key"), "-subj",
                    "/CN=Test CA", "-days", "30", "-out", os.path.join(tmp, "ca.pem")],
                   check=True, capture_output=True)
    subprocess.run(["openssl", "req", "-new", "-nodes", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-keyout", os.path.join(tmp, "l.key"), "-subj",
                    "/CN=leaf.test", "-out", os.path.join(tmp, "l.csr")],
                   check=True, capture_output=True)
    ext = os.path.join(tmp, "ext")
    open(ext, "w").write("subjectAltName=DNS:leaf.test\n")
    subprocess.run(["openssl", "x509", "-req", "-in", os.path.join(tmp, "l.csr"), "-CA",
                    os.path.join(tmp, "ca.pem"), "-CAkey", os.path.join(tmp, "ca.key"),
                    "-CAcreateserial", "-days", "30", "-extfile", ext, "-outform", "DER",
                    "-out", os.path.join(tmp, "l.der")], check=True, capture_output=True)
    subprocess.run(["openssl", "x509", "-in", os.path.join(tmp, "ca.pem"), "-outform", "DER",
                    "-out", os.path.join(tmp, "ca.der")], check=True, capture_output=True)
    chain = open(os.path.join(tmp, "l.der"), "rb").read() + open(os.path.join(tmp, "ca.der"),
                                                                  "rb").read()
    name = lambda n: bytes([len(n)]) + n
    put("cert", "san_ec", b"\x00" + name(b"www.example.com") + leaf)
    put("cert", "san_ip", b"\x00" + name(b"127.0.0.1") + leaf)
    put("cert", "rsa_sha1", b"\x02" + name(b"rsa.test") + rsa)
    put("cert", "escape_ca", b"\x01" + name(b"evil.test") + esc)
    put("cert", "chain_trusted", b"\x01" + name(b"leaf.test") + chain)
    put("cert", "chain_untrusted", b"\x00" + name(b"other.test") + chain)


# ---- report: the byte layout read by fill() in fuzz_report.c ----
def s(b):
    b = b[:255]
    return bytes([len(b)]) + b


def blob(b):
    return struct.pack(">H", len(b)) + b


def tls_obs(ok, version=b"TLSv1.3", alert=255):
    return (bytes([1 | ok << 2]) + s(b"example.com") + s(version) + s(b"TLS_AES_128_GCM_SHA256")
            + s(b"x25519") + s(b"h2") + s(b"") + s(b"CN=example.com") + s(b"ab" * 32)
            + bytes([alert, 255]) + b"\x00\x00" + b"\x00" + b"\x02")


def report(flight, http, cert_days, verify=0, host=b"example.com", matrix=False):
    o = b"\x00" + s(host) + struct.pack(">H", 443) + s(b"/") + s(host) + s(b"")
    o += b"\x05" + s(b"") + b"\x01" + s(b"127.0.0.1") + b"\x00" + b"\x00" + b"\x00" + s(b"") + s(b"")
    o += b"\x01" + b"\x01" + s(b"127.0.0.1") + struct.pack(">H", 443) + b"\x00\x00" + b"\x01"
    o += b"\x01\x01\x00\x01" + blob(flight)  # sniff
    for _ in range(4):  # plain, port80, tls12, small_mss: not run
        o += b"\x00\x00\x00\x00" + blob(b"")
    o += tls_obs(1) + tls_obs(1, b"TLSv1.2") + tls_obs(0, b"", 112)
    o += b"\x01" + b"\x01" + b"\x00" + s(b"CN=example.com") + s(b"CN=Test CA")
    o += s(b"example.com,www.example.com") + b"\x02" + struct.pack(">HH", 100, 0x8000 + cert_days * 24)
    o += s(b"EC") + struct.pack(">H", 256) + s(b"ecdsa-with-SHA256") + s(b"ab" * 32) + s(b"")
    o += s(b"system") + bytes([verify]) + s(b"ok") + b"\x00\x01" + s(host) + b"\x15"
    o += b"\x01\x00" + blob(http) + b"\xff" + s(http[:40]) + b"\x00\x00"
    o += b"\x00" + b"\x00" + b"\x00"  # peers, redirects, redirect flags
    o += (b"\x01" + bytes(random.Random(1).getrandbits(8) for _ in range(400))) if matrix else b"\x00"
    return o


sh12 = hexfix("sh_tls12_nginx")
sh13 = hexfix("sh_tls13_nginx")
ok_http = b"HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html\r\n\r\n"
put("report", "healthy13", report(sh13, ok_http, 60))
put("report", "expired12", report(sh12, ok_http, -3))
put("report", "untrusted", report(sh12, ok_http, 60, verify=20))
put("report", "alert", report(hexfix("alert_nosni_nginx"), b"", 60))
put("report", "plain_http", report(hexfix("http_python"), b"", 60))
put("report", "escapes", report(sh13, b"HTTP/1.1 502 \x1b[31mBad\r\nServer: <b>x\x07</b>\r\n\r\n",
                                 60, host=b"ex\x1b]0;t\x07.com"))
put("report", "matrix", report(sh13, ok_http, 60, matrix=True))

# ---- logscan: [format | since][file] ----
formats = {"nginx_error.log": 1, "lab_nginx_error.log": 0, "nginx_access.log": 1,
           "apache_error.log": 2, "haproxy.log": 3, "lab_haproxy.log": 0, "f5_ltm.log": 4,
           "alb.log": 5, "cloudflare.jsonl": 6}
for fn, fmt in formats.items():
    data = open(os.path.join(FX, "logs", fn), "rb").read()
    put("logscan", fn.split(".")[0], bytes([fmt]) + data)
data = open(os.path.join(FX, "logs", "nginx_error.log"), "rb").read()
put("logscan", "nginx_gzip", b"\x00" + gzip.compress(data, mtime=0))
put("logscan", "nginx_gzip_truncated", b"\x08" + gzip.compress(data, mtime=0)[:-30])


# ---- pcap_packets ----
def pcap_to_raw(path):
    d = open(path, "rb").read()
    out, off = bytearray(b"\x00"), 24
    while off + 16 <= len(d):
        caplen = struct.unpack("<I", d[off + 8:off + 12])[0]
        frame = d[off + 16:off + 16 + caplen]
        out += b"\x01" + struct.pack(">H", len(frame)) + frame
        off += 16 + caplen
    return bytes(out)


for fn in ("curl.pcap", "tls12.pcap"):
    put("pcap_packets", "raw_" + fn.split(".")[0], pcap_to_raw(os.path.join(C, "pcap", fn)))

# Encapsulation fixtures (tests/fixtures/pcap/encap_*), with the mode byte of their link type.
MODES = {1: 0, 101: 1, 113: 2, 276: 3, 0: 4, 108: 5, 228: 6, 229: 7, 9: 8, 50: 9, 51: 10, 104: 11}
for fn in sorted(os.listdir(os.path.join(FX, "pcap"))):
    if fn.startswith("encap_") and fn.endswith(".pcap"):
        path = os.path.join(FX, "pcap", fn)
        lt = struct.unpack("<I", open(path, "rb").read()[20:24])[0] & 0xFFFF
        if lt in MODES:
            put("pcap_packets", "raw_" + fn[:-5], bytes([MODES[lt]]) + pcap_to_raw(path)[1:])


def seg(ctl, payload=b""):
    out = b""
    while True:
        out += bytes([ctl, len(payload[:255])]) + payload[:255]
        payload = payload[255:]
        if not payload:
            return out
        ctl &= 0x1f  # continuation segments: in order


ch = open(os.path.join(C, "client_hello", "ch_1"), "rb").read()
SYN, ACK, FIN, RST, SRV = 2, 4, 8, 16, 1
hs = seg(SYN) + seg(SYN | ACK | SRV) + seg(ACK)
for name, flight in (("tcp_sh12", sh12), ("tcp_sh13", sh13),
                     ("tcp_alert", hexfix("alert_tls13only_nginx")),
                     ("tcp_http", hexfix("http_python"))):
    put("pcap_packets", name, b"\x80" + hs + seg(ACK, ch) + seg(ACK | SRV, flight) +
        seg(FIN | ACK) + seg(FIN | ACK | SRV))
put("pcap_packets", "tcp_rst", b"\x80" + hs + seg(ACK, ch) + seg(RST | SRV))
put("pcap_packets", "tcp_retrans_gap", b"\x80" + hs + seg(ACK, ch[:100]) + seg(ACK | 0x80, ch[:100])
    + seg(ACK | 0xa0, ch[100:]) + seg(ACK | SRV, sh12))
