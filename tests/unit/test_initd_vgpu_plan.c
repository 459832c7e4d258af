// SPDX-License-Identifier: GPL-2.0-or-later
/* vm-vgpu: vgpu-configs storage, the planner's rules (capacity, equal
 * size, MIG-backed, unknown types, selectors) and stable UUIDs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "node/config.h"
#include "uuid.h"
#include "vgpu/vgpu_plan.h"
#include "vgpu/vgpu_uuid.h"

static int parse(struct config *c, const char *js, char *err, size_t es)
{
	config_init(c);
	return config_parse(c, js, strlen(js), err, es);
}

static void add(struct vgpu_gpu *g, const char *name, const char *id, unsigned max, unsigned fb, bool mig)
{
	struct vgpu_offer *o = &g->types[g->ntypes++];
	snprintf(o->name, sizeof(o->name), "%s", name);
	snprintf(o->id, sizeof(o->id), "%s", id);
	o->max = max;
	o->fb_gb = fb;
	o->mig = mig;
}

/* n A100 40GB GPUs at 0000:1N:00.0, SR-IOV mdev with 16 VFs */
static void a100s(struct vgpu_gpu *g, size_t n)
{
	memset(g, 0, n * sizeof(*g));
	for (size_t i = 0; i < n; i++) {
		snprintf(g[i].bdf, sizeof(g[i].bdf), "0000:%02zx:00.0", 0x17 + i);
		pci_addr_parse(g[i].bdf, &g[i].addr);
		g[i].index = (int)i;
		g[i].vendor = 0x10de;
		g[i].device = 0x20f1;
		g[i].path = VGPU_PATH_MDEV_VF;
		g[i].slots = 16;
		add(&g[i], "NVIDIA A100-4C", "nvidia-468", 10, 4, false);
		add(&g[i], "NVIDIA A100-10C", "nvidia-471", 4, 10, false);
		add(&g[i], "NVIDIA A100-20C", "nvidia-472", 2, 20, false);
		add(&g[i], "NVIDIA A100-1-5C", "nvidia-474", 7, 5, true);
		add(&g[i], "NVIDIA A100-3-20C", "nvidia-476", 2, 20, true);
		add(&g[i], "NVIDIA A100-7-40C", "nvidia-478", 1, 40, true);
	}
}

static int plan(const char *js, struct vgpu_gpu *g, size_t n, struct vgpu_plan *p, char *err, size_t es)
{
	struct config c;
	char perr[256];
	assert_int_equal(parse(&c, js, perr, sizeof(perr)), 0);
	return vgpu_plan_make(&c, g, n, p, err, es);
}

static void config_stores_rules(void **state)
{
	struct config c;
	char err[256];
	assert_int_equal(parse(&c,
			       "{\"mode\":\"vm-vgpu\",\"vgpu-config\":\"small\",\"vgpu-configs\":{"
			       "\"default\":[{\"devices\":\"all\",\"vgpu-devices\":{\"H100XM-10C\":8}}],"
			       "\"small\":[{\"devices\":[0,1],\"vgpu-devices\":{\"H100XM-4C\":20}},"
			       "{\"devices\":[\"0000:43:00.0\"],\"vgpu-devices\":{\"H100XM-1-10C\":7}}]}}",
			       err, sizeof(err)),
			 0);
	assert_int_equal(c.nvrules, 3);
	assert_string_equal(c.vrules[0].config, "default");
	assert_true(c.vrules[0].devices_all);
	assert_string_equal(c.vrules[0].types[0].type, "H100XM-10C");
	assert_int_equal(c.vrules[0].types[0].count, 8);
	assert_false(c.vrules[1].devices_all);
	assert_int_equal(c.vrules[1].nsel, 2);
	assert_int_equal(c.vrules[1].sel[1].kind, SEL_INDEX);
	assert_int_equal(c.vrules[2].sel[0].kind, SEL_ADDR);
	assert_string_equal(c.vgpu_config, "small");
	/* an item without "devices" means every GPU */
	assert_int_equal(
	    parse(&c, "{\"vgpu-configs\":{\"x\":[{\"vgpu-devices\":{\"A100-4C\":1}}]}}", err, sizeof(err)),
	    0);
	assert_true(c.vrules[0].devices_all);
	assert_int_equal(
	    parse(&c, "{\"vgpu-configs\":{\"x\":[{\"vgpu-devices\":{\"A100-4C\":-1}}]}}", err, sizeof(err)),
	    -EINVAL);
}

