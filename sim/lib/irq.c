// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Interrupt lines as FIFOs. A line is a level (computed from the registers);
 * the FIFO carries "look now" tokens so a process can poll() it. Every write
 * that may raise a line and leaves it asserted puts one byte in its FIFO;
 * the consumer drains the FIFO and then re-reads the status registers, so no
 * edge is lost and a spurious token costs one look.
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "sim_internal.h"

void sim_irq_signal(struct pcinet_sim_slot *s, enum pcinet_sim_side line)
{
	static const char token = 1;

	if (!sim_line_level(s, line))
		return;
	sim_count(s, line == PCINET_SIM_HOST ? PCINET_SIM_HOST_IRQS :
					       PCINET_SIM_BOARD_IRQS, 1);
	/* EAGAIN: the FIFO is full of tokens already, which is as good */
	if (write(s->irq_fd[line], &token, 1) < 0 && errno != EAGAIN)
		return;
}

int pcinet_sim_irq_fd(struct pcinet_sim_slot *s)
{
	if (s->side == PCINET_SIM_OBSERVER)
		return -1;
	return s->irq_fd[s->side];
}

void pcinet_sim_irq_drain(struct pcinet_sim_slot *s)
{
	char buf[256];

	if (s->side == PCINET_SIM_OBSERVER)
		return;
	while (read(s->irq_fd[s->side], buf, sizeof(buf)) == sizeof(buf))
		;
}

bool pcinet_sim_irq_level(struct pcinet_sim_slot *s, enum pcinet_sim_side line)
{
	if (line == PCINET_SIM_OBSERVER)
		line = PCINET_SIM_HOST;
	return sim_line_level(s, line);
}

/*
 * A board CPU that polls spins for free on real hardware; fifteen polling
 * processes on a two-core machine do not. pcinet_sim_idle() lets a polling
 * board model its idle loop: sleep until the host next writes this slot or
 * one of the board's DMA transfers ends (a futex on a counter each of those
 * bumps), or the timeout.
 */
void sim_wake_board(struct pcinet_sim_slot *s)
{
	__atomic_add_fetch(&s->st->host_activity, 1, __ATOMIC_RELEASE);
	syscall(SYS_futex, &s->st->host_activity, FUTEX_WAKE, INT_MAX, NULL,
		NULL, 0);
}

uint32_t pcinet_sim_idle(struct pcinet_sim_slot *s, uint32_t seen,
			 unsigned int timeout_us)
{
	struct timespec ts = {
		.tv_sec = timeout_us / 1000000,
		.tv_nsec = (long)(timeout_us % 1000000) * 1000,
	};
	uint32_t now = __atomic_load_n(&s->st->host_activity, __ATOMIC_ACQUIRE);

	if (now != seen || !timeout_us)
		return now;
	syscall(SYS_futex, &s->st->host_activity, FUTEX_WAIT, seen, &ts, NULL,
		0);
	return __atomic_load_n(&s->st->host_activity, __ATOMIC_ACQUIRE);
}
