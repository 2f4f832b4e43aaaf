// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The registers-valid handshake, explored (docs/protocol.md 10.11): every
 * interleaving of the host (host.c: the real pcinet_host_sm.h), the board
 * (board.c: 10.2, U-Boot and Linux) and the world (resets at every step,
 * stops, handoffs, refusals, interface down) from power-on, breadth first
 * over a hash set of visited states, with the safety properties checked at
 * every step; then the liveness property (bounded response under a fair
 * scheduler) from every reachable state where both sides are up.
 *
 * Exit status: 0 all properties hold, 1 a property is violated (the trace
 * is printed, shortest first), 2 a usage or model error.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include "model.h"

struct model_opts mopt = { .gmax = 4 };

/* ---------------------------------------------------------------------- */
/* Codes */

u32 st_word(u8 code)
{
	u32 flags = SC_FLAGS(code);

	switch (SC_KIND(code)) {
	case SK_ZERO:
		return 0;
	case SK_BOARD:
		return pcinet_status_make(PCINET_STATUS_SIG_BOARD, flags);
	case SK_FOREIGN:
		return PCINET_STATUS_SIG_BOARD |
		       ((PCINET_VERSION_MAJOR + 1) << PCINET_STATUS_VERSION_SHIFT) |
		       flags;
	case SK_HOST:
		return pcinet_status_make(PCINET_STATUS_SIG_HOST, flags);
	default:
		return PCINET_ALL_ONES;
	}
}

u8 st_code(u32 w)
{
	u32 flags = w & PCINET_STATUS_FLAGS_MASK;
	unsigned int kind;

	if (w == 0)
		return SC(SK_ZERO, 0);
	if (w == PCINET_ALL_ONES)
		return SC(SK_ONES, 0xF);
	if (pcinet_status_compatible(w, PCINET_STATUS_SIG_BOARD))
		kind = SK_BOARD;
	else if (pcinet_status_present(w, PCINET_STATUS_SIG_BOARD))
		kind = SK_FOREIGN;
	else if (pcinet_status_compatible(w, PCINET_STATUS_SIG_HOST))
		kind = SK_HOST;
	else
		kind = 0xF;
	if (kind == 0xF || st_word(SC(kind, flags)) != w) {
		fprintf(stderr, "verify: status word %#x outside the model\n", w);
		exit(2);
	}
	return SC(kind, flags);
}

u32 gen_word(u8 code)
{
	return code == GEN_ONES ? PCINET_ALL_ONES : code;
}

u8 gen_code(u32 gen)
{
	if (gen == PCINET_ALL_ONES)
		return GEN_ONES;
	if (gen > GEN_LIMIT) {
		fprintf(stderr, "verify: generation %u outside the model\n", gen);
		exit(2);
	}
	return gen;
}

/*
 * Generations are only compared (==, and the max of 6.7): shifting every
 * one that is held down by the same amount changes no decision, so states
 * that differ only by such a shift are one state. 0 and all ones stay. A
 * state whose generations spread over more than gmax values is pruned.
 */
static bool canon(struct vs *s)
{
	u8 *g[] = { &s->sm_gen, &s->b_last, &s->r_gen, &s->hp_ack,
		    &s->h2b_gen, &s->cmpl_gen, &s->ref_gen };
	unsigned int i, lo = 255, hi = 0;

	if (!s->r_magic)
		s->r_gen = 0;
	if (s->hp_owner == PO_NONE) {
		s->hp_ack = 0;
		s->hp_lease = 0;
	}
	if (!mopt.fix_f1)
		s->hp_lease = 0;
	if (!(s->fr & FR_H2B)) {
		s->h2b_gen = 0;
		s->fr &= ~FR_H2B_LOST;
	}
	if (!(s->fr & FR_CMPL))
		s->cmpl_gen = 0;
	if (s->pc != PC_DRAIN && s->pc != PC_RESET_DRAIN)
		s->act = 0;
	if (s->pc == PC_IDLE || s->pc == PC_DRAIN)
		s->chk_om1i = 0;
	for (i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
		if (!*g[i] || *g[i] == GEN_ONES)
			continue;
		if (*g[i] < lo)
			lo = *g[i];
	}
	for (i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
		if (!*g[i] || *g[i] == GEN_ONES)
			continue;
		*g[i] -= lo - 1;
		if (*g[i] > hi)
			hi = *g[i];
	}
	return hi <= mopt.gmax;
}

/* ---------------------------------------------------------------------- */
/* The visited set: states in discovery order, an open-addressing index */

