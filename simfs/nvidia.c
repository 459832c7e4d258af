// SPDX-License-Identifier: GPL-2.0-or-later
/* NVIDIA's driver as seen from outside: /proc/driver/nvidia (format of the
 * real 580 open kernel module, see fixtures/recorded), /dev/nvidiaN, and the
 * unbindLock of the vGPU-KVM host build. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

static uint32_t fnv1a(const char *s, uint32_t h)
{
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static ssize_t information_show(struct node *n, char *buf, size_t cap, const struct attr_io *io)
{
	struct sim_dev *d = n->obj;
	uint32_t a = fnv1a(d->bdf, 2166136261u), b = fnv1a("uuid", a), c = fnv1a("gpu", b);
	return snprintf(buf, cap,
			"Model: \t\t %s\n"
			"IRQ:   \t\t %d\n"
			"GPU UUID: \t GPU-%08x-%04x-%04x-%04x-%08x%04x\n"
			"Video BIOS: \t 96.00.da.00.0c\n"
			"Bus Type: \t PCIe\n"
			"DMA Size: \t 52 bits\n"
			"DMA Mask: \t 0xfffffffffffff\n"
			"Bus Location: \t %s\n"
			"Device Minor: \t %d\n"
			"GPU Firmware: \t %s\n"
			"GPU Excluded:\t No\n",
			d->nv_model ? d->nv_model : "NVIDIA Graphics Device", d->irq, a, b >> 16, b & 0xffff,
			c >> 16, c, a >> 16, d->bdf, d->nv_minor, d->m->nv_version);
}

/* unbindLock, only on the vGPU-KVM host build: kernel-open/nvidia/
 * nv-procfs.c nv_procfs_add_gpu creates it only when os_is_vgx_hyper().
 * nv_procfs_close_unbind_lock: "1" takes the lock only while nothing has
 * the GPU open (nvl->usage_count == 0, and RmUnbindLock in
 * src/nvidia/arch/nvalloc/unix/src/osapi.c: no user clients); the write
 * itself succeeds either way, so a caller must read the file back.  "0"
 * releases it.  Reading shows 1 or 0.  (The real file acts on the value
 * at close(); `echo N >` closes at once, so acting at write is the same.) */
static ssize_t unbind_lock_show(struct node *n, char *buf, size_t cap, const struct attr_io *io)
{
	struct sim_dev *d = n->obj;
	return snprintf(buf, cap, "%d\n", d->nv_locked ? 1 : 0);
}

static ssize_t unbind_lock_store(struct node *n, const char *buf, size_t len, const struct attr_io *io)
{
	struct sim_dev *d = n->obj;
	char *end;
	unsigned long v = strtoul(buf, &end, 10);
	if (end == buf)
		return -EINVAL; /* sscanf("%u") fails: -EINVAL */
	if (v == 1 && !d->nv_locked)
		d->nv_locked = d->nv_users == 0;
	else if (v == 0)
		d->nv_locked = false;
	d->m->seq++;
	return (ssize_t)len;
}

static const struct attr_ops information_ops = { .show = information_show };
static const struct attr_ops unbind_lock_ops = { .show = unbind_lock_show, .store = unbind_lock_store };

int nvidia_init(struct model *m)
{
	struct node *nv = tree_mkdir_p(m->root, "proc/driver/nvidia");
	if (!nv || !(m->nv_gpus = tree_add_dir(nv, "gpus", 0555)) ||
	    !model_add_text(nv, "version", 0444,
			    "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  %s  Release Build\n",
			    m->nv_version) ||
	    !model_add_text(nv, "registry", 0644, "%s", "") || !tree_add_dir(nv, "capabilities", 0555) ||
	    !tree_add_data(m->dev, "nvidiactl", 0666, "", 0))
		return -ENOMEM;
	return 0;
}

static int add_process(struct sim_dev *d, int slot)
{
	struct model *m = d->m;
	char name[16], target[32];
	int pid = m->next_pid++;
	snprintf(name, sizeof(name), "%d", pid);
	snprintf(target, sizeof(target), "/dev/nvidia%d", d->nv_minor);
	struct node *p = tree_add_dir(m->proc, name, 0555);
	struct node *fd = p ? tree_add_dir(p, "fd", 0500) : NULL;
	if (!fd || !model_add_text(p, "comm", 0444, "cuda-app\n") || !tree_add_link(fd, "3", target))
		return -ENOMEM;
	d->nv_pids[slot] = pid;
	return 0;
}

