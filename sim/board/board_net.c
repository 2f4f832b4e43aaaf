// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pcinet-sim-board's network side: an echo board that follows
 * docs/protocol.md to the letter. It publishes the shared region, attaches
 * to the host area the host announces, pulls each host frame with its DMA
 * controller, and sends it back with one DMA chain per frame (payload, then
 * completion record, then index) so the host sees them in that order. It is
 * the protocol's reference board until the U-Boot driver runs in the sim.
 */
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "board.h"

#define DMA_TIMEOUT_MS	1000

static u32 reg(struct board *b, u32 off)
{
	return pcinet_sim_read32(b->s, off);
}

static void wreg(struct board *b, u32 off, u32 val)
{
	pcinet_sim_write32(b->s, off, val);
}

static u32 local_of_bus(const struct board_net *n, u64 bus)
{
	return OUTBOUND_LOCAL + (u32)(bus - n->win.pci_base);
}

static u8 *local_ptr(struct board *b, u32 local, u32 len)
{
	return pcinet_sim_board_ptr(b->s, local, len);
}

/*
 * Wait for a channel's end, clear its status, report whether it worked
 * (protocol 3.3). The end is EOCDI or TE, never "CB clear": CB reads clear
 * until the channel has actually started. Then W1C SR, then MR = 0; MR = 0
 * before the end would abort the transfer, which is what a timeout does.
 * The channel runs on its own; we poll SR (no MR[EOTIE]), yielding the CPU.
 */
static bool dma_finish(struct board *b, unsigned int ch)
{
	const u32 done = M83XX_DMA_SR_EOCDI | M83XX_DMA_SR_TE;
	u32 start = now_ms(), sr;
	unsigned int spins = 0;

	while (!((sr = reg(b, M83XX_DMA_SR(ch))) & done)) {
		if ((u32)(now_ms() - start) > DMA_TIMEOUT_MS) {
			wreg(b, M83XX_DMA_MR(ch), 0);		/* abort */
			sr = reg(b, M83XX_DMA_SR(ch));
			wreg(b, M83XX_DMA_SR(ch), sr & (done | M83XX_DMA_SR_EOSI));
			fprintf(stderr, "slot %u: DMA channel %u no end in %u ms (SR 0x%08x): aborted\n",
				b->slot, ch, DMA_TIMEOUT_MS, sr);
			return false;
		}
		if (++spins < 1000)
			sched_yield();
		else
			usleep(50);
	}
	wreg(b, M83XX_DMA_SR(ch), sr & (done | M83XX_DMA_SR_EOSI));
	wreg(b, M83XX_DMA_MR(ch), 0);
	return !(sr & M83XX_DMA_SR_TE);
}

static bool dma_direct(struct board *b, u32 src, u32 dst, u32 len)
{
	wreg(b, M83XX_DMA_MR(0), 0);
	wreg(b, M83XX_DMA_SAR(0), src);
	wreg(b, M83XX_DMA_DAR(0), dst);
	wreg(b, M83XX_DMA_BCR(0), len);
	wreg(b, M83XX_DMA_MR(0), M83XX_DMA_MR_CTM | M83XX_DMA_MR_CS);
	return dma_finish(b, 0);
}

static void put_desc(struct board *b, u32 at, u32 src, u32 dst, u32 len,
		     u32 next)
{
	struct m83xx_dma_desc *d = (void *)local_ptr(b, at, sizeof(*d));

	memset(d, 0, sizeof(*d));
	d->src = cpu_to_le32(src);
	d->dst = cpu_to_le32(dst);
	d->count = cpu_to_le32(len);
	d->next = cpu_to_le32(next | M83XX_DMA_NEXT_SNEN);
}

/*
 * Called only after the DMA it announces ended with EOCDI (protocol 3.5
 * rule 5); our CPU stores through the window go first (rule 6)
 */
static void kick_host(struct board *b)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);	/* sync */
	if (!(b->host_status & PCINET_NET_RXINT_OFF))
		wreg(b, M83XX_MU_ODR, PCINET_DB_NET_KICK);
}

