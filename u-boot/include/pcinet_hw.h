/* SPDX-License-Identifier: GPL-2.0+ */
/*
 * PCINet board side: the one hardware-access layer under the pcinet
 * (Ethernet) and pcinet_serial (console) drivers.
 *
 * On an MPC83xx board (drivers/misc/pcinet_hw_83xx.c) it reaches the IMMR
 * registers and board memory directly; in U-Boot sandbox
 * (drivers/misc/pcinet_hw_sandbox.c with arch/sandbox/cpu/pcinet-os.c) it
 * reaches the simulated chassis. The drivers above it are the same code in
 * both builds and never know which one they run on.
 *
 * Register offsets are IMMR offsets from <pcinet/mpc83xx.h>; values are in
 * CPU order (this layer knows which IMMR blocks are little-endian). Board
 * memory is addressed by board-local (physical) address, as the DMA
 * controller sees it.
 */
#ifndef __PCINET_HW_H
#define __PCINET_HW_H

#include <linux/types.h>

struct udevice;
struct pcinet_hw;

/**
 * pcinet_hw_get() - the board's PCINet hardware, shared by both drivers
 * @dev: the driver's device (its node may give the IMMR base)
 * @hwp: returns the handle
 *
 * Safe before relocation; the first call sets the hardware up, later calls
 * return the same handle.
 *
 * Return: 0, or -ENODEV when there is no such hardware (in the sandbox: no
 * simulated chassis configured for this process)
 */
int pcinet_hw_get(struct udevice *dev, struct pcinet_hw **hwp);

/* An IMMR register, in CPU byte order */
u32 pcinet_hw_read(struct pcinet_hw *hw, u32 offset);
void pcinet_hw_write(struct pcinet_hw *hw, u32 offset, u32 value);

/**
 * pcinet_hw_map() - CPU pointer for board-local memory
 * @local: board-local address (board RAM, or host memory through an
 *	   enabled outbound window: posted writes only on the fast path)
 * @len: bytes the caller will touch
 *
 * Return: the pointer, or NULL if the range is not memory the board reaches
 */
void *pcinet_hw_map(struct pcinet_hw *hw, ulong local, ulong len);

/**
 * pcinet_hw_region() - board RAM the simulated chassis backs, if any
 * @local: returns its board-local base
 * @size: returns its size
 *
 * Real boards describe the shared region in the device tree; in the
 * sandbox only the chassis' RAM file is board RAM, so the region must lie
 * in it.
 *
 * Return: 0, or -ENOENT on real hardware (use the device tree)
 */
int pcinet_hw_region(struct pcinet_hw *hw, ulong *local, ulong *size);

/**
 * pcinet_hw_status_update() - change bits of the board's status word (OMR1)
 * @set: PCINET_* flags to set
 * @clear: PCINET_* flags to clear
 *
 * Both drivers own bits of the one status word; this is its only writer.
 * Every write interrupts the host (OM1I), as the protocol wants.
 *
 * Return: the new status word
 */
u32 pcinet_hw_status_update(struct pcinet_hw *hw, u32 set, u32 clear);

/**
 * pcinet_hw_slot() - the board's slot in the crate, where the hardware says
 * @slot: returns it, 1..32 in the simulated chassis
 *
 * Return: 0, or -ENOENT on real hardware (the device tree may say)
 */
int pcinet_hw_slot(struct pcinet_hw *hw, u32 *slot);

/* The host's status word (IMR1), as last written by the host */
u32 pcinet_hw_host_status(struct pcinet_hw *hw);

#endif /* __PCINET_HW_H */
