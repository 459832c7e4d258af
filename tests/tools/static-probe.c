// SPDX-License-Identifier: GPL-2.0-or-later
/* static-probe: calls into each of the five libraries gpu-initd links
 * (libkmod, libpci, libudev, nghttp2, protobuf-c), against the node root
 * ROOT, and prints one line per library.  Built from the same source by
 * `make` (dynamic, build/tests/static-probe) and by `make static`
 * (build/static/tests/static-probe), so a test can show the static link
 * works with nothing around it but a root's files: no /etc, no pci.ids, no
 * NSS, no shared libraries.  It sends nothing and loads nothing.
 *
 *   static-probe [ROOT]       (default /)
 *
 * Exit: 0 every library answered as expected, 1 one did not, 2 usage. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libkmod.h>
#include <libudev.h>
#include <nghttp2/nghttp2.h>
#include <pci/pci.h>
#include <protobuf-c/protobuf-c.h>

static char root[4096];

/* ROOT joined with a relative path; static storage, one at a time. */
static const char *at(const char *rel)
{
	static char buf[8192];
	snprintf(buf, sizeof(buf), "%s/%s", strcmp(root, "/") == 0 ? "" : root, rel);
	return buf;
}

static int probe_kmod(void)
{
	char kver[256] = "", dir[4096], conf[4096];
	FILE *f = fopen(at("proc/sys/kernel/osrelease"), "re");
	struct kmod_list *list = NULL, *l;
	struct kmod_ctx *ctx;
	int n = 0;

	if (!f || !fgets(kver, sizeof(kver), f)) {
		fprintf(stderr, "kmod: no proc/sys/kernel/osrelease under %s\n", root);
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	kver[strcspn(kver, "\n")] = '\0';
	snprintf(dir, sizeof(dir), "%s", at("lib/modules/"));
	strncat(dir, kver, sizeof(dir) - strlen(dir) - 1);
	snprintf(conf, sizeof(conf), "%s", at("etc/modprobe.d"));
	const char *configs[] = { conf, NULL };
	ctx = kmod_new(dir, configs);
	if (!ctx) {
		fprintf(stderr, "kmod: kmod_new failed\n");
		return -1;
	}
	if (kmod_module_new_from_lookup(ctx, "vfio-pci", &list) < 0 || !list) {
		fprintf(stderr, "kmod: vfio-pci not found in %s\n", dir);
		kmod_unref(ctx);
		return -1;
	}
	kmod_list_foreach(l, list)
	{
		struct kmod_module *m = kmod_module_get_module(l);
		const char *path = kmod_module_get_path(m);
		struct kmod_list *info = NULL;

		if (n++ == 0)
			printf("kmod: kernel %s, vfio-pci is %s (%s)\n", kver, kmod_module_get_name(m),
			       path ? path + strlen(dir) + 1 : "builtin");
		/* Reads the module file as the loader does (plain, xz or zstd; a
		 * simfs fixture's placeholder .ko is not ELF and fails). */
		if (n == 1) {
			int r = kmod_module_get_info(m, &info);
			if (r >= 0) {
				struct kmod_list *i;
				const char *desc = "";
				kmod_list_foreach(i, info)
				{
					if (strcmp(kmod_module_info_get_key(i), "description") == 0)
						desc = kmod_module_info_get_value(i);
				}
				printf("kmod: module file read, %d modinfo entries, \"%s\"\n", r, desc);
				kmod_module_info_free_list(info);
			} else {
				printf("kmod: module file not readable: %s\n", strerror(-r));
			}
		}
		kmod_module_unref(m);
	}
	kmod_module_unref_list(list);
	kmod_unref(ctx);
	return 0;
}

static void PCI_NONRET pci_die(char *msg, ...)
{
	va_list ap;
	va_start(ap, msg);
	fputs("pci: ", stderr);
	vfprintf(stderr, msg, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void pci_quiet(char *msg, ...) {}

static int probe_pci(void)
{
	struct pci_access *pacc = pci_alloc();
	struct pci_dev *d;
	int n = 0, nvidia = 0;

	pacc->error = pci_die;
	pacc->warning = pci_quiet;
	pacc->debug = pci_quiet;
	pacc->method = PCI_ACCESS_SYS_BUS_PCI;
	pci_set_param(pacc, "sysfs.path", (char *)at("sys/bus/pci"));
	pci_init(pacc);
	pci_scan_bus(pacc);
	for (d = pacc->devices; d; d = d->next) {
		pci_fill_info(d, PCI_FILL_IDENT | PCI_FILL_CLASS);
		n++;
		if (d->vendor_id == 0x10de && (d->device_class >> 8) == 0x03)
			nvidia++;
	}
	pci_cleanup(pacc);
	printf("pci: %d devices, %d NVIDIA display controllers\n", n, nvidia);
	return n > 0 ? 0 : -1;
}

/* Creation only: nothing is ever sent on the socket. */
static int probe_udev(void)
{
	struct udev *udev = udev_new();
	struct udev_monitor *mon;
	int fd;

	if (!udev) {
		fprintf(stderr, "udev: udev_new failed: %m\n");
		return -1;
	}
	mon = udev_monitor_new_from_netlink(udev, "kernel");
	if (!mon) {
		fprintf(stderr, "udev: kernel monitor: %m\n");
		udev_unref(udev);
		return -1;
	}
	fd = udev_monitor_get_fd(mon);
	printf("udev: kernel monitor created (fd %s)\n", fd >= 0 ? "open" : "missing");
	udev_monitor_unref(mon);
	udev_unref(udev);
	return fd >= 0 ? 0 : -1;
}

static int probe_nghttp2(void)
{
	nghttp2_session_callbacks *cbs;
	nghttp2_session *s;
	const uint8_t *out;
	ssize_t len;
	nghttp2_settings_entry iv = { NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 100 };
	int r = -1;

	if (nghttp2_session_callbacks_new(&cbs) != 0)
		return -1;
	if (nghttp2_session_server_new(&s, cbs, NULL) == 0) {
		if (nghttp2_submit_settings(s, NGHTTP2_FLAG_NONE, &iv, 1) == 0 &&
		    (len = nghttp2_session_mem_send(s, &out)) >= 9 && out[3] == NGHTTP2_SETTINGS) {
			printf("nghttp2: %s server session, SETTINGS frame of %zd bytes\n",
			       nghttp2_version(0)->version_str, len);
			r = 0;
		}
		nghttp2_session_del(s);
	}
	nghttp2_session_callbacks_del(cbs);
	if (r < 0)
		fprintf(stderr, "nghttp2: no SETTINGS frame\n");
	return r;
}

/* message Probe { string name = 1; int64 id = 2; }, described by hand (the
 * probe must not depend on the project's generated code). */
typedef struct {
	ProtobufCMessage base;
	char *name;
	int64_t id;
} Probe;

static void probe_msg_init(ProtobufCMessage *m);

static const ProtobufCFieldDescriptor probe_fields[] = {
	{ "name", 1, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_STRING, 0, offsetof(Probe, name), NULL,
	  &protobuf_c_empty_string, 0, 0, NULL, NULL },
	{ "id", 2, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_INT64, 0, offsetof(Probe, id), NULL, NULL, 0, 0,
	  NULL, NULL },
};
static const unsigned probe_by_name[] = { 1, 0 };
static const ProtobufCIntRange probe_ranges[] = { { 1, 0 }, { 0, 2 } };
static const ProtobufCMessageDescriptor probe_desc = {
	PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC,
	"probe.Probe",
	"Probe",
	"Probe",
	"probe",
	sizeof(Probe),
	2,
	probe_fields,
	probe_by_name,
	1,
	probe_ranges,
	probe_msg_init,
	NULL,
	NULL,
	NULL,
};

static void probe_msg_init(ProtobufCMessage *m)
{
	Probe init = { PROTOBUF_C_MESSAGE_INIT(&probe_desc), (char *)protobuf_c_empty_string, 0 };
	*(Probe *)m = init;
}

static int probe_protobuf(void)
{
	Probe in, *out;
	uint8_t buf[64];
	size_t len;
	int r = -1;

	probe_msg_init(&in.base);
	in.name = "gpu-initd";
	in.id = 4242;
	len = protobuf_c_message_pack(&in.base, buf);
	out = (Probe *)protobuf_c_message_unpack(&probe_desc, NULL, len, buf);
	if (out && strcmp(out->name, "gpu-initd") == 0 && out->id == 4242) {
		printf("protobuf-c: %s, %zu bytes packed and unpacked\n", protobuf_c_version(), len);
		r = 0;
	} else {
		fprintf(stderr, "protobuf-c: round trip failed\n");
	}
	if (out)
		protobuf_c_message_free_unpacked(&out->base, NULL);
	return r;
}

int main(int argc, char **argv)
{
	int bad = 0;

	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		fprintf(stderr, "usage: static-probe [ROOT]\n");
		return 2;
	}
	snprintf(root, sizeof(root), "%s", argc == 2 ? argv[1] : "/");
	bad |= probe_kmod() < 0;
	bad |= probe_pci() < 0;
	bad |= probe_udev() < 0;
	bad |= probe_nghttp2() < 0;
	bad |= probe_protobuf() < 0;
	return bad ? 1 : 0;
}
