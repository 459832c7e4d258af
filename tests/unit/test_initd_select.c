// SPDX-License-Identifier: GPL-2.0-or-later
/* initd/node/select.c: which functions of a node a config selects (GPUs by
 * default; addresses, ids, indices; SR-IOV PFs). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "initd_node_fixture.h"

static void selection(void **state)
{
	bool s[NN];
	int un;
	assert_int_equal(sel("{}", s, &un), 5); /* GPUs 1 3 5 9 10: not the VF, audio, NVSwitch */
	assert_int_equal(un, -1);
	assert_true(s[1] && s[3] && s[5] && s[9] && s[10]);
	assert_false(s[0] || s[2] || s[11]);
	assert_int_equal(select_gpu_index(node, NN, 3), 1);
	assert_int_equal(select_gpu_index(node, NN, 10), 4);
	assert_int_equal(select_gpu_index(node, NN, 2), -1);

	assert_int_equal(sel("{\"devices\": [1, \"0000:44:00.0\"]}", s, &un), 2);
	assert_true(s[3] && s[6]);
	assert_int_equal(sel("{\"devices\": [\"10de:2330\"]}", s, &un), 3); /* PFs only */
	assert_true(s[3] && s[9] && s[10] && !s[11]);
	assert_int_equal(sel("{\"devices\": [\"10b5:*\"]}", s, &un), 3);
	assert_int_equal(sel("{\"devices\": [\"0000:18:00.0\", 7, \"1234:11e8\"]}", s, &un), 1);
	assert_int_equal(un, 1);
}

/* "sriov-vfs": the PF's VFs are selected, the PF never */
static void sriov_selection(void **state)
{
	bool s[NN];
	int un;
	assert_int_equal(sel("{\"sriov-vfs\": {\"0000:9b:00.0\": 4}}", s, &un), 5);
	assert_false(s[10]);
	assert_true(s[11]);
	assert_true(s[9]);
	assert_int_equal(sel("{\"devices\": [\"10de:2330\"], \"sriov-vfs\": {\"10de:2330\": 1}}", s, &un), 1);
	assert_false(s[3]);
	assert_false(s[9]);
	assert_false(s[10]);
	assert_true(s[11]);
	assert_int_equal(un, -1);
	struct config c;
	char err[128];
	const char *js = "{\"sriov-vfs\": {\"10de:2330\": 3}}";
	config_init(&c);
	assert_int_equal(config_parse(&c, js, strlen(js), err, sizeof(err)), 0);
	assert_int_equal(select_sriov_want(&c, &node[10]), 3);
	assert_int_equal(select_sriov_want(&c, &node[11]), 0); /* a VF has the PF's id: not a PF */
	assert_int_equal(select_sriov_want(&c, &node[5]), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(selection),
		cmocka_unit_test(sriov_selection),
	};
	return cmocka_run_group_tests(tests, setup_node, NULL);
}
