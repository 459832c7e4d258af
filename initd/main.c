// SPDX-License-Identifier: GPL-2.0-or-later
/* gpu-initd: prepares a Kubernetes node's GPUs for KubeVirt.
 *
 * Exit codes: 0 done; 1 the node is not (or cannot be) in the configured
 * state; 2 bad usage or invalid config, nothing touched; 70 internal error. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply.h"
#include "check.h"
#include "node/cmdline.h"
#include "node/config.h"
#include "serve/kubevirt.h"
#include "log.h"
#include "rootfs.h"
#include "serve/serve.h"
#include "serve/serve_report.h"
#include "node/sriov.h"
#include "status.h"
#include "vgpu/vgpu_apply.h"
#include "vgpu/vgpu_sriov.h"

#define VERSION "0.1.0"
#define EXIT_NOT_OK 1
#define EXIT_USAGE 2
#define EXIT_INTERNAL 70

struct args {
	const char *root;
	const char *config;
	double timeout;
	int verbosity;
	enum log_target log;
	const char *command;
	bool json, config_only, labels;
	unsigned rescan_ms, max_conns, idle_ms;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: gpu-initd [--root DIR] [--config FILE] [--timeout S] [-v|-q]\n"
		   "                 [--log stderr|kmsg|json] COMMAND\n"
		   "  check [--json] [--config-only]  read-only diagnosis (exit 0 ok, 1 not)\n"
		   "  apply                           converge the node to the configured mode\n"
		   "  serve [--rescan MS]             device-plugin servers until SIGTERM/SIGINT\n"
		   "        [--max-connections N]     (256) open connections, all resources\n"
		   "        [--idle-timeout MS]       (30000) close connections completing no request\n"
		   "  run [--rescan MS]               apply, then serve (the boot entry point)\n"
		   "  status [--json|--labels]        what is bound and served now, per device\n"
		   "  kubevirt-config                 the KubeVirt CR permittedHostDevices (YAML)\n"
		   "exit codes: 0 done, 1 node not in the configured state, 2 bad usage or\n"
		   "config (nothing touched), 70 internal error\n");
}

static int parse_args(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "config", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ "log", required_argument, NULL, 'l' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'j' },
		{ "config-only", no_argument, NULL, 'o' },
		{ "labels", no_argument, NULL, 'L' },
		{ "rescan", required_argument, NULL, 'R' },
		{ "max-connections", required_argument, NULL, 'C' },
		{ "idle-timeout", required_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{},
	};
	int c;
	char *end;
	*a = (struct args){
		.root = "/", .timeout = 60, .log = LOG_TARGET_STDERR, .rescan_ms = SERVE_RESCAN_MS
	};
	while ((c = getopt_long(argc, argv, "+vqh", opts, NULL)) >= 0 || optind < argc) {
		if (c < 0) {
			/* the command, then its own options */
			if (a->command)
				return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "unexpected argument '%s'",
						       argv[optind]);
			a->command = argv[optind++];
			continue;
		}
		switch (c) {
		case 'r': a->root = optarg; break;
		case 'c': a->config = optarg; break;
		case 't':
			a->timeout = strtod(optarg, &end);
			if (*end || a->timeout <= 0 || a->timeout > 86400)
				return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
						       "--timeout: expected seconds, got '%s'", optarg);
			break;
		case 'l':
			if (log_parse_target(optarg, &a->log) < 0)
				return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
						       "--log: expected stderr, kmsg or json, got '%s'",
						       optarg);
			break;
		case 'v': a->verbosity++; break;
		case 'q': a->verbosity--; break;
		case 'j': a->json = true; break;
		case 'o': a->config_only = true; break;
		case 'L': a->labels = true; break;
		case 'R': {
			unsigned long v = strtoul(optarg, &end, 10);
			if (*end || v < 10 || v > 3600000)
				return log_error_errno(
				    SYNTHETIC_ERRNO(EINVAL),
				    "--rescan: expected milliseconds (10..3600000), got '%s'", optarg);
			a->rescan_ms = (unsigned)v;
			break;
		}
		case 'C': {
			unsigned long v = strtoul(optarg, &end, 10);
			if (*end || v < 1 || v > 65536)
				return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
						       "--max-connections: expected 1..65536, got '%s'",
						       optarg);
			a->max_conns = (unsigned)v;
			break;
		}
		case 'I': {
			unsigned long v = strtoul(optarg, &end, 10);
			if (*end || v < 10 || v > 86400000)
				return log_error_errno(
				    SYNTHETIC_ERRNO(EINVAL),
				    "--idle-timeout: expected milliseconds (10..86400000), got '%s'", optarg);
			a->idle_ms = (unsigned)v;
			break;
		}
		case 'h': usage(stdout); exit(0);
		case 'V': printf("gpu-initd %s\n", VERSION); exit(0);
		default: return -EINVAL;
		}
	}
	if (!a->command)
		return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "no command given (try --help)");
	static const char *const known[] = { "check", "apply", "serve", "run", "status", "kubevirt-config" };
	bool ok = false;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		ok |= strcmp(a->command, known[i]) == 0;
	if (!ok)
		return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "unknown command '%s' (try --help)",
				       a->command);
	bool is_status = strcmp(a->command, "status") == 0;
	if (a->config_only && strcmp(a->command, "check") != 0)
		return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "--config-only belongs to check");
	if (a->json && strcmp(a->command, "check") != 0 && !is_status)
		return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "--json belongs to check and status");
	if (a->labels && (!is_status || a->json))
		return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
				       "--labels belongs to status (without --json)");
	return 0;
}

