// SPDX-License-Identifier: GPL-2.0-or-later
#include "fm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fm_api.h"
#include "log.h"

const char *fm_status_name(int r)
{
	switch (r) {
	case FM_ST_SUCCESS: return "FM_ST_SUCCESS";
	case FM_ST_BADPARAM: return "FM_ST_BADPARAM";
	case FM_ST_GENERIC_ERROR: return "FM_ST_GENERIC_ERROR";
	case FM_ST_NOT_SUPPORTED: return "FM_ST_NOT_SUPPORTED";
	case FM_ST_UNINITIALIZED: return "FM_ST_UNINITIALIZED";
	case FM_ST_TIMEOUT: return "FM_ST_TIMEOUT";
	case FM_ST_VERSION_MISMATCH: return "FM_ST_VERSION_MISMATCH";
	case FM_ST_IN_USE: return "FM_ST_IN_USE";
	case FM_ST_NOT_CONFIGURED: return "FM_ST_NOT_CONFIGURED";
	case FM_ST_CONNECTION_NOT_VALID: return "FM_ST_CONNECTION_NOT_VALID";
	case FM_ST_NVLINK_ERROR: return "FM_ST_NVLINK_ERROR";
	default: return "FM_ST_?";
	}
}

#ifdef GPU_INITD_STATIC
int fm_open(const char *address, struct fm **ret, char *why, size_t ws)
{
	snprintf(why, ws,
		 "the static gpu-initd cannot load Fabric Manager's client library (libnvfm.so.1): run the "
		 "dynamically linked one");
	return -ENOTSUP;
}
void fm_close(struct fm *m) {}
int fm_read(struct fm *m, struct fabric *ret, char *why, size_t ws)
{
	return -ENOTSUP;
}
int fm_activate(struct fm *m, unsigned id, char *why, size_t ws)
{
	return -ENOTSUP;
}
int fm_deactivate(struct fm *m, unsigned id, char *why, size_t ws)
{
	return -ENOTSUP;
}
int fm_set_activated(struct fm *m, const unsigned *ids, size_t n, char *why, size_t ws)
{
	return -ENOTSUP;
}
int fm_failed_gpus(struct fm *m, char (*out)[PCI_ADDR_STRLEN], size_t max, char *why, size_t ws)
{
	return -ENOTSUP;
}
#else
#include <dlfcn.h>

struct fm {
	void *lib;
	fmHandle_t h;
	fmConnectParams_t params;
	__typeof__(fmLibInit) *init;
	__typeof__(fmLibShutdown) *shutdown;
	__typeof__(fmConnect) *connect;
	__typeof__(fmDisconnect) *disconnect;
	__typeof__(fmGetSupportedFabricPartitions) *supported;
	__typeof__(fmGetUnsupportedFabricPartitions) *unsupported;
	__typeof__(fmActivateFabricPartition) *activate;
	__typeof__(fmDeactivateFabricPartition) *deactivate;
	__typeof__(fmSetActivatedFabricPartitions) *set_activated;
	__typeof__(fmGetNvlinkFailedDevices) *failed;
};

/* The SDK's return codes as -errno (their meaning per call: fm.h). */
static int to_errno(fmReturn_t r)
{
	switch (r) {
	case FM_ST_SUCCESS: return 0;
	case FM_ST_BADPARAM: return -EINVAL;
	case FM_ST_NOT_SUPPORTED: return -ENOTSUP;
	case FM_ST_UNINITIALIZED: return -EBADF;
	case FM_ST_TIMEOUT: return -ETIMEDOUT;
	case FM_ST_VERSION_MISMATCH: return -EPROTO;
	case FM_ST_IN_USE: return -EBUSY;
	case FM_ST_NOT_CONFIGURED: return -EAGAIN;
	case FM_ST_CONNECTION_NOT_VALID: return -ENOTCONN;
	case FM_ST_NVLINK_ERROR: return -ENOLINK;
	default: return -EIO;
	}
}

static int fail(const char *what, fmReturn_t r, char *why, size_t ws)
{
	snprintf(why, ws, "Fabric Manager %s: %s (%d)", what, fm_status_name(r), r);
	return to_errno(r);
}

static fmReturn_t do_connect(struct fm *m)
{
	if (m->h) {
		m->disconnect(m->h);
		m->h = NULL;
	}
	return m->connect(&m->params, &m->h);
}

