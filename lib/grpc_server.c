// SPDX-License-Identifier: GPL-2.0-or-later
/* gRPC server: nghttp2 callbacks turn HTTP/2 streams into calls. */
#include "grpc_server.h"

#include <errno.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "grpc_conn.h"
#include "log.h"
#include "pbcheck.h"
#include "rootfs_sock.h"

#define MAX_STREAMS 100
/* Partial request messages one connection may hold in total (each is
 * capped at 4 MiB; this caps 100 streams of them). */
#define MAX_CONN_BUFFERED (16u << 20)

struct grpc_server {
	struct evloop *loop;
	const struct grpc_method *methods;
	size_t n_methods;
	void *data;
	int lfd;
	struct grpc_server_conn *conns;
	unsigned n_conns;
	unsigned conns_peak;	   /* most connections open since the last trim */
	struct grpc_server *gnext; /* every server of the process */
	bool paused;		   /* accept cannot succeed: lfd not polled */
	bool warned;		   /* a refusal or pause was logged since the last accept */
	int64_t resume_timer;
};

/* Process-wide: one loop, one memory (see grpc_server_set_limits). */
static struct grpc_server_limits g_lim = { GRPC_SERVER_MAX_CONNS, GRPC_SERVER_FD_HEADROOM,
					   GRPC_SERVER_MAX_BUFFERED, GRPC_SERVER_IDLE_MS };
static struct grpc_server_stats g_st;
static struct grpc_server *g_servers;

struct grpc_server_conn {
	struct grpc_conn conn;
	struct grpc_server *srv;
	struct grpc_server_conn *prev, *next;
	struct grpc_call *calls;
	size_t buffered; /* sum of the calls' partial request bytes */
	int64_t idle_timer;
	bool completed; /* a request was complete and dispatched: not idle */
};

struct grpc_call {
	struct grpc_server_conn *sc;
	struct grpc_call *prev, *next;
	int32_t id;
	const struct grpc_method *method;
	char *path, *authority;
	bool method_ok, ctype_ok;
	struct grpc_frame_reader rd;
	ProtobufCMessage *req;
	int req_error;	  /* a GRPC_STATUS_* once the request is refused */
	int check_status; /* the method's check refused the bytes: status, why */
	char check_why[256];
	bool remote_done; /* the client half-closed */
	bool dispatched;  /* handed to the application */
	bool headers_sent, finished;
	int status;
	char *message;
	struct grpc_outq q;
	size_t queued;	   /* q's bytes, as counted in g_st.queued */
	uint64_t deadline; /* from grpc-timeout (evloop ms), 0: none */
	grpc_cancel_cb cancel;
	void *cancel_data;
};

/* A call's partial request bytes went from before to after. */
static void held(struct grpc_server_conn *sc, size_t before, size_t after)
{
	sc->buffered = sc->buffered - before + after;
	g_st.buffered = g_st.buffered - before + after;
}

/* The out-queue's bytes into the global count. */
static void sync_queued(struct grpc_call *call)
{
	size_t now = (call->q.cur ? call->q.cur_len : 0) + (call->q.next ? call->q.next_len : 0);
	g_st.queued = g_st.queued - call->queued + now;
	call->queued = now;
}

