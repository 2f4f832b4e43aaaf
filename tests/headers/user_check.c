// SPDX-License-Identifier: GPL-2.0-or-later
/* The protocol headers in user space, strict warnings, checked by sparse. */
#include "use_headers.h"

u32 pcinet_user_check(struct pcinet_ctrl *c, struct pcinet_desc *d,
		      struct pcinet_cmpl *cm);

u32 pcinet_user_check(struct pcinet_ctrl *c, struct pcinet_desc *d,
		      struct pcinet_cmpl *cm)
{
	return pcinet_use_headers(c, d, cm);
}
