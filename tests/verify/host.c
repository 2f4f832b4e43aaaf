// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The host side of the model: the real include/pcinet/pcinet_host_sm.h
 * (never a copy; a mutant shadows it by -I order, tests/verify/mutants.py)
 * and the caller around it, protocol.md 10.3 and 10.4. Each action the
 * machine asks for is one step; its answer (READ_BOARD, READ_GENERATION,
 * ATTACH) is given in the same step, then the next action is asked for.
 * A status check starts at any time (OM1I or the watchdog); the data path
 * runs whenever the carrier is on, also while a check is under way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pcinet/pcinet_host_sm.h>
#include "model.h"

/* A mutant (tests/verify/mutants.py) says so: proof that it shadowed */
#ifdef PCINET_VERIFY_MUTANT
const char *verify_header = "mutant " PCINET_VERIFY_MUTANT;
#else
const char *verify_header = "include/pcinet/pcinet_host_sm.h";
#endif

_Static_assert(PCINET_HOST_SM_QUEUE == 8, "struct vs holds 8 queued actions");


#define H_WORD(run)	pcinet_status_make(PCINET_STATUS_SIG_HOST, \
					   (run) ? PCINET_NET_STATUS_RUNNING : 0)

const char *act_name(u8 act)
{
	return pcinet_host_act_name((enum pcinet_host_act)act);
}

/* "H TAKE_LEASE": a trace's step label, made once per action */
static const char *act_label(u8 act)
{
	static char labels[PCINET_HA_ACTS + 1][24];
	unsigned int i = act < PCINET_HA_ACTS ? act : PCINET_HA_ACTS;

	if (!labels[i][0])
		snprintf(labels[i], sizeof(labels[i]), "H %s", act_name(act));
	return labels[i];
}

/*
 * struct vs <-> struct pcinet_host_sm (the counters are not state).
 * sm_load()/sm_store() carry every field of the machine through the state
 * vector: a field they did not know would be lost between two steps, and
 * the model would explore another machine than the one that ships.
 * tests/py/test_verify_model.py holds them to the header's field list.
 */
static void sm_load(struct pcinet_host_sm *sm, const struct vs *s)
{
	unsigned int i;

	pcinet_host_sm_init(sm);
	sm->state = s->sm_state;
	sm->board = st_word(s->sm_board);
	sm->generation = gen_word(s->sm_gen);
	sm->om1i = s->sm_bits & SB_OM1I;
	sm->may_attach = s->sm_bits & SB_MAY_ATTACH;
	sm->running_seen = s->sm_bits & SB_RUNNING_SEEN;
	sm->refusing = s->sm_bits & SB_REFUSING;
	sm->lease = s->sm_bits & SB_LEASE;
	sm->rxint_off = s->sm_bits & SB_RXINT_OFF;
	sm->evaluate = s->sm_bits & SB_EVALUATE;
	sm->look_missed = s->sm_bits & SB_LOOK_MISSED;
	sm->rounds = s->sm_rounds;
	sm->head = 0;
	sm->len = s->sm_len;
	for (i = 0; i < s->sm_len; i++)
		sm->queue[i] = s->sm_queue[i];
	sm->need = s->sm_need;
	sm->why = s->sm_why;
}

