// SPDX-License-Identifier: GPL-2.0-or-later
/* kubelet-stub's pure parts: kubelet's naming rules, KubeVirt's env
 * names, device choice, the state and its checkpoint. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jsonw.h"
#include "rootfs.h"
#include "../../kubelet-stub/kstub.h"

static void resource_names(void **state)
{
	const char *good[] = { "nvidia.com/gpu",
			       "nvidia.com/GH100_H100_SXM5_80GB",
			       "nvidia.com/NVIDIA_A100-1-5C",
			       "example.com/a.b-c_d",
			       "a/b",
			       "x.example.com/Z9" };
	const char *bad[] = { "gpu",
			      "nvidia.com/",
			      "/gpu",
			      "kubernetes.io/gpu",
			      "foo.kubernetes.io/gpu",
			      "nvidia.com/-gpu",
			      "nvidia.com/gpu-",
			      "Nvidia.com/gpu",
			      "nvidia.com/a/b",
			      "requests.nvidia.com/gpu",
			      "nvidia..com/gpu",
			      "-nvidia.com/gpu",
			      "nvidia.com/a b",
			      "nvidia.com/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" };
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
		assert_int_equal(kstub_check_resource_name(good[i]), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		if (kstub_check_resource_name(bad[i]) != -EINVAL)
			fail_msg("accepted %s", bad[i]);
	}
	assert_int_equal(kstub_check_endpoint("nvidia-gpu.sock"), 0);
	assert_int_equal(kstub_check_endpoint("../x.sock"), -EINVAL);
	assert_int_equal(kstub_check_endpoint(""), -EINVAL);
	assert_int_equal(kstub_check_endpoint(".."), -EINVAL);
}

static void env_names(void **state)
{
	char b[128];
	assert_int_equal(kstub_env_name("PCI_RESOURCE", "nvidia.com/GH100_H100_SXM5_80GB", b, sizeof(b)), 0);
	assert_string_equal(b, "PCI_RESOURCE_NVIDIA_COM_GH100_H100_SXM5_80GB");
	assert_int_equal(kstub_env_name("MDEV_PCI_RESOURCE", "nvidia.com/NVIDIA_A100-1-5C", b, sizeof(b)), 0);
	assert_string_equal(b, "MDEV_PCI_RESOURCE_NVIDIA_COM_NVIDIA_A100-1-5C");
	assert_int_equal(kstub_env_name("PCI_RESOURCE", "nvidia.com/gpu", b, 10), -ENAMETOOLONG);
}

static void pick(void **state)
{
	const char *avail[] = { "a", "b", "c", "d" };
	const char *pref[] = { "d", "x", "b", "d" };
	const char *out[4];
	assert_int_equal(kstate_pick(avail, 4, pref, 4, 3, out), 0);
	assert_string_equal(out[0], "d"); /* preferred and available */
	assert_string_equal(out[1], "b");
	assert_string_equal(out[2], "a"); /* then list order */
	assert_int_equal(kstate_pick(avail, 4, NULL, 0, 2, out), 0);
	assert_string_equal(out[1], "b");
	assert_int_equal(kstate_pick(avail, 4, NULL, 0, 5, out), -EINVAL);
}

