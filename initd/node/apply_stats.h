/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The counts one apply run keeps while it converges the node: every layer
 * that writes (node/, vgpu/) adds to them, the command logs them once. */
#pragma once

struct apply_stats {
	int writes; /* sysfs writes made */
	int done, unchanged, refused, failed;
	int modules_loaded;
	int modules_err; /* -errno of the failed load, or 0 */
	char modules_failed[64];
};