static void sm_store(struct vs *s, const struct pcinet_host_sm *sm)
{
	unsigned int i;

	if (sm->len > PCINET_HOST_SM_QUEUE || sm->rounds > 255) {
		fprintf(stderr, "verify: machine out of the model's range\n");
		exit(2);
	}
	s->sm_state = sm->state;
	s->sm_board = st_code(sm->board);
	s->sm_gen = gen_code(sm->generation);
	s->sm_bits = (sm->om1i ? SB_OM1I : 0) |
		     (sm->may_attach ? SB_MAY_ATTACH : 0) |
		     (sm->running_seen ? SB_RUNNING_SEEN : 0) |
		     (sm->refusing ? SB_REFUSING : 0) |
		     (sm->lease ? SB_LEASE : 0) |
		     (sm->rxint_off ? SB_RXINT_OFF : 0) |
		     (sm->evaluate ? SB_EVALUATE : 0) |
		     (sm->look_missed ? SB_LOOK_MISSED : 0);
	s->sm_rounds = sm->rounds;
	s->sm_len = sm->len;
	memset(s->sm_queue, 0, sizeof(s->sm_queue));
	for (i = 0; i < sm->len; i++)
		s->sm_queue[i] = sm->queue[(sm->head + i) % PCINET_HOST_SM_QUEUE];
	s->sm_need = sm->need;
	s->sm_why = sm->why;
}

void host_init(struct vs *s)
{
	struct pcinet_host_sm sm;

	pcinet_host_sm_init(&sm);
	sm_store(s, &sm);
	s->pc = PC_IDLE;
	s->act = PCINET_HA_NONE;
	s->hf = HF_IFUP;
	s->imr1 = st_code(H_WORD(false));	/* written at load (10.7) */
	s->last_read = SC(SK_ZERO, 0);
}

bool host_attached(const struct vs *s)
{
	return s->sm_state == PCINET_HOST_ATTACHED;
}

/* The host refused (or is about to refuse) generation gen */
bool host_refusing(const struct vs *s, u8 gen)
{
	return (s->sm_state == PCINET_HOST_REFUSED ||
		(s->sm_bits & SB_REFUSING)) && s->sm_gen == gen;
}

const char *host_describe(const struct vs *s, char *buf, size_t len)
{
	static const char * const pcs[] = { "idle", "drain", "reset-drain",
					    "reset-imr1", "reread" };

	snprintf(buf, len, "host %s(g%u)%s%s%s%s pc %s%s%s",
		 pcinet_host_state_name(s->sm_state), s->sm_gen,
		 s->hf & HF_LAST_RUN ? " lease" : "",
		 s->hf & HF_CARRIER ? " carrier" : "",
		 s->hf & HF_BUFS ? " bufs" : "",
		 s->hf & HF_IFUP ? "" : " ifdown",
		 pcs[s->pc], s->pc == PC_DRAIN || s->pc == PC_RESET_DRAIN ?
		 " next " : "",
		 s->pc == PC_DRAIN || s->pc == PC_RESET_DRAIN ?
		 act_name(s->act) : "");
	return buf;
}

static bool cfg_lost(const struct vs *s)
{
	return s->rf & RF_CFG_LOST;
}

static bool word_running(u32 b)
{
	return pcinet_status_compatible(b, PCINET_STATUS_SIG_BOARD) &&
	       (b & PCINET_NET_STATUS_RUNNING);
}

/* A read of OMR1 through BAR0, and what the host learns from it */
static u32 read_omr1(struct vs *n)
{
	u8 code = cfg_lost(n) ? SC(SK_ONES, 0xF) : n->omr1;
	u32 b = st_word(code);

	n->last_read = code;
	if (!pcinet_board_valid(b))
		n->hf |= HF_SEEN_INVALID;
	if (SC_KIND(code) != SK_FOREIGN)
		n->hf &= ~HF_LOGGED;
	return b;
}

/* K-properties are about what the host knew; S1 about where BAR1 lands */
enum bar1_use { B1_READ_GEN, B1_ATTACH, B1_POST };

