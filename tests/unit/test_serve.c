// SPDX-License-Identifier: GPL-2.0-or-later
/* gpu-initd serve's pure parts: resource names and env names, health,
 * Allocate validation and response, the preferred allocation, the
 * kubevirt-config block; and discovery on a hand-made sysfs tree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "serve/allocate.h"
#include "node/config.h"
#include "dpapi.h"
#include "serve/health.h"
#include "serve/kubevirt.h"
#include "serve/resources.h"
#include "rootfs.h"
#include "serve/serve_report.h"

static struct sdev mkdev(enum sdev_kind k, const char *id, int group, int numa, const char *loc)
{
	struct sdev d = { .kind = k,
			  .group = group,
			  .numa = numa,
			  .group_node = true,
			  .vendor = 0x10de,
			  .device = 0x2330 };
	snprintf(d.id, sizeof(d.id), "%s", id);
	snprintf(d.driver, sizeof(d.driver), "%s", k == SDEV_PASSTHROUGH ? "vfio-pci" : "nvidia");
	snprintf(d.locality, sizeof(d.locality), "%s", loc);
	return d;
}

static void names(void **state)
{
	struct config c;
	char err[256];
	struct sdev d = mkdev(SDEV_PASSTHROUGH, "0000:18:00.0", 19, 0, "");
	assert_int_equal(resources_name(NULL, &d), 0);
	assert_string_equal(d.resource, "nvidia.com/GH100_H100_SXM5_80GB");
	struct sdev m = mkdev(SDEV_MDEV, "8e6f1c52-7d3a-4b7e-9c1d-2f3a4b5c6d01", 40, 0, "");
	snprintf(m.vgpu_type, sizeof(m.vgpu_type), "NVIDIA A100-1-5C");
	assert_int_equal(resources_name(NULL, &m), 0);
	assert_string_equal(m.resource, "nvidia.com/NVIDIA_A100-1-5C");
	snprintf(m.vgpu_type, sizeof(m.vgpu_type), "GRID  T4-4Q");
	assert_int_equal(resources_name(NULL, &m), 0);
	assert_string_equal(m.resource, "nvidia.com/GRID_T4-4Q");
	m.vgpu_type[0] = '\0';
	assert_int_equal(resources_name(NULL, &m), -ENOENT);
	/* kubelet's rule: the name must end in an alphanumeric */
	snprintf(m.vgpu_type, sizeof(m.vgpu_type), "NVIDIA A100-");
	assert_int_equal(resources_name(NULL, &m), -ENOENT);
	/* aliases: vendor:device, the short vGPU type name, "*" */
	const char *js =
	    "{\"resource-names\": {\"10de:2330\": \"example.com/h100\", \"A100-1-5C\": \"nvidia.com/mig-1g\","
	    " \"*\": \"nvidia.com/gpu\"}}";
	config_init(&c);
	assert_int_equal(config_parse(&c, js, strlen(js), err, sizeof(err)), 0);
	assert_int_equal(resources_name(&c, &d), 0);
	assert_string_equal(d.resource, "example.com/h100");
	snprintf(m.vgpu_type, sizeof(m.vgpu_type), "NVIDIA A100-1-5C");
	assert_int_equal(resources_name(&c, &m), 0);
	assert_string_equal(m.resource, "nvidia.com/mig-1g");
	snprintf(m.vgpu_type, sizeof(m.vgpu_type), "NVIDIA A100-4C");
	assert_int_equal(resources_name(&c, &m), 0);
	assert_string_equal(m.resource, "nvidia.com/gpu");
	/* pci.ids is wanted only by an NVIDIA function nothing else names */
	assert_false(resources_wants_pciids(NULL, &d));
	d.device = 0x1b38;
	assert_true(resources_wants_pciids(NULL, &d));
	assert_false(resources_wants_pciids(&c, &d)); /* "*" names it */
	assert_false(resources_wants_pciids(NULL, &m));
	/* a non-NVIDIA function gets no default name */
	d.vendor = 0x1234;
	d.device = 0x11e8;
	assert_int_equal(resources_name(NULL, &d), -ENOENT);
}

