// SPDX-License-Identifier: GPL-2.0+
/*
 * PCINet, board side: an MPC834x/MPC837x running Linux in PCI agent mode
 * reaches its PCI host through the backplane alone, with a virtual Ethernet
 * link (a net_device) and a virtual serial console (ttyPCINet0, also usable
 * as the kernel console). The protocol is PCINet v1 (docs/protocol.md of
 * the PCINet project, include/pcinet/); U-Boot speaks it before us.
 *
 * This part binds to the message unit's device tree node, maps its
 * registers and the shared region, takes the interrupt and hands each
 * source to its side, and owns the state of the link: the registers-valid
 * handshake (protocol 10) that publishes the region, lets the host attach
 * and detach, and withdraws the region again on ifdown, remove and
 * shutdown, taking it over from U-Boot at probe. The data path lives in
 * pcinet_fsl_net.c, the console in pcinet_fsl_tty.c.
 *
 * The board's status word (OMR1) carries the bits of both: one shadow copy
 * under one lock, here, is its only writer.
 */
#include <linux/delay.h>
#include <linux/etherdevice.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/of_net.h>
#include <linux/of_reserved_mem.h>
#include <linux/platform_device.h>
#include <linux/sizes.h>

#include "pcinet_fsl.h"

#define PCINET_FSL_RESTART_MS	1000	/* re-initialise after an error */
#define PCINET_FSL_SLOT_MAX	255	/* last byte of the default MAC */

#define PCINET_FSL_MU_IRQS	(M83XX_IMI_IM0I | M83XX_IMI_IM1I | M83XX_IMI_IDI)

/* ---------------------------------------------------------------------- */
/* Registers */

/* The PCI windows are big-endian, like the rest of IMMR */
static u32 pcinet_fsl_atmu_read(struct pcinet_fsl *priv, u32 reg)
{
	return in_be32(priv->atmu + (reg - M83XX_POTAR(0)));
}

static void pcinet_fsl_atmu_write(struct pcinet_fsl *priv, u32 reg, u32 val)
{
	out_be32(priv->atmu + (reg - M83XX_POTAR(0)), val);
}

/*
 * Is local [base, base + size) inside an enabled PCI local access window?
 * Only then does the board's decoder send it to the PCI controller: the
 * outbound window's DMA gets a transfer error otherwise (mpc83xx.h).
 */
static bool pcinet_fsl_in_law(struct pcinet_fsl *priv, u64 base, u64 size)
{
	u32 n, bar, ar;

	for (n = 0; n < M83XX_PCI_LAWS; n++) {
		bar = in_be32(priv->law + (M83XX_PCILAWBAR(n) - M83XX_PCILAWBAR(0)));
		ar = in_be32(priv->law + (M83XX_PCILAWAR(n) - M83XX_PCILAWBAR(0)));
		if (m83xx_law_covers(bar, ar, base, size))
			return true;
	}
	return false;
}

/*
 * Change our bits of the status word. Every write interrupts the host
 * (OM1I): that is how it learns of VALID, RUNNING and console changes.
 */
void pcinet_fsl_status_update(struct pcinet_fsl *priv, u32 set, u32 clear)
{
	unsigned long flags;

	spin_lock_irqsave(&priv->status_lock, flags);
	priv->status = (priv->status & ~clear) | set;
	pcinet_fsl_mu_write(priv, M83XX_MU_OMR1,
			    pcinet_status_make(PCINET_STATUS_SIG_BOARD,
					       priv->status));
	spin_unlock_irqrestore(&priv->status_lock, flags);
}

/* Bits of IMIMR are ours alone (protocol 3.2); a set bit masks */
void pcinet_fsl_mu_mask(struct pcinet_fsl *priv, u32 bits, bool mask)
{
	u32 imimr = pcinet_fsl_mu_read(priv, M83XX_MU_IMIMR);

	imimr = mask ? imimr | bits : imimr & ~bits;
	pcinet_fsl_mu_write(priv, M83XX_MU_IMIMR, imimr);
}

/* ---------------------------------------------------------------------- */
/* Registers-valid handshake (protocol 10) */

/*
 * The inbound window is the firmware's and is never changed after the
 * host enumerated (protocol 2.2); the outbound window is programmed as
 * configured unless it already is (protocol 7).
 */
