/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libpcinetsim internals shared by its source files.
 */
#ifndef _PCINET_SIM_INTERNAL_H
#define _PCINET_SIM_INTERNAL_H

#include <pthread.h>

#include "pcinet_sim.h"
#include <pcinet/mpc83xx.h>

#define SIM_STATE_MAGIC		0x4D495350	/* "PSIM" */
#define SIM_STATE_VERSION	5
#define SIM_PATH_MAX		512

/*
 * RCER[CRE] after an RPR unlock (docs/sim.md "Reset"): it reads clear at the
 * first RCER read after the unlock and at every read before this many
 * microseconds have passed; the first read after that sees it set. The
 * silicon's latency is not public; the model sets CRE only when software
 * looks, so a writer that never reads RCER never gets its RCR write in.
 */
#define SIM_CRE_LATENCY_US	20

/* Model state of one slot, shared by every process through slotNN/state */
struct sim_state {
	uint32_t magic;
	uint32_t version;
	pthread_mutex_t lock;	/* robust, process-shared */
	uint32_t epoch;		/* board resets so far */
	uint32_t lease;		/* host holds a lease on the shared region */
	uint32_t rpr_unlocked;	/* RPR saw "RSTE", RCR may act once */
	uint32_t rcer_cre;	/* RCER[CRE]: the unlock took effect */
	uint32_t rcer_reads;	/* RCER reads since the unlock */
	uint64_t rpr_unlock_ns;	/* CLOCK_MONOTONIC of the unlock */
	uint32_t dma_running;	/* bit n: channel n copying outside lock */
	uint32_t host_activity;	/* +1 at every host write: a futex */
	uint32_t faults;	/* PCINET_SIM_FAULT_*: injected by tests, kept across resets */
	uint64_t share_bus;	/* host memory the board may DMA to (the */
	uint64_t share_size;	/* host says so); 0: not said, no check */
	char last_violation[160];
	uint64_t counters[PCINET_SIM_COUNTERS];
};

struct pcinet_sim_chassis {
	char dir[SIM_PATH_MAX];
	struct pcinet_sim_config cfg;
	char host_mem_path[SIM_PATH_MAX];	/* "": DIR/host-mem */
	uint8_t *host_mem;
	int supervisor_fd;	/* O_RDWR|O_NONBLOCK on the FIFO, or -1 */
};

struct pcinet_sim_slot {
	struct pcinet_sim_chassis *ch;
	unsigned int index;
	enum pcinet_sim_side side;
	uint8_t *immr;		/* M83XX_IMMR_SIZE bytes */
	uint8_t *ram;		/* cfg.ram_size bytes */
	struct sim_state *st;
	int irq_fd[2];		/* [BOARD], [HOST] FIFOs, O_RDWR|O_NONBLOCK */
	uint32_t epoch;		/* board: epoch at open; host: last observed */
};

/* irq.c: the host wrote to this slot (wakes pcinet_sim_idle()) */
void sim_host_activity(struct pcinet_sim_slot *s);

/* chassis.c */
int sim_map_file(const char *path, size_t size, bool create, void **out);

/* lock.c */
void sim_lock(struct sim_state *st);
void sim_unlock(struct sim_state *st);
int sim_lock_init(struct sim_state *st);

/* regs.c: raw image access, caller holds the lock for read-modify-write */
uint32_t sim_reg_get(const struct pcinet_sim_slot *s, uint32_t off);
void sim_reg_set(struct pcinet_sim_slot *s, uint32_t off, uint32_t val);
void sim_reset_registers(struct pcinet_sim_slot *s, uint32_t rsr);

/* irq.c */
void sim_irq_signal(struct pcinet_sim_slot *s, enum pcinet_sim_side line);
bool sim_line_level(const struct pcinet_sim_slot *s,
		    enum pcinet_sim_side line);

/*
 * dma.c: sim_dma_write_reg() handles a board write to a channel register
 * with the lock held and returns the channel to start, or -1;
 * sim_dma_run() then moves the data without the lock.
 */
uint8_t *sim_translate_local(struct pcinet_sim_slot *s, uint32_t local,
			     uint32_t len);
/* The same; *pci: the PCI address reached, or SIM_NOT_PCI for board RAM */
#define SIM_NOT_PCI	UINT64_MAX
uint8_t *sim_translate(struct pcinet_sim_slot *s, uint32_t local,
		       uint32_t len, uint64_t *pci);
int sim_dma_write_reg(struct pcinet_sim_slot *s, uint32_t off, uint32_t val);
void sim_dma_run(struct pcinet_sim_slot *s, unsigned int channel);
uint32_t sim_dma_dgsr(const struct pcinet_sim_slot *s);
bool sim_dma_irq(const struct pcinet_sim_slot *s);

/* checker.c */
void sim_check_dma_share(struct pcinet_sim_slot *s, unsigned int channel,
			 uint64_t pci, uint32_t len, bool write);
void sim_count(struct pcinet_sim_slot *s, enum pcinet_sim_counter c,
	       uint64_t n);
void sim_violation(struct pcinet_sim_slot *s, enum pcinet_sim_counter c,
		   const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* _PCINET_SIM_INTERNAL_H */
