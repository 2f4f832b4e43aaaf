// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The register model: what a read or a write of an IMMR register does, for
 * the board CPU (local side) and for the PCI host (BAR0), as
 * docs/protocol.md "Registers" and docs/sim.md describe.
 */
#include <endian.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sim_internal.h"
#include <pcinet/pcinet_proto.h>

#define LINE_HOST	(1u << PCINET_SIM_HOST)
#define LINE_BOARD	(1u << PCINET_SIM_BOARD)

static uint32_t *reg_ptr(const struct pcinet_sim_slot *s, uint32_t off)
{
	return (uint32_t *)(void *)(s->immr + off);
}

uint32_t sim_reg_get(const struct pcinet_sim_slot *s, uint32_t off)
{
	uint32_t raw = __atomic_load_n(reg_ptr(s, off), __ATOMIC_ACQUIRE);

	return m83xx_reg_is_le(off) ? le32toh(raw) : be32toh(raw);
}

void sim_reg_set(struct pcinet_sim_slot *s, uint32_t off, uint32_t val)
{
	uint32_t raw = m83xx_reg_is_le(off) ? htole32(val) : htobe32(val);

	__atomic_store_n(reg_ptr(s, off), raw, __ATOMIC_RELEASE);
}

static void reg_or(struct pcinet_sim_slot *s, uint32_t off, uint32_t bits)
{
	sim_reg_set(s, off, sim_reg_get(s, off) | bits);
}

static void reg_clear(struct pcinet_sim_slot *s, uint32_t off, uint32_t bits)
{
	sim_reg_set(s, off, sim_reg_get(s, off) & ~bits);
}

/* Interrupt status as software reads it: stored bits plus derived ones */
static uint32_t omisr_value(const struct pcinet_sim_slot *s)
{
	uint32_t v = sim_reg_get(s, M83XX_MU_OMISR);

	if (sim_reg_get(s, M83XX_MU_ODR))
		v |= M83XX_OMI_ODI;
	return v;
}

static uint32_t imisr_value(const struct pcinet_sim_slot *s)
{
	uint32_t v = sim_reg_get(s, M83XX_MU_IMISR);

	if (sim_reg_get(s, M83XX_MU_IDR))
		v |= M83XX_IMI_IDI;
	return v;
}

bool sim_line_level(const struct pcinet_sim_slot *s, enum pcinet_sim_side line)
{
	const uint32_t om = M83XX_OMI_OM0I | M83XX_OMI_OM1I | M83XX_OMI_ODI;
	const uint32_t im = M83XX_IMI_IM0I | M83XX_IMI_IM1I | M83XX_IMI_IDI;

	if (line == PCINET_SIM_HOST)
		return omisr_value(s) & ~sim_reg_get(s, M83XX_MU_OMIMR) & om;
	return (imisr_value(s) & ~sim_reg_get(s, M83XX_MU_IMIMR) & im) ||
	       sim_dma_irq(s);
}

void sim_reset_registers(struct pcinet_sim_slot *s, uint32_t rsr)
{
	/* Every modelled register resets to 0 but the reset status */
	memset(s->immr, 0, M83XX_IMMR_SIZE);
	sim_reg_set(s, M83XX_RST_RSR, rsr);
	s->st->lease = 0;
	s->st->rpr_unlocked = 0;
	s->st->rcer_cre = 0;
	s->st->rcer_reads = 0;
}

static void notify_supervisor(struct pcinet_sim_slot *s, uint32_t epoch)
{
	char msg[32];
	int n;

	if (s->ch->supervisor_fd < 0)
		return;
	n = snprintf(msg, sizeof(msg), "reset %u %u\n", s->index, epoch);
	/* One short write to a FIFO is atomic; a full FIFO means the
	 * supervisor is gone, and then nobody restarts boards anyway.
	 */
	if (write(s->ch->supervisor_fd, msg, (size_t)n) < 0)
		return;
}

/* Caller holds the lock */
static void do_reset(struct pcinet_sim_slot *s, uint32_t rsr)
{
	uint32_t epoch;

	sim_reset_registers(s, rsr);
	epoch = __atomic_add_fetch(&s->st->epoch, 1, __ATOMIC_ACQ_REL);
	sim_count(s, PCINET_SIM_RESETS, 1);
	/* A host that reset the board knows it did */
	if (s->side == PCINET_SIM_HOST)
		s->epoch = epoch;
	notify_supervisor(s, epoch);
}