static int pcinet_fsl_windows(struct pcinet_fsl *priv)
{
	u32 n = priv->ob_index;
	u32 pitar = pcinet_fsl_atmu_read(priv, M83XX_PITAR0);
	u32 piwar = pcinet_fsl_atmu_read(priv, M83XX_PIWAR0);
	u32 potar = (u32)(priv->win.pci_base >> 12) & M83XX_POTAR_TA_MASK;
	u32 pobar = (u32)(priv->ob_local >> 12) & M83XX_POBAR_BA_MASK;
	u32 pocmr = M83XX_POCMR_EN | M83XX_POCMR_CM(priv->win.size);
	u32 mask = M83XX_POCMR_EN | M83XX_POCMR_IO | M83XX_POCMR_CM_MASK;

	if (!(piwar & M83XX_PIWAR_EN) ||
	    (pitar & M83XX_PITAR_TA_MASK) != (u32)(priv->region_phys >> 12) ||
	    m83xx_piwar_size(piwar) != priv->region_size) {
		dev_err(priv->dev, "inbound window 0 (PITAR0 %#x, PIWAR0 %#x) does not expose the shared region %pa (%#x bytes): the firmware sets it up before the host enumerates\n",
			pitar, piwar, &priv->region_phys, priv->region_size);
		return -ENODEV;
	}
	/*
	 * We read the region through the data cache: the host's writes must
	 * snoop it, and so must its reads of what we wrote (protocol 2.2
	 * board rule 4). Only the firmware may set PIWAR0 (rule 3), so
	 * refuse rather than fix.
	 */
	if ((piwar & M83XX_PIWAR_TT_MASK) != M83XX_PIWAR_SNOOP) {
		dev_err(priv->dev, "inbound window 0 does not snoop the data cache (PIWAR0 %#x, RTT/WTT bits %#x missing of %#x): the host would see stale data; the firmware must set them\n",
			piwar,
			((piwar & M83XX_PIWAR_RTT_MASK) != M83XX_PIWAR_RTT_SNOOP ?
			 M83XX_PIWAR_RTT_SNOOP : 0) |
			((piwar & M83XX_PIWAR_WTT_MASK) != M83XX_PIWAR_WTT_SNOOP ?
			 M83XX_PIWAR_WTT_SNOOP : 0),
			M83XX_PIWAR_SNOOP);
		return -ENODEV;
	}
	if (priv->law && !pcinet_fsl_in_law(priv, priv->ob_local,
					    priv->win.size)) {
		dev_err(priv->dev, "outbound window %pa (%#llx bytes) is outside every enabled PCI local access window (PCILAWAR0 %#x, PCILAWAR1 %#x): its DMA would fail; the firmware sets them\n",
			&priv->ob_local, priv->win.size,
			in_be32(priv->law + (M83XX_PCILAWAR(0) - M83XX_PCILAWBAR(0))),
			in_be32(priv->law + (M83XX_PCILAWAR(1) - M83XX_PCILAWBAR(0))));
		return -ENODEV;
	}
	if ((pcinet_fsl_atmu_read(priv, M83XX_POTAR(n)) & M83XX_POTAR_TA_MASK) == potar &&
	    (pcinet_fsl_atmu_read(priv, M83XX_POBAR(n)) & M83XX_POBAR_BA_MASK) == pobar &&
	    (pcinet_fsl_atmu_read(priv, M83XX_POCMR(n)) & mask) == pocmr)
		return 0;
	dev_info(priv->dev, "programming outbound window %u: %pa -> PCI %#llx, %#llx bytes\n",
		 n, &priv->ob_local, priv->win.pci_base, priv->win.size);
	pcinet_fsl_atmu_write(priv, M83XX_POCMR(n), 0);
	pcinet_fsl_atmu_write(priv, M83XX_POTAR(n), potar);
	pcinet_fsl_atmu_write(priv, M83XX_POBAR(n), pobar);
	pcinet_fsl_atmu_write(priv, M83XX_POCMR(n), pocmr);
	return 0;
}

/*
 * Net start (IDLE -> VALID): initialise the region with a generation the
 * host has not seen, then set VALID; that status write interrupts the host.
 * net_lock held.
 */
