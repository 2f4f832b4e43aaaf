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
#define SIM_STATE_VERSION	7
#define SIM_PATH_MAX		512

/*
 * RCER[CRE] after an RPR unlock (docs/sim.md "Reset"): it reads clear at the
 * first RCER read after the unlock and at every read before this many
 * microseconds have passed; the first read after that sees it set. The
 * silicon's latency is not public; the model sets CRE only when software
 * looks, so a writer that never reads RCER never gets its RCR write in.
 */
#define SIM_CRE_LATENCY_US	20

/*
 * DMA timing (docs/sim.md "DMA"): SR[CB] reads clear for SIM_DMA_START_NS
 * after MR[CS] is set (the channel fetching its first descriptor), then set
 * for SIM_DMA_NS_PER_BYTE per byte the transfer moves; only then do the
 * data land and EOCDI set. 8 ns a byte is 125 MB/s, a 32-bit 33 MHz PCI
 * bus's burst rate; the start latency is the model's choice [NONE].
 */
#define SIM_DMA_START_NS	2000u
#define SIM_DMA_NS_PER_BYTE	8u

/*
 * Posted host writes (docs/sim.md "Posted writes"): BAR1 writes land in
 * board RAM at the host's next read of the slot, or this long after the
 * first of them, whichever comes first; at most SIM_POSTED_BYTES are held.
 */
#define SIM_POSTED_MAX_NS	100000u
#define SIM_POSTED_BYTES	8192u
#define SIM_POSTED_WRITES	64u

/* A DMA channel's transfer, as the engine steps it (dma.c) */
enum sim_dma_stage {
	SIM_DMA_IDLE = 0,
	SIM_DMA_STARTING,	/* MR[CS] set, CB not yet */
	SIM_DMA_BUSY,		/* CB set until dma_due_ns */
};

/* The engine's timed events of one slot handle (engine.c) */
enum sim_event {
	SIM_EVENT_POSTED = 0,	/* host: flush the posted BAR1 writes */
	SIM_EVENT_DMA0,		/* board: next step of channel 0.. 3 */
	SIM_EVENTS = SIM_EVENT_DMA0 + M83XX_DMA_CHANNELS
};

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
	uint32_t dma_stage[M83XX_DMA_CHANNELS];	/* enum sim_dma_stage */
	uint32_t dma_seq[M83XX_DMA_CHANNELS];	/* +1 at every start, halt */
	uint64_t dma_due_ns[M83XX_DMA_CHANNELS];	/* next step, MONOTONIC */
	uint32_t host_activity;	/* +1 at every host write: a futex */
	uint32_t faults;	/* PCINET_SIM_FAULT_*: injected by tests, kept across resets */
	uint8_t cfg[64];	/* PCI configuration header (config.c) */
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
	struct sim_engine *engine;	/* timed events, or NULL (engine.c) */
	struct sim_posted *posted;	/* host: posted BAR1 writes (posted.c) */
};

/* irq.c: something the board waits for happened (wakes pcinet_sim_idle()) */
void sim_wake_board(struct pcinet_sim_slot *s);

/* config.c; the callers of reset and decodes hold the lock */
void sim_cfg_reset(struct pcinet_sim_slot *s);
void sim_cfg_power_on(struct pcinet_sim_slot *s);
bool sim_cfg_decodes(const struct pcinet_sim_slot *s, unsigned int bar);
bool sim_cfg_masters(const struct pcinet_sim_slot *s);
/* regs.c: count a host access to a BAR the board does not decode */
void sim_cfg_lost_access(struct pcinet_sim_slot *s, const char *what,
			 uint32_t off);

/* engine.c */
uint64_t sim_now_ns(void);
int sim_engine_at(struct pcinet_sim_slot *s, enum sim_event ev, uint64_t due);
void sim_engine_stop(struct pcinet_sim_slot *s);

/*
 * posted.c: host BAR1 writes held as the host's write buffers and the PCI
 * bridges hold them. sim_posted_add() takes a write the checker allowed
 * (p: where it lands in board RAM); sim_posted_flush() lands them all -
 * late: true when the time bound, not a read, pushed them out.
 */
int sim_posted_add(struct pcinet_sim_slot *s, uint8_t *p, const void *buf,
		   uint32_t len);
void sim_posted_flush(struct pcinet_sim_slot *s, bool late);
uint32_t sim_posted_bytes(struct pcinet_sim_slot *s);
void sim_posted_free(struct pcinet_sim_slot *s);

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
 * with the lock held and returns the channel started, or -1, with *due
 * when its next step is; the caller hands that to the engine, which calls
 * sim_dma_event() (without the lock) at that time.
 */
uint8_t *sim_translate_local(struct pcinet_sim_slot *s, uint32_t local,
			     uint32_t len);
/* The same; *pci: the PCI address reached, or SIM_NOT_PCI for board RAM */
#define SIM_NOT_PCI	UINT64_MAX
uint8_t *sim_translate(struct pcinet_sim_slot *s, uint32_t local,
		       uint32_t len, uint64_t *pci);
int sim_dma_write_reg(struct pcinet_sim_slot *s, uint32_t off, uint32_t val,
		      uint64_t *due);
void sim_dma_event(struct pcinet_sim_slot *s, unsigned int channel);
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
