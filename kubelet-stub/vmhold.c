// SPDX-License-Identifier: GPL-2.0-or-later
/* `launch-vm --hold`: what a running VM does with its GPUs -- QEMU opens
 * the VFIO group node of each assigned device (/dev/vfio/<group>, or with
 * iommufd the device's /dev/vfio/devices/vfioN) and keeps it open until the
 * VM stops (QEMU hw/vfio: vfio_get_group() opens "/dev/vfio/%d").  The
 * allocation's DeviceSpecs name these nodes; they are opened under --root
 * and held until SIGTERM/SIGINT, so a test can start and stop VMs. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "kstub.h"
#include "log.h"
#include "rootfs.h"

int kstub_vm_hold(int rootfd, const char *alloc_json, size_t len, const char *ready_msg)
{
	struct json_doc d;
	if (json_parse(&d, alloc_json, len) < 0)
		return -EINVAL;
	int resp = json_obj_get(&d, 0, "response");
	int devs = resp >= 0 ? json_obj_get(&d, resp, "devices") : -1;
	int fds[256], nfd = 0, r = 0;
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	json_for_each (&d, devs, c, n) {
		char path[300];
		int hp = json_obj_get(&d, c, "host_path");
		if (hp < 0 || json_str(&d, hp, path, sizeof(path)) < 0 ||
		    strncmp(path, "/dev/vfio/", 10) != 0 || strcmp(path, "/dev/vfio/vfio") == 0 || nfd == 256)
			continue;
		int fd = rootfs_openat(rootfd, path + 1, O_RDWR, 0);
		if (fd < 0) {
			r = log_error_errno(fd, "launch-vm --hold: cannot open %s: %m", path);
			goto out;
		}
		fds[nfd++] = fd;
	}
	printf("%s\n", ready_msg);
	fflush(stdout);
	int sig;
	sigwait(&mask, &sig);
out:
	for (int i = 0; i < nfd; i++)
		close(fds[i]);
	json_free(&d);
	return r;
}
