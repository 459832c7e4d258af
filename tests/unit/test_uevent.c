// SPDX-License-Identifier: GPL-2.0-or-later
/* uevent message layout and the private-netns proof against fake proc
 * trees.  Nothing here sends a uevent. */
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

#include "../../simfs/uevent.h"

#define DEVPATH "/devices/pci0000:17/0000:17:01.0/0000:18:00.0"

/* Abridged /proc/net/dev text: two header lines, then "name: counters". */
#define NET_DEV_HEADER                                                                                       \
	"Inter-|   Receive                                                |  Transmit\n"                     \
	" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop\n"

static const char net_dev_lo[] = NET_DEV_HEADER "    lo:       0       0    0    0    0     0          0\n";

static const char net_dev_eth0[] =
    NET_DEV_HEADER "    lo:    3267      29    0    0    0     0          0\n"
		   "  eth0: 21118280     509    0    0    0     0          0\n";

static void format_layout(void **state)
{
	static const char expect[] = "bind@" DEVPATH "\0"
				     "ACTION=bind\0"
				     "DEVPATH=" DEVPATH "\0"
				     "SUBSYSTEM=pci\0"
				     "DRIVER=vfio-pci\0"
				     "PCI_SLOT_NAME=0000:18:00.0\0"
				     "EMPTY=\0";
	const char *env[] = { "DRIVER=vfio-pci", "PCI_SLOT_NAME=0000:18:00.0", "EMPTY=", NULL };
	char buf[512];

	memset(buf, 'x', sizeof(buf));
	int n = uevent_format(buf, sizeof(buf), "bind", DEVPATH, "pci", env);
	assert_int_equal(n, sizeof(expect) - 1); /* the literal's own NUL is not part of it */
	assert_memory_equal(buf, expect, (size_t)n);
	assert_int_equal(buf[n], 'x'); /* nothing written past the length */
	assert_true(n <= UEVENT_MSG_MAX);
}

static void format_without_env(void **state)
{
	static const char expect[] = "remove@/devices/virtual/x\0ACTION=remove\0DEVPATH=/devices/virtual/x\0"
				     "SUBSYSTEM=vfio\0";
	const char *none[] = { NULL };
	char buf[128];

	assert_int_equal(uevent_format(buf, sizeof(buf), "remove", "/devices/virtual/x", "vfio", NULL),
			 sizeof(expect) - 1);
	assert_memory_equal(buf, expect, sizeof(expect) - 1);
	assert_int_equal(uevent_format(buf, sizeof(buf), "remove", "/devices/virtual/x", "vfio", none),
			 sizeof(expect) - 1);
}

static void format_enobufs(void **state)
{
	const char *env[] = { "DRIVER=vfio-pci", NULL };
	char buf[256], ref[256];
	int n = uevent_format(ref, sizeof(ref), "add", DEVPATH, "pci", env);
	assert_true(n > 0);

	/* Every size short of the length fails; the exact length fits. */
	for (size_t size = 0; size < (size_t)n; size++)
		assert_int_equal(uevent_format(buf, size, "add", DEVPATH, "pci", env), -ENOBUFS);
	assert_int_equal(uevent_format(NULL, 0, "add", DEVPATH, "pci", env), -ENOBUFS);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(uevent_format(buf, (size_t)n, "add", DEVPATH, "pci", env), n);
	assert_memory_equal(buf, ref, (size_t)n);
}

static void format_rejects(void **state)
{
	const char *no_eq[] = { "DRIVER", NULL };
	const char *no_key[] = { "=x", NULL };
	const char *seqnum[] = { "SEQNUM=1", NULL };
	const char *action[] = { "A=1", "ACTION=add", NULL };
	const char *devpath[] = { "DEVPATH=/x", NULL };
	const char *subsystem[] = { "SUBSYSTEM=pci", NULL };
	const char *near[] = { "SEQ=1", "ACTIONS=2", "DEVPATH_X=3", NULL };
	char buf[256];

	assert_int_equal(uevent_format(buf, sizeof(buf), "plug", DEVPATH, "pci", NULL), -EINVAL);
	assert_int_equal(uevent_format(buf, sizeof(buf), "", DEVPATH, "pci", NULL), -EINVAL);
	assert_int_equal(uevent_format(buf, sizeof(buf), NULL, DEVPATH, "pci", NULL), -EINVAL);
	assert_int_equal(uevent_format(buf, sizeof(buf), "add", "devices/x", "pci", NULL), -EINVAL);
	assert_int_equal(uevent_format(buf, sizeof(buf), "add", NULL, "pci", NULL), -EINVAL);
	assert_int_equal(uevent_format(buf, sizeof(buf), "add", DEVPATH, "", NULL), -EINVAL);
	assert_int_equal(uevent_format(buf, sizeof(buf), "add", DEVPATH, NULL, NULL), -EINVAL);
	assert_int_equal(uevent_format(buf, sizeof(buf), "add", DEVPATH, "pci", no_eq), -EINVAL);
	assert_int_equal(uevent_format(buf, sizeof(buf), "add", DEVPATH, "pci", no_key), -EINVAL);
	assert_int_equal(uevent_format(buf, sizeof(buf), "add", DEVPATH, "pci", seqnum), -EINVAL);
	assert_int_equal(uevent_format(buf, sizeof(buf), "add", DEVPATH, "pci", action), -EINVAL);
	assert_int_equal(uevent_format(buf, sizeof(buf), "add", DEVPATH, "pci", devpath), -EINVAL);
	assert_int_equal(uevent_format(buf, sizeof(buf), "add", DEVPATH, "pci", subsystem), -EINVAL);
	assert_true(uevent_format(buf, sizeof(buf), "add", DEVPATH, "pci", near) > 0);

	static const char *const actions[] = { "add",	 "remove",  "change", "move",
					       "online", "offline", "bind",   "unbind" };
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		assert_true(uevent_format(buf, sizeof(buf), actions[i], DEVPATH, "pci", NULL) > 0);
}

