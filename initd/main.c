// SPDX-License-Identifier: GPL-2.0-or-later
/* gpu-initd: prepares a Kubernetes node's GPUs for KubeVirt.  This file is
 * the command table and main(): options and config are cli.c's, each
 * command is its cmd_*.c.
 *
 * Exit codes: 0 done; 1 the node is not (or cannot be) in the configured
 * state; 2 bad usage or invalid config, nothing touched; 70 internal error. */
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "node/config.h"
#include "rootfs.h"

static const struct command commands[] = {
	{ "check",
	  cmd_check,
	  OPT_JSON | OPT_CONFIG_ONLY,
	  { { "check [--json] [--config-only]", "read-only diagnosis (exit 0 ok, 1 not)" } } },
	{ "apply", cmd_apply, 0, { { "apply", "converge the node to the configured mode" } } },
	{ "serve",
	  cmd_serve,
	  OPT_RESCAN | OPT_MAX_CONNS | OPT_IDLE,
	  { { "serve [--rescan MS]", "device-plugin servers until SIGTERM/SIGINT" },
	    { "      [--max-connections N]", "(256) open connections, all resources" },
	    { "      [--idle-timeout MS]", "(30000) close connections completing no request" } } },
	{ "run",
	  cmd_run,
	  OPT_RESCAN | OPT_MAX_CONNS | OPT_IDLE,
	  { { "run [--rescan MS]", "apply, then serve (the boot entry point)" } } },
	{ "status",
	  cmd_status,
	  OPT_JSON | OPT_LABELS,
	  { { "status [--json|--labels]", "what is bound and served now, per device" } } },
	{ "kubevirt-config",
	  cmd_kubevirt_config,
	  0,
	  { { "kubevirt-config", "the KubeVirt CR permittedHostDevices (YAML)" } } },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	fputs("usage: gpu-initd [--root DIR] [--config FILE] [--timeout S] [-v|-q]\n"
	      "                 [--log stderr|kmsg|json] COMMAND\n",
	      f);
	for (size_t i = 0; i < NCOMMANDS; i++)
		for (size_t l = 0; l < 3 && commands[i].help[l][0]; l++)
			fprintf(f, "  %-32s%s\n", commands[i].help[l][0], commands[i].help[l][1]);
	fputs("exit codes: 0 done, 1 node not in the configured state, 2 bad usage or\n"
	      "config (nothing touched), 70 internal error\n",
	      f);
}

int main(int argc, char **argv)
{
	const struct command *cmd;
	struct args a;
	struct config cfg;
	int rootfd, r;

	log_setup("gpu-initd", LOG_TARGET_STDERR, -1);
	r = cli_parse(argc, argv, &a);
	if (r == 1) {
		usage(stdout);
		return 0;
	}
	if (r < 0 || !(cmd = cli_command(&a, commands, NCOMMANDS)))
		return EXIT_USAGE;
	rootfd = rootfs_open(a.root);
	cli_setup_log(&a, rootfd);
	if (rootfd < 0) {
		log_error_errno(rootfd, "--root %s: %m", a.root);
		return EXIT_USAGE;
	}
	if (cli_load_config(&a, rootfd, &cfg) < 0)
		return EXIT_USAGE;
	r = cmd->run(&a, rootfd, &cfg);
	close(rootfd);
	return r;
}
