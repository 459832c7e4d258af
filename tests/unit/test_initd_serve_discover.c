// SPDX-License-Identifier: GPL-2.0-or-later
/* initd/serve/discover.c: discovery on a hand-made sysfs tree, and the
 * validity of the names it reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "initd_serve_fixture.h"
#include "rootfs.h"
#include "serve/discover.h"
#include "serve/resources.h"

/* discovery on a hand-made tree: a vfio-pci GPU, its audio function, a VF
 * with a vGPU (named from a sibling's list), an mdev */
static char tmpl[] = "/tmp/test-serve-XXXXXX";

static void mk(const char *root, const char *path, const char *content)
{
	char p[512], cmd[600];
	snprintf(p, sizeof(p), "%s/%s", root, path);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", p);
	assert_int_equal(system(cmd), 0);
	if (content) {
		FILE *f = fopen(p, "w");
		assert_non_null(f);
		fputs(content, f);
		fclose(f);
	}
}

static void ln(const char *root, const char *target, const char *path)
{
	char p[512];
	mk(root, path, NULL);
	snprintf(p, sizeof(p), "%s/%s", root, path);
	assert_int_equal(symlink(target, p), 0);
}

static void pcidev(const char *root, const char *bdf, const char *id, const char *cls, const char *drv,
		   int group, int numa)
{
	char p[256], v[32];
	snprintf(p, sizeof(p), "sys/devices/pci0000:00/0000:00:01.0/%s", bdf);
	mk(root, p, NULL);
	char link[300];
	snprintf(link, sizeof(link), "../../../devices/pci0000:00/0000:00:01.0/%s", bdf);
	snprintf(p, sizeof(p), "sys/bus/pci/devices/%s", bdf);
	ln(root, link, p);
	snprintf(p, sizeof(p), "sys/devices/pci0000:00/0000:00:01.0/%s/vendor", bdf);
	snprintf(v, sizeof(v), "0x%.4s\n", id);
	mk(root, p, v);
	snprintf(p, sizeof(p), "sys/devices/pci0000:00/0000:00:01.0/%s/device", bdf);
	snprintf(v, sizeof(v), "0x%.4s\n", id + 5);
	mk(root, p, v);
	snprintf(p, sizeof(p), "sys/devices/pci0000:00/0000:00:01.0/%s/class", bdf);
	mk(root, p, cls);
	snprintf(p, sizeof(p), "sys/devices/pci0000:00/0000:00:01.0/%s/numa_node", bdf);
	snprintf(v, sizeof(v), "%d\n", numa);
	mk(root, p, v);
	if (drv) {
		snprintf(p, sizeof(p), "sys/devices/pci0000:00/0000:00:01.0/%s/driver", bdf);
		snprintf(link, sizeof(link), "../../../../bus/pci/drivers/%s", drv);
		ln(root, link, p);
	}
	snprintf(p, sizeof(p), "sys/devices/pci0000:00/0000:00:01.0/%s/iommu_group", bdf);
	snprintf(link, sizeof(link), "../../../../kernel/iommu_groups/%d", group);
	ln(root, link, p);
	snprintf(p, sizeof(p), "dev/vfio/%d", group);
	mk(root, p, "");
}

