// SPDX-License-Identifier: GPL-2.0-or-later
/* gRPC client: each call is one HTTP/2 stream carrying one request
 * message; responses are decoded as they complete. */
#include "grpc_client.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grpc_conn.h"
#include "log.h"
#include "rootfs_sock.h"

struct grpc_channel {
	struct grpc_conn conn;
	struct evloop *loop;
	char *authority;
	grpc_channel_close_cb on_close;
	void *data;
	struct grpc_client_call *calls;
	bool closing; /* the application closed it while callbacks ran */
};

struct grpc_client_call {
	struct grpc_channel *ch;
	struct grpc_client_call *prev, *next;
	int32_t id;
	const ProtobufCMessageDescriptor *desc;
	grpc_unary_cb unary_cb;
	grpc_stream_msg_cb on_message;
	grpc_stream_done_cb on_done;
	void *data;
	ProtobufCMessage *resp; /* unary: the response, until completion */
	int n_msgs;
	int error; /* a GRPC_STATUS_* found on our side */
	const char *error_msg;
	struct grpc_frame_reader rd;
	struct grpc_outq q;
	int http_status, status;
	char *message;
	int64_t timer;
	bool done; /* callbacks ran (or the application cancelled) */
};

#define NV(n, v)                                                                                             \
	{                                                                                                    \
		(uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, strlen(v), NGHTTP2_NV_FLAG_NO_COPY_NAME       \
	}

static void stop_timer(struct grpc_client_call *call)
{
	if (call->timer > 0)
		evloop_del_timer(call->ch->loop, call->timer);
	call->timer = 0;
}

static void call_unlink_free(struct grpc_client_call *call)
{
	struct grpc_channel *ch = call->ch;
	if (call->prev)
		call->prev->next = call->next;
	else
		ch->calls = call->next;
	if (call->next)
		call->next->prev = call->prev;
	stop_timer(call);
	grpc_frame_reader_release(&call->rd);
	grpc_outq_release(&call->q);
	if (call->resp)
		protobuf_c_message_free_unpacked(call->resp, NULL);
	free(call->message);
	free(call);
}

/* Runs the application's callback once. */
static void complete(struct grpc_client_call *call, int status, const char *message)
{
	if (call->done)
		return;
	call->done = true;
	stop_timer(call);
	if (!message)
		message = "";
	if (call->unary_cb) {
		ProtobufCMessage *resp = call->resp;
		call->resp = NULL;
		call->unary_cb(call->data, status, message, status == GRPC_STATUS_OK ? resp : NULL);
		if (resp)
			protobuf_c_message_free_unpacked(resp, NULL);
	} else
		call->on_done(call->data, status, message);
}

static int http_to_grpc(int http)
{
	switch (http) {
	case 400: return GRPC_STATUS_INTERNAL;
	case 401: return GRPC_STATUS_UNAUTHENTICATED;
	case 403: return GRPC_STATUS_PERMISSION_DENIED;
	case 404: return GRPC_STATUS_UNIMPLEMENTED;
	case 429:
	case 502:
	case 503:
	case 504: return GRPC_STATUS_UNAVAILABLE;
	default: return GRPC_STATUS_UNKNOWN;
	}
}

/* The final status of a stream that closed. */
static void finish_closed(struct grpc_client_call *call, uint32_t error_code)
{
	char buf[64];
	if (call->error)
		complete(call, call->error, call->error_msg);
	else if (call->status >= 0) {
		if (call->status == GRPC_STATUS_OK && call->unary_cb && call->n_msgs != 1)
			complete(call, GRPC_STATUS_UNIMPLEMENTED, "unary call without exactly one response");
		else
			complete(call, call->status, call->message ? grpc_message_decode(call->message) : "");
	} else if (call->http_status && call->http_status != 200) {
		snprintf(buf, sizeof(buf), "HTTP status %d", call->http_status);
		complete(call, http_to_grpc(call->http_status), buf);
	} else if (error_code == NGHTTP2_REFUSED_STREAM)
		complete(call, GRPC_STATUS_UNAVAILABLE, "stream refused");
	else if (error_code == NGHTTP2_CANCEL)
		complete(call, GRPC_STATUS_CANCELLED, "stream cancelled by the server");
	else if (error_code != NGHTTP2_NO_ERROR) {
		snprintf(buf, sizeof(buf), "stream reset (HTTP/2 error %u)", error_code);
		complete(call, GRPC_STATUS_INTERNAL, buf);
	} else
		complete(call, GRPC_STATUS_INTERNAL, "stream ended without grpc-status");
}

/* --- nghttp2 callbacks -------------------------------------------------------- */

static int on_header(nghttp2_session *h2, const nghttp2_frame *frame, const uint8_t *name, size_t namelen,
		     const uint8_t *value, size_t valuelen, uint8_t flags, void *user)
{
	if (frame->hd.type != NGHTTP2_HEADERS)
		return 0;
	struct grpc_client_call *call = nghttp2_session_get_stream_user_data(h2, frame->hd.stream_id);
	if (!call)
		return 0;
	char v[16];
	if (namelen == 7 && memcmp(name, ":status", 7) == 0) {
		snprintf(v, sizeof(v), "%.*s", (int)(valuelen < 15 ? valuelen : 15), value);
		call->http_status = atoi(v);
	} else if (namelen == 11 && memcmp(name, "grpc-status", 11) == 0) {
		snprintf(v, sizeof(v), "%.*s", (int)(valuelen < 15 ? valuelen : 15), value);
		call->status = atoi(v);
	} else if (namelen == 12 && memcmp(name, "grpc-message", 12) == 0) {
		free(call->message);
		call->message = strndup((const char *)value, valuelen);
	}
	return 0;
}

static int on_response_message(void *data, const uint8_t *msg, size_t len)
{
	struct grpc_client_call *call = data;
	if (call->done)
		return -ECANCELED;
	ProtobufCMessage *m = protobuf_c_message_unpack(call->desc, NULL, len, msg);
	if (!m)
		return -EBADMSG;
	call->n_msgs++;
	if (call->unary_cb) {
		if (call->resp)
			protobuf_c_message_free_unpacked(call->resp, NULL);
		call->resp = m;
		return 0;
	}
	call->on_message(call->data, m);
	protobuf_c_message_free_unpacked(m, NULL);
	return 0;
}

static int on_data_chunk(nghttp2_session *h2, uint8_t flags, int32_t id, const uint8_t *data, size_t len,
			 void *user)
{
	struct grpc_client_call *call = nghttp2_session_get_stream_user_data(h2, id);
	if (!call || call->done || call->error)
		return 0;
	int r = grpc_frame_feed(&call->rd, data, len, on_response_message, call);
	if (r < 0 && r != -ECANCELED) {
		call->error = r == -EMSGSIZE ? GRPC_STATUS_RESOURCE_EXHAUSTED : GRPC_STATUS_INTERNAL;
		call->error_msg = r == -EMSGSIZE ? "response message larger than 4194304 bytes"
						 : "cannot decode the response message";
		nghttp2_submit_rst_stream(h2, NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
	}
	return 0;
}

static int on_frame_recv(nghttp2_session *h2, const nghttp2_frame *frame, void *user)
{
	if ((frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) ||
	    !(frame->hd.flags & NGHTTP2_FLAG_END_STREAM))
		return 0;
	struct grpc_client_call *call = nghttp2_session_get_stream_user_data(h2, frame->hd.stream_id);
	if (call && !call->error && !grpc_frame_reader_idle(&call->rd)) {
		call->error = GRPC_STATUS_INTERNAL;
		call->error_msg = "response ends inside a message";
	}
	return 0;
}

static int on_stream_close(nghttp2_session *h2, int32_t id, uint32_t error_code, void *user)
{
	struct grpc_client_call *call = nghttp2_session_get_stream_user_data(h2, id);
	if (!call)
		return 0;
	nghttp2_session_set_stream_user_data(h2, id, NULL);
	finish_closed(call, error_code);
	call_unlink_free(call);
	return 0;
}

static ssize_t request_read(nghttp2_session *h2, int32_t id, uint8_t *buf, size_t len, uint32_t *flags,
			    nghttp2_data_source *src, void *user)
{
	struct grpc_client_call *call = src->ptr;
	size_t n = grpc_outq_read(&call->q, buf, len);
	if (grpc_outq_empty(&call->q))
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

/* --- channel -------------------------------------------------------------------- */

static void channel_free(struct grpc_channel *ch, int status, const char *why)
{
	ch->conn.busy++; /* callbacks below: no flush on a dying connection */
	while (ch->calls) {
		struct grpc_client_call *call = ch->calls;
		complete(call, status, why);
		call_unlink_free(call);
	}
	grpc_conn_release(&ch->conn);
	free(ch->authority);
	free(ch);
}

static void conn_closed(struct grpc_conn *c, int err)
{
	struct grpc_channel *ch = (struct grpc_channel *)c;
	if (ch->closing) {
		channel_free(ch, GRPC_STATUS_CANCELLED, "channel closed");
		return;
	}
	/* callbacks may start calls: make that fail rather than touch a
	 * dying connection */
	ch->closing = true;
	ch->conn.busy++;
	while (ch->calls) {
		struct grpc_client_call *call = ch->calls;
		complete(call, GRPC_STATUS_UNAVAILABLE, "connection closed");
		call_unlink_free(call);
	}
	ch->conn.busy--;
	if (ch->on_close)
		ch->on_close(ch, err, ch->data);
	channel_free(ch, GRPC_STATUS_CANCELLED, "channel closed");
}

/* A channel with its nghttp2 client session, not yet connected. */
static int channel_new(struct evloop *loop, const char *authority, grpc_channel_close_cb on_close, void *data,
		       struct grpc_channel **ret)
{
	static nghttp2_session_callbacks *cbs;
	if (!cbs) { /* built once, kept for the process' life */
		if (nghttp2_session_callbacks_new(&cbs) != 0)
			return -ENOMEM;
		nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
		nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data_chunk);
		nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_frame_recv);
		nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_stream_close);
	}
	struct grpc_channel *ch = calloc(1, sizeof(*ch));
	if (!ch)
		return -ENOMEM;
	ch->loop = loop;
	ch->on_close = on_close;
	ch->data = data;
	ch->authority = strdup(authority ? authority : "localhost");
	static const nghttp2_settings_entry iv[] = { { NGHTTP2_SETTINGS_ENABLE_PUSH, 0 } };
	int r = ch->authority ? grpc_conn_setup(&ch->conn, false, cbs, ch, iv, 1, conn_closed) : -ENOMEM;
	if (r < 0) {
		free(ch->authority);
		free(ch);
		return r;
	}
	*ret = ch;
	return 0;
}

