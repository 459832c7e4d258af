// SPDX-License-Identifier: GPL-2.0-or-later
#define JSMN_STRICT
#include <jsmn.h>
#include "json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool primitive_valid(const char *s, size_t n)
{
	static const char *const words[] = { "true", "false", "null" };
	for (size_t w = 0; w < 3; w++)
		if (n == strlen(words[w]) && memcmp(s, words[w], n) == 0)
			return true;
	/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
	size_t i = 0;
	if (i < n && s[i] == '-')
		i++;
	if (i < n && s[i] == '0')
		i++;
	else if (i < n && s[i] >= '1' && s[i] <= '9')
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	else
		return false;
	if (i < n && s[i] == '.') {
		size_t k = ++i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == k)
			return false;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		size_t k = i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == k)
			return false;
	}
	return i == n;
}

int json_parse(struct json_doc *d, const char *js, size_t len)
{
	jsmn_parser p;
	memset(d, 0, sizeof(*d));
	d->js = js;
	d->len = len;
	jsmn_init(&p);
	int n = jsmn_parse(&p, js, len, NULL, 0);
	if (n < 0 || n == 0) {
		d->err_offset = (int)p.pos;
		return -EINVAL;
	}
	d->tok = calloc((size_t)n, sizeof(jsmntok_t));
	if (!d->tok)
		return -ENOMEM;
	jsmn_init(&p);
	d->ntok = jsmn_parse(&p, js, len, d->tok, (unsigned)n);
	if (d->ntok < 0) {
		d->err_offset = (int)p.pos;
		json_free(d);
		return -EINVAL;
	}
	/* jsmn checks only a primitive's first character: check the rest. */
	for (int i = 0; i < d->ntok; i++)
		if (d->tok[i].type == JSMN_PRIMITIVE &&
		    !primitive_valid(d->js + d->tok[i].start, (size_t)(d->tok[i].end - d->tok[i].start))) {
			d->err_offset = d->tok[i].start;
			json_free(d);
			return -EINVAL;
		}
	/* Only whitespace may follow the top-level value. */
	size_t end = (size_t)d->tok[0].end + (d->tok[0].type == JSMN_STRING);
	for (size_t o = end; o < len; o++)
		if (!strchr(" \t\r\n", js[o])) {
			d->err_offset = (int)o;
			json_free(d);
			return -EINVAL;
		}
	return 0;
}

void json_free(struct json_doc *d)
{
	free(d->tok);
	d->tok = NULL;
	d->ntok = 0;
}

int json_next(const struct json_doc *d, int i)
{
	int pending = 1;
	while (pending > 0 && i < d->ntok) {
		pending += d->tok[i].type == JSMN_OBJECT  ? 2 * d->tok[i].size
			   : d->tok[i].type == JSMN_ARRAY ? d->tok[i].size
							  : 0;
		pending--;
		i++;
	}
	return i;
}

bool json_is(const struct json_doc *d, int i, jsmntype_t type)
{
	return i >= 0 && i < d->ntok && d->tok[i].type == type;
}

bool json_is_null(const struct json_doc *d, int i)
{
	return json_is(d, i, JSMN_PRIMITIVE) && d->js[d->tok[i].start] == 'n';
}

bool json_eq(const struct json_doc *d, int i, const char *s)
{
	if (!json_is(d, i, JSMN_STRING))
		return false;
	size_t n = (size_t)(d->tok[i].end - d->tok[i].start);
	return strlen(s) == n && memcmp(d->js + d->tok[i].start, s, n) == 0;
}

int json_obj_get(const struct json_doc *d, int obj, const char *key)
{
	if (!json_is(d, obj, JSMN_OBJECT))
		return -EINVAL;
	json_for_each (d, obj, k, n)
		if (json_eq(d, k, key))
			return k + 1;
	return -ENOENT;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int json_str(const struct json_doc *d, int i, char *buf, size_t size)
{
	if (!json_is(d, i, JSMN_STRING))
		return -EINVAL;
	const char *s = d->js + d->tok[i].start, *e = d->js + d->tok[i].end;
	size_t o = 0;
	while (s < e) {
		char tmp[4];
		size_t n = 1;
		if (*s != '\\') {
			tmp[0] = *s++;
		} else {
			s++;
			switch (*s) {
			case 'b': tmp[0] = '\b'; break;
			case 'f': tmp[0] = '\f'; break;
			case 'n': tmp[0] = '\n'; break;
			case 'r': tmp[0] = '\r'; break;
			case 't': tmp[0] = '\t'; break;
			case 'u': {
				unsigned cp = 0;
				for (int k = 1; k <= 4; k++)
					cp = cp * 16 + (unsigned)hexval(s[k]); /* jsmn checked */
				s += 4;
				if (cp == 0)
					return -EILSEQ;
				if (cp < 0x80) {
					tmp[0] = (char)cp;
				} else if (cp < 0x800) {
					tmp[0] = (char)(0xc0 | cp >> 6);
					tmp[1] = (char)(0x80 | (cp & 0x3f));
					n = 2;
				} else {
					tmp[0] = (char)(0xe0 | cp >> 12);
					tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
					tmp[2] = (char)(0x80 | (cp & 0x3f));
					n = 3;
				}
				break;
			}
			default: tmp[0] = *s; break; /* " \ / */
			}
			s++;
		}
		if (o + n >= size)
			return -ENAMETOOLONG;
		memcpy(buf + o, tmp, n);
		o += n;
	}
	buf[o] = '\0';
	return (int)o;
}

char *json_strdup(const struct json_doc *d, int i)
{
	if (!json_is(d, i, JSMN_STRING))
		return NULL;
	size_t size = (size_t)(d->tok[i].end - d->tok[i].start) + 1;
	char *b = malloc(size);
	if (b && json_str(d, i, b, size) < 0) {
		free(b);
		return NULL;
	}
	return b;
}

int json_int(const struct json_doc *d, int i, long long *ret)
{
	if (!json_is(d, i, JSMN_PRIMITIVE))
		return -EINVAL;
	char buf[32];
	int n = d->tok[i].end - d->tok[i].start;
	if (n <= 0 || n >= (int)sizeof(buf))
		return -EINVAL;
	memcpy(buf, d->js + d->tok[i].start, (size_t)n);
	buf[n] = '\0';
	char *end;
	errno = 0;
	long long v = strtoll(buf, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*ret = v;
	return 0;
}

int json_bool(const struct json_doc *d, int i, bool *ret)
{
	if (!json_is(d, i, JSMN_PRIMITIVE))
		return -EINVAL;
	char c = d->js[d->tok[i].start];
	if (c != 't' && c != 'f')
		return -EINVAL;
	*ret = c == 't';
	return 0;
}

void json_offset_pos(const struct json_doc *d, int offset, int *line, int *col)
{
	int l = 1, c = 1;
	for (int o = 0; o < offset && (size_t)o < d->len; o++) {
		if (d->js[o] == '\n') {
			l++;
			c = 1;
		} else
			c++;
	}
	*line = l;
	*col = c;
}

void json_pos(const struct json_doc *d, int i, int *line, int *col)
{
	int off = i >= 0 && i < d->ntok ? d->tok[i].start : 0;
	/* jsmn's string tokens start after the quote */
	if (i >= 0 && i < d->ntok && d->tok[i].type == JSMN_STRING && off > 0)
		off--;
	json_offset_pos(d, off, line, col);
}
