// SPDX-License-Identifier: GPL-2.0+
/*
 * PCINet, board side: an MPC834x/MPC837x running Linux in PCI agent mode
 * reaches its PCI host through the backplane alone, with a virtual Ethernet
 * link (a net_device) and a virtual serial console (ttyPCINet0, also usable
 * as the kernel console). The protocol is PCINet v1 (docs/protocol.md of
 * the PCINet project, include/pcinet/); U-Boot speaks it before us.
 *
 * Network: the host writes descriptors of its buffers into the shared
 * region, board RAM it sees through inbound window 0 (its BAR1). We read
 * them from our own RAM, move every frame with the board's DMA controller
 * through a PCI outbound window, and let the same DMA chain write the
 * indices and completions into the host's memory behind the payload. No
 * side ever reads across PCI: reads over the bus are slow, posted writes
 * and DMA bursts are fast.
 *
 * The DMA controller is used through dmaengine (drivers/dma/fsldma.c, the
 * 83xx "fsl,elo-dma"), not by programming its registers: the device tree
 * of every 83xx board gives all four channels to fsldma, which would
 * otherwise share a channel with us behind our back, and fsldma already
 * programs exactly what this needs (chained mode, snooped descriptors, PCI
 * read multiple). Operations submitted to one channel run in submission
 * order, which is the order the protocol asks for: payload, completion,
 * index.
 *
 * Console: one message of up to three bytes at a time in the message unit's
 * OMR0 (out) and IMR0 (in), one send token per direction handed back with
 * a doorbell (protocol section 9). It never touches the shared region or
 * the DMA controller, so it works whatever the network does, and its
 * console write() only polls registers, so it works from any context.
 *
 * The board's status word (OMR1) carries the bits of both: one shadow copy
 * under one lock is its only writer.
 */

#include <linux/console.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/dmaengine.h>
#include <linux/etherdevice.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/kfifo.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/of.h>
#include <linux/of_net.h>
#include <linux/of_reserved_mem.h>
#include <linux/platform_device.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <linux/timer.h>
#include <linux/tty.h>
#include <linux/tty_driver.h>
#include <linux/tty_flip.h>
#include <linux/workqueue.h>

#include <pcinet/mpc83xx.h>
#include <pcinet/pcinet_console.h>
#include <pcinet/pcinet_proto.h>
#include <pcinet/pcinet_ring.h>

#define DRV_NAME		"pcinet_fsl"

#define PCINET_FSL_H2B_RING	256	/* frames the host may queue for us */
#define PCINET_FSL_B2H_RING	256	/* buffers the host may post */
#define PCINET_FSL_MAX_FRAME	(ETH_DATA_LEN + ETH_HLEN)	/* no FCS */
#define PCINET_FSL_BATCH	32	/* frames per DMA chain */
#define PCINET_FSL_BATCHES	8	/* chains in flight */
#define PCINET_FSL_TXQ_LEN	128	/* frames waiting for host buffers */
#define PCINET_FSL_DMA_MS	100	/* a chain in flight, at most */
#define PCINET_FSL_RESTART_MS	1000	/* re-initialise after an error */
#define PCINET_FSL_SLOT_MAX	255	/* last byte of the default MAC */

#define PCINET_FSL_CONS_FIFO	4096	/* tty output not yet sent */
#define PCINET_FSL_CONS_RETRY_MS 10	/* look again at a held ack */

#define PCINET_FSL_MU_IRQS	(M83XX_IMI_IM0I | M83XX_IMI_IM1I | M83XX_IMI_IDI)

/* Each chain in flight covers at most a ring's worth of h2b descriptors */
static_assert(PCINET_FSL_BATCH * PCINET_FSL_BATCHES <= PCINET_FSL_H2B_RING);
static_assert(offsetof(struct pcinet_host_area, b2h_cmpl) == PCINET_HOST_AREA_HDR);

enum pcinet_fsl_state {
	PCINET_FSL_IDLE,	/* console only: the region is not valid */
	PCINET_FSL_VALID,	/* region initialised, no host attached */
	PCINET_FSL_ATTACHED,	/* host attached: we may DMA into its memory */
};

/*
 * The words a DMA chain copies into the host area. They live in our memory
 * until the chain runs, so each value has its own word: a slot is written
 * again only a full ring later, when the chain that read it has long run
 * (the host cannot post past what it has seen completed).
 */
struct pcinet_fsl_words {
	__le32 hdr[3];		/* host area header at attach */
	__le32 h2b_cons[PCINET_FSL_H2B_RING];
	__le32 b2h_done[PCINET_FSL_B2H_RING];
	struct pcinet_cmpl cmpl[PCINET_FSL_B2H_RING];
};

struct pcinet_fsl_frame {
	struct sk_buff *skb;
	dma_addr_t addr;
	u32 len;
};

/* One DMA chain: frames one way, then the index that publishes them */
struct pcinet_fsl_batch {
	dma_cookie_t cookie;	/* last operation of the chain */
	bool rx;		/* h2b: frames for us; else b2h: ours out */
	unsigned int n;		/* frames in the chain */
	unsigned int next;	/* frames finished (NAPI budget) */
	struct pcinet_fsl_frame f[PCINET_FSL_BATCH];
};

/**
 * struct pcinet_fsl - one PCINet link: the board's message unit
 * @dev: the platform device
 * @ndev: the network interface
 * @mu: message unit registers, IMMR 0x8030 on (little-endian)
 * @atmu: PCI window registers, IMMR 0x8400 on (big-endian)
 * @irq: message unit interrupt
 * @status_lock: serialises writes of @status to OMR1
 * @status: our status flags (PCINET_*), the shadow of OMR1
 * @cons_lock: console state, IMIMR and the console doorbell bit
 * @tx: console sender state (OMR0)
 * @rx: console receiver state (IMR0)
 * @cons_host: the host's status word as the console last saw it
 * @ack_owed: a host message is taken and not yet acknowledged
 * @rx_open: the tty is open: input has a reader
 * @rx_throttled: the line discipline asked us to hold input
 * @rx_dropped: input bytes without a reader
 * @cons_timer: console stall check and held-ack retry
 * @tx_fifo: tty output waiting for the token
 * @port: the tty port
 * @tty_drv: its driver
 * @con: the kernel console on the same line
 * @net_lock: the handshake state: @state, attach, detach, start, stop
 * @state: where the handshake is (protocol 10.2)
 * @napi_on: NAPI is enabled (the interface is up)
 * @attached: copy of @state == ATTACHED for the data path
 * @broken: a protocol error: the data path stops until re-initialised
 * @removing: remove or shutdown has begun
 * @host_rxint_off: the host polls: it needs no NET_KICK
 * @status_work: evaluates the host's status word (IM1I)
 * @restart_work: stop and re-initialise after a protocol error
 * @region_phys: shared region, board-local address (reserved memory)
 * @region_size: its size, a power of two, inbound window 0's size
 * @ctrl: the control block at its start, mapped
 * @h2b: the h2b ring, mapped
 * @b2h: the b2h ring, mapped
 * @rings_end: bytes of the region the layout uses
 * @h2b_off: offset of the h2b ring in the region
 * @b2h_off: offset of the b2h ring
 * @generation: generation last published
 * @refused_gen: generation whose attach we refused (logged once)
 * @ob_index: outbound window n (POTARn/POBARn/POCMRn)
 * @ob_local: its board-local base
 * @win: its PCI side, for the protocol's checks
 * @slot: crate slot from the device tree, for the default MAC (0: none)
 * @dma: our DMA channel
 * @dma_dev: the device DMA addresses are mapped for
 * @ob_dma: the outbound window as a DMA address of @dma_dev
 * @words: source words of index and completion writes
 * @words_dma: their DMA address
 * @hdr_done: the attach's header write completed
 * @area_dma: the host area as a DMA address of @dma_dev
 * @h2b_cons: h2b descriptors consumed (local index)
 * @b2h_done: b2h buffers used (local index)
 * @batch: chains in flight, oldest at @batch_head
 * @batch_head: oldest chain in flight
 * @batch_count: chains in flight
 * @txq: frames waiting for a host buffer
 * @napi: the data path
 */
