// SPDX-License-Identifier: GPL-2.0-or-later
#include "vgpu_apply.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "log.h"
#include "modules.h"
#include "pcidev.h"
#include "rootfs.h"
#include "select.h"
#include "vfio.h"
#include "vgpu_mig.h"
#include "vgpu_type.h"
#include "vgpu_uuid.h"

#define MAX_VFS 64
#define DEV "sys/bus/pci/devices/"

/* One mdev as sysfs shows it. */
struct mdev {
	char uuid[UUID_STRLEN];
	char parent[PCI_ADDR_STRLEN];
	char type[32]; /* "nvidia-471" */
	bool matched;
};

static int vf_addr(int rootfd, const char *pf, int i, char *buf, size_t size)
{
	char p[128];
	snprintf(p, sizeof(p), DEV "%s/virtfn%d", pf, i);
	return rootfs_link_basename(rootfd, p, buf, size);
}

static void read_offers(int rootfd, const char *dir, struct vgpu_gpu *g)
{
	DIR *d = rootfs_opendir(rootfd, dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)) && g->ntypes < VGPU_MAX_GPU_TYPES) {
		if (e->d_name[0] == '.')
			continue;
		char p[640], name[64], desc[256];
		struct vgpu_type_name tn;
		if (strlen(e->d_name) >= sizeof(g->types[0].id))
			continue;
		snprintf(p, sizeof(p), "%s/%s/name", dir, e->d_name);
		if (rootfs_read_attr(rootfd, p, name, sizeof(name)) < 0 || vgpu_type_parse(name, &tn) < 0)
			continue;
		struct vgpu_offer *o = &g->types[g->ntypes];
		memset(o, 0, sizeof(*o));
		snprintf(o->name, sizeof(o->name), "%s", vgpu_type_short(name));
		snprintf(o->id, sizeof(o->id), "%.23s", e->d_name);
		o->fb_gb = tn.fb_gb;
		o->mig = tn.slices > 0;
		snprintf(p, sizeof(p), "%s/%s/description", dir, e->d_name);
		const char *mi;
		if (rootfs_read_attr(rootfd, p, desc, sizeof(desc)) >= 0 && (mi = strstr(desc, "max_instance=")))
			o->max = (unsigned)strtoul(mi + 13, NULL, 10);
		else {
			snprintf(p, sizeof(p), "%s/%s/available_instances", dir, e->d_name);
			int n = 0;
			rootfs_read_int(rootfd, p, &n);
			o->max = n > 0 ? (unsigned)n : 0;
		}
		g->ntypes++;
	}
	closedir(d);
	/* stable order: by id */
	for (size_t i = 1; i < g->ntypes; i++)
		for (size_t j = i; j > 0 && strcmp(g->types[j - 1].id, g->types[j].id) > 0; j--) {
			struct vgpu_offer t = g->types[j];
			g->types[j] = g->types[j - 1];
			g->types[j - 1] = t;
		}
}

static void discover(int rootfd, const struct pcidev *p, int index, struct vgpu_gpu *g)
{
	char path[256], vf[PCI_ADDR_STRLEN];
	memset(g, 0, sizeof(*g));
	g->addr = p->addr;
	snprintf(g->bdf, sizeof(g->bdf), "%s", p->bdf);
	g->index = index;
	g->vendor = p->vendor;
	g->device = p->device;
	snprintf(path, sizeof(path), DEV "%s/mdev_supported_types", p->bdf);
	if (rootfs_exists(rootfd, path) == 1) {
		g->path = VGPU_PATH_MDEV_PF;
		read_offers(rootfd, path, g);
		return;
	}
	int nvf = 0;
	while (nvf < MAX_VFS && vf_addr(rootfd, p->bdf, nvf, vf, sizeof(vf)) >= 0)
		nvf++;
	if (nvf == 0 || vf_addr(rootfd, p->bdf, 0, vf, sizeof(vf)) < 0)
		return;
	snprintf(path, sizeof(path), DEV "%s/mdev_supported_types", vf);
	if (rootfs_exists(rootfd, path) == 1) {
		g->path = VGPU_PATH_MDEV_VF;
		g->slots = (unsigned)nvf;
		read_offers(rootfd, path, g);
		/* a VF's max_instance is the GPU's; one per VF */
	}
}

void vgpu_node_free(struct vgpu_node *n)
{
	if (!n)
		return;
	free(n->gpus);
	free(n->v);
	vgpu_mig_free(n->mig);
	free(n);
}

