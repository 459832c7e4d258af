// SPDX-License-Identifier: GPL-2.0-or-later
/* gpu-initd config and kernel command line: parsing, validation errors
 * that name the field, precedence of the sources and the overrides. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "failmalloc.h"
#include "node/cmdline.h"
#include "node/config.h"

static int parse(struct config *c, const char *js, char *err, size_t es)
{
	config_init(c);
	return config_parse(c, js, strlen(js), err, es);
}

static void defaults(void **state)
{
	struct config c;
	char err[256];
	assert_int_equal(parse(&c, "{}", err, sizeof(err)), 0);
	assert_int_equal(c.mode, MODE_PASSTHROUGH);
	assert_true(c.devices_all);
	assert_int_equal(c.nnames, 0);
	assert_string_equal(c.vgpu_config, "default");
}

static void full_config(void **state)
{
	struct config c;
	char err[256];
	const char *js =
	    "{\"mode\": \"container\", \"devices\": [\"0000:18:00.0\", 3, \"10de:2330\", \"1234:*\"],"
	    " \"resource-names\": {\"1234:11e8\": \"example.com/edu\", \"10de:2330\": \"nvidia.com/gpu\"},"
	    " \"vgpu-config\": \"small\", \"vgpu-configs\": {\"small\": [{\"devices\": [0, 1],"
	    " \"vgpu-devices\": {\"H100XM-4C\": 20}}, {\"devices\": \"all\", \"vgpu-devices\": {}}]}}";
	assert_int_equal(parse(&c, js, err, sizeof(err)), 0);
	assert_int_equal(c.mode, MODE_CONTAINER);
	assert_false(c.devices_all);
	assert_int_equal(c.nsel, 4);
	assert_int_equal(c.sel[0].kind, SEL_ADDR);
	assert_int_equal(c.sel[0].addr.bus, 0x18);
	assert_int_equal(c.sel[1].kind, SEL_INDEX);
	assert_int_equal(c.sel[1].index, 3);
	assert_int_equal(c.sel[2].kind, SEL_ID);
	assert_int_equal(c.sel[2].vendor, 0x10de);
	assert_int_equal(c.sel[2].device, 0x2330);
	assert_int_equal(c.sel[3].device, -1);
	assert_string_equal(config_resource_alias(&c, "1234:11E8"), "example.com/edu");
	assert_string_equal(config_resource_alias(&c, "10de:2330"), "nvidia.com/gpu");
	assert_null(config_resource_alias(&c, "10de:2331"));
	assert_string_equal(c.vgpu_config, "small");
	assert_int_equal(parse(&c, "{\"group-companions\": [\"10de:22a3\", \"10de:*\"]}", err, sizeof(err)),
			 0);
	assert_int_equal(c.ncomp, 2);
	assert_int_equal(c.comp[0].device, 0x22a3);
	assert_int_equal(c.comp[1].device, -1);
	assert_int_equal(parse(&c, "{\"sriov-vfs\": {\"0000:00:06.0\": 2, \"15b3:*\": 8}}", err, sizeof(err)),
			 0);
	assert_int_equal(c.nsriov, 2);
	struct pci_addr a = { 0, 0, 6, 0 }, b = { 0, 0x41, 0, 0 };
	assert_int_equal(config_sriov_vfs(&c, 0x1b36, 0x0010, &a), 2);
	assert_int_equal(config_sriov_vfs(&c, 0x15b3, 0x101d, &b), 8);
	assert_int_equal(config_sriov_vfs(&c, 0x1b36, 0x0010, &b), 0);
	assert_int_equal(
	    parse(&c, "{\"fabric-module-ids\": {\"0000:18:00.0\": 2, \"3a:00.0\": 1}}", err, sizeof(err)), 0);
	assert_int_equal(c.nmodules, 2);
	assert_int_equal(c.modules[0].id, 2);
	assert_int_equal(c.modules[1].addr.bus, 0x3a);
}

static void errors_name_the_field(void **state)
{
	static const struct {
		const char *js, *want;
	} cases[] = {
		{ "{\"mode\": \"vm-passthru\"}", "1:10: mode: expected" },
		{ "{\"mode\": 1}", "mode: expected" },
		{ "{\"devices\": \"some\"}", "devices: expected" },
		{ "{\"devices\": []}", "devices: empty list" },
		{ "{\"devices\": [\"0000:18:00.0\", \"zz:1\"]}", "devices[1]:" },
		{ "{\"devices\": [-1]}", "devices[0]:" },
		{ "{\"devices\": [true]}", "devices[0]:" },
		{ "{\"resource-names\": {\"10de:2330\": \"gpu\"}}",
		  "resource-names.10de:2330: \"gpu\" is not a valid" },
		{ "{\"resource-names\": {\"10de:2330\": \"kubernetes.io/gpu\"}}",
		  "resource-names.10de:2330" },
		{ "{\"resource-names\": {\"10de:zz\": \"nvidia.com/x\"}}", "resource-names.10de:zz: key" },
		{ "{\"resource-names\": []}", "resource-names: expected an object" },
		{ "{\"devcies\": \"all\"}", "devcies: unknown field" },
		{ "{\"group-companions\": [\"0000:05:00.0\"]}",
		  "group-companions[0]: expected a vendor:device" },
		{ "{\"group-companions\": \"10de:22a3\"}", "group-companions: expected a list" },
		{ "{\"vgpu-configs\": {\"a\": [{\"devices\": \"all\", \"vgpu\": {}}]}}",
		  "vgpu-configs.a[0].vgpu: unknown field" },
		{ "{\"vgpu-configs\": {\"a\": [{\"vgpu-devices\": {\"T4-1Q\": -2}}]}}",
		  "vgpu-configs.a[0].vgpu-devices" },
		{ "{\"sriov-vfs\": [\"0000:00:06.0\"]}", "sriov-vfs: expected an object" },
		{ "{\"sriov-vfs\": {\"0000:00:06.0\": 0}}",
		  "sriov-vfs.0000:00:06.0: expected a number of VFs" },
		{ "{\"sriov-vfs\": {\"1b36:0010\": \"2\"}}", "sriov-vfs.1b36:0010: expected a number" },
		{ "{\"sriov-vfs\": {\"nvme\": 2}}", "sriov-vfs: key must be" },
		{ "{\"fabric-module-ids\": [1]}", "fabric-module-ids: expected an object" },
		{ "{\"fabric-module-ids\": {\"10de:2330\": 1}}",
		  "fabric-module-ids: key must be a PCI address" },
		{ "{\"fabric-module-ids\": {\"0000:18:00.0\": 0}}",
		  "fabric-module-ids.0000:18:00.0: expected a module ID" },
		{ "{\"fabric-module-ids\": {\"0000:18:00.0\": 1, \"0000:2a:00.0\": 1}}", "given twice" },
		{ "{\"mode\": ", "not valid JSON" },
		{ "[]", "expected a JSON object" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config c;
		char err[256] = "";
		assert_int_equal(parse(&c, cases[i].js, err, sizeof(err)), -EINVAL);
		if (!strstr(err, cases[i].want))
			fail_msg("%s: error '%s' lacks '%s'", cases[i].js, err, cases[i].want);
	}
}

static void precedence(void **state)
{
	struct kcmdline k;
	const char *path;
	assert_int_equal(cmdline_parse("ro gpu_initd.config=/etc/x.json gpu_initd.mode=container", &k), 0);
	assert_int_equal(config_pick_source("/host/cfg.json", &k, &path), CONFIG_FROM_CLI);
	assert_string_equal(path, "/host/cfg.json");
	assert_int_equal(config_pick_source(NULL, &k, &path), CONFIG_FROM_CMDLINE);
	assert_string_equal(path, "/etc/x.json");
	assert_int_equal(cmdline_parse("ro quiet", &k), 0);
	assert_int_equal(config_pick_source(NULL, &k, &path), CONFIG_FROM_ROOT);
	assert_string_equal(path, "etc/gpu-initd/config.json");

	/* gpu_initd.mode= wins over the file's mode */
	struct config c;
	char err[256];
	assert_int_equal(parse(&c, "{\"mode\": \"vm-vgpu\", \"vgpu-config\": \"a\"}", err, sizeof(err)), 0);
	assert_int_equal(cmdline_parse("gpu_initd.mode=container gpu_initd.vgpu_config=small", &k), 0);
	assert_int_equal(config_apply_cmdline(&c, &k, err, sizeof(err)), 0);
	assert_int_equal(c.mode, MODE_CONTAINER);
	assert_string_equal(c.vgpu_config, "small");
	assert_int_equal(cmdline_parse("gpu_initd.mode=bogus", &k), 0);
	assert_int_equal(config_apply_cmdline(&c, &k, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "gpu_initd.mode=bogus"));
	assert_int_equal(c.mode, MODE_CONTAINER);
}

