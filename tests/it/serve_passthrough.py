#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""gpu-initd serve on h100-hgx-8x in passthrough mode, against the Python
grpcio kubelet: registration, the device list with NUMA, Allocate field by
field, refused IDs, preferred allocation, health from uevents, hot-add,
kubelet restarts, a late kubelet, SIGTERM.  Run by t-serve-passthrough.sh."""
import os
import re
import signal
import sys
import time

import grpc

from serve_kubelet import *

R = "nvidia.com/GH100_H100_SXM5_80GB"
ENV = "PCI_RESOURCE_NVIDIA_COM_GH100_H100_SXM5_80GB"
GPUS = ["0000:18:00.0", "0000:2a:00.0", "0000:3a:00.0", "0000:5d:00.0",
        "0000:9a:00.0", "0000:9b:00.0", "0000:ba:00.0", "0000:db:00.0"]
NUMA = {g: [0] if i < 4 else [1] for i, g in enumerate(GPUS)}
PAIR = ["0000:9a:00.0", "0000:9b:00.0"]  # one IOMMU group (28)
NVSWITCH = "0000:05:00.0"


def bind_all(gpus=GPUS):
    for g in gpus:
        bind_vfio(g)


def specs(c):
    return [(d.container_path, d.host_path, d.permissions) for d in c.devices]


def registration_and_allocate():
    bind_all()
    k = FakeKubelet()
    k.start()
    s = Serve(log="serve-passthrough-register")
    k.wait_resources([R])
    res = k.resources[R]
    if not res.options.get_preferred_allocation_available or res.options.pre_start_required:
        fail("options: %s" % res.options)
    lst = k.wait_list(R, lambda l: len(l) == 8)
    for g in GPUS:
        if lst[g] != ("Healthy", NUMA[g]):
            fail("%s: %s" % (g, lst[g]))
    st = os.stat(os.path.join(PLUGDIR, res.endpoint))
    if st.st_mode & 0o777 != 0o600:
        fail("socket mode %o" % (st.st_mode & 0o777))
    # one GPU: env, vfio container node, its group node; nothing else
    r = k.allocate(R, ["0000:2a:00.0"])
    if len(r.container_responses) != 1:
        fail("one container response")
    c = r.container_responses[0]
    if dict(c.envs) != {ENV: "0000:2a:00.0"}:
        fail("envs %s" % dict(c.envs))
    g = group_of("0000:2a:00.0")
    if specs(c) != [("/dev/vfio/vfio", "/dev/vfio/vfio", "mrw"), ("/dev/vfio/%d" % g, "/dev/vfio/%d" % g, "mrw")]:
        fail("device specs %s" % specs(c))
    if list(c.mounts) or dict(c.annotations) or list(c.cdi_devices):
        fail("no mounts, annotations or CDI devices expected")
    # the IOMMU-group pair together: one group node, both IDs in request order
    c = k.allocate(R, [PAIR[1], PAIR[0]]).container_responses[0]
    if dict(c.envs) != {ENV: PAIR[1] + "," + PAIR[0]}:
        fail("pair envs %s" % dict(c.envs))
    if specs(c) != [("/dev/vfio/vfio", "/dev/vfio/vfio", "mrw"), ("/dev/vfio/28", "/dev/vfio/28", "mrw")]:
        fail("pair specs %s" % specs(c))
    # several containers in one request: each gets only its own IDs
    req = pb.AllocateRequest(container_requests=[pb.ContainerAllocateRequest(devices_ids=["0000:18:00.0"]),
                                                 pb.ContainerAllocateRequest(devices_ids=["0000:ba:00.0", "0000:db:00.0"])])
    r = k.stub(R).Allocate(req, timeout=5)
    envs = [dict(x.envs) for x in r.container_responses]
    if envs != [{ENV: "0000:18:00.0"}, {ENV: "0000:ba:00.0,0000:db:00.0"}]:
        fail("per-container envs %s" % envs)
    # refused IDs: unknown, path-like, foreign (an NVSwitch on the node), split group, duplicate, empty
    for ids, want in [(["0000:ff:00.0"], '"0000:ff:00.0" is not a device of ' + R),
                      (["../../../../etc/passwd"], '"../../../../etc/passwd" is not a device'),
                      ([NVSWITCH], '"%s" is not a device' % NVSWITCH),
                      (["0000:18:00.0", "8e6f1c52-7d3a-4b7e-9c1d-2f3a4b5c6d01"], '"8e6f1c52-7d3a-4b7e-9c1d-2f3a4b5c6d01" is not'),
                      ([PAIR[0]], '"%s" shares IOMMU group 28 with "%s"' % (PAIR[0], PAIR[1])),
                      (["0000:18:00.0", "0000:18:00.0"], '"0000:18:00.0" is requested twice'),
                      ([""], '"" is not a device'),
                      (["x" * 5000], '"' + "x" * 64 + '..." is not a device'),
                      (["0000:18:00.0\n/dev/sda"], '"0000:18:00.0?/dev/sda" is not a device'),
                      ([], "no device IDs"),
                      (["0000:18:00.0"] * 100000, "100000 device IDs requested, %s has 8" % R)]:
        code, msg = k.allocate_error(R, ids)
        if code != grpc.StatusCode.INVALID_ARGUMENT or want not in msg:
            fail("Allocate %r: %s %r, want INVALID_ARGUMENT with %r" % (ids[:2], code, msg, want))
    # preferred allocation: one NUMA node, groups whole, must-include honoured
    p = k.preferred(R, GPUS, [], 4)
    if sorted(p) != GPUS[:4]:
        fail("preferred 4 of 8: %s" % p)
    p = k.preferred(R, GPUS, ["0000:db:00.0"], 3)
    if p[0] != "0000:db:00.0" or len(p) != 3 or any(NUMA[x] != [1] for x in p) or (PAIR[0] in p) != (PAIR[1] in p):
        fail("preferred with must-include db: %s" % p)
    p = k.preferred(R, GPUS, [PAIR[0]], 2)
    if sorted(p) != PAIR:
        fail("must-include one of a group brings its sibling: %s" % p)
    p = k.preferred(R, [PAIR[0], PAIR[1], "0000:ba:00.0"], [], 1)
    if p != ["0000:ba:00.0"]:
        fail("size 1 never splits a group: %s" % p)
    # any request shape: no crash, sane answers
    for avail, must, size in [([], [], 0), (GPUS, [], -7), (GPUS, [], 1000), (["nope", "", "x" * 3000], ["nope"], 2),
                              (GPUS + GPUS, GPUS[:1] * 3, 2), ([], GPUS, 3)]:
        p = k.preferred(R, avail, must, size)
        if len(p) > max(size, 0) or len(set(p)) != len(p):
            fail("preferred(%d avail, %d must, %d) = %s" % (len(avail), len(must), size, p))
    # a huge request (3 MB of IDs) is answered at once
    many = ["0000:%02x:%02x.%d" % (b, d, f) for b in range(256) for d in range(32) for f in range(8)][:200000]
    p = k.preferred(R, many + GPUS, many, 2**31 - 1)
    if sorted(p) != GPUS:
        fail("huge preferred request: %s" % p)
    r = k.stub(R).GetPreferredAllocation(pb.PreferredAllocationRequest(), timeout=5)
    if len(r.container_responses):
        fail("empty preferred request")
    k.stub(R).PreStartContainer(pb.PreStartContainerRequest(devices_ids=GPUS), timeout=5)
    # status and kubevirt-config agree with what is served
    import json

    def served():
        out = subprocess.run([GPU_INITD, "--root", ROOT, "status", "--json"], capture_output=True, text=True,
                             check=True).stdout
        j = json.loads(out)["serve"]
        sv = j["resources"][0] if j else None
        return sv if sv and sv["allocations"] >= 3 else None
    sv = wait_for(served, 5, "status.json to count the allocations")
    if sv["resource"] != R or not sv["registered"] or sv["allocatable"] != 8 or sv["streams"] != 1:
        fail("status --json: %s" % sv)
    out = subprocess.run([GPU_INITD, "--root", ROOT, "kubevirt-config"], capture_output=True, text=True, check=True).stdout
    want = ('permittedHostDevices:\n  pciHostDevices:\n  - pciVendorSelector: "10DE:2330"\n'
            '    resourceName: "nvidia.com/GH100_H100_SXM5_80GB"\n    externalResourceProvider: true\n'
            '  mediatedDevices: []\n')
    if out != want:
        fail("kubevirt-config:\n" + out)
    # SIGTERM: exit 0, socket removed, stream ended
    if s.stop() != 0:
        fail("serve exit status")
    if os.path.exists(os.path.join(PLUGDIR, res.endpoint)):
        fail("socket left behind")
    wait_for(lambda: res.stream_done is not None, 5, "the stream to end")
    k.stop()


def health_and_hotplug():
    bind_all(GPUS[1:])  # 18:00.0 stays on nvidia for now
    k = FakeKubelet()
    k.start()
    s = Serve(log="serve-passthrough-health")
    k.wait_resources([R])
    k.wait_list(R, lambda l: len(l) == 7 and "0000:18:00.0" not in l)
    # hot-add: bound later, appears without a restart (uevent)
    bind_vfio("0000:18:00.0")
    k.wait_list(R, lambda l: l.get("0000:18:00.0") == ("Healthy", [0]), what="hot-added 18:00.0")
    # surprise removal through .simfs/control: Unhealthy in the stream
    ctl("unplug 0000:ba:00.0")
    l = k.wait_list(R, lambda l: l["0000:ba:00.0"][0] == "Unhealthy", what="unplugged ba:00.0 unhealthy")
    if sum(h == "Healthy" for h, _ in l.values()) != 7:
        fail("only ba:00.0 unhealthy: %s" % l)
    def status_shows_gone():
        out = subprocess.run([GPU_INITD, "--root", ROOT, "status"], capture_output=True, text=True, check=True).stdout
        return out if re.search(r"0000:ba:00.0 +passthrough +%s +\(gone\) .* Unhealthy" % R, out) else None
    out = wait_for(status_shows_gone, 5, "status to show ba:00.0 gone")
    if not re.search(r"%s +yes +1 +8 +7 " % R, out):
        fail("status resource line:\n" + out)
    code, msg = k.allocate_error(R, ["0000:ba:00.0"])
    if code != grpc.StatusCode.INVALID_ARGUMENT or '"0000:ba:00.0" of %s is not healthy' % R not in msg:
        fail("unhealthy refused: %s %s" % (code, msg))
    # driver change: unbound from vfio-pci -> Unhealthy; bound again -> Healthy
    unbind("0000:db:00.0")
    k.wait_list(R, lambda l: l["0000:db:00.0"][0] == "Unhealthy", what="unbound db:00.0 unhealthy")
    bind_vfio("0000:db:00.0")
    k.wait_list(R, lambda l: l["0000:db:00.0"][0] == "Healthy", what="rebound db:00.0 healthy")
    if s.stop() != 0:
        fail("serve exit status")
    k.stop()


def kubelet_restarts():
    bind_all()
    k = FakeKubelet()
    k.start()
    s = Serve(log="serve-passthrough-restarts")
    k.wait_resources([R])
    for i in range(20):
        k.restart()
        k.wait_resources([R])
        k.wait_list(R, lambda l: len(l) == 8 and all(h == "Healthy" for h, _ in l.values()))
    time.sleep(1.5)  # let a stray duplicate show up, if any (not a timing assertion)
    if k.registrations != {R: 1}:
        fail("after 20 restarts: registrations %s" % k.registrations)
    if k.errors:
        fail("kubelet saw %s" % k.errors)
    k.allocate(R, ["0000:18:00.0"])
    # our socket removed behind our back (kubelet still there): served again, registered again
    os.unlink(os.path.join(PLUGDIR, k.resources[R].endpoint))
    wait_for(lambda: k.registrations.get(R) == 2, 10, "re-registration after our socket was removed")
    k.wait_list(R, lambda l: len(l) == 8)
    k.allocate(R, ["0000:18:00.0"])
    k.registrations[R] = 1
    # our own restart: the new process registers again with the same kubelet
    if s.stop() != 0:
        fail("serve exit status")
    s = Serve(log="serve-passthrough-restarts2")
    wait_for(lambda: k.registrations.get(R) == 2, 10, "re-registration after our restart")
    k.wait_list(R, lambda l: len(l) == 8)
    k.allocate(R, ["0000:18:00.0"])
    s.stop()
    k.stop()


def kubelet_late():
    bind_all()
    s = Serve(log="serve-passthrough-late")
    time.sleep(5)  # kubelet absent for 5 s: serve retries with backoff
    if s.proc.poll() is not None:
        fail("serve exited without kubelet")
    k = FakeKubelet()
    k.start()
    k.wait_resources([R])
    if k.registrations != {R: 1}:
        fail("late kubelet: %s" % k.registrations)
    s.stop()
    k.stop()


def rescan_without_uevents():
    """No uevents (simfs without --uevents): the periodic rescan (1 s here) finds hot-added and removed devices."""
    bind_all(GPUS[1:])
    k = FakeKubelet()
    k.start()
    s = Serve(log="serve-passthrough-rescan")
    k.wait_resources([R])
    k.wait_list(R, lambda l: len(l) == 7)
    bind_vfio("0000:18:00.0")
    k.wait_list(R, lambda l: l.get("0000:18:00.0") == ("Healthy", [0]), what="hot-added 18:00.0 by rescan")
    ctl("unplug 0000:ba:00.0")
    k.wait_list(R, lambda l: l["0000:ba:00.0"][0] == "Unhealthy", what="unplugged ba:00.0 by rescan")
    if s.stop() != 0:
        fail("serve exit status")
    k.stop()


if __name__ == "__main__":
    main({"registration_and_allocate": registration_and_allocate, "health_and_hotplug": health_and_hotplug,
          "kubelet_restarts": kubelet_restarts, "kubelet_late": kubelet_late,
          "rescan_without_uevents": rescan_without_uevents})
