// SPDX-License-Identifier: GPL-2.0-or-later
/* A module table turned into the lib/modules/KVER/ files depmod (and kbuild)
 * would install, computed the way depmod 30 computes them: the same module
 * priorities (modules.order), the same topological order of dependencies,
 * the same alias normalisation and the same index bytes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "kmod_index.h"

/* One module that has a .ko file, in depmod's terms. */
struct lmod {
	const struct kmod_meta_module *m;
	size_t idx;	    /* priority: place in modules.order */
	struct lmod **deps; /* direct, unique, in the order given */
	size_t n_deps;
	size_t users;	     /* modules that depend on this one directly */
	size_t dep_sort_idx; /* topological rank, users before their deps */
};

struct meta {
	const struct kmod_meta_module *mods;
	size_t n;
	struct lmod *l; /* loadable modules, by priority */
	size_t nl;
};

static size_t strv_len(const char *const *v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

static bool is_name(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (!(*s == '_' || (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= 'A' && *s <= 'Z')))
			return false;
	return true;
}

/* A token in a space-separated line: printable 7-bit ASCII, no blanks. */
static bool is_token(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s >= 0x7f)
			return false;
	return true;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);
	return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

/* libkmod names a module after its file: basename up to the first '.',
 * '-' read as '_'.  Paths are relative, with no empty or dot components. */
static bool path_matches_name(const char *path, const char *name)
{
	const char *base, *c, *p;
	size_t i;

	if (!is_token(path) || path[0] == '/' || strstr(path, "//") || strstr(path, "/./") ||
	    strstr(path, "/../") || strncmp(path, "./", 2) == 0 || strncmp(path, "../", 3) == 0)
		return false;
	if (!has_suffix(path, ".ko") && !has_suffix(path, ".ko.gz") && !has_suffix(path, ".ko.xz") &&
	    !has_suffix(path, ".ko.zst"))
		return false;
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	for (c = base, i = 0; *c && *c != '.'; c++, i++) {
		char ch = *c == '-' ? '_' : *c;
		if (ch != name[i])
			return false;
	}
	if (name[i] != '\0')
		return false;
	p = strchr(base, '.');
	return p && strncmp(p, ".ko", 3) == 0;
}

/* depmod's alias_normalize(): '-' becomes '_' outside [...] classes. */
static int alias_normalize(const char *alias, char **ret)
{
	size_t len = strlen(alias), i;
	char *s;

	if (!is_token(alias))
		return -EINVAL;
	s = malloc(len + 1);
	if (!s)
		return -ENOMEM;
	for (i = 0; i < len; i++) {
		if (alias[i] == ']')
			goto bad;
		if (alias[i] == '[') {
			for (; i < len && alias[i] != ']'; i++)
				s[i] = alias[i];
			if (i == len)
				goto bad;
			s[i] = ']';
			continue;
		}
		s[i] = alias[i] == '-' ? '_' : alias[i];
	}
	s[len] = '\0';
	*ret = s;
	return 0;
bad:
	free(s);
	return -EINVAL;
}

static const struct kmod_meta_module *find_module(const struct meta *mt, const char *name)
{
	for (size_t i = 0; i < mt->n; i++) {
		const char *a = mt->mods[i].name, *b = name;
		while (*a && (*a == *b || (*a == '_' && *b == '-'))) {
			a++;
			b++;
		}
		if (*a == '\0' && *b == '\0')
			return &mt->mods[i];
	}
	return NULL;
}

static struct lmod *find_lmod(const struct meta *mt, const struct kmod_meta_module *m)
{
	for (size_t i = 0; i < mt->nl; i++)
		if (mt->l[i].m == m)
			return &mt->l[i];
	return NULL;
}

