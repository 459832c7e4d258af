// SPDX-License-Identifier: GPL-2.0-or-later
/* The boot framebuffer on a GPU (issue 21): what the kernel records.
 *
 * - sysfb (linux drivers/firmware/sysfb.c sysfb_init()) registers one
 *   platform device for the firmware's framebuffer: "simple-framebuffer.0"
 *   when it can describe the mode as a simple framebuffer
 *   (CONFIG_SYSFB_SIMPLEFB, sysfb_create_simplefb() in sysfb_simplefb.c,
 *   whose memory resource is named "BOOTFB" and sits in iomem as long as
 *   the device is registered), else "efi-framebuffer.0" /
 *   "vesa-framebuffer.0" (no resource of its own before Linux 6.7-ish:
 *   unverified when screen_info_resources() took over).
 * - The drivers: simpledrm's platform driver is named "simple-framebuffer"
 *   and requests the range under its DRM name "simpledrm"
 *   (drivers/gpu/drm/tiny/simpledrm.c simpledrm_device_create(),
 *   devm_request_mem_region(..., drv->name)); efifb requests "efifb"
 *   (drivers/video/fbdev/efifb.c efifb_probe(), request_mem_region());
 *   vesafb "vesafb" (drivers/video/fbdev/vesafb.c vesafb_probe()).
 *   Unbinding the driver releases its request; the BOOTFB resource stays
 *   with the device.
 * - /proc/iomem: kernel/resource.c r_show(): "%*s%0*llx-%0*llx : %s",
 *   two spaces per nesting level, zeros for readers without
 *   CAP_SYS_ADMIN.  A busy request nested in a non-busy one is how a
 *   later whole-BAR request fails (__request_region() descends into
 *   non-busy conflicts only while they contain the range): vfio-pci's
 *   "BAR n: can't reserve".
 * - vfio-pci binding a VGA-class device removes conflicting firmware
 *   framebuffers (drivers/vfio/pci/vfio_pci_core.c vfio_pci_vga_init() ->
 *   aperture_remove_conflicting_pci_devices(), drivers/video/aperture.c,
 *   which has sysfb unregister its device: sysfb_disable()); patch
 *   "vfio/pci: Remove console drivers" of June 2022, Linux 6.0
 *   (release from the patch date: unverified).
 * - /proc/consoles: fs/proc/consoles.c show_console_dev(): the console's
 *   name and index padded to 20 columns, then its flags (the flag
 *   letters here are illustrative).
 *
 * Simplification: iomem lists the devices' memory BARs at the top level,
 * not under their host bridge windows. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

static const char *const fb_dev[] = { "", "simple-framebuffer", "efi-framebuffer", "vesa-framebuffer" };
static const char *const fb_drv[] = { "", "simple-framebuffer", "efi-framebuffer", "vesa-framebuffer" };
static const char *const fb_region[] = { "", "simpledrm", "efifb", "vesafb" };

struct bar_line {
	uint64_t start, end;
	const struct sim_dev *d;
	int bar;
};

static int cmp_bar(const void *a, const void *b)
{
	const struct bar_line *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

static ssize_t iomem_show(struct node *n, char *buf, size_t cap, const struct attr_io *io)
{
	struct model *m = n->obj;
	size_t nl = 0, o = 0;
	struct bar_line *l = calloc((size_t)m->ndevs * 6 + 1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	for (int i = 0; i < m->ndevs; i++) {
		const struct sim_dev *d = m->devs[i];
		for (int b = 0; d->present && b < 6; b++)
			if ((d->res[b].flags & 0x200) && d->res[b].start) /* IORESOURCE_MEM */
				l[nl++] = (struct bar_line){ d->res[b].start, d->res[b].end, d, b };
	}
	qsort(l, nl, sizeof(*l), cmp_bar);
	const struct sim_bootfb *fb = &m->fb;
