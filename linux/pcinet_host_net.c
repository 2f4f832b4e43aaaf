// SPDX-License-Identifier: GPL-2.0+
/*
 * PCINet host driver: the network side of a board - the host state machine
 * of docs/protocol.md 10.3 from IDLE on (attach, lease, detach, reclaim,
 * REFUSED) and the data path of section 8 behind a NAPI net_device.
 *
 * Memory: three blocks of coherent DMA memory per board - the host area,
 * the b2h receive buffers and the h2b transmit buffers - inside the boards'
 * outbound window (module parameters dma_base/dma_size, checked against the
 * window each board publishes at every attach). Frames are copied into and
 * out of them: the board's DMA controller moves the payload across PCI, the
 * copies stay in host memory, and no per-frame mapping can fall outside the
 * window. The blocks live as long as the board is bound, so nothing the
 * board may still write is ever handed back to the kernel while it runs.
 *
 * Everything the board wrote (control block, indices, completions) is
 * checked before use; a board that fails a check is detached and refused
 * for that generation (8.6), and nothing else notices.
 */
#include <linux/dma-mapping.h>
#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <linux/sizes.h>
#include <linux/skbuff.h>
#include <linux/stddef.h>

#include "pcinet_host.h"

#define PCINET_BUF_ALIGN	64
#define PCINET_MAX_BUFS		256	/* per direction, a power of two */
#define PCINET_DIR_BYTES	SZ_1M	/* buffers per direction, at most */
#define PCINET_TX_TIMEOUT	(5 * HZ)
#define PCINET_GEN_OFF		offsetof(struct pcinet_ctrl, generation)

static struct pcinet_board *pcinet_from_ndev(struct net_device *ndev)
{
	return *(struct pcinet_board **)netdev_priv(ndev);
}

/* BAR1 holds __le32 fields; pcinet_ring() flushes them (3.5) */
static void pcinet_win_wr(struct pcinet_board *b, u32 off, u32 val)
{
	__le32 v = cpu_to_le32(val);

	pcinet_win_write(b, off, &v, 1);
}

/* Descriptor {addr, len} into ring slot i, as 32-bit writes (1.3) */
static void pcinet_put_desc(struct pcinet_board *b, u32 ring_off, u32 ring_len,
			    u32 i, u64 addr, u32 len)
{
	struct pcinet_desc d;

	pcinet_desc_set(&d, addr, len);
	pcinet_win_write(b, ring_off +
			 PCINET_DESC_SIZE * pcinet_ring_slot(i, ring_len),
			 &d, sizeof(d) / 4);
}

/* Indices and completions the board writes into the host area */
static u32 pcinet_area_u32(const __le32 *p)
{
	return le32_to_cpu(READ_ONCE(*p));
}

static struct pcinet_host_area *pcinet_area(struct pcinet_board *b)
{
	return b->area.va;
}

/* After index writes: the read-back of 3.5, then the doorbell (8.3, 8.4) */
static void pcinet_kick_board(struct pcinet_board *b)
{
	if (!READ_ONCE(b->board_rxint_off))
		pcinet_ring(b, M83XX_MU_IDR, PCINET_DB_NET_KICK);
}

static __printf(2, 3) void pcinet_note(struct pcinet_board *b,
				       const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	/* once per board generation: a refused board is asked again often */
	if (b->logged_generation == b->sm.generation && b->sm.generation)
		return;
	b->logged_generation = b->sm.generation;
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	netdev_err(b->ndev, "%pV\n", &vaf);
	va_end(args);
}

/* Start and stop the data path: NAPI enabled exactly while attached */
static void pcinet_data_start(struct pcinet_board *b)
{
	WRITE_ONCE(b->live, true);
	b->data_on = true;
	napi_enable(&b->napi);
	netif_carrier_on(b->ndev);
	netif_wake_queue(b->ndev);
}

static void pcinet_data_stop(struct pcinet_board *b)
{
	WRITE_ONCE(b->live, false);
	b->data_on = false;
	/* a poll or xmit running now finishes inside the lease */
	napi_disable(&b->napi);
	netif_tx_disable(b->ndev);
	netif_carrier_off(b->ndev);
}

