// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The DMA controller: four channels, direct and chained mode, busy,
 * end-of-transfer and transfer-error status, the completion interrupt.
 *
 * A transfer takes time, as on the silicon (docs/sim.md "DMA"): when the
 * board sets MR[CS] (0 -> 1) on an idle channel, SR[CB] still reads clear
 * for SIM_DMA_START_NS (the channel fetching its first descriptor); then CB
 * reads set for SIM_DMA_NS_PER_BYTE per byte; then the data moves, CB
 * clears, EOCDI (or TE) sets and, with MR[EOTIE], the DMA interrupt rises.
 * The steps run in the board process's engine thread (engine.c), so the
 * board CPU goes on meanwhile. Clearing MR[CS] before the end aborts the
 * transfer: nothing moves, no EOCDI - what a driver that takes "CB clear"
 * for "done" and then clears MR does to its own transfer.
 *
 * Addresses are board-local: board RAM, or an enabled outbound PCI window
 * inside an enabled PCI local access window whose PCI target is host
 * memory. Anything else is a transfer error (the PCI controller would
 * master-abort), and counted as a violation by the checker.
 */
#include <endian.h>
#include <string.h>

#include "sim_internal.h"
#include <pcinet/pcinet_types.h>

#define DMA_MAX_CHAIN	65536	/* a longer chain is taken as a loop */

static unsigned int dma_channel(uint32_t off)
{
	return (off - M83XX_DMA_BASE) / M83XX_DMA_STRIDE;
}

/* Chained mode without SNEN: the descriptor fetches miss the cache [LX-SNEN] */
static void check_cdar_snoop(struct pcinet_sim_slot *s, unsigned int n,
			     uint32_t mr)
{
	uint32_t cdar = sim_reg_get(s, M83XX_DMA_CDAR(n));

	if (!(mr & M83XX_DMA_MR_CTM) && !(cdar & M83XX_DMA_CDAR_SNEN))
		sim_violation(s, PCINET_SIM_VIOL_NO_SNOOP,
			      "DMA channel %u started a chain at CDAR 0x%08x without SNEN: its descriptor fetches do not snoop the cache",
			      n, cdar);
}

int sim_dma_write_reg(struct pcinet_sim_slot *s, uint32_t off, uint32_t val,
		      uint64_t *due)
{
	unsigned int n = dma_channel(off);
	struct sim_state *st = s->st;
	uint32_t old;

	if (off == M83XX_DMA_SR(n)) {
		/* W1C for the event bits; CB is the hardware's */
		old = sim_reg_get(s, off);
		sim_reg_set(s, off, old & ~(val & (M83XX_DMA_SR_EOCDI |
						   M83XX_DMA_SR_EOSI |
						   M83XX_DMA_SR_TE)));
		return -1;
	}
	if (off != M83XX_DMA_MR(n)) {
		sim_reg_set(s, off, val);
		return -1;
	}
	old = sim_reg_get(s, off);
	sim_reg_set(s, off, val);
	if (!(val & M83XX_DMA_MR_CS)) {
		if (st->dma_stage[n] != SIM_DMA_IDLE) {
			/* Halted before its end: nothing moves, no EOCDI */
			st->dma_stage[n] = SIM_DMA_IDLE;
			st->dma_seq[n]++;
			sim_reg_set(s, M83XX_DMA_SR(n),
				    sim_reg_get(s, M83XX_DMA_SR(n)) &
				    ~M83XX_DMA_SR_CB);
			sim_count(s, PCINET_SIM_DMA_ABORTS, 1);
		}
		return -1;
	}
	if ((old & M83XX_DMA_MR_CS) || st->dma_stage[n] != SIM_DMA_IDLE)
		return -1;
	check_cdar_snoop(s, n, val);
	st->dma_stage[n] = SIM_DMA_STARTING;
	st->dma_seq[n]++;
	st->dma_due_ns[n] = sim_now_ns() + SIM_DMA_START_NS;
	*due = st->dma_due_ns[n];
	return (int)n;
}

/* Board-local address range -> pointer, or NULL (not RAM, not a window) */
uint8_t *sim_translate_local(struct pcinet_sim_slot *s, uint32_t local,
			      uint32_t len)
{
	uint64_t pci;

	return sim_translate(s, local, len, &pci);
}

