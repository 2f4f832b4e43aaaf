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

/*
 * SIPNR_L: the board's internal interrupt sources that are pending, the
 * message unit (vector 69) and the DMA controller (71) [IPIC]. The model
 * shows a source pending whether SIMSR_L masks it or not [NONE].
 */
static uint32_t sipnr_l_value(const struct pcinet_sim_slot *s)
{
	const uint32_t im = M83XX_IMI_IM0I | M83XX_IMI_IM1I | M83XX_IMI_IDI;
	uint32_t v = 0;

	if (imisr_value(s) & ~sim_reg_get(s, M83XX_MU_IMIMR) & im)
		v |= M83XX_SIMSR_L_MU;
	if (sim_dma_irq(s))
		v |= M83XX_SIMSR_L_DMA;
	return v;
}

bool sim_line_level(const struct pcinet_sim_slot *s, enum pcinet_sim_side line)
{
	const uint32_t om = M83XX_OMI_OM0I | M83XX_OMI_OM1I | M83XX_OMI_ODI;

	if (line == PCINET_SIM_HOST)
		return omisr_value(s) & ~sim_reg_get(s, M83XX_MU_OMIMR) & om;
	/* Two IPIC sources, each reaching the CPU only if SIMSR_L says so */
	return sipnr_l_value(s) & sim_reg_get(s, M83XX_IPIC_SIMSR_L);
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
	/* DMA stops: a transfer in flight never ends (dma.c sees the epoch) */
	memset(s->st->dma_stage, 0, sizeof(s->st->dma_stage));
	sim_cfg_reset(s);	/* BARs, command: lost */
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
		    sim_now_ns() - st->rpr_unlock_ns >= SIM_CRE_LATENCY_US * 1000ull)
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
		st->rpr_unlock_ns = st->rpr_unlocked ? sim_now_ns() : 0;
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

/*
 * A write that tells the board to look (IDR, IMR0, IMR1) while BAR1 writes
 * are still posted: on the bus it may arrive first, and here it does
 * (posted.c). The host skipped protocol.md 3.5's read-back.
 */
static void check_posted(struct pcinet_sim_slot *s, uint32_t off,
			 uint32_t val)
{
	uint32_t held = sim_posted_bytes(s);

	if (held)
		sim_violation(s, PCINET_SIM_VIOL_POSTED_PASSED,
			      "host wrote 0x%08x to IMMR 0x%04x with %u bytes of BAR1 writes still posted: the board sees it before the data (protocol 3.5: read back first)",
			      val, off, held);
}

/*
 * A host access the board does not decode: its configuration space was lost
 * to a reset and not restored (protocol 2.2 host rule 3). The host's fault
 * once it has looked since the reset, the race's otherwise (as BAR1 use
 * after an unseen reset). Caller holds the lock.
 */
void sim_cfg_lost_access(struct pcinet_sim_slot *s, const char *what,
			 uint32_t off)
{
	if (s->epoch != __atomic_load_n(&s->st->epoch, __ATOMIC_ACQUIRE)) {
		sim_count(s, PCINET_SIM_STALE_AFTER_RESET, 1);
		return;
	}
	sim_violation(s, PCINET_SIM_VIOL_CFG_LOST,
		      "host %s 0x%x of slot %u before restoring its configuration space (lost to a reset)",
		      what, off, s->index);
}

