/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kernel model behind simfs: PCI devices, drivers, modules, IOMMU
 * groups and VFIO, kept as state and mirrored into a struct node tree the
 * way sysfs, procfs and devtmpfs show it.  Writes reach the model through
 * attribute callbacks and have the kernel's effects and errnos.  Pure: no
 * I/O; uevents leave through a callback. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "pciaddr.h"
#include "mig.h"
#include "tree.h"
#include "vgpu.h"

#define SIM_MAX_RES 13 /* BARs 0-5, ROM, SR-IOV BARs 0-5 */

struct model;

/* Returned by a store callback whose effect must wait (the kernel would
 * block the writer): the FUSE layer retries after the next model change. */
#define SIM_EWAIT 100000

/* Driver behaviours the model knows. */
#define DRV_VFIO 0x1u	       /* vfio-pci style: needs an IOMMU group, owns /dev/vfio/N */
#define DRV_SRIOV 0x2u	       /* may configure SR-IOV (sriov_numvfs) */
#define DRV_NVIDIA 0x4u	       /* NVIDIA GPU driver: /proc/driver/nvidia, /dev/nvidiaN */
#define DRV_OVERRIDE_ONLY 0x8u /* matches only through driver_override */

struct id_rule {
	uint32_t vendor, device;    /* SIM_ANY: any */
	uint32_t class, class_mask; /* class & mask == rule class */
};
#define SIM_ANY 0xffffffffu

struct driver_desc {
	const char *name;   /* as under sys/bus/pci/drivers */
	const char *module; /* NULL: built in */
	unsigned flags;
	struct id_rule ids[4];
	int nids;
};

struct module_desc {
	const char *name;
	const char *path; /* relative to lib/modules/KVER; NULL: built in */
	const char *deps[4];
	const char *softdep_pre[3], *softdep_post[3];
	const char *aliases[8];
};

struct dynid {
	uint32_t vendor, device, subvendor, subdevice, class, class_mask;
	struct dynid *next;
};

struct sim_driver {
	const struct driver_desc *desc;
	bool registered;
	unsigned reg_seq; /* registration order: probes try drivers in it */
	struct node *dir;
	struct dynid *dynids;
};

struct sim_module {
	const struct module_desc *desc;
	bool available; /* its .ko is in lib/modules */
	bool loaded;
	int refcnt; /* loaded modules that depend on it */
	unsigned load_seq;
};

struct sim_group {
	int id;
	char type[16];	      /* "DMA", "DMA-FQ", "identity" */
	struct node *dir;     /* sys/kernel/iommu_groups/N */
	struct node *devnode; /* dev/vfio/N while a member is on a VFIO driver */
	int vfio_refs;	      /* members bound to a VFIO driver */
	int ndevs;
};

struct sim_resource {
	uint64_t start, end, flags;
};

struct sim_dev {
	struct model *m;
	struct pci_addr addr;
	char bdf[PCI_ADDR_STRLEN];
	uint16_t vendor, device, subvendor, subdevice;
	uint32_t class;
	uint8_t revision;
	int numa_node;
	int irq;
	uint8_t config[4096];
	unsigned config_size;
	struct sim_resource res[SIM_MAX_RES];
	char link_speed[24], max_link_speed[24];
	int link_width, max_link_width;
	char *label;
	char *nv_model;		/* "NVIDIA H100 80GB HBM3", for /proc/driver/nvidia */
	struct sim_dev *parent; /* upstream bridge; NULL on a root bus */
	struct sim_group *group;
	struct sim_driver *driver;
	char *driver_override;
	struct node *dir;
	char devpath[512]; /* "/devices/pci0000:17/0000:17:01.0/0000:18:00.0" */
	bool present;	   /* false after unplug/remove */
	bool unplugged;	   /* physically gone: a rescan does not find it */
	int group_id;	   /* IOMMU group it joins when (re)added; -1 none.  With
			    * groups made at probe: the fixture's group, which says
			    * which devices share one, not its number */
	/* NVIDIA driver state */
	int nv_minor;
	int nv_users;	/* open /dev/nvidiaN handles; unbind waits for 0 */
	int nv_pids[8]; /* proc/<pid> of the (simulated) processes holding them */
	bool nv_locked; /* unbindLock taken */
	/* SR-IOV: a PF's capability and VFs; a VF's PF */
	unsigned sriov_cap; /* config offset of the SR-IOV capability; 0 none */
	int num_vfs;
	bool vf_autoprobe;	/* sriov_drivers_autoprobe */
	struct sim_dev *physfn; /* set on VFs */
	int vf_index;
	/* vGPU */
	const struct vgpu_model *vgpu;	   /* types this GPU offers, if any */
	const struct vgpu_type *vgpu_type; /* vendor VFIO: the VF's vGPU */
	unsigned vgpu_gi;		   /* its GPU instance (MIG-backed); 0 none */
	bool mdev_parent;
	struct sim_mig mig; /* a PF's MIG state (mig.h) */
	/* registered with VFIO as a device: vfio-dev/vfio<vfio_index> */
	bool vfio_dev;
	unsigned vfio_index;
	/* sickness (pcihealth.c): fell off the bus, link down, AER counters */
	bool dead;	   /* config space reads all ones */
	bool link_down;	   /* current_link_speed "Unknown" */
	bool disconnected; /* pci_dev_set_disconnected(): kernel config reads fail (pcihealth.c) */
	bool recovering;   /* an AER recovery it reported began and has not ended */
	bool cfg_locked;   /* a recovery's reset holds its config access (pcihealth.c) */
	uint64_t aer_cor[16], aer_fatal[27], aer_nonfatal[27];
	uint64_t aer_total_cor, aer_total_fatal, aer_total_nonfatal;
	uint64_t aer_rp_cor, aer_rp_fatal, aer_rp_nonfatal; /* a root port: messages received */
};