static const char *bar1_check(const struct vs *n, enum bar1_use use)
{
	u32 imr1 = st_word(n->imr1);

	/* the machine's own accesses; the data path runs on until STOP */
	if (use != B1_POST && (n->hg & HG_UNANSWERED))
		return "K8 unanswered: BAR1 access after a BAR1 read went unanswered";
	/* no configuration space: the access goes nowhere (10.4, 11) */
	if (cfg_lost(n))
		return NULL;
	if (!pcinet_status_present(imr1, PCINET_STATUS_SIG_HOST) ||
	    !(imr1 & PCINET_NET_STATUS_RUNNING))
		return "S1 lease: BAR1 access while IMR1 lacks RUNNING";
	if (use != B1_POST && (n->hf & HF_SEEN_INVALID))
		return "S1 observed: BAR1 access after the host read VALID clear";
	if (!board_region_in_use(n) ||
	    (use == B1_POST && n->r_gen != n->sm_gen)) {
		/* -t: the board took the region back after 100 ms (10.1 6) */
		if (mopt.stop_timeout) {
			mopt.late++;
			return NULL;
		}
		return !board_region_in_use(n) ?
		       "S1 region: BAR1 access while the board may re-use its region" :
		       "S1 generation: data-path write into another generation's region";
	}
	return NULL;
}

/* The machine's next action; a settled machine ends the step */
static const char *settle(struct vs *n, struct pcinet_host_sm *sm)
{
	n->act = pcinet_host_sm_next(sm);
	sm_store(n, sm);
	if (n->act != PCINET_HA_NONE)
		return NULL;
	if (n->pc == PC_RESET_DRAIN) {
		n->pc = PC_RESET_IMR1;
		return NULL;
	}
	n->pc = PC_IDLE;
	if (sm->evaluate && sm->need == PCINET_NEED_NONE &&
	    sm->rounds >= PCINET_HOST_SM_ROUNDS)
		return "K7 rounds: the 10.3 table did not settle within PCINET_HOST_SM_ROUNDS";
	if ((n->hg & HG_LET_GO) && n->sm_state == PCINET_HOST_ATTACHED)
		return "K10 let go: still attached after broken() or release()";
	n->hg &= ~HG_LET_GO;
	return NULL;
}

/* Invariants of a settled host */
static const char *host_settled_check(const struct vs *n)
{
	if (n->pc != PC_IDLE)
		return NULL;
	if ((n->sm_state == PCINET_HOST_INCOMPATIBLE ||
	     SC_KIND(n->last_read) == SK_FOREIGN) && !(n->hf & HF_LOGGED))
		return "K3 log: a board of another major without the log line (10.10)";
	if ((n->hf & HF_CARRIER) && n->sm_state != PCINET_HOST_ATTACHED)
		return "K9 carrier: the data path on while not ATTACHED";
	if (!!(n->sm_bits & SB_LEASE) != !!(n->hf & HF_LAST_RUN))
		return "K4 lease: the machine's lease differs from the IMR1 it had written";
	return NULL;
}

static void emit_host(const struct vs *n, enum kind kind, const char *label,
		      const char *viol)
{
	emit(n, WHO_HOST, kind, label, viol ? viol : host_settled_check(n));
}

static const char *first(const char *a, const char *b)
{
	return a ? a : b;
}

/* 10.4: read OMR1 and IMR1; a reset, or the table on b */
static void host_check(const struct vs *s, bool om1i)
{
	struct pcinet_host_sm sm;
	struct vs n = *s;
	const char *viol;
	u32 b, h;

	if (om1i) {
		n.rf &= ~RF_OM1I;
		n.hg &= ~HG_LOOKED;	/* one look per OM1I (K5) */
	}
	n.hg &= ~HG_UNANSWERED;
	b = read_omr1(&n);
	h = cfg_lost(&n) ? PCINET_ALL_ONES : st_word(n.imr1);
	sm_load(&sm, &n);
	if (h != H_WORD(n.hf & HF_LAST_RUN)) {
		pcinet_host_sm_reset(&sm);
		n.ref_gen = 0;		/* "not after a reset" (10.3) */
		n.chk_om1i = om1i;
		n.pc = PC_RESET_DRAIN;
	} else {
		pcinet_host_sm_status(&sm, b, om1i, n.hf & HF_IFUP);
		n.pc = PC_DRAIN;
	}
	viol = settle(&n, &sm);
	emit_host(&n, K_PROGRESS, om1i ? "H check (OM1I)" : "H check (watchdog)",
		  viol);
}

