// SPDX-License-Identifier: GPL-2.0-or-later
/* The boot framebuffer on a GPU.  The kernel's records:
 * - /proc/iomem (kernel/resource.c r_show(): two spaces per nesting
 *   level, "start-end : name"; zeros without CAP_SYS_ADMIN): the GPU's BAR
 *   is a line named by its BDF, a firmware framebuffer inside it a deeper
 *   line: "BOOTFB" (sysfb's simple-framebuffer device, linux
 *   drivers/firmware/sysfb_simplefb.c simplefb_resname), "simpledrm"
 *   (drivers/gpu/drm/tiny/simpledrm.c, its DRM driver name), "efifb"
 *   (drivers/video/fbdev/efifb.c efifb_probe()), "vesafb"
 *   (drivers/video/fbdev/vesafb.c vesafb_probe()), "simplefb"
 *   (drivers/video/fbdev/simplefb.c simplefb_probe(), since 2022).
 * - sysfb's platform device (drivers/firmware/sysfb.c sysfb_init()):
 *   sys/bus/platform/devices/{simple,efi,vesa}-framebuffer.0, its driver
 *   link.
 * Consequence: a framebuffer request inside a BAR makes vfio-pci's
 * whole-BAR request fail ("vfio-pci ...: BAR n: can't reserve [mem ...]",
 * kernel/resource.c __request_region()), so QEMU cannot mmap the BAR.
 * What releases it: unbinding efifb / vesafb (their request is the
 * conflict; the device holds no resource of its own in 6.1); sysfb's
 * BOOTFB belongs to the platform device itself, which sysfs cannot
 * unregister: only the kernel can (sysfb_disable(), called by
 * drivers/video/aperture.c aperture_remove_conflicting_devices(), which
 * vfio-pci calls for a VGA-class device since Linux 6.0:
 * drivers/vfio/pci/vfio_pci_core.c vfio_pci_vga_init(); the release
 * from the patch date, June 2022: unverified) or the command line
 * (initcall_blacklist=sysfb_init keeps sysfb_init from running:
 * init/main.c initcall_blacklist; video=efifb:off / video=vesafb:off make
 * the fbdev driver refuse to probe: drivers/video/fbdev/core/
 * fb_cmdline.c fb_get_options()). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bootfb.h"
#include "log.h"
#include "rootfs.h"

static const char *const platdev[] = { "", "simple-framebuffer", "efi-framebuffer", "vesa-framebuffer" };

const char *bootfb_kind_name(enum bootfb_kind k)
{
	static const char *const n[] = { "none", "simple-framebuffer (sysfb BOOTFB)", "efifb", "vesafb" };
	return k <= BOOTFB_VESAFB ? n[k] : "none";
}

int bootfb_policy_parse(const char *s, enum bootfb_policy *ret)
{
	if (strcmp(s, "refuse") == 0)
		*ret = BOOTFB_REFUSE;
	else if (strcmp(s, "release") == 0)
		*ret = BOOTFB_RELEASE;
	else if (strcmp(s, "release-console") == 0)
		*ret = BOOTFB_RELEASE_CONSOLE;
	else
		return -EINVAL;
	return 0;
}

static enum bootfb_kind kind_of(const char *name)
{
	if (!strcmp(name, "BOOTFB") || !strcmp(name, "simpledrm") || !strcmp(name, "simplefb"))
		return BOOTFB_SIMPLE;
	if (!strcmp(name, "efifb"))
		return BOOTFB_EFIFB;
	if (!strcmp(name, "vesafb"))
		return BOOTFB_VESAFB;
	return BOOTFB_NONE;
}

int bootfb_parse_iomem(const char *iomem, const char *bdf, struct bootfb *ret)
{
	int under = -1; /* indentation of the BDF's line we are inside, or -1 */
	for (const char *l = iomem; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		int indent = (int)strspn(l, " ");
		const char *sep = memmem(l, len, " : ", 3);
		if (sep) {
			char name[32], range[40];
			size_t nlen = len - (size_t)(sep + 3 - l), rlen = (size_t)(sep - l) - (size_t)indent;
			if (nlen < sizeof(name) && rlen < sizeof(range)) {
				memcpy(name, sep + 3, nlen);
				name[nlen] = '\0';
				memcpy(range, l + indent, rlen);
				range[rlen] = '\0';
				if (under >= 0 && indent <= under)
					under = -1;
				if (under < 0 && strcmp(name, bdf) == 0) {
					under = indent;
				} else if (under >= 0 && kind_of(name) != BOOTFB_NONE) {
					ret->kind = kind_of(name);
					snprintf(ret->region, sizeof(ret->region), "%s", name);
					snprintf(ret->range, sizeof(ret->range), "%s", range);
					return 1;
				}
			}
		}
		l = nl ? nl + 1 : NULL;
	}
	return 0;
}

