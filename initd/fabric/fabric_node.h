/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The node's NVLink fabric as `check` and serve see it: whether the node
 * has NVSwitches, whether Fabric Manager is usable for the Shared NVSwitch
 * virtualization model (reachable, in that mode, naming the GPUs), and
 * its partition table; one code, with the fix, when it is not usable. */
#pragma once
#include <stdbool.h>
#include <stdio.h>

#include "fabric.h"
#include "jsonw.h"
#include "node/config.h"
#include "node/pcidev.h"

enum fabric_code {
	FABRIC_OK,
	FABRIC_STATIC,	    /* the static build cannot load libnvfm.so.1 */
	FABRIC_NO_LIBRARY,  /* libnvfm.so.1 not installed */
	FABRIC_UNREACHABLE, /* FM not running / not listening where expected */
	FABRIC_NOT_SHARED,  /* FM runs, not in the Shared NVSwitch mode */
	FABRIC_STARTING,    /* FM initialising or waiting for the activated list */
	FABRIC_UNNAMED,	    /* FM does not name the GPUs by PCI address */
	FABRIC_ERROR,	    /* another FM error */
};
const char *fabric_code_name(enum fabric_code c);

struct fabric_report {
	unsigned nswitches; /* NVSwitch functions on the PCI bus; 0: no fabric */
	enum fabric_code code;
	char why[320];
	struct fabric table;			       /* FABRIC_OK */
	char failed[FABRIC_MAX_GPUS][PCI_ADDR_STRLEN]; /* fmGetNvlinkFailedDevices' GPUs */
	unsigned nfailed;
};

/* An NVSwitch PCI function: 10de:1af1, 10de:22a3, 10de:2901. */
bool fabric_is_switch(unsigned vendor, unsigned device);
/* NVSwitch PCI functions among devs. */
unsigned fabric_count_switches(const struct pcidevs *devs);
/* FM's address: $GPU_INITD_FM_ADDRESS ("a.b.c.d[:port]" or
 * "unix:PATH"), else FM's default (fm.h). */
const char *fabric_fm_address(void);
/* Fills r (FM asked only when devs hold an NVSwitch).  Problems become
 * r->code; never fails.  cfg's "fabric-module-ids" name GPUs FM lists by
 * module ID only. */
void fabric_assess(const struct pcidevs *devs, const struct config *cfg, struct fabric_report *r);
/* fabric_name_modules() with cfg's map. */
void fabric_name_config(struct fabric *f, const struct config *cfg);
/* The fix for a code, ending with what happens without it. */
const char *fabric_fix(enum fabric_code c);
void fabric_print_table(const struct fabric_report *r, FILE *f);
/* "fabric": {...} or null without NVSwitches (a key inside an object). */
void fabric_print_json(const struct fabric_report *r, struct jsonw *w);
/* The partitions alone: [{"id":..,"gpus":[..],"active":..,"supported":..}] */
void fabric_table_json(const struct fabric *t, struct jsonw *w);
