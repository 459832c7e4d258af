// SPDX-License-Identifier: GPL-2.0-or-later
#include "nvml.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#ifdef GPU_INITD_STATIC
int nvml_open(struct nvml **ret, char *why, size_t ws)
{
	snprintf(why, ws,
		 "the static gpu-initd cannot load NVML: run the dynamically linked one (vm-vgpu runs in the "
		 "real root)");
	return -ENOTSUP;
}
int nvml_open_with(void *(*sym)(void *ctx, const char *name), void *ctx, struct nvml **ret, char *why,
		   size_t ws)
{
	return nvml_open(ret, why, ws);
}
void nvml_close(struct nvml *n) {}
int nvml_mig_read(struct nvml *n, const char *bdf, struct mig_state *ret)
{
	return -ENOTSUP;
}
int nvml_mig_set_mode(struct nvml *n, const char *bdf, bool on, bool *ret_pending)
{
	return -ENOTSUP;
}
int nvml_gi_create(struct nvml *n, const char *bdf, unsigned profile_id, unsigned start, unsigned *ret_id)
{
	return -ENOTSUP;
}
int nvml_gi_destroy(struct nvml *n, const char *bdf, unsigned id)
{
	return -ENOTSUP;
}
#else
#include <dlfcn.h>

#include "nvml_nvidia.h"

/* The profile indices probed: NVML_GPU_INSTANCE_PROFILE_1_SLICE (0) to
 * _1_SLICE_REV2 (9), the profiles vGPU types are made of.  Later indices
 * (graphics, no-/all-media variants of newer GPUs) are not used: on an
 * H100 80GB 10..15 are NOT_SUPPORTED (fixtures/recorded/h100-sxm5-guest/
 * nvml-580.txt). */
#define PROFILE_INDEX_END (NVML_GPU_INSTANCE_PROFILE_1_SLICE_REV2 + 1)

struct nvml {
	void *lib; /* NULL: symbols from a resolver (nvml_open_with) */
	__typeof__(nvmlInit_v2) *init;
	__typeof__(nvmlShutdown) *shutdown;
	__typeof__(nvmlErrorString) *error_string;
	__typeof__(nvmlDeviceGetHandleByPciBusId_v2) *by_bus_id;
	__typeof__(nvmlDeviceGetMigMode) *get_mig_mode;
	__typeof__(nvmlDeviceSetMigMode) *set_mig_mode;
	__typeof__(nvmlDeviceGetGpuInstanceProfileInfo) *profile_info;
	__typeof__(nvmlDeviceGetGpuInstancePossiblePlacements_v2) *placements;
	__typeof__(nvmlDeviceCreateGpuInstanceWithPlacement) *create_gi;
	__typeof__(nvmlDeviceGetGpuInstances) *get_gis;
	__typeof__(nvmlDeviceGetGpuInstanceById) *gi_by_id;
	__typeof__(nvmlGpuInstanceGetInfo) *gi_info;
	__typeof__(nvmlGpuInstanceDestroy) *gi_destroy;
};

static int to_errno(nvmlReturn_t r)
{
	switch (r) {
	case NVML_SUCCESS: return 0;
	case NVML_ERROR_INVALID_ARGUMENT: return -EINVAL;
	case NVML_ERROR_NOT_SUPPORTED: return -ENOTSUP;
	case NVML_ERROR_NO_PERMISSION: return -EPERM;
	case NVML_ERROR_NOT_FOUND: return -ENOENT;
	case NVML_ERROR_IN_USE: return -EBUSY;
	case NVML_ERROR_INSUFFICIENT_RESOURCES: return -ENOSPC;
	default: return -EIO;
	}
}

/* Debug-logs a failed call with NVML's own words; returns -errno. */
static int check(struct nvml *n, const char *what, const char *bdf, nvmlReturn_t r)
{
	if (r != NVML_SUCCESS)
		log_debug("NVML %s(%s): %s (%d)", what, bdf, n->error_string(r), r);
	return to_errno(r);
}

static void *dl_sym(void *lib, const char *name)
{
	return dlsym(lib, name);
}

