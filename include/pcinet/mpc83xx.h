/* SPDX-License-Identifier: GPL-2.0+ */
/*
 * MPC834x/MPC837x agent-mode hardware that PCINet touches: the message unit,
 * the DMA controller ("Elo"), reset control and the PCI windows.
 *
 * All offsets are absolute offsets into the 1 MiB IMMR block, which the
 * board sees at its IMMRBAR (0xFF400000 out of reset, usually moved to
 * 0xE0000000) and the host sees through PCI BAR0.
 *
 * Byte order: the DMA/message-unit block (0x8000-0x82FF) is little-endian
 * (Linux drivers/dma/fsldma.c probes the 83xx "fsl,elo-dma" with
 * FSL_DMA_LITTLE_ENDIAN); everything else here is big-endian, like the rest
 * of the PowerPC core's registers (U-Boot accesses them with in_be32/out_be32).
 * Accessors must use m83xx_reg_is_le() or the block they know.
 *
 * Sources, for every fact below:
 *  [UB-IMMAP] U-Boot arch/powerpc/include/asm/immap_83xx.h (dma83xx_t,
 *             reset83xx_t, pot83xx_t, pcictrl83xx_t and their bit macros)
 *  [UB-DMA]   U-Boot arch/powerpc/include/asm/fsl_dma.h, CONFIG_MPC83xx part
 *  [UB-BITS]  U-Boot include/mpc83xx.h (RSR_*, RCR_*, RCER_CRE)
 *  [UB-RESET] U-Boot arch/powerpc/cpu/mpc83xx/cpu.c do_reset() and
 *             drivers/sysreset/sysreset_mpc83xx.c __do_reset()
 *  [LX-DMA]   Linux drivers/dma/fsldma.h and fsldma.c (FSL_DMA_IP_83XX paths)
 *  [MU]       the MPC8240/MPC8260 message-unit family, which the MPC8349E
 *             reference manual keeps; the public MPC8343E agent-mode code
 *             uses the same interrupt status bits
 *  [IPIC]     Linux arch/powerpc/sysdev/ipic.[ch] (ipic_info[69] and [71]:
 *             SIMSR_L bits 5 and 7; the register block at IMMR 0x700) and
 *             U-Boot immap_83xx.h ipic83xx_t (sipnr_l, simsr_l)
 *  [LX-DTS]   Linux arch/powerpc/boot/dts/mpc8349emitx.dts: the DMA
 *             controller and its channels on IPIC vector 71
 *  [UB-LAW]   U-Boot immap_83xx.h sysconf83xx_t pcilaw[2] (IMMR 0x60) and
 *             asm/mmu.h LAWAR_EN, LAWAR_SIZE_* (size code log2(bytes) - 1)
 *  [UB-PIWAR] U-Boot include/mpc83xx.h PIWAR_RTT_SNOOP, PIWAR_WTT_SNOOP
 *  [LX-SNEN]  Linux fsldma.c: 83xx chains start with CDAR | FSL_DMA_SNEN and
 *             set_desc_next()/set_ld_eol() put SNEN in every link
 *  [NONE]     no public source: the model's strict reading, listed in
 *             docs/sim.md "What no public source confirms"
 *  [PCIID]    Linux include/linux/pci_ids.h, PCI_VENDOR_ID_FREESCALE 0x1957
 */
#ifndef _PCINET_MPC83XX_H
#define _PCINET_MPC83XX_H

#include "pcinet_types.h"

#define M83XX_IMMR_SIZE			0x00100000	/* 1 MiB [UB-IMMAP] */
#define M83XX_IMMR_RESET_BASE		0xFF400000	/* out of reset */
#define M83XX_IMMR_USUAL_BASE		0xE0000000	/* after relocation */

