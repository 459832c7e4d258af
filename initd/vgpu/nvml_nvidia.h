/* SPDX-License-Identifier: GPL-2.0-or-later */
/* NVIDIA's own nvml.h, the one declaration of NVML's API that nvml.c and
 * tests/fakenvml compile against.  It is not in this repository: the
 * build extracts it from Debian's libnvidia-ml-dev (non-free; the newest
 * Debian offers, trixie's 12.4.127) into build/nvidia/dev
 * (scripts/nvidia-pkgs.sh, mk/nvidia.mk) and puts it on the include path.
 * Only the versioned entry points are used (nvmlInit_v2,
 * nvmlDeviceGetHandleByPciBusId_v2, ...): the unversioned macros are off.
 * A constant newer than that header would be defined below, once, with
 * its source; none is needed today (NVML_GPU_INSTANCE_PROFILE_1_SLICE_REV2,
 * index 9, the newest profile index used, is in 12.4's header). */
#pragma once
#define NVML_NO_UNVERSIONED_FUNC_DEFS 1
/* NVIDIA's header by a path no other nvml.h has (gpu-initd's own is
 * initd/vgpu/nvml.h): the include path is the unpacked package's usr/. */
#include <include/nvml.h>

#ifndef NVML_GPU_INSTANCE_PROFILE_1_SLICE_REV2
#error                                                                                                       \
    "nvml.h too old: NVML_GPU_INSTANCE_PROFILE_1_SLICE_REV2 missing (scripts/nvidia-pkgs.sh fetches 12.4 or later)"
#endif
