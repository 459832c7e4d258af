// SPDX-License-Identifier: GPL-2.0-or-later
/* IOMMU: the iommu class device (Intel dmar0 / AMD ivhd0 / Arm SMMUv3
 * smmu3.0x...), IOMMU groups,
 * and the VFIO group character devices that exist while a member is bound
 * to a VFIO driver. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

#define VFIO_MAJOR 243

/* Arm SMMUv3 as an ACPI (IORT) arm64 server shows it: the IORT code
 * creates one platform device per SMMUv3 node, named after the driver with
 * an automatic id (drivers/acpi/arm64/iort.c iort_add_smmu_platform_device:
 * platform_device_alloc("arm-smmu-v3", PLATFORM_DEVID_AUTO) -> arm-smmu-v3.0.auto),
 * and the driver names the class device after its MMIO base
 * (drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c arm_smmu_device_probe:
 * iommu_device_sysfs_add(..., "smmu3.%pa", &ioaddr); %pa prints 0x and 16
 * hex digits).  The base address itself is unverified for Grace.  A
 * fixture may name both (iommu.unit, iommu.unit_parent): QEMU's virt
 * machine with iommu=smmuv3 shows smmu3.0x0000000009050000 under
 * platform/9050000.smmuv3 (device tree) or platform/arm-smmu-v3.0.auto
 * (ACPI IORT), read in the tests/vm/arm64 guests. */
#define SMMUV3_PARENT "arm-smmu-v3.0.auto"
#define SMMUV3_NAME "smmu3.0x0000000016000000"

static struct node *smmu_dir(struct model *m, bool create)
{
	char path[160];
	snprintf(path, sizeof(path), "sys/devices/platform/%s/iommu/%s",
		 m->smmu_parent[0] ? m->smmu_parent : SMMUV3_PARENT,
		 m->smmu_unit[0] ? m->smmu_unit : SMMUV3_NAME);
	return create ? tree_mkdir_p(m->root, path) : tree_lookup(m->root, path);
}

static struct node *iommu_dev_dir(struct model *m)
{
	if (m->iommu == IOMMU_INTEL)
		return tree_lookup(m->root, "sys/devices/virtual/iommu/dmar0");
	if (m->iommu == IOMMU_SMMUV3)
		return smmu_dir(m, false);
	if (m->iommu == IOMMU_AMD)
		for (int i = 0; i < m->ndevs; i++)
			if (m->devs[i]->class >> 8 == 0x0806 && m->devs[i]->dir)
				return tree_lookup(m->devs[i]->dir, "iommu/ivhd0");
	return NULL;
}

int iommu_init(struct model *m, enum iommu_kind kind, bool enabled)
{
	m->iommu = kind;
	m->iommu_enabled = enabled && kind != IOMMU_NONE;
	if (!m->iommu_enabled)
		return 0;
	struct node *cls = tree_lookup(m->root, "sys/class/iommu");
	struct node *dir;
	if (kind == IOMMU_INTEL) {
		dir = tree_mkdir_p(m->root, "sys/devices/virtual/iommu/dmar0");
		struct node *ii = dir ? tree_add_dir(dir, "intel-iommu", 0755) : NULL;
		/* ecap bit 3: interrupt remapping supported */
		if (!ii || !model_add_text(ii, "version", 0444, "1:0\n") ||
		    !model_add_text(ii, "address", 0444, "fbffc000\n") ||
		    !model_add_text(ii, "cap", 0444, "d2008c40660462\n") ||
		    !model_add_text(ii, "ecap", 0444, "f050da\n"))
			return -ENOMEM;
	} else if (kind == IOMMU_SMMUV3) {
		dir = smmu_dir(m, true);
		if (!dir)
			return -ENOMEM;
	} else {
		struct sim_dev *ivhd = NULL;
		for (int i = 0; i < m->ndevs; i++)
			if (m->devs[i]->class >> 8 == 0x0806 && m->devs[i]->present)
				ivhd = m->devs[i];
		if (!ivhd)
			return -EINVAL;
		dir = tree_mkdir_p(ivhd->dir, "iommu/ivhd0");
		struct node *ai = dir ? tree_add_dir(dir, "amd-iommu", 0755) : NULL;
		if (!ai || !model_add_text(ai, "cap", 0444, "0x00190003\n") ||
		    !model_add_text(ai, "features", 0444, "25bf732fa2295afe:53d\n"))
			return -ENOMEM;
	}
	if (!tree_add_dir(dir, "devices", 0755) || !tree_add_dir(dir, "power", 0755) ||
	    !model_add_text(dir, "uevent", 0644, "%s", "") || !tree_add_rel_link(dir, "subsystem", cls) ||
	    !tree_add_rel_link(cls, dir->name, dir))
		return -ENOMEM;
	return 0;
}