/* Reclaim (10.3): the board can no longer write our memory */
static void pcinet_reclaim(struct pcinet_board *b)
{
	b->ndev->stats.tx_dropped += pcinet_ring_used(b->h2b_prod,
						      b->h2b_cons_seen);
	b->h2b_prod = 0;
	b->h2b_cons_seen = 0;
	b->b2h_prod = 0;
	b->b2h_done_seen = 0;
}

static int pcinet_dma_get(struct pcinet_board *b, struct pcinet_dma *d,
			  size_t size)
{
	if (d->va && d->size >= size)
		return 0;
	if (d->va)
		dma_free_coherent(&b->pdev->dev, d->size, d->va, d->bus);
	d->size = size;
	d->va = dma_alloc_coherent(&b->pdev->dev, size, &d->bus, GFP_KERNEL);
	return d->va ? 0 : -ENOMEM;
}

static void pcinet_dma_put(struct pcinet_board *b, struct pcinet_dma *d)
{
	if (d->va)
		dma_free_coherent(&b->pdev->dev, d->size, d->va, d->bus);
	d->va = NULL;
}

/* Buffers per direction: what the ring holds, within our budget */
static u32 pcinet_bufs(u32 ring_len, u32 buf_size)
{
	u32 n = min_t(u32, ring_len, PCINET_MAX_BUFS);

	while (n > PCINET_MIN_RING && (size_t)n * buf_size > PCINET_DIR_BYTES)
		n /= 2;
	return n;
}

static bool pcinet_dma_in(const struct pcinet_dma *d,
			  const struct pcinet_window *w)
{
	return pcinet_window_contains(w, d->bus, d->size);
}

/*
 * Attach step 4: memory for this attach's geometry, all of it inside both
 * the window the board published and the one we were configured with (7.4,
 * 7.5). On failure, the reason.
 */
static const char *pcinet_plan_memory(struct pcinet_board *b,
				      const struct pcinet_ctrl *c,
				      const struct pcinet_window *pub)
{
	u32 area_size;

	b->h2b_off = le32_to_cpu(c->h2b_ring_off);
	b->h2b_len = le32_to_cpu(c->h2b_ring_len);
	b->b2h_off = le32_to_cpu(c->b2h_ring_off);
	b->b2h_len = le32_to_cpu(c->b2h_ring_len);
	b->max_frame = le32_to_cpu(c->max_frame);
	b->buf_size = ALIGN(b->max_frame, PCINET_BUF_ALIGN);
	b->n_rx = pcinet_bufs(b->b2h_len, b->buf_size);
	b->n_tx = pcinet_bufs(b->h2b_len, b->buf_size);
	area_size = pcinet_host_area_size(b->b2h_len);

	if (pcinet_dma_get(b, &b->area, area_size) ||
	    pcinet_dma_get(b, &b->rx, (size_t)b->n_rx * b->buf_size) ||
	    pcinet_dma_get(b, &b->tx, (size_t)b->n_tx * b->buf_size))
		return "out of DMA memory";
	if (!pcinet_host_area_ok(b->area.bus, b->area.size, b->b2h_len, pub) ||
	    !pcinet_dma_in(&b->rx, pub) || !pcinet_dma_in(&b->tx, pub) ||
	    !pcinet_dma_in(&b->area, &b->dma_win) ||
	    !pcinet_dma_in(&b->rx, &b->dma_win) ||
	    !pcinet_dma_in(&b->tx, &b->dma_win))
		return "configuration mismatch";
	return NULL;
}

/* Post b2h buffers up to what we own (8.4 host steps 1-2), no index write */
static void pcinet_post_rx(struct pcinet_board *b)
{
	while (pcinet_ring_used(b->b2h_prod, b->b2h_done_seen) < b->n_rx) {
		u32 buf = pcinet_ring_slot(b->b2h_prod, b->n_rx);

		pcinet_put_desc(b, b->b2h_off, b->b2h_len, b->b2h_prod,
				b->rx.bus + (u64)buf * b->buf_size, b->buf_size);
		b->b2h_prod++;
	}
}

