/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A few file descriptors held in reserve (eventfds: no file is opened) so that work which
 * must finish — serve's sysfs re-check before it answers Allocate, its
 * rescans — finds descriptors free even when connections have taken the
 * rest of RLIMIT_NOFILE.  Release before the work, take back after; the
 * loop is single-threaded, so nothing else takes them in between (the
 * "reserve fd" of libev/libuv, for EMFILE). */
#pragma once

#define FDRESERVE_N 8 /* a re-check opens 2 at once, a rescan 4 */

struct fdreserve {
	int fd[FDRESERVE_N];
};

/* Opens the reserve (those that can be opened; -1 for the others). */
void fdreserve_init(struct fdreserve *r);
/* Closes the reserve: its descriptors are free for the work that follows. */
void fdreserve_release(struct fdreserve *r);
/* Opens again what is missing (after the work).  Returns how many are held. */
int fdreserve_take(struct fdreserve *r);