/* RECLAIM: the memory of the attach is freed, unsent frames counted lost */
static void host_reclaim(struct vs *n)
{
	n->hf &= ~HF_BUFS;
	if (n->fr & FR_H2B)
		n->fr |= FR_H2B_LOST;
	n->fr &= ~FR_CMPL;
}

/* ATTACH: steps 3-9 of the attach, one step; the outcome is the world's */
static void host_attach(const struct vs *s)
{
	static const struct {
		enum pcinet_attach_outcome outcome;
		bool lost;
		enum kind kind;
		const char *label;
	} outs[] = {
		{ PCINET_ATTACH_OK, false, K_PROGRESS, "H ATTACH ok" },
		{ PCINET_ATTACH_REFUSED, false, K_ENV, "H ATTACH refused (plan)" },
		{ PCINET_ATTACH_REFUSED, true, K_ENV, "H ATTACH refused (all ones)" },
		{ PCINET_ATTACH_BROKEN, true, K_PROGRESS, "H ATTACH broken" },
	};
	const char *viol = bar1_check(s, B1_ATTACH);
	unsigned int i;

	for (i = 0; i < sizeof(outs) / sizeof(outs[0]); i++) {
		struct pcinet_host_sm sm;
		struct vs n = *s;
		const char *v = viol;
		u32 gen;

		if (outs[i].lost != cfg_lost(s))
			continue;
		gen = cfg_lost(s) ? PCINET_ALL_ONES : gen_word(s->r_gen);
		if (outs[i].outcome == PCINET_ATTACH_OK) {
			if (!v && s->ref_gen && s->r_gen == s->ref_gen)
				v = "K6 refused: attached to a generation it refused (8.6, 10.3)";
			/* attach step 2: never under a board serving an attach */
			if (!v && s->bst == BS_ATTACHED && (s->bf & BF_SERVED))
				v = "S2 reuse: host part and area written under a board serving another attach";
			n.hf |= HF_BUFS | HF_CARRIER;
			if (n.b_acc == PO_CUR)
				n.b_acc = PO_STALE;
			n.hp_owner = PO_CUR;
			n.hp_ack = n.r_gen;
			n.hp_lease = 1;
			n.fr = 0;
			/* step 8: IMR1 again, the same value */
			n.imr1 = st_code(H_WORD(n.hf & HF_LAST_RUN));
		} else if (!outs[i].lost) {
			n.ref_gen = n.r_gen;
		} else if (outs[i].outcome == PCINET_ATTACH_BROKEN) {
			n.hf |= HF_BUFS;	/* step 4 came before the write */
		}
		sm_load(&sm, &n);
		pcinet_host_sm_attached(&sm, outs[i].outcome, gen);
		emit_host(&n, outs[i].kind, outs[i].label, first(v, settle(&n, &sm)));
	}
}

