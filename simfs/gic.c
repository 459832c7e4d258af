// SPDX-License-Identifier: GPL-2.0-or-later
/* The Arm interrupt controller as the firmware describes it to the kernel
 * (fixture key "gic": {"version": 2|3, "its": true|false}): whether MSIs
 * are isolated (a GICv3 ITS) decides whether vfio_iommu_type1 gives a VM
 * a group (gpu-initd's check reads it: initd/node/iommu_arm.c).
 *  - ACPI: the MADT (sys/firmware/acpi/tables/APIC; ACPI 6.5 §5.2.12): a
 *    36-byte header, the local interrupt controller address and flags,
 *    then entries (type, length): GIC CPU interface 0x0B (80 bytes), GIC
 *    distributor 0x0C (24; byte 20 the GIC version), GICv2m MSI frame 0x0D
 *    (24), GIC redistributor 0x0E (16), GIC ITS 0x0F (20)
 *    (include/acpi/actbl2.h struct acpi_madt_generic_*).  The order as
 *    QEMU virt's (hw/arm/virt-acpi-build.c build_madt) read in the
 *    tests/vm/arm64 guests under EDK2: GICD, GICC, then GICR + ITS
 *    (gic-version=3) or the MSI frame (GICv2).
 *  - device tree: QEMU virt's intc@8000000 (compatible "arm,gic-v3" or
 *    "arm,cortex-a15-gic", an empty interrupt-controller property) and its
 *    child its@8080000 ("arm,gic-v3-its", msi-controller), as read in the
 *    guests; properties are files of their raw bytes, mode 0444
 *    (drivers/of/kobj.c __of_add_property_sysfs).  The GICv2m frame node
 *    QEMU adds for GICv2 is not modelled (not read in a guest).
 * Other fields of the entries are zero: nothing reads them. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "model.h"
#include "tree.h"

static size_t entry(uint8_t *t, size_t o, uint8_t type, uint8_t len)
{
	t[o] = type;
	t[o + 1] = len;
	return o + len;
}

static int madt(struct model *m, int version, bool its)
{
	struct node *tables = tree_lookup(m->root, "sys/firmware/acpi/tables");
	if (!tables || !tree_child(tables, "APIC"))
		return 0; /* no MADT listed: nothing to describe */
	uint8_t t[256] = { 0 };
	size_t o = 44;
	memcpy(t, "APIC", 4);
	t[8] = 4; /* revision */
	memcpy(t + 10, "SIMFS ", 6);
	size_t d = o;
	o = entry(t, o, 0x0C, 24);
	t[d + 20] = (uint8_t)version;
	o = entry(t, o, 0x0B, 80);
	if (version >= 3) {
		o = entry(t, o, 0x0E, 16);
		if (its)
			o = entry(t, o, 0x0F, 20);
	} else {
		o = entry(t, o, 0x0D, 24);
	}
	t[4] = (uint8_t)o;
	tree_remove_child(tables, "APIC");
	return tree_add_data(tables, "APIC", 0400, t, o) ? 0 : -ENOMEM;
}

static bool prop(struct node *dir, const char *name, const char *str)
{
	return tree_add_data(dir, name, 0444, str, str ? strlen(str) + 1 : 0) != NULL;
}

static int devicetree(struct model *m, int version, bool its)
{
	struct node *base = tree_lookup(m->root, "sys/firmware/devicetree/base");
	if (!base)
		return 0;
	struct node *intc = tree_add_dir(base, "intc@8000000", 0755);
	if (!intc || !prop(intc, "compatible", version >= 3 ? "arm,gic-v3" : "arm,cortex-a15-gic") ||
	    !prop(intc, "interrupt-controller", NULL))
		return -ENOMEM;
	if (!its)
		return 0;
	struct node *n = tree_add_dir(intc, "its@8080000", 0755);
	return n && prop(n, "compatible", "arm,gic-v3-its") && prop(n, "msi-controller", NULL) ? 0 : -ENOMEM;
}

int gic_add(struct model *m, int version, bool its)
{
	int r = madt(m, version, its);
	return r < 0 ? r : devicetree(m, version, its);
}
