/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Resource names (pure): the built-in NVIDIA table, the pci.ids transform
 * NVIDIA's sandbox device plugin uses, the config's aliases. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;

enum name_source { NAME_NONE, NAME_CONFIG, NAME_BUILTIN, NAME_PCIIDS };

#define NAMING_KEY_LEN 10 /* "vvvv:dddd" and its NUL */
/* The config's key of a device, "10de:2330" (lower-case hex; on every
 * device of every scan, so not through snprintf). */
char *naming_key(uint16_t vendor, uint16_t device, char buf[NAMING_KEY_LEN]);
/* The built-in short name ("GH100_H100_SXM5_80GB") or NULL. */
const char *naming_builtin(uint16_t vendor, uint16_t device);
/* pci.ids device name -> sandbox-plugin form: trimmed, upper-cased, '/',
 * '.' and whitespace runs -> '_', other non [A-Za-z0-9_] dropped.
 * Returns the length, -EINVAL if nothing is left, -ENAMETOOLONG. */
int naming_transform(const char *pciids_name, char *buf, size_t size);
/* kubelet's rule: "domain/name", name <= 63 chars of
 * [A-Za-z0-9][-A-Za-z0-9_.]*[A-Za-z0-9], not under kubernetes.io. */
bool naming_valid_resource(const char *s);
/* The resource name of a device: the config's alias for "vvvv:dddd" wins
 * (it is an explicit choice), then the built-in table, then pci.ids
 * (pciids_name may be NULL); only NVIDIA devices get a default name.
 * Returns the source, NAME_NONE when there is no name. */
enum name_source naming_resolve(const struct config *c, uint16_t vendor, uint16_t device,
				const char *pciids_name, char *buf, size_t size);
/* Whether naming_resolve would reach pci.ids for this device: an NVIDIA
 * device with no config alias and no built-in name.  Callers look the
 * name up only then (loading pci.ids costs more than a whole start). */
bool naming_wants_pciids(const struct config *c, uint16_t vendor, uint16_t device);
const char *naming_source_name(enum name_source s);
