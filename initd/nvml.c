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
	snprintf(why, ws, "the static gpu-initd cannot load NVML: run the dynamically linked one (vm-vgpu runs in the "
			  "real root)");
	return -ENOTSUP;
}
void nvml_close(struct nvml *n)
{
}
int nvml_mig_read(struct nvml *n, const char *bdf, struct mig_state *ret)
{
	return -ENOTSUP;
}
int nvml_mig_set_mode(struct nvml *n, const char *bdf, bool on, bool *ret_pending)
{
	return -ENOTSUP;
}
int nvml_gi_create(struct nvml *n, const char *bdf, unsigned profile, unsigned start, unsigned *ret_id)
{
	return -ENOTSUP;
}
int nvml_gi_destroy(struct nvml *n, const char *bdf, unsigned id)
{
	return -ENOTSUP;
}
#else
#include <dlfcn.h>

#include "nvml_api.h"

#define NVML_GPU_INSTANCE_PROFILE_COUNT 16 /* ids probed: 0 .. 15 */

struct nvml {
	void *lib;
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
	__typeof__(nvmlGpuInstanceGetInfo) *gi_info;
	__typeof__(nvmlGpuInstanceDestroy) *gi_destroy;
};

static int to_errno(nvmlReturn_t r)
{
	switch (r) {
	case NVML_SUCCESS:
		return 0;
	case NVML_ERROR_INVALID_ARGUMENT:
		return -EINVAL;
	case NVML_ERROR_NOT_SUPPORTED:
		return -ENOTSUP;
	case NVML_ERROR_NO_PERMISSION:
		return -EPERM;
	case NVML_ERROR_NOT_FOUND:
		return -ENOENT;
	case NVML_ERROR_IN_USE:
		return -EBUSY;
	case NVML_ERROR_INSUFFICIENT_RESOURCES:
		return -ENOSPC;
	default:
		return -EIO;
	}
}

/* Debug-logs a failed call with NVML's own words; returns -errno. */
static int check(struct nvml *n, const char *what, const char *bdf, nvmlReturn_t r)
{
	if (r != NVML_SUCCESS)
		log_debug("NVML %s(%s): %s (%d)", what, bdf, n->error_string(r), r);
	return to_errno(r);
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
	static const struct {
		const char *name;
		size_t off;
	} syms[] = {
#define S(name, field) { name, offsetof(struct nvml, field) }
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
		S("nvmlGpuInstanceGetInfo", gi_info),
		S("nvmlGpuInstanceDestroy", gi_destroy),
#undef S
	};
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		void *f = dlsym(n->lib, syms[i].name);
		if (!f) {
			snprintf(why, ws, "NVML lacks %s (driver too old for MIG)", syms[i].name);
			dlclose(n->lib);
			free(n);
			return -EIO;
		}
		memcpy((char *)n + syms[i].off, &f, sizeof(f));
	}
	nvmlReturn_t r = n->init();
	if (r != NVML_SUCCESS) {
		snprintf(why, ws, "nvmlInit failed: %s", n->error_string(r));
		dlclose(n->lib);
		free(n);
		return -EIO;
	}
	*ret = n;
	return 0;
}

void nvml_close(struct nvml *n)
{
	if (!n)
		return;
	n->shutdown();
	dlclose(n->lib);
	free(n);
}

static int device(struct nvml *n, const char *bdf, nvmlDevice_t *ret)
{
	int e = check(n, "nvmlDeviceGetHandleByPciBusId_v2", bdf, n->by_bus_id(bdf, ret));
	return e == -ENOENT || e == -EINVAL ? -ENODEV : e;
}

