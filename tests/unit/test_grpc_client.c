// SPDX-License-Identifier: GPL-2.0-or-later
/* The gRPC client engine driven with scripted server bytes, no socket. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dpapi.h"
#include "grpc_client.h"
#include "h2script.h"

struct result {
	int done, status, msgs;
	char message[128];
	int n_devices;
};

static void unary_cb(void *data, int status, const char *message, const ProtobufCMessage *resp)
{
	struct result *r = data;
	r->done++;
	r->status = status;
	snprintf(r->message, sizeof(r->message), "%s", message);
	if (status == GRPC_STATUS_OK)
		assert_non_null(resp);
	else
		assert_null(resp);
}

static void on_list(void *data, const ProtobufCMessage *msg)
{
	struct result *r = data;
	r->msgs++;
	r->n_devices = (int)((const V1beta1__ListAndWatchResponse *)msg)->n_devices;
}

static void on_done(void *data, int status, const char *message)
{
	struct result *r = data;
	r->done++;
	r->status = status;
	snprintf(r->message, sizeof(r->message), "%s", message);
}

struct fx {
	struct grpc_channel *ch;
	struct h2out srv; /* what the "server" sends */
	struct h2in in;	  /* what the client sent (requests parsed loosely) */
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	assert_int_equal(grpc_channel_new_detached(&f->ch), 0);
	h2out_init(&f->srv);
	h2in_init(&f->in);
	h2out_frame(&f->srv, NGHTTP2_SETTINGS, 0, 0, NULL, 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	if (f->ch)
		grpc_channel_close(f->ch);
	h2out_release(&f->srv);
	h2in_release(&f->in);
	free(f);
	return 0;
}

static int exchange(struct fx *f)
{
	const uint8_t *p;
	ssize_t n;
	while ((n = grpc_channel_pull(f->ch, &p)) > 0)
		; /* the client's preface, SETTINGS and requests */
	int r = grpc_channel_feed(f->ch, f->srv.buf, f->srv.len);
	h2out_reset(&f->srv);
	while (r == 0 && (n = grpc_channel_pull(f->ch, &p)) > 0)
		;
	return r;
}

static const char *const ok_headers[] = { ":status", "200", "content-type", "application/grpc" };
static const char *const ok_trailers[] = { "grpc-status", "0" };

static void empty_call(struct fx *f, const char *path, struct result *res)
{
	V1beta1__Empty e = V1BETA1__EMPTY__INIT;
	assert_int_equal(grpc_call_unary(f->ch, path, &e.base, &v1beta1__device_plugin_options__descriptor, 0,
					 unary_cb, res),
			 0);
}

/* A response message split over one-byte DATA frames, then trailers. */
static void unary_split_response(void **state)
{
	struct fx *f = *state;
	struct result res = { 0 };
	empty_call(f, DPAPI_GET_OPTIONS, &res);
	uint8_t body[] = { 0x08, 0x01 }, msg[16];
	size_t n = h2_grpc_msg(msg, body, sizeof(body));
	h2out_headers(&f->srv, 1, ok_headers, 2, false);
	for (size_t i = 0; i < n; i++)
		h2out_frame(&f->srv, NGHTTP2_DATA, 0, 1, msg + i, 1);
	h2out_headers(&f->srv, 1, ok_trailers, 1, true);
	assert_int_equal(exchange(f), 0);
	assert_int_equal(res.done, 1);
	assert_int_equal(res.status, GRPC_STATUS_OK);
}

/* Statuses: trailers-only with a percent-encoded message, HTTP 404, no
 * grpc-status, two responses on a unary call, a response cut short, an
 * undecodable one, one over 4 MiB, a stream reset. */
