/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libpcinetsim: the simulated MPC83xx agent hardware of a PCINet chassis.
 *
 * A chassis lives in a runtime directory DIR (docs/sim.md); enum
 * pcinet_sim_file below names its files and pcinet_sim_path() spells them.
 * Slots are numbered 1..slots, as lab engineers number them.
 *
 * Every process that plays a part (a board, the host, a test, the supervisor)
 * opens the chassis and a slot handle for its side; the register side effects
 * (W1C, masks, doorbells, interrupts, DMA, reset) happen inside this library,
 * in the process that performs the access, under a per-slot lock in the
 * shared state file. Register values are 32-bit, in CPU order at this API;
 * the image stores them in their hardware byte order.
 */
#ifndef _PCINET_SIM_H
#define _PCINET_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PCINET_SIM_MAX_SLOTS	32

struct pcinet_sim_config {
	uint32_t slots;		/* 1..PCINET_SIM_MAX_SLOTS */
	uint32_t ram_base;	/* board-local address of the board RAM file */
	uint32_t ram_size;	/* bytes, power of two, >= 64 KiB */
	uint64_t host_mem_bus;	/* PCI bus address of host memory byte 0 */
	uint64_t host_mem_size;	/* bytes, multiple of 4 KiB */
};

/* The defaults pcinet-sim uses */
#define PCINET_SIM_DEFAULT_SLOTS	19
#define PCINET_SIM_DEFAULT_RAM_BASE	0x0F000000u
#define PCINET_SIM_DEFAULT_RAM_SIZE	0x00100000u	/* 1 MiB */
#define PCINET_SIM_DEFAULT_HOST_BUS	0x10000000u
#define PCINET_SIM_DEFAULT_HOST_SIZE	0x04000000u	/* 64 MiB */

/*
 * The chassis' runtime layout, spelled once for C: what pcinet_sim_path()
 * makes of DIR, a slot and one of these. NN is the slot, two digits.
 */
enum pcinet_sim_file {
	/* DIR/<name>: slot 0 */
	PCINET_SIM_FILE_CONF = 0,	  /* chassis.conf: the geometry */
	PCINET_SIM_FILE_HOST_MEM,	  /* host-mem: host DMA memory */
	PCINET_SIM_FILE_SUPERVISOR_FIFO,  /* supervisor.fifo: reset notices */
	PCINET_SIM_FILE_PCINETD_SOCK,	  /* pcinetd.sock: control socket */
	PCINET_SIM_FILE_PCINETD_LOCK,	  /* pcinetd.lock: one pcinetd */
	/* DIR/slotNN/<name>: slot 1..PCINET_SIM_MAX_SLOTS */
	PCINET_SIM_FILE_SLOT_DIR,	  /* DIR/slotNN itself */
	PCINET_SIM_FILE_IMMR,		  /* immr: the 1 MiB register image */
	PCINET_SIM_FILE_RAM,		  /* ram: board RAM at ram_base */
	PCINET_SIM_FILE_STATE,		  /* state: lock, epoch, checker */
	PCINET_SIM_FILE_IRQ_HOST,	  /* irq-host: FIFO, INTA to the host */
	PCINET_SIM_FILE_IRQ_BOARD,	  /* irq-board: FIFO, to the board CPU */
	PCINET_SIM_FILE_CONSOLE,	  /* console: link to pcinetd's pty */
	PCINET_SIM_FILES
};

enum pcinet_sim_side {
	PCINET_SIM_BOARD = 0,	/* the board CPU: local IMMR and RAM access */
	PCINET_SIM_HOST = 1,	/* the PCI host: BAR0 (IMMR) and BAR1 */
	PCINET_SIM_OBSERVER = 2	/* tests and supervisor: read-only look */
};

