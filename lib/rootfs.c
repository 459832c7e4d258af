// SPDX-License-Identifier: GPL-2.0-or-later
#include "rootfs.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int rootfs_open(const char *dir)
{
	int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static const char *rel(const char *path)
{
	while (*path == '/')
		path++;
	return *path ? path : ".";
}

int rootfs_openat(int rootfd, const char *path, int flags, mode_t mode)
{
	static int have_openat2 = 1;
	path = rel(path);
	flags |= O_CLOEXEC;
	if (have_openat2) {
		struct open_how how = {
			.flags = (uint64_t)flags,
			.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
			.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
		};
		/* RESOLVE_IN_ROOT fails with EAGAIN when any rename or mount
		 * anywhere on the system raced a ".." walk (openat2(2): the
		 * caller may retry).  Busy hosts see it; retry a while. */
		for (int tries = 0;; tries++) {
			int fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
			if (fd >= 0)
				return fd;
			if (errno == EAGAIN && tries < 1000)
				continue;
			if (errno != ENOSYS)
				return -errno;
			break;
		}
		have_openat2 = 0;
	}
	int fd = openat(rootfd, path, flags, mode);
	return fd < 0 ? -errno : fd;
}

ssize_t rootfs_read(int rootfd, const char *path, char *buf, size_t size)
{
	int fd = rootfs_openat(rootfd, path, O_RDONLY, 0);
	if (fd < 0)
		return fd;
	size_t n = 0;
	while (n + 1 < size) {
		ssize_t r = read(fd, buf + n, size - 1 - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = -errno;
			close(fd);
			return e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	return (ssize_t)n;
}

int rootfs_read_attr(int rootfd, const char *path, char *buf, size_t size)
{
	ssize_t n = rootfs_read(rootfd, path, buf, size);
	if (n < 0)
		return (int)n;
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	return (int)n;
}

int rootfs_read_u64(int rootfd, const char *path, uint64_t *ret)
{
	char buf[64], *end;
	int r = rootfs_read_attr(rootfd, path, buf, sizeof(buf));
	if (r < 0)
		return r;
	errno = 0;
	unsigned long long v = strtoull(buf, &end, 0);
	if (errno || end == buf || *end)
		return -EINVAL;
	*ret = v;
	return 0;
}

int rootfs_read_int(int rootfd, const char *path, int *ret)
{
	char buf[64], *end;
	int r = rootfs_read_attr(rootfd, path, buf, sizeof(buf));
	if (r < 0)
		return r;
	errno = 0;
	long v = strtol(buf, &end, 0);
	if (errno || end == buf || *end || v < -2147483647L - 1 || v > 2147483647L)
		return -EINVAL;
	*ret = (int)v;
	return 0;
}

int read_fd_all(int fd, char **ret, size_t *ret_len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		if (n + 1 >= cap) {
			char *nb = realloc(buf, cap * 2);
			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		ssize_t k = read(fd, buf + n, cap - 1 - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int e = -errno;
			free(buf);
			return e;
		}
		if (k == 0) {
			buf[n] = '\0';
			*ret = buf;
			if (ret_len)
				*ret_len = n;
			return 0;
		}
		n += (size_t)k;
	}
	free(buf);
	return -ENOMEM;
}

int rootfs_read_file(int rootfd, const char *path, char **ret, size_t *ret_len)
{
	int fd = rootfs_openat(rootfd, path, O_RDONLY, 0);
	if (fd < 0)
		return fd;
	int r = read_fd_all(fd, ret, ret_len);
	close(fd);
	return r;
}

int rootfs_write(int rootfd, const char *path, const char *s)
{
	int fd = rootfs_openat(rootfd, path, O_WRONLY, 0);
	if (fd < 0)
		return fd;
	size_t len = strlen(s);
	ssize_t w;
	do
		w = write(fd, s, len);
	while (w < 0 && errno == EINTR);
	int r = w < 0 ? -errno : (size_t)w == len ? 0 : -EIO;
	if (close(fd) < 0 && r == 0 && errno != EINTR)
		r = -errno;
	return r;
}

int rootfs_readlink(int rootfd, const char *path, char *buf, size_t size)
{
	/* Resolve the parent inside the root, then read the link itself. */
	const char *p = rel(path);
	const char *slash = strrchr(p, '/');
	int dfd = rootfd, r;
	if (slash) {
		char parent[4096];
		size_t plen = (size_t)(slash - p);
		if (plen >= sizeof(parent))
			return -ENAMETOOLONG;
		memcpy(parent, p, plen);
		parent[plen] = '\0';
		dfd = rootfs_openat(rootfd, parent, O_PATH | O_DIRECTORY, 0);
		if (dfd < 0)
			return dfd;
		p = slash + 1;
	}
	ssize_t n = readlinkat(dfd, p, buf, size - 1);
	r = n < 0 ? -errno : (int)n;
	if (n >= 0)
		buf[n] = '\0';
	if (dfd != rootfd)
		close(dfd);
	return r;
}

int rootfs_link_basename(int rootfd, const char *path, char *buf, size_t size)
{
	char target[4096];
	int r = rootfs_readlink(rootfd, path, target, sizeof(target));
	if (r < 0)
		return r;
	const char *b = strrchr(target, '/');
	b = b ? b + 1 : target;
	size_t n = strlen(b);
	if (n + 1 > size)
		return -ENAMETOOLONG;
	memcpy(buf, b, n + 1);
	return (int)n;
}

int rootfs_exists(int rootfd, const char *path)
{
	int fd = rootfs_openat(rootfd, path, O_PATH, 0);
	if (fd >= 0) {
		close(fd);
		return 1;
	}
	return fd == -ENOENT || fd == -ENOTDIR ? 0 : fd;
}

DIR *rootfs_opendir(int rootfd, const char *path)
{
	int fd = rootfs_openat(rootfd, path, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	DIR *d = fdopendir(fd);
	if (!d) {
		int e = errno;
		close(fd);
		errno = e;
	}
	return d;
}