/*
 * Attach steps 3-9 (10.3): the lease is ours and the board valid, not
 * RUNNING. Tells the state machine how it ended.
 */
static void pcinet_attach(struct pcinet_board *b)
{
	struct pcinet_ctrl c;
	struct pcinet_window pub;
	enum pcinet_layout_err lerr;
	const char *why;
	u32 gen, old_frame;

	BUILD_BUG_ON(sizeof(c) != PCINET_CTRL_SIZE);
	__ioread32_copy(&c, b->win, sizeof(c) / 4);			/* 3 */
	gen = le32_to_cpu(c.generation);
	lerr = pcinet_ctrl_check(&c, b->win_size);
	if (lerr != PCINET_LAYOUT_OK) {
		pcinet_host_sm_attached(&b->sm, PCINET_ATTACH_REFUSED, gen);
		pcinet_note(b, "refusing board: %s", pcinet_layout_strerror(lerr));
		return;
	}
	pcinet_ctrl_dma_window(&c, &pub);
	old_frame = b->max_frame;
	why = pcinet_plan_memory(b, &c, &pub);				/* 4 */
	if (why) {
		pcinet_host_sm_attached(&b->sm, PCINET_ATTACH_REFUSED, gen);
		pcinet_note(b,
			    "refusing board: %s: DMA window 0x%llx+0x%llx, ours 0x%llx+0x%llx",
			    why, pub.pci_base, pub.size,
			    b->dma_win.pci_base, b->dma_win.size);
		return;
	}
	if (b->max_frame != old_frame && b->ndev->mtu + ETH_HLEN > b->max_frame)
		netdev_warn(b->ndev, "board takes frames of up to %u bytes: longer ones are dropped\n",
			    b->max_frame);
	memset(b->area.va, 0, b->area.size);
	b->h2b_prod = 0;
	b->h2b_cons_seen = 0;
	b->b2h_prod = 0;
	b->b2h_done_seen = 0;

	/* 5: the host part, as the control block lays it out */
	memset(&c, 0, sizeof(c));
	c.host_version = cpu_to_le32(PCINET_VERSION);
	c.host_area_lo = cpu_to_le32(lower_32_bits(b->area.bus));
	c.host_area_hi = cpu_to_le32(upper_32_bits(b->area.bus));
	c.host_area_size = cpu_to_le32(b->area.size);
	c.generation_ack = cpu_to_le32(gen);
	c.host_features = cpu_to_le32(PCINET_HFEAT_NONE);
	pcinet_win_write(b, offsetof(struct pcinet_ctrl, host_version),
			 &c.host_version,
			 (offsetof(struct pcinet_ctrl, host_reserved) -
			  offsetof(struct pcinet_ctrl, host_version)) / 4);
	pcinet_win_wr(b, PCINET_CTRL_OFF_H2B_PROD, 0);
	pcinet_post_rx(b);						/* 6 */
	pcinet_win_wr(b, PCINET_CTRL_OFF_B2H_PROD, b->b2h_prod);
	/*
	 * 7-8: host_magic last, then IMR1 again. iowrite32() keeps the BAR1
	 * writes in order; the IMR1 write comes after a read-back of BAR1
	 * (pcinet_ring(), protocol 3.5), so the board that sees our RUNNING
	 * finds the whole host part.
	 */
	pcinet_win_wr(b, PCINET_CTRL_OFF_HOST, PCINET_MAGIC);
	pcinet_set_lease(b, true);
	pcinet_host_sm_attached(&b->sm, PCINET_ATTACH_OK, gen);	/* 9 */
	netdev_info(b->ndev, "attached: generation %u, max_frame %u, %u/%u buffers\n",
		    gen, b->max_frame, b->n_tx, b->n_rx);
	pcinet_data_start(b);
}

