// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pcinet-vpci: one slot of the simulated chassis as a PCI device of a
 * user-mode Linux kernel (docs/uml.md).
 *
 * UML's PCI-over-virtio (arch/um/drivers/virt-pci.c) turns every config
 * space and BAR access of an unmodified PCI driver into a struct
 * virtio_pcidev_msg on virtqueue 0 ("cmd") of a vhost-user device; the
 * device answers reads in the same buffer chain and sends interrupts as
 * messages on virtqueue 1 ("irq"). This program is that device:
 *
 *   config space  the model's (pcinet_sim_cfg_read/write()): an MPC837x
 *                 agent, BAR0 the 1 MiB IMMR, BAR1 the inbound window onto
 *                 board RAM, interrupt pin INTA; lost at a board reset
 *                 until the driver restores it, as on a crate
 *   BAR0          pcinet_sim_read32()/write32() of the slot's host side:
 *                 W1C, doorbells, interrupts and resets happen in the
 *                 library, exactly as for pcinetd
 *   BAR1          pcinet_sim_bar_read()/bar_write(), checked
 *   INTA          the slot's host line: VIRTIO_PCIDEV_OP_INT while the
 *                 level is asserted (see irq_* below)
 *
 * The vhost-user part speaks what virtio_uml.c asks for: GET/SET_FEATURES,
 * GET/SET_PROTOCOL_FEATURES (REPLY_ACK, SLAVE_REQ), SET_SLAVE_REQ_FD,
 * SET_OWNER, SET_MEM_TABLE with fds, SET_VRING_NUM/ADDR/BASE/KICK/CALL/ERR/
 * ENABLE, GET_VRING_BASE; split virtqueues without indirect descriptors or
 * event index.
 *
 *   pcinet-vpci --socket PATH --dir DIR --slot N [--ready-file F]
 *               [--wait SECONDS] [--verbose]
 *
 * It listens on PATH, serves the one UML kernel that connects, and exits
 * 0 when that kernel goes away (or on SIGTERM/SIGINT), removing PATH. The
 * chassis may come up after UML started (its host memory can be UML's
 * memory file, which exists only then): after the connection it waits up
 * to --wait seconds (default 120) for --ready-file (if given) and the
 * chassis, before it answers; UML's boot waits meanwhile.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <linux/virtio_config.h>
#include <linux/virtio_pcidev.h>
#include <linux/virtio_ring.h>

#include "pcinet_sim.h"
#include <pcinet/mpc83xx.h>

/* ---- vhost-user protocol (the front end is arch/um/drivers/virtio_uml.c) */

#define VU_GET_FEATURES			1
#define VU_SET_FEATURES			2
#define VU_SET_OWNER			3
#define VU_RESET_OWNER			4
#define VU_SET_MEM_TABLE		5
#define VU_SET_LOG_BASE			6
#define VU_SET_LOG_FD			7
#define VU_SET_VRING_NUM		8
#define VU_SET_VRING_ADDR		9
#define VU_SET_VRING_BASE		10
#define VU_GET_VRING_BASE		11
#define VU_SET_VRING_KICK		12
#define VU_SET_VRING_CALL		13
#define VU_SET_VRING_ERR		14
#define VU_GET_PROTOCOL_FEATURES	15
#define VU_SET_PROTOCOL_FEATURES	16
#define VU_GET_QUEUE_NUM		17
#define VU_SET_VRING_ENABLE		18
#define VU_SET_SLAVE_REQ_FD		21

#define VU_VERSION		1
#define VU_FLAG_REPLY		(1u << 2)
#define VU_FLAG_NEED_REPLY	(1u << 3)
#define VU_F_PROTOCOL_FEATURES	30
#define VU_PROTOCOL_F_REPLY_ACK	3
#define VU_PROTOCOL_F_SLAVE_REQ	5
#define VU_VRING_INDEX_MASK	0xffu
#define VU_VRING_NOFD_MASK	(1u << 8)

#define VU_MAX_REGIONS		8
#define VU_MAX_FDS		8
#define VU_MAX_PAYLOAD		4096

struct vu_header {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
} __attribute__((packed));

struct vu_region {
	uint64_t guest_addr;
	uint64_t size;
	uint64_t user_addr;
	uint64_t mmap_offset;
} __attribute__((packed));

struct vu_msg {
	struct vu_header hdr;
	union {
		uint64_t u64;
		struct {
			uint32_t index;
			uint32_t num;
		} __attribute__((packed)) state;
		struct {
			uint32_t index;
			uint32_t flags;
			uint64_t desc, used, avail, log;
		} __attribute__((packed)) addr;
		struct {
			uint32_t num;
			uint32_t padding;
			struct vu_region regions[VU_MAX_REGIONS];
		} __attribute__((packed)) mem;
		uint8_t raw[VU_MAX_PAYLOAD];
	} p;
} __attribute__((packed));

/* ---- state */

