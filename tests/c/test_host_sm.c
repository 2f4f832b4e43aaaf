// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The host state machine (include/pcinet/pcinet_host_sm.h) row by row
 * against docs/protocol.md 10.3: each row starts the machine in a state,
 * gives it the status word a check read, answers its reads from a script,
 * and compares the actions it asked for and the state it ended in.
 */
#include "unit.h"
#include <pcinet/pcinet_host_sm.h>

#define SIG	PCINET_STATUS_SIG_BOARD
#define VALID	PCINET_NET_REGISTERS_VALID
#define RUN	PCINET_NET_STATUS_RUNNING

/* Board status words */
#define B_ABSENT	0u
#define B_GONE		PCINET_ALL_ONES
#define B_PRESENT	(SIG | ((u32)PCINET_VERSION_MAJOR << 16))
#define B_VALID		(B_PRESENT | VALID)
#define B_VALID_RUN	(B_PRESENT | VALID | RUN)
#define B_RUN		(B_PRESENT | RUN)	/* RUNNING, VALID cleared */
#define B_OTHER_MAJOR	(SIG | (7u << 16) | VALID)
#define B_RXINT_OFF	(B_VALID_RUN | PCINET_NET_RXINT_OFF)

enum { GEN = 5, GEN2 = 6 };

/* What the world answers, in order, and what the machine asked for */
struct world {
	u32 boards[4];		/* READ_BOARD answers; then the last again */
	unsigned int n_boards, next_board;
	bool gen_answered;
	u32 gen;		/* READ_GENERATION answer */
	enum pcinet_attach_outcome outcome;
	u32 attach_gen;		/* the generation the attach's copy shows */
	char acts[256];		/* e.g. "TAKE_LEASE READ_BOARD ATTACH" */
};

/* Run the actions the machine decided, answering from w */
static void drive(struct pcinet_host_sm *sm, struct world *w)
{
	enum pcinet_host_act a;
	int n = 0;

	w->acts[0] = 0;
	while ((a = pcinet_host_sm_next(sm)) != PCINET_HA_NONE && n++ < 32) {
		if (w->acts[0])
			strcat(w->acts, " ");
		strcat(w->acts, pcinet_host_act_name(a));
		switch (a) {
		case PCINET_HA_READ_BOARD: {
			unsigned int i = w->next_board < w->n_boards ?
					 w->next_board++ : w->n_boards - 1;

			pcinet_host_sm_board(sm, w->n_boards ? w->boards[i] : 0);
			break;
		}
		case PCINET_HA_READ_GENERATION:
			pcinet_host_sm_generation(sm, w->gen_answered, w->gen);
			break;
		case PCINET_HA_ATTACH:
			pcinet_host_sm_attached(sm, w->outcome, w->attach_gen);
			break;
		default:
			break;
		}
	}
}

/* One row of 10.3 */
struct row {
	const char *doc;
	enum pcinet_host_state from;
	bool running_seen;	/* ATTACHED */
	u32 b;			/* what the status check read */
	bool om1i, may_attach;
	u32 reread[2];		/* READ_BOARD answers (0, 0: b again) */
	bool gen_answered;
	u32 gen;
	enum pcinet_attach_outcome outcome;
	const char *acts;
	enum pcinet_host_state to;
	bool lease;		/* our IMR1 carries RUNNING afterwards */
};

