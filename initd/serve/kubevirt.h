/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The KubeVirt CR's permittedHostDevices block matching what serve
 * advertises (pure: from discovered, named devices). */
#pragma once
#include <stdio.h>

#include "discover.h"

/* pciHostDevices (passthrough and VF vGPUs: pciVendorSelector
 * "VVVV:DDDD"), mediatedDevices (mdevNameSelector = the mdev type name),
 * each once per (selector, resource), externalResourceProvider: true. */
void kubevirt_print(const struct sdevs *devs, FILE *f);
