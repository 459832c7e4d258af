// SPDX-License-Identifier: GPL-2.0-or-later
/* initd/node/modules.c: the VFIO variant driver a modalias picks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "node/modules.h"
#include "node/vfio.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vfio_variant),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
