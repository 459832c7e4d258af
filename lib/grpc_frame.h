/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gRPC message framing, pure (no I/O): each message on an HTTP/2 stream is
 * 1 flag byte (0: not compressed) + 4-byte big-endian length + the bytes,
 * independent of DATA frame boundaries.  The reader reassembles messages
 * from arbitrary chunks; the out-queue holds what a stream still has to
 * send, keeping only the latest not-yet-started message (state streams
 * such as ListAndWatch: a slow reader costs at most two messages). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

/* gRPC's default receive limit; we never send or accept more. */
#define GRPC_MAX_MESSAGE (4u << 20)
#define GRPC_PREFIX_LEN 5

/* Status codes (grpc/doc/statuscodes.md). */
enum grpc_status {
	GRPC_STATUS_OK = 0,
	GRPC_STATUS_CANCELLED = 1,
	GRPC_STATUS_UNKNOWN = 2,
	GRPC_STATUS_INVALID_ARGUMENT = 3,
	GRPC_STATUS_DEADLINE_EXCEEDED = 4,
	GRPC_STATUS_NOT_FOUND = 5,
	GRPC_STATUS_ALREADY_EXISTS = 6,
	GRPC_STATUS_PERMISSION_DENIED = 7,
	GRPC_STATUS_RESOURCE_EXHAUSTED = 8,
	GRPC_STATUS_FAILED_PRECONDITION = 9,
	GRPC_STATUS_ABORTED = 10,
	GRPC_STATUS_OUT_OF_RANGE = 11,
	GRPC_STATUS_UNIMPLEMENTED = 12,
	GRPC_STATUS_INTERNAL = 13,
	GRPC_STATUS_UNAVAILABLE = 14,
	GRPC_STATUS_DATA_LOSS = 15,
	GRPC_STATUS_UNAUTHENTICATED = 16,
};
const char *grpc_status_name(int status);

/* Called for each complete message; msg is valid during the call only.
 * A negative return stops the reader and is returned by grpc_frame_feed. */
typedef int (*grpc_frame_msg_cb)(void *data, const uint8_t *msg, size_t len);

struct grpc_frame_reader {
	uint8_t hdr[GRPC_PREFIX_LEN];
	size_t hdr_have;
	uint8_t *msg; /* partial message being collected */
	size_t msg_len, msg_have, msg_cap;
	size_t max;
	int error; /* sticky: once failed, the stream is done */
};

void grpc_frame_reader_init(struct grpc_frame_reader *r, size_t max);
void grpc_frame_reader_release(struct grpc_frame_reader *r);
/* Feeds bytes; calls cb per complete message (zero-copy when a message lies
 * whole in data).  0, -EMSGSIZE (declared length > max), -EPROTONOSUPPORT
 * (compressed flag), -ENOMEM or cb's error; errors are sticky. */
int grpc_frame_feed(struct grpc_frame_reader *r, const uint8_t *data, size_t len, grpc_frame_msg_cb cb,
		    void *cbdata);
/* Bytes allocated for a partial message (its buffer's size). */
size_t grpc_frame_reader_buffered(const struct grpc_frame_reader *r);
/* True when no partial message is pending (a clean end of stream). */
bool grpc_frame_reader_idle(const struct grpc_frame_reader *r);

/* Writes the 5-byte prefix for a message of len bytes. */
void grpc_frame_prefix(uint8_t out[GRPC_PREFIX_LEN], uint32_t len);
/* Serialises msg with its prefix into a new buffer.  0, -EMSGSIZE (larger
 * than GRPC_MAX_MESSAGE), -ENOMEM. */
int grpc_frame_pack(const ProtobufCMessage *msg, uint8_t **ret, size_t *ret_len);

/* What a stream has left to send: the message being sent (cannot be cut
 * short once started) and the latest one queued after it. */
struct grpc_outq {
	uint8_t *cur;
	size_t cur_len, cur_off;
	uint8_t *next;
	size_t next_len;
};
/* Queues a packed message (takes ownership); replaces a queued message
 * that has not started yet, which is freed. */
void grpc_outq_put(struct grpc_outq *q, uint8_t *buf, size_t len);
/* Copies up to len bytes of queued data into dst; returns the count. */
size_t grpc_outq_read(struct grpc_outq *q, uint8_t *dst, size_t len);
bool grpc_outq_empty(const struct grpc_outq *q);
void grpc_outq_release(struct grpc_outq *q);

/* Percent-encodes a grpc-message value (bytes outside 0x20..0x7e, and '%')
 * into buf; returns buf. */
char *grpc_message_encode(const char *msg, char *buf, size_t size);
/* Decodes in place; returns s. */
char *grpc_message_decode(char *s);
