// SPDX-License-Identifier: GPL-2.0+
/*
 * PCINet host driver: the console of a board, ttyPCINet<n>, over the
 * message unit (docs/protocol.md section 9). The sender and receiver state
 * is pcinet_console.h's; this file moves bytes between it and a tty_port.
 *
 * host -> board: what is written to the tty waits in a FIFO and goes out
 *   three bytes at a time in IMR0 while we hold the token and the board's
 *   status has PCINET_UART_RX_ENABLED. A full FIFO holds back the writer,
 *   so input typed while the board hands over to its OS is not lost (9.4).
 * board -> host: OMR0 messages go into the flip buffer; the board gets its
 *   PCINET_DB_CONS_ACK only while the flip buffer has room for a whole
 *   message, so a slow reader holds back the board. A reader that takes
 *   nothing for PCINET_CONS_STALL_MS loses bytes instead (9.2 receiver rule
 *   5), and with the tty closed bytes are dropped at once, as a UART with
 *   nothing on the line would: a board never waits for a reader that is not
 *   there.
 *
 * The tty_port lives as long as the last of the board and its open ttys,
 * so a board unbound under an open tty leaves a tty that only hangs up.
 */
#include <linux/idr.h>
#include <linux/kfifo.h>
#include <linux/slab.h>
#include <linux/tty.h>
#include <linux/tty_driver.h>
#include <linux/tty_flip.h>

#include <pcinet/pcinet_console.h>

#include "pcinet_host.h"

#define PCINET_TTY_XMIT		4096	/* bytes written, not yet sent */
/*
 * A board console that (re)appears rings one bare ack at its start (9.3
 * step 5). Sending before that ack arrived would take it for the ack of our
 * first message and overwrite IMR0 under the board: hold input this long
 * (pcinetd does the same).
 */
#define PCINET_CONS_SETTLE_MS	100

struct pcinet_tty {
	struct tty_port port;
	unsigned int index;

	spinlock_t lock;		/* all below; taken in hard IRQ */
	struct pcinet_board *board;	/* NULL once the board is unbound */
	bool open;			/* a tty reads: deliver, else drop */
	bool board_uart;		/* board console accepts input */
	bool settling;			/* board console just appeared */
	unsigned long settle_until;
	bool ack_owed;			/* message taken, ack not rung */
	unsigned long ack_owed_since;
	struct pcinet_cons_tx tx;
	struct pcinet_cons_rx rx;
	DECLARE_KFIFO(xmit, u8, PCINET_TTY_XMIT);
};

static struct tty_driver *pcinet_tty_driver;
/* index -> struct pcinet_tty, for install(); lookups take a port ref */
static DEFINE_IDR(pcinet_tty_idr);
static DEFINE_MUTEX(pcinet_tty_idr_lock);

/*
 * The board, while its registers may be touched: bound, and configuration
 * space not lost to a reset (protocol 2.2 host rule 3).
 */
static struct pcinet_board *pcinet_tty_hw(struct pcinet_tty *t)
{
	lockdep_assert_held(&t->lock);
	return t->board && READ_ONCE(t->board->bar_ok) ? t->board : NULL;
}

/* Send one message if we may (9.2 sender); true if the FIFO drained */
static bool pcinet_tty_send(struct pcinet_tty *t)
{
	struct pcinet_board *b = pcinet_tty_hw(t);
	u8 buf[PCINET_CONS_MAX_BYTES];
	unsigned int n;

	/*
	 * A stalled board keeps what we hold (9.2 sender rule 3): it may only
	 * be slow, and its late ack resumes the sequence.
	 */
	if (!b || kfifo_is_empty(&t->xmit))
		return false;
	if (!t->board_uart || !pcinet_cons_tx_ready(&t->tx))
		return false;
	if (t->settling) {
		if (time_before(jiffies, t->settle_until))
			return false;
		t->settling = false;
	}
	n = kfifo_out(&t->xmit, buf, sizeof(buf));
	pcinet_ring(b, M83XX_MU_IMR0,
		    pcinet_cons_tx_take(&t->tx, buf, n, pcinet_now_ms()));
	return true;
}

