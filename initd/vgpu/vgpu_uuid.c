// SPDX-License-Identifier: GPL-2.0-or-later
#include "vgpu_uuid.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "node/pcidev.h"
#include "rootfs.h"
#include "uuid.h"
#include "vgpu_type.h"

/* gpu-initd's vGPU namespace (a fixed random UUID). */
static const uint8_t ns_vgpu[16] = { 0x5b, 0x0e, 0x8c, 0x2a, 0x93, 0x41, 0x4d, 0x6f,
				     0xa1, 0x7c, 0x3e, 0x52, 0x08, 0xd4, 0x6b, 0x19 };

void vgpu_identity(char *buf, size_t size, int dsn_ok, uint64_t dsn, const char *product_uuid,
		   const char *bdf)
{
	if (dsn_ok)
		snprintf(buf, size, "dsn:%016" PRIx64, dsn);
	else
		snprintf(buf, size, "dmi:%s/pci:%s", product_uuid, bdf);
}

void vgpu_uuid(const char *identity, const char *type, unsigned slot, uint8_t out[16])
{
	char name[256];
	int n = snprintf(name, sizeof(name), "%s/%s/%u", identity, vgpu_type_short(type), slot);
	if (n < 0 || (size_t)n >= sizeof(name))
		n = (int)sizeof(name) - 1;
	uuid_v5(ns_vgpu, name, (size_t)n, out);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int vgpu_dsn_from_config(const uint8_t *cfg, size_t len, uint64_t *ret)
{
	size_t off = 0x100;
	for (int hops = 0; off >= 0x100 && off + 12 <= len && hops < 64; hops++) {
		uint32_t h = le32(cfg + off);
		if (h == 0 || h == 0xffffffffu)
			break;
		if ((h & 0xffff) == 0x0003) {
			*ret = (uint64_t)le32(cfg + off + 4) | (uint64_t)le32(cfg + off + 8) << 32;
			return 0;
		}
		off = (h >> 20) & 0xffc;
	}
	return -ENOENT;
}

int vgpu_dsn_from_serial_number(const char *text, uint64_t *ret)
{
	uint64_t v = 0;
	size_t len = text ? strlen(text) : 0;
	if (len && text[len - 1] == '\n')
		len--;
	if (len != 23)
		return -EINVAL;
	for (size_t i = 0; i < 8; i++) {
		const char *p = text + 3 * i;
		if (i < 7 && p[2] != '-')
			return -EINVAL;
		unsigned b = 0;
		for (int k = 0; k < 2; k++) {
			char c = p[k];
			unsigned x = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
				     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
				     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
							    : 16u;
			if (x > 15)
				return -EINVAL;
			b = b << 4 | x;
		}
		v = v << 8 | b;
	}
	if (!v)
		return -EINVAL;
	*ret = v;
	return 0;
}

int vgpu_identity_read(int rootfd, const char *bdf, char *buf, size_t size)
{
	uint8_t cfg[4096];
	char path[128], pu[64] = "", sn[32] = "";
	uint64_t dsn;
	/* the kernel's own reading of the DSN where it offers one (6.18+) */
	snprintf(path, sizeof(path), PCI_DEVICES "/%s/serial_number", bdf);
	ssize_t n = rootfs_read_bytes(rootfd, path, sn, sizeof(sn) - 1);
	if (n > 0) {
		sn[n] = 0;
		if (vgpu_dsn_from_serial_number(sn, &dsn) == 0) {
			vgpu_identity(buf, size, 1, dsn, NULL, bdf);
			return 0;
		}
	}
	snprintf(path, sizeof(path), PCI_DEVICES "/%s/config", bdf);
	n = rootfs_read_bytes(rootfd, path, cfg, sizeof(cfg));
	if (n > 0 && vgpu_dsn_from_config(cfg, (size_t)n, &dsn) == 0) {
		vgpu_identity(buf, size, 1, dsn, NULL, bdf);
		return 0;
	}
	n = rootfs_read_bytes(rootfd, "sys/class/dmi/id/product_uuid", pu, sizeof(pu) - 1);
	if (n <= 0)
		return n < 0 ? (int)n : -ENOENT;
	pu[n] = 0;
	pu[strcspn(pu, "\n")] = 0;
	for (char *q = pu; *q; q++)
		if (*q >= 'A' && *q <= 'F')
			*q = (char)(*q - 'A' + 'a');
	vgpu_identity(buf, size, 0, 0, pu, bdf);
	return 0;
}
