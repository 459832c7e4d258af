// SPDX-License-Identifier: GPL-2.0-or-later
/* Extended GPU Memory (EGM) on NVIDIA Grace hosts: one char device per EGM
 * region (one region per socket; the GPUs of that socket share it), named
 * after the region's proximity domain.  What the nvgrace-gpu EGM code
 * shows (drivers/vfio/pci/nvgrace-gpu/egm.c, the patch series of 2025;
 * mainline status unverified):
 *  - class "egm" (class_create(NVGRACE_EGM_DEV_NAME)), device "egm<pxm>"
 *    with minor = pxm (setup_egm_chardev), node /dev/egm<pxm> mode 0600
 *    (egm_devnode);
 *  - attribute egm_size, the region's length as "0x%lx\n" (egm_size_show);
 *  - the region's GPUs: attribute gpu_devices, one "%04x:%02x:%02x.%x" per
 *    line (gpu_devices_show, the version NVIDIA's kubevirt-gpu-device-plugin
 *    reads in discoverEGMDevicesFunc), and links named by BDF (add_gpu,
 *    sysfs_create_link, in the later version).
 * Fixture key "egm": [{"pxm": 4, "size": "0x...", "gpus": ["0008:01:00.0"]}].
 * The char device's major is unverified (dynamic: alloc_chrdev_region). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "model.h"

#define EGM_MAJOR 508 /* dynamic in the kernel; any unused number */

int egm_add(struct model *m, int pxm, const char *size, const char *const *gpus, size_t n)
{
	char path[96], name[16], list[512] = "";
	size_t o = 0;
	snprintf(name, sizeof(name), "egm%d", pxm);
	snprintf(path, sizeof(path), "sys/devices/virtual/egm/%s", name);
	if (tree_lookup(m->root, path))
		return -EEXIST;
	for (size_t i = 0; i < n; i++) {
		if (!model_find_dev(m, gpus[i]))
			return -ENOENT;
		if (o + strlen(gpus[i]) + 2 > sizeof(list))
			return -E2BIG;
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s\n", gpus[i]);
	}
	struct node *dir = tree_mkdir_p(m->root, path);
	struct node *cls = tree_mkdir_p(m->root, "sys/class/egm");
	if (!dir || !cls || !model_add_text(dir, "dev", 0444, "%d:%d\n", EGM_MAJOR, pxm) ||
	    !model_add_text(dir, "egm_size", 0444, "%s\n", size) ||
	    !model_add_text(dir, "gpu_devices", 0444, "%s", list) ||
	    !model_add_text(dir, "uevent", 0644, "MAJOR=%d\nMINOR=%d\nDEVNAME=%s\n", EGM_MAJOR, pxm, name) ||
	    !tree_add_rel_link(dir, "subsystem", cls) || !tree_add_rel_link(cls, name, dir) ||
	    !tree_add_data(m->dev, name, 0600, "", 0))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (!tree_add_rel_link(dir, gpus[i], model_find_dev(m, gpus[i])->dir))
			return -ENOMEM;
	return 0;
}
