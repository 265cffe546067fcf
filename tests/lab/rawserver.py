#!/usr/bin/env python3
"""Raw TCP lab servers on 127.0.0.1 for defects real HTTP servers cannot be told to have.

  rawserver.py silent PORT              accept, read, never answer (closes after 60 s)
  rawserver.py reset_after_hello PORT   accept, read the ClientHello, reset (RST) the connection
  rawserver.py drip PORT                answer with the start of a TLS record, one byte a second
  rawserver.py random PORT              answer with 512 random bytes that are not TLS
  rawserver.py slow_tls PORT CERT KEY   a TLS server whose HTTP answer starts after 3.5 s
  rawserver.py v13_intolerant PORT CERT KEY
                                        a TLS 1.2 server behind a "middlebox" that closes on any
                                        ClientHello with supported_versions (TLS 1.3 style)
  rawserver.py large_intolerant PORT CERT KEY
                                        a TLS server behind a "middlebox" that resets when the
                                        ClientHello record is longer than 1500 bytes (it reads
                                        one packet; loopback has no 1500-byte packets)
  rawserver.py sslv2 PORT               answer with an SSLv2 SERVER-HELLO
  rawserver.py truncated PORT           half a ServerHello record, then close
  rawserver.py bigrec PORT              a handshake record of length 0xFFFF announcing a
                                        16 MiB message, then silence
  rawserver.py alert_mid PORT           a handshake record cut by an alert record, then close

Hostile servers (tests/integration/hostile.py): each must cost the client time up to its
deadline at most, never memory.
  rawserver.py late PORT                read the ClientHello, answer nothing for 8 s, then close
  rawserver.py endless_records PORT     application_data records of 16 KiB, endlessly, instead of
                                        a ServerHello
  rawserver.py huge_msg PORT            a ServerHello, then a Certificate message announcing
                                        16 MiB, streamed in full records, endlessly
  rawserver.py big_cert PORT            a ServerHello, then one 1 MiB certificate
  rawserver.py sh_bad_length PORT       a ServerHello with a 40-byte session_id (at most 32)
  rawserver.py sh_bad_ext PORT          a ServerHello whose extension block overruns the message
  rawserver.py sh_dup_ext PORT          a ServerHello with renegotiation_info twice
  rawserver.py zero_records PORT        zero-length handshake records, one every 0.2 s
With a certificate (CERT KEY CERTDIR RUNDIR: the lab PKI and a scratch directory):
  rawserver.py head_drip ...            a TLS server dripping its HTTP head, one byte a second
  rawserver.py head_closed ...          a TLS server that sends half an HTTP head and closes
  rawserver.py head_endless ...         a TLS server whose HTTP head goes on forever
  rawserver.py head_10mb ...            a TLS server sending a 10 MB header line
  rawserver.py body_1gb ...             a TLS server sending a 1 GB body (streamed)
  rawserver.py many_certs ...           a TLS server sending 200 certificates (its chain, then
                                        198 small self-signed ones)
  rawserver.py escapes ...              a TLS server whose certificate names and HTTP headers
                                        hold terminal escapes and HTML
Bounded: exits by itself after 120 s.
"""
import socket
import struct
import sys
import threading
import time


def peek_hello(conn):
    """The first TLS record, read with MSG_PEEK so that the TLS library still sees it."""
    end = time.time() + 2
    while time.time() < end:
        try:
            data = conn.recv(65536, socket.MSG_PEEK)
        except OSError:
            return None
        if not data:
            return None
        if len(data) >= 5 and len(data) >= 5 + struct.unpack(">H", data[3:5])[0]:
            return data[:5 + struct.unpack(">H", data[3:5])[0]]
        time.sleep(0.02)
    return None


def hello_extensions(rec):
    """Extension types of a ClientHello record (no validation: lab input is ours)."""
    body = rec[9:]
    p = 2 + 32
    p += 1 + body[p]
    p += 2 + struct.unpack(">H", body[p:p + 2])[0]
    p += 1 + body[p]
    out = []
    if p + 2 > len(body):
        return out
    end = p + 2 + struct.unpack(">H", body[p:p + 2])[0]
    p += 2
    while p + 4 <= end:
        t, n = struct.unpack(">HH", body[p:p + 4])
        out.append(t)
        p += 4 + n
    return out


