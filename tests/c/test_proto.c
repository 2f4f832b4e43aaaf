// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the protocol helpers in include/pcinet/: ring arithmetic,
 * the checks every side applies to what the other side wrote, the console
 * message format and state, and the register-field helpers.
 */
#include "unit.h"
#include <pcinet/mpc83xx.h>
#include <pcinet/pcinet_console.h>
#include <pcinet/pcinet_ring.h>

/* ---- ring arithmetic --------------------------------------------------- */

TEST(ring_indices_wrap_without_special_cases)
{
	u32 prod = 0xFFFFFFFE, cons = 0xFFFFFFFC;

	CHECK_EQ(pcinet_ring_used(prod, cons), 2);
	CHECK_EQ(pcinet_ring_space(prod, cons, 64), 62);
	prod += 4;	/* wraps past zero */
	CHECK_EQ(prod, 2);
	CHECK_EQ(pcinet_ring_used(prod, cons), 6);
	CHECK_EQ(pcinet_ring_slot(prod, 64), 2);
	CHECK_EQ(pcinet_ring_slot(0xFFFFFFFF, 64), 63);
}

TEST(peer_indices_are_bounded)
{
	/* may advance up to the limit, never backwards, never past it */
	CHECK(pcinet_ring_advance_ok(10, 10, 20));
	CHECK(pcinet_ring_advance_ok(10, 20, 20));
	CHECK(!pcinet_ring_advance_ok(10, 21, 20));
	CHECK(!pcinet_ring_advance_ok(10, 9, 20));
	CHECK(pcinet_ring_advance_ok(0xFFFFFFF0, 0x5, 0x10));
	CHECK(!pcinet_ring_advance_ok(0xFFFFFFF0, 0x11, 0x10));
	CHECK(pcinet_ring_prod_ok(100, 36, 64));
	CHECK(!pcinet_ring_prod_ok(101, 36, 64));
	CHECK(!pcinet_ring_prod_ok(35, 36, 64));	/* behind the consumer */
}

/* ---- control block ------------------------------------------------------ */

static const struct pcinet_window dma_win = { .pci_base = 0, .size = 0x40000000 };

static struct pcinet_ctrl good(void)
{
	struct pcinet_ctrl c;

	memset(&c, 0, sizeof(c));
	CHECK(pcinet_layout_default(&c, 0x100000, 128, 64, 1536, 1, &dma_win) != 0);
	return c;
}

TEST(control_block_layout_matches_the_documented_offsets)
{
	CHECK_EQ(sizeof(struct pcinet_ctrl), PCINET_CTRL_SIZE);
	CHECK_EQ(offsetof(struct pcinet_ctrl, host_magic), PCINET_CTRL_OFF_HOST);
	CHECK_EQ(offsetof(struct pcinet_ctrl, dma_base_lo), 0x34);
	CHECK_EQ(offsetof(struct pcinet_ctrl, host_features), 0x98);
	CHECK_EQ(offsetof(struct pcinet_ctrl, h2b_prod), PCINET_CTRL_OFF_H2B_PROD);
	CHECK_EQ(offsetof(struct pcinet_ctrl, b2h_prod), PCINET_CTRL_OFF_B2H_PROD);
	CHECK_EQ(sizeof(struct pcinet_desc), PCINET_DESC_SIZE);
	CHECK_EQ(sizeof(struct pcinet_cmpl), PCINET_CMPL_SIZE);
	CHECK_EQ(offsetof(struct pcinet_host_area, b2h_cmpl), PCINET_HOST_AREA_HDR);
	CHECK_EQ(sizeof(struct m83xx_dma_desc), M83XX_DMA_DESC_SIZE);
}

TEST(default_layout_passes_the_hosts_check)
{
	struct pcinet_ctrl c = good();
	u32 end = pcinet_layout_default(&c, 0x100000, 128, 64, 1536, 1, &dma_win);

	CHECK_EQ(pcinet_ctrl_check(&c, 0x100000), PCINET_LAYOUT_OK);
	CHECK_EQ(le32_to_cpu(c.h2b_ring_off), 0x1000);
	CHECK_EQ(le32_to_cpu(c.b2h_ring_off), 0x2000);
	CHECK_EQ(end, 0x3000);
	/* A window too small for the rings is refused by the board */
	CHECK_EQ(pcinet_layout_default(&c, 0x2000, 128, 64, 1536, 1, &dma_win), 0);
}

