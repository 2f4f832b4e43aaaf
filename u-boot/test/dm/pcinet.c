// SPDX-License-Identifier: GPL-2.0+
/*
 * Tests of the PCINet Ethernet driver (drivers/net/pcinet.c) on the
 * simulated chassis. The test plays the PCI host in this process, through
 * the host side of the same slot (asm/pcinet-os.h): it reads the board's
 * status, takes its lease, writes the host part, descriptors and producer
 * indices through BAR1, and finds frames and completions in its own DMA
 * memory, as docs/protocol.md says a host does. The chassis' checker
 * counts protocol violations; every test ends with none it did not plant.
 *
 * Needs PCINET_SIM_DIR and PCINET_SIM_SLOT (tests/py/test_uboot_net.py
 * sets them); without a chassis the tests are skipped.
 */

#include <common.h>
#include <console.h>
#include <dm.h>
#include <env.h>
#include <net.h>
#include <time.h>
#include <asm/pcinet-os.h>
#include <dm/device-internal.h>
#include <dm/ofnode.h>
#include <dm/root.h>
#include <dm/uclass-internal.h>
#include <dm/test.h>
#include <test/test.h>
#include <test/ut.h>
#include <pcinet/mpc83xx.h>
#include <pcinet/pcinet_proto.h>
#include <pcinet/pcinet_ring.h>

/* What the driver publishes (drivers/net/pcinet.c) */
#define H2B_RING	128
#define B2H_RING	64
#define MAX_FRAME	1514
#define RX_BUFS		64
#define ATTACH_MS	2000
#define TX_WAIT_MS	500
#define REGION_SIZE	0x100000	/* pcinet-test.dtsi */
#define WINDOW_SIZE	0x40000000	/* outbound window: PCI 0..1 GiB */

/* Where this host keeps its things, as offsets into its DMA memory */
#define AREA_OFF	0x100000
#define TX_OFF		0x110000
#define RX_OFF		0x160000
#define BUF		2048

#define TEST_MAC	"02:00:50:43:4e:01"

/* The host side of one slot, as docs/protocol.md 10.3 describes it */
struct test_host {
	void *h;
	u8 *mem;
	u64 bus;
	u64 size;
	u32 status;
	u64 violations;
	u32 generation;
	u32 h2b_off;
	u32 h2b_len;
	u32 b2h_off;
	u32 b2h_len;
	u32 max_frame;
	u32 h2b_prod;
	u32 h2b_cons;
	u32 b2h_prod;
	u32 b2h_seen;
	u32 b2h_buf_len[B2H_RING];
};

static struct test_host host;

static u64 host_bus(u32 off)
{
	return host.bus + off;
}

static u32 host_u32(u32 off)
{
	__le32 v;

	memcpy(&v, host.mem + off, sizeof(v));
	return le32_to_cpu(v);
}

static u32 board_status(void)
{
	return pcinet_os_host_read32(host.h, M83XX_MU_OMR1);
}

/*
 * A BAR1 write is posted (docs/protocol.md 3.5): it is in the board's RAM
 * only after a read of the board. The board under test runs in this
 * thread, right after the host's step, so this host reads after every
 * write (a register of its own: 3.5 rule 3 lets any read serve, and a
 * BAR1 read would count twice where a test plants a violation).
 */
static int host_bar_write(u32 off, const void *buf, u32 len)
{
	int ret = pcinet_os_host_bar_write(host.h, off, buf, len);

	pcinet_os_host_read32(host.h, M83XX_MU_OMIMR);
	return ret;
}

static void host_set_status(u32 flags)
{
	host.status = pcinet_status_make(PCINET_STATUS_SIG_HOST, flags);
	pcinet_os_host_write32(host.h, M83XX_MU_IMR1, host.status);
}

static int host_bar_u32(u32 off, u32 val)
{
	__le32 v = cpu_to_le32(val);

	return host_bar_write(off, &v, sizeof(v));
}

/* Our device, bound from pcinet-test.dtsi, not yet probed */
static int find_dev(struct unit_test_state *uts, struct udevice **devp)
{
	struct udevice *dev;

	for (uclass_find_first_device(UCLASS_ETH, &dev); dev;
	     uclass_find_next_device(&dev)) {
		if (dev->driver == DM_DRIVER_GET(pcinet)) {
			*devp = dev;
			return 0;
		}
	}
	ut_reportf("no fsl,mpc83xx-pcinet device in the test device tree");
	return -ENODEV;
}

/*
 * Set (or, value NULL, delete) the environment variable the eth uclass
 * takes our MAC from, past its write-once protection (as test/dm/eth.c)
 */
static int set_mac_env(struct udevice *dev, const char *value)
{
	char name[16];
	int ret;

	if (dev_seq(dev))
		snprintf(name, sizeof(name), "eth%daddr", dev_seq(dev));
	else
		snprintf(name, sizeof(name), "ethaddr");
	env_set(".flags", name);
	ret = env_set(name, value);
	env_set(".flags", NULL);
	return ret;
}

