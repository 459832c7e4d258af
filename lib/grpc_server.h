/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gRPC server on nghttp2 + protobuf-c, for the device-plugin API: unary and
 * server-streaming methods over a unix socket, all connections and streams
 * in one evloop, callback-driven.
 *
 * A method is a path plus the request's protobuf-c descriptor.  When a
 * request is complete (its one message decoded) the handler gets the call
 * and the message (freed when the handler returns: copy what you keep).
 * The handler, or anything later (a timer, another fd's callback, a client
 * call's completion), answers with grpc_call_reply() or
 * grpc_call_send()... grpc_call_finish().  A call is a server-streaming one
 * simply by sending several messages; each grpc_call_send() replaces any
 * earlier message that has not started to go out, so a slow reader costs
 * at most two messages per stream (right for ListAndWatch, which always
 * sends the full list).
 *
 * The library answers by itself: UNIMPLEMENTED for unknown paths,
 * INVALID_ARGUMENT for undecodable requests and for strings holding a NUL
 * byte, RESOURCE_EXHAUSTED for messages over 4 MiB, INTERNAL for a
 * missing/extra request message,
 * HTTP 405/415 for a wrong :method/content-type.  :authority is not
 * checked (kubelets before 1.26 put the socket path there).  SETTINGS go
 * out at accept, GOAWAY at shutdown; the server never sends PINGs. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <protobuf-c/protobuf-c.h>

#include "evloop.h"
#include "grpc_frame.h"

struct grpc_server;
struct grpc_call;

/* req is the decoded request; data is the server's user data. */
typedef void (*grpc_handler)(struct grpc_call *call, const ProtobufCMessage *req, void *data);

struct grpc_method {
	const char *path; /* "/v1beta1.DevicePlugin/Allocate" */
	const ProtobufCMessageDescriptor *request;
	grpc_handler handler;
};

/* methods must outlive the server.  0 or -ENOMEM. */
int grpc_server_new(struct evloop *loop, const struct grpc_method *methods, size_t n_methods, void *data,
		    struct grpc_server **ret);
/* Serves on a new unix socket dirfd/name (mode 0600; see rootfs_sock.h).
 * One listening socket per server.  0 or -errno. */
int grpc_server_listen(struct grpc_server *srv, int dirfd, const char *name);
/* Same, on a listening socket the caller made (the server takes it). */
int grpc_server_listen_fd(struct grpc_server *srv, int fd);
/* Stops accepting and sends GOAWAY on every connection; each closes once
 * the GOAWAY is out, cancelling its open calls (cancel callbacks run).
 * grpc_server_listen() may be called again afterwards (re-serving after a
 * kubelet restart deleted the socket). */
void grpc_server_shutdown(struct grpc_server *srv);
/* Closes everything now (cancel callbacks run) and frees the server.
 * Does not unlink the socket file. */
void grpc_server_free(struct grpc_server *srv);
/* Number of open connections (tests, status). */
unsigned grpc_server_connections(const struct grpc_server *srv);

/* Runs once if the stream ends before the application finished the call
 * (client cancel or reset, connection lost, server shut down).  The call
 * is freed when cb returns: drop every pointer to it; do not send. */
typedef void (*grpc_cancel_cb)(struct grpc_call *call, void *data);
void grpc_call_on_cancel(struct grpc_call *call, grpc_cancel_cb cb, void *data);
/* Queues a response message (replacing a queued one not yet started).
 * 0, -EMSGSIZE (over 4 MiB), -ENOMEM, -EALREADY (call finished). */
int grpc_call_send(struct grpc_call *call, const ProtobufCMessage *msg);
/* Ends the call with a status (GRPC_STATUS_*) and an optional message;
 * queued messages go out first.  The application must not use the call
 * afterwards (no cancel callback will run).  0 or -errno. */
int grpc_call_finish(struct grpc_call *call, int status, const char *message);
/* grpc_call_send() then grpc_call_finish(OK); on a send error the call is
 * finished with INTERNAL (or RESOURCE_EXHAUSTED) and the error returned. */
int grpc_call_reply(struct grpc_call *call, const ProtobufCMessage *msg);
const char *grpc_call_path(const struct grpc_call *call);
/* The request's :authority, or "" (informational). */
const char *grpc_call_authority(const struct grpc_call *call);

/* A connection engine without a socket, for tests and fuzzing: feed it
 * client bytes, pull the bytes it answers.  The server may have no loop. */
struct grpc_server_conn;
int grpc_server_conn_new(struct grpc_server *srv, struct grpc_server_conn **ret);
/* 0, or -EPROTO when the session is broken (a real connection would close). */
int grpc_server_conn_feed(struct grpc_server_conn *sc, const uint8_t *data, size_t len);
/* Next output bytes (valid until the next call), 0 when none, -EPROTO. */
ssize_t grpc_server_conn_pull(struct grpc_server_conn *sc, const uint8_t **ret);
/* Frees the engine; open calls are cancelled. */
void grpc_server_conn_free(struct grpc_server_conn *sc);
