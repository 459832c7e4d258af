/* SPDX-License-Identifier: GPL-2.0-or-later */
/* IOMMU state under the root and, when it is off, why (pure diagnosis). */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "cmdline.h"
#include "virt.h"

enum iommu_vendor { IOMMU_NONE, IOMMU_INTEL, IOMMU_AMD, IOMMU_ARM_SMMUV3, IOMMU_ARM_SMMU, IOMMU_OTHER };

struct iommu_info {
	enum iommu_vendor vendor; /* from sys/class/iommu unit names */
	int nunits;
	char unit[32]; /* first unit: dmar0, ivhd0 */
	int ngroups;   /* sys/kernel/iommu_groups entries */
	bool acpi_dmar, acpi_ivrs;
	char default_domain[16];	     /* type of the first group: identity, DMA, DMA-FQ */
	enum tristate irq_remap;	     /* Intel: ecap bit 3; unset when not visible */
	enum tristate kconfig_intel_default; /* CONFIG_INTEL_IOMMU_DEFAULT_ON from boot/config-KVER */
	struct kcmdline cmdline;
	struct virt_info virt; /* the node itself a VM: its fix is the hypervisor's vIOMMU */
	/* Arm (iommu_arm.c) */
	bool arm;		      /* an arm64 node: IORT, an Arm SMMU unit, or arm64 cpuinfo */
	bool acpi_iort;		      /* sys/firmware/acpi/tables/IORT */
	bool devicetree;	      /* sys/firmware/devicetree/base without ACPI tables */
	enum tristate kconfig_smmuv3; /* CONFIG_ARM_SMMU_V3 (y or m: ON) from boot/config-KVER */
	enum tristate kconfig_strict; /* CONFIG_IOMMU_DEFAULT_DMA_STRICT */
	/* Arm MSI isolation (a GICv3 ITS) in irq_remap: ON with an ITS, OFF
	 * when the interrupt controller is visible (device tree or the ACPI
	 * MADT) and has none, UNSET when not visible; and VFIO told to take
	 * unisolated MSIs (vfio_iommu_type1 allow_unsafe_interrupts) */
	bool unsafe_interrupts_allowed;
};

enum iommu_cause {
	IOMMU_OK,
	IOMMU_NO_ACPI_TABLE,  /* firmware exposes no DMAR/IVRS: BIOS setting, or on a VM no vIOMMU */
	IOMMU_CMDLINE_OFF,    /* intel_iommu=off, amd_iommu=off, iommu=off */
	IOMMU_KERNEL_DEFAULT, /* built off by default and not asked for */
	IOMMU_NO_GROUPS,      /* units but no groups: unknown */
};

/* Reads sys/class/iommu, sys/kernel/iommu_groups, ACPI tables, the
 * command line, boot/config-<kver>, proc/cpuinfo and DMI.  0 or -errno. */
int iommu_probe(int rootfd, const char *kver, struct iommu_info *ret);
/* Why the IOMMU is off (IOMMU_OK when it works); *ret_fix gets what to
 * change, a static string. */
enum iommu_cause iommu_diagnose(const struct iommu_info *i, const char **ret_fix);
const char *iommu_cause_code(enum iommu_cause c);
/* VMs cannot use VFIO groups here: MSIs not isolated (x86: interrupt
 * remapping off; Arm: no GICv3 ITS) and vfio_iommu_type1 not told to
 * allow it.  Where not visible (TRI_UNSET) no verdict. */
bool iommu_msi_unisolated(const struct iommu_info *i);
const char *iommu_vendor_name(enum iommu_vendor v);

/* iommu_arm.c: the Arm part of the probe (after the common one filled
 * unit/vendor) and of the diagnosis (for i->arm; units and groups already
 * found missing).  The vendor of a unit name: smmu3.* SMMUv3, smmu.* SMMU. */
enum iommu_vendor iommu_arm_vendor(const char *unit);
void iommu_arm_probe(int rootfd, const char *kver, const char *cpuinfo, const char *kconfig,
		     struct iommu_info *i);
enum iommu_cause iommu_arm_diagnose(const struct iommu_info *i, const char **ret_fix);
/* Notes on the Arm IOMMU when it works (groups made at probe, passthrough,
 * lazy): up to max static strings into notes[], the count. */
int iommu_arm_notes(const struct iommu_info *i, const char **notes, int max);
/* An Arm SMMU is up: on such a kernel an unbound PCI device may have no
 * IOMMU group yet, the kernel makes it when a driver probes the device
 * (observed on Debian's 6.12 arm64 kernel, DT and ACPI; 7.3 makes groups
 * at enumeration).  Such a device's group is predicted and checked again
 * after its bind. */
bool iommu_groups_at_probe(const struct iommu_info *i);
/* Pure: whether an ACPI MADT (the APIC table's bytes) lists a GIC ITS:
 * TRI_ON, TRI_OFF (a GIC without one), TRI_UNSET (not a readable MADT). */
enum tristate iommu_arm_madt_its(const unsigned char *t, size_t len);