/*
 * Open the host side and probe the device, its MAC from the environment;
 * -EAGAIN (skip) without a simulated chassis
 */
static int host_open(struct unit_test_state *uts, struct udevice **devp)
{
	int ret;

	memset(&host, 0, sizeof(host));
	ret = pcinet_os_host_open(&host.h);
	if (ret == -ENODEV) {
		printf("Skipping: no simulated chassis (PCINET_SIM_DIR, PCINET_SIM_SLOT)\n");
		return -EAGAIN;
	}
	ut_assertok(ret);
	host.mem = pcinet_os_host_mem(host.h, &host.bus, &host.size);
	ut_assertnonnull(host.mem);
	ut_assert(host.size >= RX_OFF + B2H_RING * BUF);
	host.violations = pcinet_os_violations(host.h);
	host_set_status(0);
	ut_assertok(find_dev(uts, devp));
	ut_assertok(set_mac_env(*devp, TEST_MAC));
	ut_assertok(device_probe(*devp));
	return 0;
}

/* Let go of everything; the checker must have seen exactly @planted */
static int host_close(struct unit_test_state *uts, u64 planted)
{
	host_set_status(0);
	ut_asserteq_64(host.violations + planted,
		       pcinet_os_violations(host.h));
	pcinet_os_host_close(host.h);
	host.h = NULL;
	return 0;
}

static int post_b2h_desc(u64 addr, u32 len, u32 flags)
{
	u32 slot = pcinet_ring_slot(host.b2h_prod, host.b2h_len);
	struct pcinet_desc d;

	pcinet_desc_set(&d, addr, len);
	d.flags = cpu_to_le32(flags);
	host.b2h_buf_len[slot] = len;
	host.b2h_prod++;
	return host_bar_write(host.b2h_off + slot * sizeof(d), &d, sizeof(d));
}

static int write_b2h_prod(void)
{
	return host_bar_u32(PCINET_CTRL_OFF_B2H_PROD, host.b2h_prod);
}

/* Post n receive buffers of len bytes (8.4), without the producer index */
static int post_rx(unsigned int n, u32 len)
{
	u32 slot;
	int ret;

	while (n--) {
		slot = pcinet_ring_slot(host.b2h_prod, host.b2h_len);
		ret = post_b2h_desc(host_bus(RX_OFF + slot * BUF), len, 0);
		if (ret)
			return ret;
	}
	return 0;
}

/* Attach (10.3): lease, control block, host part, buffers, host_magic */
static int host_attach(struct unit_test_state *uts, unsigned int bufs)
{
	struct pcinet_ctrl c;
	__le32 part[5];
	u32 area_size;

	ut_assert(pcinet_board_valid(board_status()));
	ut_assert(!(board_status() & PCINET_NET_STATUS_RUNNING));
	host_set_status(PCINET_NET_STATUS_RUNNING);
	ut_assert(pcinet_board_valid(board_status()));
	ut_assertok(pcinet_os_host_bar_read(host.h, 0, &c, sizeof(c)));
	ut_asserteq(PCINET_LAYOUT_OK, pcinet_ctrl_check(&c, REGION_SIZE));
	host.generation = le32_to_cpu(c.generation);
	host.h2b_off = le32_to_cpu(c.h2b_ring_off);
	host.h2b_len = le32_to_cpu(c.h2b_ring_len);
	host.b2h_off = le32_to_cpu(c.b2h_ring_off);
	host.b2h_len = le32_to_cpu(c.b2h_ring_len);
	host.max_frame = le32_to_cpu(c.max_frame);
	ut_asserteq(H2B_RING, host.h2b_len);
	ut_asserteq(B2H_RING, host.b2h_len);
	ut_asserteq(MAX_FRAME, host.max_frame);

	area_size = pcinet_host_area_size(host.b2h_len);
	memset(host.mem + AREA_OFF, 0, area_size);
	host.h2b_prod = 0;
	host.h2b_cons = 0;
	host.b2h_prod = 0;
	host.b2h_seen = 0;
	ut_assertok(host_bar_u32(PCINET_CTRL_OFF_H2B_PROD, 0));
	ut_assertok(post_rx(bufs, BUF));
	ut_assertok(write_b2h_prod());
	part[0] = cpu_to_le32(PCINET_VERSION);
	part[1] = cpu_to_le32((u32)host_bus(AREA_OFF));
	part[2] = cpu_to_le32(0);
	part[3] = cpu_to_le32(area_size);
	part[4] = cpu_to_le32(host.generation);
	ut_assertok(host_bar_write(PCINET_CTRL_OFF_HOST + 4, part,
				   sizeof(part)));
	ut_assertok(host_bar_u32(PCINET_CTRL_OFF_HOST, PCINET_MAGIC));
	host_set_status(PCINET_NET_STATUS_RUNNING);
	return 0;
}

