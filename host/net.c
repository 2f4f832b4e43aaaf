// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pcinetd: the network side of a slot (see net.h). Section numbers are
 * those of docs/protocol.md.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "net.h"
#include "slot.h"
#include "util.h"

#define ETH_HLEN_	14
#define BUF_ALIGN	64

static u32 pow2_floor(u32 v)
{
	u32 p = 1;

	if (!v)
		return 0;
	while (p <= v / 2)
		p <<= 1;
	return p;
}

static u32 align_up(u32 v, u32 a)
{
	return (v + a - 1) & ~(a - 1);
}

/* The board's indices and completions: it writes them while we read */
static u32 area_u32(const struct net *n, u32 off)
{
	u32 v = __atomic_load_n((const u32 *)(n->area + off), __ATOMIC_ACQUIRE);

	return le32_to_cpu((__le32)v);
}

unsigned int net_links_waiting;

static void set_link_waiting(struct net *n, bool waiting)
{
	if (n->link_waiting != waiting)
		net_links_waiting += waiting ? 1 : (unsigned int)-1;
	n->link_waiting = waiting;
}

static void set_carrier(struct slot *s, bool on)
{
	struct net *n = &s->net;

	if (n->tap < 0 || n->carrier == on)
		return;
	if (n->is_tap && tap_set_carrier(n->tap, on))
		logmsg("slot %u: %s carrier: %s", s->num, n->ifname,
		       strerror(errno));
	n->carrier = on;
	n->carrier_changes++;
	n->carrier_on_ms = now_ms();
	n->running_seen = false;
	set_link_waiting(n, on && n->is_tap);
}

/*
 * May board frames go to the TAP yet? The kernel puts a carrier into effect
 * later, in its linkwatch work: until then the interface's queue drops all
 * it sends, and the answer to the board's first frame (its ARP request) was
 * lost, which cost U-Boot a 5 s ARP timeout (seen in 1 of 8 TFTP boots on a
 * loaded machine). So the frames wait in the board's ring until the link is
 * up (IFF_RUNNING, which linkwatch sets just before it starts the queue)
 * and NET_LINK_SETTLE_MS more; at most NET_LINK_WAIT_MS, well inside the
 * board's wait for a buffer.
 */
static bool link_ready(struct slot *s)
{
	struct net *n = &s->net;
	u32 now;

	if (!n->link_waiting)
		return true;
	now = now_ms();
	if (!n->running_seen && tap_running(n->ifname) == 1) {
		n->running_seen = true;
		n->running_seen_ms = now;
	}
	if (n->running_seen) {
		if ((u32)(now - n->running_seen_ms) < NET_LINK_SETTLE_MS)
			return false;
	} else if ((u32)(now - n->carrier_on_ms) < NET_LINK_WAIT_MS) {
		return false;
	} else {
		logmsg("slot %u: %s not up %u ms after its carrier went on; delivering anyway",
		       s->num, n->ifname, NET_LINK_WAIT_MS);
	}
	n->link_waits_ms += (u32)(now - n->carrier_on_ms);
	set_link_waiting(n, false);
	return true;
}

/* Read the TAP only while a frame has somewhere to go */
static void tap_interest(struct slot *s)
{
	struct net *n = &s->net;
	u32 want = EPOLLIN;

	if (n->tap < 0)
		return;
	if (s->sm.state == PCINET_HOST_ATTACHED &&
	    pcinet_ring_used(n->h2b_prod, n->h2b_cons_seen) >=
	    (n->n_tx < n->h2b_len ? n->n_tx : n->h2b_len))
		want = 0;
	if (n->src.events != want)
		loop_mod(&n->src, want);
}

