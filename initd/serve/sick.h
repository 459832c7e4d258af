/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A device's own health readings (dead, link_down, aer_fatal of struct
 * sdev); discover_read_sick and discover_parse_aer_total (discover.h) are
 * the entry points for the rest of serve. */
#pragma once

#include "discover.h"

/* Reads the sickness of the function whose directory is devfd into d. */
void sick_read_at(int devfd, struct sdev *d);
/* An mdev is as sick as the GPU under it (d->parent). */
void sick_read_parent(int rootfd, struct sdev *d);
