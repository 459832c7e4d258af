/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kernel's PCI error recovery as serve learns it from uevents.
 *
 * pcie_do_recovery() (linux drivers/pci/pcie/err.c) announces what it does
 * with change uevents on the device (pci_uevent_ers(), drivers/pci/
 * pci-driver.c): ERROR_EVENT=BEGIN_RECOVERY DEVICE_ONLINE=0 when it starts,
 * then SUCCESSFUL_RECOVERY DEVICE_ONLINE=1 or FAILED_RECOVERY
 * DEVICE_ONLINE=0.  sysfs shows none of it (pci_dev->error_state is not
 * exported), and a fatal error of an endpoint is not even counted in its
 * aer_dev_fatal (drivers/pci/pcie/aer.c: aer_get_device_error_info() does
 * not read an endpoint's status for ERR_FATAL, aer_print_error() logs
 * "type=Inaccessible" without pci_dev_aer_stats_incr(); seen on Debian's
 * 6.1 in tests/vm/s-aer.sh).  So serve keeps the state itself: a device is
 * offline from BEGIN_RECOVERY or FAILED_RECOVERY until SUCCESSFUL_RECOVERY
 * or its removal (a new pci_dev after a rescan starts clean).  Pure. */
#pragma once
#include <stddef.h>
#include <stdint.h>

enum ers_state {
	ERS_NONE,
	ERS_RECOVERING, /* BEGIN_RECOVERY, no outcome yet */
	ERS_FAILED,	/* FAILED_RECOVERY: the kernel gave up on it */
};

/* One event, in the order the kernel sent them. */
enum ers_event {
	ERS_EV_BEGIN = 1,
	ERS_EV_FAILED,
	ERS_EV_SUCCESS,
	ERS_EV_REMOVED, /* ACTION=remove: the pci_dev is gone */
};

#define ERS_MAX 64
struct ers_table {
	struct {
		char bdf[32];
		uint8_t state; /* enum ers_state, never ERS_NONE */
	} v[ERS_MAX];
	size_t n;
};

/* The event an ERROR_EVENT value (may be NULL) or ACTION names, 0 if none. */
enum ers_event ers_event_of(const char *action, const char *error_event);
/* Applies one event to the table (a full table drops the event: the device
 * keeps the health the sysfs checks give it). */
void ers_apply(struct ers_table *t, const char *bdf, enum ers_event ev);
enum ers_state ers_lookup(const struct ers_table *t, const char *bdf);
