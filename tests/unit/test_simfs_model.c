// SPDX-License-Identifier: GPL-2.0-or-later
/* Model provenance: docs/nvidia-model.md, "PCI core", "IOMMU and VFIO", "NVIDIA driver". */
/* simfs's kernel model, row by row against docs/design.md section 6, driven
 * through core.c (what FUSE calls) without mounting anything. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "simfs_harness.h"

#define DEV18 "/sys/bus/pci/devices/0000:18:00.0/"

static void attribute_formats(void **state)
{
	assert_string_equal(rd(DEV18 "vendor"), "0x10de\n");
	assert_string_equal(rd(DEV18 "device"), "0x2330\n");
	assert_string_equal(rd(DEV18 "subsystem_vendor"), "0x10de\n");
	assert_string_equal(rd(DEV18 "subsystem_device"), "0x16c1\n");
	assert_string_equal(rd(DEV18 "class"), "0x030200\n");
	assert_string_equal(rd(DEV18 "revision"), "0xa1\n");
	assert_string_equal(rd(DEV18 "numa_node"), "0\n");
	assert_string_equal(rd("/sys/bus/pci/devices/0000:9a:00.0/numa_node"), "1\n");
	assert_string_equal(rd(DEV18 "modalias"), "pci:v000010DEd00002330sv000010DEsd000016C1bc03sc02i00\n");
	assert_string_equal(rd(DEV18 "uevent"),
			    "DRIVER=nvidia\nPCI_CLASS=30200\nPCI_ID=10DE:2330\n"
			    "PCI_SUBSYS_ID=10DE:16C1\nPCI_SLOT_NAME=0000:18:00.0\n"
			    "MODALIAS=pci:v000010DEd00002330sv000010DEsd000016C1bc03sc02i00\n");
	struct stat st;
	assert_int_equal(simfs_getattr(&sf, canon(DEV18 "vendor"), &st), 0);
	assert_int_equal(st.st_size, 4096);
	assert_int_equal(simfs_getattr(&sf, canon(DEV18 "config"), &st), 0);
	assert_int_equal(st.st_size, 4096);
}

static void config_agrees_with_resource(void **state)
{
	unsigned char c[4096];
	assert_int_equal(simfs_read(&sf, canon(DEV18 "config"), (char *)c, sizeof(c), 0, true), 4096);
	assert_int_equal(c[0] | c[1] << 8, 0x10de);
	assert_int_equal(c[2] | c[3] << 8, 0x2330);
	assert_int_equal(c[0x0b], 0x03);
	/* resource line 0: start 0x102002000000, flags 0x14220c (64-bit pref) */
	assert_non_null(
	    strstr(rd(DEV18 "resource"), "0x0000102002000000 0x0000102002ffffff 0x000000000014220c\n"));
	unsigned lo = c[0x10] | c[0x11] << 8 | c[0x12] << 16 | (unsigned)c[0x13] << 24;
	unsigned hi = c[0x14] | c[0x15] << 8 | c[0x16] << 16 | (unsigned)c[0x17] << 24;
	assert_int_equal(lo, 0x0200000c);
	assert_int_equal(hi, 0x1020);
	/* non-root readers get the first 64 bytes */
	assert_int_equal(simfs_read(&sf, canon(DEV18 "config"), (char *)c, sizeof(c), 0, false), 64);
	/* the serial number capability carries the fixture's serial */
	assert_int_equal(simfs_read(&sf, canon(DEV18 "config"), (char *)c, sizeof(c), 0, true), 4096);
	assert_int_equal(c[0x2f0], 3);
	assert_int_equal(c[0x2f4 + 7], 0x48);
}

static void links_are_relative(void **state)
{
	assert_string_equal(link_of(DEV18 "driver"), "../../../../bus/pci/drivers/nvidia");
	assert_string_equal(link_of(DEV18 "subsystem"), "../../../../bus/pci");
	assert_string_equal(link_of(DEV18 "iommu_group"), "../../../../kernel/iommu_groups/19");
	assert_string_equal(link_of("/sys/bus/pci/devices/0000:18:00.0"),
			    "../../../devices/pci0000:17/0000:17:01.0/0000:18:00.0");
	assert_string_equal(link_of("/sys/kernel/iommu_groups/19/devices/0000:18:00.0"),
			    "../../../../devices/pci0000:17/0000:17:01.0/0000:18:00.0");
	assert_string_equal(link_of("/sys/class/iommu/dmar0"), "../../devices/virtual/iommu/dmar0");
}