/* Ring the ack we owe once there is room for a whole message (9.2) */
static void pcinet_tty_try_ack(struct pcinet_tty *t)
{
	struct pcinet_board *b = pcinet_tty_hw(t);

	if (!t->ack_owed || !b)
		return;
	if (t->open &&
	    tty_buffer_space_avail(&t->port) < PCINET_CONS_MAX_BYTES &&
	    time_before(jiffies, t->ack_owed_since +
			msecs_to_jiffies(PCINET_CONS_STALL_MS)))
		return;
	t->ack_owed = false;
	pcinet_ring(b, M83XX_MU_IDR, PCINET_DB_CONS_ACK);
}

/* Sender and receiver start over: host start (9.3 step 1), board reset */
void pcinet_tty_restart(struct pcinet_board *b)
{
	struct pcinet_tty *t = b->tty;
	unsigned long flags;

	spin_lock_irqsave(&t->lock, flags);
	pcinet_cons_tx_init(&t->tx);
	pcinet_cons_rx_init(&t->rx);
	t->ack_owed = false;
	t->board_uart = false;
	spin_unlock_irqrestore(&t->lock, flags);
}

/*
 * OM0I: clear it, then read OMR0 (3.2 rule 2), accept and deliver. ack:
 * owe the board its ack (at driver load, 9.3 step 5 rings it instead).
 * False if OMR0 read all ones: the board is gone, a status check is due.
 */
bool pcinet_tty_receive(struct pcinet_board *b, bool ack)
{
	struct pcinet_tty *t = b->tty;
	u8 bytes[PCINET_CONS_MAX_BYTES];
	unsigned long flags;
	unsigned int n, got = 0;
	u32 msg;

	spin_lock_irqsave(&t->lock, flags);
	pcinet_wr(b, M83XX_MU_OMISR, M83XX_OMI_OM0I);
	msg = pcinet_rd(b, M83XX_MU_OMR0);
	if (msg == PCINET_ALL_ONES) {
		/* never a message: its reserved bits are set */
		spin_unlock_irqrestore(&t->lock, flags);
		return false;
	}
	n = pcinet_cons_rx_accept(&t->rx, msg, bytes);
	if (n && t->open)
		got = tty_insert_flip_string(&t->port, bytes, n);
	if (ack) {
		t->ack_owed = true;
		t->ack_owed_since = jiffies;
		pcinet_tty_try_ack(t);
	}
	spin_unlock_irqrestore(&t->lock, flags);
	if (got)
		tty_flip_buffer_push(&t->port);
	return true;
}

/* PCINET_DB_CONS_ACK: the token is back */
void pcinet_tty_acked(struct pcinet_board *b)
{
	struct pcinet_tty *t = b->tty;
	unsigned long flags;
	bool sent;

	spin_lock_irqsave(&t->lock, flags);
	pcinet_cons_tx_acked(&t->tx);
	sent = pcinet_tty_send(t);
	spin_unlock_irqrestore(&t->lock, flags);
	if (sent)
		tty_port_tty_wakeup(&t->port);
}

/* The status check's view of the board console (10.4 step 5) */
void pcinet_tty_board_status(struct pcinet_board *b, bool uart, bool om1i)
{
	struct pcinet_tty *t = b->tty;
	unsigned long flags;
	bool sent;

	spin_lock_irqsave(&t->lock, flags);
	if (uart && !t->board_uart) {
		t->settling = true;
		t->settle_until = jiffies +
				  msecs_to_jiffies(PCINET_CONS_SETTLE_MS);
	}
	t->board_uart = uart;
	if (om1i)
		pcinet_cons_tx_peer_back(&t->tx);
	sent = pcinet_tty_send(t);
	spin_unlock_irqrestore(&t->lock, flags);
	if (sent)
		tty_port_tty_wakeup(&t->port);
}

/* The board was reset: its console is a new one, whoever was talking */
void pcinet_tty_reset_observed(struct pcinet_board *b)
{
	struct pcinet_tty *t = b->tty;
	unsigned long flags;

	spin_lock_irqsave(&t->lock, flags);
	kfifo_reset(&t->xmit);
	t->board_uart = false;
	t->ack_owed = false;
	spin_unlock_irqrestore(&t->lock, flags);
	tty_port_tty_hangup(&t->port, false);
}

