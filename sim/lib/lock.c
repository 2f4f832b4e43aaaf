// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The per-slot lock: a robust, process-shared mutex in the state file, so a
 * board process killed while holding it (a reset does exactly that) cannot
 * wedge the host or the next board process.
 */
#include <errno.h>
#include <stdlib.h>

#include "sim_internal.h"

int sim_lock_init(struct sim_state *st)
{
	pthread_mutexattr_t attr;
	int err;

	err = pthread_mutexattr_init(&attr);
	if (!err)
		err = pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	if (!err)
		err = pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
	if (!err)
		err = pthread_mutex_init(&st->lock, &attr);
	pthread_mutexattr_destroy(&attr);
	return -err;
}

void sim_lock(struct sim_state *st)
{
	int err = pthread_mutex_lock(&st->lock);

	/*
	 * The owner died holding it: the state it protects is a set of
	 * registers, each updated with a single store, so it is consistent.
	 */
	if (err == EOWNERDEAD)
		err = pthread_mutex_consistent(&st->lock);
	if (err)
		abort();	/* a corrupted state file: nothing sane to do */
}

void sim_unlock(struct sim_state *st)
{
	pthread_mutex_unlock(&st->lock);
}