/* Detach's first step (10.3): no BAR1 access from here on */
static void pcinet_stop_link(struct pcinet_board *b)
{
	switch (b->sm.why) {
	case PCINET_WHY_DROPPED:
		netdev_warn(b->ndev, "board cleared RUNNING while still valid: attach of generation %u ended\n",
			    b->sm.generation);
		break;
	case PCINET_WHY_REINITIALISED:
		netdev_warn(b->ndev, "board re-initialised its region while attached (generation %u): attach ended\n",
			    b->sm.generation);
		break;
	default:
		break;	/* an ordinary stop, or the caller said why */
	}
	if (b->data_on)
		pcinet_data_stop(b);
}

/*
 * Take the actions the state machine (include/pcinet/pcinet_host_sm.h)
 * decided, one by one, answering its reads: the 10.3 table, whatever
 * started it.
 */
static void pcinet_run_sm(struct pcinet_board *b)
{
	struct pcinet_host_sm *sm = &b->sm;
	enum pcinet_host_act act;

	lockdep_assert_held(&b->lock);
	while ((act = pcinet_host_sm_next(sm)) != PCINET_HA_NONE) {
		switch (act) {
		case PCINET_HA_KICK:
			/* after our latest index write (8.5 rule 4, 3.5) */
			pcinet_ring(b, M83XX_MU_IDR, PCINET_DB_NET_KICK);
			break;
		case PCINET_HA_LOG_INCOMPATIBLE:
			netdev_err(b->ndev, "board speaks PCINet major %u\n",
				   pcinet_status_version(sm->board));
			break;
		case PCINET_HA_TAKE_LEASE:
			pcinet_set_lease(b, true);
			break;
		case PCINET_HA_RELEASE_LEASE:
			pcinet_set_lease(b, false);
			break;
		case PCINET_HA_READ_BOARD:
			b->board_status = pcinet_rd(b, M83XX_MU_OMR1);
			pcinet_host_sm_board(sm, b->board_status);
			break;
		case PCINET_HA_READ_GENERATION:
			/* a posted read of the board's RAM: it always answers */
			pcinet_host_sm_generation(sm, true,
						  ioread32(b->win + PCINET_GEN_OFF));
			break;
		case PCINET_HA_ATTACH:
			pcinet_attach(b);
			break;
		case PCINET_HA_STOP:
			pcinet_stop_link(b);
			break;
		case PCINET_HA_RECLAIM:
			pcinet_reclaim(b);
			break;
		case PCINET_HA_WAIT:
			b->wait_since = jiffies;
			b->wait_logged = false;
			break;
		default:
			break;
		}
	}
	WRITE_ONCE(b->board_rxint_off, sm->rxint_off);
}

static bool pcinet_may_attach(struct pcinet_board *b)
{
	return b->up && !b->hold && !b->dying;
}

/* Section 10.3 on the board status bs the status check read */
void pcinet_net_status(struct pcinet_board *b, u32 bs, bool om1i)
{
	lockdep_assert_held(&b->lock);
	pcinet_host_sm_status(&b->sm, bs, om1i, pcinet_may_attach(b));
	pcinet_run_sm(b);
}

/* 10.4 step 3 a-b: the lease is gone and the reset stopped the board's DMA */
void pcinet_net_reset_observed(struct pcinet_board *b)
{
	lockdep_assert_held(&b->lock);
	pcinet_host_sm_reset(&b->sm);
	pcinet_run_sm(b);
}

/* Before a reset or unload: detach; true while the board may still write */
bool pcinet_net_release(struct pcinet_board *b)
{
	lockdep_assert_held(&b->lock);
	pcinet_host_sm_release(&b->sm);
	pcinet_run_sm(b);
	return b->sm.state == PCINET_HOST_DETACHING;
}

/* DETACHING: give the board PCINET_DETACH_ACK_MS to clear its RUNNING */
bool pcinet_net_wait_released(struct pcinet_board *b)
{
	unsigned long deadline = jiffies +
				 msecs_to_jiffies(PCINET_DETACH_ACK_MS);

	lockdep_assert_held(&b->lock);
	while (b->sm.state == PCINET_HOST_DETACHING) {
		/* status checks that never attach: reclaim once it lets go */
		b->board_status = pcinet_rd(b, M83XX_MU_OMR1);
		pcinet_host_sm_status(&b->sm, b->board_status, false, false);
		pcinet_run_sm(b);
		if (b->sm.state != PCINET_HOST_DETACHING)
			break;
		if (time_after(jiffies, deadline))
			return false;
		usleep_range(2000, 4000);
	}
	return true;
}

