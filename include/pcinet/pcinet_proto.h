/* SPDX-License-Identifier: GPL-2.0+ */
/*
 * PCINet protocol v1: layout, bits and messages shared by every side.
 *
 * docs/protocol.md is the normative text; this header is the same protocol
 * in C, and the only place where its numbers live. Everything that crosses
 * the bus is little-endian.
 *
 * Summary (see docs/protocol.md for the rules):
 *  - BAR0 = the board's IMMR, BAR1 = inbound window 0 onto the board's
 *    shared region (struct pcinet_ctrl, then the two descriptor rings).
 *  - The host *writes* descriptors (its buffer bus addresses) into the rings
 *    in board RAM; the board reads them locally, moves payload with its DMA
 *    controller through its outbound window, and *writes* completions into
 *    the host area in host memory, then rings the host.
 *  - Board status lives in OMR1 (a hardware reset clears it), host status in
 *    IMR1; the console uses IMR0/OMR0 and one doorbell bit per direction.
 */
#ifndef _PCINET_PROTO_H
#define _PCINET_PROTO_H

#include "pcinet_types.h"

/* "PNET" as a little-endian word: bytes 'P' 'N' 'E' 'T' in memory */
#define PCINET_MAGIC		0x54454E50
#define PCINET_VERSION_MAJOR	1
#define PCINET_VERSION_MINOR	0
#define PCINET_VERSION		((PCINET_VERSION_MAJOR << 16) | PCINET_VERSION_MINOR)
#define PCINET_VERSION_MAJOR_OF(v)	(((v) >> 16) & 0xFFFF)

/* PCI BARs of a board in agent mode */
#define PCINET_BAR_IMMR		0	/* 1 MiB IMMR, non-prefetchable */
#define PCINET_BAR_WINDOW	1	/* inbound window 0: shared region */

/*
 * Status words. The board's lives in OMR1, the host's in IMR1: writing one
 * interrupts the other side (OM1I / IM1I), and a board hardware reset
 * clears both, so "valid" can never outlive the board's software.
 *
 * Bits 3..0 keep the 2010 driver's meanings; bits 23..16 carry the writer's
 * protocol major version and bits 31..24 a signature, so that a status of 0
 * (reset value) or garbage is never mistaken for a live peer and a version
 * mismatch is seen before any memory is touched.
 */
#define PCINET_UART_RX_ENABLED		BIT(0)	/* console accepts input */
#define PCINET_NET_STATUS_RUNNING	BIT(1)	/* see below */
#define PCINET_NET_RXINT_OFF		BIT(2)	/* polling: no net doorbells */
#define PCINET_NET_REGISTERS_VALID	BIT(3)	/* board only: region valid */
#define PCINET_STATUS_FLAGS_MASK	0x0000000F
#define PCINET_STATUS_VERSION_SHIFT	16
#define PCINET_STATUS_VERSION_MASK	0x00FF0000
#define PCINET_STATUS_SIG_MASK		0xFF000000
#define PCINET_STATUS_SIG_BOARD		0x42000000	/* 'B' */
#define PCINET_STATUS_SIG_HOST		0x48000000	/* 'H' */

/*
 * NET_STATUS_RUNNING means, in the board's status: "I am attached to a host
 * area and may DMA into host memory"; in the host's status: "I am using the
 * board's shared region (and own a host area)". Each side may only stop
 * relying on the other's memory once the other has cleared its RUNNING bit
 * (or a timeout has passed): that is what makes stop and reload safe.
 */

/* Build a status word for the board or the host */
static inline u32 pcinet_status_make(u32 sig, u32 flags)
{
	return sig | ((u32)PCINET_VERSION_MAJOR << PCINET_STATUS_VERSION_SHIFT) |
	       (flags & PCINET_STATUS_FLAGS_MASK);
}

/* True if status carries sig (a live PCINet peer of that kind, any version) */
static inline bool pcinet_status_present(u32 status, u32 sig)
{
	return (status & PCINET_STATUS_SIG_MASK) == sig;
}

