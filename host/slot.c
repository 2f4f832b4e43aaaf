// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pcinetd: one slot, host side. Driver load and unload (protocol 10.7, 9.3),
 * the interrupt handler (3.2 rule 7), the status check (10.4) and the
 * host-initiated reset (10.8).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#include "slot.h"
#include "util.h"

#define OMI_ALL	(M83XX_OMI_OM0I | M83XX_OMI_OM1I | M83XX_OMI_ODI)

static void reset_when_released(struct slot *s, u32 now);

u32 slot_host_status(void)
{
	return pcinet_status_make(PCINET_STATUS_SIG_HOST, PCINET_UART_RX_ENABLED);
}

/*
 * docs/protocol.md 3.5: our BAR1 writes are posted (and BAR1 may be mapped
 * write-combining), so a later IDR/IMR0/IMR1 write could reach the board
 * before the data it announces. Write barrier, then read back the last BAR1
 * word we wrote: the read cannot complete before the writes ahead of it
 * have reached the board's RAM. slot_wr() calls this only while writes are
 * pending since our last read of the slot (3.5 rule 3), so an idle path
 * costs nothing. The read-back happens under our lease: the lease ends with
 * an IMR1 write, which comes after it. A read that master-aborts (the board
 * closed its window) changes nothing: the write before it failed too.
 */
void slot_flush_posted(struct slot *s)
{
	__le32 w;

	slot_bar_read(s, s->bar1_last, &w, sizeof(w));	/* barrier, read */
}

/* OMIMR is ours; change only OM0I, OM1I and ODI (3.2 rule 6) */
static void mask_irqs(struct slot *s, bool masked)
{
	u32 old = slot_rd(s, M83XX_MU_OMIMR);

	if (old == ALL_ONES)
		return;
	slot_wr(s, M83XX_MU_OMIMR, masked ? old | OMI_ALL : old & ~OMI_ALL);
}

static void write_imr1(struct slot *s, u32 val)
{
	slot_wr(s, M83XX_MU_IMR1, val);
	s->imr1 = val;
}

void slot_set_lease(struct slot *s, bool lease)
{
	write_imr1(s, slot_host_status() |
		   (lease ? PCINET_NET_STATUS_RUNNING : 0));
}

/*
 * Read ODR and clear exactly what was read (3.2 rule 3, 5 rule 2); returns
 * it for the caller to act on, or 0 when the board does not answer. An
 * all-ones value is the board's only while IMR1 still holds our status
 * word (5 rule 4): otherwise the status check sees to the reset.
 */
static u32 take_doorbells(struct slot *s)
{
	u32 odr = slot_rd(s, M83XX_MU_ODR);

	if (!odr)
		return 0;
	if (pcinet_db_needs_confirm(odr) &&
	    slot_rd(s, M83XX_MU_IMR1) != s->imr1) {
		s->all_ones++;
		return 0;
	}
	slot_wr(s, M83XX_MU_ODR, odr);
	if (pcinet_db_reserved(odr)) {
		/* 5: cleared and ignored; said once per board start */
		if (!s->doorbells_reserved_logged)
			logmsg("slot %u: board rang reserved doorbell bits 0x%08x: cleared, ignored",
			       s->num, pcinet_db_reserved(odr));
		s->doorbells_reserved_logged = true;
		s->doorbells_reserved++;
	}
	return odr;
}

static void clear_doorbells(struct slot *s)
{
	take_doorbells(s);
}

/*
 * 10.4 step 3: the board was reset since we last looked. False while its
 * configuration space cannot be restored yet (its firmware is not up): the
 * next status check - an interrupt, or HOST_POLL_MS - asks again.
 */
static bool reset_handling(struct slot *s)
{
	if (!s->cfg_lost) {
		s->resets_seen++;
		s->board_uart = false;	/* until the fresh OMR1 says so */
		s->doorbells_reserved_logged = false;
		logmsg("slot %u: board reset observed", s->num);
		net_reset_observed(s);		/* a, b */
		/* c: the reset took BARs and command (2.2 host rule 3) */
		s->cfg_lost = true;
		s->bar1_posted = false;		/* died with the board */
	}
	if (slot_cfg_restore(s))
		return false;
	s->cfg_lost = false;
	s->cfg_restores++;
	mask_irqs(s, true);
	console_restart(s);			/* e, 9.5 */
	clear_doorbells(s);			/* no stale ack for the new console */
	write_imr1(s, slot_host_status());	/* d */
	mask_irqs(s, false);
	return true;
}