static int validate(const struct meta *mt)
{
	for (size_t i = 0; i < mt->n; i++) {
		const struct kmod_meta_module *m = &mt->mods[i];
		const char *const *lists[] = { m->aliases, m->softdep_pre, m->softdep_post };

		if (!is_name(m->name) || find_module(mt, m->name) != m)
			return -EINVAL;
		if (m->builtin ? (m->path && !path_matches_name(m->path, m->name))
			       : !path_matches_name(m->path, m->name))
			return -EINVAL;
		/* depmod reads deps and softdeps from .ko files only. */
		if (m->builtin &&
		    (strv_len(m->deps) || strv_len(m->softdep_pre) || strv_len(m->softdep_post)))
			return -EINVAL;
		for (size_t k = 0; k < sizeof(lists) / sizeof(lists[0]); k++)
			for (size_t j = 0; lists[k] && lists[k][j]; j++)
				if (!is_token(lists[k][j]))
					return -EINVAL;
		for (size_t j = 0; m->aliases && m->aliases[j]; j++) {
			char *norm;
			int r = alias_normalize(m->aliases[j], &norm);
			if (r < 0)
				return r;
			free(norm);
		}
	}
	return 0;
}

static void meta_free(struct meta *mt)
{
	for (size_t i = 0; i < mt->nl; i++)
		free(mt->l[i].deps);
	free(mt->l);
}

/* Priorities as depmod assigns them from modules.order: listed modules
 * (kbuild lists kernel/...) in order, then the others. */
static int collect_loadable(struct meta *mt)
{
	mt->l = calloc(mt->n ? mt->n : 1, sizeof(*mt->l));
	if (!mt->l)
		return -ENOMEM;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < mt->n; i++) {
			const struct kmod_meta_module *m = &mt->mods[i];
			bool listed = strncmp(m->path ? m->path : "", "kernel/", 7) == 0;
			if (m->builtin || listed != (pass == 0))
				continue;
			mt->l[mt->nl].m = m;
			mt->l[mt->nl].idx = mt->nl;
			mt->nl++;
		}
	return 0;
}

static int resolve_deps(struct meta *mt)
{
	for (size_t i = 0; i < mt->nl; i++) {
		struct lmod *lm = &mt->l[i];
		size_t nd = strv_len(lm->m->deps);

		lm->deps = calloc(nd ? nd : 1, sizeof(*lm->deps));
		if (!lm->deps)
			return -ENOMEM;
		for (size_t j = 0; j < nd; j++) {
			const struct kmod_meta_module *d = find_module(mt, lm->m->deps[j]);
			struct lmod *ld;
			bool dup = false;

			if (!d)
				return -EINVAL;
			if (d->builtin)
				continue; /* always there; depmod sees no owner */
			ld = find_lmod(mt, d);
			for (size_t k = 0; k < lm->n_deps; k++)
				dup |= lm->deps[k] == ld;
			if (dup)
				continue;
			lm->deps[lm->n_deps++] = ld;
			ld->users++;
		}
	}
	return 0;
}

/* depmod's topological sort: Kahn's algorithm with a LIFO of modules no one
 * (left) depends on, seeded in priority order.  -EINVAL on a cycle. */
static int sort_deps(struct meta *mt)
{
	size_t *users, *roots, n_roots = 0, n_sorted = 0;

	users = calloc(2 * (mt->nl ? mt->nl : 1), sizeof(*users));
	if (!users)
		return -ENOMEM;
	roots = users + mt->nl;
	for (size_t i = 0; i < mt->nl; i++) {
		users[i] = mt->l[i].users;
		if (!users[i])
			roots[n_roots++] = i;
	}
	while (n_roots) {
		struct lmod *src = &mt->l[roots[--n_roots]];
		src->dep_sort_idx = n_sorted++;
		for (size_t j = 0; j < src->n_deps; j++) {
			size_t d = src->deps[j]->idx;
			if (--users[d] == 0)
				roots[n_roots++] = d;
		}
	}
	free(users);
	return n_sorted == mt->nl ? 0 : -EINVAL;
}