int pcinet_fsl_net_start(struct pcinet_fsl *priv)
{
	struct pcinet_ctrl *c = priv->ctrl;
	u32 gen;
	int ret;

	ret = pcinet_fsl_windows(priv);
	if (ret)
		return ret;

	/* U-Boot's last generation is in the region: go on from it (6.7) */
	gen = pcinet_next_generation(c, priv->generation);
	priv->generation = gen;

	memset(c, 0, priv->rings_end);
	pcinet_layout_default(c, priv->region_size, PCINET_FSL_H2B_RING,
			      PCINET_FSL_B2H_RING, PCINET_FSL_MAX_FRAME, gen,
			      &priv->win);
	pcinet_mac_pack(priv->ndev->dev_addr, &c->mac_lo, &c->mac_hi);
	priv->h2b_cons = 0;
	priv->b2h_done = 0;
	priv->refused_gen = 0;
	WRITE_ONCE(priv->broken, false);
	/* the whole region is in memory before the host can see VALID */
	wmb();
	priv->state = PCINET_FSL_VALID;
	pcinet_fsl_status_update(priv, PCINET_NET_REGISTERS_VALID,
				 PCINET_NET_STATUS_RUNNING);
	netdev_dbg(priv->ndev, "registers valid: generation %u\n", gen);
	return 0;
}

/* Wait, bounded, for the host to drop its lease (protocol 10.2 STOPPING) */
static void pcinet_fsl_wait_lease(struct pcinet_fsl *priv)
{
	unsigned long end = jiffies + msecs_to_jiffies(PCINET_STOP_ACK_MS) + 1;
	u32 host;

	for (;;) {
		host = pcinet_fsl_host_status(priv);
		if (!pcinet_status_compatible(host, PCINET_STATUS_SIG_HOST) ||
		    !(host & PCINET_NET_STATUS_RUNNING))
			return;
		if (time_after(jiffies, end))
			break;
		usleep_range(500, 1000);
	}
	dev_warn(priv->dev, "host kept the region %u ms after stop\n",
		 PCINET_STOP_ACK_MS);
}

/*
 * Stop path (VALID/ATTACHED -> IDLE): DMA stopped, then VALID and RUNNING
 * cleared in one write, then the host's lease ends or times out. Only then
 * may the region be reused. net_lock held.
 */
void pcinet_fsl_net_stop(struct pcinet_fsl *priv)
{
	if (priv->state == PCINET_FSL_IDLE)
		return;
	pcinet_fsl_quiesce(priv);
	priv->state = PCINET_FSL_IDLE;
	pcinet_fsl_status_update(priv, 0, PCINET_NET_REGISTERS_VALID |
				 PCINET_NET_STATUS_RUNNING |
				 PCINET_NET_RXINT_OFF);
	pcinet_fsl_wait_lease(priv);
	pcinet_fsl_resume(priv);
}

/* The host let go (ATTACHED -> VALID). net_lock held. */
static void pcinet_fsl_detach(struct pcinet_fsl *priv)
{
	pcinet_fsl_quiesce(priv);
	/* a new attach must write its part afresh, not inherit this one */
	memset((u8 *)priv->ctrl + PCINET_CTRL_OFF_HOST, 0,
	       PCINET_CTRL_SIZE - PCINET_CTRL_OFF_HOST);
	/* the host part is gone before the host can see RUNNING clear */
	wmb();
	priv->state = PCINET_FSL_VALID;
	pcinet_fsl_status_update(priv, 0, PCINET_NET_STATUS_RUNNING);
	pcinet_fsl_resume(priv);
	netdev_dbg(priv->ndev, "host detached\n");
}

/*
 * The host holds its lease: attach if its part is complete and for this
 * generation (VALID -> ATTACHED). net_lock held.
 */