/* Checker and activity counters, per slot */
enum pcinet_sim_counter {
	/* protocol violations: tests fail on any */
	PCINET_SIM_VIOL_RAM_INVALID = 0,  /* host used BAR1 while invalid */
	PCINET_SIM_VIOL_DMA_RANGE,	  /* DMA outside RAM or windows */
	PCINET_SIM_VIOL_RO_WRITE,	  /* write to a register not ours */
	PCINET_SIM_VIOL_RESERVED_BIT,	  /* IDR bit 31 (machine check) */
	PCINET_SIM_VIOL_BAR_RANGE,	  /* BAR1 access outside the window */
	/* ... charged to the board: it broke the rules, not the host */
	PCINET_SIM_VIOL_BOARD_WINDOW,	  /* inbound window no longer BAR1 */
	PCINET_SIM_VIOL_DMA_FOREIGN,	  /* DMA outside its slot's share */
	/* ... charged to the side that wrote it */
	PCINET_SIM_VIOL_RCR_LOST,	  /* RCR write before RCER[CRE]: lost */
	PCINET_SIM_VIOL_NO_SNOOP,	  /* board: region or chain not snooped */
	PCINET_SIM_VIOL_POSTED_PASSED,	  /* host: doorbell before a read-back */
	PCINET_SIM_VIOL_CFG_LOST,	  /* host: BAR use, config not restored */
	/* information */
	PCINET_SIM_STALE_AFTER_RESET,	  /* BAR1 use before host saw a reset */
	PCINET_SIM_RESETS,
	PCINET_SIM_DMA_TRANSFERS,
	PCINET_SIM_DMA_BYTES,
	PCINET_SIM_DMA_ERRORS,
	PCINET_SIM_HOST_IRQS,
	PCINET_SIM_BOARD_IRQS,
	PCINET_SIM_BAR_READS,
	PCINET_SIM_BAR_WRITES,
	PCINET_SIM_DMA_ABORTS,		  /* MR[CS] cleared before the end */
	PCINET_SIM_POSTED_LATE,		  /* posted writes the time bound landed */
	PCINET_SIM_COUNTERS
};

#define PCINET_SIM_FIRST_INFO	PCINET_SIM_STALE_AFTER_RESET

struct pcinet_sim_chassis;
struct pcinet_sim_slot;

/* Fill cfg with the defaults */
void pcinet_sim_config_default(struct pcinet_sim_config *cfg);

/*
 * The path of file in the chassis directory dir, into out (len bytes):
 * DIR/slotNN/<file> for a slot's file, DIR/<file> for the chassis' own.
 * Returns 0; -EINVAL for an unknown file or a slot that does not fit it
 * (0 for the chassis' files, 1..PCINET_SIM_MAX_SLOTS for a slot's);
 * -ENAMETOOLONG when out is too short. On error out holds "".
 */
int pcinet_sim_path(const char *dir, unsigned int slot,
		    enum pcinet_sim_file file, char *out, size_t len);

/*
 * Create the chassis files in dir (which must exist and hold no chassis).
 * Returns 0 or a negative errno; on failure nothing is left behind.
 */
int pcinet_sim_chassis_create(const char *dir,
			      const struct pcinet_sim_config *cfg);

/*
 * The same, with host memory that is someone else's file instead of
 * DIR/host-mem: host_mem_path (NULL: DIR/host-mem, as above) must exist and
 * hold at least cfg->host_mem_size bytes; byte 0 is bus address
 * cfg->host_mem_bus. chassis.conf records the path; every process that
 * opens the chassis maps it. The file is never created, truncated or
 * removed. A user-mode Linux kernel's memory file (/proc/PID/fd/N) makes
 * the DMA of the boards land in that kernel's RAM (docs/uml.md).
 */
int pcinet_sim_chassis_create_ext(const char *dir,
				  const struct pcinet_sim_config *cfg,
				  const char *host_mem_path);

/* Remove every file pcinet_sim_chassis_create() made; dir itself stays. */
int pcinet_sim_chassis_destroy(const char *dir);

