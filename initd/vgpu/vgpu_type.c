// SPDX-License-Identifier: GPL-2.0-or-later
#include "vgpu_type.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char *vgpu_type_short(const char *name)
{
	if (strncmp(name, "NVIDIA ", 7) == 0)
		return name + 7;
	if (strncmp(name, "GRID ", 5) == 0)
		return name + 5;
	return name;
}

static bool all_digits(const char *s, size_t n)
{
	if (n == 0 || n > 2)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

int vgpu_type_parse(const char *name, struct vgpu_type_name *ret)
{
	struct vgpu_type_name t = { 0 };
	if (!name)
		return -EINVAL;
	name = vgpu_type_short(name);
	const char *last = strrchr(name, '-');
	if (!last || last == name)
		return -EINVAL;
	/* last component: <GB><series>[<heads>][ME|NOME|MEALL] */
	const char *p = last + 1;
	char *end;
	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	unsigned long fb = strtoul(p, &end, 10);
	if (fb == 0 || fb > 4096 || !strchr("ABCQ", *end) || !*end)
		return -EINVAL;
	t.fb_gb = (unsigned)fb;
	t.series = *end++;
	if (isdigit((unsigned char)*end)) {
		unsigned long h = strtoul(end, &end, 10);
		if (h == 0 || h > 16)
			return -EINVAL;
		t.heads = (unsigned)h;
	}
	if (strcmp(end, "ME") == 0)
		t.suffix = VGPU_SUFFIX_ME;
	else if (strcmp(end, "NOME") == 0)
		t.suffix = VGPU_SUFFIX_NOME;
	else if (strcmp(end, "MEALL") == 0)
		t.suffix = VGPU_SUFFIX_MEALL;
	else if (*end)
		return -EINVAL;
	/* the component before: MIG slices if numeric, else part of the GPU name */
	const char *gpu_end = last;
	const char *prev = last;
	while (prev > name && prev[-1] != '-')
		prev--;
	if (prev > name && all_digits(prev, (size_t)(last - prev))) {
		t.slices = (unsigned)atoi(prev);
		if (t.slices == 0 || t.slices > 8)
			return -EINVAL;
		gpu_end = prev - 1;
	}
	if (t.suffix != VGPU_SUFFIX_NONE && !t.slices)
		return -EINVAL; /* ME variants are MIG-backed only */
	size_t glen = (size_t)(gpu_end - name);
	if (glen == 0 || glen >= sizeof(t.gpu))
		return -EINVAL;
	for (size_t i = 0; i < glen; i++)
		if (!isalnum((unsigned char)name[i]) &&
		    (name[i] != '-' || i == 0 || i + 1 == glen || name[i + 1] == '-'))
			return -EINVAL;
	memcpy(t.gpu, name, glen);
	t.gpu[glen] = '\0';
	*ret = t;
	return 0;
}