static void pcinet_fsl_attach(struct pcinet_fsl *priv)
{
	struct pcinet_ctrl *c = priv->ctrl;
	u32 version, size;
	u64 area;
	int ret;

	/* IMR1 was read before the host part (protocol 10.2) */
	rmb();
	if (le32_to_cpu(READ_ONCE(c->host_magic)) != PCINET_MAGIC)
		return;
	/* host_magic is written last: the rest is complete behind it */
	rmb();
	if (le32_to_cpu(READ_ONCE(c->generation_ack)) != priv->generation)
		return;
	version = le32_to_cpu(READ_ONCE(c->host_version));
	area = (u64)le32_to_cpu(READ_ONCE(c->host_area_hi)) << 32 |
	       le32_to_cpu(READ_ONCE(c->host_area_lo));
	size = le32_to_cpu(READ_ONCE(c->host_area_size));

	if (PCINET_VERSION_MAJOR_OF(version) != PCINET_VERSION_MAJOR) {
		if (priv->refused_gen != priv->generation)
			dev_err(priv->dev, "refusing the host's attach: host protocol version %#x unsupported\n",
				version);
		priv->refused_gen = priv->generation;
		return;
	}
	if (!pcinet_host_area_ok(area, size, PCINET_FSL_B2H_RING, &priv->win)) {
		if (priv->refused_gen != priv->generation)
			dev_err(priv->dev, "refusing the host's attach: host area %#llx (%u bytes) misaligned, too small or outside the outbound window %#llx (%#llx bytes)\n",
				area, size, priv->win.pci_base, priv->win.size);
		priv->refused_gen = priv->generation;
		return;
	}

	priv->area_dma = pcinet_fsl_host_dma(priv, area);
	priv->h2b_cons = 0;
	priv->b2h_done = 0;
	ret = pcinet_fsl_write_hdr(priv);
	if (ret) {
		dev_err(priv->dev, "host area header not written (%d): link reset\n",
			ret);
		WRITE_ONCE(priv->broken, true);
		schedule_delayed_work(&priv->restart_work, 0);
		return;
	}

	priv->state = PCINET_FSL_ATTACHED;
	pcinet_fsl_status_update(priv, PCINET_NET_STATUS_RUNNING, 0);
	/* write, then read: a lease ended meanwhile is seen (10.1) */
	if (!(pcinet_fsl_host_status(priv) & PCINET_NET_STATUS_RUNNING)) {
		pcinet_fsl_detach(priv);
		return;
	}
	netdev_dbg(priv->ndev, "attached: generation %u, host area %#llx\n",
		   priv->generation, area);
	/* the data path sees the indices above before it sees attached */
	smp_store_release(&priv->attached, true);
	netif_carrier_on(priv->ndev);
	if (priv->napi_on) {
		netif_wake_queue(priv->ndev);
		napi_schedule(&priv->napi);
	}
}

/* The host wrote its status word (IM1I): attach, detach, refuse */
static void pcinet_fsl_status_work(struct work_struct *work)
{
	struct pcinet_fsl *priv = container_of(work, struct pcinet_fsl,
					       status_work);
	bool compatible, running, rxint_off;
	u32 host;

	mutex_lock(&priv->net_lock);
	if (priv->state == PCINET_FSL_IDLE || READ_ONCE(priv->broken))
		goto out;
	host = pcinet_fsl_host_status(priv);
	compatible = pcinet_status_compatible(host, PCINET_STATUS_SIG_HOST);
	running = compatible && (host & PCINET_NET_STATUS_RUNNING);
	rxint_off = compatible && (host & PCINET_NET_RXINT_OFF);
	if (!compatible && pcinet_status_present(host, PCINET_STATUS_SIG_HOST))
		dev_warn_once(priv->dev, "PCI host speaks PCINet major %u, this board %u: ignored\n",
			      pcinet_status_version(host), PCINET_VERSION_MAJOR);

	/* a host that stops polling gets the kick it may have missed (8.5) */
	if (READ_ONCE(priv->host_rxint_off) && !rxint_off) {
		WRITE_ONCE(priv->host_rxint_off, false);
		if (priv->state == PCINET_FSL_ATTACHED)
			pcinet_fsl_kick_host(priv);
	}
	WRITE_ONCE(priv->host_rxint_off, rxint_off);

	if (priv->state == PCINET_FSL_ATTACHED && !running)
		pcinet_fsl_detach(priv);
	else if (priv->state == PCINET_FSL_VALID && running)
		pcinet_fsl_attach(priv);
out:
	mutex_unlock(&priv->net_lock);
}

/* After a protocol error: stop at once, start afresh a little later */
static void pcinet_fsl_restart_work(struct work_struct *work)
{
	struct pcinet_fsl *priv = container_of(to_delayed_work(work),
					       struct pcinet_fsl, restart_work);

	mutex_lock(&priv->net_lock);
	if (!priv->broken || priv->removing)
		goto out;
	if (priv->state != PCINET_FSL_IDLE) {
		pcinet_fsl_net_stop(priv);
		schedule_delayed_work(&priv->restart_work,
				      msecs_to_jiffies(PCINET_FSL_RESTART_MS));
		goto out;
	}
	if (pcinet_fsl_net_start(priv))
		dev_err(priv->dev, "link not restarted\n");
out:
	mutex_unlock(&priv->net_lock);
}

