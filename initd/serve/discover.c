// SPDX-License-Identifier: GPL-2.0-or-later
/* Discovery for serve: one readlink per PCI function to find the driver,
 * details only for the candidates, so a rescan stays cheap enough to run
 * on every uevent. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "node/config.h"
#include "discover.h"
#include "ers.h"
#include "log.h"
#include "node/naming.h"
#include "node/pcidev.h"
#include "node/pciids.h"
#include "resources.h"
#include "sick.h"
#include "rootfs.h"
#include "vgpu/vgpu_catalog.h"

static void scopy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static int lower_hex(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* What pci_addr_format prints ("%04x:%02x:%02x.%x", device <= 0x1f,
 * function <= 7), checked in place: it runs on every directory entry of
 * every scan, and a parse + snprintf + compare cost ten times more. */
bool discover_valid_bdf(const char *s)
{
	static const char shape[] = "xxxx:xx:xx.f";
	if (!s)
		return false;
	for (size_t i = 0; i < sizeof(shape) - 1; i++)
		if (shape[i] == 'x'   ? lower_hex(s[i]) < 0
		    : shape[i] == 'f' ? s[i] < '0' || s[i] > '7'
				      : s[i] != shape[i])
			return false;
	return s[sizeof(shape) - 1] == '\0' && lower_hex(s[8]) * 16 + lower_hex(s[9]) <= 0x1f;
}

bool discover_valid_uuid(const char *s)
{
	if (!s || strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	}
	return true;
}

static int link_int(int rootfd, const char *path)
{
	char v[32], *end;
	if (rootfs_link_basename(rootfd, path, v, sizeof(v)) < 0)
		return -1;
	long g = strtol(v, &end, 10);
	return *end == '\0' && g >= 0 && g < INT_MAX ? (int)g : -1;
}

/* devdir/name, or name alone for devdir "." (one readlinkat on the
 * directory's fd, where "./name" would open "." again first) */
static const char *at_dir(char *p, size_t size, const char *devdir, const char *name)
{
	if (strcmp(devdir, ".") == 0)
		return name;
	snprintf(p, size, "%s/%s", devdir, name);
	return p;
}

static void read_driver(int rootfd, const char *devdir, char *buf, size_t size)
{
	char p[PATH_MAX];
	if (rootfs_link_basename(rootfd, at_dir(p, sizeof(p), devdir, "driver"), buf, size) < 0)
		buf[0] = '\0';
}

/* devdir is relative to dirfd (the root, or the device's own directory:
 * "."); vfiofd is dev/vfio (or -1: looked up from rootfd). */
static void read_group_at(int rootfd, int dirfd, const char *devdir, int vfiofd, struct sdev *d)
{
	char p[PATH_MAX];
	d->group = link_int(dirfd, at_dir(p, sizeof(p), devdir, "iommu_group"));
	d->group_node = false;
	if (d->group >= 0) {
		if (vfiofd >= 0) {
			snprintf(p, sizeof(p), "%d", d->group);
			d->group_node = rootfs_exists(vfiofd, p) > 0;
		} else {
			snprintf(p, sizeof(p), "dev/vfio/%d", d->group);
			d->group_node = rootfs_exists(rootfd, p) > 0;
		}
	}
}

static void read_group(int rootfd, const char *devdir, struct sdev *d)
{
	read_group_at(rootfd, rootfd, devdir, -1, d);
}

/* iommufd: <dev>/vfio-dev/vfioN names the cdev /dev/vfio/devices/vfioN. */
static void read_vfio_dev(int rootfd, const char *devdir, struct sdev *d)
{
	char p[PATH_MAX];
	d->vfio_dev[0] = '\0';
	DIR *dir = rootfs_opendir(rootfd, at_dir(p, sizeof(p), devdir, "vfio-dev"));
	if (!dir)
		return;
	struct dirent *e;
	while ((e = readdir(dir)))
		if (strncmp(e->d_name, "vfio", 4) == 0 && e->d_name[4] &&
		    strspn(e->d_name + 4, "0123456789") == strlen(e->d_name + 4) &&
		    strlen(e->d_name) < sizeof(d->vfio_dev)) {
			scopy(d->vfio_dev, sizeof(d->vfio_dev), e->d_name);
			break;
		}
	closedir(dir);
}

