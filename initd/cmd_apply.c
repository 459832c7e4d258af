// SPDX-License-Identifier: GPL-2.0-or-later
/* `apply`: converge the node (apply.c); `run`: apply, then serve. */
#include "apply.h"
#include "cli.h"
#include "node/config.h"

int cmd_apply(const struct args *a, int rootfd, const struct config *c)
{
	struct apply_stats st;
	int r = apply_node(rootfd, a->root, c, (int)(a->timeout * 1000), &st);
	return r < 0 ? EXIT_INTERNAL : r == 0 ? 0 : EXIT_NOT_OK;
}

/* run = apply, then serve.  A failed apply is reported (exit code kept
 * for the end) but serve still starts: whatever is ready (bound, in its
 * own intact group) is advertised, the rest is not, and devices fixed
 * later appear through uevents/rescans.  (Bad usage or config stopped
 * before any command ran.) */
int cmd_run(const struct args *a, int rootfd, const struct config *c)
{
	int r = cmd_apply(a, rootfd, c);
	if (c->mode == MODE_CONTAINER)
		return r;
	if (r != 0)
		log_warning("apply did not complete (exit %d): serving what is ready", r);
	int s = cmd_serve(a, rootfd, c);
	return s != 0 ? s : r;
}