#define NV(n, v)                                                                                             \
	{                                                                                                    \
		(uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, strlen(v), NGHTTP2_NV_FLAG_NO_COPY_NAME       \
	}

/* --- responses ------------------------------------------------------------ */

static ssize_t data_read(nghttp2_session *h2, int32_t id, uint8_t *buf, size_t len, uint32_t *flags,
			 nghttp2_data_source *src, void *user);

static void status_nv(struct grpc_call *call, nghttp2_nv *nv, char *code, size_t code_size, char *msg,
		      size_t msg_size, size_t *n)
{
	snprintf(code, code_size, "%d", call->status);
	nv[(*n)++] = (nghttp2_nv)NV("grpc-status", code);
	if (call->message && call->message[0]) {
		grpc_message_encode(call->message, msg, msg_size);
		nv[(*n)++] = (nghttp2_nv)NV("grpc-message", msg);
	}
}

static int submit_headers(struct grpc_call *call)
{
	nghttp2_nv nv[] = { NV(":status", "200"), NV("content-type", "application/grpc") };
	nghttp2_data_provider prd = { .source.ptr = call, .read_callback = data_read };
	int r = nghttp2_submit_response(call->sc->conn.h2, call->id, nv, 2, &prd);
	if (r != 0)
		return r == NGHTTP2_ERR_NOMEM ? -ENOMEM : -EPROTO;
	call->headers_sent = true;
	return 0;
}

/* Trailers-only response: one HEADERS frame with END_STREAM. */
static int submit_trailers_only(struct grpc_call *call, const char *http_status)
{
	nghttp2_nv nv[4] = { NV(":status", http_status), NV("content-type", "application/grpc") };
	char code[16], msg[512];
	size_t n = 2;
	status_nv(call, nv, code, sizeof(code), msg, sizeof(msg), &n);
	int r = nghttp2_submit_response(call->sc->conn.h2, call->id, nv, n, NULL);
	call->headers_sent = true;
	return r == 0 ? 0 : -EPROTO;
}

static ssize_t data_read(nghttp2_session *h2, int32_t id, uint8_t *buf, size_t len, uint32_t *flags,
			 nghttp2_data_source *src, void *user)
{
	struct grpc_call *call = src->ptr;
	size_t n = grpc_outq_read(&call->q, buf, len);
	sync_queued(call);
	if (!grpc_outq_empty(&call->q))
		return (ssize_t)n;
	if (!call->finished)
		return n ? (ssize_t)n : NGHTTP2_ERR_DEFERRED;
	*flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
	nghttp2_nv nv[2];
	char code[16], msg[512];
	size_t k = 0;
	status_nv(call, nv, code, sizeof(code), msg, sizeof(msg), &k);
	if (nghttp2_submit_trailer(h2, id, nv, k) != 0)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE; /* resets this stream only */
	return (ssize_t)n;
}

static int finish(struct grpc_call *call, int status, const char *message, const char *http_status)
{
	if (call->finished)
		return -EALREADY;
	call->finished = true;
	call->status = status;
	if (message && !(call->message = strdup(message)))
		log_debug("grpc: no memory for the status message");
	int r = 0;
	if (!call->headers_sent)
		r = submit_trailers_only(call, http_status);
	else /* fails when the provider is not deferred (still sending): fine */
		nghttp2_session_resume_data(call->sc->conn.h2, call->id);
	grpc_conn_kick(&call->sc->conn);
	return r;
}

/* The library refuses a request by itself. */
static void refuse(struct grpc_call *call, int status, const char *message)
{
	log_debug("grpc: %s: %s: %s", call->path ? call->path : "?", grpc_status_name(status), message);
	call->req_error = status;
	held(call->sc, grpc_frame_reader_buffered(&call->rd), 0);
	grpc_frame_reader_release(&call->rd);
	finish(call, status, message, "200");
}

/* Queues a message without flushing; with budget, -ENOBUFS when it would
 * take the process's queued responses over max_buffered. */
static int queue_message(struct grpc_call *call, const ProtobufCMessage *msg, bool budget)
{
	if (call->finished)
		return -EALREADY;
	uint8_t *buf;
	size_t len;
	int r = grpc_frame_pack(msg, &buf, &len);
	if (r < 0)
		return r;
	if (budget && g_st.queued + len > g_lim.max_buffered) {
		free(buf);
		g_st.over_budget++;
		return -ENOBUFS;
	}
	grpc_outq_put(&call->q, buf, len);
	sync_queued(call);
	if (!call->headers_sent)
		return submit_headers(call);
	nghttp2_session_resume_data(call->sc->conn.h2, call->id); /* fails if not deferred: fine */
	return 0;
}

int grpc_call_send(struct grpc_call *call, const ProtobufCMessage *msg)
{
	int r = queue_message(call, msg, false); /* a stream holds two messages at most */
	grpc_conn_kick(&call->sc->conn);
	return r;
}

int grpc_call_finish(struct grpc_call *call, int status, const char *message)
{
	return finish(call, status, message, "200");
}

/* Message and trailers leave in one write. */
int grpc_call_reply(struct grpc_call *call, const ProtobufCMessage *msg)
{
	int r = queue_message(call, msg, true);
	if (r == -EALREADY)
		return r;
	if (r < 0) {
		finish(call,
		       r == -EMSGSIZE || r == -ENOBUFS ? GRPC_STATUS_RESOURCE_EXHAUSTED
						       : GRPC_STATUS_INTERNAL,
		       r == -EMSGSIZE  ? "response larger than 4 MiB"
		       : r == -ENOBUFS ? "server busy: too many responses waiting to be read, try again"
				       : "cannot send the response",
		       "200");
		return r;
	}
	return grpc_call_finish(call, GRPC_STATUS_OK, NULL);
}

void grpc_call_on_cancel(struct grpc_call *call, grpc_cancel_cb cb, void *data)
{
	call->cancel = cb;
	call->cancel_data = data;
}

const char *grpc_call_path(const struct grpc_call *call)
{
	return call->path ? call->path : "";
}

const char *grpc_call_authority(const struct grpc_call *call)
{
	return call->authority ? call->authority : "";
}

/* --- request side ----------------------------------------------------------- */

static void call_free(struct grpc_call *call, bool run_cancel)
{
	if (run_cancel && call->dispatched && !call->finished && call->cancel)
		call->cancel(call, call->cancel_data);
	struct grpc_server_conn *sc = call->sc;
	held(sc, grpc_frame_reader_buffered(&call->rd), 0);
	if (call->prev)
		call->prev->next = call->next;
	else
		sc->calls = call->next;
	if (call->next)
		call->next->prev = call->prev;
	grpc_frame_reader_release(&call->rd);
	grpc_outq_release(&call->q);
	sync_queued(call);
	if (call->req)
		protobuf_c_message_free_unpacked(call->req, NULL);
	free(call->path);
	free(call->authority);
	free(call->message);
	free(call);
}

static int on_begin_headers(nghttp2_session *h2, const nghttp2_frame *frame, void *user)
{
	struct grpc_server_conn *sc = user;
	if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;
	struct grpc_call *call = calloc(1, sizeof(*call));
	if (!call)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE; /* resets the stream */
	call->sc = sc;
	call->id = frame->hd.stream_id;
	grpc_frame_reader_init(&call->rd, GRPC_MAX_MESSAGE);
	call->next = sc->calls;
	if (sc->calls)
		sc->calls->prev = call;
	sc->calls = call;
	nghttp2_session_set_stream_user_data(h2, call->id, call);
	return 0;
}

/* grpc-timeout: at most 8 digits and a unit H M S m u n (grpc/grpc
 * doc/PROTOCOL-HTTP2.md, Requests: Timeout), in milliseconds rounded up;
 * UINT64_MAX when malformed (ignored: "a server should assume an infinite
 * timeout" when it is omitted). */
static uint64_t grpc_timeout_ms(const char *v, size_t n)
{
	uint64_t x = 0;
	if (n < 2 || n > 9)
		return UINT64_MAX;
	for (size_t i = 0; i + 1 < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return UINT64_MAX;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	switch (v[n - 1]) {
	case 'H': return x * 3600000;
	case 'M': return x * 60000;
	case 'S': return x * 1000;
	case 'm': return x;
	case 'u': return (x + 999) / 1000;
	case 'n': return (x + 999999) / 1000000;
	default: return UINT64_MAX;
	}
}

static bool hdr_is(const uint8_t *name, size_t namelen, const char *s)
{
	return namelen == strlen(s) && memcmp(name, s, namelen) == 0;
}

static int on_header(nghttp2_session *h2, const nghttp2_frame *frame, const uint8_t *name, size_t namelen,
		     const uint8_t *value, size_t valuelen, uint8_t flags, void *user)
{
	if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0; /* client trailers: nothing we use */
	struct grpc_call *call = nghttp2_session_get_stream_user_data(h2, frame->hd.stream_id);
	if (!call)
		return 0;
	if (hdr_is(name, namelen, ":path")) {
		free(call->path);
		call->path = strndup((const char *)value, valuelen);
		if (!call->path)
			return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	} else if (hdr_is(name, namelen, ":authority")) {
		free(call->authority);
		call->authority = strndup((const char *)value, valuelen);
	} else if (hdr_is(name, namelen, "grpc-timeout")) {
		uint64_t ms = grpc_timeout_ms((const char *)value, valuelen);
		if (ms != UINT64_MAX)
			call->deadline = evloop_now_ms() + ms;
	} else if (hdr_is(name, namelen, ":method"))
		call->method_ok = valuelen == 4 && memcmp(value, "POST", 4) == 0;
	else if (hdr_is(name, namelen, "content-type"))
		/* "application/grpc", optionally "+proto" or ";..." */
		call->ctype_ok = valuelen >= 16 && memcmp(value, "application/grpc", 16) == 0 &&
				 (valuelen == 16 || value[16] == '+' || value[16] == ';');
	return 0;
}

static void check_request_headers(struct grpc_call *call)
{
	struct grpc_server *srv = call->sc->srv;
	if (!call->method_ok) {
		call->req_error = GRPC_STATUS_INTERNAL;
		finish(call, GRPC_STATUS_INTERNAL, "gRPC requires POST", "405");
		return;
	}
	if (!call->ctype_ok) {
		call->req_error = GRPC_STATUS_INTERNAL;
		finish(call, GRPC_STATUS_INTERNAL, "invalid gRPC request content-type", "415");
		return;
	}
	for (size_t i = 0; call->path && i < srv->n_methods; i++)
		if (strcmp(srv->methods[i].path, call->path) == 0) {
			call->method = &srv->methods[i];
			return;
		}
	char msg[300];
	snprintf(msg, sizeof(msg), "unknown method %.256s", call->path ? call->path : "(no :path)");
	refuse(call, GRPC_STATUS_UNIMPLEMENTED, msg);
}

static int on_message(void *data, const uint8_t *msg, size_t len)
{
	struct grpc_call *call = data;
	if (call->req)
		return -E2BIG;
	if (call->method->check &&
	    (call->check_status = call->method->check(msg, len, call->sc->srv->data, call->check_why,
						      sizeof(call->check_why))) != 0)
		return -EPERM;
	if (!pb_strings_nul_free(call->method->request, msg, len))
		return -EILSEQ;
	call->req = protobuf_c_message_unpack(call->method->request, NULL, len, msg);
	return call->req ? 0 : -EBADMSG;
}

static int on_data_chunk(nghttp2_session *h2, uint8_t flags, int32_t id, const uint8_t *data, size_t len,
			 void *user)
{
	struct grpc_call *call = nghttp2_session_get_stream_user_data(h2, id);
	if (!call || call->req_error || call->finished || call->dispatched || !call->method)
		return 0; /* answered already: drop the rest */
	struct grpc_server_conn *sc = call->sc;
	size_t before = grpc_frame_reader_buffered(&call->rd);
	if (sc->buffered + len > MAX_CONN_BUFFERED) {
		refuse(call, GRPC_STATUS_RESOURCE_EXHAUSTED,
		       "too much request data in flight on this connection");
		return 0;
	}
	int r = grpc_frame_feed(&call->rd, data, len, on_message, call);
	size_t after = grpc_frame_reader_buffered(&call->rd);
	held(sc, before, after);
	/* only bytes kept for later count: a whole small request (kubelet's)
	 * goes through however full the budget is */
	if (r == 0 && after > before && g_st.buffered > g_lim.max_buffered) {
		g_st.over_budget++;
		refuse(call, GRPC_STATUS_RESOURCE_EXHAUSTED,
		       "server busy: too much unfinished request data from all connections, try again");
		return 0;
	}
	if (r == -EMSGSIZE)
		refuse(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "request message larger than 4194304 bytes");
	else if (r == -EPROTONOSUPPORT)
		refuse(call, GRPC_STATUS_UNIMPLEMENTED, "compressed messages are not supported");
	else if (r == -EBADMSG)
		refuse(call, GRPC_STATUS_INVALID_ARGUMENT, "cannot decode the request message");
	else if (r == -EILSEQ)
		refuse(call, GRPC_STATUS_INVALID_ARGUMENT,
		       "a string in the request message holds a NUL byte");
	else if (r == -E2BIG)
		refuse(call, GRPC_STATUS_INTERNAL, "more than one request message for a unary call");
	else if (r == -EPERM)
		refuse(call, call->check_status, call->check_why);
	else if (r < 0)
		refuse(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "out of memory");
	return 0;
}

static void request_done(struct grpc_call *call)
{
	call->remote_done = true;
	if (call->req_error || call->finished || call->dispatched)
		return;
	if (!grpc_frame_reader_idle(&call->rd)) {
		refuse(call, GRPC_STATUS_INTERNAL, "request ends inside a message");
		return;
	}
	if (!call->req) {
		refuse(call, GRPC_STATUS_INTERNAL, "no request message");
		return;
	}
	if (call->deadline && evloop_now_ms() > call->deadline) {
		g_st.expired++;
		refuse(call, GRPC_STATUS_DEADLINE_EXCEEDED,
		       "deadline exceeded before the request was complete");
		return;
	}
	struct grpc_server_conn *sc = call->sc;
	if (!sc->completed) {
		sc->completed = true;
		if (sc->idle_timer > 0)
			evloop_del_timer(sc->srv->loop, sc->idle_timer);
		sc->idle_timer = 0;
	}
	call->dispatched = true;
	ProtobufCMessage *req = call->req;
	call->req = NULL;
	/* the handler may finish the call, which stays valid until the
	 * stream closes (later, outside this callback) */
	call->method->handler(call, req, call->sc->srv->data);
	protobuf_c_message_free_unpacked(req, NULL);
}

static int on_frame_recv(nghttp2_session *h2, const nghttp2_frame *frame, void *user)
{
	if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA)
		return 0;
	struct grpc_call *call = nghttp2_session_get_stream_user_data(h2, frame->hd.stream_id);
	if (!call)
		return 0;
	if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST)
		check_request_headers(call);
	if (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)
		request_done(call);
	return 0;
}

