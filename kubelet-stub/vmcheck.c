// SPDX-License-Identifier: GPL-2.0-or-later
/* What KubeVirt's virt-launcher does with a device-plugin allocation for a
 * hostDevice/gpu: read PCI_RESOURCE_<NAME> (passthrough, VF vGPU) or
 * MDEV_PCI_RESOURCE_<NAME> (mdev vGPU), split the value on ',', and hand
 * each PCI address or mdev UUID to libvirt as a <hostdev>.  Here every
 * entry is also checked against the node under --root, so a broken
 * allocation fails with the reason instead of a VM that cannot start. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "kstub.h"
#include "pciaddr.h"
#include "rootfs.h"
#include "uuid.h"

static int fail(char *why, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, size, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* True if the DeviceSpecs (response.devices) hold host_path. */
static bool has_devspec(const struct json_doc *d, int devs, const char *host_path)
{
	json_for_each (d, devs, c, n) {
		int hp = json_obj_get(d, c, "host_path");
		if (hp >= 0 && json_eq(d, hp, host_path))
			return true;
	}
	return false;
}

static bool allocated(const struct json_doc *d, int ids, const char *id)
{
	json_for_each (d, ids, c, n) {
		if (json_eq(d, c, id))
			return true;
	}
	return false;
}

/* The VFIO group of sysfs device dir, checked against the DeviceSpecs and
 * the node's /dev. */
static int check_group(int rootfd, const struct json_doc *d, int devs, const char *dir, const char *id,
		       char *why, size_t size)
{
	char path[512], group[64], node[300];
	snprintf(path, sizeof(path), "%s/iommu_group", dir);
	if (rootfs_link_basename(rootfd, path, group, sizeof(group)) < 0)
		return fail(why, size, "%s has no IOMMU group (%s/iommu_group)", id, dir);
	snprintf(node, sizeof(node), "/dev/vfio/%s", group);
	if (!has_devspec(d, devs, node))
		return fail(why, size, "%s is in VFIO group %s but the allocation's DeviceSpecs lack %s", id,
			    group, node);
	if (rootfs_exists(rootfd, node) != 1)
		return fail(why, size, "%s: %s does not exist on the node", id, node);
	/* iommufd: the device's own cdev, /dev/vfio/devices/vfioN */
	if (rootfs_exists(rootfd, "dev/iommu") != 1)
		return 0;
	snprintf(path, sizeof(path), "%s/vfio-dev", dir);
	DIR *vd = rootfs_opendir(rootfd, path);
	if (!vd)
		return 0; /* no cdev for this device: the group is how it is opened */
	struct dirent *de;
	int r = 0;
	while (r == 0 && (de = readdir(vd))) {
		if (strncmp(de->d_name, "vfio", 4) != 0)
			continue;
		snprintf(node, sizeof(node), "/dev/vfio/devices/%s", de->d_name);
		if (!has_devspec(d, devs, node))
			r = fail(why, size,
				 "%s: the node has iommufd but the allocation's DeviceSpecs lack %s", id,
				 node);
		else if (rootfs_exists(rootfd, node) != 1)
			r = fail(why, size, "%s: %s does not exist on the node", id, node);
	}
	closedir(vd);
	return r;
}

/* The kernel's VFIO PCI variant drivers (vfio-pci-core users such as
 * nvgrace_gpu_vfio_pci, mlx5_vfio_pci, hisi_acc_vfio_pci, virtio_vfio_pci)
 * register under their module name, which ends in "_vfio_pci"
 * (drivers/vfio/pci/<x>/Makefile, KBUILD_MODNAME as pci_driver.name);
 * QEMU's vfio-pci device opens their group like vfio-pci's
 * (hw/vfio/pci.c does not look at the host driver).  libvirt's acceptance of
 * a variant driver for <hostdev managed='no'>: unverified. */
static bool vfio_variant(const char *driver)
{
	size_t n = strlen(driver), k = strlen("_vfio_pci");
	return n > k && strcmp(driver + n - k, "_vfio_pci") == 0;
}

static int check_pci(int rootfd, const struct json_doc *d, int devs, const char *bdf, char *why, size_t size)
{
	char dir[128], path[256], driver[64] = "", vgpu[32] = "";
	snprintf(dir, sizeof(dir), "sys/bus/pci/devices/%s", bdf);
	int e = rootfs_exists(rootfd, dir);
	if (e < 0)
		return fail(why, size, "cannot look up PCI device %s: %s", bdf, strerror(-e));
	if (e == 0)
		return fail(why, size, "PCI device %s does not exist (hot-unplugged?)", bdf);
	snprintf(path, sizeof(path), "%s/driver", dir);
	rootfs_link_basename(rootfd, path, driver, sizeof(driver));
	if (strcmp(driver, "vfio-pci") != 0 && !vfio_variant(driver)) {
		/* NVIDIA's vendor VFIO (Hopper and later): a VF with a vGPU type.
		 * Its group node exists from the bind, type or not, but without
		 * one nvidia's open_device fails (nv_vfio_pci_open_device():
		 * ENODEV), so the type is what makes it usable. */
		snprintf(path, sizeof(path), "%s/nvidia/current_vgpu_type", dir);
		char physfn[256];
		snprintf(physfn, sizeof(physfn), "%s/physfn", dir);
		bool vf = rootfs_exists(rootfd, physfn) == 1;
		if (!vf || rootfs_read_attr(rootfd, path, vgpu, sizeof(vgpu)) < 0 || strcmp(vgpu, "0") == 0)
			return fail(
			    why, size,
			    "PCI device %s is bound to %s, not vfio-pci, and is no VF with a vGPU type%s",
			    bdf, *driver ? driver : "no driver",
			    vf && strcmp(vgpu, "0") == 0 ? " (current_vgpu_type 0: a VM could not open it)"
							 : "");
	}
	return check_group(rootfd, d, devs, dir, bdf, why, size);
}

