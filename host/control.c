// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pcinetd: control socket, line protocol, JSON replies (see control.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <pcinet_sim.h>

#include "control.h"
#include "util.h"

#define LINE_MAX_LEN	512
#define OUT_MAX		(1u << 20)	/* a client that never reads goes */
#define ROW_MAX		16384

struct client {
	struct evsrc src;
	char in[LINE_MAX_LEN];
	size_t in_len;
	bool overlong;			/* discarding up to the next newline */
	bool eof;
	char *out;
	size_t out_len, out_cap;
	struct client *next;
};

static struct daemon *dmn;
static struct evsrc listener = { .fd = -1 };
static struct client *clients;
static char sock_path[PATH_MAX];

int control_open(struct daemon *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, err;

	dmn = d;
	/* -ENAMETOOLONG for a path a socket address cannot hold */
	err = pcinet_sim_path(d->dir, 0, PCINET_SIM_FILE_PCINETD_SOCK,
			      sock_path, sizeof(sa.sun_path));
	if (err)
		return err;
	strcpy(sa.sun_path, sock_path);
	/* The daemon lock is ours: a socket file here is a dead daemon's */
	unlink(sock_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 64))
		goto fail;
	listener.kind = EV_CTL_LISTEN;
	listener.owner = NULL;
	err = loop_add(&listener, fd, EPOLLIN);
	if (err) {
		errno = -err;
		goto fail;
	}
	return 0;
fail:
	err = -errno;
	if (fd >= 0) {
		close(fd);
		unlink(sock_path);
	}
	sock_path[0] = 0;
	return err;
}

static void client_free(struct client *c)
{
	struct client **pp;
	int fd = c->src.fd;

	for (pp = &clients; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	loop_del(&c->src);
	if (fd >= 0)
		close(fd);
	free(c->out);
	free(c);
}

void control_close(void)
{
	int fd = listener.fd;

	while (clients)
		client_free(clients);
	loop_del(&listener);
	if (fd >= 0)
		close(fd);
	if (sock_path[0])
		unlink(sock_path);
	sock_path[0] = 0;
}

static bool emit(struct client *c, const char *text)
{
	size_t n = strlen(text);

	if (c->out_len + n + 1 > OUT_MAX)
		return false;
	if (c->out_len + n + 1 > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		char *p;

		while (cap < c->out_len + n + 1)
			cap *= 2;
		p = realloc(c->out, cap);
		if (!p)
			return false;
		c->out = p;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, text, n);
	c->out_len += n;
	c->out[c->out_len++] = '\n';
	return true;
}

static void reply_error(struct client *c, const char *fmt, const char *arg)
{
	char msg[256], esc[600], line[700];

	snprintf(msg, sizeof(msg), fmt, arg);
	snprintf(line, sizeof(line), "{\"ok\":false,\"error\":\"%s\"}",
		 json_escape(msg, esc, sizeof(esc)));
	emit(c, line);
}

/* "N" naming a served slot, or NULL after an error reply */
static struct slot *parse_slot(struct client *c, const char *arg)
{
	char *end;
	unsigned long n;

	if (!arg) {
		reply_error(c, "%s: a slot number is needed", "usage");
		return NULL;
	}
	errno = 0;
	n = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || arg[0] == '+') {
		reply_error(c, "bad slot number '%.40s'", arg);
		return NULL;
	}
	if (n < 1 || n > dmn->nslots) {
		reply_error(c, "no slot %.40s in this chassis", arg);
		return NULL;
	}
	if (!dmn->slot[n]) {
		reply_error(c, "slot %.40s is not served by this pcinetd", arg);
		return NULL;
	}
	return dmn->slot[n];
}

static void cmd_status(struct client *c, const char *arg)
{
	static char row[ROW_MAX], big[(PCINETD_MAX_SLOTS + 1) * ROW_MAX];
	struct slot *s;
	size_t o;
	unsigned int i;

	if (arg) {
		s = parse_slot(c, arg);
		if (!s)
			return;
		slot_json(s, row, sizeof(row));
		snprintf(big, sizeof(big), "{\"ok\":true,\"slot\":%s}", row);
		emit(c, big);
		return;
	}
	o = (size_t)snprintf(big, sizeof(big), "{\"ok\":true,\"slots\":[");
	for (i = 1; i <= dmn->nslots; i++) {
		if (!dmn->slot[i])
			continue;
		slot_json(dmn->slot[i], row, sizeof(row));
		o += (size_t)snprintf(big + o, sizeof(big) - o, "%s%s",
				      big[o - 1] == '[' ? "" : ",", row);
	}
	snprintf(big + o, sizeof(big) - o, "]}");
	emit(c, big);
}

