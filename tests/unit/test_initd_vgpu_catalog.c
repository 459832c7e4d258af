// SPDX-License-Identifier: GPL-2.0-or-later
/* vgpuConfig.xml: the elements the catalog reads, what it skips, and what
 * it refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "vgpu/vgpu_catalog.h"

static const char xml[] = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
			  "<!DOCTYPE vgpu SYSTEM \"http://www.nvidia.com/dtd/vgpuConfig.dtd\">\n"
			  "<vgpuconfig>\n  <version>1.0</version>\n"
			  "  <!-- <vgpuType id=\"9\" name=\"commented out\"> -->\n"
			  "  <vgpuType id=\"1013\" name=\"NVIDIA H100XM-10C\" class=\"Compute\">\n"
			  "    <devId vendorId=\"0x10DE\" deviceId=\"0x2330\" subsystemVendorId=\"0x10DE\" "
			  "subsystemId=\"0x17CC\"></devId>\n"
			  "    <framebuffer>0x280000000</framebuffer>\n  </vgpuType>\n"
			  "  <vgpuType name='NVIDIA H100XM-20C' id='1014' "
			  "class='Compute'><framebuffer>0x500000000</framebuffer></vgpuType>\n"
			  "  <vgpuType id=\"1001\" name=\"NVIDIA H100XM-1-10C\" class=\"Compute\"/>\n"
			  "  <vgpuType id=\"11\" name=\"GRID M60-1B\" class=\"NVS\"/>\n"
			  "  <pgpu>\n    <devId vendorId=\"0x10de\" deviceId=\"0x2330\" "
			  "subsystemVendorId=\"0x10de\" subsystemId=\"0x0\"/>\n"
			  "    <supportedVgpu vgpuId=\"1013\">\n      <maxVgpus> 8 </maxVgpus>\n"
			  "      <digest type=\"signature\">abc</digest>\n    </supportedVgpu>\n"
			  "    <supportedVgpu vgpuId=\"1014\"><maxVgpus>4</maxVgpus></supportedVgpu>\n"
			  "    <supportedVgpu vgpuId=\"1001\"><maxVgpus>7</maxVgpus></supportedVgpu>\n"
			  "    <supportedVgpu vgpuId=\"4242\"><maxVgpus>2</maxVgpus></supportedVgpu>\n"
			  "  </pgpu>\n"
			  "  <pgpu><devId vendorId=\"0x10de\" deviceId=\"0x13F2\"/>\n"
			  "    <supportedVgpu vgpuId=\"11\"><maxVgpus>16</maxVgpus></supportedVgpu></pgpu>\n"
			  "</vgpuconfig>\n";

static void reads_types_and_gpus(void **state)
{
	struct vgpu_catalog c;
	struct vgpu_offer o[8];
	assert_int_equal(vgpu_catalog_parse(xml, sizeof(xml) - 1, &c), 0);
	assert_int_equal(c.nt, 4);
	assert_string_equal(vgpu_catalog_name(&c, 1013), "NVIDIA H100XM-10C");
	assert_string_equal(vgpu_catalog_name(&c, 1014), "NVIDIA H100XM-20C");
	assert_null(vgpu_catalog_name(&c, 9));
	assert_null(vgpu_catalog_name(&c, 4242));
	/* 4242 has no vgpuType: not offered */
	assert_int_equal(vgpu_catalog_offers(&c, 0x2330, o, 8), 3);
	assert_string_equal(o[0].name, "H100XM-10C");
	assert_string_equal(o[0].id, "1013");
	assert_int_equal(o[0].max, 8);
	assert_int_equal(o[0].fb_gb, 10);
	assert_false(o[0].mig);
	assert_string_equal(o[2].name, "H100XM-1-10C");
	assert_true(o[2].mig);
	assert_int_equal(vgpu_catalog_offers(&c, 0x2330, o, 2), 2);
	assert_int_equal(vgpu_catalog_offers(&c, 0x13f2, o, 8), 1);
	assert_string_equal(o[0].name, "M60-1B");
	assert_int_equal(o[0].max, 16);
	assert_int_equal(vgpu_catalog_offers(&c, 0x20b5, o, 8), 0);
	vgpu_catalog_free(&c);
}

