// SPDX-License-Identifier: GPL-2.0-or-later
/* The IOMMU of an arm64 node: an Arm SMMU (v3 on servers such as NVIDIA
 * Grace), described to the kernel by the ACPI IORT table or a device tree.
 * Sources:
 *  - unit names: drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c
 *    arm_smmu_device_probe, iommu_device_sysfs_add(..., "smmu3.%pa"); the
 *    SMMUv1/v2 driver drivers/iommu/arm/arm-smmu/arm-smmu.c "smmu.%pa";
 *  - ACPI: drivers/acpi/arm64/iort.c iort_add_smmu_platform_device creates
 *    the SMMU platform devices from the IORT's SMMUv3 nodes; without an
 *    IORT (ACPI boot) there is no SMMU and no IOMMU group;
 *  - device tree: the kernel exposes the flattened tree as
 *    sys/firmware/devicetree/base (drivers/of/kobj.c, of_core_init); an
 *    SMMU there is an "arm,smmu-v3" node the PCIe host bridge points at
 *    with iommu-map (Documentation/devicetree/bindings/iommu/arm,smmu-v3.yaml,
 *    .../pci/pci-iommu.txt);
 *  - arm64: proc/cpuinfo stanzas carry "CPU implementer"
 *    (arch/arm64/kernel/cpuinfo.c c_show);
 *  - command line: iommu.passthrough= sets the default domain type to
 *    identity, iommu.strict= strict or lazy (DMA / DMA-FQ) invalidation
 *    (drivers/iommu/iommu.c iommu_set_def_domain_type, iommu_dma_setup;
 *    Documentation/admin-guide/kernel-parameters.txt); neither keeps VFIO
 *    from isolating a device: VFIO claims the group and attaches its own
 *    domain (drivers/iommu/iommu.c iommu_group_claim_dma_owner);
 *  - QEMU's virt machine gets an SMMUv3 with -machine virt,iommu=smmuv3
 *    (hw/arm/virt.c "iommu" property), libvirt with <iommu model='smmuv3'/>
 *    (formatdomain "IOMMU devices", since 5.5.0).
 * Grace firmware's setting name for the SMMU: unverified (the fix says
 * "the SMMU in the firmware settings"). */
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "iommu.h"
#include "rootfs.h"

enum iommu_vendor iommu_arm_vendor(const char *unit)
{
	if (strncmp(unit, "smmu3.", 6) == 0)
		return IOMMU_ARM_SMMUV3;
	if (strncmp(unit, "smmu.", 5) == 0)
		return IOMMU_ARM_SMMU;
	return IOMMU_OTHER;
}

static enum tristate kconfig_tri(const char *cfg, const char *sym)
{
	char on[96], off[96];
	if (!cfg)
		return TRI_UNSET;
	snprintf(on, sizeof(on), "\n%s=", sym);
	snprintf(off, sizeof(off), "\n# %s is not set", sym);
	const char *p = strstr(cfg, on);
	if (p && (p[strlen(on)] == 'y' || p[strlen(on)] == 'm'))
		return TRI_ON;
	return strstr(cfg, off) ? TRI_OFF : TRI_UNSET;
}

/* The ACPI MADT (drivers/acpi/tables.c; ACPI 6.5 §5.2.12): a 44-byte
 * header (36 + local interrupt controller address + flags), then entries
 * of type and length; GIC distributor 0x0C, GIC ITS 0x0F
 * (include/acpi/actbl2.h ACPI_MADT_TYPE_GENERIC_DISTRIBUTOR,
 * ACPI_MADT_TYPE_GENERIC_TRANSLATOR).  Observed: QEMU virt under EDK2 with
 * gic-version=3 lists 0x0C, 0x0B, 0x0E, 0x0F; with the default GICv2 0x0C,
 * 0x0B, 0x0D (a GICv2m MSI frame) and no ITS (tests/vm/arm64). */
