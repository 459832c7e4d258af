// SPDX-License-Identifier: GPL-2.0-or-later
#include "ers_store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "discover.h"
#include "node/pcidev.h"
#include "rootfs.h"

uint64_t ers_instance(int rootfd, const char *bdf)
{
	char p[96];
	struct stat st;
	if (!discover_valid_bdf(bdf))
		return 0;
	snprintf(p, sizeof(p), PCI_DEVICES "/%s", bdf);
	/* the link's target: the device's own directory (the link in
	 * bus/pci/devices is re-made with it, but the directory is what
	 * holds the pci_dev's attributes) */
	if (rootfs_stat(rootfd, p, &st, 0) < 0 || !S_ISDIR(st.st_mode))
		return 0;
	return (uint64_t)st.st_ino;
}

static uint64_t instance_at(const char *bdf, void *data)
{
	return ers_instance(*(const int *)data, bdf);
}

size_t ers_store_prune(int rootfd, struct ers_table *t, bool adopt, size_t *adopted)
{
	size_t n = 0;
	for (size_t i = 0; adopt && i < t->n; i++)
		if (!t->v[i].inst && (t->v[i].inst = ers_instance(rootfd, t->v[i].bdf)))
			n++;
	if (adopted)
		*adopted = n;
	return ers_prune(t, instance_at, &rootfd);
}

int ers_load(int rootfd, struct ers_table *t, size_t *dropped)
{
	char *text = NULL;
	t->n = 0;
	*dropped = 0;
	int r = rootfs_read_file(rootfd, ERS_FILE, &text, NULL);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	r = ers_parse(text, t, NULL);
	free(text);
	if (r < 0) {
		t->n = 0;
		return -EINVAL;
	}
	/* an instance unknown when it was recorded cannot be checked now */
	*dropped = ers_store_prune(rootfd, t, false, NULL);
	return 0;
}

static int fill(FILE *f, void *data)
{
	return ers_format(data, f);
}

int ers_save(int rootfd, const struct ers_table *t)
{
	if (!t->n) {
		int r = rootfs_unlink(rootfd, ERS_FILE);
		return r == -ENOENT ? 0 : r;
	}
	int r = rootfs_mkdir_p(rootfd, "run/gpu-initd", 0755);
	return r < 0 ? r : rootfs_write_atomic_fn(rootfd, ERS_FILE, 0644, fill, (void *)t);
}
