// SPDX-License-Identifier: GPL-2.0+
/*
 * PCINet host driver: a virtual Ethernet link and a console to MPC83xx
 * boards in PCI agent mode, from the x86 host of a CompactPCI crate.
 *
 * This part binds to the boards, takes their interrupt, runs the status
 * check of docs/protocol.md 10.4 (from the interrupt and from a watchdog),
 * observes and handles board resets, resets a board on request (10.8) and
 * lets go of it cleanly on unload (10.7). The network and the console live
 * in pcinet_host_net.c and pcinet_host_tty.c.
 */
#include <linux/bitops.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/iopoll.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/sizes.h>

#include "pcinet_host.h"

/*
 * Where the boards' DMA may reach host memory: the PCI range of their
 * outbound window. The host allocates everything it hands a board inside it,
 * so the DMA mask is derived from it (protocol 7.5). The default matches a
 * window at PCI 0 of 1 GiB, the size the 2010 driver hard-coded.
 */
static unsigned long long dma_base;
module_param(dma_base, ullong, 0444);
MODULE_PARM_DESC(dma_base,
		 "PCI bus address where the boards' outbound window starts (default 0)");

static unsigned long long dma_size = SZ_1G;
module_param(dma_size, ullong, 0444);
MODULE_PARM_DESC(dma_size,
		 "bytes the boards' outbound window spans, a power of two, at most 2 GiB (default 1 GiB)");

/* How long a host-initiated reset may take to show in IMR1 (host policy) */
#define PCINET_RESET_OBSERVE_MS	1000
/* Without a usable INTA#, the message unit is polled this often */
#define PCINET_IRQ_POLL_MS	10

u32 pcinet_host_status(void)
{
	return pcinet_status_make(PCINET_STATUS_SIG_HOST, PCINET_UART_RX_ENABLED);
}

static void pcinet_write_imr1(struct pcinet_board *b, u32 val)
{
	lockdep_assert_held(&b->lock);
	/* after the attach's BAR1 writes: read back first (3.5) */
	pcinet_ring(b, M83XX_MU_IMR1, val);
	WRITE_ONCE(b->imr1, val);
}

/* IMR1 = our status, with RUNNING while we hold the lease (10.1) */
void pcinet_set_lease(struct pcinet_board *b, bool lease)
{
	pcinet_write_imr1(b, pcinet_host_status() |
			  (lease ? PCINET_NET_STATUS_RUNNING : 0));
}

/* OMIMR is ours, but only its OM0I, OM1I and ODI bits (3.2 rule 6) */
static void pcinet_mask_irqs(struct pcinet_board *b, bool masked)
{
	u32 old = pcinet_rd(b, M83XX_MU_OMIMR);

	if (old == PCINET_ALL_ONES)
		return;
	pcinet_wr(b, M83XX_MU_OMIMR,
		  masked ? old | PCINET_OMI_ALL : old & ~PCINET_OMI_ALL);
	WRITE_ONCE(b->irq_unmasked, !masked);
}

/*
 * Read ODR and clear exactly what was read (3.2 rule 3, 5 rule 2); returns
 * it to act on, or 0 when the board does not answer. An all-ones value is
 * the board's only while IMR1 still holds our status word (5 rule 4): left
 * uncleared, it would wedge the board's doorbells (and hold INTA) until a
 * reset. Reserved bits are cleared and ignored (5).
 */
static u32 pcinet_take_doorbells(struct pcinet_board *b)
{
	u32 odr = pcinet_rd(b, M83XX_MU_ODR);

	if (!odr)
		return 0;
	if (pcinet_db_needs_confirm(odr) &&
	    pcinet_rd(b, M83XX_MU_IMR1) != READ_ONCE(b->imr1))
		return 0;
	pcinet_wr(b, M83XX_MU_ODR, odr);
	if (pcinet_db_reserved(odr))
		dev_warn_ratelimited(&b->pdev->dev,
				     "board rang reserved doorbell bits 0x%08x: cleared, ignored\n",
				     pcinet_db_reserved(odr));
	return odr;
}

