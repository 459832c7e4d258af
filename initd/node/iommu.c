// SPDX-License-Identifier: GPL-2.0-or-later
#include "iommu.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rootfs.h"

const char *iommu_vendor_name(enum iommu_vendor v)
{
	switch (v) {
	case IOMMU_INTEL: return "intel";
	case IOMMU_AMD: return "amd";
	case IOMMU_ARM_SMMUV3: return "arm-smmu-v3";
	case IOMMU_ARM_SMMU: return "arm-smmu";
	case IOMMU_OTHER: return "other";
	default: return "none";
	}
}

const char *iommu_cause_code(enum iommu_cause c)
{
	switch (c) {
	case IOMMU_OK: return "ok";
	case IOMMU_NO_ACPI_TABLE: return "iommu-no-acpi-table";
	case IOMMU_CMDLINE_OFF: return "iommu-disabled-cmdline";
	case IOMMU_KERNEL_DEFAULT: return "iommu-kernel-default-off";
	default: return "iommu-no-groups";
	}
}

/* On a virtual machine the DMAR/IVRS table is the hypervisor's to give
 * (a virtual IOMMU); the guest's firmware settings have nothing to enable.
 * QEMU: its intel-iommu device (hw/i386/intel_iommu.c); libvirt's domain
 * XML <iommu model='intel'> with <driver intremap='on' caching_mode='on'/>
 * (formatdomain "IOMMU devices", since 3.4.0: intremap "requires split I/O
 * APIC (<ioapic driver='qemu'/>)", caching_mode "useful for assigned
 * devices"), QEMU's -machine kernel-irqchip=split.  VMware's setting name
 * and the cloud advice are unverified. */
static const char *iommu_vm_fix(const struct virt_info *v)
{
	if (!v->vm)
		return NULL;
	switch (v->kind) {
	case VIRT_VMWARE:
		return "this node is a VMware virtual machine: firmware settings do not apply; turn on the "
		       "VM's virtual IOMMU (vSphere: CPU > \"Expose IOMMU to the guest OS\"), or use a "
		       "bare-metal node";
	case VIRT_CLOUD:
		return "this node is a cloud virtual machine: firmware settings do not apply; the hypervisor "
		       "gives it no virtual IOMMU: choose an instance type that offers one (or GPU "
		       "passthrough with a vIOMMU), or a bare-metal instance";
	default:
		return "this node is a virtual machine: firmware settings do not apply; the hypervisor must "
		       "give it a virtual IOMMU (QEMU: -machine q35,kernel-irqchip=split -device "
		       "intel-iommu,intremap=on,caching-mode=on; libvirt: <ioapic driver='qemu'/> in "
		       "<features> and <iommu model='intel'><driver intremap='on' "
		       "caching_mode='on'/></iommu>), "
		       "or use a bare-metal node";
	}
}

enum iommu_cause iommu_diagnose(const struct iommu_info *i, const char **ret_fix)
{
	const struct kcmdline *k = &i->cmdline;
	*ret_fix = "";
	if ((i->nunits > 0 && i->ngroups > 0) || iommu_groups_at_probe(i))
		return IOMMU_OK;
	if (i->arm)
		return iommu_arm_diagnose(i, ret_fix);
	if (!i->acpi_dmar && !i->acpi_ivrs) {
		*ret_fix = iommu_vm_fix(&i->virt);
		if (!*ret_fix)
			*ret_fix = "enable the IOMMU (Intel VT-d / AMD-Vi) in the firmware (BIOS) settings; "
				   "the kernel sees no ACPI DMAR or IVRS table";
		return IOMMU_NO_ACPI_TABLE;
	}
	if (k->iommu_off || (i->acpi_dmar && k->intel_iommu == TRI_OFF) ||
	    (i->acpi_ivrs && k->amd_iommu == TRI_OFF)) {
		*ret_fix = i->acpi_ivrs ? "remove amd_iommu=off / iommu=off from the kernel command line "
					  "(amd_iommu=on is not a valid option), add iommu=pt"
					: "remove intel_iommu=off / iommu=off from the kernel command line, "
					  "add intel_iommu=on iommu=pt";
		return IOMMU_CMDLINE_OFF;
	}
	if (i->acpi_dmar && k->intel_iommu == TRI_UNSET && i->kconfig_intel_default != TRI_ON) {
		*ret_fix = "add intel_iommu=on iommu=pt to the kernel command line "
			   "(this kernel does not enable the Intel IOMMU by default)";
		return IOMMU_KERNEL_DEFAULT;
	}
	*ret_fix =
	    i->acpi_ivrs
		? "check dmesg for AMD-Vi errors; add iommu=pt (amd_iommu=on is not a valid option)"
		: "add intel_iommu=on iommu=pt to the kernel command line and check dmesg for DMAR errors";
	return IOMMU_NO_GROUPS;
}

/* vfio_iommu_type1 refuses to attach a group whose MSIs are not isolated
 * (drivers/vfio/vfio_iommu_type1.c vfio_iommu_type1_attach_group:
 * !allow_unsafe_interrupts && !iommu_group_has_isolated_msi() -> -EPERM,
 * "No interrupt remapping support"); on x86 interrupt remapping isolates
 * them (Intel ecap bit 3 and no intremap=off: initd/node/iommu.c; seen on
 * Debian's 6.1 under QEMU q35: intel-iommu,intremap=off (ecap f42) and
 * intremap=off on the command line both give EPERM); on Arm only the GICv3
 * ITS isolates them (drivers/irqchip/irq-gic-v3-its.c sets IRQ_DOMAIN_FLAG_ISOLATED_MSI,
 * "irqchip/gicv3-its: Sets IRQ_DOMAIN_FLAG_MSI_REMAP", 2017; a GICv2m
 * frame does not).  Seen: QEMU virt with its default GICv2, the group is
 * not viable for a type1 container (EPERM); with gic-version=3 it is. */
