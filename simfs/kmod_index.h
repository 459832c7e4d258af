/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Module metadata for a simulated kernel: the files depmod would write under
 * lib/modules/KVER/, generated from a plain module table so that the real
 * libkmod (kmod 30) resolves names, aliases, dependencies, softdeps and
 * builtin modules exactly as modprobe does.  The .ko files of a simulated
 * kernel are placeholders, so real depmod cannot produce these.
 *
 * Pure code: bytes out, no I/O. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* --- kmod's binary index (modules.*.bin) ------------------------------ */

struct kmod_index_entry {
	const char *key;   /* 7-bit ASCII; may hold fnmatch patterns (aliases) */
	const char *value; /* 7-bit ASCII */
	uint32_t priority; /* lower sorts first among a key's values */
};

/* Serialises entries into kmod's index format (magic 0xB007F457, version
 * 2.1, a post-order Patricia trie, big-endian) byte for byte as depmod does
 * when it inserts the entries in array order: a key's values are sorted by
 * priority, and among equal priorities a later entry comes first.  Returns
 * 0 and a malloc'ed buffer, -EINVAL for a NULL string or a byte >= 0x80,
 * -EFBIG when offsets would not fit in 28 bits, -ENOMEM. */
int kmod_index_build(const struct kmod_index_entry *entries, size_t n, char **ret_buf, size_t *ret_len);

/* --- a module table turned into lib/modules/KVER/ files --------------- */

/* One module.  String lists are NULL-terminated; NULL means empty. */
struct kmod_meta_module {
	const char *name; /* [A-Za-z0-9_]+, as libkmod names it ("vfio_pci") */
	/* Relative to lib/modules/KVER ("kernel/drivers/vfio/pci/vfio-pci.ko");
	 * its basename, '-' read as '_', must be NAME.ko (libkmod derives the
	 * names of dependencies from their paths).  Optional for builtin
	 * modules: it only feeds modules.builtin and the "file" modinfo. */
	const char *path;
	const char *const *deps;	 /* direct dependencies, by name ('-' = '_') */
	const char *const *aliases;	 /* "pci:v000010DEd*sv*sd*bc03sc00i00" */
	const char *const *softdep_pre;	 /* names or aliases to load before */
	const char *const *softdep_post; /* ... and after */
	bool builtin;			 /* compiled into the kernel image */
};

struct kmod_meta_file {
	const char *name; /* "modules.dep.bin", static storage */
	char *data;	  /* malloc'ed; not NUL-terminated for .bin files */
	size_t len;
};

/* Generates every file libkmod reads for the lookups above, plus the text
 * companions depmod and kbuild install (modules.dep, modules.alias,
 * modules.symbols, modules.builtin, modules.order):
 *   modules.dep(.bin)  transitive dependencies, ordered as depmod orders them
 *   modules.alias(.bin), modules.softdep, modules.symbols(.bin) (empty)
 *   modules.builtin(.bin), modules.builtin.alias.bin, modules.builtin.modinfo
 *   modules.order      paths under kernel/ in table order
 * A module's priority is its place in modules.order (modules outside
 * kernel/, e.g. updates/dkms, come after, in table order), as in depmod.
 * Dependencies on builtin modules are dropped, as depmod does.
 * Whoever serves the files must also serve every non-builtin PATH: libkmod
 * stat()s the .ko files named in a modules.dep line and silently ignores
 * the whole line when one is missing.
 * Returns 0 and *ret_files, *ret_n (free with kmod_meta_files_free), -EINVAL
 * for a bad name, path or alias, a duplicate module, a dependency on an
 * unknown module, a dependency cycle, or a builtin module with deps or
 * softdeps; -ENOMEM. */
int kmod_meta_build(const struct kmod_meta_module *mods, size_t n, struct kmod_meta_file **ret_files,
		    size_t *ret_n);
void kmod_meta_files_free(struct kmod_meta_file *files, size_t n);
/* The file called NAME in a generated set, or NULL. */
const struct kmod_meta_file *kmod_meta_files_find(const struct kmod_meta_file *files, size_t n,
						  const char *name);
