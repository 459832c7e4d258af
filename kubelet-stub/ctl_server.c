// SPDX-License-Identifier: GPL-2.0-or-later
/* The control socket of kubelet-stub serve (run/kubelet-stub/control.sock):
 * one JSON request, one JSON answer per connection, never blocking the
 * loop; an allocation goes through the plugin as kubelet's would
 * (GetPreferredAllocation, Allocate, PreStartContainer). */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dpapi.h"
#include "json.h"
#include "jsonw.h"
#include "kserver.h"
#include "log.h"

#define CTL_MAX_REQUEST 65536
/* Control clients: at most this many at once (more are told so and
 * closed); one must send its request, and read its answer, within
 * CTL_IO_TIMEOUT_MS; answers wait in per-client buffers, at most
 * CTL_MAX_ANSWER each and CTL_MAX_OUT in all (beyond: a short error). */
#define CTL_MAX_CONNS 64
#define CTL_IO_TIMEOUT_MS 10000
#define CTL_MAX_ANSWER (16u << 20)
#define CTL_MAX_OUT (256u << 20)
#define CTL_ACCEPT_RETRY_MS 250

/* --- control connections -------------------------------------------------------- */

static void ctl_resume(struct kserver *s)
{
	if (!s->ctl_paused)
		return;
	s->ctl_paused = false;
	if (s->ctl_resume_timer > 0)
		evloop_del_timer(s->loop, s->ctl_resume_timer);
	s->ctl_resume_timer = 0;
	if (s->ctl_fd >= 0)
		evloop_mod_fd(s->loop, s->ctl_fd, EV_READ);
}

void kctl_free(struct ctlconn *c)
{
	struct kserver *s = c->srv;
	for (struct ctlconn **pp = &s->ctls; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	s->n_ctls--;
	if (c->timer > 0)
		evloop_del_timer(s->loop, c->timer);
	if (c->fd >= 0) {
		evloop_del_fd(s->loop, c->fd);
		close(c->fd);
		ctl_resume(s); /* an fd is free */
	}
	if (c->out)
		s->ctl_out -= c->out_len;
	free(c->out);
	free(c->buf);
	free(c->resource);
	free(c->pod);
	for (size_t i = 0; i < c->n_ids; i++)
		free(c->ids[i]);
	free(c->ids);
	free(c->response);
	free(c);
}

static void ctl_timeout(struct evloop *loop, void *data)
{
	struct ctlconn *c = data;
	c->timer = 0;
	log_debug("control client on fd %d: no request or not reading its answer for %d ms: dropped", c->fd,
		  CTL_IO_TIMEOUT_MS);
	kctl_free(c);
}

static void ctl_set_timer(struct ctlconn *c, bool on)
{
	if (c->timer > 0)
		evloop_del_timer(c->srv->loop, c->timer);
	c->timer = 0;
	if (on) {
		int64_t t = evloop_add_timer(c->srv->loop, CTL_IO_TIMEOUT_MS, ctl_timeout, c);
		c->timer = t > 0 ? t : 0;
	}
}

/* Sends what the socket takes; frees the client when all is out or it is
 * gone.  Never blocks: a client that does not read costs its buffer, until
 * its timer drops it. */
static void ctl_flush(struct ctlconn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n =
		    send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0)
			break;
		c->out_off += (size_t)n;
	}
	kctl_free(c);
}

static void ctl_writable(struct evloop *loop, int fd, unsigned events, void *data)
{
	ctl_flush(data);
}

/* Queues the answer and ends the client once it is out. */
void kctl_answer(struct ctlconn *c, const char *doc)
{
	struct kserver *s = c->srv;
	size_t len = strlen(doc);
	static const char busy[] = "{\"error\": \"answer too large or too many answers waiting to be read\"}";
	if (len > CTL_MAX_ANSWER || s->ctl_out + len > CTL_MAX_OUT) {
		log_warning("control: %zu-byte answer refused (%zu bytes waiting in all)", len, s->ctl_out);
		doc = busy;
		len = sizeof(busy) - 1;
	}
	c->out = malloc(len);
	if (!c->out) {
		kctl_free(c);
		return;
	}
	memcpy(c->out, doc, len);
	c->out_len = len;
	s->ctl_out += len;
	ctl_set_timer(c, true);
	/* the request was read to its end: the fd is off the loop */
	if (evloop_add_fd(s->loop, c->fd, EV_WRITE, ctl_writable, c) < 0) {
		kctl_free(c);
		return;
	}
	ctl_flush(c);
}

void kctl_error(struct ctlconn *c, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	struct jsonw w;
	char *doc;
	jsonw_init(&w, false);
	jsonw_obj_open(&w);
	jsonw_kstr(&w, "error", msg);
	jsonw_obj_close(&w);
	if (jsonw_finish(&w, &doc, NULL) == 0) {
		kctl_answer(c, doc);
		free(doc);
	} else {
		kctl_free(c);
	}
}

