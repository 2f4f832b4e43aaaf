// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The protocol checker: counters, and the host's checked path into a
 * board's shared region (BAR1).
 *
 * The host may use BAR1 while the board's status says NET_REGISTERS_VALID,
 * or while it holds a lease: it wrote NET_STATUS_RUNNING into its status
 * while the board was valid and has not cleared it since (the board waits
 * for that clear before it reuses the memory). Anything else is a
 * violation - except right after a board reset the host has not yet seen
 * (it has not read OMR1 since): that cannot be avoided on real hardware and
 * is counted as "stale", not as a violation.
 *
 * Each violation is charged to the side that broke the rule: a BAR1 access
 * inside the BAR the host enumerated that the board's inbound window no
 * longer answers is the board's (it changed PITAR0/PIWAR0 under the host,
 * 2.2 board rule 3), not the host's; so is a DMA outside the host memory
 * the host gave this slot (pcinet_sim_host_dma_share()).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "sim_internal.h"
#include <pcinet/pcinet_proto.h>

static const char *const counter_names[PCINET_SIM_COUNTERS] = {
	[PCINET_SIM_VIOL_RAM_INVALID] = "viol_ram_invalid",
	[PCINET_SIM_VIOL_DMA_RANGE] = "viol_dma_range",
	[PCINET_SIM_VIOL_RO_WRITE] = "viol_ro_write",
	[PCINET_SIM_VIOL_RESERVED_BIT] = "viol_reserved_bit",
	[PCINET_SIM_VIOL_BAR_RANGE] = "viol_bar_range",
	[PCINET_SIM_VIOL_BOARD_WINDOW] = "viol_board_window",
	[PCINET_SIM_VIOL_DMA_FOREIGN] = "viol_dma_foreign",
	[PCINET_SIM_VIOL_RCR_LOST] = "viol_rcr_lost",
	[PCINET_SIM_VIOL_NO_SNOOP] = "viol_no_snoop",
	[PCINET_SIM_VIOL_POSTED_PASSED] = "viol_posted_passed",
	[PCINET_SIM_VIOL_CFG_LOST] = "viol_cfg_lost",
	[PCINET_SIM_STALE_AFTER_RESET] = "stale_after_reset",
	[PCINET_SIM_RESETS] = "resets",
	[PCINET_SIM_DMA_TRANSFERS] = "dma_transfers",
	[PCINET_SIM_DMA_BYTES] = "dma_bytes",
	[PCINET_SIM_DMA_ERRORS] = "dma_errors",
	[PCINET_SIM_HOST_IRQS] = "host_irqs",
	[PCINET_SIM_BOARD_IRQS] = "board_irqs",
	[PCINET_SIM_BAR_READS] = "bar_reads",
	[PCINET_SIM_BAR_WRITES] = "bar_writes",
	[PCINET_SIM_DMA_ABORTS] = "dma_aborts",
	[PCINET_SIM_POSTED_LATE] = "posted_late",
};

const char *pcinet_sim_counter_name(enum pcinet_sim_counter c)
{
	return (unsigned int)c < PCINET_SIM_COUNTERS ? counter_names[c] : NULL;
}

void sim_count(struct pcinet_sim_slot *s, enum pcinet_sim_counter c,
	       uint64_t n)
{
	__atomic_add_fetch(&s->st->counters[c], n, __ATOMIC_RELAXED);
}

void sim_violation(struct pcinet_sim_slot *s, enum pcinet_sim_counter c,
		   const char *fmt, ...)
{
	char text[sizeof(s->st->last_violation)];
	va_list ap;

	sim_count(s, c, 1);
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	/* Racy between processes, but only ever a whole recent message */
	memcpy(s->st->last_violation, text, sizeof(text));
}

uint64_t pcinet_sim_counter(struct pcinet_sim_slot *s,
			    enum pcinet_sim_counter c)
{
	if ((unsigned int)c >= PCINET_SIM_COUNTERS)
		return 0;
	return __atomic_load_n(&s->st->counters[c], __ATOMIC_RELAXED);
}

