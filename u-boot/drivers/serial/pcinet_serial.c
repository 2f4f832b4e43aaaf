// SPDX-License-Identifier: GPL-2.0+
/*
 * PCINet console: the serial console of an MPC83xx board in PCI agent mode,
 * carried by the PCI message unit to the PCI host (docs/protocol.md,
 * section 9). There is no cable: output goes out one message of up to three
 * bytes at a time in OMR0, input comes in the same way in IMR0, and each
 * direction has one send token that the receiver hands back with the
 * PCINET_DB_CONS_ACK doorbell when it has room for more.
 *
 * The driver never touches the shared region or the DMA controller, so the
 * console works from the first line, whatever the network side does. U-Boot
 * polls: the acks are read from IDR, the host's messages from IMISR/IMR0.
 * Every register access goes through <pcinet_hw.h>, so the same code runs
 * on a board and on the simulated chassis.
 *
 * Before relocation all state lives in the device's priv (on PowerPC static
 * data is not writable then). The driver then waits for the ack of every
 * message it sends and leaves host input alone, so that nothing is in
 * flight when the relocated driver starts the console again.
 */

#include <common.h>
#include <dm.h>
#include <errno.h>
#include <malloc.h>
#include <pcinet_hw.h>
#include <serial.h>
#include <time.h>
#include <asm/global_data.h>
#include <linux/kernel.h>
#include <pcinet/mpc83xx.h>
#include <pcinet/pcinet_console.h>

DECLARE_GLOBAL_DATA_PTR;

/* Input bytes taken from the host but not yet read by U-Boot */
#define PCINET_SERIAL_RX_SIZE	32	/* a power of two */
/* Output kept for a host console that stalled, after relocation */
#define PCINET_SERIAL_HOLD_SIZE	2048	/* a power of two */

/**
 * struct pcinet_serial_priv - state of the board's console
 * @hw: the PCINet hardware
 * @tx: sender state, board -> host (OMR0)
 * @rx: receiver state, host -> board (IMR0)
 * @host_status: the host's status word (IMR1) as last read
 * @ack_owed: a host message was taken; ack it when there is room
 * @rx_head: input bytes stored, free-running
 * @rx_tail: input bytes read by U-Boot, free-running
 * @rx_buf: input bytes
 * @hold: output kept while the host's console is stalled (protocol 9.2
 *	sender rule 3), sent in order once it acks; NULL before relocation,
 *	when output made during a stall is discarded
 * @hold_head: bytes kept, free-running
 * @hold_tail: kept bytes sent, free-running
 */
struct pcinet_serial_priv {
	struct pcinet_hw *hw;
	struct pcinet_cons_tx tx;
	struct pcinet_cons_rx rx;
	u32 host_status;
	bool ack_owed;
	unsigned int rx_head;
	unsigned int rx_tail;
	u8 rx_buf[PCINET_SERIAL_RX_SIZE];
	u8 *hold;
	unsigned int hold_head;
	unsigned int hold_tail;
};

static u32 pcinet_serial_now(void)
{
	return (u32)get_timer(0);
}

/* The host's console takes output: a v1 host with PCINET_UART_RX_ENABLED */
static bool pcinet_serial_host_ok(struct pcinet_serial_priv *priv)
{
	return pcinet_status_compatible(priv->host_status,
					PCINET_STATUS_SIG_HOST) &&
	       (priv->host_status & PCINET_UART_RX_ENABLED);
}

static unsigned int pcinet_serial_held(struct pcinet_serial_priv *priv)
{
	return priv->hold_head - priv->hold_tail;
}

/*
 * Keep output for a stalled host: it may only be slow, and its late ack
 * resumes the sequence. What does not fit is discarded, so that U-Boot
 * never waits on a host that is gone.
 */
static void pcinet_serial_hold(struct pcinet_serial_priv *priv,
			       const u8 *buf, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < len; i++) {
		if (!priv->hold ||
		    pcinet_serial_held(priv) == PCINET_SERIAL_HOLD_SIZE) {
			pcinet_cons_tx_discard(&priv->tx, len - i);
			return;
		}
		priv->hold[priv->hold_head++ % PCINET_SERIAL_HOLD_SIZE] = buf[i];
	}
}

