// SPDX-License-Identifier: GPL-2.0-or-later
/* initd/serve/allocate.c: Allocate validation, bounds and response, the
 * preferred allocation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dpapi.h"
#include "initd_serve_fixture.h"
#include "serve/allocate.h"
#include "serve/resources.h"

/* 8 GPUs: 4 on NUMA 0 behind two switches, 4 on NUMA 1 with 9a/9b in one group. */
static struct pdev table8[8];
static struct ptable T = { .resource = "nvidia.com/GH100_H100_SXM5_80GB", .v = table8, .n = 8 };
static const char *ids8[8] = { "0000:18:00.0", "0000:2a:00.0", "0000:3a:00.0", "0000:5d:00.0",
			       "0000:9a:00.0", "0000:9b:00.0", "0000:ba:00.0", "0000:db:00.0" };

static int setup8(void **state)
{
	static const int groups[8] = { 19, 21, 23, 25, 28, 28, 30, 32 };
	static const char *loc[8] = { "sw0", "sw0", "sw1", "sw1", "sw2", "sw2", "sw3", "sw2" };
	for (int i = 0; i < 8; i++)
		table8[i] =
		    (struct pdev){ .d = mkdev(SDEV_PASSTHROUGH, ids8[i], groups[i], i < 4 ? 0 : 1, loc[i]),
				   .healthy = true };
	return 0;
}

static void validate(void **state)
{
	char msg[256];
	const char *one[] = { "0000:2a:00.0" };
	assert_int_equal(allocate_validate(&T, one, 1, msg, sizeof(msg)), 0);
	const char *unknown[] = { "0000:2a:00.0", "../../etc/passwd" };
	assert_int_equal(allocate_validate(&T, unknown, 2, msg, sizeof(msg)), -EINVAL);
	assert_non_null(
	    strstr(msg, "\"../../etc/passwd\" is not a device of nvidia.com/GH100_H100_SXM5_80GB"));
	const char *split[] = { "0000:9b:00.0" };
	assert_int_equal(allocate_validate(&T, split, 1, msg, sizeof(msg)), -EINVAL);
	assert_non_null(strstr(msg, "shares IOMMU group 28 with \"0000:9a:00.0\""));
	const char *pair[] = { "0000:9b:00.0", "0000:9a:00.0" };
	assert_int_equal(allocate_validate(&T, pair, 2, msg, sizeof(msg)), 0);
	const char *dup[] = { "0000:2a:00.0", "0000:2a:00.0" };
	assert_int_equal(allocate_validate(&T, dup, 2, msg, sizeof(msg)), -EINVAL);
	assert_int_equal(allocate_validate(&T, NULL, 0, msg, sizeof(msg)), -EINVAL);
	table8[6].healthy = false;
	const char *sick[] = { "0000:ba:00.0" };
	assert_int_equal(allocate_validate(&T, sick, 1, msg, sizeof(msg)), -EINVAL);
	assert_non_null(strstr(msg, "is not healthy"));
	/* an unhealthy sibling does not block its healthy partner */
	table8[5].healthy = false;
	const char *alone[] = { "0000:9a:00.0" };
	assert_int_equal(allocate_validate(&T, alone, 1, msg, sizeof(msg)), 0);
	char q[80], junk[200];
	memset(junk, 'x', sizeof(junk) - 1);
	junk[sizeof(junk) - 1] = '\0';
	junk[3] = '\n';
	allocate_quote_id(junk, q, sizeof(q));
	assert_int_equal(strlen(q), 67);
	assert_int_equal(q[3], '?');
}

/* Bounds before any work: containers and IDs in all up to the device count. */
static void bounds(void **state)
{
	char msg[256];
	assert_int_equal(allocate_bounds(&T, 1, 1, msg, sizeof(msg)), 0);
	assert_int_equal(allocate_bounds(&T, 8, 8, msg, sizeof(msg)), 0);
	assert_int_equal(allocate_bounds(&T, 0, 0, msg, sizeof(msg)), -EINVAL);
	assert_int_equal(allocate_bounds(&T, 9, 9, msg, sizeof(msg)), -EINVAL);
	assert_non_null(
	    strstr(msg, "9 container requests in one call, nvidia.com/GH100_H100_SXM5_80GB has 8"));
	assert_int_equal(allocate_bounds(&T, 260000, 260000, msg, sizeof(msg)), -EINVAL);
	assert_int_equal(allocate_bounds(&T, 2, 9, msg, sizeof(msg)), -EINVAL);
	assert_non_null(strstr(msg, "9 device IDs requested, nvidia.com/GH100_H100_SXM5_80GB has 8"));
}

