#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A simulated node with N H100 SXM5 GPUs already bound to vfio-pci (each in
its own IOMMU group, half per NUMA node), from h100-hgx-8x's kernel and
firmware: bench/plugin's 512-device node.  Usage: gen-fixture.py N OUT"""
import json
import sys

n, out = int(sys.argv[1]), sys.argv[2]
base = json.load(open("fixtures/h100-hgx-8x.json"))
fx = {k: base[k] for k in base if k != "devices"}
fx["name"] = "h100-vfio-%d" % n
fx["description"] = "%d H100 SXM5 on vfio-pci, one IOMMU group each (bench/plugin)" % n
fx["kernel"] = dict(base["kernel"], modules_loaded=base["kernel"].get("modules_loaded", []) + ["vfio_pci"])
devs = []
for i in range(n):
    bus, dev = 1 + i // 4, i % 4
    devs.append({"bdf": "0000:%02x:%02x.0" % (bus, dev), "id": "10de:2330", "subsystem": "10de:16c1",
                 "class": "0x030200", "revision": "0xa1", "numa_node": 0 if i < n // 2 else 1,
                 "iommu_group": 100 + i, "driver": "vfio-pci", "driver_override": "vfio-pci"})
fx["devices"] = devs
json.dump(fx, open(out, "w"), indent=1)