static void env_and_socket_names(void **state)
{
	char b[192];
	assert_true(resource_env_name("PCI_RESOURCE", "nvidia.com/GH100_H100_SXM5_80GB", b, sizeof(b)) > 0);
	assert_string_equal(b, "PCI_RESOURCE_NVIDIA_COM_GH100_H100_SXM5_80GB");
	assert_true(resource_env_name("MDEV_PCI_RESOURCE", "nvidia.com/NVIDIA_A100-1-5C", b, sizeof(b)) > 0);
	assert_string_equal(b, "MDEV_PCI_RESOURCE_NVIDIA_COM_NVIDIA_A100-1-5C");
	assert_int_equal(resource_env_name("PCI_RESOURCE", "nvidia.com/x", b, 10), -ENAMETOOLONG);
	assert_true(resource_socket_name("nvidia.com/gpu", b, sizeof(b)) > 0);
	assert_string_equal(b, "gpu-initd-nvidia.com_gpu.sock");
	char b2[192];
	assert_int_equal(
	    resource_socket_name("example.example.example.com/NVIDIA_H100XM-1-10C_with_a_long_tail", b,
				 sizeof(b)),
	    64);
	assert_int_equal(
	    resource_socket_name("example.example.example.com/NVIDIA_H100XM-1-10C_with_a_long_tall", b2,
				 sizeof(b2)),
	    64);
	assert_string_not_equal(b, b2);
	assert_int_equal(strncmp(b, "gpu-initd-example.example.example.com_NVIDIA_H", 46), 0);
	assert_string_equal(resource_env_prefix(SDEV_VF_VGPU), "PCI_RESOURCE");
	assert_string_equal(resource_env_prefix(SDEV_MDEV), "MDEV_PCI_RESOURCE");
}

static void health(void **state)
{
	struct sdev a = mkdev(SDEV_PASSTHROUGH, "0000:18:00.0", 19, 0, ""), b = a;
	assert_true(resource_dev_healthy(&a, &b));
	assert_false(resource_dev_healthy(&a, NULL));
	snprintf(b.driver, sizeof(b.driver), "nvidia");
	assert_false(resource_dev_healthy(&a, &b));
	b = a;
	b.group = 20;
	assert_false(resource_dev_healthy(&a, &b));
	b = a;
	b.group_node = false;
	assert_false(resource_dev_healthy(&a, &b));
	a.kind = b.kind = SDEV_VF_VGPU;
	a.vgpu_id = 1013;
	b = a;
	b.group_node = true;
	b.vgpu_id = 1014;
	assert_false(resource_dev_healthy(&a, &b));
}

/* 8 GPUs: 4 on NUMA 0 behind two switches, 4 on NUMA 1 with 9a/9b in one group. */
static struct pdev table8[8];
static struct ptable T = { .resource = "nvidia.com/GH100_H100_SXM5_80GB", .v = table8, .n = 8 };
static const char *ids8[8] = { "0000:18:00.0", "0000:2a:00.0", "0000:3a:00.0", "0000:5d:00.0",
			       "0000:9a:00.0", "0000:9b:00.0", "0000:ba:00.0", "0000:db:00.0" };

static int setup8(void **state)
{
	static const int groups[8] = { 19, 21, 23, 25, 28, 28, 30, 32 };
	static const char *loc[8] = { "sw0", "sw0", "sw1", "sw1", "sw2", "sw2", "sw3", "sw2" };
	for (int i = 0; i < 8; i++)
		table8[i] =
		    (struct pdev){ .d = mkdev(SDEV_PASSTHROUGH, ids8[i], groups[i], i < 4 ? 0 : 1, loc[i]),
				   .healthy = true };
	return 0;
}

static void validate(void **state)
{
	char msg[256];
	const char *one[] = { "0000:2a:00.0" };
	assert_int_equal(allocate_validate(&T, one, 1, msg, sizeof(msg)), 0);
	const char *unknown[] = { "0000:2a:00.0", "../../etc/passwd" };
	assert_int_equal(allocate_validate(&T, unknown, 2, msg, sizeof(msg)), -EINVAL);
	assert_non_null(
	    strstr(msg, "\"../../etc/passwd\" is not a device of nvidia.com/GH100_H100_SXM5_80GB"));
	const char *split[] = { "0000:9b:00.0" };
	assert_int_equal(allocate_validate(&T, split, 1, msg, sizeof(msg)), -EINVAL);
	assert_non_null(strstr(msg, "shares IOMMU group 28 with \"0000:9a:00.0\""));
	const char *pair[] = { "0000:9b:00.0", "0000:9a:00.0" };
	assert_int_equal(allocate_validate(&T, pair, 2, msg, sizeof(msg)), 0);
	const char *dup[] = { "0000:2a:00.0", "0000:2a:00.0" };
	assert_int_equal(allocate_validate(&T, dup, 2, msg, sizeof(msg)), -EINVAL);
	assert_int_equal(allocate_validate(&T, NULL, 0, msg, sizeof(msg)), -EINVAL);
	table8[6].healthy = false;
	const char *sick[] = { "0000:ba:00.0" };
	assert_int_equal(allocate_validate(&T, sick, 1, msg, sizeof(msg)), -EINVAL);
	assert_non_null(strstr(msg, "is not healthy"));
	/* an unhealthy sibling does not block its healthy partner */
	table8[5].healthy = false;
	const char *alone[] = { "0000:9a:00.0" };
	assert_int_equal(allocate_validate(&T, alone, 1, msg, sizeof(msg)), 0);
	char q[80], junk[200];
	memset(junk, 'x', sizeof(junk) - 1);
	junk[sizeof(junk) - 1] = '\0';
	junk[3] = '\n';
	allocate_quote_id(junk, q, sizeof(q));
	assert_int_equal(strlen(q), 67);
	assert_int_equal(q[3], '?');
}

