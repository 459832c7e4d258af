// SPDX-License-Identifier: GPL-2.0-or-later
/* Model provenance: docs/nvidia-model.md, "SR-IOV", "vGPU". */
/* simfs's SR-IOV, mdev and vendor-specific VFIO rules (docs/design.md sections
 * 6 and 7), through core.c without mounting anything. */
#include "simfs_harness.h"

#include <fcntl.h>

static int setup_a100(void **state)
{
	load("fixtures/a100-pcie-8x.json");
	return 0;
}

static int setup_t4(void **state)
{
	load("fixtures/t4-4x.json");
	return 0;
}

/* uevents the model emits, as "action devpath subsystem" lines */
static char events[16384];
static void record(void *ctx, const char *action, const char *devpath, const char *subsystem,
		   const char *const *env)
{
	size_t o = strlen(events);
	snprintf(events + o, sizeof(events) - o, "%s %s %s\n", action, devpath, subsystem);
}

static bool give_up(void *ctx)
{
	return true;
}

static void capacity_rules(void **state)
{
	const struct vgpu_model *a100 = vgpu_model_find(0x20f1);
	assert_non_null(a100);
	const struct vgpu_type *t10 = NULL, *t20 = NULL, *mig = NULL;
	for (int i = 0; i < a100->ntypes; i++) {
		if (strcmp(a100->types[i].name, "A100-10C") == 0)
			t10 = &a100->types[i];
		if (strcmp(a100->types[i].name, "A100-20C") == 0)
			t20 = &a100->types[i];
		if (strcmp(a100->types[i].name, "A100-1-5C") == 0)
			mig = &a100->types[i];
	}
	assert_int_equal(vgpu_capacity(t10, 0, 0), 4);
	assert_int_equal(vgpu_capacity(t10, 3, 10), 1);
	assert_int_equal(vgpu_capacity(t10, 4, 10), 0);
	assert_int_equal(vgpu_capacity(t20, 1, 10), 0); /* equal-size rule */
	assert_int_equal(vgpu_capacity(mig, 0, 0), 0);	/* needs a GPU instance */
	assert_null(vgpu_model_find(0x22a3));		/* NVSwitch: no vGPU */
	assert_int_equal(vgpu_type_by_vfio_id(vgpu_model_find(0x2330), 1013)->fb_gb, 10);
}

#define PF "/sys/bus/pci/devices/0000:18:00.0/"

