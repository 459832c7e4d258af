// SPDX-License-Identifier: GPL-2.0-or-later
/* A PCI function that falls sick: off the bus, link down, AER errors.
 *
 * - Fell off the bus: the hardware answers every config read with all
 *   ones.  sysfs `config` goes to the hardware (linux drivers/pci/
 *   pci-sysfs.c pci_read_config() -> pci_user_read_config_*(), which also
 *   sets ~0 on an error: PCI_SET_ERROR_RESPONSE), while `vendor`,
 *   `device` and `class` print the values cached in struct pci_dev at
 *   enumeration (pci-sysfs.c pci_config_attr(vendor, ...)): they stay.
 *   A rescan does not find it again (drivers/pci/probe.c
 *   pci_bus_generic_read_dev_vendor_id(): ~0 is "no device").
 * - Disconnected: pciehp (surprise removal) and DPC mark the pci_dev with
 *   pci_dev_set_disconnected() (drivers/pci/pci.h; one way: only a new
 *   pci_dev is clean).  The kernel's own config reads then fail without
 *   touching the hardware (drivers/pci/access.c pci_read_config_*():
 *   PCI_SET_ERROR_RESPONSE, PCIBIOS_DEVICE_NOT_FOUND), so
 *   current_link_speed / current_link_width, which read LNKSTA through
 *   pcie_capability_read_word(), fail with EINVAL (pci-sysfs.c
 *   current_link_speed_show(): "if (err) return -EINVAL").  User reads of
 *   `config` do not check the flag (access.c pci_user_read_config_*() go
 *   to the bus): a device that is gone answers all ones, as dead.
 *   Unverified on a real kernel (QEMU 7.2's root ports have no DPC; its
 *   hot-unplug is the orderly attention-button one).
 * - current_link_speed reads PCI_EXP_LNKSTA and prints
 *   pci_speed_string(pcie_link_speed[lnksta & PCI_EXP_LNKSTA_CLS])
 *   (pci-sysfs.c current_link_speed_show()): a Current Link Speed code
 *   that names no speed (0 with the link down, 0xf from an all-ones read)
 *   is PCI_SPEED_UNKNOWN, printed "Unknown" (drivers/pci/probe.c
 *   pci_speed_string()).  current_link_width prints the NLW field:
 *   0 with no link, 63 from all ones.
 * - AER counters: drivers/pci/pcie/aer.c aer_stats_dev_attr(): one line
 *   "<name> <count>" per named error bit, "<array>_bit[<i>] <count>" for
 *   an unnamed bit that counted, then "TOTAL_ERR_FATAL <n>" (_COR,
 *   _NONFATAL); visible only when the device has the AER capability
 *   (pci_aer_init() allocates aer_stats then; aer_stats_attrs_are_visible()).
 *   Kept in pci_dev: a new pci_dev (remove + rescan) starts at zero.
 *   What counts (aer.c): a correctable or non-fatal error bumps the
 *   device's counter of each status bit and its total (the status is read:
 *   aer_get_device_error_info(), counted in __aer_print_error() ->
 *   pci_dev_aer_stats_incr()).  A natively reported ERR_FATAL of an
 *   endpoint is NOT counted: its status is not read ("Link is still healthy
 *   for IO reads" only for ports and non-fatal errors), aer_print_error()
 *   logs "type=Inaccessible" and returns before counting -- seen on Debian's
 *   6.1 under QEMU (tests/vm/s-aer.sh: TOTAL_ERR_FATAL stays 0, the root
 *   port's aer_rootport_total_err_fatal becomes 1).  A port's own fatal
 *   error and a firmware-first (APEI/GHES) report, whose status the
 *   firmware hands over (aer_recover_work_func() -> pci_print_aer() ->
 *   __aer_print_error()), are counted.  A root port counts the messages it
 *   received: aer_rootport_total_err_{cor,fatal,nonfatal}
 *   (pci_rootport_aer_stats_incr() in aer_isr_one_error(); visible on root
 *   ports and RCECs only, aer_stats_attrs_are_visible()).
 * - Recovery: pcie_do_recovery() announces its start and end with
 *   change uevents from pci_uevent_ers() (drivers/pci/pci-driver.c):
 *   ERROR_EVENT=BEGIN_RECOVERY DEVICE_ONLINE=0, then
 *   ERROR_EVENT=SUCCESSFUL_RECOVERY DEVICE_ONLINE=1 (report_resume()) or
 *   FAILED_RECOVERY DEVICE_ONLINE=0, both on the device (err.c
 *   pcie_do_recovery(): the "failed:" path sends it for dev; seen in
 *   tests/vm/s-aer.sh, where the secondary bus reset of QEMU's root port
 *   fails: "Data Link Layer Link Active not set in 1000 msec").  A fatal
 *   error resets the link (aer_root_reset()); a non-fatal one does not.
 *   The uevents come from report_error_detected()/report_resume() with a
 *   driver that has error handlers (vfio-pci: vfio_pci_core_err_handlers),
 *   for every function the recovery walks: pcie_do_recovery() takes the
 *   reporting port itself (root or downstream port) or else the bridge
 *   above the reporting function, and pci_walk_bridge() visits every
 *   function below that bridge (not the bridge): an endpoint's error
 *   announces BEGIN_/SUCCESSFUL_RECOVERY to it and its siblings, a port's
 *   to everything below the port.  FAILED_RECOVERY goes to the reporting
 *   device only (6.1's "failed:" path; older kernels sent it to the
 *   bridge), so functions below a port whose recovery failed keep their
 *   BEGIN_RECOVERY as the last word.  The model takes every bridge as a
 *   port that recovers itself (a switch's upstream port would hand it to
 *   the port above: err.c, PCI_EXP_TYPE_UPSTREAM is not in its list);
 *   for a device without a driver the model sends the same (unverified;
 *   gpu-initd only serves devices on a VFIO driver).  Falling off the bus
 *   and a link going down announce nothing by themselves.
 *
 * The model splits a recovery into `sick BDF aer-fatal` (recovery begun)
 * and `heal BDF` (SUCCESSFUL_RECOVERY) or `sick BDF recovery-failed`
 * (FAILED_RECOVERY), where the kernel does both within milliseconds (or a
 * few seconds of link waits), so that tests can look at the state between.
 * A failed recovery leaves the device as it is in sysfs: nothing there
 * tells (pci_dev->error_state is not exported); only a new pci_dev (remove
 * and rescan) starts clean.
 * - Config access during the recovery: a fatal error's recovery resets the
 *   link (pcie_do_recovery() -> aer_root_reset() -> pci_bus_error_reset()
 *   -> drivers/pci/pci.c pci_bus_reset()) under pci_bus_lock(), whose
 *   pci_dev_lock() takes pci_cfg_access_lock() on every function below
 *   the port (the port itself too since 6.11, "PCI: Add missing bridge lock
 *   to pci_bus_lock()").  A user read of `config` meanwhile (pci-sysfs.c
 *   pci_read_config() -> access.c pci_user_read_config_*()) sleeps in
 *   pci_wait_cfg() until pci_cfg_access_unlock(); the kernel's own reads
 *   (pci_read_config_*(), e.g. current_link_speed) do not wait, nor do the
 *   attributes printed from pci_dev (vendor, device, class, aer_dev_*).
 *   The model locks every function of the walk (not the bridge) from
 *   `sick BDF aer-fatal` until the outcome
 *   (`heal`, `sick BDF recovery-failed`): the kernel holds it only for the
 *   reset inside that window (the link waits of
 *   pci_bridge_wait_for_secondary_bus(), up to a minute), which the model
 *   does not split off.  A reader waits (simfs_read_wait(); counted in
 *   .simfs/stats cfg_waits) and can be interrupted; whether the kernel's
 *   wait can be (wait_event() is uninterruptible) is not modelled. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "model.h"

/* aer.c aer_correctable_error_string[] / aer_uncorrectable_error_string[] */
static const char *const cor_names[16] = {
	[0] = "RxErr",	  [6] = "BadTLP",	[7] = "BadDLLP",     [8] = "Rollover",
	[12] = "Timeout", [13] = "NonFatalErr", [14] = "CorrIntErr", [15] = "HeaderOF"
};
static const char *const uncor_names[27] = {
	[0] = "Undefined",	[4] = "DLP",
	[5] = "SDES",		[12] = "TLP",
	[13] = "FCP",		[14] = "CmpltTO",
	[15] = "CmpltAbrt",	[16] = "UnxCmplt",
	[17] = "RxOF",		[18] = "MalfTLP",
	[19] = "ECRC",		[20] = "UnsupReq",
	[21] = "ACSViol",	[22] = "UncorrIntErr",
	[23] = "BlockedTLP",	[24] = "AtomicOpBlocked",
	[25] = "TLPBlockedErr", [26] = "PoisonTLPBlocked",
};

