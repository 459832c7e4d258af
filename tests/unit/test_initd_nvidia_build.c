// SPDX-License-Identifier: GPL-2.0-or-later
/* Model provenance: docs/nvidia-model.md, "NVIDIA driver builds, the unbind lock, SR-IOV sequence". */
/* Which nvidia build a node runs (from what the host shows) and what
 * vm-vgpu needs of it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "node/nvidia_build.h"

static char root[64];
static int rootfd;

/* a shell command run in the root */
static void sh(const char *c)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "cd '%s' && %s", root, c);
	assert_int_equal(system(cmd), 0);
}

static int setup(void **state)
{
	snprintf(root, sizeof(root), "/tmp/nvbuild.XXXXXX");
	assert_non_null(mkdtemp(root));
	rootfd = open(root, O_RDONLY | O_DIRECTORY);
	return rootfd < 0;
}

static int teardown(void **state)
{
	close(rootfd);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) != 0;
}

static void assess_rules(void **state)
{
	char err[256];
	assert_int_equal(nv_build_assess(NV_BUILD_PLAIN, "x", false, true, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "no vGPU manager"));
	assert_int_equal(nv_build_assess(NV_BUILD_VGPU_KVM, "x", true, false, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "VFs without an IOMMU"));
	assert_int_equal(nv_build_assess(NV_BUILD_VGPU_KVM, "x", false, false, err, sizeof(err)),
			 0); /* mdev on a PF */
	assert_int_equal(nv_build_assess(NV_BUILD_VGPU_KVM, "x", true, true, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	/* nothing to tell by: the vGPU plan speaks for itself */
	assert_int_equal(nv_build_assess(NV_BUILD_UNKNOWN, "", true, false, err, sizeof(err)), 0);
	assert_int_equal(nv_build_assess(NV_BUILD_NONE, "", true, true, err, sizeof(err)), 0);
}

static void detect_from_the_host(void **state)
{
	char why[128];
	assert_int_equal(nv_build_detect(rootfd, why, sizeof(why)), NV_BUILD_NONE);
	sh("mkdir -p proc/driver/nvidia/gpus");
	assert_int_equal(nv_build_detect(rootfd, why, sizeof(why)), NV_BUILD_UNKNOWN);
	/* the real plain 580 build: information, power, registry */
	sh("mkdir -p proc/driver/nvidia/gpus/0000:18:00.0");
	assert_int_equal(nv_build_detect(rootfd, why, sizeof(why)), NV_BUILD_PLAIN);
	assert_string_equal(why, "0000:18:00.0 on nvidia has no unbindLock");
	sh("mkdir -p proc/driver/nvidia/gpus/0000:2a:00.0 && echo 0 "
	   ">proc/driver/nvidia/gpus/0000:2a:00.0/unbindLock");
	assert_int_equal(nv_build_detect(rootfd, why, sizeof(why)), NV_BUILD_VGPU_KVM);
	assert_string_equal(why, "unbindLock of 0000:2a:00.0");
	sh("rm -rf proc");
	sh("mkdir -p sys/module/nvidia_vgpu_vfio");
	assert_int_equal(nv_build_detect(rootfd, why, sizeof(why)), NV_BUILD_VGPU_KVM);
	assert_string_equal(nv_build_name(NV_BUILD_VGPU_KVM), "vgpu-kvm");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(assess_rules),
		cmocka_unit_test_setup_teardown(detect_from_the_host, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