static const struct row rows[] = {
	/* ABSENT, IDLE, CLEARING | board status absent */
	{ "idle, board absent", PCINET_HOST_IDLE, 0, B_ABSENT, 0, 1, {0}, 0, 0, 0,
	  "", PCINET_HOST_ABSENT, false },
	{ "idle, board does not answer", PCINET_HOST_IDLE, 0, B_GONE, 0, 1, {0}, 0, 0, 0,
	  "", PCINET_HOST_ABSENT, false },
	{ "clearing, board absent", PCINET_HOST_CLEARING, 0, B_ABSENT, 0, 1, {0}, 0, 0, 0,
	  "", PCINET_HOST_ABSENT, false },
	/* any but ATTACHED | incompatible: log once */
	{ "absent, other major", PCINET_HOST_ABSENT, 0, B_OTHER_MAJOR, 1, 1, {0}, 0, 0, 0,
	  "LOG_INCOMPATIBLE", PCINET_HOST_INCOMPATIBLE, false },
	{ "incompatible, other major again: no second log", PCINET_HOST_INCOMPATIBLE, 0,
	  B_OTHER_MAJOR, 1, 1, {0}, 0, 0, 0, "", PCINET_HOST_INCOMPATIBLE, false },
	/* INCOMPATIBLE, ABSENT | compatible -> IDLE */
	{ "absent, board present, not valid", PCINET_HOST_ABSENT, 0, B_PRESENT, 1, 1, {0}, 0, 0,
	  0, "", PCINET_HOST_IDLE, false },
	{ "incompatible, board compatible now", PCINET_HOST_INCOMPATIBLE, 0, B_PRESENT, 1, 1,
	  {0}, 0, 0, 0, "", PCINET_HOST_IDLE, false },
	/* IDLE | valid, RUNNING clear, interface up: attach */
	{ "idle, valid: attach", PCINET_HOST_IDLE, 0, B_VALID, 1, 1, {0}, 0, 0,
	  PCINET_ATTACH_OK, "TAKE_LEASE READ_BOARD ATTACH", PCINET_HOST_ATTACHED, true },
	{ "absent, valid at once: attach", PCINET_HOST_ABSENT, 0, B_VALID, 1, 1, {0}, 0, 0,
	  PCINET_ATTACH_OK, "TAKE_LEASE READ_BOARD ATTACH", PCINET_HOST_ATTACHED, true },
	{ "idle, valid, interface down: no attach", PCINET_HOST_IDLE, 0, B_VALID, 1, 0, {0},
	  0, 0, 0, "", PCINET_HOST_IDLE, false },
	/* attach step 2: re-read; BAR1 untouched if the board moved on */
	{ "attach, board invalid at the re-read", PCINET_HOST_IDLE, 0, B_VALID, 1, 1,
	  {B_PRESENT}, 0, 0, 0, "TAKE_LEASE READ_BOARD RELEASE_LEASE", PCINET_HOST_IDLE,
	  false },
	{ "attach, board gone at the re-read", PCINET_HOST_IDLE, 0, B_VALID, 1, 1, {B_GONE},
	  0, 0, 0, "TAKE_LEASE READ_BOARD RELEASE_LEASE", PCINET_HOST_IDLE, false },
	{ "attach, board RUNNING at the re-read", PCINET_HOST_IDLE, 0, B_VALID, 1, 1,
	  {B_VALID_RUN}, 0, 0, 0, "TAKE_LEASE READ_BOARD RELEASE_LEASE WAIT",
	  PCINET_HOST_CLEARING, false },
	/* attach step 3-4: refused, once per generation */
	{ "attach refused", PCINET_HOST_IDLE, 0, B_VALID, 1, 1, {0}, 0, 0,
	  PCINET_ATTACH_REFUSED, "TAKE_LEASE READ_BOARD ATTACH RELEASE_LEASE",
	  PCINET_HOST_REFUSED, false },
	{ "attach broken midway (a BAR1 write failed)", PCINET_HOST_IDLE, 0, B_VALID, 1, 1,
	  {B_VALID, B_VALID}, 0, 0, PCINET_ATTACH_BROKEN,
	  "TAKE_LEASE READ_BOARD ATTACH STOP RELEASE_LEASE READ_BOARD RECLAIM",
	  PCINET_HOST_IDLE, false },
	/* IDLE | board RUNNING: clear it */
	{ "idle, board RUNNING (a predecessor's attach)", PCINET_HOST_IDLE, 0, B_VALID_RUN,
	  1, 1, {0}, 0, 0, 0, "RELEASE_LEASE WAIT", PCINET_HOST_CLEARING, false },
	/* CLEARING | RUNNING clear -> IDLE, then attach if valid */
	{ "clearing, RUNNING cleared, valid: attach", PCINET_HOST_CLEARING, 0, B_VALID, 1, 1,
	  {0}, 0, 0, PCINET_ATTACH_OK, "TAKE_LEASE READ_BOARD ATTACH", PCINET_HOST_ATTACHED,
	  true },
	{ "clearing, RUNNING cleared, not valid", PCINET_HOST_CLEARING, 0, B_PRESENT, 1, 1,
	  {0}, 0, 0, 0, "", PCINET_HOST_IDLE, false },
	{ "clearing, still RUNNING", PCINET_HOST_CLEARING, 0, B_VALID_RUN, 1, 1, {0}, 0, 0, 0,
	  "", PCINET_HOST_CLEARING, false },
	/* ATTACHED | not valid, absent, incompatible: detach */
	{ "attached, VALID cleared, RUNNING cleared: detach, reclaim",
	  PCINET_HOST_ATTACHED, 1, B_PRESENT, 1, 1, {0}, 0, 0, 0,
	  "STOP RELEASE_LEASE READ_BOARD RECLAIM", PCINET_HOST_IDLE, false },
	{ "attached, VALID cleared, still RUNNING: detach, wait", PCINET_HOST_ATTACHED, 1,
	  B_RUN, 1, 1, {0}, 0, 0, 0, "STOP RELEASE_LEASE READ_BOARD WAIT",
	  PCINET_HOST_DETACHING, false },
	{ "attached, board absent: detach, reclaim", PCINET_HOST_ATTACHED, 1, B_ABSENT, 0, 1,
	  {0}, 0, 0, 0, "STOP RELEASE_LEASE READ_BOARD RECLAIM", PCINET_HOST_ABSENT, false },
	{ "attached, other major: detach, reclaim, log", PCINET_HOST_ATTACHED, 1,
	  B_OTHER_MAJOR, 1, 1, {0}, 0, 0, 0,
	  "STOP RELEASE_LEASE READ_BOARD RECLAIM LOG_INCOMPATIBLE", PCINET_HOST_INCOMPATIBLE,
	  false },
	/* ATTACHED | valid and RUNNING: running seen */
	{ "attached, valid and RUNNING", PCINET_HOST_ATTACHED, 0, B_VALID_RUN, 1, 1, {0}, 0, 0,
	  0, "", PCINET_HOST_ATTACHED, true },
	/* ATTACHED | valid, RUNNING clear, running seen: detach, attach again */
	{ "attached, board dropped the attach: detach, attach again", PCINET_HOST_ATTACHED,
	  1, B_VALID, 1, 1, {0}, 0, 0, PCINET_ATTACH_OK,
	  "STOP RELEASE_LEASE READ_BOARD RECLAIM TAKE_LEASE READ_BOARD ATTACH",
	  PCINET_HOST_ATTACHED, true },
	/* ATTACHED | valid, RUNNING clear, not running seen: the generation */
	{ "attached, not yet RUNNING, same generation: wait", PCINET_HOST_ATTACHED, 0,
	  B_VALID, 1, 1, {0}, 1, GEN, 0, "READ_GENERATION", PCINET_HOST_ATTACHED, true },
	{ "attached, not yet RUNNING, new generation: detach, attach again",
	  PCINET_HOST_ATTACHED, 0, B_VALID, 1, 1, {0}, 1, GEN2, PCINET_ATTACH_OK,
	  "READ_GENERATION STOP RELEASE_LEASE READ_BOARD RECLAIM TAKE_LEASE READ_BOARD ATTACH",
	  PCINET_HOST_ATTACHED, true },
	{ "attached, not yet RUNNING, BAR1 does not answer: detach", PCINET_HOST_ATTACHED, 0,
	  B_VALID, 1, 1, {0}, 0, 0, PCINET_ATTACH_REFUSED,
	  "READ_GENERATION STOP RELEASE_LEASE READ_BOARD RECLAIM TAKE_LEASE READ_BOARD ATTACH "
	  "RELEASE_LEASE", PCINET_HOST_REFUSED, false },
	/* DETACHING | RUNNING clear or absent: reclaim */
	{ "detaching, RUNNING cleared: reclaim, then attach", PCINET_HOST_DETACHING, 0,
	  B_VALID, 1, 1, {0}, 0, 0, PCINET_ATTACH_OK,
	  "RECLAIM TAKE_LEASE READ_BOARD ATTACH", PCINET_HOST_ATTACHED, true },
	{ "detaching, board absent: reclaim", PCINET_HOST_DETACHING, 0, B_ABSENT, 0, 1, {0},
	  0, 0, 0, "RECLAIM", PCINET_HOST_ABSENT, false },
	{ "detaching, still RUNNING: keep waiting", PCINET_HOST_DETACHING, 0, B_VALID_RUN, 1,
	  1, {0}, 0, 0, 0, "", PCINET_HOST_DETACHING, false },
	/* REFUSED(G) | OM1I, valid: look again */
	{ "refused, OM1I, same generation: release", PCINET_HOST_REFUSED, 0, B_VALID, 1, 1,
	  {0}, 1, GEN, 0, "TAKE_LEASE READ_BOARD READ_GENERATION RELEASE_LEASE",
	  PCINET_HOST_REFUSED, false },
	{ "refused, OM1I, new generation: attach", PCINET_HOST_REFUSED, 0, B_VALID, 1, 1,
	  {0}, 1, GEN2, PCINET_ATTACH_OK,
	  "TAKE_LEASE READ_BOARD READ_GENERATION ATTACH", PCINET_HOST_ATTACHED, true },
	{ "refused, OM1I, new generation refused too", PCINET_HOST_REFUSED, 0, B_VALID, 1, 1,
	  {0}, 1, GEN2, PCINET_ATTACH_REFUSED,
	  "TAKE_LEASE READ_BOARD READ_GENERATION ATTACH RELEASE_LEASE", PCINET_HOST_REFUSED,
	  false },
	{ "refused, OM1I, BAR1 does not answer: release", PCINET_HOST_REFUSED, 0, B_VALID, 1,
	  1, {0}, 0, 0, 0, "TAKE_LEASE READ_BOARD READ_GENERATION RELEASE_LEASE",
	  PCINET_HOST_REFUSED, false },
	{ "refused, OM1I, invalid at the re-read: release", PCINET_HOST_REFUSED, 0, B_VALID,
	  1, 1, {B_PRESENT}, 0, 0, 0, "TAKE_LEASE READ_BOARD RELEASE_LEASE",
	  PCINET_HOST_REFUSED, false },
	{ "refused, watchdog (no OM1I): nothing", PCINET_HOST_REFUSED, 0, B_VALID, 0, 1, {0},
	  0, 0, 0, "", PCINET_HOST_REFUSED, false },
	{ "refused, OM1I, interface down: nothing", PCINET_HOST_REFUSED, 0, B_VALID, 1, 0,
	  {0}, 0, 0, 0, "", PCINET_HOST_REFUSED, false },
	/* REFUSED(G) | not valid, absent */
	{ "refused, not valid", PCINET_HOST_REFUSED, 0, B_PRESENT, 1, 1, {0}, 0, 0, 0, "",
	  PCINET_HOST_IDLE, false },
	{ "refused, absent", PCINET_HOST_REFUSED, 0, B_ABSENT, 0, 1, {0}, 0, 0, 0, "",
	  PCINET_HOST_ABSENT, false },
};

