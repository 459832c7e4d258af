// SPDX-License-Identifier: GPL-2.0-or-later
/* MIG planning (initd/vgpu/mig_plan.c) on an A100 40GB as NVML describes it:
 * profile choice for a vGPU type, placements, keeping what fits, refusals.
 * Profiles carry NVML's index and profile ID, which differ (simfs/mig.c
 * cites the sources): plans name profile IDs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "vgpu/mig_plan.h"

static struct mig_state a100(void)
{
	/* index, ID, +me, slices, instances, memory MB, memory slices, starts */
	static const struct mig_profile p[] = {
		{ 0, 19, false, 1, 7, 4864, 1, 0x7f }, { 7, 20, true, 1, 1, 4864, 1, 0x7f },
		{ 9, 15, false, 1, 4, 9856, 2, 0x55 }, { 1, 14, false, 2, 3, 9856, 2, 0x15 },
		{ 2, 9, false, 3, 2, 19968, 4, 0x11 }, { 3, 5, false, 4, 1, 19968, 4, 0x01 },
		{ 4, 0, false, 7, 1, 40192, 8, 0x01 },
	};
	struct mig_state s = { .mode = true, .pending = true, .nprof = sizeof(p) / sizeof(p[0]) };
	memcpy(s.prof, p, sizeof(p));
	return s;
}

static void add_gi(struct mig_state *s, unsigned id, unsigned profile, unsigned start)
{
	s->gi[s->ngi++] = (struct mig_gi){ id, profile, start, mig_profile_get(s, profile)->size };
}

static char err[256];

static void profile_of_type(void **state)
{
	struct mig_state s = a100();
	assert_int_equal(mig_profile_for(&s, 1, 5, false), 19);	 /* A100-1-5C: 1g.5gb */
	assert_int_equal(mig_profile_for(&s, 1, 5, true), 20);	 /* A100-1-5CME: 1g.5gb+me */
	assert_int_equal(mig_profile_for(&s, 1, 10, false), 15); /* 1g.10gb */
	assert_int_equal(mig_profile_for(&s, 2, 10, false), 14);
	assert_int_equal(mig_profile_for(&s, 3, 20, false), 9);
	assert_int_equal(mig_profile_for(&s, 4, 20, false), 5);
	assert_int_equal(mig_profile_for(&s, 7, 40, false), 0);
	assert_int_equal(mig_profile_for(&s, 1, 20, false), -ENOENT); /* no 1g.20gb on a 40GB part */
	assert_int_equal(mig_profile_for(&s, 5, 20, false), -ENOENT);
	assert_int_equal(mig_profile_for(&s, 2, 10, true), -ENOENT);
}

static void seven_small(void **state)
{
	struct mig_state s = a100();
	struct mig_change c;
	struct mig_want w = { "A100-1-5C", 19, 7 };
	assert_int_equal(mig_plan(&s, &w, 1, &c, err, sizeof(err)), 0);
	assert_int_equal(c.ncreate, 7);
	assert_int_equal(c.nkeep + c.ndestroy, 0);
	for (unsigned i = 0; i < 7; i++)
		assert_int_equal(c.create[i].start, i);
	/* a re-run on the result keeps all */
	for (unsigned i = 0; i < 7; i++)
		add_gi(&s, 10 + i, 19, i);
	assert_int_equal(mig_plan(&s, &w, 1, &c, err, sizeof(err)), 0);
	assert_int_equal(c.nkeep, 7);
	assert_int_equal(c.ncreate + c.ndestroy, 0);
	/* fewer: the surplus goes */
	w.count = 3;
	assert_int_equal(mig_plan(&s, &w, 1, &c, err, sizeof(err)), 0);
	assert_int_equal(c.nkeep, 3);
	assert_int_equal(c.ndestroy, 4);
	/* none wanted (a time-sliced config): all go */
	assert_int_equal(mig_plan(&s, NULL, 0, &c, err, sizeof(err)), 0);
	assert_int_equal(c.ndestroy, 7);
	assert_int_equal(c.nkeep + c.ncreate, 0);
}

