// SPDX-License-Identifier: GPL-2.0-or-later
/* The C side of the interop tests (tests/interop), against Python grpcio:
 *   grpc-peer serve DIR NAME          DevicePlugin server on DIR/NAME until
 *                                     SIGTERM; events on stdout
 *   grpc-peer register DIR NAME ENDPOINT RESOURCE [TIMEOUT_MS]
 *                                     Register call; prints "status N message"
 *   grpc-peer watch DIR NAME COUNT    ListAndWatch: prints "list N ids..." per
 *                                     message, cancels after COUNT messages
 *   grpc-peer options DIR NAME [TIMEOUT_MS] [PATH]
 *                                     a unary call with an Empty request
 * Exit 0 when the call ran (whatever its status), 1 on a local error. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "dpapi.h"
#include "grpc_client.h"
#include "grpc_server.h"

static struct evloop *loop;
static int exit_code;

/* --- server --------------------------------------------------------------- */

#define MAX_WATCH 16
static struct watch {
	struct grpc_call *call;
	int sent;
	int64_t timer;
} watches[MAX_WATCH];

static const char *const all_ids[] = { "0000:41:00.0", "0000:42:00.0", "0000:43:00.0", "0000:44:00.0",
				       "0000:45:00.0" };

static void send_list(struct watch *w)
{
	struct dpapi_device devs[5];
	int n = 2 + w->sent; /* 2, 3, 4, 5 devices */
	for (int i = 0; i < n; i++)
		devs[i] = (struct dpapi_device){ all_ids[i], i != 1, i < 2 ? 0 : 1 };
	V1beta1__ListAndWatchResponse *r;
	if (dpapi_device_list(devs, (size_t)n, &r) == 0) {
		grpc_call_send(w->call, &r->base);
		dpapi_free(r);
	}
	w->sent++;
}

static void watch_tick(struct evloop *l, void *data)
{
	struct watch *w = data;
	w->timer = 0;
	send_list(w);
	if (w->sent < 4)
		w->timer = evloop_add_timer(loop, 30, watch_tick, w);
}

static void watch_cancel(struct grpc_call *call, void *data)
{
	struct watch *w = data;
	if (w->timer > 0)
		evloop_del_timer(loop, w->timer);
	printf("watch-cancelled %d\n", (int)(w - watches));
	fflush(stdout);
	w->call = NULL;
}

static void h_law(struct grpc_call *call, const ProtobufCMessage *req, void *data)
{
	for (int i = 0; i < MAX_WATCH; i++)
		if (!watches[i].call) {
			struct watch *w = &watches[i];
			*w = (struct watch){ .call = call };
			grpc_call_on_cancel(call, watch_cancel, w);
			printf("watch-started %d authority=%s\n", i, grpc_call_authority(call));
			fflush(stdout);
			send_list(w);
			w->timer = evloop_add_timer(loop, 30, watch_tick, w);
			return;
		}
	grpc_call_finish(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "too many watchers");
}

static void h_options(struct grpc_call *call, const ProtobufCMessage *req, void *data)
{
	V1beta1__DevicePluginOptions o = V1BETA1__DEVICE_PLUGIN_OPTIONS__INIT;
	o.get_preferred_allocation_available = 1;
	grpc_call_reply(call, &o.base);
}

static bool known(const char *id)
{
	for (size_t i = 0; i < 5; i++)
		if (strcmp(all_ids[i], id) == 0)
			return true;
	return false;
}