struct sim_mdev {
	char uuid[37];
	struct sim_dev *parent;
	const struct vgpu_type *type;
	unsigned gi; /* GPU instance of a MIG-backed mdev; 0 none */
	struct sim_group *group;
	struct node *dir;
	char devpath[600];
	struct sim_mdev *next;
};

enum vgpu_kind { VGPU_NONE, VGPU_MDEV, VGPU_VENDOR_VFIO };

enum iommu_kind { IOMMU_NONE, IOMMU_INTEL, IOMMU_AMD, IOMMU_SMMUV3 };

struct sim_stats {
	unsigned long reads, writes, binds, unbinds, creates, removes;
};

typedef void (*uevent_fn)(void *ctx, const char *action, const char *devpath, const char *subsystem,
			  const char *const *env);

/* A firmware framebuffer set up by the kernel's sysfb on a GPU's BAR
 * (bootfb.c). */
enum bootfb_kind { SIM_FB_NONE, SIM_FB_SIMPLEDRM, SIM_FB_EFIFB, SIM_FB_VESAFB };
struct sim_bootfb {
	enum bootfb_kind kind;
	struct sim_dev *gpu;
	int bar;
	uint64_t start, end;
	bool registered; /* the platform device exists */
	bool bound;	 /* its driver holds the memory */
	struct node *devdir, *drvdir;
};

struct model {
	struct node *root;
	struct node *sys_devices, *bus_pci, *bus_drivers, *bus_devices, *sys_module, *groups_dir, *proc, *dev,
	    *dev_vfio, *class_vfio, *virt_vfio, *nv_gpus, *modules_dir;
	char kver[64];
	char *cmdline;
	enum iommu_kind iommu;
	bool iommu_enabled; /* groups populated */
	/* Groups made at driver probe, not when the device is added (iommu.c
	 * iommu_probe_dev: Debian's 6.12 arm64 kernel with an SMMU described by
	 * a device tree or the IORT); fixture "iommu": {"groups": "at-probe"} */
	bool groups_at_probe;
	char group_type[16];		     /* a new group's default domain type */
	char smmu_parent[64], smmu_unit[48]; /* SMMUv3: platform device, class device */
	/* The nvidia.ko build: NVIDIA's open kernel modules compile the vGPU
	 * host parts (NV_VGPU_KVM_BUILD, os_is_vgx_hyper()) only into the
	 * vGPU-KVM host driver; a plain build has no unbindLock and rejects
	 * VFs (kernel-open/nvidia/nv-procfs.c nv_procfs_add_gpu, nv-pci.c
	 * nv_pci_probe). */
	bool nv_vgpu_kvm;
	enum vgpu_kind nv_vgpu; /* the vGPU host driver's interface, if any */
	bool nv_grid_names;	/* mdev type names "GRID ..." (older drivers) */
	bool vfio_enable_sriov; /* vfio_pci's enable_sriov parameter */
	struct sim_mdev *mdevs;
	char nv_version[32];
	struct sim_dev **devs; /* address order */
	int ndevs;
	struct sim_driver *drivers;
	int ndrivers;
	struct sim_module *modules;
	int nmodules;
	struct module_desc *real_descs; /* kmod_real.c: the descs of a real kernel's depmod lines */
	char *real_arena;
	struct sim_group **groups;
	int ngroups;
	int next_nv_minor;
	int next_pid;
	unsigned load_seq, reg_seq; /* signatures present under sys/firmware/acpi/tables */
	struct sim_stats stats;
	uevent_fn uevent;
	void *uevent_ctx;
	uint64_t seq; /* bumped on every change (waiters re-check) */
	struct sim_bootfb fb;
};

