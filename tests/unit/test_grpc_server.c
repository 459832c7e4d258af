// SPDX-License-Identifier: GPL-2.0-or-later
/* The gRPC server engine driven with scripted HTTP/2 bytes, no socket. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "deviceplugin.pb-c.h"
#include "failmalloc.h"
#include "grpc_server.h"
#include "h2script.h"

#define P_OPTIONS "/v1beta1.DevicePlugin/GetDevicePluginOptions"
#define P_LAW "/v1beta1.DevicePlugin/ListAndWatch"
#define P_ALLOCATE "/v1beta1.DevicePlugin/Allocate"

static struct grpc_call *watch_call;
static int cancels, allocs;
static size_t last_ids;

static void on_cancel(struct grpc_call *call, void *data)
{
	assert_ptr_equal(call, watch_call);
	watch_call = NULL;
	cancels++;
}

static void h_options(struct grpc_call *call, const ProtobufCMessage *req, void *data)
{
	V1beta1__DevicePluginOptions o = V1BETA1__DEVICE_PLUGIN_OPTIONS__INIT;
	o.get_preferred_allocation_available = 1;
	grpc_call_reply(call, &o.base);
}

static void send_list(struct grpc_call *call, int n)
{
	V1beta1__Device devs[8], *pdevs[8];
	char ids[8][16];
	V1beta1__ListAndWatchResponse r = V1BETA1__LIST_AND_WATCH_RESPONSE__INIT;
	for (int i = 0; i < n; i++) {
		v1beta1__device__init(&devs[i]);
		snprintf(ids[i], sizeof(ids[i]), "dev%d", i);
		devs[i].id = ids[i];
		devs[i].health = "Healthy";
		pdevs[i] = &devs[i];
	}
	r.n_devices = (size_t)n;
	r.devices = pdevs;
	assert_int_equal(grpc_call_send(call, &r.base), 0);
}

static void h_law(struct grpc_call *call, const ProtobufCMessage *req, void *data)
{
	watch_call = call;
	grpc_call_on_cancel(call, on_cancel, NULL);
	send_list(call, 1);
}

static void h_allocate(struct grpc_call *call, const ProtobufCMessage *req, void *data)
{
	const V1beta1__AllocateRequest *r = (const V1beta1__AllocateRequest *)req;
	allocs++;
	last_ids = r->n_container_requests ? r->container_requests[0]->n_devices_ids : 0;
	V1beta1__AllocateResponse resp = V1BETA1__ALLOCATE_RESPONSE__INIT;
	grpc_call_reply(call, &resp.base);
}

static const struct grpc_method methods[] = {
	{ P_OPTIONS, &v1beta1__empty__descriptor, h_options, NULL },
	{ P_LAW, &v1beta1__empty__descriptor, h_law, NULL },
	{ P_ALLOCATE, &v1beta1__allocate_request__descriptor, h_allocate, NULL },
};

struct fx {
	struct grpc_server *srv;
	struct grpc_server_conn *sc;
	struct h2out out;
	struct h2in in;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	assert_int_equal(grpc_server_new(NULL, methods, 3, NULL, &f->srv), 0);
	assert_int_equal(grpc_server_conn_new(f->srv, &f->sc), 0);
	h2out_init(&f->out);
	h2in_init(&f->in);
	h2out_preface(&f->out);
	watch_call = NULL;
	cancels = allocs = 0;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	if (f->sc)
		grpc_server_conn_free(f->sc);
	grpc_server_free(f->srv);
	h2out_release(&f->out);
	h2in_release(&f->in);
	free(f);
	return 0;
}

/* Feeds what was scripted (in chunks of `chunk` bytes, 0: at once), then
 * collects everything the server answers. */
static int exchange(struct fx *f, size_t chunk)
{
	int r = 0;
	for (size_t off = 0; off < f->out.len && r == 0;) {
		size_t n = chunk && chunk < f->out.len - off ? chunk : f->out.len - off;
		r = grpc_server_conn_feed(f->sc, f->out.buf + off, n);
		off += n;
	}
	h2out_reset(&f->out);
	const uint8_t *p;
	ssize_t n;
	while ((n = grpc_server_conn_pull(f->sc, &p)) > 0)
		assert_int_equal(h2in_feed(&f->in, p, (size_t)n), 0);
	return r < 0 ? r : (int)n;
}

