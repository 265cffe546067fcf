#!/usr/bin/env python3
"""Builds a real-traffic benchmark corpus: every capture (pcap or pcapng) under PCAPS_DIR, merged
into one pcapng (one interface per link type) and repeated to SIZE_MB, each copy with rewritten
IPv4 / IPv6 addresses (bytes 2-3 of both addresses XORed with the copy number, the same for both
directions, so every copy is a new set of distinct flows) and shifted in time. Standard library
only; the packets and their TLS bytes are otherwise those of the public captures.

    realcorpus.py PCAPS_DIR SIZE_MB OUT.pcapng

Addresses are rewritten where the IP header is found directly under the link layer (Ethernet
with up to two VLAN tags, Linux cooked v1 / v2, raw IP, BSD loopback); packets of other
encapsulations are copied as they are (they are few in the public set)."""
import os
import struct
import sys

src_dir, size_mb, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]


def read_pcap(d):
    end = "<" if d[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    nano = d[:4] in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    lt = struct.unpack(end + "I", d[20:24])[0] & 0xFFFF
    off = 24
    while off + 16 <= len(d):
        sec, frac, incl, _orig = struct.unpack(end + "IIII", d[off:off + 16])
        if off + 16 + incl > len(d):
            break
        yield lt, sec * 1_000_000 + (frac // 1000 if nano else frac), d[off + 16:off + 16 + incl]
        off += 16 + incl


def read_pcapng(d):
    off, end, ifaces = 0, "<", []
    while off + 12 <= len(d):
        btype = struct.unpack("<I", d[off:off + 4])[0]
        if btype == 0x0A0D0D0A:
            end = "<" if d[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
            ifaces = []
        blen = struct.unpack(end + "I", d[off + 4:off + 8])[0]
        if blen < 12 or off + blen > len(d):
            break
        body = d[off + 8:off + blen - 4]
        btype = struct.unpack(end + "I", d[off:off + 4])[0]
        if btype == 1:
            ifaces.append(struct.unpack(end + "H", body[:2])[0])
        elif btype == 6 and len(body) >= 20:
            iid, hi, lo, cap, _ = struct.unpack(end + "IIIII", body[:20])
            if iid < len(ifaces):
                # Timestamps taken as microseconds (the default resolution; close enough here).
                yield ifaces[iid], (hi << 32) | lo, body[20:20 + cap]
        off += blen


def ip_offset(lt, p):
    """Offset of the IP header under the link layer, or None."""
    if lt == 1:
        o, et = 14, p[12:14]
        for _ in range(2):
            if et in (b"\x81\x00", b"\x88\xa8") and len(p) >= o + 4:
                et, o = p[o + 2:o + 4], o + 4
        return o if et in (b"\x08\x00", b"\x86\xdd") else None
    if lt == 113:
        return 16 if p[14:16] in (b"\x08\x00", b"\x86\xdd") else None
    if lt == 276:
        return 20 if p[0:2] in (b"\x08\x00", b"\x86\xdd") else None
    if lt in (101, 12, 14, 228, 229):
        return 0
    if lt in (0, 108):
        return 4
    return None


packets = []  # (iface index, ts in us, frame, [patch offsets])
lt_index = {}
for root, _dirs, files in sorted(os.walk(src_dir)):
    for fn in sorted(files):
        if not (fn.endswith(".pcap") or fn.endswith(".pcapng") or fn.endswith(".cap")):
            continue
        d = open(os.path.join(root, fn), "rb").read()
        if d[:4] == b"\x0a\x0d\x0d\x0a":
            it = read_pcapng(d)
        elif d[:4] in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1",
                       b"\xa1\xb2\x3c\x4d"):
            it = read_pcap(d)
        else:
            continue
        first = None
        try:
            for lt, ts, frame in it:
                # Each capture starts at 0 (they overlap in time, as the traffic of many hosts
                # does); nanosecond pcapng timestamps are brought to microseconds.
                first = ts if first is None else first
                ts = max(0, ts - first)
                ts = ts // 1000 if ts > 10**10 else ts
                patches = []
                o = ip_offset(lt, frame)
                if o is not None and len(frame) > o:
                    v = frame[o] >> 4
                    if v == 4 and len(frame) >= o + 20:
                        patches = [o + 12 + 2, o + 16 + 2]
                    elif v == 6 and len(frame) >= o + 40:
                        patches = [o + 8 + 2, o + 24 + 2]
                packets.append((lt_index.setdefault(lt, len(lt_index)), ts, frame, patches))
        except struct.error:
            pass

if not packets:
    sys.exit("no packets under %s" % src_dir)
t0 = min(p[1] for p in packets)
span = max(p[1] for p in packets) - t0 + 60_000_000


def block(btype, body):
    body += b"\x00" * ((4 - len(body) % 4) % 4)
    n = len(body) + 12
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


with open(out, "wb") as f:
    f.write(block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)))
    for lt in sorted(lt_index, key=lt_index.get):
        f.write(block(1, struct.pack("<HHI", lt, 0, 262144)))
    written, k = f.tell(), 0
    while written < size_mb * 1_000_000:
        x0, x1 = (k >> 8) & 0xFF, k & 0xFF
        chunk = []
        for iface, ts, frame, patches in packets:
            if patches and k:
                fr = bytearray(frame)
                for o in patches:
                    fr[o] ^= x0
                    fr[o + 1] ^= x1
                frame = bytes(fr)
            t = 1_700_000_000_000_000 + k * span + (ts - t0) % span
            pad = (4 - len(frame) % 4) % 4
            n = 32 + len(frame) + pad
            chunk.append(struct.pack("<IIIIIII", 6, n, iface, t >> 32, t & 0xFFFFFFFF,
                                     len(frame), len(frame)) + frame + b"\x00" * pad +
                         struct.pack("<I", n))
        data = b"".join(chunk)
        f.write(data)
        written += len(data)
        k += 1
print("%s: %d copies of %d packets, %.0f MB, link types %s" %
      (out, k, len(packets), written / 1e6, sorted(lt_index)))