#define ADDR(x) (io->privileged ? (unsigned long long)(x) : 0ull)
	for (size_t i = 0; i < nl && o < cap; i++) {
		o += (size_t)snprintf(buf + o, cap - o, "%08llx-%08llx : %s\n", ADDR(l[i].start),
				      ADDR(l[i].end), l[i].d->bdf);
		if (fb->kind == SIM_FB_NONE || l[i].d != fb->gpu || l[i].bar != fb->bar)
			continue;
		int depth = 1;
		if (fb->kind == SIM_FB_SIMPLEDRM && fb->registered && o < cap)
			o += (size_t)snprintf(buf + o, cap - o, "%*s%08llx-%08llx : BOOTFB\n", 2 * depth++,
					      "", ADDR(fb->start), ADDR(fb->end));
		if (fb->bound && o < cap)
			o += (size_t)snprintf(buf + o, cap - o, "%*s%08llx-%08llx : %s\n", 2 * depth, "",
					      ADDR(fb->start), ADDR(fb->end), fb_region[fb->kind]);
	}
#undef ADDR
	free(l);
	return o < cap ? (ssize_t)o : -EFBIG;
}

static const struct attr_ops iomem_ops = { .show = iomem_show };

static int add_consoles(struct model *m, const char *const *consoles, int n)
{
	char txt[512];
	size_t o = 0;
	for (int i = 0; i < n && o < sizeof(txt); i++) {
		bool vt =
		    strncmp(consoles[i], "tty", 3) == 0 && consoles[i][3] >= '0' && consoles[i][3] <= '9';
		o += (size_t)snprintf(txt + o, sizeof(txt) - o, "%-20s %s\n", consoles[i],
				      vt ? "-WU (EC    )    4:1" : "-W- (E p   )    4:64");
	}
	struct node *f = model_add_text(m->proc, "consoles", 0444, "%s", n ? txt : "");
	if (!f)
		return -ENOMEM;
	f->size = 0;
	return 0;
}

int iomem_init(struct model *m, const char *const *consoles, int nconsoles)
{
	struct node *f = tree_add_attr(m->proc, "iomem", 0444, &iomem_ops, m, 0);
	if (!f)
		return -ENOMEM;
	f->size = 0;
	return add_consoles(m, consoles, nconsoles);
}

static void fb_bind(struct sim_bootfb *fb, bool bind);

static ssize_t drv_store(struct node *n, const char *buf, size_t len, const struct attr_io *io)
{
	struct model *m = n->obj;
	struct sim_bootfb *fb = &m->fb;
	char name[64];
	size_t l = strcspn(buf, "\n");
	if (l > len)
		l = len;
	if (l >= sizeof(name))
		return -ENODEV;
	memcpy(name, buf, l);
	name[l] = '\0';
	char want[64];
	snprintf(want, sizeof(want), "%s.0", fb_dev[fb->kind]);
	/* drivers/base/bus.c unbind_store()/bind_store() */
	if (!fb->registered || strcmp(name, want) != 0)
		return -ENODEV;
	bool bind = n->arg == 1;
	if (bind && fb->bound)
		return -EBUSY;
	if (!bind && !fb->bound)
		return -ENODEV;
	fb_bind(fb, bind);
	return (ssize_t)len;
}

static const struct attr_ops drv_ops = { .store = drv_store };

static void emit(struct model *m, const char *action, const struct sim_bootfb *fb)
{
	char devpath[96], drv[96], alias[96];
	const char *env[4] = { NULL };
	int k = 0;
	snprintf(devpath, sizeof(devpath), "/devices/platform/%s.0", fb_dev[fb->kind]);
	if (fb->bound) {
		snprintf(drv, sizeof(drv), "DRIVER=%s", fb_drv[fb->kind]);
		env[k++] = drv;
	}
	snprintf(alias, sizeof(alias), "MODALIAS=platform:%s", fb_dev[fb->kind]);
	env[k++] = alias;
	model_emit(m, action, devpath, "platform", env);
}

