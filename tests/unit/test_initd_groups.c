// SPDX-License-Identifier: GPL-2.0-or-later
/* initd/node/groups.c: IOMMU group safety (bridges, companions, foreign
 * devices, "group-companions"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "initd_node_fixture.h"
#include "node/groups.h"

static void group_rules(void **state)
{
	bool s[NN];
	int un;
	struct group_plan g;
	sel("{}", s, &un);
	/* the shared pair with its switch ports: one safe unit */
	assert_int_equal(group_assess(node, NN, s, 28, &g), 0);
	assert_int_equal(g.n, 4);
	assert_true(group_is_safe(&g));
	assert_int_equal(g.role[0], ROLE_BRIDGE);
	assert_int_equal(g.role[1], ROLE_BRIDGE);
	assert_int_equal(g.role[2], ROLE_TARGET);
	assert_int_equal(g.role[3], ROLE_TARGET);
	/* the NIC makes the group unsafe */
	assert_int_equal(group_assess(node, NN, s, 4, &g), 0);
	assert_false(group_is_safe(&g));
	assert_int_equal(g.foreign, 6);
	/* the audio function goes with its GPU */
	assert_int_equal(group_assess(node, NN, s, 2, &g), 0);
	assert_true(group_is_safe(&g));
	assert_int_equal(g.role[1], ROLE_COMPANION);
	/* another kind of function in the slot (not audio/USB) is a device of
	 * its own: the group is unsafe (QEMU's two-function edu, tests/vm) */
	node[2].class = 0x00ff00;
	assert_int_equal(group_assess(node, NN, s, 2, &g), 0);
	assert_false(group_is_safe(&g));
	assert_int_equal(g.role[1], ROLE_FOREIGN);
	node[2].class = 0x0c0330; /* USB-C's USB controller goes along */
	assert_int_equal(group_assess(node, NN, s, 2, &g), 0);
	assert_true(group_is_safe(&g));
	node[2].class = 0x040300;
	/* selecting only 9a: 9b (another card) is foreign */
	sel("{\"devices\": [\"0000:9a:00.0\"]}", s, &un);
	assert_int_equal(group_assess(node, NN, s, 28, &g), 0);
	assert_false(group_is_safe(&g));
	assert_int_equal(g.foreign, 10);
	/* "group-companions": an NVSwitch sharing the pair's group may go along */
	node[0].group = 28;
	sel("{}", s, &un);
	assert_int_equal(group_assess(node, NN, s, 28, &g), 0);
	assert_false(group_is_safe(&g));
	assert_int_equal(g.foreign, 0);
	bool allowed[NN] = { [0] = true };
	assert_int_equal(group_assess_with(node, NN, s, allowed, 28, &g), 0);
	assert_true(group_is_safe(&g));
	assert_int_equal(g.role[0], ROLE_COMPANION);
	node[0].group = 11;
	/* no group */
	assert_int_equal(group_assess(node, NN, s, -1, &g), -ENOENT);
	assert_int_equal(group_assess(node, NN, s, 99, &g), -ENOENT);
	assert_string_equal(member_role_name(ROLE_FOREIGN), "foreign");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(group_rules),
	};
	return cmocka_run_group_tests(tests, setup_node, NULL);
}
