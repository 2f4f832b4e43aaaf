/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcinet-sim-board's state, shared by its console part (pcinet_sim_board.c)
 * and its network part (board_net.c).
 */
#ifndef _PCINET_SIM_BOARD_H
#define _PCINET_SIM_BOARD_H

#include "pcinet_sim.h"
#include <pcinet/mpc83xx.h>
#include <pcinet/pcinet_console.h>
#include <pcinet/pcinet_ring.h>

#define OUTBOUND_LOCAL	0x80000000u	/* outbound window 0, local side */
#define OUTBOUND_PCI	0x00000000u	/* ... and where it lands on PCI */
#define OUTBOUND_SIZE	0x40000000u	/* 1 GiB */
#define OUT_QUEUE	65536		/* console output buffer, bytes */
#define NET_BUFS	32		/* private frame buffers */
#define NET_BUF_SIZE	2048

struct board_net {
	bool attached;			/* serving a host area */
	struct pcinet_ctrl *ctrl;	/* our shared region, local */
	struct pcinet_desc *h2b, *b2h;	/* the rings in it */
	u32 h2b_len, b2h_len, max_frame;
	u32 h2b_cons, b2h_done;		/* our free-running counters */
	u64 host_area;			/* bus address the host gave us */
	struct pcinet_window win;	/* PCI range outbound window 0 reaches */
	u32 bufs_local;			/* local address of the frame buffers */
	u32 staging_local;		/* DMA descriptors and records */
	u32 pend_buf[NET_BUFS], pend_len[NET_BUFS];
	u32 pend_head, pend_tail;	/* frames waiting to go back */
	u32 frames_in, frames_out, dropped, errors;
	u32 refused_generation;		/* attach refused, logged once */
};

/*
 * A rogue board breaks the protocol on purpose, so tests can prove the host
 * contains it (console command `rogue MODE`).
 */
enum rogue_mode {
	ROGUE_OFF,
	ROGUE_LAYOUT,	/* publish a control block pcinet_ctrl_check() refuses */
	ROGUE_CONS,	/* h2b_cons past what the host posted */
	ROGUE_DONE,	/* b2h_done past what the host posted */
	ROGUE_CMPL,	/* a completion longer than max_frame */
	ROGUE_FLAGS,	/* a completion with reserved flags */
	ROGUE_SPRAY,	/* random words all over the host area, every poll */
	ROGUE_STUCK,	/* never lets go: stays RUNNING after the host detaches */
	ROGUE_WINDOW,	/* closes its inbound window, then completes a buffer
			 * with ERR: the host's repost of it master-aborts */
	ROGUE_MODES
};

extern const char *const rogue_names[ROGUE_MODES];

struct board {
	struct pcinet_sim_chassis *ch;
	struct pcinet_sim_slot *s;
	struct pcinet_sim_config cfg;
	unsigned int slot;
	u32 status;			/* what we last wrote to OMR1 */
	u32 host_status;		/* IMR1 as last read */
	u32 generation;
	struct pcinet_cons_tx tx;
	struct pcinet_cons_rx rx;
	u8 out[OUT_QUEUE];
	unsigned int out_head, out_tail;	/* free-running */
	char line[128];
	unsigned int line_len;
	bool ack_owed;			/* host message taken, ack deferred */
	enum rogue_mode rogue;
	u32 rogue_seed;
	bool rogue_done;		/* a once-only rogue act happened */
	struct board_net net;
};

u32 now_ms(void);
void set_status(struct board *b, u32 flags);
void out_str(struct board *b, const char *text);

void board_net_publish(struct board *b);
void board_net_withdraw(struct board *b);
/* console `dma BUS LEN`: a board DMA into host memory, for tests */
void board_dma_test(struct board *b, const char *args);
void board_net_service(struct board *b);

#endif /* _PCINET_SIM_BOARD_H */
