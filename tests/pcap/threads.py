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

    threads.py TLSDOCTOR PCAPS_DIR

Exits 1 on a difference, 77 when the public captures are missing."""
import json
import os
import subprocess
import sys

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


def run(threads, inputs):
    p = subprocess.run([binary, "pcap", "--json", "--threads", str(threads)] + inputs,
                       capture_output=True, timeout=600)
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
for inputs in [files] + [[f] for f in files]:
    base = run(1, inputs)
    conns_total += len(base[1]) if len(inputs) == 1 else 0
    for n in ((2,) if len(inputs) > 1 else (2, 3)):
        other = run(n, inputs)
        checked += 1
        name = "all %d captures" % len(inputs) if len(inputs) > 1 else inputs[0]
        if other[0] != base[0]:
            failures.append("%s: exit %d with --threads %d, %d with 1" %
                            (name, other[0], n, base[0]))
        if other[1] != base[1]:
            only1 = set(base[1]) - set(other[1])
            failures.append("%s: --threads %d: %d connection lines differ (%d vs %d), e.g. %s" %
                            (name, n, len(only1), len(other[1]), len(base[1]),
                             next(iter(only1), "")[:200]))
        if other[2] != base[2]:
            diff = [k for k in base[2] if base[2][k] != other[2].get(k)]
            failures.append("%s: --threads %d: summary differs in %s" % (name, n, diff))
        if any(other[3][k] is None or other[3][k] < 0 for k in PEAKS):
            failures.append("%s: --threads %d: %s missing" % (name, n, PEAKS))
if conns_total < 400:
    failures.append("only %d connections in the public captures" % conns_total)
for f in failures:
    print("FAIL", f)
print("%d comparisons, %d connections, %d failures" % (checked, conns_total, len(failures)))
sys.exit(1 if failures else 0)
