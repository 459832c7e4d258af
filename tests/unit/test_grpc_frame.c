// SPDX-License-Identifier: GPL-2.0-or-later
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "grpc_frame.h"

struct got {
	int n;
	size_t lens[16];
	char bodies[16][32];
};

static int collect(void *data, const uint8_t *msg, size_t len)
{
	struct got *g = data;
	g->lens[g->n] = len;
	memcpy(g->bodies[g->n], msg, len < 31 ? len : 31);
	g->n++;
	return 0;
}

static size_t msg(uint8_t *buf, const char *body)
{
	size_t n = strlen(body);
	grpc_frame_prefix(buf, (uint32_t)n);
	memcpy(buf + 5, body, n);
	return 5 + n;
}

/* Several messages (one empty) in one chunk, then the same bytes fed one
 * at a time: same result. */
static void reassembly(void **state)
{
	uint8_t buf[128];
	size_t len = msg(buf, "abc");
	len += msg(buf + len, "");
	len += msg(buf + len, "hello world");
	for (size_t step = 1; step <= len; step = step == 1 ? len : len + 1) {
		struct grpc_frame_reader r;
		struct got g = { 0 };
		grpc_frame_reader_init(&r, 64);
		for (size_t off = 0; off < len; off += step)
			assert_int_equal(
			    grpc_frame_feed(&r, buf + off, step < len - off ? step : len - off, collect, &g),
			    0);
		assert_int_equal(g.n, 3);
		assert_int_equal(g.lens[1], 0);
		assert_string_equal(g.bodies[2], "hello world");
		assert_true(grpc_frame_reader_idle(&r));
		grpc_frame_reader_release(&r);
	}
}

static void limits(void **state)
{
	struct grpc_frame_reader r;
	struct got g = { 0 };
	uint8_t p[5];
	grpc_frame_reader_init(&r, 10);
	grpc_frame_prefix(p, 11);
	assert_int_equal(grpc_frame_feed(&r, p, 5, collect, &g), -EMSGSIZE);
	assert_int_equal(grpc_frame_feed(&r, p, 5, collect, &g), -EMSGSIZE); /* sticky */
	grpc_frame_reader_release(&r);
	grpc_frame_reader_init(&r, 10);
	p[0] = 1; /* compressed */
	assert_int_equal(grpc_frame_feed(&r, p, 5, collect, &g), -EPROTONOSUPPORT);
	grpc_frame_reader_init(&r, 10);
	grpc_frame_prefix(p, 3);
	assert_int_equal(grpc_frame_feed(&r, p, 5, collect, &g), 0);
	assert_false(grpc_frame_reader_idle(&r)); /* waits for 3 bytes */
	assert_int_equal(grpc_frame_reader_buffered(&r), 0);
	assert_int_equal(grpc_frame_feed(&r, (const uint8_t *)"ab", 2, collect, &g), 0);
	assert_int_equal(grpc_frame_reader_buffered(&r),
			 3); /* the buffer: the declared length, under 4 KiB */
	grpc_frame_reader_release(&r);
	assert_int_equal(g.n, 0);
	/* a large declared length costs only the bytes that came */
	grpc_frame_reader_init(&r, GRPC_MAX_MESSAGE);
	grpc_frame_prefix(p, GRPC_MAX_MESSAGE);
	assert_int_equal(grpc_frame_feed(&r, p, 5, collect, &g), 0);
	assert_int_equal(grpc_frame_feed(&r, p, 5, collect, &g), 0);
	assert_true(r.msg_cap <= 4096);
	grpc_frame_reader_release(&r);
}

static void outq_keeps_latest(void **state)
{
	struct grpc_outq q = { 0 };
	uint8_t out[16];
	grpc_outq_put(&q, (uint8_t *)strdup("AAAA"), 4);
	assert_int_equal(grpc_outq_read(&q, out, 2), 2); /* started: stays */
	grpc_outq_put(&q, (uint8_t *)strdup("BBBB"), 4);
	grpc_outq_put(&q, (uint8_t *)strdup("CCCC"), 4); /* replaces B */
	size_t n = grpc_outq_read(&q, out, sizeof(out));
	assert_int_equal(n, 6);
	assert_memory_equal(out, "AACCCC", 6);
	assert_true(grpc_outq_empty(&q));
	grpc_outq_release(&q);
}

static void message_encoding(void **state)
{
	char buf[64];
	assert_string_equal(grpc_message_encode("a%b\n\xc3\xa9", buf, sizeof(buf)), "a%25b%0A%C3%A9");
	assert_string_equal(grpc_message_decode(buf), "a%b\n\xc3\xa9");
	assert_string_equal(grpc_status_name(GRPC_STATUS_UNIMPLEMENTED), "UNIMPLEMENTED");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reassembly),
		cmocka_unit_test(limits),
		cmocka_unit_test(outq_keeps_latest),
		cmocka_unit_test(message_encoding),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
