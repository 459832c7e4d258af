// SPDX-License-Identifier: GPL-2.0-or-later
#include "core.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int simfs_init(struct simfs *sf, struct model *m)
{
	memset(sf, 0, sizeof(*sf));
	sf->m = m;
	sf->start = time(NULL);
	pthread_mutex_init(&sf->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&sf->changed, &ca);
	pthread_condattr_destroy(&ca);
	return control_init(sf);
}

void simfs_fini(struct simfs *sf)
{
	while (sf->faults) {
		struct fault *n = sf->faults->next;
		free(sf->faults);
		sf->faults = n;
	}
	pthread_cond_destroy(&sf->changed);
	pthread_mutex_destroy(&sf->lock);
}

/* sys/ traffic is what the stats count and the faults target. */
static bool is_sys(const char *path)
{
	while (*path == '/')
		path++;
	return strncmp(path, "sys/", 4) == 0;
}

static void fill_stat(const struct simfs *sf, const struct node *n, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = n->ino;
	st->st_atime = st->st_mtime = st->st_ctime = sf->start;
	st->st_blksize = 4096;
	switch (n->type) {
	case NODE_DIR:
		st->st_mode = S_IFDIR | n->mode;
		st->st_nlink = 2;
		break;
	case NODE_LINK:
		st->st_mode = S_IFLNK | 0777;
		st->st_nlink = 1;
		st->st_size = (off_t)strlen(n->target);
		break;
	case NODE_FILE:
		st->st_mode = S_IFREG | n->mode;
		st->st_nlink = 1;
		st->st_size = n->size;
		break;
	}
}

int simfs_getattr(struct simfs *sf, const char *path, struct stat *st)
{
	pthread_mutex_lock(&sf->lock);
	struct node *n = tree_lookup(sf->m->root, path);
	if (n)
		fill_stat(sf, n, st);
	pthread_mutex_unlock(&sf->lock);
	return n ? 0 : -ENOENT;
}

int simfs_readlink(struct simfs *sf, const char *path, char *buf, size_t size)
{
	int r = 0;
	pthread_mutex_lock(&sf->lock);
	struct node *n = tree_lookup(sf->m->root, path);
	if (!n)
		r = -ENOENT;
	else if (n->type != NODE_LINK)
		r = -EINVAL;
	else {
		strncpy(buf, n->target, size - 1);
		buf[size - 1] = '\0';
	}
	pthread_mutex_unlock(&sf->lock);
	return r;
}

int simfs_readdir(struct simfs *sf, const char *path,
		  int (*fill)(void *ctx, const char *name, const struct stat *st), void *ctx)
{
	int r = 0;
	pthread_mutex_lock(&sf->lock);
	struct node *n = tree_lookup(sf->m->root, path);
	if (!n)
		r = -ENOENT;
	else if (n->type != NODE_DIR)
		r = -ENOTDIR;
	else {
		struct stat st;
		fill_stat(sf, n, &st);
		fill(ctx, ".", &st);
		fill(ctx, "..", NULL);
		for (struct node *c = n->children; c; c = c->next) {
			fill_stat(sf, c, &st);
			if (fill(ctx, c->name, &st))
				break;
		}
	}
	pthread_mutex_unlock(&sf->lock);
	return r;
}

/* fs/proc/fd.c: /proc/<pid>/fd/<n> of a process is a link to the path of
 * the file it has open (proc_fd_link).  A VFIO group node has one opener at
 * a time (NODE_EXCLUSIVE): while it is open the opener's fd directory shows
 * it (as fd 1000 + group: the number is not modelled), so a tool can see
 * who holds a group without opening it. */
static void holder_show(struct model *m, struct node *n, const char *path, int pid)
{
	char name[16], fd[16];
	const char *base = strrchr(path, '/');
	snprintf(name, sizeof(name), "%d", pid);
	snprintf(fd, sizeof(fd), "%d", 1000 + atoi(base ? base + 1 : path));
	struct node *p = tree_child(m->proc, name);
	if (!p && (p = tree_add_dir(m->proc, name, 0555)) && !tree_add_dir(p, "fd", 0500))
		return;
	struct node *fdd = p ? tree_child(p, "fd") : NULL;
	if (fdd && tree_add_link(fdd, fd, path[0] == '/' ? path : "/dev/vfio/?"))
		n->holder = pid;
}