/* Queue one h2b descriptor as given and publish it (8.3) */
static int host_post_h2b(u64 addr, u32 len, u32 flags)
{
	u32 slot = pcinet_ring_slot(host.h2b_prod, host.h2b_len);
	struct pcinet_desc d;
	int ret;

	pcinet_desc_set(&d, addr, len);
	d.flags = cpu_to_le32(flags);
	ret = host_bar_write(host.h2b_off + slot * sizeof(d), &d, sizeof(d));
	if (ret)
		return ret;
	host.h2b_prod++;
	return host_bar_u32(PCINET_CTRL_OFF_H2B_PROD, host.h2b_prod);
}

static u32 host_h2b_space(void)
{
	u32 cons = host_u32(AREA_OFF);

	host.h2b_cons = cons;
	return pcinet_ring_space(host.h2b_prod, cons, host.h2b_len);
}

/* Transmit a frame (8.3); -ENOSPC when the ring is full */
static int host_send(const void *frame, u32 len)
{
	u32 slot = pcinet_ring_slot(host.h2b_prod, host.h2b_len);

	if (!host_h2b_space())
		return -ENOSPC;
	memcpy(host.mem + TX_OFF + slot * BUF, frame, len);
	return host_post_h2b(host_bus(TX_OFF + slot * BUF), len, 0);
}

/*
 * Take the next b2h completion (8.4): its length, -EBADMSG for an
 * error completion, 0 if there is none, -EPROTO if the board misbehaves.
 */
static int host_recv(void *frame)
{
	u32 done = host_u32(AREA_OFF + 4), slot, off;
	struct pcinet_cmpl c;

	if (!pcinet_ring_advance_ok(host.b2h_seen, done, host.b2h_prod))
		return -EPROTO;
	if (done == host.b2h_seen)
		return 0;
	slot = pcinet_ring_slot(host.b2h_seen, host.b2h_len);
	off = AREA_OFF + PCINET_HOST_AREA_HDR + slot * PCINET_CMPL_SIZE;
	memcpy(&c, host.mem + off, sizeof(c));
	if (!pcinet_cmpl_ok(&c, host.b2h_buf_len[slot]))
		return -EPROTO;
	host.b2h_seen++;
	if (le32_to_cpu(c.flags) & PCINET_CMPL_ERR)
		return -EBADMSG;
	memcpy(frame, host.mem + RX_OFF + slot * BUF, le32_to_cpu(c.len));
	return le32_to_cpu(c.len);
}

static void make_frame(u8 *frame, u32 len, u32 seq)
{
	u32 i;

	for (i = 0; i < len; i++)
		frame[i] = (u8)(seq * 7 + i);
	memcpy(frame, &seq, sizeof(seq));
}

static u32 frame_len(u32 seq)
{
	return PCINET_FRAME_MIN + (seq * 97) % (MAX_FRAME - PCINET_FRAME_MIN + 1);
}

/* The board takes the next frame: it must be frame seq */
static int board_recv_frame(struct unit_test_state *uts, struct udevice *dev,
			    u32 seq)
{
	struct eth_ops *ops = eth_get_ops(dev);
	u8 want[MAX_FRAME];
	uchar *packet;
	int len;

	len = ops->recv(dev, 0, &packet);
	ut_asserteq(frame_len(seq), len);
	make_frame(want, len, seq);
	ut_asserteq_mem(want, packet, len);
	ut_assertok(ops->free_pkt(dev, packet, len));
	return 0;
}

/* The host takes the next frame: it must be frame seq */
static int host_recv_frame(struct unit_test_state *uts, u32 seq)
{
	u8 want[MAX_FRAME], got[BUF];
	int len;

	len = host_recv(got);
	ut_asserteq(frame_len(seq), len);
	make_frame(want, len, seq);
	ut_asserteq_mem(want, got, len);
	return 0;
}

/* Start and let the test host attach with bufs receive buffers posted */
static int start_attached(struct unit_test_state *uts, struct udevice *dev,
			  unsigned int bufs)
{
	struct eth_ops *ops = eth_get_ops(dev);
	uchar *packet;

	ut_assertok(ops->start(dev));
	ut_assertok(host_attach(uts, bufs));
	ut_asserteq(-EAGAIN, ops->recv(dev, 0, &packet));
	ut_assert(board_status() & PCINET_NET_STATUS_RUNNING);
	return 0;
}

/* Stop as a net command ends, with the host letting go first */
static void stop_released(struct udevice *dev)
{
	host_set_status(0);
	eth_get_ops(dev)->stop(dev);
}

static bool console_has(const char *text)
{
	char line[CONFIG_SYS_CBSIZE];

	while (console_record_readline(line, sizeof(line)) > 0) {
		if (strstr(line, text))
			return true;
	}
	return false;
}

