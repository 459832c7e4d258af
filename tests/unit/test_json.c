// SPDX-License-Identifier: GPL-2.0-or-later
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static void walk_object(void **state)
{
	const char *js = "{\"a\": [1, {\"x\": 2}, 3], \"b\": \"h\\u00e9\\n\", \"c\": true, \"d\": null}";
	struct json_doc d;
	assert_int_equal(json_parse(&d, js, strlen(js)), 0);
	int a = json_obj_get(&d, 0, "a");
	assert_true(json_is(&d, a, JSMN_ARRAY));
	int count = 0;
	json_for_each (&d, a, c, n)
		count++;
	assert_int_equal(count, 3);
	char buf[16];
	assert_int_equal(json_str(&d, json_obj_get(&d, 0, "b"), buf, sizeof(buf)), 4);
	assert_string_equal(buf, "h\xc3\xa9\n");
	assert_int_equal(json_str(&d, json_obj_get(&d, 0, "b"), buf, 4), -ENAMETOOLONG);
	bool b;
	assert_int_equal(json_bool(&d, json_obj_get(&d, 0, "c"), &b), 0);
	assert_true(b);
	assert_true(json_is_null(&d, json_obj_get(&d, 0, "d")));
	assert_int_equal(json_obj_get(&d, 0, "zz"), -ENOENT);
	assert_int_equal(json_obj_get(&d, a, "x"), -EINVAL);
	long long v;
	int a1 = json_next(&d, a + 1); /* the {"x":2} object */
	assert_int_equal(json_int(&d, json_obj_get(&d, a1, "x"), &v), 0);
	assert_int_equal(v, 2);
	json_free(&d);
}

static void errors_have_positions(void **state)
{
	const char *js = "{\n  \"a\": 1,\n  \"b\": tru\n}";
	struct json_doc d;
	assert_int_equal(json_parse(&d, js, strlen(js)), -EINVAL);
	int line, col;
	json_offset_pos(&d, d.err_offset, &line, &col);
	assert_int_equal(line, 3);
	const char *trailing = "{} x";
	assert_int_equal(json_parse(&d, trailing, strlen(trailing)), -EINVAL);
	assert_int_equal(d.err_offset, 3);
	assert_int_equal(json_parse(&d, "", 0), -EINVAL);
	const char *nul = "\"a\\u0000b\"";
	char buf[8];
	assert_int_equal(json_parse(&d, nul, strlen(nul)), 0);
	assert_int_equal(json_str(&d, 0, buf, sizeof(buf)), -EILSEQ);
	json_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(walk_object),
		cmocka_unit_test(errors_have_positions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
