// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ers_store.h"
#include "fabric_ctl.h"
#include "grpc_server.h"
#include "health.h"
#include "jsonw.h"
#include "log.h"
#include "node/config.h"
#include "plugin.h"
#include "resources.h"
#include "rootfs.h"
#include "serve.h"

struct serve {
	struct serve_ctx ctx;
	const struct serve_opts *o;
	struct plugin **plugins;
	size_t nplugins;
	struct health *health;
	int inotify_fd, signal_fd, watch_wd;
	int64_t rescan_timer, resync_timer, status_timer, fabric_timer;
	bool stopping, in_inotify;
	unsigned rescans;
	struct sdevs last;    /* the previous scan (its static attributes are reused) */
	struct ers_table ers; /* PCI functions in or after a failed error recovery */
};

int serve_discover(int rootfd, const char *rootdir, const struct config *cfg, const struct sdevs *prev,
		   const struct ers_table *ers, struct sdevs *ret)
{
	struct sdevs s;
	int r = discover_scan(rootfd, rootdir, cfg, prev, ers, &s);
	if (r < 0)
		return r;
	size_t k = 0;
	for (size_t i = 0; i < s.n; i++)
		if (resources_name(cfg, &s.d[i]) >= 0)
			s.d[k++] = s.d[i];
		else
			log_debug("%s: no valid resource name (type \"%s\"), not advertised", s.d[i].id,
				  s.d[i].vgpu_type);
	s.n = k;
	*ret = s;
	return 0;
}

static struct plugin *find_plugin(struct serve *s, const char *resource)
{
	for (size_t i = 0; i < s->nplugins; i++)
		if (strcmp(s->plugins[i]->resource, resource) == 0)
			return s->plugins[i];
	return NULL;
}

static bool kubelet_present(struct serve *s)
{
	struct stat st;
	return rootfs_stat(s->ctx.plugdir, "kubelet.sock", &st, 0) == 0;
}

/* Whether the plugin dir we hold is still the one at its path (not
 * removed or moved away: inotify reports neither while we hold it open). */
static bool plugin_dir_current(struct serve *s)
{
	struct stat held, now;
	return fstat(s->ctx.plugdir, &held) == 0 && held.st_nlink > 0 &&
	       rootfs_stat(s->ctx.rootfd, SERVE_PLUGIN_DIR, &now, 0) == 0 && held.st_dev == now.st_dev &&
	       held.st_ino == now.st_ino;
}

static void reopen_dir(struct serve *s);

static int add_plugin(struct serve *s, const char *resource, const struct sdevs *all)
{
	struct plugin *p, **np = realloc(s->plugins, (s->nplugins + 1) * sizeof(*np));
	if (!np)
		return -ENOMEM;
	s->plugins = np;
	int r = plugin_new(&s->ctx, resource, &p);
	if (r < 0)
		return log_error_errno(r, "%s: %m", resource);
	s->plugins[s->nplugins++] = p;
	plugin_update(p, all);
	r = plugin_listen(p);
	if (r < 0)
		return r;
	plugin_register(p);
	return 0;
}

/* Names and filters a scan like serve_discover(). */
static void name_all(const struct config *cfg, struct sdevs *s)
{
	size_t k = 0;
	for (size_t i = 0; i < s->n; i++)
		if (resources_name(cfg, &s->d[i]) >= 0)
			s->d[k++] = s->d[i];
	s->n = k;
}

/* Full scan, or (bdfs given) only those PCI functions read again;
 * recovered: functions whose AER recovery ended (their ERR_FATAL count
 * is the new baseline). */
