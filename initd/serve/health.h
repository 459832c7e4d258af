/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Device events: a libudev kernel monitor (pci, mdev, vfio subsystems)
 * on the loop.  Every event only asks for a rescan: the truth is read
 * back from sysfs, so a lost or reordered event costs nothing but time
 * (a periodic rescan catches up). */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "ers.h"
#include "evloop.h"

struct health;

#define HEALTH_MAX_NAMES 32
/* One burst of events: the PCI functions they name (sysnames, at most
 * HEALTH_MAX_NAMES) and whether anything else happened (mdev, vfio, more
 * than that many functions) that needs a full rescan. */
struct health_burst {
	char pci[HEALTH_MAX_NAMES][32];
	size_t npci;
	int vfio_groups[HEALTH_MAX_NAMES]; /* vfio group nodes that came or went */
	size_t nvfio;
	/* PCI functions whose AER recovery ended well (ERROR_EVENT=
	 * SUCCESSFUL_RECOVERY, linux drivers/pci/pci-driver.c pci_uevent_ers()) */
	char recovered[HEALTH_MAX_NAMES][32];
	size_t nrecovered;
	/* the error recovery events and removals of PCI functions, in order
	 * (ers.h); more than HEALTH_MAX_NAMES set full */
	struct {
		char name[32];
		uint8_t ev; /* enum ers_event */
	} ers[HEALTH_MAX_NAMES];
	size_t ners;
	bool full;
};
typedef void (*health_cb)(void *data, const struct health_burst *b);

/* Adds one event (its SUBSYSTEM and sysname, either may be NULL) to a
 * burst (pure). */
void health_burst_add(struct health_burst *b, const char *subsystem, const char *sysname);
/* Adds one event with its ERROR_EVENT property (may be NULL) (pure). */
void health_burst_add_event(struct health_burst *b, const char *subsystem, const char *sysname,
			    const char *error_event);

/* Adds one event with its ACTION and ERROR_EVENT (either may be NULL). */
void health_burst_add_uevent(struct health_burst *b, const char *action, const char *subsystem,
			     const char *sysname, const char *error_event);

/* 0 or -errno (no netlink socket: serve goes on with the periodic rescan). */
int health_start(struct evloop *loop, health_cb cb, void *data, struct health **ret);
void health_stop(struct health *h);
