// SPDX-License-Identifier: GPL-2.0-or-later
/* `kubelet-stub serve`: kubelet's device manager on one event loop.
 *
 * The Registration service listens on kubelet.sock in the plugin dir.  A
 * Register call is answered only after the plugin was dialled and its
 * GetDevicePluginOptions returned (all non-blocking: a single-threaded
 * plugin is serving that call while its own Register is pending).  Then
 * ListAndWatch keeps the resource's device list; a stream that ends marks
 * every device Unhealthy and is never redialled.  The other subcommands
 * talk to this process over run/kubelet-stub/control.sock: one JSON
 * request, one JSON answer per connection. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "dpapi.h"
#include "grpc_client.h"
#include "grpc_server.h"
#include "json.h"
#include "jsonw.h"
#include "kstub.h"
#include "log.h"
#include "rootfs.h"
#include "rootfs_sock.h"

#define OPTIONS_TIMEOUT_MS 10000 /* kubelet's connection timeout */
#define CALL_TIMEOUT_MS 10000
#define CTL_MAX_REQUEST 65536
/* Control clients: at most this many at once (more are told so and
 * closed); one must send its request, and read its answer, within
 * CTL_IO_TIMEOUT_MS; answers wait in per-client buffers, at most
 * CTL_MAX_ANSWER each and CTL_MAX_OUT in all (beyond: a short error). */
#define CTL_MAX_CONNS 64
#define CTL_IO_TIMEOUT_MS 10000
#define CTL_MAX_ANSWER (16u << 20)
#define CTL_MAX_OUT (256u << 20)
#define CTL_ACCEPT_RETRY_MS 250
/* Registrations: plugins pending or active, and resources known (kubelet
 * itself has no limit; a stub that grows without one is a test's risk). */
#define KSTUB_MAX_PLUGINS 64
#define KSTUB_MAX_PENDING_PER_ENDPOINT 4
#define KSTUB_MAX_RESOURCES 128

struct kserver;

/* One plugin connection: a pending registration, then the active plugin
 * of its resource. */
struct kplugin {
	struct kplugin *next;
	struct kserver *srv;
	char *resource, *endpoint;
	struct grpc_channel *ch;
	struct grpc_client_call *law;
	struct grpc_call *reg_call; /* the Register call still to answer */
	bool active, dead;
	bool preferred, prestart;
};

/* One control connection; an allocation in progress keeps it. */
struct ctlconn {
	struct ctlconn *next;
	struct kserver *srv;
	int fd;
	char *buf;
	size_t len;
	char *out; /* the answer still to send */
	size_t out_len, out_off;
	int64_t timer; /* CTL_IO_TIMEOUT_MS while reading the request or writing the answer */
	/* allocate */
	struct kplugin *p;
	char *resource, *pod;
	size_t count;
	char **ids;
	size_t n_ids;
	char *response;
};

struct kserver {
	struct evloop *loop;
	int rootfd, plugdir, rundir, sigfd, ctl_fd;
	struct grpc_server *reg;
	struct kstate st;
	struct kplugin *plugins;
	struct ctlconn *ctls;
	unsigned n_ctls;
	size_t ctl_out; /* bytes in every ctlconn's out */
	bool ctl_paused;
	int64_t ctl_resume_timer;
	unsigned pod_seq;
	int exit_code;
};

/* --- plugin dir ---------------------------------------------------------------- */

/* Removes every unix socket in the plugin dir (what kubelet does when it
 * starts: plugins see their socket vanish and register again). */
static void remove_sockets(struct kserver *s)
{
	DIR *d = rootfs_opendir(s->plugdir, ".");
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		struct stat st;
		if (rootfs_stat(s->plugdir, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISSOCK(st.st_mode)) {
			if (rootfs_unlink(s->plugdir, de->d_name) == 0)
				log_debug("removed socket %s", de->d_name);
		}
	}
	closedir(d);
}

static int save_checkpoint(struct kserver *s)
{
	char *doc;
	int r = kstate_checkpoint(&s->st, &doc);
	if (r < 0)
		return log_error_errno(r, "Failed to build the checkpoint: %m");
	r = rootfs_write_atomic(s->plugdir, KSTUB_CHECKPOINT, doc, strlen(doc), 0600);
	free(doc);
	if (r < 0)
		return log_error_errno(r, "Failed to write the checkpoint: %m");
	return 0;
}

