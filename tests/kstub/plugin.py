# SPDX-License-Identifier: GPL-2.0-or-later
"""A small device plugin on Debian's python3-grpcio, the peer kubelet-stub
is tested against (so the stub meets a real gRPC implementation, not only
our C layer).  Tests drive it directly: set device health, break streams,
restart on a new socket, register again.

Allocate answers as KubeVirt expects (docs/design.md section 5): the env
PCI_RESOURCE_<NAME> or MDEV_PCI_RESOURCE_<NAME> with the allocated IDs,
DeviceSpecs /dev/vfio/vfio and /dev/vfio/<group> read from ROOT/sys.
"""
import os
import queue
import threading
from concurrent import futures

import grpc

import deviceplugin_pb2 as pb
import deviceplugin_pb2_grpc as pbg


def env_name(prefix, resource):
    return prefix + "_" + resource.upper().replace("/", "_").replace(".", "_")


class Plugin(pbg.DevicePluginServicer):
    def __init__(self, root, resource, ids, socket="test.sock", kind="pci", preferred=False,
                 options_error=None, law_error_after=None, version="v1beta1", on_allocate=None,
                 prestart=False, options_gate=None):
        self.root = root
        self.dir = os.path.join(root, "var/lib/kubelet/device-plugins")
        self.resource = resource
        self.health = {i: "Healthy" for i in ids}
        self.order = list(ids)
        self.socket = socket
        self.kind = kind
        self.preferred = preferred
        self.options_error = options_error      # a grpc.StatusCode to fail GetDevicePluginOptions
        self.law_error_after = law_error_after  # end ListAndWatch with an error after N lists
        self.version = version
        self.on_allocate = on_allocate          # a hook run inside Allocate (hot-unplug)
        self.prestart = prestart                # pre_start_required
        self.options_gate = options_gate        # a threading.Event GetDevicePluginOptions waits for
        self.prestart_calls = []
        self.lock = threading.Lock()
        self.watchers = []                      # one queue per ListAndWatch stream
        self.law_calls = 0
        self.allocations = []
        self.preferred_calls = []
        self.server = None

    # --- life cycle ---------------------------------------------------------
    def start(self, socket=None):
        if socket:
            self.socket = socket
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
        pbg.add_DevicePluginServicer_to_server(self, self.server)
        self.server.add_insecure_port("unix:" + os.path.join(self.dir, self.socket))
        self.server.start()
        return self

    def stop(self):
        self.break_streams()
        if self.server:
            self.server.stop(0).wait()
            self.server = None
        try:
            os.unlink(os.path.join(self.dir, self.socket))
        except FileNotFoundError:
            pass

    def register(self, resource=None, endpoint=None, version=None):
        """Register with kubelet.sock; returns None or the RpcError."""
        with grpc.insecure_channel("unix:" + os.path.join(self.dir, "kubelet.sock")) as ch:
            stub = pbg.RegistrationStub(ch)
            req = pb.RegisterRequest(version=version or self.version, endpoint=endpoint or self.socket,
                                     resource_name=resource or self.resource,
                                     options=self._options())
            try:
                stub.Register(req, timeout=15)
                return None
            except grpc.RpcError as e:
                return e

    # --- test controls --------------------------------------------------------
    def set_health(self, dev_id, health):
        with self.lock:
            self.health[dev_id] = health
            self._push()

    def break_streams(self):
        """Every open ListAndWatch ends with an error (the plugin crashed)."""
        with self.lock:
            for q in self.watchers:
                q.put(None)
            self.watchers = []

    def _devices(self):
        return [pb.Device(ID=i, health=self.health[i]) for i in self.order]

    def _push(self):
        for q in self.watchers:
            q.put(self._devices())

    # --- the DevicePlugin service -------------------------------------------------
    def _options(self):
        return pb.DevicePluginOptions(get_preferred_allocation_available=self.preferred,
                                      pre_start_required=self.prestart)

    def GetDevicePluginOptions(self, request, context):
        if self.options_gate:
            self.options_gate.wait(30)
        if self.options_error:
            context.abort(self.options_error, "options refused by the test plugin")
        return self._options()

    def PreStartContainer(self, request, context):
        self.prestart_calls.append(list(request.devices_ids))
        return pb.PreStartContainerResponse()

    def ListAndWatch(self, request, context):
        q = queue.Queue()
        with self.lock:
            self.law_calls += 1
            self.watchers.append(q)
            q.put(self._devices())
        sent = 0
        while context.is_active():
            try:
                item = q.get(timeout=0.1)
            except queue.Empty:
                continue
            if item is None:
                context.abort(grpc.StatusCode.UNAVAILABLE, "test plugin broke the stream")
            if self.law_error_after is not None and sent >= self.law_error_after:
                context.abort(grpc.StatusCode.INTERNAL, "test plugin fails ListAndWatch")
            yield pb.ListAndWatchResponse(devices=item)
            sent += 1

    def GetPreferredAllocation(self, request, context):
        resp = pb.PreferredAllocationResponse()
        for c in request.container_requests:
            self.preferred_calls.append(list(c.available_deviceIDs))
            # prefer from the end of the list: a choice kubelet must follow
            ids = list(reversed(c.available_deviceIDs))[: c.allocation_size]
            resp.container_responses.append(pb.ContainerPreferredAllocationResponse(deviceIDs=ids))
        return resp

    def _group(self, dev_id):
        base = "sys/bus/mdev/devices" if self.kind == "mdev" else "sys/bus/pci/devices"
        link = os.path.join(self.root, base, dev_id, "iommu_group")
        return os.path.basename(os.readlink(link)) if os.path.islink(link) else None

    def Allocate(self, request, context):
        resp = pb.AllocateResponse()
        for c in request.container_requests:
            for i in c.devices_ids:
                if self.health.get(i) != "Healthy":
                    context.abort(grpc.StatusCode.INVALID_ARGUMENT, "device %s is unknown or unhealthy" % i)
            self.allocations.append(list(c.devices_ids))
            specs = [pb.DeviceSpec(container_path="/dev/vfio/vfio", host_path="/dev/vfio/vfio", permissions="mrw")]
            for i in c.devices_ids:
                g = self._group(i)
                if g:
                    p = "/dev/vfio/" + g
                    specs.append(pb.DeviceSpec(container_path=p, host_path=p, permissions="mrw"))
            prefix = "MDEV_PCI_RESOURCE" if self.kind == "mdev" else "PCI_RESOURCE"
            cr = pb.ContainerAllocateResponse(devices=specs)
            cr.envs[env_name(prefix, self.resource)] = ",".join(c.devices_ids)
            resp.container_responses.append(cr)
        if self.on_allocate:
            self.on_allocate(request)
        return resp
