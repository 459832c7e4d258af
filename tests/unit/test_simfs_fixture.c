// SPDX-License-Identifier: GPL-2.0-or-later
/* simfs's fixture loader (simfs/fixture.c): every allocation of loading a
 * fixture failing in turn gives -ENOMEM with nothing leaked (the
 * allocation-failure reruns of failmalloc.h); the well-formed load after
 * that works. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "failmalloc.h"
#include "../../simfs/fixture.h"

static char *slurp(const char *path, size_t *len)
{
	static char buf[1 << 20];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n > 0 && (size_t)n < sizeof(buf) - 1);
	buf[n] = 0;
	*len = (size_t)n;
	return buf;
}

static void load_ok(void **state)
{
	struct model *m = NULL;
	char err[512];
	size_t len;
	const char *js = slurp("fixtures/qemu-edu.json", &len);
	assert_int_equal(fixture_load_buffer("qemu-edu.json", js, len, "fixtures", &m, err, sizeof(err)), 0);
	assert_non_null(m);
	model_free(m);
}

static void rerun(const char *fixture)
{
#if FAILMALLOC
	struct model *m;
	char err[512];
	size_t len;
	const char *js = slurp(fixture, &len);
	long nth;
	int r;

	for (nth = 0;; nth++) {
		m = NULL;
		failmalloc_arm(nth);
		r = fixture_load_buffer(fixture, js, len, "fixtures", &m, err, sizeof(err));
		if (failmalloc_disarm() == FAILMALLOC_NONE_FAILED)
			break;
		if (r != -ENOMEM)
			fail_msg("%s: allocation %ld failed: %d (%s), expected -ENOMEM", fixture, nth, r,
				 err);
		assert_null(m);
		if (failmalloc_live() != 0)
			fail_msg("%s: allocation %ld failed: %ld allocations leaked", fixture, nth,
				 failmalloc_live());
	}
	assert_int_equal(r, 0);
	model_free(m);
	assert_true(nth > 10);
	print_message("%s: %ld allocations failed in turn\n", fixture, nth);
#else
	skip();
#endif
}

static void allocation_failures_qemu_edu(void **state)
{
	rerun("fixtures/qemu-edu.json");
}

/* config-space files, SR-IOV, the vGPU manager's catalog */
static void allocation_failures_h100(void **state)
{
	rerun("fixtures/h100-hgx-8x.json");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(load_ok),
		cmocka_unit_test(allocation_failures_qemu_edu),
		cmocka_unit_test(allocation_failures_h100),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
