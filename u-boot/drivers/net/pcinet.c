// SPDX-License-Identifier: GPL-2.0+
/*
 * PCINet virtual Ethernet, board side: an MPC83xx in PCI agent mode talks
 * to its PCI host through the backplane (docs/protocol.md, PCINet v1).
 *
 * The shared region (inbound window 0, the host's BAR1) holds the control
 * block and two descriptor rings, written by the host; the board reads them
 * from its own RAM and moves every frame with its DMA controller through an
 * outbound window, then writes indices and completions into the host's
 * memory with the same DMA chain. Neither side reads across PCI.
 *
 * U-Boot polls: NET_RXINT_OFF is set in every status this driver writes,
 * and the host's attach, detach and doorbells are seen when the network
 * stack calls send() or recv(). Every DMA is started and waited for in the
 * same call, so no transfer is ever in flight between two calls.
 */

#define LOG_CATEGORY UCLASS_ETH

#include <common.h>
#include <cpu_func.h>
#include <dm.h>
#include <log.h>
#include <net.h>
#include <pcinet_hw.h>
#include <time.h>
#include <dm/device_compat.h>
#include <linux/compiler.h>
#include <linux/delay.h>
#include <linux/sizes.h>
#include <pcinet/mpc83xx.h>
#include <pcinet/pcinet_proto.h>
#include <pcinet/pcinet_ring.h>

#define PCINET_H2B_RING		128	/* frames the host may queue for us */
#define PCINET_B2H_RING		64	/* buffers the host may post */
#define PCINET_MAX_FRAME	1514	/* 1500-byte MTU + header, no FCS */
#define PCINET_BUF_SIZE		1536	/* one frame, cache-line multiple */
#define PCINET_RX_BUFS		64	/* local receive buffers: one pull */
/* Longest chain: every b2h buffer completed, then a frame and an index */
#define PCINET_DMA_DESCS	(PCINET_B2H_RING + 2)
#define PCINET_DEF_DMA_CH	1	/* channel 0 is U-Boot's dmacpy() */

#define PCINET_ATTACH_MS	2000	/* host attach after VALID is set */
#define PCINET_TX_WAIT_MS	500	/* a b2h buffer from the host */
#define PCINET_DMA_MS		500	/* one chain */

#define PCINET_SLOT_MAX		255	/* last MAC byte */

/* The board's private part of the shared region, after the rings
 * (docs/protocol.md 6.3): DMA descriptors, the words a chain copies into
 * the host area, and the frame buffers. Only the DMA controller and this
 * driver use it.
 */
struct pcinet_local {
	struct m83xx_dma_desc desc[PCINET_DMA_DESCS];
	__le32 hdr[4];		/* host area header: h2b_cons, b2h_done, gen */
	__le32 h2b_cons;	/* trailing index of an h2b chain */
	__le32 b2h_done;	/* trailing index of a b2h chain */
	struct pcinet_cmpl cmpl[PCINET_B2H_RING + 1];
	u8 tx[PCINET_BUF_SIZE] __aligned(64);
	u8 rx[PCINET_RX_BUFS][PCINET_BUF_SIZE] __aligned(64);
};

/**
 * struct pcinet_priv - one PCINet link
 *
 * @hw: the hardware access layer
 * @region_local: shared region, board-local base (device tree)
 * @region_size: its size, a power of two
 * @ob_index: outbound window used for host memory (device tree)
 * @ob_local: its board-local base
 * @win: its PCI side, as the protocol checks it
 * @dma_ch: DMA channel
 * @slot: crate slot, for the default MAC (0: unknown)
 * @ctrl: the control block, mapped
 * @rings_end: offset of the end of the rings in the region
 * @h2b: the h2b ring, mapped
 * @b2h: the b2h ring, mapped
 * @loc: the private part of the region (at @rings_end), mapped
 * @loc_local: its board-local address
 * @started: NET_REGISTERS_VALID published
 * @attached: NET_STATUS_RUNNING set: we may DMA into the host area
 * @err: sticky failure of this start (until stop)
 * @generation: generation published at the last start
 * @wait_start: when we started waiting for the host to attach
 * @host_detaches: times the host let go of this start's region
 * @host_rxint_off: the host's NET_RXINT_OFF, as last seen
 * @area_local: board-local address of the host area
 * @h2b_cons: h2b descriptors done
 * @b2h_done: b2h completions written
 * @rx_head: local buffers filled
 * @rx_next: local buffers handed to the stack
 * @rx_freed: local buffers the stack gave back
 * @rx_len: frame length per local buffer
 * @warned: messages logged once per start (PCINET_WARN_*)
 * @rx_frames: frames received
 * @tx_frames: frames sent
 * @rx_dropped: h2b descriptors dropped
 * @tx_dropped: b2h buffers completed with PCINET_CMPL_ERR
 */
struct pcinet_priv {
	struct pcinet_hw *hw;
	ulong region_local;
	u32 region_size;
	u32 ob_index;
	ulong ob_local;
	struct pcinet_window win;
	u32 dma_ch;
	u32 slot;
	struct pcinet_ctrl *ctrl;
	u32 rings_end;
	struct pcinet_desc *h2b;
	struct pcinet_desc *b2h;
	struct pcinet_local *loc;
	ulong loc_local;
	bool started;
	bool attached;
	int err;
	u32 generation;
	ulong wait_start;
	u32 host_detaches;
	bool host_rxint_off;
	u32 area_local;
	u32 h2b_cons;
	u32 b2h_done;
	u32 rx_head;
	u32 rx_next;
	u32 rx_freed;
	u16 rx_len[PCINET_RX_BUFS];
	u32 warned;
	u32 rx_frames;
	u32 tx_frames;
	u32 rx_dropped;
	u32 tx_dropped;
};

