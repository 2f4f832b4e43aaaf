/* SPDX-License-Identifier: GPL-2.0+ */
/*
 * PCINet ring logic, written once for every side.
 *
 * Indices are free-running 32-bit counters: a producer only increments its
 * own counter, a consumer only its own, and the slot is index & (size - 1)
 * with size a power of two. "Used" is prod - cons in modulo-2^32 arithmetic,
 * so wrap-around needs no special case.
 *
 * Every index or descriptor that the other side wrote is checked against
 * what this side knows before it is used: a misbehaving peer can make a
 * link fail, never make us read or write out of bounds.
 */
#ifndef _PCINET_RING_H
#define _PCINET_RING_H

#include "pcinet_proto.h"

static inline u32 pcinet_ring_slot(u32 index, u32 size)
{
	return index & (size - 1);
}

static inline u32 pcinet_ring_used(u32 prod, u32 cons)
{
	return prod - cons;
}

static inline u32 pcinet_ring_space(u32 prod, u32 cons, u32 size)
{
	return size - (prod - cons);
}

/*
 * A peer moved its counter from old to now; it may only move forward and
 * never past limit (what it is allowed to reach). All three are free-running.
 */
static inline bool pcinet_ring_advance_ok(u32 old, u32 now, u32 limit)
{
	return now - old <= limit - old;
}

/* Board: is the host's producer index plausible for a ring of size? */
static inline bool pcinet_ring_prod_ok(u32 prod, u32 cons, u32 size)
{
	return prod - cons <= size;
}

/*
 * A PCI address range as seen from the board's outbound window: the host
 * may only hand out buffers the board can reach, and the board checks.
 */
struct pcinet_window {
	u64 pci_base;	/* first PCI bus address the window reaches */
	u64 size;	/* bytes */
};

static inline bool pcinet_window_contains(const struct pcinet_window *w,
					  u64 addr, u64 len)
{
	return len <= w->size && addr >= w->pci_base &&
	       addr - w->pci_base <= w->size - len;
}

enum pcinet_desc_err {
	PCINET_DESC_OK = 0,
	PCINET_DESC_BAD_FLAGS,
	PCINET_DESC_BAD_LEN,
	PCINET_DESC_OUTSIDE_WINDOW,
};

static inline const char *pcinet_desc_strerror(enum pcinet_desc_err e)
{
	switch (e) {
	case PCINET_DESC_OK:
		return "ok";
	case PCINET_DESC_BAD_FLAGS:
		return "reserved flags set";
	case PCINET_DESC_BAD_LEN:
		return "bad length";
	case PCINET_DESC_OUTSIDE_WINDOW:
		return "buffer outside the outbound window";
	}
	return "unknown";
}

static inline u64 pcinet_desc_addr(const struct pcinet_desc *d)
{
	return ((u64)le32_to_cpu(d->addr_hi) << 32) | le32_to_cpu(d->addr_lo);
}

static inline void pcinet_desc_set(struct pcinet_desc *d, u64 addr, u32 len)
{
	d->addr_lo = cpu_to_le32((u32)addr);
	d->addr_hi = cpu_to_le32((u32)(addr >> 32));
	d->len = cpu_to_le32(len);
	d->flags = cpu_to_le32(0);
}

/*
 * Board: check a descriptor the host wrote (copied into local memory first,
 * so it cannot change between check and use). An h2b descriptor carries a
 * frame of 1..max_frame bytes; a b2h descriptor a buffer of at least
 * PCINET_FRAME_MIN bytes (a frame longer than the buffer is completed with
 * PCINET_CMPL_ERR, not truncated).
 */
static inline enum pcinet_desc_err
pcinet_desc_check(const struct pcinet_desc *d, bool h2b, u32 max_frame,
		  const struct pcinet_window *win)
{
	u32 len = le32_to_cpu(d->len);

	if (le32_to_cpu(d->flags))
		return PCINET_DESC_BAD_FLAGS;
	if (h2b ? (len == 0 || len > max_frame) : len < PCINET_FRAME_MIN)
		return PCINET_DESC_BAD_LEN;
	if (!pcinet_window_contains(win, pcinet_desc_addr(d), len))
		return PCINET_DESC_OUTSIDE_WINDOW;
	return PCINET_DESC_OK;
}

