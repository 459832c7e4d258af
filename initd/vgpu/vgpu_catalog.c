// SPDX-License-Identifier: GPL-2.0-or-later
#include "vgpu_catalog.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rootfs.h"
#include "vgpu_type.h"

/* Value of attribute key in the tag text [p, end) ("vgpuType id=\"1\" ..."),
 * copied to out.  0 or -ENOENT. */
static int attr(const char *p, const char *end, const char *key, char *out, size_t size)
{
	size_t kl = strlen(key);
	while (p < end && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
		p++; /* the element name */
	while (p < end) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
			p++;
		const char *k = p;
		while (p < end && *p != '=' && *p != ' ' && *p != '/' && *p != '>')
			p++;
		size_t len = (size_t)(p - k);
		if (p >= end || *p != '=')
			return -ENOENT;
		p++;
		if (p >= end || (*p != '"' && *p != '\''))
			return -ENOENT;
		char q = *p++;
		const char *v = p;
		while (p < end && *p != q)
			p++;
		if (p >= end)
			return -ENOENT;
		if (len == kl && memcmp(k, key, kl) == 0) {
			size_t vl = (size_t)(p - v);
			if (vl >= size)
				return -ENOENT;
			memcpy(out, v, vl);
			out[vl] = '\0';
			return 0;
		}
		p++;
	}
	return -ENOENT;
}

static bool is_tag(const char *p, const char *end, const char *name)
{
	size_t n = strlen(name);
	return (size_t)(end - p) >= n && memcmp(p, name, n) == 0 &&
	       ((size_t)(end - p) == n || strchr(" \t\r\n/>", p[n]));
}

static bool number(const char *s, unsigned long *v)
{
	char *e;
	errno = 0;
	*v = strtoul(s, &e, 0);
	return e != s && *e == '\0' && errno == 0;
}

static int grow(void **p, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	size_t nc = *cap ? 2 * *cap : 64;
	void *np = realloc(*p, nc * size);
	if (!np)
		return -ENOMEM;
	*p = np;
	*cap = nc;
	return 0;
}