int grpc_channel_dial(struct evloop *loop, int dirfd, const char *name, const char *authority,
		      grpc_channel_close_cb on_close, void *data, struct grpc_channel **ret)
{
	int fd = rootfs_sock_connect(dirfd, name);
	if (fd < 0)
		return fd;
	struct grpc_channel *ch;
	int r = channel_new(loop, authority, on_close, data, &ch);
	if (r == 0 && (r = grpc_conn_attach(&ch->conn, loop, fd)) < 0)
		channel_free(ch, GRPC_STATUS_CANCELLED, "");
	if (r < 0) {
		close(fd);
		return r;
	}
	grpc_conn_kick(&ch->conn);
	*ret = ch;
	return 0;
}

int grpc_channel_new_detached(struct grpc_channel **ret)
{
	return channel_new(NULL, NULL, NULL, NULL, ret);
}

int grpc_channel_feed(struct grpc_channel *ch, const uint8_t *data, size_t len)
{
	int r = grpc_conn_feed(&ch->conn, data, len);
	if (ch->conn.closing) {
		channel_free(ch, GRPC_STATUS_CANCELLED, "channel closed");
		return -ECANCELED;
	}
	return r;
}

ssize_t grpc_channel_pull(struct grpc_channel *ch, const uint8_t **ret)
{
	ssize_t n = grpc_conn_pull(&ch->conn, ret);
	if (ch->conn.closing) { /* a stream closed as we sent, its callback closed us */
		channel_free(ch, GRPC_STATUS_CANCELLED, "channel closed");
		return -ECANCELED;
	}
	return n;
}