void pcinet_sim_hard_reset(struct pcinet_sim_slot *s, uint32_t rsr_cause)
{
	sim_lock(s->st);
	do_reset(s, rsr_cause);
	sim_unlock(s->st);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static const char *side_name(const struct pcinet_sim_slot *s)
{
	return s->side == PCINET_SIM_HOST ? "host" : "board";
}

/*
 * RCER as a host or board read sees it (caller holds the lock). CRE sets
 * SIM_CRE_LATENCY_US after an RPR unlock [UB-RESET: U-Boot waits for it],
 * but the model lets it appear only to a read, never to the first one
 * after the unlock: a driver must poll it (sim_internal.h).
 */
static uint32_t rcer_read(struct pcinet_sim_slot *s)
{
	struct sim_state *st = s->st;

	if (st->rpr_unlocked && !st->rcer_cre &&
	    s->side != PCINET_SIM_OBSERVER && !pcinet_sim_board_stale(s)) {
		if (st->rcer_reads &&
		    now_ns() - st->rpr_unlock_ns >= SIM_CRE_LATENCY_US * 1000ull)
			st->rcer_cre = 1;
		st->rcer_reads++;
	}
	return st->rcer_cre ? M83XX_RCER_CRE : 0;
}

/*
 * RPR then, once RCER[CRE] is set, RCR: the same from either side
 * (mpc83xx.h "Reset control"). An RCR write without an unlock, or before
 * CRE, is lost and charged to its writer. Returns true on reset.
 */
static bool reset_control(struct pcinet_sim_slot *s, uint32_t off,
			  uint32_t val)
{
	struct sim_state *st = s->st;

	if (off == M83XX_RST_RPR) {
		st->rpr_unlocked = val == M83XX_RPR_UNLOCK;
		st->rcer_cre = 0;
		st->rcer_reads = 0;
		st->rpr_unlock_ns = st->rpr_unlocked ? now_ns() : 0;
		return false;
	}
	/* RCR: ignored by the hardware unless RCER[CRE] says enabled */
	if (!st->rpr_unlocked || !st->rcer_cre) {
		sim_violation(s, PCINET_SIM_VIOL_RCR_LOST,
			      st->rpr_unlocked ?
			      "%s wrote RCR 0x%08x before RCER[CRE] was seen set (%u RCER reads since the RPR unlock): the reset request is lost" :
			      "%s wrote RCR 0x%08x without an RPR unlock (%u RCER reads): the reset request is lost",
			      side_name(s), val, st->rcer_reads);
		return false;
	}
	st->rpr_unlocked = 0;
	st->rcer_cre = 0;
	st->rcer_reads = 0;
	if (val & M83XX_RCR_SWHR) {
		do_reset(s, M83XX_RSR_HRS | M83XX_RSR_SWHR);
		return true;
	}
	if (val & M83XX_RCR_SWSR) {
		do_reset(s, M83XX_RSR_SRS | M83XX_RSR_SWSR);
		return true;
	}
	return false;
}

static void ro_write(struct pcinet_sim_slot *s, uint32_t off, uint32_t val)
{
	sim_violation(s, PCINET_SIM_VIOL_RO_WRITE,
		      "%s wrote 0x%08x to IMMR 0x%04x, a register it may not write",
		      side_name(s), val, off);
}

static bool is_dma_reg(uint32_t off)
{
	return off >= M83XX_DMA_BASE &&
	       off < M83XX_DMA_CH(M83XX_DMA_CHANNELS - 1) + 0x28;
}

/* Host (PCI) writes. Returns the lines to re-evaluate. */
static unsigned int host_write(struct pcinet_sim_slot *s, uint32_t off,
			       uint32_t val)
{
	switch (off) {
	case M83XX_MU_OMISR:
		reg_clear(s, off, val & (M83XX_OMI_OM0I | M83XX_OMI_OM1I));
		return 0;
	case M83XX_MU_OMIMR:
		sim_reg_set(s, off, val);
		return LINE_HOST;
	case M83XX_MU_IMR0:
		sim_reg_set(s, off, val);
		reg_or(s, M83XX_MU_IMISR, M83XX_IMI_IM0I);
		return LINE_BOARD;
	case M83XX_MU_IMR1:
		sim_reg_set(s, off, val);
		if (!(val & PCINET_NET_STATUS_RUNNING))
			s->st->lease = 0;
		else if (pcinet_board_valid(sim_reg_get(s, M83XX_MU_OMR1)))
			s->st->lease = 1;
		reg_or(s, M83XX_MU_IMISR, M83XX_IMI_IM1I);
		return LINE_BOARD;
	case M83XX_MU_ODR:
		reg_clear(s, off, val);
		return 0;
	case M83XX_MU_IDR:
		if (val & M83XX_IDR_MACHINE_CHECK) {
			sim_violation(s, PCINET_SIM_VIOL_RESERVED_BIT,
				      "host set IDR bit 31 (machine check), value 0x%08x",
				      val);
			val &= ~M83XX_IDR_MACHINE_CHECK;
		}
		reg_or(s, off, val);
		return LINE_BOARD;
	case M83XX_RST_RPR:
	case M83XX_RST_RCR:
		reset_control(s, off, val);
		return 0;
	default:
		ro_write(s, off, val);
		return 0;
	}
}

/* Board (local) writes. Returns the lines to re-evaluate. */
static unsigned int board_write(struct pcinet_sim_slot *s, uint32_t off,
				uint32_t val, int *dma_start)
{
	switch (off) {
	case M83XX_MU_OMISR:
	case M83XX_MU_OMIMR:
	case M83XX_MU_IMR0:
	case M83XX_MU_IMR1:
	case M83XX_DMA_DGSR:
	case M83XX_RST_RCER:	/* status: the model has no write of it */
		ro_write(s, off, val);
		return 0;
	case M83XX_MU_OMR0:
		sim_reg_set(s, off, val);
		reg_or(s, M83XX_MU_OMISR, M83XX_OMI_OM0I);
		return LINE_HOST;
	case M83XX_MU_OMR1:
		sim_reg_set(s, off, val);
		reg_or(s, M83XX_MU_OMISR, M83XX_OMI_OM1I);
		return LINE_HOST;
	case M83XX_MU_ODR:
		reg_or(s, off, val);
		return LINE_HOST;
	case M83XX_MU_IDR:
		reg_clear(s, off, val);
		return 0;
	case M83XX_MU_IMISR:
		reg_clear(s, off, val & (M83XX_IMI_IM0I | M83XX_IMI_IM1I));
		return 0;
	case M83XX_MU_IMIMR:
		sim_reg_set(s, off, val);
		return LINE_BOARD;
	case M83XX_RST_RSR:
		reg_clear(s, off, val);	/* reset status bits are W1C */
		return 0;
	case M83XX_RST_RPR:
	case M83XX_RST_RCR:
		reset_control(s, off, val);
		return 0;
	default:
		if (is_dma_reg(off)) {
			*dma_start = sim_dma_write_reg(s, off, val);
			return LINE_BOARD;
		}
		sim_reg_set(s, off, val);	/* the board owns the rest */
		return 0;
	}
}

uint32_t pcinet_sim_read32(struct pcinet_sim_slot *s, uint32_t off)
{
	uint32_t v;

	if ((off & 3) || off >= M83XX_IMMR_SIZE)
		return 0xFFFFFFFF;
	switch (off) {
	case M83XX_MU_OMISR:
		return omisr_value(s);
	case M83XX_MU_IMISR:
		return imisr_value(s);
	case M83XX_DMA_DGSR:
		return sim_dma_dgsr(s);
	case M83XX_RST_RPR:
	case M83XX_RST_RCR:
		return 0;	/* write-only in this model */
	case M83XX_RST_RCER:
		if (s->side == PCINET_SIM_OBSERVER)
			return rcer_read(s);
		sim_lock(s->st);
		v = rcer_read(s);
		sim_unlock(s->st);
		return v;
	case M83XX_MU_OMR1:
		/* What the host knows about resets, for the checker */
		if (s->side == PCINET_SIM_HOST)
			s->epoch = __atomic_load_n(&s->st->epoch,
						   __ATOMIC_ACQUIRE);
		return sim_reg_get(s, off);
	default:
		return sim_reg_get(s, off);
	}
}

void pcinet_sim_write32(struct pcinet_sim_slot *s, uint32_t off, uint32_t val)
{
	unsigned int lines;
	int dma_start = -1;

	if (s->side == PCINET_SIM_OBSERVER || (off & 3) ||
	    off >= M83XX_IMMR_SIZE)
		return;
	sim_lock(s->st);
	if (pcinet_sim_board_stale(s)) {
		/* This board was reset: its CPU no longer runs */
		sim_unlock(s->st);
		return;
	}
	if (s->side == PCINET_SIM_HOST)
		lines = host_write(s, off, val);
	else
		lines = board_write(s, off, val, &dma_start);
	sim_unlock(s->st);
	if (s->side == PCINET_SIM_HOST)
		sim_host_activity(s);
	if (dma_start >= 0)
		sim_dma_run(s, (unsigned int)dma_start);
	if (lines & LINE_HOST)
		sim_irq_signal(s, PCINET_SIM_HOST);
	if (lines & LINE_BOARD)
		sim_irq_signal(s, PCINET_SIM_BOARD);
}
