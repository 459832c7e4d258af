// SPDX-License-Identifier: GPL-2.0-or-later
/* `check [--json] [--config-only]`: the read-only diagnosis. */
#include <errno.h>
#include <stdio.h>

#include "check.h"
#include "check_print.h"
#include "cli.h"

int cmd_check(const struct args *a, int rootfd, const struct config *c)
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
