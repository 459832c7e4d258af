// SPDX-License-Identifier: GPL-2.0-or-later
/* A fake libnvfm.so.1 (Fabric Manager's client library) for tests: the FM
 * SDK calls gpu-initd makes (initd/fabric/fm_api.h), answering for an HGX
 * H100 8-GPU board in the Shared NVSwitch virtualization model.  The FM
 * "daemon" is a state file, $FAKEFM_STATE, shared by every process that
 * loads this library (serve, check) and edited by the tests (under
 * flock $FAKEFM_STATE.lock):
 *
 *   running 1            0: FM is down (fmConnect: CONNECTION_NOT_VALID)
 *   mode 1               FABRIC_MODE: 1 shared NVSwitch; 0 bare metal
 *   generation 1         a restart bumps it: older connections are invalid
 *   awaiting 0           1: restarted, waits for fmSetActivatedFabricPartitions
 *   identity 1           1: partitions name GPUs by PCI bus ID; 0: by physicalId only
 *   gpu 1 0000:3a:00.0   a GPU's physicalId (module ID) and PCI address
 *   failed 0000:18:00.0  a GPU whose NVLinks failed training
 *   active 1             an active partition
 *
 * Every mutating call is appended to $FAKEFM_STATE.calls ("activate 1 0":
 * call, argument, fmReturn_t).  $FAKEFM_STALL_ACTIVATE: after a successful
 * activation, create that file and stop (a test kills the caller there).
 *
 * What it answers, and from where (docs/nvidia-model.md, "Fabric
 * Manager"):
 * - The partition table: HGX H100 8-GPU (h100_partitions.h, with its
 *   sources).
 * - Return codes per call: nv_fm_agent.h's @return lists (SDK 5.6-5.12):
 *   activate an active partition FM_ST_IN_USE; an unknown or unsupported
 *   ID FM_ST_BADPARAM; deactivate one not active FM_ST_UNINITIALIZED;
 *   FM initialising FM_ST_NOT_CONFIGURED; FM not in a shared mode
 *   FM_ST_NOT_SUPPORTED; connection lost FM_ST_CONNECTION_NOT_VALID.
 * - Activating a partition that shares a GPU with an active one:
 *   FM_ST_IN_USE (unverified: the SDK names no code for it).
 * - After a restart FM answers FM_ST_NOT_CONFIGURED until the hypervisor
 *   sets the activated list (User Guide 5.10, "Set Activated Partition
 *   List after a Fabric Manager Restart"; the code: unverified).
 * - A GPU with failed NVLinks takes every partition holding it out of
 *   the supported list into the unsupported one (SDK 5.12,
 *   fmGetUnsupportedFabricPartitions); fmGetNvlinkFailedDevices stays
 *   empty: on HGX H100 NVLinks train in hardware and FM "will always
 *   return an empty failed NVLink device list" (nv_fm_agent.h).
 * - identity 1 names GPUs by PCI bus ID (fmFabricPartitionGpuInfo_t's
 *   pciBusId, NVML's 8-digit-domain form).  Whether FM fills it on H100
 *   with the GPUs on vfio-pci is unverified: NVIDIA's DRA driver
 *   (pkg/fabricmanager/identity.go) says FM omits GPU identities on H100
 *   and later; identity 0 models that. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "fabric/fm_api.h"

#include "h100_partitions.h"

#define NGPU H100_NGPU
#define NPART H100_NPART

struct state {
	int running, mode, generation, awaiting, identity;
	char bdf[NGPU + 1][16]; /* by physicalId */
	bool failed[NGPU + 1];
	bool active[NPART];
};

struct handle {
	int generation;
};

static int inited;

static const char *path(void)
{
	return getenv("FAKEFM_STATE");
}

static int lock(void)
{
	char p[600];
	snprintf(p, sizeof(p), "%s.lock", path());
	int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0)
		flock(fd, LOCK_EX);
	return fd;
}

static void unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* drops the flock */
}

static int load(struct state *s)
{
	memset(s, 0, sizeof(*s));
	s->mode = 1;
	s->identity = 1;
	s->generation = 1;
	if (!path())
		return -ENOENT;
	FILE *f = fopen(path(), "re");
	if (!f)
		return -errno;
	char line[256], a[16];
	while (fgets(line, sizeof(line), f)) {
		unsigned v;
		if (sscanf(line, "running %d", &s->running) == 1 || sscanf(line, "mode %d", &s->mode) == 1 ||
		    sscanf(line, "generation %d", &s->generation) == 1 ||
		    sscanf(line, "awaiting %d", &s->awaiting) == 1 ||
		    sscanf(line, "identity %d", &s->identity) == 1)
			continue;
		if (sscanf(line, "gpu %u %15s", &v, a) == 2 && v >= 1 && v <= NGPU)
			memcpy(s->bdf[v], a, sizeof(a));
		else if (sscanf(line, "failed %15s", a) == 1) {
			for (unsigned g = 1; g <= NGPU; g++)
				if (strcmp(s->bdf[g], a) == 0)
					s->failed[g] = true;
		} else if (sscanf(line, "active %u", &v) == 1 && v < NPART)
			s->active[v] = true;
	}
	fclose(f);
	return 0;
}