/* After our END_STREAM, a client still sending is told to stop (as gRPC
 * servers do: RST_STREAM NO_ERROR). */
static int on_frame_send(nghttp2_session *h2, const nghttp2_frame *frame, void *user)
{
	if ((frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) ||
	    !(frame->hd.flags & NGHTTP2_FLAG_END_STREAM))
		return 0;
	struct grpc_call *call = nghttp2_session_get_stream_user_data(h2, frame->hd.stream_id);
	if (call && !call->remote_done)
		nghttp2_submit_rst_stream(h2, NGHTTP2_FLAG_NONE, frame->hd.stream_id, NGHTTP2_NO_ERROR);
	return 0;
}

static int on_stream_close(nghttp2_session *h2, int32_t id, uint32_t error_code, void *user)
{
	struct grpc_call *call = nghttp2_session_get_stream_user_data(h2, id);
	if (call) {
		nghttp2_session_set_stream_user_data(h2, id, NULL);
		call_free(call, true);
	}
	return 0;
}

/* --- connections -------------------------------------------------------------- */

static int conn_new(struct grpc_server *srv, struct grpc_server_conn **ret)
{
	static nghttp2_session_callbacks *cbs;
	if (!cbs) { /* built once, kept for the process' life */
		if (nghttp2_session_callbacks_new(&cbs) != 0)
			return -ENOMEM;
		nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, on_begin_headers);
		nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
		nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data_chunk);
		nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_frame_recv);
		nghttp2_session_callbacks_set_on_frame_send_callback(cbs, on_frame_send);
		nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_stream_close);
	}
	struct grpc_server_conn *sc = calloc(1, sizeof(*sc));
	if (!sc)
		return -ENOMEM;
	static const nghttp2_settings_entry iv[] = {
		{ NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, MAX_STREAMS },
		{ NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, 16384 },
	};
	int r = grpc_conn_setup(&sc->conn, true, cbs, sc, iv, 2, NULL);
	if (r < 0) {
		free(sc);
		return r;
	}
	sc->srv = srv;
	*ret = sc;
	return 0;
}

