#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""bench/start's driver (run by run.sh, inside `unshare -n`): for each
gpu-initd binary and each plain-directory tree, TRIALS starts of
`gpu-initd --root TREE -q serve` against tests/it's Python grpcio kubelet.
Per trial: exec -> Register (the Register call reaching the kubelet's
handler), exec -> first ListAndWatch (the first device list reaching the
kubelet's stream), and serve's VmHWM at that moment (its peak RSS so far).
The exec time is bash's $EPOCHREALTIME printed just before `exec`; the
kubelet's times are time.time() (both CLOCK_REALTIME).  Prints one line per
binary and tree: medians, minimums and maximums.

  startbench.py TRIALS LABEL=BINARY... -- N=TREE..."""
import os
import statistics
import subprocess
import sys
import threading
import time

import grpc

import deviceplugin_pb2 as pb
from serve_kubelet import FakeKubelet


class TimingKubelet(FakeKubelet):
    def reset(self):
        self.t_reg = self.t_law = None
        self.done = threading.Event()

    def Register(self, request, context):
        if self.t_reg is None:
            self.t_reg = time.time()
        return super().Register(request, context)

    def _watch(self, res, stub):
        try:
            for m in stub.ListAndWatch(pb.Empty()):
                if self.t_law is None:
                    self.t_law = time.time()
                    self.n = len(m.devices)
                    self.done.set()
        except grpc.RpcError:
            pass  # serve stopped at the end of the trial


def hwm(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(next(l for l in f if l.startswith("VmHWM:")).split()[1])


def one(k, binary, tree, stamp):
    k.reset()
    p = subprocess.Popen(["bash", "-c", 'echo $EPOCHREALTIME >"$0"; exec "$@"', stamp, binary, "--root", tree,
                          "-q", "serve"], stderr=subprocess.DEVNULL)
    if not k.done.wait(20):
        p.kill()
        raise SystemExit("%s on %s: no ListAndWatch within 20 s" % (binary, tree))
    peak = hwm(p.pid)
    p.terminate()
    p.wait()
    with open(stamp) as f:
        t0 = float(f.read().replace(",", "."))
    return (k.t_reg - t0) * 1000, (k.t_law - t0) * 1000, peak, k.n


def main():
    trials = int(sys.argv[1])
    sep = sys.argv.index("--")
    bins = [a.split("=", 1) for a in sys.argv[2:sep]]
    trees = [a.split("=", 1) for a in sys.argv[sep + 1:]]
    print("# %d starts per point; ms from exec; peak RSS = serve's VmHWM at the first ListAndWatch" % trials)
    print("%-8s %5s %21s %21s %8s" % ("build", "gpus", "exec->Register ms", "exec->ListAndWatch ms", "HWM kB"))
    print("%-8s %5s %21s %21s %8s" % ("", "", "median (min-max)", "median (min-max)", "median"))
    for n, tree in trees:
        k = TimingKubelet(plugdir=os.path.join(tree, "var/lib/kubelet/device-plugins"))
        k.reset()
        k.start()
        stamp = os.path.join(tree, "run/exec-stamp")
        for label, binary in bins:
            one(k, binary, tree, stamp)  # warm the page cache
            rows = [one(k, binary, tree, stamp) for _ in range(trials)]
            if any(r[3] != int(n) for r in rows):
                raise SystemExit("%s: ListAndWatch listed %s devices, expected %s" % (label, rows[0][3], n))
            reg, law, peak = ([r[i] for r in rows] for i in range(3))
            print("%-8s %5s %9.2f (%4.2f-%5.2f) %9.2f (%4.2f-%5.2f) %8d" % (
                label, n, statistics.median(reg), min(reg), max(reg), statistics.median(law), min(law), max(law),
                statistics.median(peak)), flush=True)
        k.stop()


if __name__ == "__main__":
    main()
