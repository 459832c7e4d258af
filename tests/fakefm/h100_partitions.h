/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The HGX H100 8-GPU partition table of the fake Fabric Manager
 * (tests/fakefm/fakefm.c) and of the partition model's unit test
 * (tests/unit/test_initd_fabric.c): one table for both.  FM User Guide
 * "Shared NVSwitch Virtualization Model", the HGX H100 default
 * partitions: ID 0 all 8 GPUs; 1 and 2 physical IDs 1-4 and 5-8; 3-6 the
 * pairs {1,3} {2,4} {5,7} {6,8}; 7-14 one GPU each (1..8).  The pairs as
 * NVIDIA's kubevirt-gpu-device-plugin transcribes them
 * (pkg/fabric_manager/partition_tree_test.go); the guide's table itself
 * was not read here: unverified (docs/nvidia-model.md, "Fabric Manager"). */
#pragma once

#define H100_NGPU 8
static const struct h100_partition {
	unsigned id, n, phys[H100_NGPU];
} h100_partitions[] = {
	{ 0, 8, { 1, 2, 3, 4, 5, 6, 7, 8 } },
	{ 1, 4, { 1, 2, 3, 4 } },
	{ 2, 4, { 5, 6, 7, 8 } },
	{ 3, 2, { 1, 3 } },
	{ 4, 2, { 2, 4 } },
	{ 5, 2, { 5, 7 } },
	{ 6, 2, { 6, 8 } },
	{ 7, 1, { 1 } },
	{ 8, 1, { 2 } },
	{ 9, 1, { 3 } },
	{ 10, 1, { 4 } },
	{ 11, 1, { 5 } },
	{ 12, 1, { 6 } },
	{ 13, 1, { 7 } },
	{ 14, 1, { 8 } },
};
#define H100_NPART (sizeof(h100_partitions) / sizeof(h100_partitions[0]))
