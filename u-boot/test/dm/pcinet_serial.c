// SPDX-License-Identifier: GPL-2.0+
/*
 * Tests for the PCINet console (drivers/serial/pcinet_serial.c).
 *
 * The test plays the PCI host of the simulated chassis in-process, through
 * the host side of the slot (asm/pcinet-os.h): it reads OMR0 and ODR, writes
 * IMR0, IMR1 and IDR, as a host console driver would. The tests are skipped
 * when the process has no chassis (PCINET_SIM_DIR, PCINET_SIM_SLOT unset);
 * tests/py/test_uboot_serial.py runs them on one.
 */

#include <common.h>
#include <dm.h>
#include <errno.h>
#include <pcinet_hw.h>
#include <serial.h>
#include <time.h>
#include <asm/pcinet-os.h>
#include <dm/device-internal.h>
#include <dm/uclass-internal.h>
#include <dm/test.h>
#include <pcinet/mpc83xx.h>
#include <pcinet/pcinet_console.h>
#include <test/test.h>
#include <test/ut.h>

#define TEST_DEV	"pcinet-serial-test"
#define HOST_UART	pcinet_status_make(PCINET_STATUS_SIG_HOST, \
					   PCINET_UART_RX_ENABLED)

/* One test's view of the slot: the host's handle, the board's device */
struct pser {
	void *host;
	struct udevice *dev;
	struct pcinet_hw *hw;		/* the board side, for clean-up only */
	const struct dm_serial_ops *ops;
};

static u32 host_read(struct pser *p, u32 reg)
{
	return pcinet_os_host_read32(p->host, reg);
}

static void host_write(struct pser *p, u32 reg, u32 val)
{
	pcinet_os_host_write32(p->host, reg, val);
}

/* The board's message: OM0I cleared first, then OMR0 read; 0 if none */
static u32 host_recv(struct pser *p)
{
	if (!(host_read(p, M83XX_MU_OMISR) & M83XX_OMI_OM0I))
		return 0;
	host_write(p, M83XX_MU_OMISR, M83XX_OMI_OM0I);

	return host_read(p, M83XX_MU_OMR0);
}

static void host_ack(struct pser *p)
{
	host_write(p, M83XX_MU_IDR, PCINET_DB_CONS_ACK);
}

/* Did the board ring its ack doorbell? Clears it (W1C) */
static bool host_acked(struct pser *p)
{
	if (!(host_read(p, M83XX_MU_ODR) & PCINET_DB_CONS_ACK))
		return false;
	host_write(p, M83XX_MU_ODR, PCINET_DB_CONS_ACK);

	return true;
}

static void host_send(struct pser *p, const char *s, unsigned int len,
		      bool seq, bool first)
{
	u32 msg = pcinet_cons_encode((const u8 *)s, len, seq);

	host_write(p, M83XX_MU_IMR0, first ? msg | PCINET_CONS_FIRST : msg);
}

static u32 board_status(struct pser *p)
{
	return host_read(p, M83XX_MU_OMR1);
}

/*
 * Bring the slot to a known state (what a previous test left is cleaned up
 * on both sides), let the host write @host_status, then probe the console.
 * Returns -EAGAIN (skip) without a chassis.
 */
static int pser_start(struct unit_test_state *uts, struct pser *p,
		      u32 host_status, bool probe)
{
	u32 v;

	p->host = NULL;
	p->dev = NULL;
	if (pcinet_os_host_open(&p->host)) {
		p->host = NULL;
		return -EAGAIN;
	}
	ut_assertok(uclass_find_device_by_name(UCLASS_SERIAL, TEST_DEV,
					       &p->dev));
	/* Each run starts the console afresh */
	ut_assertok(device_remove(p->dev, DM_REMOVE_NORMAL));
	ut_assertok(pcinet_hw_get(p->dev, &p->hw));
	p->ops = serial_get_ops(p->dev);

	/* Board side: no stale interrupt state, no flags in the status */
	pcinet_hw_write(p->hw, M83XX_MU_IMISR, M83XX_IMI_IM0I | M83XX_IMI_IM1I);
	v = pcinet_hw_read(p->hw, M83XX_MU_IDR);
	if (v)
		pcinet_hw_write(p->hw, M83XX_MU_IDR, v);
	pcinet_hw_status_update(p->hw, 0, PCINET_STATUS_FLAGS_MASK);
	/* Host side */
	host_write(p, M83XX_MU_OMISR, M83XX_OMI_OM0I | M83XX_OMI_OM1I);
	v = host_read(p, M83XX_MU_ODR);
	if (v)
		host_write(p, M83XX_MU_ODR, v);
	host_write(p, M83XX_MU_IMR1, host_status);

	if (probe)
		ut_assertok(device_probe(p->dev));

	return 0;
}