#define NQUEUES		2	/* 0: cmd, 1: irq (virt-pci.c um_pci_init_vqs) */
#define CMD_VQ		0
#define IRQ_VQ		1
#define MAX_MSG_DATA	(4u << 20)	/* one BAR access: a memcpy_toio */

struct mem_region {
	uint64_t guest_addr, user_addr, size;
	uint8_t *map;
};

struct vq {
	unsigned int num;		/* 0: not set up */
	uint64_t desc_ua, avail_ua, used_ua;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t last_avail;
	uint16_t used_idx;
	int kick_fd, call_fd;
	bool enabled;
};


static struct {
	const char *socket_path;
	const char *dir;
	const char *ready_file;
	unsigned int slot_num;
	double wait_s;
	bool verbose;

	int listen_fd, conn_fd;
	int slave_fd;		/* UML's request channel, held open, unused */
	uint64_t features, protocol_features;
	struct mem_region mem[VU_MAX_REGIONS];
	unsigned int nmem;
	struct vq vq[NQUEUES];

	struct pcinet_sim_chassis *ch;
	struct pcinet_sim_slot *slot;
	int irq_fd;

	/* INTA delivery (irq_update) */
	bool irq_owed;		/* a message is due but no irq buffer was free */
	uint64_t irq_last_ns;	/* when the last INT message went out */
	uint64_t irq_check_ns;	/* re-check the level then (0: none) */

	/* statistics, printed at exit */
	uint64_t n_cfg_rd, n_cfg_wr, n_mmio_rd, n_mmio_wr, n_int, n_odd;
	uint8_t *msgbuf;
} g = {
	.listen_fd = -1, .conn_fd = -1, .slave_fd = -1, .irq_fd = -1,
	.wait_s = 120,
};

static volatile sig_atomic_t stop_signal;

static void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logmsg(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "pcinet-vpci: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

#define vlog(...) do { if (g.verbose) logmsg(__VA_ARGS__); } while (0)

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- guest memory (SET_MEM_TABLE) */

static void mem_unmap(void)
{
	unsigned int i;

	for (i = 0; i < g.nmem; i++)
		munmap(g.mem[i].map, g.mem[i].size);
	g.nmem = 0;
}

/* Guest physical (= UML physical = DMA) address to our pointer */
static void *gpa_ptr(uint64_t gpa, uint64_t len)
{
	unsigned int i;

	for (i = 0; i < g.nmem; i++) {
		struct mem_region *r = &g.mem[i];

		if (gpa >= r->guest_addr && len <= r->size &&
		    gpa - r->guest_addr <= r->size - len)
			return r->map + (gpa - r->guest_addr);
	}
	return NULL;
}

/* Front-end user address (ring addresses) to our pointer */
static void *uva_ptr(uint64_t uva, uint64_t len)
{
	unsigned int i;

	for (i = 0; i < g.nmem; i++) {
		struct mem_region *r = &g.mem[i];

		if (uva >= r->user_addr && len <= r->size &&
		    uva - r->user_addr <= r->size - len)
			return r->map + (uva - r->user_addr);
	}
	return NULL;
}

static int set_mem_table(const struct vu_msg *m, const int *fds,
			 unsigned int nfds)
{
	unsigned int i, n = m->p.mem.num;

	if (n == 0 || n > VU_MAX_REGIONS || n != nfds ||
	    m->hdr.size < 8 + n * sizeof(struct vu_region))
		return -EINVAL;
	mem_unmap();
	for (i = 0; i < n; i++) {
		const struct vu_region *r = &m->p.mem.regions[i];
		void *p;

		p = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 fds[i], (off_t)r->mmap_offset);
		if (p == MAP_FAILED) {
			int err = -errno;

			logmsg("cannot map guest memory region %u: %s", i,
			       strerror(errno));
			mem_unmap();
			return err;
		}
		g.mem[i] = (struct mem_region){ r->guest_addr, r->user_addr,
						r->size, p };
		g.nmem = i + 1;
		logmsg("guest memory %u: phys 0x%" PRIx64 "..0x%" PRIx64
		       " (file offset 0x%" PRIx64 ")", i, r->guest_addr,
		       r->guest_addr + r->size - 1, r->mmap_offset);
	}
	/* Rings set up before are re-resolved at their next use */
	for (i = 0; i < NQUEUES; i++)
		g.vq[i].desc = NULL;
	return 0;
}

/* ---- split virtqueues */

static bool vq_resolve(struct vq *q)
{
	if (q->desc)
		return true;
	if (!q->num)
		return false;
	q->desc = uva_ptr(q->desc_ua, sizeof(*q->desc) * q->num);
	q->avail = uva_ptr(q->avail_ua, 4 + 2ull * q->num);
	q->used = uva_ptr(q->used_ua, 4 + 8ull * q->num);
	if (!q->desc || !q->avail || !q->used) {
		q->desc = NULL;
		return false;
	}
	return true;
}