static void rescan_some(struct serve *s, const char *const *bdfs, size_t n,
			const struct health_burst *recovered)
{
	struct sdevs all;
	int r;
	/* the scan gets descriptors whatever the connections hold: a device it
	 * could not read would turn Unhealthy for an error of ours */
	fdreserve_release(&s->ctx.reserve);
	if (bdfs) {
		r = discover_rescan_pci(s->ctx.rootfd, s->o->rootdir, s->o->cfg, &s->last, &s->ers, bdfs, n,
					&all);
		if (r >= 0)
			name_all(s->o->cfg, &all);
	} else {
		r = serve_discover(s->ctx.rootfd, s->o->rootdir, s->o->cfg, &s->last, &s->ers, &all);
	}
	fdreserve_take(&s->ctx.reserve);
	s->rescans++;
	if (r < 0) {
		log_warning_errno(r, "rescan failed: %m");
		return;
	}
	bool changed = false;
	/* (the recovery state the uevents told is in each sdev's ers: discover
	 * set it, a VF's or mdev's parent's too) */
	for (size_t i = 0; recovered && i < all.n; i++)
		for (size_t k = 0; k < recovered->nrecovered; k++)
			if (strcmp(all.d[i].id, recovered->recovered[k]) == 0 ||
			    strcmp(all.d[i].parent, recovered->recovered[k]) == 0)
				all.d[i].recovered = true;
	for (size_t i = 0; i < s->nplugins; i++)
		changed |= plugin_update(s->plugins[i], &all) > 0;
	for (size_t i = 0; i < all.n; i++)
		all.d[i].recovered = false;
	for (size_t i = 0; i < all.n; i++)
		if (!find_plugin(s, all.d[i].resource)) {
			log_info("new resource %s", all.d[i].resource);
			add_plugin(s, all.d[i].resource, &all);
			changed = true;
		}
	sdevs_free(&s->last);
	s->last = all;
	fabric_ctl_devices(s->ctx.fabric, &s->last);
	if (changed)
		s->ctx.changed(&s->ctx);
}

/* Fabric Manager partitions: VMs that ended, FM restarts (fabric_ctl.h). */
#define FABRIC_POLL_MS 1000
static void on_fabric_timer(struct evloop *loop, void *data)
{
	struct serve *s = data;
	s->fabric_timer = evloop_add_timer(loop, FABRIC_POLL_MS, on_fabric_timer, s);
	fdreserve_release(&s->ctx.reserve);
	bool changed = fabric_ctl_sync(s->ctx.fabric);
	fdreserve_take(&s->ctx.reserve);
	if (changed)
		s->ctx.changed(&s->ctx);
}

/* The recovery table never outlives a pci_dev, even one whose remove
 * uevent was lost: its entries checked against sysfs (a stat each). */
static void ers_recheck(struct serve *s)
{
	size_t adopted = 0, dropped = s->ers.n ? ers_store_prune(s->ctx.rootfd, &s->ers, true, &adopted) : 0;
	if (!s->ers.n && !dropped)
		return;
	if (dropped)
		log_info("%zu kernel error recovery record(s) dropped: the function is gone or a new pci_dev",
			 dropped);
	int r = dropped || adopted ? ers_save(s->ctx.rootfd, &s->ers) : 0;
	if (r < 0)
		log_warning_errno(r, "%s: %m", ERS_FILE);
}

static void on_rescan_timer(struct evloop *loop, void *data)
{
	struct serve *s = data;
	s->rescan_timer = evloop_add_timer(loop, s->o->rescan_ms, on_rescan_timer, s);
	ers_recheck(s);
	rescan_some(s, NULL, 0, NULL);
	if (!plugin_dir_current(s))
		reopen_dir(s);
}

/* PCI events name their function: read only those again; anything else
 * (mdev, vfio group nodes) rescans everything. */
static void on_device_event(void *data, const struct health_burst *b)
{
	struct serve *s = data;
	const char *ids[2 * HEALTH_MAX_NAMES];
	size_t n = 0;
	int r;
	bool full = b->full, ers_changed = false;
	for (size_t i = 0; i < b->ners; i++) {
		enum ers_event ev = (enum ers_event)b->ers[i].ev;
		/* the pci_dev it is about: the state is never inherited by another */
		uint64_t inst = ev == ERS_EV_BEGIN || ev == ERS_EV_FAILED
				    ? ers_instance(s->ctx.rootfd, b->ers[i].name)
				    : 0;
		ers_changed |= ers_apply(&s->ers, b->ers[i].name, inst, ev);
		if (ev != ERS_EV_REMOVED)
			log_info("%s: kernel error recovery: %s", b->ers[i].name,
				 ev == ERS_EV_BEGIN    ? "begun"
				 : ev == ERS_EV_FAILED ? "failed"
						       : "successful");
	}
	/* before the rescan: a serve restarted from here on knows it */
	if (ers_changed && (r = ers_save(s->ctx.rootfd, &s->ers)) < 0)
		log_warning_errno(r, "%s: %m (a restarted serve would not know the recovery state)",
				  ERS_FILE);
	for (size_t i = 0; i < b->npci; i++)
		ids[n++] = b->pci[i];
	/* a vfio group node: the PCI functions we know in that group */
	for (size_t g = 0; g < b->nvfio && !full; g++) {
		bool known = false;
		for (size_t i = 0; i < s->nplugins && !full; i++)
			for (size_t k = 0; k < s->plugins[i]->table.n && !full; k++) {
				const struct sdev *d = &s->plugins[i]->table.v[k].d;
				if (d->group != b->vfio_groups[g])
					continue;
				known = true;
				if (d->kind == SDEV_MDEV || n == sizeof(ids) / sizeof(ids[0]))
					full = true;
				else
					ids[n++] = d->id;
			}
		full |= !known;
	}
	if (full)
		rescan_some(s, NULL, 0, b);
	else
		rescan_some(s, ids, n, b);
}

