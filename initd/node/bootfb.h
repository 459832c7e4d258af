/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The boot framebuffer on a GPU (issue 21): a firmware framebuffer that
 * the kernel's sysfb set up inside one of the GPU's BARs, read from the
 * kernel's own records (/proc/iomem, the sysfb platform device), and
 * what apply may do about it. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

enum bootfb_kind {
	BOOTFB_NONE,
	BOOTFB_SIMPLE, /* sysfb's simple-framebuffer.0: "BOOTFB" (simpledrm / simplefb on it) */
	BOOTFB_EFIFB,  /* efi-framebuffer.0 driven by efifb: "efifb" */
	BOOTFB_VESAFB, /* vesa-framebuffer.0 driven by vesafb: "vesafb" */
};

struct bootfb {
	enum bootfb_kind kind;
	char range[40];	 /* "e0000000-e07fffff" as /proc/iomem prints it */
	char region[32]; /* the iomem name found: "BOOTFB", "efifb"... */
	bool driver_bound;
	bool only_console; /* no console but virtual terminals (they draw on it) */
};

/* What the config allows ("boot-framebuffer"). */
enum bootfb_policy { BOOTFB_REFUSE, BOOTFB_RELEASE, BOOTFB_RELEASE_CONSOLE };
int bootfb_policy_parse(const char *s, enum bootfb_policy *ret);

/* What apply does about it. */
enum bootfb_action {
	BOOTFB_ACT_NONE,	 /* no framebuffer on this function */
	BOOTFB_ACT_UNBIND,	 /* unbind the platform driver first (efifb, vesafb) */
	BOOTFB_ACT_VFIO_REMOVES, /* vfio-pci removes it itself when it binds */
	BOOTFB_ACT_REFUSE,
};

/* Finds a framebuffer region nested under a line naming bdf in
 * /proc/iomem's text (pure).  1 found, 0 none. */
int bootfb_parse_iomem(const char *iomem, const char *bdf, struct bootfb *ret);
/* True when /proc/consoles lists only virtual terminals ("tty" + digit)
 * or nothing (pure). */
bool bootfb_only_console(const char *consoles);
/* The decision (pure): kver "6.1.0-28-amd64", vga: class 0x0300. */
enum bootfb_action bootfb_decide(const struct bootfb *fb, const char *kver, bool vga, enum bootfb_policy p);
/* The fix to print for this framebuffer on this kernel (pure). */
const char *bootfb_fix(const struct bootfb *fb, const char *kver, bool vga);
/* Reads it for one function under the root: 1 found, 0 none, -errno. */
int bootfb_probe(int rootfd, const char *bdf, struct bootfb *ret);
/* Unbinds the platform driver holding fb (one counted sysfs write). */
int bootfb_release(int rootfd, const struct bootfb *fb, int *writes);
const char *bootfb_kind_name(enum bootfb_kind k);