TEST(control_block_check_names_each_problem)
{
	struct pcinet_ctrl c;

	c = good();
	c.magic = cpu_to_le32(0x12345678);
	CHECK_EQ(pcinet_ctrl_check(&c, 0x100000), PCINET_LAYOUT_BAD_MAGIC);
	c = good();
	c.version = cpu_to_le32(0x00020000);
	CHECK_EQ(pcinet_ctrl_check(&c, 0x100000), PCINET_LAYOUT_BAD_VERSION);
	c = good();
	c.version = cpu_to_le32(0x00010007);	/* minor versions are fine */
	CHECK_EQ(pcinet_ctrl_check(&c, 0x100000), PCINET_LAYOUT_OK);
	c = good();
	c.ctrl_size = cpu_to_le32(128);
	CHECK_EQ(pcinet_ctrl_check(&c, 0x100000), PCINET_LAYOUT_BAD_CTRL_SIZE);
	c = good();
	CHECK_EQ(pcinet_ctrl_check(&c, 0x80000), PCINET_LAYOUT_BAD_WINDOW);
	c.window_size = cpu_to_le32(0x90000);
	CHECK_EQ(pcinet_ctrl_check(&c, 0x100000), PCINET_LAYOUT_BAD_WINDOW);
	c = good();
	c.h2b_ring_len = cpu_to_le32(100);
	CHECK_EQ(pcinet_ctrl_check(&c, 0x100000), PCINET_LAYOUT_BAD_RING);
	c = good();
	c.b2h_ring_off = cpu_to_le32(0x100000 - 16);
	CHECK_EQ(pcinet_ctrl_check(&c, 0x100000), PCINET_LAYOUT_BAD_RING);
	c = good();
	c.b2h_ring_off = cpu_to_le32(0xFFFFFFF0);	/* would wrap */
	CHECK_EQ(pcinet_ctrl_check(&c, 0x100000), PCINET_LAYOUT_BAD_RING);
	c = good();
	c.h2b_ring_off = cpu_to_le32(0x80);		/* on the control block */
	CHECK_EQ(pcinet_ctrl_check(&c, 0x100000), PCINET_LAYOUT_BAD_RING);
	c = good();
	c.b2h_ring_off = cpu_to_le32(0x1400);		/* inside the h2b ring */
	CHECK_EQ(pcinet_ctrl_check(&c, 0x100000), PCINET_LAYOUT_RING_OVERLAP);
	c = good();
	c.max_frame = cpu_to_le32(20);
	CHECK_EQ(pcinet_ctrl_check(&c, 0x100000), PCINET_LAYOUT_BAD_FRAME);
	c = good();
	c.dma_size = cpu_to_le32(0x30000000);
	CHECK_EQ(pcinet_ctrl_check(&c, 0x100000), PCINET_LAYOUT_BAD_DMA_WINDOW);
	c = good();
	c.dma_base_lo = cpu_to_le32(0xF0000000);
	c.dma_base_hi = cpu_to_le32(0xFFFFFFFF);
	CHECK_EQ(pcinet_ctrl_check(&c, 0x100000), PCINET_LAYOUT_BAD_DMA_WINDOW);
	c = good();
	c.generation = 0;
	CHECK_EQ(pcinet_ctrl_check(&c, 0x100000), PCINET_LAYOUT_BAD_GENERATION);
	CHECK(strlen(pcinet_layout_strerror(PCINET_LAYOUT_RING_OVERLAP)) > 5);
	{
		struct pcinet_window w;

		c = good();
		pcinet_ctrl_dma_window(&c, &w);
		CHECK_EQ(w.pci_base, dma_win.pci_base);
		CHECK_EQ(w.size, dma_win.size);
	}
}

/* ---- descriptors, completions, windows ---------------------------------- */