/* The kernel catalogue: drivers and modules the model knows. */
extern const struct driver_desc sim_driver_catalog[];
extern const int sim_driver_catalog_len;
extern const struct module_desc sim_module_catalog[];
extern const int sim_module_catalog_len;

/* kmod_real.c: the catalogue's modules as a real kernel's depmod lines
 * (modules.dep / modules.alias) show them.  0, -EINVAL (a bad line, nothing
 * changed), -ENOMEM. */
int model_modules_from_depmod(struct model *m, const char *const *dep, size_t ndep, const char *const *alias,
			      size_t nalias);

/* egm.c: an EGM region of proximity domain pxm holding the GPUs (BDFs of
 * present devices).  0, -EEXIST, -ENOENT (a GPU unknown), -E2BIG, -ENOMEM. */
int egm_add(struct model *m, int pxm, const char *size, const char *const *gpus, size_t n);
/* gic.c: the Arm GIC in the MADT (if APIC is among the ACPI tables) and
 * the device tree (if booted from one); its: a GICv3 ITS. */
int gic_add(struct model *m, int version, bool its);

/* model.c */
struct model *model_new(const char *kver);
void model_free(struct model *m);
struct sim_dev *model_find_dev(struct model *m, const char *bdf);
struct sim_driver *model_find_driver(struct model *m, const char *name);
struct sim_module *model_find_module(struct model *m, const char *name);
struct sim_group *model_group(struct model *m, int id, bool create);
void model_emit(struct model *m, const char *action, const char *devpath, const char *subsystem,
		const char *const *env);
