// SPDX-License-Identifier: GPL-2.0-or-later
/* simfs: a FUSE file system that behaves like the sysfs (and the bits of
 * procfs and devtmpfs around it) of a GPU host described by a fixture.
 *
 *   simfs [-f] [--uevents] [--latency MS|USus] --fixture FILE MOUNTPOINT
 *
 * Exit codes: 0 unmounted cleanly, 1 mount or runtime failure, 2 bad usage
 * or a fixture that does not load (nothing is mounted). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core.h"
#include "fixture.h"
#include "fuse_ops.h"
#include "log.h"
#include "uevent.h"

static int uevent_fd = -1;

/* Model changes leave as kernel uevents (under the model lock: one sender). */
static void send_uevent(void *ctx, const char *action, const char *devpath, const char *subsystem,
			const char *const *env)
{
	char msg[UEVENT_MSG_MAX];
	int n = uevent_format(msg, sizeof(msg), action, devpath, subsystem, env);
	int r = n < 0 ? n : uevent_send(uevent_fd, msg, (size_t)n);
	if (r < 0)
		log_warning_errno(r, "uevent %s@%s not sent: %m", action, devpath);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: simfs [-f] [--uevents] [--latency MS|USus] --fixture FILE MOUNTPOINT\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "fixture", required_argument, NULL, 'x' }, { "latency", required_argument, NULL, 'l' },
		{ "uevents", no_argument, NULL, 'u' },	     { "help", no_argument, NULL, 'h' },
		{ "debug", no_argument, NULL, 'd' },	     { 0 }
	};
	const char *fixture = NULL;
	bool foreground = false, uevents = false, debug = false;
	unsigned latency_us = 0;
	int c;
	log_setup("simfs", LOG_TARGET_STDERR, -1);
	while ((c = getopt_long(argc, argv, "fh", opts, NULL)) != -1) {
		switch (c) {
		case 'f': foreground = true; break;
		case 'x': fixture = optarg; break;
		case 'u': uevents = true; break;
		case 'd': debug = true; break;
		case 'l':
			if (latency_parse(optarg, &latency_us) < 0) {
				log_error("--latency: expected milliseconds 0..60000 or microseconds NNNus, "
					  "got '%s'",
					  optarg);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!fixture || optind + 1 != argc) {
		usage(stderr);
		return 2;
	}
	const char *mountpoint = argv[optind];

	struct model *m;
	char err[1024];
	int r = fixture_load(fixture, &m, err, sizeof(err));
	if (r < 0) {
		log_error("%s", err);
		return 2;
	}
	if (uevents) {
		/* Fake events must never reach the host's udev. */
		char why[256];
		if (uevent_netns_check(why, sizeof(why)) != 1) {
			log_error("--uevents refused: %s; run simfs in a private network namespace "
				  "(tests/simnode does)",
				  why);
			model_free(m);
			return 2;
		}
		uevent_fd = uevent_sender_open();
		if (uevent_fd < 0) {
			log_error_errno(uevent_fd, "--uevents: cannot open the uevent socket: %m");
			model_free(m);
			return 1;
		}
		m->uevent = send_uevent;
	}
	struct simfs sf;
	if ((r = simfs_init(&sf, m)) < 0) {
		log_error_errno(r, "cannot set up: %m");
		return 1;
	}
	sf.latency_us = latency_us;

	char *fargv[] = { argv[0], "-o", "fsname=simfs,subtype=simfs,allow_other,nodev,nosuid", NULL, NULL };
	int fargc = 3;
	if (debug)
		fargv[fargc++] = "-d";
	struct fuse_args args = FUSE_ARGS_INIT(fargc, fargv);
	struct fuse *fuse = fuse_new(&args, &simfs_fuse_ops, sizeof(simfs_fuse_ops), &sf);
	if (!fuse) {
		log_error("fuse_new failed");
		return 1;
	}
	if (fuse_mount(fuse, mountpoint) != 0) {
		log_error("cannot mount on %s", mountpoint);
		fuse_destroy(fuse);
		return 1;
	}
	/* The parent returns once the mount is in place. */
	if (fuse_daemonize(foreground) != 0) {
		fuse_unmount(fuse);
		fuse_destroy(fuse);
		return 1;
	}
	struct fuse_session *se = fuse_get_session(fuse);
	if (fuse_set_signal_handlers(se) != 0) {
		fuse_unmount(fuse);
		fuse_destroy(fuse);
		return 1;
	}
	struct fuse_loop_config lc = { .clone_fd = 0, .max_idle_threads = 16 };
	r = fuse_loop_mt(fuse, &lc);
	fuse_remove_signal_handlers(se);
	fuse_unmount(fuse);
	fuse_destroy(fuse);
	simfs_fini(&sf);
	model_free(m);
	fuse_opt_free_args(&args);
	return r == 0 ? 0 : 1;
}