/* Open an existing chassis; NULL with errno set on failure */
struct pcinet_sim_chassis *pcinet_sim_chassis_open(const char *dir);
void pcinet_sim_chassis_close(struct pcinet_sim_chassis *ch);
void pcinet_sim_chassis_get_config(const struct pcinet_sim_chassis *ch,
				   struct pcinet_sim_config *cfg);

/* Host memory: the host's local view; bus address = host_mem_bus + offset */
void *pcinet_sim_host_mem(struct pcinet_sim_chassis *ch);

/* Open slot (1..slots, as numbered in the crate) for one side; NULL with
 * errno set on failure
 */
struct pcinet_sim_slot *pcinet_sim_slot_open(struct pcinet_sim_chassis *ch,
					     unsigned int slot,
					     enum pcinet_sim_side side);
void pcinet_sim_slot_close(struct pcinet_sim_slot *s);

/*
 * Register access with this side's semantics (offsets into IMMR). Some
 * effects come later, as on the silicon: a DMA transfer runs in a thread of
 * the board's process and ends some time after the MR write that starts
 * it (docs/sim.md "DMA"); a host read first lands the host's posted BAR1
 * writes (docs/sim.md "Posted writes").
 */
uint32_t pcinet_sim_read32(struct pcinet_sim_slot *s, uint32_t offset);
void pcinet_sim_write32(struct pcinet_sim_slot *s, uint32_t offset,
			uint32_t value);

/* Board side: board RAM as local memory (NULL on other sides) */
void *pcinet_sim_board_ram(struct pcinet_sim_slot *s);
/*
 * Board side: pointer for a board-local address range - board RAM, or host
 * memory through an enabled outbound window, translated as the DMA
 * controller does; NULL otherwise. Through a window this is the board CPU
 * touching PCI: writes are fine (posted), reads are slow on real hardware
 * and PCINet never does them on the fast path.
 */
void *pcinet_sim_board_ptr(struct pcinet_sim_slot *s, uint32_t local,
			   uint32_t len);

/*
 * Host side: access to BAR1 (inbound window 0). Checked: see docs/sim.md.
 * Returns 0, or -EFAULT for an access the hardware would master-abort
 * (window disabled or out of range: reads give all-ones bytes). A write is
 * posted: it lands in board RAM at this handle's next read of the slot
 * (pcinet_sim_read32() or pcinet_sim_bar_read()), or a bounded time later;
 * a doorbell or message written before that read reaches the board first
 * and is a violation (protocol.md 3.5: payload, barrier, read-back, ring).
 */
int pcinet_sim_bar_read(struct pcinet_sim_slot *s, uint32_t offset, void *buf,
			uint32_t len);
int pcinet_sim_bar_write(struct pcinet_sim_slot *s, uint32_t offset,
			 const void *buf, uint32_t len);
/*
 * Host side: the board's PCI configuration space (docs/sim.md
 * "Configuration space"), PCINET_SIM_CFG_SIZE bytes, little-endian, byte
 * granular. The platform enumerated it when the chassis was made; a board
 * reset sets it back to reset values (command 0, BARs unassigned: the board
 * then decodes neither BAR and may not master the bus). Writes honour the
 * header's writable bits (BAR sizing works). Observers may read. 0, -EPERM
 * on the board side, -EINVAL out of range.
 */
#define PCINET_SIM_CFG_SIZE	256
int pcinet_sim_cfg_read(struct pcinet_sim_slot *s, uint32_t offset, void *buf,
			uint32_t len);
int pcinet_sim_cfg_write(struct pcinet_sim_slot *s, uint32_t offset,
			 const void *buf, uint32_t len);
/*
 * Host side: what a host's "restore configuration space" does (Linux:
 * pci_restore_state()) with what the platform assigned this slot: BARs,
 * cache line, latency, then command memory + master. -EAGAIN while the IDs
 * read all ones (on a crate: the agent's configuration lock is still held;
 * the model has no such lock): ask again later.
 */
int pcinet_sim_cfg_restore(struct pcinet_sim_slot *s);
/* Does the board decode both BARs (command memory set, BARs assigned)? */
bool pcinet_sim_cfg_decodes(struct pcinet_sim_slot *s);