/* Watchdog: the stall rule (9.2 sender rule 3), owed acks, settled input */
void pcinet_tty_tick(struct pcinet_board *b)
{
	struct pcinet_tty *t = b->tty;
	unsigned long flags;
	bool stalled, sent;

	spin_lock_irqsave(&t->lock, flags);
	stalled = pcinet_cons_tx_check_stall(&t->tx, pcinet_now_ms());
	pcinet_tty_try_ack(t);
	sent = pcinet_tty_send(t);
	spin_unlock_irqrestore(&t->lock, flags);
	if (stalled)
		dev_warn(&b->pdev->dev, "board console stalled (no ack for %u ms): input held, beyond %u bytes discarded\n",
			 PCINET_CONS_STALL_MS, PCINET_TTY_XMIT);
	/* a stall makes room too: writers waiting on a full FIFO go on */
	if (sent || stalled)
		tty_port_tty_wakeup(&t->port);
}

static int pcinet_port_activate(struct tty_port *port, struct tty_struct *tty)
{
	struct pcinet_tty *t = container_of(port, struct pcinet_tty, port);

	spin_lock_irq(&t->lock);
	t->open = true;
	spin_unlock_irq(&t->lock);
	return 0;
}

static void pcinet_port_shutdown(struct tty_port *port)
{
	struct pcinet_tty *t = container_of(port, struct pcinet_tty, port);

	spin_lock_irq(&t->lock);
	t->open = false;
	kfifo_reset(&t->xmit);
	/* nobody reads any more: an ack held back for room is due now */
	pcinet_tty_try_ack(t);
	spin_unlock_irq(&t->lock);
}

static void pcinet_port_destruct(struct tty_port *port)
{
	kfree(container_of(port, struct pcinet_tty, port));
}

static const struct tty_port_operations pcinet_port_ops = {
	.activate = pcinet_port_activate,
	.shutdown = pcinet_port_shutdown,
	.destruct = pcinet_port_destruct,
};

static int pcinet_tty_install(struct tty_driver *driver, struct tty_struct *tty)
{
	struct pcinet_tty *t;
	int err;

	mutex_lock(&pcinet_tty_idr_lock);
	t = idr_find(&pcinet_tty_idr, tty->index);
	if (t)
		tty_port_get(&t->port);
	mutex_unlock(&pcinet_tty_idr_lock);
	if (!t)
		return -ENODEV;
	err = tty_port_install(&t->port, driver, tty);
	if (err) {
		tty_port_put(&t->port);
		return err;
	}
	tty->driver_data = t;
	return 0;
}

static void pcinet_tty_cleanup(struct tty_struct *tty)
{
	struct pcinet_tty *t = tty->driver_data;

	tty->driver_data = NULL;
	tty_port_put(&t->port);
}

static int pcinet_tty_open(struct tty_struct *tty, struct file *filp)
{
	struct pcinet_tty *t = tty->driver_data;

	return tty_port_open(&t->port, tty, filp);
}

static void pcinet_tty_close(struct tty_struct *tty, struct file *filp)
{
	struct pcinet_tty *t = tty->driver_data;

	tty_port_close(&t->port, tty, filp);
}

static void pcinet_tty_hangup(struct tty_struct *tty)
{
	struct pcinet_tty *t = tty->driver_data;

	tty_port_hangup(&t->port);
}

static int pcinet_tty_write(struct tty_struct *tty, const u8 *buf, int count)
{
	struct pcinet_tty *t = tty->driver_data;
	unsigned long flags;
	int n = 0;

	spin_lock_irqsave(&t->lock, flags);
	if (t->board) {
		n = kfifo_in(&t->xmit, buf, count);
		/* stalled and full: no writer may wait on a board that is gone */
		if (t->tx.stalled && n < count) {
			pcinet_cons_tx_discard(&t->tx, count - n);
			n = count;
		}
		pcinet_tty_send(t);
	}
	spin_unlock_irqrestore(&t->lock, flags);
	return n;
}

static unsigned int pcinet_tty_write_room(struct tty_struct *tty)
{
	struct pcinet_tty *t = tty->driver_data;
	unsigned long flags;
	unsigned int room = 0;

	spin_lock_irqsave(&t->lock, flags);
	if (t->board)
		room = t->tx.stalled ? PCINET_TTY_XMIT : kfifo_avail(&t->xmit);
	spin_unlock_irqrestore(&t->lock, flags);
	return room;
}

