/* SPDX-License-Identifier: GPL-2.0+ */
/*
 * PCINet board driver (MPC83xx agent): private definitions shared by its
 * three parts.
 *
 *  pcinet_fsl_main.c  platform driver, device tree, registers, interrupt,
 *                     the registers-valid handshake and the handover from
 *                     U-Boot (docs/protocol.md 10)
 *  pcinet_fsl_net.c   the net_device: DMA channel and chains, NAPI data
 *                     path over the rings (8)
 *  pcinet_fsl_tty.c   ttyPCINet0 and the kernel console over the message
 *                     unit (9)
 *
 * The protocol itself (layout, bits, ring and console logic) comes from
 * include/pcinet/, its only copy in C.
 */
#ifndef _PCINET_FSL_H
#define _PCINET_FSL_H

#include <linux/completion.h>
#include <linux/console.h>
#include <linux/dmaengine.h>
#include <linux/io.h>
#include <linux/kfifo.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/tty.h>
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

#define PCINET_FSL_CONS_FIFO	4096	/* tty output not yet sent */

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
 * @law: PCI local access windows, IMMR 0x60 on (big-endian); NULL when the
 *	node has no third reg entry (the check is skipped)
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
	void __iomem *law;
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

/* The message unit sits in IMMR's little-endian DMA block (protocol 1.3) */
static inline u32 pcinet_fsl_mu_read(struct pcinet_fsl *priv, u32 reg)
{
	return in_le32(priv->mu + (reg - M83XX_MU_OMISR));
}

static inline void pcinet_fsl_mu_write(struct pcinet_fsl *priv, u32 reg,
				       u32 val)
{
	out_le32(priv->mu + (reg - M83XX_MU_OMISR), val);
}

static inline u32 pcinet_fsl_host_status(struct pcinet_fsl *priv)
{
	return pcinet_fsl_mu_read(priv, M83XX_MU_IMR1);
}

/* A host bus address inside the outbound window, as our DMA reaches it */
static inline dma_addr_t pcinet_fsl_host_dma(struct pcinet_fsl *priv, u64 bus)
{
	return priv->ob_dma + (dma_addr_t)(bus - priv->win.pci_base);
}

/* pcinet_fsl_main.c */
void pcinet_fsl_status_update(struct pcinet_fsl *priv, u32 set, u32 clear);
void pcinet_fsl_mu_mask(struct pcinet_fsl *priv, u32 bits, bool mask);
int pcinet_fsl_net_start(struct pcinet_fsl *priv);
void pcinet_fsl_net_stop(struct pcinet_fsl *priv);

/* pcinet_fsl_net.c */
extern const struct net_device_ops pcinet_fsl_netdev_ops;
int pcinet_fsl_get_dma(struct pcinet_fsl *priv);
int pcinet_fsl_write_hdr(struct pcinet_fsl *priv);
void pcinet_fsl_kick_host(struct pcinet_fsl *priv);
int pcinet_fsl_poll(struct napi_struct *napi, int budget);
void pcinet_fsl_quiesce(struct pcinet_fsl *priv);
void pcinet_fsl_resume(struct pcinet_fsl *priv);

/* pcinet_fsl_tty.c */
extern const struct tty_port_operations pcinet_fsl_port_ops;
bool pcinet_fsl_cons_pump(struct pcinet_fsl *priv);
void pcinet_fsl_cons_rx_service(struct pcinet_fsl *priv);
void pcinet_fsl_cons_timer(struct timer_list *t);
void pcinet_fsl_con_write(struct console *con, const char *s,
			  unsigned int count);
struct tty_driver *pcinet_fsl_con_device(struct console *con, int *index);
void pcinet_fsl_cons_start(struct pcinet_fsl *priv);
void pcinet_fsl_cons_stop(struct pcinet_fsl *priv);
int pcinet_fsl_tty_register(struct pcinet_fsl *priv);
void pcinet_fsl_tty_unregister(struct pcinet_fsl *priv);

#endif /* _PCINET_FSL_H */
