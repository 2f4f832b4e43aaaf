// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The DMA controller: four channels, direct and chained mode, busy,
 * end-of-transfer and transfer-error status, the completion interrupt.
 *
 * A transfer starts when the board sets MR[CS] (0 -> 1) on an idle channel
 * and runs in the board's own process, without the slot lock, while SR[CB]
 * is set; it then sets EOCDI (or TE), clears CB and, with MR[EOTIE],
 * raises the board's interrupt. Addresses are board-local: board RAM or an
 * enabled outbound PCI window whose PCI target is host memory. Anything else
 * is a transfer error (the PCI controller would master-abort), and counted
 * as a violation by the checker.
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

int sim_dma_write_reg(struct pcinet_sim_slot *s, uint32_t off, uint32_t val)
{
	unsigned int n = dma_channel(off);
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
	if ((old & M83XX_DMA_MR_CS) || !(val & M83XX_DMA_MR_CS) ||
	    (sim_reg_get(s, M83XX_DMA_SR(n)) & M83XX_DMA_SR_CB))
		return -1;
	sim_reg_set(s, M83XX_DMA_SR(n),
		    sim_reg_get(s, M83XX_DMA_SR(n)) | M83XX_DMA_SR_CB);
	return (int)n;
}

/* Board-local address range -> pointer, or NULL (not RAM, not a window) */
uint8_t *sim_translate_local(struct pcinet_sim_slot *s, uint32_t local,
			      uint32_t len)
{
	uint64_t pci;

	return sim_translate(s, local, len, &pci);
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
	if (!from || !to) {
		sim_count(s, PCINET_SIM_DMA_ERRORS, 1);
		sim_violation(s, PCINET_SIM_VIOL_DMA_RANGE,
			      "DMA channel %u: %u bytes 0x%08x -> 0x%08x leave board RAM and the outbound windows",
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

/* Read a chained descriptor at local address addr into host order */
static bool dma_fetch_desc(struct pcinet_sim_slot *s, unsigned int n,
			   uint32_t addr, struct m83xx_dma_desc *d)
{
	uint8_t *p;

	if (addr & (M83XX_DMA_DESC_ALIGN - 1))
		p = NULL;
	else
		p = sim_translate_local(s, addr, M83XX_DMA_DESC_SIZE);
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
		if (!dma_copy(s, n, src, dst, count, bytes))
			return false;
		if (next & M83XX_DMA_NEXT_EOL)
			return true;
		addr = next & M83XX_DMA_NEXT_ADDR_MASK;
	}
	sim_count(s, PCINET_SIM_DMA_ERRORS, 1);
	return false;
}

void sim_dma_run(struct pcinet_sim_slot *s, unsigned int n)
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
	if (pcinet_sim_board_stale(s)) {
		/* Reset while we copied: the channel is gone, like the board */
		sim_unlock(s->st);
		return;
	}
	sr = sim_reg_get(s, M83XX_DMA_SR(n)) & ~M83XX_DMA_SR_CB;
	sr |= ok ? M83XX_DMA_SR_EOCDI : M83XX_DMA_SR_TE;
	if (ok && (mr & M83XX_DMA_MR_CTM))
		sim_reg_set(s, M83XX_DMA_BCR(n), 0);	/* all moved */
	sim_reg_set(s, M83XX_DMA_SR(n), sr);
	sim_unlock(s->st);
	sim_count(s, PCINET_SIM_DMA_TRANSFERS, 1);
	sim_count(s, PCINET_SIM_DMA_BYTES, bytes);
	sim_irq_signal(s, PCINET_SIM_BOARD);
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
