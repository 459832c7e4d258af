// SPDX-License-Identifier: GPL-2.0-or-later
#include "rootfs_sock.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int sock_addr(int dirfd, const char *name, struct sockaddr_un *sa, socklen_t *len)
{
	*sa = (struct sockaddr_un){ .sun_family = AF_UNIX };
	int n;
	if (dirfd == AT_FDCWD || name[0] == '/')
		n = snprintf(sa->sun_path, sizeof(sa->sun_path), "%s", name);
	else
		n = snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/%s", dirfd, name);
	if (n < 0 || (size_t)n >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)n + 1);
	return 0;
}

int rootfs_sock_listen(int dirfd, const char *name, mode_t mode)
{
	struct sockaddr_un sa;
	socklen_t len;
	int r = sock_addr(dirfd, name, &sa, &len);
	if (r < 0)
		return r;
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return -EEXIST;
		if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
			return -errno;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, len) < 0 || fchmodat(dirfd, name, mode, 0) < 0 ||
	    listen(fd, 128) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

int rootfs_sock_connect(int dirfd, const char *name)
{
	struct sockaddr_un sa;
	socklen_t len;
	int r = sock_addr(dirfd, name, &sa, &len);
	if (r < 0)
		return r;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, len) < 0 && errno != EINPROGRESS) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}
