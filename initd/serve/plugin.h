/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One device-plugin server per resource: its socket in the plugin dir,
 * ListAndWatch streams that always get the full latest list, Allocate and
 * GetPreferredAllocation on the resource's table, and its registration
 * with kubelet (register.c). */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "allocate.h"
#include "evloop.h"
#include "fdreserve.h"
#include "jsonw.h"

struct fabric_ctl;

/* What every plugin shares with serve. */
struct serve_ctx {
	struct evloop *loop;
	int rootfd;
	int plugdir;				/* var/lib/kubelet/device-plugins */
	unsigned kubelet_gen;			/* bumped each time kubelet.sock is created */
	void (*changed)(struct serve_ctx *ctx); /* state worth a status update */
	/* reads pending plugin-dir events (so kubelet_gen is current) */
	void (*sync_kubelet)(struct serve_ctx *ctx);
	/* released around sysfs work (re-checks, rescans): descriptors for it
	 * even when connections hold all the others */
	struct fdreserve reserve;
	/* NVSwitch node in vm-passthrough: Fabric Manager partitions
	 * (fabric_ctl.h); NULL elsewhere */
	struct fabric_ctl *fabric;
};

struct plugin {
	struct serve_ctx *ctx;
	char resource[128];
	char sock[192];
	struct grpc_server *srv;
	struct ptable table;
	size_t cap;
	struct grpc_call **streams;
	size_t nstreams, capstreams;
	/* registration (register.c) */
	struct grpc_channel *ch;
	int64_t retry_timer;
	unsigned backoff_ms;
	bool registering, registered;
	unsigned reg_gen;     /* kubelet generation registered with */
	unsigned pending_gen; /* generation when the pending Register started */
	unsigned registrations;
	/* for status */
	unsigned allocations;
	char last_allocation[512];
};

int plugin_new(struct serve_ctx *ctx, const char *resource, struct plugin **ret);
/* (Re)creates the socket and serves on it (a kubelet restart deletes it).
 * Open streams are closed.  0 or -errno. */
int plugin_listen(struct plugin *p);
/* Merges a scan: the resource's devices present now.  Devices once seen
 * stay listed (Unhealthy while gone).  Sends the list to every stream when
 * anything changed; returns 1 if it did, 2 when only the reason of an
 * Unhealthy device changed (kubelet's list is the same, the status is
 * not), 0 if nothing did, -ENOMEM. */
int plugin_update(struct plugin *p, const struct sdevs *all);
/* Ends streams, stops serving, removes the socket. */
void plugin_stop(struct plugin *p);
void plugin_free(struct plugin *p);
void plugin_print_json(const struct plugin *p, struct jsonw *w);

/* register.c: Register with kubelet unless already registered with the
 * current kubelet generation; retries with backoff (100 ms .. 5 s) while
 * kubelet is absent. */
void plugin_register(struct plugin *p);
/* Forget the registration (our socket was re-created). */
void plugin_unregistered(struct plugin *p);
void plugin_register_cancel(struct plugin *p);
