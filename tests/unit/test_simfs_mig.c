// SPDX-License-Identifier: GPL-2.0-or-later
/* Model provenance: docs/nvidia-model.md, "MIG and NVML". */
/* simfs's MIG model (simfs/mig.c): MIG mode with a pending state, GPU
 * instances with NVIDIA's placements, MIG-backed vGPU types creatable on a
 * free GPU instance of their profile (mdev on A100 VFs, vendor VFIO on
 * H100 VFs), through core.c without mounting anything. */
#include "simfs_harness.h"

static int setup_a100(void **state)
{
	load("fixtures/a100-pcie-8x.json");
	return 0;
}

#define CTL "/.simfs/control"
#define STATE "/.simfs/mig/0000:17:00.0"
#define VF(n) "/sys/bus/pci/devices/0000:17:00." #n "/mdev_supported_types/"

static int ctl(const char *cmd)
{
	ssize_t r = wr(CTL, cmd);
	return r < 0 ? (int)r : 0;
}

/* 0000:17:00.0's VFs off or on by NVIDIA's sequence (VFs off nvidia
 * first, PF through pci-pf-stub for sriov_numvfs, back to nvidia), as
 * gpu-initd does around a MIG mode change on A100. */
static void a100_vfs(bool on)
{
	const char *pf = "0000:17:00.0";
	char vf[16];
	for (int i = 0; i < 16 && !on; i++) {
		snprintf(vf, sizeof(vf), "0000:17:%02x.%x", (4 + i) >> 3, (4 + i) & 7);
		wr("/sys/bus/pci/drivers/nvidia/unbind", vf);
	}
	wr(CTL, "modprobe pci_pf_stub");
	wr("/sys/bus/pci/drivers/nvidia/unbind", pf);
	wr("/sys/bus/pci/devices/0000:17:00.0/driver_override", "pci-pf-stub");
	wr("/sys/bus/pci/drivers_probe", pf);
	assert_int_equal(wr("/sys/bus/pci/devices/0000:17:00.0/sriov_numvfs", on ? "16" : "0"), on ? 2 : 1);
	wr("/sys/bus/pci/drivers/pci-pf-stub/unbind", pf);
	wr("/sys/bus/pci/devices/0000:17:00.0/driver_override", "\n");
	wr("/sys/bus/pci/drivers_probe", pf);
	for (int i = 0; i < 16 && on; i++) {
		snprintf(vf, sizeof(vf), "0000:17:%02x.%x", (4 + i) >> 3, (4 + i) & 7);
		wr("/sys/bus/pci/drivers_probe", vf);
	}
}

/* MIG mode on 0000:17:00.0 the way it can be applied on A100: VFs off. */
static void a100_mig_on(void)
{
	a100_vfs(false);
	assert_int_equal(ctl("mig-mode 0000:17:00.0 1"), 0);
	assert_non_null(strstr(rd(STATE), "mode 1\npending 1\n"));
	a100_vfs(true);
}

static void a100_profiles_and_mode(void **state)
{
	assert_non_null(
	    strstr(rd(STATE), "mode 0\npending 0\nprofile 0 19 1g.5gb 1 4864 7 1 0,1,2,3,4,5,6\n"));
	assert_non_null(strstr(rd(STATE), "profile 2 9 3g.20gb 3 19968 2 4 0,4\n"));
	assert_false(exists("/.simfs/mig/0000:17:00.4"));		    /* VFs have no MIG state */
	assert_int_equal(ctl("mig-gi-create 0000:17:00.0 19 0"), -ENOTSUP); /* MIG mode off */
	assert_string_equal(rd(VF(4) "nvidia-474/available_instances"), "0\n");
	assert_string_equal(rd(VF(4) "nvidia-471/available_instances"), "1\n");
	/* A100: the reset that applies MIG mode waits while the VFs are on */
	assert_int_equal(ctl("mig-mode 0000:17:00.0 1"), 0);
	assert_non_null(strstr(rd(STATE), "mode 0\npending 1\n"));
	assert_int_equal(ctl("gpu-reset 0000:17:00.0"), -EBUSY);
	a100_vfs(false);
	assert_int_equal(ctl("gpu-reset 0000:17:00.0"), 0);
	assert_non_null(strstr(rd(STATE), "mode 1\npending 1\n"));
	a100_vfs(true);
	/* MIG mode on: no time-sliced types, no MIG-backed one without a GPU instance */
	assert_string_equal(rd(VF(4) "nvidia-471/available_instances"), "0\n");
	assert_string_equal(rd(VF(4) "nvidia-474/available_instances"), "0\n");
	assert_int_equal(ctl("mig-mode 0000:99:00.0 1"), -ENODEV);
	assert_int_equal(ctl("mig-mode 0000:17:00.0 2"), -EINVAL);
}

