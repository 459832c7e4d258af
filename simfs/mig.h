/* SPDX-License-Identifier: GPL-2.0-or-later */
/* MIG on a simulated GPU: the GPU instance profiles and placements of the
 * model (A100 40GB/80GB, H100 80GB), MIG mode with a pending state until
 * the GPU is reset, and GPU instances.  The fake NVML (tests/fakenvml)
 * reads the state from .simfs/mig/<bdf> and changes it through
 * .simfs/control; MIG-backed vGPU types become creatable on a GPU
 * instance of their profile.  Pure model code. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

/* One GPU instance profile as NVML describes it.  NVML knows a profile by
 * two numbers: the INDEX (an NVML_GPU_INSTANCE_PROFILE_* constant, the
 * argument of nvmlDeviceGetGpuInstanceProfileInfo) and the profile ID
 * (info.id), which every later call takes (placements, GetGpuInstances,
 * CreateGpuInstanceWithPlacement; nvmlGpuInstanceInfo_t.profileId).  They
 * differ on real GPUs (nvml.h; fixtures/recorded/h100-sxm5-guest/nvml-580.txt).
 * simfs's control commands and .simfs/mig/<bdf> use the ID. */
struct mig_profile {
	unsigned index;	  /* NVML_GPU_INSTANCE_PROFILE_*: 0 1g, 1 2g, 2 3g, 3 4g, 4 7g, 7 1g+me, 9 1g (2 mem
			     slices) */
	unsigned id;	  /* profile ID: 19 1g, 20 1g+me, 15 1g (2 mem slices), 14 2g, 9 3g, 5 4g, 0 7g */
	const char *name; /* "1g.5gb", "1g.5gb+me" */
	unsigned slices;  /* compute slices */
	unsigned mem_gb;  /* framebuffer as the name says it */
	unsigned mem_mb;  /* memorySizeMB as NVML reports it */
	unsigned max;	  /* instances per GPU */
	unsigned size;	  /* memory slices a placement takes */
	unsigned starts;  /* bit i: a placement may start at memory slice i */
};

struct mig_geometry {
	uint16_t device;
	const struct mig_profile *profiles;
	int nprofiles;
	bool reset_to_apply; /* Ampere: a MIG mode change takes effect at a GPU reset */
};

#define MIG_MAX_GI 8
struct mig_gi {
	unsigned id, profile, start, size; /* profile: the profile ID */
};

struct sim_mig {
	const struct mig_geometry *geo; /* NULL: not MIG-capable */
	bool mode, pending;		/* current and pending MIG mode */
	int ngi;
	struct mig_gi gi[MIG_MAX_GI];
};

struct model;
struct sim_dev;
struct vgpu_type;

const struct mig_geometry *mig_geometry_find(uint16_t device);
const struct mig_profile *mig_profile_by_id(const struct mig_geometry *g, unsigned id);
/* The profile a MIG-backed vGPU type needs (slices, size, +me). */
const struct mig_profile *mig_profile_of_type(const struct mig_geometry *g, const struct vgpu_type *t);

/* The .simfs/mig/<bdf> files of MIG-capable GPUs. */
int mig_init(struct model *m);
/* GPU instances of t's profile on gpu that host no vGPU yet. */
unsigned mig_free_instances(struct model *m, struct sim_dev *gpu, const struct vgpu_type *t);
/* Takes the lowest-numbered free GPU instance for a new vGPU of type t:
 * its id, or -ENOSPC. */
int mig_take_instance(struct model *m, struct sim_dev *gpu, const struct vgpu_type *t);
/* The driver lets go of the GPU (unbind, reset): GPU instances vanish. */
void mig_on_release(struct sim_dev *gpu);

/* Control commands; 0 or -errno (EBUSY in use, ENOSPC no room, ...). */
/* Sets the pending MIG mode; it becomes current at once when the GPU is
 * idle (no client; on Ampere also no SR-IOV VFs), else at gpu-reset. */
int mig_set_mode(struct sim_dev *gpu, bool on);
/* EBUSY while a client has the GPU open, it hosts vGPUs, or (Ampere) its
 * SR-IOV VFs are enabled. */
int mig_gpu_reset(struct sim_dev *gpu);
/* profile: a profile ID (not an index): EINVAL when the GPU has none such */
int mig_gi_create(struct sim_dev *gpu, unsigned profile, unsigned start);
int mig_gi_destroy(struct sim_dev *gpu, unsigned id);