static void pser_end(struct pser *p)
{
	if (p->dev)
		device_remove(p->dev, DM_REMOVE_NORMAL);
	if (p->host)
		pcinet_os_host_close(p->host);
}

/* Run fn between pser_start() and pser_end(), whatever fn returns */
static int pser_run(struct unit_test_state *uts, u32 host_status, bool probe,
		    int (*fn)(struct unit_test_state *uts, struct pser *p))
{
	struct pser p;
	int ret;

	ret = pser_start(uts, &p, host_status, probe);
	if (!ret)
		ret = fn(uts, &p);
	if (!ret)
		ut_asserteq(0, pcinet_os_violations(p.host));
	pser_end(&p);

	return ret;
}

/* Console start: status, one ack, stale doorbells of our own bit only */
static int start_plain(struct unit_test_state *uts, struct pser *p)
{
	/* Leftovers: our stale ack and a network doorbell (not ours) */
	host_write(p, M83XX_MU_IDR, PCINET_DB_CONS_ACK | PCINET_DB_NET_KICK);
	ut_assertok(device_probe(p->dev));

	ut_assert(pcinet_status_compatible(board_status(p),
					   PCINET_STATUS_SIG_BOARD));
	ut_assert(board_status(p) & PCINET_UART_RX_ENABLED);
	/* Exactly one ack: it gives a host that lost its token the token */
	ut_assert(host_acked(p));
	ut_assert(!host_acked(p));
	ut_asserteq(PCINET_DB_NET_KICK, host_read(p, M83XX_MU_IDR));
	/* Nothing sent yet, nothing received */
	ut_asserteq(0, host_recv(p));
	ut_asserteq(0, p->ops->pending(p->dev, true));
	ut_asserteq(0, p->ops->pending(p->dev, false));
	ut_asserteq(0, p->ops->setbrg(p->dev, 115200));

	return 0;
}

/* Console start with a host message waiting: taken, delivered, one ack */
static int start_drain(struct unit_test_state *uts, struct pser *p)
{
	host_send(p, "ok", 2, false, true);
	ut_assertok(device_probe(p->dev));

	ut_assert(host_acked(p));
	ut_assert(!host_acked(p));
	ut_asserteq(2, p->ops->pending(p->dev, true));
	ut_asserteq('o', p->ops->getc(p->dev));
	ut_asserteq('k', p->ops->getc(p->dev));
	ut_asserteq(-EAGAIN, p->ops->getc(p->dev));
	ut_assert(!host_acked(p));

	return 0;
}

static int dm_test_pcinet_serial_start(struct unit_test_state *uts)
{
	int ret;

	ret = pser_run(uts, HOST_UART, false, start_plain);
	if (!ret)
		ret = pser_run(uts, HOST_UART, false, start_drain);

	return ret;
}

DM_TEST(dm_test_pcinet_serial_start, UT_TESTF_SCAN_FDT);

