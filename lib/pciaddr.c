// SPDX-License-Identifier: GPL-2.0-or-later
#include "pciaddr.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static int hexfield(const char **p, unsigned max_digits, unsigned *ret)
{
	unsigned v = 0, n = 0;
	while (n < max_digits && isxdigit((unsigned char)**p)) {
		char c = (char)tolower((unsigned char)**p);
		v = v * 16 + (unsigned)(c <= '9' ? c - '0' : c - 'a' + 10);
		(*p)++;
		n++;
	}
	if (n == 0 || isxdigit((unsigned char)**p))
		return -EINVAL;
	*ret = v;
	return 0;
}

int pci_addr_parse(const char *s, struct pci_addr *ret)
{
	unsigned f[4];
	const char *p = s;
	int nf = 0;

	if (!s)
		return -EINVAL;
	/* Collect up to three ':'-separated fields, then ".fn". */
	for (;;) {
		if (nf == 3 || hexfield(&p, nf == 0 ? 4 : 2, &f[nf]) < 0)
			return -EINVAL;
		nf++;
		if (*p == ':') {
			p++;
			continue;
		}
		break;
	}
	if (*p != '.' || nf < 2)
		return -EINVAL;
	p++;
	if (hexfield(&p, 1, &f[nf]) < 0 || *p != '\0')
		return -EINVAL;
	struct pci_addr a;
	if (nf == 3) {
		a.domain = (uint16_t)f[0];
		a.bus = (uint8_t)f[1];
		a.dev = (uint8_t)f[2];
	} else {
		if (f[0] > 0xff)
			return -EINVAL;
		a.domain = 0;
		a.bus = (uint8_t)f[0];
		a.dev = (uint8_t)f[1];
	}
	unsigned fn = f[nf];
	unsigned dev = nf == 3 ? f[2] : f[1];
	unsigned bus = nf == 3 ? f[1] : f[0];
	if (bus > 0xff || dev > 0x1f || fn > 7)
		return -EINVAL;
	a.fn = (uint8_t)fn;
	*ret = a;
	return 0;
}

char *pci_addr_format(const struct pci_addr *a, char buf[PCI_ADDR_STRLEN])
{
	snprintf(buf, PCI_ADDR_STRLEN, "%04x:%02x:%02x.%x", a->domain, a->bus, a->dev, a->fn & 7u);
	return buf;
}

int pci_addr_cmp(const struct pci_addr *a, const struct pci_addr *b)
{
	unsigned ka = (unsigned)a->domain << 16 | pci_addr_rid(a);
	unsigned kb = (unsigned)b->domain << 16 | pci_addr_rid(b);
	return ka < kb ? -1 : ka > kb;
}

struct pci_addr pci_addr_from_rid(uint16_t domain, unsigned rid)
{
	struct pci_addr a = {
		.domain = domain,
		.bus = (uint8_t)(rid >> 8),
		.dev = (uint8_t)((rid >> 3) & 0x1f),
		.fn = (uint8_t)(rid & 7),
	};
	return a;
}
