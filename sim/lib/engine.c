// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the hardware does after the access that started it: a DMA channel
 * that runs for a while, and posted host writes that land a little later.
 * Each slot handle that needs it gets one thread, started at the first
 * such event in its process, which waits for the earliest due event and
 * hands it to dma.c or posted.c. The thread belongs to the process that did
 * the access - the board's process for its DMA, the host's for its posted
 * writes - as the DMA controller is the board's and the write buffers are
 * the host's.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "sim_internal.h"

struct sim_engine {
	pthread_t thread;
	pthread_mutex_t mu;	/* guards everything below */
	pthread_cond_t cv;	/* CLOCK_MONOTONIC: something new is due */
	pid_t pid;		/* the process the thread runs in */
	bool stop;
	uint64_t due[SIM_EVENTS];	/* ns, CLOCK_MONOTONIC; 0: none */
};

uint64_t sim_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t earliest(const struct sim_engine *e, unsigned int *which)
{
	uint64_t best = 0;
	unsigned int i;

	for (i = 0; i < SIM_EVENTS; i++) {
		if (e->due[i] && (!best || e->due[i] < best)) {
			best = e->due[i];
			*which = i;
		}
	}
	return best;
}

static void *engine_main(void *arg)
{
	struct pcinet_sim_slot *s = arg;
	struct sim_engine *e = s->engine;
	struct timespec ts;
	unsigned int which = 0;
	uint64_t due;

	/* Wake-ups of a few microseconds are the point: no 50 us slack */
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	pthread_mutex_lock(&e->mu);
	while (!e->stop) {
		due = earliest(e, &which);
		if (!due) {
			pthread_cond_wait(&e->cv, &e->mu);
			continue;
		}
		if (due > sim_now_ns()) {
			ts.tv_sec = (time_t)(due / 1000000000u);
			ts.tv_nsec = (long)(due % 1000000000u);
			pthread_cond_timedwait(&e->cv, &e->mu, &ts);
			continue;
		}
		e->due[which] = 0;
		pthread_mutex_unlock(&e->mu);
		if (which == SIM_EVENT_POSTED)
			sim_posted_flush(s, true);
		else
			sim_dma_event(s, which - SIM_EVENT_DMA0);
		pthread_mutex_lock(&e->mu);
	}
	pthread_mutex_unlock(&e->mu);
	return NULL;
}

static void engine_free(struct sim_engine *e)
{
	pthread_cond_destroy(&e->cv);
	pthread_mutex_destroy(&e->mu);
	free(e);
}

/* The handle's engine, started in this process if need be; NULL on failure */
static struct sim_engine *engine_get(struct pcinet_sim_slot *s)
{
	struct sim_engine *e = s->engine;
	pthread_condattr_t ca;
	sigset_t all, old;
	int err;

	/* A child of a fork has the memory of the parent's engine, not its
	 * thread: it starts its own and leaks the copy (one small struct)
	 */
	if (e && e->pid == getpid())
		return e;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	pthread_mutex_init(&e->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&e->cv, &ca);
	pthread_condattr_destroy(&ca);
	e->pid = getpid();
	s->engine = e;
	/*
	 * The thread takes no signal: the process's own threads keep seeing
	 * theirs (a daemon's SIGTERM, a board's SIGUSR1 must interrupt the
	 * poll() of the thread that waits for them, not this one)
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&e->thread, NULL, engine_main, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		s->engine = NULL;
		engine_free(e);
		return NULL;
	}
	return e;
}

int sim_engine_at(struct pcinet_sim_slot *s, enum sim_event ev, uint64_t due)
{
	struct sim_engine *e = engine_get(s);

	if (!e)
		return -ENOMEM;
	pthread_mutex_lock(&e->mu);
	e->due[ev] = due ? due : 1;
	pthread_cond_signal(&e->cv);
	pthread_mutex_unlock(&e->mu);
	return 0;
}

void sim_engine_stop(struct pcinet_sim_slot *s)
{
	struct sim_engine *e = s->engine;

	if (!e || e->pid != getpid())
		return;
	pthread_mutex_lock(&e->mu);
	e->stop = true;
	pthread_cond_signal(&e->cv);
	pthread_mutex_unlock(&e->mu);
	pthread_join(e->thread, NULL);
	s->engine = NULL;
	engine_free(e);
}
