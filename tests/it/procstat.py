# SPDX-License-Identifier: GPL-2.0-or-later
"""What the pressure tests read of a process under /proc (serve_pressure.py,
tests/kstub/kstub_pressure.py): open fds, RSS, the lowest free fd, CPU time."""
import os


def fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(next(l for l in f if l.startswith("VmRSS:")).split()[1])


def lowest_free_fd(pid):
    held = {int(x) for x in os.listdir("/proc/%d/fd" % pid)}
    return next(i for i in range(len(held) + 1) if i not in held)


def cpu_s(pid):
    """user + system CPU seconds (proc(5) /proc/PID/stat fields 14, 15)"""
    with open("/proc/%d/stat" % pid) as f:
        v = f.read().rsplit(")", 1)[1].split()
    return (int(v[11]) + int(v[12])) / os.sysconf("SC_CLK_TCK")
