// SPDX-License-Identifier: GPL-2.0-or-later
/* Mediated devices: NVIDIA's mdev types on a parent (a T4/V100 PF, or an
 * A100 VF with one instance), create/remove with the mdev core's errnos,
 * each mdev in its own IOMMU group with a VFIO group node. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "uuid.h"

#define MDEV_DRIVER "nvidia-vgpu-vfio"

static struct sim_dev *gpu_of(struct sim_dev *d)
{
	return d->physfn ? d->physfn : d;
}

/* mdevs on the physical GPU and their size (equal-size rule). */
unsigned mdev_count_on_gpu(struct model *m, const struct sim_dev *gpu, unsigned *fb_gb)
{
	unsigned n = 0;
	for (struct sim_mdev *x = m->mdevs; x; x = x->next)
		if (gpu_of(x->parent) == gpu) {
			n++;
			*fb_gb = x->type->fb_gb;
		}
	return n;
}

static unsigned parent_mdevs(const struct sim_dev *d)
{
	unsigned n = 0;
	for (struct sim_mdev *x = d->m->mdevs; x; x = x->next)
		n += x->parent == d;
	return n;
}

static const struct vgpu_type *type_of(struct node *n)
{
	struct sim_dev *d = n->obj;
	return &d->vgpu->types[n->arg];
}

static ssize_t available_show(struct node *n, char *buf, size_t cap, const struct attr_io *io)
{
	struct sim_dev *d = n->obj;
	unsigned avail = vgpu_available(d->m, gpu_of(d), type_of(n));
	if (d->physfn && avail > 0) /* a VF parent hosts one mdev */
		avail = parent_mdevs(d) ? 0 : 1;
	return snprintf(buf, cap, "%u\n", avail);
}

static struct sim_mdev *find_mdev(struct model *m, const char *uuid)
{
	for (struct sim_mdev *x = m->mdevs; x; x = x->next)
		if (strcasecmp(x->uuid, uuid) == 0)
			return x;
	return NULL;
}

static void emit_mdev(struct sim_mdev *x, const char *action)
{
	char type[32], drv[64];
	snprintf(type, sizeof(type), "MDEV_TYPE=nvidia-%d", x->type->mdev_id);
	snprintf(drv, sizeof(drv), "DRIVER=%s", MDEV_DRIVER);
	const char *env[] = { strcmp(action, "bind") == 0 ? drv : type, NULL };
	model_emit(x->parent->m, action, x->devpath, "mdev", env);
}

static ssize_t mdev_remove_store(struct node *n, const char *buf, size_t len, const struct attr_io *io);
static const struct attr_ops mdev_remove_ops = { .store = mdev_remove_store };

static int mdev_create(struct sim_dev *d, const struct vgpu_type *t, const char *uuid, struct node *typedir)
{
	struct model *m = d->m;
	struct sim_mdev *x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	for (int i = 0; i < 36; i++)
		x->uuid[i] = (char)tolower((unsigned char)uuid[i]);
	x->parent = d;
	x->type = t;
	if (t->mig_slices)
		x->gi = (unsigned)mig_take_instance(m, gpu_of(d), t);
	x->dir = tree_add_dir(d->dir, x->uuid, 0755);
	struct node *bus = tree_lookup(m->root, "sys/bus/mdev");
	struct node *drv = tree_lookup(m->root, "sys/bus/mdev/drivers/" MDEV_DRIVER);
	if (!x->dir || !tree_add_rel_link(x->dir, "mdev_type", typedir) ||
	    !tree_add_attr(x->dir, "remove", 0200, &mdev_remove_ops, x, 0) ||
	    !model_add_text(x->dir, "uevent", 0644, "MDEV_TYPE=nvidia-%d\nDRIVER=%s\n", t->mdev_id,
			    MDEV_DRIVER) ||
	    !tree_add_dir(x->dir, "power", 0755) || !tree_add_rel_link(x->dir, "subsystem", bus) ||
	    !tree_add_rel_link(tree_child(typedir, "devices"), x->uuid, x->dir) ||
	    !tree_add_rel_link(tree_child(bus, "devices"), x->uuid, x->dir)) {
		free(x);
		return -ENOMEM;
	}
	tree_path(x->dir, x->devpath, sizeof(x->devpath));
	memmove(x->devpath, x->devpath + 4, strlen(x->devpath + 4) + 1);
	x->next = m->mdevs;
	m->mdevs = x;
	m->stats.creates++;
	emit_mdev(x, "add");
	if (m->iommu_enabled) {
		int id = iommu_group_alloc_id(m);
		x->group = model_group(m, id, true);
		if (!x->group)
			return -ENOMEM;
		/* the group's devices/ entry and the mdev's iommu_group link */
		char name[16];
		snprintf(name, sizeof(name), "%d", id);
		struct node *gdir = tree_child(m->groups_dir, name);
		if (!gdir) {
			gdir = tree_add_dir(m->groups_dir, name, 0755);
			if (!gdir || !tree_add_dir(gdir, "devices", 0755) ||
			    !model_add_text(gdir, "type", 0644, "%s\n", "unknown"))
				return -ENOMEM;
			x->group->dir = gdir;
		}
		x->group->ndevs++;
		if (!tree_add_rel_link(tree_child(gdir, "devices"), x->uuid, x->dir) ||
		    !tree_add_rel_link(x->dir, "iommu_group", gdir))
			return -ENOMEM;
		/* the vendor's mdev driver binds and registers with VFIO */
		int r = vfio_group_get(m, x->group);
		if (r < 0)
			return r;
	}
	if (!tree_add_rel_link(x->dir, "driver", drv) || !tree_add_rel_link(drv, x->uuid, x->dir))
		return -ENOMEM;
	emit_mdev(x, "bind");
	return 0;
}

