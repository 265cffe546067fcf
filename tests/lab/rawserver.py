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


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    tls = None
    if mode in ("slow_tls", "v13_intolerant", "large_intolerant"):
        import ssl
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
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
