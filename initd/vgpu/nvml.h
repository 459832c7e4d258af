/* SPDX-License-Identifier: GPL-2.0-or-later */
/* NVML, loaded at run time with dlopen("libnvidia-ml.so.1"), for MIG:
 * MIG mode, GPU instance profiles and placements, GPU instances.  nvml.c
 * is compiled against NVIDIA's nvml.h (nvml_nvidia.h; Debian's
 * libnvidia-ml-dev, fetched at build time by scripts/nvidia-pkgs.sh).
 * Profiles come from NVML by index (NVML_GPU_INSTANCE_PROFILE_*); every
 * other call here, and struct mig_profile.id / mig_gi.profile, use the
 * profile ID NVML returns for it.  The static gpu-initd has no NVML (a
 * static glibc binary cannot dlopen reliably): there nvml_open() fails
 * with -ENOTSUP and MIG-backed types are unavailable; vm-vgpu runs in the
 * real root, where the dynamically linked gpu-initd is the one to use. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "mig_plan.h"

struct nvml;

/* Loads and initialises NVML.  0; -ENOTSUP (static build), -ENOENT (no
 * libnvidia-ml.so.1), -EIO (a symbol missing, or nvmlInit failed); why
 * says which. */
int nvml_open(struct nvml **ret, char *why, size_t ws);
/* The same with NVML's symbols from sym(ctx, name) instead of dlsym (unit
 * tests: an NVML inside the test). */
int nvml_open_with(void *(*sym)(void *ctx, const char *name), void *ctx, struct nvml **ret, char *why,
		   size_t ws);
void nvml_close(struct nvml *n);

/* The GPU's MIG mode, profiles (with their placements) and GPU
 * instances.  Profiles are left empty when NVML refuses them (MIG mode
 * off on some drivers).  -ENOTSUP: the GPU has no MIG; -ENODEV: NVML does
 * not know the GPU. */
int nvml_mig_read(struct nvml *n, const char *bdf, struct mig_state *ret);
/* Sets MIG mode; *ret_pending is true when it waits for a GPU reset
 * (the GPU is in use).  -EBUSY: refused while in use (vGPUs, instances). */
int nvml_mig_set_mode(struct nvml *n, const char *bdf, bool on, bool *ret_pending);
/* Creates a GPU instance of profile ID `profile_id` at memory slice
 * `start`. */
int nvml_gi_create(struct nvml *n, const char *bdf, unsigned profile_id, unsigned start, unsigned *ret_id);
/* Destroys GPU instance `id` (nvmlDeviceGetGpuInstanceById); -EBUSY while
 * it hosts a vGPU. */
int nvml_gi_destroy(struct nvml *n, const char *bdf, unsigned id);
