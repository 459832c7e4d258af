/* SPDX-License-Identifier: GPL-2.0-or-later */
/* JSON reading on jsmn: tokenise once, then walk tokens by index. */
#pragma once
#define JSMN_HEADER
#define JSMN_STRICT
#include <jsmn.h>
#include <stdbool.h>
#include <stddef.h>

struct json_doc {
	const char *js;
	size_t len;
	jsmntok_t *tok;
	int ntok;
	int err_offset; /* on a parse error: byte offset of the problem */
};

/* Tokenises js (not copied: it must outlive the doc).  0, -EINVAL on bad
 * JSON (err_offset set), -ENOMEM. */
int json_parse(struct json_doc *d, const char *js, size_t len);
void json_free(struct json_doc *d);
/* Index of the token after the whole value at i. */
int json_next(const struct json_doc *d, int i);
/* Value of key in object obj, or -ENOENT (-EINVAL if obj is no object). */
int json_obj_get(const struct json_doc *d, int obj, const char *key);
bool json_is(const struct json_doc *d, int i, jsmntype_t type);
bool json_is_null(const struct json_doc *d, int i);
/* True if token i is a string equal to s. */
bool json_eq(const struct json_doc *d, int i, const char *s);
/* Unescaped string value; -EINVAL if not a string, -ENAMETOOLONG if it
 * does not fit, -EILSEQ for an embedded NUL. */
int json_str(const struct json_doc *d, int i, char *buf, size_t size);
char *json_strdup(const struct json_doc *d, int i);
int json_int(const struct json_doc *d, int i, long long *ret);
int json_bool(const struct json_doc *d, int i, bool *ret);
/* 1-based line and column of token i's first byte (or of an offset). */
void json_offset_pos(const struct json_doc *d, int offset, int *line, int *col);
void json_pos(const struct json_doc *d, int i, int *line, int *col);

/* Iterate over the members of object/array `parent`: `c` is each child
 * (for objects: the key; its value is c + 1). */
#define json_for_each(d, parent, c, n)                                                                       \
	for (int n = (d)->tok[parent].size, c = (parent) + 1; n > 0;                                         \
	     n--, c = json_next((d), (d)->tok[parent].type == JSMN_OBJECT ? c + 1 : c))
