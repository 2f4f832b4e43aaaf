// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pcinetd: epoll wrapper.
 */
#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "loop.h"

static int epfd = -1;

int loop_init(void)
{
	epfd = epoll_create1(EPOLL_CLOEXEC);
	return epfd < 0 ? -errno : 0;
}

void loop_fini(void)
{
	if (epfd >= 0)
		close(epfd);
	epfd = -1;
}

int loop_add(struct evsrc *src, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = src };

	src->fd = fd;
	src->events = events;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		src->fd = -1;
		return -errno;
	}
	return 0;
}

int loop_mod(struct evsrc *src, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = src };

	if (src->fd < 0 || src->events == events)
		return 0;
	if (epoll_ctl(epfd, EPOLL_CTL_MOD, src->fd, &ev) < 0)
		return -errno;
	src->events = events;
	return 0;
}

void loop_del(struct evsrc *src)
{
	if (src->fd >= 0)
		epoll_ctl(epfd, EPOLL_CTL_DEL, src->fd, NULL);
	src->fd = -1;
}

int loop_wait(int timeout_ms, void (*cb)(struct evsrc *src, uint32_t events))
{
	struct epoll_event evs[64];
	int n, i;

	n = epoll_wait(epfd, evs, 64, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (i = 0; i < n; i++)
		cb(evs[i].data.ptr, evs[i].events);
	return n;
}