/* Registers-valid handshake: start, attach, detach, stop (10.2, 10.5, 10.6) */
static int dm_test_pcinet_net_handshake(struct unit_test_state *uts)
{
	struct eth_pdata *pdata;
	struct eth_ops *ops;
	struct udevice *dev;
	struct pcinet_ctrl c;
	u8 mac[ARP_HLEN];
	uchar *packet;
	u32 gen;
	ulong t;
	int ret;

	ret = host_open(uts, &dev);
	if (ret)
		return ret;
	ops = eth_get_ops(dev);
	pdata = dev_get_plat(dev);

	/* stop without start: legal, quick, and nothing published */
	t = get_timer(0);
	ops->stop(dev);
	ut_assert(get_timer(t) < PCINET_STOP_ACK_MS);
	ut_assert(!pcinet_board_valid(board_status()));

	/* start publishes the region: VALID and RXINT_OFF, not RUNNING */
	ut_assertok(ops->start(dev));
	ut_assert(pcinet_board_valid(board_status()));
	ut_assert(board_status() & PCINET_NET_RXINT_OFF);
	ut_assert(!(board_status() & PCINET_NET_STATUS_RUNNING));

	/* the host attaches; the board follows at its next poll */
	ut_assertok(host_attach(uts, 4));
	ut_asserteq(-EAGAIN, ops->recv(dev, 0, &packet));
	ut_assert(board_status() & PCINET_NET_STATUS_RUNNING);
	ut_asserteq(0, host_u32(AREA_OFF));
	ut_asserteq(0, host_u32(AREA_OFF + 4));
	ut_asserteq(host.generation, host_u32(AREA_OFF + 8));
	ut_assert(host.generation != 0);
	ut_assertok(pcinet_os_host_bar_read(host.h, 0, &c, sizeof(c)));
	pcinet_mac_unpack(c.mac_lo, c.mac_hi, mac);
	ut_asserteq_mem(pdata->enetaddr, mac, ARP_HLEN);

	/* the host detaches: the board drops RUNNING, stays VALID */
	host_set_status(0);
	ut_asserteq(-EAGAIN, ops->recv(dev, 0, &packet));
	ut_assert(pcinet_board_valid(board_status()));
	ut_assert(!(board_status() & PCINET_NET_STATUS_RUNNING));
	ut_assertok(pcinet_os_host_bar_read(host.h, 0, &c, sizeof(c)));
	ut_asserteq(0, le32_to_cpu(c.host_magic));
	ut_asserteq(0, le32_to_cpu(c.generation_ack));

	/* and attaches again (a host driver reload) */
	ut_assertok(host_attach(uts, 4));
	ut_asserteq(-EAGAIN, ops->recv(dev, 0, &packet));
	ut_assert(board_status() & PCINET_NET_STATUS_RUNNING);

	/* stop with the host attached: VALID and RUNNING go, then it waits */
	t = get_timer(0);
	ops->stop(dev);
	ut_assert(get_timer(t) >= PCINET_STOP_ACK_MS);
	ut_assert(get_timer(t) < PCINET_STOP_ACK_MS + 500);
	ut_assert(pcinet_status_compatible(board_status(),
					   PCINET_STATUS_SIG_BOARD));
	ut_assert(!(board_status() & (PCINET_NET_REGISTERS_VALID |
				      PCINET_NET_STATUS_RUNNING)));
	host_set_status(0);

	/* the next start is a new generation; a released host: no wait */
	gen = host.generation;
	ut_assertok(ops->start(dev));
	ut_assertok(host_attach(uts, 4));
	ut_asserteq(gen + 1, host.generation);
	ut_asserteq(-EAGAIN, ops->recv(dev, 0, &packet));
	host_set_status(0);
	t = get_timer(0);
	ops->stop(dev);
	ut_assert(get_timer(t) < PCINET_STOP_ACK_MS);
	ut_assert(!pcinet_board_valid(board_status()));

	/* a start twice in a row re-initialises */
	ut_assertok(ops->start(dev));
	ut_assertok(ops->start(dev));
	ut_assert(pcinet_board_valid(board_status()));
	ut_assertok(pcinet_os_host_bar_read(host.h, 0, &c, sizeof(c)));
	ut_asserteq(gen + 3, le32_to_cpu(c.generation));

	/* what runs before an OS takes the board removes it: invalid */
	ut_assertok(dm_remove_devices_flags(DM_REMOVE_ACTIVE_ALL));
	ut_assert(!device_active(dev));
	ut_assert(!pcinet_board_valid(board_status()));

	return host_close(uts, 0);
}

DM_TEST(dm_test_pcinet_net_handshake, UT_TESTF_SCAN_FDT);

