/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernel modules through libkmod, with the root's lib/modules/<kver> and
 * the root's modprobe configuration. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

struct modules;

/* The kernel release under the root (proc/sys/kernel/osrelease). */
int modules_kver(int rootfd, char *buf, size_t size);
int modules_open(int rootfd, const char *rootdir, const char *kver, struct modules **ret);
void modules_close(struct modules *m);
/* 1 if NAME is loaded (or built in), 0 if not. */
int modules_is_loaded(struct modules *m, const char *name);
/* 1 if the kernel under the root ships NAME (or has it built in). */
int modules_available(struct modules *m, const char *name);
/* The options the root's modprobe.d (etc/, run/, lib/) gives module
 * `name`: whether they set `opt` to a true value (1, Y, y).  1, 0, or
 * -errno.  (The root's command line is the caller's to read.) */
int modules_option_true(struct modules *m, const char *name, const char *opt);
/* Loads NAME with its dependencies and softdeps (modprobe semantics,
 * install commands ignored).  1 loaded now, 0 was loaded, -errno. */
int modules_load(struct modules *m, const char *name);
/* The VFIO driver module for a device: the vfio_pci: alias in
 * lib/modules/<kver>/modules.alias matching its modalias with the fewest
 * wildcards, else "vfio_pci".  Module names use '_'. */
int modules_pick_vfio(struct modules *m, const char *modalias, char *buf, size_t size);
/* Pure part of the above, on the text of modules.alias. */
int vfio_pick_variant(const char *alias_text, const char *modalias, char *buf, size_t size);
/* Module name -> the driver name it registers ("vfio_pci" -> "vfio-pci"). */
void vfio_driver_name(const char *module, char *buf, size_t size);
