/* SPDX-License-Identifier: GPL-2.0-or-later */
/* NVIDIA vGPU type names: "A100-4C" (time-sliced), "A100-1-5C" (MIG-backed:
 * 1 slice, 5 GB), "H100XM-1-10CME", "RTX6000-Ada-4Q", "T4-2B4".  Parsed
 * from the right because GPU names contain hyphens.  Pure. */
#pragma once
#include <stdbool.h>

enum vgpu_mig_suffix { VGPU_SUFFIX_NONE, VGPU_SUFFIX_ME, VGPU_SUFFIX_NOME, VGPU_SUFFIX_MEALL };

struct vgpu_type_name {
	char gpu[32];	 /* "A100", "H100XM", "RTX6000-Ada" */
	unsigned slices; /* MIG slices (GPU instance size); 0: time-sliced */
	unsigned fb_gb;	 /* framebuffer per instance */
	char series;	 /* 'A', 'B', 'C' or 'Q' */
	unsigned heads;	 /* "T4-2B4": 4; 0 when absent */
	enum vgpu_mig_suffix suffix;
};

/* Parses a short type name; a leading "NVIDIA " or "GRID " (as mdev type
 * names read) is skipped.  0 or -EINVAL; ret is written only on success. */
int vgpu_type_parse(const char *name, struct vgpu_type_name *ret);
/* The short name without the vendor prefix ("GRID T4-1Q" -> "T4-1Q"). */
const char *vgpu_type_short(const char *name);