static int save(const struct state *s)
{
	char tmp[600];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path());
	FILE *f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fprintf(f, "running %d\nmode %d\ngeneration %d\nawaiting %d\nidentity %d\n", s->running, s->mode,
		s->generation, s->awaiting, s->identity);
	for (unsigned g = 1; g <= NGPU; g++)
		if (s->bdf[g][0])
			fprintf(f, "gpu %u %s\n", g, s->bdf[g]);
	for (unsigned g = 1; g <= NGPU; g++)
		if (s->failed[g])
			fprintf(f, "failed %s\n", s->bdf[g]);
	for (unsigned i = 0; i < NPART; i++)
		if (s->active[i])
			fprintf(f, "active %u\n", i);
	if (fclose(f) != 0 || rename(tmp, path()) < 0)
		return -errno;
	return 0;
}

static void record(const char *call, long arg, fmReturn_t r)
{
	char p[600];
	snprintf(p, sizeof(p), "%s.calls", path());
	FILE *f = fopen(p, "ae");
	if (f) {
		fprintf(f, "%s %ld %d\n", call, arg, r);
		fclose(f);
	}
}

static bool supported(const struct state *s, unsigned i)
{
	for (unsigned g = 0; g < h100_partitions[i].n; g++)
		if (s->failed[h100_partitions[i].phys[g]])
			return false;
	return true;
}

static bool overlap(unsigned a, unsigned b)
{
	for (unsigned g = 0; g < h100_partitions[a].n; g++)
		for (unsigned h = 0; h < h100_partitions[b].n; h++)
			if (h100_partitions[a].phys[g] == h100_partitions[b].phys[h])
				return true;
	return false;
}

/* The checks every call on a connection makes, with the state loaded. */
static fmReturn_t begin(fmHandle_t h, struct state *s, bool partition_call)
{
	if (!inited)
		return FM_ST_UNINITIALIZED;
	if (!h)
		return FM_ST_BADPARAM;
	if (load(s) < 0 || !s->running || ((struct handle *)h)->generation != s->generation)
		return FM_ST_CONNECTION_NOT_VALID;
	if (partition_call && s->mode != 1)
		return FM_ST_NOT_SUPPORTED;
	if (partition_call && s->awaiting)
		return FM_ST_NOT_CONFIGURED;
	return FM_ST_SUCCESS;
}

fmReturn_t fmLibInit(void)
{
	if (inited)
		return FM_ST_IN_USE;
	inited = 1;
	return FM_ST_SUCCESS;
}

fmReturn_t fmLibShutdown(void)
{
	if (!inited)
		return FM_ST_UNINITIALIZED;
	inited = 0;
	return FM_ST_SUCCESS;
}

fmReturn_t fmConnect(fmConnectParams_t *p, fmHandle_t *ret)
{
	struct state s;
	if (!inited)
		return FM_ST_UNINITIALIZED;
	if (!p || !ret)
		return FM_ST_BADPARAM;
	if (p->version != fmConnectParams_version)
		return FM_ST_VERSION_MISMATCH;
	if (load(&s) < 0 || !s.running)
		return FM_ST_CONNECTION_NOT_VALID;
	struct handle *h = malloc(sizeof(*h));
	if (!h)
		return FM_ST_GENERIC_ERROR;
	h->generation = s.generation;
	*ret = h;
	return FM_ST_SUCCESS;
}

fmReturn_t fmDisconnect(fmHandle_t h)
{
	if (!inited)
		return FM_ST_UNINITIALIZED;
	if (!h)
		return FM_ST_BADPARAM;
	free(h);
	return FM_ST_SUCCESS;
}

static void fill_gpu(const struct state *s, unsigned phys, fmFabricPartitionGpuInfo_t *g)
{
	memset(g, 0, sizeof(*g));
	g->physicalId = phys;
	if (s->identity && s->bdf[phys][0]) {
		/* NVML's form: 8-digit domain */
		snprintf(g->pciBusId, sizeof(g->pciBusId), "0000%s", s->bdf[phys]);
		snprintf(g->uuid, sizeof(g->uuid), "GPU-fa6e0000-0000-0000-0000-00000000000%u", phys);
	}
	/* H100 SXM5: 18 NVLinks (NVIDIA H100 datasheet); the line rate is not modelled */
	g->numNvLinksAvailable = g->maxNumNvLinks = 18;
}

fmReturn_t fmGetSupportedFabricPartitions(fmHandle_t h, fmFabricPartitionList_t *l)
{
	struct state s;
	fmReturn_t r = begin(h, &s, true);
	if (r != FM_ST_SUCCESS)
		return r;
	if (!l)
		return FM_ST_BADPARAM;
	if (l->version != fmFabricPartitionList_version)
		return FM_ST_VERSION_MISMATCH;
	l->numPartitions = 0;
	l->maxNumPartitions = NPART;
	for (unsigned i = 0; i < NPART; i++) {
		if (!supported(&s, i))
			continue;
		fmFabricPartitionInfo_t *p = &l->partitionInfo[l->numPartitions++];
		p->partitionId = h100_partitions[i].id;
		p->isActive = s.active[i];
		p->numGpus = h100_partitions[i].n;
		for (unsigned g = 0; g < h100_partitions[i].n; g++)
			fill_gpu(&s, h100_partitions[i].phys[g], &p->gpuInfo[g]);
	}
	return FM_ST_SUCCESS;
}