struct sim_group *model_group(struct model *m, int id, bool create)
{
	for (int i = 0; i < m->ngroups; i++)
		if (m->groups[i]->id == id)
			return m->groups[i];
	if (!create || !m->iommu_enabled || id < 0)
		return NULL;
	struct sim_group **ng = realloc(m->groups, sizeof(*ng) * (size_t)(m->ngroups + 1));
	if (!ng)
		return NULL;
	m->groups = ng;
	struct sim_group *g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->id = id;
	snprintf(g->type, sizeof(g->type), "%s", m->group_type[0] ? m->group_type : "DMA-FQ");
	m->groups[m->ngroups++] = g;
	return g;
}

static ssize_t group_type_show(struct node *n, char *buf, size_t cap, const struct attr_io *io)
{
	struct sim_group *g = n->obj;
	return snprintf(buf, cap, "%s\n", g->type);
}

static const struct attr_ops group_type_ops = { .show = group_type_show };

/* SMMUv3: the software MSI window the DMA layer reserves
 * (drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c arm_smmu_get_resv_regions:
 * MSI_IOVA_BASE 0x8000000, MSI_IOVA_LENGTH 0x100000, IOMMU_RESV_SW_MSI, which
 * drivers/iommu/iommu.c prints as "msi"). */
static const char *group_resv_regions(enum iommu_kind k)
{
	switch (k) {
	case IOMMU_AMD:
		return "0x00000000fee00000 0x00000000feefffff msi\n"
		       "0x000000fd00000000 0x000000ffffffffff reserved\n";
	case IOMMU_SMMUV3: return "0x0000000008000000 0x00000000080fffff msi\n";
	default: return "0x00000000fee00000 0x00000000feefffff msi\n";
	}
}

static int group_dir_create(struct model *m, struct sim_group *g)
{
	char name[16];
	snprintf(name, sizeof(name), "%d", g->id);
	g->dir = tree_add_dir(m->groups_dir, name, 0755);
	if (!g->dir || !tree_add_dir(g->dir, "devices", 0755) ||
	    !tree_add_attr(g->dir, "type", 0644, &group_type_ops, g, 0) ||
	    !model_add_text(g->dir, "reserved_regions", 0444, "%s", group_resv_regions(m->iommu)))
		return -ENOMEM;
	return 0;
}

int iommu_group_add_dev(struct model *m, struct sim_group *g, struct sim_dev *d)
{
	if (!g->dir) {
		int r = group_dir_create(m, g);
		if (r < 0)
			return r;
	}
	struct node *idev = iommu_dev_dir(m);
	if (!tree_add_rel_link(tree_child(g->dir, "devices"), d->bdf, d->dir) ||
	    !tree_add_rel_link(d->dir, "iommu_group", g->dir))
		return -ENOMEM;
	if (idev && (!tree_add_rel_link(d->dir, "iommu", idev) ||
		     !tree_add_rel_link(tree_child(idev, "devices"), d->bdf, d->dir)))
		return -ENOMEM;
	d->group = g;
	g->ndevs++;
	return 0;
}

void iommu_group_del_dev(struct model *m, struct sim_dev *d)
{
	struct sim_group *g = d->group;
	if (!g)
		return;
	tree_remove_child(tree_child(g->dir, "devices"), d->bdf);
	tree_remove_child(d->dir, "iommu_group");
	tree_remove_child(d->dir, "iommu");
	tree_remove_child(tree_child(iommu_dev_dir(m), "devices"), d->bdf);
	d->group = NULL;
	if (--g->ndevs == 0) { /* the kernel frees an empty group */
		tree_remove(g->dir);
		g->dir = NULL;
	}
}

