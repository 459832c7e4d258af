// SPDX-License-Identifier: GPL-2.0-or-later
#include "virt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rootfs.h"

/* systemd's detect_vm_dmi_vendor() (src/basic/virt.c) reads these, product
 * name first ("to detect KVM over QEMU"). */
const char *const virt_dmi_keys[VIRT_DMI_KEYS] = { "product_name", "sys_vendor", "board_vendor",
						   "bios_vendor" };

/* Prefixes of those strings, from the same function's dmi_vendor_table
 * (KVM, Amazon EC2, QEMU, VMware, VMW, innotek GmbH, Oracle Corporation,
 * Xen, Bochs, Parallels, BHYVE); "Google" and Microsoft's "Virtual
 * Machine" product name are not in that table (unverified: what GCE and
 * Hyper-V guests show). */
static const struct {
	const char *prefix, *name;
	enum virt_kind kind;
} table[] = {
	{ "KVM", "KVM", VIRT_QEMU_KVM },
	{ "Amazon EC2", "Amazon EC2", VIRT_CLOUD },
	{ "QEMU", "QEMU", VIRT_QEMU_KVM },
	{ "VMware", "VMware", VIRT_VMWARE },
	{ "VMW", "VMware", VIRT_VMWARE },
	{ "innotek GmbH", "VirtualBox", VIRT_OTHER },
	{ "Oracle Corporation", "VirtualBox", VIRT_OTHER },
	{ "Xen", "Xen", VIRT_OTHER },
	{ "Bochs", "Bochs", VIRT_QEMU_KVM },
	{ "Parallels", "Parallels", VIRT_OTHER },
	{ "BHYVE", "bhyve", VIRT_OTHER },
	{ "Google", "Google Compute Engine", VIRT_CLOUD },
	{ "Virtual Machine", "Microsoft Hyper-V", VIRT_CLOUD },
};

/* "hypervisor" as a whole word of a "flags" line: X86_FEATURE_HYPERVISOR
 * (CPUID.1:ECX bit 31), arch/x86/include/asm/cpufeatures.h. */
static bool cpu_flag(const char *cpuinfo)
{
	for (const char *l = cpuinfo; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		if (len > 5 && strncmp(l, "flags", 5) == 0 && (l[5] == ' ' || l[5] == '\t')) {
			const char *colon = memchr(l, ':', len);
			for (const char *w = colon ? colon + 1 : l + len; w < l + len;) {
				while (w < l + len && (*w == ' ' || *w == '\t'))
					w++;
				const char *e = w;
				while (e < l + len && *e != ' ' && *e != '\t')
					e++;
				if (e - w == 10 && strncmp(w, "hypervisor", 10) == 0)
					return true;
				w = e;
			}
			return false; /* every CPU has the same flags */
		}
		l = nl ? nl + 1 : NULL;
	}
	return false;
}

void virt_detect(const char *cpuinfo, const char *const dmi[VIRT_DMI_KEYS], struct virt_info *ret)
{
	struct virt_info v = { .cpu_flag = cpu_flag(cpuinfo) };
	/* systemd: an EC2 "*.metal" product is bare metal under the same vendor */
	const char *pn = dmi ? dmi[0] : NULL;
	size_t pl = pn ? strlen(pn) : 0;
	bool metal = pl > 6 && strcmp(pn + pl - 6, ".metal") == 0;
	for (int k = 0; k < VIRT_DMI_KEYS && !v.name[0]; k++)
		for (size_t t = 0; dmi && dmi[k] && t < sizeof(table) / sizeof(table[0]); t++)
			if (strncmp(dmi[k], table[t].prefix, strlen(table[t].prefix)) == 0 &&
			    !(metal && table[t].kind == VIRT_CLOUD)) {
				snprintf(v.name, sizeof(v.name), "%s", table[t].name);
				snprintf(v.dmi_key, sizeof(v.dmi_key), "%s", virt_dmi_keys[k]);
				v.kind = table[t].kind;
				break;
			}
	v.vm = v.cpu_flag || v.name[0];
	if (v.vm && !v.name[0])
		v.kind = VIRT_OTHER;
	*ret = v;
}

void virt_probe(int rootfd, struct virt_info *ret)
{
	char *cpuinfo = NULL, vals[VIRT_DMI_KEYS][128], p[64];
	const char *dmi[VIRT_DMI_KEYS];
	if (rootfs_read_file(rootfd, "proc/cpuinfo", &cpuinfo, NULL) < 0)
		cpuinfo = NULL;
	for (int k = 0; k < VIRT_DMI_KEYS; k++) {
		snprintf(p, sizeof(p), "sys/class/dmi/id/%s", virt_dmi_keys[k]);
		dmi[k] = rootfs_read_attr(rootfd, p, vals[k], sizeof(vals[k])) >= 0 ? vals[k] : NULL;
	}
	virt_detect(cpuinfo, dmi, ret);
	free(cpuinfo);
}