static void error_statuses(void **state)
{
	struct fx *f = *state;
	struct result res[8] = { { 0 } };
	for (int i = 0; i < 8; i++)
		empty_call(f, DPAPI_GET_OPTIONS, &res[i]);
	const char *const only[] = { ":status",	    "200", "content-type", "application/grpc",
				     "grpc-status", "5",   "grpc-message", "no%20such%20device%0A" };
	h2out_headers(&f->srv, 1, only, 4, true);
	const char *const h404[] = { ":status", "404" };
	h2out_headers(&f->srv, 3, h404, 1, true);
	h2out_headers(&f->srv, 5, ok_headers, 2, true);
	uint8_t two[10];
	h2_grpc_msg(two, NULL, 0);
	h2_grpc_msg(two + 5, NULL, 0);
	h2out_headers(&f->srv, 7, ok_headers, 2, false);
	h2out_frame(&f->srv, NGHTTP2_DATA, 0, 7, two, 10);
	h2out_headers(&f->srv, 7, ok_trailers, 1, true);
	h2out_headers(&f->srv, 9, ok_headers, 2, false);
	h2out_frame(&f->srv, NGHTTP2_DATA, NGHTTP2_FLAG_END_STREAM, 9, two, 3);
	uint8_t bad[8];
	size_t nbad = h2_grpc_msg(bad, "\x08", 1); /* field 1 varint, value missing */
	h2out_headers(&f->srv, 11, ok_headers, 2, false);
	h2out_frame(&f->srv, NGHTTP2_DATA, 0, 11, bad, nbad);
	uint8_t big[5];
	grpc_frame_prefix(big, GRPC_MAX_MESSAGE + 1);
	h2out_headers(&f->srv, 13, ok_headers, 2, false);
	h2out_frame(&f->srv, NGHTTP2_DATA, 0, 13, big, 5);
	uint8_t rst[4] = { 0, 0, 0, NGHTTP2_REFUSED_STREAM };
	h2out_frame(&f->srv, NGHTTP2_RST_STREAM, 0, 15, rst, 4);
	assert_int_equal(exchange(f), 0);
	assert_int_equal(res[0].status, GRPC_STATUS_NOT_FOUND);
	assert_string_equal(res[0].message, "no such device\n");
	assert_int_equal(res[1].status, GRPC_STATUS_UNIMPLEMENTED);
	assert_int_equal(res[2].status, GRPC_STATUS_INTERNAL);
	assert_int_equal(res[3].status, GRPC_STATUS_UNIMPLEMENTED);
	assert_int_equal(res[4].status, GRPC_STATUS_INTERNAL);
	assert_int_equal(res[5].status, GRPC_STATUS_INTERNAL); /* the client resets: closes at once */
	assert_int_equal(res[6].status, GRPC_STATUS_RESOURCE_EXHAUSTED);
	assert_int_equal(res[7].status, GRPC_STATUS_UNAVAILABLE);
	for (int i = 0; i < 8; i++)
		assert_int_equal(res[i].done, 1);
}

/* A stream: several messages in one DATA frame, then the channel closed
 * from the application with the stream open: CANCELLED, once. */
static void stream_and_close(void **state)
{
	struct fx *f = *state;
	struct result res = { 0 };
	V1beta1__Empty e = V1BETA1__EMPTY__INIT;
	assert_int_equal(grpc_call_stream(f->ch, DPAPI_LIST_AND_WATCH, &e.base,
					  &v1beta1__list_and_watch_response__descriptor, 0, on_list, on_done,
					  &res, NULL),
			 0);
	struct dpapi_device devs[3] = { { "a", true, -1 }, { "b", true, 0 }, { "c", false, -1 } };
	uint8_t buf[256];
	size_t len = 0;
	for (size_t n = 1; n <= 3; n++) {
		V1beta1__ListAndWatchResponse *r;
		assert_int_equal(dpapi_device_list(devs, n, &r), 0);
		uint8_t body[128];
		size_t b = protobuf_c_message_pack(&r->base, body);
		len += h2_grpc_msg(buf + len, body, (uint32_t)b);
		dpapi_free(r);
	}
	h2out_headers(&f->srv, 1, ok_headers, 2, false);
	h2out_frame(&f->srv, NGHTTP2_DATA, 0, 1, buf, len);
	assert_int_equal(exchange(f), 0);
	assert_int_equal(res.msgs, 3);
	assert_int_equal(res.n_devices, 3);
	assert_int_equal(res.done, 0);
	grpc_channel_close(f->ch);
	f->ch = NULL;
	assert_int_equal(res.done, 1);
	assert_int_equal(res.status, GRPC_STATUS_CANCELLED);
}

/* A GOAWAY that excludes a stream: it completes UNAVAILABLE. */
static void goaway_refuses_later_streams(void **state)
{
	struct fx *f = *state;
	struct result a = { 0 }, b = { 0 };
	empty_call(f, DPAPI_GET_OPTIONS, &a);
	empty_call(f, DPAPI_GET_OPTIONS, &b);
	uint8_t goaway[8] = { 0, 0, 0, 1, 0, 0, 0, 0 }; /* last stream 1, NO_ERROR */
	h2out_frame(&f->srv, NGHTTP2_GOAWAY, 0, 0, goaway, 8);
	const char *const only[] = {
		":status", "200", "content-type", "application/grpc", "grpc-status", "0"
	};
	h2out_headers(&f->srv, 1, only, 3, true);
	assert_int_equal(exchange(f), 0);
	assert_int_equal(a.status, GRPC_STATUS_UNIMPLEMENTED); /* OK without a message on a unary call */
	assert_int_equal(b.status, GRPC_STATUS_UNAVAILABLE);
	/* a call started after the GOAWAY fails too, one way or the other */
	struct result c = { 0 };
	V1beta1__Empty e = V1BETA1__EMPTY__INIT;
	if (grpc_call_unary(f->ch, DPAPI_GET_OPTIONS, &e.base, &v1beta1__empty__descriptor, 0, unary_cb,
			    &c) == 0) {
		assert_int_equal(exchange(f), 0);
		assert_int_equal(c.done, 1);
		assert_int_equal(c.status, GRPC_STATUS_UNAVAILABLE);
	}
}

int main(void)
{
#define T(x) cmocka_unit_test_setup_teardown(x, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(unary_split_response),
		T(error_statuses),
		T(stream_and_close),
		T(goaway_refuses_later_streams),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