struct pcinet_fsl {
	struct device *dev;
	struct net_device *ndev;
	void __iomem *mu;
	void __iomem *atmu;
	int irq;

	spinlock_t status_lock;		/* protects @status and OMR1 */
	u32 status;

	spinlock_t cons_lock;		/* protects the console and IMIMR */
	struct pcinet_cons_tx tx;
	struct pcinet_cons_rx rx;
	u32 cons_host;
	bool ack_owed;
	bool rx_open;
	bool rx_throttled;
	u32 rx_dropped;
	struct timer_list cons_timer;
	DECLARE_KFIFO(tx_fifo, u8, PCINET_FSL_CONS_FIFO);
	struct tty_port port;
	struct tty_driver *tty_drv;
	struct console con;

	struct mutex net_lock;		/* protects the handshake state */
	enum pcinet_fsl_state state;
	bool napi_on;
	bool attached;
	bool broken;
	bool removing;
	bool host_rxint_off;
	struct work_struct status_work;
	struct delayed_work restart_work;

	phys_addr_t region_phys;
	u32 region_size;
	struct pcinet_ctrl *ctrl;
	struct pcinet_desc *h2b;
	struct pcinet_desc *b2h;
	u32 rings_end;
	u32 h2b_off;
	u32 b2h_off;
	u32 generation;
	u32 refused_gen;

	u32 ob_index;
	phys_addr_t ob_local;
	struct pcinet_window win;
	u32 slot;

	struct dma_chan *dma;
	struct device *dma_dev;
	dma_addr_t ob_dma;
	struct pcinet_fsl_words *words;
	dma_addr_t words_dma;
	struct completion hdr_done;
	dma_addr_t area_dma;

	u32 h2b_cons;
	u32 b2h_done;
	struct pcinet_fsl_batch batch[PCINET_FSL_BATCHES];
	unsigned int batch_head;
	unsigned int batch_count;
	struct sk_buff_head txq;
	struct napi_struct napi;
};

/* ---------------------------------------------------------------------- */
/* Registers */

/* The message unit sits in IMMR's little-endian DMA block (protocol 1.3) */
static u32 pcinet_fsl_mu_read(struct pcinet_fsl *priv, u32 reg)
{
	return in_le32(priv->mu + (reg - M83XX_MU_OMISR));
}

static void pcinet_fsl_mu_write(struct pcinet_fsl *priv, u32 reg, u32 val)
{
	out_le32(priv->mu + (reg - M83XX_MU_OMISR), val);
}

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
 * Change our bits of the status word. Every write interrupts the host
 * (OM1I): that is how it learns of VALID, RUNNING and console changes.
 */
static void pcinet_fsl_status_update(struct pcinet_fsl *priv, u32 set,
				     u32 clear)
{
	unsigned long flags;

	spin_lock_irqsave(&priv->status_lock, flags);
	priv->status = (priv->status & ~clear) | set;
	pcinet_fsl_mu_write(priv, M83XX_MU_OMR1,
			    pcinet_status_make(PCINET_STATUS_SIG_BOARD,
					       priv->status));
	spin_unlock_irqrestore(&priv->status_lock, flags);
}

static u32 pcinet_fsl_host_status(struct pcinet_fsl *priv)
{
	return pcinet_fsl_mu_read(priv, M83XX_MU_IMR1);
}

/* Bits of IMIMR are ours alone (protocol 3.2); a set bit masks */
static void pcinet_fsl_mu_mask(struct pcinet_fsl *priv, u32 bits, bool mask)
{
	u32 imimr = pcinet_fsl_mu_read(priv, M83XX_MU_IMIMR);

	imimr = mask ? imimr | bits : imimr & ~bits;
	pcinet_fsl_mu_write(priv, M83XX_MU_IMIMR, imimr);
}

/* ---------------------------------------------------------------------- */
/* Console */

/* The console's clock: usable with interrupts off, where jiffies stand still */
static u32 pcinet_fsl_now_ms(void)
{
	return (u32)div_u64(ktime_get_mono_fast_ns(), NSEC_PER_MSEC);
}

/* The host's console takes output: a v1 host with UART_RX_ENABLED */
static bool pcinet_fsl_cons_host_ok(struct pcinet_fsl *priv)
{
	return pcinet_status_compatible(priv->cons_host,
					PCINET_STATUS_SIG_HOST) &&
	       (priv->cons_host & PCINET_UART_RX_ENABLED);
}

/*
 * A look at the sender's side without the interrupt: the ack doorbell and
 * the host's status word. Only the console's doorbell bit is cleared, the
 * network's stays for the interrupt handler. A changed IMR1 is the host
 * writing its status (a restarting host also acks, protocol 9.2).
 * Called with cons_lock held.
 */
static void pcinet_fsl_cons_tx_poll(struct pcinet_fsl *priv)
{
	u32 host;

	if (pcinet_fsl_mu_read(priv, M83XX_MU_IDR) & PCINET_DB_CONS_ACK) {
		pcinet_fsl_mu_write(priv, M83XX_MU_IDR, PCINET_DB_CONS_ACK);
		pcinet_cons_tx_acked(&priv->tx);
	}
	host = pcinet_fsl_host_status(priv);
	if (host != priv->cons_host) {
		priv->cons_host = host;
		pcinet_cons_tx_peer_back(&priv->tx);
	}
	pcinet_cons_tx_check_stall(&priv->tx, pcinet_fsl_now_ms());
}

