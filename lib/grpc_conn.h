/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One HTTP/2 connection: an nghttp2 session (the protocol engine, which
 * never touches a socket) plus, when attached, a non-blocking fd on an
 * evloop.  Shared by the gRPC server and client.  Bytes in: grpc_conn_feed;
 * bytes out: grpc_conn_pull (tests, fuzzing) or the fd when attached.
 * Internal to lib/grpc_*.c; applications use grpc_server.h/grpc_client.h. */
#pragma once
#include <nghttp2/nghttp2.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "evloop.h"

struct grpc_conn;
/* Called once when an attached connection ends (peer closed, I/O or
 * protocol error, or grpc_conn_close); the owner frees everything. */
typedef void (*grpc_conn_close_cb)(struct grpc_conn *c, int err);

struct grpc_conn {
	nghttp2_session *h2;
	struct evloop *loop; /* NULL while detached */
	int fd;
	unsigned busy;	     /* inside an engine call (feed/pull) or a teardown: whoever
			      * holds it flushes afterwards; closes are deferred */
	bool closing;	     /* close requested; done by the fd callback */
	bool watching_write; /* EV_WRITE armed */
	uint8_t *wbuf;	     /* bytes nghttp2 produced that the socket did not take */
	size_t wlen, woff;
	grpc_conn_close_cb on_close;
};

/* Creates the nghttp2 session (server or client; user is its user data)
 * with HTTP messaging checks off (we check :method, :path and content-type
 * ourselves; kubelets before 1.26 put the socket path in :authority, which
 * nghttp2 would reset) and queues our SETTINGS.  0 or -ENOMEM. */
int grpc_conn_setup(struct grpc_conn *c, bool server, const nghttp2_session_callbacks *cbs, void *user,
		    const nghttp2_settings_entry *iv, size_t niv, grpc_conn_close_cb on_close);
/* Watches fd (non-blocking, O_CLOEXEC; the conn closes it) on loop. */
int grpc_conn_attach(struct grpc_conn *c, struct evloop *loop, int fd);
/* Feeds received bytes to the engine.  0 or -EPROTO. */
int grpc_conn_feed(struct grpc_conn *c, const uint8_t *data, size_t len);
/* Next output bytes of a detached engine (pointer valid until the next
 * call); 0 when there is nothing to send, -EPROTO on error. */
ssize_t grpc_conn_pull(struct grpc_conn *c, const uint8_t **ret);
/* Output was queued (a response, a request): write it out now if we can. */
void grpc_conn_kick(struct grpc_conn *c);
/* Same, but from the loop's next turn: no engine callback (a stream that
 * closes as it is sent) can run inside the caller. */
void grpc_conn_kick_later(struct grpc_conn *c);
/* Asks an attached connection to close at the next chance (the close
 * callback runs from the loop, never from inside this call). */
void grpc_conn_close(struct grpc_conn *c);
/* Sends GOAWAY(error, debug text msg) as far as the socket takes it now,
 * then closes (as grpc_conn_close): a refusal the peer can read. */
void grpc_conn_goaway_close(struct grpc_conn *c, uint32_t error, const char *msg);
/* Releases the session, buffers and fd (for the owner's close path). */
void grpc_conn_release(struct grpc_conn *c);
