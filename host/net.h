/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcinetd: the network side of one slot - the host state machine of
 * docs/protocol.md section 10.3 from IDLE on (attach, lease, detach,
 * reclaim, REFUSED) and the data path of section 8 between the board's
 * rings and the slot's TAP device.
 *
 * Memory: each slot owns a fixed share of the chassis' host memory (the
 * user-space host's DMA memory provider): the host area first, then the b2h
 * receive buffers, then the h2b transmit buffers, all inside the DMA window
 * the board publishes (checked at every attach).
 *
 * Everything the board wrote (control block, indices, completions) is
 * checked before use; a board that fails a check is detached and refused
 * for that generation (section 8.6), counted in its slot, and nothing else
 * notices.
 */
#ifndef _PCINETD_NET_H
#define _PCINETD_NET_H

#include <stdbool.h>
#include <stdint.h>

#include <pcinet/pcinet_host_sm.h>
#include <pcinet/pcinet_proto.h>
#include <pcinet/pcinet_ring.h>

#include "loop.h"
#include "tap.h"

#define NET_MAX_BUFS	256	/* per direction, a power of two */
#define NET_BATCH	32	/* frames per index write */
#define NET_LINK_SETTLE_MS	2	/* after IFF_RUNNING: the queue is started */
#define NET_LINK_WAIT_MS	200	/* then deliver anyway (board waits 500) */

struct slot;

struct net {
	bool enabled;			/* --subnet: this slot has a TAP */
	bool hold;			/* no attach: a reset or unload is coming */
	char ifname[TAP_NAME_MAX];	/* pcinet<N> */
	u32 host_addr;			/* A.B.N.1, host byte order */
	int tap;			/* TAP fd, -1 without */
	bool is_tap;			/* else a socket (net_use_fd) */
	struct evsrc src;		/* EV_TAP */
	bool carrier;
	bool link_waiting;		/* carrier on, kernel link not yet up */
	u32 carrier_on_ms;		/* when the carrier went on */
	u32 running_seen_ms;		/* when IFF_RUNNING was first seen */
	bool running_seen;
	unsigned int mtu;

	/* this slot's share of host memory */
	u8 *mem;
	u64 mem_bus;
	u32 mem_size;

	/* the attach (valid from ATTACHED until reclaim) */
	u32 logged_generation;		/* a refusal is logged once per G */
	u32 h2b_off, h2b_len, b2h_off, b2h_len, max_frame;
	u32 buf_size;			/* each buffer, >= max_frame */
	u32 n_rx, n_tx;			/* buffers in use, powers of two */
	u8 *area;			/* host area (local view) */
	u64 area_bus;
	u32 area_size;
	u8 *rx, *tx;			/* buffers (local view) */
	u64 rx_bus, tx_bus;
	u32 h2b_prod, h2b_cons_seen;	/* free running, section 8.2 */
	u32 b2h_prod, b2h_done_seen;	/* b2h_consumed == b2h_done_seen */
	u32 wait_since;			/* DETACHING, CLEARING: timer start */
	bool wait_logged;

	/* counters */
	uint64_t misbehaved;		/* attaches etc.: the state machine's */
	uint64_t tx_frames, tx_bytes;	/* host -> board, posted */
	uint64_t tx_dropped;		/* no link, or too long */
	uint64_t tx_lost;		/* posted, never taken: reclaimed */
	uint64_t rx_frames, rx_bytes;	/* board -> host, delivered */
	uint64_t rx_errors;		/* completions with PCINET_CMPL_ERR */
	uint64_t rx_dropped;		/* the TAP did not take it */
	uint64_t carrier_changes;
	uint64_t link_waits_ms;		/* board frames held for the kernel link */
	char last_error[160];		/* why the last detach/refusal */
};

/*
 * Slots whose carrier went on and whose kernel link is not up yet: the
 * daemon then looks every millisecond (net_link_poll), not every tick.
 */
extern unsigned int net_links_waiting;

/*
 * Prepare the slot's network: its memory share; with ifname, its TAP with
 * host address addr/24 (carrier off). 0 or -errno.
 */
int net_open(struct slot *s, u8 *mem, u64 mem_bus, u32 mem_size,
	     const char *ifname, u32 addr);
void net_close(struct slot *s);
/*
 * Serve frames on fd, a SOCK_SEQPACKET socket, instead of a TAP (no
 * carrier to set): the fuzz harness drives the data path through it.
 */
int net_use_fd(struct slot *s, int fd);

/*
 * Section 10.3: the board's status b, read by the status check; om1i: the
 * board wrote it (REFUSED looks again only then). Runs s->sm.
 */
void net_status(struct slot *s, u32 b, bool om1i);
/* A slot waiting for its kernel link: look again, deliver once it is up */
void net_link_poll(struct slot *s);
/* Section 10.4 step 3: the board was reset; everything it had is gone */
void net_reset_observed(struct slot *s);
/*
 * Before a host-initiated reset or unload (10.7, 10.8): detach if attached.
 * True while the board may still write our memory (DETACHING): the caller
 * waits for that without blocking the other slots. Set net.hold to keep a
 * slot from attaching meanwhile.
 */
bool net_release(struct slot *s);
/* PCINET_DB_NET_KICK from the board, or a poll: the rings moved */
void net_kick(struct slot *s);
/* Events on the TAP fd */
void net_tap_event(struct slot *s, uint32_t events);
/* Timers: DETACHING/CLEARING patience, the poll */
void net_tick(struct slot *s, u32 now);
/* The slot's network fields for its JSON row (no braces); bytes written */
int net_json(struct slot *s, char *buf, size_t len);

#endif /* _PCINETD_NET_H */