static struct vs *states;
static u32 *parent;		/* index of the state it was found from */
static const char **via;	/* the step that found it */
static u32 n_states, cap_states;
static u32 *table;		/* index + 1, 0 empty */
static u64 table_size;

static u64 hash_vs(const struct vs *s)
{
	const u8 *p = (const u8 *)s;
	u64 h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < sizeof(*s); i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size);
	if (!p) {
		fprintf(stderr, "verify: out of memory\n");
		exit(2);
	}
	return p;
}

static void table_grow(void)
{
	u64 size = table_size ? table_size * 2 : 1 << 16;
	u32 *t = calloc(size, sizeof(*t));
	u32 i;

	if (!t) {
		fprintf(stderr, "verify: out of memory\n");
		exit(2);
	}
	for (i = 0; i < n_states; i++) {
		u64 h = hash_vs(&states[i]) & (size - 1);

		while (t[h])
			h = (h + 1) & (size - 1);
		t[h] = i + 1;
	}
	free(table);
	table = t;
	table_size = size;
}

/* The index of s, or UINT32_MAX; *slot: where it would go */
static u32 lookup(const struct vs *s, u64 *slot)
{
	u64 h = hash_vs(s) & (table_size - 1);

	while (table[h]) {
		if (!memcmp(&states[table[h] - 1], s, sizeof(*s)))
			return table[h] - 1;
		h = (h + 1) & (table_size - 1);
	}
	*slot = h;
	return UINT32_MAX;
}

static u32 insert(const struct vs *s, u32 from, const char *label, bool *fresh)
{
	u64 slot;
	u32 i;

	if ((u64)n_states * 2 >= table_size)
		table_grow();
	i = lookup(s, &slot);
	*fresh = i == UINT32_MAX;
	if (!*fresh)
		return i;
	if (n_states == cap_states) {
		cap_states = cap_states ? cap_states * 2 : 1 << 16;
		states = xrealloc(states, cap_states * sizeof(*states));
		parent = xrealloc(parent, cap_states * sizeof(*parent));
		via = xrealloc(via, cap_states * sizeof(*via));
	}
	states[n_states] = *s;
	parent[n_states] = from;
	via[n_states] = label;
	table[slot] = n_states + 1;
	return n_states++;
}

/* ---------------------------------------------------------------------- */
/* Successors: what the step functions emit for one state */

struct succ {
	struct vs s;
	enum who who;
	enum kind kind;
	const char *label;
	const char *viol;
	bool pruned;
};

#define MAX_SUCC 64
static struct succ succ[MAX_SUCC];
static unsigned int n_succ;

/*
 * K7: a step that does not end (pcinet_host_sm_next() looping) is a
 * violation too: a CPU-time tick that sees no new successor says so.
 */
static volatile sig_atomic_t progress, last_progress;

static void stuck(int sig)
{
	static const char msg[] =
		"VIOLATION: K7 rounds: a step of the machine does not return (1 s of CPU)\n";

	(void)sig;
	if (progress == last_progress) {
		if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) < 0)
			_exit(2);
		_exit(1);
	}
	last_progress = progress;
}

static void watch_steps(void)
{
	struct itimerval t = { { 1, 0 }, { 1, 0 } };

	signal(SIGPROF, stuck);
	setitimer(ITIMER_PROF, &t, NULL);
}

void emit(const struct vs *n, enum who who, enum kind kind,
	  const char *label, const char *violation)
{
	struct succ *e;

	progress++;
	if (n_succ == MAX_SUCC) {
		fprintf(stderr, "verify: more than %d successors\n", MAX_SUCC);
		exit(2);
	}
	e = &succ[n_succ++];
	e->s = *n;
	e->who = who;
	e->kind = kind;
	e->label = label;
	e->viol = violation;
	e->pruned = !canon(&e->s);
}

static void successors(const struct vs *s)
{
	n_succ = 0;
	host_steps(s);
	board_steps(s);
}

/* ---------------------------------------------------------------------- */
/* Traces */

static const char *board_name(u8 bst)
{
	static const char * const names[] = { "off", "idle", "valid",
					      "accepted", "attached",
					      "stopping" };

	return bst < sizeof(names) / sizeof(names[0]) ? names[bst] : "?";
}