/* ---------------------------------------------------------------------- */
/* Interrupt: the host wrote IMR0/IMR1 or rang IDR */

static irqreturn_t pcinet_fsl_irq(int irq, void *data)
{
	struct pcinet_fsl *priv = data;
	u32 pending, idr;
	bool wake = false;

	pending = pcinet_fsl_mu_read(priv, M83XX_MU_IMISR) &
		  ~pcinet_fsl_mu_read(priv, M83XX_MU_IMIMR) & PCINET_FSL_MU_IRQS;
	if (!pending)
		return IRQ_NONE;

	/* the order of protocol 3.2 rule 7: status, console, doorbells */
	if (pending & M83XX_IMI_IM1I) {
		pcinet_fsl_mu_write(priv, M83XX_MU_IMISR, M83XX_IMI_IM1I);
		spin_lock(&priv->cons_lock);
		priv->cons_host = pcinet_fsl_host_status(priv);
		pcinet_cons_tx_peer_back(&priv->tx);
		wake |= pcinet_fsl_cons_pump(priv);
		spin_unlock(&priv->cons_lock);
		if (!READ_ONCE(priv->removing))
			schedule_work(&priv->status_work);
	}
	if (pending & M83XX_IMI_IM0I) {
		spin_lock(&priv->cons_lock);
		pcinet_fsl_cons_rx_service(priv);
		spin_unlock(&priv->cons_lock);
	}
	if (pending & M83XX_IMI_IDI) {
		/* under the lock: the console's poll clears the ack bit too */
		spin_lock(&priv->cons_lock);
		idr = pcinet_fsl_mu_read(priv, M83XX_MU_IDR);
		pcinet_fsl_mu_write(priv, M83XX_MU_IDR, idr);
		if (idr & PCINET_DB_CONS_ACK) {
			pcinet_cons_tx_acked(&priv->tx);
			wake |= pcinet_fsl_cons_pump(priv);
		}
		spin_unlock(&priv->cons_lock);
		if ((idr & PCINET_DB_NET_KICK) && READ_ONCE(priv->attached))
			napi_schedule(&priv->napi);
	}
	if (wake)
		tty_port_tty_wakeup(&priv->port);
	return IRQ_HANDLED;
}

/* ---------------------------------------------------------------------- */
/* Probe */

static int pcinet_fsl_of(struct pcinet_fsl *priv)
{
	struct device_node *np = priv->dev->of_node, *mem;
	struct reserved_mem *rmem;
	struct pcinet_ctrl layout = { };
	u32 ob[4];
	int ret;

	mem = of_parse_phandle(np, "memory-region", 0);
	if (!mem)
		return dev_err_probe(priv->dev, -EINVAL,
				     "memory-region: the shared region is missing\n");
	rmem = of_reserved_mem_lookup(mem);
	of_node_put(mem);
	if (!rmem)
		return dev_err_probe(priv->dev, -EINVAL,
				     "memory-region: not a reserved-memory node\n");
	priv->region_phys = rmem->base;
	if (rmem->size > U32_MAX || !pcinet_is_pow2((u32)rmem->size) ||
	    rmem->size < PCINET_MIN_WINDOW || (rmem->base & (rmem->size - 1)))
		return dev_err_probe(priv->dev, -EINVAL,
				     "shared region %pa (%pa bytes): need a power of two from %#x, aligned to its size\n",
				     &rmem->base, &rmem->size, PCINET_MIN_WINDOW);
	priv->region_size = (u32)rmem->size;

	ret = of_property_read_u32_array(np, "fsl,pcinet-outbound", ob, 4);
	if (ret)
		return dev_err_probe(priv->dev, ret,
				     "fsl,pcinet-outbound: <index local-base pci-base size> missing\n");
	if (ob[0] >= M83XX_PCI_OUTBOUND_WINDOWS || !pcinet_is_pow2(ob[3]) ||
	    ob[3] < SZ_4K || (ob[1] | ob[2]) & (ob[3] - 1))
		return dev_err_probe(priv->dev, -EINVAL,
				     "fsl,pcinet-outbound: window %u, %#x bytes at %#x -> PCI %#x: need window 0..%u, a power of two from 4 KiB, bases aligned to it\n",
				     ob[0], ob[3], ob[1], ob[2],
				     M83XX_PCI_OUTBOUND_WINDOWS - 1);
	priv->ob_index = ob[0];
	priv->ob_local = ob[1];
	priv->win.pci_base = ob[2];
	priv->win.size = ob[3];

	if (!of_property_read_u32(np, "fsl,pcinet-slot", &priv->slot) &&
	    (!priv->slot || priv->slot > PCINET_FSL_SLOT_MAX))
		return dev_err_probe(priv->dev, -EINVAL,
				     "fsl,pcinet-slot: %u is not 1..%u\n",
				     priv->slot, PCINET_FSL_SLOT_MAX);

	priv->rings_end = pcinet_layout_default(&layout, priv->region_size,
						PCINET_FSL_H2B_RING,
						PCINET_FSL_B2H_RING,
						PCINET_FSL_MAX_FRAME, 1,
						&priv->win);
	if (!priv->rings_end)
		return dev_err_probe(priv->dev, -EINVAL,
				     "shared region too small for the rings\n");
	priv->h2b_off = le32_to_cpu(layout.h2b_ring_off);
	priv->b2h_off = le32_to_cpu(layout.b2h_ring_off);
	return 0;
}