/* Stale doorbells must not pass for a new console's ack (9.3 step 4) */
static void pcinet_clear_doorbells(struct pcinet_board *b)
{
	pcinet_take_doorbells(b);
}

/* Run the status check soon, from process context */
void pcinet_queue_check(struct pcinet_board *b)
{
	mod_delayed_work(system_wq, &b->work, 0);
}

/* Does configuration space still hold what we set up (2.2 host rule 3)? */
static bool pcinet_config_lost(struct pcinet_board *b)
{
	u32 bar0, bar1;
	u16 cmd;

	pci_read_config_word(b->pdev, PCI_COMMAND, &cmd);
	pci_read_config_dword(b->pdev, PCI_BASE_ADDRESS_0, &bar0);
	pci_read_config_dword(b->pdev, PCI_BASE_ADDRESS_1, &bar1);
	return (cmd & (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER)) !=
	       (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER) ||
	       bar0 != b->cfg_bar[0] || bar1 != b->cfg_bar[1];
}

/*
 * Restore configuration space once the board's firmware has released its
 * configuration lock: until then its IDs read all ones (2.2 host rule 3).
 * Not waiting here: the watchdog asks again every PCINET_HOST_POLL_MS.
 */
static bool pcinet_restore_config(struct pcinet_board *b)
{
	struct pci_dev *pdev = b->pdev;
	u32 id;

	pci_read_config_dword(pdev, PCI_VENDOR_ID, &id);
	if (id != ((u32)pdev->device << 16 | pdev->vendor))
		return false;
	pci_restore_state(pdev);
	/* pci_restore_state() consumes the saved state: keep it for the next */
	pci_save_state(pdev);
	b->cfg_lost = false;
	WRITE_ONCE(b->bar_ok, true);
	dev_info(&pdev->dev, "configuration space restored after the reset\n");
	return true;
}

/*
 * 10.4 step 3: the board was reset since we last looked (IMR1 is not what
 * we wrote). False while its configuration space cannot be restored yet.
 */
static bool pcinet_reset_handling(struct pcinet_board *b, u32 bs, u32 hs)
{
	if (!b->cfg_lost) {
		b->resets_seen++;
		dev_info(&b->pdev->dev, "board reset observed (OMR1 0x%08x, IMR1 0x%08x, not 0x%08x)\n",
			 bs, hs, b->imr1);
		pcinet_post_forget(b);	/* its RAM lost our writes */
		pcinet_net_reset_observed(b);			/* a, b */
		pcinet_tty_reset_observed(b);
		if (bs == PCINET_ALL_ONES || hs == PCINET_ALL_ONES ||
		    pcinet_config_lost(b)) {
			b->cfg_lost = true;			/* c */
			WRITE_ONCE(b->bar_ok, false);
		}
	}
	if (b->cfg_lost && !pcinet_restore_config(b))
		return false;
	pcinet_mask_irqs(b, true);
	pcinet_tty_restart(b);					/* e, 9.5 */
	pcinet_clear_doorbells(b);
	pcinet_write_imr1(b, pcinet_host_status());		/* d */
	pcinet_mask_irqs(b, false);
	return true;
}

/* The status check, 10.4; om1i: the board wrote its status word */
void pcinet_status_check(struct pcinet_board *b, bool om1i)
{
	bool uart, reset = b->cfg_lost;
	u32 bs = 0, hs = 0;

	lockdep_assert_held(&b->lock);
	if (!reset) {
		bs = pcinet_rd(b, M83XX_MU_OMR1);		/* 1 */
		hs = pcinet_rd(b, M83XX_MU_IMR1);		/* 2 */
		reset = hs != b->imr1;				/* 3 */
	}
	if (reset) {
		if (!pcinet_reset_handling(b, bs, hs))
			return;
		bs = pcinet_rd(b, M83XX_MU_OMR1);		/* f */
	}
	b->board_status = bs;
	pcinet_net_status(b, bs, om1i);				/* 4 */
	/* an attach looks at OMR1 again: use what it saw */
	bs = b->board_status;
	uart = b->sm.state != PCINET_HOST_ABSENT &&
	       b->sm.state != PCINET_HOST_INCOMPATIBLE &&
	       (bs & PCINET_UART_RX_ENABLED);
	pcinet_tty_board_status(b, uart, om1i);			/* 5 */
}