/* Take the action the machine asked for, answer it, ask for the next */
static void host_act(const struct vs *s)
{
	struct pcinet_host_sm sm;
	struct vs n = *s;
	const char *viol = NULL;
	u32 w = st_word(s->last_read);

	sm_load(&sm, &n);
	switch (s->act) {
	case PCINET_HA_ATTACH:
		host_attach(s);
		return;
	case PCINET_HA_KICK:
		if (!(n.hf & HF_CARRIER))
			viol = "K11 exact: NET_KICK asked for with the data path off (8.5 rule 4)";
		if (!cfg_lost(&n))
			n.rf |= RF_KICK;
		break;
	case PCINET_HA_LOG_INCOMPATIBLE:
		if (n.hf & HF_LOGGED)
			viol = "K3 log: a second \"incompatible\" line for one stretch (10.10)";
		n.hf |= HF_LOGGED;
		break;
	case PCINET_HA_TAKE_LEASE:
		if (!pcinet_board_valid(w) || word_running(w))
			viol = "K1 lease: taken without having read the board valid and not RUNNING";
		else if (!(n.hf & HF_IFUP))
			viol = "K1 lease: taken with the interface down";
		else if (n.sm_state == PCINET_HOST_REFUSED && (n.hg & HG_LOOKED))
			viol = "K5 quiet: REFUSED looks again before the board wrote its status";
		if (n.sm_state == PCINET_HOST_REFUSED)
			n.hg |= HG_LOOKED;
		n.hf |= HF_LAST_RUN;
		n.hf &= ~HF_SEEN_INVALID;
		if (!cfg_lost(&n)) {
			n.imr1 = st_code(H_WORD(true));
			n.hp_lease = 0;		/* a new lease */
		}
		break;
	case PCINET_HA_RELEASE_LEASE:
		n.hf &= ~HF_LAST_RUN;
		if (!cfg_lost(&n)) {
			n.imr1 = st_code(H_WORD(false));
			n.hp_lease = 0;
		}
		break;
	case PCINET_HA_READ_BOARD:
		pcinet_host_sm_board(&sm, read_omr1(&n));
		break;
	case PCINET_HA_READ_GENERATION:
		viol = bar1_check(&n, B1_READ_GEN);
		if (cfg_lost(&n))
			n.hg |= HG_UNANSWERED;
		pcinet_host_sm_generation(&sm, !cfg_lost(&n),
					  cfg_lost(&n) ? PCINET_ALL_ONES :
					  gen_word(n.r_gen));
		break;
	case PCINET_HA_STOP:
		/* on, or half set up by an attach whose BAR1 write failed */
		if (!(n.hf & HF_CARRIER) && n.sm_why != PCINET_WHY_BROKEN)
			viol = "K11 exact: STOP asked for with the data path already off";
		n.hf &= ~HF_CARRIER;
		break;
	case PCINET_HA_RECLAIM:
		if (s->pc != PC_RESET_DRAIN && word_running(w))
			viol = "K2 reclaim: memory freed while the board's last read status was RUNNING";
		else if (!(n.hf & HF_BUFS))
			viol = "K11 exact: RECLAIM asked for with no memory held";
		host_reclaim(&n);
		break;
	case PCINET_HA_WAIT:
		/* the clock of CLEARING/DETACHING: nothing the model needs */
		if (mopt.selftest)
			host_reclaim(&n);	/* a wrong caller: frees at once */
		break;
	default:
		viol = "the machine asked for an unknown action";
		break;
	}
	emit_host(&n, K_PROGRESS, act_label(s->act), first(viol, settle(&n, &sm)));
}

/* An entry of the machine other than a status check, from the world */
static void host_event(struct vs *n, enum kind kind, const char *label,
		       void (*entry)(struct pcinet_host_sm *, bool), bool arg)
{
	struct pcinet_host_sm sm;

	sm_load(&sm, n);
	entry(&sm, arg);
	n->pc = PC_DRAIN;
	n->hg |= HG_LET_GO;
	emit_host(n, kind, label, settle(n, &sm));
}

static void release_entry(struct pcinet_host_sm *sm, bool unused)
{
	(void)unused;
	pcinet_host_sm_release(sm);
}

/*
 * The world around the host: interface down/up, a broken link (8.6), a
 * crash and a new host (10.7: it writes IMR1 without RUNNING at load)
 */
