/* SPDX-License-Identifier: GPL-2.0+ */
/*
 * PCINet host driver: private definitions shared by its three parts.
 *
 *  pcinet_host_main.c  PCI binding, interrupt, status check and reset
 *                      handling (docs/protocol.md 10.4, 10.7, 10.8), sysfs
 *  pcinet_host_net.c   the net_device: attach, lease, detach (10.3) and the
 *                      data path (8)
 *  pcinet_host_tty.c   the console tty over the message unit (9)
 *
 * The protocol itself (layout, bits, ring and console logic) comes from
 * include/pcinet/, its only copy in C.
 */
#ifndef _PCINET_HOST_H
#define _PCINET_HOST_H

#include <linux/io.h>
#include <linux/jiffies.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/pci.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include <pcinet/mpc83xx.h>
#include <pcinet/pcinet_host_sm.h>
#include <pcinet/pcinet_proto.h>
#include <pcinet/pcinet_ring.h>

#define PCINET_DRV_NAME		"pcinet_host"
/* Boards a crate holds is 19; leave room for a second bus segment */
#define PCINET_MAX_BOARDS	32
#define PCINET_OMI_ALL		(M83XX_OMI_OM0I | M83XX_OMI_OM1I | M83XX_OMI_ODI)

/* Bits of pcinet_board.events: what the status work has to look at */
enum {
	PCINET_EV_OM1I,		/* the board wrote its status word */
	PCINET_EV_BROKEN,	/* the data path caught the board misbehaving */
};

/* One block of coherent DMA memory handed to a board */
struct pcinet_dma {
	void *va;
	dma_addr_t bus;
	size_t size;
};

struct pcinet_tty;

struct pcinet_board {
	struct pci_dev *pdev;
	void __iomem *immr;		/* BAR0: IMMR */
	void __iomem *win;		/* BAR1: the shared region */
	u32 win_size;			/* BAR1 size, for pcinet_ctrl_check() */
	unsigned int index;		/* ttyPCINet<index> */
	u32 cfg_bar[2];			/* BAR0/BAR1 config words at probe */
	struct pcinet_window dma_win;	/* where our DMA memory may lie */

	/*
	 * The state machine, IMR1 and its shadow (protocol 4.1 rule 5), the
	 * attach geometry and the DMA memory. Sleeps: never taken in atomic
	 * context.
	 */
	struct mutex lock;
	struct delayed_work work;	/* status check: OM1I and watchdog */
	spinlock_t irq_lock;		/* the handler: interrupt vs watchdog */
	/*
	 * Every BAR1 write and every IDR/IMR0/IMR1 write, so that posted
	 * says exactly whether BAR1 writes may still be in flight when the
	 * board is rung (protocol 3.5, pcinet_post_flush()). Innermost:
	 * taken in hard IRQ, nothing is taken inside it.
	 */
	spinlock_t post_lock;
	bool posted;			/* BAR1 written since the last read-back */
	u32 posted_off;			/* BAR1 offset of the last word written */
	unsigned long events;		/* PCINET_EV_* */
	bool bar_ok;			/* config space intact: BAR0 usable */
	bool irq_unmasked;		/* our OMIMR bits are clear */
	bool cfg_lost;			/* waiting to restore config space */
	bool polling;			/* no usable INTA#: the work polls */
	bool started;			/* loaded: the interface may attach */
	bool dying;			/* remove or shutdown: no more work */
	bool hold;			/* no attach: a reset or unload is coming */
	bool up;			/* the interface is up */

	struct pcinet_host_sm sm;	/* 10.3: the host's state machine */
	u32 board_status;		/* last OMR1 read */
	u32 imr1;			/* last value written to IMR1 */
	unsigned long wait_since;	/* DETACHING, CLEARING: jiffies */
	bool wait_logged;

	/* Counters, for sysfs */
	u64 misbehaved, resets_seen;	/* attaches etc.: ->sm's */

	/* The attach: valid from ATTACHED until reclaim */
	u32 logged_generation;		/* refusals are logged once per G */
	u32 h2b_off, h2b_len, b2h_off, b2h_len;
	u32 max_frame, buf_size, n_rx, n_tx;
	struct pcinet_dma area, rx, tx;

	/* The data path: NAPI and ndo_start_xmit */
	struct net_device *ndev;
	struct napi_struct napi;
	spinlock_t tx_lock;		/* h2b_prod, h2b_cons_seen */
	bool live;			/* attached and not broken */
	bool data_on;			/* NAPI enabled, carrier on */
	bool board_rxint_off;		/* cached board status (8.5 rule 5) */
	u32 h2b_prod, h2b_cons_seen;	/* free running (8.2) */
	u32 b2h_prod, b2h_done_seen;	/* b2h_consumed == b2h_done_seen */

