/* SPDX-License-Identifier: GPL-2.0+ */
/*
 * PCINet: the few type and byte-order helpers the protocol headers need,
 * taken from whichever environment includes them.
 *
 * The same headers are compiled in three places:
 *  - the Linux kernel (__KERNEL__ defined, not __UBOOT__);
 *  - U-Boot, which defines both __KERNEL__ and __UBOOT__ and provides the
 *    same <linux/types.h> and <asm/byteorder.h> helpers as Linux;
 *  - user space (the simulated chassis, the user-space host, tests), where
 *    <linux/types.h> from the kernel's UAPI gives the __le32 type and
 *    <endian.h> the conversions.
 *
 * Everything that crosses the PCI bus is little-endian and typed __le32, so
 * sparse (make C=1 on the big-endian PowerPC build) proves every access
 * converts.
 */
#ifndef _PCINET_TYPES_H
#define _PCINET_TYPES_H

#if defined(__KERNEL__) || defined(__UBOOT__)

#include <linux/types.h>
#include <asm/byteorder.h>

#else /* user space */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <endian.h>
#include <linux/types.h>

#ifndef __force
#ifdef __CHECKER__
#define __force __attribute__((force))
#else
#define __force
#endif
#endif

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

static inline u32 le32_to_cpu(__le32 v)
{
	return le32toh((__force u32)v);
}

static inline __le32 cpu_to_le32(u32 v)
{
	return (__force __le32)htole32(v);
}

#endif /* user space */

#endif /* _PCINET_TYPES_H */