/*
 * Send the next message of tty output if we hold the token. Without a host
 * console, or while it is stalled, output is discarded like a UART's with
 * no cable. Returns true when writers may be woken. cons_lock held.
 */
static bool pcinet_fsl_cons_pump(struct pcinet_fsl *priv)
{
	u8 buf[PCINET_CONS_MAX_BYTES];
	unsigned int n;
	u32 msg;

	if (kfifo_is_empty(&priv->tx_fifo))
		return false;
	if (!pcinet_fsl_cons_host_ok(priv) || priv->tx.stalled) {
		pcinet_cons_tx_discard(&priv->tx, kfifo_len(&priv->tx_fifo));
		kfifo_reset_out(&priv->tx_fifo);
		return true;
	}
	if (!pcinet_cons_tx_ready(&priv->tx))
		return false;
	n = kfifo_out(&priv->tx_fifo, buf, sizeof(buf));
	msg = pcinet_cons_tx_take(&priv->tx, buf, n, pcinet_fsl_now_ms());
	pcinet_fsl_mu_write(priv, M83XX_MU_OMR0, msg);
	/* the stall rule needs a clock even when no more output comes */
	timer_reduce(&priv->cons_timer,
		     jiffies + msecs_to_jiffies(PCINET_CONS_STALL_MS) + 1);
	return true;
}

static bool pcinet_fsl_cons_rx_room(struct pcinet_fsl *priv)
{
	if (!priv->rx_open)
		return true;	/* no reader: take and drop (protocol 9.2) */
	return !priv->rx_throttled &&
	       tty_buffer_space_avail(&priv->port) >= PCINET_CONS_MAX_BYTES;
}

/* Take the host's message from IMR0: clear IM0I first, then read */
static void pcinet_fsl_cons_rx_take(struct pcinet_fsl *priv)
{
	u8 bytes[PCINET_CONS_MAX_BYTES];
	unsigned int n, done = 0;
	u32 msg;

	pcinet_fsl_mu_write(priv, M83XX_MU_IMISR, M83XX_IMI_IM0I);
	msg = pcinet_fsl_mu_read(priv, M83XX_MU_IMR0);
	n = pcinet_cons_rx_accept(&priv->rx, msg, bytes);
	if (n && priv->rx_open) {
		done = tty_insert_flip_string(&priv->port, bytes, n);
		tty_flip_buffer_push(&priv->port);
	}
	priv->rx_dropped += n - done;
	priv->ack_owed = true;
}

/*
 * The receiver: take what the host sent and acknowledge it only when there
 * is room for another whole message; that is the flow control. While an
 * ack is held, IM0I stays masked. A message that came without our ack (a
 * host that restarted) is taken before the ack that would let the next one
 * overwrite it. cons_lock held.
 */
static void pcinet_fsl_cons_rx_service(struct pcinet_fsl *priv)
{
	for (;;) {
		if (pcinet_fsl_mu_read(priv, M83XX_MU_IMISR) & M83XX_IMI_IM0I) {
			if (priv->ack_owed && !pcinet_fsl_cons_rx_room(priv))
				break;
			pcinet_fsl_cons_rx_take(priv);
			continue;
		}
		if (!priv->ack_owed) {
			pcinet_fsl_mu_mask(priv, M83XX_IMI_IM0I, false);
			return;
		}
		if (!pcinet_fsl_cons_rx_room(priv))
			break;
		priv->ack_owed = false;
		pcinet_fsl_mu_write(priv, M83XX_MU_ODR, PCINET_DB_CONS_ACK);
	}
	/* held: the line discipline's unthrottle or the timer looks again */
	pcinet_fsl_mu_mask(priv, M83XX_IMI_IM0I, true);
	if (!priv->rx_throttled)
		timer_reduce(&priv->cons_timer, jiffies +
			     msecs_to_jiffies(PCINET_FSL_CONS_RETRY_MS) + 1);
}

/*
 * One timer for both directions: the stall rule of the sender, and another
 * look at an ack held for lack of room. Each arms it no later than it needs
 * (timer_reduce), so neither delays the other; it re-arms itself while a
 * message waits for its ack.
 */
static void pcinet_fsl_cons_timer(struct timer_list *t)
{
	struct pcinet_fsl *priv = from_timer(priv, t, cons_timer);
	unsigned long flags;
	u32 waited;
	bool wake;

	spin_lock_irqsave(&priv->cons_lock, flags);
	pcinet_fsl_cons_tx_poll(priv);
	if (priv->ack_owed)
		pcinet_fsl_cons_rx_service(priv);
	wake = pcinet_fsl_cons_pump(priv);
	if (!priv->tx.token && !priv->tx.stalled) {
		waited = pcinet_fsl_now_ms() - priv->tx.sent_ms;
		if (waited > PCINET_CONS_STALL_MS)
			waited = PCINET_CONS_STALL_MS;
		timer_reduce(&priv->cons_timer, jiffies + 1 +
			     msecs_to_jiffies(PCINET_CONS_STALL_MS - waited));
	}
	spin_unlock_irqrestore(&priv->cons_lock, flags);
	if (wake)
		tty_port_tty_wakeup(&priv->port);
}

/*
 * One attempt of the kernel console's sender: true when the bytes went out
 * or were discarded (no host console, or a stalled one). cons_lock held, or
 * interrupts off in an oops.
 */
static bool pcinet_fsl_con_try(struct pcinet_fsl *priv, const u8 *buf,
			       unsigned int n)
{
	u32 msg;

	pcinet_fsl_cons_tx_poll(priv);
	if (!pcinet_fsl_cons_host_ok(priv) || priv->tx.stalled) {
		pcinet_cons_tx_discard(&priv->tx, n);
		return true;
	}
	if (!pcinet_cons_tx_ready(&priv->tx))
		return false;
	msg = pcinet_cons_tx_take(&priv->tx, buf, n, pcinet_fsl_now_ms());
	pcinet_fsl_mu_write(priv, M83XX_MU_OMR0, msg);
	return true;
}

/*
 * Send up to three bytes from the kernel console: polled, bounded by the
 * stall rule (PCINET_CONS_STALL_MS), safe with interrupts off. In an oops
 * the lock may be held by the code that crashed: it is not taken then.
 */
static void pcinet_fsl_con_send(struct pcinet_fsl *priv, const u8 *buf,
				unsigned int n)
{
	unsigned long flags;
	bool sent;

	do {
		if (oops_in_progress) {
			local_irq_save(flags);
			sent = pcinet_fsl_con_try(priv, buf, n);
			local_irq_restore(flags);
		} else {
			spin_lock_irqsave(&priv->cons_lock, flags);
			sent = pcinet_fsl_con_try(priv, buf, n);
			spin_unlock_irqrestore(&priv->cons_lock, flags);
		}
		if (!sent)
			udelay(1);
	} while (!sent);
}

