// SPDX-License-Identifier: GPL-2.0-or-later
/* initd/serve/serve_report.c: what `gpu-initd status` prints of serve. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "initd_serve_fixture.h"
#include "serve/resources.h"
#include "serve/serve_report.h"

static void report(void **state)
{
	struct sdev d[1] = { mkdev(SDEV_PASSTHROUGH, "0000:18:00.0", 19, 0, "") };
	assert_int_equal(resources_name(NULL, &d[0]), 0);
	struct sdevs s = { .d = d, .n = 1 };
	const char *js =
	    "{\"pid\":7,\"kubelet_present\":true,\"resources\":[{\"resource\":"
	    "\"nvidia.com/GH100_H100_SXM5_80GB\",\"registered\":true,\"streams\":1,\"capacity\":2,"
	    "\"allocatable\":1,\"allocations\":3,\"last_allocation\":\"0000:18:00.0\",\"devices\":["
	    "{\"id\":\"0000:18:00.0\",\"kind\":\"passthrough\",\"health\":\"Healthy\"},"
	    "{\"id\":\"0000:ba:00.0\",\"kind\":\"passthrough\",\"health\":\"Unhealthy\"}]}]}";
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_int_equal(serve_report_print(&s, js, f), 0);
	fclose(f);
	assert_non_null(strstr(buf, "vfio-pci          19    0 Healthy\n"));
	assert_non_null(strstr(buf, "0000:ba:00.0"));
	assert_non_null(strstr(buf, "(gone)"));
	assert_non_null(strstr(buf, "serve: pid 7, kubelet.sock present\n"));
	assert_non_null(strstr(buf, "yes              1        2           1           3 0000:18:00.0\n"));
	free(buf);
	f = open_memstream(&buf, &len);
	assert_int_equal(serve_report_print(&s, "{not json", f), -EINVAL);
	fclose(f);
	assert_non_null(strstr(buf, "unreadable"));
	free(buf);
	f = open_memstream(&buf, &len);
	assert_int_equal(serve_report_print(&s, NULL, f), 0);
	fclose(f);
	assert_non_null(strstr(buf, "serve: not running"));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(report),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
