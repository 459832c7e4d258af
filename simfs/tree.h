/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The in-memory file tree simfs serves: directories, symlinks and files.
 * A file is either static bytes or an attribute with show/store callbacks
 * into the kernel model.  Pure data structure, no I/O. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct node;

/* Context of one read or write, as FUSE reports it. */
struct attr_io {
	bool privileged; /* caller has CAP_SYS_ADMIN (root) */
	off_t offset;	 /* of a write (config space takes partial writes) */
};

struct attr_ops {
	/* Fills buf (cap bytes) with the whole content; returns its length
	 * or -errno.  NULL: the file is write-only (reads fail EACCES). */
	ssize_t (*show)(struct node *n, char *buf, size_t cap, const struct attr_io *io);
	/* Takes one write; returns len or -errno.  NULL: read-only. */
	ssize_t (*store)(struct node *n, const char *buf, size_t len, const struct attr_io *io);
};

enum node_type { NODE_DIR, NODE_FILE, NODE_LINK };

#define NODE_EXCLUSIVE 0x1u  /* a second open fails EBUSY (vfio group nodes) */
#define NODE_SYS 0x2u	     /* counted in stats (sys/ traffic) */
#define NODE_NVIDIA_GPU 0x4u /* /dev/nvidiaN: obj is its struct sim_dev */

struct node {
	char *name;
	enum node_type type;
	mode_t mode;
	uint64_t ino;
	unsigned flags;
	struct node *parent, *children, *next;
	char *target;		    /* NODE_LINK */
	const struct attr_ops *ops; /* NODE_FILE attribute */
	void *obj;		    /* model object the attribute belongs to */
	long arg;		    /* attribute-specific argument */
	char *data;		    /* NODE_FILE static content */
	size_t len;
	off_t size;	/* st_size reported (sysfs: 4096 for text attributes) */
	unsigned nopen; /* open file handles */
	int holder;	/* NODE_EXCLUSIVE: the opener's pid while open (0: none shown) */
};

struct node *tree_new(void);
void tree_free(struct node *root);

/* Looks a '/'-separated path up from dir without following symlinks;
 * "" and "." are dir itself.  NULL if absent. */
struct node *tree_lookup(struct node *dir, const char *path);
/* Like tree_lookup, but follows symlinks (relative targets) on the way,
 * the final component included, as path resolution in the kernel does.
 * NULL if absent or after 40 links. */
struct node *tree_resolve(struct node *root, const char *path);
/* Child by name. */
struct node *tree_child(struct node *dir, const char *name);
/* Creates missing directories along path (mode 0755); returns the last. */
struct node *tree_mkdir_p(struct node *dir, const char *path);
/* The add functions replace nothing: NULL if name exists or on ENOMEM. */
struct node *tree_add_dir(struct node *dir, const char *name, mode_t mode);
struct node *tree_add_attr(struct node *dir, const char *name, mode_t mode, const struct attr_ops *ops,
			   void *obj, long arg);
struct node *tree_add_data(struct node *dir, const char *name, mode_t mode, const void *data, size_t len);
struct node *tree_add_link(struct node *dir, const char *name, const char *target);
/* A symlink whose target is the relative path from dir to `to`, as the
 * kernel writes sysfs links ("../../../bus/pci/drivers/nvidia"). */
struct node *tree_add_rel_link(struct node *dir, const char *name, const struct node *to);
/* Replaces a static file's content. */
int tree_set_data(struct node *n, const void *data, size_t len);
/* Unlinks and frees n and everything below it. */
void tree_remove(struct node *n);
/* Removes dir's child `name` if present. */
void tree_remove_child(struct node *dir, const char *name);
/* Absolute path of n in the tree ("/sys/bus/pci"); "/" for the root. */
int tree_path(const struct node *n, char *buf, size_t size);
/* Relative path from directory `from` to node `to`. */
int tree_rel_path(const struct node *from, const struct node *to, char *buf, size_t size);
size_t tree_count_children(const struct node *dir);
