// SPDX-License-Identifier: GPL-2.0-or-later
/* gpu-initd: prepares a Kubernetes node's GPUs for KubeVirt.  The commands
 * land issue by issue; until then this entry point knows only its options. */
#include <stdio.h>
#include <string.h>

#include "log.h"

#define VERSION "0.1.0"

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("gpu-initd %s\n", VERSION);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		printf("usage: gpu-initd [--root DIR] [--config FILE] [--timeout S] [-v|-q]\n"
		       "                 [--log stderr|kmsg|json] COMMAND\n"
		       "commands: check apply serve run status kubevirt-config\n");
		return 0;
	}
	log_setup("gpu-initd", LOG_TARGET_STDERR, -1);
	log_error("commands are not implemented in this build yet");
	return 70;
}
