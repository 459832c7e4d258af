// SPDX-License-Identifier: GPL-2.0-or-later
/* The generated lib/modules/KVER/ files, checked through the real libkmod
 * (and the real modprobe where it is installed): what matters is that
 * libkmod resolves the simulated kernel's modules as modprobe would. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libkmod.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../simfs/kmod_index.h"
#include "failmalloc.h"

#define KVER "6.1.0-sim"
#define STRV(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* Debian 12 (kernel 6.1) facts, plus a variant driver from newer kernels. */
static const struct kmod_meta_module vfio_table[] = {
	{ .name = "vfio",
	  .path = "kernel/drivers/vfio/vfio.ko",
	  .softdep_post = STRV("vfio_iommu_type1", "vfio_iommu_spapr_tce") },
	{ .name = "vfio_iommu_type1",
	  .path = "kernel/drivers/vfio/vfio_iommu_type1.ko",
	  .deps = STRV("vfio") },
	{ .name = "irqbypass", .path = "kernel/virt/lib/irqbypass.ko" },
	{ .name = "vfio_pci_core",
	  .path = "kernel/drivers/vfio/pci/vfio-pci-core.ko",
	  .deps = STRV("vfio", "irqbypass") },
	{ .name = "vfio_pci",
	  .path = "kernel/drivers/vfio/pci/vfio-pci.ko",
	  .deps = STRV("vfio_pci_core"),
	  .aliases = STRV("vfio_pci:v*d*sv*sd*bc*sc*i*") },
	{ .name = "mdev", .path = "kernel/drivers/vfio/mdev/mdev.ko", .deps = STRV("vfio") },
	{ .name = "pci_pf_stub", .path = "kernel/drivers/pci/pci-pf-stub.ko" },
	{ .name = "nvgrace_gpu_vfio_pci",
	  .path = "kernel/drivers/vfio/pci/nvgrace-gpu/nvgrace-gpu-vfio-pci.ko",
	  .deps = STRV("vfio_pci_core"),
	  .aliases = STRV("vfio_pci:v000010DEd00002342sv*sd*bc*sc*i*") },
	{ .name = "nvidia",
	  .path = "updates/dkms/nvidia.ko",
	  .aliases = STRV("pci:v000010DEd*sv*sd*bc03sc00i00", "pci:v000010DEd*sv*sd*bc03sc02i00",
			  "pci:v000010DEd*sv*sd*bc06sc80i00") },
	{ .name = "unix", .path = "kernel/net/unix/unix.ko", .aliases = STRV("net-pf-1"), .builtin = true },
};
#define N_VFIO (sizeof(vfio_table) / sizeof(vfio_table[0]))

/* --- a temporary lib/modules/KVER tree -------------------------------- */

struct tree {
	char root[64];	 /* what modprobe -d takes */
	char dir[128];	 /* root/lib/modules/KVER, what kmod_new takes */
	char nocfg[128]; /* an empty config dir: no host modprobe.d */
	struct kmod_ctx *ctx;
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void mkdirs(const char *path)
{
	char buf[512];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0755);
			*p = '/';
		}
	mkdir(buf, 0755);
}