static void describe(const struct vs *s, char *buf, size_t len)
{
	static const char * const sws[] = { "-", "u-boot", "linux", "foreign" };
	char h[160];

	host_describe(s, h, sizeof(h));
	snprintf(buf, len, "%s | board %s %s(g%u)%s | OMR1 %08x IMR1 %08x%s%s | region g%u%s%s%s",
		 h, sws[s->sw & 3], board_name(s->bst), s->b_last,
		 s->bf & BF_FRESH ? " fresh" : "",
		 st_word(s->omr1), st_word(s->imr1),
		 s->rf & RF_CFG_LOST ? " cfg-lost" : "",
		 s->rf & RF_OM1I ? " om1i" : "",
		 s->r_gen, s->hp_owner == PO_NONE ? "" :
		 s->hp_owner == PO_CUR ? " host-part" :
		 s->hp_owner == PO_DEAD ? " dead-host's-part" : " stale-host-part",
		 s->fr & FR_H2B ? " h2b-frame" : "",
		 s->fr & FR_CMPL ? " b2h-cmpl" : "");
}

static bool verbose, quiet;

static void print_path(u32 i)
{
	u32 path[4096], n = 0, k;
	char buf[512];

	while (i != UINT32_MAX && n < 4096) {
		path[n++] = i;
		i = parent[i];
	}
	if (quiet) {
		/* the short form: the steps on one line */
		printf("  trace:");
		for (k = n - 1; k-- > 0;)
			printf(" %s%s", via[path[k]], k ? " >" : "");
		printf("\n");
		return;
	}
	for (k = n; k-- > 0;) {
		describe(&states[path[k]], buf, sizeof(buf));
		printf("  %3u %-44s %s\n", n - 1 - k,
		       via[path[k]] ? via[path[k]] : "(power on)",
		       verbose || k == 0 ? buf : "");
	}
}

static void print_violation(u32 from, const struct succ *e)
{
	char buf[512];

	printf("VIOLATION: %s\n", e->viol);
	if (!quiet)
		printf("trace (shortest):\n");
	print_path(from);
	describe(&e->s, buf, sizeof(buf));
	printf("  --> %-44s %s\n", e->label, buf);
}

/* ---------------------------------------------------------------------- */
/* Safety: breadth first from power on */

static u64 n_trans, n_pruned;
static unsigned int max_depth;
static bool all_violations;	/* -a: one trace per property, go on */

/* The properties seen violated, for -a */
static const char *seen_viol[64];
static unsigned int n_seen_viol;

static bool viol_new(const char *v)
{
	unsigned int k;

	for (k = 0; k < n_seen_viol; k++)
		if (!strcmp(seen_viol[k], v))
			return false;
	if (n_seen_viol < 64)
		seen_viol[n_seen_viol++] = v;
	return true;
}

static int explore(void)
{
	struct vs init = { 0 };
	bool fresh;
	u32 i, depth_end = 1;
	unsigned int depth = 0;

	host_init(&init);
	canon(&init);
	insert(&init, UINT32_MAX, NULL, &fresh);
	for (i = 0; i < n_states; i++) {
		unsigned int k;

		if (i == depth_end) {
			depth++;
			depth_end = n_states;
		}
		successors(&states[i]);
		for (k = 0; k < n_succ; k++) {
			struct succ *e = &succ[k];

			n_trans++;
			if (e->viol) {
				if (viol_new(e->viol))
					print_violation(i, e);
				if (!all_violations)
					return 1;
				continue;
			}
			if (e->pruned) {
				n_pruned++;
				continue;
			}
			insert(&e->s, i, e->label, &fresh);
		}
	}
	max_depth = depth;
	return n_seen_viol ? 1 : 0;
}

/* ---------------------------------------------------------------------- */
/*
 * Liveness: bounded response under a fair scheduler. From every reachable
 * state where both sides are up (the interface up, a PCINet board, no
 * refusal of the board's current generation pending), the scheduler takes
 * turns, host then board then host...; in its turn a side takes any one of
 * its protocol steps that changes something (K_PROGRESS; the host's check
 * is the OM1I one when an OM1I is pending, interrupts before the
 * watchdog), or stutters if it has none. No world event happens any more:
 * no reset, stop, handoff, refusal, interface down, and no new traffic. Every such run must reach "attached"
 * (host ATTACHED with the carrier on, board ATTACHED and past its IMR1
 * re-read, both on the same generation, the region holding the host part
 * of this attach, no frame or completion left in flight) within LIVE_BOUND steps: checked
 * as the longest path to it in the turn-taking graph, which must be
 * acyclic outside "attached".
 */
#define LIVE_BOUND	64
#define LIVE_MAX_NEXT	16
#define DIST_NONE	-1
#define DIST_STACK	-2

static int *dist;		/* per (state, turn) */
static u64 n_live_starts, n_live_nodes, n_live_pruned;
static int live_max;

static bool live_goal(const struct vs *s)
{
	return host_attached(s) && (s->hf & HF_CARRIER) &&
	       s->bst == BS_ATTACHED && !(s->bf & BF_FRESH) &&
	       s->hp_owner == PO_CUR && s->b_last == s->sm_gen &&
	       !(s->fr & (FR_H2B | FR_CMPL));
}

