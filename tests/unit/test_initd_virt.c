// SPDX-License-Identifier: GPL-2.0-or-later
/* Model provenance: docs/nvidia-model.md, "The node: virtual machine, serial number". */
/* Is the node a virtual machine (initd/node/virt.c), and what check tells a VM
 * without an IOMMU (initd/node/iommu.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "node/iommu.h"
#include "node/virt.h"

/* the flags line of a real guest (abridged): "hypervisor" after rdrand */
static const char guest[] =
    "processor\t: 0\nvendor_id\t: GenuineIntel\n"
    "flags\t\t: fpu vme de pse tsc msr sse sse2 rdrand hypervisor lahf_lm abm\n\n"
    "processor\t: 1\nflags\t\t: fpu vme de pse tsc msr sse sse2 rdrand hypervisor lahf_lm\n";
static const char metal[] = "processor\t: 0\nflags\t\t: fpu vme vmx rdrand lahf_lm hypervisor_x\n"
			    "bugs\t\t: hypervisor\n";

static void detects(void **state)
{
	struct virt_info v;
	const char *none[VIRT_DMI_KEYS] = { NULL };
	virt_detect(guest, none, &v);
	assert_true(v.vm);
	assert_true(v.cpu_flag);
	assert_string_equal(v.name, "");
	assert_int_equal(v.kind, VIRT_OTHER);
	/* a flag elsewhere or as part of a word does not count */
	virt_detect(metal, none, &v);
	assert_false(v.vm);
	virt_detect(NULL, NULL, &v);
	assert_false(v.vm);
	/* DMI alone: product_name first (KVM over QEMU), then sys_vendor */
	const char *q35[VIRT_DMI_KEYS] = { "Standard PC (Q35 + ICH9, 2009)", "QEMU", NULL, "SeaBIOS" };
	virt_detect("", q35, &v);
	assert_true(v.vm);
	assert_false(v.cpu_flag);
	assert_string_equal(v.name, "QEMU");
	assert_string_equal(v.dmi_key, "sys_vendor");
	assert_int_equal(v.kind, VIRT_QEMU_KVM);
	const char *kvm[VIRT_DMI_KEYS] = { "KVM", "Red Hat", NULL, NULL };
	virt_detect(guest, kvm, &v);
	assert_string_equal(v.name, "KVM");
	assert_string_equal(v.dmi_key, "product_name");
	const char *vmw[VIRT_DMI_KEYS] = { "VMware7,1", "VMware, Inc.", NULL, NULL };
	virt_detect(guest, vmw, &v);
	assert_int_equal(v.kind, VIRT_VMWARE);
	const char *ec2[VIRT_DMI_KEYS] = { "p5.48xlarge", "Amazon EC2", "Amazon EC2", "Amazon EC2" };
	virt_detect(guest, ec2, &v);
	assert_int_equal(v.kind, VIRT_CLOUD);
	assert_string_equal(v.name, "Amazon EC2");
	/* an EC2 bare-metal instance: same vendor, not a VM (no flag either) */
	const char *ec2metal[VIRT_DMI_KEYS] = { "p5.metal", "Amazon EC2", NULL, NULL };
	virt_detect("flags\t: fpu vmx\n", ec2metal, &v);
	assert_false(v.vm);
	/* a server */
	const char *dell[VIRT_DMI_KEYS] = { "PowerEdge R740", "Dell Inc.", "Dell Inc.", "Dell Inc." };
	virt_detect("flags\t: fpu vmx\n", dell, &v);
	assert_false(v.vm);
}

static void vm_fix(void **state)
{
	struct iommu_info i = { 0 };
	const char *fix;
	cmdline_parse("ro", &i.cmdline);
	/* bare metal without DMAR/IVRS: the BIOS */
	assert_int_equal(iommu_diagnose(&i, &fix), IOMMU_NO_ACPI_TABLE);
	assert_non_null(strstr(fix, "BIOS"));
	/* the recorded H100 guest: the CPU flag only, no DMI vendor */
	const char *none[VIRT_DMI_KEYS] = { NULL };
	virt_detect(guest, none, &i.virt);
	assert_int_equal(iommu_diagnose(&i, &fix), IOMMU_NO_ACPI_TABLE);
	assert_null(strstr(fix, "BIOS"));
	assert_non_null(strstr(fix, "virtual IOMMU"));
	assert_non_null(strstr(fix, "-device intel-iommu,intremap=on,caching-mode=on"));
	assert_non_null(strstr(fix, "<iommu model='intel'>"));
	const char *vmw[VIRT_DMI_KEYS] = { NULL, "VMware, Inc.", NULL, NULL };
	virt_detect(guest, vmw, &i.virt);
	iommu_diagnose(&i, &fix);
	assert_non_null(strstr(fix, "Expose IOMMU to the guest OS"));
	const char *ec2[VIRT_DMI_KEYS] = { "p5.48xlarge", "Amazon EC2", NULL, NULL };
	virt_detect(guest, ec2, &i.virt);
	iommu_diagnose(&i, &fix);
	assert_non_null(strstr(fix, "bare-metal instance"));
	/* a VM whose hypervisor does give a vIOMMU, turned off on the command
	 * line: the usual command-line fix */
	i.acpi_dmar = true;
	cmdline_parse("intel_iommu=off", &i.cmdline);
	assert_int_equal(iommu_diagnose(&i, &fix), IOMMU_CMDLINE_OFF);
	assert_non_null(strstr(fix, "intel_iommu=on"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(detects),
		cmocka_unit_test(vm_fix),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
