// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The board's PCI configuration space (docs/sim.md "Configuration space"):
 * a type 0 header of an MPC837x agent, BAR0 the 1 MiB IMMR, BAR1 the
 * inbound window, interrupt pin INTA. The platform enumerated it when the
 * chassis was made (command memory + master, each slot's BARs assigned);
 * a board reset sets it back to its reset values - BARs and command 0.
 * Until the host restores it, the board decodes neither BAR: host reads of
 * BAR0 and BAR1 float high and writes vanish (regs.c, checker.c), and its
 * DMA does not reach PCI (no bus mastering). The configuration lock an
 * agent holds until its firmware is ready is not modelled (docs/sim.md).
 * Config space is little endian, like every PCI header.
 */
#include <endian.h>
#include <errno.h>
#include <linux/pci_regs.h>
#include <string.h>

#include "sim_internal.h"

#define CFG_COMMAND_RW	(PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | \
			 PCI_COMMAND_PARITY | PCI_COMMAND_SERR | \
			 PCI_COMMAND_INTX_DISABLE)
/* Where the platform puts slot 1's BARs; each next slot one stride up */
#define CFG_BIOS_BASE	0x80000000u

static void put(uint8_t *cfg, unsigned int off, unsigned int size,
		uint32_t val)
{
	unsigned int i;

	for (i = 0; i < size; i++)
		cfg[off + i] = (uint8_t)(val >> (8 * i));
}

static uint32_t get(const uint8_t *cfg, unsigned int off, unsigned int size)
{
	uint32_t v = 0;
	unsigned int i;

	for (i = 0; i < size; i++)
		v |= (uint32_t)cfg[off + i] << (8 * i);
	return v;
}

/* BAR1 is as large as board RAM, BAR0 as IMMR */
static uint32_t bar_size(const struct pcinet_sim_slot *s, unsigned int bar)
{
	return bar ? s->ch->cfg.ram_size : M83XX_IMMR_SIZE;
}

/* Which bits of config byte off software may change */
static uint8_t wmask(const struct pcinet_sim_slot *s, unsigned int off)
{
	uint32_t m;

	switch (off) {
	case PCI_COMMAND:
	case PCI_COMMAND + 1:
		m = CFG_COMMAND_RW;
		return (uint8_t)(m >> (8 * (off - PCI_COMMAND)));
	case PCI_CACHE_LINE_SIZE:
	case PCI_LATENCY_TIMER:
	case PCI_INTERRUPT_LINE:
		return 0xFF;
	}
	if (off >= PCI_BASE_ADDRESS_0 && off < PCI_BASE_ADDRESS_2) {
		/* the address bits above the size: what sizing relies on */
		m = ~(bar_size(s, (off - PCI_BASE_ADDRESS_0) / 4) - 1);
		return (uint8_t)(m >> (8 * ((off - PCI_BASE_ADDRESS_0) % 4)));
	}
	return 0;
}

/* Reset values; caller holds the lock */
void sim_cfg_reset(struct pcinet_sim_slot *s)
{
	uint8_t *cfg = s->st->cfg;

	memset(cfg, 0, sizeof(s->st->cfg));
	put(cfg, PCI_VENDOR_ID, 2, M83XX_PCI_VENDOR_FREESCALE);
	put(cfg, PCI_DEVICE_ID, 2, M83XX_PCI_DEV_MPC8379E);
	put(cfg, PCI_REVISION_ID, 1, 0x21);
	/* class 0x0B20: processor, PowerPC (an 83xx agent reports so) */
	put(cfg, PCI_CLASS_DEVICE, 2, 0x0B20);
	put(cfg, PCI_HEADER_TYPE, 1, PCI_HEADER_TYPE_NORMAL);
	put(cfg, PCI_BASE_ADDRESS_0, 4, PCI_BASE_ADDRESS_SPACE_MEMORY |
	    PCI_BASE_ADDRESS_MEM_TYPE_32);
	put(cfg, PCI_BASE_ADDRESS_1, 4, PCI_BASE_ADDRESS_SPACE_MEMORY |
	    PCI_BASE_ADDRESS_MEM_TYPE_32 | PCI_BASE_ADDRESS_MEM_PREFETCH);
	put(cfg, PCI_SUBSYSTEM_VENDOR_ID, 2, M83XX_PCI_VENDOR_FREESCALE);
	put(cfg, PCI_SUBSYSTEM_ID, 2, M83XX_PCI_DEV_MPC8379E);
	put(cfg, PCI_INTERRUPT_PIN, 1, 1);	/* INTA */
}

/*
 * What the platform assigned this slot when it enumerated the crate: one
 * stride of twice the larger BAR per slot, BAR0 at its start, BAR1 half way
 * (both naturally aligned).
 */