	struct pcinet_tty *tty;
};

/* The message-unit block is little-endian (protocol 1.3) */
static inline u32 pcinet_rd(struct pcinet_board *b, u32 off)
{
	return ioread32(b->immr + off);
}

static inline void pcinet_wr(struct pcinet_board *b, u32 off, u32 val)
{
	iowrite32(val, b->immr + off);
}

/*
 * docs/protocol.md 3.5: the host's BAR1 writes are posted (BAR1 may also be
 * mapped write-combining), and the board's inbound path to its RAM is not
 * ordered with its message unit: the board may see them after a later IDR,
 * IMR0 or IMR1 write. So before such a write the host puts a barrier (mb(),
 * which 3.5 recommends over wmb()) and one read of the last BAR1 word it
 * wrote (h2b_prod, b2h_prod or host_magic), which completes only once every
 * earlier write to the board has landed; the value is not used. Only when
 * BAR1 was written since the last read-back (3.5 rule 3): a read costs a PCI
 * round trip. Not before the board's registers are usable again after a
 * reset (2.2 host rule 3): what was written before a reset is gone anyway.
 */
static inline void pcinet_post_flush(struct pcinet_board *b)
{
	lockdep_assert_held(&b->post_lock);
	if (!b->posted)
		return;
	b->posted = false;
	if (!READ_ONCE(b->bar_ok))
		return;
	mb();	/* the BAR1 writes before the read-back (3.5) */
	ioread32(b->win + b->posted_off);
}

/*
 * Ring the board: IDR (doorbells), IMR0 (console), IMR1 (status word), after
 * the read-back of 3.5 if BAR1 writes may still be in flight.
 */
static inline void pcinet_ring(struct pcinet_board *b, u32 off, u32 val)
{
	unsigned long flags;

	spin_lock_irqsave(&b->post_lock, flags);
	pcinet_post_flush(b);
	pcinet_wr(b, off, val);
	spin_unlock_irqrestore(&b->post_lock, flags);
}

/* BAR1 writes that the board may only be told about after a read-back */
static inline void pcinet_win_write(struct pcinet_board *b, u32 off,
				    const void *src, size_t words)
{
	unsigned long flags;

	spin_lock_irqsave(&b->post_lock, flags);
	__iowrite32_copy(b->win + off, src, words);
	b->posted = true;
	b->posted_off = off + 4 * ((u32)words - 1);
	spin_unlock_irqrestore(&b->post_lock, flags);
}

/* Writes to a board that was reset are gone: nothing to flush */
static inline void pcinet_post_forget(struct pcinet_board *b)
{
	unsigned long flags;

	spin_lock_irqsave(&b->post_lock, flags);
	b->posted = false;
	spin_unlock_irqrestore(&b->post_lock, flags);
}

static inline u32 pcinet_now_ms(void)
{
	return jiffies_to_msecs(jiffies);
}

/* pcinet_host_main.c */
u32 pcinet_host_status(void);
void pcinet_set_lease(struct pcinet_board *b, bool lease);
void pcinet_queue_check(struct pcinet_board *b);
void pcinet_status_check(struct pcinet_board *b, bool om1i);

/* pcinet_host_net.c */
int pcinet_net_create(struct pcinet_board *b);
void pcinet_net_unregister(struct pcinet_board *b);
void pcinet_net_quiesce(struct pcinet_board *b);
void pcinet_net_free(struct pcinet_board *b);
void pcinet_net_status(struct pcinet_board *b, u32 bs, bool om1i);
void pcinet_net_reset_observed(struct pcinet_board *b);
bool pcinet_net_release(struct pcinet_board *b);
bool pcinet_net_wait_released(struct pcinet_board *b);
void pcinet_net_tick(struct pcinet_board *b);
void pcinet_net_kick(struct pcinet_board *b);

/* pcinet_host_tty.c */
int pcinet_tty_init(void);
void pcinet_tty_exit(void);
int pcinet_tty_create(struct pcinet_board *b);
void pcinet_tty_destroy(struct pcinet_board *b);
void pcinet_tty_restart(struct pcinet_board *b);
bool pcinet_tty_receive(struct pcinet_board *b, bool ack);
void pcinet_tty_acked(struct pcinet_board *b);
void pcinet_tty_board_status(struct pcinet_board *b, bool uart, bool om1i);
void pcinet_tty_reset_observed(struct pcinet_board *b);
void pcinet_tty_tick(struct pcinet_board *b);

#endif /* _PCINET_HOST_H */
