// SPDX-License-Identifier: GPL-2.0-or-later
/* initd/node/naming.c: resource names from PCI ids, pci.ids and the
 * config, and their validity. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "node/config.h"
#include "node/naming.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(naming_transform_cases),
		cmocka_unit_test(naming_builtin_and_precedence),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