static void state_and_checkpoint(void **state)
{
	struct kstate st = { 0 };
	struct kresource *r = kstate_get(&st, "nvidia.com/gpu");
	assert_non_null(r);
	struct kdevice devs[] = { { "0000:18:00.0", true, 0 },
				  { "0000:2a:00.0", false, -1 },
				  { "0000:3a:00.0", true, 1 } };
	assert_int_equal(kstate_set_devices(r, devs, 3), 0);
	assert_int_equal(kresource_capacity(r), 3);
	assert_int_equal(kresource_allocatable(r), 2);
	const char *ids[] = { "0000:18:00.0" };
	assert_int_equal(kstate_add_alloc(&st, "vm-a", "compute", "nvidia.com/gpu", ids, 1,
					  "{\"envs\":{\"PCI_RESOURCE_NVIDIA_COM_GPU\":\"0000:18:00.0\"}}"),
			 0);
	const char **avail;
	assert_int_equal(kstate_available(&st, r, &avail), 1); /* healthy and free */
	assert_string_equal(avail[0], "0000:3a:00.0");
	free(avail);
	assert_non_null(kstate_owner(&st, "nvidia.com/gpu", "0000:18:00.0"));
	assert_null(kstate_owner(&st, "nvidia.com/other", "0000:18:00.0"));
	kstate_all_unhealthy(r);
	assert_int_equal(kresource_allocatable(r), 0);
	assert_int_equal(kresource_capacity(r), 3);

	char *doc;
	assert_int_equal(kstate_checkpoint(&st, &doc), 0);
	struct kstate back = { 0 };
	assert_int_equal(kstate_restore(&back, doc, strlen(doc)), 0);
	assert_int_equal(back.n_res, 1);
	assert_int_equal(kresource_capacity(&back.res[0]), 0); /* until the plugin registers again */
	assert_int_equal(back.n_allocs, 1);
	assert_string_equal(back.allocs[0].pod, "vm-a");
	assert_string_equal(back.allocs[0].ids[0], "0000:18:00.0");
	assert_string_equal(back.allocs[0].response,
			    "{\"envs\":{\"PCI_RESOURCE_NVIDIA_COM_GPU\":\"0000:18:00.0\"}}");
	char *doc2;
	assert_int_equal(kstate_checkpoint(&back, &doc2), 0);
	assert_string_equal(doc, doc2); /* a fixed point */
	free(doc);
	free(doc2);
	kstate_free(&back);

	struct kstate bad = { 0 };
	assert_int_equal(kstate_restore(&bad, "{\"resources\":[1],\"allocations\":[]}", 35), -EINVAL);
	kstate_free(&bad);
	assert_int_equal(kstate_restore(&bad, "[]", 2), -EINVAL);
	kstate_free(&bad);

	struct jsonw w;
	jsonw_init(&w, false);
	kstate_status_json(&st, &w);
	assert_int_equal(jsonw_finish(&w, &doc, NULL), 0);
	assert_non_null(strstr(
	    doc, "\"capacity\":{\"nvidia.com/gpu\":\"3\"},\"allocatable\":{\"nvidia.com/gpu\":\"0\"}"));
	free(doc);
	kstate_free(&st);
}

/* launch-vm's checks on a plain folder tree (no simfs): a PCI device on
 * vfio-pci in group 7, with an iommufd cdev vfio3. */
static void touch(const char *dir, const char *rel)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	int fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
}

static void mkdirs(const char *dir, const char *rel)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	for (char *c = p + strlen(dir) + 1; *c; c++)
		if (*c == '/') {
			*c = '\0';
			mkdir(p, 0755);
			*c = '/';
		}
	mkdir(p, 0755);
}

static int check(int rootfd, const char *alloc, char *why, size_t size)
{
	fflush(stdout);
	int saved = dup(1), null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	dup2(null, 1); /* the <hostdev> elements */
	int r = kstub_vm_check(rootfd, alloc, strlen(alloc), why, size);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	close(null);
	return r;
}

