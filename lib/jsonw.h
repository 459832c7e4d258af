/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A small streaming JSON writer: objects, arrays, strings, numbers.  It
 * tracks commas and nesting so callers write values in order. */
#pragma once
#include <stdbool.h>
#include <stdio.h>

#define JSONW_MAX_DEPTH 16

struct jsonw {
	FILE *f;
	int depth;
	bool first[JSONW_MAX_DEPTH];
	bool after_key;
};

void jsonw_init(struct jsonw *w, FILE *f);
void jsonw_obj_open(struct jsonw *w);
void jsonw_obj_close(struct jsonw *w);
void jsonw_arr_open(struct jsonw *w);
void jsonw_arr_close(struct jsonw *w);
void jsonw_key(struct jsonw *w, const char *key);
void jsonw_str(struct jsonw *w, const char *s); /* NULL writes null */
void jsonw_int(struct jsonw *w, long long v);
void jsonw_bool(struct jsonw *w, bool v);
void jsonw_null(struct jsonw *w);
/* key + value shorthands */
void jsonw_kstr(struct jsonw *w, const char *key, const char *s);
void jsonw_kint(struct jsonw *w, const char *key, long long v);
void jsonw_kbool(struct jsonw *w, const char *key, bool v);
/* Writes s as a JSON string literal (quotes included). */
void jsonw_escape(FILE *f, const char *s);
