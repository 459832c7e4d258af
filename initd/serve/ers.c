// SPDX-License-Identifier: GPL-2.0-or-later
#include "ers.h"

#include <stdio.h>
#include <string.h>

enum ers_event ers_event_of(const char *action, const char *error_event)
{
	if (action && strcmp(action, "remove") == 0)
		return ERS_EV_REMOVED;
	if (!error_event)
		return 0;
	/* the values of pci_uevent_ers() (drivers/pci/pci-driver.c) */
	if (strcmp(error_event, "BEGIN_RECOVERY") == 0)
		return ERS_EV_BEGIN;
	if (strcmp(error_event, "FAILED_RECOVERY") == 0)
		return ERS_EV_FAILED;
	if (strcmp(error_event, "SUCCESSFUL_RECOVERY") == 0)
		return ERS_EV_SUCCESS;
	return 0;
}

void ers_apply(struct ers_table *t, const char *bdf, enum ers_event ev)
{
	size_t i = 0;
	while (i < t->n && strcmp(t->v[i].bdf, bdf) != 0)
		i++;
	if (ev == ERS_EV_SUCCESS || ev == ERS_EV_REMOVED) {
		if (i < t->n)
			t->v[i] = t->v[--t->n];
		return;
	}
	if (ev != ERS_EV_BEGIN && ev != ERS_EV_FAILED)
		return;
	if (i == t->n) {
		if (t->n == ERS_MAX || strlen(bdf) >= sizeof(t->v[0].bdf))
			return;
		snprintf(t->v[t->n++].bdf, sizeof(t->v[0].bdf), "%s", bdf);
	}
	t->v[i].state = ev == ERS_EV_BEGIN ? ERS_RECOVERING : ERS_FAILED;
}

enum ers_state ers_lookup(const struct ers_table *t, const char *bdf)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i].bdf, bdf) == 0)
			return (enum ers_state)t->v[i].state;
	return ERS_NONE;
}