/*
 * What the board raised, in 3.2 rule 7's order. Runs from the interrupt and
 * from the watchdog (a lost interrupt costs one period, not a stuck console),
 * never both at once: taking an ODR or OMR0 value twice would ack a console
 * message twice. from_work: the caller is the status work, which needs no
 * asking for a status check.
 */
static irqreturn_t pcinet_service(struct pcinet_board *b, bool from_work)
{
	irqreturn_t ret = IRQ_NONE;
	bool check = false;
	u32 isr, odr;

	lockdep_assert_held(&b->irq_lock);
	/*
	 * Configuration space lost to a reset: BAR0 is out of bounds, but the
	 * board's new firmware may be what asserts the line: restore it now
	 * rather than at the next watchdog period.
	 */
	if (!READ_ONCE(b->bar_ok)) {
		check = true;
		goto out;
	}
	if (!READ_ONCE(b->irq_unmasked))
		goto out;
	isr = pcinet_rd(b, M83XX_MU_OMISR);
	if (isr == PCINET_ALL_ONES) {
		/* the board stopped answering: a reset? (10.4) */
		check = true;
		goto out;
	}
	/* while unmasked, OMIMR has all of these clear: no need to read it */
	isr &= PCINET_OMI_ALL;
	if (!isr)
		goto out;
	ret = IRQ_HANDLED;
	if (isr & M83XX_OMI_OM1I) {
		pcinet_wr(b, M83XX_MU_OMISR, M83XX_OMI_OM1I);
		set_bit(PCINET_EV_OM1I, &b->events);
		check = true;
	}
	if ((isr & M83XX_OMI_OM0I) && !pcinet_tty_receive(b, true))
		check = true;
	if (isr & M83XX_OMI_ODI) {
		/* read, clear exactly what was read, then act (3.2 rule 3) */
		odr = pcinet_take_doorbells(b);
		if (odr & PCINET_DB_CONS_ACK)
			pcinet_tty_acked(b);
		if (odr & PCINET_DB_NET_KICK)
			pcinet_net_kick(b);
	}
out:
	if (check && !from_work)
		pcinet_queue_check(b);
	return ret;
}

/* INTA#, shared */
static irqreturn_t pcinet_irq(int irq, void *data)
{
	struct pcinet_board *b = data;
	irqreturn_t ret;

	spin_lock(&b->irq_lock);
	ret = pcinet_service(b, false);
	spin_unlock(&b->irq_lock);
	return ret;
}

/* Status check on OM1I and every PCINET_HOST_POLL_MS, whichever first */
static void pcinet_work(struct work_struct *work)
{
	struct pcinet_board *b = container_of(to_delayed_work(work),
					      struct pcinet_board, work);
	bool om1i;

	/* what an interrupt would have said (polling: every interrupt) */
	local_bh_disable();
	spin_lock_irq(&b->irq_lock);
	pcinet_service(b, true);
	spin_unlock_irq(&b->irq_lock);
	local_bh_enable();
	om1i = test_and_clear_bit(PCINET_EV_OM1I, &b->events);
	mutex_lock(&b->lock);
	if (b->dying) {
		mutex_unlock(&b->lock);
		return;
	}
	pcinet_status_check(b, om1i);
	pcinet_net_tick(b);
	mutex_unlock(&b->lock);
	pcinet_tty_tick(b);
	queue_delayed_work(system_wq, &b->work,
			   msecs_to_jiffies(b->polling ? PCINET_IRQ_POLL_MS :
					    PCINET_HOST_POLL_MS));
}