bool bootfb_only_console(const char *consoles)
{
	for (const char *l = consoles; l && *l;) {
		const char *nl = strchr(l, '\n');
		if (*l != '\n' && !(strncmp(l, "tty", 3) == 0 && l[3] >= '0' && l[3] <= '9'))
			return false;
		l = nl ? nl + 1 : NULL;
	}
	return true;
}

static bool kernel_at_least(const char *kver, int major, int minor)
{
	int ma = 0, mi = 0;
	if (!kver || sscanf(kver, "%d.%d", &ma, &mi) != 2)
		return false;
	return ma > major || (ma == major && mi >= minor);
}

enum bootfb_action bootfb_decide(const struct bootfb *fb, const char *kver, bool vga, enum bootfb_policy p)
{
	if (fb->kind == BOOTFB_NONE)
		return BOOTFB_ACT_NONE;
	if (p == BOOTFB_REFUSE || (fb->only_console && p != BOOTFB_RELEASE_CONSOLE))
		return BOOTFB_ACT_REFUSE;
	if (vga && kernel_at_least(kver, 6, 0))
		return BOOTFB_ACT_VFIO_REMOVES;
	if ((fb->kind == BOOTFB_EFIFB || fb->kind == BOOTFB_VESAFB) && fb->driver_bound)
		return BOOTFB_ACT_UNBIND;
	return BOOTFB_ACT_REFUSE;
}

const char *bootfb_fix(const struct bootfb *fb, const char *kver, bool vga)
{
	bool vfio_removes = vga && kernel_at_least(kver, 6, 0);
	switch (fb->kind) {
	case BOOTFB_SIMPLE:
		return vfio_removes
			   ? "boot with initcall_blacklist=sysfb_init, or let vfio-pci remove it when it "
			     "binds (Linux 6.0+, VGA-class GPU): \"boot-framebuffer\": \"release\""
			   : "boot with initcall_blacklist=sysfb_init (sysfb registers no framebuffer; "
			     "sysfs cannot unregister its BOOTFB)";
	case BOOTFB_EFIFB:
		return vfio_removes ? "boot with video=efifb:off, or let vfio-pci remove it when it binds "
				      "(Linux 6.0+, VGA-class GPU): \"boot-framebuffer\": \"release\""
				    : "boot with video=efifb:off, or let gpu-initd unbind efifb first: "
				      "\"boot-framebuffer\": \"release\"";
	case BOOTFB_VESAFB:
		return vfio_removes
			   ? "boot with video=vesafb:off, or \"boot-framebuffer\": \"release\" (vfio-pci "
			     "removes it when it binds: Linux 6.0+, VGA-class GPU)"
			   : "boot with video=vesafb:off, or let gpu-initd unbind vesafb first: "
			     "\"boot-framebuffer\": \"release\"";
	default: return "";
	}
}

int bootfb_probe(int rootfd, const char *bdf, struct bootfb *ret)
{
	char *txt = NULL, p[128], drv[64];
	memset(ret, 0, sizeof(*ret));
	int r = rootfs_read_file(rootfd, "proc/iomem", &txt, NULL);
	if (r < 0)
		return r == -ENOENT ? 0 : r;
	r = bootfb_parse_iomem(txt, bdf, ret);
	free(txt);
	if (r <= 0)
		return r;
	snprintf(p, sizeof(p), "sys/bus/platform/devices/%s.0/driver", platdev[ret->kind]);
	ret->driver_bound = rootfs_link_basename(rootfd, p, drv, sizeof(drv)) >= 0;
	txt = NULL;
	ret->only_console =
	    rootfs_read_file(rootfd, "proc/consoles", &txt, NULL) < 0 || bootfb_only_console(txt);
	free(txt);
	return 1;
}

int bootfb_release(int rootfd, const struct bootfb *fb, int *writes)
{
	char p[128], v[64];
	if (fb->kind != BOOTFB_EFIFB && fb->kind != BOOTFB_VESAFB)
		return -EOPNOTSUPP;
	snprintf(p, sizeof(p), "sys/bus/platform/drivers/%s/unbind", platdev[fb->kind]);
	snprintf(v, sizeof(v), "%s.0", platdev[fb->kind]);
	(*writes)++;
	int e = rootfs_write(rootfd, p, v);
	if (e < 0) /* recorded by the caller (step boot-framebuffer), logged with the outcome */
		return log_debug_errno(e, "%s <- %s: %m", p, v);
	log_info("%s: unbound from its driver: the GPU's BAR is free for vfio-pci", v);
	return 0;
}
