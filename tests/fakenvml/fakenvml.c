// SPDX-License-Identifier: GPL-2.0-or-later
/* A fake libnvidia-ml.so.1 for tests: the NVML calls gpu-initd makes for
 * MIG, with their documented signatures and return codes, on top of
 * simfs's MIG model.  The state lives in simfs: read from
 * $SIMFS/.simfs/mig/<bdf>, changed through $SIMFS/.simfs/control
 * (simfs/README.md), so creating a GPU instance makes the MIG-backed vGPU
 * types appear in the fixture's sysfs as on real hardware.  $SIMFS is the
 * simfs mount (tests/simnode sets it).  Compiled against NVIDIA's nvml.h
 * (initd/vgpu/nvml_nvidia.h).
 *
 * What it answers, and from where:
 * - nvmlDeviceGetGpuInstanceProfileInfo takes a profile INDEX
 *   (NVML_GPU_INSTANCE_PROFILE_*) and returns the profile ID in info.id;
 *   the ID differs from the index (simfs/mig.c's tables).  An index the
 *   GPU lacks: NOT_SUPPORTED.  Answered with MIG mode off too.  Source:
 *   fixtures/recorded/h100-sxm5-guest/nvml-580.txt (a real H100 80GB,
 *   driver 580: indices 5, 6, 8, 10..15 "Not Supported", MIG mode off).
 * - Placements, GPU instance lists and creation take the profile ID.
 *   Placements of an ID the GPU lacks: INVALID_ARGUMENT (nvml-580.txt:
 *   "placements(by index 1): Invalid Argument" where 1 is no ID);
 *   answered with MIG mode off (nvml-580.txt; nvml.h 12.4: "regardless of
 *   whether MIG is enabled or not").
 * - nvmlDeviceGetGpuInstances, nvmlDeviceGetGpuInstanceById,
 *   nvmlDeviceCreateGpuInstanceWithPlacement: NOT_SUPPORTED with MIG mode
 *   off, INVALID_ARGUMENT for an unknown profile ID, NOT_FOUND for an
 *   unknown instance (nvml.h 12.4, the functions' @return lists; not in
 *   the capture, which made no MIG-mode-on calls: unverified on hardware).
 * - A mode change the driver cannot apply at once (simfs: the GPU is in
 *   use) leaves the pending mode set and reports activationStatus IN_USE
 *   (nvml.h, nvmlDeviceSetMigMode: "if device unbind fails because the
 *   device isn't idle, NVML_ERROR_IN_USE would be returned"). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vgpu/nvml_nvidia.h" /* NVIDIA's nvml.h */

struct nvmlDevice_st {
	char bdf[16];
};
struct nvmlGpuInstance_st {
	struct nvmlDevice_st *dev;
	unsigned id;
};

#define MAX_DEVS 64
#define MAX_GIS 512
static struct nvmlDevice_st devs[MAX_DEVS];
static struct nvmlGpuInstance_st gis[MAX_GIS];
static int ndevs, ngis, inited;
static char simfs[512];

/* ---- simfs state ------------------------------------------------------- */

struct profile {
	unsigned index, id, slices, mem, max, size, nstarts, starts[8];
};
struct gi {
	unsigned id, profile, start, size;
};
struct state {
	unsigned mode, pending, nprof, ngi;
	struct profile prof[16];
	struct gi gi[8];
};

static int read_state(const char *bdf, struct state *s)
{
	char path[600], line[256];
	snprintf(path, sizeof(path), "%s/.simfs/mig/%s", simfs, bdf);
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	memset(s, 0, sizeof(*s));
	while (fgets(line, sizeof(line), f)) {
		char name[32], starts[64];
		struct profile p = { 0 };
		struct gi g;
		int busy;
		if (sscanf(line, "mode %u", &s->mode) == 1 || sscanf(line, "pending %u", &s->pending) == 1)
			continue;
		if (sscanf(line, "profile %u %u %31s %u %u %u %u %63s", &p.index, &p.id, name, &p.slices,
			   &p.mem, &p.max, &p.size, starts) == 8 &&
		    s->nprof < 16) {
			for (char *t = strtok(starts, ","); t && p.nstarts < 8; t = strtok(NULL, ","))
				p.starts[p.nstarts++] = (unsigned)atoi(t);
			s->prof[s->nprof++] = p;
		} else if (sscanf(line, "gi %u %u %u %u %d", &g.id, &g.profile, &g.start, &g.size, &busy) ==
			       5 &&
			   s->ngi < 8)
			s->gi[s->ngi++] = g;
	}
	fclose(f);
	return 0;
}

