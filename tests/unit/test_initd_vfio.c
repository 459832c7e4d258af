// SPDX-License-Identifier: GPL-2.0-or-later
/* initd/node/vfio.c: the VF-disabling step, nvidia users and the unbind
 * lock, against a small root in a temporary folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "initd_root_harness.h"
#include "node/nvidia_gpu.h"
#include "node/sriov.h"
#include "node/vfio.h"

static void sriov_step(void **state)
{
	assert_false(sriov_needs_disable(-ENOENT, "")); /* no SR-IOV: skipped */
	assert_false(sriov_needs_disable(1, "0"));
	assert_true(sriov_needs_disable(1, "4"));
	assert_false(sriov_needs_disable(0, ""));
	assert_false(sriov_needs_disable(3, "abc"));
}

static void vf_step(void **state)
{
	int writes = 0;
	char v[16];
	/* no sriov_numvfs: skipped */
	assert_int_equal(sriov_disable_vfs(rootfd, "0000:9b:00.0", &writes), 0);
	assert_int_equal(writes, 0);
	/* 0: skipped */
	put("sys/bus/pci/devices/0000:9b:00.0/sriov_numvfs", "0\n");
	assert_int_equal(sriov_disable_vfs(rootfd, "0000:9b:00.0", &writes), 0);
	assert_int_equal(writes, 0);
	/* enabled, VF not in use (no group node): disabled with one write */
	put("sys/bus/pci/devices/0000:9b:00.0/sriov_numvfs", "4\n");
	link_("../0000:9b:00.4", "sys/bus/pci/devices/0000:9b:00.0/virtfn0");
	link_("../../../../kernel/iommu_groups/40", "sys/bus/pci/devices/0000:9b:00.4/iommu_group");
	assert_int_equal(sriov_disable_vfs(rootfd, "0000:9b:00.0", &writes), 0);
	assert_int_equal(writes, 1);
	assert_true(rootfs_read_attr(rootfd, "sys/bus/pci/devices/0000:9b:00.0/sriov_numvfs", v, sizeof(v)) >=
		    0);
	assert_string_equal(v, "0");
}

static void nvidia_users(void **state)
{
	int writes = 0;
	char v[8];
	put("proc/driver/nvidia/gpus/0000:18:00.0/information",
	    "Model: \t\t NVIDIA H100 80GB HBM3\nIRQ:   \t\t 41\nDevice Minor: \t 3\nBus Location: \t "
	    "0000:18:00.0\n");
	assert_int_equal(nvidia_gpu_user(rootfd, "0000:18:00.0"), 0);
	link_("/dev/nvidia2", "proc/4242/fd/3");
	assert_int_equal(nvidia_gpu_user(rootfd, "0000:18:00.0"), 0); /* another GPU */
	link_("/dev/nvidia3", "proc/4242/fd/4");
	assert_int_equal(nvidia_gpu_user(rootfd, "0000:18:00.0"), 4242);
	/* not an nvidia GPU: no information file */
	assert_int_equal(nvidia_gpu_user(rootfd, "0000:2a:00.0"), 0);
	/* no unbindLock (open kernel module 580): nothing to take */
	assert_int_equal(nvidia_take_unbind_lock(rootfd, "0000:18:00.0", &writes), 0);
	assert_int_equal(writes, 0);
	put("proc/driver/nvidia/gpus/0000:18:00.0/unbindLock", "0\n");
	assert_int_equal(nvidia_take_unbind_lock(rootfd, "0000:18:00.0", &writes), 0);
	assert_int_equal(writes, 1);
	assert_true(
	    rootfs_read_attr(rootfd, "proc/driver/nvidia/gpus/0000:18:00.0/unbindLock", v, sizeof(v)) >= 0);
	assert_string_equal(v, "1");
	/* group nodes: absent = not in use; present and openable = not in use */
	assert_int_equal(vfio_group_in_use(rootfd, 40), 0);
	put("dev/vfio/40", "");
	assert_int_equal(vfio_group_in_use(rootfd, 40), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sriov_step),
		cmocka_unit_test(vf_step),
		cmocka_unit_test(nvidia_users),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