#define PCINET_WARN_H2B		BIT(0)
#define PCINET_WARN_B2H		BIT(1)
#define PCINET_WARN_NOBUF	BIT(2)
#define PCINET_WARN_STOP	BIT(3)

/* Full barrier between our accesses to memory that the host and the DMA
 * controller share with us, and the register accesses around them.
 */
static inline void pcinet_mb(void)
{
	__sync_synchronize();
}

/* Cache maintenance for memory a bus master writes or reads */
static void pcinet_flush(const void *p, size_t len)
{
	ulong start = (ulong)p;

	flush_dcache_range(rounddown(start, ARCH_DMA_MINALIGN),
			   roundup(start + len, ARCH_DMA_MINALIGN));
}

/* Only for memory whose cache lines nobody but the bus master writes */
static void pcinet_inval(const void *p, size_t len)
{
	ulong start = (ulong)p;

	invalidate_dcache_range(rounddown(start, ARCH_DMA_MINALIGN),
				roundup(start + len, ARCH_DMA_MINALIGN));
}

static u32 pcinet_rd(struct pcinet_priv *priv, u32 reg)
{
	return pcinet_hw_read(priv->hw, reg);
}

static void pcinet_wr(struct pcinet_priv *priv, u32 reg, u32 val)
{
	pcinet_hw_write(priv->hw, reg, val);
}

/* Board-local address of a host bus address inside the outbound window */
static u32 pcinet_host_local(const struct pcinet_priv *priv, u64 bus)
{
	return (u32)(priv->ob_local + (bus - priv->win.pci_base));
}

static u32 pcinet_loc_addr(const struct pcinet_priv *priv, const void *p)
{
	return (u32)(priv->loc_local + ((const u8 *)p - (const u8 *)priv->loc));
}

/* The board's address decoder sends a local address to the PCI controller
 * only inside an enabled PCI local access window (PCILAWBARn/PCILAWARn):
 * outside every one, the outbound window is reached neither by the CPU nor
 * by the DMA controller, and every DMA to the host ends in a transfer
 * error. An enabled PCILAW that covers the whole outbound window is left as
 * the firmware set it; else a disabled one is set to exactly that window (a
 * naturally aligned power of two, as a PCILAW must be), as old U-Boot
 * board/freescale/mpc8349emds/pci.c set pcilaw[0] and pcilaw[1].
 */
static int pcinet_program_law(struct udevice *dev)
{
	struct pcinet_priv *priv = dev_get_priv(dev);
	u64 start = priv->ob_local;
	u32 bar[M83XX_PCI_LAWS], ar[M83XX_PCI_LAWS];
	u32 n, free = M83XX_PCI_LAWS;

	for (n = 0; n < M83XX_PCI_LAWS; n++) {
		bar[n] = pcinet_rd(priv, M83XX_PCILAWBAR(n));
		ar[n] = pcinet_rd(priv, M83XX_PCILAWAR(n));
		if (!(ar[n] & M83XX_LAWAR_EN)) {
			if (free == M83XX_PCI_LAWS)
				free = n;
			continue;
		}
		if (m83xx_law_covers(bar[n], ar[n], start, priv->win.size))
			return 0;
	}
	if (free == M83XX_PCI_LAWS) {
		dev_err(dev, "outbound window %u (%#llx bytes at %#llx) is in no PCI local access window and none is free: PCILAWBAR0 %#010x PCILAWAR0 %#010x, PCILAWBAR1 %#010x PCILAWAR1 %#010x\n",
			priv->ob_index, priv->win.size, start, bar[0], ar[0],
			bar[1], ar[1]);
		return -EBUSY;
	}
	pcinet_wr(priv, M83XX_PCILAWBAR(free), (u32)start & M83XX_LAWBAR_MASK);
	pcinet_wr(priv, M83XX_PCILAWAR(free), M83XX_LAWAR_EN |
		  m83xx_piwar_code((u32)priv->win.size));
	/* read back: the window is open before anything goes through it */
	pcinet_rd(priv, M83XX_PCILAWAR(free));
	dev_dbg(dev, "PCILAW%u: %#llx bytes at %#llx\n", free, priv->win.size,
		start);
	return 0;
}

/* Inbound window 0 onto the region, outbound window n onto host memory
 * and a PCI local access window over it (docs/protocol.md 2.2, 7). A
 * window that is already set as configured is left alone, with whatever
 * other attributes the firmware gave it.
 *
 * Inbound reads and writes must snoop the CPU's data cache
 * (M83XX_PIWAR_SNOOP): the board reaches the region through its cache,
 * and without snooping a host read misses what the cache still holds and
 * a line it holds hides what the host wrote. An inbound window in place
 * without them is fixed in one write to PIWAR0 that keeps it enabled with
 * its size. U-Boot is the first stage, the one 2.2 rule 4 has set them;
 * and rule 3 is about moving or resizing the window (the host's BAR1
 * would then point at other memory), which a change of transaction type
 * does not do. Passing through a disabled window would make a host that
 * touches BAR1 meanwhile (an earlier start's lease) see no memory there.
 */
