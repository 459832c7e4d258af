// SPDX-License-Identifier: GPL-2.0-or-later
#include "uuid.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sha1.h"

void uuid_v5(const uint8_t ns[16], const void *name, size_t len, uint8_t out[16])
{
	struct sha1 s;
	uint8_t h[20];
	sha1_init(&s);
	sha1_update(&s, ns, 16);
	sha1_update(&s, name, len);
	sha1_final(&s, h);
	memcpy(out, h, 16);
	out[6] = (uint8_t)((out[6] & 0x0f) | 0x50);
	out[8] = (uint8_t)((out[8] & 0x3f) | 0x80);
}

char *uuid_format(const uint8_t u[16], char buf[UUID_STRLEN])
{
	size_t o = 0;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			buf[o++] = '-';
		snprintf(buf + o, 3, "%02x", u[i]);
		o += 2;
	}
	buf[o] = '\0';
	return buf;
}

static int hexv(char c)
{
	return isdigit((unsigned char)c)    ? c - '0'
	       : isxdigit((unsigned char)c) ? (tolower((unsigned char)c) - 'a' + 10)
					    : -1;
}

int uuid_parse(const char *s, uint8_t out[16])
{
	uint8_t u[16];
	int k = 0;
	if (!s || strlen(s) != 36)
		return -EINVAL;
	for (int i = 0; i < 36;) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i++] != '-')
				return -EINVAL;
			continue;
		}
		int a = hexv(s[i]), b = hexv(s[i + 1]);
		if (a < 0 || b < 0)
			return -EINVAL;
		u[k++] = (uint8_t)(a << 4 | b);
		i += 2;
	}
	memcpy(out, u, 16);
	return 0;
}