static void fill(void **state)
{
	V1beta1__AllocateResponse *r;
	V1beta1__ContainerAllocateResponse *c;
	struct sdev a = mkdev(SDEV_PASSTHROUGH, "0000:9a:00.0", 28, 1, ""),
		    b = mkdev(SDEV_PASSTHROUGH, "0000:9b:00.0", 28, 1, "");
	snprintf(a.vfio_dev, sizeof(a.vfio_dev), "vfio0");
	snprintf(b.vfio_dev, sizeof(b.vfio_dev), "vfio1");
	const struct sdev *devs[] = { &b, &a };
	assert_int_equal(dpapi_allocate_response(&r), 0);
	assert_int_equal(dpapi_allocate_add_container(r, &c), 0);
	assert_int_equal(allocate_fill("nvidia.com/GH100_H100_SXM5_80GB", devs, 2, true, c), 0);
	assert_string_equal(dpapi_container_env(c, "PCI_RESOURCE_NVIDIA_COM_GH100_H100_SXM5_80GB"),
			    "0000:9b:00.0,0000:9a:00.0");
	assert_int_equal(c->n_envs, 1);
	const char *want[] = { "/dev/vfio/vfio", "/dev/vfio/28", "/dev/iommu", "/dev/vfio/devices/vfio1",
			       "/dev/vfio/devices/vfio0" };
	assert_int_equal(c->n_devices, 5);
	for (int i = 0; i < 5; i++) {
		assert_string_equal(c->devices[i]->container_path, want[i]);
		assert_string_equal(c->devices[i]->host_path, want[i]);
		assert_string_equal(c->devices[i]->permissions, "mrw");
	}
	dpapi_free(r);
	/* an alias mixing kinds: one env per prefix */
	struct sdev m = mkdev(SDEV_MDEV, "8e6f1c52-7d3a-4b7e-9c1d-2f3a4b5c6d01", 40, 0, "");
	const struct sdev *mixed[] = { &a, &m };
	assert_int_equal(dpapi_allocate_response(&r), 0);
	assert_int_equal(dpapi_allocate_add_container(r, &c), 0);
	assert_int_equal(allocate_fill("nvidia.com/gpu", mixed, 2, false, c), 0);
	assert_string_equal(dpapi_container_env(c, "PCI_RESOURCE_NVIDIA_COM_GPU"), "0000:9a:00.0");
	assert_string_equal(dpapi_container_env(c, "MDEV_PCI_RESOURCE_NVIDIA_COM_GPU"), m.id);
	assert_int_equal(c->n_devices, 3);
	dpapi_free(r);
}

static size_t pref(const char *const *avail, size_t na, const char *const *must, size_t nm, long size,
		   const char **out)
{
	return preferred_choose(&T, avail, na, must, nm, size, out);
}

static bool has(const char **out, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(out[i], id) == 0)
			return true;
	return false;
}

static void preferred(void **state)
{
	const char *out[32];
	size_t n = pref(ids8, 8, NULL, 0, 2, out);
	/* best fit: NUMA 0 and 1 both hold 2; same switch preferred */
	assert_int_equal(n, 2);
	assert_string_equal(T.v[0].d.locality, "sw0");
	const struct pdev *p0 = ptable_find(&T, out[0]), *p1 = ptable_find(&T, out[1]);
	assert_int_equal(p0->d.numa, p1->d.numa);
	assert_string_equal(p0->d.locality, p1->d.locality);
	/* must-include on NUMA 1: the rest from NUMA 1, groups whole, same switch first */
	const char *must[] = { "0000:db:00.0" };
	n = pref(ids8, 8, must, 1, 3, out);
	assert_int_equal(n, 3);
	assert_string_equal(out[0], "0000:db:00.0");
	assert_true(has(out, n, "0000:9a:00.0") && has(out, n, "0000:9b:00.0")); /* sw2, with db */
	/* a lone sibling in must-include brings its partner */
	const char *must9a[] = { "0000:9a:00.0" };
	n = pref(ids8, 8, must9a, 1, 2, out);
	assert_int_equal(n, 2);
	assert_true(has(out, n, "0000:9b:00.0"));
	/* size 1 from a group and a single: never split the group */
	const char *av[] = { "0000:9a:00.0", "0000:9b:00.0", "0000:ba:00.0" };
	n = pref(av, 3, NULL, 0, 1, out);
	assert_int_equal(n, 1);
	assert_string_equal(out[0], "0000:ba:00.0");
	/* 5 of 8: one NUMA node cannot hold it, take the fullest then the other */
	n = pref(ids8, 8, NULL, 0, 5, out);
	assert_int_equal(n, 5);
	/* odd shapes */
	assert_int_equal(pref(ids8, 8, NULL, 0, 0, out), 0);
	assert_int_equal(pref(ids8, 8, NULL, 0, -1, out), 0);
	assert_int_equal(pref(ids8, 8, NULL, 0, 1000, out), 8);
	const char *junk[] = { "", "nope", NULL, "0000:18:00.0", "0000:18:00.0" };
	n = pref(junk, 5, NULL, 0, 4, out);
	assert_int_equal(n, 1);
	assert_int_equal(pref(NULL, 0, must, 1, 4, out), 1);
	/* unhealthy devices are not preferred */
	table8[0].healthy = false;
	const char *two[] = { "0000:18:00.0", "0000:2a:00.0" };
	n = pref(two, 2, NULL, 0, 2, out);
	assert_int_equal(n, 1);
	assert_string_equal(out[0], "0000:2a:00.0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(validate, setup8),
		cmocka_unit_test_setup(bounds, setup8),
		cmocka_unit_test(fill),
		cmocka_unit_test_setup(preferred, setup8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
