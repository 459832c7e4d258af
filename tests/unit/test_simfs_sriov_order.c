// SPDX-License-Identifier: GPL-2.0-or-later
/* Model provenance: docs/nvidia-model.md, "NVIDIA driver builds, the unbind lock, SR-IOV sequence". */
/* simfs: which VFs nvidia binds per driver build, the SR-IOV order NVIDIA's
 * sriov-manage keeps, and VF removal stopping at the first busy VF. */
#include "simfs_harness.h"

#include <fcntl.h>

#define PF "/sys/bus/pci/devices/0000:18:00.0/"
#define VF(n) "/sys/bus/pci/devices/0000:18:00." #n

static bool give_up(void *ctx)
{
	return true;
}

/* PF to pci-pf-stub, n VFs, autoprobe as given */
static void vfs_on(const char *n, const char *autoprobe)
{
	wr("/.simfs/control", "modprobe pci_pf_stub");
	wr(PF "driver_override", "pci-pf-stub");
	assert_int_equal(wr("/sys/bus/pci/drivers/nvidia/unbind", "0000:18:00.0"), 12);
	wr("/sys/bus/pci/drivers_probe", "0000:18:00.0");
	wr(PF "sriov_drivers_autoprobe", autoprobe);
	assert_int_equal(wr(PF "sriov_numvfs", n), (ssize_t)strlen(n));
}

static void plain_build_rejects_vfs(void **state)
{
	m->nv_vgpu_kvm = false; /* the same node with a plain nvidia build */
	vfs_on("2", "1");
	/* nv_pci_probe: "Ignoring probe for VF", -1 -> -EPERM */
	assert_string_equal(link_of(VF(4) "/driver"), "<none>");
	wr(VF(4) "/driver_override", "nvidia");
	assert_int_equal(wr("/sys/bus/pci/drivers/nvidia/bind", "0000:18:00.4"), -EPERM);
	assert_int_equal(wr("/sys/bus/pci/drivers_probe", "0000:18:00.4"), 12); /* binds nothing */
	assert_string_equal(link_of(VF(4) "/driver"), "<none>");
}

static void vgpu_build_needs_iommu(void **state)
{
	m->iommu_enabled = false; /* VFs made now join no IOMMU group */
	vfs_on("2", "0");
	wr(VF(4) "/driver_override", "nvidia");
	assert_int_equal(wr("/sys/bus/pci/drivers/nvidia/bind", "0000:18:00.4"), -EPERM);
	assert_string_equal(link_of(VF(4) "/driver"), "<none>");
}

static void vgpu_build_vf_has_no_gpu_state(void **state)
{
	vfs_on("2", "0");
	wr(VF(4) "/driver_override", "nvidia");
	assert_int_equal(wr("/sys/bus/pci/drivers/nvidia/bind", "0000:18:00.4"), 12);
	/* nv_pci_probe returns before any per-GPU state for a VF */
	assert_false(exists("/proc/driver/nvidia/gpus/0000:18:00.4"));
	assert_int_equal(wr("/.simfs/control", "nvidia-open 0000:18:00.4"), -ENODEV);
}

static void pf_stays_while_vfs_on_nvidia(void **state)
{
	vfs_on("2", "0");
	wr(PF "driver_override", "\n");
	wr("/sys/bus/pci/drivers/pci-pf-stub/unbind", "0000:18:00.0");
	wr("/sys/bus/pci/drivers_probe", "0000:18:00.0");
	assert_string_equal(link_of(PF "driver"), "../../../../bus/pci/drivers/nvidia");
	wr(VF(4) "/driver_override", "nvidia");
	wr("/sys/bus/pci/drivers_probe", "0000:18:00.4");
	/* unverified: NVIDIA's scripts avoid it; the model refuses */
	assert_int_equal(wr("/sys/bus/pci/drivers/nvidia/unbind", "0000:18:00.0"), -EBUSY);
	assert_string_equal(link_of(PF "driver"), "../../../../bus/pci/drivers/nvidia");
	/* sriov-manage's order: the VFs first, then the PF */
	assert_int_equal(wr("/sys/bus/pci/drivers/nvidia/unbind", "0000:18:00.4"), 12);
	assert_int_equal(wr("/sys/bus/pci/drivers/nvidia/unbind", "0000:18:00.0"), 12);
	/* rmmod takes VFs before their PF */
	wr("/sys/bus/pci/drivers_probe", "0000:18:00.0");
	wr("/sys/bus/pci/drivers_probe", "0000:18:00.4");
	assert_int_equal(wr("/.simfs/control", "rmmod nvidia"), 12);
	assert_string_equal(link_of(PF "driver"), "<none>");
}

static void removal_stops_at_busy_vf(void **state)
{
	wr("/.simfs/control", "modprobe vfio_pci");
	vfs_on("4", "0");
	wr(VF(6) "/driver_override", "vfio-pci");
	wr("/sys/bus/pci/drivers_probe", "0000:18:00.6");
	const char *g = link_of(VF(6) "/iommu_group");
	char node[64];
	snprintf(node, sizeof(node), "/dev/vfio/%s", strrchr(g, '/') + 1);
	assert_int_equal(simfs_open(&sf, node, O_RDWR), 0);
	/* VF 0 and 1 go, VF 2 blocks the writer; it gives up (killed) */
	assert_int_equal(simfs_write(&sf, canon(PF "sriov_numvfs"), "0", 1, 0, true, give_up, NULL), -EINTR);
	assert_false(exists(VF(4)));
	assert_false(exists(VF(5)));
	assert_false(exists(PF "virtfn0"));
	assert_true(exists(VF(6)));
	assert_true(exists(PF "virtfn3"));
	assert_string_equal(rd(PF "sriov_numvfs"), "4\n"); /* cleared only at the end */
	assert_int_equal(wr(PF "sriov_numvfs", "2"), -EBUSY);
	simfs_release(&sf, node);
	assert_int_equal(wr(PF "sriov_numvfs", "0"), 1);
	assert_false(exists(VF(6)));
	assert_false(exists(VF(7)));
	assert_string_equal(rd(PF "sriov_numvfs"), "0\n");
	/* and on again */
	assert_int_equal(wr(PF "sriov_numvfs", "4"), 1);
	assert_true(exists(PF "virtfn0"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(plain_build_rejects_vfs, setup_h100, teardown),
		cmocka_unit_test_setup_teardown(vgpu_build_needs_iommu, setup_h100, teardown),
		cmocka_unit_test_setup_teardown(vgpu_build_vf_has_no_gpu_state, setup_h100, teardown),
		cmocka_unit_test_setup_teardown(pf_stays_while_vfs_on_nvidia, setup_h100, teardown),
		cmocka_unit_test_setup_teardown(removal_stops_at_busy_vf, setup_h100, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
