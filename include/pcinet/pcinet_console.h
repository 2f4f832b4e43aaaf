/* SPDX-License-Identifier: GPL-2.0+ */
/*
 * PCINet console: the sender and receiver state of one direction of the
 * message-unit console, written once for every side. The caller does the
 * register accesses; these helpers decide what to send and what to keep.
 *
 *   sender:   if (pcinet_cons_tx_ready(&tx)) {
 *                     msg = pcinet_cons_tx_take(&tx, buf, n, now_ms);
 *                     write msg to IMR0 (host) / OMR0 (board);
 *             }
 *             on a PCINET_DB_CONS_ACK doorbell: pcinet_cons_tx_acked(&tx);
 *             now and then: pcinet_cons_tx_check_stall(&tx, now_ms);
 *   receiver: on IM0I/OM0I: clear the status bit (W1C), read the register,
 *             n = pcinet_cons_rx_accept(&rx, msg, bytes) (0: duplicate or
 *             invalid), store the bytes, ring PCINET_DB_CONS_ACK when there
 *             is room for another PCINET_CONS_MAX_BYTES.
 */
#ifndef _PCINET_CONSOLE_H
#define _PCINET_CONSOLE_H

#include "pcinet_proto.h"

struct pcinet_cons_tx {
	bool token;		/* we may write our message register */
	bool seq;		/* sequence bit of the next message */
	bool first;		/* next message is the first since init */
	bool stalled;		/* peer stopped acking: discard output */
	u32 sent_ms;		/* when the unacked message went out */
	u32 discarded;		/* bytes dropped while stalled or absent */
};

struct pcinet_cons_rx {
	bool have_last;		/* last_msg is meaningful */
	u32 last_msg;		/* the last message accepted */
	u32 duplicates;		/* messages ignored as repeats */
	u32 invalid;		/* messages with a count of 0 */
};

/* After a reset, a driver (re)load or an OS handoff: we hold the token */
static inline void pcinet_cons_tx_init(struct pcinet_cons_tx *tx)
{
	tx->token = true;
	tx->seq = false;
	tx->first = true;
	tx->stalled = false;
	tx->sent_ms = 0;
	tx->discarded = 0;
}

static inline void pcinet_cons_rx_init(struct pcinet_cons_rx *rx)
{
	rx->have_last = false;
	rx->last_msg = 0;
	rx->duplicates = 0;
	rx->invalid = 0;
}

static inline bool pcinet_cons_tx_ready(const struct pcinet_cons_tx *tx)
{
	return tx->token && !tx->stalled;
}

/* Encode up to 3 bytes of buf and give the token away; returns the message */
static inline u32 pcinet_cons_tx_take(struct pcinet_cons_tx *tx, const u8 *buf,
				      unsigned int len, u32 now_ms)
{
	u32 msg = pcinet_cons_encode(buf, len, tx->seq);

	if (tx->first)
		msg |= PCINET_CONS_FIRST;
	tx->first = false;
	tx->seq = !tx->seq;
	tx->token = false;
	tx->sent_ms = now_ms;
	return msg;
}

static inline void pcinet_cons_tx_acked(struct pcinet_cons_tx *tx)
{
	tx->token = true;
	tx->stalled = false;
}

/*
 * No ack for PCINET_CONS_STALL_MS: the peer's console is gone. Returns true
 * when the stall begins; output is then discarded (pcinet_cons_tx_discard)
 * until the peer writes its status again (pcinet_cons_tx_peer_back).
 */
static inline bool pcinet_cons_tx_check_stall(struct pcinet_cons_tx *tx,
					      u32 now_ms)
{
	if (tx->token || tx->stalled ||
	    (u32)(now_ms - tx->sent_ms) < PCINET_CONS_STALL_MS)
		return false;
	tx->stalled = true;
	return true;
}

static inline void pcinet_cons_tx_discard(struct pcinet_cons_tx *tx,
					  unsigned int len)
{
	tx->discarded += len;
}

/*
 * The peer wrote its status word (it came back, or reloaded). A stalled
 * sender takes the token again: the peer starts with its receiver empty.
 */
static inline void pcinet_cons_tx_peer_back(struct pcinet_cons_tx *tx)
{
	if (tx->stalled) {
		tx->stalled = false;
		tx->token = true;
		tx->first = true;
	}
}

/*
 * A message arrived: decode it into bytes (room for 3). Returns the byte
 * count to deliver, 0 for a duplicate or an invalid message (still ack it).
 * A message marked PCINET_CONS_FIRST starts a new sequence (the sender was
 * reset or reloaded) and is always taken: a sender never repeats a message,
 * and a restarted one may well start with the byte its predecessor ended on.
 * Any other message is a duplicate if its seq bit did not toggle.
 */
static inline unsigned int pcinet_cons_rx_accept(struct pcinet_cons_rx *rx,
						 u32 msg, u8 *bytes)
{
	unsigned int len;
	bool dup;

	dup = !pcinet_cons_first(msg) && rx->have_last &&
	      pcinet_cons_seq(msg) == pcinet_cons_seq(rx->last_msg);
	if (dup) {
		rx->duplicates++;
		return 0;
	}
	len = pcinet_cons_decode(msg, bytes);
	if (!len) {
		rx->invalid++;
		return 0;
	}
	rx->have_last = true;
	rx->last_msg = msg;
	return len;
}

#endif /* _PCINET_CONSOLE_H */