static ssize_t aer_show(char *buf, size_t cap, const uint64_t *c, const char *const *names, unsigned n,
			const char *array, const char *total_name, uint64_t total)
{
	size_t o = 0;
	for (unsigned i = 0; i < n && o < cap; i++)
		if (names[i])
			o += (size_t)snprintf(buf + o, cap - o, "%s %llu\n", names[i],
					      (unsigned long long)c[i]);
		else if (c[i])
			o += (size_t)snprintf(buf + o, cap - o, "%s_bit[%u] %llu\n", array, i,
					      (unsigned long long)c[i]);
	if (o < cap)
		o += (size_t)snprintf(buf + o, cap - o, "TOTAL_%s %llu\n", total_name,
				      (unsigned long long)total);
	return o < cap ? (ssize_t)o : -EINVAL;
}

static ssize_t aer_cor_show(struct node *n, char *buf, size_t cap, const struct attr_io *io)
{
	struct sim_dev *d = n->obj;
	return aer_show(buf, cap, d->aer_cor, cor_names, 16, "dev_cor_errs", "ERR_COR", d->aer_total_cor);
}

static ssize_t aer_fatal_show(struct node *n, char *buf, size_t cap, const struct attr_io *io)
{
	struct sim_dev *d = n->obj;
	return aer_show(buf, cap, d->aer_fatal, uncor_names, 27, "dev_fatal_errs", "ERR_FATAL",
			d->aer_total_fatal);
}

