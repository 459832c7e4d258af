// SPDX-License-Identifier: GPL-2.0-or-later
/* gpu-initd's command line: options, the command's own options checked
 * against the command table, logging, the config. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "node/cmdline.h"
#include "node/config.h"
#include "rootfs.h"
#include "serve/serve.h"

#define VERSION "0.1.0"

int cli_parse(int argc, char **argv, struct args *a)
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
		case 'j':
			a->json = true;
			a->given |= OPT_JSON;
			break;
		case 'o':
			a->config_only = true;
			a->given |= OPT_CONFIG_ONLY;
			break;
		case 'L':
			a->labels = true;
			a->given |= OPT_LABELS;
			break;
		case 'R': {
			a->given |= OPT_RESCAN;
			unsigned long v = strtoul(optarg, &end, 10);
			if (*end || v < 10 || v > 3600000)
				return log_error_errno(
				    SYNTHETIC_ERRNO(EINVAL),
				    "--rescan: expected milliseconds (10..3600000), got '%s'", optarg);
			a->rescan_ms = (unsigned)v;
			break;
		}
		case 'C': {
			a->given |= OPT_MAX_CONNS;
			unsigned long v = strtoul(optarg, &end, 10);
			if (*end || v < 1 || v > 65536)
				return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
						       "--max-connections: expected 1..65536, got '%s'",
						       optarg);
			a->max_conns = (unsigned)v;
			break;
		}
		case 'I': {
			a->given |= OPT_IDLE;
			unsigned long v = strtoul(optarg, &end, 10);
			if (*end || v < 10 || v > 86400000)
				return log_error_errno(
				    SYNTHETIC_ERRNO(EINVAL),
				    "--idle-timeout: expected milliseconds (10..86400000), got '%s'", optarg);
			a->idle_ms = (unsigned)v;
			break;
		}
		case 'h': return 1;
		case 'V': printf("gpu-initd %s\n", VERSION); exit(0);
		default: return -EINVAL;
		}
	}
	return 0;
}

/* A command's own options: given to another command they are refused
 * (their owners named), except the serve tuning options, which every
 * command has always accepted (and ignores). */
static const struct {
	unsigned bit;
	const char *name;
	unsigned excludes; /* refused together with these */
	bool any_command;
} command_opts[] = {
	{ OPT_CONFIG_ONLY, "config-only", 0, false },  { OPT_JSON, "json", 0, false },
	{ OPT_LABELS, "labels", OPT_JSON, false },     { OPT_RESCAN, "rescan", 0, true },
	{ OPT_MAX_CONNS, "max-connections", 0, true }, { OPT_IDLE, "idle-timeout", 0, true },
};

const struct command *cli_command(const struct args *a, const struct command *cmds, size_t n)
{
	const struct command *cmd = NULL;
	if (!a->command) {
		log_error("no command given (try --help)");
		return NULL;
	}
	for (size_t i = 0; i < n && !cmd; i++)
		if (strcmp(a->command, cmds[i].name) == 0)
			cmd = &cmds[i];
	if (!cmd) {
		log_error("unknown command '%s' (try --help)", a->command);
		return NULL;
	}
	for (size_t o = 0; o < sizeof(command_opts) / sizeof(command_opts[0]); o++) {
		unsigned bit = command_opts[o].bit;
		if (!(a->given & bit) || command_opts[o].any_command ||
		    ((cmd->opts & bit) && !(a->given & command_opts[o].excludes)))
			continue;
		char owners[128] = "", without[64] = "";
		for (size_t i = 0; i < n; i++)
			if (cmds[i].opts & bit)
				snprintf(owners + strlen(owners), sizeof(owners) - strlen(owners), "%s%s",
					 owners[0] ? " and " : "", cmds[i].name);
		for (size_t x = 0; x < sizeof(command_opts) / sizeof(command_opts[0]); x++)
			if (command_opts[o].excludes & command_opts[x].bit)
				snprintf(without, sizeof(without), " (without --%s)", command_opts[x].name);
		log_error("--%s belongs to %s%s", command_opts[o].name, owners, without);
		return NULL;
	}
	return cmd;
}

void cli_setup_log(const struct args *a, int rootfd)
{
	int kfd = -1;
	if (a->log == LOG_TARGET_KMSG && rootfd >= 0)
		kfd = rootfs_openat(rootfd, "dev/kmsg", O_WRONLY, 0);
	log_setup("gpu-initd", a->log, kfd);
	log_set_level(a->verbosity > 0 ? LOG_DEBUG : a->verbosity < 0 ? LOG_WARNING : LOG_INFO);
}

int cli_load_config(const struct args *a, int rootfd, struct config *c)
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
