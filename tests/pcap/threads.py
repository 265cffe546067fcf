#!/usr/bin/env python3
"""--threads N gives what --threads 1 gives: every public capture of ../shared/data/pcaps
read in one run and each one on its own, with --threads 1, 2 and 3. The connection lines
must be the same (as a multiset: with threads they come in another order) and so must the
summary, except peak_flows (with threads: the sum of each thread's peak, as documented in
docs/json.md).

Known exception, not tested: when capture time goes backwards (several captures of different
years read in one run), idle eviction takes the least recently seen flows of each thread's own
list, so --threads 3 on all captures at once ends one flow that one thread continues (the same
4-tuple and ISN in tls-issuer-zero and tls-subject-zero, with tls-pre-1970 read between them).
The all-at-once run is compared with --threads 2 only; each capture alone with 2 and 3.

With threads, the file is cut into spans decoded by different threads; a span after a file's
first starts at a guessed record boundary, checked against where the span before it ended
(src/passive/pcap.c). The public captures are mostly smaller than one span, so every comparison
is made twice: with the default span size and with TD_PCAP_SPAN_BYTES=1000 (spans of 1,000
bytes: most guesses land inside a packet, and are caught and redone). Damaged copies of the
20 largest captures (cut at 60% of their size; the length of the record or block in the
middle overwritten) must also give what one thread gives: the same packets read up to the
damage, the same note. So must errors met in their turn with several files (a file that is
not a capture after good ones, a capture damaged before its first packet, a bad --filter):
the same exit status and message, and the connection lines of the files before.

    threads.py TLSDOCTOR PCAPS_DIR

Exits 1 on a difference, 77 when the public captures are missing."""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

binary, pcaps = sys.argv[1:3]
if not os.path.isdir(pcaps):
    print("no public captures in %s: skipped" % pcaps)
    sys.exit(77)
files = sorted(os.path.join(d, f) for d, _, fs in os.walk(pcaps) for f in fs
               if f.endswith((".pcap", ".pcapng", ".cap")))
if len(files) < 50:
    print("only %d captures in %s" % (len(files), pcaps))
    sys.exit(1)

PEAKS = ("peak_flows",)


def run(threads, inputs, span=None, extra=()):
    """(exit status, sorted connection lines, summary or None, peaks, stderr)"""
    env = dict(os.environ)
    if span is not None:
        env["TD_PCAP_SPAN_BYTES"] = str(span)
    p = subprocess.run([binary, "pcap", "--json", "--threads", str(threads)] + list(extra) +
                       inputs, capture_output=True, timeout=600, env=env)
    lines = p.stdout.decode().splitlines()
    conns = sorted(l for l in lines if l.startswith('{"type":"connection"'))
    rest = [json.loads(l) for l in lines if not l.startswith('{"type":"connection"')]
    err = p.stderr.decode(errors="replace").strip()
    if p.returncode not in (0, 1):
        if rest:
            raise SystemExit("exit %d with a summary for %s" % (p.returncode, inputs[:3]))
        return p.returncode, conns, None, {}, err
    if len(rest) != 1:
        raise SystemExit("expected one summary line, got %d" % len(rest))
    summary = rest[0]
    peaks = {k: summary.pop(k, None) for k in PEAKS}
    return p.returncode, conns, summary, peaks, err


failures = []
checked = 0
conns_total = 0


def compare(name, inputs, counts, span, extra=()):
    global checked
    base = run(1, inputs, None, extra)
    for n in counts:
        other = run(n, inputs, span, extra)
        checked += 1
        what = "%s, --threads %d, spans of %s" % (name, n, span or "default size")
        if other[0] != base[0]:
            failures.append("%s: exit %d, %d with 1 thread (%s / %s)" %
                            (what, other[0], base[0], other[4][:120], base[4][:120]))
        if base[2] is None and other[4] != base[4]:
            failures.append("%s: error '%s', with 1 thread '%s'" % (what, other[4], base[4]))
        if other[1] != base[1]:
            only1 = set(base[1]) - set(other[1])
            failures.append("%s: %d connection lines differ (%d vs %d), e.g. %s" %
                            (what, len(only1), len(other[1]), len(base[1]),
                             next(iter(only1), "")[:200]))
        if base[2] is not None and other[2] != base[2]:
            diff = [k for k in base[2] if base[2][k] != (other[2] or {}).get(k)]
            failures.append("%s: summary differs in %s" % (what, diff))
        if base[2] is not None and any(other[3].get(k) is None or other[3][k] < 0 for k in PEAKS):
            failures.append("%s: %s missing" % (what, PEAKS))
    return base