static size_t allocate_request(uint8_t *buf, int n_ids)
{
	V1beta1__ContainerAllocateRequest c = V1BETA1__CONTAINER_ALLOCATE_REQUEST__INIT;
	char *ids[] = { "0000:01:00.0", "0000:02:00.0", "0000:03:00.0" };
	c.n_devices_ids = (size_t)n_ids;
	c.devices_ids = ids;
	V1beta1__ContainerAllocateRequest *pc = &c;
	V1beta1__AllocateRequest r = V1BETA1__ALLOCATE_REQUEST__INIT;
	r.n_container_requests = 1;
	r.container_requests = &pc;
	uint8_t body[256];
	size_t len = protobuf_c_message_pack(&r.base, body);
	return h2_grpc_msg(buf, body, (uint32_t)len);
}

static void settings_at_start(void **state)
{
	struct fx *f = *state;
	assert_int_equal(exchange(f, 0), 0);
	assert_int_equal(f->in.settings, 1);
	assert_int_equal(f->in.settings_acks, 1);
	assert_int_equal(f->in.pings, 0);
}

/* One message cut into 1-byte DATA frames, and the bytes fed 1 at a time. */
static void message_split_across_frames(void **state)
{
	struct fx *f = *state;
	uint8_t msg[256];
	size_t len = allocate_request(msg, 3);
	h2out_request(&f->out, 1, P_ALLOCATE, "localhost", "application/grpc", false);
	for (size_t i = 0; i < len; i++)
		h2out_frame(&f->out, NGHTTP2_DATA, i + 1 == len ? NGHTTP2_FLAG_END_STREAM : 0, 1, msg + i, 1);
	assert_int_equal(exchange(f, 1), 0);
	struct h2stream *s = h2in_stream(&f->in, 1);
	assert_int_equal(allocs, 1);
	assert_int_equal(last_ids, 3);
	assert_int_equal(s->http_status, 200);
	assert_int_equal(s->grpc_status, 0);
	assert_int_equal(s->headers_frames, 2); /* headers, then trailers */
	assert_int_equal(s->data_len, 5);	/* an empty AllocateResponse */
	assert_true(s->end_stream);
}

/* Two requests on two streams in one write, and the Empty (zero-length)
 * message of GetDevicePluginOptions; the old-kubelet :authority. */
static void several_streams_zero_length(void **state)
{
	struct fx *f = *state;
	uint8_t msg[256];
	size_t len = allocate_request(msg, 1);
	uint8_t empty[5];
	h2_grpc_msg(empty, NULL, 0);
	h2out_request(&f->out, 1, P_OPTIONS, "/var/lib/kubelet/device-plugins/x.sock", "application/grpc",
		      false);
	h2out_request(&f->out, 3, P_ALLOCATE, "localhost", "application/grpc+proto", false);
	h2out_frame(&f->out, NGHTTP2_DATA, NGHTTP2_FLAG_END_STREAM, 1, empty, 5);
	h2out_frame(&f->out, NGHTTP2_DATA, NGHTTP2_FLAG_END_STREAM, 3, msg, len);
	assert_int_equal(exchange(f, 0), 0);
	struct h2stream *s1 = h2in_stream(&f->in, 1), *s3 = h2in_stream(&f->in, 3);
	assert_int_equal(s1->grpc_status, 0);
	assert_int_equal(s3->grpc_status, 0);
	V1beta1__DevicePluginOptions *o =
	    v1beta1__device_plugin_options__unpack(NULL, s1->data_len - 5, s1->data + 5);
	assert_non_null(o);
	assert_true(o->get_preferred_allocation_available);
	v1beta1__device_plugin_options__free_unpacked(o, NULL);
	assert_int_equal(last_ids, 1);
}