/* Is [local, local + len) inside an enabled PCI local access window? */
static bool in_pci_law(const struct pcinet_sim_slot *s, uint32_t local,
		       uint32_t len)
{
	unsigned int n;

	for (n = 0; n < M83XX_PCI_LAWS; n++)
		if (m83xx_law_covers(sim_reg_get(s, M83XX_PCILAWBAR(n)),
				     sim_reg_get(s, M83XX_PCILAWAR(n)),
				     local, len))
			return true;
	return false;
}

uint8_t *sim_translate(struct pcinet_sim_slot *s, uint32_t local,
		       uint32_t len, uint64_t *pci_out)
{
	const struct pcinet_sim_config *c = &s->ch->cfg;
	uint64_t end = (uint64_t)local + len, base, size, pci;
	uint32_t pocmr;
	unsigned int w;

	*pci_out = SIM_NOT_PCI;
	if (local >= c->ram_base && end <= (uint64_t)c->ram_base + c->ram_size)
		return s->ram + (local - c->ram_base);
	/* The local bus decoder sends nothing to PCI outside a PCILAW */
	if (!in_pci_law(s, local, len))
		return NULL;
	for (w = 0; w < M83XX_PCI_OUTBOUND_WINDOWS; w++) {
		pocmr = sim_reg_get(s, M83XX_POCMR(w));
		if (!(pocmr & M83XX_POCMR_EN) || (pocmr & M83XX_POCMR_IO))
			continue;
		size = m83xx_pocmr_size(pocmr);
		base = (uint64_t)(sim_reg_get(s, M83XX_POBAR(w)) &
				  M83XX_POBAR_BA_MASK) << 12;
		base &= ~(size - 1);
		if (local < base || end > base + size)
			continue;
		pci = ((uint64_t)(sim_reg_get(s, M83XX_POTAR(w)) &
				  M83XX_POTAR_TA_MASK) << 12) + (local - base);
		if (pci < c->host_mem_bus ||
		    pci + len > c->host_mem_bus + c->host_mem_size)
			return NULL;	/* nothing answers there on the bus */
		*pci_out = pci;
		return s->ch->host_mem + (pci - c->host_mem_bus);
	}
	return NULL;
}

static bool dma_in_ram(const struct pcinet_sim_slot *s, uint32_t local,
		       uint32_t len)
{
	const struct pcinet_sim_config *c = &s->ch->cfg;

	return local >= c->ram_base &&
	       (uint64_t)local + len <= (uint64_t)c->ram_base + c->ram_size;
}

/* One segment; returns false on a transfer error (already counted) */
static bool dma_copy(struct pcinet_sim_slot *s, unsigned int n, uint32_t src,
		     uint32_t dst, uint32_t count, uint64_t *bytes)
{
	uint64_t src_pci, dst_pci;
	uint8_t *from, *to;

	if (count > M83XX_DMA_BCR_MAX) {
		sim_count(s, PCINET_SIM_DMA_ERRORS, 1);
		return false;	/* the hardware cannot even express it */
	}
	if ((pcinet_sim_faults(s) & PCINET_SIM_FAULT_LINK_DOWN) &&
	    (!dma_in_ram(s, src, count) || !dma_in_ram(s, dst, count))) {
		sim_count(s, PCINET_SIM_DMA_ERRORS, 1);
		return false;	/* master abort: nobody on the other end */
	}
	from = sim_translate(s, src, count, &src_pci);
	to = sim_translate(s, dst, count, &dst_pci);
	/* the board may master the bus only if the host let it */
	if ((src_pci != SIM_NOT_PCI || dst_pci != SIM_NOT_PCI) &&
	    !sim_cfg_masters(s)) {
		sim_count(s, PCINET_SIM_DMA_ERRORS, 1);
		return false;
	}
	if (!from || !to) {
		sim_count(s, PCINET_SIM_DMA_ERRORS, 1);
		sim_violation(s, PCINET_SIM_VIOL_DMA_RANGE,
			      "DMA channel %u: %u bytes 0x%08x -> 0x%08x leave board RAM and the outbound windows inside a PCI local access window",
			      n, count, src, dst);
		return false;
	}
	/* no IOMMU: it happens, but it is the board's violation */
	if (src_pci != SIM_NOT_PCI)
		sim_check_dma_share(s, n, src_pci, count, false);
	if (dst_pci != SIM_NOT_PCI)
		sim_check_dma_share(s, n, dst_pci, count, true);
	memmove(to, from, count);
	*bytes += count;
	return true;
}