void grpc_channel_close(struct grpc_channel *ch)
{
	if (ch->closing)
		return;
	ch->closing = true;
	/* the calls' callbacks run now, as documented; busy: what they do
	 * (cancel another call...) must not flush and free calls under us */
	ch->conn.busy++;
	for (struct grpc_client_call *call = ch->calls; call; call = call->next)
		complete(call, GRPC_STATUS_CANCELLED, "channel closed");
	ch->conn.busy--;
	if (ch->conn.busy)
		grpc_conn_close(&ch->conn); /* inside our own callbacks: free from the loop */
	else
		channel_free(ch, GRPC_STATUS_CANCELLED, "channel closed");
}

/* --- calls ------------------------------------------------------------------------ */

static void on_deadline(struct evloop *loop, void *data)
{
	struct grpc_client_call *call = data;
	struct grpc_channel *ch = call->ch;
	call->timer = 0;
	call->error = GRPC_STATUS_DEADLINE_EXCEEDED;
	call->error_msg = "deadline exceeded";
	nghttp2_submit_rst_stream(ch->conn.h2, NGHTTP2_FLAG_NONE, call->id, NGHTTP2_CANCEL);
	/* busy: a grpc_channel_close() from the callback is deferred, so the
	 * channel is still here for the kick that sends the reset */
	ch->conn.busy++;
	complete(call, call->error, call->error_msg);
	ch->conn.busy--;
	grpc_conn_kick(&ch->conn); /* may free call (stream closed) */
}

