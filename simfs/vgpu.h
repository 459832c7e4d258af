/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vGPU: the types a GPU model offers and NVIDIA's capacity rules (pure),
 * mdev parents and devices, and the vendor-specific VFIO files on VFs. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

struct vgpu_type {
	const char *name;    /* short name: "A100-4C" */
	int mdev_id;	     /* mdev type "nvidia-N"; 0: not offered as mdev */
	unsigned vfio_id;    /* creatable_vgpu_types ID; 0: not offered there */
	unsigned fb_gb;	     /* framebuffer of one instance */
	unsigned max;	     /* instances per GPU */
	unsigned mig_slices; /* 0: time-sliced; else needs a GPU instance */
};

struct vgpu_model {
	uint16_t device;
	const struct vgpu_type *types;
	int ntypes;
};

const struct vgpu_model *vgpu_model_find(uint16_t device);
const struct vgpu_type *vgpu_type_by_vfio_id(const struct vgpu_model *vm, unsigned id);

struct model;
struct sim_dev;

/* Instances of t a GPU hosting used_count vGPUs of size used_fb_gb can
 * still take: none for MIG-backed types (no GPU instance exists), only the
 * size already in use for time-sliced ones (NVIDIA's equal-size rule), up
 * to the type's maximum.  Pure. */
unsigned vgpu_capacity(const struct vgpu_type *t, unsigned used_count, unsigned used_fb_gb);
/* The same for a GPU of the model (gpu: the physical function). */
unsigned vgpu_available(struct model *m, struct sim_dev *gpu, const struct vgpu_type *t);

/* Host-driver hooks: called when nvidia binds / releases a device. */
int vgpu_on_bind(struct sim_dev *d);
/* -SIM_EWAIT while one of its vGPUs is open by a user. */
int vgpu_can_release(struct sim_dev *d);
void vgpu_on_release(struct sim_dev *d);