/* Two messages in one DATA frame on a unary call: INTERNAL. */
static void two_messages_one_frame(void **state)
{
	struct fx *f = *state;
	uint8_t two[10];
	h2_grpc_msg(two, NULL, 0);
	h2_grpc_msg(two + 5, NULL, 0);
	h2out_request(&f->out, 1, P_OPTIONS, "localhost", "application/grpc", false);
	h2out_frame(&f->out, NGHTTP2_DATA, NGHTTP2_FLAG_END_STREAM, 1, two, 10);
	assert_int_equal(exchange(f, 0), 0);
	assert_int_equal(h2in_stream(&f->in, 1)->grpc_status, GRPC_STATUS_INTERNAL);
}

/* A declared length over 4 MiB is refused at once, before any body. */
static void oversized_length(void **state)
{
	struct fx *f = *state;
	uint8_t prefix[5];
	grpc_frame_prefix(prefix, GRPC_MAX_MESSAGE + 1);
	h2out_request(&f->out, 1, P_ALLOCATE, "localhost", "application/grpc", false);
	h2out_frame(&f->out, NGHTTP2_DATA, 0, 1, prefix, 5);
	assert_int_equal(exchange(f, 0), 0);
	struct h2stream *s = h2in_stream(&f->in, 1);
	assert_int_equal(s->grpc_status, GRPC_STATUS_RESOURCE_EXHAUSTED);
	assert_int_equal(s->headers_frames, 1);	    /* trailers-only */
	assert_int_equal(s->rst, NGHTTP2_NO_ERROR); /* stop sending */
	assert_int_equal(allocs, 0);
}

static void errors(void **state)
{
	struct fx *f = *state;
	uint8_t junk[16];
	size_t n = h2_grpc_msg(junk, "\xff\xff\xff", 3); /* truncated varint tag */
	h2out_request(&f->out, 1, "/v1beta1.DevicePlugin/Nope", "localhost", "application/grpc", false);
	h2out_frame(&f->out, NGHTTP2_DATA, NGHTTP2_FLAG_END_STREAM, 1, junk, n);
	h2out_request(&f->out, 3, P_ALLOCATE, "localhost", "application/grpc", false);
	h2out_frame(&f->out, NGHTTP2_DATA, NGHTTP2_FLAG_END_STREAM, 3, junk, n);
	h2out_request(&f->out, 5, P_ALLOCATE, "localhost", "text/plain", true);
	h2out_request(&f->out, 7, P_ALLOCATE, "localhost", "application/grpc", true); /* no message */
	h2out_request(&f->out, 9, P_ALLOCATE, "localhost", "application/grpc", false);
	h2out_frame(&f->out, NGHTTP2_DATA, NGHTTP2_FLAG_END_STREAM, 9, junk, 4); /* cut prefix */
	assert_int_equal(exchange(f, 0), 0);
	struct h2stream *s = h2in_stream(&f->in, 1);
	assert_int_equal(s->grpc_status, GRPC_STATUS_UNIMPLEMENTED);
	assert_string_equal(s->grpc_message, "unknown method /v1beta1.DevicePlugin/Nope");
	assert_int_equal(h2in_stream(&f->in, 3)->grpc_status, GRPC_STATUS_INVALID_ARGUMENT);
	assert_int_equal(h2in_stream(&f->in, 5)->http_status, 415);
	assert_int_equal(h2in_stream(&f->in, 7)->grpc_status, GRPC_STATUS_INTERNAL);
	assert_int_equal(h2in_stream(&f->in, 9)->grpc_status, GRPC_STATUS_INTERNAL);
	assert_int_equal(allocs, 0);
}

static void start_watch(struct fx *f, int32_t id)
{
	uint8_t empty[5];
	h2_grpc_msg(empty, NULL, 0);
	h2out_request(&f->out, id, P_LAW, "localhost", "application/grpc", false);
	h2out_frame(&f->out, NGHTTP2_DATA, NGHTTP2_FLAG_END_STREAM, id, empty, 5);
}