/* Every GPU instance of one profile. */
static int list_gis(struct nvml *n, const char *bdf, nvmlDevice_t d, unsigned profile, struct mig_state *s)
{
	nvmlGpuInstance_t gis[MIG_MAX_GI];
	unsigned count = MIG_MAX_GI;
	int e = check(n, "nvmlDeviceGetGpuInstances", bdf, n->get_gis(d, profile, gis, &count));
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
	for (unsigned id = 0; id < NVML_GPU_INSTANCE_PROFILE_COUNT && s.nprof < MIG_MAX_PROFILES; id++) {
		nvmlGpuInstanceProfileInfo_t info;
		nvmlGpuInstancePlacement_t pl[8];
		unsigned np = 8;
		if (n->profile_info(d, id, &info) != NVML_SUCCESS)
			continue; /* not a profile of this GPU (or MIG mode off) */
		struct mig_profile *p = &s.prof[s.nprof];
		*p = (struct mig_profile){ .id = id,
					   .slices = info.sliceCount,
					   .max = info.instanceCount,
					   .mem_mb = info.memorySizeMB };
		/* NVML fills as many as the profile has: ask how many first */
		if ((e = check(n, "nvmlDeviceGetGpuInstancePossiblePlacements_v2", bdf,
			       n->placements(d, id, NULL, &np))) < 0)
			return e;
		if (np > 8 || info.instanceCount > MIG_MAX_GI) {
			log_debug("NVML profile %u on %s: %u placements, %u instances: beyond this model", id, bdf, np,
				  info.instanceCount);
			continue;
		}
		if ((e = check(n, "nvmlDeviceGetGpuInstancePossiblePlacements_v2", bdf, n->placements(d, id, pl, &np))) < 0)
			return e;
		for (unsigned i = 0; i < np && i < 8; i++)
			if (pl[i].start < 8) {
				p->starts |= (uint8_t)(1u << pl[i].start);
				p->size = pl[i].size;
			}
		s.nprof++;
		if (s.mode && (e = list_gis(n, bdf, d, id, &s)) < 0)
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
	if (e < 0 || (e = check(n, "nvmlDeviceSetMigMode", bdf, n->set_mig_mode(d, on ? NVML_DEVICE_MIG_ENABLE : NVML_DEVICE_MIG_DISABLE, &act))) < 0)
		return e;
	*ret_pending = act != NVML_SUCCESS;
	if (act != NVML_SUCCESS)
		log_debug("NVML MIG mode on %s: activation: %s (%d)", bdf, n->error_string(act), act);
	return 0;
}

int nvml_gi_create(struct nvml *n, const char *bdf, unsigned profile, unsigned start, unsigned *ret_id)
{
	nvmlDevice_t d;
	nvmlGpuInstance_t gi;
	nvmlGpuInstanceInfo_t info;
	const nvmlGpuInstancePlacement_t pl = { .start = start, .size = 0 };
	int e = device(n, bdf, &d);
	if (e < 0 ||
	    (e = check(n, "nvmlDeviceCreateGpuInstanceWithPlacement", bdf, n->create_gi(d, profile, &pl, &gi))) < 0 ||
	    (e = check(n, "nvmlGpuInstanceGetInfo", bdf, n->gi_info(gi, &info))) < 0)
		return e;
	*ret_id = info.id;
	return 0;
}

int nvml_gi_destroy(struct nvml *n, const char *bdf, unsigned id)
{
	nvmlDevice_t d;
	int e = device(n, bdf, &d);
	if (e < 0)
		return e;
	for (unsigned p = 0; p < NVML_GPU_INSTANCE_PROFILE_COUNT; p++) {
		nvmlGpuInstance_t gis[MIG_MAX_GI];
		nvmlGpuInstanceProfileInfo_t pinfo;
		unsigned count = MIG_MAX_GI;
		/* the buffer must hold every instance the profile allows */
		if (n->profile_info(d, p, &pinfo) != NVML_SUCCESS || pinfo.instanceCount > MIG_MAX_GI ||
		    n->get_gis(d, p, gis, &count) != NVML_SUCCESS)
			continue;
		for (unsigned i = 0; i < count; i++) {
			nvmlGpuInstanceInfo_t info;
			if (n->gi_info(gis[i], &info) == NVML_SUCCESS && info.id == id)
				return check(n, "nvmlGpuInstanceDestroy", bdf, n->gi_destroy(gis[i]));
		}
	}
	return -ENOENT;
}
#endif
