// SPDX-License-Identifier: GPL-2.0-or-later
/* SR-IOV: the PF attributes (sriov_numvfs and friends) with the kernel's
 * rules, and VFs appearing at devfn + offset + stride * i with their
 * virtfnN/physfn links and IOMMU groups. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

#define SRIOV_CTRL 0x08
#define SRIOV_TOTAL 0x0e
#define SRIOV_NUM 0x10
#define SRIOV_OFFSET 0x14
#define SRIOV_STRIDE 0x16
#define SRIOV_VF_DID 0x1a

static unsigned cfg16(const struct sim_dev *d, unsigned off)
{
	return d->config[off] | (unsigned)d->config[off + 1] << 8;
}

static void set16(struct sim_dev *d, unsigned off, unsigned v)
{
	d->config[off] = (uint8_t)v;
	d->config[off + 1] = (uint8_t)(v >> 8);
}

int sriov_cap_add(struct sim_dev *d, unsigned total, unsigned offset, unsigned stride)
{
	if (d->config_size < 4096 || pci_find_ext_cap(d, 0x10))
		return -EEXIST;
	/* append at the end of the chain, or at 0x100 when there is none */
	unsigned at = 0x100, last = 0;
	for (unsigned off = 0x100; off;) {
		uint32_t h = (uint32_t)cfg16(d, off) | (uint32_t)cfg16(d, off + 2) << 16;
		if (h == 0)
			break;
		last = off;
		off = (h >> 20) & 0xffc;
	}
	if (last) {
		at = 0x400; /* past anything a synthetic or recorded header uses */
		uint32_t h = (uint32_t)cfg16(d, last) | (uint32_t)cfg16(d, last + 2) << 16;
		h = (h & 0x000fffff) | at << 20;
		set16(d, last, h & 0xffff);
		set16(d, last + 2, h >> 16);
	}
	memset(d->config + at, 0, 0x40);
	set16(d, at, 0x0010);
	set16(d, at + 2, 1); /* version 1, last capability */
	set16(d, at + 0x0c, total);
	set16(d, at + SRIOV_TOTAL, total);
	set16(d, at + SRIOV_OFFSET, offset);
	set16(d, at + SRIOV_STRIDE, stride);
	set16(d, at + SRIOV_VF_DID, d->device);
	d->config[at + 0x1c] = 0x53; /* supported page sizes 0x553 */
	d->config[at + 0x1d] = 0x05;
	d->config[at + 0x20] = 0x01; /* system page size 4K */
	d->sriov_cap = at;
	return 0;
}

/* kstrtou16(buf, 0): decimal, 0x hex or 0 octal; one trailing newline. */
static int parse_u16(const char *buf, size_t len, unsigned *ret)
{
	char tmp[32], *end;
	if (len && buf[len - 1] == '\n')
		len--;
	if (len == 0 || len >= sizeof(tmp) || buf[0] == '-' || buf[0] == '+' || buf[0] == ' ')
		return -EINVAL;
	memcpy(tmp, buf, len);
	tmp[len] = '\0';
	errno = 0;
	unsigned long v = strtoul(tmp, &end, 0);
	if (*end)
		return -EINVAL;
	if (errno || v > 0xffff)
		return -ERANGE;
	*ret = (unsigned)v;
	return 0;
}

static bool driver_can_sriov(const struct sim_dev *pf)
{
	const struct sim_driver *drv = pf->driver;
	if (!drv)
		return false;
	if (drv->desc->flags & DRV_SRIOV)
		return true;
	/* vfio-pci configures SR-IOV only with enable_sriov=1 */
	return (drv->desc->flags & DRV_VFIO) && pf->m->vfio_enable_sriov;
}

static struct sim_dev *vf_slot(struct sim_dev *pf, int i)
{
	struct model *m = pf->m;
	unsigned rid = pci_addr_rid(&pf->addr) + cfg16(pf, pf->sriov_cap + SRIOV_OFFSET) +
		       cfg16(pf, pf->sriov_cap + SRIOV_STRIDE) * (unsigned)i;
	struct pci_addr a = pci_addr_from_rid(pf->addr.domain, rid & 0xffff);
	for (int k = 0; k < m->ndevs; k++)
		if (pci_addr_cmp(&m->devs[k]->addr, &a) == 0)
			return m->devs[k]->physfn == pf ? m->devs[k] : NULL;
	return pci_dev_new(m, &a);
}

