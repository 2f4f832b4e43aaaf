// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pcinet-sim-board: a minimal board firmware for the simulated chassis.
 *
 * It stands in for U-Boot until the U-Boot drivers run in the sim: it does
 * what a board does at the register level - programs its PCI windows,
 * announces itself in its status word, serves the message-unit console
 * (echo, a few commands), publishes and withdraws the shared region on
 * command, and resets itself through RPR/RCR - using only include/pcinet/
 * and the sim library, like every other board-side component.
 *
 * Console commands: help, version, status, valid, invalid, reset, crash,
 * rogue MODE (misbehave on the network side on purpose; see board.h).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "board.h"

static volatile sig_atomic_t signalled_publish, signalled_withdraw;

u32 now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u32)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

void set_status(struct board *b, u32 flags)
{
	b->status = pcinet_status_make(PCINET_STATUS_SIG_BOARD, flags);
	pcinet_sim_write32(b->s, M83XX_MU_OMR1, b->status);
}

static unsigned int out_space(const struct board *b)
{
	return OUT_QUEUE - (b->out_head - b->out_tail);
}

static void out_put(struct board *b, const char *text, size_t len)
{
	size_t i;

	/* Like a UART with no cable: nobody listening, nothing kept */
	if (!(b->host_status & PCINET_UART_RX_ENABLED))
		return;
	for (i = 0; i < len && out_space(b); i++)
		b->out[b->out_head++ % OUT_QUEUE] = (u8)text[i];
}

void out_str(struct board *b, const char *text)
{
	out_put(b, text, strlen(text));
}

/* Send queued output while we hold the token */
static void console_tx(struct board *b)
{
	u8 buf[PCINET_CONS_MAX_BYTES];
	unsigned int n = 0;

	if (pcinet_cons_tx_check_stall(&b->tx, now_ms()))
		fprintf(stderr, "slot %u: host console stalled\n", b->slot);
	if (b->tx.stalled) {
		pcinet_cons_tx_discard(&b->tx, b->out_head - b->out_tail);
		b->out_tail = b->out_head;
		return;
	}
	if (!pcinet_cons_tx_ready(&b->tx) || b->out_head == b->out_tail)
		return;
	while (n < sizeof(buf) && b->out_tail != b->out_head)
		buf[n++] = b->out[b->out_tail++ % OUT_QUEUE];
	pcinet_sim_write32(b->s, M83XX_MU_OMR0,
			   pcinet_cons_tx_take(&b->tx, buf, n, now_ms()));
}

/*
 * RPR "RSTE", RCER until CRE, RCR: U-Boot's 83xx do_reset() order
 * (mpc83xx.h "Reset control"; an RCR write before CRE is lost). Returns
 * only if CRE stays clear for M83XX_RCER_CRE_WAIT_US.
 */
static void self_reset(struct board *b)
{
	u32 start = now_ms();

	pcinet_sim_write32(b->s, M83XX_RST_RPR, M83XX_RPR_UNLOCK);
	while (!(pcinet_sim_read32(b->s, M83XX_RST_RCER) & M83XX_RCER_CRE)) {
		if (now_ms() - start > M83XX_RCER_CRE_WAIT_US / 1000) {
			out_str(b, "reset: RCER[CRE] never set, not reset\r\n");
			return;
		}
		usleep(5);
	}
	pcinet_sim_write32(b->s, M83XX_RST_RCR, M83XX_RCR_SWHR);
	/* The CPU stops here; the supervisor ends this process */
	for (;;)
		pause();
}

const char *const rogue_names[ROGUE_MODES] = {
	[ROGUE_OFF] = "off", [ROGUE_LAYOUT] = "layout", [ROGUE_CONS] = "cons",
	[ROGUE_DONE] = "done", [ROGUE_CMPL] = "cmpl", [ROGUE_FLAGS] = "flags",
	[ROGUE_SPRAY] = "spray", [ROGUE_STUCK] = "stuck",
	[ROGUE_WINDOW] = "window",
};

static void set_rogue(struct board *b, const char *mode)
{
	char msg[160];
	int i;

	for (i = 0; i < ROGUE_MODES; i++) {
		if (!strcmp(mode, rogue_names[i])) {
			b->rogue = (enum rogue_mode)i;
			b->rogue_done = false;
			snprintf(msg, sizeof(msg), "rogue %s\r\n", rogue_names[i]);
			out_str(b, msg);
			return;
		}
	}
	out_str(b, "usage: rogue off|layout|cons|done|cmpl|flags|spray|stuck|window\r\n");
}

/*
 * Console command `ring HEX`: set those ODR bits, defined or not - a board
 * breaking section 5 on purpose (ffffffff reads like a board that is gone)
 */