static void pcinet_fsl_con_write(struct console *con, const char *s,
				 unsigned int count)
{
	struct pcinet_fsl *priv = con->data;
	u8 buf[PCINET_CONS_MAX_BYTES];
	unsigned int n = 0, i;

	/* a terminal on the host wants a carriage return before each newline */
	for (i = 0; i < count; i++) {
		if (s[i] == '\n') {
			buf[n++] = '\r';
			if (n == sizeof(buf)) {
				pcinet_fsl_con_send(priv, buf, n);
				n = 0;
			}
		}
		buf[n++] = s[i];
		if (n == sizeof(buf)) {
			pcinet_fsl_con_send(priv, buf, n);
			n = 0;
		}
	}
	if (n)
		pcinet_fsl_con_send(priv, buf, n);
}

static struct tty_driver *pcinet_fsl_con_device(struct console *con,
						int *index)
{
	struct pcinet_fsl *priv = con->data;

	*index = 0;
	return priv->tty_drv;
}

/* The host may send input from now on (protocol 9.3 step 6) */
static int pcinet_fsl_port_activate(struct tty_port *port,
				    struct tty_struct *tty)
{
	struct pcinet_fsl *priv = container_of(port, struct pcinet_fsl, port);
	unsigned long flags;

	spin_lock_irqsave(&priv->cons_lock, flags);
	priv->rx_open = true;
	priv->rx_throttled = false;
	pcinet_fsl_cons_rx_service(priv);
	spin_unlock_irqrestore(&priv->cons_lock, flags);
	pcinet_fsl_status_update(priv, PCINET_UART_RX_ENABLED, 0);
	return 0;
}

/* No reader any more: the host holds its input (protocol 9.4) */
static void pcinet_fsl_port_shutdown(struct tty_port *port)
{
	struct pcinet_fsl *priv = container_of(port, struct pcinet_fsl, port);
	unsigned long flags;

	pcinet_fsl_status_update(priv, 0, PCINET_UART_RX_ENABLED);
	spin_lock_irqsave(&priv->cons_lock, flags);
	priv->rx_open = false;
	pcinet_fsl_cons_rx_service(priv);
	spin_unlock_irqrestore(&priv->cons_lock, flags);
}

static const struct tty_port_operations pcinet_fsl_port_ops = {
	.activate = pcinet_fsl_port_activate,
	.shutdown = pcinet_fsl_port_shutdown,
};

static int pcinet_fsl_tty_install(struct tty_driver *driver,
				  struct tty_struct *tty)
{
	struct pcinet_fsl *priv = driver->driver_state;

	tty->driver_data = priv;
	return tty_port_install(&priv->port, driver, tty);
}

static int pcinet_fsl_tty_open(struct tty_struct *tty, struct file *filp)
{
	struct pcinet_fsl *priv = tty->driver_data;

	return tty_port_open(&priv->port, tty, filp);
}

static void pcinet_fsl_tty_close(struct tty_struct *tty, struct file *filp)
{
	struct pcinet_fsl *priv = tty->driver_data;

	tty_port_close(&priv->port, tty, filp);
}

static void pcinet_fsl_tty_hangup(struct tty_struct *tty)
{
	struct pcinet_fsl *priv = tty->driver_data;

	tty_port_hangup(&priv->port);
}

static int pcinet_fsl_tty_write(struct tty_struct *tty, const u8 *buf,
				int count)
{
	struct pcinet_fsl *priv = tty->driver_data;
	unsigned long flags;
	unsigned int n;

	spin_lock_irqsave(&priv->cons_lock, flags);
	n = kfifo_in(&priv->tx_fifo, buf, count);
	pcinet_fsl_cons_pump(priv);
	spin_unlock_irqrestore(&priv->cons_lock, flags);
	return n;
}

static unsigned int pcinet_fsl_tty_write_room(struct tty_struct *tty)
{
	struct pcinet_fsl *priv = tty->driver_data;
	unsigned long flags;
	unsigned int room;

	spin_lock_irqsave(&priv->cons_lock, flags);
	room = kfifo_avail(&priv->tx_fifo);
	spin_unlock_irqrestore(&priv->cons_lock, flags);
	return room;
}

static unsigned int pcinet_fsl_tty_chars_in_buffer(struct tty_struct *tty)
{
	struct pcinet_fsl *priv = tty->driver_data;
	unsigned long flags;
	unsigned int len;

	spin_lock_irqsave(&priv->cons_lock, flags);
	len = kfifo_len(&priv->tx_fifo);
	spin_unlock_irqrestore(&priv->cons_lock, flags);
	return len;
}

static void pcinet_fsl_tty_flush_buffer(struct tty_struct *tty)
{
	struct pcinet_fsl *priv = tty->driver_data;
	unsigned long flags;

	spin_lock_irqsave(&priv->cons_lock, flags);
	kfifo_reset_out(&priv->tx_fifo);
	spin_unlock_irqrestore(&priv->cons_lock, flags);
	tty_port_tty_wakeup(&priv->port);
}

/* The line discipline is full: hold the host's token, it waits for us */
static void pcinet_fsl_tty_throttle(struct tty_struct *tty)
{
	struct pcinet_fsl *priv = tty->driver_data;
	unsigned long flags;

	spin_lock_irqsave(&priv->cons_lock, flags);
	priv->rx_throttled = true;
	spin_unlock_irqrestore(&priv->cons_lock, flags);
}

static void pcinet_fsl_tty_unthrottle(struct tty_struct *tty)
{
	struct pcinet_fsl *priv = tty->driver_data;
	unsigned long flags;

	spin_lock_irqsave(&priv->cons_lock, flags);
	priv->rx_throttled = false;
	pcinet_fsl_cons_rx_service(priv);
	spin_unlock_irqrestore(&priv->cons_lock, flags);
}

static const struct tty_operations pcinet_fsl_tty_ops = {
	.install = pcinet_fsl_tty_install,
	.open = pcinet_fsl_tty_open,
	.close = pcinet_fsl_tty_close,
	.hangup = pcinet_fsl_tty_hangup,
	.write = pcinet_fsl_tty_write,
	.write_room = pcinet_fsl_tty_write_room,
	.chars_in_buffer = pcinet_fsl_tty_chars_in_buffer,
	.flush_buffer = pcinet_fsl_tty_flush_buffer,
	.throttle = pcinet_fsl_tty_throttle,
	.unthrottle = pcinet_fsl_tty_unthrottle,
};

/*
 * Console start (protocol 9.3). U-Boot left with its UART_RX_ENABLED clear
 * and may have left a message of the host's in IMR0: it is taken (nobody
 * reads it yet: dropped and counted), and the ack returns the host's token
 * in case U-Boot went without acking. Input is welcome when the tty opens.
 */