static int pcinet_program_windows(struct udevice *dev)
{
	struct pcinet_priv *priv = dev_get_priv(dev);
	u32 n = priv->ob_index;
	u32 piwar = M83XX_PIWAR_EN | M83XX_PIWAR_PF | M83XX_PIWAR_SNOOP |
		    m83xx_piwar_code(priv->region_size);
	u32 placed = M83XX_PIWAR_EN | M83XX_PIWAR_IWS_MASK;
	u32 pitar = (priv->region_local >> 12) & M83XX_PITAR_TA_MASK;
	u32 potar = (priv->win.pci_base >> 12) & M83XX_POTAR_TA_MASK;
	u32 pobar = (priv->ob_local >> 12) & M83XX_POBAR_BA_MASK;
	u32 pocmr = M83XX_POCMR_EN | M83XX_POCMR_CM(priv->win.size);
	u32 pocmr_mask = M83XX_POCMR_EN | M83XX_POCMR_IO | M83XX_POCMR_CM_MASK;
	u32 old = pcinet_rd(priv, M83XX_PIWAR0);
	int ret;

	if (pcinet_rd(priv, M83XX_PITAR0) != pitar ||
	    (old & placed) != (piwar & placed)) {
		pcinet_wr(priv, M83XX_PIWAR0, 0);
		pcinet_wr(priv, M83XX_PITAR0, pitar);
		pcinet_wr(priv, M83XX_PIWAR0, piwar);
	} else if ((old & M83XX_PIWAR_TT_MASK) != M83XX_PIWAR_SNOOP) {
		pcinet_wr(priv, M83XX_PIWAR0,
			  (old & ~M83XX_PIWAR_TT_MASK) | M83XX_PIWAR_SNOOP);
	}
	ret = pcinet_program_law(dev);
	if (ret)
		return ret;
	if ((pcinet_rd(priv, M83XX_POTAR(n)) & M83XX_POTAR_TA_MASK) != potar ||
	    (pcinet_rd(priv, M83XX_POBAR(n)) & M83XX_POBAR_BA_MASK) != pobar ||
	    (pcinet_rd(priv, M83XX_POCMR(n)) & pocmr_mask) != pocmr) {
		pcinet_wr(priv, M83XX_POCMR(n), 0);
		pcinet_wr(priv, M83XX_POTAR(n), potar);
		pcinet_wr(priv, M83XX_POBAR(n), pobar);
		pcinet_wr(priv, M83XX_POCMR(n), pocmr);
	}
	return 0;
}

/* Make sure our channel is idle; a transfer left running is halted. A
 * channel counts as running from MR[CS] on, not only while SR[CB] is set:
 * CB reads clear for a moment after the start.
 */
static int pcinet_dma_idle(struct udevice *dev)
{
	struct pcinet_priv *priv = dev_get_priv(dev);
	u32 ch = priv->dma_ch;
	ulong start = get_timer(0);

	if (!(pcinet_rd(priv, M83XX_DMA_MR(ch)) & M83XX_DMA_MR_CS) &&
	    !(pcinet_rd(priv, M83XX_DMA_SR(ch)) & M83XX_DMA_SR_CB))
		return 0;
	pcinet_wr(priv, M83XX_DMA_MR(ch), 0);
	while (pcinet_rd(priv, M83XX_DMA_SR(ch)) & M83XX_DMA_SR_CB) {
		if (get_timer(start) > PCINET_DMA_MS) {
			dev_err(dev, "DMA channel %u does not halt\n", ch);
			return -EBUSY;
		}
		mdelay(1);
	}
	return 0;
}

/* Append a transfer to the chain being built in loc->desc */
static void pcinet_dma_add(struct pcinet_priv *priv, unsigned int *n, u32 src,
			   u32 dst, u32 len)
{
	struct m83xx_dma_desc *d = &priv->loc->desc[*n];

	d->src = cpu_to_le32(src);
	d->src_hi = 0;
	d->dst = cpu_to_le32(dst);
	d->dst_hi = 0;
	d->next = cpu_to_le32(pcinet_loc_addr(priv, d + 1) | M83XX_DMA_NEXT_SNEN);
	d->next_hi = 0;
	d->count = cpu_to_le32(len);
	d->reserved = 0;
	(*n)++;
}

/* Run the chain of n transfers and wait for its end: 0, or a negative errno.
 *
 * docs/protocol.md 3.3: the chain starts with CDAR = first descriptor |
 * SNEN (the descriptor fetches snoop our cache, as every link's SNEN makes
 * the later ones) and MR[CS] 0 -> 1. SR[CB] reads clear for a moment after
 * the start, then set while the channel copies; the run has ended only
 * when CB is clear and EOCDI (or TE) is set. Only then are SR's events
 * cleared and MR with them: clearing CS earlier aborts the transfer. The
 * data is in host memory once EOCDI is seen, not before.
 */
static int pcinet_dma_run(struct udevice *dev, unsigned int n)
{
	struct pcinet_priv *priv = dev_get_priv(dev);
	struct m83xx_dma_desc *first = priv->loc->desc;
	const u32 events = M83XX_DMA_SR_EOCDI | M83XX_DMA_SR_EOSI |
			   M83XX_DMA_SR_TE;
	u32 ch = priv->dma_ch;
	ulong start;
	u32 sr;
	int ret;

	first[n - 1].next = cpu_to_le32(M83XX_DMA_NEXT_EOL |
					M83XX_DMA_NEXT_SNEN);
	pcinet_flush(first, n * sizeof(*first));
	ret = pcinet_dma_idle(dev);
	if (ret)
		return ret;
	pcinet_wr(priv, M83XX_DMA_MR(ch), M83XX_DMA_MR_PRC_RM);
	pcinet_wr(priv, M83XX_DMA_SR(ch), events);
	pcinet_wr(priv, M83XX_DMA_CDAR(ch),
		  pcinet_loc_addr(priv, first) | M83XX_DMA_CDAR_SNEN);
	pcinet_mb();
	pcinet_wr(priv, M83XX_DMA_MR(ch), M83XX_DMA_MR_PRC_RM | M83XX_DMA_MR_CS);

	start = get_timer(0);
	for (;;) {
		sr = pcinet_rd(priv, M83XX_DMA_SR(ch));
		if (!(sr & M83XX_DMA_SR_CB) &&
		    (sr & (M83XX_DMA_SR_EOCDI | M83XX_DMA_SR_TE)))
			break;
		if (get_timer(start) > PCINET_DMA_MS) {
			dev_err(dev, "DMA channel %u: no end of transfer in %u ms (SR %#x)\n",
				ch, PCINET_DMA_MS, sr);
			pcinet_dma_idle(dev);
			return -ETIMEDOUT;
		}
	}
	pcinet_wr(priv, M83XX_DMA_SR(ch), sr & events);
	pcinet_wr(priv, M83XX_DMA_MR(ch), 0);
	pcinet_mb();
	if (sr & M83XX_DMA_SR_TE) {
		dev_err(dev, "DMA transfer error (channel %u, descriptor %#x): host memory does not answer\n",
			ch, pcinet_rd(priv, M83XX_DMA_CDAR(ch)));
		return -EIO;
	}
	return 0;
}

