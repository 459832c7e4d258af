// SPDX-License-Identifier: GPL-2.0-or-later
/* `status [--json|--labels]`: what is on the node now (live discovery)
 * and, when serve runs, its own view (run/gpu-initd/serve.json: health,
 * registration, streams, allocations). */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "node/config.h"
#include "rootfs.h"
#include "serve/ers_store.h"
#include "serve/serve.h"
#include "serve/serve_report.h"

int cmd_status(const struct args *a, int rootfd, const struct config *c)
{
	struct sdevs d;
	char *served = NULL;
	/* serve's recovery states: no config read of a function the kernel
	 * is recovering (a read would wait for its reset, serve/sick.c) */
	struct ers_table ers;
	size_t dropped;
	if (ers_load(rootfd, &ers, &dropped) < 0)
		ers.n = 0;
	int r = serve_discover(rootfd, a->root, c, NULL, &ers, &d);
	if (r < 0) {
		log_error_errno(r, "cannot read the node's devices under %s: %m", a->root);
		return EXIT_INTERNAL;
	}
	if (rootfs_read_file(rootfd, SERVE_STATUS, &served, NULL) < 0)
		served = NULL;
	if (a->labels) {
		printf("nvidia.com/gpu.workload.config=%s\n", mode_name(c->mode));
		printf("gpu-initd/ready=%s\n",
		       rootfs_exists(rootfd, "run/gpu-initd/ready") > 0 ? "true" : "false");
	} else if (a->json) {
		serve_report_json(&d, mode_name(c->mode), served, stdout);
	} else {
		printf("mode %s\n", mode_name(c->mode));
		serve_report_print(&d, served, stdout);
	}
	free(served);
	sdevs_free(&d);
	return 0;
}