/* Unload, shutdown (10.7): detach and wait; memory is freed later */
void pcinet_net_quiesce(struct pcinet_board *b)
{
	if (pcinet_net_release(b) && !pcinet_net_wait_released(b))
		netdev_err(b->ndev, "board still RUNNING %u ms after the detach: its DMA buffers are left to it\n",
			   PCINET_DETACH_ACK_MS);
}

/* The watchdog's part: misbehaviour, patience, and a lost doorbell */
void pcinet_net_tick(struct pcinet_board *b)
{
	lockdep_assert_held(&b->lock);
	if (test_and_clear_bit(PCINET_EV_BROKEN, &b->events) &&
	    b->sm.state == PCINET_HOST_ATTACHED) {
		b->misbehaved++;
		pcinet_host_sm_broken(&b->sm, true);
		pcinet_run_sm(b);
	}
	if ((b->sm.state == PCINET_HOST_DETACHING ||
	     b->sm.state == PCINET_HOST_CLEARING) &&
	    !b->wait_logged &&
	    time_after(jiffies, b->wait_since +
		       msecs_to_jiffies(PCINET_DETACH_ACK_MS))) {
		b->wait_logged = true;
		netdev_warn(b->ndev, "board still RUNNING %u ms after our lease ended; %s until it lets go or is reset\n",
			    PCINET_DETACH_ACK_MS,
			    b->sm.state == PCINET_HOST_DETACHING ?
			    "its buffers stay its own" : "not attaching");
	}
	/* a lost doorbell costs one watchdog period, not a stuck link */
	if (b->sm.state == PCINET_HOST_ATTACHED) {
		local_bh_disable();
		pcinet_net_kick(b);
		local_bh_enable();
	}
}

/* PCINET_DB_NET_KICK: the rings moved. A no-op while NAPI is disabled. */
void pcinet_net_kick(struct pcinet_board *b)
{
	napi_schedule(&b->napi);
}

/* Section 8.6, host row: the board broke the protocol; contain it */
static void pcinet_broken(struct pcinet_board *b, const char *what,
			  u32 seen, u32 limit)
{
	WRITE_ONCE(b->live, false);
	netdev_err(b->ndev, "board misbehaves (%s: %u, %u): link dropped, generation %u refused\n",
		   what, seen, limit, b->sm.generation);
	set_bit(PCINET_EV_BROKEN, &b->events);
	pcinet_queue_check(b);
}

/* h2b_cons moved: transmit buffers come back (8.3 step 6) */
static bool pcinet_reclaim_tx(struct pcinet_board *b)
{
	u32 cons = pcinet_area_u32(&pcinet_area(b)->h2b_cons);
	u32 prod;

	spin_lock(&b->tx_lock);
	prod = b->h2b_prod;
	if (!pcinet_ring_advance_ok(b->h2b_cons_seen, cons, prod)) {
		spin_unlock(&b->tx_lock);
		pcinet_broken(b, "h2b_cons outside [consumed, posted]", cons,
			      prod);
		return false;
	}
	b->h2b_cons_seen = cons;
	if (netif_queue_stopped(b->ndev) &&
	    pcinet_ring_used(prod, cons) < b->n_tx)
		netif_wake_queue(b->ndev);
	spin_unlock(&b->tx_lock);
	return true;
}

static void pcinet_deliver(struct pcinet_board *b, const void *buf, u32 len)
{
	struct net_device_stats *stats = &b->ndev->stats;
	struct sk_buff *skb;

	if (len < ETH_HLEN) {
		stats->rx_length_errors++;
		return;
	}
	skb = napi_alloc_skb(&b->napi, len);
	if (!skb) {
		stats->rx_dropped++;
		return;
	}
	skb_put_data(skb, buf, len);
	skb->protocol = eth_type_trans(skb, b->ndev);
	stats->rx_packets++;
	stats->rx_bytes += len;
	napi_gro_receive(&b->napi, skb);
}