/* Ring the host (NET_KICK). docs/protocol.md 3.5: what a DMA wrote is in
 * host memory only once the run ended with EOCDI, so a doorbell about it
 * comes after pcinet_dma_run() returned 0, never before or instead.
 */
static void pcinet_kick_host(struct pcinet_priv *priv)
{
	if (!priv->host_rxint_off)
		pcinet_wr(priv, M83XX_MU_ODR, PCINET_DB_NET_KICK);
}

/* The host's NET_KICK means nothing to a poller: keep IDR quiet */
static void pcinet_clear_kick(struct pcinet_priv *priv)
{
	if (pcinet_rd(priv, M83XX_MU_IDR) & PCINET_DB_NET_KICK)
		pcinet_wr(priv, M83XX_MU_IDR, PCINET_DB_NET_KICK);
}

/* Stop path (docs/protocol.md 10.2): DMA is idle (every chain is waited
 * for), clear VALID and RUNNING in one status write, then give the host up
 * to PCINET_STOP_ACK_MS to let go of the region.
 */
static void pcinet_withdraw(struct udevice *dev)
{
	struct pcinet_priv *priv = dev_get_priv(dev);
	ulong start;
	u32 host;

	pcinet_dma_idle(dev);
	priv->started = false;
	priv->attached = false;
	/* Nothing of the network side is left to poll or to use */
	pcinet_hw_status_update(priv->hw, 0, PCINET_NET_REGISTERS_VALID |
				PCINET_NET_STATUS_RUNNING | PCINET_NET_RXINT_OFF);
	start = get_timer(0);
	for (;;) {
		host = pcinet_hw_host_status(priv->hw);
		if (!pcinet_status_compatible(host, PCINET_STATUS_SIG_HOST) ||
		    !(host & PCINET_NET_STATUS_RUNNING))
			break;
		if (get_timer(start) >= PCINET_STOP_ACK_MS) {
			if (!(priv->warned & PCINET_WARN_STOP))
				dev_warn(dev, "host kept the region %u ms after stop\n",
					 PCINET_STOP_ACK_MS);
			priv->warned |= PCINET_WARN_STOP;
			break;
		}
		mdelay(1);
	}
	dev_dbg(dev, "stopped: rx %u tx %u, dropped rx %u tx %u\n",
		priv->rx_frames, priv->tx_frames, priv->rx_dropped,
		priv->tx_dropped);
}

/* The link cannot go on in this start: say why (the caller has), withdraw
 * the region and fail the running net command; send() and recv() return
 * err until the next start.
 */
static int pcinet_fail(struct udevice *dev, int err)
{
	struct pcinet_priv *priv = dev_get_priv(dev);

	priv->err = err;
	if (priv->started)
		pcinet_withdraw(dev);
	net_set_state(NETLOOP_FAIL);
	return err;
}

/* The host let go of the region (docs/protocol.md 10.2 detach) */
static void pcinet_detach(struct pcinet_priv *priv)
{
	u8 *host_part = (u8 *)priv->ctrl + PCINET_CTRL_OFF_HOST;

	priv->attached = false;
	/* a new attach must write its part afresh, not inherit this one */
	memset(host_part, 0, PCINET_CTRL_SIZE - PCINET_CTRL_OFF_HOST);
	pcinet_flush(host_part, PCINET_CTRL_SIZE - PCINET_CTRL_OFF_HOST);
	pcinet_mb();
	pcinet_hw_status_update(priv->hw, 0, PCINET_NET_STATUS_RUNNING);
	priv->wait_start = get_timer(0);
	priv->host_detaches++;
}

/* The host holds its lease: attach if its part is complete and for this
 * generation (docs/protocol.md 10.2). Returns 0 also when it is not yet.
 */
