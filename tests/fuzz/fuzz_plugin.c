// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer: arbitrary bytes (after the client preface) into a connection
 * of serve's real device plugin (initd/serve/plugin.c): gRPC frames, then the
 * protobuf requests its handlers decode (Allocate, GetPreferredAllocation,
 * ListAndWatch, PreStartContainer, options) on a table of four H100s, two
 * in one IOMMU group, one whose sysfs entry is gone.  Allocate re-checks the
 * devices in a small node tree made under $TMPDIR at start (removed at
 * exit).  No crash, no leak, bounded memory. */
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "grpc_server.h"
#include "log.h"
#include "serve/plugin.h"

#define R "nvidia.com/GH100_H100_SXM5_80GB"

static struct sdev devs[4];
static struct serve_ctx ctx;
static char root[256];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void rm_root(void)
{
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void changed(struct serve_ctx *c) {}

static void mk(const char *root, const char *rel, const char *link)
{
	char p[512], d[512];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	snprintf(d, sizeof(d), "%s", p);
	for (char *s = d + strlen(root) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		mkdir(d, 0755);
		*s = '/';
	}
	if (link)
		symlink(link, p);
	else
		close(open(p, O_WRONLY | O_CREAT, 0644));
}

/* A node with 18:00.0, 9a:00.0, 9b:00.0 on vfio-pci; 2a:00.0 is gone. */
static int setup(void)
{
	static const char *ids[4] = { "0000:18:00.0", "0000:2a:00.0", "0000:9a:00.0", "0000:9b:00.0" };
	static const int groups[4] = { 19, 21, 28, 28 };
	char p[128], l[128];
	snprintf(root, sizeof(root), "%s/fuzz-plugin-XXXXXX", getenv("TMPDIR") ?: "/tmp");
	if (!mkdtemp(root))
		return -1;
	atexit(rm_root);
	for (int i = 0; i < 4; i++) {
		struct sdev *d = &devs[i];
		*d = (struct sdev){
			.kind = SDEV_PASSTHROUGH, .group = groups[i], .numa = i / 2, .group_node = true
		};
		snprintf(d->id, sizeof(d->id), "%s", ids[i]);
		snprintf(d->parent, sizeof(d->parent), "%s", ids[i]);
		snprintf(d->driver, sizeof(d->driver), "vfio-pci");
		snprintf(d->resource, sizeof(d->resource), R);
		d->vendor = 0x10de;
		d->device = 0x2330;
		if (i == 1)
			continue;
		snprintf(p, sizeof(p), "sys/bus/pci/devices/%s/driver", ids[i]);
		mk(root, p, "../../../../bus/pci/drivers/vfio-pci");
		snprintf(p, sizeof(p), "sys/bus/pci/devices/%s/iommu_group", ids[i]);
		snprintf(l, sizeof(l), "../../../../kernel/iommu_groups/%d", groups[i]);
		mk(root, p, l);
		snprintf(p, sizeof(p), "dev/vfio/%d", groups[i]);
		mk(root, p, NULL);
	}
	ctx.rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ctx.plugdir = -1;
	ctx.changed = changed;
	log_set_level(getenv("FUZZ_PLUGIN_LOG") ? LOG_INFO : LOG_ERR);
	return ctx.rootfd < 0 ? -1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	if (!ready)
		ready = setup() == 0 ? 1 : -1;
	if (ready < 0)
		abort();
	struct plugin *p;
	struct sdevs all = { .d = devs, .n = 4 };
	if (plugin_new(&ctx, R, &p) < 0)
		abort();
	plugin_update(p, &all);
	struct grpc_server_conn *sc;
	const uint8_t *out;
	if (grpc_server_conn_new(p->srv, &sc) == 0) {
		static const char magic[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
		if (grpc_server_conn_feed(sc, (const uint8_t *)magic, sizeof(magic) - 1) == 0) {
			/* two halves, a device list pushed between them to open streams */
			size_t half = size / 2;
			if (grpc_server_conn_feed(sc, data, half) == 0) {
				while (grpc_server_conn_pull(sc, &out) > 0)
					;
				devs[3].group_node = size & 1;
				plugin_update(p, &all);
				devs[3].group_node = true;
				grpc_server_conn_feed(sc, data + half, size - half);
			}
			while (grpc_server_conn_pull(sc, &out) > 0)
				;
		}
		grpc_server_conn_free(sc);
	}
	plugin_stop(p);
	plugin_free(p);
	return 0;
}
