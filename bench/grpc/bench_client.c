// SPDX-License-Identifier: GPL-2.0-or-later
/* Load generator for bench/grpc: keeps CONCURRENCY unary Allocate calls in
 * flight on one HTTP/2 connection (one stream each) for SECONDS after a
 * warm-up, then prints: concurrency calls calls/s p50_us p99_us errors. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_common.h"
#include "grpc_client.h"

static struct evloop *loop;
static struct grpc_channel *ch;
static uint64_t *samples;
static size_t n_samples, cap_samples;
static unsigned errors;
static uint64_t measure_from, measure_until;
static bool stopping;
static V1beta1__AllocateRequest *request;

struct slot {
	uint64_t start;
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void issue(struct slot *s);

static void done(void *data, int status, const char *message, const ProtobufCMessage *resp)
{
	struct slot *s = data;
	uint64_t t = now_ns();
	if (stopping)
		return; /* calls cut short by the final close */
	if (status != GRPC_STATUS_OK ||
	    ((const V1beta1__AllocateResponse *)resp)->container_responses[0]->n_devices != 3) {
		if (errors++ < 3)
			fprintf(stderr, "grpc-bench-client: status %d %s\n", status, message);
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
	s->start = now_ns();
	if (grpc_call_unary(ch, DPAPI_ALLOCATE, &request->base, &v1beta1__allocate_response__descriptor, 5000,
			    done, s) < 0) {
		errors++;
		evloop_stop(loop);
	}
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: grpc-bench-client DIR NAME CONCURRENCY SECONDS\n");
		return 2;
	}
	int conc = atoi(argv[3]);
	double secs = atof(argv[4]);
	int dirfd = open(argv[1], O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0 || evloop_new(&loop) < 0 ||
	    grpc_channel_dial(loop, dirfd, argv[2], NULL, NULL, NULL, &ch) < 0) {
		fprintf(stderr, "grpc-bench-client: cannot connect\n");
		return 1;
	}
	/* kubelet's shape: one container, a few device IDs */
	char *ids[] = { "0000:1b:00.0", "0000:43:00.0" };
	V1beta1__ContainerAllocateRequest c = V1BETA1__CONTAINER_ALLOCATE_REQUEST__INIT, *pc = &c;
	c.n_devices_ids = 2;
	c.devices_ids = ids;
	V1beta1__AllocateRequest r = V1BETA1__ALLOCATE_REQUEST__INIT;
	r.n_container_requests = 1;
	r.container_requests = &pc;
	request = &r;
	uint64_t t0 = now_ns();
	measure_from = t0 + 500000000u; /* 0.5 s warm-up */
	measure_until = measure_from + (uint64_t)(secs * 1e9);
	struct slot *slots = calloc((size_t)conc, sizeof(*slots));
	for (int i = 0; i < conc; i++)
		issue(&slots[i]);
	evloop_run(loop);
	qsort(samples, n_samples, sizeof(*samples), cmp);
	double p50 = n_samples ? (double)samples[n_samples / 2] / 1000.0 : 0;
	double p99 = n_samples ? (double)samples[(size_t)((double)n_samples * 0.99)] / 1000.0 : 0;
	printf("%d %zu %.0f %.1f %.1f %u\n", conc, n_samples, (double)n_samples / secs, p50, p99, errors);
	grpc_channel_close(ch); /* in-flight calls end CANCELLED: not counted */
	free(slots);
	free(samples);
	evloop_free(loop);
	close(dirfd);
	return errors ? 1 : 0;
}
