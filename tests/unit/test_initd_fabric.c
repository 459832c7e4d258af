// SPDX-License-Identifier: GPL-2.0-or-later
/* Model provenance: docs/nvidia-model.md, "Fabric Manager". */
/* initd/fabric/fabric.c: FM's PCI bus IDs, a set of GPUs as a partition,
 * the partition offered for N GPUs (prefer the ones whose larger partition
 * is already broken up), overlaps, unsupported partitions named from the
 * supported ones.  The table: HGX H100 8-GPU (tests/fakefm), physical IDs
 * mapped to PCI addresses out of bus order, as on real boards. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "../fakefm/h100_partitions.h"
#include "fabric/fabric.h"

/* physical ID 1..8 -> PCI address */
static const char *const gpu[9] = { "",
				    "0000:3a:00.0",
				    "0000:18:00.0",
				    "0000:5d:00.0",
				    "0000:2a:00.0",
				    "0000:9a:00.0",
				    "0000:ba:00.0",
				    "0000:9b:00.0",
				    "0000:db:00.0" };

static void make(struct fabric *f)
{
	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < H100_NPART; i++) {
		struct fabric_part *p = &f->p[f->n++];
		p->id = h100_partitions[i].id;
		p->n = h100_partitions[i].n;
		p->supported = true;
		for (unsigned g = 0; g < p->n; g++) {
			p->phys[g] = h100_partitions[i].phys[g];
			strcpy(p->bdf[g], gpu[p->phys[g]]);
		}
	}
}

static const char *const all8[] = { "0000:18:00.0", "0000:2a:00.0", "0000:3a:00.0", "0000:5d:00.0",
				    "0000:9a:00.0", "0000:9b:00.0", "0000:ba:00.0", "0000:db:00.0" };

static void test_bdf(void **st)
{
	char b[PCI_ADDR_STRLEN];
	assert_int_equal(fabric_bdf("00000000:1A:00.0", b), 0);
	assert_string_equal(b, "0000:1a:00.0");
	assert_int_equal(fabric_bdf("0000:9b:00.0", b), 0);
	assert_string_equal(b, "0000:9b:00.0");
	assert_int_equal(fabric_bdf("", b), -ENOENT);
	assert_int_equal(fabric_bdf("00000000:00:00.0", b), -ENOENT);
	assert_int_equal(fabric_bdf("GPU-1234", b), -EINVAL);
}

static void test_find_set(void **st)
{
	struct fabric f;
	make(&f);
	const char *quad[] = { "0000:5d:00.0", "0000:18:00.0", "0000:2a:00.0", "0000:3a:00.0" };
	int i = fabric_find_set(&f, quad, 4);
	assert_true(i >= 0);
	assert_int_equal(f.p[i].id, 1);
	/* pairs are {1,3} {2,4}: 3a+5d is one, 3a+18 (1,2) is not */
	const char *pair[] = { "0000:5d:00.0", "0000:3a:00.0" };
	assert_int_equal(f.p[fabric_find_set(&f, pair, 2)].id, 3);
	const char *split[] = { "0000:3a:00.0", "0000:18:00.0" };
	assert_int_equal(fabric_find_set(&f, split, 2), -ENOENT);
	/* two partitions' GPUs: 4 + 4 is the whole 8 only if all 8 */
	const char *mixed[] = { "0000:18:00.0", "0000:2a:00.0", "0000:3a:00.0", "0000:9a:00.0" };
	assert_int_equal(fabric_find_set(&f, mixed, 4), -ENOENT);
	const char *dup[] = { "0000:3a:00.0", "0000:3a:00.0" };
	assert_int_equal(fabric_find_set(&f, dup, 2), -ENOENT);
	/* an unsupported partition is no answer */
	f.p[fabric_by_id(&f, 3)].supported = false;
	assert_int_equal(fabric_find_set(&f, pair, 2), -ENOENT);
}

static void test_choose_prefers_broken_parent(void **st)
{
	struct fabric f;
	make(&f);
	/* nothing used: 2 GPUs from the lowest pair */
	int i = fabric_choose(&f, all8, 8, NULL, 0, 2, NULL, NULL);
	assert_int_equal(f.p[i].id, 3);
	/* partition 3 active: the next pair is 4, inside the broken 1, not 5 */
	f.p[fabric_by_id(&f, 3)].active = true;
	i = fabric_choose(&f, all8, 8, NULL, 0, 2, NULL, NULL);
	assert_int_equal(f.p[i].id, 4);
	/* and a 4-GPU request still finds 2 whole */
	i = fabric_choose(&f, all8, 8, NULL, 0, 4, NULL, NULL);
	assert_int_equal(f.p[i].id, 2);
	/* pair 5 active instead: its sibling 6 before the lower-numbered 3,
	 * so partition 1 stays whole for a 4-GPU VM */
	f.p[fabric_by_id(&f, 3)].active = false;
	f.p[fabric_by_id(&f, 5)].active = true;
	i = fabric_choose(&f, all8, 8, NULL, 0, 2, NULL, NULL);
	assert_int_equal(f.p[i].id, 6);
	f.p[fabric_by_id(&f, 5)].active = false;
	f.p[fabric_by_id(&f, 3)].active = true;
	/* 8 do not fit any more */
	assert_int_equal(fabric_choose(&f, all8, 8, NULL, 0, 8, NULL, NULL), -ENOENT);
	/* single GPUs: from the broken pair's sibling side first?  From a
	 * pair already broken: GPU 2 or 4 (partition 4 free, 1 broken) */
	i = fabric_choose(&f, all8, 8, NULL, 0, 1, NULL, NULL);
	assert_int_equal(f.p[i].n, 1);
	assert_true(f.p[i].phys[0] == 2 || f.p[i].phys[0] == 4);
}

