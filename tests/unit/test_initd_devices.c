// SPDX-License-Identifier: GPL-2.0-or-later
/* gpu-initd's pure device logic: resource naming, device selection, IOMMU
 * group safety, the VFIO variant choice, the VF step, IOMMU diagnosis. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "node/config.h"
#include "node/groups.h"
#include "node/iommu.h"
#include "node/modules.h"
#include "node/naming.h"
#include "node/select.h"
#include "node/vfio.h"

static void naming_transform_cases(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "GH100 [H100 SXM5 80GB]", "GH100_H100_SXM5_80GB" },
		{ "GA100 [A100 PCIe 80GB]", "GA100_A100_PCIE_80GB" },
		{ "GA100 [A100 PCIe 40GB]", "GA100_A100_PCIE_40GB" },
		{ "  TU104GL [Tesla T4]  ", "TU104GL_TESLA_T4" },
		{ "GV100GL [Tesla V100 SXM2 16GB]", "GV100GL_TESLA_V100_SXM2_16GB" },
		{ "GK210GL [Tesla K80]/x.y", "GK210GL_TESLA_K80_X_Y" },
		{ "A  \t B", "A_B" },
		{ "GH100[H100 SXM5 80GB]", "GH100H100_SXM5_80GB" }, /* Debian's misspelling, as is */
	};
	char buf[64];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_true(naming_transform(cases[i].in, buf, sizeof(buf)) > 0);
		assert_string_equal(buf, cases[i].out);
	}
	assert_int_equal(naming_transform(" [] ", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(naming_transform("GH100 [H100 SXM5 80GB]", buf, 8), -ENAMETOOLONG);
}

static void naming_builtin_and_precedence(void **state)
{
	char buf[128];
	struct config c;
	char err[256];
	assert_string_equal(naming_builtin(0x10de, 0x2330), "GH100_H100_SXM5_80GB");
	assert_string_equal(naming_builtin(0x10de, 0x20b5), "GA100_A100_PCIE_80GB");
	assert_string_equal(naming_builtin(0x10de, 0x20f1), "GA100_A100_PCIE_40GB");
	assert_null(naming_builtin(0x10de, 0x0001));
	assert_null(naming_builtin(0x1234, 0x2330));
	char key[NAMING_KEY_LEN];
	assert_string_equal(naming_key(0x10de, 0x2330, key), "10de:2330");
	assert_string_equal(naming_key(0x0000, 0xabcd, key), "0000:abcd");

	config_init(&c);
	/* built-in wins over (misspelled) pci.ids */
	assert_int_equal(naming_resolve(&c, 0x10de, 0x2330, "GH100[H100 SXM5 80GB]", buf, sizeof(buf)),
			 NAME_BUILTIN);
	assert_string_equal(buf, "nvidia.com/GH100_H100_SXM5_80GB");
	/* pci.ids for IDs the table lacks */
	assert_int_equal(naming_resolve(&c, 0x10de, 0x1b38, "GP102GL [Tesla P40]", buf, sizeof(buf)),
			 NAME_PCIIDS);
	assert_string_equal(buf, "nvidia.com/GP102GL_TESLA_P40");
	/* nothing known: no name */
	assert_int_equal(naming_resolve(&c, 0x10de, 0x1b38, NULL, buf, sizeof(buf)), NAME_NONE);
	/* pci.ids is wanted only where the table and the aliases say nothing */
	assert_true(naming_wants_pciids(&c, 0x10de, 0x1b38));
	assert_true(naming_wants_pciids(NULL, 0x10de, 0x1b38));
	assert_false(naming_wants_pciids(&c, 0x10de, 0x2330));
	assert_false(naming_wants_pciids(&c, 0x1234, 0x11e8));
	/* non-NVIDIA devices get names only from the config */
	assert_int_equal(naming_resolve(&c, 0x1234, 0x11e8, "QEMU PCI Test Device", buf, sizeof(buf)),
			 NAME_NONE);
	const char *js =
	    "{\"resource-names\": {\"1234:11e8\": \"example.com/edu\", \"10de:2330\": \"nvidia.com/gpu\"}}";
	assert_int_equal(config_parse(&c, js, strlen(js), err, sizeof(err)), 0);
	assert_int_equal(naming_resolve(&c, 0x1234, 0x11e8, NULL, buf, sizeof(buf)), NAME_CONFIG);
	assert_string_equal(buf, "example.com/edu");
	/* the config's alias is an explicit choice: it wins over the table */
	assert_int_equal(naming_resolve(&c, 0x10de, 0x2330, NULL, buf, sizeof(buf)), NAME_CONFIG);
	assert_string_equal(buf, "nvidia.com/gpu");
	const char *js2 = "{\"resource-names\": {\"10de:1b38\": \"nvidia.com/p40\"}}";
	assert_int_equal(config_parse(&c, js2, strlen(js2), err, sizeof(err)), 0);
	assert_false(naming_wants_pciids(&c, 0x10de, 0x1b38));

	assert_true(naming_valid_resource("nvidia.com/GH100_H100_SXM5_80GB"));
	assert_true(naming_valid_resource("nvidia.com/NVIDIA_A100-1-5C"));
	assert_false(naming_valid_resource("gpu"));
	assert_false(naming_valid_resource("nvidia.com/"));
	assert_false(naming_valid_resource("nvidia.com/-x"));
	assert_false(naming_valid_resource("kubernetes.io/gpu"));
	assert_false(naming_valid_resource("a.kubernetes.io/gpu"));
	assert_false(naming_valid_resource("Nvidia.com/gpu"));
	assert_false(naming_valid_resource("nvidia.com/a/b"));
	char n64[80] = "nvidia.com/";
	memset(n64 + 11, 'a', 64);
	assert_false(naming_valid_resource(n64));
	n64[11 + 63] = '\0';
	assert_true(naming_valid_resource(n64));
}

/* A small node: h100-hgx-8x's shared group behind a switch, a GPU whose
 * group holds a NIC, a VGA GPU with its audio, an NVSwitch, a VF. */
#define DEV(b, d, f, ven, dev_, cls, grp)                                                                    \
	{                                                                                                    \
		.addr = { 0, b, d, f }, .vendor = ven, .device = dev_, .class = cls, .group = grp,           \
		.numvfs = -1, .numa = -1                                                                     \
	}
static struct pcidev node[] = {
	DEV(0x05, 0, 0, 0x10de, 0x22a3, 0x068000, 11), /* 0 NVSwitch */
	DEV(0x17, 0, 0, 0x10de, 0x2230, 0x030000, 2),  /* 1 VGA GPU */
	DEV(0x17, 0, 1, 0x10de, 0x1aef, 0x040300, 2),  /* 2 its audio */
	DEV(0x18, 0, 0, 0x10de, 0x2330, 0x030200, 19), /* 3 */
	DEV(0x42, 8, 0, 0x10b5, 0x8747, 0x060400, 4),  /* 4 bridge */
	DEV(0x43, 0, 0, 0x10de, 0x20b5, 0x030200, 4),  /* 5 GPU with the NIC */
	DEV(0x44, 0, 0, 0x8086, 0x10d3, 0x020000, 4),  /* 6 NIC */
	DEV(0x99, 0, 0, 0x10b5, 0xc010, 0x060400, 28), /* 7 bridge */
	DEV(0x99, 1, 0, 0x10b5, 0xc010, 0x060400, 28), /* 8 bridge */
	DEV(0x9a, 0, 0, 0x10de, 0x2330, 0x030200, 28), /* 9 */
	DEV(0x9b, 0, 0, 0x10de, 0x2330, 0x030200, 28), /* 10 */
	DEV(0x9b, 0, 4, 0x10de, 0x2330, 0x030200, 40), /* 11 a VF */
};
#define NN (sizeof(node) / sizeof(node[0]))

static int setup_node(void **state)
{
	for (size_t i = 0; i < NN; i++) {
		node[i].header_type = (node[i].class >> 8) == 0x0604;
		pci_addr_format(&node[i].addr, node[i].bdf);
	}
	node[11].is_vf = true;
	node[11].pf = node[10].addr;
	return 0;
}

static size_t sel(const char *js, bool *s, int *unmatched)
{
	struct config c;
	char err[256];
	config_init(&c);
	assert_int_equal(config_parse(&c, js, strlen(js), err, sizeof(err)), 0);
	return select_devices(&c, node, NN, s, unmatched);
}

static void selection(void **state)
{
	bool s[NN];
	int un;
	assert_int_equal(sel("{}", s, &un), 5); /* GPUs 1 3 5 9 10: not the VF, audio, NVSwitch */
	assert_int_equal(un, -1);
	assert_true(s[1] && s[3] && s[5] && s[9] && s[10]);
	assert_false(s[0] || s[2] || s[11]);
	assert_int_equal(select_gpu_index(node, NN, 3), 1);
	assert_int_equal(select_gpu_index(node, NN, 10), 4);
	assert_int_equal(select_gpu_index(node, NN, 2), -1);

	assert_int_equal(sel("{\"devices\": [1, \"0000:44:00.0\"]}", s, &un), 2);
	assert_true(s[3] && s[6]);
	assert_int_equal(sel("{\"devices\": [\"10de:2330\"]}", s, &un), 3); /* PFs only */
	assert_true(s[3] && s[9] && s[10] && !s[11]);
	assert_int_equal(sel("{\"devices\": [\"10b5:*\"]}", s, &un), 3);
	assert_int_equal(sel("{\"devices\": [\"0000:18:00.0\", 7, \"1234:11e8\"]}", s, &un), 1);
	assert_int_equal(un, 1);
}

/* "sriov-vfs": the PF's VFs are selected, the PF never */
static void sriov_selection(void **state)
{
	bool s[NN];
	int un;
	assert_int_equal(sel("{\"sriov-vfs\": {\"0000:9b:00.0\": 4}}", s, &un), 5);
	assert_false(s[10]);
	assert_true(s[11]);
	assert_true(s[9]);
	assert_int_equal(sel("{\"devices\": [\"10de:2330\"], \"sriov-vfs\": {\"10de:2330\": 1}}", s, &un), 1);
	assert_false(s[3]);
	assert_false(s[9]);
	assert_false(s[10]);
	assert_true(s[11]);
	assert_int_equal(un, -1);
	struct config c;
	char err[128];
	const char *js = "{\"sriov-vfs\": {\"10de:2330\": 3}}";
	config_init(&c);
	assert_int_equal(config_parse(&c, js, strlen(js), err, sizeof(err)), 0);
	assert_int_equal(select_sriov_want(&c, &node[10]), 3);
	assert_int_equal(select_sriov_want(&c, &node[11]), 0); /* a VF has the PF's id: not a PF */
	assert_int_equal(select_sriov_want(&c, &node[5]), 0);
}

static void group_rules(void **state)
{
	bool s[NN];
	int un;
	struct group_plan g;
	sel("{}", s, &un);
	/* the shared pair with its switch ports: one safe unit */
	assert_int_equal(group_assess(node, NN, s, 28, &g), 0);
	assert_int_equal(g.n, 4);
	assert_true(group_is_safe(&g));
	assert_int_equal(g.role[0], ROLE_BRIDGE);
	assert_int_equal(g.role[1], ROLE_BRIDGE);
	assert_int_equal(g.role[2], ROLE_TARGET);
	assert_int_equal(g.role[3], ROLE_TARGET);
	/* the NIC makes the group unsafe */
	assert_int_equal(group_assess(node, NN, s, 4, &g), 0);
	assert_false(group_is_safe(&g));
	assert_int_equal(g.foreign, 6);
	/* the audio function goes with its GPU */
	assert_int_equal(group_assess(node, NN, s, 2, &g), 0);
	assert_true(group_is_safe(&g));
	assert_int_equal(g.role[1], ROLE_COMPANION);
	/* another kind of function in the slot (not audio/USB) is a device of
	 * its own: the group is unsafe (QEMU's two-function edu, tests/vm) */
	node[2].class = 0x00ff00;
	assert_int_equal(group_assess(node, NN, s, 2, &g), 0);
	assert_false(group_is_safe(&g));
	assert_int_equal(g.role[1], ROLE_FOREIGN);
	node[2].class = 0x0c0330; /* USB-C's USB controller goes along */
	assert_int_equal(group_assess(node, NN, s, 2, &g), 0);
	assert_true(group_is_safe(&g));
	node[2].class = 0x040300;
	/* selecting only 9a: 9b (another card) is foreign */
	sel("{\"devices\": [\"0000:9a:00.0\"]}", s, &un);
	assert_int_equal(group_assess(node, NN, s, 28, &g), 0);
	assert_false(group_is_safe(&g));
	assert_int_equal(g.foreign, 10);
	/* "group-companions": an NVSwitch sharing the pair's group may go along */
	node[0].group = 28;
	sel("{}", s, &un);
	assert_int_equal(group_assess(node, NN, s, 28, &g), 0);
	assert_false(group_is_safe(&g));
	assert_int_equal(g.foreign, 0);
	bool allowed[NN] = { [0] = true };
	assert_int_equal(group_assess_with(node, NN, s, allowed, 28, &g), 0);
	assert_true(group_is_safe(&g));
	assert_int_equal(g.role[0], ROLE_COMPANION);
	node[0].group = 11;
	/* no group */
	assert_int_equal(group_assess(node, NN, s, -1, &g), -ENOENT);
	assert_int_equal(group_assess(node, NN, s, 99, &g), -ENOENT);
	assert_string_equal(member_role_name(ROLE_FOREIGN), "foreign");
}

static void vfio_variant(void **state)
{
	const char *aliases = "alias pci:v000010DEd*sv*sd*bc03sc*i* nvidia\n"
			      "alias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci\n"
			      "alias vfio_pci:v000010DEd00002342sv*sd*bc*sc*i* nvgrace_gpu_vfio_pci\n"
			      "alias vfio_pci:v000010DEd*sv*sd*bc*sc*i* some-nvidia-variant\n";
	char buf[64];
	assert_int_equal(vfio_pick_variant(aliases, "pci:v000010DEd00002342sv000010DEsd000016EBbc03sc02i00",
					   buf, sizeof(buf)),
			 0);
	assert_string_equal(buf, "nvgrace_gpu_vfio_pci"); /* fewest wildcards */
	assert_int_equal(vfio_pick_variant(aliases, "pci:v000010DEd00002330sv000010DEsd000016C1bc03sc02i00",
					   buf, sizeof(buf)),
			 0);
	assert_string_equal(buf, "some_nvidia_variant");
	assert_int_equal(vfio_pick_variant(aliases, "pci:v00001234d000011E8sv00001AF4sd00001100bc00scFFi00",
					   buf, sizeof(buf)),
			 0);
	assert_string_equal(buf, "vfio_pci");
	assert_int_equal(vfio_pick_variant("", "pci:v00001234d000011E8sv*", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "vfio_pci");
	assert_int_equal(vfio_pick_variant(aliases, "usb:v1234", buf, sizeof(buf)), -EINVAL);
	vfio_driver_name("vfio_pci", buf, sizeof(buf));
	assert_string_equal(buf, "vfio-pci");
	vfio_driver_name("nvgrace_gpu_vfio_pci", buf, sizeof(buf));
	assert_string_equal(buf, "nvgrace_gpu_vfio_pci");
	assert_true(driver_is_vfio("vfio-pci"));
	assert_true(driver_is_vfio("nvgrace_gpu_vfio_pci"));
	assert_false(driver_is_vfio("nvidia"));
}

static void sriov_step(void **state)
{
	assert_false(sriov_needs_disable(-ENOENT, "")); /* no SR-IOV: skipped */
	assert_false(sriov_needs_disable(1, "0"));
	assert_true(sriov_needs_disable(1, "4"));
	assert_false(sriov_needs_disable(0, ""));
	assert_false(sriov_needs_disable(3, "abc"));
}

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
		cmocka_unit_test(naming_transform_cases),
		cmocka_unit_test(naming_builtin_and_precedence),
		cmocka_unit_test(selection),
		cmocka_unit_test(sriov_selection),
		cmocka_unit_test(group_rules),
		cmocka_unit_test(vfio_variant),
		cmocka_unit_test(sriov_step),
		cmocka_unit_test(iommu_causes),
	};
	return cmocka_run_group_tests(tests, setup_node, NULL);
}
