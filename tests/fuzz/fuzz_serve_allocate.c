// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer: arbitrary device-ID lists into serve's Allocate validation,
 * response building and preferred allocation, on a fixed table of eight
 * GPUs (two sharing an IOMMU group, one unhealthy).  Input: NUL-separated
 * strings; the first byte picks the allocation size and how the strings
 * split into available / must-include.  Nothing may crash, leak, or
 * choose more than asked, twice, or an unhealthy/unknown device. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "serve/allocate.h"
#include "dpapi.h"

static struct pdev table[8];
static struct ptable T = { .resource = "nvidia.com/GH100_H100_SXM5_80GB", .v = table, .n = 8 };

static void setup(void)
{
	static const char *ids[8] = { "0000:18:00.0", "0000:2a:00.0", "0000:3a:00.0", "0000:5d:00.0",
				      "0000:9a:00.0", "0000:9b:00.0", "0000:ba:00.0", "0000:db:00.0" };
	static const int groups[8] = { 19, 21, 23, 25, 28, 28, 30, 32 };
	for (int i = 0; i < 8; i++) {
		struct sdev *d = &table[i].d;
		memset(d, 0, sizeof(*d));
		strcpy(d->id, ids[i]);
		d->group = groups[i];
		d->numa = i < 4 ? 0 : 1;
		d->group_node = true;
		strcpy(d->driver, "vfio-pci");
		strcpy(d->locality, i % 2 ? "a" : "b");
		table[i].healthy = i != 6;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;
	if (!init) {
		setup();
		init = true;
	}
	if (size < 1 || size > 1 << 16)
		return 0;
	long want = (int8_t)data[0];
	char *buf = malloc(size);
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	const char *strs[256];
	size_t n = 0;
	for (char *p = buf; p < buf + size - 1 && n < 256; p += strlen(p) + 1)
		strs[n++] = p;
	size_t nmust = n ? (size_t)(data[0] & 3) % (n + 1) : 0;
	char msg[512];
	if (allocate_validate(&T, strs, n, msg, sizeof(msg)) == 0) {
		const struct sdev *devs[256];
		for (size_t i = 0; i < n; i++) {
			const struct pdev *p = ptable_find(&T, strs[i]);
			if (!p || !p->healthy)
				abort();
			devs[i] = &p->d;
		}
		V1beta1__AllocateResponse *r;
		V1beta1__ContainerAllocateResponse *c;
		if (dpapi_allocate_response(&r) == 0) {
			if (dpapi_allocate_add_container(r, &c) == 0)
				allocate_fill(T.resource, devs, n, data[0] & 1, c);
			dpapi_free(r);
		}
	}
	const char **out = malloc((n + nmust + 1) * sizeof(*out));
	size_t k = preferred_choose(&T, strs + nmust, n - nmust, strs, nmust, want, out);
	if ((long)k > (want > 0 ? want : 0))
		abort();
	for (size_t i = 0; i < k; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(out[i], out[j]) == 0)
				abort();
	free(out);
	free(buf);
	return 0;
}