static const struct profile *profile_by_id(const struct state *s, unsigned id)
{
	for (unsigned i = 0; i < s->nprof; i++)
		if (s->prof[i].id == id)
			return &s->prof[i];
	return NULL;
}

static const struct profile *profile_by_index(const struct state *s, unsigned index)
{
	for (unsigned i = 0; i < s->nprof; i++)
		if (s->prof[i].index == index)
			return &s->prof[i];
	return NULL;
}

/* One command on .simfs/control: 0 or -errno. */
__attribute__((format(printf, 1, 2))) static int control(const char *fmt, ...)
{
	char path[600], cmd[128];
	va_list ap;
	snprintf(path, sizeof(path), "%s/.simfs/control", simfs);
	va_start(ap, fmt);
	int n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = write(fd, cmd, (size_t)n) == n ? 0 : -errno;
	close(fd);
	return r;
}

static nvmlReturn_t from_errno(int e)
{
	switch (e) {
	case 0: return NVML_SUCCESS;
	case -EBUSY: return NVML_ERROR_IN_USE;
	case -ENOSPC: return NVML_ERROR_INSUFFICIENT_RESOURCES;
	case -ENOTSUP: return NVML_ERROR_NOT_SUPPORTED;
	case -EINVAL: return NVML_ERROR_INVALID_ARGUMENT;
	case -ENOENT:
	case -ENODEV: return NVML_ERROR_NOT_FOUND;
	default: return NVML_ERROR_UNKNOWN;
	}
}

static nvmlGpuInstance_t gi_handle(nvmlDevice_t d, unsigned id)
{
	for (int i = 0; i < ngis; i++)
		if (gis[i].dev == d && gis[i].id == id)
			return &gis[i];
	if (ngis == MAX_GIS)
		return NULL;
	gis[ngis] = (struct nvmlGpuInstance_st){ d, id };
	return &gis[ngis++];
}

/* ---- the NVML API ------------------------------------------------------ */

