/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What every benchmark server does per Allocate call (the Python server in
 * server.py does the same): one container response with the KubeVirt env
 * var listing the requested IDs, /dev/vfio/vfio and one group node per ID. */
#pragma once
#include "dpapi.h"

#define BENCH_ENV "PCI_RESOURCE_NVIDIA_COM_GH100_H100_SXM5_80GB"
