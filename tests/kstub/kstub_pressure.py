#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""kubelet-stub under pressure (issue 23), each case on a fresh root:

slow_status:   a checkpoint of N allocations (2,000; FULL=1: 20,000) makes
               `status` a document of about 1 MB; 10 clients ask for it and
               never read.  A real `kubelet-stub status` must still answer
               (it waited ~5 s per slow client before, 50 s in all, past its
               own 30 s limit), and the slow clients are dropped later.
registrations: 200 Registers with distinct resource names at one endpoint:
               128 resources are kept, the rest refused RESOURCE_EXHAUSTED.
fdlimit:       RLIMIT_NOFILE lowered to kubelet-stub's lowest free fd, 20
               connections waiting on kubelet.sock and 20 on control.sock:
               CPU under a generous 25% over 3 s (it spun at 100%); with the
               limit back `status` answers and a plugin registers.
Run by tests/it/t-kstub-pressure.sh.  Figures go to stdout."""
import json
import os
import resource
import shutil
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(1, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "it"))
import grpc  # noqa: E402

from plugin import Plugin  # noqa: E402
from procstat import cpu_s, lowest_free_fd  # noqa: E402
from test_kstub import Stub, wait_for  # noqa: E402

FULL = os.environ.get("FULL") == "1"


def fail(msg):
    raise AssertionError(msg)


def connect(path, rcvbuf=None):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    cwd = os.getcwd()
    os.chdir(os.path.dirname(path))
    try:
        s.connect(os.path.basename(path))
    finally:
        os.chdir(cwd)
    return s


def slow_status(root):
    n = 20000 if FULL else 2000
    plugdir = os.path.join(root, "var/lib/kubelet/device-plugins")
    resp = {"envs": {"PCI_RESOURCE_EXAMPLE_COM_GPU": "0000:41:00.0"}, "mounts": [],
            "devices": [{"container_path": "/dev/vfio/vfio", "host_path": "/dev/vfio/vfio", "permissions": "mrw"}],
            "annotations": {}, "cdi_devices": []}
    allocs = [{"pod": "pod-%06d" % i, "container": "compute", "resource": "example.com/gpu",
               "devices": ["0000:%02x:00.0" % (i % 256)], "response": resp} for i in range(n)]
    os.makedirs(plugdir)
    with open(os.path.join(plugdir, "kubelet-stub_checkpoint.json"), "w") as f:
        json.dump({"version": 1, "resources": ["example.com/gpu"], "allocations": allocs}, f)
    stub = Stub(root).start()
    ctl = os.path.join(root, "run/kubelet-stub/control.sock")
    slow = []
    for _ in range(10):
        s = connect(ctl, 4096)
        s.sendall(b'{"cmd": "status"}')
        s.shutdown(socket.SHUT_WR)
        slow.append(s)
    time.sleep(0.5)
    t = time.monotonic()
    r = stub.run("status", "--json")
    took = time.monotonic() - t
    if r.returncode != 0:
        fail("status with 10 slow clients: %s" % r.stderr)
    size = len(r.stdout)
    if len(json.loads(r.stdout)["allocations"]) != n:
        fail("status lost allocations")
    print("slow_status: %d allocations, status %d bytes; with 10 clients not reading it answered in %.2f s"
          % (n, size, took), flush=True)
    # the slow clients are dropped (10 s to read the answer): EOF after what was sent
    for s in slow:
        s.settimeout(60)
        got = 0
        while True:
            b = s.recv(1 << 20)
            if not b:
                break
            got += len(b)
            time.sleep(0.2)  # still slow: it is dropped before it has it all
        if got >= size:
            fail("a slow client got the whole answer (%d bytes)" % got)
        s.close()
    if stub.stop() != 0:
        fail("serve exit status")


def registrations(root):
    stub = Stub(root).start()
    p = Plugin(root, "example.com/r0", ["0000:41:00.0"], law_error_after=0).start()
    ok = refused = 0
    for i in range(200):
        e = p.register(resource="example.com/r%d" % i)
        if e is None:
            ok += 1
        elif e.code() == grpc.StatusCode.RESOURCE_EXHAUSTED and "too many registrations" in e.details():
            refused += 1
        else:
            fail("Register %d: %s %s" % (i, e.code(), e.details()))
    n_res = len(stub.status()["resources"])
    print("registrations: 200 distinct names at one endpoint: %d registered, %d refused, %d resources kept"
          % (ok, refused, n_res), flush=True)
    if ok != 128 or refused != 72 or n_res != 128:
        fail("want 128 registered, 72 refused, 128 resources")
    p.stop()
    if stub.stop() != 0:
        fail("serve exit status")


def fdlimit(root):
    stub = Stub(root).start()
    pid = stub.proc.pid
    soft, hard = resource.prlimit(pid, resource.RLIMIT_NOFILE)
    n = lowest_free_fd(pid)
    resource.prlimit(pid, resource.RLIMIT_NOFILE, (n, hard))
    plugdir = os.path.join(root, "var/lib/kubelet/device-plugins")
    waiting = [connect(os.path.join(plugdir, "kubelet.sock")) for _ in range(20)]
    waiting += [connect(os.path.join(root, "run/kubelet-stub/control.sock")) for _ in range(20)]
    for s in waiting[20:]:
        s.sendall(b'{"cmd": "status"}')
        s.shutdown(socket.SHUT_WR)
    time.sleep(0.5)
    c0, t0 = cpu_s(pid), time.monotonic()
    time.sleep(3)
    cpu = (cpu_s(pid) - c0) / (time.monotonic() - t0)
    print("fdlimit: kubelet-stub RLIMIT_NOFILE %d (its lowest free fd), 40 connections waiting: CPU %.1f%% over 3 s"
          % (n, 100 * cpu), flush=True)
    if cpu > 0.25:
        fail("kubelet-stub uses %.0f%% CPU at its fd limit" % (100 * cpu))
    resource.prlimit(pid, resource.RLIMIT_NOFILE, (soft, hard))
    for s in waiting:
        s.close()
    r = stub.run("status", "--json")
    if r.returncode != 0:
        fail("status after the fd limit: %s" % r.stderr)
    p = Plugin(root, "example.com/gpu", ["0000:41:00.0"]).start()
    if p.register() is not None:
        fail("Register after the fd limit failed")
    if not wait_for(lambda: stub.counts() == ("1", "1")):
        fail("the plugin's device did not appear")
    p.stop()
    if stub.stop() != 0:
        fail("serve exit status")


def main():
    cases = {"slow_status": slow_status, "registrations": registrations, "fdlimit": fdlimit}
    todo = sys.argv[1:] or list(cases)
    for name in todo:
        root = tempfile.mkdtemp(prefix="kstub-pressure-")
        print("--- " + name, flush=True)
        try:
            cases[name](root)
        finally:
            shutil.rmtree(root, ignore_errors=True)
        print("ok " + name, flush=True)


if __name__ == "__main__":
    main()
