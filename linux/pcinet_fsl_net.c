// SPDX-License-Identifier: GPL-2.0+
/*
 * PCINet board driver: the network side - the net_device, its NAPI data
 * path over the PCINet rings (docs/protocol.md section 8) and the DMA that
 * moves every frame.
 *
 * The host writes descriptors of its buffers into the shared region, board
 * RAM it sees through inbound window 0 (its BAR1). We read them from our
 * own RAM, move every frame with the board's DMA controller through a PCI
 * outbound window, and let the same DMA chain write the indices and
 * completions into the host's memory behind the payload. No side ever
 * reads across PCI: reads over the bus are slow, posted writes and DMA
 * bursts are fast.
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
 * ndo_start_xmit only queues and schedules NAPI, so the rings, the chains
 * and the local indices have one user. When the host may attach, detach or
 * is refused is pcinet_fsl_main.c's business (protocol 10); it stops and
 * resumes the data path through pcinet_fsl_quiesce()/pcinet_fsl_resume().
 */
#include <linux/dma-mapping.h>
#include <linux/etherdevice.h>
#include <linux/stddef.h>

#include "pcinet_fsl.h"

#define PCINET_FSL_TXQ_LEN	128	/* frames waiting for host buffers */
#define PCINET_FSL_DMA_MS	100	/* a chain in flight, at most */

/* ---------------------------------------------------------------------- */
/* DMA: the channel, then the chains */

static void pcinet_fsl_release_dma(void *data)
{
	struct pcinet_fsl *priv = data;

	dma_unmap_resource(priv->dma_dev, priv->ob_dma, priv->win.size,
			   DMA_BIDIRECTIONAL, 0);
	dma_free_coherent(priv->dma_dev, sizeof(*priv->words), priv->words,
			  priv->words_dma);
	dma_release_channel(priv->dma);
}

/*
 * A private memcpy channel of fsldma, the outbound window mapped for it and
 * the words the chains copy: for as long as the device is bound (devm).
 */
int pcinet_fsl_get_dma(struct pcinet_fsl *priv)
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
 * Returns true if a chain completed without error: dmaengine reported it
 * DMA_COMPLETE, so its indices reached the host and the host may be rung
 * (protocol 3.5, 8.3 board step 4, 8.4 board step 5).
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
		/* dmaengine saw the chain end (EOCDI): its words are out */
		if (st == DMA_COMPLETE)
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

static void pcinet_fsl_hdr_callback(void *data)
{
	struct pcinet_fsl *priv = data;

	complete(&priv->hdr_done);
}

/* Write the host area header {0, 0, generation} and wait for it */
int pcinet_fsl_write_hdr(struct pcinet_fsl *priv)
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
	/* RUNNING (OMR1) only once the header is out (protocol 3.5) */
	if (dmaengine_tx_status(priv->dma, cookie, NULL) != DMA_COMPLETE)
		return -EIO;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Data path: NAPI */

void pcinet_fsl_kick_host(struct pcinet_fsl *priv)
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

int pcinet_fsl_poll(struct napi_struct *napi, int budget)
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
		/* ODR only after dmaengine reported the chain complete */
		if (pcinet_fsl_reap(priv, budget, &work, false) &&
		    !READ_ONCE(priv->broken))
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
/* Stop and resume: the handshake (pcinet_fsl_main.c) around the data path */

/*
 * Stop the data path: no frame is queued or moved after this, no chain is
 * in flight, every frame is freed. net_lock held.
 */
void pcinet_fsl_quiesce(struct pcinet_fsl *priv)
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

void pcinet_fsl_resume(struct pcinet_fsl *priv)
{
	if (priv->napi_on)
		napi_enable(&priv->napi);
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

const struct net_device_ops pcinet_fsl_netdev_ops = {
	.ndo_open = pcinet_fsl_open,
	.ndo_stop = pcinet_fsl_stop,
	.ndo_start_xmit = pcinet_fsl_xmit,
	.ndo_tx_timeout = pcinet_fsl_tx_timeout,
	.ndo_set_mac_address = eth_mac_addr,	/* published at the next ifup */
	.ndo_validate_addr = eth_validate_addr,
};