static void numvfs_rules(void **state)
{
	assert_string_equal(rd(PF "sriov_totalvfs"), "32\n");
	assert_int_equal(wr(PF "sriov_numvfs", "33"), -ERANGE);
	assert_int_equal(wr(PF "sriov_numvfs", "70000"), -ERANGE);
	assert_int_equal(wr(PF "sriov_numvfs", "-1"), -EINVAL);
	assert_int_equal(wr(PF "sriov_numvfs", "0"), 1);       /* same value: no-op */
	assert_int_equal(wr(PF "sriov_numvfs", "4"), -ENOENT); /* nvidia: no sriov_configure */
	wr("/sys/bus/pci/drivers/nvidia/unbind", "0000:18:00.0");
	assert_int_equal(wr(PF "sriov_numvfs", "4"), -ENOENT); /* no driver */
	wr("/.simfs/control", "modprobe pci_pf_stub");
	wr(PF "driver_override", "pci-pf-stub");
	wr("/sys/bus/pci/drivers_probe", "0000:18:00.0");
	m->uevent = record;
	events[0] = '\0';
	assert_int_equal(wr(PF "sriov_numvfs", "0x4\n"), 4);
	assert_int_equal(wr(PF "sriov_numvfs", "2"), -EBUSY);
	assert_int_equal(wr(PF "sriov_numvfs", "4"), 1);
	/* VFs at devfn + offset + stride * i, with links and own groups */
	assert_string_equal(link_of(PF "virtfn3"), "../0000:18:00.7");
	assert_string_equal(link_of("/sys/bus/pci/devices/0000:18:00.7/physfn"), "../0000:18:00.0");
	assert_string_equal(rd("/sys/bus/pci/devices/0000:18:00.7/numa_node"), "0\n");
	assert_non_null(strstr(events, "add /devices/pci0000:17/0000:17:01.0/0000:18:00.4 pci\n"));
	/* the lowest free group numbers, as the kernel allocates them */
	assert_string_equal(link_of("/sys/bus/pci/devices/0000:18:00.4/iommu_group"),
			    "../../../../kernel/iommu_groups/0");
	/* autoprobe 1: nvidia took the VFs; vfio-pci refuses the PF now */
	assert_string_equal(link_of("/sys/bus/pci/devices/0000:18:00.4/driver"),
			    "../../../../bus/pci/drivers/nvidia");
	wr("/.simfs/control", "modprobe vfio_pci");
	wr(PF "driver_override", "vfio-pci");
	wr("/sys/bus/pci/drivers/pci-pf-stub/unbind", "0000:18:00.0");
	assert_int_equal(wr("/sys/bus/pci/drivers/vfio-pci/bind", "0000:18:00.0"), -EBUSY);
	/* the config space tells the same story */
	unsigned char c[4096];
	assert_int_equal(simfs_read(&sf, canon(PF "config"), (char *)c, sizeof(c), 0, true), 4096);
	assert_int_equal(c[0x134 + 0x10], 4);	  /* NumVFs */
	assert_int_equal(c[0x134 + 0x08] & 1, 1); /* VF Enable */
	/* disable: back on pci-pf-stub, every VF leaves with remove events */
	wr(PF "driver_override", "pci-pf-stub");
	wr("/sys/bus/pci/drivers_probe", "0000:18:00.0");
	events[0] = '\0';
	assert_int_equal(wr(PF "sriov_numvfs", "0"), 1);
	/* VF 0 first (drivers/pci/iov.c sriov_del_vfs) */
	assert_non_null(strstr(events, "unbind /devices/pci0000:17/0000:17:01.0/0000:18:00.4 pci\n"
				       "remove /devices/pci0000:17/0000:17:01.0/0000:18:00.4 pci\n"));
	assert_false(exists("/sys/bus/pci/devices/0000:18:00.4"));
	assert_false(exists(PF "virtfn0"));
	assert_false(exists("/sys/kernel/iommu_groups/0"));
	m->uevent = NULL;
}

static void autoprobe_off_needs_override(void **state)
{
	wr("/.simfs/control", "modprobe pci_pf_stub");
	wr(PF "driver_override", "pci-pf-stub");
	wr("/sys/bus/pci/drivers/nvidia/unbind", "0000:18:00.0");
	wr("/sys/bus/pci/drivers_probe", "0000:18:00.0");
	assert_int_equal(wr(PF "sriov_drivers_autoprobe", "off"), 3);
	assert_string_equal(rd(PF "sriov_drivers_autoprobe"), "0\n");
	assert_int_equal(wr(PF "sriov_drivers_autoprobe", "x"), -EINVAL);
	assert_int_equal(wr(PF "sriov_numvfs", "2"), 1);
	assert_string_equal(link_of("/sys/bus/pci/devices/0000:18:00.4/driver"), "<none>");
	assert_int_equal(wr("/sys/bus/pci/drivers/nvidia/bind", "0000:18:00.4"), -ENODEV);
	assert_int_equal(wr("/sys/bus/pci/drivers_probe", "0000:18:00.4"), 12); /* succeeds, binds nothing */
	assert_string_equal(link_of("/sys/bus/pci/devices/0000:18:00.4/driver"), "<none>");
	wr("/sys/bus/pci/devices/0000:18:00.4/driver_override", "nvidia");
	assert_int_equal(wr("/sys/bus/pci/drivers_probe", "0000:18:00.4"), 12);
	assert_string_equal(link_of("/sys/bus/pci/devices/0000:18:00.4/driver"),
			    "../../../../bus/pci/drivers/nvidia");
	/* vendor-specific VFIO files come with nvidia on a VF */
	assert_true(exists("/sys/bus/pci/devices/0000:18:00.4/nvidia/creatable_vgpu_types"));
	assert_false(exists("/sys/bus/pci/devices/0000:18:00.5/nvidia"));
}

