// SPDX-License-Identifier: GPL-2.0-or-later
#include "uevent.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/netlink.h>
#include <linux/sockios.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

/* init_net's nsfs inode: fixed (PROC_NET_INIT_INO) since Linux 6.18; before,
 * every namespace got a dynamic inode >= 0xF0000000, never this one. */
#define NET_INIT_INO 0xEFFFFFF9UL

/* Bound on the kernel's acknowledgement, which arrives synchronously. */
#define ACK_TIMEOUT_MS 2000

static const char *const kernel_actions[] = { "add",	"remove",  "change", "move",
					      "online", "offline", "bind",   "unbind" };

static bool action_known(const char *action)
{
	for (size_t i = 0; i < sizeof(kernel_actions) / sizeof(kernel_actions[0]); i++)
		if (strcmp(action, kernel_actions[i]) == 0)
			return true;
	return false;
}

/* Keys the message's own fields or the kernel set. */
static bool key_reserved(const char *key, size_t n)
{
	static const char *const reserved[] = { "ACTION", "DEVPATH", "SUBSYSTEM", "SEQNUM" };
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strlen(reserved[i]) == n && memcmp(key, reserved[i], n) == 0)
			return true;
	return false;
}

struct out {
	char *buf;
	size_t size, len;
};

/* Appends a, b and a NUL; counts the length even past the end. */
static void put(struct out *o, const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	if (o->len + na + nb + 1 <= o->size) {
		memcpy(o->buf + o->len, a, na);
		memcpy(o->buf + o->len + na, b, nb);
		o->buf[o->len + na + nb] = '\0';
	}
	o->len += na + nb + 1;
}

int uevent_format(char *buf, size_t size, const char *action, const char *devpath, const char *subsystem,
		  const char *const *env)
{
	if (!action || !action_known(action) || !devpath || devpath[0] != '/' || !subsystem || !*subsystem)
		return -EINVAL;
	for (const char *const *e = env; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		if (!eq || eq == *e || key_reserved(*e, (size_t)(eq - *e)))
			return -EINVAL;
	}

	struct out o = { .buf = buf, .size = buf ? size : 0 };
	char head[64];
	snprintf(head, sizeof(head), "%s@", action);
	put(&o, head, devpath);
	put(&o, "ACTION=", action);
	put(&o, "DEVPATH=", devpath);
	put(&o, "SUBSYSTEM=", subsystem);
	for (const char *const *e = env; e && *e; e++)
		put(&o, *e, "");
	if (o.len > o.size || o.len > (size_t)INT_MAX)
		return -ENOBUFS;
	return (int)o.len;
}

__attribute__((format(printf, 4, 5))) static int say(char *reason, size_t size, int ret, const char *fmt, ...)
{
	if (reason && size > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(reason, size, fmt, ap);
		va_end(ap);
	}
	return ret;
}

/* Reads a "net:[N]" namespace link.  0, -errno from readlink, or -EBADMSG
 * for any other text. */
static int read_netns(int procfd, const char *path, unsigned long *ret_ino)
{
	char link[64];
	ssize_t n = readlinkat(procfd, path, link, sizeof(link) - 1);
	if (n < 0)
		return -errno;
	link[n] = '\0';
	unsigned long ino;
	int end = 0;
	if (strncmp(link, "net:[", 5) != 0 || link[5] < '0' || link[5] > '9' ||
	    sscanf(link, "net:[%lu]%n", &ino, &end) != 1 || end != n)
		return -EBADMSG;
	*ret_ino = ino;
	return 0;
}

