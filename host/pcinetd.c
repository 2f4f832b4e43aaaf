// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pcinetd: the user-space PCINet host daemon for a simulated chassis.
 *
 * It is the host side of every slot it serves: per slot a console on a pty
 * (DIR/slotNN/console -> /dev/pts/N), with --subnet a network interface
 * (TAP pcinet<N>), and a control socket DIR/pcinetd.sock. One epoll loop
 * serves everything: the slots' interrupt lines, the ptys, the TAPs, the
 * control socket, a signalfd; a 50 ms tick drives the watchdog status check
 * (protocol 10.4), the console's stall rule and the ring poll.
 *
 * Files: pcinetd.c (this: command line, loop), slot.c (per-slot status
 * check), net.c (attach, lease, data path), tap.c (TAP devices), console.c
 * (console <-> pty), control.c (socket), loop.c (epoll).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <pcinet_sim.h>

#include "control.h"
#include "daemon.h"
#include "loop.h"
#include "slot.h"
#include "tap.h"
#include "util.h"

#define TICK_MS	50

static struct daemon dmn;
static struct slot slots[PCINETD_MAX_SLOTS + 1];
static struct evsrc sigsrc = { .fd = -1 };

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s --dir DIR [--slots LIST] [--subnet A.B.0.0/16]\n"
		"  Serve the host side of the simulated PCINet chassis in DIR.\n"
		"  --dir DIR      chassis directory (as given to pcinet-sim up)\n"
		"  --slots LIST   slots to serve, e.g. 1,3,5-7 (default: all)\n"
		"  --subnet NET   a network interface per slot: TAP pcinet<N>,\n"
		"                 host address A.B.N.1/24 (the board is A.B.N.2);\n"
		"                 only in a network namespace of its own\n"
		"  --help         this text\n"
		"Per slot: DIR/slotNN/console, a symlink to the slot's console pty.\n"
		"Control: DIR/pcinetd.sock, one command a line, one JSON reply a line:\n"
		"  status | status SLOT | reset SLOT | help\n"
		"Exit: 0 after SIGTERM/SIGINT, 1 on a failure to start, 2 on bad usage.\n",
		prog);
}

/* "1,3,5-7" into want[1..32]; 0 or -1 */
static int parse_list(const char *list, bool *want)
{
	const char *p = list;

	if (!*p)
		return -1;
	while (*p) {
		char *end;
		unsigned long a, b;

		if (*p < '0' || *p > '9')
			return -1;
		a = strtoul(p, &end, 10);
		b = a;
		if (*end == '-') {
			p = end + 1;
			if (*p < '0' || *p > '9')
				return -1;
			b = strtoul(p, &end, 10);
		}
		if (a < 1 || b < a || b > PCINETD_MAX_SLOTS)
			return -1;
		for (; a <= b; a++)
			want[a] = true;
		p = end;
		if (*p == ',')
			p++;
		else if (*p)
			return -1;
		else
			break;
	}
	return p[-1] == ',' ? -1 : 0;
}

/*
 * One daemon per chassis: an flock on DIR/pcinetd.lock, held for life (the
 * kernel drops it when we die, so a crash leaves nothing to clean up).
 */
static int take_daemon_lock(const char *dir)
{
	char path[PATH_MAX];
	int fd, err;

	err = pcinet_sim_path(dir, 0, PCINET_SIM_FILE_PCINETD_LOCK, path,
			      sizeof(path));
	if (err)
		return err;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		err = -errno;
		close(fd);
		return err;
	}
	return 0;	/* fd stays open until exit */
}

/* "A.B.0.0/16" into A.B.0.0 in host byte order; 0 or -1 */
static int parse_subnet(const char *text, u32 *net)
{
	char addr[32];
	const char *slash = strchr(text, '/');
	struct in_addr in;

	if (!slash || strcmp(slash, "/16") || (size_t)(slash - text) >= sizeof(addr))
		return -1;
	memcpy(addr, text, (size_t)(slash - text));
	addr[slash - text] = 0;
	if (inet_pton(AF_INET, addr, &in) != 1)
		return -1;
	*net = ntohl(in.s_addr);
	return (*net & 0xFFFF) ? -1 : 0;
}