static void start(struct pcinet_host_sm *sm, const struct row *r)
{
	pcinet_host_sm_init(sm);
	sm->state = r->from;
	sm->generation = GEN;
	sm->running_seen = r->running_seen;
	sm->lease = r->from == PCINET_HOST_ATTACHED;
}

TEST(table_10_3_row_by_row)
{
	unsigned int i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct pcinet_host_sm sm;
		struct world w = { .gen_answered = r->gen_answered, .gen = r->gen,
				   .outcome = r->outcome, .attach_gen = GEN2 };

		w.boards[0] = r->reread[0] ? r->reread[0] : r->b;
		w.boards[1] = r->reread[1] ? r->reread[1] : w.boards[0];
		w.n_boards = 2;
		start(&sm, r);
		pcinet_host_sm_status(&sm, r->b, r->om1i, r->may_attach);
		drive(&sm, &w);
		if (strcmp(w.acts, r->acts) || sm.state != r->to || sm.lease != r->lease)
			printf("  row '%s': acts '%s' (want '%s'), %s (want %s), lease %d\n",
			       r->doc, w.acts, r->acts, pcinet_host_state_name(sm.state),
			       pcinet_host_state_name(r->to), sm.lease);
		CHECK(!strcmp(w.acts, r->acts));
		CHECK_EQ(sm.state, r->to);
		CHECK_EQ(sm.lease, r->lease);
		CHECK_EQ(sm.need, PCINET_NEED_NONE);
	}
}