/* The connection is checked by the call itself: FM restarted means
 * FM_ST_CONNECTION_NOT_VALID, then one new connection and one retry. */
#define CALL(m, expr)                                                                                        \
	({                                                                                                   \
		fmReturn_t r_ = (m)->h ? (expr) : FM_ST_CONNECTION_NOT_VALID;                                \
		if (r_ == FM_ST_CONNECTION_NOT_VALID && do_connect(m) == FM_ST_SUCCESS)                      \
			r_ = (expr);                                                                         \
		r_;                                                                                          \
	})

int fm_open(const char *address, struct fm **ret, char *why, size_t ws)
{
	void *lib = dlopen("libnvfm.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		snprintf(why, ws, "Fabric Manager's client library libnvfm.so.1 cannot be loaded (%s)",
			 dlerror());
		return -ENOENT;
	}
	struct fm *m = calloc(1, sizeof(*m));
	if (!m) {
		dlclose(lib);
		return -ENOMEM;
	}
	m->lib = lib;
	static const struct {
		const char *name;
		size_t off;
	} syms[] = {
		{ "fmLibInit", offsetof(struct fm, init) },
		{ "fmLibShutdown", offsetof(struct fm, shutdown) },
		{ "fmConnect", offsetof(struct fm, connect) },
		{ "fmDisconnect", offsetof(struct fm, disconnect) },
		{ "fmGetSupportedFabricPartitions", offsetof(struct fm, supported) },
		{ "fmGetUnsupportedFabricPartitions", offsetof(struct fm, unsupported) },
		{ "fmActivateFabricPartition", offsetof(struct fm, activate) },
		{ "fmDeactivateFabricPartition", offsetof(struct fm, deactivate) },
		{ "fmSetActivatedFabricPartitions", offsetof(struct fm, set_activated) },
		{ "fmGetNvlinkFailedDevices", offsetof(struct fm, failed) },
	};
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		void *f = dlsym(lib, syms[i].name);
		if (!f) {
			snprintf(why, ws, "libnvfm.so.1 has no %s", syms[i].name);
			dlclose(lib);
			free(m);
			return -EIO;
		}
		memcpy((char *)m + syms[i].off, &f, sizeof(f));
	}
	/* FM_ST_IN_USE: already initialised in this process (SDK 5.2) */
	fmReturn_t r = m->init();
	if (r != FM_ST_SUCCESS && r != FM_ST_IN_USE) {
		int e = fail("fmLibInit", r, why, ws);
		dlclose(lib);
		free(m);
		return e < 0 && e != -ENOTCONN ? -EIO : e;
	}
	m->params.version = fmConnectParams_version;
	m->params.timeoutMs = 1000;
	if (!address)
		address = FM_DEFAULT_ADDRESS;
	if (strncmp(address, "unix:", 5) == 0) {
		address += 5;
		m->params.addressIsUnixSocket = 1;
	}
	snprintf(m->params.addressInfo, sizeof(m->params.addressInfo), "%s", address);
	r = do_connect(m);
	if (r != FM_ST_SUCCESS) {
		snprintf(why, ws, "Fabric Manager is not reachable at %s%s: fmConnect %s (%d)",
			 m->params.addressIsUnixSocket ? "unix:" : "", m->params.addressInfo,
			 fm_status_name(r), r);
		fm_close(m);
		return -ENOTCONN;
	}
	*ret = m;
	return 0;
}

void fm_close(struct fm *m)
{
	if (!m)
		return;
	if (m->h)
		m->disconnect(m->h);
	m->shutdown();
	dlclose(m->lib);
	free(m);
}

