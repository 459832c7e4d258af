// SPDX-License-Identifier: GPL-2.0-or-later
/* Load client for bench/plugin, against a running gpu-initd serve:
 *
 *   plugin-bench alloc DIR SOCK CONCURRENCY SECONDS ID...
 *     keeps CONCURRENCY Allocate calls (one container, one device, IDs in
 *     turn) in flight on one HTTP/2 connection, as kubelet's one
 *     connection would; prints: concurrency calls calls/s p50_us p99_us
 *     max_us errors
 *   plugin-bench health DIR SOCK ROOT ROUNDS BDF
 *     follows ListAndWatch; each round unbinds BDF from vfio-pci through
 *     ROOT/sys (a simulated node) and times write-returned -> Unhealthy in
 *     the stream, then re-probes it and times -> Healthy; prints:
 *     rounds p50_ms max_ms (unhealthy) p50_ms max_ms (healthy) */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dpapi.h"
#include "grpc_client.h"

static struct evloop *loop;
static struct grpc_channel *ch;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* --- alloc ----------------------------------------------------------- */

static uint64_t *samples;
static size_t n_samples, cap_samples;
static unsigned errors, next_id, n_ids;
static char **ids;
static uint64_t measure_from, measure_until;
static bool stopping;

struct slot {
	uint64_t start;
	char *id;
	V1beta1__ContainerAllocateRequest c, *pc;
	V1beta1__AllocateRequest r;
};

static void issue(struct slot *s);

static void done(void *data, int status, const char *message, const ProtobufCMessage *resp)
{
	struct slot *s = data;
	uint64_t t = now_ns();
	if (stopping)
		return;
	if (status != GRPC_STATUS_OK ||
	    ((const V1beta1__AllocateResponse *)resp)->n_container_responses != 1) {
		if (errors++ < 3)
			fprintf(stderr, "plugin-bench: status %d %s\n", status, message);
	} else if (s->start >= measure_from && t <= measure_until) {
		if (n_samples == cap_samples) {
			cap_samples = cap_samples ? cap_samples * 2 : 1 << 16;
			samples = realloc(samples, cap_samples * sizeof(*samples));
		}
		samples[n_samples++] = t - s->start;
	}
	if (t >= measure_until) {
		stopping = true;
		evloop_stop(loop);
		return;
	}
	issue(s);
}

static void issue(struct slot *s)
{
	s->id = ids[next_id++ % n_ids];
	s->c = (V1beta1__ContainerAllocateRequest)V1BETA1__CONTAINER_ALLOCATE_REQUEST__INIT;
	s->c.n_devices_ids = 1;
	s->c.devices_ids = &s->id;
	s->pc = &s->c;
	s->r = (V1beta1__AllocateRequest)V1BETA1__ALLOCATE_REQUEST__INIT;
	s->r.n_container_requests = 1;
	s->r.container_requests = &s->pc;
	s->start = now_ns();
	if (grpc_call_unary(ch, DPAPI_ALLOCATE, &s->r.base, &v1beta1__allocate_response__descriptor, 5000,
			    done, s) < 0) {
		errors++;
		evloop_stop(loop);
	}
}

static int run_alloc(int conc, double secs)
{
	uint64_t t0 = now_ns();
	measure_from = t0 + 500000000u;
	measure_until = measure_from + (uint64_t)(secs * 1e9);
	struct slot *slots = calloc((size_t)conc, sizeof(*slots));
	for (int i = 0; i < conc; i++)
		issue(&slots[i]);
	evloop_run(loop);
	qsort(samples, n_samples, sizeof(*samples), cmp);
	double p50 = n_samples ? (double)samples[n_samples / 2] / 1000.0 : 0;
	double p99 = n_samples ? (double)samples[(size_t)((double)n_samples * 0.99)] / 1000.0 : 0;
	double mx = n_samples ? (double)samples[n_samples - 1] / 1000.0 : 0;
	printf("%d %zu %.0f %.1f %.1f %.1f %u\n", conc, n_samples, (double)n_samples / secs, p50, p99, mx,
	       errors);
	grpc_channel_close(ch);
	free(slots);
	free(samples);
	return errors ? 1 : 0;
}

/* --- health ---------------------------------------------------------- */

