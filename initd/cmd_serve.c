// SPDX-License-Identifier: GPL-2.0-or-later
/* `serve`: the device-plugin servers; `kubevirt-config`: what KubeVirt
 * must permit for them. */
#include <stdio.h>

#include "cli.h"
#include "node/config.h"
#include "serve/kubevirt.h"
#include "serve/ers_store.h"
#include "serve/serve.h"

/* In container mode NVIDIA's container device plugin advertises the GPUs. */
int cmd_serve(const struct args *a, int rootfd, const struct config *c)
{
	if (c->mode == MODE_CONTAINER) {
		log_info("mode container: nothing to advertise (NVIDIA's container device plugin does that)");
		return 0;
	}
	struct serve_opts o = { .rootdir = a->root,
				.rootfd = rootfd,
				.cfg = c,
				.rescan_ms = a->rescan_ms,
				.max_conns = a->max_conns,
				.idle_ms = a->idle_ms };
	int r = serve_run(&o);
	return r < 0 ? EXIT_INTERNAL : 0;
}

int cmd_kubevirt_config(const struct args *a, int rootfd, const struct config *c)
{
	struct sdevs d;
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
	kubevirt_print(&d, stdout);
	sdevs_free(&d);
	return 0;
}