/* The planned vGPUs, with their UUIDs and parents. */
static int expand(int rootfd, struct vgpu_node *n)
{
	size_t total = 0;
	for (size_t k = 0; k < n->plan.n; k++)
		total += n->plan.a[k].count;
	n->v = calloc(total ? total : 1, sizeof(*n->v));
	if (!n->v)
		return -ENOMEM;
	for (size_t k = 0; k < n->plan.n; k++) {
		const struct vgpu_assign *a = &n->plan.a[k];
		const struct vgpu_gpu *g = &n->gpus[a->gpu];
		char ident[160];
		int e = vgpu_identity_read(rootfd, g->bdf, ident, sizeof(ident));
		if (e < 0)
			return e;
		for (unsigned i = 0; i < a->count; i++) {
			struct vgpu_entry *v = &n->v[n->nv++];
			uint8_t u[16];
			snprintf(v->gpu, sizeof(v->gpu), "%s", g->bdf);
			snprintf(v->type, sizeof(v->type), "%s", g->types[a->type].name);
			vgpu_uuid(ident, g->types[a->type].name, i, u);
			uuid_format(u, v->uuid);
			if (g->path == VGPU_PATH_MDEV_PF)
				snprintf(v->parent, sizeof(v->parent), "%s", g->bdf);
			else if (vf_addr(rootfd, g->bdf, (int)(a->first + i), v->parent, sizeof(v->parent)) < 0)
				return -ENOENT;
		}
	}
	return 0;
}

int vgpu_check(int rootfd, const struct config *c, const struct pcidevs *devs, struct vgpu_node **ret, char *err,
	       size_t es)
{
	struct vgpu_node *n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	*ret = n;
	n->gpus = calloc(devs->n ? devs->n : 1, sizeof(*n->gpus));
	if (!n->gpus)
		return -ENOMEM;
	for (size_t i = 0; i < devs->n; i++) {
		const struct pcidev *p = &devs->dev[i];
		if (!pcidev_is_gpu(p) || p->is_vf)
			continue;
		discover(rootfd, p, select_gpu_index(devs->dev, devs->n, i), &n->gpus[n->ngpus++]);
	}
	int e = vgpu_plan_make(c, n->gpus, n->ngpus, &n->plan, err, es);
	if (e < 0 || (e = vgpu_mig_check(n->gpus, n->ngpus, &n->plan, &n->mig, err, es)) < 0)
		return e;
	e = expand(rootfd, n);
	if (e < 0)
		snprintf(err, es, "cannot derive the vGPU UUIDs (no PCI serial number, no DMI product_uuid): %s",
			 strerror(-e));
	return e;
}

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
		if (vf_addr(rootfd, g->bdf, (int)i, vf, sizeof(vf)) >= 0 && strcmp(vf, parent) == 0)
			return true;
	return false;
}

/* Removes mdev x unless its VFIO group is open.  0, 1 in use, -errno. */
static int remove_mdev(int rootfd, const struct mdev *x, struct apply_stats *st)
{
	char p[160], grp[16];
	snprintf(p, sizeof(p), "sys/bus/mdev/devices/%s/iommu_group", x->uuid);
	if (rootfs_link_basename(rootfd, p, grp, sizeof(grp)) >= 0 && vfio_group_in_use(rootfd, atoi(grp)) == 1) {
		log_error("vGPU %s on %s is in use (dev/vfio/%s open): left in place", x->uuid, x->parent, grp);
		return 1;
	}
	snprintf(p, sizeof(p), "sys/bus/mdev/devices/%s/remove", x->uuid);
	int e = rootfs_write(rootfd, p, "1");
	st->writes++;
	if (e < 0)
		return log_error_errno(e, "removing vGPU %s on %s: %m", x->uuid, x->parent), e;
	log_info("removed vGPU %s (%s) on %s", x->uuid, x->type, x->parent);
	return 0;
}

static int converge_gpu(int rootfd, struct vgpu_node *n, const struct vgpu_gpu *g, struct mdev *m, size_t nm,
			struct apply_stats *st)
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
		if (e == 1)
			n->in_use++;
		else if (e == 0)
			n->removed++;
		if (e)
			res = 1;
	}
	/* GPU instances between the vGPUs that went and the ones to create */
	int mig = vgpu_mig_apply(n->mig, gi, g);
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
		snprintf(p, sizeof(p), DEV "%s/mdev_supported_types/%s/create", v->parent, g->types[o].id);
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

int vgpu_apply_run(int rootfd, struct vgpu_node *n, struct apply_stats *st)
{
	struct mdev *m;
	size_t nm;
	int e = list_mdevs(rootfd, &m, &nm), res = 0;
	if (e < 0)
		return e;
	for (size_t g = 0; g < n->ngpus; g++) {
		if (n->gpus[g].path == VGPU_PATH_MDEV_PF || n->gpus[g].path == VGPU_PATH_MDEV_VF)
			res |= converge_gpu(rootfd, n, &n->gpus[g], m, nm, st);
	}
	free(m);
	st->done += n->created + n->removed;
	st->unchanged += n->kept;
	st->failed += n->failed;
	st->refused += n->in_use;
	return res;
}

/* NVIDIA's sequence to turn SR-IOV off on a PF bound to nvidia (which
 * cannot change sriov_numvfs itself): VFs off their driver, unbind lock,
 * PF to pci-pf-stub through driver_override, numvfs 0, PF back to its
 * default driver with autoprobe on.  0 or -errno. */
