// SPDX-License-Identifier: GPL-2.0-or-later
#include "vgpu_sriov.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "node/apply_stats.h"
#include "node/modules.h"
#include "node/pcidev.h"
#include "rootfs.h"
#include "node/nvidia_gpu.h"
#include "node/vfio.h"

#define MAX_VFS 256

int vgpu_vf_addr(int rootfd, const char *pf, int i, char *buf, size_t size)
{
	char p[128];
	snprintf(p, sizeof(p), PCI_DEVICES "/%s/virtfn%d", pf, i);
	return rootfs_link_basename(rootfd, p, buf, size);
}

int vgpu_vf_count(int rootfd, const char *pf)
{
	char vf[32];
	int n = 0;
	while (n < MAX_VFS && vgpu_vf_addr(rootfd, pf, n, vf, sizeof(vf)) >= 0)
		n++;
	return n;
}

static int load_stub(struct modules *mods, struct apply_stats *st)
{
	int e = mods ? modules_load(mods, "pci-pf-stub") : 0;
	if (e < 0)
		return log_error_errno(e, "loading pci-pf-stub: %m");
	st->modules_loaded += e;
	return 0;
}

/* PF to pci-pf-stub through driver_override (from nvidia, or from no
 * driver after a crash). */
static int pf_to_stub(int rootfd, const char *pf, const char *pfdrv, struct apply_stats *st)
{
	char p[96];
	int e = pcidev_write(rootfd, &st->writes, pf, "driver_override", "pci-pf-stub");
	if (e == 0 && pfdrv[0]) {
		snprintf(p, sizeof(p), "drivers/%s/unbind", pfdrv);
		e = pcidev_write(rootfd, &st->writes, NULL, p, pf);
	}
	return e < 0 ? e : pcidev_write(rootfd, &st->writes, NULL, "drivers_probe", pf);
}

/* PF from pci-pf-stub back to its default driver (nvidia). */
static int pf_from_stub(int rootfd, const char *pf, struct apply_stats *st)
{
	int e = pcidev_write(rootfd, &st->writes, pf, "driver_override", "\n");
	if (e == 0)
		e = pcidev_write(rootfd, &st->writes, NULL, "drivers/pci-pf-stub/unbind", pf);
	return e < 0 ? e : pcidev_write(rootfd, &st->writes, NULL, "drivers_probe", pf);
}

/* VFs enabled (sriov_numvfs), and how many of them are still there: a
 * removal that blocked at a busy VF (and whose writer was killed) leaves
 * the lower VFs gone while sriov_numvfs still shows the old count
 * (drivers/pci/iov.c sriov_del_vfs removes VF 0 first). */
static int vf_state(int rootfd, const char *pf, int *present)
{
	char v[32], vf[32];
	*present = 0;
	if (pcidev_read(rootfd, pf, "sriov_numvfs", v, sizeof(v)) < 0)
		return 0;
	int n = atoi(v);
	for (int i = 0; i < n && i < MAX_VFS; i++)
		if (vgpu_vf_addr(rootfd, pf, i, vf, sizeof(vf)) >= 0)
			(*present)++;
	return n;
}

/* PF from nvidia (unbind lock taken, given back on failure) or from no
 * driver to pci-pf-stub. */
static int pf_off_nvidia(int rootfd, const char *pf, const char *pfdrv, struct apply_stats *st)
{
	int e, wr = 0;
	bool locked = false;
	if (strcmp(pfdrv, "nvidia") == 0) {
		e = nvidia_take_unbind_lock(rootfd, pf, &wr);
		st->writes += wr;
		if (e < 0)
			return log_error_errno(e, "%s: nvidia unbind lock: %m", pf);
		locked = true;
	}
	e = pf_to_stub(rootfd, pf, pfdrv, st);
	if (e < 0 && locked) /* still on nvidia: nothing could open it while locked */
		nvidia_release_unbind_lock(rootfd, pf, &st->writes);
	return e;
}

/* NVIDIA's sriov-manage (disable_vfs, then set_numvfs) first unbinds
 * every VF from its driver (vfio-pci or nvidia), and only then takes the
 * PF's unbind lock and moves the PF to pci-pf-stub: the PF never leaves
 * nvidia while VFs are bound to nvidia. */