static void pcinet_serial_write_msg(struct pcinet_serial_priv *priv,
				    const u8 *buf, unsigned int len)
{
	u32 msg = pcinet_cons_tx_take(&priv->tx, buf, len,
				      pcinet_serial_now());

	pcinet_hw_write(priv->hw, M83XX_MU_OMR0, msg);
}

/* Kept output goes first, one message whenever the token is ours */
static void pcinet_serial_hold_send(struct pcinet_serial_priv *priv)
{
	u8 buf[PCINET_CONS_MAX_BYTES];
	unsigned int n, i;

	if (!pcinet_serial_held(priv) || !pcinet_serial_host_ok(priv) ||
	    !pcinet_cons_tx_ready(&priv->tx))
		return;
	n = min_t(unsigned int, pcinet_serial_held(priv), sizeof(buf));
	for (i = 0; i < n; i++)
		buf[i] = priv->hold[priv->hold_tail++ % PCINET_SERIAL_HOLD_SIZE];
	pcinet_serial_write_msg(priv, buf, n);
}

/*
 * One look at the sender's side: the host's ack doorbell and its status
 * word. IDR and IMISR.IM1I are shared with the network driver, so only the
 * console's doorbell bit is cleared and IM1I is left alone: a changed IMR1
 * is what tells the console that the host came back.
 */
static void pcinet_serial_tx_poll(struct pcinet_serial_priv *priv)
{
	u32 idr, host;

	idr = pcinet_hw_read(priv->hw, M83XX_MU_IDR);
	if (idr & PCINET_DB_CONS_ACK) {
		pcinet_hw_write(priv->hw, M83XX_MU_IDR, PCINET_DB_CONS_ACK);
		pcinet_cons_tx_acked(&priv->tx);
	}
	host = pcinet_hw_host_status(priv->hw);
	if (host != priv->host_status) {
		priv->host_status = host;
		pcinet_cons_tx_peer_back(&priv->tx);
	}
	pcinet_cons_tx_check_stall(&priv->tx, pcinet_serial_now());
	pcinet_serial_hold_send(priv);
}

/* A message is out, or kept output waits, and the host will still ack */
static bool pcinet_serial_tx_busy(struct pcinet_serial_priv *priv)
{
	return (!priv->tx.token || pcinet_serial_held(priv)) &&
	       !priv->tx.stalled && pcinet_serial_host_ok(priv);
}

/*
 * Send up to PCINET_CONS_MAX_BYTES bytes as one message. Without a host
 * console the bytes are discarded like a UART's with no cable; while the
 * host's console is stalled they are kept (pcinet_serial_hold). Return: 0
 * when sent, kept or discarded, -EAGAIN while the host has the token or
 * kept output still goes first
 */
static int pcinet_serial_send(struct pcinet_serial_priv *priv, const u8 *buf,
			      unsigned int len)
{
	pcinet_serial_tx_poll(priv);
	if (!pcinet_serial_host_ok(priv)) {
		pcinet_cons_tx_discard(&priv->tx, len);
		return 0;
	}
	if (priv->tx.stalled) {
		pcinet_serial_hold(priv, buf, len);
		return 0;
	}
	if (pcinet_serial_held(priv) || !pcinet_cons_tx_ready(&priv->tx))
		return -EAGAIN;
	pcinet_serial_write_msg(priv, buf, len);

	/* Before relocation nothing may stay in flight: wait for the ack */
	if (!(gd->flags & GD_FLG_RELOC)) {
		do
			pcinet_serial_tx_poll(priv);
		while (pcinet_serial_tx_busy(priv));
	}

	return 0;
}

static unsigned int pcinet_serial_rx_room(struct pcinet_serial_priv *priv)
{
	return PCINET_SERIAL_RX_SIZE - (priv->rx_head - priv->rx_tail);
}