static void pcinet_fsl_cons_start(struct pcinet_fsl *priv)
{
	unsigned long flags;
	u32 idr;

	spin_lock_irqsave(&priv->cons_lock, flags);
	pcinet_cons_tx_init(&priv->tx);
	pcinet_cons_rx_init(&priv->rx);
	priv->ack_owed = false;
	priv->cons_host = pcinet_fsl_host_status(priv);
	idr = pcinet_fsl_mu_read(priv, M83XX_MU_IDR);
	if (idr)
		pcinet_fsl_mu_write(priv, M83XX_MU_IDR, idr);
	if (pcinet_fsl_mu_read(priv, M83XX_MU_IMISR) & M83XX_IMI_IM0I)
		pcinet_fsl_cons_rx_take(priv);
	if (priv->ack_owed ||
	    pcinet_status_compatible(priv->cons_host, PCINET_STATUS_SIG_HOST)) {
		priv->ack_owed = false;
		pcinet_fsl_mu_write(priv, M83XX_MU_ODR, PCINET_DB_CONS_ACK);
	}
	spin_unlock_irqrestore(&priv->cons_lock, flags);
}

/*
 * Console exit (protocol 9.4): no more input, then at most
 * PCINET_CONS_HANDOFF_MS for the ack of our last message, so that the
 * next software (a rebooted kernel, U-Boot) starts on a quiet line.
 */
static void pcinet_fsl_cons_stop(struct pcinet_fsl *priv)
{
	u32 start = pcinet_fsl_now_ms();
	unsigned long flags;
	bool busy;

	pcinet_fsl_status_update(priv, 0, PCINET_UART_RX_ENABLED);
	do {
		spin_lock_irqsave(&priv->cons_lock, flags);
		pcinet_fsl_cons_tx_poll(priv);
		busy = !priv->tx.token && !priv->tx.stalled &&
		       pcinet_fsl_cons_host_ok(priv);
		spin_unlock_irqrestore(&priv->cons_lock, flags);
		if (busy)
			usleep_range(200, 400);
	} while (busy && pcinet_fsl_now_ms() - start < PCINET_CONS_HANDOFF_MS);
}

static int pcinet_fsl_tty_register(struct pcinet_fsl *priv)
{
	struct tty_driver *drv;
	struct device *tty_dev;
	int ret;

	drv = tty_alloc_driver(1, TTY_DRIVER_REAL_RAW | TTY_DRIVER_DYNAMIC_DEV);
	if (IS_ERR(drv))
		return PTR_ERR(drv);
	drv->driver_name = DRV_NAME;
	drv->name = "ttyPCINet";
	drv->type = TTY_DRIVER_TYPE_SERIAL;
	drv->subtype = SERIAL_TYPE_NORMAL;
	drv->init_termios = tty_std_termios;
	/* no line to set up: the speed is what PCI gives */
	drv->init_termios.c_cflag = B115200 | CS8 | CREAD | HUPCL | CLOCAL;
	drv->init_termios.c_ispeed = 115200;
	drv->init_termios.c_ospeed = 115200;
	drv->driver_state = priv;
	tty_set_operations(drv, &pcinet_fsl_tty_ops);

	ret = tty_register_driver(drv);
	if (ret)
		goto err_put;
	tty_dev = tty_port_register_device(&priv->port, drv, 0, priv->dev);
	if (IS_ERR(tty_dev)) {
		ret = PTR_ERR(tty_dev);
		goto err_unregister;
	}
	priv->tty_drv = drv;
	return 0;

err_unregister:
	tty_unregister_driver(drv);
err_put:
	tty_driver_kref_put(drv);
	return ret;
}

static void pcinet_fsl_tty_unregister(struct pcinet_fsl *priv)
{
	tty_port_tty_hangup(&priv->port, false);
	tty_unregister_device(priv->tty_drv, 0);
	tty_unregister_driver(priv->tty_drv);
	tty_driver_kref_put(priv->tty_drv);
}

/* ---------------------------------------------------------------------- */
/* DMA */

static dma_addr_t pcinet_fsl_host_dma(struct pcinet_fsl *priv, u64 bus)
{
	return priv->ob_dma + (dma_addr_t)(bus - priv->win.pci_base);
}

static dma_addr_t pcinet_fsl_words_dma(struct pcinet_fsl *priv,
				       const void *word)
{
	return priv->words_dma + ((const u8 *)word - (const u8 *)priv->words);
}

static void pcinet_fsl_dma_callback(void *data)
{
	struct pcinet_fsl *priv = data;

	napi_schedule(&priv->napi);
}

/*
 * Add one copy to the chain of @b. Operations on one channel run in the
 * order they were submitted; only the last of a chain interrupts.
 */
static int pcinet_fsl_copy(struct pcinet_fsl *priv, struct pcinet_fsl_batch *b,
			   dma_addr_t dst, dma_addr_t src, size_t len,
			   bool last)
{
	unsigned long flags = DMA_CTRL_ACK;
	struct dma_async_tx_descriptor *tx;
	dma_cookie_t cookie;

	if (last)
		flags |= DMA_PREP_INTERRUPT;
	tx = dmaengine_prep_dma_memcpy(priv->dma, dst, src, len, flags);
	if (!tx)
		return -ENOMEM;
	if (last) {
		tx->callback = pcinet_fsl_dma_callback;
		tx->callback_param = priv;
	}
	cookie = dmaengine_submit(tx);
	if (dma_submit_error(cookie))
		return -EIO;
	b->cookie = cookie;
	return 0;
}

static struct pcinet_fsl_batch *pcinet_fsl_batch_get(struct pcinet_fsl *priv)
{
	struct pcinet_fsl_batch *b;

	if (priv->batch_count == PCINET_FSL_BATCHES)
		return NULL;
	b = &priv->batch[(priv->batch_head + priv->batch_count) %
			 PCINET_FSL_BATCHES];
	b->n = 0;
	b->next = 0;
	b->cookie = 0;
	return b;
}

static void pcinet_fsl_batch_push(struct pcinet_fsl *priv)
{
	priv->batch_count++;
	dma_async_issue_pending(priv->dma);
}

/* Something we cannot repair in place: stop, then start afresh (8.6) */
static void pcinet_fsl_proto_error(struct pcinet_fsl *priv)
{
	if (READ_ONCE(priv->broken))
		return;
	WRITE_ONCE(priv->broken, true);
	netif_carrier_off(priv->ndev);
	schedule_delayed_work(&priv->restart_work, 0);
}

/*
 * Finish the chains that completed, oldest first; with @drop (the channel
 * is quiet) all of them, delivering nothing. *work counts frames given to
 * the stack and stops at @budget, in the middle of a chain if need be.
 * Returns true if a chain completed: its indices reached the host.
 */