static void conn_free(struct grpc_server_conn *sc)
{
	if (sc->idle_timer > 0)
		evloop_del_timer(sc->srv->loop, sc->idle_timer);
	sc->idle_timer = 0;
	sc->conn.busy++; /* cancel callbacks may send on other calls: no flush now */
	while (sc->calls)
		call_free(sc->calls, true);
	grpc_conn_release(&sc->conn);
	struct grpc_server *srv = sc->srv;
	if (sc->prev)
		sc->prev->next = sc->next;
	else if (srv->conns == sc)
		srv->conns = sc->next;
	if (sc->next)
		sc->next->prev = sc->prev;
	free(sc);
}

/* A burst of connections leaves their sessions' memory (~35 KB each,
 * mostly nghttp2's) free but resident in the middle of the heap, where
 * free() never returns it: 200 clients took serve from 4.4 to 9-11 MB for
 * good (issue 19).  Once half of the peak has gone, hand the free pages
 * back (malloc_trim(3), NOTES: since glibc 2.8 it frees the whole free
 * pages of all chunks in all arenas, not only the heap's top; measured: a
 * trim after a round took 9.1 MB back to 4.8): at most log2(peak) trims
 * per burst, none for the few steady connections (kubelet's). */
static void trim_after_burst(struct grpc_server *srv)
{
#ifdef __GLIBC__
	if (srv->conns_peak >= 8 && srv->n_conns * 2 <= srv->conns_peak) {
		malloc_trim(0);
		srv->conns_peak = srv->n_conns;
	}
#endif
}

