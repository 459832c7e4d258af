// SPDX-License-Identifier: GPL-2.0-or-later
#include "status.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "check_print.h"
#include "jsonw.h"
#include "vgpu/vgpu_node.h"
#include "rootfs.h"

static int open_status_dir(int rootfd)
{
	/* run/ is the node's; gpu-initd/ is ours to make */
	int run = rootfs_openat(rootfd, "run", O_PATH | O_DIRECTORY, 0);
	if (run < 0)
		return run;
	int r = rootfs_mkdir_p(run, "gpu-initd", 0755);
	int fd = r < 0 ? r : rootfs_openat(run, "gpu-initd", O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	close(run);
	return fd;
}

int status_clear_ready(int rootfd)
{
	int d = open_status_dir(rootfd);
	if (d < 0)
		return d;
	int r = rootfs_unlink(d, "ready");
	close(d);
	return r == -ENOENT ? 0 : r;
}

static void write_json(FILE *f, const struct report *r, bool ready)
{
	struct jsonw w;
	jsonw_init_file(&w, f, false);
	jsonw_obj_open(&w);
	jsonw_kint(&w, "schema", 1);
	jsonw_kstr(&w, "mode", mode_name(r->mode));
	jsonw_kbool(&w, "ready", ready);
	jsonw_key(&w, "reasons");
	jsonw_arr_open(&w);
	for (int x = 0; x < R__MAX; x++)
		if (r->reasons & (1u << x))
			jsonw_str(&w, x == R_IOMMU_OFF ? iommu_cause_code(r->cause)
						       : reason_code((enum reason)x));
	jsonw_arr_close(&w);
	jsonw_key(&w, "devices");
	jsonw_arr_open(&w);
	for (size_t k = 0; k < r->ndr; k++)
		report_dev_json(&w, r, &r->dr[k], DEV_JSON_STATUS);
	jsonw_arr_close(&w);
	if (r->mode == MODE_VGPU) {
		static const char *const st[] = { "planned", "kept", "created", "failed" };
		jsonw_key(&w, "vgpus");
		jsonw_arr_open(&w);
		for (size_t k = 0; r->vgpu && k < r->vgpu->nv; k++) {
			const struct vgpu_entry *v = &r->vgpu->v[k];
			jsonw_obj_open(&w);
			jsonw_kstr(&w, "gpu", v->gpu);
			jsonw_kstr(&w, "parent", v->parent);
			jsonw_kstr(&w, "type", v->type);
			jsonw_kstr(&w, "uuid", v->uuid);
			jsonw_kstr(&w, "state", st[v->state]);
			jsonw_obj_close(&w);
		}
		jsonw_arr_close(&w);
	}
	jsonw_obj_close(&w);
	fputc('\n', f);
}

struct status_doc {
	const struct report *r;
	bool ready;
};

static int fill_status(FILE *f, void *data)
{
	const struct status_doc *doc = data;
	write_json(f, doc->r, doc->ready);
	return 0;
}

int status_write(int rootfd, const struct report *r, bool ready)
{
	struct status_doc doc = { r, ready };
	int d = open_status_dir(rootfd);
	if (d < 0)
		return d;
	int e = rootfs_write_atomic_fn(d, "status.json", 0644, fill_status, &doc);
	if (e == 0 && ready)
		e = rootfs_create(d, "ready", 0644);
	else if (e == 0 && (e = rootfs_unlink(d, "ready")) == -ENOENT)
		e = 0;
	close(d);
	return e;
}
