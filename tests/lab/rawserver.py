#!/usr/bin/env python3
"""Raw TCP lab servers on 127.0.0.1 for defects real HTTP servers cannot be told to have.

  rawserver.py silent PORT              accept, read, never answer (closes after 60 s)
  rawserver.py reset_after_hello PORT   accept, read the ClientHello, reset (RST) the connection
  rawserver.py drip PORT                answer with the start of a TLS record, one byte a second
  rawserver.py random PORT              answer with 512 random bytes that are not TLS
  rawserver.py slow_tls PORT CERT KEY   a TLS server whose HTTP answer starts after 3.5 s
Bounded: exits by itself after 120 s.
"""
import socket
import struct
import sys
import threading
import time


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    tls = None
    if mode == "slow_tls":
        import ssl
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(sys.argv[3], sys.argv[4])
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
            if mode == "silent":
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