static void resume_accept(struct grpc_server *srv)
{
	if (!srv->paused)
		return;
	srv->paused = false;
	if (srv->resume_timer > 0)
		evloop_del_timer(srv->loop, srv->resume_timer);
	srv->resume_timer = 0;
	if (srv->lfd >= 0)
		evloop_mod_fd(srv->loop, srv->lfd, EV_READ);
}

static void resume_timer_fired(struct evloop *loop, void *data)
{
	struct grpc_server *srv = data;
	srv->resume_timer = 0;
	resume_accept(srv);
}

/* accept() cannot succeed (EMFILE...): a level-triggered listening socket
 * would wake us forever.  Poll it again when a connection closes (an fd
 * is free) or after a short while (someone else freed one). */
static void pause_accept(struct grpc_server *srv, int err)
{
	if (srv->paused)
		return;
	srv->paused = true;
	g_st.paused++;
	evloop_mod_fd(srv->loop, srv->lfd, 0);
	int64_t t = evloop_add_timer(srv->loop, GRPC_SERVER_ACCEPT_RETRY_MS, resume_timer_fired, srv);
	srv->resume_timer = t > 0 ? t : 0;
	if (!srv->warned) {
		srv->warned = true;
		log_warning_errno(-err, "grpc: cannot accept connections (%m): retrying when one closes");
	}
}