static inline u32 pcinet_status_version(u32 status)
{
	return (status & PCINET_STATUS_VERSION_MASK) >>
	       PCINET_STATUS_VERSION_SHIFT;
}

/* True if a peer's status is present and speaks our major version */
static inline bool pcinet_status_compatible(u32 status, u32 sig)
{
	return pcinet_status_present(status, sig) &&
	       pcinet_status_version(status) == PCINET_VERSION_MAJOR;
}

/* The board's shared region is usable by the host only while this holds */
static inline bool pcinet_board_valid(u32 board_status)
{
	return pcinet_status_compatible(board_status, PCINET_STATUS_SIG_BOARD) &&
	       (board_status & PCINET_NET_REGISTERS_VALID);
}

/*
 * Doorbells. Host -> board bits are set in IDR, board -> host bits in ODR.
 * Bit 31 of IDR is the machine-check doorbell: never used.
 */
#define PCINET_DB_CONS_ACK	BIT(0)	/* peer's console message taken */
#define PCINET_DB_NET_KICK	BIT(1)	/* ring indices moved, look */
#define PCINET_DB_ALL		(PCINET_DB_CONS_ACK | PCINET_DB_NET_KICK)

/* What a host's read of a board that does not answer returns (2.2, 10.4) */
#define PCINET_ALL_ONES		0xFFFFFFFFu

/*
 * Section 5 rule 4: a doorbell value the host read from ODR that it must
 * confirm before it takes it. All ones is what a board that no longer
 * answers reads as, and also what a board that set every bit holds; the
 * host then reads IMR1, and the value is the board's (clear it, act on the
 * defined bits) only if IMR1 still holds the host's last status word.
 * Leaving a board's all-ones ODR uncleared would wedge its doorbells until
 * reset: ODR is the host's to clear.
 */
static inline bool pcinet_db_needs_confirm(u32 db)
{
	return db == PCINET_ALL_ONES;
}

/* Bits a sender must not set (section 5): cleared, ignored, counted */
static inline u32 pcinet_db_reserved(u32 db)
{
	return db & ~(u32)PCINET_DB_ALL;
}

/*
 * Console messages: IMR0 (host -> board) and OMR0 (board -> host).
 *   bits  1..0  count of bytes, 1..3 (0 is not a message)
 *   bit   6     first message since the sender (re)started: accept any seq
 *   bit   7     sequence bit, toggles with every message a sender sends
 *   bits 15..8  byte 0, bits 23..16 byte 1, bits 31..24 byte 2
 * Flow: a sender writes its message register only when it holds the token;
 * writing gives the token away; the receiver clears the interrupt status
 * (W1C), reads the register, stores the bytes, and then - only when it has
 * room for the next message - rings PCINET_DB_CONS_ACK, which hands the token
 * back. See docs/protocol.md "Console".
 */
#define PCINET_CONS_MAX_BYTES	3
#define PCINET_CONS_COUNT_MASK	0x00000003
#define PCINET_CONS_FIRST	0x00000040
#define PCINET_CONS_SEQ		0x00000080
/* Sender without an ack for this long declares the peer's console stalled */
#define PCINET_CONS_STALL_MS	1000
/* Outgoing board software waits this long for its last console ack */
#define PCINET_CONS_HANDOFF_MS	100

static inline u32 pcinet_cons_encode(const u8 *buf, unsigned int len,
				     bool seq)
{
	u32 msg;
	unsigned int i;

	if (len > PCINET_CONS_MAX_BYTES)
		len = PCINET_CONS_MAX_BYTES;
	msg = len | (seq ? PCINET_CONS_SEQ : 0);
	for (i = 0; i < len; i++)
		msg |= (u32)buf[i] << (8 + 8 * i);
	return msg;
}

