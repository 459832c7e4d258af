/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Device selection (pure): which functions the config's "devices" names. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "pcidev.h"

/* Marks selected[i] for each device the config selects: "all" = every
 * NVIDIA 0x0300/0x0302 PF; indices count those GPUs in address order;
 * addresses and vendor:device ids may name any non-VF function.  Returns
 * the number selected; *ret_unmatched is the index of the first selector
 * that matched nothing (-1 if none). */
size_t select_devices(const struct config *c, const struct pcidev *devs, size_t n, bool *selected,
		      int *ret_unmatched);
/* "sriov-vfs" (part of select_devices): the VFs of the PFs it names are
 * selected, those PFs never.  Returns the change in the count. */
long select_sriov(const struct config *c, const struct pcidev *devs, size_t n, bool *selected);
/* How many VFs "sriov-vfs" wants on d (0: d is not such a PF). */
unsigned select_sriov_want(const struct config *c, const struct pcidev *d);
/* The GPU index of devs[i] (its rank among "all" GPUs), or -1. */
int select_gpu_index(const struct pcidev *devs, size_t n, size_t i);
