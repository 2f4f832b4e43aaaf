// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-net: pcinetd's handling of everything a board writes, against a
 * board that lies. Built with AddressSanitizer and UBSan.
 *
 * The host side is the daemon's own code (slot.c, net.c, console.c) on the
 * simulated hardware (libpcinetsim, the real model with its checker); the
 * board side is this harness. It follows the handshake's rules - publish,
 * withdraw, reset, as a board may - but writes random, half-random or
 * plausible-but-wrong values wherever the board writes data: the control
 * block, the host area's indices and completions. Frames come in from a
 * socketpair standing in for the TAP.
 *
 * After every step it checks what must hold whatever the board does: no
 * checker violation (the host never touched BAR1 without its lease, never
 * outside the window), the host's ring shadows inside their bounds, the
 * lease held exactly while attached. ASan/UBSan abort on any bad access.
 *
 * usage: fuzz-net [--iterations N] [--seed S] [--seconds T] [--log FILE]
 * The daemon's own log lines (every refusal, every misbehaviour) go to FILE
 * (default: nowhere); sanitizer reports always go to stderr.
 * Exit 0: all held; 1: an invariant broke (message says which and the seed).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <pcinet/pcinet_ring.h>

#include "loop.h"
#include "slot.h"
#include "util.h"

#define SLOTS		2
#define BOARD_SLOT	1
#define WIN_PCI		0x00000000ull	/* the board's outbound window */
#define WIN_SIZE	0x40000000ull

static u64 rng_state;
static unsigned long long seed;
static unsigned long iteration;

static u32 rnd(void)
{
	/* xorshift64*: reproducible from the seed alone */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (u32)((rng_state * 0x2545F4914F6CDD1Dull) >> 32);
}

static u32 below(u32 n)
{
	return n ? rnd() % n : 0;
}

static bool chance(unsigned int percent)
{
	return below(100) < percent;
}

/* A word that is often near a boundary, sometimes anything */
static u32 nasty(u32 near)
{
	switch (below(6)) {
	case 0: return rnd();
	case 1: return near;
	case 2: return near + 1;
	case 3: return near - 1;
	case 4: return near + below(8);
	default: return ~0u - below(4);
	}
}

struct board {
	struct pcinet_sim_chassis *ch;
	struct pcinet_sim_slot *s;
	struct pcinet_sim_config cfg;
	u8 *ram;
	u8 *host_mem;
	u32 status;
	u32 generation;
	/* the host area the host gave us (offset into host memory), if any */
	bool attached;
	u64 area;
	u32 b2h_len, h2b_len, max_frame;
	u32 h2b_cons, b2h_done;
};

/*
 * Frames the board sent honestly: a header {FRAME_MAGIC, seq} and seq's low
 * byte after it. The receiving end checks every frame the host delivers
 * against this, so a host that hands over a wrong buffer, a wrong length or
 * a frame the board never completed is caught, not only one that crashes.
 */
#define FRAME_MAGIC	0x5046524dU
#define SENT_LOG	4096
static u32 sent_len[SENT_LOG];
static u32 next_seq = 1, last_seq_seen;
/*
 * The board wrote an index the host cannot tell from a true one (inside
 * [seen, posted]): the host may then deliver stale buffers, and only the
 * bounds are checked until the next attach.
 */
static bool lied;

static struct slot host;
static struct board brd;
static int frames_fd;		/* our end of the host's "TAP" */

static char dir[] = "/tmp/pcinet-fuzz-XXXXXX";

static void fail(const char *what)
{
	fprintf(stderr, "fuzz-net: FAILED at iteration %lu (seed %llu): %s\n",
		iteration, seed, what);
	/* the console symlink, then the chassis: nothing left in /tmp */
	console_close(&host);
	pcinet_sim_chassis_destroy(dir);
	rmdir(dir);
	exit(1);
}

static void board_status(u32 flags)
{
	brd.status = pcinet_status_make(PCINET_STATUS_SIG_BOARD, flags);
	pcinet_sim_write32(brd.s, M83XX_MU_OMR1, brd.status);
}

