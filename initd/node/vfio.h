/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Moving PCI functions between drivers under the root: to a VFIO driver
 * (override, unbind, probe, verify, wait for the group node) and back to
 * the default driver; the "in use" tests that guard every unbind. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

/* Steps, for "device X failed at STEP: errno". */
enum vfio_step {
	STEP_NONE,
	STEP_IN_USE,
	STEP_UNBIND_LOCK,
	STEP_SRIOV,
	STEP_OVERRIDE,
	STEP_UNBIND,
	STEP_PROBE,
	STEP_VERIFY,
	STEP_GROUP_NODE,
	STEP_MODULES,
	STEP_BOOTFB, /* the firmware framebuffer's driver did not let go (bootfb_release) */
};
const char *vfio_step_name(enum vfio_step s);

struct vfio_result {
	enum vfio_step step; /* where it failed (STEP_NONE: success) */
	int err;	     /* -errno */
	int writes;	     /* sysfs writes made */
};

/* 1 if dev/vfio/<group> is held open by someone (EBUSY), 0 if not or if
 * there is no node, -errno otherwise. */
int vfio_group_in_use(int rootfd, int group);
/* The same for the group of a device directory (sysdev: "sys/bus/pci/
 * devices/<bdf>", "sys/bus/mdev/devices/<uuid>"); *group is set when it
 * has one.  0 also when it has no group. */
int vfio_dev_in_use(int rootfd, const char *sysdev, int *group);
/* Pure: does sriov_numvfs (read result r, text v) ask for disabling? */
bool sriov_needs_disable(int r, const char *v);
/* Disables the PF's VFs if enabled; -EBUSY if a VF's group is open. */
int sriov_disable_vfs(int rootfd, const char *bdf, int *writes);
/* Binds bdf to `driver` (a VFIO driver), waiting at most timeout_ms for
 * each blocking step and for dev/vfio/<group>.  Writes nothing for what
 * is already in place.  *group < 0: the kernel makes the group at the
 * bind (iommu_groups_at_probe): read after it into *group; none then is
 * -ENODEV at step group-node. */
int vfio_bind(int rootfd, const char *bdf, const char *driver, int *group, int timeout_ms,
	      struct vfio_result *res);
/* Undoes a bind of this run: driver_override back to `override` ("" for
 * none) and an unbind from the VFIO driver; no re-probe (the device had
 * no driver before: that is what apply_groups.c undoes). */
int vfio_unbind_to(int rootfd, const char *bdf, const char *override, int timeout_ms,
		   struct vfio_result *res);
/* Gives bdf back to its default driver: clear driver_override, unbind
 * from the VFIO driver, re-probe.  ret_driver: the driver it ended on. */
int vfio_release(int rootfd, const char *bdf, int timeout_ms, char *ret_driver, size_t size,
		 struct vfio_result *res);
bool driver_is_vfio(const char *driver);
