// SPDX-License-Identifier: GPL-2.0-or-later
/* Kernel modules as state: sys/module/<name>, /proc/modules, the drivers a
 * module registers, and the lib/modules/<kver> tree the loaders read. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmod_index.h"
#include "model.h"

static ssize_t refcnt_show(struct node *n, char *buf, size_t cap, const struct attr_io *io)
{
	struct sim_module *mod = n->obj;
	return snprintf(buf, cap, "%d\n", mod->refcnt);
}

static const struct attr_ops refcnt_ops = { .show = refcnt_show };

/* /proc/modules: most recently loaded first, "name size refs deps state addr". */
static ssize_t proc_modules_show(struct node *n, char *buf, size_t cap, const struct attr_io *io)
{
	struct model *m = n->obj;
	size_t o = 0;
	for (unsigned seq = m->load_seq; seq > 0; seq--)
		for (int i = 0; i < m->nmodules; i++) {
			struct sim_module *mod = &m->modules[i];
			if (!mod->loaded || mod->load_seq != seq)
				continue;
			char users[256] = "";
			size_t u = 0;
			for (int k = 0; k < m->nmodules; k++) {
				const struct sim_module *h = &m->modules[k];
				if (!h->loaded)
					continue;
				for (int j = 0; j < 4 && h->desc->deps[j]; j++)
					if (strcmp(h->desc->deps[j], mod->desc->name) == 0 &&
					    u + strlen(h->desc->name) + 2 < sizeof(users))
						u += (size_t)snprintf(users + u, sizeof(users) - u, "%s,",
								      h->desc->name);
			}
			int w = snprintf(buf + o, cap - o, "%s %u %d %s Live 0x0000000000000000\n",
					 mod->desc->name, 16384u * (unsigned)(i + 1), mod->refcnt,
					 u ? users : "-");
			if (w < 0 || (size_t)w >= cap - o)
				return -EFBIG;
			o += (size_t)w;
		}
	return (ssize_t)o;
}

static const struct attr_ops proc_modules_ops = { .show = proc_modules_show };

static int module_on_load(struct model *m, struct sim_module *mod)
{
	const char *name = mod->desc->name;
	if (strcmp(name, "vfio") == 0) {
		/* /dev/vfio/vfio is the vfio module's misc device. */
		struct node *c = tree_add_data(m->dev_vfio, "vfio", 0666, "", 0);
		return c ? 0 : -ENOMEM;
	}
	if (strcmp(name, "nvidia") == 0)
		return nvidia_init(m);
	if (strcmp(name, "vfio_pci") == 0) {
		struct node *p = tree_lookup(m->sys_module, "vfio_pci/parameters");
		if (!model_add_text(p, "enable_sriov", 0444, "%c\n", m->vfio_enable_sriov ? 'Y' : 'N') ||
		    !model_add_text(p, "disable_idle_d3", 0444, "N\n"))
			return -ENOMEM;
	}
	return 0;
}

static void module_on_unload(struct model *m, struct sim_module *mod)
{
	const char *name = mod->desc->name;
	if (strcmp(name, "vfio") == 0)
		tree_remove_child(m->dev_vfio, "vfio");
	if (strcmp(name, "nvidia") == 0) {
		tree_remove_child(m->dev, "nvidiactl");
		tree_remove_child(tree_lookup(m->root, "proc/driver"), "nvidia");
		m->nv_gpus = NULL;
	}
}

static int load_one(struct model *m, struct sim_module *mod)
{
	const struct module_desc *desc = mod->desc;
	/* finit_module fails on unresolved symbols: dependencies come first. */
	for (int j = 0; j < 4 && desc->deps[j]; j++) {
		struct sim_module *dep = model_find_module(m, desc->deps[j]);
		if (!dep || !dep->loaded)
			return -ENOENT;
	}
	struct node *dir = tree_add_dir(m->sys_module, desc->name, 0755);
	if (!dir || !model_add_text(dir, "initstate", 0444, "live\n") ||
	    !tree_add_attr(dir, "refcnt", 0444, &refcnt_ops, mod, 0) || !tree_add_dir(dir, "holders", 0755) ||
	    !tree_add_dir(dir, "parameters", 0755) || !model_add_text(dir, "coresize", 0444, "16384\n") ||
	    !model_add_text(dir, "uevent", 0644, "%s", ""))
		return -ENOMEM;
	for (int j = 0; j < 4 && desc->deps[j]; j++) {
		struct sim_module *dep = model_find_module(m, desc->deps[j]);
		struct node *holders = tree_lookup(m->sys_module, desc->deps[j]);
		dep->refcnt++;
		if (!tree_add_rel_link(tree_child(holders, "holders"), desc->name, dir))
			return -ENOMEM;
	}
	mod->loaded = true;
	mod->load_seq = ++m->load_seq;
	char devpath[160];
	snprintf(devpath, sizeof(devpath), "/module/%s", desc->name);
	model_emit(m, "add", devpath, "module", NULL);
	int r = module_on_load(m, mod);
	if (r < 0)
		return r;
	for (int i = 0; i < m->ndrivers; i++)
		if (m->drivers[i].desc->module && strcmp(m->drivers[i].desc->module, desc->name) == 0) {
			r = driver_register(m, &m->drivers[i]);
			if (r < 0)
				return r;
		}
	return 0;
}