/* The MAC U-Boot used: device tree, else 02:50:43:49:00:<slot>, else random */
static void pcinet_fsl_mac(struct pcinet_fsl *priv)
{
	u8 mac[ETH_ALEN] = { 0x02, 0x50, 0x43, 0x49, 0x00, 0x00 };

	if (!of_get_ethdev_address(priv->dev->of_node, priv->ndev))
		return;
	if (priv->slot) {
		mac[5] = (u8)priv->slot;
		eth_hw_addr_set(priv->ndev, mac);
		return;
	}
	eth_hw_addr_random(priv->ndev);
}

static void __iomem *pcinet_fsl_map(struct platform_device *pdev,
				    unsigned int index, u32 block,
				    bool exclusive)
{
	struct device *dev = &pdev->dev;
	struct resource *res;
	void __iomem *base;

	res = platform_get_resource(pdev, IORESOURCE_MEM, index);
	if (!res)
		return IOMEM_ERR_PTR(-EINVAL);
	/* IMMR is 1 MiB aligned: the block's offset in it must be right */
	if ((res->start & (M83XX_IMMR_SIZE - 1)) != block) {
		dev_err(dev, "reg %u at %pa is not IMMR + %#x\n", index,
			&res->start, block);
		return IOMEM_ERR_PTR(-EINVAL);
	}
	if (exclusive)
		return devm_ioremap_resource(dev, res);
	base = devm_ioremap(dev, res->start, resource_size(res));
	return base ? base : IOMEM_ERR_PTR(-ENOMEM);
}

/*
 * A board whose firmware did not hand over (no OS-handoff hook) may still
 * show VALID or RUNNING: withdraw the region first, as its stop would have.
 */
static void pcinet_fsl_take_over(struct pcinet_fsl *priv)
{
	u32 old = pcinet_fsl_mu_read(priv, M83XX_MU_OMR1);

	pcinet_fsl_status_update(priv, 0, PCINET_STATUS_FLAGS_MASK);
	if (pcinet_status_present(old, PCINET_STATUS_SIG_BOARD) &&
	    (old & (PCINET_NET_REGISTERS_VALID | PCINET_NET_STATUS_RUNNING))) {
		dev_warn(priv->dev, "firmware left the region valid (status %#x): withdrawn\n",
			 old);
		pcinet_fsl_wait_lease(priv);
	}
}

