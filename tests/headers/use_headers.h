/* SPDX-License-Identifier: GPL-2.0+ */
/*
 * One function that touches every protocol helper, compiled in each
 * environment the headers promise to support (user space, the Linux kernel;
 * U-Boot with the U-Boot drivers). It is the same text everywhere.
 */
#include <pcinet/mpc83xx.h>
#include <pcinet/pcinet_console.h>
#include <pcinet/pcinet_proto.h>
#include <pcinet/pcinet_ring.h>
#include <pcinet/pcinet_types.h>

static inline u32 pcinet_use_headers(struct pcinet_ctrl *c, struct pcinet_desc *d,
				     struct pcinet_cmpl *cm)
{
	struct pcinet_window w = { .pci_base = 0, .size = 0x40000000 };
	struct pcinet_cons_tx tx;
	struct pcinet_cons_rx rx;
	u8 bytes[PCINET_CONS_MAX_BYTES] = { 'o', 'k' };
	u8 mac[6] = { 2, 0, 0, 0, 0, 1 };
	u32 msg, sum = 0;

	pcinet_layout_default(c, 0x100000, 64, 64, 1536, 1, &w);
	pcinet_ctrl_dma_window(c, &w);
	pcinet_mac_pack(mac, &c->mac_lo, &c->mac_hi);
	pcinet_mac_unpack(c->mac_lo, c->mac_hi, mac);
	sum += pcinet_ctrl_check(c, 0x100000);
	pcinet_desc_set(d, 0x1000, 64);
	sum += pcinet_desc_check(d, true, 1536, &w);
	sum += pcinet_cmpl_ok(cm, 1536);
	sum += pcinet_host_area_ok(0x1000, 4096, 64, &w);
	sum += pcinet_ring_slot(le32_to_cpu(c->h2b_prod), 64);
	sum += pcinet_ring_space(1, 0, 64) + pcinet_ring_advance_ok(0, 1, 2);
	sum += pcinet_board_valid(pcinet_status_make(PCINET_STATUS_SIG_BOARD, 0));
	pcinet_cons_tx_init(&tx);
	pcinet_cons_rx_init(&rx);
	msg = pcinet_cons_tx_take(&tx, bytes, 2, 0);
	sum += pcinet_cons_rx_accept(&rx, msg, bytes);
	sum += m83xx_piwar_size(m83xx_piwar_code(0x100000)) +
	       (u32)m83xx_pocmr_size(M83XX_POCMR_CM(0x40000000u)) +
	       m83xx_reg_is_le(M83XX_MU_OMR1);
	return sum + (u32)pcinet_desc_addr(d);
}