static void evaluate(struct slot *s, u32 b, bool om1i)
{
	bool was_uart = s->board_uart;

	s->board_status = b;
	net_status(s, b, om1i);		/* the 10.3 table, states and all */
	b = s->board_status;		/* an attach may have looked again */
	s->board_uart = s->sm.state != PCINET_HOST_ABSENT &&
			s->sm.state != PCINET_HOST_INCOMPATIBLE &&
			(b & PCINET_UART_RX_ENABLED);
	if (s->board_uart && !was_uart)
		console_board_appeared(s);
}

void slot_status_check(struct slot *s, bool om1i)
{
	u32 b, h;

	s->last_check_ms = now_ms();
	b = slot_rd(s, M83XX_MU_OMR1);			/* 1 */
	h = slot_rd(s, M83XX_MU_IMR1);			/* 2 */
	/* all ones a reset explains (its config space went) is no error */
	if ((b == ALL_ONES || h == ALL_ONES) && !s->cfg_lost && h == s->imr1)
		s->all_ones++;
	if (s->cfg_lost || h != s->imr1) {		/* 3 */
		if (!reset_handling(s))
			return;	/* no BAR access until restored */
		b = slot_rd(s, M83XX_MU_OMR1);		/* f */
	}
	evaluate(s, b, om1i);				/* 4 */
	if (om1i)					/* 5 */
		pcinet_cons_tx_peer_back(&s->con.tx);
	reset_when_released(s, s->last_check_ms);
}

void slot_irq(struct slot *s)
{
	u32 isr, odr;

	pcinet_sim_irq_drain(s->hw);
	isr = slot_rd(s, M83XX_MU_OMISR);
	if (isr == ALL_ONES) {
		/* a reset (its config space lost), or a board gone: 10.4 */
		slot_status_check(s, false);
	} else if (isr & OMI_ALL) {
		if (isr & M83XX_OMI_OM1I) {
			slot_wr(s, M83XX_MU_OMISR, M83XX_OMI_OM1I);
			slot_status_check(s, true);
		}
		if (isr & M83XX_OMI_OM0I)
			console_receive(s);
		if (isr & M83XX_OMI_ODI) {
			/* read, clear what was read, then act (3.2 rule 3) */
			odr = take_doorbells(s);
			if (odr & PCINET_DB_CONS_ACK)
				console_acked(s);
			if (odr & PCINET_DB_NET_KICK)
				net_kick(s);
		}
	}
	console_pump(s);
}

void slot_tick(struct slot *s, u32 now)
{
	if ((u32)(now - s->last_check_ms) >= HOST_POLL_MS) {
		slot_status_check(s, false);
		console_pump(s);
	}
	console_tick(s, now);
	net_tick(s, now);
	reset_when_released(s, now);
}

