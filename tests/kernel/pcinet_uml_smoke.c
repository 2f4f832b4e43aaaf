// SPDX-License-Identifier: GPL-2.0+
/*
 * pcinet_uml_smoke: proof that a PCI driver in a real Linux kernel (UML, see
 * docs/uml.md) drives a simulated MPC83xx board through pcinet-vpci, with
 * no PCINet host driver involved. It binds the board by its PCI IDs and:
 *
 *  1. enables it, maps BAR0 (IMMR) and BAR1, reads its identity, OMR1, RSR;
 *  2. installs a shared INTx handler (protocol 3.2 rule 7) and starts a
 *     console as section 9.3 says: IMR1 without, then with
 *     PCINET_UART_RX_ENABLED: the board reacts by printing its banner through
 *     OMR0, each message an interrupt;
 *  3. types "version" into IMR0 (token flow, 9.2) and waits for the
 *     board's answer;
 *  4. asks the test board (console command `dma BUS LEN`) to DMA a pattern
 *     into a dma_alloc_coherent() buffer and checks it;
 *  5. resets the board as section 10.8 says, with big-endian writes of RPR
 *     and RCR (iowrite32be) and, between them, big-endian reads of RCER until
 *     CRE is set (ioread32be), and waits for the new board's status in OMR1
 *     and RSR = HRS | SWHR: the proof that big-endian registers arrive in
 *     the right byte order.
 *
 * Every step prints a line "pcinet_uml_smoke: ..."; the last one is
 * "pcinet_uml_smoke: PASS ..." or "pcinet_uml_smoke: FAIL ...". The board
 * must be the test firmware (build/sim/pcinet-sim-board) for step 4.
 */
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/iopoll.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/wait.h>

#include <pcinet/mpc83xx.h>
#include <pcinet/pcinet_console.h>
#include <pcinet/pcinet_proto.h>

#define DRV		"pcinet_uml_smoke"
#define OMI_ALL		(M83XX_OMI_OM0I | M83XX_OMI_OM1I | M83XX_OMI_ODI)
#define CONS_BUF	4096
#define DMA_LEN		4096
#define STEP_TIMEOUT	(10 * HZ)

struct smoke {
	struct pci_dev *pdev;
	void __iomem *immr;
	void __iomem *win;
	spinlock_t lock;		/* console state, shared with the IRQ */
	wait_queue_head_t wq;
	struct pcinet_cons_tx tx;
	struct pcinet_cons_rx rx;
	char cons[CONS_BUF];
	unsigned int cons_len;
	u32 board_status;
	unsigned int irqs, om0, om1, odi;
	bool irq_on;
};

static u32 rd(struct smoke *s, u32 off)
{
	return ioread32(s->immr + off);
}

static void wr(struct smoke *s, u32 off, u32 val)
{
	iowrite32(val, s->immr + off);
}

static void omimr_mask(struct smoke *s, bool masked)
{
	u32 old = rd(s, M83XX_MU_OMIMR);

	wr(s, M83XX_MU_OMIMR, masked ? old | OMI_ALL : old & ~OMI_ALL);
}

/* Caller holds s->lock */
static void take_board_message(struct smoke *s)
{
	u8 bytes[PCINET_CONS_MAX_BYTES];
	unsigned int n, i;
	u32 msg;

	wr(s, M83XX_MU_OMISR, M83XX_OMI_OM0I);		/* clear first (9.2) */
	msg = rd(s, M83XX_MU_OMR0);			/* then read */
	n = pcinet_cons_rx_accept(&s->rx, msg, bytes);
	for (i = 0; i < n; i++)
		if (s->cons_len < CONS_BUF - 1)
			s->cons[s->cons_len++] = bytes[i];
	s->cons[s->cons_len] = 0;
	wr(s, M83XX_MU_IDR, PCINET_DB_CONS_ACK);	/* room: ack */
	s->om0++;
}

