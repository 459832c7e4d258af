// SPDX-License-Identifier: GPL-2.0-or-later
/* NVIDIA's vGPU capacity rules and the vGPU host driver's sysfs: mdev
 * parents (mdev.c) or, on Hopper and later (vGPU 17+), the vendor-specific
 * VFIO files under each VF's nvidia/ folder. */
#include <errno.h>
#include <stdint.h>
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

/* ---- vendor-specific VFIO: <VF>/nvidia/ ----------------------------------
 * Source: NVIDIA's vGPU-KVM driver 525.85.07, nvidia-vgpu-vfio/
 * (lijingwei9060/nvkernel holds a copy): on kernels with vfio_pci_core
 * (NV_USE_VFIO_PCI_CORE, nv-vgpu-vfio-interface.h) nv_vgpu_probe() calls
 * nv_vfio_pci_core_init() (vgpu-vfio-pci-core.c) for every VF it binds:
 * vfio_pci_core_register_device() -- so the VF's VFIO group node and its
 * vfio-dev/ exist from the bind, before any type is set -- then the
 * nvidia/ attribute group.  The file functions below cite the same file. */

/* creatable_vgpu_types_show(): the header "ID    : vGPU Name\n", then one
 * "%-5d : %s" line per type RM lists for this VF.  What RM lists is not in
 * the source (unverified): here, the types still creatable on the GPU, and
 * none on a VF that already hosts a vGPU. */
static ssize_t creatable_show(struct node *n, char *buf, size_t cap, const struct attr_io *io)
{
	struct sim_dev *vf = n->obj;
	int o = snprintf(buf, cap, "ID    : vGPU Name\n");
	for (int i = 0; i < vf->vgpu->ntypes && !vf->vgpu_type && o >= 0 && (size_t)o < cap; i++) {
		const struct vgpu_type *t = &vf->vgpu->types[i];
		if (t->vfio_id && vgpu_available(vf->m, vf->physfn, t) > 0)
			o += snprintf(buf + o, cap - (size_t)o, "%-5u : NVIDIA %s\n", t->vfio_id, t->name);
	}
	return o;
}

/* current_vgpu_type_show(): "%d\n", 0 without a vGPU. */
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

/* kstrtol(buf, 10): optional sign, decimal digits, one trailing newline. */
static int parse_kstrtol(const char *buf, size_t len, long *ret)
{
	char tmp[32], *end;
	if (len && buf[len - 1] == '\n')
		len--;
	if (len == 0 || len >= sizeof(tmp))
		return len == 0 ? -EINVAL : -ERANGE;
	memcpy(tmp, buf, len);
	tmp[len] = '\0';
	if (!strchr("+-0123456789", tmp[0]) || ((tmp[0] == '+' || tmp[0] == '-') && !tmp[1]))
		return -EINVAL;
	errno = 0;
	long v = strtol(tmp, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE)
		return -ERANGE;
	*ret = v;
	return 0;
}

/* current_vgpu_type_store(): kstrtol (EINVAL, ERANGE); 0 deletes through
 * nv_vfio_pci_remove() -- EPERM without a vGPU, and nv_vgpu_vfio_destroy()
 * (nvidia-vgpu-vfio.c) EPERM while a VM has the device open (usage_count,
 * modelled as its group node held open); any other value creates through
 * nv_vfio_pci_create() -- EPERM when the VF already has one, and EIO from
 * nv_vgpu_vfio_create() when RM refuses the type (unknown, not creatable
 * now: capacity, equal-size rule, no GPU instance for a MIG-backed type). */
static ssize_t current_store(struct node *n, const char *buf, size_t len, const struct attr_io *io)
{
	struct sim_dev *vf = n->obj;
	struct model *m = vf->m;
	long id;
	int r = parse_kstrtol(buf, len, &id);
	if (r < 0)
		return r;
	if (id == 0) {
		if (!vf->vgpu_type)
			return -EPERM;
		if (vf->group && vfio_group_busy(vf->group))
			return -EPERM;
		vf->vgpu_type = NULL;
		vf->vgpu_gi = 0;
		m->stats.removes++;
		emit_vf(vf);
		return (ssize_t)len;
	}
	if (vf->vgpu_type)
		return -EPERM;
	const struct vgpu_type *t =
	    id > 0 && id <= UINT32_MAX ? vgpu_type_by_vfio_id(vf->vgpu, (unsigned)id) : NULL;
	if (!t || vgpu_available(m, vf->physfn, t) == 0)
		return -EIO;
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

/* nv_vfio_pci_core_init(): the VF becomes a VFIO device at bind (group
 * node, vfio-dev/), then gets nvidia/.  Without an IOMMU group the real
 * vfio_pci_core_register_device() fails and with it the probe; here the
 * VF then just has no VFIO side (VF probing rules: nvidia.c). */
static int vendor_vfio_register(struct sim_dev *vf)
{
	struct model *m = vf->m;
	if (vf->group) {
		int r = vfio_group_get(m, vf->group);
		if (r < 0)
			return r;
		if ((r = vfio_device_add(m, vf)) < 0) {
			vfio_group_put(m, vf->group);
			return r;
		}
	}
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
	d->vgpu_type = NULL;
	d->vgpu_gi = 0;
	/* nv_vfio_pci_core_uninit(): unregister from VFIO */
	if (d->vfio_dev) {
		vfio_device_del(d->m, d);
		vfio_group_put(d->m, d->group);
	}
	tree_remove_child(d->dir, "nvidia");
}
