// SPDX-License-Identifier: GPL-2.0-or-later
/* Model provenance: docs/nvidia-model.md, "Grace". */
/* The EGM rule (initd/serve/egm.c egm_paths_for): a region's device node
 * goes with an allocation that holds every GPU of the region, never with
 * one holding some of them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "serve/egm.h"

static struct egm_set two_sockets(void)
{
	struct egm_set s = { .n = 2 };
	snprintf(s.r[0].dev, sizeof(s.r[0].dev), "/dev/egm2");
	snprintf(s.r[0].gpus[0], sizeof(s.r[0].gpus[0]), "0008:01:00.0");
	snprintf(s.r[0].gpus[1], sizeof(s.r[0].gpus[1]), "0009:01:00.0");
	s.r[0].ngpus = 2;
	snprintf(s.r[1].dev, sizeof(s.r[1].dev), "/dev/egm3");
	snprintf(s.r[1].gpus[0], sizeof(s.r[1].gpus[0]), "0018:01:00.0");
	s.r[1].ngpus = 1;
	return s;
}

static void rule(void **state)
{
	struct egm_set s = two_sockets();
	const char *out[EGM_MAX];
	const char *one[] = { "0008:01:00.0" };
	assert_int_equal(egm_paths_for(&s, one, 1, out, EGM_MAX), 0);
	const char *pair[] = { "0009:01:00.0", "0008:01:00.0" };
	assert_int_equal(egm_paths_for(&s, pair, 2, out, EGM_MAX), 1);
	assert_string_equal(out[0], "/dev/egm2");
	/* one GPU of each socket: only the socket whose region it completes */
	const char *mixed[] = { "0009:01:00.0", "0018:01:00.0" };
	assert_int_equal(egm_paths_for(&s, mixed, 2, out, EGM_MAX), 1);
	assert_string_equal(out[0], "/dev/egm3");
	/* all */
	const char *all[] = { "0008:01:00.0", "0009:01:00.0", "0018:01:00.0" };
	assert_int_equal(egm_paths_for(&s, all, 3, out, EGM_MAX), 2);
	assert_string_equal(out[1], "/dev/egm3");
	const char *upper[] = { "0018:01:00.0" }; /* letters compare without case */
	snprintf(s.r[1].gpus[0], sizeof(s.r[1].gpus[0]), "0018:01:00.0");
	assert_int_equal(egm_paths_for(&s, upper, 1, out, EGM_MAX), 1);
	/* an mdev UUID never completes a region */
	const char *uuid[] = { "3b5a4e0c-6b2f-4f7e-9a55-0c8f5a1d2e3f" };
	assert_int_equal(egm_paths_for(&s, uuid, 1, out, EGM_MAX), 0);
	/* a region naming no GPU is never handed out */
	s.r[1].ngpus = 0;
	assert_int_equal(egm_paths_for(&s, uuid, 1, out, EGM_MAX), 0);
	/* nothing requested */
	assert_int_equal(egm_paths_for(&s, NULL, 0, out, EGM_MAX), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rule),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
