// SPDX-License-Identifier: GPL-2.0-or-later
/* rootfs I/O against a small fixture tree in a temp dir. */
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

#include "rootfs.h"

static char tmpl[64];
static int rootfd;

static void put(const char *path, const char *s)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", tmpl, path);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(s, f);
	fclose(f);
}

static int setup(void **state)
{
	strcpy(tmpl, "/tmp/rootfs-test.XXXXXX");
	assert_non_null(mkdtemp(tmpl));
	char p[256];
	snprintf(p, sizeof(p), "%s/sim/sys/dev/x", tmpl);
	for (char *s = p + strlen(tmpl) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/sys", tmpl);
	assert_int_equal(symlink("sim/sys", p), 0);
	put("sim/sys/dev/x/vendor", "0x10de\n");
	put("sim/sys/dev/x/numa_node", "-1\n");
	snprintf(p, sizeof(p), "%s/sim/sys/dev/x/driver", tmpl);
	assert_int_equal(symlink("../../../bus/pci/drivers/vfio-pci", p), 0);
	snprintf(p, sizeof(p), "%s/sim/sys/dev/escape", tmpl);
	assert_int_equal(symlink("/etc/hostname", p), 0);
	rootfd = rootfs_open(tmpl);
	assert_true(rootfd >= 0);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	close(rootfd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpl);
	return system(cmd);
}

static void read_attrs(void **state)
{
	char buf[32];
	uint64_t v;
	int i;
	assert_int_equal(rootfs_read_attr(rootfd, "/sys/dev/x/vendor", buf, sizeof(buf)), 6);
	assert_string_equal(buf, "0x10de");
	assert_int_equal(rootfs_read_u64(rootfd, "sys/dev/x/vendor", &v), 0);
	assert_int_equal(v, 0x10de);
	assert_int_equal(rootfs_read_int(rootfd, "sys/dev/x/numa_node", &i), 0);
	assert_int_equal(i, -1);
	assert_int_equal(rootfs_read_attr(rootfd, "sys/dev/x/nope", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(rootfs_exists(rootfd, "sys/dev/x"), 1);
	assert_int_equal(rootfs_exists(rootfd, "sys/dev/y"), 0);
}

static void links_and_writes(void **state)
{
	char buf[64];
	assert_int_equal(rootfs_link_basename(rootfd, "sys/dev/x/driver", buf, sizeof(buf)), 8);
	assert_string_equal(buf, "vfio-pci");
	put("sim/sys/dev/x/driver_override", "");
	assert_int_equal(rootfs_write(rootfd, "sys/dev/x/driver_override", "abc"), 0);
	assert_int_equal(rootfs_read_attr(rootfd, "sys/dev/x/driver_override", buf, sizeof(buf)), 3);
	assert_int_equal(rootfs_write(rootfd, "sys/dev/x/missing", "1"), -ENOENT);
	char *all;
	size_t len;
	assert_int_equal(rootfs_read_file(rootfd, "sys/dev/x/driver_override", &all, &len), 0);
	assert_int_equal(len, 3);
	free(all);
}

static void absolute_links_stay_inside(void **state)
{
	char buf[64];
	/* /etc/hostname exists on the host but not under the root */
	assert_int_equal(rootfs_read_attr(rootfd, "sys/dev/escape", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(rootfs_read_attr(rootfd, "../../etc/hostname", buf, sizeof(buf)), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(read_attrs),
		cmocka_unit_test(links_and_writes),
		cmocka_unit_test(absolute_links_stay_inside),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
