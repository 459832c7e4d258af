/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unix stream sockets named by (directory fd, file name), so a socket under
 * a deep --root works although sun_path holds only 108 bytes: the address
 * used is "/proc/self/fd/<dirfd>/<name>" (the kernel resolves the directory
 * through our own fd).  dirfd may be AT_FDCWD for a plain relative name.
 * All fds are non-blocking and O_CLOEXEC. */
#pragma once
#include <sys/types.h>

/* Removes a stale socket at name (only a socket), binds a new one with the
 * given mode (e.g. 0600, set before listen() so nobody connects earlier)
 * and listens.  Returns the listening fd or -errno (-ENAMETOOLONG if even
 * the short form does not fit). */
int rootfs_sock_listen(int dirfd, const char *name, mode_t mode);
/* Starts a non-blocking connect; returns the fd (connected: unix sockets
 * connect at once) or -errno (-ENOENT/-ECONNREFUSED: nobody listens,
 * -EAGAIN: the listener's backlog is full). */
int rootfs_sock_connect(int dirfd, const char *name);
