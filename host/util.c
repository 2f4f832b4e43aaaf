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
	struct timespec ts;
	struct tm tm;
	va_list ap;

	/* wall-clock UTC, to line up with farm's console logs */
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	fprintf(out, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ pcinetd: ",
		tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
	va_start(ap, fmt);
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