static void setup_log(const struct args *a, int rootfd)
{
	int kfd = -1;
	if (a->log == LOG_TARGET_KMSG && rootfd >= 0)
		kfd = rootfs_openat(rootfd, "dev/kmsg", O_WRONLY, 0);
	log_setup("gpu-initd", a->log, kfd);
	log_set_level(a->verbosity > 0 ? LOG_DEBUG : a->verbosity < 0 ? LOG_WARNING : LOG_INFO);
}

/* Config precedence: --config FILE, gpu_initd.config= (under the root),
 * DIR/etc/gpu-initd/config.json (absent: defaults); then
 * gpu_initd.mode= overrides the mode. */
static int load_config(const struct args *a, int rootfd, struct config *c)
{
	char *cmd = NULL, *text = NULL, err[512], what[PATH_MAX + 32];
	struct kcmdline k = { 0 };
	size_t len = 0;
	int r;

	config_init(c);
	if (!a->config_only && rootfs_read_file(rootfd, "proc/cmdline", &cmd, NULL) >= 0) {
		r = cmdline_parse(cmd, &k);
		free(cmd);
		if (r < 0)
			return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
					       "kernel command line: a gpu_initd.* value is too long");
	}
	const char *path;
	enum config_source src = config_pick_source(a->config, &k, &path);
	if (src == CONFIG_FROM_CLI) {
		r = rootfs_read_host_file(path, &text, &len);
	} else {
		r = rootfs_read_file(rootfd, path, &text, &len);
		if (r == -ENOENT && src == CONFIG_FROM_ROOT) {
			r = 0;
			text = NULL;
		}
	}
	snprintf(what, sizeof(what), "%s%s", path,
		 src == CONFIG_FROM_CMDLINE ? " (gpu_initd.config=, under the root)" : "");
	if (r < 0) {
		log_error_errno(r, "config %s: %m", what);
		return -EINVAL;
	}
	if (text) {
		r = config_parse(c, text, len, err, sizeof(err));
		free(text);
		if (r < 0)
			return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "config %s: %s", what,
					       r == -EINVAL ? err : strerror(-r));
	}
	if (config_apply_cmdline(c, &k, err, sizeof(err)) < 0)
		return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "kernel command line: %s", err);
	log_debug("mode %s", mode_name(c->mode));
	return 0;
}

static int run_check(const struct args *a, int rootfd, const struct config *c)
{
	struct report r;
	if (a->config_only) {
		printf("config ok: mode %s\n", mode_name(c->mode));
		return 0;
	}
	int e = check_build(rootfd, a->root, c, &r);
	if (e < 0) {
		log_error_errno(e, "cannot read the node under %s: %m", a->root);
		return e == -ENOENT ? EXIT_NOT_OK : EXIT_INTERNAL;
	}
	if (a->json)
		check_print_json(&r, stdout);
	else
		check_print_table(&r, stdout);
	bool ok = report_ok(&r);
	report_free(&r);
	return ok ? 0 : EXIT_NOT_OK;
}