/* The descriptor at local address addr, or NULL (misaligned, unreachable) */
static const struct m83xx_dma_desc *desc_at(struct pcinet_sim_slot *s,
					    uint32_t addr)
{
	if (addr & (M83XX_DMA_DESC_ALIGN - 1))
		return NULL;
	return (const void *)sim_translate_local(s, addr, M83XX_DMA_DESC_SIZE);
}

/* Read a chained descriptor at local address addr into host order */
static bool dma_fetch_desc(struct pcinet_sim_slot *s, unsigned int n,
			   uint32_t addr, struct m83xx_dma_desc *d)
{
	const struct m83xx_dma_desc *p = desc_at(s, addr);

	if (!p) {
		sim_count(s, PCINET_SIM_DMA_ERRORS, 1);
		sim_violation(s, PCINET_SIM_VIOL_DMA_RANGE,
			      "DMA channel %u: descriptor at 0x%08x is misaligned or outside board RAM and the windows",
			      n, addr);
		return false;
	}
	memcpy(d, p, sizeof(*d));
	return true;
}

static bool dma_chain(struct pcinet_sim_slot *s, unsigned int n,
		      uint64_t *bytes)
{
	uint32_t addr = sim_reg_get(s, M83XX_DMA_CDAR(n)) &
			M83XX_DMA_NEXT_ADDR_MASK;
	struct m83xx_dma_desc d;
	uint32_t next, src, dst, count;
	bool snoop_told = false;
	unsigned int i;

	for (i = 0; i < DMA_MAX_CHAIN; i++) {
		if (!dma_fetch_desc(s, n, addr, &d))
			return false;
		src = le32_to_cpu(d.src);
		dst = le32_to_cpu(d.dst);
		count = le32_to_cpu(d.count);
		next = le32_to_cpu(d.next);
		/* The channel registers follow the descriptor in flight */
		sim_reg_set(s, M83XX_DMA_CDAR(n), addr);
		sim_reg_set(s, M83XX_DMA_SAR(n), src);
		sim_reg_set(s, M83XX_DMA_DAR(n), dst);
		sim_reg_set(s, M83XX_DMA_BCR(n), count);
		sim_reg_set(s, M83XX_DMA_NDAR(n), next);
		if (!(next & M83XX_DMA_NEXT_SNEN) && !snoop_told) {
			/* fsldma sets SNEN in every link on 83xx [LX-SNEN] */
			sim_violation(s, PCINET_SIM_VIOL_NO_SNOOP,
				      "DMA channel %u: descriptor at 0x%08x links on without SNEN (next 0x%08x): the next fetch does not snoop the cache",
				      n, addr, next);
			snoop_told = true;
		}
		if (!dma_copy(s, n, src, dst, count, bytes))
			return false;
		if (next & M83XX_DMA_NEXT_EOL)
			return true;
		addr = next & M83XX_DMA_NEXT_ADDR_MASK;
	}
	sim_count(s, PCINET_SIM_DMA_ERRORS, 1);
	return false;
}

/* Bytes the transfer will move, for its duration; errors show later */
static uint64_t dma_measure(struct pcinet_sim_slot *s, unsigned int n,
			    uint32_t mr)
{
	uint32_t addr = sim_reg_get(s, M83XX_DMA_CDAR(n)) &
			M83XX_DMA_CDAR_ADDR_MASK;
	const struct m83xx_dma_desc *p;
	uint64_t bytes = 0;
	uint32_t next;
	unsigned int i;

	if (mr & M83XX_DMA_MR_CTM)
		return sim_reg_get(s, M83XX_DMA_BCR(n));
	for (i = 0; i < DMA_MAX_CHAIN; i++) {
		p = desc_at(s, addr);
		if (!p)
			break;
		bytes += le32_to_cpu(p->count);
		next = le32_to_cpu(p->next);
		if (next & M83XX_DMA_NEXT_EOL)
			break;
		addr = next & M83XX_DMA_NEXT_ADDR_MASK;
	}
	return bytes;
}

