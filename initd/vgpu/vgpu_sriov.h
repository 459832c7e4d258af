/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SR-IOV for vGPU hosts: the nvidia driver cannot change sriov_numvfs
 * itself, so VFs are turned on and off by NVIDIA's sequence through
 * pci-pf-stub (docs/design.md section 4), and the VFs that will host vGPUs are
 * bound to nvidia through driver_override.  I/O through a root fd. */
#pragma once
#include <stddef.h>

struct modules;
struct apply_stats;

/* The address of VF number i of pf (its virtfn<i> link).  0 or -errno. */
int vgpu_vf_addr(int rootfd, const char *pf, int i, char *buf, size_t size);
/* Number of VFs pf has now (virtfn links). */
int vgpu_vf_count(int rootfd, const char *pf);
/* Turns SR-IOV on for a PF that nvidia holds: unbind lock, PF to
 * pci-pf-stub through driver_override, autoprobe off, sriov_totalvfs VFs,
 * PF back to nvidia, then checks nvidia initialised it (its /proc entry)
 * before any VF is bound.  Also finishes a sequence a crash interrupted
 * (PF left on pci-pf-stub) and a VF removal left part-way (sriov_numvfs
 * above the VFs present): those VFs go first.  The lock is given back on
 * every failure while the PF is still on nvidia.  -EBUSY when the GPU is
 * in use. */
int vgpu_sriov_on(int rootfd, struct modules *mods, const char *pf, struct apply_stats *st);
/* Turns SR-IOV off on a PF that nvidia (or a crashed earlier run's
 * pci-pf-stub) holds, for vm-passthrough, in sriov-manage's order: every
 * VF unbound from its driver first, then the PF (unbind lock) to
 * pci-pf-stub through driver_override (nvidia cannot change
 * sriov_numvfs), autoprobe back on,
 * sriov_numvfs 0; the PF stays on pci-pf-stub for the VFIO bind that
 * follows.  Nothing when no VFs or when the PF's driver configures SR-IOV
 * itself.  -EBUSY when a VF is in use. */
int vgpu_sriov_off(int rootfd, struct modules *mods, const char *pf, struct apply_stats *st);
/* After vgpu_sriov_off: the PF from pci-pf-stub back to nvidia
 * (driver_override cleared, drivers_probe), VFs still off (MIG mode
 * changes there: vgpu_apply.c).  0 or -errno. */
int vgpu_pf_to_nvidia(int rootfd, const char *pf, struct apply_stats *st);
/* Binds VF vf to nvidia (driver_override, drivers_probe) unless it is
 * there already.  0 or -errno. */
int vgpu_vf_bind(int rootfd, const char *vf, struct apply_stats *st);
