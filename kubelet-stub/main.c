// SPDX-License-Identifier: GPL-2.0-or-later
/* kubelet-stub: a fake kubelet device manager and a KubeVirt-style
 * consumer (docs/design.md section 1).  `serve` holds the state; the other
 * subcommands ask it over ROOT/run/kubelet-stub/control.sock.
 * Exit codes: 0 done; 1 refused or failed (reason on stderr); 2 bad usage;
 * 70 internal error (no serve running, I/O). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "json.h"
#include "jsonw.h"
#include "kstub.h"
#include "log.h"
#include "rootfs.h"

#define EXIT_REFUSED 1
#define EXIT_USAGE 2
#define EXIT_INTERNAL 70

static const char usage[] =
    "usage: kubelet-stub [--root DIR] [-v|-q] COMMAND\n"
    "  serve                                 Registration server on DIR/" KSTUB_PLUGIN_DIR "/kubelet.sock\n"
    "  status [--json]                       capacity/allocatable per resource, device health, allocations\n"
    "  allocate RESOURCE COUNT [--pod NAME]  GetPreferredAllocation (if offered) + Allocate; prints JSON\n"
    "  launch-vm RESOURCE COUNT [--pod NAME] [--before-check CMD] [--hold]\n"
    "                                        allocate, then check it as KubeVirt's virt-launcher would\n"
    "                                        (CMD: a shell command run in between, e.g. a hot-unplug;\n"
    "                                        $KSTUB_DEVICES holds the allocated IDs, comma-separated;\n"
    "                                        --hold: keep the VFIO nodes open, as a running VM, until\n"
    "                                        SIGTERM; prints \"running\" once they are)\n"
    "  restart                               behave like a kubelet restart\n";

/* Asks serve; on an {"error": ...} answer prints it and returns 1. */
static int ask(int rootfd, const char *request, char **ret)
{
	char *doc;
	int r = kstub_ctl_call(rootfd, request, &doc);
	if (r < 0) {
		if (r == -ECONNREFUSED)
			log_error("no kubelet-stub serve is running under this root (%s/%s)", KSTUB_RUN_DIR,
				  KSTUB_CONTROL_SOCKET);
		else
			log_error_errno(r, "control socket: %m");
		return EXIT_INTERNAL;
	}
	struct json_doc d;
	if (json_parse(&d, doc, strlen(doc)) < 0) {
		free(doc);
		log_error("bad answer from serve");
		return EXIT_INTERNAL;
	}
	int e = json_obj_get(&d, 0, "error");
	if (e >= 0) {
		char msg[700];
		json_str(&d, e, msg, sizeof(msg));
		log_error("%s", msg);
		json_free(&d);
		free(doc);
		return EXIT_REFUSED;
	}
	json_free(&d);
	*ret = doc;
	return 0;
}

static int print_status_table(const char *doc)
{
	struct json_doc d;
	if (json_parse(&d, doc, strlen(doc)) < 0)
		return EXIT_INTERNAL;
	int st = json_obj_get(&d, 0, "status"), res = json_obj_get(&d, 0, "resources");
	int cap = json_obj_get(&d, st, "capacity"), alloc = json_obj_get(&d, st, "allocatable");
	printf("%-48s %8s %11s  %s\n", "RESOURCE", "CAPACITY", "ALLOCATABLE", "PLUGIN");
	json_for_each (&d, res, r, n) {
		char name[256], ep[256], c[32] = "?", a[32] = "?";
		bool connected = false;
		json_str(&d, json_obj_get(&d, r, "name"), name, sizeof(name));
		json_str(&d, json_obj_get(&d, r, "endpoint"), ep, sizeof(ep));
		json_bool(&d, json_obj_get(&d, r, "connected"), &connected);
		json_str(&d, json_obj_get(&d, cap, name), c, sizeof(c));
		json_str(&d, json_obj_get(&d, alloc, name), a, sizeof(a));
		printf("%-48s %8s %11s  %s%s\n", name, c, a, connected ? "connected " : "disconnected ", ep);
		int devs = json_obj_get(&d, r, "devices");
		json_for_each (&d, devs, dv, m) {
			char id[128], health[32], pod[256] = "";
			json_str(&d, json_obj_get(&d, dv, "id"), id, sizeof(id));
			json_str(&d, json_obj_get(&d, dv, "health"), health, sizeof(health));
			int p = json_obj_get(&d, dv, "pod");
			if (p >= 0 && !json_is_null(&d, p))
				json_str(&d, p, pod, sizeof(pod));
			printf("  %-40s %-10s %s\n", id, health, pod);
		}
	}
	json_free(&d);
	return 0;
}

