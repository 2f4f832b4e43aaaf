/* SPDX-License-Identifier: GPL-2.0+ */
/*
 * PCINet host state machine (docs/protocol.md 10.3), written once for every
 * host (pcinetd, pcinet_host). It decides; the caller acts. Each action is
 * one step the caller takes on the hardware (a register write, a read, the
 * attach's BAR1 writes, its own memory); an action that reads something is
 * answered with what it read before the next action is asked for:
 *
 *	pcinet_host_sm_status(&sm, omr1, om1i, may_attach);	(10.4 step 4)
 *	while ((act = pcinet_host_sm_next(&sm)) != PCINET_HA_NONE) {
 *		switch (act) {
 *		case PCINET_HA_READ_BOARD:
 *			pcinet_host_sm_board(&sm, read OMR1);
 *			break;
 *		case PCINET_HA_READ_GENERATION:
 *			pcinet_host_sm_generation(&sm, answered, BAR1 0x28);
 *			break;
 *		case PCINET_HA_ATTACH:
 *			attach steps 3-9, then
 *			pcinet_host_sm_attached(&sm, outcome, generation);
 *			break;
 *		case ...: the other actions are answered by nothing
 *		}
 *	}
 *
 * The other entries start the same loop: pcinet_host_sm_reset() (10.4 step
 * 3, a reset observed), pcinet_host_sm_broken() (8.6: the link breaks while
 * attached) and pcinet_host_sm_release() (before a reset or an unload).
 *
 * Everything the table decides lives here, and nothing else: no register,
 * no memory, no clock, no log. That is what lets one implementation serve
 * two hosts, and what tests/verify explores exhaustively against a board.
 */
#ifndef _PCINET_HOST_SM_H
#define _PCINET_HOST_SM_H

#include "pcinet_proto.h"

/* The states of 10.3, one instance per board */
enum pcinet_host_state {
	PCINET_HOST_ABSENT,		/* status 0, all ones or no board signature */
	PCINET_HOST_INCOMPATIBLE,	/* the board speaks another major */
	PCINET_HOST_IDLE,		/* compatible, not attached */
	PCINET_HOST_CLEARING,		/* board RUNNING without an attach of ours */
	PCINET_HOST_ATTACHED,		/* lease held, carrier on */
	PCINET_HOST_DETACHING,		/* lease ended, board still RUNNING */
	PCINET_HOST_REFUSED,		/* generation ->generation refused */
	PCINET_HOST_STATES
};

/*
 * What the caller does next. STOP: the data path and the carrier go off,
 * no BAR1 access from here on (->why says why). RECLAIM: the board can no
 * longer write our memory; forget the rings, count unsent frames as lost.
 * WAIT: start the PCINET_DETACH_ACK_MS clock of CLEARING or DETACHING.
 */
enum pcinet_host_act {
	PCINET_HA_NONE,		/* settled until the next status check */
	PCINET_HA_KICK,		/* ring PCINET_DB_NET_KICK in IDR (8.5 rule 4) */
	PCINET_HA_LOG_INCOMPATIBLE, /* log once: "board speaks PCINet major N" */
	PCINET_HA_TAKE_LEASE,	/* IMR1 = host status | RUNNING */
	PCINET_HA_RELEASE_LEASE, /* IMR1 = host status without RUNNING */
	PCINET_HA_READ_BOARD,	/* read OMR1: pcinet_host_sm_board() */
	PCINET_HA_READ_GENERATION, /* BAR1 0x28: pcinet_host_sm_generation() */
	PCINET_HA_ATTACH,	/* attach steps 3-9: pcinet_host_sm_attached() */
	PCINET_HA_STOP,		/* data path, carrier off; BAR1 no more */
	PCINET_HA_RECLAIM,	/* forget the rings: the board cannot write */
	PCINET_HA_WAIT,		/* start the PCINET_DETACH_ACK_MS clock */
	PCINET_HA_ACTS
};

/*
 * How the attach steps 3-9 (PCINET_HA_ATTACH) ended. REFUSED: the control
 * block or the memory plan was refused (the caller logged why), nothing
 * written to BAR1.
 */
enum pcinet_attach_outcome {
	PCINET_ATTACH_OK,	/* host part written, IMR1 written again */
	PCINET_ATTACH_REFUSED,	/* control block or memory plan refused */
	PCINET_ATTACH_BROKEN,	/* a BAR1 write failed midway */
};