int sriov_enable(struct sim_dev *pf, int n)
{
	struct model *m = pf->m;
	unsigned cap = pf->sriov_cap;
	for (int i = 0; i < n; i++) {
		struct sim_dev *vf = vf_slot(pf, i);
		if (!vf)
			return -EBUSY; /* the routing ID is taken by another function */
		vf->physfn = pf;
		vf->vf_index = i;
		/* a VF made again is a new pci_dev: no override carried over */
		free(vf->driver_override);
		vf->driver_override = NULL;
		vf->parent = pf->parent;
		vf->vendor = pf->vendor;
		vf->device = (uint16_t)cfg16(pf, cap + SRIOV_VF_DID);
		vf->subvendor = pf->subvendor;
		vf->subdevice = pf->subdevice;
		vf->class = pf->class;
		vf->revision = pf->revision;
		vf->numa_node = pf->numa_node;
		vf->irq = 0;
		vf->unplugged = false;
		vf->vgpu = pf->vgpu;
		vf->nv_model = NULL;
		memcpy(vf->link_speed, pf->link_speed, sizeof(vf->link_speed));
		memcpy(vf->max_link_speed, pf->max_link_speed, sizeof(vf->max_link_speed));
		vf->link_width = pf->link_width;
		vf->max_link_width = pf->max_link_width;
		pci_config_sync(vf, true);
		int r = pci_dev_add(vf);
		if (r < 0)
			return r;
		char name[32];
		snprintf(name, sizeof(name), "virtfn%d", i);
		if (!tree_add_rel_link(pf->dir, name, vf->dir) ||
		    !tree_add_rel_link(vf->dir, "physfn", pf->dir))
			return -ENOMEM;
		if (m->iommu_enabled && m->groups_at_probe) {
			/* its own group, made when a driver probes it (iommu.c):
			 * a key no other device has */
			int key = 0;
			for (int j = 0; j < m->ndevs; j++)
				if (m->devs[j]->group_id >= key)
					key = m->devs[j]->group_id + 1;
			vf->group_id = key;
		} else if (m->iommu_enabled) {
			vf->group_id = iommu_group_alloc_id(m);
			struct sim_group *g = model_group(m, vf->group_id, true);
			if (!g || (r = iommu_group_add_dev(m, g, vf)) < 0)
				return r < 0 ? r : -ENOMEM;
		}
	}
	pf->num_vfs = n;
	set16(pf, cap + SRIOV_NUM, (unsigned)n);
	set16(pf, cap + SRIOV_CTRL, cfg16(pf, cap + SRIOV_CTRL) | 0x9); /* VF Enable, VF MSE */
	/* VFs probe like hot-added devices (subject to sriov_drivers_autoprobe) */
	for (int i = 0; i < n; i++)
		driver_autoprobe(m, vf_slot(pf, i));
	return 0;
}

static bool vf_busy(const struct sim_dev *vf)
{
	return (vf->group && vfio_group_busy(vf->group)) || vf->nv_users > 0 || mdev_parent_busy(vf);
}

/* drivers/pci/iov.c sriov_disable -> sriov_del_vfs: pci_iov_remove_virtfn
 * for VF 0, 1, ... in turn, each removal releasing the VF's driver, whose
 * remove waits for its users (vfio-pci: until the group is closed).  So a
 * busy VF blocks the writer with the VFs below it already gone, while
 * sriov_numvfs still reads the old count (iov->num_VFs is cleared only
 * after every VF is removed).  A writer killed while blocked: the model
 * drops its write and keeps that partial state (the real writer sleeps on
 * until the users let go and then finishes; the next run sees the same
 * partial state until then). */