static ssize_t aer_nonfatal_show(struct node *n, char *buf, size_t cap, const struct attr_io *io)
{
	struct sim_dev *d = n->obj;
	return aer_show(buf, cap, d->aer_nonfatal, uncor_names, 27, "dev_nonfatal_errs", "ERR_NONFATAL",
			d->aer_total_nonfatal);
}

/* A VF has no link of its own: its Link Status reads zero, so a live VF
 * shows "Unknown" and width 0 -- seen on a real kernel (Debian 6.1,
 * QEMU's nvme VFs: tests/vm s-sriov, where a VF read as link-down was
 * refused); that hardware VFs read the same is unverified here. */
static ssize_t link_speed_show(struct node *n, char *buf, size_t cap, const struct attr_io *io)
{
	struct sim_dev *d = n->obj;
	if (d->disconnected)
		return -EINVAL;
	return snprintf(buf, cap, "%s\n", d->dead || d->link_down || d->physfn ? "Unknown" : d->link_speed);
}

static ssize_t link_width_show(struct node *n, char *buf, size_t cap, const struct attr_io *io)
{
	struct sim_dev *d = n->obj;
	if (d->disconnected)
		return -EINVAL;
	return snprintf(buf, cap, "%d\n", d->dead ? 63 : d->link_down || d->physfn ? 0 : d->link_width);
}

static ssize_t aer_rp_show(struct node *n, char *buf, size_t cap, const struct attr_io *io)
{
	struct sim_dev *d = n->obj;
	const char *name = n->name + strlen("aer_rootport_total_err_");
	uint64_t v = strcmp(name, "cor") == 0	  ? d->aer_rp_cor
		     : strcmp(name, "fatal") == 0 ? d->aer_rp_fatal
						  : d->aer_rp_nonfatal;
	return snprintf(buf, cap, "%llu\n", (unsigned long long)v);
}

