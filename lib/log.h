/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Logging for the programs.  Library code logs only at debug level or
 * through its return values; main.c files decide what the user sees. */
#pragma once
#include <errno.h>
#include <stdarg.h>

enum log_level { LOG_ERR = 3, LOG_WARNING = 4, LOG_NOTICE = 5, LOG_INFO = 6, LOG_DEBUG = 7 };
enum log_target { LOG_TARGET_STDERR, LOG_TARGET_KMSG, LOG_TARGET_JSON };

void log_setup(const char *ident, enum log_target target, int kmsg_fd);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
int log_parse_target(const char *s, enum log_target *ret);

/* Returns -abs(err) so callers can write `return log_errno(LOG_ERR, r, ...)`.
 * "%m" in fmt expands to strerror(err). */
int log_internal(enum log_level level, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define log_error(...) log_internal(LOG_ERR, 0, __VA_ARGS__)
#define log_warning(...) log_internal(LOG_WARNING, 0, __VA_ARGS__)
#define log_notice(...) log_internal(LOG_NOTICE, 0, __VA_ARGS__)
#define log_info(...) log_internal(LOG_INFO, 0, __VA_ARGS__)
#define log_debug(...) log_internal(LOG_DEBUG, 0, __VA_ARGS__)
#define log_error_errno(e, ...) log_internal(LOG_ERR, (e), __VA_ARGS__)
#define log_warning_errno(e, ...) log_internal(LOG_WARNING, (e), __VA_ARGS__)
#define log_debug_errno(e, ...) log_internal(LOG_DEBUG, (e), __VA_ARGS__)
