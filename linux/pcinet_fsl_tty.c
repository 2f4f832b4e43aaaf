// SPDX-License-Identifier: GPL-2.0+
/*
 * PCINet board driver: the console, ttyPCINet0, over the message unit
 * (docs/protocol.md section 9), as a tty and as the kernel console.
 *
 * One message of up to three bytes at a time in the message unit's OMR0
 * (out) and IMR0 (in), one send token per direction handed back with a
 * doorbell. The sender and receiver state is pcinet_console.h's; this file
 * moves bytes between it, a tty_port and struct console. It never touches
 * the shared region or the DMA controller, so it works whatever the
 * network does, and its console write() only polls registers, so it works
 * from any context.
 *
 * The interrupt handler in pcinet_fsl_main.c calls in here for the
 * console's sources (IM0I, the ack doorbell, a new host status word).
 */
#include <linux/delay.h>
#include <linux/timekeeping.h>
#include <linux/tty_driver.h>
#include <linux/tty_flip.h>

#include "pcinet_fsl.h"

#define PCINET_FSL_CONS_RETRY_MS 10	/* look again at a held ack */

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
 * console output is discarded like a UART's with no cable; while the host's
 * console is stalled the FIFO keeps it (protocol 9.2 sender rule 3) and the
 * late ack resumes. Returns true when writers may be woken. cons_lock held.
 */
bool pcinet_fsl_cons_pump(struct pcinet_fsl *priv)
{
	u8 buf[PCINET_CONS_MAX_BYTES];
	unsigned int n;
	u32 msg;

	if (kfifo_is_empty(&priv->tx_fifo))
		return false;
	if (!pcinet_fsl_cons_host_ok(priv)) {
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
void pcinet_fsl_cons_rx_service(struct pcinet_fsl *priv)
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
void pcinet_fsl_cons_timer(struct timer_list *t)
{
	struct pcinet_fsl *priv = from_timer(priv, t, cons_timer);
	unsigned long flags;
	u32 waited;
	bool wake, was_stalled;

	spin_lock_irqsave(&priv->cons_lock, flags);
	was_stalled = priv->tx.stalled;
	pcinet_fsl_cons_tx_poll(priv);
	if (priv->ack_owed)
		pcinet_fsl_cons_rx_service(priv);
	wake = pcinet_fsl_cons_pump(priv);
	/* a stall makes room too: writers waiting on a full FIFO go on */
	if (priv->tx.stalled && !was_stalled)
		wake = true;
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

void pcinet_fsl_con_write(struct console *con, const char *s,
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

struct tty_driver *pcinet_fsl_con_device(struct console *con, int *index)
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

const struct tty_port_operations pcinet_fsl_port_ops = {
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
	/* stalled and full: no writer may wait on a host that is gone */
	if (priv->tx.stalled && n < count) {
		pcinet_cons_tx_discard(&priv->tx, count - n);
		n = count;
	}
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
	room = priv->tx.stalled ? PCINET_FSL_CONS_FIFO :
				  kfifo_avail(&priv->tx_fifo);
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
void pcinet_fsl_cons_start(struct pcinet_fsl *priv)
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
void pcinet_fsl_cons_stop(struct pcinet_fsl *priv)
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

int pcinet_fsl_tty_register(struct pcinet_fsl *priv)
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

void pcinet_fsl_tty_unregister(struct pcinet_fsl *priv)
{
	tty_port_tty_hangup(&priv->port, false);
	tty_unregister_device(priv->tty_drv, 0);
	tty_unregister_driver(priv->tty_drv);
	tty_driver_kref_put(priv->tty_drv);
}