static void placements(void **state)
{
	a100_mig_on();
	assert_int_equal(ctl("mig-gi-create 0000:17:00.0 14 1"), -EINVAL); /* 2g starts at 0, 2 or 4 */
	assert_int_equal(ctl("mig-gi-create 0000:17:00.0 1 0"), -EINVAL);  /* 1 is an index, no profile ID */
	assert_int_equal(ctl("mig-gi-create 0000:17:00.0 5 0"), 0);	   /* 4g.20gb on slices 0-3 */
	assert_int_equal(ctl("mig-gi-create 0000:17:00.0 9 0"), -ENOSPC);  /* 3g at 0 overlaps */
	assert_int_equal(ctl("mig-gi-create 0000:17:00.0 9 4"), 0);	   /* 3g on 4-7 */
	assert_int_equal(ctl("mig-gi-create 0000:17:00.0 19 6"), -ENOSPC); /* full */
	assert_non_null(strstr(rd(STATE), "gi 1 5 0 4 0\ngi 2 9 4 4 0\n"));
	assert_int_equal(ctl("mig-mode 0000:17:00.0 0"), -EBUSY); /* GPU instances exist */
	assert_int_equal(ctl("mig-gi-destroy 0000:17:00.0 1"), 0);
	assert_int_equal(ctl("mig-gi-destroy 0000:17:00.0 1"), -ENOENT);
	assert_int_equal(ctl("mig-gi-destroy 0000:17:00.0 2"), 0);
	/* seven 1g.5gb, one of them +me at most */
	char cmd[64];
	for (int i = 0; i < 7; i++) {
		snprintf(cmd, sizeof(cmd), "mig-gi-create 0000:17:00.0 %d %d", i == 6 ? 20 : 19, i);
		assert_int_equal(ctl(cmd), 0);
	}
	assert_int_equal(ctl("mig-gi-destroy 0000:17:00.0 1"), 0);
	assert_int_equal(ctl("mig-gi-create 0000:17:00.0 20 0"), -ENOSPC); /* a second +me */
	assert_int_equal(ctl("mig-gi-create 0000:17:00.0 19 0"), 0);
	assert_int_equal(ctl("mig-gi-create 0000:17:00.0 19 7"), -EINVAL); /* slice 7: 7g/3g/4g only */
}

static void mig_backed_mdevs(void **state)
{
	a100_mig_on();
	assert_int_equal(ctl("mig-gi-create 0000:17:00.0 19 0"), 0);
	assert_int_equal(ctl("mig-gi-create 0000:17:00.0 19 1"), 0);
	/* every VF offers A100-1-5C while a 1g.5gb instance is free */
	assert_string_equal(rd(VF(4) "nvidia-474/available_instances"), "1\n");
	assert_string_equal(rd(VF(5) "nvidia-474/available_instances"), "1\n");
	assert_string_equal(rd(VF(5) "nvidia-475/available_instances"), "0\n"); /* 2g.10gb: none */
	assert_int_equal(wr(VF(4) "nvidia-474/create", "11111111-2222-3333-4444-555555555551"), 36);
	assert_int_equal(wr(VF(5) "nvidia-474/create", "11111111-2222-3333-4444-555555555552"), 36);
	assert_string_equal(rd(VF(6) "nvidia-474/available_instances"), "0\n");
	assert_int_equal(wr(VF(6) "nvidia-474/create", "11111111-2222-3333-4444-555555555553"), -EUSERS);
	assert_non_null(strstr(rd(STATE), "gi 1 19 0 1 1\ngi 2 19 1 1 1\n"));
	assert_int_equal(ctl("mig-gi-destroy 0000:17:00.0 2"), -EBUSY); /* hosts a vGPU */
	assert_int_equal(ctl("mig-mode 0000:17:00.0 0"), -EBUSY);
	assert_int_equal(wr("/sys/bus/mdev/devices/11111111-2222-3333-4444-555555555552/remove", "1"), 1);
	assert_int_equal(ctl("mig-gi-destroy 0000:17:00.0 2"), 0);
	/* another GPU is independent */
	assert_string_equal(
	    rd("/sys/bus/pci/devices/0000:31:00.4/mdev_supported_types/nvidia-471/available_instances"),
	    "1\n");
}

