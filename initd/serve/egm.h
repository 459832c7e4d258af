/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Extended GPU Memory (EGM) of NVIDIA Grace hosts: each region is a char
 * device /dev/egm<pxm> shared by the GPUs of one socket.  An Allocate
 * that holds every GPU of a region also gets its device node, and no
 * other Allocate does (a VM given a region whose other GPUs go to another
 * VM would share memory with it).  Sources in egm.c. */
#pragma once
#include <stddef.h>

#define EGM_MAX 8
#define EGM_GPUS_MAX 8

struct egm_region {
	char dev[24];		     /* "/dev/egm2" */
	char gpus[EGM_GPUS_MAX][16]; /* BDFs */
	size_t ngpus;
};

struct egm_set {
	struct egm_region r[EGM_MAX];
	size_t n;
};

/* Reads sys/class/egm/egm* under the root: the regions whose device node
 * (dev/egmN) exists and that name at least one GPU.  No class: 0, empty.
 * 0 or -errno (an unreadable class directory). */
int egm_scan(int rootfd, struct egm_set *ret);
/* Pure: the device paths of the regions all of whose GPUs are among ids
 * (PCI addresses, compared without case), sorted; returns their number
 * (at most max). */
size_t egm_paths_for(const struct egm_set *s, const char *const *ids, size_t n, const char **out, size_t max);