/* Take the host's message from IMR0: clear IM0I first, then read */
static void pcinet_serial_rx_take(struct pcinet_serial_priv *priv)
{
	u8 bytes[PCINET_CONS_MAX_BYTES];
	unsigned int n, i;
	u32 msg;

	pcinet_hw_write(priv->hw, M83XX_MU_IMISR, M83XX_IMI_IM0I);
	msg = pcinet_hw_read(priv->hw, M83XX_MU_IMR0);
	n = pcinet_cons_rx_accept(&priv->rx, msg, bytes);
	/* Room for these was there before the ack that let them come */
	for (i = 0; i < n && pcinet_serial_rx_room(priv); i++)
		priv->rx_buf[priv->rx_head++ % PCINET_SERIAL_RX_SIZE] = bytes[i];
	priv->ack_owed = true;
}

static void pcinet_serial_rx_ack(struct pcinet_serial_priv *priv)
{
	priv->ack_owed = false;
	pcinet_hw_write(priv->hw, M83XX_MU_ODR, PCINET_DB_CONS_ACK);
}

/*
 * One look at the receiver's side. A message is taken only once the one
 * before it has been acked (a host that restarted may send without our ack:
 * its message waits in IMR0 until there is room), and the ack goes out only
 * with room for another whole message: that is the flow control.
 */
static void pcinet_serial_rx_poll(struct pcinet_serial_priv *priv)
{
	if (!priv->ack_owed &&
	    (pcinet_hw_read(priv->hw, M83XX_MU_IMISR) & M83XX_IMI_IM0I))
		pcinet_serial_rx_take(priv);
	if (priv->ack_owed &&
	    pcinet_serial_rx_room(priv) >= PCINET_CONS_MAX_BYTES)
		pcinet_serial_rx_ack(priv);
}

static int pcinet_serial_putc(struct udevice *dev, const char ch)
{
	struct pcinet_serial_priv *priv = dev_get_priv(dev);
	u8 byte = ch;

	if (!priv)	/* removed at OS handoff: the console is gone */
		return 0;

	return pcinet_serial_send(priv, &byte, 1);
}

static ssize_t pcinet_serial_puts(struct udevice *dev, const char *s,
				  size_t len)
{
	struct pcinet_serial_priv *priv = dev_get_priv(dev);
	unsigned int n = min_t(size_t, len, PCINET_CONS_MAX_BYTES);
	int ret;

	if (!priv)
		return len;
	/* The uclass passes the empty text before a newline: no message */
	if (!n)
		return 0;

	ret = pcinet_serial_send(priv, (const u8 *)s, n);
	if (ret == -EAGAIN)
		return 0;	/* the uclass calls again */
	if (ret)
		return ret;
	/* Discarding or keeping: the rest of the string goes the same way */
	if (!pcinet_serial_host_ok(priv)) {
		pcinet_cons_tx_discard(&priv->tx, len - n);
		return len;
	}
	if (priv->tx.stalled) {
		pcinet_serial_hold(priv, (const u8 *)s + n, len - n);
		return len;
	}

	return n;
}

static int pcinet_serial_pending(struct udevice *dev, bool input)
{
	struct pcinet_serial_priv *priv = dev_get_priv(dev);

	if (!priv)
		return 0;
	if (!input) {
		pcinet_serial_tx_poll(priv);
		return pcinet_serial_tx_busy(priv) ? 1 : 0;
	}
	/* Before relocation host input stays in IMR0 for the relocated driver */
	if (!(gd->flags & GD_FLG_RELOC))
		return 0;
	pcinet_serial_rx_poll(priv);
	/* Waiting for input is when kept output drains */
	if (pcinet_serial_held(priv))
		pcinet_serial_tx_poll(priv);

	return priv->rx_head - priv->rx_tail;
}

static int pcinet_serial_getc(struct udevice *dev)
{
	struct pcinet_serial_priv *priv = dev_get_priv(dev);
	int ch;

	if (!pcinet_serial_pending(dev, true))
		return -EAGAIN;
	ch = priv->rx_buf[priv->rx_tail++ % PCINET_SERIAL_RX_SIZE];
	/* The room just made may be what the host waits for */
	pcinet_serial_rx_poll(priv);

	return ch;
}

static int pcinet_serial_setbrg(struct udevice *dev, int baudrate)
{
	return 0;	/* no baud rate on a message unit */
}

/*
 * Console start (protocol section 9.3): at probe, so before relocation,
 * after it, and in every software stage the same way.
 */