static void driver_override_row(void **state)
{
	assert_string_equal(rd(DEV18 "driver_override"), "(null)\n");
	assert_int_equal(wr(DEV18 "driver_override", "vfio-pci\ngarbage"), 16);
	assert_string_equal(rd(DEV18 "driver_override"), "vfio-pci\n");
	/* binds nothing by itself */
	assert_string_equal(link_of(DEV18 "driver"), "../../../../bus/pci/drivers/nvidia");
	assert_int_equal(wr(DEV18 "driver_override", "\n"), 1);
	assert_string_equal(rd(DEV18 "driver_override"), "(null)\n");
	assert_int_equal(wr(DEV18 "driver_override", "nvidia"), 6);
	assert_int_equal(simfs_write(&sf, canon(DEV18 "driver_override"), "", 0, 0, true, NULL, NULL), 0);
	assert_string_equal(rd(DEV18 "driver_override"), "(null)\n");
}

static void bind_unbind_errnos(void **state)
{
	assert_int_equal(wr("/.simfs/control", "modprobe vfio-pci"), 17);
	/* bind: no such device / no match / already bound */
	assert_int_equal(wr("/sys/bus/pci/drivers/vfio-pci/bind", "0000:19:00.0"), -ENODEV);
	assert_int_equal(wr("/sys/bus/pci/drivers/vfio-pci/bind", "0000:18:00.0"), -ENODEV);
	assert_int_equal(wr("/sys/bus/pci/drivers/nvidia/bind", "0000:18:00.0\n"), -EBUSY);
	/* unbind: only from the driver it is bound to */
	assert_int_equal(wr("/sys/bus/pci/drivers/vfio-pci/unbind", "0000:18:00.0"), -ENODEV);
	assert_int_equal(wr("/sys/bus/pci/drivers/nvidia/unbind", "0000:18:00.0\n"), 13);
	assert_string_equal(link_of(DEV18 "driver"), "<none>");
	assert_int_equal(wr("/sys/bus/pci/drivers/nvidia/unbind", "0000:18:00.0"), -ENODEV);
	/* drivers_probe: ENODEV only for an unknown device */
	assert_int_equal(wr("/sys/bus/pci/drivers_probe", "0000:ff:00.0"), -ENODEV);
	assert_int_equal(wr(DEV18 "driver_override", "vfio-pci"), 8);
	assert_int_equal(wr("/sys/bus/pci/drivers_probe", "0000:18:00.0"), 12);
	assert_string_equal(link_of(DEV18 "driver"), "../../../../bus/pci/drivers/vfio-pci");
	assert_true(exists("/sys/bus/pci/drivers/vfio-pci/0000:18:00.0"));
	assert_true(exists("/dev/vfio/19"));
	assert_true(exists("/sys/class/vfio/19"));
	assert_string_equal(rd("/sys/devices/virtual/vfio/19/dev"), "243:19\n");
	assert_int_equal(wr("/sys/bus/pci/drivers/vfio-pci/bind", "0000:18:00.0"), -EBUSY);
	/* drivers_probe on a bound device succeeds and changes nothing */
	assert_int_equal(wr("/sys/bus/pci/drivers_probe", "0000:18:00.0"), 12);
	/* idle vfio devices sit in D3hot */
	assert_string_equal(rd(DEV18 "power_state"), "D3hot\n");
	struct sim_stats s = m->stats;
	assert_int_equal(s.binds, 1);
	assert_int_equal(s.unbinds, 1);
}

static void vfio_group_exclusive(void **state)
{
	wr("/.simfs/control", "modprobe vfio_pci");
	wr(DEV18 "driver_override", "vfio-pci");
	wr("/sys/bus/pci/drivers/nvidia/unbind", "0000:18:00.0");
	wr("/sys/bus/pci/drivers_probe", "0000:18:00.0");
	assert_int_equal(simfs_open(&sf, "/dev/vfio/19", O_RDWR), 0);
	assert_int_equal(simfs_open(&sf, "/dev/vfio/19", O_RDWR), -EBUSY);
	assert_string_equal(rd(DEV18 "power_state"), "D0\n");
	/* the module is pinned while the group is open */
	assert_int_equal(wr("/.simfs/control", "rmmod vfio_pci"), -EBUSY);
	simfs_release(&sf, "/dev/vfio/19");
	assert_int_equal(simfs_open(&sf, "/dev/vfio/19", O_RDWR), 0);
	simfs_release(&sf, "/dev/vfio/19");
	/* the opener (FUSE's caller) shows the group in proc/<pid>/fd while it
	 * has it open (fs/proc/fd.c) */
	assert_int_equal(simfs_open_by(&sf, "/dev/vfio/19", O_RDWR, 777), 0);
	char link[64] = "";
	assert_true(simfs_readlink(&sf, "/proc/777/fd/1019", link, sizeof(link)) >= 0);
	assert_string_equal(link, "/dev/vfio/19");
	simfs_release(&sf, "/dev/vfio/19");
	assert_false(exists("/proc/777"));
	/* the group node goes with the last VFIO member */
	assert_int_equal(wr("/sys/bus/pci/drivers/vfio-pci/unbind", "0000:18:00.0"), 12);
	assert_false(exists("/dev/vfio/19"));
	assert_true(exists("/dev/vfio/vfio"));
}

