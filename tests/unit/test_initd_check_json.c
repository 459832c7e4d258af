// SPDX-License-Identifier: GPL-2.0-or-later
/* check --json: the documented schema and its reason codes, from reports
 * built by hand (initd/CHECK-JSON.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "check_print.h"
#include "json.h"

static struct pcidev devs[] = {
	{ .addr = { 0, 0x43, 0, 0 },
	  .bdf = "0000:43:00.0",
	  .vendor = 0x10de,
	  .device = 0x20b5,
	  .class = 0x030200,
	  .group = 4,
	  .numa = 0,
	  .driver = "nvidia" },
	{ .addr = { 0, 0x44, 0, 0 },
	  .bdf = "0000:44:00.0",
	  .vendor = 0x8086,
	  .device = 0x10d3,
	  .class = 0x020000,
	  .group = 4,
	  .numa = 0,
	  .driver = "e1000e" },
	{ .addr = { 0, 0x81, 0, 0 },
	  .bdf = "0000:81:00.0",
	  .vendor = 0x10de,
	  .device = 0x1b38,
	  .class = 0x030200,
	  .group = 5,
	  .numa = 1,
	  .driver = "vfio-pci" },
};
static bool selected[] = { true, false, true };

static char *render(struct report *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	check_print_json(r, f);
	fclose(f);
	return buf;
}

static void make_report(struct report *r)
{
	memset(r, 0, sizeof(*r));
	r->mode = MODE_PASSTHROUGH;
	snprintf(r->kver, sizeof(r->kver), "6.1.0-28-amd64");
	r->devs.dev = devs;
	r->devs.n = 3;
	r->selected = selected;
	r->unmatched = -1;
	r->iommu.vendor = IOMMU_INTEL;
	r->iommu.nunits = 1;
	r->iommu.ngroups = 6;
	r->iommu.acpi_dmar = true;
	r->iommu.irq_remap = TRI_UNSET;
	snprintf(r->iommu.default_domain, sizeof(r->iommu.default_domain), "DMA-FQ");
	r->cause = IOMMU_OK;
	r->fix = "";
	r->dr = calloc(2, sizeof(*r->dr));
	r->ndr = 2;
	r->dr[0] = (struct dev_report){ .idx = 0,
					.gpu_index = 0,
					.target = true,
					.resource = "nvidia.com/GA100_A100_PCIE_80GB",
					.name_src = NAME_BUILTIN,
					.vfio_driver = "vfio-pci" };
	assert_int_equal(group_assess(devs, 3, selected, 4, &r->dr[0].grp), 0);
	r->dr[0].reasons = 1u << R_GROUP_FOREIGN;
	r->dr[1] = (struct dev_report){ .idx = 2,
					.gpu_index = 1,
					.target = true,
					.vfio_driver = "vfio-pci",
					.in_use = true,
					.in_use_by = "dev/vfio/5 is open" };
	assert_int_equal(group_assess(devs, 3, selected, 5, &r->dr[1].grp), 0);
	r->dr[1].reasons = 1u << R_NO_NAME | 1u << R_IN_USE;
}

/* The string at key path "a.b" of object obj, or NULL. */
static int get(const struct json_doc *d, int obj, const char *key)
{
	int v = json_obj_get(d, obj, key);
	assert_true(v >= 0);
	return v;
}

