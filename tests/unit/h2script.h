/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test helper: writes HTTP/2 client frames as bytes and parses the frames a
 * server engine answers, per stream (headers, data, trailers, resets), so
 * tests drive the gRPC engine with scripted input and no socket. */
#pragma once
#include <nghttp2/nghttp2.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct h2out {
	uint8_t *buf;
	size_t len, cap;
	nghttp2_hd_deflater *deflater;
};

void h2out_init(struct h2out *o);
void h2out_release(struct h2out *o);
void h2out_reset(struct h2out *o); /* drop bytes, keep HPACK state */
void h2out_preface(struct h2out *o);
void h2out_frame(struct h2out *o, uint8_t type, uint8_t flags, int32_t stream, const void *payload,
		 size_t len);
/* A gRPC request's HEADERS (path, authority; content-type as given). */
void h2out_request(struct h2out *o, int32_t stream, const char *path, const char *authority,
		   const char *content_type, bool end_stream);
/* A HEADERS frame from name/value pairs (nv: 2*n strings). */
void h2out_headers(struct h2out *o, int32_t stream, const char *const *nv, size_t n, bool end_stream);
/* A gRPC message prefix + body into buf; returns the length. */
size_t h2_grpc_msg(uint8_t *buf, const void *body, uint32_t len);

#define H2_MAX_STREAMS 16
struct h2stream {
	int32_t id;
	int http_status; /* :status of the first HEADERS */
	int grpc_status; /* -1 until trailers (or trailers-only) */
	char grpc_message[256];
	uint8_t data[65536];
	size_t data_len;
	int headers_frames; /* HEADERS frames seen */
	bool end_stream;
	int rst; /* RST_STREAM error code, -1 if none */
};

struct h2in {
	nghttp2_hd_inflater *inflater;
	uint8_t pending[1 << 17];
	size_t pending_len;
	struct h2stream streams[H2_MAX_STREAMS];
	int n_streams;
	int settings, settings_acks, goaways, pings, window_updates;
};

void h2in_init(struct h2in *in);
void h2in_release(struct h2in *in);
/* Parses bytes (partial frames kept for the next call); 0 or -1. */
int h2in_feed(struct h2in *in, const uint8_t *data, size_t len);
struct h2stream *h2in_stream(struct h2in *in, int32_t id);
