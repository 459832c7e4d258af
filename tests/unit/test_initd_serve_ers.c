// SPDX-License-Identifier: GPL-2.0-or-later
/* initd/serve/ers.c, ers_store.c: the kernel's error recovery state as
 * serve keeps it across restarts (the table as text, the "same pci_dev"
 * rule, the file under run/gpu-initd), and sick.c not reading the config
 * space of a function the kernel is recovering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rootfs.h"
#include "serve/ers.h"
#include "serve/ers_store.h"
#include "serve/sick.h"

static void apply_and_instances(void **state)
{
	struct ers_table t = { .n = 0 };
	assert_true(ers_apply(&t, "0000:3a:00.0", 41, ERS_EV_BEGIN));
	assert_false(ers_apply(&t, "0000:3a:00.0", 41, ERS_EV_BEGIN)); /* nothing new */
	assert_true(ers_apply(&t, "0000:3a:00.0", 41, ERS_EV_FAILED));
	assert_int_equal(ers_lookup(&t, "0000:3a:00.0"), ERS_FAILED);
	assert_int_equal(t.v[0].inst, 41);
	assert_false(ers_apply(&t, "0000:18:00.0", 0, ERS_EV_SUCCESS));
	assert_false(ers_apply(&t, "0000:18:00.0", 0, 0));
	assert_true(ers_apply(&t, "0000:3a:00.0", 0, ERS_EV_REMOVED));
	assert_int_equal(t.n, 0);
	/* the worse of a function and its parent */
	ers_apply(&t, "0000:3a:00.0", 41, ERS_EV_BEGIN);
	ers_apply(&t, "0000:3a:00.4", 42, ERS_EV_FAILED);
	assert_int_equal(ers_lookup2(&t, "0000:3a:00.4", "0000:3a:00.0"), ERS_FAILED);
	assert_int_equal(ers_lookup2(&t, "0000:3a:01.2", "0000:3a:00.0"), ERS_RECOVERING);
	assert_int_equal(ers_lookup2(&t, "0000:18:00.0", "0000:18:00.0"), ERS_NONE);
	assert_int_equal(ers_lookup2(NULL, "0000:3a:00.0", ""), ERS_NONE);
	/* only the same known instance */
	assert_true(ers_same_instance(41, 41));
	assert_false(ers_same_instance(41, 42));
	assert_false(ers_same_instance(41, 0)); /* gone */
	assert_false(ers_same_instance(0, 0));	/* never known */
}

static uint64_t fake_instance(const char *bdf, void *data)
{
	(void)data;
	return strcmp(bdf, "0000:3a:00.0") == 0 ? 41 : strcmp(bdf, "0000:5d:00.0") == 0 ? 99 : 0;
}

static void text_round_trip_and_prune(void **state)
{
	struct ers_table t = { .n = 0 }, u;
	ers_apply(&t, "0000:3a:00.0", 41, ERS_EV_FAILED);
	ers_apply(&t, "0000:5d:00.0", 50, ERS_EV_BEGIN);
	ers_apply(&t, "0000:9a:00.0", 60, ERS_EV_FAILED);
	char buf[512];
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	assert_int_equal(ers_format(&t, f), 0);
	fclose(f);
	assert_string_equal(buf,
			    "0000:3a:00.0 41 failed\n0000:5d:00.0 50 recovering\n0000:9a:00.0 60 failed\n");
	assert_int_equal(ers_parse(buf, &u, NULL), 0);
	assert_int_equal(u.n, 3);
	assert_int_equal(ers_lookup(&u, "0000:5d:00.0"), ERS_RECOVERING);
	assert_int_equal(u.v[2].inst, 60);
	/* 3a:00.0 is the same pci_dev, 5d:00.0 was made again, 9a:00.0 is gone */
	assert_int_equal(ers_prune(&u, fake_instance, NULL), 2);
	assert_int_equal(u.n, 1);
	assert_int_equal(ers_lookup(&u, "0000:3a:00.0"), ERS_FAILED);
	assert_int_equal(ers_parse("", &u, NULL), 0);
	assert_int_equal(u.n, 0);
}

static void bad_text_changes_nothing(void **state)
{
	static const char *const bad[] = {
		"0000:3a:00.0 41 failed\n0000:3a:00.0 42 failed\n", /* twice */
		"0000:3a:00.0 41 sick\n",			    /* unknown state */
		"0000:3a:00.0 x41 failed\n",
		"0000:3a:00.0 -1 failed\n",
		"0000:3a:00.0 41\n",
		"0000:3a:00.0 41 failed extra\n",
		"0000:3a:00.0  41 failed\n",
		"../../etc 41 failed\n",
		"0000:3a:00.0 99999999999999999999999 failed\n",
		"\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ers_table u = { .n = 1 };
		size_t line = 0;
		assert_int_equal(ers_parse(bad[i], &u, &line), -EINVAL);
		assert_int_equal(u.n, 1);
		assert_true(line >= 1);
	}
	size_t line = 0;
	struct ers_table u;
	assert_int_equal(ers_parse("0000:3a:00.0 41 failed\nbad\n", &u, &line), -EINVAL);
	assert_int_equal(line, 2);
	char *many = malloc(64 * (ERS_MAX + 1));
	many[0] = '\0';
	for (int i = 0; i <= ERS_MAX; i++)
		sprintf(many + strlen(many), "0000:%02x:00.0 %d failed\n", i, i + 1);
	assert_int_equal(ers_parse(many, &u, NULL), -E2BIG);
	free(many);
}