static bool live_premise(const struct vs *s)
{
	bool board_stays = s->bst == BS_VALID || s->bst == BS_ACCEPTED ||
			   s->bst == BS_ATTACHED;

	/* F4 (10.11): a board outside 10.2 dropped an attach unseen */
	bool dropped_unseen = host_attached(s) &&
			      !(s->sm_bits & SB_RUNNING_SEEN) &&
			      s->bst == BS_VALID && s->hp_owner == PO_NONE &&
			      s->b_last == s->sm_gen;

	return (s->hf & HF_IFUP) && s->sw != SW_FOREIGN &&
	       !(board_stays && host_refusing(s, s->b_last)) &&
	       !dropped_unseen;
}

/* The fair successors of (state i, turn): node ids, or the stutter */
static unsigned int live_next(u32 i, int turn, u32 *out)
{
	const struct vs *s = &states[i];
	unsigned int k, n = 0, pruned = 0;
	bool stutter = false;
	bool om1i_check = s->pc == PC_IDLE && (s->rf & RF_OM1I);

	successors(s);
	for (k = 0; k < n_succ; k++) {
		struct succ *e = &succ[k];
		u64 slot;
		u32 j;

		if (e->kind != K_PROGRESS || (int)e->who != turn)
			continue;
		if (turn == WHO_HOST && om1i_check &&
		    !strcmp(e->label, "H check (watchdog)"))
			continue;
		if (e->pruned) {
			n_live_pruned++;
			pruned++;
			continue;
		}
		if (n == LIVE_MAX_NEXT) {
			fprintf(stderr, "verify: too many fair successors\n");
			exit(2);
		}
		j = lookup(&e->s, &slot);
		if (j == UINT32_MAX) {
			fprintf(stderr, "verify: a successor was not explored\n");
			exit(2);
		}
		/* a poll that finds nothing new is taken only if nothing else */
		if (j == i) {
			stutter = true;
			continue;
		}
		out[n++] = j * 2 + !turn;
	}
	if (!n && stutter)
		out[n++] = i * 2 + !turn;
	/* a side with nothing to do stutters; one whose every step leaves
	 * the bounded model is taken as arrived (counted as pruned)
	 */
	if (!n && !pruned)
		out[n++] = i * 2 + !turn;
	return n;
}

struct frame {
	u32 node;
	u32 next[LIVE_MAX_NEXT];
	unsigned int n, k;
	int best;
};

static struct frame *stack;

static void print_lasso(u32 root, unsigned int sp, u32 again)
{
	char buf[512];
	unsigned int k;

	printf("VIOLATION: L1 liveness: a fair run never attaches\n");
	printf("reached by:\n");
	print_path(root);
	if (quiet) {
		describe(&states[again / 2], buf, sizeof(buf));
		printf("  then a fair cycle of %u turns through: %s\n", sp + 1,
		       buf);
		return;
	}
	printf("then, taking turns (host, board), a cycle:\n");
	for (k = 0; k <= sp; k++) {
		u32 node = stack[k].node;

		describe(&states[node / 2], buf, sizeof(buf));
		printf("  %s%s turn  %s\n", node == again ? "*" : " ",
		       node % 2 == WHO_HOST ? "host " : "board", buf);
	}
	printf("  (* the state the run comes back to)\n");
}

static size_t stack_cap;

static struct frame *push(unsigned int sp)
{
	if (sp >= stack_cap) {
		stack_cap = stack_cap ? stack_cap * 2 : 4096;
		stack = xrealloc(stack, stack_cap * sizeof(*stack));
	}
	return &stack[sp];
}

static int live_from(u32 root)
{
	unsigned int sp = 0;

	push(0);

	stack[0].node = root * 2 + WHO_HOST;
	stack[0].n = live_next(root, WHO_HOST, stack[0].next);
	stack[0].k = 0;
	stack[0].best = 0;
	dist[stack[0].node] = DIST_STACK;
	for (;;) {
		struct frame *f = &stack[sp];

		if (f->k < f->n) {
			u32 m = f->next[f->k++];
			int d = dist[m];

			if (d == DIST_STACK) {
				print_lasso(root, sp, m);
				return 1;
			}
			if (d == DIST_NONE) {
				if (live_goal(&states[m / 2])) {
					dist[m] = 0;
					d = 0;
				} else {
					struct frame *g = push(++sp);

					n_live_nodes++;
					g->node = m;
					g->n = live_next(m / 2, m % 2, g->next);
					g->k = 0;
					g->best = 0;
					dist[m] = DIST_STACK;
					continue;
				}
			}
			if (d + 1 > f->best)
				f->best = d + 1;
			continue;
		}
		dist[f->node] = f->best;
		if (f->best > live_max)
			live_max = f->best;
		if (!sp)
			return 0;
		sp--;
		if (f->best + 1 > stack[sp].best)
			stack[sp].best = f->best + 1;
	}
}

