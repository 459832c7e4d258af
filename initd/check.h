/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The node assessment `check` prints and `apply` acts on: IOMMU, selected
 * devices, their groups, names, use, and one reason code per problem. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "fabric/fabric_node.h"
#include "node/bootfb.h"
#include "node/config.h"
#include "node/groups.h"
#include "node/iommu.h"
#include "node/naming.h"
#include "node/pcidev.h"
#include "node/vfio.h"

/* Reason codes (documented in initd/CHECK-JSON.md). */
enum reason {
	R_IOMMU_OFF,	      /* node: see iommu cause for the code */
	R_NO_DEVICES,	      /* node: nothing selected */
	R_SELECTOR_UNMATCHED, /* node: a "devices" item matched nothing */
	R_MODE_UNSUPPORTED,   /* node: vm-vgpu lands with its own issue */
	R_NO_MODULES,	      /* node: no lib/modules/<kver> for libkmod */
	R_NO_GROUP,	      /* device: no iommu_group link */
	R_GROUP_FOREIGN,      /* device: group holds a device that is not the GPU's */
	R_IN_USE,	      /* device: group node open or nvidia handle open */
	R_NO_NAME,	      /* device: no resource name */
	R_VFIO_MISSING,	      /* device: its VFIO driver module is not shipped */
	R_GROUP_TOO_BIG,
	R_VGPU_PLAN,	  /* node: the vm-vgpu plan cannot work (vgpu_err says why) */
	R_SRIOV,	  /* node: a "sriov-vfs" entry cannot be honoured (sriov_err) */
	R_NVIDIA_BUILD,	  /* node: vm-vgpu asks what this nvidia build cannot do (build_err) */
	R_FELL_OFF_BUS,	  /* device: config space reads all ones */
	R_LINK_DOWN,	  /* device: current_link_speed "Unknown" */
	R_BOOT_FB,	  /* device: a firmware framebuffer inside its BAR that apply may not release */
	R_AER_FATAL,	  /* device: aer_dev_fatal counted fatal errors (TOTAL_ERR_FATAL > 0) */
	R_MSI_UNISOLATED, /* node: MSIs not isolated (no IR / no GICv3 ITS): VFIO type1 refuses every group */
	R__MAX,
};
const char *reason_code(enum reason r);

enum dev_state {
	DEV_PENDING,   /* not acted on */
	DEV_DONE,      /* changed by this run */
	DEV_UNCHANGED, /* already as configured */
	DEV_REFUSED,   /* a reason forbade touching it */
	DEV_FAILED,    /* a step failed: step + err */
};
const char *dev_state_name(enum dev_state s);

struct dev_report {
	size_t idx;    /* into report.devs */
	int gpu_index; /* -1 if not an "all" GPU */
	bool target;   /* selected (false: a companion function) */
	char resource[128];
	enum name_source name_src;
	int group_err; /* <0: no usable group plan */
	struct group_plan grp;
	bool in_use;
	char in_use_by[64];
	bool group_probed, group_busy; /* dev/vfio/<group> probe, once per group */
	char vfio_module[64], vfio_driver[64];
	unsigned reasons;	/* bit per enum reason */
	bool variant_unclaimed; /* a Grace GPU the kernel's nvgrace module does not list (modules.alias) */
	struct bootfb fb;	/* a firmware framebuffer in its BARs (kind BOOTFB_NONE: none) */
	int fb_action;		/* enum bootfb_action */
	uint64_t aer_fatal;	/* R_AER_FATAL: the count */
	/* filled by apply */
	char prev_override[64]; /* driver_override before this run's bind (undone on an unsafe made group) */
	enum dev_state state;
	enum vfio_step step;
	int err;
};

struct report {
	enum mode mode;
	char kver[128];
	struct iommu_info iommu;
	enum iommu_cause cause;
	const char *fix;
	struct pcidevs devs;
	bool *selected;
	bool *allowed;	       /* "group-companions" matches */
	struct dev_report *dr; /* selected devices and their companions */
	size_t ndr;
	unsigned reasons;	/* node-level bits */
	int unmatched;		/* selector index, -1 */
	struct modules *mods;	/* NULL when lib/modules is missing */
	struct vgpu_node *vgpu; /* vm-vgpu: GPUs, plan, vGPUs (vgpu/vgpu_node.h) */
	char vgpu_err[256];
	unsigned sriov_pending; /* VFs "sriov-vfs" still has to enable */
	char sriov_err[256];
	int nv_build; /* enum nv_build (nvidia_build.h), vm-vgpu only */
	char build_err[256];
	/* vm-passthrough: the NVLink fabric (NULL elsewhere); its code is
	 * informational: single GPUs work without it */
	struct fabric_report *fabric;
};

/* vm-vgpu: (re)reads every GPU's vGPU path and offers and plans, into r
 * (after VFs were turned on, without reading every PCI function again).
 * 0, -EINVAL (the plan cannot work: R_VGPU_PLAN, r->vgpu_err), -errno. */
int check_vgpu(int rootfd, const struct config *c, struct report *r);

/* Reads everything check needs (read-only).  -errno only for failures that
 * make an assessment impossible (no sys/bus/pci); problems become reasons. */
int check_build(int rootfd, const char *rootdir, const struct config *c, struct report *ret);
void report_free(struct report *r);
/* True when the configured mode can be applied. */
bool report_ok(const struct report *r);
/* Whether device report d blocks the mode (its reasons that matter). */
bool dev_blocked(const struct report *r, const struct dev_report *d);
/* Whether the device is not yet as the mode wants it. */
bool dev_needs_action(const struct report *r, const struct dev_report *d);
