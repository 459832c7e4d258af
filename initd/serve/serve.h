/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gpu-initd serve: discover, one plugin per resource, register, watch
 * (uevents, periodic rescan, the plugin dir), until SIGTERM/SIGINT. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "discover.h"

struct config;

#define SERVE_PLUGIN_DIR "var/lib/kubelet/device-plugins"
#define SERVE_STATUS "run/gpu-initd/serve.json"
#define SERVE_RESCAN_MS 30000

struct serve_opts {
	const char *rootdir;
	int rootfd;
	const struct config *cfg;
	unsigned rescan_ms;
	unsigned max_conns; /* connections, all resources (0: GRPC_SERVER_MAX_CONNS) */
	unsigned idle_ms;   /* a connection completing no request is closed (0: GRPC_SERVER_IDLE_MS) */
};

/* Runs until SIGTERM/SIGINT (sockets removed, streams closed).  0 or
 * -errno when it cannot start. */
int serve_run(const struct serve_opts *o);
/* Discovery plus resource names: only devices that have a name. */
int serve_discover(int rootfd, const char *rootdir, const struct config *cfg, const struct sdevs *prev,
		   const struct ers_table *ers, struct sdevs *ret);
