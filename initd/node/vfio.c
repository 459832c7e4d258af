// SPDX-License-Identifier: GPL-2.0-or-later
#include "vfio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libudev.h>

#include "log.h"
#include "pcidev.h"
#include "rootfs.h"

const char *vfio_step_name(enum vfio_step s)
{
	static const char *const n[] = {
		[STEP_NONE] = "none",
		[STEP_IN_USE] = "in-use",
		[STEP_UNBIND_LOCK] = "unbind-lock",
		[STEP_SRIOV] = "disable-vfs",
		[STEP_OVERRIDE] = "driver_override",
		[STEP_UNBIND] = "unbind",
		[STEP_PROBE] = "drivers_probe",
		[STEP_VERIFY] = "verify",
		[STEP_GROUP_NODE] = "group-node",
		[STEP_MODULES] = "modules",
		[STEP_BOOTFB] = "boot-framebuffer",
	};
	return n[s];
}

bool driver_is_vfio(const char *driver)
{
	return strcmp(driver, "vfio-pci") == 0 || strstr(driver, "vfio_pci") != NULL;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int vfio_group_in_use(int rootfd, int group)
{
	char p[64];
	snprintf(p, sizeof(p), "dev/vfio/%d", group);
	/* A holder that has just closed the node may still be releasing it
	 * (deferred fput; FUSE sends RELEASE asynchronously, so our own
	 * previous probe can be the holder): EBUSY must persist ~100 ms. */
	for (int tries = 0;; tries++) {
		int fd = rootfs_openat(rootfd, p, O_RDWR, 0);
		if (fd == -ENOENT)
			return 0;
		if (fd >= 0) {
			close(fd);
			return 0;
		}
		if (fd != -EBUSY)
			return fd;
		if (tries == 5)
			return 1;
		struct timespec ts = { 0, 20 * 1000000 };
		nanosleep(&ts, NULL);
	}
}

int vfio_dev_in_use(int rootfd, const char *sysdev, int *group)
{
	char p[256], g[16], *end;
	snprintf(p, sizeof(p), "%s/iommu_group", sysdev);
	if (rootfs_link_basename(rootfd, p, g, sizeof(g)) < 0)
		return 0;
	long n = strtol(g, &end, 10);
	if (*end || n < 0 || n > 1 << 20)
		return 0;
	if (group)
		*group = (int)n;
	return vfio_group_in_use(rootfd, (int)n);
}

bool sriov_needs_disable(int r, const char *v)
{
	if (r < 0)
		return false; /* no SR-IOV capability: nothing to do */
	char *end;
	long n = strtol(v, &end, 10);
	return end != v && n > 0;
}

int sriov_disable_vfs(int rootfd, const char *bdf, int *writes)
{
	char p[128], v[32];
	snprintf(p, sizeof(p), PCI_DEVICES "/%s/sriov_numvfs", bdf);
	int r = rootfs_read_attr(rootfd, p, v, sizeof(v));
	if (!sriov_needs_disable(r, v))
		return 0;
	/* refuse if a VF is in use: its group node is held open */
	char dp[96];
	snprintf(dp, sizeof(dp), PCI_DEVICES "/%s", bdf);
	DIR *d = rootfs_opendir(rootfd, dp);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d))) {
			if (strncmp(e->d_name, "virtfn", 6) != 0)
				continue;
			char lp[400], g[32];
			snprintf(lp, sizeof(lp), "%s/%s/iommu_group", dp, e->d_name);
			if (rootfs_link_basename(rootfd, lp, g, sizeof(g)) >= 0 &&
			    vfio_group_in_use(rootfd, atoi(g)) > 0) {
				closedir(d);
				return -EBUSY;
			}
		}
		closedir(d);
	}
	(*writes)++;
	return rootfs_write(rootfd, p, "0");
}

/* A write that may block in the driver (nvidia's unbind waits for its
 * users; a probe through drivers_probe runs the driver's probe, and
 * nvgrace-gpu-vfio-pci's of 7.x polls a GPU that is not ready for up to
 * 30 s: nvgrace_gpu_probe_check_device_ready, seen 30.8 s before -ETIME in
 * make check-nvgrace): done on a thread so the caller can give up after
 * timeout_ms.  A write still blocked then is left behind; the process
 * exits soon. */
