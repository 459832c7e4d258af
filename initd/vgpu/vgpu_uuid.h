/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Stable vGPU UUIDs: UUIDv5 (RFC 9562) of the GPU's hardware identity, the
 * type and the slot index.  Nothing is stored: the same node and config
 * give the same UUIDs after a reboot.  Never /etc/machine-id. */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* The identity string (pure): "dsn:<16 hex>" when the PCI Device Serial
 * Number is known (dsn_ok), else "dmi:<product_uuid>/pci:<bdf>". */
void vgpu_identity(char *buf, size_t size, int dsn_ok, uint64_t dsn, const char *product_uuid,
		   const char *bdf);
/* UUIDv5 of "<identity>/<short type>/<slot>" under gpu-initd's namespace. */
void vgpu_uuid(const char *identity, const char *type, unsigned slot, uint8_t out[16]);
/* The Device Serial Number from a config space image: extended capability
 * 0x0003 found by walking from 0x100.  0, or -ENOENT. */
int vgpu_dsn_from_config(const uint8_t *cfg, size_t len, uint64_t *ret);
/* The DSN from sysfs serial_number (Linux 6.18+, drivers/pci/pci-sysfs.c
 * serial_number_show(), commit cf6ee09b0913:
 * the 64-bit DSN big-endian, bytes as "%02x" joined by '-'), the same
 * value vgpu_dsn_from_config() finds.  0, or -EINVAL. */
int vgpu_dsn_from_serial_number(const char *text, uint64_t *ret);
/* Reads the GPU's identity under the root (serial_number of bdf, else its
 * config space, else sys/class/dmi/id/product_uuid).  0 or -errno (no
 * identity at all). */
int vgpu_identity_read(int rootfd, const char *bdf, char *buf, size_t size);