def read_hello(conn):
    """The first TLS record (a ClientHello), consumed."""
    data = b""
    end = time.time() + 3
    while time.time() < end:
        try:
            chunk = conn.recv(65536)
        except OSError:
            return None
        if not chunk:
            return None
        data += chunk
        if len(data) >= 5 and len(data) >= 5 + struct.unpack(">H", data[3:5])[0]:
            return data
    return None


def server_hello(hello, session_id=None, ext=None):
    """A TLS 1.2 ServerHello record answering hello: a suite it offered, our extensions."""
    body = hello[9:]
    p = 2 + 32
    sid = body[p + 1:p + 1 + body[p]]
    p += 1 + body[p]
    n = struct.unpack(">H", body[p:p + 2])[0]
    offered = [struct.unpack(">H", body[p + 2 + i:p + 4 + i])[0] for i in range(0, n, 2)]
    suite = next((c for c in (0xC02F, 0xC02B, 0xC030, 0x009C) if c in offered), offered[0])
    if session_id is not None:
        sid = session_id
    if ext is None:
        ext = b"\xff\x01\x00\x01\x00"  # renegotiation_info, empty: OpenSSL 3 requires it
    msg = (b"\x03\x03" + bytes(range(32)) + bytes([len(sid)]) + sid + struct.pack(">H", suite) +
           b"\x00" + struct.pack(">H", len(ext)) + ext)
    return record(22, b"\x02" + struct.pack(">I", len(msg))[1:] + msg)


def record(ctype, payload):
    return bytes([ctype, 3, 3]) + struct.pack(">H", len(payload)) + payload


def records(ctype, payload):
    """payload cut into records of at most 16 KiB."""
    return b"".join(record(ctype, payload[i:i + 16384]) for i in range(0, len(payload), 16384))


def make_hostile_certs(mode, certdir, rundir):
    """Certificates generated for one run, with openssl: returns (chain file, key file)."""
    import os
    import subprocess
    cfg = os.path.join(rundir, "min.cnf")
    with open(cfg, "w") as f:
        f.write("[req]\ndistinguished_name = dn\n[dn]\n")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    chain = os.path.join(rundir, "chain.pem")
    if mode == "many_certs":
        # The real chain, then 198 small self-signed certificates (no extensions, about
        # 300 bytes each: the whole list stays under OpenSSL's 100 KiB max_cert_list).
        small = os.path.join(rundir, "small.pem")
        subprocess.run(["openssl", "req", "-x509", *ec, "-config", cfg, "-subj", "/CN=x",
                        "-days", "30", "-keyout", os.path.join(rundir, "small.key"),
                        "-out", small], check=True, capture_output=True)
        with open(chain, "w") as out:
            out.write(open(os.path.join(certdir, "good.pem")).read())
            out.write(open(os.path.join(certdir, "int.pem")).read())
            out.write(open(small).read() * 198)
        return chain, os.path.join(certdir, "good.key")
    # escapes: subject and SAN with terminal escapes and HTML, issued by the lab intermediate.
    esc = "\x1b"
    # -subj splits on '/': the ones inside values are escaped.
    subj = ("/O=" + esc + "[2J" + esc + "]0;pwned\x07<script>alert(1)<\\/script>/CN=" + esc +
            "[31m<b>evil<\\/b>")
    san = "subjectAltName=DNS:" + esc + "[5m<img src=x onerror=alert(1)>.evil.test,DNS:www.evil.test"
    key = os.path.join(rundir, "esc.key")
    csr = os.path.join(rundir, "esc.csr")
    leaf = os.path.join(rundir, "esc.pem")
    ext = os.path.join(rundir, "esc.ext")
    with open(ext, "w") as f:
        f.write(san + "\nbasicConstraints=CA:FALSE\n")
    subprocess.run(["openssl", "req", *ec, "-config", cfg, "-utf8", "-subj", subj, "-keyout", key,
                    "-out", csr], check=True, capture_output=True)
    subprocess.run(["openssl", "x509", "-req", "-in", csr, "-CA", os.path.join(certdir, "int.pem"),
                    "-CAkey", os.path.join(certdir, "int.key"), "-set_serial", "4242",
                    "-days", "30", "-extfile", ext, "-out", leaf], check=True, capture_output=True)
    with open(chain, "w") as out:
        out.write(open(leaf).read())
        out.write(open(os.path.join(certdir, "int.pem")).read())
    return chain, key


