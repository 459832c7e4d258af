// SPDX-License-Identifier: GPL-2.0-or-later
#include "held.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fabric_node.h"
#include "node/pcidev.h"
#include "rootfs.h"

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

int fabric_nodes_held(int rootfd, const char *const *nodes, size_t n, bool *held)
{
	for (size_t i = 0; i < n; i++)
		held[i] = false;
	DIR *d = rootfs_opendir(rootfd, "proc");
	if (!d)
		return -errno;
	struct dirent *e;
	while ((e = readdir(d))) {
		char *end, p[96];
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 0)
			continue;
		snprintf(p, sizeof(p), "proc/%ld/fd", pid);
		DIR *fdd = rootfs_opendir(rootfd, p);
		if (!fdd)
			continue; /* gone, or not ours to read */
		struct dirent *f;
		while ((f = readdir(fdd))) {
			char lp[300], target[512];
			if (f->d_name[0] == '.')
				continue;
			snprintf(lp, sizeof(lp), "proc/%ld/fd/%s", pid, f->d_name);
			if (rootfs_readlink(rootfd, lp, target, sizeof(target)) < 0 ||
			    !strstr(target, "/dev/vfio/"))
				continue;
			for (size_t i = 0; i < n; i++)
				if (!held[i] && ends_with(target, nodes[i]))
					held[i] = true;
		}
		closedir(fdd);
	}
	closedir(d);
	return 0;
}

unsigned fabric_switches_present(int rootfd)
{
	DIR *d = rootfs_opendir(rootfd, PCI_DEVICES);
	if (!d)
		return 0;
	unsigned n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		char v[16], dv[16];
		if (e->d_name[0] == '.')
			continue;
		if (pcidev_read(rootfd, e->d_name, "vendor", v, sizeof(v)) < 0 || strcmp(v, "0x10de") != 0 ||
		    pcidev_read(rootfd, e->d_name, "device", dv, sizeof(dv)) < 0)
			continue;
		n += fabric_is_switch(0x10de, (unsigned)strtoul(dv, NULL, 16));
	}
	closedir(d);
	return n;
}
