// SPDX-License-Identifier: GPL-2.0-or-later
#include "vgpu_apply.h"
#include "vgpu_check.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "node/apply_stats.h"
#include "node/modules.h"
#include "node/pcidev.h"
#include "rootfs.h"
#include "node/nvidia_gpu.h"
#include "node/vfio.h"
#include "vgpu_mig.h"
#include "vgpu_sriov.h"
#include "vgpu_uuid.h"
#include "vgpu_vendor.h"

/* One mdev as sysfs shows it. */
struct mdev {
	char uuid[UUID_STRLEN];
	char parent[PCI_ADDR_STRLEN];
	char type[32]; /* "nvidia-471" */
	bool matched;
};

/* Every mdev on the node (sys/bus/mdev/devices). */
static int list_mdevs(int rootfd, struct mdev **ret, size_t *ret_n)
{
	size_t n = 0, cap = 16;
	struct mdev *m = calloc(cap, sizeof(*m));
	if (!m)
		return -ENOMEM;
	DIR *d = rootfs_opendir(rootfd, "sys/bus/mdev/devices");
	if (d) {
		struct dirent *e;
		while ((e = readdir(d))) {
			uint8_t u[16];
			char p[256], l[512];
			if (uuid_parse(e->d_name, u) < 0)
				continue;
			if (n == cap) {
				struct mdev *nm = realloc(m, 2 * cap * sizeof(*m));
				if (!nm) {
					closedir(d);
					free(m);
					return -ENOMEM;
				}
				m = nm;
				cap *= 2;
			}
			struct mdev *x = &m[n];
			memset(x, 0, sizeof(*x));
			uuid_format(u, x->uuid);
			snprintf(p, sizeof(p), "sys/bus/mdev/devices/%s", x->uuid);
			if (rootfs_readlink(rootfd, p, l, sizeof(l)) < 0)
				continue;
			char *slash = strrchr(l, '/');
			if (!slash)
				continue;
			*slash = 0;
			slash = strrchr(l, '/');
			snprintf(x->parent, sizeof(x->parent), "%.12s", slash ? slash + 1 : l);
			snprintf(p, sizeof(p), "sys/bus/mdev/devices/%s/mdev_type", x->uuid);
			rootfs_link_basename(rootfd, p, x->type, sizeof(x->type));
			n++;
		}
		closedir(d);
	}
	*ret = m;
	*ret_n = n;
	return 0;
}

/* Whether uuid is one gpu-initd derives for this GPU (any type, any slot). */
static bool managed(const struct vgpu_gpu *g, const char *ident, const char *uuid)
{
	for (size_t t = 0; t < g->ntypes; t++) {
		unsigned lim = g->types[t].max > g->slots ? g->types[t].max : g->slots;
		for (unsigned i = 0; i < lim + 1; i++) {
			uint8_t u[16];
			char s[UUID_STRLEN];
			vgpu_uuid(ident, g->types[t].name, i, u);
			if (strcmp(uuid_format(u, s), uuid) == 0)
				return true;
		}
	}
	return false;
}

static bool parent_of(int rootfd, const struct vgpu_gpu *g, const char *parent)
{
	if (strcmp(parent, g->bdf) == 0)
		return true;
	char vf[PCI_ADDR_STRLEN];
	for (unsigned i = 0; i < g->slots; i++)
		if (vgpu_vf_addr(rootfd, g->bdf, (int)i, vf, sizeof(vf)) >= 0 && strcmp(vf, parent) == 0)
			return true;
	return false;
}

/* Removes mdev x unless its VFIO group is open.  0, 1 in use, -errno. */
static int remove_mdev(int rootfd, const struct mdev *x, struct apply_stats *st)
{
	char p[160];
	int grp = -1;
	snprintf(p, sizeof(p), "sys/bus/mdev/devices/%s", x->uuid);
	if (vfio_dev_in_use(rootfd, p, &grp) == 1) {
		log_error("vGPU %s on %s is in use (dev/vfio/%d open): left in place", x->uuid, x->parent,
			  grp);
		return 1;
	}
	snprintf(p, sizeof(p), "sys/bus/mdev/devices/%s/remove", x->uuid);
	int e = rootfs_write(rootfd, p, "1");
	st->writes++;
	if (e < 0)
		return log_error_errno(e, "removing vGPU %s on %s: %m", x->uuid, x->parent);
	log_info("removed vGPU %s (%s) on %s", x->uuid, x->type, x->parent);
	return 0;
}

