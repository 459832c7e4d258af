// SPDX-License-Identifier: GPL-2.0-or-later
/* initd/serve/kubevirt.c: the kubevirt-config block. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "initd_serve_fixture.h"
#include "serve/kubevirt.h"
#include "serve/resources.h"

static void kubevirt(void **state)
{
	struct sdev d[3] = { mkdev(SDEV_PASSTHROUGH, "0000:18:00.0", 19, 0, ""),
			     mkdev(SDEV_PASSTHROUGH, "0000:2a:00.0", 21, 0, ""),
			     mkdev(SDEV_MDEV, "8e6f1c52-7d3a-4b7e-9c1d-2f3a4b5c6d01", 40, 0, "") };
	snprintf(d[2].vgpu_type, sizeof(d[2].vgpu_type), "NVIDIA A100-1-5C");
	for (int i = 0; i < 3; i++)
		assert_int_equal(resources_name(NULL, &d[i]), 0);
	struct sdevs s = { .d = d, .n = 3 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	kubevirt_print(&s, f);
	fclose(f);
	assert_string_equal(buf, "permittedHostDevices:\n"
				 "  pciHostDevices:\n"
				 "  - pciVendorSelector: \"10DE:2330\"\n"
				 "    resourceName: \"nvidia.com/GH100_H100_SXM5_80GB\"\n"
				 "    externalResourceProvider: true\n"
				 "  mediatedDevices:\n"
				 "  - mdevNameSelector: \"NVIDIA A100-1-5C\"\n"
				 "    resourceName: \"nvidia.com/NVIDIA_A100-1-5C\"\n"
				 "    externalResourceProvider: true\n");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kubevirt),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