/* ListAndWatch: updates flow; a client RST_STREAM mid-stream cancels. */
static void stream_reset_by_client(void **state)
{
	struct fx *f = *state;
	start_watch(f, 1);
	assert_int_equal(exchange(f, 0), 0);
	assert_non_null(watch_call);
	send_list(watch_call, 2);
	send_list(watch_call, 3);
	assert_int_equal(exchange(f, 0), 0);
	struct h2stream *s = h2in_stream(&f->in, 1);
	assert_int_equal(s->grpc_status, -1);
	assert_false(s->end_stream);
	assert_true(s->data_len > 15);
	uint8_t cancel[4] = { 0, 0, 0, NGHTTP2_CANCEL };
	h2out_frame(&f->out, NGHTTP2_RST_STREAM, 0, 1, cancel, 4);
	assert_int_equal(exchange(f, 0), 0);
	assert_int_equal(cancels, 1);
	assert_null(watch_call);
}

/* A request reset in the middle of its message: nothing dispatched. */
static void request_reset_mid_message(void **state)
{
	struct fx *f = *state;
	uint8_t msg[256];
	size_t len = allocate_request(msg, 3);
	h2out_request(&f->out, 1, P_ALLOCATE, "localhost", "application/grpc", false);
	h2out_frame(&f->out, NGHTTP2_DATA, 0, 1, msg, len / 2);
	uint8_t cancel[4] = { 0, 0, 0, NGHTTP2_CANCEL };
	h2out_frame(&f->out, NGHTTP2_RST_STREAM, 0, 1, cancel, 4);
	assert_int_equal(exchange(f, 0), 0);
	assert_int_equal(allocs, 0);
}

/* A reader whose window is shut gets the message in flight and then only
 * the latest one: superseded lists are never queued. */
static void slow_reader_gets_latest_only(void **state)
{
	struct fx *f = *state;
	uint8_t iv[6] = { 0, NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 0, 0, 0, 8 };
	h2out_frame(&f->out, NGHTTP2_SETTINGS, 0, 0, iv, 6);
	start_watch(f, 1);
	assert_int_equal(exchange(f, 0), 0);
	struct h2stream *s = h2in_stream(&f->in, 1);
	assert_int_equal(s->data_len, 8); /* first list, cut by the window */
	for (int i = 1; i <= 5; i++)
		send_list(watch_call, i);
	assert_int_equal(exchange(f, 0), 0);
	assert_int_equal(s->data_len, 8);
	uint8_t wu[4] = { 0, 0, 0x10, 0 };
	h2out_frame(&f->out, NGHTTP2_WINDOW_UPDATE, 0, 1, wu, 4);
	assert_int_equal(exchange(f, 0), 0);
	/* first list (1 device) then the latest (5 devices), nothing between */
	size_t first = 5 + (s->data[4]);
	assert_true(s->data_len > first + 5);
	V1beta1__ListAndWatchResponse *r =
	    v1beta1__list_and_watch_response__unpack(NULL, s->data_len - first - 5, s->data + first + 5);
	assert_non_null(r);
	assert_int_equal(r->n_devices, 5);
	v1beta1__list_and_watch_response__free_unpacked(r, NULL);
	assert_int_equal(grpc_call_finish(watch_call, GRPC_STATUS_OK, NULL), 0);
	watch_call = NULL;
	assert_int_equal(exchange(f, 0), 0);
	assert_int_equal(s->grpc_status, 0);
	assert_true(s->end_stream);
}

/* Freeing the connection with a stream open runs its cancel callback. */
static void close_cancels_streams(void **state)
{
	struct fx *f = *state;
	start_watch(f, 1);
	assert_int_equal(exchange(f, 0), 0);
	assert_non_null(watch_call);
	grpc_server_conn_free(f->sc);
	f->sc = NULL;
	assert_int_equal(cancels, 1);
}

static void garbage_breaks_session(void **state)
{
	struct fx *f = *state;
	h2out_reset(&f->out);
	h2out_frame(&f->out, 0, 0, 0, "x", 1);
	assert_int_equal(exchange(f, 0), -EPROTO);
}

/* A request whose grpc-timeout ran out before it was complete is answered
 * DEADLINE_EXCEEDED and never reaches the handler; a generous one does.
 * (The sleep only makes the first later: no speed is assumed.) */