/* 10.7 load, with the console start of 9.3, up to the interrupt */
static void pcinet_load(struct pcinet_board *b)
{
	mutex_lock(&b->lock);
	pcinet_mask_irqs(b, true);
	pcinet_tty_restart(b);					/* 9.3 1 */
	pcinet_write_imr1(b, pcinet_status_make(PCINET_STATUS_SIG_HOST, 0));
	if (pcinet_rd(b, M83XX_MU_OMISR) & M83XX_OMI_OM0I)	/* 3 */
		pcinet_tty_receive(b, false);		/* step 5 acks */
	pcinet_clear_doorbells(b);				/* 4 */
	if (pcinet_status_compatible(pcinet_rd(b, M83XX_MU_OMR1),
				     PCINET_STATUS_SIG_BOARD))
		pcinet_ring(b, M83XX_MU_IDR, PCINET_DB_CONS_ACK);	/* 5 */
	pcinet_write_imr1(b, pcinet_host_status());		/* 6 */
	mutex_unlock(&b->lock);
}

/*
 * Let go of the board for good (10.7 unload, also on shutdown so that no
 * board DMAs into the memory of a kernel that follows): detach, wait for the
 * board to stop, end the lease and the console, mask its interrupt.
 */
static void pcinet_quiesce(struct pcinet_board *b)
{
	mutex_lock(&b->lock);
	b->dying = true;
	b->hold = true;
	if (!b->cfg_lost) {
		pcinet_net_quiesce(b);
		pcinet_write_imr1(b, 0);
		pcinet_mask_irqs(b, true);
	}
	mutex_unlock(&b->lock);
}

/*
 * 10.8: RPR "RSTE", then RCR only once RCER[CRE] reads set, as U-Boot's 83xx
 * reset does (mpc83xx.h "Reset control"): an RCR write before CRE is lost.
 * The whole block is big-endian (1.3); all ones is a board that is gone, not
 * CRE. False, with RCR left alone, if CRE stays clear for
 * M83XX_RCER_CRE_WAIT_US: the board was not reset.
 */
static bool pcinet_host_reset_request(struct pcinet_board *b)
{
	void __iomem *rcer = b->immr + M83XX_RST_RCER;
	u32 val;

	iowrite32be(M83XX_RPR_UNLOCK, b->immr + M83XX_RST_RPR);
	if (readx_poll_timeout(ioread32be, rcer, val,
			       val != ~0u && (val & M83XX_RCER_CRE), 10,
			       M83XX_RCER_CRE_WAIT_US)) {
		dev_err(&b->pdev->dev,
			"RCER[CRE] still clear %u us after the RPR unlock (RCER 0x%08x): RCR not written, board NOT reset\n",
			M83XX_RCER_CRE_WAIT_US, val);
		return false;
	}
	iowrite32be(M83XX_RCR_SWHR, b->immr + M83XX_RST_RCR);
	return true;
}

/*
 * Host-initiated reset, 10.8. Release first: detach and give the board
 * PCINET_DETACH_ACK_MS to stop its DMA, so that it never writes our memory
 * while it goes down; then RPR, RCER until CRE, RCR, big-endian (1.3), and
 * wait until the reset shows in IMR1 before the status check handles it.
 */
