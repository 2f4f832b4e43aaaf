/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The registers-valid handshake (docs/protocol.md 10, 10.11) as a model the
 * explorer (explore.c) walks exhaustively: one host (host.c, the real
 * include/pcinet/pcinet_host_sm.h and the caller around it), one board
 * (board.c, protocol.md 10.2 in its U-Boot and Linux flavours), the status
 * registers between them, the board's shared region (BAR1) and the host's
 * memory, all in one small state (struct vs) that is hashed as bytes.
 *
 * Generations and status words are kept as small codes; every field is a
 * byte so that a state is compared and hashed with memcmp()/FNV.
 */
#ifndef _PCINET_VERIFY_MODEL_H
#define _PCINET_VERIFY_MODEL_H

#include <pcinet/pcinet_proto.h>

/* Generation codes: 0 is 0, GEN_ONES is 0xFFFFFFFF (a copy of a dead BAR1) */
#define GEN_ONES	0xFF
#define GEN_LIMIT	16	/* codes 1..GEN_LIMIT exist; canon() keeps <= gmax */

/*
 * Status word codes: kind in bits 7..4, the four flag bits of protocol.md 4
 * in bits 3..0. The kinds are the words either side writes (and what a read
 * of a board whose configuration space is lost returns).
 */
enum st_kind {
	SK_ZERO,	/* 0: reset value, no PCINet software */
	SK_BOARD,	/* 'B', major 1 */
	SK_FOREIGN,	/* 'B', another major (a firmware we do not speak) */
	SK_HOST,	/* 'H', major 1 */
	SK_ONES,	/* 0xFFFFFFFF */
};

#define SC(kind, flags)	((u8)((kind) << 4 | (flags)))
#define SC_KIND(c)	((c) >> 4)
#define SC_FLAGS(c)	((c) & PCINET_STATUS_FLAGS_MASK)

u32 st_word(u8 code);
u8 st_code(u32 word);	/* aborts on a word the model never makes */

/* The host caller's program counter (protocol.md 10.4 around the machine) */
enum host_pc {
	PC_IDLE,	/* no status check under way */
	PC_DRAIN,	/* taking ->act, the machine's next action */
	PC_RESET_DRAIN,	/* the same, after pcinet_host_sm_reset() (10.4 3a-b) */
	PC_RESET_IMR1,	/* 10.4 3c-d: restore config space, write IMR1 */
	PC_REREAD,	/* 10.4 3f: a fresh read of OMR1, then the table */
};

/* struct vs .hf: the host caller */
#define HF_CARRIER	BIT(0)	/* data path on (ATTACH ok .. STOP) */
#define HF_BUFS		BIT(1)	/* host area, b2h buffers, h2b frames live */
#define HF_IFUP		BIT(2)	/* interface up: may_attach */
#define HF_SEEN_INVALID	BIT(3)	/* read OMR1 not valid since the lease */
#define HF_LOGGED	BIT(4)	/* logged "incompatible" in this stretch */
#define HF_LAST_RUN	BIT(5)	/* the last IMR1 we wrote had RUNNING */

/* struct vs .hg: what the host did that a property looks back at */
#define HG_LOOKED	BIT(0)	/* REFUSED: looked again since the last OM1I */
#define HG_UNANSWERED	BIT(1)	/* a BAR1 read went unanswered in this check */
#define HG_LET_GO	BIT(2)	/* told to let go: broken(), release() */

/* struct vs .sm_bits: the booleans of struct pcinet_host_sm */
#define SB_OM1I		BIT(0)
#define SB_MAY_ATTACH	BIT(1)
#define SB_RUNNING_SEEN	BIT(2)
#define SB_REFUSING	BIT(3)
#define SB_LEASE	BIT(4)
#define SB_RXINT_OFF	BIT(5)
#define SB_EVALUATE	BIT(6)
#define SB_LOOK_MISSED	BIT(7)

/* struct vs .rf: the message unit and PCI */
#define RF_OM1I		BIT(0)	/* the board wrote OMR1 since the host's check */
#define RF_CFG_LOST	BIT(1)	/* reset; the host has not restored config space */
#define RF_KICK		BIT(2)	/* PCINET_DB_NET_KICK pending in IDR */

