#!/usr/bin/env python3
"""Bad captures for `tlsdoctor pcap`: each gives a clear message or a finding, bounded memory,
no crash (run under ASan in `make test`).

    bad_input.py TLSDOCTOR GOOD.pcap WORKDIR
"""
import json
import os
import random
import resource
import struct
import subprocess
import sys

binary, good, work = sys.argv[1:4]
os.makedirs(work, exist_ok=True)
fails = 0


def run(path, *extra):
    p = subprocess.run([binary, "pcap", path, "--json", *extra], capture_output=True, timeout=600)
    lines = [json.loads(l) for l in p.stdout.decode().splitlines() if l.strip()]
    summary = lines[-1] if lines else {}
    return p.returncode, p.stderr.decode(), summary, lines[:-1]


def check(name, ok, detail):
    global fails
    print("%s %-28s %s" % ("ok  " if ok else "FAIL", name, detail))
    fails += not ok


def pcap_header(snaplen=65535):
    return struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, snaplen, 1)


def packet(ts, src, dst, sport, dport, flags, seq, payload=b""):
    eth = b"\x00" * 12 + b"\x08\x00"
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, flags, 65535, 0, 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0, 0, 64, 6, 0,
                     bytes(src), bytes(dst))
    frame = eth + ip + tcp + payload
    sec, usec = int(ts), int((ts % 1) * 1e6)
    return struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame


# 1. Not a capture: a clear message naming the file, exit 3.
p = os.path.join(work, "not-a-capture.txt")
open(p, "w").write("hello, this is not a capture\n")
rc, err, _, _ = run(p)
check("wrong magic", rc == 3 and "not-a-capture.txt" in err, "exit %d: %s" % (rc, err.strip()))

# 2. Truncated in the middle of a packet: what was read counts, the damage is reported.
data = open(good, "rb").read()
p = os.path.join(work, "truncated.pcap")
open(p, "wb").write(data[: len(data) * 2 // 3 + 7])
rc, err, s, _ = run(p)
check("truncated file", rc in (0, 1) and s.get("read_error", "") != "" and s["packets"] > 0,
      "exit %d, %s packets, read_error %r" % (rc, s.get("packets"), s.get("read_error")))

# 3. A snap length shorter than the headers: counted as truncated packets, no crash.
p = os.path.join(work, "snap40.pcap")
with open(p, "wb") as f:
    f.write(pcap_header(40))
    for i in range(100):
        full = packet(1000 + i, [10, 0, 0, 1], [10, 0, 0, 2], 40000 + i, 443, 0x18, 1, b"x" * 200)
        hdr, frame = full[:16], full[16:]
        f.write(struct.pack("<IIII", 1000 + i, 0, 40, len(frame)) + frame[:40])
rc, err, s, _ = run(p)
check("snap length 40", rc in (0, 1) and s.get("truncated_packets", 0) == 100,
      "exit %d, truncated_packets %s" % (rc, s.get("truncated_packets")))

# 4. Random bytes both ways on port 443: classified by content (not TLS), no finding, no crash.
rnd = random.Random(7)
p = os.path.join(work, "random443.pcap")
with open(p, "wb") as f:
    f.write(pcap_header())
    c, sv = [10, 0, 0, 1], [10, 0, 0, 2]
    f.write(packet(1, c, sv, 5555, 443, 0x02, 100))
    f.write(packet(1.001, sv, c, 443, 5555, 0x12, 900))
    seqc, seqs = 101, 901
    for i in range(50):
        a, b = bytes(rnd.getrandbits(8) for _ in range(700)), bytes(rnd.getrandbits(8) for _ in range(900))
        f.write(packet(2 + i, c, sv, 5555, 443, 0x18, seqc, a)); seqc += len(a)
        f.write(packet(2.5 + i, sv, c, 443, 5555, 0x18, seqs, b)); seqs += len(b)
rc, err, s, conns = run(p)
o = conns[0] if conns else {}
check("random bytes on 443", rc in (0, 1) and o.get("client_hello") is None and
      o.get("outcome") in ("other", "client_hello_incomplete"),
      "exit %d, outcome %s, finding %s" % (rc, o.get("outcome"), o.get("finding")))

# 5a. Snap length 0 in the file header (some writers put 0 for "unlimited"): the records
# say their own lengths, so every packet is read.
p = os.path.join(work, "snap0.pcap")
with open(p, "wb") as f:
    f.write(pcap_header(0))
    for i in range(10):
        f.write(packet(1000 + i, [10, 0, 0, 1], [10, 0, 0, 2], 40000 + i, 443, 0x02, 1))
rc, err, s, _ = run(p)
check("snap length 0", rc in (0, 1) and s.get("packets") == 10 and s.get("truncated_packets") == 0,
      "exit %d, packets %s, truncated %s" % (rc, s.get("packets"), s.get("truncated_packets")))

# 5b. A pcapng whose interfaces have different link types (Ethernet and raw IP): both read,
# both link types named; then the same file cut inside its last block: read up to the damage.
mixed = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "pcap",
                     "multi_linktype.pcapng")
rc, err, s, conns = run(mixed)
check("mixed link types", rc in (0, 1) and len(conns) == 2 and
      "EN10MB" in s.get("link_types", "") and "RAW" in s.get("link_types", ""),
      "exit %d, %d connections, link_types %r" % (rc, len(conns), s.get("link_types")))
data = open(mixed, "rb").read()
p = os.path.join(work, "mixed-truncated.pcapng")
open(p, "wb").write(data[:-30])
rc, err, s, _ = run(p)
check("truncated pcapng", rc in (0, 1) and s.get("packets", 0) > 0 and
      "truncated" in s.get("read_error", ""),
      "exit %d, %s packets, read_error %r" % (rc, s.get("packets"), s.get("read_error")))
# Only a section header, then garbage: not one packet, exit 3.
p = os.path.join(work, "garbage.pcapng")
open(p, "wb").write(data[:28] + b"\xff" * 64)
rc, err, s, _ = run(p)
check("damaged pcapng", rc == 3 and "garbage.pcapng" in err, "exit %d: %s" % (rc, err.strip()))

# 5. 10^6 flows that never close, in one second: the flow table stays capped.
p = os.path.join(work, "million.pcap")
if not os.path.exists(p):
    with open(p, "wb") as f:
        f.write(pcap_header())
        buf = []
        for i in range(1_000_000):
            src = [10, (i >> 16) & 255, (i >> 8) & 255, i & 255]
            buf.append(packet(5000 + i / 2e6, src, [10, 255, 0, 1], 1024 + i % 60000, 443, 0x02, i))
            if len(buf) == 10000:
                f.write(b"".join(buf)); buf = []
        f.write(b"".join(buf))
before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
rc, err, s, _ = run(p)
peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
check("10^6 open flows", rc in (0, 1) and s.get("connections") == 1_000_000 and
      s.get("peak_flows", 0) <= 262144 and s.get("evicted_flows", 0) > 0,
      "exit %d, connections %s, peak_flows %s, evicted %s, child peak RSS %.0f MB" % (
          rc, s.get("connections"), s.get("peak_flows"), s.get("evicted_flows"), peak_mb))
sys.exit(1 if fails else 0)
