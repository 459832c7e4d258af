// SPDX-License-Identifier: GPL-2.0-or-later
/* What a PCI function says about its own health, as serve reads it on
 * every scan and before every Allocate: config space all ones, the link
 * down, fatal AER errors. */
#include "sick.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ers.h"
#include "node/pcidev.h"
#include "rootfs.h"

int discover_parse_aer_total(const char *text, uint64_t *ret)
{
	/* linux drivers/pci/pcie/aer.c aer_stats_dev_attr(): the last line is
	 * "TOTAL_ERR_FATAL <n>" */
	static const char key[] = "TOTAL_ERR_FATAL ";
	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (strncmp(l, key, sizeof(key) - 1) == 0) {
			char *end;
			const char *v = l + sizeof(key) - 1;
			if (!isdigit((unsigned char)*v))
				return -EINVAL;
			errno = 0;
			unsigned long long n = strtoull(v, &end, 10);
			if (errno || (*end && *end != '\n') || n == SDEV_AER_UNKNOWN)
				return -EINVAL;
			*ret = n;
			return 0;
		}
	return -ENOENT;
}

/* Sickness of the function in devfd.  Only what the device itself says
 * counts; a read that fails (ours: EMFILE, ENOMEM...) leaves the reading
 * "fine"/unknown, so an error of ours never turns a device Unhealthy.
 * - config: read from the hardware, all ones from a function that no
 *   longer answers (linux drivers/pci/pci-sysfs.c pci_read_config(); the
 *   cached `vendor` file would still say 0x10de);
 * - current_link_speed "Unknown": no defined Current Link Speed in
 *   PCI_EXP_LNKSTA (pci-sysfs.c current_link_speed_show(),
 *   probe.c pci_speed_string()); not on a VF, which always reads so;
 * - aer_dev_fatal: ERR_FATAL count (drivers/pci/pcie/aer.c), absent
 *   without the AER capability.
 * Not `config` while the kernel recovers the function (d->ers, as serve
 * set it from the uevents): a fatal error's recovery resets the link under
 * pci_bus_lock() (drivers/pci/pci.c pci_bus_reset(), from
 * pcie/err.c pcie_do_recovery() -> aer_root_reset() ->
 * pci_bus_error_reset()), which takes pci_dev_lock() = device_lock() +
 * pci_cfg_access_lock() of every function below the port (and the port
 * since 6.11); a user read of `config` (pci-sysfs.c pci_read_config() ->
 * access.c pci_user_read_config_*()) then sleeps in pci_wait_cfg()
 * (uninterruptible wait_event()) until the reset ends: up to the link and
 * readiness waits of pci_bridge_wait_for_secondary_bus(), a minute.  serve
 * would stall its event loop there.  The function's own state covers a
 * reset of its port: the recovery announces BEGIN_RECOVERY to every
 * function below the port it resets (err.c pci_walk_bridge() ->
 * report_error_detected() -> pci_uevent_ers()); d->ers also holds its PF's
 * (a VF) or GPU's (an mdev) state.  The other readings here do not wait:
 * current_link_speed reads through pcie_capability_read_word() ->
 * pci_read_config_word(), which ignores block_cfg_access (access.c), and
 * aer_dev_fatal prints counters kept in pci_dev (aer.c); vendor, device
 * and class are cached in pci_dev too (pci-sysfs.c pci_config_attr()). */
void sick_read_at(int devfd, struct sdev *d)
{
	uint8_t id[12];
	char txt[1024];
	d->dead = false;
	d->link_down = false;
	d->aer_fatal = SDEV_AER_UNKNOWN;
	int fd = d->ers == ERS_RECOVERING ? -EAGAIN : rootfs_openat(devfd, "config", O_RDONLY, 0);
	if (fd >= 0) {
		ssize_t n;
		do
			n = pread(fd, id, sizeof(id), 0);
		while (n < 0 && errno == EINTR);
		/* IDs, command/status, revision/class: a live function never
		 * answers all ones there (an SR-IOV VF reads ffff as its IDs,
		 * PCIe SR-IOV spec 3.4.1.1, but its status and class are real) */
		d->dead = n == (ssize_t)sizeof(id);
		for (size_t i = 0; i < sizeof(id) && d->dead; i++)
			d->dead = id[i] == 0xff;
		close(fd);
	}
	/* a VF has no link of its own: it always reads "Unknown" (a real
	 * kernel's VFs do: tests/vm s-sriov); its PF's link is the one */
	char pf[64];
	if (rootfs_link_basename(devfd, "physfn", pf, sizeof(pf)) < 0) {
		int r = rootfs_read_attr(devfd, "current_link_speed", txt, sizeof(txt));
		if (r >= 0)
			d->link_down = strcmp(txt, "Unknown") == 0;
		/* the kernel's own config read failed: a pci_dev marked
		 * disconnected (pciehp surprise removal, DPC), which the
		 * kernel no longer touches (pci-sysfs.c current_link_speed_show
		 * -> pcie_capability_read_word -> access.c pci_read_config_word
		 * refusing a disconnected device) */
		else if (r == -EINVAL)
			d->dead = true;
	}
	fd = rootfs_openat(devfd, "aer_dev_fatal", O_RDONLY, 0);
	if (fd >= 0) {
		ssize_t n;
		do
			n = read(fd, txt, sizeof(txt) - 1);
		while (n < 0 && errno == EINTR);
		close(fd);
		uint64_t v;
		if (n > 0) {
			txt[n] = '\0';
			if (discover_parse_aer_total(txt, &v) == 0)
				d->aer_fatal = v;
		}
	}
}

int discover_read_sick(int rootfd, const char *bdf, struct sdev *d)
{
	char p[96];
	if (!discover_valid_bdf(bdf))
		return -EINVAL;
	snprintf(p, sizeof(p), PCI_DEVICES "/%s", bdf);
	int fd = rootfs_openat(rootfd, p, O_PATH | O_DIRECTORY, 0);
	if (fd < 0)
		return fd;
	sick_read_at(fd, d);
	close(fd);
	return 0;
}

/* An mdev is as sick as the GPU under it. */
void sick_read_parent(int rootfd, struct sdev *d)
{
	char p[96];
	snprintf(p, sizeof(p), PCI_DEVICES "/%s", d->parent);
	int fd = discover_valid_bdf(d->parent) ? rootfs_openat(rootfd, p, O_PATH | O_DIRECTORY, 0) : -EINVAL;
	if (fd < 0) {
		d->dead = d->link_down = false;
		d->aer_fatal = SDEV_AER_UNKNOWN;
		return;
	}
	sick_read_at(fd, d);
	close(fd);
}