static void holder_hide(struct model *m, struct node *n, const char *path)
{
	char name[16], fd[16];
	const char *base = strrchr(path, '/');
	snprintf(name, sizeof(name), "%d", n->holder);
	snprintf(fd, sizeof(fd), "%d", 1000 + atoi(base ? base + 1 : path));
	struct node *p = tree_child(m->proc, name), *fdd = p ? tree_child(p, "fd") : NULL;
	if (fdd)
		tree_remove_child(fdd, fd);
	if (fdd && !fdd->children)
		tree_remove_child(m->proc, name);
	n->holder = 0;
}

int simfs_open(struct simfs *sf, const char *path, int flags)
{
	return simfs_open_by(sf, path, flags, 0);
}

int simfs_open_by(struct simfs *sf, const char *path, int flags, int pid)
{
	int r = 0, acc = flags & O_ACCMODE;
	pthread_mutex_lock(&sf->lock);
	struct node *n = tree_lookup(sf->m->root, path);
	if (!n)
		r = -ENOENT;
	else if (n->type == NODE_DIR)
		r = -EISDIR;
	else if (n->ops && acc != O_WRONLY && !n->ops->show)
		r = -EACCES; /* write-only attribute (bind, unbind, ...) */
	else if (acc != O_RDONLY && !(n->ops && n->ops->store) && !(n->mode & 0222))
		r = -EACCES;
	else if ((n->flags & NODE_EXCLUSIVE) && n->nopen > 0)
		r = -EBUSY; /* a VFIO group is opened by one user at a time */
	else if ((n->flags & NODE_NVIDIA_GPU) && (r = nvidia_open_allowed(n->obj)) < 0)
		; /* unbindLock held */
	else {
		n->nopen++;
		if ((n->flags & NODE_EXCLUSIVE) && pid > 0)
			holder_show(sf->m, n, path, pid);
	}
	pthread_mutex_unlock(&sf->lock);
	return r;
}

void simfs_release(struct simfs *sf, const char *path)
{
	pthread_mutex_lock(&sf->lock);
	struct node *n = tree_lookup(sf->m->root, path);
	if (n && n->nopen > 0)
		n->nopen--;
	if (n && n->nopen == 0 && n->holder)
		holder_hide(sf->m, n, path);
	sf->m->seq++;
	pthread_cond_broadcast(&sf->changed); /* a release may unblock an unbind */
	pthread_mutex_unlock(&sf->lock);
}

#define SHOW_MAX (256 * 1024)

static void wait_tick(struct simfs *sf);

ssize_t simfs_read(struct simfs *sf, const char *path, char *buf, size_t size, off_t off, bool privileged)
{
	return simfs_read_wait(sf, path, buf, size, off, privileged, NULL, NULL);
}

ssize_t simfs_read_wait(struct simfs *sf, const char *path, char *buf, size_t size, off_t off,
			bool privileged, interrupted_fn interrupted, void *ctx)
{
	ssize_t r;
	bool counted = false;
	pthread_mutex_lock(&sf->lock);
	struct node *n = tree_lookup(sf->m->root, path);
again:
	if (!n) {
		r = -ENOENT;
	} else if (n->type != NODE_FILE) {
		r = -EISDIR;
	} else if (n->ops) {
		char *tmp = n->ops->show ? malloc(SHOW_MAX) : NULL;
		struct attr_io io = { .privileged = privileged, .offset = off };
		r = !n->ops->show ? -EACCES : !tmp ? -ENOMEM : n->ops->show(n, tmp, SHOW_MAX, &io);
		if (r == -SIM_EWAIT) {
			free(tmp);
			if (!interrupted) {
				r = -EAGAIN;
				goto out;
			}
			if (!counted) {
				sf->cfg_waits++;
				counted = true;
			}
			if (interrupted(ctx)) {
				r = -EINTR;
				goto out;
			}
			wait_tick(sf);
			n = tree_lookup(sf->m->root, path); /* the tree may have changed */
			goto again;
		}
		if (r >= 0) {
			size_t len = (size_t)r;
			size_t k = (size_t)off < len ? len - (size_t)off : 0;
			if (k > size)
				k = size;
			memcpy(buf, tmp + off, k);
			r = (ssize_t)k;
		}
		free(tmp);
	} else {
		size_t k = (size_t)off < n->len ? n->len - (size_t)off : 0;
		if (k > size)
			k = size;
		memcpy(buf, n->data + off, k);
		r = (ssize_t)k;
	}
	if (r >= 0 && is_sys(path) && off == 0)
		sf->m->stats.reads++;
out:
	pthread_mutex_unlock(&sf->lock);
	return r;
}