static void test_choose_avail_and_must(void **st)
{
	struct fabric f;
	make(&f);
	/* kubelet offers only 9a 9b ba db: the 4 is partition 2 */
	const char *avail[] = { "0000:9a:00.0", "0000:9b:00.0", "0000:ba:00.0", "0000:db:00.0" };
	assert_int_equal(f.p[fabric_choose(&f, avail, 4, NULL, 0, 4, NULL, NULL)].id, 2);
	/* must include ba: its pair is {6,8} = ba, db */
	const char *must[] = { "0000:ba:00.0" };
	assert_int_equal(f.p[fabric_choose(&f, avail, 4, must, 1, 2, NULL, NULL)].id, 6);
	/* GPU 18 not offered: neither 1 nor its pair 4 */
	const char *seven[] = { "0000:2a:00.0", "0000:3a:00.0", "0000:5d:00.0", "0000:9a:00.0",
				"0000:9b:00.0", "0000:ba:00.0", "0000:db:00.0" };
	int i = fabric_choose(&f, seven, 7, NULL, 0, 4, NULL, NULL);
	assert_int_equal(f.p[i].id, 2);
	i = fabric_choose(&f, seven, 7, NULL, 0, 2, NULL, NULL);
	assert_int_equal(f.p[i].id, 3); /* inside the broken 1 */
	/* an unsupported partition (failed NVLink) is never offered */
	f.p[fabric_by_id(&f, 2)].supported = false;
	assert_int_equal(fabric_choose(&f, avail, 4, NULL, 0, 4, NULL, NULL), -ENOENT);
}

/* 9a and 9b share an IOMMU group: a filter keeps partitions whole-group */
static bool not_9a_alone(const struct fabric_part *p, void *ctx)
{
	++*(int *)ctx;
	return !(p->n == 1 && strcmp(p->bdf[0], "0000:9a:00.0") == 0);
}

static void test_choose_filter(void **st)
{
	struct fabric f;
	make(&f);
	const char *avail[] = { "0000:9a:00.0", "0000:db:00.0" };
	int calls = 0;
	int i = fabric_choose(&f, avail, 2, NULL, 0, 1, not_9a_alone, &calls);
	assert_int_equal(f.p[i].id, 14);
	assert_true(calls > 0);
}

/* FM that lists GPUs by physical ID only: the config's module map names
 * them; a GPU FM names keeps FM's name */
static void test_name_modules(void **st)
{
	struct fabric f;
	make(&f);
	for (size_t i = 0; i < f.n; i++)
		memset(f.p[i].bdf, 0, sizeof(f.p[i].bdf));
	strcpy(f.p[0].bdf[0], "0000:3a:00.0");
	assert_false(fabric_mapped(&f));
	unsigned ids[8];
	struct pci_addr addrs[8];
	for (unsigned k = 0; k < 8; k++) {
		ids[k] = k + 1;
		assert_int_equal(pci_addr_parse(gpu[k + 1], &addrs[k]), 0);
	}
	addrs[0].bus = 0x77; /* the map says 77 for physical ID 1, FM said 3a */
	fabric_name_modules(&f, ids, addrs, 8);
	assert_true(fabric_mapped(&f));
	assert_string_equal(f.p[0].bdf[0], "0000:3a:00.0");
	assert_string_equal(f.p[fabric_by_id(&f, 5)].bdf[1], "0000:9b:00.0");
	assert_string_equal(f.p[fabric_by_id(&f, 7)].bdf[0], "0000:77:00.0");
}

static void test_overlap_and_fill(void **st)
{
	struct fabric f;
	make(&f);
	f.p[fabric_by_id(&f, 1)].active = true;
	assert_int_equal(f.p[fabric_active_overlap(&f, (size_t)fabric_by_id(&f, 3))].id, 1);
	assert_int_equal(fabric_active_overlap(&f, (size_t)fabric_by_id(&f, 5)), -1);
	assert_int_equal(fabric_active_overlap(&f, (size_t)fabric_by_id(&f, 1)), -1);
	/* an unsupported partition comes with physical IDs only */
	struct fabric_part *p = &f.p[fabric_by_id(&f, 6)];
	memset(p->bdf, 0, sizeof(p->bdf));
	p->supported = false;
	assert_true(fabric_mapped(&f));
	fabric_fill_bdfs(&f);
	assert_string_equal(p->bdf[0], "0000:ba:00.0");
	assert_string_equal(p->bdf[1], "0000:db:00.0");
	/* a supported one unnamed: not mapped */
	f.p[0].bdf[3][0] = '\0';
	assert_false(fabric_mapped(&f));
	char s[64];
	fabric_part_str(&f.p[fabric_by_id(&f, 5)], s, sizeof(s));
	assert_string_equal(s, "0000:9a:00.0,0000:9b:00.0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bdf),
		cmocka_unit_test(test_find_set),
		cmocka_unit_test(test_choose_prefers_broken_parent),
		cmocka_unit_test(test_choose_avail_and_must),
		cmocka_unit_test(test_choose_filter),
		cmocka_unit_test(test_name_modules),
		cmocka_unit_test(test_overlap_and_fill),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