static int pcinet_host_reset(struct pcinet_board *b)
{
	unsigned long deadline;
	int err = 0;

	lockdep_assert_held(&b->lock);
	if (b->dying)
		return -ENODEV;
	if (b->cfg_lost)
		return -EBUSY;		/* still coming out of a reset */
	b->hold = true;
	if (pcinet_net_release(b) && !pcinet_net_wait_released(b))
		dev_warn(&b->pdev->dev,
			 "board still RUNNING %u ms after the detach: resetting it anyway\n",
			 PCINET_DETACH_ACK_MS);
	dev_info(&b->pdev->dev, "resetting the board\n");
	/*
	 * Its registers, maybe its configuration space, go away: the handler
	 * leaves it alone until the reset handling unmasks it again.
	 */
	WRITE_ONCE(b->irq_unmasked, false);
	if (!pcinet_host_reset_request(b)) {
		WRITE_ONCE(b->irq_unmasked, true);
		err = -EIO;
		goto out;
	}

	/* No BAR1 access from here on: reads of IMR1 only, until observed */
	deadline = jiffies + msecs_to_jiffies(PCINET_RESET_OBSERVE_MS);
	while (pcinet_rd(b, M83XX_MU_IMR1) == b->imr1) {
		if (time_after(jiffies, deadline)) {
			dev_err(&b->pdev->dev, "board did not reset\n");
			WRITE_ONCE(b->irq_unmasked, true);
			err = -EIO;
			break;
		}
		usleep_range(1000, 2000);
	}
out:
	b->hold = false;
	pcinet_status_check(b, false);
	return err;
}

static struct pcinet_board *pcinet_from_dev(struct device *dev)
{
	return pci_get_drvdata(to_pci_dev(dev));
}

static ssize_t reset_store(struct device *dev, struct device_attribute *attr,
			   const char *buf, size_t count)
{
	struct pcinet_board *b = pcinet_from_dev(dev);
	bool val;
	int err;

	err = kstrtobool(buf, &val);
	if (err)
		return err;
	if (!val)
		return -EINVAL;
	err = mutex_lock_interruptible(&b->lock);
	if (err)
		return err;
	err = pcinet_host_reset(b);
	mutex_unlock(&b->lock);
	return err ? err : count;
}
static DEVICE_ATTR_WO(reset);

/* The read-only attributes: one value each, read under the lock */
#define PCINET_SHOW(name, fmt, expr)					\
static ssize_t name##_show(struct device *dev,				\
			   struct device_attribute *attr, char *buf)	\
{									\
	struct pcinet_board *b = pcinet_from_dev(dev);			\
	ssize_t len;							\
									\
	mutex_lock(&b->lock);						\
	len = sysfs_emit(buf, fmt "\n", expr);				\
	mutex_unlock(&b->lock);						\
	return len;							\
}									\
static DEVICE_ATTR_RO(name)

PCINET_SHOW(registers_valid, "%d", pcinet_board_valid(b->board_status));
PCINET_SHOW(state, "%s", pcinet_host_state_name(b->sm.state));
PCINET_SHOW(board_status, "0x%08x", b->board_status);
PCINET_SHOW(attaches, "%u", b->sm.attaches);
PCINET_SHOW(detaches, "%u", b->sm.detaches);
PCINET_SHOW(resets, "%llu", b->resets_seen);

static struct attribute *pcinet_attrs[] = {
	&dev_attr_reset.attr,
	&dev_attr_registers_valid.attr,
	&dev_attr_state.attr,
	&dev_attr_board_status.attr,
	&dev_attr_attaches.attr,
	&dev_attr_detaches.attr,
	&dev_attr_resets.attr,
	NULL
};
ATTRIBUTE_GROUPS(pcinet);

