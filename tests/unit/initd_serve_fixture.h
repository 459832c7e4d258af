/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A serve device (struct sdev) for the tests of initd/serve/: include in
 * one test file each. */
#pragma once
#include <stdio.h>

#include "serve/discover.h"

static inline struct sdev mkdev(enum sdev_kind k, const char *id, int group, int numa, const char *loc)
{
	struct sdev d = { .kind = k,
			  .group = group,
			  .numa = numa,
			  .group_node = true,
			  .vendor = 0x10de,
			  .device = 0x2330 };
	snprintf(d.id, sizeof(d.id), "%s", id);
	snprintf(d.driver, sizeof(d.driver), "%s", k == SDEV_PASSTHROUGH ? "vfio-pci" : "nvidia");
	snprintf(d.locality, sizeof(d.locality), "%s", loc);
	return d;
}