static const struct attr_ops aer_rp_ops = { .show = aer_rp_show };
static const struct attr_ops aer_cor_ops = { .show = aer_cor_show };
static const struct attr_ops aer_fatal_ops = { .show = aer_fatal_show };
static const struct attr_ops aer_nonfatal_ops = { .show = aer_nonfatal_show };
static const struct attr_ops link_speed_ops = { .show = link_speed_show };
static const struct attr_ops link_width_ops = { .show = link_width_show };

int pcihealth_add_attrs(struct sim_dev *d)
{
	/* a new pci_dev: new aer_stats, zeroed (pci_aer_init kzalloc) */
	memset(d->aer_cor, 0, sizeof(d->aer_cor));
	memset(d->aer_fatal, 0, sizeof(d->aer_fatal));
	memset(d->aer_nonfatal, 0, sizeof(d->aer_nonfatal));
	d->aer_total_cor = d->aer_total_fatal = d->aer_total_nonfatal = 0;
	d->aer_rp_cor = d->aer_rp_fatal = d->aer_rp_nonfatal = 0;
	d->recovering = false;
	d->cfg_locked = false;
	d->disconnected = false;
	bool ok = tree_add_attr(d->dir, "current_link_speed", 0444, &link_speed_ops, d, 0) != NULL;
	ok &= tree_add_attr(d->dir, "current_link_width", 0444, &link_width_ops, d, 0) != NULL;
	if (pci_find_ext_cap(d, 0x0001)) { /* PCI_EXT_CAP_ID_ERR */
		ok &= tree_add_attr(d->dir, "aer_dev_correctable", 0444, &aer_cor_ops, d, 0) != NULL;
		ok &= tree_add_attr(d->dir, "aer_dev_fatal", 0444, &aer_fatal_ops, d, 0) != NULL;
		ok &= tree_add_attr(d->dir, "aer_dev_nonfatal", 0444, &aer_nonfatal_ops, d, 0) != NULL;
		if (pci_is_bridge(d) && !d->parent) { /* a root port */
			ok &= tree_add_attr(d->dir, "aer_rootport_total_err_cor", 0444, &aer_rp_ops, d, 0) !=
			      NULL;
			ok &= tree_add_attr(d->dir, "aer_rootport_total_err_fatal", 0444, &aer_rp_ops, d,
					    0) != NULL;
			ok &= tree_add_attr(d->dir, "aer_rootport_total_err_nonfatal", 0444, &aer_rp_ops, d,
					    0) != NULL;
		}
	}
	return ok ? 0 : -ENOMEM;
}

enum ers { ERS_BEGIN, ERS_SUCCESS, ERS_FAILED };

static void emit_ers(struct sim_dev *d, enum ers e)
{
	char envbuf[512];
	const char *env[10];
	env[0] = e == ERS_BEGIN	    ? "ERROR_EVENT=BEGIN_RECOVERY"
		 : e == ERS_SUCCESS ? "ERROR_EVENT=SUCCESSFUL_RECOVERY"
				    : "ERROR_EVENT=FAILED_RECOVERY";
	env[1] = e == ERS_SUCCESS ? "DEVICE_ONLINE=1" : "DEVICE_ONLINE=0";
	pci_uevent_env(d, envbuf, sizeof(envbuf), env + 2, 8);
	model_emit(d->m, "change", d->devpath, "pci", env);
}

/* The root port that receives d's error messages, if it reports AER. */
static struct sim_dev *root_port(struct sim_dev *d)
{
	struct sim_dev *p = d->parent;
	while (p && p->parent)
		p = p->parent;
	return p && pci_find_ext_cap(p, 0x0001) ? p : NULL;
}

/* Calls fn on every function the recovery of an error reported by d
 * walks (err.c pcie_do_recovery() -> pci_walk_bridge()). */
