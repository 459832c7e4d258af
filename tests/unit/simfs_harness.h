/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers for unit tests of simfs's model: load a fixture, then read and
 * write through core.c (what FUSE calls) with paths resolved as the kernel
 * would before handing them to FUSE.  Included by one test file each. */
#pragma once
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../simfs/core.h"
#include "../../simfs/fixture.h"

static struct simfs sf;
static struct model *m;
static char out[8192];

static inline void load(const char *fixture)
{
	char err[512];
	int r = fixture_load(fixture, &m, err, sizeof(err));
	if (r < 0)
		fail_msg("%s", err);
	assert_int_equal(simfs_init(&sf, m), 0);
}

static inline int teardown(void **state)
{
	simfs_fini(&sf);
	model_free(m);
	m = NULL;
	return 0;
}

static inline int setup_h100(void **state)
{
	load("fixtures/h100-hgx-8x.json");
	return 0;
}

static inline int setup_off(void **state)
{
	load("fixtures/iommu-off.json");
	return 0;
}

static inline int setup_nic(void **state)
{
	load("fixtures/gpu-shares-group-with-nic.json");
	return 0;
}

/* FUSE gets paths the kernel resolved: resolve links like it does. */
static inline const char *canon(const char *path)
{
	static char buf[4][1024];
	static int k;
	char *b = buf[k++ % 4];
	const char *slash = strrchr(path, '/');
	char dir[1024];
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	struct node *n = tree_resolve(m->root, dir);
	if (!n || tree_path(n, b, 1024) < 0)
		return path;
	if (strcmp(b, "/") == 0)
		b[0] = '\0';
	strncat(b, slash, 1023 - strlen(b));
	return b;
}

static inline ssize_t wr(const char *path, const char *s)
{
	return simfs_write(&sf, canon(path), s, strlen(s), 0, true, NULL, NULL);
}

static inline const char *rd_as(const char *path, bool privileged)
{
	ssize_t n = simfs_read(&sf, canon(path), out, sizeof(out) - 1, 0, privileged);
	if (n < 0)
		snprintf(out, sizeof(out), "<%s>", strerror((int)-n));
	else
		out[n] = '\0';
	return out;
}

static inline const char *rd(const char *path)
{
	return rd_as(path, true);
}

static inline const char *link_of(const char *path)
{
	if (simfs_readlink(&sf, canon(path), out, sizeof(out)) < 0)
		return "<none>";
	return out;
}

static inline bool exists(const char *path)
{
	struct stat st;
	return simfs_getattr(&sf, canon(path), &st) == 0;
}
