// SPDX-License-Identifier: GPL-2.0-or-later
/* Kubelet's naming rules for device-plugin registration (docs/design.md
 * section 5) and KubeVirt's environment variable names. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kstub.h"

/* A qualified name's name part: at most 63 characters of
 * [A-Za-z0-9][-A-Za-z0-9_.]*[A-Za-z0-9]. */
static bool valid_name_part(const char *s, size_t n)
{
	if (n == 0 || n > 63 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("-_.", s[i]))
			return false;
	return true;
}

/* A DNS-1123 subdomain: at most 253 characters, dot-separated labels of
 * [a-z0-9]([-a-z0-9]*[a-z0-9])?. */
static bool valid_dns_subdomain(const char *s, size_t n)
{
	if (n == 0 || n > 253)
		return false;
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.') {
			if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '-')
				return false;
			continue;
		}
		if (i == start || s[start] == '-' || s[i - 1] == '-')
			return false;
		start = i + 1;
	}
	return true;
}

int kstub_check_resource_name(const char *name)
{
	/* extended resources: domain/name, never native (kubernetes.io/),
	 * never "requests." prefixed (quota), and "requests.<name>" must
	 * itself be a valid qualified name */
	const char *slash = strchr(name, '/');
	if (!slash || strchr(slash + 1, '/'))
		return -EINVAL;
	size_t dlen = (size_t)(slash - name);
	if (!valid_dns_subdomain(name, dlen) || !valid_name_part(slash + 1, strlen(slash + 1)))
		return -EINVAL;
	if (strncmp(name, "requests.", 9) == 0)
		return -EINVAL;
	if (strstr(name, "kubernetes.io/")) /* native resources */
		return -EINVAL;
	if (dlen + 9 > 253)
		return -EINVAL;
	return 0;
}

int kstub_check_endpoint(const char *endpoint)
{
	if (!*endpoint || strchr(endpoint, '/') || strcmp(endpoint, ".") == 0 ||
	    strcmp(endpoint, "..") == 0 || strlen(endpoint) > 255)
		return -EINVAL;
	return 0;
}

int kstub_env_name(const char *prefix, const char *resource, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s_%s", prefix, resource);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	for (char *p = buf + strlen(prefix); *p; p++)
		*p = *p == '/' || *p == '.' ? '_' : (char)toupper((unsigned char)*p);
	return 0;
}
