/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A small JSON writer: values appended to a growing buffer or written to a
 * stdio stream, commas and (optionally) indentation handled for the caller.
 * Errors are sticky: the first allocation or write failure or misuse is
 * reported once, by jsonw_finish(). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "buf.h"

#define JSONW_MAX_DEPTH 32

struct jsonw {
	FILE *f;	/* stream sink (jsonw_init_file); NULL: the buffer */
	struct buf out; /* the text, when writing to the buffer */
	int err;	/* first error (-EIO, -EINVAL), sticky */
	int depth;
	bool pretty;		     /* two-space indentation, one member per line */
	bool after_key;		     /* the next value follows "key": */
	bool first[JSONW_MAX_DEPTH]; /* no member written yet at this depth */
};

void jsonw_init(struct jsonw *w, bool pretty);
/* Writes straight to f instead of a buffer; jsonw_finish() then returns 0
 * or the first error and hands over nothing. */
void jsonw_init_file(struct jsonw *w, FILE *f, bool pretty);
void jsonw_obj_open(struct jsonw *w);
void jsonw_obj_close(struct jsonw *w);
void jsonw_arr_open(struct jsonw *w);
void jsonw_arr_close(struct jsonw *w);
/* An object member's key; the next value call writes its value. */
void jsonw_key(struct jsonw *w, const char *key);
/* A string (escaped; NULL writes null). */
void jsonw_str(struct jsonw *w, const char *s);
void jsonw_int(struct jsonw *w, long long v);
void jsonw_bool(struct jsonw *w, bool v);
void jsonw_null(struct jsonw *w);
/* Already-serialised JSON text, inserted as one value (not checked). */
void jsonw_raw(struct jsonw *w, const char *json, size_t len);
/* key + value shorthands */
void jsonw_kstr(struct jsonw *w, const char *key, const char *s);
void jsonw_kint(struct jsonw *w, const char *key, long long v);
void jsonw_kbool(struct jsonw *w, const char *key, bool v);
/* Ends the document: on success hands over the NUL-terminated text
 * (*ret, caller frees; *ret_len if not NULL) and returns 0; otherwise
 * frees the buffer and returns the first error.  The writer is reset. */
int jsonw_finish(struct jsonw *w, char **ret, size_t *ret_len);
/* Frees the buffer without producing anything. */
void jsonw_reset(struct jsonw *w);
