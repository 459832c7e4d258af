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
	int run = rootfs_openat(rootfd, "run", O_RDONLY | O_DIRECTORY, 0);
	if (run < 0)
		return run;
	if (mkdirat(run, "gpu-initd", 0755) < 0 && errno != EEXIST) {
		int e = -errno;
		close(run);
		return e;
	}
	int fd = openat(run, "gpu-initd", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int e = fd < 0 ? -errno : fd;
	close(run);
	return e;
}

int status_clear_ready(int rootfd)
{
	int d = open_status_dir(rootfd);
	if (d < 0)
		return d;
	int r = unlinkat(d, "ready", 0) < 0 && errno != ENOENT ? -errno : 0;
	close(d);
	return r;
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

int status_write(int rootfd, const struct report *r, bool ready)
{
	char tmp[64];
	int d = open_status_dir(rootfd), r_;
	if (d < 0)
		return d;
	snprintf(tmp, sizeof(tmp), ".status.json.%d", (int)getpid());
	int fd = openat(d, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		r_ = -errno;
		close(d);
		return r_;
	}
	FILE *f = fdopen(fd, "w");
	if (!f) {
		r_ = -errno;
		close(fd);
		goto fail;
	}
	write_json(f, r, ready);
	if (fflush(f) != 0 || fsync(fileno(f)) < 0) {
		r_ = -errno;
		fclose(f);
		goto fail;
	}
	if (fclose(f) != 0) {
		r_ = -errno;
		goto fail;
	}
	if (renameat(d, tmp, d, "status.json") < 0) {
		r_ = -errno;
		goto fail;
	}
	if (ready) {
		int rf = openat(d, "ready", O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (rf < 0) {
			r_ = -errno;
			close(d);
			return r_;
		}
		close(rf);
	} else if (unlinkat(d, "ready", 0) < 0 && errno != ENOENT) {
		r_ = -errno;
		close(d);
		return r_;
	}
	close(d);
	return 0;
fail:
	unlinkat(d, tmp, 0);
	close(d);
	return r_;
}
