#!/usr/bin/env python3
"""Whole commands by turns: each of CMD... run once a turn, N turns, so that on a machine whose
speed wanders all see the same moments, each turn starting one command further on, so that no
command always runs first (on the AMD machine of BENCHMARKS.md, a pair's ratio moved by 1.5-2%
when the two swapped places). Prints each command's median and first quartile in microseconds,
and the median of the turns' ratios of the first command's time to each other's.

Usage: benches/ab.py N "CMD A" "CMD B" [...]   (each command split on spaces, no shell)
For example, two builds of scanpress on the same page:
  benches/ab.py 25 "./old decode page.jbg -o a.pbm" "./new decode page.jbg -o b.pbm"
"""
import statistics
import subprocess
import sys
import time

n = int(sys.argv[1])
cmds = [c.split() for c in sys.argv[2:]]
times = [[] for _ in cmds]
for turn in range(n):
    for k in [(turn + i) % len(cmds) for i in range(len(cmds))]:
        start = time.perf_counter_ns()
        subprocess.run(cmds[k], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times[k].append((time.perf_counter_ns() - start) / 1000)
for k, cmd in enumerate(cmds):
    q1 = statistics.quantiles(times[k], n=4)[0]
    print(f"{statistics.median(times[k]):9.0f} us  p25 {q1:8.0f}  {' '.join(cmd)}")
for k in range(1, len(cmds)):
    ratios = [a / b for a, b in zip(times[0], times[k])]
    print(f"median ratio, command 1 / command {k + 1}: {statistics.median(ratios):.3f}")
