// SPDX-License-Identifier: GPL-2.0-or-later
/* PCI drivers: matching (driver_override, dynamic ids, id tables), probe
 * and release with their side effects, and the bus and driver attributes
 * (bind, unbind, new_id, remove_id, drivers_probe) with the kernel's errnos. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

static bool rule_matches(const struct id_rule *r, const struct sim_dev *d)
{
	return (r->vendor == SIM_ANY || r->vendor == d->vendor) &&
	       (r->device == SIM_ANY || r->device == d->device) &&
	       ((d->class ^ r->class) & r->class_mask) == 0;
}

static bool dynid_matches(const struct dynid *id, uint16_t vendor, uint16_t device, uint16_t subvendor,
			  uint16_t subdevice, uint32_t class)
{
	return (id->vendor == SIM_ANY || id->vendor == vendor) &&
	       (id->device == SIM_ANY || id->device == device) &&
	       (id->subvendor == SIM_ANY || id->subvendor == subvendor) &&
	       (id->subdevice == SIM_ANY || id->subdevice == subdevice) &&
	       ((id->class ^ class) & id->class_mask) == 0;
}

bool driver_matches(const struct sim_driver *drv, const struct sim_dev *d)
{
	if (!drv->registered)
		return false;
	/* While driver_override is set, only that driver may bind. */
	if (d->driver_override)
		return strcmp(d->driver_override, drv->desc->name) == 0;
	for (const struct dynid *id = drv->dynids; id; id = id->next)
		if (dynid_matches(id, d->vendor, d->device, d->subvendor, d->subdevice, d->class))
			return true;
	if (drv->desc->flags & DRV_OVERRIDE_ONLY)
		return false;
	for (int i = 0; i < drv->desc->nids; i++)
		if (rule_matches(&drv->desc->ids[i], d))
			return true;
	return false;
}

static void emit_dev(struct sim_dev *d, const char *action)
{
	char envbuf[512];
	const char *env[8];
	pci_uevent_env(d, envbuf, sizeof(envbuf), env, 8);
	model_emit(d->m, action, d->devpath, "pci", env);
}

int driver_probe(struct sim_driver *drv, struct sim_dev *d)
{
	struct model *m = d->m;
	if (d->driver)
		return -EBUSY;
	/* really_probe(): the bus's dma_configure runs before the driver's
	 * probe; where groups are made at probe, this makes it (iommu.c) */
	int ir = iommu_probe_dev(m, d);
	if (ir < 0)
		return ir;
	/* pci_device_can_probe(): VFs wait for sriov_drivers_autoprobe or an override */
	if (d->physfn && !d->physfn->vf_autoprobe && !d->driver_override)
		return -ENODEV;
	if (drv->desc->flags & DRV_VFIO) {
		/* vfio-pci: normal header only, an IOMMU group, no PF with VFs */
		if ((d->config[0x0e] & 0x7f) != 0)
			return -EINVAL;
		if (!d->group)
			return -EINVAL;
		if (d->num_vfs > 0)
			return -EBUSY;
		int r = vfio_group_get(m, d->group);
		if (r < 0)
			return r;
	}
	if (drv->desc->flags & DRV_NVIDIA) {
		int r = nvidia_bind(d);
		if (r < 0)
			return r;
	}
	d->driver = drv;
	if (!tree_add_rel_link(d->dir, "driver", drv->dir) || !tree_add_rel_link(drv->dir, d->bdf, d->dir))
		return -ENOMEM;
	m->stats.binds++;
	emit_dev(d, "bind");
	if (drv->desc->flags & DRV_VFIO)
		bootfb_vfio_bind(d);
	return 0;
}

/* A PF whose VFs are still bound to nvidia.  NVIDIA's sriov-manage never
 * unbinds the PF in that state (disable_vfs unbinds every VF first), and
 * what the real driver then does is not in its open source (the VF side
 * lives in nvidia-vgpu-vfio): unverified, NVIDIA's scripts avoid it.  The
 * model refuses that unbind with EBUSY so a tool that does it is seen. */