static void dispatch(struct evsrc *src, uint32_t events)
{
	struct signalfd_siginfo si;

	switch (src->kind) {
	case EV_SIGNAL:
		if (read(src->fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			logmsg("signal %u: stopping", si.ssi_signo);
			dmn.stop = true;
		}
		break;
	case EV_SLOT_IRQ:
		slot_irq(src->owner);
		break;
	case EV_PTY:
		console_pty_event(src->owner, events);
		break;
	case EV_TAP:
		net_tap_event(src->owner, events);
		break;
	case EV_CTL_LISTEN:
	case EV_CTL_CLIENT:
		control_event(src, events);
		break;
	}
}

/*
 * Unload (10.7): every slot detaches at once, then all wait together - at
 * most twice PCINET_DETACH_ACK_MS - for their boards to let go of our
 * memory, before the slots close.
 */
static void release_all(void)
{
	unsigned int i, waiting;
	u32 start = now_ms();

	do {
		waiting = 0;
		for (i = 1; i <= PCINETD_MAX_SLOTS; i++) {
			struct slot *s = dmn.slot[i];

			if (!s)
				continue;
			if (s->sm.state == PCINET_HOST_DETACHING)
				slot_status_check(s, false);
			else if (!slot_release(s))
				continue;
			waiting += s->sm.state == PCINET_HOST_DETACHING;
		}
		if (waiting)
			usleep(1000);
	} while (waiting && (u32)(now_ms() - start) < 2 * PCINET_DETACH_ACK_MS);
}

static void shutdown_all(void)
{
	unsigned int i;

	control_close();
	release_all();
	for (i = 1; i <= PCINETD_MAX_SLOTS; i++) {
		if (dmn.slot[i])
			slot_stop(dmn.slot[i]);
		dmn.slot[i] = NULL;
	}
	if (sigsrc.fd >= 0) {
		int fd = sigsrc.fd;

		loop_del(&sigsrc);
		close(fd);
	}
	loop_fini();
	if (dmn.ch)
		pcinet_sim_chassis_close(dmn.ch);
	dmn.ch = NULL;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "slots", required_argument, NULL, 's' },
		{ "subnet", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pcinet_sim_config cfg;
	bool want[PCINETD_MAX_SLOTS + 1] = { false };
	const char *list = NULL, *subnet = NULL;
	struct slot_net_cfg nc;
	unsigned int i, served = 0;
	u32 net = 0, share;
	char ifname[TAP_NAME_MAX];
	u32 last_tick;
	sigset_t mask;
	int opt, err, fd;

	while ((opt = getopt_long(argc, argv, "d:s:n:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			dmn.dir = optarg;
			break;
		case 's':
			list = optarg;
			break;
		case 'n':
			subnet = optarg;
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (optind != argc || !dmn.dir || !dmn.dir[0]) {
		if (optind != argc)
			fprintf(stderr, "%s: unexpected argument '%s'\n", argv[0],
				argv[optind]);
		else
			fprintf(stderr, "%s: --dir is required\n", argv[0]);
		usage(stderr, argv[0]);
		return 2;
	}
	if (list && parse_list(list, want)) {
		fprintf(stderr, "%s: bad --slots '%s' (e.g. 1,3,5-7, slots 1..%u)\n",
			argv[0], list, PCINETD_MAX_SLOTS);
		return 2;
	}
	if (subnet && parse_subnet(subnet, &net)) {
		fprintf(stderr, "%s: bad --subnet '%s' (want A.B.0.0/16)\n",
			argv[0], subnet);
		return 2;
	}
	if (subnet && tap_in_named_netns() != 1) {
		fprintf(stderr,
			"%s: --subnet: refusing to make interfaces outside a named network "
			"namespace (the machine's own network stays untouched); run me "
			"with ip netns exec, as pcinet-sim up does\n",
			argv[0]);
		return 2;
	}

	setvbuf(stderr, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	dmn.ch = pcinet_sim_chassis_open(dmn.dir);
	if (!dmn.ch) {
		fprintf(stderr, "%s: cannot open chassis %s: %s\n", argv[0],
			dmn.dir, strerror(errno));
		return 1;
	}
	pcinet_sim_chassis_get_config(dmn.ch, &cfg);
	dmn.nslots = cfg.slots;
	for (i = 1; i <= PCINETD_MAX_SLOTS; i++) {
		if (!list)
			want[i] = i <= dmn.nslots;
		if (want[i] && i > dmn.nslots) {
			fprintf(stderr, "%s: no slot %u: the chassis has %u\n",
				argv[0], i, dmn.nslots);
			pcinet_sim_chassis_close(dmn.ch);
			return 2;
		}
	}

	err = loop_init();
	if (err)
		goto fail;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto fail;
	}
	sigsrc.kind = EV_SIGNAL;
	err = loop_add(&sigsrc, fd, EPOLLIN);
	if (err) {
		close(fd);
		goto fail;
	}
	err = take_daemon_lock(dmn.dir);
	if (err) {
		if (err == -EWOULDBLOCK)
			fprintf(stderr, "%s: a pcinetd already serves %s\n",
				argv[0], dmn.dir);
		goto fail;
	}
	/* each slot its share of host memory, whether served or not */
	share = (u32)((cfg.host_mem_size / dmn.nslots) & ~(u64)0xFFFF);
	for (i = 1; i <= dmn.nslots; i++) {
		if (!want[i])
			continue;
		nc.mem = (u8 *)pcinet_sim_host_mem(dmn.ch) + (size_t)(i - 1) * share;
		nc.mem_bus = cfg.host_mem_bus + (u64)(i - 1) * share;
		nc.mem_size = share;
		nc.ifname = NULL;
		nc.addr = net | i << 8 | 1;
		if (subnet) {
			snprintf(ifname, sizeof(ifname), "pcinet%u", i);
			nc.ifname = ifname;
		}
		err = slot_start(&slots[i], dmn.ch, i, dmn.dir, &nc);
		if (err) {
			fprintf(stderr, "%s: slot %u: %s\n", argv[0], i,
				strerror(-err));
			goto fail;
		}
		dmn.slot[i] = &slots[i];
		served++;
	}
	/* The socket comes last: once it answers, every slot is served */
	err = control_open(&dmn);
	if (err)
		goto fail;
	logmsg("serving %u slot(s) of %s, pid %d", served, dmn.dir, (int)getpid());

	last_tick = now_ms();
	while (!dmn.stop) {
		u32 now;

		err = loop_wait(net_links_waiting ? 1 : TICK_MS, dispatch);
		if (err < 0) {
			logmsg("epoll: %s", strerror(-err));
			break;
		}
		for (i = 1; net_links_waiting && i <= dmn.nslots; i++)
			if (dmn.slot[i])
				net_link_poll(dmn.slot[i]);
		now = now_ms();
		if ((u32)(now - last_tick) >= TICK_MS / 2) {
			last_tick = now;
			for (i = 1; i <= dmn.nslots; i++)
				if (dmn.slot[i])
					slot_tick(dmn.slot[i], now);
		}
	}
	shutdown_all();
	logmsg("stopped");
	return err < 0 ? 1 : 0;
fail:
	fprintf(stderr, "%s: cannot start: %s\n", argv[0], strerror(-err));
	shutdown_all();
	return 1;
}