static int load_checkpoint(struct kserver *s)
{
	char *doc;
	size_t len;
	int r = rootfs_read_file(s->plugdir, KSTUB_CHECKPOINT, &doc, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return log_error_errno(r, "Failed to read the checkpoint: %m");
	r = kstate_restore(&s->st, doc, len);
	free(doc);
	if (r < 0) /* kubelet starts empty on a corrupt checkpoint too */
		log_warning_errno(r, "Ignoring a bad checkpoint: %m");
	else
		log_info("checkpoint: %zu resources, %zu allocations", s->st.n_res, s->st.n_allocs);
	return 0;
}

/* A failed call as kubelet's Go gRPC prints it ("rpc error: code =
 * Internal desc = ..."): kubelet wraps these texts into its own errors. */
static const char *rpc_error(char *buf, size_t size, int status, const char *message)
{
	static const char *const go_names[] = {
		"OK",	    "Canceled",	       "Unknown",	   "InvalidArgument",	"DeadlineExceeded",
		"NotFound", "AlreadyExists",   "PermissionDenied", "ResourceExhausted", "FailedPrecondition",
		"Aborted",  "OutOfRange",      "Unimplemented",	   "Internal",		"Unavailable",
		"DataLoss", "Unauthenticated",
	};
	const char *name = status >= 0 && (size_t)status < sizeof(go_names) / sizeof(*go_names)
			       ? go_names[status]
			       : "Unknown";
	snprintf(buf, size, "rpc error: code = %s desc = %s", name, message);
	return buf;
}

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
static void plugin_drop(struct kplugin *p)
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
	plugin_drop(p);
}

/* The registration succeeded: p replaces any plugin of its resource. */
static void plugin_activate(struct kplugin *p)
{
	struct kserver *s = p->srv;
	for (struct kplugin *o = s->plugins, *next; o; o = next) {
		next = o->next;
		if (o != p && o->active && strcmp(o->resource, p->resource) == 0) {
			log_info("%s: replacing the plugin at %s", o->resource, o->endpoint);
			plugin_drop(o);
		}
	}
	p->active = true;
	struct kresource *res = kstate_get(&s->st, p->resource);
	char *ep = strdup(p->endpoint);
	if (!res || !ep) {
		free(ep);
		log_error("out of memory");
		plugin_drop(p);
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
		plugin_drop(p);
		return;
	}
	res->connected = true;
	save_checkpoint(s);
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
	plugin_drop(p);
}