static bool nvidia_vfs_bound(const struct sim_dev *pf)
{
	if (pf->physfn || pf->num_vfs == 0)
		return false;
	struct model *m = pf->m;
	for (int i = 0; i < m->ndevs; i++) {
		const struct sim_dev *vf = m->devs[i];
		if (vf->physfn == pf && vf->present && vf->driver && (vf->driver->desc->flags & DRV_NVIDIA))
			return true;
	}
	return false;
}

int driver_release(struct sim_dev *d)
{
	struct sim_driver *drv = d->driver;
	if (!drv)
		return 0;
	unsigned flags = drv->desc->flags;
	/* Both drivers' remove() wait for their users to go away. */
	if ((flags & DRV_VFIO) && d->group && vfio_group_busy(d->group))
		return -SIM_EWAIT;
	if ((flags & DRV_NVIDIA) && (d->nv_users > 0 || vgpu_can_release(d) < 0))
		return -SIM_EWAIT;
	if ((flags & DRV_NVIDIA) && nvidia_vfs_bound(d))
		return -EBUSY;
	tree_remove_child(d->dir, "driver");
	tree_remove_child(drv->dir, d->bdf);
	d->driver = NULL;
	if (flags & DRV_NVIDIA)
		nvidia_unbind(d);
	if (flags & DRV_VFIO)
		vfio_group_put(d->m, d->group);
	d->m->stats.unbinds++;
	emit_dev(d, "unbind");
	return 0;
}

int driver_autoprobe(struct model *m, struct sim_dev *d)
{
	if (d->driver || !d->present)
		return 0;
	/* bus_for_each_drv(): in the order the drivers registered */
	for (unsigned seq = 1; seq <= m->reg_seq; seq++)
		for (int i = 0; i < m->ndrivers; i++) {
			struct sim_driver *drv = &m->drivers[i];
			if (drv->reg_seq != seq || !driver_matches(drv, d))
				continue;
			int r = driver_probe(drv, d);
			if (r == 0)
				return 1;
			if (r == -ENOMEM) /* the model itself failed: the fixture loader says so */
				return r;
		}
	return 0;
}

/* ---- attributes --------------------------------------------------------- */

/* Device name from a write: the kernel compares with sysfs_streq(), which
 * ignores one trailing newline. */
static struct sim_dev *dev_from_buf(struct model *m, const char *buf, size_t len)
{
	char name[64];
	if (len && buf[len - 1] == '\n')
		len--;
	if (len == 0 || len >= sizeof(name))
		return NULL;
	memcpy(name, buf, len);
	name[len] = '\0';
	char canon[PCI_ADDR_STRLEN];
	struct pci_addr a;
	/* dev_name() is the canonical form: other spellings do not match */
	if (pci_addr_parse(name, &a) < 0 || strcmp(pci_addr_format(&a, canon), name) != 0)
		return NULL;
	return model_find_dev(m, name);
}

static ssize_t bind_store(struct node *n, const char *buf, size_t len, const struct attr_io *io)
{
	struct sim_driver *drv = n->obj;
	struct model *m = (struct model *)n->arg;
	struct sim_dev *d = dev_from_buf(m, buf, len);
	if (!d || !driver_matches(drv, d))
		return -ENODEV;
	int r = driver_probe(drv, d);
	return r < 0 ? r : (ssize_t)len;
}

static ssize_t unbind_store(struct node *n, const char *buf, size_t len, const struct attr_io *io)
{
	struct sim_driver *drv = n->obj;
	struct model *m = (struct model *)n->arg;
	struct sim_dev *d = dev_from_buf(m, buf, len);
	if (!d || d->driver != drv)
		return -ENODEV;
	int r = driver_release(d);
	return r < 0 ? r : (ssize_t)len;
}