/* Resolves every symbol, then nvmlInit_v2; frees n on failure. */
static int open_common(struct nvml *n, void *(*sym)(void *ctx, const char *name), void *ctx,
		       struct nvml **ret, char *why, size_t ws)
{
	static const struct {
		const char *name;
		size_t off;
	} syms[] = {
#define S(name, field)                                                                                       \
	{                                                                                                    \
		name, offsetof(struct nvml, field)                                                           \
	}
		S("nvmlInit_v2", init),
		S("nvmlShutdown", shutdown),
		S("nvmlErrorString", error_string),
		S("nvmlDeviceGetHandleByPciBusId_v2", by_bus_id),
		S("nvmlDeviceGetMigMode", get_mig_mode),
		S("nvmlDeviceSetMigMode", set_mig_mode),
		S("nvmlDeviceGetGpuInstanceProfileInfo", profile_info),
		S("nvmlDeviceGetGpuInstancePossiblePlacements_v2", placements),
		S("nvmlDeviceCreateGpuInstanceWithPlacement", create_gi),
		S("nvmlDeviceGetGpuInstances", get_gis),
		S("nvmlDeviceGetGpuInstanceById", gi_by_id),
		S("nvmlGpuInstanceGetInfo", gi_info),
		S("nvmlGpuInstanceDestroy", gi_destroy),
#undef S
	};
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		void *f = sym(ctx, syms[i].name);
		if (!f) {
			snprintf(why, ws, "NVML lacks %s (driver too old for MIG)", syms[i].name);
			goto fail;
		}
		memcpy((char *)n + syms[i].off, &f, sizeof(f));
	}
	nvmlReturn_t r = n->init();
	if (r != NVML_SUCCESS) {
		/* NVML's words: "Driver Not Loaded" on a node without the driver */
		snprintf(why, ws, "nvmlInit failed: %s", n->error_string(r));
		goto fail;
	}
	*ret = n;
	return 0;
fail:
	if (n->lib)
		dlclose(n->lib);
	free(n);
	return -EIO;
}

int nvml_open(struct nvml **ret, char *why, size_t ws)
{
	struct nvml *n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->lib = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!n->lib) {
		snprintf(why, ws, "NVML not found (%s)", dlerror());
		free(n);
		return -ENOENT;
	}
	return open_common(n, dl_sym, n->lib, ret, why, ws);
}

int nvml_open_with(void *(*sym)(void *ctx, const char *name), void *ctx, struct nvml **ret, char *why,
		   size_t ws)
{
	struct nvml *n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	return open_common(n, sym, ctx, ret, why, ws);
}

void nvml_close(struct nvml *n)
{
	if (!n)
		return;
	n->shutdown();
	if (n->lib)
		dlclose(n->lib);
	free(n);
}

static int device(struct nvml *n, const char *bdf, nvmlDevice_t *ret)
{
	int e = check(n, "nvmlDeviceGetHandleByPciBusId_v2", bdf, n->by_bus_id(bdf, ret));
	return e == -ENOENT || e == -EINVAL ? -ENODEV : e;
}

/* Every GPU instance of one profile (by its profile ID). */
static int list_gis(struct nvml *n, const char *bdf, nvmlDevice_t d, unsigned profile_id, struct mig_state *s)
{
	nvmlGpuInstance_t gis[MIG_MAX_GI];
	unsigned count = MIG_MAX_GI;
	int e = check(n, "nvmlDeviceGetGpuInstances", bdf, n->get_gis(d, profile_id, gis, &count));
	if (e < 0)
		return e;
	for (unsigned i = 0; i < count && s->ngi < MIG_MAX_GI; i++) {
		nvmlGpuInstanceInfo_t info;
		if ((e = check(n, "nvmlGpuInstanceGetInfo", bdf, n->gi_info(gis[i], &info))) < 0)
			return e;
		s->gi[s->ngi++] = (struct mig_gi){ .id = info.id,
						   .profile = info.profileId,
						   .start = info.placement.start,
						   .size = info.placement.size };
	}
	return 0;
}