static void vfio_refuses_bridges(void **state)
{
	wr("/.simfs/control", "modprobe vfio_pci");
	const char *rp = "/sys/bus/pci/devices/0000:17:01.0/";
	assert_string_equal(link_of("/sys/bus/pci/devices/0000:17:01.0/driver"),
			    "../../../bus/pci/drivers/pcieport");
	wr("/sys/bus/pci/drivers/pcieport/unbind", "0000:17:01.0");
	assert_int_equal(wr("/sys/bus/pci/devices/0000:17:01.0/driver_override", "vfio-pci"), 8);
	assert_int_equal(wr("/sys/bus/pci/drivers/vfio-pci/bind", "0000:17:01.0"), -EINVAL);
	(void)rp;
}

static void vfio_needs_group(void **state)
{
	assert_false(exists("/sys/class/iommu/dmar0"));
	assert_int_equal(tree_count_children(tree_lookup(m->root, "sys/kernel/iommu_groups")), 0);
	assert_false(exists("/sys/firmware/acpi/tables/DMAR"));
	assert_false(exists("/dev/vfio/vfio"));
	assert_int_equal(wr("/.simfs/control", "modprobe vfio-pci"), 17);
	assert_true(exists("/dev/vfio/vfio")); /* with the module, before any bind */
	const char *d = "/sys/bus/pci/devices/0000:00:06.0/";
	char p[128];
	snprintf(p, sizeof(p), "%sdriver_override", d);
	wr(p, "vfio-pci");
	wr("/sys/bus/pci/drivers/nvidia/unbind", "0000:00:06.0");
	assert_int_equal(wr("/sys/bus/pci/drivers/vfio-pci/bind", "0000:00:06.0"), -EINVAL);
	/* drivers_probe succeeds although nothing binds */
	assert_int_equal(wr("/sys/bus/pci/drivers_probe", "0000:00:06.0"), 12);
	snprintf(p, sizeof(p), "%sdriver", d);
	assert_string_equal(link_of(p), "<none>");
}

static void new_id_and_remove_id(void **state)
{
	wr("/.simfs/control", "modprobe vfio-pci");
	const char *nid = "/sys/bus/pci/drivers/vfio-pci/new_id",
		   *rid = "/sys/bus/pci/drivers/vfio-pci/remove_id";
	assert_int_equal(wr(nid, "10de"), -EINVAL);
	assert_int_equal(wr(nid, "zz"), -EINVAL);
	/* unbind both A100s, then one new_id binds every matching unbound device */
	wr("/sys/bus/pci/drivers/nvidia/unbind", "0000:43:00.0");
	wr("/sys/bus/pci/drivers/nvidia/unbind", "0000:81:00.0");
	assert_int_equal(wr(nid, "10de 20b5"), 9);
	assert_string_equal(link_of("/sys/bus/pci/devices/0000:43:00.0/driver"),
			    "../../../../../../bus/pci/drivers/vfio-pci");
	assert_string_equal(link_of("/sys/bus/pci/devices/0000:81:00.0/driver"),
			    "../../../../bus/pci/drivers/vfio-pci");
	assert_int_equal(wr(nid, "10de 20b5"), -EEXIST);
	assert_int_equal(wr(rid, "10de 20b5"), 9);
	assert_int_equal(wr(rid, "10de 20b5"), -ENODEV);
	assert_int_equal(wr(rid, "10de"), -EINVAL);
	/* a group shared with a NIC: the NIC stays on its driver */
	assert_string_equal(link_of("/sys/bus/pci/devices/0000:44:00.0/driver"),
			    "../../../../../../bus/pci/drivers/e1000e");
}

