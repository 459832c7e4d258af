/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernel-format uevents, sent to the kernel's NETLINK_KOBJECT_UEVENT socket,
 * which re-broadcasts them to the uevent listeners (udev, libudev "kernel"
 * monitors) of the sender's network namespace exactly as it does hardware
 * events (lib/kobject_uevent.c, uevent_net_rcv_skb()).
 *
 * Facts this code relies on (checked on Linux 6.18 and in the kernel
 * source since 4.18):
 *  - the kernel strips our struct nlmsghdr and appends its own
 *    "SEQNUM=<n>\0" (from the global uevent_seqnum, the one real events
 *    use), so messages never carry SEQNUM themselves;
 *  - header + payload + that SEQNUM must fit UEVENT_BUFFER_SIZE (2048);
 *  - the sender needs CAP_SYS_ADMIN over the netns's user namespace;
 *  - the broadcast has sender port 0 and the sender's credentials, which is
 *    what libudev checks before accepting a "kernel" message.
 *
 * Safety: a fake event in the host's namespace would reach the host's udev
 * and could make it act on real devices.  uevent_sender_open() therefore
 * refuses unless uevent_netns_check() proves the namespace private. */
#pragma once
#include <stddef.h>

/* Largest message uevent_send() accepts: the kernel's 2048-byte buffer less
 * the netlink header (16) and the longest "SEQNUM=<u64>\0" (28). */
#define UEVENT_MSG_MAX (2048 - 16 - 28)

/* Lays out "action@devpath\0ACTION=action\0DEVPATH=devpath\0SUBSYSTEM=
 * subsystem\0" then each env string ("KEY=VALUE", NULL-terminated array,
 * env may be NULL) and its NUL.  Returns the length including the last NUL,
 * -ENOBUFS if it does not fit in size, -EINVAL for an action the kernel does
 * not know (add remove change move online offline bind unbind), a devpath
 * not starting with '/', an empty subsystem, an env string without
 * "KEY=" or one setting ACTION, DEVPATH, SUBSYSTEM or SEQNUM. */
int uevent_format(char *buf, size_t size, const char *action, const char *devpath, const char *subsystem,
		  const char *const *env);

/* 1 if this process is provably in a private network namespace, 0 if not
 * (or if it cannot be proven), -errno if /proc cannot be opened.  reason
 * (may be NULL) gets one sentence either way.  Private means:
 *  - /proc/self/ns/net is not the initial namespace's fixed inode
 *    (net:[4026531833] since Linux 6.18; older kernels never hand it out);
 *  - /proc/1/ns/net is readable and differs from /proc/self/ns/net;
 *  - /proc/net/dev lists no interface but lo. */
int uevent_netns_check(char *reason, size_t size);
/* The same against a proc directory fd (unit tests pass a fake tree with
 * self/ns/net and 1/ns/net symlinks and a net/dev file). */
int uevent_netns_check_at(int procfd, char *reason, size_t size);

/* A NETLINK_KOBJECT_UEVENT socket for uevent_send(), or -EPERM when
 * uevent_netns_check() does not return 1 (no socket is opened then; call
 * uevent_netns_check() first to tell the user why), or another -errno.
 * The socket's own namespace is verified again once it is open. */
int uevent_sender_open(void);

/* Sends one message made by uevent_format() and waits for the kernel's
 * acknowledgement.  0 or -errno: -EINVAL for a malformed message,
 * -EMSGSIZE above UEVENT_MSG_MAX, -EPERM without CAP_SYS_ADMIN, the
 * kernel's error otherwise.  Not for concurrent use of one fd. */
int uevent_send(int fd, const char *msg, size_t len);
