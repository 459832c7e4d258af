// SPDX-License-Identifier: GPL-2.0-or-later
/* uevent-send ACTION DEVPATH SUBSYSTEM [KEY=VALUE...]
 *
 * Sends one kernel-format uevent through simfs/uevent.c, for tests only.
 * The kernel adds SEQNUM.  Refuses, before opening any socket, unless the
 * network namespace is provably private (see uevent_netns_check()).
 *
 * Exit codes: 0 sent and acknowledged by the kernel; 1 refused, nothing
 * sent; 2 bad usage or an event uevent_format() rejects; 70 the send failed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "../../simfs/uevent.h"

enum { EXIT_SENT = 0, EXIT_REFUSED = 1, EXIT_USAGE = 2, EXIT_SOFTWARE = 70 };

static int usage(void)
{
	fprintf(stderr, "usage: uevent-send ACTION DEVPATH SUBSYSTEM [KEY=VALUE...]\n");
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	char msg[UEVENT_MSG_MAX], reason[256];
	int r;

	log_setup("uevent-send", LOG_TARGET_STDERR, -1);
	if (argc < 4 || argv[1][0] == '-')
		return usage();

	r = uevent_format(msg, sizeof(msg), argv[1], argv[2], argv[3], (const char *const *)argv + 4);
	if (r < 0) {
		log_error_errno(r, "invalid event '%s@%s': %m", argv[1], argv[2]);
		return EXIT_USAGE;
	}
	size_t len = (size_t)r;

	r = uevent_netns_check(reason, sizeof(reason));
	if (r <= 0) {
		log_error("refusing to send a uevent (nothing sent): %s", reason);
		return EXIT_REFUSED;
	}

	int fd = uevent_sender_open();
	if (fd == -EPERM) {
		log_error("refusing to send a uevent (nothing sent): the sender socket's network namespace "
			  "could not be verified as private");
		return EXIT_REFUSED;
	}
	if (fd < 0) {
		log_error_errno(fd, "cannot open the uevent socket: %m");
		return EXIT_SOFTWARE;
	}
	r = uevent_send(fd, msg, len);
	close(fd);
	if (r < 0) {
		log_error_errno(r, "sending '%s@%s' failed: %m", argv[1], argv[2]);
		return EXIT_SOFTWARE;
	}
	return EXIT_SENT;
}