void board_net_publish(struct board *b)
{
	struct board_net *n = &b->net;
	u8 mac[6] = { 0x02, 0x50, 0x43, 0x49, 0x00, (u8)b->slot };
	u8 *ram = pcinet_sim_board_ram(b->s);
	u32 end;

	if (b->status & PCINET_NET_REGISTERS_VALID)
		return;
	memset(n, 0, sizeof(*n));
	n->ctrl = (struct pcinet_ctrl *)ram;
	/*
	 * A generation different from the last one published, even across a
	 * reset (board RAM survives it): continue from what the region holds.
	 */
	b->generation = pcinet_next_generation(n->ctrl, b->generation);
	n->win.pci_base = OUTBOUND_PCI;
	n->win.size = OUTBOUND_SIZE;
	memset(ram, 0, 4 * PCINET_REGION_ALIGN);
	end = pcinet_layout_default(n->ctrl, b->cfg.ram_size, 64, 64, 1536,
				    b->generation, &n->win);
	pcinet_mac_pack(mac, &n->ctrl->mac_lo, &n->ctrl->mac_hi);
	if (b->rogue == ROGUE_LAYOUT)	/* the b2h ring past the window's end */
		n->ctrl->b2h_ring_off = cpu_to_le32(b->cfg.ram_size - 16);
	n->h2b = (struct pcinet_desc *)(ram + le32_to_cpu(n->ctrl->h2b_ring_off));
	n->b2h = (struct pcinet_desc *)(ram + le32_to_cpu(n->ctrl->b2h_ring_off));
	n->h2b_len = le32_to_cpu(n->ctrl->h2b_ring_len);
	n->b2h_len = le32_to_cpu(n->ctrl->b2h_ring_len);
	n->max_frame = le32_to_cpu(n->ctrl->max_frame);
	n->bufs_local = b->cfg.ram_base + end;
	n->staging_local = n->bufs_local + NET_BUFS * NET_BUF_SIZE;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	set_status(b, (b->status & PCINET_STATUS_FLAGS_MASK) |
		      PCINET_NET_REGISTERS_VALID);
}

/* Orderly stop: withdraw, then wait for the host to let go (bounded) */
void board_net_withdraw(struct board *b)
{
	u32 start = now_ms();

	b->net.attached = false;
	set_status(b, b->status & ~(PCINET_NET_REGISTERS_VALID |
				    PCINET_NET_STATUS_RUNNING));
	while (reg(b, M83XX_MU_IMR1) & PCINET_NET_STATUS_RUNNING) {
		if ((u32)(now_ms() - start) >= PCINET_STOP_ACK_MS) {
			out_str(b, "host did not release the region\r\n");
			fprintf(stderr, "slot %u: host did not release the region in %u ms\n",
				b->slot, PCINET_STOP_ACK_MS);
			break;
		}
		usleep(1000);
	}
}

static void detach(struct board *b, const char *why)
{
	if (why) {
		b->net.errors++;
		fprintf(stderr, "slot %u: detaching from the host: %s\n", b->slot,
			why);
	}
	b->net.attached = false;
	/* The next host must write its part afresh, not inherit this one */
	memset((u8 *)b->net.ctrl + PCINET_CTRL_OFF_HOST, 0,
	       PCINET_CTRL_SIZE - PCINET_CTRL_OFF_HOST);
	set_status(b, b->status & ~PCINET_NET_STATUS_RUNNING);
}

static void write_host_u32(struct board *b, u32 off, u32 val)
{
	__le32 *p = (void *)local_ptr(b, local_of_bus(&b->net, b->net.host_area) + off, 4);

	/* A posted CPU write through the window: cheap, and only indices */
	if (p)
		__atomic_store_n(p, cpu_to_le32(val), __ATOMIC_RELEASE);
}

static void attach(struct board *b)
{
	struct board_net *n = &b->net;
	struct pcinet_ctrl *c = n->ctrl;
	u64 area = ((u64)le32_to_cpu(c->host_area_hi) << 32) |
		   le32_to_cpu(c->host_area_lo);
	u32 size = le32_to_cpu(c->host_area_size);

	/*
	 * The host takes its lease (RUNNING) before it writes its part, and
	 * writes host_magic last: until both match this generation it is still
	 * writing, and we wait for its next status write.
	 */
	if (le32_to_cpu(__atomic_load_n(&c->host_magic, __ATOMIC_ACQUIRE)) !=
	    PCINET_MAGIC || le32_to_cpu(c->generation_ack) != b->generation)
		return;
	if (PCINET_VERSION_MAJOR_OF(le32_to_cpu(c->host_version)) !=
	    PCINET_VERSION_MAJOR ||
	    !pcinet_host_area_ok(area, size, n->b2h_len, &n->win)) {
		if (n->refused_generation != b->generation)
			fprintf(stderr, "slot %u: refusing the host's attach: bad host part\n",
				b->slot);
		n->refused_generation = b->generation;
		n->errors++;
		return;
	}
	n->host_area = area;
	n->h2b_cons = 0;
	n->b2h_done = 0;
	write_host_u32(b, 0, 0);
	write_host_u32(b, 4, 0);
	write_host_u32(b, 8, b->generation);
	n->attached = true;
	set_status(b, b->status | PCINET_NET_STATUS_RUNNING);
}