static void options_done(void *data, int status, const char *message, const ProtobufCMessage *resp)
{
	struct kplugin *p = data;
	if (p->dead)
		return;
	if (status != GRPC_STATUS_OK) {
		char err[300];
		reg_fail(p, "failed to get device plugin options: %s",
			 rpc_error(err, sizeof(err), status, message));
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
	plugin_drop(p);
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

static const struct grpc_method registration_methods[] = {
	{ DPAPI_REGISTER, &v1beta1__register_request__descriptor, on_register, NULL },
};

static struct kplugin *active_plugin(struct kserver *s, const char *resource)
{
	for (struct kplugin *p = s->plugins; p; p = p->next)
		if (p->active && !p->dead && strcmp(p->resource, resource) == 0)
			return p;
	return NULL;
}

/* --- control connections -------------------------------------------------------- */

static void ctl_resume(struct kserver *s)
{
	if (!s->ctl_paused)
		return;
	s->ctl_paused = false;
	if (s->ctl_resume_timer > 0)
		evloop_del_timer(s->loop, s->ctl_resume_timer);
	s->ctl_resume_timer = 0;
	if (s->ctl_fd >= 0)
		evloop_mod_fd(s->loop, s->ctl_fd, EV_READ);
}

static void ctl_free(struct ctlconn *c)
{
	struct kserver *s = c->srv;
	for (struct ctlconn **pp = &s->ctls; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	s->n_ctls--;
	if (c->timer > 0)
		evloop_del_timer(s->loop, c->timer);
	if (c->fd >= 0) {
		evloop_del_fd(s->loop, c->fd);
		close(c->fd);
		ctl_resume(s); /* an fd is free */
	}
	if (c->out)
		s->ctl_out -= c->out_len;
	free(c->out);
	free(c->buf);
	free(c->resource);
	free(c->pod);
	for (size_t i = 0; i < c->n_ids; i++)
		free(c->ids[i]);
	free(c->ids);
	free(c->response);
	free(c);
}

static void ctl_timeout(struct evloop *loop, void *data)
{
	struct ctlconn *c = data;
	c->timer = 0;
	log_debug("control client on fd %d: no request or not reading its answer for %d ms: dropped", c->fd,
		  CTL_IO_TIMEOUT_MS);
	ctl_free(c);
}

static void ctl_set_timer(struct ctlconn *c, bool on)
{
	if (c->timer > 0)
		evloop_del_timer(c->srv->loop, c->timer);
	c->timer = 0;
	if (on) {
		int64_t t = evloop_add_timer(c->srv->loop, CTL_IO_TIMEOUT_MS, ctl_timeout, c);
		c->timer = t > 0 ? t : 0;
	}
}

/* Sends what the socket takes; frees the client when all is out or it is
 * gone.  Never blocks: a client that does not read costs its buffer, until
 * its timer drops it. */
static void ctl_flush(struct ctlconn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n =
		    send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0)
			break;
		c->out_off += (size_t)n;
	}
	ctl_free(c);
}

static void ctl_writable(struct evloop *loop, int fd, unsigned events, void *data)
{
	ctl_flush(data);
}

/* Queues the answer and ends the client once it is out. */
static void ctl_answer(struct ctlconn *c, const char *doc)
{
	struct kserver *s = c->srv;
	size_t len = strlen(doc);
	static const char busy[] = "{\"error\": \"answer too large or too many answers waiting to be read\"}";
	if (len > CTL_MAX_ANSWER || s->ctl_out + len > CTL_MAX_OUT) {
		log_warning("control: %zu-byte answer refused (%zu bytes waiting in all)", len, s->ctl_out);
		doc = busy;
		len = sizeof(busy) - 1;
	}
	c->out = malloc(len);
	if (!c->out) {
		ctl_free(c);
		return;
	}
	memcpy(c->out, doc, len);
	c->out_len = len;
	s->ctl_out += len;
	ctl_set_timer(c, true);
	/* the request was read to its end: the fd is off the loop */
	if (evloop_add_fd(s->loop, c->fd, EV_WRITE, ctl_writable, c) < 0) {
		ctl_free(c);
		return;
	}
	ctl_flush(c);
}

static void ctl_error(struct ctlconn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ctl_error(struct ctlconn *c, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	struct jsonw w;
	char *doc;
	jsonw_init(&w, false);
	jsonw_obj_open(&w);
	jsonw_kstr(&w, "error", msg);
	jsonw_obj_close(&w);
	if (jsonw_finish(&w, &doc, NULL) == 0) {
		ctl_answer(c, doc);
		free(doc);
	} else {
		ctl_free(c);
	}
}

static void ctl_status(struct ctlconn *c)
{
	struct jsonw w;
	char *doc;
	jsonw_init(&w, true);
	kstate_status_json(&c->srv->st, &w);
	if (jsonw_finish(&w, &doc, NULL) < 0)
		return ctl_error(c, "out of memory");
	ctl_answer(c, doc);
	free(doc);
}

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
		return ctl_error(c, "out of memory");
	save_checkpoint(s);
	struct jsonw w;
	char *doc;
	jsonw_init(&w, true);
	kalloc_json(&s->st.allocs[s->st.n_allocs - 1], &w);
	if (jsonw_finish(&w, &doc, NULL) < 0)
		return ctl_error(c, "out of memory");
	log_info("allocated %zu of %s to pod %s", c->n_ids, c->resource, c->pod);
	ctl_answer(c, doc);
	free(doc);
}

static void prestart_done(void *data, int status, const char *message, const ProtobufCMessage *resp)
{
	struct ctlconn *c = data;
	char err[300];
	if (status != GRPC_STATUS_OK)
		return ctl_error(c, "PreStartContainer failed: %s",
				 rpc_error(err, sizeof(err), status, message));
	alloc_record(c);
}

static void allocate_done(void *data, int status, const char *message, const ProtobufCMessage *resp)
{
	struct ctlconn *c = data;
	char err[300];
	if (status != GRPC_STATUS_OK)
		return ctl_error(c, "Allocate failed: %s", rpc_error(err, sizeof(err), status, message));
	const V1beta1__AllocateResponse *r = (const V1beta1__AllocateResponse *)resp;
	if (r->n_container_responses != 1)
		return ctl_error(c, "Allocate: the plugin answered %zu container responses for 1 container",
				 r->n_container_responses);
	if (response_json(r->container_responses[0], &c->response) < 0)
		return ctl_error(c, "out of memory");
	if (c->p->prestart && !c->p->dead && c->p->ch) {
		V1beta1__PreStartContainerRequest req = V1BETA1__PRE_START_CONTAINER_REQUEST__INIT;
		req.n_devices_ids = c->n_ids;
		req.devices_ids = c->ids;
		int e = grpc_call_unary(c->p->ch, DPAPI_PRE_START, &req.base,
					&v1beta1__pre_start_container_response__descriptor, CALL_TIMEOUT_MS,
					prestart_done, c);
		if (e < 0)
			ctl_error(c, "PreStartContainer: %s", strerror(-e));
		return;
	}
	alloc_record(c);
}

/* Allocate the chosen IDs (c->ids). */
static void allocate_call(struct ctlconn *c)
{
	if (c->p->dead || !c->p->ch)
		return ctl_error(c, "the device plugin for %s went away", c->resource);
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
		ctl_error(c, "Allocate: %s", strerror(-r));
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
		return ctl_error(c, "GetPreferredAllocation failed: %s",
				 rpc_error(err, sizeof(err), status, message));
	const V1beta1__PreferredAllocationResponse *r = (const V1beta1__PreferredAllocationResponse *)resp;
	const char *const *pref = NULL;
	size_t n = 0;
	if (r->n_container_responses > 0) {
		pref = (const char *const *)r->container_responses[0]->deviceids;
		n = r->container_responses[0]->n_deviceids;
	}
	/* the state may have changed while we waited */
	if (choose(c, pref, n) < 0)
		return ctl_error(c, "requested number of devices unavailable for %s. Requested: %zu",
				 c->resource, c->count);
	allocate_call(c);
}

static void ctl_allocate(struct ctlconn *c, const struct json_doc *d)
{
	struct kserver *s = c->srv;
	long long count = 0;
	int res = json_obj_get(d, 0, "resource"), cnt = json_obj_get(d, 0, "count"),
	    pod = json_obj_get(d, 0, "pod");
	if (res < 0 || cnt < 0 || !(c->resource = json_strdup(d, res)) || json_int(d, cnt, &count) < 0 ||
	    count < 1 || count > 4096)
		return ctl_error(c, "bad allocate request");
	c->count = (size_t)count;
	if (pod >= 0 && !json_is_null(d, pod))
		c->pod = json_strdup(d, pod);
	else if (asprintf(&c->pod, "pod-%u", ++s->pod_seq) < 0)
		c->pod = NULL;
	if (!c->pod)
		return ctl_error(c, "bad pod name");
	for (size_t i = 0; i < s->st.n_allocs; i++)
		if (strcmp(s->st.allocs[i].pod, c->pod) == 0 &&
		    strcmp(s->st.allocs[i].resource, c->resource) == 0)
			return ctl_error(c, "pod %s already has %s allocated", c->pod, c->resource);
	struct kresource *r = kstate_find(&s->st, c->resource);
	if (!r)
		return ctl_error(c, "unknown resource %s (no device plugin registered it)", c->resource);
	const char **avail;
	int n = kstate_available(&s->st, r, &avail);
	if (n < 0)
		return ctl_error(c, "out of memory");
	if ((size_t)n < c->count) {
		free(avail);
		/* kubelet's admission error */
		return ctl_error(
		    c, "requested number of devices unavailable for %s. Requested: %zu, Available: %d",
		    c->resource, c->count, n);
	}
	c->p = active_plugin(s, c->resource);
	if (!c->p) {
		free(avail);
		return ctl_error(c, "no device plugin is connected for %s", c->resource);
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
			ctl_error(c, "GetPreferredAllocation: %s", strerror(-e));
		return;
	}
	free(avail);
	if (choose(c, NULL, 0) < 0)
		return ctl_error(c, "out of memory");
	allocate_call(c);
}

static int serve_registration(struct kserver *s);

/* A kubelet restart: streams dropped, sockets gone, kubelet.sock anew,
 * state from the checkpoint. */
static void ctl_restart(struct ctlconn *c)
{
	struct kserver *s = c->srv;
	while (s->plugins)
		plugin_drop(s->plugins);
	grpc_server_shutdown(s->reg);
	remove_sockets(s);
	kstate_free(&s->st);
	load_checkpoint(s);
	if (serve_registration(s) < 0)
		return ctl_error(c, "cannot listen on %s again", DPAPI_KUBELET_SOCKET);
	log_info("restarted");
	ctl_answer(c, "{\"restarted\": true}");
}

static void ctl_dispatch(struct ctlconn *c)
{
	struct json_doc d;
	if (json_parse(&d, c->buf, c->len) < 0 || !json_is(&d, 0, JSMN_OBJECT)) {
		ctl_error(c, "bad request");
		return;
	}
	int cmd = json_obj_get(&d, 0, "cmd");
	if (cmd >= 0 && json_eq(&d, cmd, "status"))
		ctl_status(c);
	else if (cmd >= 0 && json_eq(&d, cmd, "allocate"))
		ctl_allocate(c, &d);
	else if (cmd >= 0 && json_eq(&d, cmd, "restart"))
		ctl_restart(c);
	else
		ctl_error(c, "unknown command");
	json_free(&d);
}

static void ctl_readable(struct evloop *loop, int fd, unsigned events, void *data)
{
	struct ctlconn *c = data;
	char tmp[4096];
	ssize_t n = read(fd, tmp, sizeof(tmp));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0 || c->len + (size_t)n > CTL_MAX_REQUEST) {
		ctl_free(c);
		return;
	}
	if (n > 0) {
		char *b = realloc(c->buf, c->len + (size_t)n + 1);
		if (!b) {
			ctl_free(c);
			return;
		}
		c->buf = b;
		memcpy(c->buf + c->len, tmp, (size_t)n);
		c->len += (size_t)n;
		c->buf[c->len] = '\0';
		return;
	}
	/* EOF: the request is complete; stop reading, answer (maybe later) */
	evloop_del_fd(loop, fd);
	ctl_set_timer(c, false); /* an allocation is bounded by the plugin calls' deadlines */
	if (!c->buf) {
		ctl_free(c);
		return;
	}
	ctl_dispatch(c);
}