static void pending_until_reset(void **state)
{
	a100_vfs(false);
	assert_int_equal(ctl("nvidia-open 0000:17:00.0"), 0);
	assert_int_equal(ctl("mig-mode 0000:17:00.0 1"), 0);
	assert_non_null(strstr(rd(STATE), "mode 0\npending 1\n")); /* a client holds the GPU */
	assert_int_equal(ctl("gpu-reset 0000:17:00.0"), -EBUSY);
	assert_int_equal(ctl("nvidia-close 0000:17:00.0"), 0);
	assert_int_equal(ctl("gpu-reset 0000:17:00.0"), 0);
	assert_non_null(strstr(rd(STATE), "mode 1\npending 1\n"));
	assert_int_equal(ctl("mig-gi-create 0000:17:00.0 0 0"), 0); /* 7g.40gb: profile ID 0 */
	assert_int_equal(ctl("gpu-reset 0000:17:00.0"), 0);	    /* GPU instances do not survive it */
	assert_null(strstr(rd(STATE), "gi "));
}

static void vendor_vfio_mig(void **state)
{
	const char *pf = "0000:18:00.0";
	char cmd[64], c0[128], cur[128], gi[128];
	snprintf(c0, sizeof(c0), "/sys/bus/pci/devices/%s/%s/nvidia/creatable_vgpu_types", pf, "virtfn0");
	snprintf(cur, sizeof(cur), "/sys/bus/pci/devices/%s/virtfn0/nvidia/current_vgpu_type", pf);
	snprintf(gi, sizeof(gi), "/sys/bus/pci/devices/%s/virtfn0/nvidia/gpu_instance_id", pf);
	if (!exists(c0)) { /* VFs not enabled in this fixture: enable them as nvidia's tooling does */
		wr("/sys/bus/pci/drivers/nvidia/unbind", pf);
		wr(CTL, "modprobe pci_pf_stub");
		wr("/sys/bus/pci/devices/0000:18:00.0/driver_override", "pci-pf-stub");
		wr("/sys/bus/pci/drivers_probe", pf);
		assert_int_equal(wr("/sys/bus/pci/devices/0000:18:00.0/sriov_numvfs", "4"), 1);
		wr("/sys/bus/pci/drivers/pci-pf-stub/unbind", pf);
		wr("/sys/bus/pci/devices/0000:18:00.0/driver_override", "\n");
		wr("/sys/bus/pci/drivers_probe", pf);
		for (int i = 4; i < 8; i++) {
			snprintf(cmd, sizeof(cmd), "0000:18:00.%d", i);
			wr("/sys/bus/pci/drivers_probe", cmd);
		}
	}
	/* H100 80GB: the real NVML's table (nvml-580.txt) */
	snprintf(cmd, sizeof(cmd), "/.simfs/mig/%s", pf);
	assert_non_null(strstr(rd(cmd), "profile 0 19 1g.10gb 1 9984 7 1 0,1,2,3,4,5,6\n"
					"profile 7 20 1g.10gb+me 1 9984 1 1 0,1,2,3,4,5,6\n"
					"profile 9 15 1g.20gb 1 20096 4 2 0,2,4,6\n"
					"profile 1 14 2g.20gb 2 20096 3 2 0,2,4\n"
					"profile 2 9 3g.40gb 3 40448 2 4 0,4\n"
					"profile 3 5 4g.40gb 4 40448 1 4 0\n"
					"profile 4 0 7g.80gb 7 81152 1 8 0\n"));
	assert_non_null(strstr(rd(c0), "\n1013  : NVIDIA H100XM-10C\n"));
	assert_null(strstr(rd(c0), "H100XM-1-10C"));
	snprintf(cmd, sizeof(cmd), "mig-mode %s 1", pf);
	assert_int_equal(ctl(cmd), 0);
	assert_string_equal(rd(c0), "ID    : vGPU Name\n");
	snprintf(cmd, sizeof(cmd), "mig-gi-create %s 19 3", pf);
	assert_int_equal(ctl(cmd), 0);
	assert_string_equal(rd(c0), "ID    : vGPU Name\n1001  : NVIDIA H100XM-1-10C\n");
	assert_string_equal(rd(gi), "-1\n");
	assert_int_equal(wr(cur, "1001"), 4);
	assert_string_equal(rd(gi), "1\n");
	assert_int_equal(wr(cur, "0"), 1);
	assert_string_equal(rd(gi), "-1\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(a100_profiles_and_mode, setup_a100, teardown),
		cmocka_unit_test_setup_teardown(placements, setup_a100, teardown),
		cmocka_unit_test_setup_teardown(mig_backed_mdevs, setup_a100, teardown),
		cmocka_unit_test_setup_teardown(pending_until_reset, setup_a100, teardown),
		cmocka_unit_test_setup_teardown(vendor_vfio_mig, setup_h100, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
