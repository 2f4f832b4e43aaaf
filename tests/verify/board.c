// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The board side of the model: protocol.md 10.2 as u-boot/drivers/net/
 * pcinet.c and linux/pcinet_fsl_main.c do it, one step per register write
 * or decision. The generation comes from the real pcinet_next_generation()
 * (pcinet_proto.h, 6.7). The region lives in board RAM and survives a
 * reset; the registers do not.
 *
 * Flavours: U-Boot (sets PCINET_NET_RXINT_OFF with VALID and polls; every
 * net command is a start and a stop; the OS handoff, with or without the
 * preboot hook) and Linux (starts with no generation of its own and takes
 * the next from the region; withdraws a region U-Boot left valid; may
 * switch between polling and interrupts while attached, 8.5).
 */
#include <pcinet/pcinet_proto.h>
#include "model.h"

bool board_region_in_use(const struct vs *s)
{
	return s->sw != SW_FOREIGN &&
	       (s->bst == BS_VALID || s->bst == BS_ACCEPTED ||
		s->bst == BS_ATTACHED || s->bst == BS_STOPPING);
}

/* The host's status word, as the board reads IMR1 (a local register) */
static bool host_running(const struct vs *s)
{
	u32 h = st_word(s->imr1);

	return pcinet_status_compatible(h, PCINET_STATUS_SIG_HOST) &&
	       (h & PCINET_NET_STATUS_RUNNING);
}

/* Every OMR1 write interrupts the host (OM1I) */
static void set_omr1(struct vs *n, u8 flags)
{
	n->omr1 = SC(SK_BOARD, flags);
	n->rf |= RF_OM1I;
}

static void emit_board(const struct vs *n, enum kind kind, const char *label,
		       const char *viol)
{
	emit(n, WHO_BOARD, kind, label, viol);
}

/* Stop path (10.2): DMA idle, VALID and RUNNING cleared in one write */
static void board_stop(const struct vs *s, enum board_sw sw, const char *label)
{
	struct vs n = *s;

	set_omr1(&n, 0);
	n.bst = BS_STOPPING;
	n.bf = 0;
	n.b_acc = PO_NONE;
	if (sw != s->sw) {
		/* Linux's take-over: no generation of its own yet */
		n.sw = sw;
		n.b_last = 0;
	}
	emit_board(&n, K_ENV, label, NULL);
}

/* Initialise: zero the control block, a new generation (6.7), VALID */
static void board_net_start(const struct vs *s)
{
	struct pcinet_ctrl c = { 0 };
	struct vs n = *s;
	u32 gen;

	if (s->r_magic) {
		c.magic = cpu_to_le32(PCINET_MAGIC);
		c.generation = cpu_to_le32(gen_word(s->r_gen));
	}
	gen = pcinet_next_generation(&c, gen_word(s->b_last));
	n.r_magic = 1;
	n.r_gen = gen_code(gen);
	n.b_last = n.r_gen;
	n.hp_owner = PO_NONE;
	n.hp_ack = 0;
	n.fr &= ~(FR_H2B | FR_H2B_LOST);	/* the rings are zeroed */
	n.b_acc = PO_NONE;
	n.bf = s->sw == SW_UBOOT ? BF_RXOFF : 0;
	set_omr1(&n, PCINET_NET_REGISTERS_VALID | (n.bf & BF_RXOFF ?
			PCINET_NET_RXINT_OFF : 0));
	n.bst = BS_VALID;
	emit_board(&n, K_PROGRESS, "B net start: region, generation, VALID",
		   NULL);
}

/* Take the h2b frame (8.3): the board delivers it to its stack */
static const char *board_take_frame(struct vs *n)
{
	const char *viol = NULL;

	if (n->fr & FR_H2B_LOST)
		viol = "S3 lost: the board takes a frame the host counted lost (freed memory)";
	else if (n->h2b_gen != n->b_last)
		viol = "S3 generation: a frame posted for another generation delivered";
	n->fr &= ~(FR_H2B | FR_H2B_LOST);
	n->rf &= ~RF_KICK;
	n->bf |= BF_SERVED;
	return viol;
}