static void ring_doorbells(struct board *b, const char *arg)
{
	char msg[64], *end;
	unsigned long bits = strtoul(arg, &end, 16);

	if (end == arg || *end || bits > 0xFFFFFFFFul) {
		out_str(b, "usage: ring HEX\r\n");
		return;
	}
	pcinet_sim_write32(b->s, M83XX_MU_ODR, (u32)bits);
	snprintf(msg, sizeof(msg), "rang 0x%08lx\r\n", bits);
	out_str(b, msg);
}

static void run_command(struct board *b, const char *cmd)
{
	char msg[160];

	if (!strcmp(cmd, "help")) {
		out_str(b, "commands: help version status valid invalid reset crash rogue dma ring\r\n");
	} else if (!strcmp(cmd, "version")) {
		snprintf(msg, sizeof(msg),
			 "pcinet-sim-board 1 protocol %u.%u slot %u epoch %u\r\n",
			 PCINET_VERSION_MAJOR, PCINET_VERSION_MINOR, b->slot,
			 pcinet_sim_epoch(b->s));
		out_str(b, msg);
	} else if (!strcmp(cmd, "status")) {
		snprintf(msg, sizeof(msg),
			 "status 0x%08x host 0x%08x generation %u net in %u out %u dropped %u errors %u\r\n",
			 b->status, b->host_status, b->generation,
			 b->net.frames_in, b->net.frames_out, b->net.dropped,
			 b->net.errors);
		out_str(b, msg);
	} else if (!strcmp(cmd, "valid")) {
		board_net_publish(b);
	} else if (!strcmp(cmd, "invalid")) {
		board_net_withdraw(b);
	} else if (!strcmp(cmd, "reset")) {
		board_net_withdraw(b);
		self_reset(b);
	} else if (!strncmp(cmd, "rogue", 5) && (!cmd[5] || cmd[5] == ' ')) {
		set_rogue(b, cmd[5] ? cmd + 6 : "");
	} else if (!strncmp(cmd, "dma ", 4)) {
		board_dma_test(b, cmd + 4);
	} else if (!strncmp(cmd, "ring ", 5)) {
		ring_doorbells(b, cmd + 5);
	} else if (!strcmp(cmd, "crash")) {
		abort();	/* no goodbye: registers stay as they are */
	} else if (cmd[0]) {
		snprintf(msg, sizeof(msg), "unknown command '%.100s'\r\n", cmd);
		out_str(b, msg);
	}
	out_str(b, "=> ");
}

static void console_byte(struct board *b, u8 c)
{
	char echo[2] = { (char)c, 0 };

	if (c == '\r' || c == '\n') {
		out_str(b, "\r\n");
		b->line[b->line_len] = 0;
		b->line_len = 0;
		run_command(b, b->line);
		return;
	}
	out_put(b, echo, 1);
	if (b->line_len < sizeof(b->line) - 1)
		b->line[b->line_len++] = (char)c;
}

static void console_rx(struct board *b)
{
	u8 bytes[PCINET_CONS_MAX_BYTES];
	unsigned int n, i;
	u32 msg;

	/* Clear first, then read, then ack: see docs/protocol.md */
	pcinet_sim_write32(b->s, M83XX_MU_IMISR, M83XX_IMI_IM0I);
	msg = pcinet_sim_read32(b->s, M83XX_MU_IMR0);
	n = pcinet_cons_rx_accept(&b->rx, msg, bytes);
	for (i = 0; i < n; i++)
		console_byte(b, bytes[i]);
	b->ack_owed = true;
}

static void host_status_changed(struct board *b)
{
	u32 old = b->host_status;

	pcinet_sim_write32(b->s, M83XX_MU_IMISR, M83XX_IMI_IM1I);
	b->host_status = pcinet_sim_read32(b->s, M83XX_MU_IMR1);
	pcinet_cons_tx_peer_back(&b->tx);
	if (!(old & PCINET_UART_RX_ENABLED) &&
	    (b->host_status & PCINET_UART_RX_ENABLED)) {
		char msg[64];

		snprintf(msg, sizeof(msg), "\r\npcinet-sim-board slot %u ready\r\n=> ",
			 b->slot);
		out_str(b, msg);
	}
}