/* The board (protocol.md 10.2) */
enum board_state {
	BS_OFF,		/* reset, OMR1 = 0 */
	BS_IDLE,	/* status present, VALID clear */
	BS_VALID,	/* region initialised, not attached */
	BS_ACCEPTED,	/* host part accepted; header write, then RUNNING */
	BS_ATTACHED,	/* RUNNING set */
	BS_STOPPING,	/* VALID clear, waiting for the host's lease to end */
};

enum board_sw {
	SW_NONE,	/* nothing runs yet (OFF) */
	SW_UBOOT,
	SW_LINUX,	/* after the OS handoff */
	SW_FOREIGN,	/* a firmware speaking another major */
};

/* struct vs .bf */
#define BF_FRESH	BIT(0)	/* ATTACHED, IMR1 not read again since RUNNING */
#define BF_RXOFF	BIT(1)	/* our OMR1 has PCINET_NET_RXINT_OFF: we poll */
#define BF_SERVED	BIT(2)	/* ATTACHED: indices written since the accept */

/* What the host part in the region, and the board's attach, belong to */
enum part_owner {
	PO_NONE,
	PO_CUR,		/* the host's current attach (its memory per HF_BUFS) */
	PO_STALE,	/* an earlier attach of the host, since re-initialised */
	PO_DEAD,	/* an attach of a host that crashed (10.7): leaked */
};

/* struct vs .fr: frames in flight, one per direction */
#define FR_H2B		BIT(0)	/* a host frame posted in the region's ring */
#define FR_H2B_LOST	BIT(1)	/* ... which the host counted lost (RECLAIM) */
#define FR_CMPL		BIT(2)	/* a b2h completion in the host area */

struct vs {
	/* the host's machine: struct pcinet_host_sm without its counters */
	u8 sm_state, sm_need, sm_why, sm_rounds, sm_len, sm_bits;
	u8 sm_queue[8];		/* sm_len actions, the next first */
	u8 sm_board;		/* status code */
	u8 sm_gen;		/* generation code */
	/* the caller around it */
	u8 pc, act, chk_om1i, hf, hg;
	u8 ref_gen;		/* the generation the host refused, 0 none */
	u8 last_read;		/* status code of the host's last OMR1 read */
	/* registers */
	u8 omr1, imr1, rf;
	/* board */
	u8 bst, sw, bf, b_last, b_acc;
	/* the region (board RAM: survives a reset) */
	u8 r_magic, r_gen, hp_owner, hp_ack;
	u8 hp_lease;		/* -f 1: the host part is of the lease IMR1 holds */
	/* frames */
	u8 fr, h2b_gen, cmpl_gen;
};

/* Who moves, and whether the move is the system's own or the world's */
enum who { WHO_HOST, WHO_BOARD };
enum kind {
	K_PROGRESS,	/* the protocol at work: a fair scheduler runs these */
	K_TRAFFIC,	/* frames offered, a poll mode switched */
	K_ENV,		/* resets, stops, handoffs, refusals, interface down */
};

/* Explorer options that change the model */
struct model_opts {
	bool stop_timeout;	/* the board leaves STOPPING after 100 ms (10.1 6) */
	unsigned long long late;	/* -t: BAR1 accesses into a re-used region */
	bool selftest;		/* a host caller that ignores WAIT: must fail */
	bool fix_f1;		/* finding F1's fix: a host part names its lease */
	bool no_crash;		/* -c: the host does not crash */
	unsigned int gmax;	/* generation codes kept (spread of generations) */
};

extern struct model_opts mopt;
extern const char *verify_header;	/* which pcinet_host_sm.h */

/* A successor: emitted by the step functions */
void emit(const struct vs *n, enum who who, enum kind kind,
	  const char *label, const char *violation);

void host_init(struct vs *s);
void host_steps(const struct vs *s);
void board_steps(const struct vs *s);
const char *host_describe(const struct vs *s, char *buf, size_t len);
bool host_attached(const struct vs *s);
bool host_refusing(const struct vs *s, u8 gen);
const char *act_name(u8 act);

/* Board model helpers the host side uses */
bool board_region_in_use(const struct vs *s);
u32 gen_word(u8 code);
u8 gen_code(u32 gen);

#endif /* _PCINET_VERIFY_MODEL_H */
