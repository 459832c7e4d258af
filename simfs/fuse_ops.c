// SPDX-License-Identifier: GPL-2.0-or-later
/* libfuse high-level operations: thin wrappers over core.c.  No caching:
 * attributes change behind the kernel's back, so every access comes here
 * (direct_io, zero timeouts). */
#define FUSE_USE_VERSION 35
#include <errno.h>
#include <fuse.h>
#include <string.h>

#include "core.h"
#include "fuse_ops.h"

static struct simfs *sf_of(void)
{
	return fuse_get_context()->private_data;
}

static bool privileged(void)
{
	return fuse_get_context()->uid == 0;
}

static void *op_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	cfg->direct_io = 1;
	cfg->kernel_cache = 0;
	cfg->entry_timeout = 0;
	cfg->attr_timeout = 0;
	cfg->negative_timeout = 0;
	cfg->use_ino = 1;
	cfg->hard_remove = 1;
	return fuse_get_context()->private_data;
}

static int op_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	return simfs_getattr(sf_of(), path, st);
}

static int op_readlink(const char *path, char *buf, size_t size)
{
	return simfs_readlink(sf_of(), path, buf, size);
}

struct fill_ctx {
	void *buf;
	fuse_fill_dir_t filler;
};

static int fill_one(void *ctx, const char *name, const struct stat *st)
{
	struct fill_ctx *f = ctx;
	return f->filler(f->buf, name, st, 0, 0);
}

static int op_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off,
		      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	struct fill_ctx f = { buf, filler };
	return simfs_readdir(sf_of(), path, fill_one, &f);
}

static int op_open(const char *path, struct fuse_file_info *fi)
{
	int r = simfs_open_by(sf_of(), path, fi->flags, (int)fuse_get_context()->pid);
	if (r == 0) {
		fi->direct_io = 1;
		fi->keep_cache = 0;
	}
	return r;
}

/* The kernel sends RELEASE once the last reference to the open file is
 * gone, after the close() that dropped it has returned: a group closed by
 * one process can look busy to another for a moment (FLUSH, which close()
 * waits for, cannot stand in: it also comes when a child that inherited
 * the descriptor exits while the parent keeps it). */
static int op_release(const char *path, struct fuse_file_info *fi)
{
	simfs_release(sf_of(), path);
	return 0;
}

static bool req_interrupted(void *ctx)
{
	return fuse_interrupted() != 0;
}

static int op_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	return (int)simfs_read_wait(sf_of(), path, buf, size, off, privileged(), req_interrupted, NULL);
}

static int op_write(const char *path, const char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	return (int)simfs_write(sf_of(), path, buf, size, off, privileged(), req_interrupted, NULL);
}

static int op_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	return simfs_truncate(sf_of(), path);
}

static int op_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	return -EPERM;
}

const struct fuse_operations simfs_fuse_ops = {
	.init = op_init,
	.getattr = op_getattr,
	.readlink = op_readlink,
	.readdir = op_readdir,
	.open = op_open,
	.release = op_release,
	.read = op_read,
	.write = op_write,
	.truncate = op_truncate,
	.chmod = op_chmod,
};