/* The switch above a function: its sysfs path minus the function and the
 * port it hangs off ("../../devices/pci0000:97/0000:97:01.0/0000:98:00.0").
 * devsfd: sys/bus/pci/devices when the caller has it open (a scan: one
 * readlinkat per function), else -1. */
static void read_locality(int rootfd, int devsfd, const char *bdf, char *buf, size_t size)
{
	char p[64], l[PATH_MAX];
	snprintf(p, sizeof(p), PCI_DEVICES "/%s", bdf);
	buf[0] = '\0';
	if ((devsfd >= 0 ? rootfs_readlink(devsfd, bdf, l, sizeof(l))
			 : rootfs_readlink(rootfd, p, l, sizeof(l))) < 0)
		return;
	for (int k = 0; k < 2; k++) {
		char *s = strrchr(l, '/');
		if (!s)
			return;
		*s = '\0';
	}
	const char *start = strstr(l, "devices/");
	scopy(buf, size, start ? start + 8 : l);
}

static int read_hex(int rootfd, const char *bdf, const char *attr, uint32_t *ret)
{
	char p[96];
	uint64_t v;
	snprintf(p, sizeof(p), PCI_DEVICES "/%s/%s", bdf, attr);
	int r = rootfs_read_u64(rootfd, p, &v);
	if (r >= 0)
		*ret = (uint32_t)v;
	return r;
}

static int read_numa(int rootfd, const char *bdf)
{
	char p[96];
	int n;
	snprintf(p, sizeof(p), PCI_DEVICES "/%s/numa_node", bdf);
	return rootfs_read_int(rootfd, p, &n) < 0 || n < 0 ? -1 : n;
}

/* Names of vendor-VFIO type IDs: the VFs' creatable lists first (what
 * this driver offers), the catalog file only when an ID is not there
 * (once no VF lists a type: capacity used up). */
struct vgpu_names {
	struct vgpu_catalog lists, file;
	bool loaded;
};

static const char *vgpu_names_get(int rootfd, struct vgpu_names *m, unsigned id)
{
	const char *nm = vgpu_catalog_name(&m->lists, id);
	if (!nm && !m->loaded) {
		m->loaded = true;
		vgpu_catalog_load(rootfd, &m->file);
	}
	return nm ? nm : vgpu_catalog_name(&m->file, id);
}

static void vgpu_names_free(struct vgpu_names *m)
{
	vgpu_catalog_free(&m->lists);
	vgpu_catalog_free(&m->file);
}

static int push(struct sdevs *s, size_t *cap, struct sdev **ret)
{
	if (s->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 32;
		struct sdev *nd = realloc(s->d, nc * sizeof(*nd));
		if (!nd)
			return -ENOMEM;
		s->d = nd;
		*cap = nc;
	}
	*ret = &s->d[s->n++];
	memset(*ret, 0, sizeof(**ret));
	return 0;
}

static bool is_vfio_driver(const char *drv)
{
	return strstr(drv, "vfio") != NULL;
}

/* A VFIO-bound function is advertised when it is an NVIDIA display
 * controller or the config names its vendor:device. */
static bool passthrough_wanted(const struct config *cfg, const struct sdev *d)
{
	char key[NAMING_KEY_LEN];
	if (d->vendor == 0x10de && ((d->class >> 8) == 0x0300 || (d->class >> 8) == 0x0302))
		return true;
	return cfg && config_resource_alias(cfg, naming_key(d->vendor, d->device, key));
}

/* A number attribute ("0x10de", "-1") of the device directory devfd in
 * one read(): sysfs hands the whole attribute to the first read (linux
 * fs/sysfs/file.c: sysfs_kf_seq_show has ->show() fill a page that the
 * seq_file read copies out; the prealloc sysfs_kf_read returns
 * min(count, len)), a short read of a regular file is its end, and none
 * of these numbers comes near the buffer: one that fills it is refused
 * rather than read further.  Saves the read that only finds EOF: four
 * syscalls a function on every scan (rootfs_read reads to EOF). */
static int read_num_at(int devfd, const char *attr, long long *ret)
{
	char buf[64], *end;
	int fd = rootfs_openat(devfd, attr, O_RDONLY, 0);
	if (fd < 0)
		return fd;
	ssize_t n;
	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n < 0 && errno == EINTR);
	int e = n < 0 ? -errno : 0;
	close(fd);
	if (e < 0)
		return e;
	if (n == 0 || n == (ssize_t)sizeof(buf) - 1)
		return -EINVAL;
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		n--;
	buf[n] = '\0';
	errno = 0;
	long long v = strtoll(buf, &end, 0);
	if (errno || end == buf || *end)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int read_hex_at(int devfd, const char *attr, uint32_t *ret)
{
	long long v;
	int r = read_num_at(devfd, attr, &v);
	if (r >= 0)
		*ret = (uint32_t)v;
	return r;
}

