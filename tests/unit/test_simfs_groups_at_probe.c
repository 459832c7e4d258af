// SPDX-License-Identifier: GPL-2.0-or-later
/* Model provenance: docs/nvidia-model.md, kernel rows ("IOMMU groups made at
 * driver probe").  IOMMU groups made at driver probe (fixture "iommu":
 * {"groups": "at-probe"}, simfs/iommu.c iommu_probe_dev): what Debian's
 * 6.12 arm64 kernel does with an SMMUv3, observed in the tests/vm/arm64
 * guests; and the 7.3 kernel's groups at enumeration on the same machine. */
#include "simfs_harness.h"

#include <stdlib.h>

#include "../../simfs/model.h"

#define CTL "/.simfs/control"
#define E5 "/sys/bus/pci/devices/0000:00:05.0/"
#define E6 "/sys/bus/pci/devices/0000:00:06.0/"
#define GROUPS "/sys/kernel/iommu_groups/"

static int setup_612(void **state)
{
	load("fixtures/qemu-virt-2edu-6.12.json");
	return 0;
}

static int setup_73(void **state)
{
	load("fixtures/qemu-virt-2edu-7.3.json");
	return 0;
}

static void to_vfio(const char *bdf)
{
	char p[96];
	snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s/driver_override", bdf);
	assert_true(wr(p, "vfio-pci") > 0);
	assert_true(wr("/sys/bus/pci/drivers_probe", bdf) > 0);
}

/* x-groups on Debian 6.12.117+deb13-arm64: no group before a bind, made at
 * the bind (the lowest free number), kept after unbind, dropped at remove,
 * none after the rescan until the next bind. */
static void made_at_probe(void **state)
{
	assert_false(exists(E5 "iommu_group"));
	assert_false(exists(E6 "iommu_group"));
	assert_false(exists("/sys/bus/pci/devices/0000:00:00.0/iommu_group"));
	assert_false(exists(GROUPS "0"));
	assert_false(exists(E5 "iommu"));
	/* the SMMU is there all the same, named from the guest */
	assert_string_equal(link_of("/sys/class/iommu/smmu3.0x0000000009050000"),
			    "../../devices/platform/9050000.smmuv3/iommu/smmu3.0x0000000009050000");
	assert_true(exists("/sys/firmware/devicetree/base"));
	assert_false(exists("/sys/firmware/acpi/tables/IORT"));
	assert_non_null(strstr(rd("/proc/cpuinfo"), "CPU implementer\t: 0x00\n"));
	assert_non_null(strstr(rd("/proc/cpuinfo"), "CPU part\t: 0x051\n"));

	wr(CTL, "modprobe vfio_pci");
	to_vfio("0000:00:06.0"); /* the first group made is 0, whatever the address */
	assert_string_equal(link_of(E6 "iommu_group"), "../../../kernel/iommu_groups/0");
	assert_true(exists("/dev/vfio/0"));
	assert_string_equal(rd(GROUPS "0/type"), "DMA\n");
	assert_string_equal(rd(GROUPS "0/reserved_regions"), "0x0000000008000000 0x00000000080fffff msi\n");
	assert_string_equal(link_of(E6 "iommu"),
			    "../../platform/9050000.smmuv3/iommu/smmu3.0x0000000009050000");
	assert_false(exists(E5 "iommu_group"));

	to_vfio("0000:00:05.0");
	assert_string_equal(link_of(E5 "iommu_group"), "../../../kernel/iommu_groups/1");
	assert_true(exists("/dev/vfio/1"));

	/* unbind: the group stays, its VFIO node goes */
	assert_true(wr("/sys/bus/pci/drivers/vfio-pci/unbind", "0000:00:06.0") > 0);
	assert_string_equal(link_of(E6 "iommu_group"), "../../../kernel/iommu_groups/0");
	assert_true(exists(GROUPS "0/devices/0000:00:06.0"));
	assert_false(exists("/dev/vfio/0"));

	/* remove: the group goes with its last member; rescan: no group */
	assert_true(wr(E6 "remove", "1") > 0);
	assert_false(exists(GROUPS "0"));
	assert_true(wr("/sys/bus/pci/rescan", "1") > 0);
	assert_true(exists(E6 "vendor"));
	assert_false(exists(E6 "iommu_group"));
	/* driver_override went with the removed device: bind it again */
	to_vfio("0000:00:06.0");
	assert_string_equal(link_of(E6 "iommu_group"), "../../../kernel/iommu_groups/0");
}

/* x-groups on Debian 7.3.4+deb13-arm64: every device in its group at
 * enumeration, in address order; after remove + rescan the same number. */
static void made_at_enumeration(void **state)
{
	assert_string_equal(link_of("/sys/bus/pci/devices/0000:00:00.0/iommu_group"),
			    "../../../kernel/iommu_groups/0");
	assert_string_equal(link_of(E5 "iommu_group"), "../../../kernel/iommu_groups/1");
	assert_string_equal(link_of(E6 "iommu_group"), "../../../kernel/iommu_groups/2");
	assert_true(wr(E5 "remove", "1") > 0);
	assert_true(wr("/sys/bus/pci/rescan", "1") > 0);
	assert_string_equal(link_of(E5 "iommu_group"), "../../../kernel/iommu_groups/1");
}

