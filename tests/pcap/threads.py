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
20 largest captures (cut at 60% of their size; a record or block length overwritten in the
middle) must also give what one thread gives: the same packets read up to the damage, the
same error.

    threads.py TLSDOCTOR PCAPS_DIR

Exits 1 on a difference, 77 when the public captures are missing."""
import json
import os
import shutil
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


def run(threads, inputs, span=None):
    env = dict(os.environ)
    if span is not None:
        env["TD_PCAP_SPAN_BYTES"] = str(span)
    p = subprocess.run([binary, "pcap", "--json", "--threads", str(threads)] + inputs,
                       capture_output=True, timeout=600, env=env)
    if p.returncode not in (0, 1):
        raise SystemExit("exit %d for %s: %s" % (p.returncode, inputs[:3],
                                                p.stderr.decode(errors="replace")))
    lines = p.stdout.decode().splitlines()
    conns = sorted(l for l in lines if l.startswith('{"type":"connection"'))
    rest = [json.loads(l) for l in lines if not l.startswith('{"type":"connection"')]
    if len(rest) != 1:
        raise SystemExit("expected one summary line, got %d" % len(rest))
    summary = rest[0]
    peaks = {k: summary.pop(k, None) for k in PEAKS}
    return p.returncode, conns, summary, peaks


failures = []
checked = 0
conns_total = 0


def compare(name, inputs, counts, span):
    global checked
    base = run(1, inputs)
    for n in counts:
        other = run(n, inputs, span)
        checked += 1
        what = "%s, --threads %d, spans of %s" % (name, n, span or "default size")
        if other[0] != base[0]:
            failures.append("%s: exit %d, %d with 1 thread" % (what, other[0], base[0]))
        if other[1] != base[1]:
            only1 = set(base[1]) - set(other[1])
            failures.append("%s: %d connection lines differ (%d vs %d), e.g. %s" %
                            (what, len(only1), len(other[1]), len(base[1]),
                             next(iter(only1), "")[:200]))
        if other[2] != base[2]:
            diff = [k for k in base[2] if base[2][k] != other[2].get(k)]
            failures.append("%s: summary differs in %s" % (what, diff))
        if any(other[3][k] is None or other[3][k] < 0 for k in PEAKS):
            failures.append("%s: %s missing" % (what, PEAKS))
    return base


for span in (None, 1000):
    compare("all %d captures" % len(files), files, (2,), span)
    for f in files:
        base = compare(f, [f], (2, 3), span)
        conns_total += len(base[1]) if span is None else 0

# Damaged copies: cut short, and a length field overwritten in the middle.
work = tempfile.mkdtemp(prefix="td-threads-")
damaged = 0
try:
    largest = sorted(files, key=os.path.getsize, reverse=True)[:20]
    for i, f in enumerate(largest):
        data = open(f, "rb").read()
        cut = os.path.join(work, "cut%d.%s" % (i, f.rsplit(".", 1)[1]))
        with open(cut, "wb") as o:
            o.write(data[:len(data) * 6 // 10])
        bad = os.path.join(work, "bad%d.%s" % (i, f.rsplit(".", 1)[1]))
        mid = (len(data) // 2) & ~3
        with open(bad, "wb") as o:
            o.write(data[:mid] + b"\xff\xff\xff\x7f" + data[mid + 4:])
        for d in (cut, bad):
            for span in (None, 1000):
                base = compare("%s (%s)" % (f, os.path.basename(d)), [d], (2,), span)
                damaged += 1 if base[2].get("read_error") and span is None else 0
finally:
    shutil.rmtree(work, ignore_errors=True)

if damaged < 10:
    failures.append("only %d of the damaged copies read as damaged" % damaged)
print("%d damaged copies read as damaged" % damaged)
if conns_total < 400:
    failures.append("only %d connections in the public captures" % conns_total)
for f in failures:
    print("FAIL", f)
print("%d comparisons, %d connections, %d failures" % (checked, conns_total, len(failures)))
sys.exit(1 if failures else 0)
