// SPDX-License-Identifier: GPL-2.0-or-later
#include "fabric_ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fabric/fabric.h"
#include "fabric/fabric_node.h"
#include "fabric/fm.h"
#include "fabric/held.h"
#include "log.h"
#include "rootfs.h"

enum rec_state { REC_PENDING, REC_ANSWERED, REC_RUNNING };
static const char *const rec_names[] = { "pending", "answered", "running" };

struct rec {
	unsigned id;
	enum rec_state st;
};

struct gpu {
	char bdf[PCI_ADDR_STRLEN];
	bool nvgpu; /* an NVIDIA GPU (a NIC on vfio-pci is not the fabric's) */
	int group;
	char vfio_dev[32];
};

struct fabric_ctl {
	int rootfd;
	const struct config *cfg;
	struct fm *fm;
	enum fabric_code code;
	char why[320];
	bool usable; /* connected, table read, every GPU named */
	bool warned; /* "multi-GPU without FM" logged */
	struct fabric t;
	struct rec rec[FABRIC_MAX_PARTS];
	size_t nrec;
	struct gpu *gpus;
	size_t ngpus;
	long long next_open_ms; /* FM unreachable: no new attempt before */
};

/* FM unreachable: load the library and connect again at most this often
 * (a poll each second would dlopen and connect each second). */
#define FM_RETRY_MS 5000

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void load_records(struct fabric_ctl *c)
{
	char *text = NULL;
	if (rootfs_read_file(c->rootfd, FABRIC_RECORDS, &text, NULL) < 0)
		return;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line && c->nrec < FABRIC_MAX_PARTS;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned id;
		char st[16];
		if (sscanf(line, "%u %15s", &id, st) != 2)
			continue;
		for (int k = 0; k < 3; k++)
			if (strcmp(st, rec_names[k]) == 0)
				c->rec[c->nrec++] = (struct rec){ id, (enum rec_state)k };
	}
	free(text);
}

static void save_records(struct fabric_ctl *c)
{
	char buf[FABRIC_MAX_PARTS * 24];
	size_t o = 0;
	for (size_t i = 0; i < c->nrec; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%u %s\n", c->rec[i].id,
				      rec_names[c->rec[i].st]);
	/* durable before Allocate answers: a crash must find the line (the
	 * atomic write fsyncs before its rename) */
	int e = rootfs_mkdir_p(c->rootfd, "run/gpu-initd", 0755);
	if (e >= 0)
		e = rootfs_write_atomic(c->rootfd, FABRIC_RECORDS, buf, o, 0644);
	if (e < 0)
		log_warning_errno(e, "cannot write %s: %m", FABRIC_RECORDS);
}

static struct rec *find_rec(struct fabric_ctl *c, unsigned id)
{
	for (size_t i = 0; i < c->nrec; i++)
		if (c->rec[i].id == id)
			return &c->rec[i];
	return NULL;
}

static void drop_rec(struct fabric_ctl *c, unsigned id)
{
	for (size_t i = 0; i < c->nrec; i++)
		if (c->rec[i].id == id) {
			c->rec[i] = c->rec[--c->nrec];
			return;
		}
}

int fabric_ctl_new(int rootfd, const struct config *cfg, struct fabric_ctl **ret)
{
	*ret = NULL;
	unsigned n = fabric_switches_present(rootfd);
	if (!n)
		return 0;
	struct fabric_ctl *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->rootfd = rootfd;
	c->cfg = cfg;
	c->code = FABRIC_UNREACHABLE;
	load_records(c);
	log_info("%u NVSwitch function(s): a VM's GPUs are one Fabric Manager partition", n);
	*ret = c;
	return 0;
}

void fabric_ctl_free(struct fabric_ctl *c)
{
	if (!c)
		return;
	fm_close(c->fm);
	free(c->gpus);
	free(c);
}

