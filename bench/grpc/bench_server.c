// SPDX-License-Identifier: GPL-2.0-or-later
/* The C side of bench/grpc: serves Allocate on DIR/NAME until SIGTERM. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "bench_common.h"
#include "grpc_server.h"

static struct evloop *loop;

static void h_allocate(struct grpc_call *call, const ProtobufCMessage *req, void *data)
{
	const V1beta1__AllocateRequest *r = (const V1beta1__AllocateRequest *)req;
	V1beta1__AllocateResponse *resp;
	if (dpapi_allocate_response(&resp) < 0)
		return (void)grpc_call_finish(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "no memory");
	for (size_t i = 0; i < r->n_container_requests; i++) {
		const V1beta1__ContainerAllocateRequest *c = r->container_requests[i];
		V1beta1__ContainerAllocateResponse *cr;
		char env[1024] = "";
		size_t o = 0;
		if (dpapi_allocate_add_container(resp, &cr) < 0)
			break;
		dpapi_container_add_device(cr, "/dev/vfio/vfio", "/dev/vfio/vfio", "mrw");
		for (size_t k = 0; k < c->n_devices_ids; k++) {
			char group[32];
			snprintf(group, sizeof(group), "/dev/vfio/%zu", 10 + k);
			dpapi_container_add_device(cr, group, group, "mrw");
			o += (size_t)snprintf(env + o, o < sizeof(env) ? sizeof(env) - o : 0, "%s%s",
					      k ? "," : "", c->devices_ids[k]);
		}
		dpapi_container_set_env(cr, BENCH_ENV, env);
	}
	grpc_call_reply(call, &resp->base);
	dpapi_free(resp);
}

static const struct grpc_method methods[] = {
	{ DPAPI_ALLOCATE, &v1beta1__allocate_request__descriptor, h_allocate, NULL },
};

static void on_signal(struct evloop *l, int fd, unsigned events, void *data)
{
	evloop_stop(loop);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: grpc-bench-server DIR NAME\n");
		return 2;
	}
	int dirfd = open(argv[1], O_PATH | O_DIRECTORY | O_CLOEXEC);
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	int sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	struct grpc_server *srv;
	if (dirfd < 0 || sfd < 0 || evloop_new(&loop) < 0 ||
	    grpc_server_new(loop, methods, 1, NULL, &srv) < 0 ||
	    grpc_server_listen(srv, dirfd, argv[2]) < 0 ||
	    evloop_add_fd(loop, sfd, EV_READ, on_signal, NULL) < 0) {
		fprintf(stderr, "grpc-bench-server: cannot serve\n");
		return 1;
	}
	evloop_run(loop);
	grpc_server_free(srv);
	evloop_del_fd(loop, sfd);
	evloop_free(loop);
	close(sfd);
	close(dirfd);
	return 0;
}
