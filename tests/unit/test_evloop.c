// SPDX-License-Identifier: GPL-2.0-or-later
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "evloop.h"

static char order[16];
static int norder;

static void mark(struct evloop *loop, void *data)
{
	order[norder++] = *(const char *)data;
}

static void timers_in_order(void **state)
{
	struct evloop *loop;
	assert_int_equal(evloop_new(&loop), 0);
	norder = 0;
	uint64_t t0 = evloop_now_ms(); /* before the timers: they count from their own add */
	evloop_add_timer(loop, 30, mark, "c");
	evloop_add_timer(loop, 10, mark, "a");
	int64_t b = evloop_add_timer(loop, 20, mark, "b");
	evloop_add_timer(loop, 20, mark, "B");
	evloop_del_timer(loop, b);
	evloop_del_timer(loop, 12345); /* unknown: ignored */
	while (norder < 3)
		assert_true(evloop_run_once(loop, -1) >= 0);
	assert_memory_equal(order, "aBc", 3);
	assert_true(evloop_now_ms() - t0 >= 30);
	evloop_add_timer(loop, 1000, mark, "x"); /* freed with the loop */
	evloop_free(loop);
}

struct pipes {
	int a[2], b[2];
	int reads;
};

/* The first fd's callback removes the second fd: its pending event in the
 * same batch must not be delivered. */
static void on_read(struct evloop *loop, int fd, unsigned events, void *data)
{
	struct pipes *p = data;
	char c;
	assert_true(events & EV_READ);
	assert_int_equal(read(fd, &c, 1), 1);
	p->reads++;
	evloop_del_fd(loop, fd == p->a[0] ? p->b[0] : p->a[0]);
}

static void stop_cb(struct evloop *loop, void *data)
{
	evloop_stop(loop);
}

static void fd_removed_in_batch(void **state)
{
	struct evloop *loop;
	struct pipes p = { 0 };
	assert_int_equal(evloop_new(&loop), 0);
	assert_int_equal(pipe2(p.a, O_CLOEXEC), 0);
	assert_int_equal(pipe2(p.b, O_CLOEXEC), 0);
	assert_int_equal(evloop_add_fd(loop, p.a[0], EV_READ, on_read, &p), 0);
	assert_int_equal(evloop_add_fd(loop, p.b[0], EV_READ, on_read, &p), 0);
	assert_int_equal(evloop_add_fd(loop, p.b[0], EV_READ, on_read, &p), -EEXIST);
	assert_int_equal(write(p.a[1], "x", 1), 1);
	assert_int_equal(write(p.b[1], "y", 1), 1);
	evloop_add_timer(loop, 20, stop_cb, NULL);
	assert_int_equal(evloop_run(loop), 0);
	assert_int_equal(p.reads, 1);
	evloop_free(loop);
	for (int i = 0; i < 2; i++) {
		close(p.a[i]);
		close(p.b[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(timers_in_order),
		cmocka_unit_test(fd_removed_in_batch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