static struct fault *match_fault(struct simfs *sf, const char *path)
{
	while (*path == '/')
		path++;
	for (struct fault **pp = &sf->faults; *pp; pp = &(*pp)->next) {
		struct fault *f = *pp;
		if (strcmp(f->path, path) == 0)
			return f;
	}
	return NULL;
}

/* Decides the injected outcome of a sys/ write, before it takes effect:
 * 0 go on, -errno fail, 1 stall. */
static int inject(struct simfs *sf, const char *path)
{
	if (sf->stall_nth > 0 && --sf->stall_nth == 0)
		return 1;
	if (sf->fail_nth > 0 && --sf->fail_nth == 0)
		return -sf->fail_nth_err;
	struct fault *f = match_fault(sf, path);
	if (f) {
		int err = f->err;
		if (f->count > 0 && --f->count == 0) {
			struct fault **pp = &sf->faults;
			while (*pp != f)
				pp = &(*pp)->next;
			*pp = f->next;
			free(f);
		}
		return -err;
	}
	return 0;
}

static void wait_tick(struct simfs *sf)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_nsec += 50 * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&sf->changed, &sf->lock, &ts);
}

ssize_t simfs_write(struct simfs *sf, const char *path, const char *buf, size_t size, off_t off,
		    bool privileged, interrupted_fn interrupted, void *ctx)
{
	bool sys = is_sys(path);
	if (sys && sf->latency_us)
		usleep(sf->latency_us);
	ssize_t r;
	pthread_mutex_lock(&sf->lock);
	struct node *n = tree_lookup(sf->m->root, path);
	if (!n || n->type != NODE_FILE) {
		r = n ? -EISDIR : -ENOENT;
		goto out;
	}
	if (sys) {
		sf->m->stats.writes++;
		int inj = inject(sf, path);
		if (inj)
			sf->injected++;
		if (inj < 0) {
			r = inj;
			goto out;
		}
		if (inj == 1) {
			/* Block before the write takes effect; a killed writer's
			 * write never happens. */
			unsigned long gen = sf->release_gen;
			sf->stalled++;
			while (sf->release_gen == gen && !(interrupted && interrupted(ctx)))
				wait_tick(sf);
			sf->stalled--;
			if (sf->release_gen == gen) {
				r = -EINTR;
				goto out;
			}
			n = tree_lookup(sf->m->root, path); /* the tree may have changed */
			if (!n) {
				r = -ENOENT;
				goto out;
			}
		}
	}
	if (n->ops) {
		if (!n->ops->store) {
			r = -EACCES;
			goto out;
		}
		/* sysfs hands the store a NUL-terminated copy of one page. */
		size_t len = size > 4096 && !(n->size > 4096) ? 4096 : size;
		char *tmp = malloc(len + 1);
		if (!tmp) {
			r = -ENOMEM;
			goto out;
		}
		memcpy(tmp, buf, len);
		tmp[len] = '\0';
		struct attr_io io = { .privileged = privileged, .offset = off };
		bool counted = false;
		for (;;) {
			r = n->ops->store(n, tmp, len, &io);
			if (r != -SIM_EWAIT)
				break;
			if (!counted) {
				sf->blocked++;
				counted = true;
			}
			/* the kernel blocks this writer until the users let go */
			if (interrupted && interrupted(ctx)) {
				r = -EINTR;
				break;
			}
			wait_tick(sf);
			n = tree_lookup(sf->m->root, path);
			if (!n || !n->ops || !n->ops->store) {
				r = -ENOENT;
				break;
			}
		}
		if (counted)
			sf->blocked--;
		free(tmp);
	} else if (n->mode & 0222) {
		/* plain writable file (dev/kmsg sink, registry): keep the bytes */
		r = tree_set_data(n, buf, size) < 0 ? -ENOMEM : (ssize_t)size;
	} else {
		r = -EACCES;
	}
out:
	if (r >= 0)
		pthread_cond_broadcast(&sf->changed);
	pthread_mutex_unlock(&sf->lock);
	return r;
}

int simfs_truncate(struct simfs *sf, const char *path)
{
	/* `echo x > attr` opens with O_TRUNC: sysfs ignores it. */
	pthread_mutex_lock(&sf->lock);
	struct node *n = tree_lookup(sf->m->root, path);
	int r = !n ? -ENOENT : n->type != NODE_FILE ? -EISDIR : 0;
	pthread_mutex_unlock(&sf->lock);
	return r;
}