static u8 board_flags(const struct vs *n)
{
	u8 f = PCINET_NET_REGISTERS_VALID;

	if (n->bst == BS_ATTACHED)
		f |= PCINET_NET_STATUS_RUNNING;
	if (n->bf & BF_RXOFF)
		f |= PCINET_NET_RXINT_OFF;
	return f;
}

/* 10.2 detach: DMA stopped, host part zeroed, RUNNING clear, VALID kept */
static void board_detach(struct vs *n)
{
	n->hp_owner = PO_NONE;
	n->hp_ack = 0;
	n->fr &= ~(FR_H2B | FR_H2B_LOST);
	n->b_acc = PO_NONE;
	n->bf &= ~BF_SERVED;
	n->bst = BS_VALID;
	set_omr1(n, board_flags(n));
}

static void board_attached(const struct vs *s)
{
	bool fresh = s->bf & BF_FRESH;
	/* 10.2: after setting RUNNING, read IMR1 again, then serve */
	bool serve = !fresh;
	struct vs n;

	/* IM1I or poll: the host's lease */
	n = *s;
	n.bf &= ~BF_FRESH;
	if (mopt.fix_f1 && fresh && host_running(s) && s->hp_lease &&
	    s->b_acc != PO_CUR && s->hp_owner != PO_NONE &&
	    s->hp_ack == s->b_last) {
		/* -f 1: a newer part of this lease: take that one */
		n.b_acc = s->hp_owner;
		n.bf |= BF_FRESH;
		emit_board(&n, K_PROGRESS, "B read IMR1: take this lease's part",
			   NULL);
	} else if (!host_running(s) ||
		   (mopt.fix_f1 && fresh && (!s->hp_lease || s->b_acc != PO_CUR))) {
		/* -f 1: the part it took must still be this lease's */
		board_detach(&n);
		emit_board(&n, K_PROGRESS, "B read IMR1: lease gone, detach", NULL);
	} else {
		emit_board(&n, K_PROGRESS, "B read IMR1: lease held", NULL);
	}

	/* a board that lets go on its own, VALID kept (10.3 "dropped") */
	if (!fresh) {
		n = *s;
		board_detach(&n);
		emit_board(&n, K_ENV, "B drops the attach, stays VALID", NULL);
	}

	/* h2b: the board polls, or the host rang NET_KICK */
	if (serve && (s->fr & FR_H2B) &&
	    ((s->bf & BF_RXOFF) || (s->rf & RF_KICK))) {
		const char *viol;

		n = *s;
		viol = board_take_frame(&n);
		emit_board(&n, K_PROGRESS, "B take h2b frame", viol);
	}

	/* b2h: a frame into a posted host buffer, its completion after it */
	if (!fresh && s->hp_owner != PO_NONE && !(s->fr & FR_CMPL)) {
		n = *s;
		n.fr |= FR_CMPL;
		n.cmpl_gen = s->b_last;
		n.bf |= BF_SERVED;
		/* the buffers the ring's descriptors name now: the latest
		 * attach's, live until the host reclaims them
		 */
		emit_board(&n, K_TRAFFIC, "B b2h frame",
			   s->hp_owner == PO_STALE ||
			   (s->hp_owner == PO_CUR && !(s->hf & HF_BUFS)) ?
			   "S2 memory: board DMA into host memory the host reclaimed" :
			   NULL);
	}

	/* Linux: NAPI enters or leaves sustained polling (8.5 rules 2, 3) */
	if (s->sw == SW_LINUX && !fresh) {
		const char *viol = NULL;

		n = *s;
		if (s->bf & BF_RXOFF) {
			n.bf &= ~BF_RXOFF;
			set_omr1(&n, board_flags(&n));
			/* rule 3: check the indices once more */
			if (n.fr & FR_H2B)
				viol = board_take_frame(&n);
			emit_board(&n, K_TRAFFIC, "B RXINT_OFF clear (and look)",
				   viol);
		} else {
			n.bf |= BF_RXOFF;
			set_omr1(&n, board_flags(&n));
			emit_board(&n, K_TRAFFIC, "B RXINT_OFF set", NULL);
		}
	}
}

