// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer target: arbitrary server bytes into a gRPC client channel with
 * a unary call, a ListAndWatch stream and a second unary call open; the
 * callbacks cancel the stream and sometimes close the channel from inside,
 * so decoding, status mapping and teardown all run. */
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>

#include "deviceplugin.pb-c.h"
#include "grpc_client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct grpc_channel *ch;
static struct grpc_client_call *watch;
static int msgs;
static bool close_in_callback;

static void unary_done(void *d, int status, const char *message, const ProtobufCMessage *resp)
{
	if (status == 0 && !resp)
		__builtin_trap();
	if (close_in_callback && ch) {
		grpc_channel_close(ch);
		ch = NULL;
	}
}

static void on_list(void *d, const ProtobufCMessage *msg)
{
	if (++msgs == 2)
		grpc_client_call_cancel(watch);
}

static void on_done(void *d, int status, const char *message)
{
	watch = NULL;
}

static void drain(void)
{
	const uint8_t *out;
	while (ch && grpc_channel_pull(ch, &out) > 0)
		;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (grpc_channel_new_detached(&ch) < 0)
		return 0;
	msgs = 0;
	close_in_callback = size % 3 == 0;
	V1beta1__Empty e = V1BETA1__EMPTY__INIT;
	grpc_call_unary(ch, "/v1beta1.DevicePlugin/GetDevicePluginOptions", &e.base,
			&v1beta1__device_plugin_options__descriptor, 0, unary_done, NULL);
	grpc_call_stream(ch, "/v1beta1.DevicePlugin/ListAndWatch", &e.base,
			 &v1beta1__list_and_watch_response__descriptor, 0, on_list, on_done, NULL, &watch);
	grpc_call_unary(ch, "/v1beta1.DevicePlugin/Allocate", &e.base,
			&v1beta1__allocate_response__descriptor, 0, unary_done, NULL);
	drain();
	size_t half = size / 2;
	if (grpc_channel_feed(ch, data, half) == -ECANCELED)
		ch = NULL;
	drain();
	if (ch && grpc_channel_feed(ch, data + half, size - half) == -ECANCELED)
		ch = NULL;
	drain();
	if (ch)
		grpc_channel_close(ch);
	ch = NULL;
	watch = NULL;
	return 0;
}
