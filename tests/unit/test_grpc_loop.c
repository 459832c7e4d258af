// SPDX-License-Identifier: GPL-2.0-or-later
/* C client against C server, both on one evloop over a real unix socket. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dpapi.h"
#include "grpc_client.h"
#include "grpc_server.h"
#include "h2script.h"
#include "rootfs_sock.h"

struct fx {
	struct evloop *loop;
	struct grpc_server *srv;
	struct grpc_channel *ch;
	char tmp[64];
	int dirfd;
	/* server side */
	struct grpc_call *watch;
	int cancels;
	struct grpc_call *held; /* a call the server never answers */
	/* client side */
	int done, status, msgs, last_n;
	char message[128];
	char env[64];
	int closed;
	bool registered;
};

static struct fx *F;

static void h_options(struct grpc_call *call, const ProtobufCMessage *req, void *data)
{
	V1beta1__DevicePluginOptions o = V1BETA1__DEVICE_PLUGIN_OPTIONS__INIT;
	o.pre_start_required = 1;
	grpc_call_reply(call, &o.base);
}

static void push_list(struct grpc_call *call, int n)
{
	struct dpapi_device devs[4] = {
		{ "a", true, 0 }, { "b", false, 1 }, { "c", true, -1 }, { "d", true, -1 }
	};
	V1beta1__ListAndWatchResponse *r;
	assert_int_equal(dpapi_device_list(devs, (size_t)n, &r), 0);
	assert_int_equal(grpc_call_send(call, &r->base), 0);
	dpapi_free(r);
}

static void watch_cancelled(struct grpc_call *call, void *data)
{
	F->watch = NULL;
	F->cancels++;
}

static void h_law(struct grpc_call *call, const ProtobufCMessage *req, void *data)
{
	F->watch = call;
	grpc_call_on_cancel(call, watch_cancelled, NULL);
	push_list(call, 1);
}

static void held_cancelled(struct grpc_call *call, void *data)
{
	F->held = NULL;
	F->cancels++;
}

static void h_allocate(struct grpc_call *call, const ProtobufCMessage *req, void *data)
{
	const V1beta1__AllocateRequest *r = (const V1beta1__AllocateRequest *)req;
	if (r->n_container_requests == 0) { /* the test's "hang" request */
		F->held = call;
		grpc_call_on_cancel(call, held_cancelled, NULL);
		return;
	}
	V1beta1__AllocateResponse *resp;
	V1beta1__ContainerAllocateResponse *c;
	assert_int_equal(dpapi_allocate_response(&resp), 0);
	assert_int_equal(dpapi_allocate_add_container(resp, &c), 0);
	assert_int_equal(dpapi_container_set_env(c, "PCI_RESOURCE_X", "first"), 0);
	assert_int_equal(
	    dpapi_container_set_env(c, "PCI_RESOURCE_X", r->container_requests[0]->devices_ids[0]), 0);
	assert_int_equal(dpapi_container_set_annotation(c, "k", "v"), 0);
	assert_int_equal(dpapi_container_add_device(c, "/dev/vfio/vfio", "/dev/vfio/vfio", "mrw"), 0);
	assert_int_equal(dpapi_container_add_mount(c, "/a", "/b", true), 0);
	grpc_call_reply(call, &resp->base);
	dpapi_free(resp);
}

/* Register, kubelet style: before answering, dial the plugin back and ask
 * for its options, on the same loop. */
struct reg {
	struct grpc_call *call;
	struct grpc_channel *ch;
};

static void reg_options_done(void *data, int status, const char *message, const ProtobufCMessage *resp)
{
	struct reg *g = data;
	const V1beta1__DevicePluginOptions *o = (const V1beta1__DevicePluginOptions *)resp;
	if (status == GRPC_STATUS_OK && o->pre_start_required) {
		V1beta1__Empty e = V1BETA1__EMPTY__INIT;
		grpc_call_reply(g->call, &e.base);
	} else
		grpc_call_finish(g->call, GRPC_STATUS_FAILED_PRECONDITION, "plugin did not answer");
	grpc_channel_close(g->ch);
	free(g);
}

static void h_register(struct grpc_call *call, const ProtobufCMessage *req, void *data)
{
	const V1beta1__RegisterRequest *r = (const V1beta1__RegisterRequest *)req;
	struct reg *g = calloc(1, sizeof(*g));
	g->call = call;
	assert_string_equal(r->version, DPAPI_VERSION);
	assert_int_equal(grpc_channel_dial(F->loop, F->dirfd, r->endpoint, NULL, NULL, NULL, &g->ch), 0);
	V1beta1__Empty e = V1BETA1__EMPTY__INIT;
	assert_int_equal(grpc_call_unary(g->ch, DPAPI_GET_OPTIONS, &e.base,
					 &v1beta1__device_plugin_options__descriptor, 1000, reg_options_done,
					 g),
			 0);
}