/* Why the link went down (PCINET_HA_STOP): for the caller's log */
enum pcinet_host_why {
	PCINET_WHY_NONE,
	PCINET_WHY_INVALID,	/* the board cleared VALID or vanished */
	PCINET_WHY_DROPPED,	/* the board cleared RUNNING while valid */
	PCINET_WHY_REINITIALISED, /* a new generation while attached */
	PCINET_WHY_BROKEN,	/* the caller said so (8.6, a failed write) */
	PCINET_WHY_RELEASED,	/* the host let go (reset, unload, down) */
	PCINET_WHY_RESET,	/* a reset of the board was observed */
};

/* What the machine is waiting for from the caller */
enum pcinet_host_need {
	PCINET_NEED_NONE,
	PCINET_NEED_BOARD_ATTACH,	/* OMR1 after the lease (attach 2) */
	PCINET_NEED_BOARD_LOOK,		/* OMR1 after the lease (REFUSED) */
	PCINET_NEED_BOARD_DETACH,	/* OMR1 after the lease ended */
	PCINET_NEED_GEN_ATTACHED,	/* generation, ATTACHED, never RUNNING */
	PCINET_NEED_GEN_LOOK,		/* generation, REFUSED looking again */
	PCINET_NEED_ATTACHED,		/* the attach's outcome */
};

#define PCINET_HOST_SM_QUEUE	8	/* actions decided, not yet taken */
#define PCINET_HOST_SM_ROUNDS	4	/* table evaluations per check */

struct pcinet_host_sm {
	enum pcinet_host_state state;
	u32 board;		/* the board's status word, as last read */
	u32 generation;		/* attached (ATTACHED), refused (REFUSED) */
	bool om1i;		/* this check is for the board's OMR1 write */
	bool may_attach;	/* interface up, not held, not going away */
	bool running_seen;	/* ATTACHED: the board set RUNNING for it */
	bool refusing;		/* the detach under way ends in REFUSED */
	bool lease;		/* our IMR1 carries RUNNING */
	bool rxint_off;		/* the board's PCINET_NET_RXINT_OFF */
	bool look_missed;	/* REFUSED: an OM1I it could not act on */
	bool evaluate;		/* run the table when the queue drains */
	unsigned int rounds;	/* table evaluations in this check */
	unsigned int head, len;	/* the action queue */
	enum pcinet_host_act queue[PCINET_HOST_SM_QUEUE];
	enum pcinet_host_need need;
	enum pcinet_host_why why;
	u32 attaches;		/* counters, for the caller's status */
	u32 detaches;
	u32 refusals;
};

static inline const char *pcinet_host_state_name(enum pcinet_host_state s)
{
	static const char * const names[PCINET_HOST_STATES] = {
		[PCINET_HOST_ABSENT] = "absent",
		[PCINET_HOST_INCOMPATIBLE] = "incompatible",
		[PCINET_HOST_IDLE] = "idle",
		[PCINET_HOST_CLEARING] = "clearing",
		[PCINET_HOST_ATTACHED] = "attached",
		[PCINET_HOST_DETACHING] = "detaching",
		[PCINET_HOST_REFUSED] = "refused",
	};

	return (unsigned int)s < PCINET_HOST_STATES ? names[s] : "?";
}

/* For logs and traces: "TAKE_LEASE", ... */
static inline const char *pcinet_host_act_name(enum pcinet_host_act a)
{
	static const char * const names[PCINET_HA_ACTS] = {
		[PCINET_HA_NONE] = "NONE",
		[PCINET_HA_KICK] = "KICK",
		[PCINET_HA_LOG_INCOMPATIBLE] = "LOG_INCOMPATIBLE",
		[PCINET_HA_TAKE_LEASE] = "TAKE_LEASE",
		[PCINET_HA_RELEASE_LEASE] = "RELEASE_LEASE",
		[PCINET_HA_READ_BOARD] = "READ_BOARD",
		[PCINET_HA_READ_GENERATION] = "READ_GENERATION",
		[PCINET_HA_ATTACH] = "ATTACH",
		[PCINET_HA_STOP] = "STOP",
		[PCINET_HA_RECLAIM] = "RECLAIM",
		[PCINET_HA_WAIT] = "WAIT",
	};

	return (unsigned int)a < PCINET_HA_ACTS ? names[a] : "?";
}

static inline void pcinet_host_sm_init(struct pcinet_host_sm *sm)
{
	*sm = (struct pcinet_host_sm){ .state = PCINET_HOST_ABSENT };
}

/*
 * The board's status word, as 4.2 reads it. All ones (a board that does
 * not answer) needs no test of its own: its signature byte is 0xFF, so it
 * is neither present nor compatible nor valid.
 */
