/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PCI addresses: "DDDD:BB:DD.F" as the kernel names devices in sysfs. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#define PCI_ADDR_STRLEN 13 /* "0000:00:00.0" + NUL */

struct pci_addr {
	uint16_t domain;
	uint8_t bus, dev, fn;
};

/* Accepts "DDDD:BB:DD.F" and "BB:DD.F" (domain 0), hex, case-insensitive.
 * Returns 0 or -EINVAL; *ret is written only on success. */
int pci_addr_parse(const char *s, struct pci_addr *ret);
/* Writes the canonical lower-case form into buf[PCI_ADDR_STRLEN]. */
char *pci_addr_format(const struct pci_addr *a, char buf[PCI_ADDR_STRLEN]);
int pci_addr_cmp(const struct pci_addr *a, const struct pci_addr *b);
static inline uint8_t pci_addr_devfn(const struct pci_addr *a)
{
	return (uint8_t)(a->dev << 3 | a->fn);
}
/* The address of routing ID `rid` (bus << 8 | devfn) in a's domain. */
struct pci_addr pci_addr_from_rid(uint16_t domain, unsigned rid);
static inline unsigned pci_addr_rid(const struct pci_addr *a)
{
	return (unsigned)a->bus << 8 | pci_addr_devfn(a);
}
