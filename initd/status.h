/* SPDX-License-Identifier: GPL-2.0-or-later */
/* run/gpu-initd/status.json (atomic: temp + rename) and the ready file. */
#pragma once
#include <stdbool.h>

struct report;

/* Removes run/gpu-initd/ready (an apply in progress is not ready). */
int status_clear_ready(int rootfd);
/* Writes status.json for the report; creates ready when `ready`. */
int status_write(int rootfd, const struct report *r, bool ready);