HOSTILE_TLS = ("head_drip", "head_closed", "head_endless", "head_10mb", "body_1gb",
               "many_certs", "escapes")


def read_request(s):
    """Reads an HTTP request head (bounded); returns False when none came."""
    data = b""
    while b"\r\n\r\n" not in data and len(data) < 65536:
        chunk = s.recv(4096)
        if not chunk:
            return False
        data += chunk
    return True


def hostile_http(mode, s):
    """What the hostile TLS servers answer to a request."""
    if mode == "head_drip":
        for b in b"HTTP/1.1 200 OK\r\nServer: drip\r\nContent-Length: 3\r\n\r\nok\n":
            s.sendall(bytes([b]))
            time.sleep(1.0)
    elif mode == "head_closed":
        s.sendall(b"HTTP/1.1 200 OK\r\nServer: half\r\nContent-Ty")
    elif mode == "head_endless":
        s.sendall(b"HTTP/1.1 200 OK\r\n")
        line = b"X-Endless: " + b"a" * 100 + b"\r\n"
        end = time.time() + 60
        while time.time() < end:
            s.sendall(line * 100)
    elif mode == "head_10mb":
        s.sendall(b"HTTP/1.1 200 OK\r\nX-Big: ")
        chunk = b"b" * 65536
        for _ in range(10 * 1024 * 1024 // len(chunk)):
            s.sendall(chunk)
        s.sendall(b"\r\nContent-Length: 3\r\n\r\nok\n")
    elif mode == "body_1gb":
        total = 1 << 30
        s.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                  b"Content-Length: %d\r\n\r\n" % total)
        chunk = bytes(65536)
        for _ in range(total // len(chunk)):
            s.sendall(chunk)
    elif mode == "escapes":
        s.sendall(b"HTTP/1.1 200 \x1b[31mOK <b>bold</b>\r\n"
                  b"Server: \x1b[2J\x1b]0;pwned\x07<script>alert(1)</script>\r\n"
                  b"Strict-Transport-Security: max-age=1; \x1b[5m<i>x</i>\r\n"
                  b"Content-Length: 3\r\nConnection: close\r\n\r\nok\n")
    else:
        s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n")


def hostile_raw(mode, conn):
    """The hostile servers that speak raw TLS records."""
    hello = read_hello(conn)
    if hello is None:
        return
    if mode == "late":
        time.sleep(8)
    elif mode == "endless_records":
        rec = record(23, bytes(16384))
        end = time.time() + 60
        while time.time() < end:
            conn.sendall(rec * 4)
    elif mode == "huge_msg":
        conn.sendall(server_hello(hello))
        # Certificate (11) announcing 0xFFFFFF bytes: 16 MiB, sent as it never ends.
        first = b"\x0b\xff\xff\xff" + b"\xff\xff\xfc" + bytes(16384 - 7)
        conn.sendall(record(22, first))
        rec = record(22, bytes(16384))
        end = time.time() + 60
        while time.time() < end:
            conn.sendall(rec * 4)
    elif mode == "big_cert":
        conn.sendall(server_hello(hello))
        size = 1 << 20
        cert = b"\x30\x83" + struct.pack(">I", size - 5)[1:] + bytes(size - 5)
        lst = struct.pack(">I", len(cert))[1:] + cert
        msg = struct.pack(">I", len(lst))[1:] + lst
        conn.sendall(records(22, b"\x0b" + struct.pack(">I", len(msg))[1:] + msg))
        conn.sendall(record(22, b"\x0e\x00\x00\x00"))  # ServerHelloDone
        time.sleep(3)
    elif mode == "sh_bad_length":
        conn.sendall(server_hello(hello, session_id=bytes(range(40))))
        time.sleep(1)
    elif mode == "sh_bad_ext":
        # The extension block says 100 bytes; 5 follow (and the message ends there).
        conn.sendall(server_hello(hello, ext=b"\xff\x01\x00\x01\x00")[:-7] +
                     b"\x00\x64\xff\x01\x00\x01\x00")
        time.sleep(1)
    elif mode == "sh_dup_ext":
        conn.sendall(server_hello(hello, ext=b"\xff\x01\x00\x01\x00" * 2))
        time.sleep(1)
    elif mode == "zero_records":
        end = time.time() + 60
        while time.time() < end:
            conn.sendall(record(22, b""))
            time.sleep(0.2)


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    tls = None
    if mode in ("slow_tls", "v13_intolerant", "large_intolerant") + HOSTILE_TLS:
        import ssl
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        if mode in ("many_certs", "escapes"):
            tls.load_cert_chain(*make_hostile_certs(mode, sys.argv[5], sys.argv[6]))
        else:
            tls.load_cert_chain(sys.argv[3], sys.argv[4])
        if mode == "v13_intolerant":
            tls.maximum_version = ssl.TLSVersion.TLSv1_2
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(16)
    srv.settimeout(1.0)
    end = time.time() + 120

    def handle(conn):
        conn.settimeout(5.0)
        try:
            if mode in HOSTILE_TLS:
                try:
                    s = tls.wrap_socket(conn, server_side=True)
                except OSError:
                    return
                s.settimeout(5.0)
                try:
                    if read_request(s):
                        hostile_http(mode, s)
                        time.sleep(0.5 if mode != "head_closed" else 0)
                except OSError:
                    pass
                s.close()
                return
            if mode in ("late", "endless_records", "huge_msg", "big_cert", "sh_bad_length",
                        "sh_bad_ext", "sh_dup_ext", "zero_records"):
                hostile_raw(mode, conn)
                return
            if mode == "slow_tls":
                try:
                    s = tls.wrap_socket(conn, server_side=True)
                except OSError:
                    return
                s.settimeout(5.0)
                try:
                    if s.recv(4096):
                        time.sleep(3.5)
                        s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
                                  b"Connection: close\r\n\r\nok\n")
                except OSError:
                    pass
                s.close()
                return
            if mode in ("v13_intolerant", "large_intolerant"):
                hello = peek_hello(conn)
                if hello is None:
                    return
                if mode == "large_intolerant" and len(hello) > 1500:
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    return
                if mode == "v13_intolerant" and 43 in hello_extensions(hello):
                    return  # close without a word, as old middleboxes did
                try:
                    s = tls.wrap_socket(conn, server_side=True)
                    s.settimeout(5.0)
                    if s.recv(4096):
                        s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
                                  b"Connection: close\r\n\r\nok\n")
                    s.close()
                except OSError:
                    pass
                return
            if mode == "sslv2":
                conn.recv(4096)
                # SSLv2 SERVER-HELLO header: 2-byte length with the high bit, msg type 4.
                conn.sendall(bytes([0x80, 0x2e, 0x04, 0x00, 0x01, 0x00, 0x02]) + bytes(41))
                time.sleep(0.5)
            elif mode == "truncated":
                conn.recv(4096)
                conn.sendall(bytes([0x16, 0x03, 0x03, 0x00, 0x4a, 0x02, 0x00, 0x00, 0x46, 0x03,
                                    0x03]) + bytes(20))
            elif mode == "bigrec":
                conn.recv(4096)
                conn.sendall(bytes([0x16, 0x03, 0x03, 0xff, 0xff, 0x0b, 0xff, 0xff, 0xff]) +
                             bytes(100))
                time.sleep(30)
            elif mode == "alert_mid":
                conn.recv(4096)
                conn.sendall(bytes([0x16, 0x03, 0x03, 0x00, 0x30, 0x02, 0x00, 0x00, 0x46]) +
                             bytes([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]))
                time.sleep(0.3)
            elif mode == "silent":
                deadline = time.time() + 60
                while time.time() < deadline:
                    try:
                        if not conn.recv(4096):
                            break
                    except socket.timeout:
                        continue
            elif mode == "drip":
                conn.recv(4096)
                # A handshake record header announcing 4000 bytes, then a byte a second.
                for b in bytes([0x16, 0x03, 0x03, 0x0F, 0xA0]) + bytes(60):
                    conn.sendall(bytes([b]))
                    time.sleep(1.0)
            elif mode == "random":
                conn.recv(4096)
                import random
                rnd = random.Random(1234)
                data = bytes(rnd.randrange(0x80, 0x100) if i == 0 else rnd.randrange(256)
                             for i in range(512))
                conn.sendall(data)
                time.sleep(0.5)
            else:
                try:
                    conn.recv(4096)
                except socket.timeout:
                    pass
                # SO_LINGER with a zero timeout makes close() send RST.
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        finally:
            conn.close()

    while time.time() < end:
        try:
            conn, _ = srv.accept()
        except socket.timeout:
            continue
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
