// SPDX-License-Identifier: GPL-2.0-or-later
/* vmtool: the two things a busybox guest cannot do from the shell.
 *
 *   vmtool group-status /dev/vfio/N   open the VFIO group (and the container),
 *                                     VFIO_GROUP_GET_STATUS; prints
 *                                     "viable" and exits 0 when the group is
 *                                     viable, else prints the flags, exits 1
 *   vmtool exit CODE                  write CODE to QEMU's isa-debug-exit
 *                                     port 0xf4: QEMU exits (CODE << 1) | 1
 *   vmtool write FILE VALUE           one write(2) of VALUE; prints "ok" or
 *                                     the errno's name (ENODEV...)
 *   vmtool open2 FILE                 open FILE twice, keep the first open:
 *                                     prints the second open's outcome
 *
 * Built statically for the tests/vm initramfs (and for aarch64, without
 * `exit`, for tests/vm/run-arm64.sh); write and open2 also run on
 * the host against simfs (tests/vm/behaviour.sh), so the guest and the
 * twin report the kernel's answers in the same words. */
#include <errno.h>
#include <fcntl.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <sys/io.h>
#define HAVE_IOPORT 1
#endif
#include <sys/ioctl.h>
#include <unistd.h>

#define DEBUG_EXIT_PORT 0xf4

static int group_status(const char *path)
{
	int container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (container < 0) {
		fprintf(stderr, "vmtool: /dev/vfio/vfio: %s\n", strerror(errno));
		return 2;
	}
	if (ioctl(container, VFIO_GET_API_VERSION) != VFIO_API_VERSION) {
		fprintf(stderr, "vmtool: unexpected VFIO API version\n");
		return 2;
	}
	int group = open(path, O_RDWR | O_CLOEXEC);
	if (group < 0) {
		fprintf(stderr, "vmtool: %s: %s\n", path, strerror(errno));
		return 2;
	}
	struct vfio_group_status st = { .argsz = sizeof(st) };
	if (ioctl(group, VFIO_GROUP_GET_STATUS, &st) < 0) {
		fprintf(stderr, "vmtool: VFIO_GROUP_GET_STATUS: %s\n", strerror(errno));
		return 2;
	}
	if (!(st.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		printf("not viable (flags 0x%x)\n", st.flags);
		return 1;
	}
	/* viable means the group can join a container: prove it */
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) < 0 ||
	    ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) < 0) {
		fprintf(stderr, "vmtool: attaching %s to a type1v2 container: %s\n", path, strerror(errno));
		return 1;
	}
	printf("viable\n");
	return 0;
}

static int debug_exit(const char *arg)
{
#ifdef HAVE_IOPORT
	unsigned char v = (unsigned char)strtoul(arg, NULL, 0);
	fflush(NULL);
	sync();
	if (ioperm(DEBUG_EXIT_PORT, 1, 1) < 0) {
		fprintf(stderr, "vmtool: ioperm: %s\n", strerror(errno));
		return 2;
	}
	outb(v, DEBUG_EXIT_PORT);
	return 2; /* not reached under QEMU with isa-debug-exit */
#else
	/* the arm64 guests (tests/vm/run-arm64.sh) power off instead */
	fprintf(stderr, "vmtool: exit %s: no isa-debug-exit port on this architecture\n", arg);
	return 2;
#endif
}

static void print_outcome(int r)
{
	const char *name = r < 0 ? strerrorname_np(errno) : NULL;
	printf("%s\n", r >= 0 ? "ok" : name ? name : "E?");
}

static int write_once(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		print_outcome(-1);
		return 0;
	}
	print_outcome((int)write(fd, value, strlen(value)));
	close(fd);
	return 0;
}

static int open_twice(const char *path)
{
	int first = open(path, O_RDWR | O_CLOEXEC);
	if (first < 0) {
		fprintf(stderr, "vmtool: %s: %s\n", path, strerror(errno));
		return 2;
	}
	int second = open(path, O_RDWR | O_CLOEXEC);
	print_outcome(second);
	if (second >= 0)
		close(second);
	close(first);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "write") == 0)
		return write_once(argv[2], argv[3]);
	if (argc == 3 && strcmp(argv[1], "open2") == 0)
		return open_twice(argv[2]);
	if (argc == 3 && strcmp(argv[1], "group-status") == 0)
		return group_status(argv[2]);
	if (argc == 3 && strcmp(argv[1], "exit") == 0)
		return debug_exit(argv[2]);
	fprintf(stderr,
		"usage: vmtool group-status /dev/vfio/N | exit CODE | write FILE VALUE | open2 FILE\n");
	return 2;
}