static int load_tree(struct model *m, struct sim_module *mod, int depth)
{
	if (depth > 16)
		return -ELOOP;
	if (mod->loaded)
		return 0;
	const struct module_desc *desc = mod->desc;
	/* modprobe order: pre softdeps, dependencies, the module, post softdeps.
	 * A softdep that does not exist is skipped, as modprobe does. */
	for (int j = 0; j < 3 && desc->softdep_pre[j]; j++) {
		struct sim_module *s = model_find_module(m, desc->softdep_pre[j]);
		if (s && s->available)
			load_tree(m, s, depth + 1);
	}
	for (int j = 0; j < 4 && desc->deps[j]; j++) {
		struct sim_module *dep = model_find_module(m, desc->deps[j]);
		if (!dep || !dep->available)
			return -ENOENT;
		int r = load_tree(m, dep, depth + 1);
		if (r < 0)
			return r;
	}
	int r = load_one(m, mod);
	if (r < 0)
		return r;
	for (int j = 0; j < 3 && desc->softdep_post[j]; j++) {
		struct sim_module *s = model_find_module(m, desc->softdep_post[j]);
		if (s && s->available)
			load_tree(m, s, depth + 1);
	}
	return 0;
}

int module_load(struct model *m, const char *name, bool with_deps)
{
	struct sim_module *mod = model_find_module(m, name);
	if (!mod || !mod->available)
		return -ENOENT;
	if (mod->loaded)
		return with_deps ? 0 : -EEXIST;
	return with_deps ? load_tree(m, mod, 0) : load_one(m, mod);
}

int module_unload(struct model *m, const char *name)
{
	struct sim_module *mod = model_find_module(m, name);
	if (!mod || !mod->loaded)
		return -ENOENT;
	if (mod->refcnt > 0)
		return -EBUSY;
	const struct module_desc *desc = mod->desc;
	/* A driver whose device is in use pins its module. */
	for (int i = 0; i < m->ndevs; i++) {
		struct sim_dev *d = m->devs[i];
		if (!d->driver || !d->driver->desc->module ||
		    strcmp(d->driver->desc->module, desc->name) != 0)
			continue;
		if ((d->group && vfio_group_busy(d->group) && (d->driver->desc->flags & DRV_VFIO)) ||
		    d->nv_users > 0)
			return -EBUSY;
	}
	for (int i = 0; i < m->ndrivers; i++)
		if (m->drivers[i].desc->module && strcmp(m->drivers[i].desc->module, desc->name) == 0) {
			int r = driver_unregister(m, &m->drivers[i]);
			if (r < 0)
				return r;
		}
	module_on_unload(m, mod);
	for (int j = 0; j < 4 && desc->deps[j]; j++) {
		struct sim_module *dep = model_find_module(m, desc->deps[j]);
		char holders[160];
		dep->refcnt--;
		snprintf(holders, sizeof(holders), "%s/holders", desc->deps[j]);
		tree_remove_child(tree_lookup(m->sys_module, holders), desc->name);
	}
	mod->loaded = false;
	tree_remove_child(m->sys_module, desc->name);
	char devpath[160];
	snprintf(devpath, sizeof(devpath), "/module/%s", desc->name);
	model_emit(m, "remove", devpath, "module", NULL);
	return 0;
}

/* NULL-terminated copy of a fixed-size name list. */
static const char **name_list(const char *const *src, int max, const char **dst)
{
	int n = 0;
	for (; n < max && src[n]; n++)
		dst[n] = src[n];
	dst[n] = NULL;
	return dst;
}

/* lib/modules/<kver>: placeholder .ko files (never loadable: not ELF) and
 * the metadata depmod would write, so the real libkmod resolves names,
 * aliases, dependencies and softdeps as modprobe does. */
static int modules_dir_init(struct model *m)
{
	static const char placeholder[] = "simfs placeholder: not an ELF module\n";
	struct kmod_meta_module mods[64];
	const char *lists[64][4][9];
	size_t n = 0;
	for (int i = 0; i < m->nmodules && n < 64; i++) {
		const struct sim_module *mod = &m->modules[i];
		const struct module_desc *desc = mod->desc;
		if (!mod->available || !desc->path)
			continue;
		char dir[256];
		snprintf(dir, sizeof(dir), "%s", desc->path);
		char *slash = strrchr(dir, '/');
		*slash = '\0';
		struct node *dn = tree_mkdir_p(m->modules_dir, dir);
		if (!dn || !tree_add_data(dn, slash + 1, 0644, placeholder, sizeof(placeholder) - 1))
			return -ENOMEM;
		mods[n] = (struct kmod_meta_module){
			.name = desc->name,
			.path = desc->path,
			.deps = name_list(desc->deps, 4, lists[n][0]),
			.aliases = name_list(desc->aliases, 8, lists[n][1]),
			.softdep_pre = name_list(desc->softdep_pre, 3, lists[n][2]),
			.softdep_post = name_list(desc->softdep_post, 3, lists[n][3]),
		};
		n++;
	}
	struct kmod_meta_file *files;
	size_t nfiles;
	int r = kmod_meta_build(mods, n, &files, &nfiles);
	if (r < 0)
		return r;
	for (size_t i = 0; i < nfiles && r == 0; i++)
		if (!tree_add_data(m->modules_dir, files[i].name, 0644, files[i].data, files[i].len))
			r = -ENOMEM;
	kmod_meta_files_free(files, nfiles);
	return r;
}

int modules_init(struct model *m)
{
	if (!tree_add_attr(m->proc, "modules", 0444, &proc_modules_ops, m, 0))
		return -ENOMEM;
	tree_child(m->proc, "modules")->size = 0; /* procfs files report 0 */
	return modules_dir_init(m);
}