/* Decode msg into buf (room for 3); returns the byte count, 0 if invalid */
static inline unsigned int pcinet_cons_decode(u32 msg, u8 *buf)
{
	unsigned int len = msg & PCINET_CONS_COUNT_MASK;
	unsigned int i;

	for (i = 0; i < len; i++)
		buf[i] = (u8)(msg >> (8 + 8 * i));
	return len;
}

static inline bool pcinet_cons_seq(u32 msg)
{
	return msg & PCINET_CONS_SEQ;
}

static inline bool pcinet_cons_first(u32 msg)
{
	return msg & PCINET_CONS_FIRST;
}

/*
 * The shared region at the start of the inbound window (BAR1).
 *
 * The board writes everything in the "board" part before it sets
 * NET_REGISTERS_VALID, and never changes it while valid. The host reads the
 * control block once per attach (a slow read across PCI, not on the fast
 * path) and from then on only writes: the "host" part and ring descriptors.
 */
#define PCINET_CTRL_SIZE	256
#define PCINET_REGION_ALIGN	4096	/* default layout: rings page-aligned */
#define PCINET_MIN_WINDOW	0x10000	/* 64 KiB */
#define PCINET_MAX_RING		4096	/* entries per ring */
#define PCINET_MIN_RING		2
#define PCINET_FRAME_MIN	60	/* Ethernet minimum without FCS */
#define PCINET_FRAME_MAX_V1	9216	/* largest max_frame a v1 peer uses */

/* features bits, board -> host (features) and host -> board (host_features) */
#define PCINET_FEAT_NONE	0
#define PCINET_HFEAT_NONE	0

struct pcinet_ctrl {
	/* board part: offset 0x00, written by the board while invalid */
	__le32 magic;		/* PCINET_MAGIC */
	__le32 version;		/* PCINET_VERSION */
	__le32 ctrl_size;	/* sizeof(struct pcinet_ctrl) */
	__le32 window_size;	/* bytes of the window, power of two */
	__le32 h2b_ring_off;	/* host -> board descriptor ring, offset */
	__le32 h2b_ring_len;	/* entries, power of two */
	__le32 b2h_ring_off;	/* board -> host descriptor ring, offset */
	__le32 b2h_ring_len;	/* entries, power of two */
	__le32 max_frame;	/* largest frame either way, bytes */
	__le32 features;	/* PCINET_FEAT_* */
	__le32 generation;	/* +1 at every (re)initialisation, never 0 */
	__le32 mac_lo;		/* board MAC bytes 0..3 */
	__le32 mac_hi;		/* board MAC bytes 4..5 in bits 15..0 */
	__le32 dma_base_lo;	/* first PCI address the board's DMA reaches */
	__le32 dma_base_hi;	/* (its outbound window), high word */
	__le32 dma_size;	/* bytes the window spans, power of two */
	__le32 board_reserved[16];

	/* host part: offset 0x80, written by the host, read by the board */
	__le32 host_magic;	/* PCINET_MAGIC once the host attached */
	__le32 host_version;	/* PCINET_VERSION of the host */
	__le32 host_area_lo;	/* PCI bus address of the host area */
	__le32 host_area_hi;	/* must be 0 on a 32-bit bus */
	__le32 host_area_size;	/* bytes */
	__le32 generation_ack;	/* copy of generation this attach is for */
	__le32 host_features;	/* PCINET_HFEAT_*, host -> board */
	__le32 host_reserved[9];

	/* producer indices, host-written: offset 0xC0, own cache line */
	__le32 h2b_prod;	/* frames posted on the h2b ring, free-running */
	__le32 b2h_prod;	/* buffers posted on the b2h ring, free-running */
	__le32 prod_reserved[14];
};

/*
 * Section 6.7, written once for every board: the generation to publish at
 * this initialisation of the region. last is what this software stage
 * published before (0: nothing yet). When the region still holds a control
 * block (an earlier stage, or this one before a reset: board RAM survives
 * it), its generation counts too, so the new one differs from anything the
 * host may have seen; never 0, which a zeroed host area holds. The caller
 * reads c first (after a cache invalidate where its CPU needs one).
 */
