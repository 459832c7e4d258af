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
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rootfs.h"

static char tmpl[64], outside[64];
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
	/* a directory outside the root, and links in the root that name it */
	strcpy(outside, "/tmp/rootfs-out.XXXXXX");
	assert_non_null(mkdtemp(outside));
	snprintf(p, sizeof(p), "%s/run", tmpl);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/run/out", tmpl);
	assert_int_equal(symlink(outside, p), 0);
	rootfd = rootfs_open(tmpl);
	assert_true(rootfd >= 0);
	return 0;
}

static int teardown(void **state)
{
	char cmd[160];
	close(rootfd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s", tmpl, outside);
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

/* How many entries dir (host path under tmpl) has; temp files included. */
static int entries(const char *dir)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", tmpl, dir);
	DIR *d = opendir(p);
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

static int outside_entries(void)
{
	DIR *d = opendir(outside);
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void mkdir_p(void **state)
{
	struct stat st;
	assert_int_equal(rootfs_mkdir_p(rootfd, "/var/lib/kubelet/device-plugins/", 0755), 0);
	assert_int_equal(rootfs_stat(rootfd, "var/lib/kubelet/device-plugins", &st, 0), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(rootfs_mkdir_p(rootfd, "var/lib/kubelet/device-plugins", 0755), 0);
	/* a file in the way */
	put("var/lib/file", "x");
	assert_int_equal(rootfs_mkdir_p(rootfd, "var/lib/file/sub", 0755), -ENOTDIR);
	assert_int_equal(rootfs_mkdir_p(rootfd, "var/lib/file", 0755), -ENOTDIR);
	/* through an absolute link naming a host folder: it resolves inside the
	 * root, where the folder is missing; once there, made inside */
	assert_int_equal(rootfs_mkdir_p(rootfd, "run/out/a/b", 0755), -ENOENT);
	assert_int_equal(outside_entries(), 0);
	assert_int_equal(rootfs_mkdir_p(rootfd, outside, 0755), 0);
	assert_int_equal(rootfs_mkdir_p(rootfd, "run/out/a/b", 0755), 0);
	assert_int_equal(outside_entries(), 0);
	char p[256];
	snprintf(p, sizeof(p), "%s%s/a/b", tmpl, outside);
	assert_int_equal(stat(p, &st), 0);
	/* ".." stops at the root */
	assert_int_equal(rootfs_mkdir_p(rootfd, "../../../escaped", 0755), 0);
	snprintf(p, sizeof(p), "%s/escaped", tmpl);
	assert_int_equal(stat(p, &st), 0);
}

static void write_atomic(void **state)
{
	char buf[64];
	assert_int_equal(rootfs_mkdir_p(rootfd, "run/gpu-initd", 0755), 0);
	assert_int_equal(rootfs_write_atomic(rootfd, "run/gpu-initd/status.json", "one\n", 4, 0644), 0);
	assert_int_equal(rootfs_read_attr(rootfd, "run/gpu-initd/status.json", buf, sizeof(buf)), 3);
	assert_string_equal(buf, "one");
	assert_int_equal(rootfs_write_atomic(rootfd, "/run/gpu-initd/status.json", "two", 3, 0644), 0);
	assert_int_equal(rootfs_read_attr(rootfd, "run/gpu-initd/status.json", buf, sizeof(buf)), 3);
	assert_string_equal(buf, "two");
	assert_int_equal(entries("run/gpu-initd"), 1); /* no temporary file left */
	assert_int_equal(rootfs_write_atomic(rootfd, "run/nodir/x", "1", 1, 0644), -ENOENT);
	assert_int_equal(rootfs_write_atomic(rootfd, "run/gpu-initd/..", "1", 1, 0644), -EINVAL);
	assert_int_equal(rootfs_write_atomic(rootfd, "run/gpu-initd/", "1", 1, 0644), -EINVAL);
}

static int fill_half_then_fail(FILE *f, void *data)
{
	for (int i = 0; i < 100000; i++)
		fputs("half ", f);
	return -EIO;
}

static int fill_text(FILE *f, void *data)
{
	fputs(data, f);
	return 0;
}

static void write_atomic_failure_leaves_old_file(void **state)
{
	char buf[64];
	assert_int_equal(rootfs_mkdir_p(rootfd, "run/a", 0755), 0);
	assert_int_equal(rootfs_write_atomic_fn(rootfd, "run/a/serve.json", 0644, fill_text, "old"), 0);
	assert_int_equal(rootfs_write_atomic_fn(rootfd, "run/a/serve.json", 0644, fill_half_then_fail, NULL),
			 -EIO);
	assert_int_equal(rootfs_read_attr(rootfd, "run/a/serve.json", buf, sizeof(buf)), 3);
	assert_string_equal(buf, "old");
	assert_int_equal(entries("run/a"), 1);
	/* nothing there before: nothing after */
	assert_int_equal(rootfs_write_atomic_fn(rootfd, "run/a/new.json", 0644, fill_half_then_fail, NULL),
			 -EIO);
	assert_int_equal(rootfs_exists(rootfd, "run/a/new.json"), 0);
	assert_int_equal(entries("run/a"), 1);
}

/* A reader in another process sees the old content or the new, whole. */
static void write_atomic_readers_see_whole_files(void **state)
{
	enum { LEN = 65536, WRITES = 100, READS = 400 };
	static char a[LEN], b[LEN], got[LEN + 1];
	memset(a, 'a', LEN);
	memset(b, 'b', LEN);
	assert_int_equal(rootfs_mkdir_p(rootfd, "run/r", 0755), 0);
	assert_int_equal(rootfs_write_atomic(rootfd, "run/r/f", a, LEN, 0644), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		for (int i = 0; i < READS; i++) {
			ssize_t n = rootfs_read_bytes(rootfd, "run/r/f", got, sizeof(got));
			if (n != LEN || (memcmp(got, a, LEN) != 0 && memcmp(got, b, LEN) != 0))
				_exit(1);
		}
		_exit(0);
	}
	for (int i = 0; i < WRITES; i++)
		assert_int_equal(rootfs_write_atomic(rootfd, "run/r/f", i % 2 ? a : b, LEN, 0644), 0);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(entries("run/r"), 1);
}

/* Paths that would leave the root end inside it or are refused. */
static void write_escapes_refused(void **state)
{
	char p[256], buf[16];
	struct stat st;
	/* the parent is a link to a host folder: resolved in the root, where it is missing */
	snprintf(p, sizeof(p), "%s/run/far", tmpl);
	assert_int_equal(symlink(outside, p), 0);
	/* the host folder exists (mkdtemp), not the root's (mkdir_p made one) */
	snprintf(p, sizeof(p), "rm -rf %s%s", tmpl, outside);
	assert_int_equal(system(p), 0);
	assert_int_equal(rootfs_write_atomic(rootfd, "run/far/x", "1", 1, 0644), -ENOENT);
	assert_int_equal(rootfs_create(rootfd, "run/far/x", 0644), -ENOENT);
	assert_int_equal(outside_entries(), 0);
	/* the file itself is a link out: replaced, never written through */
	snprintf(p, sizeof(p), "%s/flag", outside);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs("host", f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/run/link", tmpl);
	char target[128];
	snprintf(target, sizeof(target), "%s/flag", outside);
	assert_int_equal(symlink(target, p), 0);
	assert_int_equal(rootfs_create(rootfd, "run/link", 0644), -ELOOP);
	assert_int_equal(rootfs_write_atomic(rootfd, "run/link", "root", 4, 0644), 0);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	snprintf(p, sizeof(p), "%s/flag", outside);
	f = fopen(p, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "host");
	/* ".." stops at the root */
	assert_int_equal(rootfs_write_atomic(rootfd, "../../../top", "t", 1, 0644), 0);
	snprintf(p, sizeof(p), "%s/top", tmpl);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(rootfs_read_bytes(rootfd, "run/out/../../../etc/hostname", buf, sizeof(buf)),
			 -ENOENT);
}

static void read_bytes(void **state)
{
	static const unsigned char cfg[8] = { 0xde, 0x10, 0x00, 0x23, 0, 0, 0xff, 0x01 };
	unsigned char buf[16];
	char p[256];
	snprintf(p, sizeof(p), "%s/sim/sys/dev/x/config", tmpl);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fwrite(cfg, 1, sizeof(cfg), f);
	fclose(f);
	assert_int_equal(rootfs_read_bytes(rootfd, "sys/dev/x/config", buf, sizeof(buf)), 8);
	assert_memory_equal(buf, cfg, 8);
	assert_int_equal(rootfs_read_bytes(rootfd, "sys/dev/x/config", buf, 4), 4);
	assert_memory_equal(buf, cfg, 4);
	assert_int_equal(rootfs_read_bytes(rootfd, "sys/dev/x/none", buf, 4), -ENOENT);
	assert_int_equal(rootfs_read_bytes(rootfd, "sys/dev/escape", buf, 4), -ENOENT);
}

static void create_unlink_stat(void **state)
{
	struct stat st;
	assert_int_equal(rootfs_mkdir_p(rootfd, "run/c", 0755), 0);
	assert_int_equal(rootfs_create(rootfd, "run/c/ready", 0644), 0);
	assert_int_equal(rootfs_stat(rootfd, "run/c/ready", &st, 0), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_size, 0);
	assert_int_equal(rootfs_unlink(rootfd, "run/c/ready"), 0);
	assert_int_equal(rootfs_unlink(rootfd, "run/c/ready"), -ENOENT);
	assert_int_equal(rootfs_stat(rootfd, "run/c/ready", &st, 0), -ENOENT);
	assert_int_equal(rootfs_unlink(rootfd, "run/c/.."), -EINVAL);
	/* a link is stat'ed as a link only when asked */
	assert_int_equal(rootfs_stat(rootfd, "sys", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(rootfs_stat(rootfd, "sys", &st, 0), 0);
	assert_true(S_ISDIR(st.st_mode));
	/* relative to a directory inside the root */
	int dfd = rootfs_openat(rootfd, "run/c", O_RDONLY | O_DIRECTORY, 0);
	assert_true(dfd >= 0);
	assert_int_equal(rootfs_create(dfd, "sock", 0600), 0);
	assert_int_equal(rootfs_stat(dfd, "sock", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(rootfs_unlink(dfd, "sock"), 0);
	close(dfd);
}

static void host_file(void **state)
{
	char p[256], *text;
	size_t len;
	snprintf(p, sizeof(p), "%s/sim/sys/dev/x/vendor", tmpl);
	assert_int_equal(rootfs_read_host_file(p, &text, &len), 0);
	assert_int_equal(len, 7);
	assert_string_equal(text, "0x10de\n");
	free(text);
	snprintf(p, sizeof(p), "%s/nope", tmpl);
	assert_int_equal(rootfs_read_host_file(p, &text, &len), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(read_attrs),
		cmocka_unit_test(links_and_writes),
		cmocka_unit_test(absolute_links_stay_inside),
		cmocka_unit_test(mkdir_p),
		cmocka_unit_test(write_atomic),
		cmocka_unit_test(write_atomic_failure_leaves_old_file),
		cmocka_unit_test(write_atomic_readers_see_whole_files),
		cmocka_unit_test(write_escapes_refused),
		cmocka_unit_test(read_bytes),
		cmocka_unit_test(create_unlink_stat),
		cmocka_unit_test(host_file),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