static bool pcinet_fsl_reap(struct pcinet_fsl *priv, int budget, int *work,
			    bool drop)
{
	struct net_device *ndev = priv->ndev;
	enum dma_status st = DMA_COMPLETE;
	struct pcinet_fsl_batch *b;
	struct pcinet_fsl_frame *f;
	bool completed = false;

	while (priv->batch_count) {
		b = &priv->batch[priv->batch_head];
		if (!drop) {
			st = dmaengine_tx_status(priv->dma, b->cookie, NULL);
			if (st == DMA_IN_PROGRESS || st == DMA_PAUSED)
				break;
		}
		completed = true;
		for (; b->next < b->n; b->next++) {
			if (b->rx && !drop && st == DMA_COMPLETE &&
			    *work >= budget)
				return completed;
			f = &b->f[b->next];
			dma_unmap_single(priv->dma_dev, f->addr, f->len,
					 b->rx ? DMA_FROM_DEVICE : DMA_TO_DEVICE);
			if (b->rx && (drop || st != DMA_COMPLETE)) {
				ndev->stats.rx_dropped++;
				dev_kfree_skb_any(f->skb);
			} else if (b->rx) {
				skb_put(f->skb, f->len);
				f->skb->protocol = eth_type_trans(f->skb, ndev);
				ndev->stats.rx_packets++;
				ndev->stats.rx_bytes += f->len;
				napi_gro_receive(&priv->napi, f->skb);
				(*work)++;
			} else {
				if (st == DMA_COMPLETE) {
					ndev->stats.tx_packets++;
					ndev->stats.tx_bytes += f->len;
				} else {
					ndev->stats.tx_errors++;
				}
				dev_consume_skb_any(f->skb);
			}
		}
		if (st != DMA_COMPLETE) {
			netdev_err(ndev, "DMA chain failed: link reset\n");
			pcinet_fsl_proto_error(priv);
		}
		priv->batch_head = (priv->batch_head + 1) % PCINET_FSL_BATCHES;
		priv->batch_count--;
	}
	return completed;
}

/*
 * Wait, bounded, for the chains in flight, then end what is left. fsldma
 * finishes a chain in microseconds; a chain that does not end is stopped.
 */
static void pcinet_fsl_dma_quiesce(struct pcinet_fsl *priv)
{
	unsigned long end = jiffies + msecs_to_jiffies(PCINET_FSL_DMA_MS) + 1;
	struct pcinet_fsl_batch *b;
	int work = 0;

	if (priv->batch_count) {
		b = &priv->batch[(priv->batch_head + priv->batch_count - 1) %
				 PCINET_FSL_BATCHES];
		while (dmaengine_tx_status(priv->dma, b->cookie, NULL) ==
		       DMA_IN_PROGRESS) {
			if (time_after(jiffies, end)) {
				dev_warn(priv->dev, "DMA did not finish in %u ms: stopped\n",
					 PCINET_FSL_DMA_MS);
				break;
			}
			usleep_range(100, 200);
		}
	}
	dmaengine_terminate_sync(priv->dma);
	pcinet_fsl_reap(priv, 0, &work, true);
}

/* ---------------------------------------------------------------------- */
/* Data path: NAPI */

static void pcinet_fsl_kick_host(struct pcinet_fsl *priv)
{
	if (!READ_ONCE(priv->host_rxint_off))
		pcinet_fsl_mu_write(priv, M83XX_MU_ODR, PCINET_DB_NET_KICK);
}

/*
 * Pull what the host posted on the h2b ring into new skbs, in one chain
 * that ends with the new h2b_cons (protocol 8.3): the host reuses its
 * frames only once that index moves, and it moves only after the payload.
 * Returns true when it must be called again soon (no memory).
 */
static bool pcinet_fsl_rx_pull(struct pcinet_fsl *priv)
{
	struct pcinet_ctrl *c = priv->ctrl;
	u32 cons = priv->h2b_cons, prod, len, slot;
	struct net_device *ndev = priv->ndev;
	struct pcinet_fsl_batch *b;
	enum pcinet_desc_err err;
	struct pcinet_desc d;
	struct sk_buff *skb;
	bool again = false;
	dma_addr_t addr;

	prod = le32_to_cpu(READ_ONCE(c->h2b_prod));
	if (!pcinet_ring_prod_ok(prod, cons, PCINET_FSL_H2B_RING)) {
		netdev_err(ndev, "host protocol error: h2b producer index %u with %u consumed, ring of %u\n",
			   prod, cons, PCINET_FSL_H2B_RING);
		pcinet_fsl_proto_error(priv);
		return false;
	}
	if (prod == cons)
		return false;
	b = pcinet_fsl_batch_get(priv);
	if (!b)
		return false;	/* the chains in flight call us again */
	b->rx = true;
	/* the index before the descriptors it covers */
	rmb();

	while (cons != prod && b->n < PCINET_FSL_BATCH) {
		d = priv->h2b[pcinet_ring_slot(cons, PCINET_FSL_H2B_RING)];
		err = pcinet_desc_check(&d, true, PCINET_FSL_MAX_FRAME,
					&priv->win);
		if (err != PCINET_DESC_OK) {
			if (net_ratelimit())
				netdev_err(ndev, "dropping host frame %u: %s\n",
					   cons, pcinet_desc_strerror(err));
			ndev->stats.rx_dropped++;
			cons++;
			continue;
		}
		len = le32_to_cpu(d.len);
		skb = napi_alloc_skb(&priv->napi, len);
		if (!skb) {
			again = true;
			break;
		}
		addr = dma_map_single(priv->dma_dev, skb->data, len,
				      DMA_FROM_DEVICE);
		if (dma_mapping_error(priv->dma_dev, addr)) {
			dev_kfree_skb_any(skb);
			again = true;
			break;
		}
		if (pcinet_fsl_copy(priv, b, addr,
				    pcinet_fsl_host_dma(priv, pcinet_desc_addr(&d)),
				    len, false)) {
			dma_unmap_single(priv->dma_dev, addr, len,
					 DMA_FROM_DEVICE);
			dev_kfree_skb_any(skb);
			if (b->n)
				goto fatal;
			again = true;
			break;
		}
		b->f[b->n].skb = skb;
		b->f[b->n].addr = addr;
		b->f[b->n].len = len;
		b->n++;
		cons++;
	}
	if (cons == priv->h2b_cons)
		return again;

	slot = pcinet_ring_slot(cons, PCINET_FSL_H2B_RING);
	priv->words->h2b_cons[slot] = cpu_to_le32(cons);
	if (pcinet_fsl_copy(priv, b, priv->area_dma +
			    offsetof(struct pcinet_host_area, h2b_cons),
			    pcinet_fsl_words_dma(priv, &priv->words->h2b_cons[slot]),
			    sizeof(__le32), true))
		goto fatal;
	priv->h2b_cons = cons;
	pcinet_fsl_batch_push(priv);
	return again;

fatal:
	/* payload is queued without the index that publishes it */
	netdev_err(ndev, "no DMA descriptor for a chain: link reset\n");
	if (b->n)
		pcinet_fsl_batch_push(priv);
	pcinet_fsl_proto_error(priv);
	return false;
}