/* Board -> host: token, FIRST, seq, three bytes a message */
static int tx_messages(struct unit_test_state *uts, struct pser *p)
{
	u8 buf[PCINET_CONS_MAX_BYTES];
	u32 msg;

	host_acked(p);
	/* The uclass writes the empty text before a newline: no message */
	ut_asserteq(0, p->ops->puts(p->dev, "", 0));
	ut_asserteq(0, host_recv(p));
	ut_asserteq(3, p->ops->puts(p->dev, "hello", 5));
	msg = host_recv(p);
	ut_asserteq(3, pcinet_cons_decode(msg, buf));
	ut_asserteq_mem("hel", buf, 3);
	ut_assert(pcinet_cons_first(msg));
	ut_assert(!pcinet_cons_seq(msg));

	/* The host has the token: nothing more goes out until it acks */
	ut_asserteq(1, p->ops->pending(p->dev, false));
	ut_asserteq(0, p->ops->puts(p->dev, "lo", 2));
	ut_asserteq(-EAGAIN, p->ops->putc(p->dev, '!'));
	ut_asserteq(0, host_recv(p));

	/* The ack comes with a network doorbell, which is not the console's */
	host_write(p, M83XX_MU_IDR, PCINET_DB_CONS_ACK | PCINET_DB_NET_KICK);
	ut_asserteq(2, p->ops->puts(p->dev, "lo", 2));
	ut_asserteq(PCINET_DB_NET_KICK, host_read(p, M83XX_MU_IDR));
	pcinet_hw_write(p->hw, M83XX_MU_IDR, PCINET_DB_NET_KICK);
	msg = host_recv(p);
	ut_asserteq(2, pcinet_cons_decode(msg, buf));
	ut_asserteq_mem("lo", buf, 2);
	ut_assert(!pcinet_cons_first(msg));
	ut_assert(pcinet_cons_seq(msg));

	host_ack(p);
	ut_asserteq(0, p->ops->putc(p->dev, '!'));
	msg = host_recv(p);
	ut_asserteq(1, pcinet_cons_decode(msg, buf));
	ut_asserteq('!', buf[0]);
	ut_assert(!pcinet_cons_seq(msg));
	host_ack(p);
	ut_asserteq(0, p->ops->pending(p->dev, false));
	/* The console never rang a doorbell for its own output */
	ut_assert(!host_acked(p));

	return 0;
}

/* Host -> board: ack after each message, duplicates dropped but acked */
static int rx_messages(struct unit_test_state *uts, struct pser *p)
{
	host_acked(p);
	host_send(p, "abc", 3, false, true);
	ut_asserteq(3, p->ops->pending(p->dev, true));
	/* Status bit cleared before the read, ack rung: room for more */
	ut_assert(!(host_read(p, M83XX_MU_IMISR) & M83XX_IMI_IM0I));
	ut_assert(host_acked(p));
	ut_asserteq('a', p->ops->getc(p->dev));

	/* The same seq again without FIRST: a duplicate, still acked */
	host_send(p, "abc", 3, false, false);
	ut_asserteq(2, p->ops->pending(p->dev, true));
	ut_assert(host_acked(p));

	host_send(p, "de", 2, true, false);
	ut_asserteq('b', p->ops->getc(p->dev));
	ut_asserteq('c', p->ops->getc(p->dev));
	ut_asserteq('d', p->ops->getc(p->dev));
	ut_asserteq('e', p->ops->getc(p->dev));
	ut_assert(host_acked(p));
	ut_asserteq(-EAGAIN, p->ops->getc(p->dev));

	/* A restarted host begins with FIRST, and may repeat the seq */
	host_send(p, "\r", 1, true, true);
	ut_asserteq('\r', p->ops->getc(p->dev));
	ut_assert(host_acked(p));
	/* A message with no bytes is ignored, and acked */
	host_write(p, M83XX_MU_IMR0, 0);
	ut_asserteq(0, p->ops->pending(p->dev, true));
	ut_assert(host_acked(p));

	return 0;
}

static int dm_test_pcinet_serial_msg(struct unit_test_state *uts)
{
	int ret;

	ret = pser_run(uts, HOST_UART, true, tx_messages);
	if (!ret)
		ret = pser_run(uts, HOST_UART, true, rx_messages);

	return ret;
}

DM_TEST(dm_test_pcinet_serial_msg, UT_TESTF_SCAN_FDT);