static int pcinet_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct device *dev = &pdev->dev;
	resource_size_t win_len = pci_resource_len(pdev, PCINET_BAR_WINDOW);
	struct pcinet_board *b;
	int err;

	err = pcim_enable_device(pdev);
	if (err)
		return dev_err_probe(dev, err, "cannot enable the board\n");
	if (!(pci_resource_flags(pdev, PCINET_BAR_IMMR) & IORESOURCE_MEM) ||
	    pci_resource_len(pdev, PCINET_BAR_IMMR) < M83XX_IMMR_SIZE)
		return dev_err_probe(dev, -ENODEV, "BAR0 is not a 1 MiB IMMR\n");
	if (!(pci_resource_flags(pdev, PCINET_BAR_WINDOW) & IORESOURCE_MEM) ||
	    win_len < PCINET_MIN_WINDOW || win_len > SZ_2G)
		return dev_err_probe(dev, -ENODEV,
				     "BAR1 is not an inbound window of 64 KiB to 2 GiB\n");
	err = pcim_iomap_regions(pdev, BIT(PCINET_BAR_IMMR) |
				 BIT(PCINET_BAR_WINDOW), PCINET_DRV_NAME);
	if (err)
		return dev_err_probe(dev, err, "cannot map the BARs\n");
	pci_set_master(pdev);
	err = dma_set_mask_and_coherent(dev,
					DMA_BIT_MASK(fls64(dma_base + dma_size - 1)));
	if (err)
		return dev_err_probe(dev, err, "DMA mask for the window PCI 0x%llx+0x%llx\n",
				     dma_base, dma_size);

	b = devm_kzalloc(dev, sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	pcinet_host_sm_init(&b->sm);
	b->pdev = pdev;
	b->immr = pcim_iomap_table(pdev)[PCINET_BAR_IMMR];
	b->win = pcim_iomap_table(pdev)[PCINET_BAR_WINDOW];
	b->win_size = (u32)win_len;
	b->dma_win.pci_base = dma_base;
	b->dma_win.size = dma_size;
	b->bar_ok = true;
	mutex_init(&b->lock);
	spin_lock_init(&b->irq_lock);
	spin_lock_init(&b->post_lock);
	spin_lock_init(&b->tx_lock);
	INIT_DELAYED_WORK(&b->work, pcinet_work);
	pci_set_drvdata(pdev, b);

	/* 2.2 host rules 2-3: what a board reset takes away, we put back */
	pci_save_state(pdev);
	pci_read_config_dword(pdev, PCI_BASE_ADDRESS_0, &b->cfg_bar[0]);
	pci_read_config_dword(pdev, PCI_BASE_ADDRESS_1, &b->cfg_bar[1]);

	err = pcinet_tty_create(b);
	if (err)
		return dev_err_probe(dev, err, "cannot create the console tty\n");
	err = pcinet_net_create(b);
	if (err) {
		dev_err_probe(dev, err, "cannot create the network interface\n");
		goto err_tty;
	}

	/*
	 * 10.7 load: masked, console started, handler in, unmasked, check.
	 * A crate whose INTA# is not routed still works, slower: polled.
	 */
	pcinet_load(b);
	err = pdev->irq ? request_irq(pdev->irq, pcinet_irq, IRQF_SHARED,
				      netdev_name(b->ndev), b) : -ENXIO;
	if (err) {
		dev_warn(dev, "no usable INTA# (IRQ %d: %pe): polling the board every %u ms\n",
			 pdev->irq, ERR_PTR(err), PCINET_IRQ_POLL_MS);
		b->polling = true;
	}
	mutex_lock(&b->lock);
	pcinet_mask_irqs(b, false);
	b->started = true;
	pcinet_status_check(b, false);
	mutex_unlock(&b->lock);
	queue_delayed_work(system_wq, &b->work,
			   msecs_to_jiffies(PCINET_HOST_POLL_MS));
	dev_info(dev, "%s, ttyPCINet%u, window %u KiB\n", netdev_name(b->ndev),
		 b->index, b->win_size / SZ_1K);
	return 0;

err_tty:
	pcinet_tty_destroy(b);
	return err;
}

static void pcinet_remove(struct pci_dev *pdev)
{
	struct pcinet_board *b = pci_get_drvdata(pdev);

	/* ndo_stop detaches: the data path is quiet before the lease ends */
	pcinet_net_unregister(b);
	pcinet_quiesce(b);
	if (!b->polling)
		free_irq(pdev->irq, b);
	cancel_delayed_work_sync(&b->work);
	pcinet_net_free(b);
	pcinet_tty_destroy(b);
}

static void pcinet_shutdown(struct pci_dev *pdev)
{
	struct pcinet_board *b = pci_get_drvdata(pdev);

	pcinet_quiesce(b);
	cancel_delayed_work_sync(&b->work);
}