static uint32_t bios_bar(const struct pcinet_sim_slot *s, unsigned int bar)
{
	uint32_t half = bar_size(s, 0) > bar_size(s, 1) ? bar_size(s, 0) :
							 bar_size(s, 1);

	return CFG_BIOS_BASE + (s->index - 1) * 2 * half + (bar ? half : 0);
}

/* What the platform set in header cfg: BARs, cache line, latency */
static void cfg_assign(const struct pcinet_sim_slot *s, uint8_t *cfg)
{
	unsigned int bar, off;

	for (bar = 0; bar < 2; bar++) {
		off = PCI_BASE_ADDRESS_0 + 4 * bar;
		put(cfg, off, 4, (get(cfg, off, 4) & ~PCI_BASE_ADDRESS_MEM_MASK) |
		    bios_bar(s, bar));
	}
	put(cfg, PCI_CACHE_LINE_SIZE, 1, 8);
	put(cfg, PCI_LATENCY_TIMER, 1, 0x40);
}

/* The platform's enumeration: BARs assigned, decoding and mastering on */
void sim_cfg_power_on(struct pcinet_sim_slot *s)
{
	sim_cfg_reset(s);
	cfg_assign(s, s->st->cfg);
	put(s->st->cfg, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

bool sim_cfg_decodes(const struct pcinet_sim_slot *s, unsigned int bar)
{
	const uint8_t *cfg = s->st->cfg;
	uint32_t base = get(cfg, PCI_BASE_ADDRESS_0 + 4 * bar, 4) &
			PCI_BASE_ADDRESS_MEM_MASK;

	return (get(cfg, PCI_COMMAND, 2) & PCI_COMMAND_MEMORY) && base;
}

/* Bus master enable: the board's DMA reaches PCI only with it */
bool sim_cfg_masters(const struct pcinet_sim_slot *s)
{
	return get(s->st->cfg, PCI_COMMAND, 2) & PCI_COMMAND_MASTER;
}

int pcinet_sim_cfg_read(struct pcinet_sim_slot *s, uint32_t off, void *buf,
			uint32_t len)
{
	uint8_t *out = buf;
	uint32_t i;

	if (s->side == PCINET_SIM_BOARD)
		return -EPERM;
	if (off > PCINET_SIM_CFG_SIZE || len > PCINET_SIM_CFG_SIZE - off)
		return -EINVAL;
	sim_lock(s->st);
	for (i = 0; i < len; i++) {
		if (off + i < sizeof(s->st->cfg))
			out[i] = s->st->cfg[off + i];
		else
			out[i] = 0;
	}
	sim_unlock(s->st);
	return 0;
}

int pcinet_sim_cfg_write(struct pcinet_sim_slot *s, uint32_t off,
			 const void *buf, uint32_t len)
{
	const uint8_t *in = buf;
	uint32_t i, a;
	uint8_t m;

	if (s->side != PCINET_SIM_HOST)
		return -EPERM;
	if (off > PCINET_SIM_CFG_SIZE || len > PCINET_SIM_CFG_SIZE - off)
		return -EINVAL;
	sim_lock(s->st);
	for (i = 0; i < len; i++) {
		a = off + i;
		if (a >= sizeof(s->st->cfg))
			continue;
		m = wmask(s, a);
		s->st->cfg[a] = (uint8_t)((s->st->cfg[a] & ~m) | (in[i] & m));
	}
	sim_unlock(s->st);
	return 0;
}

int pcinet_sim_cfg_restore(struct pcinet_sim_slot *s)
{
	uint8_t cfg[PCI_INTERRUPT_PIN];
	uint32_t id;

	if (s->side != PCINET_SIM_HOST)
		return -EPERM;
	pcinet_sim_cfg_read(s, PCI_VENDOR_ID, &id, sizeof(id));
	if (le32toh(id) != ((uint32_t)M83XX_PCI_DEV_MPC8379E << 16 |
			    M83XX_PCI_VENDOR_FREESCALE))
		return -EAGAIN;
	pcinet_sim_cfg_read(s, 0, cfg, sizeof(cfg));
	cfg_assign(s, cfg);
	/* BARs before the command register turns decoding on */
	pcinet_sim_cfg_write(s, PCI_CACHE_LINE_SIZE,
			     cfg + PCI_CACHE_LINE_SIZE,
			     PCI_INTERRUPT_PIN - PCI_CACHE_LINE_SIZE);
	put(cfg, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	pcinet_sim_cfg_write(s, PCI_COMMAND, cfg + PCI_COMMAND, 2);
	return 0;
}

bool pcinet_sim_cfg_decodes(struct pcinet_sim_slot *s)
{
	bool on;

	sim_lock(s->st);
	on = sim_cfg_decodes(s, 0) && sim_cfg_decodes(s, 1);
	sim_unlock(s->st);
	return on;
}