static inline bool pcinet_host_sm_present(u32 b)
{
	return pcinet_status_present(b, PCINET_STATUS_SIG_BOARD);
}

static inline bool pcinet_host_sm_compatible(u32 b)
{
	return pcinet_status_compatible(b, PCINET_STATUS_SIG_BOARD);
}

static inline bool pcinet_host_sm_running(u32 b)
{
	return pcinet_host_sm_compatible(b) && (b & PCINET_NET_STATUS_RUNNING);
}

static inline void pcinet_host_sm_push(struct pcinet_host_sm *sm,
				       enum pcinet_host_act act)
{
	/* the longest sequence one step decides is four actions */
	if (sm->len < PCINET_HOST_SM_QUEUE)
		sm->queue[(sm->head + sm->len++) % PCINET_HOST_SM_QUEUE] = act;
}

static inline void pcinet_host_sm_take_lease(struct pcinet_host_sm *sm,
					     enum pcinet_host_need need)
{
	sm->lease = true;
	pcinet_host_sm_push(sm, PCINET_HA_TAKE_LEASE);
	pcinet_host_sm_push(sm, PCINET_HA_READ_BOARD);
	sm->need = need;
}

static inline void pcinet_host_sm_release_lease(struct pcinet_host_sm *sm)
{
	sm->lease = false;
	pcinet_host_sm_push(sm, PCINET_HA_RELEASE_LEASE);
}

/* Reclaim: the attach is over for good, the board no longer writes */
static inline void pcinet_host_sm_reclaim(struct pcinet_host_sm *sm)
{
	pcinet_host_sm_push(sm, PCINET_HA_RECLAIM);
	sm->running_seen = false;
	if (sm->refusing) {
		sm->refusing = false;
		sm->refusals++;
		sm->look_missed = false;
		sm->state = PCINET_HOST_REFUSED;
	} else {
		sm->state = PCINET_HOST_IDLE;
	}
}

/*
 * Detach: the data path stops, the lease ends, and then (write before read,
 * 10.1 rule 4) the board's status says whether to reclaim now or to wait
 * in DETACHING. State DETACHING until that read is answered.
 */
static inline void pcinet_host_sm_detach(struct pcinet_host_sm *sm,
					 enum pcinet_host_why why, bool refuse)
{
	sm->why = why;
	sm->refusing = refuse;
	sm->detaches++;
	sm->state = PCINET_HOST_DETACHING;
	pcinet_host_sm_push(sm, PCINET_HA_STOP);
	pcinet_host_sm_release_lease(sm);
	pcinet_host_sm_push(sm, PCINET_HA_READ_BOARD);
	sm->need = PCINET_NEED_BOARD_DETACH;
}

/* One evaluation of the 10.3 table on sm->board; may pause on a read */
static inline void pcinet_host_sm_table(struct pcinet_host_sm *sm)
{
	u32 b = sm->board;
	bool present = pcinet_host_sm_present(b);
	bool compatible = pcinet_host_sm_compatible(b);
	bool valid = pcinet_board_valid(b);
	bool running = pcinet_host_sm_running(b);

	/* a transition that settles clears evaluate; one that moves on keeps it */
	sm->evaluate = false;
	switch (sm->state) {
	case PCINET_HOST_ATTACHED:
		if (!valid) {
			pcinet_host_sm_detach(sm, PCINET_WHY_INVALID, false);
			sm->evaluate = true;
		} else if (running) {
			sm->running_seen = true;
		} else if (sm->running_seen) {
			/* unusual: a board stops by clearing VALID first */
			pcinet_host_sm_detach(sm, PCINET_WHY_DROPPED, false);
			sm->evaluate = true;
		} else {
			/* not yet RUNNING: has it re-made its region since? */
			pcinet_host_sm_push(sm, PCINET_HA_READ_GENERATION);
			sm->need = PCINET_NEED_GEN_ATTACHED;
		}
		return;
	case PCINET_HOST_DETACHING:
		if (!running) {
			pcinet_host_sm_reclaim(sm);
			sm->evaluate = true;
		}
		return;
	case PCINET_HOST_CLEARING:
		if (!running) {
			sm->state = PCINET_HOST_IDLE;
			sm->evaluate = true;
		}
		return;
	case PCINET_HOST_REFUSED:
		if (!valid) {
			sm->state = PCINET_HOST_IDLE;
			sm->look_missed = false;
			sm->evaluate = true;
		} else if ((sm->om1i || sm->look_missed) && !running) {
			/*
			 * The board wrote its status: a new generation? Asked
			 * later if the host may not attach now: the board may
			 * have re-made its region between two checks, VALID
			 * never seen clear, and will not write again.
			 */
			sm->look_missed = !sm->may_attach;
			if (sm->may_attach)
				pcinet_host_sm_take_lease(sm, PCINET_NEED_BOARD_LOOK);
		}
		return;
	case PCINET_HOST_ABSENT:
	case PCINET_HOST_INCOMPATIBLE:
	case PCINET_HOST_IDLE:
	default:
		if (!present) {
			sm->state = PCINET_HOST_ABSENT;
		} else if (!compatible) {
			if (sm->state != PCINET_HOST_INCOMPATIBLE)
				pcinet_host_sm_push(sm,
						    PCINET_HA_LOG_INCOMPATIBLE);
			sm->state = PCINET_HOST_INCOMPATIBLE;
		} else if (running) {
			/* attached to a predecessor of ours: make it let go */
			pcinet_host_sm_release_lease(sm);
			pcinet_host_sm_push(sm, PCINET_HA_WAIT);
			sm->state = PCINET_HOST_CLEARING;
		} else {
			sm->state = PCINET_HOST_IDLE;
			if (valid && sm->may_attach)
				pcinet_host_sm_take_lease(sm, PCINET_NEED_BOARD_ATTACH);
		}
		return;
	}
}

