/* SPDX-License-Identifier: GPL-2.0-or-later */
/* apply: converge the node to the configured mode.  Nothing the
 * assessment refuses is touched; every unbind is guarded by the in-use
 * tests. */
#pragma once

#include "node/apply_stats.h"

struct config;
struct report;

/* The whole apply, in its order: run/gpu-initd/ready removed, the node
 * assessed (check_build), then for vm-vgpu: GPUs on VFIO given back to
 * their driver, VFs prepared, vfio loaded, vGPUs converged; for the other
 * modes: managed vGPUs removed, "sriov-vfs" VFs made, SR-IOV turned off
 * where passthrough needs it, the node read again, then apply_groups.
 * The outcome is logged once, status.json written (ready when all is as
 * configured).  rootdir names the root in messages; st gets the counts.
 * 0 all as configured; 1 not (or the node has no sys/bus/pci); -errno on
 * an internal error (logged). */
int apply_node(int rootfd, const char *rootdir, const struct config *c, int timeout_ms,
	       struct apply_stats *st);

/* Passthrough and container mode on an assessed node, group by group.
 * 0 when every device is as configured, 1 when some are not (their
 * dev_report says why), -errno on an internal error. */
int apply_groups(int rootfd, struct report *r, int timeout_ms, struct apply_stats *st);