bool iommu_msi_unisolated(const struct iommu_info *i)
{
	return i->irq_remap == TRI_OFF && !i->unsafe_interrupts_allowed;
}

static int count_dir(int rootfd, const char *path, char *first, size_t size)
{
	DIR *d = rootfs_opendir(rootfd, path);
	int n = 0;
	if (!d)
		return 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (first && (n == 0 || strcmp(e->d_name, first) < 0))
			snprintf(first, size, "%.31s", e->d_name);
		n++;
	}
	closedir(d);
	return n;
}

int iommu_probe(int rootfd, const char *kver, struct iommu_info *ret)
{
	struct iommu_info i = { .irq_remap = TRI_UNSET, .kconfig_intel_default = TRI_UNSET };
	char p[256], v[64], *cmd = NULL;
	int r;

	i.nunits = count_dir(rootfd, "sys/class/iommu", i.unit, sizeof(i.unit));
	if (i.nunits > 0)
		i.vendor = strncmp(i.unit, "dmar", 4) == 0   ? IOMMU_INTEL
			   : strncmp(i.unit, "ivhd", 4) == 0 ? IOMMU_AMD
							     : iommu_arm_vendor(i.unit);
	char first[32] = "";
	i.ngroups = count_dir(rootfd, "sys/kernel/iommu_groups", NULL, 0);
	/* the lowest-numbered group's type stands for the default domain */
	DIR *d = rootfs_opendir(rootfd, "sys/kernel/iommu_groups");
	if (d) {
		long best = -1;
		struct dirent *e;
		while ((e = readdir(d))) {
			char *end;
			long g = strtol(e->d_name, &end, 10);
			if (e->d_name[0] != '.' && *end == '\0' && (best < 0 || g < best))
				best = g;
		}
		closedir(d);
		if (best >= 0) {
			snprintf(first, sizeof(first), "%ld", best);
			snprintf(p, sizeof(p), "sys/kernel/iommu_groups/%s/type", first);
			if (rootfs_read_attr(rootfd, p, v, sizeof(v)) >= 0)
				snprintf(i.default_domain, sizeof(i.default_domain), "%.15s", v);
		}
	}
	i.acpi_dmar = rootfs_exists(rootfd, "sys/firmware/acpi/tables/DMAR") > 0;
	i.acpi_ivrs = rootfs_exists(rootfd, "sys/firmware/acpi/tables/IVRS") > 0;
	if (i.vendor == IOMMU_INTEL) {
		uint64_t ecap;
		snprintf(p, sizeof(p), "sys/class/iommu/%s/intel-iommu/ecap", i.unit);
		if (rootfs_read_attr(rootfd, p, v, sizeof(v)) >= 0) {
			ecap = strtoull(v, NULL, 16);
			i.irq_remap = (ecap & (1u << 3)) ? TRI_ON : TRI_OFF;
		}
	}
	virt_probe(rootfd, &i.virt);
	i.kconfig_smmuv3 = i.kconfig_strict = TRI_UNSET;
	r = rootfs_read_file(rootfd, "proc/cmdline", &cmd, NULL);
	if (r < 0)
		return r;
	r = cmdline_parse(cmd, &i.cmdline);
	char u[8];
	if (cmdline_get(cmd, "vfio_iommu_type1.allow_unsafe_interrupts", u, sizeof(u)) > 0 &&
	    (u[0] == '1' || u[0] == 'Y' || u[0] == 'y'))
		i.unsafe_interrupts_allowed = true;
	free(cmd);
	if (r < 0)
		return r;
	/* x86: intremap=off / nointremap turn interrupt remapping off whatever
	 * the hardware can (ecap bit 3 says only that it can): seen on
	 * Debian's 6.1 under QEMU q35 (intel-iommu,intremap=on, ecap f00f4a):
	 * the group's type1 attach fails EPERM */
	if ((i.vendor == IOMMU_INTEL || i.vendor == IOMMU_AMD) && i.cmdline.intremap == TRI_OFF)
		i.irq_remap = TRI_OFF;
	char *cfg = NULL, *cpuinfo = NULL;
	if (kver) {
		snprintf(p, sizeof(p), "boot/config-%s", kver);
		if (rootfs_read_file(rootfd, p, &cfg, NULL) >= 0) {
			if (strstr(cfg, "\nCONFIG_INTEL_IOMMU_DEFAULT_ON=y"))
				i.kconfig_intel_default = TRI_ON;
			else if (strstr(cfg, "\n# CONFIG_INTEL_IOMMU_DEFAULT_ON is not set"))
				i.kconfig_intel_default = TRI_OFF;
		}
	}
	if (rootfs_read_file(rootfd, "proc/cpuinfo", &cpuinfo, NULL) < 0)
		cpuinfo = NULL;
	iommu_arm_probe(rootfd, kver, cpuinfo, cfg, &i);
	free(cfg);
	free(cpuinfo);
	*ret = i;
	return 0;
}