int slot_start(struct slot *s, struct pcinet_sim_chassis *ch,
	       unsigned int num, const char *dir,
	       const struct slot_net_cfg *nc)
{
	u32 b;
	int err;

	memset(s, 0, sizeof(*s));
	s->num = num;
	s->irq.fd = -1;
	s->con.master = s->con.slave = -1;
	s->con.src.fd = -1;
	s->net.tap = -1;
	s->net.src.fd = -1;
	s->hw = pcinet_sim_slot_open(ch, num, PCINET_SIM_HOST);
	if (!s->hw)
		return -errno;
	/*
	 * The memory this board may reach: what DMA mappings would put in an
	 * IOMMU domain of its own. Without an IOMMU nothing enforces it; the
	 * simulated hardware charges a DMA outside it to the board.
	 */
	if (nc->mem_size)
		pcinet_sim_host_dma_share(s->hw, nc->mem_bus, nc->mem_size);
	err = console_open(s, dir);
	if (err)
		goto fail;
	err = net_open(s, nc->mem, nc->mem_bus, nc->mem_size, nc->ifname,
		       nc->addr);
	if (err) {
		logmsg("slot %u: network interface %s: %s", num, nc->ifname,
		       strerror(-err));
		goto fail;
	}

	/* 10.7 Load: mask, console start (9.3), handler, unmask, check */
	mask_irqs(s, true);
	console_restart(s);					/* 9.3 1 */
	write_imr1(s, pcinet_status_make(PCINET_STATUS_SIG_HOST, 0)); /* 2 */
	if (slot_rd(s, M83XX_MU_OMISR) & M83XX_OMI_OM0I) {	/* 3 */
		console_receive(s);
		s->con.ack_owed = false;	/* step 5 acks */
	}
	clear_doorbells(s);					/* 4 */
	b = slot_rd(s, M83XX_MU_OMR1);
	if (pcinet_status_compatible(b, PCINET_STATUS_SIG_BOARD))	/* 5 */
		slot_wr(s, M83XX_MU_IDR, PCINET_DB_CONS_ACK);
	write_imr1(s, slot_host_status());			/* 6 */
	s->irq.kind = EV_SLOT_IRQ;
	s->irq.owner = s;
	err = loop_add(&s->irq, pcinet_sim_irq_fd(s->hw), EPOLLIN);
	if (err)
		goto fail;
	mask_irqs(s, false);
	slot_status_check(s, false);
	console_pump(s);
	return 0;
fail:
	slot_stop(s);
	return err;
}

void slot_stop(struct slot *s)
{
	if (!s->hw)
		return;
	/* 10.7: detach (the caller has waited for the board to let go) */
	if (slot_release(s))
		logmsg("slot %u: board still RUNNING at unload: its DMA may still hit our memory",
		       s->num);
	net_close(s);
	/* 9.4/10.7: our console stops accepting input first */
	mask_irqs(s, true);
	slot_wr(s, M83XX_MU_IMR1, 0);
	s->imr1 = 0;
	loop_del(&s->irq);
	console_close(s);
	pcinet_sim_host_dma_share(s->hw, 0, 0);
	pcinet_sim_slot_close(s->hw);
	s->hw = NULL;
}

/*
 * 10.8: RPR "RSTE", poll RCER until CRE reads set, then RCR - as
 * U-Boot's 83xx reset does (mpc83xx.h "Reset control"); an RCR write before
 * CRE is lost. The poll blocks the loop for M83XX_RCER_CRE_WAIT_US at most
 * (10 ms, only when the board never enables RCR); it ends at the first read
 * with CRE set, tens of microseconds in the simulated chassis.
 */
static bool reset_request(struct slot *s)
{
	const struct timespec pause = { .tv_nsec = 5000 };
	struct timespec t0, t;
	u32 rcer;
	long us;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	slot_wr(s, M83XX_RST_RPR, M83XX_RPR_UNLOCK);
	for (;;) {
		rcer = slot_rd(s, M83XX_RST_RCER);
		if (rcer != ALL_ONES && (rcer & M83XX_RCER_CRE))
			break;
		clock_gettime(CLOCK_MONOTONIC, &t);
		us = (t.tv_sec - t0.tv_sec) * 1000000L +
		     (t.tv_nsec - t0.tv_nsec) / 1000;
		if (us > M83XX_RCER_CRE_WAIT_US) {
			logmsg("slot %u: RCER[CRE] still clear %ld us after the RPR unlock (RCER 0x%08x): RCR not written, the board was NOT reset",
			       s->num, us, rcer);
			s->resets_failed++;
			return false;
		}
		nanosleep(&pause, NULL);
	}
	slot_wr(s, M83XX_RST_RCR, M83XX_RCR_SWHR);
	return true;
}

static void reset_now(struct slot *s)
{
	s->reset_pending = false;
	s->net.hold = false;
	s->board_uart = false;
	reset_request(s);
	/* The reset cleared IMR1: the check observes it and starts over */
	slot_status_check(s, false);
	console_pump(s);
}

