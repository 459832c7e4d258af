// SPDX-License-Identifier: GPL-2.0-or-later
/* Registration with kubelet: never blocks the loop (kubelet calls back
 * GetDevicePluginOptions before it answers Register), retries with a
 * doubling backoff while kubelet is absent, registers once per kubelet
 * generation (serve bumps it when kubelet.sock is created). */
#include <errno.h>
#include <stdint.h>

#include "dpapi.h"
#include "grpc_client.h"
#include "log.h"
#include "plugin.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
#define REGISTER_TIMEOUT_MS 10000

static void try_register(struct evloop *loop, void *data);

static void schedule_retry(struct plugin *p)
{
	if (p->retry_timer > 0)
		return;
	p->retry_timer = evloop_add_timer(p->ctx->loop, p->backoff_ms, try_register, p);
	p->backoff_ms = p->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : p->backoff_ms * 2;
}

static void on_channel_closed(struct grpc_channel *ch, int err, void *data)
{
	struct plugin *p = data;
	if (p->ch == ch)
		p->ch = NULL;
}

static void on_registered(void *data, int status, const char *message, const ProtobufCMessage *resp)
{
	struct plugin *p = data;
	if (!p->registering)
		return; /* cancelled by plugin_register_cancel() */
	p->registering = false;
	if (p->ch) {
		grpc_channel_close(p->ch);
		p->ch = NULL;
	}
	if (status != GRPC_STATUS_OK) {
		log_warning("%s: Register failed (status %d: %s), retrying in %u ms", p->resource, status,
			    message, p->backoff_ms);
		schedule_retry(p);
		return;
	}
	p->registered = true;
	p->reg_gen = p->pending_gen;
	p->registrations++;
	p->backoff_ms = BACKOFF_MIN_MS;
	log_info("%s: registered with kubelet (endpoint %s)", p->resource, p->sock);
	p->ctx->changed(p->ctx);
	/* kubelet.sock was created again while this Register was pending: the
	 * answer may have come from the old kubelet */
	if (p->reg_gen != p->ctx->kubelet_gen)
		plugin_register(p);
}

static void try_register(struct evloop *loop, void *data)
{
	struct plugin *p = data;
	V1beta1__RegisterRequest *req = NULL;
	p->retry_timer = 0;
	if (p->registering || (p->registered && p->reg_gen == p->ctx->kubelet_gen))
		return;
	/* a kubelet.sock created since we last looked bumps the generation
	 * first (and may register us from there) */
	if (p->ctx->sync_kubelet)
		p->ctx->sync_kubelet(p->ctx);
	if (p->registering || (p->registered && p->reg_gen == p->ctx->kubelet_gen))
		return;
	int r = grpc_channel_dial(p->ctx->loop, p->ctx->plugdir, DPAPI_KUBELET_SOCKET, NULL,
				  on_channel_closed, p, &p->ch);
	if (r < 0) {
		log_debug("%s: kubelet not there (%d), retrying in %u ms", p->resource, r, p->backoff_ms);
		p->ch = NULL;
		schedule_retry(p);
		return;
	}
	p->pending_gen = p->ctx->kubelet_gen;
	r = dpapi_register_request(p->sock, p->resource, false, true, &req);
	if (r >= 0)
		r = grpc_call_unary(p->ch, DPAPI_REGISTER, &req->base, &v1beta1__empty__descriptor,
				    REGISTER_TIMEOUT_MS, on_registered, p);
	dpapi_free(req);
	if (r < 0) {
		grpc_channel_close(p->ch);
		p->ch = NULL;
		schedule_retry(p);
		return;
	}
	p->registering = true;
}

void plugin_register(struct plugin *p)
{
	if (p->registering || (p->registered && p->reg_gen == p->ctx->kubelet_gen))
		return;
	if (p->retry_timer > 0) {
		evloop_del_timer(p->ctx->loop, p->retry_timer);
		p->retry_timer = 0;
	}
	p->backoff_ms = BACKOFF_MIN_MS;
	try_register(p->ctx->loop, p);
}

void plugin_unregistered(struct plugin *p)
{
	p->registered = false;
}

void plugin_register_cancel(struct plugin *p)
{
	if (p->retry_timer > 0)
		evloop_del_timer(p->ctx->loop, p->retry_timer);
	p->retry_timer = 0;
	struct grpc_channel *ch = p->ch;
	p->ch = NULL;
	p->registering = false;
	if (ch)
		grpc_channel_close(ch); /* the pending Register completes CANCELLED, ignored */
}
