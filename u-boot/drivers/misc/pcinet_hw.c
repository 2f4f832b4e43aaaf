// SPDX-License-Identifier: GPL-2.0+
/*
 * PCINet hardware access: what both backends share. The board's status
 * word (OMR1) carries bits of both drivers, so it has one writer, here.
 */
#include <common.h>
#include <pcinet_hw.h>
#include <pcinet/mpc83xx.h>
#include <pcinet/pcinet_proto.h>

u32 pcinet_hw_status_update(struct pcinet_hw *hw, u32 set, u32 clear)
{
	u32 flags = pcinet_hw_read(hw, M83XX_MU_OMR1) & PCINET_STATUS_FLAGS_MASK;
	u32 status = pcinet_status_make(PCINET_STATUS_SIG_BOARD,
					(flags & ~clear) | set);

	/* Writing OMR1 interrupts the host (OM1I): that is the point */
	pcinet_hw_write(hw, M83XX_MU_OMR1, status);
	return status;
}

u32 pcinet_hw_host_status(struct pcinet_hw *hw)
{
	return pcinet_hw_read(hw, M83XX_MU_IMR1);
}