static void conn_closed(struct grpc_conn *c, int err)
{
	struct grpc_server_conn *sc = (struct grpc_server_conn *)c;
	struct grpc_server *srv = sc->srv;
	srv->n_conns--;
	g_st.conns--;
	conn_free(sc);
	trim_after_burst(srv);
	for (struct grpc_server *s = g_servers; s; s = s->gnext)
		resume_accept(s); /* an fd is free */
}

static void idle_fired(struct evloop *loop, void *data)
{
	struct grpc_server_conn *sc = data;
	sc->idle_timer = 0;
	if (sc->completed || sc->conn.closing)
		return;
	g_st.idle_closed++;
	log_debug("grpc: connection on fd %d completed no request in %u ms: closing", sc->conn.fd,
		  g_lim.idle_ms);
	grpc_conn_goaway_close(&sc->conn, NGHTTP2_NO_ERROR, "idle: no request completed in time");
}

/* Why a new connection (fd, already counted) is refused, or NULL. */
static const char *over_limits(int fd)
{
	struct rlimit rl;
	if (g_st.conns > g_lim.max_conns)
		return "too many connections";
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    (rlim_t)fd + g_lim.fd_headroom >= rl.rlim_cur)
		return "too many open files";
	return NULL;
}

static void on_accept(struct evloop *loop, int lfd, unsigned events, void *data)
{
	struct grpc_server *srv = data;
	for (int i = 0; i < 32; i++) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
				pause_accept(srv, errno);
			else if (errno == ECONNABORTED || errno == EINTR)
				continue;
			else if (errno != EAGAIN)
				log_debug_errno(errno, "grpc: accept: %m");
			return;
		}
		struct grpc_server_conn *sc;
		if (conn_new(srv, &sc) < 0) {
			close(fd);
			continue;
		}
		sc->conn.on_close = conn_closed;
		if (grpc_conn_attach(&sc->conn, loop, fd) < 0) {
			close(fd);
			grpc_conn_release(&sc->conn);
			free(sc);
			continue;
		}
		sc->next = srv->conns;
		if (srv->conns)
			srv->conns->prev = sc;
		srv->conns = sc;
		if (++srv->n_conns > srv->conns_peak)
			srv->conns_peak = srv->n_conns;
		g_st.conns++;
		const char *why = over_limits(fd);
		if (why) {
			/* the client learns why (GOAWAY debug data), we forget it;
			 * gRPC clients map ENHANCE_YOUR_CALM to RESOURCE_EXHAUSTED
			 * (PROTOCOL-HTTP2.md, Errors) */
			g_st.refused++;
			if (!srv->warned) {
				srv->warned = true;
				log_warning("grpc: refusing connections: %s (%u open, limit %u)", why,
					    g_st.conns - 1, g_lim.max_conns);
			}
			grpc_conn_goaway_close(&sc->conn, NGHTTP2_ENHANCE_YOUR_CALM, why);
			continue;
		}
		srv->warned = false;
		int64_t t = evloop_add_timer(loop, g_lim.idle_ms, idle_fired, sc);
		sc->idle_timer = t > 0 ? t : 0;
		grpc_conn_kick(&sc->conn); /* our SETTINGS, right away */
	}
}

