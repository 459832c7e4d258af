// SPDX-License-Identifier: GPL-2.0-or-later
/* `kubelet-stub serve`: kubelet's device manager on one event loop.
 *
 * The Registration service listens on kubelet.sock in the plugin dir.  A
 * Register call is answered only after the plugin was dialled and its
 * GetDevicePluginOptions returned (all non-blocking: a single-threaded
 * plugin is serving that call while its own Register is pending).  Then
 * ListAndWatch keeps the resource's device list; a stream that ends marks
 * every device Unhealthy and is never redialled.  The other subcommands
 * talk to this process over run/kubelet-stub/control.sock: one JSON
 * request, one JSON answer per connection.
 *
 * This file is the process (folders, checkpoint, signals, the loop);
 * registration.c and ctl_server.c the two services (kserver.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dpapi.h"
#include "kserver.h"
#include "log.h"
#include "rootfs.h"
#include "rootfs_sock.h"

/* --- plugin dir ---------------------------------------------------------------- */

/* Removes every unix socket in the plugin dir (what kubelet does when it
 * starts: plugins see their socket vanish and register again). */
void kserver_remove_sockets(struct kserver *s)
{
	DIR *d = rootfs_opendir(s->plugdir, ".");
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		struct stat st;
		if (rootfs_stat(s->plugdir, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISSOCK(st.st_mode)) {
			if (rootfs_unlink(s->plugdir, de->d_name) == 0)
				log_debug("removed socket %s", de->d_name);
		}
	}
	closedir(d);
}

int kserver_save_checkpoint(struct kserver *s)
{
	char *doc;
	int r = kstate_checkpoint(&s->st, &doc);
	if (r < 0)
		return log_error_errno(r, "Failed to build the checkpoint: %m");
	r = rootfs_write_atomic(s->plugdir, KSTUB_CHECKPOINT, doc, strlen(doc), 0600);
	free(doc);
	if (r < 0)
		return log_error_errno(r, "Failed to write the checkpoint: %m");
	return 0;
}