static int vfs_unbind(int rootfd, const char *pf, int n, struct apply_stats *st)
{
	char vf[32], drv[64], p[96];
	for (int i = 0; i < n; i++) {
		if (vgpu_vf_addr(rootfd, pf, i, vf, sizeof(vf)) < 0)
			continue; /* already removed */
		if (pcidev_read_driver(rootfd, vf, drv, sizeof(drv)) < 0 || !drv[0])
			continue;
		snprintf(p, sizeof(p), "drivers/%s/unbind", drv);
		int e = pcidev_write(rootfd, &st->writes, NULL, p, vf);
		if (e < 0)
			return log_error_errno(e, "%s: unbinding VF %s from %s: %m", pf, vf, drv);
	}
	return 0;
}

static int sriov_off(int rootfd, struct modules *mods, const char *pf, const char *pfdrv, int n,
		     struct apply_stats *st)
{
	char v[32], vf[32], p[160];
	for (int i = 0; i < n; i++) {
		int grp = -1;
		if (vgpu_vf_addr(rootfd, pf, i, vf, sizeof(vf)) < 0)
			continue;
		snprintf(p, sizeof(p), PCI_DEVICES "/%s", vf);
		if (vfio_dev_in_use(rootfd, p, &grp) == 1)
			return log_error_errno(SYNTHETIC_ERRNO(EBUSY),
					       "%s: VF %s is in use (dev/vfio/%d open): SR-IOV left on", pf,
					       vf, grp);
	}
	int e;
	if ((e = load_stub(mods, st)) < 0 || (e = vfs_unbind(rootfd, pf, n, st)) < 0)
		return e;
	if (strcmp(pfdrv, "pci-pf-stub") != 0 && (e = pf_off_nvidia(rootfd, pf, pfdrv, st)) < 0)
		return e;
	if (pcidev_read(rootfd, pf, "sriov_drivers_autoprobe", v, sizeof(v)) >= 0 && strcmp(v, "0") == 0 &&
	    (e = pcidev_write(rootfd, &st->writes, pf, "sriov_drivers_autoprobe", "1")) < 0)
		return e;
	return pcidev_write(rootfd, &st->writes, pf, "sriov_numvfs", "0");
}

/* After the PF is back on nvidia, sriov-manage makes sure the driver has
 * the GPU initialised before it binds VFs (resume_services: `nvidia-smi
 * -pm 1`).  gpu-initd has no nvidia-smi; it checks that nvidia's probe of
 * the PF completed: /proc/driver/nvidia/gpus/<pf> is created at the end
 * of nv_pci_probe, after the GPU's initialisation (kernel-open/nvidia/
 * nv-pci.c).  Whether the VFs also need persistence mode is unverified. */
static int pf_ready(int rootfd, const char *pf)
{
	char drv[64], p[128];
	snprintf(p, sizeof(p), "proc/driver/nvidia/gpus/%s", pf);
	if (pcidev_read_driver(rootfd, pf, drv, sizeof(drv)) < 0 || strcmp(drv, "nvidia") != 0)
		return log_error_errno(SYNTHETIC_ERRNO(ENXIO),
				       "%s: not back on nvidia after SR-IOV: its VFs are left unbound", pf);
	if (rootfs_exists(rootfd, p) <= 0)
		return log_error_errno(SYNTHETIC_ERRNO(ENXIO),
				       "%s: nvidia has not initialised it (no %s): its VFs are left unbound",
				       pf, p);
	return 0;
}

