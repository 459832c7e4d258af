// SPDX-License-Identifier: GPL-2.0-or-later
/* Sources: the nvgrace-gpu EGM code (drivers/vfio/pci/nvgrace-gpu/egm.c,
 * 2025 patch versions; mainline status unverified): class "egm", device
 * egm<pxm> with /dev/egm<pxm>, attribute gpu_devices (one BDF a line,
 * gpu_devices_show) in one version, links named by the GPUs' BDFs
 * (add_gpu) in another; both are read.  The rule is NVIDIA's
 * kubevirt-gpu-device-plugin's (pkg/device_plugin/generic_device_plugin.go
 * discoverEGMDevicesFunc: regions with a readable gpu_devices and an
 * accessible device node; egmPathsForAllocatedGPUs: a region's path only
 * when all its GPUs are in the request, BDFs compared lower-case; Allocate
 * adds each path as a DeviceSpec, permissions "mrw"). */
#include "egm.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rootfs.h"

static void add_gpu(struct egm_region *r, const char *bdf, size_t len)
{
	char b[16];
	if (len == 0 || len >= sizeof(b) || r->ngpus == EGM_GPUS_MAX)
		return;
	memcpy(b, bdf, len);
	b[len] = '\0';
	for (size_t i = 0; i < r->ngpus; i++)
		if (strcasecmp(r->gpus[i], b) == 0)
			return;
	snprintf(r->gpus[r->ngpus++], sizeof(r->gpus[0]), "%s", b);
}

static bool bdf_like(const char *s)
{
	/* dddd:bb:dd.f */
	if (strlen(s) != 12 || s[4] != ':' || s[7] != ':' || s[10] != '.')
		return false;
	for (int i = 0; i < 12; i++)
		if (i != 4 && i != 7 && i != 10 && !isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

static int read_region(int rootfd, const char *name, struct egm_region *r)
{
	char p[160];
	char *text = NULL;
	*r = (struct egm_region){ 0 };
	snprintf(p, sizeof(p), "sys/class/egm/%s/gpu_devices", name);
	if (rootfs_read_file(rootfd, p, &text, NULL) >= 0) {
		for (char *s = text; *s;) {
			s += strspn(s, " \t\n");
			size_t w = strcspn(s, " \t\n");
			add_gpu(r, s, w);
			s += w;
		}
		free(text);
	}
	snprintf(p, sizeof(p), "sys/class/egm/%s", name);
	DIR *d = rootfs_opendir(rootfd, p);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)))
			if (bdf_like(e->d_name))
				add_gpu(r, e->d_name, strlen(e->d_name));
		closedir(d);
	}
	snprintf(r->dev, sizeof(r->dev), "/dev/%.15s", name);
	return rootfs_exists(rootfd, r->dev + 1) > 0 && r->ngpus > 0;
}

static int cmp_region(const void *a, const void *b)
{
	return strcmp(((const struct egm_region *)a)->dev, ((const struct egm_region *)b)->dev);
}

int egm_scan(int rootfd, struct egm_set *ret)
{
	ret->n = 0;
	DIR *d = rootfs_opendir(rootfd, "sys/class/egm");
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	struct dirent *e;
	while ((e = readdir(d)) && ret->n < EGM_MAX)
		if (strncmp(e->d_name, "egm", 3) == 0 && strlen(e->d_name) < 16 &&
		    read_region(rootfd, e->d_name, &ret->r[ret->n]) > 0)
			ret->n++;
	closedir(d);
	qsort(ret->r, ret->n, sizeof(ret->r[0]), cmp_region);
	return 0;
}

size_t egm_paths_for(const struct egm_set *s, const char *const *ids, size_t n, const char **out, size_t max)
{
	size_t k = 0;
	for (size_t i = 0; i < s->n && k < max; i++) {
		const struct egm_region *r = &s->r[i];
		bool all = r->ngpus > 0;
		for (size_t g = 0; g < r->ngpus && all; g++) {
			bool found = false;
			for (size_t j = 0; j < n && !found; j++)
				found = strcasecmp(ids[j], r->gpus[g]) == 0;
			all = found;
		}
		if (all)
			out[k++] = r->dev;
	}
	return k;
}
