// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer: arbitrary bytes as gpu-initd's JSON config (config_parse),
 * then the command-line overrides and the alias lookup on what it gave.
 * Nothing may crash or leak; a refusal names what is wrong; an accepted
 * config stays within its bounds. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "node/cmdline.h"
#include "node/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16)
		return 0;
	static struct config c;
	char err[256];
	config_init(&c);
	err[0] = '\0';
	int r = config_parse(&c, (const char *)data, size, err, sizeof(err));
	if (r == -EINVAL && !err[0])
		abort(); /* a refusal says why */
	if (r < 0 && r != -EINVAL && r != -ENOMEM && r != -E2BIG)
		abort();
	if (r < 0)
		return 0;
	if (c.nsel > CONFIG_MAX_SELECTORS || c.nnames > CONFIG_MAX_NAMES || c.ncomp > CONFIG_MAX_SELECTORS ||
	    c.nvrules > CONFIG_MAX_VGPU_RULES || !mode_name(c.mode))
		abort();
	for (size_t i = 0; i < c.nvrules; i++)
		if (c.vrules[i].nsel > CONFIG_MAX_VGPU_SEL || c.vrules[i].ntypes > CONFIG_MAX_VGPU_TYPES)
			abort();
	for (size_t i = 0; i < c.nnames; i++)
		if (strnlen(c.names[i].key, sizeof(c.names[i].key)) == sizeof(c.names[i].key) ||
		    strnlen(c.names[i].name, sizeof(c.names[i].name)) == sizeof(c.names[i].name) ||
		    config_resource_alias(&c, c.names[i].key) == NULL)
			abort();
	struct kcmdline k;
	if (cmdline_parse("gpu_initd.mode=container gpu_initd.vgpu_config=default", &k) < 0)
		abort();
	config_apply_cmdline(&c, &k, err, sizeof(err));
	return 0;
}