/*
 * Move waiting frames into the buffers the host posted on the b2h ring:
 * payload, its completion, and after the last frame b2h_done, in one chain
 * (protocol 8.4). A buffer the protocol refuses gets an error completion
 * and the frame tries the next; a frame longer than its buffer is dropped,
 * never truncated.
 */
static void pcinet_fsl_tx_push(struct pcinet_fsl *priv)
{
	u32 done = priv->b2h_done, prod, slot, blen;
	struct net_device *ndev = priv->ndev;
	struct pcinet_fsl_batch *b;
	struct pcinet_cmpl *cmpl;
	enum pcinet_desc_err err;
	struct pcinet_desc d;
	struct sk_buff *skb;
	bool used = false;
	dma_addr_t addr;

	if (skb_queue_empty(&priv->txq))
		return;
	prod = le32_to_cpu(READ_ONCE(priv->ctrl->b2h_prod));
	if (!pcinet_ring_prod_ok(prod, done, PCINET_FSL_B2H_RING)) {
		netdev_err(ndev, "host protocol error: b2h producer index %u with %u done, ring of %u\n",
			   prod, done, PCINET_FSL_B2H_RING);
		pcinet_fsl_proto_error(priv);
		return;
	}
	if (prod == done)
		return;		/* the host's NET_KICK brings us back */
	b = pcinet_fsl_batch_get(priv);
	if (!b)
		return;
	b->rx = false;
	/* the index before the descriptors it covers */
	rmb();

	while (done != prod && b->n < PCINET_FSL_BATCH &&
	       (skb = skb_peek(&priv->txq))) {
		slot = pcinet_ring_slot(done, PCINET_FSL_B2H_RING);
		d = priv->b2h[slot];
		cmpl = &priv->words->cmpl[slot];
		err = pcinet_desc_check(&d, false, PCINET_FSL_MAX_FRAME,
					&priv->win);
		blen = le32_to_cpu(d.len);
		if (err == PCINET_DESC_OK && skb->len <= blen) {
			addr = dma_map_single(priv->dma_dev, skb->data,
					      skb->len, DMA_TO_DEVICE);
			if (dma_mapping_error(priv->dma_dev, addr))
				break;
			if (pcinet_fsl_copy(priv, b,
					    pcinet_fsl_host_dma(priv, pcinet_desc_addr(&d)),
					    addr, skb->len, false)) {
				dma_unmap_single(priv->dma_dev, addr,
						 skb->len, DMA_TO_DEVICE);
				if (used)
					goto fatal;
				break;
			}
			__skb_unlink(skb, &priv->txq);
			b->f[b->n].skb = skb;
			b->f[b->n].addr = addr;
			b->f[b->n].len = skb->len;
			b->n++;
			cmpl->len = cpu_to_le32(skb->len);
			cmpl->flags = cpu_to_le32(0);
		} else {
			if (net_ratelimit())
				netdev_err(ndev, "host buffer %u unusable for %u bytes: %s\n",
					   done, skb->len, err ?
					   pcinet_desc_strerror(err) : "too small");
			ndev->stats.tx_errors++;
			cmpl->len = cpu_to_le32(0);
			cmpl->flags = cpu_to_le32(PCINET_CMPL_ERR);
			if (err == PCINET_DESC_OK) {
				__skb_unlink(skb, &priv->txq);
				ndev->stats.tx_dropped++;
				dev_kfree_skb_any(skb);
			}
		}
		used = true;
		if (pcinet_fsl_copy(priv, b, priv->area_dma +
				    PCINET_HOST_AREA_HDR + slot * PCINET_CMPL_SIZE,
				    pcinet_fsl_words_dma(priv, cmpl),
				    sizeof(*cmpl), false))
			goto fatal;
		done++;
	}
	if (!used)
		return;

	slot = pcinet_ring_slot(done, PCINET_FSL_B2H_RING);
	priv->words->b2h_done[slot] = cpu_to_le32(done);
	if (pcinet_fsl_copy(priv, b, priv->area_dma +
			    offsetof(struct pcinet_host_area, b2h_done),
			    pcinet_fsl_words_dma(priv, &priv->words->b2h_done[slot]),
			    sizeof(__le32), true))
		goto fatal;
	priv->b2h_done = done;
	pcinet_fsl_batch_push(priv);
	return;

fatal:
	netdev_err(ndev, "no DMA descriptor for a chain: link reset\n");
	pcinet_fsl_batch_push(priv);
	pcinet_fsl_proto_error(priv);
}

static int pcinet_fsl_poll(struct napi_struct *napi, int budget)
{
	struct pcinet_fsl *priv = container_of(napi, struct pcinet_fsl, napi);
	struct net_device *ndev = priv->ndev;
	bool again = false;
	int work = 0;

	/* netpoll: frames are only moved by the poll NAPI schedules */
	if (!budget)
		return 0;
	/* pairs with the release in pcinet_fsl_attach() */
	if (smp_load_acquire(&priv->attached) && !READ_ONCE(priv->broken)) {
		if (pcinet_fsl_reap(priv, budget, &work, false))
			pcinet_fsl_kick_host(priv);
		if (netif_queue_stopped(ndev) &&
		    skb_queue_len(&priv->txq) < PCINET_FSL_TXQ_LEN / 2)
			netif_wake_queue(ndev);
		if (!READ_ONCE(priv->broken)) {
			again = pcinet_fsl_rx_pull(priv);
			pcinet_fsl_tx_push(priv);
		}
		/* the budget ran out with frames of a chain left to deliver */
		if (work >= budget)
			again = true;
	}
	if (again)
		return budget;
	napi_complete_done(napi, work);
	return work;
}

static netdev_tx_t pcinet_fsl_xmit(struct sk_buff *skb, struct net_device *ndev)
{
	struct pcinet_fsl *priv = netdev_priv(ndev);

	if (!READ_ONCE(priv->attached) || skb->len > PCINET_FSL_MAX_FRAME ||
	    skb_linearize(skb)) {
		dev_core_stats_tx_dropped_inc(ndev);
		dev_kfree_skb_any(skb);
		return NETDEV_TX_OK;
	}
	skb_queue_tail(&priv->txq, skb);
	if (skb_queue_len(&priv->txq) >= PCINET_FSL_TXQ_LEN)
		netif_stop_queue(ndev);
	napi_schedule(&priv->napi);
	return NETDEV_TX_OK;
}

static void pcinet_fsl_tx_timeout(struct net_device *ndev, unsigned int q)
{
	struct pcinet_fsl *priv = netdev_priv(ndev);

	netdev_warn(ndev, "no host buffer for %u frames\n",
		    skb_queue_len(&priv->txq));
	napi_schedule(&priv->napi);
}

