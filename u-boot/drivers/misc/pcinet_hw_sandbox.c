// SPDX-License-Identifier: GPL-2.0+
/*
 * PCINet hardware access in U-Boot sandbox: the simulated chassis, through
 * the host-OS half in arch/sandbox/cpu/pcinet-os.c. One board per sandbox
 * process, so one handle, set up by whichever driver probes first (before
 * relocation: sandbox data is writable then).
 */
#include <common.h>
#include <errno.h>
#include <pcinet_hw.h>
#include <asm/pcinet-os.h>

struct pcinet_hw {
	void *sim;
	ulong ram_base;
	ulong ram_size;
};

static struct pcinet_hw sandbox_hw;

int pcinet_hw_get(struct udevice *dev, struct pcinet_hw **hwp)
{
	int ret;

	if (!sandbox_hw.sim) {
		ret = pcinet_os_open(&sandbox_hw.sim);
		if (ret)
			return ret;
		pcinet_os_ram(sandbox_hw.sim, &sandbox_hw.ram_base,
			      &sandbox_hw.ram_size);
	}
	*hwp = &sandbox_hw;
	return 0;
}

u32 pcinet_hw_read(struct pcinet_hw *hw, u32 offset)
{
	return pcinet_os_read32(hw->sim, offset);
}

void pcinet_hw_write(struct pcinet_hw *hw, u32 offset, u32 value)
{
	pcinet_os_write32(hw->sim, offset, value);
}

void *pcinet_hw_map(struct pcinet_hw *hw, ulong local, ulong len)
{
	return pcinet_os_board_ptr(hw->sim, local, len);
}

int pcinet_hw_slot(struct pcinet_hw *hw, u32 *slot)
{
	*slot = pcinet_os_slot(hw->sim);
	return 0;
}

int pcinet_hw_region(struct pcinet_hw *hw, ulong *local, ulong *size)
{
	*local = hw->ram_base;
	*size = hw->ram_size;
	return 0;
}
