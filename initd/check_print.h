/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check's output: a table for people, a JSON document for programs
 * (initd/CHECK-JSON.md), and the device object status.json shares. */
#pragma once
#include <stdio.h>

#include "check.h"

struct jsonw;

void check_print_table(const struct report *r, FILE *f);
void check_print_json(const struct report *r, FILE *f);

enum dev_json_view {
	DEV_JSON_CHECK,	 /* check --json: the assessment */
	DEV_JSON_STATUS, /* status.json: identity and apply's outcome */
};
void report_dev_json(struct jsonw *w, const struct report *r, const struct dev_report *d,
		     enum dev_json_view view);