static const char *target;
static int want_healthy = -1; /* -1: any list; 0/1: waiting for that health */
static uint64_t t_trigger, t_seen;
static bool stream_failed;

static void on_list(void *data, const ProtobufCMessage *msg)
{
	const V1beta1__ListAndWatchResponse *l = (const void *)msg;
	for (size_t i = 0; i < l->n_devices; i++)
		if (strcmp(l->devices[i]->id, target) == 0) {
			int h = strcmp(l->devices[i]->health, DPAPI_HEALTHY) == 0;
			if (want_healthy < 0 || h == want_healthy) {
				t_seen = now_ns();
				want_healthy = -2;
				evloop_stop(loop);
			}
		}
}

static void on_done(void *data, int status, const char *message)
{
	fprintf(stderr, "plugin-bench: stream ended: %d %s\n", status, message);
	stream_failed = true;
	evloop_stop(loop);
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

static double wait_health(int healthy)
{
	want_healthy = healthy;
	while (want_healthy != -2 && !stream_failed)
		evloop_run(loop);
	return stream_failed ? -1 : (double)(t_seen - t_trigger) / 1e6;
}

static int run_health(const char *root, int rounds)
{
	struct grpc_client_call *call;
	V1beta1__Empty e = V1BETA1__EMPTY__INIT;
	char unbind[512], probe[512];
	snprintf(unbind, sizeof(unbind), "%s/sys/bus/pci/devices/%s/driver/unbind", root, target);
	snprintf(probe, sizeof(probe), "%s/sys/bus/pci/drivers_probe", root);
	if (grpc_call_stream(ch, DPAPI_LIST_AND_WATCH, &e.base, &v1beta1__list_and_watch_response__descriptor,
			     0, on_list, on_done, NULL, &call) < 0)
		return 1;
	t_trigger = now_ns();
	if (wait_health(-1) < 0)
		return 1;
	uint64_t *down = calloc((size_t)rounds, sizeof(*down)), *up = calloc((size_t)rounds, sizeof(*up));
	for (int i = 0; i < rounds; i++) {
		if (write_file(unbind, target) < 0)
			return perror("unbind"), 1;
		t_trigger = now_ns();
		double ms = wait_health(0);
		if (ms < 0)
			return 1;
		down[i] = (uint64_t)(ms * 1000);
		if (write_file(probe, target) < 0)
			return perror("drivers_probe"), 1;
		t_trigger = now_ns();
		ms = wait_health(1);
		if (ms < 0)
			return 1;
		up[i] = (uint64_t)(ms * 1000);
	}
	qsort(down, (size_t)rounds, sizeof(*down), cmp);
	qsort(up, (size_t)rounds, sizeof(*up), cmp);
	printf("%d %.2f %.2f %.2f %.2f\n", rounds, down[rounds / 2] / 1000.0, down[rounds - 1] / 1000.0,
	       up[rounds / 2] / 1000.0, up[rounds - 1] / 1000.0);
	grpc_client_call_cancel(call);
	grpc_channel_close(ch);
	free(down);
	free(up);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 6 || (strcmp(argv[1], "alloc") && strcmp(argv[1], "health")) ||
	    (!strcmp(argv[1], "health") && argc != 7) || (!strcmp(argv[1], "alloc") && argc < 7)) {
		fprintf(stderr, "usage: plugin-bench alloc DIR SOCK CONCURRENCY SECONDS ID...\n"
				"       plugin-bench health DIR SOCK ROOT ROUNDS BDF\n");
		return 2;
	}
	int dirfd = open(argv[2], O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0 || evloop_new(&loop) < 0 ||
	    grpc_channel_dial(loop, dirfd, argv[3], NULL, NULL, NULL, &ch) < 0) {
		fprintf(stderr, "plugin-bench: cannot connect to %s/%s\n", argv[2], argv[3]);
		return 1;
	}
	int r;
	if (!strcmp(argv[1], "alloc")) {
		ids = argv + 6;
		n_ids = (unsigned)(argc - 6);
		r = run_alloc(atoi(argv[4]), atof(argv[5]));
	} else {
		target = argv[6];
		r = run_health(argv[4], atoi(argv[5]));
	}
	evloop_free(loop);
	close(dirfd);
	return r;
}
