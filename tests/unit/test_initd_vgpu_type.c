// SPDX-License-Identifier: GPL-2.0-or-later
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "vgpu/vgpu_type.h"

static void parses_the_grammar(void **state)
{
	struct vgpu_type_name t;
	assert_int_equal(vgpu_type_parse("A100-4C", &t), 0);
	assert_string_equal(t.gpu, "A100");
	assert_int_equal(t.slices, 0);
	assert_int_equal(t.fb_gb, 4);
	assert_int_equal(t.series, 'C');
	assert_int_equal(vgpu_type_parse("A100-1-5C", &t), 0);
	assert_string_equal(t.gpu, "A100");
	assert_int_equal(t.slices, 1);
	assert_int_equal(t.fb_gb, 5);
	assert_int_equal(vgpu_type_parse("NVIDIA H100XM-1-10CME", &t), 0);
	assert_string_equal(t.gpu, "H100XM");
	assert_int_equal(t.suffix, VGPU_SUFFIX_ME);
	assert_int_equal(vgpu_type_parse("A100D-7-80C", &t), 0);
	assert_int_equal(t.slices, 7);
	assert_int_equal(t.fb_gb, 80);
	assert_int_equal(vgpu_type_parse("RTX6000-Ada-4Q", &t), 0);
	assert_string_equal(t.gpu, "RTX6000-Ada");
	assert_int_equal(t.slices, 0);
	assert_int_equal(t.series, 'Q');
	assert_int_equal(vgpu_type_parse("GRID T4-2B4", &t), 0);
	assert_string_equal(t.gpu, "T4");
	assert_int_equal(t.heads, 4);
	assert_int_equal(t.series, 'B');
	assert_int_equal(vgpu_type_parse("A100-3-20CMEALL", &t), 0);
	assert_int_equal(t.suffix, VGPU_SUFFIX_MEALL);
	assert_int_equal(vgpu_type_parse("H200X-1-18CNOME", &t), 0);
	assert_int_equal(t.suffix, VGPU_SUFFIX_NOME);
	assert_string_equal(vgpu_type_short("GRID T4-1Q"), "T4-1Q");
}

static void rejects(void **state)
{
	struct vgpu_type_name t = { .fb_gb = 99 };
	const char *bad[] = { "",	  "A100",      "-4C",	  "A100-",     "A100-C",
			      "A100-4X",  "A100-4CME", "A100-0C", "A100-9-5C", "A100-1-5CXX",
			      "A 100-4C", "A100--4C",  NULL };
	for (int i = 0; bad[i]; i++)
		if (vgpu_type_parse(bad[i], &t) != -EINVAL)
			fail_msg("accepted '%s'", bad[i]);
	assert_int_equal(vgpu_type_parse(NULL, &t), -EINVAL);
	assert_int_equal(t.fb_gb, 99);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_the_grammar),
		cmocka_unit_test(rejects),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
