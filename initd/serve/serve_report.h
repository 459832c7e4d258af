/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `gpu-initd status` for serve (pure): the devices discovered now, joined
 * with what the running serve reports in run/gpu-initd/serve.json. */
#pragma once
#include <stdio.h>

#include "discover.h"

/* Prints one line per device (kind, resource, driver, group, NUMA, the
 * health serve advertises or "-" when it does not serve it) and one line
 * per served resource (registration, streams, capacity, allocatable,
 * allocations, last allocated IDs).  served may be NULL (serve not
 * running) or malformed (then said so).  0 or -EINVAL for bad JSON. */
int serve_report_print(const struct sdevs *d, const char *served, FILE *f);
/* `status --json`: {"mode", "devices": [{id, kind, resource, driver,
 * iommu_group, numa_node}], "serve": serve.json's document as it is, or
 * null}. */
void serve_report_json(const struct sdevs *d, const char *mode, const char *served, FILE *f);