static void board_open(void)
{
	brd.s = pcinet_sim_slot_open(brd.ch, BOARD_SLOT, PCINET_SIM_BOARD);
	if (!brd.s)
		fail("cannot open the board side");
	brd.ram = pcinet_sim_board_ram(brd.s);
	pcinet_sim_write32(brd.s, M83XX_PITAR0, brd.cfg.ram_base >> 12);
	/* snooped, as 2.2 board rule 4 says for a board that caches it */
	pcinet_sim_write32(brd.s, M83XX_PIWAR0, M83XX_PIWAR_EN | M83XX_PIWAR_PF |
			   M83XX_PIWAR_SNOOP |
			   m83xx_piwar_code(brd.cfg.ram_size));
	brd.attached = false;
	board_status(PCINET_UART_RX_ENABLED);
}

/* Let the host see what the board did: its interrupt, maybe a tick */
static void host_runs(void)
{
	slot_irq(&host);
	if (chance(20))
		slot_tick(&host, now_ms() + HOST_POLL_MS);
}

static void withdraw(void);
static void drain_frames(void);

static void publish(void)
{
	struct pcinet_ctrl *c = (struct pcinet_ctrl *)brd.ram;
	struct pcinet_window win = { WIN_PCI, WIN_SIZE };
	u32 h2b = 2u << below(8), b2h = 2u << below(8);
	u32 *w = (u32 *)c;
	unsigned int i, n;

	if (brd.status & PCINET_NET_REGISTERS_VALID)
		withdraw();	/* rule 1: the board part changes only while invalid */
	if (!++brd.generation)
		brd.generation = 1;
	memset(c, 0, PCINET_CTRL_SIZE);
	pcinet_layout_default(c, brd.cfg.ram_size, h2b, b2h,
			      PCINET_FRAME_MIN + below(PCINET_FRAME_MAX_V1),
			      brd.generation, &win);
	if (chance(40)) {	/* lie about the layout */
		n = 1 + below(4);
		for (i = 0; i < n; i++) {
			unsigned int f = below(16);

			w[f] = cpu_to_le32(nasty(le32_to_cpu(w[f])));
		}
	}
	if (chance(5))		/* a DMA window that misses host memory */
		c->dma_size = cpu_to_le32(0x1000);
	brd.h2b_len = le32_to_cpu(c->h2b_ring_len);
	brd.b2h_len = le32_to_cpu(c->b2h_ring_len);
	brd.max_frame = le32_to_cpu(c->max_frame);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	board_status(PCINET_UART_RX_ENABLED | PCINET_NET_REGISTERS_VALID |
		     (chance(50) ? PCINET_NET_RXINT_OFF : 0));
}

/* The board's side of an attach, when the host part says so (10.2) */
static void maybe_attach(void)
{
	struct pcinet_ctrl *c = (struct pcinet_ctrl *)brd.ram;
	u32 imr1 = pcinet_sim_read32(brd.s, M83XX_MU_IMR1);
	u64 area = ((u64)le32_to_cpu(c->host_area_hi) << 32) |
		   le32_to_cpu(c->host_area_lo);
	struct pcinet_window win = { WIN_PCI, WIN_SIZE };
	u32 size = le32_to_cpu(c->host_area_size);

	if (brd.attached || !(brd.status & PCINET_NET_REGISTERS_VALID) ||
	    !(imr1 & PCINET_NET_STATUS_RUNNING) ||
	    le32_to_cpu(c->host_magic) != PCINET_MAGIC ||
	    le32_to_cpu(c->generation_ack) != brd.generation)
		return;
	/* a board checks the host area; b2h_len may be a lie of ours */
	if (brd.b2h_len > PCINET_MAX_RING ||
	    !pcinet_host_area_ok(area, size, brd.b2h_len, &win) ||
	    area < brd.cfg.host_mem_bus ||
	    area - brd.cfg.host_mem_bus + size > brd.cfg.host_mem_size)
		return;
	brd.area = area - brd.cfg.host_mem_bus;
	brd.h2b_cons = brd.b2h_done = 0;
	drain_frames();		/* what the last attach delivered, as it was */
	lied = false;
	memset(brd.host_mem + brd.area, 0, 12);
	*(__le32 *)(brd.host_mem + brd.area + 8) = cpu_to_le32(brd.generation);
	brd.attached = true;
	board_status((brd.status & PCINET_STATUS_FLAGS_MASK) |
		     PCINET_NET_STATUS_RUNNING);
}

