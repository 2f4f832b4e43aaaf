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
 *    <linux/types.h> from the kernel's UAPI gives the __le32 type and the
 *    compiler's byte-order macros the conversions (no libc extension
 *    needed, so -std=c99 works too).
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
#ifdef __UBOOT__
#include <linux/bitops.h>
#else
#include <linux/bits.h>
#endif

#else /* user space */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#ifndef __force
#ifdef __CHECKER__
#define __force __attribute__((force))
#else
#define __force
#endif
#endif

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;

#ifndef BIT
#define BIT(nr) (1U << (nr))
#endif

#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define PCINET_SWAB_LE(v) __builtin_bswap32(v)
#else
#define PCINET_SWAB_LE(v) (v)
#endif

static inline u32 le32_to_cpu(__le32 v)
{
	return PCINET_SWAB_LE((__force u32)v);
}

static inline __le32 cpu_to_le32(u32 v)
{
	return (__force __le32)PCINET_SWAB_LE(v);
}

#endif /* user space */

#endif /* _PCINET_TYPES_H */
