#!/usr/bin/env python3
"""Raw TCP lab servers on 127.0.0.1 for defects real HTTP servers cannot be told to have.

  rawserver.py silent PORT              accept, read, never answer (closes after 60 s)
  rawserver.py reset_after_hello PORT   accept, read the ClientHello, reset (RST) the connection
Bounded: exits by itself after 120 s.
"""
import socket
import struct
import sys
import threading
import time


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(16)
    srv.settimeout(1.0)
    end = time.time() + 120

    def handle(conn):
        conn.settimeout(5.0)
        try:
            if mode == "silent":
                deadline = time.time() + 60
                while time.time() < deadline:
                    try:
                        if not conn.recv(4096):
                            break
                    except socket.timeout:
                        continue
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