static void cmdline_values(void **state)
{
	char buf[64];
	assert_int_equal(cmdline_get("a=1 b=2 a=3", "a", buf, sizeof(buf)), 1);
	assert_string_equal(buf, "3"); /* the last one wins, as in the kernel */
	assert_int_equal(
	    cmdline_get("x gpu_initd.config=\"/etc/my cfg.json\" y", "gpu_initd.config", buf, sizeof(buf)),
	    16);
	assert_string_equal(buf, "/etc/my cfg.json");
	assert_int_equal(cmdline_get("ab=1", "a", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(cmdline_get("a", "a", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(cmdline_get("a=0123456789", "a", buf, 4), -ENAMETOOLONG);
	char longcmd[400] = "gpu_initd.mode=";
	memset(longcmd + 15, 'x', 300);
	struct kcmdline k;
	assert_int_equal(cmdline_parse(longcmd, &k), -ENAMETOOLONG);
}

static void cmdline_iommu_flags(void **state)
{
	struct kcmdline k;
	assert_int_equal(cmdline_parse("BOOT_IMAGE=/vmlinuz ro intel_iommu=on,sm_on iommu=pt quiet", &k), 0);
	assert_int_equal(k.intel_iommu, TRI_ON);
	assert_int_equal(k.iommu_pt, TRI_ON);
	assert_int_equal(k.amd_iommu, TRI_UNSET);
	assert_string_equal(k.flags, "intel_iommu=on,sm_on iommu=pt");
	assert_int_equal(cmdline_parse("intel_iommu=off amd_iommu=off iommu.passthrough=1", &k), 0);
	assert_int_equal(k.intel_iommu, TRI_OFF);
	assert_int_equal(k.amd_iommu, TRI_OFF);
	assert_int_equal(k.iommu_passthrough, TRI_ON);
	assert_int_equal(cmdline_parse("amd_iommu=on iommu=off", &k), 0);
	assert_true(k.amd_iommu_on_given);
	assert_int_equal(k.amd_iommu, TRI_UNSET);
	assert_true(k.iommu_off);
	assert_int_equal(cmdline_parse("", &k), 0);
	assert_string_equal(k.flags, "");
	assert_string_equal(k.mode, "");
}

/* Every allocation of a full parse failing in turn: -ENOMEM, nothing
 * leaked, and the next parse works. */
static void allocation_failures(void **state)
{
#if FAILMALLOC
	const char *js = "{\"mode\": \"vm-vgpu\", \"devices\": [\"0000:18:00.0\", 3, \"10de:2330\"],"
			 " \"resource-names\": {\"1234:11e8\": \"example.com/edu\"},"
			 " \"group-companions\": [\"10de:22a3\"], \"sriov-vfs\": {\"15b3:*\": 8},"
			 " \"vgpu-configs\": {\"default\": [{\"devices\": [0, 1], \"vgpu-devices\": "
			 "{\"H100XM-4C\": 20}}]}}";
	struct config c;
	char err[256];
	long nth;
	int r;

	for (nth = 0;; nth++) {
		config_init(&c);
		failmalloc_arm(nth);
		r = config_parse(&c, js, strlen(js), err, sizeof(err));
		if (failmalloc_disarm() == FAILMALLOC_NONE_FAILED)
			break;
		assert_int_equal(r, -ENOMEM);
		assert_int_equal(failmalloc_live(), 0);
	}
	assert_int_equal(r, 0);
	assert_true(nth > 0); /* it did allocate, and fail */
	print_message("config_parse: %ld allocations failed in turn\n", nth);
#else
	skip();
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(full_config),
		cmocka_unit_test(errors_name_the_field),
		cmocka_unit_test(precedence),
		cmocka_unit_test(cmdline_values),
		cmocka_unit_test(cmdline_iommu_flags),
		cmocka_unit_test(allocation_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
