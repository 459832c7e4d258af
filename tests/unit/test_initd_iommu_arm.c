// SPDX-License-Identifier: GPL-2.0-or-later
/* Model provenance: docs/nvidia-model.md, "Grace". */
/* The Arm IOMMU diagnosis (initd/node/iommu_arm.c): the SMMU's unit names,
 * IORT or device tree, the kernel's config, iommu.passthrough/strict. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "node/cmdline.h"
#include "node/iommu.h"

static struct iommu_info arm_node(void)
{
	struct iommu_info i = { .arm = true, .kconfig_smmuv3 = TRI_UNSET, .kconfig_strict = TRI_UNSET };
	cmdline_parse("BOOT_IMAGE=/boot/vmlinuz ro", &i.cmdline);
	return i;
}

static void unit_names(void **state)
{
	assert_int_equal(iommu_arm_vendor("smmu3.0x0000000016000000"), IOMMU_ARM_SMMUV3);
	assert_int_equal(iommu_arm_vendor("smmu.0x0000000009050000"), IOMMU_ARM_SMMU);
	assert_int_equal(iommu_arm_vendor("foo0"), IOMMU_OTHER);
	assert_string_equal(iommu_vendor_name(IOMMU_ARM_SMMUV3), "arm-smmu-v3");
}

static void diagnosis(void **state)
{
	const char *fix;
	struct iommu_info i = arm_node();
	/* on: an SMMUv3 and groups */
	i.acpi_iort = true;
	i.nunits = 1;
	i.ngroups = 4;
	assert_int_equal(iommu_diagnose(&i, &fix), IOMMU_OK);
	/* no IORT (ACPI boot, no device tree): the firmware's SMMU setting */
	i = arm_node();
	assert_int_equal(iommu_diagnose(&i, &fix), IOMMU_NO_ACPI_TABLE);
	assert_non_null(strstr(fix, "IORT"));
	assert_null(strstr(fix, "DMAR"));
	/* ... on a VM: the hypervisor's virtual SMMUv3 */
	i.virt.vm = true;
	assert_int_equal(iommu_diagnose(&i, &fix), IOMMU_NO_ACPI_TABLE);
	assert_non_null(strstr(fix, "-machine virt,iommu=smmuv3"));
	/* IORT but a kernel without the driver */
	i = arm_node();
	i.acpi_iort = true;
	i.kconfig_smmuv3 = TRI_OFF;
	assert_int_equal(iommu_diagnose(&i, &fix), IOMMU_KERNEL_DEFAULT);
	assert_non_null(strstr(fix, "CONFIG_ARM_SMMU_V3"));
	/* IORT, driver built, no unit: dmesg, module */
	i.kconfig_smmuv3 = TRI_ON;
	assert_int_equal(iommu_diagnose(&i, &fix), IOMMU_NO_GROUPS);
	assert_non_null(strstr(fix, "arm_smmu_v3"));
	/* an SMMU unit but no groups: on a kernel that makes groups at
	 * driver probe (Debian's 6.12 arm64) that is a working SMMU */
	i.nunits = 1;
	i.vendor = IOMMU_ARM_SMMUV3;
	assert_true(iommu_groups_at_probe(&i));
	assert_int_equal(iommu_diagnose(&i, &fix), IOMMU_OK);
	/* a unit of another kind and no groups: the IORT maps nothing */
	i.vendor = IOMMU_OTHER;
	assert_false(iommu_groups_at_probe(&i));
	assert_int_equal(iommu_diagnose(&i, &fix), IOMMU_NO_GROUPS);
	assert_non_null(strstr(fix, "root complex"));
	/* device tree without an SMMU */
	i = arm_node();
	i.devicetree = true;
	assert_int_equal(iommu_diagnose(&i, &fix), IOMMU_NO_GROUPS);
	assert_non_null(strstr(fix, "arm,smmu-v3"));
}

static const char *note1(const struct iommu_info *i)
{
	const char *n[3];
	return iommu_arm_notes(i, n, 3) ? n[0] : NULL;
}

