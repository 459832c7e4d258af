// SPDX-License-Identifier: GPL-2.0-or-later
#include "ers.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "discover.h"

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

bool ers_apply(struct ers_table *t, const char *bdf, uint64_t inst, enum ers_event ev)
{
	size_t i = 0;
	while (i < t->n && strcmp(t->v[i].bdf, bdf) != 0)
		i++;
	if (ev == ERS_EV_SUCCESS || ev == ERS_EV_REMOVED) {
		if (i == t->n)
			return false;
		t->v[i] = t->v[--t->n];
		return true;
	}
	if (ev != ERS_EV_BEGIN && ev != ERS_EV_FAILED)
		return false;
	if (i == t->n) {
		if (t->n == ERS_MAX || strlen(bdf) >= sizeof(t->v[0].bdf))
			return false;
		snprintf(t->v[t->n++].bdf, sizeof(t->v[0].bdf), "%s", bdf);
		t->v[i].state = ERS_NONE;
		t->v[i].inst = 0;
	}
	uint8_t st = ev == ERS_EV_BEGIN ? ERS_RECOVERING : ERS_FAILED;
	bool changed = t->v[i].state != st || t->v[i].inst != inst;
	t->v[i].state = st;
	t->v[i].inst = inst;
	return changed;
}

enum ers_state ers_lookup(const struct ers_table *t, const char *bdf)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i].bdf, bdf) == 0)
			return (enum ers_state)t->v[i].state;
	return ERS_NONE;
}

enum ers_state ers_lookup2(const struct ers_table *t, const char *id, const char *parent)
{
	if (!t)
		return ERS_NONE;
	enum ers_state e = ers_lookup(t, id), pe = parent && parent[0] ? ers_lookup(t, parent) : ERS_NONE;
	/* FAILED > RECOVERING > NONE */
	return e > pe ? e : pe;
}

bool ers_same_instance(uint64_t then, uint64_t now)
{
	return then != 0 && then == now;
}

size_t ers_prune(struct ers_table *t, uint64_t (*instance_of)(const char *bdf, void *data), void *data)
{
	size_t dropped = 0;
	for (size_t i = 0; i < t->n;)
		if (ers_same_instance(t->v[i].inst, instance_of(t->v[i].bdf, data))) {
			i++;
		} else {
			t->v[i] = t->v[--t->n];
			dropped++;
		}
	return dropped;
}

static const char *state_name(uint8_t s)
{
	return s == ERS_FAILED ? "failed" : "recovering";
}

int ers_format(const struct ers_table *t, FILE *f)
{
	for (size_t i = 0; i < t->n; i++)
		if (fprintf(f, "%s %" PRIu64 " %s\n", t->v[i].bdf, t->v[i].inst, state_name(t->v[i].state)) <
		    0)
			return -EIO;
	return 0;
}

/* One line "BDF INSTANCE STATE" (no newline) into entry k of t. */
static int parse_line(const char *l, size_t len, struct ers_table *t)
{
	char line[128], bdf[32], st[16];
	char *end;
	if (len >= sizeof(line))
		return -EINVAL;
	memcpy(line, l, len);
	line[len] = '\0';
	char *sp1 = strchr(line, ' '), *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (!sp2 || strchr(sp2 + 1, ' ') || (size_t)(sp1 - line) >= sizeof(bdf) ||
	    strlen(sp2 + 1) >= sizeof(st))
		return -EINVAL;
	*sp1 = *sp2 = '\0';
	memcpy(bdf, line, (size_t)(sp1 - line) + 1);
	memcpy(st, sp2 + 1, strlen(sp2 + 1) + 1);
	if (!discover_valid_bdf(bdf) || !(sp1[1] >= '0' && sp1[1] <= '9'))
		return -EINVAL;
	errno = 0;
	unsigned long long inst = strtoull(sp1 + 1, &end, 10);
	if (errno || *end)
		return -EINVAL;
	uint8_t s = strcmp(st, "failed") == 0	    ? ERS_FAILED
		    : strcmp(st, "recovering") == 0 ? ERS_RECOVERING
						    : 0;
	if (!s || ers_lookup(t, bdf) != ERS_NONE)
		return -EINVAL; /* an unknown state, a BDF twice */
	if (t->n == ERS_MAX)
		return -E2BIG;
	snprintf(t->v[t->n].bdf, sizeof(t->v[0].bdf), "%s", bdf);
	t->v[t->n].inst = inst;
	t->v[t->n++].state = s;
	return 0;
}

int ers_parse(const char *text, struct ers_table *ret, size_t *bad_line)
{
	struct ers_table t = { .n = 0 };
	size_t lineno = 0;
	for (const char *l = text; *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		lineno++;
		int r = parse_line(l, len, &t);
		if (r < 0) {
			if (bad_line)
				*bad_line = lineno;
			return r;
		}
		l += len + (nl ? 1 : 0);
	}
	*ret = t;
	return 0;
}