/* Host: the board's DMA window as it published it */
static inline void pcinet_ctrl_dma_window(const struct pcinet_ctrl *c,
					  struct pcinet_window *w)
{
	w->pci_base = ((u64)le32_to_cpu(c->dma_base_hi) << 32) |
		      le32_to_cpu(c->dma_base_lo);
	w->size = le32_to_cpu(c->dma_size);
}

/* Board: check the host area the host announced in the control block */
static inline bool pcinet_host_area_ok(u64 addr, u32 size, u32 b2h_ring_len,
				       const struct pcinet_window *win)
{
	return !(addr & 63) && size >= pcinet_host_area_size(b2h_ring_len) &&
	       pcinet_window_contains(win, addr, size);
}

/* Host: check a completion the board wrote for a buffer of buf_len bytes */
static inline bool pcinet_cmpl_ok(const struct pcinet_cmpl *c, u32 buf_len)
{
	u32 flags = le32_to_cpu(c->flags);
	u32 len = le32_to_cpu(c->len);

	if (flags & ~PCINET_CMPL_ERR)
		return false;
	if (flags & PCINET_CMPL_ERR)
		return len == 0;
	return len >= 1 && len <= buf_len;
}

static inline void pcinet_mac_pack(const u8 *mac, __le32 *lo, __le32 *hi)
{
	*lo = cpu_to_le32((u32)mac[0] | (u32)mac[1] << 8 |
			  (u32)mac[2] << 16 | (u32)mac[3] << 24);
	*hi = cpu_to_le32((u32)mac[4] | (u32)mac[5] << 8);
}

static inline void pcinet_mac_unpack(__le32 lo, __le32 hi, u8 *mac)
{
	u32 l = le32_to_cpu(lo), h = le32_to_cpu(hi);

	mac[0] = (u8)l;
	mac[1] = (u8)(l >> 8);
	mac[2] = (u8)(l >> 16);
	mac[3] = (u8)(l >> 24);
	mac[4] = (u8)h;
	mac[5] = (u8)(h >> 8);
}

/*
 * The default layout a board publishes for a window of win bytes: control
 * block, then the h2b ring, then the b2h ring, each ring page-aligned; dma
 * is the PCI range its outbound window reaches (so the host can check it
 * hands out only buffers the board can reach; at most 2 GiB in v1).
 * Boards may choose another layout; hosts must accept any that
 * pcinet_ctrl_check() accepts. Returns the first free offset after the
 * rings (where a board may keep private buffers), or 0 if it does not fit.
 */
static inline u32 pcinet_layout_default(struct pcinet_ctrl *c, u32 win,
					u32 h2b_len, u32 b2h_len,
					u32 max_frame, u32 generation,
					const struct pcinet_window *dma)
{
	u32 h_off = PCINET_REGION_ALIGN;
	u32 b_off = h_off + ((h2b_len * PCINET_DESC_SIZE + PCINET_REGION_ALIGN - 1) &
			     ~(u32)(PCINET_REGION_ALIGN - 1));
	u32 end = b_off + ((b2h_len * PCINET_DESC_SIZE + PCINET_REGION_ALIGN - 1) &
			   ~(u32)(PCINET_REGION_ALIGN - 1));

	if (end > win)
		return 0;
	c->magic = cpu_to_le32(PCINET_MAGIC);
	c->version = cpu_to_le32(PCINET_VERSION);
	c->ctrl_size = cpu_to_le32(PCINET_CTRL_SIZE);
	c->window_size = cpu_to_le32(win);
	c->h2b_ring_off = cpu_to_le32(h_off);
	c->h2b_ring_len = cpu_to_le32(h2b_len);
	c->b2h_ring_off = cpu_to_le32(b_off);
	c->b2h_ring_len = cpu_to_le32(b2h_len);
	c->max_frame = cpu_to_le32(max_frame);
	c->features = cpu_to_le32(PCINET_FEAT_NONE);
	c->generation = cpu_to_le32(generation);
	c->dma_base_lo = cpu_to_le32((u32)dma->pci_base);
	c->dma_base_hi = cpu_to_le32((u32)(dma->pci_base >> 32));
	c->dma_size = cpu_to_le32((u32)dma->size);
	return end;
}

#endif /* _PCINET_RING_H */