/* b2h_done moved: frames for the stack (8.4 host, receiving) */
static int pcinet_receive(struct pcinet_board *b, int budget)
{
	struct pcinet_host_area *area = pcinet_area(b);
	u32 done = pcinet_area_u32(&area->b2h_done);
	int n = 0;

	if (!pcinet_ring_advance_ok(b->b2h_done_seen, done, b->b2h_prod)) {
		pcinet_broken(b, "b2h_done outside [done, posted]", done,
			      b->b2h_prod);
		return 0;
	}
	/* the completions are at least as new as the index covering them */
	dma_rmb();
	while (b->b2h_done_seen != done && n < budget) {
		u32 i = b->b2h_done_seen;
		const struct pcinet_cmpl *src =
			&area->b2h_cmpl[pcinet_ring_slot(i, b->b2h_len)];
		struct pcinet_cmpl c = {
			.len = READ_ONCE(src->len),
			.flags = READ_ONCE(src->flags),
		};

		/* never more than the board may send, whatever the buffer */
		if (!pcinet_cmpl_ok(&c, b->max_frame)) {
			pcinet_broken(b, "bad completion (len, flags)",
				      le32_to_cpu(c.len), le32_to_cpu(c.flags));
			return n;
		}
		if (le32_to_cpu(c.flags) & PCINET_CMPL_ERR)
			b->ndev->stats.rx_errors++;
		else
			pcinet_deliver(b, b->rx.va + (size_t)pcinet_ring_slot(i, b->n_rx) *
				       b->buf_size, le32_to_cpu(c.len));
		b->b2h_done_seen = i + 1;
		n++;
	}
	if (n) {
		pcinet_post_rx(b);
		pcinet_win_wr(b, PCINET_CTRL_OFF_B2H_PROD, b->b2h_prod);
		pcinet_kick_board(b);
	}
	return n;
}

static int pcinet_poll(struct napi_struct *napi, int budget)
{
	struct pcinet_board *b = container_of(napi, struct pcinet_board, napi);
	int done = 0;

	/* indices of an attach the board has not taken up yet are ignored */
	if (READ_ONCE(b->live) &&
	    pcinet_area_u32(&pcinet_area(b)->generation) == b->sm.generation &&
	    pcinet_reclaim_tx(b))
		done = pcinet_receive(b, budget);
	if (done < budget)
		napi_complete_done(napi, done);
	return done;
}

/* Frames into the h2b ring (8.3 host steps 1-5) */
static netdev_tx_t pcinet_xmit(struct sk_buff *skb, struct net_device *ndev)
{
	struct pcinet_board *b = pcinet_from_ndev(ndev);
	u32 buf, len = skb->len;
	bool full;

	spin_lock(&b->tx_lock);
	if (!READ_ONCE(b->live) || len > b->max_frame) {
		ndev->stats.tx_dropped++;
		spin_unlock(&b->tx_lock);
		dev_kfree_skb_any(skb);
		return NETDEV_TX_OK;
	}
	if (pcinet_ring_used(b->h2b_prod, b->h2b_cons_seen) >= b->n_tx) {
		/* the queue is stopped when full: only a race gets here */
		netif_stop_queue(ndev);
		spin_unlock(&b->tx_lock);
		return NETDEV_TX_BUSY;
	}
	buf = pcinet_ring_slot(b->h2b_prod, b->n_tx);
	skb_copy_bits(skb, 0, b->tx.va + (size_t)buf * b->buf_size, len);
	pcinet_put_desc(b, b->h2b_off, b->h2b_len, b->h2b_prod,
			b->tx.bus + (u64)buf * b->buf_size, len);
	b->h2b_prod++;
	ndev->stats.tx_packets++;
	ndev->stats.tx_bytes += len;
	full = pcinet_ring_used(b->h2b_prod, b->h2b_cons_seen) >= b->n_tx;
	if (full)
		netif_stop_queue(ndev);
	if (full || !netdev_xmit_more()) {
		/*
		 * The frame copy (coherent memory) and the descriptors come
		 * before the index (iowrite32() keeps them in order), the
		 * index before the doorbell: pcinet_ring() reads BAR1 back
		 * first (protocol 3.5).
		 */
		pcinet_win_wr(b, PCINET_CTRL_OFF_H2B_PROD, b->h2b_prod);
		pcinet_kick_board(b);
	}
	spin_unlock(&b->tx_lock);
	dev_consume_skb_any(skb);
	return NETDEV_TX_OK;
}