TEST(window_containment_has_no_overflow)
{
	struct pcinet_window w = { .pci_base = 0x10000000, .size = 0x1000000 };

	CHECK(pcinet_window_contains(&w, 0x10000000, 0x1000000));
	CHECK(pcinet_window_contains(&w, 0x10FFF000, 0x1000));
	CHECK(!pcinet_window_contains(&w, 0x10FFF001, 0x1000));
	CHECK(!pcinet_window_contains(&w, 0x0FFFFFFF, 2));
	CHECK(!pcinet_window_contains(&w, 0xFFFFFFFFFFFFFFF0ull, 0x20));
	CHECK(!pcinet_window_contains(&w, 0x10000000, 0x1000001));
}

TEST(descriptor_checks)
{
	struct pcinet_window w = { .pci_base = 0x10000000, .size = 0x4000000 };
	struct pcinet_desc d;

	pcinet_desc_set(&d, 0x10002000, 1514);
	CHECK_EQ(pcinet_desc_addr(&d), 0x10002000);
	CHECK_EQ(pcinet_desc_check(&d, true, 1536, &w), PCINET_DESC_OK);
	pcinet_desc_set(&d, 0x10002000, 1537);
	CHECK_EQ(pcinet_desc_check(&d, true, 1536, &w), PCINET_DESC_BAD_LEN);
	pcinet_desc_set(&d, 0x10002000, 0);
	CHECK_EQ(pcinet_desc_check(&d, true, 1536, &w), PCINET_DESC_BAD_LEN);
	/* b2h buffers may be larger than a frame, not smaller than the minimum */
	pcinet_desc_set(&d, 0x10002000, 4096);
	CHECK_EQ(pcinet_desc_check(&d, false, 1536, &w), PCINET_DESC_OK);
	pcinet_desc_set(&d, 0x10002000, 59);
	CHECK_EQ(pcinet_desc_check(&d, false, 1536, &w), PCINET_DESC_BAD_LEN);
	pcinet_desc_set(&d, 0x13FFFF00, 1000);
	CHECK_EQ(pcinet_desc_check(&d, true, 1536, &w), PCINET_DESC_OUTSIDE_WINDOW);
	pcinet_desc_set(&d, 0x110002000ull, 100);	/* addr_hi set */
	CHECK_EQ(pcinet_desc_check(&d, true, 1536, &w), PCINET_DESC_OUTSIDE_WINDOW);
	pcinet_desc_set(&d, 0x10002000, 100);
	d.flags = cpu_to_le32(4);
	CHECK_EQ(pcinet_desc_check(&d, true, 1536, &w), PCINET_DESC_BAD_FLAGS);
	CHECK(pcinet_host_area_ok(0x10000040, pcinet_host_area_size(64), 64, &w));
	CHECK(!pcinet_host_area_ok(0x10000020, pcinet_host_area_size(64), 64, &w));
	CHECK(!pcinet_host_area_ok(0x10000040, 64, 64, &w));
}

TEST(completion_checks)
{
	struct pcinet_cmpl c;

	c.len = cpu_to_le32(1514);
	c.flags = cpu_to_le32(0);
	CHECK(pcinet_cmpl_ok(&c, 1536));
	CHECK(!pcinet_cmpl_ok(&c, 1500));
	c.len = cpu_to_le32(0);
	CHECK(!pcinet_cmpl_ok(&c, 1536));
	c.flags = cpu_to_le32(PCINET_CMPL_ERR);
	CHECK(pcinet_cmpl_ok(&c, 1536));
	c.len = cpu_to_le32(5);
	CHECK(!pcinet_cmpl_ok(&c, 1536));
	c.flags = cpu_to_le32(2);
	CHECK(!pcinet_cmpl_ok(&c, 1536));
}

TEST(mac_round_trip)
{
	const u8 mac[6] = { 0x02, 0x50, 0x43, 0x49, 0x00, 0x07 };
	__le32 lo, hi;
	u8 back[6];

	pcinet_mac_pack(mac, &lo, &hi);
	CHECK_EQ(le32_to_cpu(lo), 0x49435002);
	CHECK_EQ(le32_to_cpu(hi), 0x0700);
	pcinet_mac_unpack(lo, hi, back);
	CHECK(!memcmp(mac, back, 6));
}

/* ---- status words -------------------------------------------------------- */