/* NVIDIA's vGPU-KVM nvidia-vgpu-vfio (525.85.07, vgpu-vfio-pci-core.c):
 * a VF is a VFIO device from the bind; the files' formats and errnos. */
static void vendor_vfio_rules(void **state)
{
	wr("/.simfs/control", "modprobe pci_pf_stub");
	wr(PF "driver_override", "pci-pf-stub");
	wr("/sys/bus/pci/drivers/nvidia/unbind", "0000:18:00.0");
	wr("/sys/bus/pci/drivers_probe", "0000:18:00.0");
	wr(PF "sriov_numvfs", "32");
	const char *v0 = "/sys/bus/pci/devices/0000:18:00.4/nvidia/current_vgpu_type";
	const char *c0 = "/sys/bus/pci/devices/0000:18:00.4/nvidia/creatable_vgpu_types";
	/* registered with VFIO at bind, before any type: group node, vfio-dev/ */
	const char *g = link_of("/sys/bus/pci/devices/0000:18:00.4/iommu_group");
	char node[64];
	snprintf(node, sizeof(node), "/dev/vfio/%s", strrchr(g, '/') + 1);
	assert_true(exists(node));
	assert_true(exists("/sys/bus/pci/devices/0000:18:00.4/vfio-dev/vfio0"));
	assert_true(exists("/sys/bus/pci/devices/0000:18:00.5/vfio-dev/vfio1"));
	assert_string_equal(link_of("/sys/class/vfio-dev/vfio0"),
			    "../../devices/pci0000:17/0000:17:01.0/0000:18:00.4/vfio-dev/vfio0");
	/* header, then "%-5d : NAME" */
	assert_memory_equal(rd(c0), "ID    : vGPU Name\n", 18);
	assert_non_null(strstr(rd(c0), "\n1016  : NVIDIA H100XM-80C\n"));
	assert_string_equal(rd(v0), "0\n");
	assert_int_equal(wr(v0, "abc"), -EINVAL);
	assert_int_equal(wr(v0, "12x"), -EINVAL);
	assert_int_equal(wr(v0, "99999999999999999999"), -ERANGE);
	assert_int_equal(wr(v0, "0"), -EPERM); /* nothing to delete */
	assert_int_equal(wr(v0, "999"), -EIO); /* RM: no such type */
	assert_int_equal(wr(v0, "-5"), -EIO);
	assert_int_equal(wr(v0, "1003"), -EIO); /* MIG-backed: no GPU instance */
	assert_int_equal(wr(v0, "1016\n"), 5);
	assert_string_equal(rd(v0), "1016\n");
	assert_int_equal(wr(v0, "1016"), -EPERM); /* one already set */
	assert_int_equal(wr(v0, "1013"), -EPERM);
	assert_string_equal(rd("/sys/bus/pci/devices/0000:18:00.5/nvidia/creatable_vgpu_types"),
			    "ID    : vGPU Name\n");
	assert_int_equal(wr("/sys/bus/pci/devices/0000:18:00.5/nvidia/current_vgpu_type", "1013"), -EIO);
	assert_int_equal(m->stats.creates, 33); /* 32 VFs, 1 vGPU */
	/* a VM holding the vGPU: deleting it is refused (usage_count) */
	assert_int_equal(simfs_open(&sf, node, O_RDWR), 0);
	assert_int_equal(simfs_open(&sf, node, O_RDWR), -EBUSY); /* the group node is exclusive */
	assert_int_equal(wr(v0, "0"), -EPERM);
	/* disabling the VFs blocks while the VM has one (the writer gives up) */
	assert_int_equal(wr(PF "driver_override", "pci-pf-stub"), 11);
	assert_int_equal(simfs_write(&sf, canon(PF "sriov_numvfs"), "0", 1, 0, true, give_up, NULL), -EINTR);
	assert_string_equal(rd(PF "sriov_numvfs"), "32\n");
	simfs_release(&sf, node);
	assert_int_equal(wr(v0, "0"), 1);
	assert_true(exists(node)); /* the VF is still a VFIO device */
	assert_int_equal(wr(v0, "0"), -EPERM);
	assert_non_null(strstr(rd(c0), "\n1013  : NVIDIA H100XM-10C\n"));
	/* unbinding the VF unregisters it: node and vfio-dev/ go */
	assert_int_equal(wr("/sys/bus/pci/drivers/nvidia/unbind", "0000:18:00.4"), 12);
	assert_false(exists(node));
	assert_false(exists("/sys/bus/pci/devices/0000:18:00.4/vfio-dev"));
	assert_false(exists("/sys/class/vfio-dev/vfio0"));
	assert_true(exists("/sys/class/vfio-dev/vfio1"));
}

