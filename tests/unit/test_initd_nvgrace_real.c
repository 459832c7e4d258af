// SPDX-License-Identifier: GPL-2.0-or-later
/* Model provenance: docs/nvidia-model.md, "Grace". */
/* The variant gpu-initd picks (initd/node/modules.c vfio_pick_variant) from
 * the REAL modules.alias lines of Debian's arm64 kernels: Debian's own
 * (fixtures/data/debian-SUITE-arm64.depmod, vfio-pci's catch-all) plus the
 * lines depmod wrote for nvgrace-gpu-vfio-pci built from Debian's source of
 * the same kernel (debian-SUITE-arm64-nvgrace.depmod, made by
 * scripts/nvgrace-module.sh).  6.12.117's driver claims only the two GH200
 * ids 2342/2345; 7.3.4's all five Grace ids. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/grace.h"
#include "node/modules.h"

/* Appends the data file's "alias " records (each an "alias vfio_pci:..."
 * line of modules.alias) to buf. */
static void add_aliases(char *buf, size_t size, const char *path)
{
	char line[512];
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "alias alias vfio_pci:", 21) == 0)
			strncat(buf, line + 6, size - strlen(buf) - 1);
	fclose(f);
}

static const char *pick(const char *suite, const char *dev)
{
	static char aliases[8192], out[64];
	char path[128], modalias[128];
	aliases[0] = '\0';
	snprintf(path, sizeof(path), "fixtures/data/debian-%s-arm64.depmod", suite);
	add_aliases(aliases, sizeof(aliases), path);
	snprintf(path, sizeof(path), "fixtures/data/debian-%s-arm64-nvgrace.depmod", suite);
	add_aliases(aliases, sizeof(aliases), path);
	snprintf(modalias, sizeof(modalias), "pci:v000010DEd0000%ssv000010DEsd000016EBbc03sc02i00", dev);
	assert_int_equal(vfio_pick_variant(aliases, modalias, out, sizeof(out)), 0);
	return out;
}

static void debian_6_12(void **state)
{
	assert_string_equal(pick("trixie", "2342"), GRACE_VFIO_MODULE);
	assert_string_equal(pick("trixie", "2345"), GRACE_VFIO_MODULE);
	/* not in 6.12.117's nvgrace_gpu_vfio_pci_table: the catch-all */
	assert_string_equal(pick("trixie", "2348"), "vfio_pci");
	assert_string_equal(pick("trixie", "2941"), "vfio_pci");
	assert_string_equal(pick("trixie", "31C2"), "vfio_pci");
	assert_string_equal(pick("trixie", "2330"), "vfio_pci"); /* H100 SXM5 */
}

static void debian_7_3(void **state)
{
	static const char *ids[] = { "2342", "2345", "2348", "2941", "31C2" };
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		assert_string_equal(pick("trixie-backports", ids[i]), GRACE_VFIO_MODULE);
	assert_string_equal(pick("trixie-backports", "2330"), "vfio_pci");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(debian_6_12),
		cmocka_unit_test(debian_7_3),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
