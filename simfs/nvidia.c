// SPDX-License-Identifier: GPL-2.0-or-later
/* NVIDIA's driver as seen from outside: /proc/driver/nvidia (format of the
 * real 580 open kernel module, see shared/recorded), /dev/nvidiaN, and the
 * unbindLock that older driver builds offer. */
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

/* Write 1 to take the lock (only while no client has the GPU open), 0 to
 * drop it; reading tells whether it is held. */
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
		return -EINVAL;
	d->nv_locked = v && d->nv_users == 0;
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

int nvidia_bind(struct sim_dev *d)
{
	struct model *m = d->m;
	if (!m->nv_gpus)
		return -ENODEV;
	struct node *g = tree_add_dir(m->nv_gpus, d->bdf, 0555);
	if (!g)
		return -ENOMEM;
	d->nv_minor = m->next_nv_minor++;
	d->nv_locked = false;
	char dev[32];
	snprintf(dev, sizeof(dev), "nvidia%d", d->nv_minor);
	if (!tree_add_attr(g, "information", 0444, &information_ops, d, 0) ||
	    !model_add_text(g, "power", 0444, "Runtime D3 status:          Disabled by default\n") ||
	    !model_add_text(g, "registry", 0644, "%s", "") || !tree_add_data(m->dev, dev, 0666, "", 0))
		return -ENOMEM;
	if (m->nv_unbind_lock && !tree_add_attr(g, "unbindLock", 0644, &unbind_lock_ops, d, 0))
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
	snprintf(dev, sizeof(dev), "nvidia%d", d->nv_minor);
	tree_remove_child(m->dev, dev);
	tree_remove_child(m->nv_gpus, d->bdf);
	d->nv_minor = -1;
	d->nv_locked = false;
}

int nvidia_open(struct sim_dev *d)
{
	if (!d->driver || !(d->driver->desc->flags & DRV_NVIDIA))
		return -ENODEV;
	if (d->nv_users >= 8)
		return -EMFILE;
	int r = add_process(d, d->nv_users);
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