static void mdev_destroy(struct sim_mdev *x)
{
	struct model *m = x->parent->m;
	emit_mdev(x, "unbind");
	tree_remove_child(tree_lookup(m->root, "sys/bus/mdev/drivers/" MDEV_DRIVER), x->uuid);
	if (x->group) {
		vfio_group_put(m, x->group);
		if (--x->group->ndevs == 0) {
			tree_remove(x->group->dir);
			x->group->dir = NULL;
		}
	}
	emit_mdev(x, "remove");
	tree_remove_child(tree_lookup(m->root, "sys/bus/mdev/devices"), x->uuid);
	char types[64];
	snprintf(types, sizeof(types), "mdev_supported_types/nvidia-%d/devices", x->type->mdev_id);
	tree_remove_child(tree_lookup(x->parent->dir, types), x->uuid);
	tree_remove(x->dir);
	for (struct sim_mdev **pp = &m->mdevs; *pp; pp = &(*pp)->next)
		if (*pp == x) {
			*pp = x->next;
			break;
		}
	m->stats.removes++;
	free(x);
}

static ssize_t mdev_remove_store(struct node *n, const char *buf, size_t len, const struct attr_io *io)
{
	struct sim_mdev *x = n->obj;
	if (strtoul(buf, NULL, 0) != 1)
		return -EINVAL;
	if (x->group && vfio_group_busy(x->group))
		return -EBUSY; /* a VM has it open */
	mdev_destroy(x);
	return (ssize_t)len;
}

static ssize_t create_store(struct node *n, const char *buf, size_t len, const struct attr_io *io)
{
	struct sim_dev *d = n->obj;
	const struct vgpu_type *t = type_of(n);
	/* a UUID string, optionally followed by one newline */
	char uuid[UUID_STRLEN];
	uint8_t bin[16];
	if (len < 36 || len > 37 || (len == 37 && buf[36] != '\n'))
		return -EINVAL;
	memcpy(uuid, buf, 36);
	uuid[36] = '\0';
	if (uuid_parse(uuid, bin) < 0)
		return -EINVAL;
	if (find_mdev(d->m, uuid))
		return -EEXIST;
	char avail[16];
	available_show(n, avail, sizeof(avail), io);
	if (atoi(avail) == 0)
		return -EUSERS;
	int r = mdev_create(d, t, uuid, n->parent);
	return r < 0 ? r : (ssize_t)len;
}

static const struct attr_ops available_ops = { .show = available_show };
static const struct attr_ops create_ops = { .store = create_store };

int mdev_parent_register(struct sim_dev *d)
{
	struct model *m = d->m;
	struct node *types = tree_add_dir(d->dir, "mdev_supported_types", 0755);
	struct node *cls = tree_mkdir_p(m->root, "sys/class/mdev_bus");
	if (!types || !cls || !tree_mkdir_p(m->root, "sys/bus/mdev/drivers/" MDEV_DRIVER))
		return -ENOMEM;
	for (int i = 0; i < d->vgpu->ntypes; i++) {
		const struct vgpu_type *t = &d->vgpu->types[i];
		if (!t->mdev_id)
			continue;
		char name[32];
		snprintf(name, sizeof(name), "nvidia-%d", t->mdev_id);
		struct node *td = tree_add_dir(types, name, 0755);
		if (!td ||
		    !model_add_text(td, "name", 0444, "%s %s\n", m->nv_grid_names ? "GRID" : "NVIDIA",
				    t->name) ||
		    !model_add_text(td, "description", 0444,
				    "num_heads=1, frl_config=60, framebuffer=%uM, max_resolution=4096x2160, "
				    "max_instance=%u\n",
				    t->fb_gb * 1024, t->max) ||
		    !model_add_text(td, "device_api", 0444, "vfio-pci\n") ||
		    !tree_add_attr(td, "available_instances", 0444, &available_ops, d, i) ||
		    !tree_add_attr(td, "create", 0200, &create_ops, d, i) ||
		    !tree_add_dir(td, "devices", 0755))
			return -ENOMEM;
	}
	if (!tree_add_rel_link(cls, d->bdf, d->dir))
		return -ENOMEM;
	d->mdev_parent = true;
	return 0;
}

bool mdev_parent_busy(const struct sim_dev *d)
{
	for (struct sim_mdev *x = d->m->mdevs; x; x = x->next)
		if (x->parent == d && x->group && vfio_group_busy(x->group))
			return true;
	return false;
}

void mdev_parent_unregister(struct sim_dev *d)
{
	struct model *m = d->m;
	if (!d->mdev_parent)
		return;
	/* the mdev core removes a parent's mdevs with it */
	for (struct sim_mdev *x = m->mdevs, *nx; x; x = nx) {
		nx = x->next;
		if (x->parent == d)
			mdev_destroy(x);
	}
	tree_remove_child(d->dir, "mdev_supported_types");
	tree_remove_child(tree_lookup(m->root, "sys/class/mdev_bus"), d->bdf);
	d->mdev_parent = false;
}