static void plans_all_gpus(void **state)
{
	struct vgpu_gpu g[8];
	struct vgpu_plan p;
	char err[256] = "";
	a100s(g, 8);
	assert_int_equal(
	    plan("{\"vgpu-configs\":{\"default\":[{\"devices\":\"all\",\"vgpu-devices\":{\"A100-10C\":4}}]}}",
		 g, 8, &p, err, sizeof(err)),
	    0);
	assert_int_equal(p.n, 8);
	for (size_t i = 0; i < 8; i++) {
		assert_int_equal(p.a[i].gpu, i);
		assert_int_equal(p.a[i].type, 1);
		assert_int_equal(p.a[i].count, 4);
		assert_int_equal(p.a[i].first, 0);
	}
}

static void mixed_config(void **state)
{
	struct vgpu_gpu g[4];
	struct vgpu_plan p;
	char err[256] = "";
	a100s(g, 4);
	/* different types on different GPUs; two types of one size on one GPU */
	assert_int_equal(plan("{\"vgpu-configs\":{\"default\":["
			      "{\"devices\":[0],\"vgpu-devices\":{\"A100-20C\":2}},"
			      "{\"devices\":[\"0000:18:00.0\", 2],\"vgpu-devices\":{\"A100-4C\":6}}]}}",
			      g, 4, &p, err, sizeof(err)),
			 0);
	assert_int_equal(p.n, 3);
	assert_int_equal(p.a[0].gpu, 0);
	assert_int_equal(p.a[0].type, 2);
	assert_int_equal(p.a[1].gpu, 1);
	assert_int_equal(p.a[2].gpu, 2);
	assert_int_equal(p.a[2].count, 6);
	/* same size, two series on a T4-like PF: slots follow each other */
	struct vgpu_gpu t = { .bdf = "0000:3b:00.0", .index = 0, .path = VGPU_PATH_MDEV_PF };
	pci_addr_parse(t.bdf, &t.addr);
	add(&t, "GRID T4-4Q", "nvidia-232", 4, 4, false);
	add(&t, "GRID T4-4C", "nvidia-319", 4, 4, false);
	assert_int_equal(
	    plan("{\"vgpu-configs\":{\"default\":[{\"vgpu-devices\":{\"T4-4Q\":2,\"T4-4C\":2}}]}}", &t, 1, &p,
		 err, sizeof(err)),
	    0);
	assert_int_equal(p.n, 2);
	assert_int_equal(p.a[1].first, 2);
}

