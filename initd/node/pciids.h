/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Device names from the root's pci.ids (libpci's name list, no hwdb),
 * opened the first time a device has no other name: the config's aliases
 * and the built-in NVIDIA table name every GPU of the data-center nodes,
 * and parsing the 1.3 MB file costs more than a whole start. */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* The pci.ids device name of vendor:device under rootdir (rootfd is the
 * same root) into buf.  The list is loaded once per process (per root);
 * a root without pci.ids is looked at once.  0, or -ENOENT when there is
 * no file or no entry. */
int pciids_lookup(int rootfd, const char *rootdir, uint16_t vendor, uint16_t device, char *buf, size_t size);