struct bounded_write {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int rootfd;
	char path[128], value[64];
	int result;
	bool done, abandoned;
};

static void *bounded_write_thread(void *arg)
{
	struct bounded_write *w = arg;
	int r = rootfs_write(w->rootfd, w->path, w->value);
	pthread_mutex_lock(&w->lock);
	w->result = r;
	w->done = true;
	bool abandoned = w->abandoned;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	if (abandoned)
		free(w);
	return NULL;
}

static int write_bounded(int rootfd, const char *path, const char *value, int timeout_ms)
{
	struct bounded_write *w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &ca);
	pthread_condattr_destroy(&ca);
	w->rootfd = rootfd;
	snprintf(w->path, sizeof(w->path), "%s", path);
	snprintf(w->value, sizeof(w->value), "%s", value);
	pthread_t t;
	int r = pthread_create(&t, NULL, bounded_write_thread, w);
	if (r) {
		free(w);
		return -r;
	}
	pthread_detach(t);
	struct timespec dl;
	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += timeout_ms / 1000;
	dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (dl.tv_nsec >= 1000000000) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&w->lock);
	while (!w->done)
		if (pthread_cond_timedwait(&w->cond, &w->lock, &dl) == ETIMEDOUT)
			break;
	if (!w->done) {
		w->abandoned = true;
		pthread_mutex_unlock(&w->lock);
		return -ETIMEDOUT;
	}
	r = w->result;
	pthread_mutex_unlock(&w->lock);
	free(w);
	return r;
}

/* Waits for dev/vfio/<group>: a libudev kernel monitor wakes us on vfio
 * events; a 10 ms poll covers kernels (and simulated nodes) that send
 * none.  inotify cannot see FUSE-side changes. */
static int wait_group_node(int rootfd, int group, int timeout_ms)
{
	char p[64];
	snprintf(p, sizeof(p), "dev/vfio/%d", group);
	if (rootfs_exists(rootfd, p) > 0)
		return 0;
	struct udev *udev = udev_new();
	struct udev_monitor *mon = NULL;
	int mfd = -1;
	if (udev) {
		mon = udev_monitor_new_from_netlink(udev, "kernel");
		if (mon && udev_monitor_filter_add_match_subsystem_devtype(mon, "vfio", NULL) >= 0 &&
		    udev_monitor_enable_receiving(mon) >= 0)
			mfd = udev_monitor_get_fd(mon);
	}
	long long deadline = now_ms() + timeout_ms;
	int r = -ETIMEDOUT;
	for (;;) {
		if (rootfs_exists(rootfd, p) > 0) {
			r = 0;
			break;
		}
		long long left = deadline - now_ms();
		if (left <= 0)
			break;
		struct pollfd pfd = { .fd = mfd, .events = POLLIN };
		if (poll(&pfd, mfd >= 0 ? 1 : 0, left < 10 ? (int)left : 10) > 0) {
			struct udev_device *ev = udev_monitor_receive_device(mon);
			if (ev)
				udev_device_unref(ev);
		}
	}
	if (mon)
		udev_monitor_unref(mon);
	if (udev)
		udev_unref(udev);
	return r;
}

static int fail(struct vfio_result *res, enum vfio_step s, int err)
{
	res->step = s;
	res->err = err;
	return err;
}

/* Starts a bind or release: res cleared, the current driver in cur, the
 * driver_override path in p and its value in ov (each 128/64 bytes). */
static int read_binding(int rootfd, const char *bdf, char *cur, char *ov, char *p, struct vfio_result *res)
{
	res->step = STEP_NONE;
	res->err = 0;
	int r = pcidev_read_driver(rootfd, bdf, cur, 64);
	if (r < 0)
		return fail(res, STEP_VERIFY, r);
	snprintf(p, 128, PCI_DEVICES "/%s/driver_override", bdf);
	r = rootfs_read_attr(rootfd, p, ov, 64);
	return r < 0 ? fail(res, STEP_OVERRIDE, r) : 0;
}