static int pcinet_fsl_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct net_device *ndev;
	struct pcinet_fsl *priv;
	int ret;

	ndev = devm_alloc_etherdev(dev, sizeof(*priv));
	if (!ndev)
		return -ENOMEM;
	SET_NETDEV_DEV(ndev, dev);
	priv = netdev_priv(ndev);
	priv->dev = dev;
	priv->ndev = ndev;
	platform_set_drvdata(pdev, priv);
	spin_lock_init(&priv->status_lock);
	spin_lock_init(&priv->cons_lock);
	mutex_init(&priv->net_lock);
	INIT_KFIFO(priv->tx_fifo);
	timer_setup(&priv->cons_timer, pcinet_fsl_cons_timer, 0);
	INIT_WORK(&priv->status_work, pcinet_fsl_status_work);
	INIT_DELAYED_WORK(&priv->restart_work, pcinet_fsl_restart_work);
	init_completion(&priv->hdr_done);
	skb_queue_head_init(&priv->txq);
	tty_port_init(&priv->port);
	priv->port.ops = &pcinet_fsl_port_ops;

	ret = pcinet_fsl_of(priv);
	if (ret)
		goto err_port;
	/* the message unit is ours alone; the windows are the PCI block's */
	priv->mu = pcinet_fsl_map(pdev, 0, M83XX_MU_OMISR, true);
	priv->atmu = pcinet_fsl_map(pdev, 1, M83XX_POTAR(0), false);
	if (IS_ERR(priv->mu) || IS_ERR(priv->atmu)) {
		ret = IS_ERR(priv->mu) ? PTR_ERR(priv->mu) : PTR_ERR(priv->atmu);
		goto err_port;
	}
	/* optional: the PCI local access windows, for a check only */
	if (platform_get_resource(pdev, IORESOURCE_MEM, 2)) {
		priv->law = pcinet_fsl_map(pdev, 2, M83XX_PCILAWBAR(0), false);
		if (IS_ERR(priv->law)) {
			ret = PTR_ERR(priv->law);
			goto err_port;
		}
	} else {
		dev_info(dev, "no PCI local access window registers (third reg): the outbound window is not checked against them\n");
	}
	priv->irq = platform_get_irq(pdev, 0);
	if (priv->irq < 0) {
		ret = priv->irq;
		goto err_port;
	}
	/* the DMA controller's vector 71 is fsldma's, not ours */
	if (irqd_to_hwirq(irq_get_irq_data(priv->irq)) != M83XX_IPIC_VEC_MU)
		dev_warn(dev, "interrupt is IPIC vector %lu, the message unit's is %u\n",
			 irqd_to_hwirq(irq_get_irq_data(priv->irq)),
			 M83XX_IPIC_VEC_MU);
	priv->ctrl = devm_memremap(dev, priv->region_phys, priv->region_size,
				   MEMREMAP_WB);
	if (IS_ERR(priv->ctrl)) {
		ret = PTR_ERR(priv->ctrl);
		goto err_port;
	}
	priv->h2b = (struct pcinet_desc *)((u8 *)priv->ctrl + priv->h2b_off);
	priv->b2h = (struct pcinet_desc *)((u8 *)priv->ctrl + priv->b2h_off);
	/* without a DMA channel the board still gets its console */
	ret = pcinet_fsl_get_dma(priv);
	if (ret == -EPROBE_DEFER)
		goto err_port;
	if (ret)
		priv->dma = NULL;

	/* IDLE: console only, network withdrawn (protocol 10.2 OFF -> IDLE) */
	pcinet_fsl_take_over(priv);
	pcinet_fsl_mu_mask(priv, PCINET_FSL_MU_IRQS, true);
	ret = devm_request_irq(dev, priv->irq, pcinet_fsl_irq, 0, DRV_NAME,
			       priv);
	if (ret) {
		dev_err_probe(dev, ret, "interrupt %d\n", priv->irq);
		goto err_port;
	}
	/* the status work below reads IMR1 anyway: clear first, then read */
	pcinet_fsl_mu_write(priv, M83XX_MU_IMISR, M83XX_IMI_IM1I);
	pcinet_fsl_cons_start(priv);
	pcinet_fsl_mu_mask(priv, PCINET_FSL_MU_IRQS, false);

	ret = pcinet_fsl_tty_register(priv);
	if (ret) {
		dev_err_probe(dev, ret, "tty\n");
		goto err_irq;
	}
	strscpy(priv->con.name, "ttyPCINet", sizeof(priv->con.name));
	priv->con.write = pcinet_fsl_con_write;
	priv->con.device = pcinet_fsl_con_device;
	priv->con.flags = CON_PRINTBUFFER;
	priv->con.index = -1;
	priv->con.data = priv;
	register_console(&priv->con);
	if (!priv->dma) {
		dev_err(dev, "console only: no network without a DMA channel\n");
		return 0;
	}

	ndev->netdev_ops = &pcinet_fsl_netdev_ops;
	ndev->watchdog_timeo = 5 * HZ;
	ndev->min_mtu = ETH_MIN_MTU;
	ndev->max_mtu = PCINET_FSL_MAX_FRAME - ETH_HLEN;
	netif_napi_add(ndev, &priv->napi, pcinet_fsl_poll);
	pcinet_fsl_mac(priv);
	netif_carrier_off(ndev);

	/* publish the region (a new generation) and ring the host */
	mutex_lock(&priv->net_lock);
	ret = pcinet_fsl_net_start(priv);
	mutex_unlock(&priv->net_lock);
	if (ret)
		goto err_console;
	ret = register_netdev(ndev);
	if (ret) {
		dev_err_probe(dev, ret, "net device\n");
		goto err_stop;
	}
	/* a host already waiting wrote IMR1 before we listened */
	schedule_work(&priv->status_work);
	netdev_info(ndev, "PCINet board link: region %pa (%#x bytes), DMA %s, console ttyPCINet0\n",
		    &priv->region_phys, priv->region_size,
		    dma_chan_name(priv->dma));
	return 0;

