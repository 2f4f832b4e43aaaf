// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pcinetd: TAP devices (see tap.h). Plain ioctls: the daemon needs an
 * address, an MTU, up and the carrier, nothing that asks for netlink.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"

/* Older <linux/if_tun.h> lack it; the value is the kernel ABI (4.8+) */
#ifndef TUNSETCARRIER
#define TUNSETCARRIER	_IOW('T', 226, int)
#endif

static int ifreq_for(struct ifreq *ifr, const char *name)
{
	memset(ifr, 0, sizeof(*ifr));
	if (strlen(name) >= sizeof(ifr->ifr_name))
		return -ENAMETOOLONG;
	strcpy(ifr->ifr_name, name);
	return 0;
}

/* One ioctl on a throwaway datagram socket (the SIOCSIF* family) */
static int sock_ioctl(unsigned long req, struct ifreq *ifr)
{
	int fd, err = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, req, ifr))
		err = -errno;
	close(fd);
	return err;
}

int tap_create(const char *name, const u8 *mac)
{
	struct ifreq ifr;
	int fd, err;

	err = ifreq_for(&ifr, name);
	if (err)
		return err;
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (ioctl(fd, TUNSETIFF, &ifr))
		goto fail;
	if (tap_set_carrier(fd, false))
		goto fail;
	err = ifreq_for(&ifr, name);
	if (err) {
		close(fd);
		return err;
	}
	ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);
	if (ioctl(fd, SIOCSIFHWADDR, &ifr))
		goto fail;
	return fd;
fail:
	err = -errno;
	close(fd);
	return err;
}

static int disable_ipv6(const char *name)
{
	char path[96];
	int fd, err = 0;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
		 name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)	/* a kernel without IPv6 has nothing to disable */
		return errno == ENOENT ? 0 : -errno;
	if (write(fd, "1", 1) != 1)
		err = -errno;
	close(fd);
	return err;
}

int tap_configure(const char *name, u32 addr, unsigned int prefix)
{
	struct sockaddr_in *sin;
	struct ifreq ifr;
	int err;

	err = disable_ipv6(name);
	if (err)
		return err;
	err = ifreq_for(&ifr, name);
	if (err)
		return err;
	sin = (struct sockaddr_in *)&ifr.ifr_addr;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(addr);
	err = sock_ioctl(SIOCSIFADDR, &ifr);
	if (err)
		return err;
	sin->sin_addr.s_addr = htonl(prefix ? ~0u << (32 - prefix) : 0);
	err = sock_ioctl(SIOCSIFNETMASK, &ifr);
	if (err)
		return err;
	err = sock_ioctl(SIOCGIFFLAGS, &ifr);
	if (err)
		return err;
	ifr.ifr_flags |= IFF_UP;
	return sock_ioctl(SIOCSIFFLAGS, &ifr);
}

int tap_set_mtu(const char *name, unsigned int mtu)
{
	struct ifreq ifr;
	int err;

	err = ifreq_for(&ifr, name);
	if (err)
		return err;
	ifr.ifr_mtu = (int)mtu;
	return sock_ioctl(SIOCSIFMTU, &ifr);
}

int tap_set_carrier(int fd, bool on)
{
	int v = on;

	return ioctl(fd, TUNSETCARRIER, &v) ? -errno : 0;
}

int tap_running(const char *name)
{
	struct ifreq ifr;
	int err;

	err = ifreq_for(&ifr, name);
	if (!err)
		err = sock_ioctl(SIOCGIFFLAGS, &ifr);
	return err ? err : !!(ifr.ifr_flags & IFF_RUNNING);
}

int tap_in_named_netns(void)
{
	struct stat self, ns;
	struct dirent *e;
	char path[300];
	DIR *d;
	int found = 0;

	if (stat("/proc/self/ns/net", &self))
		return -errno;
	d = opendir("/run/netns");
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while (!found && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/run/netns/%s", e->d_name);
		found = !stat(path, &ns) && ns.st_dev == self.st_dev &&
			ns.st_ino == self.st_ino;
	}
	closedir(d);
	return found;
}
