// SPDX-License-Identifier: GPL-2.0-or-later
#include "tree.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static uint64_t next_ino = 1;

static struct node *node_new(const char *name, enum node_type type, mode_t mode)
{
	struct node *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->name = strdup(name);
	if (!n->name) {
		free(n);
		return NULL;
	}
	n->type = type;
	n->mode = mode;
	n->ino = next_ino++;
	return n;
}

struct node *tree_new(void)
{
	return node_new("", NODE_DIR, 0755);
}

static void node_free(struct node *n)
{
	struct node *c = n->children;
	while (c) {
		struct node *nx = c->next;
		node_free(c);
		c = nx;
	}
	free(n->name);
	free(n->target);
	free(n->data);
	free(n);
}

void tree_free(struct node *root)
{
	if (root)
		node_free(root);
}

struct node *tree_child(struct node *dir, const char *name)
{
	if (!dir || dir->type != NODE_DIR)
		return NULL;
	for (struct node *c = dir->children; c; c = c->next)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* Copies the next '/'-separated component of *p into comp and advances;
 * 1 if there was one, 0 at the end, -1 if it is too long. */
static int next_component(const char **p, char comp[256])
{
	while (**p == '/')
		(*p)++;
	if (!**p)
		return 0;
	size_t len = strcspn(*p, "/");
	if (len >= 256)
		return -1;
	memcpy(comp, *p, len);
	comp[len] = '\0';
	*p += len;
	return 1;
}

/* Walks path down from dir; with create, makes missing directories. */
static struct node *walk(struct node *dir, const char *path, bool create)
{
	char comp[256];
	struct node *n = dir;
	int r;
	while (n && (r = next_component(&path, comp)) != 0) {
		if (r < 0)
			return NULL;
		if (strcmp(comp, ".") == 0)
			continue;
		struct node *c = tree_child(n, comp);
		if (!c && create)
			c = tree_add_dir(n, comp, 0755);
		n = c;
	}
	return n;
}

struct node *tree_lookup(struct node *dir, const char *path)
{
	return walk(dir, path, false);
}

static struct node *resolve(struct node *root, struct node *dir, const char *path, int *links)
{
	char comp[256];
	struct node *n = *path == '/' ? root : dir;
	int r;
	while (n && (r = next_component(&path, comp)) != 0) {
		if (r < 0)
			return NULL;
		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			if (n->parent)
				n = n->parent;
			continue;
		}
		struct node *c = tree_child(n, comp);
		if (c && c->type == NODE_LINK) {
			if (++*links > 40)
				return NULL;
			c = resolve(root, n, c->target, links);
		}
		n = c;
	}
	return n;
}

struct node *tree_resolve(struct node *root, const char *path)
{
	int links = 0;
	return resolve(root, root, path, &links);
}

struct node *tree_mkdir_p(struct node *dir, const char *path)
{
	struct node *n = walk(dir, path, true);
	return n && n->type == NODE_DIR ? n : NULL;
}

static struct node *attach(struct node *dir, struct node *n)
{
	if (!n)
		return NULL;
	/* Append, so directory listings keep creation order. */
	struct node **pp = &dir->children;
	while (*pp)
		pp = &(*pp)->next;
	*pp = n;
	n->parent = dir;
	return n;
}

static bool can_add(struct node *dir, const char *name)
{
	return dir && dir->type == NODE_DIR && *name && !strchr(name, '/') && !tree_child(dir, name);
}

struct node *tree_add_dir(struct node *dir, const char *name, mode_t mode)
{
	if (!can_add(dir, name))
		return NULL;
	return attach(dir, node_new(name, NODE_DIR, mode));
}

struct node *tree_add_attr(struct node *dir, const char *name, mode_t mode, const struct attr_ops *ops,
			   void *obj, long arg)
{
	if (!can_add(dir, name))
		return NULL;
	struct node *n = node_new(name, NODE_FILE, mode);
	if (!n)
		return NULL;
	n->ops = ops;
	n->obj = obj;
	n->arg = arg;
	n->size = 4096;
	return attach(dir, n);
}

