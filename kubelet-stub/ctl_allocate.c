// SPDX-License-Identifier: GPL-2.0-or-later
/* The control socket's "allocate": kubelet's admission (enough healthy,
 * unallocated devices), then the plugin's GetPreferredAllocation when it
 * offers one, Allocate, PreStartContainer when it asks for it; the
 * allocation is recorded and checkpointed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dpapi.h"
#include "json.h"
#include "jsonw.h"
#include "kserver.h"
#include "log.h"

#define CALL_TIMEOUT_MS 10000

/* The ContainerAllocateResponse as JSON (kept in state and checkpoint). */
static int response_json(const V1beta1__ContainerAllocateResponse *r, char **ret)
{
	struct jsonw w;
	jsonw_init(&w, false);
	jsonw_obj_open(&w);
	jsonw_key(&w, "envs");
	jsonw_obj_open(&w);
	for (size_t i = 0; i < r->n_envs; i++)
		jsonw_kstr(&w, r->envs[i]->key, r->envs[i]->value);
	jsonw_obj_close(&w);
	jsonw_key(&w, "mounts");
	jsonw_arr_open(&w);
	for (size_t i = 0; i < r->n_mounts; i++) {
		jsonw_obj_open(&w);
		jsonw_kstr(&w, "container_path", r->mounts[i]->container_path);
		jsonw_kstr(&w, "host_path", r->mounts[i]->host_path);
		jsonw_kbool(&w, "read_only", r->mounts[i]->read_only);
		jsonw_obj_close(&w);
	}
	jsonw_arr_close(&w);
	jsonw_key(&w, "devices");
	jsonw_arr_open(&w);
	for (size_t i = 0; i < r->n_devices; i++) {
		jsonw_obj_open(&w);
		jsonw_kstr(&w, "container_path", r->devices[i]->container_path);
		jsonw_kstr(&w, "host_path", r->devices[i]->host_path);
		jsonw_kstr(&w, "permissions", r->devices[i]->permissions);
		jsonw_obj_close(&w);
	}
	jsonw_arr_close(&w);
	jsonw_key(&w, "annotations");
	jsonw_obj_open(&w);
	for (size_t i = 0; i < r->n_annotations; i++)
		jsonw_kstr(&w, r->annotations[i]->key, r->annotations[i]->value);
	jsonw_obj_close(&w);
	jsonw_key(&w, "cdi_devices");
	jsonw_arr_open(&w);
	for (size_t i = 0; i < r->n_cdi_devices; i++)
		jsonw_str(&w, r->cdi_devices[i]->name);
	jsonw_arr_close(&w);
	jsonw_obj_close(&w);
	return jsonw_finish(&w, ret, NULL);
}

static void alloc_record(struct ctlconn *c)
{
	struct kserver *s = c->srv;
	int r = kstate_add_alloc(&s->st, c->pod, "compute", c->resource, (const char *const *)c->ids,
				 c->n_ids, c->response);
	if (r < 0)
		return kctl_error(c, "out of memory");
	kserver_save_checkpoint(s);
	struct jsonw w;
	char *doc;
	jsonw_init(&w, true);
	kalloc_json(&s->st.allocs[s->st.n_allocs - 1], &w);
	if (jsonw_finish(&w, &doc, NULL) < 0)
		return kctl_error(c, "out of memory");
	log_info("allocated %zu of %s to pod %s", c->n_ids, c->resource, c->pod);
	kctl_answer(c, doc);
	free(doc);
}

static void prestart_done(void *data, int status, const char *message, const ProtobufCMessage *resp)
{
	struct ctlconn *c = data;
	char err[300];
	if (status != GRPC_STATUS_OK)
		return kctl_error(c, "PreStartContainer failed: %s",
				  kserver_rpc_error(err, sizeof(err), status, message));
	alloc_record(c);
}

static void allocate_done(void *data, int status, const char *message, const ProtobufCMessage *resp)
{
	struct ctlconn *c = data;
	char err[300];
	if (status != GRPC_STATUS_OK)
		return kctl_error(c, "Allocate failed: %s",
				  kserver_rpc_error(err, sizeof(err), status, message));
	const V1beta1__AllocateResponse *r = (const V1beta1__AllocateResponse *)resp;
	if (r->n_container_responses != 1)
		return kctl_error(c, "Allocate: the plugin answered %zu container responses for 1 container",
				  r->n_container_responses);
	if (response_json(r->container_responses[0], &c->response) < 0)
		return kctl_error(c, "out of memory");
	if (c->p->prestart && !c->p->dead && c->p->ch) {
		V1beta1__PreStartContainerRequest req = V1BETA1__PRE_START_CONTAINER_REQUEST__INIT;
		req.n_devices_ids = c->n_ids;
		req.devices_ids = c->ids;
		int e = grpc_call_unary(c->p->ch, DPAPI_PRE_START, &req.base,
					&v1beta1__pre_start_container_response__descriptor, CALL_TIMEOUT_MS,
					prestart_done, c);
		if (e < 0)
			kctl_error(c, "PreStartContainer: %s", strerror(-e));
		return;
	}
	alloc_record(c);
}

