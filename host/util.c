// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pcinetd: time and logging helpers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "util.h"

u32 now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u32)((u64)ts.tv_sec * 1000u + (u64)ts.tv_nsec / 1000000u);
}

static FILE *log_to;

void log_redirect(FILE *f)
{
	log_to = f;
}

void logmsg(const char *fmt, ...)
{
	FILE *out = log_to ? log_to : stderr;
	va_list ap;

	va_start(ap, fmt);
	fputs("pcinetd: ", out);
	vfprintf(out, fmt, ap);
	fputc('\n', out);
	va_end(ap);
}

char *json_escape(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	for (; *s && o + 7 < len; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)ch;
		} else if (ch < 0x20 || ch >= 0x7f) {
			o += (size_t)snprintf(buf + o, len - o, "\\u%04x", ch);
		} else {
			buf[o++] = (char)ch;
		}
	}
	if (len)
		buf[o < len ? o : len - 1] = 0;
	return buf;
}