static void h_allocate(struct grpc_call *call, const ProtobufCMessage *req, void *data)
{
	const V1beta1__AllocateRequest *r = (const V1beta1__AllocateRequest *)req;
	V1beta1__AllocateResponse *resp;
	if (dpapi_allocate_response(&resp) < 0) {
		grpc_call_finish(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "no memory");
		return;
	}
	for (size_t i = 0; i < r->n_container_requests; i++) {
		const V1beta1__ContainerAllocateRequest *c = r->container_requests[i];
		V1beta1__ContainerAllocateResponse *cr;
		char env[512] = "";
		if (dpapi_allocate_add_container(resp, &cr) < 0)
			goto fail;
		for (size_t k = 0; k < c->n_devices_ids; k++) {
			if (!known(c->devices_ids[k])) {
				char msg[128];
				snprintf(msg, sizeof(msg), "unknown device %.64s", c->devices_ids[k]);
				grpc_call_finish(call, GRPC_STATUS_INVALID_ARGUMENT, msg);
				dpapi_free(resp);
				return;
			}
			snprintf(env + strlen(env), sizeof(env) - strlen(env), "%s%s", k ? "," : "",
				 c->devices_ids[k]);
			char group[32];
			snprintf(group, sizeof(group), "/dev/vfio/%zu", 40 + k);
			if (dpapi_container_add_device(cr, group, group, "mrw") < 0)
				goto fail;
		}
		if (dpapi_container_set_env(cr, "PCI_RESOURCE_NVIDIA_COM_TEST", env) < 0 ||
		    dpapi_container_add_device(cr, "/dev/vfio/vfio", "/dev/vfio/vfio", "mrw") < 0 ||
		    dpapi_container_set_annotation(cr, "gpu-initd/test", "yes") < 0)
			goto fail;
	}
	grpc_call_reply(call, &resp->base);
	dpapi_free(resp);
	return;
fail:
	dpapi_free(resp);
	grpc_call_finish(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "no memory");
}

static void h_preferred(struct grpc_call *call, const ProtobufCMessage *req, void *data)
{
	const V1beta1__PreferredAllocationRequest *r = (const V1beta1__PreferredAllocationRequest *)req;
	V1beta1__PreferredAllocationResponse *resp;
	if (dpapi_preferred_response(&resp) < 0)
		return (void)grpc_call_finish(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "no memory");
	for (size_t i = 0; i < r->n_container_requests; i++) {
		const V1beta1__ContainerPreferredAllocationRequest *c = r->container_requests[i];
		size_t n = c->allocation_size < 0 ? 0 : (size_t)c->allocation_size;
		if (n > c->n_available_deviceids)
			n = c->n_available_deviceids;
		dpapi_preferred_add(resp, (const char *const *)c->available_deviceids, n);
	}
	grpc_call_reply(call, &resp->base);
	dpapi_free(resp);
}

static void h_prestart(struct grpc_call *call, const ProtobufCMessage *req, void *data)
{
	V1beta1__PreStartContainerResponse r = V1BETA1__PRE_START_CONTAINER_RESPONSE__INIT;
	grpc_call_reply(call, &r.base);
}

static const struct grpc_method plugin_methods[] = {
	{ DPAPI_GET_OPTIONS, &v1beta1__empty__descriptor, h_options, NULL },
	{ DPAPI_LIST_AND_WATCH, &v1beta1__empty__descriptor, h_law, NULL },
	{ DPAPI_GET_PREFERRED, &v1beta1__preferred_allocation_request__descriptor, h_preferred, NULL },
	{ DPAPI_ALLOCATE, &v1beta1__allocate_request__descriptor, h_allocate, NULL },
	{ DPAPI_PRE_START, &v1beta1__pre_start_container_request__descriptor, h_prestart, NULL },
};

static struct grpc_server *srv;

static void on_signal(struct evloop *l, int fd, unsigned events, void *data)
{
	struct signalfd_siginfo si;
	if (read(fd, &si, sizeof(si)) != sizeof(si))
		return;
	grpc_server_shutdown(srv);
	evloop_stop(loop);
}

static int open_dir(const char *dir)
{
	int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		fprintf(stderr, "grpc-peer: %s: %s\n", dir, strerror(errno));
	return fd;
}

static int serve(const char *dir, const char *name)
{
	int dirfd = open_dir(dir);
	if (dirfd < 0)
		return 1;
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	int sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	int r = grpc_server_new(loop, plugin_methods, 5, NULL, &srv);
	if (r == 0)
		r = grpc_server_listen(srv, dirfd, name);
	if (r < 0 || sfd < 0 || evloop_add_fd(loop, sfd, EV_READ, on_signal, NULL) < 0) {
		fprintf(stderr, "grpc-peer: cannot serve: %s\n", strerror(-r));
		return 1;
	}
	printf("serving\n");
	fflush(stdout);
	evloop_run(loop);
	/* let the GOAWAYs out */
	for (int i = 0; i < 20 && grpc_server_connections(srv); i++)
		evloop_run_once(loop, 10);
	grpc_server_free(srv);
	evloop_del_fd(loop, sfd);
	close(sfd);
	close(dirfd);
	return 0;
}

