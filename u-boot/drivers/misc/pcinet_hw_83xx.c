// SPDX-License-Identifier: GPL-2.0+
/*
 * PCINet hardware access on an MPC83xx board: IMMR registers at
 * CONFIG_SYS_IMMR, board memory at its physical address.
 *
 * This runs before relocation, from flash on PowerPC, where data cannot be
 * written: the handle is constant. The DMA/message-unit block is
 * little-endian, the rest of IMMR big-endian (<pcinet/mpc83xx.h>).
 */
#include <common.h>
#include <errno.h>
#include <mapmem.h>
#include <pcinet_hw.h>
#include <asm/io.h>
#include <pcinet/mpc83xx.h>

struct pcinet_hw {
	void __iomem *immr;
};

static const struct pcinet_hw mpc83xx_hw = {
	.immr = (void __iomem *)CONFIG_SYS_IMMR,
};

int pcinet_hw_get(struct udevice *dev, struct pcinet_hw **hwp)
{
	/* Never written through: every accessor only reads the handle */
	*hwp = (struct pcinet_hw *)&mpc83xx_hw;
	return 0;
}

u32 pcinet_hw_read(struct pcinet_hw *hw, u32 offset)
{
	void __iomem *reg = hw->immr + offset;

	return m83xx_reg_is_le(offset) ? in_le32(reg) : in_be32(reg);
}

void pcinet_hw_write(struct pcinet_hw *hw, u32 offset, u32 value)
{
	void __iomem *reg = hw->immr + offset;

	if (m83xx_reg_is_le(offset))
		out_le32(reg, value);
	else
		out_be32(reg, value);
}

void *pcinet_hw_map(struct pcinet_hw *hw, ulong local, ulong len)
{
	return map_sysmem(local, len);
}

int pcinet_hw_slot(struct pcinet_hw *hw, u32 *slot)
{
	return -ENOENT;	/* a crate's boards say it in their device tree */
}

int pcinet_hw_region(struct pcinet_hw *hw, ulong *local, ulong *size)
{
	return -ENOENT;	/* real boards describe it in the device tree */
}
