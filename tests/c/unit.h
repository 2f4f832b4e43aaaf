/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A very small unit-test harness: TEST() registers a test, CHECK() records a
 * failure with its location and goes on, the runner prints one line per
 * failed check and closes with "N passed, N failed".
 */
#ifndef _PCINET_UNIT_H
#define _PCINET_UNIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct unit_test {
	const char *name;
	void (*fn)(void);
};

#define UNIT_MAX_TESTS 128
static struct unit_test unit_tests[UNIT_MAX_TESTS];
static unsigned int unit_count;
static unsigned int unit_failed_checks;

#define TEST(name)							\
	static void name(void);						\
	__attribute__((constructor)) static void register_##name(void)	\
	{								\
		if (unit_count < UNIT_MAX_TESTS)			\
			unit_tests[unit_count++] =			\
				(struct unit_test){ #name, name };	\
	}								\
	static void name(void)

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			unit_failed_checks++;				\
			printf("  FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		}							\
	} while (0)

#define CHECK_EQ(a, b)							\
	do {								\
		unsigned long long _a = (unsigned long long)(a);	\
		unsigned long long _b = (unsigned long long)(b);	\
		if (_a != _b) {						\
			unit_failed_checks++;				\
			printf("  FAIL %s:%d: %s == %s (0x%llx != 0x%llx)\n", \
			       __FILE__, __LINE__, #a, #b, _a, _b);	\
		}							\
	} while (0)

/* Optional per-test setup/teardown, set by the test file */
static void (*unit_setup)(void);
static void (*unit_teardown)(void);

static inline int unit_run(const char *suite)
{
	unsigned int i, passed = 0, failed = 0, before;

	for (i = 0; i < unit_count; i++) {
		before = unit_failed_checks;
		if (unit_setup)
			unit_setup();
		unit_tests[i].fn();
		if (unit_teardown)
			unit_teardown();
		if (unit_failed_checks == before) {
			passed++;
		} else {
			failed++;
			printf("FAILED %s.%s\n", suite, unit_tests[i].name);
		}
	}
	printf("%s: %u passed, %u failed\n", suite, passed, failed);
	return failed ? 1 : 0;
}

#endif /* _PCINET_UNIT_H */