static void write_file(const char *dir, const char *name, const char *data, size_t len)
{
	char path[512];
	int fd;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void tree_init(struct tree *t)
{
	strcpy(t->root, "/tmp/test_kmod_index.XXXXXX");
	assert_non_null(mkdtemp(t->root));
	snprintf(t->dir, sizeof(t->dir), "%s/lib/modules/" KVER, t->root);
	snprintf(t->nocfg, sizeof(t->nocfg), "%s/modprobe.d", t->root);
	mkdirs(t->dir);
	mkdirs(t->nocfg);
	t->ctx = NULL;
}

/* Writes the generated files and a placeholder for every .ko file. */
static void tree_write_meta(struct tree *t, const struct kmod_meta_module *mods, size_t n)
{
	struct kmod_meta_file *files;
	size_t nf;

	assert_int_equal(kmod_meta_build(mods, n, &files, &nf), 0);
	for (size_t i = 0; i < nf; i++)
		write_file(t->dir, files[i].name, files[i].data, files[i].len);
	kmod_meta_files_free(files, nf);
	for (size_t i = 0; i < n; i++) {
		char path[512], *slash;
		if (mods[i].builtin)
			continue;
		snprintf(path, sizeof(path), "%s/%s", t->dir, mods[i].path);
		slash = strrchr(path, '/');
		*slash = '\0';
		mkdirs(path);
		write_file(path, slash + 1, "not an ELF module\n", 18);
	}
}

static struct kmod_ctx *tree_ctx(struct tree *t)
{
	const char *cfg[] = { t->nocfg, NULL };
	t->ctx = kmod_new(t->dir, cfg);
	assert_non_null(t->ctx);
	return t->ctx;
}

static void tree_fini(struct tree *t)
{
	kmod_unref(t->ctx);
	nftw(t->root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Names of the modules a lookup resolves to, space-separated. */
static char *lookup(struct kmod_ctx *ctx, const char *s)
{
	struct kmod_list *list = NULL, *l;
	static char out[512];

	out[0] = '\0';
	assert_int_equal(kmod_module_new_from_lookup(ctx, s, &list), 0);
	kmod_list_foreach(l, list)
	{
		struct kmod_module *m = kmod_module_get_module(l);
		if (out[0])
			strcat(out, " ");
		strcat(out, kmod_module_get_name(m));
		kmod_module_unref(m);
	}
	kmod_module_unref_list(list);
	return out;
}

static char *names(struct kmod_list *list)
{
	static char out[512];
	struct kmod_list *l;

	out[0] = '\0';
	kmod_list_foreach(l, list)
	{
		struct kmod_module *m = kmod_module_get_module(l);
		if (out[0])
			strcat(out, " ");
		strcat(out, kmod_module_get_name(m));
		kmod_module_unref(m);
	}
	return out;
}

static struct kmod_module *lookup_one(struct kmod_ctx *ctx, const char *s)
{
	struct kmod_list *list = NULL;
	struct kmod_module *m;

	assert_int_equal(kmod_module_new_from_lookup(ctx, s, &list), 0);
	assert_non_null(list);
	m = kmod_module_get_module(list);
	kmod_module_unref_list(list);
	return m;
}

/* --- the raw index ---------------------------------------------------- */

static void index_bytes_golden(void **state)
{
	/* Worked by hand from the format: "ab" (a leaf, written first), then
	 * "a" with one child, then the root, which never takes a prefix. */
	// clang-format off
	static const unsigned char want[] = {
		0xB0, 0x07, 0xF4, 0x57, 0x00, 0x02, 0x00, 0x01, 0x20, 0x00, 0x00, 0x26, /* header, root @38 */
		/* @12 "ab": values (1) */
		0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 'y', 0,
		/* @22 "a": children 'b'..'b' -> @12|VALUES, values (1) */
		'b', 'b', 0x40, 0x00, 0x00, 0x0C,
		0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 'x', 0,
		/* @38 root: children 'a'..'a' -> @22|CHILDS|VALUES */
		'a', 'a', 0x60, 0x00, 0x00, 0x16,
	};
	// clang-format on
	const struct kmod_index_entry e[] = { { "ab", "y", 2 }, { "a", "x", 1 } };
	static const unsigned char empty[] = { 0xB0, 0x07, 0xF4, 0x57, 0, 2, 0, 1, 0, 0, 0, 12 };
	char *buf;
	size_t len;

	assert_int_equal(kmod_index_build(e, 2, &buf, &len), 0);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	free(buf);

	assert_int_equal(kmod_index_build(NULL, 0, &buf, &len), 0);
	assert_int_equal(len, sizeof(empty));
	assert_memory_equal(buf, empty, sizeof(empty));
	free(buf);
}

static void index_order_independent(void **state)
{
	const struct kmod_index_entry a[] = { { "once", "m1", 0 },
					      { "on", "m2", 0 },
					      { "one", "m3", 0 },
					      { "ask", "m4", 0 },
					      { "ate", "m5", 0 } };
	const struct kmod_index_entry b[] = { a[3], a[1], a[4], a[0], a[2] };
	char *ba, *bb;
	size_t la, lb;

	assert_int_equal(kmod_index_build(a, 5, &ba, &la), 0);
	assert_int_equal(kmod_index_build(b, 5, &bb, &lb), 0);
	assert_int_equal(la, lb);
	assert_memory_equal(ba, bb, la);
	free(ba);
	free(bb);
}

/* Keys with shared prefixes and wildcard patterns, served as
 * modules.alias.bin: libkmod's wildcard search must find every pattern
 * matching a name, ordered by priority, and no exact key by accident. */
static void index_lookups_through_libkmod(void **state)
{
	const struct kmod_index_entry e[] = {
		{ "once", "m_once", 5 },
		{ "on", "m_on", 4 },
		{ "one", "m_one", 3 },
		{ "ask", "m_ask", 2 },
		{ "ate", "m_ate", 1 },
		{ "pci:v000010DEd*sv*sd*bc03sc00i00", "m_vga", 9 },
		{ "pci:v000010DEd*sv*sd*bc03sc0[0-2]i00", "m_range", 7 },
		{ "pci:v000010DEd00002342sv*sd*bc*sc*i*", "m_h100", 8 },
		{ "pci:v*d*sv*sd*bc03sc*i*", "m_any", 6 },
		{ "pci:v*d*sv*sd*bc03sc*i*", "m_any_first", 6 }, /* same priority: later first */
	};
	struct tree t;
	char *buf;
	size_t len;

	tree_init(&t);
	assert_int_equal(kmod_index_build(e, sizeof(e) / sizeof(e[0]), &buf, &len), 0);
	write_file(t.dir, "modules.alias.bin", buf, len);
	free(buf);
	tree_ctx(&t);

	assert_string_equal(lookup(t.ctx, "on"), "m_on");
	assert_string_equal(lookup(t.ctx, "one"), "m_one");
	assert_string_equal(lookup(t.ctx, "once"), "m_once");
	assert_string_equal(lookup(t.ctx, "ate"), "m_ate");
	assert_string_equal(lookup(t.ctx, "o"), "");
	assert_string_equal(lookup(t.ctx, "ones"), "");
	assert_string_equal(lookup(t.ctx, "pci:v000010DEd00002342sv000010DEsd00001809bc03sc02i00"),
			    "m_any_first m_any m_range m_h100");
	assert_string_equal(lookup(t.ctx, "pci:v000010DEd00002330sv000010DEsd00001809bc03sc00i00"),
			    "m_any_first m_any m_range m_vga");
	assert_string_equal(lookup(t.ctx, "pci:v00008086d00001234sv00008086sd00000001bc03sc00i00"),
			    "m_any_first m_any");
	assert_string_equal(lookup(t.ctx, "pci:v000010DEd00002330sv000010DEsd00001809bc06sc80i00"), "");

	/* Equal priorities: libkmod's file reader (used when the indexes are
	 * not loaded) keeps file order, its mmap reader reverses it. */
	{
		static const char *const others[] = { "modules.dep.bin", "modules.symbols.bin",
						      "modules.builtin.bin" };
		for (size_t i = 0; i < 3; i++) {
			assert_int_equal(kmod_index_build(NULL, 0, &buf, &len), 0);
			write_file(t.dir, others[i], buf, len);
			free(buf);
		}
		assert_int_equal(kmod_load_resources(t.ctx), 0);
		assert_string_equal(lookup(t.ctx, "pci:v00008086d00001234sv00008086sd00000001bc03sc00i00"),
				    "m_any m_any_first");
		assert_string_equal(lookup(t.ctx, "once"), "m_once");
	}
	tree_fini(&t);
}

static void index_rejects(void **state)
{
	const struct kmod_index_entry high[] = { { "caf\xc3\xa9", "m", 0 } };
	const struct kmod_index_entry high_value[] = { { "cafe", "\x80", 0 } };
	const struct kmod_index_entry null_key[] = { { NULL, "m", 0 } };
	char *buf = (char *)0x1;
	size_t len = 7;

	assert_int_equal(kmod_index_build(high, 1, &buf, &len), -EINVAL);
	assert_int_equal(kmod_index_build(high_value, 1, &buf, &len), -EINVAL);
	assert_int_equal(kmod_index_build(null_key, 1, &buf, &len), -EINVAL);
	assert_int_equal(kmod_index_build(NULL, 1, &buf, &len), -EINVAL);
	assert_ptr_equal(buf, (char *)0x1); /* untouched on failure */
	assert_int_equal(len, 7);
}

/* --- the module table ------------------------------------------------- */

static const char *file_text(const struct kmod_meta_file *files, size_t n, const char *name, char *buf,
			     size_t size)
{
	const struct kmod_meta_file *f = kmod_meta_files_find(files, n, name);
	assert_non_null(f);
	assert_true(f->len < size);
	memcpy(buf, f->data, f->len);
	buf[f->len] = '\0';
	return buf;
}

static void meta_text_files(void **state)
{
	struct kmod_meta_file *files;
	size_t n;
	char buf[4096];

	assert_int_equal(kmod_meta_build(vfio_table, N_VFIO, &files, &n), 0);
	assert_string_equal(file_text(files, n, "modules.dep", buf, sizeof(buf)),
			    "kernel/drivers/vfio/vfio.ko:\n"
			    "kernel/drivers/vfio/vfio_iommu_type1.ko: kernel/drivers/vfio/vfio.ko\n"
			    "kernel/virt/lib/irqbypass.ko:\n"
			    "kernel/drivers/vfio/pci/vfio-pci-core.ko: kernel/virt/lib/irqbypass.ko "
			    "kernel/drivers/vfio/vfio.ko\n"
			    "kernel/drivers/vfio/pci/vfio-pci.ko: kernel/drivers/vfio/pci/vfio-pci-core.ko "
			    "kernel/virt/lib/irqbypass.ko kernel/drivers/vfio/vfio.ko\n"
			    "kernel/drivers/vfio/mdev/mdev.ko: kernel/drivers/vfio/vfio.ko\n"
			    "kernel/drivers/pci/pci-pf-stub.ko:\n"
			    "kernel/drivers/vfio/pci/nvgrace-gpu/nvgrace-gpu-vfio-pci.ko: "
			    "kernel/drivers/vfio/pci/vfio-pci-core.ko kernel/virt/lib/irqbypass.ko "
			    "kernel/drivers/vfio/vfio.ko\n"
			    "updates/dkms/nvidia.ko:\n");
	assert_string_equal(file_text(files, n, "modules.softdep", buf, sizeof(buf)),
			    "# Soft dependencies extracted from modules themselves.\n"
			    "softdep vfio post: vfio_iommu_type1 vfio_iommu_spapr_tce\n");
	assert_string_equal(file_text(files, n, "modules.alias", buf, sizeof(buf)),
			    "# Aliases extracted from modules themselves.\n"
			    "alias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci\n"
			    "alias vfio_pci:v000010DEd00002342sv*sd*bc*sc*i* nvgrace_gpu_vfio_pci\n"
			    "alias pci:v000010DEd*sv*sd*bc03sc00i00 nvidia\n"
			    "alias pci:v000010DEd*sv*sd*bc03sc02i00 nvidia\n"
			    "alias pci:v000010DEd*sv*sd*bc06sc80i00 nvidia\n");
	assert_string_equal(file_text(files, n, "modules.order", buf, sizeof(buf)),
			    "kernel/drivers/vfio/vfio.ko\n"
			    "kernel/drivers/vfio/vfio_iommu_type1.ko\n"
			    "kernel/virt/lib/irqbypass.ko\n"
			    "kernel/drivers/vfio/pci/vfio-pci-core.ko\n"
			    "kernel/drivers/vfio/pci/vfio-pci.ko\n"
			    "kernel/drivers/vfio/mdev/mdev.ko\n"
			    "kernel/drivers/pci/pci-pf-stub.ko\n"
			    "kernel/drivers/vfio/pci/nvgrace-gpu/nvgrace-gpu-vfio-pci.ko\n");
	assert_string_equal(file_text(files, n, "modules.builtin", buf, sizeof(buf)),
			    "kernel/net/unix/unix.ko\n");
	{
		const struct kmod_meta_file *f = kmod_meta_files_find(files, n, "modules.builtin.modinfo");
		static const char want[] = "unix.file=net/unix/unix\0unix.alias=net-pf-1";
		assert_non_null(f);
		assert_int_equal(f->len, sizeof(want));
		assert_memory_equal(f->data, want, sizeof(want));
	}
	assert_null(kmod_meta_files_find(files, n, "modules.devname"));
	kmod_meta_files_free(files, n);
}

static void meta_lookups(void **state)
{
	struct tree t;
	struct kmod_module *m;
	char want[256];

	tree_init(&t);
	tree_write_meta(&t, vfio_table, N_VFIO);
	tree_ctx(&t);
	/* every index libkmod insists on is there */
	assert_int_equal(kmod_load_resources(t.ctx), 0);

	assert_string_equal(lookup(t.ctx, "vfio-pci"), "vfio_pci");
	assert_string_equal(lookup(t.ctx, "vfio_pci"), "vfio_pci");
	m = lookup_one(t.ctx, "vfio-pci");
	snprintf(want, sizeof(want), "%s/kernel/drivers/vfio/pci/vfio-pci.ko", t.dir);
	assert_string_equal(kmod_module_get_path(m), want);
	kmod_module_unref(m);

	/* Every matching alias, by module priority (modules.order), not by
	 * how specific the pattern is: kbuild lists vfio-pci before the
	 * variant drivers in its subdirectories, so choosing the variant is
	 * the caller's job (the most specific pattern). */
	assert_string_equal(lookup(t.ctx, "vfio_pci:v000010DEd00002342sv000010DEsd00001809bc03sc02i00"),
			    "vfio_pci nvgrace_gpu_vfio_pci");
	assert_string_equal(lookup(t.ctx, "vfio_pci:v000010DEd000020B5sv000010DEsd00001533bc03sc02i00"),
			    "vfio_pci");
	assert_string_equal(lookup(t.ctx, "pci:v000010DEd00002342sv000010DEsd00001809bc03sc02i00"), "nvidia");
	assert_string_equal(lookup(t.ctx, "pci:v000010DEd000022A3sv000010DEsd00001796bc06sc80i00"), "nvidia");
	assert_string_equal(lookup(t.ctx, "pci:v00001234d000011E8sv00001AF4sd00001100bc00sc00i00"), "");
	assert_string_equal(lookup(t.ctx, "no_such_module"), "");

	/* builtin, by name and by alias */
	assert_string_equal(lookup(t.ctx, "unix"), "unix");
	assert_string_equal(lookup(t.ctx, "net-pf-1"), "unix");
	m = lookup_one(t.ctx, "unix");
	assert_null(kmod_module_get_path(m));
	assert_int_equal(kmod_module_get_initstate(m), KMOD_MODULE_BUILTIN);
	kmod_module_unref(m);
	m = lookup_one(t.ctx, "vfio");
	assert_int_not_equal(kmod_module_get_initstate(m), KMOD_MODULE_BUILTIN);
	kmod_module_unref(m);
	tree_fini(&t);
}

static void meta_dependencies_and_softdeps(void **state)
{
	struct tree t;
	struct kmod_module *m;
	struct kmod_list *deps, *pre = NULL, *post = NULL;

	tree_init(&t);
	tree_write_meta(&t, vfio_table, N_VFIO);
	tree_ctx(&t);

	/* libkmod reverses the modules.dep line: load order */
	m = lookup_one(t.ctx, "vfio-pci");
	deps = kmod_module_get_dependencies(m);
	assert_string_equal(names(deps), "vfio irqbypass vfio_pci_core");
	kmod_module_unref_list(deps);
	kmod_module_unref(m);

	m = lookup_one(t.ctx, "nvgrace_gpu_vfio_pci");
	deps = kmod_module_get_dependencies(m);
	assert_string_equal(names(deps), "vfio irqbypass vfio_pci_core");
	kmod_module_unref_list(deps);
	kmod_module_unref(m);

	/* vfio_iommu_spapr_tce does not exist on x86: silently left out */
	m = lookup_one(t.ctx, "vfio");
	assert_int_equal(kmod_module_get_softdeps(m, &pre, &post), 0);
	assert_null(pre);
	assert_string_equal(names(post), "vfio_iommu_type1");
	kmod_module_unref_list(post);
	kmod_module_unref(m);
	tree_fini(&t);
}

static char actions[1024];

static void record_action(struct kmod_module *m, bool install, const char *options)
{
	const char *path = kmod_module_get_path(m);
	char line[512];
	if (path)
		snprintf(line, sizeof(line), "insmod %s %s\n", path, options);
	else if (kmod_module_get_initstate(m) == KMOD_MODULE_BUILTIN)
		snprintf(line, sizeof(line), "builtin %s\n", kmod_module_get_name(m));
	else
		line[0] = '\0';
	strcat(actions, line);
}

/* modprobe's insmod(): every module the lookup resolves to, dry run. */
static void probe(struct kmod_ctx *ctx, const char *s)
{
	struct kmod_list *list = NULL, *l;

	actions[0] = '\0';
	assert_int_equal(kmod_module_new_from_lookup(ctx, s, &list), 0);
	kmod_list_foreach(l, list)
	{
		struct kmod_module *m = kmod_module_get_module(l);
		assert_int_equal(kmod_module_probe_insert_module(m,
								 KMOD_PROBE_DRY_RUN |
								     KMOD_PROBE_IGNORE_LOADED |
								     KMOD_PROBE_APPLY_BLACKLIST_ALIAS_ONLY,
								 NULL, NULL, NULL, record_action),
				 0);
		kmod_module_unref(m);
	}
	kmod_module_unref_list(list);
}

/* kmod's tools live in sbin, often not in a user's PATH. */
static const char *kmod_tool(const char *name)
{
	static const char *const dirs[] = { "/usr/sbin", "/sbin", "/usr/bin", "/bin" };
	static char path[64];
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dirs[i], name);
		if (access(path, X_OK) == 0)
			return path;
	}
	return NULL;
}

/* `modprobe -d ROOT -S KVER -C EMPTY --show-depends S`, or NULL. */
static char *real_modprobe(const struct tree *t, const char *s)
{
	static char out[2048];
	const char *bin = kmod_tool("modprobe");
	char cmd[1024];
	size_t len;
	FILE *p;

	if (!bin)
		return NULL;
	snprintf(cmd, sizeof(cmd), "%s -d %s -S " KVER " -C %s --show-depends '%s' 2>&1", bin, t->root,
		 t->nocfg, s);
	p = popen(cmd, "r");
	assert_non_null(p);
	len = fread(out, 1, sizeof(out) - 1, p);
	out[len] = '\0';
	pclose(p);
	return out;
}

static void expect_probe(struct tree *t, const char *s, const char *rel_want)
{
	char want[2048] = "", *real;
	const char *line = rel_want;

	/* rel_want holds "insmod REL" lines; libkmod prints absolute paths */
	while (*line) {
		const char *nl = strchr(line, '\n');
		char buf[512];
		if (strncmp(line, "insmod ", 7) == 0)
			snprintf(buf, sizeof(buf), "insmod %s/%.*s \n", t->dir, (int)(nl - line - 7),
				 line + 7);
		else
			snprintf(buf, sizeof(buf), "%.*s\n", (int)(nl - line), line);
		strcat(want, buf);
		line = nl + 1;
	}
	probe(t->ctx, s);
	assert_string_equal(actions, want);
	real = real_modprobe(t, s);
	if (real)
		assert_string_equal(real, want);
	else
		print_message("modprobe not installed: comparison with the real tool skipped\n");
}

static void meta_probe_like_modprobe(void **state)
{
	struct tree t;

	tree_init(&t);
	tree_write_meta(&t, vfio_table, N_VFIO);
	tree_ctx(&t);
	/* vfio comes twice: once as vfio-pci's dependency, once as the
	 * dependency of its own post softdep vfio_iommu_type1 (libkmod does
	 * not mark modules reached as dependencies as visited).  A real load
	 * skips the second one because /sys/module/vfio/initstate is "live". */
	expect_probe(&t, "vfio-pci",
		     "insmod kernel/drivers/vfio/vfio.ko\n"
		     "insmod kernel/drivers/vfio/vfio.ko\n"
		     "insmod kernel/drivers/vfio/vfio_iommu_type1.ko\n"
		     "insmod kernel/virt/lib/irqbypass.ko\n"
		     "insmod kernel/drivers/vfio/pci/vfio-pci-core.ko\n"
		     "insmod kernel/drivers/vfio/pci/vfio-pci.ko\n");
	expect_probe(&t, "vfio",
		     "insmod kernel/drivers/vfio/vfio.ko\n"
		     "insmod kernel/drivers/vfio/vfio.ko\n"
		     "insmod kernel/drivers/vfio/vfio_iommu_type1.ko\n");
	expect_probe(&t, "pci:v000010DEd00002342sv000010DEsd00001809bc03sc02i00",
		     "insmod updates/dkms/nvidia.ko\n");
	expect_probe(&t, "net-pf-1", "builtin unix\n");
	tree_fini(&t);
}

/* A dependency on builtin code is no dependency: depmod finds no owner. */
static void meta_dep_on_builtin_dropped(void **state)
{
	const struct kmod_meta_module mods[] = {
		{ .name = "a", .path = "kernel/a.ko", .deps = STRV("unix", "b", "b") },
		{ .name = "b", .path = "kernel/b-x.ko.xz" /* wrong name */ },
	};
	const struct kmod_meta_module ok[] = {
		{ .name = "a", .path = "kernel/a.ko", .deps = STRV("unix", "b_x", "b-x") },
		{ .name = "b_x", .path = "kernel/sub/b-x.ko.xz" },
		{ .name = "unix", .builtin = true },
	};
	struct kmod_meta_file *files;
	size_t n;
	char buf[512];

	assert_int_equal(kmod_meta_build(mods, 2, &files, &n), -EINVAL);
	assert_int_equal(kmod_meta_build(ok, 3, &files, &n), 0);
	assert_string_equal(file_text(files, n, "modules.dep", buf, sizeof(buf)),
			    "kernel/a.ko: kernel/sub/b-x.ko.xz\nkernel/sub/b-x.ko.xz:\n");
	assert_string_equal(file_text(files, n, "modules.builtin", buf, sizeof(buf)), "");
	kmod_meta_files_free(files, n);
}

/* Modules outside modules.order (updates/, extra/) rank after those in it,
 * whatever their place in the table. */
static void meta_priority_follows_modules_order(void **state)
{
	const struct kmod_meta_module mods[] = {
		{ .name = "early", .path = "updates/early.ko", .aliases = STRV("x:*") },
		{ .name = "late", .path = "kernel/late.ko", .aliases = STRV("x:1") },
	};
	struct tree t;

	tree_init(&t);
	tree_write_meta(&t, mods, 2);
	tree_ctx(&t);
	assert_string_equal(lookup(t.ctx, "x:1"), "late early");
	tree_fini(&t);
}

static void meta_rejects(void **state)
{
	const struct kmod_meta_module unknown[] = {
		{ .name = "a", .path = "kernel/a.ko", .deps = STRV("zz") }
	};
	const struct kmod_meta_module cycle[] = {
		{ .name = "a", .path = "kernel/a.ko", .deps = STRV("c") },
		{ .name = "b", .path = "kernel/b.ko", .deps = STRV("a") },
		{ .name = "c", .path = "kernel/c.ko", .deps = STRV("b") },
		{ .name = "d", .path = "kernel/d.ko" },
	};
	const struct kmod_meta_module self[] = { { .name = "a", .path = "kernel/a.ko", .deps = STRV("a") } };
	const struct kmod_meta_module dash[] = { { .name = "vfio-pci", .path = "kernel/vfio-pci.ko" } };
	const struct kmod_meta_module empty[] = { { .name = "", .path = "kernel/.ko" } };
	const struct kmod_meta_module noname[] = { { .path = "kernel/a.ko" } };
	const struct kmod_meta_module nopath[] = { { .name = "a" } };
	const struct kmod_meta_module abs[] = { { .name = "a", .path = "/lib/modules/a.ko" } };
	const struct kmod_meta_module dotdot[] = { { .name = "a", .path = "kernel/../a.ko" } };
	const struct kmod_meta_module notko[] = { { .name = "a", .path = "kernel/a.o" } };
	const struct kmod_meta_module blank[] = { { .name = "a", .path = "kernel/x y/a.ko" } };
	const struct kmod_meta_module dup[] = { { .name = "a", .path = "kernel/a.ko" },
						{ .name = "a", .path = "extra/a.ko" } };
	const struct kmod_meta_module bracket[] = {
		{ .name = "a", .path = "kernel/a.ko", .aliases = STRV("x]") }
	};
	const struct kmod_meta_module open[] = {
		{ .name = "a", .path = "kernel/a.ko", .aliases = STRV("x[ab") }
	};
	const struct kmod_meta_module space[] = {
		{ .name = "a", .path = "kernel/a.ko", .aliases = STRV("x y") }
	};
	const struct kmod_meta_module soft[] = {
		{ .name = "a", .path = "kernel/a.ko", .softdep_pre = STRV("") }
	};
	const struct kmod_meta_module bdeps[] = { { .name = "a", .path = "kernel/a.ko" },
						  { .name = "u", .builtin = true, .deps = STRV("a") } };
	const struct kmod_meta_module bsoft[] = {
		{ .name = "u", .builtin = true, .softdep_post = STRV("x") }
	};
	const struct kmod_meta_module high[] = {
		{ .name = "a", .path = "kernel/a.ko", .aliases = STRV("\xc3\xa9") }
	};
	const struct {
		const struct kmod_meta_module *m;
		size_t n;
	} bad[] = {
		{ unknown, 1 }, { cycle, 4 },  { self, 1 },    { dash, 1 },   { empty, 1 },
		{ noname, 1 },	{ nopath, 1 }, { abs, 1 },     { dotdot, 1 }, { notko, 1 },
		{ blank, 1 },	{ dup, 2 },    { bracket, 1 }, { open, 1 },   { space, 1 },
		{ soft, 1 },	{ bdeps, 2 },  { bsoft, 1 },   { high, 1 },
	};
	struct kmod_meta_file *files = (void *)0x1;
	size_t n = 7;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(kmod_meta_build(bad[i].m, bad[i].n, &files, &n), -EINVAL);
	}
	assert_ptr_equal(files, (void *)0x1);
	assert_int_equal(n, 7);
	assert_int_equal(kmod_meta_build(NULL, 1, &files, &n), -EINVAL);

	/* brackets keep their '-', the rest is normalised */
	{
		const struct kmod_meta_module m[] = {
			{ .name = "a", .path = "kernel/a.ko", .aliases = STRV("x-y[a-c]-z") }
		};
		struct tree t;
		tree_init(&t);
		tree_write_meta(&t, m, 1);
		tree_ctx(&t);
		assert_string_equal(lookup(t.ctx, "x-yb_z"), "a");
		assert_string_equal(lookup(t.ctx, "x_yc-z"), "a");
		assert_string_equal(lookup(t.ctx, "x_yd_z"), "");
		tree_fini(&t);
	}
}