/* Host -> board: pull each posted frame into a free private buffer */
static void serve_h2b(struct board *b)
{
	struct board_net *n = &b->net;
	u32 prod = le32_to_cpu(__atomic_load_n(&n->ctrl->h2b_prod, __ATOMIC_ACQUIRE));
	bool moved = false;
	struct pcinet_desc d;
	u32 buf;

	if (!pcinet_ring_prod_ok(prod, n->h2b_cons, n->h2b_len)) {
		detach(b, "h2b producer index out of range");
		return;
	}
	while (n->h2b_cons != prod && n->pend_head - n->pend_tail < NET_BUFS) {
		memcpy(&d, &n->h2b[pcinet_ring_slot(n->h2b_cons, n->h2b_len)], sizeof(d));
		n->h2b_cons++;
		moved = true;
		if (pcinet_desc_check(&d, true, n->max_frame, &n->win) != PCINET_DESC_OK) {
			n->dropped++;
			continue;
		}
		buf = n->bufs_local + (n->pend_head % NET_BUFS) * NET_BUF_SIZE;
		if (!dma_direct(b, local_of_bus(n, pcinet_desc_addr(&d)), buf,
				le32_to_cpu(d.len))) {
			n->errors++;
			continue;
		}
		n->pend_buf[n->pend_head % NET_BUFS] = buf;
		n->pend_len[n->pend_head % NET_BUFS] = le32_to_cpu(d.len);
		n->pend_head++;
		n->frames_in++;
	}
	if (moved) {
		write_host_u32(b, 0, n->h2b_cons);
		kick_host(b);
	}
}

/* Board -> host: one chain per frame - payload, completion, index */
static bool send_frame(struct board *b, const struct pcinet_desc *d, u32 buf,
		       u32 len)
{
	struct board_net *n = &b->net;
	u32 slot = pcinet_ring_slot(n->b2h_done, n->b2h_len);
	u32 area = local_of_bus(n, n->host_area);
	u32 st = n->staging_local;
	struct pcinet_cmpl *rec = (void *)local_ptr(b, st + 96, sizeof(*rec));
	__le32 *idx = (void *)local_ptr(b, st + 104, 4);
	bool fits = pcinet_desc_check(d, false, n->max_frame, &n->win) == PCINET_DESC_OK &&
		    len <= le32_to_cpu(d->len);

	rec->len = cpu_to_le32(fits ? len : 0);
	rec->flags = cpu_to_le32(fits ? 0 : PCINET_CMPL_ERR);
	*idx = cpu_to_le32(n->b2h_done + 1);
	if (fits)
		put_desc(b, st, buf, local_of_bus(n, pcinet_desc_addr(d)), len, st + 32);
	put_desc(b, st + 32, st + 96, area + PCINET_HOST_AREA_HDR + slot * PCINET_CMPL_SIZE,
		 PCINET_CMPL_SIZE, st + 64);
	put_desc(b, st + 64, st + 104, area + 4, 4, M83XX_DMA_NEXT_EOL);
	wreg(b, M83XX_DMA_MR(1), 0);
	/* descriptor fetches snoop: CDAR[SNEN] here, SNEN in every link (3.3) */
	wreg(b, M83XX_DMA_CDAR(1), (fits ? st : st + 32) | M83XX_DMA_CDAR_SNEN);
	wreg(b, M83XX_DMA_MR(1), M83XX_DMA_MR_CS);
	if (!dma_finish(b, 1)) {
		n->errors++;
		return false;
	}
	if (!fits)
		n->dropped++;
	return true;
}

static void serve_b2h(struct board *b)
{
	struct board_net *n = &b->net;
	u32 posted = le32_to_cpu(__atomic_load_n(&n->ctrl->b2h_prod, __ATOMIC_ACQUIRE));
	bool moved = false;
	struct pcinet_desc d;
	u32 i;

	if (!pcinet_ring_prod_ok(posted, n->b2h_done, n->b2h_len)) {
		detach(b, "b2h producer index out of range");
		return;
	}
	while (n->pend_tail != n->pend_head && n->b2h_done != posted) {
		i = n->pend_tail % NET_BUFS;
		memcpy(&d, &n->b2h[pcinet_ring_slot(n->b2h_done, n->b2h_len)], sizeof(d));
		if (!send_frame(b, &d, n->pend_buf[i], n->pend_len[i]))
			break;
		n->b2h_done++;
		n->pend_tail++;
		n->frames_out++;
		moved = true;
	}
	if (moved)
		kick_host(b);
}