static void refuses_and_tolerates(void **state)
{
	struct vgpu_catalog c;
	static const char *const bad[] = { "", "<html></html>", "not xml at all",
					   "<vgpuType id=\"1\" name=\"x\">" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(vgpu_catalog_parse(bad[i], strlen(bad[i]), &c), -EINVAL);
	/* truncated documents keep what is complete */
	static const char cut[] =
	    "<vgpuconfig><vgpuType id=\"5\" name=\"NVIDIA T4-1Q\"/><pgpu><devId deviceId=\"0x1eb8\"/>"
	    "<supportedVgpu vgpuId=\"5\"><maxVgpus>16";
	assert_int_equal(vgpu_catalog_parse(cut, sizeof(cut) - 1, &c), 0);
	assert_int_equal(c.nt, 1);
	assert_int_equal(c.ns, 0);
	vgpu_catalog_free(&c);
	/* hostile values: no ID 0, no overflow, no unterminated quotes */
	static const char odd[] =
	    "<vgpuconfig><vgpuType id=\"0\" name=\"NVIDIA A-1C\"/><vgpuType id=\"99999999999\" "
	    "name=\"NVIDIA B-1C\"/><vgpuType id=\"7\" name=\"NVIDIA C-1C></vgpuconfig>";
	assert_int_equal(vgpu_catalog_parse(odd, sizeof(odd) - 1, &c), 0);
	assert_int_equal(c.nt, 0);
	vgpu_catalog_free(&c);
}

static void creatable_lines(void **state)
{
	struct vgpu_catalog c = { 0 };
	assert_int_equal(
	    vgpu_catalog_add_creatable(&c, "1013 : NVIDIA H100XM-10C\n1014 : NVIDIA H100XM-20C\n"), 2);
	/* known IDs, junk and overlong lines are skipped */
	assert_int_equal(
	    vgpu_catalog_add_creatable(&c, "1013 : NVIDIA other\nx : y\n0 : zero\n17 NVIDIA no colon\n"
					   "5 :   \n12:NVIDIA T4-1Q \r"),
	    1);
	assert_string_equal(vgpu_catalog_name(&c, 1013), "NVIDIA H100XM-10C");
	assert_string_equal(vgpu_catalog_name(&c, 12), "NVIDIA T4-1Q");
	assert_int_equal(vgpu_catalog_add_creatable(&c, ""), 0);
	assert_int_equal(vgpu_catalog_add_creatable(&c, NULL), 0);
	vgpu_catalog_free(&c);
}

/* NVIDIA's own format (nvidia-vgpu-vfio, creatable_vgpu_types_show()):
 * a header line, then "%-5d : NAME"; the header alone when nothing fits. */
static void creatable_nvidia_format(void **state)
{
	struct vgpu_catalog c = { 0 };
	assert_int_equal(vgpu_catalog_add_creatable(&c, "ID    : vGPU Name\n"), 0);
	assert_int_equal(vgpu_catalog_add_creatable(&c,
						    "ID    : vGPU Name\n1013  : NVIDIA H100XM-10C\n"
						    "941   : NVIDIA RTX6000-Ada-1Q\n12345 : NVIDIA X-1Q\n"),
			 3);
	assert_int_equal(c.nt, 3);
	assert_string_equal(vgpu_catalog_name(&c, 1013), "NVIDIA H100XM-10C");
	assert_string_equal(vgpu_catalog_name(&c, 941), "NVIDIA RTX6000-Ada-1Q");
	assert_string_equal(vgpu_catalog_name(&c, 12345), "NVIDIA X-1Q");
	vgpu_catalog_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reads_types_and_gpus),
		cmocka_unit_test(refuses_and_tolerates),
		cmocka_unit_test(creatable_lines),
		cmocka_unit_test(creatable_nvidia_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