/* Frames both ways, several times round both rings */
static int dm_test_pcinet_net_data(struct unit_test_state *uts)
{
	struct eth_ops *ops;
	struct udevice *dev;
	u8 frame[MAX_FRAME];
	u32 seq, got, len;
	uchar *packet;
	int ret;

	ret = host_open(uts, &dev);
	if (ret)
		return ret;
	ops = eth_get_ops(dev);
	ut_assertok(start_attached(uts, dev, B2H_RING));

	/* h2b: 3.5 rings' worth, 40 at a time, every length 60..1514 */
	for (seq = 0, got = 0; seq < H2B_RING * 7 / 2; seq++) {
		len = frame_len(seq);
		make_frame(frame, len, seq);
		ut_assertok(host_send(frame, len));
		if (seq % 40 == 39) {
			while (got <= seq)
				ut_assertok(board_recv_frame(uts, dev, got++));
		}
	}
	while (got < seq)
		ut_assertok(board_recv_frame(uts, dev, got++));
	ut_asserteq(-EAGAIN, ops->recv(dev, 0, &packet));
	ut_asserteq(host.h2b_prod, host_u32(AREA_OFF));

	/* b2h: 3.5 rings' worth, the host reposting as it goes */
	for (seq = 0; seq < B2H_RING * 7 / 2; seq++) {
		len = frame_len(seq);
		make_frame(frame, len, seq);
		ut_assertok(ops->send(dev, frame, len));
		ut_assertok(host_recv_frame(uts, seq));
		ut_assertok(post_rx(1, BUF));
		ut_assertok(write_b2h_prod());
	}
	ut_asserteq(0, host_recv(frame));

	/* the largest and the smallest frames the link carries */
	memset(frame, 0xa5, sizeof(frame));
	ut_assertok(ops->send(dev, frame, MAX_FRAME));
	ut_assertok(ops->send(dev, frame, 1));
	ut_asserteq(MAX_FRAME, host_recv(frame));
	ut_asserteq(1, host_recv(frame));
	ut_asserteq(-EMSGSIZE, ops->send(dev, frame, MAX_FRAME + 1));
	ut_asserteq(-EMSGSIZE, ops->send(dev, frame, 0));

	stop_released(dev);
	return host_close(uts, 0);
}

DM_TEST(dm_test_pcinet_net_data, UT_TESTF_SCAN_FDT);

/* Full rings: the host queues all it may, the board loses nothing */
static int dm_test_pcinet_net_full_ring(struct unit_test_state *uts)
{
	struct eth_ops *ops;
	struct udevice *dev;
	u8 frame[BUF];
	uchar *packet;
	u32 seq;
	ulong t;
	int ret;

	ret = host_open(uts, &dev);
	if (ret)
		return ret;
	ops = eth_get_ops(dev);
	ut_assertok(start_attached(uts, dev, B2H_RING));

	/* a full h2b ring: twice what one pull takes */
	for (seq = 0; seq < H2B_RING; seq++) {
		make_frame(frame, frame_len(seq), seq);
		ut_assertok(host_send(frame, frame_len(seq)));
	}
	ut_asserteq(-ENOSPC, host_send(frame, 100));
	ut_assertok(board_recv_frame(uts, dev, 0));
	/* one pull: as many frames as the board has buffers, then h2b_cons */
	ut_asserteq(RX_BUFS, host_u32(AREA_OFF));
	for (seq = 1; seq < H2B_RING; seq++)
		ut_assertok(board_recv_frame(uts, dev, seq));
	ut_asserteq(H2B_RING, host_u32(AREA_OFF));
	ut_asserteq(-EAGAIN, ops->recv(dev, 0, &packet));

	/* a full b2h ring: every posted buffer completed */
	for (seq = 0; seq < B2H_RING; seq++) {
		make_frame(frame, frame_len(seq), seq);
		ut_assertok(ops->send(dev, frame, frame_len(seq)));
	}
	ut_asserteq(B2H_RING, host_u32(AREA_OFF + 4));
	/* no buffer left: the send fails after a bounded wait */
	t = get_timer(0);
	ut_asserteq(-ENOBUFS, ops->send(dev, frame, 100));
	ut_assert(get_timer(t) >= TX_WAIT_MS);
	ut_assert(get_timer(t) < TX_WAIT_MS + 1000);
	for (seq = 0; seq < B2H_RING; seq++)
		ut_assertok(host_recv_frame(uts, seq));
	/* buffers back: it goes on */
	ut_assertok(post_rx(B2H_RING, BUF));
	ut_assertok(write_b2h_prod());
	make_frame(frame, frame_len(B2H_RING), B2H_RING);
	ut_assertok(ops->send(dev, frame, frame_len(B2H_RING)));
	ut_assertok(host_recv_frame(uts, B2H_RING));

	stop_released(dev);
	return host_close(uts, 0);
}

DM_TEST(dm_test_pcinet_net_full_ring, UT_TESTF_SCAN_FDT);

