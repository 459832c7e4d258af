// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer: arbitrary bytes as /proc/cmdline (cmdline_parse, cmdline_get)
 * and what the command line then does to a config (config_pick_source,
 * config_apply_cmdline).  Nothing may crash; every value fits its field;
 * cmdline_get returns the length it wrote. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "node/cmdline.h"
#include "node/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fits(const char *s, size_t size)
{
	if (strnlen(s, size) == size)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = {
		"gpu_initd.config", "gpu_initd.mode", "intel_iommu", "iommu", "x", ""
	};
	if (size > 1 << 16)
		return 0;
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0'; /* /proc/cmdline as read: NUL-terminated, maybe with NULs inside */
	struct kcmdline k;
	int r = cmdline_parse(s, &k);
	if (r != 0 && r != -ENAMETOOLONG)
		abort();
	if (r == 0) {
		fits(k.config, sizeof(k.config));
		fits(k.mode, sizeof(k.mode));
		fits(k.vgpu_config, sizeof(k.vgpu_config));
		fits(k.flags, sizeof(k.flags));
		const char *path = NULL;
		if (config_pick_source(NULL, &k, &path) == CONFIG_FROM_CMDLINE &&
		    (!path || strcmp(path, k.config)))
			abort();
		static struct config c;
		char err[256];
		config_init(&c);
		err[0] = '\0';
		r = config_apply_cmdline(&c, &k, err, sizeof(err));
		if ((r < 0 && !err[0]) || !mode_name(c.mode))
			abort();
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char buf[16];
		r = cmdline_get(s, keys[i], buf, sizeof(buf));
		if (r >= 0 && (size_t)r != strlen(buf))
			abort();
		if (r < 0 && r != -ENOENT && r != -ENAMETOOLONG)
			abort();
	}
	free(s);
	return 0;
}
