// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The console token flow (docs/protocol.md 9.2-9.5), explored over the real
 * include/pcinet/pcinet_console.h: one direction, a sender and a receiver,
 * the message register with its status bit, the ack doorbell, and the world:
 * the sender restarts (a board reset clears the message unit; an OS handoff
 * or a host driver reload keeps it), the receiver restarts (9.3: init, drain,
 * one ack), the sender stalls (PCINET_CONS_STALL_MS passed without an ack),
 * the peer writes its status word (for any reason: the network writes it
 * too). Every message carries one byte naming the sender's incarnation and
 * its place in that incarnation's output.
 *
 * Properties (10.11): C1 no byte is delivered twice; C2 no byte of an
 * earlier incarnation of the sender after one of a later; C3 within one
 * incarnation bytes arrive in order. Exit 0: all hold; 1: a violation
 * (the trace is printed); 2: a model error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pcinet/pcinet_console.h>

#define MAX_MSGS	3	/* messages per incarnation */
#define MAX_INC		3	/* sender incarnations */

struct cs {
	/* sender: struct pcinet_cons_tx without its time and counter */
	u8 token, seq, first, stalled;
	u8 inc, next;		/* incarnation, next message's place */
	/* the message register and its status bit; the ack doorbell */
	u8 reg_byte, reg_flags, reg_pending, ack;
	/* receiver: struct pcinet_cons_rx without its counters */
	u8 have_last, last_byte, last_flags;
	u8 owe_read;		/* status bit cleared, the register not yet read */
	u8 owe_ack;		/* accepted, the ack not yet rung */
	/* what was delivered last: incarnation, place; 0xFF none */
	u8 got_inc, got_place;
};

/* the message's flags as the register holds them: seq, first, count */
#define RF_SEQ		BIT(0)
#define RF_FIRST	BIT(1)
#define RF_EMPTY	BIT(2)	/* a count of 0 (a cleared register) */

static u8 byte_of(u8 inc, u8 place)
{
	return (u8)(inc << 4 | place);
}

static u32 msg_word(u8 byte, u8 flags)
{
	u32 msg;

	if (flags & RF_EMPTY)
		return 0;
	msg = pcinet_cons_encode(&byte, 1, flags & RF_SEQ);
	if (flags & RF_FIRST)
		msg |= PCINET_CONS_FIRST;
	return msg;
}

static void msg_split(u32 msg, u8 *byte, u8 *flags)
{
	u8 b[4] = { 0 };
	unsigned int n = pcinet_cons_decode(msg, b);

	*byte = b[0];
	*flags = (pcinet_cons_seq(msg) ? RF_SEQ : 0) |
		 (pcinet_cons_first(msg) ? RF_FIRST : 0) | (n ? 0 : RF_EMPTY);
	if (msg_word(*byte, *flags) != msg) {
		fprintf(stderr, "console: message %#x outside the model\n", msg);
		exit(2);
	}
}

static void tx_load(struct pcinet_cons_tx *tx, const struct cs *s)
{
	pcinet_cons_tx_init(tx);
	tx->token = s->token;
	tx->seq = s->seq;
	tx->first = s->first;
	tx->stalled = s->stalled;
	tx->sent_ms = 0;
}

static void tx_store(struct cs *s, const struct pcinet_cons_tx *tx)
{
	s->token = tx->token;
	s->seq = tx->seq;
	s->first = tx->first;
	s->stalled = tx->stalled;
}

static void rx_load(struct pcinet_cons_rx *rx, const struct cs *s)
{
	pcinet_cons_rx_init(rx);
	rx->have_last = s->have_last;
	rx->last_msg = s->have_last ? msg_word(s->last_byte, s->last_flags) : 0;
}

static void rx_store(struct cs *s, const struct pcinet_cons_rx *rx)
{
	s->have_last = rx->have_last;
	s->last_byte = 0;
	s->last_flags = 0;
	if (rx->have_last)
		msg_split(rx->last_msg, &s->last_byte, &s->last_flags);
}

/* ---------------------------------------------------------------------- */
/* The visited set (small: a linear-probing table of states) */

static struct cs *states;
static u32 *parent;
static const char **via;
static u32 n_states, cap;
static u32 *table;
static u32 table_size = 1 << 16;
static unsigned long long n_trans;

