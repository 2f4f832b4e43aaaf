/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcinetd: the control socket DIR/pcinetd.sock. A unix stream socket; each
 * request is one line, each reply one JSON object on one line:
 *   status          {"ok":true,"slots":[ROW,...]}
 *   status SLOT     {"ok":true,"slot":ROW}
 *   reset SLOT      {"ok":true,"reset":SLOT,"slot":ROW}
 *   help            {"ok":true,"commands":[...]}
 *   anything else   {"ok":false,"error":"..."}
 */
#ifndef _PCINETD_CONTROL_H
#define _PCINETD_CONTROL_H

#include <stdint.h>

#include "daemon.h"
#include "loop.h"

/* Bind and listen (the caller holds the daemon lock); 0 or -errno */
int control_open(struct daemon *d);
/* Close every connection, remove the socket */
void control_close(void);
void control_event(struct evsrc *src, uint32_t events);

#endif /* _PCINETD_CONTROL_H */
