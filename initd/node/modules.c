// SPDX-License-Identifier: GPL-2.0-or-later
#include "modules.h"

#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libkmod.h>

#include "log.h"
#include "rootfs.h"

struct modules {
	struct kmod_ctx *ctx;
	int rootfd;
	char kver[128];
	char *alias_text; /* modules.alias, read once */
	bool alias_read;
};

int modules_kver(int rootfd, char *buf, size_t size)
{
	int r = rootfs_read_attr(rootfd, "proc/sys/kernel/osrelease", buf, size);
	if (r < 0)
		return r;
	if (r == 0 || strchr(buf, '/') || strcmp(buf, "..") == 0)
		return -EINVAL;
	return 0;
}

static void kmod_log_cb(void *data, int prio, const char *file, int line, const char *fn, const char *fmt,
			va_list args)
{
	char msg[512];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	vsnprintf(msg, sizeof(msg), fmt, args);
#pragma GCC diagnostic pop
	size_t l = strlen(msg);
	if (l && msg[l - 1] == '\n')
		msg[l - 1] = '\0';
	log_debug("libkmod: %s", msg);
}

int modules_open(int rootfd, const char *rootdir, const char *kver, struct modules **ret)
{
	char dir[PATH_MAX], c1[PATH_MAX], c2[PATH_MAX], c3[PATH_MAX];
	if (snprintf(dir, sizeof(dir), "%s/lib/modules/%s", rootdir, kver) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	snprintf(c1, sizeof(c1), "%s/etc/modprobe.d", rootdir);
	snprintf(c2, sizeof(c2), "%s/run/modprobe.d", rootdir);
	snprintf(c3, sizeof(c3), "%s/lib/modprobe.d", rootdir);
	const char *const cfg[] = { c1, c2, c3, NULL };
	struct modules *m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->ctx = kmod_new(dir, cfg);
	if (!m->ctx) {
		free(m);
		return -ENOMEM;
	}
	kmod_set_log_fn(m->ctx, kmod_log_cb, NULL);
	kmod_set_log_priority(m->ctx, 7);
	m->rootfd = rootfd;
	snprintf(m->kver, sizeof(m->kver), "%s", kver);
	int r = kmod_load_resources(m->ctx);
	if (r < 0) {
		kmod_unref(m->ctx);
		free(m);
		return r;
	}
	*ret = m;
	return 0;
}

void modules_close(struct modules *m)
{
	if (!m)
		return;
	kmod_unref(m->ctx);
	free(m->alias_text);
	free(m);
}

int modules_is_loaded(struct modules *m, const char *name)
{
	struct kmod_module *mod;
	int r = kmod_module_new_from_name(m->ctx, name, &mod);
	if (r < 0)
		return r;
	int st = kmod_module_get_initstate(mod);
	kmod_module_unref(mod);
	return st == KMOD_MODULE_LIVE || st == KMOD_MODULE_BUILTIN;
}

int modules_available(struct modules *m, const char *name)
{
	struct kmod_list *list = NULL, *l;
	int r = kmod_module_new_from_lookup(m->ctx, name, &list);
	if (r < 0)
		return r;
	int found = 0;
	kmod_list_foreach(l, list)
	{
		struct kmod_module *mod = kmod_module_get_module(l);
		if (kmod_module_get_path(mod) || kmod_module_get_initstate(mod) == KMOD_MODULE_BUILTIN)
			found = 1;
		kmod_module_unref(mod);
	}
	kmod_module_unref_list(list);
	return found;
}

int modules_option_true(struct modules *m, const char *name, const char *opt)
{
	struct kmod_module *mod;
	int r = kmod_module_new_from_name(m->ctx, name, &mod);
	if (r < 0)
		return r;
	const char *o = kmod_module_get_options(mod);
	size_t n = strlen(opt);
	int set = 0;
	/* space-separated words, the last one of a name wins (as modprobe) */
	for (const char *w = o; w && *w;) {
		while (*w == ' ')
			w++;
		if (strncmp(w, opt, n) == 0 && w[n] == '=')
			set = w[n + 1] == '1' || w[n + 1] == 'Y' || w[n + 1] == 'y';
		w = strchr(w, ' ');
	}
	kmod_module_unref(mod);
	return set;
}

/* An initramfs has no shell to run modprobe.d `install` commands. */
static int refuse_install(struct kmod_module *mod, const char *cmdline, void *data)
{
	log_debug("not running install command of %s: %s", kmod_module_get_name(mod), cmdline);
	return -ENOTSUP;
}

int modules_load(struct modules *m, const char *name)
{
	struct kmod_module *mod;
	int r = kmod_module_new_from_name(m->ctx, name, &mod);
	if (r < 0)
		return r;
	int st = kmod_module_get_initstate(mod);
	if (st == KMOD_MODULE_LIVE || st == KMOD_MODULE_BUILTIN) {
		kmod_module_unref(mod);
		return 0;
	}
	/* Not KMOD_PROBE_IGNORE_COMMAND: it drops the module's softdeps too.
	 * Install commands are refused by the callback instead. */
	r = kmod_module_probe_insert_module(mod, 0, NULL, refuse_install, NULL, NULL);
	kmod_module_unref(mod);
	if (r > 0) /* blacklisted: the root's configuration said no */
		return -EPERM;
	return r < 0 ? r : 1;
}

static int wildcards(const char *s)
{
	int n = 0;
	for (; *s; s++)
		if (*s == '*' || *s == '?' || *s == '[')
			n++;
	return n;
}

int vfio_pick_variant(const char *text, const char *modalias, char *buf, size_t size)
{
	char want[256];
	const char *best = NULL;
	size_t best_len = 0;
	int best_wild = 1 << 30;
	if (strncmp(modalias, "pci:", 4) != 0)
		return -EINVAL;
	snprintf(want, sizeof(want), "vfio_pci:%s", modalias + 4);
	for (const char *l = text; l && *l;) {
		const char *eol = strchr(l, '\n');
		size_t len = eol ? (size_t)(eol - l) : strlen(l);
		char line[512];
		if (len < sizeof(line) && strncmp(l, "alias vfio_pci:", 15) == 0) {
			memcpy(line, l, len);
			line[len] = '\0';
			char *pat = line + 6, *sp = strchr(pat, ' ');
			if (sp) {
				*sp = '\0';
				char *mod = sp + 1;
				int w = wildcards(pat);
				if (fnmatch(pat, want, 0) == 0 && w < best_wild) {
					best_wild = w;
					best = l + (size_t)(mod - line);
					best_len = strlen(mod);
				}
			}
		}
		l = eol ? eol + 1 : NULL;
	}
	if (!best) {
		snprintf(buf, size, "vfio_pci");
		return 0;
	}
	if (best_len + 1 > size)
		return -ENAMETOOLONG;
	memcpy(buf, best, best_len);
	buf[best_len] = '\0';
	for (char *p = buf; *p; p++)
		if (*p == '-')
			*p = '_';
	return 0;
}

int modules_pick_vfio(struct modules *m, const char *modalias, char *buf, size_t size)
{
	if (!m->alias_read) {
		char p[256];
		snprintf(p, sizeof(p), "lib/modules/%s/modules.alias", m->kver);
		if (rootfs_read_file(m->rootfd, p, &m->alias_text, NULL) < 0)
			m->alias_text = NULL;
		m->alias_read = true;
	}
	if (!m->alias_text) {
		snprintf(buf, size, "vfio_pci");
		return 0;
	}
	return vfio_pick_variant(m->alias_text, modalias, buf, size);
}

void vfio_driver_name(const char *module, char *buf, size_t size)
{
	/* vfio_pci registers "vfio-pci"; variant drivers keep their module name */
	if (strcmp(module, "vfio_pci") == 0)
		snprintf(buf, size, "vfio-pci");
	else
		snprintf(buf, size, "%s", module);
}