/* NVIDIA's order for MIG-backed vGPUs is MIG mode, GPU instances, then
 * the VFs and their vGPUs (NVIDIA AI Enterprise / vGPU user guide,
 * "Configuring a GPU for MIG-Backed vGPUs"; GPU Operator #2600/#2603: enable
 * MIG, reset, then sriov-manage -e).  On A100 a MIG mode change needs a GPU
 * reset, which the driver does only while the GPU is idle (simfs/mig.c
 * cites the model).  So a GPU whose VFs are on (A100's mdev VFs) changes
 * MIG mode with them off: VFs off, PF back on nvidia, MIG mode, VFs on
 * again by NVIDIA's sequence, the planned VFs bound to nvidia.  Its vGPUs
 * are gone by now (converge_gpu).  0 or -errno (logged). */
static int mig_mode_without_vfs(int rootfd, struct modules *mods, struct vgpu_node *n,
				const struct vgpu_gpu *g, struct apply_stats *st)
{
	size_t gi = (size_t)(g - n->gpus);
	int e, pid = nvidia_gpu_user(rootfd, g->bdf);
	if (pid > 0)
		return log_error_errno(
		    SYNTHETIC_ERRNO(EAGAIN),
		    "GPU %s: MIG mode %s waits for a GPU reset (process %d has the GPU open): "
		    "its vGPUs "
		    "cannot be created until then",
		    g->bdf, vgpu_mig_wanted(n->mig, gi) ? "on" : "off", pid);
	log_info("GPU %s: SR-IOV VFs off for its MIG mode change (NVIDIA's order: MIG mode, then VFs)",
		 g->bdf);
	if ((e = vgpu_sriov_off(rootfd, mods, g->bdf, st)) < 0 ||
	    (e = vgpu_pf_to_nvidia(rootfd, g->bdf, st)) < 0 || (e = vgpu_mig_mode(n->mig, gi, g)) < 0 ||
	    (e = vgpu_sriov_on(rootfd, mods, g->bdf, st)) < 0)
		return e;
	for (size_t k = 0; k < n->nv; k++)
		if (strcmp(n->v[k].gpu, g->bdf) == 0 && n->v[k].parent[0] &&
		    (e = vgpu_vf_bind(rootfd, n->v[k].parent, st)) < 0)
			return log_error_errno(e, "%s: binding VF %s to nvidia: %m", g->bdf, n->v[k].parent);
	return 0;
}

static int converge_gpu(int rootfd, struct modules *mods, struct vgpu_node *n, const struct vgpu_gpu *g,
			struct mdev *m, size_t nm, struct apply_stats *st)
{
	char ident[160];
	int res = 0;
	size_t gi = (size_t)(g - n->gpus);
	/* a GPU losing GPU instances gets all its vGPUs anew */
	bool rebuild = vgpu_mig_rebuilds(n->mig, gi);
	if (vgpu_identity_read(rootfd, g->bdf, ident, sizeof(ident)) < 0)
		return 0; /* expand() already failed for planned GPUs */
	for (size_t j = 0; j < nm; j++) {
		struct mdev *x = &m[j];
		if (!parent_of(rootfd, g, x->parent))
			continue;
		for (size_t k = 0; k < n->nv && !rebuild; k++) {
			struct vgpu_entry *v = &n->v[k];
			int o = vgpu_offer_find(g, v->type);
			if (strcmp(v->uuid, x->uuid) == 0 && strcmp(v->parent, x->parent) == 0 && o >= 0 &&
			    strcmp(g->types[o].id, x->type) == 0) {
				v->state = VGPU_KEPT;
				x->matched = true;
			}
		}
		if (x->matched || !managed(g, ident, x->uuid))
			continue;
		int e = remove_mdev(rootfd, x, st);
		res |= vgpu_count_removal(n, e);
	}
	/* GPU instances between the vGPUs that went and the ones to create;
	 * a MIG mode change first, with the VFs off (NVIDIA's order) */
	int mig = 0;
	if (g->path == VGPU_PATH_MDEV_VF && vgpu_mig_mode_changes(n->mig, gi) && !res)
		mig = mig_mode_without_vfs(rootfd, mods, n, g, st);
	if (mig == 0)
		mig = vgpu_mig_apply(n->mig, gi, g);
	for (size_t k = 0; k < n->nv; k++) {
		struct vgpu_entry *v = &n->v[k];
		if (strcmp(v->gpu, g->bdf) != 0)
			continue;
		if (v->state == VGPU_KEPT) {
			n->kept++;
			continue;
		}
		if (mig < 0) {
			v->state = VGPU_FAILED;
			v->err = mig;
			n->failed++;
			res = 1;
			continue;
		}
		char p[256];
		int o = vgpu_offer_find(g, v->type);
		snprintf(p, sizeof(p), PCI_DEVICES "/%s/mdev_supported_types/%s/create", v->parent,
			 g->types[o].id);
		int e = rootfs_write(rootfd, p, v->uuid);
		st->writes++;
		if (e < 0) {
			log_error_errno(e, "creating vGPU %s (%s) on %s: %m", v->uuid, v->type, v->parent);
			v->state = VGPU_FAILED;
			v->err = e;
			n->failed++;
			res = 1;
		} else {
			log_info("created vGPU %s (%s) on %s", v->uuid, v->type, v->parent);
			v->state = VGPU_CREATED;
			n->created++;
		}
	}
	return res;
}

