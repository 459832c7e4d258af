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
 * or its removal (a new pci_dev after a rescan starts clean).  Pure.
 *
 * The state outlives serve (ers_store.h keeps it in run/gpu-initd/ers) but
 * never its pci_dev: each entry carries the instance it was seen on, the
 * inode number of the function's sysfs directory.  sysfs is kernfs, whose
 * inode number is the node's id (include/linux/kernfs.h kernfs_ino() ->
 * kernfs_id_ino(kn->id), fs/kernfs/inode.c kernfs_get_inode()
 * iget_locked(sb, kernfs_ino(kn))), allocated per node by
 * fs/kernfs/dir.c __kernfs_new_node(): idr_alloc_cyclic() over the root's
 * ids with a generation in the high 32 bits bumped on wrap, so a directory
 * made again (remove + rescan: device_del() then device_add() of a new
 * pci_dev) gets an id the old one never had during this boot. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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
		uint64_t inst; /* the pci_dev instance (ers_same_instance()), 0 unknown */
		uint8_t state; /* enum ers_state, never ERS_NONE */
	} v[ERS_MAX];
	size_t n;
};

/* The event an ERROR_EVENT value (may be NULL) or ACTION names, 0 if none. */
enum ers_event ers_event_of(const char *action, const char *error_event);
/* Applies one event to the table; inst: the instance of bdf's pci_dev now
 * (0 unknown).  A full table drops the event: the device keeps the health
 * the sysfs checks give it.  True when the table changed. */
bool ers_apply(struct ers_table *t, const char *bdf, uint64_t inst, enum ers_event ev);
enum ers_state ers_lookup(const struct ers_table *t, const char *bdf);
/* The state of a function (id) whose parent (a VF's PF, an mdev's GPU,
 * else itself) may be recovering too: the worse of the two. */
enum ers_state ers_lookup2(const struct ers_table *t, const char *id, const char *parent);

/* Whether an entry recorded on instance `then` is about the pci_dev whose
 * directory has instance `now`: only the same, known, instance.  A function
 * gone (now 0) or re-created (another inode number) is a new pci_dev. */
bool ers_same_instance(uint64_t then, uint64_t now);
/* Drops the entries whose function is another pci_dev now: instance_of
 * gives a BDF's instance now (0 when gone).  The number dropped. */
size_t ers_prune(struct ers_table *t, uint64_t (*instance_of)(const char *bdf, void *data), void *data);

/* The table as text: one line per entry, "BDF INSTANCE recovering|failed". */
int ers_format(const struct ers_table *t, FILE *f);
/* Parses ers_format()'s text into *t (replaced only on success): 0, or
 * -EINVAL for a malformed line (line number in *bad_line when not NULL),
 * -E2BIG for more than ERS_MAX entries. */
int ers_parse(const char *text, struct ers_table *t, size_t *bad_line);
