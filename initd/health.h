/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Device events: a libudev kernel monitor (pci, mdev, vfio subsystems)
 * on the loop.  Every event only asks for a rescan: the truth is read
 * back from sysfs, so a lost or reordered event costs nothing but time
 * (a periodic rescan catches up). */
#pragma once
#include "evloop.h"

struct health;

typedef void (*health_cb)(void *data);

/* 0 or -errno (no netlink socket: serve goes on with the periodic rescan). */
int health_start(struct evloop *loop, health_cb cb, void *data, struct health **ret);
void health_stop(struct health *h);