fmReturn_t fmGetUnsupportedFabricPartitions(fmHandle_t h, fmUnsupportedFabricPartitionList_t *l)
{
	struct state s;
	fmReturn_t r = begin(h, &s, true);
	if (r != FM_ST_SUCCESS)
		return r;
	if (!l)
		return FM_ST_BADPARAM;
	if (l->version != fmUnsupportedFabricPartitionList_version)
		return FM_ST_VERSION_MISMATCH;
	l->numPartitions = 0;
	for (unsigned i = 0; i < NPART; i++) {
		if (supported(&s, i))
			continue;
		fmUnsupportedFabricPartitionInfo_t *p = &l->partitionInfo[l->numPartitions++];
		p->partitionId = h100_partitions[i].id;
		p->numGpus = h100_partitions[i].n;
		for (unsigned g = 0; g < h100_partitions[i].n; g++)
			p->gpuPhysicalIds[g] = h100_partitions[i].phys[g];
	}
	return FM_ST_SUCCESS;
}

fmReturn_t fmGetNvlinkFailedDevices(fmHandle_t h, fmNvlinkFailedDevices_t *d)
{
	struct state s;
	fmReturn_t r = begin(h, &s, false);
	if (r != FM_ST_SUCCESS)
		return r;
	if (!d)
		return FM_ST_BADPARAM;
	if (d->version != fmNvlinkFailedDevices_version)
		return FM_ST_VERSION_MISMATCH;
	d->numGpus = d->numSwitches = 0; /* HGX H100: always empty (see above) */
	return FM_ST_SUCCESS;
}

static fmReturn_t change(fmHandle_t h, const char *call, fmFabricPartitionId_t id, bool on)
{
	struct state s;
	int lk = lock();
	fmReturn_t r = begin(h, &s, true);
	if (r == FM_ST_SUCCESS && (id >= NPART || !supported(&s, id)))
		r = FM_ST_BADPARAM;
	else if (r == FM_ST_SUCCESS && on && s.active[id])
		r = FM_ST_IN_USE;
	else if (r == FM_ST_SUCCESS && !on && !s.active[id])
		r = FM_ST_UNINITIALIZED;
	for (unsigned j = 0; r == FM_ST_SUCCESS && on && j < NPART; j++)
		if (s.active[j] && overlap(id, j))
			r = FM_ST_IN_USE;
	if (r == FM_ST_SUCCESS) {
		s.active[id] = on;
		if (save(&s) < 0)
			r = FM_ST_GENERIC_ERROR;
	}
	record(call, id, r);
	unlock(lk);
	const char *stall = getenv("FAKEFM_STALL_ACTIVATE");
	if (r == FM_ST_SUCCESS && on && stall && *stall) {
		int fd = open(stall, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd >= 0)
			close(fd);
		for (;;)
			pause();
	}
	return r;
}

fmReturn_t fmActivateFabricPartition(fmHandle_t h, fmFabricPartitionId_t id)
{
	return change(h, "activate", id, true);
}

fmReturn_t fmDeactivateFabricPartition(fmHandle_t h, fmFabricPartitionId_t id)
{
	return change(h, "deactivate", id, false);
}

fmReturn_t fmSetActivatedFabricPartitions(fmHandle_t h, fmActivatedFabricPartitionList_t *l)
{
	struct state s;
	int lk = lock();
	fmReturn_t r = begin(h, &s, false);
	if (r == FM_ST_SUCCESS && s.mode != 1)
		r = FM_ST_NOT_SUPPORTED;
	if (r == FM_ST_SUCCESS && !l)
		r = FM_ST_BADPARAM;
	if (r == FM_ST_SUCCESS && l->version != fmActivatedFabricPartitionList_version)
		r = FM_ST_VERSION_MISMATCH;
	if (r == FM_ST_SUCCESS && l->numPartitions > FM_MAX_FABRIC_PARTITIONS)
		r = FM_ST_BADPARAM;
	for (unsigned i = 0; r == FM_ST_SUCCESS && i < l->numPartitions; i++)
		if (l->partitionIds[i] >= NPART)
			r = FM_ST_BADPARAM;
	if (r == FM_ST_SUCCESS) {
		memset(s.active, 0, sizeof(s.active));
		for (unsigned i = 0; i < l->numPartitions; i++)
			s.active[l->partitionIds[i]] = true;
		s.awaiting = 0;
		if (save(&s) < 0)
			r = FM_ST_GENERIC_ERROR;
	}
	record("set-activated", r == FM_ST_SUCCESS ? (long)l->numPartitions : -1, r);
	unlock(lk);
	return r;
}