/* Validation happens before any socket use: fd -1 is never touched. */
static void send_rejects(void **state)
{
	static const char ok[] = "add@/devices/x\0ACTION=add\0DEVPATH=/devices/x\0SUBSYSTEM=pci";
	static char big[UEVENT_MSG_MAX + 1] = "add@/devices/x";

	assert_int_equal(uevent_send(-1, NULL, 10), -EINVAL);
	assert_int_equal(uevent_send(-1, ok, 0), -EINVAL);
	assert_int_equal(uevent_send(-1, ok, sizeof(ok) - 2), -EINVAL); /* not NUL-terminated */
	assert_int_equal(uevent_send(-1, "ACTION=add", sizeof("ACTION=add")), -EINVAL); /* no "@/" */
	assert_int_equal(uevent_send(-1, big, sizeof(big)), -EMSGSIZE);
}

/* --- the private network namespace proof, against fake proc trees ------- */

struct fakeproc {
	char dir[64];
	int fd;
};

static void fake_mkdirs(const char *base, const char *rel)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", base, rel);
	for (char *s = p + strlen(base) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	mkdir(p, 0755);
}

static void fake_link(struct fakeproc *f, const char *rel, const char *target)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", f->dir, rel);
	assert_int_equal(symlink(target, p), 0);
}

