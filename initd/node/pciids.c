// SPDX-License-Identifier: GPL-2.0-or-later
#include "pciids.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pci/pci.h>

#include "rootfs.h"

static struct pci_access *ids_pacc;
static char *ids_root; /* the root ids_pacc (or the failed look) is for */

__attribute__((format(printf, 1, 2))) static void quiet_cb(char *msg, ...)
{
	(void)msg;
}

/* 0 with ids_pacc set, or -ENOENT (remembered for this root). */
static int ids_open(int rootfd, const char *rootdir)
{
	char ids[PATH_MAX];
	if (ids_root && strcmp(ids_root, rootdir) == 0)
		return ids_pacc ? 0 : -ENOENT;
	if (ids_pacc)
		pci_cleanup(ids_pacc);
	ids_pacc = NULL;
	free(ids_root);
	ids_root = strdup(rootdir);
	if (!ids_root)
		return -ENOMEM;
	if (rootfs_exists(rootfd, "usr/share/misc/pci.ids") <= 0 ||
	    snprintf(ids, sizeof(ids), "%s/usr/share/misc/pci.ids", rootdir) >= (int)sizeof(ids))
		return -ENOENT;
	ids_pacc = pci_alloc();
	if (!ids_pacc)
		return -ENOMEM;
	ids_pacc->warning = quiet_cb;
	ids_pacc->debug = quiet_cb;
	/* libpci keeps the pointer and frees it in pci_cleanup */
	char *path = strdup(ids);
	if (!path) {
		pci_cleanup(ids_pacc);
		ids_pacc = NULL;
		return -ENOMEM;
	}
	pci_set_name_list_path(ids_pacc, path, 1);
	return 0;
}

int pciids_lookup(int rootfd, const char *rootdir, uint16_t vendor, uint16_t device, char *buf, size_t size)
{
	char nb[128];
	buf[0] = '\0';
	if (!rootdir)
		return -ENOENT;
	int r = ids_open(rootfd, rootdir);
	if (r < 0)
		return r;
	/* libpci reads the whole list on the first lookup */
	const char *nm =
	    pci_lookup_name(ids_pacc, nb, sizeof(nb),
			    PCI_LOOKUP_DEVICE | PCI_LOOKUP_NO_NUMBERS | PCI_LOOKUP_NO_HWDB, vendor, device);
	if (!nm)
		return -ENOENT;
	snprintf(buf, size, "%s", nm);
	return 0;
}