void fabric_ctl_devices(struct fabric_ctl *c, const struct sdevs *all)
{
	if (!c)
		return;
	struct gpu *g = calloc(all->n ? all->n : 1, sizeof(*g));
	if (!g)
		return;
	size_t n = 0;
	for (size_t i = 0; i < all->n; i++) {
		const struct sdev *d = &all->d[i];
		if (d->kind != SDEV_PASSTHROUGH || strlen(d->id) >= PCI_ADDR_STRLEN)
			continue;
		memcpy(g[n].bdf, d->id, strlen(d->id) + 1);
		g[n].nvgpu = d->vendor == 0x10de && (d->class >> 16) == 0x03;
		g[n].group = d->group;
		snprintf(g[n].vfio_dev, sizeof(g[n].vfio_dev), "%s", d->vfio_dev);
		n++;
	}
	free(c->gpus);
	c->gpus = g;
	c->ngpus = n;
}

static const struct gpu *gpu_of(const struct fabric_ctl *c, const char *bdf)
{
	for (size_t i = 0; i < c->ngpus; i++)
		if (strcmp(c->gpus[i].bdf, bdf) == 0)
			return &c->gpus[i];
	return NULL;
}

/* held[i]: partition i of c->t has a GPU whose VFIO node a process holds. */
static int read_held(struct fabric_ctl *c, bool *held)
{
	const char **nodes = calloc(2 * c->ngpus + 1, sizeof(*nodes));
	char(*names)[64] = calloc(2 * c->ngpus + 1, sizeof(*names));
	bool *h = calloc(2 * c->ngpus + 1, sizeof(*h));
	int r = -ENOMEM;
	if (!nodes || !names || !h)
		goto out;
	size_t n = 0;
	for (size_t i = 0; i < c->ngpus; i++) {
		snprintf(names[n], sizeof(names[n]), "/dev/vfio/%d", c->gpus[i].group);
		nodes[n] = names[n];
		n++;
		snprintf(names[n], sizeof(names[n]), "/dev/vfio/devices/%s", c->gpus[i].vfio_dev);
		nodes[n] = c->gpus[i].vfio_dev[0] ? names[n] : "/dev/vfio/devices/-";
		n++;
	}
	r = fabric_nodes_held(c->rootfd, nodes, n, h);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < c->t.n; i++) {
		held[i] = false;
		for (unsigned g = 0; g < c->t.p[i].n; g++)
			for (size_t k = 0; k < c->ngpus; k++)
				if (strcmp(c->gpus[k].bdf, c->t.p[i].bdf[g]) == 0 &&
				    (h[2 * k] || h[2 * k + 1]))
					held[i] = true;
	}
out:
	free(nodes);
	free(names);
	free(h);
	return r;
}

static enum fabric_code code_of(int e)
{
	return e == -ENOTSUP	? FABRIC_NOT_SHARED
	       : e == -EAGAIN	? FABRIC_STARTING
	       : e == -ENOTCONN ? FABRIC_UNREACHABLE
				: FABRIC_ERROR;
}

static void set_unusable(struct fabric_ctl *c, enum fabric_code code)
{
	if (c->usable || c->code != code)
		log_warning("Fabric Manager unusable (%s): %s; %s", fabric_code_name(code), c->why,
			    fabric_fix(code));
	c->usable = false;
	c->code = code;
}

static int deactivate(struct fabric_ctl *c, unsigned id, const char *because)
{
	char why[320];
	int r = fm_deactivate(c->fm, id, why, sizeof(why));
	if (r == -EBADF) /* not active: nothing to undo */
		r = 0;
	if (r < 0)
		log_warning("cannot deactivate fabric partition %u (%s): %s", id, because, why);
	else
		log_info("fabric partition %u deactivated: %s", id, because);
	int i = fabric_by_id(&c->t, id);
	if (r == 0 && i >= 0)
		c->t.p[i].active = false;
	return r;
}