/* Reads net/dev (a few hundred bytes per interface) into a new string. */
static int read_net_dev(int procfd, char **ret)
{
	int fd = openat(procfd, "net/dev", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t cap = 4096, len = 0;
	char *s = malloc(cap);
	int r = 0;
	while (s) {
		if (len + 1 == cap) {
			char *t = cap < (1u << 20) ? realloc(s, cap * 2) : NULL;
			if (!t) {
				r = -ENOMEM;
				break;
			}
			s = t;
			cap *= 2;
		}
		ssize_t n = read(fd, s + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (!s)
		return -ENOMEM;
	if (r < 0) {
		free(s);
		return r;
	}
	s[len] = '\0';
	*ret = s;
	return 0;
}

/* Finds an interface other than lo in net/dev text: 1 and its name in
 * other[], 0 if only lo, -EBADMSG if a line cannot be parsed. */
static int net_dev_other_interface(const char *text, char *other, size_t size)
{
	for (const char *line = text; *line;) {
		const char *end = strchrnul(line, '\n');
		/* The two header lines ("Inter-|   Receive ...") have '|'. */
		if (end > line && !memchr(line, '|', (size_t)(end - line))) {
			const char *colon = memchr(line, ':', (size_t)(end - line));
			if (!colon)
				return -EBADMSG;
			const char *name = line;
			while (name < colon && (*name == ' ' || *name == '\t'))
				name++;
			size_t n = (size_t)(colon - name);
			if (n != 2 || memcmp(name, "lo", 2) != 0) {
				snprintf(other, size, "%.*s", (int)(n < 64 ? n : 64), name);
				return 1;
			}
		}
		line = *end ? end + 1 : end;
	}
	return 0;
}

int uevent_netns_check_at(int procfd, char *reason, size_t size)
{
	unsigned long self, init;
	int r = read_netns(procfd, "self/ns/net", &self);
	if (r < 0)
		return say(
		    reason, size, 0,
		    "cannot read /proc/self/ns/net (%s), so this network namespace cannot be proven private",
		    strerror(-r));
	if (self == NET_INIT_INO)
		return say(reason, size, 0,
			   "this process is in the initial (host) network namespace net:[%lu]", self);

	r = read_netns(procfd, "1/ns/net", &init);
	if (r < 0)
		return say(
		    reason, size, 0,
		    "cannot read /proc/1/ns/net (%s), so this network namespace net:[%lu] cannot be proven "
		    "to differ from PID 1's",
		    strerror(-r), self);
	if (self == init)
		return say(reason, size, 0, "this process shares PID 1's network namespace net:[%lu]", self);

	char *text = NULL, other[65];
	r = read_net_dev(procfd, &text);
	if (r < 0)
		return say(reason, size, 0,
			   "cannot read /proc/net/dev (%s), so its interfaces cannot be checked",
			   strerror(-r));
	r = net_dev_other_interface(text, other, sizeof(other));
	free(text);
	if (r < 0)
		return say(reason, size, 0,
			   "cannot parse /proc/net/dev, so its interfaces cannot be checked");
	if (r > 0)
		return say(reason, size, 0, "network namespace net:[%lu] has interface '%s', not only lo",
			   self, other);
	return say(reason, size, 1, "network namespace net:[%lu] is not PID 1's net:[%lu] and has only lo",
		   self, init);
}

int uevent_netns_check(char *reason, size_t size)
{
	int procfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0)
		return say(reason, size, -errno, "cannot open /proc: %s", strerror(errno));
	int r = uevent_netns_check_at(procfd, reason, size);
	close(procfd);
	return r;
}

/* The socket's namespace must be the one just checked (a thread could have
 * switched namespaces in between) and never the initial one. */
static int socket_netns_verify(int fd)
{
	struct stat sock_ns, self_ns;
	int nsfd = ioctl(fd, SIOCGSKNS);
	if (nsfd < 0)
		return -errno;
	int r = fstat(nsfd, &sock_ns) < 0 ? -errno : 0;
	close(nsfd);
	if (r < 0)
		return r;
	if (stat("/proc/self/ns/net", &self_ns) < 0)
		return -errno;
	if (sock_ns.st_dev != self_ns.st_dev || sock_ns.st_ino != self_ns.st_ino ||
	    sock_ns.st_ino == NET_INIT_INO)
		return -EPERM;
	return 0;
}

int uevent_sender_open(void)
{
	char reason[256];
	int r = uevent_netns_check(reason, sizeof(reason));
	if (r < 0)
		return r;
	if (r == 0) {
		log_debug("uevent: not opening a sender: %s", reason);
		return -EPERM;
	}
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	if (fd < 0)
		return -errno;
	r = socket_netns_verify(fd);
	if (r < 0) {
		close(fd);
		return log_debug_errno(r, "uevent: sender socket's network namespace not verified: %m");
	}
	return fd;
}

/* Waits for the NLMSG_ERROR answering seq; returns its error (0 = ack). */
static int wait_ack(int fd, unsigned seq)
{
	union {
		struct nlmsghdr h;
		char raw[8192];
	} buf;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r = poll(&p, 1, ACK_TIMEOUT_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		ssize_t n = recv(fd, &buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		size_t left = (size_t)n;
		for (struct nlmsghdr *h = &buf.h; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_type != NLMSG_ERROR || h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
				return -EBADMSG;
			const struct nlmsgerr *e = NLMSG_DATA(h);
			return e->error <= 0 ? e->error : -EBADMSG;
		}
	}
}

int uevent_send(int fd, const char *msg, size_t len)
{
	static unsigned seq;
	if (!msg || len == 0 || msg[len - 1] != '\0')
		return -EINVAL;
	/* libudev drops kernel messages whose first string lacks "@/". */
	if (!strstr(msg, "@/"))
		return -EINVAL;
	if (len > UEVENT_MSG_MAX)
		return -EMSGSIZE;

	struct nlmsghdr nlh = {
		.nlmsg_len = NLMSG_LENGTH(len),
		.nlmsg_type = NLMSG_MIN_TYPE,
		.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
		.nlmsg_seq = __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED),
	};
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	/* Exactly header + payload, no padding: the kernel appends SEQNUM
	 * at the end of what we send. */
	struct iovec iov[2] = { { &nlh, NLMSG_HDRLEN }, { (void *)msg, len } };
	struct msghdr mh = {
		.msg_name = &kernel, .msg_namelen = sizeof(kernel), .msg_iov = iov, .msg_iovlen = 2
	};
	ssize_t n;
	do
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n != NLMSG_HDRLEN + len)
		return -EIO;
	return wait_ack(fd, nlh.nlmsg_seq);
}