static void area_write(u32 off, u32 val)
{
	__atomic_store_n((__le32 *)(brd.host_mem + brd.area + off),
			 cpu_to_le32(val), __ATOMIC_RELEASE);
}

/*
 * What a board does with the b2h buffer in ring slot `slot`: check the
 * descriptor (as in 8.4), DMA a patterned frame into it. Returns its length,
 * or 0 when the descriptor is no good (the completion then says ERR).
 */
static u32 send_honest(u32 slot)
{
	struct pcinet_ctrl *c = (struct pcinet_ctrl *)brd.ram;
	struct pcinet_window win = { WIN_PCI, WIN_SIZE };
	struct pcinet_desc d;
	u32 off = le32_to_cpu(c->b2h_ring_off), len, seq;
	u64 addr;
	u8 *p;

	if (off > brd.cfg.ram_size ||
	    (u64)off + PCINET_DESC_SIZE * (u64)(slot + 1) > brd.cfg.ram_size)
		return 0;
	memcpy(&d, brd.ram + off + PCINET_DESC_SIZE * slot, sizeof(d));
	len = 8 + below(brd.max_frame - 8 + 1);
	if (pcinet_desc_check(&d, false, brd.max_frame, &win) != PCINET_DESC_OK ||
	    len > le32_to_cpu(d.len))
		return 0;
	addr = pcinet_desc_addr(&d);
	if (addr < brd.cfg.host_mem_bus ||
	    addr - brd.cfg.host_mem_bus + len > brd.cfg.host_mem_size)
		return 0;
	p = brd.host_mem + (addr - brd.cfg.host_mem_bus);
	seq = next_seq++;
	sent_len[seq % SENT_LOG] = len;
	*(__le32 *)p = cpu_to_le32(FRAME_MAGIC);
	*(__le32 *)(p + 4) = cpu_to_le32(seq);
	memset(p + 8, (int)(seq & 0xFF), len - 8);
	return len;
}

/* One thing a board could write into the host area, right or wrong */
static void scribble(void)
{
	struct pcinet_ctrl *c = (struct pcinet_ctrl *)brd.ram;
	u32 h2b_prod = le32_to_cpu(c->h2b_prod);
	u32 b2h_prod = le32_to_cpu(c->b2h_prod);
	u32 slot, len, flags;

	if (!brd.attached)	/* a board DMAs only while RUNNING (10.1 rule 3) */
		return;
	switch (below(6)) {
	case 0:	/* honest h2b progress */
		if (h2b_prod != brd.h2b_cons)
			brd.h2b_cons += 1 + below(h2b_prod - brd.h2b_cons);
		area_write(0, brd.h2b_cons);
		break;
	case 1:	/* a b2h frame: honest, too long, or with odd flags */
		if (b2h_prod == brd.b2h_done || !brd.b2h_len ||
		    brd.b2h_len > PCINET_MAX_RING)
			break;
		slot = pcinet_ring_slot(brd.b2h_done, brd.b2h_len);
		if (chance(80)) {
			len = send_honest(slot);
			flags = len ? 0 : PCINET_CMPL_ERR;
		} else if (chance(50)) {
			len = chance(50) ? 0 : brd.max_frame + 1 + below(64);
			flags = 0;
		} else {
			len = 0;
			flags = nasty(PCINET_CMPL_ERR) & ~PCINET_CMPL_ERR;
			flags |= flags ? 0 : 2;
		}
		area_write(PCINET_HOST_AREA_HDR + 8 * slot, len);
		area_write(PCINET_HOST_AREA_HDR + 8 * slot + 4, flags);
		area_write(4, ++brd.b2h_done);
		break;
	case 2:	/* an index from nowhere */
		area_write(below(2) * 4, nasty(below(2) ? h2b_prod : b2h_prod));
		lied = true;
		break;
	case 3:	/* a completion from nowhere */
		area_write(PCINET_HOST_AREA_HDR + 4 * below(2 * 64), rnd());
		lied = true;
		break;
	case 4:	/* the generation word */
		area_write(8, chance(50) ? brd.generation : rnd());
		lied = true;
		break;
	default:	/* anywhere in the header */
		area_write(4 * below(16), rnd());
		lied = true;
		break;
	}
	pcinet_sim_write32(brd.s, M83XX_MU_ODR, PCINET_DB_NET_KICK);
}