static int start(struct grpc_channel *ch, const char *path, const ProtobufCMessage *req,
		 const ProtobufCMessageDescriptor *resp_desc, unsigned timeout_ms,
		 struct grpc_client_call **ret)
{
	if (ch->closing)
		return -ENOTCONN;
	struct grpc_client_call *call = calloc(1, sizeof(*call));
	if (!call)
		return -ENOMEM;
	uint8_t *buf;
	size_t len;
	int r = grpc_frame_pack(req, &buf, &len);
	if (r < 0) {
		free(call);
		return r;
	}
	call->ch = ch;
	call->desc = resp_desc;
	call->status = -1;
	grpc_frame_reader_init(&call->rd, GRPC_MAX_MESSAGE);
	grpc_outq_put(&call->q, buf, len);
	char timeout[24];
	snprintf(timeout, sizeof(timeout), "%um", timeout_ms);
	nghttp2_nv nv[] = {
		NV(":method", "POST"),
		NV(":scheme", "http"),
		NV(":path", path),
		NV(":authority", ch->authority),
		NV("content-type", "application/grpc"),
		NV("te", "trailers"),
		NV("user-agent", "gpu-initd-grpc/1"),
		NV("grpc-timeout", timeout),
	};
	nghttp2_data_provider prd = { .source.ptr = call, .read_callback = request_read };
	int32_t id = nghttp2_submit_request(ch->conn.h2, NULL, nv, timeout_ms ? 8 : 7, &prd, call);
	if (id < 0) {
		grpc_outq_release(&call->q);
		free(call);
		return id == NGHTTP2_ERR_NOMEM ? -ENOMEM : -ENOTCONN;
	}
	call->id = id;
	if (timeout_ms) {
		int64_t t = evloop_add_timer(ch->loop, timeout_ms, on_deadline, call);
		call->timer = t > 0 ? t : 0;
	}
	call->next = ch->calls;
	if (ch->calls)
		ch->calls->prev = call;
	ch->calls = call;
	/* not now: sending may close the stream (a GOAWAY came) and run its
	 * callbacks, which the caller has not even set yet */
	grpc_conn_kick_later(&ch->conn);
	*ret = call;
	return 0;
}

int grpc_call_unary(struct grpc_channel *ch, const char *path, const ProtobufCMessage *req,
		    const ProtobufCMessageDescriptor *resp_desc, unsigned timeout_ms, grpc_unary_cb cb,
		    void *data)
{
	struct grpc_client_call *call;
	int r = start(ch, path, req, resp_desc, timeout_ms, &call);
	if (r < 0)
		return r;
	call->unary_cb = cb;
	call->data = data;
	return 0;
}

int grpc_call_stream(struct grpc_channel *ch, const char *path, const ProtobufCMessage *req,
		     const ProtobufCMessageDescriptor *resp_desc, unsigned timeout_ms,
		     grpc_stream_msg_cb on_message, grpc_stream_done_cb on_done, void *data,
		     struct grpc_client_call **ret)
{
	struct grpc_client_call *call;
	int r = start(ch, path, req, resp_desc, timeout_ms, &call);
	if (r < 0)
		return r;
	call->on_message = on_message;
	call->on_done = on_done;
	call->data = data;
	if (ret)
		*ret = call;
	return 0;
}

void grpc_client_call_cancel(struct grpc_client_call *call)
{
	if (call->done)
		return;
	call->done = true;
	stop_timer(call);
	nghttp2_submit_rst_stream(call->ch->conn.h2, NGHTTP2_FLAG_NONE, call->id, NGHTTP2_CANCEL);
	grpc_conn_kick_later(&call->ch->conn); /* other calls' callbacks must not run in here */
}
