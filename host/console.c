// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pcinetd: one slot's console, pty on one side, IMR0/OMR0 on the other.
 * See console.h for the flow control; docs/protocol.md section 9 for the
 * protocol. Register access goes through the slot (slot_rd/slot_wr).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <pcinet_sim.h>

#include "console.h"
#include "slot.h"
#include "util.h"

#define RX_MASK	(CONS_RXBUF - 1)

static u32 rx_used(const struct console *c)
{
	return c->rx_head - c->rx_tail;
}

static u32 rx_room(const struct console *c)
{
	return CONS_RXBUF - rx_used(c);
}

int console_open(struct slot *s, const char *dir)
{
	struct console *c = &s->con;
	struct termios tio;
	int err;

	c->master = -1;
	c->slave = -1;
	c->src.fd = -1;
	c->link[0] = 0;
	c->master = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (c->master < 0)
		goto fail;
	if (grantpt(c->master) || unlockpt(c->master) ||
	    ptsname_r(c->master, c->pts, sizeof(c->pts)))
		goto fail;
	/* Ours for the daemon's life: the master never sees HUP or EIO */
	c->slave = open(c->pts, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (c->slave < 0)
		goto fail;
	if (tcgetattr(c->slave, &tio))
		goto fail;
	cfmakeraw(&tio);
	if (tcsetattr(c->slave, TCSANOW, &tio))
		goto fail;
	err = pcinet_sim_path(dir, s->num, PCINET_SIM_FILE_CONSOLE, c->link,
			      sizeof(c->link));
	if (err) {
		errno = -err;
		goto fail;
	}
	if (unlink(c->link) && errno != ENOENT)
		goto fail;
	if (symlink(c->pts, c->link)) {
		c->link[0] = 0;
		goto fail;
	}
	c->src.kind = EV_PTY;
	c->src.owner = s;
	err = loop_add(&c->src, c->master, EPOLLIN);
	if (err) {
		errno = -err;
		goto fail;
	}
	console_restart(s);
	return 0;
fail:
	err = -errno;
	console_close(s);
	return err;
}

void console_close(struct slot *s)
{
	struct console *c = &s->con;

	loop_del(&c->src);
	if (c->link[0])
		unlink(c->link);
	c->link[0] = 0;
	if (c->slave >= 0)
		close(c->slave);
	if (c->master >= 0)
		close(c->master);
	c->slave = c->master = -1;
}

void console_restart(struct slot *s)
{
	struct console *c = &s->con;

	pcinet_cons_tx_init(&c->tx);
	pcinet_cons_rx_init(&c->rx);
	c->ack_owed = false;
	/*
	 * 9.5: input still held (ours and the pty's) was typed for the
	 * software that was reset, like characters typed into a resetting UART.
	 * Sent to the new boot, its first byte would stop U-Boot's autoboot and
	 * the rest run as a command ("Unknown command 'ftpboot'"). What is
	 * typed from now on waits for the new console.
	 */
	if (c->slave >= 0 && tcflush(c->slave, TCOFLUSH))
		c->errors++;
	if (c->tx_len)
		logmsg("slot %u: board reset: %u typed bytes held for it discarded",
		       s->num, c->tx_len);
	c->tx_discarded += c->tx_len;
	c->tx_len = 0;
}

static void rx_put(struct console *c, const u8 *bytes, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (!rx_room(c)) {
			/* only a restarted board sends without our ack */
			c->rx_dropped += n - i;
			return;
		}
		c->rxbuf[c->rx_head++ & RX_MASK] = bytes[i];
	}
}

void console_receive(struct slot *s)
{
	struct console *c = &s->con;
	u8 bytes[PCINET_CONS_MAX_BYTES];
	unsigned int n;
	u32 msg;

	/* Clear first, then read: a later board write sets OM0I again */
	slot_wr(s, M83XX_MU_OMISR, M83XX_OMI_OM0I);
	msg = slot_rd(s, M83XX_MU_OMR0);
	if (msg == ALL_ONES) {
		s->all_ones++;
		slot_status_check(s, false);
		return;
	}
	n = pcinet_cons_rx_accept(&c->rx, msg, bytes);
	if (n) {
		c->messages_in++;
		c->bytes_from_board += n;
		rx_put(c, bytes, n);
	}
	c->ack_owed = true;
}

void console_board_appeared(struct slot *s)
{
	s->con.settling = true;
	s->con.settle_until = now_ms() + CONS_SETTLE_MS;
}

void console_acked(struct slot *s)
{
	struct console *c = &s->con;

	if (c->tx.stalled)
		logmsg("slot %u: board console back (acked after %u ms); %u bytes held were kept",
		       s->num, now_ms() - c->tx.sent_ms, c->tx_len);
	pcinet_cons_tx_acked(&c->tx);
}