enum tristate iommu_arm_madt_its(const unsigned char *t, size_t len)
{
	if (len < 44 || memcmp(t, "APIC", 4) != 0)
		return TRI_UNSET;
	size_t tlen = (size_t)t[4] | (size_t)t[5] << 8 | (size_t)t[6] << 16 | (size_t)t[7] << 24;
	if (tlen < len)
		len = tlen;
	bool gicd = false;
	for (size_t o = 44; o + 2 <= len && t[o + 1] >= 2; o += t[o + 1]) {
		if (t[o] == 0x0F)
			return TRI_ON;
		gicd |= t[o] == 0x0C;
	}
	return gicd ? TRI_OFF : TRI_UNSET;
}

/* A device tree's GIC: a node with an interrupt-controller property whose
 * compatible names an Arm GIC; an ITS is its child with compatible
 * "arm,gic-v3-its" (Documentation/devicetree/bindings/interrupt-controller/
 * arm,gic-v3.yaml "its@..." children; arm,gic.yaml for GICv1/v2).  Seen in
 * QEMU virt: intc@8000000 "arm,gic-v3" with its@8080000 "arm,gic-v3-its";
 * with GICv2 "arm,cortex-a15-gic" and no ITS (tests/vm/arm64). */
static bool dt_compatible(int rootfd, const char *node, const char *what)
{
	char p[512], v[256];
	snprintf(p, sizeof(p), "%s/compatible", node);
	ssize_t n = rootfs_read_bytes(rootfd, p, v, sizeof(v) - 1);
	if (n <= 0)
		return false;
	v[n] = '\0';
	for (ssize_t k = 0; k < n; k += (ssize_t)strlen(v + k) + 1) /* NUL-separated list */
		if (strncmp(v + k, what, strlen(what)) == 0)
			return true;
	return false;
}

static enum tristate dt_its(int rootfd)
{
	const char *base = "sys/firmware/devicetree/base";
	DIR *d = rootfs_opendir(rootfd, base);
	if (!d)
		return TRI_UNSET;
	enum tristate t = TRI_UNSET;
	struct dirent *e;
	char node[320], sub[640];
	while (t != TRI_ON && (e = readdir(d))) {
		snprintf(node, sizeof(node), "%s/%s", base, e->d_name);
		if (e->d_name[0] == '.' || !dt_compatible(rootfd, node, "arm,"))
			continue;
		snprintf(sub, sizeof(sub), "%s/interrupt-controller", node);
		if (rootfs_exists(rootfd, sub) <= 0)
			continue;
		if (!dt_compatible(rootfd, node, "arm,gic") && !dt_compatible(rootfd, node, "arm,cortex-a"))
			continue;
		t = TRI_OFF;
		DIR *c = rootfs_opendir(rootfd, node);
		struct dirent *f;
		while (c && (f = readdir(c)))
			if (f->d_name[0] != '.') {
				snprintf(sub, sizeof(sub), "%s/%s", node, f->d_name);
				if (dt_compatible(rootfd, sub, "arm,gic-v3-its"))
					t = TRI_ON;
			}
		if (c)
			closedir(c);
	}
	closedir(d);
	return t;
}

void iommu_arm_probe(int rootfd, const char *kver, const char *cpuinfo, const char *kconfig,
		     struct iommu_info *i)
{
	(void)kver;
	i->acpi_iort = rootfs_exists(rootfd, "sys/firmware/acpi/tables/IORT") > 0;
	i->devicetree = rootfs_exists(rootfd, "sys/firmware/devicetree/base") > 0;
	i->arm = i->acpi_iort || i->vendor == IOMMU_ARM_SMMUV3 || i->vendor == IOMMU_ARM_SMMU ||
		 (cpuinfo && strstr(cpuinfo, "CPU implementer"));
	i->kconfig_smmuv3 = kconfig_tri(kconfig, "CONFIG_ARM_SMMU_V3");
	i->kconfig_strict = kconfig_tri(kconfig, "CONFIG_IOMMU_DEFAULT_DMA_STRICT");
	if (!i->arm)
		return;
	unsigned char madt[4096];
	ssize_t n = rootfs_read_bytes(rootfd, "sys/firmware/acpi/tables/APIC", madt, sizeof(madt));
	i->irq_remap = n > 0 ? iommu_arm_madt_its(madt, (size_t)n) : TRI_UNSET;
	if (i->irq_remap == TRI_UNSET)
		i->irq_remap = dt_its(rootfd);
	char v[8];
	if (rootfs_read_attr(rootfd, "sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts", v,
			     sizeof(v)) > 0 &&
	    (v[0] == 'Y' || v[0] == 'y' || v[0] == '1'))
		i->unsafe_interrupts_allowed = true;
}