/* "vendor device [subvendor subdevice class class_mask [driver_data]]" */
static int parse_ids(const char *buf, size_t len, unsigned v[7])
{
	char tmp[256];
	if (len >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, buf, len);
	tmp[len] = '\0';
	return sscanf(tmp, "%x %x %x %x %x %x %x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6]);
}

static ssize_t new_id_store(struct node *n, const char *buf, size_t len, const struct attr_io *io)
{
	struct sim_driver *drv = n->obj;
	struct model *m = (struct model *)n->arg;
	unsigned v[7] = { 0, 0, SIM_ANY, SIM_ANY, 0, 0, 0 };
	int fields = parse_ids(buf, len, v);
	if (fields < 2)
		return -EINVAL;
	if (fields != 7) {
		/* An id the driver already matches (statically or dynamically). */
		struct sim_dev probe = { .vendor = (uint16_t)v[0],
					 .device = (uint16_t)v[1],
					 .subvendor = (uint16_t)v[2],
					 .subdevice = (uint16_t)v[3],
					 .class = v[4] };
		if (driver_matches(drv, &probe))
			return -EEXIST;
	} else if (v[6] != 0) {
		return -EINVAL; /* driver_data must be one the driver's table uses */
	}
	struct dynid *id = calloc(1, sizeof(*id));
	if (!id)
		return -ENOMEM;
	*id = (struct dynid){ .vendor = v[0],
			      .device = v[1],
			      .subvendor = v[2],
			      .subdevice = v[3],
			      .class = v[4],
			      .class_mask = v[5] };
	struct dynid **pp = &drv->dynids;
	while (*pp)
		pp = &(*pp)->next;
	*pp = id;
	m->seq++;
	/* new_id binds every matching unbound device at once. */
	for (int i = 0; i < m->ndevs; i++) {
		struct sim_dev *d = m->devs[i];
		if (d->present && !d->driver && driver_matches(drv, d))
			driver_probe(drv, d);
	}
	return (ssize_t)len;
}

static ssize_t remove_id_store(struct node *n, const char *buf, size_t len, const struct attr_io *io)
{
	struct sim_driver *drv = n->obj;
	unsigned v[7] = { 0, 0, SIM_ANY, SIM_ANY, 0, 0, 0 };
	if (parse_ids(buf, len, v) < 2)
		return -EINVAL;
	for (struct dynid **pp = &drv->dynids; *pp; pp = &(*pp)->next) {
		struct dynid *id = *pp;
		if (id->vendor == v[0] && id->device == v[1] && (v[2] == SIM_ANY || id->subvendor == v[2]) &&
		    (v[3] == SIM_ANY || id->subdevice == v[3]) && !((id->class ^ v[4]) & v[5])) {
			*pp = id->next;
			free(id);
			return (ssize_t)len;
		}
	}
	return -ENODEV;
}

static ssize_t drv_uevent_store(struct node *n, const char *buf, size_t len, const struct attr_io *io)
{
	return (ssize_t)len;
}

static const struct attr_ops bind_ops = { .store = bind_store };
static const struct attr_ops unbind_ops = { .store = unbind_store };
static const struct attr_ops new_id_ops = { .store = new_id_store };
static const struct attr_ops remove_id_ops = { .store = remove_id_store };
static const struct attr_ops drv_uevent_ops = { .store = drv_uevent_store };

int driver_register(struct model *m, struct sim_driver *drv)
{
	if (drv->registered)
		return 0;
	struct node *dir = tree_add_dir(m->bus_drivers, drv->desc->name, 0755);
	if (!dir)
		return -ENOMEM;
	drv->dir = dir;
	long arg = (long)m;
	if (!tree_add_attr(dir, "bind", 0200, &bind_ops, drv, arg) ||
	    !tree_add_attr(dir, "unbind", 0200, &unbind_ops, drv, arg) ||
	    !tree_add_attr(dir, "new_id", 0200, &new_id_ops, drv, arg) ||
	    !tree_add_attr(dir, "remove_id", 0200, &remove_id_ops, drv, arg) ||
	    !tree_add_attr(dir, "uevent", 0200, &drv_uevent_ops, drv, arg))
		return -ENOMEM;
	if (drv->desc->module) {
		char name[128];
		struct node *mod = tree_child(m->sys_module, drv->desc->module);
		struct node *links = mod ? tree_mkdir_p(mod, "drivers") : NULL;
		snprintf(name, sizeof(name), "pci:%s", drv->desc->name);
		if (!mod || !tree_add_rel_link(dir, "module", mod) || !tree_add_rel_link(links, name, dir))
			return -ENOMEM;
	}
	drv->registered = true;
	drv->reg_seq = ++m->reg_seq;
	char devpath[160];
	snprintf(devpath, sizeof(devpath), "/bus/pci/drivers/%s", drv->desc->name);
	model_emit(m, "add", devpath, "drivers", NULL);
	/* Registration attaches the driver to every matching unbound device. */
	for (int i = 0; i < m->ndevs; i++) {
		struct sim_dev *d = m->devs[i];
		if (d->present && !d->driver && driver_matches(drv, d))
			driver_probe(drv, d);
	}
	return 0;
}

int driver_unregister(struct model *m, struct sim_driver *drv)
{
	if (!drv->registered)
		return 0;
	/* driver_detach() takes the devices from the end of the driver's
	 * list, the last bound first: VFs before their PF */
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < m->ndevs; i++)
			if (m->devs[i]->driver == drv && (m->devs[i]->physfn != NULL) == (pass == 0)) {
				int r = driver_release(m->devs[i]);
				if (r < 0)
					return r == -SIM_EWAIT ? -EBUSY : r;
			}
	drv->registered = false;
	while (drv->dynids) {
		struct dynid *nx = drv->dynids->next;
		free(drv->dynids);
		drv->dynids = nx;
	}
	if (drv->desc->module) {
		char name[128];
		snprintf(name, sizeof(name), "pci:%s", drv->desc->name);
		struct node *mod = tree_child(m->sys_module, drv->desc->module);
		tree_remove_child(tree_child(mod, "drivers"), name);
	}
	tree_remove(drv->dir);
	drv->dir = NULL;
	char devpath[160];
	snprintf(devpath, sizeof(devpath), "/bus/pci/drivers/%s", drv->desc->name);
	model_emit(m, "remove", devpath, "drivers", NULL);
	return 0;
}