static void host_env(const struct vs *s)
{
	struct pcinet_host_sm sm;
	struct vs n;

	n = *s;
	if (s->hf & HF_IFUP) {
		n.hf &= ~HF_IFUP;
		host_event(&n, K_ENV, "H interface down (release)",
			   release_entry, false);
	} else {
		n.hf |= HF_IFUP;
		emit_host(&n, K_ENV, "H interface up", NULL);
	}
	if (s->sm_state == PCINET_HOST_ATTACHED) {
		n = *s;
		n.ref_gen = n.sm_gen;
		host_event(&n, K_ENV, "H ring check failed (broken, refuse)",
			   pcinet_host_sm_broken, true);
	}
	/* a failed BAR1 write: only a board that no longer decodes BAR1 */
	if (s->sm_state == PCINET_HOST_ATTACHED && cfg_lost(s)) {
		n = *s;
		host_event(&n, K_PROGRESS, "H BAR1 write failed (broken)",
			   pcinet_host_sm_broken, false);
	}
	/* a crash: nothing let go; what the board may write is leaked */
	if (mopt.no_crash)
		return;
	n = *s;
	pcinet_host_sm_init(&sm);
	sm_store(&n, &sm);
	n.pc = PC_IDLE;
	n.act = PCINET_HA_NONE;
	n.hf = HF_IFUP;
	n.hg = 0;
	n.ref_gen = 0;
	if (n.hp_owner == PO_CUR)
		n.hp_owner = PO_DEAD;
	if (n.b_acc == PO_CUR || n.b_acc == PO_STALE)
		n.b_acc = PO_DEAD;
	n.fr &= ~FR_CMPL;
	if (!cfg_lost(&n)) {
		n.imr1 = st_code(H_WORD(false));
		n.hp_lease = 0;
	}
	n.last_read = SC(SK_ZERO, 0);
	emit_host(&n, K_ENV, "H crash, a new host loads", NULL);
}

/* The data path: while the carrier is on (8.3, 8.4) */
static void host_data(const struct vs *s)
{
	struct vs n;

	if (!(s->hf & HF_CARRIER))
		return;
	if (!(s->fr & FR_H2B)) {
		n = *s;
		if (!cfg_lost(&n)) {
			n.fr |= FR_H2B;
			n.fr &= ~FR_H2B_LOST;
			n.h2b_gen = n.sm_gen;
			/* 8.5 rule 1: no kick for a peer that polls */
			if (!(n.sm_bits & SB_RXINT_OFF))
				n.rf |= RF_KICK;
		}
		emit_host(&n, K_TRAFFIC, "H post h2b frame",
			  bar1_check(s, B1_POST));
	}
	if (s->fr & FR_CMPL) {
		n = *s;
		n.fr &= ~FR_CMPL;
		emit_host(&n, K_PROGRESS, "H take b2h completion",
			  n.cmpl_gen != n.sm_gen ?
			  "S3 generation: completion of another generation taken" :
			  NULL);
	}
}

void host_steps(const struct vs *s)
{
	struct pcinet_host_sm sm;
	struct vs n;

	switch (s->pc) {
	case PC_IDLE:
		if (s->rf & RF_OM1I)
			host_check(s, true);
		host_check(s, false);
		host_env(s);
		break;
	case PC_DRAIN:
	case PC_RESET_DRAIN:
		host_act(s);
		break;
	case PC_RESET_IMR1:
		n = *s;
		n.rf &= ~RF_CFG_LOST;
		n.hf &= ~HF_LAST_RUN;
		n.imr1 = st_code(H_WORD(false));
		n.hp_lease = 0;
		n.pc = PC_REREAD;
		emit_host(&n, K_PROGRESS, "H restore config, IMR1 = H",
			  s->hf & (HF_BUFS | HF_CARRIER) ?
			  "K9 reset: no stop or no reclaim at a reset observed (10.4 3a-b)" :
			  NULL);
		break;
	case PC_REREAD: {
		u32 b;

		n = *s;
		b = read_omr1(&n);
		sm_load(&sm, &n);
		pcinet_host_sm_status(&sm, b, n.chk_om1i, n.hf & HF_IFUP);
		n.pc = PC_DRAIN;
		emit_host(&n, K_PROGRESS, "H read OMR1 again", settle(&n, &sm));
		break;
	}
	default:
		break;
	}
	host_data(s);
}