/* --- byte for byte against the real depmod ------------------------------
 * Real depmod reads ELF files, so each module becomes a relocatable object
 * compiled by cc: it exports NAME_sym (__ksymtab_strings), references the
 * symbols of its dependencies (undefined in .symtab) and carries aliases and
 * softdeps in .modinfo.  depmod gets our modules.order, modules.builtin and
 * modules.builtin.modinfo (kbuild's outputs, depmod's inputs). */

static bool have_tools(void)
{
	return kmod_tool("depmod") && system("command -v cc >/dev/null 2>&1") == 0;
}

static void put_strv(FILE *f, const char *key, const char *const *v, bool *first)
{
	for (size_t i = 0; v && v[i]; i++) {
		fprintf(f, "%s%s=%s", *first ? "" : "\\0", key, v[i]);
		*first = false;
	}
}

static void build_elf_module(const struct tree *t, const struct kmod_meta_module *m)
{
	char src[256], ko[256], cmd[1024];
	bool first = true;
	FILE *f;

	snprintf(src, sizeof(src), "%s/%s.c", t->root, m->name);
	snprintf(ko, sizeof(ko), "%s/%s", t->dir, m->path);
	f = fopen(src, "w");
	assert_non_null(f);
	fprintf(f,
		"const char ksym[] __attribute__((section(\"__ksymtab_strings\"), used, aligned(1))) = "
		"\"%s_sym\";\n",
		m->name);
	for (size_t i = 0; m->deps && m->deps[i]; i++)
		fprintf(f, "extern int %s_sym; int *ref%zu = &%s_sym;\n", m->deps[i], i, m->deps[i]);
	fprintf(f, "const char modinfo[] __attribute__((section(\".modinfo\"), used, aligned(1))) = \"");
	put_strv(f, "alias", m->aliases, &first);
	if (m->softdep_pre || m->softdep_post) {
		fprintf(f, "%ssoftdep=", first ? "" : "\\0");
		if (m->softdep_pre) {
			fprintf(f, "pre:");
			for (size_t i = 0; m->softdep_pre[i]; i++)
				fprintf(f, " %s", m->softdep_pre[i]);
		}
		if (m->softdep_post) {
			fprintf(f, "%spost:", m->softdep_pre ? " " : "");
			for (size_t i = 0; m->softdep_post[i]; i++)
				fprintf(f, " %s", m->softdep_post[i]);
		}
	}
	fprintf(f, "\";\n");
	fclose(f);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\" && cc -c -fno-pic -O0 -o '%s' '%s'", ko, ko,
		 src);
	assert_int_equal(system(cmd), 0);
}