static int pcinet_attach(struct udevice *dev)
{
	struct pcinet_priv *priv = dev_get_priv(dev);
	struct pcinet_ctrl *c = priv->ctrl;
	struct pcinet_local *loc = priv->loc;
	u32 version, size, host;
	unsigned int n = 0;
	u64 area;
	int ret;

	pcinet_inval((u8 *)c + PCINET_CTRL_OFF_HOST,
		     PCINET_CTRL_SIZE - PCINET_CTRL_OFF_HOST);
	if (le32_to_cpu(READ_ONCE(c->host_magic)) != PCINET_MAGIC)
		return 0;
	pcinet_mb();
	if (le32_to_cpu(READ_ONCE(c->generation_ack)) != priv->generation)
		return 0;
	version = le32_to_cpu(READ_ONCE(c->host_version));
	area = (u64)le32_to_cpu(READ_ONCE(c->host_area_hi)) << 32 |
	       le32_to_cpu(READ_ONCE(c->host_area_lo));
	size = le32_to_cpu(READ_ONCE(c->host_area_size));

	if (PCINET_VERSION_MAJOR_OF(version) != PCINET_VERSION_MAJOR) {
		dev_err(dev, "refusing the host's attach: host protocol version %#x unsupported\n",
			version);
		return pcinet_fail(dev, -EPROTONOSUPPORT);
	}
	if (!pcinet_host_area_ok(area, size, PCINET_B2H_RING, &priv->win)) {
		dev_err(dev, "refusing the host's attach: host area %#llx (%u bytes) misaligned, too small or outside the outbound window %#llx (%#llx bytes)\n",
			area, size, priv->win.pci_base, priv->win.size);
		return pcinet_fail(dev, -EPROTO);
	}

	priv->area_local = pcinet_host_local(priv, area);
	priv->h2b_cons = 0;
	priv->b2h_done = 0;
	loc->hdr[0] = cpu_to_le32(0);
	loc->hdr[1] = cpu_to_le32(0);
	loc->hdr[2] = cpu_to_le32(priv->generation);
	pcinet_flush(loc->hdr, sizeof(loc->hdr));
	pcinet_dma_add(priv, &n, pcinet_loc_addr(priv, loc->hdr),
		       priv->area_local, 3 * sizeof(__le32));
	ret = pcinet_dma_run(dev, n);
	if (ret)
		return pcinet_fail(dev, ret);

	/* docs/protocol.md 3.5: the header is in host memory (EOCDI seen) */
	priv->attached = true;
	pcinet_hw_status_update(priv->hw, PCINET_NET_STATUS_RUNNING, 0);
	/* 10.2: IMR1 again before serving. A host that ended its lease while
	 * we attached, and read our RUNNING still clear, has reclaimed the
	 * buffers its descriptors name: serving them would DMA into memory
	 * it may have handed to someone else.
	 */
	host = pcinet_hw_host_status(priv->hw);
	if (!pcinet_status_compatible(host, PCINET_STATUS_SIG_HOST) ||
	    !(host & PCINET_NET_STATUS_RUNNING)) {
		pcinet_detach(priv);
		return 0;
	}
	dev_dbg(dev, "attached: generation %u, host area %#llx\n",
		priv->generation, area);
	return 0;
}

/* Look at the host's status word (IMR1, a local register): attach,
 * detach, refuse. IMISR is left alone: its IM1I belongs to the console
 * driver, and the status word itself tells us all we need.
 */
static int pcinet_poll_host(struct udevice *dev)
{
	struct pcinet_priv *priv = dev_get_priv(dev);
	u32 host = pcinet_hw_host_status(priv->hw);
	bool compatible = pcinet_status_compatible(host, PCINET_STATUS_SIG_HOST);
	bool running = compatible && (host & PCINET_NET_STATUS_RUNNING);
	bool rxint_off = compatible && (host & PCINET_NET_RXINT_OFF);
	int ret;

	if (priv->err)
		return priv->err;
	if (!priv->started)
		return -ENETDOWN;
	if (!compatible && pcinet_status_present(host, PCINET_STATUS_SIG_HOST)) {
		dev_err(dev, "PCI host speaks PCINet major %u, this board %u: refused\n",
			pcinet_status_version(host), PCINET_VERSION_MAJOR);
		return pcinet_fail(dev, -EPROTONOSUPPORT);
	}
	/* a peer that stops polling gets the kick it may have missed (8.5) */
	if (priv->host_rxint_off && !rxint_off) {
		priv->host_rxint_off = false;
		if (priv->attached)
			pcinet_kick_host(priv);
	}
	priv->host_rxint_off = rxint_off;
	pcinet_clear_kick(priv);

	if (priv->attached && !running)
		pcinet_detach(priv);
	if (!priv->attached && running) {
		ret = pcinet_attach(dev);
		if (ret)
			return ret;
	}
	if (!priv->attached && get_timer(priv->wait_start) > PCINET_ATTACH_MS) {
		/* what the host said, for whoever reads the console log */
		dev_err(dev, "no PCI host attached within %u ms (host status 0x%08x, %u detaches by the host since the start)\n",
			PCINET_ATTACH_MS, host, priv->host_detaches);
		return pcinet_fail(dev, -ENOLINK);
	}
	return 0;
}

static int pcinet_start(struct udevice *dev)
{
	struct pcinet_priv *priv = dev_get_priv(dev);
	struct eth_pdata *pdata = dev_get_plat(dev);
	struct pcinet_ctrl *c = priv->ctrl;
	u32 host = pcinet_hw_host_status(priv->hw);
	u32 gen;
	int ret;

	if (priv->started)
		pcinet_withdraw(dev);
	priv->err = 0;
	priv->warned = 0;
	if (pcinet_status_present(host, PCINET_STATUS_SIG_HOST) &&
	    !pcinet_status_compatible(host, PCINET_STATUS_SIG_HOST)) {
		dev_err(dev, "PCI host speaks PCINet major %u, this board %u: refused\n",
			pcinet_status_version(host), PCINET_VERSION_MAJOR);
		return -EPROTONOSUPPORT;
	}
	ret = pcinet_program_windows(dev);
	if (ret)
		return ret;
	ret = pcinet_dma_idle(dev);
	if (ret)
		return ret;

	/* a generation the host has not seen yet, never 0 (6.7) */
	pcinet_inval(c, PCINET_CTRL_SIZE);
	gen = pcinet_next_generation(c, priv->generation);
	priv->generation = gen;

	memset(c, 0, priv->rings_end);
	pcinet_layout_default(c, priv->region_size, PCINET_H2B_RING,
			      PCINET_B2H_RING, PCINET_MAX_FRAME, gen,
			      &priv->win);
	pcinet_mac_pack(pdata->enetaddr, &c->mac_lo, &c->mac_hi);
	pcinet_flush(c, priv->rings_end);

	priv->attached = false;
	priv->host_rxint_off = false;
	priv->h2b_cons = 0;
	priv->b2h_done = 0;
	priv->rx_head = 0;
	priv->rx_next = 0;
	priv->rx_freed = 0;
	priv->rx_frames = 0;
	priv->tx_frames = 0;
	priv->rx_dropped = 0;
	priv->tx_dropped = 0;
	pcinet_clear_kick(priv);
	pcinet_mb();

	priv->started = true;
	priv->wait_start = get_timer(0);
	priv->host_detaches = 0;
	pcinet_hw_status_update(priv->hw, PCINET_NET_REGISTERS_VALID |
				PCINET_NET_RXINT_OFF, PCINET_NET_STATUS_RUNNING);
	dev_dbg(dev, "registers valid: generation %u\n", gen);
	return 0;
}