/* Bad descriptors are dropped and counted, the link goes on (8.6) */
static int dm_test_pcinet_net_bad_desc(struct unit_test_state *uts)
{
	struct eth_ops *ops;
	struct udevice *dev;
	u8 frame[BUF];
	uchar *packet;
	u64 good;
	int ret;

	ret = host_open(uts, &dev);
	if (ret)
		return ret;
	ops = eth_get_ops(dev);
	ut_assertok(start_attached(uts, dev, 0));

	/* h2b: five bad descriptors between two good frames */
	good = host_bus(TX_OFF);
	make_frame(host.mem + TX_OFF, frame_len(0), 0);
	make_frame(host.mem + TX_OFF + BUF, frame_len(1), 1);
	ut_assertok(host_post_h2b(good, frame_len(0), 0));
	ut_assertok(host_post_h2b(good, 100, 1));
	ut_assertok(host_post_h2b(good, 0, 0));
	ut_assertok(host_post_h2b(good, MAX_FRAME + 1, 0));
	ut_assertok(host_post_h2b(WINDOW_SIZE, 100, 0));
	ut_assertok(host_post_h2b(WINDOW_SIZE - 50, 100, 0));
	ut_assertok(host_post_h2b(good + BUF, frame_len(1), 0));
	ut_assertok(board_recv_frame(uts, dev, 0));
	ut_assertok(board_recv_frame(uts, dev, 1));
	ut_asserteq(-EAGAIN, ops->recv(dev, 0, &packet));
	ut_asserteq(7, host_u32(AREA_OFF));
	ut_assert(console_has("dropping host frame 1: reserved flags set"));

	/* b2h: bad buffers get error completions, the frame the good one */
	ut_assertok(post_b2h_desc(host_bus(RX_OFF), PCINET_FRAME_MIN - 1, 0));
	ut_assertok(post_b2h_desc(WINDOW_SIZE, BUF, 0));
	ut_assertok(post_b2h_desc(host_bus(RX_OFF), BUF, 1));
	ut_assertok(post_rx(1, BUF));
	ut_assertok(write_b2h_prod());
	make_frame(frame, frame_len(2), 2);
	ut_assertok(ops->send(dev, frame, frame_len(2)));
	ut_asserteq(-EBADMSG, host_recv(frame));
	ut_asserteq(-EBADMSG, host_recv(frame));
	ut_asserteq(-EBADMSG, host_recv(frame));
	ut_assertok(host_recv_frame(uts, 2));
	ut_assert(console_has("host buffer 0 unusable"));

	/* a frame longer than the buffer is dropped, not truncated */
	ut_assertok(post_b2h_desc(host_bus(RX_OFF), PCINET_FRAME_MIN, 0));
	ut_assertok(write_b2h_prod());
	ut_asserteq(-EMSGSIZE, ops->send(dev, frame, PCINET_FRAME_MIN + 1));
	ut_asserteq(-EBADMSG, host_recv(frame));
	ut_assertok(post_rx(1, BUF));
	ut_assertok(write_b2h_prod());
	make_frame(frame, frame_len(3), 3);
	ut_assertok(ops->send(dev, frame, frame_len(3)));
	ut_assertok(host_recv_frame(uts, 3));
	ut_asserteq(0, host_recv(frame));

	stop_released(dev);
	return host_close(uts, 0);
}

DM_TEST(dm_test_pcinet_net_bad_desc, UT_TESTF_SCAN_FDT | UT_TESTF_CONSOLE_REC);

/*
 * A host buffer inside the window where no host memory answers: a DMA
 * transfer error, reported; the command fails, the region is withdrawn,
 * and the next start works. The checker counts the stray DMA (planted).
 */
static int dm_test_pcinet_net_dma_error(struct unit_test_state *uts)
{
	struct eth_ops *ops;
	struct udevice *dev;
	uchar *packet;
	int ret;

	ret = host_open(uts, &dev);
	if (ret)
		return ret;
	ops = eth_get_ops(dev);
	ut_assertok(start_attached(uts, dev, 0));

	ut_assert(host.bus >= 0x1000);
	ut_assertok(host_post_h2b(0, 100, 0));
	ut_asserteq(-EIO, ops->recv(dev, 0, &packet));
	ut_assert(console_has("DMA transfer error"));
	ut_assert(!pcinet_board_valid(board_status()));
	ut_asserteq(-EIO, ops->recv(dev, 0, &packet));
	ut_asserteq(-EIO, ops->send(dev, host.mem, 100));
	host_set_status(0);
	ops->stop(dev);

	/* the next net command starts afresh */
	ut_assertok(start_attached(uts, dev, 1));
	make_frame(host.mem + TX_OFF, frame_len(5), 5);
	ut_assertok(host_post_h2b(host_bus(TX_OFF), frame_len(5), 0));
	ut_assertok(board_recv_frame(uts, dev, 5));

	stop_released(dev);
	return host_close(uts, 1);
}

DM_TEST(dm_test_pcinet_net_dma_error, UT_TESTF_SCAN_FDT | UT_TESTF_CONSOLE_REC);

/* Producer indices beyond the ring: a protocol error, the command fails */
static int dm_test_pcinet_net_protocol_error(struct unit_test_state *uts)
{
	struct eth_ops *ops;
	struct udevice *dev;
	u8 frame[100];
	uchar *packet;
	int ret;

	ret = host_open(uts, &dev);
	if (ret)
		return ret;
	ops = eth_get_ops(dev);
	memset(frame, 0, sizeof(frame));

	ut_assertok(start_attached(uts, dev, 0));
	ut_assertok(host_bar_u32(PCINET_CTRL_OFF_H2B_PROD, H2B_RING + 1));
	ut_asserteq(-EPROTO, ops->recv(dev, 0, &packet));
	ut_assert(console_has("h2b producer index 129"));
	ut_assert(!pcinet_board_valid(board_status()));
	stop_released(dev);

	ut_assertok(start_attached(uts, dev, 0));
	ut_assertok(host_bar_u32(PCINET_CTRL_OFF_B2H_PROD, B2H_RING + 1));
	ut_asserteq(-EPROTO, ops->send(dev, frame, sizeof(frame)));
	ut_assert(console_has("b2h producer index 65"));
	ut_assert(!pcinet_board_valid(board_status()));
	stop_released(dev);

	return host_close(uts, 0);
}