int nvml_mig_read(struct nvml *n, const char *bdf, struct mig_state *ret)
{
	nvmlDevice_t d;
	unsigned cur, pend;
	struct mig_state s = { 0 };
	int e = device(n, bdf, &d);
	if (e < 0 || (e = check(n, "nvmlDeviceGetMigMode", bdf, n->get_mig_mode(d, &cur, &pend))) < 0)
		return e;
	s.mode = cur == NVML_DEVICE_MIG_ENABLE;
	s.pending = pend == NVML_DEVICE_MIG_ENABLE;
	for (unsigned ix = 0; ix < PROFILE_INDEX_END && s.nprof < MIG_MAX_PROFILES; ix++) {
		nvmlGpuInstanceProfileInfo_t info;
		nvmlGpuInstancePlacement_t pl[8];
		unsigned np = 8;
		/* by INDEX (NVML_GPU_INSTANCE_PROFILE_*); NOT_SUPPORTED: not a
		 * profile of this GPU.  A real driver answers with MIG mode off
		 * too (nvml-580.txt); older ones may not: then no profiles. */
		if (n->profile_info(d, ix, &info) != NVML_SUCCESS)
			continue;
		struct mig_profile *p = &s.prof[s.nprof];
		*p = (struct mig_profile){ .index = ix,
					   .id = info.id,
					   /* the *_REV1 profiles are the "+me" ones (nvml-580.txt:
					    * index 7 -> 'MIG 1g.10gb+me') */
					   .me = ix == NVML_GPU_INSTANCE_PROFILE_1_SLICE_REV1 ||
						 ix == NVML_GPU_INSTANCE_PROFILE_2_SLICE_REV1,
					   .slices = info.sliceCount,
					   .max = info.instanceCount,
					   .mem_mb = info.memorySizeMB };
		/* from here on the profile ID: placements by index are
		 * INVALID_ARGUMENT on a real GPU (nvml-580.txt).  NVML fills as
		 * many as the profile has: ask how many first. */
		if ((e = check(n, "nvmlDeviceGetGpuInstancePossiblePlacements_v2", bdf,
			       n->placements(d, info.id, NULL, &np))) < 0)
			return e;
		if (np > 8 || info.instanceCount > MIG_MAX_GI) {
			log_debug("NVML profile %u (index %u) on %s: %u placements, %u instances: beyond "
				  "this model",
				  info.id, ix, bdf, np, info.instanceCount);
			continue;
		}
		if ((e = check(n, "nvmlDeviceGetGpuInstancePossiblePlacements_v2", bdf,
			       n->placements(d, info.id, pl, &np))) < 0)
			return e;
		for (unsigned i = 0; i < np && i < 8; i++)
			if (pl[i].start < 8) {
				p->starts |= (uint8_t)(1u << pl[i].start);
				p->size = pl[i].size;
			}
		s.nprof++;
		/* GPU instances exist in MIG mode only (nvml.h,
		 * nvmlDeviceGetGpuInstances: NOT_SUPPORTED without it) */
		if (s.mode && (e = list_gis(n, bdf, d, info.id, &s)) < 0)
			return e;
	}
	*ret = s;
	return 0;
}

int nvml_mig_set_mode(struct nvml *n, const char *bdf, bool on, bool *ret_pending)
{
	nvmlDevice_t d;
	nvmlReturn_t act = NVML_SUCCESS;
	int e = device(n, bdf, &d);
	if (e < 0 ||
	    (e = check(n, "nvmlDeviceSetMigMode", bdf,
		       n->set_mig_mode(d, on ? NVML_DEVICE_MIG_ENABLE : NVML_DEVICE_MIG_DISABLE, &act))) < 0)
		return e;
	*ret_pending = act != NVML_SUCCESS;
	if (act != NVML_SUCCESS)
		log_debug("NVML MIG mode on %s: activation: %s (%d)", bdf, n->error_string(act), act);
	return 0;
}

int nvml_gi_create(struct nvml *n, const char *bdf, unsigned profile_id, unsigned start, unsigned *ret_id)
{
	nvmlDevice_t d;
	nvmlGpuInstance_t gi;
	nvmlGpuInstanceInfo_t info;
	const nvmlGpuInstancePlacement_t pl = { .start = start, .size = 0 };
	int e = device(n, bdf, &d);
	if (e < 0 ||
	    (e = check(n, "nvmlDeviceCreateGpuInstanceWithPlacement", bdf,
		       n->create_gi(d, profile_id, &pl, &gi))) < 0 ||
	    (e = check(n, "nvmlGpuInstanceGetInfo", bdf, n->gi_info(gi, &info))) < 0)
		return e;
	*ret_id = info.id;
	return 0;
}

int nvml_gi_destroy(struct nvml *n, const char *bdf, unsigned id)
{
	nvmlDevice_t d;
	nvmlGpuInstance_t gi;
	int e = device(n, bdf, &d);
	if (e < 0 || (e = check(n, "nvmlDeviceGetGpuInstanceById", bdf, n->gi_by_id(d, id, &gi))) < 0)
		return e;
	return check(n, "nvmlGpuInstanceDestroy", bdf, n->gi_destroy(gi));
}
#endif
