/* SPDX-License-Identifier: GPL-2.0-or-later */
/* MIG under vm-vgpu: the GPU instances a vGPU plan needs, through NVML
 * (nvml.h).  A GPU the plan gives MIG-backed types is put in MIG mode
 * and gets exactly the planned GPU instances (gpu-initd owns its MIG
 * layout); a GPU given time-sliced types leaves MIG mode.  GPUs the plan
 * does not name are not touched.  Order on a GPU: its vGPUs that go are
 * removed first, then GPU instances are destroyed/created, then vGPUs are
 * created (vgpu_apply.c). */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "vgpu_plan.h"

struct vgpu_mig;
struct apply_stats;

/* Reads MIG state for the planned GPUs and checks the GPU instances fit.
 * 0, or -EINVAL with err saying why ("GPU X: A100-1-5C: MIG-backed types
 * unavailable: NVML not found (...)", "... no MIG placement fits ...").
 * *ret is set even on error. */
int vgpu_mig_check(const struct vgpu_gpu *gpus, size_t ngpus, const struct vgpu_plan *p,
		   struct vgpu_mig **ret, char *err, size_t es);
void vgpu_mig_free(struct vgpu_mig *m);
/* What apply will do to GPU `gpu`'s MIG state, for check ("MIG mode on:
 * 7 GPU instances to create"); false when nothing MIG-related. */
bool vgpu_mig_describe(const struct vgpu_mig *m, size_t gpu, char *buf, size_t size);
/* Whether GPU `gpu` loses GPU instances: its vGPUs are all recreated. */
bool vgpu_mig_rebuilds(const struct vgpu_mig *m, size_t gpu);
/* Whether GPU `gpu`'s MIG mode must change for the plan (as NVML showed
 * it in check), or may (NVML did not see the GPU: its PF was not on
 * nvidia).  false without NVML or when the plan leaves the GPU alone. */
bool vgpu_mig_mode_changes(const struct vgpu_mig *m, size_t gpu);
/* Whether the plan gives GPU `gpu` MIG-backed types (MIG mode on). */
bool vgpu_mig_wanted(const struct vgpu_mig *m, size_t gpu);
/* Reads GPU `gpu`'s MIG state again and brings its MIG mode alone to the
 * plan (on; off once it has no GPU instances).  For NVIDIA's order, MIG
 * mode before the GPU's VFs: vgpu_apply.c calls it while the VFs are off.
 * 0 (also: NVML does not see the GPU now), -EAGAIN waiting for a GPU
 * reset (logged), -errno (logged). */
int vgpu_mig_mode(struct vgpu_mig *m, size_t gpu, const struct vgpu_gpu *g);
/* Brings GPU `gpu`'s MIG mode and GPU instances to the plan; its vGPUs
 * that do not belong are gone by now.  0, or -errno (logged): -EAGAIN
 * when MIG mode waits for a GPU reset (the GPU is in use). */
int vgpu_mig_apply(struct vgpu_mig *m, size_t gpu, const struct vgpu_gpu *g);
