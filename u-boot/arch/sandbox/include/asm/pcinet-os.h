/* SPDX-License-Identifier: GPL-2.0+ */
/*
 * The host-OS half of the sandbox PCINet backend: calls into the simulated
 * chassis library (libpcinetsim), kept out of U-Boot proper the way
 * eth-raw-os.c keeps raw sockets out of the sandbox Ethernet driver.
 */
#ifndef __ASM_PCINET_OS_H
#define __ASM_PCINET_OS_H

/**
 * pcinet_os_open() - attach this process to its slot as the board CPU
 * @handle: returns an opaque handle
 *
 * The chassis directory and slot come from the environment
 * (PCINET_SIM_DIR, PCINET_SIM_SLOT), set by the chassis supervisor.
 *
 * Return: 0, -ENODEV when this process is no simulated board, or another
 * negative errno when the chassis cannot be opened
 */
int pcinet_os_open(void **handle);

unsigned int pcinet_os_read32(void *handle, unsigned int offset);
void pcinet_os_write32(void *handle, unsigned int offset, unsigned int value);

/* Pointer for a board-local address range, NULL if the board cannot reach it */
void *pcinet_os_board_ptr(void *handle, unsigned long local, unsigned long len);

/* The slot this process is (PCINET_SIM_SLOT), 1..32 */
unsigned int pcinet_os_slot(void *handle);

/* Board RAM the chassis backs: board-local base and size */
void pcinet_os_ram(void *handle, unsigned long *base, unsigned long *size);

/*
 * The host's side of the same slot, for unit tests (test/dm/pcinet*.c) that
 * play the PCI host in the sandbox process: BAR0 registers, BAR1, and the
 * host's DMA memory (bus address = host_mem_bus + offset).
 */
int pcinet_os_host_open(void **handle);
void pcinet_os_host_close(void *handle);
unsigned int pcinet_os_host_read32(void *handle, unsigned int offset);
void pcinet_os_host_write32(void *handle, unsigned int offset, unsigned int value);
int pcinet_os_host_bar_read(void *handle, unsigned int offset, void *buf, unsigned int len);
int pcinet_os_host_bar_write(void *handle, unsigned int offset, const void *buf,
			     unsigned int len);
void *pcinet_os_host_mem(void *handle, unsigned long long *bus, unsigned long long *size);
/* Checker: protocol violations counted on this slot so far */
unsigned long long pcinet_os_violations(void *handle);

#endif /* __ASM_PCINET_OS_H */