/* A static text attribute reporting st_size 4096, as sysfs does. */
struct node *model_add_text(struct node *dir, const char *name, mode_t mode, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* pci.c: devices */
struct sim_dev *pci_dev_new(struct model *m, const struct pci_addr *a);
/* Places the device in sysfs (after its parent) and announces it. */
int pci_dev_add(struct sim_dev *d);
/* Removes the device (and what sits below a bridge) from sysfs after
 * releasing its driver; -SIM_EWAIT while that driver waits for users. */
int pci_dev_remove(struct sim_dev *d);
/* A bus rescan: re-adds removed (not unplugged) devices, probes drivers. */
void pci_rescan(struct model *m);
/* Fills a config space from the device's IDs, class and resources: a
 * synthetic header when none was given, else patches the given bytes. */
void pci_config_sync(struct sim_dev *d, bool synthesize);
int pci_uevent_env(const struct sim_dev *d, char *buf, size_t size, const char **env, int max);
bool pci_is_bridge(const struct sim_dev *d);
/* Offset of extended capability `id` in config space, 0 if absent. */
unsigned pci_find_ext_cap(const struct sim_dev *d, uint16_t id);

/* pcihealth.c: a device's link and AER attributes; sickness and recovery */
int pcihealth_add_attrs(struct sim_dev *d);
/* what: "dead", "disconnected", "link-down", "aer-fatal", "aer-fatal-firmware", "aer-nonfatal",
 * "aer-correctable", "recovery-failed" */
int pcihealth_sick(struct sim_dev *d, const char *what);
int pcihealth_heal(struct sim_dev *d);
/* Whether d's config space is locked for user reads now (a reset of its
 * error recovery): a `config` read waits (-SIM_EWAIT). */
bool pcihealth_cfg_locked(const struct sim_dev *d);
/* A function reset (sysfs `reset`): what a reset can bring back. */
void pcihealth_reset(struct sim_dev *d);

/* bootfb.c: proc/iomem, proc/consoles, the sysfb platform device */
/* kind "simpledrm", "efifb" or "vesafb" on BAR bar of gpu (size bytes
 * from its start); consoles: names as /proc/consoles prints them. */
int bootfb_init(struct model *m, const char *kind, struct sim_dev *gpu, int bar, uint64_t size,
		const char *const *consoles, int nconsoles);
/* proc/iomem alone (no framebuffer) */
int iomem_init(struct model *m, const char *const *consoles, int nconsoles);
/* vfio-pci binds a VGA device: on 6.0+ it removes conflicting firmware
 * framebuffers (vfio_pci_vga_init). */
void bootfb_vfio_bind(struct sim_dev *d);

/* driver.c: matching and binding with the kernel's rules */
bool driver_matches(const struct sim_driver *drv, const struct sim_dev *d);
/* Probe drv on d (d unbound, match checked by caller): 0 or -errno. */
int driver_probe(struct sim_driver *drv, struct sim_dev *d);
/* Release d from its driver.  -SIM_EWAIT while the driver waits for users. */
int driver_release(struct sim_dev *d);
/* Try each registered driver in order, as a bus probe does: 1 when one
 * bound d, 0 when none did, -ENOMEM when the model ran out of memory. */
int driver_autoprobe(struct model *m, struct sim_dev *d);
int driver_register(struct model *m, struct sim_driver *drv);
int driver_unregister(struct model *m, struct sim_driver *drv);
int bus_pci_init(struct model *m);

/* module.c */
int module_load(struct model *m, const char *name, bool with_deps);
int module_unload(struct model *m, const char *name);
int modules_init(struct model *m);

/* sriov.c */
/* Adds the SR-IOV attributes to a PF that has the capability. */
int sriov_add_attrs(struct sim_dev *pf);
/* Enables n VFs (as sriov_configure would); 0 or -errno. */
int sriov_enable(struct sim_dev *pf, int n);
/* -SIM_EWAIT while a VF is in use. */
int sriov_disable(struct sim_dev *pf);
/* Places an SR-IOV capability in a config space that has none. */
int sriov_cap_add(struct sim_dev *d, unsigned total, unsigned offset, unsigned stride);

/* mdev.c */
int mdev_parent_register(struct sim_dev *d);
void mdev_parent_unregister(struct sim_dev *d);
bool mdev_parent_busy(const struct sim_dev *d);
unsigned mdev_count_on_gpu(struct model *m, const struct sim_dev *gpu, unsigned *fb_gb);

/* iommu.c */
/* The lowest free group number, as the kernel's ida allocates it. */
int iommu_group_alloc_id(struct model *m);
int iommu_init(struct model *m, enum iommu_kind kind, bool enabled);
int iommu_group_add_dev(struct model *m, struct sim_group *g, struct sim_dev *d);
/* A driver probe's IOMMU step when groups are made at probe: d joins the
 * group of a probed device sharing its fixture group, or a new one.  0 or
 * -ENOMEM; nothing to do for a device already in a group or behind no
 * IOMMU. */
int iommu_probe_dev(struct model *m, struct sim_dev *d);
void iommu_group_del_dev(struct model *m, struct sim_dev *d);
/* VFIO group node life: created when a member binds to a VFIO driver,
 * removed when the last one leaves. */
int vfio_group_get(struct model *m, struct sim_group *g);
void vfio_group_put(struct model *m, struct sim_group *g);
bool vfio_group_busy(const struct sim_group *g);
/* A VFIO device's <dev>/vfio-dev/vfioN and sys/class/vfio-dev/vfioN */
int vfio_device_add(struct model *m, struct sim_dev *d);
void vfio_device_del(struct model *m, struct sim_dev *d);

/* nvidia.c */
int nvidia_bind(struct sim_dev *d);
void nvidia_unbind(struct sim_dev *d);
int nvidia_init(struct model *m);
/* usr/share/nvidia/vgpu/vgpuConfig.xml when the fixture has a vGPU host
 * driver (vgpu_config.c). */
int vgpu_config_init(struct model *m);
/* A process opens / closes /dev/nvidiaN: proc/<pid>/fd/3 points there. */
int nvidia_open(struct sim_dev *d);
int nvidia_close(struct sim_dev *d);
/* 0, or -ENODEV while the GPU's unbindLock is held (open of /dev/nvidiaN). */
int nvidia_open_allowed(const struct sim_dev *d);
