/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcinetd: what the whole daemon holds - the chassis and the slots it serves.
 */
#ifndef _PCINETD_DAEMON_H
#define _PCINETD_DAEMON_H

#include <stdbool.h>

#include "slot.h"

struct daemon {
	const char *dir;			/* chassis directory */
	struct pcinet_sim_chassis *ch;
	unsigned int nslots;			/* slots in the chassis */
	struct slot *slot[PCINETD_MAX_SLOTS + 1];	/* by number; NULL: not served */
	bool stop;
};

#endif /* _PCINETD_DAEMON_H */