static int pcinet_serial_probe(struct udevice *dev)
{
	struct pcinet_serial_priv *priv = dev_get_priv(dev);
	struct pcinet_hw *hw;
	int ret;

	ret = pcinet_hw_get(dev, &hw);
	if (ret)
		return ret;
	priv->hw = hw;

	/* 1: we hold the token, the next message is FIRST */
	pcinet_cons_tx_init(&priv->tx);
	pcinet_cons_rx_init(&priv->rx);
	priv->rx_head = 0;
	priv->rx_tail = 0;
	priv->ack_owed = false;
	priv->hold_head = 0;
	priv->hold_tail = 0;
	/* not from the small pre-relocation heap; without it, stalls discard */
	priv->hold = NULL;
	if (gd->flags & GD_FLG_RELOC)
		priv->hold = malloc(PCINET_SERIAL_HOLD_SIZE);

	/* 2: no input accepted while starting */
	if (pcinet_hw_read(hw, M83XX_MU_OMR1) & PCINET_UART_RX_ENABLED)
		pcinet_hw_status_update(hw, 0, PCINET_UART_RX_ENABLED);
	priv->host_status = pcinet_hw_host_status(hw);

	/* 4: stale acks; IDR's other bits are the network driver's */
	if (pcinet_hw_read(hw, M83XX_MU_IDR) & PCINET_DB_CONS_ACK)
		pcinet_hw_write(hw, M83XX_MU_IDR, PCINET_DB_CONS_ACK);

	/*
	 * 3 and 5: a message the host sent before we started is taken, not
	 * lost, and acked; without one, a bare ack gives the host its token
	 * back in case our predecessor died holding it. Taking the message
	 * only now, just before the ack, keeps one that arrived meanwhile
	 * from being overwritten by the next.
	 */
	if (pcinet_hw_read(hw, M83XX_MU_IMISR) & M83XX_IMI_IM0I)
		pcinet_serial_rx_take(priv);
	if (priv->ack_owed ||
	    pcinet_status_compatible(priv->host_status, PCINET_STATUS_SIG_HOST))
		pcinet_serial_rx_ack(priv);

	/* 6: input welcome */
	pcinet_hw_status_update(hw, PCINET_UART_RX_ENABLED, 0);

	return 0;
}

/*
 * Orderly exit and OS handoff (protocol section 9.4): no more input, then
 * at most PCINET_CONS_HANDOFF_MS for the ack of the last message. Host
 * input still in IMR0 stays there for the next software's console.
 */
static int pcinet_serial_remove(struct udevice *dev)
{
	struct pcinet_serial_priv *priv = dev_get_priv(dev);
	ulong start;

	pcinet_hw_status_update(priv->hw, 0, PCINET_UART_RX_ENABLED);
	/* The host holds its input now: give it its token back */
	if (priv->ack_owed)
		pcinet_serial_rx_ack(priv);
	start = get_timer(0);
	do
		pcinet_serial_tx_poll(priv);
	while (pcinet_serial_tx_busy(priv) &&
	       get_timer(start) < PCINET_CONS_HANDOFF_MS);
	free(priv->hold);
	priv->hold = NULL;

	return 0;
}

static const struct dm_serial_ops pcinet_serial_ops = {
	.putc = pcinet_serial_putc,
	.puts = pcinet_serial_puts,
	.pending = pcinet_serial_pending,
	.getc = pcinet_serial_getc,
	.setbrg = pcinet_serial_setbrg,
};

static const struct udevice_id pcinet_serial_ids[] = {
	{ .compatible = "fsl,mpc83xx-pcinet-serial" },
	{ }
};

U_BOOT_DRIVER(pcinet_serial) = {
	.name = "pcinet_serial",
	.id = UCLASS_SERIAL,
	.of_match = pcinet_serial_ids,
	.probe = pcinet_serial_probe,
	.remove = pcinet_serial_remove,
	.ops = &pcinet_serial_ops,
	.priv_auto = sizeof(struct pcinet_serial_priv),
	.flags = DM_FLAG_PRE_RELOC | DM_FLAG_OS_PREPARE,
};
