// SPDX-License-Identifier: GPL-2.0-or-later
/* The vGPU types NVIDIA's host driver offers per GPU model (docs/design.md
 * section 7).  mdev type numbers: the A100 40GB, A100 80GB and T4 ones are
 * NVIDIA's, from the vgpuConfig.xml of vGPU-KVM driver 510.47.03 (a
 * community table of that file, "vGPU Types List") and, for the A100 80GB,
 * a real host's mdev listing on driver 525.85.07
 * (stackhpc/ansible-collection-linux roles/vgpu/README.md: nvidia-692
 * GRID A100D-4C ... nvidia-698 GRID A100D-80C, 699..703, 707).  Every
 * vendor-VFIO ID (creatable_vgpu_types, H100XM) is invented (unverified):
 * see fixtures/README.md. */
#include <stddef.h>
#include <string.h>

#include "vgpu.h"

#define TS(n, mdev, vid, fb, max)                                                                            \
	{                                                                                                    \
		n, mdev, vid, fb, max, 0                                                                     \
	}
#define MIG(n, mdev, vid, fb, max, slices)                                                                   \
	{                                                                                                    \
		n, mdev, vid, fb, max, slices                                                                \
	}

static const struct vgpu_type a100_40[] = {
	TS("A100-4C", 468, 0, 4, 10),	     TS("A100-5C", 469, 0, 5, 8),
	TS("A100-8C", 470, 0, 8, 5),	     TS("A100-10C", 471, 0, 10, 4),
	TS("A100-20C", 472, 0, 20, 2),	     TS("A100-40C", 473, 0, 40, 1),
	MIG("A100-1-5C", 474, 0, 5, 7, 1),   MIG("A100-2-10C", 475, 0, 10, 3, 2),
	MIG("A100-3-20C", 476, 0, 20, 2, 3), MIG("A100-4-20C", 477, 0, 20, 1, 4),
	MIG("A100-7-40C", 478, 0, 40, 1, 7), MIG("A100-1-5CME", 706, 0, 5, 1, 1),
};

static const struct vgpu_type a100_80[] = {
	TS("A100D-4C", 692, 0, 4, 20),		TS("A100D-8C", 693, 0, 8, 10),
	TS("A100D-10C", 694, 0, 10, 8),		TS("A100D-16C", 695, 0, 16, 5),
	TS("A100D-20C", 696, 0, 20, 4),		TS("A100D-40C", 697, 0, 40, 2),
	TS("A100D-80C", 698, 0, 80, 1),		MIG("A100D-1-10C", 699, 0, 10, 7, 1),
	MIG("A100D-2-20C", 700, 0, 20, 3, 2),	MIG("A100D-3-40C", 701, 0, 40, 2, 3),
	MIG("A100D-4-40C", 702, 0, 40, 1, 4),	MIG("A100D-7-80C", 703, 0, 80, 1, 7),
	MIG("A100D-1-10CME", 707, 0, 10, 1, 1),
};

static const struct vgpu_type h100xm[] = {
	MIG("H100XM-1-10C", 0, 1001, 10, 7, 1), MIG("H100XM-1-20C", 0, 1002, 20, 4, 1),
	MIG("H100XM-2-20C", 0, 1003, 20, 3, 2), MIG("H100XM-3-40C", 0, 1004, 40, 2, 3),
	MIG("H100XM-4-40C", 0, 1005, 40, 1, 4), MIG("H100XM-7-80C", 0, 1006, 80, 1, 7),
	TS("H100XM-4C", 0, 1010, 4, 20),	TS("H100XM-5C", 0, 1011, 5, 16),
	TS("H100XM-8C", 0, 1012, 8, 10),	TS("H100XM-10C", 0, 1013, 10, 8),
	TS("H100XM-20C", 0, 1014, 20, 4),	TS("H100XM-40C", 0, 1015, 40, 2),
	TS("H100XM-80C", 0, 1016, 80, 1),
};

/* T4 (510.47.03): 1B 222, 2B 223, 2B4 224, 1B4 252 and 1A..16A 225..229
 * exist too and are not modelled. */
static const struct vgpu_type t4[] = {
	TS("T4-1Q", 230, 0, 1, 16), TS("T4-2Q", 231, 0, 2, 8),	 TS("T4-4Q", 232, 0, 4, 4),
	TS("T4-8Q", 233, 0, 8, 2),  TS("T4-16Q", 234, 0, 16, 1), TS("T4-4C", 319, 0, 4, 4),
	TS("T4-8C", 320, 0, 8, 2),  TS("T4-16C", 321, 0, 16, 1),
};

#define MODEL(dev, t)                                                                                        \
	{                                                                                                    \
		dev, t, sizeof(t) / sizeof(t[0])                                                             \
	}
static const struct vgpu_model models[] = {
	MODEL(0x20f1, a100_40), MODEL(0x20b0, a100_40), MODEL(0x20b5, a100_80),
	MODEL(0x20b2, a100_80), MODEL(0x2330, h100xm),	MODEL(0x1eb8, t4),
};

const struct vgpu_model *vgpu_model_find(uint16_t device)
{
	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++)
		if (models[i].device == device)
			return &models[i];
	return NULL;
}

const struct vgpu_type *vgpu_type_by_vfio_id(const struct vgpu_model *vm, unsigned id)
{
	for (int i = 0; vm && i < vm->ntypes; i++)
		if (vm->types[i].vfio_id == id && id)
			return &vm->types[i];
	return NULL;
}
