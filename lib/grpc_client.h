/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gRPC client on the same evloop as the server: a channel is one HTTP/2
 * connection to a unix socket; calls are non-blocking and finish through
 * callbacks, so one single-threaded process can serve and call at once
 * (a device plugin answering kubelet's GetDevicePluginOptions while its own
 * Register call is pending).  The client never sends PINGs.
 *
 * Callbacks run from the loop (never from inside the function that starts
 * a call).  From any callback the application may start calls, cancel
 * calls and close the channel. */
#pragma once
#include <stdint.h>
#include <sys/types.h>
#include <protobuf-c/protobuf-c.h>

#include "evloop.h"
#include "grpc_frame.h"

struct grpc_channel;
struct grpc_client_call;

/* Called once when the connection ends by itself (peer closed, GOAWAY,
 * error), after every pending call completed with UNAVAILABLE; the channel
 * is freed when it returns.  err: 0 or -errno. */
typedef void (*grpc_channel_close_cb)(struct grpc_channel *ch, int err, void *data);

/* Connects to the unix socket dirfd/name (see rootfs_sock.h).  authority
 * is sent as :authority (NULL: "localhost").  0 or -errno (-ENOENT,
 * -ECONNREFUSED: nobody listens). */
int grpc_channel_dial(struct evloop *loop, int dirfd, const char *name, const char *authority,
		      grpc_channel_close_cb on_close, void *data, struct grpc_channel **ret);
/* Closes now: pending calls complete with CANCELLED (their callbacks run
 * inside this call), on_close does not run.  Safe from any callback. */
void grpc_channel_close(struct grpc_channel *ch);

/* A unary call's result: status (GRPC_STATUS_*), the decoded grpc-message
 * (or ""), and on OK the decoded response (freed after the callback). */
typedef void (*grpc_unary_cb)(void *data, int status, const char *message, const ProtobufCMessage *resp);

/* Starts a unary call.  timeout_ms > 0 sets a deadline (grpc-timeout is
 * sent too; on expiry the stream is reset and the callback gets
 * DEADLINE_EXCEEDED).  0 or -errno (-EMSGSIZE, -ENOMEM, -ENOTCONN). */
int grpc_call_unary(struct grpc_channel *ch, const char *path, const ProtobufCMessage *req,
		    const ProtobufCMessageDescriptor *resp_desc, unsigned timeout_ms, grpc_unary_cb cb,
		    void *data);

/* Server-streaming: on_message for each response (freed after the
 * callback), then on_done once with the final status. */
typedef void (*grpc_stream_msg_cb)(void *data, const ProtobufCMessage *msg);
typedef void (*grpc_stream_done_cb)(void *data, int status, const char *message);
int grpc_call_stream(struct grpc_channel *ch, const char *path, const ProtobufCMessage *req,
		     const ProtobufCMessageDescriptor *resp_desc, unsigned timeout_ms,
		     grpc_stream_msg_cb on_message, grpc_stream_done_cb on_done, void *data,
		     struct grpc_client_call **ret);
/* Cancels a call (RST_STREAM CANCEL); no callback of it runs afterwards. */
void grpc_client_call_cancel(struct grpc_client_call *call);

/* A channel without a socket, for tests and fuzzing: start calls, pull the
 * bytes to send, feed the server's bytes.  No deadlines (no loop). */
int grpc_channel_new_detached(struct grpc_channel **ret);
/* 0; -EPROTO when the session is broken (a real connection would close);
 * -ECANCELED when a callback closed the channel, which is then freed. */
int grpc_channel_feed(struct grpc_channel *ch, const uint8_t *data, size_t len);
/* Next output bytes (valid until the next call), 0 when none, -EPROTO,
 * -ECANCELED (as for feed). */
ssize_t grpc_channel_pull(struct grpc_channel *ch, const uint8_t **ret);
