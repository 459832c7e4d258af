/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Is the node itself a virtual machine, and under which hypervisor?  From
 * the CPU's "hypervisor" flag and the DMI strings, as systemd-detect-virt
 * looks at them.  Pure detection plus a probe through the root fd. */
#pragma once
#include <stdbool.h>

enum virt_kind { VIRT_NONE, VIRT_QEMU_KVM, VIRT_VMWARE, VIRT_CLOUD, VIRT_OTHER };

struct virt_info {
	bool vm;       /* a virtual machine, by either sign */
	bool cpu_flag; /* "hypervisor" among proc/cpuinfo's flags */
	enum virt_kind kind;
	char name[40];	  /* "QEMU", "KVM", "VMware", "Amazon EC2", ...; "" unknown */
	char dmi_key[16]; /* the DMI attribute that named it ("sys_vendor"), or "" */
};

/* The DMI attributes read, in the order they are matched. */
#define VIRT_DMI_KEYS 4
extern const char *const virt_dmi_keys[VIRT_DMI_KEYS];

/* cpuinfo: proc/cpuinfo's text (or NULL); dmi[i]: the value of
 * virt_dmi_keys[i] without its newline (or NULL). */
void virt_detect(const char *cpuinfo, const char *const dmi[VIRT_DMI_KEYS], struct virt_info *ret);
/* Reads proc/cpuinfo and sys/class/dmi/id/ under the root.  Never fails:
 * what cannot be read counts as absent. */
void virt_probe(int rootfd, struct virt_info *ret);