/* No host console: output discarded at once, nothing written, no ack */
static int nohost(struct unit_test_state *uts, struct pser *p)
{
	char line[200];
	ulong start = get_timer(0);
	int i;

	memset(line, 'x', sizeof(line));
	/* No bare ack at start for an absent host */
	ut_assert(!host_acked(p));
	for (i = 0; i < 100; i++) {
		ut_asserteq(sizeof(line),
			    p->ops->puts(p->dev, line, sizeof(line)));
		ut_asserteq(0, p->ops->putc(p->dev, 'y'));
	}
	ut_assert(get_timer(start) < PCINET_CONS_STALL_MS);
	ut_asserteq(0, host_read(p, M83XX_MU_OMISR) & M83XX_OMI_OM0I);
	ut_asserteq(0, p->ops->pending(p->dev, false));

	return 0;
}

/* A host status without UART_RX_ENABLED, then one that sets it */
static int host_late(struct unit_test_state *uts, struct pser *p)
{
	u8 buf[PCINET_CONS_MAX_BYTES];
	u32 msg;

	ut_asserteq(5, p->ops->puts(p->dev, "early", 5));
	ut_asserteq(0, host_read(p, M83XX_MU_OMISR) & M83XX_OMI_OM0I);
	host_write(p, M83XX_MU_IMR1, HOST_UART);
	ut_asserteq(1, p->ops->puts(p->dev, "x", 1));
	msg = host_recv(p);
	ut_asserteq(1, pcinet_cons_decode(msg, buf));
	ut_asserteq('x', buf[0]);
	ut_assert(pcinet_cons_first(msg));
	host_ack(p);

	return 0;
}

static int dm_test_pcinet_serial_nohost(struct unit_test_state *uts)
{
	u32 other_major = PCINET_STATUS_SIG_HOST | PCINET_UART_RX_ENABLED |
		((PCINET_VERSION_MAJOR + 1) << PCINET_STATUS_VERSION_SHIFT);
	u32 no_uart = pcinet_status_make(PCINET_STATUS_SIG_HOST, 0);
	int ret;

	ret = pser_run(uts, 0, true, nohost);
	if (!ret)
		ret = pser_run(uts, other_major, true, nohost);
	if (!ret)
		ret = pser_run(uts, no_uart, true, host_late);

	return ret;
}

DM_TEST(dm_test_pcinet_serial_nohost, UT_TESTF_SCAN_FDT);

/* The host's next message must be these bytes; FIRST as given */
static int expect_msg(struct unit_test_state *uts, struct pser *p,
		      const char *want, bool first)
{
	u8 buf[PCINET_CONS_MAX_BYTES];
	unsigned int n = strlen(want);
	u32 msg = host_recv(p);

	ut_assert(msg);
	ut_asserteq(n, pcinet_cons_decode(msg, buf));
	ut_asserteq_mem(want, buf, n);
	ut_asserteq(first, pcinet_cons_first(msg));
	return 0;
}

/*
 * A host that stops acking: one stall, then output is kept (protocol 9.2
 * sender rule 3) and nothing waits; it goes out first, in order, when the
 * host writes its status again or acks late. What overflows is discarded.
 */