static int pcinet_open(struct net_device *ndev)
{
	struct pcinet_board *b = pcinet_from_ndev(ndev);

	netif_stop_queue(ndev);
	mutex_lock(&b->lock);
	b->up = true;
	if (b->started && !b->dying)
		pcinet_status_check(b, false);
	mutex_unlock(&b->lock);
	return 0;
}

static int pcinet_stop(struct net_device *ndev)
{
	struct pcinet_board *b = pcinet_from_ndev(ndev);

	mutex_lock(&b->lock);
	b->up = false;
	pcinet_net_release(b);
	mutex_unlock(&b->lock);
	return 0;
}

/* A board that takes no frames is hung: say so; a reset is policy (10.9) */
static void pcinet_tx_timeout(struct net_device *ndev, unsigned int txqueue)
{
	struct pcinet_board *b = pcinet_from_ndev(ndev);

	netdev_warn(ndev, "board took no frame for %u ms (posted %u, taken %u)\n",
		    jiffies_to_msecs(PCINET_TX_TIMEOUT), READ_ONCE(b->h2b_prod),
		    READ_ONCE(b->h2b_cons_seen));
}

static const struct net_device_ops pcinet_netdev_ops = {
	.ndo_open = pcinet_open,
	.ndo_stop = pcinet_stop,
	.ndo_start_xmit = pcinet_xmit,
	.ndo_tx_timeout = pcinet_tx_timeout,
	.ndo_set_mac_address = eth_mac_addr,
	.ndo_validate_addr = eth_validate_addr,
};

int pcinet_net_create(struct pcinet_board *b)
{
	/* locally administered, as the board's must differ (6.6) */
	u8 mac[ETH_ALEN] = { 0x02, 0x50, 0x43, 0x48, 0x00, (u8)b->index };
	struct net_device *ndev;
	int err;

	ndev = alloc_netdev(sizeof(b), "pcinet%d", NET_NAME_ENUM, ether_setup);
	if (!ndev)
		return -ENOMEM;
	*(struct pcinet_board **)netdev_priv(ndev) = b;
	SET_NETDEV_DEV(ndev, &b->pdev->dev);
	ndev->netdev_ops = &pcinet_netdev_ops;
	ndev->watchdog_timeo = PCINET_TX_TIMEOUT;
	ndev->min_mtu = ETH_MIN_MTU;
	ndev->max_mtu = PCINET_FRAME_MAX_V1 - ETH_HLEN;
	eth_hw_addr_set(ndev, mac);
	netif_napi_add(ndev, &b->napi, pcinet_poll);
	netif_carrier_off(ndev);
	b->ndev = ndev;
	err = register_netdev(ndev);
	if (err) {
		free_netdev(ndev);
		b->ndev = NULL;
	}
	return err;
}

void pcinet_net_unregister(struct pcinet_board *b)
{
	unregister_netdev(b->ndev);
}

/* After the interrupt and the work are gone */
void pcinet_net_free(struct pcinet_board *b)
{
	if (b->sm.state == PCINET_HOST_DETACHING) {
		/* the board may still write it: never hand it back */
		b->area.va = NULL;
		b->rx.va = NULL;
		b->tx.va = NULL;
	}
	pcinet_dma_put(b, &b->area);
	pcinet_dma_put(b, &b->rx);
	pcinet_dma_put(b, &b->tx);
	free_netdev(b->ndev);
}
