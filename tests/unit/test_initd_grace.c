// SPDX-License-Identifier: GPL-2.0-or-later
/* Model provenance: docs/nvidia-model.md, "Grace". */
/* Grace GPUs (initd/node/grace.c): the kernel's nvgrace-gpu id table, and
 * the VFIO variant gpu-initd picks from a real-format modules.alias. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "node/grace.h"
#include "node/modules.h"

static void ids(void **state)
{
	assert_true(grace_gpu(0x10de, 0x2342));
	assert_true(grace_gpu(0x10de, 0x2345));
	assert_true(grace_gpu(0x10de, 0x2348));
	assert_true(grace_gpu(0x10de, 0x2941));
	assert_true(grace_gpu(0x10de, 0x31c2));
	assert_false(grace_gpu(0x10de, 0x2330)); /* H100 SXM5: PCIe, plain vfio-pci */
	assert_false(grace_gpu(0x8086, 0x2342)); /* Intel's DH89xxCC root port */
}

/* Debian trixie's arm64 modules.alias has only vfio-pci's catch-all; a
 * kernel with the module adds its exact-id lines, which win. */
static void variant_from_alias(void **state)
{
	char buf[64];
	const char *debian = "alias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci\n";
	const char *with = "alias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci\n"
			   "alias vfio_pci:v000010DEd00002342sv*sd*bc*sc*i* nvgrace_gpu_vfio_pci\n";
	const char *gh200 = "pci:v000010DEd00002342sv000010DEsd000016EBbc03sc02i00";
	vfio_pick_variant(debian, gh200, buf, sizeof(buf));
	assert_string_equal(buf, "vfio_pci");
	vfio_pick_variant(with, gh200, buf, sizeof(buf));
	assert_string_equal(buf, GRACE_VFIO_MODULE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ids),
		cmocka_unit_test(variant_from_alias),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