int sriov_disable(struct sim_dev *pf)
{
	int n = pf->num_vfs;
	for (int i = 0; i < n; i++) {
		struct sim_dev *vf = vf_slot(pf, i);
		if (!vf || !vf->present)
			continue; /* removed by an earlier, interrupted write */
		if (vf_busy(vf))
			return -SIM_EWAIT;
		char name[32];
		snprintf(name, sizeof(name), "virtfn%d", i);
		tree_remove_child(pf->dir, name);
		int r = pci_dev_remove(vf);
		if (r < 0)
			return r;
		vf->unplugged = true; /* a rescan does not bring VFs back */
		pf->m->seq++;
	}
	pf->num_vfs = 0;
	set16(pf, pf->sriov_cap + SRIOV_NUM, 0);
	set16(pf, pf->sriov_cap + SRIOV_CTRL, cfg16(pf, pf->sriov_cap + SRIOV_CTRL) & ~0x9u);
	return 0;
}

static ssize_t numvfs_show(struct node *n, char *buf, size_t cap, const struct attr_io *io)
{
	struct sim_dev *pf = n->obj;
	return snprintf(buf, cap, "%d\n", pf->num_vfs);
}

static ssize_t numvfs_store(struct node *n, const char *buf, size_t len, const struct attr_io *io)
{
	struct sim_dev *pf = n->obj;
	unsigned v;
	int r = parse_u16(buf, len, &v);
	if (r < 0)
		return r;
	if (v > cfg16(pf, pf->sriov_cap + SRIOV_TOTAL))
		return -ERANGE;
	if ((int)v == pf->num_vfs)
		return (ssize_t)len;
	if (!driver_can_sriov(pf))
		return -ENOENT; /* no driver, or one without sriov_configure */
	if (v == 0)
		r = sriov_disable(pf);
	else if (pf->num_vfs)
		return -EBUSY; /* disable before enabling another count */
	else
		r = sriov_enable(pf, (int)v);
	return r < 0 ? r : (ssize_t)len;
}

static ssize_t cap16_show(struct node *n, char *buf, size_t cap, const struct attr_io *io)
{
	struct sim_dev *pf = n->obj;
	unsigned v = cfg16(pf, pf->sriov_cap + (unsigned)n->arg);
	return snprintf(buf, cap, n->arg == SRIOV_VF_DID ? "%x\n" : "%u\n", v);
}

static ssize_t autoprobe_show(struct node *n, char *buf, size_t cap, const struct attr_io *io)
{
	struct sim_dev *pf = n->obj;
	return snprintf(buf, cap, "%u\n", pf->vf_autoprobe ? 1 : 0);
}

/* kstrtobool: 1/0, y/n, on/off (first letters, case-insensitive) */
static ssize_t autoprobe_store(struct node *n, const char *buf, size_t len, const struct attr_io *io)
{
	struct sim_dev *pf = n->obj;
	char c0 = len ? buf[0] : 0, c1 = len > 1 ? (char)(buf[1] | 0x20) : 0;
	switch (c0 | 0x20) {
	case '1':
	case 'y': pf->vf_autoprobe = true; break;
	case '0':
	case 'n': pf->vf_autoprobe = false; break;
	case 'o':
		if (c1 == 'n')
			pf->vf_autoprobe = true;
		else if (c1 == 'f')
			pf->vf_autoprobe = false;
		else
			return -EINVAL;
		break;
	default: return -EINVAL;
	}
	return (ssize_t)len;
}

static const struct attr_ops numvfs_ops = { .show = numvfs_show, .store = numvfs_store };
static const struct attr_ops cap16_ops = { .show = cap16_show };
static const struct attr_ops autoprobe_ops = { .show = autoprobe_show, .store = autoprobe_store };

int sriov_add_attrs(struct sim_dev *pf)
{
	struct node *dir = pf->dir;
	if (!tree_add_attr(dir, "sriov_totalvfs", 0444, &cap16_ops, pf, SRIOV_TOTAL) ||
	    !tree_add_attr(dir, "sriov_numvfs", 0664, &numvfs_ops, pf, 0) ||
	    !tree_add_attr(dir, "sriov_offset", 0444, &cap16_ops, pf, SRIOV_OFFSET) ||
	    !tree_add_attr(dir, "sriov_stride", 0444, &cap16_ops, pf, SRIOV_STRIDE) ||
	    !tree_add_attr(dir, "sriov_vf_device", 0444, &cap16_ops, pf, SRIOV_VF_DID) ||
	    !tree_add_attr(dir, "sriov_drivers_autoprobe", 0644, &autoprobe_ops, pf, 0))
		return -ENOMEM;
	return 0;
}
