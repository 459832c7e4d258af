// SPDX-License-Identifier: GPL-2.0-or-later
#include "dpapi.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void dpapi_free(void *msg)
{
	if (msg)
		protobuf_c_message_free_unpacked(msg, NULL);
}

/* Appends item to a protobuf-c repeated field (array + count). */
static int push(void *arrayp, size_t *n, void *item)
{
	void ***array = arrayp;
	void **a = realloc(*array, (*n + 1) * sizeof(*a));
	if (!a)
		return -ENOMEM;
	a[(*n)++] = item;
	*array = a;
	return 0;
}

static void *msg_new(const ProtobufCMessageDescriptor *desc)
{
	ProtobufCMessage *m = malloc(desc->sizeof_message);
	if (m)
		protobuf_c_message_init(desc, m);
	return m;
}

int dpapi_device_list(const struct dpapi_device *devs, size_t n, V1beta1__ListAndWatchResponse **ret)
{
	V1beta1__ListAndWatchResponse *r = msg_new(&v1beta1__list_and_watch_response__descriptor);
	if (!r)
		return -ENOMEM;
	r->devices = calloc(n ? n : 1, sizeof(*r->devices));
	if (!r->devices)
		goto nomem;
	for (size_t i = 0; i < n; i++) {
		V1beta1__Device *d = msg_new(&v1beta1__device__descriptor);
		if (!d)
			goto nomem;
		r->devices[r->n_devices++] = d;
		if (!(d->id = strdup(devs[i].id)) ||
		    !(d->health = strdup(devs[i].healthy ? DPAPI_HEALTHY : DPAPI_UNHEALTHY)))
			goto nomem;
		if (devs[i].numa_node >= 0) {
			V1beta1__NUMANode *node = msg_new(&v1beta1__numanode__descriptor);
			if (!node || !(d->topology = msg_new(&v1beta1__topology_info__descriptor))) {
				free(node);
				goto nomem;
			}
			node->id = devs[i].numa_node;
			if (push(&d->topology->nodes, &d->topology->n_nodes, node) < 0) {
				free(node);
				goto nomem;
			}
		}
	}
	*ret = r;
	return 0;
nomem:
	dpapi_free(r);
	return -ENOMEM;
}

int dpapi_register_request(const char *endpoint, const char *resource_name, bool pre_start_required,
			   bool preferred_allocation, V1beta1__RegisterRequest **ret)
{
	V1beta1__RegisterRequest *r = msg_new(&v1beta1__register_request__descriptor);
	if (!r)
		return -ENOMEM;
	r->options = msg_new(&v1beta1__device_plugin_options__descriptor);
	if (!(r->version = strdup(DPAPI_VERSION)) || !(r->endpoint = strdup(endpoint)) ||
	    !(r->resource_name = strdup(resource_name)) || !r->options) {
		dpapi_free(r);
		return -ENOMEM;
	}
	r->options->pre_start_required = pre_start_required;
	r->options->get_preferred_allocation_available = preferred_allocation;
	*ret = r;
	return 0;
}

int dpapi_allocate_response(V1beta1__AllocateResponse **ret)
{
	V1beta1__AllocateResponse *r = msg_new(&v1beta1__allocate_response__descriptor);
	if (!r)
		return -ENOMEM;
	*ret = r;
	return 0;
}

int dpapi_allocate_add_container(V1beta1__AllocateResponse *r, V1beta1__ContainerAllocateResponse **ret)
{
	V1beta1__ContainerAllocateResponse *c = msg_new(&v1beta1__container_allocate_response__descriptor);
	if (!c || push(&r->container_responses, &r->n_container_responses, c) < 0) {
		free(c);
		return -ENOMEM;
	}
	*ret = c;
	return 0;
}

/* Map fields are repeated key/value entries. */
static int map_set(const ProtobufCMessageDescriptor *desc, void *arrayp, size_t *n, const char *key,
		   const char *value)
{
	V1beta1__ContainerAllocateResponse__EnvsEntry **a = *(void **)arrayp;
	char *v = strdup(value);
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < *n; i++)
		if (strcmp(a[i]->key, key) == 0) {
			free(a[i]->value);
			a[i]->value = v;
			return 0;
		}
	/* envs and annotations entries have the same layout */
	V1beta1__ContainerAllocateResponse__EnvsEntry *e = msg_new(desc);
	if (!e || !(e->key = strdup(key)) || push(arrayp, n, e) < 0) {
		free(v);
		dpapi_free(e);
		return -ENOMEM;
	}
	e->value = v;
	return 0;
}

int dpapi_container_set_env(V1beta1__ContainerAllocateResponse *c, const char *key, const char *value)
{
	return map_set(&v1beta1__container_allocate_response__envs_entry__descriptor, &c->envs, &c->n_envs,
		       key, value);
}

int dpapi_container_set_annotation(V1beta1__ContainerAllocateResponse *c, const char *key, const char *value)
{
	return map_set(&v1beta1__container_allocate_response__annotations_entry__descriptor, &c->annotations,
		       &c->n_annotations, key, value);
}

int dpapi_container_add_device(V1beta1__ContainerAllocateResponse *c, const char *container_path,
			       const char *host_path, const char *permissions)
{
	V1beta1__DeviceSpec *d = msg_new(&v1beta1__device_spec__descriptor);
	if (!d || !(d->container_path = strdup(container_path)) || !(d->host_path = strdup(host_path)) ||
	    !(d->permissions = strdup(permissions)) || push(&c->devices, &c->n_devices, d) < 0) {
		dpapi_free(d);
		return -ENOMEM;
	}
	return 0;
}

int dpapi_container_add_mount(V1beta1__ContainerAllocateResponse *c, const char *container_path,
			      const char *host_path, bool read_only)
{
	V1beta1__Mount *m = msg_new(&v1beta1__mount__descriptor);
	if (!m || !(m->container_path = strdup(container_path)) || !(m->host_path = strdup(host_path)) ||
	    push(&c->mounts, &c->n_mounts, m) < 0) {
		dpapi_free(m);
		return -ENOMEM;
	}
	m->read_only = read_only;
	return 0;
}

const char *dpapi_container_env(const V1beta1__ContainerAllocateResponse *c, const char *key)
{
	for (size_t i = 0; i < c->n_envs; i++)
		if (strcmp(c->envs[i]->key, key) == 0)
			return c->envs[i]->value;
	return NULL;
}

int dpapi_preferred_response(V1beta1__PreferredAllocationResponse **ret)
{
	V1beta1__PreferredAllocationResponse *r =
	    msg_new(&v1beta1__preferred_allocation_response__descriptor);
	if (!r)
		return -ENOMEM;
	*ret = r;
	return 0;
}

int dpapi_preferred_add(V1beta1__PreferredAllocationResponse *r, const char *const *ids, size_t n)
{
	V1beta1__ContainerPreferredAllocationResponse *c =
	    msg_new(&v1beta1__container_preferred_allocation_response__descriptor);
	if (!c || push(&r->container_responses, &r->n_container_responses, c) < 0) {
		free(c);
		return -ENOMEM;
	}
	c->deviceids = calloc(n ? n : 1, sizeof(char *));
	if (!c->deviceids)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (!(c->deviceids[i] = strdup(ids[i])))
			return -ENOMEM;
		c->n_deviceids++;
	}
	return 0;
}