/* Pull what the host posted on the h2b ring into free local buffers */
static int pcinet_rx_pull(struct udevice *dev)
{
	struct pcinet_priv *priv = dev_get_priv(dev);
	struct pcinet_local *loc = priv->loc;
	u32 room = PCINET_RX_BUFS - (priv->rx_head - priv->rx_freed);
	u32 cons = priv->h2b_cons, filled = 0, prod, len, buf;
	enum pcinet_desc_err derr;
	struct pcinet_desc d;
	unsigned int n = 0;
	int ret;

	pcinet_inval(&priv->ctrl->h2b_prod, sizeof(priv->ctrl->h2b_prod));
	prod = le32_to_cpu(READ_ONCE(priv->ctrl->h2b_prod));
	if (!pcinet_ring_prod_ok(prod, cons, PCINET_H2B_RING)) {
		dev_err(dev, "host protocol error: h2b producer index %u with %u consumed, ring of %u\n",
			prod, cons, PCINET_H2B_RING);
		return pcinet_fail(dev, -EPROTO);
	}
	if (prod == cons || !room)
		return 0;
	pcinet_mb();
	pcinet_inval(priv->h2b, PCINET_H2B_RING * sizeof(d));

	while (cons != prod && filled < room) {
		memcpy(&d, &priv->h2b[pcinet_ring_slot(cons, PCINET_H2B_RING)],
		       sizeof(d));
		derr = pcinet_desc_check(&d, true, PCINET_MAX_FRAME, &priv->win);
		if (derr != PCINET_DESC_OK) {
			if (!(priv->warned & PCINET_WARN_H2B))
				dev_err(dev, "dropping host frame %u: %s\n",
					cons, pcinet_desc_strerror(derr));
			priv->warned |= PCINET_WARN_H2B;
			priv->rx_dropped++;
			cons++;
			continue;
		}
		len = le32_to_cpu(d.len);
		buf = (priv->rx_head + filled) % PCINET_RX_BUFS;
		priv->rx_len[buf] = len;
		/* nothing of ours may be written back over the new frame */
		pcinet_inval(loc->rx[buf], PCINET_BUF_SIZE);
		pcinet_dma_add(priv, &n,
			       pcinet_host_local(priv, pcinet_desc_addr(&d)),
			       pcinet_loc_addr(priv, loc->rx[buf]), len);
		filled++;
		cons++;
	}

	/* h2b_cons last in the chain: the host reuses frames once it moves */
	loc->h2b_cons = cpu_to_le32(cons);
	pcinet_flush(&loc->h2b_cons, sizeof(loc->h2b_cons));
	pcinet_dma_add(priv, &n, pcinet_loc_addr(priv, &loc->h2b_cons),
		       priv->area_local, sizeof(loc->h2b_cons));
	ret = pcinet_dma_run(dev, n);
	if (ret)
		return pcinet_fail(dev, ret);

	priv->h2b_cons = cons;
	priv->rx_head += filled;
	/* docs/protocol.md 3.5: h2b_cons is in host memory (EOCDI seen) */
	pcinet_kick_host(priv);
	return 0;
}

static int pcinet_recv(struct udevice *dev, int flags, uchar **packetp)
{
	struct pcinet_priv *priv = dev_get_priv(dev);
	u32 buf;
	int ret;

	if (priv->rx_next == priv->rx_head) {
		ret = pcinet_poll_host(dev);
		if (ret)
			return ret;
		if (!priv->attached)
			return -EAGAIN;
		ret = pcinet_rx_pull(dev);
		if (ret)
			return ret;
		if (priv->rx_next == priv->rx_head)
			return -EAGAIN;
	}
	buf = priv->rx_next++ % PCINET_RX_BUFS;
	pcinet_inval(priv->loc->rx[buf], priv->rx_len[buf]);
	priv->rx_frames++;
	*packetp = priv->loc->rx[buf];
	return priv->rx_len[buf];
}

static int pcinet_free_pkt(struct udevice *dev, uchar *packet, int length)
{
	struct pcinet_priv *priv = dev_get_priv(dev);

	if (priv->rx_freed != priv->rx_next)
		priv->rx_freed++;
	return 0;
}

/* Wait (bounded) until we are attached and the host has posted a b2h
 * buffer; returns the host's producer index.
 */
static int pcinet_tx_wait(struct udevice *dev, u32 *prodp)
{
	struct pcinet_priv *priv = dev_get_priv(dev);
	ulong start = get_timer(0);
	u32 prod;
	int ret;

	for (;;) {
		ret = pcinet_poll_host(dev);
		if (ret)
			return ret;
		if (priv->attached) {
			pcinet_inval(&priv->ctrl->b2h_prod,
				     sizeof(priv->ctrl->b2h_prod));
			prod = le32_to_cpu(READ_ONCE(priv->ctrl->b2h_prod));
			if (!pcinet_ring_prod_ok(prod, priv->b2h_done,
						 PCINET_B2H_RING)) {
				dev_err(dev, "host protocol error: b2h producer index %u with %u done, ring of %u\n",
					prod, priv->b2h_done, PCINET_B2H_RING);
				return pcinet_fail(dev, -EPROTO);
			}
			if (prod != priv->b2h_done) {
				*prodp = prod;
				return 0;
			}
			if (get_timer(start) > PCINET_TX_WAIT_MS) {
				if (!(priv->warned & PCINET_WARN_NOBUF))
					dev_err(dev, "no receive buffer from the host in %u ms: frame not sent\n",
						PCINET_TX_WAIT_MS);
				priv->warned |= PCINET_WARN_NOBUF;
				return -ENOBUFS;
			}
		}
		mdelay(1);
	}
}