static inline u32 pcinet_next_generation(const struct pcinet_ctrl *c,
					 u32 last)
{
	u32 gen = last;

	if (le32_to_cpu(c->magic) == PCINET_MAGIC &&
	    le32_to_cpu(c->generation) > gen)
		gen = le32_to_cpu(c->generation);
	return gen + 1 ? gen + 1 : 1;
}

/* Offsets of the fields by hand, for the documentation and the tests */
#define PCINET_CTRL_OFF_HOST		0x80
#define PCINET_CTRL_OFF_H2B_PROD	0xC0
#define PCINET_CTRL_OFF_B2H_PROD	0xC4

/*
 * A ring descriptor, written by the host into board RAM. On the h2b ring it
 * describes a frame waiting in host memory; on the b2h ring an empty host
 * buffer for the board to fill.
 */
struct pcinet_desc {
	__le32 addr_lo;		/* PCI bus address of the host buffer */
	__le32 addr_hi;		/* must be 0 on a 32-bit bus */
	__le32 len;		/* h2b: frame bytes; b2h: buffer bytes */
	__le32 flags;		/* must be 0 in v1 */
};

#define PCINET_DESC_SIZE	16

/*
 * The host area, in host memory, written only by the board (through its
 * outbound window, preferably by the same DMA chain that moved the payload
 * so it lands after it), read by the host from its own memory.
 */
struct pcinet_cmpl {
	__le32 len;		/* bytes written into the b2h buffer */
	__le32 flags;		/* PCINET_CMPL_* */
};

#define PCINET_CMPL_SIZE	8
#define PCINET_CMPL_ERR		BIT(0)	/* frame dropped, len 0 */

struct pcinet_host_area {
	__le32 h2b_cons;	/* h2b descriptors done, free-running */
	__le32 b2h_done;	/* b2h completions written, free-running */
	__le32 generation;	/* board generation these indices belong to */
	__le32 reserved[13];
	struct pcinet_cmpl b2h_cmpl[];	/* b2h_ring_len entries */
};

#define PCINET_HOST_AREA_HDR	64

static inline u32 pcinet_host_area_size(u32 b2h_ring_len)
{
	return PCINET_HOST_AREA_HDR + b2h_ring_len * PCINET_CMPL_SIZE;
}

/* Timeouts of the handshake (docs/protocol.md "Registers-valid handshake") */
#define PCINET_STOP_ACK_MS	100	/* board waits for host RUNNING clear */
#define PCINET_DETACH_ACK_MS	100	/* host waits for board RUNNING clear */
#define PCINET_HOST_POLL_MS	250	/* host watchdog read of board status */

/* Layout problems the host reports when it refuses a board */
enum pcinet_layout_err {
	PCINET_LAYOUT_OK = 0,
	PCINET_LAYOUT_BAD_MAGIC,
	PCINET_LAYOUT_BAD_VERSION,
	PCINET_LAYOUT_BAD_CTRL_SIZE,
	PCINET_LAYOUT_BAD_WINDOW,
	PCINET_LAYOUT_BAD_RING,
	PCINET_LAYOUT_RING_OVERLAP,
	PCINET_LAYOUT_BAD_FRAME,
	PCINET_LAYOUT_BAD_DMA_WINDOW,
	PCINET_LAYOUT_BAD_GENERATION,
};

