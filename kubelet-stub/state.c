// SPDX-License-Identifier: GPL-2.0-or-later
/* The device manager's state: what kubelet keeps per resource (devices and
 * their health) and per container (allocated devices and the plugin's
 * response), the checkpoint that survives a restart, and the status view. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "jsonw.h"
#include "kstub.h"

static void res_clear_devs(struct kresource *r)
{
	for (size_t i = 0; i < r->n_devs; i++)
		free(r->devs[i].id);
	free(r->devs);
	r->devs = NULL;
	r->n_devs = 0;
}

static void alloc_free(struct kalloc *a)
{
	free(a->pod);
	free(a->container);
	free(a->resource);
	for (size_t i = 0; i < a->n_ids; i++)
		free(a->ids[i]);
	free(a->ids);
	free(a->response);
}

void kstate_free(struct kstate *st)
{
	for (size_t i = 0; i < st->n_res; i++) {
		res_clear_devs(&st->res[i]);
		free(st->res[i].name);
		free(st->res[i].endpoint);
	}
	free(st->res);
	for (size_t i = 0; i < st->n_allocs; i++)
		alloc_free(&st->allocs[i]);
	free(st->allocs);
	memset(st, 0, sizeof(*st));
}

struct kresource *kstate_find(struct kstate *st, const char *name)
{
	for (size_t i = 0; i < st->n_res; i++)
		if (strcmp(st->res[i].name, name) == 0)
			return &st->res[i];
	return NULL;
}

struct kresource *kstate_get(struct kstate *st, const char *name)
{
	struct kresource *r = kstate_find(st, name);
	if (r)
		return r;
	r = realloc(st->res, (st->n_res + 1) * sizeof(*r));
	if (!r)
		return NULL;
	st->res = r;
	r = &st->res[st->n_res];
	*r = (struct kresource){ .name = strdup(name), .endpoint = strdup("") };
	if (!r->name || !r->endpoint) {
		free(r->name);
		free(r->endpoint);
		return NULL;
	}
	st->n_res++;
	return r;
}

int kstate_set_devices(struct kresource *r, const struct kdevice *devs, size_t n)
{
	struct kdevice *nd = calloc(n ? n : 1, sizeof(*nd));
	if (!nd)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		nd[i] = devs[i];
		nd[i].id = strdup(devs[i].id);
		if (!nd[i].id) {
			while (i--)
				free(nd[i].id);
			free(nd);
			return -ENOMEM;
		}
	}
	res_clear_devs(r);
	r->devs = nd;
	r->n_devs = n;
	return 0;
}

void kstate_all_unhealthy(struct kresource *r)
{
	for (size_t i = 0; i < r->n_devs; i++)
		r->devs[i].healthy = false;
}

size_t kresource_capacity(const struct kresource *r)
{
	return r->n_devs;
}

size_t kresource_allocatable(const struct kresource *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n_devs; i++)
		n += r->devs[i].healthy;
	return n;
}

const struct kalloc *kstate_owner(const struct kstate *st, const char *resource, const char *id)
{
	for (size_t i = 0; i < st->n_allocs; i++) {
		const struct kalloc *a = &st->allocs[i];
		if (strcmp(a->resource, resource) != 0)
			continue;
		for (size_t k = 0; k < a->n_ids; k++)
			if (strcmp(a->ids[k], id) == 0)
				return a;
	}
	return NULL;
}

int kstate_available(const struct kstate *st, const struct kresource *r, const char ***ret)
{
	const char **v = calloc(r->n_devs ? r->n_devs : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	int n = 0;
	for (size_t i = 0; i < r->n_devs; i++)
		if (r->devs[i].healthy && !kstate_owner(st, r->name, r->devs[i].id))
			v[n++] = r->devs[i].id;
	*ret = v;
	return n;
}

static bool in_list(const char *const *l, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(l[i], s) == 0)
			return true;
	return false;
}

int kstate_pick(const char *const *avail, size_t n_avail, const char *const *preferred, size_t n_pref,
		size_t count, const char **ret)
{
	if (count > n_avail)
		return -EINVAL;
	size_t k = 0;
	/* kubelet takes the plugin's preference only among available IDs */
	for (size_t i = 0; i < n_pref && k < count; i++)
		for (size_t j = 0; j < n_avail; j++)
			if (strcmp(avail[j], preferred[i]) == 0 && !in_list(ret, k, avail[j])) {
				ret[k++] = avail[j];
				break;
			}
	for (size_t j = 0; j < n_avail && k < count; j++)
		if (!in_list(ret, k, avail[j]))
			ret[k++] = avail[j];
	return 0;
}