static void modules_as_state(void **state)
{
	assert_false(exists("/sys/module/vfio"));
	assert_int_equal(wr("/.simfs/control", "insmod vfio_pci"), -ENOENT); /* deps missing */
	assert_int_equal(wr("/.simfs/control", "insmod nosuchmodule"), -ENOENT);
	assert_int_equal(wr("/.simfs/control", "modprobe vfio-pci"), 17);
	assert_string_equal(rd("/sys/module/vfio_pci/initstate"), "live\n");
	assert_string_equal(rd("/sys/module/vfio/refcnt"), "2\n"); /* vfio_iommu_type1, vfio_pci_core */
	assert_string_equal(link_of("/sys/module/vfio_pci/drivers/pci:vfio-pci"),
			    "../../../bus/pci/drivers/vfio-pci");
	assert_string_equal(link_of("/sys/bus/pci/drivers/vfio-pci/module"), "../../../../module/vfio_pci");
	assert_non_null(strstr(rd("/proc/modules"), "\nvfio_pci_core "));
	assert_int_equal(wr("/.simfs/control", "insmod vfio"), -EEXIST);
	assert_int_equal(wr("/.simfs/control", "rmmod vfio"), -EBUSY);
	assert_int_equal(wr("/.simfs/control", "rmmod vfio_pci"), 14);
	assert_false(exists("/sys/bus/pci/drivers/vfio-pci"));
	assert_false(exists("/sys/module/vfio_pci_core/holders/vfio_pci"));
	assert_int_equal(wr("/.simfs/control", "rmmod vfio_pci"), -ENOENT);
	/* lib/modules: placeholders libkmod can find, never loadable */
	assert_non_null(strstr(rd("/lib/modules/6.1.0-28-amd64/modules.alias"),
			       "alias vfio_pci:v*d*sv*sd*bc*sc*i* vfio_pci\n"));
	assert_string_equal(rd("/lib/modules/6.1.0-28-amd64/kernel/drivers/vfio/pci/vfio-pci.ko"),
			    "simfs placeholder: not an ELF module\n");
	assert_string_equal(rd("/proc/sys/kernel/osrelease"), "6.1.0-28-amd64\n");
}

static void nvidia_proc_and_unbind_lock(void **state)
{
	/* a plain build (the NIC fixture): no unbindLock (nv-procfs.c creates
	 * it only when os_is_vgx_hyper()) */
	assert_true(exists("/proc/driver/nvidia/gpus/0000:43:00.0/information"));
	assert_false(exists("/proc/driver/nvidia/gpus/0000:43:00.0/unbindLock"));
	assert_non_null(strstr(rd("/proc/driver/nvidia/gpus/0000:43:00.0/information"),
			       "Bus Location: \t 0000:43:00.0\n"));
}

/* h100-hgx-8x runs the vGPU-KVM host build: unbindLock is there */
static void unbind_lock_row(void **state)
{
	const char *lock = "/proc/driver/nvidia/gpus/0000:18:00.0/unbindLock";
	assert_string_equal(rd(lock), "0\n");
	assert_int_equal(wr("/.simfs/control", "nvidia-open 0000:18:00.0"), 24);
	/* the holder shows as a process with the device node open */
	assert_string_equal(link_of("/proc/4242/fd/3"), "/dev/nvidia0");
	assert_int_equal(wr(lock, "1"), 1);
	assert_string_equal(rd(lock), "0\n"); /* in use: not taken, the write succeeds anyway */
	assert_int_equal(wr("/.simfs/control", "nvidia-close 0000:18:00.0"), 25);
	assert_false(exists("/proc/4242"));
	assert_int_equal(wr("/.simfs/control", "nvidia-close 0000:18:00.0"), -EINVAL);
	assert_int_equal(wr(lock, "x"), -EINVAL);
	assert_int_equal(wr(lock, "1"), 1);
	assert_string_equal(rd(lock), "1\n");
	/* held: every open of the GPU fails ENODEV (nv.c nv_open_device) */
	assert_int_equal(wr("/.simfs/control", "nvidia-open 0000:18:00.0"), -ENODEV);
	assert_int_equal(simfs_open(&sf, "/dev/nvidia0", O_RDWR), -ENODEV);
	assert_int_equal(simfs_open(&sf, "/dev/nvidia1", O_RDWR), 0); /* another GPU */
	simfs_release(&sf, "/dev/nvidia1");
	assert_int_equal(wr(lock, "0"), 1);
	assert_string_equal(rd(lock), "0\n");
	assert_int_equal(simfs_open(&sf, "/dev/nvidia0", O_RDWR), 0);
	simfs_release(&sf, "/dev/nvidia0");
	assert_int_equal(wr("/.simfs/control", "nvidia-open 0000:18:00.0"), 24);
}

