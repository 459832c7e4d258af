// SPDX-License-Identifier: GPL-2.0-or-later
#include "select.h"

#include <string.h>

static bool default_gpu(const struct pcidev *d)
{
	return pcidev_is_gpu(d) && !d->is_vf;
}

int select_gpu_index(const struct pcidev *devs, size_t n, size_t i)
{
	if (i >= n || !default_gpu(&devs[i]))
		return -1;
	int k = 0;
	for (size_t j = 0; j < i; j++)
		if (default_gpu(&devs[j]))
			k++;
	return k;
}

static bool matches(const struct selector *s, const struct pcidev *devs, size_t n, size_t i)
{
	const struct pcidev *d = &devs[i];
	switch (s->kind) {
	case SEL_ADDR: return pci_addr_cmp(&s->addr, &d->addr) == 0;
	case SEL_INDEX: return select_gpu_index(devs, n, i) == (int)s->index;
	case SEL_ID: return !d->is_vf && d->vendor == s->vendor && (s->device < 0 || d->device == s->device);
	}
	return false;
}

size_t select_devices(const struct config *c, const struct pcidev *devs, size_t n, bool *selected,
		      int *ret_unmatched)
{
	size_t count = 0;
	int unmatched = -1;
	memset(selected, 0, n * sizeof(*selected));
	if (c->devices_all) {
		for (size_t i = 0; i < n; i++)
			if (default_gpu(&devs[i])) {
				selected[i] = true;
				count++;
			}
		*ret_unmatched = -1;
		return count + select_sriov(c, devs, n, selected);
	}
	for (size_t s = 0; s < c->nsel; s++) {
		bool any = false;
		for (size_t i = 0; i < n; i++)
			if (matches(&c->sel[s], devs, n, i)) {
				any = true;
				if (!selected[i]) {
					selected[i] = true;
					count++;
				}
			}
		if (!any && unmatched < 0)
			unmatched = (int)s;
	}
	*ret_unmatched = unmatched;
	return count + select_sriov(c, devs, n, selected);
}

static const struct pcidev *find(const struct pcidev *devs, size_t n, const struct pci_addr *a)
{
	for (size_t i = 0; i < n; i++)
		if (pci_addr_cmp(&devs[i].addr, a) == 0)
			return &devs[i];
	return NULL;
}

unsigned select_sriov_want(const struct config *c, const struct pcidev *d)
{
	return d->is_vf ? 0 : config_sriov_vfs(c, d->vendor, d->device, &d->addr);
}

long select_sriov(const struct config *c, const struct pcidev *devs, size_t n, bool *selected)
{
	long delta = 0;
	for (size_t i = 0; i < n && c->nsriov; i++) {
		const struct pcidev *pf = devs[i].is_vf ? find(devs, n, &devs[i].pf) : NULL;
		bool want = devs[i].is_vf ? pf && select_sriov_want(c, pf) > 0 : false;
		if (!devs[i].is_vf && select_sriov_want(c, &devs[i]) == 0)
			continue;
		if (want != selected[i])
			delta += want ? 1 : -1;
		selected[i] = want;
	}
	return delta;
}
