/* SPDX-License-Identifier: GPL-2.0-or-later */
/* MIG planning (pure): which GPU instance profile a MIG-backed vGPU type
 * needs, and how to get a GPU from the GPU instances it has to the ones a
 * config needs — keep what fits, destroy the rest, place the missing ones
 * by NVIDIA's placement rules (as NVML reports them) — or why it cannot
 * ("more compute slices than the GPU has", "no placement fits"). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MIG_MAX_PROFILES 16
#define MIG_MAX_GI 8

/* A GPU instance profile.  NVML names it by INDEX (an
 * NVML_GPU_INSTANCE_PROFILE_* constant, asked by
 * nvmlDeviceGetGpuInstanceProfileInfo) and by profile ID (its answer,
 * info.id), which every other NVML call takes; on real GPUs they differ
 * (A100/H100: index 0 -> ID 19, 4 -> ID 0).  Plans here use the ID. */
struct mig_profile {
	unsigned index;	 /* NVML_GPU_INSTANCE_PROFILE_* it was read at */
	unsigned id;	 /* profile ID (info.id) */
	bool me;	 /* media extensions ("+me": a *_REV1 index) */
	unsigned slices; /* compute slices (sliceCount) */
	unsigned max;	 /* instances per GPU (instanceCount) */
	unsigned long long mem_mb;
	unsigned size;	/* memory slices one placement takes */
	uint8_t starts; /* bit i: a placement may start at memory slice i */
};

struct mig_gi {
	unsigned id, profile, start, size; /* profile: profile ID (nvmlGpuInstanceInfo_t.profileId) */
};

/* What NVML says about one GPU. */
struct mig_state {
	bool mode, pending; /* current and pending MIG mode */
	size_t nprof;
	struct mig_profile prof[MIG_MAX_PROFILES];
	size_t ngi;
	struct mig_gi gi[MIG_MAX_GI];
};

struct mig_want {
	const char *label; /* the vGPU type, for messages */
	unsigned profile;  /* profile ID */
	unsigned count;
};

struct mig_change {
	size_t nkeep, ndestroy, ncreate;
	unsigned keep[MIG_MAX_GI];	  /* GPU instance ids */
	unsigned destroy[MIG_MAX_GI];	  /* GPU instance ids */
	struct mig_gi create[MIG_MAX_GI]; /* id unused */
};

/* The profile of a MIG-backed type: `slices` compute slices, `me` media
 * extensions, the memory closest to fb_gb.  Its profile ID, or -ENOENT. */
int mig_profile_for(const struct mig_state *s, unsigned slices, unsigned fb_gb, bool me);
const struct mig_profile *mig_profile_get(const struct mig_state *s, unsigned id);

/* The change from s's GPU instances to the wanted ones (nw 0: none).
 * GPU instances of a wanted profile stay when the rest still fits around
 * them; otherwise everything is laid out anew.  0, or -EINVAL with err
 * saying why. */
int mig_plan(const struct mig_state *s, const struct mig_want *w, size_t nw, struct mig_change *ret,
	     char *err, size_t es);