/* PCI identity of an MPC83xx in agent mode [PCIID] */
#define M83XX_PCI_VENDOR_FREESCALE	0x1957
#define M83XX_PCI_DEV_MPC8349E		0x0080
#define M83XX_PCI_DEV_MPC8349		0x0081
#define M83XX_PCI_DEV_MPC8347E_TBGA	0x0082
#define M83XX_PCI_DEV_MPC8347_TBGA	0x0083
#define M83XX_PCI_DEV_MPC8347E_PBGA	0x0084
#define M83XX_PCI_DEV_MPC8347_PBGA	0x0085
#define M83XX_PCI_DEV_MPC8343E		0x0086
#define M83XX_PCI_DEV_MPC8343		0x0087
#define M83XX_PCI_DEV_MPC8379E		0x00C2
#define M83XX_PCI_DEV_MPC8379		0x00C3
#define M83XX_PCI_DEV_MPC8378E		0x00C4
#define M83XX_PCI_DEV_MPC8378		0x00C5
#define M83XX_PCI_DEV_MPC8377E		0x00C6
#define M83XX_PCI_DEV_MPC8377		0x00C7

/*
 * Message unit [UB-IMMAP dma83xx_t at IMMR 0x8000].
 *
 * "Inbound" is toward the board CPU, "outbound" toward the PCI host.
 * The host writes IMR0/IMR1 and sets IDR bits: that interrupts the board.
 * The board writes OMR0/OMR1 and sets ODR bits: that asserts INTA to the
 * host. Interrupt status bits are write-1-to-clear; a set mask bit masks.
 */
#define M83XX_MU_OMISR		0x8030	/* outbound msg int status, host W1C */
#define M83XX_MU_OMIMR		0x8034	/* outbound msg int mask, host side */
#define M83XX_MU_IMR0		0x8050	/* inbound message 0, host writes */
#define M83XX_MU_IMR1		0x8054	/* inbound message 1, host writes */
#define M83XX_MU_OMR0		0x8058	/* outbound message 0, board writes */
#define M83XX_MU_OMR1		0x805C	/* outbound message 1, board writes */
#define M83XX_MU_ODR		0x8060	/* outbound doorbell: board sets, host W1C */
#define M83XX_MU_IDR		0x8068	/* inbound doorbell: host sets, board W1C */
#define M83XX_MU_IMISR		0x8080	/* inbound msg int status, board W1C */
#define M83XX_MU_IMIMR		0x8084	/* inbound msg int mask, board side */

/* OMISR/OMIMR bits (little-endian register values) [MU] */
#define M83XX_OMI_OM0I		0x00000001	/* OMR0 written */
#define M83XX_OMI_OM1I		0x00000002	/* OMR1 written */
#define M83XX_OMI_ODI		0x00000008	/* ODR has a bit set */
/* IMISR/IMIMR bits [MU] */
#define M83XX_IMI_IM0I		0x00000001	/* IMR0 written */
#define M83XX_IMI_IM1I		0x00000002	/* IMR1 written */
#define M83XX_IMI_IDI		0x00000008	/* IDR has a bit set */

/* Doorbell bits 30..0 are free for software; IDR bit 31 is the machine-check
 * doorbell and must never be set by PCINet [MU].
 */
#define M83XX_IDR_MACHINE_CHECK	0x80000000

/*
 * DMA controller, 4 channels [UB-IMMAP, UB-DMA, LX-DMA].
 * Channel n registers at 0x8100 + n * 0x80.
 */
#define M83XX_DMA_CHANNELS	4
#define M83XX_DMA_BASE		0x8100
#define M83XX_DMA_STRIDE	0x80
#define M83XX_DMA_CH(n)		(M83XX_DMA_BASE + (n) * M83XX_DMA_STRIDE)
#define M83XX_DMA_MR(n)		(M83XX_DMA_CH(n) + 0x00)	/* mode */
#define M83XX_DMA_SR(n)		(M83XX_DMA_CH(n) + 0x04)	/* status */
#define M83XX_DMA_CDAR(n)	(M83XX_DMA_CH(n) + 0x08)	/* current desc */
#define M83XX_DMA_SAR(n)	(M83XX_DMA_CH(n) + 0x10)	/* source */
#define M83XX_DMA_DAR(n)	(M83XX_DMA_CH(n) + 0x18)	/* destination */
#define M83XX_DMA_BCR(n)	(M83XX_DMA_CH(n) + 0x20)	/* byte count */
#define M83XX_DMA_NDAR(n)	(M83XX_DMA_CH(n) + 0x24)	/* next desc */
#define M83XX_DMA_DGSR		0x82A8				/* general status */