static void reason_codes(void **state)
{
	struct report r;
	struct json_doc d;
	char s[256];
	make_report(&r);
	char *out = render(&r);
	assert_int_equal(json_parse(&d, out, strlen(out)), 0);
	long long n;
	assert_int_equal(json_int(&d, get(&d, 0, "schema"), &n), 0);
	assert_int_equal(n, 1);
	bool ok = true;
	assert_int_equal(json_bool(&d, get(&d, 0, "ok"), &ok), 0);
	assert_false(ok);
	int iommu = get(&d, 0, "iommu");
	assert_true(json_eq(&d, get(&d, iommu, "vendor"), "intel"));
	assert_true(json_eq(&d, get(&d, iommu, "default_domain"), "DMA-FQ"));
	assert_true(json_is_null(&d, get(&d, iommu, "interrupt_remapping")));
	assert_true(json_is_null(&d, get(&d, iommu, "cause")));

	int devices = get(&d, 0, "devices");
	assert_int_equal(d.tok[devices].size, 2);
	int d0 = devices + 1;
	assert_true(json_eq(&d, get(&d, d0, "bdf"), "0000:43:00.0"));
	assert_true(json_eq(&d, get(&d, d0, "resource_source"), "builtin"));
	assert_int_equal(json_bool(&d, get(&d, d0, "group_safe"), &ok), 0);
	assert_false(ok);
	int members = get(&d, d0, "members");
	assert_int_equal(d.tok[members].size, 2);
	assert_true(json_eq(&d, get(&d, json_next(&d, members + 1), "role"), "foreign"));
	int rs = get(&d, d0, "reasons");
	assert_int_equal(d.tok[rs].size, 1);
	assert_true(json_eq(&d, rs + 1, "group-has-foreign-device"));
	int d1 = json_next(&d, d0);
	assert_true(json_is_null(&d, get(&d, d1, "resource")));
	assert_true(json_eq(&d, get(&d, d1, "in_use_by"), "dev/vfio/5 is open"));

	int all = get(&d, 0, "reasons");
	const char *want[] = { "group-has-foreign-device", "device-in-use", "no-resource-name" };
	assert_int_equal(d.tok[all].size, 3);
	int i = 0;
	json_for_each (&d, all, e, k) {
		assert_true(json_str(&d, get(&d, e, "code"), s, sizeof(s)) >= 0);
		/* order: per device, by enum */
		if (i == 0)
			assert_string_equal(s, want[0]);
		else
			assert_true(strcmp(s, want[1]) == 0 || strcmp(s, want[2]) == 0);
		assert_true(json_str(&d, get(&d, e, "device"), s, sizeof(s)) >= 0);
		assert_string_equal(s, i == 0 ? "0000:43:00.0" : "0000:81:00.0");
		i++;
	}
	int m0 = get(&d, all + 1, "message");
	assert_true(json_str(&d, m0, s, sizeof(s)) >= 0);
	assert_non_null(strstr(s, "0000:44:00.0"));
	json_free(&d);
	free(out);
	free(r.dr);
}

static void node_reasons(void **state)
{
	struct report r;
	struct json_doc d;
	char s[256];
	make_report(&r);
	r.cause = IOMMU_CMDLINE_OFF;
	r.fix = "remove intel_iommu=off";
	r.reasons = 1u << R_IOMMU_OFF | 1u << R_SELECTOR_UNMATCHED;
	r.unmatched = 2;
	r.dr[0].reasons = r.dr[1].reasons = 0;
	r.dr[1].name_src = NAME_CONFIG;
	char *out = render(&r);
	assert_int_equal(json_parse(&d, out, strlen(out)), 0);
	int iommu = get(&d, 0, "iommu");
	assert_true(json_eq(&d, get(&d, iommu, "cause"), "iommu-disabled-cmdline"));
	assert_true(json_eq(&d, get(&d, iommu, "fix"), "remove intel_iommu=off"));
	int all = get(&d, 0, "reasons");
	assert_int_equal(d.tok[all].size, 2);
	assert_true(json_eq(&d, get(&d, all + 1, "code"), "iommu-disabled-cmdline"));
	assert_true(json_is_null(&d, get(&d, all + 1, "device")));
	int second = json_next(&d, all + 1);
	assert_true(json_eq(&d, get(&d, second, "code"), "selector-unmatched"));
	assert_true(json_str(&d, get(&d, second, "message"), s, sizeof(s)) >= 0);
	assert_string_equal(s, "devices[2] matches no device");
	assert_false(report_ok(&r));
	r.reasons = 0;
	assert_true(report_ok(&r));
	json_free(&d);
	free(out);
	free(r.dr);
}

static void codes_are_stable(void **state)
{
	/* documented in initd/CHECK-JSON.md: renaming one breaks users */
	static const char *const want[R__MAX] = {
		"iommu-off",
		"no-devices-selected",
		"selector-unmatched",
		"mode-unsupported",
		"no-kernel-modules",
		"no-iommu-group",
		"group-has-foreign-device",
		"device-in-use",
		"no-resource-name",
		"vfio-driver-missing",
		"group-too-big",
		"vgpu-plan",
		"sriov-vfs",
		"nvidia-driver-build",
		"gpu-fell-off-bus",
		"gpu-link-down",
		"boot-framebuffer",
		"gpu-aer-fatal",
		"iommu-msi-not-isolated",
	};
	for (int i = 0; i < R__MAX; i++)
		assert_string_equal(reason_code((enum reason)i), want[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reason_codes),
		cmocka_unit_test(node_reasons),
		cmocka_unit_test(codes_are_stable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
