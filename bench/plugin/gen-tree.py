#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A plain-directory node root (no FUSE) with N H100s on vfio-pci, each in
its own IOMMU group, laid out as sysfs is: bench/plugin measures serve's own
Allocate cost on it, without simfs's FUSE round trips.  DEVICE (hex,
default 2330: H100 SXM5) makes them another NVIDIA part.  Usage:
gen-tree.py N ROOT [DEVICE]"""
import os
import sys

n, root = int(sys.argv[1]), sys.argv[2]
device = sys.argv[3] if len(sys.argv) > 3 else "2330"


def put(path, text):
    p = os.path.join(root, path)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "w") as f:
        f.write(text)


def link(target, path):
    p = os.path.join(root, path)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    os.symlink(target, p)


os.makedirs(os.path.join(root, "sys/bus/pci/drivers/vfio-pci"), exist_ok=True)
os.makedirs(os.path.join(root, "var/lib/kubelet/device-plugins"), exist_ok=True)
os.makedirs(os.path.join(root, "run"), exist_ok=True)
put("dev/vfio/vfio", "")
for i in range(n):
    bdf = "0000:%02x:%02x.0" % (1 + i // 4, i % 4)
    d = "sys/devices/pci0000:00/0000:00:%02x.0/%s" % (1 + i // 4, bdf)
    for attr, v in (("vendor", "0x10de"), ("device", "0x" + device), ("class", "0x030200"),
                    ("numa_node", "0" if i < n // 2 else "1")):
        put(d + "/" + attr, v + "\n")
    link("../../../../bus/pci/drivers/vfio-pci", d + "/driver")
    link("../../../../kernel/iommu_groups/%d" % (100 + i), d + "/iommu_group")
    link("../../../" + d[len("sys/"):], "sys/bus/pci/devices/" + bdf)
    put("dev/vfio/%d" % (100 + i), "")