DM_TEST(dm_test_pcinet_net_protocol_error,
	UT_TESTF_SCAN_FDT | UT_TESTF_CONSOLE_REC);

/* Another protocol version, or a host part the board cannot use (10.10) */
static int dm_test_pcinet_net_refuse(struct unit_test_state *uts)
{
	struct eth_ops *ops;
	struct udevice *dev;
	uchar *packet;
	int ret;

	ret = host_open(uts, &dev);
	if (ret)
		return ret;
	ops = eth_get_ops(dev);

	/* a host of major 2 in the status word: refused at start */
	pcinet_os_host_write32(host.h, M83XX_MU_IMR1, PCINET_STATUS_SIG_HOST |
			       2 << PCINET_STATUS_VERSION_SHIFT);
	ut_asserteq(-EPROTONOSUPPORT, ops->start(dev));
	ut_assert(console_has("PCI host speaks PCINet major 2, this board 1"));
	ut_assert(!pcinet_board_valid(board_status()));
	ops->stop(dev);

	/* host_version of another major in the host part */
	host_set_status(0);
	ut_assertok(ops->start(dev));
	ut_assertok(host_attach(uts, 0));
	ut_assertok(host_bar_u32(PCINET_CTRL_OFF_HOST + 4, 0x20000));
	ut_asserteq(-EPROTONOSUPPORT, ops->recv(dev, 0, &packet));
	ut_assert(console_has("host protocol version 0x20000 unsupported"));
	ut_assert(!(board_status() & PCINET_NET_STATUS_RUNNING));
	stop_released(dev);

	/* a host area that is not 64-byte aligned */
	ut_assertok(ops->start(dev));
	ut_assertok(host_attach(uts, 0));
	ut_assertok(host_bar_u32(PCINET_CTRL_OFF_HOST + 8,
				 (u32)host_bus(AREA_OFF + 8)));
	ut_asserteq(-EPROTO, ops->recv(dev, 0, &packet));
	ut_assert(console_has("refusing the host's attach: host area"));
	ut_assert(!(board_status() & PCINET_NET_STATUS_RUNNING));
	stop_released(dev);

	/* a host part written for another generation is not taken */
	ut_assertok(ops->start(dev));
	ut_assertok(host_attach(uts, 0));
	ut_assertok(host_bar_u32(PCINET_CTRL_OFF_HOST + 0x14,
				 host.generation - 1));
	ut_asserteq(-EAGAIN, ops->recv(dev, 0, &packet));
	ut_assert(!(board_status() & PCINET_NET_STATUS_RUNNING));
	ut_assertok(host_bar_u32(PCINET_CTRL_OFF_HOST + 0x14, host.generation));
	ut_asserteq(-EAGAIN, ops->recv(dev, 0, &packet));
	ut_assert(board_status() & PCINET_NET_STATUS_RUNNING);
	stop_released(dev);

	return host_close(uts, 0);
}

DM_TEST(dm_test_pcinet_net_refuse, UT_TESTF_SCAN_FDT | UT_TESTF_CONSOLE_REC);

/* No host: the first send fails after a bounded wait, clearly */
static int dm_test_pcinet_net_no_host(struct unit_test_state *uts)
{
	struct eth_ops *ops;
	struct udevice *dev;
	u8 frame[100];
	ulong t;
	int ret;

	ret = host_open(uts, &dev);
	if (ret)
		return ret;
	ops = eth_get_ops(dev);
	memset(frame, 0, sizeof(frame));
	pcinet_os_host_write32(host.h, M83XX_MU_IMR1, 0);

	ut_assertok(ops->start(dev));
	t = get_timer(0);
	ut_asserteq(-ENOLINK, ops->send(dev, frame, sizeof(frame)));
	ut_assert(get_timer(t) >= ATTACH_MS);
	ut_assert(get_timer(t) < ATTACH_MS + 1000);
	ut_assert(console_has("no PCI host attached within 2000 ms"));
	ut_assert(!pcinet_board_valid(board_status()));
	ops->stop(dev);

	return host_close(uts, 0);
}

DM_TEST(dm_test_pcinet_net_no_host,
	UT_TESTF_SCAN_FDT | UT_TESTF_CONSOLE_REC | UT_TESTF_LIVE_TREE);

