// SPDX-License-Identifier: GPL-2.0-or-later
/* Writer of kmod's binary index format (modules.*.bin).
 *
 * File: u32 magic, u32 version, u32 root node; all integers big-endian.
 * A node is referenced by a u32 whose high nibble says which parts follow
 * at (ref & 0x0fffffff):
 *   0x80000000  prefix:   NUL-terminated chars (path compression)
 *   0x20000000  children: u8 first, u8 last, u32 ref[last - first + 1]
 *                         (0 where no child)
 *   0x40000000  values:   u32 count, then { u32 priority; char value[] NUL }
 * Nodes are written in post order (children before parents), children in
 * character order.  The trie is canonical: the root never has a prefix,
 * every other node takes the longest prefix its keys share, so building it
 * from sorted keys gives the same bytes depmod's incremental insert does. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "kmod_index.h"

#define INDEX_MAGIC 0xB007F457u
#define INDEX_VERSION 0x00020001u
#define INDEX_CHILDMAX 128
#define INDEX_NODE_PREFIX 0x80000000u
#define INDEX_NODE_VALUES 0x40000000u
#define INDEX_NODE_CHILDS 0x20000000u
#define INDEX_NODE_MASK 0x0FFFFFFFu

static void put_be32(struct buf *b, uint32_t v)
{
	uint32_t be = htonl(v);
	buf_put(b, &be, sizeof(be));
}

static void put_u8(struct buf *b, unsigned char c)
{
	buf_put(b, &c, 1);
}

static bool is_index_string(const char *s)
{
	if (!s)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s >= INDEX_CHILDMAX)
			return false;
	return true;
}

/* Keys in byte order; a key's values by priority, later entries first
 * among equal priorities (depmod inserts before equal priorities). */
static int entry_cmp(const void *pa, const void *pb)
{
	const struct kmod_index_entry *a = *(const struct kmod_index_entry *const *)pa;
	const struct kmod_index_entry *b = *(const struct kmod_index_entry *const *)pb;
	int r = strcmp(a->key, b->key);
	if (r)
		return r;
	if (a->priority != b->priority)
		return a->priority < b->priority ? -1 : 1;
	return a < b ? 1 : (a > b ? -1 : 0);
}

/* Writes the node holding sorted entries e[lo..hi), whose keys all share
 * their first DEPTH chars, after its children; returns its reference. */
static uint32_t write_node(struct buf *b, const struct kmod_index_entry *const *e, size_t lo, size_t hi,
			   size_t depth, bool root)
{
	const char *first_key = e[lo]->key, *last_key = e[hi - 1]->key;
	size_t plen = 0, pos, i, vend, nchild = 0;
	unsigned char cfirst = 0, clast = 0;
	uint32_t *child = NULL, ref;

	if (!root)
		while (first_key[depth + plen] && first_key[depth + plen] == last_key[depth + plen])
			plen++;
	pos = depth + plen;

	for (vend = lo; vend < hi && e[vend]->key[pos] == '\0'; vend++)
		;
	if (vend < hi) {
		cfirst = (unsigned char)e[vend]->key[pos];
		clast = (unsigned char)last_key[pos];
		nchild = (size_t)clast - cfirst + 1;
		child = calloc(nchild, sizeof(*child));
		if (!child) {
			b->err = -ENOMEM;
			return 0;
		}
	}
	for (i = vend; i < hi && !b->err;) {
		unsigned char ch = (unsigned char)e[i]->key[pos];
		size_t j = i;
		while (j < hi && (unsigned char)e[j]->key[pos] == ch)
			j++;
		child[ch - cfirst] = write_node(b, e, i, j, pos + 1, false);
		i = j;
	}
	if (b->err || b->len > INDEX_NODE_MASK) {
		if (!b->err)
			b->err = -EFBIG;
		free(child);
		return 0;
	}

	ref = (uint32_t)b->len;
	if (plen) {
		buf_put(b, first_key + depth, plen);
		put_u8(b, 0);
		ref |= INDEX_NODE_PREFIX;
	}
	if (nchild) {
		put_u8(b, cfirst);
		put_u8(b, clast);
		for (i = 0; i < nchild; i++)
			put_be32(b, child[i]);
		ref |= INDEX_NODE_CHILDS;
	}
	free(child);
	if (vend > lo) {
		put_be32(b, (uint32_t)(vend - lo));
		for (i = lo; i < vend; i++) {
			put_be32(b, e[i]->priority);
			buf_put(b, e[i]->value, strlen(e[i]->value) + 1);
		}
		ref |= INDEX_NODE_VALUES;
	}
	return ref;
}

int kmod_index_build(const struct kmod_index_entry *entries, size_t n, char **ret_buf, size_t *ret_len)
{
	const struct kmod_index_entry **sorted = NULL;
	struct buf b = { 0 };
	uint32_t root;
	size_t i;

	if ((n && !entries) || !ret_buf || !ret_len)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (!is_index_string(entries[i].key) || !is_index_string(entries[i].value))
			return -EINVAL;

	if (n) {
		sorted = malloc(n * sizeof(*sorted));
		if (!sorted)
			return -ENOMEM;
		for (i = 0; i < n; i++)
			sorted[i] = &entries[i];
		qsort(sorted, n, sizeof(*sorted), entry_cmp);
	}

	put_be32(&b, INDEX_MAGIC);
	put_be32(&b, INDEX_VERSION);
	put_be32(&b, 0); /* root reference, patched below */
	if (n) {
		root = write_node(&b, sorted, 0, n, 0, true);
	} else {
		/* depmod writes an empty root: a reference with no parts. */
		root = (uint32_t)b.len;
	}
	free(sorted);
	if (b.err) {
		free(b.data);
		return b.err;
	}
	root = htonl(root);
	memcpy(b.data + 8, &root, sizeof(root));

	*ret_buf = b.data;
	*ret_len = b.len;
	return 0;
}