static int stall(struct unit_test_state *uts, struct pser *p)
{
	char big[3000];
	unsigned int i, n, got = 0;
	u8 buf[PCINET_CONS_MAX_BYTES];
	u32 msg;

	host_acked(p);
	ut_asserteq(1, p->ops->puts(p->dev, "a", 1));
	ut_assert(host_recv(p));
	ut_asserteq(0, p->ops->puts(p->dev, "b", 1));
	timer_test_add_offset(PCINET_CONS_STALL_MS);
	/* Stalled: kept, nothing waits any more */
	ut_asserteq(3, p->ops->puts(p->dev, "bcd", 3));
	ut_asserteq(0, p->ops->putc(p->dev, 'e'));
	ut_asserteq(0, p->ops->pending(p->dev, false));
	ut_asserteq(0, host_recv(p));

	/* The host writes its status again: a new sequence, kept bytes first */
	host_write(p, M83XX_MU_IMR1, HOST_UART | PCINET_NET_RXINT_OFF);
	ut_asserteq(0, p->ops->puts(p->dev, "f", 1));
	ut_assertok(expect_msg(uts, p, "bcd", true));
	host_ack(p);
	ut_asserteq(0, p->ops->puts(p->dev, "f", 1));
	ut_assertok(expect_msg(uts, p, "e", false));
	host_ack(p);
	ut_asserteq(1, p->ops->puts(p->dev, "f", 1));
	ut_assertok(expect_msg(uts, p, "f", false));

	/* Stalled again; the late ack resumes the sequence with what was kept */
	timer_test_add_offset(PCINET_CONS_STALL_MS);
	ut_asserteq(1, p->ops->puts(p->dev, "g", 1));
	ut_asserteq(0, host_recv(p));
	host_ack(p);
	ut_asserteq(0, p->ops->puts(p->dev, "h", 1));
	ut_assertok(expect_msg(uts, p, "g", false));
	host_ack(p);
	ut_asserteq(1, p->ops->puts(p->dev, "h", 1));
	ut_assertok(expect_msg(uts, p, "h", false));

	/* More than the board keeps: the oldest 2048 bytes come, then "z" */
	timer_test_add_offset(PCINET_CONS_STALL_MS);
	for (i = 0; i < sizeof(big); i++)
		big[i] = 'A' + i % 26;
	ut_asserteq(sizeof(big), p->ops->puts(p->dev, big, sizeof(big)));
	ut_asserteq(0, host_recv(p));
	host_ack(p);
	/* waiting for input is when kept output drains */
	for (i = 0; i < 1000 && got < sizeof(big); i++) {
		p->ops->pending(p->dev, true);
		msg = host_recv(p);
		if (!msg)
			break;
		ut_asserteq(0, pcinet_cons_first(msg));
		n = pcinet_cons_decode(msg, buf);
		ut_assert(got + n <= 2048);
		ut_asserteq_mem(big + got, buf, n);
		got += n;
		host_ack(p);
	}
	ut_asserteq(2048, got);
	ut_asserteq(1, p->ops->puts(p->dev, "z", 1));
	ut_assertok(expect_msg(uts, p, "z", false));
	host_ack(p);

	return 0;
}

static int dm_test_pcinet_serial_stall(struct unit_test_state *uts)
{
	return pser_run(uts, HOST_UART, true, stall);
}

DM_TEST(dm_test_pcinet_serial_stall, UT_TESTF_SCAN_FDT);

/*
 * Flow control, host -> board: the host sends whenever it has the token,
 * U-Boot reads slowly; the acks stop while the buffer is full and not a
 * byte is lost or repeated.
 */
static int flow_in(struct unit_test_state *uts, struct pser *p)
{
	unsigned int sent = 0, got = 0, held = 0, total = 3000;
	bool token = true, seq = false, first = true;
	char chunk[PCINET_CONS_MAX_BYTES];
	unsigned int i;
	int ch, round;

	host_acked(p);
	for (round = 0; got < total && round < 100000; round++) {
		if (host_acked(p))
			token = true;
		if (token && sent < total) {
			unsigned int n = min(total - sent,
					     (unsigned int)sizeof(chunk));

			for (i = 0; i < n; i++)
				chunk[i] = (char)((sent + i) % 251);
			host_send(p, chunk, n, seq, first);
			sent += n;
			seq = !seq;
			first = false;
			token = false;
		} else if (!token) {
			held++;
		}
		/* U-Boot reads one byte every fourth round */
		if (round % 4)
			continue;
		ch = p->ops->getc(p->dev);
		if (ch == -EAGAIN)
			continue;
		ut_asserteq(got % 251, ch);
		got++;
	}
	ut_asserteq(total, got);
	/* The board did make the host wait */
	ut_assert(held > 0);

	return 0;
}