static void log_outcome(const struct report *r, const struct apply_stats *st)
{
	for (int x = 0; x < R__MAX; x++)
		if (r->reasons & (1u << x)) {
			if (x == R_IOMMU_OFF)
				log_error("%s: %s", iommu_cause_code(r->cause), r->fix);
			else if (x == R_VGPU_PLAN)
				log_error("vgpu-plan: %s: nothing was changed", r->vgpu_err);
			else if (x == R_NVIDIA_BUILD)
				log_error("nvidia-driver-build: %s: nothing was changed", r->build_err);
			else
				log_error("%s: nothing was changed", reason_code((enum reason)x));
		}
	if (st->modules_err)
		log_error_errno(st->modules_err, "loading %s with libkmod failed: %m", st->modules_failed);
	for (size_t k = 0; k < r->ndr; k++) {
		const struct dev_report *d = &r->dr[k];
		const struct pcidev *p = &r->devs.dev[d->idx];
		switch (d->state) {
		case DEV_DONE:
			log_info("%s: now on %s (group %d)", p->bdf, p->driver[0] ? p->driver : "no driver",
				 p->group);
			break;
		case DEV_UNCHANGED:
			log_debug("%s: already on %s", p->bdf, p->driver[0] ? p->driver : "no driver");
			break;
		case DEV_REFUSED:
			for (int x = 0; x < R__MAX; x++)
				if (d->reasons & (1u << x))
					log_error("%s: refused (%s%s%s), left untouched", p->bdf,
						  reason_code((enum reason)x), d->in_use ? ": " : "",
						  d->in_use ? d->in_use_by : "");
			if (!d->reasons)
				log_notice(
				    "%s: left untouched (the configuration cannot be applied as a whole)",
				    p->bdf);
			break;
		case DEV_FAILED:
			if (d->err == -ECANCELED)
				log_error("%s: not attempted after a failure in its group", p->bdf);
			else
				log_error_errno(d->err, "%s: %s failed: %m", p->bdf, vfio_step_name(d->step));
			break;
		default: break;
		}
	}
	if (r->mode == MODE_VGPU && r->vgpu)
		log_info("vGPUs: %d created, %d kept, %d removed, %d in use, %d failed", r->vgpu->created,
			 r->vgpu->kept, r->vgpu->removed, r->vgpu->in_use, r->vgpu->failed);
	if (st->writes == 0 && st->failed == 0 && st->refused == 0 && !r->reasons)
		log_info("nothing to do: %d device(s) already in %s mode, no sysfs writes", st->unchanged,
			 mode_name(r->mode));
	else
		log_info(
		    "%d changed, %d unchanged, %d refused, %d failed; %d sysfs writes, %d module(s) loaded",
		    st->done, st->unchanged, st->refused, st->failed, st->writes, st->modules_loaded);
}

/* Entering vm-vgpu from vm-passthrough: GPUs on a VFIO driver go back to
 * their default driver first (container mode's apply), then the node is
 * read again.  0, or the container apply's result. */
static int vgpu_release_vfio(const struct args *a, int rootfd, const struct config *c, struct report *r,
			     struct apply_stats *st)
{
	bool any = false;
	for (size_t i = 0; i < r->devs.n; i++)
		any |= pcidev_is_gpu(&r->devs.dev[i]) && driver_is_vfio(r->devs.dev[i].driver);
	if (!any)
		return 0;
	struct config *cc = malloc(sizeof(*cc));
	struct report r2;
	if (!cc)
		return -ENOMEM;
	*cc = *c;
	cc->mode = MODE_CONTAINER;
	int e = check_build(rootfd, a->root, cc, &r2);
	free(cc);
	if (e < 0)
		return e;
	log_info("vm-vgpu: giving the GPUs on VFIO back to their driver first");
	int res = apply_run(rootfd, &r2, (int)(a->timeout * 1000), st);
	report_free(&r2);
	if (res != 0)
		return res;
	report_free(r);
	return check_build(rootfd, a->root, c, r);
}