/* Chain the posted buffers from b2h_done on (docs/protocol.md 8.4): an
 * error completion for each unusable one, the frame into the first usable
 * one and its completion. Returns 0 when the frame is placed, -EMSGSIZE
 * when it is dropped (longer than the first good buffer), -EAGAIN when no
 * buffer up to prod could take it; *donep is the new b2h_done.
 */
static int pcinet_tx_fill(struct udevice *dev, u32 prod, int length,
			  unsigned int *n, u32 *donep)
{
	struct pcinet_priv *priv = dev_get_priv(dev);
	struct pcinet_local *loc = priv->loc;
	struct pcinet_cmpl *c = loc->cmpl;
	enum pcinet_desc_err derr;
	struct pcinet_desc d;
	u32 done, slot;
	int ret = -EAGAIN;

	pcinet_inval(priv->b2h, PCINET_B2H_RING * sizeof(d));
	for (done = priv->b2h_done; done != prod && ret == -EAGAIN; done++) {
		slot = pcinet_ring_slot(done, PCINET_B2H_RING);
		memcpy(&d, &priv->b2h[slot], sizeof(d));
		derr = pcinet_desc_check(&d, false, PCINET_MAX_FRAME, &priv->win);
		if (derr == PCINET_DESC_OK && length <= le32_to_cpu(d.len)) {
			pcinet_dma_add(priv, n, pcinet_loc_addr(priv, loc->tx),
				       pcinet_host_local(priv, pcinet_desc_addr(&d)),
				       length);
			c->len = cpu_to_le32(length);
			c->flags = cpu_to_le32(0);
			ret = 0;
		} else {
			if (!(priv->warned & PCINET_WARN_B2H))
				dev_err(dev, "host buffer %u unusable for %d bytes: %s\n",
					done, length, derr ?
					pcinet_desc_strerror(derr) : "too small");
			priv->warned |= PCINET_WARN_B2H;
			priv->tx_dropped++;
			c->len = cpu_to_le32(0);
			c->flags = cpu_to_le32(PCINET_CMPL_ERR);
			/* never truncated: too long for a good buffer, dropped */
			if (derr == PCINET_DESC_OK)
				ret = -EMSGSIZE;
		}
		pcinet_dma_add(priv, n, pcinet_loc_addr(priv, c),
			       priv->area_local + PCINET_HOST_AREA_HDR +
			       slot * PCINET_CMPL_SIZE, sizeof(*c));
		c++;
	}
	pcinet_flush(loc->cmpl, (c - loc->cmpl) * sizeof(*c));
	*donep = done;
	return ret;
}

/* One DMA chain per frame: payload, completions, then b2h_done (8.4) */
static int pcinet_send(struct udevice *dev, void *packet, int length)
{
	struct pcinet_priv *priv = dev_get_priv(dev);
	struct pcinet_local *loc = priv->loc;
	unsigned int n;
	u32 prod, done;
	int ret, result;

	if (priv->err)
		return priv->err;
	if (length < 1 || length > PCINET_MAX_FRAME) {
		dev_err(dev, "frame of %d bytes not sent: the link carries 1..%u\n",
			length, PCINET_MAX_FRAME);
		return -EMSGSIZE;
	}
	memcpy(loc->tx, packet, length);
	pcinet_flush(loc->tx, length);

	do {
		ret = pcinet_tx_wait(dev, &prod);
		if (ret)
			return ret;
		pcinet_mb();
		n = 0;
		result = pcinet_tx_fill(dev, prod, length, &n, &done);
		loc->b2h_done = cpu_to_le32(done);
		pcinet_flush(&loc->b2h_done, sizeof(loc->b2h_done));
		pcinet_dma_add(priv, &n, pcinet_loc_addr(priv, &loc->b2h_done),
			       priv->area_local + sizeof(__le32),
			       sizeof(loc->b2h_done));
		ret = pcinet_dma_run(dev, n);
		if (ret)
			return pcinet_fail(dev, ret);
		priv->b2h_done = done;
		/* docs/protocol.md 3.5: frame, completions and b2h_done
		 * are in host memory (EOCDI seen)
		 */
		pcinet_kick_host(priv);
	} while (result == -EAGAIN);

	if (!result)
		priv->tx_frames++;
	return result;
}

static void pcinet_stop(struct udevice *dev)
{
	struct pcinet_priv *priv = dev_get_priv(dev);

	if (priv->started)
		pcinet_withdraw(dev);
	priv->err = 0;
}

/* The MAC travels in the control block, published at every start */
static int pcinet_write_hwaddr(struct udevice *dev)
{
	return 0;
}

/* Without an address from the device tree or the environment: per slot */
static int pcinet_read_rom_hwaddr(struct udevice *dev)
{
	struct pcinet_priv *priv = dev_get_priv(dev);
	struct eth_pdata *pdata = dev_get_plat(dev);
	u32 slot = priv->slot;

	if (!slot && pcinet_hw_slot(priv->hw, &slot))
		return -ENOENT;
	if (!slot || slot > PCINET_SLOT_MAX)
		return -ENOENT;
	/* locally administered, "PCI", then the slot */
	pdata->enetaddr[0] = 0x02;
	pdata->enetaddr[1] = 0x50;
	pdata->enetaddr[2] = 0x43;
	pdata->enetaddr[3] = 0x49;
	pdata->enetaddr[4] = 0x00;
	pdata->enetaddr[5] = (u8)slot;
	return 0;
}