/* ---------------------------------------------------------------------- */
/* Registers-valid handshake (protocol 10) */

/*
 * Stop the data path: no frame is queued or moved after this, no chain is
 * in flight, every frame is freed. net_lock held.
 */
static void pcinet_fsl_quiesce(struct pcinet_fsl *priv)
{
	netif_tx_lock_bh(priv->ndev);
	WRITE_ONCE(priv->attached, false);
	netif_tx_unlock_bh(priv->ndev);
	netif_carrier_off(priv->ndev);
	if (priv->napi_on)
		napi_disable(&priv->napi);
	pcinet_fsl_dma_quiesce(priv);
	priv->ndev->stats.tx_dropped += skb_queue_len(&priv->txq);
	skb_queue_purge(&priv->txq);
}

static void pcinet_fsl_resume(struct pcinet_fsl *priv)
{
	if (priv->napi_on)
		napi_enable(&priv->napi);
}

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
static int pcinet_fsl_net_start(struct pcinet_fsl *priv)
{
	struct pcinet_ctrl *c = priv->ctrl;
	u32 gen = priv->generation;
	int ret;

	ret = pcinet_fsl_windows(priv);
	if (ret)
		return ret;

	/* U-Boot's last generation is in the region: go on from it (6.7) */
	if (le32_to_cpu(c->magic) == PCINET_MAGIC &&
	    le32_to_cpu(c->generation) > gen)
		gen = le32_to_cpu(c->generation);
	if (!++gen)
		gen = 1;
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
static void pcinet_fsl_net_stop(struct pcinet_fsl *priv)
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

static void pcinet_fsl_hdr_callback(void *data)
{
	struct pcinet_fsl *priv = data;

	complete(&priv->hdr_done);
}

/* Write the host area header {0, 0, generation} and wait for it */
static int pcinet_fsl_write_hdr(struct pcinet_fsl *priv)
{
	struct dma_async_tx_descriptor *tx;
	dma_cookie_t cookie;

	priv->words->hdr[0] = cpu_to_le32(0);
	priv->words->hdr[1] = cpu_to_le32(0);
	priv->words->hdr[2] = cpu_to_le32(priv->generation);
	reinit_completion(&priv->hdr_done);
	tx = dmaengine_prep_dma_memcpy(priv->dma, priv->area_dma,
				       pcinet_fsl_words_dma(priv, priv->words->hdr),
				       sizeof(priv->words->hdr),
				       DMA_PREP_INTERRUPT | DMA_CTRL_ACK);
	if (!tx)
		return -ENOMEM;
	tx->callback = pcinet_fsl_hdr_callback;
	tx->callback_param = priv;
	cookie = dmaengine_submit(tx);
	if (dma_submit_error(cookie))
		return -EIO;
	dma_async_issue_pending(priv->dma);
	if (!wait_for_completion_timeout(&priv->hdr_done,
					 msecs_to_jiffies(PCINET_FSL_DMA_MS) + 1)) {
		dmaengine_terminate_sync(priv->dma);
		return -ETIMEDOUT;
	}
	return 0;
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
/* net_device */

static int pcinet_fsl_open(struct net_device *ndev)
{
	struct pcinet_fsl *priv = netdev_priv(ndev);
	int ret = 0;

	mutex_lock(&priv->net_lock);
	if (priv->state == PCINET_FSL_IDLE)
		ret = pcinet_fsl_net_start(priv);
	if (!ret) {
		priv->napi_on = true;
		napi_enable(&priv->napi);
		netif_start_queue(ndev);
		if (priv->state == PCINET_FSL_ATTACHED) {
			netif_carrier_on(ndev);
			napi_schedule(&priv->napi);
		}
	}
	mutex_unlock(&priv->net_lock);
	return ret;
}

/* ifdown withdraws the region (protocol 10.1); ifup publishes it again */
static int pcinet_fsl_stop(struct net_device *ndev)
{
	struct pcinet_fsl *priv = netdev_priv(ndev);

	mutex_lock(&priv->net_lock);
	pcinet_fsl_net_stop(priv);
	netif_stop_queue(ndev);
	napi_disable(&priv->napi);
	priv->napi_on = false;
	mutex_unlock(&priv->net_lock);
	return 0;
}

static const struct net_device_ops pcinet_fsl_netdev_ops = {
	.ndo_open = pcinet_fsl_open,
	.ndo_stop = pcinet_fsl_stop,
	.ndo_start_xmit = pcinet_fsl_xmit,
	.ndo_tx_timeout = pcinet_fsl_tx_timeout,
	.ndo_set_mac_address = eth_mac_addr,	/* published at the next ifup */
	.ndo_validate_addr = eth_validate_addr,
};

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

static void pcinet_fsl_release_dma(void *data)
{
	struct pcinet_fsl *priv = data;

	dma_unmap_resource(priv->dma_dev, priv->ob_dma, priv->win.size,
			   DMA_BIDIRECTIONAL, 0);
	dma_free_coherent(priv->dma_dev, sizeof(*priv->words), priv->words,
			  priv->words_dma);
	dma_release_channel(priv->dma);
}

static int pcinet_fsl_get_dma(struct pcinet_fsl *priv)
{
	dma_cap_mask_t mask;

	dma_cap_zero(mask);
	dma_cap_set(DMA_MEMCPY, mask);
	priv->dma = dma_request_chan_by_mask(&mask);
	if (IS_ERR(priv->dma))
		return dev_err_probe(priv->dev, PTR_ERR(priv->dma),
				     "no DMA channel (fsldma, \"fsl,elo-dma\")\n");
	priv->dma_dev = dmaengine_get_dma_device(priv->dma);

	/* host memory as the DMA controller reaches it: the outbound window */
	priv->ob_dma = dma_map_resource(priv->dma_dev, priv->ob_local,
					priv->win.size, DMA_BIDIRECTIONAL, 0);
	if (dma_mapping_error(priv->dma_dev, priv->ob_dma)) {
		dma_release_channel(priv->dma);
		return dev_err_probe(priv->dev, -ENOMEM,
				     "outbound window %pa not reachable by DMA\n",
				     &priv->ob_local);
	}
	priv->words = dma_alloc_coherent(priv->dma_dev, sizeof(*priv->words),
					 &priv->words_dma, GFP_KERNEL);
	if (!priv->words) {
		dma_unmap_resource(priv->dma_dev, priv->ob_dma, priv->win.size,
				   DMA_BIDIRECTIONAL, 0);
		dma_release_channel(priv->dma);
		return -ENOMEM;
	}
	return devm_add_action_or_reset(priv->dev, pcinet_fsl_release_dma, priv);
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
	priv->irq = platform_get_irq(pdev, 0);
	if (priv->irq < 0) {
		ret = priv->irq;
		goto err_port;
	}
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