/* CDAR's low bits: SNEN makes the descriptor fetches snoop [LX-SNEN] */
#define M83XX_DMA_CDAR_SNEN	0x00000010
#define M83XX_DMA_CDAR_ADDR_MASK 0xFFFFFFE0

/* DMA mode register bits [UB-DMA] */
#define M83XX_DMA_MR_CS		0x00000001	/* channel start */
#define M83XX_DMA_MR_CC		0x00000002	/* channel continue */
#define M83XX_DMA_MR_CTM	0x00000004	/* direct (not chained) mode */
#define M83XX_DMA_MR_EOTIE	0x00000080	/* end-of-transfer int enable */
#define M83XX_DMA_MR_PRC_RM	0x00000800	/* PCI read multiple [LX-DMA] */

/* DMA status register bits, W1C where marked [UB-DMA] */
#define M83XX_DMA_SR_EOCDI	0x00000001	/* end of chain/direct, W1C */
#define M83XX_DMA_SR_EOSI	0x00000002	/* end of segment, W1C */
#define M83XX_DMA_SR_CB		0x00000004	/* channel busy, read-only */
#define M83XX_DMA_SR_TE		0x00000080	/* transfer error, W1C */

/* DGSR: one byte per channel, channel 0 in the most significant byte;
 * each byte mirrors that channel's SR bits [UB-IMMAP dmagsr].
 */
#define M83XX_DMA_DGSR_SHIFT(n)	(24 - 8 * (n))

/* Byte count limit [LX-DMA FSL_DMA_BCR_MAX_CNT] */
#define M83XX_DMA_BCR_MAX	0x03FFFFFF

/*
 * Chained-mode descriptor: 32 bytes, 32-byte aligned, little-endian like the
 * block [LX-DMA struct fsl_dma_ld_hw, written with FSL_DMA_LITTLE_ENDIAN on
 * 83xx]; each 64-bit field's low word comes first and the 83xx uses only the
 * low word. The next-descriptor word carries EOL (end of list) and SNEN.
 */
#define M83XX_DMA_DESC_SIZE	32
#define M83XX_DMA_DESC_ALIGN	32
#define M83XX_DMA_NEXT_EOL	0x00000001	/* last descriptor */
#define M83XX_DMA_NEXT_EOSIE	0x00000008	/* end-of-segment int enable */
#define M83XX_DMA_NEXT_SNEN	0x00000010	/* snoop enable */
#define M83XX_DMA_NEXT_ADDR_MASK 0xFFFFFFE0

struct m83xx_dma_desc {
	__le32 src;
	__le32 src_hi;		/* reserved on 83xx, write 0 */
	__le32 dst;
	__le32 dst_hi;		/* reserved on 83xx, write 0 */
	__le32 next;		/* next descriptor | EOL | EOSIE | SNEN */
	__le32 next_hi;		/* reserved on 83xx, write 0 */
	__le32 count;		/* bytes, at most M83XX_DMA_BCR_MAX */
	__le32 reserved;
};

/*
 * Reset control [UB-IMMAP reset83xx_t at IMMR 0x900], big-endian.
 * The handshake [UB-RESET]: write "RSTE" to RPR, wait until RCER[CRE] reads
 * set, then write RCR; SWHR resets the whole board. Both public U-Boot
 * paths wait for CRE (cpu.c spins on it; sysreset_mpc83xx.c gives up after
 * 2000 ms and then does not write RCR). No public source gives CRE's
 * latency, nor says what an RCR write before CRE does; the model takes the
 * strict reading - the write is lost (docs/sim.md "Reset").
 */
