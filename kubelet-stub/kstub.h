/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kubelet-stub: a fake kubelet device manager (docs/design.md sections 1, 5).
 *   names.c   kubelet's registration rules, KubeVirt's env names (pure)
 *   state.c   resources, devices, allocations, checkpoint, status (pure)
 *   server.c  `serve`: the process (folders, checkpoint, signals, loop);
 *             its services in registration.c, ctl_server.c and
 *             ctl_allocate.c (kserver.h)
 *   ctl.c     the control protocol's client side (the other subcommands)
 *   vmcheck.c `launch-vm`: an allocation checked as virt-launcher would
 *   vmhold.c  `launch-vm --hold`: the VM's VFIO nodes held open as QEMU does */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#define KSTUB_PLUGIN_DIR "var/lib/kubelet/device-plugins"
#define KSTUB_RUN_DIR "run/kubelet-stub"
#define KSTUB_CONTROL_SOCKET "control.sock"
#define KSTUB_CHECKPOINT "kubelet-stub_checkpoint.json"

/* --- names.c ---------------------------------------------------------------- */

/* 0 if kubelet accepts name as an extended resource name; -EINVAL. */
int kstub_check_resource_name(const char *name);
/* 0 if endpoint is a plain file name in the plugin dir; -EINVAL. */
int kstub_check_endpoint(const char *endpoint);
/* KubeVirt's env name: prefix + "_" + resource upper-cased, '/' and '.'
 * turned into '_'.  0 or -ENAMETOOLONG. */
int kstub_env_name(const char *prefix, const char *resource, char *buf, size_t size);

/* --- state.c ---------------------------------------------------------------- */

struct kdevice {
	char *id;
	bool healthy;
	int numa; /* -1: none */
};

struct kresource {
	char *name;
	char *endpoint; /* "" when restored from a checkpoint */
	bool connected; /* a ListAndWatch stream is open */
	struct kdevice *devs;
	size_t n_devs;
};

struct kalloc {
	char *pod, *container, *resource;
	char **ids;
	size_t n_ids;
	char *response; /* the ContainerAllocateResponse as JSON text */
};

struct kstate {
	struct kresource *res;
	size_t n_res;
	struct kalloc *allocs;
	size_t n_allocs;
};

void kstate_free(struct kstate *st);
struct kresource *kstate_find(struct kstate *st, const char *name);
/* Finds or adds the resource.  NULL on -ENOMEM. */
struct kresource *kstate_get(struct kstate *st, const char *name);
/* Replaces the resource's device list.  0 or -ENOMEM. */
int kstate_set_devices(struct kresource *r, const struct kdevice *devs, size_t n);
/* Every device of r becomes Unhealthy (broken stream). */
void kstate_all_unhealthy(struct kresource *r);
size_t kresource_capacity(const struct kresource *r);
size_t kresource_allocatable(const struct kresource *r);
/* The allocation holding device id of resource, or NULL. */
const struct kalloc *kstate_owner(const struct kstate *st, const char *resource, const char *id);
/* IDs that may be allocated now: healthy, not allocated (array of
 * borrowed pointers, caller frees the array).  Returns the count or -ENOMEM. */
int kstate_available(const struct kstate *st, const struct kresource *r, const char ***ret);
/* Kubelet's choice of count IDs from avail: the plugin's preferred ones
 * first (those that are available), then the rest in list order.  ret
 * gets count borrowed pointers.  -EINVAL if there are not enough. */
int kstate_pick(const char *const *avail, size_t n_avail, const char *const *preferred, size_t n_pref,
		size_t count, const char **ret);
/* Records an allocation (copies everything).  0 or -ENOMEM. */
int kstate_add_alloc(struct kstate *st, const char *pod, const char *container, const char *resource,
		     const char *const *ids, size_t n, const char *response_json);
/* The checkpoint document: allocations and registered resources. */
int kstate_checkpoint(const struct kstate *st, char **ret);
/* Restores allocations and resources (with no devices: capacity stays 0
 * until the plugin registers again, as in kubelet).  -EINVAL bad file. */
int kstate_restore(struct kstate *st, const char *json, size_t len);
struct jsonw;
/* {"status": {capacity, allocatable}, "resources": [...], "allocations": [...]} */
void kstate_status_json(const struct kstate *st, struct jsonw *w);
void kalloc_json(const struct kalloc *a, struct jsonw *w);

/* --- server.c --------------------------------------------------------------- */

/* Runs `serve` until SIGTERM/SIGINT.  0 or -errno (logged). */
int kstub_serve(int rootfd);

/* --- ctl.c ------------------------------------------------------------------ */

/* Sends one JSON request to the serve process, returns its JSON answer
 * (caller frees).  0 or -errno (-ENOENT/-ECONNREFUSED: no serve running). */
int kstub_ctl_call(int rootfd, const char *request, char **ret);

/* --- vmcheck.c -------------------------------------------------------------- */

/* Checks an allocation as virt-launcher would and prints the <hostdev>
 * elements.  alloc_json is kalloc_json's document.  0, or -EINVAL with
 * the reason in why. */
int kstub_vm_check(int rootfd, const char *alloc_json, size_t len, char *why, size_t why_size);

/* --- vmhold.c --------------------------------------------------------------- */

/* Opens the allocation's VFIO nodes (DeviceSpecs under /dev/vfio/ but
 * /dev/vfio/vfio), prints ready_msg, holds them until SIGTERM/SIGINT.
 * 0 or -errno (a node that cannot be opened: logged). */
int kstub_vm_hold(int rootfd, const char *alloc_json, size_t len, const char *ready_msg);