/* nv_pci_probe (kernel-open/nvidia/nv-pci.c) for a VF: a plain build
 * logs "Ignoring probe for VF" and fails; the vGPU-KVM build fails when
 * the VF has no IOMMU ("Aborting probe for VF ... since IOMMU is not
 * present") and otherwise returns 0 at once, before any per-GPU state:
 * a VF on nvidia gets no /proc/driver/nvidia/gpus entry and no
 * /dev/nvidiaN.  The probe returns -1, which the PCI core passes on as
 * -EPERM (drivers/pci/pci-driver.c local_pci_probe); bind_store returns a
 * probe's error (drivers/base/bus.c), drivers_probe does not.  "No IOMMU"
 * is modelled as: the VF has no IOMMU group. */
static int nvidia_probe_vf(struct sim_dev *d)
{
	if (!d->m->nv_vgpu_kvm || !d->group)
		return -EPERM;
	d->nv_minor = -1;
	d->nv_locked = false;
	return vgpu_on_bind(d);
}

int nvidia_bind(struct sim_dev *d)
{
	struct model *m = d->m;
	if (!m->nv_gpus)
		return -ENODEV;
	if (d->physfn)
		return nvidia_probe_vf(d);
	struct node *g = tree_add_dir(m->nv_gpus, d->bdf, 0555);
	if (!g)
		return -ENOMEM;
	d->nv_minor = m->next_nv_minor++;
	d->nv_locked = false;
	char dev[32];
	snprintf(dev, sizeof(dev), "nvidia%d", d->nv_minor);
	if (!tree_add_attr(g, "information", 0444, &information_ops, d, 0) ||
	    !model_add_text(g, "power", 0444, "Runtime D3 status:          Disabled by default\n") ||
	    !model_add_text(g, "registry", 0644, "%s", ""))
		return -ENOMEM;
	struct node *devnode = tree_add_data(m->dev, dev, 0666, "", 0);
	if (!devnode)
		return -ENOMEM;
	devnode->flags |= NODE_NVIDIA_GPU; /* open() fails while unbindLock is held */
	devnode->obj = d;
	if (m->nv_vgpu_kvm && !tree_add_attr(g, "unbindLock", 0644, &unbind_lock_ops, d, 0))
		return -ENOMEM;
	/* users a fixture declares: processes that had the GPU open at boot */
	for (int i = 0; i < d->nv_users && i < 8; i++)
		if (add_process(d, i) < 0)
			return -ENOMEM;
	return vgpu_on_bind(d);
}

void nvidia_unbind(struct sim_dev *d)
{
	struct model *m = d->m;
	char dev[32];
	vgpu_on_release(d);
	if (d->physfn)
		return; /* a VF had no per-GPU state */
	snprintf(dev, sizeof(dev), "nvidia%d", d->nv_minor);
	tree_remove_child(m->dev, dev);
	tree_remove_child(m->nv_gpus, d->bdf);
	d->nv_minor = -1;
	d->nv_locked = false;
}

/* kernel-open/nvidia/nv.c nv_open_device: on the vGPU-KVM build, while
 * NV_FLAG_UNBIND_LOCK is set every open() of the GPU fails with -ENODEV
 * ("Open failed as GPU is locked for unbind operation"); NVML opens the
 * same device node, so it fails too. */
int nvidia_open_allowed(const struct sim_dev *d)
{
	return d->nv_locked ? -ENODEV : 0;
}

int nvidia_open(struct sim_dev *d)
{
	if (!d->driver || !(d->driver->desc->flags & DRV_NVIDIA) || d->nv_minor < 0)
		return -ENODEV;
	int r = nvidia_open_allowed(d);
	if (r < 0)
		return r;
	if (d->nv_users >= 8)
		return -EMFILE;
	r = add_process(d, d->nv_users);
	if (r == 0)
		d->nv_users++;
	return r;
}

int nvidia_close(struct sim_dev *d)
{
	if (d->nv_users == 0)
		return -EINVAL;
	char name[16];
	snprintf(name, sizeof(name), "%d", d->nv_pids[--d->nv_users]);
	tree_remove_child(d->m->proc, name);
	d->m->seq++;
	return 0;
}
