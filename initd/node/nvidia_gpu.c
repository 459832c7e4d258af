// SPDX-License-Identifier: GPL-2.0-or-later
/* nvidia's own view of a GPU under the root: who has it open, and its
 * unbind lock (proc/driver/nvidia/gpus/<bdf>/). */
#include "nvidia_gpu.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "rootfs.h"

int nvidia_gpu_user(int rootfd, const char *bdf)
{
	char p[128], *info = NULL, want[32];
	snprintf(p, sizeof(p), "proc/driver/nvidia/gpus/%s/information", bdf);
	int r = rootfs_read_file(rootfd, p, &info, NULL);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	const char *m = strstr(info, "Device Minor:");
	int minor = m ? atoi(m + 13) : -1;
	free(info);
	if (minor < 0)
		return 0;
	/* the link text procfs shows for the device node, not a path we open */
	snprintf(want, sizeof(want), "/dev/nvidia%d", minor);
	DIR *d = rootfs_opendir(rootfd, "proc");
	if (!d)
		return -errno;
	struct dirent *e;
	int pid = 0;
	while (!pid && (e = readdir(d))) {
		char *end;
		long v = strtol(e->d_name, &end, 10);
		if (*end || v <= 0)
			continue;
		snprintf(p, sizeof(p), "proc/%ld/fd", v);
		DIR *fdd = rootfs_opendir(rootfd, p);
		if (!fdd)
			continue;
		struct dirent *f;
		while ((f = readdir(fdd))) {
			char lp[300], target[128];
			if (f->d_name[0] == '.')
				continue;
			snprintf(lp, sizeof(lp), "proc/%ld/fd/%s", v, f->d_name);
			if (rootfs_readlink(rootfd, lp, target, sizeof(target)) >= 0 &&
			    strcmp(target, want) == 0) {
				pid = (int)v;
				break;
			}
		}
		closedir(fdd);
	}
	closedir(d);
	return pid;
}

int nvidia_take_unbind_lock(int rootfd, const char *bdf, int *writes)
{
	char p[128], v[16];
	snprintf(p, sizeof(p), "proc/driver/nvidia/gpus/%s/unbindLock", bdf);
	int r = rootfs_exists(rootfd, p);
	if (r <= 0)
		return r;
	r = rootfs_write(rootfd, p, "1");
	(*writes)++;
	if (r < 0)
		return r == -EBUSY ? -EBUSY : r;
	r = rootfs_read_attr(rootfd, p, v, sizeof(v));
	if (r < 0)
		return r;
	return strcmp(v, "1") == 0 ? 0 : -EBUSY;
}

void nvidia_release_unbind_lock(int rootfd, const char *bdf, int *writes)
{
	char p[128];
	snprintf(p, sizeof(p), "proc/driver/nvidia/gpus/%s/unbindLock", bdf);
	if (rootfs_exists(rootfd, p) <= 0)
		return; /* not on nvidia any more: the lock went with the GPU's state */
	(*writes)++;
	int r = rootfs_write(rootfd, p, "0");
	if (r < 0)
		log_error_errno(
		    r, "%s: giving back nvidia's unbind lock: %m (the GPU cannot be opened until it is)",
		    bdf);
}

int nvidia_unbind_lock_held(int rootfd, const char *bdf)
{
	char p[128], v[16];
	snprintf(p, sizeof(p), "proc/driver/nvidia/gpus/%s/unbindLock", bdf);
	return rootfs_read_attr(rootfd, p, v, sizeof(v)) >= 0 && strcmp(v, "1") == 0;
}