static int w(int rootfd, struct apply_stats *st, const char *bdf, const char *attr, const char *val)
{
	char p[256];
	if (bdf)
		snprintf(p, sizeof(p), DEV "%s/%s", bdf, attr);
	else
		snprintf(p, sizeof(p), "sys/bus/pci/%s", attr);
	st->writes++;
	int e = rootfs_write(rootfd, p, val);
	if (e < 0)
		log_error_errno(e, "%s%s%s <- %s: %m", bdf ? bdf : "", bdf ? "/" : "", attr, val);
	return e;
}

int vgpu_sriov_off(int rootfd, struct modules *mods, const char *pf, struct apply_stats *st)
{
	char v[32], drv[64], vf[PCI_ADDR_STRLEN], p[160];
	snprintf(p, sizeof(p), DEV "%s/sriov_numvfs", pf);
	if (rootfs_read_attr(rootfd, p, v, sizeof(v)) < 0 || strcmp(v, "0") == 0)
		return 0;
	char pfdrv[64];
	if (pcidev_read_driver(rootfd, pf, pfdrv, sizeof(pfdrv)) < 0 ||
	    (strcmp(pfdrv, "nvidia") != 0 && strcmp(pfdrv, "pci-pf-stub") != 0 && pfdrv[0]))
		return 0; /* a driver that configures SR-IOV itself: passthrough does it */
	for (int i = 0; vf_addr(rootfd, pf, i, vf, sizeof(vf)) >= 0; i++) {
		snprintf(p, sizeof(p), DEV "%s/iommu_group", vf);
		char g[16];
		if (rootfs_link_basename(rootfd, p, g, sizeof(g)) >= 0 && vfio_group_in_use(rootfd, atoi(g)) == 1)
			return log_error("%s: VF %s is in use: SR-IOV left on", pf, vf), -EBUSY;
	}
	int e, wr = 0;
	if (strcmp(pfdrv, "nvidia") == 0 && (e = nvidia_take_unbind_lock(rootfd, pf, &wr)) < 0)
		return log_error_errno(e, "%s: nvidia unbind lock: %m", pf), e;
	st->writes += wr;
	if (mods && (e = modules_load(mods, "pci-pf-stub")) < 0)
		return log_error_errno(e, "loading pci-pf-stub: %m"), e;
	for (int i = 0; vf_addr(rootfd, pf, i, vf, sizeof(vf)) >= 0; i++) {
		if (pcidev_read_driver(rootfd, vf, drv, sizeof(drv)) >= 0 && drv[0]) {
			snprintf(p, sizeof(p), "drivers/%s/unbind", drv);
			if ((e = w(rootfd, st, NULL, p, vf)) < 0)
				return e;
		}
		snprintf(p, sizeof(p), DEV "%s/driver_override", vf);
		if (rootfs_read_attr(rootfd, p, drv, sizeof(drv)) >= 0 && drv[0] && strcmp(drv, "(null)") != 0 &&
		    (e = w(rootfd, st, vf, "driver_override", "\n")) < 0)
			return e;
	}
	if ((e = w(rootfd, st, pf, "driver_override", "pci-pf-stub")) < 0)
		return e;
	if (strcmp(pfdrv, "pci-pf-stub") != 0) {
		if (pfdrv[0]) {
			snprintf(p, sizeof(p), "drivers/%s/unbind", pfdrv);
			if ((e = w(rootfd, st, NULL, p, pf)) < 0)
				return e;
		}
		if ((e = w(rootfd, st, NULL, "drivers_probe", pf)) < 0)
			return e;
	}
	if ((e = w(rootfd, st, pf, "sriov_numvfs", "0")) < 0 ||
	    (e = w(rootfd, st, pf, "driver_override", "\n")) < 0 ||
	    (e = w(rootfd, st, NULL, "drivers/pci-pf-stub/unbind", pf)) < 0 ||
	    (e = w(rootfd, st, pf, "sriov_drivers_autoprobe", "1")) < 0 ||
	    (e = w(rootfd, st, NULL, "drivers_probe", pf)) < 0)
		return e;
	log_info("%s: SR-IOV off (NVIDIA's sequence), back on its driver", pf);
	return 0;
}

int vgpu_undo(int rootfd, const struct pcidevs *devs, struct apply_stats *st)
{
	struct mdev *m;
	size_t nm;
	int e = list_mdevs(rootfd, &m, &nm), res = 0;
	if (e < 0)
		return e;
	for (size_t i = 0; i < devs->n && nm; i++) {
		const struct pcidev *p = &devs->dev[i];
		struct vgpu_gpu g;
		char ident[160];
		if (!pcidev_is_gpu(p) || p->is_vf)
			continue;
		discover(rootfd, p, -1, &g);
		if (g.path == VGPU_PATH_NONE || vgpu_identity_read(rootfd, g.bdf, ident, sizeof(ident)) < 0)
			continue;
		for (size_t j = 0; j < nm; j++)
			if (parent_of(rootfd, &g, m[j].parent) && managed(&g, ident, m[j].uuid) &&
			    remove_mdev(rootfd, &m[j], st) != 0)
				res = 1;
	}
	free(m);
	return res;
}
