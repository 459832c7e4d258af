// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer: arbitrary bytes as a simfs fixture (fixture_load_buffer), the
 * model it builds then freed.  Nothing may crash or leak; a refusal says
 * where and what.  Config-space files are looked up in fixtures/ (run from
 * the top folder); inputs that could name a file elsewhere (absolute
 * paths, "..", JSON escapes) are skipped, so nothing reads a FIFO or a
 * device. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

static bool has(const uint8_t *d, size_t n, const char *s)
{
	return memmem(d, n, s, strlen(s)) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16 || has(data, size, "\"/") || has(data, size, "..") || has(data, size, "\\"))
		return 0;
	struct model *m = NULL;
	char err[512];
	err[0] = '\0';
	int r = fixture_load_buffer("fuzz.json", (const char *)data, size, "fixtures", &m, err, sizeof(err));
	if (r < 0 && (m || !err[0]))
		abort();
	if (r == 0 && !m)
		abort();
	if (m)
		model_free(m);
	return 0;
}
