// SPDX-License-Identifier: GPL-2.0-or-later
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "pciaddr.h"

static void parse_full_and_short(void **state)
{
	struct pci_addr a;
	char buf[PCI_ADDR_STRLEN];
	assert_int_equal(pci_addr_parse("0000:9A:00.0", &a), 0);
	assert_string_equal(pci_addr_format(&a, buf), "0000:9a:00.0");
	assert_int_equal(pci_addr_parse("18:1f.7", &a), 0);
	assert_string_equal(pci_addr_format(&a, buf), "0000:18:1f.7");
	assert_int_equal(pci_addr_parse("abcd:ff:1f.7", &a), 0);
	assert_int_equal(a.domain, 0xabcd);
	assert_int_equal(pci_addr_devfn(&a), 0xff);
}

static void parse_rejects(void **state)
{
	struct pci_addr a = { .bus = 0x42 };
	const char *bad[] = { "",
			      "0000:00:20.0",
			      "0000:00:00.8",
			      "0000:100:00.0",
			      "00000:00:00.0",
			      "0000:00:00.0\n",
			      "0000:00:00",
			      "x:00:00.0",
			      "0000:00:00.0.1",
			      ":00:00.0",
			      "0000:00:00.",
			      "1:2:3:4.0" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(pci_addr_parse(bad[i], &a), -EINVAL);
	assert_int_equal(a.bus, 0x42); /* untouched on failure */
	assert_int_equal(pci_addr_parse(NULL, &a), -EINVAL);
}

static void rid_and_order(void **state)
{
	struct pci_addr a, b;
	pci_addr_parse("0000:18:00.4", &a);
	assert_int_equal(pci_addr_rid(&a), 0x1804);
	b = pci_addr_from_rid(0, 0x1804);
	assert_int_equal(pci_addr_cmp(&a, &b), 0);
	pci_addr_parse("0000:9a:00.0", &b);
	assert_true(pci_addr_cmp(&a, &b) < 0);
	pci_addr_parse("0001:00:00.0", &a);
	assert_true(pci_addr_cmp(&a, &b) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_full_and_short),
		cmocka_unit_test(parse_rejects),
		cmocka_unit_test(rid_and_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
