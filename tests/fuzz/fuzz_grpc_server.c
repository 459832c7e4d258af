// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target: arbitrary bytes (after the client preface) into a gRPC
 * server connection engine with the device-plugin methods; the handlers
 * reply, hold streams and push updates, so decoding, framing, replies and
 * cancellation all run.  No crash, no leak, bounded memory. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "deviceplugin.pb-c.h"
#include "grpc_server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct grpc_call *held[4];

static void on_cancel(struct grpc_call *call, void *data)
{
	held[(intptr_t)data] = NULL;
}

static void h_reply_empty(struct grpc_call *call, const ProtobufCMessage *req, void *data)
{
	V1beta1__Empty e = V1BETA1__EMPTY__INIT;
	grpc_call_reply(call, &e.base);
}

static void push(struct grpc_call *call, int n)
{
	V1beta1__Device d = V1BETA1__DEVICE__INIT, *pd[3] = { &d, &d, &d };
	d.id = "0000:41:00.0";
	d.health = "Healthy";
	V1beta1__ListAndWatchResponse r = V1BETA1__LIST_AND_WATCH_RESPONSE__INIT;
	r.n_devices = (size_t)n;
	r.devices = pd;
	grpc_call_send(call, &r.base);
}

static void h_watch(struct grpc_call *call, const ProtobufCMessage *req, void *data)
{
	for (intptr_t i = 0; i < 4; i++)
		if (!held[i]) {
			held[i] = call;
			grpc_call_on_cancel(call, on_cancel, (void *)i);
			push(call, 1);
			return;
		}
	grpc_call_finish(call, GRPC_STATUS_RESOURCE_EXHAUSTED, "full");
}

static void h_allocate(struct grpc_call *call, const ProtobufCMessage *req, void *data)
{
	const V1beta1__AllocateRequest *r = (const V1beta1__AllocateRequest *)req;
	if (r->n_container_requests > 1) {
		grpc_call_finish(call, GRPC_STATUS_INVALID_ARGUMENT, "one container per call\n%");
		return;
	}
	V1beta1__AllocateResponse resp = V1BETA1__ALLOCATE_RESPONSE__INIT;
	grpc_call_reply(call, &resp.base);
}

static const struct grpc_method methods[] = {
	{ "/v1beta1.DevicePlugin/GetDevicePluginOptions", &v1beta1__empty__descriptor, h_reply_empty, NULL },
	{ "/v1beta1.DevicePlugin/ListAndWatch", &v1beta1__empty__descriptor, h_watch, NULL },
	{ "/v1beta1.DevicePlugin/Allocate", &v1beta1__allocate_request__descriptor, h_allocate, NULL },
	{ "/v1beta1.Registration/Register", &v1beta1__register_request__descriptor, h_reply_empty, NULL },
};

static void drain(struct grpc_server_conn *sc)
{
	const uint8_t *out;
	while (grpc_server_conn_pull(sc, &out) > 0)
		;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct grpc_server *srv;
	if (!srv && grpc_server_new(NULL, methods, 4, NULL, &srv) < 0)
		return 0;
	struct grpc_server_conn *sc;
	if (grpc_server_conn_new(srv, &sc) < 0)
		return 0;
	static const char magic[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
	if (grpc_server_conn_feed(sc, (const uint8_t *)magic, sizeof(magic) - 1) == 0) {
		/* two halves: state carried across feeds */
		size_t half = size / 2;
		if (grpc_server_conn_feed(sc, data, half) == 0) {
			drain(sc);
			for (int i = 0; i < 4; i++)
				if (held[i])
					push(held[i], 2);
			if (grpc_server_conn_feed(sc, data + half, size - half) == 0) {
				drain(sc);
				for (int i = 0; i < 4; i++)
					if (held[i] && (size & 1)) {
						push(held[i], 3);
						grpc_call_finish(held[i], GRPC_STATUS_OK, NULL);
						held[i] = NULL;
					}
			}
		}
		drain(sc);
	}
	grpc_server_conn_free(sc);
	return 0;
}
