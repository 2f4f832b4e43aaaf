/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcinetd: the host side of one slot's message-unit console
 * (docs/protocol.md section 9), bridged to a pty.
 *
 * host -> board: bytes read from the pty master wait in txbuf and go out
 *   three at a time in IMR0 while we hold the token and the board's status
 *   has PCINET_UART_RX_ENABLED. The master is read only while txbuf has
 *   room: a board that does not ack holds back the writer of the pty.
 * board -> host: OMR0 messages land in rxbuf and are written to the pty
 *   master; the board gets its PCINET_DB_CONS_ACK only when rxbuf has room
 *   for a whole message, so a pty nobody drains holds back the board.
 *   If the pty takes nothing for PCINET_CONS_STALL_MS, rxbuf is dropped
 *   (counted) and acking goes on (section 9.2, receiver rule 5).
 */
#ifndef _PCINETD_CONSOLE_H
#define _PCINETD_CONSOLE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include <pcinet/pcinet_console.h>

#include "loop.h"

#define CONS_TXBUF	1024		/* bytes read from the pty, not yet sent */
#define CONS_RXBUF	4096		/* power of two: board bytes for the pty */
/*
 * A board console that (re)appears rings one bare ack at its start (9.3
 * step 5). Sending before that ack arrived would take it for the ack of our
 * first message and overwrite IMR0 under the board: hold input this long.
 */
#define CONS_SETTLE_MS	100
/*
 * Never queue more than this in the pty for its reader (TIOCINQ on our
 * slave fd): a tty whose input buffer ran full is throttled, and a pty
 * master is then barely woken again (bytes trickle at tick pace even once
 * a reader drains it). Above the limit, the tick retries.
 */
#define CONS_PTY_QUEUE	2048

struct slot;

struct console {
	int master;			/* pty master, open for our whole life */
	int slave;			/* our own slave fd: no EIO/HUP on master */
	char pts[64];			/* /dev/pts/N */
	char link[PATH_MAX];		/* DIR/slotNN/console */
	struct evsrc src;		/* EV_PTY on master */

	struct pcinet_cons_tx tx;
	struct pcinet_cons_rx rx;

	u8 txbuf[CONS_TXBUF];
	unsigned int tx_len;

	u8 rxbuf[CONS_RXBUF];
	u32 rx_head, rx_tail;		/* free running */
	bool ack_owed;			/* board message taken, ack not rung */
	bool settling;			/* board console just appeared */
	u32 settle_until;
	bool out_blocked;		/* last master write hit EAGAIN/limit */
	bool out_full;			/* blocked by CONS_PTY_QUEUE: no POLLOUT */
	u32 out_blocked_since;

	/* counters */
	uint64_t bytes_to_board;		/* sent in IMR0 */
	uint64_t bytes_from_board;		/* accepted from OMR0 */
	uint64_t bytes_to_pty;		/* written to the master */
	uint64_t tx_discarded;		/* typed while stalled with the buffer full,
					 * or held when the board reset (9.5) */
	uint64_t rx_dropped;			/* board output nobody read */
	uint64_t messages_in, messages_out;
	uint64_t stalls;
	uint64_t errors;			/* pty errors */
};

/* Make the pty and the symlink; 0 or -errno. Registers with the loop. */
int console_open(struct slot *s, const char *dir);
/* Remove the symlink, close the pty */
void console_close(struct slot *s);
/* Sender and receiver start over (host start, board reset observed) */
void console_restart(struct slot *s);
/* OM0I seen: W1C, read OMR0, accept, keep. ack: owe the board its ack */
void console_receive(struct slot *s);
/* The board's console began to accept input */
void console_board_appeared(struct slot *s);
/* PCINET_DB_CONS_ACK from the board */
void console_acked(struct slot *s);
/* Move what can move: send, ack, write the pty, set the pty interest */
void console_pump(struct slot *s);
/* Events on the pty master */
void console_pty_event(struct slot *s, uint32_t events);
/* Timers: the stall rule, a pty nobody reads */
void console_tick(struct slot *s, u32 now);

#endif /* _PCINETD_CONSOLE_H */
