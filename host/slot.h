/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcinetd: the host's state for one slot of the chassis, and the host state
 * machine of docs/protocol.md section 10.3/10.4: this file has the status
 * check and reset handling, console.c the console, net.c the network part
 * (attach, the lease, detach, the data path).
 */
#ifndef _PCINETD_SLOT_H
#define _PCINETD_SLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pcinet/mpc83xx.h>
#include <pcinet/pcinet_proto.h>
#include <pcinet_sim.h>

#include "console.h"
#include "loop.h"
#include "net.h"

#define PCINETD_MAX_SLOTS	PCINET_SIM_MAX_SLOTS
#define HOST_POLL_MS		250	/* status watchdog, section 10.4 */
#define ALL_ONES		PCINET_ALL_ONES


/* Where a slot's network lives; ifname NULL: console only */
struct slot_net_cfg {
	u8 *mem;		/* this slot's share of host memory */
	u64 mem_bus;		/* its PCI bus address */
	u32 mem_size;
	const char *ifname;	/* TAP name */
	u32 addr;		/* host address on it, host byte order */
};

struct slot {
	unsigned int num;		/* 1..32, as in the crate */
	struct pcinet_sim_slot *hw;	/* host side: BAR0 */
	struct evsrc irq;		/* EV_SLOT_IRQ */

	struct pcinet_host_sm sm;	/* 10.3: the host's state machine */
	u32 board_status;		/* last OMR1 read */
	u32 imr1;			/* last value we wrote to IMR1 */
	bool board_uart;		/* board console accepts input */
	u32 last_check_ms;

	bool reset_pending;		/* reset asked for, board still detaching */
	u32 reset_deadline;
	uint64_t resets_seen;		/* board resets observed (10.4 step 3) */
	uint64_t resets_requested;		/* by `reset SLOT` */
	uint64_t resets_failed;		/* RCER[CRE] never set: not reset */
	uint64_t all_ones;			/* reads of 0xFFFFFFFF */
	uint64_t doorbells_reserved;	/* ODR values with reserved bits (5) */
	bool doorbells_reserved_logged;	/* said so since the board started */
	uint64_t errors;			/* everything odd, summed */
	/*
	 * Posted BAR1 writes (protocol 3.5): set by slot_bar_write(), cleared
	 * by any read of this slot, which pushes them to the board
	 */
	bool bar1_posted;
	u32 bar1_last;			/* BAR1 offset of the last word written */
	/* A reset took the board's configuration space; not restored yet */
	bool cfg_lost;
	uint64_t cfg_restores;		/* configuration space restored */

	struct console con;
	struct net net;
};

/*
 * Any read of the slot, after a barrier, pushes our posted BAR1 writes
 * ahead of it (protocol 3.5 rule 3): none are pending after it
 */
static inline void slot_read_pushes(struct slot *s)
{
	if (s->bar1_posted) {
		__atomic_thread_fence(__ATOMIC_SEQ_CST);	/* wmb() */
		s->bar1_posted = false;
	}
}

static inline u32 slot_rd(struct slot *s, u32 off)
{
	slot_read_pushes(s);
	return pcinet_sim_read32(s->hw, off);
}

void slot_flush_posted(struct slot *s);

/*
 * A register write. IDR, IMR0 and IMR1 tell the board something; BAR1
 * writes made before them must be in its RAM first: slot_flush_posted()
 * (protocol 3.5). Every other register is left alone.
 */
static inline void slot_wr(struct slot *s, u32 off, u32 val)
{
	if (s->bar1_posted && (off == M83XX_MU_IDR || off == M83XX_MU_IMR0 ||
			       off == M83XX_MU_IMR1))
		slot_flush_posted(s);
	pcinet_sim_write32(s->hw, off, val);
}

/*
 * Restore the board's PCI configuration space after a reset (protocol 2.2
 * host rule 3), as the platform assigned it: 0, or -EAGAIN while its IDs
 * read all ones (its firmware is not up yet). In the simulated chassis the
 * model's config space; on a crate, the kernel's saved state.
 */
static inline int slot_cfg_restore(struct slot *s)
{
	return pcinet_sim_cfg_restore(s->hw);
}

/* BAR1 access (pcinet_sim_bar_read/write: 0 or -EFAULT on a master abort) */
static inline int slot_bar_read(struct slot *s, u32 off, void *buf, u32 len)
{
	slot_read_pushes(s);
	return pcinet_sim_bar_read(s->hw, off, buf, len);
}

static inline int slot_bar_write(struct slot *s, u32 off, const void *buf,
				 u32 len)
{
	int err = pcinet_sim_bar_write(s->hw, off, buf, len);

	/* posted: in the board's RAM only after a read (3.5) */
	if (!err && len) {
		s->bar1_posted = true;
		s->bar1_last = (off + len - 1) & ~3u;
	}
	return err;
}

/* The host status word this daemon writes while it runs */
u32 slot_host_status(void);
/* IMR1 = our status, with PCINET_NET_STATUS_RUNNING while we hold the lease */
void slot_set_lease(struct slot *s, bool lease);

/* Open the slot's host side, the console, load as section 10.7 says */
int slot_start(struct slot *s, struct pcinet_sim_chassis *ch,
	       unsigned int num, const char *dir,
	       const struct slot_net_cfg *nc);
/* Orderly unload: IMR1 cleared, OMIMR masked, console closed */
void slot_stop(struct slot *s);
/* INTA fired */
void slot_irq(struct slot *s);
/* Periodic: watchdog status check, console timers */
void slot_tick(struct slot *s, u32 now);
/* Section 10.4; om1i: the board wrote its status */
void slot_status_check(struct slot *s, bool om1i);
/*
 * Host-initiated reset, section 10.8: detach, then RPR/RCR once the board
 * has let go of our memory or PCINET_DETACH_ACK_MS passed - from the loop,
 * so one slot's wait never holds up another. Returns true when a reset of
 * this slot was already pending: the request is merged into it (one reset).
 */
bool slot_reset(struct slot *s);
/* Unload, first half: detach, hold attaches; true while still detaching */
bool slot_release(struct slot *s);
/* The slot's row as a JSON object (no newline) */
int slot_json(struct slot *s, char *buf, size_t len);

#endif /* _PCINETD_SLOT_H */
