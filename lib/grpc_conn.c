// SPDX-License-Identifier: GPL-2.0-or-later
/* Transport for one HTTP/2 connection.  Output is pulled from nghttp2 only
 * when the socket took everything before, so a peer that does not read
 * costs one nghttp2 chunk here, not a queue. */
#include "grpc_conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

int grpc_conn_setup(struct grpc_conn *c, bool server, const nghttp2_session_callbacks *cbs, void *user,
		    const nghttp2_settings_entry *iv, size_t niv, grpc_conn_close_cb on_close)
{
	*c = (struct grpc_conn){ .fd = -1, .on_close = on_close };
	nghttp2_option *opt;
	if (nghttp2_option_new(&opt) != 0)
		return -ENOMEM;
	/* we check :method, :path and content-type ourselves: kubelets before
	 * 1.26 put the socket path in :authority, which nghttp2 would reset */
	nghttp2_option_set_no_http_messaging(opt, 1);
	int r = server ? nghttp2_session_server_new2(&c->h2, cbs, user, opt)
		       : nghttp2_session_client_new2(&c->h2, cbs, user, opt);
	nghttp2_option_del(opt);
	if (r != 0)
		return -ENOMEM;
	if (nghttp2_submit_settings(c->h2, NGHTTP2_FLAG_NONE, iv, niv) != 0) {
		nghttp2_session_del(c->h2);
		c->h2 = NULL;
		return -ENOMEM;
	}
	return 0;
}

static void conn_io(struct evloop *loop, int fd, unsigned events, void *data);

int grpc_conn_attach(struct grpc_conn *c, struct evloop *loop, int fd)
{
	int r = evloop_add_fd(loop, fd, EV_READ, conn_io, c);
	if (r < 0)
		return r;
	c->loop = loop;
	c->fd = fd;
	return 0;
}

int grpc_conn_feed(struct grpc_conn *c, const uint8_t *data, size_t len)
{
	c->busy++;
	ssize_t n = nghttp2_session_mem_recv(c->h2, data, len);
	c->busy--;
	if (n < 0) {
		log_debug("grpc: HTTP/2 receive error: %s", nghttp2_strerror((int)n));
		return -EPROTO;
	}
	return 0;
}

ssize_t grpc_conn_pull(struct grpc_conn *c, const uint8_t **ret)
{
	c->busy++;
	ssize_t n = nghttp2_session_mem_send(c->h2, ret);
	c->busy--;
	if (n < 0) {
		log_debug("grpc: HTTP/2 send error: %s", nghttp2_strerror((int)n));
		return -EPROTO;
	}
	return n;
}

static void watch_write(struct grpc_conn *c, bool on)
{
	if (c->watching_write == on)
		return;
	c->watching_write = on;
	evloop_mod_fd(c->loop, c->fd, EV_READ | (on ? EV_WRITE : 0));
}

/* Writes buffered and new output until the socket is full or nghttp2 has
 * nothing more.  0, or -errno when the connection is dead. */
static int flush(struct grpc_conn *c)
{
	for (;;) {
		if (c->woff < c->wlen) {
			ssize_t w = send(c->fd, c->wbuf + c->woff, c->wlen - c->woff, MSG_NOSIGNAL);
			if (w < 0) {
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN) {
					watch_write(c, true);
					return 0;
				}
				return -errno;
			}
			c->woff += (size_t)w;
			continue;
		}
		const uint8_t *out;
		ssize_t n = grpc_conn_pull(c, &out);
		if (n < 0)
			return (int)n;
		if (n == 0)
			break;
		ssize_t w;
		do
			w = send(c->fd, out, (size_t)n, MSG_NOSIGNAL); /* a gone peer: EPIPE, not SIGPIPE */
		while (w < 0 && errno == EINTR);
		if (w < 0 && errno != EAGAIN)
			return -errno;
		if (w < 0)
			w = 0;
		if (w < n) { /* keep the rest: nghttp2's pointer dies at the next call */
			uint8_t *b = realloc(c->wbuf, (size_t)(n - w));
			if (!b)
				return -ENOMEM;
			memcpy(b, out + w, (size_t)(n - w));
			c->wbuf = b;
			c->wlen = (size_t)(n - w);
			c->woff = 0;
		}
	}
	watch_write(c, false);
	return 0;
}

void grpc_conn_kick(struct grpc_conn *c)
{
	if (!c->loop)
		return;
	if (c->busy)
		return; /* flushed when the engine call in progress returns */
	if (flush(c) < 0 || (!nghttp2_session_want_read(c->h2) && !nghttp2_session_want_write(c->h2)))
		grpc_conn_close(c); /* the fd callback finishes the job */
}

void grpc_conn_kick_later(struct grpc_conn *c)
{
	if (c->loop && !c->busy)
		watch_write(c, true); /* the fd callback flushes */
}

void grpc_conn_close(struct grpc_conn *c)
{
	c->closing = true;
	if (c->loop)
		watch_write(c, true); /* a unix socket is writable: the callback runs soon */
}

void grpc_conn_goaway_close(struct grpc_conn *c, uint32_t error, const char *msg)
{
	nghttp2_submit_goaway(c->h2, NGHTTP2_FLAG_NONE, nghttp2_session_get_last_proc_stream_id(c->h2), error,
			      (const uint8_t *)msg, strlen(msg));
	if (c->loop && !c->busy && !c->closing)
		flush(c); /* what does not fit is dropped with the connection */
	grpc_conn_close(c);
}

static void conn_io(struct evloop *loop, int fd, unsigned events, void *data)
{
	struct grpc_conn *c = data;
	int err = 0;
	if (c->closing)
		goto dead;
	if (events & (EV_READ | EV_ERROR)) {
		uint8_t buf[16384];
		for (int i = 0; i < 8; i++) { /* then let other fds have a turn */
			ssize_t n = read(fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno == EAGAIN)
				break;
			if (n <= 0) {
				err = n < 0 ? -errno : 0;
				goto dead;
			}
			err = grpc_conn_feed(c, buf, (size_t)n);
			if (err < 0 || c->closing)
				goto dead;
			if ((size_t)n < sizeof(buf))
				break;
		}
	}
	err = flush(c);
	if (err < 0 || c->closing)
		goto dead;
	if (!nghttp2_session_want_read(c->h2) && !nghttp2_session_want_write(c->h2) && c->woff == c->wlen)
		goto dead;
	return;
dead:
	if (err < 0 || !c->closing)
		log_debug_errno(err, "grpc: connection on fd %d ends: %m", fd);
	evloop_del_fd(loop, fd);
	c->on_close(c, err);
}

void grpc_conn_release(struct grpc_conn *c)
{
	if (c->loop && c->fd >= 0)
		evloop_del_fd(c->loop, c->fd);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	nghttp2_session_del(c->h2);
	c->h2 = NULL;
	free(c->wbuf);
	c->wbuf = NULL;
}
