// SPDX-License-Identifier: GPL-2.0-or-later
/* The catalogue's modules as a real kernel ships them: a fixture may give
 * the lines depmod wrote for that kernel (kernel.modules_dep: modules.dep
 * lines, kernel.modules_alias: modules.alias lines, copied from the
 * kernel's package by fixtures/gen-fixtures.py) and the model then follows
 * them instead of the catalogue's Debian 12 x86-64 layout:
 *  - a catalogue module with a modules.dep line takes that line's path
 *    (compression suffix dropped: the placeholder is not compressed) and
 *    its dependencies, those outside the catalogue left out (not modelled);
 *  - a catalogue module without one is absent from that kernel (built-in
 *    code such as irqbypass on Debian's arm64 kernels is not modelled);
 *  - a module named by alias lines takes exactly those aliases.
 * Modules under updates/ (DKMS: nvidia) are not the kernel package's and
 * keep the catalogue's entry.  Aliases: at most 8 a module. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

/* The module name of a .ko path: its basename up to ".ko", '-' read as '_'
 * (depmod's naming).  0 or -EINVAL. */
static int ko_name(const char *path, size_t len, char *buf, size_t size)
{
	const char *s = path, *e = path + len;
	for (const char *p = path; p < e; p++)
		if (*p == '/')
			s = p + 1;
	const char *ko = NULL;
	for (const char *p = s; p + 3 <= e; p++)
		if (memcmp(p, ".ko", 3) == 0 && (p + 3 == e || p[3] == '.'))
			ko = p;
	if (!ko || ko == s || (size_t)(ko - s) >= size)
		return -EINVAL;
	size_t n = (size_t)(ko - s);
	for (size_t i = 0; i < n; i++)
		buf[i] = s[i] == '-' ? '_' : s[i];
	buf[n] = '\0';
	return 0;
}

static char *arena_put(char **arena, const char *s, size_t n)
{
	char *r = *arena;
	memcpy(r, s, n);
	r[n] = '\0';
	*arena += n + 1;
	return r;
}

int model_modules_from_depmod(struct model *m, const char *const *dep, size_t ndep, const char *const *alias,
			      size_t nalias)
{
	size_t total = 0;
	for (size_t i = 0; i < ndep; i++)
		total += 2 * (strlen(dep[i]) + 8);
	for (size_t i = 0; i < nalias; i++)
		total += strlen(alias[i]) + 1;
	struct module_desc *descs = calloc((size_t)m->nmodules, sizeof(*descs));
	char *arena = malloc(total + 1), *a = arena;
	if (!descs || !arena) {
		free(descs);
		free(arena);
		return -ENOMEM;
	}
	for (int i = 0; i < m->nmodules; i++) {
		struct sim_module *mod = &m->modules[i];
		struct module_desc *d = &descs[i];
		*d = *mod->desc;
		mod->desc = d;
		if (d->path && strncmp(d->path, "updates/", 8) == 0)
			continue;
		const char *line = NULL;
		char name[64];
		for (size_t j = 0; j < ndep && !line; j++) {
			const char *colon = strchr(dep[j], ':');
			if (!colon)
				goto bad;
			if (ko_name(dep[j], (size_t)(colon - dep[j]), name, sizeof(name)) < 0)
				goto bad;
			if (strcmp(name, d->name) == 0)
				line = dep[j];
		}
		if (!line) {
			mod->available = false;
			continue;
		}
		const char *colon = strchr(line, ':');
		const char *ko = strstr(line, ".ko");
		d->path = arena_put(&a, line, (size_t)(ko - line) + 3);
		memset(d->deps, 0, sizeof(d->deps));
		int nd = 0;
		for (const char *p = colon + 1; *p;) {
			p += strspn(p, " \t");
			size_t w = strcspn(p, " \t");
			if (!w)
				break;
			if (ko_name(p, w, name, sizeof(name)) < 0)
				goto bad;
			if (model_find_module(m, name) && nd < 4)
				d->deps[nd++] = arena_put(&a, name, strlen(name));
			p += w;
		}
		int na = 0;
		for (size_t j = 0; j < nalias; j++) {
			/* "alias PATTERN MODULE" */
			const char *s = alias[j];
			if (strncmp(s, "alias ", 6) != 0)
				goto bad;
			const char *pat = s + 6, *sp = strchr(pat, ' ');
			if (!sp || strchr(sp + 1, ' '))
				goto bad;
			if (strcmp(sp + 1, d->name) != 0)
				continue;
			if (na == 0)
				memset(d->aliases, 0, sizeof(d->aliases));
			if (na == 8)
				goto bad;
			d->aliases[na++] = arena_put(&a, pat, (size_t)(sp - pat));
		}
	}
	m->real_descs = descs;
	m->real_arena = arena;
	return 0;
bad:
	for (int i = 0; i < m->nmodules; i++)
		m->modules[i].desc = &sim_module_catalog[i];
	free(descs);
	free(arena);
	return -EINVAL;
}