static const struct sdev *prev_find(const struct sdevs *prev, const char *id)
{
	for (size_t lo = 0, hi = prev ? prev->n : 0; lo < hi;) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(id, prev->d[mid].id);
		if (!c)
			return &prev->d[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* One PCI function: everything relative to its own directory (sysfs
 * lookups through a deep root cost more than the reads), the attributes
 * that never change (ids, class, NUMA node, place in the tree) copied from
 * the previous scan when it knew the device. */
static int scan_one_pci(int rootfd, const char *rootdir, const struct config *cfg, const struct sdevs *prev,
			const struct ers_table *ers, int devsfd, int vfiofd, const char *bdf,
			struct vgpu_names *names, struct sdevs *out, size_t *cap)
{
	char devdir[300], drv[64];
	uint64_t v64;
	snprintf(devdir, sizeof(devdir), PCI_DEVICES "/%s", bdf);
	int devfd = rootfs_openat(rootfd, devdir, O_PATH | O_DIRECTORY, 0);
	if (devfd < 0)
		return 0; /* gone meanwhile */
	read_driver(devfd, ".", drv, sizeof(drv));
	bool vfio = is_vfio_driver(drv), vf_vgpu = false;
	unsigned vid = 0;
	char pf[64] = "";
	if (!vfio && strcmp(drv, "nvidia") == 0 &&
	    rootfs_link_basename(devfd, "physfn", pf, sizeof(pf)) >= 0) {
		char *txt = NULL;
		if (rootfs_read_file(devfd, "nvidia/creatable_vgpu_types", &txt, NULL) >= 0) {
			if (vgpu_catalog_add_creatable(&names->lists, txt) < 0) {
				free(txt);
				close(devfd);
				return -ENOMEM;
			}
			free(txt);
		}
		if (rootfs_read_u64(devfd, "nvidia/current_vgpu_type", &v64) >= 0 && v64 > 0 &&
		    v64 < UINT32_MAX) {
			vf_vgpu = true;
			vid = (unsigned)v64;
		}
	}
	if (!vfio && !vf_vgpu) {
		close(devfd);
		return 0;
	}
	struct sdev *d;
	int r = push(out, cap, &d);
	if (r < 0) {
		close(devfd);
		return r;
	}
	d->kind = vfio ? SDEV_PASSTHROUGH : SDEV_VF_VGPU;
	scopy(d->id, sizeof(d->id), bdf);
	scopy(d->driver, sizeof(d->driver), drv);
	d->vgpu_id = vid;
	const struct sdev *old = prev_find(prev, bdf);
	if (old && old->kind == d->kind) {
		d->vendor = old->vendor;
		d->device = old->device;
		d->class = old->class;
		d->numa = old->numa;
		scopy(d->pciids, sizeof(d->pciids), old->pciids);
		scopy(d->parent, sizeof(d->parent), old->parent);
		scopy(d->locality, sizeof(d->locality), old->locality);
	} else {
		uint32_t v = 0;
		read_hex_at(devfd, "vendor", &v);
		d->vendor = (uint16_t)v;
		v = 0;
		read_hex_at(devfd, "device", &v);
		d->device = (uint16_t)v;
		read_hex_at(devfd, "class", &d->class);
		long long n;
		d->numa = read_num_at(devfd, "numa_node", &n) < 0 || n < 0 || n > INT_MAX ? -1 : (int)n;
		scopy(d->parent, sizeof(d->parent), vf_vgpu && discover_valid_bdf(pf) ? pf : bdf);
		read_locality(rootfd, devsfd, d->parent, d->locality, sizeof(d->locality));
	}
	if (vfio && !passthrough_wanted(cfg, d)) {
		out->n--;
		close(devfd);
		return 0;
	}
	/* pci.ids only for a function nothing else names (never for a
	 * node of known GPUs: the file is not even opened) */
	if (vfio && !d->pciids[0] && resources_wants_pciids(cfg, d))
		pciids_lookup(rootfd, rootdir, d->vendor, d->device, d->pciids, sizeof(d->pciids));
	read_group_at(rootfd, devfd, ".", vfiofd, d);
	read_vfio_dev(devfd, ".", d);
	d->ers = (uint8_t)ers_lookup2(ers, d->id, d->parent); /* before its config is read */
	sick_read_at(devfd, d);
	close(devfd);
	return 0;
}

static int scan_pci(int rootfd, const char *rootdir, const struct config *cfg, const struct sdevs *prev,
		    const struct ers_table *ers, struct sdevs *out, size_t *cap)
{
	DIR *dir = rootfs_opendir(rootfd, PCI_DEVICES);
	struct vgpu_names names = { 0 };
	size_t first = out->n;
	struct dirent *e;
	int r = 0;

	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	int vfiofd = rootfs_openat(rootfd, "dev/vfio", O_PATH | O_DIRECTORY, 0);
	while (r >= 0 && (e = readdir(dir)))
		if (discover_valid_bdf(e->d_name))
			r = scan_one_pci(rootfd, rootdir, cfg, prev, ers, dirfd(dir), vfiofd, e->d_name,
					 &names, out, cap);
	closedir(dir);
	if (vfiofd >= 0)
		close(vfiofd);
	/* a VF hosting a vGPU lists nothing creatable: name it from a sibling's list */
	for (size_t i = first; r >= 0 && i < out->n; i++)
		if (out->d[i].kind == SDEV_VF_VGPU) {
			const char *nm = vgpu_names_get(rootfd, &names, out->d[i].vgpu_id);
			if (nm)
				scopy(out->d[i].vgpu_type, sizeof(out->d[i].vgpu_type), nm);
		}
	vgpu_names_free(&names);
	return r < 0 ? r : 0;
}

static int cmp_id(const void *a, const void *b)
{
	return strcmp(((const struct sdev *)a)->id, ((const struct sdev *)b)->id);
}

int discover_rescan_pci(int rootfd, const char *rootdir, const struct config *cfg, const struct sdevs *prev,
			const struct ers_table *ers, const char *const *bdfs, size_t n, struct sdevs *ret)
{
	struct sdevs out = { 0 };
	struct vgpu_names names = { 0 };
	size_t cap = 0;
	int r = 0;
	for (size_t i = 0; i < prev->n && r >= 0; i++) {
		bool named = false;
		for (size_t k = 0; k < n && !named; k++)
			named = strcmp(prev->d[i].id, bdfs[k]) == 0;
		struct sdev *d;
		if (!named && (r = push(&out, &cap, &d)) >= 0) {
			*d = prev->d[i];
			d->ers = (uint8_t)ers_lookup2(ers, d->id, d->parent);
		}
	}
	size_t first = out.n;
	int vfiofd = rootfs_openat(rootfd, "dev/vfio", O_PATH | O_DIRECTORY, 0);
	int devsfd = rootfs_openat(rootfd, PCI_DEVICES, O_PATH | O_DIRECTORY, 0);
	for (size_t k = 0; k < n && r >= 0; k++) {
		bool dup = false;
		for (size_t j = 0; j < k; j++)
			dup |= strcmp(bdfs[j], bdfs[k]) == 0;
		if (!dup && discover_valid_bdf(bdfs[k]))
			r = scan_one_pci(rootfd, rootdir, cfg, prev, ers, devsfd, vfiofd, bdfs[k], &names,
					 &out, &cap);
	}
	if (vfiofd >= 0)
		close(vfiofd);
	if (devsfd >= 0)
		close(devsfd);
	for (size_t i = first; r >= 0 && i < out.n; i++) {
		struct sdev *d = &out.d[i];
		if (d->kind != SDEV_VF_VGPU)
			continue;
		const struct sdev *old = prev_find(prev, d->id);
		const char *nm = vgpu_names_get(rootfd, &names, d->vgpu_id);
		if (!nm && old && old->kind == SDEV_VF_VGPU && old->vgpu_id == d->vgpu_id)
			nm = old->vgpu_type;
		if (nm)
			scopy(d->vgpu_type, sizeof(d->vgpu_type), nm);
	}
	vgpu_names_free(&names);
	if (r < 0) {
		free(out.d);
		return r;
	}
	if (out.n)
		qsort(out.d, out.n, sizeof(*out.d), cmp_id);
	*ret = out;
	return 0;
}

static int scan_mdev(int rootfd, const struct ers_table *ers, struct sdevs *out, size_t *cap)
{
	DIR *dir = rootfs_opendir(rootfd, "sys/bus/mdev/devices");
	struct dirent *e;
	int r = 0;
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(dir))) {
		char devdir[300], p[400], l[PATH_MAX];
		if (!discover_valid_uuid(e->d_name))
			continue;
		snprintf(devdir, sizeof(devdir), "sys/bus/mdev/devices/%s", e->d_name);
		if (rootfs_readlink(rootfd, devdir, l, sizeof(l)) < 0)
			continue;
		/* ../../../devices/pci0000:16/.../0000:17:00.4/<uuid>: the parent is the component before */
		char *s = strrchr(l, '/');
		if (!s)
			continue;
		*s = '\0';
		s = strrchr(l, '/');
		const char *parent = s ? s + 1 : l;
		if (!discover_valid_bdf(parent))
			continue;
		struct sdev *d;
		if ((r = push(out, cap, &d)) < 0)
			break;
		d->kind = SDEV_MDEV;
		scopy(d->id, sizeof(d->id), e->d_name);
		scopy(d->parent, sizeof(d->parent), parent);
		read_driver(rootfd, devdir, d->driver, sizeof(d->driver));
		snprintf(p, sizeof(p), "%s/mdev_type/name", devdir);
		if (rootfs_read_attr(rootfd, p, d->vgpu_type, sizeof(d->vgpu_type)) < 0)
			d->vgpu_type[0] = '\0';
		uint32_t v = 0;
		read_hex(rootfd, d->parent, "vendor", &v);
		d->vendor = (uint16_t)v;
		v = 0;
		read_hex(rootfd, d->parent, "device", &v);
		d->device = (uint16_t)v;
		d->numa = read_numa(rootfd, d->parent);
		read_group(rootfd, devdir, d);
		read_vfio_dev(rootfd, devdir, d);
		read_locality(rootfd, -1, d->parent, d->locality, sizeof(d->locality));
		d->ers = (uint8_t)ers_lookup2(ers, d->id, d->parent);
		sick_read_parent(rootfd, d);
	}
	closedir(dir);
	return r;
}