TEST(attach_counts_and_remembers_the_generation)
{
	struct pcinet_host_sm sm;
	struct world w = { .boards = { B_VALID }, .n_boards = 1,
			   .outcome = PCINET_ATTACH_OK, .attach_gen = 42 };

	pcinet_host_sm_init(&sm);
	CHECK_EQ(sm.state, PCINET_HOST_ABSENT);
	pcinet_host_sm_status(&sm, B_VALID, true, true);
	drive(&sm, &w);
	CHECK_EQ(sm.state, PCINET_HOST_ATTACHED);
	CHECK_EQ(sm.generation, 42);
	CHECK_EQ(sm.attaches, 1);
	CHECK(!sm.running_seen);
	/* the board sets RUNNING: seen; it clears it while valid: dropped */
	pcinet_host_sm_status(&sm, B_VALID_RUN, true, true);
	drive(&sm, &w);
	CHECK(sm.running_seen);
	pcinet_host_sm_status(&sm, B_VALID, true, false);
	drive(&sm, &w);
	CHECK(!strcmp(w.acts, "STOP RELEASE_LEASE READ_BOARD RECLAIM"));
	CHECK_EQ(sm.why, PCINET_WHY_DROPPED);
	CHECK_EQ(sm.detaches, 1);
	CHECK_EQ(sm.state, PCINET_HOST_IDLE);
}