static void impossible_configs(void **state)
{
	struct vgpu_gpu g[2];
	struct vgpu_plan p;
	char err[256] = "";
	a100s(g, 2);
	assert_int_equal(plan("{\"vgpu-configs\":{\"default\":[{\"vgpu-devices\":{\"A100-10C\":5}}]}}", g, 2,
			      &p, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "exceeds its capacity of 4"));
	assert_int_equal(plan("{\"vgpu-configs\":{\"default\":[{\"vgpu-devices\":{\"A100-7C\":1}}]}}", g, 2,
			      &p, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "unknown vGPU type A100-7C"));
	assert_int_equal(plan("{\"vgpu-configs\":{\"default\":[{\"vgpu-devices\":{\"bogus\":1}}]}}", g, 2, &p,
			      err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "not a vGPU type name"));
	assert_int_equal(
	    plan("{\"vgpu-configs\":{\"default\":[{\"vgpu-devices\":{\"A100-10C\":1,\"A100-20C\":1}}]}}", g,
		 2, &p, err, sizeof(err)),
	    -EINVAL);
	assert_non_null(strstr(err, "mixed sizes on one GPU"));
	/* MIG-backed: sizes mix, within each type's count and 7 compute slices, never with time-sliced */
	assert_int_equal(plan("{\"vgpu-configs\":{\"default\":[{\"vgpu-devices\":{\"A100-1-5C\":7}}]}}", g, 2,
			      &p, err, sizeof(err)),
			 0);
	assert_int_equal(p.n, 2);
	assert_int_equal(p.a[1].count, 7);
	assert_int_equal(
	    plan("{\"vgpu-configs\":{\"default\":[{\"vgpu-devices\":{\"A100-3-20C\":1,\"A100-1-5C\":4}}]}}",
		 g, 2, &p, err, sizeof(err)),
	    0);
	assert_int_equal(plan("{\"vgpu-configs\":{\"default\":[{\"vgpu-devices\":{\"A100-1-5C\":8}}]}}", g, 2,
			      &p, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "8 x A100-1-5C exceeds its capacity of 7"));
	assert_int_equal(
	    plan("{\"vgpu-configs\":{\"default\":[{\"vgpu-devices\":{\"A100-3-20C\":2,\"A100-1-5C\":2}}]}}",
		 g, 2, &p, err, sizeof(err)),
	    -EINVAL);
	assert_non_null(strstr(err, "need 8 compute slices, the GPU has 7"));
	assert_int_equal(
	    plan("{\"vgpu-configs\":{\"default\":[{\"vgpu-devices\":{\"A100-1-5C\":1,\"A100-10C\":1}}]}}", g,
		 2, &p, err, sizeof(err)),
	    -EINVAL);
	assert_non_null(strstr(err, "A100-1-5C is MIG-backed, A100-10C time-sliced"));
	assert_int_equal(
	    plan("{\"vgpu-configs\":{\"default\":[{\"devices\":[5],\"vgpu-devices\":{\"A100-4C\":1}}]}}", g,
		 2, &p, err, sizeof(err)),
	    -EINVAL);
	assert_non_null(strstr(err, "matches no GPU"));
	assert_int_equal(plan("{\"vgpu-config\":\"nope\",\"vgpu-configs\":{\"default\":[{\"vgpu-devices\":{"
			      "\"A100-4C\":1}}]}}",
			      g, 2, &p, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "no such entry"));
	assert_int_equal(plan("{\"vgpu-configs\":{\"default\":[{\"vgpu-devices\":{\"A100-4C\":1}},"
			      "{\"devices\":[1],\"vgpu-devices\":{\"A100-4C\":1}}]}}",
			      g, 2, &p, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "named by"));
	/* fewer VFs than vGPUs */
	g[0].slots = 3;
	assert_int_equal(plan("{\"vgpu-configs\":{\"default\":[{\"vgpu-devices\":{\"A100-10C\":4}}]}}", g, 2,
			      &p, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "VFs"));
}

