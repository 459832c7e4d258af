// SPDX-License-Identifier: GPL-2.0-or-later
/* NVIDIA's vGPU capacity rules and the vGPU host driver's sysfs: mdev
 * parents (mdev.c) or, on Hopper and later (vGPU 17+), the vendor-specific
 * VFIO files under each VF's nvidia/ folder. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

unsigned vgpu_capacity(const struct vgpu_type *t, unsigned used_count, unsigned used_fb_gb)
{
	if (t->mig_slices)
		return 0;
	if (used_count && used_fb_gb != t->fb_gb)
		return 0;
	return used_count >= t->max ? 0 : t->max - used_count;
}

unsigned vgpu_available(struct model *m, struct sim_dev *gpu, const struct vgpu_type *t)
{
	if (gpu->mig.mode) /* MIG mode: MIG-backed types only, one per free GPU instance */
		return t->mig_slices ? mig_free_instances(m, gpu, t) : 0;
	unsigned fb = 0, n = mdev_count_on_gpu(m, gpu, &fb);
	for (int i = 0; i < m->ndevs; i++) {
		const struct sim_dev *vf = m->devs[i];
		if (vf->present && vf->physfn == gpu && vf->vgpu_type) {
			n++;
			fb = vf->vgpu_type->fb_gb;
		}
	}
	return vgpu_capacity(t, n, fb);
}

/* ---- vendor-specific VFIO: <VF>/nvidia/ ---------------------------------- */

static ssize_t creatable_show(struct node *n, char *buf, size_t cap, const struct attr_io *io)
{
	struct sim_dev *vf = n->obj;
	size_t o = 0;
	if (vf->vgpu_type) /* a VF hosts one vGPU */
		return 0;
	for (int i = 0; i < vf->vgpu->ntypes; i++) {
		const struct vgpu_type *t = &vf->vgpu->types[i];
		if (t->vfio_id && vgpu_available(vf->m, vf->physfn, t) > 0)
			o += (size_t)snprintf(buf + o, cap - o, "%u : NVIDIA %s\n", t->vfio_id, t->name);
	}
	return (ssize_t)o;
}

static ssize_t current_show(struct node *n, char *buf, size_t cap, const struct attr_io *io)
{
	struct sim_dev *vf = n->obj;
	return snprintf(buf, cap, "%u\n", vf->vgpu_type ? vf->vgpu_type->vfio_id : 0);
}

static void emit_vf(struct sim_dev *vf)
{
	char envbuf[512];
	const char *env[8];
	pci_uevent_env(vf, envbuf, sizeof(envbuf), env, 8);
	model_emit(vf->m, "change", vf->devpath, "pci", env);
}

/* Write a creatable ID to create the VF's vGPU, 0 to delete it.  Errors:
 * EINVAL not a number or not a type of this GPU, EEXIST the VF already
 * hosts one, ENOSPC not creatable now (capacity, equal-size rule, no GPU
 * instance for a MIG-backed type), EBUSY deleting one a VM has open. */
static ssize_t current_store(struct node *n, const char *buf, size_t len, const struct attr_io *io)
{
	struct sim_dev *vf = n->obj;
	struct model *m = vf->m;
	char *end;
	unsigned long id = strtoul(buf, &end, 10);
	if (end == buf || (*end && *end != '\n'))
		return -EINVAL;
	if (id == 0) {
		if (!vf->vgpu_type)
			return (ssize_t)len;
		if (vf->group && vfio_group_busy(vf->group))
			return -EBUSY;
		vf->vgpu_type = NULL;
		vf->vgpu_gi = 0;
		if (vf->group)
			vfio_group_put(m, vf->group);
		m->stats.removes++;
		emit_vf(vf);
		return (ssize_t)len;
	}
	const struct vgpu_type *t = vgpu_type_by_vfio_id(vf->vgpu, (unsigned)id);
	if (!t)
		return -EINVAL;
	if (vf->vgpu_type)
		return -EEXIST;
	if (vgpu_available(m, vf->physfn, t) == 0)
		return -ENOSPC;
	if (vf->group) { /* the vGPU registers with VFIO */
		int r = vfio_group_get(m, vf->group);
		if (r < 0)
			return r;
	}
	vf->vgpu_type = t;
	if (t->mig_slices)
		vf->vgpu_gi = (unsigned)mig_take_instance(m, vf->physfn, t);
	m->stats.creates++;
	emit_vf(vf);
	return (ssize_t)len;
}

static ssize_t gi_show(struct node *n, char *buf, size_t cap, const struct attr_io *io)
{
	struct sim_dev *vf = n->obj;
	/* the GPU instance of a MIG-backed vGPU */
	if (!vf->vgpu_gi)
		return snprintf(buf, cap, "-1\n");
	return snprintf(buf, cap, "%u\n", vf->vgpu_gi);
}

static const struct attr_ops creatable_ops = { .show = creatable_show };
static const struct attr_ops current_ops = { .show = current_show, .store = current_store };
static const struct attr_ops gi_ops = { .show = gi_show };

static int vendor_vfio_register(struct sim_dev *vf)
{
	struct node *nv = tree_add_dir(vf->dir, "nvidia", 0755);
	if (!nv || !tree_add_attr(nv, "creatable_vgpu_types", 0444, &creatable_ops, vf, 0) ||
	    !tree_add_attr(nv, "current_vgpu_type", 0644, &current_ops, vf, 0) ||
	    !tree_add_attr(nv, "gpu_instance_id", 0444, &gi_ops, vf, 0) ||
	    !tree_add_data(nv, "vgpu_params", 0644, "", 0))
		return -ENOMEM;
	return 0;
}

/* ---- host-driver hooks -------------------------------------------------- */

int vgpu_on_bind(struct sim_dev *d)
{
	struct model *m = d->m;
	if (!d->vgpu)
		return 0;
	if (m->nv_vgpu == VGPU_MDEV && (d->physfn || !d->sriov_cap))
		return mdev_parent_register(d); /* a VF, or a PF without SR-IOV */
	if (m->nv_vgpu == VGPU_VENDOR_VFIO && d->physfn)
		return vendor_vfio_register(d);
	return 0;
}

int vgpu_can_release(struct sim_dev *d)
{
	if (mdev_parent_busy(d) || (d->vgpu_type && d->group && vfio_group_busy(d->group)))
		return -SIM_EWAIT;
	return 0;
}

void vgpu_on_release(struct sim_dev *d)
{
	mdev_parent_unregister(d);
	if (!d->physfn)
		mig_on_release(d);
	if (d->vgpu_type) {
		d->vgpu_type = NULL;
		d->vgpu_gi = 0;
		if (d->group)
			vfio_group_put(d->m, d->group);
	}
	tree_remove_child(d->dir, "nvidia");
}