static void vm_check(void **state)
{
	char dir[] = "/tmp/kstub-vmcheck-XXXXXX", p[512], why[512];
	assert_non_null(mkdtemp(dir));
	const char *D = "sys/bus/pci/devices/0000:41:00.0";
	mkdirs(dir, "sys/bus/pci/drivers/vfio-pci");
	mkdirs(dir, "sys/bus/pci/drivers/nvidia");
	mkdirs(dir, "sys/kernel/iommu_groups/7");
	snprintf(p, sizeof(p), "%s/vfio-dev/vfio3", D);
	mkdirs(dir, p);
	mkdirs(dir, "dev/vfio/devices");
	touch(dir, "dev/vfio/vfio");
	touch(dir, "dev/vfio/7");
	touch(dir, "dev/vfio/devices/vfio3");
	snprintf(p, sizeof(p), "%s/%s/driver", dir, D);
	assert_int_equal(symlink("../../drivers/vfio-pci", p), 0);
	snprintf(p, sizeof(p), "%s/%s/iommu_group", dir, D);
	assert_int_equal(symlink("../../../../kernel/iommu_groups/7", p), 0);
	int rootfd = rootfs_open(dir);
	assert_true(rootfd >= 0);

#define ALLOC(ENV, SPECS)                                                                                    \
	"{\"resource\":\"example.com/gpu\",\"devices\":[\"0000:41:00.0\"],\"response\":{\"envs\":{" ENV      \
	"},\"devices\":[" SPECS "]}}"
#define SPEC(P) "{\"host_path\":\"" P "\"}"
	const char *good = ALLOC("\"PCI_RESOURCE_EXAMPLE_COM_GPU\":\"0000:41:00.0\"",
				 SPEC("/dev/vfio/vfio") "," SPEC("/dev/vfio/7"));
	assert_int_equal(check(rootfd, good, why, sizeof(why)), 0);
	assert_int_equal(
	    check(rootfd, ALLOC("\"PCI_RESOURCE_EXAMPLE_COM_GPU\":\"0000:41:00.0\"", SPEC("/dev/vfio/7")),
		  why, sizeof(why)),
	    -EINVAL);
	assert_string_equal(why, "the allocation's DeviceSpecs lack /dev/vfio/vfio");
	assert_int_equal(
	    check(rootfd, ALLOC("\"PCI_RESOURCE_EXAMPLE_COM_GPU\":\"0000:41:00.0\"", SPEC("/dev/vfio/vfio")),
		  why, sizeof(why)),
	    -EINVAL);
	assert_string_equal(
	    why, "0000:41:00.0 is in VFIO group 7 but the allocation's DeviceSpecs lack /dev/vfio/7");
	assert_int_equal(check(rootfd,
			       ALLOC("\"PCI_RESOURCE_OTHER\":\"0000:41:00.0\"", SPEC("/dev/vfio/vfio")), why,
			       sizeof(why)),
			 -EINVAL);
	assert_string_equal(
	    why, "neither PCI_RESOURCE_EXAMPLE_COM_GPU nor MDEV_PCI_RESOURCE_EXAMPLE_COM_GPU is in "
		 "the allocation's environment");
	assert_int_equal(check(rootfd,
			       ALLOC("\"PCI_RESOURCE_EXAMPLE_COM_GPU\":\"0000:41:00.0,0000:42:00.0\"",
				     SPEC("/dev/vfio/vfio") "," SPEC("/dev/vfio/7")),
			       why, sizeof(why)),
			 -EINVAL);
	assert_string_equal(
	    why,
	    "PCI_RESOURCE_EXAMPLE_COM_GPU names 0000:42:00.0, which was not allocated to this container");

	/* iommufd: /dev/iommu and the device's cdev are needed too */
	touch(dir, "dev/iommu");
	assert_int_equal(check(rootfd, good, why, sizeof(why)), -EINVAL);
	assert_string_equal(why,
			    "the node has iommufd (/dev/iommu) but the allocation's DeviceSpecs lack it");
	const char *no_cdev = ALLOC("\"PCI_RESOURCE_EXAMPLE_COM_GPU\":\"0000:41:00.0\"",
				    SPEC("/dev/vfio/vfio") "," SPEC("/dev/vfio/7") "," SPEC("/dev/iommu"));
	assert_int_equal(check(rootfd, no_cdev, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "0000:41:00.0: the node has iommufd but the allocation's DeviceSpecs lack "
				 "/dev/vfio/devices/vfio3");
	const char *full = ALLOC("\"PCI_RESOURCE_EXAMPLE_COM_GPU\":\"0000:41:00.0\"",
				 SPEC("/dev/vfio/vfio") "," SPEC("/dev/vfio/7") "," SPEC(
				     "/dev/iommu") "," SPEC("/dev/vfio/devices/vfio3"));
	assert_int_equal(check(rootfd, full, why, sizeof(why)), 0);

	/* a device on another driver */
	snprintf(p, sizeof(p), "%s/%s/driver", dir, D);
	unlink(p);
	assert_int_equal(symlink("../../drivers/nvidia", p), 0);
	assert_int_equal(check(rootfd, full, why, sizeof(why)), -EINVAL);
	assert_string_equal(
	    why, "PCI device 0000:41:00.0 is bound to nvidia, not vfio-pci, and is no VF with a vGPU type");
	close(rootfd);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(resource_names),	cmocka_unit_test(env_names), cmocka_unit_test(pick),
		cmocka_unit_test(state_and_checkpoint), cmocka_unit_test(vm_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