static int run_apply(const struct args *a, int rootfd, const struct config *c)
{
	struct report r;
	struct apply_stats st = { 0 };
	int e = status_clear_ready(rootfd);
	if (e < 0) {
		log_error_errno(e, "run/gpu-initd under %s: %m", a->root);
		return EXIT_INTERNAL;
	}
	e = check_build(rootfd, a->root, c, &r);
	if (e < 0) {
		log_error_errno(e, "cannot read the node under %s: %m", a->root);
		return e == -ENOENT ? EXIT_NOT_OK : EXIT_INTERNAL;
	}
	int res;
	if (r.mode == MODE_VGPU) {
		/* the plan is checked before any write (after a release from VFIO) */
		res = vgpu_release_vfio(a, rootfd, c, &r, &st);
		if (res < 0 && !r.devs.dev) {
			log_error_errno(res, "reading the node again: %m");
			return EXIT_INTERNAL;
		}
		if (res == 0 && report_ok(&r) && r.vgpu->prepare) {
			/* VFs to turn on or bind: then the VFs' own types decide */
			res = vgpu_prepare(rootfd, r.mods, r.vgpu, &st) < 0 ? 1 : 0;
			if (res == 0 && (e = check_vgpu(rootfd, c, &r)) < 0 && e != -EINVAL) {
				log_error_errno(e, "reading the vGPUs again: %m");
				report_free(&r);
				return EXIT_INTERNAL;
			}
		}
		if (res == 0 && report_ok(&r))
			res = vgpu_load_vfio(r.mods, r.vgpu, &st) < 0 ? 1 : 0;
		if (res == 0)
			res = report_ok(&r) ? vgpu_apply_run(rootfd, r.mods, r.vgpu, &st) : 1;
	} else {
		/* leaving vm-vgpu: the vGPUs we manage go first */
		res = vgpu_undo(rootfd, &r.devs, &st);
		/* "sriov-vfs": the VFs to pass through are made first */
		if (res == 0 && r.mode == MODE_PASSTHROUGH && report_ok(&r) && r.sriov_pending &&
		    sriov_enable_all(rootfd, r.mods, c, &r.devs, &st.writes) < 0)
			res = 1;
		/* passthrough needs SR-IOV off; nvidia cannot do it alone */
		for (size_t i = 0; res == 0 && r.mode == MODE_PASSTHROUGH && report_ok(&r) && i < r.devs.n;
		     i++)
			if (r.selected[i] && pcidev_is_gpu(&r.devs.dev[i]) && r.devs.dev[i].numvfs > 0 &&
			    vgpu_sriov_off(rootfd, r.mods, r.devs.dev[i].bdf, &st) < 0)
				res = 1;
		if (res == 0 && st.writes) {
			report_free(&r);
			e = check_build(rootfd, a->root, c, &r);
			if (e < 0) {
				log_error_errno(e, "reading the node again: %m");
				return EXIT_INTERNAL;
			}
		}
		if (res == 0) {
			struct apply_stats pre = st; /* apply_run starts its own count */
			res = apply_run(rootfd, &r, (int)(a->timeout * 1000), &st);
			st.writes += pre.writes;
		}
	}
	log_outcome(&r, &st);
	e = status_write(rootfd, &r, res == 0);
	report_free(&r);
	if (e < 0) {
		log_error_errno(e, "writing run/gpu-initd/status.json: %m");
		return EXIT_INTERNAL;
	}
	return res < 0 ? EXIT_INTERNAL : res == 0 ? 0 : EXIT_NOT_OK;
}

/* In container mode NVIDIA's container device plugin advertises the GPUs. */
static int run_serve(const struct args *a, int rootfd, const struct config *c)
{
	if (c->mode == MODE_CONTAINER) {
		log_info("mode container: nothing to advertise (NVIDIA's container device plugin does that)");
		return 0;
	}
	struct serve_opts o = { .rootdir = a->root,
				.rootfd = rootfd,
				.cfg = c,
				.rescan_ms = a->rescan_ms,
				.max_conns = a->max_conns,
				.idle_ms = a->idle_ms };
	int r = serve_run(&o);
	return r < 0 ? EXIT_INTERNAL : 0;
}

