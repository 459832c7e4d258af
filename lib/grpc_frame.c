// SPDX-License-Identifier: GPL-2.0-or-later
#include "grpc_frame.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *grpc_status_name(int status)
{
	static const char *const names[] = {
		"OK",
		"CANCELLED",
		"UNKNOWN",
		"INVALID_ARGUMENT",
		"DEADLINE_EXCEEDED",
		"NOT_FOUND",
		"ALREADY_EXISTS",
		"PERMISSION_DENIED",
		"RESOURCE_EXHAUSTED",
		"FAILED_PRECONDITION",
		"ABORTED",
		"OUT_OF_RANGE",
		"UNIMPLEMENTED",
		"INTERNAL",
		"UNAVAILABLE",
		"DATA_LOSS",
		"UNAUTHENTICATED",
	};
	if (status < 0 || (size_t)status >= sizeof(names) / sizeof(names[0]))
		return "UNKNOWN";
	return names[status];
}

void grpc_frame_reader_init(struct grpc_frame_reader *r, size_t max)
{
	*r = (struct grpc_frame_reader){ .max = max };
}

void grpc_frame_reader_release(struct grpc_frame_reader *r)
{
	free(r->msg);
	r->msg = NULL;
	r->msg_cap = 0;
}

size_t grpc_frame_reader_buffered(const struct grpc_frame_reader *r)
{
	return r->msg ? r->msg_cap : 0; /* what it costs, not only what came */
}

bool grpc_frame_reader_idle(const struct grpc_frame_reader *r)
{
	return r->hdr_have == 0 && !r->error;
}

int grpc_frame_feed(struct grpc_frame_reader *r, const uint8_t *data, size_t len, grpc_frame_msg_cb cb,
		    void *cbdata)
{
	if (r->error)
		return r->error;
	while (len > 0) {
		if (r->hdr_have < GRPC_PREFIX_LEN) {
			size_t n = GRPC_PREFIX_LEN - r->hdr_have;
			if (n > len)
				n = len;
			memcpy(r->hdr + r->hdr_have, data, n);
			r->hdr_have += n;
			data += n;
			len -= n;
			if (r->hdr_have < GRPC_PREFIX_LEN)
				return 0;
			if (r->hdr[0] != 0)
				return r->error = -EPROTONOSUPPORT;
			r->msg_len = (size_t)r->hdr[1] << 24 | (size_t)r->hdr[2] << 16 |
				     (size_t)r->hdr[3] << 8 | r->hdr[4];
			if (r->msg_len > r->max)
				return r->error = -EMSGSIZE;
			r->msg_have = 0;
			if (len >= r->msg_len) { /* whole message here: no copy */
				int k = cb(cbdata, data, r->msg_len);
				data += r->msg_len;
				len -= r->msg_len;
				r->hdr_have = 0;
				if (k < 0)
					return r->error = k;
				continue;
			}
			if (len == 0)
				return 0;
		}
		size_t n = r->msg_len - r->msg_have;
		if (n > len)
			n = len;
		if (r->msg_have + n >
		    r->msg_cap) { /* grow with the bytes that came, not the declared length */
			size_t cap = r->msg_cap ? r->msg_cap * 2 : 4096;
			if (cap < r->msg_have + n)
				cap = r->msg_have + n;
			if (cap > r->msg_len)
				cap = r->msg_len;
			uint8_t *m = realloc(r->msg, cap);
			if (!m)
				return r->error = -ENOMEM;
			r->msg = m;
			r->msg_cap = cap;
		}
		memcpy(r->msg + r->msg_have, data, n);
		r->msg_have += n;
		data += n;
		len -= n;
		if (r->msg_have < r->msg_len)
			return 0;
		int k = cb(cbdata, r->msg, r->msg_len);
		free(r->msg);
		r->msg = NULL;
		r->msg_cap = 0;
		r->hdr_have = 0;
		if (k < 0)
			return r->error = k;
	}
	return 0;
}

void grpc_frame_prefix(uint8_t out[GRPC_PREFIX_LEN], uint32_t len)
{
	out[0] = 0;
	out[1] = (uint8_t)(len >> 24);
	out[2] = (uint8_t)(len >> 16);
	out[3] = (uint8_t)(len >> 8);
	out[4] = (uint8_t)len;
}

int grpc_frame_pack(const ProtobufCMessage *msg, uint8_t **ret, size_t *ret_len)
{
	size_t n = protobuf_c_message_get_packed_size(msg);
	if (n > GRPC_MAX_MESSAGE)
		return -EMSGSIZE;
	uint8_t *buf = malloc(GRPC_PREFIX_LEN + n);
	if (!buf)
		return -ENOMEM;
	grpc_frame_prefix(buf, (uint32_t)n);
	protobuf_c_message_pack(msg, buf + GRPC_PREFIX_LEN);
	*ret = buf;
	*ret_len = GRPC_PREFIX_LEN + n;
	return 0;
}

void grpc_outq_put(struct grpc_outq *q, uint8_t *buf, size_t len)
{
	if (!q->cur) {
		q->cur = buf;
		q->cur_len = len;
		q->cur_off = 0;
		return;
	}
	free(q->next);
	q->next = buf;
	q->next_len = len;
}

size_t grpc_outq_read(struct grpc_outq *q, uint8_t *dst, size_t len)
{
	size_t done = 0;
	while (q->cur && done < len) {
		size_t n = q->cur_len - q->cur_off;
		if (n > len - done)
			n = len - done;
		memcpy(dst + done, q->cur + q->cur_off, n);
		q->cur_off += n;
		done += n;
		if (q->cur_off == q->cur_len) {
			free(q->cur);
			q->cur = q->next;
			q->cur_len = q->next_len;
			q->cur_off = 0;
			q->next = NULL;
			q->next_len = 0;
		}
	}
	return done;
}

bool grpc_outq_empty(const struct grpc_outq *q)
{
	return !q->cur;
}

void grpc_outq_release(struct grpc_outq *q)
{
	free(q->cur);
	free(q->next);
	*q = (struct grpc_outq){ 0 };
}

char *grpc_message_encode(const char *msg, char *buf, size_t size)
{
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)msg; *p && o + 4 <= size; p++) {
		if (*p < 0x20 || *p > 0x7e || *p == '%')
			o += (size_t)snprintf(buf + o, size - o, "%%%02X", *p);
		else
			buf[o++] = (char)*p;
	}
	if (size)
		buf[o < size ? o : size - 1] = '\0';
	return buf;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *grpc_message_decode(char *s)
{
	char *o = s;
	for (char *p = s; *p; p++) {
		int h, l;
		if (p[0] == '%' && (h = hexval(p[1])) >= 0 && (l = hexval(p[2])) >= 0) {
			*o++ = (char)(h << 4 | l);
			p += 2;
		} else
			*o++ = *p;
	}
	*o = '\0';
	return s;
}