static void *stalled_writer(void *arg)
{
	*(ssize_t *)arg = wr("/sys/bus/pci/devices/0000:18:00.0/driver_override", "vfio-pci");
	return NULL;
}

/* pcihealth.c: a fatal error's recovery holds the function's config
 * access; a `config` read waits for the outcome (and is counted), the
 * attributes printed from pci_dev do not; an in-process read never waits. */
static bool never(void *ctx)
{
	return false;
}
static bool always(void *ctx)
{
	return true;
}
static void *cfg_reader(void *arg)
{
	unsigned char c[4096];
	*(ssize_t *)arg =
	    simfs_read_wait(&sf, canon(DEV18 "config"), (char *)c, sizeof(c), 0, true, never, NULL);
	return NULL;
}

static void config_waits_for_recovery(void **state)
{
	unsigned char c[4096];
	assert_int_equal(wr("/.simfs/control", "sick 0000:18:00.0 aer-fatal"), 27);
	assert_int_equal(simfs_read(&sf, canon(DEV18 "config"), (char *)c, sizeof(c), 0, true), -EAGAIN);
	assert_int_equal(
	    simfs_read_wait(&sf, canon(DEV18 "config"), (char *)c, sizeof(c), 0, true, always, NULL), -EINTR);
	assert_string_equal(rd(DEV18 "vendor"), "0x10de\n");
	assert_int_equal(
	    simfs_read(&sf, canon("/sys/bus/pci/devices/0000:2a:00.0/config"), (char *)c, sizeof(c), 0, true),
	    4096);
	ssize_t res = 12345;
	pthread_t t;
	pthread_create(&t, NULL, cfg_reader, &res);
	while (sf.cfg_waits < 2)
		usleep(1000);
	assert_int_equal(res, 12345);
	assert_int_equal(wr("/.simfs/control", "sick 0000:18:00.0 recovery-failed"), 33);
	pthread_join(t, NULL);
	assert_int_equal(res, 4096);
	assert_non_null(strstr(rd("/.simfs/stats"), "cfg_waits 2\n"));
}

/* The recovery walks the functions below the port (err.c
 * pcie_do_recovery(), pci_walk_bridge()): a port's error announces the
 * recovery to them, not to the port, and locks their config; a failed
 * recovery is told to the reporting device only. */
static char events[1024];
static void record(void *ctx, const char *action, const char *devpath, const char *subsystem,
		   const char *const *env)
{
	const char *bdf = strrchr(devpath, '/');
	for (; *env; env++)
		if (strncmp(*env, "ERROR_EVENT=", 12) == 0)
			snprintf(events + strlen(events), sizeof(events) - strlen(events), "%s %s;", bdf + 1,
				 *env + 12);
}

static int setup_aer(void **state)
{
	load("fixtures/qemu-aer.json");
	m->uevent = record;
	events[0] = '\0';
	return 0;
}

#define EP "/sys/bus/pci/devices/0000:01:00.0/"
#define RP "/sys/bus/pci/devices/0000:00:07.0/"
static void recovery_walks_below_the_port(void **state)
{
	unsigned char c[4096];
	wr("/.simfs/control", "sick 0000:00:07.0 aer-fatal");
	assert_string_equal(events, "0000:01:00.0 BEGIN_RECOVERY;");
	assert_int_equal(simfs_read(&sf, canon(EP "config"), (char *)c, sizeof(c), 0, true), -EAGAIN);
	assert_true(simfs_read(&sf, canon(RP "config"), (char *)c, sizeof(c), 0, true) > 0);
	wr("/.simfs/control", "heal 0000:00:07.0");
	assert_string_equal(events, "0000:01:00.0 BEGIN_RECOVERY;0000:01:00.0 SUCCESSFUL_RECOVERY;");
	assert_true(simfs_read(&sf, canon(EP "config"), (char *)c, sizeof(c), 0, true) > 0);
	events[0] = '\0';
	wr("/.simfs/control", "sick 0000:00:07.0 aer-fatal");
	wr("/.simfs/control", "sick 0000:00:07.0 recovery-failed");
	assert_string_equal(events, "0000:01:00.0 BEGIN_RECOVERY;0000:00:07.0 FAILED_RECOVERY;");
	assert_true(simfs_read(&sf, canon(EP "config"), (char *)c, sizeof(c), 0, true) > 0);
	/* the endpoint's own error: as tests/vm/s-aer.sh saw on 6.1 */
	events[0] = '\0';
	wr("/.simfs/control", "sick 0000:01:00.0 aer-fatal");
	assert_int_equal(simfs_read(&sf, canon(EP "config"), (char *)c, sizeof(c), 0, true), -EAGAIN);
	wr("/.simfs/control", "sick 0000:01:00.0 recovery-failed");
	assert_string_equal(events, "0000:01:00.0 BEGIN_RECOVERY;0000:01:00.0 FAILED_RECOVERY;");
}

