// SPDX-License-Identifier: GPL-2.0-or-later
#include "naming.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config.h"

/* Data-center parts of docs/design.md section 7 plus the cards the fixtures
 * use.  Names follow the sandbox plugin's transform of pci.ids (fixed
 * where Debian's pci.ids lacks or misspells an ID). */
static const struct {
	uint16_t device;
	const char *name;
} nvidia_table[] = {
	{ 0x1db1, "GV100GL_TESLA_V100_SXM2_16GB" },
	{ 0x1db4, "GV100GL_TESLA_V100_PCIE_16GB" },
	{ 0x1db5, "GV100GL_TESLA_V100_SXM2_32GB" },
	{ 0x1db6, "GV100GL_TESLA_V100_PCIE_32GB" },
	{ 0x1eb8, "TU104GL_TESLA_T4" },
	{ 0x20b0, "GA100_A100_SXM4_40GB" },
	{ 0x20b2, "GA100_A100_SXM4_80GB" },
	{ 0x20b5, "GA100_A100_PCIE_80GB" },
	{ 0x20f1, "GA100_A100_PCIE_40GB" },
	{ 0x2230, "GA102GL_RTX_A6000" },
	{ 0x2321, "GH100_H100_NVL" },
	{ 0x2330, "GH100_H100_SXM5_80GB" },
	{ 0x2331, "GH100_H100_PCIE" },
	{ 0x2335, "GH100_H200_SXM_141GB" },
	{ 0x2342, "GH100_GH200_120GB" },
	{ 0x26b9, "AD102GL_L40S" },
	{ 0x2941, "GB100_GB200" }, /* the kernel's nvgrace-gpu "GB200 SKU"; pci.ids name unverified */
};

char *naming_key(uint16_t vendor, uint16_t device, char buf[NAMING_KEY_LEN])
{
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < 4; i++) {
		buf[i] = hex[(vendor >> (12 - 4 * i)) & 0xf];
		buf[5 + i] = hex[(device >> (12 - 4 * i)) & 0xf];
	}
	buf[4] = ':';
	buf[9] = '\0';
	return buf;
}

const char *naming_builtin(uint16_t vendor, uint16_t device)
{
	if (vendor != 0x10de)
		return NULL;
	for (size_t i = 0; i < sizeof(nvidia_table) / sizeof(nvidia_table[0]); i++)
		if (nvidia_table[i].device == device)
			return nvidia_table[i].name;
	return NULL;
}

int naming_transform(const char *s, char *buf, size_t size)
{
	size_t o = 0;
	bool pending = false; /* a '_' waiting for the next kept character */
	while (isspace((unsigned char)*s))
		s++;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isspace(c) || c == '/' || c == '.') {
			if (isspace(c)) {
				if (o > 0)
					pending = true;
				continue;
			}
			if (pending) {
				pending = false;
				if (o + 1 >= size)
					return -ENAMETOOLONG;
				buf[o++] = '_';
			}
			if (o + 1 >= size)
				return -ENAMETOOLONG;
			buf[o++] = '_';
			continue;
		}
		if (!isalnum(c) && c != '_')
			continue;
		if (pending) {
			pending = false;
			if (o + 1 >= size)
				return -ENAMETOOLONG;
			buf[o++] = '_';
		}
		if (o + 1 >= size)
			return -ENAMETOOLONG;
		buf[o++] = (char)toupper(c);
	}
	if (size)
		buf[o] = '\0';
	return o ? (int)o : -EINVAL;
}

bool naming_valid_resource(const char *s)
{
	const char *slash = strchr(s, '/');
	if (!slash || slash == s || strchr(slash + 1, '/'))
		return false;
	size_t dl = (size_t)(slash - s);
	if (dl > 253)
		return false;
	for (const char *p = s; p < slash; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '-' && *p != '.')
			return false;
	if ((dl == 14 && strncmp(s, "kubernetes.io", 13) == 0) ||
	    (dl >= 14 && strncmp(slash - 14, ".kubernetes.io", 14) == 0) ||
	    (dl == 13 && strncmp(s, "kubernetes.io", 13) == 0))
		return false;
	const char *n = slash + 1;
	size_t nl = strlen(n);
	if (nl == 0 || nl > 63)
		return false;
	if (!isalnum((unsigned char)n[0]) || !isalnum((unsigned char)n[nl - 1]))
		return false;
	for (size_t i = 0; i < nl; i++)
		if (!isalnum((unsigned char)n[i]) && n[i] != '-' && n[i] != '_' && n[i] != '.')
			return false;
	return true;
}

enum name_source naming_resolve(const struct config *c, uint16_t vendor, uint16_t device,
				const char *pciids_name, char *buf, size_t size)
{
	char key[NAMING_KEY_LEN], t[128];
	const char *alias = c ? config_resource_alias(c, naming_key(vendor, device, key)) : NULL;
	if (alias) {
		snprintf(buf, size, "%s", alias);
		return NAME_CONFIG;
	}
	if (vendor != 0x10de)
		return NAME_NONE;
	const char *b = naming_builtin(vendor, device);
	if (b) {
		snprintf(buf, size, "nvidia.com/%s", b);
		return NAME_BUILTIN;
	}
	if (pciids_name && naming_transform(pciids_name, t, sizeof(t)) > 0) {
		snprintf(buf, size, "nvidia.com/%s", t);
		if (naming_valid_resource(buf))
			return NAME_PCIIDS;
	}
	return NAME_NONE;
}

bool naming_wants_pciids(const struct config *c, uint16_t vendor, uint16_t device)
{
	char key[NAMING_KEY_LEN];
	if (vendor != 0x10de || naming_builtin(vendor, device))
		return false;
	return !c || !config_resource_alias(c, naming_key(vendor, device, key));
}

const char *naming_source_name(enum name_source s)
{
	switch (s) {
	case NAME_CONFIG: return "config";
	case NAME_BUILTIN: return "builtin";
	case NAME_PCIIDS: return "pci.ids";
	default: return "none";
	}
}