static void expect_same_as_depmod(const struct kmod_meta_module *mods, size_t n)
{
	static const char *const compared[] = {
		"modules.dep",
		"modules.dep.bin",
		"modules.alias",
		"modules.alias.bin",
		"modules.softdep",
		"modules.builtin.bin",
		"modules.builtin.alias.bin",
	};
	static const char *const inputs[] = { "modules.order", "modules.builtin", "modules.builtin.modinfo" };
	struct kmod_meta_file *files;
	size_t nf;
	struct tree t;
	char cmd[1024];

	tree_init(&t);
	for (size_t i = 0; i < n; i++)
		if (!mods[i].builtin)
			build_elf_module(&t, &mods[i]);
	assert_int_equal(kmod_meta_build(mods, n, &files, &nf), 0);
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		const struct kmod_meta_file *f = kmod_meta_files_find(files, nf, inputs[i]);
		write_file(t.dir, f->name, f->data, f->len);
	}
	snprintf(cmd, sizeof(cmd), "%s -b '%s' -C '%s' " KVER, kmod_tool("depmod"), t.root, t.nocfg);
	assert_int_equal(system(cmd), 0);
	for (size_t i = 0; i < sizeof(compared) / sizeof(compared[0]); i++) {
		const struct kmod_meta_file *f = kmod_meta_files_find(files, nf, compared[i]);
		char path[512], *real;
		size_t len;
		FILE *in;

		snprintf(path, sizeof(path), "%s/%s", t.dir, compared[i]);
		in = fopen(path, "r");
		assert_non_null(in);
		real = malloc(f->len + 2);
		len = fread(real, 1, f->len + 1, in);
		fclose(in);
		if (len != f->len || memcmp(real, f->data, len) != 0)
			fail_msg("%s differs from depmod's (%zu vs %zu bytes)", compared[i], f->len, len);
		free(real);
	}
	kmod_meta_files_free(files, nf);
	tree_fini(&t);
}

