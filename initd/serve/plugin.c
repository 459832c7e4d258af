// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dpapi.h"
#include "egm.h"
#include "fabric_ctl.h"
#include "grpc_server.h"
#include "log.h"
#include "pbcheck.h"
#include "plugin.h"
#include "resources.h"
#include "rootfs.h"

static void send_list_to(struct plugin *p, struct grpc_call *only);

static void stream_cancelled(struct grpc_call *call, void *data)
{
	struct plugin *p = data;
	for (size_t i = 0; i < p->nstreams; i++)
		if (p->streams[i] == call) {
			p->streams[i] = p->streams[--p->nstreams];
			break;
		}
	log_debug("%s: ListAndWatch stream ended (%zu left)", p->resource, p->nstreams);
	p->ctx->changed(p->ctx);
}

static void on_options(struct grpc_call *call, const ProtobufCMessage *req, void *data)
{
	V1beta1__DevicePluginOptions o = V1BETA1__DEVICE_PLUGIN_OPTIONS__INIT;
	o.pre_start_required = false;
	o.get_preferred_allocation_available = true;
	grpc_call_reply(call, &o.base);
}

static void on_list_and_watch(struct grpc_call *call, const ProtobufCMessage *req, void *data)
{
	struct plugin *p = data;
	if (p->nstreams == p->capstreams) {
		size_t nc = p->capstreams ? p->capstreams * 2 : 4;
		struct grpc_call **ns = realloc(p->streams, nc * sizeof(*ns));
		if (!ns) {
			grpc_call_finish(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
			return;
		}
		p->streams = ns;
		p->capstreams = nc;
	}
	p->streams[p->nstreams++] = call;
	grpc_call_on_cancel(call, stream_cancelled, p);
	send_list_to(p, call);
	p->ctx->changed(p->ctx);
}

static void on_pre_start(struct grpc_call *call, const ProtobufCMessage *req, void *data)
{
	V1beta1__PreStartContainerResponse r = V1BETA1__PRE_START_CONTAINER_RESPONSE__INIT;
	grpc_call_reply(call, &r.base);
}

static void on_preferred(struct grpc_call *call, const ProtobufCMessage *req, void *data)
{
	struct plugin *p = data;
	const V1beta1__PreferredAllocationRequest *q = (const void *)req;
	V1beta1__PreferredAllocationResponse *resp = NULL;
	char msg[256];
	if (q->n_container_requests &&
	    allocate_bounds(&p->table, q->n_container_requests, 0, msg, sizeof(msg)) < 0) {
		log_notice("%s: GetPreferredAllocation refused: %s", p->resource, msg);
		grpc_call_finish(call, GRPC_STATUS_INVALID_ARGUMENT, msg);
		return;
	}
	if (dpapi_preferred_response(&resp) < 0)
		goto oom;
	for (size_t i = 0; i < q->n_container_requests; i++) {
		const V1beta1__ContainerPreferredAllocationRequest *c = q->container_requests[i];
		const char **out =
		    malloc((c->n_available_deviceids + c->n_must_include_deviceids + 1) * sizeof(*out));
		if (!out)
			goto oom;
		/* on an NVSwitch node: one free NVLink partition first */
		int fn = c->allocation_size > 0
			     ? fabric_ctl_prefer(p->ctx->fabric, (const char *const *)c->available_deviceids,
						 c->n_available_deviceids,
						 (const char *const *)c->must_include_deviceids,
						 c->n_must_include_deviceids, (size_t)c->allocation_size, out)
			     : -ENOENT;
		size_t n = fn >= 0 ? (size_t)fn
				   : preferred_choose(&p->table, (const char *const *)c->available_deviceids,
						      c->n_available_deviceids,
						      (const char *const *)c->must_include_deviceids,
						      c->n_must_include_deviceids, c->allocation_size, out);
		int r = dpapi_preferred_add(resp, out, n);
		free(out);
		if (r < 0)
			goto oom;
	}
	grpc_call_reply(call, &resp->base);
	dpapi_free(resp);
	return;
oom:
	dpapi_free(resp);
	grpc_call_finish(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
}

static void mark_unhealthy(struct plugin *p, const char *id, enum sdev_sick why)
{
	struct pdev *d = (struct pdev *)ptable_find(&p->table, id);
	if (d && d->healthy) {
		log_info("%s: %s is now unhealthy (%s)", p->resource, id, resource_sick_str(why));
		d->healthy = false;
		d->why = why;
		send_list_to(p, NULL);
		p->ctx->changed(p->ctx);
	}
}

static void on_allocate(struct grpc_call *call, const ProtobufCMessage *req, void *data)
{
	struct plugin *p = data;
	const V1beta1__AllocateRequest *q = (const void *)req;
	V1beta1__AllocateResponse *resp = NULL;
	struct sdev *now = NULL;
	const struct sdev **devs = NULL;
	int *fids = NULL; /* the fabric partition activated per container, -1 */
	char msg[512];
	int status = GRPC_STATUS_INTERNAL;
	bool reserve_out = false;

	/* bounded before anything else: a request kubelet could not send
	 * costs microseconds, not a sysfs walk per ID */
	size_t total = 0;
	for (size_t i = 0; i < q->n_container_requests && total <= p->table.n; i++)
		total += q->container_requests[i]->n_devices_ids;
	status = GRPC_STATUS_INVALID_ARGUMENT;
	if (allocate_bounds(&p->table, q->n_container_requests, total, msg, sizeof(msg)) < 0)
		goto fail;
	status = GRPC_STATUS_INTERNAL;
	snprintf(msg, sizeof(msg), "out of memory");
	if (dpapi_allocate_response(&resp) < 0)
		goto fail;
	/* descriptors for the re-check whatever the connections hold */
	fdreserve_release(&p->ctx->reserve);
	reserve_out = true;
	int ri = rootfs_exists(p->ctx->rootfd, "dev/iommu");
	if (ri < 0) {
		snprintf(msg, sizeof(msg), "cannot check for /dev/iommu now (%s), try again", strerror(-ri));
		status = GRPC_STATUS_UNAVAILABLE;
		goto fail;
	}
	bool iommufd = ri > 0;
	/* EGM regions, read per Allocate as NVIDIA's plugin does (egm.c) */
	struct egm_set egm;
	int re = egm_scan(p->ctx->rootfd, &egm);
	if (re < 0) {
		log_warning("%s: cannot read the EGM regions (%s): none added", p->resource, strerror(-re));
		egm.n = 0;
	}
	fids = malloc((q->n_container_requests + 1) * sizeof(*fids));
	if (!fids)
		goto fail;
	for (size_t i = 0; i < q->n_container_requests; i++)
		fids[i] = -1;
	for (size_t i = 0; i < q->n_container_requests; i++) {
		const V1beta1__ContainerAllocateRequest *c = q->container_requests[i];
		const char *const *ids = (const char *const *)c->devices_ids;
		status = GRPC_STATUS_INVALID_ARGUMENT;
		if (allocate_validate(&p->table, ids, c->n_devices_ids, msg, sizeof(msg)) < 0)
			goto fail;
		status = GRPC_STATUS_INTERNAL;
		snprintf(msg, sizeof(msg), "out of memory");
		free(now);
		free(devs);
		now = calloc(c->n_devices_ids, sizeof(*now));
		devs = calloc(c->n_devices_ids, sizeof(*devs));
		if (!now || !devs)
			goto fail;
		/* still where it was? (driver, group, group node) */
		for (size_t k = 0; k < c->n_devices_ids; k++) {
			const struct pdev *pd = ptable_find(&p->table, ids[k]);
			int r = discover_recheck(p->ctx->rootfd, &pd->d, iommufd, &now[k]);
			if (r < 0 && r != -ENODEV) {
				/* an error of ours (EMFILE, ENOMEM...) is no fact
				 * about the device: its health stays */
				snprintf(msg, sizeof(msg),
					 "cannot re-check device \"%s\" of %s now (%s), try again", pd->d.id,
					 p->resource, strerror(-r));
				status = GRPC_STATUS_UNAVAILABLE;
				goto fail;
			}
			now[k].ers = pd->d.ers; /* not in sysfs: as the uevents told */
			enum sdev_sick why = r < 0 ? SICK_GONE : resource_dev_verdict(&pd->d, &now[k]);
			if (why != SICK_NONE) {
				if (why == SICK_GONE || why == SICK_MOVED)
					snprintf(
					    msg, sizeof(msg),
					    "device \"%s\" of %s is no longer %s (driver %s, IOMMU group %d)",
					    pd->d.id, p->resource, r < 0 ? "present" : "where it was",
					    pd->d.driver, pd->d.group);
				else
					snprintf(msg, sizeof(msg), "device \"%s\" of %s is sick (%s)",
						 pd->d.id, p->resource, resource_sick_str(why));
				mark_unhealthy(p, pd->d.id, why);
				status = GRPC_STATUS_INVALID_ARGUMENT;
				goto fail;
			}
			devs[k] = &now[k];
		}
		/* the GPUs of one NVLink partition, activated before the answer */
		int fr =
		    fabric_ctl_allocate(p->ctx->fabric, ids, c->n_devices_ids, &fids[i], msg, sizeof(msg));
		if (fr < 0) {
			status = fr == -EINVAL ? GRPC_STATUS_INVALID_ARGUMENT : GRPC_STATUS_UNAVAILABLE;
			goto fail;
		}
		status = GRPC_STATUS_INTERNAL;
		snprintf(msg, sizeof(msg), "out of memory");
		V1beta1__ContainerAllocateResponse *cr;
		if (dpapi_allocate_add_container(resp, &cr) < 0)
			goto fail;
		int r = allocate_fill(p->resource, devs, c->n_devices_ids, iommufd, cr);
		if (r < 0)
			goto fail;
		const char *egm_paths[EGM_MAX];
		size_t negm = egm_paths_for(&egm, ids, c->n_devices_ids, egm_paths, EGM_MAX);
		for (size_t k = 0; k < negm && r == 0; k++)
			r = dpapi_container_add_device(cr, egm_paths[k], egm_paths[k], "mrw");
		if (r < 0)
			goto fail;
		size_t o = 0;
		for (size_t k = 0; k < c->n_devices_ids && o + 40 < sizeof(p->last_allocation); k++)
			o += (size_t)snprintf(p->last_allocation + o, sizeof(p->last_allocation) - o, "%s%s",
					      k ? "," : "", ids[k]);
		p->allocations++;
	}
	free(now);
	free(devs);
	for (size_t i = 0; i < q->n_container_requests; i++)
		fabric_ctl_answered(p->ctx->fabric, fids[i]);
	free(fids);
	fdreserve_take(&p->ctx->reserve);
	log_info("%s: allocated %s", p->resource, p->last_allocation);
	grpc_call_reply(call, &resp->base);
	dpapi_free(resp);
	p->ctx->changed(p->ctx);
	return;
fail:
	free(now);
	free(devs);
	for (size_t i = 0; fids && i < q->n_container_requests; i++)
		fabric_ctl_abandon(p->ctx->fabric, fids[i]);
	free(fids);
	if (reserve_out)
		fdreserve_take(&p->ctx->reserve);
	dpapi_free(resp);
	log_notice("%s: Allocate refused: %s", p->resource, msg);
	grpc_call_finish(call, status, msg);
}

/* The bounds again, on the wire bytes before protobuf-c allocates a struct
 * per container (a 4 MiB request holds 250,000): refused in microseconds.
 * Field numbers from proto/deviceplugin.proto: container_requests = 1 in
 * both requests, devices_ids = 1 in ContainerAllocateRequest. */
static int check_allocate(const uint8_t *msg, size_t len, void *data, char *why, size_t size)
{
	struct plugin *p = data;
	size_t ids, n = pb_count_field(msg, len, 1, 1, &ids);
	if (allocate_bounds(&p->table, n, ids, why, size) == 0)
		return 0;
	log_notice("%s: Allocate refused: %s", p->resource, why);
	return GRPC_STATUS_INVALID_ARGUMENT;
}

static int check_preferred(const uint8_t *msg, size_t len, void *data, char *why, size_t size)
{
	struct plugin *p = data;
	size_t n = pb_count_field(msg, len, 1, 0, NULL);
	if (n == 0 || allocate_bounds(&p->table, n, 0, why, size) == 0)
		return 0;
	log_notice("%s: GetPreferredAllocation refused: %s", p->resource, why);
	return GRPC_STATUS_INVALID_ARGUMENT;
}

static const struct grpc_method methods[] = {
	{ DPAPI_GET_OPTIONS, &v1beta1__empty__descriptor, on_options, NULL },
	{ DPAPI_LIST_AND_WATCH, &v1beta1__empty__descriptor, on_list_and_watch, NULL },
	{ DPAPI_GET_PREFERRED, &v1beta1__preferred_allocation_request__descriptor, on_preferred,
	  check_preferred },
	{ DPAPI_ALLOCATE, &v1beta1__allocate_request__descriptor, on_allocate, check_allocate },
	{ DPAPI_PRE_START, &v1beta1__pre_start_container_request__descriptor, on_pre_start, NULL },
};

int plugin_new(struct serve_ctx *ctx, const char *resource, struct plugin **ret)
{
	struct plugin *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->ctx = ctx;
	snprintf(p->resource, sizeof(p->resource), "%s", resource);
	p->table.resource = p->resource;
	p->reg_gen = UINT32_MAX;
	p->backoff_ms = 100;
	int r = resource_socket_name(resource, p->sock, sizeof(p->sock));
	if (r >= 0)
		r = grpc_server_new(ctx->loop, methods, sizeof(methods) / sizeof(methods[0]), p, &p->srv);
	if (r < 0) {
		free(p);
		return r;
	}
	*ret = p;
	return 0;
}

int plugin_listen(struct plugin *p)
{
	grpc_server_shutdown(p->srv);
	int r = grpc_server_listen(p->srv, p->ctx->plugdir, p->sock);
	if (r < 0)
		return log_error_errno(r, "%s: cannot serve on %s: %m", p->resource, p->sock);
	log_debug("%s: serving on %s", p->resource, p->sock);
	return 0;
}

static void send_list_to(struct plugin *p, struct grpc_call *only)
{
	V1beta1__ListAndWatchResponse *l = NULL;
	struct dpapi_device *dv = calloc(p->table.n ? p->table.n : 1, sizeof(*dv));
	if (!dv)
		return;
	for (size_t i = 0; i < p->table.n; i++)
		dv[i] = (struct dpapi_device){ .id = p->table.v[i].d.id,
					       .healthy = p->table.v[i].healthy,
					       .numa_node = p->table.v[i].d.numa };
	int r = dpapi_device_list(dv, p->table.n, &l);
	free(dv);
	if (r < 0)
		return;
	if (only)
		grpc_call_send(only, &l->base);
	else
		for (size_t i = 0; i < p->nstreams; i++)
			grpc_call_send(p->streams[i], &l->base);
	dpapi_free(l);
}

static int cmp_pdev(const void *a, const void *b)
{
	return strcmp(((const struct pdev *)a)->d.id, ((const struct pdev *)b)->d.id);
}

int plugin_update(struct plugin *p, const struct sdevs *all)
{
	bool changed = false, added = false, reason = false;
	/* all is sorted by id, like the table: one merge pass */
	size_t k = 0, n0 = p->table.n;
	for (size_t i = 0; i < n0; i++) {
		struct pdev *pd = &p->table.v[i];
		const struct sdev *now = NULL;
		while (k < all->n && strcmp(all->d[k].id, pd->d.id) < 0)
			k++;
		if (k < all->n && strcmp(all->d[k].id, pd->d.id) == 0 &&
		    strcmp(all->d[k].resource, p->resource) == 0)
			now = &all->d[k];
		enum sdev_sick why = resource_dev_verdict(&pd->d, now);
		bool h = why == SICK_NONE;
		pd->d.aer_fatal = resource_aer_baseline(&pd->d, now, why);
		pd->d.ers = now ? now->ers : 0; /* for Allocate's re-check */
		if (h != pd->healthy || (!h && (int)why != pd->why)) {
			if (h)
				log_info("%s: %s is now healthy", p->resource, pd->d.id);
			else
				log_info("%s: %s is now unhealthy (%s)", p->resource, pd->d.id,
					 resource_sick_str(why));
			changed |= h != pd->healthy;
			reason = true;
			pd->healthy = h;
		}
		pd->why = why;
	}
	for (size_t i = 0; i < all->n; i++) {
		if (strcmp(all->d[i].resource, p->resource) != 0)
			continue;
		struct ptable old = { .resource = p->resource, .v = p->table.v, .n = n0 };
		if (ptable_find(&old, all->d[i].id))
			continue;
		if (p->table.n == p->cap) {
			size_t nc = p->cap ? p->cap * 2 : 16;
			struct pdev *nv = realloc(p->table.v, nc * sizeof(*nv));
			if (!nv)
				return -ENOMEM;
			p->table.v = nv;
			p->cap = nc;
		}
		enum sdev_sick why = resource_dev_verdict(&all->d[i], &all->d[i]);
		p->table.v[p->table.n++] =
		    (struct pdev){ .d = all->d[i], .healthy = why == SICK_NONE, .why = why };
		log_info("%s: %s (IOMMU group %d, NUMA %d) %s", p->resource, all->d[i].id, all->d[i].group,
			 all->d[i].numa, n0 ? "added" : "found");
		added = changed = true;
	}
	if (added)
		qsort(p->table.v, p->table.n, sizeof(*p->table.v), cmp_pdev);
	if (changed)
		send_list_to(p, NULL);
	return changed ? 1 : reason ? 2 : 0;
}

void plugin_stop(struct plugin *p)
{
	plugin_register_cancel(p);
	while (p->nstreams) {
		struct grpc_call *c = p->streams[--p->nstreams];
		grpc_call_finish(c, GRPC_STATUS_OK, NULL);
	}
	grpc_server_shutdown(p->srv);
	rootfs_unlink(p->ctx->plugdir, p->sock);
}

void plugin_free(struct plugin *p)
{
	if (!p)
		return;
	plugin_register_cancel(p);
	p->nstreams = 0;
	grpc_server_free(p->srv);
	free(p->streams);
	free(p->table.v);
	free(p);
}

void plugin_print_json(const struct plugin *p, struct jsonw *w)
{
	size_t healthy = 0;
	for (size_t i = 0; i < p->table.n; i++)
		healthy += p->table.v[i].healthy;
	jsonw_obj_open(w);
	jsonw_kstr(w, "resource", p->resource);
	jsonw_kstr(w, "socket", p->sock);
	jsonw_kbool(w, "registered", p->registered);
	jsonw_kint(w, "registrations", p->registrations);
	jsonw_kint(w, "streams", (long long)p->nstreams);
	jsonw_kint(w, "connections", grpc_server_connections(p->srv));
	jsonw_kint(w, "capacity", (long long)p->table.n);
	jsonw_kint(w, "allocatable", (long long)healthy);
	jsonw_kint(w, "allocations", p->allocations);
	jsonw_kstr(w, "last_allocation", p->last_allocation);
	jsonw_key(w, "devices");
	jsonw_arr_open(w);
	for (size_t i = 0; i < p->table.n; i++) {
		const struct sdev *d = &p->table.v[i].d;
		jsonw_obj_open(w);
		jsonw_kstr(w, "id", d->id);
		jsonw_kstr(w, "kind",
			   d->kind == SDEV_MDEV	     ? "mdev"
			   : d->kind == SDEV_VF_VGPU ? "vf-vgpu"
						     : "passthrough");
		jsonw_kstr(w, "health", p->table.v[i].healthy ? DPAPI_HEALTHY : DPAPI_UNHEALTHY);
		if (!p->table.v[i].healthy)
			jsonw_kstr(w, "reason", resource_sick_str((enum sdev_sick)p->table.v[i].why));
		jsonw_kstr(w, "parent", d->parent);
		jsonw_kstr(w, "driver", d->driver);
		jsonw_kint(w, "iommu_group", d->group);
		jsonw_kint(w, "numa_node", d->numa);
		if (d->vgpu_type[0])
			jsonw_kstr(w, "vgpu_type", d->vgpu_type);
		jsonw_obj_close(w);
	}
	jsonw_arr_close(w);
	jsonw_obj_close(w);
}
