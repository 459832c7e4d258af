// SPDX-License-Identifier: GPL-2.0-or-later
/* The drivers and modules of the simulated kernel (Debian 12's 6.1 layout,
 * NVIDIA's driver from DKMS).  Facts: module names, paths, dependencies,
 * softdeps and the id tables' effect. */
#include "model.h"

#define CLASS(c, mask) .vendor = SIM_ANY, .device = SIM_ANY, .class = (c), .class_mask = (mask)

const struct driver_desc sim_driver_catalog[] = {
	{ .name = "pcieport", .module = NULL, .ids = { { CLASS(0x060400, 0xffff00) } }, .nids = 1 },
	{ .name = "nvidia",
	  .module = "nvidia",
	  .flags = DRV_NVIDIA,
	  .ids = { { .vendor = 0x10de, .device = SIM_ANY, .class = 0x030000, .class_mask = 0xffff00 },
		   { .vendor = 0x10de, .device = SIM_ANY, .class = 0x030200, .class_mask = 0xffff00 } },
	  .nids = 2 },
	{ .name = "nvidia-nvswitch",
	  .module = "nvidia",
	  .ids = { { .vendor = 0x10de, .device = SIM_ANY, .class = 0x068000, .class_mask = 0xffff00 } },
	  .nids = 1 },
	{ .name = "vfio-pci", .module = "vfio_pci", .flags = DRV_VFIO | DRV_OVERRIDE_ONLY },
	{ .name = "nvgrace_gpu_vfio_pci",
	  .module = "nvgrace_gpu_vfio_pci",
	  .flags = DRV_VFIO | DRV_OVERRIDE_ONLY },
	{ .name = "pci-pf-stub", .module = "pci_pf_stub", .flags = DRV_SRIOV | DRV_OVERRIDE_ONLY },
	/* no ids unless its ids= parameter gives some: binds through driver_override */
	{ .name = "pci-stub", .module = "pci_stub", .flags = DRV_OVERRIDE_ONLY },
	{ .name = "snd_hda_intel",
	  .module = "snd_hda_intel",
	  .ids = { { CLASS(0x040300, 0xffff00) } },
	  .nids = 1 },
	{ .name = "nvme",
	  .module = "nvme",
	  .flags = DRV_SRIOV,
	  .ids = { { CLASS(0x010802, 0xffffff) } },
	  .nids = 1 },
	{ .name = "mlx5_core",
	  .module = "mlx5_core",
	  .flags = DRV_SRIOV,
	  .ids = { { .vendor = 0x15b3, .device = 0x101b, .class_mask = 0 },
		   { .vendor = 0x15b3, .device = 0x101d, .class_mask = 0 },
		   { .vendor = 0x15b3, .device = 0x1021, .class_mask = 0 } },
	  .nids = 3 },
	{ .name = "e1000e",
	  .module = "e1000e",
	  .ids = { { .vendor = 0x8086, .device = 0x10d3 } },
	  .nids = 1 },
	{ .name = "amd_iommu", .module = NULL, .ids = { { CLASS(0x080600, 0xffff00) } }, .nids = 1 },
};
const int sim_driver_catalog_len = sizeof(sim_driver_catalog) / sizeof(sim_driver_catalog[0]);

#define VFIO_DIR "kernel/drivers/vfio/"
const struct module_desc sim_module_catalog[] = {
	{ .name = "vfio",
	  .path = VFIO_DIR "vfio.ko",
	  .softdep_post = { "vfio_iommu_type1", "vfio_iommu_spapr_tce" } },
	{ .name = "vfio_iommu_type1", .path = VFIO_DIR "vfio_iommu_type1.ko", .deps = { "vfio" } },
	{ .name = "irqbypass", .path = "kernel/virt/lib/irqbypass.ko" },
	{ .name = "vfio_virqfd", .path = VFIO_DIR "vfio_virqfd.ko" },
	{ .name = "vfio_pci_core",
	  .path = VFIO_DIR "pci/vfio-pci-core.ko",
	  .deps = { "vfio_virqfd", "vfio", "irqbypass" } },
	{ .name = "vfio_pci",
	  .path = VFIO_DIR "pci/vfio-pci.ko",
	  .deps = { "vfio_pci_core" },
	  .aliases = { "vfio_pci:v*d*sv*sd*bc*sc*i*" } },
	/* The kernel's id table (drivers/vfio/pci/nvgrace-gpu/main.c
	 * nvgrace_gpu_vfio_pci_table: GH200 2342, 2345, 2348, GB200 2941, GB300
	 * 31C2, all PCI_DRIVER_OVERRIDE_DEVICE_VFIO, which depmod writes as
	 * vfio_pci: aliases).  Debian's arm64 kernels do not build it (fixtures
	 * with kernel.modules_dep from fixtures/data/debian-*-arm64.depmod). */
	{ .name = "nvgrace_gpu_vfio_pci",
	  .path = VFIO_DIR "pci/nvgrace-gpu/nvgrace-gpu-vfio-pci.ko",
	  .deps = { "vfio_pci_core" },
	  .aliases = { "vfio_pci:v000010DEd00002342sv*sd*bc*sc*i*",
		       "vfio_pci:v000010DEd00002345sv*sd*bc*sc*i*",
		       "vfio_pci:v000010DEd00002348sv*sd*bc*sc*i*",
		       "vfio_pci:v000010DEd00002941sv*sd*bc*sc*i*",
		       "vfio_pci:v000010DEd000031C2sv*sd*bc*sc*i*" } },
	{ .name = "mdev", .path = VFIO_DIR "mdev/mdev.ko", .deps = { "vfio" } },
	{ .name = "pci_pf_stub", .path = "kernel/drivers/pci/pci-pf-stub.ko" },
	{ .name = "pci_stub", .path = "kernel/drivers/pci/pci-stub.ko" },
	{ .name = "nvidia",
	  .path = "updates/dkms/nvidia.ko",
	  .aliases = { "pci:v000010DEd*sv*sd*bc03sc00i00", "pci:v000010DEd*sv*sd*bc03sc02i00",
		       "pci:v000010DEd*sv*sd*bc06sc80i00" } },
	{ .name = "snd_hda_intel",
	  .path = "kernel/sound/pci/hda/snd-hda-intel.ko",
	  .aliases = { "pci:v*d*sv*sd*bc04sc03i00" } },
	{ .name = "nvme_core", .path = "kernel/drivers/nvme/host/nvme-core.ko" },
	{ .name = "nvme",
	  .path = "kernel/drivers/nvme/host/nvme.ko",
	  .deps = { "nvme_core" },
	  .aliases = { "pci:v*d*sv*sd*bc01sc08i02" } },
	{ .name = "mlx5_core",
	  .path = "kernel/drivers/net/ethernet/mellanox/mlx5/core/mlx5_core.ko",
	  .aliases = { "pci:v000015B3d0000101Bsv*sd*bc*sc*i*", "pci:v000015B3d0000101Dsv*sd*bc*sc*i*",
		       "pci:v000015B3d00001021sv*sd*bc*sc*i*" } },
	{ .name = "e1000e",
	  .path = "kernel/drivers/net/ethernet/intel/e1000e/e1000e.ko",
	  .aliases = { "pci:v00008086d000010D3sv*sd*bc*sc*i*" } },
};
const int sim_module_catalog_len = sizeof(sim_module_catalog) / sizeof(sim_module_catalog[0]);