/* Misbehave as b->rogue says, through the same channel a board writes by */
static void misbehave(struct board *b)
{
	struct board_net *n = &b->net;
	u32 slot = pcinet_ring_slot(n->b2h_done, n->b2h_len);
	u32 cmpl = PCINET_HOST_AREA_HDR + slot * PCINET_CMPL_SIZE;
	u32 i;

	switch (b->rogue) {
	case ROGUE_CONS:
		write_host_u32(b, 0, n->h2b_cons + 1000);
		break;
	case ROGUE_DONE:
		write_host_u32(b, 4, n->b2h_done + 1000);
		break;
	case ROGUE_CMPL:
	case ROGUE_FLAGS:
		write_host_u32(b, cmpl, b->rogue == ROGUE_CMPL ? 0xFFFFFFF0 : 0);
		write_host_u32(b, cmpl + 4, b->rogue == ROGUE_CMPL ? 0 : 0x80000000);
		write_host_u32(b, 4, ++n->b2h_done);
		break;
	case ROGUE_WINDOW:
		if (b->rogue_done)
			return;
		b->rogue_done = true;
		/* 2.2 board rule 3 broken: BAR1 no longer reaches our RAM */
		wreg(b, M83XX_PIWAR0, 0);
		write_host_u32(b, cmpl, 0);
		write_host_u32(b, cmpl + 4, PCINET_CMPL_ERR);
		write_host_u32(b, 4, ++n->b2h_done);
		break;
	case ROGUE_SPRAY:
		for (i = 0; i < 64; i++) {
			b->rogue_seed = b->rogue_seed * 1103515245u + 12345u;
			write_host_u32(b, (b->rogue_seed >> 8) %
				       (pcinet_host_area_size(n->b2h_len) / 4) * 4,
				       b->rogue_seed ^ (b->rogue_seed >> 16));
		}
		break;
	default:
		return;
	}
	kick_host(b);
}

void board_net_service(struct board *b)
{
	bool host_running = pcinet_status_compatible(b->host_status,
						     PCINET_STATUS_SIG_HOST) &&
			    (b->host_status & PCINET_NET_STATUS_RUNNING);

	if (!(b->status & PCINET_NET_REGISTERS_VALID))
		return;
	if (!b->net.attached && host_running)
		attach(b);
	else if (b->net.attached && !host_running && b->rogue != ROGUE_STUCK)
		detach(b, NULL);
	if (!b->net.attached)
		return;
	if (b->rogue != ROGUE_OFF && b->rogue != ROGUE_LAYOUT &&
	    b->rogue != ROGUE_STUCK) {
		misbehave(b);
		return;
	}
	serve_h2b(b);
	if (b->net.attached)
		serve_b2h(b);
}

/*
 * Console command `dma BUS LEN`: a test of the host's DMA memory without the
 * network protocol (docs/uml.md). Fills LEN bytes (at most 64 KiB) at the
 * top of board RAM with byte i = (i * 7 + 0x5A) & 0xFF and moves them with
 * DMA channel 0 through outbound window 0 to host bus address BUS. Refused
 * while the shared region is published (the RAM is the host's then).
 */
void board_dma_test(struct board *b, const char *args)
{
	unsigned long long bus = 0;
	unsigned int len = 0, i;
	u32 scratch = b->cfg.ram_base + b->cfg.ram_size - 0x10000;
	char msg[160];
	u8 *p;

	if (sscanf(args, "%lli %u", &bus, &len) != 2 || !len ||
	    len > 0x10000) {
		out_str(b, "usage: dma BUS LEN (LEN 1..65536)\r\n");
		return;
	}
	if (pcinet_board_valid(b->status)) {
		out_str(b, "dma: not while the shared region is published\r\n");
		return;
	}
	if (bus - OUTBOUND_PCI >= OUTBOUND_SIZE ||
	    bus - OUTBOUND_PCI + len > OUTBOUND_SIZE) {
		out_str(b, "dma: outside outbound window 0\r\n");
		return;
	}
	p = local_ptr(b, scratch, len);
	for (i = 0; i < len; i++)
		p[i] = (u8)(i * 7 + 0x5A);
	snprintf(msg, sizeof(msg), "dma 0x%llx %u %s\r\n", bus, len,
		 dma_direct(b, scratch, OUTBOUND_LOCAL + (u32)(bus - OUTBOUND_PCI),
			    len) ? "done" : "failed");
	out_str(b, msg);
}
