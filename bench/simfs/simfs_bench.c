// SPDX-License-Identifier: GPL-2.0-or-later
/* Costs of simfs as a sysfs: attribute reads, and full rebind cycles of a
 * GPU (driver_override, unbind, drivers_probe — the writes gpu-initd makes
 * per function) through the FUSE mount.  Prints one line per measurement.
 *
 *   simfs-bench ROOT BDF N     (run inside tests/simnode) */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int put(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t w = write(fd, s, strlen(s));
	int r = w < 0 ? -errno : 0;
	close(fd);
	return r;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void report(const char *what, double *t, int n, double total_us)
{
	qsort(t, (size_t)n, sizeof(*t), cmp);
	printf("%-28s %8d ops %10.0f ops/s  p50 %7.1f us  p99 %7.1f us\n", what, n, n / (total_us / 1e6),
	       t[n / 2], t[(n * 99) / 100]);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: simfs-bench ROOT BDF N\n");
		return 2;
	}
	const char *root = argv[1], *bdf = argv[2];
	int n = atoi(argv[3]);
	if (n <= 0)
		return 2;
	double *t = calloc((size_t)n, sizeof(double));
	char vendor[512], ovr[512], unb_nv[512], unb_vf[512], probe[512], buf[64];
	snprintf(vendor, sizeof(vendor), "%s/sys/bus/pci/devices/%s/vendor", root, bdf);
	snprintf(ovr, sizeof(ovr), "%s/sys/bus/pci/devices/%s/driver_override", root, bdf);
	snprintf(unb_nv, sizeof(unb_nv), "%s/sys/bus/pci/drivers/nvidia/unbind", root);
	snprintf(unb_vf, sizeof(unb_vf), "%s/sys/bus/pci/drivers/vfio-pci/unbind", root);
	snprintf(probe, sizeof(probe), "%s/sys/bus/pci/drivers_probe", root);

	double start = now_us();
	for (int i = 0; i < n; i++) {
		double s = now_us();
		int fd = open(vendor, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || read(fd, buf, sizeof(buf)) <= 0)
			return 1;
		close(fd);
		t[i] = now_us() - s;
	}
	report("read vendor", t, n, now_us() - start);

	/* nvidia -> vfio-pci -> nvidia: six writes per cycle */
	start = now_us();
	for (int i = 0; i < n; i++) {
		double s = now_us();
		if (put(ovr, "vfio-pci") || put(unb_nv, bdf) || put(probe, bdf) || put(ovr, "\n") ||
		    put(unb_vf, bdf) || put(probe, bdf)) {
			fprintf(stderr, "cycle %d failed\n", i);
			return 1;
		}
		t[i] = now_us() - s;
	}
	report("rebind cycle (6 writes)", t, n, now_us() - start);
	free(t);
	return 0;
}