static irqreturn_t smoke_irq(int irq, void *data)
{
	struct smoke *s = data;
	unsigned long flags;
	u32 isr, odr;

	isr = rd(s, M83XX_MU_OMISR);
	if (isr == ~0u || !(isr & ~rd(s, M83XX_MU_OMIMR) & OMI_ALL))
		return IRQ_NONE;			/* not ours (3.2 rule 7) */
	spin_lock_irqsave(&s->lock, flags);
	s->irqs++;
	if (isr & M83XX_OMI_OM1I) {
		wr(s, M83XX_MU_OMISR, M83XX_OMI_OM1I);
		s->board_status = rd(s, M83XX_MU_OMR1);
		s->om1++;
	}
	if (isr & M83XX_OMI_OM0I)
		take_board_message(s);
	if (isr & M83XX_OMI_ODI) {
		odr = rd(s, M83XX_MU_ODR);		/* read, clear, act */
		if (odr && odr != ~0u) {
			wr(s, M83XX_MU_ODR, odr);
			if (odr & PCINET_DB_CONS_ACK)
				pcinet_cons_tx_acked(&s->tx);
		}
		s->odi++;
	}
	spin_unlock_irqrestore(&s->lock, flags);
	wake_up(&s->wq);
	return IRQ_HANDLED;
}

static bool cons_has(struct smoke *s, const char *text)
{
	unsigned long flags;
	bool found;

	spin_lock_irqsave(&s->lock, flags);
	found = strstr(s->cons, text) != NULL;
	spin_unlock_irqrestore(&s->lock, flags);
	return found;
}

/* The console text so far on one line, for the log (at most 200 bytes) */
static const char *cons_line(struct smoke *s)
{
	static char line[201];
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&s->lock, flags);
	for (i = 0; i < s->cons_len && i < sizeof(line) - 1; i++)
		line[i] = (s->cons[i] == '\r' || s->cons[i] == '\n') ? '|' :
			  s->cons[i];
	line[i] = 0;
	spin_unlock_irqrestore(&s->lock, flags);
	return line;
}

static bool wait_for_text(struct smoke *s, const char *text)
{
	return wait_event_timeout(s->wq, cons_has(s, text), STEP_TIMEOUT) > 0;
}

static bool has_token(struct smoke *s)
{
	unsigned long flags;
	bool ready;

	spin_lock_irqsave(&s->lock, flags);
	ready = pcinet_cons_tx_ready(&s->tx);
	spin_unlock_irqrestore(&s->lock, flags);
	return ready;
}

/* Type text into the board's console, 3 bytes a message, token by token */
static int type_text(struct smoke *s, const char *text)
{
	unsigned int len = strlen(text), n;
	unsigned long flags;
	u32 msg;

	while (len) {
		if (!wait_event_timeout(s->wq, has_token(s), STEP_TIMEOUT))
			return -ETIMEDOUT;
		n = min_t(unsigned int, len, PCINET_CONS_MAX_BYTES);
		spin_lock_irqsave(&s->lock, flags);
		msg = pcinet_cons_tx_take(&s->tx, (const u8 *)text, n,
					  jiffies_to_msecs(jiffies));
		wr(s, M83XX_MU_IMR0, msg);
		spin_unlock_irqrestore(&s->lock, flags);
		text += n;
		len -= n;
	}
	return 0;
}

static void cons_reset_buf(struct smoke *s)
{
	unsigned long flags;

	spin_lock_irqsave(&s->lock, flags);
	s->cons_len = 0;
	s->cons[0] = 0;
	spin_unlock_irqrestore(&s->lock, flags);
}