static void emit_group(struct model *m, struct sim_group *g, const char *action)
{
	char devpath[64], major[32], minor[32], devname[32];
	snprintf(devpath, sizeof(devpath), "/devices/virtual/vfio/%d", g->id);
	snprintf(major, sizeof(major), "MAJOR=%d", VFIO_MAJOR);
	snprintf(minor, sizeof(minor), "MINOR=%d", g->id);
	snprintf(devname, sizeof(devname), "DEVNAME=vfio/%d", g->id);
	const char *env[] = { major, minor, devname, NULL };
	model_emit(m, action, devpath, "vfio", env);
}

int vfio_group_get(struct model *m, struct sim_group *g)
{
	if (g->vfio_refs++ > 0)
		return 0;
	char name[16];
	snprintf(name, sizeof(name), "%d", g->id);
	struct node *node = tree_add_data(m->dev_vfio, name, 0600, "", 0);
	struct node *vd = tree_add_dir(m->virt_vfio, name, 0755);
	if (!node || !vd || !model_add_text(vd, "dev", 0444, "%d:%d\n", VFIO_MAJOR, g->id) ||
	    !model_add_text(vd, "uevent", 0644, "MAJOR=%d\nMINOR=%d\nDEVNAME=vfio/%d\n", VFIO_MAJOR, g->id,
			    g->id) ||
	    !tree_add_rel_link(vd, "subsystem", m->class_vfio) ||
	    !tree_add_rel_link(m->class_vfio, name, vd)) {
		g->vfio_refs--;
		return -ENOMEM;
	}
	node->flags |= NODE_EXCLUSIVE;
	g->devnode = node;
	emit_group(m, g, "add");
	return 0;
}

void vfio_group_put(struct model *m, struct sim_group *g)
{
	if (!g || --g->vfio_refs > 0)
		return;
	char name[16];
	snprintf(name, sizeof(name), "%d", g->id);
	emit_group(m, g, "remove");
	tree_remove_child(m->dev_vfio, name);
	tree_remove_child(m->class_vfio, name);
	tree_remove_child(m->virt_vfio, name);
	g->devnode = NULL;
}

bool vfio_group_busy(const struct sim_group *g)
{
	return g->devnode && g->devnode->nopen > 0;
}

/* Groups made at driver probe (m->groups_at_probe).  What Debian's 6.12
 * arm64 kernel does with an SMMUv3 described by a device tree or by the
 * ACPI IORT -- observed: tests/vm/arm64 on Debian 6.12.117+deb13-arm64,
 * QEMU 7.2 virt,iommu=smmuv3 (tests/vm/arm64/a-groups.sh): an unbound PCI
 * device has no iommu_group and sys/kernel/iommu_groups is empty; binding
 * a driver makes the group before the driver's probe runs ("vfio-pci
 * 0000:00:05.0: Adding to iommu group 0": the lowest free number, as
 * iommu_group_alloc's ida gives it), so vfio-pci's /dev/vfio/N appears as
 * on x86; after unbind the group stays; remove drops it (the last member
 * gone, the group is freed); after a rescan the device has none again.
 * The kernel path: drivers/base/dd.c really_probe() calls the bus's
 * dma_configure before drv->probe: drivers/pci/pci-driver.c
 * pci_dma_configure() -> of_dma_configure_id() / acpi_dma_configure_id()
 * -> of_iommu_configure() / iort_iommu_configure_id(), which set the
 * device's iommu_fwspec and call iommu_probe_device() -- only then can
 * the SMMU driver (which needs the fwspec's stream IDs) take the device,
 * so the SMMU's registration (bus_iommu_probe) passed it over.  Newer
 * kernels parse the firmware description in the IOMMU core's own probe
 * path, so every device has its group at enumeration, as on x86: observed
 * on Debian 7.3.4+deb13-arm64 (the same scenario); the upstream change
 * (Robin Murphy's "iommu: Get DT/ACPI parsing into the proper probe path")
 * and its first release: unverified.  A group made at probe stays when
 * that probe fails (really_probe's failure path releases DMA ownership,
 * pci_dma_cleanup, not the group): modelled so, unverified.  Devices the
 * fixture puts in one group share it the way pci_device_group() finds
 * it: a later probe joins the group an earlier one made -- observed on the
 * same 6.12 kernel with two functions of one slot (tests/vm/arm64/
 * a-shared-group.sh: 05.1 on pci-stub made group 0, 05.0 had none until
 * its vfio-pci probe put it in group 0 too). */