static void fill_all_deps(const struct lmod *lm, const struct lmod **out, size_t *n)
{
	for (size_t i = 0; i < lm->n_deps; i++) {
		const struct lmod *d = lm->deps[i];
		bool seen = false;
		for (size_t j = 0; j < *n; j++)
			seen |= out[j] == d;
		if (seen)
			continue;
		out[(*n)++] = d;
		fill_all_deps(d, out, n);
	}
}

static int dep_cmp(const void *pa, const void *pb)
{
	const struct lmod *a = *(const struct lmod *const *)pa, *b = *(const struct lmod *const *)pb;
	return a->dep_sort_idx < b->dep_sort_idx ? -1 : a->dep_sort_idx > b->dep_sort_idx;
}

/* "path: dep dep ..." — every transitive dependency, users before what
 * they use; libkmod loads them from the end. */
static int dep_line(const struct meta *mt, const struct lmod *lm, struct buf *line)
{
	const struct lmod **all = calloc(mt->nl ? mt->nl : 1, sizeof(*all));
	size_t n = 0;

	if (!all)
		return -ENOMEM;
	fill_all_deps(lm, all, &n);
	qsort(all, n, sizeof(*all), dep_cmp);
	buf_puts(line, lm->m->path);
	buf_puts(line, ":");
	for (size_t i = 0; i < n; i++) {
		buf_puts(line, " ");
		buf_puts(line, all[i]->m->path);
	}
	free(all);
	return line->err;
}

/* Index entries whose strings the entries own. */
struct entries {
	struct kmod_index_entry *e;
	char **owned;
	size_t n, n_owned, cap;
};

static int entries_add(struct entries *es, char *key_owned, const char *key, char *value_owned,
		       const char *value, uint32_t priority)
{
	if (es->n == es->cap) {
		size_t cap = es->cap ? 2 * es->cap : 32;
		struct kmod_index_entry *e = realloc(es->e, cap * sizeof(*e));
		char **o;
		if (!e)
			goto oom;
		es->e = e;
		o = realloc(es->owned, 2 * cap * sizeof(*o));
		if (!o)
			goto oom;
		es->owned = o;
		es->cap = cap;
	}
	if (key_owned)
		es->owned[es->n_owned++] = key_owned;
	if (value_owned)
		es->owned[es->n_owned++] = value_owned;
	es->e[es->n++] = (struct kmod_index_entry){ .key = key, .value = value, .priority = priority };
	return 0;
oom:
	free(key_owned);
	free(value_owned);
	return -ENOMEM;
}

static void entries_free(struct entries *es)
{
	for (size_t i = 0; i < es->n_owned; i++)
		free(es->owned[i]);
	free(es->owned);
	free(es->e);
}

struct out {
	struct kmod_meta_file *files;
	size_t n;
};

static int out_add(struct out *o, const char *name, char *data, size_t len)
{
	if (!data) {
		/* an empty text file still needs a buffer the caller may free */
		data = malloc(1);
		if (!data)
			return -ENOMEM;
		len = 0;
	}
	o->files[o->n++] = (struct kmod_meta_file){ .name = name, .data = data, .len = len };
	return 0;
}

static int out_add_buf(struct out *o, const char *name, struct buf *b)
{
	int r = b->err;
	if (r < 0) {
		free(b->data);
		return r;
	}
	return out_add(o, name, b->data, b->len);
}

static int out_add_index(struct out *o, const char *name, struct entries *es)
{
	char *buf;
	size_t len;
	int r = kmod_index_build(es->e, es->n, &buf, &len);
	entries_free(es);
	if (r < 0)
		return r;
	return out_add(o, name, buf, len);
}

