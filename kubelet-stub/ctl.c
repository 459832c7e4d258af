// SPDX-License-Identifier: GPL-2.0-or-later
/* The client side of the control socket: one request, one answer. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "kstub.h"
#include "rootfs.h"
#include "rootfs_sock.h"

#define CTL_TIMEOUT_S 30 /* an Allocate is bounded by serve's own deadlines */

int kstub_ctl_call(int rootfd, const char *request, char **ret)
{
	int dir = rootfs_openat(rootfd, KSTUB_RUN_DIR, O_RDONLY | O_DIRECTORY, 0);
	if (dir < 0)
		return dir == -ENOENT ? -ECONNREFUSED : dir;
	int fd = rootfs_sock_connect(dir, KSTUB_CONTROL_SOCKET);
	close(dir);
	if (fd < 0)
		return fd == -ENOENT ? -ECONNREFUSED : fd;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	struct timeval tv = { .tv_sec = CTL_TIMEOUT_S };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	size_t len = strlen(request), off = 0;
	int r = 0;
	while (off < len) {
		ssize_t n = send(fd, request + off, len - off, MSG_NOSIGNAL);
		if (n < 0) {
			r = -errno;
			break;
		}
		off += (size_t)n;
	}
	if (r == 0)
		shutdown(fd, SHUT_WR);
	char *doc = NULL;
	size_t dlen;
	if (r == 0)
		r = read_fd_all(fd, &doc, &dlen);
	close(fd);
	if (r < 0)
		return r == -EAGAIN ? -ETIMEDOUT : r;
	if (dlen == 0) {
		free(doc);
		return -ECONNRESET;
	}
	*ret = doc;
	return 0;
}
