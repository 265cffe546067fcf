#!/usr/bin/env python3
"""A tiny authoritative DNS server for the lab (RFC 1035 wire format, UDP only).

    dnsserver.py PORT RECORD...     RECORD is NAME=CNAME:TARGET or NAME=A:ADDR

PORT 0 picks a free port; the port bound is printed on standard output.

Answers A and AAAA queries on 127.0.0.1:PORT, following CNAMEs inside its own records
as a recursive resolver would present them (the chain first, then the addresses).
Unknown names get NXDOMAIN. Test tool only: it listens on 127.0.0.1 and nowhere else.
"""
import socket
import struct
import sys

T_A, T_CNAME, T_AAAA = 1, 5, 28


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def read_qname(msg, off):
    labels = []
    while True:
        n = msg[off]
        off += 1
        if n == 0:
            return ".".join(labels).lower(), off
        if n & 0xC0:
            raise ValueError("compressed name in a question")
        labels.append(msg[off:off + n].decode("ascii", "replace"))
        off += n


def answer(records, query):
    qid, flags, qd = struct.unpack("!HHH", query[:6])
    if qd != 1:
        raise ValueError("one question expected")
    qname, off = read_qname(query, 12)
    qtype, qclass = struct.unpack("!HH", query[off:off + 4])
    question = query[12:off + 4]
    rrs = []
    name = qname
    for _ in range(8):  # a chain longer than 8 is a loop
        rec = records.get(name)
        if rec is None:
            break
        kind, value = rec
        if kind == "CNAME":
            rrs.append((name, T_CNAME, encode_name(value)))
            name = value.lower()
            continue
        if kind == "A" and qtype == T_A:
            rrs.append((name, T_A, socket.inet_aton(value)))
        break
    rcode = 0 if (qname in records) else 3
    hdr = struct.pack("!HHHHHH", qid, 0x8400 | (flags & 0x0100) | rcode, 1, len(rrs), 0, 0)
    body = b""
    for n, t, rdata in rrs:
        body += encode_name(n) + struct.pack("!HHIH", t, 1, 60, len(rdata)) + rdata
    return hdr + question + body


def main():
    port = int(sys.argv[1])
    records = {}
    for spec in sys.argv[2:]:
        name, rr = spec.split("=", 1)
        kind, value = rr.split(":", 1)
        records[name.lower().rstrip(".")] = (kind.upper(), value.rstrip("."))
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))
    print(s.getsockname()[1], flush=True)
    while True:
        msg, peer = s.recvfrom(4096)
        try:
            s.sendto(answer(records, msg), peer)
        except (ValueError, IndexError, struct.error):
            continue


if __name__ == "__main__":
    main()