bool fabric_ctl_sync(struct fabric_ctl *c)
{
	if (!c)
		return false;
	bool was_usable = c->usable, dirty = false;
	if (!c->fm) {
		if (now_ms() < c->next_open_ms)
			return false;
		int e = fm_open(fabric_fm_address(), &c->fm, c->why, sizeof(c->why));
		if (e < 0) {
			c->next_open_ms = now_ms() + FM_RETRY_MS;
			set_unusable(c, e == -ENOTSUP	 ? FABRIC_STATIC
					: e == -ENOENT	 ? FABRIC_NO_LIBRARY
					: e == -ENOTCONN ? FABRIC_UNREACHABLE
							 : FABRIC_ERROR);
			return was_usable;
		}
	}
	struct fabric *t = malloc(sizeof(*t));
	if (!t)
		return false;
	int e = fm_read(c->fm, t, c->why, sizeof(c->why));
	if (e == -EAGAIN) {
		/* FM restarted (resiliency mode): it waits for the partitions
		 * that are active (User Guide 5.10); a pending one is a crash
		 * leftover no VM will use: not in the list, forgotten */
		unsigned ids[FABRIC_MAX_PARTS];
		size_t n = 0;
		for (size_t i = c->nrec; i-- > 0;)
			if (c->rec[i].st == REC_PENDING)
				c->rec[i] = c->rec[--c->nrec];
		for (size_t i = 0; i < c->nrec; i++)
			ids[n++] = c->rec[i].id;
		save_records(c);
		char why[320];
		if (fm_set_activated(c->fm, ids, n, why, sizeof(why)) < 0)
			log_warning("Fabric Manager waits for its activated partitions, but: %s", why);
		else
			log_info("Fabric Manager restarted: gave it the %zu active partition(s)", n);
		e = fm_read(c->fm, t, c->why, sizeof(c->why));
	}
	if (e < 0) {
		if (e == -ENOTCONN) {
			fm_close(c->fm);
			c->fm = NULL;
		}
		set_unusable(c, code_of(e));
		free(t);
		return was_usable;
	}
	fabric_name_config(t, c->cfg);
	if (!fabric_mapped(t)) {
		snprintf(c->why, sizeof(c->why),
			 "Fabric Manager lists partitions without the GPUs' PCI addresses");
		set_unusable(c, FABRIC_UNNAMED);
		free(t);
		return was_usable;
	}
	if (!was_usable)
		log_info("Fabric Manager usable: %zu partitions", t->n);
	c->t = *t;
	free(t);
	c->usable = true;
	c->code = FABRIC_OK;
	c->why[0] = '\0';

	bool held[FABRIC_MAX_PARTS];
	int he = read_held(c, held);
	if (he < 0) {
		log_warning_errno(he, "cannot read which processes hold VFIO nodes: %m");
		return !was_usable;
	}
	for (size_t k = 0; k < c->nrec; k++) {
		int i = fabric_by_id(&c->t, c->rec[k].id);
		log_debug("fabric partition %u: %s, %s", c->rec[k].id, rec_names[c->rec[k].st],
			  i >= 0 && held[i] ? "held" : "not held");
	}
	char why[320];
	for (size_t k = c->nrec; k-- > 0;) {
		struct rec *r = &c->rec[k];
		int i = fabric_by_id(&c->t, r->id);
		if (i < 0) {
			log_warning("fabric partition %u is no longer in Fabric Manager's table: forgotten",
				    r->id);
			c->rec[k] = c->rec[--c->nrec];
			dirty = true;
			continue;
		}
		if (r->st == REC_PENDING || (r->st == REC_RUNNING && !held[i])) {
			deactivate(c, r->id,
				   r->st == REC_PENDING ? "activated for an Allocate that was never answered"
							: "its VM released the GPUs");
			c->rec[k] = c->rec[--c->nrec];
			dirty = true;
			continue;
		}
		if (r->st == REC_ANSWERED && held[i]) {
			r->st = REC_RUNNING;
			dirty = true;
		}
		if (!c->t.p[i].active) {
			/* FM lost it (restarted without its resiliency mode) */
			if (fm_activate(c->fm, r->id, why, sizeof(why)) == 0) {
				c->t.p[i].active = true;
				log_notice("fabric partition %u (%s) was not active: activated again", r->id,
					   rec_names[r->st]);
			} else
				log_warning("fabric partition %u (%s) is not active and cannot be: %s", r->id,
					    rec_names[r->st], why);
		}
	}
	for (size_t i = 0; i < c->t.n; i++) {
		if (!c->t.p[i].active || find_rec(c, c->t.p[i].id))
			continue;
		if (held[i]) {
			c->rec[c->nrec++] = (struct rec){ c->t.p[i].id, REC_RUNNING };
			log_info("fabric partition %u is active and its GPUs are in use: adopted",
				 c->t.p[i].id);
		} else
			deactivate(c, c->t.p[i].id, "active without a VM");
		dirty = true;
	}
	if (dirty)
		save_records(c);
	return dirty || !was_usable;
}