static int liveness(void)
{
	u32 i;
	int ret = 0;

	dist = malloc(sizeof(*dist) * (size_t)n_states * 2);
	if (!dist) {
		fprintf(stderr, "verify: out of memory\n");
		exit(2);
	}
	for (i = 0; i < n_states * 2; i++)
		dist[i] = DIST_NONE;
	for (i = 0; i < n_states && !ret; i++) {
		if (!live_premise(&states[i]) || live_goal(&states[i]) ||
		    dist[i * 2 + WHO_HOST] != DIST_NONE)
			continue;
		n_live_starts++;
		ret = live_from(i);
	}
	if (!ret && live_max > LIVE_BOUND) {
		printf("VIOLATION: L1 liveness: %d steps to attach, more than %d\n",
		       live_max, LIVE_BOUND);
		ret = 1;
	}
	free(stack);
	free(dist);
	return ret;
}

/* ---------------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: explore [options]\n"
		"Explore every interleaving of the PCINet host state machine\n"
		"(include/pcinet/pcinet_host_sm.h) with a board (docs/protocol.md\n"
		"10.2) and resets at every step; check the properties of\n"
		"docs/protocol.md 10.11. Exit 0: all hold; 1: a violation (trace\n"
		"printed); 2: usage or model error.\n"
		"  -g N   generations kept apart (default 4)\n"
		"  -t     the board may leave STOPPING after PCINET_STOP_ACK_MS\n"
		"  -f 1   with finding F1's fix (10.11): a host part names the lease\n"
		"         it was written in; the board takes it, and serves it after\n"
		"         setting RUNNING, only within that lease\n"
		"  -c     the host does not crash (smaller, for the documentation)\n"
		"  -s     self-test: a caller that reclaims at WAIT must fail\n"
		"  -n     safety only, no liveness\n"
		"  -a     every property violated, one trace each (safety)\n"
		"  -q     short traces, one line of figures\n"
		"  -v     traces with every state\n");
}

int main(int argc, char **argv)
{
	unsigned long long late;
	bool live = true;
	struct timespec t0, t1;
	double secs;
	int i, ret;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-g") && i + 1 < argc) {
			mopt.gmax = atoi(argv[++i]);
			if (mopt.gmax < 2 || mopt.gmax > GEN_LIMIT - 1) {
				usage(stderr);
				return 2;
			}
		} else if (!strcmp(argv[i], "-t")) {
			mopt.stop_timeout = true;
		} else if (!strcmp(argv[i], "-f") && i + 1 < argc) {
			i++;
			if (!strcmp(argv[i], "1")) {
				mopt.fix_f1 = true;
			} else {
				usage(stderr);
				return 2;
			}
		} else if (!strcmp(argv[i], "-c")) {
			mopt.no_crash = true;
		} else if (!strcmp(argv[i], "-s")) {
			mopt.selftest = true;
		} else if (!strcmp(argv[i], "-a")) {
			all_violations = true;
		} else if (!strcmp(argv[i], "-n")) {
			live = false;
		} else if (!strcmp(argv[i], "-q")) {
			quiet = true;
		} else if (!strcmp(argv[i], "-v")) {
			verbose = true;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}

	clock_gettime(CLOCK_MONOTONIC, &t0);
	watch_steps();
	ret = explore();
	late = mopt.late;	/* liveness generates the same steps again */
	if (!ret && live)
		ret = liveness();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;

	printf("%s [%s]: %u states, %llu transitions, depth %u, %llu pruned (generations > %u), %.2f s\n",
	       ret ? "violated" : "safety holds", verify_header, n_states,
	       (unsigned long long)n_trans, max_depth,
	       (unsigned long long)n_pruned, mopt.gmax, secs);
	if (mopt.stop_timeout)
		printf("-t: %llu BAR1 accesses (transitions) into a region the board took back\n",
		       late);
	if (!ret && live && !quiet)
		printf("liveness holds: %llu start states, %llu fair nodes, attached within %d steps (bound %d), %llu pruned edges\n",
		       (unsigned long long)n_live_starts,
		       (unsigned long long)n_live_nodes, live_max, LIVE_BOUND,
		       (unsigned long long)n_live_pruned);
	return ret;
}