#define M83XX_RST_RSR		0x0910	/* reset status [UB-IMMAP rsr] */
#define M83XX_RST_RPR		0x0918	/* reset protection [UB-IMMAP rpr] */
#define M83XX_RST_RCR		0x091C	/* reset control [UB-IMMAP rcr] */
#define M83XX_RST_RCER		0x0920	/* reset control enable [UB-IMMAP rcer] */
#define M83XX_RPR_UNLOCK	0x52535445	/* "RSTE" [UB-RESET RPR_MAGIC] */
#define M83XX_RCR_SWSR		0x00000001	/* software soft reset [UB-BITS] */
#define M83XX_RCR_SWHR		0x00000002	/* software hard reset [UB-BITS] */
#define M83XX_RCER_CRE		0x00000001	/* RCR enabled [UB-BITS] */
#define M83XX_RSR_HRS		0x00000001	/* hard reset status [UB-BITS] */
#define M83XX_RSR_SRS		0x00000002	/* soft reset status [UB-BITS] */
#define M83XX_RSR_SWHR		0x00001000	/* software hard reset [UB-BITS] */
#define M83XX_RSR_SWSR		0x00002000	/* software soft reset [UB-BITS] */

/*
 * How long PCINet's hosts poll RCER[CRE] after the unlock before they give
 * up and leave RCR alone (the reset did not happen). Not a hardware figure:
 * PCINet's choice, short enough for pcinetd's event loop; U-Boot's sysreset
 * allows 2000 ms on the board's own CPU.
 */
#define M83XX_RCER_CRE_WAIT_US	10000

/*
 * IPIC [IPIC, LX-DTS]: the message unit and the DMA controller are two
 * internal sources, vectors 69 and 71, each gated by its SIMSR_L bit (a set
 * bit unmasks); SIPNR_L shows which are pending. Bit n of the "_L"
 * registers is vector 64 + n, counted from the most significant bit.
 */
#define M83XX_IPIC_SIPNR_L	0x070C
#define M83XX_IPIC_SIMSR_L	0x0724
#define M83XX_IPIC_VEC_MU	69
#define M83XX_IPIC_VEC_DMA	71
#define M83XX_IPIC_L_BIT(vec)	(0x80000000u >> ((vec) - 64))
#define M83XX_SIMSR_L_MU	0x04000000	/* M83XX_IPIC_L_BIT(69) */
#define M83XX_SIMSR_L_DMA	0x01000000	/* M83XX_IPIC_L_BIT(71) */

/*
 * PCI local access windows [UB-LAW], big-endian: the board's own address
 * decoder sends a local address to the PCI controller only inside an enabled
 * PCILAW; an outbound ATMU window (POBAR) outside every PCILAW is never
 * reached, by the CPU or by the DMA controller. Size code as PIWAR's.
 */
#define M83XX_PCI_LAWS		2
#define M83XX_PCILAWBAR(n)	(0x0060 + (n) * 8)
#define M83XX_PCILAWAR(n)	(0x0064 + (n) * 8)
#define M83XX_LAWBAR_MASK	0xFFFFF000
#define M83XX_LAWAR_EN		0x80000000
#define M83XX_LAWAR_SIZE_MASK	0x0000003F

/*
 * PCI outbound windows [UB-IMMAP pot83xx_t at IMMR 0x8400], big-endian.
 * Local [POBAR << 12, + size) is forwarded to PCI [POTAR << 12, + size);
 * size comes from the POCMR mask, in 4 KiB units.
 */
#define M83XX_PCI_OUTBOUND_WINDOWS 6
#define M83XX_POTAR(n)		(0x8400 + (n) * 0x18)
#define M83XX_POBAR(n)		(0x8408 + (n) * 0x18)
#define M83XX_POCMR(n)		(0x8410 + (n) * 0x18)
#define M83XX_POTAR_TA_MASK	0x000FFFFF
#define M83XX_POBAR_BA_MASK	0x000FFFFF
#define M83XX_POCMR_EN		0x80000000
#define M83XX_POCMR_IO		0x40000000
#define M83XX_POCMR_CM_MASK	0x000FFFFF