struct node *tree_add_data(struct node *dir, const char *name, mode_t mode, const void *data, size_t len)
{
	if (!can_add(dir, name))
		return NULL;
	struct node *n = node_new(name, NODE_FILE, mode);
	if (!n || tree_set_data(n, data, len) < 0) {
		if (n)
			node_free(n);
		return NULL;
	}
	return attach(dir, n);
}

int tree_set_data(struct node *n, const void *data, size_t len)
{
	char *d = malloc(len ? len : 1);
	if (!d)
		return -ENOMEM;
	if (len)
		memcpy(d, data, len);
	free(n->data);
	n->data = d;
	n->len = len;
	n->size = (off_t)len;
	return 0;
}

struct node *tree_add_link(struct node *dir, const char *name, const char *target)
{
	if (!can_add(dir, name))
		return NULL;
	struct node *n = node_new(name, NODE_LINK, 0777);
	if (!n)
		return NULL;
	n->target = strdup(target);
	if (!n->target) {
		node_free(n);
		return NULL;
	}
	return attach(dir, n);
}

struct node *tree_add_rel_link(struct node *dir, const char *name, const struct node *to)
{
	char rel[1024];
	if (tree_rel_path(dir, to, rel, sizeof(rel)) < 0)
		return NULL;
	return tree_add_link(dir, name, rel);
}

void tree_remove(struct node *n)
{
	if (!n || !n->parent)
		return;
	struct node **pp = &n->parent->children;
	while (*pp && *pp != n)
		pp = &(*pp)->next;
	if (*pp)
		*pp = n->next;
	node_free(n);
}

void tree_remove_child(struct node *dir, const char *name)
{
	tree_remove(tree_child(dir, name));
}

static int depth(const struct node *n)
{
	int d = 0;
	for (; n->parent; n = n->parent)
		d++;
	return d;
}

int tree_path(const struct node *n, char *buf, size_t size)
{
	const struct node *chain[128];
	int k = 0;
	for (; n->parent; n = n->parent) {
		if (k == 128)
			return -ENAMETOOLONG;
		chain[k++] = n;
	}
	size_t o = 0;
	if (k == 0) {
		if (size < 2)
			return -ENAMETOOLONG;
		strcpy(buf, "/");
		return 1;
	}
	while (k-- > 0) {
		size_t l = strlen(chain[k]->name);
		if (o + l + 2 > size)
			return -ENAMETOOLONG;
		buf[o++] = '/';
		memcpy(buf + o, chain[k]->name, l);
		o += l;
	}
	buf[o] = '\0';
	return (int)o;
}

int tree_rel_path(const struct node *from, const struct node *to, char *buf, size_t size)
{
	/* Climb to the common ancestor, then append the path down to `to`. */
	const struct node *a = from, *b = to;
	if (!a || !b)
		return -EINVAL; /* a node whose creation failed (out of memory) */
	int da = depth(a), db = depth(b);
	while (da > db) {
		a = a->parent;
		da--;
	}
	while (db > da) {
		b = b->parent;
		db--;
	}
	while (a != b) {
		a = a->parent;
		b = b->parent;
	}
	size_t o = 0;
	for (const struct node *x = from; x != a; x = x->parent) {
		if (o + 4 > size)
			return -ENAMETOOLONG;
		memcpy(buf + o, "../", 3);
		o += 3;
	}
	char down[1024];
	const struct node *chain[128];
	int k = 0;
	for (const struct node *x = to; x != a; x = x->parent) {
		if (k == 128)
			return -ENAMETOOLONG;
		chain[k++] = x;
	}
	size_t dl = 0;
	while (k-- > 0) {
		size_t l = strlen(chain[k]->name);
		if (dl + l + 2 > sizeof(down))
			return -ENAMETOOLONG;
		memcpy(down + dl, chain[k]->name, l);
		dl += l;
		down[dl++] = '/';
	}
	if (dl)
		dl--; /* drop the trailing '/' */
	else if (o)
		o--; /* `to` is an ancestor: "../.." without trailing '/' */
	if (o + dl + 1 > size)
		return -ENAMETOOLONG;
	memcpy(buf + o, down, dl);
	o += dl;
	if (o == 0)
		buf[o++] = '.';
	buf[o] = '\0';
	return (int)o;
}

size_t tree_count_children(const struct node *dir)
{
	size_t n = 0;
	for (const struct node *c = dir->children; c; c = c->next)
		n++;
	return n;
}
