/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The file-system operations of simfs on top of the model, independent of
 * FUSE: lookups, reads and writes with permission checks, statistics,
 * fault injection (fail, fail-nth, stall-nth), latency, and the control
 * file.  One lock serialises the model; waits release it. */
#pragma once
#include <pthread.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "model.h"

struct fault {
	char path[256];
	int err;
	long count; /* writes left to fail; 0: every one */
	struct fault *next;
};

struct simfs {
	struct model *m;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	struct fault *faults;
	long fail_nth, stall_nth; /* 0: off; else writes until it fires */
	int fail_nth_err;
	unsigned long release_gen; /* bumped by "release" */
	unsigned stalled;	   /* writers blocked by stall-nth now */
	unsigned blocked;	/* writers the model blocks now (an unbind or VF removal waiting for users) */
	unsigned long injected; /* faults fired (fail, fail-nth, stall-nth) */
	unsigned long cfg_waits; /* reads of `config` that waited for a reset (pcihealth.c) */
	unsigned latency_us;	 /* added to every sys/ write */
	time_t start;
};

/* Whether the caller gave up (FUSE interrupt after the writer was killed). */
typedef bool (*interrupted_fn)(void *ctx);

int simfs_init(struct simfs *sf, struct model *m);
void simfs_fini(struct simfs *sf);
int simfs_getattr(struct simfs *sf, const char *path, struct stat *st);
int simfs_readlink(struct simfs *sf, const char *path, char *buf, size_t size);
/* Calls fill for each entry name of a directory. */
int simfs_readdir(struct simfs *sf, const char *path,
		  int (*fill)(void *ctx, const char *name, const struct stat *st), void *ctx);
int simfs_open(struct simfs *sf, const char *path, int flags);
/* The same by process pid (FUSE's caller): an exclusive node (a VFIO
 * group) shows in proc/<pid>/fd while that process has it open. */
int simfs_open_by(struct simfs *sf, const char *path, int flags, int pid);
void simfs_release(struct simfs *sf, const char *path);
ssize_t simfs_read(struct simfs *sf, const char *path, char *buf, size_t size, off_t off, bool privileged);
/* The same for a reader that may wait, as in the kernel, until the model
 * lets it go (a `config` read during a reset, pcihealth.c), or until
 * interrupted (-EINTR).  simfs_read() does not wait: -EAGAIN. */
ssize_t simfs_read_wait(struct simfs *sf, const char *path, char *buf, size_t size, off_t off,
			bool privileged, interrupted_fn interrupted, void *ctx);
ssize_t simfs_write(struct simfs *sf, const char *path, const char *buf, size_t size, off_t off,
		    bool privileged, interrupted_fn interrupted, void *ctx);
int simfs_truncate(struct simfs *sf, const char *path);

/* control.c: one command of .simfs/control; 0 or -errno. */
int control_exec(struct simfs *sf, const char *cmd, size_t len);
int control_init(struct simfs *sf);
/* "EIO" or "5" */
int errno_parse(const char *s);
/* A write latency: "MS" (milliseconds) or "USus" (microseconds), at most
 * 60 s; 0 or -EINVAL. */
int latency_parse(const char *s, unsigned *ret_us);