void grpc_server_set_limits(const struct grpc_server_limits *l)
{
	if (l->max_conns)
		g_lim.max_conns = l->max_conns;
	if (l->fd_headroom)
		g_lim.fd_headroom = l->fd_headroom;
	if (l->max_buffered)
		g_lim.max_buffered = l->max_buffered;
	if (l->idle_ms)
		g_lim.idle_ms = l->idle_ms;
}

void grpc_server_get_limits(struct grpc_server_limits *l)
{
	*l = g_lim;
}

void grpc_server_get_stats(struct grpc_server_stats *st)
{
	*st = g_st;
}

/* --- server ---------------------------------------------------------------------- */

int grpc_server_new(struct evloop *loop, const struct grpc_method *methods, size_t n_methods, void *data,
		    struct grpc_server **ret)
{
	struct grpc_server *srv = calloc(1, sizeof(*srv));
	if (!srv)
		return -ENOMEM;
	*srv = (struct grpc_server){ .loop = loop,
				     .methods = methods,
				     .n_methods = n_methods,
				     .data = data,
				     .lfd = -1,
				     .gnext = g_servers };
	g_servers = srv;
	*ret = srv;
	return 0;
}

int grpc_server_listen_fd(struct grpc_server *srv, int fd)
{
	if (srv->lfd >= 0 || !srv->loop)
		return -EBUSY;
	int r = evloop_add_fd(srv->loop, fd, EV_READ, on_accept, srv);
	if (r < 0)
		return r;
	srv->lfd = fd;
	return 0;
}

int grpc_server_listen(struct grpc_server *srv, int dirfd, const char *name)
{
	int fd = rootfs_sock_listen(dirfd, name, 0600);
	if (fd < 0)
		return fd;
	int r = grpc_server_listen_fd(srv, fd);
	if (r < 0)
		close(fd);
	return r;
}

static void stop_listening(struct grpc_server *srv)
{
	if (srv->lfd < 0)
		return;
	resume_accept(srv);
	evloop_del_fd(srv->loop, srv->lfd);
	close(srv->lfd);
	srv->lfd = -1;
}

void grpc_server_shutdown(struct grpc_server *srv)
{
	stop_listening(srv);
	for (struct grpc_server_conn *sc = srv->conns; sc; sc = sc->next) {
		nghttp2_session_terminate_session(sc->conn.h2, NGHTTP2_NO_ERROR);
		grpc_conn_kick(&sc->conn);
	}
}

void grpc_server_free(struct grpc_server *srv)
{
	if (!srv)
		return;
	stop_listening(srv);
	while (srv->conns) {
		srv->n_conns--;
		g_st.conns--;
		conn_free(srv->conns);
	}
	for (struct grpc_server **pp = &g_servers; *pp; pp = &(*pp)->gnext)
		if (*pp == srv) {
			*pp = srv->gnext;
			break;
		}
	free(srv);
}

unsigned grpc_server_connections(const struct grpc_server *srv)
{
	return srv->n_conns;
}

/* --- detached engine ------------------------------------------------------------ */

int grpc_server_conn_new(struct grpc_server *srv, struct grpc_server_conn **ret)
{
	return conn_new(srv, ret);
}

int grpc_server_conn_feed(struct grpc_server_conn *sc, const uint8_t *data, size_t len)
{
	return grpc_conn_feed(&sc->conn, data, len);
}

ssize_t grpc_server_conn_pull(struct grpc_server_conn *sc, const uint8_t **ret)
{
	return grpc_conn_pull(&sc->conn, ret);
}

void grpc_server_conn_free(struct grpc_server_conn *sc)
{
	conn_free(sc);
}