static int fill_status(FILE *f, void *data)
{
	struct serve *s = data;
	struct jsonw w;
	jsonw_init_file(&w, f, false);
	jsonw_obj_open(&w);
	jsonw_kint(&w, "pid", getpid());
	jsonw_kint(&w, "kubelet_generation", s->ctx.kubelet_gen);
	jsonw_kbool(&w, "kubelet_present", kubelet_present(s));
	jsonw_kint(&w, "rescans", s->rescans);
	jsonw_key(&w, "resources");
	jsonw_arr_open(&w);
	for (size_t i = 0; i < s->nplugins; i++)
		plugin_print_json(s->plugins[i], &w);
	jsonw_arr_close(&w);
	if (s->ctx.fabric)
		fabric_ctl_print_json(s->ctx.fabric, &w);
	jsonw_obj_close(&w);
	fputc('\n', f);
	return 0;
}

static void write_status(struct evloop *loop, void *data)
{
	struct serve *s = data;
	s->status_timer = 0;
	if (rootfs_mkdir_p(s->ctx.rootfd, "run/gpu-initd", 0755) < 0)
		return;
	rootfs_write_atomic_fn(s->ctx.rootfd, SERVE_STATUS, 0644, fill_status, s);
}

static void changed(struct serve_ctx *ctx)
{
	struct serve *s = (struct serve *)ctx;
	if (!s->status_timer && !s->stopping)
		s->status_timer = evloop_add_timer(ctx->loop, 100, write_status, s);
}

/* Our socket vanished (kubelet restart, or someone removed it): serve
 * again; register again when kubelet is there. */
static void resync(struct evloop *loop, void *data)
{
	struct serve *s = data;
	struct stat st;
	s->resync_timer = 0;
	if (!plugin_dir_current(s)) {
		reopen_dir(s);
		return;
	}
	for (size_t i = 0; i < s->nplugins; i++) {
		struct plugin *p = s->plugins[i];
		if (rootfs_stat(s->ctx.plugdir, p->sock, &st, 0) == 0)
			continue;
		log_info("%s: socket %s gone, serving again", p->resource, p->sock);
		plugin_listen(p);
		plugin_unregistered(p);
		if (kubelet_present(s))
			plugin_register(p);
		s->ctx.changed(&s->ctx);
	}
}

/* Watches the plugin dir (dirfd): kubelet.sock coming, our sockets going.
 * The watch descriptor or -errno. */
static int watch_dir(int inotify_fd, int dirfd)
{
	return rootfs_inotify_watch(inotify_fd, dirfd, IN_CREATE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM);
}

static int open_plugin_dir(int rootfd)
{
	int r = rootfs_mkdir_p(rootfd, SERVE_PLUGIN_DIR, 0755);
	return r < 0 ? r : rootfs_openat(rootfd, SERVE_PLUGIN_DIR, O_RDONLY | O_DIRECTORY, 0);
}

/* The plugin dir was removed or moved away (seen when our socket goes, or
 * by the periodic rescan): make it again as at start, watch the new one and
 * serve there.  kubelet makes it too when it starts: whoever comes first,
 * the other finds it.  On failure the next rescan tries again. */