static void send_one(struct slot *s)
{
	struct console *c = &s->con;
	unsigned int n;
	u32 msg;

	if (!c->tx_len || !pcinet_cons_tx_ready(&c->tx) || !s->board_uart)
		return;
	if (c->settling) {
		if ((int32_t)(now_ms() - c->settle_until) < 0)
			return;
		c->settling = false;
	}
	n = c->tx_len < PCINET_CONS_MAX_BYTES ? c->tx_len : PCINET_CONS_MAX_BYTES;
	msg = pcinet_cons_tx_take(&c->tx, c->txbuf, n, now_ms());
	slot_wr(s, M83XX_MU_IMR0, msg);
	memmove(c->txbuf, c->txbuf + n, c->tx_len - n);
	c->tx_len -= n;
	c->bytes_to_board += n;
	c->messages_out++;
}

static void out_stuck(struct console *c, bool full)
{
	if (!c->out_blocked) {
		c->out_blocked = true;
		c->out_blocked_since = now_ms();
	}
	c->out_full = full;
}

static void write_pty(struct console *c)
{
	c->out_full = false;
	while (rx_used(c)) {
		u32 off = c->rx_tail & RX_MASK;
		u32 len = rx_used(c);
		int queued = 0;
		ssize_t w;

		if (ioctl(c->slave, TIOCINQ, &queued) < 0)
			queued = 0;
		if (queued >= CONS_PTY_QUEUE) {
			out_stuck(c, true);
			return;
		}
		if (len > CONS_RXBUF - off)
			len = CONS_RXBUF - off;
		if (len > (u32)(CONS_PTY_QUEUE - queued))
			len = (u32)(CONS_PTY_QUEUE - queued);
		w = write(c->master, c->rxbuf + off, len);
		if (w > 0) {
			c->rx_tail += (u32)w;
			c->bytes_to_pty += (uint64_t)w;
			c->out_blocked = false;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			out_stuck(c, false);
			return;
		}
		/* EIO or worse: nothing can take it */
		c->errors++;
		c->rx_dropped += rx_used(c);
		c->rx_tail = c->rx_head;
		return;
	}
	c->out_blocked = false;
}

static void set_interest(struct slot *s)
{
	struct console *c = &s->con;
	u32 ev = 0;

	/* Read the pty only with room to keep it, or stalled, to discard it */
	if (c->tx_len < CONS_TXBUF || c->tx.stalled)
		ev |= EPOLLIN;
	if (rx_used(c) && !c->out_full)
		ev |= EPOLLOUT;
	if (loop_mod(&c->src, ev))
		c->errors++;
}

void console_pump(struct slot *s)
{
	struct console *c = &s->con;

	if (c->master < 0)
		return;
	/*
	 * A stalled board keeps what we hold for it (9.2 sender rule 3): it
	 * may only be slow, and its late ack resumes the sequence.
	 */
	send_one(s);
	write_pty(c);
	/* Flow control: ack only with room for a whole message more */
	if (c->ack_owed && rx_room(c) >= PCINET_CONS_MAX_BYTES) {
		c->ack_owed = false;
		slot_wr(s, M83XX_MU_IDR, PCINET_DB_CONS_ACK);
	}
	set_interest(s);
}

void console_pty_event(struct slot *s, uint32_t events)
{
	struct console *c = &s->con;

	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		u8 scratch[CONS_TXBUF];
		/* Stalled and full: no writer may block on a board that is gone */
		bool discard = c->tx.stalled && c->tx_len == CONS_TXBUF;
		size_t room = discard ? sizeof(scratch) : CONS_TXBUF - c->tx_len;
		ssize_t r = 0;

		if (room)
			r = read(c->master, discard ? scratch : c->txbuf + c->tx_len,
				 room);
		if (r > 0) {
			if (discard) {
				pcinet_cons_tx_discard(&c->tx, (unsigned int)r);
				c->tx_discarded += (uint64_t)r;
			} else {
				c->tx_len += (unsigned int)r;
			}
		} else if (r < 0 && errno != EAGAIN && errno != EINTR) {
			c->errors++;
		}
	}
	console_pump(s);
}

void console_tick(struct slot *s, u32 now)
{
	struct console *c = &s->con;

	if (c->master < 0)
		return;
	if (pcinet_cons_tx_check_stall(&c->tx, now)) {
		c->stalls++;
		logmsg("slot %u: board console stalled (no ack for %u ms): input held, beyond %u bytes discarded",
		       s->num, PCINET_CONS_STALL_MS, CONS_TXBUF);
	}
	/* Nobody drains the pty: drop, keep acking (9.2 receiver rule 5) */
	if (c->out_blocked && rx_room(c) < PCINET_CONS_MAX_BYTES &&
	    (u32)(now - c->out_blocked_since) >= PCINET_CONS_STALL_MS) {
		c->rx_dropped += rx_used(c);
		c->rx_tail = c->rx_head;
		c->out_blocked = false;
	}
	console_pump(s);
}
