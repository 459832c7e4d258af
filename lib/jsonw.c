// SPDX-License-Identifier: GPL-2.0-or-later
#include "jsonw.h"

void jsonw_init(struct jsonw *w, FILE *f)
{
	w->f = f;
	w->depth = 0;
	w->first[0] = true;
	w->after_key = false;
}

static void sep(struct jsonw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (!w->first[w->depth])
		fputc(',', w->f);
	w->first[w->depth] = false;
}

void jsonw_escape(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void open_(struct jsonw *w, char c)
{
	sep(w);
	fputc(c, w->f);
	if (w->depth + 1 < JSONW_MAX_DEPTH)
		w->depth++;
	w->first[w->depth] = true;
}

static void close_(struct jsonw *w, char c)
{
	if (w->depth > 0)
		w->depth--;
	fputc(c, w->f);
}

void jsonw_obj_open(struct jsonw *w)
{
	open_(w, '{');
}
void jsonw_obj_close(struct jsonw *w)
{
	close_(w, '}');
}
void jsonw_arr_open(struct jsonw *w)
{
	open_(w, '[');
}
void jsonw_arr_close(struct jsonw *w)
{
	close_(w, ']');
}

void jsonw_key(struct jsonw *w, const char *key)
{
	sep(w);
	jsonw_escape(w->f, key);
	fputc(':', w->f);
	w->after_key = true;
}

void jsonw_str(struct jsonw *w, const char *s)
{
	sep(w);
	if (s)
		jsonw_escape(w->f, s);
	else
		fputs("null", w->f);
}

void jsonw_int(struct jsonw *w, long long v)
{
	sep(w);
	fprintf(w->f, "%lld", v);
}

void jsonw_bool(struct jsonw *w, bool v)
{
	sep(w);
	fputs(v ? "true" : "false", w->f);
}

void jsonw_null(struct jsonw *w)
{
	sep(w);
	fputs("null", w->f);
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
