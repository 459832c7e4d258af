// SPDX-License-Identifier: GPL-2.0-or-later
#include "fdreserve.h"

#include <sys/eventfd.h>
#include <unistd.h>

void fdreserve_init(struct fdreserve *r)
{
	for (int i = 0; i < FDRESERVE_N; i++)
		r->fd[i] = -1;
	fdreserve_take(r);
}

void fdreserve_release(struct fdreserve *r)
{
	for (int i = 0; i < FDRESERVE_N; i++)
		if (r->fd[i] >= 0) {
			close(r->fd[i]);
			r->fd[i] = -1;
		}
}

int fdreserve_take(struct fdreserve *r)
{
	int n = 0;
	for (int i = 0; i < FDRESERVE_N; i++) {
		if (r->fd[i] < 0)
			r->fd[i] =
			    eventfd(0, EFD_CLOEXEC); /* a descriptor, no path: nothing outside the root */
		n += r->fd[i] >= 0;
	}
	return n;
}
