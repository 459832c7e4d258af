// SPDX-License-Identifier: GPL-2.0-or-later
#include "rootfs.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
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
		/* RESOLVE_IN_ROOT fails with EAGAIN when a rename or mount
		 * anywhere raced with a ".." step of the walk (openat2(2): the
		 * caller retries); bounded, as a steady stream of renames on a
		 * busy host could otherwise keep us here */
		int fd, tries = 0;
		do
			fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
		while (fd < 0 && errno == EAGAIN && ++tries < 1000);
		if (fd >= 0)
			return fd;
		if (errno != ENOSYS)
			return -errno;
		have_openat2 = 0;
	}
	int fd = openat(rootfd, path, flags, mode);
	return fd < 0 ? -errno : fd;
}

/* Up to size bytes of path, read until end of file. */
ssize_t rootfs_read_bytes(int rootfd, const char *path, void *buf, size_t size)
{
	int fd = rootfs_openat(rootfd, path, O_RDONLY, 0);
	if (fd < 0)
		return fd;
	size_t got = 0;
	while (got < size) {
		ssize_t n = read(fd, (char *)buf + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = -errno;
			close(fd);
			return e;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	return (ssize_t)got;
}

ssize_t rootfs_read(int rootfd, const char *path, char *buf, size_t size)
{
	if (size == 0)
		return -EINVAL;
	ssize_t n = rootfs_read_bytes(rootfd, path, buf, size - 1);
	if (n >= 0)
		buf[n] = '\0';
	return n;
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

int rootfs_read_host_file(const char *path, char **ret, size_t *ret_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
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

/* The directory holding path's last component, resolved inside the root
 * (rootfd itself when path has one component), and that component.  The
 * caller closes *ret_dfd when it differs from rootfd. */
static int open_parent(int rootfd, const char *path, int *ret_dfd, const char **ret_name)
{
	const char *p = rel(path);
	const char *slash = strrchr(p, '/');
	*ret_dfd = rootfd;
	*ret_name = p;
	if (!slash)
		return 0;
	char parent[PATH_MAX];
	size_t plen = (size_t)(slash - p);
	if (plen >= sizeof(parent))
		return -ENAMETOOLONG;
	memcpy(parent, p, plen);
	parent[plen] = '\0';
	int dfd = rootfs_openat(rootfd, parent, O_PATH | O_DIRECTORY, 0);
	if (dfd < 0)
		return dfd;
	*ret_dfd = dfd;
	*ret_name = slash + 1;
	return 0;
}

static void close_parent(int rootfd, int dfd)
{
	if (dfd != rootfd)
		close(dfd);
}

/* A last component that names an entry of its own (not "", "." or ".."). */
static bool entry_name(const char *name)
{
	return name[0] && strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

int rootfs_readlink(int rootfd, const char *path, char *buf, size_t size)
{
	/* Resolve the parent inside the root, then read the link itself. */
	const char *name;
	int dfd, r = open_parent(rootfd, path, &dfd, &name);
	if (r < 0)
		return r;
	ssize_t n = readlinkat(dfd, name, buf, size - 1);
	r = n < 0 ? -errno : (int)n;
	if (n >= 0)
		buf[n] = '\0';
	close_parent(rootfd, dfd);
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

/* The temporary file of an atomic write: ".NAME.PID" in dfd. */
static int open_tmp(int dfd, const char *name, mode_t mode, char *tmp, size_t size)
{
	if (!entry_name(name))
		return -EINVAL;
	if ((size_t)snprintf(tmp, size, ".%s.%d", name, (int)getpid()) >= size)
		return -ENAMETOOLONG;
	int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
	return fd < 0 ? -errno : fd;
}

/* After the content is written and fd closed (r: the outcome so far): the
 * rename that publishes it, or the removal of the temporary file. */
static int commit_tmp(int dfd, const char *tmp, const char *name, int r)
{
	if (r >= 0 && renameat(dfd, tmp, dfd, name) < 0)
		r = -errno;
	if (r < 0)
		unlinkat(dfd, tmp, 0);
	return r < 0 ? r : 0;
}

int rootfs_write_atomic_fn(int rootfd, const char *path, mode_t mode, rootfs_fill_fn fill, void *data)
{
	char tmp[NAME_MAX + 1];
	const char *name;
	int dfd, r = open_parent(rootfd, path, &dfd, &name);
	if (r < 0)
		return r;
	int fd = open_tmp(dfd, name, mode, tmp, sizeof(tmp));
	if (fd < 0) {
		close_parent(rootfd, dfd);
		return fd;
	}
	FILE *f = fdopen(fd, "w");
	if (!f) {
		r = -errno;
		close(fd);
	} else {
		r = fill(f, data);
		if (r >= 0 && (fflush(f) != 0 || fsync(fileno(f)) < 0))
			r = -errno;
		if (r >= 0 && ferror(f))
			r = -EIO;
		if (fclose(f) != 0 && r >= 0)
			r = -errno;
	}
	r = commit_tmp(dfd, tmp, name, r);
	close_parent(rootfd, dfd);
	return r;
}

struct bytes {
	const void *data;
	size_t len;
};

static int fill_bytes(FILE *f, void *p)
{
	const struct bytes *b = p;
	errno = 0;
	return b->len == 0 || fwrite(b->data, 1, b->len, f) == b->len ? 0 : errno ? -errno : -EIO;
}

int rootfs_write_atomic(int rootfd, const char *path, const void *data, size_t len, mode_t mode)
{
	struct bytes b = { data, len };
	return rootfs_write_atomic_fn(rootfd, path, mode, fill_bytes, &b);
}

int rootfs_create(int rootfd, const char *path, mode_t mode)
{
	int fd = rootfs_openat(rootfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, mode);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

/* mkdir(2) of path's last component in its parent under the root. */
static int mkdir_one(int rootfd, const char *path, mode_t mode)
{
	const char *name;
	int dfd, r = open_parent(rootfd, path, &dfd, &name);
	if (r < 0)
		return r;
	r = mkdirat(dfd, name, mode) < 0 ? -errno : 0;
	close_parent(rootfd, dfd);
	return r;
}

int rootfs_mkdir_p(int rootfd, const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	const char *p = rel(path);
	size_t n = strlen(p);
	if (n >= sizeof(buf))
		return -ENAMETOOLONG;
	/* mostly it is there already: one lookup */
	int fd = rootfs_openat(rootfd, p, O_PATH | O_DIRECTORY, 0);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (fd != -ENOENT)
		return fd;
	memcpy(buf, p, n + 1);
	for (char *s = buf;; s++) {
		if (*s && *s != '/')
			continue;
		char c = *s;
		*s = '\0';
		if (s > buf && s[-1] != '/') {
			int r = mkdir_one(rootfd, buf, mode);
			if (r < 0 && r != -EEXIST)
				return r;
		}
		if (!c)
			break;
		*s = c;
	}
	/* EEXIST may have been a file, or a symlink to one */
	fd = rootfs_openat(rootfd, p, O_PATH | O_DIRECTORY, 0);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

int rootfs_unlink(int rootfd, const char *path)
{
	const char *name;
	int dfd, r = open_parent(rootfd, path, &dfd, &name);
	if (r < 0)
		return r;
	r = !entry_name(name) ? -EINVAL : unlinkat(dfd, name, 0) < 0 ? -errno : 0;
	close_parent(rootfd, dfd);
	return r;
}

int rootfs_stat(int rootfd, const char *path, struct stat *st, int flags)
{
	const char *p = rel(path);
	/* one component not followed: nothing to resolve */
	if ((flags & AT_SYMLINK_NOFOLLOW) && !strchr(p, '/') && entry_name(p))
		return fstatat(rootfd, p, st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
	int fd = rootfs_openat(rootfd, p, O_PATH | ((flags & AT_SYMLINK_NOFOLLOW) ? O_NOFOLLOW : 0), 0);
	if (fd < 0)
		return fd;
	int r = fstat(fd, st) < 0 ? -errno : 0;
	close(fd);
	return r;
}

int rootfs_inotify_watch(int inotify_fd, int dirfd, uint32_t mask)
{
	/* the kernel resolves our own fd: the directory we hold, wherever it is */
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", dirfd);
	int wd = inotify_add_watch(inotify_fd, path, mask);
	return wd < 0 ? -errno : wd;
}