static void note_error(struct slot *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Remember why, and log it once per board generation */
static void note_error(struct slot *s, const char *fmt, ...)
{
	struct net *n = &s->net;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(n->last_error, sizeof(n->last_error), fmt, ap);
	va_end(ap);
	if (n->logged_generation != s->sm.generation || !s->sm.generation) {
		n->logged_generation = s->sm.generation;
		logmsg("slot %u: %s", s->num, n->last_error);
	}
}

static void run_sm(struct slot *s);

/* Reclaim (10.3): the board can no longer write our memory */
static void reclaim(struct slot *s)
{
	struct net *n = &s->net;

	n->tx_lost += pcinet_ring_used(n->h2b_prod, n->h2b_cons_seen);
	n->h2b_prod = n->h2b_cons_seen = 0;
	n->b2h_prod = n->b2h_done_seen = 0;
	n->area = n->rx = n->tx = NULL;
}

/* Detach's first step (10.3): no BAR1 access from here on */
static void stop(struct slot *s)
{
	struct pcinet_host_sm *sm = &s->sm;

	switch (sm->why) {
	case PCINET_WHY_DROPPED:
		/* unusual: a board stops by clearing VALID first (10.2) */
		note_error(s, "board cleared RUNNING while still valid: attach of generation %u ended",
			   sm->generation);
		break;
	case PCINET_WHY_REINITIALISED:
		note_error(s, "board re-initialised its region while attached (generation %u): attach ended",
			   sm->generation);
		break;
	default:
		break;	/* an ordinary stop, or the caller said why */
	}
	set_carrier(s, false);
}

/* Section 8.6, host row: the board broke the protocol; contain it */
static void misbehaved(struct slot *s, const char *what, u32 a, u32 b)
{
	struct net *n = &s->net;

	n->misbehaved++;
	/*
	 * Our memory says so, not who wrote it: without an IOMMU another
	 * board's DMA can write it too (docs/pcinetd.md, "Isolation")
	 */
	note_error(s, "board misbehaves (%s: %u, %u): link dropped, generation %u refused",
		   what, a, b, s->sm.generation);
	pcinet_host_sm_broken(&s->sm, true);
	run_sm(s);
}

/*
 * A BAR1 write master-aborted while we hold the lease: the board closed or
 * moved its inbound window (2.2 board rule 3 forbids it) or stopped
 * answering. Whatever was being written is not there, so the attach cannot
 * go on: detach, as for any other broken link (8.6).
 */
static void note_bar_write_failed(struct slot *s, const char *during)
{
	note_error(s, "BAR1 write failed %s: the board's inbound window does not answer; link dropped",
		   during);
}

static void bar_write_failed(struct slot *s, const char *during)
{
	note_bar_write_failed(s, during);
	pcinet_host_sm_broken(&s->sm, false);
	run_sm(s);
}

/* slot_wr() reads our BAR1 writes back before the doorbell (3.5) */
static void kick_board(struct slot *s)
{
	if (!s->sm.rxint_off)
		slot_wr(s, M83XX_MU_IDR, PCINET_DB_NET_KICK);
}

/* Write descriptor {addr, len} into ring slot i; false on a master abort */
static bool put_desc(struct slot *s, u32 ring_off, u32 ring_len, u32 i,
		     u64 addr, u32 len)
{
	struct pcinet_desc d;
	u32 off = ring_off + PCINET_DESC_SIZE * pcinet_ring_slot(i, ring_len);

	pcinet_desc_set(&d, addr, len);
	return !slot_bar_write(s, off, &d, sizeof(d));
}

static bool put_u32(struct slot *s, u32 off, u32 v)
{
	__le32 w = cpu_to_le32(v);

	return !slot_bar_write(s, off, &w, sizeof(w));
}

/*
 * 8.3 steps 4-5: the descriptors are out; then the index, then the doorbell
 * after the read-back of the index (3.5)
 */
static bool publish_h2b(struct slot *s)
{
	if (!put_u32(s, PCINET_CTRL_OFF_H2B_PROD, s->net.h2b_prod)) {
		bar_write_failed(s, "writing h2b_prod");
		return false;
	}
	kick_board(s);
	return true;
}

/* Post b2h buffers up to what we own (8.4 host steps 1-2), no index write */
static bool post_rx(struct slot *s)
{
	struct net *n = &s->net;

	while (pcinet_ring_used(n->b2h_prod, n->b2h_done_seen) < n->n_rx) {
		u32 buf = pcinet_ring_slot(n->b2h_prod, n->n_rx);

		if (!put_desc(s, n->b2h_off, n->b2h_len, n->b2h_prod,
			      n->rx_bus + (u64)buf * n->buf_size, n->buf_size))
			return false;
		n->b2h_prod++;
	}
	return true;
}

/*
 * Plan this attach's memory inside our share (attach step 4). The share is
 * fixed, so a board with huge rings gets fewer buffers, never more memory.
 */
static const char *plan_memory(struct net *n, const struct pcinet_ctrl *c)
{
	struct pcinet_window win;
	u32 area_room, budget, per_dir;

	n->h2b_off = le32_to_cpu(c->h2b_ring_off);
	n->h2b_len = le32_to_cpu(c->h2b_ring_len);
	n->b2h_off = le32_to_cpu(c->b2h_ring_off);
	n->b2h_len = le32_to_cpu(c->b2h_ring_len);
	n->max_frame = le32_to_cpu(c->max_frame);
	n->buf_size = align_up(n->max_frame, BUF_ALIGN);
	n->area_size = pcinet_host_area_size(n->b2h_len);
	area_room = align_up(n->area_size, 4096);
	if (area_room >= n->mem_size)
		return "host memory share too small for the host area";
	budget = n->mem_size - area_room;
	per_dir = budget / 2 / n->buf_size;
	n->n_rx = pow2_floor(per_dir < n->b2h_len ? per_dir : n->b2h_len);
	n->n_tx = pow2_floor(per_dir < n->h2b_len ? per_dir : n->h2b_len);
	if (n->n_rx > NET_MAX_BUFS)
		n->n_rx = NET_MAX_BUFS;
	if (n->n_tx > NET_MAX_BUFS)
		n->n_tx = NET_MAX_BUFS;
	if (!n->n_rx || !n->n_tx)
		return "host memory share too small for one buffer each way";
	n->area = n->mem;
	n->area_bus = n->mem_bus;
	n->rx = n->mem + area_room;
	n->rx_bus = n->mem_bus + area_room;
	n->tx = n->rx + n->n_rx * n->buf_size;
	n->tx_bus = n->rx_bus + (u64)n->n_rx * n->buf_size;

	/* 7.4: everything we hand the board must lie in its DMA window */
	pcinet_ctrl_dma_window(c, &win);
	if (!pcinet_window_contains(&win, n->mem_bus,
				    (u64)(n->tx - n->mem) + (u64)n->n_tx * n->buf_size) ||
	    !pcinet_host_area_ok(n->area_bus, n->area_size, n->b2h_len, &win))
		return "configuration mismatch";
	return NULL;
}

/* Attach, refused (10.3 steps 3-4): why, once per generation */
static void refuse(struct slot *s, u32 gen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void refuse(struct slot *s, u32 gen, const char *fmt, ...)
{
	char why[sizeof(s->net.last_error)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	pcinet_host_sm_attached(&s->sm, PCINET_ATTACH_REFUSED, gen);
	note_error(s, "refusing board: %s", why);
}

/*
 * Attach steps 3-9 (10.3): the lease is ours and the board valid, not
 * RUNNING. Tells the state machine how it ended.
 */
static void attach(struct slot *s)
{
	struct net *n = &s->net;
	struct pcinet_ctrl c;
	struct pcinet_window win;
	enum pcinet_layout_err lerr;
	const char *why;
	__le32 host_part[6];
	u32 gen;

	if (slot_bar_read(s, 0, &c, sizeof(c))) {		/* 3 */
		/*
		 * Valid, but its inbound window does not answer (2.2 board
		 * rule 3): refused until it publishes again, not retried at
		 * every status check
		 */
		refuse(s, 0, "BAR1 does not answer (its inbound window is closed)");
		return;
	}
	gen = le32_to_cpu(c.generation);
	lerr = pcinet_ctrl_check(&c, pcinet_sim_bar_size(s->hw));
	if (lerr != PCINET_LAYOUT_OK) {
		refuse(s, gen, "%s", pcinet_layout_strerror(lerr));
		return;
	}
	why = plan_memory(n, &c);					/* 4 */
	if (why) {
		pcinet_ctrl_dma_window(&c, &win);
		refuse(s, gen, "%s: its DMA window is PCI 0x%llx+0x%llx, our memory PCI 0x%llx+0x%x",
		       why, (unsigned long long)win.pci_base,
		       (unsigned long long)win.size,
		       (unsigned long long)n->mem_bus, n->mem_size);
		return;
	}
	if (n->max_frame - ETH_HLEN_ != n->mtu && n->is_tap) {
		int err = tap_set_mtu(n->ifname, n->max_frame - ETH_HLEN_);

		if (err)
			logmsg("slot %u: MTU %u on %s: %s", s->num,
			       n->max_frame - ETH_HLEN_, n->ifname, strerror(-err));
		else
			n->mtu = n->max_frame - ETH_HLEN_;
	}
	memset(n->area, 0, n->area_size);
	n->h2b_prod = n->h2b_cons_seen = 0;
	n->b2h_prod = n->b2h_done_seen = 0;

	host_part[0] = cpu_to_le32(PCINET_VERSION);			/* 5 */
	host_part[1] = cpu_to_le32((u32)n->area_bus);
	host_part[2] = cpu_to_le32((u32)(n->area_bus >> 32));
	host_part[3] = cpu_to_le32(n->area_size);
	host_part[4] = cpu_to_le32(gen);
	host_part[5] = cpu_to_le32(PCINET_HFEAT_NONE);
	if (slot_bar_write(s, PCINET_CTRL_OFF_HOST + 4, host_part,
			   sizeof(host_part)) ||
	    !put_u32(s, PCINET_CTRL_OFF_H2B_PROD, 0) ||
	    !post_rx(s) ||						/* 6 */
	    !put_u32(s, PCINET_CTRL_OFF_B2H_PROD, n->b2h_prod) ||
	    !put_u32(s, PCINET_CTRL_OFF_HOST, PCINET_MAGIC)) {		/* 7 */
		/* the machine detaches: not bar_write_failed(), inside its run */
		pcinet_host_sm_attached(&s->sm, PCINET_ATTACH_BROKEN, gen);
		note_bar_write_failed(s, "during attach");
		return;
	}
	/* our part reaches the board's RAM before IMR1 says so (3.5) */
	slot_set_lease(s, true);					/* 8 */
	pcinet_host_sm_attached(&s->sm, PCINET_ATTACH_OK, gen);	/* 9 */
	n->last_error[0] = 0;
	set_carrier(s, true);
}

/*
 * Take the actions the state machine (include/pcinet/pcinet_host_sm.h)
 * decided, one by one, answering its reads: the 10.3 table, whatever
 * started it.
 */
static void run_sm(struct slot *s)
{
	struct pcinet_host_sm *sm = &s->sm;
	struct net *n = &s->net;
	enum pcinet_host_act act;
	bool answered;
	__le32 gen;

	while ((act = pcinet_host_sm_next(sm)) != PCINET_HA_NONE) {
		switch (act) {
		case PCINET_HA_KICK:
			slot_wr(s, M83XX_MU_IDR, PCINET_DB_NET_KICK);
			break;
		case PCINET_HA_LOG_INCOMPATIBLE:
			logmsg("slot %u: board speaks PCINet major %u", s->num,
			       pcinet_status_version(sm->board));
			break;
		case PCINET_HA_TAKE_LEASE:
			slot_set_lease(s, true);
			break;
		case PCINET_HA_RELEASE_LEASE:
			slot_set_lease(s, false);
			break;
		case PCINET_HA_READ_BOARD:
			s->board_status = slot_rd(s, M83XX_MU_OMR1);
			pcinet_host_sm_board(sm, s->board_status);
			break;
		case PCINET_HA_READ_GENERATION:
			gen = 0;
			answered = !slot_bar_read(s, 0x28, &gen, sizeof(gen));
			pcinet_host_sm_generation(sm, answered,
						  le32_to_cpu(gen));
			break;
		case PCINET_HA_ATTACH:
			attach(s);
			break;
		case PCINET_HA_STOP:
			stop(s);
			break;
		case PCINET_HA_RECLAIM:
			reclaim(s);
			break;
		case PCINET_HA_WAIT:
			n->wait_since = now_ms();
			n->wait_logged = false;
			break;
		default:
			break;
		}
	}
	tap_interest(s);
}

void net_status(struct slot *s, u32 b, bool om1i)
{
	struct net *n = &s->net;

	pcinet_host_sm_status(&s->sm, b, om1i, n->enabled && !n->hold);
	run_sm(s);
}

void net_reset_observed(struct slot *s)
{
	/* a-b: the lease is gone and the reset stopped the board's DMA */
	set_carrier(s, false);
	pcinet_host_sm_reset(&s->sm);
	run_sm(s);
}

bool net_release(struct slot *s)
{
	pcinet_host_sm_release(&s->sm);
	run_sm(s);
	return s->sm.state == PCINET_HOST_DETACHING;
}

/* h2b_cons moved: our transmit buffers come back (8.3 step 6) */
static bool reclaim_tx(struct slot *s)
{
	struct net *n = &s->net;
	u32 cons = area_u32(n, 0);

	if (!pcinet_ring_advance_ok(n->h2b_cons_seen, cons, n->h2b_prod)) {
		misbehaved(s, "h2b_cons outside [consumed, posted]", cons,
			   n->h2b_prod);
		return false;
	}
	n->h2b_cons_seen = cons;
	return true;
}

/* b2h_done moved: frames for the TAP (8.4 host, receiving) */
static bool receive(struct slot *s)
{
	struct net *n = &s->net;
	u32 done = area_u32(n, 4);
	bool posted = false;

	if (!pcinet_ring_advance_ok(n->b2h_done_seen, done, n->b2h_prod)) {
		misbehaved(s, "b2h_done outside [done, posted]", done, n->b2h_prod);
		return false;
	}
	/* the frames stay in the board's ring meanwhile */
	if (n->b2h_done_seen != done && !link_ready(s))
		return true;
	while (n->b2h_done_seen != done) {
		u32 i = n->b2h_done_seen;
		u32 off = PCINET_HOST_AREA_HDR +
			  PCINET_CMPL_SIZE * pcinet_ring_slot(i, n->b2h_len);
		struct pcinet_cmpl c;
		u32 len;

		c.len = cpu_to_le32(area_u32(n, off));
		c.flags = cpu_to_le32(area_u32(n, off + 4));
		/* never more than the board may send, whatever the buffer */
		if (!pcinet_cmpl_ok(&c, n->max_frame)) {
			misbehaved(s, "bad completion (len, flags)",
				   le32_to_cpu(c.len), le32_to_cpu(c.flags));
			return false;
		}
		len = le32_to_cpu(c.len);
		if (le32_to_cpu(c.flags) & PCINET_CMPL_ERR) {
			n->rx_errors++;
		} else {
			u8 *buf = n->rx + (size_t)pcinet_ring_slot(i, n->n_rx) *
				  n->buf_size;

			if (n->tap >= 0 && write(n->tap, buf, len) == (ssize_t)len) {
				n->rx_frames++;
				n->rx_bytes += len;
			} else {
				n->rx_dropped++;
			}
		}
		n->b2h_done_seen = i + 1;
		if (!post_rx(s)) {
			bar_write_failed(s, "reposting a receive buffer");
			return false;
		}
		posted = true;
	}
	if (posted) {
		if (!put_u32(s, PCINET_CTRL_OFF_B2H_PROD, n->b2h_prod)) {
			bar_write_failed(s, "writing b2h_prod");
			return false;
		}
		kick_board(s);
	}
	return true;
}

void net_kick(struct slot *s)
{
	struct net *n = &s->net;

	if (s->sm.state != PCINET_HOST_ATTACHED)
		return;
	/* indices of an attach the board has not taken up yet (8.4) */
	if (area_u32(n, 8) != s->sm.generation)
		return;
	if (!reclaim_tx(s) || s->sm.state != PCINET_HOST_ATTACHED)
		return;
	if (!receive(s))
		return;
	tap_interest(s);
}

/* Frames from the TAP into the h2b ring (8.3 host steps 1-5) */
static void transmit(struct slot *s)
{
	struct net *n = &s->net;
	u32 owned = n->n_tx < n->h2b_len ? n->n_tx : n->h2b_len;
	unsigned int batch = 0;

	while (pcinet_ring_used(n->h2b_prod, n->h2b_cons_seen) < owned) {
		u32 buf = pcinet_ring_slot(n->h2b_prod, n->n_tx);
		u8 *va = n->tx + (size_t)buf * n->buf_size;
		ssize_t len = read(n->tap, va, n->buf_size);

		if (len < 0)
			break;
		if (len == 0 || (u32)len > n->max_frame) {
			n->tx_dropped++;
			continue;
		}
		if (!put_desc(s, n->h2b_off, n->h2b_len, n->h2b_prod,
			      n->tx_bus + (u64)buf * n->buf_size, (u32)len)) {
			n->tx_dropped++;
			bar_write_failed(s, "posting a transmit descriptor");
			return;
		}
		n->h2b_prod++;
		n->tx_frames++;
		n->tx_bytes += (u64)len;
		if (++batch == NET_BATCH) {
			if (!publish_h2b(s))
				return;
			batch = 0;
		}
	}
	if (batch)
		publish_h2b(s);
}

void net_tap_event(struct slot *s, uint32_t events)
{
	struct net *n = &s->net;
	u8 sink[PCINET_FRAME_MAX_V1 + 64];

	if (!(events & EPOLLIN) || n->tap < 0)
		return;
	if (s->sm.state != PCINET_HOST_ATTACHED) {
		/* no link: what the stack still sends goes nowhere */
		while (read(n->tap, sink, sizeof(sink)) >= 0)
			n->tx_dropped++;
		return;
	}
	if (area_u32(n, 8) == s->sm.generation)
		reclaim_tx(s);
	if (s->sm.state == PCINET_HOST_ATTACHED)
		transmit(s);
	tap_interest(s);
}

void net_link_poll(struct slot *s)
{
	if (s->net.link_waiting)
		net_kick(s);
}

void net_tick(struct slot *s, u32 now)
{
	struct net *n = &s->net;

	if ((s->sm.state == PCINET_HOST_DETACHING || s->sm.state == PCINET_HOST_CLEARING) &&
	    !n->wait_logged && (u32)(now - n->wait_since) > PCINET_DETACH_ACK_MS) {
		n->wait_logged = true;
		logmsg("slot %u: board still RUNNING %u ms after our lease ended; "
		       "%s until it lets go or is reset", s->num,
		       PCINET_DETACH_ACK_MS,
		       s->sm.state == PCINET_HOST_DETACHING ? "its buffers stay its own" :
		       "not attaching");
	}
	/* a lost doorbell costs one tick, not a stuck link */
	net_kick(s);
}

int net_open(struct slot *s, u8 *mem, u64 mem_bus, u32 mem_size,
	     const char *ifname, u32 addr)
{
	struct net *n = &s->net;
	u8 mac[6] = { 0x02, 0x50, 0x43, 0x48, 0x00, (u8)s->num };
	int fd, err;

	n->tap = -1;
	n->src.fd = -1;
	n->mem = mem;
	n->mem_bus = mem_bus;
	n->mem_size = mem_size;
	if (!ifname)
		return 0;
	snprintf(n->ifname, sizeof(n->ifname), "%s", ifname);
	n->host_addr = addr;
	fd = tap_create(ifname, mac);
	if (fd < 0)
		return fd;
	n->tap = fd;
	n->is_tap = true;
	err = tap_configure(ifname, addr, 24);
	if (err)
		goto fail;
	n->src.kind = EV_TAP;
	n->src.owner = s;
	err = loop_add(&n->src, fd, EPOLLIN);
	if (err)
		goto fail;
	n->enabled = true;
	return 0;
fail:
	close(fd);
	n->tap = -1;
	return err;
}

int net_use_fd(struct slot *s, int fd)
{
	struct net *n = &s->net;
	int err;

	snprintf(n->ifname, sizeof(n->ifname), "fd%d", fd);
	n->tap = fd;
	n->is_tap = false;
	n->src.kind = EV_TAP;
	n->src.owner = s;
	err = loop_add(&n->src, fd, EPOLLIN);
	if (err) {
		n->tap = -1;
		return err;
	}
	n->enabled = true;
	return 0;
}

void net_close(struct slot *s)
{
	struct net *n = &s->net;

	if (n->tap < 0)
		return;
	set_link_waiting(n, false);
	loop_del(&n->src);
	close(n->tap);		/* a non-persistent TAP goes with its fd */
	n->tap = -1;
	n->enabled = false;
}

int net_json(struct slot *s, char *buf, size_t len)
{
	struct net *n = &s->net;
	char err[2 * sizeof(n->last_error)];

	return snprintf(buf, len,
		"\"interface\":\"%s\",\"carrier\":%s,\"mtu\":%u,"
		"\"generation\":%u,\"attaches\":%u,\"detaches\":%u,"
		"\"refusals\":%u,\"misbehaved\":%" PRIu64 ","
		"\"tx_frames\":%" PRIu64 ",\"tx_bytes\":%" PRIu64 ","
		"\"tx_dropped\":%" PRIu64 ",\"tx_lost\":%" PRIu64 ","
		"\"rx_frames\":%" PRIu64 ",\"rx_bytes\":%" PRIu64 ","
		"\"rx_errors\":%" PRIu64 ",\"rx_dropped\":%" PRIu64 ","
		"\"carrier_changes\":%" PRIu64 ",\"link_waits_ms\":%" PRIu64 ","
		"\"dma_share\":\"0x%llx+0x%x\",\"net_error\":\"%s\"",
		n->enabled ? n->ifname : "", n->carrier ? "true" : "false",
		n->mtu, s->sm.generation, s->sm.attaches, s->sm.detaches,
		s->sm.refusals,
		n->misbehaved, n->tx_frames, n->tx_bytes, n->tx_dropped,
		n->tx_lost, n->rx_frames, n->rx_bytes, n->rx_errors,
		n->rx_dropped, n->carrier_changes, n->link_waits_ms,
		(unsigned long long)n->mem_bus, n->mem_size,
		json_escape(n->last_error, err, sizeof(err)));
}