static void fb_bind(struct sim_bootfb *fb, bool bind)
{
	struct model *m = fb->gpu->m;
	char name[64];
	snprintf(name, sizeof(name), "%s.0", fb_dev[fb->kind]);
	if (bind) {
		tree_add_rel_link(fb->devdir, "driver", fb->drvdir);
		tree_add_rel_link(fb->drvdir, name, fb->devdir);
	} else {
		tree_remove_child(fb->devdir, "driver");
		tree_remove_child(fb->drvdir, name);
	}
	fb->bound = bind;
	emit(m, bind ? "bind" : "unbind", fb);
	m->seq++;
}

int bootfb_init(struct model *m, const char *kind, struct sim_dev *gpu, int bar, uint64_t size,
		const char *const *consoles, int nconsoles)
{
	struct sim_bootfb *fb = &m->fb;
	int r = iomem_init(m, consoles, nconsoles);
	if (r < 0 || !kind)
		return r;
	fb->kind = strcmp(kind, "simpledrm") == 0 ? SIM_FB_SIMPLEDRM
		   : strcmp(kind, "efifb") == 0	  ? SIM_FB_EFIFB
		   : strcmp(kind, "vesafb") == 0  ? SIM_FB_VESAFB
						  : SIM_FB_NONE;
	if (fb->kind == SIM_FB_NONE || bar < 0 || bar > 5 || !(gpu->res[bar].flags & 0x200) || !size ||
	    size > gpu->res[bar].end - gpu->res[bar].start + 1)
		return -EINVAL;
	fb->gpu = gpu;
	fb->bar = bar;
	fb->start = gpu->res[bar].start;
	fb->end = fb->start + size - 1;
	char name[64], path[128];
	snprintf(name, sizeof(name), "%s.0", fb_dev[fb->kind]);
	snprintf(path, sizeof(path), "sys/devices/platform/%s", name);
	fb->devdir = tree_mkdir_p(m->root, path);
	snprintf(path, sizeof(path), "sys/bus/platform/drivers/%s", fb_drv[fb->kind]);
	fb->drvdir = tree_mkdir_p(m->root, path);
	struct node *devs = tree_mkdir_p(m->root, "sys/bus/platform/devices");
	if (!fb->devdir || !fb->drvdir || !devs || !tree_add_rel_link(devs, name, fb->devdir) ||
	    !model_add_text(fb->devdir, "modalias", 0444, "platform:%s\n", fb_dev[fb->kind]) ||
	    !tree_add_attr(fb->drvdir, "bind", 0200, &drv_ops, m, 1) ||
	    !tree_add_attr(fb->drvdir, "unbind", 0200, &drv_ops, m, 0))
		return -ENOMEM;
	fb->registered = true;
	fb_bind(fb, true);
	return 0;
}

static bool kernel_at_least(const char *kver, int major, int minor)
{
	int ma = 0, mi = 0;
	if (sscanf(kver, "%d.%d", &ma, &mi) != 2)
		return false;
	return ma > major || (ma == major && mi >= minor);
}

void bootfb_vfio_bind(struct sim_dev *d)
{
	struct sim_bootfb *fb = &d->m->fb;
	/* vfio_pci_is_vga(): class 0x0300; every firmware framebuffer goes
	 * (sysfb_disable() unregisters sysfb's one device) */
	if ((d->class >> 8) != 0x0300 || !fb->registered || !kernel_at_least(d->m->kver, 6, 0))
		return;
	char name[64];
	snprintf(name, sizeof(name), "%s.0", fb_dev[fb->kind]);
	if (fb->bound)
		fb_bind(fb, false);
	emit(d->m, "remove", fb);
	tree_remove_child(tree_mkdir_p(d->m->root, "sys/bus/platform/devices"), name);
	tree_remove(fb->devdir);
	fb->devdir = NULL;
	fb->registered = false;
	d->m->seq++;
}
