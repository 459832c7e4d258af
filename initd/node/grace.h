/* SPDX-License-Identifier: GPL-2.0-or-later */
/* NVIDIA Grace superchips' GPUs (GH200, GB200, GB300): their memory is
 * reached over NVLink-C2C, not through a BAR, and only the kernel's variant
 * driver nvgrace-gpu-vfio-pci shows it to a VM (as emulated BARs 2/3 and
 * 4/5).  Pure. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#define GRACE_VFIO_MODULE "nvgrace_gpu_vfio_pci"

/* A GPU the kernel's nvgrace-gpu-vfio-pci claims. */
bool grace_gpu(uint16_t vendor, uint16_t device);