static void discovery(void **state)
{
	char *root = mkdtemp(tmpl);
	assert_non_null(root);
	pcidev(root, "0000:01:00.0", "10de:2330", "0x030200\n", "vfio-pci", 19, 0);
	pcidev(root, "0000:01:00.1", "10de:22bc", "0x040300\n", "vfio-pci", 19,
	       0); /* audio companion: not advertised */
	pcidev(root, "0000:02:00.0", "10de:2330", "0x030200\n", "nvidia", 20,
	       1); /* PF on nvidia: not advertised */
	pcidev(root, "0000:02:00.4", "10de:2330", "0x030200\n", "nvidia", 21, 1);
	pcidev(root, "0000:02:00.5", "10de:2330", "0x030200\n", "nvidia", 22, 1);
	ln(root, "../0000:02:00.0", "sys/devices/pci0000:00/0000:00:01.0/0000:02:00.4/physfn");
	ln(root, "../0000:02:00.0", "sys/devices/pci0000:00/0000:00:01.0/0000:02:00.5/physfn");
	mk(root, "sys/devices/pci0000:00/0000:00:01.0/0000:02:00.4/nvidia/current_vgpu_type", "1099\n");
	mk(root, "sys/devices/pci0000:00/0000:00:01.0/0000:02:00.4/nvidia/creatable_vgpu_types", "");
	mk(root, "sys/devices/pci0000:00/0000:00:01.0/0000:02:00.5/nvidia/current_vgpu_type", "0\n");
	mk(root, "sys/devices/pci0000:00/0000:00:01.0/0000:02:00.5/nvidia/creatable_vgpu_types",
	   "1098 : NVIDIA H100XM-20C\n1099 : NVIDIA H100XM-10C\n");
	const char *u = "8e6f1c52-7d3a-4b7e-9c1d-2f3a4b5c6d01";
	char p[256], l[256];
	snprintf(p, sizeof(p), "sys/devices/pci0000:00/0000:00:01.0/0000:02:00.5/%s/mdev_type/name", u);
	mk(root, p, "NVIDIA H100XM-10C\n");
	snprintf(p, sizeof(p), "sys/bus/mdev/devices/%s", u);
	snprintf(l, sizeof(l), "../../../devices/pci0000:00/0000:00:01.0/0000:02:00.5/%s", u);
	ln(root, l, p);
	snprintf(p, sizeof(p), "sys/devices/pci0000:00/0000:00:01.0/0000:02:00.5/%s/iommu_group", u);
	ln(root, "../../../../../kernel/iommu_groups/40", p);
	ln(root, "x", "sys/bus/mdev/devices/not-a-uuid");
	/* iommufd: the vfio cdev of the passthrough GPU */
	mk(root, "sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/vfio-dev/vfio3/dev", "511:3\n");

	int rootfd = rootfs_open(root);
	assert_true(rootfd >= 0);
	struct sdevs s;
	assert_int_equal(discover_scan(rootfd, root, NULL, NULL, NULL, &s), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.d[0].id, "0000:01:00.0");
	assert_int_equal(s.d[0].kind, SDEV_PASSTHROUGH);
	assert_int_equal(s.d[0].group, 19);
	assert_true(s.d[0].group_node);
	assert_string_equal(s.d[1].id, "0000:02:00.4");
	assert_int_equal(s.d[1].kind, SDEV_VF_VGPU);
	assert_string_equal(s.d[1].vgpu_type, "NVIDIA H100XM-10C"); /* from the sibling's list */
	assert_string_equal(s.d[1].parent, "0000:02:00.0");
	assert_int_equal(s.d[1].numa, 1);
	assert_string_equal(s.d[2].id, u);
	assert_int_equal(s.d[2].kind, SDEV_MDEV);
	assert_string_equal(s.d[2].parent, "0000:02:00.5");
	assert_int_equal(s.d[2].group, 40);
	assert_false(s.d[2].group_node);
	assert_string_equal(s.d[0].locality, s.d[1].locality);
	/* recheck: same place; then the driver changes */
	assert_string_equal(s.d[0].vfio_dev, "vfio3");
	struct sdev now;
	assert_int_equal(discover_recheck(rootfd, &s.d[0], false, &now), 0);
	assert_true(resource_dev_healthy(&s.d[0], &now));
	assert_string_equal(now.vfio_dev, "");
	assert_int_equal(discover_recheck(rootfd, &s.d[0], true, &now), 0);
	assert_string_equal(now.vfio_dev, "vfio3");
	snprintf(p, sizeof(p), "%s/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0/driver", root);
	unlink(p);
	assert_int_equal(discover_recheck(rootfd, &s.d[0], false, &now), 0);
	assert_false(resource_dev_healthy(&s.d[0], &now));
	struct sdev bad = s.d[0];
	snprintf(bad.id, sizeof(bad.id), "../../../etc");
	assert_int_equal(discover_recheck(rootfd, &bad, false, &now), -EINVAL);
	sdevs_free(&s);
	/* a type no VF lists any more is named from the vGPU manager's catalog */
	mk(root, "sys/devices/pci0000:00/0000:00:01.0/0000:02:00.4/nvidia/current_vgpu_type", "1097\n");
	assert_int_equal(discover_scan(rootfd, root, NULL, NULL, NULL, &s), 0);
	assert_string_equal(s.d[0].id, "0000:02:00.4"); /* 01:00.0 lost its driver above */
	assert_string_equal(s.d[0].vgpu_type, "");
	sdevs_free(&s);
	mk(root, "usr/share/nvidia/vgpu/vgpuConfig.xml",
	   "<vgpuconfig><vgpuType id=\"1097\" name=\"NVIDIA H100XM-40C\" class=\"Compute\"/></vgpuconfig>\n");
	assert_int_equal(discover_scan(rootfd, root, NULL, NULL, NULL, &s), 0);
	assert_string_equal(s.d[0].vgpu_type, "NVIDIA H100XM-40C");
	sdevs_free(&s);
	close(rootfd);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
	assert_true(discover_valid_uuid(u));
	assert_false(discover_valid_uuid("8e6f1c52-7d3a-4b7e-9c1d-2f3a4b5c6d0"));
	assert_false(discover_valid_bdf("0000:1:00.0"));
	assert_false(discover_valid_bdf("0000:01:00.0/.."));
	assert_true(discover_valid_bdf("0000:01:00.0"));
	assert_true(discover_valid_bdf("ffff:ff:1f.7"));
	assert_false(discover_valid_bdf("0000:01:20.0")); /* device > 0x1f */
	assert_false(discover_valid_bdf("0000:01:00.8")); /* function > 7 */
	assert_false(discover_valid_bdf("0000:0A:00.0")); /* not canonical */
	assert_false(discover_valid_bdf("0000:01:00"));
	assert_false(discover_valid_bdf("0000:01:00.0\n"));
	assert_false(discover_valid_bdf("01:00.0"));
	assert_false(discover_valid_bdf(""));
	assert_false(discover_valid_bdf(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(discovery),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