int discover_scan(int rootfd, const char *rootdir, const struct config *cfg, const struct sdevs *prev,
		  const struct ers_table *ers, struct sdevs *ret)
{
	struct sdevs out = { 0 };
	size_t cap = 0;
	int r = scan_pci(rootfd, rootdir, cfg, prev, ers, &out, &cap);
	if (r >= 0)
		r = scan_mdev(rootfd, ers, &out, &cap);
	if (r < 0) {
		free(out.d);
		return r;
	}
	if (out.n)
		qsort(out.d, out.n, sizeof(*out.d), cmp_id);
	*ret = out;
	return 0;
}

void sdevs_free(struct sdevs *s)
{
	free(s->d);
	s->d = NULL;
	s->n = 0;
}

int discover_recheck(int rootfd, const struct sdev *seen, bool iommufd, struct sdev *now)
{
	char devdir[96];
	/* ids in the table were validated when discovered; check again anyway:
	 * nothing reaches a path unvalidated */
	if (seen->kind == SDEV_MDEV ? !discover_valid_uuid(seen->id) : !discover_valid_bdf(seen->id))
		return -EINVAL;
	snprintf(devdir, sizeof(devdir), "%s/%s",
		 seen->kind == SDEV_MDEV ? "sys/bus/mdev/devices" : PCI_DEVICES, seen->id);
	/* one lookup of the device's directory, the rest relative to it */
	int devfd = rootfs_openat(rootfd, devdir, O_PATH | O_DIRECTORY, 0);
	if (devfd < 0)
		return devfd == -ENOENT ? -ENODEV : devfd;
	*now = *seen;
	read_driver(devfd, ".", now->driver, sizeof(now->driver));
	read_group_at(rootfd, devfd, ".", -1, now);
	now->vfio_dev[0] = '\0';
	if (iommufd)
		read_vfio_dev(devfd, ".", now);
	now->recovered = false;
	if (seen->kind != SDEV_MDEV)
		sick_read_at(devfd, now);
	else
		sick_read_parent(rootfd, now);
	if (seen->kind == SDEV_VF_VGPU) {
		uint64_t v = 0;
		now->vgpu_id = rootfs_read_u64(devfd, "nvidia/current_vgpu_type", &v) >= 0 && v < UINT32_MAX
				   ? (unsigned)v
				   : 0;
	}
	close(devfd);
	return 0;
}