static void board_reset(const struct vs *s)
{
	struct vs n = *s;

	if (s->bst == BS_OFF && (s->rf & RF_CFG_LOST))
		return;
	n.bst = BS_OFF;
	n.sw = SW_NONE;
	n.bf = 0;
	n.b_last = 0;
	n.b_acc = PO_NONE;
	n.omr1 = SC(SK_ZERO, 0);
	n.imr1 = SC(SK_ZERO, 0);
	n.hp_lease = 0;
	n.rf = RF_CFG_LOST;
	emit_board(&n, K_ENV, "B RESET", NULL);
}

void board_steps(const struct vs *s)
{
	struct vs n;

	board_reset(s);
	if (s->sw == SW_FOREIGN)
		return;
	switch (s->bst) {
	case BS_OFF:
		n = *s;
		n.sw = SW_UBOOT;
		n.bst = BS_IDLE;
		set_omr1(&n, 0);
		emit_board(&n, K_PROGRESS, "B U-Boot starts: OMR1 = B", NULL);
		n = *s;
		n.sw = SW_FOREIGN;
		n.bst = BS_IDLE;
		n.omr1 = SC(SK_FOREIGN, PCINET_NET_REGISTERS_VALID |
			    PCINET_NET_STATUS_RUNNING);
		n.rf |= RF_OM1I;
		emit_board(&n, K_ENV, "B firmware of another major starts", NULL);
		break;
	case BS_IDLE:
		board_net_start(s);
		if (s->sw == SW_UBOOT) {
			/* bootm after the last net command's stop */
			n = *s;
			n.sw = SW_LINUX;
			n.b_last = 0;
			n.bf = 0;
			set_omr1(&n, 0);
			emit_board(&n, K_ENV, "B OS handoff: Linux", NULL);
		}
		break;
	case BS_VALID:
		n = *s;
		if (host_running(s) && s->hp_owner != PO_NONE &&
		    s->hp_ack == s->b_last && (!mopt.fix_f1 || s->hp_lease)) {
			n.bst = BS_ACCEPTED;
			n.b_acc = s->hp_owner;
			n.bf &= ~BF_SERVED;
			emit_board(&n, K_PROGRESS, "B read IMR1, host part: accept",
				   NULL);
		} else {
			emit_board(&n, K_PROGRESS, "B read IMR1: nothing to do",
				   NULL);
		}
		board_stop(s, s->sw, "B net stop");
		if (s->sw == SW_UBOOT)
			board_stop(s, SW_LINUX, "B OS handoff without stop: Linux withdraws");
		break;
	case BS_ACCEPTED:
		/* host area header {0, 0, gen} written (the fixed area, 10.7) */
		n = *s;
		n.bst = BS_ATTACHED;
		n.bf |= BF_FRESH;
		set_omr1(&n, board_flags(&n));
		emit_board(&n, K_PROGRESS, "B header written, RUNNING", NULL);
		break;
	case BS_ATTACHED:
		board_attached(s);
		board_stop(s, s->sw, "B net stop");
		if (s->sw == SW_UBOOT)
			board_stop(s, SW_LINUX, "B OS handoff without stop: Linux withdraws");
		break;
	case BS_STOPPING:
		n = *s;
		if (!host_running(s)) {
			n.bst = BS_IDLE;
			emit_board(&n, K_PROGRESS, "B read IMR1: lease ended, region free",
				   NULL);
		} else {
			emit_board(&n, K_PROGRESS, "B read IMR1: lease still held",
				   NULL);
			if (mopt.stop_timeout) {
				n.bst = BS_IDLE;
				emit_board(&n, K_ENV, "B PCINET_STOP_ACK_MS passed",
					   NULL);
			}
		}
		break;
	default:
		break;
	}
}
