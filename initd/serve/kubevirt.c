// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdbool.h>
#include <string.h>

#include "kubevirt.h"

static bool seen_before(const struct sdevs *s, size_t i, bool mdev)
{
	const struct sdev *d = &s->d[i];
	for (size_t k = 0; k < i; k++) {
		const struct sdev *e = &s->d[k];
		if ((e->kind == SDEV_MDEV) != mdev || strcmp(e->resource, d->resource) != 0)
			continue;
		if (mdev ? strcmp(e->vgpu_type, d->vgpu_type) == 0
			 : (e->vendor == d->vendor && e->device == d->device))
			return true;
	}
	return false;
}

void kubevirt_print(const struct sdevs *s, FILE *f)
{
	bool any_pci = false, any_mdev = false;
	for (size_t i = 0; i < s->n; i++)
		*(s->d[i].kind == SDEV_MDEV ? &any_mdev : &any_pci) = true;
	fprintf(f, "permittedHostDevices:\n");
	fprintf(f, "  pciHostDevices:%s\n", any_pci ? "" : " []");
	for (size_t i = 0; i < s->n; i++) {
		const struct sdev *d = &s->d[i];
		if (d->kind == SDEV_MDEV || seen_before(s, i, false))
			continue;
		fprintf(f, "  - pciVendorSelector: \"%04X:%04X\"\n", d->vendor, d->device);
		fprintf(f, "    resourceName: \"%s\"\n", d->resource);
		fprintf(f, "    externalResourceProvider: true\n");
	}
	fprintf(f, "  mediatedDevices:%s\n", any_mdev ? "" : " []");
	for (size_t i = 0; i < s->n; i++) {
		const struct sdev *d = &s->d[i];
		if (d->kind != SDEV_MDEV || seen_before(s, i, true))
			continue;
		fprintf(f, "  - mdevNameSelector: \"%s\"\n", d->vgpu_type);
		fprintf(f, "    resourceName: \"%s\"\n", d->resource);
		fprintf(f, "    externalResourceProvider: true\n");
	}
}