uint64_t pcinet_sim_violations(struct pcinet_sim_slot *s)
{
	uint64_t sum = 0;
	unsigned int c;

	for (c = 0; c < PCINET_SIM_FIRST_INFO; c++)
		sum += pcinet_sim_counter(s, (enum pcinet_sim_counter)c);
	return sum;
}

void pcinet_sim_last_violation(struct pcinet_sim_slot *s, char *buf,
			       size_t len)
{
	if (!len)
		return;
	snprintf(buf, len, "%.*s", (int)sizeof(s->st->last_violation) - 1,
		 s->st->last_violation);
}

uint32_t pcinet_sim_bar_size(struct pcinet_sim_slot *s)
{
	return s->ch->cfg.ram_size;
}

/* May the host use BAR1 now? Counts what it must. */
static bool bar_permitted(struct pcinet_sim_slot *s, uint32_t off,
			  bool write)
{
	uint32_t status = sim_reg_get(s, M83XX_MU_OMR1);

	if (pcinet_board_valid(status) ||
	    __atomic_load_n(&s->st->lease, __ATOMIC_ACQUIRE))
		return true;
	if (s->epoch != __atomic_load_n(&s->st->epoch, __ATOMIC_ACQUIRE)) {
		sim_count(s, PCINET_SIM_STALE_AFTER_RESET, 1);
		return false;
	}
	sim_violation(s, PCINET_SIM_VIOL_RAM_INVALID,
		      "host %s BAR1+0x%x while slot %u is not registers-valid (status 0x%08x)",
		      write ? "wrote" : "read", off, s->index, status);
	return false;
}

/* BAR1 offset range -> board RAM, as inbound window 0 translates it */
static uint8_t *bar_translate(struct pcinet_sim_slot *s, uint32_t off,
			      uint32_t len)
{
	uint32_t piwar = sim_reg_get(s, M83XX_PIWAR0);
	uint32_t size = m83xx_piwar_size(piwar);
	uint64_t local = (uint64_t)(sim_reg_get(s, M83XX_PITAR0) &
				    M83XX_PITAR_TA_MASK) << 12;
	uint32_t ram_base = s->ch->cfg.ram_base, ram_size = s->ch->cfg.ram_size;

	if (!(piwar & M83XX_PIWAR_EN) || len > size || off > size - len ||
	    len > pcinet_sim_bar_size(s) || off > pcinet_sim_bar_size(s) - len)
		return NULL;
	local += off;
	if (local < ram_base || local + len > (uint64_t)ram_base + ram_size)
		return NULL;
	return s->ram + (local - ram_base);
}

/* Inside the BAR1 the host enumerated: the board's window must answer */
static bool in_enumerated_bar(struct pcinet_sim_slot *s, uint32_t off,
			      uint32_t len)
{
	uint32_t size = pcinet_sim_bar_size(s);

	return len <= size && off <= size - len;
}

static int bar_access(struct pcinet_sim_slot *s, uint32_t off, void *buf,
		      uint32_t len, bool write)
{
	bool permitted;
	uint8_t *p;

	if (s->side != PCINET_SIM_HOST)
		return -EPERM;
	/* A read's completion pushes the posted writes ahead of it */
	if (!write)
		sim_posted_flush(s, false);
	sim_count(s, write ? PCINET_SIM_BAR_WRITES : PCINET_SIM_BAR_READS, 1);
	if (!sim_cfg_decodes(s, 1)) {
		/* configuration lost to a reset: nobody claims the cycle */
		sim_cfg_lost_access(s, write ? "wrote BAR1" : "read BAR1", off);
		if (!write)
			memset(buf, 0xFF, len);
		return -EFAULT;
	}
	permitted = bar_permitted(s, off, write);
	p = bar_translate(s, off, len);
	if (!p) {
		/* Master abort: reads float high, writes vanish */
		if (permitted && in_enumerated_bar(s, off, len))
			sim_violation(s, PCINET_SIM_VIOL_BOARD_WINDOW,
				      "board of slot %u: inbound window (PITAR0 0x%08x PIWAR0 0x%08x) does not answer BAR1+0x%x len %u",
				      s->index, sim_reg_get(s, M83XX_PITAR0),
				      sim_reg_get(s, M83XX_PIWAR0), off, len);
		else if (permitted)
			sim_violation(s, PCINET_SIM_VIOL_BAR_RANGE,
				      "host %s BAR1+0x%x len %u outside the enabled inbound window",
				      write ? "wrote" : "read", off, len);
		if (!write)
			memset(buf, 0xFF, len);
		return -EFAULT;
	}
	/* The access happens either way, as it would on the bus; a write
	 * lands later (posted.c), a read now
	 */
	if (write)
		return sim_posted_add(s, p, buf, len);
	memcpy(buf, p, len);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return 0;
}

