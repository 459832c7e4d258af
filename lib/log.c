// SPDX-License-Identifier: GPL-2.0-or-later
#include "log.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *log_ident = "gpu-initd";
static enum log_target log_target = LOG_TARGET_STDERR;
static enum log_level log_level = LOG_INFO;
static int log_kmsg_fd = -1;

void log_setup(const char *ident, enum log_target target, int kmsg_fd)
{
	log_ident = ident;
	log_target = target;
	log_kmsg_fd = kmsg_fd;
}

void log_set_level(enum log_level level)
{
	log_level = level;
}
enum log_level log_get_level(void)
{
	return log_level;
}

int log_parse_target(const char *s, enum log_target *ret)
{
	if (strcmp(s, "stderr") == 0)
		*ret = LOG_TARGET_STDERR;
	else if (strcmp(s, "kmsg") == 0)
		*ret = LOG_TARGET_KMSG;
	else if (strcmp(s, "json") == 0)
		*ret = LOG_TARGET_JSON;
	else
		return -EINVAL;
	return 0;
}

static const char *level_name(enum log_level l)
{
	switch (l) {
	case LOG_ERR: return "error";
	case LOG_WARNING: return "warning";
	case LOG_NOTICE: return "notice";
	case LOG_INFO: return "info";
	default: return "debug";
	}
}

/* Expand %m ourselves: the format may be passed on to a JSON encoder. */
static void format_message(char *buf, size_t size, int err, const char *fmt, va_list ap)
{
	char f[512];
	size_t o = 0;
	for (const char *p = fmt; *p && o + 1 < sizeof(f); p++) {
		if (p[0] == '%' && p[1] == 'm') {
			const char *e = strerror(err);
			size_t n = strlen(e);
			if (o + n >= sizeof(f))
				break;
			memcpy(f + o, e, n);
			o += n;
			p++;
		} else
			f[o++] = *p;
	}
	f[o] = '\0';
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	vsnprintf(buf, size, f, ap);
#pragma GCC diagnostic pop
}

static void json_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
}

int log_internal(enum log_level level, int err, const char *fmt, ...)
{
	int saved = errno;
	bool synthetic = (abs(err) & LOG_SYNTHETIC_BIT) != 0;
	err = abs(err) & ~LOG_SYNTHETIC_BIT;
	if (level <= log_level) {
		char msg[1024];
		va_list ap;
		va_start(ap, fmt);
		format_message(msg, sizeof(msg), err, fmt, ap);
		va_end(ap);
		switch (log_target) {
		case LOG_TARGET_KMSG:
			if (log_kmsg_fd >= 0) {
				char line[1100];
				int n = snprintf(line, sizeof(line), "<%d>%s: %s\n", level, log_ident, msg);
				if (n > 0 && write(log_kmsg_fd, line, (size_t)n) == n)
					break;
			}
			/* no kmsg: keep the message on stderr */
			__attribute__((fallthrough));
		case LOG_TARGET_STDERR: fprintf(stderr, "%s: %s\n", log_ident, msg); break;
		case LOG_TARGET_JSON: {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			fprintf(stderr, "{\"ts\":%lld.%03ld,\"level\":\"%s\",\"prog\":\"%s\",\"msg\":\"",
				(long long)ts.tv_sec, ts.tv_nsec / 1000000, level_name(level), log_ident);
			json_escape(stderr, msg);
			if (err && !synthetic)
				fprintf(stderr, "\",\"errno\":%d}\n", err);
			else
				fputs("\"}\n", stderr);
			break;
		}
		}
	}
	errno = saved;
	return -err;
}

int record_error(char *buf, size_t size, int err, const char *fmt, ...)
{
	if (buf && size) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(buf, size, fmt, ap);
		va_end(ap);
	}
	return -(abs(err) & ~LOG_SYNTHETIC_BIT);
}