static void fake_file(struct fakeproc *f, const char *rel, const char *text)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", f->dir, rel);
	FILE *fp = fopen(p, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

/* A tree that passes: self and PID 1 in different namespaces, only lo. */
static int fake_setup(void **state)
{
	struct fakeproc *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	strcpy(f->dir, "/tmp/uevent-test.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	fake_mkdirs(f->dir, "self/ns");
	fake_mkdirs(f->dir, "1/ns");
	fake_mkdirs(f->dir, "net");
	fake_link(f, "self/ns/net", "net:[4026532178]");
	fake_link(f, "1/ns/net", "net:[4026531840]");
	fake_file(f, "net/dev", net_dev_lo);
	f->fd = open(f->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(f->fd >= 0);
	*state = f;
	return 0;
}

static int fake_teardown(void **state)
{
	struct fakeproc *f = *state;
	char cmd[128];
	close(f->fd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	int r = system(cmd);
	free(f);
	return r;
}

static void replace_link(struct fakeproc *f, const char *rel, const char *target)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", f->dir, rel);
	unlink(p);
	if (target)
		fake_link(f, rel, target);
}

static void netns_private(void **state)
{
	struct fakeproc *f = *state;
	char reason[256] = "";
	assert_int_equal(uevent_netns_check_at(f->fd, reason, sizeof(reason)), 1);
	assert_non_null(strstr(reason, "net:[4026532178]"));
	assert_int_equal(uevent_netns_check_at(f->fd, NULL, 0), 1);

	/* An empty net/dev (headers only) has no foreign interface either. */
	fake_file(f, "net/dev", "Inter-|   Receive |  Transmit\n face |bytes |bytes\n");
	assert_int_equal(uevent_netns_check_at(f->fd, reason, sizeof(reason)), 1);
}

static void netns_same_as_pid1(void **state)
{
	struct fakeproc *f = *state;
	char reason[256] = "";
	replace_link(f, "1/ns/net", "net:[4026532178]");
	assert_int_equal(uevent_netns_check_at(f->fd, reason, sizeof(reason)), 0);
	assert_non_null(strstr(reason, "shares PID 1's network namespace net:[4026532178]"));
}

static void netns_initial_inode(void **state)
{
	struct fakeproc *f = *state;
	char reason[256] = "";
	/* Linux >= 6.18: init_net has a fixed inode; refused even if PID 1
	 * appears to be elsewhere. */
	replace_link(f, "self/ns/net", "net:[4026531833]");
	assert_int_equal(uevent_netns_check_at(f->fd, reason, sizeof(reason)), 0);
	assert_non_null(strstr(reason, "initial (host) network namespace"));
}

static void netns_pid1_unreadable(void **state)
{
	struct fakeproc *f = *state;
	char reason[256] = "";

	replace_link(f, "1/ns/net", NULL);
	assert_int_equal(uevent_netns_check_at(f->fd, reason, sizeof(reason)), 0);
	assert_non_null(strstr(reason, "cannot read /proc/1/ns/net"));
	assert_non_null(strstr(reason, "cannot be proven"));

	/* Not a link at all (readlink fails with EINVAL). */
	fake_mkdirs(f->dir, "1/ns/net");
	reason[0] = '\0';
	assert_int_equal(uevent_netns_check_at(f->fd, reason, sizeof(reason)), 0);
	assert_non_null(strstr(reason, "cannot read /proc/1/ns/net"));
}

static void netns_self_unreadable(void **state)
{
	struct fakeproc *f = *state;
	char reason[256] = "";
	replace_link(f, "self/ns/net", NULL);
	assert_int_equal(uevent_netns_check_at(f->fd, reason, sizeof(reason)), 0);
	assert_non_null(strstr(reason, "cannot read /proc/self/ns/net"));
}

static void netns_garbled_links(void **state)
{
	struct fakeproc *f = *state;
	static const char *const bad[] = { "net:[]",   "net:[12",    "net:[12]x", "mnt:[4026532178]",
					   "net:[-1]", "4026532178", "" };
	char reason[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (!*bad[i])
			continue; /* symlink() refuses empty targets */
		replace_link(f, "1/ns/net", bad[i]);
		assert_int_equal(uevent_netns_check_at(f->fd, reason, sizeof(reason)), 0);
		replace_link(f, "1/ns/net", "net:[4026531840]");
		replace_link(f, "self/ns/net", bad[i]);
		assert_int_equal(uevent_netns_check_at(f->fd, reason, sizeof(reason)), 0);
		replace_link(f, "self/ns/net", "net:[4026532178]");
	}
	assert_int_equal(uevent_netns_check_at(f->fd, reason, sizeof(reason)), 1);
}

static void netns_extra_interface(void **state)
{
	struct fakeproc *f = *state;
	char reason[256] = "";
	fake_file(f, "net/dev", net_dev_eth0);
	assert_int_equal(uevent_netns_check_at(f->fd, reason, sizeof(reason)), 0);
	assert_non_null(strstr(reason, "has interface 'eth0', not only lo"));

	/* A name that merely starts with "lo" is another interface. */
	fake_file(f, "net/dev", "Inter-| Receive\n face |bytes\n    lo: 0 0\n  lo1: 0 0\n");
	assert_int_equal(uevent_netns_check_at(f->fd, reason, sizeof(reason)), 0);
	assert_non_null(strstr(reason, "'lo1'"));
}

static void netns_net_dev_bad(void **state)
{
	struct fakeproc *f = *state;
	char p[256], reason[256] = "";

	fake_file(f, "net/dev", "Inter-| Receive\n face |bytes\ngarbage without a colon\n");
	assert_int_equal(uevent_netns_check_at(f->fd, reason, sizeof(reason)), 0);
	assert_non_null(strstr(reason, "cannot parse /proc/net/dev"));

	snprintf(p, sizeof(p), "%s/net/dev", f->dir);
	unlink(p);
	assert_int_equal(uevent_netns_check_at(f->fd, reason, sizeof(reason)), 0);
	assert_non_null(strstr(reason, "cannot read /proc/net/dev"));
}

/* The real check may pass or not depending on where the tests run; either
 * way it explains itself, and a refusal means no socket. */
static void netns_real(void **state)
{
	char reason[256] = "";
	int r = uevent_netns_check(reason, sizeof(reason));
	assert_true(r == 0 || r == 1);
	assert_true(strlen(reason) > 10);
	if (r == 0)
		assert_int_equal(uevent_sender_open(), -EPERM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(format_layout),
		cmocka_unit_test(format_without_env),
		cmocka_unit_test(format_enobufs),
		cmocka_unit_test(format_rejects),
		cmocka_unit_test(send_rejects),
		cmocka_unit_test_setup_teardown(netns_private, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(netns_same_as_pid1, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(netns_initial_inode, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(netns_pid1_unreadable, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(netns_self_unreadable, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(netns_garbled_links, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(netns_extra_interface, fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(netns_net_dev_bad, fake_setup, fake_teardown),
		cmocka_unit_test(netns_real),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