static void meta_vfio_same_as_depmod(void **state)
{
	if (!have_tools()) {
		print_message("cc or depmod missing: skipped\n");
		return;
	}
	expect_same_as_depmod(vfio_table, N_VFIO);
}

/* A pseudo-random table: a DAG in scrambled table order, aliases sharing
 * prefixes, wildcards and classes, the same alias in several modules (and
 * twice in one), builtins sharing an alias (equal priorities). */
#define RND_N 48
struct rnd_table {
	struct kmod_meta_module m[RND_N];
	char names[RND_N][16], paths[RND_N][64], strs[RND_N][16][48];
	const char *lists[RND_N][4][8];
};

static uint32_t rnd_next(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return (*s >> 16) & 0x7fff;
}

static void rnd_table_init(struct rnd_table *rt, uint32_t seed)
{
	static const char *const heads[] = {
		"pci:v000010DEd", "pci:v000010DEd0000", "pci:v00001AF4d", "usb:v", "of:N", "acpi*:", "x"
	};
	static const char *const tails[] = { "*",  "?", "[0-3]", "2342*", "23*sv*sd*bc03sc0[0-2]i00",
					     "-y", "",	"1*" };
	size_t rank[RND_N];

	memset(rt, 0, sizeof(*rt));
	for (size_t i = 0; i < RND_N; i++)
		rank[i] = i;
	for (size_t i = RND_N - 1; i > 0; i--) { /* dependencies go to lower ranks */
		size_t j = rnd_next(&seed) % (i + 1), tmp = rank[i];
		rank[i] = rank[j];
		rank[j] = tmp;
	}
	for (size_t i = 0; i < RND_N; i++) {
		struct kmod_meta_module *m = &rt->m[i];
		size_t ns = 0, nl[4] = { 0 };

		snprintf(rt->names[i], sizeof(rt->names[i]), "m_%02zu", i);
		m->name = rt->names[i];
		m->builtin = i % 12 == 5;
		if (i == 7)
			snprintf(rt->paths[i], sizeof(rt->paths[i]), "updates/dkms/m-%02zu.ko", i);
		else
			snprintf(rt->paths[i], sizeof(rt->paths[i]), "kernel/d%zu/m-%02zu.ko", i % 3, i);
		m->path = rt->paths[i];
		for (size_t k = rnd_next(&seed) % 4; k > 0; k--) {
			char *a = rt->strs[i][ns++];
			snprintf(a, 48, "%s%s", heads[rnd_next(&seed) % 7], tails[rnd_next(&seed) % 8]);
			rt->lists[i][0][nl[0]++] = a;
		}
		if (i % 9 == 0) /* shared by several modules, twice in one */
			rt->lists[i][0][nl[0]++] = "shared:alias";
		if (i == 18)
			rt->lists[i][0][nl[0]++] = "shared:alias";
		if (!m->builtin) {
			for (size_t j = 0; j < RND_N && nl[1] < 4; j++)
				if (rank[j] < rank[i] && rnd_next(&seed) % 8 == 0)
					rt->lists[i][1][nl[1]++] = rt->names[j];
			if (rnd_next(&seed) % 5 == 0)
				rt->lists[i][2][nl[2]++] = rt->names[rnd_next(&seed) % RND_N];
			if (rnd_next(&seed) % 5 == 0) {
				rt->lists[i][3][nl[3]++] = rt->names[rnd_next(&seed) % RND_N];
				rt->lists[i][3][nl[3]++] = "no_such_module";
			}
		}
		m->aliases = nl[0] ? rt->lists[i][0] : NULL;
		m->deps = nl[1] ? rt->lists[i][1] : NULL;
		m->softdep_pre = nl[2] ? rt->lists[i][2] : NULL;
		m->softdep_post = nl[3] ? rt->lists[i][3] : NULL;
	}
}

