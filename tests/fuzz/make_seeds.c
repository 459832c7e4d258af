// SPDX-License-Identifier: GPL-2.0-or-later
/* Writes the seed corpora: `make_seeds DIR` for fuzz_grpc_server (client
 * bytes after the preface), `make_seeds - DIR` for fuzz_grpc_client
 * (server bytes), `make_seeds --plugin DIR` for fuzz_plugin (client bytes
 * after the preface, real requests on its table).  Run by `make
 * grpc-fuzz-seeds`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/h2script.h"
#include "deviceplugin.pb-c.h"

static void save(const char *dir, const char *name, struct h2out *o)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f)
		return;
	/* the target adds the magic itself */
	fwrite(o->buf + NGHTTP2_CLIENT_MAGIC_LEN, 1, o->len - NGHTTP2_CLIENT_MAGIC_LEN, f);
	fclose(f);
	h2out_release(o);
}

static void save_raw(const char *dir, const char *name, struct h2out *o)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (f) {
		fwrite(o->buf, 1, o->len, f);
		fclose(f);
	}
	h2out_release(o);
}

/* Server bytes for fuzz_grpc_client (its calls are streams 1, 3, 5). */
static void client_seeds(const char *dir)
{
	struct h2out o;
	static const char *const hdr[] = { ":status", "200", "content-type", "application/grpc" };
	static const char *const ok[] = { "grpc-status", "0" };
	static const char *const err[] = { ":status",	  "200", "content-type", "application/grpc",
					   "grpc-status", "3",	 "grpc-message", "bad%20request" };
	uint8_t opts[8], list[64];
	size_t no = h2_grpc_msg(opts, "\x10\x01", 2);
	/* ListAndWatchResponse{devices:[{ID:"a",health:"Healthy"}]} */
	static const uint8_t dev[] = { 0x0a, 0x0c, 0x0a, 0x01, 'a', 0x12, 0x07,
				       'H',  'e',  'a',	 'l',  't', 'h',  'y' };
	size_t nl = h2_grpc_msg(list, dev, sizeof(dev));

	h2out_init(&o);
	h2out_frame(&o, NGHTTP2_SETTINGS, 0, 0, NULL, 0);
	h2out_headers(&o, 1, hdr, 2, false);
	h2out_frame(&o, NGHTTP2_DATA, 0, 1, opts, no);
	h2out_headers(&o, 1, ok, 1, true);
	h2out_headers(&o, 3, hdr, 2, false);
	h2out_frame(&o, NGHTTP2_DATA, 0, 3, list, nl);
	h2out_frame(&o, NGHTTP2_DATA, 0, 3, list, nl);
	h2out_frame(&o, NGHTTP2_DATA, 0, 3, list, nl);
	h2out_headers(&o, 5, err, 4, true);
	save_raw(dir, "client-all", &o);

	h2out_init(&o);
	h2out_frame(&o, NGHTTP2_SETTINGS, 0, 0, NULL, 0);
	h2out_headers(&o, 3, hdr, 2, false);
	for (size_t i = 0; i < nl; i++)
		h2out_frame(&o, NGHTTP2_DATA, 0, 3, list + i, 1);
	uint8_t goaway[8] = { 0, 0, 0, 3, 0, 0, 0, 0 };
	h2out_frame(&o, NGHTTP2_GOAWAY, 0, 0, goaway, 8);
	uint8_t rst[4] = { 0, 0, 0, NGHTTP2_CANCEL };
	h2out_frame(&o, NGHTTP2_RST_STREAM, 0, 3, rst, 4);
	save_raw(dir, "client-split-goaway", &o);
}

/* One unary call on stream id with msg packed as its request. */
static void call(struct h2out *o, int32_t id, const char *method, const ProtobufCMessage *msg)
{
	size_t len = protobuf_c_message_get_packed_size(msg);
	uint8_t *body = malloc(len + 1), *framed = malloc(len + 5);
	protobuf_c_message_pack(msg, body);
	size_t n = h2_grpc_msg(framed, body, (uint32_t)len);
	char path[128];
	snprintf(path, sizeof(path), "/v1beta1.DevicePlugin/%s", method);
	h2out_request(o, id, path, "localhost", "application/grpc", false);
	h2out_frame(o, NGHTTP2_DATA, NGHTTP2_FLAG_END_STREAM, id, framed, n);
	free(body);
	free(framed);
}

static void allocate(struct h2out *o, int32_t id, char **ids, size_t n)
{
	V1beta1__ContainerAllocateRequest c = V1BETA1__CONTAINER_ALLOCATE_REQUEST__INIT, *pc = &c;
	V1beta1__AllocateRequest r = V1BETA1__ALLOCATE_REQUEST__INIT;
	c.n_devices_ids = n;
	c.devices_ids = ids;
	r.n_container_requests = 1;
	r.container_requests = &pc;
	call(o, id, "Allocate", &r.base);
}

