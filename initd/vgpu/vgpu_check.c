// SPDX-License-Identifier: GPL-2.0-or-later
/* vm-vgpu's read of the node: each GPU's vGPU path (mdev on the PF or
 * its VFs, vendor-specific VFIO on VFs, SR-IOV still off) and the types
 * it offers, the plan, and the planned vGPUs' UUIDs and parents. */
#include "vgpu_check.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/pcidev.h"
#include "node/select.h"
#include "node/vfio.h"
#include "rootfs.h"
#include "vgpu_mig.h"
#include "vgpu_sriov.h"
#include "vgpu_type.h"
#include "vgpu_uuid.h"
#include "vgpu_vendor.h"

/* Offers in a stable order: by id. */
static void sort_offers(struct vgpu_gpu *g)
{
	for (size_t i = 1; i < g->ntypes; i++)
		for (size_t j = i; j > 0 && strcmp(g->types[j - 1].id, g->types[j].id) > 0; j--) {
			struct vgpu_offer t = g->types[j];
			g->types[j] = g->types[j - 1];
			g->types[j - 1] = t;
		}
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
		if (rootfs_read_attr(rootfd, p, desc, sizeof(desc)) >= 0 &&
		    (mi = strstr(desc, "max_instance=")))
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
}

/* A PF that can turn SR-IOV on for vGPUs: nvidia holds it (or, after a
 * crash in NVIDIA's sequence, pci-pf-stub or nothing; or VFIO) and the catalog
 * names types for it.  Its VF count once on, or 0. */
static unsigned sriov_capable(int rootfd, const struct vgpu_catalog *cat, const struct pcidev *p)
{
	char path[160], drv[64];
	int total = 0;
	struct vgpu_offer o;
	snprintf(path, sizeof(path), PCI_DEVICES "/%s/sriov_totalvfs", p->bdf);
	if (rootfs_read_int(rootfd, path, &total) < 0 || total <= 0 ||
	    vgpu_catalog_offers(cat, p->device, &o, 1) == 0)
		return 0;
	if (pcidev_read_driver(rootfd, p->bdf, drv, sizeof(drv)) < 0)
		drv[0] = '\0';
	/* on VFIO (vm-passthrough before): apply gives it back to nvidia first */
	return !drv[0] || strcmp(drv, "nvidia") == 0 || strcmp(drv, "pci-pf-stub") == 0 || driver_is_vfio(drv)
		   ? (unsigned)total
		   : 0;
}

void vgpu_gpu_read(int rootfd, struct vgpu_catalog *cat, const struct pcidev *p, int index,
		   struct vgpu_gpu *g)
{
	char path[256], vf[PCI_ADDR_STRLEN];
	memset(g, 0, sizeof(*g));
	g->addr = p->addr;
	snprintf(g->bdf, sizeof(g->bdf), "%s", p->bdf);
	g->index = index;
	g->vendor = p->vendor;
	g->device = p->device;
	snprintf(path, sizeof(path), PCI_DEVICES "/%s/mdev_supported_types", p->bdf);
	if (rootfs_exists(rootfd, path) == 1) {
		g->path = VGPU_PATH_MDEV_PF;
		read_offers(rootfd, path, g);
		sort_offers(g);
		return;
	}
	int nvf = vgpu_vf_count(rootfd, p->bdf);
	g->slots = (unsigned)nvf;
	for (int i = 0; i < nvf && g->path == VGPU_PATH_NONE; i++) {
		if (vgpu_vf_addr(rootfd, p->bdf, i, vf, sizeof(vf)) < 0)
			continue;
		snprintf(path, sizeof(path), PCI_DEVICES "/%s/mdev_supported_types", vf);
		if (rootfs_exists(rootfd, path) == 1) {
			g->path = VGPU_PATH_MDEV_VF; /* a VF's max_instance is the GPU's; one per VF */
			read_offers(rootfd, path, g);
			sort_offers(g);
			return;
		}
		snprintf(path, sizeof(path), PCI_DEVICES "/%s/nvidia/current_vgpu_type", vf);
		if (rootfs_exists(rootfd, path) == 1)
			g->path = VGPU_PATH_VENDOR_VFIO;
	}
	if (g->path == VGPU_PATH_NONE) {
		unsigned total = sriov_capable(rootfd, cat, p);
		if (!total)
			return;
		g->path = VGPU_PATH_SRIOV_OFF;
		g->slots = nvf ? (unsigned)nvf : total;
	}
	g->ntypes = vgpu_catalog_offers(cat, g->device, g->types, VGPU_MAX_GPU_TYPES);
	if (g->path == VGPU_PATH_VENDOR_VFIO && g->ntypes == 0) /* no catalog: what the VFs list */
		vgpu_vendor_offers(rootfd, cat, g);
	sort_offers(g);
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
		char ident[160], drv[64];
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
			v->slot = (int)(a->first + i);
			if (g->path == VGPU_PATH_MDEV_PF)
				snprintf(v->parent, sizeof(v->parent), "%s", g->bdf);
			else if (vgpu_vf_addr(rootfd, g->bdf, v->slot, v->parent, sizeof(v->parent)) < 0)
				n->prepare = true; /* VFs off: parent known once on */
			else if (pcidev_read_driver(rootfd, v->parent, drv, sizeof(drv)) < 0 ||
				 strcmp(drv, "nvidia") != 0)
				n->prepare = true;
		}
	}
	return 0;
}

int vgpu_check(int rootfd, const struct config *c, const struct pcidevs *devs, struct vgpu_node **ret,
	       char *err, size_t es)
{
	struct vgpu_node *n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	*ret = n;
	n->gpus = calloc(devs->n ? devs->n : 1, sizeof(*n->gpus));
	if (!n->gpus)
		return -ENOMEM;
	n->cat_err = vgpu_catalog_load(rootfd, &n->cat);
	for (size_t i = 0; i < devs->n; i++) {
		const struct pcidev *p = &devs->dev[i];
		if (!pcidev_is_gpu(p) || p->is_vf)
			continue;
		vgpu_gpu_read(rootfd, &n->cat, p, select_gpu_index(devs->dev, devs->n, i),
			      &n->gpus[n->ngpus++]);
	}
	int e = vgpu_plan_make(c, n->gpus, n->ngpus, &n->plan, err, es);
	if (e < 0 || (e = vgpu_mig_check(n->gpus, n->ngpus, &n->plan, &n->mig, err, es)) < 0)
		return e;
	e = expand(rootfd, n);
	if (e < 0)
		snprintf(err, es,
			 "cannot derive the vGPU UUIDs (no PCI serial number, no DMI product_uuid): %s",
			 strerror(-e));
	return e;
}
