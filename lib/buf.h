/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A growable byte buffer.  The data stays NUL-terminated (so text can be
 * used as a string); errors are sticky: after a failed allocation every
 * put is ignored and err holds -ENOMEM. */
#pragma once
#include <stddef.h>

struct buf {
	char *data;
	size_t len, cap;
	int err;
};

void buf_put(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
/* Frees the data and resets b to empty. */
void buf_free(struct buf *b);