int vgpu_catalog_parse(const char *xml, size_t len, struct vgpu_catalog *c)
{
	const char *p = xml, *end = xml + len;
	size_t tcap = 0, scap = 0, pgpu_first = 0;
	bool root = false, in_type = false, in_pgpu = false, in_max = false;
	unsigned long sup_id = 0, dev = 0;
	memset(c, 0, sizeof(*c));
	while (p < end) {
		const char *lt = memchr(p, '<', (size_t)(end - p));
		if (!lt)
			break;
		if ((size_t)(end - lt) >= 4 && memcmp(lt, "<!--", 4) == 0) {
			const char *e = memmem(lt + 4, (size_t)(end - lt - 4), "-->", 3);
			p = e ? e + 3 : end;
			continue;
		}
		const char *gt = memchr(lt, '>', (size_t)(end - lt));
		if (!gt)
			break;
		const char *t = lt + 1;
		char v[80];
		unsigned long n;
		if (is_tag(t, gt, "vgpuconfig"))
			root = true;
		else if (is_tag(t, gt, "vgpuType") && attr(t, gt, "id", v, sizeof(v)) == 0 && number(v, &n) &&
			 n > 0 && n <= 0xffffffffUL) {
			char name[64];
			in_type = gt[-1] != '/';
			if (attr(t, gt, "name", name, sizeof(name)) == 0 &&
			    !vgpu_catalog_name(c, (unsigned)n)) {
				if (grow((void **)&c->t, &tcap, c->nt, sizeof(*c->t)) < 0)
					goto nomem;
				c->t[c->nt].id = (unsigned)n;
				snprintf(c->t[c->nt++].name, sizeof(c->t[0].name), "%s", name);
			}
		} else if (is_tag(t, gt, "/vgpuType"))
			in_type = false;
		else if (is_tag(t, gt, "pgpu")) {
			in_pgpu = true;
			dev = 0;
			pgpu_first = c->ns;
		} else if (is_tag(t, gt, "/pgpu")) {
			for (size_t i = pgpu_first; i < c->ns; i++)
				c->s[i].device = (uint16_t)dev;
			if (!dev) /* a pgpu without a device ID names nothing */
				c->ns = pgpu_first;
			in_pgpu = false;
		} else if (in_pgpu && !in_type && is_tag(t, gt, "devId") &&
			   attr(t, gt, "deviceId", v, sizeof(v)) == 0 && number(v, &n) && n <= 0xffff)
			dev = n;
		else if (in_pgpu && is_tag(t, gt, "supportedVgpu"))
			sup_id =
			    attr(t, gt, "vgpuId", v, sizeof(v)) == 0 && number(v, &n) && n <= 0xffffffffUL
				? n
				: 0;
		else if (in_pgpu && sup_id && is_tag(t, gt, "maxVgpus"))
			in_max = true;
		else if (in_max) { /* the text between <maxVgpus> and this tag */
			in_max = false;
			const char *s = p;
			while (s < lt && (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r'))
				s++;
			size_t l = (size_t)(lt - s);
			while (l && strchr(" \t\r\n", s[l - 1]))
				l--;
			if (l && l < sizeof(v)) {
				memcpy(v, s, l);
				v[l] = '\0';
				if (number(v, &n) && n > 0 && n < 4096) {
					if (grow((void **)&c->s, &scap, c->ns, sizeof(*c->s)) < 0)
						goto nomem;
					c->s[c->ns++] =
					    (struct vgpu_catalog_support){ 0, (unsigned)sup_id, (unsigned)n };
				}
			}
			sup_id = 0;
		}
		p = gt + 1;
	}
	if (!root) {
		vgpu_catalog_free(c);
		return -EINVAL;
	}
	if (in_pgpu) /* unterminated: drop what has no device */
		c->ns = pgpu_first;
	return 0;
nomem:
	vgpu_catalog_free(c);
	return -ENOMEM;
}

int vgpu_catalog_add_creatable(struct vgpu_catalog *c, const char *text)
{
	int added = 0;
	for (const char *l = text; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		char line[128], *end, *nm;
		unsigned long id;
		const char *cur = l;
		l = nl ? nl + 1 : NULL;
		if (len >= sizeof(line))
			continue;
		memcpy(line, cur, len);
		line[len] = '\0';
		errno = 0;
		id = strtoul(line, &end, 10);
		if (end == line || errno || id == 0 || id > 0xffffffffUL)
			continue;
		while (*end == ' ' || *end == '\t')
			end++;
		if (*end != ':')
			continue;
		for (nm = end + 1; *nm == ' ' || *nm == '\t';)
			nm++;
		size_t k = strlen(nm);
		while (k && strchr(" \t\r", nm[k - 1]))
			nm[--k] = '\0';
		if (!k || k >= sizeof(c->t[0].name) || vgpu_catalog_name(c, (unsigned)id))
			continue;
		struct vgpu_catalog_type *nt = realloc(c->t, (c->nt + 1) * sizeof(*c->t));
		if (!nt)
			return -ENOMEM;
		c->t = nt;
		c->t[c->nt].id = (unsigned)id;
		snprintf(c->t[c->nt++].name, sizeof(c->t[0].name), "%s", nm);
		added++;
	}
	return added;
}

void vgpu_catalog_free(struct vgpu_catalog *c)
{
	free(c->t);
	free(c->s);
	memset(c, 0, sizeof(*c));
}

const char *vgpu_catalog_name(const struct vgpu_catalog *c, unsigned id)
{
	for (size_t i = 0; i < c->nt; i++)
		if (c->t[i].id == id)
			return c->t[i].name;
	return NULL;
}

size_t vgpu_catalog_offers(const struct vgpu_catalog *c, uint16_t device, struct vgpu_offer *o, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < c->ns && n < max; i++) {
		const char *name;
		struct vgpu_type_name tn;
		if (c->s[i].device != device || !(name = vgpu_catalog_name(c, c->s[i].id)) ||
		    vgpu_type_parse(name, &tn) < 0)
			continue;
		memset(&o[n], 0, sizeof(o[n]));
		snprintf(o[n].name, sizeof(o[n].name), "%s", vgpu_type_short(name));
		snprintf(o[n].id, sizeof(o[n].id), "%u", c->s[i].id);
		o[n].max = c->s[i].max;
		o[n].fb_gb = tn.fb_gb;
		o[n].mig = tn.slices > 0;
		n++;
	}
	return n;
}

int vgpu_catalog_load(int rootfd, struct vgpu_catalog *c)
{
	char *txt;
	size_t len;
	memset(c, 0, sizeof(*c));
	int e = rootfs_read_file(rootfd, VGPU_CATALOG_PATH, &txt, &len);
	if (e == -ENOENT)
		return 0;
	if (e >= 0) {
		e = vgpu_catalog_parse(txt, len, c);
		free(txt);
	}
	return e < 0 ? e : 0;
}
