// SPDX-License-Identifier: GPL-2.0-or-later
/* initd/node/iommu.c: why the IOMMU is off and the fix to give. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "node/cmdline.h"
#include "node/iommu.h"

static void iommu_causes(void **state)
{
	struct iommu_info i = { 0 };
	const char *fix;
	cmdline_parse("ro", &i.cmdline);
	i.kconfig_intel_default = TRI_UNSET;
	/* on */
	i.nunits = 1;
	i.ngroups = 30;
	assert_int_equal(iommu_diagnose(&i, &fix), IOMMU_OK);
	/* no table: firmware */
	i.nunits = i.ngroups = 0;
	assert_int_equal(iommu_diagnose(&i, &fix), IOMMU_NO_ACPI_TABLE);
	assert_non_null(strstr(fix, "BIOS"));
	/* DMAR but intel_iommu=off */
	i.acpi_dmar = true;
	cmdline_parse("intel_iommu=off", &i.cmdline);
	assert_int_equal(iommu_diagnose(&i, &fix), IOMMU_CMDLINE_OFF);
	assert_non_null(strstr(fix, "intel_iommu=on iommu=pt"));
	/* DMAR, nothing on the command line, kernel default off */
	cmdline_parse("ro", &i.cmdline);
	assert_int_equal(iommu_diagnose(&i, &fix), IOMMU_KERNEL_DEFAULT);
	assert_non_null(strstr(fix, "intel_iommu=on iommu=pt"));
	i.kconfig_intel_default = TRI_ON;
	assert_int_equal(iommu_diagnose(&i, &fix), IOMMU_NO_GROUPS);
	/* AMD: amd_iommu=off; the fix never suggests amd_iommu=on */
	i.acpi_dmar = false;
	i.acpi_ivrs = true;
	cmdline_parse("amd_iommu=off", &i.cmdline);
	assert_int_equal(iommu_diagnose(&i, &fix), IOMMU_CMDLINE_OFF);
	assert_non_null(strstr(fix, "amd_iommu=on is not a valid option"));
	assert_string_equal(iommu_cause_code(IOMMU_NO_ACPI_TABLE), "iommu-no-acpi-table");
	assert_string_equal(iommu_cause_code(IOMMU_CMDLINE_OFF), "iommu-disabled-cmdline");
	assert_string_equal(iommu_cause_code(IOMMU_KERNEL_DEFAULT), "iommu-kernel-default-off");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(iommu_causes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