TEST(status_words)
{
	u32 b = pcinet_status_make(PCINET_STATUS_SIG_BOARD,
				   PCINET_NET_REGISTERS_VALID | 0xF0);

	CHECK_EQ(b, 0x42010008);
	CHECK(pcinet_board_valid(b));
	CHECK(!pcinet_board_valid(b & ~PCINET_NET_REGISTERS_VALID));
	CHECK(!pcinet_board_valid(0));
	CHECK(!pcinet_board_valid(PCINET_NET_REGISTERS_VALID));
	CHECK(!pcinet_board_valid(pcinet_status_make(PCINET_STATUS_SIG_HOST,
						     PCINET_NET_REGISTERS_VALID)));
	CHECK(pcinet_status_present(0x42020000, PCINET_STATUS_SIG_BOARD));
	CHECK(!pcinet_status_compatible(0x42020000, PCINET_STATUS_SIG_BOARD));
	/* The historic bit values are kept */
	CHECK_EQ(PCINET_UART_RX_ENABLED, 1);
	CHECK_EQ(PCINET_NET_STATUS_RUNNING, 2);
	CHECK_EQ(PCINET_NET_RXINT_OFF, 4);
	CHECK_EQ(PCINET_NET_REGISTERS_VALID, 8);
}

/* ---- console -------------------------------------------------------------- */

/* Section 6.7, row by row: the generation a board publishes */
TEST(next_generation)
{
	static const struct {
		bool magic;	/* the region holds a control block */
		u32 region;	/* its generation word */
		u32 last;	/* what this stage published before */
		u32 want;
	} rows[] = {
		{ false, 0, 0, 1 },		/* a fresh board */
		{ false, 9, 2, 3 },		/* no control block: its word means nothing */
		{ true, 5, 0, 6 },		/* U-Boot's region, Linux starting */
		{ true, 5, 2, 6 },		/* the region is ahead: go on from it */
		{ true, 3, 7, 8 },		/* this stage is ahead */
		{ true, 0, 0, 1 },
		{ false, 0, 0xFFFFFFFF, 1 },	/* never 0 */
		{ true, 0xFFFFFFFF, 4, 1 },
	};
	struct pcinet_ctrl c;
	unsigned int i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		memset(&c, 0, sizeof(c));
		c.magic = cpu_to_le32(rows[i].magic ? PCINET_MAGIC : 0);
		c.generation = cpu_to_le32(rows[i].region);
		CHECK_EQ(pcinet_next_generation(&c, rows[i].last), rows[i].want);
	}
}

/* Section 5: what a host does with the ODR value it read */
TEST(doorbell_values)
{
	CHECK(pcinet_db_needs_confirm(PCINET_ALL_ONES));
	CHECK(!pcinet_db_needs_confirm(PCINET_DB_ALL));
	CHECK(!pcinet_db_needs_confirm(0xFFFFFFFE));
	CHECK_EQ(pcinet_db_reserved(PCINET_DB_ALL), 0);
	CHECK_EQ(pcinet_db_reserved(PCINET_DB_CONS_ACK | 0x4), 0x4);
	CHECK_EQ(pcinet_db_reserved(PCINET_ALL_ONES), 0xFFFFFFFC);
}

TEST(console_message_format)
{
	const u8 abc[3] = { 'a', 'b', 'c' };
	u8 out[3];
	u32 msg = pcinet_cons_encode(abc, 3, true);

	CHECK_EQ(msg, 0x63626183);
	CHECK_EQ(pcinet_cons_decode(msg, out), 3);
	CHECK(!memcmp(out, abc, 3));
	CHECK(pcinet_cons_seq(msg));
	CHECK_EQ(pcinet_cons_encode(abc, 1, false), 0x6101);
	CHECK_EQ(pcinet_cons_encode(abc, 9, false) & PCINET_CONS_COUNT_MASK, 3);
	CHECK_EQ(pcinet_cons_decode(0x61626380, out), 0);
}

