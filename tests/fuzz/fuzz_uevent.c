// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer: uevent messages into serve's event handling.  Input: kernel
 * uevent datagrams ("ACTION@DEVPATH\0KEY=VALUE\0..."), separated by 0xff
 * bytes, read the way libudev hands them to health.c (SUBSYSTEM=, the
 * sysname = DEVPATH's last component with '!' as '/'), then added to one
 * burst (health_burst_add).  Nothing may crash; the burst stays within its
 * bounds and no event is lost: each one is named in the burst or turns it
 * into a full rescan. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve/health.h"

/* One datagram: its SUBSYSTEM and sysname (NULL when absent). */
static void read_event(char *msg, size_t len, const char **sub, const char **name)
{
	static char sysname[512];
	*sub = *name = NULL;
	if (!memchr(msg, '@', strnlen(msg, len)))
		return; /* libudev drops messages without an ACTION@DEVPATH header */
	for (char *p = msg + strlen(msg) + 1; p < msg + len; p += strlen(p) + 1) {
		if (strncmp(p, "SUBSYSTEM=", 10) == 0)
			*sub = p + 10;
		else if (strncmp(p, "DEVPATH=", 8) == 0) {
			const char *slash = strrchr(p + 8, '/');
			snprintf(sysname, sizeof(sysname), "%s", slash ? slash + 1 : p + 8);
			for (char *c = sysname; *c; c++)
				if (*c == '!')
					*c = '/';
			*name = sysname;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16)
		return 0;
	char *buf = malloc(size + 1);
	memcpy(buf, data, size);
	buf[size] = '\0';
	struct health_burst b = { .npci = 0 };
	for (char *msg = buf, *end; msg < buf + size; msg = end + 1) {
		end = memchr(msg, 0xff, (size_t)(buf + size - msg));
		if (!end)
			end = buf + size;
		*end = '\0';
		const char *sub, *name;
		read_event(msg, (size_t)(end - msg), &sub, &name);
		size_t npci = b.npci, nvfio = b.nvfio;
		health_burst_add(&b, sub, name);
		if (b.npci > HEALTH_MAX_NAMES || b.nvfio > HEALTH_MAX_NAMES)
			abort();
		if (b.npci > npci && (b.npci != npci + 1 || !name || strcmp(b.pci[npci], name) != 0))
			abort();
		if (b.nvfio > nvfio && (b.vfio_groups[nvfio] < 0 || b.vfio_groups[nvfio] >= 100000000))
			abort();
		if (b.npci == npci && b.nvfio == nvfio && !b.full)
			abort(); /* lost */
	}
	free(buf);
	return 0;
}