/*
 * The next action, or PCINET_HA_NONE once settled. Called while an answer
 * is still owed, it returns PCINET_HA_NONE: a caller bug, which the
 * machine survives by deciding nothing more until the next check.
 */
static inline enum pcinet_host_act pcinet_host_sm_next(struct pcinet_host_sm *sm)
{
	enum pcinet_host_act act;

	for (;;) {
		if (sm->len) {
			act = sm->queue[sm->head];
			sm->head = (sm->head + 1) % PCINET_HOST_SM_QUEUE;
			sm->len--;
			return act;
		}
		if (sm->need != PCINET_NEED_NONE || !sm->evaluate ||
		    sm->rounds >= PCINET_HOST_SM_ROUNDS)
			return PCINET_HA_NONE;
		sm->rounds++;
		pcinet_host_sm_table(sm);
	}
}

/* Start a step: drop what an earlier one left undone */
static inline void pcinet_host_sm_begin(struct pcinet_host_sm *sm,
					bool evaluate)
{
	sm->head = 0;
	sm->len = 0;
	sm->rounds = 0;
	sm->need = PCINET_NEED_NONE;
	sm->evaluate = evaluate;
}

/* 10.4 step 4: the status check read OMR1 = b */
static inline void pcinet_host_sm_status(struct pcinet_host_sm *sm, u32 b,
					 bool om1i, bool may_attach)
{
	bool rxint_off = pcinet_host_sm_compatible(b) &&
			 (b & PCINET_NET_RXINT_OFF);

	pcinet_host_sm_begin(sm, true);
	sm->board = b;
	sm->om1i = om1i;
	sm->may_attach = may_attach;
	/* 8.5 rule 4: a peer that stops polling gets one kick */
	if (sm->state == PCINET_HOST_ATTACHED && sm->rxint_off && !rxint_off &&
	    pcinet_host_sm_compatible(b))
		pcinet_host_sm_push(sm, PCINET_HA_KICK);
	sm->rxint_off = rxint_off;
}

/* The answer to PCINET_HA_READ_BOARD */
static inline void pcinet_host_sm_board(struct pcinet_host_sm *sm, u32 b)
{
	enum pcinet_host_need need = sm->need;

	sm->board = b;
	sm->need = PCINET_NEED_NONE;
	switch (need) {
	case PCINET_NEED_BOARD_ATTACH:
		/* attach step 2: BAR1 not touched if the board moved on */
		if (!pcinet_board_valid(b)) {
			pcinet_host_sm_release_lease(sm);
			sm->state = PCINET_HOST_IDLE;
			sm->evaluate = false;
		} else if (b & PCINET_NET_STATUS_RUNNING) {
			pcinet_host_sm_release_lease(sm);
			pcinet_host_sm_push(sm, PCINET_HA_WAIT);
			sm->state = PCINET_HOST_CLEARING;
			sm->evaluate = false;
		} else {
			pcinet_host_sm_push(sm, PCINET_HA_ATTACH);
			sm->need = PCINET_NEED_ATTACHED;
		}
		return;
	case PCINET_NEED_BOARD_LOOK:
		if (!pcinet_board_valid(b) ||
		    (b & PCINET_NET_STATUS_RUNNING)) {
			pcinet_host_sm_release_lease(sm);
			sm->evaluate = false;
		} else {
			pcinet_host_sm_push(sm, PCINET_HA_READ_GENERATION);
			sm->need = PCINET_NEED_GEN_LOOK;
		}
		return;
	case PCINET_NEED_BOARD_DETACH:
		if (pcinet_host_sm_running(b)) {
			/* its DMA may still write our memory: keep it */
			pcinet_host_sm_push(sm, PCINET_HA_WAIT);
			sm->evaluate = false;
		} else {
			pcinet_host_sm_reclaim(sm);
		}
		return;
	default:
		return;
	}
}