def headers(data):
    """Offsets of the record (pcap) or block (pcapng) headers of a capture, in order."""
    out = []
    if data[:4] == b"\x0a\x0d\x0d\x0a":
        off = 0
        end = "<" if data[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
        while off + 12 <= len(data):
            if data[off:off + 4] == b"\x0a\x0d\x0d\x0a":
                end = "<" if data[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
            n = struct.unpack(end + "I", data[off + 4:off + 8])[0]
            if n < 12:
                break
            out.append((off, 4))  # the block's length field
            off += n
    else:
        end = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
        off = 24
        while off + 16 <= len(data):
            out.append((off, 8))  # the record's captured length
            off += 16 + struct.unpack(end + "I", data[off + 8:off + 12])[0]
    return out


for span in (None, 1000):
    compare("all %d captures" % len(files), files, (2,), span)
    for f in files:
        base = compare(f, [f], (2, 3), span)
        conns_total += len(base[1]) if span is None else 0

# Damaged copies: cut short, and a length field overwritten in the middle.
work = tempfile.mkdtemp(prefix="td-threads-")
damaged = 0
errors_checked = 0
try:
    largest = sorted(files, key=os.path.getsize, reverse=True)[:20]
    for i, f in enumerate(largest):
        data = open(f, "rb").read()
        cut = os.path.join(work, "cut%d.%s" % (i, f.rsplit(".", 1)[1]))
        with open(cut, "wb") as o:
            o.write(data[:len(data) * 6 // 10])
        bad = os.path.join(work, "bad%d.%s" % (i, f.rsplit(".", 1)[1]))
        hs = headers(data)
        at, field = hs[len(hs) // 2]  # a length field in the middle of the file
        with open(bad, "wb") as o:
            o.write(data[:at + field] + b"\xff\xff\xff\x7f" + data[at + field + 4:])
        for d in (cut, bad):
            for span in (None, 1000):
                base = compare("%s (%s)" % (f, os.path.basename(d)), [d], (2,), span)
                damaged += 1 if base[2].get("read_error") and span is None else 0
    # Errors in their turn: a file that is not a capture after a good one, a capture damaged
    # before its first packet before a good one, a bad --filter: the same exit status, message
    # and connection lines as one thread (with one thread the files before are read whole).
    notcap = os.path.join(work, "notes.txt")
    with open(notcap, "w") as o:
        o.write("not a capture file, but a regular one\n" * 100)
    early = os.path.join(work, "early.pcap")
    with open(early, "wb") as o:
        o.write(open(largest[0], "rb").read()[:24] + b"\xff" * 40)
    two = largest[:2]
    cases = [("good then not a capture", two + [notcap], ()),
             ("damaged at its start, then good", [early] + two, ()),
             ("a bad --filter", two, ("--filter", "bogus junk")),
             ("good, not a capture, good", [two[0], notcap, two[1]], ())]
    for name, inputs, extra in cases:
        for span in (None, 1000):
            base = compare(name, inputs, (2, 3), span, extra)
            errors_checked += 1 if base[0] == 3 and base[4] else 0
finally:
    shutil.rmtree(work, ignore_errors=True)

if errors_checked != 8:
    failures.append("%d of the 8 error cases exited 3 with a message" % errors_checked)
if damaged < 30:
    failures.append("only %d of the damaged copies read as damaged" % damaged)
print("%d damaged copies read as damaged" % damaged)
if conns_total < 400:
    failures.append("only %d connections in the public captures" % conns_total)
for f in failures:
    print("FAIL", f)
print("%d comparisons, %d connections, %d failures" % (checked, conns_total, len(failures)))
sys.exit(1 if failures else 0)
