/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The command line of gpu-initd: the options every command takes, the
 * ones a command owns (its entry in main.c's command table), the config
 * the command runs with, and the exit codes.  Each command lives in its
 * own cmd_*.c. */
#pragma once
#include <stdbool.h>
#include <stdio.h>

#include "log.h"

#define EXIT_NOT_OK 1
#define EXIT_USAGE 2
#define EXIT_INTERNAL 70

/* The options a command owns (struct command.opts). */
enum {
	OPT_JSON = 1u << 0,
	OPT_CONFIG_ONLY = 1u << 1,
	OPT_LABELS = 1u << 2,
	OPT_RESCAN = 1u << 3,
	OPT_MAX_CONNS = 1u << 4,
	OPT_IDLE = 1u << 5,
};

struct args {
	const char *root;
	const char *config;
	double timeout;
	int verbosity;
	enum log_target log;
	const char *command;
	unsigned given; /* OPT_* seen on the command line */
	bool json, config_only, labels;
	unsigned rescan_ms, max_conns, idle_ms;
};

struct config;

struct command {
	const char *name;
	/* runs with the root open and the config loaded; returns the exit code */
	int (*run)(const struct args *a, int rootfd, const struct config *c);
	unsigned opts; /* OPT_* it owns */
	/* --help: one line (synopsis, what it does), then continuation lines */
	const char *help[3][2];
};

/* Parses the command line (options before and after the command).
 * 0, 1 for --help (the caller prints the usage), -EINVAL (logged). */
int cli_parse(int argc, char **argv, struct args *a);
/* The command a names, its options checked against the table.  NULL
 * (logged) for no command, an unknown one, or an option it does not own. */
const struct command *cli_command(const struct args *a, const struct command *cmds, size_t n);
/* Logging as the options say (--log kmsg writes to the root's dev/kmsg). */
void cli_setup_log(const struct args *a, int rootfd);
/* Config precedence: --config FILE, gpu_initd.config= (under the root),
 * DIR/etc/gpu-initd/config.json (absent: defaults); then gpu_initd.mode=
 * overrides the mode.  0 or -EINVAL (logged). */
int cli_load_config(const struct args *a, int rootfd, struct config *c);

/* the commands (cmd_*.c) */
int cmd_check(const struct args *a, int rootfd, const struct config *c);
int cmd_apply(const struct args *a, int rootfd, const struct config *c);
int cmd_serve(const struct args *a, int rootfd, const struct config *c);
int cmd_run(const struct args *a, int rootfd, const struct config *c);
int cmd_status(const struct args *a, int rootfd, const struct config *c);
int cmd_kubevirt_config(const struct args *a, int rootfd, const struct config *c);
