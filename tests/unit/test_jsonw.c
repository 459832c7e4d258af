// SPDX-License-Identifier: GPL-2.0-or-later
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "jsonw.h"

static void compact_nested(void **state)
{
	struct jsonw w;
	char *s;
	jsonw_init(&w, false);
	jsonw_obj_open(&w);
	jsonw_kstr(&w, "a", "x\"y\\z\n\x01");
	jsonw_key(&w, "l");
	jsonw_arr_open(&w);
	jsonw_int(&w, -3);
	jsonw_bool(&w, true);
	jsonw_null(&w);
	jsonw_obj_open(&w);
	jsonw_obj_close(&w);
	jsonw_arr_open(&w);
	jsonw_arr_close(&w);
	jsonw_arr_close(&w);
	jsonw_key(&w, "r");
	jsonw_raw(&w, "{\"k\":1}", 7);
	jsonw_kstr(&w, "n", NULL);
	jsonw_obj_close(&w);
	assert_int_equal(jsonw_finish(&w, &s, NULL), 0);
	assert_string_equal(
	    s, "{\"a\":\"x\\\"y\\\\z\\n\\u0001\",\"l\":[-3,true,null,{},[]],\"r\":{\"k\":1},\"n\":null}");
	/* and our reader reads it back */
	struct json_doc d;
	char buf[32];
	assert_int_equal(json_parse(&d, s, strlen(s)), 0);
	assert_int_equal(json_str(&d, json_obj_get(&d, 0, "a"), buf, sizeof(buf)), 7); /* its length */
	assert_string_equal(buf, "x\"y\\z\n\x01");
	json_free(&d);
	free(s);
}

static void pretty(void **state)
{
	struct jsonw w;
	char *s;
	jsonw_init(&w, true);
	jsonw_obj_open(&w);
	jsonw_kint(&w, "a", 1);
	jsonw_key(&w, "b");
	jsonw_arr_open(&w);
	jsonw_str(&w, "x");
	jsonw_arr_close(&w);
	jsonw_key(&w, "e");
	jsonw_obj_open(&w);
	jsonw_obj_close(&w);
	jsonw_obj_close(&w);
	assert_int_equal(jsonw_finish(&w, &s, NULL), 0);
	assert_string_equal(s, "{\n  \"a\": 1,\n  \"b\": [\n    \"x\"\n  ],\n  \"e\": {}\n}");
	free(s);
}

static void misuse(void **state)
{
	struct jsonw w;
	char *s = NULL;
	jsonw_init(&w, false);
	jsonw_obj_open(&w);
	assert_int_equal(jsonw_finish(&w, &s, NULL), -EINVAL); /* unclosed */
	assert_null(s);
	jsonw_init(&w, false);
	jsonw_arr_close(&w);
	assert_int_equal(jsonw_finish(&w, &s, NULL), -EINVAL);
	jsonw_init(&w, false);
	for (int i = 0; i < JSONW_MAX_DEPTH + 2; i++)
		jsonw_arr_open(&w);
	assert_int_equal(jsonw_finish(&w, &s, NULL), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(compact_nested),
		cmocka_unit_test(pretty),
		cmocka_unit_test(misuse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