static const struct grpc_method methods[] = {
	{ DPAPI_GET_OPTIONS, &v1beta1__empty__descriptor, h_options, NULL },
	{ DPAPI_LIST_AND_WATCH, &v1beta1__empty__descriptor, h_law, NULL },
	{ DPAPI_ALLOCATE, &v1beta1__allocate_request__descriptor, h_allocate, NULL },
	{ DPAPI_REGISTER, &v1beta1__register_request__descriptor, h_register, NULL },
};

static void on_close(struct grpc_channel *ch, int err, void *data)
{
	F->closed++;
	F->ch = NULL;
}

/* A socket directory deeper than sun_path allows. */
static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	F = f;
	strcpy(f->tmp, "/tmp/grpc-loop-XXXXXX");
	assert_non_null(mkdtemp(f->tmp));
	char deep[512];
	snprintf(deep, sizeof(deep), "%s/%0120d", f->tmp, 0);
	assert_int_equal(mkdir(deep, 0700), 0);
	f->dirfd = open(deep, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(f->dirfd >= 0);
	assert_int_equal(evloop_new(&f->loop), 0);
	assert_int_equal(grpc_server_new(f->loop, methods, 4, NULL, &f->srv), 0);
	assert_int_equal(grpc_server_listen(f->srv, f->dirfd, "plugin.sock"), 0);
	struct stat st;
	assert_int_equal(fstatat(f->dirfd, "plugin.sock", &st, 0), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(grpc_channel_dial(f->loop, f->dirfd, "plugin.sock", NULL, on_close, NULL, &f->ch),
			 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	if (f->ch)
		grpc_channel_close(f->ch);
	grpc_server_free(f->srv);
	evloop_free(f->loop);
	unlinkat(f->dirfd, "plugin.sock", 0);
	close(f->dirfd);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->tmp);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void run_until(struct fx *f, int *counter, int value)
{
	uint64_t end = evloop_now_ms() + 5000;
	while (*counter < value && evloop_now_ms() < end)
		evloop_run_once(f->loop, 100);
	assert_int_equal(*counter, value);
}

static void unary_done(void *data, int status, const char *message, const ProtobufCMessage *resp)
{
	F->status = status;
	snprintf(F->message, sizeof(F->message), "%s", message);
	if (status == GRPC_STATUS_OK && resp->descriptor == &v1beta1__allocate_response__descriptor) {
		const V1beta1__AllocateResponse *r = (const V1beta1__AllocateResponse *)resp;
		assert_int_equal(r->n_container_responses, 1);
		snprintf(F->env, sizeof(F->env), "%s",
			 dpapi_container_env(r->container_responses[0], "PCI_RESOURCE_X"));
		assert_int_equal(r->container_responses[0]->n_devices, 1);
		assert_string_equal(r->container_responses[0]->devices[0]->permissions, "mrw");
	}
	F->done++;
}

static void unary_allocate(void **state)
{
	struct fx *f = *state;
	char *ids[] = { "0000:41:00.0" };
	V1beta1__ContainerAllocateRequest c = V1BETA1__CONTAINER_ALLOCATE_REQUEST__INIT, *pc = &c;
	c.n_devices_ids = 1;
	c.devices_ids = ids;
	V1beta1__AllocateRequest r = V1BETA1__ALLOCATE_REQUEST__INIT;
	r.n_container_requests = 1;
	r.container_requests = &pc;
	assert_int_equal(grpc_call_unary(f->ch, DPAPI_ALLOCATE, &r.base,
					 &v1beta1__allocate_response__descriptor, 1000, unary_done, NULL),
			 0);
	run_until(f, &f->done, 1);
	assert_int_equal(f->status, GRPC_STATUS_OK);
	assert_string_equal(f->env, "0000:41:00.0");
}

static void unknown_method_and_deadline(void **state)
{
	struct fx *f = *state;
	V1beta1__Empty e = V1BETA1__EMPTY__INIT;
	assert_int_equal(grpc_call_unary(f->ch, "/v1beta1.DevicePlugin/Nope", &e.base,
					 &v1beta1__empty__descriptor, 0, unary_done, NULL),
			 0);
	run_until(f, &f->done, 1);
	assert_int_equal(f->status, GRPC_STATUS_UNIMPLEMENTED);
	V1beta1__AllocateRequest r = V1BETA1__ALLOCATE_REQUEST__INIT; /* held by the server */
	uint64_t t0 = evloop_now_ms();
	assert_int_equal(grpc_call_unary(f->ch, DPAPI_ALLOCATE, &r.base,
					 &v1beta1__allocate_response__descriptor, 50, unary_done, NULL),
			 0);
	run_until(f, &f->done, 2);
	assert_int_equal(f->status, GRPC_STATUS_DEADLINE_EXCEEDED);
	assert_true(evloop_now_ms() - t0 >= 50);
	run_until(f, &f->cancels, 1); /* the reset reached the server */
	assert_null(f->held);
}

static void on_list(void *data, const ProtobufCMessage *msg)
{
	F->last_n = (int)((const V1beta1__ListAndWatchResponse *)msg)->n_devices;
	F->msgs++;
}

static void stream_done(void *data, int status, const char *message)
{
	F->status = status;
	F->done++;
}

static void list_and_watch(void **state)
{
	struct fx *f = *state;
	V1beta1__Empty e = V1BETA1__EMPTY__INIT;
	struct grpc_client_call *cc;
	assert_int_equal(grpc_call_stream(f->ch, DPAPI_LIST_AND_WATCH, &e.base,
					  &v1beta1__list_and_watch_response__descriptor, 0, on_list,
					  stream_done, NULL, &cc),
			 0);
	run_until(f, &f->msgs, 1);
	assert_int_equal(f->last_n, 1);
	push_list(f->watch, 2);
	run_until(f, &f->msgs, 2);
	push_list(f->watch, 4);
	run_until(f, &f->msgs, 3);
	assert_int_equal(f->last_n, 4);
	/* the client cancels: the server's cancel callback runs */
	grpc_client_call_cancel(cc);
	run_until(f, &f->cancels, 1);
	assert_int_equal(f->done, 0);
	/* a second stream ended by the server */
	assert_int_equal(grpc_call_stream(f->ch, DPAPI_LIST_AND_WATCH, &e.base,
					  &v1beta1__list_and_watch_response__descriptor, 0, on_list,
					  stream_done, NULL, NULL),
			 0);
	run_until(f, &f->msgs, 4);
	grpc_call_finish(f->watch, GRPC_STATUS_UNAVAILABLE, "going away");
	f->watch = NULL;
	run_until(f, &f->done, 1);
	assert_int_equal(f->status, GRPC_STATUS_UNAVAILABLE);
}

static void register_calls_back(void **state)
{
	struct fx *f = *state;
	V1beta1__RegisterRequest *r;
	assert_int_equal(dpapi_register_request("plugin.sock", "nvidia.com/GA100", false, true, &r), 0);
	assert_int_equal(grpc_call_unary(f->ch, DPAPI_REGISTER, &r->base, &v1beta1__empty__descriptor, 2000,
					 unary_done, NULL),
			 0);
	dpapi_free(r);
	run_until(f, &f->done, 1);
	assert_int_equal(f->status, GRPC_STATUS_OK);
}

static void close_in_callback(void *data, const ProtobufCMessage *msg)
{
	F->msgs++;
	grpc_channel_close(F->ch); /* from inside the channel's own callback */
	F->ch = NULL;
}

static void channel_closed_from_callback(void **state)
{
	struct fx *f = *state;
	V1beta1__Empty e = V1BETA1__EMPTY__INIT;
	for (int i = 0; i < 2; i++)
		assert_int_equal(grpc_call_stream(f->ch, DPAPI_LIST_AND_WATCH, &e.base,
						  &v1beta1__list_and_watch_response__descriptor, 0,
						  i ? on_list : close_in_callback, stream_done, NULL, NULL),
				 0);
	run_until(f, &f->done, 2); /* both calls completed, CANCELLED */
	assert_int_equal(f->status, GRPC_STATUS_CANCELLED);
	assert_int_equal(f->closed, 0);
	run_until(f, &f->cancels, 2); /* the server saw the connection go */
}

/* A peer gone before the server writes: EPIPE, not SIGPIPE; the stream
 * is cancelled. */
static void write_to_gone_peer(void **state)
{
	struct fx *f = *state;
	int fd = rootfs_sock_connect(f->dirfd, "plugin.sock");
	assert_true(fd >= 0);
	struct h2out o;
	uint8_t empty[5];
	h2out_init(&o);
	h2out_preface(&o);
	h2out_request(&o, 1, DPAPI_LIST_AND_WATCH, "localhost", "application/grpc", false);
	h2out_frame(&o, NGHTTP2_DATA, NGHTTP2_FLAG_END_STREAM, 1, empty, h2_grpc_msg(empty, NULL, 0));
	assert_int_equal(write(fd, o.buf, o.len), (ssize_t)o.len);
	h2out_release(&o);
	uint64_t end = evloop_now_ms() + 5000;
	while (!f->watch && evloop_now_ms() < end)
		evloop_run_once(f->loop, 100);
	assert_non_null(f->watch);
	close(fd);
	for (int i = 0; i < 4 && f->watch; i++)
		push_list(f->watch, 4); /* the first send fails with EPIPE */
	run_until(f, &f->cancels, 1);
}

static void push_big_list(struct grpc_call *call, int round)
{
	static struct dpapi_device devs[512];
	static char ids[512][16];
	for (int i = 0; i < 512; i++) {
		snprintf(ids[i], sizeof(ids[i]), "0000:%02x:%02x.0", i / 32, (i + round) % 32);
		devs[i] = (struct dpapi_device){ ids[i], (i + round) % 7 != 0, i / 256 };
	}
	V1beta1__ListAndWatchResponse *r;
	assert_int_equal(dpapi_device_list(devs, 512, &r), 0);
	assert_int_equal(grpc_call_send(call, &r->base), 0);
	dpapi_free(r);
}

/* A kubelet that stops reading while 2000 lists of 512 devices (~25 kB
 * each, 50 MB in all) are pushed: the server keeps the latest only. */
static void slow_reader_bounded_memory(void **state)
{
	struct fx *f = *state;
	int fd = rootfs_sock_connect(f->dirfd, "plugin.sock");
	assert_true(fd >= 0);
	struct h2out o;
	uint8_t empty[5];
	h2out_init(&o);
	h2out_preface(&o);
	h2out_request(&o, 1, DPAPI_LIST_AND_WATCH, "localhost", "application/grpc", false);
	h2out_frame(&o, NGHTTP2_DATA, NGHTTP2_FLAG_END_STREAM, 1, empty, h2_grpc_msg(empty, NULL, 0));
	assert_int_equal(write(fd, o.buf, o.len), (ssize_t)o.len);
	h2out_release(&o);
	uint64_t end = evloop_now_ms() + 5000;
	while (!f->watch && evloop_now_ms() < end)
		evloop_run_once(f->loop, 100);
	assert_non_null(f->watch);
	for (int i = 0; i < 20; i++) { /* fill the window and the socket */
		push_big_list(f->watch, i);
		evloop_run_once(f->loop, 0);
	}
	size_t before = mallinfo2().uordblks;
	for (int i = 0; i < 2000; i++) {
		push_big_list(f->watch, i);
		if (i % 100 == 0)
			evloop_run_once(f->loop, 0);
	}
	size_t after = mallinfo2().uordblks;
#ifndef __SANITIZE_ADDRESS__ /* ASan's allocator does not report here */
	assert_true(after < before + (256 << 10));
#endif
	(void)before;
	(void)after;
	close(fd);
	run_until(f, &f->cancels, 1);
}

static void shutdown_sends_goaway(void **state)
{
	struct fx *f = *state;
	V1beta1__Empty e = V1BETA1__EMPTY__INIT;
	assert_int_equal(grpc_call_stream(f->ch, DPAPI_LIST_AND_WATCH, &e.base,
					  &v1beta1__list_and_watch_response__descriptor, 0, on_list,
					  stream_done, NULL, NULL),
			 0);
	run_until(f, &f->msgs, 1);
	grpc_server_shutdown(f->srv);
	run_until(f, &f->closed, 1);
	assert_int_equal(f->done, 1);
	assert_int_equal(f->status, GRPC_STATUS_UNAVAILABLE);
	assert_int_equal(f->cancels, 1);
	assert_int_equal(grpc_server_connections(f->srv), 0);
	/* serving again, as after a kubelet restart */
	assert_int_equal(grpc_server_listen(f->srv, f->dirfd, "plugin.sock"), 0);
	assert_int_equal(grpc_channel_dial(f->loop, f->dirfd, "plugin.sock", NULL, on_close, NULL, &f->ch),
			 0);
	V1beta1__Empty e2 = V1BETA1__EMPTY__INIT;
	assert_int_equal(grpc_call_unary(f->ch, DPAPI_GET_OPTIONS, &e2.base,
					 &v1beta1__device_plugin_options__descriptor, 1000, unary_done, NULL),
			 0);
	run_until(f, &f->done, 2);
	assert_int_equal(f->status, GRPC_STATUS_OK);
}

int main(void)
{
#define T(x) cmocka_unit_test_setup_teardown(x, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(unary_allocate),
		T(unknown_method_and_deadline),
		T(list_and_watch),
		T(register_calls_back),
		T(channel_closed_from_callback),
		T(write_to_gone_peer),
		T(slow_reader_bounded_memory),
		T(shutdown_sends_goaway),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