/* A subcommand's arguments, as the table below allows them. */
struct kargs {
	bool json, hold;
	const char *pod, *before_check, *pos[2];
};

static int cmd_serve(int rootfd, const struct kargs *a)
{
	(void)a;
	return kstub_serve(rootfd) < 0 ? EXIT_INTERNAL : 0;
}

static int cmd_status(int rootfd, const struct kargs *a)
{
	char *doc;
	int r = ask(rootfd, "{\"cmd\":\"status\"}", &doc);
	if (r)
		return r;
	if (a->json)
		printf("%s\n", doc);
	else
		r = print_status_table(doc);
	free(doc);
	return r;
}

static int allocate(int rootfd, const char *resource, const char *count, const char *pod, char **ret)
{
	char *end;
	long n = strtol(count, &end, 10);
	if (*end || n < 1 || n > 4096) {
		log_error("COUNT must be a number from 1 to 4096, not '%s'", count);
		return EXIT_USAGE;
	}
	struct jsonw w;
	char *req;
	jsonw_init(&w, false);
	jsonw_obj_open(&w);
	jsonw_kstr(&w, "cmd", "allocate");
	jsonw_kstr(&w, "resource", resource);
	jsonw_kint(&w, "count", n);
	jsonw_kstr(&w, "pod", pod);
	jsonw_obj_close(&w);
	if (jsonw_finish(&w, &req, NULL) < 0)
		return EXIT_INTERNAL;
	int r = ask(rootfd, req, ret);
	free(req);
	return r;
}

static int cmd_allocate(int rootfd, const struct kargs *a)
{
	const char *resource = a->pos[0], *count = a->pos[1], *pod = a->pod;
	char *doc;
	int r = allocate(rootfd, resource, count, pod, &doc);
	if (r)
		return r;
	printf("%s\n", doc);
	free(doc);
	return 0;
}

/* The allocation's device IDs, comma-separated (for the hook's env). */
static char *allocated_ids(const char *doc)
{
	struct json_doc d;
	if (json_parse(&d, doc, strlen(doc)) < 0)
		return NULL;
	size_t cap = strlen(doc) + 1, len = 0;
	char *out = calloc(1, cap);
	int devs = json_obj_get(&d, 0, "devices");
	if (out && devs >= 0) {
		json_for_each (&d, devs, c, n) {
			if (len)
				out[len++] = ',';
			if (json_str(&d, c, out + len, cap - len) >= 0)
				len += strlen(out + len);
		}
	}
	json_free(&d);
	return out;
}

/* Runs `sh -c cmd` with KSTUB_DEVICES=ids and waits; 0 if it exited 0. */
static int run_shell(const char *cmd, const char *ids)
{
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		setenv("KSTUB_DEVICES", ids ? ids : "", 1);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -ECHILD;
}