static int pcinet_of_to_plat(struct udevice *dev)
{
	struct pcinet_priv *priv = dev_get_priv(dev);
	u32 region[2], ob[4];
	int ret;

	ret = dev_read_u32_array(dev, "fsl,pcinet-region", region, 2);
	if (ret) {
		dev_err(dev, "fsl,pcinet-region: <local-base size> missing\n");
		return -EINVAL;
	}
	ret = dev_read_u32_array(dev, "fsl,pcinet-outbound", ob, 4);
	if (ret) {
		dev_err(dev, "fsl,pcinet-outbound: <index local-base pci-base size> missing\n");
		return -EINVAL;
	}
	priv->region_local = region[0];
	priv->region_size = region[1];
	priv->ob_index = ob[0];
	priv->ob_local = ob[1];
	priv->win.pci_base = ob[2];
	priv->win.size = ob[3];
	priv->dma_ch = dev_read_u32_default(dev, "fsl,pcinet-dma-channel",
					    PCINET_DEF_DMA_CH);
	priv->slot = dev_read_u32_default(dev, "fsl,pcinet-slot", 0);

	if (!pcinet_is_pow2(region[1]) || region[1] < PCINET_MIN_WINDOW ||
	    region[0] & (region[1] - 1)) {
		dev_err(dev, "fsl,pcinet-region: %#x bytes at %#x: need a power of two from %#x, aligned to its size\n",
			region[1], region[0], PCINET_MIN_WINDOW);
		return -EINVAL;
	}
	if (ob[0] >= M83XX_PCI_OUTBOUND_WINDOWS || !pcinet_is_pow2(ob[3]) ||
	    ob[3] < SZ_4K || (ob[1] | ob[2]) & (ob[3] - 1)) {
		dev_err(dev, "fsl,pcinet-outbound: window %u, %#x bytes at %#x -> PCI %#x: need window 0..%u, a power of two from 4 KiB, bases aligned to it\n",
			ob[0], ob[3], ob[1], ob[2],
			M83XX_PCI_OUTBOUND_WINDOWS - 1);
		return -EINVAL;
	}
	if (priv->dma_ch >= M83XX_DMA_CHANNELS) {
		dev_err(dev, "fsl,pcinet-dma-channel: %u, the DMA controller has 0..%u\n",
			priv->dma_ch, M83XX_DMA_CHANNELS - 1);
		return -EINVAL;
	}
	if (priv->slot > PCINET_SLOT_MAX) {
		dev_err(dev, "fsl,pcinet-slot: %u is not 1..%u\n", priv->slot,
			PCINET_SLOT_MAX);
		return -EINVAL;
	}
	return 0;
}

static int pcinet_probe(struct udevice *dev)
{
	struct pcinet_priv *priv = dev_get_priv(dev);
	struct pcinet_ctrl layout;
	ulong ram, ram_size;
	u8 *base;
	u32 end;
	int ret;

	/* where the rings end, our part begins: it must fit in the region */
	memset(&layout, 0, sizeof(layout));
	end = pcinet_layout_default(&layout, priv->region_size,
				    PCINET_H2B_RING, PCINET_B2H_RING,
				    PCINET_MAX_FRAME, 1, &priv->win);
	if (!end || priv->region_size - end < sizeof(struct pcinet_local)) {
		dev_err(dev, "fsl,pcinet-region: %#x bytes, too small for rings and buffers (%#lx bytes)\n",
			priv->region_size,
			(ulong)(end + sizeof(struct pcinet_local)));
		return -EINVAL;
	}

	ret = pcinet_hw_get(dev, &priv->hw);
	if (ret)
		return ret;
	/* where board RAM is known (the simulated chassis), the region is in it */
	if (!pcinet_hw_region(priv->hw, &ram, &ram_size) &&
	    (priv->region_local < ram ||
	     priv->region_local - ram + priv->region_size > ram_size)) {
		dev_err(dev, "region %#lx (%#x bytes) is not in board RAM %#lx (%#lx bytes)\n",
			priv->region_local, priv->region_size, ram, ram_size);
		return -EINVAL;
	}
	base = pcinet_hw_map(priv->hw, priv->region_local, priv->region_size);
	if (!base) {
		dev_err(dev, "region %#lx (%#x bytes) cannot be mapped\n",
			priv->region_local, priv->region_size);
		return -EINVAL;
	}
	priv->ctrl = (struct pcinet_ctrl *)base;
	priv->rings_end = end;
	priv->h2b = (struct pcinet_desc *)(base +
					   le32_to_cpu(layout.h2b_ring_off));
	priv->b2h = (struct pcinet_desc *)(base +
					   le32_to_cpu(layout.b2h_ring_off));
	priv->loc = (struct pcinet_local *)(base + end);
	priv->loc_local = priv->region_local + end;

	/* the host sizes BAR1 at enumeration: the inbound window goes first */
	return pcinet_program_windows(dev);
}

/* Before an OS takes the board, the region must be invalid (10.6) */
static int pcinet_remove(struct udevice *dev)
{
	pcinet_stop(dev);
	return 0;
}

static const struct eth_ops pcinet_ops = {
	.start			= pcinet_start,
	.send			= pcinet_send,
	.recv			= pcinet_recv,
	.free_pkt		= pcinet_free_pkt,
	.stop			= pcinet_stop,
	.write_hwaddr		= pcinet_write_hwaddr,
	.read_rom_hwaddr	= pcinet_read_rom_hwaddr,
};

static const struct udevice_id pcinet_ids[] = {
	{ .compatible = "fsl,mpc83xx-pcinet" },
	{ }
};

U_BOOT_DRIVER(pcinet) = {
	.name		= "pcinet",
	.id		= UCLASS_ETH,
	.of_match	= pcinet_ids,
	.of_to_plat	= pcinet_of_to_plat,
	.probe		= pcinet_probe,
	.remove		= pcinet_remove,
	.ops		= &pcinet_ops,
	.priv_auto	= sizeof(struct pcinet_priv),
	.plat_auto	= sizeof(struct eth_pdata),
	.flags		= DM_FLAG_ACTIVE_DMA | DM_FLAG_OS_PREPARE,
};
