// SPDX-License-Identifier: GPL-2.0-or-later
/* uevent-listen [--count N] [--timeout MS] [--ready FILE] [--subsystem S]
 *
 * A libudev kernel-uevent monitor for tests: what udev itself would see.
 * It listens with udev_monitor_new_from_netlink(udev, "kernel"), so an event
 * is printed only if libudev accepted it as a kernel event (sender port 0,
 * uid 0 credentials, "action@/devpath" header, ACTION, DEVPATH, SUBSYSTEM
 * and SEQNUM present).  Events of this network namespace only.
 *
 *   --count N     exit 0 after N events (default 1; 0 = no limit)
 *   --timeout MS  exit 1 if they have not all arrived after MS
 *                 milliseconds (default 10000; 0 = wait forever)
 *   --ready FILE  create FILE once the socket is bound: events sent after
 *                 FILE exists are received
 *   --subsystem S only events of subsystem S (repeatable).  Real kernel
 *                 events of devices without a network namespace (bdi,
 *                 block, ...) reach every namespace, private ones too:
 *                 tests that count events filter.
 *
 * Output, one line per event, flushed at once:
 *
 *   ACTION DEVPATH KEY=VALUE KEY=VALUE ...
 *
 * ACTION and DEVPATH first, then every other property libudev reports
 * (SUBSYSTEM, SEQNUM, DRIVER, PCI_SLOT_NAME, MODALIAS, ...) sorted by key
 * in byte order, separated by single spaces.  Bytes that are not printable
 * ASCII, spaces and backslashes are written as \xHH, so fields never
 * contain spaces.  Example:
 *
 *   bind /devices/pci0000:17/0000:17:01.0/0000:18:00.0 DRIVER=vfio-pci
 *     PCI_SLOT_NAME=0000:18:00.0 SEQNUM=812 SUBSYSTEM=pci
 *
 * (one line; wrapped here).
 *
 * Exit codes: 0 N events received; 1 timeout; 2 bad usage; 70 libudev or
 * system error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libudev.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

enum { EXIT_DONE = 0, EXIT_TIMEOUT = 1, EXIT_USAGE = 2, EXIT_SOFTWARE = 70 };

struct options {
	unsigned long count;
	long timeout_ms;
	const char *ready;
	const char *subsystems[8];
	int nsubsystems;
};

static int parse_number(const char *s, unsigned long *ret)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v > INT_MAX)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "count", required_argument, NULL, 'c' }, { "timeout", required_argument, NULL, 't' },
		{ "ready", required_argument, NULL, 'r' }, { "subsystem", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },	   { 0 },
	};
	unsigned long v;
	int c;

	*o = (struct options){ .count = 1, .timeout_ms = 10000 };
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (parse_number(optarg, &o->count) < 0)
				return log_error_errno(EINVAL, "invalid --count '%s'", optarg);
			break;
		case 't':
			if (parse_number(optarg, &v) < 0)
				return log_error_errno(EINVAL, "invalid --timeout '%s'", optarg);
			o->timeout_ms = (long)v;
			break;
		case 'r': o->ready = optarg; break;
		case 's':
			if (o->nsubsystems == 8)
				return log_error_errno(EINVAL, "too many --subsystem");
			o->subsystems[o->nsubsystems++] = optarg;
			break;
		default: return -EINVAL;
		}
	}
	if (optind != argc)
		return log_error_errno(EINVAL, "unexpected argument '%s'", argv[optind]);
	return 0;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void put_escaped(const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch <= ' ' || ch >= 0x7f || ch == '\\')
			printf("\\x%02x", ch);
		else
			putchar(ch);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* One line per event; see the format above. */
static int print_event(struct udev_device *dev)
{
	const char *keys[256];
	size_t n = 0;
	struct udev_list_entry *e;

	udev_list_entry_foreach(e, udev_device_get_properties_list_entry(dev))
	{
		const char *k = udev_list_entry_get_name(e);
		if (strcmp(k, "ACTION") == 0 || strcmp(k, "DEVPATH") == 0)
			continue;
		if (n == sizeof(keys) / sizeof(keys[0]))
			return log_error_errno(EINVAL, "event with more than %zu properties", n);
		keys[n++] = k;
	}
	qsort(keys, n, sizeof(keys[0]), cmp_str);

	const char *action = udev_device_get_action(dev), *devpath = udev_device_get_devpath(dev);
	put_escaped(action ? action : "-");
	putchar(' ');
	put_escaped(devpath ? devpath : "-");
	for (size_t i = 0; i < n; i++) {
		const char *v = udev_device_get_property_value(dev, keys[i]);
		putchar(' ');
		put_escaped(keys[i]);
		putchar('=');
		put_escaped(v ? v : "");
	}
	putchar('\n');
	return fflush(stdout) == 0 ? 0 : -errno;
}

static int touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return log_error_errno(errno, "cannot create ready file '%s': %m", path);
	close(fd);
	return 0;
}

static int listen_events(struct udev_monitor *mon, const struct options *o)
{
	int fd = udev_monitor_get_fd(mon);
	long deadline = o->timeout_ms ? now_ms() + o->timeout_ms : 0;
	unsigned long seen = 0;

	while (o->count == 0 || seen < o->count) {
		int wait = -1;
		if (deadline) {
			long left = deadline - now_ms();
			if (left <= 0)
				return EXIT_TIMEOUT;
			wait = (int)left;
		}
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r = poll(&p, 1, wait);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return log_error_errno(errno, "poll: %m"), EXIT_SOFTWARE;
		if (r == 0)
			continue;
		/* NULL: a message libudev rejected, or nothing left to read. */
		struct udev_device *dev = udev_monitor_receive_device(mon);
		if (!dev)
			continue;
		r = print_event(dev);
		udev_device_unref(dev);
		if (r < 0)
			return EXIT_SOFTWARE;
		seen++;
	}
	return EXIT_DONE;
}

int main(int argc, char **argv)
{
	struct options o;
	struct udev *udev;
	struct udev_monitor *mon;
	int r;

	log_setup("uevent-listen", LOG_TARGET_STDERR, -1);
	if (parse_options(argc, argv, &o) < 0) {
		fprintf(stderr,
			"usage: uevent-listen [--count N] [--timeout MS] [--ready FILE] [--subsystem S]\n");
		return EXIT_USAGE;
	}

	udev = udev_new();
	if (!udev)
		return log_error_errno(errno, "udev_new: %m"), EXIT_SOFTWARE;
	mon = udev_monitor_new_from_netlink(udev, "kernel");
	if (!mon) {
		log_error_errno(errno, "udev_monitor_new_from_netlink: %m");
		udev_unref(udev);
		return EXIT_SOFTWARE;
	}
	/* simfs may emit bursts (all VFs of a GPU); do not drop them. */
	(void)udev_monitor_set_receive_buffer_size(mon, 4 << 20);
	for (int i = 0; i < o.nsubsystems; i++)
		if (udev_monitor_filter_add_match_subsystem_devtype(mon, o.subsystems[i], NULL) < 0)
			return log_error("bad --subsystem '%s'", o.subsystems[i]), EXIT_SOFTWARE;
	r = udev_monitor_enable_receiving(mon);
	if (r < 0) {
		log_error_errno(r, "udev_monitor_enable_receiving: %m");
		r = EXIT_SOFTWARE;
	} else if (o.ready && touch(o.ready) < 0) {
		r = EXIT_SOFTWARE;
	} else {
		r = listen_events(mon, &o);
	}
	udev_monitor_unref(mon);
	udev_unref(udev);
	return r;
}
