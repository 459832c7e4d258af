// SPDX-License-Identifier: GPL-2.0-or-later
/* apply_node, the apply sequence, on a fixture's tree copied into a temp
 * dir (simfs's model read through core.c, no FUSE): a node already in the
 * configured mode is left alone and reported ready; a configuration the
 * node cannot honour is refused as a whole, nothing written; a root with
 * no sys/bus/pci is "not in the configured state".  A plain directory
 * does not bind drivers: flows that write are tests/it's. */
#include "simfs_harness.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apply.h"
#include "json.h"
#include "node/config.h"
#include "rootfs.h"

#define GPU "sys/bus/pci/devices/0000:00:06.0" /* iommu-off's first H100 */

static char root[64];
static int rootfd = -1;

/* Copies the model's tree under path (a directory) into root. */
static void dump(struct node *dir, const char *path)
{
	static char buf[65536];
	char sub[1024], dst[1100];
	for (struct node *n = dir->children; n; n = n->next) {
		snprintf(sub, sizeof(sub), "%s/%s", path, n->name);
		snprintf(dst, sizeof(dst), "%s%s", root, sub);
		if (strcmp(sub, "/.simfs") == 0)
			continue;
		if (n->type == NODE_DIR) {
			assert_int_equal(mkdir(dst, 0755), 0);
			dump(n, sub);
		} else if (n->type == NODE_LINK) {
			assert_int_equal(symlink(n->target, dst), 0);
		} else {
			/* write-only attributes (bind, remove...) become empty files */
			ssize_t len = simfs_read(&sf, sub, buf, sizeof(buf), 0, true);
			int fd = open(dst, O_WRONLY | O_CREAT | O_EXCL, 0644);
			assert_true(fd >= 0);
			if (len > 0)
				assert_int_equal(write(fd, buf, (size_t)len), len);
			close(fd);
		}
	}
}

static void make_root(const char *fixture)
{
	snprintf(root, sizeof(root), "/tmp/initd-apply.XXXXXX");
	assert_non_null(mkdtemp(root));
	if (fixture) {
		load(fixture);
		dump(m->root, "");
	}
	rootfd = rootfs_open(root);
	assert_true(rootfd >= 0);
}

static int cleanup(void **state)
{
	char cmd[128];
	if (m)
		teardown(state);
	if (rootfd >= 0)
		close(rootfd);
	rootfd = -1;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

static void mkdir_run(void)
{
	char p[128];
	snprintf(p, sizeof(p), "%s/run", root);
	assert_true(mkdir(p, 0755) == 0 || errno == EEXIST);
}

/* run/gpu-initd/status.json, parsed into d (whose tokens point into
 * *text: the caller frees both); "ready" must agree with the file */
static bool status_ready(struct json_doc *d, char **text)
{
	size_t len;
	*text = NULL;
	assert_int_equal(rootfs_read_file(rootfd, "run/gpu-initd/status.json", text, &len), 0);
	assert_int_equal(json_parse(d, *text, len), 0);
	bool ready = false;
	assert_int_equal(json_bool(d, json_obj_get(d, 0, "ready"), &ready), 0);
	assert_int_equal(ready, rootfs_exists(rootfd, "run/gpu-initd/ready") > 0);
	return ready;
}

static void container_already(void **state)
{
	struct config c;
	struct apply_stats st;
	struct json_doc d;
	char *text;
	make_root("fixtures/h100-hgx-8x.json");
	mkdir_run();
	config_init(&c);
	c.mode = MODE_CONTAINER;
	assert_int_equal(apply_node(rootfd, root, &c, 1000, &st), 0);
	assert_int_equal(st.writes, 0);
	assert_int_equal(st.unchanged, 8);
	assert_int_equal(st.done + st.refused + st.failed, 0);
	assert_true(status_ready(&d, &text));
	json_free(&d);
	free(text);
}

static void passthrough_iommu_off(void **state)
{
	struct config c;
	struct apply_stats st;
	struct json_doc d;
	char *text;
	char before[256], after[256];
	make_root("fixtures/iommu-off.json");
	assert_true(rootfs_readlink(rootfd, GPU "/driver", before, sizeof(before)) > 0);
	mkdir_run();
	config_init(&c);
	c.mode = MODE_PASSTHROUGH;
	assert_int_equal(apply_node(rootfd, root, &c, 1000, &st), 1);
	assert_int_equal(st.writes, 0);
	assert_int_equal(st.done + st.unchanged + st.failed, 0);
	assert_true(st.refused > 0);
	assert_false(status_ready(&d, &text));
	int reasons = json_obj_get(&d, 0, "reasons"), iommu = 0;
	json_for_each (&d, reasons, x, n) {
		char code[64];
		assert_true(json_str(&d, x, code, sizeof(code)) >= 0);
		iommu += strncmp(code, "iommu-", 6) == 0;
	}
	assert_int_equal(iommu, 1);
	json_free(&d);
	free(text);
	/* the GPU is where it was */
	assert_true(rootfs_readlink(rootfd, GPU "/driver", after, sizeof(after)) > 0);
	assert_string_equal(before, after);
	assert_non_null(strstr(after, "/nvidia"));
}

static void no_pci_bus(void **state)
{
	struct config c;
	struct apply_stats st;
	make_root(NULL);
	mkdir_run();
	config_init(&c);
	c.mode = MODE_PASSTHROUGH;
	assert_int_equal(apply_node(rootfd, root, &c, 1000, &st), 1);
	assert_int_equal(rootfs_exists(rootfd, "run/gpu-initd/status.json"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(container_already, cleanup),
		cmocka_unit_test_teardown(passthrough_iommu_off, cleanup),
		cmocka_unit_test_teardown(no_pci_bus, cleanup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