/* Flow control, board -> host: every byte once, in order */
static int flow_out(struct unit_test_state *uts, struct pser *p)
{
	char text[1000];
	u8 buf[PCINET_CONS_MAX_BYTES];
	unsigned int off = 0, got = 0, n, i;
	int round, ret;
	u32 msg;

	host_acked(p);
	for (i = 0; i < sizeof(text); i++)
		text[i] = (char)(i % 253);
	for (round = 0; got < sizeof(text) && round < 100000; round++) {
		if (off < sizeof(text)) {
			ret = p->ops->puts(p->dev, text + off,
					   sizeof(text) - off);
			ut_assert(ret >= 0 && ret <= PCINET_CONS_MAX_BYTES);
			off += ret;
		}
		/* The host takes a message every other round */
		if (round % 2)
			continue;
		msg = host_recv(p);
		if (!msg)
			continue;
		n = pcinet_cons_decode(msg, buf);
		for (i = 0; i < n; i++)
			ut_asserteq((u8)text[got + i], buf[i]);
		got += n;
		host_ack(p);
	}
	ut_asserteq(sizeof(text), got);

	return 0;
}

static int dm_test_pcinet_serial_flow(struct unit_test_state *uts)
{
	int ret;

	ret = pser_run(uts, HOST_UART, true, flow_in);
	if (!ret)
		ret = pser_run(uts, HOST_UART, true, flow_out);

	return ret;
}

DM_TEST(dm_test_pcinet_serial_flow, UT_TESTF_SCAN_FDT);

/* OS handoff: UART_RX_ENABLED cleared, bounded wait, then gone quietly */
static int handoff(struct unit_test_state *uts, struct pser *p)
{
	ulong start;

	/* Output acked, input typed that U-Boot never read */
	host_acked(p);
	ut_asserteq(1, p->ops->puts(p->dev, "y", 1));
	ut_assert(host_recv(p));
	host_ack(p);
	host_send(p, "n", 1, false, true);
	start = get_timer(0);
	ut_assertok(device_remove(p->dev, DM_REMOVE_OS_PREPARE));
	ut_assert(get_timer(start) < PCINET_CONS_HANDOFF_MS);
	ut_assert(!(board_status(p) & PCINET_UART_RX_ENABLED));
	ut_assert(pcinet_status_compatible(board_status(p),
					   PCINET_STATUS_SIG_BOARD));
	/* The host's message stays in IMR0 for the next console */
	ut_assert(host_read(p, M83XX_MU_IMISR) & M83XX_IMI_IM0I);
	ut_assert(!host_acked(p));

	/* The next console takes it, with one ack */
	ut_assertok(device_probe(p->dev));
	ut_assert(board_status(p) & PCINET_UART_RX_ENABLED);
	ut_asserteq('n', p->ops->getc(p->dev));
	ut_assert(host_acked(p));
	ut_assert(!host_acked(p));

	/* A host that never acks: the wait ends after PCINET_CONS_HANDOFF_MS */
	ut_asserteq(1, p->ops->puts(p->dev, "z", 1));
	ut_assert(host_recv(p));
	start = get_timer(0);
	ut_assertok(device_remove(p->dev, DM_REMOVE_OS_PREPARE));
	ut_assert(get_timer(start) >= PCINET_CONS_HANDOFF_MS);
	ut_assert(get_timer(start) < PCINET_CONS_STALL_MS);
	ut_assert(!(board_status(p) & PCINET_UART_RX_ENABLED));
	/* Output after the handoff goes nowhere and hangs nothing */
	ut_asserteq(0, p->ops->putc(p->dev, 'q'));
	ut_asserteq(1, p->ops->puts(p->dev, "q", 1));
	ut_asserteq(0, p->ops->pending(p->dev, false));
	ut_asserteq(0, host_recv(p));

	return 0;
}

static int dm_test_pcinet_serial_handoff(struct unit_test_state *uts)
{
	return pser_run(uts, HOST_UART, true, handoff);
}

DM_TEST(dm_test_pcinet_serial_handoff, UT_TESTF_SCAN_FDT);
