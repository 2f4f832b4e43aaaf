/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcinetd: the one epoll loop. Every file descriptor the daemon waits on is
 * registered with a struct evsrc that says what it is and whose it is; the
 * loop hands the events back to the owner (see pcinetd.c dispatch()).
 * Level-triggered throughout: an owner changes its interest with loop_mod().
 */
#ifndef _PCINETD_LOOP_H
#define _PCINETD_LOOP_H

#include <stdint.h>

enum evsrc_kind {
	EV_SIGNAL,	/* signalfd: SIGTERM, SIGINT, SIGHUP */
	EV_SLOT_IRQ,	/* a slot's host interrupt line (INTA) */
	EV_PTY,		/* a slot's console pty master */
	EV_CTL_LISTEN,	/* the control socket */
	EV_CTL_CLIENT,	/* one control connection */
	EV_TAP,		/* a slot's network interface */
};

struct evsrc {
	enum evsrc_kind kind;
	int fd;
	uint32_t events;	/* what is registered now */
	void *owner;
};

int loop_init(void);
void loop_fini(void);
/* 0 or -errno; src must live until loop_del() */
int loop_add(struct evsrc *src, int fd, uint32_t events);
int loop_mod(struct evsrc *src, uint32_t events);
void loop_del(struct evsrc *src);
/* Wait up to timeout_ms; calls back for each ready source; -errno on error */
int loop_wait(int timeout_ms, void (*cb)(struct evsrc *src, uint32_t events));

#endif /* _PCINETD_LOOP_H */
