/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernel command line parsing (pure): the gpu_initd.* keys and the IOMMU
 * flags check reports. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

enum tristate { TRI_UNSET = -1, TRI_OFF = 0, TRI_ON = 1 };

struct kcmdline {
	char config[256];		 /* gpu_initd.config= */
	char mode[32];			 /* gpu_initd.mode= */
	char vgpu_config[64];		 /* gpu_initd.vgpu_config= */
	enum tristate intel_iommu;	 /* intel_iommu=on|off */
	enum tristate amd_iommu;	 /* amd_iommu=off only (on is no valid option) */
	bool amd_iommu_on_given;	 /* someone wrote amd_iommu=on: worth a hint */
	enum tristate iommu_pt;		 /* iommu=pt (ON) / iommu=nopt (OFF) */
	enum tristate iommu_passthrough; /* iommu.passthrough=0|1 */
	enum tristate iommu_strict;	 /* iommu.strict=0|1 */
	enum tristate intremap;		 /* x86 intremap=on|off, nointremap (OFF) */
	bool iommu_off;			 /* iommu=off */
	char flags[256];		 /* the IOMMU-related words, as seen */
};

/* Finds the value of the last `key=value` word (quotes around a value are
 * removed).  Returns the length, -ENOENT if absent, -ENAMETOOLONG. */
int cmdline_get(const char *cmdline, const char *key, char *buf, size_t size);
/* Parses a whole command line.  0 or -ENAMETOOLONG (a gpu_initd value too
 * long: a bad field, nothing applied). */
int cmdline_parse(const char *cmdline, struct kcmdline *ret);
