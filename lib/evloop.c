// SPDX-License-Identifier: GPL-2.0-or-later
/* Event loop: epoll for fds, a sorted list for timers (few timers are
 * expected: deadlines, back-off, a rescan period). */
#include "evloop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

struct evloop_fd {
	evloop_fd_cb cb;
	void *data;
	unsigned events;
	uint32_t gen; /* told apart from a closed fd's stale events */
	bool used;
};

struct evloop_timer {
	struct evloop_timer *next;
	int64_t id;
	uint64_t when;
	evloop_timer_cb cb;
	void *data;
};

struct evloop {
	int epfd;
	struct evloop_fd *fds; /* indexed by fd */
	int nfds;
	struct evloop_timer *timers; /* sorted by when, then id */
	int64_t next_timer_id;
	bool stop;
};

uint64_t evloop_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int evloop_new(struct evloop **ret)
{
	struct evloop *l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int r = -errno;
		free(l);
		return r;
	}
	*ret = l;
	return 0;
}

void evloop_free(struct evloop *loop)
{
	if (!loop)
		return;
	while (loop->timers) {
		struct evloop_timer *t = loop->timers;
		loop->timers = t->next;
		free(t);
	}
	close(loop->epfd);
	free(loop->fds);
	free(loop);
}

static uint32_t to_epoll(unsigned events)
{
	return (events & EV_READ ? EPOLLIN | EPOLLRDHUP : 0) | (events & EV_WRITE ? EPOLLOUT : 0);
}

int evloop_add_fd(struct evloop *loop, int fd, unsigned events, evloop_fd_cb cb, void *data)
{
	if (fd < 0)
		return -EBADF;
	if (fd >= loop->nfds) {
		int n = loop->nfds ? loop->nfds : 64;
		while (n <= fd)
			n *= 2;
		struct evloop_fd *f = realloc(loop->fds, (size_t)n * sizeof(*f));
		if (!f)
			return -ENOMEM;
		memset(f + loop->nfds, 0, (size_t)(n - loop->nfds) * sizeof(*f));
		loop->fds = f;
		loop->nfds = n;
	}
	if (loop->fds[fd].used)
		return -EEXIST;
	uint32_t gen = loop->fds[fd].gen + 1;
	struct epoll_event ev = { .events = to_epoll(events),
				  .data.u64 = (uint64_t)gen << 32 | (uint32_t)fd };
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	loop->fds[fd] =
	    (struct evloop_fd){ .cb = cb, .data = data, .events = events, .gen = gen, .used = true };
	return 0;
}

int evloop_mod_fd(struct evloop *loop, int fd, unsigned events)
{
	if (fd < 0 || fd >= loop->nfds || !loop->fds[fd].used)
		return -ENOENT;
	if (loop->fds[fd].events == events)
		return 0;
	struct epoll_event ev = { .events = to_epoll(events),
				  .data.u64 = (uint64_t)loop->fds[fd].gen << 32 | (uint32_t)fd };
	if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
		return -errno;
	loop->fds[fd].events = events;
	return 0;
}

void evloop_del_fd(struct evloop *loop, int fd)
{
	if (fd < 0 || fd >= loop->nfds || !loop->fds[fd].used)
		return;
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
	loop->fds[fd].used = false;
}

int64_t evloop_add_timer(struct evloop *loop, uint64_t ms, evloop_timer_cb cb, void *data)
{
	struct evloop_timer *t = malloc(sizeof(*t));
	if (!t)
		return -ENOMEM;
	*t = (struct evloop_timer){
		.id = ++loop->next_timer_id, .when = evloop_now_ms() + ms, .cb = cb, .data = data
	};
	struct evloop_timer **p = &loop->timers;
	while (*p && (*p)->when <= t->when)
		p = &(*p)->next;
	t->next = *p;
	*p = t;
	return t->id;
}

void evloop_del_timer(struct evloop *loop, int64_t id)
{
	for (struct evloop_timer **p = &loop->timers; *p; p = &(*p)->next)
		if ((*p)->id == id) {
			struct evloop_timer *t = *p;
			*p = t->next;
			free(t);
			return;
		}
}

/* Runs the timers due now; those added by callbacks wait for the next turn. */
static int run_timers(struct evloop *loop)
{
	uint64_t now = evloop_now_ms();
	int64_t last = loop->next_timer_id;
	int n = 0;
	for (;;) {
		struct evloop_timer **p = &loop->timers;
		while (*p && (*p)->when <= now && (*p)->id > last)
			p = &(*p)->next;
		struct evloop_timer *t = *p;
		if (!t || t->when > now)
			return n;
		*p = t->next;
		evloop_timer_cb cb = t->cb;
		void *data = t->data;
		free(t);
		cb(loop, data);
		n++;
	}
}

int evloop_run_once(struct evloop *loop, int timeout_ms)
{
	if (loop->timers) {
		uint64_t now = evloop_now_ms();
		int64_t wait = loop->timers->when > now ? (int64_t)(loop->timers->when - now) : 0;
		if (timeout_ms < 0 || wait < timeout_ms)
			timeout_ms = (int)(wait > 1000000 ? 1000000 : wait);
	}
	struct epoll_event evs[64];
	int n = epoll_wait(loop->epfd, evs, 64, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	int ran = 0;
	for (int i = 0; i < n; i++) {
		int fd = (int)(uint32_t)evs[i].data.u64;
		if (fd >= loop->nfds || !loop->fds[fd].used || loop->fds[fd].gen != evs[i].data.u64 >> 32)
			continue; /* removed (or replaced) by an earlier callback of this batch */
		uint32_t e = evs[i].events;
		unsigned got = (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP) ? EV_READ : 0) |
			       (e & EPOLLOUT ? EV_WRITE : 0) | (e & (EPOLLERR | EPOLLHUP) ? EV_ERROR : 0);
		got &= loop->fds[fd].events | EV_ERROR;
		if (!got)
			continue;
		loop->fds[fd].cb(loop, fd, got, loop->fds[fd].data);
		ran++;
	}
	return ran + run_timers(loop);
}

int evloop_run(struct evloop *loop)
{
	loop->stop = false;
	while (!loop->stop) {
		int r = evloop_run_once(loop, -1);
		if (r < 0)
			return r;
	}
	return 0;
}

void evloop_stop(struct evloop *loop)
{
	loop->stop = true;
}