static void reopen_dir(struct serve *s)
{
	int fd = open_plugin_dir(s->ctx.rootfd);
	int wd = fd >= 0 ? watch_dir(s->inotify_fd, fd) : fd;
	if (wd < 0) {
		if (fd >= 0)
			close(fd);
		log_warning_errno(wd, "%s was removed or moved away, cannot make it again: %m",
				  SERVE_PLUGIN_DIR);
		return;
	}
	inotify_rm_watch(s->inotify_fd, s->watch_wd);
	close(s->ctx.plugdir);
	s->ctx.plugdir = fd;
	s->watch_wd = wd;
	s->ctx.kubelet_gen++; /* a kubelet.sock there is a new one to us */
	log_notice("%s was removed or moved away: made it again, serving there", SERVE_PLUGIN_DIR);
	resync(s->ctx.loop, s);
}

static void on_inotify(struct evloop *loop, int fd, unsigned events, void *data)
{
	struct serve *s = data;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool kubelet_new = false, ours_gone = false;
	ssize_t n;
	if (s->in_inotify)
		return;
	s->in_inotify = true;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (char *q = buf; q < buf + n;) {
			const struct inotify_event *e = (const void *)q;
			q += sizeof(*e) + e->len;
			if (e->mask & IN_Q_OVERFLOW) {
				ours_gone = true;
				continue;
			}
			if (!e->len)
				continue;
			if (strcmp(e->name, "kubelet.sock") == 0 && (e->mask & (IN_CREATE | IN_MOVED_TO)))
				kubelet_new = true;
			else if (e->mask & (IN_DELETE | IN_MOVED_FROM))
				ours_gone = true;
		}
	}
	if (kubelet_new) {
		s->ctx.kubelet_gen++;
		log_info("kubelet.sock created (kubelet generation %u): registering again",
			 s->ctx.kubelet_gen);
		resync(loop, s);
		for (size_t i = 0; i < s->nplugins; i++)
			plugin_register(s->plugins[i]);
		s->ctx.changed(&s->ctx);
	}
	if (ours_gone && !s->resync_timer)
		s->resync_timer = evloop_add_timer(loop, 200, resync, s);
	s->in_inotify = false;
}

static void sync_kubelet(struct serve_ctx *ctx)
{
	struct serve *s = (struct serve *)ctx;
	if (s->inotify_fd >= 0 && !s->in_inotify)
		on_inotify(ctx->loop, s->inotify_fd, EV_READ, s);
}

static void on_signal(struct evloop *loop, int fd, unsigned events, void *data)
{
	struct serve *s = data;
	struct signalfd_siginfo si;
	if (read(fd, &si, sizeof(si)) == sizeof(si)) {
		log_info("signal %u: stopping", si.ssi_signo);
		s->stopping = true;
		evloop_stop(loop);
	}
}

