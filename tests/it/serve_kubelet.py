#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A Python grpcio kubelet for the gpu-initd serve tests, plus helpers that
drive a simulated node with plain writes (as tests/it/t-simfs-*.sh do).

FakeKubelet serves Registration on DIR/kubelet.sock like kubelet's device
manager: on Register it validates the request, dials the plugin's endpoint,
calls GetDevicePluginOptions, answers, then follows ListAndWatch and keeps
the latest list per resource.  restart() does what a kubelet restart does:
stop, delete every file in the plugin dir, serve a new kubelet.sock.

Run inside tests/simnode (SIMROOT, SIMFS set) with the stubs on PYTHONPATH
(tests/it/serve-lib.sh generates them)."""
import os
import re
import signal
import subprocess
import sys
import threading
import time
from concurrent import futures

import grpc

import deviceplugin_pb2 as pb
import deviceplugin_pb2_grpc as pbg

ROOT = os.environ.get("SIMROOT", "")
SIMFS = os.environ.get("SIMFS", "")
TOP = os.environ.get("TOP", os.getcwd())
PLUGDIR = os.path.join(ROOT, "var/lib/kubelet/device-plugins")
GPU_INITD = os.environ.get("GPU_INITD", os.path.join(TOP, "build/gpu-initd"))
NAME_RE = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")


def fail(msg):
    raise AssertionError(msg)


def wait_for(pred, timeout=10.0, what="condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.02)
    v = pred()
    if not v:
        fail("timed out waiting for " + what)
    return v


class Resource:
    def __init__(self, name, endpoint, options):
        self.name = name
        self.endpoint = endpoint
        self.options = options
        self.lists = []  # every ListAndWatch message, as {id: (health, numa)}
        self.stream_done = None
        self.channel = None
        self.cond = threading.Condition()

    def latest(self):
        with self.cond:
            return self.lists[-1] if self.lists else None


class FakeKubelet(pbg.RegistrationServicer):
    def __init__(self, plugdir=PLUGDIR):
        self.dir = plugdir
        self.server = None
        self.lock = threading.Lock()
        self.generation = 0
        self.resources = {}      # name -> Resource (this kubelet instance)
        self.registrations = {}  # name -> count (this kubelet instance)
        self.errors = []

    # kubelet's own socket path is long under SIMROOT: chdir, relative unix: address
    def start(self):
        self.generation += 1
        self.resources, self.registrations = {}, {}
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
        pbg.add_RegistrationServicer_to_server(self, self.server)
        os.chdir(self.dir)
        self.server.add_insecure_port("unix:kubelet.sock")
        self.server.start()

    def stop(self):
        if self.server:
            self.server.stop(0).wait()
            self.server = None
        for r in list(self.resources.values()):
            if r.channel:
                r.channel.close()

    def restart(self):
        self.stop()
        for f in os.listdir(self.dir):  # kubelet's removeContents
            os.unlink(os.path.join(self.dir, f))
        self.start()

    def Register(self, request, context):
        if request.version != "v1beta1":
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "bad version")
        name = request.resource_name
        dom, _, short = name.partition("/")
        if not dom or not short or len(short) > 63 or not NAME_RE.match(short) or "kubernetes.io" in dom:
            self.errors.append("invalid resource name " + name)
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "invalid resource name")
        if "/" in request.endpoint or not os.path.exists(os.path.join(self.dir, request.endpoint)):
            self.errors.append("bad endpoint " + request.endpoint)
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "bad endpoint")
        ch = grpc.insecure_channel("unix:" + request.endpoint, options=[("grpc.default_authority", "localhost")])
        stub = pbg.DevicePluginStub(ch)
        opts = stub.GetDevicePluginOptions(pb.Empty(), timeout=5)
        res = Resource(name, request.endpoint, opts)
        res.channel = ch
        with self.lock:
            old = self.resources.get(name)
            self.resources[name] = res
            self.registrations[name] = self.registrations.get(name, 0) + 1
        if old and old.channel:
            old.channel.close()
        threading.Thread(target=self._watch, args=(res, stub), daemon=True).start()
        return pb.Empty()

    def _watch(self, res, stub):
        try:
            for m in stub.ListAndWatch(pb.Empty()):
                lst = {d.ID: (d.health, [n.ID for n in d.topology.nodes] if d.HasField("topology") else None)
                       for d in m.devices}
                with res.cond:
                    res.lists.append(lst)
                    res.cond.notify_all()
            res.stream_done = "ok"
        except grpc.RpcError as e:
            res.stream_done = e.code()

    def stub(self, name):
        return pbg.DevicePluginStub(self.resources[name].channel)

    def wait_resources(self, names, timeout=10):
        def ok():
            with self.lock:
                return all(n in self.resources and self.resources[n].latest() is not None for n in names)
        wait_for(ok, timeout, "registration of " + ", ".join(names))

    def wait_list(self, name, pred, timeout=10, what="a device list"):
        return wait_for(lambda: (lambda l: l if l is not None and pred(l) else None)(self.resources[name].latest()),
                        timeout, what + " for " + name)

    def allocate(self, name, ids):
        req = pb.AllocateRequest(container_requests=[pb.ContainerAllocateRequest(devices_ids=ids)])
        return self.stub(name).Allocate(req, timeout=5)

    def allocate_error(self, name, ids):
        try:
            self.allocate(name, ids)
        except grpc.RpcError as e:
            return e.code(), e.details()
        fail("Allocate %s on %s succeeded" % (ids, name))

    def preferred(self, name, avail, must, size):
        req = pb.PreferredAllocationRequest(container_requests=[
            pb.ContainerPreferredAllocationRequest(available_deviceIDs=avail, must_include_deviceIDs=must,
                                                   allocation_size=size)])
        return list(self.stub(name).GetPreferredAllocation(req, timeout=5).container_responses[0].deviceIDs)


# --- the simulated node --------------------------------------------------

def sysp(path):
    return os.path.join(ROOT, "sys", path)


def write(path, value):
    with open(path, "w") as f:
        f.write(value)


def ctl(cmd):
    write(os.path.join(SIMFS, ".simfs/control"), cmd)


def driver_of(bdf):
    p = sysp("bus/pci/devices/%s/driver" % bdf)
    return os.path.basename(os.readlink(p)) if os.path.islink(p) else ""


def group_of(dev, mdev=False):
    p = sysp(("bus/mdev/devices/%s/iommu_group" if mdev else "bus/pci/devices/%s/iommu_group") % dev)
    return int(os.path.basename(os.readlink(p)))


def bind_vfio(bdf):
    if not os.path.exists(sysp("bus/pci/drivers/vfio-pci")):
        ctl("modprobe vfio-pci")
    write(sysp("bus/pci/devices/%s/driver_override" % bdf), "vfio-pci")
    if driver_of(bdf):
        write(sysp("bus/pci/devices/%s/driver/unbind" % bdf), bdf)
    write(sysp("bus/pci/drivers_probe"), bdf)
    if driver_of(bdf) != "vfio-pci":
        fail("%s did not bind to vfio-pci" % bdf)


def unbind(bdf):
    write(sysp("bus/pci/devices/%s/driver/unbind" % bdf), bdf)


def h100_vgpus(pf, count, type_id):
    """NVIDIA's VF enable sequence on an H100 PF, then `count` vGPUs."""
    d = sysp("bus/pci/devices/" + pf)
    ctl("modprobe pci-pf-stub")
    write(d + "/driver_override", "pci-pf-stub")
    write(d + "/driver/unbind", pf)
    write(sysp("bus/pci/drivers_probe"), pf)
    write(d + "/sriov_drivers_autoprobe", "0")
    write(d + "/sriov_numvfs", "%d" % count)
    write(d + "/driver_override", "\n")
    write(sysp("bus/pci/drivers/pci-pf-stub/unbind"), pf)
    write(sysp("bus/pci/drivers_probe"), pf)
    vfs = []
    for i in range(count):
        vf = os.path.basename(os.readlink(d + "/virtfn%d" % i))
        write(sysp("bus/pci/devices/%s/driver_override" % vf), "nvidia")
        write(sysp("bus/pci/drivers_probe"), vf)
        write(sysp("bus/pci/devices/%s/nvidia/current_vgpu_type" % vf), "%d" % type_id)
        vfs.append(vf)
    return vfs


def mdev_create(parent, mtype, uuid):
    write(sysp("bus/pci/devices/%s/mdev_supported_types/%s/create" % (parent, mtype)), uuid)
    return uuid


class Serve:
    """gpu-initd serve as a child process, its log in build/it/."""
    def __init__(self, *args, log="serve"):
        os.makedirs(os.path.join(TOP, "build/it"), exist_ok=True)
        self.logpath = os.path.join(TOP, "build/it", log + ".gpu-initd.log")
        self.log = open(self.logpath, "w")
        self.proc = subprocess.Popen([GPU_INITD, "--root", ROOT, "-v", *args, "serve", "--rescan", "1000"],
                                     stdout=self.log, stderr=subprocess.STDOUT)

    def stop(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)
        rc = self.proc.wait(10)
        self.log.close()
        return rc

    def text(self):
        with open(self.logpath) as f:
            return f.read()


def main(cases):
    name = sys.argv[1] if len(sys.argv) > 1 else None
    todo = [name] if name else list(cases)
    for n in todo:
        print("--- " + n, flush=True)
        cases[n]()
        print("ok " + n, flush=True)