nvmlReturn_t nvmlInit_v2(void)
{
	const char *dir = getenv("SIMFS");
	char path[600];
	if (!dir)
		return NVML_ERROR_DRIVER_NOT_LOADED;
	snprintf(simfs, sizeof(simfs), "%s", dir);
	snprintf(path, sizeof(path), "%s/.simfs/control", simfs);
	if (access(path, W_OK) < 0)
		return NVML_ERROR_DRIVER_NOT_LOADED;
	inited++;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlShutdown(void)
{
	if (!inited)
		return NVML_ERROR_UNINITIALIZED;
	inited--;
	return NVML_SUCCESS;
}

const char *nvmlErrorString(nvmlReturn_t r)
{
	switch (r) {
	case NVML_SUCCESS: return "Success";
	case NVML_ERROR_UNINITIALIZED: return "Uninitialized";
	case NVML_ERROR_INVALID_ARGUMENT: return "Invalid Argument";
	case NVML_ERROR_NOT_SUPPORTED: return "Not Supported";
	case NVML_ERROR_NOT_FOUND: return "Not Found";
	case NVML_ERROR_INSUFFICIENT_SIZE: return "Insufficient Size";
	case NVML_ERROR_DRIVER_NOT_LOADED: return "Driver Not Loaded";
	case NVML_ERROR_RESET_REQUIRED: return "Reset Required";
	case NVML_ERROR_IN_USE: return "In use by another client";
	case NVML_ERROR_INSUFFICIENT_RESOURCES: return "Insufficient Resources";
	default: return "Unknown Error";
	}
}

/* "00000000:17:00.0" (NVML's form) or "0000:17:00.0" */
nvmlReturn_t nvmlDeviceGetHandleByPciBusId_v2(const char *busid, nvmlDevice_t *ret)
{
	char bdf[16], path[600];
	unsigned dom, bus, dev, fn;
	if (!inited)
		return NVML_ERROR_UNINITIALIZED;
	if (!busid || !ret || sscanf(busid, "%x:%x:%x.%x", &dom, &bus, &dev, &fn) != 4)
		return NVML_ERROR_INVALID_ARGUMENT;
	snprintf(bdf, sizeof(bdf), "%04x:%02x:%02x.%x", dom & 0xffff, bus & 0xff, dev & 0x1f, fn & 7);
	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s/driver", simfs, bdf);
	char drv[256];
	ssize_t n = readlink(path, drv, sizeof(drv) - 1);
	if (n < 0)
		return NVML_ERROR_NOT_FOUND;
	drv[n] = '\0';
	if (!strstr(drv, "/nvidia"))
		return NVML_ERROR_NOT_FOUND; /* NVML sees the GPUs nvidia drives */
	for (int i = 0; i < ndevs; i++)
		if (strcmp(devs[i].bdf, bdf) == 0) {
			*ret = &devs[i];
			return NVML_SUCCESS;
		}
	if (ndevs == MAX_DEVS)
		return NVML_ERROR_UNKNOWN;
	snprintf(devs[ndevs].bdf, sizeof(devs[ndevs].bdf), "%s", bdf);
	*ret = &devs[ndevs++];
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetMigMode(nvmlDevice_t d, unsigned int *cur, unsigned int *pending)
{
	struct state s;
	if (!d || !cur || !pending)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (read_state(d->bdf, &s) < 0)
		return NVML_ERROR_NOT_SUPPORTED;
	*cur = s.mode;
	*pending = s.pending;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceSetMigMode(nvmlDevice_t d, unsigned int mode, nvmlReturn_t *activation)
{
	struct state s;
	if (!d || mode > 1 || !activation)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (read_state(d->bdf, &s) < 0)
		return NVML_ERROR_NOT_SUPPORTED;
	nvmlReturn_t r = from_errno(control("mig-mode %s %u", d->bdf, mode));
	if (r != NVML_SUCCESS)
		return r;
	if (read_state(d->bdf, &s) < 0)
		return NVML_ERROR_UNKNOWN;
	*activation = s.mode == mode ? NVML_SUCCESS : NVML_ERROR_IN_USE;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetGpuInstanceProfileInfo(nvmlDevice_t d, unsigned int profile,
						 nvmlGpuInstanceProfileInfo_t *info)
{
	struct state s;
	const struct profile *p;
	if (!d || !info)
		return NVML_ERROR_INVALID_ARGUMENT;
	/* by index, whatever the MIG mode (nvml-580.txt) */
	if (read_state(d->bdf, &s) < 0 || !(p = profile_by_index(&s, profile)))
		return NVML_ERROR_NOT_SUPPORTED;
	memset(info, 0, sizeof(*info));
	info->id = p->id;
	info->sliceCount = p->slices;
	info->instanceCount = p->max;
	info->multiprocessorCount = p->slices * 14;
	info->copyEngineCount = p->slices;
	info->memorySizeMB = p->mem;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetGpuInstancePossiblePlacements_v2(nvmlDevice_t d, unsigned int profile,
							   nvmlGpuInstancePlacement_t *pl,
							   unsigned int *count)
{
	struct state s;
	const struct profile *p;
	if (!d || !count)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (read_state(d->bdf, &s) < 0)
		return NVML_ERROR_NOT_SUPPORTED;
	/* by ID, whatever the MIG mode; an unknown ID is an invalid argument
	 * (nvml-580.txt) */
	if (!(p = profile_by_id(&s, profile)))
		return NVML_ERROR_INVALID_ARGUMENT;
	if (!pl) {
		*count = p->nstarts;
		return NVML_SUCCESS;
	}
	if (*count < p->nstarts) {
		*count = p->nstarts;
		return NVML_ERROR_INSUFFICIENT_SIZE;
	}
	for (unsigned i = 0; i < p->nstarts; i++)
		pl[i] = (nvmlGpuInstancePlacement_t){ p->starts[i], p->size };
	*count = p->nstarts;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceCreateGpuInstanceWithPlacement(nvmlDevice_t d, unsigned int profile,
						      const nvmlGpuInstancePlacement_t *pl,
						      nvmlGpuInstance_t *ret)
{
	struct state s;
	if (!d || !pl || !ret)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (read_state(d->bdf, &s) < 0 || !s.mode)
		return NVML_ERROR_NOT_SUPPORTED;
	if (!profile_by_id(&s, profile))
		return NVML_ERROR_INVALID_ARGUMENT;
	nvmlReturn_t r = from_errno(control("mig-gi-create %s %u %u", d->bdf, profile, pl->start));
	if (r != NVML_SUCCESS)
		return r;
	if (read_state(d->bdf, &s) < 0)
		return NVML_ERROR_UNKNOWN;
	for (unsigned i = 0; i < s.ngi; i++)
		if (s.gi[i].profile == profile && s.gi[i].start == pl->start) {
			*ret = gi_handle(d, s.gi[i].id);
			return *ret ? NVML_SUCCESS : NVML_ERROR_UNKNOWN;
		}
	return NVML_ERROR_UNKNOWN;
}

nvmlReturn_t nvmlDeviceGetGpuInstances(nvmlDevice_t d, unsigned int profile, nvmlGpuInstance_t *out,
				       unsigned int *count)
{
	struct state s;
	const struct profile *p;
	if (!d || !out || !count)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (read_state(d->bdf, &s) < 0 || !s.mode)
		return NVML_ERROR_NOT_SUPPORTED;
	if (!(p = profile_by_id(&s, profile)))
		return NVML_ERROR_INVALID_ARGUMENT;
	unsigned n = 0;
	for (unsigned i = 0; i < s.ngi; i++) {
		if (s.gi[i].profile != profile)
			continue;
		if (n == *count)
			return NVML_ERROR_INSUFFICIENT_SIZE;
		if (!(out[n++] = gi_handle(d, s.gi[i].id)))
			return NVML_ERROR_UNKNOWN;
	}
	*count = n;
	return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetGpuInstanceById(nvmlDevice_t d, unsigned int id, nvmlGpuInstance_t *ret)
{
	struct state s;
	if (!d || !ret)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (read_state(d->bdf, &s) < 0 || !s.mode)
		return NVML_ERROR_NOT_SUPPORTED;
	for (unsigned i = 0; i < s.ngi; i++)
		if (s.gi[i].id == id)
			return (*ret = gi_handle(d, id)) ? NVML_SUCCESS : NVML_ERROR_UNKNOWN;
	return NVML_ERROR_NOT_FOUND;
}

nvmlReturn_t nvmlGpuInstanceGetInfo(nvmlGpuInstance_t gi, nvmlGpuInstanceInfo_t *info)
{
	struct state s;
	if (!gi || !info)
		return NVML_ERROR_INVALID_ARGUMENT;
	if (read_state(gi->dev->bdf, &s) < 0)
		return NVML_ERROR_NOT_SUPPORTED;
	for (unsigned i = 0; i < s.ngi; i++)
		if (s.gi[i].id == gi->id) {
			*info = (nvmlGpuInstanceInfo_t){ .device = gi->dev,
							 .id = s.gi[i].id,
							 .profileId = s.gi[i].profile,
							 .placement = { s.gi[i].start, s.gi[i].size } };
			return NVML_SUCCESS;
		}
	return NVML_ERROR_INVALID_ARGUMENT; /* destroyed */
}

nvmlReturn_t nvmlGpuInstanceDestroy(nvmlGpuInstance_t gi)
{
	if (!gi)
		return NVML_ERROR_INVALID_ARGUMENT;
	return from_errno(control("mig-gi-destroy %s %u", gi->dev->bdf, gi->id));
}