int vgpu_sriov_on(int rootfd, struct modules *mods, const char *pf, struct apply_stats *st)
{
	char v[32], pfdrv[64];
	if (pcidev_read(rootfd, pf, "sriov_totalvfs", v, sizeof(v)) < 0 || atoi(v) <= 0)
		return log_error_errno(SYNTHETIC_ERRNO(EOPNOTSUPP),
				       "%s: no SR-IOV capability: cannot host vGPUs on VFs", pf);
	int total = atoi(v);
	if (pcidev_read_driver(rootfd, pf, pfdrv, sizeof(pfdrv)) < 0)
		pfdrv[0] = '\0';
	int e, present, n = vf_state(rootfd, pf, &present);
	if (n > 0 && present < n) {
		/* an earlier removal stopped part-way: finish it, then start over */
		log_info("%s: %d of %d VFs left from an interrupted removal: removing them first", pf,
			 present, n);
		if (strcmp(pfdrv, "nvidia") != 0 && strcmp(pfdrv, "pci-pf-stub") != 0 && pfdrv[0])
			return log_error_errno(SYNTHETIC_ERRNO(EOPNOTSUPP), "%s: on %s, not nvidia: no vGPUs",
					       pf, pfdrv);
		if ((e = sriov_off(rootfd, mods, pf, pfdrv, n, st)) < 0)
			return e;
		snprintf(pfdrv, sizeof(pfdrv), "pci-pf-stub");
		n = 0;
	}
	bool on_stub = strcmp(pfdrv, "pci-pf-stub") == 0;
	if (n == 0) {
		if (strcmp(pfdrv, "nvidia") != 0 && !on_stub && pfdrv[0])
			return log_error_errno(SYNTHETIC_ERRNO(EOPNOTSUPP), "%s: on %s, not nvidia: no vGPUs",
					       pf, pfdrv);
		if (strcmp(pfdrv, "nvidia") == 0) {
			int pid = nvidia_gpu_user(rootfd, pf);
			if (pid > 0)
				return log_error_errno(SYNTHETIC_ERRNO(EBUSY),
						       "%s: in use (process %d has it open): SR-IOV left off",
						       pf, pid);
		}
		if ((e = load_stub(mods, st)) < 0)
			return e;
		if (!on_stub && (e = pf_off_nvidia(rootfd, pf, pfdrv, st)) < 0)
			return e;
		/* VFs stay unbound until the PF is initialised on nvidia again */
		if ((e = pcidev_write(rootfd, &st->writes, pf, "sriov_drivers_autoprobe", "0")) < 0)
			return e;
		snprintf(v, sizeof(v), "%d", total);
		if ((e = pcidev_write(rootfd, &st->writes, pf, "sriov_numvfs", v)) < 0)
			return e;
		on_stub = true;
	}
	if (on_stub) { /* also a crash after sriov_numvfs */
		if ((e = pf_from_stub(rootfd, pf, st)) < 0)
			return e;
		log_info("%s: %d VFs on (NVIDIA's sequence), PF back on nvidia", pf, total);
	} else if (!pfdrv[0]) { /* a crash between pci-pf-stub and nvidia */
		if (pcidev_read(rootfd, pf, "driver_override", v, sizeof(v)) >= 0 && v[0] &&
		    strcmp(v, "(null)") != 0 &&
		    (e = pcidev_write(rootfd, &st->writes, pf, "driver_override", "\n")) < 0)
			return e;
		if ((e = pcidev_write(rootfd, &st->writes, NULL, "drivers_probe", pf)) < 0)
			return e;
	}
	return pf_ready(rootfd, pf);
}

int vgpu_pf_to_nvidia(int rootfd, const char *pf, struct apply_stats *st)
{
	return pf_from_stub(rootfd, pf, st);
}

int vgpu_vf_bind(int rootfd, const char *vf, struct apply_stats *st)
{
	char drv[64];
	int e;
	if (pcidev_read_driver(rootfd, vf, drv, sizeof(drv)) < 0)
		drv[0] = '\0';
	if (strcmp(drv, "nvidia") == 0)
		return 0;
	if (drv[0]) {
		char p[96];
		snprintf(p, sizeof(p), "drivers/%s/unbind", drv);
		if ((e = pcidev_write(rootfd, &st->writes, NULL, p, vf)) < 0)
			return e;
	}
	if (pcidev_read(rootfd, vf, "driver_override", drv, sizeof(drv)) < 0 || strcmp(drv, "nvidia") != 0)
		if ((e = pcidev_write(rootfd, &st->writes, vf, "driver_override", "nvidia")) < 0)
			return e;
	return pcidev_write(rootfd, &st->writes, NULL, "drivers_probe", vf);
}

int vgpu_sriov_off(int rootfd, struct modules *mods, const char *pf, struct apply_stats *st)
{
	char pfdrv[64];
	int present, n = vf_state(rootfd, pf, &present);
	if (n == 0)
		return 0;
	if (pcidev_read_driver(rootfd, pf, pfdrv, sizeof(pfdrv)) < 0 ||
	    (strcmp(pfdrv, "nvidia") != 0 && strcmp(pfdrv, "pci-pf-stub") != 0 && pfdrv[0]))
		return 0; /* a driver that configures SR-IOV itself: passthrough does it */
	int e = sriov_off(rootfd, mods, pf, pfdrv, n, st);
	if (e < 0)
		return e;
	log_info(
	    "%s: SR-IOV off (NVIDIA's sequence: VFs unbound first), PF on pci-pf-stub for its VFIO driver",
	    pf);
	return 0;
}