bool fabric_ctl_busy(const struct fabric_ctl *c)
{
	return c && c->nrec > 0;
}

/* A partition splits no IOMMU group among the GPUs served. */
static bool whole_groups(const struct fabric_part *p, void *ctx)
{
	const struct fabric_ctl *c = ctx;
	for (unsigned g = 0; g < p->n; g++) {
		const struct gpu *a = gpu_of(c, p->bdf[g]);
		if (!a)
			return false;
		for (size_t k = 0; k < c->ngpus; k++)
			if (a->group >= 0 && c->gpus[k].group == a->group && !fabric_has(p, c->gpus[k].bdf))
				return false;
	}
	return true;
}

int fabric_ctl_prefer(struct fabric_ctl *c, const char *const *avail, size_t navail, const char *const *must,
		      size_t nmust, size_t size, const char **out)
{
	if (!c || !c->usable)
		return -ENOENT;
	int i = fabric_choose(&c->t, avail, navail, must, nmust, size, whole_groups, c);
	if (i < 0)
		return -ENOENT;
	for (unsigned g = 0; g < c->t.p[i].n; g++)
		out[g] = c->t.p[i].bdf[g];
	return (int)c->t.p[i].n;
}

static void sizes_str(const struct fabric *t, size_t n, char *buf, size_t size)
{
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < t->n && o < size; i++) {
		if (t->p[i].n != n || !t->p[i].supported)
			continue;
		char s[FABRIC_MAX_GPUS * PCI_ADDR_STRLEN + 1];
		fabric_part_str(&t->p[i], s, sizeof(s));
		o += (size_t)snprintf(buf + o, size - o, "%s{%s}", o ? " " : "", s);
	}
}

