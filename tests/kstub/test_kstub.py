#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""kubelet-stub against a Python grpcio device plugin (tests/kstub/plugin.py).

Conformance: the cases of kubelet's own device-manager tests (register,
health changes, a ListAndWatch that fails, plugin and kubelet restarts,
GetDevicePluginOptions failing, bad versions and names), each on a fresh
root.  LaunchVm*: launch-vm on a simulated node (tests/simnode, $SIMROOT)
prepared with plain shell writes, as virt-launcher would check it.

Run by tests/it/t-kstub.sh (stubs generated, PYTHONPATH set)."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import grpc  # noqa: E402

from plugin import Plugin  # noqa: E402

KSTUB = os.path.abspath(os.environ.get("KSTUB", "build/kubelet-stub"))
RES = "example.com/gpu"
IDS = ["0000:41:00.0", "0000:42:00.0", "0000:43:00.0", "0000:44:00.0"]


def wait_for(pred, timeout=10.0):
    """Polls pred (bounded): the stub and the plugin run concurrently."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.02)
    return pred()


class Stub:
    def __init__(self, root):
        self.root = root
        self.plugdir = os.path.join(root, "var/lib/kubelet/device-plugins")
        # serve's log: build/it/kstub-serve.log under t-kstub.sh
        logdir = os.environ.get("KSTUB_LOG_DIR", tempfile.gettempdir())
        self.log = open(os.path.join(logdir, "kstub-serve-%d.log" % os.getpid()), "a")
        self.proc = None

    def start(self):
        if self.log.closed:
            self.log = open(self.log.name, "a")
        self.proc = subprocess.Popen([KSTUB, "--root", self.root, "serve"], stderr=self.log)
        # the control socket comes last: once it answers, kubelet.sock listens
        assert wait_for(lambda: os.path.exists(os.path.join(self.root, "run/kubelet-stub/control.sock"))
                        and self.run("status", "--json").returncode == 0), "serve did not start"
        return self

    def stop(self):
        if self.proc:
            self.proc.send_signal(signal.SIGTERM)
            rc = self.proc.wait(10)
            self.proc = None
            self.log.close()
            return rc

    def run(self, *args):
        return subprocess.run([KSTUB, "--root", self.root] + list(args), capture_output=True, text=True,
                              timeout=60)

    def status(self):
        r = self.run("status", "--json")
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout)

    def counts(self, res=RES):
        s = self.status()["status"]
        return (s["capacity"].get(res), s["allocatable"].get(res))

    def allocate(self, count, res=RES, pod=None):
        args = ["allocate", res, str(count)] + (["--pod", pod] if pod else [])
        return self.run(*args)


class Conformance(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="kstub-")
        self.stub = Stub(self.root).start()
        self.plugins = []

    def tearDown(self):
        for p in self.plugins:
            p.stop()
        rc = self.stub.stop()
        self.assertEqual(rc, 0)
        shutil.rmtree(self.root)

    def plugin(self, **kw):
        p = Plugin(self.root, kw.pop("resource", RES), kw.pop("ids", IDS), **kw).start()
        self.plugins.append(p)
        return p

    def registered(self, **kw):
        p = self.plugin(**kw)
        self.assertIsNone(p.register())
        self.assertTrue(wait_for(lambda: self.stub.counts() == (str(len(p.order)), str(len(p.order))))),
        return p

    def test_register_capacity_equals_allocatable(self):
        self.registered()
        st = self.stub.status()
        res = [r for r in st["resources"] if r["name"] == RES][0]
        self.assertTrue(res["connected"])
        self.assertEqual(res["endpoint"], "test.sock")
        self.assertEqual([d["id"] for d in res["devices"]], IDS)
        table = self.stub.run("status")
        self.assertEqual(table.returncode, 0)
        self.assertIn(RES, table.stdout)

    def test_unhealthy_then_healthy(self):
        p = self.registered()
        p.set_health(IDS[1], "Unhealthy")
        self.assertTrue(wait_for(lambda: self.stub.counts() == ("4", "3")))
        # an unhealthy device is never allocated
        r = self.stub.allocate(4)
        self.assertEqual(r.returncode, 1)
        self.assertIn("Requested: 4, Available: 3", r.stderr)
        r = self.stub.allocate(3)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn(IDS[1], json.loads(r.stdout)["devices"])
        p.set_health(IDS[1], "Healthy")
        self.assertTrue(wait_for(lambda: self.stub.counts() == ("4", "4")))

    def test_list_and_watch_fails_at_once(self):
        p = self.plugin(law_error_after=0)
        self.assertIsNone(p.register())
        # the stream fails before any list: the resource is known, with
        # nothing allocatable, and stays so
        self.assertTrue(wait_for(lambda: not self.stub.status()["resources"][0]["connected"]))
        self.assertEqual(self.stub.counts(), ("0", "0"))
        time.sleep(0.3)
        self.assertEqual(p.law_calls, 1, "kubelet never redials ListAndWatch")
        self.assertEqual(self.stub.allocate(1).returncode, 1)

    def test_list_and_watch_fails_later(self):
        p = self.registered()
        p.break_streams()
        self.assertTrue(wait_for(lambda: self.stub.counts() == ("4", "0")))
        devs = self.stub.status()["resources"][0]["devices"]
        self.assertEqual({d["health"] for d in devs}, {"Unhealthy"})
        time.sleep(0.3)
        self.assertEqual(p.law_calls, 1, "kubelet never redials ListAndWatch")

    def test_plugin_restart_reregisters_allocations_kept(self):
        p = self.registered()
        r = self.stub.allocate(2, pod="vm-a")
        self.assertEqual(r.returncode, 0, r.stderr)
        got = json.loads(r.stdout)["devices"]
        p.stop()
        self.assertTrue(wait_for(lambda: self.stub.counts() == ("4", "0")))
        p.start(socket="test-2.sock")
        self.assertIsNone(p.register())
        self.assertTrue(wait_for(lambda: self.stub.counts() == ("4", "4")))
        st = self.stub.status()
        self.assertEqual(st["resources"][0]["endpoint"], "test-2.sock")
        self.assertEqual([a["devices"] for a in st["allocations"]], [got])
        r = self.stub.allocate(3)
        self.assertEqual(r.returncode, 1)
        self.assertIn("Requested: 3, Available: 2", r.stderr)

    def test_kubelet_restart(self):
        p = self.registered()
        r = self.stub.allocate(1, pod="vm-a")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.stub.run("restart")
        self.assertEqual(r.returncode, 0, r.stderr)
        # every socket in the dir is gone but a new kubelet.sock
        self.assertFalse(os.path.exists(os.path.join(self.stub.plugdir, "test.sock")))
        self.assertTrue(os.path.exists(os.path.join(self.stub.plugdir, "kubelet.sock")))
        # capacity 0 until the plugin registers again; allocations kept
        self.assertEqual(self.stub.counts(), ("0", "0"))
        self.assertEqual(len(self.stub.status()["allocations"]), 1)
        p.stop()
        p.start()
        self.assertIsNone(p.register())
        self.assertTrue(wait_for(lambda: self.stub.counts() == ("4", "4")))
        st = self.stub.status()
        self.assertEqual(st["allocations"][0]["pod"], "vm-a")
        self.assertEqual(self.stub.allocate(4).returncode, 1)
        self.assertEqual(self.stub.allocate(3).returncode, 0)

    def test_serve_restart_keeps_checkpoint(self):
        self.registered()
        self.assertEqual(self.stub.allocate(2, pod="vm-a").returncode, 0)
        self.assertEqual(self.stub.stop(), 0)
        self.assertFalse(os.path.exists(os.path.join(self.stub.plugdir, "kubelet.sock")))
        self.assertFalse(os.path.exists(os.path.join(self.root, "run/kubelet-stub/control.sock")))
        # a stale socket left in the dir goes when serve starts, as with kubelet
        import socket
        stale = socket.socket(socket.AF_UNIX)
        stale.bind(os.path.join(self.stub.plugdir, "stale.sock"))
        stale.close()
        self.stub.start()
        self.assertFalse(os.path.exists(os.path.join(self.stub.plugdir, "stale.sock")))
        st = self.stub.status()
        self.assertEqual(st["allocations"][0]["pod"], "vm-a")
        self.assertEqual(st["status"]["capacity"], {RES: "0"})

    def test_stop_with_requests_in_flight(self):
        # a half-sent control request and an Allocate the plugin has not
        # answered: SIGTERM still ends serve cleanly (ASan run: no leak)
        import socket
        import threading
        gate = threading.Event()
        p = self.registered()
        p.on_allocate = lambda req: gate.wait(20)
        half = socket.socket(socket.AF_UNIX)
        half.connect(os.path.join(self.root, "run/kubelet-stub/control.sock"))
        half.send(b'{"cmd"')
        pending = subprocess.Popen([KSTUB, "--root", self.root, "allocate", RES, "1"], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        self.assertTrue(wait_for(lambda: p.allocations))
        self.assertEqual(self.stub.stop(), 0)
        out, err = pending.communicate(timeout=20)
        self.assertEqual(pending.returncode, 1, err)
        self.assertIn("Allocate failed", err)
        gate.set()
        half.close()
        self.stub.start()  # for tearDown

    def test_options_fail(self):
        p = self.plugin(options_error=grpc.StatusCode.INTERNAL)
        e = p.register()
        self.assertIsNotNone(e)
        self.assertEqual(e.details(), "failed to get device plugin options: "
                         "rpc error: code = Internal desc = options refused by the test plugin")
        self.assertEqual(self.stub.status()["resources"], [])
        self.assertEqual(p.law_calls, 0)

    def test_no_plugin_listening(self):
        p = Plugin(self.root, RES, IDS, socket="absent.sock")
        e = p.register()
        self.assertIsNotNone(e)
        self.assertIn("failed to dial device plugin", e.details())
        self.assertEqual(self.stub.status()["resources"], [])

    def test_bad_version(self):
        p = self.plugin()
        e = p.register(version="v1alpha")
        self.assertIsNotNone(e)
        self.assertEqual('requested API version "v1alpha" is not supported by kubelet. Supported version is ["v1beta1"]',
                         e.details())
        self.assertEqual(e.code(), grpc.StatusCode.UNKNOWN)  # a plain Go error from kubelet's handler
        self.assertEqual(self.stub.status()["resources"], [])

    def test_bad_resource_names(self):
        p = self.plugin()
        for name in ["gpu", "example.com/", "kubernetes.io/gpu", "example.com/-gpu", "Example.com/gpu",
                     "example.com/a/b", "requests.example.com/gpu", "example.com/" + "x" * 64]:
            e = p.register(resource=name)
            self.assertIsNotNone(e, name)
            self.assertIn('the ResourceName "%s" is invalid' % name, e.details())
        e = p.register(endpoint="../escape.sock")
        self.assertIsNotNone(e)
        self.assertIn("invalid name of device plugin socket", e.details())
        self.assertEqual(self.stub.status()["resources"], [])
        self.assertIsNone(p.register(resource="example.com/gpu_A-1.x"))

    def test_second_registration_replaces(self):
        self.registered()
        q = self.plugin(socket="other.sock", ids=["0000:81:00.0", "0000:82:00.0"])
        self.assertIsNone(q.register())
        self.assertTrue(wait_for(lambda: self.stub.counts() == ("2", "2")))
        st = self.stub.status()
        self.assertEqual(st["resources"][0]["endpoint"], "other.sock")
        self.assertEqual([d["id"] for d in st["resources"][0]["devices"]], ["0000:81:00.0", "0000:82:00.0"])

    def test_preferred_allocation(self):
        p = self.registered(preferred=True)
        r = self.stub.allocate(2, pod="p1")
        self.assertEqual(r.returncode, 0, r.stderr)
        a = json.loads(r.stdout)
        self.assertEqual(a["devices"], [IDS[3], IDS[2]])  # the plugin's choice
        self.assertEqual(p.preferred_calls, [IDS])
        self.assertEqual(a["response"]["envs"], {"PCI_RESOURCE_EXAMPLE_COM_GPU": IDS[3] + "," + IDS[2]})
        self.assertIn({"container_path": "/dev/vfio/vfio", "host_path": "/dev/vfio/vfio", "permissions": "mrw"},
                      a["response"]["devices"])
        r = self.stub.allocate(1, pod="p2")
        self.assertEqual(p.preferred_calls[1], IDS[:2])  # only unallocated ones offered
        self.assertEqual(p.allocations, [[IDS[3], IDS[2]], [IDS[1]]])

    def test_register_waits_without_blocking(self):
        # plugin A's GetDevicePluginOptions hangs: kubelet-stub keeps A's
        # Register open, and meanwhile registers B and answers status
        import threading
        gate = threading.Event()
        a = self.plugin(options_gate=gate, socket="a.sock")
        result = []
        t = threading.Thread(target=lambda: result.append(a.register()))
        t.start()
        try:
            b = self.plugin(resource="example.com/other", socket="b.sock", ids=IDS[:1])
            self.assertIsNone(b.register())
            self.assertTrue(wait_for(lambda: self.stub.counts("example.com/other") == ("1", "1")))
            self.assertEqual(self.stub.counts(), (None, None))  # A not answered yet, so not there
            self.assertFalse(result)
        finally:
            gate.set()
            t.join(20)
        self.assertEqual(result, [None])
        self.assertTrue(wait_for(lambda: self.stub.counts() == ("4", "4")))

    def test_pre_start_container(self):
        p = self.registered(prestart=True)
        r = self.stub.allocate(2)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(p.prestart_calls, [json.loads(r.stdout)["devices"]])

    def test_allocate_error_from_plugin(self):
        p = self.registered()
        p.health[IDS[0]] = "Unhealthy"  # the plugin refuses it, kubelet does not know yet
        r = self.stub.allocate(1)
        self.assertEqual(r.returncode, 1)
        self.assertIn("Allocate failed: rpc error: code = InvalidArgument desc = device %s is unknown or unhealthy"
                      % IDS[0], r.stderr)
        self.assertEqual(self.stub.status()["allocations"], [])

    def test_allocate_refusals(self):
        self.registered()
        r = self.stub.allocate(5)
        self.assertEqual(r.returncode, 1)
        self.assertIn("requested number of devices unavailable for example.com/gpu. Requested: 5, Available: 4",
                      r.stderr)
        self.assertEqual(self.stub.allocate(1, res="example.com/none").returncode, 1)
        self.assertEqual(self.stub.allocate(0).returncode, 2)
        self.assertEqual(self.stub.allocate(1, pod="x").returncode, 0)
        r = self.stub.allocate(1, pod="x")
        self.assertEqual(r.returncode, 1)
        self.assertIn("already has", r.stderr)

    def test_no_serve(self):
        empty = tempfile.mkdtemp(prefix="kstub-empty-")
        try:
            r = subprocess.run([KSTUB, "--root", empty, "status"], capture_output=True, text=True)
            self.assertEqual(r.returncode, 70)
            self.assertIn("no kubelet-stub serve is running", r.stderr)
        finally:
            shutil.rmtree(empty)


def sh(script):
    r = subprocess.run(["bash", "-euc", script], capture_output=True, text=True,
                       env=dict(os.environ, S=os.environ["SIMROOT"] + "/sys", C=os.environ["SIMFS"] + "/.simfs/control"))
    assert r.returncode == 0, r.stderr
    return r.stdout


class SimNode(unittest.TestCase):
    fixture = None

    @classmethod
    def setUpClass(cls):
        if os.environ.get("KSTUB_FIXTURE") != cls.fixture:
            raise unittest.SkipTest("needs a simulated %s node" % cls.fixture)
        cls.root = os.environ["SIMROOT"]

    def setUp(self):
        # serve under the node root; a clean plugin dir each time
        plugdir = os.path.join(self.root, "var/lib/kubelet/device-plugins")
        shutil.rmtree(plugdir, ignore_errors=True)
        self.stub = Stub(self.root).start()
        self.plugins = []

    def tearDown(self):
        for p in self.plugins:
            p.stop()
        self.assertEqual(self.stub.stop(), 0)

    def plugin(self, resource, ids, **kw):
        p = Plugin(self.root, resource, ids, **kw).start()
        self.plugins.append(p)
        self.assertIsNone(p.register())
        n = str(len(ids))
        self.assertTrue(wait_for(lambda: self.stub.counts(resource) == (n, n)))
        return p


PASSTHROUGH = "nvidia.com/GH100_H100_SXM5_80GB"


class LaunchVmH100(SimNode):
    fixture = "h100"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # five GPUs to vfio-pci the way an admin would; 0000:2a:00.0 stays on nvidia
        sh('''echo "modprobe vfio-pci" >$C
for g in 0000:18:00.0 0000:9a:00.0 0000:3a:00.0 0000:5d:00.0 0000:db:00.0; do
  echo vfio-pci >$S/bus/pci/devices/$g/driver_override
  echo $g >$S/bus/pci/devices/$g/driver/unbind
  echo $g >$S/bus/pci/drivers_probe
done''')

    def test_passthrough(self):
        self.plugin(PASSTHROUGH, ["0000:18:00.0", "0000:9a:00.0"])
        r = self.stub.run("launch-vm", PASSTHROUGH, "2")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.count("<hostdev mode='subsystem' type='pci' managed='no'>"), 2)
        self.assertIn("<address domain='0x0000' bus='0x18' slot='0x00' function='0x0'/>", r.stdout)
        self.assertIn("<address domain='0x0000' bus='0x9a' slot='0x00' function='0x0'/>", r.stdout)

    def test_not_on_vfio(self):
        self.plugin(PASSTHROUGH, ["0000:2a:00.0"])
        r = self.stub.run("launch-vm", PASSTHROUGH, "1")
        self.assertEqual(r.returncode, 1)
        self.assertIn("0000:2a:00.0 is bound to nvidia, not vfio-pci", r.stderr)

    def test_group_missing_from_devicespecs(self):
        p = self.plugin(PASSTHROUGH, ["0000:18:00.0"])
        p._group = lambda dev_id: None  # a plugin that forgets /dev/vfio/<group>
        r = self.stub.run("launch-vm", PASSTHROUGH, "1")
        self.assertEqual(r.returncode, 1)
        self.assertIn("DeviceSpecs lack /dev/vfio/", r.stderr)

    def test_vgpu_vf(self):
        # NVIDIA's VF sequence on the GPU at 0000:ba:00.0, then two H100XM-10C vGPUs
        sh('''PF=0000:ba:00.0; D=$S/bus/pci/devices/$PF
echo "modprobe pci-pf-stub" >$C
echo pci-pf-stub >$D/driver_override; echo $PF >$D/driver/unbind; echo $PF >$S/bus/pci/drivers_probe
echo 0 >$D/sriov_drivers_autoprobe; echo 4 >$D/sriov_numvfs
echo >$D/driver_override; echo $PF >$S/bus/pci/drivers/pci-pf-stub/unbind; echo $PF >$S/bus/pci/drivers_probe
for i in 0 1 2 3; do vf=$(basename $(readlink $D/virtfn$i))
  echo nvidia >$S/bus/pci/devices/$vf/driver_override; echo $vf >$S/bus/pci/drivers_probe; done
for i in 0 1; do vf=$(basename $(readlink $D/virtfn$i))
  echo 1013 >$S/bus/pci/devices/$vf/nvidia/current_vgpu_type; done''')
        vfs = [os.path.basename(os.readlink(os.path.join(self.root, "sys/bus/pci/devices/0000:ba:00.0/virtfn%d" % i)))
               for i in range(3)]
        res = "nvidia.com/NVIDIA_H100XM-10C"
        self.plugin(res, vfs[:2])
        r = self.stub.run("launch-vm", res, "2")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.count("type='pci'"), 2)
        # a VF without a vGPU type is refused, though its group node exists
        # (NVIDIA's nvidia-vgpu-vfio registers a VF with VFIO when it binds)
        g = os.path.basename(os.readlink(os.path.join(self.root, "sys/bus/pci/devices/%s/iommu_group" % vfs[2])))
        self.assertTrue(os.path.exists(os.path.join(self.root, "dev/vfio", g)))
        p = self.plugin("nvidia.com/EMPTY_VF", vfs[2:3], socket="empty.sock")
        r = self.stub.run("launch-vm", p.resource, "1")
        self.assertEqual(r.returncode, 1)
        self.assertIn("is no VF with a vGPU type (current_vgpu_type 0", r.stderr)

    def test_hot_unplug_between_allocate_and_check(self):
        unplug = lambda req: sh('echo "unplug 0000:3a:00.0" >$C')  # noqa: E731
        p = self.plugin(PASSTHROUGH, ["0000:3a:00.0"], on_allocate=unplug)
        r = self.stub.run("launch-vm", PASSTHROUGH, "1")
        self.assertEqual(r.returncode, 1)
        self.assertIn("PCI device 0000:3a:00.0 does not exist (hot-unplugged?)", r.stderr)
        self.assertEqual(p.allocations, [["0000:3a:00.0"]])


    def test_hot_unplug_before_check_hook(self):
        # the same from the outside: launch-vm runs a command between its
        # Allocate and its checks (how a test meets gpu-initd serve)
        self.plugin(PASSTHROUGH, ["0000:5d:00.0", "0000:db:00.0"], socket="hook.sock")
        r = self.stub.run("launch-vm", PASSTHROUGH, "1", "--before-check",
                          'echo "unplug $KSTUB_DEVICES" >%s/.simfs/control' % os.environ["SIMFS"])
        self.assertEqual(r.returncode, 1)
        self.assertIn("PCI device 0000:5d:00.0 does not exist (hot-unplugged?)", r.stderr)
        r = self.stub.run("launch-vm", PASSTHROUGH, "1", "--before-check", "false")
        self.assertEqual(r.returncode, 70)


class LaunchVmT4(SimNode):
    fixture = "t4"
    U1 = "8e6f1c52-7d3a-4b7e-9c1d-2f3a4b5c6d01"
    U2 = "8e6f1c52-7d3a-4b7e-9c1d-2f3a4b5c6d02"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        sh('''echo "modprobe vfio" >$C
T=$S/bus/pci/devices/0000:3b:00.0/mdev_supported_types/nvidia-232
echo %s >$T/create; echo %s >$T/create''' % (cls.U1, cls.U2))

    def test_mdev(self):
        res = "nvidia.com/GRID_T4-4Q"
        self.plugin(res, [self.U1], kind="mdev")
        r = self.stub.run("launch-vm", res, "1")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("<hostdev mode='subsystem' type='mdev' model='vfio-pci' managed='no'>", r.stdout)
        self.assertIn("<address uuid='%s'/>" % self.U1, r.stdout)

    def test_mdev_removed(self):
        res = "nvidia.com/GRID_T4-4Q"
        gone = lambda req: sh("echo 1 >$S/bus/mdev/devices/%s/remove" % self.U2)  # noqa: E731
        self.plugin(res, [self.U2], kind="mdev", on_allocate=gone)
        r = self.stub.run("launch-vm", res, "1")
        self.assertEqual(r.returncode, 1)
        self.assertIn("mdev %s does not exist" % self.U2, r.stderr)


class LaunchVmA100(SimNode):
    fixture = "a100"
    U = "8e6f1c52-7d3a-4b7e-9c1d-2f3a4b5c6e01"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # an A100-10C mdev on a VF (vGPU up to 16: SR-IOV + mdev)
        sh('''echo "modprobe vfio" >$C
echo %s >$S/bus/pci/devices/0000:17:00.4/mdev_supported_types/nvidia-471/create''' % cls.U)

    def test_mdev_on_vf(self):
        res = "nvidia.com/NVIDIA_A100-10C"
        p = self.plugin(res, [self.U], kind="mdev")
        r = self.stub.run("launch-vm", res, "1")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("<address uuid='%s'/>" % self.U, r.stdout)
        env = "MDEV_PCI_RESOURCE_NVIDIA_COM_NVIDIA_A100-10C"
        self.assertEqual(self.stub.status()["allocations"][0]["response"]["envs"], {env: self.U})
        self.assertEqual(p.allocations, [[self.U]])


if __name__ == "__main__":
    unittest.main(verbosity=2)