static void service(struct board *b)
{
	u32 isr = pcinet_sim_read32(b->s, M83XX_MU_IMISR);
	u32 idr;

	/* Status before data: a restarted host is seen before its bytes */
	if (isr & M83XX_IMI_IM1I)
		host_status_changed(b);
	idr = pcinet_sim_read32(b->s, M83XX_MU_IDR);
	if (idr) {
		pcinet_sim_write32(b->s, M83XX_MU_IDR, idr);
		if (idr & PCINET_DB_CONS_ACK)
			pcinet_cons_tx_acked(&b->tx);
	}
	if ((isr & M83XX_IMI_IM0I) && !b->ack_owed)
		console_rx(b);
	if (signalled_publish) {
		signalled_publish = 0;
		board_net_publish(b);
	}
	if (signalled_withdraw) {
		signalled_withdraw = 0;
		board_net_withdraw(b);
	}
	board_net_service(b);
	/* Flow control: ack only with room for a whole message more */
	if (b->ack_owed && out_space(b) >= 2 * PCINET_CONS_MAX_BYTES + 8) {
		b->ack_owed = false;
		pcinet_sim_write32(b->s, M83XX_MU_ODR, PCINET_DB_CONS_ACK);
	}
	console_tx(b);
}

/*
 * What the first stage does (protocol 2.2, 7): inbound window 0 onto our RAM,
 * snooped since we read the region through our cache; outbound window 0
 * inside PCI local access window 0, without which its addresses never reach
 * PCI; the message unit and DMA unmasked in SIMSR_L, since we wait on our
 * interrupt line.
 */
static void setup_windows(struct board *b)
{
	pcinet_sim_write32(b->s, M83XX_PITAR0, b->cfg.ram_base >> 12);
	pcinet_sim_write32(b->s, M83XX_PIWAR0, M83XX_PIWAR_EN | M83XX_PIWAR_PF |
			   M83XX_PIWAR_SNOOP | m83xx_piwar_code(b->cfg.ram_size));
	pcinet_sim_write32(b->s, M83XX_PCILAWBAR(0),
			   OUTBOUND_LOCAL & M83XX_LAWBAR_MASK);
	pcinet_sim_write32(b->s, M83XX_PCILAWAR(0), M83XX_LAWAR_EN |
			   m83xx_piwar_code(OUTBOUND_SIZE));
	pcinet_sim_write32(b->s, M83XX_POBAR(0), OUTBOUND_LOCAL >> 12);
	pcinet_sim_write32(b->s, M83XX_POTAR(0), OUTBOUND_PCI >> 12);
	pcinet_sim_write32(b->s, M83XX_POCMR(0), M83XX_POCMR_EN |
			   M83XX_POCMR_CM(OUTBOUND_SIZE));
	pcinet_sim_write32(b->s, M83XX_IPIC_SIMSR_L,
			   M83XX_SIMSR_L_MU | M83XX_SIMSR_L_DMA);
}

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		signalled_publish = 1;
	else
		signalled_withdraw = 1;
}

int main(int argc, char **argv)
{
	struct pcinet_sim_chassis *ch;
	static struct board b;
	struct sigaction sa;
	struct pollfd pfd;
	bool valid = false;

	if (argc == 4 && !strcmp(argv[1], "--valid")) {
		valid = true;
		argv++;
		argc--;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: %s [--valid] CHASSIS_DIR SLOT\n"
			"  --valid  publish the shared region at once\n"
			"  SIGUSR1 publishes it, SIGUSR2 withdraws it (orderly stop)\n",
			argv[0]);
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	ch = pcinet_sim_chassis_open(argv[1]);
	if (!ch) {
		fprintf(stderr, "%s: cannot open chassis %s: %s\n", argv[0],
			argv[1], strerror(errno));
		return 1;
	}
	b.ch = ch;
	pcinet_sim_chassis_get_config(ch, &b.cfg);
	b.slot = (unsigned int)strtoul(argv[2], NULL, 10);
	b.s = pcinet_sim_slot_open(ch, b.slot, PCINET_SIM_BOARD);
	if (!b.s) {
		fprintf(stderr, "%s: cannot open slot %s: %s\n", argv[0],
			argv[2], strerror(errno));
		return 1;
	}
	pcinet_cons_tx_init(&b.tx);
	pcinet_cons_rx_init(&b.rx);
	setup_windows(&b);
	b.host_status = pcinet_sim_read32(b.s, M83XX_MU_IMR1);
	set_status(&b, PCINET_UART_RX_ENABLED);
	/*
	 * A console (re)start acks exactly once: by taking a waiting host
	 * message, or with a bare ack that gives a host whose message died
	 * with our predecessor its token back.
	 */
	if (!(pcinet_sim_read32(b.s, M83XX_MU_IMISR) & M83XX_IMI_IM0I))
		b.ack_owed = true;
	if (valid)
		board_net_publish(&b);
	pfd.fd = pcinet_sim_irq_fd(b.s);
	pfd.events = POLLIN;
	for (;;) {
		if (poll(&pfd, 1, 20) < 0 && errno != EINTR)
			return 1;
		pcinet_sim_irq_drain(b.s);
		service(&b);
	}
}