static void ctl_resume_fired(struct evloop *loop, void *data)
{
	struct kserver *s = data;
	s->ctl_resume_timer = 0;
	ctl_resume(s);
}

static void ctl_accept(struct evloop *loop, int fd, unsigned events, void *data)
{
	struct kserver *s = data;
	int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0) {
		if ((errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) &&
		    !s->ctl_paused) {
			/* level-triggered: polling on would spin until an fd is free */
			log_warning_errno(-errno,
					  "control socket: accept: %m: retrying when a client is done");
			s->ctl_paused = true;
			evloop_mod_fd(loop, fd, 0);
			int64_t t = evloop_add_timer(loop, CTL_ACCEPT_RETRY_MS, ctl_resume_fired, s);
			s->ctl_resume_timer = t > 0 ? t : 0;
		}
		return;
	}
	if (s->n_ctls >= CTL_MAX_CONNS) {
		static const char msg[] = "{\"error\": \"too many control clients\"}";
		if (send(cfd, msg, sizeof(msg) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			log_debug_errno(errno, "control: %m");
		close(cfd);
		return;
	}
	struct ctlconn *c = calloc(1, sizeof(*c));
	if (!c || evloop_add_fd(loop, cfd, EV_READ, ctl_readable, c) < 0) {
		free(c);
		close(cfd);
		return;
	}
	c->srv = s;
	c->fd = cfd;
	c->next = s->ctls;
	s->ctls = c;
	s->n_ctls++;
	ctl_set_timer(c, true);
}

/* --- the process ---------------------------------------------------------------- */

static void on_signal(struct evloop *loop, int fd, unsigned events, void *data)
{
	struct signalfd_siginfo si;
	if (read(fd, &si, sizeof(si)) == sizeof(si)) {
		log_info("signal %u: stopping", si.ssi_signo);
		evloop_stop(loop);
	}
}

static int serve_registration(struct kserver *s)
{
	int r = grpc_server_listen(s->reg, s->plugdir, DPAPI_KUBELET_SOCKET);
	if (r < 0)
		return log_error_errno(r, "Failed to listen on %s/%s: %m", KSTUB_PLUGIN_DIR,
				       DPAPI_KUBELET_SOCKET);
	return 0;
}

static int setup(struct kserver *s)
{
	int r = rootfs_mkdir_p(s->rootfd, KSTUB_PLUGIN_DIR, 0755);
	if (r < 0 || (r = rootfs_mkdir_p(s->rootfd, KSTUB_RUN_DIR, 0755)) < 0)
		return log_error_errno(r, "Failed to create the plugin and run folders: %m");
	s->plugdir = rootfs_openat(s->rootfd, KSTUB_PLUGIN_DIR, O_RDONLY | O_DIRECTORY, 0);
	if (s->plugdir < 0)
		return log_error_errno(s->plugdir, "Failed to open %s: %m", KSTUB_PLUGIN_DIR);
	s->rundir = rootfs_openat(s->rootfd, KSTUB_RUN_DIR, O_RDONLY | O_DIRECTORY, 0);
	if (s->rundir < 0)
		return log_error_errno(s->rundir, "Failed to open %s: %m", KSTUB_RUN_DIR);
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	s->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s->sigfd < 0)
		return log_error_errno(-errno, "signalfd: %m");
	if ((r = evloop_new(&s->loop)) < 0 ||
	    (r = evloop_add_fd(s->loop, s->sigfd, EV_READ, on_signal, s)) < 0 ||
	    (r = grpc_server_new(s->loop, registration_methods, 1, s, &s->reg)) < 0)
		return log_error_errno(r, "Failed to set up the loop: %m");
	remove_sockets(s);
	if ((r = load_checkpoint(s)) < 0)
		return r;
	if ((r = serve_registration(s)) < 0)
		return r;
	/* last: once the control socket answers, kubelet.sock listens */
	s->ctl_fd = rootfs_sock_listen(s->rundir, KSTUB_CONTROL_SOCKET, 0600);
	if (s->ctl_fd < 0)
		return log_error_errno(s->ctl_fd, "Failed to listen on %s/%s: %m", KSTUB_RUN_DIR,
				       KSTUB_CONTROL_SOCKET);
	if ((r = evloop_add_fd(s->loop, s->ctl_fd, EV_READ, ctl_accept, s)) < 0)
		return log_error_errno(r, "evloop: %m");
	return 0;
}

