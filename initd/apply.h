/* SPDX-License-Identifier: GPL-2.0-or-later */
/* apply: converge the node to the report's mode.  Nothing the report
 * refuses is touched; every unbind is guarded by the in-use tests. */
#pragma once

#include "node/apply_stats.h"

struct report;

/* 0 when every device is as configured, 1 when some are not (their
 * dev_report says why), -errno on an internal error. */
int apply_run(int rootfd, struct report *r, int timeout_ms, struct apply_stats *st);