#define SH(...)                                                                                              \
	do {                                                                                                 \
		char cmd_[1024];                                                                             \
		snprintf(cmd_, sizeof(cmd_), __VA_ARGS__);                                                   \
		assert_int_equal(system(cmd_), 0);                                                           \
	} while (0)

/* The file under a root: saved, read back for the same directory, dropped
 * for a directory made again (a new pci_dev) or gone. */
static void store_keeps_the_same_pci_dev_only(void **state)
{
	char tmpl[] = "/tmp/test-serve-ers-XXXXXX";
	char *root = mkdtemp(tmpl);
	assert_non_null(root);
	SH("mkdir -p %s/sys/devices/pci0000:00/0000:3a:00.0 %s/sys/bus/pci/devices && "
	   "ln -s ../../../devices/pci0000:00/0000:3a:00.0 %s/sys/bus/pci/devices/0000:3a:00.0",
	   root, root, root);
	int rootfd = rootfs_open(root);
	assert_true(rootfd >= 0);
	struct ers_table t = { .n = 0 }, u;
	size_t dropped = 9;
	assert_int_equal(ers_load(rootfd, &u, &dropped), 0); /* no file */
	assert_int_equal(u.n, 0);
	assert_int_equal(dropped, 0);
	uint64_t inst = ers_instance(rootfd, "0000:3a:00.0");
	assert_true(inst != 0);
	assert_int_equal(ers_instance(rootfd, "0000:5d:00.0"), 0);
	assert_int_equal(ers_instance(rootfd, "../../x"), 0);
	ers_apply(&t, "0000:3a:00.0", inst, ERS_EV_FAILED);
	ers_apply(&t, "0000:5d:00.0", 77, ERS_EV_FAILED); /* gone since */
	assert_int_equal(ers_save(rootfd, &t), 0);
	assert_int_equal(ers_load(rootfd, &u, &dropped), 0);
	assert_int_equal(u.n, 1);
	assert_int_equal(dropped, 1);
	assert_int_equal(ers_lookup(&u, "0000:3a:00.0"), ERS_FAILED);
	/* an instance unknown when recorded: serve's own table adopts the
	 * one there now, a table read from the file cannot check it */
	struct ers_table w = { .n = 0 };
	size_t adopted = 9;
	ers_apply(&w, "0000:3a:00.0", 0, ERS_EV_FAILED);
	ers_apply(&w, "0000:5d:00.0", 0, ERS_EV_FAILED);
	assert_int_equal(ers_store_prune(rootfd, &w, true, &adopted), 1); /* 5d:00.0: gone */
	assert_int_equal(adopted, 1);
	assert_int_equal(w.n, 1);
	assert_int_equal(w.v[0].inst, inst);
	w.v[0].inst = 0;
	assert_int_equal(ers_store_prune(rootfd, &w, false, NULL), 1);
	assert_int_equal(w.n, 0);
	/* made again: another directory (both exist at once here, so the
	 * inode numbers differ whatever the file system reuses) */
	SH("mkdir -p %s/sys/devices/pci0000:00/new/0000:3a:00.0 && rm %s/sys/bus/pci/devices/0000:3a:00.0 && "
	   "ln -s ../../../devices/pci0000:00/new/0000:3a:00.0 %s/sys/bus/pci/devices/0000:3a:00.0",
	   root, root, root);
	assert_true(ers_instance(rootfd, "0000:3a:00.0") != inst);
	assert_int_equal(ers_load(rootfd, &u, &dropped), 0);
	assert_int_equal(u.n, 0);
	assert_int_equal(dropped, 2); /* (the file still names 5d:00.0: load does not write) */
	/* an empty table: no file; a malformed file: an error, an empty table */
	assert_int_equal(ers_save(rootfd, &u), 0);
	struct stat st;
	assert_int_equal(rootfs_stat(rootfd, ERS_FILE, &st, 0), -ENOENT);
	assert_int_equal(rootfs_write_atomic(rootfd, ERS_FILE, "garbage\n", 8, 0644), 0);
	u.n = 3;
	assert_int_equal(ers_load(rootfd, &u, &dropped), -EINVAL);
	assert_int_equal(u.n, 0);
	close(rootfd);
	SH("rm -rf %s", root);
}

/* sick.c: a function the kernel is recovering has no config read (its
 * config reads all ones here: a read would make it dead) */
static void no_config_read_while_recovering(void **state)
{
	char tmpl[] = "/tmp/test-serve-ers-XXXXXX";
	char *root = mkdtemp(tmpl);
	assert_non_null(root);
	SH("mkdir -p %s/dev && printf '\\377\\377\\377\\377\\377\\377\\377\\377\\377\\377\\377\\377' "
	   ">%s/dev/config",
	   root, root);
	int rootfd = rootfs_open(root);
	int devfd = rootfs_openat(rootfd, "dev", O_PATH | O_DIRECTORY, 0);
	assert_true(devfd >= 0);
	struct sdev d = { .ers = ERS_NONE };
	sick_read_at(devfd, &d);
	assert_true(d.dead);
	d.ers = ERS_FAILED; /* the recovery is over: config is read */
	sick_read_at(devfd, &d);
	assert_true(d.dead);
	d.ers = ERS_RECOVERING;
	sick_read_at(devfd, &d);
	assert_false(d.dead);
	close(devfd);
	close(rootfd);
	SH("rm -rf %s", root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(apply_and_instances),
		cmocka_unit_test(text_round_trip_and_prune),
		cmocka_unit_test(bad_text_changes_nothing),
		cmocka_unit_test(store_keeps_the_same_pci_dev_only),
		cmocka_unit_test(no_config_read_while_recovering),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