static void ctl_status(struct ctlconn *c, const struct json_doc *d)
{
	struct jsonw w;
	char *doc;
	jsonw_init(&w, true);
	kstate_status_json(&c->srv->st, &w);
	if (jsonw_finish(&w, &doc, NULL) < 0)
		return kctl_error(c, "out of memory");
	kctl_answer(c, doc);
	free(doc);
}

/* A kubelet restart: streams dropped, sockets gone, kubelet.sock anew,
 * state from the checkpoint. */
static void ctl_restart(struct ctlconn *c, const struct json_doc *d)
{
	struct kserver *s = c->srv;
	while (s->plugins)
		kplugin_drop(s->plugins);
	grpc_server_shutdown(s->reg);
	kserver_remove_sockets(s);
	kstate_free(&s->st);
	kserver_load_checkpoint(s);
	if (kserver_listen_registration(s) < 0)
		return kctl_error(c, "cannot listen on %s again", DPAPI_KUBELET_SOCKET);
	log_info("restarted");
	kctl_answer(c, "{\"restarted\": true}");
}

/* The control protocol: {"cmd": NAME, ...} -> one JSON answer. */
static const struct {
	const char *name;
	void (*run)(struct ctlconn *c, const struct json_doc *d);
} ctl_commands[] = {
	{ "status", ctl_status },      /* {"status", "resources", "allocations"} */
	{ "allocate", kctl_allocate }, /* "resource", "count" [, "pod"]: the allocation */
	{ "restart", ctl_restart },    /* kubelet restarts: {"restarted": true} */
};

static void ctl_dispatch(struct ctlconn *c)
{
	struct json_doc d;
	if (json_parse(&d, c->buf, c->len) < 0 || !json_is(&d, 0, JSMN_OBJECT)) {
		kctl_error(c, "bad request");
		return;
	}
	int cmd = json_obj_get(&d, 0, "cmd");
	size_t i = 0;
	while (i < sizeof(ctl_commands) / sizeof(ctl_commands[0]) &&
	       !(cmd >= 0 && json_eq(&d, cmd, ctl_commands[i].name)))
		i++;
	if (i < sizeof(ctl_commands) / sizeof(ctl_commands[0]))
		ctl_commands[i].run(c, &d);
	else
		kctl_error(c, "unknown command");
	json_free(&d);
}

static void ctl_readable(struct evloop *loop, int fd, unsigned events, void *data)
{
	struct ctlconn *c = data;
	char tmp[4096];
	ssize_t n = read(fd, tmp, sizeof(tmp));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0 || c->len + (size_t)n > CTL_MAX_REQUEST) {
		kctl_free(c);
		return;
	}
	if (n > 0) {
		char *b = realloc(c->buf, c->len + (size_t)n + 1);
		if (!b) {
			kctl_free(c);
			return;
		}
		c->buf = b;
		memcpy(c->buf + c->len, tmp, (size_t)n);
		c->len += (size_t)n;
		c->buf[c->len] = '\0';
		return;
	}
	/* EOF: the request is complete; stop reading, answer (maybe later) */
	evloop_del_fd(loop, fd);
	ctl_set_timer(c, false); /* an allocation is bounded by the plugin calls' deadlines */
	if (!c->buf) {
		kctl_free(c);
		return;
	}
	ctl_dispatch(c);
}

static void ctl_resume_fired(struct evloop *loop, void *data)
{
	struct kserver *s = data;
	s->ctl_resume_timer = 0;
	ctl_resume(s);
}

void kctl_accept(struct evloop *loop, int fd, unsigned events, void *data)
{
	struct kserver *s = data;
	int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0) {
		if ((errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) &&
		    !s->ctl_paused) {
			/* level-triggered: polling on would spin until an fd is free */
			log_warning_errno(-errno,
					  "control socket: accept: %m: retrying when a client is done");
			s->ctl_paused = true;
			evloop_mod_fd(loop, fd, 0);
			int64_t t = evloop_add_timer(loop, CTL_ACCEPT_RETRY_MS, ctl_resume_fired, s);
			s->ctl_resume_timer = t > 0 ? t : 0;
		}
		return;
	}
	if (s->n_ctls >= CTL_MAX_CONNS) {
		static const char msg[] = "{\"error\": \"too many control clients\"}";
		if (send(cfd, msg, sizeof(msg) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			log_debug_errno(errno, "control: %m");
		close(cfd);
		return;
	}
	struct ctlconn *c = calloc(1, sizeof(*c));
	if (!c || evloop_add_fd(loop, cfd, EV_READ, ctl_readable, c) < 0) {
		free(c);
		close(cfd);
		return;
	}
	c->srv = s;
	c->fd = cfd;
	c->next = s->ctls;
	s->ctls = c;
	s->n_ctls++;
	ctl_set_timer(c, true);
}