static int gen_dep(const struct meta *mt, struct out *o)
{
	struct buf text = { 0 };
	struct entries es = { 0 };
	int r = 0;

	for (size_t i = 0; i < mt->nl && r == 0; i++) {
		struct buf line = { 0 };
		r = dep_line(mt, &mt->l[i], &line);
		if (r == 0) {
			buf_put(&text, line.data, line.len);
			buf_puts(&text, "\n");
			r = entries_add(&es, NULL, mt->l[i].m->name, line.data, line.data,
					(uint32_t)mt->l[i].idx);
		} else {
			free(line.data);
		}
	}
	if (r == 0)
		r = out_add_buf(o, "modules.dep", &text);
	else
		free(text.data);
	if (r < 0) {
		entries_free(&es);
		return r;
	}
	return out_add_index(o, "modules.dep.bin", &es);
}

static int gen_alias(const struct meta *mt, struct out *o)
{
	struct buf text = { 0 };
	struct entries es = { 0 };
	int r = 0;

	buf_puts(&text, "# Aliases extracted from modules themselves.\n");
	for (size_t i = 0; i < mt->nl && r == 0; i++) {
		const struct kmod_meta_module *m = mt->l[i].m;
		for (size_t j = 0; m->aliases && m->aliases[j] && r == 0; j++) {
			char *norm;
			buf_puts(&text, "alias ");
			buf_puts(&text, m->aliases[j]);
			buf_puts(&text, " ");
			buf_puts(&text, m->name);
			buf_puts(&text, "\n");
			r = alias_normalize(m->aliases[j], &norm);
			if (r == 0)
				r = entries_add(&es, norm, norm, NULL, m->name, (uint32_t)mt->l[i].idx);
		}
	}
	if (r == 0)
		r = out_add_buf(o, "modules.alias", &text);
	else
		free(text.data);
	if (r < 0) {
		entries_free(&es);
		return r;
	}
	return out_add_index(o, "modules.alias.bin", &es);
}

static void put_list(struct buf *b, const char *tag, const char *const *v)
{
	if (!strv_len(v))
		return;
	if (b->len && b->data[b->len - 1] != ' ')
		buf_puts(b, " ");
	buf_puts(b, tag);
	for (size_t i = 0; v[i]; i++) {
		buf_puts(b, " ");
		buf_puts(b, v[i]);
	}
}

/* Read by libkmod as a configuration file, ahead of modprobe.d files whose
 * names sort after "modules.softdep"; the first softdep matching a module
 * wins. */
static int gen_softdep(const struct meta *mt, struct out *o)
{
	struct buf text = { 0 };

	buf_puts(&text, "# Soft dependencies extracted from modules themselves.\n");
	for (size_t i = 0; i < mt->nl; i++) {
		const struct kmod_meta_module *m = mt->l[i].m;
		if (!strv_len(m->softdep_pre) && !strv_len(m->softdep_post))
			continue;
		buf_puts(&text, "softdep ");
		buf_puts(&text, m->name);
		buf_puts(&text, " ");
		put_list(&text, "pre:", m->softdep_pre);
		put_list(&text, "post:", m->softdep_post);
		buf_puts(&text, "\n");
	}
	return out_add_buf(o, "modules.softdep", &text);
}

/* No exported symbols are simulated, but kmod_load_resources() fails
 * unless modules.symbols.bin exists. */
static int gen_symbols(struct out *o)
{
	struct buf text = { 0 };
	struct entries es = { 0 };
	int r;

	buf_puts(&text, "# Aliases for symbols, used by symbol_request().\n");
	r = out_add_buf(o, "modules.symbols", &text);
	if (r < 0)
		return r;
	return out_add_index(o, "modules.symbols.bin", &es);
}

/* KBUILD_MODFILE, the "file" modinfo of builtin code: the path without
 * "kernel/" and ".ko". */
static void put_modfile(struct buf *b, const char *path)
{
	const char *s = path + 7;
	buf_put(b, s, strlen(s) - 3);
}