static void deadline_before_complete(void **state)
{
	struct fx *f = *state;
	static const char *const nv1[] = {
		":method",	"POST",	      ":scheme",   "http",	   ":path",
		P_ALLOCATE,	":authority", "localhost", "content-type", "application/grpc",
		"grpc-timeout", "1m"
	};
	static const char *const nv3[] = {
		":method",	"POST",	      ":scheme",   "http",	   ":path",
		P_ALLOCATE,	":authority", "localhost", "content-type", "application/grpc",
		"grpc-timeout", "100S"
	};
	uint8_t msg[256];
	size_t len = allocate_request(msg, 1);
	h2out_headers(&f->out, 1, nv1, 6, false);
	h2out_headers(&f->out, 3, nv3, 6, false);
	assert_int_equal(exchange(f, 0), 0);
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	h2out_frame(&f->out, NGHTTP2_DATA, NGHTTP2_FLAG_END_STREAM, 1, msg, len);
	h2out_frame(&f->out, NGHTTP2_DATA, NGHTTP2_FLAG_END_STREAM, 3, msg, len);
	assert_int_equal(exchange(f, 0), 0);
	assert_int_equal(h2in_stream(&f->in, 1)->grpc_status, GRPC_STATUS_DEADLINE_EXCEEDED);
	assert_int_equal(h2in_stream(&f->in, 3)->grpc_status, GRPC_STATUS_OK);
	assert_int_equal(allocs, 1);
}

/* The budget for unfinished messages is the process', not a connection's:
 * a second connection's partial message over it is refused, while a whole
 * small request on it still goes through and gets its reply (replies have
 * their own budget: a full request budget does not stop them). */
static void budget_across_connections(void **state)
{
	struct fx *f = *state;
	struct grpc_server_limits saved, small = { .max_buffered = 3000 };
	grpc_server_get_limits(&saved);
	grpc_server_set_limits(&small);
	struct fx g = { .srv = f->srv };
	assert_int_equal(grpc_server_conn_new(f->srv, &g.sc), 0);
	h2out_init(&g.out);
	h2in_init(&g.in);
	h2out_preface(&g.out);
	/* declared 3000 bytes, 2000 sent: a 3000-byte buffer (the declared
	 * length, under 4 KiB), exactly the budget */
	static uint8_t part[5 + 2000];
	grpc_frame_prefix(part, 3000);
	struct fx *both[] = { f, &g };
	for (int i = 0; i < 2; i++) {
		h2out_request(&both[i]->out, 1, P_ALLOCATE, "localhost", "application/grpc", false);
		h2out_frame(&both[i]->out, NGHTTP2_DATA, 0, 1, part, sizeof(part));
		assert_int_equal(exchange(both[i], 0), 0);
	}
	assert_int_equal(h2in_stream(&f->in, 1)->grpc_status, -1); /* held */
	struct h2stream *s = h2in_stream(&g.in, 1);
	assert_int_equal(s->grpc_status, GRPC_STATUS_RESOURCE_EXHAUSTED);
	assert_non_null(strstr(s->grpc_message, "too much unfinished request data"));
	struct grpc_server_stats st;
	grpc_server_get_stats(&st);
	assert_int_equal(st.buffered, 3000); /* the budget, full */
	uint8_t msg[256];
	size_t len = allocate_request(msg, 2);
	h2out_request(&g.out, 3, P_ALLOCATE, "localhost", "application/grpc", false);
	h2out_frame(&g.out, NGHTTP2_DATA, NGHTTP2_FLAG_END_STREAM, 3, msg, len);
	assert_int_equal(exchange(&g, 0), 0);
	assert_int_equal(h2in_stream(&g.in, 3)->grpc_status, GRPC_STATUS_OK);
	assert_int_equal(allocs, 1);
	grpc_server_conn_free(g.sc);
	h2out_release(&g.out);
	h2in_release(&g.in);
	grpc_server_conn_free(f->sc);
	f->sc = NULL;
	grpc_server_get_stats(&st);
	assert_int_equal(st.buffered, 0); /* every byte given back */
	grpc_server_set_limits(&saved);
}