/* A pci_dev made again (remove + rescan) is a new sysfs directory: a new
 * inode number, as kernfs gives a new node a new id (fs/kernfs/dir.c
 * __kernfs_new_node(), idr_alloc_cyclic()); serve's recovery table tells
 * pci_devs apart by it (initd/serve/ers.h). */
/* getattr of the directory a link in sys/bus/pci/devices leads to */
static int dev_stat(const char *bdf, struct stat *st)
{
	char p[128], real[1024];
	snprintf(p, sizeof(p), "/sys/bus/pci/devices/%s", bdf);
	struct node *n = tree_resolve(m->root, p);
	if (!n || tree_path(n, real, sizeof(real)) < 0)
		return -ENOENT;
	return simfs_getattr(&sf, real, st);
}

static void new_pci_dev_new_inode(void **state)
{
	struct stat a, b, c;
	assert_int_equal(dev_stat("0000:18:00.0", &a), 0);
	assert_int_equal(dev_stat("0000:18:00.0", &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_true(S_ISDIR(a.st_mode));
	assert_int_equal(wr(DEV18 "remove", "1"), 1);
	assert_int_equal(dev_stat("0000:18:00.0", &c), -ENOENT);
	assert_int_equal(wr("/sys/bus/pci/rescan", "1"), 1);
	assert_int_equal(dev_stat("0000:18:00.0", &c), 0);
	assert_true(S_ISDIR(c.st_mode));
	assert_true(c.st_ino != a.st_ino);
}

static void faults_and_stats(void **state)
{
	assert_int_equal(wr("/.simfs/control", "fail sys/bus/pci/drivers_probe EIO 2"), 36);
	assert_int_equal(wr("/sys/bus/pci/drivers_probe", "0000:18:00.0"), -EIO);
	assert_int_equal(wr("/sys/bus/pci/drivers_probe", "0000:18:00.0"), -EIO);
	assert_int_equal(wr("/sys/bus/pci/drivers_probe", "0000:18:00.0"), 12);
	assert_int_equal(wr("/.simfs/control", "fail-nth 2 EBUSY"), 16);
	assert_int_equal(wr(DEV18 "driver_override", "x"), 1);
	assert_int_equal(wr(DEV18 "driver_override", "y"), -EBUSY);
	assert_string_equal(rd(DEV18 "driver_override"), "x\n"); /* a failed write changes nothing */
	assert_int_equal(wr("/.simfs/control", "bogus"), -EINVAL);
	assert_int_equal(wr("/.simfs/control", "fail-nth 0 EIO"), -EINVAL);
	assert_int_equal(wr("/.simfs/control", "fail x ENOTANERRNO"), -EINVAL);
	/* stall-nth: the write blocks before taking effect until release */
	assert_int_equal(wr("/.simfs/control", "stall-nth 1"), 11);
	ssize_t res = 12345;
	pthread_t t;
	pthread_create(&t, NULL, stalled_writer, &res);
	while (sf.stalled == 0)
		usleep(1000);
	assert_string_equal(rd(DEV18 "driver_override"), "x\n");
	assert_int_equal(wr("/.simfs/control", "release"), 7);
	pthread_join(t, NULL);
	assert_int_equal(res, 8);
	assert_string_equal(rd(DEV18 "driver_override"), "vfio-pci\n");
	/* stats count sys/ traffic only */
	assert_string_equal(rd("/.simfs/stats"), "reads 3\nwrites 6\nbinds 0\nunbinds 0\ncreates 0\nremoves "
						 "0\nstalled 0\ninjected 4\nblocked 0\ncfg_waits 0\n");
	/* latency: milliseconds, or microseconds with "us" */
	assert_int_equal(wr("/.simfs/control", "latency 250us"), 13);
	assert_int_equal(sf.latency_us, 250);
	assert_int_equal(wr("/.simfs/control", "latency 2"), 9);
	assert_int_equal(sf.latency_us, 2000);
	assert_int_equal(wr("/.simfs/control", "latency 2ms"), -EINVAL);
	assert_int_equal(wr("/.simfs/control", "latency -1"), -EINVAL);
	assert_int_equal(wr("/.simfs/control", "latency 60001"), -EINVAL);
	assert_int_equal(wr("/.simfs/control", "latency 60000000us"), 18);
	assert_int_equal(wr("/.simfs/control", "latency 0"), 9);
	assert_int_equal(sf.latency_us, 0);
}

static void unplug_removes(void **state)
{
	assert_int_equal(wr("/.simfs/control", "unplug 0000:18:00.0"), 19);
	assert_false(exists(DEV18 "vendor"));
	assert_false(exists("/sys/kernel/iommu_groups/19"));
	assert_false(exists("/proc/driver/nvidia/gpus/0000:18:00.0"));
	assert_int_equal(wr("/.simfs/control", "unplug 0000:18:00.0"), -ENODEV);
	assert_int_equal(m->stats.removes, 1);
	assert_int_equal(m->stats.unbinds, 1);
}

static void kmsg_sink(void **state)
{
	assert_int_equal(wr("/dev/kmsg", "<6>one"), 6);
	assert_int_equal(wr("/dev/kmsg", "<3>two\n"), 7);
	assert_string_equal(rd("/dev/kmsg"), "<6>one\n<3>two\n");
	char rec[1001];
	memset(rec, 'x', sizeof(rec) - 1);
	rec[sizeof(rec) - 1] = '\0';
	for (int i = 0; i < 100; i++)
		assert_int_equal(wr("/dev/kmsg", rec), 1000);
	assert_int_equal(tree_lookup(m->root, "dev/kmsg")->len, 64 * 1024); /* the last 64 KiB stay */
	assert_int_equal(wr("/.simfs/stats", "x"), -EACCES);
}

static void read_only_and_write_only(void **state)
{
	assert_int_equal(simfs_open(&sf, canon("/sys/bus/pci/drivers/nvidia/bind"), O_RDONLY), -EACCES);
	assert_int_equal(simfs_open(&sf, canon(DEV18 "vendor"), O_WRONLY), -EACCES);
	assert_int_equal(wr(DEV18 "vendor", "0x1234"), -EACCES);
	assert_int_equal(simfs_open(&sf, canon(DEV18 "."), O_RDONLY), -EISDIR);
}

/* ---- fixtures that must be refused ------------------------------------- */

static void expect_refused(const char *js, const char *needle)
{
	struct model *x = NULL;
	char err[512] = "";
	assert_true(fixture_load_buffer("t.json", js, strlen(js), "fixtures", &x, err, sizeof(err)) < 0);
	assert_null(x);
	if (!strstr(err, needle))
		fail_msg("error '%s' lacks '%s'", err, needle);
}

static void bad_fixtures(void **state)
{
	expect_refused("{\"kernel\": {\"release\": \"6.1\"}, \"devices\": [}", "t.json:1:");
	expect_refused("{\"kernel\": {\"release\": \"6.1\"}, \"devices\": []", "malformed JSON");
	expect_refused("{\"devices\": []}", "missing \"kernel\"");
	expect_refused(
	    "{\"kernel\": {\"release\": \"6.1\"}, \"cpu\": {\"hypervisor\": \"yes\"}, \"devices\": []}",
	    "cpu.hypervisor: expected true or false");
	expect_refused("{\"kernel\": {\"release\": \"6.1\"}, \"cpu\": {\"flags\": []}, \"devices\": []}",
		       "cpu: unknown key \"flags\"");
	expect_refused("{\"kernel\": {\"release\": \"6.1\"}, \"cpu\": {\"count\": 0}, \"devices\": []}",
		       "cpu.count");
	expect_refused("{\"kernel\": {\"release\": \"6.1\"}, \"devices\": [{\"bdf\": \"0000:00:01.0\", "
		       "\"id\": \"10de:2330\", \"class\": \"0x030200\", \"numa\": 1}]}",
		       "devices[0]: unknown key \"numa\"");
	expect_refused("{\"kernel\": {\"release\": \"6.1\"}, \"devices\": [{\"bdf\": \"0000:00:21.0\", "
		       "\"id\": \"10de:2330\", \"class\": \"0x030200\"}]}",
		       "is no PCI address");
	expect_refused("{\"kernel\": {\"release\": \"6.1\"}, \"devices\": [{\"bdf\": \"0000:00:01.0\", "
		       "\"id\": \"10de2330\", \"class\": \"0x030200\"}]}",
		       "devices[0].id");
	expect_refused("{\"kernel\": {\"release\": \"6.1\"}, \"devices\": ["
		       "{\"bdf\": \"0000:00:01.0\", \"id\": \"10de:2330\", \"class\": \"0x030200\"},"
		       "{\"bdf\": \"0000:00:01.0\", \"id\": \"10de:2330\", \"class\": \"0x030200\"}]}",
		       "listed twice");
	expect_refused("{\"kernel\": {\"release\": \"6.1\"}, \"devices\": ["
		       "{\"bdf\": \"0000:00:01.0\", \"id\": \"10de:2330\", \"class\": \"0x030200\"},"
		       "{\"bdf\": \"0000:01:00.0\", \"parent\": \"0000:00:01.0\", \"id\": \"10de:2330\", "
		       "\"class\": \"0x030200\"}]}",
		       "is not a bridge");
	expect_refused("{\"kernel\": {\"release\": \"6.1\"}, \"devices\": [{\"bdf\": \"0000:00:01.0\", "
		       "\"id\": \"10de:2330\", \"class\": \"0x030200\", \"iommu_group\": 1}]}",
		       "IOMMU is off");
	expect_refused("{\"kernel\": {\"release\": \"6.1\"}, \"devices\": [{\"bdf\": \"0000:00:01.0\", "
		       "\"id\": \"10de:2330\", \"class\": \"0x030200\", \"config\": \"gen-fixtures.py\"}]}",
		       "must hold 256 or 4096 bytes");
	expect_refused("{\"kernel\": {\"release\": \"6.1\"}, \"devices\": [{\"bdf\": \"0000:00:01.0\", "
		       "\"id\": \"10de:2330\", \"class\": \"0x030200\", \"driver\": \"nvidia\"}]}",
		       "not registered");
	expect_refused(
	    "{\"kernel\": {\"release\": \"6.1\", \"modules_loaded\": [\"nope\"]}, \"devices\": []}",
	    "unknown module \"nope\"");
	expect_refused(
	    "{\"kernel\": {\"release\": \"6.1\"}, \"iommu\": {\"type\": \"arm\"}, \"devices\": []}",
	    "iommu.type");
	expect_refused(
	    "{\"kernel\": {\"release\": \"6.1\"}, \"iommu\": {\"type\": \"amd\", \"enabled\": true}, "
	    "\"devices\": []}",
	    "AMD IOMMU needs its PCI function");
}

static void amd_iommu_layout(void **state)
{
	assert_string_equal(link_of("/sys/class/iommu/ivhd0"),
			    "../../devices/pci0000:00/0000:00:00.2/iommu/ivhd0");
	assert_true(exists("/sys/firmware/acpi/tables/IVRS"));
	assert_string_equal(rd("/sys/kernel/iommu_groups/3/type"), "identity\n");
	assert_non_null(strstr(rd("/sys/kernel/iommu_groups/3/reserved_regions"), "msi\n"));
}

static int setup_amd(void **state)
{
	load("fixtures/amd-iommu.json");
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(attribute_formats, setup_h100, teardown),
		cmocka_unit_test_setup_teardown(config_agrees_with_resource, setup_h100, teardown),
		cmocka_unit_test_setup_teardown(links_are_relative, setup_h100, teardown),
		cmocka_unit_test_setup_teardown(driver_override_row, setup_h100, teardown),
		cmocka_unit_test_setup_teardown(bind_unbind_errnos, setup_h100, teardown),
		cmocka_unit_test_setup_teardown(vfio_group_exclusive, setup_h100, teardown),
		cmocka_unit_test_setup_teardown(vfio_refuses_bridges, setup_h100, teardown),
		cmocka_unit_test_setup_teardown(vfio_needs_group, setup_off, teardown),
		cmocka_unit_test_setup_teardown(new_id_and_remove_id, setup_nic, teardown),
		cmocka_unit_test_setup_teardown(modules_as_state, setup_h100, teardown),
		cmocka_unit_test_setup_teardown(nvidia_proc_and_unbind_lock, setup_nic, teardown),
		cmocka_unit_test_setup_teardown(unbind_lock_row, setup_h100, teardown),
		cmocka_unit_test_setup_teardown(faults_and_stats, setup_h100, teardown),
		cmocka_unit_test_setup_teardown(config_waits_for_recovery, setup_h100, teardown),
		cmocka_unit_test_setup_teardown(new_pci_dev_new_inode, setup_h100, teardown),
		cmocka_unit_test_setup_teardown(recovery_walks_below_the_port, setup_aer, teardown),
		cmocka_unit_test_setup_teardown(unplug_removes, setup_h100, teardown),
		cmocka_unit_test_setup_teardown(read_only_and_write_only, setup_h100, teardown),
		cmocka_unit_test_setup_teardown(kmsg_sink, setup_h100, teardown),
		cmocka_unit_test_setup_teardown(amd_iommu_layout, setup_amd, teardown),
		cmocka_unit_test(bad_fixtures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