static void mixes(void **state)
{
	struct mig_state s = a100();
	struct mig_change c;
	struct mig_want w1[] = { { "A100-3-20C", 9, 1 }, { "A100-4-20C", 5, 1 } };
	assert_int_equal(mig_plan(&s, w1, 2, &c, err, sizeof(err)), 0);
	assert_int_equal(c.ncreate, 2);
	assert_true((c.create[0].profile == 5 && c.create[0].start == 0 && c.create[1].start == 4) ||
		    (c.create[1].profile == 5 && c.create[1].start == 0 && c.create[0].start == 4));
	struct mig_want w2[] = { { "A100-2-10C", 14, 3 }, { "A100-1-5C", 19, 1 } };
	assert_int_equal(mig_plan(&s, w2, 2, &c, err, sizeof(err)), 0);
	unsigned used = 0;
	for (size_t i = 0; i < c.ncreate; i++)
		used |= ((1u << c.create[i].size) - 1) << c.create[i].start;
	assert_int_equal(c.ncreate, 4);
	assert_int_equal(used, 0x7f);
}

static void refusals(void **state)
{
	struct mig_state s = a100();
	struct mig_change c;
	struct mig_want w = { "A100-1-5C", 19, 8 };
	assert_int_equal(mig_plan(&s, &w, 1, &c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err,
			    "A100-1-5C x8: needs 8 GPU instances of its profile, the GPU has room for 7");
	struct mig_want w2[] = { { "A100-7-40C", 0, 1 }, { "A100-1-5C", 19, 1 } };
	assert_int_equal(mig_plan(&s, w2, 2, &c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "MIG-backed vGPUs need 8 compute slices, the GPU has 7");
	/* 7 compute slices, but two 3g take all eight memory slices */
	struct mig_want w3[] = { { "A100-3-20C", 9, 2 }, { "A100-1-5C", 19, 1 } };
	assert_int_equal(mig_plan(&s, w3, 2, &c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err,
			    "no MIG placement fits A100-3-20C x2 + A100-1-5C x1 on one GPU (NVIDIA's GPU "
			    "instance placement rules)");
	struct mig_want w4[] = { { "A100-1-5CME", 20, 1 }, { "A100-1-5CME", 20, 1 } };
	assert_int_equal(mig_plan(&s, w4, 2, &c, err, sizeof(err)), -EINVAL);
	/* an index (1: NVML_GPU_INSTANCE_PROFILE_2_SLICE) is no profile ID here */
	struct mig_want w5 = { "X", 1, 1 };
	assert_int_equal(mig_plan(&s, &w5, 1, &c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "X: the GPU has no GPU instance profile 1");
}

static void keeps_what_fits(void **state)
{
	struct mig_state s = a100();
	struct mig_change c;
	add_gi(&s, 5, 19, 0); /* a 1g at slice 0 */
	struct mig_want w[] = { { "A100-1-5C", 19, 2 }, { "A100-3-20C", 9, 1 } };
	assert_int_equal(mig_plan(&s, w, 2, &c, err, sizeof(err)), 0);
	assert_int_equal(c.nkeep, 1);
	assert_int_equal(c.keep[0], 5);
	assert_int_equal(c.ncreate, 2);
	assert_int_equal(c.create[0].profile, 9);
	assert_int_equal(c.create[0].start, 4);
	assert_int_equal(c.create[1].start, 1);
	/* a kept 2g at slice 2 would block the 4g: laid out anew */
	s = a100();
	add_gi(&s, 4, 14, 2);
	struct mig_want w2[] = { { "A100-2-10C", 14, 1 }, { "A100-4-20C", 5, 1 } };
	assert_int_equal(mig_plan(&s, w2, 2, &c, err, sizeof(err)), 0);
	assert_int_equal(c.nkeep, 0);
	assert_int_equal(c.ndestroy, 1);
	assert_int_equal(c.ncreate, 2);
	assert_int_equal(c.create[0].profile, 5);
	assert_int_equal(c.create[0].start, 0);
	assert_int_equal(c.create[1].start, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(profile_of_type), cmocka_unit_test(seven_small),     cmocka_unit_test(mixes),
		cmocka_unit_test(refusals),	   cmocka_unit_test(keeps_what_fits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
