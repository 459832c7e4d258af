// SPDX-License-Identifier: GPL-2.0-or-later
#include "h2script.h"

#include <stdlib.h>
#include <string.h>

#include "grpc_frame.h"

void h2out_init(struct h2out *o)
{
	memset(o, 0, sizeof(*o));
	nghttp2_hd_deflate_new(&o->deflater, 4096);
}

void h2out_release(struct h2out *o)
{
	nghttp2_hd_deflate_del(o->deflater);
	free(o->buf);
}

void h2out_reset(struct h2out *o)
{
	o->len = 0;
}

static void put(struct h2out *o, const void *p, size_t n)
{
	if (o->len + n > o->cap) {
		o->cap = (o->len + n) * 2 + 1024;
		o->buf = realloc(o->buf, o->cap);
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

void h2out_preface(struct h2out *o)
{
	put(o, NGHTTP2_CLIENT_MAGIC, NGHTTP2_CLIENT_MAGIC_LEN);
	h2out_frame(o, NGHTTP2_SETTINGS, 0, 0, NULL, 0);
}

void h2out_frame(struct h2out *o, uint8_t type, uint8_t flags, int32_t stream, const void *payload,
		 size_t len)
{
	uint8_t h[9] = { (uint8_t)(len >> 16),
			 (uint8_t)(len >> 8),
			 (uint8_t)len,
			 type,
			 flags,
			 (uint8_t)(stream >> 24),
			 (uint8_t)(stream >> 16),
			 (uint8_t)(stream >> 8),
			 (uint8_t)stream };
	put(o, h, 9);
	if (len)
		put(o, payload, len);
}

#define NVS(n, v)                                                                                            \
	{                                                                                                    \
		(uint8_t *)(n), (uint8_t *)(v), strlen(n), strlen(v), NGHTTP2_NV_FLAG_NONE                   \
	}

void h2out_request(struct h2out *o, int32_t stream, const char *path, const char *authority,
		   const char *content_type, bool end_stream)
{
	nghttp2_nv nv[] = { NVS(":method", "POST"),
			    NVS(":scheme", "http"),
			    NVS(":path", path),
			    NVS(":authority", authority),
			    NVS("content-type", content_type),
			    NVS("te", "trailers") };
	uint8_t block[1024];
	ssize_t n = nghttp2_hd_deflate_hd(o->deflater, block, sizeof(block), nv, 6);
	h2out_frame(o, NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS | (end_stream ? NGHTTP2_FLAG_END_STREAM : 0),
		    stream, block, (size_t)n);
}

void h2out_headers(struct h2out *o, int32_t stream, const char *const *nv, size_t n, bool end_stream)
{
	nghttp2_nv v[16];
	for (size_t i = 0; i < n && i < 16; i++)
		v[i] = (nghttp2_nv)NVS(nv[2 * i], nv[2 * i + 1]);
	uint8_t block[1024];
	ssize_t len = nghttp2_hd_deflate_hd(o->deflater, block, sizeof(block), v, n);
	h2out_frame(o, NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS | (end_stream ? NGHTTP2_FLAG_END_STREAM : 0),
		    stream, block, (size_t)len);
}

size_t h2_grpc_msg(uint8_t *buf, const void *body, uint32_t len)
{
	grpc_frame_prefix(buf, len);
	if (len)
		memcpy(buf + 5, body, len);
	return 5 + (size_t)len;
}

void h2in_init(struct h2in *in)
{
	memset(in, 0, sizeof(*in));
	nghttp2_hd_inflate_new(&in->inflater);
}

void h2in_release(struct h2in *in)
{
	nghttp2_hd_inflate_del(in->inflater);
}

struct h2stream *h2in_stream(struct h2in *in, int32_t id)
{
	for (int i = 0; i < in->n_streams; i++)
		if (in->streams[i].id == id)
			return &in->streams[i];
	if (in->n_streams == H2_MAX_STREAMS)
		return NULL;
	struct h2stream *s = &in->streams[in->n_streams++];
	memset(s, 0, sizeof(*s));
	s->id = id;
	s->grpc_status = -1;
	s->rst = -1;
	return s;
}

static int headers(struct h2in *in, struct h2stream *s, const uint8_t *p, size_t len)
{
	for (;;) {
		nghttp2_nv nv;
		int flags;
		ssize_t n = nghttp2_hd_inflate_hd2(in->inflater, &nv, &flags, p, len, 1);
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
		if (flags & NGHTTP2_HD_INFLATE_EMIT) {
			char v[256];
			size_t vl = nv.valuelen < sizeof(v) - 1 ? nv.valuelen : sizeof(v) - 1;
			memcpy(v, nv.value, vl);
			v[vl] = '\0';
			if (nv.namelen == 7 && memcmp(nv.name, ":status", 7) == 0)
				s->http_status = atoi(v);
			else if (nv.namelen == 11 && memcmp(nv.name, "grpc-status", 11) == 0)
				s->grpc_status = atoi(v);
			else if (nv.namelen == 12 && memcmp(nv.name, "grpc-message", 12) == 0)
				strcpy(s->grpc_message, v);
		}
		if (flags & NGHTTP2_HD_INFLATE_FINAL) {
			nghttp2_hd_inflate_end_headers(in->inflater);
			return 0;
		}
		if (len == 0 && !(flags & NGHTTP2_HD_INFLATE_EMIT))
			return 0;
	}
}

int h2in_feed(struct h2in *in, const uint8_t *data, size_t len)
{
	if (in->pending_len + len > sizeof(in->pending))
		return -1;
	memcpy(in->pending + in->pending_len, data, len);
	in->pending_len += len;
	size_t off = 0;
	while (in->pending_len - off >= 9) {
		const uint8_t *h = in->pending + off;
		size_t flen = (size_t)h[0] << 16 | (size_t)h[1] << 8 | h[2];
		if (in->pending_len - off < 9 + flen)
			break;
		uint8_t type = h[3], flags = h[4];
		int32_t id = (int32_t)((uint32_t)(h[5] & 0x7f) << 24 | (uint32_t)h[6] << 16 |
				       (uint32_t)h[7] << 8 | h[8]);
		const uint8_t *p = h + 9;
		struct h2stream *s = id ? h2in_stream(in, id) : NULL;
		switch (type) {
		case NGHTTP2_SETTINGS:
			if (flags & NGHTTP2_FLAG_ACK)
				in->settings_acks++;
			else
				in->settings++;
			break;
		case NGHTTP2_HEADERS:
			s->headers_frames++;
			if (headers(in, s, p, flen) < 0)
				return -1;
			break;
		case NGHTTP2_DATA:
			if (s->data_len + flen <= sizeof(s->data)) {
				memcpy(s->data + s->data_len, p, flen);
				s->data_len += flen;
			}
			break;
		case NGHTTP2_RST_STREAM:
			s->rst =
			    (int)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
			break;
		case NGHTTP2_GOAWAY: in->goaways++; break;
		case NGHTTP2_PING: in->pings++; break;
		case NGHTTP2_WINDOW_UPDATE: in->window_updates++; break;
		}
		if (s && (type == NGHTTP2_HEADERS || type == NGHTTP2_DATA) &&
		    (flags & NGHTTP2_FLAG_END_STREAM))
			s->end_stream = true;
		off += 9 + flen;
	}
	memmove(in->pending, in->pending + off, in->pending_len - off);
	in->pending_len -= off;
	return 0;
}