int kstate_add_alloc(struct kstate *st, const char *pod, const char *container, const char *resource,
		     const char *const *ids, size_t n, const char *response_json)
{
	struct kalloc *v = realloc(st->allocs, (st->n_allocs + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	st->allocs = v;
	struct kalloc a = {
		.pod = strdup(pod),
		.container = strdup(container),
		.resource = strdup(resource),
		.ids = calloc(n ? n : 1, sizeof(char *)),
		.response = strdup(response_json),
	};
	bool ok = a.pod && a.container && a.resource && a.ids && a.response;
	for (size_t i = 0; ok && i < n; i++, a.n_ids++)
		ok = (a.ids[i] = strdup(ids[i])) != NULL;
	if (!ok) {
		alloc_free(&a);
		return -ENOMEM;
	}
	st->allocs[st->n_allocs++] = a;
	return 0;
}

void kalloc_json(const struct kalloc *a, struct jsonw *w)
{
	jsonw_obj_open(w);
	jsonw_kstr(w, "pod", a->pod);
	jsonw_kstr(w, "container", a->container);
	jsonw_kstr(w, "resource", a->resource);
	jsonw_key(w, "devices");
	jsonw_arr_open(w);
	for (size_t i = 0; i < a->n_ids; i++)
		jsonw_str(w, a->ids[i]);
	jsonw_arr_close(w);
	jsonw_key(w, "response");
	jsonw_raw(w, a->response, strlen(a->response));
	jsonw_obj_close(w);
}

int kstate_checkpoint(const struct kstate *st, char **ret)
{
	struct jsonw w;
	jsonw_init(&w, true);
	jsonw_obj_open(&w);
	jsonw_kint(&w, "version", 1);
	jsonw_key(&w, "resources");
	jsonw_arr_open(&w);
	for (size_t i = 0; i < st->n_res; i++)
		jsonw_str(&w, st->res[i].name);
	jsonw_arr_close(&w);
	jsonw_key(&w, "allocations");
	jsonw_arr_open(&w);
	for (size_t i = 0; i < st->n_allocs; i++)
		kalloc_json(&st->allocs[i], &w);
	jsonw_arr_close(&w);
	jsonw_obj_close(&w);
	return jsonw_finish(&w, ret, NULL);
}

static int restore_alloc(struct kstate *st, const struct json_doc *d, int a)
{
	int pod = json_obj_get(d, a, "pod"), ctr = json_obj_get(d, a, "container"),
	    res = json_obj_get(d, a, "resource"), devs = json_obj_get(d, a, "devices"),
	    resp = json_obj_get(d, a, "response");
	if (pod < 0 || ctr < 0 || res < 0 || devs < 0 || resp < 0 || !json_is(d, devs, JSMN_ARRAY) ||
	    !json_is(d, resp, JSMN_OBJECT))
		return -EINVAL;
	char *s_pod = json_strdup(d, pod), *s_ctr = json_strdup(d, ctr), *s_res = json_strdup(d, res);
	size_t n = (size_t)d->tok[devs].size;
	char **ids = calloc(n ? n : 1, sizeof(char *));
	char *s_resp = strndup(d->js + d->tok[resp].start, (size_t)(d->tok[resp].end - d->tok[resp].start));
	int r = s_pod && s_ctr && s_res && ids && s_resp ? 0 : -EINVAL;
	size_t k = 0;
	json_for_each (d, devs, c, left) {
		if (r == 0 && !(ids[k++] = json_strdup(d, c)))
			r = -EINVAL;
	}
	if (r == 0)
		r = kstate_add_alloc(st, s_pod, s_ctr, s_res, (const char *const *)ids, n, s_resp);
	for (size_t i = 0; i < k; i++)
		free(ids[i]);
	free(ids);
	free(s_pod);
	free(s_ctr);
	free(s_res);
	free(s_resp);
	return r;
}

int kstate_restore(struct kstate *st, const char *json, size_t len)
{
	struct json_doc d;
	int r = json_parse(&d, json, len);
	if (r < 0)
		return r;
	int res = json_obj_get(&d, 0, "resources"), allocs = json_obj_get(&d, 0, "allocations");
	if (res < 0 || allocs < 0 || !json_is(&d, res, JSMN_ARRAY) || !json_is(&d, allocs, JSMN_ARRAY)) {
		json_free(&d);
		return -EINVAL;
	}
	json_for_each (&d, res, c, n1) {
		char name[256];
		if (r == 0 && json_str(&d, c, name, sizeof(name)) < 0)
			r = -EINVAL;
		if (r == 0 && !kstate_get(st, name))
			r = -ENOMEM;
	}
	json_for_each (&d, allocs, c, n2) {
		if (r == 0)
			r = restore_alloc(st, &d, c);
	}
	json_free(&d);
	return r;
}

static void quantity(struct jsonw *w, const char *key, size_t n)
{
	char b[32];
	snprintf(b, sizeof(b), "%zu", n);
	jsonw_kstr(w, key, b); /* Kubernetes quantities are strings */
}

void kstate_status_json(const struct kstate *st, struct jsonw *w)
{
	jsonw_obj_open(w);
	jsonw_key(w, "status");
	jsonw_obj_open(w);
	jsonw_key(w, "capacity");
	jsonw_obj_open(w);
	for (size_t i = 0; i < st->n_res; i++)
		quantity(w, st->res[i].name, kresource_capacity(&st->res[i]));
	jsonw_obj_close(w);
	jsonw_key(w, "allocatable");
	jsonw_obj_open(w);
	for (size_t i = 0; i < st->n_res; i++)
		quantity(w, st->res[i].name, kresource_allocatable(&st->res[i]));
	jsonw_obj_close(w);
	jsonw_obj_close(w);
	jsonw_key(w, "resources");
	jsonw_arr_open(w);
	for (size_t i = 0; i < st->n_res; i++) {
		const struct kresource *r = &st->res[i];
		jsonw_obj_open(w);
		jsonw_kstr(w, "name", r->name);
		jsonw_kstr(w, "endpoint", r->endpoint);
		jsonw_kbool(w, "connected", r->connected);
		jsonw_key(w, "devices");
		jsonw_arr_open(w);
		for (size_t k = 0; k < r->n_devs; k++) {
			const struct kalloc *a = kstate_owner(st, r->name, r->devs[k].id);
			jsonw_obj_open(w);
			jsonw_kstr(w, "id", r->devs[k].id);
			jsonw_kstr(w, "health", r->devs[k].healthy ? "Healthy" : "Unhealthy");
			if (r->devs[k].numa >= 0)
				jsonw_kint(w, "numa", r->devs[k].numa);
			jsonw_kstr(w, "pod", a ? a->pod : NULL);
			jsonw_obj_close(w);
		}
		jsonw_arr_close(w);
		jsonw_obj_close(w);
	}
	jsonw_arr_close(w);
	jsonw_key(w, "allocations");
	jsonw_arr_open(w);
	for (size_t i = 0; i < st->n_allocs; i++)
		kalloc_json(&st->allocs[i], w);
	jsonw_arr_close(w);
	jsonw_obj_close(w);
}
