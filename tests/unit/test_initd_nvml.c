// SPDX-License-Identifier: GPL-2.0-or-later
/* Model provenance: docs/nvidia-model.md, "MIG and NVML". */
/* initd/vgpu/nvml.c against an NVML inside this test (nvml_open_with) whose
 * profile IDs differ from the profile indices: the H100 80GB table a real
 * driver answered (fixtures/recorded/h100-sxm5-guest/nvml-580.txt).  Like
 * the real NVML, it takes an INDEX only in
 * nvmlDeviceGetGpuInstanceProfileInfo and refuses an unknown profile ID
 * everywhere else (INVALID_ARGUMENT); it records every profile number it
 * is given, so the test fails when an index reaches a call that takes an
 * ID.  Also: MIG mode off still shows the profiles (the capture), NVML's
 * own words for a failed nvmlInit, a missing symbol. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vgpu/mig_plan.h"
#include "vgpu/nvml.h"
#include "vgpu/nvml_nvidia.h"

#define BDF "0000:18:00.0"

/* index -> profile ID, slices, instances, memorySizeMB, size, starts (nvml-580.txt) */
static const struct {
	unsigned index, id, slices, max, mem, size, starts;
} table[] = {
	{ 0, 19, 1, 7, 9984, 1, 0x7f },	 { 1, 14, 2, 3, 20096, 2, 0x15 }, { 2, 9, 3, 2, 40448, 4, 0x11 },
	{ 3, 5, 4, 1, 40448, 4, 0x01 },	 { 4, 0, 7, 1, 81152, 8, 0x01 },  { 7, 20, 1, 1, 9984, 1, 0x7f },
	{ 9, 15, 1, 4, 20096, 2, 0x55 },
};
#define NT (sizeof(table) / sizeof(table[0]))

struct gi {
	unsigned id, profile, start, size;
	bool live;
};

static struct {
	nvmlReturn_t init_result;
	const char *missing; /* a symbol the resolver does not give */
	unsigned mode;
	struct gi gi[8];
	unsigned next_gi;
	/* profile numbers given to calls that take a profile ID */
	unsigned ids_seen[64], nseen;
	unsigned get_gis_calls;
} F;
static int dev_token;

static int by_id(unsigned id)
{
	for (size_t i = 0; i < NT; i++)
		if (table[i].id == id)
			return (int)i;
	return -1;
}

static void seen(unsigned id)
{
	if (F.nseen < 64)
		F.ids_seen[F.nseen++] = id;
}