/* Allocate the chosen IDs (c->ids). */
static void allocate_call(struct ctlconn *c)
{
	if (c->p->dead || !c->p->ch)
		return kctl_error(c, "the device plugin for %s went away", c->resource);
	V1beta1__ContainerAllocateRequest creq = V1BETA1__CONTAINER_ALLOCATE_REQUEST__INIT;
	V1beta1__ContainerAllocateRequest *creqs[1] = { &creq };
	V1beta1__AllocateRequest req = V1BETA1__ALLOCATE_REQUEST__INIT;
	creq.n_devices_ids = c->n_ids;
	creq.devices_ids = c->ids;
	req.n_container_requests = 1;
	req.container_requests = creqs;
	int r = grpc_call_unary(c->p->ch, DPAPI_ALLOCATE, &req.base, &v1beta1__allocate_response__descriptor,
				CALL_TIMEOUT_MS, allocate_done, c);
	if (r < 0)
		kctl_error(c, "Allocate: %s", strerror(-r));
}

/* Picks c->count IDs (the plugin's preference first) into c->ids. */
static int choose(struct ctlconn *c, const char *const *pref, size_t n_pref)
{
	const char **avail;
	int n = kstate_available(&c->srv->st, kstate_find(&c->srv->st, c->resource), &avail);
	if (n < 0)
		return n;
	const char **pick = calloc(c->count, sizeof(*pick));
	c->ids = calloc(c->count, sizeof(char *));
	int r = pick && c->ids ? kstate_pick(avail, (size_t)n, pref, n_pref, c->count, pick) : -ENOMEM;
	for (size_t i = 0; r == 0 && i < c->count; i++) {
		if (!(c->ids[i] = strdup(pick[i])))
			r = -ENOMEM;
		else
			c->n_ids++;
	}
	free(pick);
	free(avail);
	return r;
}

static void preferred_done(void *data, int status, const char *message, const ProtobufCMessage *resp)
{
	struct ctlconn *c = data;
	char err[300];
	if (status != GRPC_STATUS_OK)
		return kctl_error(c, "GetPreferredAllocation failed: %s",
				  kserver_rpc_error(err, sizeof(err), status, message));
	const V1beta1__PreferredAllocationResponse *r = (const V1beta1__PreferredAllocationResponse *)resp;
	const char *const *pref = NULL;
	size_t n = 0;
	if (r->n_container_responses > 0) {
		pref = (const char *const *)r->container_responses[0]->deviceids;
		n = r->container_responses[0]->n_deviceids;
	}
	/* the state may have changed while we waited */
	if (choose(c, pref, n) < 0)
		return kctl_error(c, "requested number of devices unavailable for %s. Requested: %zu",
				  c->resource, c->count);
	allocate_call(c);
}

void kctl_allocate(struct ctlconn *c, const struct json_doc *d)
{
	struct kserver *s = c->srv;
	long long count = 0;
	int res = json_obj_get(d, 0, "resource"), cnt = json_obj_get(d, 0, "count"),
	    pod = json_obj_get(d, 0, "pod");
	if (res < 0 || cnt < 0 || !(c->resource = json_strdup(d, res)) || json_int(d, cnt, &count) < 0 ||
	    count < 1 || count > 4096)
		return kctl_error(c, "bad allocate request");
	c->count = (size_t)count;
	if (pod >= 0 && !json_is_null(d, pod))
		c->pod = json_strdup(d, pod);
	else if (asprintf(&c->pod, "pod-%u", ++s->pod_seq) < 0)
		c->pod = NULL;
	if (!c->pod)
		return kctl_error(c, "bad pod name");
	for (size_t i = 0; i < s->st.n_allocs; i++)
		if (strcmp(s->st.allocs[i].pod, c->pod) == 0 &&
		    strcmp(s->st.allocs[i].resource, c->resource) == 0)
			return kctl_error(c, "pod %s already has %s allocated", c->pod, c->resource);
	struct kresource *r = kstate_find(&s->st, c->resource);
	if (!r)
		return kctl_error(c, "unknown resource %s (no device plugin registered it)", c->resource);
	const char **avail;
	int n = kstate_available(&s->st, r, &avail);
	if (n < 0)
		return kctl_error(c, "out of memory");
	if ((size_t)n < c->count) {
		free(avail);
		/* kubelet's admission error */
		return kctl_error(
		    c, "requested number of devices unavailable for %s. Requested: %zu, Available: %d",
		    c->resource, c->count, n);
	}
	c->p = kplugin_active(s, c->resource);
	if (!c->p) {
		free(avail);
		return kctl_error(c, "no device plugin is connected for %s", c->resource);
	}
	if (c->p->preferred) {
		V1beta1__ContainerPreferredAllocationRequest creq =
		    V1BETA1__CONTAINER_PREFERRED_ALLOCATION_REQUEST__INIT;
		V1beta1__ContainerPreferredAllocationRequest *creqs[1] = { &creq };
		V1beta1__PreferredAllocationRequest req = V1BETA1__PREFERRED_ALLOCATION_REQUEST__INIT;
		creq.n_available_deviceids = (size_t)n;
		creq.available_deviceids = (char **)avail;
		creq.allocation_size = (int32_t)c->count;
		req.n_container_requests = 1;
		req.container_requests = creqs;
		int e = grpc_call_unary(c->p->ch, DPAPI_GET_PREFERRED, &req.base,
					&v1beta1__preferred_allocation_response__descriptor, CALL_TIMEOUT_MS,
					preferred_done, c);
		free(avail);
		if (e < 0)
			kctl_error(c, "GetPreferredAllocation: %s", strerror(-e));
		return;
	}
	free(avail);
	if (choose(c, NULL, 0) < 0)
		return kctl_error(c, "out of memory");
	allocate_call(c);
}