static struct model *load_js(const char *js, char *err, size_t errsize, int *r)
{
	struct model *mm = NULL;
	*r = fixture_load_buffer("t.json", js, strlen(js), "fixtures", &mm, err, errsize);
	return mm;
}

/* Two functions the fixture puts in one group: the second probe joins the
 * group the first made (pci_device_group finds it); the unprobed one is
 * no member until its own probe; a bound-at-boot device has its group. */
static void shared_group_joins(void **state)
{
	static const char js[] =
	    "{\"kernel\": {\"release\": \"6.12.117+deb13-arm64\"},"
	    " \"iommu\": {\"type\": \"smmuv3\", \"enabled\": true, \"groups\": \"at-probe\"},"
	    " \"kernel_unused\": 0}";
	char err[512];
	int r;
	assert_null(load_js(js, err, sizeof(err), &r)); /* unknown key refused */
	assert_int_equal(r, -EINVAL);

	static const char js2[] =
	    "{\"kernel\": {\"release\": \"6.12.117+deb13-arm64\", \"modules_loaded\": [\"vfio_pci\"]},"
	    " \"iommu\": {\"type\": \"smmuv3\", \"enabled\": true, \"groups\": \"at-probe\"},"
	    " \"devices\": ["
	    "  {\"bdf\": \"0000:00:05.0\", \"id\": \"1234:11e8\", \"class\": \"0x00ff00\", \"iommu_group\": "
	    "7,"
	    "   \"driver\": null},"
	    "  {\"bdf\": \"0000:00:05.1\", \"id\": \"1234:11e8\", \"class\": \"0x00ff00\", \"iommu_group\": "
	    "7,"
	    "   \"driver\": null},"
	    "  {\"bdf\": \"0000:00:06.0\", \"id\": \"1234:11e8\", \"class\": \"0x00ff00\", \"iommu_group\": "
	    "8,"
	    "   \"driver_override\": \"vfio-pci\", \"driver\": \"vfio-pci\"}]}";
	m = load_js(js2, err, sizeof(err), &r);
	if (r < 0)
		fail_msg("%s", err);
	assert_int_equal(simfs_init(&sf, m), 0);
	/* bound by the fixture: probed at boot, the first group made */
	assert_string_equal(link_of(E6 "iommu_group"), "../../../kernel/iommu_groups/0");
	to_vfio("0000:00:05.1");
	assert_string_equal(link_of("/sys/bus/pci/devices/0000:00:05.1/iommu_group"),
			    "../../../kernel/iommu_groups/1");
	assert_false(exists(E5 "iommu_group"));
	assert_false(exists(GROUPS "1/devices/0000:00:05.0"));
	to_vfio("0000:00:05.0");
	assert_string_equal(link_of(E5 "iommu_group"), "../../../kernel/iommu_groups/1");
	assert_true(exists(GROUPS "1/devices/0000:00:05.0"));
	assert_true(exists(GROUPS "1/devices/0000:00:05.1"));
}

/* Bad switches: a clear error, nothing loaded. */
static void bad_switch_refused(void **state)
{
	static const struct {
		const char *iommu, *msg;
	} cases[] = {
		{ "{\"type\": \"intel\", \"enabled\": true, \"groups\": \"at-probe\"}",
		  "iommu.groups: \"at-probe\" is modelled for an enabled \"smmuv3\" only" },
		{ "{\"type\": \"smmuv3\", \"enabled\": false, \"groups\": \"at-probe\"}",
		  "iommu.groups: \"at-probe\" is modelled for an enabled \"smmuv3\" only" },
		{ "{\"type\": \"smmuv3\", \"enabled\": true, \"groups\": \"later\"}",
		  "iommu.groups: expected \"at-add\" or \"at-probe\"" },
		{ "{\"type\": \"smmuv3\", \"enabled\": true, \"unit\": \"smmu3.0x0000000009050000\"}",
		  "iommu.unit, iommu.unit_parent: an SMMUv3's class device" },
		{ "{\"type\": \"smmuv3\", \"enabled\": true, \"unit\": \"dmar0\", \"unit_parent\": \"x\"}",
		  "iommu.unit, iommu.unit_parent: an SMMUv3's class device" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char js[512], err[512];
		int r;
		snprintf(js, sizeof(js),
			 "{\"kernel\": {\"release\": \"6.12.117+deb13-arm64\"}, \"iommu\": %s, "
			 "\"devices\": []}",
			 cases[i].iommu);
		assert_null(load_js(js, err, sizeof(err), &r));
		assert_int_equal(r, -EINVAL);
		if (!strstr(err, cases[i].msg))
			fail_msg("case %zu: %s", i, err);
	}
	char js[256], err[512];
	int r;
	snprintf(js, sizeof(js), "{\"kernel\": {\"release\": \"6.12\"}, \"devicetree\": 1, \"devices\": []}");
	assert_null(load_js(js, err, sizeof(err), &r));
	assert_non_null(strstr(err, "devicetree: expected true or false"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(made_at_probe, setup_612, teardown),
		cmocka_unit_test_setup_teardown(made_at_enumeration, setup_73, teardown),
		cmocka_unit_test_teardown(shared_group_joins, teardown),
		cmocka_unit_test(bad_switch_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
