#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""fn-ir.py FILE FN: prints "INCLUSIVE_IR CALLS" of function FN in a
callgrind output file (the cost of every call to FN, callees included).
Used by bench/callgrind/run.sh and bench/counts.sh."""
import re, sys
names, target, inc, calls, want = {}, None, 0, 0, sys.argv[2]
lines = open(sys.argv[1]).read().splitlines()
for i, line in enumerate(lines):
    m = re.match(r"(c?)fn=\((\d+)\)(?: (.*))?$", line)
    if m:
        if m.group(3):
            names[m.group(2)] = m.group(3)
        if m.group(1):
            target = names.get(m.group(2))
    elif line.startswith("calls=") and target == want:
        # the line after calls= holds the call's inclusive cost
        calls += int(line[6:].split()[0])
        inc += int(lines[i + 1].split()[1])
print(inc, calls)
