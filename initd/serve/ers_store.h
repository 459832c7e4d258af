/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The error recovery table (ers.h) across serve restarts: run/gpu-initd/ers
 * (run/ is a tmpfs: a reboot, which makes every pci_dev new, clears it),
 * replaced atomically whenever the table changes, read when serve starts
 * (and by `status`, so that it reads no config space serve would not).
 * An entry whose function is another pci_dev now is dropped on reading. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ers.h"

#define ERS_FILE "run/gpu-initd/ers"

/* The instance of bdf's pci_dev now: the inode number of its sysfs
 * directory (sys/bus/pci/devices/BDF followed; ers.h says why).  0 when
 * it is gone or cannot be read. */
uint64_t ers_instance(int rootfd, const char *bdf);
/* Drops the entries of t whose function is gone or another pci_dev now;
 * with adopt, an entry whose instance was unknown (0: unreadable when its
 * event came) takes the instance there now instead.  The number dropped;
 * *adopted (may be NULL) counts the others. */
size_t ers_store_prune(int rootfd, struct ers_table *t, bool adopt, size_t *adopted);
/* Reads ERS_FILE into *t and drops the entries about another pci_dev
 * (their count in *dropped).  No file: an empty table.  0 or -errno
 * (-EINVAL: the file is malformed; *t is then empty). */
int ers_load(int rootfd, struct ers_table *t, size_t *dropped);
/* Replaces ERS_FILE with t (an empty table: no file).  0 or -errno. */
int ers_save(int rootfd, const struct ers_table *t);