err_stop:
	mutex_lock(&priv->net_lock);
	pcinet_fsl_net_stop(priv);
	mutex_unlock(&priv->net_lock);
err_console:
	netif_napi_del(&priv->napi);
	unregister_console(&priv->con);
	pcinet_fsl_tty_unregister(priv);
err_irq:
	pcinet_fsl_mu_mask(priv, PCINET_FSL_MU_IRQS, true);
	synchronize_irq(priv->irq);
	del_timer_sync(&priv->cons_timer);
	cancel_work_sync(&priv->status_work);
	cancel_delayed_work_sync(&priv->restart_work);
err_port:
	tty_port_destroy(&priv->port);
	return ret;
}

/*
 * Remove and shutdown: the region is withdrawn before anything else
 * (protocol 10.1), then the console says goodbye (9.4).
 */
static void pcinet_fsl_withdraw(struct pcinet_fsl *priv)
{
	WRITE_ONCE(priv->removing, true);
	cancel_work_sync(&priv->status_work);
	cancel_delayed_work_sync(&priv->restart_work);
	mutex_lock(&priv->net_lock);
	pcinet_fsl_net_stop(priv);
	mutex_unlock(&priv->net_lock);
	pcinet_fsl_cons_stop(priv);
}

static int pcinet_fsl_remove(struct platform_device *pdev)
{
	struct pcinet_fsl *priv = platform_get_drvdata(pdev);

	pcinet_fsl_withdraw(priv);
	if (priv->dma) {
		unregister_netdev(priv->ndev);
		netif_napi_del(&priv->napi);
	}
	unregister_console(&priv->con);
	pcinet_fsl_mu_mask(priv, PCINET_FSL_MU_IRQS, true);
	synchronize_irq(priv->irq);
	del_timer_sync(&priv->cons_timer);
	pcinet_fsl_tty_unregister(priv);
	tty_port_destroy(&priv->port);
	/* a PCINet board with neither network nor console input */
	pcinet_fsl_status_update(priv, 0, PCINET_STATUS_FLAGS_MASK);
	return 0;
}

/* Reboot or kexec: the next software starts on a withdrawn region */
static void pcinet_fsl_shutdown(struct platform_device *pdev)
{
	struct pcinet_fsl *priv = platform_get_drvdata(pdev);

	pcinet_fsl_withdraw(priv);
}

static const struct of_device_id pcinet_fsl_of_match[] = {
	{ .compatible = "fsl,mpc8349-pcinet" },
	{ }
};
MODULE_DEVICE_TABLE(of, pcinet_fsl_of_match);

static struct platform_driver pcinet_fsl_driver = {
	.driver = {
		.name = DRV_NAME,
		.of_match_table = pcinet_fsl_of_match,
	},
	.probe = pcinet_fsl_probe,
	.remove = pcinet_fsl_remove,
	.shutdown = pcinet_fsl_shutdown,
};
module_platform_driver(pcinet_fsl_driver);

MODULE_DESCRIPTION("PCINet board side: Ethernet and console over PCI (MPC83xx agent)");
MODULE_LICENSE("GPL");