TEST(console_sender_token_and_stall)
{
	struct pcinet_cons_tx tx;
	const u8 x = 'x';
	u32 m1, m2;

	pcinet_cons_tx_init(&tx);
	CHECK(pcinet_cons_tx_ready(&tx));
	m1 = pcinet_cons_tx_take(&tx, &x, 1, 100);
	CHECK(pcinet_cons_first(m1));
	CHECK(!pcinet_cons_tx_ready(&tx));	/* token given away */
	CHECK(!pcinet_cons_tx_check_stall(&tx, 100 + PCINET_CONS_STALL_MS - 1));
	pcinet_cons_tx_acked(&tx);
	m2 = pcinet_cons_tx_take(&tx, &x, 1, 200);
	CHECK(!pcinet_cons_first(m2));
	CHECK(pcinet_cons_seq(m1) != pcinet_cons_seq(m2));
	CHECK(pcinet_cons_tx_check_stall(&tx, 200 + PCINET_CONS_STALL_MS));
	CHECK(!pcinet_cons_tx_ready(&tx));
	CHECK(!pcinet_cons_tx_check_stall(&tx, 5000));	/* reported once */
	pcinet_cons_tx_discard(&tx, 10);
	CHECK_EQ(tx.discarded, 10);
	pcinet_cons_tx_peer_back(&tx);
	CHECK(pcinet_cons_tx_ready(&tx));
	CHECK(pcinet_cons_first(pcinet_cons_tx_take(&tx, &x, 1, 300)));
	/* Time wraps without a false stall */
	pcinet_cons_tx_init(&tx);
	(void)pcinet_cons_tx_take(&tx, &x, 1, 0xFFFFFF00);
	CHECK(!pcinet_cons_tx_check_stall(&tx, 0x10));
}

TEST(console_receiver_drops_duplicates_only)
{
	struct pcinet_cons_rx rx;
	struct pcinet_cons_tx tx;
	const u8 data[3] = { '1', '2', '3' };
	u8 out[3];
	u32 m1, m2;

	pcinet_cons_rx_init(&rx);
	pcinet_cons_tx_init(&tx);
	m1 = pcinet_cons_tx_take(&tx, data, 3, 0);
	pcinet_cons_tx_acked(&tx);
	m2 = pcinet_cons_tx_take(&tx, data, 2, 0);
	CHECK_EQ(pcinet_cons_rx_accept(&rx, m1, out), 3);
	CHECK_EQ(pcinet_cons_rx_accept(&rx, m2, out), 2);
	CHECK_EQ(pcinet_cons_rx_accept(&rx, m2, out), 0);	/* repeat */
	CHECK_EQ(rx.duplicates, 1);
	CHECK_EQ(pcinet_cons_rx_accept(&rx, 0, out), 0);
	CHECK_EQ(rx.invalid, 1);
	pcinet_cons_tx_acked(&tx);
	m2 = pcinet_cons_tx_take(&tx, data, 3, 0);
	CHECK_EQ(pcinet_cons_rx_accept(&rx, m2, out), 3);
	/* A restarted sender's first message is taken whatever its seq... */
	pcinet_cons_tx_init(&tx);
	m1 = pcinet_cons_tx_take(&tx, data, 1, 0);
	CHECK_EQ(pcinet_cons_seq(m1), pcinet_cons_seq(m2));
	CHECK_EQ(pcinet_cons_rx_accept(&rx, m1, out), 1);
	/* ...even when it is its predecessor's first message to the bit */
	pcinet_cons_tx_init(&tx);
	CHECK_EQ(pcinet_cons_rx_accept(&rx, pcinet_cons_tx_take(&tx, data, 1, 0), out), 1);
}

/* ---- register field helpers ------------------------------------------------ */

TEST(window_size_codes)
{
	CHECK_EQ(m83xx_piwar_code(0x1000), 0x0B);
	CHECK_EQ(m83xx_piwar_code(0x4000000), 0x19);
	CHECK_EQ(m83xx_piwar_size(M83XX_PIWAR_EN | 0x19), 0x4000000);
	CHECK_EQ(m83xx_piwar_size(0x0A), 0);
	CHECK_EQ(M83XX_POCMR_CM(0x40000000u), 0x000C0000);
	CHECK_EQ(m83xx_pocmr_size(M83XX_POCMR_EN | 0x000C0000), 0x40000000);
	CHECK_EQ(m83xx_pocmr_size(M83XX_POCMR_EN), 0x100000000ull);
	CHECK_EQ(M83XX_DMA_MR(1), 0x8180);
	CHECK_EQ(M83XX_DMA_NDAR(3), 0x82A4);
	CHECK_EQ(M83XX_POCMR(5), 0x8488);
}

int main(void)
{
	return unit_run("test_proto");
}