/* Size of BAR1 as the host enumerated it (the chassis' ram_size) */
uint32_t pcinet_sim_bar_size(struct pcinet_sim_slot *s);
/*
 * Host side: the host memory (PCI bus addresses) this slot's board may
 * reach by DMA, as the host's DMA mappings would put it in an IOMMU domain
 * of the board's own. A board DMA to or from other host memory still
 * happens - a bus without an IOMMU does not stop it - and is counted
 * against the board as PCINET_SIM_VIOL_DMA_FOREIGN, naming the slot whose
 * share it hit. size 0 withdraws it (no check). Kept across board resets.
 * Returns 0, -EPERM on another side, -EINVAL for a range outside host
 * memory.
 */
int pcinet_sim_host_dma_share(struct pcinet_sim_slot *s, uint64_t bus,
			      uint64_t size);

/*
 * Interrupt line of this side as a pollable fd (POLLIN when the line was
 * asserted since the last drain). Level semantics: after draining, re-read
 * the status registers; every write that leaves the line asserted signals
 * again. Observers get -1.
 */
int pcinet_sim_irq_fd(struct pcinet_sim_slot *s);
void pcinet_sim_irq_drain(struct pcinet_sim_slot *s);
/*
 * Board side, simulation only: model a polling CPU's idle loop. Returns at
 * once with the current host activity count if it differs from seen, else
 * sleeps until the host writes a register of this slot, the host's posted
 * BAR1 writes land, one of this board's DMA transfers ends, or timeout_us
 * passes; returns the count. A real board polls for free; a
 * chassis of polling processes on two cores must not spin.
 */
uint32_t pcinet_sim_idle(struct pcinet_sim_slot *s, uint32_t seen,
			 unsigned int timeout_us);

/* Current level of this side's line (observer: host line) */
bool pcinet_sim_irq_level(struct pcinet_sim_slot *s, enum pcinet_sim_side line);

/* Checker */
uint64_t pcinet_sim_counter(struct pcinet_sim_slot *s,
			    enum pcinet_sim_counter c);
uint64_t pcinet_sim_violations(struct pcinet_sim_slot *s);
const char *pcinet_sim_counter_name(enum pcinet_sim_counter c);
/* Text of the last violation on this slot ("" if none); copied into buf */
void pcinet_sim_last_violation(struct pcinet_sim_slot *s, char *buf,
			       size_t len);

/* Reset epoch: increments at every board reset */
uint32_t pcinet_sim_epoch(struct pcinet_sim_slot *s);

/*
 * Reset from outside the register interface: what a watchdog, a crashed
 * board or a power cycle does. The supervisor calls it when a board process
 * dies. Registers go to reset values, the epoch increments.
 */
void pcinet_sim_hard_reset(struct pcinet_sim_slot *s, uint32_t rsr_cause);

/* True if this board handle belongs to a board that has since been reset */
bool pcinet_sim_board_stale(struct pcinet_sim_slot *s);

/*
 * Injected faults, for tests of what sits above the hardware. They belong to
 * the slot, not to the board: a board reset keeps them.
 *
 * LINK_DOWN: the board's PCI link is gone. Every outbound transaction of
 * its DMA controller master-aborts (transfer error, counted in
 * PCINET_SIM_DMA_ERRORS, not a violation: the board did nothing wrong);
 * copies inside board RAM still work.
 */
#define PCINET_SIM_FAULT_LINK_DOWN	(1u << 0)
#define PCINET_SIM_FAULTS_KNOWN		PCINET_SIM_FAULT_LINK_DOWN

uint32_t pcinet_sim_faults(struct pcinet_sim_slot *s);
/* 0, or -EINVAL for a bit that is not a known fault */
int pcinet_sim_set_faults(struct pcinet_sim_slot *s, uint32_t faults);

#ifdef __cplusplus
}
#endif

#endif /* _PCINET_SIM_H */