TEST(a_refused_generation_is_not_retried_at_every_check)
{
	struct pcinet_host_sm sm;
	struct world w = { .boards = { B_VALID }, .n_boards = 1, .gen_answered = true,
			   .outcome = PCINET_ATTACH_REFUSED, .attach_gen = GEN };

	pcinet_host_sm_init(&sm);
	pcinet_host_sm_status(&sm, B_VALID, true, true);
	drive(&sm, &w);
	CHECK_EQ(sm.state, PCINET_HOST_REFUSED);
	CHECK_EQ(sm.refusals, 1);
	w.gen = GEN;
	pcinet_host_sm_status(&sm, B_VALID, true, true);
	drive(&sm, &w);
	CHECK(!strcmp(w.acts, "TAKE_LEASE READ_BOARD READ_GENERATION RELEASE_LEASE"));
	CHECK_EQ(sm.refusals, 1);
	CHECK(!sm.lease);
}

TEST(an_om1i_refused_could_not_act_on_is_looked_at_later)
{
	struct pcinet_host_sm sm;
	struct world w = { .boards = { B_VALID }, .n_boards = 1, .gen_answered = true,
			   .gen = GEN2, .outcome = PCINET_ATTACH_OK, .attach_gen = GEN2 };

	/*
	 * Refused G; interface down; the board re-makes its region (G+1)
	 * between two checks, so the host never sees VALID clear; its OM1I
	 * comes while the host may not attach. Up again, a watchdog check
	 * must look: the board will not write its status again.
	 */
	pcinet_host_sm_init(&sm);
	sm.state = PCINET_HOST_REFUSED;
	sm.generation = GEN;
	pcinet_host_sm_status(&sm, B_VALID, true, false);
	drive(&sm, &w);
	CHECK(!strcmp(w.acts, ""));
	CHECK(sm.look_missed);
	pcinet_host_sm_status(&sm, B_VALID, false, true);
	drive(&sm, &w);
	CHECK(!strcmp(w.acts, "TAKE_LEASE READ_BOARD READ_GENERATION ATTACH"));
	CHECK_EQ(sm.state, PCINET_HOST_ATTACHED);
	CHECK(!sm.look_missed);

	/* the same generation: one look, then quiet until the next OM1I */
	pcinet_host_sm_init(&sm);
	sm.state = PCINET_HOST_REFUSED;
	sm.generation = GEN;
	w.gen = GEN;
	pcinet_host_sm_status(&sm, B_VALID, true, false);
	drive(&sm, &w);
	pcinet_host_sm_status(&sm, B_VALID, false, true);
	drive(&sm, &w);
	CHECK(!strcmp(w.acts, "TAKE_LEASE READ_BOARD READ_GENERATION RELEASE_LEASE"));
	pcinet_host_sm_status(&sm, B_VALID, false, true);
	drive(&sm, &w);
	CHECK(!strcmp(w.acts, ""));
	CHECK_EQ(sm.state, PCINET_HOST_REFUSED);
}