/* Orderly stop (10.2): wait for the lease to end, as a board must */
static void withdraw(void)
{
	int i;

	brd.attached = false;
	board_status(brd.status & PCINET_UART_RX_ENABLED);
	for (i = 0; i < 4 && (pcinet_sim_read32(brd.s, M83XX_MU_IMR1) &
			      PCINET_NET_STATUS_RUNNING); i++)
		host_runs();
	if (pcinet_sim_read32(brd.s, M83XX_MU_IMR1) & PCINET_NET_STATUS_RUNNING)
		fail("the host kept its lease after the board withdrew");
}

static void hard_reset(void)
{
	pcinet_sim_hard_reset(brd.s, M83XX_RSR_SWHR);
	pcinet_sim_slot_close(brd.s);
	board_open();
}

static void host_frames(void)
{
	u8 frame[1600];
	unsigned int i, n = 1 + below(40);

	for (i = 0; i < n; i++) {
		u32 len = 1 + below(sizeof(frame));

		memset(frame, (int)i, len);
		if (send(frames_fd, frame, len, MSG_DONTWAIT) < 0)
			break;
	}
	net_tap_event(&host, EPOLLIN);
}

/* What the host delivered must be what the board sent, in order */
static void drain_frames(void)
{
	static u8 frame[PCINET_FRAME_MAX_V1 + 64];
	ssize_t got;
	u32 seq, i;

	while ((got = recv(frames_fd, frame, sizeof(frame),
			   MSG_DONTWAIT | MSG_TRUNC)) > 0) {
		if ((size_t)got > PCINET_FRAME_MAX_V1)
			fail("the host delivered a frame longer than any max_frame");
		if (lied)
			continue;
		if (got < 8 ||
		    le32_to_cpu(*(__le32 *)frame) != FRAME_MAGIC)
			fail("the host delivered a frame the board never sent");
		seq = le32_to_cpu(*(__le32 *)(frame + 4));
		if (seq <= last_seq_seen || seq >= next_seq ||
		    next_seq - seq >= SENT_LOG)
			fail("the host delivered a frame out of order or twice");
		if ((u32)got != sent_len[seq % SENT_LOG])
			fail("the host delivered a frame with the wrong length");
		for (i = 8; i < (u32)got; i++)
			if (frame[i] != (u8)seq)
				fail("the host delivered a frame with the wrong bytes");
		last_seq_seen = seq;
	}
}

