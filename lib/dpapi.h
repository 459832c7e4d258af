/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Kubernetes device-plugin API v1beta1 (docs/design.md section 5): RPC
 * paths and helpers that build and free its messages.  Everything built
 * here is heap-allocated with malloc, so one dpapi_free() (protobuf-c's
 * free_unpacked) releases a message and everything it holds, whether it
 * was built here or decoded. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "deviceplugin.pb-c.h"

#define DPAPI_VERSION "v1beta1"
#define DPAPI_KUBELET_SOCKET "kubelet.sock"
#define DPAPI_REGISTER "/v1beta1.Registration/Register"
#define DPAPI_GET_OPTIONS "/v1beta1.DevicePlugin/GetDevicePluginOptions"
#define DPAPI_LIST_AND_WATCH "/v1beta1.DevicePlugin/ListAndWatch"
#define DPAPI_GET_PREFERRED "/v1beta1.DevicePlugin/GetPreferredAllocation"
#define DPAPI_ALLOCATE "/v1beta1.DevicePlugin/Allocate"
#define DPAPI_PRE_START "/v1beta1.DevicePlugin/PreStartContainer"

#define DPAPI_HEALTHY "Healthy"
#define DPAPI_UNHEALTHY "Unhealthy"

/* Frees any message built by these helpers or decoded by protobuf-c. */
void dpapi_free(void *msg);

struct dpapi_device {
	const char *id;
	bool healthy;
	int numa_node; /* -1: no topology */
};
/* A ListAndWatchResponse with the given devices.  0 or -ENOMEM. */
int dpapi_device_list(const struct dpapi_device *devs, size_t n, V1beta1__ListAndWatchResponse **ret);

/* RegisterRequest for version DPAPI_VERSION. */
int dpapi_register_request(const char *endpoint, const char *resource_name, bool pre_start_required,
			   bool preferred_allocation, V1beta1__RegisterRequest **ret);

/* An empty AllocateResponse; add one container response per container
 * request, then fill it. */
int dpapi_allocate_response(V1beta1__AllocateResponse **ret);
int dpapi_allocate_add_container(V1beta1__AllocateResponse *r, V1beta1__ContainerAllocateResponse **ret);
/* Sets envs[key] (replacing an earlier value). */
int dpapi_container_set_env(V1beta1__ContainerAllocateResponse *c, const char *key, const char *value);
int dpapi_container_set_annotation(V1beta1__ContainerAllocateResponse *c, const char *key, const char *value);
int dpapi_container_add_device(V1beta1__ContainerAllocateResponse *c, const char *container_path,
			       const char *host_path, const char *permissions);
int dpapi_container_add_mount(V1beta1__ContainerAllocateResponse *c, const char *container_path,
			      const char *host_path, bool read_only);
/* envs[key] or NULL. */
const char *dpapi_container_env(const V1beta1__ContainerAllocateResponse *c, const char *key);

/* PreferredAllocationResponse: one container response per call of add. */
int dpapi_preferred_response(V1beta1__PreferredAllocationResponse **ret);
int dpapi_preferred_add(V1beta1__PreferredAllocationResponse *r, const char *const *ids, size_t n);