int serve_run(const struct serve_opts *o)
{
	struct serve s = { .o = o, .inotify_fd = -1, .signal_fd = -1, .watch_wd = -1 };
	struct sdevs all = { 0 };
	sigset_t mask;
	int r;

	s.ctx.rootfd = o->rootfd;
	fdreserve_init(&s.ctx.reserve);
	grpc_server_set_limits(
	    &(struct grpc_server_limits){ .max_conns = o->max_conns, .idle_ms = o->idle_ms });
	s.ctx.changed = changed;
	s.ctx.sync_kubelet = sync_kubelet;
	r = evloop_new(&s.ctx.loop);
	if (r < 0)
		return r;
	s.ctx.plugdir = open_plugin_dir(o->rootfd);
	if (s.ctx.plugdir < 0) {
		r = log_error_errno(s.ctx.plugdir, "%s under the root: %m", SERVE_PLUGIN_DIR);
		goto out;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	s.signal_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s.signal_fd < 0 || evloop_add_fd(s.ctx.loop, s.signal_fd, EV_READ, on_signal, &s) < 0) {
		r = log_error_errno(errno, "signalfd: %m");
		goto out;
	}
	/* watch the plugin dir before anything else: no kubelet.sock creation is missed */
	s.inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	r = s.inotify_fd < 0 ? -errno : (s.watch_wd = watch_dir(s.inotify_fd, s.ctx.plugdir));
	if (r >= 0)
		r = evloop_add_fd(s.ctx.loop, s.inotify_fd, EV_READ, on_inotify, &s);
	if (r < 0) {
		r = log_error_errno(r, "inotify on %s: %m", SERVE_PLUGIN_DIR);
		goto out;
	}
	r = health_start(s.ctx.loop, on_device_event, &s, &s.health);
	if (r < 0)
		log_warning_errno(r, "no uevent monitor (%m): health from the periodic rescan only");
	/* what the kernel's recovery uevents told an earlier serve, about the
	 * pci_devs that are still the same ones (ers_store.h) */
	size_t dropped;
	r = ers_load(o->rootfd, &s.ers, &dropped);
	if (r < 0)
		log_warning_errno(r, "%s: %m: ignored (recovery states before this start are lost)",
				  ERS_FILE);
	else if (s.ers.n || dropped)
		log_info("%s: %zu function(s) in or after a kernel error recovery, %zu dropped (gone or a "
			 "new pci_dev)",
			 ERS_FILE, s.ers.n, dropped);
	for (size_t i = 0; i < s.ers.n; i++)
		if (s.ers.v[i].state == ERS_RECOVERING)
			log_notice("%s: was in a kernel error recovery when serve stopped; its outcome is "
				   "unknown: Unhealthy until SUCCESSFUL_RECOVERY or a new pci_dev",
				   s.ers.v[i].bdf);
	if (dropped && (r = ers_save(o->rootfd, &s.ers)) < 0)
		log_warning_errno(r, "%s: %m", ERS_FILE);
	r = serve_discover(o->rootfd, o->rootdir, o->cfg, NULL, &s.ers, &all);
	if (r < 0) {
		log_error_errno(r, "cannot read the node's devices: %m");
		goto out;
	}
	/* an NVSwitch node: partitions reconciled before kubelet hears of us */
	if (o->cfg->mode == MODE_PASSTHROUGH && (r = fabric_ctl_new(o->rootfd, o->cfg, &s.ctx.fabric)) < 0)
		goto out;
	fabric_ctl_devices(s.ctx.fabric, &all);
	fabric_ctl_sync(s.ctx.fabric);
	if (s.ctx.fabric)
		s.fabric_timer = evloop_add_timer(s.ctx.loop, FABRIC_POLL_MS, on_fabric_timer, &s);
	/* a resource that cannot be served is logged; the others go on */
	for (size_t i = 0; i < all.n; i++)
		if (!find_plugin(&s, all.d[i].resource) &&
		    (r = add_plugin(&s, all.d[i].resource, &all)) == -ENOMEM)
			goto out;
	if (!all.n)
		log_notice("no VFIO-bound GPU, VF vGPU or mdev found yet: waiting for devices");
	else
		log_info("%zu device(s) in %zu resource(s)", all.n, s.nplugins);
	s.last = all;
	all = (struct sdevs){ 0 };
	s.rescan_timer = evloop_add_timer(s.ctx.loop, o->rescan_ms, on_rescan_timer, &s);
	changed(&s.ctx);
	r = evloop_run(s.ctx.loop);
	/* SIGTERM: end streams, GOAWAY, remove sockets, then let the bytes out */
	for (size_t i = 0; i < s.nplugins; i++)
		plugin_stop(s.plugins[i]);
	uint64_t end = evloop_now_ms() + 500;
	for (;;) {
		unsigned conns = 0;
		for (size_t i = 0; i < s.nplugins; i++)
			conns += grpc_server_connections(s.plugins[i]->srv);
		if (!conns || evloop_now_ms() >= end)
			break;
		evloop_run_once(s.ctx.loop, 50);
	}
	rootfs_unlink(o->rootfd, SERVE_STATUS);
out:
	sdevs_free(&all);
	sdevs_free(&s.last);
	for (size_t i = 0; i < s.nplugins; i++)
		plugin_free(s.plugins[i]);
	free(s.plugins);
	fabric_ctl_free(s.ctx.fabric);
	health_stop(s.health);
	if (s.inotify_fd >= 0) {
		evloop_del_fd(s.ctx.loop, s.inotify_fd);
		close(s.inotify_fd);
	}
	if (s.signal_fd >= 0) {
		evloop_del_fd(s.ctx.loop, s.signal_fd);
		close(s.signal_fd);
	}
	if (s.ctx.plugdir >= 0)
		close(s.ctx.plugdir);
	evloop_free(s.ctx.loop);
	fdreserve_release(&s.ctx.reserve);
	return r < 0 ? r : 0;
}