/* Bounds before any work: containers and IDs in all up to the device count. */
static void bounds(void **state)
{
	char msg[256];
	assert_int_equal(allocate_bounds(&T, 1, 1, msg, sizeof(msg)), 0);
	assert_int_equal(allocate_bounds(&T, 8, 8, msg, sizeof(msg)), 0);
	assert_int_equal(allocate_bounds(&T, 0, 0, msg, sizeof(msg)), -EINVAL);
	assert_int_equal(allocate_bounds(&T, 9, 9, msg, sizeof(msg)), -EINVAL);
	assert_non_null(
	    strstr(msg, "9 container requests in one call, nvidia.com/GH100_H100_SXM5_80GB has 8"));
	assert_int_equal(allocate_bounds(&T, 260000, 260000, msg, sizeof(msg)), -EINVAL);
	assert_int_equal(allocate_bounds(&T, 2, 9, msg, sizeof(msg)), -EINVAL);
	assert_non_null(strstr(msg, "9 device IDs requested, nvidia.com/GH100_H100_SXM5_80GB has 8"));
}

static void fill(void **state)
{
	V1beta1__AllocateResponse *r;
	V1beta1__ContainerAllocateResponse *c;
	struct sdev a = mkdev(SDEV_PASSTHROUGH, "0000:9a:00.0", 28, 1, ""),
		    b = mkdev(SDEV_PASSTHROUGH, "0000:9b:00.0", 28, 1, "");
	snprintf(a.vfio_dev, sizeof(a.vfio_dev), "vfio0");
	snprintf(b.vfio_dev, sizeof(b.vfio_dev), "vfio1");
	const struct sdev *devs[] = { &b, &a };
	assert_int_equal(dpapi_allocate_response(&r), 0);
	assert_int_equal(dpapi_allocate_add_container(r, &c), 0);
	assert_int_equal(allocate_fill("nvidia.com/GH100_H100_SXM5_80GB", devs, 2, true, c), 0);
	assert_string_equal(dpapi_container_env(c, "PCI_RESOURCE_NVIDIA_COM_GH100_H100_SXM5_80GB"),
			    "0000:9b:00.0,0000:9a:00.0");
	assert_int_equal(c->n_envs, 1);
	const char *want[] = { "/dev/vfio/vfio", "/dev/vfio/28", "/dev/iommu", "/dev/vfio/devices/vfio1",
			       "/dev/vfio/devices/vfio0" };
	assert_int_equal(c->n_devices, 5);
	for (int i = 0; i < 5; i++) {
		assert_string_equal(c->devices[i]->container_path, want[i]);
		assert_string_equal(c->devices[i]->host_path, want[i]);
		assert_string_equal(c->devices[i]->permissions, "mrw");
	}
	dpapi_free(r);
	/* an alias mixing kinds: one env per prefix */
	struct sdev m = mkdev(SDEV_MDEV, "8e6f1c52-7d3a-4b7e-9c1d-2f3a4b5c6d01", 40, 0, "");
	const struct sdev *mixed[] = { &a, &m };
	assert_int_equal(dpapi_allocate_response(&r), 0);
	assert_int_equal(dpapi_allocate_add_container(r, &c), 0);
	assert_int_equal(allocate_fill("nvidia.com/gpu", mixed, 2, false, c), 0);
	assert_string_equal(dpapi_container_env(c, "PCI_RESOURCE_NVIDIA_COM_GPU"), "0000:9a:00.0");
	assert_string_equal(dpapi_container_env(c, "MDEV_PCI_RESOURCE_NVIDIA_COM_GPU"), m.id);
	assert_int_equal(c->n_devices, 3);
	dpapi_free(r);
}

static size_t pref(const char *const *avail, size_t na, const char *const *must, size_t nm, long size,
		   const char **out)
{
	return preferred_choose(&T, avail, na, must, nm, size, out);
}