int vfio_bind(int rootfd, const char *bdf, const char *driver, int *group, int timeout_ms,
	      struct vfio_result *res)
{
	char p[128], cur[64], ov[64];
	int r = read_binding(rootfd, bdf, cur, ov, p, res);
	if (r < 0)
		return r;
	if (strcmp(cur, driver) != 0) {
		if (strcmp(ov, driver) != 0) {
			res->writes++;
			r = rootfs_write(rootfd, p, driver);
			if (r < 0)
				return fail(res, STEP_OVERRIDE, r);
		}
		if (cur[0]) {
			snprintf(p, sizeof(p), "sys/bus/pci/drivers/%s/unbind", cur);
			res->writes++;
			r = write_bounded(rootfd, p, bdf, timeout_ms);
			if (r < 0)
				return fail(res, STEP_UNBIND, r);
		}
		res->writes++;
		r = write_bounded(rootfd, "sys/bus/pci/drivers_probe", bdf, timeout_ms);
		if (r < 0)
			return fail(res, STEP_PROBE, r);
		r = pcidev_read_driver(rootfd, bdf, cur, sizeof(cur));
		if (r < 0)
			return fail(res, STEP_VERIFY, r);
		if (strcmp(cur, driver) != 0)
			return fail(res, STEP_VERIFY, -ENXIO);
	}
	if (*group < 0) {
		int g = pcidev_read_group(rootfd, bdf);
		if (g < 0)
			return fail(res, STEP_GROUP_NODE, -ENODEV);
		*group = g;
	}
	r = wait_group_node(rootfd, *group, timeout_ms);
	if (r < 0)
		return fail(res, STEP_GROUP_NODE, r);
	return 0;
}

int vfio_unbind_to(int rootfd, const char *bdf, const char *override, int timeout_ms, struct vfio_result *res)
{
	char p[128], cur[64], ov[64];
	int r = read_binding(rootfd, bdf, cur, ov, p, res);
	if (r < 0)
		return r;
	const char *want = override[0] ? override : "(null)";
	if (strcmp(ov, want) != 0) {
		res->writes++;
		r = rootfs_write(rootfd, p, override[0] ? override : "\n");
		if (r < 0)
			return fail(res, STEP_OVERRIDE, r);
	}
	if (driver_is_vfio(cur)) {
		snprintf(p, sizeof(p), "sys/bus/pci/drivers/%s/unbind", cur);
		res->writes++;
		r = write_bounded(rootfd, p, bdf, timeout_ms);
		if (r < 0)
			return fail(res, STEP_UNBIND, r);
	}
	return 0;
}

int vfio_release(int rootfd, const char *bdf, int timeout_ms, char *ret_driver, size_t size,
		 struct vfio_result *res)
{
	char p[128], cur[64], ov[64];
	int r = read_binding(rootfd, bdf, cur, ov, p, res);
	if (r < 0)
		return r;
	bool on_vfio = driver_is_vfio(cur);
	if (strcmp(ov, "(null)") != 0 && ov[0]) {
		res->writes++;
		r = rootfs_write(rootfd, p, "\n");
		if (r < 0)
			return fail(res, STEP_OVERRIDE, r);
	}
	if (on_vfio) {
		snprintf(p, sizeof(p), "sys/bus/pci/drivers/%s/unbind", cur);
		res->writes++;
		r = write_bounded(rootfd, p, bdf, timeout_ms);
		if (r < 0)
			return fail(res, STEP_UNBIND, r);
		cur[0] = '\0';
	}
	if (!cur[0]) {
		res->writes++;
		r = write_bounded(rootfd, "sys/bus/pci/drivers_probe", bdf, timeout_ms);
		if (r < 0)
			return fail(res, STEP_PROBE, r);
		r = pcidev_read_driver(rootfd, bdf, cur, sizeof(cur));
		if (r < 0)
			return fail(res, STEP_VERIFY, r);
		if (driver_is_vfio(cur))
			return fail(res, STEP_VERIFY, -EBUSY);
	}
	snprintf(ret_driver, size, "%s", cur);
	return 0;
}
