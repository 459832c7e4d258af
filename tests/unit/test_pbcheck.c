// SPDX-License-Identifier: GPL-2.0-or-later
/* pb_strings_nul_free: NUL bytes in string fields, nested ones too; other
 * fields and malformed bytes pass (the decoder judges those). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "deviceplugin.pb-c.h"
#include "pbcheck.h"

#define CHECK(desc, bytes) pb_strings_nul_free(&desc, (const uint8_t *)(bytes), sizeof(bytes) - 1)

static void allocate_requests(void **state)
{
	const ProtobufCMessageDescriptor d = v1beta1__allocate_request__descriptor;
	/* container_requests (1) { devices_ids (1): "0000:18:00.0" } */
	assert_true(CHECK(d, "\x0a\x0e\x0a\x0c"
			     "0000:18:00.0"));
	assert_false(CHECK(d, "\x0a\x0e\x0a\x0c"
			      "0000:18:00\0."));
	assert_false(CHECK(d, "\x0a\x0e\x0a\x0c"
			      "0000:18:00.0"
			      "\x0a\x03\x0a\x01\0"));
	/* the second ID of a container holds the NUL */
	assert_false(CHECK(d, "\x0a\x08\x0a\x01"
			      "a"
			      "\x0a\x03"
			      "b\0c"));
	assert_true(CHECK(d, ""));
	/* an unknown field may hold anything; a varint/fixed field is skipped */
	assert_true(CHECK(d, "\x12\x02\0\0"
			     "\x18\x80\x01"
			     "\x25\0\0\0\0"
			     "\x29\0\0\0\0\0\0\0\0"));
	/* malformed: truncated length, truncated varint, group wire type */
	assert_true(CHECK(d, "\x0a\x7f\x0a"));
	assert_true(CHECK(d, "\x08\x80"));
	assert_true(CHECK(d, "\x0b\0"));
}

static void preferred_requests(void **state)
{
	const ProtobufCMessageDescriptor d = v1beta1__preferred_allocation_request__descriptor;
	/* container_requests (1) { available_deviceIDs (1): "a", must_include (2): "b\0" , size (3): 1 } */
	assert_true(CHECK(d, "\x0a\x08\x0a\x01"
			     "a"
			     "\x12\x01"
			     "b"
			     "\x18\x01"));
	assert_false(CHECK(d, "\x0a\x09\x0a\x01"
			      "a"
			      "\x12\x02"
			      "b\0"
			      "\x18\x01"));
}

#define COUNT(bytes, outer, inner, ni)                                                                       \
	pb_count_field((const uint8_t *)(bytes), sizeof(bytes) - 1, outer, inner, ni)

/* pb_count_field: entries counted without decoding, nested ones summed;
 * other fields skipped; malformed bytes end the count. */
static void counts(void **state)
{
	size_t ni = 99;
	/* two containers: {"a", "b"} and {"c"}, then an unknown varint field */
	assert_int_equal(COUNT("\x0a\x06\x0a\x01"
			       "a"
			       "\x0a\x01"
			       "b"
			       "\x0a\x03\x0a\x01"
			       "c"
			       "\x10\x05",
			       1, 1, &ni),
			 2);
	assert_int_equal(ni, 3);
	assert_int_equal(COUNT("", 1, 1, &ni), 0);
	assert_int_equal(ni, 0);
	/* a container's other fields (2, varint 3) do not count as IDs */
	assert_int_equal(COUNT("\x0a\x08\x0a\x01"
			       "a"
			       "\x12\x01"
			       "b"
			       "\x18\x01",
			       1, 1, &ni),
			 1);
	assert_int_equal(ni, 1);
	/* malformed: the count stops at the bad length */
	assert_int_equal(COUNT("\x0a\x00"
			       "\x0a\x7f\x0a",
			       1, 0, NULL),
			 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(allocate_requests),
		cmocka_unit_test(preferred_requests),
		cmocka_unit_test(counts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
