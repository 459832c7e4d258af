// SPDX-License-Identifier: GPL-2.0-or-later
/* initd/serve/health.c: a device's health (group node, driver), the
 * verdict on sick GPUs (fell off the bus, link down, fatal AER errors since
 * the last healthy check, recovery), the aer_dev_fatal parser, uevents into
 * a burst. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "initd_serve_fixture.h"
#include "serve/discover.h"
#include "serve/ers.h"
#include "serve/health.h"
#include "serve/resources.h"

static void health(void **state)
{
	struct sdev a = mkdev(SDEV_PASSTHROUGH, "0000:18:00.0", 19, 0, ""), b = a;
	assert_true(resource_dev_healthy(&a, &b));
	assert_false(resource_dev_healthy(&a, NULL));
	snprintf(b.driver, sizeof(b.driver), "nvidia");
	assert_false(resource_dev_healthy(&a, &b));
	b = a;
	b.group = 20;
	assert_false(resource_dev_healthy(&a, &b));
	b = a;
	b.group_node = false;
	assert_false(resource_dev_healthy(&a, &b));
	a.kind = b.kind = SDEV_VF_VGPU;
	a.vgpu_id = 1013;
	b = a;
	b.group_node = true;
	b.vgpu_id = 1014;
	assert_false(resource_dev_healthy(&a, &b));
}
static struct sdev gpu(void)
{
	struct sdev d = { .kind = SDEV_PASSTHROUGH, .group = 19, .group_node = true, .aer_fatal = 0 };
	snprintf(d.id, sizeof(d.id), "0000:18:00.0");
	snprintf(d.driver, sizeof(d.driver), "vfio-pci");
	return d;
}

static void verdicts(void **state)
{
	struct sdev seen = gpu(), now = gpu();
	assert_int_equal(resource_dev_verdict(&seen, &now), SICK_NONE);
	assert_int_equal(resource_dev_verdict(&seen, NULL), SICK_GONE);
	now.group_node = false;
	assert_int_equal(resource_dev_verdict(&seen, &now), SICK_MOVED);
	now = gpu();
	now.dead = true;
	now.link_down = true; /* a dead function's link reads Unknown too: dead wins */
	assert_int_equal(resource_dev_verdict(&seen, &now), SICK_DEAD);
	assert_string_equal(resource_sick_str(SICK_DEAD), "fell-off-bus");
	now = gpu();
	now.link_down = true;
	assert_int_equal(resource_dev_verdict(&seen, &now), SICK_LINK_DOWN);
	assert_string_equal(resource_sick_str(SICK_LINK_DOWN), "link-down");
	assert_string_equal(resource_sick_str(SICK_NONE), "");
	/* moved beats sick: another driver is the first thing to say */
	now.group = 20;
	assert_int_equal(resource_dev_verdict(&seen, &now), SICK_MOVED);
}

static void aer_since_last_healthy(void **state)
{
	struct sdev seen = gpu(), now = gpu();
	seen.aer_fatal = 3; /* errors before serve first saw it: no reason */
	now.aer_fatal = 3;
	assert_int_equal(resource_dev_verdict(&seen, &now), SICK_NONE);
	assert_int_equal(resource_aer_baseline(&seen, &now, SICK_NONE), 3);
	now.aer_fatal = 4;
	enum sdev_sick v = resource_dev_verdict(&seen, &now);
	assert_int_equal(v, SICK_AER_FATAL);
	assert_string_equal(resource_sick_str(v), "aer-fatal");
	/* the baseline stays: later checks still see the rise */
	seen.aer_fatal = resource_aer_baseline(&seen, &now, v);
	assert_int_equal(seen.aer_fatal, 3);
	assert_int_equal(resource_dev_verdict(&seen, &now), SICK_AER_FATAL);
	/* the kernel's SUCCESSFUL_RECOVERY: healthy, new baseline */
	now.recovered = true;
	v = resource_dev_verdict(&seen, &now);
	assert_int_equal(v, SICK_NONE);
	seen.aer_fatal = resource_aer_baseline(&seen, &now, v);
	assert_int_equal(seen.aer_fatal, 4);
	now.recovered = false;
	assert_int_equal(resource_dev_verdict(&seen, &now), SICK_NONE);
	/* a new pci_dev (removed, rescanned): counts restart */
	now.aer_fatal = 0;
	v = resource_dev_verdict(&seen, &now);
	assert_int_equal(v, SICK_NONE);
	assert_int_equal(resource_aer_baseline(&seen, &now, v), 0);
	/* a count we could not read (an error of ours) changes nothing */
	now.aer_fatal = SDEV_AER_UNKNOWN;
	assert_int_equal(resource_dev_verdict(&seen, &now), SICK_NONE);
	assert_int_equal(resource_aer_baseline(&seen, &now, SICK_NONE), 4);
	/* nor one we never had: no AER capability */
	seen.aer_fatal = SDEV_AER_UNKNOWN;
	now.aer_fatal = 7;
	v = resource_dev_verdict(&seen, &now);
	assert_int_equal(v, SICK_NONE);
	assert_int_equal(resource_aer_baseline(&seen, &now, v), 7);
	/* a dead GPU is never healthy, recovered or not */
	now.dead = true;
	now.recovered = true;
	assert_false(resource_dev_healthy(&seen, &now));
}