int iommu_probe_dev(struct model *m, struct sim_dev *d)
{
	if (!m->groups_at_probe || d->group || d->group_id < 0)
		return 0;
	struct sim_group *g = NULL;
	for (int i = 0; i < m->ndevs && !g; i++)
		if (m->devs[i] != d && m->devs[i]->present && m->devs[i]->group_id == d->group_id)
			g = m->devs[i]->group;
	if (!g)
		g = model_group(m, iommu_group_alloc_id(m), true);
	if (!g)
		return -ENOMEM;
	return iommu_group_add_dev(m, g, d);
}

int iommu_group_alloc_id(struct model *m)
{
	for (int id = 0;; id++) {
		struct sim_group *g = model_group(m, id, false);
		if (!g || (!g->dir && g->ndevs == 0))
			return id;
	}
}

/* A device registered with VFIO gets a struct device of class "vfio-dev"
 * under it, named vfio<index> from one ida (drivers/vfio/vfio_main.c:
 * vfio_init() creates the class, "/sys/class/vfio-dev/vfioX";
 * vfio_init_device() names it, parent = the device; since Linux 6.1).
 * The /dev/vfio/devices/ cdev (iommufd, CONFIG_VFIO_DEVICE_CDEV) is not
 * modelled: simfs has no /dev/iommu. */
int vfio_device_add(struct model *m, struct sim_dev *d)
{
	unsigned idx = 0;
	if (d->vfio_dev)
		return 0;
	for (bool taken = true; taken; idx += taken) {
		taken = false;
		for (int i = 0; i < m->ndevs && !taken; i++)
			taken = m->devs[i]->vfio_dev && m->devs[i]->vfio_index == idx;
	}
	char name[24], devpath[600];
	snprintf(name, sizeof(name), "vfio%u", idx);
	struct node *cls = tree_mkdir_p(m->root, "sys/class/vfio-dev");
	struct node *vd = tree_add_dir(d->dir, "vfio-dev", 0755);
	struct node *dir = vd ? tree_add_dir(vd, name, 0755) : NULL;
	if (!cls || !dir || !tree_add_dir(dir, "power", 0755) ||
	    !model_add_text(dir, "uevent", 0644, "%s", "") || !tree_add_rel_link(dir, "subsystem", cls) ||
	    !tree_add_rel_link(dir, "device", d->dir) || !tree_add_rel_link(cls, name, dir)) {
		tree_remove_child(d->dir, "vfio-dev");
		if (cls)
			tree_remove_child(cls, name);
		return -ENOMEM;
	}
	d->vfio_dev = true;
	d->vfio_index = idx;
	snprintf(devpath, sizeof(devpath), "%s/vfio-dev/%s", d->devpath, name);
	model_emit(m, "add", devpath, "vfio-dev", NULL);
	return 0;
}

void vfio_device_del(struct model *m, struct sim_dev *d)
{
	if (!d->vfio_dev)
		return;
	char name[24], devpath[600];
	snprintf(name, sizeof(name), "vfio%u", d->vfio_index);
	snprintf(devpath, sizeof(devpath), "%s/vfio-dev/%s", d->devpath, name);
	model_emit(m, "remove", devpath, "vfio-dev", NULL);
	tree_remove_child(d->dir, "vfio-dev");
	tree_remove_child(tree_lookup(m->root, "sys/class/vfio-dev"), name);
	d->vfio_dev = false;
}