/* Mask for a power-of-two window of size bytes (>= 4 KiB) */
#define M83XX_POCMR_CM(size)	((~((u32)(size) - 1) >> 12) & M83XX_POCMR_CM_MASK)

/*
 * PCI inbound window 0 [UB-IMMAP pcictrl83xx_t at IMMR 0x8500], big-endian.
 * PCI [PIBAR0, + size) is forwarded to local [PITAR0 << 12, + size); the size
 * code is log2(bytes) - 1 (64 MiB = 0x19, 4 KiB = 0x0B).
 */
#define M83XX_PITAR0		0x8568
#define M83XX_PIBAR0		0x8570
#define M83XX_PIWAR0		0x8578
#define M83XX_PITAR_TA_MASK	0x000FFFFF
#define M83XX_PIWAR_EN		0x80000000
#define M83XX_PIWAR_PF		0x20000000
/*
 * Transaction types of inbound reads and writes [UB-PIWAR]: 0x5 snoops the
 * board CPU's data cache, 0x4 does not. A board whose software reads the
 * shared region through its cache needs both snooping.
 */
#define M83XX_PIWAR_RTT_MASK	0x000F0000
#define M83XX_PIWAR_RTT_SNOOP	0x00050000
#define M83XX_PIWAR_WTT_MASK	0x0000F000
#define M83XX_PIWAR_WTT_SNOOP	0x00005000
#define M83XX_PIWAR_SNOOP	(M83XX_PIWAR_RTT_SNOOP | M83XX_PIWAR_WTT_SNOOP)
#define M83XX_PIWAR_TT_MASK	(M83XX_PIWAR_RTT_MASK | M83XX_PIWAR_WTT_MASK)
#define M83XX_PIWAR_IWS_MASK	0x0000003F
#define M83XX_PIWAR_IWS_MIN	0x0B		/* 4 KiB */

/* The DMA and message unit block is the little-endian part of IMMR. */
static inline bool m83xx_reg_is_le(u32 offset)
{
	return offset >= 0x8000 && offset < 0x8300;
}

/* Window size in bytes from a PIWAR size code, 0 if the code is invalid */
static inline u32 m83xx_piwar_size(u32 piwar)
{
	u32 code = piwar & M83XX_PIWAR_IWS_MASK;

	if (code < M83XX_PIWAR_IWS_MIN || code > 30)
		return 0;
	return (u32)1 << (code + 1);
}

/* Window size in bytes from a PCILAWAR, 0 if the code is invalid */
static inline u64 m83xx_lawar_size(u32 lawar)
{
	u32 code = lawar & M83XX_LAWAR_SIZE_MASK;

	if (code < M83XX_PIWAR_IWS_MIN || code > 31)
		return 0;
	return (u64)1 << (code + 1);
}

/*
 * Does the PCI local access window (PCILAWBARn, PCILAWARn) cover local
 * [start, start + len)? Only an enabled one with a valid size does, and one
 * whose base is not aligned to its size decodes in no defined way: it
 * covers nothing [NONE]. The one rule for U-Boot, pcinet_fsl and the model.
 */
static inline bool m83xx_law_covers(u32 lawbar, u32 lawar, u64 start, u64 len)
{
	u64 size = m83xx_lawar_size(lawar);
	u64 base = lawbar & M83XX_LAWBAR_MASK;

	return (lawar & M83XX_LAWAR_EN) && size && !(base & (size - 1)) &&
	       start >= base && start + len <= base + size;
}

/* PIWAR (and PCILAWAR) size code for a power-of-two size (>= 4 KiB, <= 2 GiB) */
static inline u32 m83xx_piwar_code(u32 size)
{
	u32 code = 0;

	while (((u32)2 << code) < size)
		code++;
	return code;
}

/* Outbound window size in bytes from POCMR's mask */
static inline u64 m83xx_pocmr_size(u32 pocmr)
{
	u32 cm = pocmr & M83XX_POCMR_CM_MASK;

	return ((u64)((~cm) & M83XX_POCMR_CM_MASK) + 1) << 12;
}

#endif /* _PCINET_MPC83XX_H */
