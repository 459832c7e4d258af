/* SPDX-License-Identifier: GPL-2.0-or-later */
/* File access under a root directory fd.  Every path the programs touch is
 * relative to --root and goes through these functions; absolute symlinks
 * met on the way resolve inside the root too (openat2 RESOLVE_IN_ROOT). */
#pragma once
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Opens DIR as a root; returns an O_PATH directory fd or -errno. */
int rootfs_open(const char *dir);
/* openat() under the root; leading '/' in path are ignored.  O_CLOEXEC is
 * always added.  Returns an fd or -errno. */
int rootfs_openat(int rootfd, const char *path, int flags, mode_t mode);
/* Reads up to size-1 bytes, NUL-terminates, returns the length or -errno. */
ssize_t rootfs_read(int rootfd, const char *path, char *buf, size_t size);
/* rootfs_read() then strips trailing whitespace (sysfs attributes). */
int rootfs_read_attr(int rootfd, const char *path, char *buf, size_t size);
/* Reads a number in any base strtoull accepts ("0x10de", "-1" for int). */
int rootfs_read_u64(int rootfd, const char *path, uint64_t *ret);
int rootfs_read_int(int rootfd, const char *path, int *ret);
/* Reads a whole file into a new NUL-terminated buffer. */
int rootfs_read_file(int rootfd, const char *path, char **ret, size_t *ret_len);
/* The same from an open fd (which it does not close). */
int read_fd_all(int fd, char **ret, size_t *ret_len);
/* One write(2) of the string, as `echo -n` would; 0 or -errno. */
int rootfs_write(int rootfd, const char *path, const char *s);
int rootfs_readlink(int rootfd, const char *path, char *buf, size_t size);
/* The last component of a symlink's target ("vfio-pci" for driver links). */
int rootfs_link_basename(int rootfd, const char *path, char *buf, size_t size);
/* 1 if path exists (following links), 0 if not, -errno on other errors. */
int rootfs_exists(int rootfd, const char *path);
DIR *rootfs_opendir(int rootfd, const char *path);