int vgpu_apply_run(int rootfd, struct modules *mods, struct vgpu_node *n, struct apply_stats *st)
{
	struct mdev *m;
	size_t nm;
	int e = list_mdevs(rootfd, &m, &nm), res = 0;
	if (e < 0)
		return e;
	for (size_t g = 0; g < n->ngpus; g++) {
		const struct vgpu_gpu *gp = &n->gpus[g];
		if (gp->path == VGPU_PATH_MDEV_PF || gp->path == VGPU_PATH_MDEV_VF)
			res |= converge_gpu(rootfd, mods, n, gp, m, nm, st);
		else if (gp->path == VGPU_PATH_VENDOR_VFIO)
			res |= vgpu_vendor_converge(rootfd, n, gp, st);
		else /* VFs still off: vgpu_prepare() did not run or failed */
			for (size_t k = 0; k < n->nv; k++)
				if (strcmp(n->v[k].gpu, gp->bdf) == 0) {
					n->v[k].state = VGPU_FAILED;
					n->v[k].err = -ENODEV;
					n->failed++;
					res = 1;
				}
	}
	free(m);
	st->done += n->created + n->removed;
	st->unchanged += n->kept;
	st->failed += n->failed;
	st->refused += n->in_use;
	return res;
}

int vgpu_load_vfio(struct modules *mods, const struct vgpu_node *n, struct apply_stats *st)
{
	if (!mods || n->nv == 0)
		return 0;
	int e = modules_load(mods, "vfio_iommu_type1");
	if (e < 0)
		return log_error_errno(e, "loading vfio_iommu_type1 (VMs open vGPUs through VFIO): %m");
	st->modules_loaded += e;
	return 0;
}

int vgpu_prepare(int rootfd, struct modules *mods, const struct vgpu_node *n, struct apply_stats *st)
{
	for (size_t g = 0; g < n->ngpus; g++) {
		const struct vgpu_gpu *gp = &n->gpus[g];
		bool planned = false;
		for (size_t k = 0; k < n->nv; k++)
			planned |= strcmp(n->v[k].gpu, gp->bdf) == 0;
		if (!planned || gp->path == VGPU_PATH_MDEV_PF)
			continue;
		/* NVIDIA's order: MIG mode before the VFs (converge_gpu) */
		int e = vgpu_vf_count(rootfd, gp->bdf) == 0 ? vgpu_mig_mode(n->mig, g, gp) : 0;
		if (e == -EAGAIN)
			continue; /* logged; its VFs stay off, the other GPUs go on */
		if (e < 0 || (e = vgpu_sriov_on(rootfd, mods, gp->bdf, st)) < 0)
			return e;
		for (size_t k = 0; k < n->nv; k++) {
			char vf[PCI_ADDR_STRLEN];
			if (strcmp(n->v[k].gpu, gp->bdf) != 0)
				continue;
			if ((e = vgpu_vf_addr(rootfd, gp->bdf, n->v[k].slot, vf, sizeof(vf))) < 0)
				return log_error_errno(e, "%s: VF %d missing after enabling SR-IOV: %m",
						       gp->bdf, n->v[k].slot);
			if ((e = vgpu_vf_bind(rootfd, vf, st)) < 0)
				return e;
		}
	}
	return 0;
}

int vgpu_undo(int rootfd, const struct pcidevs *devs, struct apply_stats *st)
{
	struct mdev *m;
	size_t nm;
	struct vgpu_catalog none = { 0 };
	int e = list_mdevs(rootfd, &m, &nm), res = 0;
	if (e < 0)
		return e;
	for (size_t i = 0; i < devs->n; i++) {
		const struct pcidev *p = &devs->dev[i];
		struct vgpu_gpu g;
		char ident[160];
		if (!pcidev_is_gpu(p) || p->is_vf)
			continue;
		vgpu_gpu_read(rootfd, &none, p, -1, &g);
		if (g.path == VGPU_PATH_VENDOR_VFIO) {
			if (vgpu_vendor_undo(rootfd, g.bdf, st) != 0)
				res = 1;
			continue;
		}
		if (g.path == VGPU_PATH_NONE || !nm ||
		    vgpu_identity_read(rootfd, g.bdf, ident, sizeof(ident)) < 0)
			continue;
		for (size_t j = 0; j < nm; j++)
			if (parent_of(rootfd, &g, m[j].parent) && managed(&g, ident, m[j].uuid) &&
			    remove_mdev(rootfd, &m[j], st) != 0)
				res = 1;
	}
	vgpu_catalog_free(&none);
	free(m);
	return res;
}