/* run = apply, then serve.  A failed apply is reported (exit code kept
 * for the end) but serve still starts: whatever is ready (bound, in its
 * own intact group) is advertised, the rest is not, and devices fixed
 * later appear through uevents/rescans.  Bad usage/config stops here. */
static int run_run(const struct args *a, int rootfd, const struct config *c)
{
	int r = run_apply(a, rootfd, c);
	if (r == EXIT_USAGE || c->mode == MODE_CONTAINER)
		return r;
	if (r != 0)
		log_warning("apply did not complete (exit %d): serving what is ready", r);
	int s = run_serve(a, rootfd, c);
	return s != 0 ? s : r;
}

static int run_kubevirt_config(const struct args *a, int rootfd, const struct config *c)
{
	struct sdevs d;
	int r = serve_discover(rootfd, a->root, c, NULL, &d);
	if (r < 0) {
		log_error_errno(r, "cannot read the node's devices under %s: %m", a->root);
		return EXIT_INTERNAL;
	}
	kubevirt_print(&d, stdout);
	sdevs_free(&d);
	return 0;
}

static const char *kind_name(enum sdev_kind k)
{
	return k == SDEV_MDEV ? "mdev" : k == SDEV_VF_VGPU ? "vf-vgpu" : "passthrough";
}

/* status: what is on the node now (live discovery) and, when serve runs,
 * its own view (run/gpu-initd/serve.json: health, registration, streams,
 * allocations). */
static int run_status(const struct args *a, int rootfd, const struct config *c)
{
	struct sdevs d;
	char *served = NULL;
	int r = serve_discover(rootfd, a->root, c, NULL, &d);
	if (r < 0) {
		log_error_errno(r, "cannot read the node's devices under %s: %m", a->root);
		return EXIT_INTERNAL;
	}
	if (rootfs_read_file(rootfd, SERVE_STATUS, &served, NULL) < 0)
		served = NULL;
	if (a->labels) {
		printf("nvidia.com/gpu.workload.config=%s\n", mode_name(c->mode));
		printf("gpu-initd/ready=%s\n",
		       rootfs_exists(rootfd, "run/gpu-initd/ready") > 0 ? "true" : "false");
	} else if (a->json) {
		printf("{\"mode\":\"%s\",\"devices\":[", mode_name(c->mode));
		for (size_t i = 0; i < d.n; i++)
			printf("%s{\"id\":\"%s\",\"kind\":\"%s\",\"resource\":\"%s\",\"driver\":\"%s\","
			       "\"iommu_group\":%d,\"numa_node\":%d}",
			       i ? "," : "", d.d[i].id, kind_name(d.d[i].kind), d.d[i].resource,
			       d.d[i].driver, d.d[i].group, d.d[i].numa);
		printf("],\"serve\":%s}\n", served ? served : "null");
	} else {
		printf("mode %s\n", mode_name(c->mode));
		serve_report_print(&d, served, stdout);
	}
	free(served);
	sdevs_free(&d);
	return 0;
}

int main(int argc, char **argv)
{
	struct args a;
	struct config cfg;
	int rootfd, r;

	log_setup("gpu-initd", LOG_TARGET_STDERR, -1);
	if (parse_args(argc, argv, &a) < 0)
		return EXIT_USAGE;
	rootfd = rootfs_open(a.root);
	setup_log(&a, rootfd);
	if (rootfd < 0) {
		log_error_errno(rootfd, "--root %s: %m", a.root);
		return EXIT_USAGE;
	}
	if (load_config(&a, rootfd, &cfg) < 0)
		return EXIT_USAGE;
	if (strcmp(a.command, "check") == 0)
		r = run_check(&a, rootfd, &cfg);
	else if (strcmp(a.command, "apply") == 0)
		r = run_apply(&a, rootfd, &cfg);
	else if (strcmp(a.command, "serve") == 0)
		r = run_serve(&a, rootfd, &cfg);
	else if (strcmp(a.command, "run") == 0)
		r = run_run(&a, rootfd, &cfg);
	else if (strcmp(a.command, "status") == 0)
		r = run_status(&a, rootfd, &cfg);
	else
		r = run_kubevirt_config(&a, rootfd, &cfg);
	close(rootfd);
	return r;
}