static void teardown(struct kserver *s)
{
	while (s->plugins) /* pending allocations fail and answer */
		plugin_drop(s->plugins);
	while (s->ctls)
		ctl_free(s->ctls);
	if (s->reg) {
		grpc_server_shutdown(s->reg);
		for (int i = 0; i < 20 && grpc_server_connections(s->reg); i++)
			evloop_run_once(s->loop, 10);
		grpc_server_free(s->reg);
	}
	if (s->loop)
		evloop_run_once(s->loop, 0); /* deferred frees */
	if (s->plugdir >= 0)
		rootfs_unlink(s->plugdir, DPAPI_KUBELET_SOCKET);
	if (s->ctl_fd >= 0) {
		if (s->loop)
			evloop_del_fd(s->loop, s->ctl_fd);
		close(s->ctl_fd);
		rootfs_unlink(s->rundir, KSTUB_CONTROL_SOCKET);
	}
	if (s->sigfd >= 0) {
		if (s->loop)
			evloop_del_fd(s->loop, s->sigfd);
		close(s->sigfd);
	}
	if (s->loop)
		evloop_free(s->loop);
	kstate_free(&s->st);
	if (s->plugdir >= 0)
		close(s->plugdir);
	if (s->rundir >= 0)
		close(s->rundir);
}

int kstub_serve(int rootfd)
{
	struct kserver s = { .rootfd = rootfd, .plugdir = -1, .rundir = -1, .sigfd = -1, .ctl_fd = -1 };
	int r = setup(&s);
	if (r == 0) {
		log_info("serving %s/%s", KSTUB_PLUGIN_DIR, DPAPI_KUBELET_SOCKET);
		r = evloop_run(s.loop);
		if (r < 0)
			log_error_errno(r, "event loop: %m");
	}
	teardown(&s);
	return r;
}