int kserver_load_checkpoint(struct kserver *s)
{
	char *doc;
	size_t len;
	int r = rootfs_read_file(s->plugdir, KSTUB_CHECKPOINT, &doc, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return log_error_errno(r, "Failed to read the checkpoint: %m");
	r = kstate_restore(&s->st, doc, len);
	free(doc);
	if (r < 0) /* kubelet starts empty on a corrupt checkpoint too */
		log_warning_errno(r, "Ignoring a bad checkpoint: %m");
	else
		log_info("checkpoint: %zu resources, %zu allocations", s->st.n_res, s->st.n_allocs);
	return 0;
}

/* A failed call as kubelet's Go gRPC prints it ("rpc error: code =
 * Internal desc = ..."): kubelet wraps these texts into its own errors. */
const char *kserver_rpc_error(char *buf, size_t size, int status, const char *message)
{
	static const char *const go_names[] = {
		"OK",	    "Canceled",	       "Unknown",	   "InvalidArgument",	"DeadlineExceeded",
		"NotFound", "AlreadyExists",   "PermissionDenied", "ResourceExhausted", "FailedPrecondition",
		"Aborted",  "OutOfRange",      "Unimplemented",	   "Internal",		"Unavailable",
		"DataLoss", "Unauthenticated",
	};
	const char *name = status >= 0 && (size_t)status < sizeof(go_names) / sizeof(*go_names)
			       ? go_names[status]
			       : "Unknown";
	snprintf(buf, size, "rpc error: code = %s desc = %s", name, message);
	return buf;
}

/* --- the process ---------------------------------------------------------------- */

static void on_signal(struct evloop *loop, int fd, unsigned events, void *data)
{
	struct signalfd_siginfo si;
	if (read(fd, &si, sizeof(si)) == sizeof(si)) {
		log_info("signal %u: stopping", si.ssi_signo);
		evloop_stop(loop);
	}
}

int kserver_listen_registration(struct kserver *s)
{
	int r = grpc_server_listen(s->reg, s->plugdir, DPAPI_KUBELET_SOCKET);
	if (r < 0)
		return log_error_errno(r, "Failed to listen on %s/%s: %m", KSTUB_PLUGIN_DIR,
				       DPAPI_KUBELET_SOCKET);
	return 0;
}

static int setup(struct kserver *s)
{
	int r = rootfs_mkdir_p(s->rootfd, KSTUB_PLUGIN_DIR, 0755);
	if (r < 0 || (r = rootfs_mkdir_p(s->rootfd, KSTUB_RUN_DIR, 0755)) < 0)
		return log_error_errno(r, "Failed to create the plugin and run folders: %m");
	s->plugdir = rootfs_openat(s->rootfd, KSTUB_PLUGIN_DIR, O_RDONLY | O_DIRECTORY, 0);
	if (s->plugdir < 0)
		return log_error_errno(s->plugdir, "Failed to open %s: %m", KSTUB_PLUGIN_DIR);
	s->rundir = rootfs_openat(s->rootfd, KSTUB_RUN_DIR, O_RDONLY | O_DIRECTORY, 0);
	if (s->rundir < 0)
		return log_error_errno(s->rundir, "Failed to open %s: %m", KSTUB_RUN_DIR);
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	s->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s->sigfd < 0)
		return log_error_errno(-errno, "signalfd: %m");
	if ((r = evloop_new(&s->loop)) < 0 ||
	    (r = evloop_add_fd(s->loop, s->sigfd, EV_READ, on_signal, s)) < 0 ||
	    (r = grpc_server_new(s->loop, kserver_registration_methods, 1, s, &s->reg)) < 0)
		return log_error_errno(r, "Failed to set up the loop: %m");
	kserver_remove_sockets(s);
	if ((r = kserver_load_checkpoint(s)) < 0)
		return r;
	if ((r = kserver_listen_registration(s)) < 0)
		return r;
	/* last: once the control socket answers, kubelet.sock listens */
	s->ctl_fd = rootfs_sock_listen(s->rundir, KSTUB_CONTROL_SOCKET, 0600);
	if (s->ctl_fd < 0)
		return log_error_errno(s->ctl_fd, "Failed to listen on %s/%s: %m", KSTUB_RUN_DIR,
				       KSTUB_CONTROL_SOCKET);
	if ((r = evloop_add_fd(s->loop, s->ctl_fd, EV_READ, kctl_accept, s)) < 0)
		return log_error_errno(r, "evloop: %m");
	return 0;
}

static void teardown(struct kserver *s)
{
	while (s->plugins) /* pending allocations fail and answer */
		kplugin_drop(s->plugins);
	while (s->ctls)
		kctl_free(s->ctls);
	if (s->reg) {
		grpc_server_shutdown(s->reg);
		for (int i = 0; i < 20 && grpc_server_connections(s->reg); i++)
			evloop_run_once(s->loop, 10);
		grpc_server_free(s->reg);
	}
	if (s->loop)
		evloop_run_once(s->loop, 0); /* deferred frees */
	if (s->plugdir >= 0)
		rootfs_unlink(s->plugdir, DPAPI_KUBELET_SOCKET);
	if (s->ctl_fd >= 0) {
		if (s->loop)
			evloop_del_fd(s->loop, s->ctl_fd);
		close(s->ctl_fd);
		rootfs_unlink(s->rundir, KSTUB_CONTROL_SOCKET);
	}
	if (s->sigfd >= 0) {
		if (s->loop)
			evloop_del_fd(s->loop, s->sigfd);
		close(s->sigfd);
	}
	if (s->loop)
		evloop_free(s->loop);
	kstate_free(&s->st);
	if (s->plugdir >= 0)
		close(s->plugdir);
	if (s->rundir >= 0)
		close(s->rundir);
}

int kstub_serve(int rootfd)
{
	struct kserver s = { .rootfd = rootfd, .plugdir = -1, .rundir = -1, .sigfd = -1, .ctl_fd = -1 };
	int r = setup(&s);
	if (r == 0) {
		log_info("serving %s/%s", KSTUB_PLUGIN_DIR, DPAPI_KUBELET_SOCKET);
		r = evloop_run(s.loop);
		if (r < 0)
			log_error_errno(r, "event loop: %m");
	}
	teardown(&s);
	return r;
}
