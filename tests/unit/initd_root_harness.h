/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A small root in a temporary folder (no FUSE) for tests of initd's I/O
 * through the root fd: setup/teardown make and remove it; mkdirs, put and
 * link_ fill it.  Include in one test file each. */
#pragma once
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "rootfs.h"

static char root[64];
static int rootfd;

static inline void mkdirs(const char *rel)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/%s'", root, rel);
	assert_int_equal(system(cmd), 0);
}

static inline void put(const char *rel, const char *s)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(s, f);
	fclose(f);
}

static inline void link_(const char *target, const char *rel)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(symlink(target, p), 0);
}

static inline int setup(void **state)
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

static inline int teardown(void **state)
{
	char cmd[128];
	close(rootfd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}