static void aer_text(void **state)
{
	uint64_t n = 0;
	/* drivers/pci/pcie/aer.c aer_stats_dev_attr() output */
	assert_int_equal(discover_parse_aer_total("Undefined 0\nDLP 0\nSDES 0\nCmpltTO 2\n"
						  "dev_fatal_errs_bit[27] 1\nTOTAL_ERR_FATAL 3\n",
						  &n),
			 0);
	assert_int_equal(n, 3);
	assert_int_equal(discover_parse_aer_total("TOTAL_ERR_FATAL 0", &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(discover_parse_aer_total("Undefined 0\nTOTAL_ERR_NONFATAL 5\n", &n), -ENOENT);
	assert_int_equal(discover_parse_aer_total("TOTAL_ERR_FATAL x\n", &n), -EINVAL);
	assert_int_equal(discover_parse_aer_total("TOTAL_ERR_FATAL -1\n", &n), -EINVAL);
	assert_int_equal(discover_parse_aer_total("TOTAL_ERR_FATAL 99999999999999999999999\n", &n), -EINVAL);
	assert_int_equal(discover_parse_aer_total("", &n), -ENOENT);
}

static void recovery_event(void **state)
{
	struct health_burst b = { .npci = 0 };
	health_burst_add_event(&b, "pci", "0000:18:00.0", "BEGIN_RECOVERY");
	assert_int_equal(b.npci, 1);
	assert_int_equal(b.nrecovered, 0);
	health_burst_add_event(&b, "pci", "0000:18:00.0", "SUCCESSFUL_RECOVERY");
	health_burst_add_event(&b, "pci", "0000:2a:00.0", "FAILED_RECOVERY");
	health_burst_add_event(&b, "pci", "0000:3a:00.0", NULL);
	assert_int_equal(b.npci, 4);
	assert_int_equal(b.nrecovered, 1);
	assert_string_equal(b.recovered[0], "0000:18:00.0");
	health_burst_add_event(&b, "mdev", "x", "SUCCESSFUL_RECOVERY");
	assert_int_equal(b.nrecovered, 1);
	assert_true(b.full);
}
/* uevents into a burst: PCI functions by name, vfio group nodes by number,
 * anything else (or too many) a full rescan; nothing is lost. */
static void uevent_burst(void **state)
{
	struct health_burst b = { .npci = 0 };
	health_burst_add(&b, "pci", "0000:18:00.0");
	health_burst_add(&b, "vfio", "19");
	assert_int_equal(b.npci, 1);
	assert_string_equal(b.pci[0], "0000:18:00.0");
	assert_int_equal(b.nvfio, 1);
	assert_int_equal(b.vfio_groups[0], 19);
	assert_false(b.full);
	health_burst_add(&b, "vfio", "vfio"); /* /dev/vfio/vfio */
	assert_true(b.full);
	b = (struct health_burst){ .npci = 0 };
	health_burst_add(&b, "vfio", "123456789"); /* too long for a group number */
	assert_true(b.full);
	b = (struct health_burst){ .npci = 0 };
	health_burst_add(&b, "mdev", "8e6f1c52-7d3a-4b7e-9c1d-2f3a4b5c6d01");
	assert_true(b.full);
	b = (struct health_burst){ .npci = 0 };
	health_burst_add(&b, NULL, "0000:18:00.0");
	assert_true(b.full);
	b = (struct health_burst){ .npci = 0 };
	health_burst_add(&b, "pci", "0000:18:00.0-a-name-longer-than-32-bytes");
	assert_true(b.full);
	b = (struct health_burst){ .npci = 0 };
	for (int i = 0; i < HEALTH_MAX_NAMES; i++)
		health_burst_add(&b, "pci", "0000:18:00.0");
	assert_false(b.full);
	health_burst_add(&b, "pci", "0000:2a:00.0");
	assert_int_equal(b.npci, HEALTH_MAX_NAMES);
	assert_true(b.full);
}

/* The kernel's recovery as uevents tell it (tests/vm/s-aer.sh: a fatal
 * error whose recovery failed sends BEGIN_RECOVERY then FAILED_RECOVERY
 * on the device, and sysfs shows nothing of it). */
static void recovery_state(void **state)
{
	struct health_burst b = { .npci = 0 };
	health_burst_add_uevent(&b, "change", "pci", "0000:18:00.0", "BEGIN_RECOVERY");
	health_burst_add_uevent(&b, "change", "pci", "0000:18:00.0", "FAILED_RECOVERY");
	health_burst_add_uevent(&b, "change", "pci", "0000:2a:00.0", "BEGIN_RECOVERY");
	health_burst_add_uevent(&b, "change", "pci", "0000:2a:00.0", "SUCCESSFUL_RECOVERY");
	health_burst_add_uevent(&b, "change", "pci", "0000:3a:00.0", "BEGIN_RECOVERY");
	health_burst_add_uevent(&b, "bind", "pci", "0000:5d:00.0", NULL);
	health_burst_add_uevent(&b, "change", "mdev", "x", "FAILED_RECOVERY");
	assert_int_equal(b.ners, 5);
	struct ers_table t = { .n = 0 };
	for (size_t i = 0; i < b.ners; i++)
		ers_apply(&t, b.ers[i].name, 7, (enum ers_event)b.ers[i].ev);
	assert_int_equal(ers_lookup(&t, "0000:18:00.0"), ERS_FAILED);
	assert_int_equal(ers_lookup(&t, "0000:2a:00.0"), ERS_NONE);
	assert_int_equal(ers_lookup(&t, "0000:3a:00.0"), ERS_RECOVERING);
	assert_int_equal(ers_lookup(&t, "0000:5d:00.0"), ERS_NONE);
	/* a later success, or the pci_dev's removal, ends it */
	ers_apply(&t, "0000:3a:00.0", 0, ERS_EV_SUCCESS);
	assert_int_equal(ers_lookup(&t, "0000:3a:00.0"), ERS_NONE);
	ers_apply(&t, "0000:18:00.0", 0, ers_event_of("remove", NULL));
	assert_int_equal(ers_lookup(&t, "0000:18:00.0"), ERS_NONE);
	assert_int_equal(t.n, 0);
	assert_int_equal(ers_event_of("change", "SOMETHING_ELSE"), 0);
	assert_int_equal(ers_event_of("change", NULL), 0);
	/* a full table drops what does not fit, nothing else */
	char bdf[32];
	for (int i = 0; i < ERS_MAX + 4; i++) {
		snprintf(bdf, sizeof(bdf), "0000:%02x:00.0", i);
		ers_apply(&t, bdf, 1, ERS_EV_BEGIN);
	}
	assert_int_equal(t.n, ERS_MAX);
	assert_int_equal(ers_lookup(&t, "0000:00:00.0"), ERS_RECOVERING);
	assert_int_equal(ers_lookup(&t, "0000:43:00.0"), ERS_NONE);

	/* the verdict: failed/ongoing recovery after dead and link-down */
	struct sdev seen = gpu(), now = gpu();
	now.ers = ERS_FAILED;
	assert_int_equal(resource_dev_verdict(&seen, &now), SICK_AER_FAILED);
	assert_string_equal(resource_sick_str(SICK_AER_FAILED), "aer-recovery-failed");
	now.ers = ERS_RECOVERING;
	assert_int_equal(resource_dev_verdict(&seen, &now), SICK_AER_RECOVERING);
	assert_string_equal(resource_sick_str(SICK_AER_RECOVERING), "aer-recovering");
	now.link_down = true;
	assert_int_equal(resource_dev_verdict(&seen, &now), SICK_LINK_DOWN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(health),
		cmocka_unit_test(verdicts),
		cmocka_unit_test(aer_since_last_healthy),
		cmocka_unit_test(aer_text),
		cmocka_unit_test(recovery_event),
		cmocka_unit_test(recovery_state),
		cmocka_unit_test(uevent_burst),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
