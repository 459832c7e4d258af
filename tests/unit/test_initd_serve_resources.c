// SPDX-License-Identifier: GPL-2.0-or-later
/* initd/serve/resources.c: resource names, env names and socket names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "initd_serve_fixture.h"
#include "node/config.h"
#include "serve/resources.h"

static void names(void **state)
{
	struct config c;
	char err[256];
	struct sdev d = mkdev(SDEV_PASSTHROUGH, "0000:18:00.0", 19, 0, "");
	assert_int_equal(resources_name(NULL, &d), 0);
	assert_string_equal(d.resource, "nvidia.com/GH100_H100_SXM5_80GB");
	struct sdev m = mkdev(SDEV_MDEV, "8e6f1c52-7d3a-4b7e-9c1d-2f3a4b5c6d01", 40, 0, "");
	snprintf(m.vgpu_type, sizeof(m.vgpu_type), "NVIDIA A100-1-5C");
	assert_int_equal(resources_name(NULL, &m), 0);
	assert_string_equal(m.resource, "nvidia.com/NVIDIA_A100-1-5C");
	snprintf(m.vgpu_type, sizeof(m.vgpu_type), "GRID  T4-4Q");
	assert_int_equal(resources_name(NULL, &m), 0);
	assert_string_equal(m.resource, "nvidia.com/GRID_T4-4Q");
	m.vgpu_type[0] = '\0';
	assert_int_equal(resources_name(NULL, &m), -ENOENT);
	/* kubelet's rule: the name must end in an alphanumeric */
	snprintf(m.vgpu_type, sizeof(m.vgpu_type), "NVIDIA A100-");
	assert_int_equal(resources_name(NULL, &m), -ENOENT);
	/* aliases: vendor:device, the short vGPU type name, "*" */
	const char *js =
	    "{\"resource-names\": {\"10de:2330\": \"example.com/h100\", \"A100-1-5C\": \"nvidia.com/mig-1g\","
	    " \"*\": \"nvidia.com/gpu\"}}";
	config_init(&c);
	assert_int_equal(config_parse(&c, js, strlen(js), err, sizeof(err)), 0);
	assert_int_equal(resources_name(&c, &d), 0);
	assert_string_equal(d.resource, "example.com/h100");
	snprintf(m.vgpu_type, sizeof(m.vgpu_type), "NVIDIA A100-1-5C");
	assert_int_equal(resources_name(&c, &m), 0);
	assert_string_equal(m.resource, "nvidia.com/mig-1g");
	snprintf(m.vgpu_type, sizeof(m.vgpu_type), "NVIDIA A100-4C");
	assert_int_equal(resources_name(&c, &m), 0);
	assert_string_equal(m.resource, "nvidia.com/gpu");
	/* pci.ids is wanted only by an NVIDIA function nothing else names */
	assert_false(resources_wants_pciids(NULL, &d));
	d.device = 0x1b38;
	assert_true(resources_wants_pciids(NULL, &d));
	assert_false(resources_wants_pciids(&c, &d)); /* "*" names it */
	assert_false(resources_wants_pciids(NULL, &m));
	/* a non-NVIDIA function gets no default name */
	d.vendor = 0x1234;
	d.device = 0x11e8;
	assert_int_equal(resources_name(NULL, &d), -ENOENT);
}

static void env_and_socket_names(void **state)
{
	char b[192];
	assert_true(resource_env_name("PCI_RESOURCE", "nvidia.com/GH100_H100_SXM5_80GB", b, sizeof(b)) > 0);
	assert_string_equal(b, "PCI_RESOURCE_NVIDIA_COM_GH100_H100_SXM5_80GB");
	assert_true(resource_env_name("MDEV_PCI_RESOURCE", "nvidia.com/NVIDIA_A100-1-5C", b, sizeof(b)) > 0);
	assert_string_equal(b, "MDEV_PCI_RESOURCE_NVIDIA_COM_NVIDIA_A100-1-5C");
	assert_int_equal(resource_env_name("PCI_RESOURCE", "nvidia.com/x", b, 10), -ENAMETOOLONG);
	assert_true(resource_socket_name("nvidia.com/gpu", b, sizeof(b)) > 0);
	assert_string_equal(b, "gpu-initd-nvidia.com_gpu.sock");
	char b2[192];
	assert_int_equal(
	    resource_socket_name("example.example.example.com/NVIDIA_H100XM-1-10C_with_a_long_tail", b,
				 sizeof(b)),
	    64);
	assert_int_equal(
	    resource_socket_name("example.example.example.com/NVIDIA_H100XM-1-10C_with_a_long_tall", b2,
				 sizeof(b2)),
	    64);
	assert_string_not_equal(b, b2);
	assert_int_equal(strncmp(b, "gpu-initd-example.example.example.com_NVIDIA_H", 46), 0);
	assert_string_equal(resource_env_prefix(SDEV_VF_VGPU), "PCI_RESOURCE");
	assert_string_equal(resource_env_prefix(SDEV_MDEV), "MDEV_PCI_RESOURCE");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names),
		cmocka_unit_test(env_and_socket_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
