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

/* A kernel that makes groups at driver probe (arm64 Debian 6.12): an
 * unbound GPU has none; its group is predicted from the topology. */
static void predicted_at_bind(void **state)
{
	struct pcidev g6[] = {
		DEV(0x00, 0, 0, 0x10de, 0x22b1, 0x060400, 3),  /* 0 root port (pcieport: a group) */
		DEV(0x01, 0, 0, 0x10de, 0x2342, 0x030200, -1), /* 1 GH200 GPU, unbound */
		DEV(0x02, 0, 0, 0x10de, 0x2342, 0x030200, -1), /* 2 a second one, no parent known */
		DEV(0x03, 0, 0, 0x10de, 0x2342, 0x030200, -1), /* 3 GPU, function 0 */
		DEV(0x03, 0, 1, 0x15b3, 0x1021, 0x020000, 9),  /* 4 a NIC function in its slot, bound */
		DEV(0x05, 0, 0, 0x10de, 0x2342, 0x030200, -1), /* 5 GPU below the bridge 0 too */
	};
	size_t n = sizeof(g6) / sizeof(g6[0]);
	for (size_t i = 0; i < n; i++) {
		g6[i].header_type = (g6[i].class >> 8) == 0x0604;
		pci_addr_format(&g6[i].addr, g6[i].bdf);
	}
	g6[1].has_parent = g6[5].has_parent = true;
	g6[1].parent = g6[5].parent = g6[0].addr;
	bool s[6] = { false, true, true, true, false, true };
	struct group_plan g;
	/* below a root port in its own group: the port (bridge) and the GPU */
	assert_int_equal(group_predict_at_bind(g6, n, s, NULL, 1, &g), 0);
	assert_true(g.at_bind);
	assert_int_equal(g.group, 3); /* the group it may join: apply's unit key */
	assert_int_equal(g.n, 2);
	assert_int_equal(g.role[0], ROLE_BRIDGE);
	assert_int_equal(g.role[1], ROLE_TARGET);
	assert_true(group_is_safe(&g));
	/* no parent, no group anywhere: itself, keyed by its index */
	assert_int_equal(group_predict_at_bind(g6, n, s, NULL, 2, &g), 0);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.group, -2 - 2);
	assert_true(group_is_safe(&g));
	/* a NIC function in the slot (bound, group 9): it would join 9 */
	assert_int_equal(group_predict_at_bind(g6, n, s, NULL, 3, &g), 0);
	assert_int_equal(g.group, 9);
	assert_false(group_is_safe(&g));
	assert_int_equal(g.foreign, 4);
	/* the bridge's group holds a NIC (no ACS below it): unsafe */
	g6[4].addr = (struct pci_addr){ 0, 0x06, 0, 0 };
	g6[4].group = 3;
	pci_addr_format(&g6[4].addr, g6[4].bdf);
	assert_int_equal(group_predict_at_bind(g6, n, s, NULL, 5, &g), 0);
	assert_false(group_is_safe(&g));
	assert_int_equal(g.foreign, 4);
	/* ... unless the config lets the NIC go along */
	bool allowed[6] = { [4] = true };
	assert_int_equal(group_predict_at_bind(g6, n, s, allowed, 5, &g), 0);
	assert_true(group_is_safe(&g));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(group_rules),
		cmocka_unit_test(predicted_at_bind),
	};
	return cmocka_run_group_tests(tests, setup_node, NULL);
}