TEST(a_reset_reclaims_at_once_and_forgets_a_refusal)
{
	struct pcinet_host_sm sm;
	struct world w = { .n_boards = 1 };

	pcinet_host_sm_init(&sm);
	sm.state = PCINET_HOST_ATTACHED;
	sm.lease = true;
	pcinet_host_sm_reset(&sm);
	drive(&sm, &w);
	CHECK(!strcmp(w.acts, "STOP RECLAIM"));
	CHECK_EQ(sm.state, PCINET_HOST_ABSENT);
	CHECK_EQ(sm.why, PCINET_WHY_RESET);
	CHECK(!sm.lease);
	CHECK_EQ(sm.detaches, 1);

	/* a detach that was to end in REFUSED: the reset wins (not after a reset) */
	pcinet_host_sm_init(&sm);
	sm.state = PCINET_HOST_DETACHING;
	sm.refusing = true;
	pcinet_host_sm_reset(&sm);
	drive(&sm, &w);
	CHECK(!strcmp(w.acts, "RECLAIM"));
	CHECK_EQ(sm.state, PCINET_HOST_ABSENT);
	CHECK_EQ(sm.refusals, 0);

	pcinet_host_sm_init(&sm);
	sm.state = PCINET_HOST_REFUSED;
	pcinet_host_sm_reset(&sm);
	drive(&sm, &w);
	CHECK(!strcmp(w.acts, ""));
	CHECK_EQ(sm.state, PCINET_HOST_ABSENT);
}

TEST(broken_link_detaches_and_refuses_once_the_board_lets_go)
{
	struct pcinet_host_sm sm;
	struct world w = { .boards = { B_VALID_RUN, B_VALID }, .n_boards = 2 };

	pcinet_host_sm_init(&sm);
	sm.state = PCINET_HOST_ATTACHED;
	sm.lease = true;
	pcinet_host_sm_broken(&sm, true);
	drive(&sm, &w);
	/* still RUNNING: its DMA may write our memory; wait, and no attach */
	CHECK(!strcmp(w.acts, "STOP RELEASE_LEASE READ_BOARD WAIT"));
	CHECK_EQ(sm.state, PCINET_HOST_DETACHING);
	CHECK_EQ(sm.why, PCINET_WHY_BROKEN);
	pcinet_host_sm_status(&sm, B_VALID, false, true);	/* a watchdog check */
	drive(&sm, &w);
	CHECK(!strcmp(w.acts, "RECLAIM"));
	CHECK_EQ(sm.state, PCINET_HOST_REFUSED);
	CHECK_EQ(sm.refusals, 1);
}

