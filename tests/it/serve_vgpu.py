#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""gpu-initd serve with vGPUs: H100 VF vGPUs (vendor VFIO) next to
passthrough GPUs on h100-hgx-8x, mdevs on a100-pcie-8x (on VFs) and
t4-4x (on PFs), aliases.  Run by t-serve-vgpu.sh."""
import json
import os
import sys
import time

import grpc

from serve_kubelet import *

PT = "nvidia.com/GH100_H100_SXM5_80GB"
VG = "nvidia.com/NVIDIA_H100XM-10C"
VG20 = "nvidia.com/NVIDIA_H100XM-20C"
U = "8e6f1c52-7d3a-4b7e-9c1d-2f3a4b5c6%03x"


def specs(c):
    return [(d.container_path, d.host_path, d.permissions) for d in c.devices]


def h100_mixed():
    """GPU 18:00.0 hosts 4 x H100XM-10C on VFs, 2a:00.0 2 x 20C, the six others are passthrough."""
    vfs = h100_vgpus("0000:18:00.0", 4, 1013)
    vfs20 = h100_vgpus("0000:2a:00.0", 2, 1014)
    for g in ["0000:3a:00.0", "0000:5d:00.0", "0000:9a:00.0", "0000:9b:00.0", "0000:ba:00.0", "0000:db:00.0"]:
        bind_vfio(g)
    k = FakeKubelet()
    k.start()
    s = Serve(log="serve-vgpu-h100")
    k.wait_resources([PT, VG, VG20])
    l = k.wait_list(VG, lambda l: len(l) == 4)
    if sorted(l) != sorted(vfs) or any(v != ("Healthy", [0]) for v in l.values()):
        fail("VF vGPU list %s" % l)
    if sorted(k.wait_list(VG20, lambda l: len(l) == 2)) != sorted(vfs20):
        fail("20C list")
    if len(k.wait_list(PT, lambda l: len(l) == 6)) != 6:
        fail("passthrough list")
    c = k.allocate(VG, [vfs[1], vfs[0]]).container_responses[0]
    if dict(c.envs) != {"PCI_RESOURCE_NVIDIA_COM_NVIDIA_H100XM-10C": vfs[1] + "," + vfs[0]}:
        fail("VF envs %s" % dict(c.envs))
    g0, g1 = group_of(vfs[0]), group_of(vfs[1])
    if specs(c) != [("/dev/vfio/vfio", "/dev/vfio/vfio", "mrw"), ("/dev/vfio/%d" % g1, "/dev/vfio/%d" % g1, "mrw"),
                    ("/dev/vfio/%d" % g0, "/dev/vfio/%d" % g0, "mrw")]:
        fail("VF specs %s" % specs(c))
    # a passthrough ID is foreign to the vGPU resource, and the other way round
    code, msg = k.allocate_error(VG, ["0000:3a:00.0"])
    if code != grpc.StatusCode.INVALID_ARGUMENT or '"0000:3a:00.0" is not a device of ' + VG not in msg:
        fail("foreign ID: %s %s" % (code, msg))
    code, msg = k.allocate_error(PT, [vfs[0]])
    if code != grpc.StatusCode.INVALID_ARGUMENT or '"%s" is not a device of %s' % (vfs[0], PT) not in msg:
        fail("foreign VF: %s %s" % (code, msg))
    # vGPU deleted -> Unhealthy; created again -> Healthy
    write(sysp("bus/pci/devices/%s/nvidia/current_vgpu_type" % vfs[3]), "0")
    k.wait_list(VG, lambda l: l[vfs[3]][0] == "Unhealthy", what="deleted vGPU unhealthy")
    # the VF is still a VFIO device (nvidia-vgpu-vfio registers it at bind): its
    # group node stays, and must not make it healthy
    if not os.path.exists(os.path.join(ROOT, "dev/vfio/%d" % group_of(vfs[3]))):
        fail("the VF's group node went with its vGPU")
    write(sysp("bus/pci/devices/%s/nvidia/current_vgpu_type" % vfs[3]), "1013")
    k.wait_list(VG, lambda l: l[vfs[3]][0] == "Healthy", what="re-created vGPU healthy")
    # kubelet restarts with three resources: each registered once per kubelet
    for i in range(20):
        k.restart()
        k.wait_resources([PT, VG, VG20])
    time.sleep(1.5)  # a stray duplicate would show up here (not a timing assertion)
    if k.registrations != {PT: 1, VG: 1, VG20: 1}:
        fail("after 20 restarts: %s" % k.registrations)
    out = subprocess.run([GPU_INITD, "--root", ROOT, "kubevirt-config"], capture_output=True, text=True, check=True).stdout
    for r in (PT, VG, VG20):
        if 'resourceName: "%s"' % r not in out:
            fail("kubevirt-config lacks %s:\n%s" % (r, out))
    if s.stop() != 0:
        fail("serve exit")
    k.stop()


def a100_mdev():
    """mdevs on A100 VFs: 4 x A100-10C on GPU 17, 2 x A100-20C on GPU 31, 1 x A100-40C on GPU 98."""
    ten = [mdev_create("0000:17:00.%d" % (4 + i), "nvidia-471", U % i) for i in range(4)]
    twenty = [mdev_create("0000:31:00.%d" % (4 + i), "nvidia-472", U % (0x10 + i)) for i in range(2)]
    forty = [mdev_create("0000:98:00.4", "nvidia-473", U % 0x20)]
    k = FakeKubelet()
    k.start()
    s = Serve(log="serve-vgpu-a100")
    names = {"nvidia.com/NVIDIA_A100-10C": ten, "nvidia.com/NVIDIA_A100-20C": twenty, "nvidia.com/NVIDIA_A100-40C": forty}
    k.wait_resources(list(names))
    for r, ids in names.items():
        l = k.wait_list(r, lambda l: len(l) == len(ids))
        if sorted(l) != sorted(ids) or any(h != "Healthy" for h, _ in l.values()):
            fail("%s: %s" % (r, l))
    if k.resources["nvidia.com/NVIDIA_A100-40C"].latest()[forty[0]][1] != [1]:
        fail("mdev NUMA from its parent")
    r = "nvidia.com/NVIDIA_A100-10C"
    c = k.allocate(r, [ten[2]]).container_responses[0]
    g = group_of(ten[2], mdev=True)
    if dict(c.envs) != {"MDEV_PCI_RESOURCE_NVIDIA_COM_NVIDIA_A100-10C": ten[2]}:
        fail("mdev envs %s" % dict(c.envs))
    if specs(c) != [("/dev/vfio/vfio", "/dev/vfio/vfio", "mrw"), ("/dev/vfio/%d" % g, "/dev/vfio/%d" % g, "mrw")]:
        fail("mdev specs %s" % specs(c))
    code, msg = k.allocate_error(r, [twenty[0]])
    if code != grpc.StatusCode.INVALID_ARGUMENT or twenty[0] not in msg:
        fail("foreign mdev %s %s" % (code, msg))
    code, msg = k.allocate_error(r, [ten[0].upper()])
    if code != grpc.StatusCode.INVALID_ARGUMENT:
        fail("upper-case UUID is another ID")
    # removed -> Unhealthy; a new mdev appears without a restart
    write(sysp("bus/mdev/devices/%s/remove" % ten[3]), "1")
    k.wait_list(r, lambda l: l[ten[3]][0] == "Unhealthy", what="removed mdev unhealthy")
    new = mdev_create("0000:17:01.0", "nvidia-471", U % 0x30)
    k.wait_list(r, lambda l: l.get(new, ("",))[0] == "Healthy", what="new mdev listed")
    out = subprocess.run([GPU_INITD, "--root", ROOT, "kubevirt-config"], capture_output=True, text=True, check=True).stdout
    want = ('permittedHostDevices:\n  pciHostDevices: []\n  mediatedDevices:\n'
            '  - mdevNameSelector: "NVIDIA A100-10C"\n    resourceName: "nvidia.com/NVIDIA_A100-10C"\n    externalResourceProvider: true\n'
            '  - mdevNameSelector: "NVIDIA A100-20C"\n    resourceName: "nvidia.com/NVIDIA_A100-20C"\n    externalResourceProvider: true\n'
            '  - mdevNameSelector: "NVIDIA A100-40C"\n    resourceName: "nvidia.com/NVIDIA_A100-40C"\n    externalResourceProvider: true\n')
    if out != want:
        fail("kubevirt-config:\n" + out)
    if s.stop() != 0:
        fail("serve exit")
    k.stop()


def t4_mdev_alias():
    """mdevs on T4 PFs (GRID names); an alias config puts everything under nvidia.com/gpu."""
    a = [mdev_create("0000:3b:00.0", "nvidia-232", U % i) for i in range(2)]
    b = [mdev_create("0000:af:00.0", "nvidia-319", U % 0x10)]
    k = FakeKubelet()
    k.start()
    s = Serve(log="serve-vgpu-t4")
    k.wait_resources(["nvidia.com/GRID_T4-4Q", "nvidia.com/GRID_T4-4C"])
    s.stop()
    k.stop()
    os.makedirs(os.path.join(ROOT, "etc/gpu-initd"), exist_ok=True)
    write(os.path.join(ROOT, "etc/gpu-initd/config.json"), '{"mode": "vm-vgpu", "resource-names": {"*": "nvidia.com/gpu"}}')
    k = FakeKubelet()
    k.start()
    s = Serve(log="serve-vgpu-t4-alias")
    k.wait_resources(["nvidia.com/gpu"])
    if sorted(k.wait_list("nvidia.com/gpu", lambda l: len(l) == 3)) != sorted(a + b):
        fail("alias list")
    c = k.allocate("nvidia.com/gpu", [b[0], a[0]]).container_responses[0]
    if dict(c.envs) != {"MDEV_PCI_RESOURCE_NVIDIA_COM_GPU": b[0] + "," + a[0]}:
        fail("alias envs %s" % dict(c.envs))
    s.stop()
    k.stop()
    # container mode: nothing to advertise, exit 0
    write(os.path.join(ROOT, "etc/gpu-initd/config.json"), '{"mode": "container"}')
    r = subprocess.run([GPU_INITD, "--root", ROOT, "serve"], capture_output=True, text=True, timeout=10)
    if r.returncode != 0 or "nothing to advertise" not in r.stderr:
        fail("container mode: %d %s" % (r.returncode, r.stderr))


if __name__ == "__main__":
    main({"h100_mixed": h100_mixed, "a100_mdev": a100_mdev, "t4_mdev_alias": t4_mdev_alias})