static void notes(void **state)
{
	struct iommu_info i = arm_node();
	assert_null(note1(&i));
	cmdline_parse("ro iommu.passthrough=1", &i.cmdline);
	assert_int_equal(i.cmdline.iommu_passthrough, TRI_ON);
	assert_non_null(strstr(note1(&i), "VFIO still isolates"));
	assert_string_equal(i.cmdline.flags, "iommu.passthrough=1");
	cmdline_parse("ro iommu.strict=0", &i.cmdline);
	assert_int_equal(i.cmdline.iommu_strict, TRI_OFF);
	assert_non_null(strstr(note1(&i), "lazy"));
	cmdline_parse("ro iommu.strict=1", &i.cmdline);
	assert_int_equal(i.cmdline.iommu_strict, TRI_ON);
	assert_null(note1(&i));
	/* an SMMU and no group yet: the groups-at-probe note first */
	const char *n[3];
	i.nunits = 1;
	i.vendor = IOMMU_ARM_SMMUV3;
	cmdline_parse("ro iommu.passthrough=1", &i.cmdline);
	assert_int_equal(iommu_arm_notes(&i, n, 3), 2);
	assert_non_null(strstr(n[0], "when a driver binds"));
	assert_non_null(strstr(n[1], "VFIO still isolates"));
	assert_int_equal(iommu_arm_notes(&i, n, 1), 1);
	/* groups exist: no such note */
	i.ngroups = 3;
	assert_int_equal(iommu_arm_notes(&i, n, 3), 1);
	/* not an Arm node: no note */
	i.arm = false;
	assert_int_equal(iommu_arm_notes(&i, n, 3), 0);
}

/* MADT bytes as QEMU virt under EDK2 gave them (tests/vm/arm64, the APIC
 * table read in the guest): GICD, GICC, then GICR + ITS with
 * gic-version=3, or a GICv2m MSI frame with the default GICv2. */
static void madt(void **state)
{
	unsigned char t[200] = "APIC";
	size_t o = 44;
	t[o] = 0x0C, t[o + 1] = 24, o += 24; /* GIC distributor */
	t[o] = 0x0B, t[o + 1] = 80, o += 80; /* GIC CPU interface */
	unsigned char v2[200];
	memcpy(v2, t, sizeof(v2));
	v2[o] = 0x0D, v2[o + 1] = 24; /* GICv2m MSI frame */
	v2[4] = (unsigned char)(o + 24);
	assert_int_equal(iommu_arm_madt_its(v2, o + 24), TRI_OFF);
	t[o] = 0x0E, t[o + 1] = 16, o += 16; /* redistributor */
	t[o] = 0x0F, t[o + 1] = 20, o += 20; /* ITS */
	t[4] = (unsigned char)o;
	assert_int_equal(iommu_arm_madt_its(t, o), TRI_ON);
	/* the table's own length bounds the walk: the ITS beyond it is not seen */
	t[4] = (unsigned char)(o - 20);
	assert_int_equal(iommu_arm_madt_its(t, o), TRI_OFF);
	/* not a MADT, too short, a zero-length entry (no endless loop) */
	assert_int_equal(iommu_arm_madt_its((const unsigned char *)"DMAR", 4), TRI_UNSET);
	t[4] = (unsigned char)o;
	t[45] = 0;
	assert_int_equal(iommu_arm_madt_its(t, o), TRI_UNSET);
	/* x86's MADT has no GIC distributor: not visible */
	unsigned char x86[60] = "APIC";
	x86[4] = 52, x86[44] = 0x00, x86[45] = 8; /* a local APIC */
	assert_int_equal(iommu_arm_madt_its(x86, 52), TRI_UNSET);
}

static void msi_isolation_rule(void **state)
{
	struct iommu_info i = arm_node();
	i.irq_remap = TRI_OFF;
	assert_true(iommu_msi_unisolated(&i));
	i.unsafe_interrupts_allowed = true;
	assert_false(iommu_msi_unisolated(&i));
	i.unsafe_interrupts_allowed = false;
	i.irq_remap = TRI_UNSET; /* not visible: no refusal on a guess */
	assert_false(iommu_msi_unisolated(&i));
	i.irq_remap = TRI_OFF;
	i.arm = false; /* x86: interrupt remapping off, the same rule */
	assert_true(iommu_msi_unisolated(&i));
	/* x86 command line: intremap=off, nointremap; the last word wins */
	struct kcmdline k;
	cmdline_parse("ro intremap=off", &k);
	assert_int_equal(k.intremap, TRI_OFF);
	assert_string_equal(k.flags, "intremap=off");
	cmdline_parse("ro intremap=nosid,off nointremap", &k);
	assert_int_equal(k.intremap, TRI_OFF);
	cmdline_parse("ro intremap=off intremap=on", &k);
	assert_int_equal(k.intremap, TRI_ON);
	cmdline_parse("ro intremap=nosid", &k);
	assert_int_equal(k.intremap, TRI_UNSET);
	cmdline_parse("ro intremap_x=off", &k);
	assert_int_equal(k.intremap, TRI_UNSET);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unit_names), cmocka_unit_test(diagnosis),	    cmocka_unit_test(notes),
		cmocka_unit_test(madt),	      cmocka_unit_test(msi_isolation_rule),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
