#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Interop: Debian's python3-grpcio against the C gRPC layer (lib/grpc_*).

Python client -> C server (build/tests/grpc-peer serve): every DevicePlugin
RPC, a ListAndWatch with several updates, a cancelled stream, the error
codes, and an :authority holding the socket path (as kubelets before 1.26
send).  C client (grpc-peer register/watch/options) -> Python servers:
Register, ListAndWatch, errors, deadline.

Run by tests/interop/run.sh, which generates the stubs and sets PYTHONPATH.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from concurrent import futures

import grpc

import deviceplugin_pb2 as pb
import deviceplugin_pb2_grpc as pbg

PEER = os.environ.get("GRPC_PEER", "build/tests/grpc-peer")
IDS = ["0000:41:00.0", "0000:42:00.0", "0000:43:00.0"]


def wait_for(pred, timeout=5.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.01)
    return pred()


class CServer(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="grpc-interop-")
        cls.sock = os.path.join(cls.dir, "plugin.sock")
        cls.log = open(os.path.join(cls.dir, "peer.log"), "w+")
        cls.proc = subprocess.Popen([PEER, "serve", cls.dir, "plugin.sock"], stdout=cls.log)
        assert wait_for(lambda: os.path.exists(cls.sock)), "C server did not start"
        # the old-kubelet :authority: the socket path, with '/'
        cls.channel = grpc.insecure_channel("unix:" + cls.sock, options=[("grpc.default_authority", cls.sock)])
        cls.stub = pbg.DevicePluginStub(cls.channel)

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        cls.proc.terminate()
        assert cls.proc.wait(5) == 0
        cls.log.close()
        shutil.rmtree(cls.dir)

    def peer_log(self):
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()

    def test_socket_mode(self):
        self.assertEqual(os.stat(self.sock).st_mode & 0o777, 0o600)

    def test_options(self):
        o = self.stub.GetDevicePluginOptions(pb.Empty(), timeout=5)
        self.assertTrue(o.get_preferred_allocation_available)
        self.assertFalse(o.pre_start_required)

    def test_allocate(self):
        req = pb.AllocateRequest(container_requests=[pb.ContainerAllocateRequest(devices_ids=IDS[:2])])
        r = self.stub.Allocate(req, timeout=5)
        self.assertEqual(len(r.container_responses), 1)
        c = r.container_responses[0]
        self.assertEqual(c.envs["PCI_RESOURCE_NVIDIA_COM_TEST"], ",".join(IDS[:2]))
        self.assertEqual(c.annotations["gpu-initd/test"], "yes")
        self.assertEqual([d.container_path for d in c.devices], ["/dev/vfio/40", "/dev/vfio/41", "/dev/vfio/vfio"])
        self.assertTrue(all(d.permissions == "mrw" for d in c.devices))

    def test_allocate_unknown_device(self):
        req = pb.AllocateRequest(container_requests=[pb.ContainerAllocateRequest(devices_ids=["nope"])])
        with self.assertRaises(grpc.RpcError) as e:
            self.stub.Allocate(req, timeout=5)
        self.assertEqual(e.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(e.exception.details(), "unknown device nope")

    def test_preferred_allocation(self):
        req = pb.PreferredAllocationRequest(container_requests=[
            pb.ContainerPreferredAllocationRequest(available_deviceIDs=IDS, allocation_size=2)])
        r = self.stub.GetPreferredAllocation(req, timeout=5)
        self.assertEqual(list(r.container_responses[0].deviceIDs), IDS[:2])

    def test_large_messages(self):
        # ~1 MB each way: reassembly across many DATA frames and flow-control
        # windows, in both directions
        ids = ["0000:%02x:%02x.%d" % (b, d, f) for b in range(256) for d in range(32) for f in range(8)][:65536]
        req = pb.PreferredAllocationRequest(container_requests=[
            pb.ContainerPreferredAllocationRequest(available_deviceIDs=ids, allocation_size=len(ids))])
        self.assertGreater(req.ByteSize(), 900000)
        r = self.stub.GetPreferredAllocation(req, timeout=10)
        self.assertEqual(list(r.container_responses[0].deviceIDs), ids)

    def test_pre_start(self):
        self.stub.PreStartContainer(pb.PreStartContainerRequest(devices_ids=IDS[:1]), timeout=5)

    def test_list_and_watch_updates(self):
        stream = self.stub.ListAndWatch(pb.Empty(), timeout=10)
        sizes = []
        for msg in stream:
            sizes.append(len(msg.devices))
            if sizes[-1] == 5:
                break
        stream.cancel()
        # 2, 3, 4, 5 devices, 30 ms apart; the C side keeps only the latest
        # list per stream, so a reader slower than that may skip one
        self.assertEqual(sizes[0], 2)
        self.assertEqual(sizes, sorted(set(sizes)))
        self.assertGreaterEqual(len(sizes), 3)
        self.assertIn("authority=" + self.sock, self.peer_log())

    def test_cancelled_stream(self):
        before = self.peer_log().count("watch-cancelled")
        stream = self.stub.ListAndWatch(pb.Empty(), timeout=10)
        first = next(stream)
        self.assertEqual(first.devices[1].health, "Unhealthy")
        self.assertEqual(first.devices[0].topology.nodes[0].ID, 0)
        stream.cancel()
        self.assertTrue(wait_for(lambda: self.peer_log().count("watch-cancelled") > before))

    def test_unimplemented(self):
        call = self.channel.unary_unary("/v1beta1.DevicePlugin/Nope")
        with self.assertRaises(grpc.RpcError) as e:
            call(b"", timeout=5)
        self.assertEqual(e.exception.code(), grpc.StatusCode.UNIMPLEMENTED)

    def test_undecodable_request(self):
        call = self.channel.unary_unary("/v1beta1.DevicePlugin/Allocate")
        with self.assertRaises(grpc.RpcError) as e:
            call(b"\x0a\xff\xff", timeout=5)
        self.assertEqual(e.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)

    def test_oversized_request(self):
        call = self.channel.unary_unary("/v1beta1.DevicePlugin/Allocate")
        with self.assertRaises(grpc.RpcError) as e:
            call(b"\x0a" + b"\x80" * (4 << 20), timeout=10)
        self.assertEqual(e.exception.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
        # the connection is still good
        self.stub.GetDevicePluginOptions(pb.Empty(), timeout=5)

    def test_many_concurrent_calls(self):
        req = pb.AllocateRequest(container_requests=[pb.ContainerAllocateRequest(devices_ids=IDS[:1])])
        fs = [self.stub.Allocate.future(req, timeout=10) for _ in range(200)]
        for f in fs:
            self.assertEqual(f.result().container_responses[0].envs["PCI_RESOURCE_NVIDIA_COM_TEST"], IDS[0])

    def test_many_connections(self):
        chans = [grpc.insecure_channel("unix:" + self.sock, options=[("grpc.use_local_subchannel_pool", 1)])
                 for _ in range(16)]
        try:
            fs = [pbg.DevicePluginStub(ch).GetDevicePluginOptions.future(pb.Empty(), timeout=10)
                  for ch in chans for _ in range(10)]
            self.assertTrue(all(f.result().get_preferred_allocation_available for f in fs))
        finally:
            for ch in chans:
                ch.close()

    def test_second_connection_localhost(self):
        with grpc.insecure_channel("unix:" + self.sock) as ch:
            pbg.DevicePluginStub(ch).GetDevicePluginOptions(pb.Empty(), timeout=5)


class Kubelet(pbg.RegistrationServicer):
    def __init__(self):
        self.requests = []

    def Register(self, request, context):
        self.requests.append(request)
        if "/" not in request.resource_name:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "resource name must be domain/name")
        if request.resource_name == "test.io/slow":
            time.sleep(1.0)
        return pb.Empty()


class Plugin(pbg.DevicePluginServicer):
    def __init__(self):
        self.cancelled = threading.Event()

    def GetDevicePluginOptions(self, request, context):
        return pb.DevicePluginOptions(get_preferred_allocation_available=True)

    def ListAndWatch(self, request, context):
        context.add_callback(self.cancelled.set)
        for n in range(1, 4):
            yield pb.ListAndWatchResponse(devices=[pb.Device(ID=i, health="Healthy") for i in IDS[:n]])
            time.sleep(0.02)
        while context.is_active():
            time.sleep(0.02)


class CClient(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="grpc-interop-")
        cls.kubelet = Kubelet()
        cls.plugin = Plugin()
        cls.server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
        pbg.add_RegistrationServicer_to_server(cls.kubelet, cls.server)
        pbg.add_DevicePluginServicer_to_server(cls.plugin, cls.server)
        cls.server.add_insecure_port("unix:" + os.path.join(cls.dir, "kubelet.sock"))
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop(None)
        shutil.rmtree(cls.dir)

    def peer(self, *args):
        p = subprocess.run([PEER, args[0], self.dir, "kubelet.sock"] + list(args[1:]), capture_output=True,
                           text=True, timeout=20)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout.splitlines()

    def test_register(self):
        out = self.peer("register", "plugin.sock", "nvidia.com/GA100_A100_PCIE_40GB")
        self.assertEqual(out[0].strip(), "status 0")
        r = self.kubelet.requests[-1]
        self.assertEqual((r.version, r.endpoint, r.resource_name), ("v1beta1", "plugin.sock",
                                                                    "nvidia.com/GA100_A100_PCIE_40GB"))
        self.assertTrue(r.options.get_preferred_allocation_available)

    def test_register_refused(self):
        out = self.peer("register", "plugin.sock", "noslash")
        self.assertEqual(out[0], "status 3 resource name must be domain/name")

    def test_register_deadline(self):
        out = self.peer("register", "plugin.sock", "test.io/slow", "200")
        self.assertTrue(out[0].startswith("status 4 "), out)

    def test_unary_options(self):
        out = self.peer("options")
        self.assertEqual(out, ["status 0 ", "preferred 1"])

    def test_unimplemented(self):
        out = self.peer("options", "5000", "/v1beta1.DevicePlugin/Nope")
        self.assertTrue(out[0].startswith("status 12"), out)

    def test_list_and_watch(self):
        self.plugin.cancelled.clear()
        out = self.peer("watch", "3")
        self.assertEqual(out[:3], ["list 1 0000:41:00.0:Healthy",
                                   "list 2 0000:41:00.0:Healthy 0000:42:00.0:Healthy",
                                   "list 3 0000:41:00.0:Healthy 0000:42:00.0:Healthy 0000:43:00.0:Healthy"])
        self.assertEqual(out[3], "cancelled")
        self.assertTrue(self.plugin.cancelled.wait(5), "the Python server did not see the cancel")


if __name__ == "__main__":
    unittest.main(verbosity=2)