static int smoke_dma(struct smoke *s)
{
	struct device *dev = &s->pdev->dev;
	char cmd[64], want[64];
	dma_addr_t bus;
	unsigned int i, bad = 0;
	u8 *buf;
	int err;

	buf = dma_alloc_coherent(dev, DMA_LEN, &bus, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	memset(buf, 0, DMA_LEN);
	{
		phys_addr_t phys = virt_to_phys(buf);

		pr_info(DRV ": DMA buffer %u bytes at bus address %pad (physical %pa)\n",
			DMA_LEN, &bus, &phys);
	}
	cons_reset_buf(s);
	snprintf(cmd, sizeof(cmd), "dma 0x%llx %u\r", (unsigned long long)bus,
		 DMA_LEN);
	snprintf(want, sizeof(want), "dma 0x%llx %u done",
		 (unsigned long long)bus, DMA_LEN);
	err = type_text(s, cmd);
	if (!err && !wait_for_text(s, want))
		err = -ETIMEDOUT;
	if (!err) {
		for (i = 0; i < DMA_LEN; i++)
			if (buf[i] != (u8)(i * 7 + 0x5A))
				bad++;
		pr_info(DRV ": board DMA into the buffer: %u of %u bytes as the board wrote them (%*ph ...)\n",
			DMA_LEN - bad, DMA_LEN, 8, buf);
		if (bad)
			err = -EIO;
	} else {
		pr_info(DRV ": board's answer to '%s': '%s'\n", cmd, cons_line(s));
	}
	dma_free_coherent(dev, DMA_LEN, buf, bus);
	return err;
}

static int smoke_reset(struct smoke *s)
{
	unsigned long deadline;
	u32 omr1 = 0, rsr = 0, rcer;

	iowrite32be(M83XX_RPR_UNLOCK, s->immr + M83XX_RST_RPR);
	/* 10.8: RCR only once RCER[CRE] is set, or it is lost */
	if (readx_poll_timeout(ioread32be, s->immr + M83XX_RST_RCER, rcer,
			       rcer != ~0u && (rcer & M83XX_RCER_CRE), 10,
			       M83XX_RCER_CRE_WAIT_US)) {
		pr_info(DRV ": RCER[CRE] never set (RCER 0x%08x)\n", rcer);
		return -EIO;
	}
	iowrite32be(M83XX_RCR_SWHR, s->immr + M83XX_RST_RCR);
	deadline = jiffies + 15 * HZ;
	while (time_before(jiffies, deadline)) {
		msleep(50);
		omr1 = rd(s, M83XX_MU_OMR1);		/* the reset check, 10.4 */
		if (!pcinet_status_compatible(omr1, PCINET_STATUS_SIG_BOARD))
			continue;
		rsr = ioread32be(s->immr + M83XX_RST_RSR);
		break;
	}
	pr_info(DRV ": after RPR/RCR (iowrite32be): OMR1 0x%08x, RSR 0x%08x\n",
		omr1, rsr);
	return rsr == (M83XX_RSR_HRS | M83XX_RSR_SWHR) ? 0 : -EIO;
}

static int smoke_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct smoke *s;
	u16 cmdreg;
	u32 class, omr1, rsr;
	int err;

	s = devm_kzalloc(&pdev->dev, sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	s->pdev = pdev;
	spin_lock_init(&s->lock);
	init_waitqueue_head(&s->wq);
	pci_set_drvdata(pdev, s);

	err = pcim_enable_device(pdev);
	if (err)
		return err;
	err = pcim_iomap_regions(pdev, BIT(0) | BIT(1), DRV);
	if (err)
		return err;
	s->immr = pcim_iomap_table(pdev)[0];
	s->win = pcim_iomap_table(pdev)[1];
	pci_set_master(pdev);
	err = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(30));
	if (err)
		return err;

	pci_read_config_dword(pdev, PCI_CLASS_REVISION, &class);
	pci_read_config_word(pdev, PCI_COMMAND, &cmdreg);
	pr_info(DRV ": %s %04x:%04x class %06x rev %02x command %04x BAR0 %pR BAR1 %pR irq %d pin %u\n",
		pci_name(pdev), pdev->vendor, pdev->device, class >> 8,
		class & 0xff, cmdreg, &pdev->resource[0], &pdev->resource[1],
		pdev->irq, pdev->pin);

	omr1 = rd(s, M83XX_MU_OMR1);
	rsr = ioread32be(s->immr + M83XX_RST_RSR);	/* a big-endian one */
	/* BAR1 stays untouched: the board has not published it (6.8) */
	pr_info(DRV ": OMR1 (board status) 0x%08x %s, IMR1 0x%08x, OMISR 0x%08x, RSR 0x%08x (ioread32be)\n",
		omr1, pcinet_status_compatible(omr1, PCINET_STATUS_SIG_BOARD) ?
		"compatible" : "not a PCINet board", rd(s, M83XX_MU_IMR1),
		rd(s, M83XX_MU_OMISR), rsr);

	/* What a register read costs here: a round trip to pcinet-vpci */
	{
		ktime_t t0 = ktime_get();
		unsigned int i;
		u32 v = 0;

		for (i = 0; i < 1000; i++)
			v |= rd(s, M83XX_MU_OMR1);
		pr_info(DRV ": 1000 BAR0 reads took %lld us (OMR1 0x%08x)\n",
			ktime_us_delta(ktime_get(), t0), v);
	}

	/* 9.3 with 3.2 rule 8: mask, handler, console start, unmask */
	pcinet_cons_tx_init(&s->tx);
	pcinet_cons_rx_init(&s->rx);
	omimr_mask(s, true);
	err = devm_request_irq(&pdev->dev, pdev->irq, smoke_irq, IRQF_SHARED,
			       DRV, s);
	if (err) {
		pr_info(DRV ": FAIL request_irq(%d): %d\n", pdev->irq, err);
		return err;
	}
	s->irq_on = true;
	wr(s, M83XX_MU_IMR1, pcinet_status_make(PCINET_STATUS_SIG_HOST, 0));
	if (rd(s, M83XX_MU_OMISR) & M83XX_OMI_OM0I) {
		spin_lock_irq(&s->lock);
		take_board_message(s);
		spin_unlock_irq(&s->lock);
	}
	wr(s, M83XX_MU_ODR, rd(s, M83XX_MU_ODR));
	if (pcinet_status_compatible(omr1, PCINET_STATUS_SIG_BOARD))
		wr(s, M83XX_MU_IDR, PCINET_DB_CONS_ACK);
	wr(s, M83XX_MU_IMR1, pcinet_status_make(PCINET_STATUS_SIG_HOST,
						PCINET_UART_RX_ENABLED));
	omimr_mask(s, false);

	if (!wait_for_text(s, "ready")) {
		pr_info(DRV ": FAIL no banner after IMR1 (interrupts %u, console '%s')\n",
			s->irqs, cons_line(s));
		return 0;	/* stay bound: the log says why */
	}
	msleep(50);	/* the rest of the banner */
	pr_info(DRV ": IMR1 written, the board answered through OMR0: '%s' (interrupts so far %u)\n",
		cons_line(s), s->irqs);

	cons_reset_buf(s);
	err = type_text(s, "version\r");
	if (err || !wait_for_text(s, "protocol")) {
		pr_info(DRV ": FAIL no answer to 'version' (interrupts %u, console '%s')\n",
			s->irqs, cons_line(s));
		return 0;
	}
	wait_for_text(s, "=> ");
	pr_info(DRV ": typed 'version' into IMR0, the board said: '%s'\n",
		cons_line(s));

	err = smoke_dma(s);
	if (err) {
		pr_info(DRV ": FAIL board DMA: %d\n", err);
		return 0;
	}
	err = smoke_reset(s);
	if (err) {
		pr_info(DRV ": FAIL board reset: %d\n", err);
		return 0;
	}
	pr_info(DRV ": PASS interrupts %u (OM0I %u, OM1I %u, ODI %u)\n",
		s->irqs, s->om0, s->om1, s->odi);
	return 0;
}

static void smoke_remove(struct pci_dev *pdev)
{
	struct smoke *s = pci_get_drvdata(pdev);

	/* 9.4: the console stops accepting input before the driver goes */
	if (s->irq_on) {
		wr(s, M83XX_MU_IMR1, pcinet_status_make(PCINET_STATUS_SIG_HOST, 0));
		omimr_mask(s, true);
	}
	pr_info(DRV ": removed (interrupts %u)\n", s->irqs);
}

static const struct pci_device_id smoke_ids[] = {
	{ PCI_DEVICE(M83XX_PCI_VENDOR_FREESCALE, M83XX_PCI_DEV_MPC8379E) },
	{ }
};
MODULE_DEVICE_TABLE(pci, smoke_ids);

static struct pci_driver smoke_driver = {
	.name = DRV,
	.id_table = smoke_ids,
	.probe = smoke_probe,
	.remove = smoke_remove,
};
module_pci_driver(smoke_driver);

MODULE_DESCRIPTION("PCINet: smoke test of a simulated board under UML");
MODULE_LICENSE("GPL");