static int check_mdev(int rootfd, const struct json_doc *d, int devs, const char *uuid, char *why,
		      size_t size)
{
	char dir[128];
	snprintf(dir, sizeof(dir), "sys/bus/mdev/devices/%s", uuid);
	int e = rootfs_exists(rootfd, dir);
	if (e < 0)
		return fail(why, size, "cannot look up mdev %s: %s", uuid, strerror(-e));
	if (e == 0)
		return fail(why, size, "mdev %s does not exist (removed, or its parent unplugged?)", uuid);
	return check_group(rootfd, d, devs, dir, uuid, why, size);
}

int kstub_vm_check(int rootfd, const char *alloc_json, size_t len, char *why, size_t why_size)
{
	struct json_doc d;
	if (json_parse(&d, alloc_json, len) < 0)
		return fail(why, why_size, "the allocation is not JSON");
	int r = -EINVAL;
	char resource[256], pci_env[300], mdev_env[300];
	int res = json_obj_get(&d, 0, "resource"), ids = json_obj_get(&d, 0, "devices"),
	    resp = json_obj_get(&d, 0, "response");
	int envs = resp >= 0 ? json_obj_get(&d, resp, "envs") : -1,
	    devs = resp >= 0 ? json_obj_get(&d, resp, "devices") : -1;
	if (res < 0 || ids < 0 || envs < 0 || devs < 0 || json_str(&d, res, resource, sizeof(resource)) < 0) {
		fail(why, why_size, "the allocation lacks resource, devices or response");
		goto out;
	}
	kstub_env_name("PCI_RESOURCE", resource, pci_env, sizeof(pci_env));
	kstub_env_name("MDEV_PCI_RESOURCE", resource, mdev_env, sizeof(mdev_env));
	bool mdev = false;
	int v = json_obj_get(&d, envs, pci_env);
	if (v < 0) {
		v = json_obj_get(&d, envs, mdev_env);
		mdev = true;
	}
	if (v < 0) {
		fail(why, why_size, "neither %s nor %s is in the allocation's environment", pci_env,
		     mdev_env);
		goto out;
	}
	char *value = json_strdup(&d, v);
	if (!value) {
		fail(why, why_size, "bad value of %s", mdev ? mdev_env : pci_env);
		goto out;
	}
	if (!has_devspec(&d, devs, "/dev/vfio/vfio")) {
		fail(why, why_size, "the allocation's DeviceSpecs lack /dev/vfio/vfio");
		goto out_value;
	}
	if (rootfs_exists(rootfd, "dev/vfio/vfio") != 1) {
		fail(why, why_size, "/dev/vfio/vfio does not exist on the node");
		goto out_value;
	}
	if (rootfs_exists(rootfd, "dev/iommu") == 1 && !has_devspec(&d, devs, "/dev/iommu")) {
		fail(why, why_size,
		     "the node has iommufd (/dev/iommu) but the allocation's DeviceSpecs lack it");
		goto out_value;
	}
	char *save = NULL, out[8192] = "";
	size_t n = 0;
	for (char *tok = strtok_r(value, ",", &save); tok; tok = strtok_r(NULL, ",", &save), n++) {
		if (!allocated(&d, ids, tok)) {
			fail(why, why_size, "%s names %s, which was not allocated to this container",
			     mdev ? mdev_env : pci_env, tok);
			goto out_value;
		}
		struct pci_addr a;
		size_t used = strlen(out);
		if (!mdev) {
			if (pci_addr_parse(tok, &a) < 0) {
				fail(why, why_size, "%s: \"%s\" is no PCI address", pci_env, tok);
				goto out_value;
			}
			if (check_pci(rootfd, &d, devs, tok, why, why_size) < 0)
				goto out_value;
			snprintf(out + used, sizeof(out) - used,
				 "<hostdev mode='subsystem' type='pci' managed='no'>\n"
				 "  <source>\n"
				 "    <address domain='0x%04x' bus='0x%02x' slot='0x%02x' function='0x%x'/>\n"
				 "  </source>\n"
				 "</hostdev>\n",
				 a.domain, a.bus, a.dev, a.fn);
		} else {
			uint8_t u[16];
			if (uuid_parse(tok, u) < 0) {
				fail(why, why_size, "%s: \"%s\" is no UUID", mdev_env, tok);
				goto out_value;
			}
			if (check_mdev(rootfd, &d, devs, tok, why, why_size) < 0)
				goto out_value;
			snprintf(out + used, sizeof(out) - used,
				 "<hostdev mode='subsystem' type='mdev' model='vfio-pci' managed='no'>\n"
				 "  <source>\n"
				 "    <address uuid='%s'/>\n"
				 "  </source>\n"
				 "</hostdev>\n",
				 tok);
		}
	}
	if (n != (size_t)d.tok[ids].size) {
		fail(why, why_size, "%s lists %zu devices, %d were allocated", mdev ? mdev_env : pci_env, n,
		     d.tok[ids].size);
		goto out_value;
	}
	fputs(out, stdout);
	r = 0;
out_value:
	free(value);
out:
	json_free(&d);
	return r;
}
