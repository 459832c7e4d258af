/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fixtures: JSON machine descriptions (format in fixtures/README.md). */
#pragma once
#include <stddef.h>

#include "model.h"

/* Builds the model a fixture describes.  Config-space files named in it
 * are read relative to the fixture's folder.  On error returns -errno and
 * writes "FILE:LINE:COL: what is wrong" into err. */
int fixture_load(const char *path, struct model **ret, char *err, size_t errsize);
/* The same from a buffer (dir: where config files are looked up). */
int fixture_load_buffer(const char *name, const char *js, size_t len, const char *dir, struct model **ret,
			char *err, size_t errsize);