/* Host (PCI) writes. Returns the lines to re-evaluate. */
static unsigned int host_write(struct pcinet_sim_slot *s, uint32_t off,
			       uint32_t val)
{
	if (!sim_cfg_decodes(s, 0)) {
		sim_cfg_lost_access(s, "wrote BAR0", off);
		return 0;	/* nobody claims the cycle */
	}
	if (off == M83XX_MU_IDR || off == M83XX_MU_IMR0 ||
	    off == M83XX_MU_IMR1)
		check_posted(s, off, val);
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

/*
 * The board publishes its region (OMR1 gains REGISTERS_VALID): the host
 * will now write into it, and software reading it through the data cache
 * sees those writes only if inbound window 0 snoops [UB-PIWAR].
 */
static void check_publish_snoop(struct pcinet_sim_slot *s, uint32_t val)
{
	uint32_t piwar = sim_reg_get(s, M83XX_PIWAR0);

	/* no window at all is not this rule's: viol_board_window catches it */
	if (!pcinet_board_valid(val) ||
	    pcinet_board_valid(sim_reg_get(s, M83XX_MU_OMR1)) ||
	    !(piwar & M83XX_PIWAR_EN) ||
	    (piwar & M83XX_PIWAR_TT_MASK) == M83XX_PIWAR_SNOOP)
		return;
	sim_violation(s, PCINET_SIM_VIOL_NO_SNOOP,
		      "board of slot %u published its region (OMR1 0x%08x) with PIWAR0 0x%08x: inbound reads and writes must snoop (RTT/WTT 0x5)",
		      s->index, val, piwar);
}

/* Board (local) writes. Returns the lines to re-evaluate. */
static unsigned int board_write(struct pcinet_sim_slot *s, uint32_t off,
				uint32_t val, int *dma_start, uint64_t *due)
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
		check_publish_snoop(s, val);
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
	case M83XX_IPIC_SIMSR_L:
		sim_reg_set(s, off, val);
		return LINE_BOARD;
	case M83XX_IPIC_SIPNR_L:
		ro_write(s, off, val);	/* pending state is the sources' */
		return 0;
	case M83XX_RST_RSR:
		reg_clear(s, off, val);	/* reset status bits are W1C */
		return 0;
	case M83XX_RST_RPR:
	case M83XX_RST_RCR:
		reset_control(s, off, val);
		return 0;
	default:
		if (is_dma_reg(off)) {
			*dma_start = sim_dma_write_reg(s, off, val, due);
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
	/* A read's completion pushes the host's posted writes ahead of it */
	if (s->side == PCINET_SIM_HOST) {
		sim_posted_flush(s, false);
		if (!sim_cfg_decodes(s, 0)) {
			/* master abort: reads float high (protocol 10.4) */
			if (off == M83XX_MU_OMR1)
				s->epoch = __atomic_load_n(&s->st->epoch,
							   __ATOMIC_ACQUIRE);
			return 0xFFFFFFFF;
		}
	}
	switch (off) {
	case M83XX_MU_OMISR:
		return omisr_value(s);
	case M83XX_MU_IMISR:
		return imisr_value(s);
	case M83XX_DMA_DGSR:
		return sim_dma_dgsr(s);
	case M83XX_IPIC_SIPNR_L:
		return sipnr_l_value(s);
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

/* No thread to run the transfer (out of memory): it fails, visibly */
static void dma_no_engine(struct pcinet_sim_slot *s, unsigned int n)
{
	sim_lock(s->st);
	s->st->dma_stage[n] = SIM_DMA_IDLE;
	sim_reg_set(s, M83XX_DMA_SR(n),
		    sim_reg_get(s, M83XX_DMA_SR(n)) | M83XX_DMA_SR_TE);
	sim_unlock(s->st);
	sim_count(s, PCINET_SIM_DMA_ERRORS, 1);
	sim_irq_signal(s, PCINET_SIM_BOARD);
}

void pcinet_sim_write32(struct pcinet_sim_slot *s, uint32_t off, uint32_t val)
{
	unsigned int lines;
	int dma_start = -1;
	uint64_t due = 0;

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
		lines = board_write(s, off, val, &dma_start, &due);
	sim_unlock(s->st);
	if (s->side == PCINET_SIM_HOST)
		sim_wake_board(s);
	if (dma_start >= 0 &&
	    sim_engine_at(s, SIM_EVENT_DMA0 + (unsigned int)dma_start, due))
		dma_no_engine(s, (unsigned int)dma_start);
	if (lines & LINE_HOST)
		sim_irq_signal(s, PCINET_SIM_HOST);
	if (lines & LINE_BOARD)
		sim_irq_signal(s, PCINET_SIM_BOARD);
}
