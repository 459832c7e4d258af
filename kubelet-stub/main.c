// SPDX-License-Identifier: GPL-2.0-or-later
/* kubelet-stub: a fake kubelet speaking the device-plugin API (issue 6). */
#include <stdio.h>
#include <string.h>

#include "log.h"

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		printf("usage: kubelet-stub [--root DIR] serve|status|allocate|launch-vm|restart\n");
		return 0;
	}
	log_setup("kubelet-stub", LOG_TARGET_STDERR, -1);
	log_error("not implemented in this build yet");
	return 70;
}