bool slot_reset(struct slot *s)
{
	s->resets_requested++;
	if (s->reset_pending) {
		/* one reset, waiting for the board to let go, serves both */
		logmsg("slot %u: reset requested again while one is pending: merged",
		       s->num);
		return true;
	}
	logmsg("slot %u: resetting the board", s->num);
	s->net.hold = true;
	if (s->cfg_lost) {
		/*
		 * Still in its last reset: no BAR0 until its configuration
		 * space is back (2.2 host rule 3); the status check that
		 * restores it resets it then
		 */
		s->reset_pending = true;
		s->reset_deadline = now_ms();
		return false;
	}
	if (net_release(s)) {
		/* 10.8: it lets go first (or the deadline passes) */
		s->reset_pending = true;
		s->reset_deadline = now_ms() + PCINET_DETACH_ACK_MS;
		return false;
	}
	reset_now(s);
	return false;
}

bool slot_release(struct slot *s)
{
	s->net.hold = true;
	return net_release(s);
}

/* A pending reset goes ahead once the board let go, or at its deadline */
static void reset_when_released(struct slot *s, u32 now)
{
	if (!s->reset_pending || s->cfg_lost)
		return;
	if (s->sm.state == PCINET_HOST_DETACHING && (int32_t)(now - s->reset_deadline) < 0)
		return;
	if (s->sm.state == PCINET_HOST_DETACHING)
		logmsg("slot %u: board still RUNNING %u ms after the detach: resetting it anyway",
		       s->num, PCINET_DETACH_ACK_MS);
	reset_now(s);
}

int slot_json(struct slot *s, char *buf, size_t len)
{
	struct console *c = &s->con;
	u32 b = s->board_status;
	char link[2 * PATH_MAX], pts[160];
	int used, more;

	s->errors = s->all_ones + c->errors + c->rx.invalid + s->net.misbehaved +
		    s->doorbells_reserved + s->resets_failed;
	used = snprintf(buf, len,
		"{\"slot\":%u,\"board_status\":\"0x%08x\",\"host_status\":\"0x%08x\","
		"\"state\":\"%s\",\"present\":%s,\"compatible\":%s,"
		"\"registers_valid\":%s,\"board_console\":%s,"
		"\"console\":\"%s\",\"pts\":\"%s\","
		"\"console_bytes_in\":%" PRIu64 ",\"console_bytes_out\":%" PRIu64 ","
		"\"console_bytes_to_pty\":%" PRIu64 ","
		"\"console_tx_pending\":%u,\"console_stalled\":%s,"
		"\"console_stalls\":%" PRIu64 ",\"console_discarded\":%" PRIu64 ","
		"\"console_dropped\":%" PRIu64 ",\"console_duplicates\":%u,"
		"\"resets_seen\":%" PRIu64 ",\"resets_requested\":%" PRIu64 ","
		"\"resets_failed\":%" PRIu64 ",\"cfg_restores\":%" PRIu64 ","
		"\"cfg_lost\":%s,"
		"\"doorbells_reserved\":%" PRIu64 ","
		"\"epoch\":%u,\"errors\":%" PRIu64 ",",
		s->num, b, s->imr1, pcinet_host_state_name(s->sm.state),
		pcinet_status_present(b, PCINET_STATUS_SIG_BOARD) ? "true" : "false",
		pcinet_status_compatible(b, PCINET_STATUS_SIG_BOARD) ? "true" : "false",
		pcinet_board_valid(b) ? "true" : "false",
		s->board_uart ? "true" : "false",
		json_escape(c->link, link, sizeof(link)),
		json_escape(c->pts, pts, sizeof(pts)),
		c->bytes_to_board, c->bytes_from_board, c->bytes_to_pty,
		c->tx_len, c->tx.stalled ? "true" : "false",
		c->stalls, c->tx_discarded, c->rx_dropped, c->rx.duplicates,
		s->resets_seen, s->resets_requested, s->resets_failed,
		s->cfg_restores, s->cfg_lost ? "true" : "false",
		s->doorbells_reserved,
		pcinet_sim_epoch(s->hw),
		s->errors);
	if (used < 0 || (size_t)used >= len)
		return used;
	more = net_json(s, buf + used, len - (size_t)used);
	if (more < 0 || (size_t)(used + more) + 2 > len)
		return used + more + 1;
	strcpy(buf + used + more, "}");
	return used + more + 1;
}