int fm_read(struct fm *m, struct fabric *ret, char *why, size_t ws)
{
	/* two partition lists of ~9 KiB and ~4.5 KiB: on the heap */
	fmFabricPartitionList_t *l = calloc(1, sizeof(*l));
	fmUnsupportedFabricPartitionList_t *u = calloc(1, sizeof(*u));
	int e = -ENOMEM;
	if (!l || !u)
		goto out;
	l->version = fmFabricPartitionList_version;
	fmReturn_t r = CALL(m, m->supported(m->h, l));
	if (r != FM_ST_SUCCESS) {
		e = fail("fmGetSupportedFabricPartitions", r, why, ws);
		goto out;
	}
	u->version = fmUnsupportedFabricPartitionList_version;
	r = CALL(m, m->unsupported(m->h, u));
	if (r != FM_ST_SUCCESS) {
		e = fail("fmGetUnsupportedFabricPartitions", r, why, ws);
		goto out;
	}
	memset(ret, 0, sizeof(*ret));
	for (unsigned i = 0; i < l->numPartitions && i < FM_MAX_FABRIC_PARTITIONS; i++) {
		const fmFabricPartitionInfo_t *pi = &l->partitionInfo[i];
		struct fabric_part *p = &ret->p[ret->n++];
		p->id = pi->partitionId;
		p->active = pi->isActive != 0;
		p->supported = true;
		p->n = pi->numGpus < FM_MAX_NUM_GPUS ? pi->numGpus : FM_MAX_NUM_GPUS;
		for (unsigned g = 0; g < p->n; g++) {
			char id[FM_DEVICE_PCI_BUS_ID_BUFFER_SIZE + 1];
			memcpy(id, pi->gpuInfo[g].pciBusId, FM_DEVICE_PCI_BUS_ID_BUFFER_SIZE);
			id[FM_DEVICE_PCI_BUS_ID_BUFFER_SIZE] = '\0';
			p->phys[g] = pi->gpuInfo[g].physicalId;
			if (fabric_bdf(id, p->bdf[g]) < 0)
				p->bdf[g][0] = '\0';
		}
	}
	for (unsigned i = 0; i < u->numPartitions && i < FM_MAX_FABRIC_PARTITIONS; i++) {
		const fmUnsupportedFabricPartitionInfo_t *pi = &u->partitionInfo[i];
		if (fabric_by_id(ret, pi->partitionId) >= 0 || ret->n == FABRIC_MAX_PARTS)
			continue;
		struct fabric_part *p = &ret->p[ret->n++];
		p->id = pi->partitionId;
		p->n = pi->numGpus < FM_MAX_NUM_GPUS ? pi->numGpus : FM_MAX_NUM_GPUS;
		for (unsigned g = 0; g < p->n; g++)
			p->phys[g] = pi->gpuPhysicalIds[g];
	}
	fabric_fill_bdfs(ret);
	e = 0;
out:
	free(l);
	free(u);
	return e;
}

int fm_activate(struct fm *m, unsigned id, char *why, size_t ws)
{
	fmReturn_t r = CALL(m, m->activate(m->h, id));
	return r == FM_ST_SUCCESS ? 0 : fail("fmActivateFabricPartition", r, why, ws);
}

int fm_deactivate(struct fm *m, unsigned id, char *why, size_t ws)
{
	fmReturn_t r = CALL(m, m->deactivate(m->h, id));
	return r == FM_ST_SUCCESS ? 0 : fail("fmDeactivateFabricPartition", r, why, ws);
}

int fm_set_activated(struct fm *m, const unsigned *ids, size_t n, char *why, size_t ws)
{
	fmActivatedFabricPartitionList_t l = { .version = fmActivatedFabricPartitionList_version };
	if (n > FM_MAX_FABRIC_PARTITIONS)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		l.partitionIds[i] = ids[i];
	l.numPartitions = (unsigned)n;
	fmReturn_t r = CALL(m, m->set_activated(m->h, &l));
	return r == FM_ST_SUCCESS ? 0 : fail("fmSetActivatedFabricPartitions", r, why, ws);
}

int fm_failed_gpus(struct fm *m, char (*out)[PCI_ADDR_STRLEN], size_t max, char *why, size_t ws)
{
	fmNvlinkFailedDevices_t *d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->version = fmNvlinkFailedDevices_version;
	fmReturn_t r = CALL(m, m->failed(m->h, d));
	int n = 0;
	if (r != FM_ST_SUCCESS)
		n = fail("fmGetNvlinkFailedDevices", r, why, ws);
	else
		for (unsigned i = 0; i < d->numGpus && i < FM_MAX_NUM_GPUS && (size_t)n < max; i++) {
			char id[FM_DEVICE_PCI_BUS_ID_BUFFER_SIZE + 1];
			memcpy(id, d->gpuInfo[i].pciBusId, FM_DEVICE_PCI_BUS_ID_BUFFER_SIZE);
			id[FM_DEVICE_PCI_BUS_ID_BUFFER_SIZE] = '\0';
			if (fabric_bdf(id, out[n]) == 0)
				n++;
		}
	free(d);
	return n;
}
#endif
