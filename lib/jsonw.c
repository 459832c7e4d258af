// SPDX-License-Identifier: GPL-2.0-or-later
/* JSON writer: see jsonw.h. */
#include "jsonw.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void jsonw_init(struct jsonw *w, bool pretty)
{
	memset(w, 0, sizeof(*w));
	w->pretty = pretty;
	w->first[0] = true;
}

void jsonw_init_file(struct jsonw *w, FILE *f, bool pretty)
{
	jsonw_init(w, pretty);
	w->f = f;
}

void jsonw_reset(struct jsonw *w)
{
	FILE *f = w->f;
	buf_free(&w->out);
	jsonw_init(w, w->pretty);
	w->f = f;
}

static void put(struct jsonw *w, const char *s, size_t n)
{
	if (w->err)
		return;
	if (w->f) {
		if (fwrite(s, 1, n, w->f) != n)
			w->err = -EIO;
		return;
	}
	buf_put(&w->out, s, n);
	w->err = w->out.err;
}

static void puts_(struct jsonw *w, const char *s)
{
	put(w, s, strlen(s));
}

static void newline(struct jsonw *w, int depth)
{
	if (!w->pretty)
		return;
	put(w, "\n", 1);
	for (int i = 0; i < depth; i++)
		put(w, "  ", 2);
}

/* Before any value or key: the comma and indentation it needs. */
static void before_value(struct jsonw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (!w->first[w->depth])
		put(w, ",", 1);
	if (w->depth > 0)
		newline(w, w->depth);
	w->first[w->depth] = false;
}

static void open_(struct jsonw *w, const char *c)
{
	before_value(w);
	puts_(w, c);
	if (w->depth + 1 >= JSONW_MAX_DEPTH) {
		w->err = w->err ? w->err : -EINVAL;
		return;
	}
	w->first[++w->depth] = true;
}

static void close_(struct jsonw *w, const char *c)
{
	if (w->depth == 0 || w->after_key) {
		w->err = w->err ? w->err : -EINVAL;
		return;
	}
	bool empty = w->first[w->depth];
	w->depth--;
	if (!empty)
		newline(w, w->depth);
	puts_(w, c);
}

void jsonw_obj_open(struct jsonw *w)
{
	open_(w, "{");
}
void jsonw_obj_close(struct jsonw *w)
{
	close_(w, "}");
}
void jsonw_arr_open(struct jsonw *w)
{
	open_(w, "[");
}
void jsonw_arr_close(struct jsonw *w)
{
	close_(w, "]");
}

static void quoted(struct jsonw *w, const char *s)
{
	put(w, "\"", 1);
	const char *run = s;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		const char *esc = NULL;
		char hex[8];
		switch (*p) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		default:
			if (*p < 0x20) {
				snprintf(hex, sizeof(hex), "\\u%04x", *p);
				esc = hex;
			}
		}
		if (esc) {
			put(w, run, (size_t)((const char *)p - run));
			puts_(w, esc);
			run = (const char *)p + 1;
		}
	}
	puts_(w, run);
	put(w, "\"", 1);
}

void jsonw_key(struct jsonw *w, const char *key)
{
	before_value(w);
	quoted(w, key);
	put(w, w->pretty ? ": " : ":", w->pretty ? 2 : 1);
	w->after_key = true;
}

void jsonw_str(struct jsonw *w, const char *s)
{
	if (!s)
		return jsonw_null(w);
	before_value(w);
	quoted(w, s);
}

void jsonw_int(struct jsonw *w, long long v)
{
	char b[32];
	before_value(w);
	snprintf(b, sizeof(b), "%lld", v);
	puts_(w, b);
}

void jsonw_bool(struct jsonw *w, bool v)
{
	before_value(w);
	puts_(w, v ? "true" : "false");
}

void jsonw_null(struct jsonw *w)
{
	before_value(w);
	puts_(w, "null");
}

void jsonw_raw(struct jsonw *w, const char *json, size_t len)
{
	before_value(w);
	put(w, json, len);
}

void jsonw_kstr(struct jsonw *w, const char *key, const char *s)
{
	jsonw_key(w, key);
	jsonw_str(w, s);
}

void jsonw_kint(struct jsonw *w, const char *key, long long v)
{
	jsonw_key(w, key);
	jsonw_int(w, v);
}

void jsonw_kbool(struct jsonw *w, const char *key, bool v)
{
	jsonw_key(w, key);
	jsonw_bool(w, v);
}

int jsonw_finish(struct jsonw *w, char **ret, size_t *ret_len)
{
	int r = w->err;
	if (!r && (w->depth != 0 || w->after_key))
		r = -EINVAL;
	if (w->f) {
		jsonw_reset(w);
		if (ret)
			*ret = NULL;
		return r;
	}
	if (!r && !w->out.data)
		put(w, "", 0), r = w->err;
	if (r < 0) {
		jsonw_reset(w);
		return r;
	}
	*ret = w->out.data;
	if (ret_len)
		*ret_len = w->out.len;
	w->out = (struct buf){ 0 };
	jsonw_reset(w);
	return 0;
}
