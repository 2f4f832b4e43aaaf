/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcinetd: small helpers every part of the daemon uses (time, logging).
 */
#ifndef _PCINETD_UTIL_H
#define _PCINETD_UTIL_H

#include <stdint.h>

#include <pcinet/pcinet_types.h>

/* CLOCK_MONOTONIC in milliseconds, wrapping at 32 bits like the helpers */
u32 now_ms(void);

#include <stddef.h>
#include <stdio.h>

/* One line on stderr (or where log_redirect() said), prefixed "pcinetd: " */
void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Send logmsg() elsewhere; NULL: stderr again */
void log_redirect(FILE *f);

/* s as a JSON string body (no quotes) into buf; returns buf */
char *json_escape(const char *s, char *buf, size_t len);
#endif /* _PCINETD_UTIL_H */
