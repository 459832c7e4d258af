// SPDX-License-Identifier: GPL-2.0-or-later
/* Model provenance: docs/nvidia-model.md, "Grace". */
/* The GH200 fixtures: Arm SMMUv3 in sysfs, an arm64 proc/cpuinfo, and the
 * module metadata of a real Debian arm64 kernel (simfs/kmod_real.c). */
#include "simfs_harness.h"

#include "../../simfs/model.h"

#define GPU "/sys/bus/pci/devices/0009:01:00.0/"
#define KMOD "/lib/modules/6.12.117+deb13-arm64/"

static int setup_gh200(void **state)
{
	load("fixtures/gh200-1x.json");
	return 0;
}

static int setup_gh200_nvgrace(void **state)
{
	load("fixtures/gh200-1x-nvgrace.json");
	return 0;
}

static int setup_gh200_no_smmu(void **state)
{
	load("fixtures/gh200-1x-no-smmu.json");
	return 0;
}

static void smmuv3_in_sysfs(void **state)
{
	assert_true(exists("/sys/class/iommu/smmu3.0x0000000016000000"));
	assert_string_equal(link_of("/sys/class/iommu/smmu3.0x0000000016000000"),
			    "../../devices/platform/arm-smmu-v3.0.auto/iommu/smmu3.0x0000000016000000");
	assert_string_equal(link_of(GPU "iommu"),
			    "../../platform/arm-smmu-v3.0.auto/iommu/smmu3.0x0000000016000000");
	assert_string_equal(link_of(GPU "iommu_group"), "../../../kernel/iommu_groups/9");
	assert_string_equal(rd("/sys/kernel/iommu_groups/9/type"), "DMA\n");
	assert_string_equal(rd("/sys/kernel/iommu_groups/9/reserved_regions"),
			    "0x0000000008000000 0x00000000080fffff msi\n");
	assert_true(exists("/sys/firmware/acpi/tables/IORT"));
	assert_false(exists("/sys/firmware/acpi/tables/DMAR"));
	assert_non_null(strstr(rd("/proc/cpuinfo"), "CPU implementer\t: 0x41\nCPU architecture: 8\n"));
	assert_non_null(strstr(rd("/proc/cpuinfo"), "CPU part\t: 0xd4f\n"));
}

static void no_smmu(void **state)
{
	assert_false(exists("/sys/class/iommu/smmu3.0x0000000016000000"));
	assert_false(exists(GPU "iommu_group"));
	assert_false(exists("/sys/firmware/acpi/tables/IORT"));
}

/* Debian trixie's real lines: no nvgrace, no mdev, vfio_pci_core needs only
 * vfio (virqfd is part of vfio since 6.2), paths as the package has them. */
static void real_debian_modules(void **state)
{
	const char *dep = rd(KMOD "modules.dep");
	assert_non_null(
	    strstr(dep, "kernel/drivers/vfio/pci/vfio-pci-core.ko: kernel/drivers/vfio/vfio.ko\n"));
	assert_null(strstr(dep, "nvgrace"));
	assert_null(strstr(dep, "mdev"));
	assert_null(strstr(dep, "virqfd"));
	/* the only vfio_pci: alias is vfio-pci's catch-all (the catalogue's pci:
	 * aliases of other modules stay: the generator feeds vfio_pci: lines) */
	const char *alias = rd(KMOD "modules.alias"), *v = strstr(alias, "alias vfio_pci:");
	assert_non_null(v);
	static const char catchall[] = "alias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci\n";
	assert_int_equal(strncmp(v, catchall, sizeof(catchall) - 1), 0);
	assert_null(strstr(v + sizeof(catchall) - 1, "vfio_pci:"));
	assert_false(model_find_module(m, "nvgrace_gpu_vfio_pci")->available);
	assert_true(model_find_module(m, "vfio_pci")->available);
	assert_true(model_find_module(m, "nvidia")->available); /* DKMS: not the kernel package's */
}

static void nvgrace_lines(void **state)
{
	const char *alias = rd(KMOD "modules.alias");
	assert_non_null(
	    strstr(alias, "alias vfio_pci:v000010DEd00002342sv*sd*bc*sc*i* nvgrace_gpu_vfio_pci\n"));
	/* 6.12.117's driver claims only the first two GH200 ids (the module
	 * built from Debian's source, scripts/nvgrace-module.sh) */
	assert_non_null(
	    strstr(alias, "alias vfio_pci:v000010DEd00002345sv*sd*bc*sc*i* nvgrace_gpu_vfio_pci\n"));
	assert_null(strstr(alias, "d000031C2"));
	assert_null(strstr(alias, "d00002941"));
	assert_non_null(strstr(rd(KMOD "modules.dep"),
			       "kernel/drivers/vfio/pci/nvgrace-gpu/nvgrace-gpu-vfio-pci.ko: "
			       "kernel/drivers/vfio/pci/vfio-pci-core.ko kernel/drivers/vfio/vfio.ko\n"));
}

static int setup_gb200(void **state)
{
	load("fixtures/gb200-4x-egm.json");
	return 0;
}

/* EGM: class egm, egm<pxm> with egm_size, gpu_devices and BDF links,
 * /dev/egm<pxm> 0600 (simfs/egm.c) */
static void egm_regions(void **state)
{
	assert_string_equal(rd("/sys/class/egm/egm2/gpu_devices"), "0008:01:00.0\n0009:01:00.0\n");
	assert_string_equal(rd("/sys/class/egm/egm3/egm_size"), "0xde4000000\n");
	assert_string_equal(rd("/sys/class/egm/egm3/dev"), "508:3\n");
	assert_string_equal(link_of("/sys/class/egm/egm2/0009:01:00.0"), "../../../pci0009:01/0009:01:00.0");
	struct stat st;
	assert_int_equal(simfs_getattr(&sf, canon("/dev/egm2"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_false(exists("/dev/egm4"));
}

/* A line that is not as depmod writes it changes nothing. */
static void bad_lines_refused(void **state)
{
	const char *bad_dep[] = { "kernel/drivers/vfio/vfio.ko.xz" }; /* no colon */
	const struct module_desc *before = model_find_module(m, "vfio_pci")->desc;
	assert_int_equal(model_modules_from_depmod(m, bad_dep, 1, NULL, 0), -EINVAL);
	const char *dep[] = { "kernel/drivers/vfio/vfio.ko.xz:" };
	const char *bad_alias[] = { "vfio_pci:v*d* vfio_pci" }; /* no "alias " */
	assert_int_equal(model_modules_from_depmod(m, dep, 1, bad_alias, 1), -EINVAL);
	assert_ptr_equal(model_find_module(m, "vfio_pci")->desc, before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(smmuv3_in_sysfs, setup_gh200, teardown),
		cmocka_unit_test_setup_teardown(no_smmu, setup_gh200_no_smmu, teardown),
		cmocka_unit_test_setup_teardown(real_debian_modules, setup_gh200, teardown),
		cmocka_unit_test_setup_teardown(nvgrace_lines, setup_gh200_nvgrace, teardown),
		cmocka_unit_test_setup_teardown(bad_lines_refused, setup_h100, teardown),
		cmocka_unit_test_setup_teardown(egm_regions, setup_gb200, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
