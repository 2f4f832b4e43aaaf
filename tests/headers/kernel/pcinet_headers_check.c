// SPDX-License-Identifier: GPL-2.0+
/*
 * The protocol headers inside a Linux kernel module build (W=1, sparse C=2).
 * Only compiled, never loaded.
 */
#include <linux/module.h>

#include "../use_headers.h"

static struct pcinet_ctrl check_ctrl;
static struct pcinet_desc check_desc;
static struct pcinet_cmpl check_cmpl;

static int __init pcinet_headers_check_init(void)
{
	return pcinet_use_headers(&check_ctrl, &check_desc, &check_cmpl) ? 0 : -EINVAL;
}
module_init(pcinet_headers_check_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("PCINet protocol headers: kernel build check");