/* ---- bus attributes -------------------------------------------------------- */

static ssize_t drivers_probe_store(struct node *n, const char *buf, size_t len, const struct attr_io *io)
{
	struct model *m = n->obj;
	struct sim_dev *d = dev_from_buf(m, buf, len);
	if (!d)
		return -ENODEV;
	driver_autoprobe(m, d);
	return (ssize_t)len;
}

static ssize_t rescan_store(struct node *n, const char *buf, size_t len, const struct attr_io *io)
{
	struct model *m = n->obj;
	if (strtoul(buf, NULL, 0))
		pci_rescan(m);
	return (ssize_t)len;
}

static const struct attr_ops drivers_probe_ops = { .store = drivers_probe_store };
static const struct attr_ops rescan_ops = { .store = rescan_store };

int bus_pci_init(struct model *m)
{
	if (!tree_add_attr(m->bus_pci, "drivers_probe", 0200, &drivers_probe_ops, m, 0) ||
	    !tree_add_attr(m->bus_pci, "rescan", 0200, &rescan_ops, m, 0) ||
	    !model_add_text(m->bus_pci, "drivers_autoprobe", 0644, "1\n") ||
	    !model_add_text(m->bus_pci, "resource_alignment", 0644, "\n") ||
	    !tree_add_attr(m->bus_pci, "uevent", 0200, &drv_uevent_ops, m, 0))
		return -ENOMEM;
	/* Built-in drivers are registered from boot. */
	for (int i = 0; i < m->ndrivers; i++)
		if (!m->drivers[i].desc->module) {
			int r = driver_register(m, &m->drivers[i]);
			if (r < 0)
				return r;
		}
	return 0;
}
