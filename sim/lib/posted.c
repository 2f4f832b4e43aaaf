// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Posted host writes (docs/sim.md "Posted writes", protocol.md 3.5).
 *
 * A host's writes to BAR1 are posted: the CPU's write-combining buffers and
 * the bridges on the way hold them, and nothing orders them before a later
 * uncached register write (a doorbell) that takes another path. What orders
 * them is a read of the device: its completion cannot pass the writes.
 * The model holds every BAR1 write of a host handle here and lands them in
 * board RAM, in order, at the host's next read of the slot (BAR0 or BAR1),
 * when SIM_POSTED_BYTES or SIM_POSTED_WRITES are held, at the slot's close,
 * or SIM_POSTED_MAX_NS after the first of them (the engine's event): so a
 * doorbell written before a read-back reaches the board before its data.
 */
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

struct posted_write {
	uint8_t *to;		/* in board RAM */
	uint32_t len;
	uint32_t at;		/* in data[] */
};

struct sim_posted {
	pthread_mutex_t mu;	/* the host's thread and the engine's */
	uint32_t epoch;		/* of the board they were written to */
	uint32_t count, bytes;
	struct posted_write w[SIM_POSTED_WRITES];
	uint8_t data[SIM_POSTED_BYTES];
};

static struct sim_posted *posted_get(struct pcinet_sim_slot *s)
{
	struct sim_posted *p = s->posted;

	if (p)
		return p;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	pthread_mutex_init(&p->mu, NULL);
	s->posted = p;
	return p;
}

/* Land what is held (p->mu held); false if there was nothing */
static bool land(struct pcinet_sim_slot *s, struct sim_posted *p)
{
	unsigned int i;

	if (!p->count)
		return false;
	/* A board reset since: the writes died with the transactions */
	if (p->epoch == __atomic_load_n(&s->st->epoch, __ATOMIC_ACQUIRE)) {
		for (i = 0; i < p->count; i++)
			memcpy(p->w[i].to, p->data + p->w[i].at, p->w[i].len);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	}
	p->count = 0;
	p->bytes = 0;
	return true;
}

void sim_posted_flush(struct pcinet_sim_slot *s, bool late)
{
	struct sim_posted *p = s->posted;
	bool landed;

	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	landed = land(s, p);
	pthread_mutex_unlock(&p->mu);
	if (!landed)
		return;
	if (late)
		sim_count(s, PCINET_SIM_POSTED_LATE, 1);
	/* a polling board may be asleep in pcinet_sim_idle() */
	sim_wake_board(s);
}

int sim_posted_add(struct pcinet_sim_slot *s, uint8_t *to, const void *buf,
		   uint32_t len)
{
	struct sim_posted *p = posted_get(s);
	uint32_t epoch = __atomic_load_n(&s->st->epoch, __ATOMIC_ACQUIRE);
	bool first;

	if (!p || len > SIM_POSTED_BYTES) {
		/* Too big to hold: what was held first, then this one */
		sim_posted_flush(s, false);
		memcpy(to, buf, len);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		sim_wake_board(s);
		return 0;
	}
	pthread_mutex_lock(&p->mu);
	if (p->count && (p->epoch != epoch || p->count == SIM_POSTED_WRITES ||
			 len > SIM_POSTED_BYTES - p->bytes)) {
		/* The buffers are full: the oldest writes drain */
		land(s, p);
		sim_wake_board(s);
	}
	first = !p->count;
	p->epoch = epoch;
	p->w[p->count].to = to;
	p->w[p->count].len = len;
	p->w[p->count].at = p->bytes;
	memcpy(p->data + p->bytes, buf, len);
	p->count++;
	p->bytes += len;
	pthread_mutex_unlock(&p->mu);
	if (first && sim_engine_at(s, SIM_EVENT_POSTED,
				   sim_now_ns() + SIM_POSTED_MAX_NS))
		sim_posted_flush(s, false);	/* no engine: no delay */
	return 0;
}

uint32_t sim_posted_bytes(struct pcinet_sim_slot *s)
{
	struct sim_posted *p = s->posted;
	uint32_t n;

	if (!p)
		return 0;
	pthread_mutex_lock(&p->mu);
	n = p->bytes;
	pthread_mutex_unlock(&p->mu);
	return n;
}

void sim_posted_free(struct pcinet_sim_slot *s)
{
	if (!s->posted)
		return;
	pthread_mutex_destroy(&s->posted->mu);
	free(s->posted);
	s->posted = NULL;
}
