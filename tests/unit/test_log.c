// SPDX-License-Identifier: GPL-2.0-or-later
/* lib/log: the error convention (log_*_errno return -errno, SYNTHETIC_ERRNO
 * is not reported as a cause, record_error fills the caller's buffer). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* Runs one log call with stderr going to a temporary file; its text. */
static char out[2048];
#define CAPTURE(ret, call)                                                                                   \
	do {                                                                                                 \
		FILE *tmp = tmpfile();                                                                       \
		assert_non_null(tmp);                                                                        \
		fflush(stderr);                                                                              \
		int saved = dup(2);                                                                          \
		dup2(fileno(tmp), 2);                                                                        \
		ret = (call);                                                                                \
		fflush(stderr);                                                                              \
		dup2(saved, 2);                                                                              \
		close(saved);                                                                                \
		rewind(tmp);                                                                                 \
		size_t n = fread(out, 1, sizeof(out) - 1, tmp);                                              \
		out[n] = '\0';                                                                               \
		fclose(tmp);                                                                                 \
	} while (0)

static void returns_negative_errno(void **state)
{
	int r;
	log_setup("t", LOG_TARGET_STDERR, -1);
	CAPTURE(r, log_error_errno(-ENOENT, "x: %m"));
	assert_int_equal(r, -ENOENT);
	assert_string_equal(out, "t: x: No such file or directory\n");
	CAPTURE(r, log_error_errno(ENOENT, "x"));
	assert_int_equal(r, -ENOENT);
	CAPTURE(r, log_error_errno(SYNTHETIC_ERRNO(EBUSY), "%s: in use", "0000:01:00.0"));
	assert_int_equal(r, -EBUSY);
	assert_string_equal(out, "t: 0000:01:00.0: in use\n");
	CAPTURE(r, log_debug_errno(-SYNTHETIC_ERRNO(EIO), "not shown at info"));
	assert_int_equal(r, -EIO);
	assert_string_equal(out, "");
}

static void synthetic_is_no_cause_in_json(void **state)
{
	int r;
	log_setup("t", LOG_TARGET_JSON, -1);
	CAPTURE(r, log_error_errno(-EACCES, "real"));
	assert_non_null(strstr(out, "\"msg\":\"real\",\"errno\":13}"));
	CAPTURE(r, log_error_errno(SYNTHETIC_ERRNO(EINVAL), "chosen"));
	assert_int_equal(r, -EINVAL);
	assert_non_null(strstr(out, "\"msg\":\"chosen\"}"));
	assert_null(strstr(out, "errno"));
	log_setup("t", LOG_TARGET_STDERR, -1);
}

static void record_error_fills_buffer(void **state)
{
	char buf[16];
	assert_int_equal(record_error(buf, sizeof(buf), EINVAL, "entry %d names no PF", 1), -EINVAL);
	assert_string_equal(buf, "entry 1 names n"); /* truncated, terminated */
	assert_int_equal(record_error(buf, sizeof(buf), -ENOSPC, "x"), -ENOSPC);
	assert_string_equal(buf, "x");
	assert_int_equal(record_error(NULL, 0, SYNTHETIC_ERRNO(EBUSY), "nowhere"), -EBUSY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(returns_negative_errno),
		cmocka_unit_test(synthetic_is_no_cause_in_json),
		cmocka_unit_test(record_error_fills_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
