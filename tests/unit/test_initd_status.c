// SPDX-License-Identifier: GPL-2.0-or-later
/* initd/status.c: status.json and ready under a root fd. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "initd_root_harness.h"
#include "status.h"

static void status_files(void **state)
{
	static struct pcidev devs[] = {
		{ .bdf = "0000:18:00.0",
		  .vendor = 0x10de,
		  .device = 0x2330,
		  .group = 19,
		  .numa = 0,
		  .driver = "vfio-pci" },
		{ .bdf = "0000:2a:00.0",
		  .vendor = 0x10de,
		  .device = 0x2330,
		  .group = 21,
		  .numa = 0,
		  .driver = "nvidia" },
	};
	struct dev_report dr[2] = {
		{ .idx = 0,
		  .target = true,
		  .resource = "nvidia.com/GH100_H100_SXM5_80GB",
		  .state = DEV_DONE },
		{ .idx = 1,
		  .target = true,
		  .resource = "nvidia.com/GH100_H100_SXM5_80GB",
		  .state = DEV_FAILED,
		  .step = STEP_PROBE,
		  .err = -EIO },
	};
	struct report r = { .mode = MODE_PASSTHROUGH, .devs = { devs, 2 }, .dr = dr, .ndr = 2 };
	char *s = NULL;

	assert_int_equal(status_write(rootfd, &r, false), 0);
	assert_int_equal(rootfs_read_file(rootfd, "run/gpu-initd/status.json", &s, NULL), 0);
	assert_non_null(strstr(s, "\"ready\":false"));
	assert_non_null(strstr(s, "\"bdf\":\"0000:2a:00.0\",\"id\":\"10de:2330\""));
	assert_non_null(
	    strstr(s, "\"state\":\"failed\",\"reasons\":[],\"step\":\"drivers_probe\",\"errno\":5"));
	free(s);
	assert_int_equal(rootfs_exists(rootfd, "run/gpu-initd/ready"), 0);

	dr[1].state = DEV_DONE;
	assert_int_equal(status_write(rootfd, &r, true), 0);
	assert_int_equal(rootfs_exists(rootfd, "run/gpu-initd/ready"), 1);
	assert_int_equal(status_clear_ready(rootfd), 0);
	assert_int_equal(rootfs_exists(rootfd, "run/gpu-initd/ready"), 0);
	assert_int_equal(status_clear_ready(rootfd), 0); /* absent: fine */
	/* no temp file left behind */
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "test $(ls -A '%s/run/gpu-initd' | wc -l) = 1", root);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(status_files),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