/* Through the network stack: the host asks for our address by ARP */
static int dm_test_pcinet_net_arp(struct unit_test_state *uts)
{
	const u8 host_mac[ARP_HLEN] = { 0x02, 0x48, 0x4f, 0x53, 0x54, 0x01 };
	struct in_addr board_ip = string_to_ip("192.0.2.1");
	struct in_addr host_ip = string_to_ip("192.0.2.254");
	u8 frame[ETHER_HDR_SIZE + ARP_HDR_SIZE], got[BUF];
	struct ethernet_hdr *et = (void *)frame;
	struct arp_hdr *arp = (void *)(frame + ETHER_HDR_SIZE);
	struct eth_pdata *pdata;
	struct udevice *dev;
	int ret, len;

	ret = host_open(uts, &dev);
	if (ret)
		return ret;
	pdata = dev_get_plat(dev);

	env_set("ethact", dev->name);
	eth_set_current();
	ut_asserteq_ptr(dev, eth_get_dev());
	ut_assertok(eth_init());
	ut_assertok(host_attach(uts, 4));
	net_init();
	net_ip = board_ip;
	ut_asserteq_mem(pdata->enetaddr, net_ethaddr, ARP_HLEN);

	memset(et->et_dest, 0xff, ARP_HLEN);
	memcpy(et->et_src, host_mac, ARP_HLEN);
	et->et_protlen = htons(PROT_ARP);
	arp->ar_hrd = htons(ARP_ETHER);
	arp->ar_pro = htons(PROT_IP);
	arp->ar_hln = ARP_HLEN;
	arp->ar_pln = ARP_PLEN;
	arp->ar_op = htons(ARPOP_REQUEST);
	memcpy(&arp->ar_sha, host_mac, ARP_HLEN);
	net_write_ip(&arp->ar_spa, host_ip);
	memset(&arp->ar_tha, 0, ARP_HLEN);
	net_write_ip(&arp->ar_tpa, board_ip);
	ut_assertok(host_send(frame, sizeof(frame)));

	ut_asserteq(0, eth_rx());
	len = host_recv(got);
	ut_asserteq(sizeof(frame), len);
	et = (void *)got;
	arp = (void *)(got + ETHER_HDR_SIZE);
	ut_asserteq_mem(host_mac, et->et_dest, ARP_HLEN);
	ut_asserteq_mem(pdata->enetaddr, et->et_src, ARP_HLEN);
	ut_asserteq(ARPOP_REPLY, ntohs(arp->ar_op));
	ut_asserteq_mem(pdata->enetaddr, &arp->ar_sha, ARP_HLEN);
	ut_asserteq(board_ip.s_addr, net_read_ip(&arp->ar_spa).s_addr);

	host_set_status(0);
	eth_halt();
	ut_assert(!pcinet_board_valid(board_status()));
	env_set("ethact", NULL);
	net_ip.s_addr = 0;

	return host_close(uts, 0);
}

DM_TEST(dm_test_pcinet_net_arp, UT_TESTF_SCAN_FDT);

/* The MAC: environment first, else the device tree's slot (live tree) */
static int dm_test_pcinet_net_mac(struct unit_test_state *uts)
{
	const u8 env_mac[ARP_HLEN] = { 0x02, 0x00, 0x50, 0x43, 0x4e, 0x01 };
	const u8 slot_mac[ARP_HLEN] = { 0x02, 0x50, 0x43, 0x49, 0x00, 0x07 };
	struct eth_pdata *pdata;
	struct udevice *dev;
	struct pcinet_ctrl c;
	u8 mac[ARP_HLEN];
	char name[16];
	int ret;

	ret = host_open(uts, &dev);
	if (ret)
		return ret;
	pdata = dev_get_plat(dev);
	ut_asserteq_mem(env_mac, pdata->enetaddr, ARP_HLEN);

	/* no address in the environment: the one of the slot */
	ut_assertok(device_remove(dev, DM_REMOVE_NORMAL));
	ut_assertok(set_mac_env(dev, NULL));
	ut_assertok(ofnode_write_u32(dev_ofnode(dev), "fsl,pcinet-slot", 7));
	ret = device_probe(dev);
	ofnode_write_u32(dev_ofnode(dev), "fsl,pcinet-slot", 0);
	ut_assertok(ret);
	ut_asserteq_mem(slot_mac, pdata->enetaddr, ARP_HLEN);
	snprintf(name, sizeof(name), "eth%daddr", dev_seq(dev));
	ut_asserteq_str("02:50:43:49:00:07", env_get(dev_seq(dev) ? name :
						     "ethaddr"));

	/* what start publishes to the host */
	ut_assertok(eth_get_ops(dev)->start(dev));
	ut_assertok(pcinet_os_host_bar_read(host.h, 0, &c, sizeof(c)));
	pcinet_mac_unpack(c.mac_lo, c.mac_hi, mac);
	ut_asserteq_mem(slot_mac, mac, ARP_HLEN);
	eth_get_ops(dev)->stop(dev);

	ut_assertok(set_mac_env(dev, TEST_MAC));
	return host_close(uts, 0);
}

DM_TEST(dm_test_pcinet_net_mac, UT_TESTF_SCAN_FDT | UT_TESTF_LIVE_TREE);
