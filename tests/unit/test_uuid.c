// SPDX-License-Identifier: GPL-2.0-or-later
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sha1.h"
#include "uuid.h"

static void hex(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

static void sha1_vectors(void **state)
{
	/* FIPS 180 examples */
	struct {
		const char *in;
		const char *out;
	} v[] = {
		{ "abc", "a9993e364706816aba3e25717850c26c9cd0d89d" },
		{ "", "da39a3ee5e6b4b0d3255bfef95601890afd80709" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "84983e441c3bd26ebaae4aa1f95129e5e54670f1" },
	};
	for (size_t i = 0; i < 3; i++) {
		struct sha1 s;
		uint8_t h[20];
		char x[41];
		sha1_init(&s);
		sha1_update(&s, v[i].in, strlen(v[i].in));
		sha1_final(&s, h);
		hex(h, 20, x);
		assert_string_equal(x, v[i].out);
	}
	/* a million 'a', fed in uneven pieces */
	struct sha1 s;
	uint8_t h[20];
	char x[41], a[997];
	memset(a, 'a', sizeof(a));
	sha1_init(&s);
	size_t left = 1000000;
	while (left) {
		size_t n = left < sizeof(a) ? left : sizeof(a);
		sha1_update(&s, a, n);
		left -= n;
	}
	sha1_final(&s, h);
	hex(h, 20, x);
	assert_string_equal(x, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

static void v5_known_answer(void **state)
{
	/* RFC 9562 appendix A.4: DNS namespace, "www.example.com" */
	uint8_t dns[16], u[16];
	char buf[UUID_STRLEN];
	assert_int_equal(uuid_parse("6BA7B810-9DAD-11D1-80B4-00C04FD430C8", dns), 0);
	uuid_v5(dns, "www.example.com", 15, u);
	assert_string_equal(uuid_format(u, buf), "2ed6657d-e927-568b-95e1-2665a8aea6a2");
}

static void parse_rejects(void **state)
{
	uint8_t u[16] = { 0x42 };
	assert_int_equal(uuid_parse("2ed6657d-e927-568b-95e1-2665a8aea6a", u), -EINVAL);
	assert_int_equal(uuid_parse("2ed6657de927-568b-95e1-2665a8aea6a2x", u), -EINVAL);
	assert_int_equal(uuid_parse("2ed6657d-e927-568b-95e1-2665a8aea6g2", u), -EINVAL);
	assert_int_equal(uuid_parse(NULL, u), -EINVAL);
	assert_int_equal(u[0], 0x42);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sha1_vectors),
		cmocka_unit_test(v5_known_answer),
		cmocka_unit_test(parse_rejects),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