static nvmlReturn_t f_init(void)
{
	return F.init_result;
}
static nvmlReturn_t f_shutdown(void)
{
	return NVML_SUCCESS;
}
static const char *f_error_string(nvmlReturn_t r)
{
	/* the real library's words (nvml-580.txt; "Driver Not Loaded": the
	 * real libnvidia-ml.so.1 on a node without the driver) */
	switch (r) {
	case NVML_SUCCESS: return "Success";
	case NVML_ERROR_INVALID_ARGUMENT: return "Invalid Argument";
	case NVML_ERROR_NOT_SUPPORTED: return "Not Supported";
	case NVML_ERROR_DRIVER_NOT_LOADED: return "Driver Not Loaded";
	default: return "Unknown Error";
	}
}
static nvmlReturn_t f_by_bus_id(const char *bdf, nvmlDevice_t *d)
{
	if (strcmp(bdf, BDF) != 0)
		return NVML_ERROR_NOT_FOUND;
	*d = (nvmlDevice_t)&dev_token;
	return NVML_SUCCESS;
}
static nvmlReturn_t f_get_mig_mode(nvmlDevice_t d, unsigned *cur, unsigned *pend)
{
	*cur = *pend = F.mode;
	return NVML_SUCCESS;
}
static nvmlReturn_t f_set_mig_mode(nvmlDevice_t d, unsigned mode, nvmlReturn_t *act)
{
	F.mode = mode;
	*act = NVML_SUCCESS;
	return NVML_SUCCESS;
}
/* by index; answered whatever the MIG mode (nvml-580.txt) */
static nvmlReturn_t f_profile_info(nvmlDevice_t d, unsigned index, nvmlGpuInstanceProfileInfo_t *info)
{
	for (size_t i = 0; i < NT; i++)
		if (table[i].index == index) {
			memset(info, 0, sizeof(*info));
			info->id = table[i].id;
			info->sliceCount = table[i].slices;
			info->instanceCount = table[i].max;
			info->memorySizeMB = table[i].mem;
			return NVML_SUCCESS;
		}
	return NVML_ERROR_NOT_SUPPORTED;
}
static nvmlReturn_t f_placements(nvmlDevice_t d, unsigned id, nvmlGpuInstancePlacement_t *pl, unsigned *count)
{
	seen(id);
	int t = by_id(id);
	if (t < 0)
		return NVML_ERROR_INVALID_ARGUMENT; /* "placements(by index 1): Invalid Argument" */
	unsigned n = 0;
	for (unsigned b = 0; b < 8; b++)
		if (table[t].starts & (1u << b)) {
			if (pl && n < *count)
				pl[n] = (nvmlGpuInstancePlacement_t){ b, table[t].size };
			n++;
		}
	*count = n;
	return NVML_SUCCESS;
}
static nvmlReturn_t f_create(nvmlDevice_t d, unsigned id, const nvmlGpuInstancePlacement_t *pl,
			     nvmlGpuInstance_t *gi)
{
	seen(id);
	if (!F.mode)
		return NVML_ERROR_NOT_SUPPORTED;
	int t = by_id(id);
	if (t < 0 || !(table[t].starts & (1u << pl->start)))
		return NVML_ERROR_INVALID_ARGUMENT;
	for (unsigned i = 0; i < 8; i++)
		if (!F.gi[i].live) {
			F.gi[i] = (struct gi){ ++F.next_gi, id, pl->start, table[t].size, true };
			*gi = (nvmlGpuInstance_t)&F.gi[i];
			return NVML_SUCCESS;
		}
	return NVML_ERROR_INSUFFICIENT_RESOURCES;
}
static nvmlReturn_t f_get_gis(nvmlDevice_t d, unsigned id, nvmlGpuInstance_t *out, unsigned *count)
{
	seen(id);
	F.get_gis_calls++;
	if (!F.mode)
		return NVML_ERROR_NOT_SUPPORTED; /* nvml.h: without MIG mode */
	if (by_id(id) < 0)
		return NVML_ERROR_INVALID_ARGUMENT;
	unsigned n = 0;
	for (unsigned i = 0; i < 8; i++)
		if (F.gi[i].live && F.gi[i].profile == id) {
			if (n == *count)
				return NVML_ERROR_INSUFFICIENT_SIZE;
			out[n++] = (nvmlGpuInstance_t)&F.gi[i];
		}
	*count = n;
	return NVML_SUCCESS;
}
static nvmlReturn_t f_gi_by_id(nvmlDevice_t d, unsigned id, nvmlGpuInstance_t *gi)
{
	if (!F.mode)
		return NVML_ERROR_NOT_SUPPORTED;
	for (unsigned i = 0; i < 8; i++)
		if (F.gi[i].live && F.gi[i].id == id) {
			*gi = (nvmlGpuInstance_t)&F.gi[i];
			return NVML_SUCCESS;
		}
	return NVML_ERROR_NOT_FOUND;
}
static nvmlReturn_t f_gi_info(nvmlGpuInstance_t h, nvmlGpuInstanceInfo_t *info)
{
	struct gi *g = (struct gi *)h;
	if (!g->live)
		return NVML_ERROR_INVALID_ARGUMENT;
	*info = (nvmlGpuInstanceInfo_t){ .device = (nvmlDevice_t)&dev_token,
					 .id = g->id,
					 .profileId = g->profile,
					 .placement = { g->start, g->size } };
	return NVML_SUCCESS;
}
static nvmlReturn_t f_gi_destroy(nvmlGpuInstance_t h)
{
	((struct gi *)h)->live = false;
	return NVML_SUCCESS;
}

static void *resolve(void *ctx, const char *name)
{
	static const struct {
		const char *name;
		void *f;
	} syms[] = {
		{ "nvmlInit_v2", (void *)f_init },
		{ "nvmlShutdown", (void *)f_shutdown },
		{ "nvmlErrorString", (void *)f_error_string },
		{ "nvmlDeviceGetHandleByPciBusId_v2", (void *)f_by_bus_id },
		{ "nvmlDeviceGetMigMode", (void *)f_get_mig_mode },
		{ "nvmlDeviceSetMigMode", (void *)f_set_mig_mode },
		{ "nvmlDeviceGetGpuInstanceProfileInfo", (void *)f_profile_info },
		{ "nvmlDeviceGetGpuInstancePossiblePlacements_v2", (void *)f_placements },
		{ "nvmlDeviceCreateGpuInstanceWithPlacement", (void *)f_create },
		{ "nvmlDeviceGetGpuInstances", (void *)f_get_gis },
		{ "nvmlDeviceGetGpuInstanceById", (void *)f_gi_by_id },
		{ "nvmlGpuInstanceGetInfo", (void *)f_gi_info },
		{ "nvmlGpuInstanceDestroy", (void *)f_gi_destroy },
	};
	if (F.missing && strcmp(name, F.missing) == 0)
		return NULL;
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++)
		if (strcmp(syms[i].name, name) == 0)
			return syms[i].f;
	return NULL;
}

static struct nvml *n;
static char why[256];

static int setup(void **state)
{
	memset(&F, 0, sizeof(F));
	F.init_result = NVML_SUCCESS;
	n = NULL;
	return 0;
}
static int teardown(void **state)
{
	nvml_close(n);
	return 0;
}

/* Every profile number a call that takes an ID got was a profile ID. */
static void only_ids_seen(void)
{
	for (unsigned i = 0; i < F.nseen; i++) {
		if (by_id(F.ids_seen[i]) < 0)
			fail_msg("NVML got %u where a profile ID is due (an index?)", F.ids_seen[i]);
	}
}

static const struct mig_profile *by_index(const struct mig_state *s, unsigned index)
{
	for (size_t i = 0; i < s->nprof; i++)
		if (s->prof[i].index == index)
			return &s->prof[i];
	return NULL;
}

