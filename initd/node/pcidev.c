// SPDX-License-Identifier: GPL-2.0-or-later
#include "pcidev.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pci/pci.h>

#include "log.h"
#include "rootfs.h"

/* libpci's error callback must not return: jump back to the scan. */
static jmp_buf pci_jmp;
static char pci_errmsg[256];

__attribute__((noreturn, format(printf, 1, 2))) static void pci_error_cb(char *msg, ...)
{
	va_list ap;
	va_start(ap, msg);
	vsnprintf(pci_errmsg, sizeof(pci_errmsg), msg, ap);
	va_end(ap);
	longjmp(pci_jmp, 1);
}

__attribute__((format(printf, 1, 2))) static void pci_quiet_cb(char *msg, ...)
{
	(void)msg;
}

int pcidev_write(int rootfd, int *writes, const char *bdf, const char *attr, const char *val)
{
	char p[256];
	if (bdf)
		snprintf(p, sizeof(p), PCI_DEVICES "/%s/%s", bdf, attr);
	else
		snprintf(p, sizeof(p), "sys/bus/pci/%s", attr);
	(*writes)++;
	int e = rootfs_write(rootfd, p, val);
	if (e < 0)
		log_error_errno(e, "%s%s%s <- %s: %m", bdf ? bdf : "", bdf ? "/" : "", attr, val);
	return e;
}

static int attr_path(char *p, size_t size, const char *bdf, const char *attr)
{
	return (size_t)snprintf(p, size, PCI_DEVICES "/%s/%s", bdf, attr) < size ? 0 : -ENAMETOOLONG;
}

int pcidev_read(int rootfd, const char *bdf, const char *attr, char *buf, size_t size)
{
	char p[256];
	int r = attr_path(p, sizeof(p), bdf, attr);
	return r < 0 ? r : rootfs_read_attr(rootfd, p, buf, size);
}

int pcidev_read_int(int rootfd, const char *bdf, const char *attr, int *ret)
{
	char p[256];
	int r = attr_path(p, sizeof(p), bdf, attr);
	return r < 0 ? r : rootfs_read_int(rootfd, p, ret);
}

int pcidev_read_driver(int rootfd, const char *bdf, char *buf, size_t size)
{
	char p[96];
	snprintf(p, sizeof(p), PCI_DEVICES "/%s/driver", bdf);
	int r = rootfs_link_basename(rootfd, p, buf, size);
	if (r == -ENOENT) {
		buf[0] = '\0';
		return 0;
	}
	return r < 0 ? r : 0;
}

/* The device's sysfs directory, looked up once: the attributes are then
 * one component away (on simfs every path component is a FUSE round trip;
 * on sysfs the walk goes through the devices/ symlink each time). */
static int open_dev(int rootfd, const char *bdf)
{
	char p[96];
	snprintf(p, sizeof(p), PCI_DEVICES "/%s", bdf);
	return rootfs_openat(rootfd, p, O_PATH | O_DIRECTORY, 0);
}

static int refresh_at(int devfd, struct pcidev *d)
{
	char v[64];
	int r = rootfs_link_basename(devfd, "driver", d->driver, sizeof(d->driver));
	if (r == -ENOENT)
		d->driver[0] = '\0';
	else if (r < 0)
		return r;
	r = rootfs_read_attr(devfd, "driver_override", v, sizeof(v));
	if (r < 0 || strcmp(v, "(null)") == 0)
		v[0] = '\0';
	snprintf(d->override, sizeof(d->override), "%s", v);
	if (rootfs_read_int(devfd, "sriov_numvfs", &d->numvfs) < 0)
		d->numvfs = -1;
	return 0;
}

int pcidev_refresh(int rootfd, struct pcidev *d)
{
	int devfd = open_dev(rootfd, d->bdf);
	if (devfd == -ENOENT) { /* gone: unbound, nothing to read */
		d->driver[0] = d->override[0] = '\0';
		d->numvfs = -1;
		return 0;
	}
	if (devfd < 0)
		return devfd;
	int r = refresh_at(devfd, d);
	close(devfd);
	return r;
}

/* The group number of the iommu_group link under devfd, -1 if none. */
static int read_group_at(int devfd)
{
	char v[64], *end;
	if (rootfs_link_basename(devfd, "iommu_group", v, sizeof(v)) < 0)
		return -1;
	long g = strtol(v, &end, 10);
	return *end == '\0' && g >= 0 && g <= INT_MAX ? (int)g : -1;
}

int pcidev_read_group(int rootfd, const char *bdf)
{
	int devfd = open_dev(rootfd, bdf);
	if (devfd < 0)
		return devfd;
	int g = read_group_at(devfd);
	close(devfd);
	return g < 0 ? -ENOENT : g;
}