int fabric_ctl_allocate(struct fabric_ctl *c, const char *const *ids, size_t n, int *ret_id, char *msg,
			size_t msize)
{
	*ret_id = -1;
	if (!c)
		return 0;
	if (!c->usable) {
		if (n > 1 && !c->warned) {
			log_warning(
			    "%zu GPUs for one VM without Fabric Manager (%s): the VM gets no NVLink fabric "
			    "(CUDA error 802)",
			    n, fabric_code_name(c->code));
			c->warned = true;
		}
		return 0;
	}
	/* only NVIDIA GPUs are the fabric's business (a NIC, a vGPU is not) */
	bool any = false;
	for (size_t k = 0; k < n; k++) {
		const struct gpu *g = gpu_of(c, ids[k]);
		any |= g && g->nvgpu;
	}
	if (!any)
		return 0;
	int i = fabric_find_set(&c->t, ids, n);
	for (size_t k = 0; i < 0 && k < n; k++) {
		bool named = false;
		for (size_t j = 0; j < c->t.n && !named; j++)
			named = c->t.p[j].supported && fabric_has(&c->t.p[j], ids[k]);
		if (!named) {
			snprintf(msg, msize,
				 "GPU %s is in no partition Fabric Manager supports (its NVLinks failed, or "
				 "FM does "
				 "not know it)",
				 ids[k]);
			return -EINVAL;
		}
	}
	if (i < 0) {
		char sets[512];
		sizes_str(&c->t, n, sets, sizeof(sets));
		snprintf(
		    msg, msize,
		    "these %zu GPUs are not one NVLink partition of Fabric Manager; a VM's GPUs must be one "
		    "(%zu-GPU partitions: %s)",
		    n, n, sets[0] ? sets : "none");
		return -EINVAL;
	}
	struct fabric_part *p = &c->t.p[i];
	bool held[FABRIC_MAX_PARTS];
	if (read_held(c, held) < 0) {
		snprintf(msg, msize, "cannot read which VMs hold GPUs now, try again");
		return -EAGAIN;
	}
	struct rec *r = find_rec(c, p->id);
	if (r && held[i]) {
		snprintf(msg, msize, "fabric partition %u is held by a running VM", p->id);
		return -EBUSY;
	}
	if (r && p->active) { /* kubelet asks again: still ours */
		*ret_id = (int)p->id;
		return 0;
	}
	/* kubelet gives these GPUs to a new pod: what held them before is
	 * over unless a VM still has them open */
	for (size_t j = 0; j < c->t.n; j++) {
		if (!c->t.p[j].active || !fabric_overlap(p, &c->t.p[j]))
			continue;
		if (held[j]) {
			snprintf(msg, msize,
				 "fabric partition %u shares GPUs with partition %u, held by a running VM",
				 p->id, c->t.p[j].id);
			return -EBUSY;
		}
		deactivate(c, c->t.p[j].id, "its GPUs are allocated again");
		drop_rec(c, c->t.p[j].id);
	}
	if (!r && c->nrec < FABRIC_MAX_PARTS)
		c->rec[c->nrec++] = (struct rec){ p->id, REC_PENDING };
	save_records(c);
	char why[320];
	int e = fm_activate(c->fm, p->id, why, sizeof(why));
	if (e < 0) {
		drop_rec(c, p->id);
		save_records(c);
		char s[FABRIC_MAX_GPUS * PCI_ADDR_STRLEN + 1];
		fabric_part_str(p, s, sizeof(s));
		snprintf(msg, msize, "Fabric Manager cannot activate partition %u (%s): %s", p->id, s, why);
		return e == -EINVAL ? -EINVAL : -EBUSY;
	}
	p->active = true;
	log_info("fabric partition %u activated", p->id);
	*ret_id = (int)p->id;
	return 0;
}

void fabric_ctl_answered(struct fabric_ctl *c, int id)
{
	struct rec *r;
	if (!c || id < 0 || !(r = find_rec(c, (unsigned)id)) || r->st != REC_PENDING)
		return;
	r->st = REC_ANSWERED;
	save_records(c);
}

void fabric_ctl_abandon(struct fabric_ctl *c, int id)
{
	if (!c || id < 0 || !find_rec(c, (unsigned)id))
		return;
	deactivate(c, (unsigned)id, "its Allocate failed");
	drop_rec(c, (unsigned)id);
	save_records(c);
}

void fabric_ctl_print_json(const struct fabric_ctl *c, struct jsonw *w)
{
	jsonw_key(w, "fabric");
	if (!c) {
		jsonw_null(w);
		return;
	}
	jsonw_obj_open(w);
	jsonw_kstr(w, "code", fabric_code_name(c->code));
	jsonw_kstr(w, "message", c->usable ? NULL : c->why);
	jsonw_key(w, "partitions");
	if (c->usable)
		fabric_table_json(&c->t, w);
	else
		jsonw_null(w);
	jsonw_key(w, "held");
	jsonw_arr_open(w);
	for (size_t i = 0; i < c->nrec; i++) {
		jsonw_obj_open(w);
		jsonw_kint(w, "id", c->rec[i].id);
		jsonw_kstr(w, "state", rec_names[c->rec[i].st]);
		jsonw_obj_close(w);
	}
	jsonw_arr_close(w);
	jsonw_obj_close(w);
}
