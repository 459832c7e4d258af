// SPDX-License-Identifier: GPL-2.0-or-later
#include "pbcheck.h"

#include <string.h>

#define MAX_DEPTH 32

static bool varint(const uint8_t **p, const uint8_t *end, uint64_t *ret)
{
	uint64_t v = 0;
	for (unsigned shift = 0; shift < 64 && *p < end; shift += 7) {
		uint8_t b = *(*p)++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*ret = v;
			return true;
		}
	}
	return false;
}

/* false only for a NUL in a string; malformed input ends the walk. */
static bool walk(const ProtobufCMessageDescriptor *d, const uint8_t *p, const uint8_t *end, int depth)
{
	uint64_t tag, n;
	if (depth > MAX_DEPTH)
		return true;
	while (p < end) {
		if (!varint(&p, end, &tag))
			return true;
		switch (tag & 7) {
		case 0:
			if (!varint(&p, end, &n))
				return true;
			break;
		case 1:
		case 5: {
			size_t w = (tag & 7) == 1 ? 8 : 4;
			if ((size_t)(end - p) < w)
				return true;
			p += w;
			break;
		}
		case 2: {
			if (!varint(&p, end, &n) || n > (uint64_t)(end - p))
				return true;
			const ProtobufCFieldDescriptor *f =
			    tag >> 3 <= UINT32_MAX
				? protobuf_c_message_descriptor_get_field(d, (unsigned)(tag >> 3))
				: NULL;
			if (f && f->type == PROTOBUF_C_TYPE_STRING && memchr(p, 0, n))
				return false;
			if (f && f->type == PROTOBUF_C_TYPE_MESSAGE &&
			    !walk(f->descriptor, p, p + n, depth + 1))
				return false;
			p += n;
			break;
		}
		default: /* groups, bad wire types */ return true;
		}
	}
	return true;
}

bool pb_strings_nul_free(const ProtobufCMessageDescriptor *desc, const uint8_t *buf, size_t len)
{
	return walk(desc, buf, buf + len, 0);
}

/* Next field: its number and wire type, and for length-delimited ones the
 * payload; false at the end or on malformed bytes. */
static bool next_field(const uint8_t **p, const uint8_t *end, uint64_t *tag, const uint8_t **pl,
		       size_t *pl_len)
{
	uint64_t n;
	if (*p >= end || !varint(p, end, tag))
		return false;
	switch (*tag & 7) {
	case 0: return varint(p, end, &n);
	case 1:
	case 5: {
		size_t w = (*tag & 7) == 1 ? 8 : 4;
		if ((size_t)(end - *p) < w)
			return false;
		*p += w;
		return true;
	}
	case 2:
		if (!varint(p, end, &n) || n > (uint64_t)(end - *p))
			return false;
		*pl = *p;
		*pl_len = (size_t)n;
		*p += n;
		return true;
	default: return false;
	}
}

size_t pb_count_field(const uint8_t *buf, size_t len, uint32_t outer, uint32_t inner, size_t *n_inner)
{
	const uint8_t *p = buf, *end = buf + len, *pl = NULL;
	size_t pl_len = 0, n = 0, ni = 0;
	uint64_t tag;
	while (next_field(&p, end, &tag, &pl, &pl_len)) {
		if ((tag & 7) != 2 || tag >> 3 != outer)
			continue;
		n++;
		if (!inner)
			continue;
		const uint8_t *q = pl, *qend = pl + pl_len, *ql;
		size_t ql_len;
		uint64_t t;
		while (next_field(&q, qend, &t, &ql, &ql_len))
			ni += (t & 7) == 2 && t >> 3 == inner;
	}
	if (n_inner)
		*n_inner = ni;
	return n;
}