/* --- client --------------------------------------------------------------- */

static int watch_left;
static struct grpc_client_call *watch_call;
static struct grpc_channel *channel;

static void unary_done(void *data, int status, const char *message, const ProtobufCMessage *resp)
{
	printf("status %d %s\n", status, message);
	if (status == GRPC_STATUS_OK && resp->descriptor == &v1beta1__device_plugin_options__descriptor)
		printf("preferred %d\n",
		       (int)((const V1beta1__DevicePluginOptions *)resp)->get_preferred_allocation_available);
	evloop_stop(loop);
}

static void on_list(void *data, const ProtobufCMessage *msg)
{
	const V1beta1__ListAndWatchResponse *r = (const V1beta1__ListAndWatchResponse *)msg;
	printf("list %zu", r->n_devices);
	for (size_t i = 0; i < r->n_devices; i++)
		printf(" %s:%s", r->devices[i]->id, r->devices[i]->health);
	printf("\n");
	if (--watch_left == 0) {
		grpc_client_call_cancel(watch_call);
		printf("cancelled\n");
		evloop_stop(loop);
	}
}

static void watch_done(void *data, int status, const char *message)
{
	printf("status %d %s\n", status, message);
	evloop_stop(loop);
}

static void channel_closed(struct grpc_channel *ch, int err, void *data)
{
	printf("channel closed\n");
	channel = NULL;
}

static int client(int argc, char **argv)
{
	const char *cmd = argv[1];
	int dirfd = open_dir(argv[2]);
	if (dirfd < 0)
		return 1;
	int r = grpc_channel_dial(loop, dirfd, argv[3], NULL, channel_closed, NULL, &channel);
	if (r < 0) {
		fprintf(stderr, "grpc-peer: dial %s: %s\n", argv[3], strerror(-r));
		return 1;
	}
	V1beta1__Empty empty = V1BETA1__EMPTY__INIT;
	if (strcmp(cmd, "register") == 0 && argc >= 6) {
		V1beta1__RegisterRequest *req;
		unsigned timeout = argc > 6 ? (unsigned)atoi(argv[6]) : 5000;
		r = dpapi_register_request(argv[4], argv[5], false, true, &req);
		if (r == 0)
			r = grpc_call_unary(channel, DPAPI_REGISTER, &req->base, &v1beta1__empty__descriptor,
					    timeout, unary_done, NULL);
		dpapi_free(req);
	} else if (strcmp(cmd, "watch") == 0 && argc >= 5) {
		watch_left = atoi(argv[4]);
		r = grpc_call_stream(channel, DPAPI_LIST_AND_WATCH, &empty.base,
				     &v1beta1__list_and_watch_response__descriptor, 0, on_list, watch_done,
				     NULL, &watch_call);
	} else if (strcmp(cmd, "options") == 0) {
		unsigned timeout = argc > 4 ? (unsigned)atoi(argv[4]) : 5000;
		r = grpc_call_unary(channel, argc > 5 ? argv[5] : DPAPI_GET_OPTIONS, &empty.base,
				    &v1beta1__device_plugin_options__descriptor, timeout, unary_done, NULL);
	} else {
		fprintf(stderr, "grpc-peer: bad usage\n");
		return 1;
	}
	if (r < 0) {
		fprintf(stderr, "grpc-peer: call: %s\n", strerror(-r));
		return 1;
	}
	evloop_run(loop);
	/* let a cancel go out */
	evloop_run_once(loop, 10);
	if (channel)
		grpc_channel_close(channel);
	close(dirfd);
	return exit_code;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 4) {
		fprintf(stderr, "usage: grpc-peer serve|register|watch|options DIR NAME ...\n");
		return 1;
	}
	if (evloop_new(&loop) < 0)
		return 1;
	int r = strcmp(argv[1], "serve") == 0 ? serve(argv[2], argv[3]) : client(argc, argv);
	evloop_free(loop);
	return r;
}