TEST(release_then_checks_without_attaching)
{
	struct pcinet_host_sm sm;
	struct world w = { .boards = { B_VALID_RUN }, .n_boards = 1 };

	pcinet_host_sm_init(&sm);
	sm.state = PCINET_HOST_ATTACHED;
	sm.lease = true;
	pcinet_host_sm_release(&sm);
	drive(&sm, &w);
	CHECK_EQ(sm.state, PCINET_HOST_DETACHING);
	CHECK_EQ(sm.why, PCINET_WHY_RELEASED);
	/* the unload polls until the board lets go: IDLE, no new attach */
	pcinet_host_sm_status(&sm, B_VALID, false, false);
	drive(&sm, &w);
	CHECK(!strcmp(w.acts, "RECLAIM"));
	CHECK_EQ(sm.state, PCINET_HOST_IDLE);
	/* release when not attached: nothing to do */
	pcinet_host_sm_release(&sm);
	drive(&sm, &w);
	CHECK(!strcmp(w.acts, ""));
}

TEST(a_board_that_resumes_interrupts_gets_one_kick)
{
	struct pcinet_host_sm sm;
	struct world w = { .n_boards = 1 };

	pcinet_host_sm_init(&sm);
	sm.state = PCINET_HOST_ATTACHED;
	sm.running_seen = true;
	pcinet_host_sm_status(&sm, B_RXINT_OFF, true, true);
	drive(&sm, &w);
	CHECK(!strcmp(w.acts, ""));
	CHECK(sm.rxint_off);
	pcinet_host_sm_status(&sm, B_VALID_RUN, true, true);
	drive(&sm, &w);
	CHECK(!strcmp(w.acts, "KICK"));
	pcinet_host_sm_status(&sm, B_VALID_RUN, true, true);
	drive(&sm, &w);
	CHECK(!strcmp(w.acts, ""));
}

TEST(an_answer_not_given_settles_until_the_next_check)
{
	struct pcinet_host_sm sm;

	pcinet_host_sm_init(&sm);
	pcinet_host_sm_status(&sm, B_VALID, true, true);
	CHECK_EQ(pcinet_host_sm_next(&sm), PCINET_HA_TAKE_LEASE);
	CHECK_EQ(pcinet_host_sm_next(&sm), PCINET_HA_READ_BOARD);
	/* the caller forgot pcinet_host_sm_board(): nothing more */
	CHECK_EQ(pcinet_host_sm_next(&sm), PCINET_HA_NONE);
	/* an answer to a question not asked changes nothing */
	pcinet_host_sm_init(&sm);
	pcinet_host_sm_attached(&sm, PCINET_ATTACH_OK, 9);
	CHECK_EQ(sm.state, PCINET_HOST_ABSENT);
	CHECK_EQ(sm.attaches, 0);
}

TEST(state_and_action_names)
{
	CHECK(!strcmp(pcinet_host_act_name(PCINET_HA_TAKE_LEASE), "TAKE_LEASE"));
	CHECK(!strcmp(pcinet_host_act_name(PCINET_HA_ACTS), "?"));
	CHECK(!strcmp(pcinet_host_state_name(PCINET_HOST_ATTACHED), "attached"));
	CHECK(!strcmp(pcinet_host_state_name(PCINET_HOST_REFUSED), "refused"));
	CHECK(!strcmp(pcinet_host_state_name((enum pcinet_host_state)99), "?"));
}

int main(void)
{
	return unit_run("test_host_sm");
}
