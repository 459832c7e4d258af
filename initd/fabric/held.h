/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which VFIO nodes a process holds open, read without opening them: a VM
 * (QEMU) keeps its GPUs' group nodes /dev/vfio/<group> (or, with iommufd,
 * the devices' /dev/vfio/devices/vfioN) open while it runs.  The same
 * fact node/vfio.c's vfio_group_in_use() tests by opening the node (EBUSY:
 * a VFIO group has one opener); serve polls, and a poll that opened the
 * node could make a VM's own open fail with EBUSY at that instant, so it
 * reads proc/<pid>/fd links instead. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

/* held[i] = some process under proc/ has a file open whose path ends in
 * nodes[i] ("/dev/vfio/12", "/dev/vfio/devices/vfio3").  0 or -errno. */
int fabric_nodes_held(int rootfd, const char *const *nodes, size_t n, bool *held);
/* NVSwitch PCI functions under sys/bus/pci/devices (fabric_node.h's IDs). */
unsigned fabric_switches_present(int rootfd);