static u32 hash_cs(const struct cs *s)
{
	const u8 *p = (const u8 *)s;
	u32 h = 2166136261u;
	size_t i;

	for (i = 0; i < sizeof(*s); i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static u32 find(const struct cs *s, bool *fresh, u32 from, const char *label)
{
	u32 h;

	if (n_states * 2 >= table_size) {
		u32 i;

		free(table);
		table_size *= 2;
		table = calloc(table_size, sizeof(*table));
		for (i = 0; table && i < n_states; i++) {
			h = hash_cs(&states[i]) & (table_size - 1);
			while (table[h])
				h = (h + 1) & (table_size - 1);
			table[h] = i + 1;
		}
	}
	if (!table) {
		fprintf(stderr, "console: out of memory\n");
		exit(2);
	}
	h = hash_cs(s) & (table_size - 1);
	while (table[h]) {
		if (!memcmp(&states[table[h] - 1], s, sizeof(*s))) {
			*fresh = false;
			return table[h] - 1;
		}
		h = (h + 1) & (table_size - 1);
	}
	if (n_states == cap) {
		cap = cap ? cap * 2 : 1024;
		states = realloc(states, cap * sizeof(*states));
		parent = realloc(parent, cap * sizeof(*parent));
		via = realloc(via, cap * sizeof(*via));
		if (!states || !parent || !via) {
			fprintf(stderr, "console: out of memory\n");
			exit(2);
		}
	}
	states[n_states] = *s;
	parent[n_states] = from;
	via[n_states] = label;
	table[h] = n_states + 1;
	*fresh = true;
	return n_states++;
}

static void trace(u32 i)
{
	if (i == UINT32_MAX)
		return;
	trace(parent[i]);
	if (via[i])
		printf(" %s >", via[i]);
}

static u32 cur;
static int failed;
static bool no_tx_restart, no_rx_restart, no_stall;

static void step(const struct cs *n, const char *label, const char *viol)
{
	bool fresh;

	n_trans++;
	if (viol && !failed) {
		printf("VIOLATION: %s\n  trace:", viol);
		trace(cur);
		printf(" %s\n", label);
		failed = 1;
		return;
	}
	find(n, &fresh, cur, label);
}

/* ---------------------------------------------------------------------- */
/* Steps */

/* The receiver reads the register, accepts, delivers (9.2 receiver 1) */
static void rx_read(struct cs *n, const char **viol)
{
	struct pcinet_cons_rx rx;
	u8 bytes[4];
	u8 inc, place;

	n->owe_read = 0;
	rx_load(&rx, n);
	if (pcinet_cons_rx_accept(&rx, msg_word(n->reg_byte, n->reg_flags),
				  bytes)) {
		inc = bytes[0] >> 4;
		place = bytes[0] & 0xF;
		if (n->got_inc != 0xFF && inc == n->got_inc &&
		    place == n->got_place)
			*viol = "C1 duplicate: a console byte delivered twice";
		else if (n->got_inc != 0xFF && inc < n->got_inc)
			*viol = "C2 generation: a byte of a restarted sender after its successor's";
		else if (n->got_inc != 0xFF && inc == n->got_inc &&
			 place < n->got_place)
			*viol = "C3 order: bytes of one sender out of order";
		n->got_inc = inc;
		n->got_place = place;
	}
	rx_store(n, &rx);
	n->owe_ack = 1;
}

static void steps(const struct cs *s)
{
	struct pcinet_cons_tx tx;
	struct pcinet_cons_rx rx;
	const char *viol;
	struct cs n;

	/* sender: write the next message when ready (9.2 sender 1) */
	tx_load(&tx, s);
	if (pcinet_cons_tx_ready(&tx) && s->next < MAX_MSGS) {
		u8 byte = byte_of(s->inc, s->next);
		u32 msg;

		n = *s;
		msg = pcinet_cons_tx_take(&tx, &byte, 1, 0);
		tx_store(&n, &tx);
		msg_split(msg, &n.reg_byte, &n.reg_flags);
		n.reg_pending = 1;
		n.next++;
		step(&n, "S send", NULL);
	}
	/* sender: the ack doorbell (9.2 sender 2) */
	if (s->ack) {
		n = *s;
		tx_load(&tx, &n);
		pcinet_cons_tx_acked(&tx);
		tx_store(&n, &tx);
		n.ack = 0;
		step(&n, "S ack", NULL);
	}
	/* sender: no ack for PCINET_CONS_STALL_MS (9.2 sender 3) */
	n = *s;
	tx_load(&tx, &n);
	if (!no_stall && pcinet_cons_tx_check_stall(&tx, PCINET_CONS_STALL_MS)) {
		tx_store(&n, &tx);
		step(&n, "S stall", NULL);
	}
	/* sender: the peer wrote its status word (any reason) */
	n = *s;
	tx_load(&tx, &n);
	pcinet_cons_tx_peer_back(&tx);
	tx_store(&n, &tx);
	if (memcmp(&n, s, sizeof(n)))
		step(&n, "S peer status write", NULL);
	/* receiver: a message pending: W1C first, then read (9.2 receiver 1) */
	if (s->reg_pending && !s->owe_read) {
		n = *s;
		n.reg_pending = 0;
		n.owe_read = 1;
		step(&n, "R W1C", NULL);
	}
	if (s->owe_read) {
		n = *s;
		viol = NULL;
		rx_read(&n, &viol);
		step(&n, "R read", viol);
	}
	/* receiver: room again, ring the ack (9.2 receiver 2) */
	if (s->owe_ack) {
		n = *s;
		n.owe_ack = 0;
		n.ack = 1;
		step(&n, "R ack", NULL);
	}
	/* the sender restarts (9.3): reset clears the message unit */
	if (!no_tx_restart && s->inc + 1 < MAX_INC) {
		n = *s;
		pcinet_cons_tx_init(&tx);
		tx_store(&n, &tx);
		n.inc++;
		n.next = 0;
		n.reg_byte = 0;
		n.reg_flags = RF_EMPTY;
		n.reg_pending = 0;
		n.ack = 0;
		step(&n, "S reset (message unit cleared)", NULL);
		n = *s;
		pcinet_cons_tx_init(&tx);
		tx_store(&n, &tx);
		n.inc++;
		n.next = 0;
		step(&n, "S restart (handoff, reload)", NULL);
	}
	/* the receiver restarts (9.3 steps 1, 3, 5) */
	n = *s;
	pcinet_cons_rx_init(&rx);
	rx_store(&n, &rx);
	n.owe_ack = 0;
	n.owe_read = 0;
	viol = NULL;
	if (n.reg_pending) {
		n.reg_pending = 0;
		rx_read(&n, &viol);
	}
	n.owe_ack = 0;
	n.ack = 1;
	if (!no_rx_restart && memcmp(&n, s, sizeof(n)))
		step(&n, "R restart (init, drain, ack)", viol);
}

int main(int argc, char **argv)
{
	struct cs init = { 0 };
	struct pcinet_cons_tx tx;
	struct pcinet_cons_rx rx;
	bool fresh;
	u32 i;

	for (i = 1; i < (u32)argc; i++) {
		if (!strcmp(argv[i], "-r")) {
			no_tx_restart = true;
		} else if (!strcmp(argv[i], "-R")) {
			no_rx_restart = true;
		} else if (!strcmp(argv[i], "-s")) {
			no_stall = true;
		} else {
			printf("usage: explore-console [-r] [-R] [-s]\n"
			       "Explore the console token flow over include/pcinet/pcinet_console.h\n"
			       "(docs/protocol.md 9, 10.11). -r: the sender never restarts, -R: the\n"
			       "receiver never restarts, -s: the sender never stalls. Exit 0: C1-C3\n"
			       "hold; 1: a violation (trace printed).\n");
			return 2;
		}
	}
	table = calloc(table_size, sizeof(*table));
	pcinet_cons_tx_init(&tx);
	tx_store(&init, &tx);
	pcinet_cons_rx_init(&rx);
	rx_store(&init, &rx);
	init.reg_flags = RF_EMPTY;
	init.got_inc = 0xFF;
	find(&init, &fresh, UINT32_MAX, NULL);
	for (i = 0; i < n_states && !failed; i++) {
		cur = i;
		steps(&states[i]);
	}
	printf("console %s: %u states, %llu transitions (%d messages, %d incarnations)\n",
	       failed ? "violated" : "holds", n_states, n_trans, MAX_MSGS, MAX_INC);
	return failed;
}