static void meta_random_same_as_depmod(void **state)
{
	static struct rnd_table rt;

	if (!have_tools()) {
		print_message("cc or depmod missing: skipped\n");
		return;
	}
	for (uint32_t seed = 1; seed <= 3; seed++) {
		rnd_table_init(&rt, seed);
		expect_same_as_depmod(rt.m, RND_N);
	}
}

/* libkmod stat()s every dependency's .ko while parsing a modules.dep line;
 * one missing file makes it drop the whole line, and a probe then inserts
 * the module alone and reports success.  simfs must serve every .ko. */
static void meta_missing_ko_drops_all_deps(void **state)
{
	struct tree t;
	char path[512];

	tree_init(&t);
	tree_write_meta(&t, vfio_table, N_VFIO);
	snprintf(path, sizeof(path), "%s/kernel/virt/lib/irqbypass.ko", t.dir);
	assert_int_equal(unlink(path), 0);
	tree_ctx(&t);
	kmod_set_log_priority(t.ctx, 0); /* libkmod logs the ENOENT */
	probe(t.ctx, "vfio-pci");
	snprintf(path, sizeof(path), "insmod %s/kernel/drivers/vfio/pci/vfio-pci.ko \n", t.dir);
	assert_string_equal(actions, path);
	tree_fini(&t);
}