static const char *arm_vm_fix(const struct virt_info *v)
{
	if (!v->vm)
		return NULL;
	return "this node is a virtual machine: firmware settings do not apply; the hypervisor must give "
	       "it a virtual SMMUv3 (QEMU: -machine virt,iommu=smmuv3; libvirt: <iommu "
	       "model='smmuv3'/> in <devices>), or use a bare-metal node";
}

enum iommu_cause iommu_arm_diagnose(const struct iommu_info *i, const char **ret_fix)
{
	const char *vm = arm_vm_fix(&i->virt);
	if (!i->acpi_iort && !i->devicetree) {
		*ret_fix = vm ? vm
			      : "enable the SMMU in the firmware (UEFI) settings: the kernel sees no ACPI "
				"IORT table, so it sets up no Arm SMMU and no IOMMU group";
		return IOMMU_NO_ACPI_TABLE;
	}
	if (i->kconfig_smmuv3 == TRI_OFF) {
		*ret_fix = "this kernel is built without the Arm SMMUv3 driver (# CONFIG_ARM_SMMU_V3 is not "
			   "set): boot a kernel built with it (Debian's arm64 kernels have it built in)";
		return IOMMU_KERNEL_DEFAULT;
	}
	if (i->nunits == 0 && !i->acpi_iort) {
		*ret_fix = vm ? vm
			      : "the device tree describes no SMMU the kernel set up: it needs an "
				"\"arm,smmu-v3\" node and an iommu-map on the PCIe host bridge; check dmesg "
				"for arm-smmu-v3";
		return IOMMU_NO_GROUPS;
	}
	*ret_fix = i->nunits == 0
		       ? "the IORT describes no SMMU the kernel set up for these devices: check "
			 "dmesg for arm-smmu-v3 and IORT errors (load arm_smmu_v3 early if it is "
			 "a module), and the firmware's SMMU setting"
		       : "the Arm SMMU is up but no device has an IOMMU group: the IORT maps the "
			 "PCIe root complex to no SMMU; check dmesg for arm-smmu-v3 and IORT errors";
	return IOMMU_NO_GROUPS;
}

/* Groups made at driver probe (observed: tests/vm/arm64 a-groups on
 * Debian's 6.12.117 arm64 kernel under QEMU 7.2 virt,iommu=smmuv3, device
 * tree and ACPI/IORT alike: no group before a driver binds, "Adding to
 * iommu group 0" at the vfio-pci bind, kept after the unbind, gone after a
 * remove).  The path: drivers/base/dd.c really_probe -> the bus's
 * dma_configure (drivers/pci/pci-driver.c pci_dma_configure) ->
 * of_dma_configure_id / acpi_dma_configure_id -> of_iommu_configure /
 * iort_iommu_configure_id -> iommu_probe_device.  Debian's 7.3.4 arm64
 * kernel gives every PCI device its group at enumeration (same runs), as
 * x86 kernels do; the release that changed it: unverified. */
bool iommu_groups_at_probe(const struct iommu_info *i)
{
	return i->arm && i->nunits > 0 && (i->vendor == IOMMU_ARM_SMMUV3 || i->vendor == IOMMU_ARM_SMMU);
}

int iommu_arm_notes(const struct iommu_info *i, const char **notes, int max)
{
	int n = 0;
	if (!i->arm)
		return 0;
	if (n < max && iommu_groups_at_probe(i) && i->ngroups == 0)
		notes[n++] = "no IOMMU group yet: this kernel makes a device's group when a driver binds "
			     "it; gpu-initd predicts each group from the PCI topology and checks it "
			     "again after the bind";
	if (n < max && i->cmdline.iommu_passthrough == TRI_ON)
		notes[n++] = "iommu.passthrough=1: host DMA bypasses the SMMU (identity default domain); "
			     "VFIO still isolates the devices it takes";
	else if (n < max && i->cmdline.iommu_strict == TRI_OFF)
		notes[n++] = "iommu.strict=0: lazy (batched) TLB invalidation for host DMA (DMA-FQ); VFIO "
			     "domains are not affected";
	return n;
}