static inline const char *pcinet_layout_strerror(enum pcinet_layout_err e)
{
	switch (e) {
	case PCINET_LAYOUT_OK:
		return "ok";
	case PCINET_LAYOUT_BAD_MAGIC:
		return "bad magic";
	case PCINET_LAYOUT_BAD_VERSION:
		return "unsupported protocol version";
	case PCINET_LAYOUT_BAD_CTRL_SIZE:
		return "bad control block size";
	case PCINET_LAYOUT_BAD_WINDOW:
		return "window size not a power of two, under 64 KiB or over the BAR";
	case PCINET_LAYOUT_BAD_RING:
		return "ring outside the window, misaligned or not a power of two";
	case PCINET_LAYOUT_RING_OVERLAP:
		return "rings overlap each other";
	case PCINET_LAYOUT_BAD_FRAME:
		return "bad max_frame";
	case PCINET_LAYOUT_BAD_DMA_WINDOW:
		return "DMA window empty, not a power of two or past 2^64";
	case PCINET_LAYOUT_BAD_GENERATION:
		return "generation 0";
	}
	return "unknown";
}

static inline bool pcinet_is_pow2(u32 v)
{
	return v && !(v & (v - 1));
}

/* Byte range [off, off + len) of a ring inside a window of win bytes? */
static inline bool pcinet_ring_fits(u32 off, u32 entries, u32 win)
{
	u64 end = (u64)off + (u64)entries * PCINET_DESC_SIZE;

	return pcinet_is_pow2(entries) && entries >= PCINET_MIN_RING &&
	       entries <= PCINET_MAX_RING && !(off % PCINET_DESC_SIZE) &&
	       off >= PCINET_CTRL_SIZE && end <= win;
}

/*
 * Check a control block the host has copied out of the window (bar_size is
 * the BAR1 size the host mapped). Every value a board wrote is distrusted.
 */
static inline enum pcinet_layout_err
pcinet_ctrl_check(const struct pcinet_ctrl *c, u32 bar_size)
{
	u32 win = le32_to_cpu(c->window_size);
	u32 h_off = le32_to_cpu(c->h2b_ring_off);
	u32 h_len = le32_to_cpu(c->h2b_ring_len);
	u32 b_off = le32_to_cpu(c->b2h_ring_off);
	u32 b_len = le32_to_cpu(c->b2h_ring_len);
	u32 frame = le32_to_cpu(c->max_frame);
	u32 dma_size = le32_to_cpu(c->dma_size);
	u64 dma_base = ((u64)le32_to_cpu(c->dma_base_hi) << 32) |
		       le32_to_cpu(c->dma_base_lo);

	if (le32_to_cpu(c->magic) != PCINET_MAGIC)
		return PCINET_LAYOUT_BAD_MAGIC;
	if (PCINET_VERSION_MAJOR_OF(le32_to_cpu(c->version)) !=
	    PCINET_VERSION_MAJOR)
		return PCINET_LAYOUT_BAD_VERSION;
	if (le32_to_cpu(c->ctrl_size) != PCINET_CTRL_SIZE)
		return PCINET_LAYOUT_BAD_CTRL_SIZE;
	if (!pcinet_is_pow2(win) || win < PCINET_MIN_WINDOW || win > bar_size)
		return PCINET_LAYOUT_BAD_WINDOW;
	if (!pcinet_ring_fits(h_off, h_len, win) ||
	    !pcinet_ring_fits(b_off, b_len, win))
		return PCINET_LAYOUT_BAD_RING;
	if (h_off < b_off ? (u64)h_off + (u64)h_len * PCINET_DESC_SIZE > b_off :
			    (u64)b_off + (u64)b_len * PCINET_DESC_SIZE > h_off)
		return PCINET_LAYOUT_RING_OVERLAP;
	if (frame < PCINET_FRAME_MIN || frame > PCINET_FRAME_MAX_V1)
		return PCINET_LAYOUT_BAD_FRAME;
	if (!pcinet_is_pow2(dma_size) || dma_base + dma_size - 1 < dma_base)
		return PCINET_LAYOUT_BAD_DMA_WINDOW;
	if (!le32_to_cpu(c->generation))
		return PCINET_LAYOUT_BAD_GENERATION;
	return PCINET_LAYOUT_OK;
}

#endif /* _PCINET_PROTO_H */