/* modules.softdep is read as one more configuration file, in name order
 * with the modprobe.d files, and only the first softdep line matching a
 * module counts: a modprobe.d file sorting after "modules.softdep" cannot
 * override it, one sorting before can. */
static void meta_softdep_first_config_wins(void **state)
{
	static const char conf[] = "softdep vfio pre: irqbypass\n";
	struct tree t;
	struct kmod_module *m;
	struct kmod_list *pre = NULL, *post = NULL;

	tree_init(&t);
	tree_write_meta(&t, vfio_table, N_VFIO);
	write_file(t.nocfg, "vfio.conf", conf, sizeof(conf) - 1);
	tree_ctx(&t);
	m = lookup_one(t.ctx, "vfio");
	assert_int_equal(kmod_module_get_softdeps(m, &pre, &post), 0);
	assert_null(pre);
	assert_string_equal(names(post), "vfio_iommu_type1");
	kmod_module_unref_list(post);
	kmod_module_unref(m);
	kmod_unref(t.ctx);

	post = NULL;
	write_file(t.nocfg, "00-vfio.conf", conf, sizeof(conf) - 1);
	tree_ctx(&t);
	m = lookup_one(t.ctx, "vfio");
	assert_int_equal(kmod_module_get_softdeps(m, &pre, &post), 0);
	assert_string_equal(names(pre), "irqbypass");
	assert_null(post);
	kmod_module_unref_list(pre);
	kmod_module_unref(m);
	tree_fini(&t);
}