static int cmd_launch_vm(int rootfd, const struct kargs *a)
{
	const char *resource = a->pos[0], *count = a->pos[1], *pod = a->pod, *before_check = a->before_check;
	bool hold = a->hold;
	char *doc, why[700];
	int r = allocate(rootfd, resource, count, pod, &doc);
	if (r)
		return r;
	if (before_check) {
		char *ids = allocated_ids(doc);
		r = run_shell(before_check, ids);
		free(ids);
		if (r < 0) {
			free(doc);
			log_error("launch-vm: the --before-check command failed: %s", before_check);
			return EXIT_INTERNAL;
		}
	}
	r = kstub_vm_check(rootfd, doc, strlen(doc), why, sizeof(why));
	if (r < 0) {
		free(doc);
		log_error("launch-vm: %s", why);
		return EXIT_REFUSED;
	}
	if (hold)
		r = kstub_vm_hold(rootfd, doc, strlen(doc), "running");
	free(doc);
	return r < 0 ? EXIT_INTERNAL : 0;
}

static int cmd_restart(int rootfd, const struct kargs *a)
{
	(void)a;
	char *doc;
	int r = ask(rootfd, "{\"cmd\":\"restart\"}", &doc);
	if (r)
		return r;
	free(doc);
	return 0;
}

/* The subcommands: name, positional arguments, the options each takes. */
enum { OPT_JSON = 1, OPT_POD = 2, OPT_BEFORE_CHECK = 4, OPT_HOLD = 8 };
static const struct kcmd {
	const char *name;
	int npos;
	unsigned opts;
	int (*run)(int rootfd, const struct kargs *a);
} commands[] = {
	{ "serve", 0, 0, cmd_serve },
	{ "status", 0, OPT_JSON, cmd_status },
	{ "allocate", 2, OPT_POD, cmd_allocate },
	{ "launch-vm", 2, OPT_POD | OPT_BEFORE_CHECK | OPT_HOLD, cmd_launch_vm },
	{ "restart", 0, 0, cmd_restart },
};

/* The subcommand's options and positional arguments into a; false on
 * anything it does not take. */
static bool parse_kargs(const struct kcmd *k, int argc, char **argv, struct kargs *a)
{
	int npos = 0;
	for (int i = 0; i < argc; i++) {
		const char *o = argv[i];
		bool more = i + 1 < argc;
		if ((k->opts & OPT_JSON) && strcmp(o, "--json") == 0)
			a->json = true;
		else if ((k->opts & OPT_POD) && strcmp(o, "--pod") == 0 && more)
			a->pod = argv[++i];
		else if ((k->opts & OPT_BEFORE_CHECK) && strcmp(o, "--before-check") == 0 && more)
			a->before_check = argv[++i];
		else if ((k->opts & OPT_HOLD) && strcmp(o, "--hold") == 0)
			a->hold = true;
		else if (o[0] != '-' && npos < k->npos)
			a->pos[npos++] = o;
		else {
			fprintf(stderr, "kubelet-stub: unexpected argument '%s'\n", o);
			return false;
		}
	}
	return npos == k->npos;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' }, { "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },	  { "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },	  {},
	};
	const char *root = "/";
	log_setup("kubelet-stub", LOG_TARGET_STDERR, -1);
	int c;
	while ((c = getopt_long(argc, argv, "+hvq", opts, NULL)) >= 0) {
		switch (c) {
		case 'r': root = optarg; break;
		case 'h': fputs(usage, stdout); return 0;
		case 'V':
			puts("kubelet-stub 0.1 (device plugin API "
			     "v1beta1"
			     ")");
			return 0;
		case 'v': log_set_level(LOG_DEBUG); break;
		case 'q': log_set_level(LOG_WARNING); break;
		default: fputs(usage, stderr); return EXIT_USAGE;
		}
	}
	const struct kcmd *k = NULL;
	for (size_t i = 0; optind < argc && i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[optind], commands[i].name) == 0)
			k = &commands[i];
	struct kargs a = { 0 };
	if (!k || !parse_kargs(k, argc - optind - 1, argv + optind + 1, &a)) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	int rootfd = rootfs_open(root);
	if (rootfd < 0) {
		log_error_errno(rootfd, "Failed to open root %s: %m", root);
		return EXIT_INTERNAL;
	}
	int r = k->run(rootfd, &a);
	close(rootfd);
	return r;
}
