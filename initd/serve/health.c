// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <libudev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "health.h"
#include "log.h"

struct health {
	struct evloop *loop;
	struct udev *udev;
	struct udev_monitor *mon;
	int fd;
	health_cb cb;
	void *data;
};

void health_burst_add(struct health_burst *b, const char *sub, const char *name)
{
	if (sub && name && strcmp(sub, "pci") == 0 && strlen(name) < sizeof(b->pci[0]) &&
	    b->npci < HEALTH_MAX_NAMES) {
		snprintf(b->pci[b->npci], sizeof(b->pci[0]), "%s", name);
		b->npci++;
	} else if (sub && name && strcmp(sub, "vfio") == 0 && strspn(name, "0123456789") == strlen(name) &&
		   *name && strlen(name) < 9 && b->nvfio < HEALTH_MAX_NAMES) {
		b->vfio_groups[b->nvfio++] = atoi(name);
	} else {
		b->full = true;
	}
}

void health_burst_add_event(struct health_burst *b, const char *sub, const char *name,
			    const char *error_event)
{
	health_burst_add_uevent(b, NULL, sub, name, error_event);
}

void health_burst_add_uevent(struct health_burst *b, const char *action, const char *sub, const char *name,
			     const char *error_event)
{
	health_burst_add(b, sub, name);
	enum ers_event ev = ers_event_of(action, error_event);
	if (ev && sub && name && strcmp(sub, "pci") == 0) {
		if (b->ners < HEALTH_MAX_NAMES && strlen(name) < sizeof(b->ers[0].name)) {
			snprintf(b->ers[b->ners].name, sizeof(b->ers[0].name), "%s", name);
			b->ers[b->ners++].ev = (uint8_t)ev;
		} else {
			b->full = true;
		}
	}
	if (error_event && strcmp(error_event, "SUCCESSFUL_RECOVERY") == 0 && sub && name &&
	    strcmp(sub, "pci") == 0 && strlen(name) < sizeof(b->recovered[0]) &&
	    b->nrecovered < HEALTH_MAX_NAMES) {
		snprintf(b->recovered[b->nrecovered], sizeof(b->recovered[0]), "%s", name);
		b->nrecovered++;
	}
}

static void on_event(struct evloop *loop, int fd, unsigned events, void *data)
{
	struct health *h = data;
	struct udev_device *d;
	struct health_burst b = { .npci = 0 };
	bool any = false;
	/* drain everything queued: one rescan for a burst */
	while ((d = udev_monitor_receive_device(h->mon))) {
		log_debug("uevent %s %s", udev_device_get_action(d) ?: "?",
			  udev_device_get_devpath(d) ?: "?");
		any = true;
		health_burst_add_uevent(&b, udev_device_get_action(d), udev_device_get_subsystem(d),
					udev_device_get_sysname(d),
					udev_device_get_property_value(d, "ERROR_EVENT"));
		udev_device_unref(d);
	}
	if (any)
		h->cb(h->data, &b);
}

int health_start(struct evloop *loop, health_cb cb, void *data, struct health **ret)
{
	struct health *h = calloc(1, sizeof(*h));
	int r = -ENOMEM;
	if (!h)
		return -ENOMEM;
	*h = (struct health){ .loop = loop, .cb = cb, .data = data, .fd = -1 };
	h->udev = udev_new();
	if (!h->udev)
		goto fail;
	h->mon = udev_monitor_new_from_netlink(h->udev, "kernel");
	if (!h->mon) {
		r = -EPROTONOSUPPORT;
		goto fail;
	}
	if (udev_monitor_filter_add_match_subsystem_devtype(h->mon, "pci", NULL) < 0 ||
	    udev_monitor_filter_add_match_subsystem_devtype(h->mon, "mdev", NULL) < 0 ||
	    udev_monitor_filter_add_match_subsystem_devtype(h->mon, "vfio", NULL) < 0)
		goto fail;
	r = udev_monitor_enable_receiving(h->mon);
	if (r < 0)
		goto fail;
	h->fd = udev_monitor_get_fd(h->mon);
	r = evloop_add_fd(loop, h->fd, EV_READ, on_event, h);
	if (r < 0)
		goto fail;
	*ret = h;
	return 0;
fail:
	if (h->mon)
		udev_monitor_unref(h->mon);
	if (h->udev)
		udev_unref(h->udev);
	free(h);
	return r;
}

void health_stop(struct health *h)
{
	if (!h)
		return;
	evloop_del_fd(h->loop, h->fd);
	udev_monitor_unref(h->mon);
	udev_unref(h->udev);
	free(h);
}