/* The answer to PCINET_HA_READ_GENERATION: answered false if BAR1 did not */
static inline void pcinet_host_sm_generation(struct pcinet_host_sm *sm,
					     bool answered, u32 gen)
{
	enum pcinet_host_need need = sm->need;
	bool same = answered && gen == sm->generation;

	sm->need = PCINET_NEED_NONE;
	switch (need) {
	case PCINET_NEED_GEN_ATTACHED:
		if (same) {
			sm->evaluate = false;	/* wait for its RUNNING */
		} else {
			pcinet_host_sm_detach(sm, PCINET_WHY_REINITIALISED,
					      false);
			sm->evaluate = true;
		}
		return;
	case PCINET_NEED_GEN_LOOK:
		if (same || !answered) {
			pcinet_host_sm_release_lease(sm);
			sm->evaluate = false;
		} else {
			pcinet_host_sm_push(sm, PCINET_HA_ATTACH);
			sm->need = PCINET_NEED_ATTACHED;
		}
		return;
	default:
		return;
	}
}

/* The answer to PCINET_HA_ATTACH: gen is the generation the copy showed */
static inline void pcinet_host_sm_attached(struct pcinet_host_sm *sm,
					   enum pcinet_attach_outcome outcome,
					   u32 gen)
{
	if (sm->need != PCINET_NEED_ATTACHED)
		return;
	sm->need = PCINET_NEED_NONE;
	sm->generation = gen;
	sm->evaluate = false;
	switch (outcome) {
	case PCINET_ATTACH_OK:
		sm->state = PCINET_HOST_ATTACHED;
		sm->running_seen = false;
		sm->why = PCINET_WHY_NONE;
		sm->attaches++;
		return;
	case PCINET_ATTACH_REFUSED:
		/* found once per generation, not at every status check */
		pcinet_host_sm_release_lease(sm);
		sm->refusals++;
		sm->look_missed = false;
		sm->state = PCINET_HOST_REFUSED;
		return;
	case PCINET_ATTACH_BROKEN:
	default:
		pcinet_host_sm_detach(sm, PCINET_WHY_BROKEN, false);
		return;
	}
}

/*
 * 10.4 step 3 a-b: a reset was observed. The reset ended the lease and
 * stopped the board's DMA: reclaim without waiting; "not after a reset"
 * no refusal survives it.
 */
static inline void pcinet_host_sm_reset(struct pcinet_host_sm *sm)
{
	pcinet_host_sm_begin(sm, false);
	sm->lease = false;
	sm->look_missed = false;
	if (sm->state == PCINET_HOST_ATTACHED) {
		sm->why = PCINET_WHY_RESET;
		pcinet_host_sm_push(sm, PCINET_HA_STOP);
	}
	if (sm->state == PCINET_HOST_ATTACHED ||
	    sm->state == PCINET_HOST_DETACHING) {
		sm->detaches++;
		sm->refusing = false;
		pcinet_host_sm_reclaim(sm);
	}
	sm->state = PCINET_HOST_ABSENT;
}

/*
 * The link broke while attached (8.6: a ring or completion check failed,
 * refuse; a BAR1 write failed, do not): detach. The table runs again at
 * the next status check.
 */
static inline void pcinet_host_sm_broken(struct pcinet_host_sm *sm,
					 bool refuse)
{
	pcinet_host_sm_begin(sm, false);
	if (sm->state == PCINET_HOST_ATTACHED)
		pcinet_host_sm_detach(sm, PCINET_WHY_BROKEN, refuse);
}

/*
 * The host lets go (before a reset, an unload, interface down): detach.
 * Afterwards DETACHING means the board may still write our memory; status
 * checks with may_attach false bring it to IDLE once it lets go.
 */
static inline void pcinet_host_sm_release(struct pcinet_host_sm *sm)
{
	pcinet_host_sm_begin(sm, false);
	if (sm->state == PCINET_HOST_ATTACHED)
		pcinet_host_sm_detach(sm, PCINET_WHY_RELEASED, false);
}

#endif /* _PCINET_HOST_SM_H */
