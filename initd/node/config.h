/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gpu-initd's JSON configuration (pure): parsing, validation and the
 * command-line overrides, in docs/design.md section 1's precedence. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pciaddr.h"

enum mode { MODE_CONTAINER, MODE_PASSTHROUGH, MODE_VGPU };

enum selector_kind { SEL_ADDR, SEL_INDEX, SEL_ID };
struct selector {
	enum selector_kind kind;
	struct pci_addr addr;
	unsigned index;
	uint16_t vendor;
	int device; /* -1: any ("10de:*") */
};

#define CONFIG_MAX_SELECTORS 64
#define CONFIG_MAX_NAMES 64
struct resource_alias {
	char key[64];	/* "10de:2330" or a vGPU type name */
	char name[128]; /* "nvidia.com/gpu" */
};

/* One item of a "vgpu-configs" list: which GPUs get which vGPU types. */
#define CONFIG_MAX_VGPU_RULES 32
#define CONFIG_MAX_VGPU_SEL 16
#define CONFIG_MAX_VGPU_TYPES 8
struct vgpu_rule {
	char config[64]; /* the vgpu-configs name it belongs to */
	bool devices_all;
	size_t nsel;
	struct selector sel[CONFIG_MAX_VGPU_SEL];
	size_t ntypes;
	struct {
		char type[48]; /* short name as written: "A100-10C" */
		unsigned count;
	} types[CONFIG_MAX_VGPU_TYPES];
};

/* One "sriov-vfs" entry: enable numvfs VFs on each PF the selector
 * (PCI address or vendor:device) names and pass the VFs through. */
#define CONFIG_MAX_SRIOV 16
struct sriov_want {
	struct selector pf;
	unsigned numvfs;
};

#define CONFIG_MAX_MODULES 16 /* FM_MAX_NUM_GPUS */
struct config {
	enum mode mode;
	bool devices_all;
	size_t nsel;
	struct selector sel[CONFIG_MAX_SELECTORS];
	size_t nnames;
	struct resource_alias names[CONFIG_MAX_NAMES];
	/* "group-companions": vendor:device ids that may go to VFIO with a
	 * selected GPU sharing their IOMMU group (e.g. an NVSwitch) */
	size_t ncomp;
	struct selector comp[CONFIG_MAX_SELECTORS];
	/* "sriov-vfs": in vm-passthrough the VFs of these PFs are the targets
	 * (enabled through pci-pf-stub when absent), never the PFs */
	size_t nsriov;
	struct sriov_want sriov[CONFIG_MAX_SRIOV];
	char vgpu_config[64];
	/* "boot-framebuffer": what apply may do about a firmware framebuffer
	 * inside a GPU's BAR (initd/node/bootfb.h; default refuse) */
	int bootfb;
	size_t nvrules;
	struct vgpu_rule vrules[CONFIG_MAX_VGPU_RULES];
	/* "fabric-module-ids": GPU PCI address -> module ID (Fabric Manager's
	 * physicalId), for an FM that lists partitions by module ID only */
	size_t nmodules;
	struct {
		struct pci_addr addr;
		unsigned id;
	} modules[CONFIG_MAX_MODULES];
};

void config_init(struct config *c);
/* Parses a JSON config over *c (which config_init set up).  On -EINVAL,
 * err holds "FIELD: what is wrong" (with line:col when known). */
int config_parse(struct config *c, const char *js, size_t len, char *err, size_t errsize);
int config_parse_mode(const char *s, enum mode *ret);
const char *mode_name(enum mode m);
/* Parses a device selector as written in "devices" ("0000:18:00.0",
 * "10de:2330", "10de:*"); indices come as JSON numbers. */
int selector_parse(const char *s, struct selector *ret);
struct kcmdline;
/* Where the config comes from, in docs/design.md's precedence: --config FILE
 * (a host path), else gpu_initd.config=PATH (under the root), else
 * etc/gpu-initd/config.json under the root (absent: defaults). */
enum config_source { CONFIG_FROM_CLI, CONFIG_FROM_CMDLINE, CONFIG_FROM_ROOT };
enum config_source config_pick_source(const char *cli_path, const struct kcmdline *k, const char **ret_path);
/* The command line's overrides after the file: gpu_initd.mode= wins over
 * "mode", gpu_initd.vgpu_config= over "vgpu-config".  -EINVAL with err
 * naming the bad key. */
int config_apply_cmdline(struct config *c, const struct kcmdline *k, char *err, size_t errsize);
/* Does the "sriov-vfs" entry name this PF (vendor, device, address)? */
bool sriov_want_matches(const struct sriov_want *w, uint16_t vendor, uint16_t device,
			const struct pci_addr *pf);
/* How many VFs "sriov-vfs" asks for on PF (vendor, device, address):
 * the first matching entry's count, 0 when none. */
unsigned config_sriov_vfs(const struct config *c, uint16_t vendor, uint16_t device,
			  const struct pci_addr *pf);
/* The alias the config maps key to, or NULL. */
const char *config_resource_alias(const struct config *c, const char *key);