/* The end: move the data and report it, unless halted meanwhile */
static void dma_finish(struct pcinet_sim_slot *s, unsigned int n,
		       uint32_t seq)
{
	uint32_t mr = sim_reg_get(s, M83XX_DMA_MR(n)), sr;
	uint64_t bytes = 0;
	bool ok;

	if (mr & M83XX_DMA_MR_CTM)
		ok = dma_copy(s, n, sim_reg_get(s, M83XX_DMA_SAR(n)),
			      sim_reg_get(s, M83XX_DMA_DAR(n)),
			      sim_reg_get(s, M83XX_DMA_BCR(n)), &bytes);
	else
		ok = dma_chain(s, n, &bytes);

	sim_lock(s->st);
	if (pcinet_sim_board_stale(s) || s->st->dma_seq[n] != seq) {
		/* Reset or halted while we copied: no status to report */
		sim_unlock(s->st);
		return;
	}
	s->st->dma_stage[n] = SIM_DMA_IDLE;
	sr = sim_reg_get(s, M83XX_DMA_SR(n)) & ~M83XX_DMA_SR_CB;
	sr |= ok ? M83XX_DMA_SR_EOCDI : M83XX_DMA_SR_TE;
	if (ok && (mr & M83XX_DMA_MR_CTM))
		sim_reg_set(s, M83XX_DMA_BCR(n), 0);	/* all moved */
	sim_reg_set(s, M83XX_DMA_SR(n), sr);
	sim_unlock(s->st);
	sim_count(s, PCINET_SIM_DMA_TRANSFERS, 1);
	sim_count(s, PCINET_SIM_DMA_BYTES, bytes);
	sim_irq_signal(s, PCINET_SIM_BOARD);
	sim_wake_board(s);
}

/* The engine's event for channel n: the next step of its transfer */
void sim_dma_event(struct pcinet_sim_slot *s, unsigned int n)
{
	struct sim_state *st = s->st;
	uint64_t now = sim_now_ns(), due;
	uint32_t seq, mr;

	sim_lock(st);
	if (pcinet_sim_board_stale(s) || st->dma_stage[n] == SIM_DMA_IDLE) {
		sim_unlock(st);
		return;
	}
	due = st->dma_due_ns[n];
	seq = st->dma_seq[n];
	if (now < due) {
		sim_unlock(st);
		sim_engine_at(s, SIM_EVENT_DMA0 + n, due);
		return;
	}
	if (st->dma_stage[n] == SIM_DMA_BUSY) {
		sim_unlock(st);
		dma_finish(s, n, seq);
		return;
	}
	/* The channel has its first descriptor: busy from now on */
	st->dma_stage[n] = SIM_DMA_BUSY;
	sim_reg_set(s, M83XX_DMA_SR(n),
		    sim_reg_get(s, M83XX_DMA_SR(n)) | M83XX_DMA_SR_CB);
	mr = sim_reg_get(s, M83XX_DMA_MR(n));
	sim_unlock(st);
	due = now + dma_measure(s, n, mr) * SIM_DMA_NS_PER_BYTE;
	sim_lock(st);
	if (st->dma_seq[n] == seq)
		st->dma_due_ns[n] = due;
	sim_unlock(st);
	sim_engine_at(s, SIM_EVENT_DMA0 + n, due);
}

bool sim_dma_irq(const struct pcinet_sim_slot *s)
{
	const uint32_t ev = M83XX_DMA_SR_EOCDI | M83XX_DMA_SR_EOSI |
			    M83XX_DMA_SR_TE;
	unsigned int n;

	for (n = 0; n < M83XX_DMA_CHANNELS; n++) {
		if ((sim_reg_get(s, M83XX_DMA_MR(n)) & M83XX_DMA_MR_EOTIE) &&
		    (sim_reg_get(s, M83XX_DMA_SR(n)) & ev))
			return true;
	}
	return false;
}

uint32_t sim_dma_dgsr(const struct pcinet_sim_slot *s)
{
	uint32_t v = 0;
	unsigned int n;

	for (n = 0; n < M83XX_DMA_CHANNELS; n++)
		v |= (sim_reg_get(s, M83XX_DMA_SR(n)) & 0xFF) <<
		     M83XX_DMA_DGSR_SHIFT(n);
	return v;
}