static bool has(const char **out, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(out[i], id) == 0)
			return true;
	return false;
}

static void preferred(void **state)
{
	const char *out[32];
	size_t n = pref(ids8, 8, NULL, 0, 2, out);
	/* best fit: NUMA 0 and 1 both hold 2; same switch preferred */
	assert_int_equal(n, 2);
	assert_string_equal(T.v[0].d.locality, "sw0");
	const struct pdev *p0 = ptable_find(&T, out[0]), *p1 = ptable_find(&T, out[1]);
	assert_int_equal(p0->d.numa, p1->d.numa);
	assert_string_equal(p0->d.locality, p1->d.locality);
	/* must-include on NUMA 1: the rest from NUMA 1, groups whole, same switch first */
	const char *must[] = { "0000:db:00.0" };
	n = pref(ids8, 8, must, 1, 3, out);
	assert_int_equal(n, 3);
	assert_string_equal(out[0], "0000:db:00.0");
	assert_true(has(out, n, "0000:9a:00.0") && has(out, n, "0000:9b:00.0")); /* sw2, with db */
	/* a lone sibling in must-include brings its partner */
	const char *must9a[] = { "0000:9a:00.0" };
	n = pref(ids8, 8, must9a, 1, 2, out);
	assert_int_equal(n, 2);
	assert_true(has(out, n, "0000:9b:00.0"));
	/* size 1 from a group and a single: never split the group */
	const char *av[] = { "0000:9a:00.0", "0000:9b:00.0", "0000:ba:00.0" };
	n = pref(av, 3, NULL, 0, 1, out);
	assert_int_equal(n, 1);
	assert_string_equal(out[0], "0000:ba:00.0");
	/* 5 of 8: one NUMA node cannot hold it, take the fullest then the other */
	n = pref(ids8, 8, NULL, 0, 5, out);
	assert_int_equal(n, 5);
	/* odd shapes */
	assert_int_equal(pref(ids8, 8, NULL, 0, 0, out), 0);
	assert_int_equal(pref(ids8, 8, NULL, 0, -1, out), 0);
	assert_int_equal(pref(ids8, 8, NULL, 0, 1000, out), 8);
	const char *junk[] = { "", "nope", NULL, "0000:18:00.0", "0000:18:00.0" };
	n = pref(junk, 5, NULL, 0, 4, out);
	assert_int_equal(n, 1);
	assert_int_equal(pref(NULL, 0, must, 1, 4, out), 1);
	/* unhealthy devices are not preferred */
	table8[0].healthy = false;
	const char *two[] = { "0000:18:00.0", "0000:2a:00.0" };
	n = pref(two, 2, NULL, 0, 2, out);
	assert_int_equal(n, 1);
	assert_string_equal(out[0], "0000:2a:00.0");
}

