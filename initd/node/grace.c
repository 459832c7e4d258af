// SPDX-License-Identifier: GPL-2.0-or-later
#include "grace.h"

#include <stddef.h>

/* drivers/vfio/pci/nvgrace-gpu/main.c nvgrace_gpu_vfio_pci_table: GH200
 * 120GB 0x2342, GH200 480GB 0x2345, GH200 0x2348, GB200 0x2941, GB300
 * 0x31C2 (all PCI_DRIVER_OVERRIDE_DEVICE_VFIO).  The module header
 * comment and nvgrace_gpu_mmap: the usable device memory is "showcased as a
 * 64b device BAR" backed by the C2C memory from the ACPI tables, which
 * plain vfio-pci does not do.  Which kernel release added which id:
 * unverified.  A newer kernel's extra ids still reach gpu-initd through
 * modules.alias (modules_pick_vfio); this table only matters when the
 * kernel lacks the module. */
static const uint16_t grace_ids[] = { 0x2342, 0x2345, 0x2348, 0x2941, 0x31c2 };

bool grace_gpu(uint16_t vendor, uint16_t device)
{
	if (vendor != 0x10de)
		return false;
	for (size_t i = 0; i < sizeof(grace_ids) / sizeof(grace_ids[0]); i++)
		if (grace_ids[i] == device)
			return true;
	return false;
}