static void mdev_rules(void **state)
{
	const char *t = "/sys/bus/pci/devices/0000:3b:00.0/mdev_supported_types/nvidia-232/";
	char path[256];
	snprintf(path, sizeof(path), "%screate", t);
	assert_int_equal(wr(path, "8e6f1c52-7d3a-4b7e-9c1d-2f3a4b5c6d0"), -EINVAL);   /* 35 bytes */
	assert_int_equal(wr(path, "8e6f1c52-7d3a-4b7e-9c1d-2f3a4b5c6d011"), -EINVAL); /* 37, no newline */
	assert_int_equal(wr(path, "8e6f1c52+7d3a-4b7e-9c1d-2f3a4b5c6d01"), -EINVAL);
	m->uevent = record;
	events[0] = '\0';
	assert_int_equal(wr(path, "8E6F1C52-7D3A-4B7E-9C1D-2F3A4B5C6D01\n"), 37);
	assert_int_equal(wr(path, "8e6f1c52-7d3a-4b7e-9c1d-2f3a4b5c6d01"), -EEXIST); /* case-insensitive */
	const char *dev = "/sys/bus/mdev/devices/8e6f1c52-7d3a-4b7e-9c1d-2f3a4b5c6d01";
	assert_true(exists(dev));
	snprintf(path, sizeof(path), "%s/mdev_type", dev);
	assert_string_equal(link_of(path), "../mdev_supported_types/nvidia-232");
	assert_string_equal(
	    link_of(dev),
	    "../../../devices/pci0000:3a/0000:3a:00.0/0000:3b:00.0/8e6f1c52-7d3a-4b7e-9c1d-2f3a4b5c6d01");
	assert_non_null(strstr(
	    events,
	    "add /devices/pci0000:3a/0000:3a:00.0/0000:3b:00.0/8e6f1c52-7d3a-4b7e-9c1d-2f3a4b5c6d01 mdev\n"));
	snprintf(path, sizeof(path), "%savailable_instances", t);
	assert_string_equal(rd(path), "3\n");
	assert_string_equal(
	    rd("/sys/bus/pci/devices/0000:3b:00.0/mdev_supported_types/nvidia-231/available_instances"),
	    "0\n");
	assert_string_equal(
	    rd("/sys/bus/pci/devices/0000:5e:00.0/mdev_supported_types/nvidia-231/available_instances"),
	    "8\n");
	/* the parent's driver cannot go while an mdev is open */
	snprintf(path, sizeof(path), "%s/iommu_group", dev);
	char node[64];
	snprintf(node, sizeof(node), "/dev/vfio/%s", strrchr(link_of(path), '/') + 1);
	assert_int_equal(simfs_open(&sf, node, O_RDWR), 0);
	snprintf(path, sizeof(path), "%s/remove", dev);
	assert_int_equal(wr(path, "1"), -EBUSY);
	assert_int_equal(wr("/.simfs/control", "rmmod nvidia"), -EBUSY);
	simfs_release(&sf, node);
	assert_int_equal(wr(path, "0"), -EINVAL);
	events[0] = '\0';
	assert_int_equal(wr(path, "1"), 1);
	assert_non_null(strstr(
	    events,
	    "remove /devices/pci0000:3a/0000:3a:00.0/0000:3b:00.0/8e6f1c52-7d3a-4b7e-9c1d-2f3a4b5c6d01 "
	    "mdev\n"));
	assert_false(exists(dev));
	assert_false(exists(node));
	m->uevent = NULL;
	/* unbinding the parent removes its mdevs and types */
	snprintf(path, sizeof(path), "%screate", t);
	assert_int_equal(wr(path, "8e6f1c52-7d3a-4b7e-9c1d-2f3a4b5c6d02"), 36);
	assert_int_equal(wr("/sys/bus/pci/drivers/nvidia/unbind", "0000:3b:00.0"), 12);
	assert_false(exists("/sys/bus/mdev/devices/8e6f1c52-7d3a-4b7e-9c1d-2f3a4b5c6d02"));
	assert_false(exists("/sys/class/mdev_bus/0000:3b:00.0"));
	assert_string_equal(rd(t), "<No such file or directory>");
}

