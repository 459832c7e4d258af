/* SPDX-License-Identifier: GPL-2.0-or-later */
/* File access under a root directory fd.  Every path the programs touch is
 * relative to --root and goes through these functions; absolute symlinks
 * and ".." met on the way resolve inside the root too (openat2
 * RESOLVE_IN_ROOT).  rootfd may also be a directory fd inside the root
 * (a device's sysfs directory, the plugin dir): paths then stay inside
 * that directory.  gpu-initd, kubelet-stub and lib/ make no file system
 * call of their own outside lib/rootfs*.c (`make layer-check`, which
 * names the few libraries that open files by themselves). */
#pragma once
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
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
/* Reads up to size raw bytes (no NUL added: config space, binary
 * attributes); returns how many were read (fewer at end of file) or -errno. */
ssize_t rootfs_read_bytes(int rootfd, const char *path, void *buf, size_t size);
/* Reads a whole file into a new NUL-terminated buffer. */
int rootfs_read_file(int rootfd, const char *path, char **ret, size_t *ret_len);
/* The same from an open fd (which it does not close). */
int read_fd_all(int fd, char **ret, size_t *ret_len);
/* A file named on the command line, relative to the working directory and
 * not under the root (--config FILE): read whole as rootfs_read_file does. */
int rootfs_read_host_file(const char *path, char **ret, size_t *ret_len);
/* One write(2) of the string, as `echo -n` would; 0 or -errno. */
int rootfs_write(int rootfd, const char *path, const char *s);
/* Replaces path's content atomically: writes ".NAME.PID" next to it, fsyncs,
 * renames it over path (readers see the old file or the new one, never a
 * part; a symlink at path is replaced, not followed).  On failure the
 * temporary file is removed and path is untouched.  0 or -errno. */
int rootfs_write_atomic(int rootfd, const char *path, const void *data, size_t len, mode_t mode);
/* The same with the content written by fill to a stdio stream (fill
 * returns <0 to abandon the write; that value is returned). */
typedef int (*rootfs_fill_fn)(FILE *f, void *data);
int rootfs_write_atomic_fn(int rootfd, const char *path, mode_t mode, rootfs_fill_fn fill, void *data);
/* Creates path as an empty file (truncates it if it exists; a symlink at
 * path is refused: -ELOOP).  0 or -errno. */
int rootfs_create(int rootfd, const char *path, mode_t mode);
/* mkdir -p under the root: 0 when path is (now) a directory, or -errno. */
int rootfs_mkdir_p(int rootfd, const char *path, mode_t mode);
/* unlink(2) under the root (not a directory): 0 or -errno (-ENOENT). */
int rootfs_unlink(int rootfd, const char *path);
/* stat(2) under the root; flags 0 or AT_SYMLINK_NOFOLLOW.  0 or -errno. */
int rootfs_stat(int rootfd, const char *path, struct stat *st, int flags);
/* inotify_add_watch(2) on a directory held open (the watch follows the
 * directory, not a path).  The watch descriptor or -errno. */
int rootfs_inotify_watch(int inotify_fd, int dirfd, uint32_t mask);
int rootfs_readlink(int rootfd, const char *path, char *buf, size_t size);
/* The last component of a symlink's target ("vfio-pci" for driver links). */
int rootfs_link_basename(int rootfd, const char *path, char *buf, size_t size);
/* 1 if path exists (following links), 0 if not, -errno on other errors. */
int rootfs_exists(int rootfd, const char *path);
DIR *rootfs_opendir(int rootfd, const char *path);
