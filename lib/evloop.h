/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A tiny single-threaded epoll event loop in the spirit of redis' ae.c:
 * file events and one-shot timers, nothing more.  Callers register any fd
 * (sockets, inotify, udev monitor, signalfd) with a callback; the gRPC
 * server and client use the same loop, so one process can serve and call at
 * once.  Callbacks may add or remove any fd or timer, including their own. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

struct evloop;

enum {
	EV_READ = 1 << 0,  /* EPOLLIN (and peer hang-up: read to see it) */
	EV_WRITE = 1 << 1, /* EPOLLOUT */
	EV_ERROR = 1 << 2, /* reported only: EPOLLERR/EPOLLHUP */
};

/* Called with the EV_* bits that fired. */
typedef void (*evloop_fd_cb)(struct evloop *loop, int fd, unsigned events, void *data);
/* Timers are one-shot; re-arm from the callback if needed. */
typedef void (*evloop_timer_cb)(struct evloop *loop, void *data);

/* 0 or -errno; *ret set on success. */
int evloop_new(struct evloop **ret);
/* Frees the loop; registered fds are not closed (their owners close them). */
void evloop_free(struct evloop *loop);

/* Watch fd for events (EV_READ|EV_WRITE).  One registration per fd.
 * 0, -EEXIST, -ENOMEM or epoll's -errno. */
int evloop_add_fd(struct evloop *loop, int fd, unsigned events, evloop_fd_cb cb, void *data);
/* Change the watched events of a registered fd. */
int evloop_mod_fd(struct evloop *loop, int fd, unsigned events);
/* Stop watching fd (call before closing it).  Safe from any callback: a
 * pending event for the fd in the current batch is dropped. */
void evloop_del_fd(struct evloop *loop, int fd);

/* Run cb once, after ms milliseconds (0: on the next loop iteration).
 * Returns a timer id (> 0) or -ENOMEM. */
int64_t evloop_add_timer(struct evloop *loop, uint64_t ms, evloop_timer_cb cb, void *data);
/* Cancel a pending timer; unknown or already fired ids are ignored. */
void evloop_del_timer(struct evloop *loop, int64_t id);

/* Monotonic clock in milliseconds, as the loop sees it. */
uint64_t evloop_now_ms(void);

/* Dispatch events until evloop_stop(); returns 0, or -errno if epoll_wait
 * fails for a reason other than EINTR. */
int evloop_run(struct evloop *loop);
/* One iteration: wait at most timeout_ms (-1: until a timer or an event),
 * dispatch.  Returns the number of callbacks run or -errno. */
int evloop_run_once(struct evloop *loop, int timeout_ms);
/* Make evloop_run() return after the current iteration. */
void evloop_stop(struct evloop *loop);
