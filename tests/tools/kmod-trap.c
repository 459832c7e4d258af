// SPDX-License-Identifier: GPL-2.0-or-later
/* kmod-trap: runs a command whose finit_module/init_module calls never
 * reach the kernel.  The child installs a seccomp filter (after
 * PR_SET_NO_NEW_PRIVS) that turns both syscalls into user notifications
 * and passes the listener fd to us over a socketpair; for each call we
 * read /proc/<pid>/fd/<arg0> to learn the module file and write
 * `insmod NAME` to the simfs control file, then answer with the errno
 * simfs gave (0 on success).  init_module (an image in memory) is answered
 * EPERM.  Works for static binaries (no LD_PRELOAD).
 *
 *   kmod-trap --control ROOT/sim/.simfs/control -- CMD [ARG...]
 *
 * Exit status: CMD's (128+signal if killed); 2 on usage errors. */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int install_filter(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_finit_module, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_init_module, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	int fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	return fd < 0 ? -errno : fd;
}

static int send_fd(int sock, int fd)
{
	char dummy = 'x';
	struct iovec iov = { .iov_base = &dummy, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) < 0 ? -errno : 0;
}

static int recv_fd(int sock)
{
	char dummy;
	struct iovec iov = { .iov_base = &dummy, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)
	};
	if (recvmsg(sock, &msg, 0) <= 0)
		return -1;
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* ".../vfio-pci-core.ko[.xz]" -> "vfio_pci_core" */
static void module_name(const char *path, char *buf, size_t size)
{
	const char *b = strrchr(path, '/');
	b = b ? b + 1 : path;
	snprintf(buf, size, "%s", b);
	char *ko = strstr(buf, ".ko");
	if (ko)
		*ko = '\0';
	for (char *p = buf; *p; p++)
		if (*p == '-')
			*p = '_';
}

static int answer(const char *control, int listener, struct seccomp_notif *req)
{
	struct seccomp_notif_resp resp = { .id = req->id };
	if (req->data.nr == __NR_finit_module) {
		char lp[64], path[4096], name[4096], cmd[4200];
		snprintf(lp, sizeof(lp), "/proc/%u/fd/%d", req->pid, (int)req->data.args[0]);
		ssize_t n = readlink(lp, path, sizeof(path) - 1);
		if (n < 0) {
			resp.error = -EBADF;
		} else if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &req->id) < 0) {
			return 0; /* the caller died meanwhile */
		} else {
			path[n] = '\0';
			module_name(path, name, sizeof(name));
			snprintf(cmd, sizeof(cmd), "insmod %s", name);
			int fd = open(control, O_WRONLY | O_CLOEXEC);
			if (fd < 0 || write(fd, cmd, strlen(cmd)) < 0)
				resp.error = -errno;
			if (fd >= 0)
				close(fd);
			fprintf(stderr, "kmod-trap: finit_module(%s) -> %s\n", name,
				resp.error ? strerror(-resp.error) : "ok");
		}
	} else {
		resp.error = -EPERM;
	}
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

static volatile pid_t child;

static void forward(int sig)
{
	if (child > 0)
		kill(child, sig);
}

int main(int argc, char **argv)
{
	const char *control = NULL;
	int i = 1;
	if (i + 1 < argc && strcmp(argv[i], "--control") == 0) {
		control = argv[i + 1];
		i += 2;
	}
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	if (!control || i >= argc) {
		fprintf(stderr, "usage: kmod-trap --control FILE -- CMD [ARG...]\n");
		return 2;
	}
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		return perror("socketpair"), 70;
	pid_t pid = fork();
	if (pid < 0)
		return perror("fork"), 70;
	if (pid == 0) {
		close(sp[0]);
		int l = install_filter();
		if (l < 0) {
			fprintf(stderr, "kmod-trap: seccomp: %s\n", strerror(-l));
			_exit(70);
		}
		if (send_fd(sp[1], l) < 0)
			_exit(70);
		close(l);
		close(sp[1]);
		execvp(argv[i], argv + i);
		fprintf(stderr, "kmod-trap: %s: %s\n", argv[i], strerror(errno));
		_exit(127);
	}
	close(sp[1]);
	int listener = recv_fd(sp[0]);
	close(sp[0]);
	/* Forward termination to the child so `kill` of the trap kills both. */
	child = pid;
	struct sigaction sa = { .sa_handler = forward };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (listener >= 0) {
		struct seccomp_notif *req = calloc(1, 4096);
		for (;;) {
			struct pollfd p = { .fd = listener, .events = POLLIN };
			if (poll(&p, 1, -1) < 0) {
				if (errno == EINTR)
					continue;
				break;
			}
			if (p.revents & POLLIN) {
				memset(req, 0, 4096);
				if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, req) < 0) {
					if (errno == EINTR || errno == ENOENT)
						continue;
					break;
				}
				answer(control, listener, req);
			} else if (p.revents & (POLLHUP | POLLERR))
				break; /* no process left under the filter */
		}
		free(req);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 70;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