/* Allocation-failure reruns: a server, a connection and a session of
 * three calls (options, Allocate, ListAndWatch left open) with allocation
 * N failing, for every N the session makes (the server's own and
 * nghttp2's and protobuf-c's, which allocate through malloc).  Each step
 * returns 0 or -errno (creating: -ENOMEM), nothing crashes, and once the
 * connection and server are freed nothing is left allocated. */
#if FAILMALLOC
static void fm_law(struct grpc_call *call, const ProtobufCMessage *req, void *data)
{
	V1beta1__Device dev = V1BETA1__DEVICE__INIT, *pdev = &dev;
	V1beta1__ListAndWatchResponse r = V1BETA1__LIST_AND_WATCH_RESPONSE__INIT;
	dev.id = "dev0";
	dev.health = "Healthy";
	r.n_devices = 1;
	r.devices = &pdev;
	(void)grpc_call_send(call, &r.base); /* may fail: the call then ends */
}

static const struct grpc_method fm_methods[] = {
	{ P_OPTIONS, &v1beta1__empty__descriptor, h_options, NULL },
	{ P_LAW, &v1beta1__empty__descriptor, fm_law, NULL },
	{ P_ALLOCATE, &v1beta1__allocate_request__descriptor, h_allocate, NULL },
};
#endif

static void allocation_failures(void **state)
{
#if FAILMALLOC
	struct h2out out;
	uint8_t msg[256], empty[5];
	size_t len = allocate_request(msg, 2);
	long nth, calls = 0;

	h2out_init(&out);
	h2out_preface(&out);
	h2_grpc_msg(empty, NULL, 0);
	h2out_request(&out, 1, P_OPTIONS, "localhost", "application/grpc", false);
	h2out_frame(&out, NGHTTP2_DATA, NGHTTP2_FLAG_END_STREAM, 1, empty, 5);
	h2out_request(&out, 3, P_ALLOCATE, "localhost", "application/grpc", false);
	h2out_frame(&out, NGHTTP2_DATA, NGHTTP2_FLAG_END_STREAM, 3, msg, len);
	h2out_request(&out, 5, P_LAW, "localhost", "application/grpc", false);
	h2out_frame(&out, NGHTTP2_DATA, NGHTTP2_FLAG_END_STREAM, 5, empty, 5);

	allocs = 0;
	for (nth = 0;; nth++) {
		struct grpc_server *srv = NULL;
		struct grpc_server_conn *sc = NULL;
		int r, rf = 0;
		ssize_t n = 0;

		failmalloc_arm(nth);
		r = grpc_server_new(NULL, fm_methods, 3, NULL, &srv);
		if (r == 0)
			r = grpc_server_conn_new(srv, &sc);
		if (r == 0) {
			const uint8_t *p;
			rf = grpc_server_conn_feed(sc, out.buf, out.len);
			while (rf == 0 && (n = grpc_server_conn_pull(sc, &p)) > 0)
				;
		}
		if (sc)
			grpc_server_conn_free(sc);
		grpc_server_free(srv);
		calls = failmalloc_disarm();
		if (calls == FAILMALLOC_NONE_FAILED)
			break;
		if (r != 0 && r != -ENOMEM)
			fail_msg("allocation %ld failed: creating returned %d, expected -ENOMEM", nth, r);
		assert_true(rf <= 0 && n <= 0);
		if (failmalloc_live() != 0)
			fail_msg("allocation %ld failed: %ld allocations leaked", nth, failmalloc_live());
	}
	h2out_release(&out);
	assert_true(nth > 20);
	assert_true(allocs > 0); /* the calls were made */
	print_message("grpc server session: %ld allocations failed in turn\n", nth);
#else
	skip();
#endif
}

int main(void)
{
#define T(x) cmocka_unit_test_setup_teardown(x, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(settings_at_start),
		T(message_split_across_frames),
		T(several_streams_zero_length),
		T(two_messages_one_frame),
		T(oversized_length),
		T(errors),
		T(stream_reset_by_client),
		T(request_reset_mid_message),
		T(slow_reader_gets_latest_only),
		T(close_cancels_streams),
		T(garbage_breaks_session),
		T(deadline_before_complete),
		T(budget_across_connections),
		cmocka_unit_test(allocation_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