static void mdev_on_vfs(void **state)
{
	const char *t = "/sys/bus/pci/devices/0000:17:00.4/mdev_supported_types/";
	char p[256];
	assert_false(exists("/sys/bus/pci/devices/0000:17:00.0/mdev_supported_types"));
	snprintf(p, sizeof(p), "%snvidia-478/available_instances", t);
	assert_string_equal(rd(p), "0\n"); /* A100-7-40C: MIG-backed */
	snprintf(p, sizeof(p), "%snvidia-473/create", t);
	assert_int_equal(wr(p, "11111111-2222-3333-4444-555555555555"), 36); /* A100-40C fills the GPU */
	snprintf(p, sizeof(p), "%snvidia-473/available_instances", t);
	assert_string_equal(rd(p), "0\n");
	assert_string_equal(
	    rd("/sys/bus/pci/devices/0000:17:00.5/mdev_supported_types/nvidia-468/available_instances"),
	    "0\n");
	assert_string_equal(
	    rd("/sys/bus/pci/devices/0000:31:00.5/mdev_supported_types/nvidia-468/available_instances"),
	    "1\n");
	/* 8 GPUs x 16 VFs, each VF an mdev parent */
	assert_int_equal(tree_count_children(tree_lookup(m->root, "sys/class/mdev_bus")), 128);
	assert_string_equal(rd("/sys/bus/pci/devices/0000:17:00.0/sriov_numvfs"), "16\n");
}

/* sysfs serial_number: from Linux 6.18 (drivers/pci/pci-sysfs.c), only on
 * devices with a DSN, root only, "%8phD" of the big-endian DSN. */
static void serial_number_from_6_18(void **state)
{
	const char *gpu = "/sys/bus/pci/devices/0000:18:00.0/serial_number";
	load("fixtures/h100-hgx-8x.json"); /* 6.1: none */
	assert_false(exists(gpu));
	teardown(state);
	static char js[1 << 20];
	FILE *f = fopen("fixtures/h100-hgx-8x.json", "r");
	assert_non_null(f);
	size_t n = fread(js, 1, sizeof(js) - 1, f);
	fclose(f);
	js[n] = '\0';
	char *rel = strstr(js, "\"6.1.0-28-amd64\"");
	assert_non_null(rel);
	memcpy(rel, "\"6.18.0-2-amd64\"", 16); /* same length */
	char err[512];
	if (fixture_load_buffer("h100-6.18", js, n, "fixtures", &m, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_int_equal(simfs_init(&sf, m), 0);
	/* the fixture's serial 0x48b02d0300000000 for GPU 0, as lspci prints it */
	assert_string_equal(rd(gpu), "48-b0-2d-03-00-00-00-00\n");
	assert_int_equal(tree_resolve(m->root, canon(gpu) + 1)->mode & 0777, 0400); /* root only */
	/* bridges and NVSwitches without a DSN capability have none */
	assert_false(exists("/sys/bus/pci/devices/0000:17:01.0/serial_number"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(capacity_rules),
		cmocka_unit_test_setup_teardown(numvfs_rules, setup_h100, teardown),
		cmocka_unit_test_setup_teardown(autoprobe_off_needs_override, setup_h100, teardown),
		cmocka_unit_test_setup_teardown(vendor_vfio_rules, setup_h100, teardown),
		cmocka_unit_test_setup_teardown(mdev_rules, setup_t4, teardown),
		cmocka_unit_test_setup_teardown(mdev_on_vfs, setup_a100, teardown),
		cmocka_unit_test_teardown(serial_number_from_6_18, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
