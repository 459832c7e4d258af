// SPDX-License-Identifier: GPL-2.0-or-later
/* kubelet's Registration service and its device-plugin clients: a
 * Register call is answered once the plugin was dialled and its
 * GetDevicePluginOptions returned; then ListAndWatch keeps the resource's
 * devices, and a stream that ends marks them all Unhealthy. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dpapi.h"
#include "kserver.h"
#include "log.h"

#define OPTIONS_TIMEOUT_MS 10000 /* kubelet's connection timeout */
/* Registrations: plugins pending or active, and resources known (kubelet
 * itself has no limit; a stub that grows without one is a test's risk). */
#define KSTUB_MAX_PLUGINS 64
#define KSTUB_MAX_PENDING_PER_ENDPOINT 4
#define KSTUB_MAX_RESOURCES 128

/* --- plugins -------------------------------------------------------------------- */

static void plugin_free_cb(struct evloop *loop, void *data)
{
	struct kplugin *p = data;
	free(p->resource);
	free(p->endpoint);
	free(p);
}

/* Drops a plugin without side effects on the state.  Its channel's
 * callbacks may still run during the close (they see p->dead); the
 * memory goes on the next loop iteration, after any on_close. */
void kplugin_drop(struct kplugin *p)
{
	if (p->dead)
		return;
	p->dead = true;
	for (struct kplugin **pp = &p->srv->plugins; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	if (p->reg_call) {
		grpc_call_finish(p->reg_call, GRPC_STATUS_UNAVAILABLE, "kubelet is shutting down");
		p->reg_call = NULL;
	}
	if (p->ch) {
		struct grpc_channel *ch = p->ch;
		p->ch = NULL;
		p->law = NULL;
		grpc_channel_close(ch);
	}
	evloop_add_timer(p->srv->loop, 0, plugin_free_cb, p);
}

static void plugin_channel_closed(struct grpc_channel *ch, int err, void *data)
{
	struct kplugin *p = data;
	p->ch = NULL;
	p->law = NULL;
}

static void law_message(void *data, const ProtobufCMessage *msg)
{
	struct kplugin *p = data;
	if (p->dead)
		return;
	const V1beta1__ListAndWatchResponse *r = (const V1beta1__ListAndWatchResponse *)msg;
	struct kresource *res = kstate_get(&p->srv->st, p->resource);
	struct kdevice *devs = calloc(r->n_devices ? r->n_devices : 1, sizeof(*devs));
	if (!res || !devs) {
		free(devs);
		log_error("out of memory");
		return;
	}
	for (size_t i = 0; i < r->n_devices; i++) {
		const V1beta1__Device *d = r->devices[i];
		devs[i].id = d->id;
		devs[i].healthy = strcmp(d->health, DPAPI_HEALTHY) == 0;
		devs[i].numa = d->topology && d->topology->n_nodes ? (int)d->topology->nodes[0]->id : -1;
	}
	if (kstate_set_devices(res, devs, r->n_devices) < 0)
		log_error("out of memory");
	free(devs);
	log_info("%s: %zu devices, %zu healthy", p->resource, kresource_capacity(res),
		 kresource_allocatable(res));
}

static void law_done(void *data, int status, const char *message)
{
	struct kplugin *p = data;
	if (p->dead)
		return;
	p->law = NULL;
	/* kubelet: the endpoint stopped; all its devices become unhealthy
	 * and it waits for the plugin to register again */
	struct kresource *res = kstate_find(&p->srv->st, p->resource);
	if (res) {
		kstate_all_unhealthy(res);
		res->connected = false;
	}
	log_warning("%s: ListAndWatch ended (%s: %s); devices marked unhealthy", p->resource,
		    grpc_status_name(status), message);
	kplugin_drop(p);
}

/* The registration succeeded: p replaces any plugin of its resource. */
static void plugin_activate(struct kplugin *p)
{
	struct kserver *s = p->srv;
	for (struct kplugin *o = s->plugins, *next; o; o = next) {
		next = o->next;
		if (o != p && o->active && strcmp(o->resource, p->resource) == 0) {
			log_info("%s: replacing the plugin at %s", o->resource, o->endpoint);
			kplugin_drop(o);
		}
	}
	p->active = true;
	struct kresource *res = kstate_get(&s->st, p->resource);
	char *ep = strdup(p->endpoint);
	if (!res || !ep) {
		free(ep);
		log_error("out of memory");
		kplugin_drop(p);
		return;
	}
	free(res->endpoint);
	res->endpoint = ep;
	V1beta1__Empty empty = V1BETA1__EMPTY__INIT;
	int r = grpc_call_stream(p->ch, DPAPI_LIST_AND_WATCH, &empty.base,
				 &v1beta1__list_and_watch_response__descriptor, 0, law_message, law_done, p,
				 &p->law);
	if (r < 0) {
		kstate_all_unhealthy(res);
		log_error_errno(r, "%s: cannot start ListAndWatch: %m", p->resource);
		kplugin_drop(p);
		return;
	}
	res->connected = true;
	kserver_save_checkpoint(s);
}

static void reg_fail(struct kplugin *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void reg_fail(struct kplugin *p, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warning("Register %s: %s", p->resource, msg);
	if (p->reg_call)
		grpc_call_finish(p->reg_call, GRPC_STATUS_UNKNOWN, msg);
	p->reg_call = NULL;
	kplugin_drop(p);
}

static void options_done(void *data, int status, const char *message, const ProtobufCMessage *resp)
{
	struct kplugin *p = data;
	if (p->dead)
		return;
	if (status != GRPC_STATUS_OK) {
		char err[300];
		reg_fail(p, "failed to get device plugin options: %s",
			 kserver_rpc_error(err, sizeof(err), status, message));
		return;
	}
	const V1beta1__DevicePluginOptions *o = (const V1beta1__DevicePluginOptions *)resp;
	p->preferred = o->get_preferred_allocation_available;
	p->prestart = o->pre_start_required;
	V1beta1__Empty empty = V1BETA1__EMPTY__INIT;
	grpc_call_reply(p->reg_call, &empty.base);
	p->reg_call = NULL;
	log_info("registered %s at %s (preferred allocation %s)", p->resource, p->endpoint,
		 p->preferred ? "yes" : "no");
	plugin_activate(p);
}

static void reg_cancelled(struct grpc_call *call, void *data)
{
	struct kplugin *p = data;
	p->reg_call = NULL; /* freed when we return */
	kplugin_drop(p);
}

static void on_register(struct grpc_call *call, const ProtobufCMessage *m, void *data)
{
	struct kserver *s = data;
	const V1beta1__RegisterRequest *req = (const V1beta1__RegisterRequest *)m;
	char msg[600];
	log_info("Got registration request from device plugin with resource %.200s", req->resource_name);
	size_t n_plugins = 0, n_pending_here = 0;
	for (struct kplugin *o = s->plugins; o; o = o->next) {
		n_plugins++;
		n_pending_here += !o->active && strcmp(o->endpoint, req->endpoint) == 0;
	}
	if (n_plugins >= KSTUB_MAX_PLUGINS || n_pending_here >= KSTUB_MAX_PENDING_PER_ENDPOINT ||
	    (!kstate_find(&s->st, req->resource_name) && s->st.n_res >= KSTUB_MAX_RESOURCES)) {
		snprintf(msg, sizeof(msg),
			 "too many registrations (%zu plugins, %zu pending at this endpoint, %zu resources; "
			 "limits "
			 "%d, %d, %d)",
			 n_plugins, n_pending_here, s->st.n_res, KSTUB_MAX_PLUGINS,
			 KSTUB_MAX_PENDING_PER_ENDPOINT, KSTUB_MAX_RESOURCES);
		log_warning("Register %.200s refused: %s", req->resource_name, msg);
		grpc_call_finish(call, GRPC_STATUS_RESOURCE_EXHAUSTED, msg);
		return;
	}
	if (strcmp(req->version, DPAPI_VERSION) != 0) {
		snprintf(msg, sizeof(msg),
			 "requested API version \"%.100s\" is not supported by kubelet. Supported version is "
			 "[\"%s\"]",
			 req->version, DPAPI_VERSION);
		grpc_call_finish(call, GRPC_STATUS_UNKNOWN, msg);
		return;
	}
	if (kstub_check_resource_name(req->resource_name) < 0) {
		snprintf(msg, sizeof(msg), "the ResourceName \"%.300s\" is invalid", req->resource_name);
		grpc_call_finish(call, GRPC_STATUS_UNKNOWN, msg);
		return;
	}
	if (kstub_check_endpoint(req->endpoint) < 0) {
		snprintf(msg, sizeof(msg), "invalid name of device plugin socket: \"%.300s\"", req->endpoint);
		grpc_call_finish(call, GRPC_STATUS_UNKNOWN, msg);
		return;
	}
	struct kplugin *p = calloc(1, sizeof(*p));
	if (!p || !(p->resource = strdup(req->resource_name)) || !(p->endpoint = strdup(req->endpoint))) {
		if (p)
			free(p->resource);
		free(p);
		grpc_call_finish(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	p->srv = s;
	p->reg_call = call;
	p->next = s->plugins;
	s->plugins = p;
	grpc_call_on_cancel(call, reg_cancelled, p);
	int r = grpc_channel_dial(s->loop, s->plugdir, p->endpoint, NULL, plugin_channel_closed, p, &p->ch);
	if (r < 0) {
		p->ch = NULL;
		reg_fail(p, "failed to dial device plugin: %s: %s", p->endpoint, strerror(-r));
		return;
	}
	V1beta1__Empty empty = V1BETA1__EMPTY__INIT;
	r = grpc_call_unary(p->ch, DPAPI_GET_OPTIONS, &empty.base,
			    &v1beta1__device_plugin_options__descriptor, OPTIONS_TIMEOUT_MS, options_done, p);
	if (r < 0)
		reg_fail(p, "failed to get device plugin options: %s", strerror(-r));
}

const struct grpc_method kserver_registration_methods[KSERVER_REGISTRATION_METHODS] = {
	{ DPAPI_REGISTER, &v1beta1__register_request__descriptor, on_register, NULL },
};

struct kplugin *kplugin_active(struct kserver *s, const char *resource)
{
	for (struct kplugin *p = s->plugins; p; p = p->next)
		if (p->active && !p->dead && strcmp(p->resource, resource) == 0)
			return p;
	return NULL;
}
