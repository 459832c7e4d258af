// SPDX-License-Identifier: GPL-2.0-or-later
/* The boot framebuffer (issue 21): /proc/iomem and /proc/consoles
 * parsing, the decision per kernel, class and policy, the fix. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "node/bootfb.h"

/* r_show(): two spaces a level, names as the drivers request them */
static const char iomem[] = "00000000-00000fff : Reserved\n"
			    "e0000000-efffffff : PCI Bus 0000:16\n"
			    "  e0000000-e0ffffff : 0000:16:00.0\n"
			    "6000000000-600fffffff : PCI Bus 0000:17\n"
			    "  6000000000-600fffffff : 0000:17:00.0\n"
			    "    6000000000-60007e8fff : BOOTFB\n"
			    "      6000000000-60007e8fff : simpledrm\n"
			    "  6010000000-6011ffffff : 0000:17:00.0\n"
			    "fa000000-faffffff : 0000:18:00.0\n"
			    "  fa000000-fa7fffff : efifb\n";

static void parse(void **state)
{
	struct bootfb fb;
	memset(&fb, 0, sizeof(fb));
	assert_int_equal(bootfb_parse_iomem(iomem, "0000:17:00.0", &fb), 1);
	assert_int_equal(fb.kind, BOOTFB_SIMPLE);
	assert_string_equal(fb.region, "BOOTFB"); /* the outer one: the device's own */
	assert_string_equal(fb.range, "6000000000-60007e8fff");
	memset(&fb, 0, sizeof(fb));
	assert_int_equal(bootfb_parse_iomem(iomem, "0000:18:00.0", &fb), 1);
	assert_int_equal(fb.kind, BOOTFB_EFIFB);
	/* a device with BARs but nothing inside; a name elsewhere is no match */
	memset(&fb, 0, sizeof(fb));
	assert_int_equal(bootfb_parse_iomem(iomem, "0000:16:00.0", &fb), 0);
	assert_int_equal(bootfb_parse_iomem("fa000000-faffffff : efifb\n", "0000:16:00.0", &fb), 0);
	assert_int_equal(bootfb_parse_iomem("", "0000:16:00.0", &fb), 0);
	assert_int_equal(bootfb_parse_iomem("garbage\n\n : \n", "0000:16:00.0", &fb), 0);
	/* a sibling at the BDF's own level ends its scope */
	assert_int_equal(bootfb_parse_iomem("  1-2 : 0000:16:00.0\n  3-4 : efifb\n", "0000:16:00.0", &fb), 0);
}

static void consoles(void **state)
{
	assert_true(bootfb_only_console("tty0                 -WU (EC    )    4:1\n"));
	assert_false(bootfb_only_console("tty0                 -WU (EC    )    4:1\n"
					 "ttyS0                -W- (E p   )    4:64\n"));
	assert_false(bootfb_only_console("hvc0                 -W- (E p   )  229:0\n"));
	assert_false(bootfb_only_console("ttyAMA0              -W- (E p   )  204:64\n"));
	assert_true(bootfb_only_console(""));
}

static void decide(void **state)
{
	struct bootfb none = { .kind = BOOTFB_NONE },
		      simple = { .kind = BOOTFB_SIMPLE, .driver_bound = true },
		      efifb = { .kind = BOOTFB_EFIFB, .driver_bound = true };
	assert_int_equal(bootfb_decide(&none, "6.1.0", true, BOOTFB_REFUSE), BOOTFB_ACT_NONE);
	/* refused unless the config allows */
	assert_int_equal(bootfb_decide(&efifb, "5.15.0-91-generic", true, BOOTFB_REFUSE), BOOTFB_ACT_REFUSE);
	assert_int_equal(bootfb_decide(&efifb, "5.15.0-91-generic", true, BOOTFB_RELEASE), BOOTFB_ACT_UNBIND);
	/* vfio-pci removes framebuffers itself for a VGA device since 6.0 */
	assert_int_equal(bootfb_decide(&efifb, "6.0.0", true, BOOTFB_RELEASE), BOOTFB_ACT_VFIO_REMOVES);
	assert_int_equal(bootfb_decide(&simple, "6.12.48-talos", true, BOOTFB_RELEASE),
			 BOOTFB_ACT_VFIO_REMOVES);
	/* not for a 3D controller: BOOTFB cannot be let go from sysfs */
	assert_int_equal(bootfb_decide(&simple, "6.12.48", false, BOOTFB_RELEASE), BOOTFB_ACT_REFUSE);
	assert_int_equal(bootfb_decide(&efifb, "6.12.48", false, BOOTFB_RELEASE), BOOTFB_ACT_UNBIND);
	assert_int_equal(bootfb_decide(&simple, "5.19.0", true, BOOTFB_RELEASE), BOOTFB_ACT_REFUSE);
	/* an efifb device without its driver: nothing to unbind */
	efifb.driver_bound = false;
	assert_int_equal(bootfb_decide(&efifb, "5.15.0", true, BOOTFB_RELEASE), BOOTFB_ACT_REFUSE);
	/* the host's only console: only with release-console */
	simple.only_console = true;
	assert_int_equal(bootfb_decide(&simple, "6.12.48", true, BOOTFB_RELEASE), BOOTFB_ACT_REFUSE);
	assert_int_equal(bootfb_decide(&simple, "6.12.48", true, BOOTFB_RELEASE_CONSOLE),
			 BOOTFB_ACT_VFIO_REMOVES);
	assert_int_equal(bootfb_decide(&simple, "garbage", true, BOOTFB_RELEASE_CONSOLE), BOOTFB_ACT_REFUSE);
}

static void fixes(void **state)
{
	struct bootfb simple = { .kind = BOOTFB_SIMPLE }, efifb = { .kind = BOOTFB_EFIFB },
		      vesa = { .kind = BOOTFB_VESAFB };
	assert_non_null(strstr(bootfb_fix(&simple, "5.15.0", true), "initcall_blacklist=sysfb_init"));
	assert_null(strstr(bootfb_fix(&simple, "5.15.0", true), "release"));
	assert_non_null(strstr(bootfb_fix(&simple, "6.1.0", true), "\"release\""));
	assert_non_null(strstr(bootfb_fix(&efifb, "5.15.0", true), "video=efifb:off"));
	assert_non_null(strstr(bootfb_fix(&vesa, "5.15.0", true), "video=vesafb:off"));
	enum bootfb_policy p;
	assert_int_equal(bootfb_policy_parse("release-console", &p), 0);
	assert_int_equal(p, BOOTFB_RELEASE_CONSOLE);
	assert_int_equal(bootfb_policy_parse("yes", &p), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse),
		cmocka_unit_test(consoles),
		cmocka_unit_test(decide),
		cmocka_unit_test(fixes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