static void cmd_reset(struct client *c, const char *arg)
{
	static char row[ROW_MAX], line[ROW_MAX + 64];
	struct slot *s = parse_slot(c, arg);
	bool merged;

	if (!s)
		return;
	merged = slot_reset(s);
	slot_json(s, row, sizeof(row));
	snprintf(line, sizeof(line),
		 "{\"ok\":true,\"reset\":%u,\"merged\":%s,\"slot\":%s}",
		 s->num, merged ? "true" : "false", row);
	emit(c, line);
}

static void handle_line(struct client *c, char *line)
{
	char *save = NULL, *cmd, *arg, *extra;

	cmd = strtok_r(line, " \t\r", &save);
	if (!cmd)
		return;			/* blank line: nothing to answer */
	arg = strtok_r(NULL, " \t\r", &save);
	extra = strtok_r(NULL, " \t\r", &save);
	if (extra) {
		reply_error(c, "too many arguments: '%.40s'", extra);
	} else if (!strcmp(cmd, "status")) {
		cmd_status(c, arg);
	} else if (!strcmp(cmd, "reset")) {
		cmd_reset(c, arg);
	} else if (!strcmp(cmd, "help")) {
		if (arg)
			reply_error(c, "help takes no argument", "");
		else
			emit(c, "{\"ok\":true,\"commands\":[\"status\",\"status SLOT\","
				"\"reset SLOT\",\"help\"]}");
	} else {
		reply_error(c, "unknown command '%.40s' (try help)", cmd);
	}
}

static void client_read(struct client *c)
{
	char buf[4096];
	ssize_t r;
	ssize_t i;

	r = read(c->src.fd, buf, sizeof(buf));
	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
		c->eof = true;
		return;
	}
	for (i = 0; i < r; i++) {
		char ch = buf[i];

		if (ch == '\n') {
			if (c->overlong)
				reply_error(c, "line longer than %s bytes", "511");
			else {
				c->in[c->in_len] = 0;
				if (strlen(c->in) != c->in_len)
					reply_error(c, "%s bytes in the line", "NUL");
				else
					handle_line(c, c->in);
			}
			c->in_len = 0;
			c->overlong = false;
		} else if (c->in_len < LINE_MAX_LEN - 1) {
			c->in[c->in_len++] = ch;
		} else {
			c->overlong = true;
		}
	}
}

static void client_write(struct client *c)
{
	ssize_t w;

	while (c->out_len) {
		w = send(c->src.fd, c->out, c->out_len, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			c->eof = true;
			c->out_len = 0;
			return;
		}
		memmove(c->out, c->out + w, c->out_len - (size_t)w);
		c->out_len -= (size_t)w;
	}
}

/* One connection; false when none is waiting */
static bool accept_one(void)
{
	struct client *c;
	int fd;

	fd = accept4(listener.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return errno == EINTR || errno == ECONNABORTED;
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return false;
	}
	c->src.kind = EV_CTL_CLIENT;
	c->src.owner = c;
	if (loop_add(&c->src, fd, EPOLLIN)) {
		close(fd);
		free(c);
		return false;
	}
	c->next = clients;
	clients = c;
	return true;
}

void control_event(struct evsrc *src, uint32_t events)
{
	struct client *c;

	if (src->kind == EV_CTL_LISTEN) {
		/* all that wait, so a burst never fills the backlog */
		for (int i = 0; i < 256 && accept_one(); i++)
			;
		return;
	}
	c = src->owner;
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		client_read(c);
	client_write(c);
	if (c->out_len > OUT_MAX - ROW_MAX * (PCINETD_MAX_SLOTS + 2))
		c->eof = true;	/* never reads its answers */
	if (c->eof && (!c->out_len || (events & (EPOLLHUP | EPOLLERR)))) {
		client_free(c);
		return;
	}
	/* Stop reading while answers pile up; wait to write them */
	loop_mod(&c->src, c->out_len ? EPOLLOUT : (c->eof ? 0u : EPOLLIN));
}