static bool vq_ready(struct vq *q)
{
	return q->enabled && q->num && vq_resolve(q);
}

static bool vq_has_avail(struct vq *q)
{
	uint16_t idx = __atomic_load_n(&q->avail->idx, __ATOMIC_ACQUIRE);

	return idx != q->last_avail;
}

static void vq_call(struct vq *q)
{
	static const uint64_t one = 1;

	if (q->call_fd < 0)
		return;
	if (__atomic_load_n(&q->avail->flags, __ATOMIC_ACQUIRE) &
	    VRING_AVAIL_F_NO_INTERRUPT)
		return;
	if (write(q->call_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		logmsg("call fd: %s", strerror(errno));
}

static void vq_push(struct vq *q, uint16_t head, uint32_t len)
{
	struct vring_used_elem *e = &q->used->ring[q->used_idx % q->num];

	e->id = head;
	e->len = len;
	q->used_idx++;
	__atomic_store_n(&q->used->idx, q->used_idx, __ATOMIC_RELEASE);
}

/* One descriptor chain: readable bytes gathered into out, writable
 * descriptors remembered for the reply
 */
struct chain {
	uint16_t head;
	uint32_t out_len;
	struct {
		uint8_t *p;
		uint32_t len;
	} in[8];
	unsigned int nin;
};

static int vq_pop(struct vq *q, struct chain *c, uint8_t *out,
		  uint32_t out_max)
{
	uint16_t i, n = 0;

	c->head = q->avail->ring[q->last_avail % q->num];
	q->last_avail++;
	c->out_len = 0;
	c->nin = 0;
	i = c->head;
	for (;;) {
		struct vring_desc *d;
		uint8_t *p;

		if (i >= q->num || ++n > q->num)
			return -EINVAL;
		d = &q->desc[i];
		p = gpa_ptr(d->addr, d->len);
		if (!p && d->len)
			return -EFAULT;
		if (d->flags & VRING_DESC_F_WRITE) {
			if (c->nin == sizeof(c->in) / sizeof(c->in[0]))
				return -E2BIG;
			c->in[c->nin].p = p;
			c->in[c->nin].len = d->len;
			c->nin++;
		} else {
			if (d->len > out_max - c->out_len)
				return -E2BIG;
			memcpy(out + c->out_len, p, d->len);
			c->out_len += d->len;
		}
		if (!(d->flags & VRING_DESC_F_NEXT))
			return 0;
		i = d->next;
	}
}

static uint32_t chain_reply(struct chain *c, const uint8_t *data, uint32_t len)
{
	uint32_t done = 0;
	unsigned int i;

	for (i = 0; i < c->nin && done < len; i++) {
		uint32_t k = c->in[i].len < len - done ? c->in[i].len :
							 len - done;

		memcpy(c->in[i].p, data + done, k);
		done += k;
	}
	return done;
}

/* ---- configuration space */

/*
 * The board's configuration space is the model's (pcinet_sim_cfg_*(),
 * docs/sim.md "Configuration space"): a board reset takes it with it, and
 * the host driver must restore it as on a crate.
 */
static uint16_t cfg_command(void)
{
	uint8_t b[2] = { 0, 0 };

	if (g.slot)
		pcinet_sim_cfg_read(g.slot, PCI_COMMAND, b, 2);
	return (uint16_t)(b[0] | b[1] << 8);
}

static bool irq_level(void);

static void cfg_read(uint64_t off, uint32_t size, uint8_t *out)
{
	uint32_t i;

	memset(out, 0, size);
	if (off > PCINET_SIM_CFG_SIZE || size > PCINET_SIM_CFG_SIZE - off)
		return;
	pcinet_sim_cfg_read(g.slot, (uint32_t)off, out, size);
	for (i = 0; i < size; i++) {
		/* Status bit 3, Interrupt Status: the INTA level itself */
		if (off + i == PCI_STATUS && irq_level() && out[i] != 0xFF)
			out[i] |= PCI_STATUS_INTERRUPT;
	}
	g.n_cfg_rd++;
}

static void irq_update(bool now);

static void cfg_write(uint64_t off, uint32_t size, const uint8_t *in)
{
	uint16_t before = cfg_command();

	if (off <= PCINET_SIM_CFG_SIZE && size <= PCINET_SIM_CFG_SIZE - off)
		pcinet_sim_cfg_write(g.slot, (uint32_t)off, in, size);
	g.n_cfg_wr++;
	if (cfg_command() != before) {
		vlog("command 0x%04x", cfg_command());
		irq_update(true);
	}
}

/* ---- BARs: whether the board decodes them is the model's to say */

/* A register's value as the bytes on the bus (address order), and back */
static uint32_t reg_to_bus(uint32_t off, uint32_t v)
{
	return m83xx_reg_is_le(off) ? htole32(v) : htobe32(v);
}

static uint32_t bus_to_reg(uint32_t off, uint32_t raw)
{
	return m83xx_reg_is_le(off) ? le32toh(raw) : be32toh(raw);
}

static void bar0_read(uint64_t addr, uint32_t size, uint8_t *out)
{
	uint64_t w, end = addr + size;

	memset(out, 0xff, size);
	if (end > M83XX_IMMR_SIZE)
		return;
	if ((addr & 3) || (size & 3))
		g.n_odd++;
	for (w = addr & ~3ull; w < end; w += 4) {
		uint32_t raw = reg_to_bus((uint32_t)w,
			pcinet_sim_read32(g.slot, (uint32_t)w));
		uint8_t b[4];
		unsigned int k;

		memcpy(b, &raw, 4);
		for (k = 0; k < 4; k++)
			if (w + k >= addr && w + k < end)
				out[w + k - addr] = b[k];
	}
}

static void bar0_write(uint64_t addr, uint32_t size, const uint8_t *in)
{
	uint64_t w, end = addr + size;

	if (end > M83XX_IMMR_SIZE)
		return;
	for (w = addr; w < end; w += 4) {
		uint32_t raw;

		if ((w & 3) || end - w < 4) {
			/* Registers are written 32 bits at a time (protocol
			 * 1.3); a partial write of a W1C register cannot be
			 * modelled honestly, so it is dropped, loudly
			 */
			if (g.n_odd++ < 10)
				logmsg("dropped a %u-byte write to BAR0 0x%" PRIx64
				       " (registers take aligned 32-bit writes)",
				       size, addr);
			return;
		}
		memcpy(&raw, in + (w - addr), 4);
		pcinet_sim_write32(g.slot, (uint32_t)w,
				   bus_to_reg((uint32_t)w, raw));
	}
}

static void mmio_read(unsigned int bar, uint64_t addr, uint32_t size,
		      uint8_t *out)
{
	g.n_mmio_rd++;
	memset(out, 0xff, size);
	if (bar == 0)
		bar0_read(addr, size, out);
	else if (bar == 1 && addr <= UINT32_MAX)
		pcinet_sim_bar_read(g.slot, (uint32_t)addr, out, size);
	if (g.verbose && size <= 8) {
		uint64_t v = 0;

		memcpy(&v, out, size);
		logmsg("read  bar%u 0x%05" PRIx64 " /%u = 0x%" PRIx64, bar,
		       addr, size, le64toh(v));
	}
}

static void mmio_write(unsigned int bar, uint64_t addr, uint32_t size,
		       const uint8_t *in)
{
	g.n_mmio_wr++;
	if (g.verbose && size <= 8) {
		uint64_t v = 0;

		memcpy(&v, in, size);
		logmsg("write bar%u 0x%05" PRIx64 " /%u = 0x%" PRIx64, bar,
		       addr, size, le64toh(v));
	}
	if (bar == 0) {
		bar0_write(addr, size, in);
		irq_update(false);
	} else if (bar == 1 && addr <= UINT32_MAX) {
		pcinet_sim_bar_write(g.slot, (uint32_t)addr, in, size);
	}
}

/* ---- INTA */

#define IRQ_SETTLE_NS	2000000ull	/* host quiet this long: handler done */
#define IRQ_RESEND_NS	100000000ull	/* still asserted: say so again */

static bool irq_level(void)
{
	uint16_t cmd = cfg_command();

	if (!g.slot || !(cmd & PCI_COMMAND_MEMORY) ||
	    (cmd & PCI_COMMAND_INTX_DISABLE))
		return false;
	return pcinet_sim_irq_level(g.slot, PCINET_SIM_HOST);
}

static bool irq_send(void)
{
	struct vq *q = &g.vq[IRQ_VQ];
	struct virtio_pcidev_msg msg = {
		.op = VIRTIO_PCIDEV_OP_INT,
		.addr = 1,	/* INTA */
	};
	struct chain c;

	if (!vq_ready(q) || !vq_has_avail(q))
		return false;
	if (vq_pop(q, &c, NULL, 0) < 0) {
		logmsg("bad buffer on the irq queue");
		return false;
	}
	vq_push(q, c.head, chain_reply(&c, (const uint8_t *)&msg,
				       sizeof(msg)));
	vq_call(q);
	g.n_int++;
	g.irq_last_ns = now_ns();
	vlog("INTA sent");
	return true;
}

/*
 * INTA is a level; UML's virt-pci runs the handler once per INT message.
 * So: a message when the board raises the line (now), and again when the
 * host went quiet for IRQ_SETTLE_NS after touching BAR0 (its handler is
 * done) and the line is still asserted; while it stays asserted, every
 * IRQ_RESEND_NS. A message that finds no free irq buffer is owed until the
 * driver gives one back.
 */
static void irq_update(bool now)
{
	uint64_t t = now_ns();

	if (!irq_level()) {
		g.irq_owed = false;
		g.irq_check_ns = 0;
		return;
	}
	if (now || g.irq_owed) {
		g.irq_owed = !irq_send();
		g.irq_check_ns = t + IRQ_RESEND_NS;
	} else {
		g.irq_check_ns = t + IRQ_SETTLE_NS;
	}
}

static void irq_timer(void)
{
	if (g.irq_check_ns && now_ns() >= g.irq_check_ns) {
		g.irq_check_ns = 0;
		irq_update(true);
	}
}

/* ---- the cmd queue */

static void handle_cmd(struct chain *c)
{
	struct virtio_pcidev_msg *m = (struct virtio_pcidev_msg *)g.msgbuf;
	uint8_t small[8], *resp;
	uint32_t size = m->size, done = 0, dlen;

	if (c->out_len < sizeof(*m)) {
		logmsg("short message on the cmd queue");
		vq_push(&g.vq[CMD_VQ], c->head, 0);
		return;
	}
	dlen = c->out_len - (uint32_t)sizeof(*m);
	switch (m->op) {
	case VIRTIO_PCIDEV_OP_CFG_READ:
		if (size > sizeof(small))
			break;
		cfg_read(m->addr, size, small);
		done = chain_reply(c, small, size);
		break;
	case VIRTIO_PCIDEV_OP_CFG_WRITE:
		/*
		 * Linux 6.1's um_pci_bar_set() (memset_io on a BAR) sends
		 * CFG_WRITE with one data byte and the BAR in .bar: a config
		 * write always carries size bytes, so fewer means memset.
		 */
		if (dlen < size && dlen == 1)
			goto memset;
		if (size > 8 || dlen < size)
			break;
		cfg_write(m->addr, size, m->data);
		break;
	case VIRTIO_PCIDEV_OP_MMIO_READ:
		if (size > MAX_MSG_DATA)
			break;
		resp = size <= sizeof(small) ? small : malloc(size);
		if (!resp)
			break;
		mmio_read(m->bar, m->addr, size, resp);
		done = chain_reply(c, resp, size);
		if (resp != small)
			free(resp);
		break;
	case VIRTIO_PCIDEV_OP_MMIO_WRITE:
		if (dlen < size)
			break;
		mmio_write(m->bar, m->addr, size, m->data);
		break;
	case VIRTIO_PCIDEV_OP_MMIO_MEMSET:
memset:
		if (size > MAX_MSG_DATA || dlen < 1)
			break;
		resp = malloc(size ? size : 1);
		if (!resp)
			break;
		memset(resp, m->data[0], size);
		mmio_write(m->bar, m->addr, size, resp);
		free(resp);
		break;
	default:
		logmsg("unknown virtio_pcidev op %u", m->op);
		break;
	}
	vq_push(&g.vq[CMD_VQ], c->head, done);
}

static void cmd_queue(void)
{
	struct vq *q = &g.vq[CMD_VQ];
	bool any = false;

	if (!vq_ready(q))
		return;
	while (vq_has_avail(q)) {
		struct chain c;
		int err = vq_pop(q, &c, g.msgbuf,
				 sizeof(struct virtio_pcidev_msg) + MAX_MSG_DATA);

		if (err < 0) {
			logmsg("bad chain on the cmd queue: %s", strerror(-err));
			vq_push(q, c.head, 0);
		} else {
			handle_cmd(&c);
		}
		any = true;
	}
	if (any)
		vq_call(q);
}

/* ---- vhost-user messages */

static int recv_msg(struct vu_msg *m, int *fds, unsigned int *nfds)
{
	char cbuf[CMSG_SPACE(VU_MAX_FDS * sizeof(int))];
	struct iovec iov = { &m->hdr, sizeof(m->hdr) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	size_t got = 0;
	ssize_t n;

	*nfds = 0;
	n = recvmsg(g.conn_fd, &mh, MSG_CMSG_CLOEXEC);
	if (n <= 0)
		return n == 0 ? -ECONNRESET : -errno;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			unsigned int k = (unsigned int)((cm->cmsg_len - CMSG_LEN(0)) /
							sizeof(int));

			memcpy(fds + *nfds, CMSG_DATA(cm), k * sizeof(int));
			*nfds += k;
		}
	}
	got = (size_t)n;
	while (got < sizeof(m->hdr)) {
		n = read(g.conn_fd, (uint8_t *)&m->hdr + got, sizeof(m->hdr) - got);
		if (n <= 0)
			return n == 0 ? -ECONNRESET : -errno;
		got += (size_t)n;
	}
	if (m->hdr.size > VU_MAX_PAYLOAD)
		return -EPROTO;
	for (got = 0; got < m->hdr.size; got += (size_t)n) {
		n = read(g.conn_fd, m->p.raw + got, m->hdr.size - got);
		if (n <= 0)
			return n == 0 ? -ECONNRESET : -errno;
	}
	return 0;
}

static int send_reply(const struct vu_msg *req, const void *payload,
		      uint32_t size)
{
	struct vu_msg r;
	size_t len = sizeof(r.hdr) + size;
	const uint8_t *p = (const uint8_t *)&r;

	r.hdr.request = req->hdr.request;
	r.hdr.flags = VU_VERSION | VU_FLAG_REPLY;
	r.hdr.size = size;
	memcpy(r.p.raw, payload, size);
	while (len) {
		ssize_t n = write(g.conn_fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int reply_u64(const struct vu_msg *req, uint64_t v)
{
	return send_reply(req, &v, sizeof(v));
}

static struct vq *msg_vq(uint32_t index)
{
	return index < NQUEUES ? &g.vq[index] : NULL;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Returns 0, a negative errno for the front end, or 1 when already replied */
static int handle_msg(struct vu_msg *m, int *fds, unsigned int nfds)
{
	struct vq *q;
	unsigned int i;
	int *slot_fd;
	uint32_t idx;

	switch (m->hdr.request) {
	case VU_GET_FEATURES:
		return reply_u64(m, (1ull << VU_F_PROTOCOL_FEATURES) |
				    (1ull << VIRTIO_F_VERSION_1)) ?: 1;
	case VU_SET_FEATURES:
		g.features = m->p.u64;
		return 0;
	case VU_GET_PROTOCOL_FEATURES:
		/*
		 * SLAVE_REQ although we send nothing on it: Linux 6.1's
		 * virtio_uml.c allocates the IRQ its call fds share only
		 * when it sets that channel up (vhost_user_init_slave_req());
		 * without, it requests IRQ 0, the timer's, and the probe fails
		 * with -EBUSY ("genirq: Flags mismatch irq 0").
		 */
		return reply_u64(m, (1ull << VU_PROTOCOL_F_REPLY_ACK) |
				    (1ull << VU_PROTOCOL_F_SLAVE_REQ)) ?: 1;
	case VU_SET_SLAVE_REQ_FD:
		if (nfds != 1)
			return -EINVAL;
		close_fd(&g.slave_fd);
		g.slave_fd = fds[0];	/* closing it would break the device */
		fds[0] = -1;
		return 0;
	case VU_SET_PROTOCOL_FEATURES:
		g.protocol_features = m->p.u64;
		return 0;
	case VU_SET_OWNER:
	case VU_RESET_OWNER:
		return 0;
	case VU_GET_QUEUE_NUM:
		return reply_u64(m, NQUEUES) ?: 1;
	case VU_SET_MEM_TABLE:
		return set_mem_table(m, fds, nfds);
	case VU_SET_VRING_NUM:
		q = msg_vq(m->p.state.index);
		if (!q || !m->p.state.num || m->p.state.num > 32768 ||
		    (m->p.state.num & (m->p.state.num - 1)))
			return -EINVAL;
		q->num = m->p.state.num;
		q->desc = NULL;
		return 0;
	case VU_SET_VRING_BASE:
		q = msg_vq(m->p.state.index);
		if (!q)
			return -EINVAL;
		q->last_avail = q->used_idx = (uint16_t)m->p.state.num;
		return 0;
	case VU_GET_VRING_BASE:
		q = msg_vq(m->p.state.index);
		if (!q)
			return -EINVAL;
		q->enabled = false;	/* the ring stops (vhost-user spec) */
		m->p.state.num = q->last_avail;
		return send_reply(m, &m->p.state, sizeof(m->p.state)) ?: 1;
	case VU_SET_VRING_ADDR:
		q = msg_vq(m->p.addr.index);
		if (!q)
			return -EINVAL;
		q->desc_ua = m->p.addr.desc;
		q->avail_ua = m->p.addr.avail;
		q->used_ua = m->p.addr.used;
		q->desc = NULL;
		if (q->num && !vq_resolve(q))
			return -EFAULT;
		if (q->used)
			q->used_idx = q->used->idx;
		return 0;
	case VU_SET_VRING_KICK:
	case VU_SET_VRING_CALL:
	case VU_SET_VRING_ERR:
		idx = (uint32_t)(m->p.u64 & VU_VRING_INDEX_MASK);
		q = msg_vq(idx);
		if (!q)
			return -EINVAL;
		if (m->hdr.request == VU_SET_VRING_KICK)
			slot_fd = &q->kick_fd;
		else if (m->hdr.request == VU_SET_VRING_CALL)
			slot_fd = &q->call_fd;
		else
			slot_fd = NULL;
		if (slot_fd)
			close_fd(slot_fd);
		if (m->p.u64 & VU_VRING_NOFD_MASK)
			return 0;
		if (nfds != 1)
			return -EINVAL;
		if (slot_fd) {
			*slot_fd = fds[0];
			fds[0] = -1;
			/* a full pipe means UML has notifications pending */
			fcntl(*slot_fd, F_SETFL,
			      fcntl(*slot_fd, F_GETFL) | O_NONBLOCK);
		}
		/* Without protocol features a kick also enables (spec) */
		if (m->hdr.request == VU_SET_VRING_KICK &&
		    !(g.features & (1ull << VU_F_PROTOCOL_FEATURES)))
			q->enabled = true;
		return 0;
	case VU_SET_VRING_ENABLE:
		q = msg_vq(m->p.state.index);
		if (!q)
			return -EINVAL;
		q->enabled = m->p.state.num != 0;
		vlog("queue %u %s", m->p.state.index,
		     q->enabled ? "enabled" : "disabled");
		return 0;
	default:
		logmsg("unsupported vhost-user request %u", m->hdr.request);
		for (i = 0; i < nfds; i++)
			close_fd(&fds[i]);
		return -ENOSYS;
	}
}

static int serve_socket(void)
{
	static struct vu_msg m;
	int fds[VU_MAX_FDS], err;
	unsigned int nfds, i;

	err = recv_msg(&m, fds, &nfds);
	if (err)
		return err;
	vlog("vhost-user request %u size %u fds %u", m.hdr.request,
	     m.hdr.size, nfds);
	err = handle_msg(&m, fds, nfds);
	for (i = 0; i < nfds; i++)
		if (fds[i] >= 0 && m.hdr.request != VU_SET_MEM_TABLE)
			close(fds[i]);
	if (m.hdr.request == VU_SET_MEM_TABLE)
		for (i = 0; i < nfds; i++)
			close(fds[i]);	/* the mappings keep the memory */
	if (err < 0)
		logmsg("vhost-user request %u failed: %s", m.hdr.request,
		       strerror(-err));
	if (err <= 0 && (m.hdr.flags & VU_FLAG_NEED_REPLY)) {
		err = reply_u64(&m, err < 0 ? 1 : 0);
		if (err)
			return err;
	}
	return 0;
}

/* ---- setup and main loop */

static void on_signal(int sig)
{
	stop_signal = sig;
}

static int listen_socket(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (strlen(g.socket_path) >= sizeof(sa.sun_path)) {
		logmsg("socket path too long: %s", g.socket_path);
		return -1;
	}
	strcpy(sa.sun_path, g.socket_path);
	g.listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (g.listen_fd < 0)
		return -1;
	unlink(g.socket_path);
	if (bind(g.listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(g.listen_fd, 1) < 0) {
		logmsg("%s: %s", g.socket_path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Sleep a little; false when it is time to give up (deadline, signal, UML gone) */
static bool wait_until(uint64_t deadline)
{
	struct pollfd pf = { .fd = g.conn_fd, .events = POLLRDHUP };

	if (stop_signal || now_ns() >= deadline)
		return false;
	if (poll(&pf, 1, 50) > 0 && (pf.revents & (POLLRDHUP | POLLHUP | POLLERR))) {
		logmsg("UML went away while we waited for the chassis");
		return false;
	}
	return true;
}

/* The chassis may be brought up after UML started: wait for it */
static int open_slot(void)
{
	uint64_t deadline = now_ns() + (uint64_t)(g.wait_s * 1e9);
	struct stat sb;

	if (g.ready_file) {
		while (stat(g.ready_file, &sb) < 0)
			if (!wait_until(deadline)) {
				logmsg("%s did not appear", g.ready_file);
				return -1;
			}
	}
	for (;;) {
		g.ch = pcinet_sim_chassis_open(g.dir);
		if (g.ch) {
			g.slot = pcinet_sim_slot_open(g.ch, g.slot_num,
						      PCINET_SIM_HOST);
			if (g.slot)
				break;
			pcinet_sim_chassis_close(g.ch);
			g.ch = NULL;
		}
		if (!wait_until(deadline)) {
			if (!stop_signal && now_ns() >= deadline)
				logmsg("no chassis slot %u in %s: %s",
				       g.slot_num, g.dir, strerror(errno));
			return -1;
		}
	}
	g.irq_fd = pcinet_sim_irq_fd(g.slot);
	/* chassis.conf holds a power-of-two ram_size: BAR1 sizes right */
	logmsg("slot %u of %s: BAR0 IMMR 0x%x bytes, BAR1 0x%x bytes",
	       g.slot_num, g.dir, M83XX_IMMR_SIZE, pcinet_sim_bar_size(g.slot));
	return 0;
}

static int serve(void)
{
	for (;;) {
		struct pollfd pf[4];
		int n = 0, timeout = -1, err;
		uint64_t t;

		pf[n++] = (struct pollfd){ .fd = g.conn_fd, .events = POLLIN };
		pf[n++] = (struct pollfd){ .fd = g.vq[CMD_VQ].kick_fd,
					   .events = POLLIN };
		pf[n++] = (struct pollfd){ .fd = g.vq[IRQ_VQ].kick_fd,
					   .events = POLLIN };
		pf[n++] = (struct pollfd){ .fd = g.irq_fd, .events = POLLIN };
		if (g.irq_check_ns) {
			t = now_ns();
			timeout = g.irq_check_ns > t ?
				  (int)((g.irq_check_ns - t + 999999) / 1000000) : 0;
		}
		if (stop_signal)
			return 0;
		if (poll(pf, (nfds_t)n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (pf[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			err = serve_socket();
			if (err == -ECONNRESET)
				return 0;	/* UML is gone */
			if (err)
				return err;
		}
		if (pf[1].revents & POLLIN) {
			uint64_t v;

			if (read(pf[1].fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
				return -errno;
		}
		/* Every round: a kick may have raced with a ring update */
		cmd_queue();
		if (pf[2].revents & POLLIN) {
			uint64_t v;

			if (read(pf[2].fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
				return -errno;
			if (g.irq_owed)
				irq_update(true);
		}
		if (pf[3].revents & POLLIN) {
			pcinet_sim_irq_drain(g.slot);
			irq_update(true);
		}
		irq_timer();
	}
}

static void cleanup(void)
{
	unsigned int i;

	for (i = 0; i < NQUEUES; i++) {
		close_fd(&g.vq[i].kick_fd);
		close_fd(&g.vq[i].call_fd);
	}
	mem_unmap();
	close_fd(&g.slave_fd);
	close_fd(&g.conn_fd);
	close_fd(&g.listen_fd);
	if (g.socket_path)
		unlink(g.socket_path);
	if (g.slot)
		pcinet_sim_slot_close(g.slot);
	if (g.ch)
		pcinet_sim_chassis_close(g.ch);
	free(g.msgbuf);
}

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s --socket PATH --dir DIR --slot N [--ready-file F]\n"
		"          [--wait SECONDS] [--verbose]\n"
		"  Serve slot N of the simulated chassis in DIR as a PCI device\n"
		"  of a user-mode Linux kernel started with\n"
		"  virtio_uml.device=PATH:<CONFIG_UML_PCI_OVER_VIRTIO_DEVICE_ID>.\n"
		"  --ready-file F  after UML connected, wait for F to exist\n"
		"  --wait S        wait at most S seconds for F and the chassis\n"
		"                  (default 120)\n"
		"  --verbose       log every access\n"
		"Exit: 0 when UML went away or on SIGTERM/SIGINT, 1 on a failure,\n"
		"2 on bad usage. docs/uml.md says more.\n", prog);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "dir", required_argument, NULL, 'd' },
		{ "slot", required_argument, NULL, 'n' },
		{ "ready-file", required_argument, NULL, 'r' },
		{ "wait", required_argument, NULL, 'w' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sigaction sa = { .sa_handler = on_signal };
	unsigned int i;
	int c, err = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's': g.socket_path = optarg; break;
		case 'd': g.dir = optarg; break;
		case 'n': g.slot_num = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'r': g.ready_file = optarg; break;
		case 'w': g.wait_s = strtod(optarg, NULL); break;
		case 'v': g.verbose = true; break;
		case 'h': usage(stdout, argv[0]); return 0;
		default: usage(stderr, argv[0]); return 2;
		}
	}
	if (!g.socket_path || !g.dir || !g.slot_num || optind != argc) {
		usage(stderr, argv[0]);
		return 2;
	}
	for (i = 0; i < NQUEUES; i++)
		g.vq[i].kick_fd = g.vq[i].call_fd = -1;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stderr, NULL, _IOLBF, 0);
	g.msgbuf = malloc(sizeof(struct virtio_pcidev_msg) + MAX_MSG_DATA);
	if (!g.msgbuf || listen_socket() < 0) {
		cleanup();
		return 1;
	}
	logmsg("listening on %s", g.socket_path);
	while (g.conn_fd < 0 && !stop_signal) {
		g.conn_fd = accept4(g.listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (g.conn_fd < 0 && errno != EINTR) {
			logmsg("accept: %s", strerror(errno));
			cleanup();
			return 1;
		}
	}
	close_fd(&g.listen_fd);
	unlink(g.socket_path);	/* one kernel per device */
	if (stop_signal || open_slot() < 0) {
		cleanup();
		return stop_signal ? 0 : 1;
	}
	logmsg("UML connected");
	err = serve();
	if (err)
		logmsg("stopping: %s", strerror(-err));
	logmsg("done: config reads %" PRIu64 " writes %" PRIu64
	       ", BAR reads %" PRIu64 " writes %" PRIu64 ", INTA messages %"
	       PRIu64 ", unaligned %" PRIu64, g.n_cfg_rd, g.n_cfg_wr,
	       g.n_mmio_rd, g.n_mmio_wr, g.n_int, g.n_odd);
	if (g.slot) {
		char last[200];

		pcinet_sim_last_violation(g.slot, last, sizeof(last));
		logmsg("slot %u: %" PRIu64 " protocol violations%s%s",
		       g.slot_num, pcinet_sim_violations(g.slot),
		       last[0] ? ", the last: " : "", last);
	}
	cleanup();
	return err ? 1 : 0;
}