static int gen_builtin(const struct meta *mt, struct out *o)
{
	struct buf text = { 0 }, modinfo = { 0 };
	struct entries names = { 0 }, aliases = { 0 };
	int r = 0;

	for (size_t i = 0; i < mt->n && r == 0; i++) {
		const struct kmod_meta_module *m = &mt->mods[i];
		if (!m->builtin)
			continue;
		if (m->path) {
			buf_puts(&text, m->path);
			buf_puts(&text, "\n");
		}
		if (m->path && strncmp(m->path, "kernel/", 7) == 0 && has_suffix(m->path, ".ko")) {
			buf_puts(&modinfo, m->name);
			buf_puts(&modinfo, ".file=");
			put_modfile(&modinfo, m->path);
			buf_put(&modinfo, "", 1);
		}
		r = entries_add(&names, NULL, m->name, NULL, "", 0);
		for (size_t j = 0; m->aliases && m->aliases[j] && r == 0; j++) {
			char *norm;
			buf_puts(&modinfo, m->name);
			buf_puts(&modinfo, ".alias=");
			buf_puts(&modinfo, m->aliases[j]);
			buf_put(&modinfo, "", 1);
			r = alias_normalize(m->aliases[j], &norm);
			if (r == 0)
				r = entries_add(&aliases, norm, norm, NULL, m->name, 0);
		}
	}
	if (r == 0)
		r = out_add_buf(o, "modules.builtin", &text);
	else
		free(text.data);
	if (r == 0)
		r = out_add_index(o, "modules.builtin.bin", &names);
	else
		entries_free(&names);
	if (r == 0)
		r = out_add_index(o, "modules.builtin.alias.bin", &aliases);
	else
		entries_free(&aliases);
	if (r == 0)
		r = out_add_buf(o, "modules.builtin.modinfo", &modinfo);
	else
		free(modinfo.data);
	return r;
}

static int gen_order(const struct meta *mt, struct out *o)
{
	struct buf text = { 0 };

	for (size_t i = 0; i < mt->nl; i++)
		if (strncmp(mt->l[i].m->path, "kernel/", 7) == 0) {
			buf_puts(&text, mt->l[i].m->path);
			buf_puts(&text, "\n");
		}
	return out_add_buf(o, "modules.order", &text);
}

#define META_N_FILES 12

int kmod_meta_build(const struct kmod_meta_module *mods, size_t n, struct kmod_meta_file **ret_files,
		    size_t *ret_n)
{
	struct meta mt = { .mods = mods, .n = n };
	struct out o = { 0 };
	int r;

	if ((n && !mods) || !ret_files || !ret_n)
		return -EINVAL;
	r = validate(&mt);
	if (r < 0)
		return r;
	r = collect_loadable(&mt);
	if (r == 0)
		r = resolve_deps(&mt);
	if (r == 0)
		r = sort_deps(&mt);
	if (r == 0) {
		o.files = calloc(META_N_FILES, sizeof(*o.files));
		if (!o.files)
			r = -ENOMEM;
	}
	if (r == 0)
		r = gen_dep(&mt, &o);
	if (r == 0)
		r = gen_alias(&mt, &o);
	if (r == 0)
		r = gen_softdep(&mt, &o);
	if (r == 0)
		r = gen_symbols(&o);
	if (r == 0)
		r = gen_builtin(&mt, &o);
	if (r == 0)
		r = gen_order(&mt, &o);
	meta_free(&mt);
	if (r < 0) {
		kmod_meta_files_free(o.files, o.n);
		return r;
	}
	*ret_files = o.files;
	*ret_n = o.n;
	return 0;
}

void kmod_meta_files_free(struct kmod_meta_file *files, size_t n)
{
	if (!files)
		return;
	for (size_t i = 0; i < n; i++)
		free(files[i].data);
	free(files);
}

const struct kmod_meta_file *kmod_meta_files_find(const struct kmod_meta_file *files, size_t n,
						  const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(files[i].name, name) == 0)
			return &files[i];
	return NULL;
}