/*
 * MPC834x/MPC837x in PCI agent mode. The device IDs are the values of the
 * Device ID register in the MPC8349E and MPC8379E reference manuals (PCI
 * configuration header); Linux's include/linux/pci_ids.h names the vendor
 * (PCI_VENDOR_ID_FREESCALE) and the MPC8377/8378 ones, checked below.
 * protocol 2.1 lists them as M83XX_PCI_DEV_*.
 */
static_assert(PCI_VENDOR_ID_FREESCALE == M83XX_PCI_VENDOR_FREESCALE);
static_assert(PCI_DEVICE_ID_MPC8378E == M83XX_PCI_DEV_MPC8378E);
static_assert(PCI_DEVICE_ID_MPC8378 == M83XX_PCI_DEV_MPC8378);
static_assert(PCI_DEVICE_ID_MPC8377E == M83XX_PCI_DEV_MPC8377E);
static_assert(PCI_DEVICE_ID_MPC8377 == M83XX_PCI_DEV_MPC8377);

static const struct pci_device_id pcinet_ids[] = {
	{ PCI_VDEVICE(FREESCALE, M83XX_PCI_DEV_MPC8349E) },
	{ PCI_VDEVICE(FREESCALE, M83XX_PCI_DEV_MPC8349) },
	{ PCI_VDEVICE(FREESCALE, M83XX_PCI_DEV_MPC8347E_TBGA) },
	{ PCI_VDEVICE(FREESCALE, M83XX_PCI_DEV_MPC8347_TBGA) },
	{ PCI_VDEVICE(FREESCALE, M83XX_PCI_DEV_MPC8347E_PBGA) },
	{ PCI_VDEVICE(FREESCALE, M83XX_PCI_DEV_MPC8347_PBGA) },
	{ PCI_VDEVICE(FREESCALE, M83XX_PCI_DEV_MPC8343E) },
	{ PCI_VDEVICE(FREESCALE, M83XX_PCI_DEV_MPC8343) },
	{ PCI_VDEVICE(FREESCALE, M83XX_PCI_DEV_MPC8379E) },
	{ PCI_VDEVICE(FREESCALE, M83XX_PCI_DEV_MPC8379) },
	{ PCI_VDEVICE(FREESCALE, M83XX_PCI_DEV_MPC8378E) },
	{ PCI_VDEVICE(FREESCALE, M83XX_PCI_DEV_MPC8378) },
	{ PCI_VDEVICE(FREESCALE, M83XX_PCI_DEV_MPC8377E) },
	{ PCI_VDEVICE(FREESCALE, M83XX_PCI_DEV_MPC8377) },
	{ }
};
MODULE_DEVICE_TABLE(pci, pcinet_ids);

static struct pci_driver pcinet_driver = {
	.name = PCINET_DRV_NAME,
	.id_table = pcinet_ids,
	.probe = pcinet_probe,
	.remove = pcinet_remove,
	.shutdown = pcinet_shutdown,
	.dev_groups = pcinet_groups,
};

static int __init pcinet_init(void)
{
	int err;

	/* A power-of-two window, aligned to its size, as a board programs it */
	if (dma_size < SZ_4K || dma_size > SZ_2G || (dma_size & (dma_size - 1)) ||
	    (dma_base & (dma_size - 1))) {
		pr_err(PCINET_DRV_NAME ": dma_base 0x%llx, dma_size 0x%llx: not a window\n",
		       dma_base, dma_size);
		return -EINVAL;
	}
	err = pcinet_tty_init();
	if (err)
		return err;
	err = pci_register_driver(&pcinet_driver);
	if (err)
		pcinet_tty_exit();
	return err;
}
module_init(pcinet_init);

static void __exit pcinet_exit(void)
{
	pci_unregister_driver(&pcinet_driver);
	pcinet_tty_exit();
}
module_exit(pcinet_exit);

MODULE_DESCRIPTION("PCINet host: network and console to MPC83xx PCI agent boards");
MODULE_LICENSE("GPL");
