// SPDX-License-Identifier: GPL-2.0+
/*
 * pcinet_uml_intx: make legacy INTx of UML's virt-pci devices requestable.
 *
 * Linux 6.1's arch/um/drivers/virt-pci.c gives each device an interrupt
 * with irq_alloc_desc() and delivers VIRTIO_PCIDEV_OP_INT messages to it
 * with generic_handle_irq(), but never gives that descriptor an irq_chip:
 * request_irq() on it fails with -ENOSYS ("no_irq_chip"), so no INTx driver
 * can run under UML. This module, loaded before such a driver, gives every
 * virt-pci device's INTx descriptor the dummy chip and the simple flow
 * handler (each INT message runs the handlers once; the line's level is
 * pcinet-vpci's business, docs/uml.md). Nothing else changes: the driver
 * under test stays as it is. The descriptor is found the way PCI core
 * finds it at probe time, through the host bridge's map_irq().
 */
#include <linux/irq.h>
#include <linux/module.h>
#include <linux/pci.h>

static int __init uml_intx_init(void)
{
	struct pci_dev *pdev = NULL;
	unsigned int fixed = 0;

	for_each_pci_dev(pdev) {
		struct pci_host_bridge *br = pci_find_host_bridge(pdev->bus);
		struct irq_data *d;
		u8 pin = 0;
		int irq;

		pci_read_config_byte(pdev, PCI_INTERRUPT_PIN, &pin);
		if (!pin || !br || !br->map_irq)
			continue;
		irq = br->map_irq(pdev, PCI_SLOT(pdev->devfn), pin);
		if (irq <= 0)
			continue;
		d = irq_get_irq_data(irq);
		if (!d || (d->chip && d->chip != &dummy_irq_chip &&
			   strcmp(d->chip->name, "none")))
			continue;	/* has a real chip: leave it alone */
		irq_set_chip_and_handler_name(irq, &dummy_irq_chip,
					      handle_simple_irq, "virt-pci INTx");
		irq_clear_status_flags(irq, IRQ_NOREQUEST | IRQ_NOPROBE);
		pci_info(pdev, "INTx%c is irq %d (dummy chip, simple flow)\n",
			 'A' + pin - 1, irq);
		fixed++;
	}
	pr_info("pcinet_uml_intx: %u device(s)\n", fixed);
	return 0;
}

static void __exit uml_intx_exit(void)
{
}

module_init(uml_intx_init);
module_exit(uml_intx_exit);
MODULE_DESCRIPTION("PCINet: requestable INTx for UML virt-pci devices");
MODULE_LICENSE("GPL");