static void profiles_by_index_then_id(void **state)
{
	struct mig_state s;
	assert_int_equal(nvml_open_with(resolve, NULL, &n, why, sizeof(why)), 0);
	/* MIG mode off: the real NVML still shows profiles and placements */
	assert_int_equal(nvml_mig_read(n, BDF, &s), 0);
	assert_false(s.mode);
	assert_int_equal(s.nprof, NT);
	assert_int_equal(F.get_gis_calls, 0); /* no GPU instances without MIG mode */
	const struct mig_profile *p = by_index(&s, 0);
	assert_non_null(p);
	assert_int_equal(p->id, 19);
	assert_false(p->me);
	assert_int_equal(p->starts, 0x7f);
	p = by_index(&s, 7); /* NVML_GPU_INSTANCE_PROFILE_1_SLICE_REV1: 1g.10gb+me */
	assert_int_equal(p->id, 20);
	assert_true(p->me);
	p = by_index(&s, 9); /* _1_SLICE_REV2: 1g.20gb, beyond CUDA 11.8's count */
	assert_int_equal(p->id, 15);
	assert_int_equal(p->size, 2);
	assert_int_equal(p->starts, 0x55);
	p = by_index(&s, 4);
	assert_int_equal(p->id, 0);
	assert_int_equal(p->size, 8);
	/* a vGPU type's profile is named by its ID */
	assert_int_equal(mig_profile_for(&s, 1, 10, false), 19);
	assert_int_equal(mig_profile_for(&s, 1, 10, true), 20);
	assert_int_equal(mig_profile_for(&s, 1, 20, false), 15);
	assert_int_equal(mig_profile_for(&s, 3, 40, false), 9);
	assert_int_equal(mig_profile_for(&s, 7, 80, false), 0);
	assert_int_equal(F.nseen, 2 * NT); /* count, then fill, per profile */
	only_ids_seen();
}

static void instances_by_id(void **state)
{
	struct mig_state s;
	bool pending = true;
	unsigned a, b;
	assert_int_equal(nvml_open_with(resolve, NULL, &n, why, sizeof(why)), 0);
	assert_int_equal(nvml_mig_set_mode(n, BDF, true, &pending), 0);
	assert_false(pending);
	/* a plan's GPU instances, as mig_plan names them: by profile ID */
	assert_int_equal(nvml_gi_create(n, BDF, 9, 4, &a), 0);	/* 3g.40gb at 4 */
	assert_int_equal(nvml_gi_create(n, BDF, 19, 0, &b), 0); /* 1g.10gb at 0 */
	assert_int_equal(nvml_mig_read(n, BDF, &s), 0);
	assert_true(s.mode);
	assert_int_equal(s.ngi, 2);
	for (size_t i = 0; i < s.ngi; i++) {
		const struct mig_gi *g = &s.gi[i];
		assert_true((g->id == a && g->profile == 9 && g->start == 4 && g->size == 4) ||
			    (g->id == b && g->profile == 19 && g->start == 0 && g->size == 1));
	}
	/* the plan keeps what NVML lists under the wanted profile ID */
	struct mig_want w[] = { { "H100XM-3-40C", 9, 1 }, { "H100XM-1-10C", 19, 1 } };
	struct mig_change c;
	char err[256];
	assert_int_equal(mig_plan(&s, w, 2, &c, err, sizeof(err)), 0);
	assert_int_equal(c.nkeep, 2);
	assert_int_equal(c.ncreate + c.ndestroy, 0);
	/* destroyed by instance ID */
	assert_int_equal(nvml_gi_destroy(n, BDF, a), 0);
	assert_int_equal(nvml_gi_destroy(n, BDF, a), -ENOENT);
	assert_int_equal(nvml_mig_read(n, BDF, &s), 0);
	assert_int_equal(s.ngi, 1);
	assert_int_equal(s.gi[0].profile, 19);
	only_ids_seen();
	/* an index where the ID is due is refused, as by the real NVML */
	assert_int_equal(nvml_gi_create(n, BDF, 2, 0, &a), -EINVAL); /* index 2 = 3g.40gb */
}

static void init_failure_in_nvml_words(void **state)
{
	F.init_result = NVML_ERROR_DRIVER_NOT_LOADED;
	assert_int_equal(nvml_open_with(resolve, NULL, &n, why, sizeof(why)), -EIO);
	assert_null(n);
	assert_string_equal(why, "nvmlInit failed: Driver Not Loaded");
	F.init_result = NVML_SUCCESS;
	F.missing = "nvmlDeviceGetGpuInstanceById";
	assert_int_equal(nvml_open_with(resolve, NULL, &n, why, sizeof(why)), -EIO);
	assert_string_equal(why, "NVML lacks nvmlDeviceGetGpuInstanceById (driver too old for MIG)");
	n = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(profiles_by_index_then_id, setup, teardown),
		cmocka_unit_test_setup_teardown(instances_by_id, setup, teardown),
		cmocka_unit_test_setup_teardown(init_failure_in_nvml_words, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
