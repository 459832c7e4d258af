// SPDX-License-Identifier: GPL-2.0-or-later
/* gpu-initd's I/O helpers against a small tree in a temp dir (no FUSE):
 * status.json and ready, the VF-disabling step, nvidia users and the
 * unbind lock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "rootfs.h"
#include "status.h"
#include "node/nvidia_gpu.h"
#include "node/vfio.h"
#include "vgpu/vgpu_uuid.h"

static char root[64];
static int rootfd;

static void mkdirs(const char *rel)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/%s'", root, rel);
	assert_int_equal(system(cmd), 0);
}

static void put(const char *rel, const char *s)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(s, f);
	fclose(f);
}

static void link_(const char *target, const char *rel)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(symlink(target, p), 0);
}

static int setup(void **state)
{
	snprintf(root, sizeof(root), "/tmp/initd-io.XXXXXX");
	assert_non_null(mkdtemp(root));
	mkdirs("run");
	mkdirs("sys/bus/pci/devices/0000:9b:00.0");
	mkdirs("sys/bus/pci/devices/0000:9b:00.4");
	mkdirs("sys/kernel/iommu_groups/40");
	mkdirs("dev/vfio");
	mkdirs("proc/driver/nvidia/gpus/0000:18:00.0");
	mkdirs("proc/4242/fd");
	mkdirs("proc/self");
	rootfd = rootfs_open(root);
	assert_true(rootfd >= 0);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	close(rootfd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

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

/* The GPU's identity: sysfs serial_number first (Linux 6.18+), then the
 * DSN capability in config space, then DMI + address. */
static void vgpu_identity_sources(void **state)
{
	char id[128];
	const char *d = "sys/bus/pci/devices/0000:9b:00.0";
	char p[128];
	/* config space with a DSN capability at 0x100 */
	unsigned char cfg[4096] = { 0 };
	cfg[0x100] = 0x03;
	cfg[0x102] = 0x01;
	const unsigned char dsn_le[8] = { 0x48, 0xb0, 0x2d, 0x7b, 0xb5, 0x0f, 0x86, 0x2f };
	memcpy(cfg + 0x104, dsn_le, 8);
	snprintf(p, sizeof(p), "%s/%s/config", root, d);
	FILE *f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(cfg, 1, sizeof(cfg), f), sizeof(cfg));
	fclose(f);
	assert_int_equal(vgpu_identity_read(rootfd, "0000:9b:00.0", id, sizeof(id)), 0);
	assert_string_equal(id, "dsn:2f860fb57b2db048");
	/* the kernel's serial_number names the same DSN: the same identity */
	put("sys/bus/pci/devices/0000:9b:00.0/serial_number", "2f-86-0f-b5-7b-2d-b0-48\n");
	assert_int_equal(vgpu_identity_read(rootfd, "0000:9b:00.0", id, sizeof(id)), 0);
	assert_string_equal(id, "dsn:2f860fb57b2db048");
	/* and it is what is read when present (config space is not needed) */
	assert_int_equal(unlink(p), 0);
	assert_int_equal(vgpu_identity_read(rootfd, "0000:9b:00.0", id, sizeof(id)), 0);
	assert_string_equal(id, "dsn:2f860fb57b2db048");
	/* an unreadable value falls back: no config, DMI + address */
	put("sys/bus/pci/devices/0000:9b:00.0/serial_number", "garbage\n");
	mkdirs("sys/class/dmi/id");
	put("sys/class/dmi/id/product_uuid", "6B1F2B3E-8C4D-4A5E-9F60-7A8B9C0D1E2F\n");
	assert_int_equal(vgpu_identity_read(rootfd, "0000:9b:00.0", id, sizeof(id)), 0);
	assert_string_equal(id, "dmi:6b1f2b3e-8c4d-4a5e-9f60-7a8b9c0d1e2f/pci:0000:9b:00.0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(status_files),
		cmocka_unit_test(vf_step),
		cmocka_unit_test(nvidia_users),
		cmocka_unit_test(vgpu_identity_sources),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
