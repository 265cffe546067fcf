#!/usr/bin/env python3
"""bench/delayproxy.py: a user-space delay line for TCP on 127.0.0.1 (this kernel has no netem).

    delayproxy.py TARGET_PORT [--rtt-ms 50] [--port 0] [--lifetime 600]

Listens on 127.0.0.1:PORT (0: a free port, printed on stdout as "PORT\n" once listening) and
forwards every connection to 127.0.0.1:TARGET_PORT. Every chunk is delivered RTT/2 after it was
read, in each direction, in order, so a request/response costs one RTT. The TCP handshake a real
path would cost is emulated too, for a client that writes as soon as connect() returns: the
proxy opens the upstream connection RTT/2 after the accept (the SYN's way there) and delivers
the client's bytes no earlier than 1.5 RTT after the accept (connect() would have returned
after one RTT, plus half an RTT on the way). A refused upstream connection can only be shown as
a reset of the already accepted client connection, one RTT after the accept.

Closes are forwarded like data, after the same delay and after the data read before them: an
EOF becomes shutdown(SHUT_WR) on the other side (half-close), a reset (ECONNRESET) becomes a
reset (SO_LINGER 0 and close), a refused upstream connection resets the client. Any number of
connections (asyncio, one task per direction). The process exits after --lifetime seconds; stop
it earlier by its PID (SIGTERM).
"""
import argparse
import asyncio
import socket
import struct
import os
import sys

DEBUG = os.environ.get("DELAYPROXY_DEBUG") == "1"


def rst(sock):
    """Make SOCK's close send a reset (SO_LINGER on, timeout 0). The close itself is left to
    Conn.run(), after every task has stopped: closing a socket the event loop still watches
    would let a new socket reuse its number under a stale registration."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass


class Conn:
    def __init__(self, loop, csock, half, target):
        self.loop, self.csock, self.half, self.target = loop, csock, half, target
        self.ssock = None
        self.t0 = loop.time()
        self.dead = False

    async def run(self):
        loop = self.loop
        try:
            await asyncio.sleep(self.half)
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                await loop.sock_connect(s, ("127.0.0.1", self.target))
            except OSError as e:
                if DEBUG:
                    print("upstream connect: %s" % e, file=sys.stderr, flush=True)
                s.close()
                # The refusal travels back to the client: RST after the other half of the RTT.
                await asyncio.sleep(self.half)
                rst(self.csock)
                return  # closed below
            self.ssock = s
            # client -> server: nothing delivered before 1.5 RTT after the accept (connect()
            # would have returned after one RTT, then half an RTT on the way)
            up = asyncio.Queue()
            down = asyncio.Queue()
            self.tasks = tasks = [
                asyncio.ensure_future(self.pump(self.csock, up, self.t0 + 3 * self.half)),
                asyncio.ensure_future(self.deliver(up, self.ssock, self.csock)),
                asyncio.ensure_future(self.pump(self.ssock, down, 0.0)),
                asyncio.ensure_future(self.deliver(down, self.csock, self.ssock)),
            ]
            await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            for sk in (self.csock, self.ssock):
                if sk is not None and sk.fileno() >= 0:
                    sk.close()

    def abort(self):
        """Stop every task of this connection (the sockets are closed by run())."""
        me = asyncio.current_task()
        for t in self.tasks:
            if t is not me:
                t.cancel()

    async def pump(self, src, q, not_before):
        """Read SRC, queue (deliver_at, what) items: bytes, b'' for EOF, None for a reset."""
        loop = self.loop
        while True:
            try:
                data = await loop.sock_recv(src, 65536)
            except (ConnectionResetError, OSError):
                data = None
            at = max(loop.time() + self.half, not_before)
            if DEBUG:
                print("%.3f c%d read %s %s -> at %.3f" % (loop.time() - self.t0, id(self) % 1000, "up" if src is self.csock else "down",
                      None if data is None else len(data), at - self.t0), "abs %.3f" % (loop.time() % 100), file=sys.stderr, flush=True)
            q.put_nowait((at, data))
            if not data:
                return

    async def deliver(self, q, dst, src):
        loop = self.loop
        while True:
            at, data = await q.get()
            delay = at - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            if data is None:  # reset: reset the other side too; the connection is over
                rst(dst)
                self.abort()  # and run() closes both sockets
                return
            if data == b"":  # EOF: half-close
                try:
                    dst.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                return
            try:
                await loop.sock_sendall(dst, data)
            except OSError:
                # The receiver is gone: reset the sender's side so it sees it.
                rst(src)
                self.abort()
                return


async def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("target", type=int)
    ap.add_argument("--rtt-ms", type=float, default=50.0)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--lifetime", type=float, default=600.0)
    a = ap.parse_args()
    loop = asyncio.get_running_loop()
    half = a.rtt_ms / 2000.0
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", a.port))
    ls.listen(512)
    ls.setblocking(False)
    print(ls.getsockname()[1], flush=True)
    conns = set()

    async def acceptor():
        while True:
            c, _ = await loop.sock_accept(ls)
            c.setblocking(False)
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if DEBUG:
                print("accept %.3f" % loop.time(), file=sys.stderr, flush=True)
            t = asyncio.ensure_future(Conn(loop, c, half, a.target).run())
            conns.add(t)
            t.add_done_callback(conns.discard)

    try:
        await asyncio.wait_for(acceptor(), a.lifetime)
    except asyncio.TimeoutError:
        pass


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
