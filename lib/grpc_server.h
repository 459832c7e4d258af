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
 * checked (kubelets before 1.26 put the socket path there).  A request
 * whose grpc-timeout ran out before it was complete gets DEADLINE_EXCEEDED
 * without reaching the handler.  SETTINGS go
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

/* Optional: looks at the request's wire bytes before they are decoded
 * (bounds a request by counting its entries: pbcheck.h).  0 to go on, or a
 * GRPC_STATUS_* to refuse it with why. */
typedef int (*grpc_check)(const uint8_t *msg, size_t len, void *data, char *why, size_t why_size);

struct grpc_method {
	const char *path; /* "/v1beta1.DevicePlugin/Allocate" */
	const ProtobufCMessageDescriptor *request;
	grpc_handler handler;
	grpc_check check; /* may be NULL */
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

/* Limits shared by every server of the process (one loop, one memory):
 * - max_conns: open connections in all; one more is accepted, told why in
 *   a GOAWAY (ENHANCE_YOUR_CALM, "too many connections") and closed;
 * - fd_headroom: the same refusal when fewer file descriptors than this
 *   would be left under RLIMIT_NOFILE (read at each accept, so a limit
 *   lowered at run time counts), keeping room for the application's own
 *   work (serve's sysfs re-checks);
 * - max_buffered: bytes of unfinished request messages, all connections
 *   together; a request that would keep more is refused with
 *   RESOURCE_EXHAUSTED (one connection holds at most 16 MiB of them
 *   besides).  Queued responses have a budget of the same size of their
 *   own (a unary reply over it: RESOURCE_EXHAUSTED), so clients holding
 *   unfinished requests cannot stop kubelet's replies;
 * - idle_ms: a connection that has not completed a request this long
 *   after it was accepted is sent GOAWAY and closed (once it has, it stays:
 *   kubelet keeps its connection and its ListAndWatch stream for days).
 * When accept() itself fails for want of resources (EMFILE, ENFILE,
 * ENOBUFS, ENOMEM) the listening socket is not polled again until a
 * connection of the process closes or 250 ms have passed: no busy loop at
 * the fd limit. */
struct grpc_server_limits {
	unsigned max_conns;
	unsigned fd_headroom;
	size_t max_buffered;
	unsigned idle_ms;
};
#define GRPC_SERVER_MAX_CONNS 256
#define GRPC_SERVER_FD_HEADROOM 16
#define GRPC_SERVER_MAX_BUFFERED (64u << 20)
#define GRPC_SERVER_IDLE_MS 30000
#define GRPC_SERVER_ACCEPT_RETRY_MS 250
/* 0 fields keep the current value. */
void grpc_server_set_limits(const struct grpc_server_limits *l);
void grpc_server_get_limits(struct grpc_server_limits *l);
/* What the limits did so far (tests, status). */
struct grpc_server_stats {
	unsigned conns;		   /* open now, all servers */
	size_t buffered;	   /* unfinished request bytes held now */
	size_t queued;		   /* response bytes queued now */
	unsigned long refused;	   /* connections refused (cap or fd headroom) */
	unsigned long idle_closed; /* connections closed for idleness */
	unsigned long paused;	   /* times accept was paused (EMFILE...) */
	unsigned long over_budget; /* requests refused for max_buffered */
	unsigned long expired;	   /* requests whose grpc-timeout passed before they were read */
};
void grpc_server_get_stats(struct grpc_server_stats *st);

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