static void check_invariants(struct pcinet_sim_slot *obs)
{
	struct net *n = &host.net;
	char last[256];
	bool lease = host.imr1 & PCINET_NET_STATUS_RUNNING;

	if (pcinet_sim_violations(obs)) {
		pcinet_sim_last_violation(obs, last, sizeof(last));
		fprintf(stderr, "fuzz-net: violation: %s\n", last);
		fail("the simulated hardware's checker saw a violation");
	}
	if (host.sm.state == PCINET_HOST_ATTACHED) {
		if (!lease)
			fail("attached without the lease");
		if (pcinet_ring_used(n->h2b_prod, n->h2b_cons_seen) > n->h2b_len ||
		    pcinet_ring_used(n->h2b_prod, n->h2b_cons_seen) > n->n_tx)
			fail("more h2b frames outstanding than the ring holds");
		if (pcinet_ring_used(n->b2h_prod, n->b2h_done_seen) > n->n_rx)
			fail("more b2h buffers posted than we own");
		if (!n->area || n->area < n->mem ||
		    n->tx + (size_t)n->n_tx * n->buf_size > n->mem + n->mem_size)
			fail("buffers outside the slot's share of host memory");
	} else if (host.sm.state != PCINET_HOST_DETACHING && lease) {
		fail("lease held while not attached");
	}
	if (host.sm.state > PCINET_HOST_REFUSED)
		fail("state out of range");
	if (host.sm.lease != lease)
		fail("the state machine's lease is not what IMR1 says");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "iterations", required_argument, NULL, 'i' },
		{ "seed", required_argument, NULL, 's' },
		{ "seconds", required_argument, NULL, 't' },
		{ "log", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long iterations = 200000;
	double seconds = 0;
	struct pcinet_sim_config cfg;
	struct pcinet_sim_slot *obs;
	struct slot_net_cfg nc = { 0 };
	struct timespec t0, t;
	const char *log_path = "/dev/null";
	FILE *log;
	int sv[2], opt;
	unsigned long attaches_seen = 0;

	seed = (unsigned long long)time(NULL);
	while ((opt = getopt_long(argc, argv, "i:s:t:l:", opts, NULL)) != -1) {
		switch (opt) {
		case 'i': iterations = strtoul(optarg, NULL, 0); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 't': seconds = strtod(optarg, NULL); break;
		case 'l': log_path = optarg; break;
		default:
			fprintf(stderr, "usage: %s [--iterations N] [--seed S] [--seconds T] [--log FILE]\n",
				argv[0]);
			return 2;
		}
	}
	rng_state = seed * 2654435761u + 1;
	log = fopen(log_path, "w");
	if (!log)
		return perror(log_path), 1;
	log_redirect(log);
	if (!mkdtemp(dir))
		return perror("mkdtemp"), 1;
	pcinet_sim_config_default(&cfg);
	cfg.slots = SLOTS;
	if (pcinet_sim_chassis_create(dir, &cfg))
		return perror("chassis"), 1;
	brd.ch = pcinet_sim_chassis_open(dir);
	if (!brd.ch || loop_init())
		return perror("open"), 1;
	pcinet_sim_chassis_get_config(brd.ch, &brd.cfg);
	brd.host_mem = pcinet_sim_host_mem(brd.ch);
	board_open();
	obs = pcinet_sim_slot_open(brd.ch, BOARD_SLOT, PCINET_SIM_OBSERVER);

	nc.mem = brd.host_mem;
	nc.mem_bus = cfg.host_mem_bus;
	nc.mem_size = (u32)(cfg.host_mem_size / SLOTS) & ~0xFFFFu;
	if (slot_start(&host, brd.ch, BOARD_SLOT, dir, &nc))
		return perror("slot_start"), 1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) ||
	    net_use_fd(&host, sv[0]))
		return perror("socketpair"), 1;
	frames_fd = sv[1];

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (iteration = 0; iteration < iterations; iteration++) {
		u32 what = below(100);

		if (what < 8)
			publish();
		else if (what < 12)
			withdraw();
		else if (what < 13)
			hard_reset();
		else if (what < 55)
			scribble();
		else if (what < 75)
			host_frames();
		else if (what < 80)
			board_status(brd.status ^ PCINET_NET_RXINT_OFF);
		else
			drain_frames();
		host_runs();
		maybe_attach();
		host_runs();
		if (chance(30))
			drain_frames();
		if (host.sm.state == PCINET_HOST_ATTACHED)
			attaches_seen++;
		check_invariants(obs);
		if (seconds > 0 && !(iteration & 255)) {
			clock_gettime(CLOCK_MONOTONIC, &t);
			if ((double)(t.tv_sec - t0.tv_sec) +
			    (double)(t.tv_nsec - t0.tv_nsec) / 1e9 > seconds)
				break;
		}
	}
	drain_frames();
	printf("fuzz-net: seed %llu, %lu iterations, attached in %lu, %llu attaches, "
	       "%llu refusals, %llu misbehaviours caught, %llu frames out, %llu in "
	       "(delivered frames checked against what the board sent)\n",
	       seed, iteration, attaches_seen,
	       (unsigned long long)host.sm.attaches,
	       (unsigned long long)host.sm.refusals,
	       (unsigned long long)host.net.misbehaved,
	       (unsigned long long)host.net.tx_frames,
	       (unsigned long long)host.net.rx_frames);
	slot_stop(&host);
	close(sv[1]);
	pcinet_sim_slot_close(obs);
	pcinet_sim_slot_close(brd.s);
	pcinet_sim_chassis_close(brd.ch);
	loop_fini();
	pcinet_sim_chassis_destroy(dir);
	rmdir(dir);
	log_redirect(NULL);
	fclose(log);
	if (!host.sm.attaches || !host.net.misbehaved || !host.net.rx_frames)
		fail("the run never attached or never caught a lie: the fuzzer is blind");
	return 0;
}
