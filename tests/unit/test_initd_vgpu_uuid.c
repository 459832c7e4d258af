// SPDX-License-Identifier: GPL-2.0-or-later
/* initd/vgpu/vgpu_uuid.c: where a GPU's identity for the stable vGPU UUIDs
 * comes from. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "initd_root_harness.h"
#include "vgpu/vgpu_uuid.h"

/* The GPU's identity: sysfs serial_number first (Linux 6.18+), then the
 * DSN capability in config space, then DMI + address. */
static void vgpu_identity_sources(void **state)
{
	char id[128];
	const char *d = "sys/bus/pci/devices/0000:9b:00.0";
	char p[128];
	/* config space with a DSN capability at 0x100 */
	unsigned char cfg[4096] = { 0 };
	cfg[0x100] = 0x03;
	cfg[0x102] = 0x01;
	const unsigned char dsn_le[8] = { 0x48, 0xb0, 0x2d, 0x7b, 0xb5, 0x0f, 0x86, 0x2f };
	memcpy(cfg + 0x104, dsn_le, 8);
	snprintf(p, sizeof(p), "%s/%s/config", root, d);
	FILE *f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(cfg, 1, sizeof(cfg), f), sizeof(cfg));
	fclose(f);
	assert_int_equal(vgpu_identity_read(rootfd, "0000:9b:00.0", id, sizeof(id)), 0);
	assert_string_equal(id, "dsn:2f860fb57b2db048");
	/* the kernel's serial_number names the same DSN: the same identity */
	put("sys/bus/pci/devices/0000:9b:00.0/serial_number", "2f-86-0f-b5-7b-2d-b0-48\n");
	assert_int_equal(vgpu_identity_read(rootfd, "0000:9b:00.0", id, sizeof(id)), 0);
	assert_string_equal(id, "dsn:2f860fb57b2db048");
	/* and it is what is read when present (config space is not needed) */
	assert_int_equal(unlink(p), 0);
	assert_int_equal(vgpu_identity_read(rootfd, "0000:9b:00.0", id, sizeof(id)), 0);
	assert_string_equal(id, "dsn:2f860fb57b2db048");
	/* an unreadable value falls back: no config, DMI + address */
	put("sys/bus/pci/devices/0000:9b:00.0/serial_number", "garbage\n");
	mkdirs("sys/class/dmi/id");
	put("sys/class/dmi/id/product_uuid", "6B1F2B3E-8C4D-4A5E-9F60-7A8B9C0D1E2F\n");
	assert_int_equal(vgpu_identity_read(rootfd, "0000:9b:00.0", id, sizeof(id)), 0);
	assert_string_equal(id, "dmi:6b1f2b3e-8c4d-4a5e-9f60-7a8b9c0d1e2f/pci:0000:9b:00.0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vgpu_identity_sources),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