static void stable_uuids(void **state)
{
	char id1[128], id2[128], s1[UUID_STRLEN], s2[UUID_STRLEN];
	uint8_t u1[16], u2[16];
	vgpu_identity(id1, sizeof(id1), 1, 0x0123456789abcdefull, NULL, "0000:17:00.0");
	assert_string_equal(id1, "dsn:0123456789abcdef");
	vgpu_identity(id2, sizeof(id2), 0, 0, "4c4c4544-0042", "0000:17:00.0");
	assert_string_equal(id2, "dmi:4c4c4544-0042/pci:0000:17:00.0");
	vgpu_uuid(id1, "A100-10C", 0, u1);
	vgpu_uuid(id1, "NVIDIA A100-10C", 0, u2);
	assert_memory_equal(u1, u2, 16); /* prefix does not matter */
	uuid_format(u1, s1);
	assert_int_equal(s1[14], '5');
	vgpu_uuid(id1, "A100-10C", 1, u2);
	assert_memory_not_equal(u1, u2, 16);
	vgpu_uuid(id1, "A100-4C", 0, u2);
	assert_memory_not_equal(u1, u2, 16);
	vgpu_uuid(id2, "A100-10C", 0, u2);
	uuid_format(u2, s2);
	assert_string_not_equal(s1, s2);
	/* DSN capability found after another extended capability */
	uint8_t cfg[512] = { 0 };
	uint64_t dsn = 0;
	assert_int_equal(vgpu_dsn_from_config(cfg, sizeof(cfg), &dsn), -ENOENT);
	cfg[0x100] = 0x01; /* AER, next 0x140 */
	cfg[0x102] = 0x01;
	cfg[0x103] = 0x14;
	cfg[0x140] = 0x03;
	cfg[0x142] = 0x01;
	for (int i = 0; i < 8; i++)
		cfg[0x144 + i] = (uint8_t)(0x10 + i);
	assert_int_equal(vgpu_dsn_from_config(cfg, sizeof(cfg), &dsn), 0);
	assert_true(dsn == 0x1716151413121110ull);
}

/* sysfs serial_number (Linux 6.18+) and config space name the same DSN, so
 * the identity and every UUID stay what they were.  The config space is the
 * one recorded from a real H100 (fixtures/data/h100-sxm5.config). */
static void dsn_from_serial_number(void **state)
{
	uint8_t cfg[4096];
	FILE *f = fopen("fixtures/data/h100-sxm5.config", "rb");
	assert_non_null(f);
	assert_int_equal(fread(cfg, 1, sizeof(cfg), f), sizeof(cfg));
	fclose(f);
	uint64_t a = 0, b = 0;
	assert_int_equal(vgpu_dsn_from_config(cfg, sizeof(cfg), &a), 0);
	/* what pci-sysfs.c prints for it: put_unaligned_be64() then "%8phD" */
	assert_int_equal(vgpu_dsn_from_serial_number("55-4a-82-cf-0e-2d-b0-48\n", &b), 0);
	assert_true(a == b);
	assert_true(a == 0x554a82cf0e2db048ull);
	char i1[128], i2[128];
	vgpu_identity(i1, sizeof(i1), 1, a, NULL, "0000:18:00.0");
	vgpu_identity(i2, sizeof(i2), 1, b, NULL, "0000:18:00.0");
	assert_string_equal(i1, i2);
	assert_string_equal(i1, "dsn:554a82cf0e2db048");
	/* the serial_number the real 6.18.44 H100 guest printed (nvml-580.txt) */
	assert_int_equal(vgpu_dsn_from_serial_number("2f-86-0f-b5-7b-2d-b0-48\n", &b), 0);
	assert_true(b == 0x2f860fb57b2db048ull);
	assert_int_equal(vgpu_dsn_from_serial_number("2F-86-0F-B5-7B-2D-B0-48", &b), 0);
	/* anything else: not a DSN (the caller falls back to config space) */
	const char *bad[] = { "",
			      "\n",
			      "2f-86-0f-b5-7b-2d-b0",
			      "2f-86-0f-b5-7b-2d-b0-48-00",
			      "2f:86:0f:b5:7b:2d:b0:48",
			      "2f-86-0f-b5-7b-2d-b0-4g",
			      "00-00-00-00-00-00-00-00",
			      "2f860fb57b2db048" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(vgpu_dsn_from_serial_number(bad[i], &b), -EINVAL);
	assert_int_equal(vgpu_dsn_from_serial_number(NULL, &b), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(config_stores_rules), cmocka_unit_test(plans_all_gpus),
		cmocka_unit_test(mixed_config),	       cmocka_unit_test(impossible_configs),
		cmocka_unit_test(stable_uuids),	       cmocka_unit_test(dsn_from_serial_number),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