/* fuzz_plugin's table: 18:00.0, 2a:00.0 (gone), the 9a/9b pair. */
static void plugin_seeds(const char *dir)
{
	struct h2out o;
	V1beta1__Empty e = V1BETA1__EMPTY__INIT;
	char *one[] = { "0000:18:00.0" }, *pair[] = { "0000:9b:00.0", "0000:9a:00.0" },
	     *gone[] = { "0000:2a:00.0" };
	char *split[] = { "0000:9a:00.0" },
	     *hostile[] = { "../../etc", "0000:18:00.0/../../..", "", "0000:18:00.0" };

	h2out_init(&o);
	h2out_preface(&o);
	call(&o, 1, "GetDevicePluginOptions", &e.base);
	call(&o, 3, "ListAndWatch", &e.base);
	allocate(&o, 5, one, 1);
	allocate(&o, 7, pair, 2);
	save(dir, "watch-allocate", &o);

	h2out_init(&o);
	h2out_preface(&o);
	allocate(&o, 1, gone, 1);
	allocate(&o, 3, split, 1);
	allocate(&o, 5, hostile, 4);
	allocate(&o, 7, one, 1);
	save(dir, "allocate-refused", &o);

	h2out_init(&o);
	h2out_preface(&o);
	V1beta1__ContainerPreferredAllocationRequest
	    c = V1BETA1__CONTAINER_PREFERRED_ALLOCATION_REQUEST__INIT,
	    *pc = &c;
	V1beta1__PreferredAllocationRequest pr = V1BETA1__PREFERRED_ALLOCATION_REQUEST__INIT;
	char *avail[] = { "0000:18:00.0", "0000:9a:00.0", "0000:9b:00.0", "x" };
	c.n_available_deviceids = 4;
	c.available_deviceids = avail;
	c.n_must_include_deviceids = 1;
	c.must_include_deviceids = split;
	c.allocation_size = 2;
	pr.n_container_requests = 1;
	pr.container_requests = &pc;
	call(&o, 1, "GetPreferredAllocation", &pr.base);
	V1beta1__PreStartContainerRequest ps = V1BETA1__PRE_START_CONTAINER_REQUEST__INIT;
	ps.n_devices_ids = 1;
	ps.devices_ids = one;
	call(&o, 3, "PreStartContainer", &ps.base);
	save(dir, "preferred-prestart", &o);
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--plugin") == 0) {
		plugin_seeds(argv[2]);
		return 0;
	}
	if (argc == 3) {
		client_seeds(argv[2]);
		return 0;
	}
	if (argc != 2)
		return 1;
	struct h2out o;
	uint8_t msg[64], empty[5];
	h2_grpc_msg(empty, NULL, 0);
	/* AllocateRequest{container_requests:[{devices_ids:["0000:41:00.0"]}]} */
	static const uint8_t alloc[] = { 0x0a, 0x0e, 0x0a, 0x0c, '0', '0', '0', '0',
					 ':',  '4',  '1',  ':',	 '0', '0', '.', '0' };
	size_t alen = h2_grpc_msg(msg, alloc, sizeof(alloc));

	h2out_init(&o);
	h2out_preface(&o);
	h2out_request(&o, 1, "/v1beta1.DevicePlugin/Allocate", "localhost", "application/grpc", false);
	h2out_frame(&o, NGHTTP2_DATA, NGHTTP2_FLAG_END_STREAM, 1, msg, alen);
	save(argv[1], "allocate", &o);

	h2out_init(&o);
	h2out_preface(&o);
	h2out_request(&o, 1, "/v1beta1.DevicePlugin/Allocate", "/var/lib/kubelet/device-plugins/a.sock",
		      "application/grpc", false);
	for (size_t i = 0; i < alen; i += 3)
		h2out_frame(&o, NGHTTP2_DATA, i + 3 >= alen ? NGHTTP2_FLAG_END_STREAM : 0, 1, msg + i,
			    alen - i < 3 ? alen - i : 3);
	save(argv[1], "allocate-split", &o);

	h2out_init(&o);
	h2out_preface(&o);
	h2out_request(&o, 1, "/v1beta1.DevicePlugin/ListAndWatch", "localhost", "application/grpc", false);
	h2out_frame(&o, NGHTTP2_DATA, NGHTTP2_FLAG_END_STREAM, 1, empty, 5);
	uint8_t wu[4] = { 0, 0, 0x10, 0 };
	h2out_frame(&o, NGHTTP2_WINDOW_UPDATE, 0, 1, wu, 4);
	uint8_t cancel[4] = { 0, 0, 0, NGHTTP2_CANCEL };
	h2out_frame(&o, NGHTTP2_RST_STREAM, 0, 1, cancel, 4);
	save(argv[1], "watch-cancel", &o);

	h2out_init(&o);
	h2out_preface(&o);
	uint8_t iv[6] = { 0, NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 0, 0, 0, 7 };
	h2out_frame(&o, NGHTTP2_SETTINGS, 0, 0, iv, 6);
	h2out_request(&o, 1, "/v1beta1.DevicePlugin/ListAndWatch", "localhost", "application/grpc", false);
	h2out_frame(&o, NGHTTP2_DATA, NGHTTP2_FLAG_END_STREAM, 1, empty, 5);
	h2out_request(&o, 3, "/v1beta1.DevicePlugin/GetDevicePluginOptions", "localhost", "application/grpc",
		      false);
	h2out_frame(&o, NGHTTP2_DATA, NGHTTP2_FLAG_END_STREAM, 3, empty, 5);
	uint8_t ping[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	h2out_frame(&o, NGHTTP2_PING, 0, 0, ping, 8);
	save(argv[1], "watch-small-window", &o);

	h2out_init(&o);
	h2out_preface(&o);
	h2out_request(&o, 1, "/v1beta1.DevicePlugin/Nope", "localhost", "application/grpc", false);
	h2out_frame(&o, NGHTTP2_DATA, 0, 1, empty, 5);
	uint8_t big[5];
	h2_grpc_msg(big, NULL, 0);
	big[1] = 0x7f;
	h2out_request(&o, 3, "/v1beta1.Registration/Register", "localhost", "application/grpc", false);
	h2out_frame(&o, NGHTTP2_DATA, 0, 3, big, 5);
	h2out_request(&o, 5, "/v1beta1.DevicePlugin/Allocate", "localhost", "text/plain", true);
	uint8_t goaway[8] = { 0 };
	h2out_frame(&o, NGHTTP2_GOAWAY, 0, 0, goaway, 8);
	save(argv[1], "errors", &o);
	return 0;
}