static void kubevirt(void **state)
{
	struct sdev d[3] = { mkdev(SDEV_PASSTHROUGH, "0000:18:00.0", 19, 0, ""),
			     mkdev(SDEV_PASSTHROUGH, "0000:2a:00.0", 21, 0, ""),
			     mkdev(SDEV_MDEV, "8e6f1c52-7d3a-4b7e-9c1d-2f3a4b5c6d01", 40, 0, "") };
	snprintf(d[2].vgpu_type, sizeof(d[2].vgpu_type), "NVIDIA A100-1-5C");
	for (int i = 0; i < 3; i++)
		assert_int_equal(resources_name(NULL, &d[i]), 0);
	struct sdevs s = { .d = d, .n = 3 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	kubevirt_print(&s, f);
	fclose(f);
	assert_string_equal(buf, "permittedHostDevices:\n"
				 "  pciHostDevices:\n"
				 "  - pciVendorSelector: \"10DE:2330\"\n"
				 "    resourceName: \"nvidia.com/GH100_H100_SXM5_80GB\"\n"
				 "    externalResourceProvider: true\n"
				 "  mediatedDevices:\n"
				 "  - mdevNameSelector: \"NVIDIA A100-1-5C\"\n"
				 "    resourceName: \"nvidia.com/NVIDIA_A100-1-5C\"\n"
				 "    externalResourceProvider: true\n");
	free(buf);
}

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
	assert_int_equal(discover_scan(rootfd, root, NULL, NULL, &s), 0);
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
	assert_int_equal(discover_scan(rootfd, root, NULL, NULL, &s), 0);
	assert_string_equal(s.d[0].id, "0000:02:00.4"); /* 01:00.0 lost its driver above */
	assert_string_equal(s.d[0].vgpu_type, "");
	sdevs_free(&s);
	mk(root, "usr/share/nvidia/vgpu/vgpuConfig.xml",
	   "<vgpuconfig><vgpuType id=\"1097\" name=\"NVIDIA H100XM-40C\" class=\"Compute\"/></vgpuconfig>\n");
	assert_int_equal(discover_scan(rootfd, root, NULL, NULL, &s), 0);
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

static void report(void **state)
{
	struct sdev d[1] = { mkdev(SDEV_PASSTHROUGH, "0000:18:00.0", 19, 0, "") };
	assert_int_equal(resources_name(NULL, &d[0]), 0);
	struct sdevs s = { .d = d, .n = 1 };
	const char *js =
	    "{\"pid\":7,\"kubelet_present\":true,\"resources\":[{\"resource\":"
	    "\"nvidia.com/GH100_H100_SXM5_80GB\",\"registered\":true,\"streams\":1,\"capacity\":2,"
	    "\"allocatable\":1,\"allocations\":3,\"last_allocation\":\"0000:18:00.0\",\"devices\":["
	    "{\"id\":\"0000:18:00.0\",\"kind\":\"passthrough\",\"health\":\"Healthy\"},"
	    "{\"id\":\"0000:ba:00.0\",\"kind\":\"passthrough\",\"health\":\"Unhealthy\"}]}]}";
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_int_equal(serve_report_print(&s, js, f), 0);
	fclose(f);
	assert_non_null(strstr(buf, "vfio-pci          19    0 Healthy\n"));
	assert_non_null(strstr(buf, "0000:ba:00.0"));
	assert_non_null(strstr(buf, "(gone)"));
	assert_non_null(strstr(buf, "serve: pid 7, kubelet.sock present\n"));
	assert_non_null(strstr(buf, "yes              1        2           1           3 0000:18:00.0\n"));
	free(buf);
	f = open_memstream(&buf, &len);
	assert_int_equal(serve_report_print(&s, "{not json", f), -EINVAL);
	fclose(f);
	assert_non_null(strstr(buf, "unreadable"));
	free(buf);
	f = open_memstream(&buf, &len);
	assert_int_equal(serve_report_print(&s, NULL, f), 0);
	fclose(f);
	assert_non_null(strstr(buf, "serve: not running"));
	free(buf);
}

/* uevents into a burst: PCI functions by name, vfio group nodes by number,
 * anything else (or too many) a full rescan; nothing is lost. */
static void uevent_burst(void **state)
{
	struct health_burst b = { .npci = 0 };
	health_burst_add(&b, "pci", "0000:18:00.0");
	health_burst_add(&b, "vfio", "19");
	assert_int_equal(b.npci, 1);
	assert_string_equal(b.pci[0], "0000:18:00.0");
	assert_int_equal(b.nvfio, 1);
	assert_int_equal(b.vfio_groups[0], 19);
	assert_false(b.full);
	health_burst_add(&b, "vfio", "vfio"); /* /dev/vfio/vfio */
	assert_true(b.full);
	b = (struct health_burst){ .npci = 0 };
	health_burst_add(&b, "vfio", "123456789"); /* too long for a group number */
	assert_true(b.full);
	b = (struct health_burst){ .npci = 0 };
	health_burst_add(&b, "mdev", "8e6f1c52-7d3a-4b7e-9c1d-2f3a4b5c6d01");
	assert_true(b.full);
	b = (struct health_burst){ .npci = 0 };
	health_burst_add(&b, NULL, "0000:18:00.0");
	assert_true(b.full);
	b = (struct health_burst){ .npci = 0 };
	health_burst_add(&b, "pci", "0000:18:00.0-a-name-longer-than-32-bytes");
	assert_true(b.full);
	b = (struct health_burst){ .npci = 0 };
	for (int i = 0; i < HEALTH_MAX_NAMES; i++)
		health_burst_add(&b, "pci", "0000:18:00.0");
	assert_false(b.full);
	health_burst_add(&b, "pci", "0000:2a:00.0");
	assert_int_equal(b.npci, HEALTH_MAX_NAMES);
	assert_true(b.full);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names),
		cmocka_unit_test(env_and_socket_names),
		cmocka_unit_test(health),
		cmocka_unit_test_setup(validate, setup8),
		cmocka_unit_test_setup(bounds, setup8),
		cmocka_unit_test(fill),
		cmocka_unit_test_setup(preferred, setup8),
		cmocka_unit_test(kubevirt),
		cmocka_unit_test(discovery),
		cmocka_unit_test(report),
		cmocka_unit_test(uevent_burst),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