/* The bridge above: the devices/ link points into the device hierarchy,
 * ../../../devices/pci0000:00/0000:00:07.0/0000:01:00.0; the component
 * before the last is the parent (a "pciDDDD:BB" root bus is none). */
void pcidev_read_parent(int rootfd, struct pcidev *d)
{
	char p[96], t[512];
	snprintf(p, sizeof(p), PCI_DEVICES "/%s", d->bdf);
	d->has_parent = false;
	if (rootfs_readlink(rootfd, p, t, sizeof(t)) < 0)
		return;
	char *last = strrchr(t, '/');
	if (!last)
		return;
	*last = '\0';
	char *prev = strrchr(t, '/');
	d->has_parent = pci_addr_parse(prev ? prev + 1 : t, &d->parent) == 0;
}

static void fill_from_root(int rootfd, struct pcidev *d)
{
	char v[64];
	d->group = d->numa = d->numvfs = -1;
	int devfd = open_dev(rootfd, d->bdf);
	if (devfd < 0)
		return;
	d->group = read_group_at(devfd);
	if (rootfs_read_int(devfd, "numa_node", &d->numa) < 0)
		d->numa = -1;
	d->is_vf = rootfs_link_basename(devfd, "physfn", v, sizeof(v)) >= 0 && pci_addr_parse(v, &d->pf) == 0;
	if (rootfs_read_attr(devfd, "modalias", d->modalias, sizeof(d->modalias)) < 0)
		d->modalias[0] = '\0';
	refresh_at(devfd, d);
	close(devfd);
}

static int cmp_dev(const void *a, const void *b)
{
	return pci_addr_cmp(&((const struct pcidev *)a)->addr, &((const struct pcidev *)b)->addr);
}

static int collect(struct pci_access *pacc, int rootfd, struct pcidevs *outp)
{
	struct pcidevs out = *outp;
	size_t cap = 0;
	int r = 0;
	for (struct pci_dev *p = pacc->devices; p; p = p->next) {
		if (out.n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			struct pcidev *nd = realloc(out.dev, nc * sizeof(*nd));
			if (!nd) {
				r = -ENOMEM;
				break;
			}
			out.dev = nd;
			cap = nc;
		}
		struct pcidev *d = &out.dev[out.n++];
		memset(d, 0, sizeof(*d));
		pci_fill_info(p, PCI_FILL_IDENT | PCI_FILL_CLASS);
		d->addr = (struct pci_addr){
			.domain = (uint16_t)p->domain, .bus = p->bus, .dev = p->dev, .fn = p->func
		};
		pci_addr_format(&d->addr, d->bdf);
		d->vendor = p->vendor_id;
		d->device = p->device_id;
		d->class = (uint32_t)p->device_class << 8 | pci_read_byte(p, PCI_CLASS_PROG);
		d->header_type = pci_read_byte(p, PCI_HEADER_TYPE) & 0x7f;
		fill_from_root(rootfd, d);
	}
	*outp = out;
	return r;
}

int pcidev_scan(int rootfd, const char *rootdir, struct pcidevs *ret)
{
	char sysfs[PATH_MAX];
	struct pci_access *pacc;
	struct pcidevs out = { 0 };
	int r;

	r = rootfs_exists(rootfd, PCI_DEVICES);
	if (r <= 0)
		return r < 0 ? r : -ENOENT;
	if (snprintf(sysfs, sizeof(sysfs), "%s/sys/bus/pci", rootdir) >= (int)sizeof(sysfs))
		return -ENAMETOOLONG;

	pacc = pci_alloc();
	if (!pacc)
		return -ENOMEM;
	pacc->error = pci_error_cb;
	pacc->warning = pci_quiet_cb;
	pacc->debug = pci_quiet_cb;
	pacc->method = PCI_ACCESS_SYS_BUS_PCI;
	if (setjmp(pci_jmp)) {
		log_debug("libpci: %s", pci_errmsg);
		free(out.dev);
		/* pci_cleanup after a longjmp out of libpci is not safe to call */
		return -EIO;
	}
	pci_set_param(pacc, "sysfs.path", sysfs);
	pci_init(pacc);
	pci_scan_bus(pacc);
	r = collect(pacc, rootfd, &out);
	if (r < 0)
		goto fail;
	pci_cleanup(pacc);
	qsort(out.dev, out.n, sizeof(*out.dev), cmp_dev);
	*ret = out;
	return 0;
fail:
	pci_cleanup(pacc);
	free(out.dev);
	return r;
}

void pcidevs_free(struct pcidevs *p)
{
	free(p->dev);
	p->dev = NULL;
	p->n = 0;
}
