/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Allocation-failure reruns (as nghttp2's failmalloc tests and kmod's
 * testsuite do): include this header in exactly one file of a unit test.
 * It interposes malloc, calloc, realloc, strdup, strndup and free in the
 * test binary (glibc's __libc_* do the work).  While armed, allocation
 * number N (from 0) fails and allocations still live are counted, so
 *
 *	for (n = 0;; n++) {
 *		failmalloc_arm(n);
 *		r = operation();
 *		if (failmalloc_disarm() == FAILMALLOC_NONE_FAILED) break;
 *		assert_int_equal(r, -ENOMEM);
 *		assert_int_equal(failmalloc_live(), 0);
 *	}
 *
 * proves every allocation of the operation fails cleanly, leak-free.
 * FAILMALLOC_TRACE=1 in the environment prints the failing allocation's
 * backtrace (addr2line -e BINARY turns the addresses into lines).  ASan
 * owns the allocator in the sanitizer builds: FAILMALLOC is 0 there and a
 * test skips. */
#pragma once
#include <errno.h>
#include <execinfo.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define FAILMALLOC 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FAILMALLOC 0
#endif
#endif
#ifndef FAILMALLOC
#define FAILMALLOC 1
#endif

#define FAILMALLOC_NONE_FAILED (-1)

#if FAILMALLOC
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);

static bool fm_armed, fm_failed;
static long fm_countdown, fm_live, fm_calls;

static bool fm_fail(void)
{
	if (!fm_armed)
		return false;
	fm_calls++;
	if (fm_countdown-- != 0)
		return false;
	fm_failed = true;
	errno = ENOMEM;			  /* as malloc(3) does */
	if (getenv("FAILMALLOC_TRACE")) { /* where the failing one was asked for */
		void *bt[32];
		fm_armed = false; /* backtrace() allocates the first time */
		backtrace_symbols_fd(bt, backtrace(bt, 32), 2);
		fm_armed = true;
	}
	return true;
}

void *malloc(size_t n)
{
	void *p = fm_fail() ? NULL : __libc_malloc(n);
	fm_live += fm_armed && p;
	return p;
}

void *calloc(size_t n, size_t size)
{
	void *p = fm_fail() ? NULL : __libc_calloc(n, size);
	fm_live += fm_armed && p;
	return p;
}

void *realloc(void *old, size_t n)
{
	void *p = fm_fail() ? NULL : __libc_realloc(old, n);
	fm_live += fm_armed && p && !old;
	return p;
}

/* glibc's own strdup allocates inside libc: interposed here so that its
 * allocation is counted and can fail too */
static char *fm_dup(const char *s, size_t len)
{
	char *p = malloc(len + 1);
	if (p) {
		memcpy(p, s, len);
		p[len] = 0;
	}
	return p;
}

char *strndup(const char *s, size_t n)
{
	return fm_dup(s, strnlen(s, n));
}

char *strdup(const char *s)
{
	return fm_dup(s, strlen(s));
}

void free(void *p)
{
	fm_live -= fm_armed && p;
	__libc_free(p);
}

/* Arm: allocation number nth (from 0) fails; the counters restart. */
static inline void failmalloc_arm(long nth)
{
	fm_live = 0;
	fm_calls = 0;
	fm_failed = false;
	fm_countdown = nth;
	fm_armed = true;
}

/* Disarm; the number of allocations made while armed, or
 * FAILMALLOC_NONE_FAILED when the armed one was never reached (the
 * operation needs fewer: the rerun loop is done). */
static inline long failmalloc_disarm(void)
{
	fm_armed = false;
	return fm_failed ? fm_calls : FAILMALLOC_NONE_FAILED;
}

/* Allocations made while armed and not yet freed. */
static inline long failmalloc_live(void)
{
	return fm_live;
}
#endif