/* --- allocation failures ------------------------------------------------
 * failmalloc.h: the Nth allocation fails, live allocations are counted, so
 * every failure must come back as -ENOMEM with nothing leaked.  ASan owns
 * the allocator in check-asan, so this runs in the plain build. */
#if FAILMALLOC
static void meta_allocation_failures(void **state)
{
	long nth;

	for (nth = 0;; nth++) {
		struct kmod_meta_file *files = NULL;
		size_t n = 0;
		int r;

		failmalloc_arm(nth);
		r = kmod_meta_build(vfio_table, N_VFIO, &files, &n);
		if (failmalloc_disarm() == FAILMALLOC_NONE_FAILED) {
			assert_int_equal(r, 0);
			kmod_meta_files_free(files, n);
			break;
		}
		assert_int_equal(r, -ENOMEM);
		assert_int_equal(failmalloc_live(), 0);
		assert_null(files);
	}
	assert_true(nth > 20); /* it did fail a good number of times */

	for (nth = 0;; nth++) {
		const struct kmod_index_entry e[] = { { "once", "a", 1 },
						      { "on", "b", 2 },
						      { "one", "c", 0 } };
		char *buf = NULL;
		size_t len;
		int r;

		failmalloc_arm(nth);
		r = kmod_index_build(e, 3, &buf, &len);
		if (failmalloc_disarm() == FAILMALLOC_NONE_FAILED) {
			assert_int_equal(r, 0);
			free(buf);
			break;
		}
		assert_int_equal(r, -ENOMEM);
		assert_int_equal(failmalloc_live(), 0);
	}
	assert_true(nth > 2);
}
#else
static void meta_allocation_failures(void **state)
{
	skip();
}
#endif

/* An empty table still gives libkmod a complete, empty set of indexes. */
static void meta_empty(void **state)
{
	struct tree t;

	tree_init(&t);
	tree_write_meta(&t, NULL, 0);
	tree_ctx(&t);
	assert_int_equal(kmod_load_resources(t.ctx), 0);
	assert_string_equal(lookup(t.ctx, "vfio"), "");
	tree_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(index_bytes_golden),
		cmocka_unit_test(index_order_independent),
		cmocka_unit_test(index_lookups_through_libkmod),
		cmocka_unit_test(index_rejects),
		cmocka_unit_test(meta_text_files),
		cmocka_unit_test(meta_lookups),
		cmocka_unit_test(meta_dependencies_and_softdeps),
		cmocka_unit_test(meta_probe_like_modprobe),
		cmocka_unit_test(meta_dep_on_builtin_dropped),
		cmocka_unit_test(meta_priority_follows_modules_order),
		cmocka_unit_test(meta_rejects),
		cmocka_unit_test(meta_missing_ko_drops_all_deps),
		cmocka_unit_test(meta_softdep_first_config_wins),
		cmocka_unit_test(meta_empty),
		cmocka_unit_test(meta_allocation_failures),
		cmocka_unit_test(meta_vfio_same_as_depmod),
		cmocka_unit_test(meta_random_same_as_depmod),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