static void recovery_walk(struct sim_dev *d, void (*fn)(struct sim_dev *, void *), void *arg)
{
	struct sim_dev *bridge = pci_is_bridge(d) || !d->parent ? d : d->parent;
	if (!pci_is_bridge(bridge)) { /* no subordinate bus: the function itself */
		fn(bridge, arg);
		return;
	}
	for (int i = 0; i < d->m->ndevs; i++) {
		struct sim_dev *x = d->m->devs[i];
		for (struct sim_dev *p = x->parent; x->present && p; p = p->parent)
			if (p == bridge) {
				fn(x, arg);
				break;
			}
	}
}

static void walk_emit(struct sim_dev *x, void *arg)
{
	emit_ers(x, *(enum ers *)arg);
}

static void walk_lock(struct sim_dev *x, void *arg)
{
	x->cfg_locked = *(bool *)arg;
}

static void walk_ers(struct sim_dev *d, enum ers e)
{
	recovery_walk(d, walk_emit, &e);
}

static void walk_lock_cfg(struct sim_dev *d, bool locked)
{
	recovery_walk(d, walk_lock, &locked);
}

/* A fatal error's recovery: BEGIN_RECOVERY to the walk, their config
 * access locked for the reset, until the outcome. */
static void begin_recovery(struct sim_dev *d)
{
	if (!d->recovering)
		walk_ers(d, ERS_BEGIN);
	d->recovering = true;
	walk_lock_cfg(d, true);
}

int pcihealth_sick(struct sim_dev *d, const char *what)
{
	bool aer = pci_find_ext_cap(d, 0x0001) != 0;
	struct sim_dev *rp = root_port(d);
	if (strcmp(what, "dead") == 0) {
		d->dead = true;
	} else if (strcmp(what, "disconnected") == 0) {
		d->dead = d->disconnected = true; /* gone: all ones to user reads */
	} else if (strcmp(what, "link-down") == 0) {
		d->link_down = true;
	} else if (strcmp(what, "aer-fatal") == 0 && aer) {
		/* a Data Link Protocol error (fatal by default severity)
		 * reported natively: an endpoint's is not counted */
		if (pci_is_bridge(d)) {
			d->aer_fatal[4]++;
			d->aer_total_fatal++;
		}
		if (rp)
			rp->aer_rp_fatal++;
		begin_recovery(d);
	} else if (strcmp(what, "aer-fatal-firmware") == 0 && aer) {
		/* the same reported firmware-first: counted, no root port count */
		d->aer_fatal[4]++;
		d->aer_total_fatal++;
		begin_recovery(d);
	} else if (strcmp(what, "recovery-failed") == 0 && d->recovering) {
		walk_lock_cfg(d, false); /* the reset is over, failed */
		emit_ers(d, ERS_FAILED);
		d->recovering = false;
	} else if (strcmp(what, "aer-nonfatal") == 0 && aer) {
		/* a Completion Timeout: recovered without a reset */
		d->aer_nonfatal[14]++;
		d->aer_total_nonfatal++;
		if (rp)
			rp->aer_rp_nonfatal++;
		walk_ers(d, ERS_BEGIN);
		walk_ers(d, ERS_SUCCESS);
	} else if (strcmp(what, "aer-correctable") == 0 && aer) {
		d->aer_cor[0]++; /* RxErr: no recovery for a corrected error */
		d->aer_total_cor++;
		if (rp)
			rp->aer_rp_cor++;
	} else {
		return -EINVAL;
	}
	d->m->seq++;
	return 0;
}

bool pcihealth_cfg_locked(const struct sim_dev *d)
{
	return d->cfg_locked;
}

int pcihealth_heal(struct sim_dev *d)
{
	/* the hardware answers again; a disconnected pci_dev stays so */
	d->dead = d->link_down = false;
	if (d->recovering) {
		walk_lock_cfg(d, false);
		walk_ers(d, ERS_SUCCESS);
	}
	d->recovering = false;
	d->m->seq++;
	return 0;
}

void pcihealth_reset(struct sim_dev *d)
{
	/* a secondary bus reset retrains the link; a function that stopped
	 * answering may answer again (simulation choice: it does) */
	d->dead = d->link_down = false;
	d->m->seq++;
}
