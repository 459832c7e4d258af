/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The small node of the selection and group tests (test_initd_select.c,
 * test_initd_groups.c): include in one test file each. */
#pragma once
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "node/config.h"
#include "node/select.h"

/* A small node: h100-hgx-8x's shared group behind a switch, a GPU whose
 * group holds a NIC, a VGA GPU with its audio, an NVSwitch, a VF. */
#define DEV(b, d, f, ven, dev_, cls, grp)                                                                    \
	{                                                                                                    \
		.addr = { 0, b, d, f }, .vendor = ven, .device = dev_, .class = cls, .group = grp,           \
		.numvfs = -1, .numa = -1                                                                     \
	}
static struct pcidev node[] = {
	DEV(0x05, 0, 0, 0x10de, 0x22a3, 0x068000, 11), /* 0 NVSwitch */
	DEV(0x17, 0, 0, 0x10de, 0x2230, 0x030000, 2),  /* 1 VGA GPU */
	DEV(0x17, 0, 1, 0x10de, 0x1aef, 0x040300, 2),  /* 2 its audio */
	DEV(0x18, 0, 0, 0x10de, 0x2330, 0x030200, 19), /* 3 */
	DEV(0x42, 8, 0, 0x10b5, 0x8747, 0x060400, 4),  /* 4 bridge */
	DEV(0x43, 0, 0, 0x10de, 0x20b5, 0x030200, 4),  /* 5 GPU with the NIC */
	DEV(0x44, 0, 0, 0x8086, 0x10d3, 0x020000, 4),  /* 6 NIC */
	DEV(0x99, 0, 0, 0x10b5, 0xc010, 0x060400, 28), /* 7 bridge */
	DEV(0x99, 1, 0, 0x10b5, 0xc010, 0x060400, 28), /* 8 bridge */
	DEV(0x9a, 0, 0, 0x10de, 0x2330, 0x030200, 28), /* 9 */
	DEV(0x9b, 0, 0, 0x10de, 0x2330, 0x030200, 28), /* 10 */
	DEV(0x9b, 0, 4, 0x10de, 0x2330, 0x030200, 40), /* 11 a VF */
};
#define NN (sizeof(node) / sizeof(node[0]))

static inline int setup_node(void **state)
{
	for (size_t i = 0; i < NN; i++) {
		node[i].header_type = (node[i].class >> 8) == 0x0604;
		pci_addr_format(&node[i].addr, node[i].bdf);
	}
	node[11].is_vf = true;
	node[11].pf = node[10].addr;
	return 0;
}

static inline size_t sel(const char *js, bool *s, int *unmatched)
{
	struct config c;
	char err[256];
	config_init(&c);
	assert_int_equal(config_parse(&c, js, strlen(js), err, sizeof(err)), 0);
	return select_devices(&c, node, NN, s, unmatched);
}
