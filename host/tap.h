/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcinetd: a slot's network interface, a Linux TAP device. What the board
 * sends comes out of it into the network namespace's stack; what the stack
 * routes to it is read here and goes to the board. Its carrier is the
 * link state a lab engineer sees (`ip link`): on while the host is attached
 * to a board whose registers are valid.
 */
#ifndef _PCINETD_TAP_H
#define _PCINETD_TAP_H

#include <stdbool.h>
#include <stdint.h>

#include <pcinet/pcinet_types.h>

#define TAP_NAME_MAX	16	/* IFNAMSIZ */

/*
 * Create TAP `name` (no packet info header), non-blocking, with Ethernet
 * address mac, carrier off. Returns the fd or -errno.
 */
int tap_create(const char *name, const u8 *mac);
/* IPv4 address/prefix, IPv6 off (no autoconfiguration chatter), up; 0 or -errno */
int tap_configure(const char *name, u32 addr, unsigned int prefix);
int tap_set_mtu(const char *name, unsigned int mtu);
int tap_set_carrier(int fd, bool on);
/*
 * 1 when the kernel has the link of `name` operationally up (IFF_RUNNING),
 * 0 when not, -errno. A carrier set on takes effect asynchronously (the
 * kernel's linkwatch work); until then the interface drops what it sends.
 */
int tap_running(const char *name);
/*
 * 1: we run in a named network namespace (`ip netns add`, as pcinet-sim
 * makes for its chassis; the same test as `ip netns identify`), 0: not
 * (the machine's own, most likely), -errno.
 */
int tap_in_named_netns(void);

#endif /* _PCINETD_TAP_H */