int pcinet_sim_bar_read(struct pcinet_sim_slot *s, uint32_t off, void *buf,
			uint32_t len)
{
	return bar_access(s, off, buf, len, false);
}

int pcinet_sim_bar_write(struct pcinet_sim_slot *s, uint32_t off,
			 const void *buf, uint32_t len)
{
	return bar_access(s, off, (void *)buf, len, true);
}

int pcinet_sim_host_dma_share(struct pcinet_sim_slot *s, uint64_t bus,
			      uint64_t size)
{
	const struct pcinet_sim_config *c = &s->ch->cfg;

	if (s->side != PCINET_SIM_HOST)
		return -EPERM;
	if (size && (bus < c->host_mem_bus || size > c->host_mem_size ||
		     bus - c->host_mem_bus > c->host_mem_size - size))
		return -EINVAL;
	sim_lock(s->st);
	s->st->share_bus = bus;
	s->st->share_size = size;
	sim_unlock(s->st);
	return 0;
}

static bool share_holds(uint64_t bus, uint64_t size, uint64_t pci,
			uint32_t len)
{
	return size && pci >= bus && len <= size && pci - bus <= size - len;
}

/*
 * Whose share holds pci: another slot's state file, looked at only on this
 * rare path. 0 when none does (host memory no host gave a board).
 */
static unsigned int share_owner(struct pcinet_sim_slot *s, uint64_t pci)
{
	char path[SIM_PATH_MAX];
	struct sim_state *st;
	unsigned int slot, owner = 0;
	void *p;

	for (slot = 1; slot <= s->ch->cfg.slots && !owner; slot++) {
		if (slot == s->index ||
		    pcinet_sim_path(s->ch->dir, slot, PCINET_SIM_FILE_STATE,
				    path, sizeof(path)) ||
		    sim_map_file(path, sizeof(*st), false, &p))
			continue;
		st = p;
		if (share_holds(__atomic_load_n(&st->share_bus, __ATOMIC_ACQUIRE),
				__atomic_load_n(&st->share_size, __ATOMIC_ACQUIRE),
				pci, 1))
			owner = slot;
		munmap(p, sizeof(*st));
	}
	return owner;
}

void sim_check_dma_share(struct pcinet_sim_slot *s, unsigned int channel,
			 uint64_t pci, uint32_t len, bool write)
{
	uint64_t bus = __atomic_load_n(&s->st->share_bus, __ATOMIC_ACQUIRE);
	uint64_t size = __atomic_load_n(&s->st->share_size, __ATOMIC_ACQUIRE);
	unsigned int owner;
	char whose[32];

	if (!size || share_holds(bus, size, pci, len))
		return;
	/* whose memory: the first byte outside our own share */
	owner = share_owner(s, share_holds(bus, size, pci, 1) ? bus + size : pci);
	if (owner)
		snprintf(whose, sizeof(whose), "slot %u's share", owner);
	else
		snprintf(whose, sizeof(whose), "no slot's share");
	sim_violation(s, PCINET_SIM_VIOL_DMA_FOREIGN,
		      "board of slot %u: DMA channel %u %s %u bytes at host PCI 0x%llx, in %s, outside its own 0x%llx+0x%llx",
		      s->index, channel, write ? "wrote" : "read", len,
		      (unsigned long long)pci, whose, (unsigned long long)bus,
		      (unsigned long long)size);
}
