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
	/* a unit but no groups */
	i.nunits = 1;
	assert_int_equal(iommu_diagnose(&i, &fix), IOMMU_NO_GROUPS);
	assert_non_null(strstr(fix, "root complex"));
	/* device tree without an SMMU */
	i = arm_node();
	i.devicetree = true;
	assert_int_equal(iommu_diagnose(&i, &fix), IOMMU_NO_GROUPS);
	assert_non_null(strstr(fix, "arm,smmu-v3"));
}

static void notes(void **state)
{
	struct iommu_info i = arm_node();
	assert_null(iommu_arm_note(&i));
	cmdline_parse("ro iommu.passthrough=1", &i.cmdline);
	assert_int_equal(i.cmdline.iommu_passthrough, TRI_ON);
	assert_non_null(strstr(iommu_arm_note(&i), "VFIO still isolates"));
	assert_string_equal(i.cmdline.flags, "iommu.passthrough=1");
	cmdline_parse("ro iommu.strict=0", &i.cmdline);
	assert_int_equal(i.cmdline.iommu_strict, TRI_OFF);
	assert_non_null(strstr(iommu_arm_note(&i), "lazy"));
	cmdline_parse("ro iommu.strict=1", &i.cmdline);
	assert_int_equal(i.cmdline.iommu_strict, TRI_ON);
	assert_null(iommu_arm_note(&i));
	/* not an Arm node: no note */
	cmdline_parse("ro iommu.passthrough=1", &i.cmdline);
	i.arm = false;
	assert_null(iommu_arm_note(&i));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unit_names),
		cmocka_unit_test(diagnosis),
		cmocka_unit_test(notes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