static unsigned int pcinet_tty_chars_in_buffer(struct tty_struct *tty)
{
	struct pcinet_tty *t = tty->driver_data;
	unsigned long flags;
	unsigned int len;

	spin_lock_irqsave(&t->lock, flags);
	len = kfifo_len(&t->xmit);
	spin_unlock_irqrestore(&t->lock, flags);
	return len;
}

/* The reader caught up: an ack held back for room may go now */
static void pcinet_tty_unthrottle(struct tty_struct *tty)
{
	struct pcinet_tty *t = tty->driver_data;
	unsigned long flags;

	spin_lock_irqsave(&t->lock, flags);
	pcinet_tty_try_ack(t);
	spin_unlock_irqrestore(&t->lock, flags);
}

static const struct tty_operations pcinet_tty_ops = {
	.install = pcinet_tty_install,
	.cleanup = pcinet_tty_cleanup,
	.open = pcinet_tty_open,
	.close = pcinet_tty_close,
	.hangup = pcinet_tty_hangup,
	.write = pcinet_tty_write,
	.write_room = pcinet_tty_write_room,
	.chars_in_buffer = pcinet_tty_chars_in_buffer,
	.unthrottle = pcinet_tty_unthrottle,
};

int pcinet_tty_create(struct pcinet_board *b)
{
	struct pcinet_tty *t;
	struct device *dev;
	int index;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	tty_port_init(&t->port);
	t->port.ops = &pcinet_port_ops;
	spin_lock_init(&t->lock);
	INIT_KFIFO(t->xmit);
	pcinet_cons_tx_init(&t->tx);
	pcinet_cons_rx_init(&t->rx);
	t->board = b;

	mutex_lock(&pcinet_tty_idr_lock);
	index = idr_alloc(&pcinet_tty_idr, t, 0, PCINET_MAX_BOARDS, GFP_KERNEL);
	mutex_unlock(&pcinet_tty_idr_lock);
	if (index < 0) {
		tty_port_put(&t->port);
		return index;
	}
	t->index = index;
	b->index = index;
	b->tty = t;
	dev = tty_port_register_device(&t->port, pcinet_tty_driver, index,
				       &b->pdev->dev);
	if (IS_ERR(dev)) {
		mutex_lock(&pcinet_tty_idr_lock);
		idr_remove(&pcinet_tty_idr, index);
		mutex_unlock(&pcinet_tty_idr_lock);
		tty_port_put(&t->port);
		b->tty = NULL;
		return PTR_ERR(dev);
	}
	return 0;
}

/* After the interrupt and the work are gone; an open tty only hangs up */
void pcinet_tty_destroy(struct pcinet_board *b)
{
	struct pcinet_tty *t = b->tty;

	tty_unregister_device(pcinet_tty_driver, t->index);
	mutex_lock(&pcinet_tty_idr_lock);
	idr_remove(&pcinet_tty_idr, t->index);
	mutex_unlock(&pcinet_tty_idr_lock);
	spin_lock_irq(&t->lock);
	t->board = NULL;
	spin_unlock_irq(&t->lock);
	tty_port_tty_hangup(&t->port, false);
	tty_port_put(&t->port);
	b->tty = NULL;
}

int pcinet_tty_init(void)
{
	struct tty_driver *drv;
	int err;

	drv = tty_alloc_driver(PCINET_MAX_BOARDS,
			       TTY_DRIVER_REAL_RAW | TTY_DRIVER_DYNAMIC_DEV);
	if (IS_ERR(drv))
		return PTR_ERR(drv);
	drv->driver_name = PCINET_DRV_NAME;
	drv->name = "ttyPCINet";
	drv->type = TTY_DRIVER_TYPE_SERIAL;
	drv->subtype = SERIAL_TYPE_NORMAL;
	drv->init_termios = tty_std_termios;
	drv->init_termios.c_cflag = B115200 | CS8 | CREAD | HUPCL | CLOCAL;
	drv->init_termios.c_ispeed = 115200;
	drv->init_termios.c_ospeed = 115200;
	tty_set_operations(drv, &pcinet_tty_ops);
	err = tty_register_driver(drv);
	if (err) {
		tty_driver_kref_put(drv);
		return err;
	}
	pcinet_tty_driver = drv;
	return 0;
}

void pcinet_tty_exit(void)
{
	tty_unregister_driver(pcinet_tty_driver);
	tty_driver_kref_put(pcinet_tty_driver);
}
