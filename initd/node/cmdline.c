// SPDX-License-Identifier: GPL-2.0-or-later
#include "cmdline.h"

#include <errno.h>
#include <string.h>

/* Next whitespace-separated word; honours double quotes like the kernel. */
static const char *next_word(const char *p, const char **ret_end)
{
	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;
	if (!*p)
		return NULL;
	const char *s = p;
	bool q = false;
	for (; *p; p++) {
		if (*p == '"')
			q = !q;
		else if (!q && (*p == ' ' || *p == '\t' || *p == '\n'))
			break;
	}
	*ret_end = p;
	return s;
}

static int copy_value(const char *v, const char *end, char *buf, size_t size)
{
	size_t o = 0;
	for (; v < end; v++) {
		if (*v == '"')
			continue;
		if (o + 1 >= size)
			return -ENAMETOOLONG;
		buf[o++] = *v;
	}
	buf[o] = '\0';
	return (int)o;
}

int cmdline_get(const char *cmdline, const char *key, char *buf, size_t size)
{
	size_t kl = strlen(key);
	const char *w, *end, *p = cmdline;
	const char *found = NULL, *found_end = NULL;
	while ((w = next_word(p, &end))) {
		if ((size_t)(end - w) > kl && strncmp(w, key, kl) == 0 && w[kl] == '=') {
			found = w + kl + 1;
			found_end = end;
		}
		p = end;
	}
	if (!found)
		return -ENOENT;
	return copy_value(found, found_end, buf, size);
}

static enum tristate onoff(const char *v)
{
	if (strcmp(v, "on") == 0 || strcmp(v, "1") == 0 || strcmp(v, "y") == 0)
		return TRI_ON;
	if (strcmp(v, "off") == 0 || strcmp(v, "0") == 0 || strcmp(v, "n") == 0)
		return TRI_OFF;
	return TRI_UNSET;
}

static void add_flag(struct kcmdline *k, const char *w, const char *end)
{
	size_t l = strlen(k->flags), n = (size_t)(end - w);
	if (l + n + 2 > sizeof(k->flags))
		return;
	if (l)
		k->flags[l++] = ' ';
	memcpy(k->flags + l, w, n);
	k->flags[l + n] = '\0';
}

int cmdline_parse(const char *cmdline, struct kcmdline *ret)
{
	struct kcmdline k = {
		.intel_iommu = TRI_UNSET,
		.amd_iommu = TRI_UNSET,
		.iommu_pt = TRI_UNSET,
		.iommu_passthrough = TRI_UNSET,
		.iommu_strict = TRI_UNSET,
		.intremap = TRI_UNSET,
	};
	const char *w, *end, *p = cmdline;
	while ((w = next_word(p, &end))) {
		char word[128];
		p = end;
		if (copy_value(w, end, word, sizeof(word)) < 0)
			continue; /* long words are not ours to read here */
		char *eq = strchr(word, '=');
		const char *v = eq ? eq + 1 : "";
		if (eq)
			*eq = '\0';
		if (strcmp(word, "intel_iommu") == 0) {
			/* intel_iommu=on,sm_on: the first item decides */
			char first[16];
			size_t n = strcspn(v, ",");
			if (n < sizeof(first)) {
				memcpy(first, v, n);
				first[n] = '\0';
				enum tristate t = onoff(first);
				if (t != TRI_UNSET)
					k.intel_iommu = t;
			}
			add_flag(&k, w, end);
		} else if (strcmp(word, "amd_iommu") == 0) {
			if (strstr(v, "off"))
				k.amd_iommu = TRI_OFF;
			if (strstr(v, "on") && !strstr(v, "off"))
				k.amd_iommu_on_given = true;
			add_flag(&k, w, end);
		} else if (strcmp(word, "iommu") == 0) {
			if (strcmp(v, "pt") == 0)
				k.iommu_pt = TRI_ON;
			else if (strcmp(v, "nopt") == 0)
				k.iommu_pt = TRI_OFF;
			else if (strcmp(v, "off") == 0)
				k.iommu_off = true;
			add_flag(&k, w, end);
		} else if (strcmp(word, "iommu.passthrough") == 0) {
			k.iommu_passthrough = onoff(v);
			add_flag(&k, w, end);
		} else if (strcmp(word, "iommu.strict") == 0) {
			k.iommu_strict = onoff(v);
			add_flag(&k, w, end);
		} else if (strcmp(word, "intremap") == 0 || strcmp(word, "nointremap") == 0) {
			/* drivers/iommu/irq_remapping.c setup_irqremap: a comma
			 * list, "on" and "off" set it (the last wins); nointremap
			 * (setup_nointremap) is off */
			if (word[0] == 'n')
				k.intremap = TRI_OFF;
			for (const char *t = v; *t; t += strspn(t, ",")) {
				size_t n = strcspn(t, ",");
				if (n == 2 && strncmp(t, "on", 2) == 0)
					k.intremap = TRI_ON;
				else if (n == 3 && strncmp(t, "off", 3) == 0)
					k.intremap = TRI_OFF;
				t += n;
			}
			add_flag(&k, w, end);
		}
	}
	int r;
	r = cmdline_get(cmdline, "gpu_initd.config", k.config, sizeof(k.config));
	if (r == -ENAMETOOLONG)
		return r;
	r = cmdline_get(cmdline, "gpu_initd.mode", k.mode, sizeof(k.mode));
	if (r == -ENAMETOOLONG)
		return r;
	r = cmdline_get(cmdline, "gpu_initd.vgpu_config", k.vgpu_config, sizeof(k.vgpu_config));
	if (r == -ENAMETOOLONG)
		return r;
	*ret = k;
	return 0;
}
