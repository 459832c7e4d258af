/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kubelet-stub serve's process, private to its three files:
 *   server.c        the process: folders, checkpoint, signals, the loop
 *   registration.c  the Registration service and the plugin clients
 *                   (GetDevicePluginOptions, ListAndWatch)
 *   ctl_server.c    the control socket: its clients, status, restart
 *   ctl_allocate.c  the control socket's allocate (through the plugin) */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "grpc_client.h"
#include "grpc_server.h"
#include "kstub.h"

struct kserver;

/* One plugin connection: a pending registration, then the active plugin
 * of its resource. */
struct kplugin {
	struct kplugin *next;
	struct kserver *srv;
	char *resource, *endpoint;
	struct grpc_channel *ch;
	struct grpc_client_call *law;
	struct grpc_call *reg_call; /* the Register call still to answer */
	bool active, dead;
	bool preferred, prestart;
};

/* One control connection; an allocation in progress keeps it. */
struct ctlconn {
	struct ctlconn *next;
	struct kserver *srv;
	int fd;
	char *buf;
	size_t len;
	char *out; /* the answer still to send */
	size_t out_len, out_off;
	int64_t timer; /* CTL_IO_TIMEOUT_MS while reading the request or writing the answer */
	/* allocate */
	struct kplugin *p;
	char *resource, *pod;
	size_t count;
	char **ids;
	size_t n_ids;
	char *response;
};

struct kserver {
	struct evloop *loop;
	int rootfd, plugdir, rundir, sigfd, ctl_fd;
	struct grpc_server *reg;
	struct kstate st;
	struct kplugin *plugins;
	struct ctlconn *ctls;
	unsigned n_ctls;
	size_t ctl_out; /* bytes in every ctlconn's out */
	bool ctl_paused;
	int64_t ctl_resume_timer;
	unsigned pod_seq;
	int exit_code;
};

/* --- server.c --- */
/* Removes every unix socket in the plugin dir (kubelet starting). */
void kserver_remove_sockets(struct kserver *s);
int kserver_save_checkpoint(struct kserver *s);
int kserver_load_checkpoint(struct kserver *s);
/* kubelet.sock listens (again).  0 or -errno (logged). */
int kserver_listen_registration(struct kserver *s);
/* A failed call as kubelet's Go gRPC prints it. */
const char *kserver_rpc_error(char *buf, size_t size, int status, const char *message);

/* --- registration.c --- */
#define KSERVER_REGISTRATION_METHODS 1
extern const struct grpc_method kserver_registration_methods[KSERVER_REGISTRATION_METHODS];
/* Drops a plugin (pending or active) without touching the state. */
void kplugin_drop(struct kplugin *p);
/* The active plugin of resource, or NULL. */
struct kplugin *kplugin_active(struct kserver *s, const char *resource);

/* --- ctl_server.c --- */
/* The control socket's accept callback (data: the kserver). */
void kctl_accept(struct evloop *loop, int fd, unsigned events, void *data);
void kctl_free(struct ctlconn *c);
/* Queues the answer and ends the client once it is out. */
void kctl_answer(struct ctlconn *c, const char *doc);
/* Answers {"error": message}. */
void kctl_error(struct ctlconn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* --- ctl_allocate.c --- */
struct json_doc;
/* {"cmd": "allocate", "resource", "count" [, "pod"]}: answers later. */
void kctl_allocate(struct ctlconn *c, const struct json_doc *d);
